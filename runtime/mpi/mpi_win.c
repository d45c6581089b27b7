/*
 * mpi_win.c - MPI one-sided communication (MPI-3.1 chapter 11) on libipc's
 * windows (include/ipc.h, the engine's seam runtime/rma/rma.h).
 *
 * An MPI_Win is libipc's window; what MPI adds (name, error handler,
 * attributes, info hints, the values of the predefined attributes) is a
 * struct ipc__mpi_win in the window's MPI slot. Windows are made through
 * ipc__rma_make with this layer's accumulate kernel (mpi_op.c's, on MPI_Op
 * and the basic MPI_Datatype codes), so accumulates of every MPI pairing run
 * at the target as they do in reductions.
 *
 * A communication call checks its arguments, packs a non-contiguous origin
 * buffer, flattens the target's (count, datatype) into runs of bytes
 * (mpi_pack.c, ipc__mpi_flatten) at target_disp * disp_unit, and posts one
 * ipc__rma_desc. What comes back (get, the fetching accumulates) lands in
 * the user's buffer when its datatype is contiguous, else in a packed copy
 * that the descriptor's done callback unpacks and frees, before the
 * operation counts as complete (and before an r- form's request does).
 */
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

_Static_assert(MPI_WIN_FLAVOR_CREATE == IPC_WIN_FLAVOR_CREATE &&
                   MPI_WIN_FLAVOR_ALLOCATE == IPC_WIN_FLAVOR_ALLOCATE &&
                   MPI_WIN_FLAVOR_DYNAMIC == IPC_WIN_FLAVOR_DYNAMIC &&
                   MPI_WIN_FLAVOR_SHARED == IPC_WIN_FLAVOR_SHARED,
               "MPI window flavors are libipc's");
_Static_assert(MPI_LOCK_EXCLUSIVE == IPC_LOCK_EXCLUSIVE &&
                   MPI_LOCK_SHARED == IPC_LOCK_SHARED,
               "MPI lock types are libipc's");
_Static_assert(MPI_MODE_NOCHECK == IPC_MODE_NOCHECK &&
                   MPI_MODE_NOSTORE == IPC_MODE_NOSTORE &&
                   MPI_MODE_NOPUT == IPC_MODE_NOPUT &&
                   MPI_MODE_NOPRECEDE == IPC_MODE_NOPRECEDE &&
                   MPI_MODE_NOSUCCEED == IPC_MODE_NOSUCCEED,
               "MPI asserts are libipc's");
_Static_assert(MPI_PROC_NULL == IPC_PROC_NULL, "MPI_Win_shared_query passes it on");

/* ---- the window's MPI state ---- */

/* st's predefined attributes from what libipc says of win. */
static void state_fill(struct ipc__mpi_win *st, MPI_Win win)
{
    void *base = NULL;
    size_t size = 0;
    int disp_unit = 1, flavor = MPI_WIN_FLAVOR_CREATE;
    ipc_win_query(win, &base, &size, &disp_unit, &flavor);
    st->base = base;
    st->size = (MPI_Aint)size;
    st->disp_unit = disp_unit;
    st->flavor = flavor;
    /* Every path of the engine reads and writes the window's one copy of
     * the memory: no separate public copy. */
    st->model = MPI_WIN_UNIFIED;
}

/* win's state (made on first use for a window libipc made), or NULL when
 * win names no window (*rc MPI_ERR_WIN) or memory is out (MPI_ERR_NO_MEM). */
static struct ipc__mpi_win *state_of(MPI_Win win, int *rc)
{
    if (!ipc__win_of(win)) {
        *rc = MPI_ERR_WIN;
        return NULL;
    }
    struct ipc__mpi_win **slot = ipc__win_mpi_slot(win);
    if (!*slot && (*slot = calloc(1, sizeof **slot)))
        state_fill(*slot, win);
    *rc = *slot ? MPI_SUCCESS : MPI_ERR_NO_MEM;
    return *slot;
}

static void state_free(struct ipc__mpi_win *st)
{
    if (!st)
        return;
    ipc__mpi_errh_release(st->errh);
    ipc__mpi_info_release(st->hints);
    free(st);
}

int ipc__mpi_win_ret(MPI_Win win, int rc, const char *fn)
{
    if (rc == MPI_SUCCESS || !ipc__win_of(win))
        return ipc__mpi_ret(MPI_COMM_WORLD, rc, fn);
    const struct ipc__mpi_win *st = *ipc__win_mpi_slot(win);
    MPI_Errhandler h = st ? st->errh : MPI_ERRHANDLER_NULL;
    return ipc__mpi_errh_run(h, IPC__MPI_ERRH_WIN, &win, rc, fn);
}

