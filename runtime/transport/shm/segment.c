/*
 * segment.c - the shm segment's layout, and getting and mapping it: from
 * ipcrun (or the node's daemon), or, under PMI-2, from the node's first
 * rank. docs/shm.md draws the layout; sizes and offsets are all here.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/membarrier.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "ctl.h"
#include "shm.h"

static size_t page_round(size_t n)
{
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    return (n + page - 1) / page * page;
}

static size_t ring_index(int from, int to, int n)
{
    return (size_t)from * (size_t)(n - 1) + (size_t)(to < from ? to : to - 1);
}

/* 64-bit words of one rank's bitmap of senders, whole lines of them. */
static size_t sender_words(int n)
{
    size_t per_line = CACHE_LINE / 8;
    return ((size_t)n + 64 * per_line - 1) / (64 * per_line) * per_line;
}

/* The control part: header line, the node-wide collectives' area,
 * doorbells, then the ring heads and bitmaps of senders, or the inboxes'
 * control lines; padded to a page. */
static size_t ctrl_bytes(int n, bool inbox)
{
    size_t per_pair = (size_t)n * (size_t)(n - 1) * sizeof(struct ring_head) +
                      (size_t)n * sender_words(n) * 8;
    return page_round(CACHE_LINE + ipc__node_area_bytes(n) +
                      (size_t)n * sizeof(struct doorbell) +
                      (inbox ? (size_t)n * sizeof(struct inbox_ctl) : per_pair));
}

static size_t least_ring(void)
{
    return 4 * (size_t)sysconf(_SC_PAGESIZE);
}

/* A ring per pair while the rings fit the budget at their least size
 * (IPC_SHM_MAX_SEGMENT: 64 ranks at 64 MiB), else an inbox per rank:
 * memory that grows with the ranks, not with their square. IPC_SHM_INBOX
 * 1 or 0 chooses. */
static bool choose_inbox(const struct ipc__job *job)
{
    size_t pairs = (size_t)job->local_size * (size_t)(job->local_size - 1);
    if (job->tun.shm_inbox >= 0)
        return job->tun.shm_inbox == 1;
    return pairs * least_ring() > job->tun.shm_max_segment;
}

/* A power of two of at least four pages, at most IPC_SHM_RING_SIZE; rings
 * (or inboxes) shrink as the node's share of the job grows so that the
 * segment stays under its budget. */
static uint32_t choose_ring_size(const struct ipc__job *job, bool inbox)
{
    size_t pairs = (size_t)job->local_size * (size_t)(job->local_size - 1);
    size_t parts = inbox ? (size_t)job->local_size : pairs;
    size_t want = job->tun.shm_ring_size;
    size_t budget = job->tun.shm_max_segment / (parts ? parts : 1);
    size_t least = least_ring();
    if (want > budget)
        want = budget;
    size_t size = least;
    while (size * 2 <= want && size < ((size_t)1 << 30))
        size *= 2;
    return (uint32_t)size;
}


/* The launcher (or the node's daemon) makes one segment per node and hands
 * it to each of the node's ranks that asks. */
static int ask_segment(struct ipc__job *job, uint64_t size, int *fd)
{
    struct ipc__ctl_shm answer;
    struct ipc__ctl_shm_req req = {
        .size = size, .node = (uint32_t)job->node, .nranks = (uint32_t)job->local_size};
    int fds[IPC__CTL_MAX_FDS], nfds = 0;
    uint32_t type = 0;
    int rc = ipc__ctl_send(job->ctl_fd, IPC__CTL_SHM, &req, sizeof req, NULL, 0);
    ssize_t n = rc < 0 ? rc : ipc__ctl_recv(job->ctl_fd, &type, &answer, sizeof answer,
                                            fds, &nfds);
    if (n < 0 || type != IPC__CTL_SHM_FD || n != sizeof answer) {
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
        fprintf(stderr, "ipc: rank %d: no answer from ipcrun for the shared segment: %s\n",
                job->rank, n < 0 ? strerror((int)-n) : "protocol error");
        return IPC_ERR_WIREUP;
    }
    if (answer.err || nfds != 1) {
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
        fprintf(stderr,
                "ipc: rank %d: cannot reserve a %.1f MiB shared-memory segment: %s; free "
                "memory, lower IPC_SHM_RING_SIZE, or use --transport unix\n",
                job->rank, (double)size / (1 << 20), strerror(answer.err ? answer.err : EPROTO));
        return IPC_ERR_TRANSPORT;
    }
    *fd = fds[0];
    return IPC_SUCCESS;
}

