/*
 * mpi_type.c - MPI datatypes (predefined, contiguous, vector), packing them
 * into the contiguous bytes libipc moves, and MPI reduction operations.
 *
 * libipc reduces its own datatypes with its own kernels; MPI_DOUBLE with
 * MPI_SUM, say, goes straight to them. Every other pairing (MPI_SHORT,
 * MPI_MINLOC, user functions) runs through one libipc user op per
 * commutativity, the trampoline, which applies the MPI op named in `cur`.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

#define N_PREDEF (MPI_LONG_DOUBLE_INT + 1)
#define FIRST_DERIVED 64

struct float_int { float v; int i; };
struct double_int { double v; int i; };
struct long_int { long v; int i; };
struct int_int { int v; int i; };
struct short_int { short v; int i; };
struct ldouble_int { long double v; int i; };

#define PREDEF(handle, T) [handle] = {.size = sizeof(T), .extent = sizeof(T), .contig = true, \
                                      .basic = handle, .nbasic = 1, .committed = true}
static struct ipc__mpi_type predef[N_PREDEF] = {
    PREDEF(MPI_CHAR, char),
    PREDEF(MPI_SIGNED_CHAR, signed char),
    PREDEF(MPI_UNSIGNED_CHAR, unsigned char),
    PREDEF(MPI_BYTE, unsigned char),
    PREDEF(MPI_SHORT, short),
    PREDEF(MPI_UNSIGNED_SHORT, unsigned short),
    PREDEF(MPI_INT, int),
    PREDEF(MPI_UNSIGNED, unsigned),
    PREDEF(MPI_LONG, long),
    PREDEF(MPI_UNSIGNED_LONG, unsigned long),
    PREDEF(MPI_LONG_LONG, long long),
    PREDEF(MPI_UNSIGNED_LONG_LONG, unsigned long long),
    PREDEF(MPI_FLOAT, float),
    PREDEF(MPI_DOUBLE, double),
    PREDEF(MPI_LONG_DOUBLE, long double),
    PREDEF(MPI_INT8_T, int8_t),
    PREDEF(MPI_INT16_T, int16_t),
    PREDEF(MPI_INT32_T, int32_t),
    PREDEF(MPI_INT64_T, int64_t),
    PREDEF(MPI_UINT8_T, uint8_t),
    PREDEF(MPI_UINT16_T, uint16_t),
    PREDEF(MPI_UINT32_T, uint32_t),
    PREDEF(MPI_UINT64_T, uint64_t),
    PREDEF(MPI_C_BOOL, _Bool),
    PREDEF(MPI_WCHAR, wchar_t),
    PREDEF(MPI_AINT, MPI_Aint),
    PREDEF(MPI_FLOAT_INT, struct float_int),
    PREDEF(MPI_DOUBLE_INT, struct double_int),
    PREDEF(MPI_LONG_INT, struct long_int),
    PREDEF(MPI_2INT, struct int_int),
    PREDEF(MPI_SHORT_INT, struct short_int),
    PREDEF(MPI_LONG_DOUBLE_INT, struct ldouble_int),
};

/* Derived types, handle FIRST_DERIVED + index; NULL once freed. */
static struct ipc__mpi_type **derived;
static int n_derived;

const struct ipc__mpi_type *ipc__mpi_type(MPI_Datatype type)
{
    if (type > 0 && type < N_PREDEF)
        return &predef[type];
    if (type >= FIRST_DERIVED && type - FIRST_DERIVED < n_derived)
        return derived[type - FIRST_DERIVED];
    return NULL;
}

int MPI_Type_size(MPI_Datatype type, int *size)
{
    const struct ipc__mpi_type *t = ipc__mpi_type(type);
    if (!t)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_TYPE);
    *size = (int)t->size;
    return MPI_SUCCESS;
}

int MPI_Type_get_extent(MPI_Datatype type, MPI_Aint *lb, MPI_Aint *extent)
{
    const struct ipc__mpi_type *t = ipc__mpi_type(type);
    if (!t)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_TYPE);
    *lb = t->lb;
    *extent = t->extent;
    return MPI_SUCCESS;
}

/* The blocks of one element of old, shifted by base, appended to t (merged
 * with the last one when they touch). */
