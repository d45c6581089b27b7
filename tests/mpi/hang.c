/* hang.c - MPI programs that hang where ipcrun's report must name the MPI
 * call, its arguments and the communicator in MPI's terms
 * (tests/integration/test_mpi_terms.sh). Without a mode it hangs nowhere:
 * each rank sends to the next with MPI_Send and receives with MPI_Recv
 * (what --stats and --trace count).
 *
 *   hang          the ring above, then "hang: ok, N ranks"
 *   hang recv     ranks 0 and 1 both receive first: rank r in
 *                 MPI_Recv(source 1 - r, tag 7 + r, MPI_COMM_WORLD)
 *   hang named    rank 0 in MPI_Recv(MPI_ANY_SOURCE, MPI_ANY_TAG) on a
 *                 duplicate of world named "halo"; rank 1 in
 *                 MPI_Recv(source 0, tag 5) on an unnamed duplicate
 *   hang lock     rank 1 holds its window exclusively and waits in
 *                 MPI_Recv(source 0, tag 5); rank 0 waits in MPI_Win_lock
 *   hang sleep    rank 0 in MPI_Recv(source 1, tag 7); rank 1 sleeps outside
 *                 any MPI call
 *   hang abort    the last rank calls MPI_Abort(MPI_COMM_WORLD, 3)
 * Other ranks (2 and up) wait in MPI_Barrier. The modes need 2 ranks or
 * more; arguments after the mode are ignored (test markers). */
#include "mpicheck.h"

#include <unistd.h>

static void ring(int rank, int size)
{
    int v = rank, got = -1;
    if (size == 1)
        return;
    if (rank == 0) {
        MPI_Send(&v, 1, MPI_INT, 1, 3, MPI_COMM_WORLD);
        MPI_Recv(&got, 1, MPI_INT, size - 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
        MPI_Recv(&got, 1, MPI_INT, rank - 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Send(&v, 1, MPI_INT, (rank + 1) % size, 3, MPI_COMM_WORLD);
    }
    CHECK_INT(got, (rank + size - 1) % size, "the value from the previous rank");
}

static void hang(const char *mode, int rank, int size)
{
    int v = 0;
    MPI_Comm halo, other;
    MPI_Win win;
    int *base;
    CHECK(size >= 2, "mode '%s' needs 2 ranks or more", mode);
    if (!strcmp(mode, "named")) {
        MPI_Comm_dup(MPI_COMM_WORLD, &halo);
        MPI_Comm_set_name(halo, "halo");
        MPI_Comm_dup(MPI_COMM_WORLD, &other);
    } else if (!strcmp(mode, "lock")) {
        MPI_Win_allocate(sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &base,
                         &win);
        if (rank == 1)
            MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 1, 0, win);
        MPI_Barrier(MPI_COMM_WORLD);
    }
    if (!strcmp(mode, "abort")) {
        if (rank == size - 1)
            MPI_Abort(MPI_COMM_WORLD, 3);
        MPI_Barrier(MPI_COMM_WORLD);
    } else if (rank >= 2) {
        MPI_Barrier(MPI_COMM_WORLD);
    } else if (!strcmp(mode, "recv")) {
        MPI_Recv(&v, 1, MPI_INT, 1 - rank, 7 + rank, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (!strcmp(mode, "named")) {
        if (rank == 0)
            MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, halo,
                     MPI_STATUS_IGNORE);
        else
            MPI_Recv(&v, 1, MPI_INT, 0, 5, other, MPI_STATUS_IGNORE);
    } else if (!strcmp(mode, "lock")) {
        if (rank == 0)
            MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 1, 0, win);
        else
            MPI_Recv(&v, 1, MPI_INT, 0, 5, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else if (!strcmp(mode, "sleep")) {
        if (rank == 0)
            MPI_Recv(&v, 1, MPI_INT, 1, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        else
            sleep(60);
    } else {
        CHECK(0, "unknown mode '%s'", mode);
    }
    CHECK(0, "rank %d got past its hang in mode '%s'", rank, mode);
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    mc_init("hang", &rank, &size);
    if (argc > 1)
        hang(argv[1], rank, size);
    ring(rank, size);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
