/*
 * coll_reduce - every reduction collective (allreduce, reduce, scan, exscan,
 * reduce_scatter_block) against a serial computation of the same thing.
 *
 *   ipcrun -n N coll_reduce [digest]
 *
 * Every op/datatype pair at counts 0, 1, 7 and 1000, in place and not, the
 * root moving round; then long vectors (1 MiB, and ~100 KB of odd length:
 * the long-message algorithms), every root for reduce, and a commutative and
 * a non-commutative user op. Pairings
 * the contract rules out must return IPC_ERR_OP. Inputs are small integers,
 * so that every order of the operations gives the exact result even in
 * floating point: the check is bit for bit. Last, allreduces of doubles that
 * round differently in every order must give every rank the same bits; rank 0
 * prints "digest <count> <hash>" for each, so that runs can be compared
 * ("digest" runs only these). Prints one more line on success.
 */
#include "check.h"

enum { N_BUILTIN = 10, OP_USER_AFFINE = N_BUILTIN, OP_USER_ADD, N_OPS };
enum { BIG_BYTES = 1 << 20, MID_BYTES = 100003 };

static const char *const op_names[N_OPS] = {"SUM",  "PROD", "MIN", "MAX",  "LAND",  "LOR",
                                            "LXOR", "BAND", "BOR", "BXOR", "affine", "add"};
static ipc_op ops[N_OPS] = {IPC_SUM,  IPC_PROD, IPC_MIN, IPC_MAX, IPC_LAND,
                            IPC_LOR,  IPC_LXOR, IPC_BAND, IPC_BOR, IPC_BXOR};
static const char *const type_names[] = {"BYTE", "CHAR",   "INT",   "LONG",
                                         "INT64", "UINT64", "FLOAT", "DOUBLE"};
enum { N_TYPES = 8 };

static ipc_datatype type_at(int k)
{
    const ipc_datatype all[N_TYPES] = {IPC_BYTE,  IPC_CHAR,   IPC_INT,   IPC_LONG,
                                       IPC_INT64, IPC_UINT64, IPC_FLOAT, IPC_DOUBLE};
    return all[k];
}

/* The contract's table (include/ipc.h), written out independently. */
static int valid_pair(int op, int tk)
{
    ipc_datatype t = type_at(tk);
    int integer = t == IPC_INT || t == IPC_LONG || t == IPC_INT64 || t == IPC_UINT64;
    int real = t == IPC_FLOAT || t == IPC_DOUBLE;
    if (op == OP_USER_AFFINE)
        return t == IPC_UINT64;
    if (op == OP_USER_ADD)
        return t == IPC_INT64;
    if (op <= 3) /* SUM PROD MIN MAX */
        return integer || real;
    if (op <= 6) /* LAND LOR LXOR */
        return integer;
    return integer || t == IPC_BYTE; /* BAND BOR BXOR */
}

static int is_unsigned(ipc_datatype t)
{
    return t == IPC_BYTE || t == IPC_UINT64;
}

static uint32_t mix(uint32_t a, uint32_t b)
{
    uint32_t x = a * 2654435761u ^ (b * 40503u + 0x9e3779b9u);
    x ^= x >> 15;
    x *= 2246822519u;
    x ^= x >> 13;
    return x;
}

/* Rank r's element i for op: small values whose reduction over all ranks
 * is exact in every datatype (a product has a factor 2 from about 7 ranks in
 * 16, fewer in larger jobs, so that it fits an int). User ops get packed pairs (affine) or big values
 * that wrap around (add). */
