/* test_rma.c - the one-sided engine (runtime/rma/) in a job of one rank: the
 * lock words (shared and exclusive exclude each other), the decoder of AM
 * requests (every rule of a well-formed request refused when broken), the
 * regions of a dynamic window (overlap, the limit, detach), windows of every
 * flavor with operations to self (values, ranges, ops that do not apply,
 * request forms, IPC_PROC_NULL), and epochs' errors. Several ranks and the
 * three paths: tests/programs/rma.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alone.h"

#include "rma/win.h"

static void lock_words_exclude_each_other(void **state)
{
    (void)state;
    struct ipc__rma_ctl c;
    memset(&c, 0, sizeof c);
    assert_true(ipc__rma_try_lock(&c, IPC_LOCK_SHARED));
    assert_true(ipc__rma_try_lock(&c, IPC_LOCK_SHARED));
    assert_false(ipc__rma_try_lock(&c, IPC_LOCK_EXCLUSIVE));
    ipc__rma_unlock_word(&c, IPC_LOCK_SHARED);
    assert_false(ipc__rma_try_lock(&c, IPC_LOCK_EXCLUSIVE));
    ipc__rma_unlock_word(&c, IPC_LOCK_SHARED);
    assert_true(ipc__rma_try_lock(&c, IPC_LOCK_EXCLUSIVE));
    assert_false(ipc__rma_try_lock(&c, IPC_LOCK_SHARED));
    assert_false(ipc__rma_try_lock(&c, IPC_LOCK_EXCLUSIVE));
    ipc__rma_unlock_word(&c, IPC_LOCK_EXCLUSIVE);
    assert_true(ipc__rma_try_lock(&c, IPC_LOCK_SHARED));
}

/* A request: header, blocks, then `extra` operand bytes. */
static size_t request(unsigned char *buf, uint32_t kind, int op, uint64_t elem,
                      const struct ipc__rma_blk *b, uint64_t nblk, uint64_t bytes,
                      size_t extra)
{
    struct ipc__rma_am_hdr h = {.kind = kind,
                                .op = op,
                                .type = 4,
                                .reply_tag = IPC__RMA_TAG_REPLY,
                                .elem = elem,
                                .nblk = nblk,
                                .bytes = bytes};
    memcpy(buf, &h, sizeof h);
    memcpy(buf + sizeof h, b, nblk * sizeof *b);
    memset(buf + sizeof h + nblk * sizeof *b, 0x11, extra);
    return sizeof h + nblk * sizeof *b + extra;
}

