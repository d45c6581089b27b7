/* test_mpi_type.c - the MPI datatype engine (runtime/mpi/mpi_pack.c): the
 * cursor packs and unpacks in pieces of any size, cutting blocks and basic
 * elements, exactly as whole packing does; seeking to a packed offset; the
 * description stays compact; a type freed while a view uses it lives until
 * the view is done; resized bounds are sticky markers (MPI-3.1 4.1.7); the
 * runs of bytes a one-sided operation reaches at its target, in type-map
 * order with adjacent runs merged. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mpi/mpi_internal.h"

enum { SPAN = 1 << 16, ORIGIN = 1 << 14 };

static unsigned char *src, *whole, *pieces, *out_whole, *out_pieces;

static int setup(void **state)
{
    (void)state;
    src = malloc(SPAN);
    whole = malloc(SPAN);
    pieces = malloc(SPAN);
    out_whole = malloc(SPAN);
    out_pieces = malloc(SPAN);
    for (size_t i = 0; i < SPAN; i++)
        src[i] = (unsigned char)(i * 31 + 7);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    free(src);
    free(whole);
    free(pieces);
    free(out_whole);
    free(out_pieces);
    ipc__mpi_ops_fini(); /* frees the handles */
    return 0;
}

/* count elements of type: the cursor in pieces of every size in `sizes`
 * against whole packing, both ways, and seeking to several offsets. */
static void check_pieces(MPI_Datatype type, size_t count)
{
    static const size_t sizes[] = {1, 2, 3, 5, 7, 13, 64, 1000, 4093};
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    assert_non_null(t);
    size_t total = count * t->size;
    assert_true(total <= SPAN);
    ipc__mpi_pack(whole, src + ORIGIN, count, t);
    memset(out_whole, 0xEE, SPAN);
    ipc__mpi_unpack(out_whole + ORIGIN, whole, count, t);
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        struct ipc__mpi_cursor c;
        size_t done = 0, n;
        memset(pieces, 0, SPAN);
        ipc__mpi_cursor_init(&c, src + ORIGIN, count, t);
        while ((n = ipc__mpi_cursor_pack(&c, pieces + done, sizes[s])) > 0) {
            done += n;
            assert_true(n == sizes[s] || done == total);
        }
        assert_int_equal(done, total);
        assert_memory_equal(pieces, whole, total);

        memset(out_pieces, 0xEE, SPAN);
        ipc__mpi_cursor_init(&c, out_pieces + ORIGIN, count, t);
        for (done = 0; done < total; done += n)
            n = ipc__mpi_cursor_unpack(&c, whole + done, sizes[s]);
        assert_int_equal(ipc__mpi_cursor_unpack(&c, whole, 1), 0);
        assert_memory_equal(out_pieces, out_whole, SPAN);
    }
    for (size_t off = 0; off <= total; off += total / 7 + 1) {
        struct ipc__mpi_cursor c;
        ipc__mpi_cursor_init(&c, src + ORIGIN, count, t);
        ipc__mpi_cursor_seek(&c, off);
        assert_int_equal(ipc__mpi_cursor_pack(&c, pieces, SPAN), total - off);
        assert_memory_equal(pieces, whole + off, total - off);
    }
}

static MPI_Datatype committed(MPI_Datatype t)
{
    assert_int_equal(MPI_Type_commit(&t), MPI_SUCCESS);
    return t;
}

static void cursor_in_pieces(void **state)
{
    (void)state;
    MPI_Datatype col, rec1, rec, inner, nest, idx, sub, pair;
    MPI_Type_vector(64, 1, 32, MPI_DOUBLE, &col);
    check_pieces(committed(col), 3);

    struct r {
        int i;
        double d[3];
        char c;
    };
    MPI_Type_create_struct(
        3, (int[]){1, 3, 1},
        (MPI_Aint[]){offsetof(struct r, i), offsetof(struct r, d), offsetof(struct r, c)},
        (MPI_Datatype[]){MPI_INT, MPI_DOUBLE, MPI_CHAR}, &rec1);
    MPI_Type_create_resized(rec1, 0, sizeof(struct r), &rec);
    check_pieces(committed(rec), 100);

    /* Nested with a negative stride and an inner block length. */
    MPI_Type_vector(3, 2, 5, MPI_SHORT, &inner);
    MPI_Type_create_hvector(4, 2, -64, inner, &nest);
    check_pieces(committed(nest), 2);

    MPI_Type_indexed(3, (int[]){2, 1, 3}, (int[]){-4, 7, 1}, nest, &idx);
    check_pieces(committed(idx), 2);

    MPI_Type_create_subarray(3, (int[]){5, 6, 7}, (int[]){2, 3, 4}, (int[]){1, 2, 3},
                             MPI_ORDER_FORTRAN, MPI_FLOAT, &sub);
    check_pieces(committed(sub), 2);

    MPI_Type_contiguous(5, MPI_LONG_DOUBLE_INT, &pair);
    check_pieces(committed(pair), 7);
    check_pieces(MPI_SHORT_INT, 33);
    check_pieces(MPI_INT, 100); /* contiguous: the memcpy path */

    MPI_Datatype all[] = {col, rec1, rec, inner, nest, idx, sub, pair};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++)
        assert_int_equal(MPI_Type_free(&all[k]), MPI_SUCCESS);
}

