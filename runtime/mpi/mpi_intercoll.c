/*
 * mpi_intercoll.c - the collectives on intercommunicators (MPI-3.1 5.2.2):
 * the data of one group goes to the other. Built from point-to-point on the
 * intercommunicator's collective context (which addresses the remote group)
 * and libipc's collectives on comm->local, the intracommunicator of this
 * rank's group. Data moves in the packed form of the datatypes
 * (ipc__mpi_view), one view per block.
 *
 * Rooted collectives: the root passes MPI_ROOT, the other members of its
 * group MPI_PROC_NULL (they take no part), the remote group the root's rank.
 * MPI_IN_PLACE is not defined on intercommunicators (MPI_ERR_BUFFER).
 */
#include <stdlib.h>

#include "coll/coll.h"
#include "mpi_internal.h"

/* One tag per collective, above the tags of comm.c's agreements. */
enum {
    TAG_BARRIER = IPC__TAG_INTER + 1,
    TAG_BCAST,
    TAG_GATHER,
    TAG_SCATTER,
    TAG_ALLGATHER,
    TAG_ALLTOALL,
    TAG_REDUCE,
    TAG_ALLREDUCE,
    TAG_REDUCE_SCATTER,
};

bool ipc__mpi_is_inter(MPI_Comm comm)
{
    return comm != MPI_COMM_WORLD && comm != MPI_COMM_SELF &&
           ipc__check_comm(comm) == IPC_SUCCESS && ipc__comm_is_inter(comm);
}

/* ---- moving blocks between the groups ---- */

/* count elements at buf, to or from rank peer of the remote group. */
struct block {
    int peer;
    void *buf;
    int count;
};

/* Posts every receive (rb, of type rt) then every send (sb, of type st) on
 * comm's collective context and waits for all of them. */
static int move_blocks(MPI_Comm comm, int tag, const struct block *sb, int ns,
                       struct ipc__mpi_type *st, const struct block *rb, int nr,
                       struct ipc__mpi_type *rt)
{
    int n = nr + ns, nviews = 0, rc = MPI_SUCCESS, irc = IPC_SUCCESS;
    struct ipc__mpi_view *v = calloc((size_t)n + 1, sizeof *v);
    struct ipc__req **r = calloc((size_t)n + 1, sizeof *r);
    if (!v || !r)
        rc = MPI_ERR_NO_MEM;
    for (int i = 0; rc == MPI_SUCCESS && i < n; i++) {
        rc = i < nr ? ipc__mpi_view_out(&v[i], rb[i].buf, rb[i].count, rt, false)
                    : ipc__mpi_view_in(&v[i], sb[i - nr].buf, sb[i - nr].count, st);
        nviews += rc == MPI_SUCCESS;
    }
    for (int i = 0; rc == MPI_SUCCESS && irc == IPC_SUCCESS && i < n; i++)
        irc = i < nr ? ipc__coll_irecv(v[i].p, v[i].bytes, rb[i].peer, tag, comm, &r[i])
                     : ipc__coll_isend(v[i].p, v[i].bytes, sb[i - nr].peer, tag, comm,
                                       &r[i]);
    int wait_rc = r ? ipc__coll_waitall(r, n) : IPC_SUCCESS;
    if (irc == IPC_SUCCESS)
        irc = wait_rc;
    bool moved = rc == MPI_SUCCESS && irc == IPC_SUCCESS;
    for (int i = 0; i < nviews; i++) {
        if (i < nr)
            ipc__mpi_view_done(&v[i], rb[i].buf, v[i].bytes, moved);
        else
            ipc__mpi_view_done(&v[i], NULL, 0, false);
    }
    free(v);
    free(r);
    return rc != MPI_SUCCESS ? rc : ipc__mpi_code(irc);
}

/* Block i of buf for remote rank i, i < n: counts[i] elements at displs[i]
 * extents, or without counts `count` elements at i * count. */
static int spread(struct block *b, int n, const void *buf, int count, const int counts[],
                  const int displs[], struct ipc__mpi_type *t)
{
    if (!t)
        return MPI_ERR_TYPE;
    if (counts && !displs)
        return MPI_ERR_ARG;
    if (buf == MPI_IN_PLACE)
        return MPI_ERR_BUFFER;
    for (int i = 0; i < n; i++) {
        long at = counts ? displs[i] : (long)i * count;
        b[i] =
            (struct block){i, (char *)buf + at * t->extent, counts ? counts[i] : count};
        if (b[i].count < 0)
            return MPI_ERR_COUNT;
    }
    return MPI_SUCCESS;
}

