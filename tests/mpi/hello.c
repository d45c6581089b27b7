/* hello.c - hello world, and what a program asks MPI about itself:
 * MPI_Init_thread (FUNNELED), Query_thread, Is_thread_main,
 * Initialized/Finalized, Wtime/Wtick, Get_processor_name, Get_version.
 *
 *   hello          every rank says hello; rank 0 prints the summary
 *   hello abort    the last rank calls MPI_Abort(MPI_COMM_WORLD, 7) while
 *                  the others wait in a barrier: the job must exit 7 */
#include "mpicheck.h"

int main(int argc, char **argv)
{
    int flag, provided, queried, rank, size;

    MPI_Initialized(&flag);
    CHECK(!flag, "MPI_Initialized says yes before MPI_Init_thread");
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    mc_init("hello", &rank, &size);
    CHECK(provided == MPI_THREAD_SINGLE || provided == MPI_THREAD_FUNNELED ||
              provided == MPI_THREAD_SERIALIZED || provided == MPI_THREAD_MULTIPLE,
          "MPI_Init_thread provided %d, not a thread level", provided);
    MPI_Query_thread(&queried);
    CHECK_INT(queried, provided, "MPI_Query_thread");
    MPI_Is_thread_main(&flag);
    CHECK(flag, "MPI_Is_thread_main is false in the thread that called MPI_Init_thread");
    MPI_Initialized(&flag);
    CHECK(flag, "MPI_Initialized says no after MPI_Init_thread");
    MPI_Finalized(&flag);
    CHECK(!flag, "MPI_Finalized says yes before MPI_Finalize");

    if (argc > 1 && !strcmp(argv[1], "abort")) {
        if (rank == size - 1)
            MPI_Abort(MPI_COMM_WORLD, 7);
        MPI_Barrier(MPI_COMM_WORLD); /* never completes: the job is aborted */
        CHECK(0, "MPI_Abort on rank %d did not end the job", size - 1);
    }

    int version, subversion;
    MPI_Get_version(&version, &subversion);
    CHECK(version == MPI_VERSION && subversion == MPI_SUBVERSION,
          "MPI_Get_version says %d.%d, mpi.h says %d.%d", version, subversion,
          MPI_VERSION, MPI_SUBVERSION);
    CHECK(version > 3 || (version == 3 && subversion >= 1),
          "MPI_Get_version says %d.%d, expected at least 3.1", version, subversion);

    char name[MPI_MAX_PROCESSOR_NAME];
    int len = -1;
    MPI_Get_processor_name(name, &len);
    CHECK(len > 0 && len < MPI_MAX_PROCESSOR_NAME && (int)strlen(name) == len,
          "MPI_Get_processor_name gave length %d for '%s'", len, name);

    double tick = MPI_Wtick(), t0 = MPI_Wtime(), t1 = t0;
    CHECK(tick > 0 && tick <= 1, "MPI_Wtick is %g, expected (0, 1]", tick);
    for (long i = 0; i < 100000000 && t1 <= t0; i++)
        t1 = MPI_Wtime();
    CHECK(t1 > t0, "MPI_Wtime did not advance from %.9f", t0);

    printf("hello from rank %d of %d on %s\n", rank, size, name);
    fflush(stdout);
    mc_ok(rank, size);
    MPI_Finalize();
    MPI_Finalized(&flag);
    if (!flag) {
        fprintf(stderr, "hello: rank %d: MPI_Finalized says no after MPI_Finalize\n", rank);
        return 1;
    }
    return 0;
}
