/* stddev.c - standard deviation of numbers spread over the ranks: the mean
 * with MPI_Allreduce, then the squared differences summed to rank 0 with
 * MPI_Reduce; compared with the same computed on one rank. */
#include <math.h>

#include "mpicheck.h"

enum { PER_RANK = 500 };

static double number(int i)
{
    return (double)((i * 53) % 97) * 0.25 - 7.0;
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    mc_init("stddev", &rank, &size);

    int total = PER_RANK * size;
    double sum = 0, all_sum = 0;
    for (int i = 0; i < PER_RANK; i++)
        sum += number(rank * PER_RANK + i);
    MPI_Allreduce(&sum, &all_sum, 1, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    double mean = all_sum / total;

    double sq = 0, all_sq = 0;
    for (int i = 0; i < PER_RANK; i++) {
        double d = number(rank * PER_RANK + i) - mean;
        sq += d * d;
    }
    MPI_Reduce(&sq, &all_sq, 1, MPI_DOUBLE, MPI_SUM, 0, MPI_COMM_WORLD);

    if (rank == 0) {
        double m = 0, s = 0;
        for (int i = 0; i < total; i++)
            m += number(i);
        m /= total;
        for (int i = 0; i < total; i++)
            s += (number(i) - m) * (number(i) - m);
        CHECK_DBL(mean, m, "mean");
        CHECK_DBL(sqrt(all_sq / total), sqrt(s / total), "standard deviation");
    }
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