int ipc__mpi_inter_root_ok(MPI_Comm comm, int root)
{
    if (root == MPI_ROOT || root == MPI_PROC_NULL ||
        (root >= 0 && root < comm->peer_size))
        return MPI_SUCCESS;
    return MPI_ERR_ROOT;
}

/* ---- barrier, bcast ---- */

/* All of a group are in when its local barrier ends; the leaders then tell
 * each other, and a second local barrier lets the rest go. */
int ipc__mpi_inter_barrier(MPI_Comm comm)
{
    struct block leader = {0, NULL, 0};
    struct ipc__mpi_type *byte = ipc__mpi_type(MPI_BYTE);
    int rc = ipc__mpi_code(ipc_barrier(comm->local));
    if (rc == MPI_SUCCESS && comm->rank == 0)
        rc = move_blocks(comm, TAG_BARRIER, &leader, 1, byte, &leader, 1, byte);
    return rc == MPI_SUCCESS ? ipc__mpi_code(ipc_barrier(comm->local)) : rc;
}

/* The root sends to rank 0 of the remote group, which broadcasts it there. */
int ipc__mpi_inter_bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    struct block b = {0, buf, count};
    struct ipc__mpi_view v;
    int rc = ipc__mpi_inter_root_ok(comm, root);
    if (rc != MPI_SUCCESS || root == MPI_PROC_NULL)
        return rc;
    if (root == MPI_ROOT)
        return move_blocks(comm, TAG_BCAST, &b, 1, t, NULL, 0, NULL);
    b.peer = root;
    if (comm->rank == 0 && (rc = move_blocks(comm, TAG_BCAST, NULL, 0, NULL, &b, 1, t)))
        return rc;
    if ((rc = ipc__mpi_view_out(&v, buf, count, t, comm->rank == 0)) != MPI_SUCCESS)
        return rc;
    int irc = ipc_bcast(v.p, v.bytes, IPC_BYTE, 0, comm->local);
    ipc__mpi_view_done(&v, buf, v.bytes, irc == IPC_SUCCESS && comm->rank != 0);
    return ipc__mpi_code(irc);
}

/* ---- data movers ---- */

/* A block array of one entry per remote rank, and of two for both ways. */
static struct block *blocks_new(MPI_Comm comm, int ways)
{
    return malloc((size_t)comm->peer_size * (size_t)ways * sizeof(struct block) + 1);
}

/* The root receives one block from each remote rank (rcounts/displs with v,
 * else rcount each); those send theirs. */
int ipc__mpi_inter_gather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                          int rcount, const int rcounts[], const int displs[], bool v,
                          MPI_Datatype rtype, int root, MPI_Comm comm)
{
    int rc = ipc__mpi_inter_root_ok(comm, root);
    if (rc != MPI_SUCCESS || root == MPI_PROC_NULL)
        return rc;
    if (root != MPI_ROOT) {
        struct block b = {root, (void *)sbuf, scount};
        if (sbuf == MPI_IN_PLACE)
            return MPI_ERR_BUFFER;
        return move_blocks(comm, TAG_GATHER, &b, 1, ipc__mpi_type(stype), NULL, 0, NULL);
    }
    if (v && !rcounts)
        return MPI_ERR_ARG;
    struct ipc__mpi_type *rt = ipc__mpi_type(rtype);
    struct block *b = blocks_new(comm, 1);
    if (!b)
        return MPI_ERR_NO_MEM;
    rc = spread(b, comm->peer_size, rbuf, rcount, v ? rcounts : NULL, displs, rt);
    if (rc == MPI_SUCCESS)
        rc = move_blocks(comm, TAG_GATHER, NULL, 0, NULL, b, comm->peer_size, rt);
    free(b);
    return rc;
}

/* The root sends one block to each remote rank; those receive theirs. */
int ipc__mpi_inter_scatter(const void *sbuf, int scount, const int scounts[],
                           const int displs[], bool v, MPI_Datatype stype, void *rbuf,
                           int rcount, MPI_Datatype rtype, int root, MPI_Comm comm)
{
    int rc = ipc__mpi_inter_root_ok(comm, root);
    if (rc != MPI_SUCCESS || root == MPI_PROC_NULL)
        return rc;
    if (root != MPI_ROOT) {
        struct block b = {root, rbuf, rcount};
        if (rbuf == MPI_IN_PLACE)
            return MPI_ERR_BUFFER;
        return move_blocks(comm, TAG_SCATTER, NULL, 0, NULL, &b, 1, ipc__mpi_type(rtype));
    }
    if (v && !scounts)
        return MPI_ERR_ARG;
    struct ipc__mpi_type *st = ipc__mpi_type(stype);
    struct block *b = blocks_new(comm, 1);
    if (!b)
        return MPI_ERR_NO_MEM;
    rc = spread(b, comm->peer_size, sbuf, scount, v ? scounts : NULL, displs, st);
    if (rc == MPI_SUCCESS)
        rc = move_blocks(comm, TAG_SCATTER, b, comm->peer_size, st, NULL, 0, NULL);
    free(b);
    return rc;
}

