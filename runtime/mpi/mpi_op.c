/*
 * mpi_op.c - MPI reduction operations on every predefined type MPI-3.1
 * allows them on (5.9.2), and user-defined operations.
 *
 * libipc reduces its own datatypes with its own kernels; MPI_DOUBLE with
 * MPI_SUM, say, goes straight to them. Every other pairing (MPI_SHORT,
 * MPI_MINLOC, complex, user functions) runs through one libipc user op per
 * commutativity, the trampoline, which applies the MPI op its datatype
 * argument names (a struct ipc__mpi_red_type in the caller's struct
 * ipc__mpi_red, so that reductions of nonblocking collectives in flight at
 * once each keep their own) to the packed form of the data (a pair type
 * packed is its value then its index, no padding).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

enum { FIRST_USER_OP = 64 };

struct user_op {
    MPI_User_function *fn;
    bool commute;
    bool live;
};
static struct user_op *user_ops;
static int n_user_ops;

static ipc_op tramp_commute, tramp_ordered; /* made at first use */

#define LOOP(T, expr)                                                                    \
    do {                                                                                 \
        const T *a = in;                                                                 \
        T *b = inout;                                                                    \
        for (size_t i = 0; i < n; i++)                                                   \
            b[i] = (T)(expr);                                                            \
    } while (0)

/* Integers: arithmetic in U (unsigned) so that overflow wraps; the logical
 * ops only when `logical` (C integers, not Fortran or multi-language ones). */
#define INT_CASES(T, U, logical)                                                         \
    switch (op) {                                                                        \
    case MPI_SUM:                                                                        \
        LOOP(T, (U)a[i] + (U)b[i]);                                                      \
        return true;                                                                     \
    case MPI_PROD:                                                                       \
        LOOP(T, (U)a[i] * (U)b[i]);                                                      \
        return true;                                                                     \
    case MPI_MIN:                                                                        \
        LOOP(T, a[i] < b[i] ? a[i] : b[i]);                                              \
        return true;                                                                     \
    case MPI_MAX:                                                                        \
        LOOP(T, a[i] > b[i] ? a[i] : b[i]);                                              \
        return true;                                                                     \
    case MPI_LAND:                                                                       \
        LOOP(T, a[i] && b[i]);                                                           \
        return logical;                                                                  \
    case MPI_LOR:                                                                        \
        LOOP(T, a[i] || b[i]);                                                           \
        return logical;                                                                  \
    case MPI_LXOR:                                                                       \
        LOOP(T, !a[i] != !b[i]);                                                         \
        return logical;                                                                  \
    case MPI_BAND:                                                                       \
        LOOP(T, a[i] & b[i]);                                                            \
        return true;                                                                     \
    case MPI_BOR:                                                                        \
        LOOP(T, a[i] | b[i]);                                                            \
        return true;                                                                     \
    case MPI_BXOR:                                                                       \
        LOOP(T, a[i] ^ b[i]);                                                            \
        return true;                                                                     \
    default:                                                                             \
        return false;                                                                    \
    }

#define FLOAT_CASES(T)                                                                   \
    switch (op) {                                                                        \
    case MPI_SUM:                                                                        \
        LOOP(T, a[i] + b[i]);                                                            \
        return true;                                                                     \
    case MPI_PROD:                                                                       \
        LOOP(T, a[i] * b[i]);                                                            \
        return true;                                                                     \
    case MPI_MIN:                                                                        \
        LOOP(T, a[i] < b[i] ? a[i] : b[i]);                                              \
        return true;                                                                     \
    case MPI_MAX:                                                                        \
        LOOP(T, a[i] > b[i] ? a[i] : b[i]);                                              \
        return true;                                                                     \
    default:                                                                             \
        return false;                                                                    \
    }

#define COMPLEX_CASES(T)                                                                 \
    switch (op) {                                                                        \
    case MPI_SUM:                                                                        \
        LOOP(T, a[i] + b[i]);                                                            \
        return true;                                                                     \
    case MPI_PROD:                                                                       \
        LOOP(T, a[i] * b[i]);                                                            \
        return true;                                                                     \
    default:                                                                             \
        return false;                                                                    \
    }

