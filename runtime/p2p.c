/*
 * p2p.c - point-to-point messaging: requests, matching of arriving messages
 * against posted receives (and the unexpected ones against new receives),
 * sends to self, and the public calls. The protocols a message travels by
 * (eager, rendezvous) are proto.c's. ipc__on_incoming is a frame handler
 * (proto.c's table, called by progress.c), and delivering a message may
 * start a rendezvous (proto.c): the calls back up the stack of
 * docs/architecture.md.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* ---- requests ---- */

/* What ipc_isend hands out for an eager message that is already on its way
 * (written, or copied behind the queue): complete, shared, never freed, so
 * its handle never goes stale (waiting on a copy of it again is harmless:
 * it holds nothing). The rate of small isends is what a streaming sender
 * measures, and a request of its own cost an allocation and 136 bytes of
 * stores per message. */
static struct ipc__req *sent_at_once;

int ipc__p2p_init(void)
{
    if (!(sent_at_once = ipc__req_new(IPC__REQ_SEND)))
        return IPC_ERR_NOMEM;
    sent_at_once->complete = true;
    return IPC_SUCCESS;
}

void ipc__p2p_fini(void)
{
    ipc__htab_fini(&ipc__g.reqs);
    sent_at_once = NULL;
}

struct ipc__req *ipc__req_new(enum ipc__req_kind kind)
{
    struct ipc__hslot *slot = ipc__htab_alloc(&ipc__g.reqs);
    if (!slot)
        return NULL;
    struct ipc__req *r = ipc__container_of(slot, struct ipc__req, slot);
    /* Field by field: GCC turns a memset of the whole struct into rep stosq,
     * whose start-up alone was 5% of a receiver's time in a stream of 1 KiB
     * messages. A new field needs its line here (internal.h says so too);
     * slot is the table's, and keeps its handle. */
#if __SIZEOF_POINTER__ == 8
    _Static_assert(sizeof *r == 152, "initialize every field of ipc__req here");
#endif
    r->kind = kind;
    r->complete = false;
    r->error = IPC_SUCCESS;
    r->status = (ipc_status){.source = IPC_ANY_SOURCE, .tag = IPC_ANY_TAG};
    ipc__list_init(&r->mn.link);
    r->mn.key = (struct ipc__match_key){0};
    r->rbuf = NULL;
    r->rcap = 0;
    r->sbuf = NULL;
    r->slen = 0;
    r->peer = -1;
    r->sync = false;
    r->alone = false;
    r->wire = 0;
    r->self_msg = NULL;
    r->saddr = 0;
    r->lay = NULL;
    return r;
}

void ipc__req_free(struct ipc__req *r)
{
    if (r->wire)
        ipc__proto_forget(r); /* a peer may no longer name it */
    ipc__htab_free(&ipc__g.reqs, &r->slot);
}

void ipc__req_complete(struct ipc__req *r, int error)
{
    r->complete = true;
    r->error = error;
    ipc__g.completions++;
    r->status.error = error;
}

/* memcpy that accepts the NULL buffers of empty messages. */
static void copy_bytes(void *dst, const void *src, size_t n)
{
    if (n)
        memcpy(dst, src, n);
}

/* n bytes from src into receive r's buffer (from its start). */
static void recv_bytes(struct ipc__req *r, const void *src, size_t n)
{
    if (r->lay && n)
        r->lay->unpack(r->lay, 0, src, n);
    else
        copy_bytes(r->rbuf, src, n);
}

/* The first n bytes of send s's buffer into dst. */
static void send_bytes(void *dst, struct ipc__req *s, size_t n)
{
    if (s->lay && n)
        s->lay->pack(s->lay, 0, dst, n);
    else
        copy_bytes(dst, s->sbuf, n);
}

/* n bytes from send s to receive r, both of this rank; through a piece of
 * the stack when both are layouts. */
static void self_copy(struct ipc__req *r, struct ipc__req *s, size_t n)
{
    if (!s->lay) {
        recv_bytes(r, s->sbuf, n);
    } else if (!r->lay) {
        send_bytes(r->rbuf, s, n);
    } else {
        char piece[4096];
        for (size_t off = 0; off < n; off += sizeof piece) {
            size_t k = n - off < sizeof piece ? n - off : sizeof piece;
            s->lay->pack(s->lay, off, piece, k);
            r->lay->unpack(r->lay, off, piece, k);
        }
    }
}

