/*
 * progress.c - the progress engine: per-peer send queues of frames, the
 * receive state machine that turns each peer's byte stream back into frames,
 * and waiting (spin briefly, then sleep in poll()).
 *
 * It calls back up (docs/architecture.md, Layers): each header goes to its
 * frame kind's handler (proto.c, p2p.c), which may send frames through this
 * file again, and every pass advances the schedules (sched.c), whose steps
 * post requests. Those are the loops between the runtime's modules.
 */
#include <errno.h>
#include <poll.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "rma/rma.h"

#define RXBUF_SIZE (64 * 1024)
/* Payload bytes still to come above which a body is read straight into its
 * destination instead of through the staging buffer. */
#define RX_DIRECT_MIN (16 * 1024)
#define WRITEV_MAX 64

static struct pollfd *pfds;
static int *pfd_peer;

/* Links whose bytes sit in memory (shm) are looked at directly; links with
 * descriptors are asked through poll(). Built once, at init. */
static int *mem_peers, n_mem_peers, n_fd_peers;
static struct ipc__transport *mem; /* the memory transport, if any */
/* With both kinds: the memory transport's doorbell as a descriptor, polled
 * with the links; -1 if it has none. */
static int doorbell_fd = -1;
/* Transports with work of their own (connections to accept and open:
 * service_fd), polled with the links of a rank that has descriptor links. */
#define SERVICE_MAX 2
static struct ipc__transport *service[SERVICE_MAX];
static int n_service;

static void classify_links(void)
{
    n_mem_peers = n_fd_peers = 0;
    for (int p = 0; p < ipc__g.job.size; p++) {
        const struct ipc__transport_ops *ops = ipc__g.links[p].ops;
        if (!ops)
            continue;
        if (ops->kind == IPC__LINK_MEMORY) {
            mem_peers[n_mem_peers++] = p;
            mem = ipc__job_transport(&ipc__g.job, ops);
        } else {
            n_fd_peers++;
        }
    }
    doorbell_fd =
        n_mem_peers && n_fd_peers && mem->ops->doorbell_fd ? mem->ops->doorbell_fd(mem) : -1;
    n_service = 0;
    for (int i = 0; n_fd_peers && i < ipc__g.job.nconnected && n_service < SERVICE_MAX; i++) {
        struct ipc__transport *t = &ipc__g.job.transports[i];
        if (t->ops->service_fd && t->ops->service_fd(t) >= 0)
            service[n_service++] = t;
    }
}


int ipc__progress_init(void)
{
    int n = ipc__g.job.size;
    ipc__g.peers = calloc((size_t)n, sizeof *ipc__g.peers);
    pfds = calloc(2 * (size_t)n + 1 + SERVICE_MAX, sizeof *pfds);
    pfd_peer = calloc(2 * (size_t)n + 1 + SERVICE_MAX, sizeof *pfd_peer);
    mem_peers = calloc((size_t)n, sizeof *mem_peers);
    if (!ipc__g.peers || !pfds || !pfd_peer || !mem_peers)
        return IPC_ERR_NOMEM;
    classify_links();
    for (int p = 0; p < n; p++) {
        struct ipc__peer *pe = &ipc__g.peers[p];
        ipc__list_init(&pe->sendq);
        ipc__list_init(&pe->puts);
        pe->rx_state = IPC__RX_HDR;
        const struct ipc__transport_ops *ops = ipc__g.links[p].ops;
        if (ops && ops->kind == IPC__LINK_STREAM && !(pe->rxbuf = malloc(RXBUF_SIZE)))
            return IPC_ERR_NOMEM;
    }
    return IPC_SUCCESS;
}

/* Eager payloads copied into a peer's send queue, at most: past it an eager
 * send keeps the caller's buffer and completes when written, so a sender
 * that outruns its receiver waits in ipc_wait/ipc_send instead of filling
 * memory with copies. Copies come from copies.c, whose blocks hold any copy
 * this limit allows. */
