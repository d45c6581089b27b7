/*
 * bench - ping-pong latency, windowed bandwidth and collective timings.
 *
 *   ipcrun -n 2 build/apps/bench [lat|bw|coll|collall|nbc|rma|all]   (default all)
 *
 * The same measurements, sizes, iteration counts, warm-up and output lines as
 * ../shared/anchors/mpi_pingpong.c, so that anchors/compare can set this
 * library beside Open MPI and MPICH line by line:
 *   lat <bytes> <one-way latency, us>
 *   bw <bytes> <bandwidth, MB/s (1e6 B/s)>
 *   barrier_us <ranks> <us per call>
 *   allreduce8_us <ranks> <us per call>     (1 double, IPC_SUM)
 *   allreduce8k_us <ranks> <us per call>    (1024 doubles)
 * Nothing else goes to stdout but '#' comment lines. Point-to-point runs
 * between ranks 0 and 1; other ranks only join the collectives.
 *
 *   ipcrun -n N build/apps/bench collall
 *
 * times every collective at a few sizes, one line each (not part of "all"):
 *   collall <collective> <ranks> <bytes> <us per call>
 * <bytes> is what one rank sends to one other: the whole buffer for bcast
 * and the reductions (doubles, IPC_SUM), one block for the gathers,
 * scatters and all-to-alls, one rank's block for reduce_scatter_block.
 * Rooted collectives use root 0; each figure is the best of 3 timed runs.
 *
 *   ipcrun -n N build/apps/bench nbc
 *
 * nonblocking collectives as ../shared/anchors/mpi_pingpong.c's nbc mode
 * (and the OSU nonblocking benchmarks) measure them, at 8 B and 1 MiB:
 *   iallreduce_us <bytes> <us>   ibcast_us <bytes> <us>   (start + wait)
 *   iallreduce_overlap_pct <bytes> <%>   ibcast_overlap_pct <bytes> <%>
 * overlap = 100 (1 - (overall - compute) / pure), where each call gets as
 * much computation (no library call) between start and wait as its pure
 * time: 100 when the wait costs nothing after it, 0 when nothing moved.
 *
 *   ipcrun -n N build/apps/bench rma      (N >= 2)
 *
 * one-sided communication as mpi_pingpong.c's rma mode measures it, rank 0
 * the origin and rank 1 the target of a window from ipc_win_allocate:
 *   rma_put_lock_us / rma_get_lock_us <bytes> <us>   lock, one put/get, unlock
 *   rma_put_fence_us / rma_get_fence_us <bytes> <us> one-way, fence epochs
 *   rma_acc_us 8 <us>   rma_fop_us 8 <us>            lock, accumulate/fetch-and-op, unlock
 *   rma_put_bw <bytes> <MB/s>                        64 puts, flush, in one lock epoch
 * at 8 B and 64 KiB (bandwidth: 64 KiB and 1 MiB). The data is checked once.
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

static int call_allreduce(const struct coll_case *c, const double *in, double *out)
{
    return ipc_allreduce(in, out, c->count, IPC_DOUBLE, IPC_SUM, IPC_COMM_WORLD);
}

/* As the anchor: allreduce8k has no warm-up of its own, it follows allreduce8. */
static const struct coll_case coll_cases[] = {
    {.label = "barrier_us", .warmup = 100, .count = 0, .call = call_barrier},
    {.label = "allreduce8_us", .warmup = 100, .count = 1, .call = call_allreduce},
    {.label = "allreduce8k_us", .warmup = 0, .count = 1024, .call = call_allreduce},
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

/* ---- collall ---- */

/* Buffers for one collall run: big enough for the largest size on n ranks. */
struct collall {
    char *sbuf, *rbuf;
    size_t *counts, *displs; /* n entries each, for the v variants */
    int n;
};

typedef int collall_fn(const struct collall *x, size_t bytes);

static int ca_barrier(const struct collall *x, size_t bytes)
{
    (void)x, (void)bytes;
    return ipc_barrier(IPC_COMM_WORLD);
}

static int ca_bcast(const struct collall *x, size_t bytes)
{
    return ipc_bcast(x->sbuf, bytes, IPC_BYTE, 0, IPC_COMM_WORLD);
}

static int ca_reduce(const struct collall *x, size_t bytes)
{
    return ipc_reduce(x->sbuf, x->rbuf, bytes / 8, IPC_DOUBLE, IPC_SUM, 0, IPC_COMM_WORLD);
}

static int ca_allreduce(const struct collall *x, size_t bytes)
{
    return ipc_allreduce(x->sbuf, x->rbuf, bytes / 8, IPC_DOUBLE, IPC_SUM, IPC_COMM_WORLD);
}

static int ca_scan(const struct collall *x, size_t bytes)
{
    return ipc_scan(x->sbuf, x->rbuf, bytes / 8, IPC_DOUBLE, IPC_SUM, IPC_COMM_WORLD);
}

static int ca_exscan(const struct collall *x, size_t bytes)
{
    return ipc_exscan(x->sbuf, x->rbuf, bytes / 8, IPC_DOUBLE, IPC_SUM, IPC_COMM_WORLD);
}

static int ca_reduce_scatter(const struct collall *x, size_t bytes)
{
    return ipc_reduce_scatter_block(x->sbuf, x->rbuf, bytes / 8, IPC_DOUBLE, IPC_SUM,
                                    IPC_COMM_WORLD);
}

static int ca_gather(const struct collall *x, size_t bytes)
{
    return ipc_gather(x->sbuf, bytes, IPC_BYTE, x->rbuf, bytes, IPC_BYTE, 0, IPC_COMM_WORLD);
}

static int ca_gatherv(const struct collall *x, size_t bytes)
{
    return ipc_gatherv(x->sbuf, bytes, IPC_BYTE, x->rbuf, x->counts, x->displs, IPC_BYTE, 0,
                       IPC_COMM_WORLD);
}

static int ca_scatter(const struct collall *x, size_t bytes)
{
    return ipc_scatter(x->sbuf, bytes, IPC_BYTE, x->rbuf, bytes, IPC_BYTE, 0, IPC_COMM_WORLD);
}

static int ca_scatterv(const struct collall *x, size_t bytes)
{
    return ipc_scatterv(x->sbuf, x->counts, x->displs, IPC_BYTE, x->rbuf, bytes, IPC_BYTE, 0,
                        IPC_COMM_WORLD);
}

static int ca_allgather(const struct collall *x, size_t bytes)
{
    return ipc_allgather(x->sbuf, bytes, IPC_BYTE, x->rbuf, bytes, IPC_BYTE, IPC_COMM_WORLD);
}

static int ca_allgatherv(const struct collall *x, size_t bytes)
{
    return ipc_allgatherv(x->sbuf, bytes, IPC_BYTE, x->rbuf, x->counts, x->displs, IPC_BYTE,
                          IPC_COMM_WORLD);
}

static int ca_alltoall(const struct collall *x, size_t bytes)
{
    return ipc_alltoall(x->sbuf, bytes, IPC_BYTE, x->rbuf, bytes, IPC_BYTE, IPC_COMM_WORLD);
}

static int ca_alltoallv(const struct collall *x, size_t bytes)
{
    (void)bytes; /* in x->counts */
    return ipc_alltoallv(x->sbuf, x->counts, x->displs, IPC_BYTE, x->rbuf, x->counts,
                         x->displs, IPC_BYTE, IPC_COMM_WORLD);
}

static const struct {
    const char *name;
    collall_fn *call;
    int sized; /* 0: one line, no size (barrier) */
} collall_list[] = {
    {"barrier", ca_barrier, 0},
    {"bcast", ca_bcast, 1},
    {"reduce", ca_reduce, 1},
    {"allreduce", ca_allreduce, 1},
    {"scan", ca_scan, 1},
    {"exscan", ca_exscan, 1},
    {"reduce_scatter_block", ca_reduce_scatter, 1},
    {"gather", ca_gather, 1},
    {"gatherv", ca_gatherv, 1},
    {"scatter", ca_scatter, 1},
    {"scatterv", ca_scatterv, 1},
    {"allgather", ca_allgather, 1},
    {"allgatherv", ca_allgatherv, 1},
    {"alltoall", ca_alltoall, 1},
    {"alltoallv", ca_alltoallv, 1},
};

enum { COLLALL_MAX = 1 << 20, COLLALL_ROUNDS = 3 };
static const size_t collall_sizes[] = {8, 1024, 65536, COLLALL_MAX};

/* Calls per timed run: about the same total volume at every size. */
static int collall_iters(size_t bytes)
{
    return bytes <= 1024 ? 1000 : bytes <= 65536 ? 100 : 10;
}

static double collall_time(const struct collall *x, collall_fn *call, const char *name,
                           size_t bytes)
{
    int iters = collall_iters(bytes);
    double best = 0;
    for (int i = 0; i < x->n; i++) {
        x->counts[i] = bytes;
        x->displs[i] = (size_t)i * bytes;
    }
    check(call(x, bytes), name); /* warm-up */
    for (int round = 0; round < COLLALL_ROUNDS; round++) {
        check(ipc_barrier(IPC_COMM_WORLD), "ipc_barrier");
        double t0 = ipc_wtime();
        for (int i = 0; i < iters; i++)
            check(call(x, bytes), name);
        double us = (ipc_wtime() - t0) / iters * 1e6;
        /* The slowest rank's time is the collective's. */
        check(ipc_allreduce(IPC_IN_PLACE, &us, 1, IPC_DOUBLE, IPC_MAX, IPC_COMM_WORLD),
              "ipc_allreduce");
        best = round == 0 || us < best ? us : best;
    }
    return best;
}

static void run_collall(int rank, int nranks)
{
    size_t cap = (size_t)COLLALL_MAX * (size_t)nranks;
    struct collall x = {.sbuf = malloc(cap), .rbuf = malloc(cap), .n = nranks,
                        .counts = malloc((size_t)nranks * sizeof(size_t)),
                        .displs = malloc((size_t)nranks * sizeof(size_t))};
    if (!x.sbuf || !x.rbuf || !x.counts || !x.displs) {
        fprintf(stderr, "bench: cannot allocate 2 x %zu bytes for collall\n", cap);
        ipc_abort(IPC_COMM_WORLD, 1);
    }
    for (size_t i = 0; i < cap / sizeof(double); i++)
        ((double *)x.sbuf)[i] = rank + (double)i;
    if (rank == 0)
        printf("# collall <collective> <ranks> <bytes> <us>\n");
    for (size_t k = 0; k < sizeof collall_list / sizeof collall_list[0]; k++) {
        size_t nsizes = collall_list[k].sized ? sizeof collall_sizes / sizeof(size_t) : 1;
        for (size_t j = 0; j < nsizes; j++) {
            size_t bytes = collall_list[k].sized ? collall_sizes[j] : 0;
            double us = collall_time(&x, collall_list[k].call, collall_list[k].name, bytes);
            if (rank == 0)
                printf("collall %s %d %zu %.3f\n", collall_list[k].name, nranks, bytes, us);
        }
    }
    free(x.sbuf);
    free(x.rbuf);
    free(x.counts);
    free(x.displs);
}

/* ---- nbc: nonblocking collectives, latency and overlap ---- */

static volatile double compute_sink;

/* CPU work with no library call for about secs seconds; the time it took. */
static double compute_for(double secs)
{
    double t0 = ipc_wtime(), t, x = compute_sink + 1.0;
    do {
        for (int i = 0; i < 32; i++)
            x = x * 0.999999 + 1e-7;
        t = ipc_wtime() - t0;
    } while (t < secs);
    compute_sink = x;
    return t;
}

static void nbc_start(int bcast, size_t bytes, double *sbuf, double *rbuf, ipc_request *req)
{
    if (bcast)
        check(ipc_ibcast(sbuf, bytes, IPC_BYTE, 0, IPC_COMM_WORLD, req), "ipc_ibcast");
    else
        check(ipc_iallreduce(sbuf, rbuf, bytes / sizeof(double), IPC_DOUBLE, IPC_SUM,
                             IPC_COMM_WORLD, req),
              "ipc_iallreduce");
}

/* The mean over the ranks. */
static double rank_mean(double x, int nranks)
{
    check(ipc_allreduce(IPC_IN_PLACE, &x, 1, IPC_DOUBLE, IPC_SUM, IPC_COMM_WORLD),
          "ipc_allreduce");
    return x / nranks;
}

static void run_nbc(int rank, int nranks)
{
    static const size_t sizes[] = {8, 1 << 20};
    static const char *const name[] = {"iallreduce", "ibcast"};
    size_t n = (1 << 20) / sizeof(double);
    double *sbuf = malloc(n * sizeof(double)), *rbuf = malloc(n * sizeof(double));
    if (!sbuf || !rbuf) {
        fprintf(stderr, "bench: cannot allocate 2 MiB for nbc\n");
        ipc_abort(IPC_COMM_WORLD, 1);
    }
    for (size_t i = 0; i < n; i++)
        sbuf[i] = 1.0, rbuf[i] = 0.0;
    for (int bcast = 0; bcast < 2; bcast++) {
        for (int s = 0; s < 2; s++) {
            size_t bytes = sizes[s];
            int it = bytes <= 1024 ? 1000 : 50, warm = it / 10;
            ipc_request req;
            double pure = 0, overall = 0, comp = 0;
            check(ipc_barrier(IPC_COMM_WORLD), "ipc_barrier");
            for (int i = 0; i < warm + it; i++) {
                double t0 = ipc_wtime();
                nbc_start(bcast, bytes, sbuf, rbuf, &req);
                check(ipc_wait(&req, IPC_STATUS_IGNORE), "ipc_wait");
                if (i >= warm)
                    pure += ipc_wtime() - t0;
                check(ipc_barrier(IPC_COMM_WORLD), "ipc_barrier");
            }
            pure /= it;
            for (int i = 0; i < warm + it; i++) {
                double t0 = ipc_wtime();
                nbc_start(bcast, bytes, sbuf, rbuf, &req);
                double c = compute_for(pure);
                check(ipc_wait(&req, IPC_STATUS_IGNORE), "ipc_wait");
                double t = ipc_wtime() - t0;
                if (i >= warm)
                    overall += t, comp += c;
                check(ipc_barrier(IPC_COMM_WORLD), "ipc_barrier");
            }
            pure = rank_mean(pure * 1e6, nranks);
            overall = rank_mean(overall / it * 1e6, nranks);
            comp = rank_mean(comp / it * 1e6, nranks);
            double pct = pure > 0 ? 100 * (1 - (overall - comp) / pure) : 0;
            pct = pct < 0 ? 0 : pct > 100 ? 100 : pct;
            if (rank == 0)
                printf("%s_us %zu %.3f\n%s_overlap_pct %zu %.3f\n", name[bcast], bytes, pure,
                       name[bcast], bytes, pct);
        }
    }
    free(sbuf);
    free(rbuf);
}

/* ---- rma: one-sided, rank 0 the origin and rank 1 the target ---- */

enum { RMA_BURST = 64 };
#define RMA_SPAN ((size_t)RMA_BURST << 20) /* 64 puts of 1 MiB side by side */
#define RMA_ACC_AT RMA_SPAN                /* the double rma_acc_us adds to */
#define RMA_FOP_AT (RMA_SPAN + 8)          /* the int64 rma_fop_us adds to */

static void rma_fail(const char *what, int err)
{
    fprintf(stderr, "bench: %s failed: %s\n", what, ipc_strerror(err));
    ipc_abort(IPC_COMM_WORLD, 1);
}
#define RMA_OK(call)                                                                     \
    do {                                                                                 \
        int rma_rc_ = (call);                                                            \
        if (rma_rc_ != IPC_SUCCESS)                                                      \
            rma_fail(#call, rma_rc_);                                                    \
    } while (0)

/* lock, one put or get of bytes at rank 1, unlock; rank 0 times it. */
static double rma_lock_us(ipc_win w, char *buf, size_t bytes, int get, int rank)
{
    int it = bytes <= 1024 ? 2000 : 500, warm = it / 10;
    double t0 = 0, us = 0;
    RMA_OK(ipc_barrier(IPC_COMM_WORLD));
    if (rank == 0) {
        for (int i = 0; i < warm + it; i++) {
            if (i == warm)
                t0 = ipc_wtime();
            RMA_OK(ipc_win_lock(IPC_LOCK_EXCLUSIVE, 1, 0, w));
            if (get)
                RMA_OK(ipc_get(buf, bytes, IPC_BYTE, 1, 0, w));
            else
                RMA_OK(ipc_put(buf, bytes, IPC_BYTE, 1, 0, w));
            RMA_OK(ipc_win_unlock(1, w));
        }
        us = (ipc_wtime() - t0) / it * 1e6;
    }
    RMA_OK(ipc_barrier(IPC_COMM_WORLD));
    return us;
}

/* rank 0 puts (gets) in one fence epoch, rank 1 in the next: one-way time. */
static double rma_fence_us(ipc_win w, char *buf, size_t bytes, int get, int rank)
{
    int it = bytes <= 1024 ? 1000 : 200, warm = it / 10;
    double t0 = 0;
    RMA_OK(ipc_barrier(IPC_COMM_WORLD));
    for (int i = 0; i < warm + it; i++) {
        if (i == warm)
            t0 = ipc_wtime();
        for (int epoch = 0; epoch < 3; epoch++) {
            RMA_OK(ipc_win_fence(0, w));
            if ((epoch == 0 && rank == 0) || (epoch == 1 && rank == 1)) {
                if (get)
                    RMA_OK(ipc_get(buf, bytes, IPC_BYTE, 1 - rank, 0, w));
                else
                    RMA_OK(ipc_put(buf, bytes, IPC_BYTE, 1 - rank, 0, w));
            }
        }
    }
    double us = (ipc_wtime() - t0) / it / 2 * 1e6;
    RMA_OK(ipc_win_fence(IPC_MODE_NOSUCCEED, w));
    return us;
}

/* lock, one accumulate (+1.0) or fetch-and-op (+1) at rank 1, unlock; the
 * target must then hold the number of calls. */
static double rma_atomic_us(ipc_win w, int fop, int rank)
{
    int it = 2000, warm = 200;
    double one = 1.0, t0 = 0, us = 0, dsum = 0;
    int64_t lone = 1, got = -1, lsum = 0;
    RMA_OK(ipc_barrier(IPC_COMM_WORLD));
    if (rank == 0) {
        for (int i = 0; i < warm + it; i++) {
            if (i == warm)
                t0 = ipc_wtime();
            RMA_OK(ipc_win_lock(IPC_LOCK_EXCLUSIVE, 1, 0, w));
            if (fop)
                RMA_OK(ipc_fetch_and_op(&lone, &got, IPC_INT64, 1, RMA_FOP_AT, IPC_SUM, w));
            else
                RMA_OK(ipc_accumulate(&one, 1, IPC_DOUBLE, 1, RMA_ACC_AT, IPC_SUM, w));
            RMA_OK(ipc_win_unlock(1, w));
        }
        us = (ipc_wtime() - t0) / it * 1e6;
        RMA_OK(ipc_win_lock(IPC_LOCK_EXCLUSIVE, 1, 0, w));
        if (fop)
            RMA_OK(ipc_get(&lsum, 1, IPC_INT64, 1, RMA_FOP_AT, w));
        else
            RMA_OK(ipc_get(&dsum, 1, IPC_DOUBLE, 1, RMA_ACC_AT, w));
        RMA_OK(ipc_win_unlock(1, w));
        if ((fop && (lsum != warm + it || got != warm + it - 1)) ||
            (!fop && dsum != warm + it)) {
            fprintf(stderr, "bench: rma_%s: the target holds %g, expected %d\n",
                    fop ? "fop" : "acc", fop ? (double)lsum : dsum, warm + it);
            ipc_abort(IPC_COMM_WORLD, 1);
        }
    }
    RMA_OK(ipc_barrier(IPC_COMM_WORLD));
    return us;
}

/* one lock epoch; each iteration puts RMA_BURST x bytes side by side, then
 * flushes. MB/s. */
static double rma_put_bw(ipc_win w, char *src, size_t bytes, int rank)
{
    int it = bytes <= 65536 ? 100 : 10, warm = 2;
    double t0 = 0, mbs = 0;
    RMA_OK(ipc_barrier(IPC_COMM_WORLD));
    if (rank == 0) {
        RMA_OK(ipc_win_lock(IPC_LOCK_EXCLUSIVE, 1, 0, w));
        for (int i = 0; i < warm + it; i++) {
            if (i == warm)
                t0 = ipc_wtime();
            for (int j = 0; j < RMA_BURST; j++)
                RMA_OK(ipc_put(src + (size_t)j * bytes, bytes, IPC_BYTE, 1, (size_t)j * bytes,
                               w));
            RMA_OK(ipc_win_flush(1, w));
        }
        mbs = (double)bytes * RMA_BURST * it / (ipc_wtime() - t0) / 1e6;
        RMA_OK(ipc_win_unlock(1, w));
    }
    RMA_OK(ipc_barrier(IPC_COMM_WORLD));
    return mbs;
}

static void run_rma(int rank, int nranks)
{
    if (nranks < 2)
        return;
    size_t mine = rank < 2 ? RMA_SPAN + 16 : 0;
    unsigned char *base = NULL;
    ipc_win w;
    RMA_OK(ipc_win_allocate(mine, 1, IPC_COMM_WORLD, &base, &w));
    if (mine)
        memset(base, 0, mine);
    char *src = rank < 2 ? malloc(RMA_SPAN) : NULL, *dst = rank < 2 ? malloc(65536) : NULL;
    if (rank < 2 && (!src || !dst)) {
        fprintf(stderr, "bench: cannot allocate %zu bytes for rma\n", (size_t)RMA_SPAN);
        ipc_abort(IPC_COMM_WORLD, 1);
    }
    if (src)
        for (size_t i = 0; i < RMA_SPAN; i++)
            src[i] = (char)(i * 7 + 1);
    RMA_OK(ipc_barrier(IPC_COMM_WORLD));
    /* once: 64 KiB there and back */
    if (rank == 0) {
        RMA_OK(ipc_win_lock(IPC_LOCK_EXCLUSIVE, 1, 0, w));
        RMA_OK(ipc_put(src, 65536, IPC_BYTE, 1, 0, w));
        RMA_OK(ipc_win_unlock(1, w));
        RMA_OK(ipc_win_lock(IPC_LOCK_EXCLUSIVE, 1, 0, w));
        RMA_OK(ipc_get(dst, 65536, IPC_BYTE, 1, 0, w));
        RMA_OK(ipc_win_unlock(1, w));
        if (memcmp(src, dst, 65536)) {
            fprintf(stderr, "bench: rma: 64 KiB put and got back differ\n");
            ipc_abort(IPC_COMM_WORLD, 1);
        }
    }
    static const size_t sizes[] = {8, 65536};
    static const char *const names[] = {"rma_put_lock_us", "rma_get_lock_us",
                                        "rma_put_fence_us", "rma_get_fence_us"};
    for (int kind = 0; kind < 4; kind++) {
        for (int s = 0; s < 2; s++) {
            char *buf = kind % 2 ? dst : src;
            double us = kind < 2 ? rma_lock_us(w, buf, sizes[s], kind % 2, rank)
                                 : rma_fence_us(w, buf, sizes[s], kind % 2, rank);
            if (rank == 0)
                printf("%s %zu %.3f\n", names[kind], sizes[s], us);
        }
    }
    for (int fop = 0; fop < 2; fop++) {
        double us = rma_atomic_us(w, fop, rank);
        if (rank == 0)
            printf("%s 8 %.3f\n", fop ? "rma_fop_us" : "rma_acc_us", us);
    }
    for (size_t bytes = 65536; bytes <= 1 << 20; bytes *= 16) {
        double mbs = rma_put_bw(w, src, bytes, rank);
        if (rank == 0)
            printf("rma_put_bw %zu %.1f\n", bytes, mbs);
    }
    fflush(stdout);
    RMA_OK(ipc_win_free(&w));
    free(src);
    free(dst);
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
    int collall = !strcmp(what, "collall");
    int nbc = !strcmp(what, "nbc");
    int rma = !strcmp(what, "rma");
    if (!lat && !bw && !coll && !collall && !nbc && !rma)
        return usage_error(
            rank, "bench: unknown benchmark '%s'; use lat, bw, coll, collall, nbc, rma or all\n",
            what);
    if (!all && (lat || bw || rma) && nranks < 2)
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
    if (collall)
        run_collall(rank, nranks);
    if (nbc)
        run_nbc(rank, nranks);
    if (rma)
        run_rma(rank, nranks);

    free(buf);
    ipc_finalize();
    return 0;
}
