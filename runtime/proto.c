/*
 * proto.c - the protocols of point-to-point messages, and the table of frame
 * kinds (docs/wire-formats.md): what each frame type may carry, and the
 * handler the receive state machine (progress.c) calls with each header.
 *
 * The choice: a message of at most IPC_EAGER_LIMIT bytes that is not
 * synchronous travels at once with its header (EAGER); any other sends RTS
 * and waits for the receiver to match it, so nothing long is pushed before
 * its receive is posted. Then either the receiver copies the sender's buffer
 * itself (shm single copy: FIN, with PUT/DONE when both halves are copied at
 * once), or it answers CTS and the sender streams DATA. Matching an EAGER or
 * RTS header against the posted receives is p2p.c's (ipc__on_incoming).
 *
 * A new frame type is one entry in ipc__frame_kinds and one line in
 * docs/wire-formats.md. Its handlers are called by progress.c's receive
 * state machine and send through progress.c: that loop is the engine's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"


/* ---- request ids on the wire ----
 *
 * A peer names one of our requests in four frames: CTS, PUT and FIN name a
 * send we announced with RTS, DATA names a receive we answered with CTS. The
 * name is never an address: it is an index into this table with the slot's
 * generation (id = generation << 32 | index + 1), given to one peer for one
 * kind of frame. A frame is acted on only if its id is live, was given to
 * the peer that sent it and expects that frame; otherwise the peer broke the
 * protocol and is cut off (ipc__peer_lost). A slot is given back when the
 * frame that ends its use arrives (CTS or FIN for a send, DATA for a
 * receive) or when its request is freed, and its generation then moves on,
 * so a stale or forged id names nothing.
 */
enum wire_expect { EXPECT_SEND = 1, EXPECT_DATA };

struct wire_slot {
    struct ipc__req *req; /* NULL: free */
    uint32_t gen;
    int peer;
    enum wire_expect expect;
    uint32_t next_free; /* index + 1 of the next free slot, or 0 */
};

static struct wire_slot *slots;
static uint32_t nslots, free_slots; /* free_slots: index + 1, or 0 */

/* The id under which peer may name r in frames of kind expect; 0 when there
 * is no memory for it. */
static uint64_t wire_name(struct ipc__req *r, int peer, enum wire_expect expect)
{
    if (!free_slots) {
        uint32_t more = nslots ? nslots : 64;
        if (nslots > UINT32_MAX / 2 - more)
            return 0;
        struct wire_slot *grown = realloc(slots, (size_t)(nslots + more) * sizeof *slots);
        if (!grown)
            return 0;
        slots = grown;
        for (uint32_t i = nslots + more; i-- > nslots;) {
            slots[i] = (struct wire_slot){.gen = 1, .next_free = free_slots};
            free_slots = i + 1;
        }
        nslots += more;
    }
    uint32_t i = free_slots - 1;
    struct wire_slot *w = &slots[i];
    free_slots = w->next_free;
    w->req = r;
    w->peer = peer;
    w->expect = expect;
    r->wire = i + 1;
    return (uint64_t)w->gen << 32 | (i + 1);
}

void ipc__proto_forget(struct ipc__req *r)
{
    struct wire_slot *w = &slots[r->wire - 1];
    w->req = NULL;
    w->gen = w->gen == UINT32_MAX ? 1 : w->gen + 1;
    w->next_free = free_slots;
    free_slots = r->wire;
    r->wire = 0;
}

/* The request that id names, if peer may name it in a frame of kind
 * expect; else NULL, after cutting peer off for breaking the protocol. */
static struct ipc__req *wire_find(uint64_t id, int peer, enum wire_expect expect,
                                  const char *frame)
{
    uint32_t i = (uint32_t)id, gen = (uint32_t)(id >> 32);
    if (i >= 1 && i <= nslots) {
        struct wire_slot *w = &slots[i - 1];
        if (w->req && w->gen == gen && w->peer == peer && w->expect == expect)
            return w->req;
    }
    char why[96];
    snprintf(why, sizeof why, "%s names no request it may name (protocol error)", frame);
    ipc__peer_lost(peer, why);
    return NULL;
}

/* ---- sending ---- */

