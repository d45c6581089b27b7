/*
 * nbc.c - schedules built whole when a nonblocking collective is posted.
 *
 * A nonblocking collective is a list of operations cut into rounds: sends,
 * receives, local copies, reductions and calls. The builder (icoll.c, the MPI
 * layer) appends them; ipc__nbc_start hands the list to the schedule engine
 * (sched.c), whose step runs one round at a time: the local operations of the
 * round in order, then its sends and receives, all posted at once. The next
 * round starts once every request of this one has completed, so a round may
 * read what the previous one received.
 *
 * Every message of one instance carries the same tag, IPC__TAG_NBC plus the
 * communicator's count of nonblocking collectives (the same at every member,
 * since collectives are called in one order): instances in flight at once
 * never take each other's messages, nor those of blocking collectives, which
 * use tags of their own. Within an instance two ranks exchange their messages
 * in the same order on both sides, and messages between two ranks on one
 * context and tag never overtake each other.
 *
 * Memory the schedule needs (scratch buffers, the MPI layer's packed copies)
 * comes from ipc__nbc_alloc and lives until the schedule is released, after
 * the functions given to ipc__nbc_at_release have run. The communicator is
 * held as long (ipc__comm_hold): freeing it while the collective is under
 * way is allowed, and only its memory waits.
 */
#include <stdlib.h>

#include "coll.h"

enum nbc_kind { NBC_SEND, NBC_RECV, NBC_COPY, NBC_REDUCE, NBC_CALL, NBC_ROUND };

struct nbc_op {
    enum nbc_kind kind;
    union {
        struct {
            void *buf;
            size_t bytes;
            int peer;
            ipc_comm comm;
        } x; /* SEND, RECV */
        struct {
            void *dst;
            const void *src;
            size_t bytes;
        } copy;
        struct {
            const void *in;
            void *inout;
            size_t count;
            ipc_datatype type;
            ipc_op op;
        } red;
        struct {
            void (*fn)(void *arg);
            void *arg;
        } call;
    };
};

/* A block of ipc__nbc_alloc; the data follows, aligned. */
struct nbc_mem {
    struct nbc_mem *next;
    _Alignas(max_align_t) unsigned char data[];
};

struct nbc_cleanup {
    void (*fn)(void *arg);
    void *arg;
};

/* Small allocations come from the schedule's own arena. */
enum { NBC_ARENA = 512 };

struct ipc__nbc {
    struct ipc__sched s;
    ipc_comm comm; /* held until the release: it may be freed meanwhile */
    unsigned seq;  /* comm's count of nonblocking collectives when this one began */
    int tag;
    int error; /* the first failure while building */
    struct nbc_op *ops;
    int nops, cap;
    int pos;         /* next operation to run */
    int in_round;    /* sends and receives of the round being built */
    int max_round;   /* the most of any round */
    bool rendezvous; /* a receive longer than the eager limit */
    struct nbc_mem *mem;
    struct nbc_cleanup *cl;
    int ncl, clcap;
    size_t arena_used;
    _Alignas(max_align_t) unsigned char arena[NBC_ARENA];
    struct ipc__nbc *next_free;
};

/* Released schedules kept with their arrays for the next ones: a stream of
 * small nonblocking collectives allocates nothing. */
enum { NBC_KEEP = 4 };
static struct ipc__nbc *kept;
static int nkept;

struct ipc__nbc *ipc__nbc_new(ipc_comm comm)
{
    struct ipc__nbc *n = kept;
    if (n) {
        kept = n->next_free;
        nkept--;
    } else if (!(n = calloc(1, sizeof *n))) {
        return NULL;
    }
    /* Field by field: the arena needs no clearing. */
    n->s = (struct ipc__sched){0};
    n->error = IPC_SUCCESS;
    n->nops = n->pos = n->in_round = n->max_round = n->ncl = 0;
    n->rendezvous = false;
    n->mem = NULL;
    n->arena_used = 0;
    n->comm = comm;
    n->seq = comm->nbc_seq++;
    n->tag = IPC__TAG_NBC + (int)(n->seq % IPC__TAG_NBC_SPAN);
    ipc__comm_hold(comm);
    return n;
}

bool ipc__nbc_failed(const struct ipc__nbc *n)
{
    return n->error != IPC_SUCCESS;
}