/* A vector of a million elements is one entry; nesting adds one level. */
static void compact(void **state)
{
    (void)state;
    MPI_Datatype big, nest;
    MPI_Type_vector(1000000, 1, 2, MPI_DOUBLE, &big);
    MPI_Type_contiguous(1000, big, &nest);
    const struct ipc__mpi_type *b = ipc__mpi_type(big), *n = ipc__mpi_type(nest);
    assert_int_equal(b->nentries, 1);
    assert_int_equal(b->depth, 1);
    assert_int_equal(n->nentries, 1);
    assert_int_equal(n->depth, 2);
    assert_int_equal(n->size, 1000 * 1000000 * sizeof(double));
    MPI_Type_free(&big);
    MPI_Type_free(&nest);
}

/* The use-after-free of the brief: a receive view of a vector type; the
 * handle is freed and other types take its slot before the data arrives. */
static void freed_while_in_use(void **state)
{
    (void)state;
    MPI_Datatype vec, other[4];
    double buf[12], packed[4] = {1, 2, 3, 4};
    struct ipc__mpi_view v;
    MPI_Type_vector(4, 1, 3, MPI_DOUBLE, &vec);
    MPI_Type_commit(&vec);
    assert_int_equal(ipc__mpi_view_out(&v, buf, 1, ipc__mpi_type(vec), false),
                     MPI_SUCCESS);
    MPI_Type_free(&vec);
    for (int k = 0; k < 4; k++)
        MPI_Type_vector(2, 3, 4, MPI_CHAR, &other[k]);
    memcpy(v.p, packed, sizeof packed);
    memset(buf, 0, sizeof buf);
    ipc__mpi_view_done(&v, buf, sizeof packed, true);
    for (int i = 0; i < 12; i++)
        assert_true(buf[i] == (i % 3 ? 0 : packed[i / 3]));
    for (int k = 0; k < 4; k++)
        MPI_Type_free(&other[k]);
}

/* A struct of an int and a resized int: the resized one's bounds are
 * markers, and only markers count (MPI-3.1 4.1.7). */
static void sticky_markers(void **state)
{
    (void)state;
    MPI_Datatype r, s;
    MPI_Aint lb, extent;
    MPI_Type_create_resized(MPI_INT, -4, 12, &r);
    MPI_Type_create_struct(2, (int[]){1, 2}, (MPI_Aint[]){0, 100},
                           (MPI_Datatype[]){MPI_INT, r}, &s);
    MPI_Type_get_extent(s, &lb, &extent);
    assert_int_equal(lb, 96);
    assert_int_equal(extent, 24);
    MPI_Type_free(&r);
    MPI_Type_free(&s);
}

/* Basic elements counted in a partial element, and a cut one. */
static void elements(void **state)
{
    (void)state;
    MPI_Datatype s;
    bool exact;
    MPI_Type_create_struct(2, (int[]){2, 1}, (MPI_Aint[]){0, 16},
                           (MPI_Datatype[]){MPI_DOUBLE, MPI_SHORT}, &s);
    const struct ipc__mpi_type *t = ipc__mpi_type(s);
    assert_int_equal(ipc__mpi_elements(t, 2 * 18 + 8, &exact), 7);
    assert_true(exact);
    assert_int_equal(ipc__mpi_elements(t, 2 * 18 + 9, &exact), 7);
    assert_false(exact);
    assert_int_equal(ipc__mpi_elements(t, 18, &exact), 3);
    assert_true(exact);
    MPI_Type_free(&s);
}

