/*
 * entry.c - libipc's one-sided calls (include/ipc.h): contiguous buffers of
 * a basic datatype, described to the engine as one block at the target.
 * The MPI layer describes derived datatypes itself (mpi/mpi_win.c).
 */
#include "win.h"

/* The codes of libipc's basic types in the window's kernel. */
static const ipc_datatype types[] = {NULL,       IPC_BYTE,  IPC_CHAR,
                                     IPC_INT,    IPC_LONG,  IPC_INT64,
                                     IPC_UINT64, IPC_FLOAT, IPC_DOUBLE};
enum { NTYPES = sizeof types / sizeof types[0] };

int ipc__rma_type_code(ipc_datatype type)
{
    for (int i = 1; i < NTYPES; i++)
        if (types[i] == type)
            return i;
    return 0;
}

bool ipc__rma_kernel_ipc(int op, int type, const void *in, void *inout, size_t n)
{
    if (type <= 0 || type >= NTYPES || op <= 0 || op > 10)
        return false;
    ipc_op o = (ipc_op)(intptr_t)op;
    if (ipc__op_check(o, types[type]) != IPC_SUCCESS)
        return false;
    if (n)
        ipc__op_apply(o, types[type], in, inout, n);
    return true;
}

static int op_code(ipc_op op)
{
    if (op == IPC_REPLACE)
        return IPC__RMA_OP_REPLACE;
    if (op == IPC_NO_OP)
        return IPC__RMA_OP_NO_OP;
    return (int)(intptr_t)op;
}

/* One contiguous operation of count elements of type at disp of target. */
static int post(enum ipc__rma_kind kind, const void *src, const void *cmp, void *dst,
                size_t count, ipc_datatype type, int target, size_t disp, ipc_op op,
                ipc_win win, ipc_request *req)
{
    struct ipc__win *w = ipc__win_of(win);
    if (!w)
        return IPC_ERR_WIN;
    int code = ipc__rma_type_code(type);
    if (!code)
        return IPC_ERR_TYPE;
    if (req)
        *req = IPC_REQUEST_NULL;
    if (target == IPC_PROC_NULL) {
        if (req) {
            struct ipc__req *r = ipc__req_new(IPC__REQ_SCHED);
            if (!r)
                return IPC_ERR_NOMEM;
            r->peer = ipc__g.job.rank;
            ipc__req_complete(r, IPC_SUCCESS);
            *req = ipc__req_handle(r);
        }
        return IPC_SUCCESS;
    }
    size_t bytes, unit = 1, off;
    int du;
    int rc = ipc__rma_target_info(win, target, NULL, &du);
    if (rc != IPC_SUCCESS)
        return rc;
    if (w->flavor != IPC_WIN_FLAVOR_DYNAMIC)
        unit = (size_t)du;
    if (__builtin_mul_overflow(count, type->size, &bytes))
        return IPC_ERR_COUNT;
    if (__builtin_mul_overflow(disp, unit, &off))
        return IPC_ERR_RMA_RANGE;
    struct ipc__rma_blk blk = {off, bytes};
    struct ipc__rma_desc d = {.kind = kind,
                              .target = target,
                              .blk = &blk,
                              .nblk = 1,
                              .bytes = bytes,
                              .src = src,
                              .cmp = cmp,
                              .dst = dst,
                              .op = op_code(op),
                              .type = code,
                              .elem = type->size};
    struct ipc__req *r;
    rc = ipc__rma_post(win, &d, req ? &r : NULL);
    if (rc == IPC_SUCCESS && req)
        *req = ipc__req_handle(r);
    return rc;
}

int ipc_put(const void *buf, size_t count, ipc_datatype type, int target, size_t disp,
            ipc_win win)
{
    return post(IPC__RMA_PUT, buf, NULL, NULL, count, type, target, disp, IPC_OP_NULL,
                win, NULL);
}

int ipc_get(void *buf, size_t count, ipc_datatype type, int target, size_t disp,
            ipc_win win)
{
    return post(IPC__RMA_GET, NULL, NULL, buf, count, type, target, disp, IPC_OP_NULL,
                win, NULL);
}

int ipc_accumulate(const void *buf, size_t count, ipc_datatype type, int target,
                   size_t disp, ipc_op op, ipc_win win)
{
    return post(IPC__RMA_ACC, buf, NULL, NULL, count, type, target, disp, op, win, NULL);
}

int ipc_get_accumulate(const void *buf, void *result, size_t count, ipc_datatype type,
                       int target, size_t disp, ipc_op op, ipc_win win)
{
    return post(IPC__RMA_GET_ACC, buf, NULL, result, count, type, target, disp, op, win,
                NULL);
}

int ipc_fetch_and_op(const void *buf, void *result, ipc_datatype type, int target,
                     size_t disp, ipc_op op, ipc_win win)
{
    /* ipc__rma_post, inside, would call it a get_accumulate. */
    struct ipc__win *w = ipc__obs.on ? ipc__win_of(win) : NULL;
    ipc__obs_enter_nowait(IPC__CALL_FETCH_AND_OP, w ? w->comm : NULL, target, -1,
                          type ? type->size : 0);
    int rc =
        post(IPC__RMA_GET_ACC, buf, NULL, result, 1, type, target, disp, op, win, NULL);
    ipc__obs_exit_nowait();
    return rc;
}

int ipc_compare_and_swap(const void *buf, const void *compare, void *result,
                         ipc_datatype type, int target, size_t disp, ipc_win win)
{
    return post(IPC__RMA_CAS, buf, compare, result, 1, type, target, disp, IPC_OP_NULL,
                win, NULL);
}

int ipc_rput(const void *buf, size_t count, ipc_datatype type, int target, size_t disp,
             ipc_win win, ipc_request *req)
{
    if (!req)
        return IPC_ERR_ARG;
    return post(IPC__RMA_PUT, buf, NULL, NULL, count, type, target, disp, IPC_OP_NULL,
                win, req);
}

int ipc_rget(void *buf, size_t count, ipc_datatype type, int target, size_t disp,
             ipc_win win, ipc_request *req)
{
    if (!req)
        return IPC_ERR_ARG;
    return post(IPC__RMA_GET, NULL, NULL, buf, count, type, target, disp, IPC_OP_NULL,
                win, req);
}

int ipc_raccumulate(const void *buf, size_t count, ipc_datatype type, int target,
                    size_t disp, ipc_op op, ipc_win win, ipc_request *req)
{
    if (!req)
        return IPC_ERR_ARG;
    return post(IPC__RMA_ACC, buf, NULL, NULL, count, type, target, disp, op, win, req);
}

int ipc_rget_accumulate(const void *buf, void *result, size_t count, ipc_datatype type,
                        int target, size_t disp, ipc_op op, ipc_win win, ipc_request *req)
{
    if (!req)
        return IPC_ERR_ARG;
    return post(IPC__RMA_GET_ACC, buf, NULL, result, count, type, target, disp, op, win,
                req);
}