void ipc__nbc_fail(struct ipc__nbc *n, int error)
{
    if (n->error == IPC_SUCCESS)
        n->error = error;
}

static struct nbc_op *append(struct ipc__nbc *n, enum nbc_kind kind)
{
    if (n->error != IPC_SUCCESS)
        return NULL;
    if (n->nops == n->cap) {
        int cap = n->cap ? 2 * n->cap : 16;
        struct nbc_op *ops = realloc(n->ops, (size_t)cap * sizeof *ops);
        if (!ops) {
            n->error = IPC_ERR_NOMEM;
            return NULL;
        }
        n->ops = ops;
        n->cap = cap;
    }
    struct nbc_op *op = &n->ops[n->nops++];
    op->kind = kind;
    return op;
}

static void xfer(struct ipc__nbc *n, enum nbc_kind kind, ipc_comm comm, void *buf,
                 size_t bytes, int peer)
{
    if (peer == IPC_PROC_NULL)
        return;
    struct nbc_op *op = append(n, kind);
    if (!op)
        return;
    op->x.buf = buf;
    op->x.bytes = bytes;
    op->x.peer = peer;
    op->x.comm = comm;
    if (kind == NBC_RECV && bytes > ipc__g.job.tun.eager_limit)
        n->rendezvous = true;
    if (++n->in_round > n->max_round)
        n->max_round = n->in_round;
}

void ipc__nbc_send(struct ipc__nbc *n, ipc_comm comm, const void *buf, size_t bytes,
                   int peer)
{
    xfer(n, NBC_SEND, comm, (void *)buf, bytes, peer);
}

void ipc__nbc_recv(struct ipc__nbc *n, ipc_comm comm, void *buf, size_t bytes, int peer)
{
    xfer(n, NBC_RECV, comm, buf, bytes, peer);
}

void ipc__nbc_copy(struct ipc__nbc *n, void *dst, const void *src, size_t bytes)
{
    if (!bytes || dst == src)
        return;
    struct nbc_op *op = append(n, NBC_COPY);
    if (op)
        op->copy = (__typeof__(op->copy)){dst, src, bytes};
}

void ipc__nbc_reduce(struct ipc__nbc *n, const void *in, void *inout, size_t count,
                     ipc_datatype type, ipc_op op)
{
    if (!count)
        return;
    struct nbc_op *o = append(n, NBC_REDUCE);
    if (o)
        o->red = (__typeof__(o->red)){in, inout, count, type, op};
}

void ipc__nbc_call(struct ipc__nbc *n, void (*fn)(void *arg), void *arg)
{
    struct nbc_op *op = append(n, NBC_CALL);
    if (op)
        op->call = (__typeof__(op->call)){fn, arg};
}

void ipc__nbc_round(struct ipc__nbc *n)
{
    /* A round with no sends or receives needs no boundary: its local work
     * runs with the next one's. */
    if (n->in_round == 0 || !append(n, NBC_ROUND))
        return;
    n->in_round = 0;
}

void *ipc__nbc_alloc(struct ipc__nbc *n, size_t bytes)
{
    if (n->error != IPC_SUCCESS)
        return NULL;
    size_t round_up = (bytes + _Alignof(max_align_t) - 1) & ~(_Alignof(max_align_t) - 1);
    if (round_up >= bytes && round_up <= NBC_ARENA - n->arena_used) {
        void *p = n->arena + n->arena_used;
        n->arena_used += round_up;
        return p;
    }
    struct nbc_mem *m = bytes > SIZE_MAX - sizeof *m ? NULL : malloc(sizeof *m + bytes);
    if (!m) {
        n->error = IPC_ERR_NOMEM;
        return NULL;
    }
    m->next = n->mem;
    n->mem = m;
    return m->data;
}

void ipc__nbc_at_release(struct ipc__nbc *n, void (*fn)(void *arg), void *arg)
{
    if (n->ncl == n->clcap) {
        int cap = n->clcap ? 2 * n->clcap : 4;
        struct nbc_cleanup *cl = realloc(n->cl, (size_t)cap * sizeof *cl);
        if (!cl) {
            /* Run now: whatever it frees is not yet in use by a started
             * schedule (the caller registers cleanups while building). */
            fn(arg);
            ipc__nbc_fail(n, IPC_ERR_NOMEM);
            return;
        }
        n->cl = cl;
        n->clcap = cap;
    }
    n->cl[n->ncl++] = (struct nbc_cleanup){fn, arg};
}

