/*
 * mpi_type.c - MPI datatypes: the predefined ones, the constructors, the
 * handle table and the queries (extents, envelope and contents, names).
 *
 * A handle indexes a table of type objects; several handles may name one
 * object (MPI_Type_get_contents returns new handles to the types a type was
 * built from). An object lives while something references it: a handle, a
 * type built on it (as a child of an entry or in its envelope), or a view of
 * an operation under way (mpi_pack.c).
 */
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

#define FIRST_DERIVED 64

struct float_int {
    float v;
    int i;
};
struct double_int {
    double v;
    int i;
};
struct long_int {
    long v;
    int i;
};
struct int_int {
    int v;
    int i;
};
struct short_int {
    short v;
    int i;
};
struct ldouble_int {
    long double v;
    int i;
};
struct float_float {
    float v, i;
};
struct double_double {
    double v, i;
};

static struct ipc__mpi_entry predef_entries[IPC__MPI_N_PREDEF][2];
static struct ipc__mpi_type predef[IPC__MPI_N_PREDEF];

/* One basic type T, or a pair {V; I} laid out as the C struct S. */
#define ONE(h, T) [h] = {#h, sizeof(T), _Alignof(T), 0, 0, 0}
#define PAIR(h, S, V, I) [h] = {#h, sizeof(S), _Alignof(S), V, I, offsetof(S, i)}
static const struct {
    const char *name;
    size_t size, align;
    int first, second; /* a pair's two types, 0 for a basic type */
    size_t second_at;
} predef_def[IPC__MPI_N_PREDEF] = {
    ONE(MPI_CHAR, char),
    ONE(MPI_SIGNED_CHAR, signed char),
    ONE(MPI_UNSIGNED_CHAR, unsigned char),
    ONE(MPI_BYTE, unsigned char),
    ONE(MPI_SHORT, short),
    ONE(MPI_UNSIGNED_SHORT, unsigned short),
    ONE(MPI_INT, int),
    ONE(MPI_UNSIGNED, unsigned),
    ONE(MPI_LONG, long),
    ONE(MPI_UNSIGNED_LONG, unsigned long),
    ONE(MPI_LONG_LONG_INT, long long),
    ONE(MPI_UNSIGNED_LONG_LONG, unsigned long long),
    ONE(MPI_FLOAT, float),
    ONE(MPI_DOUBLE, double),
    ONE(MPI_LONG_DOUBLE, long double),
    ONE(MPI_INT8_T, int8_t),
    ONE(MPI_INT16_T, int16_t),
    ONE(MPI_INT32_T, int32_t),
    ONE(MPI_INT64_T, int64_t),
    ONE(MPI_UINT8_T, uint8_t),
    ONE(MPI_UINT16_T, uint16_t),
    ONE(MPI_UINT32_T, uint32_t),
    ONE(MPI_UINT64_T, uint64_t),
    ONE(MPI_C_BOOL, _Bool),
    ONE(MPI_WCHAR, wchar_t),
    ONE(MPI_AINT, MPI_Aint),
    PAIR(MPI_FLOAT_INT, struct float_int, MPI_FLOAT, MPI_INT),
    PAIR(MPI_DOUBLE_INT, struct double_int, MPI_DOUBLE, MPI_INT),
    PAIR(MPI_LONG_INT, struct long_int, MPI_LONG, MPI_INT),
    PAIR(MPI_2INT, struct int_int, MPI_INT, MPI_INT),
    PAIR(MPI_SHORT_INT, struct short_int, MPI_SHORT, MPI_INT),
    PAIR(MPI_LONG_DOUBLE_INT, struct ldouble_int, MPI_LONG_DOUBLE, MPI_INT),
    ONE(MPI_C_COMPLEX, float _Complex),
    ONE(MPI_C_FLOAT_COMPLEX, float _Complex),
    ONE(MPI_C_DOUBLE_COMPLEX, double _Complex),
    ONE(MPI_C_LONG_DOUBLE_COMPLEX, long double _Complex),
    ONE(MPI_OFFSET, MPI_Offset),
    ONE(MPI_COUNT, MPI_Count),
    ONE(MPI_PACKED, char),
    ONE(MPI_CXX_BOOL, _Bool),
    ONE(MPI_CXX_FLOAT_COMPLEX, float _Complex),
    ONE(MPI_CXX_DOUBLE_COMPLEX, double _Complex),
    ONE(MPI_CXX_LONG_DOUBLE_COMPLEX, long double _Complex),
    ONE(MPI_INTEGER, int),
    ONE(MPI_REAL, float),
    ONE(MPI_DOUBLE_PRECISION, double),
    ONE(MPI_COMPLEX, float _Complex),
    ONE(MPI_DOUBLE_COMPLEX, double _Complex),
    ONE(MPI_LOGICAL, int),
    ONE(MPI_CHARACTER, char),
    PAIR(MPI_2INTEGER, struct int_int, MPI_INTEGER, MPI_INTEGER),
    PAIR(MPI_2REAL, struct float_float, MPI_REAL, MPI_REAL),
    PAIR(MPI_2DOUBLE_PRECISION, struct double_double, MPI_DOUBLE_PRECISION,
         MPI_DOUBLE_PRECISION),
    ONE(MPI_INTEGER1, int8_t),
    ONE(MPI_INTEGER2, int16_t),
    ONE(MPI_INTEGER4, int32_t),
    ONE(MPI_INTEGER8, int64_t),
    ONE(MPI_REAL4, float),
    ONE(MPI_REAL8, double),
};

static struct ipc__mpi_entry leaf(long disp, size_t len, int basic)
{
    return (struct ipc__mpi_entry){
        .disp = disp, .count = 1, .blocklen = 1, .len = len, .basic = basic};
}

