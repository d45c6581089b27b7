/*
 * alltoall.c - ipc_alltoall and ipc_alltoallv.
 *
 * The whole job on one node with a send buffer of at most 8 KiB: through the
 * shared segment, each rank's buffer in its slot (coll/node.c), no message.
 * Short blocks (IPC__ALLTOALL_PAIRWISE_MIN): every receive and send posted at
 * once, sends staggered (rank r starts with r + 1) so that no rank is
 * everybody's first target. Long blocks: N-1 steps, in step k sending to
 * r + k and receiving from r - k, so that only one block per rank is in
 * flight. alltoallv always posts everything at once.
 *
 * In place, a block may only be overwritten once it has been sent. A short
 * buffer (IPC__ALLTOALL_INPLACE_COPY_MAX) is copied aside and sent from the
 * copy, everything posted at once; a longer one is swapped block by block:
 * in step s = 0..N-1 rank r pairs with (s - r) mod N, which pairs with r in
 * turn, and the two swap their blocks through a copy of one block.
 */
#include <stdlib.h>

#include "coll.h"

/* In-place exchange; block i is bytes[i] at offs[i] and goes to rank i. */
static int swap_in_place(char *buf, const size_t bytes[], const size_t offs[], int tag,
                         ipc_comm comm)
{
    int n = comm->size, r = comm->rank, rc = IPC_SUCCESS;
    size_t most = 0;
    for (int i = 0; i < n; i++)
        most = bytes[i] > most ? bytes[i] : most;
    struct ipc__scratch s;
    char *tmp = ipc__scratch_get(&s, most);
    if (!tmp)
        return IPC_ERR_NOMEM;
    for (int step = 0; step < n && rc == IPC_SUCCESS; step++) {
        int p = ipc__coll_mod(step - r, n);
        if (p == r)
            continue;
        ipc__coll_copy(tmp, buf + offs[p], bytes[p]);
        rc = ipc__coll_sendrecv(tmp, bytes[p], p, buf + offs[p], bytes[p], p, tag, comm);
    }
    ipc__scratch_put(&s);
    return rc;
}

/* Everything posted at once; block i of sbuf goes to rank i. */
static int exchange_all(const char *sbuf, const size_t sbytes[], const size_t soffs[],
                        char *rbuf, const size_t rbytes[], const size_t roffs[], int tag,
                        ipc_comm comm)
{
    int n = comm->size, r = comm->rank, rc = IPC_SUCCESS;
    struct ipc__req **req = calloc(2 * (size_t)n, sizeof *req);
    if (!req)
        return IPC_ERR_NOMEM;
    for (int i = 1; i < n && rc == IPC_SUCCESS; i++) {
        int from = (r - i + n) % n;
        if (rbytes[from])
            rc = ipc__coll_irecv(rbuf + roffs[from], rbytes[from], from, tag, comm, &req[i]);
    }
    for (int i = 1; i < n && rc == IPC_SUCCESS; i++) {
        int to = (r + i) % n;
        if (sbytes[to])
            rc = ipc__coll_isend(sbuf + soffs[to], sbytes[to], to, tag, comm, &req[n + i]);
    }
    ipc__coll_copy(rbuf + roffs[r], sbuf + soffs[r], rbytes[r]);
    int wrc = ipc__coll_waitall(req, 2 * n);
    free(req);
    return rc != IPC_SUCCESS ? rc : wrc;
}

/* In place, short: the blocks copied aside, then sent from the copy while
 * the receives land in buf. Falls back to the swaps when the buffer is long. */
static int exchange_in_place(char *buf, const size_t bytes[], const size_t offs[], int tag,
                             ipc_comm comm)
{
    size_t end = 0;
    for (int i = 0; i < comm->size; i++)
        if (bytes[i] && offs[i] + bytes[i] > end)
            end = offs[i] + bytes[i];
    if (end > IPC__ALLTOALL_INPLACE_COPY_MAX)
        return swap_in_place(buf, bytes, offs, tag, comm);
    struct ipc__scratch s;
    char *copy = ipc__scratch_get(&s, end);
    if (!copy)
        return IPC_ERR_NOMEM;
    ipc__coll_copy(copy, buf, end);
    int rc = exchange_all(copy, bytes, offs, buf, bytes, offs, tag, comm);
    ipc__scratch_put(&s);
    return rc;
}

