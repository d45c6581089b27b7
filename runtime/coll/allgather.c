/*
 * allgather.c - ipc_allgather and ipc_allgatherv.
 *
 * allgather: Bruck's algorithm while the result is short
 * (IPC__ALLGATHER_RING_MIN): ceil(log2 N) steps for any N, then one local
 * rotation. Longer, a ring: N-1 steps, each rank passing on the block it got
 * last, which moves the least data and lands every block in place.
 * allgatherv: short, every rank sends its block to every other at once; long,
 * the same ring.
 */
#include <stdlib.h>

#include "coll.h"

static int bruck(const void *in, char *rbuf, size_t block, ipc_comm comm)
{
    int n = comm->size, r = comm->rank, rc = IPC_SUCCESS;
    struct ipc__scratch s;
    char *tmp = ipc__scratch_get(&s, (size_t)n * block);
    if (!tmp)
        return IPC_ERR_NOMEM;
    /* tmp[i] is the block of rank r + i; after the step with distance k we
     * hold the first 2k of them. */
    ipc__coll_copy(tmp, in, block);
    for (int k = 1; k < n && rc == IPC_SUCCESS; k <<= 1) {
        size_t len = (size_t)(k < n - k ? k : n - k) * block;
        rc = ipc__coll_sendrecv(tmp, len, (r - k + n) % n, tmp + (size_t)k * block, len,
                                (r + k) % n, IPC__TAG_ALLGATHER, comm);
    }
    if (rc == IPC_SUCCESS) {
        size_t head = (size_t)(n - r) * block;
        ipc__coll_copy(rbuf + (size_t)r * block, tmp, head);
        ipc__coll_copy(rbuf, tmp + head, (size_t)r * block);
    }
    ipc__scratch_put(&s);
    return rc;
}

/* Ring over the blocks of buf. This rank's block is `in` (it may be in
 * place already): the first step sends it from there, and copies it into
 * place once that step is done. The neighbour copies the whole block itself
 * (ipc__coll_isend_busy): this rank is busy with its own receive meanwhile.
 * 2 ranks x 1 MiB, interleaved: copying after the step rather than between
 * posting it and waiting was faster in 10 runs of 12 (median 127 -> 125 us;
 * with the sender copying half of each block itself it was the other way
 * round, 113 -> 111). */
static int ring(const void *in, char *buf, const size_t bytes[], const size_t offs[],
                int tag, ipc_comm comm)
{
    int n = comm->size, r = comm->rank, left = (r - 1 + n) % n;
    struct ipc__req *q[2] = {NULL, NULL};
    int rc = IPC_SUCCESS;
    if (bytes[left])
        rc = ipc__coll_irecv(buf + offs[left], bytes[left], left, tag, comm, &q[0]);
    if (rc == IPC_SUCCESS && bytes[r])
        rc = ipc__coll_isend_busy(in, bytes[r], (r + 1) % n, tag, comm, &q[1]);
    int wrc = ipc__coll_waitall(q, 2);
    ipc__coll_copy(buf + offs[r], in, bytes[r]);
    if (rc != IPC_SUCCESS || wrc != IPC_SUCCESS)
        return rc != IPC_SUCCESS ? rc : wrc;
    for (int k = 1; k < n - 1; k++) {
        int sb = ipc__coll_mod(r - k, n), rb = ipc__coll_mod(r - k - 1, n);
        int rc = ipc__coll_sendrecv(buf + offs[sb], bytes[sb], (r + 1) % n, buf + offs[rb],
                                    bytes[rb], (r - 1 + n) % n, tag, comm);
        if (rc != IPC_SUCCESS)
            return rc;
    }
    return IPC_SUCCESS;
}

/* Block sizes and offsets in bytes, all n of them. */
static int layout(int n, size_t **bytes, size_t **offs)
{
    *bytes = malloc(2 * (size_t)n * sizeof **bytes);
    *offs = *bytes ? *bytes + n : NULL;
    return *bytes ? IPC_SUCCESS : IPC_ERR_NOMEM;
}