/* Builds predef[] from predef_def[] (on first use; the table is static). */
static void predef_init(void)
{
    for (int h = 1; h < IPC__MPI_N_PREDEF; h++) {
        struct ipc__mpi_type *t = &predef[h];
        struct ipc__mpi_entry *e = predef_entries[h];
        size_t size = predef_def[h].size;
        *t = (struct ipc__mpi_type){.predefined = true,
                                    .committed = true,
                                    .depth = 1,
                                    .flat = true,
                                    .red_basic = h,
                                    .red_n = 1,
                                    .extent = (long)size,
                                    .true_extent = (long)size,
                                    .align = (long)predef_def[h].align,
                                    .nentries = 1,
                                    .entries = e,
                                    .combiner = MPI_COMBINER_NAMED};
        strcpy(t->name, predef_def[h].name);
        if (predef_def[h].first) {
            int a = predef_def[h].first, b = predef_def[h].second;
            e[0] = leaf(0, predef_def[a].size, a);
            e[1] = leaf((long)predef_def[h].second_at, predef_def[b].size, b);
            t->nentries = 2;
            t->size = predef_def[a].size + predef_def[b].size;
            t->true_extent = e[1].disp + (long)e[1].len;
            t->contig = t->size == size; /* no gap: {int, int}, {float, int} */
        } else {
            e[0] = leaf(0, size, h);
            t->size = size;
            t->contig = true;
        }
    }
}

const struct ipc__mpi_type *ipc__mpi_predef(int handle)
{
    if (!predef[MPI_CHAR].size)
        predef_init();
    return &predef[handle];
}

/* ---- handles and references ---- */

static struct ipc__mpi_type **handles; /* derived: FIRST_DERIVED + index; NULL: free */
static int n_handles;

struct ipc__mpi_type *ipc__mpi_type(MPI_Datatype type)
{
    if (type > 0 && type < IPC__MPI_N_PREDEF)
        return (struct ipc__mpi_type *)ipc__mpi_predef(type);
    if (type >= FIRST_DERIVED && type - FIRST_DERIVED < n_handles)
        return handles[type - FIRST_DERIVED];
    return NULL;
}

void ipc__mpi_type_ref(struct ipc__mpi_type *t)
{
    if (!t->predefined)
        t->refs++;
}

void ipc__mpi_type_unref(struct ipc__mpi_type *t)
{
    if (t->predefined || --t->refs > 0)
        return;
    for (size_t k = 0; k < t->nentries; k++)
        if (t->entries[k].child)
            ipc__mpi_type_unref(t->entries[k].child);
    for (int k = 0; k < t->nt; k++)
        ipc__mpi_type_unref(t->types[k]);
    free(t->entries);
    free(t->ints);
    free(t->aints);
    free(t->types);
    free(t);
}

/* A new handle for t, taking a reference. */
static int handle_new(struct ipc__mpi_type *t, MPI_Datatype *out)
{
    int slot = 0;
    while (slot < n_handles && handles[slot])
        slot++;
    if (slot == n_handles) {
        struct ipc__mpi_type **grown =
            realloc(handles, (size_t)(n_handles + 16) * sizeof *handles);
        if (!grown)
            return MPI_ERR_NO_MEM;
        memset(grown + n_handles, 0, 16 * sizeof *grown);
        handles = grown;
        n_handles += 16;
    }
    ipc__mpi_type_ref(t);
    handles[slot] = t;
    *out = FIRST_DERIVED + slot;
    return MPI_SUCCESS;
}

void ipc__mpi_types_fini(void)
{
    for (int k = 0; k < n_handles; k++)
        if (handles[k])
            ipc__mpi_type_unref(handles[k]);
    free(handles);
    handles = NULL;
    n_handles = 0;
}

/* ---- building a type ---- */

static struct ipc__mpi_type *type_alloc(size_t nentries)
{
    struct ipc__mpi_type *t = calloc(1, sizeof *t);
    if (t && nentries && !(t->entries = calloc(nentries, sizeof *t->entries))) {
        free(t);
        return NULL;
    }
    return t;
}

/* Entry k of t: count blocks of blocklen pieces of child, made a leaf when
 * child's data is contiguous bytes of one basic type. Takes a reference to
 * child when it stays one. */
static void entry_set(struct ipc__mpi_type *t, long disp, size_t count, long stride,
                      size_t blocklen, long bstride, struct ipc__mpi_type *child)
{
    struct ipc__mpi_entry *e = &t->entries[t->nentries++];
    *e = (struct ipc__mpi_entry){disp, stride, bstride, count, blocklen, child, 0, 0};
    /* A leaf in place of the child only when the child's bounds are the
     * leaf's own (not resized). */
    const struct ipc__mpi_entry *c0 = child->entries;
    bool single = child->nentries == 1 && !c0->child && c0->count == 1 &&
                  c0->blocklen == 1 && child->lb == c0->disp &&
                  child->extent == (long)c0->len;
    if (!single) {
        ipc__mpi_type_ref(child);
        return;
    }
    const struct ipc__mpi_entry *in = &child->entries[0];
    *e = (struct ipc__mpi_entry){disp + in->disp, stride, bstride, count,
                                 blocklen,        NULL,   in->len, in->basic};
    size_t merged; /* runs become one longer leaf, unless its length would wrap */
    if (blocklen > 1 && bstride == (long)e->len &&
        !__builtin_mul_overflow(e->len, blocklen, &merged)) {
        e->len = merged;
        e->blocklen = 1;
    }
    if (e->blocklen == 1 && count > 1 && stride == (long)e->len &&
        !__builtin_mul_overflow(e->len, count, &merged)) {
        e->len = merged;
        e->count = 1;
    }
    if (e->count == 1 && e->blocklen > 1) { /* blocks of one: pieces as the blocks */
        e->count = e->blocklen;
        e->stride = e->bstride;
        e->blocklen = 1;
    }
}

static long min_l(long a, long b)
{
    return a < b ? a : b;
}
static long max_l(long a, long b)
{
    return a > b ? a : b;
}

/* Bounds of the pieces of e, whose own bounds are [lo, hi) from a piece's
 * origin, into [*lb, *ub). */
/* a * b, or *ovf set (and a bound of the right sign) when it does not fit. */
static long mul_checked(long a, long b, bool *ovf)
{
    long r = 0;
    if (!__builtin_mul_overflow(a, b, &r))
        return r;
    *ovf = true;
    return (a < 0) != (b < 0) ? LONG_MIN : LONG_MAX;
}