#define COPIED_MAX (256 * 1024)
_Static_assert(COPIED_MAX <= IPC__COPY_BLOCK_MAX, "a limited copy fits a kept block");
/* Largest eager payload ipc__send_batched holds back: above it one write per
 * message costs little next to the copy. */
#define BATCH_MSG_MAX (16 * 1024)

static void frame_free(struct ipc__frame *f)
{
    if (f->owned && !f->lay) {
        ipc__g.peers[f->peer].copied_bytes -= f->payload_len;
        ipc__copy_put(f->owned, f->payload_len);
    } else {
        free(f->owned);
    }
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
    ipc__copies_fini();
    free(ipc__g.peers);
    free(pfds);
    free(pfd_peer);
    free(mem_peers);
    mem_peers = NULL;
    n_mem_peers = n_fd_peers = 0;
    mem = NULL;
    doorbell_fd = -1;
    n_service = 0;
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

/* Packed bytes of a layout frame's payload written through a descriptor
 * link at most at once: they are packed into a piece of this size first. */
#define LAYOUT_PIECE (64 * 1024)
static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}


/* Writes what it can of the payload of f, a layout frame whose header is
 * written: packed straight into the link's room where it lends some, else
 * through a piece packed into f->owned. Returns bytes written, 0 when the
 * link is full, or a negative errno. */