static void free_umsg(struct ipc__umsg *u)
{
    free(u->data);
    free(u);
}

/* ---- receiving side ---- */

static void fill_status(struct ipc__req *r, const struct ipc__match_key *k, int peer)
{
    r->status.source = k->src;
    r->status.tag = k->tag;
    r->peer = peer;
}

void ipc__umsg_deliver(struct ipc__req *req, struct ipc__umsg *u)
{
    int err;
    ipc__obs_matched(u->peer, u->obs_seq);
    fill_status(req, &u->mn.key, u->peer);
    switch (u->kind) {
    case IPC__UMSG_EAGER:
        if (!u->arrived) {
            u->waiter = req; /* the rest of the payload is on its way */
            return;
        }
        req->status.ipc__bytes = ipc__match_copy_len(u->len, req->rcap, &err);
        recv_bytes(req, u->data, req->status.ipc__bytes);
        ipc__req_complete(req, err);
        break;
    case IPC__UMSG_RTS:
        ipc__proto_rendezvous(req, u->peer, u->sreq, u->len, u->saddr, u->rts_flags);
        break;
    case IPC__UMSG_SELF_SYNC:
        req->status.ipc__bytes = ipc__match_copy_len(u->len, req->rcap, &err);
        self_copy(req, u->self_sreq, req->status.ipc__bytes);
        ipc__req_complete(req, err);
        ipc__req_complete(u->self_sreq, IPC_SUCCESS);
        break;
    }
    free_umsg(u);
}

/* An EAGER or RTS header arrived from peer: match it or keep it unexpected. */
void ipc__on_incoming(int peer, const struct ipc__frame_hdr *h)
{
    struct ipc__peer *pe = &ipc__g.peers[peer];
    struct ipc__match_key key = {.ctx = h->ctx, .src = h->src, .tag = h->tag};
    struct ipc__match_node *n = ipc__mq_take_posted(&ipc__g.posted, &key);
    uint64_t seq = ipc__obs_arrived(peer, h->len, n == NULL, &key);

    if (n) {
        struct ipc__req *r = ipc__container_of(n, struct ipc__req, mn);
        fill_status(r, &key, peer);
        ipc__obs_matched(peer, seq);
        if (h->type == IPC__FRAME_RTS) {
            ipc__proto_rendezvous(r, peer, h->sreq, h->len, h->rreq, h->flags);
            return;
        }
        int err;
        size_t keep = ipc__match_copy_len(h->len, r->rcap, &err);
        r->error = err;
        r->status.ipc__bytes = keep;
        ipc__rx_body(pe, r, NULL, r->rbuf, r->lay, keep, h->len - keep);
        return;
    }
    struct ipc__umsg *u = calloc(1, sizeof *u);
    if (u && h->type == IPC__FRAME_EAGER && !(u->data = malloc(h->len ? h->len : 1))) {
        free(u);
        u = NULL;
    }
    if (!u) {
        ipc__peer_lost(peer, "out of memory for an unexpected message");
        return;
    }
    u->mn.key = key;
    u->len = h->len;
    u->peer = peer;
    u->obs_seq = seq;
    if (h->type == IPC__FRAME_RTS) {
        u->kind = IPC__UMSG_RTS;
        u->sreq = h->sreq;
        u->saddr = h->rreq;
        u->rts_flags = h->flags;
    } else {
        u->kind = IPC__UMSG_EAGER;
        ipc__rx_body(pe, NULL, u, u->data, NULL, h->len, 0);
    }
    ipc__mq_push(&ipc__g.unexpected, &u->mn);
}

/* ---- internal entry points, also used by collectives ---- */