static bool entry_bounds(const struct ipc__mpi_entry *e, long lo, long hi, long *lb,
                         long *ub)
{
    long last_i = (long)e->count - 1, last_j = (long)e->blocklen - 1;
    long a = e->disp, b, c, bc, ac, low, high;
    bool ovf = e->count > LONG_MAX || e->blocklen > LONG_MAX;
    ovf |= __builtin_mul_overflow(last_i, e->stride, &b) || __builtin_add_overflow(a, b, &b);
    ovf |= __builtin_mul_overflow(last_j, e->bstride, &c);
    ovf |= __builtin_add_overflow(a, c, &ac) || __builtin_add_overflow(b, c, &bc);
    if (ovf)
        return false;
    ovf |= __builtin_add_overflow(min_l(min_l(a, b), min_l(ac, bc)), lo, &low);
    ovf |= __builtin_add_overflow(max_l(max_l(a, b), max_l(ac, bc)), hi, &high);
    if (ovf)
        return false;
    *lb = min_l(*lb, low);
    *ub = max_l(*ub, high);
    return true;
}

/* Computes everything about t from its entries (bounds from `bounds`, the
 * entries as the constructor gave them, before empty ones are dropped);
 * pads the extent to the alignment when `pad` (MPI_Type_create_struct). */
static void type_finish(struct ipc__mpi_type *t, bool pad)
{
    /* Bounds of the data (p) and of the markers (m): markers win. */
    long plb = LONG_MAX, pub = LONG_MIN, mlb = LONG_MAX, mub = LONG_MIN;
    long tlb = LONG_MAX, tub = LONG_MIN;
    size_t kept = 0;
    t->size = 0;
    t->too_big = false;
    t->red_n = 0;
    t->red_basic = -1;
    t->depth = 1;
    t->align = 1;
    for (size_t k = 0; k < t->nentries; k++) {
        struct ipc__mpi_entry *e = &t->entries[k];
        size_t pieces;
        t->too_big |= __builtin_mul_overflow(e->count, e->blocklen, &pieces);
        if (!pieces) {
            if (e->child)
                ipc__mpi_type_unref(e->child);
            continue;
        }
        const struct ipc__mpi_type *c = e->child ? e->child : ipc__mpi_predef(e->basic);
        long clb = e->child ? c->lb : 0, cext = e->child ? c->extent : (long)e->len;
        long ctlb = e->child ? c->true_lb : 0, ctext = e->child ? c->true_extent : cext;
        long lo = LONG_MAX, hi = LONG_MIN, cub;
        t->too_big |= (e->child && c->too_big) || __builtin_add_overflow(clb, cext, &cub) ||
                      !entry_bounds(e, clb, cub, &lo, &hi);
        bool lm = e->child && c->lb_mark, um = e->child && c->ub_mark;
        *(lm ? &mlb : &plb) = min_l(lm ? mlb : plb, lo);
        *(um ? &mub : &pub) = max_l(um ? mub : pub, hi);
        t->align = max_l(t->align, c->align);
        size_t csize = e->child ? c->size : e->len;
        if (!csize) { /* no data: only the bounds count */
            if (e->child)
                ipc__mpi_type_unref(e->child);
            continue;
        }
        long ctub;
        size_t bytes, n;
        t->too_big |= __builtin_add_overflow(ctlb, ctext, &ctub) ||
                      !entry_bounds(e, ctlb, ctub, &tlb, &tub);
        t->too_big |= __builtin_mul_overflow(pieces, csize, &bytes) ||
                      __builtin_add_overflow(t->size, bytes, &t->size);
        int rb = e->child ? c->red_basic : e->basic;
        size_t rn = e->child ? c->red_n : e->len / predef_def[e->basic].size;
        t->red_basic = t->red_basic < 0 || t->red_basic == rb ? rb : 0;
        t->too_big |= __builtin_mul_overflow(pieces, rn, &n) ||
                      __builtin_add_overflow(t->red_n, n, &t->red_n);
        if (e->child && c->depth + 1 > t->depth)
            t->depth = c->depth + 1;
        t->entries[kept++] = *e;
    }
    t->nentries = kept;
    if (t->red_basic < 0 || !t->red_basic)
        t->red_n = 0;
    t->red_basic = t->red_basic < 0 ? 0 : t->red_basic;
    t->lb_mark = mlb != LONG_MAX;
    t->ub_mark = mub != LONG_MIN;
    long lb = t->lb_mark ? mlb : plb, ub = t->ub_mark ? mub : pub;
    t->lb = lb == LONG_MAX ? 0 : lb;
    t->too_big |= lb != LONG_MAX && __builtin_sub_overflow(ub, lb, &t->extent);
    t->extent = lb == LONG_MAX || t->too_big ? 0 : t->extent;
    t->too_big |= t->size > (size_t)LONG_MAX; /* sizes and extents compare as longs */
    if (pad && !t->ub_mark && t->extent % t->align)
        t->extent += t->align - t->extent % t->align;
    t->true_lb = tlb == LONG_MAX ? 0 : tlb;
    t->too_big |= tlb != LONG_MAX && __builtin_sub_overflow(tub, tlb, &t->true_extent);
    t->true_extent = tlb == LONG_MAX || t->too_big ? 0 : t->true_extent;
    /* Neighbouring leaves of one basic type become one. */
    size_t n = 0;
    for (size_t k = 0; k < t->nentries; k++) {
        struct ipc__mpi_entry *e = &t->entries[k], *last = n ? &t->entries[n - 1] : NULL;
        bool one = !e->child && e->count == 1 && e->blocklen == 1;
        if (one && last && !last->child && last->count == 1 && last->blocklen == 1 &&
            last->basic == e->basic && last->disp + (long)last->len == e->disp)
            last->len += e->len;
        else
            t->entries[n++] = *e;
    }
    t->nentries = n;
    t->flat = true;
    for (size_t k = 0; k < n; k++)
        t->flat &= !t->entries[k].child && t->entries[k].count == 1 &&
                   t->entries[k].blocklen == 1;
    t->contig = t->flat && n == 1 && t->entries[0].disp == 0 && t->lb == 0 &&
                t->extent == (long)t->size;
    t->contig |= n == 0 && t->extent == 0;
}

/* Frees t, just made (no reference yet), with the references it holds. */
static void type_drop(struct ipc__mpi_type *t)
{
    if (t) {
        t->refs = 1;
        ipc__mpi_type_unref(t);
    }
}

