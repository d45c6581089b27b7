/* test_nbc.c - schedules built at post time (coll/nbc.c) in a job of one rank
 * (no ipcrun), with messages to self: a round's local operations run in
 * order before its messages are posted, a round starts only once the
 * previous one is over, rounds of more requests than a schedule's inline
 * array, memory from ipc__nbc_alloc (small and large, aligned, distinct),
 * release functions run once in reverse order whether the schedule ran,
 * failed or was abandoned, a failed request stops the schedule with its
 * error, several schedules in flight completed in any order, each with a tag
 * of its own; and the public ipc_i* entries' one-rank paths and argument
 * errors. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alone.h"

#include "coll/coll.h"

static ipc_comm self(void)
{
    return IPC_COMM_SELF;
}

/* What call operations saw, in order. */
static int trace[32], ntrace;

static void record(void *arg)
{
    if (ntrace < 32)
        trace[ntrace++] = *(int *)arg;
}

static void run(struct ipc__nbc *n)
{
    ipc_request req;
    assert_int_equal(ipc__nbc_start_handle(n, &req), IPC_SUCCESS);
    assert_int_equal(ipc_wait(&req, IPC_STATUS_IGNORE), IPC_SUCCESS);
}

static void local_work_comes_before_the_rounds_messages(void **state)
{
    (void)state;
    int x = 7, s = 0, r = -1, acc = 100;
    struct ipc__nbc *n = ipc__nbc_new(self());
    assert_non_null(n);
    ipc__nbc_copy(n, &s, &x, sizeof x); /* runs before the send is posted */
    ipc__nbc_send(n, self(), &s, sizeof s, 0);
    ipc__nbc_recv(n, self(), &r, sizeof r, 0);
    ipc__nbc_round(n);
    ipc__nbc_reduce(n, &r, &acc, 1, IPC_INT, IPC_SUM); /* acc = r + acc, once r is in */
    ipc__nbc_call(n, record, &acc);
    ntrace = 0;
    run(n);
    assert_int_equal(r, 7);
    assert_int_equal(acc, 107);
    assert_int_equal(ntrace, 1);
    assert_int_equal(trace[0], 107);
}

/* Each round forwards what the previous one received: a round that started
 * early would send a stale value. */
static void a_round_starts_once_the_previous_is_over(void **state)
{
    (void)state;
    int v[6] = {1, 0, 0, 0, 0, 0};
    struct ipc__nbc *n = ipc__nbc_new(self());
    for (int k = 0; k < 5; k++) {
        ipc__nbc_recv(n, self(), &v[k + 1], sizeof v[0], 0);
        ipc__nbc_send(n, self(), &v[k], sizeof v[0], 0);
        ipc__nbc_round(n);
        ipc__nbc_reduce(n, &v[k], &v[k + 1], 1, IPC_INT, IPC_SUM); /* v[k+1] = 2 v[k] */
    }
    run(n);
    assert_int_equal(v[5], 32);
}

static void a_round_may_post_many_requests(void **state)
{
    (void)state;
    enum { N = 3 * IPC__SCHED_ROUND_MAX };
    int out[N], in[N];
    struct ipc__nbc *n = ipc__nbc_new(self());
    for (int i = 0; i < N; i++) {
        out[i] = 1000 + i;
        in[i] = -1;
        ipc__nbc_recv(n, self(), &in[i], sizeof in[i], 0);
    }
    for (int i = 0; i < N; i++)
        ipc__nbc_send(n, self(), &out[i], sizeof out[i], 0);
    ipc__nbc_round(n);
    run(n);
    for (int i = 0; i < N; i++)
        assert_int_equal(in[i], 1000 + i); /* in order: one tag, no overtaking */
}

static void memory_is_aligned_distinct_and_any_size(void **state)
{
    (void)state;
    struct ipc__nbc *n = ipc__nbc_new(self());
    unsigned char *p[40];
    for (int i = 0; i < 40; i++) {
        size_t bytes = i == 39 ? (size_t)1 << 20 : (size_t)(i % 5) * 24 + 1;
        p[i] = ipc__nbc_alloc(n, bytes);
        assert_non_null(p[i]);
        assert_int_equal((uintptr_t)p[i] % _Alignof(max_align_t), 0);
        memset(p[i], i, bytes);
    }
    for (int i = 0; i < 39; i++)
        assert_int_equal(p[i][0], i); /* no later block overlapped an earlier one */
    assert_int_equal(p[39][(1 << 20) - 1], 39);
    run(n);
}

