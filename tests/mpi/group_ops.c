/* group_ops.c - the group constructors of MPI-3.1 6.3.2 against the
 * standard's ordering rules: union (group1's members, then group2's not in
 * group1), intersection and difference (group1's order), range_incl (the
 * order of the ranges, negative strides included) and range_excl (the
 * group's order); translate_ranks (MPI_UNDEFINED, MPI_PROC_NULL) and compare
 * (IDENT, SIMILAR, UNEQUAL); the errors of bad ranges. */
#include "mpicheck.h"

static int rank, size;
static MPI_Group world;

/* g's members as world ranks, in g's order, into out; returns the size. */
static int members(MPI_Group g, int *out)
{
    int n, idx[64];
    MPI_Group_size(g, &n);
    for (int i = 0; i < n; i++)
        idx[i] = i;
    MPI_Group_translate_ranks(g, n, idx, world, out);
    return n;
}

static void check_group(MPI_Group g, const int *want, int n, const char *what)
{
    int got[64], r, my_place = MPI_UNDEFINED;
    CHECK_INT(members(g, got), n, what);
    for (int i = 0; i < n; i++) {
        CHECK(got[i] == want[i], "%s: member %d is world rank %d, expected %d", what, i,
              got[i], want[i]);
        if (want[i] == rank)
            my_place = i;
    }
    MPI_Group_rank(g, &r);
    CHECK_INT(r, my_place, what);
}

static MPI_Group incl(const int *ranks, int n)
{
    MPI_Group g;
    MPI_Group_incl(world, n, ranks, &g);
    return g;
}

static void test_set_ops(void)
{
    /* a = world reversed; b = the even ranks, ascending. */
    int ra[64] = {0}, rb[64] = {0}, na = 0, nb = 0, want[64] = {0}, n;
    for (int r = size - 1; r >= 0; r--)
        ra[na++] = r;
    for (int r = 0; r < size; r += 2)
        rb[nb++] = r;
    MPI_Group a = incl(ra, na), b = incl(rb, nb), u, x, d;

    /* b union a: b's members in b's order, then a's odd ranks in a's order. */
    MPI_Group_union(b, a, &u);
    n = 0;
    for (int i = 0; i < nb; i++)
        want[n++] = rb[i];
    for (int i = 0; i < na; i++)
        if (ra[i] % 2)
            want[n++] = ra[i];
    check_group(u, want, n, "union of evens and reversed world");
    MPI_Group_free(&u);

    /* a intersection b: the evens in a's (descending) order. */
    MPI_Group_intersection(a, b, &x);
    n = 0;
    for (int i = 0; i < na; i++)
        if (ra[i] % 2 == 0)
            want[n++] = ra[i];
    check_group(x, want, n, "intersection of reversed world and evens");
    MPI_Group_free(&x);

    /* a difference b: the odds, descending. */
    MPI_Group_difference(a, b, &d);
    n = 0;
    for (int i = 0; i < na; i++)
        if (ra[i] % 2)
            want[n++] = ra[i];
    check_group(d, want, n, "difference of reversed world and evens");
    if (size == 1) {
        int cmp;
        MPI_Group_compare(d, MPI_GROUP_EMPTY, &cmp);
        CHECK_INT(cmp, MPI_IDENT, "an empty difference is MPI_GROUP_EMPTY");
    }
    if (d != MPI_GROUP_EMPTY)
        MPI_Group_free(&d);

    /* b difference a is empty; b intersection b is b. */
    MPI_Group_difference(b, a, &d);
    CHECK(d == MPI_GROUP_EMPTY, "an empty result is MPI_GROUP_EMPTY");
    MPI_Group_intersection(b, b, &x);
    int cmp;
    MPI_Group_compare(x, b, &cmp);
    CHECK_INT(cmp, MPI_IDENT, "b intersection b compared to b");
    MPI_Group_free(&x);
    MPI_Group_compare(a, world, &cmp);
    CHECK_INT(cmp, size > 1 ? MPI_SIMILAR : MPI_IDENT,
              "reversed world compared to world");
    MPI_Group_compare(b, world, &cmp);
    CHECK_INT(cmp, size > 1 ? MPI_UNEQUAL : MPI_IDENT, "evens compared to world");
    MPI_Group_free(&a);
    MPI_Group_free(&b);
}

