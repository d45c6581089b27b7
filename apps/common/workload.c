/*
 * workload.c - the helpers of workload.h, shared by the sample workloads.
 */
#include "workload.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *prog = "workload";
static int world_rank, world_size = 1;

void wl_start(int *argc, char ***argv, const char *name)
{
    prog = name;
    int err = ipc_init(argc, argv);
    if (err != IPC_SUCCESS) {
        fprintf(stderr, "%s: ipc_init failed: %s\n", prog, ipc_strerror(err));
        exit(WL_FAILED);
    }
    ipc_comm_rank(IPC_COMM_WORLD, &world_rank);
    ipc_comm_size(IPC_COMM_WORLD, &world_size);
}

int wl_rank(void)
{
    return world_rank;
}

int wl_size(void)
{
    return world_size;
}

/* The other ranks may be blocked waiting for this one: only ending the whole
 * job frees them. */
void wl_fail_call(int err, const char *call)
{
    fprintf(stderr, "%s: %s failed: %s\n", prog, call, ipc_strerror(err));
    ipc_abort(IPC_COMM_WORLD, WL_FAILED);
}

void *wl_alloc(size_t bytes, const char *what)
{
    void *p = malloc(bytes ? bytes : 1);
    if (p == NULL) {
        fprintf(stderr, "%s: cannot allocate %zu bytes for %s\n", prog, bytes, what);
        ipc_abort(IPC_COMM_WORLD, WL_FAILED);
    }
    return p;
}

const char *wl_usage(const struct wl_size_arg *args, int nargs)
{
    static char buf[256];
    int len = snprintf(buf, sizeof buf, "%s", prog);
    for (int i = 0; i < nargs && len < (int)sizeof buf; i++)
        len += snprintf(buf + len, sizeof buf - len, " [%s", args[i].name);
    for (int i = 0; i < nargs && len < (int)sizeof buf; i++)
        len += snprintf(buf + len, sizeof buf - len, "]");
    return buf;
}

void wl_usage_error(const char *usage, const char *fmt, ...)
{
    if (world_rank != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", prog);
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "; usage: %s\n", usage);
    va_end(ap);
}

static int parse_long(const char *arg, long *value)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0')
        return -1;
    *value = v;
    return 0;
}

int wl_parse_size(const char *arg, const struct wl_size_arg *a, const char *usage)
{
    long v;
    if (parse_long(arg, &v) != 0 || v < a->min || v > a->max) {
        wl_usage_error(usage, "%s (%s) must be a whole number from %ld to %ld, got '%s'",
                       a->name, a->about, a->min, a->max, arg);
        return -1;
    }
    *a->value = v;
    return 0;
}

int wl_parse_sizes(int argc, char **argv, const struct wl_size_arg *args, int nargs)
{
    const char *usage = wl_usage(args, nargs);
    if (argc - 1 > nargs) {
        wl_usage_error(usage, "too many arguments ('%s' is one too many)", argv[nargs + 1]);
        return -1;
    }
    for (int i = 0; i < argc - 1; i++)
        if (wl_parse_size(argv[i + 1], &args[i], usage) != 0)
            return -1;
    return 0;
}

void wl_block(long n, int parts, int i, long *lo, long *hi)
{
    long base = n / parts, extra = n % parts;
    *lo = i * base + (i < extra ? i : extra);
    *hi = *lo + base + (i < extra ? 1 : 0);
}

void wl_grid(int size, int *rows, int *cols)
{
    int r = 1;
    for (int d = 1; (long)d * d <= size; d++)
        if (size % d == 0)
            r = d;
    *rows = r;
    *cols = size / r;
}

void wl_gather_blocks(const double *mine, long n, int rows, int cols, double *whole)
{
    int rank = wl_rank(), size = wl_size();
    size_t *counts = wl_alloc((size_t)size * sizeof(size_t), "the gather counts");
    size_t *displs = wl_alloc((size_t)size * sizeof(size_t), "the gather counts");
    size_t total = 0;
    for (int r = 0; r < size; r++) {
        long r0, r1, c0, c1;
        wl_block(n, rows, r / cols, &r0, &r1);
        wl_block(n, cols, r % cols, &c0, &c1);
        counts[r] = (size_t)((r1 - r0) * (c1 - c0));
        displs[r] = total;
        total += counts[r];
    }
    /* Blocks arrive one after the other, then go to their place in `whole`. */
    double *all =
        rank == 0 ? wl_alloc(total * sizeof(double), "the gathered blocks") : NULL;
    wl_try(ipc_gatherv(mine, counts[rank], IPC_DOUBLE, all, counts, displs, IPC_DOUBLE, 0,
                       IPC_COMM_WORLD),
           "ipc_gatherv");
    for (int r = 0; rank == 0 && r < size; r++) {
        long r0, r1, c0, c1;
        wl_block(n, rows, r / cols, &r0, &r1);
        wl_block(n, cols, r % cols, &c0, &c1);
        for (long i = r0; i < r1; i++)
            memcpy(&whole[i * n + c0], &all[displs[r] + (size_t)((i - r0) * (c1 - c0))],
                   (size_t)(c1 - c0) * sizeof(double));
    }
    free(all);
    free(displs);
    free(counts);
}

unsigned long long wl_mix(unsigned long long x)
{
    x += 0x9e3779b97f4a7c15ULL;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
    return x ^ (x >> 31);
}

double wl_uniform(unsigned long long x)
{
    return (double)(wl_mix(x) >> 11) * 0x1p-53;
}

double wl_clock_start(void)
{
    wl_try(ipc_barrier(IPC_COMM_WORLD), "ipc_barrier");
    return ipc_wtime();
}

double wl_clock_stop(double t0)
{
    double seconds = ipc_wtime() - t0;
    wl_try(ipc_allreduce(IPC_IN_PLACE, &seconds, 1, IPC_DOUBLE, IPC_MAX, IPC_COMM_WORLD),
           "ipc_allreduce");
    return seconds;
}

int wl_check(int ok, const char *fmt, ...)
{
    /* The lowest failing rank, or world_size when none failed. */
    int first_bad = ok ? world_size : world_rank;
    wl_try(ipc_allreduce(IPC_IN_PLACE, &first_bad, 1, IPC_INT, IPC_MIN, IPC_COMM_WORLD),
           "ipc_allreduce");
    if (first_bad == world_rank) {
        va_list ap;
        va_start(ap, fmt);
        fprintf(stderr, "%s: check failed: ", prog);
        vfprintf(stderr, fmt, ap);
        fputc('\n', stderr);
        va_end(ap);
    }
    return first_bad == world_size;
}

void wl_result(int ok, double seconds, const char *fmt, ...)
{
    if (world_rank != 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    printf("%s: %d rank%s, ", prog, world_size, world_size == 1 ? "" : "s");
    vprintf(fmt, ap);
    printf(": check %s, %.6f s\n", ok ? "ok" : "FAILED", seconds);
    va_end(ap);
    fflush(stdout);
}

int wl_end(int status)
{
    ipc_finalize();
    return status;
}
