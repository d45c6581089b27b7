/*
 * ops.c - one-sided operations: at once on a target whose memory this rank
 * reaches (DIRECT: mapped; CMA: process_vm_readv/writev through the link),
 * or as a request message that the target's progress engine serves (AM).
 *
 * Accumulates (and compare-and-swap) hold the target's accumulate lock, in
 * its control block, for their read-modify-write, whoever does it: a direct
 * origin, a CMA origin, or the target's own server for an AM origin. That
 * makes them atomic per element with respect to each other, whatever the
 * path, as MPI-3.1 11.7.1 asks; puts and gets take no lock.
 *
 * An AM operation is a schedule (sched.c) of one round: the request goes,
 * the reply is received into a buffer of the operation; its step then
 * copies the fetched bytes out and calls the layer's done(). The target
 * answers requests in the order they arrive, so the accumulates of one
 * origin to one target apply in the order issued.
 *
 * The server (ipc__rma_serve, called by every progress pass while some
 * window has AM members): requests wait in the unexpected queue under the
 * window's context and IPC__RMA_TAG_REQ; it takes each with a receive of
 * exactly its length, then checks every field of it before acting on it. A
 * request that does not hold together names its sender, who is cut off.
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#if defined(__x86_64__) && defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "win.h"

int ipc__rma_nserved;

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#else
    __asm__ __volatile__("" ::: "memory");
#endif
}

void ipc__rma_acc_lock(struct ipc__rma_ctl *c)
{
    unsigned spins = 0;
    while (atomic_exchange_explicit(&c->acc, 1, memory_order_acquire)) {
        while (atomic_load_explicit(&c->acc, memory_order_relaxed)) {
            /* The holder may be descheduled on an oversubscribed node:
             * give it the core after a short spin. */
            if (++spins > 100)
                sched_yield();
            else
                cpu_relax();
        }
    }
}

void ipc__rma_acc_unlock(struct ipc__rma_ctl *c)
{
    atomic_store_explicit(&c->acc, 0, memory_order_release);
}

static bool op_valid(struct ipc__win *w, int op, int type)
{
    return op == IPC__RMA_OP_REPLACE || op == IPC__RMA_OP_NO_OP ||
           w->kernel(op, type, NULL, NULL, 0);
}

int ipc__rma_apply(struct ipc__win *w, int op, int type, size_t elem, const void *in,
                   void *inout, size_t bytes)
{
    if (op == IPC__RMA_OP_REPLACE)
        memmove(inout, in, bytes);
    else if (op != IPC__RMA_OP_NO_OP && !w->kernel(op, type, in, inout, bytes / elem))
        return IPC_ERR_OP;
    return IPC_SUCCESS;
}

/* ---- the target's memory, however it is reached ---- */

struct tmem {
    struct ipc__win *w;
    int t;
    enum ipc__rma_path path; /* DIRECT or CMA */
    char *base;              /* DIRECT */
    struct ipc__link *link;  /* CMA */
    uint64_t addr;           /* CMA: its base (0: dynamic, offsets are addresses) */
};

static void tmem_of(struct tmem *m, struct ipc__win *w, int t)
{
    struct ipc__rma_peer *p = &w->peers[t];
    *m = (struct tmem){.w = w, .t = t, .path = p->path, .base = p->base};
    if (w->flavor == IPC_WIN_FLAVOR_DYNAMIC)
        m->base = NULL; /* offsets are addresses */
    if (p->path == IPC__RMA_CMA) {
        m->link = &ipc__g.links[p->world];
        m->addr = w->flavor == IPC_WIN_FLAVOR_DYNAMIC ? 0 : p->addr;
    }
}

static inline char *at(const struct tmem *m, uint64_t off)
{
    return m->base ? m->base + off : (char *)(uintptr_t)off;
}

static int t_read(const struct tmem *m, uint64_t off, void *dst, size_t len)
{
    if (m->path == IPC__RMA_DIRECT) {
        memcpy(dst, at(m, off), len);
        return IPC_SUCCESS;
    }
    return m->link->ops->get(m->link, dst, m->addr + off, len) ? IPC_ERR_TRANSPORT
                                                               : IPC_SUCCESS;
}