/* ---- creation and destruction ---- */

/* Collective over comm: the window m describes, with its MPI state. The
 * state is made first, so that no member fails alone after the window. */
static int make(MPI_Comm comm, MPI_Info info, const struct ipc__rma_make *m, void **base,
                MPI_Win *win)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && ipc__mpi_is_inter(comm))
        rc = MPI_ERR_COMM;
    if (rc == MPI_SUCCESS && info != MPI_INFO_NULL)
        rc = ipc__mpi_info_check(info);
    if (rc == MPI_SUCCESS && !win)
        rc = MPI_ERR_ARG;
    if (rc != MPI_SUCCESS)
        return rc;
    struct ipc__mpi_win *st = calloc(1, sizeof *st);
    if (!st)
        return MPI_ERR_NO_MEM;
    if (info != MPI_INFO_NULL &&
        (rc = ipc__mpi_info_copy(info, &st->hints)) != MPI_SUCCESS) {
        free(st);
        return rc;
    }
    ipc_win w;
    void *mem = NULL;
    rc = ipc__mpi_code(ipc__rma_make(comm, m, &mem, &w));
    if (rc != MPI_SUCCESS) {
        state_free(st);
        return rc;
    }
    *ipc__win_mpi_slot(w) = st;
    state_fill(st, w);
    if (base)
        *base = mem;
    *win = w;
    return MPI_SUCCESS;
}

/* size and disp_unit of the creating calls (MPI-3.1 11.2). */
static int check_extent(MPI_Aint size, int disp_unit)
{
    if (size < 0)
        return MPI_ERR_SIZE;
    return disp_unit > 0 ? MPI_SUCCESS : MPI_ERR_DISP;
}

int MPI_Win_create(void *base, MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                   MPI_Win *win)
{
    int rc = check_extent(size, disp_unit);
    if (rc == MPI_SUCCESS && size > 0 && !base)
        rc = MPI_ERR_ARG;
    struct ipc__rma_make m = {.flavor = IPC_WIN_FLAVOR_CREATE,
                              .base = base,
                              .size = (size_t)size,
                              .disp_unit = disp_unit,
                              .kernel = ipc__mpi_op_apply};
    if (rc == MPI_SUCCESS)
        rc = make(comm, info, &m, NULL, win);
    IPC__MPI_RET(comm, rc);
}

static int allocate(int flavor, MPI_Aint size, int disp_unit, MPI_Info info,
                    MPI_Comm comm, void *baseptr, MPI_Win *win)
{
    int rc = check_extent(size, disp_unit);
    if (rc == MPI_SUCCESS && !baseptr)
        rc = MPI_ERR_ARG;
    struct ipc__rma_make m = {.flavor = flavor,
                              .size = (size_t)size,
                              .disp_unit = disp_unit,
                              .noncontig =
                                  flavor == IPC_WIN_FLAVOR_SHARED &&
                                  ipc__mpi_info_check(info) == MPI_SUCCESS &&
                                  ipc__mpi_info_true(info, "alloc_shared_noncontig"),
                              .kernel = ipc__mpi_op_apply};
    return rc == MPI_SUCCESS ? make(comm, info, &m, baseptr, win) : rc;
}

int MPI_Win_allocate(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                     void *baseptr, MPI_Win *win)
{
    IPC__MPI_RET(comm, allocate(IPC_WIN_FLAVOR_ALLOCATE, size, disp_unit, info, comm,
                                baseptr, win));
}

int MPI_Win_allocate_shared(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                            void *baseptr, MPI_Win *win)
{
    IPC__MPI_RET(
        comm, allocate(IPC_WIN_FLAVOR_SHARED, size, disp_unit, info, comm, baseptr, win));
}

int MPI_Win_create_dynamic(MPI_Info info, MPI_Comm comm, MPI_Win *win)
{
    struct ipc__rma_make m = {
        .flavor = IPC_WIN_FLAVOR_DYNAMIC, .disp_unit = 1, .kernel = ipc__mpi_op_apply};
    IPC__MPI_RET(comm, make(comm, info, &m, NULL, win));
}

int MPI_Win_shared_query(MPI_Win win, int rank, MPI_Aint *size, int *disp_unit,
                         void *baseptr)
{
    int rc = ipc__win_of(win) ? MPI_SUCCESS : MPI_ERR_WIN;
    if (rc == MPI_SUCCESS && (!size || !disp_unit || !baseptr))
        rc = MPI_ERR_ARG;
    size_t bytes = 0;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(ipc_win_shared_query(win, rank, &bytes, disp_unit, baseptr));
    if (rc == MPI_SUCCESS)
        *size = (MPI_Aint)bytes;
    IPC__MPI_WIN_RET(win, rc);
}