/* Without ipcrun (PMI-2) nobody can hand descriptors around: the node's first
 * rank makes the memfd and publishes "pid:fd" as shm.<node>, and after a
 * fence the others open it as /proc/pid/fd/fd, which needs what
 * process_vm_readv needs anyway (the same user). The maker keeps its
 * descriptor until the set-up fence, after which every rank holds its own.
 * Nothing has a name, so nothing is left behind, whatever kills the ranks.
 * Every rank of the job joins the fence, even one alone on its node. */
static int share_segment(struct shm_seg *seg, struct ipc__job *job, uint64_t size, int *fd)
{
    char key[32], value[64];
    snprintf(key, sizeof key, "shm.%d", job->node);
    int err = 0;
    if (job->local_rank == 0) {
        int made = ipc__ctl_make_segment("ipc-shm", size);
        if (made >= 0 && (*fd = dup(made)) < 0) {
            int e = errno;
            close(made);
            made = -e;
        }
        seg->made_fd = made >= 0 ? made : -1;
        err = made >= 0 ? 0 : -made;
        if (made >= 0)
            snprintf(value, sizeof value, "%ld:%d", (long)getpid(), made);
        else
            snprintf(value, sizeof value, "error:%d", err);
        if (ipc__kv_put(key, value) != IPC_SUCCESS)
            return IPC_ERR_WIREUP;
    }
    if (ipc__kv_fence() != IPC_SUCCESS)
        return IPC_ERR_WIREUP;
    if (job->local_rank == 0 || job->local_size == 1)
        goto done;
    int maker = 0; /* the node's first rank */
    while (job->node_of[maker] != job->node)
        maker++;
    const char *got = ipc__kv_get(key, maker);
    long pid = 0;
    int theirs = -1;
    char path[64];
    if (!got || (sscanf(got, "error:%d", &err) != 1 &&
                 sscanf(got, "%ld:%d", &pid, &theirs) != 2)) {
        fprintf(stderr, "ipc: rank %d: the first rank of node %d published no shared segment\n",
                job->rank, job->node);
        return IPC_ERR_WIREUP;
    }
    if (err == 0) {
        snprintf(path, sizeof path, "/proc/%ld/fd/%d", pid, theirs);
        *fd = open(path, O_RDWR | O_CLOEXEC);
        struct stat st;
        if (*fd < 0) {
            fprintf(stderr,
                    "ipc: rank %d: cannot open the shared segment of node %d (%s): %s; "
                    "are all ranks of the node one user? else use IPC_TRANSPORT=unix\n",
                    job->rank, job->node, path, strerror(errno));
            return IPC_ERR_TRANSPORT;
        }
        if (fstat(*fd, &st) != 0 || (uint64_t)st.st_size != size) {
            fprintf(stderr,
                    "ipc: rank %d: the shared segment of node %d has %lld bytes, not the "
                    "%llu this rank needs (do all ranks have the same IPC_SHM_* settings?)\n",
                    job->rank, job->node, (long long)st.st_size, (unsigned long long)size);
            close(*fd);
            *fd = -1;
            return IPC_ERR_TRANSPORT;
        }
    }
done:
    if (err == 0)
        return IPC_SUCCESS;
    fprintf(stderr,
            "ipc: rank %d: cannot reserve a %.1f MiB shared-memory segment: %s; free "
            "memory, lower IPC_SHM_RING_SIZE, or use IPC_TRANSPORT=unix\n",
            job->rank, (double)size / (1 << 20), strerror(err));
    return IPC_ERR_TRANSPORT;
}

/* Maps a ring twice back to back at va (inside seg->rings_va); NULL on
 * failure. With `populate`, the page tables are filled now rather than by
 * faults on the first lap. */
static char *map_ring(char *va, int fd, off_t off, size_t size, bool populate)
{
    for (int half = 0; half < 2; half++) {
        void *at = mmap(va + (size_t)half * size, size, PROT_READ | PROT_WRITE,
                        MAP_SHARED | MAP_FIXED | (populate ? MAP_POPULATE : 0), fd, off);
        if (at == MAP_FAILED)
            return NULL;
    }
    return va;
}

