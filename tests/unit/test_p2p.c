/* test_p2p.c - requests as the program holds them (p2p.c), in a job of one
 * rank (no ipcrun), through the public calls alone: a stale copy of a
 * finished request's handle is IPC_ERR_REQUEST from every call that takes a
 * request, also once a new request took its place, which it leaves alone; a
 * handle given twice to ipc_waitall finishes its request once; forged handle
 * values are refused without being followed; and after each of these two new
 * receives are two requests, each completing with its own message.
 * ipc_cancel withdraws a receive nothing matched (a message sent later goes
 * to the next receive, not into the withdrawn one's buffer) and a self
 * synchronous send nothing matched, and leaves matched receives and other
 * sends alone. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include <cmocka.h>

#include "alone.h"

#include "ipc.h"

static void send_self(int v, int tag)
{
    assert_int_equal(ipc_send(&v, 1, IPC_INT, 0, tag, IPC_COMM_SELF), IPC_SUCCESS);
}

/* A receive of tag, waited for, whose handle is copied first: the copy. */
static ipc_request finished_copy(int tag)
{
    int got = 0;
    ipc_request r, copy;
    assert_int_equal(ipc_irecv(&got, 1, IPC_INT, 0, tag, IPC_COMM_SELF, &r), IPC_SUCCESS);
    copy = r;
    send_self(tag * 10, tag);
    assert_int_equal(ipc_wait(&r, NULL), IPC_SUCCESS);
    assert_null(r);
    assert_int_equal(got, tag * 10);
    return copy;
}

/* Every call that takes a request refuses h, and leaves it as it was. */
static void refused_everywhere(ipc_request h)
{
    ipc_request slot = h;
    int flag = -1, index = -1;
    ipc_status st;
    /* ipc_test first: on a handle taken for a pending request, ipc_wait
     * would wait for it. */
    assert_int_equal(ipc_test(&slot, &flag, &st), IPC_ERR_REQUEST);
    assert_ptr_equal(slot, h);
    assert_int_equal(ipc_wait(&slot, &st), IPC_ERR_REQUEST);
    assert_ptr_equal(slot, h);
    assert_int_equal(ipc_waitall(1, &slot, NULL), IPC_ERR_REQUEST);
    assert_ptr_equal(slot, h);
    assert_int_equal(ipc_waitany(1, &slot, &index, &st), IPC_ERR_REQUEST);
    assert_ptr_equal(slot, h);
    assert_int_equal(ipc_cancel(slot, &flag), IPC_ERR_REQUEST);
    assert_ptr_equal(slot, h);
}

/* Two receives posted now are distinct requests: each completes with its
 * own message (one shared request would take one message for both). */
static void two_receives_are_distinct(void)
{
    int a = 0, b = 0;
    ipc_request r[2];
    ipc_status st[2];
    assert_int_equal(ipc_irecv(&a, 1, IPC_INT, 0, 61, IPC_COMM_SELF, &r[0]), IPC_SUCCESS);
    assert_int_equal(ipc_irecv(&b, 1, IPC_INT, 0, 62, IPC_COMM_SELF, &r[1]), IPC_SUCCESS);
    assert_ptr_not_equal(r[0], r[1]);
    send_self(620, 62);
    send_self(610, 61);
    assert_int_equal(ipc_waitall(2, r, st), IPC_SUCCESS);
    assert_int_equal(a, 610);
    assert_int_equal(b, 620);
    assert_int_equal(st[0].tag, 61);
    assert_int_equal(st[1].tag, 62);
    assert_null(r[0]);
    assert_null(r[1]);
}

static void stale_copy_is_refused(void **state)
{
    (void)state;
    ipc_request copy = finished_copy(11);
    refused_everywhere(copy);
    two_receives_are_distinct();
}

/* The copy's request is reused by a new receive (the last one freed is the
 * next one made): the copy still names nothing, and the new receive is
 * neither finished nor disturbed by it. */
