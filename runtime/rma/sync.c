/*
 * sync.c - epochs: fence, post/start/complete/wait, lock/unlock, flushes.
 *
 * Operations to DIRECT and CMA targets are over when their call returns,
 * so closing an epoch only has to order memory and, for AM targets, wait
 * for the replies (ipc__rma_am_flush). Fence is that and a barrier of the
 * window's communicator. Post/start and complete/wait are zero-byte
 * messages on the window's communicator. Locks are words in the target's
 * control block: an origin on the target's node takes them itself with
 * atomics; one elsewhere asks the target's server, which takes the same
 * word.
 */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "coll/coll.h"
#include "win.h"

enum {
    ALL_ASSERTS = IPC_MODE_NOCHECK | IPC_MODE_NOSTORE | IPC_MODE_NOPUT |
                  IPC_MODE_NOPRECEDE | IPC_MODE_NOSUCCEED
};

bool ipc__rma_epoch_covers(const struct ipc__win *w, int t)
{
    const struct ipc__rma_peer *p = &w->peers[t];
    return w->fence_open || w->lock_all || p->locked || p->access;
}

bool ipc__rma_try_lock(struct ipc__rma_ctl *c, int lock_type)
{
    uint64_t v = atomic_load_explicit(&c->lock, memory_order_relaxed);
    if (lock_type == IPC_LOCK_EXCLUSIVE)
        return v == 0 && atomic_compare_exchange_strong_explicit(
                             &c->lock, &v, IPC__RMA_LOCK_EXCL, memory_order_acquire,
                             memory_order_relaxed);
    while (!(v & IPC__RMA_LOCK_EXCL))
        if (atomic_compare_exchange_weak_explicit(
                &c->lock, &v, v + 1, memory_order_acquire, memory_order_relaxed))
            return true;
    return false;
}

void ipc__rma_unlock_word(struct ipc__rma_ctl *c, int lock_type)
{
    if (lock_type == IPC_LOCK_EXCLUSIVE)
        atomic_store_explicit(&c->lock, 0, memory_order_release);
    else
        atomic_fetch_sub_explicit(&c->lock, 1, memory_order_release);
}

/* Takes a lock word another rank of the node may hold: serves progress
 * while it waits (the holder may need this rank), spins briefly, then
 * yields, then sleeps a little longer each time, so that a wait on an
 * oversubscribed node leaves the core to the holder. */
static void lock_word(struct ipc__rma_ctl *c, int lock_type)
{
    for (unsigned i = 0; !ipc__rma_try_lock(c, lock_type); i++) {
        ipc__progress();
        if (i < 64)
            continue;
        if (i < 256) {
            sched_yield();
            continue;
        }
        long us = i < 1024 ? 20 : 200;
        struct timespec ts = {0, us * 1000};
        nanosleep(&ts, NULL);
    }
}

static int check_assert(int mode)
{
    return mode & ~ALL_ASSERTS ? IPC_ERR_ASSERT : IPC_SUCCESS;
}

/* Ends the operations to t (t < 0: every target): they are complete at
 * both ends when this returns. */
static int flush(struct ipc__win *w, int t)
{
    /* A rank that polls its own window with flushes (a spin lock on a
     * word it owns) still serves the AM origins that hold the lock. */
    if (w->nam)
        ipc__progress();
    int rc = w->nam ? ipc__rma_am_flush(w, t) : IPC_SUCCESS;
    atomic_thread_fence(memory_order_seq_cst);
    return rc;
}

static int get_win(ipc_win win, struct ipc__win **w)
{
    *w = ipc__win_of(win);
    return *w ? IPC_SUCCESS : IPC_ERR_WIN;
}

static int win_fence(int mode, ipc_win win)
{
    struct ipc__win *w;
    int rc = get_win(win, &w);
    if (rc == IPC_SUCCESS)
        rc = check_assert(mode);
    if (rc != IPC_SUCCESS)
        return rc;
    if (w->lock_all || w->nlocked || w->started || w->posted)
        return IPC_ERR_RMA_SYNC;
    int err = flush(w, -1);
    /* A window of every rank of a job on one host meets in the segment's
     * node area, as IPC_COMM_WORLD's barrier does (every rank calls the
     * same full-job barriers in the same order). */
    if (w->size == ipc__g.job.size && ipc__g.node)
        ipc__node_barrier(ipc__g.node, ipc__g.job.tun.oversubscribed);
    else
        rc = ipc_barrier(w->comm);
    atomic_thread_fence(memory_order_seq_cst);
    w->fence_open = !(mode & IPC_MODE_NOSUCCEED);
    return rc != IPC_SUCCESS ? rc : err;
}