static int self_send(struct ipc__req *s)
{
    struct ipc__match_node *n = ipc__mq_take_posted(&ipc__g.posted, &s->mn.key);
    uint64_t seq = ipc__obs_arrived(ipc__g.job.rank, s->slen, n == NULL, &s->mn.key);
    if (n) {
        struct ipc__req *r = ipc__container_of(n, struct ipc__req, mn);
        int err;
        ipc__obs_matched(ipc__g.job.rank, seq);
        fill_status(r, &s->mn.key, ipc__g.job.rank);
        r->status.ipc__bytes = ipc__match_copy_len(s->slen, r->rcap, &err);
        self_copy(r, s, r->status.ipc__bytes);
        ipc__req_complete(r, err);
        ipc__req_complete(s, IPC_SUCCESS);
        return IPC_SUCCESS;
    }
    struct ipc__umsg *u = calloc(1, sizeof *u);
    if (!u)
        return IPC_ERR_NOMEM;
    u->mn.key = s->mn.key;
    u->len = s->slen;
    u->peer = ipc__g.job.rank;
    u->obs_seq = seq;
    if (s->sync) {
        /* Synchronous: the sender waits for the match, its buffer stays put. */
        u->kind = IPC__UMSG_SELF_SYNC;
        u->self_sreq = s;
    } else {
        u->kind = IPC__UMSG_EAGER;
        u->arrived = true;
        if (!(u->data = malloc(s->slen ? s->slen : 1))) {
            free(u);
            return IPC_ERR_NOMEM;
        }
        send_bytes(u->data, s, s->slen);
        ipc__req_complete(s, IPC_SUCCESS);
    }
    ipc__mq_push(&ipc__g.unexpected, &u->mn);
    return IPC_SUCCESS;
}

/* Starts send s (its buffer, length and sync set) to dest. */
static int isend_start(struct ipc__req *s, int dest, int tag, ipc_comm comm, uint32_t ctx)
{
    size_t bytes = s->slen;
    s->mn.key = (struct ipc__match_key){.ctx = ctx, .src = comm->rank, .tag = tag};
    if (dest == IPC_PROC_NULL) {
        ipc__req_complete(s, IPC_SUCCESS);
        return IPC_SUCCESS;
    }
    int w = ipc__world_rank(comm, dest);
    s->peer = w;
    if (w == ipc__g.job.rank) {
        ipc__obs_sent(w, bytes, false);
        return self_send(s);
    }
    if (ipc__g.peers[w].lost) {
        ipc__req_complete(s, IPC_ERR_PEER);
        return IPC_SUCCESS;
    }
    return ipc__proto_send(s, w, ctx, comm->rank, tag);
}

int ipc__isend(const void *buf, size_t bytes, int dest, int tag, ipc_comm comm,
               uint32_t ctx, unsigned mode, struct ipc__req **out)
{
    struct ipc__req *s = ipc__req_new(IPC__REQ_SEND);
    if (!s)
        return IPC_ERR_NOMEM;
    *out = s;
    s->sbuf = buf;
    s->slen = bytes;
    s->sync = mode & IPC__SEND_SYNC;
    s->alone = mode & IPC__SEND_ALONE;
    return isend_start(s, dest, tag, comm, ctx);
}

/* Posts receive r (its buffer and capacity set), or matches it at once. */
static void irecv_start(struct ipc__req *r, int source, int tag, ipc_comm comm,
                        uint32_t ctx)
{
    if (source == IPC_PROC_NULL) {
        r->status.source = IPC_PROC_NULL;
        ipc__req_complete(r, IPC_SUCCESS);
        return;
    }
    r->mn.key = (struct ipc__match_key){.ctx = ctx, .src = source, .tag = tag};
    if (source != IPC_ANY_SOURCE)
        r->peer = ipc__world_rank(comm, source);
    struct ipc__match_node *n = ipc__mq_find_unexpected(&ipc__g.unexpected, &r->mn.key, 1);
    if (n)
        ipc__umsg_deliver(r, ipc__container_of(n, struct ipc__umsg, mn));
    else
        ipc__mq_push(&ipc__g.posted, &r->mn);
}

int ipc__irecv(void *buf, size_t bytes, int source, int tag, ipc_comm comm, uint32_t ctx,
               struct ipc__req **out)
{
    struct ipc__req *r = ipc__req_new(IPC__REQ_RECV);
    if (!r)
        return IPC_ERR_NOMEM;
    *out = r;
    r->rbuf = buf;
    r->rcap = bytes;
    irecv_start(r, source, tag, comm, ctx);
    return IPC_SUCCESS;
}

/* ---- argument checks ---- */

static int check_buffer(const void *buf, size_t count, ipc_datatype type, size_t *bytes)
{
    if (!type)
        return IPC_ERR_TYPE;
    if (type->size && count > SIZE_MAX / type->size)
        return IPC_ERR_COUNT;
    *bytes = count * type->size;
    if (!buf && *bytes)
        return IPC_ERR_BUFFER;
    return IPC_SUCCESS;
}