/* Long puts into another rank's memory bypass this core's caches
 * (non-temporal stores): the lines are the target's to read, and a store
 * that misses need not fetch the line first. 1 MiB puts to a mapped window:
 * 17.1 against 15.6 GB/s by memcpy, 27.7 against 23.6 at 256 KiB (one
 * noisy run each, cp test of this machine); at 64 KiB and below memcpy was
 * as fast or faster, and the target may read small data from our cache. */
enum { NT_MIN = 256 * 1024 };

static void copy_out(char *dst, const char *src, size_t len)
{
#if defined(__x86_64__) && defined(__SSE2__)
    if (len >= NT_MIN) {
        size_t head = (64 - ((uintptr_t)dst & 63)) & 63;
        memcpy(dst, src, head);
        dst += head, src += head, len -= head;
        for (; len >= 64; dst += 64, src += 64, len -= 64) {
            __m128i a = _mm_loadu_si128((const __m128i *)(const void *)src);
            __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(src + 16));
            __m128i c = _mm_loadu_si128((const __m128i *)(const void *)(src + 32));
            __m128i d = _mm_loadu_si128((const __m128i *)(const void *)(src + 48));
            _mm_stream_si128((__m128i *)(void *)dst, a);
            _mm_stream_si128((__m128i *)(void *)(dst + 16), b);
            _mm_stream_si128((__m128i *)(void *)(dst + 32), c);
            _mm_stream_si128((__m128i *)(void *)(dst + 48), d);
        }
        _mm_sfence(); /* streaming stores are weakly ordered */
    }
#endif
    memcpy(dst, src, len);
}

static int t_write(const struct tmem *m, uint64_t off, const void *src, size_t len)
{
    if (m->path == IPC__RMA_DIRECT) {
        if (m->t == m->w->rank)
            memcpy(at(m, off), src, len);
        else
            copy_out(at(m, off), src, len);
        return IPC_SUCCESS;
    }
    return m->link->ops->put(m->link, m->addr + off, src, len) ? IPC_ERR_TRANSPORT
                                                               : IPC_SUCCESS;
}

/* The blocks' bytes, gathered into buf (packed) or scattered from it. */
static int gather(const struct tmem *m, const struct ipc__rma_blk *b, size_t n, char *buf)
{
    int rc = IPC_SUCCESS;
    for (size_t i = 0; i < n && rc == IPC_SUCCESS; buf += b[i].len, i++)
        rc = t_read(m, b[i].off, buf, b[i].len);
    return rc;
}

static int scatter(const struct tmem *m, const struct ipc__rma_blk *b, size_t n,
                   const char *buf)
{
    int rc = IPC_SUCCESS;
    for (size_t i = 0; i < n && rc == IPC_SUCCESS; buf += b[i].len, i++)
        rc = t_write(m, b[i].off, buf, b[i].len);
    return rc;
}

/* One operation on memory this rank reaches, already checked (kinds, op,
 * ranges). */
struct op {
    enum ipc__rma_kind kind;
    const struct ipc__rma_blk *blk;
    size_t nblk, bytes;
    const char *src, *cmp;
    char *dst;
    int op, type;
    size_t elem;
};

