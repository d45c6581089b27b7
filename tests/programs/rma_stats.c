/*
 * rma_stats - a known number of one-sided operations, for what ipcrun
 * --stats and --trace say of them (tests/integration/test_observe.sh).
 *
 *   ipcrun -n 2 rma_stats [allocate|create|hang]
 *
 * Rank 0, in one exclusive lock epoch on rank 1's window (64 longs, made
 * with ipc_win_allocate or ipc_win_create): 3 puts of 4 longs (96 bytes),
 * 2 gets of 2 longs (32 bytes), an accumulate, a fetch_and_op and a
 * compare_and_swap of one long each (3 accumulates, 24 bytes). Rank 1
 * issues nothing; with requests (another node, or a transport other than
 * shm) its server answers 10 of rank 0's: the 8 operations, the lock and the
 * unlock. Both check the window's contents after a fence.
 *
 * "hang": rank 1 holds the exclusive lock of its own window and waits for a
 * message that never comes, so rank 0 waits in ipc_win_lock for ever
 * (until ipcrun's --timeout).
 */
#include "check.h"

enum { WORDS = 64 };

static void hang(ipc_win w)
{
    long v;
    if (t_rank == 1) {
        T_OK(ipc_win_lock(IPC_LOCK_EXCLUSIVE, 1, 0, w));
        T_OK(ipc_barrier(IPC_COMM_WORLD));
        T_OK(ipc_recv(&v, 1, IPC_LONG, 0, 5, IPC_COMM_WORLD, IPC_STATUS_IGNORE));
    } else {
        T_OK(ipc_barrier(IPC_COMM_WORLD));
        T_OK(ipc_win_lock(IPC_LOCK_EXCLUSIVE, 1, 0, w));
    }
    t_fail("got past a lock that rank 1 never gives back");
}

static void origin(ipc_win w)
{
    long put[4], got[2][2], one = 1, old = -1, swap = 99, cmp = 0, res = -1;
    T_OK(ipc_win_lock(IPC_LOCK_EXCLUSIVE, 1, 0, w));
    for (int i = 0; i < 3; i++) {
        for (int k = 0; k < 4; k++)
            put[k] = 100 * i + k;
        T_OK(ipc_put(put, 4, IPC_LONG, 1, (size_t)(4 * i), w));
        T_OK(ipc_win_flush(1, w)); /* put is reused */
    }
    T_OK(ipc_get(got[0], 2, IPC_LONG, 1, 0, w));
    T_OK(ipc_get(got[1], 2, IPC_LONG, 1, 8, w));
    T_OK(ipc_accumulate(&one, 1, IPC_LONG, 1, 20, IPC_SUM, w));
    T_OK(ipc_fetch_and_op(&one, &old, IPC_LONG, 1, 21, IPC_SUM, w));
    T_OK(ipc_compare_and_swap(&swap, &cmp, &res, IPC_LONG, 1, 22, w));
    T_OK(ipc_win_unlock(1, w));
    T_ASSERT(got[0][0] == 0 && got[0][1] == 1 && got[1][0] == 200 && got[1][1] == 201,
             "got %ld %ld %ld %ld", got[0][0], got[0][1], got[1][0], got[1][1]);
    T_ASSERT(old == 0 && res == 0, "fetch_and_op fetched %ld, compare_and_swap %ld", old,
             res);
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "rma_stats");
    const char *mode = argc > 1 ? argv[1] : "allocate";
    T_ASSERT(t_size == 2, "needs 2 ranks, got %d", t_size);
    long *mem, buf[WORDS] = {0};
    ipc_win w;
    if (!strcmp(mode, "create")) {
        mem = buf;
        T_OK(ipc_win_create(buf, sizeof buf, sizeof(long), IPC_COMM_WORLD, &w));
    } else {
        T_OK(ipc_win_allocate(sizeof buf, sizeof(long), IPC_COMM_WORLD, &mem, &w));
        memset(mem, 0, sizeof buf);
    }
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (!strcmp(mode, "hang"))
        hang(w);
    if (t_rank == 0)
        origin(w);
    T_OK(ipc_win_fence(0, w));
    T_OK(ipc_win_fence(0, w));
    if (t_rank == 1) {
        for (int i = 0; i < 12; i++)
            T_ASSERT(mem[i] == 100 * (i / 4) + i % 4, "word %d is %ld", i, mem[i]);
        T_ASSERT(mem[20] == 1 && mem[21] == 1 && mem[22] == 99, "accumulated %ld %ld %ld",
                 mem[20], mem[21], mem[22]);
    }
    T_OK(ipc_win_free(&w));
    if (t_rank == 0)
        printf("rma_stats: %s: ok\n", mode);
    T_OK(ipc_finalize());
    return 0;
}
