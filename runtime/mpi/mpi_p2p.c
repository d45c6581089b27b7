/*
 * mpi_p2p.c - MPI point-to-point and requests on libipc.
 *
 * An MPI request wraps libipc's request with what completion must still do:
 * unpack a receive of a non-contiguous datatype, free a packed copy. The
 * program holds a handle (MPI_Request, an incomplete struct
 * ipc__mpi_request pointer that is never followed) into a table of them
 * (handle.h): every call that takes one checks it first, so a stale copy of
 * a finished request's handle, or a forged value, is MPI_ERR_REQUEST. A
 * buffered send (MPI_Bsend) is an eager libipc isend of a private copy whose
 * size is charged to the attached buffer until it completes.
 *
 * A persistent request (MPI_Send_init and kin, MPI-3.1 3.9) keeps its
 * handle from _init to MPI_Request_free: its arguments are saved, MPI_Start
 * makes it active by starting the nonblocking operation they describe, and
 * completion makes it inactive again instead of releasing it. Every call
 * that completes requests treats an inactive one as it treats
 * MPI_REQUEST_NULL, but leaves the handle as it is.
 *
 * MPI_Cancel (MPI-3.1 3.8.4) is libipc's ipc_cancel: a receive that no
 * message has matched leaves the posted queue and completes at once,
 * cancelled; anything that went further completes as it would have. A send
 * to another rank is never cancelled: an eager one has left, and a
 * rendezvous one's announcement may already sit in the peer's unexpected
 * queue, which no frame of the protocol takes back (MPI-3.1 lets the
 * cancellation fail: the send then completes normally, when it is
 * received).
 *
 * A generalized request (MPI-3.1 12.2) is the program's own operation: it
 * completes when the program calls MPI_Grequest_complete; completing it in
 * Wait, Test and the rest calls its query function for the status and then
 * its free function, and MPI_Cancel calls its cancel function.
 */
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

struct ipc__mpi_req {
    struct ipc__hslot slot;  /* in reqs; kept across reuse */
    ipc_request ipc;         /* NULL: complete from the start (Ibsend) */
    struct ipc__mpi_view view; /* holds the type until completion */
    /* Or: a non-contiguous buffer as libipc moves it (it holds the type).
     * On the heap: its cursor is a kilobyte, which the memset of every
     * contiguous isend would pay for (-17% on a stream of 1 KiB isends). */
    struct ipc__mpi_layout *lay;
    void *ubuf;              /* receive: where to unpack */
    bool recv;
    bool cancelled;            /* MPI_Cancel withdrew the operation */
    struct ipc__mpi_req *next; /* in the detached list */
    struct persist *pers;      /* NULL: an ordinary request */
    struct greq *greq;         /* NULL: not a generalized request */
};

/* A generalized request's callbacks and state. */
struct greq {
    MPI_Grequest_query_function *query;
    MPI_Grequest_free_function *free;
    MPI_Grequest_cancel_function *cancel;
    void *extra_state;
    bool complete; /* MPI_Grequest_complete was called */
    /* MPI_Request_free'd before it completed: no call takes its handle but
     * MPI_Grequest_complete, which then frees it (MPI-3.1 12.2). */
    bool freed;
};

/* What a persistent request starts each time, as it was given to _init. */
enum persist_kind { P_SEND, P_SSEND, P_RSEND, P_BSEND, P_RECV };
struct persist {
    enum persist_kind kind;
    void *buf;
    int count;
    struct ipc__mpi_type *t; /* a reference: MPI_Type_free may come first */
    int peer, tag;
    MPI_Comm comm;
    bool active;
    bool freed; /* MPI_Request_free'd while active: release on completion */
};

static struct ipc__htab reqs = IPC__HTAB_INIT(struct ipc__mpi_req);
static struct ipc__mpi_req *detached; /* MPI_Request_free'd, still active */

/* The request handle h names, or NULL (stale, forged or null), freed
 * generalized requests included. */
static struct ipc__mpi_req *req_lookup(MPI_Request h)
{
    struct ipc__hslot *s = ipc__htab_get(&reqs, h);
    return s ? ipc__container_of(s, struct ipc__mpi_req, slot) : NULL;
}

/* The request handle h names, or NULL (stale, forged, null, or a freed
 * generalized request waiting for MPI_Grequest_complete). */
static struct ipc__mpi_req *req_of(MPI_Request h)
{
    struct ipc__mpi_req *r = req_lookup(h);
    return r && !(r->greq && r->greq->freed) ? r : NULL;
}

static MPI_Request handle_of(const struct ipc__mpi_req *r)
{
    return (MPI_Request)ipc__hslot_handle(&r->slot);
}

bool ipc__mpi_request_live(MPI_Request h)
{
    return req_of(h) != NULL;
}

/* Every handle of reqs is null or names a request: else the call that got
 * them does nothing but say MPI_ERR_REQUEST. */
static int check_handles(int n, const MPI_Request reqs_[])
{
    for (int i = 0; i < n; i++)
        if (reqs_[i] && !req_of(reqs_[i]))
            return MPI_ERR_REQUEST;
    return MPI_SUCCESS;
}