static void requests_are_decoded_and_checked(void **state)
{
    (void)state;
    unsigned char buf[512];
    struct ipc__rma_req q;
    struct ipc__rma_blk two[2] = {{0, 8}, {64, 8}};
    size_t n = request(buf, IPC__RMA_PUT, 0, 0, two, 2, 16, 16);
    assert_null(ipc__rma_req_decode(buf, n, &q));
    assert_int_equal(q.h.nblk, 2);
    assert_ptr_equal(q.operand, (char *)buf + sizeof q.h + 32);
    /* one byte short, one too many, blocks that do not add up */
    assert_non_null(ipc__rma_req_decode(buf, n - 1, &q));
    assert_non_null(ipc__rma_req_decode(buf, n + 1, &q));
    two[1].len = 9;
    n = request(buf, IPC__RMA_PUT, 0, 0, two, 2, 16, 16);
    assert_string_equal(ipc__rma_req_decode(buf, n, &q),
                        "blocks do not add up to its length");
    /* a get carries no operand; a block count past the message */
    two[1].len = 8;
    n = request(buf, IPC__RMA_GET, 0, 0, two, 2, 16, 0);
    assert_null(ipc__rma_req_decode(buf, n, &q));
    n = request(buf, IPC__RMA_GET, 0, 0, two, 2, 16, 0);
    struct ipc__rma_am_hdr *h = (struct ipc__rma_am_hdr *)buf;
    h->nblk = UINT64_MAX / 8;
    assert_string_equal(ipc__rma_req_decode(buf, n, &q), "more blocks than it holds");
    /* accumulates: whole elements; compare-and-swap: one, and its compare value */
    n = request(buf, IPC__RMA_ACC, 1, 3, two, 2, 16, 16);
    assert_non_null(ipc__rma_req_decode(buf, n, &q));
    n = request(buf, IPC__RMA_ACC, 1, 0, two, 2, 16, 16);
    assert_non_null(ipc__rma_req_decode(buf, n, &q));
    n = request(buf, IPC__RMA_ACC, 1, 8, two, 2, 16, 16);
    assert_null(ipc__rma_req_decode(buf, n, &q));
    n = request(buf, IPC__RMA_CAS, 0, 8, two, 1, 8, 16);
    assert_null(ipc__rma_req_decode(buf, n, &q));
    assert_ptr_equal(q.cmp, q.operand + 8);
    n = request(buf, IPC__RMA_CAS, 0, 8, two, 1, 8, 8);
    assert_non_null(ipc__rma_req_decode(buf, n, &q));
    /* kinds, tags, locks */
    n = request(buf, 9, 0, 0, two, 1, 8, 8);
    assert_string_equal(ipc__rma_req_decode(buf, n, &q), "unknown kind");
    n = request(buf, IPC__RMA_PUT, 0, 0, two, 1, 8, 8);
    h->reply_tag = IPC__RMA_TAG_COMPLETE;
    assert_string_equal(ipc__rma_req_decode(buf, n, &q), "reply tag out of range");
    n = request(buf, IPC__RMA_AM_LOCK, IPC_LOCK_EXCLUSIVE, 0, two, 0, 0, 0);
    assert_null(ipc__rma_req_decode(buf, n, &q));
    n = request(buf, IPC__RMA_AM_LOCK, 7, 0, two, 0, 0, 0);
    assert_string_equal(ipc__rma_req_decode(buf, n, &q), "unknown lock type");
    n = request(buf, IPC__RMA_AM_UNLOCK, IPC_LOCK_SHARED, 0, two, 0, 0, 1);
    assert_string_equal(ipc__rma_req_decode(buf, n, &q), "lock request with a body");
    assert_non_null(ipc__rma_req_decode(buf, sizeof q.h - 1, &q));
}

