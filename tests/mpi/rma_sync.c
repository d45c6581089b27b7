/* rma_sync.c - the synchronization calls of one-sided communication
 * (MPI-3.1 11.5): fences with every assert used where it is true; general
 * active target on subsets of ranks (a ring where each rank posts for its
 * left neighbour and starts on its right one, completed with MPI_Win_test
 * polled until true, and a star on rank 0); exclusive locks that keep a
 * read-modify-write by get and put whole (the counter comes out exact only
 * if no two lockers overlap); shared locks with MPI_Win_flush making each
 * put visible before the epoch ends; passive target at a rank that spends
 * the whole time blocked in MPI_Recv (it must still serve the locks, puts
 * and gets); MPI_Win_flush_local letting an MPI_Rput's buffer be reused;
 * and MPI_Win_lock_all with MPI_MODE_NOCHECK. Every step checks the values.
 * (MPICH 4.0.2 as packaged here fails even a lone MPI_Get under a lock:
 * "memcpy argument memory ranges overlap" or garbage read.)
 * MPITEST_RANKS: 2 3 4 */
#include "mpicheck.h"

enum { N = 8, COUNTS = 20, ROUNDS = 10 };
static int rank, size, left, right;

static int value(int owner, int round, int i)
{
    return owner * 10000 + round * 100 + i;
}

static void check_buf(const int *buf, int owner, int round, const char *what)
{
    for (int i = 0; i < N; i++)
        CHECK(buf[i] == value(owner, round, i), "%s: element %d is %d, expected %d", what,
              i, buf[i], value(owner, round, i));
}

/* Fences: each assert given where it holds. */
static void test_fence(void)
{
    int mem[N], out[N], got[N];
    MPI_Win win;
    MPI_Win_create(mem, sizeof mem, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    for (int i = 0; i < N; i++)
        mem[i] = value(rank, 0, i);
    /* nothing before: NOPRECEDE; the first epoch puts */
    MPI_Win_fence(MPI_MODE_NOPRECEDE, win);
    for (int i = 0; i < N; i++)
        out[i] = value(rank, 1, i);
    MPI_Put(out, N, MPI_INT, right, 0, N, MPI_INT, win);
    /* no local stores in that epoch, and the next only gets: NOSTORE|NOPUT */
    MPI_Win_fence(MPI_MODE_NOSTORE | MPI_MODE_NOPUT, win);
    check_buf(mem, left, 1, "fence: after the put epoch");
    MPI_Get(got, N, MPI_INT, left, 0, N, MPI_INT, win);
    /* nothing after: NOSUCCEED */
    MPI_Win_fence(MPI_MODE_NOSTORE | MPI_MODE_NOSUCCEED, win);
    /* left's memory holds what left's left put */
    check_buf(got, (left + size - 1) % size, 1, "fence: get of the left neighbour");
    for (int i = 0; i < N; i++)
        mem[i] = value(rank, 2, i);
    MPI_Win_fence(MPI_MODE_NOPRECEDE, win);
    MPI_Get(got, N, MPI_INT, right, 0, N, MPI_INT, win);
    MPI_Win_fence(MPI_MODE_NOSUCCEED, win);
    check_buf(got, right, 2, "fence: get after a local store");
    MPI_Win_free(&win);
}

/* A ring of PSCW epochs, rounds in a row, each put into the right
 * neighbour; the exposure epoch is ended by polling MPI_Win_test. */
static void test_pscw_ring(void)
{
    int mem[N], out[N];
    MPI_Group world, from_left, to_right;
    MPI_Win win;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    MPI_Group_incl(world, 1, &left, &from_left);
    MPI_Group_incl(world, 1, &right, &to_right);
    MPI_Win_create(mem, sizeof mem, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    for (int round = 0; round < ROUNDS; round++) {
        int flag = 0, polls = 0;
        MPI_Win_post(from_left, 0, win);
        MPI_Win_start(to_right, 0, win);
        for (int i = 0; i < N; i++)
            out[i] = value(rank, round, i);
        MPI_Put(out, N, MPI_INT, right, 0, N, MPI_INT, win);
        MPI_Win_complete(win);
        while (!flag) {
            CHECK_INT(MPI_Win_test(win, &flag), MPI_SUCCESS, "MPI_Win_test");
            polls++;
        }
        CHECK(polls >= 1, "MPI_Win_test never called");
        check_buf(mem, left, round, "PSCW ring");
    }
    MPI_Win_free(&win);
    MPI_Group_free(&from_left);
    MPI_Group_free(&to_right);
    MPI_Group_free(&world);
}

/* Rank 0 exposes to all others; each puts its rank into its slot and
 * rank 0's part of the access is empty (it starts on nobody). */
static void test_pscw_star(void)
{
    int *slots = calloc(size, sizeof *slots);
    MPI_Group world, others, zero;
    MPI_Win win;
    int zero_rank = 0;
    CHECK(slots != NULL, "out of memory");
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    MPI_Group_excl(world, 1, &zero_rank, &others);
    MPI_Group_incl(world, 1, &zero_rank, &zero);
    MPI_Win_create(slots, size * sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD,
                   &win);
    if (rank == 0) {
        MPI_Win_post(others, MPI_MODE_NOSTORE, win);
        MPI_Win_wait(win);
        for (int r = 1; r < size; r++)
            CHECK(slots[r] == value(r, 0, 1), "star: slot %d is %d, expected %d", r,
                  slots[r], value(r, 0, 1));
        CHECK_INT(slots[0], 0, "star: rank 0's own slot");
    } else {
        int v = value(rank, 0, 1);
        MPI_Win_start(zero, 0, win);
        MPI_Put(&v, 1, MPI_INT, 0, rank, 1, MPI_INT, win);
        MPI_Win_complete(win);
    }
    MPI_Win_free(&win);
    MPI_Group_free(&others);
    MPI_Group_free(&zero);
    MPI_Group_free(&world);
    free(slots);
}

/* COUNTS increments per rank of a counter at the last rank by get, flush,
 * put under an exclusive lock: only exclusion makes the total exact. */
static void test_exclusive(void)
{
    int counter = 0, target = size - 1;
    MPI_Win win;
    MPI_Win_create(&counter, sizeof counter, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD,
                   &win);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int k = 0; k < COUNTS; k++) {
        int seen = -1, next;
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, target, 0, win);
        MPI_Get(&seen, 1, MPI_INT, target, 0, 1, MPI_INT, win);
        MPI_Win_flush(target, win);
        CHECK(seen >= k && seen < size * COUNTS, "exclusive: counter read %d at step %d",
              seen, k);
        next = seen + 1;
        MPI_Put(&next, 1, MPI_INT, target, 0, 1, MPI_INT, win);
        MPI_Win_unlock(target, win);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == target) {
        MPI_Win_lock(MPI_LOCK_SHARED, target, 0, win);
        CHECK_INT(counter, size * COUNTS, "exclusive: the counter after every increment");
        MPI_Win_unlock(target, win);
    }
    MPI_Win_free(&win);
}