static void test_ranges(void)
{
    int want[64], n = 0;
    MPI_Group g;
    /* The odd ranks descending (a negative stride), then the evens. */
    int ranges[2][3] = {{size - 1 - (size % 2 == 1), 1, -2}, {0, size - 1, 2}};
    int nranges = size > 1 ? 2 : 1;
    if (size == 1)
        ranges[0][0] = 0, ranges[0][1] = 0, ranges[0][2] = 1;
    for (int r = ranges[0][0]; r >= 1 && size > 1; r -= 2)
        want[n++] = r;
    for (int r = 0; r < size; r += 2)
        want[n++] = r;
    if (size == 1)
        n = 1;
    MPI_Group_range_incl(world, nranges, ranges, &g);
    check_group(g, want, n, "range_incl of odds descending then evens");
    MPI_Group_free(&g);

    /* range_excl of the odds (stride 2 from 1) keeps the evens in order. */
    if (size > 1) {
        int odd[1][3] = {{1, size - 1 - (size % 2 == 1), 2}};
        n = 0;
        for (int r = 0; r < size; r += 2)
            want[n++] = r;
        MPI_Group_range_excl(world, 1, odd, &g);
        check_group(g, want, n, "range_excl of the odds");
        MPI_Group_free(&g);
    }
    /* One descending range naming every rank. */
    int all[1][3] = {{size - 1, 0, -1}};
    MPI_Group_range_excl(world, 1, all, &g);
    CHECK(g == MPI_GROUP_EMPTY, "excluding every rank gives MPI_GROUP_EMPTY");
    MPI_Group_range_incl(world, 1, all, &g);
    for (int i = 0; i < size; i++)
        want[i] = size - 1 - i;
    check_group(g, want, size, "range_incl of world, descending");
    MPI_Group_free(&g);
}

static void test_translate(void)
{
    int rev[64], n = 0, in[3] = {0, MPI_PROC_NULL, size - 1}, out[3];
    for (int r = size - 1; r >= 0; r--)
        rev[n++] = r;
    MPI_Group a = incl(rev, n), evens;
    MPI_Group_translate_ranks(world, 3, in, a, out);
    CHECK_INT(out[0], size - 1, "world rank 0 in reversed world");
    CHECK_INT(out[1], MPI_PROC_NULL, "MPI_PROC_NULL translated");
    CHECK_INT(out[2], 0, "last world rank in reversed world");
    int ev[64], ne = 0;
    for (int r = 0; r < size; r += 2)
        ev[ne++] = r;
    evens = incl(ev, ne);
    MPI_Group_translate_ranks(world, 3, in, evens, out);
    CHECK_INT(out[0], 0, "world rank 0 among the evens");
    CHECK_INT(out[2], (size - 1) % 2 ? MPI_UNDEFINED : (size - 1) / 2,
              "last rank among evens");
    MPI_Group_free(&a);
    MPI_Group_free(&evens);
}

static void test_errors(void)
{
    MPI_Group g;
    int bad_stride[1][3] = {{0, 0, 0}}, bad_rank[1][3] = {{0, size, 1}};
    int twice[2][3] = {{0, 0, 1}, {0, 0, 1}};
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    CHECK(MPI_Group_range_incl(world, 1, bad_stride, &g) != MPI_SUCCESS,
          "stride 0 accepted");
    int rc = MPI_Group_range_incl(world, 1, bad_rank, &g), cls;
    CHECK(rc != MPI_SUCCESS, "a range past the group's end accepted");
    rc = MPI_Group_range_excl(world, 2, twice, &g);
    CHECK(rc != MPI_SUCCESS, "a rank named twice accepted");
    rc = MPI_Group_union(MPI_GROUP_NULL, world, &g);
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_GROUP, "union with MPI_GROUP_NULL");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("group_ops", &rank, &size);
    CHECK(size <= 64, "at most 64 ranks");
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    test_set_ops();
    test_ranges();
    test_translate();
    test_errors();
    MPI_Group_free(&world);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
