/* nodemsg.c - framing of the ipcrun <-> node daemon stream (see nodemsg.h). */
#include "nodemsg.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

#define READ_CHUNK (64 * 1024)

void ipcrun__nodelink_init(struct ipcrun__nodelink *l, int rfd, int wfd)
{
    *l = (struct ipcrun__nodelink){.rfd = rfd, .wfd = wfd};
}

void ipcrun__nodelink_fini(struct ipcrun__nodelink *l)
{
    free(l->rx.data);
    free(l->tx.data);
    if (l->rfd >= 0)
        close(l->rfd);
    if (l->wfd >= 0 && l->wfd != l->rfd)
        close(l->wfd);
    *l = (struct ipcrun__nodelink){.rfd = -1, .wfd = -1};
}

/* Makes room for `more` bytes after the pending ones. */
static int reserve(struct ipcrun__nodebuf *b, size_t more)
{
    if (b->off == b->len)
        b->off = b->len = 0;
    if (b->len + more <= b->cap)
        return 0;
    if (b->off > 0) { /* slide the pending bytes to the front */
        memmove(b->data, b->data + b->off, b->len - b->off);
        b->len -= b->off;
        b->off = 0;
        if (b->len + more <= b->cap)
            return 0;
    }
    size_t cap = b->cap ? b->cap : 4096;
    while (cap < b->len + more)
        cap *= 2;
    char *d = realloc(b->data, cap);
    if (!d)
        return -ENOMEM;
    b->data = d;
    b->cap = cap;
    return 0;
}

int ipcrun__nodelink_queue(struct ipcrun__nodelink *l, uint32_t type, int32_t rank,
                           const void *a, size_t alen, const void *b, size_t blen)
{
    struct ipcrun__node_hdr h = {
        .type = type, .rank = rank, .len = (uint32_t)(alen + blen)};
    if (reserve(&l->tx, sizeof h + alen + blen) != 0)
        return -ENOMEM;
    char *p = l->tx.data + l->tx.len;
    memcpy(p, &h, sizeof h);
    if (alen)
        memcpy(p + sizeof h, a, alen);
    if (blen)
        memcpy(p + sizeof h + alen, b, blen);
    l->tx.len += sizeof h + alen + blen;
    return 0;
}

int ipcrun__nodelink_flush(struct ipcrun__nodelink *l)
{
    while (ipcrun__nodelink_pending(l)) {
        ssize_t n = write(l->wfd, l->tx.data + l->tx.off, l->tx.len - l->tx.off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return errno == EAGAIN ? 0 : -errno;
        l->tx.off += (size_t)n;
    }
    return 0;
}

int ipcrun__nodelink_flush_all(struct ipcrun__nodelink *l)
{
    for (;;) {
        int rc = ipcrun__nodelink_flush(l);
        if (rc < 0 || !ipcrun__nodelink_pending(l))
            return rc;
        struct pollfd pfd = {.fd = l->wfd, .events = POLLOUT};
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
            return -errno;
    }
}

ssize_t ipcrun__nodelink_read(struct ipcrun__nodelink *l)
{
    if (reserve(&l->rx, READ_CHUNK) != 0)
        return -ENOMEM;
    for (;;) {
        ssize_t n = read(l->rfd, l->rx.data + l->rx.len, l->rx.cap - l->rx.len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        l->rx.len += (size_t)n;
        return n;
    }
}

int ipcrun__nodelink_next(struct ipcrun__nodelink *l, struct ipcrun__node_hdr *h,
                          const char **payload)
{
    size_t have = l->rx.len - l->rx.off;
    if (have < sizeof *h)
        return 0;
    memcpy(h, l->rx.data + l->rx.off, sizeof *h);
    if (h->len > IPCRUN__NODE_MAX_PAYLOAD)
        return -EPROTO;
    if (have < sizeof *h + h->len)
        return 0;
    *payload = l->rx.data + l->rx.off + sizeof *h;
    l->rx.off += sizeof *h + h->len;
    return 1;
}