static void append_blocks(struct ipc__mpi_type *t, const struct ipc__mpi_type *old, long base)
{
    if (old->contig) {
        struct ipc__mpi_block *last = t->nblocks ? &t->blocks[t->nblocks - 1] : NULL;
        if (last && last->disp + (long)last->len == base)
            last->len += old->size;
        else if (old->size)
            t->blocks[t->nblocks++] = (struct ipc__mpi_block){base, old->size};
        return;
    }
    for (size_t b = 0; b < old->nblocks; b++) {
        struct ipc__mpi_block *last = t->nblocks ? &t->blocks[t->nblocks - 1] : NULL;
        long d = base + old->blocks[b].disp;
        if (last && last->disp + (long)last->len == d)
            last->len += old->blocks[b].len;
        else
            t->blocks[t->nblocks++] = (struct ipc__mpi_block){d, old->blocks[b].len};
    }
}

/* count blocks of blocklen old elements, block i at i * stride old extents. */
static int type_vector(int count, int blocklen, long stride, MPI_Datatype oldtype,
                       MPI_Datatype *newtype)
{
    const struct ipc__mpi_type *old = ipc__mpi_type(oldtype);
    if (!old)
        return MPI_ERR_TYPE;
    if (count < 0 || blocklen < 0 || !newtype)
        return count < 0 || blocklen < 0 ? MPI_ERR_COUNT : MPI_ERR_ARG;
    size_t n = (size_t)count * (size_t)blocklen;
    size_t per = old->contig ? 1 : old->nblocks, nb = n * per;
    struct ipc__mpi_type *t = calloc(1, sizeof *t);
    struct ipc__mpi_type **grown = realloc(derived, (size_t)(n_derived + 1) * sizeof *derived);
    if (grown)
        derived = grown;
    if (t && grown && nb)
        t->blocks = malloc(n * per * sizeof *t->blocks);
    if (!t || !grown || (nb && !t->blocks)) {
        free(t);
        return MPI_ERR_NO_MEM;
    }
    long lo = 0, hi = 0;
    for (int i = 0; i < count; i++) {
        for (int j = 0; j < blocklen; j++) {
            long base = (i * stride + j) * old->extent;
            append_blocks(t, old, base);
            lo = base + old->lb < lo || (i == 0 && j == 0) ? base + old->lb : lo;
            hi = base + old->lb + old->extent > hi ? base + old->lb + old->extent : hi;
        }
    }
    t->size = n * old->size;
    t->lb = n ? lo : 0;
    t->extent = n ? hi - lo : 0;
    t->basic = old->basic;
    t->nbasic = n * old->nbasic;
    t->contig = t->lb == 0 && t->extent == (long)t->size &&
                (t->nblocks == 0 || (t->nblocks == 1 && t->blocks[0].disp == 0));
    derived[n_derived] = t;
    *newtype = FIRST_DERIVED + n_derived++;
    return MPI_SUCCESS;
}

int MPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    IPC__MPI_RET(MPI_COMM_WORLD, type_vector(1, count, 0, oldtype, newtype));
}

int MPI_Type_vector(int count, int blocklength, int stride, MPI_Datatype oldtype,
                    MPI_Datatype *newtype)
{
    IPC__MPI_RET(MPI_COMM_WORLD, type_vector(count, blocklength, stride, oldtype, newtype));
}

int MPI_Type_commit(MPI_Datatype *type)
{
    struct ipc__mpi_type *t = type ? (struct ipc__mpi_type *)ipc__mpi_type(*type) : NULL;
    if (!t)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_TYPE);
    t->committed = true;
    return MPI_SUCCESS;
}

int MPI_Type_free(MPI_Datatype *type)
{
    if (!type || *type < FIRST_DERIVED || !ipc__mpi_type(*type))
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_TYPE);
    struct ipc__mpi_type *t = derived[*type - FIRST_DERIVED];
    derived[*type - FIRST_DERIVED] = NULL;
    free(t->blocks);
    free(t);
    *type = MPI_DATATYPE_NULL;
    return MPI_SUCCESS;
}

int MPI_Get_count(const MPI_Status *status, MPI_Datatype type, int *count)
{
    const struct ipc__mpi_type *t = ipc__mpi_type(type);
    if (!t)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_TYPE);
    if (!status || !count)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    if (!t->size)
        *count = status->ipc__bytes ? MPI_UNDEFINED : 0;
    else if (status->ipc__bytes % t->size)
        *count = MPI_UNDEFINED;
    else
        *count = (int)(status->ipc__bytes / t->size);
    return MPI_SUCCESS;
}

