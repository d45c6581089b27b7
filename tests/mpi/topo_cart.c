/* topo_cart.c - Cartesian topologies (MPI-3.1 7.5.1, 7.5.5-7.5.7):
 * MPI_Cart_create on a grid from MPI_Dims_create, MPI_Topo_test,
 * MPI_Cartdim_get, MPI_Cart_get, an MPI_Cart_coords/MPI_Cart_rank round trip
 * for every rank (row-major numbering, periodic coordinates wrapping),
 * MPI_Cart_shift against hand-computed neighbours and a halo exchange along
 * the shifts whose values say who sent them, MPI_Cart_sub, MPI_Cart_map,
 * MPI_Comm_dup keeping the topology, MPI_COMM_NULL for ranks beyond the
 * grid, a zero-dimensional grid, and the errors of wrong queries. */
#include "mpicheck.h"

#define N MPI_PROC_NULL

static int rank, size;

/* Shifts by 1 on the 2-d grid of MPI_Dims_create(size, 2) with periods
 * {1, 0}: {source, dest} along dimension 0, then along dimension 1. */
static const int shifts[4][4][4] = {
    {{0, 0, N, N}},                                           /* 1 x 1 */
    {{1, 1, N, N}, {0, 0, N, N}},                             /* 2 x 1 */
    {{2, 1, N, N}, {0, 2, N, N}, {1, 0, N, N}},               /* 3 x 1 */
    {{2, 2, N, 1}, {3, 3, 0, N}, {0, 0, N, 3}, {1, 1, 2, N}}, /* 2 x 2 */
};

/* The rank disp steps from (c0, c1) along dim on a grid of dims, computed
 * from the coordinates. */
static int step(const int dims[2], const int periods[2], int c0, int c1, int dim,
                int disp)
{
    int c[2] = {c0, c1};
    c[dim] += disp;
    if (periods[dim])
        c[dim] = ((c[dim] % dims[dim]) + dims[dim]) % dims[dim];
    else if (c[dim] < 0 || c[dim] >= dims[dim])
        return MPI_PROC_NULL;
    return c[0] * dims[1] + c[1];
}

/* MPI_Cart_get and a coords/rank round trip over every rank of cart. */
static void check_grid(MPI_Comm cart, const int dims[2], const int periods[2])
{
    int d[2], p[2], c[2], nd = -1, status = -1;
    MPI_Topo_test(cart, &status);
    CHECK_INT(status, MPI_CART, "MPI_Topo_test of a Cartesian communicator");
    MPI_Cartdim_get(cart, &nd);
    CHECK_INT(nd, 2, "MPI_Cartdim_get");
    MPI_Cart_get(cart, 2, d, p, c);
    for (int i = 0; i < 2; i++) {
        CHECK_INT(d[i], dims[i], "MPI_Cart_get dims");
        CHECK_INT(!!p[i], periods[i], "MPI_Cart_get periods");
    }
    CHECK(c[0] == rank / dims[1] && c[1] == rank % dims[1],
          "MPI_Cart_get coords (%d, %d) of rank %d", c[0], c[1], rank);
    for (int r = 0; r < size; r++) {
        int back = -1;
        MPI_Cart_coords(cart, r, 2, c);
        CHECK(c[0] == r / dims[1] && c[1] == r % dims[1],
              "MPI_Cart_coords of rank %d: (%d, %d)", r, c[0], c[1]);
        MPI_Cart_rank(cart, c, &back);
        CHECK_INT(back, r, "MPI_Cart_rank of MPI_Cart_coords");
        c[0] += 3 * dims[0]; /* periodic: wraps */
        MPI_Cart_rank(cart, c, &back);
        CHECK_INT(back, r, "MPI_Cart_rank with a periodic coordinate + 3 dims[0]");
        c[0] -= 5 * dims[0];
        MPI_Cart_rank(cart, c, &back);
        CHECK_INT(back, r, "MPI_Cart_rank with a negative periodic coordinate");
    }
}

/* MPI_Cart_shift against the table and against coordinates. */
static void check_shifts(MPI_Comm cart, const int dims[2], const int periods[2])
{
    int src, dst, c0 = rank / dims[1], c1 = rank % dims[1];
    for (int dim = 0; dim < 2; dim++) {
        MPI_Cart_shift(cart, dim, 1, &src, &dst);
        CHECK_INT(src, shifts[size - 1][rank][2 * dim], "MPI_Cart_shift source");
        CHECK_INT(dst, shifts[size - 1][rank][2 * dim + 1], "MPI_Cart_shift dest");
        for (int disp = -3; disp <= 3; disp++) {
            MPI_Cart_shift(cart, dim, disp, &src, &dst);
            CHECK_INT(src, step(dims, periods, c0, c1, dim, -disp), "shifted source");
            CHECK_INT(dst, step(dims, periods, c0, c1, dim, disp), "shifted dest");
        }
    }
}