static void nbc_release(struct ipc__sched *s)
{
    struct ipc__nbc *n = ipc__container_of(s, struct ipc__nbc, s);
    for (int i = n->ncl - 1; i >= 0; i--)
        n->cl[i].fn(n->cl[i].arg);
    while (n->mem) {
        struct nbc_mem *m = n->mem;
        n->mem = m->next;
        free(m);
    }
    if (n->s.round != n->s.round_inline)
        free(n->s.round);
    ipc__comm_drop(n->comm);
    /* Kept, with its arrays, unless they grew large. */
    if (nkept < NBC_KEEP && n->cap <= 64 && n->clcap <= 16) {
        n->next_free = kept;
        kept = n;
        nkept++;
        return;
    }
    free(n->cl);
    free(n->ops);
    free(n);
}

void ipc__nbc_fini(void)
{
    while (kept) {
        struct ipc__nbc *n = kept;
        kept = n->next_free;
        free(n->cl);
        free(n->ops);
        free(n);
    }
    nkept = 0;
}

/* A schedule that never started gives its tag back when it was the last
 * one taken: a call refused for its arguments leaves the count as it was. */
static void give_back_tag(struct ipc__nbc *n)
{
    if (n->comm->nbc_seq == n->seq + 1)
        n->comm->nbc_seq = n->seq;
}

void ipc__nbc_abandon(struct ipc__nbc *n)
{
    if (!n)
        return;
    give_back_tag(n);
    nbc_release(&n->s);
}

/* Runs the local operations of the next round and posts its messages. */
static int nbc_step(struct ipc__sched *s)
{
    struct ipc__nbc *n = ipc__container_of(s, struct ipc__nbc, s);
    if (n->pos == n->nops)
        return IPC__SCHED_END;
    while (n->pos < n->nops) {
        const struct nbc_op *op = &n->ops[n->pos++];
        int rc = IPC_SUCCESS;
        switch (op->kind) {
        case NBC_ROUND:
            return IPC_SUCCESS;
        case NBC_SEND:
            rc = ipc__sched_isend(s, op->x.buf, op->x.bytes, op->x.peer, n->tag,
                                  op->x.comm, op->x.comm->ctx_coll);
            break;
        case NBC_RECV:
            rc = ipc__sched_irecv(s, op->x.buf, op->x.bytes, op->x.peer, n->tag,
                                  op->x.comm, op->x.comm->ctx_coll);
            break;
        case NBC_COPY:
            ipc__coll_copy(op->copy.dst, op->copy.src, op->copy.bytes);
            break;
        case NBC_REDUCE:
            ipc__op_apply(op->red.op, op->red.type, op->red.in, op->red.inout,
                          op->red.count);
            break;
        case NBC_CALL:
            op->call.fn(op->call.arg);
            break;
        }
        if (rc != IPC_SUCCESS)
            return rc;
    }
    return IPC_SUCCESS;
}

int ipc__nbc_start(struct ipc__nbc *n, struct ipc__req **req)
{
    if (n->error == IPC_SUCCESS && n->max_round > IPC__SCHED_ROUND_MAX) {
        n->s.round = malloc((size_t)n->max_round * sizeof *n->s.round);
        n->s.round_cap = n->max_round;
        if (!n->s.round)
            n->error = IPC_ERR_NOMEM;
    }
    if (n->error != IPC_SUCCESS) {
        int rc = n->error;
        ipc__nbc_abandon(n);
        return rc;
    }
    n->s.step = nbc_step;
    n->s.release = nbc_release;
    bool rendezvous = n->rendezvous;
    int rc = ipc__sched_start(&n->s, req);
    /* A long message whose announcement is already here is read now, in
     * the post: its sender, which may be computing until it waits, then
     * finds it done. Not for short ones: the look costs more than it saves
     * (measured: 8 B overlap fell from ~35% to ~20%, 1 MiB bcast's rose from
     * ~3% to ~35%). */
    if (rc == IPC_SUCCESS && rendezvous)
        ipc__progress();
    return rc;
}

int ipc__nbc_start_handle(struct ipc__nbc *n, ipc_request *handle)
{
    struct ipc__req *req;
    int rc = ipc__nbc_start(n, &req);
    if (rc == IPC_SUCCESS)
        *handle = ipc__req_handle(req);
    return rc;
}
