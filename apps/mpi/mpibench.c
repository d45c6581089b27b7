/*
 * mpibench - point-to-point and collective timings, with the data checked.
 * Plain MPI-3.1: scripts/bench builds it with every MPI it finds and runs
 * them side by side (docs/benchmarks.md).
 *
 *   mpirun -n 2 mpibench lat  [--quick] [--sizes a,b,...]
 *   mpirun -n 2 mpibench bw   [--quick] [--sizes a,b,...]
 *   mpirun -n N mpibench coll [--quick] [--sizes a,b,...] [--iters K]
 *
 * Rank 0 prints one line per figure:
 *   lat <bytes> <us>     ping-pong between ranks 0 and 1, half the round trip
 *   bw <bytes> <MB/s>    a window of MPI_Isend (rank 0) and MPI_Irecv (rank 1),
 *                        then a 4-byte ack; MB = 1e6 bytes
 *   coll <name> <bytes per rank> <us>   the slowest rank's mean time per call:
 *                        barrier (0 bytes), bcast (the message), allreduce
 *                        (MPI_DOUBLE sum, the vector), allgather (each rank's
 *                        block), alltoall (the block for each peer),
 *                        reduce_scatter_block (MPI_DOUBLE sum, each rank's
 *                        result block)
 * Sizes default to 0 B..4 MiB by powers of 4 (lat), 1 KiB..4 MiB (bw) and
 * 8 B, 1 KiB, 64 KiB, 1 MiB (coll); --sizes takes bytes, with an optional k
 * or m suffix (KiB, MiB). --quick runs a tenth of the iterations; --iters K
 * runs K of them whatever the size (for jobs of hundreds of ranks, where one
 * call takes milliseconds).
 *
 * Each figure runs warm-up iterations, then the timed ones. Every message
 * carries a pattern made from its size and its sender, and its first and
 * last 8 bytes (or the first and last double) change with the iteration, so
 * that the last iteration's data, checked in full, proves it arrived. A
 * wrong value makes the rank that saw it name it on stderr, and every rank
 * exit 1. A bad argument: one line from rank 0, exit 2.
 */
#include <mpi.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_SIZES 32
#define MAX_BYTES (64L << 20)
#define BW_WINDOW 64
/* The bandwidth window is smaller for big messages: at most this in flight. */
#define BW_WINDOW_BYTES (16L << 20)

enum mode { LAT, BW, COLL };

struct opts {
    enum mode mode;
    int quick;
    long iters; /* --iters: timed iterations of every figure, 0: by size */
    int nsizes;
    long sizes[MAX_SIZES];
};

static int rank, nranks;

/* ---- the data pattern ---- */

/* The byte at index i of a message of `size` bytes from `sender` in
 * iteration `iter`: the first and last 8 bytes depend on the iteration. */
static uint8_t pattern_byte(long size, int sender, long iter, long i)
{
    if (i < 8 || i >= size - 8)
        return (uint8_t)(iter * 31 + i + sender * 5 + 1);
    return (uint8_t)(i * 7 + (i >> 8) * 3 + size * 13 + sender * 101);
}

static void fill_bytes(uint8_t *buf, long size, int sender, long iter)
{
    for (long i = 0; i < size; i++)
        buf[i] = pattern_byte(size, sender, iter, i);
}

/* Rewrites only the bytes that change with the iteration. */
static void stamp_bytes(uint8_t *buf, long size, int sender, long iter)
{
    for (long i = 0; i < size && i < 8; i++)
        buf[i] = pattern_byte(size, sender, iter, i);
    for (long i = size - 8 > 8 ? size - 8 : 8; i < size; i++)
        buf[i] = pattern_byte(size, sender, iter, i);
}

/* Fills a receive buffer with what the awaited message does not hold. */
static void poison_bytes(uint8_t *buf, long size, int sender, long iter)
{
    for (long i = 0; i < size; i++)
        buf[i] = (uint8_t)~pattern_byte(size, sender, iter, i);
}

/* 0, or 1 after naming the first wrong byte on stderr. The pattern is
 * seeded with `seed`: the sender, or for alltoall the pair of ranks. */
static int check_bytes(const char *what, const uint8_t *buf, long size, int from,
                       int seed, long iter)
{
    for (long i = 0; i < size; i++) {
        uint8_t want = pattern_byte(size, seed, iter, i);
        if (buf[i] != want) {
            fprintf(stderr,
                    "mpibench: %s, %ld bytes, rank %d: byte %ld from rank %d is 0x%02x, "
                    "expected 0x%02x (iteration %ld)\n",
                    what, size, rank, i, from, buf[i], want, iter);
            return 1;
        }
    }
    return 0;
}

