/* rma_ops.c - what every one-sided communication call moves (MPI-3.1 11.3).
 *
 * Each rank is the origin of one operation per case on its right neighbour
 * and the target of its left one. A case is a call (MPI_Put, Get,
 * Accumulate, Get_accumulate, Fetch_and_op, Compare_and_swap and the
 * request forms Rput, Rget, Raccumulate, Rget_accumulate), a basic type
 * (int, long long, double, float, unsigned char, unsigned short,
 * MPI_DOUBLE_INT, MPI_2INT) with a predefined op that accumulates allow on
 * it (SUM, PROD, MIN, MAX, LAND, LOR, LXOR, BAND, BOR, BXOR, REPLACE,
 * NO_OP, MAXLOC, MINLOC), and three layouts of six elements drawn from
 * contiguous, vector, indexed, struct of one basic type, resized and
 * hvector, independently for origin, target and result buffers (different
 * types with the same type signature). Cases run in every synchronization
 * mode (fence; post/start/complete/wait; lock shared and exclusive;
 * lock_all with MPI_Win_flush, flush_all and flush_local; the request forms
 * only in passive target epochs) on windows from MPI_Win_create (disp_unit
 * 8), MPI_Win_allocate and MPI_Win_create_dynamic + MPI_Win_attach (the
 * addresses exchanged with MPI_Get_address and MPI_Allgather). Each (call,
 * type, op) runs once per window kind, in one mode chosen by rotation.
 * Expected contents are computed locally: every element of the target's
 * 16-element region, gaps included, the bytes around it, the origin buffer
 * and the result buffer (checked as soon as the call is complete at the
 * origin: after MPI_Wait, flush or flush_local).
 *
 * Usage: rma_ops [seed]
 * MPITEST_RANKS: 2 3 4
 */
#include <stdint.h>

#include "mpicheck.h"

enum type {
    T_INT,
    T_LL,
    T_DOUBLE,
    T_FLOAT,
    T_UCHAR,
    T_USHORT,
    T_DOUBLE_INT,
    T_2INT,
    NTYPE
};
static const char *const type_names[NTYPE] = {
    "int",           "long long",      "double",         "float",
    "unsigned char", "unsigned short", "MPI_DOUBLE_INT", "MPI_2INT"};

enum op {
    O_SUM,
    O_PROD,
    O_MIN,
    O_MAX,
    O_LAND,
    O_LOR,
    O_LXOR,
    O_BAND,
    O_BOR,
    O_BXOR,
    O_REPLACE,
    O_NO_OP,
    O_MAXLOC,
    O_MINLOC,
    NOP
};
static const char *const op_names[NOP] = {"SUM",     "PROD",  "MIN",    "MAX",   "LAND",
                                          "LOR",     "LXOR",  "BAND",   "BOR",   "BXOR",
                                          "REPLACE", "NO_OP", "MAXLOC", "MINLOC"};

enum call {
    C_PUT,
    C_GET,
    C_ACC,
    C_GACC,
    C_FOP,
    C_CAS,
    C_RPUT,
    C_RGET,
    C_RACC,
    C_RGACC,
    NCALL
};
static const char *const call_names[NCALL] = {"MPI_Put",          "MPI_Get",
                                              "MPI_Accumulate",   "MPI_Get_accumulate",
                                              "MPI_Fetch_and_op", "MPI_Compare_and_swap",
                                              "MPI_Rput",         "MPI_Rget",
                                              "MPI_Raccumulate",  "MPI_Rget_accumulate"};

enum sync {
    S_FENCE,
    S_PSCW,
    S_LOCK_SHARED,
    S_LOCK_EXCL,
    S_LA_FLUSH,
    S_LA_FLUSH_ALL,
    S_LA_FLUSH_LOCAL,
    NSYNC
};
static const char *const sync_names[NSYNC] = {
    "fence",          "post/start/complete/wait", "lock shared",         "lock exclusive",
    "lock_all+flush", "lock_all+flush_all",       "lock_all+flush_local"};

enum wkind { W_CREATE, W_ALLOCATE, W_DYNAMIC, NWKIND };
static const char *const wkind_names[NWKIND] = {"MPI_Win_create", "MPI_Win_allocate",
                                                "MPI_Win_create_dynamic"};

