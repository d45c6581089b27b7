/* bcast_tree.c - a broadcast written by hand (a binomial tree of MPI_Send and
 * MPI_Recv), checked against MPI_Bcast from every root. */
#include "mpicheck.h"

enum { COUNT = 1000, TAG = 77 };

/* Rank vrank (counted from root) receives from the rank that differs in its
 * lowest set bit, then sends to vrank + each lower power of two. */
static void tree_bcast(int *buf, int count, int root, MPI_Comm comm)
{
    int rank, size, mask = 1;
    MPI_Comm_rank(comm, &rank);
    MPI_Comm_size(comm, &size);
    int vrank = (rank - root + size) % size;
    while (mask < size) {
        if (vrank & mask) {
            int src = (vrank - mask + root) % size;
            MPI_Recv(buf, count, MPI_INT, src, TAG, comm, MPI_STATUS_IGNORE);
            break;
        }
        mask <<= 1;
    }
    for (mask >>= 1; mask > 0; mask >>= 1)
        if (vrank + mask < size)
            MPI_Send(buf, count, MPI_INT, (vrank + mask + root) % size, TAG, comm);
}

int main(int argc, char **argv)
{
    int rank, size;
    static int mine[COUNT], theirs[COUNT];

    MPI_Init(&argc, &argv);
    mc_init("bcast_tree", &rank, &size);
    double t_tree = 0, t_mpi = 0;
    for (int root = 0; root < size; root++) {
        for (int i = 0; i < COUNT; i++)
            mine[i] = theirs[i] = rank == root ? root * 10000 + i : -1;
        double t0 = MPI_Wtime();
        tree_bcast(mine, COUNT, root, MPI_COMM_WORLD);
        double t1 = MPI_Wtime();
        MPI_Bcast(theirs, COUNT, MPI_INT, root, MPI_COMM_WORLD);
        t_tree += t1 - t0;
        t_mpi += MPI_Wtime() - t1;
        for (int i = 0; i < COUNT; i++) {
            CHECK_INT(mine[i], root * 10000 + i, "hand-written bcast value");
            CHECK_INT(theirs[i], mine[i], "MPI_Bcast value");
        }
    }
    CHECK(t_tree >= 0 && t_mpi >= 0, "MPI_Wtime went backwards");
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