int ipc__c_allgather(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                  size_t rcount, ipc_datatype rtype, ipc_comm comm)
{
    size_t block;
    int rc = ipc__coll_check_all(sbuf, scount, stype, 1, rbuf, rcount, rtype, comm, &block);
    if (rc != IPC_SUCCESS)
        return rc;
    int n = comm->size, r = comm->rank;
    bool in_place = sbuf == IPC_IN_PLACE;
    if (block == 0)
        return IPC_SUCCESS;
    char *out = rbuf;
    const void *in = in_place ? out + (size_t)r * block : sbuf;
    if (n == 1) {
        ipc__coll_copy(out, in, block);
        return IPC_SUCCESS;
    }
    if (block * (size_t)n < IPC__ALLGATHER_RING_MIN) {
        /* The whole job on one host: through the shared segment (node.c). */
        if (comm == IPC_COMM_WORLD && ipc__node_fits(ipc__g.node, block)) {
            ipc__node_allgather(ipc__g.node, in, out, block);
            return IPC_SUCCESS;
        }
        return bruck(in, out, block, comm);
    }
    /* The whole job on one host, every rank able to read the others'
     * memory: each reads every block straight from its owner (node.c). */
    if ((n > 2 || block >= IPC__EXCHANGE_DIRECT_PAIR_MIN) && ipc__coll_direct(comm))
        return ipc__node_exchange_direct(ipc__g.node, in, out, block, false);
    size_t *bytes, *offs;
    if ((rc = layout(n, &bytes, &offs)) != IPC_SUCCESS)
        return rc;
    for (int i = 0; i < n; i++) {
        bytes[i] = block;
        offs[i] = (size_t)i * block;
    }
    rc = ring(in, out, bytes, offs, IPC__TAG_ALLGATHER, comm);
    free(bytes);
    return rc;
}

/* Every rank sends its block to every other and receives theirs, all at once. */
static int allgatherv_direct(char *buf, const size_t bytes[], const size_t offs[],
                             ipc_comm comm)
{
    int n = comm->size, r = comm->rank, rc = IPC_SUCCESS;
    struct ipc__req **req = calloc(2 * (size_t)n, sizeof *req);
    if (!req)
        return IPC_ERR_NOMEM;
    for (int i = 1; i < n && rc == IPC_SUCCESS; i++) {
        int from = (r - i + n) % n;
        if (bytes[from])
            rc = ipc__coll_irecv(buf + offs[from], bytes[from], from, IPC__TAG_ALLGATHERV,
                                 comm, &req[i]);
    }
    for (int i = 1; i < n && rc == IPC_SUCCESS && bytes[r]; i++)
        rc = ipc__coll_isend(buf + offs[r], bytes[r], (r + i) % n, IPC__TAG_ALLGATHERV, comm,
                             &req[n + i]);
    int wrc = ipc__coll_waitall(req, 2 * n);
    free(req);
    return rc != IPC_SUCCESS ? rc : wrc;
}

int ipc__c_allgatherv(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                   const size_t rcounts[], const size_t displs[], ipc_datatype rtype,
                   ipc_comm comm)
{
    size_t sbytes = 0;
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    int n = comm->size, r = comm->rank;
    if ((rc = ipc__coll_check_v(rbuf, rcounts, displs, rtype, n)) != IPC_SUCCESS)
        return rc;
    bool in_place = sbuf == IPC_IN_PLACE;
    if (!in_place && (rc = ipc__coll_bytes(sbuf, scount, stype, &sbytes)) != IPC_SUCCESS)
        return rc;
    size_t size = rtype->size, total = 0, *bytes, *offs;
    if (!in_place && sbytes != rcounts[r] * size)
        return IPC_ERR_COUNT;
    char *mine = (char *)rbuf + displs[r] * size;
    if (n == 1) {
        if (!in_place)
            ipc__coll_copy(mine, sbuf, sbytes);
        return IPC_SUCCESS;
    }
    if ((rc = layout(n, &bytes, &offs)) != IPC_SUCCESS)
        return rc;
    for (int i = 0; i < n; i++) {
        bytes[i] = rcounts[i] * size;
        offs[i] = displs[i] * size;
        total += bytes[i];
    }
    if (total < IPC__ALLGATHER_RING_MIN) {
        if (!in_place)
            ipc__coll_copy(mine, sbuf, sbytes);
        rc = allgatherv_direct(rbuf, bytes, offs, comm);
    } else {
        rc = ring(in_place ? mine : sbuf, rbuf, bytes, offs, IPC__TAG_ALLGATHERV, comm);
    }
    free(bytes);
    return rc;
}
