/*
 * mpi_icoll.c - MPI's nonblocking collectives (MPI-3.1 5.12) on libipc's
 * schedules (coll/nbc.c).
 *
 * An MPI_I* call checks its arguments, packs what this rank sends when the
 * datatype is not contiguous (the packed copies belong to the schedule),
 * appends libipc's algorithm for the packed bytes (ipc__nbc_c_*), and last
 * the unpacking of what it receives, which runs when the schedule's final
 * round is over, inside whichever MPI call advances it. The request the
 * program gets is an ordinary MPI request around the schedule's.
 *
 * A reduction's op and type travel with the schedule (struct ipc__mpi_red in
 * its memory), so that several with different ops can be in flight at once.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "coll/coll.h"
#include "mpi_internal.h"

/* ---- buffers of a schedule ---- */

/* A receive side to unpack at the end: blocks (counts of types at byte
 * displacements from buf) from packed bytes at tmp, back to back. */
struct ipc__mpi_nbc_out {
    struct ipc__mpi_nbc_out *next;
    void *buf, *tmp;
    int n;
    const int *counts, *displs;   /* copies, in schedule memory */
    long unit;                    /* displacements are in units of this many bytes */
    struct ipc__mpi_type **types; /* one per block */
};

int ipc__mpi_nbc_open(struct ipc__mpi_nbc *b, MPI_Comm comm)
{
    *b = (struct ipc__mpi_nbc){0};
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc != MPI_SUCCESS)
        return rc;
    if (!(b->n = ipc__nbc_new(comm)))
        return MPI_ERR_NO_MEM;
    return MPI_SUCCESS;
}

void ipc__mpi_nbc_fail(struct ipc__mpi_nbc *b, int rc)
{
    if (b->rc == MPI_SUCCESS)
        b->rc = rc;
}

void *ipc__mpi_nbc_alloc(struct ipc__mpi_nbc *b, size_t bytes)
{
    void *p = ipc__nbc_alloc(b->n, bytes ? bytes : 1);
    if (!p)
        ipc__mpi_nbc_fail(b, MPI_ERR_NO_MEM);
    return p;
}

static void unref(void *t)
{
    ipc__mpi_type_unref(t);
}

/* t stays alive while the schedule holds it. */
static bool hold(struct ipc__mpi_nbc *b, struct ipc__mpi_type *t)
{
    if (!t || !t->committed) {
        ipc__mpi_nbc_fail(b, MPI_ERR_TYPE);
        return false;
    }
    ipc__mpi_type_ref(t);
    ipc__nbc_at_release(b->n, unref, t);
    return true;
}

static void unpack(void *arg)
{
    const struct ipc__mpi_nbc_out *o = arg;
    const char *src = o->tmp;
    for (int i = 0; i < o->n; i++) {
        ipc__mpi_unpack((char *)o->buf + o->displs[i] * o->unit, src,
                        (size_t)o->counts[i], o->types[i]);
        src += (size_t)o->counts[i] * o->types[i]->size;
    }
}

/* The blocks of a buffer as the schedule moves them: *bytes and *offs (byte
 * sizes and offsets, in schedule memory) into buf itself when every type is
 * contiguous, else into a packed copy (loaded now when load; unpacked into
 * buf at the end when store). types has n entries, or one for all blocks;
 * displacements are in units of unit bytes (the type's extent, or 1 for
 * byte displacements). NULL (b failed) when it cannot be made. */