static int check_send(const void *buf, size_t count, ipc_datatype type, int dest, int tag,
                      ipc_comm comm, size_t *bytes)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    if ((rc = check_buffer(buf, count, type, bytes)) != IPC_SUCCESS)
        return rc;
    if (dest != IPC_PROC_NULL && (dest < 0 || dest >= comm->peer_size))
        return IPC_ERR_RANK;
    if (tag < 0 || tag > IPC_TAG_UB)
        return IPC_ERR_TAG;
    return IPC_SUCCESS;
}

static int check_recv_pattern(int source, int tag, ipc_comm comm)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    if (source != IPC_PROC_NULL && source != IPC_ANY_SOURCE &&
        (source < 0 || source >= comm->peer_size))
        return IPC_ERR_RANK;
    if (tag != IPC_ANY_TAG && (tag < 0 || tag > IPC_TAG_UB))
        return IPC_ERR_TAG;
    return IPC_SUCCESS;
}

static int check_recv(void *buf, size_t count, ipc_datatype type, int source, int tag,
                      ipc_comm comm, size_t *bytes)
{
    int rc = check_recv_pattern(source, tag, comm);
    return rc != IPC_SUCCESS ? rc : check_buffer(buf, count, type, bytes);
}

/* ---- completion ---- */

static void set_status(ipc_status *st, const struct ipc__req *r)
{
    if (st)
        *st = r->status;
}

/* Hands a completed request's outcome to the caller and frees it. */
static int finish(struct ipc__req *r, ipc_status *st)
{
    int err = r->error;
    set_status(st, r);
    if (r != sent_at_once)
        ipc__req_free(r);
    return err;
}

/* finish for a public call: the program's handle of r, *slot, becomes null. */
static int finish_handle(ipc_request *slot, struct ipc__req *r, ipc_status *st)
{
    *slot = IPC_REQUEST_NULL;
    return finish(r, st);
}

static void empty_status(ipc_status *st)
{
    if (st)
        *st = (ipc_status){.source = IPC_ANY_SOURCE, .tag = IPC_ANY_TAG};
}

/* ---- public calls ---- */

/* try_eager: the caller has not yet tried eager_at_once. */
static int send_checked(const void *buf, size_t bytes, int dest, int tag, ipc_comm comm,
                        bool sync, bool try_eager)
{
    struct ipc__req *r;
    int rc;
    if (try_eager && ipc__proto_eager_at_once(buf, bytes, dest, tag, comm, false, &rc))
        return rc;
    rc = ipc__isend(buf, bytes, dest, tag, comm, comm->ctx_p2p, sync ? IPC__SEND_SYNC : 0, &r);
    if (rc != IPC_SUCCESS)
        return rc;
    if ((rc = ipc__wait_one(r)) != IPC_SUCCESS)
        return rc;
    return finish(r, NULL);
}

static int send_common(const void *buf, size_t count, ipc_datatype type, int dest,
                       int tag, ipc_comm comm, bool sync)
{
    size_t bytes;
    int rc = check_send(buf, count, type, dest, tag, comm, &bytes);
    if (rc != IPC_SUCCESS)
        return rc;
    /* An eager send is written now or copied behind the queue: it never
     * waits, so unless --stats or --trace count it the hang report's page
     * is left alone (its stores would come before the message's). */
    if (!sync && !ipc__obs.on && ipc__proto_eager_at_once(buf, bytes, dest, tag, comm, false, &rc))
        return rc;
    ipc__obs_enter(sync ? IPC__CALL_SSEND : IPC__CALL_SEND, comm, dest, tag, bytes);
    rc = send_checked(buf, bytes, dest, tag, comm, sync, !sync && ipc__obs.on);
    ipc__obs_exit();
    return rc;
}

int ipc_send(const void *buf, size_t count, ipc_datatype type, int dest, int tag,
             ipc_comm comm)
{
    return send_common(buf, count, type, dest, tag, comm, false);
}

int ipc_ssend(const void *buf, size_t count, ipc_datatype type, int dest, int tag,
              ipc_comm comm)
{
    return send_common(buf, count, type, dest, tag, comm, true);
}

