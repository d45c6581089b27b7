/*
 * progress.c - the progress engine: per-peer send queues of frames, the
 * receive state machine that turns each peer's byte stream back into frames,
 * and waiting (spin briefly, then sleep in poll()).
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

#define RXBUF_SIZE (64 * 1024)
/* Payload bytes still to come above which a body is read straight into its
 * destination instead of through the staging buffer. */
#define RX_DIRECT_MIN (16 * 1024)
#define WRITEV_MAX 64

static struct pollfd *pfds;
static int *pfd_peer;

int ipc__progress_init(void)
{
    int n = ipc__g.job.size;
    ipc__g.peers = calloc((size_t)n, sizeof *ipc__g.peers);
    pfds = calloc(2 * (size_t)n, sizeof *pfds);
    pfd_peer = calloc(2 * (size_t)n, sizeof *pfd_peer);
    if (!ipc__g.peers || !pfds || !pfd_peer)
        return IPC_ERR_NOMEM;
    for (int p = 0; p < n; p++) {
        struct ipc__peer *pe = &ipc__g.peers[p];
        ipc__list_init(&pe->sendq);
        pe->rx_state = IPC__RX_HDR;
        if (ipc__g.links[p].ops && !(pe->rxbuf = malloc(RXBUF_SIZE)))
            return IPC_ERR_NOMEM;
    }
    return IPC_SUCCESS;
}

static void frame_free(struct ipc__frame *f)
{
    free(f->owned);
    free(f);
}

void ipc__progress_fini(void)
{
    for (int p = 0; ipc__g.peers && p < ipc__g.job.size; p++) {
        struct ipc__peer *pe = &ipc__g.peers[p];
        while (!ipc__list_empty(&pe->sendq)) {
            struct ipc__frame *f = ipc__container_of(pe->sendq.next, struct ipc__frame, link);
            ipc__list_remove(&f->link);
            frame_free(f);
        }
        free(pe->rxbuf);
    }
    free(ipc__g.peers);
    free(pfds);
    free(pfd_peer);
    ipc__g.peers = NULL;
    pfds = NULL;
    pfd_peer = NULL;
}

/* ---- sending ---- */

static void frame_done(struct ipc__frame *f)
{
    if (f->req)
        ipc__req_complete(f->req, IPC_SUCCESS);
    frame_free(f);
    ipc__g.pending_sends--;
}

/* Writes as much of the peer's queue as the link takes now. Returns the
 * number of bytes written, or -1 when the peer is gone. */
static ssize_t flush_peer(int p)
{
    struct ipc__peer *pe = &ipc__g.peers[p];
    struct ipc__link *l = &ipc__g.links[p];
    ssize_t total = 0;

    while (!ipc__list_empty(&pe->sendq) && !pe->lost) {
        struct iovec iov[WRITEV_MAX];
        int n = 0;
        struct ipc__list *pos;
        ipc__list_for_each(pos, &pe->sendq)
        {
            struct ipc__frame *f = ipc__container_of(pos, struct ipc__frame, link);
            size_t hl = sizeof f->hdr;
            if (f->done < hl)
                iov[n++] = (struct iovec){(char *)&f->hdr + f->done, hl - f->done};
            if (f->payload_len && n < WRITEV_MAX) {
                size_t off = f->done > hl ? f->done - hl : 0;
                iov[n++] = (struct iovec){(char *)f->payload + off, f->payload_len - off};
            }
            if (n >= WRITEV_MAX - 1)
                break;
        }
        ssize_t w = l->ops->writev(l, iov, n);
        if (w < 0) {
            ipc__peer_lost(p, strerror((int)-w));
            return -1;
        }
        if (w == 0)
            break;
        total += w;
        while (w > 0) {
            struct ipc__frame *f = ipc__container_of(pe->sendq.next, struct ipc__frame, link);
            size_t left = sizeof f->hdr + f->payload_len - f->done;
            size_t take = (size_t)w < left ? (size_t)w : left;
            f->done += take;
            w -= (ssize_t)take;
            if (take == left) {
                ipc__list_remove(&f->link);
                frame_done(f);
            }
        }
    }
    return total;
}

/* Queues a frame to peer p and writes what the link takes at once. When
 * `copy_rest` is set and the payload is not all written, the rest is copied
 * so the caller's buffer is free again and f->req completes now (eager). */
void ipc__send_frame(int p, struct ipc__frame *f, bool copy_rest)
{
    struct ipc__peer *pe = &ipc__g.peers[p];
    ipc__list_push_back(&pe->sendq, &f->link);
    ipc__g.pending_sends++;
    if (pe->sendq.next == &f->link)
        flush_peer(p);
    /* flush_peer only removes frames, so if the queue is not empty f, pushed
     * last, is still in it; if it is empty, f was written and freed. */
    if (!copy_rest || ipc__list_empty(&pe->sendq))
        return;
    size_t hl = sizeof f->hdr;
    if (f->payload_len) {
        size_t off = f->done > hl ? f->done - hl : 0;
        char *copy = malloc(f->payload_len);
        if (!copy) {
            /* Keep pointing at the caller's buffer: the send completes when
             * written instead of now, which is still correct. */
            return;
        }
        memcpy(copy + off, f->payload + off, f->payload_len - off);
        f->owned = copy;
        f->payload = copy;
    }
    if (f->req) {
        ipc__req_complete(f->req, IPC_SUCCESS);
        f->req = NULL;
    }
}

