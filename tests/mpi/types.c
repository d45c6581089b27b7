/* types.c - derived datatypes: MPI_Type_size, MPI_Type_contiguous,
 * MPI_Type_vector, MPI_Type_commit, MPI_Type_free. A column of a row-major
 * matrix goes to the next rank as a vector and arrives contiguous; the next
 * column arrives back into a column; a column is broadcast, and each rank's
 * column gathered, as a vector in a collective. Sizes that do not fit: a
 * type of 16 x 2^60 bytes is refused (it once had size 0 and sent nothing
 * with success), MPI_Type_size says MPI_UNDEFINED past an int, and a count
 * whose bytes do not fit is MPI_ERR_COUNT before anything moves. */
#include "mpicheck.h"

enum { ROWS = 5, COLS = 4 };
static int rank, size;

static double cell(int owner, int row, int col)
{
    return owner * 1000 + row * 10 + col;
}

static void test_too_big(void)
{
    MPI_Datatype g30, g60, bad = MPI_DATATYPE_NULL;
    int rc, cls, isize;
    MPI_Count xsize;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Type_contiguous(1 << 30, MPI_CHAR, &g30); /* 1 GiB */
    MPI_Type_contiguous(1 << 30, g30, &g60);      /* 2^60 bytes */
    MPI_Type_commit(&g60);
    MPI_Type_size(g60, &isize);
    CHECK_INT(isize, MPI_UNDEFINED, "MPI_Type_size of a type of 2^60 bytes");
    MPI_Type_size_x(g60, &xsize);
    CHECK(xsize == (MPI_Count)1 << 60, "MPI_Type_size_x of 2^60 bytes gave %lld",
          (long long)xsize);
    rc = MPI_Type_contiguous(16, g60, &bad);
    MPI_Error_class(rc, &cls);
    CHECK(rc != MPI_SUCCESS && bad == MPI_DATATYPE_NULL,
          "a type of 16 x 2^60 bytes was made (class %d)", cls);
    rc = MPI_Type_vector(3, 1, 1 << 30, g60, &bad); /* its extent: 2^91 bytes */
    CHECK(rc != MPI_SUCCESS && bad == MPI_DATATYPE_NULL,
          "a vector spanning 2^91 bytes was made");
    char b[1] = {0};
    rc = MPI_Send(b, 1 << 20, g60, 0, 0, MPI_COMM_SELF); /* 2^80 bytes */
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_COUNT, "class of a send of 2^80 bytes");
    MPI_Request r;
    rc = MPI_Irecv(b, 1 << 20, g60, 0, 0, MPI_COMM_SELF, &r);
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_COUNT, "class of a receive of 2^80 bytes");
    MPI_Type_free(&g60);
    MPI_Type_free(&g30);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    double m[ROWS][COLS], col[ROWS];
    int n;
    MPI_Datatype column, triple;

    MPI_Init(&argc, &argv);
    mc_init("types", &rank, &size);
    int left = (rank + size - 1) % size, right = (rank + 1) % size;

    MPI_Type_size(MPI_INT, &n);
    CHECK_INT(n, sizeof(int), "MPI_Type_size(MPI_INT)");
    MPI_Type_size(MPI_DOUBLE, &n);
    CHECK_INT(n, sizeof(double), "MPI_Type_size(MPI_DOUBLE)");
    MPI_Type_size(MPI_CHAR, &n);
    CHECK_INT(n, 1, "MPI_Type_size(MPI_CHAR)");

    MPI_Type_contiguous(3, MPI_INT, &triple);
    MPI_Type_commit(&triple);
    MPI_Type_size(triple, &n);
    CHECK_INT(n, 3 * sizeof(int), "MPI_Type_size of 3 contiguous ints");
    int t[6] = {rank, rank + 1, rank + 2, rank + 3, rank + 4, rank + 5}, tin[6], count;
    MPI_Status st;
    MPI_Sendrecv(t, 2, triple, right, 1, tin, 2, triple, left, 1, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, triple, &count);
    CHECK_INT(count, 2, "MPI_Get_count in contiguous triples");
    MPI_Get_count(&st, MPI_INT, &count);
    CHECK_INT(count, 6, "MPI_Get_count in ints");
    for (int i = 0; i < 6; i++)
        CHECK_INT(tin[i], left + i, "contiguous element");
    MPI_Type_free(&triple);
    CHECK(triple == MPI_DATATYPE_NULL, "MPI_Type_free did not set MPI_DATATYPE_NULL");

    /* One element per row, COLS apart: a column. */
    MPI_Type_vector(ROWS, 1, COLS, MPI_DOUBLE, &column);
    MPI_Type_commit(&column);
    MPI_Type_size(column, &n);
    CHECK_INT(n, ROWS * sizeof(double), "MPI_Type_size of a column");

    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            m[r][c] = cell(rank, r, c);
    int c_out = rank % COLS, c_in = left % COLS;
    MPI_Sendrecv(&m[0][c_out], 1, column, right, 2, col, ROWS, MPI_DOUBLE, left, 2,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (int r = 0; r < ROWS; r++)
        CHECK_DBL(col[r], cell(left, r, c_in), "strided column received contiguous");

    /* Contiguous out, into column (c_out + 1) % COLS of this matrix. */
    int c_into = (c_out + 1) % COLS;
    for (int r = 0; r < ROWS; r++)
        col[r] = cell(rank, r, 99);
    MPI_Sendrecv(col, ROWS, MPI_DOUBLE, right, 3, &m[0][c_into], 1, column, left, 3,
                 MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            CHECK_DBL(m[r][c], c == c_into ? cell(left, r, 99) : cell(rank, r, c),
                      "matrix after receiving a column");

    /* Column 1 of rank 0's matrix into column 2 of everyone's. */
    for (int r = 0; r < ROWS; r++)
        for (int c = 0; c < COLS; c++)
            m[r][c] = cell(rank, r, c);
    MPI_Bcast(&m[0][rank == 0 ? 1 : 2], 1, column, 0, MPI_COMM_WORLD);
    if (rank != 0)
        for (int r = 0; r < ROWS; r++)
            CHECK_DBL(m[r][2], cell(0, r, 1), "column from MPI_Bcast of a vector");

    /* Each rank's column 3 gathered into rows of ROWS doubles at rank 0. */
    for (int r = 0; r < ROWS; r++)
        m[r][3] = cell(rank, r, 3);
    double *all = malloc((size_t)size * ROWS * sizeof *all);
    CHECK(all, "out of memory");
    MPI_Gather(&m[0][3], 1, column, all, ROWS, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0)
        for (int p = 0; p < size; p++)
            for (int r = 0; r < ROWS; r++)
                CHECK_DBL(all[p * ROWS + r], cell(p, r, 3), "gathered column");
    free(all);
    MPI_Type_free(&column);
    test_too_big();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
