/*
 * doorbell.c - waiting on shm: each rank has a doorbell (a futex word and a
 * "sleeping" flag). A writer rings it only when the reader sleeps, so the
 * fast path makes no system call. Writer and sleeper each need a full
 * barrier between their store and their load (or a wake-up is lost); when
 * ranks rarely sleep, the sleeper pays for both with membarrier() and the
 * writer pays nothing (shm_fence_before_look, shm.h). A rank that also has
 * stream links sleeps in poll() instead: its doorbell is then a datagram
 * socket as well, which writers send a byte to.
 */
#include <errno.h>
#include <sched.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "shm.h"

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}

/* On its futex, or, when it sleeps in poll() (it has stream links too), with
 * a byte to its doorbell socket. A full socket already holds a wake-up, so
 * that send may fail. */
void ipc__shm_wake(const struct shm_seg *seg, struct doorbell *b)
{
    /* Another rank wrote it: read once, and never more than the name holds. */
    uint32_t n = *(volatile uint32_t *)&b->wake_len;
    if (n) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        n = n < sizeof b->wake_name ? n : sizeof b->wake_name;
        memcpy(sa.sun_path, b->wake_name, n);
        (void)sendto(seg->wake_tx, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL,
                     (struct sockaddr *)&sa,
                     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n));
        return;
    }
    atomic_fetch_add_explicit(&b->futex, 1, memory_order_relaxed);
    futex(&b->futex, FUTEX_WAKE, 1, NULL);
}

unsigned ipc__shm_arm(struct ipc__transport *self)
{
    struct shm_seg *seg = self->priv;
    unsigned token = atomic_load_explicit(&seg->mine->futex, memory_order_relaxed);
    atomic_store_explicit(&seg->mine->sleeping, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    /* Every writer that runs now passes a full barrier: either its
     * publication is visible to our last look for work, or its look at our
     * flag comes after the barrier and sees it set. */
    if (!seg->writer_fence)
        syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
    return token;
}

void ipc__shm_sleep(struct ipc__transport *self, unsigned token, int timeout_ms)
{
    struct shm_seg *seg = self->priv;
    struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000};
    futex(&seg->mine->futex, FUTEX_WAIT, token, timeout_ms >= 0 ? &ts : NULL);
}

void ipc__shm_disarm(struct ipc__transport *self)
{
    struct shm_seg *seg = self->priv;
    atomic_store_explicit(&seg->mine->sleeping, 0, memory_order_relaxed);
    /* Awake, it looks for room itself (inbox.c: want_room). */
    if (atomic_load_explicit(&seg->mine->room_for, memory_order_relaxed))
        atomic_store_explicit(&seg->mine->room_for, 0, memory_order_relaxed);
    /* Wake-ups sent while we slept are spent; one that comes after this only
     * makes the next poll() return early. */
    char drain[64];
    while (seg->wake_rx >= 0 &&
           recv(seg->wake_rx, drain, sizeof drain, MSG_DONTWAIT) >= 0)
        continue;
}

int ipc__shm_doorbell_fd(struct ipc__transport *self)
{
    const struct shm_seg *seg = self->priv;
    return seg->wake_rx;
}

/* A datagram socket on an autobound abstract address (nothing on disk),
 * published in our doorbell. Without one (no socket to be had) the rank
 * sleeps in short polls instead, and writers keep ringing the futex. */
void ipc__shm_open_doorbell(struct shm_seg *seg)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    socklen_t len = sizeof sa;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return;
    if (bind(fd, (struct sockaddr *)&sa, sizeof(sa_family_t)) != 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &len) != 0 ||
        len - offsetof(struct sockaddr_un, sun_path) > WAKE_NAME_MAX) {
        close(fd);
        return;
    }
    seg->mine->wake_len = (uint32_t)(len - offsetof(struct sockaddr_un, sun_path));
    memcpy(seg->mine->wake_name, sa.sun_path, seg->mine->wake_len);
    seg->wake_rx = fd;
}

int ipc__shm_open_ringer(struct shm_seg *seg, const struct ipc__job *job)
{
    bool pollable_peer = false;
    for (int r = 0; r < seg->nranks; r++)
        pollable_peer |= r != seg->me && seg->bells[r].wake_len;
    if (!pollable_peer)
        return IPC_SUCCESS;
    seg->wake_tx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (seg->wake_tx >= 0)
        return IPC_SUCCESS;
    fprintf(stderr, "ipc: rank %d: cannot open a socket to wake shm peers: %s\n",
            job->rank, strerror(errno));
    return IPC_ERR_TRANSPORT;
}