static void stale_copy_after_reuse_is_refused(void **state)
{
    (void)state;
    int got = 0, flag = -1;
    ipc_request fresh;
    ipc_status st;
    ipc_request copy = finished_copy(21);
    assert_int_equal(ipc_irecv(&got, 1, IPC_INT, 0, 22, IPC_COMM_SELF, &fresh),
                     IPC_SUCCESS);
    refused_everywhere(copy);
    assert_int_equal(ipc_test(&fresh, &flag, NULL), IPC_SUCCESS);
    assert_int_equal(flag, 0); /* still waiting for its message */
    assert_non_null(fresh);

    /* Its message arrives: the copy is still refused, and does not finish it. */
    send_self(220, 22);
    refused_everywhere(copy);
    assert_int_equal(ipc_wait(&fresh, &st), IPC_SUCCESS);
    assert_null(fresh);
    assert_int_equal(got, 220);
    assert_int_equal(st.tag, 22);
    refused_everywhere(copy);
    two_receives_are_distinct();
}

/* A stale copy among live requests: the call is refused as a whole, before
 * it touches any of them. */
static void stale_copy_among_live_ones(void **state)
{
    (void)state;
    int a = 0, index = -1;
    ipc_request copy = finished_copy(31);
    ipc_request set[2];
    assert_int_equal(ipc_irecv(&a, 1, IPC_INT, 0, 32, IPC_COMM_SELF, &set[0]),
                     IPC_SUCCESS);
    ipc_request live = set[0];
    send_self(320, 32);
    set[1] = copy;
    assert_int_equal(ipc_waitall(2, set, NULL), IPC_ERR_REQUEST);
    assert_ptr_equal(set[0], live);
    assert_int_equal(ipc_waitany(2, set, &index, NULL), IPC_ERR_REQUEST);
    assert_ptr_equal(set[0], live);
    assert_int_equal(ipc_wait(&set[0], NULL), IPC_SUCCESS);
    assert_int_equal(a, 320);
    two_receives_are_distinct();
}

/* The same handle twice in one ipc_waitall: its request is finished once;
 * the second is a stale copy by then. */
static void waitall_finishes_a_duplicate_once(void **state)
{
    (void)state;
    int a = 0;
    ipc_request set[2];
    ipc_status st[2];
    assert_int_equal(ipc_irecv(&a, 1, IPC_INT, 0, 41, IPC_COMM_SELF, &set[0]),
                     IPC_SUCCESS);
    set[1] = set[0];
    ipc_request copy = set[0];
    send_self(410, 41);
    assert_int_equal(ipc_waitall(2, set, st), IPC_ERR_IN_STATUS);
    assert_int_equal(a, 410);
    assert_null(set[0]);
    assert_int_equal(st[0].error, IPC_SUCCESS);
    assert_int_equal(st[1].error, IPC_ERR_REQUEST);
    refused_everywhere(copy);
    two_receives_are_distinct();
}

/* Values that were never handles: refused, never followed. */
static void forged_handles_are_refused(void **state)
{
    (void)state;
    int local = 0, got = 0;
    void *heap = malloc(64);
    assert_non_null(heap);
    ipc_request live;
    assert_int_equal(ipc_irecv(&got, 1, IPC_INT, 0, 51, IPC_COMM_SELF, &live),
                     IPC_SUCCESS);
    const uintptr_t top = (uintptr_t)1 << (sizeof(uintptr_t) * 8 - 1);
    ipc_request forged[] = {
        (ipc_request)(uintptr_t)&local,                      /* an address on the stack */
        (ipc_request)heap,                                   /* one on the heap */
        (ipc_request)(uintptr_t)&forged_handles_are_refused, /* code */
        (ipc_request)UINTPTR_MAX,
        (ipc_request)(uintptr_t)0xdeadbeef,
        (ipc_request)((uintptr_t)live ^ top), /* a live handle, one bit off */
        (ipc_request)((uintptr_t)live + 4096),
    };
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++)
        refused_everywhere(forged[i]);
    free(heap);
    /* The live request was not disturbed. */
    send_self(510, 51);
    assert_int_equal(ipc_wait(&live, NULL), IPC_SUCCESS);
    assert_int_equal(got, 510);
    two_receives_are_distinct();
}