int ipc__proto_send(struct ipc__req *s, int w, uint32_t ctx, int src, int tag)
{
    size_t bytes = s->slen;
    bool eager = ipc__proto_is_eager(bytes, s->sync);
    ipc__obs_sent(w, bytes, !eager);
    /* With direct access the receiver may copy straight from our buffer. */
    uint64_t saddr =
        !eager && !s->lay && ipc__direct_access(&ipc__g.links[w]) ? (uintptr_t)s->sbuf : 0;
    uint64_t id = 0;
    s->saddr = saddr; /* offered in place: a PUT may name it */
    if (!eager && !(id = wire_name(s, w, EXPECT_SEND))) {
        ipc__req_free(s);
        return IPC_ERR_NOMEM;
    }
    struct ipc__frame_hdr h = ipc__frame_make(eager ? IPC__FRAME_EAGER : IPC__FRAME_RTS, ctx,
                                              src, tag, bytes, id, saddr);
    if (saddr && !s->alone)
        h.flags = IPC__FRAME_FLAG_CAN_PUT;
    int rc;
    if (eager && s->lay)
        rc = ipc__send_layout(w, &h, s->lay, bytes, s);
    else
        rc = ipc__send(w, &h, eager ? s->sbuf : NULL, eager ? bytes : 0, eager ? s : NULL,
                       eager);
    if (rc == IPC_ERR_NOMEM) {
        ipc__req_free(s);
        return rc;
    }
    if (rc != IPC_SUCCESS)
        ipc__req_complete(s, rc);
    return IPC_SUCCESS;
}

/* ---- rendezvous ---- */

static int send_ctl(int peer, enum ipc__frame_type type, uint64_t len, uint64_t sreq,
                    uint64_t rreq)
{
    struct ipc__frame_hdr h = ipc__frame_make(type, 0, 0, 0, len, sreq, rreq);
    return ipc__send(peer, &h, NULL, 0, NULL, false);
}

/* Single copy: read the sender's buffer in place, then tell it it is done
 * (FIN). A long one is shared: first ask the sender to copy the second part
 * itself (PUT), so that both cores copy at once; the receive then completes
 * on the sender's DONE. Returns false when the kernel refuses, so the caller
 * falls back to CTS. */
static bool read_in_place(struct ipc__req *rreq, int peer, uint64_t sreq, size_t n,
                          uint64_t saddr, uint16_t rts_flags)
{
    /* A layout is unpacked as it streams in: process_vm_readv reads runs. */
    struct ipc__link *l = &ipc__g.links[peer];
    if (!saddr || rreq->lay || !ipc__direct_access(l))
        return false;
    size_t split = n;
    if ((rts_flags & IPC__FRAME_FLAG_CAN_PUT) && n >= ipc__g.job.tun.shm_split_min &&
        ipc__split_point(n))
        split = (size_t)ipc__split_point(n);
    if (split < n && send_ctl(peer, IPC__FRAME_PUT, n, sreq, (uintptr_t)rreq->rbuf) ==
                         IPC_SUCCESS) {
        rreq->saddr = saddr;
        ipc__list_push_back(&ipc__g.peers[peer].puts, &rreq->mn.link);
    } else {
        split = n;
    }
    if (split && l->ops->get(l, rreq->rbuf, saddr, split) != 0) {
        if (split == n)
            return false;
        ipc__req_complete(rreq, IPC_ERR_TRANSPORT); /* cannot happen once probed */
    }
    int rc = send_ctl(peer, IPC__FRAME_FIN, n, sreq, 0);
    if (rc != IPC_SUCCESS || split == n)
        ipc__req_complete(rreq, rc != IPC_SUCCESS ? rc : rreq->error);
    return true;
}

static void on_put(int peer, const struct ipc__frame_hdr *h)
{
    struct ipc__req *s = wire_find(h->sreq, peer, EXPECT_SEND, "PUT");
    if (!s)
        return;
    /* Only a send offered in place, and no byte past its buffer. */
    if (!s->saddr || h->len > s->slen) {
        ipc__peer_lost(peer, "PUT of more than the message, or of a message not offered "
                             "in place (protocol error)");
        return;
    }
    uint64_t split = ipc__split_point(h->len);
    size_t part = (size_t)(h->len - split);
    struct ipc__link *l = &ipc__g.links[peer];
    int rc = ipc__direct_access(l)
                 ? l->ops->put(l, h->rreq + split, (const char *)s->sbuf + split, part)
                 : -ENOTSUP;
    /* The receiver's FIN, which completes s, comes after this PUT. */
    send_ctl(peer, IPC__FRAME_DONE, rc == 0 ? part : 0, 0, 0);
}

