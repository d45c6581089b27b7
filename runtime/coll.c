/*
 * coll.c - collective operations, built on the internal point-to-point calls
 * with the communicator's collective context so they never match user
 * messages.
 */
#include "internal.h"

/* Dissemination barrier: ceil(log2 N) rounds; in round k each rank signals
 * rank + 2^k and waits for rank - 2^k. Works for every N. */
int ipc_barrier(ipc_comm comm)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    int n = comm->size, me = comm->rank;
    for (int dist = 1, round = 0; dist < n; dist <<= 1, round++) {
        struct ipc__request *s, *r;
        int to = (me + dist) % n, from = (me - dist + n) % n;
        if ((rc = ipc__irecv(NULL, 0, from, round, comm, comm->ctx_coll, &r)) != IPC_SUCCESS)
            return rc;
        if ((rc = ipc__isend(NULL, 0, to, round, comm, comm->ctx_coll, false, &s)) !=
            IPC_SUCCESS)
            return rc;
        rc = ipc__wait_one(s);
        if (rc == IPC_SUCCESS)
            rc = ipc__wait_one(r);
        int serr = s->error, rerr = r->error;
        ipc__req_free(s);
        ipc__req_free(r);
        if (rc != IPC_SUCCESS)
            return rc;
        if (serr != IPC_SUCCESS || rerr != IPC_SUCCESS)
            return serr != IPC_SUCCESS ? serr : rerr;
    }
    return IPC_SUCCESS;
}
