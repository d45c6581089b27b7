/* rma_atomic.c - the atomicity and ordering MPI-3.1 11.7.1 promises to
 * accumulates, checked where every rank hits the same target location.
 *
 * - MPI_Accumulate MPI_SUM on long long from all ranks, many times, into
 *   one word at rank 0: the exact total, under lock shared (an epoch per
 *   batch), lock_all (MPI_Win_flush every few) and fence; the addends are
 *   above 2^32 so a lost or torn update shows.
 * - MPI_Fetch_and_op MPI_SUM of 1 from all ranks into one counter: the
 *   fetched values over all ranks are exactly a permutation of 0..total-1.
 * - MPI_Get_accumulate with MPI_NO_OP reads the counter while other ranks
 *   add 2^32 + 1 to it: every value read has equal halves (no torn read),
 *   never decreases, and the target is left as it was.
 * - Same origin, same location: MPI_Accumulate MPI_REPLACE of 0, 1, ...,
 *   n-1 in one epoch leaves n-1 (and MPI_Get_accumulate REPLACE fetches
 *   each previous value in turn).
 *
 * MPITEST_RANKS: 2 3 4
 */
#include "mpicheck.h"

enum { ITERS = 1000, BATCH = 25, FOPS = 500, READS = 500 };
static const long long BIG = 1LL << 33;
static int rank, size;

static long long addend(int r, int i)
{
    return BIG + (long long)r * 1000003 + i;
}

static long long total_of_addends(void)
{
    long long t = 0;
    for (int r = 0; r < size; r++)
        for (int i = 0; i < ITERS; i++)
            t += addend(r, i);
    return t;
}

/* The word at rank 0 to zero before a phase (every rank has stopped using
 * it: callers are between barriers). */
static void reset_word(MPI_Win win, long long *word)
{
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
        *word = 0;
        MPI_Win_unlock(0, win);
    }
    MPI_Barrier(MPI_COMM_WORLD);
}

/* The word at rank 0 once every rank is done with it. */
static long long read_word(MPI_Win win, const long long *word)
{
    long long v = 0;
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == 0) {
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, 0, 0, win);
        v = *word;
        MPI_Win_unlock(0, win);
    }
    MPI_Bcast(&v, 1, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    return v;
}

static void accumulate_sum(MPI_Win win, long long *word)
{
    const char *modes[3] = {"lock shared", "lock_all", "fence"};
    for (int mode = 0; mode < 3; mode++) {
        reset_word(win, word);
        if (mode == 2)
            MPI_Win_fence(0, win);
        if (mode == 1)
            MPI_Win_lock_all(0, win);
        /* An origin buffer stays untouched until its operation completes. */
        static long long a[ITERS];
        for (int i = 0; i < ITERS; i++)
            a[i] = addend(rank, i);
        for (int i = 0; i < ITERS; i++) {
            if (mode == 0 && i % BATCH == 0)
                MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
            CHECK_INT(MPI_Accumulate(&a[i], 1, MPI_LONG_LONG, 0, 0, 1, MPI_LONG_LONG,
                                     MPI_SUM, win),
                      MPI_SUCCESS, "MPI_Accumulate");
            if (mode == 0 && i % BATCH == BATCH - 1)
                MPI_Win_unlock(0, win);
            if (mode == 1 && i % BATCH == BATCH - 1)
                MPI_Win_flush(0, win);
        }
        if (mode == 0 && ITERS % BATCH)
            MPI_Win_unlock(0, win);
        if (mode == 1)
            MPI_Win_unlock_all(win);
        if (mode == 2)
            MPI_Win_fence(0, win);
        long long got = read_word(win, word), want = total_of_addends();
        CHECK(got == want,
              "concurrent MPI_Accumulate SUM under %s: total is %lld, "
              "expected %lld (off by %lld)",
              modes[mode], got, want, got - want);
    }
}

static int cmp_ll(const void *a, const void *b)
{
    long long x = *(const long long *)a, y = *(const long long *)b;
    return x < y ? -1 : x > y;
}

static void fetch_and_op_tickets(MPI_Win win, long long *word)
{
    long long mine[FOPS], one = 1;
    reset_word(win, word);
    MPI_Win_lock_all(0, win);
    for (int i = 0; i < FOPS; i++) {
        mine[i] = -1;
        CHECK_INT(MPI_Fetch_and_op(&one, &mine[i], MPI_LONG_LONG, 0, 0, MPI_SUM, win),
                  MPI_SUCCESS, "MPI_Fetch_and_op");
        MPI_Win_flush(0, win);
        CHECK(i == 0 || mine[i] > mine[i - 1],
              "MPI_Fetch_and_op ticket %d is %lld after %lld from the same rank", i,
              mine[i], mine[i - 1]);
    }
    MPI_Win_unlock_all(win);
    long long *all = rank == 0 ? malloc(sizeof *all * FOPS * (size_t)size) : NULL;
    MPI_Gather(mine, FOPS, MPI_LONG_LONG, all, FOPS, MPI_LONG_LONG, 0, MPI_COMM_WORLD);
    if (rank == 0) {
        qsort(all, (size_t)FOPS * (size_t)size, sizeof *all, cmp_ll);
        for (long long t = 0; t < (long long)FOPS * size; t++)
            CHECK(all[t] == t,
                  "MPI_Fetch_and_op tickets over all ranks: sorted[%lld] is %lld "
                  "(a ticket lost or given twice)",
                  t, all[t]);
        free(all);
    }
    CHECK_INT(read_word(win, word), (long long)FOPS * size, "counter after the tickets");
}

