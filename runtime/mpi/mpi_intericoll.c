/*
 * mpi_intericoll.c - MPI's nonblocking collectives on intercommunicators
 * (MPI-3.1 5.12 with 5.2.2): the algorithms of mpi_intercoll.c, built as
 * schedules (coll/nbc.c) with the buffers of mpi_icoll.c.
 *
 * An instance takes one tag from the intercommunicator. Its messages to the
 * remote group go on the intercommunicator, those within this rank's group on
 * comm->local with the same tag; the phases within a group are libipc's
 * appenders on comm->local. Roots as in mpi_intercoll.c: MPI_ROOT at the
 * root, MPI_PROC_NULL at the rest of its group (their request is complete at
 * once), the root's rank in the remote group. MPI_IN_PLACE is not defined on
 * intercommunicators (MPI_ERR_BUFFER).
 */
#include <limits.h>

#include "coll/coll.h"
#include "mpi_internal.h"

static bool ok(const struct ipc__mpi_nbc *b)
{
    return b->rc == MPI_SUCCESS;
}

static void no_in_place(struct ipc__mpi_nbc *b, const void *buf)
{
    if (buf == MPI_IN_PLACE)
        ipc__mpi_nbc_fail(b, MPI_ERR_BUFFER);
}

/* The blocks of a buffer holding one block per remote rank: counts[i]
 * elements at displs[i] extents in the v-form, else count elements at
 * i * count; as *bytes and *offs into what it returns (see _vin, _vout). */
static char *per_remote(struct ipc__mpi_nbc *b, MPI_Comm comm, const void *buf, int count,
                        const int counts[], const int displs[], bool v, MPI_Datatype type,
                        bool out, size_t **bytes, size_t **offs)
{
    int n = comm->peer_size;
    no_in_place(b, buf);
    if (v && !counts)
        ipc__mpi_nbc_fail(b, MPI_ERR_ARG);
    if (!v) {
        int *c = ipc__mpi_nbc_alloc(b, 2 * (size_t)n * sizeof *c);
        if (!c)
            return NULL;
        if ((long)count * n > INT_MAX)
            ipc__mpi_nbc_fail(b, MPI_ERR_COUNT);
        for (int i = 0; i < n && ok(b); i++)
            c[i] = count, c[n + i] = i * count;
        counts = c, displs = c + n;
    }
    if (!ok(b))
        return NULL;
    return out ? ipc__mpi_nbc_vout(b, (void *)buf, n, counts, displs, type, false, bytes,
                                   offs)
               : ipc__mpi_nbc_vin(b, buf, n, counts, displs, type, bytes, offs);
}

/* Sends block i of sp to remote rank i and receives its block for this
 * rank into block i of rp, all at once; no sends without sbytes, no
 * receives without rbytes. */
static void exchange(struct ipc__mpi_nbc *b, MPI_Comm comm, const char *sp,
                     const size_t sbytes[], const size_t soffs[], char *rp,
                     const size_t rbytes[], const size_t roffs[])
{
    if (!ok(b))
        return;
    for (int i = 0; i < comm->peer_size; i++) {
        if (rbytes)
            ipc__nbc_recv(b->n, comm, rp + roffs[i], rbytes[i], i);
        if (sbytes)
            ipc__nbc_send(b->n, comm, sp + soffs[i], sbytes[i], i);
    }
    ipc__nbc_round(b->n);
}

/* ---- barrier, bcast ---- */

/* The group's barrier, its leader's swap with the remote leader, and a
 * second barrier that lets the group go once the remote group is in. */