static void on_done(int peer, const struct ipc__frame_hdr *h)
{
    struct ipc__list *head = &ipc__g.peers[peer].puts;
    if (ipc__list_empty(head)) {
        ipc__peer_lost(peer, "DONE without a PUT (protocol error)");
        return;
    }
    struct ipc__req *r = ipc__container_of(head->next, struct ipc__req, mn.link);
    ipc__list_remove(&r->mn.link);
    size_t n = r->status.ipc__bytes, split = (size_t)ipc__split_point(n);
    struct ipc__link *l = &ipc__g.links[peer];
    if (h->len == 0 && !r->complete &&
        (!ipc__direct_access(l) ||
         l->ops->get(l, (char *)r->rbuf + split, r->saddr + split, n - split) != 0))
        ipc__req_complete(r, IPC_ERR_TRANSPORT);
    if (!r->complete)
        ipc__req_complete(r, r->error);
}

void ipc__proto_rendezvous(struct ipc__req *rreq, int peer, uint64_t sreq, size_t len,
                           uint64_t saddr, uint16_t rts_flags)
{
    int err;
    size_t n = ipc__match_copy_len(len, rreq->rcap, &err);
    rreq->error = err;
    rreq->status.ipc__bytes = n;
    if (read_in_place(rreq, peer, sreq, n, saddr, rts_flags))
        return;
    uint64_t id = wire_name(rreq, peer, EXPECT_DATA);
    int rc = id ? send_ctl(peer, IPC__FRAME_CTS, n, sreq, id) : IPC_ERR_NOMEM;
    if (rc != IPC_SUCCESS)
        ipc__req_complete(rreq, rc);
}

static void on_cts(int p, const struct ipc__frame_hdr *h)
{
    struct ipc__req *sreq = wire_find(h->sreq, p, EXPECT_SEND, "CTS");
    if (!sreq)
        return;
    ipc__proto_forget(sreq); /* nothing more may name it */
    size_t len = h->len < sreq->slen ? h->len : sreq->slen;
    struct ipc__frame_hdr data = ipc__frame_make(IPC__FRAME_DATA, 0, 0, 0, len, 0, h->rreq);
    int rc = sreq->lay ? ipc__send_layout(p, &data, sreq->lay, len, sreq)
                       : ipc__send(p, &data, sreq->sbuf, len, sreq, false);
    if (rc != IPC_SUCCESS)
        ipc__req_complete(sreq, rc);
}


/* The receiver copied the message itself: the send is done. */
static void on_fin(int p, const struct ipc__frame_hdr *h)
{
    struct ipc__req *s = wire_find(h->sreq, p, EXPECT_SEND, "FIN");
    if (!s)
        return;
    ipc__proto_forget(s);
    ipc__req_complete(s, IPC_SUCCESS);
}

/* The payload of a rendezvous, into the receive that sent CTS. */
static void on_data(int p, const struct ipc__frame_hdr *h)
{
    struct ipc__req *r = wire_find(h->rreq, p, EXPECT_DATA, "DATA");
    if (!r)
        return;
    ipc__proto_forget(r);
    /* Exactly what the CTS asked for: never more than the buffer holds. */
    if (h->len != r->status.ipc__bytes) {
        ipc__peer_lost(p, "DATA of another length than its CTS asked (protocol error)");
        return;
    }
    ipc__rx_body(&ipc__g.peers[p], r, NULL, r->rbuf, r->lay, h->len, 0);
}

static void on_bye(int p, const struct ipc__frame_hdr *h)
{
    (void)h;
    ipc__g.peers[p].bye = true;
}

/* ---- the table ---- */

const struct ipc__frame_kind ipc__frame_kinds[IPC__FRAME_TYPE_END] = {
    [IPC__FRAME_EAGER] = {"EAGER", true, 0, IPC__NEED_MATCH, ipc__on_incoming},
    [IPC__FRAME_RTS] = {"RTS", false, IPC__FRAME_FLAG_CAN_PUT, IPC__NEED_MATCH,
                        ipc__on_incoming},
    [IPC__FRAME_CTS] = {"CTS", false, 0, IPC__NEED_SREQ | IPC__NEED_RREQ, on_cts},
    [IPC__FRAME_DATA] = {"DATA", true, 0, IPC__NEED_RREQ, on_data},
    [IPC__FRAME_BYE] = {"BYE", false, 0, 0, on_bye},
    [IPC__FRAME_FIN] = {"FIN", false, 0, IPC__NEED_SREQ, on_fin},
    [IPC__FRAME_PUT] = {"PUT", false, 0, IPC__NEED_SREQ | IPC__NEED_RREQ | IPC__NEED_SPLIT,
                        on_put},
    [IPC__FRAME_DONE] = {"DONE", false, 0, 0, on_done},
};
