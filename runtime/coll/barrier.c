/* barrier.c - ipc_barrier, as a schedule (sched.c) that the caller waits on. */
#include "coll.h"

/* Dissemination barrier: ceil(log2 N) rounds; in round k each rank signals
 * rank + 2^k and waits for rank - 2^k. Works for every N, and no rank waits
 * for more than one message per round. */
struct barrier {
    struct ipc__sched s;
    ipc_comm comm;
    int tag0;
    int dist, round;
};

static int barrier_step(struct ipc__sched *s)
{
    struct barrier *b = ipc__container_of(s, struct barrier, s);
    int n = b->comm->size, me = b->comm->rank;
    if (b->dist >= n)
        return IPC__SCHED_END;
    int tag = b->tag0 + b->round, to = (me + b->dist) % n, from = (me - b->dist + n) % n;
    int rc = ipc__sched_irecv(s, NULL, 0, from, tag, b->comm, b->comm->ctx_coll);
    if (rc == IPC_SUCCESS)
        rc = ipc__sched_isend(s, NULL, 0, to, tag, b->comm, b->comm->ctx_coll);
    b->dist <<= 1;
    b->round++;
    return rc;
}

/* The blocking barrier's schedule lives on its stack: nothing to free. */
static void barrier_keep(struct ipc__sched *s)
{
    (void)s;
}

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
    struct barrier b = {.s = {.step = barrier_step, .release = barrier_keep},
                        .comm = comm,
                        .tag0 = tag0,
                        .dist = 1};
    struct ipc__req *req;
    if ((rc = ipc__sched_start(&b.s, &req)) != IPC_SUCCESS)
        return rc;
    ipc__wait_one(req);
    rc = req->error;
    ipc__req_free(req);
    return rc;
}
