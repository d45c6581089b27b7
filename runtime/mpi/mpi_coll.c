/*
 * mpi_coll.c - MPI collectives on libipc's. Data moves as IPC_BYTE in the
 * packed form of the datatypes (ipc__mpi_view); reductions use the datatype
 * and op ipc__mpi_red_setup picks; `int` counts and displacements become the
 * size_t arrays libipc takes, allocated per call.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

int MPI_Barrier(MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_barrier(comm));
    IPC__MPI_RET_IPC(comm, ipc_barrier(comm));
}

static int comm_info(MPI_Comm comm, int *rank, int *size)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    *rank = *size = 0;
    if (rc == MPI_SUCCESS) {
        *rank = comm->rank;
        *size = comm->size;
    }
    return rc;
}

/* comm_info for a collective with a root: a root outside the communicator
 * is MPI_ERR_ROOT (libipc would say IPC_ERR_RANK). */
static int rooted_info(MPI_Comm comm, int root, int *rank, int *size)
{
    int rc = comm_info(comm, rank, size);
    return rc == MPI_SUCCESS && (root < 0 || root >= *size) ? MPI_ERR_ROOT : rc;
}

int MPI_Bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_bcast(buf, count, type, root, comm));
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    int rank, size, rc = rooted_info(comm, root, &rank, &size);
    struct ipc__mpi_view v;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_view_out(&v, buf, count, t, rank == root);
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    rc = ipc__mpi_code(ipc_bcast(v.p, v.bytes, IPC_BYTE, root, comm));
    ipc__mpi_view_done(&v, buf, v.bytes, rank != root && rc == MPI_SUCCESS);
    IPC__MPI_RET(comm, rc);
}

/* ---- reductions ---- */

enum red_kind { RED_REDUCE, RED_ALLREDUCE, RED_SCAN, RED_EXSCAN };

static int reduce_common(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                         MPI_Op op, int root, MPI_Comm comm, enum red_kind kind)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    int rank, size, rc = rooted_info(comm, root, &rank, &size);
    struct ipc__mpi_red red;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_red_setup(&red, op, type, count);
    bool has_result = kind != RED_REDUCE || rank == root;
    struct ipc__mpi_view sv = {0}, rv = {0};
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_view_in(&sv, sbuf, count, t);
    if (rc == MPI_SUCCESS && has_result)
        rc = ipc__mpi_view_out(&rv, rbuf, count, t, sbuf == MPI_IN_PLACE || kind == RED_EXSCAN);
    if (rc != MPI_SUCCESS) {
        ipc__mpi_view_done(&sv, NULL, 0, false);
        return rc;
    }
    int irc;
    switch (kind) {
    case RED_REDUCE:
        irc = ipc_reduce(sv.p, rv.p, red.count, red.type, red.op, root, comm);
        break;
    case RED_ALLREDUCE:
        irc = ipc_allreduce(sv.p, rv.p, red.count, red.type, red.op, comm);
        break;
    case RED_SCAN:
        irc = ipc_scan(sv.p, rv.p, red.count, red.type, red.op, comm);
        break;
    default:
        irc = ipc_exscan(sv.p, rv.p, red.count, red.type, red.op, comm);
        break;
    }
    ipc__mpi_view_done(&sv, NULL, 0, false);
    ipc__mpi_view_done(&rv, rbuf, rv.bytes, irc == IPC_SUCCESS);
    return ipc__mpi_code(irc);
}

int MPI_Reduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
               int root, MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_reduce(sbuf, rbuf, count, type, op, root, comm));
    IPC__MPI_RET(comm, reduce_common(sbuf, rbuf, count, type, op, root, comm, RED_REDUCE));
}

/* inoutbuf = inbuf op inoutbuf on this rank alone (MPI-3.1 5.9.7), by the
 * same kernels and packed forms as the reductions. */
static int reduce_local(const void *inbuf, void *inoutbuf, int count, MPI_Datatype type,
                        MPI_Op op)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    struct ipc__mpi_red red;
    struct ipc__mpi_view iv = {0}, ov = {0};
    int rc = ipc__mpi_red_setup(&red, op, type, count);
    if (rc == MPI_SUCCESS && count && (!inbuf || !inoutbuf))
        rc = MPI_ERR_BUFFER;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_view_in(&iv, inbuf, count, t);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_view_out(&ov, inoutbuf, count, t, true);
    if (rc == MPI_SUCCESS)
        ipc__op_apply(red.op, red.type, iv.p, ov.p, red.count);
    ipc__mpi_view_done(&iv, NULL, 0, false);
    ipc__mpi_view_done(&ov, inoutbuf, ov.bytes, rc == MPI_SUCCESS);
    return rc;
}

