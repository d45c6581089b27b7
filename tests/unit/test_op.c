/* test_op.c - reduction operations: which datatypes each accepts, what every
 * kernel computes, wrap-around, operand order, user-defined operations. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

static const ipc_op builtin[] = {IPC_SUM,  IPC_PROD, IPC_MIN,  IPC_MAX, IPC_LAND,
                                 IPC_LOR,  IPC_LXOR, IPC_BAND, IPC_BOR, IPC_BXOR};
enum { N_BUILTIN = sizeof builtin / sizeof builtin[0], N_TYPES = 8 };

static ipc_datatype type_at(int k)
{
    const ipc_datatype all[N_TYPES] = {IPC_BYTE,  IPC_CHAR,   IPC_INT,   IPC_LONG,
                                       IPC_INT64, IPC_UINT64, IPC_FLOAT, IPC_DOUBLE};
    return all[k];
}

/* The table of include/ipc.h: rows are ops, columns the types above. */
static const int accepted[N_BUILTIN][N_TYPES] = {
    /*            BYTE CHAR INT LONG I64 U64 FLT DBL */
    /* SUM  */ {0, 0, 1, 1, 1, 1, 1, 1},
    /* PROD */ {0, 0, 1, 1, 1, 1, 1, 1},
    /* MIN  */ {0, 0, 1, 1, 1, 1, 1, 1},
    /* MAX  */ {0, 0, 1, 1, 1, 1, 1, 1},
    /* LAND */ {0, 0, 1, 1, 1, 1, 0, 0},
    /* LOR  */ {0, 0, 1, 1, 1, 1, 0, 0},
    /* LXOR */ {0, 0, 1, 1, 1, 1, 0, 0},
    /* BAND */ {1, 0, 1, 1, 1, 1, 0, 0},
    /* BOR  */ {1, 0, 1, 1, 1, 1, 0, 0},
    /* BXOR */ {1, 0, 1, 1, 1, 1, 0, 0},
};

static void pairings_follow_the_table(void **state)
{
    (void)state;
    for (int o = 0; o < N_BUILTIN; o++)
        for (int t = 0; t < N_TYPES; t++)
            assert_int_equal(ipc__op_check(builtin[o], type_at(t)),
                             accepted[o][t] ? IPC_SUCCESS : IPC_ERR_OP);
    assert_int_equal(ipc__op_check(IPC_OP_NULL, IPC_INT), IPC_ERR_OP);
    assert_int_equal(ipc__op_check((ipc_op)(uintptr_t)11, IPC_INT), IPC_ERR_OP);
    assert_int_equal(ipc__op_check(IPC_SUM, IPC_DATATYPE_NULL), IPC_ERR_TYPE);
}

/* in and inout of 5 ints, and what each op leaves in inout. */
static const int in_i[5] = {3, -4, 0, 7, 12};
static const int io_i[5] = {5, 6, 9, 0, 10};
static const int want_i[N_BUILTIN][5] = {
    {8, 2, 9, 7, 22},       /* SUM */
    {15, -24, 0, 0, 120},   /* PROD */
    {3, -4, 0, 0, 10},      /* MIN */
    {5, 6, 9, 7, 12},       /* MAX */
    {1, 1, 0, 0, 1},        /* LAND */
    {1, 1, 1, 1, 1},        /* LOR */
    {0, 0, 1, 1, 0},        /* LXOR */
    {1, 4, 0, 0, 8},        /* BAND */
    {7, -2, 9, 7, 14},      /* BOR */
    {6, -6, 9, 7, 6},       /* BXOR */
};

/* Every op on every integer type gives the same as on int. */
static void integer_kernels(void **state)
{
    (void)state;
    for (int o = 0; o < N_BUILTIN; o++) {
        int io[5];
        memcpy(io, io_i, sizeof io);
        ipc__op_apply(builtin[o], IPC_INT, in_i, io, 5);
        assert_memory_equal(io, want_i[o], sizeof io);

        long in_l[5], io_l[5];
        int64_t in_64[5], io_64[5];
        for (int i = 0; i < 5; i++) {
            in_l[i] = in_64[i] = in_i[i];
            io_l[i] = io_64[i] = io_i[i];
        }
        ipc__op_apply(builtin[o], IPC_LONG, in_l, io_l, 5);
        ipc__op_apply(builtin[o], IPC_INT64, in_64, io_64, 5);
        for (int i = 0; i < 5; i++) {
            assert_int_equal(io_l[i], want_i[o][i]);
            assert_int_equal(io_64[i], want_i[o][i]);
        }
    }
}

static void unsigned_and_byte_kernels(void **state)
{
    (void)state;
    uint64_t a[3] = {UINT64_MAX, 2, 0x00ff}, b[3] = {1, UINT64_MAX, 0x0f0f};
    ipc__op_apply(IPC_SUM, IPC_UINT64, a, b, 3);
    assert_true(b[0] == 0 && b[1] == 1 && b[2] == 0x100e);
    uint64_t c[2] = {UINT64_MAX, 5}, d[2] = {1, 7};
    ipc__op_apply(IPC_MIN, IPC_UINT64, c, d, 2); /* unsigned order, not signed */
    assert_true(d[0] == 1 && d[1] == 5);
    unsigned char x[3] = {0xf0, 0x0f, 0xaa}, y[3] = {0xff, 0xf0, 0x55};
    ipc__op_apply(IPC_BXOR, IPC_BYTE, x, y, 3);
    assert_true(y[0] == 0x0f && y[1] == 0xff && y[2] == 0xff);
    ipc__op_apply(IPC_BAND, IPC_BYTE, x, y, 3);
    assert_true(y[0] == 0x00 && y[1] == 0x0f && y[2] == 0xaa);
}

