/* barrier.c - ipc_barrier. */
#include "coll.h"

/* Dissemination barrier: ceil(log2 N) rounds; in round k each rank signals
 * rank + 2^k and waits for rank - 2^k. Works for every N, and no rank waits
 * for more than one message per round. */
int ipc__c_barrier(ipc_comm comm)
{
    return ipc__coll_barrier_tagged(comm, IPC__TAG_BARRIER);
}

int ipc__coll_barrier_tagged(ipc_comm comm, int tag0)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    /* The whole job on one host meets in the shared segment (node.c). */
    if (comm == IPC_COMM_WORLD && ipc__g.node) {
        ipc__node_barrier(ipc__g.node, ipc__g.job.tun.oversubscribed);
        return IPC_SUCCESS;
    }
    int n = comm->size, me = comm->rank;
    for (int dist = 1, round = 0; dist < n; dist <<= 1, round++) {
        struct ipc__request *r[2];
        int to = (me + dist) % n, from = (me - dist + n) % n;
        if ((rc = ipc__coll_irecv(NULL, 0, from, tag0 + round, comm, &r[0])) !=
            IPC_SUCCESS)
            return rc;
        rc = ipc__coll_isend(NULL, 0, to, tag0 + round, comm, &r[1]);
        int wrc = ipc__coll_waitall(r, 2);
        if (rc != IPC_SUCCESS || wrc != IPC_SUCCESS)
            return rc != IPC_SUCCESS ? rc : wrc;
    }
    return IPC_SUCCESS;
}
