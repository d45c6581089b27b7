/* mpicheck.h - checks shared by the MPI test programs in tests/mpi.
 *
 * Standard MPI-3.1 C only: these programs must build and pass unchanged with
 * Open MPI, MPICH and ipc's MPI layer. A failed check prints one line,
 *   PROG: rank R: file.c:LINE: what was wrong
 * on stderr and ends the job with MPI_Abort(MPI_COMM_WORLD, 1). On success
 * rank 0 prints one summary line, "PROG: ok, N ranks", with mc_ok(). */
#ifndef MPICHECK_H
#define MPICHECK_H

#include <mpi.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *mc_prog = "?";
static int mc_rank = -1; /* -1 until mc_init() */

static void mc_fail(const char *file, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4), noreturn));

static void mc_fail(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    int init = 0, fini = 0;
    fprintf(stderr, "%s: rank %d: %s:%d: ", mc_prog, mc_rank, file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    fflush(stderr);
    MPI_Initialized(&init);
    MPI_Finalized(&fini);
    if (init && !fini)
        MPI_Abort(MPI_COMM_WORLD, 1);
    exit(1);
}

/* CHECK(cond, "printf format", args...): fail unless cond holds. */
#define CHECK(cond, ...)                                                       \
    do {                                                                       \
        if (!(cond))                                                           \
            mc_fail(__FILE__, __LINE__, __VA_ARGS__);                          \
    } while (0)

/* CHECK_INT(got, want, what): fail unless two ints are equal. */
#define CHECK_INT(got, want, what)                                             \
    do {                                                                       \
        long long mc_got_ = (got), mc_want_ = (want);                          \
        if (mc_got_ != mc_want_)                                               \
            mc_fail(__FILE__, __LINE__, "%s is %lld, expected %lld", (what),   \
                    mc_got_, mc_want_);                                        \
    } while (0)

/* CHECK_DBL(got, want, what): equal to 1e-9 relative. */
#define CHECK_DBL(got, want, what)                                             \
    do {                                                                       \
        double mc_got_ = (got), mc_want_ = (want);                             \
        double mc_tol_ = 1e-9 * (mc_want_ < 0 ? -mc_want_ : mc_want_) + 1e-12; \
        if (mc_got_ - mc_want_ > mc_tol_ || mc_want_ - mc_got_ > mc_tol_)      \
            mc_fail(__FILE__, __LINE__, "%s is %.17g, expected %.17g", (what), \
                    mc_got_, mc_want_);                                        \
    } while (0)

/* After MPI_Init: remembers the program name and rank for messages. */
static void mc_init(const char *prog, int *rank, int *size)
{
    mc_prog = prog;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, size);
    mc_rank = *rank;
}

/* Before MPI_Finalize: every rank got here; rank 0 prints the summary. */
static void mc_ok(int rank, int size)
{
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        printf("%s: ok, %d ranks\n", mc_prog, size);
        fflush(stdout);
    }
}

#endif
