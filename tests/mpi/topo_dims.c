/* topo_dims.c - MPI_Dims_create: the table of MPI-3.1 Example 7.1 (7.5.2),
 * more balanced splits with and without fixed entries, the splits of the
 * job's own size, and the erroneous calls under MPI_ERRORS_RETURN
 * (MPI_ERR_DIMS when nnodes is no multiple of the fixed entries' product). */
#include "mpicheck.h"

#define MAXD 6

struct dims_case {
    int nnodes, ndims;
    int before[MAXD]; /* dims on entry: 0 free, > 0 fixed */
    int after[MAXD];  /* dims on return */
};

static const struct dims_case cases[] = {
    /* MPI-3.1 Example 7.1 */
    {6, 2, {0, 0}, {3, 2}},
    {7, 2, {0, 0}, {7, 1}},
    {6, 3, {0, 3, 0}, {2, 3, 1}},
    /* as balanced as possible, non-increasing */
    {1, 3, {0, 0, 0}, {1, 1, 1}},
    {4, 1, {0}, {4}},
    {12, 2, {0, 0}, {4, 3}},
    {12, 3, {0, 0, 0}, {3, 2, 2}},
    {16, 2, {0, 0}, {4, 4}},
    {16, 3, {0, 0, 0}, {4, 2, 2}},
    {16, 4, {0, 0, 0, 0}, {2, 2, 2, 2}},
    {24, 3, {0, 0, 0}, {4, 3, 2}},
    {30, 2, {0, 0}, {6, 5}},
    {36, 4, {0, 0, 0, 0}, {3, 3, 2, 2}},
    {60, 3, {0, 0, 0}, {5, 4, 3}},
    {64, 3, {0, 0, 0}, {4, 4, 4}},
    {100, 2, {0, 0}, {10, 10}},
    {13, 2, {0, 0}, {13, 1}},
    {8, 5, {0, 0, 0, 0, 0}, {2, 2, 2, 1, 1}},
    {1000, 3, {0, 0, 0}, {10, 10, 10}},
    /* fixed entries stay; the free ones split what is left */
    {12, 3, {0, 0, 2}, {3, 2, 2}},
    {16, 4, {2, 0, 0, 0}, {2, 2, 2, 2}},
    {24, 3, {0, 4, 0}, {3, 4, 2}},
    {20, 2, {5, 0}, {5, 4}},
    {20, 2, {0, 5}, {4, 5}},
    {6, 2, {2, 3}, {2, 3}},
    {6, 2, {6, 0}, {6, 1}},
    {48, 4, {0, 3, 0, 0}, {4, 3, 2, 2}},
};

static void check_case(const struct dims_case *c)
{
    int dims[MAXD];
    memcpy(dims, c->before, sizeof dims);
    CHECK_INT(MPI_Dims_create(c->nnodes, c->ndims, dims), MPI_SUCCESS, "MPI_Dims_create");
    for (int i = 0; i < c->ndims; i++)
        CHECK(dims[i] == c->after[i],
              "MPI_Dims_create(%d, %d): dims[%d] is %d, expected %d", c->nnodes, c->ndims,
              i, dims[i], c->after[i]);
}

/* The call fails with MPI_ERR_DIMS (MPI_ERRORS_RETURN is set on world). */
static void check_error(int nnodes, int ndims, const int before[])
{
    int dims[MAXD], class = -1;
    memcpy(dims, before, (size_t)ndims * sizeof *dims);
    int rc = MPI_Dims_create(nnodes, ndims, dims);
    CHECK(rc != MPI_SUCCESS, "MPI_Dims_create(%d, %d) succeeded", nnodes, ndims);
    MPI_Error_class(rc, &class);
    CHECK_INT(class, MPI_ERR_DIMS, "error class of an erroneous MPI_Dims_create");
}

/* The job's own size split in 1..3 dimensions: the product is the size, the
 * dims do not increase, and a size that is a square (cube) splits evenly. */
static void check_job_size(int size)
{
    for (int nd = 1; nd <= 3; nd++) {
        int dims[3] = {0, 0, 0}, product = 1;
        CHECK_INT(MPI_Dims_create(size, nd, dims), MPI_SUCCESS, "MPI_Dims_create(size)");
        for (int i = 0; i < nd; i++) {
            product *= dims[i];
            CHECK(i == 0 || dims[i] <= dims[i - 1], "dims increase: %d then %d",
                  dims[i - 1], dims[i]);
        }
        CHECK_INT(product, size, "product of the dims");
    }
    int sq[2] = {0, 0};
    MPI_Dims_create(size * size, 2, sq);
    CHECK(sq[0] == size && sq[1] == size, "size^2 in 2 dims: %d x %d", sq[0], sq[1]);
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    mc_init("topo_dims", &rank, &size);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        check_case(&cases[i]);
    check_job_size(size);

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    check_error(7, 3, (const int[]){0, 3, 0}); /* MPI-3.1 Example 7.1 */
    check_error(12, 2, (const int[]){5, 0});
    check_error(8, 2, (const int[]){-2, 0});
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);

    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
