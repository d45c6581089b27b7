/*
 * rma - libipc's one-sided calls on every kind of window, under every kind
 * of epoch, checked against values computed here.
 *
 *   ipcrun -n N rma [ITERATIONS]
 *
 * For each flavor (create, allocate, dynamic, and shared when every rank is
 * on one node) and each epoch (fence, post/start/complete/wait, lock, and
 * lock_all with flushes): every rank puts its rank-stamped block into its
 * right neighbour's window, gets its left neighbour's back, accumulates
 * into rank 0's counters, fetches and adds, and swaps; then the windows
 * must hold exactly what those operations leave. Concurrent accumulates and
 * fetch-and-ops from every rank to one word give the exact sum and a
 * permutation of the fetched values; a lock built on compare-and-swap keeps
 * a non-atomic counter exact. Errors: outside an epoch, past the window,
 * free with an epoch open, bad lock types and asserts.
 */
#include <stdbool.h>

#include "check.h"

enum { BLOCK = 96, COUNTERS = 4, SLOTS = BLOCK + COUNTERS + 2 };
enum epoch { E_FENCE, E_PSCW, E_LOCK, E_LOCKALL, E_N };
static const char *const epoch_names[E_N] = {"fence", "pscw", "lock", "lock_all"};

static int me, n, left, right;

static int64_t stamp(int rank, int i)
{
    return (int64_t)rank * 1000003 + i;
}

/* Opens the access epoch of kind e that covers target t (and everybody for
 * fence), closes it again. */
static void open_epoch(enum epoch e, int t, ipc_win w)
{
    int grp[2] = {left, right};
    int ng = left == right ? 1 : 2;
    switch (e) {
    case E_FENCE:
        T_OK(ipc_win_fence(0, w));
        break;
    case E_PSCW:
        T_OK(ipc_win_post(grp, ng, 0, w));
        T_OK(ipc_win_start(grp, ng, 0, w));
        break;
    case E_LOCK:
        T_OK(ipc_win_lock(IPC_LOCK_SHARED, t, 0, w));
        break;
    case E_LOCKALL:
        T_OK(ipc_win_lock_all(0, w));
        break;
    default:
        break;
    }
}

static void close_epoch(enum epoch e, int t, ipc_win w)
{
    switch (e) {
    case E_FENCE:
        T_OK(ipc_win_fence(IPC_MODE_NOSUCCEED, w));
        break;
    case E_PSCW:
        T_OK(ipc_win_complete(w));
        T_OK(ipc_win_wait(w));
        break;
    case E_LOCK:
        T_OK(ipc_win_unlock(t, w));
        break;
    case E_LOCKALL:
        T_OK(ipc_win_flush_all(w));
        T_OK(ipc_win_unlock_all(w));
        break;
    default:
        break;
    }
}

/* After a passive-target epoch the target learns that the origins are done
 * from a barrier; fence is one already. */
static void sync_all(enum epoch e)
{
    if (e != E_FENCE)
        T_OK(ipc_barrier(IPC_COMM_WORLD));
}

/* Where slot i of rank r's window is: its displacement, in units of 8
 * bytes, or in a dynamic window its address. */
static size_t *dyn;
static size_t at(int r, int i)
{
    return dyn ? dyn[r] + (size_t)i * 8 : (size_t)i;
}