int MPI_Get_elements(const MPI_Status *status, MPI_Datatype type, int *count)
{
    const struct ipc__mpi_type *t = ipc__mpi_type(type);
    if (!t)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_TYPE);
    if (!t->basic || !t->nbasic)
        return MPI_Get_count(status, type, count);
    size_t bsize = predef[t->basic].size;
    *count = status->ipc__bytes % bsize ? MPI_UNDEFINED : (int)(status->ipc__bytes / bsize);
    return MPI_SUCCESS;
}

/* ---- packing ---- */

void ipc__mpi_pack(void *dst, const void *src, size_t count, const struct ipc__mpi_type *t)
{
    char *d = dst;
    if (t->contig) {
        if (count)
            memcpy(dst, src, count * t->size);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        const char *e = (const char *)src + (long)i * t->extent;
        for (size_t b = 0; b < t->nblocks; b++) {
            memcpy(d, e + t->blocks[b].disp, t->blocks[b].len);
            d += t->blocks[b].len;
        }
    }
}

void ipc__mpi_unpack(void *dst, const void *src, size_t count,
                     const struct ipc__mpi_type *t)
{
    const char *s = src;
    if (t->contig) {
        if (count)
            memcpy(dst, src, count * t->size);
        return;
    }
    for (size_t i = 0; i < count; i++) {
        char *e = (char *)dst + (long)i * t->extent;
        for (size_t b = 0; b < t->nblocks; b++) {
            memcpy(e + t->blocks[b].disp, s, t->blocks[b].len);
            s += t->blocks[b].len;
        }
    }
}

static int view_check(int count, const struct ipc__mpi_type *t)
{
    if (!t)
        return MPI_ERR_TYPE;
    if (count < 0)
        return MPI_ERR_COUNT;
    return MPI_SUCCESS;
}

int ipc__mpi_view_in(struct ipc__mpi_view *v, const void *buf, int count,
                     const struct ipc__mpi_type *t)
{
    int rc = view_check(count, t);
    if (rc != MPI_SUCCESS)
        return rc;
    *v = (struct ipc__mpi_view){.p = (void *)buf, .bytes = (size_t)count * t->size};
    if (t->contig || buf == MPI_IN_PLACE)
        return MPI_SUCCESS;
    if (!(v->tmp = v->p = malloc(v->bytes ? v->bytes : 1)))
        return MPI_ERR_NO_MEM;
    ipc__mpi_pack(v->tmp, buf, (size_t)count, t);
    return MPI_SUCCESS;
}

int ipc__mpi_view_out(struct ipc__mpi_view *v, void *buf, int count,
                      const struct ipc__mpi_type *t, bool preload)
{
    int rc = view_check(count, t);
    if (rc != MPI_SUCCESS)
        return rc;
    *v = (struct ipc__mpi_view){.p = buf, .bytes = (size_t)count * t->size};
    if (t->contig)
        return MPI_SUCCESS;
    if (!(v->tmp = v->p = malloc(v->bytes ? v->bytes : 1)))
        return MPI_ERR_NO_MEM;
    if (preload)
        ipc__mpi_pack(v->tmp, buf, (size_t)count, t);
    return MPI_SUCCESS;
}

void ipc__mpi_view_done(struct ipc__mpi_view *v, void *buf, size_t bytes,
                        const struct ipc__mpi_type *t, bool unpack)
{
    if (!v->tmp)
        return;
    if (unpack && t->size)
        ipc__mpi_unpack(buf, v->tmp, bytes / t->size, t);
    free(v->tmp);
    v->tmp = NULL;
}

/* ---- reduction operations ---- */

enum { FIRST_USER_OP = 64 };

struct user_op {
    MPI_User_function *fn;
    bool commute;
    bool live;
};
static struct user_op *user_ops;
static int n_user_ops;

/* The reduction under way, for the trampoline. */
static struct {
    MPI_Op op;
    MPI_Datatype type;
    const struct ipc__mpi_type *t;
} cur;

static ipc_op tramp_commute, tramp_ordered; /* made at first use */

#define LOOP(T, expr)                                                                 \
    do {                                                                              \
        const T *a = in;                                                              \
        T *b = inout;                                                                 \
        for (size_t i = 0; i < n; i++)                                                \
            b[i] = (T)(expr);                                                         \
    } while (0)