/* Sets t's envelope (copies of the arrays; references to the types). */
static int envelope_set(struct ipc__mpi_type *t, int combiner, int ni, const int *ints,
                        int na, const MPI_Aint *aints, int nt,
                        struct ipc__mpi_type **types)
{
    t->combiner = combiner;
    t->ints = ni ? malloc((size_t)ni * sizeof *ints) : NULL;
    t->aints = na ? malloc((size_t)na * sizeof *aints) : NULL;
    t->types = nt ? malloc((size_t)nt * sizeof *types) : NULL;
    if ((ni && !t->ints) || (na && !t->aints) || (nt && !t->types))
        return MPI_ERR_NO_MEM;
    t->ni = ni;
    t->na = na;
    if (ni)
        memcpy(t->ints, ints, (size_t)ni * sizeof *ints);
    if (na)
        memcpy(t->aints, aints, (size_t)na * sizeof *aints);
    for (t->nt = 0; t->nt < nt; t->nt++) {
        t->types[t->nt] = types[t->nt];
        ipc__mpi_type_ref(types[t->nt]);
    }
    return MPI_SUCCESS;
}

/* Ends a constructor: t (NULL when it could not be allocated) gets its
 * envelope and a handle, or is freed. */
static int type_publish(struct ipc__mpi_type *t, int combiner, int ni, const int *ints,
                        int na, const MPI_Aint *aints, int nt,
                        struct ipc__mpi_type **types, MPI_Datatype *newtype)
{
    if (!t)
        return MPI_ERR_NO_MEM;
    t->refs = 1;
    int rc = envelope_set(t, combiner, ni, ints, na, aints, nt, types);
    if (rc == MPI_SUCCESS && t->depth >= IPC__MPI_DEPTH_MAX)
        rc = MPI_ERR_TYPE;
    if (rc == MPI_SUCCESS && t->too_big) /* its size or bounds would wrap */
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = handle_new(t, newtype);
    ipc__mpi_type_unref(t);
    return rc;
}

/* The layout of old: entries copied, children referenced. */
static struct ipc__mpi_type *type_copy(const struct ipc__mpi_type *old)
{
    struct ipc__mpi_type *t = type_alloc(old->nentries);
    if (!t)
        return NULL;
    for (size_t k = 0; k < old->nentries; k++) {
        t->entries[k] = old->entries[k];
        if (old->entries[k].child)
            ipc__mpi_type_ref(old->entries[k].child);
    }
    t->nentries = old->nentries;
    type_finish(t, false);
    t->red_basic = old->red_basic;
    t->red_n = old->red_n;
    t->align = old->align;
    return t;
}

/* count blocks of blocklen old elements; block i at disps[i] bytes (disps
 * NULL: at i * stride bytes); blocklens[i] overrides blocklen. */
static struct ipc__mpi_type *type_blocks(size_t count, const int *blocklens,
                                         size_t blocklen, const long *disps, long stride,
                                         struct ipc__mpi_type *old)
{
    struct ipc__mpi_type *t = type_alloc(disps ? count : 1);
    if (!t)
        return NULL;
    if (!disps)
        entry_set(t, 0, count, stride, blocklen, old->extent, old);
    for (size_t i = 0; disps && i < count; i++)
        entry_set(t, disps[i], 1, 0, blocklens ? (size_t)blocklens[i] : blocklen,
                  old->extent, old);
    type_finish(t, false);
    return t;
}

static int check_old(MPI_Datatype oldtype, struct ipc__mpi_type **old,
                     MPI_Datatype *newtype)
{
    if (!(*old = ipc__mpi_type(oldtype)))
        return MPI_ERR_TYPE;
    return newtype ? MPI_SUCCESS : MPI_ERR_ARG;
}

static int check_counts(int count, const int *blocklens)
{
    if (count < 0)
        return MPI_ERR_COUNT;
    for (int i = 0; blocklens && i < count; i++)
        if (blocklens[i] < 0)
            return MPI_ERR_COUNT;
    return MPI_SUCCESS;
}

static int type_vector(int combiner, int count, int blocklen, long stride_bytes,
                       const int *ints, int ni, const MPI_Aint *aints, int na,
                       MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    struct ipc__mpi_type *old;
    int rc = check_old(oldtype, &old, newtype);
    if (rc == MPI_SUCCESS && (count < 0 || blocklen < 0))
        rc = MPI_ERR_COUNT;
    if (rc != MPI_SUCCESS)
        return rc;
    struct ipc__mpi_type *t =
        type_blocks((size_t)count, NULL, (size_t)blocklen, NULL, stride_bytes, old);
    return type_publish(t, combiner, ni, ints, na, aints, 1, &old, newtype);
}

int MPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    struct ipc__mpi_type *old = ipc__mpi_type(oldtype);
    long ext = old ? old->extent : 0;
    IPC__MPI_RET(MPI_COMM_WORLD, type_vector(MPI_COMBINER_CONTIGUOUS, 1, count, ext,
                                             &count, 1, NULL, 0, oldtype, newtype));
}

int MPI_Type_vector(int count, int blocklength, int stride, MPI_Datatype oldtype,
                    MPI_Datatype *newtype)
{
    struct ipc__mpi_type *old = ipc__mpi_type(oldtype);
    int ints[3] = {count, blocklength, stride};
    bool ovf = false; /* saturated: a stride that does not fit makes a type too big */
    long bytes = old ? mul_checked(stride, old->extent, &ovf) : 0;
    IPC__MPI_RET(MPI_COMM_WORLD, type_vector(MPI_COMBINER_VECTOR, count, blocklength,
                                             bytes, ints, 3, NULL, 0, oldtype, newtype));
}

int MPI_Type_create_hvector(int count, int blocklength, MPI_Aint stride,
                            MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    int ints[2] = {count, blocklength};
    IPC__MPI_RET(MPI_COMM_WORLD,
                 type_vector(MPI_COMBINER_HVECTOR, count, blocklength, stride, ints, 2,
                             &stride, 1, oldtype, newtype));
}

/* The indexed family. Displacements in old extents (idisps) or bytes
 * (adisps); one blocklength for all (blocklens NULL) or one each. */