int MPI_Win_attach(MPI_Win win, void *base, MPI_Aint size)
{
    int rc = ipc__win_of(win) ? MPI_SUCCESS : MPI_ERR_WIN;
    if (rc == MPI_SUCCESS && size < 0)
        rc = MPI_ERR_SIZE;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(ipc_win_attach(win, base, (size_t)size));
    IPC__MPI_WIN_RET(win, rc);
}

int MPI_Win_detach(MPI_Win win, const void *base)
{
    int rc = ipc__win_of(win) ? MPI_SUCCESS : MPI_ERR_WIN;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(ipc_win_detach(win, base));
    IPC__MPI_WIN_RET(win, rc);
}

/* Only once the engine agrees do the attributes go (their delete callbacks
 * run, MPI-3.1 6.7.3): a window that stays keeps them. */
int MPI_Win_free(MPI_Win *win)
{
    MPI_Win w = win ? *win : MPI_WIN_NULL;
    int rc = win ? MPI_SUCCESS : MPI_ERR_ARG;
    if (rc == MPI_SUCCESS && !ipc__win_of(w))
        rc = MPI_ERR_WIN;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(ipc__rma_can_free(w));
    if (rc != MPI_SUCCESS)
        IPC__MPI_WIN_RET(w, rc);
    struct ipc__mpi_win **slot = ipc__win_mpi_slot(w);
    if (*slot)
        ipc__mpi_win_attrs_delete(w, *slot);
    state_free(*slot);
    *slot = NULL;
    ipc__mpi_handle_forget(w);
    rc = ipc__mpi_code(ipc_win_free(&w));
    if (rc == MPI_SUCCESS)
        *win = MPI_WIN_NULL;
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Win_get_group(MPI_Win win, MPI_Group *group)
{
    ipc_comm comm = IPC_COMM_NULL;
    int rc = ipc__win_of(win) ? MPI_SUCCESS : MPI_ERR_WIN;
    if (rc == MPI_SUCCESS && !group)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(ipc_win_comm(win, &comm));
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_comm_group(comm, group);
    IPC__MPI_WIN_RET(win, rc);
}

/* Hints are kept and given back; none changes what the window does. */
int MPI_Win_set_info(MPI_Win win, MPI_Info info)
{
    int rc;
    struct ipc__mpi_win *st = state_of(win, &rc);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_info_check(info);
    MPI_Info hints = MPI_INFO_NULL;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_info_copy(info, &hints);
    if (rc == MPI_SUCCESS) {
        ipc__mpi_info_release(st->hints);
        st->hints = hints;
    }
    IPC__MPI_WIN_RET(win, rc);
}

int MPI_Win_get_info(MPI_Win win, MPI_Info *info_used)
{
    int rc;
    struct ipc__mpi_win *st = state_of(win, &rc);
    if (rc == MPI_SUCCESS && !info_used)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_info_copy(st->hints, info_used);
    IPC__MPI_WIN_RET(win, rc);
}

/* ---- communication ---- */

/* One call's arguments: the origin buffer (put, accumulates: read; get:
 * written), the result buffer (fetching accumulates), the compare buffer
 * (compare-and-swap, one element of the origin's type) and the target. */
struct rma_call {
    enum ipc__rma_kind kind;
    const void *obuf;
    int ocount;
    MPI_Datatype otype;
    void *rbuf;
    int rcount;
    MPI_Datatype rtype;
    const void *cbuf;
    int target;
    MPI_Aint disp;
    int tcount;
    MPI_Datatype ttype;
    MPI_Op op; /* accumulates */
};

/* What must outlive the call when the bytes that come back are packed:
 * done unpacks them into the user's buffer and frees all. */
struct fetch {
    struct ipc__mpi_view v;
    void *ubuf;
};

static void fetch_done(void *arg, int err)
{
    struct fetch *f = arg;
    ipc__mpi_view_done(&f->v, f->ubuf, f->v.bytes, err == IPC_SUCCESS);
    free(f);
}

/* A committed datatype, or NULL with *rc MPI_ERR_TYPE; count checked too. */
static struct ipc__mpi_type *typed(int count, MPI_Datatype type, int *rc)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    if (*rc != MPI_SUCCESS)
        return t;
    if (count < 0)
        *rc = MPI_ERR_COUNT;
    else if (!t || !t->committed)
        *rc = MPI_ERR_TYPE;
    return t;
}