static int64_t input(int op, ipc_datatype t, int r, size_t i)
{
    uint32_t h = mix((uint32_t)r + 1, (uint32_t)i);
    int64_t v;
    switch (op) {
    case 0: case 2: case 3: /* SUM MIN MAX */
        v = (int64_t)(h % 11) - 5;
        break;
    case 1: /* PROD */
        v = h % (7u * (uint32_t)((t_size + 15) / 16)) == 0 ? 2 : h % 5 == 0 ? -1 : 1;
        break;
    case 4: /* LAND: now and then a zero */
        v = h % 9 == 0 ? 0 : 1 + h % 3;
        break;
    case 5: /* LOR: now and then a non-zero */
        v = h % 9 == 0 ? 1 + h % 3 : 0;
        break;
    case 6:
        v = h % 3 == 0 ? 0 : h % 4 + 1;
        break;
    case 7: /* BAND: keep some bits common */
        v = (int64_t)((h | 0x5a) & 0xff);
        break;
    case 8: case 9:
        v = (int64_t)(h & 0x7fff);
        break;
    case OP_USER_AFFINE:
        return (int64_t)((uint64_t)(mix(h, 7) | 1) << 32 | mix(h, 11));
    default:
        return (int64_t)((uint64_t)mix(h, 3) << 31 ^ mix(h, 5));
    }
    return is_unsigned(t) && v < 0 ? -v : v;
}

static uint64_t affine(uint64_t in, uint64_t inout)
{
    uint32_t a1 = (uint32_t)(in >> 32), b1 = (uint32_t)in;
    uint32_t a2 = (uint32_t)(inout >> 32), b2 = (uint32_t)inout;
    return (uint64_t)(a2 * a1) << 32 | (uint32_t)(a2 * b1 + b2);
}

/* x -> a x + b maps, `in` applied first: associative, not commutative. */
static void user_affine(const void *in, void *inout, size_t count, ipc_datatype type)
{
    (void)type;
    const uint64_t *a = in;
    uint64_t *b = inout;
    for (size_t i = 0; i < count; i++)
        b[i] = affine(a[i], b[i]);
}

static void user_add(const void *in, void *inout, size_t count, ipc_datatype type)
{
    (void)type;
    const uint64_t *a = in;
    uint64_t *b = inout;
    for (size_t i = 0; i < count; i++)
        b[i] += a[i];
}

/* a op b, a from the lower ranks. */
static int64_t combine(int op, int64_t a, int64_t b)
{
    switch (op) {
    case 0: return (int64_t)((uint64_t)a + (uint64_t)b);
    case 1: return a * b;
    case 2: return a < b ? a : b;
    case 3: return a > b ? a : b;
    case 4: return a && b;
    case 5: return a || b;
    case 6: return !a != !b;
    case 7: return a & b;
    case 8: return a | b;
    case 9: return a ^ b;
    case OP_USER_AFFINE: return (int64_t)affine((uint64_t)a, (uint64_t)b);
    default: return (int64_t)((uint64_t)a + (uint64_t)b);
    }
}

static void put(int tk, void *buf, size_t i, int64_t v)
{
    switch (tk) {
    case 0: ((unsigned char *)buf)[i] = (unsigned char)v; break;
    case 1: ((char *)buf)[i] = (char)v; break;
    case 2: ((int *)buf)[i] = (int)v; break;
    case 3: ((long *)buf)[i] = (long)v; break;
    case 4: ((int64_t *)buf)[i] = v; break;
    case 5: ((uint64_t *)buf)[i] = (uint64_t)v; break;
    case 6: ((float *)buf)[i] = (float)v; break;
    default: ((double *)buf)[i] = (double)v; break;
    }
}

static size_t esize(ipc_datatype t)
{
    size_t s;
    T_OK(ipc_type_size(t, &s));
    return s;
}

struct rcase {
    int op, tk;
    ipc_datatype t;
    size_t count, es;
    const char *what; /* collective under test, for messages */
    /* What this rank must get, computed serially in rank order: */
    void *all;  /* over every rank (allreduce, reduce) */
    void *incl; /* over ranks 0..me (scan) */
    void *excl; /* over ranks 0..me-1 (exscan; unused on rank 0) */
    void *rsb;  /* over every rank, elements me*count.. (reduce_scatter_block) */
};