static char *blocks(struct ipc__mpi_nbc *b, const void *buf, int n, const int counts[],
                    const int displs[], long unit, struct ipc__mpi_type *const types[],
                    int ntypes, bool load, bool store, size_t **bytes, size_t **offs)
{
    if (b->rc != MPI_SUCCESS)
        return NULL;
    if (!counts || !displs) {
        ipc__mpi_nbc_fail(b, MPI_ERR_ARG);
        return NULL;
    }
    size_t *l = ipc__mpi_nbc_alloc(b, 2 * (size_t)n * sizeof *l);
    if (!l)
        return NULL;
    *bytes = l, *offs = l + n;
    bool contig = true;
    size_t packed = 0;
    for (int i = 0; i < n; i++) {
        struct ipc__mpi_type *t = types[ntypes == 1 ? 0 : i];
        if (!t || !t->committed || counts[i] < 0) {
            ipc__mpi_nbc_fail(b, !t || !t->committed ? MPI_ERR_TYPE : MPI_ERR_COUNT);
            return NULL;
        }
        if (__builtin_mul_overflow((size_t)counts[i], t->size, &l[i]) ||
            __builtin_add_overflow(packed, l[i], &packed)) {
            ipc__mpi_nbc_fail(b, MPI_ERR_COUNT);
            return NULL;
        }
        contig &= t->contig;
    }
    if (contig || buf == MPI_IN_PLACE) {
        for (int i = 0; i < n; i++)
            (*offs)[i] = (size_t)(displs[i] * unit);
        return (char *)buf;
    }
    char *tmp = ipc__mpi_nbc_alloc(b, packed);
    struct ipc__mpi_nbc_out *o = ipc__mpi_nbc_alloc(b, sizeof *o);
    int *copy = ipc__mpi_nbc_alloc(b, 2 * (size_t)n * sizeof *copy);
    struct ipc__mpi_type **tv = ipc__mpi_nbc_alloc(b, (size_t)n * sizeof *tv);
    if (!tmp || !o || !copy || !tv)
        return NULL;
    packed = 0;
    for (int i = 0; i < n; i++) {
        tv[i] = types[ntypes == 1 ? 0 : i];
        (*offs)[i] = packed;
        packed += l[i];
    }
    memcpy(copy, counts, (size_t)n * sizeof *copy);
    memcpy(copy + n, displs, (size_t)n * sizeof *copy);
    *o = (struct ipc__mpi_nbc_out){.buf = (void *)buf,
                                   .tmp = tmp,
                                   .n = n,
                                   .counts = copy,
                                   .displs = copy + n,
                                   .unit = unit,
                                   .types = tv};
    for (int i = 0; i < ntypes; i++)
        if (!hold(b, tv[i]))
            return NULL;
    if (load)
        for (int i = 0; i < n; i++)
            ipc__mpi_pack(tmp + (*offs)[i], (const char *)buf + displs[i] * unit,
                          (size_t)counts[i], tv[i]);
    if (store) {
        o->next = b->outs;
        b->outs = o;
    }
    return tmp;
}

/* One block of count elements of t at buf. */
static void *one(struct ipc__mpi_nbc *b, const void *buf, int count, MPI_Datatype type,
                 bool load, bool store, size_t *bytes)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    /* A contiguous type is the user's buffer: the common case, kept short. */
    if (b->rc == MPI_SUCCESS && ipc__mpi_view_plain(count, t, bytes))
        return (void *)buf;
    static const int zero = 0;
    size_t *l, *o;
    *bytes = 0;
    char *p = blocks(b, buf, 1, &count, &zero, 1, &t, 1, load, store, &l, &o);
    if (p)
        *bytes = l[0];
    return p;
}

void *ipc__mpi_nbc_in(struct ipc__mpi_nbc *b, const void *buf, int count,
                      MPI_Datatype type, size_t *bytes)
{
    return one(b, buf, count, type, true, false, bytes);
}

void *ipc__mpi_nbc_out(struct ipc__mpi_nbc *b, void *buf, int count, MPI_Datatype type,
                       bool preload, size_t *bytes)
{
    return one(b, buf, count, type, preload, true, bytes);
}

char *ipc__mpi_nbc_vin(struct ipc__mpi_nbc *b, const void *buf, int n, const int counts[],
                       const int displs[], MPI_Datatype type, size_t **bytes,
                       size_t **offs)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    return blocks(b, buf, n, counts, displs, t ? t->extent : 0, &t, 1, true, false, bytes,
                  offs);
}

