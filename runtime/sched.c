/*
 * sched.c - schedules: state machines made of rounds of point-to-point
 * requests that the progress engine advances, so that a collective (or any
 * exchange of several steps) can run while the program does something else.
 *
 * A schedule's step() posts one round of requests with ipc__sched_isend and
 * ipc__sched_irecv (and does whatever local work comes before them); the
 * engine calls it again once every request of the round has completed. When
 * step() says the schedule is over, the engine completes the schedule's
 * request (the handle its owner waits on, with ipc_wait or ipc__wait_one)
 * and releases the schedule. A failed request fails the schedule: the rest
 * of its round is waited for (its buffers belong to the schedule), and the
 * request completes with the first error.
 *
 * The engine looks at the active list on every progress call (progress.c
 * calls ipc__sched_progress while ipc__g.nsched), which costs one test while
 * no schedule runs. Steps post requests through p2p.c, which the engine
 * that calls them completes: that loop is what a schedule is.
 */
#include <stdlib.h>

#include "internal.h"

static struct ipc__list active = IPC__LIST_INIT(active);
static bool advancing; /* ipc__sched_progress is on the stack */

/* Keeps r, just posted with outcome rc, in s's round (r is only read when
 * rc says it was set). */
static inline int keep(struct ipc__sched *s, int rc, struct ipc__req *r)
{
    if (rc == IPC_SUCCESS)
        s->round[s->nround++] = r;
    return rc;
}

int ipc__sched_isend(struct ipc__sched *s, const void *buf, size_t bytes, int dest, int tag,
                     ipc_comm comm, uint32_t ctx)
{
    if (s->nround == s->round_cap)
        return IPC_ERR_INTERN; /* a step that posts more is a bug */
    struct ipc__req *r;
    /* The receiver must not wait for this rank to serve a PUT: it may be
     * computing until it waits. */
    int rc = ipc__isend(buf, bytes, dest, tag, comm, ctx, IPC__SEND_ALONE, &r);
    return keep(s, rc, r);
}

int ipc__sched_irecv(struct ipc__sched *s, void *buf, size_t bytes, int source, int tag,
                     ipc_comm comm, uint32_t ctx)
{
    if (s->nround == s->round_cap)
        return IPC_ERR_INTERN;
    struct ipc__req *r;
    int rc = ipc__irecv(buf, bytes, source, tag, comm, ctx, &r);
    return keep(s, rc, r);
}

/* True when every request of the round has completed (each is then freed,
 * its error kept in s->error if it is the first). */
static bool round_over(struct ipc__sched *s)
{
    for (int i = 0; i < s->nround; i++) {
        ipc__req_check_lost(s->round[i]);
        if (!s->round[i]->complete)
            return false;
    }
    for (int i = 0; i < s->nround; i++) {
        if (s->error == IPC_SUCCESS)
            s->error = s->round[i]->error;
        ipc__req_free(s->round[i]);
    }
    s->nround = 0;
    return true;
}

static void finish(struct ipc__sched *s)
{
    ipc__list_remove(&s->link);
    ipc__g.nsched--;
    ipc__req_complete(s->req, s->error);
    s->release(s);
}

/* Runs s as far as it goes now; true when any round of it was over. */
static bool advance(struct ipc__sched *s)
{
    bool moved = false;
    while (round_over(s)) {
        moved = true;
        if (s->over || s->error != IPC_SUCCESS) {
            finish(s);
            return true;
        }
        int rc = s->step(s);
        if (rc != IPC_SUCCESS) { /* what it posted is still waited for */
            s->over = true;
            if (rc != IPC__SCHED_END)
                s->error = rc;
        }
    }
    return moved;
}

int ipc__sched_start(struct ipc__sched *s, struct ipc__req **out)
{
    struct ipc__req *req = ipc__req_new(IPC__REQ_SCHED);
    if (!req) {
        s->release(s);
        return IPC_ERR_NOMEM;
    }
    /* Never orphaned as a whole: its own requests are, one by one. */
    req->peer = ipc__g.job.rank;
    s->req = *out = req;
    if (!s->round) {
        s->round = s->round_inline;
        s->round_cap = IPC__SCHED_ROUND_MAX;
    }
    s->nround = 0;
    s->error = IPC_SUCCESS;
    s->over = false;
    ipc__list_push_back(&active, &s->link);
    ipc__g.nsched++;
    advance(s);
    return IPC_SUCCESS;
}

bool ipc__sched_progress(void)
{
    if (advancing)
        return false; /* a step that made progress itself: the outer call goes on */
    advancing = true;
    bool moved = false;
    struct ipc__list *pos = active.next;
    while (pos != &active) {
        struct ipc__list *next = pos->next;
        moved |= advance(ipc__container_of(pos, struct ipc__sched, link));
        pos = next;
    }
    advancing = false;
    return moved;
}