/* ranks[0..n) as a group of the window: each a member, none twice. */
static int check_group(struct ipc__win *w, const int *ranks, int n)
{
    if (n < 0 || n > w->size || (n && !ranks))
        return IPC_ERR_ARG;
    char *seen = calloc((size_t)w->size + 1, 1);
    if (!seen)
        return IPC_ERR_NOMEM;
    int rc = IPC_SUCCESS;
    for (int i = 0; i < n && rc == IPC_SUCCESS; i++) {
        if (ranks[i] < 0 || ranks[i] >= w->size || seen[ranks[i]])
            rc = IPC_ERR_RANK;
        else
            seen[ranks[i]] = 1;
    }
    free(seen);
    return rc;
}

static int *copy_group(const int *ranks, int n)
{
    int *g = malloc(sizeof *g * (size_t)(n ? n : 1));
    if (g && n)
        memcpy(g, ranks, sizeof *g * (size_t)n);
    return g;
}

/* The checks post and start share: a window, asserts, a group of it. */
static int check_group_call(ipc_win win, const int *ranks, int n, int mode,
                            struct ipc__win **w)
{
    int rc = get_win(win, w);
    if (rc == IPC_SUCCESS)
        rc = check_assert(mode);
    if (rc == IPC_SUCCESS)
        rc = check_group(*w, ranks, n);
    return rc;
}

static int win_post(const int *ranks, int n, int mode, ipc_win win)
{
    struct ipc__win *w;
    int rc = check_group_call(win, ranks, n, mode, &w);
    if (rc != IPC_SUCCESS)
        return rc;
    if (w->posted)
        return IPC_ERR_RMA_SYNC;
    struct ipc__req **wait = calloc((size_t)(n ? n : 1), sizeof *wait);
    if (!wait)
        return IPC_ERR_NOMEM;
    ipc_comm c = w->comm;
    for (int i = 0; i < n && rc == IPC_SUCCESS; i++)
        rc =
            ipc__irecv(NULL, 0, ranks[i], IPC__RMA_TAG_COMPLETE, c, c->ctx_p2p, &wait[i]);
    /* this rank's stores before the origins' */
    atomic_thread_fence(memory_order_seq_cst);
    if (!(mode & IPC_MODE_NOCHECK))
        for (int i = 0; i < n && rc == IPC_SUCCESS; i++)
            rc = ipc_send(NULL, 0, IPC_BYTE, ranks[i], IPC__RMA_TAG_POST, c);
    if (rc != IPC_SUCCESS) {
        for (int i = 0; i < n; i++)
            if (wait[i]) {
                int cancelled;
                ipc_cancel(ipc__req_handle(wait[i]), &cancelled);
                ipc__wait_one(wait[i]);
                ipc__req_free(wait[i]);
            }
        free(wait);
        return rc;
    }
    free(w->post_wait);
    w->npost = n;
    w->post_wait = wait;
    w->posted = true;
    return IPC_SUCCESS;
}

static int win_start(const int *ranks, int n, int mode, ipc_win win)
{
    struct ipc__win *w;
    int rc = check_group_call(win, ranks, n, mode, &w);
    if (rc != IPC_SUCCESS)
        return rc;
    if (w->started)
        return IPC_ERR_RMA_SYNC;
    int *g = copy_group(ranks, n);
    if (!g)
        return IPC_ERR_NOMEM;
    /* Each target's post says its memory is ready for us. */
    if (!(mode & IPC_MODE_NOCHECK))
        for (int i = 0; i < n && rc == IPC_SUCCESS; i++)
            rc = ipc_recv(NULL, 0, IPC_BYTE, g[i], IPC__RMA_TAG_POST, w->comm, NULL);
    if (rc != IPC_SUCCESS) {
        free(g);
        return rc;
    }
    atomic_thread_fence(memory_order_seq_cst);
    for (int i = 0; i < n; i++)
        w->peers[g[i]].access = true;
    free(w->start_grp);
    w->start_grp = g;
    w->nstart = n;
    w->started = true;
    return IPC_SUCCESS;
}

