/* ddt_reduce.c - reductions on every predefined type MPI-3.1 (5.9.2) allows
 * them on: each op of the C integer types (fixed-width ones included), the
 * multi-language types, floating point, complex (MPI_SUM, MPI_PROD),
 * logical, byte, and MPI_MINLOC/MPI_MAXLOC on every pair type; and
 * MPI_ERR_OP, under MPI_ERRORS_RETURN, for pairings the standard forbids. */
#include <complex.h>
#include <stdbool.h>
#include <stdint.h>

#include "mpicheck.h"

enum { N = 3 }; /* elements per reduction */

static int rank, size;

/* Every element of the result of op over `in` (N elements of type) on all
 * ranks is compared by the caller. */
static void reduce(const void *in, void *out, MPI_Datatype type, MPI_Op op)
{
    MPI_Allreduce(in, out, N, type, op, MPI_COMM_WORLD);
}

/* rank + 1 on each rank: sum n(n+1)/2, product n!, min 1, max n. Logical:
 * LAND of (rank != 1), LOR of (rank == last), LXOR of 1. Bitwise: BAND of
 * 0x10 | 1 << rank, BOR of 1 << rank, BXOR of 3. */
#define INTEGER_TEST(T, type, logical)                                                   \
    do {                                                                                 \
        T in[N], out[N];                                                                 \
        long long fact = 1;                                                              \
        for (int r = 1; r <= size; r++)                                                  \
            fact *= r;                                                                   \
        const struct {                                                                   \
            MPI_Op op;                                                                   \
            long long in, want;                                                          \
            bool run;                                                                    \
        } cases[] = {                                                                    \
            {MPI_SUM, rank + 1, size * (size + 1) / 2, true},                            \
            {MPI_PROD, rank + 1, fact, true},                                            \
            {MPI_MIN, rank + 1, 1, true},                                                \
            {MPI_MAX, rank + 1, size, true},                                             \
            {MPI_LAND, rank != 1, size < 2, logical},                                    \
            {MPI_LOR, rank == size - 1, 1, logical},                                     \
            {MPI_LXOR, 1, size % 2, logical},                                            \
            {MPI_BAND, 0x10 | 1 << rank, 0x10 | (size == 1), true},                      \
            {MPI_BOR, 1 << rank, (1 << size) - 1, true},                                 \
            {MPI_BXOR, 3, size % 2 ? 3 : 0, true},                                       \
        };                                                                               \
        for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {                      \
            if (!cases[c].run)                                                           \
                continue;                                                                \
            for (int i = 0; i < N; i++)                                                  \
                in[i] = (T)cases[c].in;                                                  \
            reduce(in, out, type, cases[c].op);                                          \
            for (int i = 0; i < N; i++)                                                  \
                CHECK(out[i] == (T)cases[c].want, "%s: op %zu gave %lld, expected %lld", \
                      #type, c, (long long)out[i], cases[c].want);                       \
        }                                                                                \
    } while (0)

static void integers(void)
{
    INTEGER_TEST(signed char, MPI_SIGNED_CHAR, true);
    INTEGER_TEST(unsigned char, MPI_UNSIGNED_CHAR, true);
    INTEGER_TEST(short, MPI_SHORT, true);
    INTEGER_TEST(unsigned short, MPI_UNSIGNED_SHORT, true);
    INTEGER_TEST(int, MPI_INT, true);
    INTEGER_TEST(unsigned, MPI_UNSIGNED, true);
    INTEGER_TEST(long, MPI_LONG, true);
    INTEGER_TEST(unsigned long, MPI_UNSIGNED_LONG, true);
    INTEGER_TEST(long long, MPI_LONG_LONG, true);
    INTEGER_TEST(long long, MPI_LONG_LONG_INT, true);
    INTEGER_TEST(unsigned long long, MPI_UNSIGNED_LONG_LONG, true);
    INTEGER_TEST(int8_t, MPI_INT8_T, true);
    INTEGER_TEST(int16_t, MPI_INT16_T, true);
    INTEGER_TEST(int32_t, MPI_INT32_T, true);
    INTEGER_TEST(int64_t, MPI_INT64_T, true);
    INTEGER_TEST(uint8_t, MPI_UINT8_T, true);
    INTEGER_TEST(uint16_t, MPI_UINT16_T, true);
    INTEGER_TEST(uint32_t, MPI_UINT32_T, true);
    INTEGER_TEST(uint64_t, MPI_UINT64_T, true);
    /* Multi-language types: no logical ops. */
    INTEGER_TEST(MPI_Aint, MPI_AINT, false);
    INTEGER_TEST(MPI_Offset, MPI_OFFSET, false);
    INTEGER_TEST(MPI_Count, MPI_COUNT, false);
}

#define FLOAT_TEST(T, type)                                                              \
    do {                                                                                 \
        T in[N], out[N];                                                                 \
        double fact = 1;                                                                 \
        for (int r = 1; r <= size; r++)                                                  \
            fact *= r + 0.5;                                                             \
        const struct {                                                                   \
            MPI_Op op;                                                                   \
            double want;                                                                 \
        } cases[] = {                                                                    \
            {MPI_SUM, size * (size + 1) / 2.0 + size * 0.5},                             \
            {MPI_PROD, fact},                                                            \
            {MPI_MIN, 1.5},                                                              \
            {MPI_MAX, size + 0.5},                                                       \
        };                                                                               \
        for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {                      \
            for (int i = 0; i < N; i++)                                                  \
                in[i] = (T)(rank + 1.5);                                                 \
            reduce(in, out, type, cases[c].op);                                          \
            for (int i = 0; i < N; i++)                                                  \
                CHECK_DBL((double)out[i], cases[c].want, #type);                         \
        }                                                                                \
    } while (0)

static void floats(void)
{
    FLOAT_TEST(float, MPI_FLOAT);
    FLOAT_TEST(double, MPI_DOUBLE);
    FLOAT_TEST(long double, MPI_LONG_DOUBLE);
}

/* (rank + 1) + i on each rank: the sum, and the product by complex steps. */
#define COMPLEX_TEST(T, type)                                                            \
    do {                                                                                 \
        T in[N], out[N];                                                                 \
        double complex sum = 0, prod = 1;                                                \
        for (int r = 0; r < size; r++) {                                                 \
            sum += (r + 1) + 1.0 * I;                                                    \
            prod *= (r + 1) + 1.0 * I;                                                   \
        }                                                                                \
        for (int i = 0; i < N; i++)                                                      \
            in[i] = (T)((rank + 1) + 1.0 * I);                                           \
        reduce(in, out, type, MPI_SUM);                                                  \
        for (int i = 0; i < N; i++) {                                                    \
            CHECK_DBL(creal(out[i]), creal(sum), #type " sum, real part");               \
            CHECK_DBL(cimag(out[i]), cimag(sum), #type " sum, imaginary part");          \
        }                                                                                \
        reduce(in, out, type, MPI_PROD);                                                 \
        for (int i = 0; i < N; i++) {                                                    \
            CHECK_DBL(creal(out[i]), creal(prod), #type " product, real part");          \
            CHECK_DBL(cimag(out[i]), cimag(prod), #type " product, imaginary part");     \
        }                                                                                \
    } while (0)

static void complexes(void)
{
    COMPLEX_TEST(float complex, MPI_C_FLOAT_COMPLEX);
    COMPLEX_TEST(float complex, MPI_C_COMPLEX);
    COMPLEX_TEST(double complex, MPI_C_DOUBLE_COMPLEX);
    COMPLEX_TEST(long double complex, MPI_C_LONG_DOUBLE_COMPLEX);
}

static void logical_and_byte(void)
{
    bool b[N], bout[N];
    for (int i = 0; i < N; i++)
        b[i] = rank != 1;
    reduce(b, bout, MPI_C_BOOL, MPI_LAND);
    CHECK_INT(bout[0], size < 2, "MPI_C_BOOL LAND");
    for (int i = 0; i < N; i++)
        b[i] = rank == size - 1;
    reduce(b, bout, MPI_C_BOOL, MPI_LOR);
    CHECK_INT(bout[1], 1, "MPI_C_BOOL LOR");
    for (int i = 0; i < N; i++)
        b[i] = true;
    reduce(b, bout, MPI_C_BOOL, MPI_LXOR);
    CHECK_INT(bout[2], size % 2, "MPI_C_BOOL LXOR");

    unsigned char y[N], yout[N];
    for (int i = 0; i < N; i++)
        y[i] = (unsigned char)(1 << rank | 0x80);
    reduce(y, yout, MPI_BYTE, MPI_BOR);
    CHECK_INT(yout[0], 0x80 | ((1 << size) - 1), "MPI_BYTE BOR");
    reduce(y, yout, MPI_BYTE, MPI_BAND);
    CHECK_INT(yout[1], 0x80 | (size == 1), "MPI_BYTE BAND");
    reduce(y, yout, MPI_BYTE, MPI_BXOR);
    CHECK_INT(yout[2], (size % 2 ? 0x80 : 0) ^ ((1 << size) - 1), "MPI_BYTE BXOR");
}

/* Values: element 0 all equal (ties: the lowest index), element 1 largest
 * at the last rank, element 2 smallest at the last rank. */
#define PAIR_TEST(V, I, type)                                                            \
    do {                                                                                 \
        struct {                                                                         \
            V v;                                                                         \
            I i;                                                                         \
        } in[N], mx[N], mn[N];                                                           \
        in[0].v = (V)7, in[0].i = (I)(size - rank);                                      \
        in[1].v = (V)(rank * 2), in[1].i = (I)rank;                                      \
        in[2].v = (V)(-rank), in[2].i = (I)(rank + 10);                                  \
        reduce(in, mx, type, MPI_MAXLOC);                                                \
        reduce(in, mn, type, MPI_MINLOC);                                                \
        CHECK(mx[0].v == (V)7 && mx[0].i == (I)1, #type " MAXLOC tie");                  \
        CHECK(mn[0].v == (V)7 && mn[0].i == (I)1, #type " MINLOC tie");                  \
        CHECK(mx[1].v == (V)((size - 1) * 2) && mx[1].i == (I)(size - 1),                \
              #type " MAXLOC");                                                          \
        CHECK(mn[1].v == (V)0 && mn[1].i == (I)0, #type " MINLOC of the first");         \
        CHECK(mn[2].v == (V)(1 - size) && mn[2].i == (I)(size + 9), #type " MINLOC");    \
        CHECK(mx[2].v == (V)0 && mx[2].i == (I)10, #type " MAXLOC of the first");        \
    } while (0)

static void pairs(void)
{
    PAIR_TEST(float, int, MPI_FLOAT_INT);
    PAIR_TEST(double, int, MPI_DOUBLE_INT);
    PAIR_TEST(long, int, MPI_LONG_INT);
    PAIR_TEST(int, int, MPI_2INT);
    PAIR_TEST(short, int, MPI_SHORT_INT);
    PAIR_TEST(long double, int, MPI_LONG_DOUBLE_INT);
}

static void forbidden(void)
{
    const struct {
        MPI_Datatype type;
        MPI_Op op;
        const char *what;
    } cases[] = {
        {MPI_C_BOOL, MPI_SUM, "MPI_SUM on MPI_C_BOOL"},
        {MPI_DOUBLE, MPI_BAND, "MPI_BAND on MPI_DOUBLE"},
        {MPI_INT, MPI_MINLOC, "MPI_MINLOC on MPI_INT"},
        {MPI_C_DOUBLE_COMPLEX, MPI_MAX, "MPI_MAX on MPI_C_DOUBLE_COMPLEX"},
        {MPI_2INT, MPI_SUM, "MPI_SUM on MPI_2INT"},
        {MPI_WCHAR, MPI_MAX, "MPI_MAX on MPI_WCHAR"},
    };
    long double in[2 * N] = {0}, out[2 * N];
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    for (size_t c = 0; c < sizeof cases / sizeof *cases; c++) {
        int cls,
            rc = MPI_Allreduce(in, out, 1, cases[c].type, cases[c].op, MPI_COMM_WORLD);
        MPI_Error_class(rc, &cls);
        CHECK(cls == MPI_ERR_OP, "%s: error class %d, expected MPI_ERR_OP", cases[c].what,
              cls);
    }
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("ddt_reduce", &rank, &size);
    integers();
    floats();
    complexes();
    logical_and_byte();
    pairs();
    forbidden();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
