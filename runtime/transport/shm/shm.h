/*
 * shm.h - the shared-memory transport's own header: the segment's layout and
 * the state one job keeps of it, shared by the files of transport/shm/ and
 * nothing else. Only the ops table (ipc__transport_shm, setup.c) leaves the
 * folder; node-wide collectives reach the segment through transport/node.h.
 *
 * A byte stream per ordered pair of ranks of one node through a
 * single-producer/single-consumer ring in one segment that the launcher
 * creates for the node (an anonymous memfd: nothing named to leave behind,
 * every page reserved at creation). Everything in the segment is indexed by a
 * rank's index among its node's ranks (its local index), never by its world
 * rank. docs/shm.md describes the layout.
 *
 *   segment.c   the layout: sizes and offsets, getting the segment, mapping it
 *   doorbell.c  waking a sleeping rank, and sleeping
 *   ring.c      the byte stream: packets in a ring
 *   copy.c      single copy: direct access to a peer's memory
 *   setup.c     connect, close, fini, the report, and the ops table
 */
#ifndef IPC_SHM_H
#define IPC_SHM_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "internal.h"
#include "transport/node.h"

#define CACHE_LINE 64
#define SEG_MAGIC 0x6970632d73686d31ull /* "ipc-shm1" */
#define PROBE_MAGIC 0x70726f6265ull

struct seg_header {
    uint64_t magic;
    uint64_t size;
    uint32_t nranks;
    uint32_t ring_size; /* of each ring, or of each inbox */
    _Atomic uint32_t writer_fence; /* some rank wants writers to fence */
    uint32_t inbox;                /* 1: inboxes, not a ring per pair */
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
    /* 1 + the cpu the rank last ran on while it waited long (0: not known
       yet), for ranks that spin to see that they keep it off its cpu
       (ipc__shm_crowded); a hint, never trusted for more. */
    _Atomic int32_t cpu_plus1;
    /* Inboxes: 1 + the local index of the inbox this rank found full and
     * waits to write to (ROOM_ANY: several), while it sleeps; 0: none. */
    _Atomic uint32_t room_for;
    char pad3[CACHE_LINE - 24 - WAKE_NAME_MAX];
};
_Static_assert(sizeof(struct doorbell) == 2 * CACHE_LINE, "two lines per rank");

/* Written by a ring's reader only: how far it has read. */
struct ring_head {
    _Atomic uint64_t pos;
    char pad[CACHE_LINE - 8];
};

/* Inbox mode (docs/shm.md): each rank has one inbox that all its node's
 * ranks write to, instead of a ring from each. Its two control lines: the
 * writers' (they claim room by moving tail with a compare-and-swap, and say
 * when they found none) and the reader's. */
#define ROOM_ANY UINT32_MAX
struct inbox_ctl {
    _Atomic uint64_t tail;        /* claimed up to here */
    _Atomic uint32_t room_wanted; /* a writer found the inbox full */
    char pad1[CACHE_LINE - 12];
    _Atomic uint64_t head; /* read (and cleared) up to here */
    char pad2[CACHE_LINE - 8];
};

/* An inbox packet starts on a line: the word {seq, len} (as a ring packet's,
 * published last), who wrote it, and how far the next packet starts. */
#define INBOX_SKIP UINT32_MAX /* sender of the filler before a wrap */
struct inbox_pkt {
    _Atomic uint64_t word;
    uint32_t sender; /* local index */
    uint32_t span;   /* bytes from this packet to the next, whole lines */
};
#define INBOX_HDR sizeof(struct inbox_pkt)

/* The segment as this rank sees it: the transport's instance state
 * (ipc__transport.priv), from connect to fini. */