/* Rank size-1 reads with MPI_NO_OP while the others add 2^32 + 1. */
static void no_op_reads(MPI_Win win, long long *word)
{
    const long long step = (1LL << 32) + 1;
    int reader = size - 1, writers = size - 1;
    reset_word(win, word);
    MPI_Win_lock_all(0, win);
    if (rank == reader) {
        long long last = 0, dummy = 12345;
        for (int i = 0; i < READS; i++) {
            long long v = -1;
            MPI_Get_accumulate(&dummy, 1, MPI_LONG_LONG, &v, 1, MPI_LONG_LONG, 0, 0, 1,
                               MPI_LONG_LONG, MPI_NO_OP, win);
            MPI_Win_flush(0, win);
            CHECK(v >> 32 == (v & 0xffffffff) && v >= 0 && v <= writers * ITERS * step,
                  "MPI_NO_OP read %d got %lld = 0x%llx: not a sum of whole addends", i, v,
                  (unsigned long long)v);
            CHECK(v >= last,
                  "MPI_NO_OP read %d got %lld after %lld: the counter went back", i, v,
                  last);
            last = v;
        }
    } else {
        for (int i = 0; i < ITERS; i++) {
            MPI_Accumulate(&step, 1, MPI_LONG_LONG, 0, 0, 1, MPI_LONG_LONG, MPI_SUM, win);
            if (i % BATCH == 0)
                MPI_Win_flush(0, win);
        }
    }
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    long long v = -1, dummy = 7;
    MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, win);
    MPI_Get_accumulate(&dummy, 1, MPI_LONG_LONG, &v, 1, MPI_LONG_LONG, 0, 0, 1,
                       MPI_LONG_LONG, MPI_NO_OP, win);
    MPI_Win_unlock(0, win);
    CHECK(v == writers * ITERS * step, "final MPI_NO_OP read is %lld, expected %lld", v,
          writers * ITERS * step);
    CHECK_INT(read_word(win, word), writers * ITERS * step,
              "counter after MPI_NO_OP reads (they must not change it)");
}

/* Each rank's own slot at every rank: REPLACE of 0..ITERS-1 leaves ITERS-1;
 * at the right neighbour's slot, Get_accumulate REPLACE fetches each previous
 * value. */
static void replace_order(MPI_Win win, long long *slots)
{
    int right = (rank + 1) % size;
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, rank, 0, win);
    for (int r = 0; r < size; r++)
        slots[r] = -1;
    MPI_Win_unlock(rank, win);
    MPI_Barrier(MPI_COMM_WORLD);
    static long long values[ITERS];
    for (int i = 0; i < ITERS; i++)
        values[i] = i;
    MPI_Win_lock_all(0, win);
    for (int i = 0; i < ITERS; i++)
        for (int t = 0; t < size; t++)
            if (t != right)
                MPI_Accumulate(&values[i], 1, MPI_LONG_LONG, t, rank, 1, MPI_LONG_LONG,
                               MPI_REPLACE, win);
    long long prev[ITERS];
    for (int i = 0; i < ITERS; i++)
        MPI_Get_accumulate(&values[i], 1, MPI_LONG_LONG, &prev[i], 1, MPI_LONG_LONG,
                           right, rank, 1, MPI_LONG_LONG, MPI_REPLACE, win);
    MPI_Win_unlock_all(win);
    CHECK_INT(prev[0], -1, "first MPI_Get_accumulate REPLACE fetched");
    for (int i = 1; i < ITERS; i++)
        CHECK(prev[i] == i - 1,
              "MPI_Get_accumulate REPLACE %d to rank %d fetched %lld, expected %d "
              "(same origin, same location: in order)",
              i, right, prev[i], i - 1);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, rank, 0, win);
    for (int r = 0; r < size; r++)
        CHECK(slots[r] == ITERS - 1,
              "slot of rank %d after its MPI_REPLACE of 0..%d is %lld, expected %d", r,
              ITERS - 1, slots[r], ITERS - 1);
    MPI_Win_unlock(rank, win);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("rma_atomic", &rank, &size);
    long long *mem = calloc((size_t)size, sizeof *mem);
    MPI_Win win;
    CHECK(mem, "calloc");
    CHECK_INT(MPI_Win_create(mem, (MPI_Aint)(sizeof *mem * (size_t)size), sizeof *mem,
                             MPI_INFO_NULL, MPI_COMM_WORLD, &win),
              MPI_SUCCESS, "MPI_Win_create");
    accumulate_sum(win, mem);
    fetch_and_op_tickets(win, mem);
    no_op_reads(win, mem);
    replace_order(win, mem);
    MPI_Win_free(&win);
    free(mem);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