void ipc__shm_node_ring(struct ipc__node_area *a, int rank)
{
    const struct shm_seg *seg = ipc__container_of(a, struct shm_seg, node);
    shm_ring_doorbell(seg, &seg->bells[rank]);
}

void ipc__shm_node_ring_all(struct ipc__node_area *a)
{
    const struct shm_seg *seg = ipc__container_of(a, struct shm_seg, node);
    shm_fence_before_look(seg);
    for (int r = 0; r < seg->nranks; r++) {
        struct doorbell *b = &seg->bells[r];
        if (b != seg->mine && atomic_load_explicit(&b->sleeping, memory_order_relaxed))
            ipc__shm_wake(seg, b);
    }
}

void ipc__shm_node_rare_fence(struct ipc__node_area *a)
{
    const struct shm_seg *seg = ipc__container_of(a, struct shm_seg, node);
    atomic_thread_fence(memory_order_seq_cst);
    if (!seg->writer_fence)
        syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
}

/* At most one move a rank in this long (move_apart). */
#define MOVE_EVERY_S 10e-3

/* Whether a rank of the node other than us that is awake said cpu. */
static bool cpu_claimed(const struct shm_seg *seg, int cpu)
{
    for (int i = 0; i < seg->nranks; i++) {
        const struct doorbell *b = &seg->bells[i];
        if (i != seg->me &&
            atomic_load_explicit(&b->cpu_plus1, memory_order_relaxed) == cpu + 1 &&
            !atomic_load_explicit(&b->sleeping, memory_order_relaxed))
            return true;
    }
    return false;
}

/* Not oversubscribed, every rank of the node can have a cpu of its own; two
 * on one cpu is the kernel's choice on a busy machine (two ranks on one cpu
 * and a busy task on the other look as balanced as a rank beside the busy
 * task), and the kernel keeps it: each message then waits for a yield.
 * Open MPI binds its ranks by default and never meets this; we bind only
 * when asked (docs/ipcrun.md). So the rank moves itself: it pins itself to a
 * cpu of its own set that no awake peer claims, which makes the kernel
 * migrate it now, and gives the set back at once: it stays bound to nothing,
 * and the kernel has no reason to move it back. Returns whether it moved. */
static bool move_apart(struct shm_seg *seg, int cpu)
{
    double now = ipc_wtime();
    if (seg->moved_at != 0 && now - seg->moved_at < MOVE_EVERY_S)
        return false;
    seg->moved_at = now;
    cpu_set_t allowed, one;
    if (sched_getaffinity(0, sizeof allowed, &allowed) != 0)
        return false;
    /* From the next cpu round, so that movers from one cpu spread. */
    for (int k = 1; k < CPU_SETSIZE; k++) {
        int c = (cpu + k) % CPU_SETSIZE;
        if (!CPU_ISSET(c, &allowed) || cpu_claimed(seg, c))
            continue;
        CPU_ZERO(&one);
        CPU_SET(c, &one);
        if (sched_setaffinity(0, sizeof one, &one) != 0)
            return false;
        (void)sched_setaffinity(0, sizeof allowed, &allowed);
        atomic_store_explicit(&seg->mine->cpu_plus1, c + 1, memory_order_relaxed);
        return true;
    }
    return false;
}

/* Ranks that each have a core spin while they wait, but the kernel may still
 * put two of them on one cpu (a busy machine: three runnable tasks on two
 * cpus). Then the one that spins keeps the other, which has the message it
 * waits for, off the cpu until the spin yields: 50 us a message, every
 * message. So a rank that has waited a while says which cpu it is on, and
 * when a rank of its node that is awake said the same cpu, it moves to
 * another (not oversubscribed) or yields at once. Scans the node's doorbells
 * (at most one per core: without oversubscription), reading lines that are
 * rarely written. */
bool ipc__shm_crowded(struct ipc__transport *self)
{
    struct shm_seg *seg = self->priv;
    int cpu = sched_getcpu();
    if (cpu < 0)
        return false;
    if (atomic_load_explicit(&seg->mine->cpu_plus1, memory_order_relaxed) != cpu + 1)
        atomic_store_explicit(&seg->mine->cpu_plus1, cpu + 1, memory_order_relaxed);
    if (!cpu_claimed(seg, cpu))
        return false;
    return !(seg->may_move && move_apart(seg, cpu));
}