int ipc_recv(void *buf, size_t count, ipc_datatype type, int source, int tag,
             ipc_comm comm, ipc_status *status)
{
    size_t bytes;
    struct ipc__req *r;
    int rc = check_recv(buf, count, type, source, tag, comm, &bytes);
    if (rc != IPC_SUCCESS)
        return rc;
    ipc__obs_enter(IPC__CALL_RECV, comm, source, tag, bytes);
    rc = ipc__irecv(buf, bytes, source, tag, comm, comm->ctx_p2p, &r);
    if (rc == IPC_SUCCESS)
        rc = ipc__wait_one(r);
    if (rc == IPC_SUCCESS)
        rc = finish(r, status);
    ipc__obs_exit();
    return rc;
}

static int isend_common(const void *buf, size_t count, ipc_datatype type, int dest,
                        int tag, ipc_comm comm, bool sync, ipc_request *req)
{
    size_t bytes;
    if (!req)
        return IPC_ERR_REQUEST;
    int rc = check_send(buf, count, type, dest, tag, comm, &bytes);
    if (rc != IPC_SUCCESS)
        return rc;
    ipc__obs_enter_nowait(sync ? IPC__CALL_ISSEND : IPC__CALL_ISEND, comm, dest, tag, bytes);
    struct ipc__req *r = NULL;
    if (!sync && ipc__proto_eager_at_once(buf, bytes, dest, tag, comm, true, &rc))
        r = rc == IPC_SUCCESS ? sent_at_once : NULL;
    else
        rc = ipc__isend(buf, bytes, dest, tag, comm, comm->ctx_p2p, sync ? IPC__SEND_SYNC : 0, &r);
    *req = r ? ipc__req_handle(r) : IPC_REQUEST_NULL;
    ipc__obs_exit_nowait();
    return rc;
}

int ipc_isend(const void *buf, size_t count, ipc_datatype type, int dest, int tag,
              ipc_comm comm, ipc_request *req)
{
    return isend_common(buf, count, type, dest, tag, comm, false, req);
}

int ipc_issend(const void *buf, size_t count, ipc_datatype type, int dest, int tag,
               ipc_comm comm, ipc_request *req)
{
    return isend_common(buf, count, type, dest, tag, comm, true, req);
}

int ipc_irecv(void *buf, size_t count, ipc_datatype type, int source, int tag,
              ipc_comm comm, ipc_request *req)
{
    size_t bytes;
    if (!req)
        return IPC_ERR_REQUEST;
    int rc = check_recv(buf, count, type, source, tag, comm, &bytes);
    if (rc != IPC_SUCCESS)
        return rc;
    ipc__obs_enter_nowait(IPC__CALL_IRECV, comm, source, tag, bytes);
    struct ipc__req *r = NULL;
    rc = ipc__irecv(buf, bytes, source, tag, comm, comm->ctx_p2p, &r);
    *req = r ? ipc__req_handle(r) : IPC_REQUEST_NULL;
    ipc__obs_exit_nowait();
    return rc;
}

int ipc__isend_layout(struct ipc__layout *lay, int dest, int tag, ipc_comm comm, bool sync,
                      ipc_request *req)
{
    size_t none;
    if (!req)
        return IPC_ERR_REQUEST;
    int rc = check_send(NULL, 0, IPC_BYTE, dest, tag, comm, &none);
    if (rc != IPC_SUCCESS)
        return rc;
    struct ipc__req *s = ipc__req_new(IPC__REQ_SEND);
    if (!s)
        return IPC_ERR_NOMEM;
    s->lay = lay;
    s->slen = lay->bytes;
    s->sync = sync;
    ipc__obs_enter_nowait(sync ? IPC__CALL_ISSEND : IPC__CALL_ISEND, comm, dest, tag,
                          lay->bytes);
    rc = isend_start(s, dest, tag, comm, comm->ctx_p2p);
    *req = rc == IPC_SUCCESS ? ipc__req_handle(s) : IPC_REQUEST_NULL;
    ipc__obs_exit_nowait();
    return rc;
}

int ipc__irecv_layout(struct ipc__layout *lay, int source, int tag, ipc_comm comm,
                      ipc_request *req)
{
    if (!req)
        return IPC_ERR_REQUEST;
    int rc = check_recv_pattern(source, tag, comm);
    if (rc != IPC_SUCCESS)
        return rc;
    struct ipc__req *r = ipc__req_new(IPC__REQ_RECV);
    if (!r)
        return IPC_ERR_NOMEM;
    r->lay = lay;
    r->rcap = lay->bytes;
    ipc__obs_enter_nowait(IPC__CALL_IRECV, comm, source, tag, lay->bytes);
    irecv_start(r, source, tag, comm, comm->ctx_p2p);
    *req = ipc__req_handle(r);
    ipc__obs_exit_nowait();
    return IPC_SUCCESS;
}