enum layout { L_CONTIG, L_VECTOR, L_INDEXED, L_STRUCT, L_RESIZED, L_HVECTOR, NLAYOUT };
static const char *const layout_names[NLAYOUT] = {"contiguous", "vector",  "indexed",
                                                  "struct",     "resized", "hvector"};

/* Six elements per operation in a region of sixteen; an element is at most
 * 16 bytes (MPI_DOUBLE_INT). The region sits OFF bytes into the window. */
enum {
    NEL = 6,
    NREG = 16,
    MAXEXT = 16,
    REGION = NREG * MAXEXT,
    OFF = 64,
    WINBYTES = OFF + REGION + 64,
    SENTINEL = 0xa5
};

struct dbl_int {
    double v;
    int i;
};
struct int_int {
    int v;
    int i;
};

struct rcase {
    int call, type, op; /* op: the equal flag for C_CAS */
    int lay[3];         /* origin, target, result */
    int pos;            /* target element of C_FOP and C_CAS */
};

static int rank, size, left, right;
static uint64_t seed = 1;

static uint64_t mix(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

static uint64_t draw(int k, int who, int buf, int j)
{
    return mix(mix(mix(seed * 1000003u + (uint64_t)k) + (uint64_t)who * 7919u) +
               (uint64_t)buf * 131u + (uint64_t)j);
}

/* Automatic arrays: an MPI's handles need not be constant expressions. */
static MPI_Datatype mpi_type(int t)
{
    const MPI_Datatype types[NTYPE] = {
        MPI_INT,           MPI_LONG_LONG,      MPI_DOUBLE,     MPI_FLOAT,
        MPI_UNSIGNED_CHAR, MPI_UNSIGNED_SHORT, MPI_DOUBLE_INT, MPI_2INT};
    return types[t];
}

static MPI_Op mpi_op(int op)
{
    const MPI_Op ops[NOP] = {MPI_SUM,     MPI_PROD,  MPI_MIN,    MPI_MAX,   MPI_LAND,
                             MPI_LOR,     MPI_LXOR,  MPI_BAND,   MPI_BOR,   MPI_BXOR,
                             MPI_REPLACE, MPI_NO_OP, MPI_MAXLOC, MPI_MINLOC};
    return ops[op];
}

static size_t ext_of(int t)
{
    static const size_t ext[NTYPE] = {sizeof(int),
                                      sizeof(long long),
                                      sizeof(double),
                                      sizeof(float),
                                      sizeof(unsigned char),
                                      sizeof(unsigned short),
                                      sizeof(struct dbl_int),
                                      sizeof(struct int_int)};
    return ext[t];
}

static int is_pair(int t)
{
    return t == T_DOUBLE_INT || t == T_2INT;
}

static int is_integer(int t)
{
    return t == T_INT || t == T_LL || t == T_UCHAR || t == T_USHORT;
}

/* MPI-3.1 5.9.2 and 11.3.4: which predefined op the call allows on the type. */
static int op_allowed(int call, int op, int t)
{
    if (op == O_NO_OP && call != C_GACC && call != C_RGACC && call != C_FOP)
        return 0;
    if (op == O_REPLACE || op == O_NO_OP)
        return 1;
    if (op == O_MAXLOC || op == O_MINLOC)
        return is_pair(t);
    if (is_pair(t))
        return 0;
    if (op >= O_LAND && op <= O_BXOR)
        return is_integer(t);
    return 1;
}

/* Elements by kind: integers through long long, reals through double (both
 * exact for the values used here), pairs as (value, location). */
static long long load_int(int t, const unsigned char *p)
{
    if (t == T_INT)
        return *(const int *)p;
    if (t == T_LL)
        return *(const long long *)p;
    return t == T_UCHAR ? *p : *(const unsigned short *)p;
}

static void store_int(int t, unsigned char *p, long long v)
{
    if (t == T_INT)
        *(int *)p = (int)v;
    else if (t == T_LL)
        *(long long *)p = v;
    else if (t == T_UCHAR)
        *p = (unsigned char)v; /* modulo 256, as the MPI computes it */
    else
        *(unsigned short *)p = (unsigned short)v;
}

static double load_real(int t, const unsigned char *p)
{
    return t == T_DOUBLE ? *(const double *)p : *(const float *)p;
}

static void store_real(int t, unsigned char *p, double v)
{
    if (t == T_DOUBLE)
        *(double *)p = v;
    else
        *(float *)p = (float)v;
}

static void load_pair(int t, const unsigned char *p, double *v, int *loc)
{
    if (t == T_DOUBLE_INT) {
        *v = ((const struct dbl_int *)p)->v;
        *loc = ((const struct dbl_int *)p)->i;
    } else {
        *v = ((const struct int_int *)p)->v;
        *loc = ((const struct int_int *)p)->i;
    }
}

static void store_pair(int t, unsigned char *p, double v, int loc)
{
    if (t == T_DOUBLE_INT) {
        ((struct dbl_int *)p)->v = v;
        ((struct dbl_int *)p)->i = loc;
    } else {
        ((struct int_int *)p)->v = (int)v;
        ((struct int_int *)p)->i = loc;
    }
}

/* A value for an element, small enough that every op on two of them is
 * exact (halves for reals, ties for MAXLOC and MINLOC). */
static void set_value(int t, int op, unsigned char *p, uint64_t r)
{
    long long v;
    if (op >= O_LAND && op <= O_LXOR)
        v = (long long)(r % 3);
    else if (op >= O_BAND && op <= O_BXOR)
        v = (long long)(r >> 1);
    else if (op == O_PROD)
        v = (long long)(r % 7) - 3;
    else if (is_pair(t))
        v = (long long)(r % 4);
    else if (t == T_LL)
        v = (long long)(r >> 2) * ((r & 1) ? -1 : 1);
    else
        v = (long long)(r % 2001) - 1000;
    if (is_integer(t))
        store_int(t, p, v);
    else if (!is_pair(t))
        store_real(t, p, (double)v / 2);
    else
        store_pair(t, p, t == T_DOUBLE_INT ? (double)v / 2 : (double)v,
                   (int)((r >> 16) % 50));
}

static int elem_equal(int t, const unsigned char *a, const unsigned char *b)
{
    double av, bv;
    int al, bl;
    if (is_integer(t))
        return load_int(t, a) == load_int(t, b);
    if (!is_pair(t))
        return load_real(t, a) == load_real(t, b);
    load_pair(t, a, &av, &al);
    load_pair(t, b, &bv, &bl);
    return av == bv && al == bl;
}

static const char *elem_str(int t, const unsigned char *p, char *s)
{
    double v;
    int loc;
    if (is_integer(t)) {
        sprintf(s, "%lld", load_int(t, p));
    } else if (!is_pair(t)) {
        sprintf(s, "%.9g", load_real(t, p));
    } else {
        load_pair(t, p, &v, &loc);
        sprintf(s, "(%.9g, %d)", v, loc);
    }
    return s;
}

/* a op b for integers and reals (MPI_NO_OP: a). Only the op's own
 * expression is evaluated: the others could overflow. */
static long long combine_int(int op, long long a, long long b)
{
    switch (op) {
    case O_SUM:
        return a + b;
    case O_PROD:
        return a * b;
    case O_MIN:
        return b < a ? b : a;
    case O_MAX:
        return b > a ? b : a;
    case O_LAND:
        return a && b;
    case O_LOR:
        return a || b;
    case O_LXOR:
        return !a != !b;
    case O_BAND:
        return a & b;
    case O_BOR:
        return a | b;
    case O_BXOR:
        return a ^ b;
    case O_REPLACE:
        return b;
    default:
        return a;
    }
}

static double combine_real(int op, double a, double b)
{
    const double r[NOP] = {
        a + b, a * b, b < a ? b : a, b > a ? b : a, a, a, a, a, a, a, b, a, a, a};
    return r[op];
}

/* Target element tp becomes tp op oe (oe: the origin's element). */
static void apply(int op, int t, unsigned char *tp, const unsigned char *oe)
{
    double tv, ov;
    int tl, ol;
    if (is_integer(t)) {
        store_int(t, tp, combine_int(op, load_int(t, tp), load_int(t, oe)));
    } else if (!is_pair(t)) {
        store_real(t, tp, combine_real(op, load_real(t, tp), load_real(t, oe)));
    } else {
        load_pair(t, tp, &tv, &tl);
        load_pair(t, oe, &ov, &ol);
        if (op == O_REPLACE || (op == O_MAXLOC && (ov > tv || (ov == tv && ol < tl))) ||
            (op == O_MINLOC && (ov < tv || (ov == tv && ol < tl))))
            store_pair(t, tp, ov, ol);
    }
}

/* Bugs of other MPIs, seen with Open MPI 4.1.4 and MPICH 4.0.2, that this
 * program steps around there (ipc gets every case):
 * Open MPI's default one-sided component, osc/rdma,
 * - takes MPI_DOUBLE_INT for 12 contiguous bytes in accumulates, so from
 *   the second element on they land in the wrong place;
 * - writes zeros to the result buffer of MPI_Get_accumulate as soon as one
 *   of its three datatypes is derived, even MPI_Type_contiguous: there
 *   get-accumulates use basic datatypes only;
 * - leaves the target as it was in MPI_LAND, MPI_LOR and MPI_LXOR
 *   accumulates;
 * - crashes in btl/vader on MPI_Compare_and_swap (and the other fetching
 *   calls) of an 8-byte type in a window of MPI_Win_allocate under a lock.
 * MPICH
 * - compares unsigned char and unsigned short as signed in MPI_MIN and
 *   MPI_MAX accumulates;
 * - completes MPI_Wait on MPI_Rget and MPI_Rget_accumulate before the data
 *   is in the buffer: there the buffers are checked after the flush or
 *   unlock only. */
static int skip_case(int wk, int call, int t, int op)
{
#if defined(OPEN_MPI)
    if (wk == W_ALLOCATE && ext_of(t) == 8 &&
        (call == C_GACC || call == C_RGACC || call == C_FOP || call == C_CAS))
        return 1;
    if (t == T_DOUBLE_INT && call != C_PUT && call != C_GET && call != C_RPUT &&
        call != C_RGET)
        return 1;
    return call != C_CAS && op >= O_LAND && op <= O_LXOR;
#elif defined(MPICH)
    (void)wk, (void)call;
    return (t == T_UCHAR || t == T_USHORT) && (op == O_MIN || op == O_MAX);
#else
    (void)wk, (void)call, (void)t, (void)op;
    return 0;
#endif
}

static int basic_types_only(int call)
{
#if defined(OPEN_MPI)
    return call == C_GACC || call == C_RGACC;
#else
    (void)call;
    return 0;
#endif
}

#if defined(MPICH)
enum { WAIT_COMPLETES_GETS = 0 };
#else
enum { WAIT_COMPLETES_GETS = 1 };
#endif

/* The datatype and count of a layout of NEL elements of basic type b, and
 * the element index of each in the region. */
static void make_layout(int lay, MPI_Datatype b, MPI_Aint ext, MPI_Datatype *dt,
                        int *count, int pos[NEL])
{
    static const int positions[NLAYOUT][NEL] = {
        {0, 1, 2, 3, 4, 5},  {0, 1, 5, 6, 10, 11}, {1, 4, 5, 6, 9, 10},
        {3, 4, 7, 8, 9, 10}, {0, 3, 6, 9, 12, 15}, {2, 3, 4, 10, 11, 12}};
    memcpy(pos, positions[lay], sizeof positions[lay]);
    *count = 1;
    switch (lay) {
    case L_CONTIG:
        *dt = b;
        *count = NEL;
        return;
    case L_VECTOR:
        MPI_Type_vector(3, 2, 5, b, dt);
        break;
    case L_INDEXED: {
        int bl[3] = {1, 3, 2}, disp[3] = {1, 4, 9};
        MPI_Type_indexed(3, bl, disp, b, dt);
        break;
    }
    case L_STRUCT: {
        int bl[2] = {2, 4};
        MPI_Aint disp[2] = {3 * ext, 7 * ext};
        MPI_Datatype types[2] = {b, b};
        MPI_Type_create_struct(2, bl, disp, types, dt);
        break;
    }
    case L_RESIZED:
        MPI_Type_create_resized(b, 0, 3 * ext, dt);
        *count = NEL;
        break;
    default: {
        MPI_Datatype three, hv;
        int one = 1;
        MPI_Aint two = 2 * ext;
        MPI_Type_contiguous(3, b, &three);
        MPI_Type_create_hvector(2, 1, 8 * ext, three, &hv);
        MPI_Type_create_struct(1, &one, &two, &hv, dt); /* starts two elements in */
        MPI_Type_free(&three);
        MPI_Type_free(&hv);
        break;
    }
    }
    MPI_Type_commit(dt);
}

struct win {
    MPI_Win win;
    int kind, disp_unit;
    unsigned char *mem; /* the window's bytes at this rank */
    MPI_Aint *base;     /* W_DYNAMIC: every rank's attached address */
};

static MPI_Aint target_disp(const struct win *w, int target, size_t byte_off)
{
    if (w->kind == W_DYNAMIC)
        return MPI_Aint_add(w->base[target], (MPI_Aint)byte_off);
    return (MPI_Aint)(byte_off / (size_t)w->disp_unit);
}

static void open_win(struct win *w, int kind)
{
    w->kind = kind;
    w->base = NULL;
    w->disp_unit = kind == W_CREATE ? 8 : 1;
    if (kind == W_CREATE) {
        w->mem = malloc(WINBYTES);
        CHECK(w->mem, "malloc");
        CHECK_INT(MPI_Win_create(w->mem, WINBYTES, w->disp_unit, MPI_INFO_NULL,
                                 MPI_COMM_WORLD, &w->win),
                  MPI_SUCCESS, "MPI_Win_create");
    } else if (kind == W_ALLOCATE) {
        CHECK_INT(MPI_Win_allocate(WINBYTES, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &w->mem,
                                   &w->win),
                  MPI_SUCCESS, "MPI_Win_allocate");
    } else {
        MPI_Aint mine;
        w->mem = malloc(WINBYTES);
        w->base = malloc(sizeof *w->base * (size_t)size);
        CHECK(w->mem && w->base, "malloc");
        CHECK_INT(MPI_Win_create_dynamic(MPI_INFO_NULL, MPI_COMM_WORLD, &w->win),
                  MPI_SUCCESS, "MPI_Win_create_dynamic");
        CHECK_INT(MPI_Win_attach(w->win, w->mem, WINBYTES), MPI_SUCCESS,
                  "MPI_Win_attach");
        MPI_Get_address(w->mem, &mine);
        MPI_Allgather(&mine, 1, MPI_AINT, w->base, 1, MPI_AINT, MPI_COMM_WORLD);
    }
}

static void close_win(struct win *w)
{
    if (w->kind == W_DYNAMIC)
        CHECK_INT(MPI_Win_detach(w->win, w->mem), MPI_SUCCESS, "MPI_Win_detach");
    CHECK_INT(MPI_Win_free(&w->win), MPI_SUCCESS, "MPI_Win_free");
    if (w->kind != W_ALLOCATE)
        free(w->mem);
    free(w->base);
}

static union {
    long long align;
    unsigned char b[REGION];
} obuf, rbuf, cbuf;

/* Buffer contents of case k at rank who: 0 origin, 1 target region,
 * 2 result, 3 compare. */
static void fill(const struct rcase *c, int k, int who, int buf, unsigned char *p)
{
    size_t ext = ext_of(c->type);
    memset(p, 0, REGION);
    for (int j = 0; j < NREG; j++)
        set_value(c->type, c->op, p + (size_t)j * ext, draw(k, who, buf, j));
}

/* What the case leaves in the target region of trank, origin buffer and
 * result buffer of orank. */
static void expect(const struct rcase *c, int k, int trank, int orank, unsigned char *tw,
                   unsigned char *ow, unsigned char *rw)
{
    size_t ext = ext_of(c->type);
    int pos[3][NEL], count;
    MPI_Datatype dt;
    fill(c, k, trank, 1, tw);
    fill(c, k, orank, 0, ow);
    fill(c, k, orank, 2, rw);
    for (int s = 0; s < 3; s++) {
        make_layout(c->lay[s], mpi_type(c->type), (MPI_Aint)ext, &dt, &count, pos[s]);
        if (c->lay[s] != L_CONTIG)
            MPI_Type_free(&dt);
    }
    unsigned char *t1 = tw + (size_t)c->pos * ext;
    switch (c->call) {
    case C_FOP:
        memcpy(rw, t1, ext);
        apply(c->op, c->type, t1, ow);
        return;
    case C_CAS:
        memcpy(rw, t1, ext);
        if (c->op)
            memcpy(t1, ow, ext);
        return;
    default:
        break;
    }
    for (int e = 0; e < NEL; e++) {
        unsigned char *o = ow + (size_t)pos[0][e] * ext,
                      *t = tw + (size_t)pos[1][e] * ext;
        unsigned char *r = rw + (size_t)pos[2][e] * ext;
        switch (c->call) {
        case C_PUT:
        case C_RPUT:
            memcpy(t, o, ext);
            break;
        case C_GET:
        case C_RGET:
            memcpy(o, t, ext);
            break;
        case C_GACC:
        case C_RGACC:
            memcpy(r, t, ext); /* fall through */
        default:
            apply(c->op, c->type, t, o);
        }
    }
}

static char what[400];

static int moves_only(int call)
{
    return call == C_PUT || call == C_GET || call == C_RPUT || call == C_RGET;
}

static void describe(const struct rcase *c, int k, const struct win *w, int sync)
{
    const char *how = "";
    if (c->call == C_CAS)
        how = c->op ? ", equal" : ", unequal";
    else if (!moves_only(c->call))
        how = op_names[c->op];
    snprintf(what, sizeof what, "%s, %s, case %d: %s of %s%s%s%s, layouts %s/%s/%s",
             wkind_names[w->kind], sync_names[sync], k, call_names[c->call],
             type_names[c->type], c->call == C_CAS || !*how ? "" : ", MPI_", how,
             c->call == C_FOP || c->call == C_CAS ? " (one element)" : "",
             layout_names[c->lay[0]], layout_names[c->lay[1]], layout_names[c->lay[2]]);
}

static void compare(const struct rcase *c, const unsigned char *got,
                    const unsigned char *want, const char *buf)
{
    char g[64], x[64];
    size_t ext = ext_of(c->type);
    for (int j = 0; j < NREG; j++)
        CHECK(elem_equal(c->type, got + (size_t)j * ext, want + (size_t)j * ext),
              "%s: %s element %d is %s, expected %s", what, buf, j,
              elem_str(c->type, got + (size_t)j * ext, g),
              elem_str(c->type, want + (size_t)j * ext, x));
}

static void check_origin(const struct rcase *c, int k)
{
    unsigned char tw[REGION], ow[REGION], rw[REGION];
    expect(c, k, right, rank, tw, ow, rw);
    compare(c, obuf.b, ow, "origin buffer");
    compare(c, rbuf.b, rw, "result buffer");
}

/* The target region of case k, the bytes around it, then the next case's
 * contents written in (when there is one). */
static void check_target_and_reset(const struct rcase *c, int k, const struct rcase *next,
                                   const struct win *w)
{
    unsigned char tw[REGION], ow[REGION], rw[REGION];
    size_t used = NREG * ext_of(c->type);
    expect(c, k, rank, left, tw, ow, rw);
    compare(c, w->mem + OFF, tw, "target window");
    for (size_t b = 0; b < WINBYTES; b++)
        CHECK(w->mem[b] == SENTINEL || (b >= OFF && b < OFF + used),
              "%s: window byte %zu outside the region is 0x%02x", what, b, w->mem[b]);
    if (next) {
        memset(w->mem + OFF, SENTINEL, REGION);
        fill(next, k + 1, rank, 1, tw);
        memcpy(w->mem + OFF, tw, NREG * ext_of(next->type));
    }
}

static void prepare_origin(const struct rcase *c, int k)
{
    fill(c, k, rank, 0, obuf.b);
    fill(c, k, rank, 2, rbuf.b);
    fill(c, k, rank, 3, cbuf.b);
    size_t ext = ext_of(c->type);
    unsigned char t1[REGION];
    fill(c, k, right, 1, t1);
    if (c->call == C_CAS && c->op) /* the compare value is the target's */
        memcpy(cbuf.b, t1 + (size_t)c->pos * ext, ext);
    else if (c->call == C_CAS && elem_equal(c->type, cbuf.b, t1 + (size_t)c->pos * ext))
        cbuf.b[0] ^= 1;
}

static MPI_Request issue(const struct rcase *c, const struct win *w)
{
    MPI_Datatype b = mpi_type(c->type), dt[3];
    MPI_Aint ext = (MPI_Aint)ext_of(c->type);
    MPI_Op op = mpi_op(c->op);
    MPI_Request req = MPI_REQUEST_NULL;
    int n[3], pos[NEL], rc;
    for (int s = 0; s < 3; s++)
        make_layout(c->lay[s], b, ext, &dt[s], &n[s], pos);
    unsigned char *o = obuf.b, *r = rbuf.b;
    MPI_Aint td = target_disp(w, right, OFF);
    MPI_Aint t1 = target_disp(w, right, OFF + (size_t)c->pos * (size_t)ext);
    switch (c->call) {
    case C_PUT:
        rc = MPI_Put(o, n[0], dt[0], right, td, n[1], dt[1], w->win);
        break;
    case C_GET:
        rc = MPI_Get(o, n[0], dt[0], right, td, n[1], dt[1], w->win);
        break;
    case C_ACC:
        rc = MPI_Accumulate(o, n[0], dt[0], right, td, n[1], dt[1], op, w->win);
        break;
    case C_GACC:
        rc = MPI_Get_accumulate(o, n[0], dt[0], r, n[2], dt[2], right, td, n[1], dt[1],
                                op, w->win);
        break;
    case C_FOP:
        rc = MPI_Fetch_and_op(obuf.b, rbuf.b, b, right, t1, op, w->win);
        break;
    case C_CAS:
        rc = MPI_Compare_and_swap(obuf.b, cbuf.b, rbuf.b, b, right, t1, w->win);
        break;
    case C_RPUT:
        rc = MPI_Rput(o, n[0], dt[0], right, td, n[1], dt[1], w->win, &req);
        break;
    case C_RGET:
        rc = MPI_Rget(o, n[0], dt[0], right, td, n[1], dt[1], w->win, &req);
        break;
    case C_RACC:
        rc = MPI_Raccumulate(o, n[0], dt[0], right, td, n[1], dt[1], op, w->win, &req);
        break;
    default:
        rc = MPI_Rget_accumulate(o, n[0], dt[0], r, n[2], dt[2], right, td, n[1], dt[1],
                                 op, w->win, &req);
    }
    CHECK(rc == MPI_SUCCESS, "%s: the call returned %d", what, rc);
    /* Freed while the operation may be pending: it keeps what it needs. */
    for (int s = 0; s < 3; s++)
        if (c->lay[s] != L_CONTIG)
            MPI_Type_free(&dt[s]);
    return req;
}

static int passive(int sync)
{
    return sync >= S_LOCK_SHARED;
}

static int is_request(int call)
{
    return call >= C_RPUT;
}

/* One case: the epoch at the origin, the origin's buffers as soon as the
 * call is complete there, then the target's region. */
static void run_case(const struct rcase *c, int k, const struct rcase *next,
                     const struct win *w, int sync, MPI_Group g_left, MPI_Group g_right)
{
    describe(c, k, w, sync);
    prepare_origin(c, k);
    if (sync == S_FENCE) {
        MPI_Win_fence(0, w->win);
        issue(c, w);
        MPI_Win_fence(0, w->win);
        check_origin(c, k);
        check_target_and_reset(c, k, next, w);
        return;
    }
    if (sync == S_PSCW) {
        MPI_Win_post(g_left, 0, w->win);
        MPI_Win_start(g_right, 0, w->win);
        issue(c, w);
        MPI_Win_complete(w->win);
        check_origin(c, k);
        MPI_Win_wait(w->win);
        check_target_and_reset(c, k, next, w);
        return;
    }
    if (sync == S_LOCK_SHARED || sync == S_LOCK_EXCL)
        MPI_Win_lock(sync == S_LOCK_SHARED ? MPI_LOCK_SHARED : MPI_LOCK_EXCLUSIVE, right,
                     0, w->win);
    else
        MPI_Win_lock_all(0, w->win);
    MPI_Request req = issue(c, w);
    if (is_request(c->call)) {
        CHECK_INT(MPI_Wait(&req, MPI_STATUS_IGNORE), MPI_SUCCESS, what);
        if (WAIT_COMPLETES_GETS || c->call == C_RPUT || c->call == C_RACC)
            check_origin(c, k);
    }
    if (sync == S_LA_FLUSH)
        MPI_Win_flush(right, w->win);
    else if (sync == S_LA_FLUSH_ALL)
        MPI_Win_flush_all(w->win);
    else if (sync == S_LA_FLUSH_LOCAL)
        MPI_Win_flush_local(right, w->win);
    if (sync >= S_LA_FLUSH)
        check_origin(c, k);
    if (sync == S_LOCK_SHARED || sync == S_LOCK_EXCL)
        MPI_Win_unlock(right, w->win);
    else
        MPI_Win_unlock_all(w->win);
    check_origin(c, k);
    MPI_Barrier(MPI_COMM_WORLD); /* every operation on this rank's window is done */
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, rank, 0, w->win);
    check_target_and_reset(c, k, next, w);
    MPI_Win_unlock(rank, w->win);
    MPI_Barrier(MPI_COMM_WORLD); /* the next case's contents are in place */
}