static void one_round(const char *flavor, enum epoch e, ipc_win w, int64_t *mine,
                      size_t dyn_disp[])
{
    dyn = dyn_disp;
    for (int i = 0; i < SLOTS; i++)
        mine[i] = -1;
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    int64_t out[BLOCK], in[BLOCK], got = -5, one = 1;
    for (int i = 0; i < BLOCK; i++)
        out[i] = stamp(me, i);

    /* 1: put to the right neighbour */
    open_epoch(e, right, w);
    T_OK(ipc_put(out, BLOCK, IPC_INT64, right, at(right, 0), w));
    close_epoch(e, right, w);
    sync_all(e);
    for (int i = 0; i < BLOCK; i++)
        T_ASSERT(mine[i] == stamp(left, i),
                 "%s/%s: put: slot %d holds %lld, expected %lld", flavor, epoch_names[e],
                 i, (long long)mine[i], (long long)stamp(left, i));
    /* 2: get from the left neighbour what its left put there */
    open_epoch(e, left, w);
    T_OK(ipc_get(in, BLOCK, IPC_INT64, left, at(left, 0), w));
    close_epoch(e, left, w);
    int ll = (left - 1 + n) % n;
    for (int i = 0; i < BLOCK; i++)
        T_ASSERT(in[i] == stamp(ll, i), "%s/%s: get: element %d is %lld, expected %lld",
                 flavor, epoch_names[e], i, (long long)in[i], (long long)stamp(ll, i));
    /* 3: accumulates into rank 0's counters; everyone resets first */
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (me == 0)
        for (int i = 0; i < COUNTERS + 2; i++)
            mine[BLOCK + i] = 0;
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    /* pscw: the groups are the neighbours, so only rank 0's reach it */
    bool acc = e != E_PSCW || n == 1 || (me != 0 && (left == 0 || right == 0));
    int64_t mx = me + 10;
    open_epoch(e, 0, w);
    if (acc) {
        T_OK(ipc_accumulate(&one, 1, IPC_INT64, 0, at(0, BLOCK), IPC_SUM, w));
        T_OK(ipc_accumulate(&mx, 1, IPC_INT64, 0, at(0, BLOCK + 1), IPC_MAX, w));
        T_OK(ipc_fetch_and_op(&one, &got, IPC_INT64, 0, at(0, BLOCK + 2), IPC_SUM, w));
    }
    close_epoch(e, 0, w);
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    int nacc = e != E_PSCW ? n : n <= 2 ? 1 : 2;
    int64_t maxv = 10 + n - 1;
    if (me == 0) {
        T_ASSERT(mine[BLOCK] == nacc, "%s/%s: accumulate sum: %lld, expected %d", flavor,
                 epoch_names[e], (long long)mine[BLOCK], nacc);
        T_ASSERT(mine[BLOCK + 1] == maxv, "%s/%s: accumulate max: %lld, expected %lld",
                 flavor, epoch_names[e], (long long)mine[BLOCK + 1], (long long)maxv);
        T_ASSERT(mine[BLOCK + 2] == nacc, "%s/%s: fetch_and_op sum: %lld, expected %d",
                 flavor, epoch_names[e], (long long)mine[BLOCK + 2], nacc);
    }
    T_OK(ipc_barrier(IPC_COMM_WORLD));
}

/* Every rank adds to one word of rank 0 and fetches-and-adds another, many
 * times, in lock_all epochs: exact sums, and the fetched values are all
 * different. Then a compare-and-swap lock guards a counter updated by get
 * and put. */