char *ipc__mpi_nbc_vout(struct ipc__mpi_nbc *b, void *buf, int n, const int counts[],
                        const int displs[], MPI_Datatype type, bool preload,
                        size_t **bytes, size_t **offs)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    return blocks(b, buf, n, counts, displs, t ? t->extent : 0, &t, 1, preload, true,
                  bytes, offs);
}

char *ipc__mpi_nbc_wblocks(struct ipc__mpi_nbc *b, const void *buf, int n,
                           const int counts[], const int displs[],
                           const MPI_Datatype types[], bool load, bool store,
                           size_t **bytes, size_t **offs)
{
    if (!types) {
        ipc__mpi_nbc_fail(b, MPI_ERR_ARG);
        return NULL;
    }
    struct ipc__mpi_type **tv = ipc__mpi_nbc_alloc(b, (size_t)n * sizeof *tv);
    for (int i = 0; tv && i < n; i++)
        tv[i] = ipc__mpi_type(types[i]);
    return tv ? blocks(b, buf, n, counts, displs, 1, tv, n, load, store, bytes, offs)
              : NULL;
}

struct ipc__mpi_red *ipc__mpi_nbc_red(struct ipc__mpi_nbc *b, MPI_Op op,
                                      MPI_Datatype type, int count)
{
    struct ipc__mpi_red *red = ipc__mpi_nbc_alloc(b, sizeof *red);
    if (!red)
        return NULL;
    int rc = ipc__mpi_red_setup(red, op, type, count);
    if (rc != MPI_SUCCESS) {
        ipc__mpi_nbc_fail(b, rc);
        return NULL;
    }
    /* The trampoline reads the type when the schedule reduces; libipc's
     * own kernels need nothing of it. */
    if (red->type != &red->rt.base)
        return red;
    return hold(b, ipc__mpi_type(type)) ? red : NULL;
}

int ipc__mpi_nbc_start(struct ipc__mpi_nbc *b, int irc, MPI_Request *req)
{
    if (b->rc == MPI_SUCCESS && irc != IPC_SUCCESS)
        b->rc = ipc__mpi_code(irc);
    if (b->rc == MPI_SUCCESS && !req)
        b->rc = MPI_ERR_ARG;
    if (b->rc != MPI_SUCCESS) {
        ipc__nbc_abandon(b->n);
        return b->rc;
    }
    for (struct ipc__mpi_nbc_out *o = b->outs; o; o = o->next)
        ipc__nbc_call(b->n, unpack, o);
    ipc_request ir;
    int rc = ipc__mpi_code(ipc__nbc_start_handle(b->n, &ir));
    return rc == MPI_SUCCESS ? ipc__mpi_request_of(ir, req) : rc;
}

/* ---- the calls ---- */

/* MPI_ERR_ROOT for a root outside comm (comm checked). */
static int root_ok(MPI_Comm comm, int root)
{
    return root < 0 || root >= comm->size ? MPI_ERR_ROOT : MPI_SUCCESS;
}

/* Opens b for an intracommunicator call; an intercommunicator is
 * MPI_ERR_COMM (the entries hand them to mpi_intericoll.c first, but for
 * MPI_Iscan and MPI_Iexscan, not defined on them). */
static int open_intra(struct ipc__mpi_nbc *b, MPI_Comm comm)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && ipc__comm_is_inter(comm))
        rc = MPI_ERR_COMM;
    return rc == MPI_SUCCESS ? ipc__mpi_nbc_open(b, comm) : rc;
}

#define BEGIN(comm)                                                                      \
    struct ipc__mpi_nbc b;                                                               \
    int rc_ = open_intra(&b, comm);                                                      \
    if (rc_ != MPI_SUCCESS)                                                              \
    IPC__MPI_RET(comm, rc_)

#define END(comm, irc, req)                                                              \
    IPC__MPI_RET(comm, ipc__mpi_nbc_start(&b, b.rc ? IPC_SUCCESS : (irc), req))