struct ipc__frame *ipc__frame_new(struct ipc__frame_hdr hdr, const void *payload,
                                  size_t len, struct ipc__request *req)
{
    struct ipc__frame *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    ipc__list_init(&f->link);
    f->hdr = hdr;
    f->payload = payload;
    f->payload_len = len;
    f->req = req;
    return f;
}

int ipc__flush_sends(void)
{
    while (ipc__g.pending_sends) {
        int rc = ipc__progress(true);
        if (rc != IPC_SUCCESS)
            return rc;
    }
    return IPC_SUCCESS;
}

void ipc__send_bye(void)
{
    for (int p = 0; p < ipc__g.job.size; p++) {
        if (!ipc__g.links[p].ops || ipc__g.peers[p].lost)
            continue;
        struct ipc__frame *f =
            ipc__frame_new(ipc__frame_make(IPC__FRAME_BYE, 0, 0, 0, 0, 0, 0), NULL, 0, NULL);
        if (f)
            ipc__send_frame(p, f, false);
    }
}

/* ---- receiving ---- */

static void body_done(struct ipc__peer *pe)
{
    struct ipc__request *req = pe->body_req;
    struct ipc__umsg *u = pe->body_umsg;
    pe->rx_state = IPC__RX_HDR;
    pe->body_req = NULL;
    pe->body_umsg = NULL;
    if (req)
        ipc__req_complete(req, req->error);
    if (u) {
        u->arrived = true;
        if (u->waiter)
            ipc__umsg_deliver(u->waiter, u);
    }
}

static void on_cts(int p, const struct ipc__frame_hdr *h)
{
    struct ipc__request *sreq = (struct ipc__request *)(uintptr_t)h->sreq;
    size_t len = h->len < sreq->slen ? h->len : sreq->slen;
    struct ipc__frame *f = ipc__frame_new(
        ipc__frame_make(IPC__FRAME_DATA, 0, 0, 0, len, 0, h->rreq), sreq->sbuf, len, sreq);
    if (!f) {
        ipc__req_complete(sreq, IPC_ERR_NOMEM);
        return;
    }
    ipc__send_frame(p, f, false);
}

static void handle_header(int p, const struct ipc__frame_hdr *h)
{
    struct ipc__peer *pe = &ipc__g.peers[p];
    if (ipc__frame_check(h) != 0) {
        ipc__peer_lost(p, "malformed frame (protocol error)");
        return;
    }
    switch (h->type) {
    case IPC__FRAME_EAGER:
    case IPC__FRAME_RTS:
        ipc__on_incoming(p, h);
        break;
    case IPC__FRAME_CTS:
        on_cts(p, h);
        break;
    case IPC__FRAME_DATA: {
        struct ipc__request *r = (struct ipc__request *)(uintptr_t)h->rreq;
        pe->body_req = r;
        pe->body_dst = r->rbuf;
        pe->body_left = h->len;
        pe->discard_left = 0;
        break;
    }
    case IPC__FRAME_BYE:
        pe->bye = true;
        break;
    }
    if (h->type == IPC__FRAME_EAGER || h->type == IPC__FRAME_DATA) {
        if (pe->body_left + pe->discard_left == 0)
            body_done(pe);
        else
            pe->rx_state = IPC__RX_BODY;
    }
}

/* Takes payload bytes from the staging buffer. */
static void consume_body(struct ipc__peer *pe)
{
    size_t avail = pe->rx_end - pe->rx_start;
    size_t n = avail < pe->body_left ? avail : pe->body_left;
    if (n) {
        memcpy(pe->body_dst, pe->rxbuf + pe->rx_start, n);
        pe->body_dst += n;
        pe->body_left -= n;
        pe->rx_start += n;
        avail -= n;
    }
    n = avail < pe->discard_left ? avail : pe->discard_left;
    pe->discard_left -= n;
    pe->rx_start += n;
    if (pe->body_left + pe->discard_left == 0)
        body_done(pe);
}

