/* test_p2p.c - requests as the program holds them (p2p.c), in a job of one
 * rank (no ipcrun), through the public calls alone: a stale copy of a
 * finished request's handle is IPC_ERR_REQUEST from every call that takes a
 * request, also once a new request took its place, which it leaves alone; a
 * handle given twice to ipc_waitall finishes its request once; forged handle
 * values are refused without being followed; and after each of these two new
 * receives are two requests, each completing with its own message. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(stale_copy_is_refused),
        cmocka_unit_test(stale_copy_after_reuse_is_refused),
        cmocka_unit_test(stale_copy_among_live_ones),
        cmocka_unit_test(waitall_finishes_a_duplicate_once),
        cmocka_unit_test(forged_handles_are_refused),
    };
    return cmocka_run_group_tests(tests, join, leave);
}