static int exec_atomic(const struct tmem *m, struct ipc__rma_ctl *ctl, const struct op *o)
{
    /* in place: the common case, one run of directly mapped memory */
    bool in_place = m->path == IPC__RMA_DIRECT && o->nblk == 1 && o->kind != IPC__RMA_CAS;
    char small[256], *tmp = small;
    if (!in_place && o->kind != IPC__RMA_CAS && o->bytes > sizeof small &&
        !(tmp = malloc(o->bytes)))
        return IPC_ERR_NOMEM;
    ipc__rma_acc_lock(ctl);
    int rc;
    if (in_place) {
        char *p = at(m, o->blk[0].off);
        if (o->kind == IPC__RMA_GET_ACC)
            memcpy(o->dst, p, o->bytes);
        rc = ipc__rma_apply(m->w, o->op, o->type, o->elem, o->src, p, o->bytes);
    } else if (o->kind == IPC__RMA_CAS) {
        rc = gather(m, o->blk, o->nblk, o->dst);
        if (rc == IPC_SUCCESS && !memcmp(o->dst, o->cmp, o->bytes))
            rc = scatter(m, o->blk, o->nblk, o->src);
    } else {
        rc = gather(m, o->blk, o->nblk, tmp);
        if (rc == IPC_SUCCESS && o->kind == IPC__RMA_GET_ACC)
            memcpy(o->dst, tmp, o->bytes);
        if (rc == IPC_SUCCESS && o->op != IPC__RMA_OP_NO_OP) {
            rc = ipc__rma_apply(m->w, o->op, o->type, o->elem, o->src, tmp, o->bytes);
            if (rc == IPC_SUCCESS)
                rc = scatter(m, o->blk, o->nblk, tmp);
        }
    }
    ipc__rma_acc_unlock(ctl);
    if (tmp != small)
        free(tmp);
    return rc;
}

static int exec(const struct tmem *m, struct ipc__rma_ctl *ctl, const struct op *o)
{
    switch (o->kind) {
    case IPC__RMA_PUT:
        return scatter(m, o->blk, o->nblk, o->src);
    case IPC__RMA_GET:
        return gather(m, o->blk, o->nblk, o->dst);
    default:
        return exec_atomic(m, ctl, o);
    }
}

/* ---- the AM path, origin side ---- */

struct ipc__rma_amop {
    struct ipc__sched s;
    struct ipc__win *w;
    int t;
    unsigned tag;
    bool settled;
    bool user; /* the program holds its request (an r- form) */
    char *msg;
    size_t msg_len;
    char *reply; /* struct ipc__rma_am_reply, then dst_len bytes */
    void *dst;
    size_t dst_len;
    void (*done)(void *arg, int err);
    void *arg;
};

/* The operation is over (err: its outcome): its bytes, its done(), the
 * window's counts. Once. */
static void amop_settle(struct ipc__rma_amop *a, int err)
{
    if (a->settled)
        return;
    a->settled = true;
    if (err == IPC_SUCCESS) {
        struct ipc__rma_am_reply r;
        memcpy(&r, a->reply, sizeof r);
        if (r.status != IPC_SUCCESS)
            err = r.status > 0 && r.status < IPC_ERR_LASTCODE ? r.status : IPC_ERR_INTERN;
        else if (r.bytes != a->dst_len)
            err = IPC_ERR_INTERN;
        else if (a->dst_len)
            memcpy(a->dst, a->reply + sizeof r, a->dst_len);
    }
    if (a->done)
        a->done(a->arg, err);
    struct ipc__win *w = a->w;
    w->peers[a->t].am_out--;
    w->am_total--;
    if (err != IPC_SUCCESS && w->am_err == IPC_SUCCESS)
        w->am_err = err;
}

static int amop_step(struct ipc__sched *s)
{
    struct ipc__rma_amop *a = ipc__container_of(s, struct ipc__rma_amop, s);
    ipc_comm c = a->w->comm;
    if (!a->settled && !a->msg_len) {
        amop_settle(a, IPC_SUCCESS);
        return IPC__SCHED_END;
    }
    if (a->settled)
        return IPC__SCHED_END;
    /* first round: the request and its reply */
    int rc = ipc__sched_irecv(s, a->reply, sizeof(struct ipc__rma_am_reply) + a->dst_len,
                              a->t, a->tag, c, c->ctx_p2p);
    if (rc == IPC_SUCCESS)
        rc = ipc__sched_isend(s, a->msg, a->msg_len, a->t, IPC__RMA_TAG_REQ, c,
                              c->ctx_p2p);
    a->msg_len = 0; /* next step: the reply is in */
    return rc;
}

static void amop_release(struct ipc__sched *s)
{
    struct ipc__rma_amop *a = ipc__container_of(s, struct ipc__rma_amop, s);
    amop_settle(a, s->error != IPC_SUCCESS ? s->error : IPC_ERR_INTERN);
    if (!a->user && s->req)
        ipc__req_free(s->req); /* complete: nobody else holds it */
    free(a->msg);
    free(a->reply);
    free(a);
}

