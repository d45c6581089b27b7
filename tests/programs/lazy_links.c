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
 * Run it with --transport unix or tcp, it prints "lazy_links: N ranks, at
 * start B, after the ring +R, after all +A sockets: ok" on rank 0.
 *
 * Over shm no socket is made at all; from 4 ranks a ring of the node's
 * segment is mapped on first use instead, which each rank measures in
 * /proc/self/maps (bytes of the segment mapped): nothing but the control
 * part at 0; at 1, the ring to the next rank and the one from the previous
 * (R bytes, as much as one peer's two); at 2, those of every peer: exactly
 * R x (n - 1) more than at 0. Prints
 * "lazy_links: N ranks over shm, rings mapped after the ring +R, after all
 * +A bytes: ok".
 */
#include <dirent.h>
#include <stdbool.h>
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

/* Bytes of this node's shm segment (a memfd named ipc-JOB-nodeN) mapped in
 * this process; 0 without one. */
static long segment_bytes(void)
{
    FILE *f = fopen("/proc/self/maps", "r");
    if (!f)
        t_fail("cannot read /proc/self/maps");
    char line[512];
    long bytes = 0;
    while (fgets(line, sizeof line, f)) {
        unsigned long lo, hi;
        if (strstr(line, "/memfd:ipc-") && strstr(line, "-node") &&
            sscanf(line, "%lx-%lx", &lo, &hi) == 2)
            bytes += (long)(hi - lo);
    }
    fclose(f);
    return bytes;
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "lazy_links");
    int me = t_rank, n = t_size;
    T_ASSERT(n >= 2, "needs at least 2 ranks, has %d", n);
    long seg = segment_bytes();
    bool shm = seg > 0;
    T_ASSERT(!shm || n >= 4, "over shm: needs at least 4 ranks (fewer map every ring at "
                             "start), has %d", n);
    int base = count_sockets();
    T_ASSERT(base <= 4, "start: %d sockets before any message, expected at most 4", base);

    /* 1: a lap of the ring. */
    int next = (me + 1) % n, prev = (me + n - 1) % n, token = me, got = -1;
    T_OK(ipc_sendrecv(&token, 1, IPC_INT, next, 1, &got, 1, IPC_INT, prev, 1,
                      IPC_COMM_WORLD, IPC_STATUS_IGNORE));
    T_ASSERT(got == prev, "ring: received %d from rank %d", got, prev);
    int ring = count_sockets() - base; /* before anyone can be at step 2 */
    long seg_ring = segment_bytes() - seg;
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (shm) {
        T_ASSERT(seg_ring > 0, "ring: no ring of the segment mapped after sending");
    } else {
        T_ASSERT(ring >= (n > 2 ? 2 : 1), "ring: %d more sockets, expected at least %d",
                 ring, n > 2 ? 2 : 1);
        T_ASSERT(n < 8 || ring < n - 1, "ring: %d more sockets, expected fewer than %d",
                 ring, n - 1);
    }

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
    long seg_all = segment_bytes() - seg;
    if (shm)
        T_ASSERT(seg_all == seg_ring * (n - 1),
                 "all: %ld more bytes of the segment mapped, expected %ld (the ring's %ld, "
                 "as much as one peer's rings, x %d peers)",
                 seg_all, seg_ring * (n - 1), seg_ring, n - 1);
    else
        T_ASSERT(all == n - 1, "all: %d more sockets, expected %d (one per peer)", all,
                 n - 1);

    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (me == 0 && shm)
        printf("lazy_links: %d ranks over shm, rings mapped after the ring +%ld, after all "
               "+%ld bytes: ok\n",
               n, seg_ring, seg_all);
    else if (me == 0)
        printf("lazy_links: %d ranks, at start %d, after the ring +%d, after all +%d "
               "sockets: ok\n",
               n, base, ring, all);
    free(in);
    free(out);
    free(req);
    T_OK(ipc_finalize());
    return 0;
}