/* Accumulates: a predefined op (MPI_REPLACE and MPI_NO_OP included) that
 * applies to the one basic type every side repeats. Sets *basic. */
static int check_acc(const struct rma_call *c, const struct ipc__mpi_type *ot,
                     const struct ipc__mpi_type *rt, const struct ipc__mpi_type *tt,
                     int *basic)
{
    bool special = c->op == MPI_REPLACE || c->op == MPI_NO_OP;
    if (!special && (c->op <= 0 || c->op > MPI_MAXLOC))
        return MPI_ERR_OP;
    *basic = tt->red_basic;
    if (!*basic || (ot && ot->red_basic != *basic) || (rt && rt->red_basic != *basic))
        return MPI_ERR_TYPE;
    if (!special && !ipc__mpi_op_apply(c->op, *basic, NULL, NULL, 0))
        return MPI_ERR_OP;
    return MPI_SUCCESS;
}

/* The target's runs of bytes: target_disp in units of the target's
 * disp_unit from its window's start, or an address (dynamic windows). A
 * contiguous type's one run is *one, else the list is allocated (the caller
 * frees *blk when it is not one). */
static int target_runs(MPI_Win win, const struct rma_call *c,
                       const struct ipc__mpi_type *tt, struct ipc__rma_blk *one,
                       struct ipc__rma_blk **blk, size_t *nblk, size_t *bytes)
{
    int flavor = 0, unit = 1;
    size_t size = 0;
    int rc = ipc__mpi_code(ipc_win_query(win, NULL, NULL, NULL, &flavor));
    if (rc == MPI_SUCCESS && flavor != IPC_WIN_FLAVOR_DYNAMIC)
        rc = ipc__mpi_code(ipc__rma_target_info(win, c->target, &size, &unit));
    if (rc != MPI_SUCCESS)
        return rc;
    if (c->disp < 0)
        return MPI_ERR_DISP;
    long at;
    if (__builtin_mul_overflow(c->disp, (long)unit, &at))
        return MPI_ERR_RMA_RANGE;
    if (tt->contig) { /* one run: no list to allocate (a put's usual case) */
        if (__builtin_mul_overflow((size_t)c->tcount, tt->size, bytes))
            return MPI_ERR_RMA_RANGE;
        *one = (struct ipc__rma_blk){(uint64_t)at, *bytes};
        *blk = one;
        *nblk = 1;
        return MPI_SUCCESS;
    }
    return ipc__mpi_flatten(tt, (size_t)c->tcount, at, blk, nblk, bytes);
}

/* Where the bytes that come back go: the user's buffer, or a packed copy
 * that d->done unpacks (d->arg, freed by the callback, or by the caller
 * when the post fails). */
static int fetch_into(struct ipc__rma_desc *d, void *buf, int count,
                      struct ipc__mpi_type *t)
{
    struct fetch *f = malloc(sizeof *f);
    if (!f)
        return MPI_ERR_NO_MEM;
    int rc = ipc__mpi_view_out(&f->v, buf, count, t, false);
    if (rc != MPI_SUCCESS || !f->v.tmp) {
        d->dst = f->v.p;
        free(f);
        return rc;
    }
    f->ubuf = buf;
    d->dst = f->v.p;
    d->done = fetch_done;
    d->arg = f;
    return MPI_SUCCESS;
}

static void fetch_drop(struct ipc__rma_desc *d)
{
    if (d->arg) {
        struct fetch *f = d->arg;
        ipc__mpi_view_done(&f->v, f->ubuf, 0, false);
        free(f);
    }
}

/* The request of an operation that does nothing: complete at once. */
static int nothing(MPI_Request *req)
{
    return req ? ipc__mpi_request_of(IPC_REQUEST_NULL, req) : MPI_SUCCESS;
}