static struct ipc__mpi_req *req_new(void)
{
    struct ipc__hslot *slot = ipc__htab_alloc(&reqs);
    if (!slot)
        return NULL;
    struct ipc__mpi_req *r = ipc__container_of(slot, struct ipc__mpi_req, slot);
    /* Field by field, as libipc's ipc__req_new: a memset of the whole struct
     * is a rep stos whose start-up a stream of small isends feels. slot is
     * the table's, and keeps its handle. */
    r->ipc = NULL;
    r->view.p = r->view.tmp = NULL;
    r->view.bytes = 0;
    r->view.t = NULL;
    r->lay = NULL;
    r->ubuf = NULL;
    r->recv = false;
    r->cancelled = false;
    r->next = NULL;
    r->pers = NULL;
    r->greq = NULL;
#if __SIZEOF_POINTER__ == 8
    _Static_assert(sizeof *r == 104, "initialize every field of ipc__mpi_req here");
#endif
    return r;
}

/* r is finished: its handle names nothing from now on (nor does its
 * Fortran index). */
static void req_release(struct ipc__mpi_req *r)
{
    if (r->pers) {
        ipc__mpi_type_unref(r->pers->t);
        free(r->pers);
        r->pers = NULL;
    }
    free(r->greq);
    r->greq = NULL;
    ipc__mpi_request_forget(handle_of(r));
    ipc__htab_free(&reqs, &r->slot);
}

/* A persistent request that is not active: null to every completion call. */
static bool inactive(const struct ipc__mpi_req *r)
{
    return r->pers && !r->pers->active;
}

/* r's operation is over: an ordinary (or freed) request is released, a
 * persistent one becomes inactive, ready for MPI_Start again. */
static void req_end(struct ipc__mpi_req *r)
{
    if (!r->pers || r->pers->freed) {
        req_release(r);
        return;
    }
    r->pers->active = false;
    r->ipc = NULL;
    r->cancelled = false;
    r->view.p = r->view.tmp = NULL;
    r->view.bytes = 0;
    r->view.t = NULL;
    r->lay = NULL;
}

static const ipc_status empty_status = {.source = MPI_ANY_SOURCE, .tag = MPI_ANY_TAG};

/* Complete generalized request r's status, from its query function (st may
 * be MPI_STATUS_IGNORE: the function still gets one). Returns its code. */
static int greq_query(const struct ipc__mpi_req *r, MPI_Status *st)
{
    MPI_Status own;
    if (!st)
        st = &own;
    ipc__mpi_status(st, &empty_status);
    int rc = r->greq->query(r->greq->extra_state, st);
    if (rc != MPI_SUCCESS)
        st->MPI_ERROR = rc;
    return rc;
}

/* Calls r's free function and releases r; returns the function's code. */
static int greq_release(struct ipc__mpi_req *r)
{
    int rc = r->greq->free(r->greq->extra_state);
    req_release(r);
    return rc;
}

/* The rest of a completed request: unpack, free, status. Returns its error. */
static int req_finish(struct ipc__mpi_req *r, int ipc_rc, ipc_status *ist, MPI_Status *st)
{
    if (r->greq) {
        int rc = greq_query(r, st);
        if (rc == MPI_SUCCESS)
            rc = greq_release(r);
        else
            greq_release(r);
        if (st && rc != MPI_SUCCESS)
            st->MPI_ERROR = rc;
        return rc;
    }
    ipc__mpi_view_done(&r->view, r->ubuf, ist->ipc__bytes, r->recv);
    if (r->lay)
        ipc__mpi_layout_free(r->lay);
    if (ipc_rc != IPC_SUCCESS && ist->error == IPC_SUCCESS)
        ist->error = ipc_rc;
    ipc__mpi_status(st, ist);
    if (st)
        st->ipc__cancelled = r->cancelled;
    req_end(r);
    return ipc__mpi_code(ist->error);
}

int ipc__mpi_request_of(ipc_request ipc, MPI_Request *req)
{
    struct ipc__mpi_req *r = req_new();
    if (!r) {
        ipc_wait(&ipc, NULL); /* the operation must still finish */
        return MPI_ERR_NO_MEM;
    }
    r->ipc = ipc;
    *req = handle_of(r);
    return MPI_SUCCESS;
}

/* r is done (after checking whether its peer is gone). */
static bool req_done(const struct ipc__mpi_req *r)
{
    if (r->greq)
        return r->greq->complete;
    struct ipc__req *q = r->ipc ? ipc__req_of(r->ipc) : NULL;
    return !q || ipc__req_settled(q); /* no q: complete, or ipc_wait will say why not */
}

static bool one_done(void *arg)
{
    return req_done(arg);
}

/* Waits for r and finishes it. A generalized request that only this thread
 * could complete is waited for forever, as MPI-3.1 says. */
static int req_wait(struct ipc__mpi_req *r, MPI_Status *st)
{
    ipc_status ist = empty_status;
    if (r->greq && !r->greq->complete)
        ipc__wait_until(one_done, r, NULL);
    int rc = r->ipc ? ipc_wait(&r->ipc, &ist) : IPC_SUCCESS;
    return req_finish(r, rc, &ist, st);
}

/* Waits for *slot's request and finishes it; MPI_REQUEST_NULL and an
 * inactive persistent request give an empty status, a handle that names no
 * request MPI_ERR_REQUEST. A persistent request keeps its handle. */
static int wait_one(MPI_Request *slot, MPI_Status *st)
{
    struct ipc__mpi_req *r = *slot ? req_of(*slot) : NULL;
    if (*slot && !r)
        return MPI_ERR_REQUEST; /* a stale copy of a finished request's handle, or forged
                                 */
    if (!r || inactive(r)) {
        ipc__mpi_status(st, &empty_status);
        return MPI_SUCCESS;
    }
    if (!r->pers)
        *slot = MPI_REQUEST_NULL;
    return req_wait(r, st);
}

