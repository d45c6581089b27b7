/* pmpi.c - the profiling interface (MPI-3.1 14.2): the program defines its
 * own MPI_Send, MPI_Recv and MPI_Barrier, which count their calls and call
 * PMPI_Send, PMPI_Recv and PMPI_Barrier; messages still arrive, and the
 * counts are exactly the calls made. */
#include "mpicheck.h"

static int sends, recvs, barriers;

int MPI_Send(const void *buf, int count, MPI_Datatype type, int dest, int tag,
             MPI_Comm comm)
{
    sends++;
    return PMPI_Send(buf, count, type, dest, tag, comm);
}

int MPI_Recv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
             MPI_Status *status)
{
    recvs++;
    return PMPI_Recv(buf, count, type, source, tag, comm, status);
}

int MPI_Barrier(MPI_Comm comm)
{
    barriers++;
    return PMPI_Barrier(comm);
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    mc_init("pmpi", &rank, &size);

    /* A token around the ring, three times. */
    const int rounds = 3;
    int token = 0;
    for (int r = 0; r < rounds && size > 1; r++) {
        if (rank == 0) {
            MPI_Send(&token, 1, MPI_INT, 1, r, MPI_COMM_WORLD);
            MPI_Recv(&token, 1, MPI_INT, size - 1, r, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            MPI_Recv(&token, 1, MPI_INT, rank - 1, r, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            token++;
            MPI_Send(&token, 1, MPI_INT, (rank + 1) % size, r, MPI_COMM_WORLD);
        }
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Barrier(MPI_COMM_WORLD);

    int want = size > 1 ? rounds : 0;
    CHECK_INT(sends, want, "MPI_Send calls counted");
    CHECK_INT(recvs, want, "MPI_Recv calls counted");
    CHECK_INT(barriers, 2, "MPI_Barrier calls counted");
    if (rank == 0)
        CHECK_INT(token, want * (size - 1), "the token");

    /* PMPI_ names of other calls exist and are the same calls. */
    int prank = -1;
    PMPI_Comm_rank(MPI_COMM_WORLD, &prank);
    CHECK_INT(prank, rank, "PMPI_Comm_rank");

    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
