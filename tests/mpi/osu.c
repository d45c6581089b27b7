/* osu.c - an OSU-style micro-benchmark: ping-pong latency and windowed
 * bandwidth between ranks 0 and 1, and MPI_Allreduce latency over all ranks,
 * at sizes 1 byte to MAX bytes in powers of 4. Data are checked once per
 * size; nothing is asserted about speed.
 *
 *   osu [-i ITERATIONS] [-m MAX_BYTES]      (defaults 1000 and 1 MiB)
 * MPITEST_ARGS: -i 2 -m 4096
 *
 * The tests run it with -i 2 -m 4096: only that it works. */
#include "mpicheck.h"

enum { WINDOW = 16 };
static int rank, size, iters = 1000, max_bytes = 1 << 20;

static void fill(unsigned char *b, int n, int seed)
{
    for (int i = 0; i < n; i++)
        b[i] = (unsigned char)(seed + i);
}

static void check_fill(const unsigned char *b, int n, int seed, const char *what)
{
    for (int i = 0; i < n; i++)
        CHECK(b[i] == (unsigned char)(seed + i), "%s: byte %d of %d wrong", what, i, n);
}

static void latency(unsigned char *s, unsigned char *r)
{
    if (rank == 0)
        printf("# latency (us), ranks 0 and 1\n");
    for (int n = 1; n <= max_bytes; n *= 4) {
        fill(s, n, rank);
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (int i = 0; i < iters; i++) {
            if (rank == 0) {
                MPI_Send(s, n, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
                MPI_Recv(r, n, MPI_BYTE, 1, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else if (rank == 1) {
                MPI_Recv(r, n, MPI_BYTE, 0, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
                MPI_Send(s, n, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
            }
        }
        double t = MPI_Wtime() - t0;
        if (rank < 2)
            check_fill(r, n, 1 - rank, "latency");
        if (rank == 0)
            printf("%-10d %12.2f\n", n, t * 1e6 / (2.0 * iters));
    }
}

static void bandwidth(unsigned char *s, unsigned char *r)
{
    MPI_Request req[WINDOW];
    if (rank == 0)
        printf("# bandwidth (MB/s), ranks 0 and 1, window %d\n", WINDOW);
    for (int n = 1; n <= max_bytes; n *= 4) {
        fill(s, n, 7);
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (int i = 0; i < iters; i++) {
            if (rank == 0) {
                for (int w = 0; w < WINDOW; w++)
                    MPI_Isend(s, n, MPI_BYTE, 1, 2, MPI_COMM_WORLD, &req[w]);
                MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
                MPI_Recv(NULL, 0, MPI_BYTE, 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            } else if (rank == 1) {
                for (int w = 0; w < WINDOW; w++)
                    MPI_Irecv(r + (size_t)w * n, n, MPI_BYTE, 0, 2, MPI_COMM_WORLD, &req[w]);
                MPI_Waitall(WINDOW, req, MPI_STATUSES_IGNORE);
                MPI_Send(NULL, 0, MPI_BYTE, 0, 3, MPI_COMM_WORLD);
            }
        }
        double t = MPI_Wtime() - t0;
        for (int w = 0; rank == 1 && w < WINDOW; w++)
            check_fill(r + (size_t)w * n, n, 7, "bandwidth");
        if (rank == 0)
            printf("%-10d %12.2f\n", n, t > 0 ? (double)n * WINDOW * iters / t / 1e6 : 0);
    }
}

static void allreduce(void)
{
    int max_doubles = max_bytes / (int)sizeof(double);
    double *s = malloc((size_t)(max_doubles > 0 ? max_doubles : 1) * sizeof *s);
    double *r = malloc((size_t)(max_doubles > 0 ? max_doubles : 1) * sizeof *r);
    CHECK(s && r, "out of memory");
    if (rank == 0)
        printf("# allreduce (us), %d ranks, MPI_DOUBLE MPI_SUM\n", size);
    for (int n = 1; n <= max_doubles; n *= 4) {
        for (int i = 0; i < n; i++)
            s[i] = rank + i;
        MPI_Barrier(MPI_COMM_WORLD);
        double t0 = MPI_Wtime();
        for (int i = 0; i < iters; i++)
            MPI_Allreduce(s, r, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        double t = MPI_Wtime() - t0;
        for (int i = 0; i < n; i++)
            CHECK_DBL(r[i], size * (size - 1) / 2.0 + (double)size * i, "allreduce sum");
        if (rank == 0)
            printf("%-10d %12.2f\n", n * (int)sizeof(double), t * 1e6 / iters);
    }
    free(s);
    free(r);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("osu", &rank, &size);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "-i") && i + 1 < argc)
            iters = atoi(argv[++i]);
        else if (!strcmp(argv[i], "-m") && i + 1 < argc)
            max_bytes = atoi(argv[++i]);
        else
            CHECK(0, "usage: osu [-i ITERATIONS] [-m MAX_BYTES], got '%s'", argv[i]);
    }
    CHECK(iters > 0 && max_bytes > 0, "-i and -m need positive numbers");

    unsigned char *s = malloc((size_t)max_bytes), *r = malloc((size_t)max_bytes * WINDOW);
    CHECK(s && r, "out of memory");
    if (size >= 2) {
        latency(s, r);
        bandwidth(s, r);
    } else if (rank == 0) {
        printf("# latency and bandwidth need 2 ranks: skipped\n");
    }
    allreduce();
    free(s);
    free(r);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