/* Handle h is MPI_REQUEST_NULL or an inactive persistent request (h checked). */
static bool is_null(MPI_Request h)
{
    struct ipc__mpi_req *r = h ? req_of(h) : NULL;
    return !r || inactive(r);
}

/* True when handle h is null or its request done (h checked). */
static bool is_done(MPI_Request h)
{
    struct ipc__mpi_req *r = h ? req_of(h) : NULL;
    return !r || req_done(r);
}

/* Requests the MPI layer waits on or tests together, for libipc's wait
 * primitive (ipc__wait_until, ipc__test_until). */
struct req_set {
    int n;
    MPI_Request *reqs;
    int first;   /* the first done request, or -1 */
    bool active; /* some request is not null */
};

/* Some request is done (set->first), or none is active. */
static bool any_done(void *arg)
{
    struct req_set *set = arg;
    set->active = false;
    set->first = -1;
    for (int i = 0; i < set->n; i++) {
        if (is_null(set->reqs[i]))
            continue;
        set->active = true;
        if (is_done(set->reqs[i])) {
            set->first = i;
            return true;
        }
    }
    return !set->active;
}

static bool all_done(void *arg)
{
    struct req_set *set = arg;
    for (int i = 0; i < set->n; i++)
        if (!is_done(set->reqs[i]))
            return false;
    return true;
}

static void reclaim_detached(bool block)
{
    struct ipc__mpi_req **pp = &detached;
    while (*pp) {
        struct ipc__mpi_req *r = *pp;
        if (block || req_done(r)) {
            *pp = r->next;
            req_wait(r, NULL);
        } else {
            pp = &r->next;
        }
    }
}

/* ---- buffered sends ---- */

struct bsend {
    ipc_request ipc;
    void *copy;
    size_t charge; /* bytes taken from the attached buffer */
    struct bsend *next;
};
static struct bsend *bsends;
static void *bsend_buf;
static size_t bsend_size, bsend_used;

static void bsend_reclaim(bool block)
{
    struct bsend **pp = &bsends;
    while (*pp) {
        struct bsend *b = *pp;
        int flag = 1;
        if (block)
            ipc_wait(&b->ipc, NULL);
        else
            ipc_test(&b->ipc, &flag, NULL);
        if (flag) {
            *pp = b->next;
            bsend_used -= b->charge;
            free(b->copy);
            free(b);
        } else {
            pp = &b->next;
        }
    }
}

int MPI_Buffer_attach(void *buffer, int size)
{
    if (bsend_buf)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_BUFFER); /* one buffer at a time */
    if (!buffer || size < 0)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    bsend_buf = buffer;
    bsend_size = (size_t)size;
    return MPI_SUCCESS;
}

/* Waits until every buffered send has left. */
int MPI_Buffer_detach(void *buffer_addr, int *size)
{
    if (!buffer_addr || !size)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    bsend_reclaim(true);
    *(void **)buffer_addr = bsend_buf;
    *size = (int)bsend_size;
    bsend_buf = NULL;
    bsend_size = 0;
    return MPI_SUCCESS;
}

static int bsend(struct ipc__mpi_type *t, const void *buf, int count, int dest, int tag,
                 MPI_Comm comm)
{
    if (!t || !t->committed)
        return MPI_ERR_TYPE;
    if (count < 0)
        return MPI_ERR_COUNT;
    size_t bytes = (size_t)count * t->size, charge = bytes + MPI_BSEND_OVERHEAD;
    if (bsend_used + charge > bsend_size)
        bsend_reclaim(false);
    if (bsend_used + charge > bsend_size)
        return MPI_ERR_BUFFER;
    struct bsend *b = calloc(1, sizeof *b);
    if (!b || !(b->copy = malloc(bytes ? bytes : 1))) {
        free(b);
        return MPI_ERR_NO_MEM;
    }
    ipc__mpi_pack(b->copy, buf, (size_t)count, t);
    int rc = ipc_isend(b->copy, bytes, IPC_BYTE, dest, tag, comm, &b->ipc);
    if (rc != IPC_SUCCESS) {
        free(b->copy);
        free(b);
        return ipc__mpi_code(rc);
    }
    b->charge = charge;
    bsend_used += charge;
    b->next = bsends;
    bsends = b;
    return MPI_SUCCESS;
}

void ipc__mpi_p2p_fini(void)
{
    bsend_reclaim(true);
    reclaim_detached(true);
    ipc__htab_fini(&reqs);
}

/* ---- sends and receives ---- */

enum send_mode { SEND_STD, SEND_SYNC };

/* Does a buffer of count elements of t go to libipc as a layout (packed
 * straight into the transport) rather than as bytes? */
static bool as_layout(int count, const struct ipc__mpi_type *t)
{
    return t && !t->contig && count > 0;
}

/* A blocking send or receive of a layout: starts it, waits, drops it. */
static int layout_blocking(const void *buf, int count, struct ipc__mpi_type *t, int peer,
                           int tag, MPI_Comm comm, enum send_mode mode, bool recv,
                           ipc_status *ist)
{
    struct ipc__mpi_layout lay;
    ipc_request r;
    int rc = ipc__mpi_layout_init(&lay, buf, (size_t)count, t);
    if (rc != MPI_SUCCESS)
        return rc;
    int irc = recv ? ipc__irecv_layout(&lay.base, peer, tag, comm, &r)
                   : ipc__isend_layout(&lay.base, peer, tag, comm, mode == SEND_SYNC, &r);
    if (irc == IPC_SUCCESS)
        irc = ipc_wait(&r, ist);
    ipc__mpi_layout_done(&lay);
    return ipc__mpi_code(irc);
}