static void operations_on_self(ipc_win w, int64_t *mem)
{
    int64_t v[4] = {1, 2, 3, 4}, got[4] = {0}, r = -1, one = 1, cmp = 7, nv = 9;
    assert_int_equal(ipc_put(v, 4, IPC_INT64, 0, 0, w), IPC_ERR_RMA_SYNC);
    assert_int_equal(ipc_win_lock(IPC_LOCK_EXCLUSIVE, 0, 0, w), IPC_SUCCESS);
    assert_int_equal(ipc_put(v, 4, IPC_INT64, 0, 0, w), IPC_SUCCESS);
    assert_int_equal(ipc_get(got, 4, IPC_INT64, 0, 0, w), IPC_SUCCESS);
    assert_memory_equal(got, v, sizeof v);
    assert_int_equal(ipc_accumulate(v, 4, IPC_INT64, 0, 0, IPC_SUM, w), IPC_SUCCESS);
    assert_int_equal(ipc_fetch_and_op(&one, &r, IPC_INT64, 0, 3, IPC_MAX, w),
                     IPC_SUCCESS);
    assert_int_equal(r, 8);
    assert_int_equal(ipc_get_accumulate(v, got, 2, IPC_INT64, 0, 1, IPC_REPLACE, w),
                     IPC_SUCCESS);
    assert_int_equal(got[0], 4);
    assert_int_equal(got[1], 6);
    assert_int_equal(ipc_get_accumulate(NULL, got, 1, IPC_INT64, 0, 0, IPC_NO_OP, w),
                     IPC_SUCCESS);
    assert_int_equal(got[0], 2);
    mem[3] = 7;
    assert_int_equal(ipc_compare_and_swap(&nv, &cmp, &r, IPC_INT64, 0, 3, w),
                     IPC_SUCCESS);
    assert_int_equal(r, 7);
    assert_int_equal(mem[3], 9);
    assert_int_equal(ipc_compare_and_swap(&one, &cmp, &r, IPC_INT64, 0, 3, w),
                     IPC_SUCCESS);
    assert_int_equal(r, 9);
    assert_int_equal(mem[3], 9);
    int64_t want[4] = {2, 1, 2, 9};
    assert_memory_equal(mem, want, sizeof want);
    /* ranges, ops that do not apply, requests, nobody */
    assert_int_equal(ipc_put(v, 1, IPC_INT64, 0, 4, w), IPC_ERR_RMA_RANGE);
    assert_int_equal(ipc_put(v, 2, IPC_INT64, 0, 3, w), IPC_ERR_RMA_RANGE);
    assert_int_equal(ipc_put(v, 1, IPC_INT64, 1, 0, w), IPC_ERR_RANK);
    double d = 1;
    assert_int_equal(ipc_accumulate(&d, 1, IPC_DOUBLE, 0, 0, IPC_BXOR, w), IPC_ERR_OP);
    ipc_request req;
    assert_int_equal(ipc_rget(got, 4, IPC_INT64, 0, 0, w, &req), IPC_SUCCESS);
    assert_int_equal(ipc_wait(&req, IPC_STATUS_IGNORE), IPC_SUCCESS);
    assert_memory_equal(got, want, sizeof want);
    assert_int_equal(ipc_rput(v, 1, IPC_INT64, IPC_PROC_NULL, 0, w, &req), IPC_SUCCESS);
    assert_int_equal(ipc_wait(&req, IPC_STATUS_IGNORE), IPC_SUCCESS);
    assert_int_equal(ipc_win_free(&w), IPC_ERR_RMA_SYNC);
    assert_int_equal(ipc_win_unlock(0, w), IPC_SUCCESS);
    assert_int_equal(ipc_win_unlock(0, w), IPC_ERR_RMA_SYNC);
    assert_int_equal(ipc_win_flush(0, w), IPC_ERR_RMA_SYNC);
}

static void windows_of_every_flavor(void **state)
{
    (void)state;
    int64_t own[4] = {0}, *mem;
    ipc_win w;
    assert_int_equal(ipc_win_create(own, sizeof own, 8, IPC_COMM_WORLD, &w), IPC_SUCCESS);
    operations_on_self(w, own);
    assert_int_equal(ipc_win_free(&w), IPC_SUCCESS);
    assert_ptr_equal(w, IPC_WIN_NULL);

    assert_int_equal(ipc_win_allocate(32, 8, IPC_COMM_WORLD, &mem, &w), IPC_SUCCESS);
    assert_non_null(mem);
    memset(mem, 0, 32);
    operations_on_self(w, mem);
    void *base;
    size_t size;
    int du, flavor;
    assert_int_equal(ipc_win_query(w, &base, &size, &du, &flavor), IPC_SUCCESS);
    assert_ptr_equal(base, mem);
    assert_int_equal(size, 32);
    assert_int_equal(du, 8);
    assert_int_equal(flavor, IPC_WIN_FLAVOR_ALLOCATE);
    assert_int_equal(ipc_win_shared_query(w, 0, NULL, NULL, NULL), IPC_ERR_RMA_FLAVOR);
    assert_int_equal(ipc_win_free(&w), IPC_SUCCESS);

    assert_int_equal(ipc_win_allocate_shared(32, 8, 0, IPC_COMM_WORLD, &mem, &w),
                     IPC_SUCCESS);
    int64_t *q;
    assert_int_equal(ipc_win_shared_query(w, IPC_PROC_NULL, &size, &du, &q), IPC_SUCCESS);
    assert_ptr_equal(q, mem);
    assert_int_equal(size, 32);
    assert_int_equal(ipc_win_free(&w), IPC_SUCCESS);
    assert_int_equal(ipc_win_free(&w), IPC_ERR_WIN);
    assert_int_equal(ipc_win_create(own, 8, 0, IPC_COMM_WORLD, &w), IPC_ERR_ARG);
    assert_int_equal(ipc_win_create(NULL, 8, 1, IPC_COMM_WORLD, &w), IPC_ERR_BUFFER);
}

