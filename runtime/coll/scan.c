/*
 * scan.c - ipc_scan and ipc_exscan: recursive doubling over prefixes.
 *
 * In the step with distance `mask`, rank r trades with r ^ mask the reduction
 * of its aligned group of `mask` ranks. Groups are runs of consecutive ranks
 * and the lower one is always the `in` side, so the ranks' order is kept (any
 * associative op works) and the result does not depend on timing.
 */
#include "coll.h"

static int prefix(const void *in, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
                  bool inclusive, ipc_comm comm)
{
    int n = comm->size, r = comm->rank, rc = IPC_SUCCESS;
    size_t bytes = count * type->size;
    struct ipc__scratch s[2];
    void *group = ipc__scratch_get(&s[0], bytes), *other = ipc__scratch_get(&s[1], bytes);
    bool have = inclusive; /* rbuf holds a partial result */
    if (!group || !other) {
        rc = IPC_ERR_NOMEM;
        goto out;
    }
    ipc__coll_copy(group, in, bytes);
    if (inclusive)
        ipc__coll_copy(rbuf, in, bytes);
    for (int mask = 1; mask < n; mask <<= 1) {
        int p = r ^ mask;
        if (p >= n)
            continue;
        rc = ipc__coll_sendrecv(group, bytes, p, other, bytes, p, IPC__TAG_SCAN, comm);
        if (rc != IPC_SUCCESS)
            break;
        if (p > r) { /* the partner's group follows ours */
            ipc__op_apply(op, type, group, other, count);
            void *t = group;
            group = other;
            other = t;
            continue;
        }
        if (have)
            ipc__op_apply(op, type, other, rbuf, count);
        else
            ipc__coll_copy(rbuf, other, bytes);
        have = true;
        ipc__op_apply(op, type, other, group, count);
    }
out:
    ipc__scratch_put(&s[0]);
    ipc__scratch_put(&s[1]);
    return rc;
}

static int scan_common(const void *sbuf, void *rbuf, size_t count, ipc_datatype type,
                       ipc_op op, bool inclusive, ipc_comm comm)
{
    size_t bytes;
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS || (rc = ipc__op_check(op, type)) != IPC_SUCCESS ||
        (rc = ipc__coll_bytes(rbuf, count, type, &bytes)) != IPC_SUCCESS)
        return rc;
    const void *in = sbuf == IPC_IN_PLACE ? rbuf : sbuf;
    if ((rc = ipc__coll_bytes(in, count, type, &bytes)) != IPC_SUCCESS || bytes == 0)
        return rc;
    return prefix(in, rbuf, count, type, op, inclusive, comm);
}

int ipc__c_scan(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
             ipc_comm comm)
{
    return scan_common(sbuf, rbuf, count, type, op, true, comm);
}

int ipc__c_exscan(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
               ipc_comm comm)
{
    return scan_common(sbuf, rbuf, count, type, op, false, comm);
}