/* Shared locks on every rank at once: each put is flushed, then read back
 * in the same epoch. */
static void test_shared_flush(void)
{
    int *slots = malloc(size * N * sizeof *slots), out[N], got[N];
    MPI_Win win;
    CHECK(slots != NULL, "out of memory");
    for (int i = 0; i < size * N; i++)
        slots[i] = -1;
    MPI_Win_create(slots, size * N * sizeof(int), sizeof(int), MPI_INFO_NULL,
                   MPI_COMM_WORLD, &win);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int t = 0; t < size; t++) {
        int target = (rank + t) % size;
        MPI_Win_lock(MPI_LOCK_SHARED, target, 0, win);
        for (int i = 0; i < N; i++)
            out[i] = value(rank, target, i);
        MPI_Put(out, N, MPI_INT, target, rank * N, N, MPI_INT, win);
        MPI_Win_flush(target, win);
        for (int i = 0; i < N; i++)
            out[i] = -7; /* the put is complete: its buffer is free */
        MPI_Get(got, N, MPI_INT, target, rank * N, N, MPI_INT, win);
        MPI_Win_flush(target, win);
        check_buf(got, rank, target, "shared lock: read back after flush");
        MPI_Win_unlock(target, win);
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock(MPI_LOCK_EXCLUSIVE, rank, 0, win);
    for (int r = 0; r < size; r++)
        check_buf(slots + r * N, r, rank, "shared lock: the target's memory");
    MPI_Win_unlock(rank, win);
    MPI_Win_free(&win);
    free(slots);
}

/* The last rank sits in MPI_Recv while all others lock it, put, get and
 * unlock; then each sends it the message that ends one of its receives. */
