/* ops.c - reduction operations with MPI_Allreduce: SUM, PROD, MIN, MAX,
 * LAND, LOR, LXOR, BAND, BOR, BXOR on int (and SUM/MIN/MAX on double),
 * MINLOC/MAXLOC on MPI_DOUBLE_INT and MPI_2INT (ties go to the lowest rank),
 * and user operations from MPI_Op_create: a commutative one and one that is
 * not (composition of affine maps, so the order of ranks shows), freed with
 * MPI_Op_free; MPI_Op_commutative of predefined and user ops. */
#include "mpicheck.h"

static int rank, size;

static int contribution(int r)
{
    return r % 3 + 1; /* 1, 2, 3, 1, ...: small products, ties for MIN/MAX */
}

static int allreduce_int(int x, MPI_Op op)
{
    int r = -1;
    MPI_Allreduce(&x, &r, 1, MPI_INT, op, MPI_COMM_WORLD);
    return r;
}

static void test_predefined(void)
{
    int sum = 0, prod = 1, min = 1 << 30, max = -1, land = 1, lor = 0, lxor = 0;
    int band = ~0, bor = 0, bxor = 0;
    for (int r = 0; r < size; r++) {
        int c = contribution(r), bits = 1 << r % 8 | 0x100;
        sum += c;
        prod *= c;
        min = c < min ? c : min;
        max = c > max ? c : max;
        land = land && r % 2;
        lor = lor || r % 2;
        lxor = lxor != (r % 2 != 0);
        band &= bits;
        bor |= bits;
        bxor ^= bits;
    }
    int c = contribution(rank), bits = 1 << rank % 8 | 0x100;
    CHECK_INT(allreduce_int(c, MPI_SUM), sum, "MPI_SUM");
    CHECK_INT(allreduce_int(c, MPI_PROD), prod, "MPI_PROD");
    CHECK_INT(allreduce_int(c, MPI_MIN), min, "MPI_MIN");
    CHECK_INT(allreduce_int(c, MPI_MAX), max, "MPI_MAX");
    CHECK_INT(allreduce_int(rank % 2, MPI_LAND) != 0, land, "MPI_LAND");
    CHECK_INT(allreduce_int(rank % 2, MPI_LOR) != 0, lor, "MPI_LOR");
    CHECK_INT(allreduce_int(rank % 2, MPI_LXOR) != 0, lxor, "MPI_LXOR");
    CHECK_INT(allreduce_int(bits, MPI_BAND), band, "MPI_BAND");
    CHECK_INT(allreduce_int(bits, MPI_BOR), bor, "MPI_BOR");
    CHECK_INT(allreduce_int(bits, MPI_BXOR), bxor, "MPI_BXOR");

    double d = rank * 0.5 - 1, dsum = 0, got;
    for (int r = 0; r < size; r++)
        dsum += r * 0.5 - 1;
    MPI_Allreduce(&d, &got, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    CHECK_DBL(got, dsum, "MPI_SUM on double");
    MPI_Allreduce(&d, &got, 1, MPI_DOUBLE, MPI_MIN, MPI_COMM_WORLD);
    CHECK_DBL(got, -1.0, "MPI_MIN on double");
    MPI_Allreduce(&d, &got, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD);
    CHECK_DBL(got, (size - 1) * 0.5 - 1, "MPI_MAX on double");

    long long big = 1LL << 40, lsum;
    MPI_Allreduce(&big, &lsum, 1, MPI_LONG_LONG, MPI_SUM, MPI_COMM_WORLD);
    CHECK(lsum == size * (1LL << 40), "MPI_SUM on long long is %lld", lsum);
}

static void test_loc(void)
{
    struct {
        double val;
        int rank;
    } din = {contribution(rank), rank}, dmin, dmax;
    struct {
        int val, rank;
    } iin = {-contribution(rank), rank}, imin, imax;
    int minr = 0, maxr = 0;
    for (int r = 0; r < size; r++) {
        if (contribution(r) < contribution(minr))
            minr = r;
        if (contribution(r) > contribution(maxr))
            maxr = r;
    }
    MPI_Allreduce(&din, &dmin, 1, MPI_DOUBLE_INT, MPI_MINLOC, MPI_COMM_WORLD);
    MPI_Allreduce(&din, &dmax, 1, MPI_DOUBLE_INT, MPI_MAXLOC, MPI_COMM_WORLD);
    CHECK_DBL(dmin.val, contribution(minr), "MPI_MINLOC value (MPI_DOUBLE_INT)");
    CHECK_INT(dmin.rank, minr, "MPI_MINLOC location (MPI_DOUBLE_INT)");
    CHECK_DBL(dmax.val, contribution(maxr), "MPI_MAXLOC value (MPI_DOUBLE_INT)");
    CHECK_INT(dmax.rank, maxr, "MPI_MAXLOC location (MPI_DOUBLE_INT)");

    /* Negated: the minimum is where the contribution is largest. */
    MPI_Allreduce(&iin, &imin, 1, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD);
    MPI_Allreduce(&iin, &imax, 1, MPI_2INT, MPI_MAXLOC, MPI_COMM_WORLD);
    CHECK_INT(imin.val, -contribution(maxr), "MPI_MINLOC value (MPI_2INT)");
    CHECK_INT(imin.rank, maxr, "MPI_MINLOC location (MPI_2INT)");
    CHECK_INT(imax.val, -contribution(minr), "MPI_MAXLOC value (MPI_2INT)");
    CHECK_INT(imax.rank, minr, "MPI_MAXLOC location (MPI_2INT)");
}

/* Element-wise largest absolute value: commutative. */
static void absmax(void *in, void *inout, int *len, MPI_Datatype *type)
{
    int *a = in, *b = inout;
    (void)type;
    for (int i = 0; i < *len; i++) {
        int x = a[i] < 0 ? -a[i] : a[i], y = b[i] < 0 ? -b[i] : b[i];
        b[i] = x > y ? x : y;
    }
}

/* An affine map x -> m*x + c is a pair {m, c}. inout = "in, then inout":
 * associative, not commutative. */
static void compose(void *in, void *inout, int *len, MPI_Datatype *type)
{
    int *a = in, *b = inout;
    (void)type;
    for (int i = 0; i < *len; i++, a += 2, b += 2) {
        int m = a[0] * b[0], c = b[0] * a[1] + b[1];
        b[0] = m;
        b[1] = c;
    }
}

static void test_user_ops(void)
{
    MPI_Op op;
    int v[2] = {rank % 2 ? -rank : rank, 7}, got[2];
    int commute = -1;
    MPI_Op predefined[] = {MPI_MAX, MPI_SUM, MPI_BXOR, MPI_MINLOC, MPI_MAXLOC};
    for (size_t i = 0; i < sizeof predefined / sizeof predefined[0]; i++) {
        commute = -1;
        CHECK_INT(MPI_Op_commutative(predefined[i], &commute), MPI_SUCCESS,
                  "MPI_Op_commutative of a predefined op");
        CHECK_INT(commute, 1, "a predefined op commutes");
    }
    MPI_Op_create(absmax, 1, &op);
    commute = -1;
    MPI_Op_commutative(op, &commute);
    CHECK_INT(commute, 1, "MPI_Op_commutative of a commutative user op");
    MPI_Allreduce(v, got, 2, MPI_INT, op, MPI_COMM_WORLD);
    CHECK_INT(got[0], size - 1, "user MPI_Op absmax");
    CHECK_INT(got[1], 7, "user MPI_Op absmax, second element");
    MPI_Op_free(&op);
    CHECK(op == MPI_OP_NULL, "MPI_Op_free did not set MPI_OP_NULL");

    MPI_Datatype pair;
    MPI_Type_contiguous(2, MPI_INT, &pair);
    MPI_Type_commit(&pair);
    MPI_Op_create(compose, 0, &op);
    commute = -1;
    MPI_Op_commutative(op, &commute);
    CHECK_INT(commute, 0, "MPI_Op_commutative of a non-commutative user op");
    int f[2] = {rank % 2 + 2, rank + 1}, want[2] = {1, 0};
    /* rank 0's map first: compose onto the front, last rank first */
    for (int r = size - 1; r >= 0; r--) {
        int g[2] = {r % 2 + 2, r + 1};
        compose(g, want, &(int){1}, &pair);
    }
    for (int root = 0; root < size; root++) {
        got[0] = got[1] = -1;
        MPI_Reduce(f, got, 1, pair, op, root, MPI_COMM_WORLD);
        if (rank == root) {
            CHECK_INT(got[0], want[0], "non-commutative MPI_Reduce, factor");
            CHECK_INT(got[1], want[1], "non-commutative MPI_Reduce, constant");
        }
    }
    MPI_Allreduce(f, got, 1, pair, op, MPI_COMM_WORLD);
    CHECK_INT(got[1], want[1], "non-commutative MPI_Allreduce, constant");
    MPI_Op_free(&op);
    MPI_Type_free(&pair);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("ops", &rank, &size);
    CHECK(size <= 16, "at most 16 ranks (products would overflow)");
    test_predefined();
    test_loc();
    test_user_ops();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