static void dynamic_regions(void **state)
{
    (void)state;
    static int64_t a[4], b[2][4];
    ipc_win w;
    assert_int_equal(ipc_win_create_dynamic(IPC_COMM_WORLD, &w), IPC_SUCCESS);
    assert_int_equal(ipc_win_attach(w, a, sizeof a), IPC_SUCCESS);
    assert_int_equal(ipc_win_attach(w, &a[2], 8), IPC_ERR_RMA_ATTACH); /* overlaps */
    assert_int_equal(ipc_win_lock(IPC_LOCK_SHARED, 0, 0, w), IPC_SUCCESS);
    int64_t v = 5;
    assert_int_equal(ipc_put(&v, 1, IPC_INT64, 0, (size_t)(uintptr_t)&a[3], w),
                     IPC_SUCCESS);
    assert_int_equal(a[3], 5);
    assert_int_equal(ipc_put(&v, 2, IPC_INT64, 0, (size_t)(uintptr_t)&a[3], w),
                     IPC_ERR_RMA_RANGE);
    assert_int_equal(ipc_put(&v, 1, IPC_INT64, 0, (size_t)(uintptr_t)b, w),
                     IPC_ERR_RMA_RANGE);
    assert_int_equal(ipc_win_unlock(0, w), IPC_SUCCESS);
    assert_int_equal(ipc_win_detach(w, &a[1]), IPC_ERR_RMA_ATTACH);
    assert_int_equal(ipc_win_detach(w, a), IPC_SUCCESS);
    assert_int_equal(ipc_win_detach(w, a), IPC_ERR_RMA_ATTACH);
    /* at most IPC__RMA_REGIONS_MAX regions */
    char *many = malloc(IPC__RMA_REGIONS_MAX + 1);
    assert_non_null(many);
    for (int i = 0; i < IPC__RMA_REGIONS_MAX; i++)
        assert_int_equal(ipc_win_attach(w, many + i, 1), IPC_SUCCESS);
    assert_int_equal(ipc_win_attach(w, many + IPC__RMA_REGIONS_MAX, 1),
                     IPC_ERR_RMA_ATTACH);
    for (int i = 0; i < IPC__RMA_REGIONS_MAX; i++)
        assert_int_equal(ipc_win_detach(w, many + i), IPC_SUCCESS);
    free(many);
    int64_t x = 0;
    ipc_win other;
    assert_int_equal(ipc_win_create(&x, 8, 8, IPC_COMM_WORLD, &other), IPC_SUCCESS);
    assert_int_equal(ipc_win_attach(other, b, 8), IPC_ERR_RMA_FLAVOR);
    assert_int_equal(ipc_win_free(&other), IPC_SUCCESS);
    assert_int_equal(ipc_win_free(&w), IPC_SUCCESS);
}

