/* test_sched.c - schedules (sched.c) in a job of one rank (no ipcrun): rounds
 * of requests to self advanced by the progress engine, a step called once per
 * round and never before its round is over, a schedule that returns before it
 * is done, errors of a step and of a request reaching the schedule's request,
 * release called exactly once; and ipc_comm_idup's ids (their own range,
 * distinct from those of blocking dups made while idups run). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alone.h"

#include "internal.h"

/* Each round sends 100 + its number to self and receives it; the next step
 * checks that the data is in, so a step called before its round is over
 * shows in order_ok. */
struct rounds {
    struct ipc__sched s;
    int rounds, steps, releases;
    int fail_at;      /* step that returns an error, or -1 */
    int truncate_at;  /* round whose receive is too small, or -1 */
    int sent[8], got[8];
    bool order_ok;    /* every step saw the previous round's data */
};

static int rounds_step(struct ipc__sched *s)
{
    struct rounds *r = ipc__container_of(s, struct rounds, s);
    int k = r->steps++;
    if (k > 0 && r->got[k - 1] != r->sent[k - 1])
        r->order_ok = false; /* called before its round was over */
    if (k == r->fail_at)
        return IPC_ERR_ARG;
    if (k == r->rounds)
        return IPC__SCHED_END;
    r->sent[k] = 100 + k;
    size_t cap = k == r->truncate_at ? 1 : sizeof r->got[k];
    int rc = ipc__sched_irecv(s, &r->got[k], cap, 0, 40 + k, IPC_COMM_SELF,
                              IPC_COMM_SELF->ctx_coll);
    if (rc == IPC_SUCCESS)
        rc = ipc__sched_isend(s, &r->sent[k], sizeof r->sent[k], 0, 40 + k, IPC_COMM_SELF,
                              IPC_COMM_SELF->ctx_coll);
    return rc;
}

static void rounds_release(struct ipc__sched *s)
{
    ipc__container_of(s, struct rounds, s)->releases++;
}

/* ipc__sched_start, its request handed out as a program holds it. */
static int start(struct ipc__sched *s, ipc_request *req)
{
    struct ipc__req *r;
    int rc = ipc__sched_start(s, &r);
    if (rc == IPC_SUCCESS)
        *req = ipc__req_handle(r);
    return rc;
}

static struct rounds rounds_of(int n)
{
    return (struct rounds){.s = {.step = rounds_step, .release = rounds_release},
                           .rounds = n,
                           .fail_at = -1,
                           .truncate_at = -1,
                           .got = {-1, -1, -1, -1, -1, -1, -1, -1},
                           .order_ok = true};
}

static void runs_every_round_then_completes(void **state)
{
    (void)state;
    struct rounds r = rounds_of(5);
    ipc_request req;
    int running = ipc__g.nsched;
    assert_int_equal(start(&r.s, &req), IPC_SUCCESS);
    assert_int_equal(ipc_wait(&req, NULL), IPC_SUCCESS);
    assert_null(req);
    assert_int_equal(r.steps, 6); /* five rounds and the one that ends it */
    assert_true(r.order_ok);
    for (int k = 0; k < 5; k++)
        assert_int_equal(r.got[k], 100 + k);
    assert_int_equal(r.releases, 1);
    assert_int_equal(ipc__g.nsched, running);
}

static void an_empty_schedule_is_over_at_start(void **state)
{
    (void)state;
    struct rounds r = rounds_of(0);
    ipc_request req;
    assert_int_equal(start(&r.s, &req), IPC_SUCCESS);
    assert_true(ipc__req_of(req)->complete);
    assert_int_equal(r.releases, 1);
    int flag = 0;
    assert_int_equal(ipc_test(&req, &flag, NULL), IPC_SUCCESS);
    assert_int_equal(flag, 1);
}