/* Reads and handles everything peer p has sent so far. Returns bytes read. */
static ssize_t rx_peer(int p)
{
    struct ipc__peer *pe = &ipc__g.peers[p];
    struct ipc__link *l = &ipc__g.links[p];
    ssize_t total = 0;

    while (!pe->lost && !pe->eof) {
        size_t avail = pe->rx_end - pe->rx_start;
        if (pe->rx_state == IPC__RX_HDR && avail >= sizeof(struct ipc__frame_hdr)) {
            struct ipc__frame_hdr h;
            memcpy(&h, pe->rxbuf + pe->rx_start, sizeof h);
            pe->rx_start += sizeof h;
            handle_header(p, &h);
            continue;
        }
        if (pe->rx_state == IPC__RX_BODY && avail) {
            consume_body(pe);
            continue;
        }
        ssize_t n;
        if (pe->rx_state == IPC__RX_BODY && pe->body_left >= RX_DIRECT_MIN) {
            n = l->ops->read(l, pe->body_dst, pe->body_left);
            if (n > 0) {
                pe->body_dst += n;
                pe->body_left -= (size_t)n;
                if (pe->body_left + pe->discard_left == 0)
                    body_done(pe);
            }
        } else {
            if (pe->rx_start == pe->rx_end)
                pe->rx_start = pe->rx_end = 0;
            else if (pe->rx_start > 0) {
                memmove(pe->rxbuf, pe->rxbuf + pe->rx_start, avail);
                pe->rx_start = 0;
                pe->rx_end = avail;
            }
            n = l->ops->read(l, pe->rxbuf + pe->rx_end, RXBUF_SIZE - pe->rx_end);
            if (n > 0)
                pe->rx_end += (size_t)n;
        }
        if (n == 0)
            break;
        if (n < 0) {
            if (pe->bye && n == -EPIPE) {
                pe->eof = true; /* the link stays open: we may still say BYE */
                break;
            }
            ipc__peer_lost(p, n == -EPIPE ? "connection closed" : strerror((int)-n));
            break;
        }
        total += n;
    }
    return total;
}

/* ---- the engine ---- */

int ipc__progress(bool block)
{
    int n = 0, size = ipc__g.job.size;
    for (int p = 0; p < size; p++) {
        struct ipc__link *l = &ipc__g.links[p];
        struct ipc__peer *pe = &ipc__g.peers[p];
        if (!l->ops || pe->lost)
            continue;
        bool want_in = !pe->eof, want_out = !ipc__list_empty(&pe->sendq);
        if (want_in) {
            pfds[n] = (struct pollfd){.fd = l->rfd, .events = POLLIN};
            pfd_peer[n++] = p;
        }
        if (want_out && want_in && l->wfd == l->rfd) {
            pfds[n - 1].events |= POLLOUT;
        } else if (want_out) {
            pfds[n] = (struct pollfd){.fd = l->wfd, .events = POLLOUT};
            pfd_peer[n++] = p;
        }
    }
    if (n == 0)
        return IPC_SUCCESS;
    int ready = poll(pfds, (nfds_t)n, block ? -1 : 0);
    if (ready < 0)
        return errno == EINTR ? IPC_SUCCESS : IPC_ERR_TRANSPORT;
    for (int i = 0; i < n && ready > 0; i++) {
        short re = pfds[i].revents;
        if (!re)
            continue;
        ready--;
        int p = pfd_peer[i];
        if (re & POLLOUT)
            flush_peer(p);
        if (re & (POLLIN | POLLHUP | POLLERR)) {
            if (pfds[i].events & POLLIN)
                rx_peer(p);
            else
                flush_peer(p); /* error on a write-only fd: let writev report it */
        }
    }
    return IPC_SUCCESS;
}

int ipc__wait_one(struct ipc__request *req)
{
    int spins = ipc__g.job.tun.spin_count;
    while (!req->complete) {
        if (ipc__req_check_lost(req))
            break;
        int rc = ipc__progress(spins <= 0);
        if (rc != IPC_SUCCESS)
            return rc;
        spins--;
    }
    return IPC_SUCCESS;
}

void ipc__fail_peer_traffic(int p, int error)
{
    struct ipc__peer *pe = &ipc__g.peers[p];
    while (!ipc__list_empty(&pe->sendq)) {
        struct ipc__frame *f = ipc__container_of(pe->sendq.next, struct ipc__frame, link);
        ipc__list_remove(&f->link);
        if (f->req)
            ipc__req_complete(f->req, error);
        frame_free(f);
        ipc__g.pending_sends--;
    }
    if (pe->body_req)
        ipc__req_complete(pe->body_req, error);
    pe->body_req = NULL;
    pe->rx_state = IPC__RX_HDR;
}

/* A request that can no longer complete because its peer is gone. */
static bool req_orphaned(const struct ipc__request *req)
{
    if (req->peer >= 0)
        return req->peer != ipc__g.job.rank && ipc__g.peers[req->peer].lost;
    for (int p = 0; p < ipc__g.job.size; p++)
        if (p != ipc__g.job.rank && !ipc__g.peers[p].lost)
            return false;
    return ipc__g.job.size > 1;
}

bool ipc__req_check_lost(struct ipc__request *req)
{
    if (req->complete || !ipc__g.any_lost || !req_orphaned(req))
        return false;
    if (req->kind == IPC__REQ_RECV && req->mn.link.next != &req->mn.link)
        ipc__mq_remove(&ipc__g.posted, &req->mn);
    ipc__req_complete(req, IPC_ERR_PEER);
    return true;
}