/* One pass over the ranks per element gives every expected result. */
static void compute_expected(struct rcase *c)
{
    size_t bytes = c->count * c->es;
    c->all = t_alloc(bytes);
    c->incl = t_alloc(bytes);
    c->excl = t_alloc(bytes);
    c->rsb = t_alloc(bytes);
    for (size_t i = 0; i < c->count; i++) {
        int64_t acc = input(c->op, c->t, 0, i);
        for (int r = 1; r <= t_size; r++) {
            if (r == t_rank)
                put(c->tk, c->excl, i, acc);
            if (r - 1 == t_rank)
                put(c->tk, c->incl, i, acc);
            if (r < t_size)
                acc = combine(c->op, acc, input(c->op, c->t, r, i));
        }
        put(c->tk, c->all, i, acc);
        size_t j = (size_t)t_rank * c->count + i;
        acc = input(c->op, c->t, 0, j);
        for (int r = 1; r < t_size; r++)
            acc = combine(c->op, acc, input(c->op, c->t, r, j));
        put(c->tk, c->rsb, i, acc);
    }
}

static void free_expected(struct rcase *c)
{
    free(c->all);
    free(c->incl);
    free(c->excl);
    free(c->rsb);
}

/* Fails unless got holds want, bit for bit. */
static void expect_elems(const struct rcase *c, const void *got, const void *want,
                         const char *over)
{
    if (memcmp(got, want, c->count * c->es) == 0)
        return;
    size_t i = 0;
    while (memcmp((const char *)got + i * c->es, (const char *)want + i * c->es, c->es) == 0)
        i++;
    t_fail("%s %s/%s count %zu: element %zu (reduction over %s) is wrong", c->what,
           op_names[c->op], type_names[c->tk], c->count, i, over);
}

static void fill_input(const struct rcase *c, void *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        put(c->tk, buf, i, input(c->op, c->t, t_rank, i));
}

static void check_allreduce(struct rcase *c, void *in, void *out, int in_place)
{
    c->what = in_place ? "allreduce in place" : "allreduce";
    fill_input(c, in_place ? out : in, c->count);
    T_OK(ipc_allreduce(in_place ? IPC_IN_PLACE : in, out, c->count, c->t, ops[c->op],
                       IPC_COMM_WORLD));
    expect_elems(c, out, c->all, "all ranks");
}

static void check_reduce(struct rcase *c, void *in, void *out, int root, int in_place)
{
    int me = t_rank == root;
    c->what = in_place && me ? "reduce in place" : "reduce";
    fill_input(c, in_place && me ? out : in, c->count);
    T_OK(ipc_reduce(in_place && me ? IPC_IN_PLACE : in, me ? out : NULL, c->count, c->t,
                    ops[c->op], root, IPC_COMM_WORLD));
    if (me)
        expect_elems(c, out, c->all, "all ranks");
}

static void check_scans(struct rcase *c, void *in, void *out, int in_place)
{
    c->what = in_place ? "scan in place" : "scan";
    fill_input(c, in_place ? out : in, c->count);
    T_OK(ipc_scan(in_place ? IPC_IN_PLACE : in, out, c->count, c->t, ops[c->op],
                  IPC_COMM_WORLD));
    expect_elems(c, out, c->incl, "ranks 0..me");

    c->what = in_place ? "exscan in place" : "exscan";
    fill_input(c, in_place ? out : in, c->count);
    if (!in_place)
        memset(out, 0xa5, c->count * c->es);
    T_OK(ipc_exscan(in_place ? IPC_IN_PLACE : in, out, c->count, c->t, ops[c->op],
                    IPC_COMM_WORLD));
    if (t_rank > 0) {
        expect_elems(c, out, c->excl, "ranks 0..me-1");
    } else if (in_place) { /* rank 0's buffer is left as it was: its own input */
        fill_input(c, in, c->count);
        expect_elems(c, out, in, "nothing: rank 0 in place");
    } else {
        for (size_t b = 0; b < c->count * c->es; b++)
            T_ASSERT(((unsigned char *)out)[b] == 0xa5, "exscan: rank 0's buffer was written");
    }
}