int MPI_Ibarrier(MPI_Comm comm, MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_ibarrier(comm, req));
    BEGIN(comm);
    END(comm, ipc__nbc_c_barrier(b.n, comm), req);
}

int MPI_Ibcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm,
               MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_ibcast(buf, count, type, root, comm, req));
    BEGIN(comm);
    size_t bytes;
    if ((rc_ = root_ok(comm, root)) != MPI_SUCCESS)
        ipc__mpi_nbc_fail(&b, rc_);
    bool me = comm->rank == root;
    void *p = me ? ipc__mpi_nbc_in(&b, buf, count, type, &bytes)
                 : ipc__mpi_nbc_out(&b, buf, count, type, false, &bytes);
    END(comm, ipc__nbc_c_bcast(b.n, p, bytes, IPC_BYTE, root, comm), req);
}

enum red_kind { RED_REDUCE, RED_ALLREDUCE, RED_SCAN, RED_EXSCAN };

static int ired(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
                int root, MPI_Comm comm, enum red_kind kind, MPI_Request *req)
{
    BEGIN(comm);
    size_t bytes;
    bool in_place = sbuf == MPI_IN_PLACE;
    if (kind == RED_REDUCE && (rc_ = root_ok(comm, root)) != MPI_SUCCESS)
        ipc__mpi_nbc_fail(&b, rc_);
    bool has_result = kind != RED_REDUCE || comm->rank == root;
    struct ipc__mpi_red *red = ipc__mpi_nbc_red(&b, op, type, count);
    const void *in =
        in_place ? IPC_IN_PLACE : ipc__mpi_nbc_in(&b, sbuf, count, type, &bytes);
    void *out = has_result ? ipc__mpi_nbc_out(&b, rbuf, count, type,
                                              in_place || kind == RED_EXSCAN, &bytes)
                           : NULL;
    int irc = IPC_SUCCESS;
    if (red) {
        switch (kind) {
        case RED_REDUCE:
            irc = ipc__nbc_c_reduce(b.n, in, out, red->count, red->type, red->op, root,
                                    comm);
            break;
        case RED_ALLREDUCE:
            irc =
                ipc__nbc_c_allreduce(b.n, in, out, red->count, red->type, red->op, comm);
            break;
        case RED_SCAN:
            irc = ipc__nbc_c_scan(b.n, in, out, red->count, red->type, red->op, comm);
            break;
        default:
            irc = ipc__nbc_c_exscan(b.n, in, out, red->count, red->type, red->op, comm);
            break;
        }
    }
    return ipc__mpi_nbc_start(&b, b.rc ? IPC_SUCCESS : irc, req);
}

int MPI_Ireduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
                int root, MPI_Comm comm, MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(
            comm, ipc__mpi_inter_ireduce(sbuf, rbuf, count, type, op, root, comm, req));
    IPC__MPI_RET(comm, ired(sbuf, rbuf, count, type, op, root, comm, RED_REDUCE, req));
}

int MPI_Iallreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
                   MPI_Comm comm, MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm,
                     ipc__mpi_inter_iallreduce(sbuf, rbuf, count, type, op, comm, req));
    IPC__MPI_RET(comm, ired(sbuf, rbuf, count, type, op, 0, comm, RED_ALLREDUCE, req));
}

int MPI_Iscan(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
              MPI_Comm comm, MPI_Request *req)
{
    IPC__MPI_RET(comm, ired(sbuf, rbuf, count, type, op, 0, comm, RED_SCAN, req));
}

int MPI_Iexscan(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
                MPI_Comm comm, MPI_Request *req)
{
    IPC__MPI_RET(comm, ired(sbuf, rbuf, count, type, op, 0, comm, RED_EXSCAN, req));
}

