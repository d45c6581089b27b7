/*
 * shm.c - the shared-memory transport: a byte stream per ordered pair of
 * ranks of one node through a single-producer/single-consumer ring in one
 * segment that the launcher creates for the node (an anonymous memfd: nothing
 * named to leave behind, every page reserved at creation). Everything in the
 * segment is indexed by a rank's index among its node's ranks (its local
 * index), never by its world rank. docs/shm.md describes the layout.
 *
 * The stream is cut into packets. A packet starts on a cache line with an
 * 8-byte word {seq:32, len:32} followed by len bytes; the writer stores the
 * bytes, zeroes the word of the next packet, then publishes this word with a
 * release store, so a send is a copy and one store, and a receive starts with
 * one acquire load that brings the first bytes along in the same cache line.
 * seq is derived from the packet's position, so words left from an earlier lap
 * never look valid. Each ring is mapped twice back to back, so a packet that
 * runs past the end of the ring is still contiguous in memory.
 *
 * Waiting: each rank has a doorbell (a futex word and a "sleeping" flag). A
 * writer rings it only when the reader sleeps, so the fast path makes no
 * system call. Writer and sleeper each need a full barrier between their
 * store and their load (or a wake-up is lost); when ranks rarely sleep, the
 * sleeper pays for both with membarrier() and the writer pays nothing. A
 * rank that also has descriptor links sleeps in poll() instead: its doorbell
 * is then a datagram socket as well, which writers send a byte to.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <linux/membarrier.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl.h"
#include "internal.h"

#define CACHE_LINE 64
#define SEG_MAGIC 0x6970632d73686d31ull /* "ipc-shm1" */
#define PROBE_MAGIC 0x70726f6265ull

struct seg_header {
    uint64_t magic;
    uint64_t size;
    uint32_t nranks;
    uint32_t ring_size;
    _Atomic uint32_t writer_fence; /* some rank wants writers to fence */
};

/* One per rank; the first line is written by others (ringing), the second by
 * the rank itself (identity). */
#define WAKE_NAME_MAX 24
struct doorbell {
    _Atomic uint32_t futex;    /* bumped by every wake-up */
    _Atomic uint32_t sleeping; /* the rank is (about to be) asleep */
    char pad1[CACHE_LINE - 8];
    int32_t pid;
    uint32_t wake_len;   /* bytes of wake_name; 0: the rank sleeps on the futex */
    uint64_t probe_addr; /* address of a PROBE_MAGIC word, for the single-copy probe */
    char wake_name[WAKE_NAME_MAX]; /* abstract address of its doorbell socket */
    char pad3[CACHE_LINE - 16 - WAKE_NAME_MAX];
};
_Static_assert(sizeof(struct doorbell) == 2 * CACHE_LINE, "two lines per rank");

/* Where the whole job meets (barrier): arrivals, and the generation that the
 * last arrival bumps. */
struct meeting {
    _Atomic uint32_t arrived;
    char pad1[CACHE_LINE - 4];
    _Atomic uint32_t generation;
    char pad2[CACHE_LINE - 4];
};

/* One per rank, written by that rank only: the barrier epoch it reached in
 * each round of a dissemination barrier. */
#define MAX_ROUNDS 16
struct flags {
    _Atomic uint32_t round[MAX_ROUNDS];
};
_Static_assert(sizeof(struct flags) <= CACHE_LINE, "one line per rank");

/* Allreduce through the segment: two sets (alternate calls) of one slot per
 * rank. A slot starts with the epoch of the call whose input it holds; the
 * input follows in the same line, so a peer's small input arrives with the
 * word that says it is there (one cache-line transfer, not two). 8 KiB holds
 * 1024 doubles; larger reductions go by messages, where the copies in and out
 * of a slot would cost more than they save. */
#define REDUCE_SLOT 8192
#define SLOT_DATA 16 /* offset of the input: aligned for any type */
#define SLOT_STRIDE (REDUCE_SLOT + CACHE_LINE)

/* Written by a ring's reader only: how far it has read. */
struct ring_head {
    _Atomic uint64_t pos;
    char pad[CACHE_LINE - 8];
};

struct shm_link {
    int peer;
    uint32_t ring_size;
    /* writing to peer */
    char *tx;                     /* ring, mapped twice */
    _Atomic uint64_t *tx_head;    /* the peer's read position */
    uint64_t tx_tail, tx_head_seen;
    /* reading from peer */
    char *rx;
    _Atomic uint64_t *rx_head; /* ours, for the peer */
    uint64_t rx_pos;           /* start of the current packet */
    uint32_t rx_done;          /* bytes of it already consumed */
    bool rx_unpublished;       /* rx_pos moved since the writer was told */
    struct doorbell *peer_bell;
    /* A ring nobody wrote to is not looked at: the look would cost a page
     * fault, then a cache and TLB miss on every pass of a 32-rank job. The
     * writer's first write raises its bit in the reader's bitmap of senders. */
    bool announced, rx_live;
    bool rx_waited; /* the last look found no packet: the next one is awaited */
    _Atomic uint64_t *announce_word, *live_word;
    uint64_t announce_bit, live_bit;
};