/* Element i (of n) of rank r's contribution to a sum: small integers, exact
 * in a double whatever the order of the additions. */
static double pattern_double(long n, int r, long iter, long i)
{
    if (i == 0 || i == n - 1)
        return (double)(r + 1) * (double)(iter % 1000 + 2);
    return (double)(r + 1) + (double)(i % 17);
}

static void fill_doubles(double *v, long n, int r, long iter, long offset, long total)
{
    for (long i = 0; i < n; i++)
        v[i] = pattern_double(total, r, iter, offset + i);
}

/* Element i of the sum over all ranks. */
static double sum_double(long n, long iter, long i)
{
    double s = 0;
    for (int r = 0; r < nranks; r++)
        s += pattern_double(n, r, iter, i);
    return s;
}

static int check_sum(const char *what, const double *v, long n, long iter, long offset,
                     long total)
{
    for (long i = 0; i < n; i++) {
        double want = sum_double(total, iter, offset + i);
        if (v[i] != want) {
            fprintf(stderr,
                    "mpibench: %s, %ld bytes, rank %d: element %ld is %g, expected %g "
                    "(iteration %ld)\n",
                    what, n * (long)sizeof(double), rank, offset + i, v[i], want, iter);
            return 1;
        }
    }
    return 0;
}

/* Every rank learns whether any rank saw a wrong value. */
static int any_failed(int failed)
{
    int any = 0;
    MPI_Allreduce(&failed, &any, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return any;
}

/* ---- iteration counts ---- */

/* Iterations moving about `budget` bytes, within [lo, hi]; a tenth with
 * --quick (at least 5). Warm-up: a tenth of that, at least 2. */
static long iterations(const struct opts *o, long bytes, long budget, long lo, long hi)
{
    long it = bytes > 0 ? budget / bytes : hi;
    if (it < lo)
        it = lo;
    if (it > hi)
        it = hi;
    if (o->quick)
        it = it / 10 < 5 ? 5 : it / 10;
    return o->iters ? o->iters : it;
}

static long warmup(long iters)
{
    return iters / 10 < 2 ? 2 : iters / 10;
}

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) {
        fprintf(stderr, "mpibench: rank %d: out of memory (%zu bytes)\n", rank, n);
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    return p;
}

/* ---- lat ---- */