/* st is the empty status. */
static void assert_empty(const ipc_status *st)
{
    assert_int_equal(st->source, IPC_ANY_SOURCE);
    assert_int_equal(st->tag, IPC_ANY_TAG);
    assert_int_equal(st->ipc__bytes, 0);
    assert_int_equal(st->error, IPC_SUCCESS);
}

/* A receive nothing matched, withdrawn: complete at once with the empty
 * status, and the message sent afterwards goes to the next receive of that
 * pattern, never into the withdrawn one's buffer. Wildcards too. */
static void cancel_withdraws_an_unmatched_receive(void **state)
{
    (void)state;
    int old = -1, fresh = -1, cancelled = -1, flag = -1;
    ipc_request r, any;
    ipc_status st;
    assert_int_equal(ipc_irecv(&old, 1, IPC_INT, 0, 71, IPC_COMM_SELF, &r), IPC_SUCCESS);
    assert_int_equal(ipc_cancel(r, &cancelled), IPC_SUCCESS);
    assert_int_equal(cancelled, 1);
    assert_int_equal(ipc_test(&r, &flag, &st), IPC_SUCCESS);
    assert_int_equal(flag, 1);
    assert_null(r);
    assert_empty(&st);

    assert_int_equal(
        ipc_irecv(&old, 1, IPC_INT, IPC_ANY_SOURCE, IPC_ANY_TAG, IPC_COMM_SELF, &any),
        IPC_SUCCESS);
    assert_int_equal(ipc_cancel(any, &cancelled), IPC_SUCCESS);
    assert_int_equal(cancelled, 1);
    assert_int_equal(ipc_wait(&any, &st), IPC_SUCCESS);
    assert_empty(&st);

    send_self(710, 71);
    assert_int_equal(old, -1);
    assert_int_equal(ipc_recv(&fresh, 1, IPC_INT, 0, 71, IPC_COMM_SELF, &st),
                     IPC_SUCCESS);
    assert_int_equal(fresh, 710);
    assert_int_equal(st.tag, 71);
    assert_int_equal(old, -1);
    two_receives_are_distinct();
}

/* A receive that matched (a message waiting, or one arriving after it was
 * posted) is not withdrawn: it completes with its message. Cancelling twice
 * changes nothing. */
static void cancel_leaves_a_matched_receive(void **state)
{
    (void)state;
    int a = -1, b = -1, cancelled = -1;
    ipc_request r;
    ipc_status st;
    assert_int_equal(ipc_irecv(&a, 1, IPC_INT, 0, 72, IPC_COMM_SELF, &r), IPC_SUCCESS);
    send_self(720, 72);
    assert_int_equal(ipc_cancel(r, &cancelled), IPC_SUCCESS);
    assert_int_equal(cancelled, 0);
    assert_int_equal(ipc_cancel(r, &cancelled), IPC_SUCCESS);
    assert_int_equal(cancelled, 0);
    assert_int_equal(ipc_wait(&r, &st), IPC_SUCCESS);
    assert_int_equal(a, 720);
    assert_int_equal(st.tag, 72);

    send_self(730, 73);
    assert_int_equal(ipc_irecv(&b, 1, IPC_INT, 0, 73, IPC_COMM_SELF, &r), IPC_SUCCESS);
    assert_int_equal(ipc_cancel(r, &cancelled), IPC_SUCCESS);
    assert_int_equal(cancelled, 0);
    assert_int_equal(ipc_wait(&r, &st), IPC_SUCCESS);
    assert_int_equal(b, 730);
    two_receives_are_distinct();
}

/* A send is withdrawn only when it is a synchronous send to this rank that
 * no receive has matched: its entry leaves the unexpected queue, so no
 * receive ever sees it. An eager send has left already. */