/* Checks c, packs and flattens, posts. */
static int rma_start(const struct rma_call *c, MPI_Win win, MPI_Request *req)
{
    bool acc =
        c->kind == IPC__RMA_ACC || c->kind == IPC__RMA_GET_ACC || c->kind == IPC__RMA_CAS;
    bool fetches = c->kind != IPC__RMA_PUT && c->kind != IPC__RMA_ACC;
    bool reads_origin =
        c->kind != IPC__RMA_GET && !(c->op == MPI_NO_OP && c->kind == IPC__RMA_GET_ACC);
    int rc = ipc__win_of(win) ? MPI_SUCCESS : MPI_ERR_WIN;
    ipc_comm comm = IPC_COMM_NULL;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(ipc_win_comm(win, &comm));
    /* get: the origin is where the bytes go (rbuf below). */
    struct ipc__mpi_type *ot = reads_origin ? typed(c->ocount, c->otype, &rc) : NULL;
    struct ipc__mpi_type *rt = fetches ? typed(c->rcount, c->rtype, &rc) : NULL;
    struct ipc__mpi_type *tt = typed(c->tcount, c->ttype, &rc);
    int basic = 0;
    if (rc == MPI_SUCCESS && acc)
        rc = check_acc(c, ot, rt, tt, &basic);
    if (rc == MPI_SUCCESS && c->target != MPI_PROC_NULL &&
        (c->target < 0 || c->target >= comm->size))
        rc = MPI_ERR_RANK;
    if (rc != MPI_SUCCESS || c->target == MPI_PROC_NULL)
        return rc == MPI_SUCCESS ? nothing(req) : rc;

    /* Both sides carry the same bytes (same type signatures, MPI-3.1 11.3). */
    size_t tbytes, obytes = 0, rbytes = 0;
    if (__builtin_mul_overflow((size_t)c->tcount, tt->size, &tbytes) ||
        (ot && __builtin_mul_overflow((size_t)c->ocount, ot->size, &obytes)) ||
        (rt && __builtin_mul_overflow((size_t)c->rcount, rt->size, &rbytes)))
        return MPI_ERR_COUNT;
    if ((ot && obytes != tbytes) || (rt && rbytes != tbytes))
        return MPI_ERR_TYPE;
    if (!tbytes)
        return nothing(req);

    struct ipc__rma_desc d = {.kind = c->kind, .target = c->target};
    struct ipc__rma_blk *blk = NULL, one;
    rc = target_runs(win, c, tt, &one, &blk, &d.nblk, &d.bytes);
    if (rc != MPI_SUCCESS)
        return rc;
    d.blk = blk;
    struct ipc__mpi_view src = {0}, cmp = {0};
    if (ot)
        rc = ipc__mpi_view_in(&src, c->obuf, c->ocount, ot);
    if (rc == MPI_SUCCESS && c->kind == IPC__RMA_CAS)
        rc = ipc__mpi_view_in(&cmp, c->cbuf, 1, ot);
    if (rc == MPI_SUCCESS && fetches)
        rc = fetch_into(&d, c->rbuf, c->rcount, rt);
    if (rc == MPI_SUCCESS) {
        /* MPI_NO_OP reads no origin: the engine is given bytes it ignores. */
        d.src = ot ? src.p : d.dst;
        d.cmp = cmp.p;
        if (acc) {
            d.op = c->op == MPI_REPLACE ? IPC__RMA_OP_REPLACE
                   : c->op == MPI_NO_OP ? IPC__RMA_OP_NO_OP
                                        : c->op;
            d.type = basic;
            d.elem = ipc__mpi_predef(basic)->size;
        }
        struct ipc__req *r = NULL;
        rc = ipc__mpi_code(ipc__rma_post(win, &d, req ? &r : NULL));
        if (rc != MPI_SUCCESS)
            fetch_drop(&d);
        else if (req)
            rc = ipc__mpi_request_of(ipc__req_handle(r), req);
    }
    /* The engine keeps copies of what it still needs. */
    ipc__mpi_view_done(&src, NULL, 0, false);
    ipc__mpi_view_done(&cmp, NULL, 0, false);
    if (blk != &one)
        free(blk);
    return rc;
}

int MPI_Put(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
            int target_rank, MPI_Aint target_disp, int target_count,
            MPI_Datatype target_datatype, MPI_Win win)
{
    struct rma_call c = {.kind = IPC__RMA_PUT,
                         .obuf = origin_addr,
                         .ocount = origin_count,
                         .otype = origin_datatype,
                         .target = target_rank,
                         .disp = target_disp,
                         .tcount = target_count,
                         .ttype = target_datatype};
    IPC__MPI_WIN_RET(win, rma_start(&c, win, NULL));
}

int MPI_Rput(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
             int target_rank, MPI_Aint target_disp, int target_count,
             MPI_Datatype target_datatype, MPI_Win win, MPI_Request *request)
{
    struct rma_call c = {.kind = IPC__RMA_PUT,
                         .obuf = origin_addr,
                         .ocount = origin_count,
                         .otype = origin_datatype,
                         .target = target_rank,
                         .disp = target_disp,
                         .tcount = target_count,
                         .ttype = target_datatype};
    IPC__MPI_WIN_RET(win, request ? rma_start(&c, win, request) : MPI_ERR_ARG);
}