static ssize_t write_layout(struct ipc__link *l, struct ipc__frame *f)
{
    size_t off = f->done - sizeof f->hdr, total = 0;
    if (l->ops->reserve) {
        size_t packet = f->lay->packet ? f->lay->packet : f->payload_len;
        void *room;
        ssize_t n = 0;
        while (off < f->payload_len &&
               (n = l->ops->reserve(l, min_size(f->payload_len - off, packet), &room)) > 0) {
            f->lay->pack(f->lay, off, room, (size_t)n);
            l->ops->commit(l, (size_t)n);
            off += (size_t)n;
            total += (size_t)n;
        }
        return n < 0 && total == 0 ? n : (ssize_t)total;
    }
    if (off >= f->owned_off + f->owned_len) {
        size_t n = min_size(f->payload_len - off, LAYOUT_PIECE);
        if (!f->owned && !(f->owned = malloc(n)))
            return -ENOMEM;
        f->lay->pack(f->lay, off, f->owned, n);
        f->owned_off = off;
        f->owned_len = n;
    }
    size_t held = f->owned_off + f->owned_len - off;
    struct iovec iov = {f->owned + (off - f->owned_off), held};
    return l->ops->writev(l, &iov, 1);
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
        struct ipc__frame *first = ipc__container_of(pe->sendq.next, struct ipc__frame, link);
        ssize_t w;
        if (first->lay && first->done >= sizeof first->hdr) {
            w = write_layout(l, first);
        } else {
            ipc__list_for_each(pos, &pe->sendq)
            {
                struct ipc__frame *f = ipc__container_of(pos, struct ipc__frame, link);
                size_t hl = sizeof f->hdr;
                if (f->done < hl)
                    iov[n++] = (struct iovec){(char *)&f->hdr + f->done, hl - f->done};
                if (f->lay) /* its payload is packed by write_layout, next round */
                    break;
                if (f->payload_len && n < WRITEV_MAX) {
                    size_t off = f->done > hl ? f->done - hl : 0;
                    iov[n++] = (struct iovec){(char *)f->payload + off, f->payload_len - off};
                }
                if (n >= WRITEV_MAX - 1)
                    break;
            }
            w = l->ops->writev(l, iov, n);
        }
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

static struct ipc__frame *frame_new(const struct ipc__frame_hdr *hdr, const void *payload,
                                    size_t len, struct ipc__req *req)
{
    struct ipc__frame *f = calloc(1, sizeof *f);
    if (!f)
        return NULL;
    ipc__list_init(&f->link);
    f->hdr = *hdr;
    f->payload = payload;
    f->payload_len = len;
    f->req = req;
    return f;
}

int ipc__send(int p, const struct ipc__frame_hdr *hdr, const void *payload, size_t len,
              struct ipc__req *req, bool copy_rest)
{
    struct ipc__peer *pe = &ipc__g.peers[p];
    struct ipc__link *l = &ipc__g.links[p];
    size_t total = sizeof *hdr + len, done = 0;

    if (pe->lost)
        return IPC_ERR_PEER;
    /* Whatever waits in the queue goes first; it may fit now. */
    if (!ipc__list_empty(&pe->sendq) && flush_peer(p) < 0)
        return IPC_ERR_PEER;
    if (ipc__list_empty(&pe->sendq)) {
        /* The common case: nothing queued, the link takes it all now, and no
         * frame is ever allocated. */
        struct iovec iov[2] = {{(void *)hdr, sizeof *hdr}, {(void *)payload, len}};
        ssize_t w = l->ops->writev(l, iov, len ? 2 : 1);
        if (w < 0) {
            ipc__peer_lost(p, strerror((int)-w));
            return IPC_ERR_PEER;
        }
        done = (size_t)w;
        if (done == total) {
            if (req)
                ipc__req_complete(req, IPC_SUCCESS);
            if (copy_rest && len <= BATCH_MSG_MAX)
                pe->burst_epoch = ipc__g.progress_epoch;
            return IPC_SUCCESS;
        }
    }
    char *copy = NULL;
    if (copy_rest && req && pe->copied_bytes + len > COPIED_MAX)
        copy_rest = false; /* the caller waits for the queue instead */
    if (copy_rest && len && !(copy = ipc__copy_get(len)))
        copy_rest = false; /* complete when written instead: still correct */
    struct ipc__frame *f = frame_new(hdr, payload, len, copy_rest ? NULL : req);
    if (!f) {
        if (copy)
            ipc__copy_put(copy, len);
        return IPC_ERR_NOMEM;
    }
    f->done = done;
    f->peer = p;
    if (copy) {
        /* Eager: keep the unwritten rest so the caller's buffer is free now. */
        size_t off = done > sizeof *hdr ? done - sizeof *hdr : 0;
        memcpy(copy + off, (const char *)payload + off, len - off);
        f->owned = copy;
        f->payload = copy;
        pe->copied_bytes += len;
    }
    ipc__list_push_back(&pe->sendq, &f->link);
    ipc__g.pending_sends++;
    if (copy_rest && req)
        ipc__req_complete(req, IPC_SUCCESS);
    return IPC_SUCCESS;
}

int ipc__send_layout(int p, const struct ipc__frame_hdr *hdr, struct ipc__layout *lay,
                     size_t len, struct ipc__req *req)
{
    if (ipc__g.peers[p].lost)
        return IPC_ERR_PEER;
    struct ipc__frame *f = frame_new(hdr, NULL, len, req);
    if (!f)
        return IPC_ERR_NOMEM;
    f->lay = lay;
    f->peer = p;
    ipc__list_push_back(&ipc__g.peers[p].sendq, &f->link);
    ipc__g.pending_sends++;
    return flush_peer(p) < 0 ? IPC_ERR_PEER : IPC_SUCCESS;
}

bool ipc__send_batched(int p, const struct ipc__frame_hdr *hdr, const void *payload,
                       size_t len)
{
    struct ipc__peer *pe = &ipc__g.peers[p];
    const struct ipc__transport_ops *ops = ipc__g.links[p].ops;
    if (pe->burst_epoch != ipc__g.progress_epoch || !ops || ops->kind == IPC__LINK_MEMORY ||
        pe->lost || len > BATCH_MSG_MAX || pe->copied_bytes + len > COPIED_MAX)
        return false;
    char *copy = len ? ipc__copy_get(len) : NULL;
    struct ipc__frame *f = (copy || !len) ? frame_new(hdr, copy, len, NULL) : NULL;
    if (!f) {
        if (copy)
            ipc__copy_put(copy, len);
        return false; /* the ordinary path will say what is wrong */
    }
    memcpy(copy, payload, len);
    f->owned = copy;
    f->peer = p;
    pe->copied_bytes += len;
    ipc__list_push_back(&pe->sendq, &f->link);
    ipc__g.pending_sends++;
    return true;
}

static bool sends_flushed(void *arg)
{
    (void)arg;
    return !ipc__g.pending_sends;
}

int ipc__flush_sends(void)
{
    ipc__wait_until(sends_flushed, NULL, NULL);
    return IPC_SUCCESS;
}

void ipc__send_bye(void)
{
    for (int p = 0; p < ipc__g.job.size; p++) {
        /* A memory link has no end of stream for BYE to explain, and writing
         * one would touch a ring page that may never have been used (at 32
         * ranks, a thousand page faults on the way out); nor has a stream
         * that was never opened and never will be (no frame waits for it:
         * the last barrier's may, and then BYE goes after them). */
        const struct ipc__transport_ops *ops = ipc__g.links[p].ops;
        struct ipc__peer *pe = &ipc__g.peers[p];
        if (!ops || ops->kind == IPC__LINK_MEMORY || pe->lost ||
            (ipc__g.links[p].wfd < 0 && ipc__list_empty(&pe->sendq)))
            continue;
        struct ipc__frame_hdr bye = ipc__frame_make(IPC__FRAME_BYE, 0, 0, 0, 0, 0, 0);
        ipc__send(p, &bye, NULL, 0, NULL, false);
    }
}

/* ---- receiving ---- */

static void body_done(struct ipc__peer *pe)
{
    struct ipc__req *req = pe->body_req;
    struct ipc__umsg *u = pe->body_umsg;
    pe->rx_state = IPC__RX_HDR;
    pe->body_req = NULL;
    pe->body_umsg = NULL;
    pe->body_lay = NULL;
    if (req)
        ipc__req_complete(req, req->error);
    if (u) {
        u->arrived = true;
        if (u->waiter)
            ipc__umsg_deliver(u->waiter, u);
    }
}

static void handle_header(int p, const struct ipc__frame_hdr *h)
{
    struct ipc__peer *pe = &ipc__g.peers[p];
    const struct ipc__frame_kind *k = ipc__frame_kind_of(h);
    if (!k) {
        ipc__peer_lost(p, "malformed frame (protocol error)");
        return;
    }
    k->handle(p, h);
    if (pe->lost)
        return; /* the handler cut the peer off: nothing more of it is read */
    if (k->payload) { /* the handler said where it goes (ipc__rx_body) */
        if (pe->body_left + pe->discard_left == 0)
            body_done(pe);
        else
            pe->rx_state = IPC__RX_BODY;
    }
}

static void body_take(struct ipc__peer *pe, const char *data, size_t n)
{
    if (pe->body_lay && n) {
        pe->body_lay->unpack(pe->body_lay, pe->body_off, data, n);
        pe->body_off += n;
    } else if (n) {
        memcpy(pe->body_dst, data, n);
        pe->body_dst += n;
    }
    pe->body_left -= n;
}

/* Runs n bytes of peer p's stream through the receive state machine: frame
 * headers (assembled when they arrive in pieces), then payloads straight to
 * where they belong. Every byte can always be taken. */
static void rx_feed(int p, const char *data, size_t n)
{
    struct ipc__peer *pe = &ipc__g.peers[p];
    const size_t hl = sizeof(struct ipc__frame_hdr);
    while (n && !pe->lost) {
        if (pe->rx_state == IPC__RX_HDR) {
            struct ipc__frame_hdr h;
            if (pe->hdr_have == 0 && n >= hl) {
                memcpy(&h, data, hl);
                data += hl;
                n -= hl;
            } else {
                size_t take = hl - pe->hdr_have < n ? hl - pe->hdr_have : n;
                memcpy(pe->hdrbuf + pe->hdr_have, data, take);
                pe->hdr_have += take;
                data += take;
                n -= take;
                if (pe->hdr_have < hl)
                    break;
                memcpy(&h, pe->hdrbuf, hl);
                pe->hdr_have = 0;
            }
            handle_header(p, &h);
            continue;
        }
        size_t take = n < pe->body_left ? n : pe->body_left;
        body_take(pe, data, take);
        data += take;
        n -= take;
        take = n < pe->discard_left ? n : pe->discard_left;
        pe->discard_left -= take;
        data += take;
        n -= take;
        if (pe->body_left + pe->discard_left == 0)
            body_done(pe);
    }
}

/* One step of reading from a descriptor-based link: long bodies go straight
 * into their destination, everything else through the staging buffer. */
static ssize_t rx_read_step(int p)
{
    struct ipc__peer *pe = &ipc__g.peers[p];
    struct ipc__link *l = &ipc__g.links[p];
    if (pe->rx_state == IPC__RX_BODY && pe->body_left >= RX_DIRECT_MIN && !pe->body_lay) {
        ssize_t n = l->ops->read(l, pe->body_dst, pe->body_left);
        if (n > 0) {
            pe->body_dst += n;
            pe->body_left -= (size_t)n;
            if (pe->body_left + pe->discard_left == 0)
                body_done(pe);
        }
        return n;
    }
    ssize_t n = l->ops->read(l, pe->rxbuf, RXBUF_SIZE);
    if (n > 0)
        rx_feed(p, pe->rxbuf, (size_t)n);
    return n;
}

/* One step of reading from a link that lends its bytes in place (shm). */
static ssize_t rx_peek_step(int p)
{
    struct ipc__link *l = &ipc__g.links[p];
    const void *data;
    ssize_t n = l->ops->peek(l, &data);
    if (n > 0) {
        rx_feed(p, data, (size_t)n);
        l->ops->consume(l, (size_t)n);
    }
    return n;
}

/* Reads and handles everything peer p has sent so far. Returns bytes read. */
static ssize_t rx_peer(int p)
{
    struct ipc__peer *pe = &ipc__g.peers[p];
    struct ipc__link *l = &ipc__g.links[p];
    ssize_t total = 0;
    unsigned long completions = ipc__g.completions;

    while (!pe->lost && !pe->eof) {
        /* Once a request completed, its waiter should hear of it now: a look
         * for the next packet of a memory link is a cache miss (the writer
         * has that line), and on a descriptor link a read that finds nothing
         * is a system call; either would delay the reply to this one. What
         * is left is found by the next look (poll is level-triggered). */
        if (ipc__g.completions != completions)
            break;
        ssize_t n = l->ops->kind == IPC__LINK_MEMORY ? rx_peek_step(p) : rx_read_step(p);
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
    if (total > 0 && l->ops->release)
        l->ops->release(l);
    return total;
}

/* ---- the engine ---- */

/* Reads and writes what the memory links allow now; true if anything moved. */
static bool progress_mem(void)
{
    bool moved = false;
    for (int i = 0; i < n_mem_peers; i++) {
        int p = mem_peers[i];
        struct ipc__peer *pe = &ipc__g.peers[p];
        if (pe->lost)
            continue;
        if (!ipc__list_empty(&pe->sendq) && flush_peer(p) > 0)
            moved = true;
        if (rx_peer(p) > 0)
            moved = true;
    }
    return moved;
}

/* Polls the descriptor links, the transports' service descriptors, and
 * extra_fd unless it is -1, for up to timeout_ms (-1: no limit) and serves
 * what is ready; true if any descriptor was. */
static bool progress_fds(int timeout_ms, int extra_fd)
{
    int n = 0, size = ipc__g.job.size;
    for (int p = 0; p < size; p++) {
        struct ipc__link *l = &ipc__g.links[p];
        struct ipc__peer *pe = &ipc__g.peers[p];
        if (!l->ops || l->ops->kind == IPC__LINK_MEMORY || pe->lost)
            continue;
        bool want_in = !pe->eof, want_out = !ipc__list_empty(&pe->sendq);
        if (want_out && l->wfd < 0) {
            /* Not up yet (opened on first use): no descriptor to wait on
             * for room, but a writev asks for the connection, which may not
             * have been asked for yet (frames held back by
             * ipc__send_batched never met a writev). */
            flush_peer(p);
            want_out = false;
        }
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
    /* A look that does not wait (a spinning rank) asks the transports' own
     * work only every 8th time: one descriptor fewer to poll costs the
     * 0-byte latency over unix 0.2 us of 5.6. Connections still come up
     * promptly: the 8th look is microseconds away, and a rank that waits
     * longer sleeps in a poll that has them. */
    static unsigned looks;
    bool serve = n_service && (timeout_ms != 0 || (looks++ & 7) == 0);
    for (int i = 0; serve && i < n_service; i++) {
        pfds[n] = (struct pollfd){.fd = service[i]->ops->service_fd(service[i]),
                                  .events = POLLIN};
        pfd_peer[n++] = -2 - i;
    }
    if (extra_fd >= 0) {
        pfds[n] = (struct pollfd){.fd = extra_fd, .events = POLLIN};
        pfd_peer[n++] = -1;
    }
    if (n == 0)
        return false;
    int ready = poll(pfds, (nfds_t)n, timeout_ms);
    if (ready <= 0)
        return false;
    for (int i = 0; i < n && ready > 0; i++) {
        short re = pfds[i].revents;
        if (!re)
            continue;
        ready--;
        int p = pfd_peer[i];
        if (p <= -2) {
            struct ipc__transport *t = service[-2 - p];
            t->ops->serve(t); /* a link that came up is polled next time */
            continue;
        }
        if (p < 0)
            continue; /* the doorbell: what it rang for is in memory */
        if (re & POLLOUT)
            flush_peer(p);
        if (re & (POLLIN | POLLHUP | POLLERR)) {
            if (pfds[i].events & POLLIN)
                rx_peer(p);
            else
                flush_peer(p); /* error on a write-only fd: let writev report it */
        }
    }
    return true;
}

/* One pass of the engine: the links, then the schedules (whose rounds may
 * have completed in it); true if anything moved. */
static bool progress_now(void)
{
    ipc__g.progress_epoch++; /* ends every burst: see ipc__send_batched */
    bool moved = n_mem_peers && progress_mem();
    if (n_fd_peers && progress_fds(0, -1))
        moved = true;
    if (ipc__g.nsched && ipc__sched_progress())
        moved = true;
    if (ipc__rma_nserved && ipc__rma_serve())
        moved = true;
    return moved;
}

static bool is_done(bool (*done)(void *), void *arg)
{
    return done && done(arg);
}

/* Sleeps until a link may have something (or `done` holds): in poll() when
 * every link has a descriptor, on the memory transport's doorbell when none
 * has, and when mixed in poll() on the descriptors and the doorbell's own
 * descriptor. Without one, mixed waiting alternates a poll of at most 1 ms
 * with a look at memory, so a memory link may wait up to 1 ms to be heard
 * and an idle rank wakes a thousand times a second (docs/shm.md). */
static void sleep_for_work(bool (*done)(void *), void *arg)
{
    if (!n_mem_peers) {
        progress_fds(-1, -1);
        return;
    }
    unsigned token = mem->ops->arm(mem);
    if (!progress_now() && !is_done(done, arg)) {
        if (!n_fd_peers)
            mem->ops->sleep(mem, token, -1);
        else if (doorbell_fd >= 0)
            progress_fds(-1, doorbell_fd);
        else
            progress_fds(1, -1);
    }
    mem->ops->disarm(mem);
}

/* The slow half of waiting: yield to a rank that may share our core, then
 * sleep. */
static void wait_slowly(bool (*done)(void *), void *arg)
{
    for (int i = 0; i < ipc__g.job.tun.yield_count; i++) {
        sched_yield();
        if (progress_now() || is_done(done, arg))
            return;
    }
    sleep_for_work(done, arg);
}

int ipc__progress(void)
{
    progress_now();
    return IPC_SUCCESS;
}

/* Spinning before sleeping, for IPC_SPIN_US. */
struct ipc__spin {
    unsigned iter;
    double start;
};

static void spin_start(struct ipc__spin *s)
{
    s->iter = 0;
    s->start = 0;
}

/* After this long a wait is no longer a message in flight: the peer may be
 * off its core (the machine is busier than the job), so spinning goes on
 * with a yield now and then to let it run. */
#define SPIN_YIELD_AFTER_S 50e-6
/* After this long, a rank with node peers asks the memory transport whether
 * one of them is on its cpu (crowded) and yields to it at once: on a busy
 * machine the kernel may put two spinning ranks on one cpu, and each message
 * then waited SPIN_YIELD_AFTER_S. */
#define SPIN_CROWDED_AFTER_S 1e-6

static bool spin_more(struct ipc__spin *s)
{
    int spin_us = ipc__g.job.tun.spin_us;
    if (spin_us <= 0)
        return false;
    /* Reading the clock costs more than a look at a ring: do it now and then. */
    if (s->iter++ % 64) {
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
        return true;
    }
    double now = ipc_wtime();
    if (s->start == 0)
        s->start = now;
    if (now - s->start > SPIN_YIELD_AFTER_S ||
        (now - s->start > SPIN_CROWDED_AFTER_S && n_mem_peers && mem->ops->crowded &&
         mem->ops->crowded(mem)))
        sched_yield();
    return now - s->start < spin_us * 1e-6;
}

/* The one wait loop: look at done(), make progress and look again at once
 * while anything moves or the spin lasts (a stream of arriving messages is
 * served without a pause between them), then yield and sleep until a link
 * or doorbell may have news. Inline so that each caller gets its own copy
 * with done() known: the ping-pong path pays no indirect call. */
static inline void wait_loop(bool (*done)(void *), void *arg,
                             const struct ipc__req *about)
{
    struct ipc__spin spin;
    bool told = false;
    spin_start(&spin);
    while (!done(arg)) {
        if (progress_now() || spin_more(&spin))
            continue;
        if (about && !told) { /* for the hang report: only a wait that lasts */
            ipc__obs_waiting(about->kind == IPC__REQ_SEND, about->peer, about->mn.key.tag);
            told = true;
        }
        wait_slowly(done, arg);
    }
}

void ipc__wait_until(bool (*done)(void *), void *arg, const struct ipc__req *about)
{
    wait_loop(done, arg, about);
}

bool ipc__test_until(bool (*done)(void *), void *arg)
{
    if (done(arg))
        return true;
    progress_now();
    return done(arg);
}

bool ipc__req_settled(void *arg)
{
    struct ipc__req *req = arg;
    return req->complete || ipc__req_check_lost(req);
}

int ipc__wait_one(struct ipc__req *req)
{
    wait_loop(ipc__req_settled, req, req);
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
    pe->body_lay = NULL;
    while (!ipc__list_empty(&pe->puts)) {
        struct ipc__req *r = ipc__container_of(pe->puts.next, struct ipc__req, mn.link);
        ipc__list_remove(&r->mn.link);
        ipc__req_complete(r, error);
    }
    pe->rx_state = IPC__RX_HDR;
}

/* A request that can no longer complete because its peer is gone. */
static bool req_orphaned(const struct ipc__req *req)
{
    if (req->peer >= 0)
        return req->peer != ipc__g.job.rank && ipc__g.peers[req->peer].lost;
    for (int p = 0; p < ipc__g.job.size; p++)
        if (p != ipc__g.job.rank && !ipc__g.peers[p].lost)
            return false;
    return ipc__g.job.size > 1;
}

bool ipc__req_check_lost(struct ipc__req *req)
{
    if (req->complete || !ipc__g.any_lost || !req_orphaned(req))
        return false;
    if (req->kind == IPC__REQ_RECV && req->mn.link.next != &req->mn.link)
        ipc__mq_remove(&ipc__g.posted, &req->mn);
    ipc__req_complete(req, IPC_ERR_PEER);
    return true;
}