/* Every rank sends its block to every remote rank and receives one block
 * from each (rcounts/rdispls with v, else rcount each). */
int ipc__mpi_inter_allgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                             int rcount, const int rcounts[], const int displs[], bool v,
                             MPI_Datatype rtype, MPI_Comm comm)
{
    int n = comm->peer_size, rc;
    struct ipc__mpi_type *rt = ipc__mpi_type(rtype);
    if (sbuf == MPI_IN_PLACE)
        return MPI_ERR_BUFFER;
    if (v && !rcounts)
        return MPI_ERR_ARG;
    struct block *b = blocks_new(comm, 2);
    if (!b)
        return MPI_ERR_NO_MEM;
    for (int i = 0; i < n; i++)
        b[n + i] = (struct block){i, (void *)sbuf, scount};
    rc = spread(b, n, rbuf, rcount, v ? rcounts : NULL, displs, rt);
    if (rc == MPI_SUCCESS)
        rc = move_blocks(comm, TAG_ALLGATHER, b + n, n, ipc__mpi_type(stype), b, n, rt);
    free(b);
    return rc;
}

/* Block i of the send buffer goes to remote rank i, whose block for this
 * rank lands in block i of the receive buffer. */
int ipc__mpi_inter_alltoall(const void *sbuf, int scount, const int scounts[],
                            const int sdispls[], MPI_Datatype stype, void *rbuf,
                            int rcount, const int rcounts[], const int rdispls[], bool v,
                            MPI_Datatype rtype, MPI_Comm comm)
{
    int n = comm->peer_size;
    struct ipc__mpi_type *st = ipc__mpi_type(stype), *rt = ipc__mpi_type(rtype);
    if (v && (!scounts || !rcounts))
        return MPI_ERR_ARG;
    struct block *b = blocks_new(comm, 2);
    if (!b)
        return MPI_ERR_NO_MEM;
    int rc = spread(b + n, n, sbuf, scount, v ? scounts : NULL, sdispls, st);
    if (rc == MPI_SUCCESS)
        rc = spread(b, n, rbuf, rcount, v ? rcounts : NULL, rdispls, rt);
    if (rc == MPI_SUCCESS)
        rc = move_blocks(comm, TAG_ALLTOALL, b + n, n, st, b, n, rt);
    free(b);
    return rc;
}

/* ---- reductions ---- */

/* Reduces count elements of sbuf over this rank's group into *sum, packed,
 * at its rank 0 (NULL elsewhere). */
static int local_reduce(const void *sbuf, int count, MPI_Datatype type, MPI_Op op,
                        MPI_Comm comm, char **sum)
{
    struct ipc__mpi_red red;
    struct ipc__mpi_view sv;
    *sum = NULL;
    if (sbuf == MPI_IN_PLACE)
        return MPI_ERR_BUFFER;
    int rc = ipc__mpi_red_setup(&red, op, type, count);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_view_in(&sv, sbuf, count, ipc__mpi_type(type));
    if (rc != MPI_SUCCESS)
        return rc;
    if (comm->rank == 0 && !(*sum = malloc(sv.bytes ? sv.bytes : 1)))
        rc = MPI_ERR_NO_MEM;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(
            ipc_reduce(sv.p, *sum, red.count, red.type, red.op, 0, comm->local));
    ipc__mpi_view_done(&sv, NULL, 0, false);
    if (rc != MPI_SUCCESS) {
        free(*sum);
        *sum = NULL;
    }
    return rc;
}

/* The remote group reduces to its rank 0, which sends the result to the
 * root. */
int ipc__mpi_inter_reduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                          MPI_Op op, int root, MPI_Comm comm)
{
    int rc = ipc__mpi_inter_root_ok(comm, root);
    if (rc != MPI_SUCCESS || root == MPI_PROC_NULL)
        return rc;
    if (root == MPI_ROOT) {
        struct block b = {0, rbuf, count};
        return move_blocks(comm, TAG_REDUCE, NULL, 0, NULL, &b, 1, ipc__mpi_type(type));
    }
    char *sum;
    if ((rc = local_reduce(sbuf, count, type, op, comm, &sum)) == MPI_SUCCESS && sum)
        rc = ipc__mpi_code(ipc__coll_send(sum, (size_t)count * ipc__mpi_type(type)->size,
                                          root, TAG_REDUCE, comm));
    free(sum);
    return rc;
}