#define LOGICAL_CASES(T)                                                                 \
    switch (op) {                                                                        \
    case MPI_LAND:                                                                       \
        LOOP(T, a[i] && b[i]);                                                           \
        return true;                                                                     \
    case MPI_LOR:                                                                        \
        LOOP(T, a[i] || b[i]);                                                           \
        return true;                                                                     \
    case MPI_LXOR:                                                                       \
        LOOP(T, !a[i] != !b[i]);                                                         \
        return true;                                                                     \
    default:                                                                             \
        return false;                                                                    \
    }

/* MINLOC keeps the smaller value, and the smaller index on a tie. A packed
 * pair is a V then an I. */
#define PAIR_CASES(V, I)                                                                 \
    do {                                                                                 \
        const char *a = in;                                                              \
        char *b = inout;                                                                 \
        enum { W = sizeof(V) + sizeof(I) };                                              \
        if (op != MPI_MINLOC && op != MPI_MAXLOC)                                        \
            return false;                                                                \
        for (size_t i = 0; i < n; i++, a += W, b += W) {                                 \
            V av, bv;                                                                    \
            I ai, bi;                                                                    \
            memcpy(&av, a, sizeof av);                                                   \
            memcpy(&bv, b, sizeof bv);                                                   \
            memcpy(&ai, a + sizeof(V), sizeof ai);                                       \
            memcpy(&bi, b + sizeof(V), sizeof bi);                                       \
            bool better = op == MPI_MINLOC ? av < bv : av > bv;                          \
            if (better || (av == bv && ai < bi))                                         \
                memcpy(b, a, W);                                                         \
        }                                                                                \
        return true;                                                                     \
    } while (0)

/* inout = in op inout for n elements of basic; false when op does not apply
 * (with n == 0: only says whether it applies). */
static bool apply_builtin(MPI_Op op, int basic, const void *in, void *inout, size_t n)
{
    switch (basic) {
    case MPI_SIGNED_CHAR:
    case MPI_INT8_T:
        INT_CASES(int8_t, uint8_t, true)
    case MPI_UNSIGNED_CHAR:
    case MPI_UINT8_T:
        INT_CASES(uint8_t, uint8_t, true)
    case MPI_SHORT:
    case MPI_INT16_T:
        INT_CASES(int16_t, uint16_t, true)
    case MPI_UNSIGNED_SHORT:
    case MPI_UINT16_T:
        INT_CASES(uint16_t, uint16_t, true)
    case MPI_INT:
    case MPI_INT32_T:
        INT_CASES(int32_t, uint32_t, true)
    case MPI_UNSIGNED:
    case MPI_UINT32_T:
        INT_CASES(uint32_t, uint32_t, true)
    case MPI_LONG:
        INT_CASES(long, unsigned long, true)
    case MPI_UNSIGNED_LONG:
        INT_CASES(unsigned long, unsigned long, true)
    case MPI_LONG_LONG:
    case MPI_INT64_T:
        INT_CASES(int64_t, uint64_t, true)
    case MPI_UNSIGNED_LONG_LONG:
    case MPI_UINT64_T:
        INT_CASES(uint64_t, uint64_t, true)
    case MPI_INTEGER1:
        INT_CASES(int8_t, uint8_t, false)
    case MPI_INTEGER2:
        INT_CASES(int16_t, uint16_t, false)
    case MPI_INTEGER:
    case MPI_INTEGER4:
        INT_CASES(int32_t, uint32_t, false)
    case MPI_INTEGER8:
    case MPI_AINT:
    case MPI_OFFSET:
    case MPI_COUNT:
        INT_CASES(int64_t, uint64_t, false)
    case MPI_FLOAT:
    case MPI_REAL:
    case MPI_REAL4:
        FLOAT_CASES(float)
    case MPI_DOUBLE:
    case MPI_DOUBLE_PRECISION:
    case MPI_REAL8:
        FLOAT_CASES(double)
    case MPI_LONG_DOUBLE:
        FLOAT_CASES(long double)
    case MPI_C_COMPLEX:
    case MPI_C_FLOAT_COMPLEX:
    case MPI_CXX_FLOAT_COMPLEX:
    case MPI_COMPLEX:
        COMPLEX_CASES(float _Complex)
    case MPI_C_DOUBLE_COMPLEX:
    case MPI_CXX_DOUBLE_COMPLEX:
    case MPI_DOUBLE_COMPLEX:
        COMPLEX_CASES(double _Complex)
    case MPI_C_LONG_DOUBLE_COMPLEX:
    case MPI_CXX_LONG_DOUBLE_COMPLEX:
        COMPLEX_CASES(long double _Complex)
    case MPI_C_BOOL:
    case MPI_CXX_BOOL:
        LOGICAL_CASES(_Bool)
    case MPI_LOGICAL:
        LOGICAL_CASES(int)
    case MPI_BYTE:
        switch (op) {
        case MPI_BAND:
            LOOP(uint8_t, a[i] & b[i]);
            return true;
        case MPI_BOR:
            LOOP(uint8_t, a[i] | b[i]);
            return true;
        case MPI_BXOR:
            LOOP(uint8_t, a[i] ^ b[i]);
            return true;
        default:
            return false;
        }
    case MPI_FLOAT_INT:
        PAIR_CASES(float, int);
    case MPI_DOUBLE_INT:
        PAIR_CASES(double, int);
    case MPI_LONG_INT:
        PAIR_CASES(long, int);
    case MPI_2INT:
    case MPI_2INTEGER:
        PAIR_CASES(int, int);
    case MPI_SHORT_INT:
        PAIR_CASES(short, int);
    case MPI_LONG_DOUBLE_INT:
        PAIR_CASES(long double, int);
    case MPI_2REAL:
        PAIR_CASES(float, float);
    case MPI_2DOUBLE_PRECISION:
        PAIR_CASES(double, double);
    default:
        return false; /* characters, MPI_PACKED: no reduction applies */
    }
}