static void contend(ipc_win w, int64_t *mine, int iters)
{
    if (me == 0)
        for (int i = 0; i < SLOTS; i++)
            mine[i] = 0;
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    int64_t one = 1, *seen = calloc((size_t)iters, sizeof *seen);
    T_ASSERT(seen, "out of memory");
    T_OK(ipc_win_lock_all(0, w));
    for (int i = 0; i < iters; i++) {
        T_OK(ipc_accumulate(&one, 1, IPC_INT64, 0, at(0, 0), IPC_SUM, w));
        T_OK(ipc_fetch_and_op(&one, &seen[i], IPC_INT64, 0, at(0, 1), IPC_SUM, w));
        if (i % 16 == 0)
            T_OK(ipc_win_flush(0, w));
    }
    T_OK(ipc_win_unlock_all(w));
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    int64_t total = (int64_t)iters * n;
    if (me == 0) {
        T_ASSERT(mine[0] == total, "concurrent accumulate: %lld, expected %lld",
                 (long long)mine[0], (long long)total);
        T_ASSERT(mine[1] == total, "concurrent fetch_and_op: %lld, expected %lld",
                 (long long)mine[1], (long long)total);
    }
    /* the fetched values of all ranks: a permutation of 0..total-1 */
    int64_t *all = malloc(sizeof *all * (size_t)total);
    T_ASSERT(all, "out of memory");
    T_OK(ipc_gather(seen, (size_t)iters, IPC_INT64, all, (size_t)iters, IPC_INT64, 0,
                    IPC_COMM_WORLD));
    if (me == 0) {
        char *hit = calloc((size_t)total, 1);
        T_ASSERT(hit, "out of memory");
        for (int64_t i = 0; i < total; i++) {
            T_ASSERT(all[i] >= 0 && all[i] < total && !hit[all[i]],
                     "fetch_and_op gave %lld twice or out of range", (long long)all[i]);
            hit[all[i]] = 1;
        }
        free(hit);
    }
    free(all);
    free(seen);

    /* compare-and-swap lock at word 2, counter at word 3 */
    int64_t zero = 0, mark = me + 1, old, val;
    int rounds = iters / 4 + 1;
    T_OK(ipc_win_lock_all(0, w));
    for (int i = 0; i < rounds; i++) {
        do {
            T_OK(ipc_compare_and_swap(&mark, &zero, &old, IPC_INT64, 0, at(0, 2), w));
            T_OK(ipc_win_flush(0, w));
        } while (old != 0);
        T_OK(ipc_get(&val, 1, IPC_INT64, 0, at(0, 3), w));
        T_OK(ipc_win_flush(0, w));
        val++;
        T_OK(ipc_put(&val, 1, IPC_INT64, 0, at(0, 3), w));
        T_OK(ipc_win_flush(0, w));
        T_OK(ipc_compare_and_swap(&zero, &mark, &old, IPC_INT64, 0, at(0, 2), w));
        T_OK(ipc_win_flush(0, w));
        T_ASSERT(old == mark, "cas unlock found %lld, expected %lld", (long long)old,
                 (long long)mark);
    }
    T_OK(ipc_win_unlock_all(w));
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (me == 0)
        T_ASSERT(mine[3] == (int64_t)rounds * n,
                 "cas-locked counter: %lld, expected %lld", (long long)mine[3],
                 (long long)rounds * n);
}

