/* basic_check.h - CHECK for the tests/mpi/basic_*.c programs: a failed
 * condition prints the rank, line and condition and aborts the job. */
#ifndef BASIC_CHECK_H
#define BASIC_CHECK_H
#include <stdio.h>
#include <mpi.h>
#define CHECK(cond)                                                                   \
    do {                                                                              \
        if (!(cond)) {                                                                \
            int r_ = -1;                                                              \
            MPI_Comm_rank(MPI_COMM_WORLD, &r_);                                       \
            fprintf(stderr, "rank %d: %s:%d: CHECK(%s) failed\n", r_, __FILE__,       \
                    __LINE__, #cond);                                                 \
            MPI_Abort(MPI_COMM_WORLD, 3);                                             \
        }                                                                             \
    } while (0)
#endif