static int send_common(const void *buf, int count, MPI_Datatype type, int dest, int tag,
                       MPI_Comm comm, enum send_mode mode)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    if (as_layout(count, t))
        return layout_blocking(buf, count, t, dest, tag, comm, mode, false, NULL);
    struct ipc__mpi_view v;
    int rc = ipc__mpi_view_in(&v, buf, count, t);
    if (rc != MPI_SUCCESS)
        return rc;
    rc = mode == SEND_SYNC ? ipc_ssend(v.p, v.bytes, IPC_BYTE, dest, tag, comm)
                           : ipc_send(v.p, v.bytes, IPC_BYTE, dest, tag, comm);
    if (v.tmp) /* rarely set: spares contiguous sends a call */
        ipc__mpi_view_done(&v, NULL, 0, false);
    return ipc__mpi_code(rc);
}

int MPI_Send(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm)
{
    IPC__MPI_RET(comm, send_common(buf, count, type, dest, tag, comm, SEND_STD));
}

int MPI_Ssend(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm)
{
    IPC__MPI_RET(comm, send_common(buf, count, type, dest, tag, comm, SEND_SYNC));
}

/* A ready send may be a standard one: the receive is posted, by contract. */
int MPI_Rsend(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm)
{
    IPC__MPI_RET(comm, send_common(buf, count, type, dest, tag, comm, SEND_STD));
}

int MPI_Bsend(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm)
{
    IPC__MPI_RET(comm, bsend(ipc__mpi_type(type), buf, count, dest, tag, comm));
}

int MPI_Recv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
             MPI_Status *status)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    ipc_status ist = empty_status;
    if (as_layout(count, t)) {
        int rc = layout_blocking(buf, count, t, source, tag, comm, SEND_STD, true, &ist);
        ipc__mpi_status(status, &ist);
        IPC__MPI_RET(comm, rc);
    }
    struct ipc__mpi_view v;
    int rc = ipc__mpi_view_out(&v, buf, count, t, false);
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    int irc = ipc_recv(v.p, v.bytes, IPC_BYTE, source, tag, comm, &ist);
    ipc__mpi_view_done(&v, buf, ist.ipc__bytes, irc == IPC_SUCCESS || irc == IPC_ERR_TRUNCATE);
    ipc__mpi_status(status, &ist);
    IPC__MPI_RET_IPC(comm, irc);
}

int MPI_Sendrecv(const void *sbuf, int scount, MPI_Datatype stype, int dest, int stag,
                 void *rbuf, int rcount, MPI_Datatype rtype, int source, int rtag,
                 MPI_Comm comm, MPI_Status *status)
{
    struct ipc__mpi_type *rt = ipc__mpi_type(rtype);
    struct ipc__mpi_view sv, rv;
    int rc = ipc__mpi_view_in(&sv, sbuf, scount, ipc__mpi_type(stype));
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    if ((rc = ipc__mpi_view_out(&rv, rbuf, rcount, rt, false)) != MPI_SUCCESS) {
        ipc__mpi_view_done(&sv, NULL, 0, false);
        IPC__MPI_RET(comm, rc);
    }
    ipc_status ist = empty_status;
    int irc = ipc_sendrecv(sv.p, sv.bytes, IPC_BYTE, dest, stag, rv.p, rv.bytes, IPC_BYTE,
                           source, rtag, comm, &ist);
    ipc__mpi_view_done(&sv, NULL, 0, false);
    ipc__mpi_view_done(&rv, rbuf, ist.ipc__bytes, irc == IPC_SUCCESS);
    ipc__mpi_status(status, &ist);
    IPC__MPI_RET_IPC(comm, irc);
}

int MPI_Sendrecv_replace(void *buf, int count, MPI_Datatype type, int dest, int stag,
                         int source, int rtag, MPI_Comm comm, MPI_Status *status)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    struct ipc__mpi_view sv;
    /* Always a copy: the receive lands in buf while the send reads it. */
    int rc = ipc__mpi_view_out(&sv, buf, count, t, true);
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    void *copy = sv.tmp;
    if (!copy && !(copy = malloc(sv.bytes ? sv.bytes : 1)))
        IPC__MPI_RET(comm, MPI_ERR_NO_MEM);
    if (!sv.tmp && sv.bytes)
        memcpy(copy, buf, sv.bytes);
    struct ipc__mpi_view rv;
    if ((rc = ipc__mpi_view_out(&rv, buf, count, t, false)) != MPI_SUCCESS) {
        if (sv.tmp)
            ipc__mpi_view_done(&sv, NULL, 0, false);
        else
            free(copy);
        IPC__MPI_RET(comm, rc);
    }
    ipc_status ist = empty_status;
    int irc = ipc_sendrecv(copy, sv.bytes, IPC_BYTE, dest, stag, rv.p, rv.bytes, IPC_BYTE,
                           source, rtag, comm, &ist);
    if (sv.tmp)
        ipc__mpi_view_done(&sv, NULL, 0, false);
    else
        free(copy);
    ipc__mpi_view_done(&rv, buf, ist.ipc__bytes, irc == IPC_SUCCESS);
    ipc__mpi_status(status, &ist);
    IPC__MPI_RET_IPC(comm, irc);
}