int ipc_wait(ipc_request *req, ipc_status *status)
{
    if (!ipc__g.initialized || ipc__g.finalized)
        return IPC_ERR_NOT_INITIALIZED;
    if (!req)
        return IPC_ERR_REQUEST;
    if (!*req) {
        empty_status(status);
        return IPC_SUCCESS;
    }
    struct ipc__req *r = ipc__req_of(*req);
    if (!r)
        return IPC_ERR_REQUEST; /* a stale copy of a finished request's handle, or forged
                                 */
    if (r->complete && !ipc__obs.on)
        return finish_handle(req, r, status); /* nothing to wait for, nothing to report */
    ipc__obs_enter(IPC__CALL_WAIT, NULL, r->peer, r->mn.key.tag,
                   r->kind == IPC__REQ_SEND ? r->slen : r->rcap);
    int rc = ipc__wait_one(r);
    if (rc == IPC_SUCCESS)
        rc = finish_handle(req, r, status);
    ipc__obs_exit();
    return rc;
}

int ipc_test(ipc_request *req, int *flag, ipc_status *status)
{
    if (!ipc__g.initialized || ipc__g.finalized)
        return IPC_ERR_NOT_INITIALIZED;
    if (!req || !flag)
        return IPC_ERR_ARG;
    if (!*req) {
        *flag = 1;
        empty_status(status);
        return IPC_SUCCESS;
    }
    struct ipc__req *r = ipc__req_of(*req);
    if (!r)
        return IPC_ERR_REQUEST;
    *flag = ipc__test_until(ipc__req_settled, r);
    return *flag ? finish_handle(req, r, status) : IPC_SUCCESS;
}

/* Receive r, if it is still in the queue of posted receives (unmatched). A
 * matched one may still use its mn.link (a rendezvous waiting for its DONE),
 * so the queue is searched, not the link: cancelling is rare. */
static bool still_posted(const struct ipc__req *r)
{
    struct ipc__list *pos;
    ipc__list_for_each(pos, &ipc__g.posted.head)
    {
        if (pos == &r->mn.link)
            return true;
    }
    return false;
}

/* The unexpected entry of self synchronous send s that no receive has
 * matched yet, or NULL. */
static struct ipc__umsg *self_sync_waiting(const struct ipc__req *s)
{
    struct ipc__list *pos;
    ipc__list_for_each(pos, &ipc__g.unexpected.head)
    {
        struct ipc__umsg *u = ipc__container_of(pos, struct ipc__umsg, mn.link);
        if (u->kind == IPC__UMSG_SELF_SYNC && u->self_sreq == s)
            return u;
    }
    return NULL;
}

/* Withdraws r if nothing has matched it yet; true if so. */
static bool withdraw(struct ipc__req *r)
{
    if (r->complete)
        return false;
    if (r->kind == IPC__REQ_RECV) {
        if (!still_posted(r))
            return false;
        ipc__mq_remove(&ipc__g.posted, &r->mn);
    } else {
        struct ipc__umsg *u = r->sync ? self_sync_waiting(r) : NULL;
        if (!u)
            return false;
        ipc__mq_remove(&ipc__g.unexpected, &u->mn);
        free_umsg(u);
    }
    r->status = (ipc_status){.source = IPC_ANY_SOURCE, .tag = IPC_ANY_TAG};
    ipc__req_complete(r, IPC_SUCCESS);
    return true;
}

int ipc_cancel(ipc_request req, int *cancelled)
{
    if (!ipc__g.initialized || ipc__g.finalized)
        return IPC_ERR_NOT_INITIALIZED;
    if (!cancelled)
        return IPC_ERR_ARG;
    struct ipc__req *r = req ? ipc__req_of(req) : NULL;
    if (!r || r->kind == IPC__REQ_SCHED)
        return IPC_ERR_REQUEST;
    *cancelled = withdraw(r);
    return IPC_SUCCESS;
}

static int waitall_checked(int n, ipc_request reqs[], ipc_status statuses[]);

int ipc_waitall(int n, ipc_request reqs[], ipc_status statuses[])
{
    if (!ipc__g.initialized || ipc__g.finalized)
        return IPC_ERR_NOT_INITIALIZED;
    if (n < 0 || (n > 0 && !reqs))
        return IPC_ERR_ARG;
    ipc__obs_enter(IPC__CALL_WAITALL, NULL, -2, -1, (size_t)n);
    int rc = waitall_checked(n, reqs, statuses);
    ipc__obs_exit();
    return rc;
}

