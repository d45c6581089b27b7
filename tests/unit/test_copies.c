/* test_copies.c - the memory of send-queue copies (copies.c): a copy given
 * back is the memory the next copy of its size class gets, without malloc; a
 * block holds every byte of the copies of its class; at most
 * IPC__COPY_KEEP_MAX bytes are kept and copies above IPC__COPY_BLOCK_MAX are
 * never kept; ipc__copies_fini lets everything go. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static int empty_after(void **state)
{
    (void)state;
    ipc__copies_fini();
    return ipc__copies_kept() == 0 ? 0 : -1;
}

static void a_copy_given_back_is_the_next_one(void **state)
{
    (void)state;
    char *a = ipc__copy_get(16384);
    assert_non_null(a);
    memset(a, 1, 16384);
    ipc__copy_put(a, 16384);
    assert_int_equal(ipc__copies_kept(), 16384);
    /* Any size of its class (8193..16384) gets the same memory back. */
    char *b = ipc__copy_get(9000);
    assert_ptr_equal(b, a);
    assert_int_equal(ipc__copies_kept(), 0);
    memset(b, 2, 9000);
    /* Another class does not take it. */
    ipc__copy_put(b, 9000);
    char *c = ipc__copy_get(1024);
    assert_non_null(c);
    assert_ptr_not_equal(c, a);
    memset(c, 3, 1024);
    ipc__copy_put(c, 1024);
    assert_int_equal(ipc__copies_kept(), 16384 + 1024);
}

/* A burst of copies in flight at once, all given back, then the same burst
 * again: every copy of the second is memory of the first. */
static void a_burst_reuses_the_last_one(void **state)
{
    (void)state;
    enum { N = 16, LEN = 16384 };
    char *first[N], *second[N];
    for (int i = 0; i < N; i++) {
        assert_non_null(first[i] = ipc__copy_get(LEN));
        memset(first[i], i, LEN);
    }
    for (int i = 0; i < N; i++)
        ipc__copy_put(first[i], LEN);
    assert_int_equal(ipc__copies_kept(), N * LEN);
    for (int i = 0; i < N; i++) {
        assert_non_null(second[i] = ipc__copy_get(LEN));
        bool seen = false;
        for (int j = 0; j < N; j++)
            seen = seen || second[i] == first[j];
        assert_true(seen);
        for (int j = 0; j < i; j++)
            assert_ptr_not_equal(second[i], second[j]);
    }
    assert_int_equal(ipc__copies_kept(), 0);
    for (int i = 0; i < N; i++)
        ipc__copy_put(second[i], LEN);
}

static void what_is_kept_is_bounded(void **state)
{
    (void)state;
    enum { N = 2 * IPC__COPY_KEEP_MAX / IPC__COPY_BLOCK_MAX };
    char *big[N];
    for (int i = 0; i < N; i++) {
        assert_non_null(big[i] = ipc__copy_get(IPC__COPY_BLOCK_MAX));
        big[i][IPC__COPY_BLOCK_MAX - 1] = 1;
    }
    for (int i = 0; i < N; i++)
        ipc__copy_put(big[i], IPC__COPY_BLOCK_MAX);
    assert_int_equal(ipc__copies_kept(), IPC__COPY_KEEP_MAX);

    /* Larger than a block: plain malloc and free, never kept. */
    ipc__copies_fini();
    char *huge = ipc__copy_get(IPC__COPY_BLOCK_MAX + 1);
    assert_non_null(huge);
    huge[IPC__COPY_BLOCK_MAX] = 1;
    ipc__copy_put(huge, IPC__COPY_BLOCK_MAX + 1);
    assert_int_equal(ipc__copies_kept(), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(a_copy_given_back_is_the_next_one, empty_after),
        cmocka_unit_test_teardown(a_burst_reuses_the_last_one, empty_after),
        cmocka_unit_test_teardown(what_is_kept_is_bounded, empty_after),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