int MPI_Get(void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
            int target_rank, MPI_Aint target_disp, int target_count,
            MPI_Datatype target_datatype, MPI_Win win)
{
    struct rma_call c = {.kind = IPC__RMA_GET,
                         .rbuf = origin_addr,
                         .rcount = origin_count,
                         .rtype = origin_datatype,
                         .target = target_rank,
                         .disp = target_disp,
                         .tcount = target_count,
                         .ttype = target_datatype};
    IPC__MPI_WIN_RET(win, rma_start(&c, win, NULL));
}

int MPI_Rget(void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
             int target_rank, MPI_Aint target_disp, int target_count,
             MPI_Datatype target_datatype, MPI_Win win, MPI_Request *request)
{
    struct rma_call c = {.kind = IPC__RMA_GET,
                         .rbuf = origin_addr,
                         .rcount = origin_count,
                         .rtype = origin_datatype,
                         .target = target_rank,
                         .disp = target_disp,
                         .tcount = target_count,
                         .ttype = target_datatype};
    IPC__MPI_WIN_RET(win, request ? rma_start(&c, win, request) : MPI_ERR_ARG);
}

int MPI_Accumulate(const void *origin_addr, int origin_count,
                   MPI_Datatype origin_datatype, int target_rank, MPI_Aint target_disp,
                   int target_count, MPI_Datatype target_datatype, MPI_Op op, MPI_Win win)
{
    struct rma_call c = {.kind = IPC__RMA_ACC,
                         .obuf = origin_addr,
                         .ocount = origin_count,
                         .otype = origin_datatype,
                         .target = target_rank,
                         .disp = target_disp,
                         .tcount = target_count,
                         .ttype = target_datatype,
                         .op = op};
    IPC__MPI_WIN_RET(win, rma_start(&c, win, NULL));
}

int MPI_Raccumulate(const void *origin_addr, int origin_count,
                    MPI_Datatype origin_datatype, int target_rank, MPI_Aint target_disp,
                    int target_count, MPI_Datatype target_datatype, MPI_Op op,
                    MPI_Win win, MPI_Request *request)
{
    struct rma_call c = {.kind = IPC__RMA_ACC,
                         .obuf = origin_addr,
                         .ocount = origin_count,
                         .otype = origin_datatype,
                         .target = target_rank,
                         .disp = target_disp,
                         .tcount = target_count,
                         .ttype = target_datatype,
                         .op = op};
    IPC__MPI_WIN_RET(win, request ? rma_start(&c, win, request) : MPI_ERR_ARG);
}

int MPI_Get_accumulate(const void *origin_addr, int origin_count,
                       MPI_Datatype origin_datatype, void *result_addr, int result_count,
                       MPI_Datatype result_datatype, int target_rank,
                       MPI_Aint target_disp, int target_count,
                       MPI_Datatype target_datatype, MPI_Op op, MPI_Win win)
{
    struct rma_call c = {.kind = IPC__RMA_GET_ACC,
                         .obuf = origin_addr,
                         .ocount = origin_count,
                         .otype = origin_datatype,
                         .rbuf = result_addr,
                         .rcount = result_count,
                         .rtype = result_datatype,
                         .target = target_rank,
                         .disp = target_disp,
                         .tcount = target_count,
                         .ttype = target_datatype,
                         .op = op};
    IPC__MPI_WIN_RET(win, rma_start(&c, win, NULL));
}

int MPI_Rget_accumulate(const void *origin_addr, int origin_count,
                        MPI_Datatype origin_datatype, void *result_addr, int result_count,
                        MPI_Datatype result_datatype, int target_rank,
                        MPI_Aint target_disp, int target_count,
                        MPI_Datatype target_datatype, MPI_Op op, MPI_Win win,
                        MPI_Request *request)
{
    struct rma_call c = {.kind = IPC__RMA_GET_ACC,
                         .obuf = origin_addr,
                         .ocount = origin_count,
                         .otype = origin_datatype,
                         .rbuf = result_addr,
                         .rcount = result_count,
                         .rtype = result_datatype,
                         .target = target_rank,
                         .disp = target_disp,
                         .tcount = target_count,
                         .ttype = target_datatype,
                         .op = op};
    IPC__MPI_WIN_RET(win, request ? rma_start(&c, win, request) : MPI_ERR_ARG);
}

/* One element of a predefined type (MPI-3.1 11.3.4). */
static int check_single(MPI_Datatype type)
{
    const struct ipc__mpi_type *t = ipc__mpi_type(type);
    return t && t->predefined ? MPI_SUCCESS : MPI_ERR_TYPE;
}