/* Each group reduces to its rank 0; those swap the results and broadcast
 * what they got in their group (even when the swap failed: nobody is left
 * waiting). */
int ipc__mpi_inter_allreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                             MPI_Op op, MPI_Comm comm)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    struct ipc__mpi_view rv;
    char *sum;
    int rc = local_reduce(sbuf, count, type, op, comm, &sum);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_view_out(&rv, rbuf, count, t, false);
    if (rc != MPI_SUCCESS) {
        free(sum);
        return rc;
    }
    int swap_rc = IPC_SUCCESS;
    if (sum)
        swap_rc =
            ipc__coll_sendrecv(sum, rv.bytes, 0, rv.p, rv.bytes, 0, TAG_ALLREDUCE, comm);
    int irc = ipc_bcast(rv.p, rv.bytes, IPC_BYTE, 0, comm->local);
    if (irc == IPC_SUCCESS)
        irc = swap_rc;
    ipc__mpi_view_done(&rv, rbuf, rv.bytes, irc == IPC_SUCCESS);
    free(sum);
    return ipc__mpi_code(irc);
}

/* Byte counts and displacements of the scatter of a reduce-scatter: counts[i]
 * elements for local rank i, or without counts `count` each. Sets *total
 * (elements) and this rank's bytes. */
static int scatter_layout(MPI_Comm comm, int count, const int counts[], size_t esize,
                          size_t *bytes, size_t *displs, long *total)
{
    *total = 0;
    for (int i = 0; i < comm->size; i++) {
        int c = counts ? counts[i] : count;
        if (c < 0)
            return MPI_ERR_COUNT;
        bytes[i] = (size_t)c * esize;
        displs[i] = (size_t)*total * esize;
        *total += c;
    }
    return *total > INT32_MAX ? MPI_ERR_COUNT : MPI_SUCCESS;
}

/* MPI-3.1 5.10: the reduction of one group's vectors is scattered over the
 * other group, by that group's counts (counts[i] elements to rank i, or
 * without counts `count` each). A group's vectors have as many elements as
 * its own scatter takes: n * count in the block form, n being the size of
 * the group (MPI-3.1's words, and what MPICH and Open MPI do), the sum of the
 * counts in the v-form; the two groups' totals must be equal. The leaders
 * swap their group's reductions, then scatter what they got even when that
 * failed, so that no member is left waiting. */
int ipc__mpi_inter_reduce_scatter(const void *sbuf, void *rbuf, int count,
                                  const int counts[], MPI_Datatype type, MPI_Op op,
                                  MPI_Comm comm)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    if (!t)
        return MPI_ERR_TYPE;
    if (count < 0)
        return MPI_ERR_COUNT;
    size_t *layout = malloc(2 * (size_t)comm->size * sizeof *layout);
    long total;
    int rc = layout ? scatter_layout(comm, count, counts, t->size, layout,
                                     layout + comm->size, &total)
                    : MPI_ERR_NO_MEM;
    char *sum = NULL, *whole = NULL;
    struct ipc__mpi_view rv = {0};
    if (rc == MPI_SUCCESS)
        rc = local_reduce(sbuf, (int)total, type, op, comm, &sum);
    size_t bytes = rc == MPI_SUCCESS ? (size_t)total * t->size : 0;
    if (rc == MPI_SUCCESS && sum && !(whole = calloc(1, bytes + 1)))
        rc = MPI_ERR_NO_MEM;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_view_out(&rv, rbuf, counts ? counts[comm->rank] : count, t, false);
    int swap_rc = IPC_SUCCESS, irc = IPC_SUCCESS;
    if (rc == MPI_SUCCESS && sum)
        swap_rc =
            ipc__coll_sendrecv(sum, bytes, 0, whole, bytes, 0, TAG_REDUCE_SCATTER, comm);
    if (rc == MPI_SUCCESS)
        irc = ipc_scatterv(whole, layout, layout + comm->size, IPC_BYTE, rv.p, rv.bytes,
                           IPC_BYTE, 0, comm->local);
    if (irc == IPC_SUCCESS)
        irc = swap_rc;
    if (rc == MPI_SUCCESS)
        ipc__mpi_view_done(&rv, rbuf, rv.bytes, irc == IPC_SUCCESS);
    free(whole);
    free(sum);
    free(layout);
    return rc != MPI_SUCCESS ? rc : ipc__mpi_code(irc);
}
