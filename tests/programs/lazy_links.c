/*
 * lazy_links - links over unix or tcp are opened on first use, one
 * connection per pair that talks, even when both ends dial at once.
 *
 * Each rank counts its own sockets (/proc/self/fd):
 *   0. after ipc_init: no link is open yet, so at most a few (the control
 *      channel, the listener), whatever the number of ranks;
 *   1. after one lap of a ring: links to the neighbours, and maybe to
 *      partners of the barrier that follows: fewer than n - 1 from 8 ranks;
 *   2. after every rank has sent to every other at once (both ends of every
 *      pair dial together) and a barrier: exactly n - 1 more than at 0, no
 *      spare connection left over from the crossings, every message right.
 * Run it with --transport unix or tcp (over shm no socket is made at all).
 * Prints "lazy_links: N ranks, at start B, after the ring +R, after all +A
 * sockets: ok" on rank 0.
 */
#include <dirent.h>
#include <unistd.h>

#include "check.h"

static int count_sockets(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        t_fail("cannot list /proc/self/fd");
    int n = 0;
    struct dirent *e;
    char path[300], target[64];
    while ((e = readdir(d))) {
        snprintf(path, sizeof path, "/proc/self/fd/%s", e->d_name);
        ssize_t len = readlink(path, target, sizeof target - 1);
        if (len > 0) {
            target[len] = '\0';
            n += strncmp(target, "socket:", 7) == 0;
        }
    }
    closedir(d);
    return n;
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "lazy_links");
    int me = t_rank, n = t_size;
    T_ASSERT(n >= 2, "needs at least 2 ranks, has %d", n);
    int base = count_sockets();
    T_ASSERT(base <= 4, "start: %d sockets before any message, expected at most 4", base);

    /* 1: a lap of the ring. */
    int next = (me + 1) % n, prev = (me + n - 1) % n, token = me, got = -1;
    T_OK(ipc_sendrecv(&token, 1, IPC_INT, next, 1, &got, 1, IPC_INT, prev, 1,
                      IPC_COMM_WORLD, IPC_STATUS_IGNORE));
    T_ASSERT(got == prev, "ring: received %d from rank %d", got, prev);
    int ring = count_sockets() - base; /* before anyone can be at step 2 */
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    T_ASSERT(ring >= (n > 2 ? 2 : 1), "ring: %d more sockets, expected at least %d", ring,
             n > 2 ? 2 : 1);
    T_ASSERT(n < 8 || ring < n - 1, "ring: %d more sockets, expected fewer than %d", ring,
             n - 1);

    /* 2: everyone to everyone at once. */
    int *in = t_alloc(sizeof(int) * (size_t)n), *out = t_alloc(sizeof(int) * (size_t)n);
    ipc_request *req = t_alloc(sizeof(ipc_request) * 2 * (size_t)n);
    int nreq = 0;
    for (int p = 0; p < n; p++) {
        if (p == me)
            continue;
        in[p] = -1;
        out[p] = me * 100000 + p;
        T_OK(ipc_irecv(&in[p], 1, IPC_INT, p, 2, IPC_COMM_WORLD, &req[nreq++]));
    }
    for (int p = 0; p < n; p++)
        if (p != me)
            T_OK(ipc_isend(&out[p], 1, IPC_INT, p, 2, IPC_COMM_WORLD, &req[nreq++]));
    T_OK(ipc_waitall(nreq, req, IPC_STATUSES_IGNORE));
    for (int p = 0; p < n; p++)
        T_ASSERT(p == me || in[p] == p * 100000 + me, "all: %d from rank %d, expected %d",
                 in[p], p, p * 100000 + me);
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    int all = count_sockets() - base;
    T_ASSERT(all == n - 1, "all: %d more sockets, expected %d (one per peer)", all, n - 1);

    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (me == 0)
        printf("lazy_links: %d ranks, at start %d, after the ring +%d, after all +%d "
               "sockets: ok\n",
               n, base, ring, all);
    free(in);
    free(out);
    free(req);
    T_OK(ipc_finalize());
    return 0;
}
