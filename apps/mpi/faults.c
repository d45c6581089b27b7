/*
 * faults - a demonstration: a small MPI program with two bugs of the kind
 * that cost an afternoon, each switched on by an argument, to show what
 * ipcrun prints when a rank crashes or a job hangs (make demo shows both).
 * Plain MPI-3.1, at least 2 ranks.
 *
 *   mpicc -o faults apps/mpi/faults.c
 *   ipcrun -n 4 ./faults           the correct program: prints the sum, exits 0
 *   ipcrun -n 4 ./faults crash     the last rank reads the gathered table,
 *                                  which only rank 0 allocated: it segfaults
 *   ipcrun -n 4 ./faults hang      rank 0 sends rank 1 its work with tag 8,
 *                                  rank 1 receives with tag 7: rank 1 waits
 *                                  in MPI_Recv, rank 0 in MPI_Gather for
 *                                  rank 1, the others in MPI_Bcast for rank 0
 *                                  (stop it with Ctrl-C or ipcrun --timeout)
 *
 * The job: rank 0 hands rank 1 an extra block of work, every rank sums the
 * integers of its block, rank 0 gathers the partial sums, checks them and
 * broadcasts the total, every rank checks it, and rank 0 prints the verdict
 * all agree on. Exits 1 when it is wrong, 2 on a bad argument or a single
 * rank.
 */
#include <mpi.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_WORK = 7, BLOCK = 1000 };
static const char usage[] = "usage: faults [ok|crash|hang], on 2 ranks or more";

/* The sum of the integers of block b: b * BLOCK + 1 .. (b + 1) * BLOCK. */
static long block_sum(long b)
{
    long sum = 0;
    for (long i = b * BLOCK + 1; i <= (b + 1) * BLOCK; i++)
        sum += i;
    return sum;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank, size;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    const char *mode = argc > 1 ? argv[1] : "ok";
    int crash = strcmp(mode, "crash") == 0, hang = strcmp(mode, "hang") == 0;
    if ((!crash && !hang && strcmp(mode, "ok") != 0) || size < 2) {
        if (rank == 0)
            fprintf(stderr, "faults: '%s' on %d ranks; %s\n", mode, size, usage);
        MPI_Finalize();
        return 2;
    }

    /* Blocks 0..size-1 are the ranks' own; block `size` is the extra one
     * rank 0 hands to rank 1. The bug in hang: a mistyped tag. */
    long mine = block_sum(rank);
    if (rank == 0) {
        long extra = size;
        MPI_Send(&extra, 1, MPI_LONG, 1, hang ? TAG_WORK + 1 : TAG_WORK, MPI_COMM_WORLD);
    } else if (rank == 1) {
        long extra;
        MPI_Recv(&extra, 1, MPI_LONG, 0, TAG_WORK, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        mine += block_sum(extra);
    }

    /* The receive buffer of a gather matters at the root only, so only
     * rank 0 allocates it. The bug in crash: the last rank checks its own
     * entry in the table too. */
    long *sums = rank == 0 ? malloc(sizeof(long) * (size_t)size) : NULL;
    MPI_Gather(&mine, 1, MPI_LONG, sums, 1, MPI_LONG, 0, MPI_COMM_WORLD);
    int ok = 1;
    if (rank == 0 || (crash && rank == size - 1))
        ok = sums[rank] == mine;
    long total = 0;
    if (rank == 0)
        for (int r = 0; r < size; r++)
            total += sums[r];
    MPI_Bcast(&total, 1, MPI_LONG, 0, MPI_COMM_WORLD);

    long n = (long)(size + 1) * BLOCK;
    ok &= total == n * (n + 1) / 2;
    MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_LAND, MPI_COMM_WORLD);
    if (rank == 0)
        printf("faults: %d ranks summed 1..%ld: %ld, %s\n", size, n, total,
               ok ? "ok" : "WRONG");
    free(sums);
    MPI_Finalize();
    return ok ? 0 : 1;
}