/* Sends 100 * rank + 10 * dim + (disp > 0) to dest along each shift; what
 * arrives must name its source, and nothing arrives from MPI_PROC_NULL. */
static void halo_exchange(MPI_Comm cart)
{
    for (int dim = 0; dim < 2; dim++) {
        for (int disp = -1; disp <= 1; disp += 2) {
            int src, dst, out = 100 * rank + 10 * dim + (disp > 0), in = -1;
            MPI_Status st;
            MPI_Cart_shift(cart, dim, disp, &src, &dst);
            MPI_Sendrecv(&out, 1, MPI_INT, dst, dim, &in, 1, MPI_INT, src, dim, cart,
                         &st);
            CHECK_INT(st.MPI_SOURCE, src, "halo: status source");
            if (src == MPI_PROC_NULL)
                CHECK_INT(in, -1, "halo: a value from MPI_PROC_NULL");
            else
                CHECK_INT(in, 100 * src + 10 * dim + (disp > 0), "halo value");
        }
    }
}

static int sum_of_world_ranks(MPI_Comm comm)
{
    int sum = -1;
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, comm);
    return sum;
}

/* Rows keep dimension 1, columns dimension 0; none kept: one process. */
static void check_sub(MPI_Comm cart, const int dims[2], const int periods[2])
{
    int c0 = rank / dims[1], c1 = rank % dims[1];
    for (int keep = 0; keep < 2; keep++) {
        int remain[2] = {keep == 0, keep == 1}, n = -1, r = -1, nd = -1, d, p, c, sum = 0;
        MPI_Comm sub;
        MPI_Cart_sub(cart, remain, &sub);
        MPI_Comm_size(sub, &n);
        MPI_Comm_rank(sub, &r);
        CHECK_INT(n, dims[keep], "size of an MPI_Cart_sub communicator");
        CHECK_INT(r, keep == 0 ? c0 : c1, "rank in an MPI_Cart_sub communicator");
        MPI_Cartdim_get(sub, &nd);
        CHECK_INT(nd, 1, "MPI_Cartdim_get of a sub-grid");
        MPI_Cart_get(sub, 1, &d, &p, &c);
        CHECK_INT(d, dims[keep], "sub-grid dims");
        CHECK_INT(!!p, periods[keep], "sub-grid periods");
        CHECK_INT(c, r, "sub-grid coords");
        for (int i = 0; i < dims[keep]; i++)
            sum += keep == 0 ? i * dims[1] + c1 : c0 * dims[1] + i;
        CHECK_INT(sum_of_world_ranks(sub), sum, "sum of world ranks over a sub-grid");
        MPI_Comm_free(&sub);
    }
    /* None kept: a zero-dimensional grid of one process. MPI-3.1 leaves
     * open whether every process gets one (Open MPI, ipc) or the first only
     * (MPICH 4; pmodels/mpich#7832). */
    int none[2] = {0, 0}, n = -1, nd = -1;
    MPI_Comm alone;
    MPI_Cart_sub(cart, none, &alone);
    CHECK(rank > 0 || alone != MPI_COMM_NULL, "MPI_Cart_sub keeping no dimension: NULL");
    if (alone == MPI_COMM_NULL)
        return;
    MPI_Comm_size(alone, &n);
    MPI_Cartdim_get(alone, &nd);
    CHECK_INT(n, 1, "size of MPI_Cart_sub keeping no dimension");
    CHECK_INT(nd, 0, "MPI_Cartdim_get keeping no dimension");
    MPI_Comm_free(&alone);
}

/* MPI_Cart_map may place the processes as it likes: the ranks it gives
 * are 0..nnodes-1, each once, and the others get MPI_UNDEFINED. */
static void check_map(int ndims, const int dims[], const int periods[], int nnodes)
{
    int mapped = -2, all[4], seen[4] = {0, 0, 0, 0}, outside = 0;
    MPI_Cart_map(MPI_COMM_WORLD, ndims, dims, periods, &mapped);
    MPI_Allgather(&mapped, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD);
    for (int r = 0; r < size; r++) {
        if (all[r] == MPI_UNDEFINED) {
            outside++;
            continue;
        }
        CHECK(all[r] >= 0 && all[r] < nnodes && !seen[all[r]],
              "MPI_Cart_map gave rank %d %d", r, all[r]);
        seen[all[r]] = 1;
    }
    CHECK_INT(outside, size - nnodes, "processes MPI_Cart_map left out");
}