/* The segment as this rank sees it. */
static struct {
    char *ctrl; /* header, doorbells, ring heads */
    char *rings_va; /* our rings, each mapped twice, in one reservation */
    size_t rings_len;
    size_t ctrl_size;
    struct meeting *meet;
    struct flags *flags; /* one line each */
    uint32_t epoch;      /* barriers this rank has entered */
    char *slots;         /* [2][n][SLOT_STRIDE] */
    uint32_t reduce_epoch;
    struct doorbell *bells;
    struct ring_head *heads;
    _Atomic uint64_t *senders; /* per rank: a bit for each rank that wrote to it */
    size_t sender_words;       /* words per rank, a multiple of a line */
    struct doorbell *mine;
    int nranks;           /* ranks of this node: the segment's ranks */
    int me;               /* our local index */
    const int *local_of;  /* world rank -> local index (job->local_index) */
    bool world;           /* the node's ranks are the whole job */
    int wake_rx, wake_tx; /* our pollable doorbell, and the socket that rings
                             others'; -1 when not needed */
    uint32_t ring_size;
    bool single_copy; /* process_vm_readv from peers works */
    bool writer_fence; /* writers fence before looking at a doorbell; else
                          sleepers run membarrier() */
    int made_fd; /* without ipcrun: the segment this rank made, kept open for
                    the others to open until the set-up fence; else -1 */
} seg;

static volatile uint64_t probe_word = PROBE_MAGIC;

/* ---- layout ---- */

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

static size_t ctrl_bytes(int n)
{
    return page_round(CACHE_LINE + sizeof(struct meeting) + (size_t)n * CACHE_LINE +
                      2 * (size_t)n * SLOT_STRIDE +
                      (size_t)n * sizeof(struct doorbell) +
                      (size_t)n * (size_t)(n - 1) * sizeof(struct ring_head) +
                      (size_t)n * sender_words(n) * 8);
}

/* A power of two of at least four pages, at most IPC_SHM_RING_SIZE; rings
 * shrink as the node's share of the job grows so that the segment stays
 * under its budget. */
static uint32_t choose_ring_size(const struct ipc__job *job)
{
    size_t pairs = (size_t)job->local_size * (size_t)(job->local_size - 1);
    size_t want = job->tun.shm_ring_size;
    size_t budget = job->tun.shm_max_segment / (pairs ? pairs : 1);
    size_t least = 4 * (size_t)sysconf(_SC_PAGESIZE);
    if (want > budget)
        want = budget;
    size_t size = least;
    while (size * 2 <= want && size < ((size_t)1 << 30))
        size *= 2;
    return (uint32_t)size;
}

/* ---- wake-ups ---- */

static long futex(_Atomic uint32_t *addr, int op, uint32_t val, const struct timespec *ts)
{
    return syscall(SYS_futex, (uint32_t *)addr, op, val, ts, NULL, 0);
}

/* After publishing something a sleeping peer waits for. The fence orders our
 * publication before the look at its flag; the sleeper orders its flag before
 * its last look for work: one of the two always sees the other. Without
 * writer fences, the sleeper's membarrier() puts a full barrier into every
 * running writer at once (see shm_arm), so the compiler barrier is enough
 * here: it saves a store-buffer drain on every send, which cost 20% of the
 * rate of 1 KiB messages. */
/* Wakes a rank that sleeps, or is about to: on its futex, or, when it
 * sleeps in poll() (it has descriptor links too), with a byte to its doorbell
 * socket. A full socket already holds a wake-up, so that send may fail. */
static void wake(struct doorbell *b)
{
    if (b->wake_len) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        memcpy(sa.sun_path, b->wake_name, b->wake_len);
        (void)sendto(seg.wake_tx, "", 1, MSG_DONTWAIT | MSG_NOSIGNAL,
                     (struct sockaddr *)&sa,
                     (socklen_t)(offsetof(struct sockaddr_un, sun_path) + b->wake_len));
        return;
    }
    atomic_fetch_add_explicit(&b->futex, 1, memory_order_relaxed);
    futex(&b->futex, FUTEX_WAKE, 1, NULL);
}

/* Between a publication and the look at a doorbell's sleeping flag. */
static void fence_before_look(void)
{
    if (seg.writer_fence)
        atomic_thread_fence(memory_order_seq_cst);
    else
        atomic_signal_fence(memory_order_seq_cst);
}

static void ring_doorbell(struct doorbell *b)
{
    fence_before_look();
    if (atomic_load_explicit(&b->sleeping, memory_order_relaxed))
        wake(b);
}