static void test_target_in_recv(void)
{
    int target = size - 1, origins = size - 1;
    int *mem = malloc(2 * size * N * sizeof *mem);
    MPI_Win win;
    CHECK(mem != NULL, "out of memory");
    for (int i = 0; i < 2 * size * N; i++)
        mem[i] = value(target, 5, i);
    MPI_Win_create(mem, 2 * size * N * sizeof(int), sizeof(int), MPI_INFO_NULL,
                   MPI_COMM_WORLD, &win);
    MPI_Barrier(MPI_COMM_WORLD);
    if (rank == target) {
        for (int k = 0; k < origins; k++) {
            int token = -1;
            MPI_Status st;
            MPI_Recv(&token, 1, MPI_INT, MPI_ANY_SOURCE, 31, MPI_COMM_WORLD, &st);
            CHECK(token == st.MPI_SOURCE, "target: token %d from rank %d", token,
                  st.MPI_SOURCE);
        }
        MPI_Win_lock(MPI_LOCK_EXCLUSIVE, target, 0, win);
        for (int r = 0; r < origins; r++) {
            check_buf(mem + 2 * r * N, r, 6, "target in MPI_Recv: put of an origin");
            for (int i = N; i < 2 * N; i++)
                CHECK(mem[2 * r * N + i] == value(target, 5, 2 * r * N + i),
                      "target in MPI_Recv: element %d past origin %d's put is %d", i, r,
                      mem[2 * r * N + i]);
        }
        MPI_Win_unlock(target, win);
    } else {
        int out[N], got[2 * N];
        for (int i = 0; i < N; i++)
            out[i] = value(rank, 6, i);
        MPI_Win_lock(rank % 2 ? MPI_LOCK_SHARED : MPI_LOCK_EXCLUSIVE, target, 0, win);
        MPI_Put(out, N, MPI_INT, target, 2 * rank * N, N, MPI_INT, win);
        MPI_Win_unlock(target, win);
        MPI_Win_lock(MPI_LOCK_SHARED, target, 0, win);
        MPI_Get(got, 2 * N, MPI_INT, target, 2 * rank * N, 2 * N, MPI_INT, win);
        MPI_Win_unlock(target, win);
        check_buf(got, rank, 6, "origin: get back of its put");
        for (int i = N; i < 2 * N; i++)
            CHECK(got[i] == value(target, 5, 2 * rank * N + i),
                  "origin: element %d past its put is %d, expected %d", i, got[i],
                  value(target, 5, 2 * rank * N + i));
        MPI_Send(&rank, 1, MPI_INT, target, 31, MPI_COMM_WORLD);
    }
    MPI_Win_free(&win);
    free(mem);
}

/* MPI_Rput into the right neighbour: after MPI_Win_flush_local the buffer
 * may be overwritten (the request is then complete), and the target holds
 * what the buffer held at the put. */
static void test_flush_local(void)
{
    int mem[N], out[N], got[N];
    MPI_Win win;
    MPI_Win_create(mem, sizeof mem, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Win_lock_all(0, win);
    for (int round = 0; round < ROUNDS; round++) {
        MPI_Request req;
        int flag = 0;
        MPI_Barrier(MPI_COMM_WORLD); /* the right neighbour read the last round */
        for (int i = 0; i < N; i++)
            out[i] = value(rank, round, i);
        MPI_Rput(out, N, MPI_INT, right, 0, N, MPI_INT, win, &req);
        MPI_Win_flush_local(right, win);
        for (int i = 0; i < N; i++)
            out[i] = -1;
        MPI_Test(&req, &flag, MPI_STATUS_IGNORE);
        CHECK(flag, "round %d: MPI_Rput's request not complete after MPI_Win_flush_local",
              round);
        MPI_Win_flush(right, win);
        MPI_Get(got, N, MPI_INT, right, 0, N, MPI_INT, win);
        MPI_Win_flush(right, win);
        check_buf(got, rank, round, "flush_local: the target after MPI_Rput");
        MPI_Barrier(MPI_COMM_WORLD);
    }
    MPI_Win_unlock_all(win);
    MPI_Win_free(&win);
}

/* lock_all with NOCHECK (nobody takes an exclusive lock): puts to both
 * neighbours, then each reads its own memory in a second such epoch. */
static void test_lock_all_nocheck(void)
{
    int mem[2 * N], out[N];
    MPI_Win win;
    for (int i = 0; i < 2 * N; i++)
        mem[i] = -1;
    MPI_Win_create(mem, sizeof mem, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(MPI_MODE_NOCHECK, win);
    for (int i = 0; i < N; i++)
        out[i] = value(rank, 9, i);
    MPI_Put(out, N, MPI_INT, right, 0, N, MPI_INT, win);
    MPI_Put(out, N / 2, MPI_INT, left, N, N / 2, MPI_INT, win);
    MPI_Win_unlock_all(win);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Win_lock_all(MPI_MODE_NOCHECK, win);
    MPI_Win_sync(win);
    check_buf(mem, left, 9, "lock_all NOCHECK: the put from the left");
    for (int i = 0; i < N; i++) {
        int want = i < N / 2 ? value(right, 9, i) : -1;
        CHECK(mem[N + i] == want,
              "lock_all NOCHECK: element %d from the right is %d, "
              "expected %d",
              i, mem[N + i], want);
    }
    MPI_Win_unlock_all(win);
    MPI_Win_free(&win);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("rma_sync", &rank, &size);
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    test_fence();
    test_pscw_ring();
    test_pscw_star();
    test_exclusive();
    test_shared_flush();
    test_target_in_recv();
    test_flush_local();
    test_lock_all_nocheck();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