int ipc__shm_map_ring(struct shm_link *s, bool tx)
{
    char **ring = tx ? &s->tx : &s->rx;
    if (*ring)
        return 0;
    char *va = s->va + (tx ? 0 : 2 * (size_t)s->ring_size);
    *ring = map_ring(va, s->seg->ring_fd, tx ? s->tx_off : s->rx_off, s->ring_size, false);
    return *ring ? 0 : -errno;
}

/* Inbox mode: the node's inboxes in one mapping, faulted in as they are
 * used, and a link to each peer that writes into its inbox. */
static int map_inboxes(struct shm_seg *seg, const struct ipc__job *job, int fd,
                       struct ipc__link *links)
{
    size_t len = (size_t)seg->nranks * seg->ring_size;
    seg->box_va = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)seg->ctrl_size);
    if (seg->box_va == MAP_FAILED) {
        seg->box_va = NULL;
        return IPC_ERR_TRANSPORT;
    }
    if (!(seg->by_local = calloc((size_t)seg->nranks, sizeof *seg->by_local)))
        return IPC_ERR_NOMEM;
    for (int p = 0; p < job->size; p++) {
        if (links[p].ops != &ipc__transport_shm)
            continue;
        struct shm_link *s = calloc(1, sizeof *s);
        if (!s)
            return IPC_ERR_NOMEM;
        int lp = seg->local_of[p];
        links[p].priv = s;
        seg->by_local[lp] = s;
        s->seg = seg;
        s->peer = lp;
        s->ring_size = seg->ring_size;
        s->tx_box = &seg->boxes[lp];
        s->peer_bell = &seg->bells[lp];
    }
    return IPC_SUCCESS;
}

/* Whether every ring is mapped and faulted in at start. Faulting pages in
 * up front costs start-up time (~3 ms per 8 MiB here, and with the
 * write-touch in map_links 2.4 ms of cpu per rank at 8 ranks): worth it for
 * the rings of 2-3 ranks only, where one pair's first messages are what a
 * benchmark measures. Past that a ring is not even mapped before its first
 * use (ipc__shm_map_ring): each mapping is a system call of ~8 us here, 2
 * per ring, 4 per peer, and most pairs of a larger job never talk. */
static bool rings_at_start(const struct shm_seg *seg)
{
    return 2 * (size_t)(seg->nranks - 1) * seg->ring_size <= ((size_t)512 << 10);
}

static int map_links(struct shm_seg *seg, const struct ipc__job *job, int fd,
                     struct ipc__link *links)
{
    int n = seg->nranks, me = seg->me;
    if (seg->inbox)
        return map_inboxes(seg, job, fd, links);
    off_t rings = (off_t)seg->ctrl_size;
    bool populate = rings_at_start(seg);
    /* All our rings live in one reservation, so that finalize unmaps them
     * with one call: one TLB shoot-down instead of one per ring, which at 32
     * ranks cost more than the rest of start-up and shut-down together. */
    seg->rings_len = 4 * (size_t)(n - 1) * seg->ring_size;
    seg->rings_va = mmap(NULL, seg->rings_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (seg->rings_va == MAP_FAILED) {
        seg->rings_va = NULL;
        return IPC_ERR_TRANSPORT;
    }
    char *next = seg->rings_va;
    for (int p = 0; p < job->size; p++) {
        if (links[p].ops != &ipc__transport_shm)
            continue;
        struct shm_link *s = calloc(1, sizeof *s);
        if (!s)
            return IPC_ERR_NOMEM;
        int lp = seg->local_of[p];
        links[p].priv = s;
        s->seg = seg;
        s->peer = lp;
        s->ring_size = seg->ring_size;
        size_t out = ring_index(me, lp, n), in = ring_index(lp, me, n);
        s->va = next;
        s->tx_off = rings + (off_t)(out * seg->ring_size);
        s->rx_off = rings + (off_t)(in * seg->ring_size);
        next += 4 * (size_t)seg->ring_size;
        if (populate) {
            s->tx = map_ring(s->va, fd, s->tx_off, seg->ring_size, true);
            s->rx = map_ring(s->va + 2 * (size_t)seg->ring_size, fd, s->rx_off,
                             seg->ring_size, true);
            if (!s->tx || !s->rx)
                return IPC_ERR_TRANSPORT;
            /* Small jobs: bring the ring we write into our cache now (it is
             * all zeros and only we write it), so that the first lap costs
             * what the others do instead of a trip to memory per packet. */
            memset(s->tx, 0, seg->ring_size);
        }
        s->tx_head = &seg->heads[out].pos;
        s->rx_head = &seg->heads[in].pos;
        s->peer_bell = &seg->bells[lp];
        s->announce_word = seg->senders + (size_t)lp * seg->sender_words + me / 64;
        s->announce_bit = 1ull << (me % 64);
        s->live_word = seg->senders + (size_t)me * seg->sender_words + lp / 64;
        s->live_bit = 1ull << (lp % 64);
    }
    return IPC_SUCCESS;
}

/* Writers may skip their fence when every rank sleeps rarely (it spins
 * first, on a core of its own) and can run membarrier(); one rank that cannot
 * makes the whole job fence. Decided before the set-up fence, read after. */
static void vote_writer_fence(const struct ipc__job *job, struct seg_header *hdr)
{
    bool rare_sleeps = !job->tun.oversubscribed && job->tun.spin_us >= 1000;
    if (!rare_sleeps ||
        syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_GLOBAL_EXPEDITED, 0, 0) != 0)
        atomic_store_explicit(&hdr->writer_fence, 1, memory_order_relaxed);
}

