/*
 * bcast.c - ipc_bcast.
 *
 * Short messages: binomial tree from the root, ceil(log2 N) steps. Long ones
 * (IPC__BCAST_SCATTER_MIN, 3 ranks or more): the root scatters the buffer
 * down the same tree, one block per rank, and a ring allgather puts the
 * blocks back together everywhere (van de Geijn), so the root sends about one
 * buffer's worth instead of log2 N of them.
 */
#include "coll.h"

static int rel_to_rank(int rel, int root, int n)
{
    return (rel + root) % n;
}

static int binomial(void *buf, size_t bytes, int root, ipc_comm comm)
{
    int n = comm->size, rel = ipc__coll_mod(comm->rank - root, n), mask = 1, rc;
    for (; mask < n; mask <<= 1) {
        if (rel & mask) {
            rc = ipc__coll_recv(buf, bytes, rel_to_rank(rel - mask, root, n),
                                IPC__TAG_BCAST, comm);
            if (rc != IPC_SUCCESS)
                return rc;
            break;
        }
    }
    /* Children rel + mask for every mask below the one we received on,
     * largest subtree first. */
    struct ipc__req *r[32] = {NULL};
    int nr = 0;
    rc = IPC_SUCCESS;
    for (mask >>= 1; mask > 0 && rc == IPC_SUCCESS; mask >>= 1)
        if (rel + mask < n)
            rc = ipc__coll_isend(buf, bytes, rel_to_rank(rel + mask, root, n),
                                 IPC__TAG_BCAST, comm, &r[nr++]);
    int wrc = ipc__coll_waitall(r, nr);
    return rc != IPC_SUCCESS ? rc : wrc;
}

/* Bytes [first, first + len) of the buffer that relative ranks [from, from + k)
 * own, k clipped to the ranks there are: `block` bytes each. */
static size_t span(size_t bytes, size_t block, int from, int k, int n, size_t *first)
{
    if (from + k > n)
        k = n - from;
    size_t lo = (size_t)from * block, hi = (size_t)(from + k) * block;
    lo = lo < bytes ? lo : bytes;
    hi = hi < bytes ? hi : bytes;
    *first = lo;
    return hi - lo;
}

static int scatter_allgather(char *buf, size_t bytes, int root, ipc_comm comm)
{
    int n = comm->size, rel = ipc__coll_mod(comm->rank - root, n), rc = IPC_SUCCESS;
    size_t block = (bytes + (size_t)n - 1) / (size_t)n, off, len;
    int lowbit = rel ? rel & -rel : 1 << 30; /* the root's subtree is everything */

    if (rel) {
        len = span(bytes, block, rel, lowbit, n, &off);
        if (len && (rc = ipc__coll_recv(buf + off, len, rel_to_rank(rel - lowbit, root, n),
                                        IPC__TAG_BCAST, comm)) != IPC_SUCCESS)
            return rc;
    }
    int mask = 1;
    while (mask * 2 < lowbit && rel + mask * 2 < n)
        mask *= 2;
    for (; mask > 0; mask >>= 1) {
        int child = rel + mask;
        if (child >= n || mask >= lowbit)
            continue;
        len = span(bytes, block, child, mask, n, &off);
        if (len && (rc = ipc__coll_send(buf + off, len, rel_to_rank(child, root, n),
                                        IPC__TAG_BCAST, comm)) != IPC_SUCCESS)
            return rc;
    }
    /* Ring allgather over relative ranks: in step s, pass on block rel - s. */
    int right = rel_to_rank(rel + 1, root, n), left = rel_to_rank(rel - 1 + n, root, n);
    for (int s = 0; s < n - 1; s++) {
        size_t soff, roff;
        size_t slen = span(bytes, block, ipc__coll_mod(rel - s, n), 1, n, &soff);
        size_t rlen = span(bytes, block, ipc__coll_mod(rel - s - 1, n), 1, n, &roff);
        rc = ipc__coll_sendrecv(buf + soff, slen, right, buf + roff, rlen, left,
                                IPC__TAG_BCAST, comm);
        if (rc != IPC_SUCCESS)
            return rc;
    }
    return IPC_SUCCESS;
}

int ipc__c_bcast(void *buf, size_t count, ipc_datatype type, int root, ipc_comm comm)
{
    size_t bytes;
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS || (rc = ipc__coll_check_root(comm, root)) != IPC_SUCCESS ||
        (rc = ipc__coll_bytes(buf, count, type, &bytes)) != IPC_SUCCESS)
        return rc;
    if (comm->size == 1 || bytes == 0)
        return IPC_SUCCESS;
    /* Short ones of the whole job on one host go through the shared segment:
     * the root writes and returns (node.c, docs/shm.md). */
    if (comm == IPC_COMM_WORLD && ipc__node_bcast_fits(ipc__g.node, bytes)) {
        ipc__node_bcast(ipc__g.node, buf, bytes, root);
        return IPC_SUCCESS;
    }
    /* Long ones, 3 ranks or more: each rank reads the root's buffer itself,
     * all at once (node.c). */
    if (comm->size > 2 && bytes >= IPC__BCAST_DIRECT_MIN && ipc__coll_direct(comm))
        return ipc__node_bcast_direct(ipc__g.node, buf, bytes, root);
    if (bytes < IPC__BCAST_SCATTER_MIN || comm->size < 3)
        return binomial(buf, bytes, root, comm);
    return scatter_allgather(buf, bytes, root, comm);
}
