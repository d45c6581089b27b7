/*
 * op.c - reduction operations: the predefined ones and the kernels that apply
 * them, which datatype each accepts, and user-defined operations.
 *
 * Every kernel computes inout[i] = in[i] op inout[i], element by element, in
 * IEEE arithmetic as written (the build uses no -ffast-math), so a given
 * pairing of operands gives the same bits everywhere. Collectives always pass
 * the lower ranks' data as `in` (docs/collectives.md).
 *
 * Predefined handles are the small integers 1..IPC_BXOR (include/ipc.h): they
 * need no exported objects and can never be mistaken for a user op, whose
 * handle is a heap address.
 */
#include <stdint.h>
#include <stdlib.h>

#include "internal.h"

enum type_kind { K_BYTE, K_CHAR, K_INT, K_LONG, K_INT64, K_UINT64, K_FLOAT, K_DOUBLE, K_NONE };
enum { N_KINDS = K_NONE, N_BUILTIN = 10 };

#define OP_MAGIC 0x6f705f31u /* "op_1": a live user op */

struct ipc__op {
    uint32_t magic;
    bool commutative;
    ipc_user_fn *fn;
};

typedef void kernel_fn(const void *in, void *inout, size_t n);

static enum type_kind kind_of(ipc_datatype t)
{
    if (t == IPC_BYTE)
        return K_BYTE;
    if (t == IPC_CHAR)
        return K_CHAR;
    if (t == IPC_INT)
        return K_INT;
    if (t == IPC_LONG)
        return K_LONG;
    if (t == IPC_INT64)
        return K_INT64;
    if (t == IPC_UINT64)
        return K_UINT64;
    if (t == IPC_FLOAT)
        return K_FLOAT;
    if (t == IPC_DOUBLE)
        return K_DOUBLE;
    return K_NONE;
}

/*
 * Kernels. T is the element type, U the type the arithmetic is done in:
 * unsigned for integers, so that signed sums and products wrap around instead
 * of being undefined.
 */
#define KERNEL(name, T, expr)                                                         \
    static void name(const void *in_, void *inout_, size_t n)                         \
    {                                                                                 \
        const T *restrict a = in_;                                                    \
        T *restrict b = inout_;                                                       \
        for (size_t i = 0; i < n; i++)                                                \
            b[i] = (T)(expr);                                                         \
    }

#define ARITH_KERNELS(suffix, T, U)                                                   \
    KERNEL(sum_##suffix, T, (U)a[i] + (U)b[i])                                        \
    KERNEL(prod_##suffix, T, (U)a[i] * (U)b[i])                                       \
    KERNEL(min_##suffix, T, a[i] < b[i] ? a[i] : b[i])                                \
    KERNEL(max_##suffix, T, a[i] > b[i] ? a[i] : b[i])

#define LOGIC_KERNELS(suffix, T)                                                      \
    KERNEL(land_##suffix, T, a[i] && b[i])                                            \
    KERNEL(lor_##suffix, T, a[i] || b[i])                                             \
    KERNEL(lxor_##suffix, T, !a[i] != !b[i])

#define BIT_KERNELS(suffix, T)                                                        \
    KERNEL(band_##suffix, T, a[i] & b[i])                                             \
    KERNEL(bor_##suffix, T, a[i] | b[i])                                              \
    KERNEL(bxor_##suffix, T, a[i] ^ b[i])

ARITH_KERNELS(int, int, unsigned)
ARITH_KERNELS(long, long, unsigned long)
ARITH_KERNELS(i64, int64_t, uint64_t)
ARITH_KERNELS(u64, uint64_t, uint64_t)
ARITH_KERNELS(float, float, float)
ARITH_KERNELS(double, double, double)
LOGIC_KERNELS(int, int)
LOGIC_KERNELS(long, long)
LOGIC_KERNELS(i64, int64_t)
LOGIC_KERNELS(u64, uint64_t)
BIT_KERNELS(byte, unsigned char)
BIT_KERNELS(int, int)
BIT_KERNELS(long, long)
BIT_KERNELS(i64, int64_t)
BIT_KERNELS(u64, uint64_t)

#define INTEGERS(op) [K_INT] = op##_int, [K_LONG] = op##_long, [K_INT64] = op##_i64,       \
                     [K_UINT64] = op##_u64
#define NUMBERS(op) INTEGERS(op), [K_FLOAT] = op##_float, [K_DOUBLE] = op##_double

/* kernels[op - 1][kind]; NULL where the op does not apply to the datatype. */
static kernel_fn *const kernels[N_BUILTIN][N_KINDS] = {
    {NUMBERS(sum)},
    {NUMBERS(prod)},
    {NUMBERS(min)},
    {NUMBERS(max)},
    {INTEGERS(land)},
    {INTEGERS(lor)},
    {INTEGERS(lxor)},
    {INTEGERS(band), [K_BYTE] = band_byte},
    {INTEGERS(bor), [K_BYTE] = bor_byte},
    {INTEGERS(bxor), [K_BYTE] = bxor_byte},
};

static int builtin_index(ipc_op op)
{
    uintptr_t v = (uintptr_t)op;
    return v >= 1 && v <= N_BUILTIN ? (int)v - 1 : -1;
}

/* A live user op. Handles in the first page are not addresses: never followed. */
static bool is_user_op(ipc_op op)
{
    return (uintptr_t)op >= 4096 && op->magic == OP_MAGIC;
}

int ipc__op_check(ipc_op op, ipc_datatype type)
{
    if (!type)
        return IPC_ERR_TYPE;
    int b = builtin_index(op);
    if (b < 0)
        return is_user_op(op) ? IPC_SUCCESS : IPC_ERR_OP;
    enum type_kind k = kind_of(type);
    return k != K_NONE && kernels[b][k] ? IPC_SUCCESS : IPC_ERR_OP;
}

bool ipc__op_commutative(ipc_op op)
{
    return builtin_index(op) >= 0 || op->commutative;
}

void ipc__op_apply(ipc_op op, ipc_datatype type, const void *in, void *inout, size_t count)
{
    if (!count)
        return;
    int b = builtin_index(op);
    if (b < 0)
        op->fn(in, inout, count, type);
    else
        kernels[b][kind_of(type)](in, inout, count);
}

int ipc_op_create(ipc_user_fn *fn, int commutative, ipc_op *op)
{
    if (!fn || !op)
        return IPC_ERR_ARG;
    struct ipc__op *o = malloc(sizeof *o);
    if (!o)
        return IPC_ERR_NOMEM;
    *o = (struct ipc__op){.magic = OP_MAGIC, .commutative = commutative != 0, .fn = fn};
    *op = o;
    return IPC_SUCCESS;
}

int ipc_op_free(ipc_op *op)
{
    if (!op)
        return IPC_ERR_ARG;
    if (!is_user_op(*op))
        return IPC_ERR_OP;
    (*op)->magic = 0;
    free(*op);
    *op = IPC_OP_NULL;
    return IPC_SUCCESS;
}