static void epochs_errors(void **state)
{
    (void)state;
    int64_t x = 0;
    ipc_win w;
    int me = 0;
    assert_int_equal(ipc_win_create(&x, 8, 8, IPC_COMM_WORLD, &w), IPC_SUCCESS);
    assert_int_equal(ipc_win_lock(9, 0, 0, w), IPC_ERR_LOCKTYPE);
    assert_int_equal(ipc_win_lock(IPC_LOCK_SHARED, 0, 3, w), IPC_ERR_ASSERT);
    assert_int_equal(ipc_win_fence(1 << 30, w), IPC_ERR_ASSERT);
    assert_int_equal(ipc_win_complete(w), IPC_ERR_RMA_SYNC);
    assert_int_equal(ipc_win_wait(w), IPC_ERR_RMA_SYNC);
    assert_int_equal(ipc_win_unlock_all(w), IPC_ERR_RMA_SYNC);
    assert_int_equal(ipc_win_post(&me, 1, 0, w), IPC_SUCCESS);
    assert_int_equal(ipc_win_post(&me, 1, 0, w), IPC_ERR_RMA_SYNC);
    assert_int_equal(ipc_win_start(&me, 1, 0, w), IPC_SUCCESS);
    assert_int_equal(ipc_win_free(&w), IPC_ERR_RMA_SYNC);
    int64_t v = 3;
    assert_int_equal(ipc_put(&v, 1, IPC_INT64, 0, 0, w), IPC_SUCCESS);
    int flag = 1;
    assert_int_equal(ipc_win_test(w, &flag), IPC_SUCCESS);
    assert_int_equal(flag, 0); /* not completed yet */
    assert_int_equal(ipc_win_complete(w), IPC_SUCCESS);
    assert_int_equal(ipc_win_test(w, &flag), IPC_SUCCESS);
    assert_int_equal(flag, 1);
    assert_int_equal(x, 3);
    assert_int_equal(ipc_win_test(w, &flag), IPC_ERR_RMA_SYNC);
    int bad = 1;
    assert_int_equal(ipc_win_start(&bad, 1, 0, w), IPC_ERR_RANK);
    assert_int_equal(ipc_win_lock_all(0, w), IPC_SUCCESS);
    assert_int_equal(ipc_win_lock(IPC_LOCK_SHARED, 0, 0, w), IPC_ERR_RMA_SYNC);
    assert_int_equal(ipc_win_flush_local_all(w), IPC_SUCCESS);
    assert_int_equal(ipc_win_unlock_all(w), IPC_SUCCESS);
    assert_int_equal(ipc_win_fence(IPC_MODE_NOPRECEDE, w), IPC_SUCCESS);
    assert_int_equal(ipc_put(&v, 1, IPC_INT64, 0, 0, w), IPC_SUCCESS);
    assert_int_equal(ipc_win_fence(IPC_MODE_NOSUCCEED, w), IPC_SUCCESS);
    assert_int_equal(ipc_put(&v, 1, IPC_INT64, 0, 0, w), IPC_ERR_RMA_SYNC);
    assert_int_equal(ipc_win_sync(w), IPC_SUCCESS);
    assert_int_equal(ipc_win_free(&w), IPC_SUCCESS);
    assert_int_equal(ipc_win_sync(w), IPC_ERR_WIN);
}

static void kernel_codes(void **state)
{
    (void)state;
    assert_int_equal(ipc__rma_type_code(IPC_DATATYPE_NULL), 0);
    int c = ipc__rma_type_code(IPC_INT);
    assert_true(c > 0);
    int a = 2, b = 5;
    assert_true(ipc__rma_kernel_ipc(1, c, &a, &b, 1));
    assert_int_equal(b, 7);
    assert_false(ipc__rma_kernel_ipc(11, c, &a, &b, 1));
    assert_false(ipc__rma_kernel_ipc(1, 99, &a, &b, 1));
    assert_int_equal(b, 7);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lock_words_exclude_each_other),
        cmocka_unit_test(requests_are_decoded_and_checked),
        cmocka_unit_test(windows_of_every_flavor),
        cmocka_unit_test(dynamic_regions),
        cmocka_unit_test(epochs_errors),
        cmocka_unit_test(kernel_codes),
    };
    return cmocka_run_group_tests(tests, join, leave);
}