/* Sends the request (kind, blocks, operands) to t; the reply lands in dst. */
static int am_post(struct ipc__win *w, int t, uint32_t kind,
                   const struct ipc__rma_desc *d, int lock_type, struct ipc__req **req)
{
    size_t nblk = d ? d->nblk : 0, bytes = d ? d->bytes : 0;
    size_t operand = d && ipc__rma_has_operand(kind) ? bytes : 0;
    size_t cmp = kind == IPC__RMA_CAS ? bytes : 0;
    size_t dst_len = ipc__rma_fetches(kind) ? bytes : 0;
    struct ipc__rma_amop *a = calloc(1, sizeof *a);
    size_t len = sizeof(struct ipc__rma_am_hdr) + nblk * sizeof(struct ipc__rma_blk) +
                 operand + cmp;
    if (!a)
        return IPC_ERR_NOMEM;
    a->msg = malloc(len);
    a->reply = malloc(sizeof(struct ipc__rma_am_reply) + dst_len);
    if (!a->msg || !a->reply) {
        free(a->msg);
        free(a->reply);
        free(a);
        return IPC_ERR_NOMEM;
    }
    a->w = w;
    a->t = t;
    a->tag = IPC__RMA_TAG_REPLY + (w->am_seq++ & 0xffffff);
    a->msg_len = len;
    a->dst = d ? d->dst : NULL;
    a->dst_len = dst_len;
    a->done = d ? d->done : NULL;
    a->arg = d ? d->arg : NULL;
    struct ipc__rma_am_hdr h = {.kind = kind,
                                .op = d ? d->op : lock_type,
                                .type = d ? d->type : 0,
                                .reply_tag = a->tag,
                                .elem = d ? d->elem : 0,
                                .nblk = nblk,
                                .bytes = bytes};
    char *p = a->msg;
    memcpy(p, &h, sizeof h);
    p += sizeof h;
    if (nblk)
        memcpy(p, d->blk, nblk * sizeof *d->blk);
    p += nblk * sizeof *d->blk;
    if (operand && d->src)
        memcpy(p, d->src, operand);
    else if (operand) /* a fetch with IPC_NO_OP: the operand is never read */
        memset(p, 0, operand);
    if (cmp)
        memcpy(p + operand, d->cmp, cmp);
    a->s.step = amop_step;
    a->s.release = amop_release;
    a->user = req != NULL;
    w->peers[t].am_out++;
    w->am_total++;
    struct ipc__req *r;
    /* On failure it was released (and settled); without a user it may be
     * over and freed when this returns, so r is not looked at. */
    int rc = ipc__sched_start(&a->s, &r);
    if (rc == IPC_SUCCESS && req)
        *req = r;
    return rc;
}

static bool am_idle(void *arg)
{
    struct ipc__rma_peer *p = arg;
    return p->am_out == 0;
}

static bool am_all_idle(void *arg)
{
    return ((struct ipc__win *)arg)->am_total == 0;
}

int ipc__rma_am_flush(struct ipc__win *w, int t)
{
    if (t >= 0 ? w->peers[t].am_out : w->am_total)
        ipc__wait_until(t >= 0 ? am_idle : am_all_idle, t >= 0 ? (void *)&w->peers[t] : w,
                        NULL);
    int err = w->am_err;
    w->am_err = IPC_SUCCESS;
    return err;
}

int ipc__rma_am_lock(struct ipc__win *w, int t, int lock_type, bool unlock)
{
    int rc = am_post(w, t, unlock ? IPC__RMA_AM_UNLOCK : IPC__RMA_AM_LOCK, NULL,
                     lock_type, NULL);
    if (rc != IPC_SUCCESS)
        return rc;
    return ipc__rma_am_flush(w, t);
}