static int released[8], nreleased;

static void note_release(void *arg)
{
    released[nreleased++] = *(int *)arg;
}

static void release_functions_run_once_in_reverse(void **state)
{
    (void)state;
    static int one = 1, two = 2, three = 3;
    struct ipc__nbc *n = ipc__nbc_new(self());
    ipc__nbc_at_release(n, note_release, &one);
    ipc__nbc_at_release(n, note_release, &two);
    nreleased = 0;
    run(n);
    assert_int_equal(nreleased, 2);
    assert_int_equal(released[0], 2);
    assert_int_equal(released[1], 1);

    /* Abandoned, and failed while building: the same, nothing started. */
    nreleased = 0;
    n = ipc__nbc_new(self());
    ipc__nbc_at_release(n, note_release, &three);
    ipc__nbc_abandon(n);
    assert_int_equal(nreleased, 1);
    assert_int_equal(released[0], 3);

    nreleased = 0;
    int x = 5, y = 0;
    ipc_request req = IPC_REQUEST_NULL;
    n = ipc__nbc_new(self());
    ipc__nbc_at_release(n, note_release, &one);
    ipc__nbc_copy(n, &y, &x, sizeof x);
    ipc__nbc_fail(n, IPC_ERR_COUNT);
    ipc__nbc_fail(n, IPC_ERR_ARG); /* the first failure is the one */
    assert_true(ipc__nbc_failed(n));
    assert_int_equal(ipc__nbc_start_handle(n, &req), IPC_ERR_COUNT);
    assert_int_equal(req, IPC_REQUEST_NULL);
    assert_int_equal(nreleased, 1);
    assert_int_equal(y, 0); /* nothing ran */
}

static void a_failed_request_stops_the_schedule(void **state)
{
    (void)state;
    int big[4] = {1, 2, 3, 4}, small = 0, marker = 9;
    struct ipc__nbc *n = ipc__nbc_new(self());
    ipc__nbc_recv(n, self(), &small, sizeof small, 0);
    ipc__nbc_send(n, self(), big, sizeof big, 0);
    ipc__nbc_round(n);
    ipc__nbc_call(n, record, &marker);
    ntrace = 0;
    ipc_request req;
    assert_int_equal(ipc__nbc_start_handle(n, &req), IPC_SUCCESS);
    assert_int_equal(ipc_wait(&req, IPC_STATUS_IGNORE), IPC_ERR_TRUNCATE);
    assert_int_equal(ntrace, 0); /* the next round never started */
}

/* Two schedules with messages of the same size on one communicator: a
 * waits for a second message while b sends one and receives its own. b's
 * message must not go to a (tags of their own): b completes, and a gets
 * only what is sent with its tag. */