int MPI_Reduce_local(const void *inbuf, void *inoutbuf, int count, MPI_Datatype type,
                     MPI_Op op)
{
    IPC__MPI_RET(MPI_COMM_WORLD, reduce_local(inbuf, inoutbuf, count, type, op));
}

int MPI_Allreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
                  MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_allreduce(sbuf, rbuf, count, type, op, comm));
    IPC__MPI_RET(comm, reduce_common(sbuf, rbuf, count, type, op, 0, comm, RED_ALLREDUCE));
}

int MPI_Scan(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
             MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm)) /* not defined on intercommunicators */
        IPC__MPI_RET(comm, MPI_ERR_COMM);
    IPC__MPI_RET(comm, reduce_common(sbuf, rbuf, count, type, op, 0, comm, RED_SCAN));
}

int MPI_Exscan(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
               MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm)) /* not defined on intercommunicators */
        IPC__MPI_RET(comm, MPI_ERR_COMM);
    IPC__MPI_RET(comm, reduce_common(sbuf, rbuf, count, type, op, 0, comm, RED_EXSCAN));
}

/* Reduces size*count elements; rank r keeps elements r*count... With
 * MPI_IN_PLACE the input is all of rbuf. */
static int reduce_scatter_block(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                                MPI_Op op, MPI_Comm comm)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    int rank, size, rc = comm_info(comm, &rank, &size);
    struct ipc__mpi_red red;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_red_setup(&red, op, type, count);
    struct ipc__mpi_view sv = {0}, rv = {0};
    bool in_place = sbuf == MPI_IN_PLACE;
    if (rc == MPI_SUCCESS && !in_place)
        rc = ipc__mpi_view_in(&sv, sbuf, (long)count * size, t);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_view_out(&rv, rbuf, in_place ? (long)count * size : count, t, in_place);
    if (rc != MPI_SUCCESS) {
        ipc__mpi_view_done(&sv, NULL, 0, false);
        return rc;
    }
    int irc = ipc_reduce_scatter_block(in_place ? IPC_IN_PLACE : sv.p, rv.p, red.count,
                                       red.type, red.op, comm);
    ipc__mpi_view_done(&sv, NULL, 0, false);
    ipc__mpi_view_done(&rv, rbuf, (size_t)count * t->size, irc == IPC_SUCCESS);
    return ipc__mpi_code(irc);
}

int MPI_Reduce_scatter_block(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                             MPI_Op op, MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm,
                     ipc__mpi_inter_reduce_scatter(sbuf, rbuf, count, NULL, type, op, comm));
    IPC__MPI_RET(comm, reduce_scatter_block(sbuf, rbuf, count, type, op, comm));
}

/* An allreduce of the whole vector, of which each rank keeps its part. */
static int reduce_scatter(const void *sbuf, void *rbuf, const int rcounts[],
                          MPI_Datatype type, MPI_Op op, MPI_Comm comm)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    int rank, size, rc = comm_info(comm, &rank, &size);
    if (rc != MPI_SUCCESS)
        return rc;
    if (!t)
        return MPI_ERR_TYPE;
    if (!rcounts)
        return MPI_ERR_ARG;
    long total = 0, before = 0;
    for (int i = 0; i < size; i++) {
        if (rcounts[i] < 0)
            return MPI_ERR_COUNT;
        before += i < rank ? rcounts[i] : 0;
        total += rcounts[i];
    }
    if (total > INT32_MAX)
        return MPI_ERR_COUNT;
    const void *in = sbuf == MPI_IN_PLACE ? rbuf : sbuf;
    size_t span = (size_t)total * (size_t)t->extent;
    char *all = malloc(span ? span : 1);
    if (!all)
        return MPI_ERR_NO_MEM;
    rc = reduce_common(in, all - t->lb, (int)total, type, op, 0, comm, RED_ALLREDUCE);
    if (rc == MPI_SUCCESS && rcounts[rank]) {
        /* Through the packed form, so that any datatype works. */
        struct ipc__mpi_view v;
        rc = ipc__mpi_view_in(&v, all - t->lb + before * t->extent, rcounts[rank], t);
        if (rc == MPI_SUCCESS) {
            if (v.tmp)
                ipc__mpi_unpack(rbuf, v.tmp, (size_t)rcounts[rank], t);
            else
                memmove(rbuf, v.p, v.bytes);
            ipc__mpi_view_done(&v, NULL, 0, false);
        }
    }
    free(all);
    return rc;
}

