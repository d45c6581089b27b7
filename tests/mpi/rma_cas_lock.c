/* rma_cas_lock.c - a spin lock built with MPI_Compare_and_swap guards a
 * counter that is updated without atomics (MPI-3.1 11.3.4 and 11.5.4).
 *
 * Rank 0's window holds the lock word (0 free, r+1 held by rank r) and the
 * counter. Inside one lock_all epoch each rank takes the lock in turn
 * with MPI_Compare_and_swap + MPI_Win_flush (spinning while it is held),
 * reads the counter with MPI_Get + flush, adds one and writes it back with
 * MPI_Put + flush, then frees the lock with MPI_Compare_and_swap, which must
 * find its own mark there. If the swap were not atomic, or a flush returned
 * before the operation was done at the target, two ranks would share the
 * critical section and increments would be lost: the counter must equal
 * the number of acquisitions exactly, and each rank must see it grow
 * between two of its own visits.
 *
 * Usage: rma_cas_lock [acquisitions over all ranks, 10000 by default]
 * MPITEST_RANKS: 2 3 4
 * MPITEST_ARGS: 10000
 */
#include <stddef.h>

#include "mpicheck.h"

/* Byte displacements in rank 0's window. The lock is an int: Open MPI
 * 4.1.4 crashes on an 8-byte MPI_Compare_and_swap aimed at the calling rank
 * itself. */
struct shared {
    int lock;
    long long counter;
};
enum { LOCK = offsetof(struct shared, lock), COUNTER = offsetof(struct shared, counter) };
static int rank, size;

static void acquire(MPI_Win win)
{
    const int free_mark = 0, mine = rank + 1;
    for (;;) {
        int seen = -1;
        CHECK_INT(MPI_Compare_and_swap(&mine, &free_mark, &seen, MPI_INT, 0, LOCK, win),
                  MPI_SUCCESS, "MPI_Compare_and_swap to take the lock");
        MPI_Win_flush(0, win);
        CHECK(seen >= 0 && seen <= size && seen != mine,
              "taking the lock found %d there (free is 0, rank r's mark is r+1)", seen);
        if (seen == free_mark)
            return;
    }
}

static void release(MPI_Win win)
{
    const int free_mark = 0, mine = rank + 1;
    int seen = -1;
    CHECK_INT(MPI_Compare_and_swap(&free_mark, &mine, &seen, MPI_INT, 0, LOCK, win),
              MPI_SUCCESS, "MPI_Compare_and_swap to free the lock");
    MPI_Win_flush(0, win);
    CHECK(seen == mine, "freeing the lock found %d there, not this rank's mark %d", seen,
          mine);
}

/* The non-atomic increment; returns the value read. */
static long long increment(MPI_Win win)
{
    long long value = -1, next;
    MPI_Get(&value, 1, MPI_LONG_LONG, 0, COUNTER, 1, MPI_LONG_LONG, win);
    MPI_Win_flush(0, win);
    next = value + 1;
    MPI_Put(&next, 1, MPI_LONG_LONG, 0, COUNTER, 1, MPI_LONG_LONG, win);
    MPI_Win_flush(0, win);
    return value;
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("rma_cas_lock", &rank, &size);
    long long total = argc > 1 ? atoll(argv[1]) : 10000;
    CHECK(total > 0, "the number of acquisitions must be positive, got '%s'", argv[1]);
    long long share = total / size + (rank < total % size);
    struct shared mem = {0, 0};
    long long last = -1;
    MPI_Win win;
    CHECK_INT(MPI_Win_create(&mem, sizeof mem, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &win),
              MPI_SUCCESS, "MPI_Win_create");
    MPI_Win_lock_all(0, win);
    for (long long i = 0; i < share; i++) {
        acquire(win);
        long long value = increment(win);
        CHECK(
            value > last && value < total,
            "acquisition %lld read the counter as %lld (previous visit %lld, total %lld)",
            i, value, last, total);
        last = value;
        release(win);
    }
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
        CHECK(mem.counter == total,
              "counter after %lld acquisitions is %lld (%lld increments lost)", total,
              mem.counter, total - mem.counter);
        CHECK_INT(mem.lock, 0, "lock word at the end");
        MPI_Win_unlock(0, win);
    }
    MPI_Win_free(&win);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