/* MPI_Ireduce_scatter (counts) and _block (counts NULL, count each). */
static int ired_scatter(const void *sbuf, void *rbuf, int count, const int counts[],
                        MPI_Datatype type, MPI_Op op, MPI_Comm comm, MPI_Request *req)
{
    BEGIN(comm);
    int n = comm->size, me = comm->rank;
    long total = 0;
    for (int i = 0; counts && i < n; i++) {
        if (counts[i] < 0)
            ipc__mpi_nbc_fail(&b, MPI_ERR_COUNT);
        total += counts[i];
    }
    if (!counts)
        total = (long)count * n;
    if (total > INT_MAX || count < 0)
        ipc__mpi_nbc_fail(&b, MPI_ERR_COUNT);
    int mine = counts ? counts[me] : count;
    bool in_place = sbuf == MPI_IN_PLACE;
    struct ipc__mpi_red *red = ipc__mpi_nbc_red(&b, op, type, (int)total);
    size_t bytes, *ecounts = ipc__mpi_nbc_alloc(&b, (size_t)n * sizeof *ecounts);
    const void *in =
        in_place ? NULL : ipc__mpi_nbc_in(&b, sbuf, (int)total, type, &bytes);
    /* In place, rbuf holds every input; the result is its first block. */
    void *out =
        ipc__mpi_nbc_out(&b, rbuf, in_place ? (int)total : mine, type, in_place, &bytes);
    if (b.rc == MPI_SUCCESS && red) {
        size_t per =
            total ? red->count / (size_t)total : 0; /* basic elements per element */
        for (int i = 0; i < n; i++)
            ecounts[i] = (size_t)(counts ? counts[i] : count) * per;
        if (red->count && red->type->size)
            ipc__nbc_a_reduce_scatter(b.n, in_place ? out : in, out, ecounts, red->type,
                                      red->op, comm);
    }
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

int MPI_Ireduce_scatter_block(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                              MPI_Op op, MPI_Comm comm, MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_ireduce_scatter(sbuf, rbuf, count, NULL, type,
                                                          op, comm, req));
    IPC__MPI_RET(comm, ired_scatter(sbuf, rbuf, count, NULL, type, op, comm, req));
}

int MPI_Ireduce_scatter(const void *sbuf, void *rbuf, const int rcounts[],
                        MPI_Datatype type, MPI_Op op, MPI_Comm comm, MPI_Request *req)
{
    if (!rcounts)
        IPC__MPI_RET(comm, MPI_ERR_ARG);
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_ireduce_scatter(sbuf, rbuf, 0, rcounts, type,
                                                          op, comm, req));
    IPC__MPI_RET(comm, ired_scatter(sbuf, rbuf, 0, rcounts, type, op, comm, req));
}

/* ---- data movement ---- */

enum move_kind { MOVE_GATHER, MOVE_SCATTER, MOVE_ALLGATHER, MOVE_ALLTOALL };

