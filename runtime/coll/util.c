/*
 * util.c - the pieces every collective algorithm uses: blocking and
 * nonblocking point-to-point on the collective context, scratch buffers and
 * argument checks.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "transport/node.h"

static int isend_mode(const void *buf, size_t bytes, int dest, int tag, ipc_comm comm,
                      unsigned mode, struct ipc__req **r)
{
    int rc = ipc__isend(buf, bytes, dest, tag, comm, comm->ctx_coll, mode, r);
    if (rc != IPC_SUCCESS)
        *r = NULL;
    return rc;
}

int ipc__coll_isend(const void *buf, size_t bytes, int dest, int tag, ipc_comm comm,
                    struct ipc__req **r)
{
    return isend_mode(buf, bytes, dest, tag, comm, 0, r);
}

int ipc__coll_isend_busy(const void *buf, size_t bytes, int dest, int tag, ipc_comm comm,
                         struct ipc__req **r)
{
    return isend_mode(buf, bytes, dest, tag, comm, IPC__SEND_ALONE, r);
}

int ipc__coll_irecv(void *buf, size_t bytes, int src, int tag, ipc_comm comm,
                    struct ipc__req **r)
{
    int rc = ipc__irecv(buf, bytes, src, tag, comm, comm->ctx_coll, r);
    if (rc != IPC_SUCCESS)
        *r = NULL;
    return rc;
}

int ipc__coll_waitall(struct ipc__req **reqs, int n)
{
    int first = IPC_SUCCESS;
    for (int i = 0; i < n; i++) {
        if (!reqs[i])
            continue;
        int rc = ipc__wait_one(reqs[i]);
        if (rc != IPC_SUCCESS)
            return rc; /* the engine failed: the request may still be queued */
        if (first == IPC_SUCCESS)
            first = reqs[i]->error;
        ipc__req_free(reqs[i]);
        reqs[i] = NULL;
    }
    return first;
}

int ipc__coll_send_sync(const void *buf, size_t bytes, int dest, int tag, ipc_comm comm)
{
    struct ipc__req *r;
    int rc = ipc__isend(buf, bytes, dest, tag, comm, comm->ctx_coll, IPC__SEND_SYNC, &r);
    return rc != IPC_SUCCESS ? rc : ipc__coll_waitall(&r, 1);
}

int ipc__coll_send(const void *buf, size_t bytes, int dest, int tag, ipc_comm comm)
{
    struct ipc__req *r;
    int rc = ipc__coll_isend(buf, bytes, dest, tag, comm, &r);
    return rc != IPC_SUCCESS ? rc : ipc__coll_waitall(&r, 1);
}

int ipc__coll_recv(void *buf, size_t bytes, int src, int tag, ipc_comm comm)
{
    struct ipc__req *r;
    int rc = ipc__coll_irecv(buf, bytes, src, tag, comm, &r);
    return rc != IPC_SUCCESS ? rc : ipc__coll_waitall(&r, 1);
}

static int sendrecv_mode(const void *sbuf, size_t sbytes, int dest, void *rbuf,
                         size_t rbytes, int src, int tag, ipc_comm comm, unsigned mode)
{
    struct ipc__req *r[2] = {NULL, NULL};
    int rc = IPC_SUCCESS;
    /* The receive goes first: a long send waits for it on the other side. */
    if (rbytes && src != IPC_PROC_NULL)
        rc = ipc__coll_irecv(rbuf, rbytes, src, tag, comm, &r[0]);
    if (rc == IPC_SUCCESS && sbytes && dest != IPC_PROC_NULL)
        rc = isend_mode(sbuf, sbytes, dest, tag, comm, mode, &r[1]);
    int wrc = ipc__coll_waitall(r, 2);
    return rc != IPC_SUCCESS ? rc : wrc;
}

int ipc__coll_sendrecv(const void *sbuf, size_t sbytes, int dest, void *rbuf, size_t rbytes,
                       int src, int tag, ipc_comm comm)
{
    return sendrecv_mode(sbuf, sbytes, dest, rbuf, rbytes, src, tag, comm, 0);
}

int ipc__coll_sendrecv_busy(const void *sbuf, size_t sbytes, int dest, void *rbuf,
                            size_t rbytes, int src, int tag, ipc_comm comm)
{
    return sendrecv_mode(sbuf, sbytes, dest, rbuf, rbytes, src, tag, comm, IPC__SEND_ALONE);
}

/*
 * Heap scratch buffers are kept for the next collective instead of freed: a
 * fresh buffer is fresh pages, and a peer that copies a long message straight
 * out of (or into) this rank's memory has to fault every one of them in,
 * which made a 1 MiB scan 30 times slower than the transfer itself.
 */
enum { KEPT_BUFFERS = 4, KEPT_MAX = 64 << 20 };
static struct kept {
    void *p;
    size_t cap;
} kept[KEPT_BUFFERS];