static void errors(ipc_win w, bool shared)
{
    int64_t x = 0;
    T_ERR(ipc_put(&x, 1, IPC_INT64, right, 0, w), IPC_ERR_RMA_SYNC);
    T_OK(ipc_win_lock(IPC_LOCK_EXCLUSIVE, right, 0, w));
    T_ERR(ipc_put(&x, 1, IPC_INT64, right, SLOTS, w), IPC_ERR_RMA_RANGE);
    T_ERR(ipc_put(&x, 2, IPC_INT64, right, SLOTS - 1, w), IPC_ERR_RMA_RANGE);
    T_ERR(ipc_win_lock(IPC_LOCK_SHARED, right, 0, w), IPC_ERR_RMA_SYNC);
    T_ERR(ipc_win_free(&w), IPC_ERR_RMA_SYNC);
    double d = 0;
    T_ERR(ipc_accumulate(&d, 1, IPC_DOUBLE, right, 0, IPC_BAND, w), IPC_ERR_OP);
    T_OK(ipc_win_unlock(right, w));
    T_ERR(ipc_win_unlock(right, w), IPC_ERR_RMA_SYNC);
    T_ERR(ipc_win_lock(7, right, 0, w), IPC_ERR_LOCKTYPE);
    T_ERR(ipc_win_lock(IPC_LOCK_SHARED, right, 1, w), IPC_ERR_ASSERT);
    T_ERR(ipc_win_complete(w), IPC_ERR_RMA_SYNC);
    T_ERR(ipc_win_wait(w), IPC_ERR_RMA_SYNC);
    T_ERR(ipc_win_flush(right, w), IPC_ERR_RMA_SYNC);
    T_ERR(ipc_win_attach(w, &x, 8), IPC_ERR_RMA_FLAVOR);
    if (!shared)
        T_ERR(ipc_win_shared_query(w, 0, NULL, NULL, NULL), IPC_ERR_RMA_FLAVOR);
    T_ERR(ipc_put(&x, 1, IPC_INT64, 0, 0, IPC_WIN_NULL), IPC_ERR_WIN);
    T_ERR(ipc_win_fence(0, (ipc_win)&x), IPC_ERR_WIN);
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "rma");
    int iters = argc > 1 ? atoi(argv[1]) : 200;
    me = t_rank;
    n = t_size;
    left = (me - 1 + n) % n;
    right = (me + 1) % n;
    for (int flavor = 0; flavor < 4; flavor++) {
        ipc_win w;
        int64_t *mem = NULL, *own = NULL;
        size_t *dyn_mine = NULL;
        const char *name = flavor == 0   ? "create"
                           : flavor == 1 ? "allocate"
                           : flavor == 2 ? "dynamic"
                                         : "shared";
        if (flavor == 0) {
            own = mem = calloc(SLOTS, sizeof *mem);
            T_ASSERT(mem, "out of memory");
            T_OK(ipc_win_create(mem, SLOTS * sizeof *mem, sizeof *mem, IPC_COMM_WORLD,
                                &w));
        } else if (flavor == 1) {
            T_OK(ipc_win_allocate(SLOTS * sizeof *mem, sizeof *mem, IPC_COMM_WORLD, &mem,
                                  &w));
        } else if (flavor == 2) {
            own = mem = calloc(SLOTS, sizeof *mem);
            dyn_mine = malloc(sizeof *dyn_mine * (size_t)n);
            T_ASSERT(mem && dyn_mine, "out of memory");
            T_OK(ipc_win_create_dynamic(IPC_COMM_WORLD, &w));
            T_OK(ipc_win_attach(w, mem, SLOTS * sizeof *mem));
            size_t a = (size_t)(uintptr_t)mem;
            T_OK(ipc_allgather(&a, 1, IPC_UINT64, dyn_mine, 1, IPC_UINT64,
                               IPC_COMM_WORLD));
        } else {
            int rc = ipc_win_allocate_shared(SLOTS * sizeof *mem, sizeof *mem, 0,
                                             IPC_COMM_WORLD, &mem, &w);
            if (rc == IPC_ERR_RMA_SHARED)
                continue; /* ranks on several nodes */
            T_OK(rc);
            /* contiguous: rank r + 1's memory right after rank r's */
            for (int r = 0; r < n; r++) {
                size_t sz;
                int du;
                int64_t *b;
                T_OK(ipc_win_shared_query(w, r, &sz, &du, &b));
                T_ASSERT(sz == SLOTS * sizeof *mem && du == sizeof *mem &&
                             b == mem + (r - me) * SLOTS,
                         "shared_query(%d): %zu bytes, unit %d, at %+td slots", r, sz, du,
                         b - mem);
            }
        }
        size_t *dyn_all = dyn_mine;
        for (int e = 0; e < E_N; e++)
            one_round(name, (enum epoch)e, w, mem, dyn_all);
        dyn = NULL;
        if (flavor == 2)
            dyn = dyn_all;
        contend(w, mem, iters);
        if (flavor != 2)
            errors(w, flavor == 3);
        if (flavor == 2)
            T_OK(ipc_win_detach(w, mem));
        T_OK(ipc_win_free(&w));
        T_ASSERT(w == IPC_WIN_NULL, "ipc_win_free left the handle set");
        free(own);
        free(dyn_mine);
        dyn = NULL;
    }
    /* A window the program never frees: ipc_finalize releases it, and the
     * requests its server may still hold (leak checks of SAN=1 see it). */
    ipc_win kept;
    int64_t *km;
    T_OK(ipc_win_allocate(8 * sizeof *km, sizeof *km, IPC_COMM_WORLD, &km, &kept));
    T_OK(ipc_win_lock_all(0, kept));
    int64_t one = 1;
    T_OK(ipc_accumulate(&one, 1, IPC_INT64, 0, 0, IPC_SUM, kept));
    T_OK(ipc_win_unlock_all(kept));
    if (me == 0)
        printf("rma: %d ranks, %d iterations: ok\n", n, iters);
    T_OK(ipc_finalize());
    return 0;
}