static void errors_reach_the_request(void **state)
{
    (void)state;
    ipc_request req;
    struct rounds r = rounds_of(4);
    r.fail_at = 2; /* a step's error: no later step */
    assert_int_equal(start(&r.s, &req), IPC_SUCCESS);
    assert_int_equal(ipc_wait(&req, NULL), IPC_ERR_ARG);
    assert_int_equal(r.steps, 3);
    assert_int_equal(r.releases, 1);

    r = rounds_of(4);
    r.truncate_at = 1; /* a request's error: the round ends, then the schedule */
    assert_int_equal(start(&r.s, &req), IPC_SUCCESS);
    assert_int_equal(ipc_wait(&req, NULL), IPC_ERR_TRUNCATE);
    assert_int_equal(r.steps, 2);
    assert_int_equal(r.releases, 1);
}

/* A round whose receive has no sender yet stays open across progress
 * passes: the schedule is under way when its start returns. */
struct waiter {
    struct ipc__sched s;
    int steps, got;
};

static int waiter_step(struct ipc__sched *s)
{
    struct waiter *w = ipc__container_of(s, struct waiter, s);
    if (w->steps++)
        return IPC__SCHED_END;
    return ipc__sched_irecv(s, &w->got, sizeof w->got, 0, 77, IPC_COMM_SELF,
                            IPC_COMM_SELF->ctx_coll);
}

static void keep(struct ipc__sched *s)
{
    (void)s;
}

static void returns_before_it_is_done(void **state)
{
    (void)state;
    struct waiter w = {.s = {.step = waiter_step, .release = keep}, .got = -1};
    ipc_request req;
    assert_int_equal(start(&w.s, &req), IPC_SUCCESS);
    for (int i = 0; i < 10; i++) {
        int flag = 1;
        assert_int_equal(ipc_test(&req, &flag, NULL), IPC_SUCCESS);
        assert_int_equal(flag, 0);
    }
    assert_int_equal(w.steps, 1);
    int v = 31337;
    struct ipc__req *send;
    assert_int_equal(ipc__isend(&v, sizeof v, 0, 77, IPC_COMM_SELF, IPC_COMM_SELF->ctx_coll,
                                0, &send),
                     IPC_SUCCESS);
    ipc__wait_one(send);
    assert_int_equal(send->error, IPC_SUCCESS);
    ipc__req_free(send);
    assert_int_equal(ipc_wait(&req, NULL), IPC_SUCCESS);
    assert_int_equal(w.got, 31337);
    assert_int_equal(w.steps, 2);
}

static void idup_ids_have_their_own_range(void **state)
{
    (void)state;
    ipc_comm a, b, c;
    ipc_request ra, rb;
    assert_int_equal(ipc_comm_idup(IPC_COMM_WORLD, &a, &ra), IPC_SUCCESS);
    assert_int_equal(ipc_comm_dup(IPC_COMM_WORLD, &c), IPC_SUCCESS);
    assert_int_equal(ipc_comm_idup(IPC_COMM_SELF, &b, &rb), IPC_SUCCESS);
    assert_int_equal(ipc_wait(&rb, NULL), IPC_SUCCESS);
    assert_int_equal(ipc_wait(&ra, NULL), IPC_SUCCESS);
    assert_true(a->ctx_p2p >= 0x80000000u);
    assert_true(b->ctx_p2p >= 0x80000000u);
    assert_true(c->ctx_p2p < 0x80000000u);
    assert_int_not_equal(a->ctx_p2p, b->ctx_p2p);
    assert_int_equal(a->ctx_coll, a->ctx_p2p + 1);
    int size = 0;
    assert_int_equal(ipc_comm_size(a, &size), IPC_SUCCESS); /* published */
    assert_int_equal(size, 1);
    assert_int_equal(ipc_comm_idup(IPC_COMM_WORLD, &a, NULL), IPC_ERR_ARG);
    assert_int_equal(ipc_comm_idup(IPC_COMM_NULL, &a, &ra), IPC_ERR_COMM);
    ipc_comm_free(&a);
    ipc_comm_free(&b);
    ipc_comm_free(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(runs_every_round_then_completes),
        cmocka_unit_test(an_empty_schedule_is_over_at_start),
        cmocka_unit_test(errors_reach_the_request),
        cmocka_unit_test(returns_before_it_is_done),
        cmocka_unit_test(idup_ids_have_their_own_range),
    };
    return cmocka_run_group_tests(tests, join, leave);
}
