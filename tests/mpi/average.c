/* average.c - the average of numbers spread over the ranks, five ways:
 * MPI_Scatter then MPI_Gather of partial averages, MPI_Allgather of them,
 * MPI_Reduce and MPI_Allreduce of partial sums. Every rank can compute the
 * numbers, so every rank knows the right answer. */
#include "mpicheck.h"

enum { PER_RANK = 1000 };

static double number(int i)
{
    return (double)((i * 37) % 101) / 4.0;
}

static double average_of(const double *v, int n)
{
    double sum = 0;
    for (int i = 0; i < n; i++)
        sum += v[i];
    return sum / n;
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    mc_init("average", &rank, &size);

    int total = PER_RANK * size;
    double *all = malloc((size_t)total * sizeof *all);
    double *part = malloc(PER_RANK * sizeof *part);
    double *avgs = malloc((size_t)size * sizeof *avgs);
    CHECK(all && part && avgs, "out of memory");
    for (int i = 0; i < total; i++)
        all[i] = number(i);
    double want = average_of(all, total);

    MPI_Scatter(rank == 0 ? all : NULL, PER_RANK, MPI_DOUBLE, part, PER_RANK, MPI_DOUBLE,
                0, MPI_COMM_WORLD);
    for (int i = 0; i < PER_RANK; i++)
        CHECK_DBL(part[i], number(rank * PER_RANK + i), "scattered number");
    double mine = average_of(part, PER_RANK);

    MPI_Gather(&mine, 1, MPI_DOUBLE, avgs, 1, MPI_DOUBLE, 0, MPI_COMM_WORLD);
    if (rank == 0)
        CHECK_DBL(average_of(avgs, size), want, "average of gathered averages");

    for (int i = 0; i < size; i++)
        avgs[i] = -1;
    MPI_Allgather(&mine, 1, MPI_DOUBLE, avgs, 1, MPI_DOUBLE, MPI_COMM_WORLD);
    CHECK_DBL(average_of(avgs, size), want, "average of allgathered averages");

    double sum = mine * PER_RANK, total_sum = -1;
    MPI_Reduce(&sum, &total_sum, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);
    if (rank == 0)
        CHECK_DBL(total_sum / total, want, "average from MPI_Reduce");
    MPI_Allreduce(&sum, &total_sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    CHECK_DBL(total_sum / total, want, "average from MPI_Allreduce");

    free(all);
    free(part);
    free(avgs);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