static int pairwise(const char *sbuf, char *rbuf, size_t block, ipc_comm comm)
{
    int n = comm->size, r = comm->rank;
    ipc__coll_copy(rbuf + (size_t)r * block, sbuf + (size_t)r * block, block);
    for (int k = 1; k < n; k++) {
        int to = (r + k) % n, from = (r - k + n) % n;
        int rc = ipc__coll_sendrecv_busy(sbuf + (size_t)to * block, block, to,
                                         rbuf + (size_t)from * block, block, from,
                                         IPC__TAG_ALLTOALL, comm);
        if (rc != IPC_SUCCESS)
            return rc;
    }
    return IPC_SUCCESS;
}

/* Sizes and offsets in bytes of n blocks: 4n entries. */
static size_t *layout_new(int n)
{
    return malloc(4 * (size_t)n * sizeof(size_t));
}

int ipc__c_alltoall(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                 size_t rcount, ipc_datatype rtype, ipc_comm comm)
{
    size_t block;
    int rc = ipc__check_comm(comm);
    if (rc == IPC_SUCCESS)
        rc = ipc__coll_check_all(sbuf, scount, stype, comm->size, rbuf, rcount, rtype, comm,
                                 &block);
    if (rc != IPC_SUCCESS)
        return rc;
    int n = comm->size;
    bool in_place = sbuf == IPC_IN_PLACE;
    if (block == 0 || (in_place && n == 1))
        return IPC_SUCCESS;
    if (n > 1 && comm == IPC_COMM_WORLD && ipc__node_fits(ipc__g.node, block * (size_t)n)) {
        /* The whole job on one host, a send buffer of at most a slot:
         * through the shared segment (node.c). */
        ipc__node_alltoall(ipc__g.node, in_place ? rbuf : sbuf, rbuf, block);
        return IPC_SUCCESS;
    }
    /* Long ones of the whole job on one host, every rank able to read the
     * others' memory: each reads its block of every send buffer straight
     * from it (node.c). */
    if (!in_place && block >= IPC__ALLTOALL_DIRECT_MIN &&
        (n > 2 || block >= IPC__EXCHANGE_DIRECT_PAIR_MIN) && ipc__coll_direct(comm))
        return ipc__node_exchange_direct(ipc__g.node, sbuf, rbuf, block, true);
    if (!in_place && block >= IPC__ALLTOALL_PAIRWISE_MIN)
        return pairwise(sbuf, rbuf, block, comm);
    size_t *l = layout_new(n);
    if (!l)
        return IPC_ERR_NOMEM;
    size_t *bytes = l, *offs = l + n;
    for (int i = 0; i < n; i++) {
        bytes[i] = block;
        offs[i] = (size_t)i * block;
    }
    if (in_place)
        rc = exchange_in_place(rbuf, bytes, offs, IPC__TAG_ALLTOALL, comm);
    else
        rc = exchange_all(sbuf, bytes, offs, rbuf, bytes, offs, IPC__TAG_ALLTOALL, comm);
    free(l);
    return rc;
}

int ipc__c_alltoallv(const void *sbuf, const size_t scounts[], const size_t sdispls[],
                  ipc_datatype stype, void *rbuf, const size_t rcounts[],
                  const size_t rdispls[], ipc_datatype rtype, ipc_comm comm)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    int n = comm->size, r = comm->rank;
    bool in_place = sbuf == IPC_IN_PLACE;
    if ((rc = ipc__coll_check_v(rbuf, rcounts, rdispls, rtype, n)) != IPC_SUCCESS ||
        (!in_place && (rc = ipc__coll_check_v(sbuf, scounts, sdispls, stype, n)) != IPC_SUCCESS))
        return rc;
    if (!in_place && scounts[r] * stype->size != rcounts[r] * rtype->size)
        return IPC_ERR_COUNT;
    size_t *l = layout_new(n);
    if (!l)
        return IPC_ERR_NOMEM;
    size_t *rbytes = l, *roffs = l + n, *sbytes = l + 2 * n, *soffs = l + 3 * n;
    for (int i = 0; i < n; i++) {
        rbytes[i] = rcounts[i] * rtype->size;
        roffs[i] = rdispls[i] * rtype->size;
        sbytes[i] = in_place ? 0 : scounts[i] * stype->size;
        soffs[i] = in_place ? 0 : sdispls[i] * stype->size;
    }
    if (in_place)
        rc = exchange_in_place(rbuf, rbytes, roffs, IPC__TAG_ALLTOALLV, comm);
    else
        rc = exchange_all(sbuf, sbytes, soffs, rbuf, rbytes, roffs, IPC__TAG_ALLTOALLV, comm);
    free(l);
    return rc;
}