/* Signed sums and products wrap around (and UBSan sees no overflow). */
static void signed_overflow_wraps(void **state)
{
    (void)state;
    int a[2] = {INT_MAX, INT_MIN}, b[2] = {1, -1};
    ipc__op_apply(IPC_SUM, IPC_INT, a, b, 2);
    assert_int_equal(b[0], INT_MIN);
    assert_int_equal(b[1], INT_MAX);
    int64_t c[1] = {INT64_MAX}, d[1] = {2};
    ipc__op_apply(IPC_PROD, IPC_INT64, c, d, 1);
    assert_true(d[0] == -2);
    long e[1] = {LONG_MIN}, f[1] = {-1};
    ipc__op_apply(IPC_PROD, IPC_LONG, e, f, 1);
    assert_true(f[0] == LONG_MIN);
}

static void floating_kernels(void **state)
{
    (void)state;
    double a[4] = {1.5, -2.0, 1e308, 0.1}, b[4] = {2.25, 8.0, 1e308, 0.2};
    ipc__op_apply(IPC_SUM, IPC_DOUBLE, a, b, 4);
    assert_true(b[0] == 3.75 && b[1] == 6.0 && isinf(b[2]) && b[3] == 0.1 + 0.2);
    float f[3] = {1.5f, -3.0f, 2.0f}, g[3] = {-1.0f, 4.0f, 0.5f};
    ipc__op_apply(IPC_PROD, IPC_FLOAT, f, g, 3);
    assert_true(g[0] == -1.5f && g[1] == -12.0f && g[2] == 1.0f);
    ipc__op_apply(IPC_MAX, IPC_FLOAT, f, g, 3);
    assert_true(g[0] == 1.5f && g[1] == -3.0f && g[2] == 2.0f);
    double h[2] = {-0.0, 1.0}, k[2] = {0.0, -1.0};
    ipc__op_apply(IPC_MIN, IPC_DOUBLE, h, k, 2);
    /* Ties keep the inout operand: the result depends only on which side
     * each operand is on, which the collectives fix. */
    assert_false(signbit(k[0]));
    assert_true(k[1] == -1.0);
}

static void zero_count_touches_nothing(void **state)
{
    (void)state;
    int a[1] = {1}, b[1] = {2};
    ipc__op_apply(IPC_SUM, IPC_INT, a, b, 0);
    assert_int_equal(b[0], 2);
}

/* inout[i] = in[i] * 10 + inout[i]: shows which operand is which. */
static void digits(const void *in, void *inout, size_t count, ipc_datatype type)
{
    assert_ptr_equal(type, IPC_INT);
    const int *a = in;
    int *b = inout;
    for (size_t i = 0; i < count; i++)
        b[i] = a[i] * 10 + b[i];
}

static void user_ops(void **state)
{
    (void)state;
    ipc_op op = IPC_OP_NULL, op2 = IPC_OP_NULL;
    assert_int_equal(ipc_op_create(digits, 0, &op), IPC_SUCCESS);
    assert_int_equal(ipc_op_create(digits, 1, &op2), IPC_SUCCESS);
    assert_non_null(op);
    assert_false(ipc__op_commutative(op));
    assert_true(ipc__op_commutative(op2));
    assert_true(ipc__op_commutative(IPC_SUM));
    /* A user op applies to any datatype: it is the user's to interpret. */
    for (int t = 0; t < N_TYPES; t++)
        assert_int_equal(ipc__op_check(op, type_at(t)), IPC_SUCCESS);
    int a[2] = {1, 2}, b[2] = {3, 4};
    ipc__op_apply(op, IPC_INT, a, b, 2);
    assert_int_equal(b[0], 13);
    assert_int_equal(b[1], 24);
    assert_int_equal(ipc_op_free(&op), IPC_SUCCESS);
    assert_ptr_equal(op, IPC_OP_NULL);
    assert_int_equal(ipc_op_free(&op), IPC_ERR_OP);
    assert_int_equal(ipc_op_free(&op2), IPC_SUCCESS);
}

static void bad_user_op_arguments(void **state)
{
    (void)state;
    ipc_op op = IPC_OP_NULL, sum = IPC_SUM;
    assert_int_equal(ipc_op_create(NULL, 1, &op), IPC_ERR_ARG);
    assert_int_equal(ipc_op_create(digits, 1, NULL), IPC_ERR_ARG);
    assert_int_equal(ipc_op_free(NULL), IPC_ERR_ARG);
    assert_int_equal(ipc_op_free(&sum), IPC_ERR_OP);
    assert_ptr_equal(sum, IPC_SUM);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(pairings_follow_the_table),
        cmocka_unit_test(integer_kernels),
        cmocka_unit_test(unsigned_and_byte_kernels),
        cmocka_unit_test(signed_overflow_wraps),
        cmocka_unit_test(floating_kernels),
        cmocka_unit_test(zero_count_touches_nothing),
        cmocka_unit_test(user_ops),
        cmocka_unit_test(bad_user_op_arguments),
    };
    return cmocka_run_group_tests_name("op", tests, NULL, NULL);
}