/* Integers: arithmetic in U (unsigned) so that overflow wraps. */
#define INT_CASES(T, U)                                                               \
    switch (op) {                                                                     \
    case MPI_SUM: LOOP(T, (U)a[i] + (U)b[i]); return true;                            \
    case MPI_PROD: LOOP(T, (U)a[i] * (U)b[i]); return true;                           \
    case MPI_MIN: LOOP(T, a[i] < b[i] ? a[i] : b[i]); return true;                    \
    case MPI_MAX: LOOP(T, a[i] > b[i] ? a[i] : b[i]); return true;                    \
    case MPI_LAND: LOOP(T, a[i] && b[i]); return true;                                \
    case MPI_LOR: LOOP(T, a[i] || b[i]); return true;                                 \
    case MPI_LXOR: LOOP(T, !a[i] != !b[i]); return true;                              \
    case MPI_BAND: LOOP(T, a[i] & b[i]); return true;                                 \
    case MPI_BOR: LOOP(T, a[i] | b[i]); return true;                                  \
    case MPI_BXOR: LOOP(T, a[i] ^ b[i]); return true;                                 \
    default: return false;                                                            \
    }

#define FLOAT_CASES(T)                                                                \
    switch (op) {                                                                     \
    case MPI_SUM: LOOP(T, a[i] + b[i]); return true;                                  \
    case MPI_PROD: LOOP(T, a[i] * b[i]); return true;                                 \
    case MPI_MIN: LOOP(T, a[i] < b[i] ? a[i] : b[i]); return true;                    \
    case MPI_MAX: LOOP(T, a[i] > b[i] ? a[i] : b[i]); return true;                    \
    default: return false;                                                            \
    }

/* MINLOC keeps the smaller value, and the smaller index on a tie. */
#define PAIR_CASES(S)                                                                 \
    do {                                                                              \
        const struct S *a = in;                                                       \
        struct S *b = inout;                                                          \
        if (op != MPI_MINLOC && op != MPI_MAXLOC)                                     \
            return false;                                                             \
        for (size_t i = 0; i < n; i++) {                                              \
            bool better = op == MPI_MINLOC ? a[i].v < b[i].v : a[i].v > b[i].v;       \
            if (better || (a[i].v == b[i].v && a[i].i < b[i].i))                      \
                b[i] = a[i];                                                          \
        }                                                                             \
        return true;                                                                  \
    } while (0)

/* inout = in op inout for n elements of basic; false when op does not apply
 * (with n == 0: only says whether it applies). */
static bool apply_builtin(MPI_Op op, int basic, const void *in, void *inout, size_t n)
{
    switch (basic) {
    case MPI_CHAR: INT_CASES(char, unsigned char)
    case MPI_SIGNED_CHAR: case MPI_INT8_T: INT_CASES(int8_t, uint8_t)
    case MPI_UNSIGNED_CHAR: case MPI_UINT8_T: INT_CASES(uint8_t, uint8_t)
    case MPI_SHORT: case MPI_INT16_T: INT_CASES(int16_t, uint16_t)
    case MPI_UNSIGNED_SHORT: case MPI_UINT16_T: INT_CASES(uint16_t, uint16_t)
    case MPI_INT: case MPI_INT32_T: INT_CASES(int32_t, uint32_t)
    case MPI_UNSIGNED: case MPI_UINT32_T: INT_CASES(uint32_t, uint32_t)
    case MPI_LONG: case MPI_AINT: INT_CASES(long, unsigned long)
    case MPI_UNSIGNED_LONG: INT_CASES(unsigned long, unsigned long)
    case MPI_LONG_LONG: case MPI_INT64_T: INT_CASES(int64_t, uint64_t)
    case MPI_UNSIGNED_LONG_LONG: case MPI_UINT64_T: INT_CASES(uint64_t, uint64_t)
    case MPI_WCHAR: INT_CASES(wchar_t, uint32_t)
    case MPI_FLOAT: FLOAT_CASES(float)
    case MPI_DOUBLE: FLOAT_CASES(double)
    case MPI_LONG_DOUBLE: FLOAT_CASES(long double)
    case MPI_C_BOOL:
        switch (op) {
        case MPI_LAND: LOOP(_Bool, a[i] && b[i]); return true;
        case MPI_LOR: LOOP(_Bool, a[i] || b[i]); return true;
        case MPI_LXOR: LOOP(_Bool, a[i] != b[i]); return true;
        default: return false;
        }
    case MPI_BYTE:
        switch (op) {
        case MPI_BAND: LOOP(uint8_t, a[i] & b[i]); return true;
        case MPI_BOR: LOOP(uint8_t, a[i] | b[i]); return true;
        case MPI_BXOR: LOOP(uint8_t, a[i] ^ b[i]); return true;
        default: return false;
        }
    case MPI_FLOAT_INT: PAIR_CASES(float_int);
    case MPI_DOUBLE_INT: PAIR_CASES(double_int);
    case MPI_LONG_INT: PAIR_CASES(long_int);
    case MPI_2INT: PAIR_CASES(int_int);
    case MPI_SHORT_INT: PAIR_CASES(short_int);
    case MPI_LONG_DOUBLE_INT: PAIR_CASES(ldouble_int);
    default: return false;
    }
}