/* Cases of (window kind, sync): each (call, type, op) that the mode allows,
 * one mode in n per window kind, by rotation. */
static int build_cases(int wk, int sync, int k0, struct rcase *out)
{
    int n = 0;
    for (int call = 0; call < NCALL; call++) {
        if (is_request(call) && !passive(sync))
            continue;
        int modes = is_request(call) ? NSYNC - S_LOCK_SHARED : NSYNC;
        int mode = is_request(call) ? sync - S_LOCK_SHARED : sync;
        int j = 0;
        for (int t = 0; t < NTYPE; t++) {
            int nops =
                call == C_CAS ? 2
                : (call == C_PUT || call == C_GET || call == C_RPUT || call == C_RGET)
                    ? 1
                    : NOP;
            if (call == C_CAS && !is_integer(t))
                continue;
            for (int op = 0; op < nops; op++) {
                int bare = call == C_CAS || nops == 1;
                if (!bare && !op_allowed(call, op, t))
                    continue;
                if (skip_case(wk, call, t, op))
                    continue;
                if ((j++ + wk) % modes != mode)
                    continue;
                struct rcase *c = &out[n];
                uint64_t r = draw(k0 + n, -1, 9, 0);
                c->call = call;
                c->type = t;
                c->op = bare && call != C_CAS ? O_REPLACE : op;
                for (int s = 0; s < 3; s++)
                    c->lay[s] = (int)((r >> (8 * s)) % NLAYOUT);
                if (basic_types_only(call))
                    c->lay[0] = c->lay[1] = c->lay[2] = L_CONTIG;
                c->pos = (int)((r >> 32) % NREG);
                while (wk == W_CREATE && ((size_t)c->pos * ext_of(t)) % 8)
                    c->pos--;
                n++;
            }
        }
    }
    return n;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("rma_ops", &rank, &size);
    if (argc > 1)
        seed = strtoull(argv[1], NULL, 0);
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    for (int t = 0; t < NTYPE; t++) {
        MPI_Aint lb, ext;
        MPI_Type_get_extent(mpi_type(t), &lb, &ext);
        CHECK(ext == (MPI_Aint)ext_of(t), "extent of %s is %ld, the C type's is %zu",
              type_names[t], (long)ext, ext_of(t));
    }
    MPI_Group world, g_left, g_right;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    MPI_Group_incl(world, 1, &left, &g_left);
    MPI_Group_incl(world, 1, &right, &g_right);
    static struct rcase cases[NCALL * NTYPE * NOP];
    int k = 0, total = 0;
    for (int wk = 0; wk < NWKIND; wk++) {
        for (int sync = 0; sync < NSYNC; sync++) {
            struct win w;
            int n = build_cases(wk, sync, k, cases);
            open_win(&w, wk);
            if (passive(sync))
                MPI_Win_lock(MPI_LOCK_EXCLUSIVE, rank, 0, w.win);
            memset(w.mem, SENTINEL, WINBYTES);
            unsigned char tw[REGION];
            fill(&cases[0], k, rank, 1, tw);
            memcpy(w.mem + OFF, tw, NREG * ext_of(cases[0].type));
            if (passive(sync))
                MPI_Win_unlock(rank, w.win);
            MPI_Barrier(MPI_COMM_WORLD);
            for (int i = 0; i < n; i++)
                run_case(&cases[i], k + i, i + 1 < n ? &cases[i + 1] : NULL, &w, sync,
                         g_left, g_right);
            close_win(&w);
            k += n;
            total += n;
        }
    }
    CHECK(total > 300, "only %d cases", total);
    MPI_Group_free(&g_left);
    MPI_Group_free(&g_right);
    MPI_Group_free(&world);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