const char *ipc__rma_req_decode(const void *buf, size_t len, struct ipc__rma_req *q)
{
    struct ipc__rma_am_hdr *h = &q->h;
    if (len < sizeof *h)
        return "shorter than its header";
    memcpy(h, buf, sizeof *h);
    if (h->reply_tag < IPC__RMA_TAG_REPLY || h->reply_tag > IPC_TAG_UB)
        return "reply tag out of range";
    if (h->kind == IPC__RMA_AM_LOCK || h->kind == IPC__RMA_AM_UNLOCK) {
        if (len != sizeof *h)
            return "lock request with a body";
        if (h->op != IPC_LOCK_SHARED && h->op != IPC_LOCK_EXCLUSIVE)
            return "unknown lock type";
        return NULL;
    }
    if (h->kind < IPC__RMA_PUT || h->kind > IPC__RMA_CAS)
        return "unknown kind";
    size_t room = len - sizeof *h;
    if (h->nblk > room / sizeof(struct ipc__rma_blk))
        return "more blocks than it holds";
    room -= h->nblk * sizeof(struct ipc__rma_blk);
    bool operand = ipc__rma_has_operand(h->kind);
    if (operand && h->bytes > room)
        return "length past its end";
    size_t need = operand ? h->bytes * (h->kind == IPC__RMA_CAS ? 2 : 1) : 0;
    if (need != room)
        return "length does not match its size";
    const char *p = (const char *)buf + sizeof *h;
    uint64_t sum = 0;
    for (uint64_t i = 0; i < h->nblk; i++) {
        struct ipc__rma_blk b;
        memcpy(&b, p + i * sizeof b, sizeof b);
        if (__builtin_add_overflow(sum, b.len, &sum))
            return "blocks longer than memory";
    }
    if (sum != h->bytes)
        return "blocks do not add up to its length";
    if (h->kind >= IPC__RMA_ACC && (!h->elem || h->bytes % h->elem ||
                                    (h->kind == IPC__RMA_CAS && h->bytes != h->elem)))
        return "length not a whole number of elements";
    q->blocks = p;
    q->operand = p + h->nblk * sizeof(struct ipc__rma_blk);
    q->cmp = q->operand + (h->kind == IPC__RMA_CAS ? h->bytes : 0);
    return NULL;
}

/* ---- posting ---- */

static int check_desc(struct ipc__win *w, const struct ipc__rma_desc *d)
{
    if (d->kind < IPC__RMA_PUT || d->kind > IPC__RMA_CAS || (d->nblk && !d->blk))
        return IPC_ERR_ARG;
    size_t sum = 0;
    for (size_t i = 0; i < d->nblk; i++)
        if (__builtin_add_overflow(sum, d->blk[i].len, &sum))
            return IPC_ERR_COUNT;
    if (sum != d->bytes)
        return IPC_ERR_ARG;
    if (d->kind >= IPC__RMA_ACC) {
        if (!d->elem || d->bytes % d->elem)
            return IPC_ERR_TYPE;
        if (d->kind != IPC__RMA_CAS && !op_valid(w, d->op, d->type))
            return IPC_ERR_OP;
        if (d->kind == IPC__RMA_CAS && d->bytes != d->elem)
            return IPC_ERR_COUNT;
    }
    bool no_operand = d->kind == IPC__RMA_GET_ACC && d->op == IPC__RMA_OP_NO_OP;
    if (d->bytes &&
        ((ipc__rma_has_operand(d->kind) && !d->src && !no_operand) ||
         (ipc__rma_fetches(d->kind) && !d->dst) || (d->kind == IPC__RMA_CAS && !d->cmp)))
        return IPC_ERR_BUFFER;
    return IPC_SUCCESS;
}

/* A request that is complete already, for the r- forms of an operation
 * that was over at once. */
static struct ipc__req *done_req(int err)
{
    struct ipc__req *r = ipc__req_new(IPC__REQ_SCHED);
    if (r) {
        r->peer = ipc__g.job.rank;
        ipc__req_complete(r, err);
    }
    return r;
}

