/*
 * bench - ping-pong latency, windowed bandwidth and collective timings.
 *
 *   ipcrun -n 2 build/apps/bench [lat|bw|coll|all]     (default all)
 *
 * The same measurements, sizes, iteration counts, warm-up and output lines as
 * ../shared/anchors/mpi_pingpong.c, so that anchors/compare can set this
 * library beside Open MPI and MPICH line by line:
 *   lat <bytes> <one-way latency, us>
 *   bw <bytes> <bandwidth, MB/s (1e6 B/s)>
 *   barrier_us <ranks> <us per call>
 * Nothing else goes to stdout but '#' comment lines. Point-to-point runs
 * between ranks 0 and 1; other ranks only join the barriers.
 */
#include <ipc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_PINGPONG = 1, TAG_WINDOW = 2, TAG_ACK = 3 };
enum { MAX_SIZE = 4 << 20, WINDOW = 64 };

/* A benchmark that fails part way has no figure worth printing, and the peer
 * would hang waiting for it: end the job. */
static void check(int err, const char *call)
{
    if (err == IPC_SUCCESS)
        return;
    fprintf(stderr, "bench: %s failed: %s\n", call, ipc_strerror(err));
    ipc_abort(IPC_COMM_WORLD, 1);
}

/* Returns the one-way latency in microseconds: half of a round trip. */
static double pingpong(char *buf, int size, int iters, int rank)
{
    check(ipc_barrier(IPC_COMM_WORLD), "ipc_barrier");
    double t0 = ipc_wtime();
    for (int i = 0; i < iters; i++) {
        if (rank == 0) {
            check(ipc_send(buf, size, IPC_CHAR, 1, TAG_PINGPONG, IPC_COMM_WORLD), "ipc_send");
            check(ipc_recv(buf, size, IPC_CHAR, 1, TAG_PINGPONG, IPC_COMM_WORLD,
                           IPC_STATUS_IGNORE),
                  "ipc_recv");
        } else if (rank == 1) {
            check(ipc_recv(buf, size, IPC_CHAR, 0, TAG_PINGPONG, IPC_COMM_WORLD,
                           IPC_STATUS_IGNORE),
                  "ipc_recv");
            check(ipc_send(buf, size, IPC_CHAR, 0, TAG_PINGPONG, IPC_COMM_WORLD), "ipc_send");
        }
    }
    return (ipc_wtime() - t0) / iters / 2 * 1e6;
}

/* Rank 0 keeps WINDOW sends in flight, then waits for a one-byte ack so that
 * the next window cannot start before the receiver has taken this one.
 * Returns MB/s (1e6 bytes per second). */
static double bandwidth(char *buf, int size, int iters, int rank)
{
    ipc_request req[WINDOW];
    char ack = 0;
    check(ipc_barrier(IPC_COMM_WORLD), "ipc_barrier");
    double t0 = ipc_wtime();
    for (int i = 0; i < iters; i++) {
        if (rank > 1)
            continue;
        for (int w = 0; w < WINDOW; w++) {
            if (rank == 0)
                check(ipc_isend(buf, size, IPC_CHAR, 1, TAG_WINDOW, IPC_COMM_WORLD, &req[w]),
                      "ipc_isend");
            else
                check(ipc_irecv(buf, size, IPC_CHAR, 0, TAG_WINDOW, IPC_COMM_WORLD, &req[w]),
                      "ipc_irecv");
        }
        check(ipc_waitall(WINDOW, req, IPC_STATUSES_IGNORE), "ipc_waitall");
        if (rank == 0)
            check(ipc_recv(&ack, 1, IPC_CHAR, 1, TAG_ACK, IPC_COMM_WORLD, IPC_STATUS_IGNORE),
                  "ipc_recv");
        else
            check(ipc_send(&ack, 1, IPC_CHAR, 0, TAG_ACK, IPC_COMM_WORLD), "ipc_send");
    }
    double t = ipc_wtime() - t0;
    return (double)size * WINDOW * iters / t / 1e6;
}

static void run_latency(char *buf, int rank)
{
    if (rank == 0)
        printf("# latency_us\n");
    for (int s = 0; s <= MAX_SIZE; s = s ? s * 4 : 1) {
        int iters = s <= 65536 ? 20000 : 500;
        pingpong(buf, s, iters / 10, rank);
        double us = pingpong(buf, s, iters, rank);
        if (rank == 0)
            printf("lat %8d %10.3f\n", s, us);
    }
}