/* A rank with stream links too sleeps in poll(), so its doorbell must be a
 * descriptor as well. */
static bool has_descriptor_links(const struct ipc__job *job,
                                 const struct ipc__link *links)
{
    for (int p = 0; p < job->size; p++)
        if (links[p].ops && links[p].ops->kind == IPC__LINK_STREAM)
            return true;
    return false;
}

/* Maps the node's segment and our rings, and writes our identity in our
 * doorbell for the others to find after the fence. */
int ipc__shm_map(struct shm_seg *seg, struct ipc__job *job, struct ipc__link *links)
{
    int n = seg->nranks, fd = -1;
    seg->inbox = choose_inbox(job);
    seg->ring_size = choose_ring_size(job, seg->inbox);
    seg->ctrl_size = ctrl_bytes(n, seg->inbox);
    uint64_t parts = seg->inbox ? (uint64_t)n : (uint64_t)n * (uint64_t)(n - 1);
    uint64_t size = seg->ctrl_size + parts * seg->ring_size;
    int rc = job->ctl_fd >= 0 ? ask_segment(job, size, &fd) : share_segment(seg, job, size, &fd);
    if (rc != IPC_SUCCESS)
        return rc;
    seg->ctrl = mmap(NULL, seg->ctrl_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (seg->ctrl == MAP_FAILED) {
        seg->ctrl = NULL;
        rc = IPC_ERR_TRANSPORT;
        goto out;
    }
    struct seg_header *hdr = (struct seg_header *)(void *)seg->ctrl;
    seg->node.base = seg->ctrl + CACHE_LINE;
    seg->bells = (struct doorbell *)(void *)((char *)seg->node.base + ipc__node_area_bytes(n));
    if (seg->inbox) {
        seg->boxes = (struct inbox_ctl *)(void *)(seg->bells + n);
    } else {
        seg->heads = (struct ring_head *)(void *)(seg->bells + n);
        seg->sender_words = sender_words(n);
        seg->senders =
            (_Atomic uint64_t *)(void *)(seg->heads + (size_t)n * (size_t)(n - 1));
    }
    seg->mine = &seg->bells[seg->me];
    if (seg->me == 0) { /* writer_fence is not ours alone: leave it */
        hdr->magic = SEG_MAGIC;
        hdr->size = size;
        hdr->nranks = (uint32_t)n;
        hdr->ring_size = seg->ring_size;
        hdr->inbox = seg->inbox;
    }
    vote_writer_fence(job, hdr);
    seg->mine->pid = getpid();
    seg->mine->probe_addr = (uintptr_t)&ipc__shm_probe_word;
    if (has_descriptor_links(job, links))
        ipc__shm_open_doorbell(seg);
    rc = map_links(seg, job, fd, links);
    if (rc == IPC_SUCCESS)
        ipc__shm_allow_peer_reads();
    if (rc == IPC_SUCCESS && !seg->inbox && !rings_at_start(seg)) { /* mapped on first use */
        seg->ring_fd = fd;
        fd = -1;
    }
out:
    if (fd >= 0)
        close(fd);
    if (rc != IPC_SUCCESS)
        fprintf(stderr, "ipc: rank %d: cannot map the shared segment (%.1f MiB): %s\n",
                job->rank, (double)size / (1 << 20), ipc_strerror(rc));
    return rc;
}