static int post(struct ipc__win *w, const struct ipc__rma_desc *d, struct ipc__req **req)
{
    int t = d->target;
    if (t < 0 || t >= w->size)
        return IPC_ERR_RANK;
    if (!ipc__rma_epoch_covers(w, t))
        return IPC_ERR_RMA_SYNC;
    int rc = check_desc(w, d);
    if (rc != IPC_SUCCESS)
        return rc;
    struct ipc__rma_peer *p = &w->peers[t];
    for (size_t i = 0; i < d->nblk; i++)
        if ((rc = ipc__rma_range(w, t, d->blk[i].off, d->blk[i].len)) != IPC_SUCCESS)
            return rc;
    if (p->path == IPC__RMA_AM && d->bytes)
        return am_post(w, t, d->kind, d, 0, req);
    struct ipc__req *r = NULL;
    if (req && !(r = done_req(IPC_SUCCESS)))
        return IPC_ERR_NOMEM;
    if (d->bytes) {
        struct tmem m;
        tmem_of(&m, w, t);
        struct op o = {d->kind, d->blk, d->nblk, d->bytes, d->src,
                       d->cmp,  d->dst, d->op,   d->type,  d->elem};
        rc = exec(&m, p->ctl, &o);
    }
    if (rc != IPC_SUCCESS) {
        if (r)
            ipc__req_free(r);
        return rc;
    }
    if (d->done)
        d->done(d->arg, IPC_SUCCESS);
    if (req)
        *req = r;
    return IPC_SUCCESS;
}

/* What --trace calls an operation (libipc's ipc_fetch_and_op names itself). */
static enum ipc__call call_of(enum ipc__rma_kind kind, bool req)
{
    switch (kind) {
    case IPC__RMA_PUT:
        return req ? IPC__CALL_RPUT : IPC__CALL_PUT;
    case IPC__RMA_GET:
        return req ? IPC__CALL_RGET : IPC__CALL_GET;
    case IPC__RMA_ACC:
        return req ? IPC__CALL_RACCUMULATE : IPC__CALL_ACCUMULATE;
    case IPC__RMA_GET_ACC:
        return req ? IPC__CALL_RGET_ACCUMULATE : IPC__CALL_GET_ACCUMULATE;
    case IPC__RMA_CAS:
        return IPC__CALL_COMPARE_AND_SWAP;
    }
    return IPC__CALL_NONE;
}

/* Every operation comes here, libipc's and the MPI layer's: it is counted
 * (--stats) and drawn (--trace) as a call that does not wait. */
int ipc__rma_post(ipc_win win, const struct ipc__rma_desc *d, struct ipc__req **req)
{
    struct ipc__win *w = ipc__win_of(win);
    if (!w)
        return IPC_ERR_WIN;
    if (!d)
        return IPC_ERR_ARG;
    ipc__obs_enter_nowait(call_of(d->kind, req != NULL), w->comm, d->target, -1,
                          d->bytes);
    int rc = post(w, d, req);
    if (rc == IPC_SUCCESS)
        ipc__obs_rma(w->peers[d->target].world, (int)d->kind, d->bytes);
    ipc__obs_exit_nowait();
    return rc;
}

/* ---- the AM path, target side: the server ---- */

struct ipc__rma_serving {
    struct ipc__list link;
    int src; /* origin's rank in the window */
    struct ipc__req *req;
    char *buf; /* the request (incoming), the reply (replies) */
    size_t len;
    int lock_type; /* lockq: the lock it waits for */
    uint32_t reply_tag;
};

static void reply(struct ipc__win *w, int src, uint32_t tag, int status, const void *data,
                  size_t bytes)
{
    struct ipc__rma_serving *s = calloc(1, sizeof *s);
    struct ipc__rma_am_reply r = {.status = status,
                                  .bytes = status == IPC_SUCCESS ? bytes : 0};
    size_t len = sizeof r + r.bytes;
    char *buf = s ? malloc(len) : NULL;
    if (!buf) {
        /* No memory for the answer: the origin would wait for ever. */
        fprintf(stderr, "ipc: rank %d: out of memory answering a one-sided request\n",
                ipc__g.job.rank);
        ipc_abort(IPC_COMM_WORLD, 1);
    }
    memcpy(buf, &r, sizeof r);
    if (r.bytes)
        memcpy(buf + sizeof r, data, r.bytes);
    s->buf = buf;
    s->src = src;
    int rc = ipc__isend(buf, len, src, (int)tag, w->comm, w->comm->ctx_p2p,
                        IPC__SEND_ALONE, &s->req);
    if (rc != IPC_SUCCESS) {
        free(buf);
        free(s);
        return; /* the origin is gone */
    }
    ipc__list_push_back(&w->replies, &s->link);
}

