/*
 * ssend - a synchronous send waits for the receiver; a small send does not.
 *
 * Needs at least 2 ranks; ranks 0 (sender) and 1 (receiver) take part, the
 * others only join the barriers. In each part the receiver sleeps RECV_DELAY
 * before posting its receive, then tells the sender when it posted it (the
 * monotonic clock of ipc_wtime is the same for every process of the host, so
 * the check does not depend on how the two ranks were scheduled):
 *   - ipc_ssend, small and 1 MiB, returns only after the receive was posted;
 *   - ipc_issend stays incomplete under ipc_test until then;
 *   - ipc_send of a small message returns without waiting for it.
 */
#include "check.h"

enum { RECV_DELAY_MS = 300, QUICK_MS = 150, BIG = 1 << 20, TAG_POSTED = 100 };

/* Rank 1: receives late, then tells rank 0 when its receive was posted. */
static void receive_late(uint8_t *buf, size_t size, int tag)
{
    ipc_status st;
    t_sleep_ms(RECV_DELAY_MS);
    double posted = ipc_wtime();
    T_OK(ipc_recv(buf, size, IPC_BYTE, 0, tag, IPC_COMM_WORLD, &st));
    t_expect_status(&st, 0, tag, size, "receive");
    t_verify(buf, size, size, 0, "receive");
    T_OK(ipc_send(&posted, 1, IPC_DOUBLE, 0, TAG_POSTED, IPC_COMM_WORLD));
}

/* Rank 0: when rank 1 posted its receive. */
static double when_posted(void)
{
    double posted;
    T_OK(ipc_recv(&posted, 1, IPC_DOUBLE, 1, TAG_POSTED, IPC_COMM_WORLD, IPC_STATUS_IGNORE));
    return posted;
}

static void part_ssend(uint8_t *buf, size_t size, int tag)
{
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (t_rank == 1)
        receive_late(buf, size, tag);
    if (t_rank != 0)
        return;
    t_fill(buf, size, 0);
    T_OK(ipc_ssend(buf, size, IPC_BYTE, 1, tag, IPC_COMM_WORLD));
    double done = ipc_wtime(), posted = when_posted();
    T_ASSERT(done >= posted,
             "ipc_ssend of %zu bytes returned %.3f s before the receiver posted its receive",
             size, posted - done);
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
    double done = ipc_wtime(), posted = when_posted();
    T_ASSERT(done >= posted,
             "ipc_issend completed %.3f s before the receiver posted its receive",
             posted - done);
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
    double done = ipc_wtime(), t = done - t0, posted = when_posted();
    /* Returning before the receive was posted proves it did not wait; on a
     * machine so busy that rank 0 started late, a quick call still does. */
    T_ASSERT(done < posted || t < QUICK_MS / 1e3,
             "ipc_send of %zu bytes took %.3f s and returned after the receive was posted: "
             "it waited for the receiver", size, t);
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