int MPI_Reduce_scatter(const void *sbuf, void *rbuf, const int rcounts[], MPI_Datatype type,
                       MPI_Op op, MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, rcounts ? ipc__mpi_inter_reduce_scatter(sbuf, rbuf, 0, rcounts,
                                                                   type, op, comm)
                                   : MPI_ERR_ARG);
    IPC__MPI_RET(comm, reduce_scatter(sbuf, rbuf, rcounts, type, op, comm));
}

/* ---- data movement with one count per rank ---- */

enum move_kind { MOVE_GATHER, MOVE_SCATTER, MOVE_ALLGATHER, MOVE_ALLTOALL };

/* sbuf/scount/stype is what this rank sends (for scatter, all blocks at the
 * root); rbuf/rcount/rtype what it receives. Only the root's rbuf (gather)
 * or sbuf (scatter) is read. */
static int move_common(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                       int rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                       enum move_kind kind)
{
    int rank, size, rc = rooted_info(comm, root, &rank, &size);
    if (rc != MPI_SUCCESS)
        return rc;
    bool sends_all = kind == MOVE_ALLTOALL || (kind == MOVE_SCATTER && rank == root);
    bool gets_all = kind == MOVE_ALLGATHER || kind == MOVE_ALLTOALL ||
                    (kind == MOVE_GATHER && rank == root);
    bool uses_s = !(kind == MOVE_SCATTER && rank != root);
    bool uses_r = !(kind == MOVE_GATHER && rank != root);
    bool in_place = (kind == MOVE_SCATTER ? rbuf : sbuf) == MPI_IN_PLACE;
    struct ipc__mpi_type *st = ipc__mpi_type(stype), *rt = ipc__mpi_type(rtype);
    struct ipc__mpi_view sv = {0}, rv = {0};
    if (uses_s && !(in_place && kind != MOVE_SCATTER))
        rc = ipc__mpi_view_in(&sv, sbuf, sends_all ? (long)scount * size : scount, st);
    if (rc == MPI_SUCCESS && uses_r && !(in_place && kind == MOVE_SCATTER))
        rc = ipc__mpi_view_out(&rv, rbuf, gets_all ? (long)rcount * size : rcount, rt, in_place);
    if (rc != MPI_SUCCESS) {
        ipc__mpi_view_done(&sv, NULL, 0, false);
        return rc;
    }
    size_t sblock = uses_s && st ? (size_t)scount * st->size : 0;
    size_t rblock = uses_r && rt ? (size_t)rcount * rt->size : 0;
    void *sp = in_place && kind != MOVE_SCATTER ? IPC_IN_PLACE : sv.p;
    void *rp = in_place && kind == MOVE_SCATTER ? IPC_IN_PLACE : rv.p;
    int irc;
    switch (kind) {
    case MOVE_GATHER:
        irc = ipc_gather(sp, sblock, IPC_BYTE, rp, rblock, IPC_BYTE, root, comm);
        break;
    case MOVE_SCATTER:
        irc = ipc_scatter(sp, sblock, IPC_BYTE, rp, rblock, IPC_BYTE, root, comm);
        break;
    case MOVE_ALLGATHER:
        irc = ipc_allgather(sp, sblock, IPC_BYTE, rp, rblock, IPC_BYTE, comm);
        break;
    default:
        irc = ipc_alltoall(sp, sblock, IPC_BYTE, rp, rblock, IPC_BYTE, comm);
        break;
    }
    ipc__mpi_view_done(&sv, NULL, 0, false);
    ipc__mpi_view_done(&rv, rbuf, rv.bytes, irc == IPC_SUCCESS);
    return ipc__mpi_code(irc);
}

int MPI_Gather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
               MPI_Datatype rtype, int root, MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_gather(sbuf, scount, stype, rbuf, rcount, NULL, NULL,
                                                 false, rtype, root, comm));
    IPC__MPI_RET(comm, move_common(sbuf, scount, stype, rbuf, rcount, rtype, root, comm,
                                   MOVE_GATHER));
}

int MPI_Scatter(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                MPI_Datatype rtype, int root, MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_scatter(sbuf, scount, NULL, NULL, false, stype, rbuf,
                                                  rcount, rtype, root, comm));
    IPC__MPI_RET(comm, move_common(sbuf, scount, stype, rbuf, rcount, rtype, root, comm,
                                   MOVE_SCATTER));
}