int MPI_Probe(int source, int tag, MPI_Comm comm, MPI_Status *status)
{
    ipc_status ist = empty_status;
    int rc = ipc_probe(source, tag, comm, &ist);
    ipc__mpi_status(status, &ist);
    IPC__MPI_RET_IPC(comm, rc);
}

int MPI_Iprobe(int source, int tag, MPI_Comm comm, int *flag, MPI_Status *status)
{
    ipc_status ist = empty_status;
    int rc = ipc_iprobe(source, tag, comm, flag, &ist);
    if (rc == IPC_SUCCESS && *flag)
        ipc__mpi_status(status, &ist);
    IPC__MPI_RET_IPC(comm, rc);
}

/* ---- nonblocking ---- */

/* Starts r's operation: a send (or with recv a receive) of a layout. On
 * failure r holds nothing (the caller releases it, or keeps it inactive). */
static int start_layout(struct ipc__mpi_req *r, const void *buf, int count,
                        struct ipc__mpi_type *t, int peer, int tag, MPI_Comm comm,
                        bool sync, bool recv)
{
    int rc = MPI_SUCCESS;
    if (!(r->lay = ipc__mpi_layout_new(buf, (size_t)count, t, &rc)))
        return rc;
    rc = ipc__mpi_code(recv ? ipc__irecv_layout(&r->lay->base, peer, tag, comm, &r->ipc)
                            : ipc__isend_layout(&r->lay->base, peer, tag, comm, sync,
                                                &r->ipc));
    if (rc != MPI_SUCCESS) {
        ipc__mpi_layout_free(r->lay);
        r->lay = NULL;
    }
    return rc;
}

/* Starts r as a send; on failure r holds nothing. */
static int start_send(struct ipc__mpi_req *r, const void *buf, int count,
                      struct ipc__mpi_type *t, int dest, int tag, MPI_Comm comm, bool sync)
{
    if (as_layout(count, t))
        return start_layout(r, buf, count, t, dest, tag, comm, sync, false);
    int rc = ipc__mpi_view_in(&r->view, buf, count, t);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(sync ? ipc_issend(r->view.p, r->view.bytes, IPC_BYTE, dest, tag,
                                             comm, &r->ipc)
                                : ipc_isend(r->view.p, r->view.bytes, IPC_BYTE, dest, tag,
                                            comm, &r->ipc));
    if (rc != MPI_SUCCESS)
        ipc__mpi_view_done(&r->view, NULL, 0, false);
    return rc;
}

/* Starts r as a receive; on failure r holds nothing. */
static int start_recv(struct ipc__mpi_req *r, void *buf, int count, struct ipc__mpi_type *t,
                      int source, int tag, MPI_Comm comm)
{
    r->recv = true;
    r->ubuf = buf;
    if (as_layout(count, t))
        return start_layout(r, buf, count, t, source, tag, comm, false, true);
    int rc = ipc__mpi_view_out(&r->view, buf, count, t, false);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(
            ipc_irecv(r->view.p, r->view.bytes, IPC_BYTE, source, tag, comm, &r->ipc));
    if (rc != MPI_SUCCESS)
        ipc__mpi_view_done(&r->view, NULL, 0, false);
    return rc;
}

/* What MPI_Isend, Issend, Irsend and Irecv start. */
enum nb_kind { NB_SEND, NB_SSEND, NB_RECV };

/* A new request started as kind; on failure nothing is left. */
static int nb_start(enum nb_kind kind, const void *buf, int count, MPI_Datatype type,
                    int peer, int tag, MPI_Comm comm, MPI_Request *req)
{
    if (!req)
        return MPI_ERR_REQUEST;
    struct ipc__mpi_req *r = req_new();
    if (!r)
        return MPI_ERR_NO_MEM;
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    int rc = kind == NB_RECV ? start_recv(r, (void *)buf, count, t, peer, tag, comm)
                             : start_send(r, buf, count, t, peer, tag, comm, kind == NB_SSEND);
    if (rc != MPI_SUCCESS) {
        req_release(r);
        return rc;
    }
    *req = handle_of(r);
    return MPI_SUCCESS;
}

int MPI_Isend(const void *buf, int count, MPI_Datatype type, int dest, int tag,
              MPI_Comm comm, MPI_Request *req)
{
    IPC__MPI_RET(comm, nb_start(NB_SEND, buf, count, type, dest, tag, comm, req));
}

int MPI_Issend(const void *buf, int count, MPI_Datatype type, int dest, int tag,
               MPI_Comm comm, MPI_Request *req)
{
    IPC__MPI_RET(comm, nb_start(NB_SSEND, buf, count, type, dest, tag, comm, req));
}

int MPI_Irsend(const void *buf, int count, MPI_Datatype type, int dest, int tag,
               MPI_Comm comm, MPI_Request *req)
{
    IPC__MPI_RET(comm, nb_start(NB_SEND, buf, count, type, dest, tag, comm, req));
}

/* Complete at once: the data is in the attached buffer's accounting. */
int MPI_Ibsend(const void *buf, int count, MPI_Datatype type, int dest, int tag,
               MPI_Comm comm, MPI_Request *req)
{
    int rc = req ? bsend(ipc__mpi_type(type), buf, count, dest, tag, comm) : MPI_ERR_REQUEST;
    struct ipc__mpi_req *r = rc == MPI_SUCCESS ? req_new() : NULL;
    if (rc == MPI_SUCCESS && !r)
        rc = MPI_ERR_NO_MEM;
    if (r)
        *req = handle_of(r);
    IPC__MPI_RET(comm, rc);
}