static int lat_one(const struct opts *o, long size, uint8_t *sbuf, uint8_t *rbuf)
{
    long iters = iterations(o, size, 256L << 20, 50, 10000), warm = warmup(iters);
    long last = warm + iters - 1;
    int peer = 1 - rank, failed = 0;
    double t0 = 0;

    if (rank <= 1) {
        fill_bytes(sbuf, size, rank, 0);
        poison_bytes(rbuf, size, peer, last);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank <= 1) {
        for (long it = 0; it <= last; it++) {
            if (it == warm)
                t0 = MPI_Wtime();
            stamp_bytes(sbuf, size, rank, it);
            if (rank == 0) {
                MPI_Send(sbuf, (int)size, MPI_BYTE, 1, 1, MPI_COMM_WORLD);
                MPI_Recv(rbuf, (int)size, MPI_BYTE, 1, 1, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
            } else {
                MPI_Recv(rbuf, (int)size, MPI_BYTE, 0, 1, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
                MPI_Send(sbuf, (int)size, MPI_BYTE, 0, 1, MPI_COMM_WORLD);
            }
        }
        double us = (MPI_Wtime() - t0) / (double)iters / 2 * 1e6;
        failed = check_bytes("lat", rbuf, size, peer, peer, last);
        if (rank == 0 && !failed)
            printf("lat %ld %.3f\n", size, us);
    }
    return any_failed(failed);
}

/* ---- bw ---- */

/* Messages in flight at once: BW_WINDOW, fewer (at least 4) for big ones. */
static int bw_window(long size)
{
    if (size * BW_WINDOW <= BW_WINDOW_BYTES)
        return BW_WINDOW;
    return BW_WINDOW_BYTES / size < 4 ? 4 : (int)(BW_WINDOW_BYTES / size);
}

static int bw_one(const struct opts *o, long size, uint8_t *sbuf, uint8_t *rbufs)
{
    int window = bw_window(size);
    long iters = iterations(o, size * window, 1L << 30, 10, 2000), warm = warmup(iters);
    long last = warm + iters - 1;
    MPI_Request reqs[BW_WINDOW];
    /* Not MPI_STATUSES_IGNORE: gcc misreads it in MPICH's mpi.h. */
    MPI_Status stats[BW_WINDOW];
    int ack = 0, failed = 0;
    double t0 = 0;

    if (rank == 0)
        fill_bytes(sbuf, size, 0, 0);
    if (rank == 1)
        for (int w = 0; w < window; w++)
            poison_bytes(rbufs + w * size, size, 0, last);
    MPI_Barrier(MPI_COMM_WORLD);
    for (long it = 0; rank <= 1 && it <= last; it++) {
        if (it == warm)
            t0 = MPI_Wtime();
        if (rank == 0) {
            stamp_bytes(sbuf, size, 0, it);
            for (int w = 0; w < window; w++)
                MPI_Isend(sbuf, (int)size, MPI_BYTE, 1, 2, MPI_COMM_WORLD, &reqs[w]);
            MPI_Waitall(window, reqs, stats);
            MPI_Recv(&ack, 1, MPI_INT, 1, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        } else {
            for (int w = 0; w < window; w++)
                MPI_Irecv(rbufs + w * size, (int)size, MPI_BYTE, 0, 2, MPI_COMM_WORLD,
                          &reqs[w]);
            MPI_Waitall(window, reqs, stats);
            ack = (int)it;
            MPI_Send(&ack, 1, MPI_INT, 0, 3, MPI_COMM_WORLD);
        }
    }
    double seconds = MPI_Wtime() - t0;
    if (rank == 0 && ack != (int)last) {
        fprintf(stderr,
                "mpibench: bw, %ld bytes, rank 0: the last ack says %d, expected %ld\n",
                size, ack, last);
        failed = 1;
    }
    for (int w = 0; rank == 1 && w < window && !failed; w++)
        failed = check_bytes("bw", rbufs + w * size, size, 0, 0, last);
    if (rank == 0 && !failed)
        printf("bw %ld %.1f\n", size,
               (double)size * window * (double)iters / seconds / 1e6);
    return any_failed(failed);
}

/* ---- coll ---- */

enum coll { BARRIER, BCAST, ALLREDUCE, ALLGATHER, ALLTOALL, REDUCE_SCATTER, NCOLL };
static const char *const coll_names[NCOLL] = {
    "barrier", "bcast", "allreduce", "allgather", "alltoall", "reduce_scatter_block"};

struct coll_bufs {
    uint8_t *s, *r; /* nranks * size bytes each */
};

/* Writes iteration it's send data of collective c. */
static void coll_send(enum coll c, long size, long it, struct coll_bufs *b, int first)
{
    long n = size / (long)sizeof(double);
    switch (c) {
    case BARRIER:
        break;
    case BCAST:
        if (rank != 0)
            break;
        (first ? fill_bytes : stamp_bytes)(b->s, size, 0, it);
        break;
    case ALLGATHER:
        (first ? fill_bytes : stamp_bytes)(b->s, size, rank, it);
        break;
    case ALLTOALL:
        for (int p = 0; p < nranks; p++)
            (first ? fill_bytes : stamp_bytes)(b->s + p * size, size, rank * 64 + p, it);
        break;
    case ALLREDUCE:
        if (first) {
            fill_doubles((double *)b->s, n, rank, it, 0, n);
        } else {
            ((double *)b->s)[0] = pattern_double(n, rank, it, 0);
            ((double *)b->s)[n - 1] = pattern_double(n, rank, it, n - 1);
        }
        break;
    case REDUCE_SCATTER:
        /* Block p is element range [p*n, (p+1)*n) of one vector of nranks*n. */
        if (first) {
            fill_doubles((double *)b->s, n * nranks, rank, it, 0, n * nranks);
        } else {
            double *v = (double *)b->s;
            v[0] = pattern_double(n * nranks, rank, it, 0);
            v[n * nranks - 1] = pattern_double(n * nranks, rank, it, n * nranks - 1);
        }
        break;
    case NCOLL:
        break;
    }
}

static void coll_call(enum coll c, long size, struct coll_bufs *b)
{
    int n = (int)(size / (long)sizeof(double));
    switch (c) {
    case BARRIER:
        MPI_Barrier(MPI_COMM_WORLD);
        break;
    case BCAST:
        MPI_Bcast(rank == 0 ? b->s : b->r, (int)size, MPI_BYTE, 0, MPI_COMM_WORLD);
        break;
    case ALLREDUCE:
        MPI_Allreduce(b->s, b->r, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        break;
    case ALLGATHER:
        MPI_Allgather(b->s, (int)size, MPI_BYTE, b->r, (int)size, MPI_BYTE,
                      MPI_COMM_WORLD);
        break;
    case ALLTOALL:
        MPI_Alltoall(b->s, (int)size, MPI_BYTE, b->r, (int)size, MPI_BYTE,
                     MPI_COMM_WORLD);
        break;
    case REDUCE_SCATTER:
        MPI_Reduce_scatter_block(b->s, b->r, n, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
        break;
    case NCOLL:
        break;
    }
}

static void coll_poison(enum coll c, long size, long last, struct coll_bufs *b)
{
    switch (c) {
    case BCAST:
        if (rank != 0)
            poison_bytes(b->r, size, 0, last);
        break;
    case ALLGATHER:
        for (int p = 0; p < nranks; p++)
            poison_bytes(b->r + p * size, size, p, last);
        break;
    case ALLTOALL:
        for (int p = 0; p < nranks; p++)
            poison_bytes(b->r + p * size, size, p * 64 + rank, last);
        break;
    case ALLREDUCE:
    case REDUCE_SCATTER:
        for (long i = 0; i < size / (long)sizeof(double); i++)
            ((double *)b->r)[i] = -1;
        break;
    case BARRIER:
    case NCOLL:
        break;
    }
}

static int coll_check(enum coll c, long size, long last, struct coll_bufs *b)
{
    const char *what = coll_names[c];
    long n = size / (long)sizeof(double);
    int failed = 0;
    switch (c) {
    case BCAST:
        if (rank != 0)
            failed = check_bytes(what, b->r, size, 0, 0, last);
        break;
    case ALLGATHER:
        for (int p = 0; p < nranks && !failed; p++)
            failed = check_bytes(what, b->r + p * size, size, p, p, last);
        break;
    case ALLTOALL:
        for (int p = 0; p < nranks && !failed; p++)
            failed = check_bytes(what, b->r + p * size, size, p, p * 64 + rank, last);
        break;
    case ALLREDUCE:
        failed = check_sum(what, (double *)b->r, n, last, 0, n);
        break;
    case REDUCE_SCATTER:
        failed = check_sum(what, (double *)b->r, n, last, rank * n, n * nranks);
        break;
    case BARRIER:
    case NCOLL:
        break;
    }
    return failed;
}

static int coll_one(const struct opts *o, enum coll c, long size, struct coll_bufs *b)
{
    /* Bytes a rank moves per call, roughly, to size the iteration count. */
    long moved =
        c == ALLGATHER || c == ALLTOALL || c == REDUCE_SCATTER ? size * nranks : size;
    long iters = iterations(o, moved, 128L << 20, 20, 2000), warm = warmup(iters);
    long last = warm + iters - 1;
    double t0 = 0;

    coll_send(c, size, 0, b, 1);
    coll_poison(c, size, last, b);
    MPI_Barrier(MPI_COMM_WORLD);
    for (long it = 0; it <= last; it++) {
        if (it == warm)
            t0 = MPI_Wtime();
        coll_send(c, size, it, b, 0);
        coll_call(c, size, b);
    }
    double us = (MPI_Wtime() - t0) / (double)iters * 1e6, slowest = 0;
    MPI_Reduce(&us, &slowest, 1, MPI_DOUBLE, MPI_MAX, 0, MPI_COMM_WORLD);
    int failed = any_failed(coll_check(c, size, last, b));
    if (rank == 0 && !failed)
        printf("coll %s %ld %.3f\n", coll_names[c], size, slowest);
    return failed;
}

/* ---- arguments ---- */

static int usage(const char *msg, const char *arg)
{
    if (rank == 0) {
        fprintf(stderr,
                "mpibench: %s%s%s%s; usage: mpibench lat|bw|coll [--quick] [--iters K] "
                "[--sizes a,b,...] (bytes, k or m suffix)\n",
                msg, arg ? " '" : "", arg ? arg : "", arg ? "'" : "");
    }
    return 2;
}

static int parse_sizes(struct opts *o, const char *list)
{
    const char *p = list;
    o->nsizes = 0;
    while (*p) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p || v < 0 || o->nsizes == MAX_SIZES)
            return usage("--sizes needs up to 32 byte counts, got", list);
        if (*end == 'k' || *end == 'K')
            v <<= 10, end++;
        else if (*end == 'm' || *end == 'M')
            v <<= 20, end++;
        if (v > MAX_BYTES || (*end != ',' && *end != '\0'))
            return usage("--sizes: each size at most 64m, comma-separated, got", list);
        if (o->mode == BW && v == 0)
            return usage("bw needs sizes of at least 1 byte, got", list);
        if (o->mode == COLL && (v == 0 || v % 8 != 0))
            return usage("coll needs sizes that are multiples of 8 bytes (doubles), got",
                         list);
        o->sizes[o->nsizes++] = v;
        p = *end ? end + 1 : end;
    }
    return o->nsizes ? 0 : usage("--sizes needs at least one size", NULL);
}

static void default_sizes(struct opts *o)
{
    long s;
    o->nsizes = 0;
    switch (o->mode) {
    case LAT:
        o->sizes[o->nsizes++] = 0;
        for (s = 1; s <= 4L << 20; s *= 4)
            o->sizes[o->nsizes++] = s;
        break;
    case BW:
        for (s = 1024; s <= 4L << 20; s *= 4)
            o->sizes[o->nsizes++] = s;
        break;
    case COLL:
        o->sizes[o->nsizes++] = 8;
        o->sizes[o->nsizes++] = 1024;
        o->sizes[o->nsizes++] = 64 * 1024;
        o->sizes[o->nsizes++] = 1024 * 1024;
        break;
    }
}

static int parse_args(struct opts *o, int argc, char **argv)
{
    const char *sizes = NULL;
    if (argc < 2)
        return usage("no mode given", NULL);
    if (strcmp(argv[1], "lat") == 0)
        o->mode = LAT;
    else if (strcmp(argv[1], "bw") == 0)
        o->mode = BW;
    else if (strcmp(argv[1], "coll") == 0)
        o->mode = COLL;
    else
        return usage("unknown mode", argv[1]);
    for (int i = 2; i < argc; i++) {
        if (strcmp(argv[i], "--quick") == 0)
            o->quick = 1;
        else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc)
            sizes = argv[++i];
        else if (strcmp(argv[i], "--iters") == 0 && i + 1 < argc) {
            char *end;
            o->iters = strtol(argv[++i], &end, 10);
            if (*end || o->iters < 1 || o->iters > 1000000)
                return usage("--iters needs a count from 1 to 1000000, got", argv[i]);
        } else
            return usage("unknown argument", argv[i]);
    }
    if (o->mode != COLL && nranks < 2)
        return usage("lat and bw need at least 2 ranks", NULL);
    if (sizes)
        return parse_sizes(o, sizes);
    default_sizes(o);
    return 0;
}

/* ---- main ---- */

static long largest(const struct opts *o)
{
    long max = 0;
    for (int i = 0; i < o->nsizes; i++)
        max = o->sizes[i] > max ? o->sizes[i] : max;
    return max;
}

static int run(const struct opts *o)
{
    long max = largest(o);
    int failed = 0;
    if (o->mode == LAT) {
        uint8_t *s = xmalloc((size_t)max), *r = xmalloc((size_t)max);
        for (int i = 0; i < o->nsizes && !failed; i++)
            failed = lat_one(o, o->sizes[i], s, r);
        free(s);
        free(r);
    } else if (o->mode == BW) {
        long rbytes = 0;
        for (int i = 0; i < o->nsizes; i++)
            if (o->sizes[i] * bw_window(o->sizes[i]) > rbytes)
                rbytes = o->sizes[i] * bw_window(o->sizes[i]);
        uint8_t *s = xmalloc((size_t)max), *r = xmalloc((size_t)rbytes);
        for (int i = 0; i < o->nsizes && !failed; i++)
            failed = bw_one(o, o->sizes[i], s, r);
        free(s);
        free(r);
    } else {
        struct coll_bufs b = {xmalloc((size_t)(max * nranks)),
                              xmalloc((size_t)(max * nranks))};
        for (int c = 0; c < NCOLL && !failed; c++)
            for (int i = 0; i < (c == BARRIER ? 1 : o->nsizes) && !failed; i++)
                failed = coll_one(o, (enum coll)c, c == BARRIER ? 0 : o->sizes[i], &b);
        free(b.s);
        free(b.r);
    }
    return failed;
}

int main(int argc, char **argv)
{
    struct opts o = {0};
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &nranks);
    int rc = parse_args(&o, argc, argv);
    if (rc == 0) {
        rc = run(&o);
        fflush(stdout);
    }
    MPI_Finalize();
    return rc;
}