int MPI_Allgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                  MPI_Datatype rtype, MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_allgather(sbuf, scount, stype, rbuf, rcount, NULL,
                                                    NULL, false, rtype, comm));
    IPC__MPI_RET(comm, move_common(sbuf, scount, stype, rbuf, rcount, rtype, 0, comm,
                                   MOVE_ALLGATHER));
}

int MPI_Alltoall(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                 MPI_Datatype rtype, MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_alltoall(sbuf, scount, NULL, NULL, stype, rbuf,
                                                   rcount, NULL, NULL, false, rtype, comm));
    IPC__MPI_RET(comm, move_common(sbuf, scount, stype, rbuf, rcount, rtype, 0, comm,
                                   MOVE_ALLTOALL));
}

/* ---- v-forms ---- */

/* A buffer of blocks at displacements, as libipc sees it: byte counts and
 * byte displacements, into the user's buffer (contiguous type) or a packed
 * copy with the blocks end to end. */
struct vview {
    size_t *counts, *displs; /* bytes */
    char *p, *tmp;
};

static int vview_make(struct vview *v, void *buf, const int counts[], const int displs[],
                      int n, const struct ipc__mpi_type *t, bool load)
{
    *v = (struct vview){0};
    if (!t || !t->committed)
        return MPI_ERR_TYPE;
    if (!counts || !displs)
        return MPI_ERR_ARG;
    if (!(v->counts = malloc(2 * (size_t)n * sizeof *v->counts + 1)))
        return MPI_ERR_NO_MEM;
    v->displs = v->counts + n;
    size_t packed = 0;
    for (int i = 0; i < n; i++) {
        if (counts[i] < 0)
            return MPI_ERR_COUNT;
        v->counts[i] = (size_t)counts[i] * t->size;
        v->displs[i] = t->contig ? (size_t)((long)displs[i] * t->extent) : packed;
        packed += v->counts[i];
    }
    v->p = buf;
    if (t->contig || buf == MPI_IN_PLACE)
        return MPI_SUCCESS;
    if (!(v->p = v->tmp = malloc(packed ? packed : 1)))
        return MPI_ERR_NO_MEM;
    if (load)
        for (int i = 0; i < n; i++)
            ipc__mpi_pack(v->tmp + v->displs[i], (char *)buf + (long)displs[i] * t->extent,
                          (size_t)counts[i], t);
    return MPI_SUCCESS;
}

/* Ends a receive side made by vview_make (made: it succeeded): unpacks when
 * the collective worked, frees either way. */
static void vview_done(struct vview *v, void *buf, const int counts[], const int displs[],
                       int n, const struct ipc__mpi_type *t, bool made, bool unpack)
{
    if (made && v->tmp && unpack)
        for (int i = 0; i < n; i++)
            ipc__mpi_unpack((char *)buf + (long)displs[i] * t->extent, v->tmp + v->displs[i],
                            (size_t)counts[i], t);
    free(v->tmp);
    free(v->counts);
}

/* MPI_Gatherv at root, or with `all` MPI_Allgatherv (every rank receives;
 * root unused). */
static int gatherv_common(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                          const int rcounts[], const int displs[], MPI_Datatype rtype,
                          bool all, int root, MPI_Comm comm)
{
    int rank, size, rc = rooted_info(comm, root, &rank, &size);
    struct ipc__mpi_type *rt = ipc__mpi_type(rtype);
    bool in_place = sbuf == MPI_IN_PLACE, receives = all || rank == root;
    struct ipc__mpi_view sv = {0};
    struct vview rv = {0};
    if (rc == MPI_SUCCESS && !in_place)
        rc = ipc__mpi_view_in(&sv, sbuf, scount, ipc__mpi_type(stype));
    if (rc == MPI_SUCCESS && receives)
        rc = vview_make(&rv, rbuf, rcounts, displs, size, rt, in_place);
    int irc = IPC_SUCCESS;
    const void *send = in_place ? IPC_IN_PLACE : sv.p;
    if (rc == MPI_SUCCESS && all)
        irc = ipc_allgatherv(send, sv.bytes, IPC_BYTE, rv.p, rv.counts, rv.displs, IPC_BYTE,
                             comm);
    else if (rc == MPI_SUCCESS)
        irc = ipc_gatherv(send, sv.bytes, IPC_BYTE, rv.p, rv.counts, rv.displs, IPC_BYTE,
                          root, comm);
    ipc__mpi_view_done(&sv, NULL, 0, false);
    vview_done(&rv, rbuf, rcounts, displs, size, rt, receives && rc == MPI_SUCCESS,
               irc == IPC_SUCCESS);
    return rc != MPI_SUCCESS ? rc : ipc__mpi_code(irc);
}