static int type_indexed(int combiner, int count, const int *blocklens, int blocklen,
                        const int *idisps, const MPI_Aint *adisps, bool bytes,
                        MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    struct ipc__mpi_type *old;
    int rc = check_old(oldtype, &old, newtype);
    if (rc == MPI_SUCCESS)
        rc = check_counts(count, blocklens);
    if (rc == MPI_SUCCESS && (blocklen < 0))
        rc = MPI_ERR_COUNT;
    if (rc == MPI_SUCCESS && count && (bytes ? !adisps : !idisps))
        rc = MPI_ERR_ARG;
    if (rc != MPI_SUCCESS)
        return rc;
    size_t n = (size_t)count;
    long *disps = calloc(n ? n : 1, sizeof *disps);
    /* The envelope's integers: count, then blocklengths or the one, then
     * integer displacements. */
    size_t nb = blocklens ? n : 1, ni = 1 + nb + (bytes ? 0 : n);
    int *ints = malloc(ni * sizeof *ints);
    if (!disps || !ints) {
        free(disps);
        free(ints);
        return MPI_ERR_NO_MEM;
    }
    ints[0] = count;
    if (blocklens)
        memcpy(ints + 1, blocklens, n * sizeof *ints);
    else
        ints[1] = blocklen;
    bool ovf = false;
    for (size_t i = 0; i < n; i++) {
        disps[i] = bytes ? adisps[i] : mul_checked(idisps[i], old->extent, &ovf);
        if (!bytes)
            ints[1 + nb + i] = idisps[i];
    }
    struct ipc__mpi_type *t = type_blocks(n, blocklens, (size_t)blocklen, disps, 0, old);
    if (t && ovf)
        t->too_big = true; /* a displacement in bytes does not fit */
    rc = type_publish(t, combiner, (int)ni, ints, bytes ? count : 0, adisps, 1, &old,
                      newtype);
    free(disps);
    free(ints);
    return rc;
}