/* The origin broke the protocol: it is named and cut off. */
static void malformed(struct ipc__win *w, int src, const char *what)
{
    char why[160];
    snprintf(why, sizeof why, "it sent a malformed one-sided request (%s)", what);
    ipc__peer_lost(w->peers[src].world, why);
}

static void serve_lock(struct ipc__win *w, struct ipc__rma_serving *in,
                       const struct ipc__rma_am_hdr *h)
{
    if (h->kind == IPC__RMA_AM_UNLOCK) {
        ipc__rma_unlock_word(w->ctl, h->op);
        reply(w, in->src, h->reply_tag, IPC_SUCCESS, NULL, 0);
    } else if (ipc__rma_try_lock(w->ctl, h->op)) {
        reply(w, in->src, h->reply_tag, IPC_SUCCESS, NULL, 0);
    } else {
        struct ipc__rma_serving *q = calloc(1, sizeof *q);
        if (!q) {
            reply(w, in->src, h->reply_tag, IPC_ERR_NOMEM, NULL, 0);
            return;
        }
        q->src = in->src;
        q->lock_type = h->op;
        q->reply_tag = h->reply_tag;
        ipc__list_push_back(&w->lockq, &q->link);
    }
}

/* One request, received whole: decoded (every field checked), then done. */
static void serve(struct ipc__win *w, struct ipc__rma_serving *in)
{
    struct ipc__rma_req q;
    const char *bad = ipc__rma_req_decode(in->buf, in->len, &q);
    if (bad) {
        malformed(w, in->src, bad);
        return;
    }
    const struct ipc__rma_am_hdr *h = &q.h;
    if (h->kind == IPC__RMA_AM_LOCK || h->kind == IPC__RMA_AM_UNLOCK) {
        serve_lock(w, in, h);
        return;
    }
    /* The blocks must lie in the window before anything is allocated for
     * what they would fetch. */
    struct ipc__rma_blk *blk = malloc(h->nblk ? h->nblk * sizeof *blk : 1);
    char *out = NULL;
    int status = blk ? IPC_SUCCESS : IPC_ERR_NOMEM;
    if (status == IPC_SUCCESS)
        memcpy(blk, q.blocks, h->nblk * sizeof *blk);
    for (size_t i = 0; i < h->nblk && status == IPC_SUCCESS; i++)
        status = ipc__rma_range(w, w->rank, blk[i].off, blk[i].len);
    if (status == IPC_SUCCESS && h->kind >= IPC__RMA_ACC && h->kind != IPC__RMA_CAS &&
        !op_valid(w, h->op, h->type))
        status = IPC_ERR_OP;
    if (status == IPC_SUCCESS && ipc__rma_fetches(h->kind) &&
        !(out = malloc(h->bytes ? h->bytes : 1)))
        status = IPC_ERR_NOMEM;
    if (status == IPC_SUCCESS) {
        struct tmem m;
        tmem_of(&m, w, w->rank);
        struct op o = {h->kind, blk, h->nblk, h->bytes, q.operand,
                       q.cmp,   out, h->op,   h->type,  h->elem};
        status = exec(&m, w->ctl, &o);
    }
    reply(w, in->src, h->reply_tag, status, out,
          ipc__rma_fetches(h->kind) ? h->bytes : 0);
    free(blk);
    free(out);
}