static unsigned shm_arm(void)
{
    unsigned token = atomic_load_explicit(&seg.mine->futex, memory_order_relaxed);
    atomic_store_explicit(&seg.mine->sleeping, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    /* Every writer that runs now passes a full barrier: either its
     * publication is visible to our last look for work, or its look at our
     * flag comes after the barrier and sees it set. */
    if (!seg.writer_fence)
        syscall(SYS_membarrier, MEMBARRIER_CMD_GLOBAL_EXPEDITED, 0, 0);
    return token;
}

static void shm_sleep(unsigned token, int timeout_ms)
{
    struct timespec ts = {timeout_ms / 1000, (long)(timeout_ms % 1000) * 1000000};
    futex(&seg.mine->futex, FUTEX_WAIT, token, timeout_ms >= 0 ? &ts : NULL);
}

static void shm_disarm(void)
{
    atomic_store_explicit(&seg.mine->sleeping, 0, memory_order_relaxed);
    /* Wake-ups sent while we slept are spent; one that comes after this only
     * makes the next poll() return early. */
    char drain[64];
    while (seg.wake_rx >= 0 && recv(seg.wake_rx, drain, sizeof drain, MSG_DONTWAIT) >= 0)
        continue;
}

static int shm_doorbell_fd(void)
{
    return seg.wake_rx;
}

/* ---- the stream ---- */

static uint32_t packet_seq(uint64_t pos)
{
    return (uint32_t)((pos / CACHE_LINE) & 0x7fffffffu) | 0x80000000u;
}

static uint64_t packet_span(uint64_t len)
{
    return (8 + len + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE;
}

/* Ring sizes are powers of two: a position becomes an offset with a mask, not
 * a division (which would cost more than the rest of a small send). */
static _Atomic uint64_t *word_at(char *ring, uint32_t size, uint64_t pos)
{
    return (_Atomic uint64_t *)(void *)(ring + (pos & (size - 1)));
}

/* Copies n bytes of the iovecs, from `skip` bytes into them, to dst. */
static void copy_iov(char *dst, const struct iovec *iov, int iovcnt, size_t skip, size_t n)
{
    for (int i = 0; i < iovcnt && n; i++) {
        size_t len = iov[i].iov_len;
        if (skip >= len) {
            skip -= len;
            continue;
        }
        size_t take = len - skip < n ? len - skip : n;
        const char *src = (const char *)iov[i].iov_base + skip;
        if (take == sizeof(struct ipc__frame_hdr)) {
            /* A header: five 8-byte moves, which take the words from the
             * store buffer where ipc__frame_make put them (see there). */
            for (size_t k = 0; k < take; k += 8)
                memcpy(dst + k, src + k, 8);
        } else {
            memcpy(dst, src, take);
        }
        dst += take;
        n -= take;
        skip = 0;
    }
}

/* Up to 16 bytes, without a call: two overlapping moves of a power of two. */
static void copy_small(char *dst, const char *src, size_t n)
{
    if (n >= 8) {
        memcpy(dst, src, 8);
        memcpy(dst + n - 8, src + n - 8, 8);
    } else if (n >= 4) {
        memcpy(dst, src, 4);
        memcpy(dst + n - 4, src + n - 4, 4);
    } else {
        for (size_t i = 0; i < n; i++)
            dst[i] = src[i];
    }
}

/* A whole frame, header then at most FIRST_LINE_LAST - 40 bytes of payload,
 * at dst (the byte after a packet's word): the payload past the first line
 * first, then the header and the payload's first 16 bytes (see fill_packet).
 * The frame is what nearly every small send writes; copy_iov's general walk
 * cost more than the copy itself. */
#define HDR_BYTES sizeof(struct ipc__frame_hdr)
static void copy_frame(char *dst, const char *hdr, const char *payload, size_t len)
{
    const size_t in_first = CACHE_LINE - 8 - HDR_BYTES; /* payload bytes in line 1 */
    if (len > in_first)
        memcpy(dst + CACHE_LINE - 8, payload + in_first, len - in_first);
    for (size_t k = 0; k < HDR_BYTES; k += 8)
        memcpy(dst + k, hdr + k, 8); /* words, as ipc__frame_make stored them */
    copy_small(dst + HDR_BYTES, payload, len < in_first ? len : in_first);
}

/* At most a quarter of the smallest ring (16 KiB) less a word: a frame this
 * long is always one packet. */
#define FIRST_LINE_LAST 2048

/* The length of the frame in iov when it is one whole small frame (a header,
 * then its payload if any, at most FIRST_LINE_LAST bytes in all), else 0. */
static uint64_t small_frame_len(const struct iovec *iov, int iovcnt)
{
    if (iovcnt < 1 || iovcnt > 2 || iov[0].iov_len != HDR_BYTES)
        return 0;
    uint64_t n = HDR_BYTES + (iovcnt == 2 ? iov[1].iov_len : 0);
    return n <= FIRST_LINE_LAST ? n : 0;
}

/* Writes a packet of n bytes of the iovecs (from `skip`) at the tail, room
 * for it known. */
static void fill_packet(struct shm_link *s, uint64_t n, const struct iovec *iov, int iovcnt,
                        size_t skip)
{
    uint64_t size = s->ring_size;
    /* The order of the stores matters when the reader is ahead, polling
     * this packet's first line. The next packet's word is zeroed first, so
     * its line is fetched while the payload is copied instead of holding up
     * this word. Up to FIRST_LINE_LAST bytes, the first line goes last, in
     * one burst with the word, so the reader's looks take it from us once
     * rather than between our stores (+12% on a stream of 1 KiB messages;
     * on 4 KiB ping-pongs it cost 7%, docs/shm.md). The reader cannot be at
     * `next` before it has seen this packet's word. */
    uint64_t next = s->tx_tail + packet_span(n);
    atomic_store_explicit(word_at(s->tx, size, next), 0, memory_order_relaxed);
    char *dst = s->tx + (s->tx_tail & (size - 1)) + 8;
    const size_t first = CACHE_LINE - 8; /* payload bytes in the word's line */
    if (skip == 0 && n == small_frame_len(iov, iovcnt)) {
        copy_frame(dst, iov[0].iov_base, iovcnt == 2 ? iov[1].iov_base : NULL,
                   (size_t)n - HDR_BYTES);
    } else if (n > first && n <= FIRST_LINE_LAST) {
        copy_iov(dst + first, iov, iovcnt, skip + first, (size_t)n - first);
        copy_iov(dst, iov, iovcnt, skip, first);
    } else {
        copy_iov(dst, iov, iovcnt, skip, (size_t)n);
    }
    atomic_store_explicit(word_at(s->tx, size, s->tx_tail), n << 32 | packet_seq(s->tx_tail),
                          memory_order_release);
    s->tx_tail = next;
}

/* The length of the next packet for up to `want` bytes, room for it known
 * (0 when the ring is full now). */
static uint64_t packet_room(struct shm_link *s, size_t want)
{
    uint64_t size = s->ring_size;
    /* One line stays free so that the next packet's word can be zeroed. */
    uint64_t room = size - (s->tx_tail - s->tx_head_seen) - CACHE_LINE;
    if (room < want + 8) {
        s->tx_head_seen = atomic_load_explicit(s->tx_head, memory_order_acquire);
        room = size - (s->tx_tail - s->tx_head_seen) - CACHE_LINE;
    }
    if (room <= 8)
        return 0;
    /* Packets of at most a quarter ring let the reader free space while the
     * writer goes on: a long stream flows instead of going in halves. */
    uint64_t n = want;
    if (n > room - 8)
        n = room - 8;
    if (n > size / 4 - 8)
        n = size / 4 - 8;
    return n;
}

/* Writes one packet of at most `want` bytes of the iovecs (from `skip`) at
 * the tail; returns its length, 0 when the ring is full. */
static size_t put_packet(struct shm_link *s, const struct iovec *iov, int iovcnt,
                         size_t skip, size_t want)
{
    uint64_t n = packet_room(s, want);
    if (n)
        fill_packet(s, n, iov, iovcnt, skip);
    return (size_t)n;
}

static void announce(struct shm_link *s)
{
    if (!s->announced) {
        /* Before the first packet: a reader that sees it has seen the bit. */
        atomic_fetch_or_explicit(s->announce_word, s->announce_bit, memory_order_release);
        s->announced = true;
    }
}

/* As many packets as the ring takes now: a frame cut by a packet boundary
 * goes on in the next packet at once, rather than waiting in the caller's
 * queue (a copy and an allocation). */
static ssize_t shm_writev(struct ipc__link *l, const struct iovec *iov, int iovcnt)
{
    struct shm_link *s = l->priv;
    /* Nearly every send: one whole small frame, in room known to be free. */
    uint64_t small = s->announced ? small_frame_len(iov, iovcnt) : 0;
    if (small && s->ring_size - (s->tx_tail - s->tx_head_seen) - CACHE_LINE >= small + 8) {
        fill_packet(s, small, iov, iovcnt, 0);
        ring_doorbell(s->peer_bell);
        return (ssize_t)small;
    }
    size_t total = 0, done = 0, n;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    announce(s);
    while (done < total && (n = put_packet(s, iov, iovcnt, done, total - done)) > 0)
        done += n;
    if (done)
        ring_doorbell(s->peer_bell);
    return (ssize_t)done;
}

/* The writer fills the next packet in place (a packed derived datatype):
 * the same packet as fill_packet writes, its word published by commit. */
static ssize_t shm_reserve(struct ipc__link *l, size_t want, void **room)
{
    struct shm_link *s = l->priv;
    announce(s);
    uint64_t n = packet_room(s, want);
    if (n)
        *room = s->tx + (s->tx_tail & (s->ring_size - 1)) + 8;
    return (ssize_t)n;
}

static void shm_commit(struct ipc__link *l, size_t n)
{
    struct shm_link *s = l->priv;
    uint64_t size = s->ring_size, next = s->tx_tail + packet_span(n);
    atomic_store_explicit(word_at(s->tx, size, next), 0, memory_order_relaxed);
    atomic_store_explicit(word_at(s->tx, size, s->tx_tail), n << 32 | packet_seq(s->tx_tail),
                          memory_order_release);
    s->tx_tail = next;
    ring_doorbell(s->peer_bell);
}

/* Asks for every line of a new packet at once (up to PREFETCH_MAX bytes):
 * the reader learns the length from the first line, and line-by-line misses
 * in the copy that follows would each cost a transfer from the writer's
 * cache; together they cost about one (64 B - 1 KiB one-way latency -4 to
 * -10%). Longer packets are left to the hardware prefetcher. Only for a
 * packet the reader was waiting for: in a stream of packets already there it
 * cost 8% of the 1 KiB message rate. */
#define PREFETCH_MAX 2048
static void prefetch_packet(const char *packet, uint32_t len)
{
    uint64_t end = 8 + (uint64_t)len < PREFETCH_MAX ? 8 + (uint64_t)len : PREFETCH_MAX;
    for (uint64_t off = CACHE_LINE; off < end; off += CACHE_LINE)
        __builtin_prefetch(packet + off, 0, 3);
}

static ssize_t shm_peek(struct ipc__link *l, const void **data)
{
    struct shm_link *s = l->priv;
    if (!s->rx_live) {
        if (!(atomic_load_explicit(s->live_word, memory_order_acquire) & s->live_bit))
            return 0;
        s->rx_live = true;
    }
    uint64_t w = atomic_load_explicit(word_at(s->rx, s->ring_size, s->rx_pos),
                                      memory_order_acquire);
    if ((uint32_t)w != packet_seq(s->rx_pos)) {
        s->rx_waited = true;
        return 0;
    }
    uint32_t len = (uint32_t)(w >> 32);
    *data = s->rx + (s->rx_pos & (s->ring_size - 1)) + 8 + s->rx_done;
    if (s->rx_waited && s->rx_done == 0)
        prefetch_packet(s->rx + (s->rx_pos & (s->ring_size - 1)), len);
    s->rx_waited = false;
    return (ssize_t)(len - s->rx_done);
}

static void shm_consume(struct ipc__link *l, size_t n)
{
    struct shm_link *s = l->priv;
    uint64_t w = atomic_load_explicit(word_at(s->rx, s->ring_size, s->rx_pos),
                                      memory_order_relaxed);
    uint32_t len = (uint32_t)(w >> 32);
    s->rx_done += (uint32_t)n;
    if (s->rx_done < len)
        return;
    s->rx_pos += packet_span(len);
    s->rx_done = 0;
    s->rx_unpublished = true;
}

/* Tells the writer how far we have read, once for a batch of packets. */
static void shm_release(struct ipc__link *l)
{
    struct shm_link *s = l->priv;
    if (!s->rx_unpublished)
        return;
    s->rx_unpublished = false;
    atomic_store_explicit(s->rx_head, s->rx_pos, memory_order_release);
    /* The writer may be asleep waiting for this room. */
    ring_doorbell(s->peer_bell);
}

static ssize_t shm_read(struct ipc__link *l, void *buf, size_t len)
{
    const void *data;
    ssize_t n = shm_peek(l, &data);
    if (n <= 0)
        return n;
    if ((size_t)n > len)
        n = (ssize_t)len;
    memcpy(buf, data, (size_t)n);
    shm_consume(l, (size_t)n);
    shm_release(l);
    return n;
}

/* ---- set-up ---- */

static bool shm_probe(const struct ipc__job *job, int peer)
{
    return peer != job->rank && job->boot && job->node_of[peer] == job->node;
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
static int share_segment(struct ipc__job *job, uint64_t size, int *fd)
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
        seg.made_fd = made >= 0 ? made : -1;
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

/* Maps a ring twice back to back at va (inside seg.rings_va); NULL on
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

static int map_links(const struct ipc__job *job, int fd, struct ipc__link *links)
{
    int n = seg.nranks, me = seg.me;
    off_t rings = (off_t)seg.ctrl_size;
    /* Faulting pages in up front costs start-up time (~3 ms per 8 MiB here,
     * and with the write-touch below 2.4 ms of cpu per rank at 8 ranks):
     * worth it for the rings of 2-3 ranks only, where one pair's first
     * messages are what a benchmark measures. */
    bool populate = 2 * (size_t)(n - 1) * seg.ring_size <= ((size_t)512 << 10);
    /* All our rings live in one reservation, so that finalize unmaps them
     * with one call: one TLB shoot-down instead of one per ring, which at 32
     * ranks cost more than the rest of start-up and shut-down together. */
    seg.rings_len = 4 * (size_t)(n - 1) * seg.ring_size;
    seg.rings_va = mmap(NULL, seg.rings_len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (seg.rings_va == MAP_FAILED) {
        seg.rings_va = NULL;
        return IPC_ERR_TRANSPORT;
    }
    char *next = seg.rings_va;
    for (int p = 0; p < job->size; p++) {
        if (links[p].ops != &ipc__transport_shm)
            continue;
        struct shm_link *s = calloc(1, sizeof *s);
        if (!s)
            return IPC_ERR_NOMEM;
        int lp = seg.local_of[p];
        links[p].priv = s;
        s->peer = lp;
        s->ring_size = seg.ring_size;
        size_t out = ring_index(me, lp, n), in = ring_index(lp, me, n);
        s->tx = map_ring(next, fd, rings + (off_t)(out * seg.ring_size), seg.ring_size,
                         populate);
        s->rx = map_ring(next + 2 * (size_t)seg.ring_size, fd,
                         rings + (off_t)(in * seg.ring_size), seg.ring_size, populate);
        next += 4 * (size_t)seg.ring_size;
        if (!s->tx || !s->rx)
            return IPC_ERR_TRANSPORT;
        /* Small jobs: bring the ring we write into our cache now (it is all
         * zeros and only we write it), so that the first lap costs what the
         * others do instead of a trip to memory per packet. */
        if (populate)
            memset(s->tx, 0, seg.ring_size);
        s->tx_head = &seg.heads[out].pos;
        s->rx_head = &seg.heads[in].pos;
        s->peer_bell = &seg.bells[lp];
        s->announce_word = seg.senders + (size_t)lp * seg.sender_words + me / 64;
        s->announce_bit = 1ull << (me % 64);
        s->live_word = seg.senders + (size_t)me * seg.sender_words + lp / 64;
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

/* Can we read a peer's memory (process_vm_readv)? Ptrace rules decide:
 * containers and Yama may forbid it. */
static bool probe_single_copy(void)
{
    int peer = (seg.me + 1) % seg.nranks;
    uint64_t got = 0;
    struct iovec local = {&got, sizeof got};
    struct iovec remote = {(void *)(uintptr_t)seg.bells[peer].probe_addr, sizeof got};
    return process_vm_readv(seg.bells[peer].pid, &local, 1, &remote, 1, 0) == sizeof got &&
           got == PROBE_MAGIC;
}

/* Under Yama's ptrace_scope 1 only ancestors may read our memory; our peers
 * are siblings. */
static void allow_peer_reads(void)
{
    FILE *f = fopen("/proc/sys/kernel/yama/ptrace_scope", "r");
    int scope = 0;
    if (f) {
        if (fscanf(f, "%d", &scope) != 1)
            scope = 0;
        fclose(f);
    }
    if (scope == 1)
        prctl(PR_SET_PTRACER, PR_SET_PTRACER_ANY, 0, 0, 0);
}

/* A rank with descriptor links too sleeps in poll(), so its doorbell must be
 * a descriptor: a datagram socket on an autobound abstract address (nothing
 * on disk), published in its doorbell. Without one (no socket to be had) it
 * sleeps in short polls instead, and writers keep ringing the futex. */
static void open_doorbell_socket(void)
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
    seg.mine->wake_len = (uint32_t)(len - offsetof(struct sockaddr_un, sun_path));
    memcpy(seg.mine->wake_name, sa.sun_path, seg.mine->wake_len);
    seg.wake_rx = fd;
}

static bool has_descriptor_links(const struct ipc__job *job,
                                 const struct ipc__link *links)
{
    for (int p = 0; p < job->size; p++)
        if (links[p].ops && links[p].ops != &ipc__transport_shm)
            return true;
    return false;
}

/* Maps the node's segment and our rings, and writes our identity in our
 * doorbell for the others to find after the fence. */
static int map_segment(struct ipc__job *job, struct ipc__link *links)
{
    int n = seg.nranks, fd = -1;
    seg.ring_size = choose_ring_size(job);
    seg.ctrl_size = ctrl_bytes(n);
    uint64_t size = seg.ctrl_size + (uint64_t)n * (uint64_t)(n - 1) * seg.ring_size;
    int rc = job->ctl_fd >= 0 ? ask_segment(job, size, &fd) : share_segment(job, size, &fd);
    if (rc != IPC_SUCCESS)
        return rc;
    seg.ctrl = mmap(NULL, seg.ctrl_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (seg.ctrl == MAP_FAILED) {
        seg.ctrl = NULL;
        rc = IPC_ERR_TRANSPORT;
        goto out;
    }
    struct seg_header *hdr = (struct seg_header *)(void *)seg.ctrl;
    seg.meet = (struct meeting *)(void *)(seg.ctrl + CACHE_LINE);
    seg.flags = (struct flags *)(void *)(seg.meet + 1);
    seg.slots = (char *)seg.flags + (size_t)n * CACHE_LINE;
    seg.bells = (struct doorbell *)(void *)(seg.slots + 2 * (size_t)n * SLOT_STRIDE);
    seg.heads = (struct ring_head *)(void *)(seg.bells + n);
    seg.sender_words = sender_words(n);
    seg.senders = (_Atomic uint64_t *)(void *)(seg.heads + (size_t)n * (size_t)(n - 1));
    seg.mine = &seg.bells[seg.me];
    if (seg.me == 0) { /* writer_fence is not ours alone: leave it */
        hdr->magic = SEG_MAGIC;
        hdr->size = size;
        hdr->nranks = (uint32_t)n;
        hdr->ring_size = seg.ring_size;
    }
    vote_writer_fence(job, hdr);
    seg.mine->pid = getpid();
    seg.mine->probe_addr = (uintptr_t)&probe_word;
    if (has_descriptor_links(job, links))
        open_doorbell_socket();
    rc = map_links(job, fd, links);
    if (rc == IPC_SUCCESS)
        allow_peer_reads();
out:
    close(fd);
    if (rc != IPC_SUCCESS)
        fprintf(stderr, "ipc: rank %d: cannot map the shared segment (%.1f MiB): %s\n",
                job->rank, (double)size / (1 << 20), ipc_strerror(rc));
    return rc;
}

/* After the fence every doorbell is written: what the peers allow. */
static int read_peers(struct ipc__job *job)
{
    struct seg_header *hdr = (struct seg_header *)(void *)seg.ctrl;
    seg.single_copy = job->tun.shm_single_copy && probe_single_copy();
    seg.writer_fence = atomic_load_explicit(&hdr->writer_fence, memory_order_relaxed);
    bool pollable_peer = false;
    for (int r = 0; r < seg.nranks; r++)
        pollable_peer |= r != seg.me && seg.bells[r].wake_len;
    if (!pollable_peer)
        return IPC_SUCCESS;
    seg.wake_tx = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (seg.wake_tx >= 0)
        return IPC_SUCCESS;
    fprintf(stderr, "ipc: rank %d: cannot open a socket to wake shm peers: %s\n",
            job->rank, strerror(errno));
    return IPC_ERR_TRANSPORT;
}

static int shm_connect(struct ipc__job *job, struct ipc__link *links)
{
    seg.wake_rx = seg.wake_tx = seg.made_fd = -1;
    seg.nranks = job->local_size;
    seg.me = job->local_index[job->rank];
    seg.local_of = job->local_index;
    seg.world = job->local_size == job->size;
    /* A rank alone on its node has no segment, but joins the fences: fences
     * are the whole job's. */
    int rc = seg.nranks > 1            ? map_segment(job, links)
             : job->ctl_fd < 0 ? ipc__kv_fence() /* share_segment's */
                                       : IPC_SUCCESS;
    if (rc != IPC_SUCCESS)
        return rc;
    /* Everyone has written its identity before anyone probes. */
    rc = ipc__kv_fence();
    if (seg.made_fd >= 0) /* every rank of the node has the segment now */
        close(seg.made_fd);
    seg.made_fd = -1;
    if (rc == IPC_SUCCESS && seg.ctrl)
        rc = read_peers(job);
    return rc;
}

static void shm_close(struct ipc__link *l)
{
    /* The rings go with the reservation, in shm_fini. */
    free(l->priv);
    l->priv = NULL;
}

/* The segment stays mapped until the process exits, which unmaps it anyway:
 * an munmap now costs a TLB shoot-down on every cpu the rank ran on, and at
 * 32 ranks those took 40 ms of a 220 ms job (this machine). The memfd goes
 * when the last rank exits; ipc_init cannot run twice, so nothing reuses it. */
static void shm_fini(void)
{
    seg.ctrl = NULL;
    seg.world = false;
    if (seg.wake_rx >= 0)
        close(seg.wake_rx);
    if (seg.wake_tx >= 0)
        close(seg.wake_tx);
    if (seg.made_fd >= 0)
        close(seg.made_fd);
    seg.wake_rx = seg.wake_tx = seg.made_fd = -1;
}

/* ---- meeting the whole job ---- */

bool ipc__shm_world(void)
{
    return seg.world && seg.ctrl != NULL;
}

static bool generation_moved(void *arg)
{
    uint32_t gen = *(const uint32_t *)arg;
    return atomic_load_explicit(&seg.meet->generation, memory_order_acquire) != gen;
}

static void wake_sleepers(void)
{
    fence_before_look();
    for (int r = 0; r < seg.nranks; r++) {
        struct doorbell *b = &seg.bells[r];
        if (b != seg.mine && atomic_load_explicit(&b->sleeping, memory_order_relaxed))
            wake(b);
    }
}

/* Counter barrier: one atomic add per rank; the last to arrive opens the next
 * generation and wakes the sleepers. Few hand-offs between ranks: the choice
 * when ranks share cores. */
static void counter_barrier(void)
{
    struct meeting *m = seg.meet;
    uint32_t gen = atomic_load_explicit(&m->generation, memory_order_acquire);
    if (atomic_fetch_add_explicit(&m->arrived, 1, memory_order_acq_rel) !=
        (uint32_t)seg.nranks - 1) {
        ipc__wait_until(generation_moved, &gen, NULL);
        return;
    }
    atomic_store_explicit(&m->arrived, 0, memory_order_relaxed);
    atomic_store_explicit(&m->generation, gen + 1, memory_order_release);
    wake_sleepers();
}

struct flag_wait {
    const _Atomic uint32_t *flag;
    uint32_t epoch;
};

static bool flag_reached(void *arg)
{
    const struct flag_wait *w = arg;
    uint32_t v = atomic_load_explicit(w->flag, memory_order_acquire);
    return (int32_t)(v - w->epoch) >= 0;
}

/* Dissemination barrier on flags: in round k each rank raises its own flag
 * and waits for the flag of rank - 2^k; each round costs one cache-line
 * transfer and nobody contends: the choice when each rank has a core. */
static void flag_barrier(void)
{
    int n = seg.nranks, me = seg.me;
    uint32_t epoch = ++seg.epoch;
    for (int k = 0, dist = 1; dist < n; k++, dist <<= 1) {
        int from = (me - dist + n) % n, to = (me + dist) % n;
        atomic_store_explicit(&seg.flags[me].round[k], epoch, memory_order_release);
        ring_doorbell(&seg.bells[to]);
        struct flag_wait w = {&seg.flags[from].round[k], epoch};
        if (!flag_reached(&w))
            ipc__wait_until(flag_reached, &w, NULL);
    }
}

void ipc__shm_barrier(bool oversubscribed)
{
    if (oversubscribed || seg.nranks > (1 << MAX_ROUNDS))
        counter_barrier();
    else
        flag_barrier();
}

struct all_reached {
    const char *set;
    uint32_t epoch;
};

static _Atomic uint32_t *slot_epoch(const char *set, int r)
{
    return (_Atomic uint32_t *)(void *)(set + (size_t)r * SLOT_STRIDE);
}

static bool all_put_input(void *arg)
{
    const struct all_reached *w = arg;
    for (int r = 0; r < seg.nranks; r++) {
        uint32_t v = atomic_load_explicit(slot_epoch(w->set, r), memory_order_acquire);
        if ((int32_t)(v - w->epoch) < 0)
            return false;
    }
    return true;
}

bool ipc__shm_allreduce_fits(size_t bytes)
{
    return ipc__shm_world() && bytes <= REDUCE_SLOT;
}

/* Every rank puts its input in its slot and raises the slot's epoch; once all
 * are up, every rank folds all slots itself, in the same order (from the last
 * rank down: x0 op (x1 op (... op xn-1))), so the result is bit-identical on
 * every rank. A slot set is written again two calls later, when every rank
 * has provably finished reading it (it raised its epoch in the other set for
 * the call between). */
void ipc__shm_allreduce(void *buf, size_t count, ipc_datatype type, ipc_op op)
{
    int n = seg.nranks, me = seg.me;
    size_t bytes = count * type->size;
    uint32_t epoch = ++seg.reduce_epoch;
    struct all_reached w = {seg.slots + (size_t)(epoch & 1) * (size_t)n * SLOT_STRIDE, epoch};
    memcpy((char *)w.set + (size_t)me * SLOT_STRIDE + SLOT_DATA, buf, bytes);
    atomic_store_explicit(slot_epoch(w.set, me), epoch, memory_order_release);
    wake_sleepers();
    if (!all_put_input(&w))
        ipc__wait_until(all_put_input, &w, NULL);
    memcpy(buf, w.set + (size_t)(n - 1) * SLOT_STRIDE + SLOT_DATA, bytes);
    for (int r = n - 2; r >= 0; r--)
        ipc__op_apply(op, type, w.set + (size_t)r * SLOT_STRIDE + SLOT_DATA, buf, count);
}

/* ---- single copy ---- */

bool ipc__shm_single_copy(void)
{
    return seg.single_copy;
}

/* Copies len bytes between our memory and a peer's, in either direction;
 * the kernel may do it in several pieces. */
static int copy_with_peer(int peer, char *local, uint64_t addr, size_t len, bool to_peer)
{
    pid_t pid = seg.bells[seg.local_of[peer]].pid;
    while (len) {
        struct iovec mine = {local, len};
        struct iovec theirs = {(void *)(uintptr_t)addr, len};
        ssize_t n = to_peer ? process_vm_writev(pid, &mine, 1, &theirs, 1, 0)
                            : process_vm_readv(pid, &mine, 1, &theirs, 1, 0);
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        local += n;
        addr += (uint64_t)n;
        len -= (size_t)n;
    }
    return 0;
}

int ipc__shm_read_peer(int peer, void *dst, uint64_t addr, size_t len)
{
    return copy_with_peer(peer, dst, addr, len, false);
}

int ipc__shm_write_peer(int peer, uint64_t addr, const void *src, size_t len)
{
    return copy_with_peer(peer, (char *)src, addr, len, true);
}

const struct ipc__transport_ops ipc__transport_shm = {
    .name = "shm",
    .probe = shm_probe,
    .connect = shm_connect,
    .writev = shm_writev,
    .reserve = shm_reserve,
    .commit = shm_commit,
    .read = shm_read,
    .peek = shm_peek,
    .consume = shm_consume,
    .release = shm_release,
    .close = shm_close,
    .fini = shm_fini,
    .arm = shm_arm,
    .sleep = shm_sleep,
    .disarm = shm_disarm,
    .doorbell_fd = shm_doorbell_fd,
};