/* Runs the MPI op in `cur` on count elements of the MPI type's packed form
 * (user ops) or count basic elements (predefined ops). */
static void trampoline(const void *in, void *inout, size_t count, ipc_datatype type)
{
    (void)type;
    if (cur.op < FIRST_USER_OP) {
        apply_builtin(cur.op, cur.t->basic, in, inout, count);
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
    case MPI_INT: case MPI_INT32_T: return IPC_INT;
    case MPI_LONG: return IPC_LONG;
    case MPI_LONG_LONG: case MPI_INT64_T: return IPC_INT64;
    case MPI_UNSIGNED_LONG_LONG: case MPI_UINT64_T: return IPC_UINT64;
    case MPI_FLOAT: return IPC_FLOAT;
    case MPI_DOUBLE: return IPC_DOUBLE;
    case MPI_BYTE: return IPC_BYTE;
    default: return NULL;
    }
}

static ipc_op native_op(MPI_Op op)
{
    static const ipc_op map[] = {
        [MPI_MAX] = IPC_MAX, [MPI_MIN] = IPC_MIN, [MPI_SUM] = IPC_SUM,
        [MPI_PROD] = IPC_PROD, [MPI_LAND] = IPC_LAND, [MPI_BAND] = IPC_BAND,
        [MPI_LOR] = IPC_LOR, [MPI_BOR] = IPC_BOR, [MPI_LXOR] = IPC_LXOR,
        [MPI_BXOR] = IPC_BXOR,
    };
    return op > 0 && op <= MPI_BXOR ? map[op] : IPC_OP_NULL;
}

/* Element types libipc is told about when the trampoline does the work: only
 * their size matters to it. */
static struct ipc__datatype packed_type = {"MPI packed element", 1};
static struct ipc__datatype basic_types[N_PREDEF];

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
    if (!user && (!t->basic || !apply_builtin(op, t->basic, NULL, NULL, 0)))
        return MPI_ERR_OP;
    if (!tramp_commute && (ipc_op_create(trampoline, 1, &tramp_commute) != IPC_SUCCESS ||
                           ipc_op_create(trampoline, 0, &tramp_ordered) != IPC_SUCCESS))
        return MPI_ERR_NO_MEM;
    cur.op = op;
    cur.type = type;
    cur.t = t;
    if (user) {
        packed_type.size = t->size;
        *r = (struct ipc__mpi_red){&packed_type,
                                   user_ops[op - FIRST_USER_OP].commute ? tramp_commute
                                                                        : tramp_ordered,
                                   (size_t)count};
        return MPI_SUCCESS;
    }
    size_t n = (size_t)count * t->nbasic;
    ipc_datatype nt = native_type(t->basic);
    if (nt && ipc__op_check(native_op(op), nt) == IPC_SUCCESS) {
        *r = (struct ipc__mpi_red){nt, native_op(op), n};
        return MPI_SUCCESS;
    }
    basic_types[t->basic] = (struct ipc__datatype){"MPI basic element", predef[t->basic].size};
    *r = (struct ipc__mpi_red){&basic_types[t->basic], tramp_commute, n};
    return MPI_SUCCESS;
}

int MPI_Op_create(MPI_User_function *fn, int commute, MPI_Op *op)
{
    if (!fn || !op)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    struct user_op *grown = realloc(user_ops, (size_t)(n_user_ops + 1) * sizeof *user_ops);
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

void ipc__mpi_ops_fini(void)
{
    if (tramp_commute) {
        ipc_op_free(&tramp_commute);
        ipc_op_free(&tramp_ordered);
    }
    for (int i = 0; i < n_derived; i++) {
        if (derived[i]) {
            free(derived[i]->blocks);
            free(derived[i]);
        }
    }
    free(derived);
    derived = NULL;
    n_derived = 0;
    free(user_ops);
    user_ops = NULL;
    n_user_ops = 0;
}