struct shm_seg {
    char *ctrl;     /* header, node area, doorbells, ring heads, senders */
    char *rings_va; /* our rings, each mapped twice, in one reservation */
    size_t rings_len;
    size_t ctrl_size;
    /* The node-wide collectives' area (node.base) and what they may do with
     * the doorbells; handed out only when the node is the whole job. */
    struct ipc__node_area node;
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
    /* Each rank's pid, read from its doorbell once, after the set-up fence,
     * and checked: later writes to the segment cannot redirect a copy. */
    pid_t *pids;
    bool single_copy;  /* process_vm_readv from peers works */
    bool writer_fence; /* writers fence before looking at a doorbell; else
                          sleepers run membarrier() */
    int made_fd; /* without ipcrun: the segment this rank made, kept open for
                    the others to open until the set-up fence; else -1 */
    int ring_fd; /* the segment, kept to map rings on first use (past 2-3
                    ranks, segment.c); else -1 */
    /* Not oversubscribed: a rank that finds an awake peer on its cpu moves
     * itself to a cpu none claims (ipc__shm_crowded), at most once in a while. */
    bool may_move;
    double moved_at; /* ipc_wtime() of the last move, 0: never */
    /* Inbox mode: the node's inboxes (ring_size bytes each, one mapping),
     * and our reading of ours: the packet at in_pos, in_done bytes of it
     * consumed. Packets for a peer other than the one being read move to
     * that peer's link (shm_link.pend); npending links hold some. */
    bool inbox;
    struct inbox_ctl *boxes;
    char *box_va;
    struct shm_link **by_local; /* local index -> our link to it, or NULL */
    uint64_t in_pos;
    uint32_t in_done, in_len, in_span;
    bool in_unpublished;
    int npending;
};

struct shm_link {
    struct shm_seg *seg;
    int peer; /* its local index */
    uint32_t ring_size;
    /* Where our rings with this peer go in seg->rings_va (4 x ring_size:
     * tx twice, then rx twice) and their offsets in the segment. Past 3
     * ranks each is mapped on first use (ipc__shm_map_ring): before its first
     * write (announce) and before the first look after the writer's bit. */
    char *va;
    off_t tx_off, rx_off;
    /* writing to peer */
    char *tx;                     /* ring, mapped twice; NULL until mapped */
    _Atomic uint64_t *tx_head;    /* the peer's read position */
    uint64_t tx_tail, tx_head_seen;
    /* reading from peer */
    char *rx; /* NULL until mapped */
    _Atomic uint64_t *rx_head; /* ours, for the peer */
    uint64_t rx_pos;           /* start of the current packet */
    uint32_t rx_done;          /* bytes of it already consumed */
    uint32_t rx_len;           /* its length, as peek checked it */
    bool rx_unpublished;       /* rx_pos moved since the writer was told */
    struct doorbell *peer_bell;
    /* A ring nobody wrote to is not looked at: the look would cost a page
     * fault, then a cache and TLB miss on every pass of a 32-rank job. The
     * writer's first write raises its bit in the reader's bitmap of senders. */
    bool announced, rx_live;
    bool rx_waited; /* the last look found no packet: the next one is awaited */
    bool pid_checked, pid_ok; /* the peer's pid is a rank's (ipc__shm_can_access) */
    _Atomic uint64_t *announce_word, *live_word;
    uint64_t announce_bit, live_bit;
    /* Inbox mode: writing, the peer's inbox and the packet reserve() claimed;
     * reading, what came for us from this peer while another was read. */
    struct inbox_ctl *tx_box;
    bool tx_mapped; /* the peer's inbox is in our page tables (inbox.c) */
    uint64_t tx_claim_at;
    uint32_t tx_claim_span;
    char *pend;
    size_t pend_off, pend_len, pend_cap;
};

/* segment.c: maps the node's segment and this rank's rings (links[p].priv
 * for each shm link), and writes our identity in our doorbell for the others
 * to find after the set-up fence. */
int ipc__shm_map(struct shm_seg *seg, struct ipc__job *job, struct ipc__link *links);
/* Maps the ring we write to the link's peer (tx) or read from it, if it is
 * not mapped yet. Returns 0 or -errno. */
int ipc__shm_map_ring(struct shm_link *s, bool tx);

/* doorbell.c */
/* Wakes the rank of doorbell b, which sleeps or is about to. */
void ipc__shm_wake(const struct shm_seg *seg, struct doorbell *b);
/* A rank with stream links too sleeps in poll(): makes its doorbell a
 * datagram socket as well (seg->wake_rx), when one can be had. */