static int win_complete(ipc_win win)
{
    struct ipc__win *w;
    int rc = get_win(win, &w);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!w->started)
        return IPC_ERR_RMA_SYNC;
    int err = flush(w, -1);
    for (int i = 0; i < w->nstart; i++) {
        w->peers[w->start_grp[i]].access = false;
        int r =
            ipc_send(NULL, 0, IPC_BYTE, w->start_grp[i], IPC__RMA_TAG_COMPLETE, w->comm);
        if (rc == IPC_SUCCESS)
            rc = r;
    }
    w->started = false;
    return rc != IPC_SUCCESS ? rc : err;
}

/* The exposure epoch is over: every origin of the post group completed. */
static int end_exposure(struct ipc__win *w)
{
    int rc = IPC_SUCCESS;
    for (int i = 0; i < w->npost; i++) {
        if (rc == IPC_SUCCESS)
            rc = w->post_wait[i]->error;
        ipc__req_free(w->post_wait[i]);
    }
    free(w->post_wait);
    w->post_wait = NULL;
    w->posted = false;
    atomic_thread_fence(memory_order_seq_cst);
    return rc;
}

static bool all_completed(void *arg)
{
    struct ipc__win *w = arg;
    for (int i = 0; i < w->npost; i++) {
        ipc__req_check_lost(w->post_wait[i]);
        if (!w->post_wait[i]->complete)
            return false;
    }
    return true;
}

static int win_wait(ipc_win win)
{
    struct ipc__win *w;
    int rc = get_win(win, &w);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!w->posted)
        return IPC_ERR_RMA_SYNC;
    ipc__wait_until(all_completed, w, NULL);
    return end_exposure(w);
}

int ipc_win_test(ipc_win win, int *flag)
{
    struct ipc__win *w;
    int rc = get_win(win, &w);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!flag)
        return IPC_ERR_ARG;
    if (!w->posted)
        return IPC_ERR_RMA_SYNC;
    *flag = ipc__test_until(all_completed, w);
    return *flag ? end_exposure(w) : IPC_SUCCESS;
}

static int take(struct ipc__win *w, int t, int lock_type)
{
    struct ipc__rma_peer *p = &w->peers[t];
    if (p->path == IPC__RMA_AM)
        return ipc__rma_am_lock(w, t, lock_type, false);
    lock_word(p->ctl, lock_type);
    return IPC_SUCCESS;
}

static int give_back(struct ipc__win *w, int t, int lock_type)
{
    struct ipc__rma_peer *p = &w->peers[t];
    if (p->path == IPC__RMA_AM)
        return ipc__rma_am_lock(w, t, lock_type, true);
    ipc__rma_unlock_word(p->ctl, lock_type);
    return IPC_SUCCESS;
}

static int win_lock(int lock_type, int rank, int mode, ipc_win win)
{
    struct ipc__win *w;
    int rc = get_win(win, &w);
    if (rc != IPC_SUCCESS)
        return rc;
    if (lock_type != IPC_LOCK_SHARED && lock_type != IPC_LOCK_EXCLUSIVE)
        return IPC_ERR_LOCKTYPE;
    if (rank < 0 || rank >= w->size)
        return IPC_ERR_RANK;
    if (mode & ~IPC_MODE_NOCHECK)
        return IPC_ERR_ASSERT;
    struct ipc__rma_peer *p = &w->peers[rank];
    if (p->locked || w->lock_all)
        return IPC_ERR_RMA_SYNC;
    bool nocheck = mode & IPC_MODE_NOCHECK;
    if (!nocheck && (rc = take(w, rank, lock_type)) != IPC_SUCCESS)
        return rc;
    atomic_thread_fence(memory_order_seq_cst);
    p->locked = lock_type;
    p->nocheck = nocheck;
    w->nlocked++;
    return IPC_SUCCESS;
}

static int win_unlock(int rank, ipc_win win)
{
    struct ipc__win *w;
    int rc = get_win(win, &w);
    if (rc != IPC_SUCCESS)
        return rc;
    if (rank < 0 || rank >= w->size)
        return IPC_ERR_RANK;
    struct ipc__rma_peer *p = &w->peers[rank];
    if (!p->locked)
        return IPC_ERR_RMA_SYNC;
    int err = flush(w, rank);
    if (!p->nocheck)
        rc = give_back(w, rank, p->locked);
    p->locked = 0;
    w->nlocked--;
    return rc != IPC_SUCCESS ? rc : err;
}

