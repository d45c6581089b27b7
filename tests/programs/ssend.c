/*
 * ssend - a synchronous send waits for the receiver; a small send does not.
 *
 * Needs at least 2 ranks; ranks 0 (sender) and 1 (receiver) take part, the
 * others only join the barriers. In each part the receiver sleeps RECV_DELAY
 * before posting its receive:
 *   - ipc_ssend, small and 1 MiB, takes at least ~RECV_DELAY;
 *   - ipc_issend stays incomplete under ipc_test until then;
 *   - ipc_send of a small message returns well before then.
 */
#include "check.h"

enum { RECV_DELAY_MS = 300, MIN_WAIT_MS = 250, QUICK_MS = 150, BIG = 1 << 20 };

static void receive_late(uint8_t *buf, size_t size, int tag)
{
    ipc_status st;
    t_sleep_ms(RECV_DELAY_MS);
    T_OK(ipc_recv(buf, size, IPC_BYTE, 0, tag, IPC_COMM_WORLD, &st));
    t_expect_status(&st, 0, tag, size, "receive");
    t_verify(buf, size, size, 0, "receive");
}

static double timed_ssend(uint8_t *buf, size_t size, int tag)
{
    t_fill(buf, size, 0);
    double t0 = ipc_wtime();
    T_OK(ipc_ssend(buf, size, IPC_BYTE, 1, tag, IPC_COMM_WORLD));
    return ipc_wtime() - t0;
}

static void part_ssend(uint8_t *buf, size_t size, int tag)
{
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (t_rank == 1)
        receive_late(buf, size, tag);
    if (t_rank != 0)
        return;
    double t = timed_ssend(buf, size, tag);
    T_ASSERT(t >= MIN_WAIT_MS / 1e3,
             "ipc_ssend of %zu bytes returned after %.3f s, before the receiver (asleep "
             "%d ms) posted its receive",
             size, t, RECV_DELAY_MS);
}

static void part_issend(uint8_t *buf)
{
    const size_t size = 100;
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (t_rank == 1)
        receive_late(buf, size, 3);
    if (t_rank != 0)
        return;
    ipc_request req;
    int flag = 0;
    t_fill(buf, size, 0);
    double t0 = ipc_wtime();
    T_OK(ipc_issend(buf, size, IPC_BYTE, 1, 3, IPC_COMM_WORLD, &req));
    while (!flag) {
        T_OK(ipc_test(&req, &flag, IPC_STATUS_IGNORE));
        T_ASSERT(flag || ipc_wtime() - t0 < 30, "ipc_issend not complete after 30 s");
    }
    double t = ipc_wtime() - t0;
    T_ASSERT(t >= MIN_WAIT_MS / 1e3, "ipc_issend completed after %.3f s, before the receiver "
             "(asleep %d ms) posted its receive", t, RECV_DELAY_MS);
}

static void part_send(uint8_t *buf)
{
    const size_t size = 64;
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (t_rank == 1)
        receive_late(buf, size, 4);
    if (t_rank != 0)
        return;
    t_fill(buf, size, 0);
    double t0 = ipc_wtime();
    T_OK(ipc_send(buf, size, IPC_BYTE, 1, 4, IPC_COMM_WORLD));
    double t = ipc_wtime() - t0;
    T_ASSERT(t < QUICK_MS / 1e3, "ipc_send of %zu bytes took %.3f s: it waited for the "
             "receiver, expected under %d ms", size, t, QUICK_MS);
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "ssend");
    T_ASSERT(t_size >= 2, "needs at least 2 ranks, got %d: run it with ipcrun -n 2", t_size);
    uint8_t *buf = t_alloc(BIG);

    part_ssend(buf, 8, 1);
    part_ssend(buf, BIG, 2);
    part_issend(buf);
    part_send(buf);

    free(buf);
    T_OK(ipc_finalize());
    if (t_rank == 0)
        printf("ssend: %d ranks: ok\n", t_size);
    return 0;
}
