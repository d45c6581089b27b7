/* test_match.c - message matching: order, wildcards, truncation, unexpected queue. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "ipc.h"
#include "match.h"

struct item {
    struct ipc__match_node mn;
    int id;
};

static struct item make(int ctx, int src, int tag, int id)
{
    struct item it = {.mn.key = {.ctx = (uint32_t)ctx, .src = src, .tag = tag}, .id = id};
    return it;
}

static int id_of(struct ipc__match_node *n)
{
    return n ? ipc__container_of(n, struct item, mn)->id : -1;
}

static void fits_needs_same_context(void **state)
{
    (void)state;
    struct ipc__match_key msg = {.ctx = 0, .src = 1, .tag = 5};
    struct ipc__match_key any = {.ctx = 1, .src = IPC_ANY_SOURCE, .tag = IPC_ANY_TAG};
    assert_false(ipc__match_fits(&any, &msg));
    any.ctx = 0;
    assert_true(ipc__match_fits(&any, &msg));
}

static void fits_wildcards(void **state)
{
    (void)state;
    struct ipc__match_key msg = {.ctx = 0, .src = 3, .tag = 7};
    struct ipc__match_key pat = {.ctx = 0, .src = 3, .tag = 7};
    assert_true(ipc__match_fits(&pat, &msg));
    pat.tag = 8;
    assert_false(ipc__match_fits(&pat, &msg));
    pat.tag = IPC_ANY_TAG;
    assert_true(ipc__match_fits(&pat, &msg));
    pat.src = 2;
    assert_false(ipc__match_fits(&pat, &msg));
    pat.src = IPC_ANY_SOURCE;
    assert_true(ipc__match_fits(&pat, &msg));
}

static void unexpected_in_arrival_order(void **state)
{
    (void)state;
    struct ipc__match_queue q;
    struct item a = make(0, 1, 5, 1), b = make(0, 1, 5, 2), c = make(0, 2, 5, 3);
    ipc__mq_init(&q);
    ipc__mq_push(&q, &a.mn);
    ipc__mq_push(&q, &b.mn);
    ipc__mq_push(&q, &c.mn);
    assert_int_equal(q.length, 3);

    struct ipc__match_key from2 = {.ctx = 0, .src = 2, .tag = IPC_ANY_TAG};
    assert_int_equal(id_of(ipc__mq_find_unexpected(&q, &from2, 1)), 3);
    struct ipc__match_key any = {.ctx = 0, .src = IPC_ANY_SOURCE, .tag = 5};
    /* a probe does not take the message */
    assert_int_equal(id_of(ipc__mq_find_unexpected(&q, &any, 0)), 1);
    assert_int_equal(q.length, 2);
    assert_int_equal(id_of(ipc__mq_find_unexpected(&q, &any, 1)), 1);
    assert_int_equal(id_of(ipc__mq_find_unexpected(&q, &any, 1)), 2);
    assert_null(ipc__mq_find_unexpected(&q, &any, 1));
    assert_int_equal(q.length, 0);
}

static void posted_oldest_first(void **state)
{
    (void)state;
    struct ipc__match_queue q;
    struct item wild = make(0, IPC_ANY_SOURCE, IPC_ANY_TAG, 1);
    struct item exact = make(0, 4, 9, 2);
    struct item other_ctx = make(1, 4, 9, 3);
    ipc__mq_init(&q);
    ipc__mq_push(&q, &other_ctx.mn);
    ipc__mq_push(&q, &wild.mn);
    ipc__mq_push(&q, &exact.mn);

    struct ipc__match_key msg = {.ctx = 0, .src = 4, .tag = 9};
    /* the wildcard receive was posted first, so it wins */
    assert_int_equal(id_of(ipc__mq_take_posted(&q, &msg)), 1);
    assert_int_equal(id_of(ipc__mq_take_posted(&q, &msg)), 2);
    assert_null(ipc__mq_take_posted(&q, &msg));
    msg.ctx = 1;
    assert_int_equal(id_of(ipc__mq_take_posted(&q, &msg)), 3);
    assert_int_equal(q.length, 0);
}

static void tag_selects_among_same_source(void **state)
{
    (void)state;
    struct ipc__match_queue q;
    struct item t1 = make(0, 0, 1, 1), t2 = make(0, 0, 2, 2);
    ipc__mq_init(&q);
    ipc__mq_push(&q, &t1.mn);
    ipc__mq_push(&q, &t2.mn);
    struct ipc__match_key want2 = {.ctx = 0, .src = 0, .tag = 2};
    assert_int_equal(id_of(ipc__mq_find_unexpected(&q, &want2, 1)), 2);
    assert_int_equal(q.length, 1);
}

static void truncation(void **state)
{
    (void)state;
    int err = -1;
    assert_int_equal(ipc__match_copy_len(10, 100, &err), 10);
    assert_int_equal(err, IPC_SUCCESS);
    assert_int_equal(ipc__match_copy_len(100, 100, &err), 100);
    assert_int_equal(err, IPC_SUCCESS);
    assert_int_equal(ipc__match_copy_len(101, 100, &err), 100);
    assert_int_equal(err, IPC_ERR_TRUNCATE);
    assert_int_equal(ipc__match_copy_len(5, 0, &err), 0);
    assert_int_equal(err, IPC_ERR_TRUNCATE);
    assert_int_equal(ipc__match_copy_len(0, 0, &err), 0);
    assert_int_equal(err, IPC_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(fits_needs_same_context),
        cmocka_unit_test(fits_wildcards),
        cmocka_unit_test(unexpected_in_arrival_order),
        cmocka_unit_test(posted_oldest_first),
        cmocka_unit_test(tag_selects_among_same_source),
        cmocka_unit_test(truncation),
    };
    return cmocka_run_group_tests_name("match", tests, NULL, NULL);
}