/* As mpi_coll.c's move_common, started. */
static int imove(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                 MPI_Datatype rtype, int root, MPI_Comm comm, enum move_kind kind,
                 MPI_Request *req)
{
    BEGIN(comm);
    int rank = comm->rank, size = comm->size;
    if ((kind == MOVE_GATHER || kind == MOVE_SCATTER) &&
        (rc_ = root_ok(comm, root)) != MPI_SUCCESS)
        ipc__mpi_nbc_fail(&b, rc_);
    bool sends_all = kind == MOVE_ALLTOALL || (kind == MOVE_SCATTER && rank == root);
    bool gets_all = kind == MOVE_ALLGATHER || kind == MOVE_ALLTOALL ||
                    (kind == MOVE_GATHER && rank == root);
    bool uses_s = !(kind == MOVE_SCATTER && rank != root);
    bool uses_r = !(kind == MOVE_GATHER && rank != root);
    bool in_place = (kind == MOVE_SCATTER ? rbuf : sbuf) == MPI_IN_PLACE;
    long sn = sends_all ? (long)scount * size : scount,
         rn = gets_all ? (long)rcount * size : rcount;
    if (sn > INT_MAX || rn > INT_MAX)
        ipc__mpi_nbc_fail(&b, MPI_ERR_COUNT);
    size_t sbytes = 0, rbytes = 0;
    void *sp = NULL, *rp = NULL;
    if (uses_s && !(in_place && kind != MOVE_SCATTER))
        sp = ipc__mpi_nbc_in(&b, sbuf, (int)sn, stype, &sbytes);
    if (uses_r && !(in_place && kind == MOVE_SCATTER))
        rp = ipc__mpi_nbc_out(&b, rbuf, (int)rn, rtype, in_place, &rbytes);
    if (in_place && kind != MOVE_SCATTER)
        sp = IPC_IN_PLACE;
    if (in_place && kind == MOVE_SCATTER)
        rp = IPC_IN_PLACE;
    size_t sblock = sends_all && size ? sbytes / (size_t)size : sbytes;
    size_t rblock = gets_all && size ? rbytes / (size_t)size : rbytes;
    if (kind == MOVE_SCATTER && in_place) /* the root's own block: as the others' */
        rblock = sblock;
    if (kind == MOVE_GATHER && in_place)
        sblock = rblock;
    int irc = IPC_SUCCESS;
    if (b.rc == MPI_SUCCESS) {
        switch (kind) {
        case MOVE_GATHER:
            irc = ipc__nbc_c_gather(b.n, sp, sblock, IPC_BYTE, rp, rblock, IPC_BYTE, root,
                                    comm);
            break;
        case MOVE_SCATTER:
            irc = ipc__nbc_c_scatter(b.n, sp, sblock, IPC_BYTE, rp, rblock, IPC_BYTE,
                                     root, comm);
            break;
        case MOVE_ALLGATHER:
            irc = ipc__nbc_c_allgather(b.n, sp, sblock, IPC_BYTE, rp, rblock, IPC_BYTE,
                                       comm);
            break;
        default:
            irc = ipc__nbc_c_alltoall(b.n, sp, sblock, IPC_BYTE, rp, rblock, IPC_BYTE,
                                      comm);
            break;
        }
    }
    return ipc__mpi_nbc_start(&b, irc, req);
}

int MPI_Igather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                MPI_Datatype rtype, int root, MPI_Comm comm, MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_igather(sbuf, scount, stype, rbuf, rcount, NULL,
                                                  NULL, false, rtype, root, comm, req));
    IPC__MPI_RET(comm, imove(sbuf, scount, stype, rbuf, rcount, rtype, root, comm,
                             MOVE_GATHER, req));
}

int MPI_Iscatter(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                 MPI_Datatype rtype, int root, MPI_Comm comm, MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_iscatter(sbuf, scount, NULL, NULL, false, stype,
                                                   rbuf, rcount, rtype, root, comm, req));
    IPC__MPI_RET(comm, imove(sbuf, scount, stype, rbuf, rcount, rtype, root, comm,
                             MOVE_SCATTER, req));
}

int MPI_Iallgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                   int rcount, MPI_Datatype rtype, MPI_Comm comm, MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm,
                     ipc__mpi_inter_iallgather(sbuf, scount, stype, rbuf, rcount, NULL,
                                               NULL, false, rtype, comm, req));
    IPC__MPI_RET(comm, imove(sbuf, scount, stype, rbuf, rcount, rtype, 0, comm,
                             MOVE_ALLGATHER, req));
}

int MPI_Ialltoall(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                  int rcount, MPI_Datatype rtype, MPI_Comm comm, MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_ialltoall(sbuf, scount, NULL, NULL, stype, rbuf,
                                                    rcount, NULL, NULL, false, rtype,
                                                    comm, req));
    IPC__MPI_RET(comm, imove(sbuf, scount, stype, rbuf, rcount, rtype, 0, comm,
                             MOVE_ALLTOALL, req));
}

/* ---- v and w forms ---- */