int MPI_Fetch_and_op(const void *origin_addr, void *result_addr, MPI_Datatype datatype,
                     int target_rank, MPI_Aint target_disp, MPI_Op op, MPI_Win win)
{
    struct rma_call c = {.kind = IPC__RMA_GET_ACC,
                         .obuf = origin_addr,
                         .ocount = 1,
                         .otype = datatype,
                         .rbuf = result_addr,
                         .rcount = 1,
                         .rtype = datatype,
                         .target = target_rank,
                         .disp = target_disp,
                         .tcount = 1,
                         .ttype = datatype,
                         .op = op};
    int rc = ipc__win_of(win) ? check_single(datatype) : MPI_ERR_WIN;
    IPC__MPI_WIN_RET(win, rc == MPI_SUCCESS ? rma_start(&c, win, NULL) : rc);
}

/* The types whose values compare bit for bit: integers, logicals, bytes
 * (MPI-3.1 11.3.4), not floating point, complex or pairs. */
static int check_cas_type(MPI_Datatype type)
{
    int rc = check_single(type);
    if (rc != MPI_SUCCESS)
        return rc;
    bool numeric = ipc__mpi_op_apply(MPI_BOR, type, NULL, NULL, 0) ||
                   ipc__mpi_op_apply(MPI_LAND, type, NULL, NULL, 0);
    return numeric ? MPI_SUCCESS : MPI_ERR_TYPE;
}

int MPI_Compare_and_swap(const void *origin_addr, const void *compare_addr,
                         void *result_addr, MPI_Datatype datatype, int target_rank,
                         MPI_Aint target_disp, MPI_Win win)
{
    struct rma_call c = {.kind = IPC__RMA_CAS,
                         .obuf = origin_addr,
                         .ocount = 1,
                         .otype = datatype,
                         .rbuf = result_addr,
                         .rcount = 1,
                         .rtype = datatype,
                         .cbuf = compare_addr,
                         .target = target_rank,
                         .disp = target_disp,
                         .tcount = 1,
                         .ttype = datatype,
                         .op = MPI_REPLACE};
    int rc = ipc__win_of(win) ? check_cas_type(datatype) : MPI_ERR_WIN;
    IPC__MPI_WIN_RET(win, rc == MPI_SUCCESS ? rma_start(&c, win, NULL) : rc);
}

/* ---- synchronization ---- */

int MPI_Win_fence(int assert, MPI_Win win)
{
    IPC__MPI_WIN_RET(win, ipc__mpi_code(ipc_win_fence(assert, win)));
}

/* The members of group as ranks of win's communicator. */
static int group_ranks(MPI_Group group, MPI_Win win, int **ranks, int *n)
{
    ipc_comm comm = IPC_COMM_NULL;
    int rc = ipc__win_of(win) ? ipc__mpi_code(ipc_win_comm(win, &comm)) : MPI_ERR_WIN;
    return rc == MPI_SUCCESS ? ipc__mpi_group_ranks(group, comm, ranks, n) : rc;
}

int MPI_Win_post(MPI_Group group, int assert, MPI_Win win)
{
    int *ranks = NULL, n = 0;
    int rc = group_ranks(group, win, &ranks, &n);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(ipc_win_post(ranks, n, assert, win));
    free(ranks);
    IPC__MPI_WIN_RET(win, rc);
}

int MPI_Win_start(MPI_Group group, int assert, MPI_Win win)
{
    int *ranks = NULL, n = 0;
    int rc = group_ranks(group, win, &ranks, &n);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(ipc_win_start(ranks, n, assert, win));
    free(ranks);
    IPC__MPI_WIN_RET(win, rc);
}

int MPI_Win_complete(MPI_Win win)
{
    IPC__MPI_WIN_RET(win, ipc__mpi_code(ipc_win_complete(win)));
}

int MPI_Win_wait(MPI_Win win)
{
    IPC__MPI_WIN_RET(win, ipc__mpi_code(ipc_win_wait(win)));
}

int MPI_Win_test(MPI_Win win, int *flag)
{
    int rc = flag ? ipc__mpi_code(ipc_win_test(win, flag)) : MPI_ERR_ARG;
    IPC__MPI_WIN_RET(win, rc);
}

int MPI_Win_lock(int lock_type, int rank, int assert, MPI_Win win)
{
    IPC__MPI_WIN_RET(win, ipc__mpi_code(ipc_win_lock(lock_type, rank, assert, win)));
}

int MPI_Win_unlock(int rank, MPI_Win win)
{
    IPC__MPI_WIN_RET(win, ipc__mpi_code(ipc_win_unlock(rank, win)));
}