/* external32 sizes that differ from the native ones: MPI_LONG is 4 bytes,
 * MPI_LONG_DOUBLE an IEEE quad (binary128), both big-endian. */
static void external32_sizes(void **state)
{
    (void)state;
    long l[2] = {-2, 0x01020304};
    long double ld = 1.0L, back_ld;
    long back_l[2];
    unsigned char buf[64];
    MPI_Aint pos = 0, sz;
    assert_int_equal(MPI_Pack_external_size("external32", 2, MPI_LONG, &sz), MPI_SUCCESS);
    assert_int_equal(sz, 8);
    assert_int_equal(MPI_Pack_external("external32", l, 2, MPI_LONG, buf, 64, &pos),
                     MPI_SUCCESS);
    assert_int_equal(
        MPI_Pack_external("external32", &ld, 1, MPI_LONG_DOUBLE, buf, 64, &pos),
        MPI_SUCCESS);
    assert_int_equal(pos, 8 + 16);
    const unsigned char want[] = {0xff, 0xff, 0xff, 0xfe, 1, 2, 3, 4, 0x3f, 0xff, 0, 0,
                                  0,    0,    0,    0,    0, 0, 0, 0, 0,    0,    0, 0};
    assert_memory_equal(buf, want, sizeof want);
    pos = 0;
    MPI_Unpack_external("external32", buf, 64, &pos, back_l, 2, MPI_LONG);
    MPI_Unpack_external("external32", buf, 64, &pos, &back_ld, 1, MPI_LONG_DOUBLE);
    assert_int_equal(back_l[0], -2);
    assert_int_equal(back_l[1], 0x01020304);
    assert_true(back_ld == 1.0L);
}

/* ---- the target side of one-sided operations (ipc__mpi_flatten) ---- */

/* count elements of type at byte `at`: the runs want[0..n), exactly. */
static void check_runs(MPI_Datatype type, size_t count, long at,
                       const struct ipc__rma_blk *want, size_t n)
{
    struct ipc__rma_blk *blk = NULL;
    size_t nblk = 0, bytes = 0, sum = 0;
    assert_int_equal(
        ipc__mpi_flatten(ipc__mpi_type(type), count, at, &blk, &nblk, &bytes),
        MPI_SUCCESS);
    assert_int_equal(nblk, n);
    for (size_t k = 0; k < n; k++) {
        assert_int_equal(blk[k].off, want[k].off);
        assert_int_equal(blk[k].len, want[k].len);
        sum += want[k].len;
    }
    assert_int_equal(bytes, sum);
    free(blk);
}
#define RUNS(type, count, at, ...)                                                       \
    check_runs((type), (count), (at), (struct ipc__rma_blk[]){__VA_ARGS__},              \
               sizeof((struct ipc__rma_blk[]){__VA_ARGS__}) /                            \
                   sizeof(struct ipc__rma_blk))

/* The bytes the runs name, in their order, are what packing count elements
 * at src + ORIGIN gives, and no run ends where the next begins. */
static void check_runs_pack(MPI_Datatype type, size_t count)
{
    const struct ipc__mpi_type *t = ipc__mpi_type(type);
    struct ipc__rma_blk *blk = NULL;
    size_t nblk = 0, bytes = 0, done = 0;
    assert_int_equal(ipc__mpi_flatten(t, count, ORIGIN, &blk, &nblk, &bytes),
                     MPI_SUCCESS);
    assert_int_equal(bytes, count * t->size);
    ipc__mpi_pack(whole, src + ORIGIN, count, t);
    for (size_t k = 0; k < nblk; k++) {
        assert_true(blk[k].len > 0 && blk[k].off + blk[k].len <= SPAN);
        assert_true(k == 0 || blk[k - 1].off + blk[k - 1].len != blk[k].off);
        memcpy(pieces + done, src + blk[k].off, blk[k].len);
        done += blk[k].len;
    }
    assert_int_equal(done, bytes);
    assert_memory_equal(pieces, whole, bytes);
    free(blk);
}