/* A periodic ring of size - 1 processes: without reorder the last rank is
 * left out; with reorder, some one rank. Open MPI 4.1 gives every process
 * its own rank in MPI_Cart_map, in the grid or not (the bug of
 * open-mpi/ompi#11444, there for MPI_Graph_map). */
static void check_smaller_grid(void)
{
    int dims[1] = {size > 1 ? size - 1 : 1}, periods[1] = {1};
#ifndef OPEN_MPI
    check_map(1, dims, periods, dims[0]);
#endif
    for (int reorder = 0; reorder < 2; reorder++) {
        MPI_Comm ring;
        int left_out = 0, n = -1, r = -1, src, dst;
        MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, reorder, &ring);
        int mine = ring == MPI_COMM_NULL;
        MPI_Allreduce(&mine, &left_out, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        CHECK_INT(left_out, size - dims[0], "ranks beyond the grid");
        if (!reorder)
            CHECK_INT(mine, rank >= dims[0], "MPI_COMM_NULL beyond the grid");
        if (mine)
            continue;
        MPI_Comm_size(ring, &n);
        MPI_Comm_rank(ring, &r);
        CHECK_INT(n, dims[0], "size of a grid smaller than the job");
        if (!reorder)
            CHECK_INT(r, rank, "rank in a grid made without reorder");
        MPI_Cart_shift(ring, 0, 1, &src, &dst);
        CHECK_INT(dst, (r + 1) % n, "ring dest");
        CHECK_INT(src, (r + n - 1) % n, "ring source");
        MPI_Comm_free(&ring);
    }
}

/* ndims 0: one process, the others MPI_COMM_NULL. */
static void check_zero_dims(void)
{
    MPI_Comm point;
    MPI_Cart_create(MPI_COMM_WORLD, 0, NULL, NULL, 0, &point);
    if (rank > 0) {
        CHECK(point == MPI_COMM_NULL, "rank %d got a zero-dimensional grid", rank);
        return;
    }
    int n = -1, nd = -1, status = -1;
    MPI_Comm_size(point, &n);
    MPI_Cartdim_get(point, &nd);
    MPI_Topo_test(point, &status);
    CHECK_INT(n, 1, "size of a zero-dimensional grid");
    CHECK_INT(nd, 0, "MPI_Cartdim_get of a zero-dimensional grid");
    CHECK_INT(status, MPI_CART, "MPI_Topo_test of a zero-dimensional grid");
    MPI_Comm_free(&point);
}

static void check_class(int rc, int want, const char *what)
{
    int class = -1;
    CHECK(rc != MPI_SUCCESS, "%s succeeded", what);
    MPI_Error_class(rc, &class);
    CHECK_INT(class, want, what);
}

/* Under MPI_ERRORS_RETURN. */
static void check_errors(MPI_Comm cart, const int dims[2])
{
    int c[2] = {0, dims[1]}, r, src, dst, nd, status = -1;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(cart, MPI_ERRORS_RETURN);
    check_class(MPI_Cart_rank(cart, c, &r), MPI_ERR_ARG,
                "MPI_Cart_rank off a non-periodic edge");
    CHECK(MPI_Cart_shift(cart, -1, 1, &src, &dst) != MPI_SUCCESS,
          "MPI_Cart_shift along dimension -1 succeeded");
    check_class(MPI_Cartdim_get(MPI_COMM_WORLD, &nd), MPI_ERR_TOPOLOGY,
                "MPI_Cartdim_get of MPI_COMM_WORLD");
    MPI_Topo_test(MPI_COMM_WORLD, &status);
    CHECK_INT(status, MPI_UNDEFINED, "MPI_Topo_test of MPI_COMM_WORLD");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("topo_cart", &rank, &size);
    CHECK(size <= 4, "run on 1 to 4 ranks (the table of shifts stops at 4)");

    int dims[2] = {0, 0}, periods[2] = {1, 0};
    MPI_Comm cart, dup;
    MPI_Dims_create(size, 2, dims);
    check_map(2, dims, periods, size);
    MPI_Cart_create(MPI_COMM_WORLD, 2, dims, periods, 0, &cart);
    CHECK(cart != MPI_COMM_NULL, "MPI_Cart_create gave MPI_COMM_NULL");
    check_grid(cart, dims, periods);
    check_shifts(cart, dims, periods);
    halo_exchange(cart);
    check_sub(cart, dims, periods);

    MPI_Comm_dup(cart, &dup);
    check_grid(dup, dims, periods);
    check_shifts(dup, dims, periods);
    MPI_Comm_free(&dup);
    check_grid(cart, dims, periods);

    check_smaller_grid();
    check_zero_dims();
    check_errors(cart, dims);
    MPI_Comm_free(&cart);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