int MPI_Irecv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
              MPI_Request *req)
{
    IPC__MPI_RET(comm, nb_start(NB_RECV, buf, count, type, source, tag, comm, req));
}

/* ---- persistent requests ---- */

/* An inactive persistent request for kind's operation on these arguments.
 * The type must be committed and count not negative now; the rest (the
 * communicator, the peer, the attached buffer) is checked by MPI_Start. */
static int persist_init(enum persist_kind kind, const void *buf, int count,
                        MPI_Datatype type, int peer, int tag, MPI_Comm comm,
                        MPI_Request *req)
{
    if (!req)
        return MPI_ERR_REQUEST;
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    if (!t || !t->committed)
        return MPI_ERR_TYPE;
    if (count < 0)
        return MPI_ERR_COUNT;
    struct persist *p = malloc(sizeof *p);
    struct ipc__mpi_req *r = p ? req_new() : NULL;
    if (!r) {
        free(p);
        return MPI_ERR_NO_MEM;
    }
    ipc__mpi_type_ref(t);
    *p = (struct persist){.kind = kind, .buf = (void *)buf, .count = count, .t = t,
                          .peer = peer, .tag = tag, .comm = comm};
    r->pers = p;
    *req = handle_of(r);
    return MPI_SUCCESS;
}

int MPI_Send_init(const void *buf, int count, MPI_Datatype type, int dest, int tag,
                  MPI_Comm comm, MPI_Request *req)
{
    IPC__MPI_RET(comm, persist_init(P_SEND, buf, count, type, dest, tag, comm, req));
}

int MPI_Ssend_init(const void *buf, int count, MPI_Datatype type, int dest, int tag,
                   MPI_Comm comm, MPI_Request *req)
{
    IPC__MPI_RET(comm, persist_init(P_SSEND, buf, count, type, dest, tag, comm, req));
}

int MPI_Rsend_init(const void *buf, int count, MPI_Datatype type, int dest, int tag,
                   MPI_Comm comm, MPI_Request *req)
{
    IPC__MPI_RET(comm, persist_init(P_RSEND, buf, count, type, dest, tag, comm, req));
}

int MPI_Bsend_init(const void *buf, int count, MPI_Datatype type, int dest, int tag,
                   MPI_Comm comm, MPI_Request *req)
{
    IPC__MPI_RET(comm, persist_init(P_BSEND, buf, count, type, dest, tag, comm, req));
}

int MPI_Recv_init(void *buf, int count, MPI_Datatype type, int source, int tag,
                  MPI_Comm comm, MPI_Request *req)
{
    IPC__MPI_RET(comm, persist_init(P_RECV, buf, count, type, source, tag, comm, req));
}

/* The persistent request h names, inactive; else MPI_ERR_REQUEST (null,
 * stale, forged, an ordinary request or an active one). */
static int startable(MPI_Request h)
{
    struct ipc__mpi_req *r = h ? req_of(h) : NULL;
    return r && inactive(r) ? MPI_SUCCESS : MPI_ERR_REQUEST;
}

/* Starts inactive persistent request r as Isend, Issend, Irsend, Ibsend or
 * Irecv would; on failure it stays inactive. */
static int persist_start(struct ipc__mpi_req *r)
{
    struct persist *p = r->pers;
    int rc;
    switch (p->kind) {
    case P_RECV:
        rc = start_recv(r, p->buf, p->count, p->t, p->peer, p->tag, p->comm);
        break;
    case P_BSEND: /* complete at once, as MPI_Ibsend */
        rc = bsend(p->t, p->buf, p->count, p->peer, p->tag, p->comm);
        break;
    default:
        rc = start_send(r, p->buf, p->count, p->t, p->peer, p->tag, p->comm,
                        p->kind == P_SSEND);
        break;
    }
    p->active = rc == MPI_SUCCESS;
    return rc;
}

int MPI_Start(MPI_Request *req)
{
    int rc = req ? startable(*req) : MPI_ERR_REQUEST;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    struct ipc__mpi_req *r = req_of(*req);
    IPC__MPI_RET(r->pers->comm, persist_start(r));
}

/* Every request is checked before any starts; a failure to start one stops
 * there, leaving it and the rest inactive. */
int MPI_Startall(int n, MPI_Request reqs[])
{
    if (n < 0 || (n && !reqs))
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    for (int i = 0; i < n; i++) {
        int rc = startable(reqs[i]);
        for (int j = 0; j < i && rc == MPI_SUCCESS; j++)
            rc = reqs[j] == reqs[i] ? MPI_ERR_REQUEST : MPI_SUCCESS;
        if (rc != MPI_SUCCESS)
            IPC__MPI_RET(MPI_COMM_WORLD, rc);
    }
    for (int i = 0; i < n; i++) {
        struct ipc__mpi_req *r = req_of(reqs[i]);
        int rc = persist_start(r);
        if (rc != MPI_SUCCESS)
            IPC__MPI_RET(r->pers->comm, rc);
    }
    return MPI_SUCCESS;
}

/* ---- completion ---- */

static int check_init(void)
{
    int flag = 0, done = 0;
    ipc_initialized(&flag);
    ipc_finalized(&done);
    return flag && !done ? MPI_SUCCESS : MPI_ERR_OTHER;
}