static int win_lock_all(int mode, ipc_win win)
{
    struct ipc__win *w;
    int rc = get_win(win, &w);
    if (rc != IPC_SUCCESS)
        return rc;
    if (mode & ~IPC_MODE_NOCHECK)
        return IPC_ERR_ASSERT;
    if (w->lock_all || w->nlocked)
        return IPC_ERR_RMA_SYNC;
    bool nocheck = mode & IPC_MODE_NOCHECK;
    for (int t = 0; t < w->size && rc == IPC_SUCCESS && !nocheck; t++)
        if ((rc = take(w, t, IPC_LOCK_SHARED)) != IPC_SUCCESS)
            while (t-- > 0)
                give_back(w, t, IPC_LOCK_SHARED);
    if (rc != IPC_SUCCESS)
        return rc;
    atomic_thread_fence(memory_order_seq_cst);
    for (int t = 0; t < w->size; t++)
        w->peers[t].nocheck = nocheck;
    w->lock_all = true;
    return IPC_SUCCESS;
}

static int win_unlock_all(ipc_win win)
{
    struct ipc__win *w;
    int rc = get_win(win, &w);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!w->lock_all)
        return IPC_ERR_RMA_SYNC;
    int err = flush(w, -1);
    for (int t = 0; t < w->size; t++) {
        if (w->peers[t].nocheck)
            continue;
        int r = give_back(w, t, IPC_LOCK_SHARED);
        if (rc == IPC_SUCCESS)
            rc = r;
    }
    w->lock_all = false;
    return rc != IPC_SUCCESS ? rc : err;
}

/* The flushes need a passive-target epoch at the target. */
static int flush_one(ipc_win win, int rank)
{
    struct ipc__win *w;
    int rc = get_win(win, &w);
    if (rc != IPC_SUCCESS)
        return rc;
    if (rank < 0 || rank >= w->size)
        return IPC_ERR_RANK;
    if (!w->lock_all && !w->peers[rank].locked)
        return IPC_ERR_RMA_SYNC;
    return flush(w, rank);
}

static int flush_every(ipc_win win)
{
    struct ipc__win *w;
    int rc = get_win(win, &w);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!w->lock_all && !w->nlocked)
        return IPC_ERR_RMA_SYNC;
    return flush(w, -1);
}

int ipc_win_flush(int rank, ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_FLUSH, win, rank, flush_one(win, rank));
}

/* An operation's origin buffers are free once it is complete at the target
 * too: the local flushes are the flushes. */
int ipc_win_flush_local(int rank, ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_FLUSH_LOCAL, win, rank, flush_one(win, rank));
}

int ipc_win_flush_all(ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_FLUSH_ALL, win, -2, flush_every(win));
}

int ipc_win_flush_local_all(ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_FLUSH_LOCAL_ALL, win, -2, flush_every(win));
}

int ipc_win_sync(ipc_win win)
{
    struct ipc__win *w;
    int rc = get_win(win, &w);
    if (rc != IPC_SUCCESS)
        return rc;
    if (w->nam)
        ipc__progress();
    atomic_thread_fence(memory_order_seq_cst);
    return rc;
}

/* ---- the public calls, as observe.h records them ---- */

int ipc_win_fence(int mode, ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_FENCE, win, -2, win_fence(mode, win));
}

int ipc_win_post(const int *ranks, int n, int mode, ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_POST, win, -2, win_post(ranks, n, mode, win));
}

int ipc_win_start(const int *ranks, int n, int mode, ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_START, win, -2, win_start(ranks, n, mode, win));
}

int ipc_win_complete(ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_COMPLETE, win, -2, win_complete(win));
}

int ipc_win_wait(ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_WAIT, win, -2, win_wait(win));
}

int ipc_win_lock(int lock_type, int rank, int mode, ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_LOCK, win, rank,
                      win_lock(lock_type, rank, mode, win));
}

int ipc_win_unlock(int rank, ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_UNLOCK, win, rank, win_unlock(rank, win));
}

int ipc_win_lock_all(int mode, ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_LOCK_ALL, win, -2, win_lock_all(mode, win));
}

int ipc_win_unlock_all(ipc_win win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_UNLOCK_ALL, win, -2, win_unlock_all(win));
}
