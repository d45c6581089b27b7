/*
 * windows - windows of nonblocking sends, as apps/bench's bandwidth test
 * sends them: the memory of the copies a window's sends leave in the send
 * queue is kept for the next window, not given back and faulted in again.
 *
 *   windows [WINDOWS] [BYTES]     (defaults 40, 16384)
 *
 * Rank 0 sends windows of 64 ipc_isend of BYTES each to rank 1 and waits for
 * them, then for a one-byte ack; rank 1 receives each window into 64 buffers
 * and checks every payload (a copy whose memory was reused while it still
 * waited to be written would show). Over a descriptor link most of a window
 * of small sends is copied into the send queue (up to 256 KiB) and written
 * in one writev. After three windows of warm-up, the sender may take at
 * most 8 minor page faults a window on average (none in an ordinary build;
 * about 3 under AddressSanitizer, whose quarantine hands out fresh memory
 * for every small allocation). When the copies went back to malloc, glibc
 * gave their memory back to the kernel whenever they lay at the top of its
 * heap, and the next window faulted it in again: 24 faults a window, and a
 * twentieth of the bandwidth (each brk that shrank the heap cost a TLB
 * shootdown). A count of page faults, not a time: it does not depend on how
 * busy the machine is.
 */
#include "check.h"

#include <sys/resource.h>

enum { WINDOW = 64, WARMUP = 3, TAG_DATA = 2, TAG_ACK = 3, MAX_FAULTS_PER_WINDOW = 8 };

static long minor_faults(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_minflt;
}

/* The pattern id of message m of window w. */
static int msg_id(int w, int m)
{
    return w * WINDOW + m;
}

static void send_window(uint8_t *buf, size_t bytes, int w)
{
    ipc_request req[WINDOW];
    char ack;
    for (int m = 0; m < WINDOW; m++) {
        t_fill(buf + (size_t)m * bytes, bytes, msg_id(w, m));
        T_OK(ipc_isend(buf + (size_t)m * bytes, bytes, IPC_BYTE, 1, TAG_DATA,
                       IPC_COMM_WORLD, &req[m]));
    }
    T_OK(ipc_waitall(WINDOW, req, IPC_STATUSES_IGNORE));
    T_OK(ipc_recv(&ack, 1, IPC_CHAR, 1, TAG_ACK, IPC_COMM_WORLD, IPC_STATUS_IGNORE));
}

static void receive_window(uint8_t *buf, size_t bytes, int w)
{
    ipc_request req[WINDOW];
    char ack = 0;
    for (int m = 0; m < WINDOW; m++) {
        t_poison(buf + (size_t)m * bytes, bytes, msg_id(w, m));
        T_OK(ipc_irecv(buf + (size_t)m * bytes, bytes, IPC_BYTE, 0, TAG_DATA,
                       IPC_COMM_WORLD, &req[m]));
    }
    T_OK(ipc_waitall(WINDOW, req, IPC_STATUSES_IGNORE));
    for (int m = 0; m < WINDOW; m++)
        t_verify(buf + (size_t)m * bytes, bytes, bytes, msg_id(w, m), "windows");
    T_OK(ipc_send(&ack, 1, IPC_CHAR, 0, TAG_ACK, IPC_COMM_WORLD));
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "windows");
    int windows = argc > 1 ? atoi(argv[1]) : 40;
    size_t bytes = argc > 2 ? (size_t)atol(argv[2]) : 16384;
    T_ASSERT(t_size == 2, "needs 2 ranks, got %d", t_size);
    T_ASSERT(windows > 0 && bytes > 0, "needs WINDOWS > 0 and BYTES > 0");
    uint8_t *buf = t_alloc(WINDOW * bytes);
    memset(buf, 0, WINDOW * bytes); /* its pages are in before counting */
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    long before = 0;
    for (int w = 0; w < WARMUP + windows; w++) {
        if (w == WARMUP)
            before = minor_faults();
        if (t_rank == 0)
            send_window(buf, bytes, w);
        else
            receive_window(buf, bytes, w);
    }
    long faults = minor_faults() - before;
    if (t_rank == 0)
        T_ASSERT(
            faults <= (long)MAX_FAULTS_PER_WINDOW * windows,
            "%ld minor page faults in %d windows of %d x %zu bytes sent (at most %d a "
            "window expected): the memory of the send queue's copies is not kept",
            faults, windows, WINDOW, bytes, MAX_FAULTS_PER_WINDOW);
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (t_rank == 0)
        printf("windows: %d windows of %d x %zu bytes: ok (%ld page faults)\n", windows,
               WINDOW, bytes, faults);
    free(buf);
    T_OK(ipc_finalize());
    return 0;
}