int MPI_Wait(MPI_Request *req, MPI_Status *status)
{
    int rc = req ? check_init() : MPI_ERR_REQUEST;
    if (rc == MPI_SUCCESS)
        rc = wait_one(req, status);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Test(MPI_Request *req, int *flag, MPI_Status *status)
{
    int rc = req && flag ? check_init() : MPI_ERR_ARG;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    struct ipc__mpi_req *r = *req ? req_of(*req) : NULL;
    if (*req && !r)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_REQUEST);
    *flag = !r || ipc__test_until(one_done, r);
    if (*flag)
        rc = wait_one(req, status);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

/* Finishes requests 0..n-1 (all complete or waited for here); MPI_ERR_IN_STATUS
 * when some failed and statuses are kept. A handle given twice is finished
 * the first time, and MPI_ERR_REQUEST the second. */
static int finish_all(int n, MPI_Request reqs[], MPI_Status statuses[])
{
    int failed = 0, first = MPI_SUCCESS;
    for (int i = 0; i < n; i++) {
        MPI_Status *st = statuses ? &statuses[i] : NULL;
        int rc = wait_one(&reqs[i], st);
        if (rc == MPI_ERR_REQUEST && st)
            *st = (MPI_Status){.MPI_SOURCE = MPI_ANY_SOURCE,
                               .MPI_TAG = MPI_ANY_TAG,
                               .MPI_ERROR = MPI_ERR_REQUEST};
        if (rc != MPI_SUCCESS) {
            failed++;
            first = first ? first : rc;
        }
    }
    if (!failed)
        return MPI_SUCCESS;
    return statuses ? MPI_ERR_IN_STATUS : first;
}

int MPI_Waitall(int n, MPI_Request reqs[], MPI_Status statuses[])
{
    int rc = n < 0 || (n && !reqs) ? MPI_ERR_ARG : check_init();
    if (rc == MPI_SUCCESS)
        rc = check_handles(n, reqs);
    if (rc == MPI_SUCCESS)
        rc = finish_all(n, reqs, statuses);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Testall(int n, MPI_Request reqs[], int *flag, MPI_Status statuses[])
{
    int rc = n < 0 || (n && !reqs) || !flag ? MPI_ERR_ARG : check_init();
    if (rc == MPI_SUCCESS)
        rc = check_handles(n, reqs);
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    struct req_set set = {n, reqs, -1, false};
    *flag = ipc__test_until(all_done, &set);
    if (*flag)
        rc = finish_all(n, reqs, statuses);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

static int any_common(int n, MPI_Request reqs[], int *index, int *flag, MPI_Status *status,
                      bool block)
{
    if (n < 0 || (n && !reqs) || !index)
        return MPI_ERR_ARG;
    int rc = check_init();
    if (rc == MPI_SUCCESS)
        rc = check_handles(n, reqs);
    if (rc != MPI_SUCCESS)
        return rc;
    struct req_set set = {n, reqs, -1, false};
    if (block)
        ipc__wait_until(any_done, &set, NULL);
    else
        ipc__test_until(any_done, &set);
    int i = set.first;
    if (flag)
        *flag = i >= 0 || !set.active;
    *index = i >= 0 ? i : MPI_UNDEFINED;
    if (i >= 0)
        return wait_one(&reqs[i], status);
    if (!set.active)
        ipc__mpi_status(status, &empty_status);
    return MPI_SUCCESS;
}

int MPI_Waitany(int n, MPI_Request reqs[], int *index, MPI_Status *status)
{
    IPC__MPI_RET(MPI_COMM_WORLD, any_common(n, reqs, index, NULL, status, true));
}

int MPI_Testany(int n, MPI_Request reqs[], int *index, int *flag, MPI_Status *status)
{
    if (!flag)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    IPC__MPI_RET(MPI_COMM_WORLD, any_common(n, reqs, index, flag, status, false));
}

/* Finishes every request that is done; MPI_UNDEFINED when none is active. */
static int some_common(int n, MPI_Request reqs[], int *outcount, int indices[],
                       MPI_Status statuses[], bool block)
{
    if (n < 0 || (n && (!reqs || !indices)) || !outcount)
        return MPI_ERR_ARG;
    int index, rc = check_init(), failed = 0;
    if (rc == MPI_SUCCESS)
        rc = check_handles(n, reqs);
    if (rc != MPI_SUCCESS)
        return rc;
    if (block) {
        rc = any_common(n, reqs, &index, NULL, statuses, true);
        if (index == MPI_UNDEFINED) {
            *outcount = MPI_UNDEFINED;
            return rc;
        }
    } else {
        struct req_set set = {n, reqs, -1, false};
        ipc__test_until(any_done, &set);
        if (!set.active) {
            *outcount = MPI_UNDEFINED;
            return rc;
        }
        index = -1;
    }
    int k = 0;
    if (index >= 0) {
        failed += rc != MPI_SUCCESS;
        indices[k++] = index;
    }
    for (int i = 0; i < n; i++) {
        if (i == index || is_null(reqs[i]) || !is_done(reqs[i]))
            continue;
        MPI_Status *st = statuses ? &statuses[k] : NULL;
        indices[k++] = i;
        failed += wait_one(&reqs[i], st) != MPI_SUCCESS;
    }
    *outcount = k;
    return failed ? MPI_ERR_IN_STATUS : MPI_SUCCESS;
}

int MPI_Waitsome(int n, MPI_Request reqs[], int *outcount, int indices[],
                 MPI_Status statuses[])
{
    IPC__MPI_RET(MPI_COMM_WORLD, some_common(n, reqs, outcount, indices, statuses, true));
}

int MPI_Testsome(int n, MPI_Request reqs[], int *outcount, int indices[],
                 MPI_Status statuses[])
{
    IPC__MPI_RET(MPI_COMM_WORLD, some_common(n, reqs, outcount, indices, statuses, false));
}

/* The operation still completes; its request is reclaimed later. A
 * generalized request is freed (its free function called) once it is
 * complete; until then its handle stays valid for MPI_Grequest_complete
 * alone. */
int MPI_Request_free(MPI_Request *req)
{
    struct ipc__mpi_req *r = req && *req ? req_of(*req) : NULL;
    if (!r)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_REQUEST);
    *req = MPI_REQUEST_NULL;
    if (r->greq) {
        if (r->greq->complete)
            IPC__MPI_RET(MPI_COMM_WORLD, greq_release(r));
        r->greq->freed = true;
        return MPI_SUCCESS;
    }
    if (inactive(r)) { /* nothing under way: gone at once */
        req_release(r);
        return MPI_SUCCESS;
    }
    if (r->pers)
        r->pers->freed = true;
    /* The program's handle, and any copy of it, dies now. */
    ipc__mpi_request_forget(handle_of(r));
    ipc__hslot_retire(&r->slot);
    r->next = detached;
    detached = r;
    reclaim_detached(false);
    return MPI_SUCCESS;
}

/* ---- cancel and status ---- */

/* Marks *req's operation cancelled if it can still be withdrawn (see the
 * top of this file); either way it must still be completed or freed. A
 * generalized request's cancel function decides, and its code is returned.
 * MPI_REQUEST_NULL, an inactive persistent request (nothing to cancel) and
 * a request of MPI_Comm_idup (a collective: MPI-3.1 5.12 makes cancelling
 * one erroneous) are MPI_ERR_REQUEST. */
int MPI_Cancel(MPI_Request *req)
{
    struct ipc__mpi_req *r = req && *req ? req_of(*req) : NULL;
    if (!r || inactive(r))
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_REQUEST);
    MPI_Comm comm = r->pers ? r->pers->comm : MPI_COMM_WORLD;
    if (r->greq)
        IPC__MPI_RET(comm, r->greq->cancel(r->greq->extra_state, r->greq->complete));
    if (!r->ipc) /* a buffered send: complete at once */
        return MPI_SUCCESS;
    int cancelled = 0;
    int rc = ipc_cancel(r->ipc, &cancelled);
    if (rc == IPC_SUCCESS && cancelled)
        r->cancelled = true;
    IPC__MPI_RET_IPC(comm, rc);
}

/* The status of r, done, without finishing it; returns its error. A
 * receive through a packed copy is unpacked now (finishing it later does
 * nothing more). */
static int req_peek(struct ipc__mpi_req *r, MPI_Status *st)
{
    if (r->greq)
        return greq_query(r, st);
    ipc_status ist = empty_status;
    struct ipc__req *q = r->ipc ? ipc__req_of(r->ipc) : NULL;
    if (q) {
        ist = q->status;
        if (ist.error == IPC_SUCCESS)
            ist.error = q->error;
    }
    if (r->recv && r->view.tmp)
        ipc__mpi_view_done(&r->view, r->ubuf, ist.ipc__bytes, true);
    ipc__mpi_status(st, &ist);
    if (st)
        st->ipc__cancelled = r->cancelled;
    return ipc__mpi_code(ist.error);
}

/* MPI_Test that leaves the request as it is (MPI-3.1 3.7.3): null and
 * inactive requests give flag true and the empty status. */
int MPI_Request_get_status(MPI_Request req, int *flag, MPI_Status *status)
{
    int rc = flag ? check_init() : MPI_ERR_ARG;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    struct ipc__mpi_req *r = req ? req_of(req) : NULL;
    if (req && !r)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_REQUEST);
    if (!r || inactive(r)) {
        *flag = 1;
        ipc__mpi_status(status, &empty_status);
        return MPI_SUCCESS;
    }
    *flag = ipc__test_until(one_done, r);
    IPC__MPI_RET(MPI_COMM_WORLD, *flag ? req_peek(r, status) : MPI_SUCCESS);
}