/* Some handle is neither null nor names a request (a stale copy of a
 * finished request's handle, or forged): the call does nothing. */
static bool any_stale(int n, const ipc_request reqs[])
{
    for (int i = 0; i < n; i++)
        if (reqs[i] && !ipc__req_of(reqs[i]))
            return true;
    return false;
}

static int waitall_checked(int n, ipc_request reqs[], ipc_status statuses[])
{
    if (any_stale(n, reqs))
        return IPC_ERR_REQUEST;
    for (int i = 0; i < n; i++) {
        if (!reqs[i])
            continue;
        int rc = ipc__wait_one(ipc__req_of(reqs[i]));
        if (rc != IPC_SUCCESS)
            return rc;
    }
    int failed = 0;
    for (int i = 0; i < n; i++) {
        ipc_status *st = statuses ? &statuses[i] : NULL;
        struct ipc__req *r = reqs[i] ? ipc__req_of(reqs[i]) : NULL;
        if (r) {
            failed += finish_handle(&reqs[i], r, st) != IPC_SUCCESS;
            continue;
        }
        empty_status(st);
        if (reqs[i] && st) /* given twice: finished the first time */
            st->error = IPC_ERR_REQUEST;
        failed += reqs[i] != IPC_REQUEST_NULL;
    }
    return failed ? IPC_ERR_IN_STATUS : IPC_SUCCESS;
}

static int waitany_checked(int n, ipc_request reqs[], int *index, ipc_status *status);

int ipc_waitany(int n, ipc_request reqs[], int *index, ipc_status *status)
{
    if (!ipc__g.initialized || ipc__g.finalized)
        return IPC_ERR_NOT_INITIALIZED;
    if (n < 0 || (n > 0 && !reqs) || !index)
        return IPC_ERR_ARG;
    ipc__obs_enter(IPC__CALL_WAITANY, NULL, -2, -1, (size_t)n);
    int rc = waitany_checked(n, reqs, index, status);
    ipc__obs_exit();
    return rc;
}

struct any_wait {
    int n;
    const ipc_request *reqs; /* checked: null, or naming a request */
    int index;               /* the first complete one, or -1 */
    struct ipc__req *found;  /* and its request */
};

/* Some request is complete (a->index), or none is active. */
static bool any_settled(void *arg)
{
    struct any_wait *a = arg;
    bool active = false;
    a->index = -1;
    for (int i = 0; i < a->n; i++) {
        struct ipc__req *r = a->reqs[i] ? ipc__req_of(a->reqs[i]) : NULL;
        if (!r)
            continue;
        active = true;
        if (ipc__req_settled(r)) {
            a->index = i;
            a->found = r;
            return true;
        }
    }
    return !active;
}

static int waitany_checked(int n, ipc_request reqs[], int *index, ipc_status *status)
{
    if (any_stale(n, reqs))
        return IPC_ERR_REQUEST;
    struct any_wait a = {n, reqs, -1, NULL};
    ipc__wait_until(any_settled, &a, NULL);
    if (a.index < 0) {
        *index = IPC_UNDEFINED;
        empty_status(status);
        return IPC_SUCCESS;
    }
    *index = a.index;
    return finish_handle(&reqs[a.index], a.found, status);
}

/* What a probe of IPC_PROC_NULL finds at once: an empty message. */
static void proc_null_status(ipc_status *status)
{
    if (status)
        *status = (ipc_status){.source = IPC_PROC_NULL, .tag = IPC_ANY_TAG};
}

struct probe_wait {
    int source, tag;
    ipc_comm comm;
    ipc_status *status;
    bool blocking; /* ipc_probe: fail when the peer it waits for is gone */
    int rc;
};