int MPI_Gatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                const int rcounts[], const int displs[], MPI_Datatype rtype, int root,
                MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_gather(sbuf, scount, stype, rbuf, 0, rcounts, displs,
                                                 true, rtype, root, comm));
    IPC__MPI_RET(comm, gatherv_common(sbuf, scount, stype, rbuf, rcounts, displs, rtype,
                                      false, root, comm));
}

int MPI_Scatterv(const void *sbuf, const int scounts[], const int displs[],
                 MPI_Datatype stype, void *rbuf, int rcount, MPI_Datatype rtype, int root,
                 MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_scatter(sbuf, 0, scounts, displs, true, stype, rbuf,
                                                  rcount, rtype, root, comm));
    int rank, size, rc = rooted_info(comm, root, &rank, &size);
    struct ipc__mpi_type *rt = ipc__mpi_type(rtype);
    bool in_place = rbuf == MPI_IN_PLACE;
    struct ipc__mpi_view rv = {0};
    struct vview sv = {0};
    if (rc == MPI_SUCCESS && rank == root)
        rc = vview_make(&sv, (void *)sbuf, scounts, displs, size, ipc__mpi_type(stype), true);
    if (rc == MPI_SUCCESS && !in_place)
        rc = ipc__mpi_view_out(&rv, rbuf, rcount, rt, false);
    int irc = IPC_SUCCESS;
    if (rc == MPI_SUCCESS)
        irc = ipc_scatterv(sv.p, sv.counts, sv.displs, IPC_BYTE,
                           in_place ? IPC_IN_PLACE : rv.p, rv.bytes, IPC_BYTE, root, comm);
    free(sv.tmp);
    free(sv.counts);
    ipc__mpi_view_done(&rv, rbuf, rv.bytes, rc == MPI_SUCCESS && irc == IPC_SUCCESS);
    IPC__MPI_RET(comm, rc != MPI_SUCCESS ? rc : ipc__mpi_code(irc));
}

int MPI_Allgatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                   const int rcounts[], const int displs[], MPI_Datatype rtype,
                   MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_allgather(sbuf, scount, stype, rbuf, 0, rcounts,
                                                    displs, true, rtype, comm));
    IPC__MPI_RET(comm, gatherv_common(sbuf, scount, stype, rbuf, rcounts, displs, rtype,
                                      true, 0, comm));
}

int MPI_Alltoallv(const void *sbuf, const int scounts[], const int sdispls[],
                  MPI_Datatype stype, void *rbuf, const int rcounts[], const int rdispls[],
                  MPI_Datatype rtype, MPI_Comm comm)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_alltoall(sbuf, 0, scounts, sdispls, stype, rbuf, 0,
                                                   rcounts, rdispls, true, rtype, comm));
    int rank, size, rc = comm_info(comm, &rank, &size);
    struct ipc__mpi_type *rt = ipc__mpi_type(rtype);
    bool in_place = sbuf == MPI_IN_PLACE;
    struct vview sv = {0}, rv = {0};
    if (rc == MPI_SUCCESS && !in_place)
        rc = vview_make(&sv, (void *)sbuf, scounts, sdispls, size, ipc__mpi_type(stype), true);
    if (rc == MPI_SUCCESS)
        rc = vview_make(&rv, rbuf, rcounts, rdispls, size, rt, in_place);
    int irc = IPC_SUCCESS;
    if (rc == MPI_SUCCESS)
        irc = ipc_alltoallv(in_place ? IPC_IN_PLACE : sv.p, sv.counts, sv.displs, IPC_BYTE,
                            rv.p, rv.counts, rv.displs, IPC_BYTE, comm);
    free(sv.tmp);
    free(sv.counts);
    vview_done(&rv, rbuf, rcounts, rdispls, size, rt, rc == MPI_SUCCESS, irc == IPC_SUCCESS);
    IPC__MPI_RET(comm, rc != MPI_SUCCESS ? rc : ipc__mpi_code(irc));
}

/* One side of an MPI_Alltoallw: every block has its own datatype and a
 * displacement in bytes. The blocks are packed one after another into tmp,
 * and move as bytes. */
struct wview {
    size_t *counts, *displs; /* bytes in tmp */
    char *tmp;
};