/* MPI_Igatherv (all false) and MPI_Iallgatherv (all true). */
static int igatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                    const int rcounts[], const int displs[], MPI_Datatype rtype, bool all,
                    int root, MPI_Comm comm, MPI_Request *req)
{
    BEGIN(comm);
    int size = comm->size, me = comm->rank;
    if (!all && (rc_ = root_ok(comm, root)) != MPI_SUCCESS)
        ipc__mpi_nbc_fail(&b, rc_);
    bool in_place = sbuf == MPI_IN_PLACE, receives = all || me == root;
    if (in_place && !receives) /* in place is the root's alone */
        ipc__mpi_nbc_fail(&b, MPI_ERR_BUFFER);
    size_t sbytes = 0, *bytes = NULL, *offs = NULL;
    const void *sp = in_place ? NULL : ipc__mpi_nbc_in(&b, sbuf, scount, stype, &sbytes);
    char *rp = receives ? ipc__mpi_nbc_vout(&b, rbuf, size, rcounts, displs, rtype,
                                            in_place, &bytes, &offs)
                        : NULL;
    size_t *dummy =
        receives ? NULL : ipc__mpi_nbc_alloc(&b, 2 * (size_t)size * sizeof *dummy);
    if (dummy) {
        memset(dummy, 0, 2 * (size_t)size * sizeof *dummy);
        bytes = dummy, offs = dummy + size;
    }
    if (in_place && receives && b.rc == MPI_SUCCESS) {
        sp = rp + offs[me];
        sbytes = bytes[me];
    }
    if (b.rc == MPI_SUCCESS) {
        if (all)
            ipc__nbc_a_allgatherv(b.n, sp, sbytes, rp, bytes, offs, comm);
        else
            ipc__nbc_a_gatherv(b.n, sp, sbytes, rp, bytes, offs, root, comm);
    }
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

int MPI_Igatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                 const int rcounts[], const int displs[], MPI_Datatype rtype, int root,
                 MPI_Comm comm, MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_igather(sbuf, scount, stype, rbuf, 0, rcounts,
                                                  displs, true, rtype, root, comm, req));
    IPC__MPI_RET(comm, igatherv(sbuf, scount, stype, rbuf, rcounts, displs, rtype, false,
                                root, comm, req));
}

int MPI_Iallgatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                    const int rcounts[], const int displs[], MPI_Datatype rtype,
                    MPI_Comm comm, MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm,
                     ipc__mpi_inter_iallgather(sbuf, scount, stype, rbuf, 0, rcounts,
                                               displs, true, rtype, comm, req));
    IPC__MPI_RET(comm, igatherv(sbuf, scount, stype, rbuf, rcounts, displs, rtype, true,
                                0, comm, req));
}

static int iscatterv(const void *sbuf, const int scounts[], const int displs[],
                     MPI_Datatype stype, void *rbuf, int rcount, MPI_Datatype rtype,
                     int root, MPI_Comm comm, MPI_Request *req)
{
    BEGIN(comm);
    int size = comm->size, me = comm->rank;
    if ((rc_ = root_ok(comm, root)) != MPI_SUCCESS)
        ipc__mpi_nbc_fail(&b, rc_);
    bool in_place = rbuf == MPI_IN_PLACE;
    if (in_place && me != root) /* in place is the root's alone */
        ipc__mpi_nbc_fail(&b, MPI_ERR_BUFFER);
    size_t rbytes = 0, *bytes = NULL, *offs = NULL;
    char *sp = NULL;
    if (me == root) {
        sp = ipc__mpi_nbc_vin(&b, sbuf, size, scounts, displs, stype, &bytes, &offs);
    } else if ((bytes = ipc__mpi_nbc_alloc(&b, 2 * (size_t)size * sizeof *bytes))) {
        memset(bytes, 0, 2 * (size_t)size * sizeof *bytes);
        offs = bytes + size;
    }
    void *rp =
        in_place ? NULL : ipc__mpi_nbc_out(&b, rbuf, rcount, rtype, false, &rbytes);
    if (in_place && b.rc == MPI_SUCCESS) {
        rp = sp + offs[me];
        rbytes = bytes[me];
    }
    if (b.rc == MPI_SUCCESS)
        ipc__nbc_a_scatterv(b.n, sp, bytes, offs, rp, rbytes, root, comm);
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

int MPI_Iscatterv(const void *sbuf, const int scounts[], const int displs[],
                  MPI_Datatype stype, void *rbuf, int rcount, MPI_Datatype rtype,
                  int root, MPI_Comm comm, MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm, ipc__mpi_inter_iscatter(sbuf, 0, scounts, displs, true, stype,
                                                   rbuf, rcount, rtype, root, comm, req));
    IPC__MPI_RET(comm, iscatterv(sbuf, scounts, displs, stype, rbuf, rcount, rtype, root,
                                 comm, req));
}