static void run_bandwidth(char *buf, int rank)
{
    if (rank == 0)
        printf("# bandwidth_MBps\n");
    for (int s = 1024; s <= MAX_SIZE; s *= 16) {
        int iters = s <= 65536 ? 200 : 10;
        bandwidth(buf, s, 2, rank);
        double mb = bandwidth(buf, s, iters, rank);
        if (rank == 0)
            printf("bw %8d %10.1f\n", s, mb);
    }
}

/* One collective to time: `warmup` untimed calls, then COLL_ITERS timed ones.
 * `count` is the number of doubles a reduction works on. */
struct coll_case {
    const char *label; /* first word of the output line */
    int warmup;
    size_t count;
    int (*call)(const struct coll_case *c, const double *in, double *out);
};

enum { COLL_ITERS = 2000, COLL_MAX_COUNT = 1024 };

static int call_barrier(const struct coll_case *c, const double *in, double *out)
{
    (void)c, (void)in, (void)out;
    return ipc_barrier(IPC_COMM_WORLD);
}

/*
 * The anchor also times MPI_Allreduce (MPI_SUM of doubles):
 *   allreduce8_us   1 double,     100 warm-up calls
 *   allreduce8k_us  1024 doubles, no warm-up
 * Once ipc_allreduce exists each is one row below, with a call_allreduce
 * that reduces c->count doubles from `in` into `out`.
 */
static const struct coll_case coll_cases[] = {
    {.label = "barrier_us", .warmup = 100, .count = 0, .call = call_barrier},
};

static void run_collectives(int rank, int nranks)
{
    double in[COLL_MAX_COUNT], out[COLL_MAX_COUNT];
    for (int i = 0; i < COLL_MAX_COUNT; i++)
        in[i] = rank + i;
    for (size_t k = 0; k < sizeof coll_cases / sizeof coll_cases[0]; k++) {
        const struct coll_case *c = &coll_cases[k];
        for (int i = 0; i < c->warmup; i++)
            check(c->call(c, in, out), c->label);
        double t0 = ipc_wtime();
        for (int i = 0; i < COLL_ITERS; i++)
            check(c->call(c, in, out), c->label);
        double us = (ipc_wtime() - t0) / COLL_ITERS * 1e6;
        if (rank == 0)
            printf("%s %d %.3f\n", c->label, nranks, us);
    }
}

static int usage_error(int rank, const char *msg, const char *what)
{
    if (rank == 0)
        fprintf(stderr, msg, what);
    ipc_finalize();
    return 2;
}

int main(int argc, char **argv)
{
    int err = ipc_init(&argc, &argv);
    if (err != IPC_SUCCESS) {
        fprintf(stderr, "bench: ipc_init failed: %s\n", ipc_strerror(err));
        return 1;
    }
    int rank, nranks;
    ipc_comm_rank(IPC_COMM_WORLD, &rank);
    ipc_comm_size(IPC_COMM_WORLD, &nranks);

    const char *what = argc > 1 ? argv[1] : "all";
    int all = !strcmp(what, "all");
    int lat = all || !strcmp(what, "lat");
    int bw = all || !strcmp(what, "bw");
    int coll = all || !strcmp(what, "coll");
    if (!lat && !bw && !coll)
        return usage_error(rank, "bench: unknown benchmark '%s'; use lat, bw, coll or all\n",
                           what);
    if (!all && (lat || bw) && nranks < 2)
        return usage_error(rank, "bench: '%s' needs 2 ranks; run it with ipcrun -n 2\n", what);

    char *buf = malloc(MAX_SIZE);
    if (!buf) {
        fprintf(stderr, "bench: cannot allocate %d bytes for the message buffer\n", MAX_SIZE);
        ipc_abort(IPC_COMM_WORLD, 1);
    }
    memset(buf, 'a', MAX_SIZE);

    if (nranks >= 2 && lat)
        run_latency(buf, rank);
    if (nranks >= 2 && bw)
        run_bandwidth(buf, rank);
    if (coll)
        run_collectives(rank, nranks);

    free(buf);
    ipc_finalize();
    return 0;
}