int ipc__mpi_inter_ibarrier(MPI_Comm comm, MPI_Request *req)
{
    struct ipc__mpi_nbc b;
    int rc = ipc__mpi_nbc_open(&b, comm);
    if (rc != MPI_SUCCESS)
        return rc;
    ipc__nbc_a_barrier(b.n, comm->local);
    if (comm->rank == 0) {
        ipc__nbc_recv(b.n, comm, NULL, 0, 0);
        ipc__nbc_send(b.n, comm, NULL, 0, 0);
        ipc__nbc_round(b.n);
    }
    ipc__nbc_a_barrier(b.n, comm->local);
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

/* The root sends to rank 0 of the remote group, which broadcasts there. */
int ipc__mpi_inter_ibcast(void *buf, int count, MPI_Datatype type, int root,
                          MPI_Comm comm, MPI_Request *req)
{
    struct ipc__mpi_nbc b;
    int rc = ipc__mpi_nbc_open(&b, comm);
    if (rc != MPI_SUCCESS)
        return rc;
    ipc__mpi_nbc_fail(&b, ipc__mpi_inter_root_ok(comm, root));
    size_t bytes;
    if (ok(&b) && root == MPI_ROOT) {
        void *p = ipc__mpi_nbc_in(&b, buf, count, type, &bytes);
        ipc__nbc_send(b.n, comm, p, bytes, 0);
        ipc__nbc_round(b.n);
    } else if (ok(&b) && root != MPI_PROC_NULL) {
        no_in_place(&b, buf);
        void *p = ipc__mpi_nbc_out(&b, buf, count, type, false, &bytes);
        if (comm->rank == 0) {
            ipc__nbc_recv(b.n, comm, p, bytes, root);
            ipc__nbc_round(b.n);
        }
        ipc__nbc_a_bcast(b.n, p, bytes, 0, comm->local);
    }
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

/* ---- data movers ---- */

/* The root receives a block from each remote rank; those send theirs. */
int ipc__mpi_inter_igather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                           int rcount, const int rcounts[], const int displs[], bool v,
                           MPI_Datatype rtype, int root, MPI_Comm comm, MPI_Request *req)
{
    struct ipc__mpi_nbc b;
    int rc = ipc__mpi_nbc_open(&b, comm);
    if (rc != MPI_SUCCESS)
        return rc;
    ipc__mpi_nbc_fail(&b, ipc__mpi_inter_root_ok(comm, root));
    if (ok(&b) && root == MPI_ROOT) {
        size_t *bytes = NULL, *offs = NULL;
        char *rp = per_remote(&b, comm, rbuf, rcount, rcounts, displs, v, rtype, true,
                              &bytes, &offs);
        exchange(&b, comm, NULL, NULL, NULL, rp, bytes, offs);
    } else if (ok(&b) && root != MPI_PROC_NULL) {
        size_t bytes;
        no_in_place(&b, sbuf);
        const void *sp = ipc__mpi_nbc_in(&b, sbuf, scount, stype, &bytes);
        ipc__nbc_send(b.n, comm, sp, bytes, root);
        ipc__nbc_round(b.n);
    }
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

/* The root sends a block to each remote rank; those receive theirs. */
int ipc__mpi_inter_iscatter(const void *sbuf, int scount, const int scounts[],
                            const int displs[], bool v, MPI_Datatype stype, void *rbuf,
                            int rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                            MPI_Request *req)
{
    struct ipc__mpi_nbc b;
    int rc = ipc__mpi_nbc_open(&b, comm);
    if (rc != MPI_SUCCESS)
        return rc;
    ipc__mpi_nbc_fail(&b, ipc__mpi_inter_root_ok(comm, root));
    if (ok(&b) && root == MPI_ROOT) {
        size_t *bytes = NULL, *offs = NULL;
        char *sp = per_remote(&b, comm, sbuf, scount, scounts, displs, v, stype, false,
                              &bytes, &offs);
        exchange(&b, comm, sp, bytes, offs, NULL, NULL, NULL);
    } else if (ok(&b) && root != MPI_PROC_NULL) {
        size_t bytes;
        no_in_place(&b, rbuf);
        void *rp = ipc__mpi_nbc_out(&b, rbuf, rcount, rtype, false, &bytes);
        ipc__nbc_recv(b.n, comm, rp, bytes, root);
        ipc__nbc_round(b.n);
    }
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

/* Every rank sends its block to every remote rank and receives one block
 * from each. */
int ipc__mpi_inter_iallgather(const void *sbuf, int scount, MPI_Datatype stype,
                              void *rbuf, int rcount, const int rcounts[],
                              const int displs[], bool v, MPI_Datatype rtype,
                              MPI_Comm comm, MPI_Request *req)
{
    struct ipc__mpi_nbc b;
    int rc = ipc__mpi_nbc_open(&b, comm);
    if (rc != MPI_SUCCESS)
        return rc;
    size_t sbytes = 0, *rbytes = NULL, *roffs = NULL;
    no_in_place(&b, sbuf);
    const char *sp = ipc__mpi_nbc_in(&b, sbuf, scount, stype, &sbytes);
    char *rp = per_remote(&b, comm, rbuf, rcount, rcounts, displs, v, rtype, true,
                          &rbytes, &roffs);
    size_t *same = ipc__mpi_nbc_alloc(&b, 2 * (size_t)comm->peer_size * sizeof *same);
    for (int i = 0; same && i < comm->peer_size; i++)
        same[i] = sbytes, same[comm->peer_size + i] = 0;
    if (same)
        exchange(&b, comm, sp, same, same + comm->peer_size, rp, rbytes, roffs);
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

/* Block i of the send buffer goes to remote rank i, whose block for this
 * rank lands in block i of the receive buffer. */
int ipc__mpi_inter_ialltoall(const void *sbuf, int scount, const int scounts[],
                             const int sdispls[], MPI_Datatype stype, void *rbuf,
                             int rcount, const int rcounts[], const int rdispls[], bool v,
                             MPI_Datatype rtype, MPI_Comm comm, MPI_Request *req)
{
    struct ipc__mpi_nbc b;
    int rc = ipc__mpi_nbc_open(&b, comm);
    if (rc != MPI_SUCCESS)
        return rc;
    size_t *sbytes = NULL, *soffs = NULL, *rbytes = NULL, *roffs = NULL;
    if (v && (!scounts || !rcounts))
        ipc__mpi_nbc_fail(&b, MPI_ERR_ARG);
    char *sp = per_remote(&b, comm, sbuf, scount, scounts, sdispls, v, stype, false,
                          &sbytes, &soffs);
    char *rp = per_remote(&b, comm, rbuf, rcount, rcounts, rdispls, v, rtype, true,
                          &rbytes, &roffs);
    exchange(&b, comm, sp, sbytes, soffs, rp, rbytes, roffs);
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

int ipc__mpi_inter_ialltoallw(const void *sbuf, const int scounts[], const int sdispls[],
                              const MPI_Datatype stypes[], void *rbuf,
                              const int rcounts[], const int rdispls[],
                              const MPI_Datatype rtypes[], MPI_Comm comm,
                              MPI_Request *req)
{
    struct ipc__mpi_nbc b;
    int rc = ipc__mpi_nbc_open(&b, comm);
    if (rc != MPI_SUCCESS)
        return rc;
    int n = comm->peer_size;
    size_t *sbytes = NULL, *soffs = NULL, *rbytes = NULL, *roffs = NULL;
    no_in_place(&b, sbuf);
    no_in_place(&b, rbuf);
    char *sp = ipc__mpi_nbc_wblocks(&b, sbuf, n, scounts, sdispls, stypes, true, false,
                                    &sbytes, &soffs);
    char *rp = ipc__mpi_nbc_wblocks(&b, rbuf, n, rcounts, rdispls, rtypes, false, true,
                                    &rbytes, &roffs);
    exchange(&b, comm, sp, sbytes, soffs, rp, rbytes, roffs);
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

/* ---- reductions ---- */

/* Appends the reduction of count elements of sbuf over this rank's group to
 * its rank 0, packed: returns where the result will be there (NULL at the
 * others, or when b failed). *bytes: the packed size. */
static char *local_reduce(struct ipc__mpi_nbc *b, const void *sbuf, int count,
                          MPI_Datatype type, MPI_Op op, MPI_Comm comm, size_t *bytes)
{
    *bytes = 0;
    no_in_place(b, sbuf);
    struct ipc__mpi_red *red = ipc__mpi_nbc_red(b, op, type, count);
    const void *in = ipc__mpi_nbc_in(b, sbuf, count, type, bytes);
    char *sum = comm->rank == 0 ? ipc__mpi_nbc_alloc(b, *bytes) : NULL;
    if (!ok(b))
        return NULL;
    ipc__nbc_a_reduce(b->n, in, sum, red->count, red->type, red->op, 0, comm->local);
    return sum;
}

/* The remote group reduces to its rank 0, which sends the result to the
 * root. */
int ipc__mpi_inter_ireduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                           MPI_Op op, int root, MPI_Comm comm, MPI_Request *req)
{
    struct ipc__mpi_nbc b;
    int rc = ipc__mpi_nbc_open(&b, comm);
    if (rc != MPI_SUCCESS)
        return rc;
    ipc__mpi_nbc_fail(&b, ipc__mpi_inter_root_ok(comm, root));
    size_t bytes;
    if (ok(&b) && root == MPI_ROOT) {
        no_in_place(&b, rbuf);
        void *rp = ipc__mpi_nbc_out(&b, rbuf, count, type, false, &bytes);
        ipc__nbc_recv(b.n, comm, rp, bytes, 0);
        ipc__nbc_round(b.n);
    } else if (ok(&b) && root != MPI_PROC_NULL) {
        char *sum = local_reduce(&b, sbuf, count, type, op, comm, &bytes);
        if (sum) {
            ipc__nbc_send(b.n, comm, sum, bytes, root);
            ipc__nbc_round(b.n);
        }
    }
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

/* Each group reduces to its rank 0; those swap the results and broadcast
 * what they got in their group. */
int ipc__mpi_inter_iallreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                              MPI_Op op, MPI_Comm comm, MPI_Request *req)
{
    struct ipc__mpi_nbc b;
    int rc = ipc__mpi_nbc_open(&b, comm);
    if (rc != MPI_SUCCESS)
        return rc;
    size_t bytes, rbytes;
    char *sum = local_reduce(&b, sbuf, count, type, op, comm, &bytes);
    no_in_place(&b, rbuf);
    void *rp = ipc__mpi_nbc_out(&b, rbuf, count, type, false, &rbytes);
    if (ok(&b) && sum) {
        ipc__nbc_recv(b.n, comm, rp, rbytes, 0);
        ipc__nbc_send(b.n, comm, sum, bytes, 0);
        ipc__nbc_round(b.n);
    }
    if (ok(&b))
        ipc__nbc_a_bcast(b.n, rp, rbytes, 0, comm->local);
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

/* MPI-3.1 5.10, as ipc__mpi_inter_reduce_scatter: the reduction of one
 * group's vectors (as many elements as its own scatter takes) is scattered
 * over the other group by that group's counts (counts[i] elements to rank i,
 * or without counts `count` each). The leaders swap their group's
 * reductions, then scatter what they got. */
int ipc__mpi_inter_ireduce_scatter(const void *sbuf, void *rbuf, int count,
                                   const int counts[], MPI_Datatype type, MPI_Op op,
                                   MPI_Comm comm, MPI_Request *req)
{
    struct ipc__mpi_nbc b;
    int rc = ipc__mpi_nbc_open(&b, comm);
    if (rc != MPI_SUCCESS)
        return rc;
    int n = comm->size, me = comm->rank;
    long total = 0;
    for (int i = 0; i < n; i++) {
        int c = counts ? counts[i] : count;
        if (c < 0)
            ipc__mpi_nbc_fail(&b, MPI_ERR_COUNT);
        total += c;
    }
    if (total > INT_MAX)
        ipc__mpi_nbc_fail(&b, MPI_ERR_COUNT);
    size_t bytes = 0, rbytes;
    char *sum =
        ok(&b) ? local_reduce(&b, sbuf, (int)total, type, op, comm, &bytes) : NULL;
    char *whole = sum ? ipc__mpi_nbc_alloc(&b, bytes) : NULL;
    size_t *layout = ipc__mpi_nbc_alloc(&b, 2 * (size_t)n * sizeof *layout);
    no_in_place(&b, rbuf);
    void *rp = ok(&b) ? ipc__mpi_nbc_out(&b, rbuf, counts ? counts[me] : count, type,
                                         false, &rbytes)
                      : NULL;
    if (!ok(&b))
        return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
    size_t esize = ipc__mpi_type(type)->size, at = 0;
    for (int i = 0; i < n; i++) {
        layout[i] = (size_t)(counts ? counts[i] : count) * esize;
        layout[n + i] = at;
        at += layout[i];
    }
    if (sum) {
        ipc__nbc_recv(b.n, comm, whole, bytes, 0);
        ipc__nbc_send(b.n, comm, sum, bytes, 0);
        ipc__nbc_round(b.n);
    }
    ipc__nbc_a_scatterv(b.n, whole, layout, layout + n, rp, rbytes, 0, comm->local);
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}