/* ---- generalized requests (MPI-3.1 12.2) ---- */

int MPI_Grequest_start(MPI_Grequest_query_function *query_fn,
                       MPI_Grequest_free_function *free_fn,
                       MPI_Grequest_cancel_function *cancel_fn, void *extra_state,
                       MPI_Request *req)
{
    if (!query_fn || !free_fn || !cancel_fn)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    if (!req)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_REQUEST);
    struct greq *g = malloc(sizeof *g);
    struct ipc__mpi_req *r = g ? req_new() : NULL;
    if (!r) {
        free(g);
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_NO_MEM);
    }
    *g = (struct greq){
        .query = query_fn,
        .free = free_fn,
        .cancel = cancel_fn,
        .extra_state = extra_state,
    };
    r->greq = g;
    *req = handle_of(r);
    return MPI_SUCCESS;
}

/* Takes the handle by value: a copy kept after MPI_Request_free still
 * names the request until this call frees it. Completing twice is
 * MPI_ERR_REQUEST. */
int MPI_Grequest_complete(MPI_Request req)
{
    struct ipc__mpi_req *r = req ? req_lookup(req) : NULL;
    if (!r || !r->greq || r->greq->complete)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_REQUEST);
    r->greq->complete = true;
    if (r->greq->freed)
        IPC__MPI_RET(MPI_COMM_WORLD, greq_release(r));
    return MPI_SUCCESS;
}