static void schedules_in_flight_keep_their_messages(void **state)
{
    (void)state;
    ipc_comm c = self();
    unsigned seq = c->nbc_seq;
    int a_out = 11, a_in1 = 0, a_in2 = 0, b_out = 22, b_in = 0, late = 33;
    struct ipc__nbc *a = ipc__nbc_new(c), *b = ipc__nbc_new(c);
    assert_int_equal(c->nbc_seq, seq + 2);
    ipc__nbc_recv(a, c, &a_in1, sizeof a_in1, 0);
    ipc__nbc_recv(a, c, &a_in2, sizeof a_in2, 0);
    ipc__nbc_send(a, c, &a_out, sizeof a_out, 0);
    ipc__nbc_round(a);
    ipc__nbc_send(b, c, &b_out, sizeof b_out, 0);
    ipc__nbc_recv(b, c, &b_in, sizeof b_in, 0);
    ipc__nbc_round(b);
    ipc_request ra, rb;
    assert_int_equal(ipc__nbc_start_handle(a, &ra), IPC_SUCCESS);
    assert_int_equal(ipc__nbc_start_handle(b, &rb), IPC_SUCCESS);
    int flag = 0;
    for (int i = 0; i < 100000 && !flag; i++)
        assert_int_equal(ipc_test(&rb, &flag, IPC_STATUS_IGNORE), IPC_SUCCESS);
    assert_true(flag);
    assert_int_equal(b_in, 22);
    assert_int_equal(a_in1, 11);
    assert_int_equal(ipc_test(&ra, &flag, IPC_STATUS_IGNORE), IPC_SUCCESS);
    assert_false(flag); /* still waiting for its second message */
    struct ipc__req *r;
    assert_int_equal(ipc__isend(&late, sizeof late, 0,
                                IPC__TAG_NBC + (int)(seq % IPC__TAG_NBC_SPAN), c,
                                c->ctx_coll, 0, &r),
                     IPC_SUCCESS);
    assert_int_equal(ipc_wait(&ra, IPC_STATUS_IGNORE), IPC_SUCCESS);
    assert_int_equal(a_in2, 33);
    ipc__wait_one(r);
    ipc__req_free(r);
}

static void public_entries_on_one_rank(void **state)
{
    (void)state;
    ipc_request req;
    double in[3] = {1.5, -2, 4}, out[3] = {0};
    assert_int_equal(ipc_iallreduce(in, out, 3, IPC_DOUBLE, IPC_SUM, self(), &req),
                     IPC_SUCCESS);
    assert_int_equal(ipc_wait(&req, IPC_STATUS_IGNORE), IPC_SUCCESS);
    assert_memory_equal(in, out, sizeof in);

    int v[4] = {1, 2, 3, 4}, w[4] = {0};
    assert_int_equal(ipc_iexscan(v, w, 4, IPC_INT, IPC_SUM, self(), &req), IPC_SUCCESS);
    assert_int_equal(ipc_wait(&req, IPC_STATUS_IGNORE), IPC_SUCCESS);
    assert_int_equal(w[0], 0); /* rank 0's exscan leaves rbuf as it was */
    assert_int_equal(ipc_ialltoall(IPC_IN_PLACE, 0, IPC_INT, v, 4, IPC_INT, self(), &req),
                     IPC_SUCCESS);
    assert_int_equal(ipc_wait(&req, IPC_STATUS_IGNORE), IPC_SUCCESS);
    assert_int_equal(v[3], 4);
    assert_int_equal(ipc_ibarrier(self(), &req), IPC_SUCCESS);
    assert_int_equal(ipc_wait(&req, IPC_STATUS_IGNORE), IPC_SUCCESS);

    /* Argument errors: nothing started, the tag count unchanged. */
    unsigned seq = self()->nbc_seq;
    assert_int_equal(ipc_ibarrier(self(), NULL), IPC_ERR_ARG);
    assert_int_equal(ipc_ibcast(v, 4, IPC_INT, 1, self(), &req), IPC_ERR_RANK);
    assert_int_equal(ipc_iallreduce(v, w, 4, IPC_CHAR, IPC_SUM, self(), &req),
                     IPC_ERR_OP);
    assert_int_equal(ipc_igather(v, 4, IPC_INT, w, 3, IPC_INT, 0, self(), &req),
                     IPC_ERR_COUNT);
    assert_int_equal(ipc_ibarrier(IPC_COMM_NULL, &req), IPC_ERR_COMM);
    assert_int_equal(self()->nbc_seq, seq);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(local_work_comes_before_the_rounds_messages),
        cmocka_unit_test(a_round_starts_once_the_previous_is_over),
        cmocka_unit_test(a_round_may_post_many_requests),
        cmocka_unit_test(memory_is_aligned_distinct_and_any_size),
        cmocka_unit_test(release_functions_run_once_in_reverse),
        cmocka_unit_test(a_failed_request_stops_the_schedule),
        cmocka_unit_test(schedules_in_flight_keep_their_messages),
        cmocka_unit_test(public_entries_on_one_rank),
    };
    return cmocka_run_group_tests(tests, join, leave);
}
