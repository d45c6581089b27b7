/*
 * workload.h - what the sample workloads (pi, heat2d, matmul, sort, wordcount,
 * nbody) share: starting and ending the job, their size arguments, timing,
 * splitting work into blocks and reporting their checks.
 *
 * Every workload runs the same way:
 *
 *     wl_start(&argc, &argv, "pi");              ipc_init, or exit 1
 *     if (wl_parse_sizes(argc, argv, sizes, n) != 0)
 *         return wl_end(WL_USAGE);               bad arguments: exit 2
 *     double t0 = wl_clock_start();              every rank starts together
 *     ... the parallel computation ...
 *     double seconds = wl_clock_stop(t0);        the slowest rank's time
 *     int ok = wl_check(local_ok, "why it failed", ...);
 *     wl_result(ok, seconds, "what it computed", ...);
 *     return wl_end(ok ? WL_OK : WL_FAILED);
 *
 * Everything here is collective over IPC_COMM_WORLD unless it says otherwise,
 * and anything a user should see is printed once, by one rank.
 */
#ifndef WORKLOAD_H
#define WORKLOAD_H

#include <ipc.h>
#include <stddef.h>

/* Exit statuses of a workload. */
enum { WL_OK = 0, WL_FAILED = 1, WL_USAGE = 2 };

/* Calls ipc_init and remembers the program's name for every message; on
 * failure prints why and exits 1. Not collective: nothing is up yet. */
void wl_start(int *argc, char ***argv, const char *name);

/* Rank and size in IPC_COMM_WORLD (local). */
int wl_rank(void);
int wl_size(void);

/* Ends the job: a library error has left the ranks unable to go on. Prints
 * "<name>: <call> failed: <reason>" and aborts every rank. Local. */
void wl_fail_call(int err, const char *call);

/* Checks the result of a library call: wl_try(ipc_send(...), "ipc_send"). */
static inline void wl_try(int err, const char *call)
{
    if (err != IPC_SUCCESS)
        wl_fail_call(err, call);
}

/* malloc that ends the job when memory runs out; `what` names the buffer.
 * Local. Zero bytes gives a valid pointer. */
void *wl_alloc(size_t bytes, const char *what);

/*
 * Size arguments: positional, each optional, in the order of the table.
 * Every rank parses the same argv, so all agree to go on or stop; only rank 0
 * prints the one-line error, which names the argument and ends with the
 * usage line built from the table.
 */
struct wl_size_arg {
    const char *name;  /* as in the usage line: "N" */
    const char *about; /* "intervals", for messages */
    long *value;       /* holds the default; set when given */
    long min, max;
};
/* 0, or -1 after the error line (then return wl_end(WL_USAGE)). */
int wl_parse_sizes(int argc, char **argv, const struct wl_size_arg *args, int nargs);
/* Parses one size into *a->value: 0, or -1 after the error line. */
int wl_parse_size(const char *arg, const struct wl_size_arg *a, const char *usage);
/* One line on stderr at rank 0: "<name>: <message>; usage: <usage>". Local. */
void wl_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* "pi [N]" for the table, in a static buffer. Local. */
const char *wl_usage(const struct wl_size_arg *args, int nargs);

/* Splits n items into `parts` blocks as even as possible (the first n % parts
 * one longer) and gives block i as [*lo, *hi). Local. */
void wl_block(long n, int parts, int i, long *lo, long *hi);

/* Splits `size` ranks into the most nearly square rows x cols grid
 * (rows <= cols, rows * cols == size): 4 -> 2 x 2, 6 -> 2 x 3, 7 -> 1 x 7. */
void wl_grid(int size, int *rows, int *cols);

/* Gathers an n x n matrix split in blocks over a rows x cols process grid
 * (rank r holds block (r / cols, r % cols) as wl_block splits n rows and
 * columns) into rank 0's `whole`, row-major. `mine` is this rank's block,
 * row-major and contiguous; `whole` is written only at rank 0. */
void wl_gather_blocks(const double *mine, long n, int rows, int cols, double *whole);

/* A deterministic 64-bit mix of x (splitmix64): inputs made from a global
 * index are the same whichever rank makes them and however many ranks there
 * are. wl_uniform maps it to [0, 1). Local. */
unsigned long long wl_mix(unsigned long long x);
double wl_uniform(unsigned long long x);

/* Barrier, then ipc_wtime(): the time every rank starts from. */
double wl_clock_start(void);
/* Seconds since t0 on the slowest rank, which is the computation's time. */
double wl_clock_stop(double t0);

/* The job's verdict: 1 when `ok` is true on every rank. Otherwise the lowest
 * rank whose ok is false prints "<name>: check failed: <fmt...>", so the user
 * sees one line. */
int wl_check(int ok, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Rank 0 prints the one result line:
 * "<name>: <N> ranks, <fmt...>: check ok, 0.123456 s" (or "check FAILED"). */
void wl_result(int ok, double seconds, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* ipc_finalize, then returns status for main to return. */
int wl_end(int status);

#endif /* WORKLOAD_H */