/* MPI_Ialltoallv (types NULL: stype, rtype for every block, displacements in
 * extents) and MPI_Ialltoallw (a type per block, displacements in bytes). */
static int ialltoallvw(const void *sbuf, const int scounts[], const int sdispls[],
                       const MPI_Datatype stypes[], MPI_Datatype stype, void *rbuf,
                       const int rcounts[], const int rdispls[],
                       const MPI_Datatype rtypes[], MPI_Datatype rtype, bool w,
                       MPI_Comm comm, MPI_Request *req)
{
    BEGIN(comm);
    int size = comm->size;
    bool in_place = sbuf == MPI_IN_PLACE;
    size_t *sb = NULL, *so = NULL, *rb = NULL, *ro = NULL;
    char *sp = NULL, *rp;
    if (w) {
        rp = ipc__mpi_nbc_wblocks(&b, rbuf, size, rcounts, rdispls, rtypes, in_place,
                                  true, &rb, &ro);
        if (!in_place)
            sp = ipc__mpi_nbc_wblocks(&b, sbuf, size, scounts, sdispls, stypes, true,
                                      false, &sb, &so);
    } else {
        rp = ipc__mpi_nbc_vout(&b, rbuf, size, rcounts, rdispls, rtype, in_place, &rb,
                               &ro);
        if (!in_place)
            sp = ipc__mpi_nbc_vin(&b, sbuf, size, scounts, sdispls, stype, &sb, &so);
    }
    if (in_place)
        sp = rp, sb = rb, so = ro;
    if (b.rc == MPI_SUCCESS && !in_place && sb[comm->rank] != rb[comm->rank])
        ipc__mpi_nbc_fail(&b, MPI_ERR_TRUNCATE);
    if (b.rc == MPI_SUCCESS)
        ipc__nbc_a_alltoallv(b.n, sp, sb, so, rp, rb, ro, comm);
    return ipc__mpi_nbc_start(&b, IPC_SUCCESS, req);
}

int MPI_Ialltoallv(const void *sbuf, const int scounts[], const int sdispls[],
                   MPI_Datatype stype, void *rbuf, const int rcounts[],
                   const int rdispls[], MPI_Datatype rtype, MPI_Comm comm,
                   MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm,
                     ipc__mpi_inter_ialltoall(sbuf, 0, scounts, sdispls, stype, rbuf, 0,
                                              rcounts, rdispls, true, rtype, comm, req));
    IPC__MPI_RET(comm, ialltoallvw(sbuf, scounts, sdispls, NULL, stype, rbuf, rcounts,
                                   rdispls, NULL, rtype, false, comm, req));
}

int MPI_Ialltoallw(const void *sbuf, const int scounts[], const int sdispls[],
                   const MPI_Datatype stypes[], void *rbuf, const int rcounts[],
                   const int rdispls[], const MPI_Datatype rtypes[], MPI_Comm comm,
                   MPI_Request *req)
{
    if (ipc__mpi_is_inter(comm))
        IPC__MPI_RET(comm,
                     ipc__mpi_inter_ialltoallw(sbuf, scounts, sdispls, stypes, rbuf,
                                               rcounts, rdispls, rtypes, comm, req));
    IPC__MPI_RET(comm, ialltoallvw(sbuf, scounts, sdispls, stypes, MPI_DATATYPE_NULL,
                                   rbuf, rcounts, rdispls, rtypes, MPI_DATATYPE_NULL,
                                   true, comm, req));
}