static void cancel_of_sends(void **state)
{
    (void)state;
    int v = 740, got = -1, cancelled = -1, flag = -1;
    ipc_request s;
    ipc_status st;
    assert_int_equal(ipc_issend(&v, 1, IPC_INT, 0, 74, IPC_COMM_SELF, &s), IPC_SUCCESS);
    assert_int_equal(ipc_test(&s, &flag, NULL), IPC_SUCCESS);
    assert_int_equal(flag, 0); /* waits for a receive */
    assert_int_equal(ipc_cancel(s, &cancelled), IPC_SUCCESS);
    assert_int_equal(cancelled, 1);
    assert_int_equal(ipc_wait(&s, &st), IPC_SUCCESS);
    assert_null(s);
    assert_int_equal(ipc_iprobe(0, 74, IPC_COMM_SELF, &flag, NULL), IPC_SUCCESS);
    assert_int_equal(flag, 0);

    assert_int_equal(ipc_isend(&v, 1, IPC_INT, 0, 75, IPC_COMM_SELF, &s), IPC_SUCCESS);
    assert_int_equal(ipc_cancel(s, &cancelled), IPC_SUCCESS);
    assert_int_equal(cancelled, 0);
    assert_int_equal(ipc_wait(&s, NULL), IPC_SUCCESS);
    assert_int_equal(ipc_recv(&got, 1, IPC_INT, 0, 75, IPC_COMM_SELF, &st), IPC_SUCCESS);
    assert_int_equal(got, 740);

    /* A synchronous send that matched completes as usual. */
    got = -1;
    assert_int_equal(ipc_issend(&v, 1, IPC_INT, 0, 76, IPC_COMM_SELF, &s), IPC_SUCCESS);
    assert_int_equal(ipc_recv(&got, 1, IPC_INT, 0, 76, IPC_COMM_SELF, &st), IPC_SUCCESS);
    assert_int_equal(ipc_cancel(s, &cancelled), IPC_SUCCESS);
    assert_int_equal(cancelled, 0);
    assert_int_equal(ipc_wait(&s, NULL), IPC_SUCCESS);
    assert_int_equal(got, 740);
    two_receives_are_distinct();
}

/* Null handles and a collective's request are refused; the collective still
 * completes. */
static void cancel_refuses_null_and_collectives(void **state)
{
    (void)state;
    int cancelled = -1;
    ipc_comm dup;
    ipc_request r;
    assert_int_equal(ipc_cancel(IPC_REQUEST_NULL, &cancelled), IPC_ERR_REQUEST);
    assert_int_equal(ipc_comm_idup(IPC_COMM_SELF, &dup, &r), IPC_SUCCESS);
    if (r) {
        assert_int_equal(ipc_cancel(r, &cancelled), IPC_ERR_REQUEST);
        assert_int_equal(ipc_wait(&r, NULL), IPC_SUCCESS);
    }
    assert_int_equal(ipc_comm_free(&dup), IPC_SUCCESS);
    assert_int_equal(cancelled, -1);
    assert_int_equal(ipc_irecv(&cancelled, 1, IPC_INT, 0, 77, IPC_COMM_SELF, &r),
                     IPC_SUCCESS);
    assert_int_equal(ipc_cancel(r, NULL), IPC_ERR_ARG);
    send_self(770, 77);
    assert_int_equal(ipc_wait(&r, NULL), IPC_SUCCESS);
    assert_int_equal(cancelled, 770);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stale_copy_is_refused),
        cmocka_unit_test(stale_copy_after_reuse_is_refused),
        cmocka_unit_test(stale_copy_among_live_ones),
        cmocka_unit_test(waitall_finishes_a_duplicate_once),
        cmocka_unit_test(forged_handles_are_refused),
        cmocka_unit_test(cancel_withdraws_an_unmatched_receive),
        cmocka_unit_test(cancel_leaves_a_matched_receive),
        cmocka_unit_test(cancel_of_sends),
        cmocka_unit_test(cancel_refuses_null_and_collectives),
    };
    return cmocka_run_group_tests(tests, join, leave);
}
