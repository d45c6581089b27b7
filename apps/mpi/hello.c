/*
 * hello - the smallest MPI program: every rank says who and where it is, and
 * rank 0 checks that every rank answered a gather. Plain MPI-3.1: build it
 * with any MPI's mpicc.
 *
 *   mpicc -o hello apps/mpi/hello.c && ipcrun -n 4 ./hello
 *
 * Exits 1 (on every rank) when the gather misses a rank.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size, len;
    char host[MPI_MAX_PROCESSOR_NAME];
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    MPI_Get_processor_name(host, &len);
    printf("rank %d of %d on %s\n", rank, size, host);

    int *ranks = rank == 0 ? malloc(sizeof(int) * (size_t)size) : NULL;
    MPI_Gather(&rank, 1, MPI_INT, ranks, 1, MPI_INT, 0, MPI_COMM_WORLD);
    int ok = 1;
    if (rank == 0) {
        for (int i = 0; i < size; i++)
            ok &= ranks[i] == i;
        printf("%d ranks answered%s\n", size, ok ? "" : ": some in the wrong place");
        free(ranks);
    }
    MPI_Bcast(&ok, 1, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Finalize();
    return ok ? 0 : 1;
}