int MPI_Win_lock_all(int assert, MPI_Win win)
{
    IPC__MPI_WIN_RET(win, ipc__mpi_code(ipc_win_lock_all(assert, win)));
}

int MPI_Win_unlock_all(MPI_Win win)
{
    IPC__MPI_WIN_RET(win, ipc__mpi_code(ipc_win_unlock_all(win)));
}

int MPI_Win_flush(int rank, MPI_Win win)
{
    IPC__MPI_WIN_RET(win, ipc__mpi_code(ipc_win_flush(rank, win)));
}

int MPI_Win_flush_all(MPI_Win win)
{
    IPC__MPI_WIN_RET(win, ipc__mpi_code(ipc_win_flush_all(win)));
}

int MPI_Win_flush_local(int rank, MPI_Win win)
{
    IPC__MPI_WIN_RET(win, ipc__mpi_code(ipc_win_flush_local(rank, win)));
}

int MPI_Win_flush_local_all(MPI_Win win)
{
    IPC__MPI_WIN_RET(win, ipc__mpi_code(ipc_win_flush_local_all(win)));
}

int MPI_Win_sync(MPI_Win win)
{
    IPC__MPI_WIN_RET(win, ipc__mpi_code(ipc_win_sync(win)));
}

/* ---- attributes, names, error handlers ---- */

int MPI_Win_set_attr(MPI_Win win, int win_keyval, void *attribute_val)
{
    int rc;
    struct ipc__mpi_win *st = state_of(win, &rc);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_win_attr_set(win, st, win_keyval, attribute_val);
    IPC__MPI_WIN_RET(win, rc);
}

int MPI_Win_get_attr(MPI_Win win, int win_keyval, void *attribute_val, int *flag)
{
    int rc;
    struct ipc__mpi_win *st = state_of(win, &rc);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_win_attr_get(win, st, win_keyval, attribute_val, flag);
    IPC__MPI_WIN_RET(win, rc);
}

int MPI_Win_delete_attr(MPI_Win win, int win_keyval)
{
    int rc;
    struct ipc__mpi_win *st = state_of(win, &rc);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_win_attr_delete(win, st, win_keyval);
    IPC__MPI_WIN_RET(win, rc);
}

int MPI_Win_set_name(MPI_Win win, const char *win_name)
{
    int rc;
    struct ipc__mpi_win *st = state_of(win, &rc);
    if (rc == MPI_SUCCESS && !win_name)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        snprintf(st->name, sizeof st->name, "%s", win_name); /* longer names are cut */
    IPC__MPI_WIN_RET(win, rc);
}

int MPI_Win_get_name(MPI_Win win, char *win_name, int *resultlen)
{
    int rc;
    const struct ipc__mpi_win *st = state_of(win, &rc);
    if (rc == MPI_SUCCESS && (!win_name || !resultlen))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS) {
        strcpy(win_name, st->name);
        *resultlen = (int)strlen(st->name);
    }
    IPC__MPI_WIN_RET(win, rc);
}

int MPI_Win_set_errhandler(MPI_Win win, MPI_Errhandler errhandler)
{
    int rc;
    struct ipc__mpi_win *st = state_of(win, &rc);
    if (rc == MPI_SUCCESS && !ipc__mpi_errh_valid(errhandler, IPC__MPI_ERRH_WIN))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS) {
        ipc__mpi_errh_retain(errhandler);
        ipc__mpi_errh_release(st->errh);
        st->errh = errhandler;
    }
    IPC__MPI_WIN_RET(win, rc);
}

/* The handle returned is a new reference: the program frees it. */
int MPI_Win_get_errhandler(MPI_Win win, MPI_Errhandler *errhandler)
{
    int rc;
    const struct ipc__mpi_win *st = state_of(win, &rc);
    if (rc == MPI_SUCCESS && !errhandler)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS) {
        *errhandler = st->errh != MPI_ERRHANDLER_NULL ? st->errh : MPI_ERRORS_ARE_FATAL;
        ipc__mpi_errh_retain(*errhandler);
    }
    IPC__MPI_WIN_RET(win, rc);
}

/* Returns MPI_SUCCESS once the handler returned (MPI-3.1 8.3.6). */
int MPI_Win_call_errhandler(MPI_Win win, int errorcode)
{
    if (!ipc__win_of(win))
        IPC__MPI_WIN_RET(win, MPI_ERR_WIN);
    ipc__mpi_win_ret(win, errorcode, __func__);
    return MPI_SUCCESS;
}