bool ipc__mpi_op_apply(int op, int basic, const void *in, void *inout, size_t n)
{
    return op > 0 && op <= MPI_MAXLOC && apply_builtin(op, basic, in, inout, n);
}

/* Runs the MPI op that type names on count elements of the MPI type's
 * packed form (user ops) or count basic elements (predefined ops). */
static void trampoline(const void *in, void *inout, size_t count, ipc_datatype type)
{
    const struct ipc__mpi_red_type cur = *ipc__container_of(type, struct ipc__mpi_red_type, base);
    if (cur.op < FIRST_USER_OP) {
        apply_builtin(cur.op, cur.t->red_basic, in, inout, count);
        return;
    }
    MPI_User_function *fn = user_ops[cur.op - FIRST_USER_OP].fn;
    int len = (int)count;
    MPI_Datatype dt = cur.type;
    if (cur.t->contig) {
        fn((void *)in, inout, &len, &dt);
        return;
    }
    /* The function sees the type's own layout. */
    size_t span = count * (size_t)cur.t->extent;
    char *a = malloc(span ? span : 1), *b = malloc(span ? span : 1);
    if (a && b) {
        ipc__mpi_unpack(a - cur.t->lb, in, count, cur.t);
        ipc__mpi_unpack(b - cur.t->lb, inout, count, cur.t);
        fn(a - cur.t->lb, b - cur.t->lb, &len, &dt);
        ipc__mpi_pack(inout, b - cur.t->lb, count, cur.t);
    }
    free(a);
    free(b);
}

/* libipc's own datatype and op for this pairing, if it has them. */
static ipc_datatype native_type(int basic)
{
    switch (basic) {
    case MPI_INT:
    case MPI_INT32_T:
        return IPC_INT;
    case MPI_LONG:
        return IPC_LONG;
    case MPI_LONG_LONG:
    case MPI_INT64_T:
        return IPC_INT64;
    case MPI_UNSIGNED_LONG_LONG:
    case MPI_UINT64_T:
        return IPC_UINT64;
    case MPI_FLOAT:
        return IPC_FLOAT;
    case MPI_DOUBLE:
        return IPC_DOUBLE;
    case MPI_BYTE:
        return IPC_BYTE;
    default:
        return NULL;
    }
}