static int wview_make(struct wview *v, const void *buf, const int counts[], const int displs[],
                      const MPI_Datatype types[], int n, bool load)
{
    *v = (struct wview){0};
    if (!counts || !displs || !types)
        return MPI_ERR_ARG;
    if (!(v->counts = malloc(2 * (size_t)n * sizeof *v->counts + 1)))
        return MPI_ERR_NO_MEM;
    v->displs = v->counts + n;
    size_t packed = 0;
    for (int i = 0; i < n; i++) {
        const struct ipc__mpi_type *t = ipc__mpi_type(types[i]);
        if (!t || !t->committed)
            return MPI_ERR_TYPE;
        if (counts[i] < 0)
            return MPI_ERR_COUNT;
        size_t end;
        if (__builtin_mul_overflow((size_t)counts[i], t->size, &v->counts[i]) ||
            __builtin_add_overflow(packed, v->counts[i], &end))
            return MPI_ERR_COUNT;
        v->displs[i] = packed;
        packed = end;
    }
    if (!(v->tmp = malloc(packed ? packed : 1)))
        return MPI_ERR_NO_MEM;
    if (load)
        for (int i = 0; i < n; i++)
            ipc__mpi_pack(v->tmp + v->displs[i], (const char *)buf + displs[i],
                          (size_t)counts[i], ipc__mpi_type(types[i]));
    return MPI_SUCCESS;
}

static void wview_unpack(const struct wview *v, void *buf, const int counts[],
                         const int displs[], const MPI_Datatype types[], int n)
{
    for (int i = 0; i < n; i++)
        ipc__mpi_unpack((char *)buf + displs[i], v->tmp + v->displs[i], (size_t)counts[i],
                        ipc__mpi_type(types[i]));
}

static void wview_free(struct wview *v)
{
    free(v->tmp);
    free(v->counts);
}

/* An intercommunicator's alltoall takes int counts: the packed blocks as
 * MPI_BYTE. */
static int inter_alltoall_bytes(const struct wview *sv, const struct wview *rv, int n,
                                MPI_Comm comm)
{
    int *c = malloc(4 * (size_t)n * sizeof *c + 1), rc = MPI_SUCCESS;
    if (!c)
        return MPI_ERR_NO_MEM;
    for (int i = 0; i < n && rc == MPI_SUCCESS; i++) {
        if (sv->displs[i] + sv->counts[i] > INT_MAX || rv->displs[i] + rv->counts[i] > INT_MAX)
            rc = MPI_ERR_COUNT;
        c[i] = (int)sv->counts[i];
        c[n + i] = (int)sv->displs[i];
        c[2 * n + i] = (int)rv->counts[i];
        c[3 * n + i] = (int)rv->displs[i];
    }
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_inter_alltoall(sv->tmp, 0, c, c + n, MPI_BYTE, rv->tmp, 0, c + 2 * n,
                                     c + 3 * n, true, MPI_BYTE, comm);
    free(c);
    return rc;
}

int MPI_Alltoallw(const void *sbuf, const int scounts[], const int sdispls[],
                  const MPI_Datatype stypes[], void *rbuf, const int rcounts[],
                  const int rdispls[], const MPI_Datatype rtypes[], MPI_Comm comm)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    bool inter = ipc__mpi_is_inter(comm), in_place = sbuf == MPI_IN_PLACE;
    int n = comm->peer_size; /* the remote group's on an intercommunicator */
    if (in_place && inter) /* MPI-3.1 5.8: no in-place on an intercommunicator */
        IPC__MPI_RET(comm, MPI_ERR_BUFFER);
    /* In place, what a rank sends is what its receive buffer holds. */
    struct wview sv, rv = {0};
    rc = in_place ? wview_make(&sv, rbuf, rcounts, rdispls, rtypes, n, true)
                  : wview_make(&sv, sbuf, scounts, sdispls, stypes, n, true);
    if (rc == MPI_SUCCESS)
        rc = wview_make(&rv, rbuf, rcounts, rdispls, rtypes, n, false);
    if (rc == MPI_SUCCESS && inter)
        rc = inter_alltoall_bytes(&sv, &rv, n, comm);
    else if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(ipc_alltoallv(sv.tmp, sv.counts, sv.displs, IPC_BYTE, rv.tmp,
                                         rv.counts, rv.displs, IPC_BYTE, comm));
    if (rc == MPI_SUCCESS)
        wview_unpack(&rv, rbuf, rcounts, rdispls, rtypes, n);
    wview_free(&sv);
    wview_free(&rv);
    IPC__MPI_RET(comm, rc);
}
