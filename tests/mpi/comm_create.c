/* comm_create.c - MPI_Comm_create with the groups MPI-2.2 allows: disjoint
 * groups (each process passes the one it belongs to) as a matrix kernel
 * builds row and column communicators, groups ordered unlike the parent,
 * identical groups, and a process outside the group it passes. Each new
 * communicator is checked for its members and a reduction over it. */
#include "mpicheck.h"

static int rank, size;

/* A communicator of the world ranks members[0..n), in that order, made by
 * MPI_Comm_create over world, each process passing its own group. */
static MPI_Comm create_from(const int *members, int n)
{
    MPI_Group world, g;
    MPI_Comm c;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    MPI_Group_incl(world, n, members, &g);
    MPI_Comm_create(MPI_COMM_WORLD, g, &c);
    MPI_Group_free(&g);
    MPI_Group_free(&world);
    return c;
}

/* c holds exactly members[0..n) in that order (this rank among them). */
static void check_members(MPI_Comm c, const int *members, int n)
{
    int crank, csize, got[64], sum = -1, want = 0;
    CHECK(c != MPI_COMM_NULL, "a member got MPI_COMM_NULL");
    MPI_Comm_size(c, &csize);
    MPI_Comm_rank(c, &crank);
    CHECK_INT(csize, n, "size of the new communicator");
    CHECK_INT(members[crank], rank, "world rank of my place in the new communicator");
    MPI_Allgather(&rank, 1, MPI_INT, got, 1, MPI_INT, c);
    for (int i = 0; i < n; i++) {
        CHECK_INT(got[i], members[i], "member of the new communicator");
        want += members[i];
    }
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, c);
    CHECK_INT(sum, want, "sum of world ranks over the new communicator");
}

/* The process grid of a matrix kernel: rows x cols = size, rows <= cols. */
static void test_rows_and_columns(void)
{
    int rows = 1, members[64], n;
    for (int r = 1; r * r <= size; r++)
        if (size % r == 0)
            rows = r;
    int cols = size / rows, my_row = rank / cols, my_col = rank % cols;

    n = 0;
    for (int c = 0; c < cols; c++)
        members[n++] = my_row * cols + c;
    MPI_Comm row = create_from(members, n);
    check_members(row, members, n);
    n = 0;
    for (int r = 0; r < rows; r++)
        members[n++] = r * cols + my_col;
    MPI_Comm col = create_from(members, n);
    check_members(col, members, n);

    /* The kernel's checksum: a row sum, then a column sum of the row sums,
     * gives every rank the sum over the whole grid. */
    double mine = rank + 1.0, row_sum = 0, total = 0;
    MPI_Allreduce(&mine, &row_sum, 1, MPI_DOUBLE, MPI_SUM, row);
    MPI_Allreduce(&row_sum, &total, 1, MPI_DOUBLE, MPI_SUM, col);
    CHECK_DBL(total, size * (size + 1) / 2.0, "checksum over rows then columns");
    MPI_Comm_free(&row);
    MPI_Comm_free(&col);
}

/* Disjoint groups in reverse world order: evens and odds, each reversed. */
static void test_reordered(void)
{
    int members[64], n = 0;
    for (int r = size - 1; r >= 0; r--)
        if (r % 2 == rank % 2)
            members[n++] = r;
    MPI_Comm c = create_from(members, n);
    check_members(c, members, n);
    MPI_Comm_free(&c);
}

/* Every process passes the same group: all of world reversed, then world
 * without rank 0 (which gets MPI_COMM_NULL). */
static void test_identical(void)
{
    int members[64], n = 0;
    for (int r = size - 1; r >= 0; r--)
        members[n++] = r;
    MPI_Comm c = create_from(members, n);
    check_members(c, members, n);
    int result;
    MPI_Comm_compare(c, MPI_COMM_WORLD, &result);
    CHECK_INT(result, size > 1 ? MPI_SIMILAR : MPI_CONGRUENT, "compare with world");
    MPI_Comm_free(&c);

    c = create_from(members, n - 1); /* world ranks size-1 .. 1 */
    if (rank == 0)
        CHECK(c == MPI_COMM_NULL, "rank 0 is not in the group but got a communicator");
    else
        check_members(c, members, n - 1);
    if (c != MPI_COMM_NULL)
        MPI_Comm_free(&c);
}

/* Rank 0 passes the group of ranks 1..size-1 without being in it; those pass
 * it too. Rank 0 gets MPI_COMM_NULL, the others one communicator. */
static void test_outsider(void)
{
    int members[64], n = 0;
    for (int r = 1; r < size; r++)
        members[n++] = r;
    if (n == 0)
        return;
    MPI_Comm c = create_from(members, n);
    if (rank == 0)
        CHECK(c == MPI_COMM_NULL, "a process outside its group got a communicator");
    else
        check_members(c, members, n);
    if (c != MPI_COMM_NULL)
        MPI_Comm_free(&c);
}

static void test_errors(void)
{
    MPI_Comm c = MPI_COMM_WORLD;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int cls, rc = MPI_Comm_create(MPI_COMM_WORLD, MPI_GROUP_NULL, &c);
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_GROUP, "MPI_Comm_create with MPI_GROUP_NULL");
    rc = MPI_Comm_create(MPI_COMM_NULL, MPI_GROUP_EMPTY, &c);
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_COMM, "MPI_Comm_create on MPI_COMM_NULL");
    /* MPI_GROUP_EMPTY everywhere: nobody is a member. */
    rc = MPI_Comm_create(MPI_COMM_WORLD, MPI_GROUP_EMPTY, &c);
    CHECK_INT(rc, MPI_SUCCESS, "MPI_Comm_create with MPI_GROUP_EMPTY");
    CHECK(c == MPI_COMM_NULL, "MPI_GROUP_EMPTY gave a communicator");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("comm_create", &rank, &size);
    CHECK(size <= 64, "at most 64 ranks");
    test_rows_and_columns();
    test_reordered();
    test_identical();
    test_outsider();
    test_errors();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