static bool serve_window(struct ipc__win *w)
{
    bool did = false;
    ipc_comm c = w->comm;
    if (ipc__g.unexpected.length) {
        struct ipc__match_key pat = {
            .ctx = c->ctx_p2p, .src = IPC_ANY_SOURCE, .tag = IPC__RMA_TAG_REQ};
        struct ipc__match_node *n;
        while ((n = ipc__mq_find_unexpected(&ipc__g.unexpected, &pat, 0))) {
            const struct ipc__umsg *u = ipc__container_of(n, struct ipc__umsg, mn);
            struct ipc__rma_serving *in = calloc(1, sizeof *in);
            char *buf = in ? malloc(u->len ? u->len : 1) : NULL;
            if (!buf) {
                free(in);
                break; /* try again at the next pass */
            }
            in->src = n->key.src;
            in->len = u->len;
            in->buf = buf;
            if (ipc__irecv(buf, u->len, in->src, IPC__RMA_TAG_REQ, c, c->ctx_p2p,
                           &in->req) != IPC_SUCCESS) {
                free(buf);
                free(in);
                break;
            }
            ipc__list_push_back(&w->incoming, &in->link);
            did = true;
        }
    }
    while (!ipc__list_empty(&w->incoming)) {
        struct ipc__rma_serving *in =
            ipc__container_of(w->incoming.next, struct ipc__rma_serving, link);
        ipc__req_check_lost(in->req);
        if (!in->req->complete)
            break;
        ipc__list_remove(&in->link);
        if (in->req->error == IPC_SUCCESS) {
            serve(w, in);
            ipc__obs_served(w->peers[in->src].world);
        }
        ipc__req_free(in->req);
        free(in->buf);
        free(in);
        did = true;
    }
    for (struct ipc__list *p = w->lockq.next, *next; p != &w->lockq; p = next) {
        next = p->next;
        struct ipc__rma_serving *q = ipc__container_of(p, struct ipc__rma_serving, link);
        if (!ipc__rma_try_lock(w->ctl, q->lock_type))
            continue;
        ipc__list_remove(p);
        reply(w, q->src, q->reply_tag, IPC_SUCCESS, NULL, 0);
        free(q);
        did = true;
    }
    for (struct ipc__list *p = w->replies.next, *next; p != &w->replies; p = next) {
        next = p->next;
        struct ipc__rma_serving *s = ipc__container_of(p, struct ipc__rma_serving, link);
        ipc__req_check_lost(s->req);
        if (!s->req->complete)
            continue;
        ipc__list_remove(p);
        ipc__req_free(s->req);
        free(s->buf);
        free(s);
    }
    return did;
}

bool ipc__rma_serve(void)
{
    static bool serving; /* a reply's send may come back through progress */
    if (serving)
        return false;
    serving = true;
    bool did = false;
    for (struct ipc__list *p = ipc__rma_windows.next; p != &ipc__rma_windows;
         p = p->next) {
        struct ipc__win *w = ipc__container_of(p, struct ipc__win, link);
        if (w->nam)
            did |= serve_window(w);
    }
    serving = false;
    return did;
}

static bool replies_sent(void *arg)
{
    struct ipc__win *w = arg;
    serve_window(w);
    return ipc__list_empty(&w->replies) && ipc__list_empty(&w->incoming);
}

void ipc__rma_serve_drain(struct ipc__win *w)
{
    if (!w->nam)
        return;
    ipc__wait_until(replies_sent, w, NULL);
    while (!ipc__list_empty(&w->lockq)) { /* nobody waits for these any more */
        struct ipc__list *p = w->lockq.next;
        ipc__list_remove(p);
        free(ipc__container_of(p, struct ipc__rma_serving, link));
    }
}

void ipc__rma_serve_forget(struct ipc__win *w)
{
    struct ipc__list *lists[] = {&w->incoming, &w->lockq, &w->replies};
    for (size_t i = 0; i < sizeof lists / sizeof lists[0]; i++) {
        while (!ipc__list_empty(lists[i])) {
            struct ipc__list *p = lists[i]->next;
            struct ipc__rma_serving *s =
                ipc__container_of(p, struct ipc__rma_serving, link);
            ipc__list_remove(p);
            free(s->buf); /* its request, if any, goes with every request (p2p.c) */
            free(s);
        }
    }
}