static void target_runs(void **state)
{
    (void)state;
    MPI_Datatype vec, idx, st, rs, rs2, inner, nest, neg, pair, sub, big;
    /* count > 1: element 1 starts at extent 40, right where element 0's
     * last block ends, so the two merge. */
    MPI_Type_vector(3, 2, 4, MPI_INT, &vec);
    RUNS(committed(vec), 1, 100, {100, 8}, {116, 8}, {132, 8});
    RUNS(vec, 2, 100, {100, 8}, {116, 8}, {132, 16}, {156, 8}, {172, 8});
    RUNS(MPI_INT, 10, 8, {8, 40}); /* contiguous: one run however many */

    /* Type-map order, not address order; adjacent blocks merge. */
    MPI_Type_indexed(3, (int[]){2, 1, 3}, (int[]){5, 0, 1}, MPI_INT, &idx);
    RUNS(committed(idx), 1, 0, {20, 8}, {0, 16});

    /* A struct whose double and chars touch. */
    MPI_Type_create_struct(3, (int[]){1, 1, 3}, (MPI_Aint[]){0, 8, 16},
                           (MPI_Datatype[]){MPI_INT, MPI_DOUBLE, MPI_CHAR}, &st);
    RUNS(committed(st), 1, 0, {0, 4}, {8, 11});

    /* Resized: elements one extent apart, whatever the lower bound. */
    MPI_Type_create_resized(MPI_INT, 0, 8, &rs);
    RUNS(committed(rs), 3, 0, {0, 4}, {8, 4}, {16, 4});
    MPI_Type_create_resized(MPI_INT, -4, 12, &rs2);
    RUNS(committed(rs2), 3, 4, {4, 4}, {16, 4}, {28, 4});

    /* Nested: a vector of vectors (inner extent 12, outer stride 24). */
    MPI_Type_vector(2, 1, 2, MPI_INT, &inner);
    MPI_Type_vector(2, 1, 2, inner, &nest);
    RUNS(committed(nest), 1, 0, {0, 4}, {8, 4}, {24, 4}, {32, 4});

    /* A predefined pair has a gap (DOUBLE_INT: 12 bytes, extent 16). */
    RUNS(MPI_DOUBLE_INT, 2, 0, {0, 12}, {16, 12});

    /* A negative stride goes down in order; below byte 0 is out of range. */
    MPI_Type_create_hvector(2, 1, -8, MPI_INT, &neg);
    RUNS(committed(neg), 1, 8, {8, 4}, {0, 4});
    struct ipc__rma_blk *blk = NULL;
    size_t nblk = 0, bytes = 0;
    assert_int_equal(ipc__mpi_flatten(ipc__mpi_type(neg), 1, 4, &blk, &nblk, &bytes),
                     MPI_ERR_RMA_RANGE);
    assert_int_equal(
        ipc__mpi_flatten(ipc__mpi_type(MPI_INT), 2, LONG_MAX - 4, &blk, &nblk, &bytes),
        MPI_ERR_RMA_RANGE);
    /* No bytes, no runs. */
    assert_int_equal(ipc__mpi_flatten(ipc__mpi_type(vec), 0, 0, &blk, &nblk, &bytes),
                     MPI_SUCCESS);
    assert_null(blk);
    assert_int_equal(nblk, 0);

    /* Against the pack engine, on the shapes cursor_in_pieces uses. */
    MPI_Type_contiguous(5, MPI_LONG_DOUBLE_INT, &pair);
    MPI_Type_create_subarray(3, (int[]){5, 6, 7}, (int[]){2, 3, 4}, (int[]){1, 2, 3},
                             MPI_ORDER_FORTRAN, MPI_FLOAT, &sub);
    MPI_Type_create_hvector(4, 2, -64, committed(nest), &big);
    const MPI_Datatype shapes[] = {
        vec, idx, st, rs2, nest, neg, committed(pair), committed(sub), committed(big)};
    for (size_t k = 0; k < sizeof shapes / sizeof *shapes; k++)
        check_runs_pack(shapes[k], 3);
    check_runs_pack(MPI_SHORT_INT, 33);

    MPI_Datatype all[] = {vec, idx, st, rs, rs2, inner, nest, neg, pair, sub, big};
    for (size_t k = 0; k < sizeof all / sizeof *all; k++)
        assert_int_equal(MPI_Type_free(&all[k]), MPI_SUCCESS);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(cursor_in_pieces),   cmocka_unit_test(compact),
        cmocka_unit_test(freed_while_in_use), cmocka_unit_test(sticky_markers),
        cmocka_unit_test(elements),           cmocka_unit_test(external32_sizes),
        cmocka_unit_test(target_runs),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