static void check_reduce_scatter(struct rcase *c, void *in, void *out, int in_place)
{
    size_t total = c->count * (size_t)t_size;
    c->what = in_place ? "reduce_scatter_block in place" : "reduce_scatter_block";
    fill_input(c, in_place ? out : in, total);
    T_OK(ipc_reduce_scatter_block(in_place ? IPC_IN_PLACE : in, out, c->count, c->t,
                                  ops[c->op], IPC_COMM_WORLD));
    expect_elems(c, out, c->rsb, "all ranks");
}

/* Every reduction collective once for this op, type and count;
 * reduce_scatter_block gets rsb_count elements a rank. */
static void check_all(int op, int tk, size_t count, size_t rsb_count, int root, int in_place)
{
    struct rcase c = {.op = op, .tk = tk, .t = type_at(tk), .count = count};
    c.es = esize(c.t);
    size_t cap = (count > rsb_count * (size_t)t_size ? count : rsb_count * (size_t)t_size);
    void *in = t_alloc(cap * c.es), *out = t_alloc(cap * c.es);
    compute_expected(&c);
    check_allreduce(&c, in, out, in_place);
    check_reduce(&c, in, out, root, in_place);
    check_scans(&c, in, out, in_place);
    free_expected(&c);
    c.count = rsb_count;
    compute_expected(&c);
    check_reduce_scatter(&c, in, out, in_place);
    free_expected(&c);
    free(in);
    free(out);
}

static void check_rejected(int op, int tk)
{
    ipc_datatype t = type_at(tk);
    char in[64] = {0}, out[64 * 16];
    T_ERR(ipc_allreduce(in, out, 1, t, ops[op], IPC_COMM_WORLD), IPC_ERR_OP);
    T_ERR(ipc_reduce(in, out, 1, t, ops[op], 0, IPC_COMM_WORLD), IPC_ERR_OP);
    T_ERR(ipc_scan(in, out, 1, t, ops[op], IPC_COMM_WORLD), IPC_ERR_OP);
    T_ERR(ipc_exscan(in, out, 1, t, ops[op], IPC_COMM_WORLD), IPC_ERR_OP);
    T_ERR(ipc_reduce_scatter_block(in, out, 1, t, ops[op], IPC_COMM_WORLD), IPC_ERR_OP);
}

/* 64-bit FNV-1a of a buffer: what ranks compare to show equal bits. */
static uint64_t fnv(const void *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    for (size_t i = 0; i < n; i++)
        h = (h ^ ((const unsigned char *)p)[i]) * 1099511628211ull;
    return h;
}

/* Doubles that round differently in every order: every rank must get the
 * same bits. Rank 0 prints a digest so that two runs can be compared. */