/* A message matches (its status filled in), or the blocking probe failed. */
static bool probe_found(void *arg)
{
    struct probe_wait *p = arg;
    struct ipc__match_key pat = {.ctx = p->comm->ctx_p2p, .src = p->source, .tag = p->tag};
    struct ipc__match_node *n = ipc__mq_find_unexpected(&ipc__g.unexpected, &pat, 0);
    if (n) {
        const struct ipc__umsg *u = ipc__container_of(n, struct ipc__umsg, mn);
        if (p->status)
            *p->status =
                (ipc_status){.source = n->key.src, .tag = n->key.tag, .ipc__bytes = u->len};
        return true;
    }
    if (p->blocking && ipc__g.any_lost) {
        int w = p->source == IPC_ANY_SOURCE ? -1 : ipc__world_rank(p->comm, p->source);
        struct ipc__req probe_req = {.peer = w};
        probe_req.mn.link.next = &probe_req.mn.link;
        if (ipc__req_check_lost(&probe_req)) {
            p->rc = IPC_ERR_PEER;
            return true;
        }
    }
    return false;
}

int ipc_iprobe(int source, int tag, ipc_comm comm, int *flag, ipc_status *status)
{
    int rc = check_recv_pattern(source, tag, comm);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!flag)
        return IPC_ERR_ARG;
    if (source == IPC_PROC_NULL) {
        *flag = 1;
        proc_null_status(status);
        return IPC_SUCCESS;
    }
    struct probe_wait p = {source, tag, comm, status, false, IPC_SUCCESS};
    *flag = ipc__test_until(probe_found, &p);
    return IPC_SUCCESS;
}

static int probe_checked(int source, int tag, ipc_comm comm, ipc_status *status);

int ipc_probe(int source, int tag, ipc_comm comm, ipc_status *status)
{
    int rc = check_recv_pattern(source, tag, comm);
    if (rc != IPC_SUCCESS)
        return rc;
    ipc__obs_enter(IPC__CALL_PROBE, comm, source, tag, 0);
    rc = probe_checked(source, tag, comm, status);
    ipc__obs_exit();
    return rc;
}

static int probe_checked(int source, int tag, ipc_comm comm, ipc_status *status)
{
    if (source == IPC_PROC_NULL) {
        proc_null_status(status);
        return IPC_SUCCESS;
    }
    struct probe_wait p = {source, tag, comm, status, true, IPC_SUCCESS};
    ipc__wait_until(probe_found, &p, NULL);
    return p.rc;
}

int ipc_get_count(const ipc_status *status, ipc_datatype type, size_t *count)
{
    if (!status || !count)
        return IPC_ERR_ARG;
    if (!type)
        return IPC_ERR_TYPE;
    *count = type->size ? status->ipc__bytes / type->size : 0;
    return IPC_SUCCESS;
}

static int sendrecv_checked(const void *sbuf, size_t sbytes, int dest, int stag,
                            void *rbuf, size_t rbytes, int source, int rtag, ipc_comm comm,
                            ipc_status *status);

int ipc_sendrecv(const void *sbuf, size_t scount, ipc_datatype stype, int dest, int stag,
                 void *rbuf, size_t rcount, ipc_datatype rtype, int source, int rtag,
                 ipc_comm comm, ipc_status *status)
{
    size_t sbytes, rbytes;
    int rc = check_send(sbuf, scount, stype, dest, stag, comm, &sbytes);
    if (rc == IPC_SUCCESS)
        rc = check_recv(rbuf, rcount, rtype, source, rtag, comm, &rbytes);
    if (rc != IPC_SUCCESS)
        return rc;
    ipc__obs_enter(IPC__CALL_SENDRECV, comm, source, rtag, rbytes);
    rc = sendrecv_checked(sbuf, sbytes, dest, stag, rbuf, rbytes, source, rtag, comm,
                          status);
    ipc__obs_exit();
    return rc;
}

static int sendrecv_checked(const void *sbuf, size_t sbytes, int dest, int stag,
                            void *rbuf, size_t rbytes, int source, int rtag, ipc_comm comm,
                            ipc_status *status)
{
    struct ipc__req *r, *s;
    int rc = ipc__irecv(rbuf, rbytes, source, rtag, comm, comm->ctx_p2p, &r);
    if (rc != IPC_SUCCESS)
        return rc;
    rc = ipc__isend(sbuf, sbytes, dest, stag, comm, comm->ctx_p2p, 0, &s);
    if (rc != IPC_SUCCESS)
        return rc; /* r stays posted: a leak only on out-of-memory */
    if ((rc = ipc__wait_one(s)) != IPC_SUCCESS || (rc = ipc__wait_one(r)) != IPC_SUCCESS)
        return rc;
    int serr = finish(s, NULL);
    int rerr = finish(r, status);
    return rerr != IPC_SUCCESS ? rerr : serr;
}