int MPI_Type_indexed(int count, const int blocklengths[], const int displacements[],
                     MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    int rc = count && !blocklengths ? MPI_ERR_ARG : MPI_SUCCESS;
    if (rc == MPI_SUCCESS)
        rc = type_indexed(MPI_COMBINER_INDEXED, count, blocklengths, 0, displacements,
                          NULL, false, oldtype, newtype);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Type_create_hindexed(int count, const int blocklengths[],
                             const MPI_Aint displacements[], MPI_Datatype oldtype,
                             MPI_Datatype *newtype)
{
    int rc = count && !blocklengths ? MPI_ERR_ARG : MPI_SUCCESS;
    if (rc == MPI_SUCCESS)
        rc = type_indexed(MPI_COMBINER_HINDEXED, count, blocklengths, 0, NULL,
                          displacements, true, oldtype, newtype);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Type_create_indexed_block(int count, int blocklength, const int displacements[],
                                  MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    IPC__MPI_RET(MPI_COMM_WORLD,
                 type_indexed(MPI_COMBINER_INDEXED_BLOCK, count, NULL, blocklength,
                              displacements, NULL, false, oldtype, newtype));
}

int MPI_Type_create_hindexed_block(int count, int blocklength,
                                   const MPI_Aint displacements[], MPI_Datatype oldtype,
                                   MPI_Datatype *newtype)
{
    IPC__MPI_RET(MPI_COMM_WORLD,
                 type_indexed(MPI_COMBINER_HINDEXED_BLOCK, count, NULL, blocklength, NULL,
                              displacements, true, oldtype, newtype));
}

static int type_struct(int count, const int blocklens[], const MPI_Aint disps[],
                       const MPI_Datatype types[], MPI_Datatype *newtype)
{
    int rc = check_counts(count, blocklens);
    if (rc != MPI_SUCCESS)
        return rc;
    if (!newtype || (count && (!blocklens || !disps || !types)))
        return MPI_ERR_ARG;
    size_t n = (size_t)count;
    struct ipc__mpi_type **olds = malloc((n ? n : 1) * sizeof *olds);
    int *ints = malloc((n + 1) * sizeof *ints);
    struct ipc__mpi_type *t = olds && ints ? type_alloc(n) : NULL;
    for (size_t i = 0; t && i < n && rc == MPI_SUCCESS; i++)
        if (!(olds[i] = ipc__mpi_type(types[i])))
            rc = MPI_ERR_TYPE;
    for (size_t i = 0; t && i < n && rc == MPI_SUCCESS; i++)
        entry_set(t, disps[i], 1, 0, (size_t)blocklens[i], olds[i]->extent, olds[i]);
    if (t && rc == MPI_SUCCESS) {
        type_finish(t, true);
        ints[0] = count;
        memcpy(ints + 1, blocklens, n * sizeof *ints);
        rc = type_publish(t, MPI_COMBINER_STRUCT, count + 1, ints, count, disps, count,
                          olds, newtype);
    } else if (t) {
        type_drop(t);
    } else {
        rc = MPI_ERR_NO_MEM;
    }
    free(olds);
    free(ints);
    return rc;
}

int MPI_Type_create_struct(int count, const int blocklengths[],
                           const MPI_Aint displacements[], const MPI_Datatype types[],
                           MPI_Datatype *newtype)
{
    IPC__MPI_RET(MPI_COMM_WORLD,
                 type_struct(count, blocklengths, displacements, types, newtype));
}

/* A type of one entry, child at disp, with the bounds [lb, lb + extent). */
static struct ipc__mpi_type *type_placed(struct ipc__mpi_type *child, long disp, long lb,
                                         long extent)
{
    struct ipc__mpi_type *t = type_alloc(1);
    if (!t)
        return NULL;
    entry_set(t, disp, 1, 0, 1, 0, child);
    type_finish(t, false);
    t->lb = lb;
    t->extent = extent;
    t->lb_mark = t->ub_mark = true;
    t->contig = t->contig && lb == 0 && extent == (long)t->size;
    return t;
}

int MPI_Type_create_resized(MPI_Datatype oldtype, MPI_Aint lb, MPI_Aint extent,
                            MPI_Datatype *newtype)
{
    struct ipc__mpi_type *old;
    int rc = check_old(oldtype, &old, newtype);
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    struct ipc__mpi_type *t = type_copy(old);
    if (t) {
        t->lb = lb;
        t->extent = extent;
        t->lb_mark = t->ub_mark = true;
        t->contig = t->contig && lb == 0 && extent == (long)t->size;
    }
    MPI_Aint aints[2] = {lb, extent};
    IPC__MPI_RET(MPI_COMM_WORLD, type_publish(t, MPI_COMBINER_RESIZED, 0, NULL, 2, aints,
                                              1, &old, newtype));
}

int MPI_Type_dup(MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    struct ipc__mpi_type *old;
    int rc = check_old(oldtype, &old, newtype);
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    struct ipc__mpi_type *t = type_copy(old);
    if (t) {
        t->lb = old->lb;
        t->extent = old->extent;
        t->contig = old->contig;
        t->committed = old->committed;
        t->lb_mark = old->lb_mark;
        t->ub_mark = old->ub_mark;
    }
    rc = type_publish(t, MPI_COMBINER_DUP, 0, NULL, 0, NULL, 1, &old, newtype);
    if (rc == MPI_SUCCESS && (rc = ipc__mpi_type_attrs_copy(oldtype, *newtype)) != MPI_SUCCESS)
        MPI_Type_free(newtype); /* the copies made so far are deleted again */
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

/* ---- subarrays and distributed arrays ---- */

/* Element runs along one dimension: run r covers indices start[r] to
 * start[r] + len[r] - 1. */
struct runs {
    size_t n;
    int *start, *len;
};

/* An array of ndims dimensions (C order: the last varies fastest) of which
 * runs[d] are taken along dimension d, sizes[d] long; each run becomes one
 * entry, nested from the fastest dimension outwards. NULL when out of memory. */
static struct ipc__mpi_type *type_runs(int ndims, const int *sizes,
                                       const struct runs *runs, struct ipc__mpi_type *old)
{
    struct ipc__mpi_type *inner = old;
    long step = old->extent;
    bool ovf = false;
    ipc__mpi_type_ref(old);
    for (int d = ndims - 1; d >= 0 && inner; d--) {
        struct ipc__mpi_type *t = type_alloc(runs[d].n);
        for (size_t r = 0; t && r < runs[d].n; r++)
            entry_set(t, mul_checked(runs[d].start[r], step, &ovf), 1, 0,
                      (size_t)runs[d].len[r], step, inner);
        if (t)
            type_finish(t, false);
        if (t && ovf)
            t->too_big = true; /* a position in bytes does not fit */
        ipc__mpi_type_unref(inner);
        inner = t;
        if (t)
            t->refs = 1;
        step = mul_checked(step, sizes[d], &ovf);
    }
    if (!inner)
        return NULL;
    struct ipc__mpi_type *t = type_placed(inner, 0, 0, step);
    ipc__mpi_type_unref(inner);
    return t;
}

/* The dimensions of a Fortran-order array reversed into C order. */
static void to_c_order(int ndims, int order, int *dst, const int *src)
{
    for (int d = 0; d < ndims; d++)
        dst[d] = src[order == MPI_ORDER_C ? d : ndims - 1 - d];
}

static int type_subarray(int ndims, const int sizes[], const int subsizes[],
                         const int starts[], int order, MPI_Datatype oldtype,
                         MPI_Datatype *newtype)
{
    struct ipc__mpi_type *old;
    int rc = check_old(oldtype, &old, newtype);
    if (rc != MPI_SUCCESS)
        return rc;
    if (ndims <= 0 || !sizes || !subsizes || !starts ||
        (order != MPI_ORDER_C && order != MPI_ORDER_FORTRAN))
        return MPI_ERR_ARG;
    for (int d = 0; d < ndims; d++)
        if (sizes[d] <= 0 || subsizes[d] <= 0 || starts[d] < 0 ||
            starts[d] + subsizes[d] > sizes[d])
            return MPI_ERR_ARG;
    size_t nd = (size_t)ndims;
    int *buf = malloc(3 * nd * sizeof *buf);
    struct runs *runs = malloc(nd * sizeof *runs);
    if (!buf || !runs) {
        free(buf);
        free(runs);
        return MPI_ERR_NO_MEM;
    }
    int *csizes = buf, *cstarts = buf + nd, *clens = buf + 2 * nd;
    to_c_order(ndims, order, csizes, sizes);
    to_c_order(ndims, order, cstarts, starts);
    to_c_order(ndims, order, clens, subsizes);
    for (size_t d = 0; d < nd; d++)
        runs[d] = (struct runs){1, &cstarts[d], &clens[d]};
    struct ipc__mpi_type *t = type_runs(ndims, csizes, runs, old);
    int *envelope = malloc((3 * nd + 2) * sizeof *envelope);
    if (envelope) {
        envelope[0] = ndims;
        memcpy(envelope + 1, sizes, nd * sizeof *envelope);
        memcpy(envelope + 1 + nd, subsizes, nd * sizeof *envelope);
        memcpy(envelope + 1 + 2 * nd, starts, nd * sizeof *envelope);
        envelope[1 + 3 * nd] = order;
        rc = type_publish(t, MPI_COMBINER_SUBARRAY, 3 * ndims + 2, envelope, 0, NULL, 1,
                          &old, newtype);
    } else {
        type_drop(t);
        rc = MPI_ERR_NO_MEM;
    }
    free(envelope);
    free(buf);
    free(runs);
    return rc;
}

int MPI_Type_create_subarray(int ndims, const int sizes[], const int subsizes[],
                             const int starts[], int order, MPI_Datatype oldtype,
                             MPI_Datatype *newtype)
{
    IPC__MPI_RET(MPI_COMM_WORLD,
                 type_subarray(ndims, sizes, subsizes, starts, order, oldtype, newtype));
}

/* The runs of one dimension of gsize elements that process coordinate
 * `coord` of `procs` owns (MPI-3.1 4.1.4). */
static int darray_runs(struct runs *r, int gsize, int distrib, int darg, int procs,
                       int coord)
{
    int block = 0;
    *r = (struct runs){0};
    if (distrib == MPI_DISTRIBUTE_NONE) {
        if (procs != 1)
            return MPI_ERR_ARG;
        block = gsize;
    } else if (distrib == MPI_DISTRIBUTE_BLOCK) {
        block = darg == MPI_DISTRIBUTE_DFLT_DARG ? (gsize + procs - 1) / procs : darg;
        if (block <= 0 || (long)block * procs < gsize)
            return MPI_ERR_ARG;
    } else if (distrib == MPI_DISTRIBUTE_CYCLIC) {
        block = darg == MPI_DISTRIBUTE_DFLT_DARG ? 1 : darg;
        if (block <= 0)
            return MPI_ERR_ARG;
    } else {
        return MPI_ERR_ARG;
    }
    long cycle = (long)block * procs;
    size_t max = (size_t)(gsize / cycle + 1);
    r->start = malloc(2 * max * sizeof *r->start);
    if (!r->start)
        return MPI_ERR_NO_MEM;
    r->len = r->start + max;
    for (long k = (long)coord * block; k < gsize; k += cycle) {
        r->start[r->n] = (int)k;
        r->len[r->n++] = (int)min_l(block, gsize - k);
        if (distrib != MPI_DISTRIBUTE_CYCLIC)
            break;
    }
    return MPI_SUCCESS;
}

static int type_darray(int size, int rank, int ndims, const int gsizes[],
                       const int distribs[], const int dargs[], const int psizes[],
                       int order, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    struct ipc__mpi_type *old;
    int rc = check_old(oldtype, &old, newtype);
    if (rc != MPI_SUCCESS)
        return rc;
    if (ndims <= 0 || size <= 0 || rank < 0 || rank >= size || !gsizes || !distribs ||
        !dargs || !psizes || (order != MPI_ORDER_C && order != MPI_ORDER_FORTRAN))
        return MPI_ERR_ARG;
    long procs = 1;
    for (int d = 0; d < ndims; d++) {
        if (gsizes[d] <= 0 || psizes[d] <= 0)
            return MPI_ERR_ARG;
        procs *= psizes[d];
    }
    if (procs != size)
        return MPI_ERR_ARG;
    size_t nd = (size_t)ndims;
    struct runs *runs = calloc(nd, sizeof *runs);
    int *cg = malloc(nd * sizeof *cg), *ints = malloc((4 * nd + 4) * sizeof *ints);
    rc = runs && cg && ints ? MPI_SUCCESS : MPI_ERR_NO_MEM;
    /* The process grid is row-major whatever the order (MPI-3.1 4.1.4). */
    int rest = rank;
    for (int d = ndims - 1; d >= 0 && rc == MPI_SUCCESS; d--) {
        int coord = rest % psizes[d];
        rest /= psizes[d];
        int c = order == MPI_ORDER_C ? d : ndims - 1 - d;
        cg[c] = gsizes[d];
        rc = darray_runs(&runs[c], gsizes[d], distribs[d], dargs[d], psizes[d], coord);
    }
    struct ipc__mpi_type *t = NULL;
    if (rc == MPI_SUCCESS && !(t = type_runs(ndims, cg, runs, old)))
        rc = MPI_ERR_NO_MEM;
    if (rc == MPI_SUCCESS) {
        int k = 0;
        ints[k++] = size;
        ints[k++] = rank;
        ints[k++] = ndims;
        for (const int *a[] = {gsizes, distribs, dargs, psizes}, **p = a; p < a + 4; p++)
            for (int d = 0; d < ndims; d++)
                ints[k++] = (*p)[d];
        ints[k++] = order;
        rc = type_publish(t, MPI_COMBINER_DARRAY, k, ints, 0, NULL, 1, &old, newtype);
    }
    for (size_t d = 0; runs && d < nd; d++)
        free(runs[d].start);
    free(runs);
    free(cg);
    free(ints);
    return rc;
}

int MPI_Type_create_darray(int size, int rank, int ndims, const int gsizes[],
                           const int distribs[], const int dargs[], const int psizes[],
                           int order, MPI_Datatype oldtype, MPI_Datatype *newtype)
{
    IPC__MPI_RET(MPI_COMM_WORLD, type_darray(size, rank, ndims, gsizes, distribs, dargs,
                                             psizes, order, oldtype, newtype));
}

/* ---- commit, free, queries ---- */

int MPI_Type_commit(MPI_Datatype *type)
{
    struct ipc__mpi_type *t = type ? ipc__mpi_type(*type) : NULL;
    if (!t)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_TYPE);
    t->committed = true;
    return MPI_SUCCESS;
}

int MPI_Type_free(MPI_Datatype *type)
{
    if (!type || *type < FIRST_DERIVED || !ipc__mpi_type(*type))
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_TYPE);
    ipc__mpi_type_attrs_delete(*type); /* the callbacks still see a valid handle */
    struct ipc__mpi_type *t = handles[*type - FIRST_DERIVED];
    handles[*type - FIRST_DERIVED] = NULL;
    ipc__mpi_type_unref(t);
    *type = MPI_DATATYPE_NULL;
    return MPI_SUCCESS;
}

/* t for the queries: MPI_ERR_TYPE unless valid, MPI_ERR_ARG unless both
 * outputs are given. */
static int query(MPI_Datatype type, const void *out1, const void *out2,
                 const struct ipc__mpi_type **t)
{
    if (!(*t = ipc__mpi_type(type)))
        return MPI_ERR_TYPE;
    return out1 && out2 ? MPI_SUCCESS : MPI_ERR_ARG;
}

int MPI_Type_size(MPI_Datatype type, int *size)
{
    const struct ipc__mpi_type *t;
    int rc = query(type, size, size, &t);
    if (rc == MPI_SUCCESS)
        *size = t->size > INT32_MAX ? MPI_UNDEFINED : (int)t->size;
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Type_size_x(MPI_Datatype type, MPI_Count *size)
{
    const struct ipc__mpi_type *t;
    int rc = query(type, size, size, &t);
    if (rc == MPI_SUCCESS)
        *size = (MPI_Count)t->size;
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Type_get_extent(MPI_Datatype type, MPI_Aint *lb, MPI_Aint *extent)
{
    const struct ipc__mpi_type *t;
    int rc = query(type, lb, extent, &t);
    if (rc == MPI_SUCCESS) {
        *lb = t->lb;
        *extent = t->extent;
    }
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Type_get_extent_x(MPI_Datatype type, MPI_Count *lb, MPI_Count *extent)
{
    const struct ipc__mpi_type *t;
    int rc = query(type, lb, extent, &t);
    if (rc == MPI_SUCCESS) {
        *lb = t->lb;
        *extent = t->extent;
    }
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Type_get_true_extent(MPI_Datatype type, MPI_Aint *true_lb, MPI_Aint *true_extent)
{
    const struct ipc__mpi_type *t;
    int rc = query(type, true_lb, true_extent, &t);
    if (rc == MPI_SUCCESS) {
        *true_lb = t->true_lb;
        *true_extent = t->true_extent;
    }
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Type_get_true_extent_x(MPI_Datatype type, MPI_Count *true_lb,
                               MPI_Count *true_extent)
{
    const struct ipc__mpi_type *t;
    int rc = query(type, true_lb, true_extent, &t);
    if (rc == MPI_SUCCESS) {
        *true_lb = t->true_lb;
        *true_extent = t->true_extent;
    }
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Type_get_envelope(MPI_Datatype type, int *num_integers, int *num_addresses,
                          int *num_datatypes, int *combiner)
{
    const struct ipc__mpi_type *t;
    int rc = query(type, num_integers, num_addresses, &t);
    if (rc == MPI_SUCCESS && (!num_datatypes || !combiner))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS) {
        *num_integers = t->ni;
        *num_addresses = t->na;
        *num_datatypes = t->nt;
        *combiner = t->combiner;
    }
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

/* Handles of the types t was built from: the predefined ones themselves,
 * new handles to derived ones (which the caller frees). */
static int contents_types(const struct ipc__mpi_type *t, MPI_Datatype datatypes[])
{
    for (int k = 0; k < t->nt; k++) {
        struct ipc__mpi_type *c = t->types[k];
        int rc = MPI_SUCCESS;
        if (c->predefined)
            datatypes[k] = (int)(c - predef);
        else
            rc = handle_new(c, &datatypes[k]);
        if (rc != MPI_SUCCESS) {
            while (k-- > 0)
                if (!t->types[k]->predefined)
                    MPI_Type_free(&datatypes[k]);
            return rc;
        }
    }
    return MPI_SUCCESS;
}

int MPI_Type_get_contents(MPI_Datatype type, int max_integers, int max_addresses,
                          int max_datatypes, int integers[], MPI_Aint addresses[],
                          MPI_Datatype datatypes[])
{
    const struct ipc__mpi_type *t = ipc__mpi_type(type);
    int rc = t ? MPI_SUCCESS : MPI_ERR_TYPE;
    if (rc == MPI_SUCCESS &&
        (t->combiner == MPI_COMBINER_NAMED || max_integers < t->ni ||
         max_addresses < t->na || max_datatypes < t->nt || (t->ni && !integers) ||
         (t->na && !addresses) || (t->nt && !datatypes)))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS) {
        if (t->ni)
            memcpy(integers, t->ints, (size_t)t->ni * sizeof *integers);
        if (t->na)
            memcpy(addresses, t->aints, (size_t)t->na * sizeof *addresses);
        rc = contents_types(t, datatypes);
    }
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Type_set_name(MPI_Datatype type, const char *name)
{
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    if (!t)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_TYPE);
    if (!name)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    snprintf(t->name, sizeof t->name, "%s", name);
    return MPI_SUCCESS;
}

int MPI_Type_get_name(MPI_Datatype type, char *name, int *resultlen)
{
    const struct ipc__mpi_type *t;
    int rc = query(type, name, resultlen, &t);
    if (rc == MPI_SUCCESS) {
        strcpy(name, t->name);
        *resultlen = (int)strlen(name);
    }
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

/* A predefined type of the class and size: Fortran's sized types first, as
 * the standard's examples, then the C types. */
int MPI_Type_match_size(int typeclass, int size, MPI_Datatype *type)
{
    static const int integer[] = {MPI_INTEGER1, MPI_INTEGER2, MPI_INTEGER4, MPI_INTEGER8};
    static const int real[] = {MPI_REAL4, MPI_REAL8, MPI_LONG_DOUBLE};
    static const int complex[] = {MPI_COMPLEX, MPI_DOUBLE_COMPLEX,
                                  MPI_C_LONG_DOUBLE_COMPLEX};
    const int *list = NULL;
    int n = 0;
    if (typeclass == MPI_TYPECLASS_INTEGER)
        list = integer, n = 4;
    else if (typeclass == MPI_TYPECLASS_REAL)
        list = real, n = 3;
    else if (typeclass == MPI_TYPECLASS_COMPLEX)
        list = complex, n = 3;
    if (!type || !list)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    for (int k = 0; k < n; k++) {
        if ((int)predef_def[list[k]].size == size) {
            *type = list[k];
            return MPI_SUCCESS;
        }
    }
    IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
}

int MPI_Get_address(const void *location, MPI_Aint *address)
{
    if (!address)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    *address = (MPI_Aint)(uintptr_t)location;
    return MPI_SUCCESS;
}

MPI_Aint MPI_Aint_add(MPI_Aint base, MPI_Aint disp)
{
    return (MPI_Aint)((unsigned long)base + (unsigned long)disp);
}

MPI_Aint MPI_Aint_diff(MPI_Aint addr1, MPI_Aint addr2)
{
    return (MPI_Aint)((unsigned long)addr1 - (unsigned long)addr2);
}

/* ---- counts ---- */

static int get_elements(const MPI_Status *status, MPI_Datatype type, MPI_Count *count,
                        bool elements)
{
    const struct ipc__mpi_type *t;
    int rc = query(type, status, count, &t);
    if (rc != MPI_SUCCESS)
        return rc;
    size_t bytes = status->ipc__bytes;
    bool exact = true;
    if (!t->size)
        *count = bytes ? MPI_UNDEFINED : 0;
    else if (!elements)
        *count = bytes % t->size ? MPI_UNDEFINED : (MPI_Count)(bytes / t->size);
    else
        *count = (MPI_Count)ipc__mpi_elements(t, bytes, &exact);
    if (!exact) /* the bytes end inside a basic element */
        *count = MPI_UNDEFINED;
    return MPI_SUCCESS;
}

/* A count for an int: MPI_UNDEFINED when it does not fit. */
static int int_count(MPI_Count n)
{
    return n > INT32_MAX ? MPI_UNDEFINED : (int)n;
}

int MPI_Get_count(const MPI_Status *status, MPI_Datatype type, int *count)
{
    MPI_Count n = 0;
    int rc = get_elements(status, type, count ? &n : NULL, false);
    if (rc == MPI_SUCCESS)
        *count = int_count(n);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Get_elements(const MPI_Status *status, MPI_Datatype type, int *count)
{
    MPI_Count n = 0;
    int rc = get_elements(status, type, count ? &n : NULL, true);
    if (rc == MPI_SUCCESS)
        *count = int_count(n);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Get_elements_x(const MPI_Status *status, MPI_Datatype type, MPI_Count *count)
{
    IPC__MPI_RET(MPI_COMM_WORLD, get_elements(status, type, count, true));
}