static void check_deterministic(size_t count)
{
    double *in = t_alloc(count * sizeof *in), *out = t_alloc(count * sizeof *out);
    memset(in, 0, count * sizeof *in); /* gcc cannot tell that the loop fills it */
    for (size_t i = 0; i < count; i++)
        in[i] = (mix((uint32_t)t_rank, (uint32_t)i) / 4294967296.0 - 0.5) *
                (1 << (mix((uint32_t)i, 1) % 20));
    T_OK(ipc_allreduce(in, out, count, IPC_DOUBLE, IPC_SUM, IPC_COMM_WORLD));
    uint64_t mine = fnv(out, count * sizeof *out);
    uint64_t *all = t_alloc((size_t)t_size * sizeof *all);
    T_OK(ipc_allgather(&mine, 1, IPC_UINT64, all, 1, IPC_UINT64, IPC_COMM_WORLD));
    for (int r = 0; r < t_size; r++)
        T_ASSERT(all[r] == mine, "allreduce of %zu doubles: rank %d got other bits than rank %d",
                 count, r, t_rank);
    /* A second call with the same inputs gives the same bits again. */
    T_OK(ipc_allreduce(in, out, count, IPC_DOUBLE, IPC_SUM, IPC_COMM_WORLD));
    T_ASSERT(fnv(out, count * sizeof *out) == mine, "allreduce of %zu doubles: a second call "
             "gave other bits", count);
    if (t_rank == 0)
        printf("digest %zu %016llx\n", count, (unsigned long long)mine);
    free(in);
    free(out);
    free(all);
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "coll_reduce");
    const size_t det[] = {1, 1000, BIG_BYTES / sizeof(double)};
    if (argc > 1 && !strcmp(argv[1], "digest")) { /* only the digests */
        for (size_t k = 0; k < 3; k++)
            check_deterministic(det[k]);
        T_OK(ipc_finalize());
        return 0;
    }
    T_OK(ipc_op_create(user_affine, 0, &ops[OP_USER_AFFINE]));
    T_OK(ipc_op_create(user_add, 1, &ops[OP_USER_ADD]));
    const size_t counts[] = {0, 1, 7, 1000};
    int calls = 0;

    for (int op = 0; op < N_OPS; op++) {
        for (int tk = 0; tk < N_TYPES; tk++) {
            if (!valid_pair(op, tk)) {
                if (op < N_BUILTIN)
                    check_rejected(op, tk);
                continue;
            }
            for (size_t k = 0; k < sizeof counts / sizeof counts[0]; k++) {
                int root = (op + tk + (int)k) % t_size;
                check_all(op, tk, counts[k], counts[k], root, (op + tk + (int)k) % 2);
                if (counts[k] == 7)
                    check_all(op, tk, counts[k], counts[k], root, (op + tk + 1) % 2);
                calls++;
            }
        }
    }
    T_ERR(ipc_allreduce(&calls, &calls, 1, IPC_INT, IPC_OP_NULL, IPC_COMM_WORLD), IPC_ERR_OP);

    /* Long vectors take the long-message algorithms: 1 MiB, and an odd
     * length above the switch points that no rank count divides evenly;
     * a commutative one of 1 MiB in place too (reduce_scatter_block, where
     * each rank reads the others' inputs, puts its block where they read). */
    const struct { int op, tk, in_place, bytes; } big[] = {
        {0, 7, 0, BIG_BYTES}, {OP_USER_AFFINE, 5, 1, BIG_BYTES},
        {3, 6, 1, MID_BYTES}, {OP_USER_ADD, 4, 0, MID_BYTES}, {OP_USER_ADD, 4, 1, BIG_BYTES}};
    for (size_t k = 0; k < sizeof big / sizeof big[0]; k++) {
        size_t count = (size_t)big[k].bytes / esize(type_at(big[k].tk));
        check_all(big[k].op, big[k].tk, count, count / (size_t)t_size + 1, (int)k % t_size,
                  big[k].in_place);
    }

    /* Every root short; long, the first, middle and last root; commutative
     * (ring) and not (tree). */
    for (int op = 0; op <= OP_USER_AFFINE; op += OP_USER_AFFINE) {
        int tk = op ? 5 : 7;
        struct rcase c = {.op = op, .tk = tk, .t = type_at(tk)};
        c.es = esize(c.t);
        const size_t sizes[] = {1, 1000, BIG_BYTES / c.es};
        for (size_t k = 0; k < 3; k++) {
            c.count = sizes[k];
            compute_expected(&c);
            void *in = t_alloc(c.count * c.es), *out = t_alloc(c.count * c.es);
            for (int root = 0; root < t_size; root++)
                if (k < 2 || root == 0 || root == t_size / 2 || root == t_size - 1)
                    check_reduce(&c, in, out, root, (root + (int)k) % 2);
            free(in);
            free(out);
            free_expected(&c);
        }
    }

    for (size_t k = 0; k < 3; k++)
        check_deterministic(det[k]);

    T_OK(ipc_op_free(&ops[OP_USER_AFFINE]));
    T_OK(ipc_op_free(&ops[OP_USER_ADD]));
    T_ASSERT(ops[OP_USER_ADD] == IPC_OP_NULL, "ipc_op_free did not reset the handle");
    T_ERR(ipc_op_free(&ops[0]), IPC_ERR_OP);
    T_OK(ipc_finalize());
    if (t_rank == 0)
        printf("coll_reduce: %d ranks, %d op/type/count cases: ok\n", t_size, calls);
    return 0;
}