/* The smallest kept buffer of at least `bytes`, taken out of the cache. */
static void *kept_take(size_t bytes, size_t *cap)
{
    struct kept *best = NULL;
    for (int i = 0; i < KEPT_BUFFERS; i++)
        if (kept[i].p && kept[i].cap >= bytes && (!best || kept[i].cap < best->cap))
            best = &kept[i];
    if (!best)
        return NULL;
    void *p = best->p;
    *cap = best->cap;
    *best = (struct kept){NULL, 0};
    return p;
}

/* Keeps p in place of the smallest kept buffer (an empty slot counts as
 * size 0) if p is larger; frees what is not kept. */
static void kept_give(void *p, size_t cap)
{
    struct kept *slot = &kept[0];
    for (int i = 1; i < KEPT_BUFFERS; i++)
        if (kept[i].cap < slot->cap)
            slot = &kept[i];
    if (cap > KEPT_MAX || slot->cap >= cap) {
        free(p);
        return;
    }
    free(slot->p);
    *slot = (struct kept){p, cap};
}

void *ipc__scratch_get(struct ipc__scratch *s, size_t bytes)
{
    s->heap = NULL;
    if (bytes <= sizeof s->small)
        return s->small;
    s->heap = kept_take(bytes, &s->cap);
    if (!s->heap && (s->heap = malloc(bytes)))
        s->cap = bytes;
    return s->heap;
}

void ipc__scratch_put(struct ipc__scratch *s)
{
    if (s->heap)
        kept_give(s->heap, s->cap);
    s->heap = NULL;
}

int ipc__coll_bytes(const void *buf, size_t count, ipc_datatype type, size_t *bytes)
{
    if (!type)
        return IPC_ERR_TYPE;
    if (type->size && count > SIZE_MAX / 2 / type->size)
        return IPC_ERR_COUNT;
    *bytes = count * type->size;
    if (*bytes && (!buf || buf == IPC_IN_PLACE))
        return IPC_ERR_BUFFER;
    return IPC_SUCCESS;
}

int ipc__coll_bytes_n(const void *buf, size_t count, ipc_datatype type, int n,
                      size_t *block_bytes)
{
    int rc = ipc__coll_bytes(buf, count, type, block_bytes);
    if (rc != IPC_SUCCESS)
        return rc;
    return *block_bytes > SIZE_MAX / 2 / (size_t)n ? IPC_ERR_COUNT : IPC_SUCCESS;
}

int ipc__coll_check_all(const void *sbuf, size_t scount, ipc_datatype stype, int sblocks,
                        void *rbuf, size_t rcount, ipc_datatype rtype, ipc_comm comm,
                        size_t *block)
{
    size_t sblock;
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS ||
        (rc = ipc__coll_bytes_n(rbuf, rcount, rtype, comm->size, block)) != IPC_SUCCESS ||
        sbuf == IPC_IN_PLACE)
        return rc;
    if ((rc = ipc__coll_bytes_n(sbuf, scount, stype, sblocks, &sblock)) != IPC_SUCCESS)
        return rc;
    return sblock == *block ? IPC_SUCCESS : IPC_ERR_COUNT;
}

int ipc__coll_check_v(const void *buf, const size_t counts[], const size_t displs[],
                   ipc_datatype type, int n)
{
    if (!counts || !displs)
        return IPC_ERR_ARG;
    if (!type)
        return IPC_ERR_TYPE;
    size_t limit = type->size ? SIZE_MAX / 2 / type->size : SIZE_MAX;
    bool any = false;
    for (int i = 0; i < n; i++) {
        if (counts[i] > limit || displs[i] > limit - counts[i])
            return IPC_ERR_COUNT;
        any |= counts[i] && type->size;
    }
    return any && (!buf || buf == IPC_IN_PLACE) ? IPC_ERR_BUFFER : IPC_SUCCESS;
}

int ipc__coll_check_root(ipc_comm comm, int root)
{
    return root >= 0 && root < comm->size ? IPC_SUCCESS : IPC_ERR_RANK;
}

void ipc__coll_copy(void *dst, const void *src, size_t bytes)
{
    if (bytes && dst != src)
        memcpy(dst, src, bytes);
}

size_t ipc__coll_block(size_t count, int n, int i, size_t *first)
{
    size_t base = count / (size_t)n, extra = count % (size_t)n, k = (size_t)i;
    *first = k * base + (k < extra ? k : extra);
    return base + (k < extra);
}

bool ipc__coll_direct(ipc_comm comm)
{
    struct ipc__node_area *a = ipc__g.node;
    if (comm != IPC_COMM_WORLD || !a)
        return false;
    if (!a->direct) {
        int ok = 1;
        for (int p = 0; p < ipc__g.job.size && ok; p++)
            ok = p == ipc__g.job.rank || ipc__direct_access(&ipc__g.links[p]);
        ipc__node_allreduce(a, &ok, 1, IPC_INT, IPC_MIN);
        a->direct = ok ? 1 : -1;
    }
    return a->direct > 0;
}

int ipc__coll_get(int rank, void *dst, uint64_t addr, size_t len)
{
    struct ipc__link *l = &ipc__g.links[rank];
    return l->ops->get(l, dst, addr, len);
}