void ipc__shm_open_doorbell(struct shm_seg *seg);
/* After the set-up fence: the socket that rings the peers that sleep in
 * poll(), if any does. */
int ipc__shm_open_ringer(struct shm_seg *seg, const struct ipc__job *job);
unsigned ipc__shm_arm(struct ipc__transport *self);
void ipc__shm_sleep(struct ipc__transport *self, unsigned token, int timeout_ms);
void ipc__shm_disarm(struct ipc__transport *self);
bool ipc__shm_crowded(struct ipc__transport *self);
/* The node area's rare_fence (node.h): membarrier() without writer fences. */
void ipc__shm_node_rare_fence(struct ipc__node_area *a);
int ipc__shm_doorbell_fd(struct ipc__transport *self);
/* What node-wide collectives may do with the doorbells (ipc__node_area). */
void ipc__shm_node_ring(struct ipc__node_area *a, int rank);
void ipc__shm_node_ring_all(struct ipc__node_area *a);

/* ring.c: the stream members of the ops table. */
ssize_t ipc__shm_writev(struct ipc__link *l, const struct iovec *iov, int iovcnt);
ssize_t ipc__shm_reserve(struct ipc__link *l, size_t want, void **room);
void ipc__shm_commit(struct ipc__link *l, size_t n);
ssize_t ipc__shm_read(struct ipc__link *l, void *buf, size_t len);
ssize_t ipc__shm_peek(struct ipc__link *l, const void **data);
void ipc__shm_consume(struct ipc__link *l, size_t n);
void ipc__shm_release(struct ipc__link *l);

/* inbox.c: the same members in inbox mode (ring.c's call them). */
ssize_t ipc__shm_inbox_writev(struct shm_link *s, const struct iovec *iov, int iovcnt);
ssize_t ipc__shm_inbox_reserve(struct shm_link *s, size_t want, void **room);
void ipc__shm_inbox_commit(struct shm_link *s, size_t n);
ssize_t ipc__shm_inbox_peek(struct shm_link *s, const void **data);
void ipc__shm_inbox_consume(struct shm_link *s, size_t n);
void ipc__shm_inbox_release(struct shm_link *s);
/* ring.c: copies n bytes of the iovecs, from `skip` bytes into them, to dst. */
void ipc__shm_copy_iov(char *dst, const struct iovec *iov, int iovcnt, size_t skip, size_t n);

/* copy.c: single copy (process_vm_readv/writev). */
extern volatile uint64_t ipc__shm_probe_word; /* PROBE_MAGIC, for peers to read */
/* Is pid a process of our user with our parent (a rank of our node)? */
bool ipc__shm_pid_is_sibling(pid_t pid);
/* Under Yama's ptrace_scope 1, lets the node's ranks read our memory. */
void ipc__shm_allow_peer_reads(void);
/* After the set-up fence: can we read a peer's memory? */
bool ipc__shm_probe_single_copy(const struct shm_seg *seg);
bool ipc__shm_can_access(const struct ipc__link *l);
int ipc__shm_get(struct ipc__link *l, void *dst, uint64_t remote_addr, size_t len);
int ipc__shm_put(struct ipc__link *l, uint64_t remote_addr, const void *src, size_t len);

/* After publishing something a sleeping peer waits for. The fence orders our
 * publication before the look at its flag; the sleeper orders its flag before
 * its last look for work: one of the two always sees the other. Without
 * writer fences, the sleeper's membarrier() puts a full barrier into every
 * running writer at once (see ipc__shm_arm), so the compiler barrier is
 * enough here: it saves a store-buffer drain on every send, which cost 20%
 * of the rate of 1 KiB messages. On every send: inline. */
static inline void shm_fence_before_look(const struct shm_seg *seg)
{
    if (seg->writer_fence)
        atomic_thread_fence(memory_order_seq_cst);
    else
        atomic_signal_fence(memory_order_seq_cst);
}

static inline void shm_ring_doorbell(const struct shm_seg *seg, struct doorbell *b)
{
    shm_fence_before_look(seg);
    if (atomic_load_explicit(&b->sleeping, memory_order_relaxed))
        ipc__shm_wake(seg, b);
}

#endif /* IPC_SHM_H */