static ipc_op native_op(MPI_Op op)
{
    static const ipc_op map[] = {
        [MPI_MAX] = IPC_MAX,   [MPI_MIN] = IPC_MIN,   [MPI_SUM] = IPC_SUM,
        [MPI_PROD] = IPC_PROD, [MPI_LAND] = IPC_LAND, [MPI_BAND] = IPC_BAND,
        [MPI_LOR] = IPC_LOR,   [MPI_BOR] = IPC_BOR,   [MPI_LXOR] = IPC_LXOR,
        [MPI_BXOR] = IPC_BXOR,
    };
    return op > 0 && op <= MPI_BXOR ? map[op] : IPC_OP_NULL;
}

int ipc__mpi_red_setup(struct ipc__mpi_red *r, MPI_Op op, MPI_Datatype type, int count)
{
    const struct ipc__mpi_type *t = ipc__mpi_type(type);
    if (!t)
        return MPI_ERR_TYPE;
    if (count < 0)
        return MPI_ERR_COUNT;
    bool user = op >= FIRST_USER_OP && op - FIRST_USER_OP < n_user_ops &&
                user_ops[op - FIRST_USER_OP].live;
    if (!user && (op <= 0 || op > MPI_MAXLOC))
        return MPI_ERR_OP;
    if (!user && (!t->red_basic || !apply_builtin(op, t->red_basic, NULL, NULL, 0)))
        return MPI_ERR_OP;
    if (!tramp_commute && (ipc_op_create(trampoline, 1, &tramp_commute) != IPC_SUCCESS ||
                           ipc_op_create(trampoline, 0, &tramp_ordered) != IPC_SUCCESS))
        return MPI_ERR_NO_MEM;
    /* The element type libipc is told about when the trampoline does the
     * work: only its size matters to libipc. */
    r->rt = (struct ipc__mpi_red_type){.op = op, .type = type, .t = t};
    if (user) {
        r->rt.base = (struct ipc__datatype){"MPI packed element", t->size};
        r->type = &r->rt.base;
        r->op = user_ops[op - FIRST_USER_OP].commute ? tramp_commute : tramp_ordered;
        r->count = (size_t)count;
        return MPI_SUCCESS;
    }
    r->count = (size_t)count * t->red_n;
    ipc_datatype nt = native_type(t->red_basic);
    if (nt && ipc__op_check(native_op(op), nt) == IPC_SUCCESS) {
        r->type = nt;
        r->op = native_op(op);
        return MPI_SUCCESS;
    }
    r->rt.base =
        (struct ipc__datatype){"MPI basic element", ipc__mpi_predef(t->red_basic)->size};
    r->type = &r->rt.base;
    r->op = tramp_commute;
    return MPI_SUCCESS;
}

int MPI_Op_create(MPI_User_function *fn, int commute, MPI_Op *op)
{
    if (!fn || !op)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    struct user_op *grown =
        realloc(user_ops, (size_t)(n_user_ops + 1) * sizeof *user_ops);
    if (!grown)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_NO_MEM);
    user_ops = grown;
    user_ops[n_user_ops] = (struct user_op){fn, commute != 0, true};
    *op = FIRST_USER_OP + n_user_ops++;
    return MPI_SUCCESS;
}

int MPI_Op_free(MPI_Op *op)
{
    if (!op || *op < FIRST_USER_OP || *op - FIRST_USER_OP >= n_user_ops ||
        !user_ops[*op - FIRST_USER_OP].live)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_OP);
    user_ops[*op - FIRST_USER_OP].live = false;
    *op = MPI_OP_NULL;
    return MPI_SUCCESS;
}

/* MPI-3.1 5.9.7: every predefined op commutes; a user op as created. */
int MPI_Op_commutative(MPI_Op op, int *commute)
{
    bool user = op >= FIRST_USER_OP && op - FIRST_USER_OP < n_user_ops &&
                user_ops[op - FIRST_USER_OP].live;
    if (!user && (op <= 0 || op > MPI_MAXLOC))
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_OP);
    if (!commute)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    *commute = user ? user_ops[op - FIRST_USER_OP].commute : 1;
    return MPI_SUCCESS;
}

/* At MPI_Finalize: the ops, and the datatypes' handles too. */
void ipc__mpi_ops_fini(void)
{
    if (tramp_commute) {
        ipc_op_free(&tramp_commute);
        ipc_op_free(&tramp_ordered);
    }
    free(user_ops);
    user_ops = NULL;
    n_user_ops = 0;
    ipc__mpi_types_fini();
}
