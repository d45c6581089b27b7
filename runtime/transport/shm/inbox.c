/*
 * inbox.c - the shm byte streams of a node with many ranks: one inbox per
 * rank, which all its node's ranks write to, instead of a ring per ordered
 * pair (whose memory grows as the square of the ranks: docs/shm.md).
 *
 * A writer claims room at the inbox's tail with a compare-and-swap, fills
 * its packet and publishes the packet's word with a release store, as in a
 * ring. A packet never runs past the end of the inbox: a writer whose packet
 * would claims the rest of it as a filler (INBOX_SKIP) too. The reader takes
 * packets in order; one for the peer it is reading it lends in place, one
 * for another peer it copies to that peer's link (pend), where the peer's
 * next read finds it, so each peer's bytes stay in order. Claimed room whose
 * word is not published yet stops the reader there until it is.
 *
 * The reader clears the first word of every line of a packet it has read
 * before it gives the room back: a packet may start on any line, and a word
 * the reader looks at is then either zero or one a writer published. seq
 * (from the position) still tells a word written for another lap or by a
 * broken peer.
 *
 * A writer that finds the inbox full says so (room_wanted) and which inbox
 * it waits for in its own doorbell (room_for); a reader that gives room back
 * and finds room_wanted wakes the sleeping ranks that wait for it. Each side
 * fences between its store and its load, so either the writer's last look
 * sees the room or the reader sees the flag.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>

#include "shm.h"

/* Packets moved to other peers' links by one look, at most: the rest wait for
 * the next look, so one read cannot sort a whole inbox. */
#define SORT_MAX 64

static uint32_t box_seq(uint64_t pos)
{
    return (uint32_t)((pos / CACHE_LINE) & 0x7fffffffu) | 0x80000000u;
}

static uint32_t box_span(uint64_t len)
{
    return (uint32_t)((INBOX_HDR + len + CACHE_LINE - 1) / CACHE_LINE * CACHE_LINE);
}

static struct inbox_pkt *pkt_at(const struct shm_seg *seg, int owner, uint64_t pos)
{
    return (struct inbox_pkt *)(void *)(seg->box_va + (size_t)owner * seg->ring_size +
                                        (pos & (seg->ring_size - 1)));
}

/* ---- writing ---- */

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif

/* Before our first packet to a peer, its whole inbox goes into our page
 * tables in one call: a write to a shared mapping faults one page at a time,
 * and an all-to-all would otherwise take a fault per page of every inbox in
 * every rank (256 ranks, alltoall of 8 bytes: 0.67-0.77 s a call with the
 * faults, 0.45-0.50 s without). Mapping every inbox at start-up instead cost
 * 1024 ranks 3 s more to start. A kernel without the call leaves the faults. */
static void map_box(struct shm_link *s)
{
    s->tx_mapped = true;
    (void)madvise(pkt_at(s->seg, s->peer, 0), s->ring_size, MADV_POPULATE_WRITE);
}

/* The inbox is full for us: say so, where the reader will look when it gives
 * room back, then fence before the caller's last look at the room. */
static void want_room(struct shm_link *s)
{
    struct doorbell *me = s->seg->mine;
    uint32_t want = (uint32_t)s->peer + 1;
    uint32_t cur = atomic_load_explicit(&me->room_for, memory_order_relaxed);
    if (cur != want && cur != ROOM_ANY)
        atomic_store_explicit(&me->room_for, cur ? ROOM_ANY : want, memory_order_relaxed);
    if (!atomic_load_explicit(&s->tx_box->room_wanted, memory_order_relaxed))
        atomic_store_explicit(&s->tx_box->room_wanted, 1, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
}

/* How much of an n-byte payload fits at tail t with the reader at h: all of
 * it, at t or after a filler to the end (*pad), else the most that does;
 * 0 when not a byte does. */
static uint64_t fit(uint64_t size, uint64_t t, uint64_t h, uint64_t n, uint64_t *pad)
{
    *pad = 0;
    if (t < h || t - h > size) /* a stale tail, or a stale head */
        return 0;
    uint64_t room = size - (t - h), contig = size - (t & (size - 1));
    uint64_t here = room < contig ? room : contig, after = room > contig ? room - contig : 0;
    if (box_span(n) <= here)
        return n;
    if (box_span(n) <= after || after > here) {
        *pad = contig;
        here = after;
    }
    if (box_span(n) <= here)
        return n;
    return here > INBOX_HDR ? here - INBOX_HDR : 0;
}

/* Claims a packet of at most `want` payload bytes (and at most a quarter of
 * the inbox) at the peer's tail: returns its payload length and sets *at to
 * its position, or 0 when the inbox is full now. */
static uint32_t claim(struct shm_link *s, size_t want, uint64_t *at)
{
    struct inbox_ctl *box = s->tx_box;
    uint64_t size = s->ring_size, most = size / 4 - INBOX_HDR;
    uint64_t n = want < most ? want : most, m, pad;
    if (__builtin_expect(!s->tx_mapped, 0))
        map_box(s);
    uint64_t t = atomic_load_explicit(&box->tail, memory_order_relaxed);
    bool asked = false;
    for (;;) {
        m = fit(size, t, s->tx_head_seen, n, &pad);
        if (m < n) {
            /* The head first: a tail read after it is not behind it. */
            s->tx_head_seen = atomic_load_explicit(&box->head, memory_order_acquire);
            t = atomic_load_explicit(&box->tail, memory_order_relaxed);
            m = fit(size, t, s->tx_head_seen, n, &pad);
            if (!m) {
                if (asked)
                    return 0;
                want_room(s); /* then one more look */
                asked = true;
                continue;
            }
        }
        if (atomic_compare_exchange_weak_explicit(&box->tail, &t, t + pad + box_span(m),
                                                  memory_order_relaxed, memory_order_relaxed))
            break;
    }
    if (pad) {
        struct inbox_pkt *fill = pkt_at(s->seg, s->peer, t);
        fill->sender = INBOX_SKIP;
        fill->span = (uint32_t)pad;
        atomic_store_explicit(&fill->word, box_seq(t), memory_order_release);
        t += pad;
    }
    *at = t;
    return (uint32_t)m;
}

static void publish(struct shm_link *s, uint64_t at, uint32_t len, uint32_t span)
{
    struct inbox_pkt *p = pkt_at(s->seg, s->peer, at);
    p->sender = (uint32_t)s->seg->me;
    p->span = span;
    atomic_store_explicit(&p->word, (uint64_t)len << 32 | box_seq(at), memory_order_release);
}

ssize_t ipc__shm_inbox_writev(struct shm_link *s, const struct iovec *iov, int iovcnt)
{
    size_t total = 0, done = 0;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    while (done < total) {
        uint64_t at;
        uint32_t n = claim(s, total - done, &at);
        if (!n)
            break;
        ipc__shm_copy_iov((char *)pkt_at(s->seg, s->peer, at) + INBOX_HDR, iov, iovcnt, done,
                          n);
        publish(s, at, n, box_span(n));
        done += n;
    }
    if (done)
        shm_ring_doorbell(s->seg, s->peer_bell);
    return (ssize_t)done;
}

ssize_t ipc__shm_inbox_reserve(struct shm_link *s, size_t want, void **room)
{
    uint64_t at;
    uint32_t n = claim(s, want, &at);
    if (!n)
        return 0;
    s->tx_claim_at = at;
    s->tx_claim_span = box_span(n);
    *room = (char *)pkt_at(s->seg, s->peer, at) + INBOX_HDR;
    return n;
}

void ipc__shm_inbox_commit(struct shm_link *s, size_t n)
{
    /* The whole claim is skipped to, however little of it was filled. */
    publish(s, s->tx_claim_at, (uint32_t)n, s->tx_claim_span);
    shm_ring_doorbell(s->seg, s->peer_bell);
}

/* ---- reading ---- */

/* The packet at our head: 1 with its fields checked, 0 when none is
 * published yet, -EPROTO when what is there is not a packet a peer of ours
 * could have written. */
static int head_packet(struct shm_seg *seg, uint32_t *len, uint32_t *sender, uint32_t *span)
{
    struct inbox_pkt *p = pkt_at(seg, seg->me, seg->in_pos);
    uint64_t w = atomic_load_explicit(&p->word, memory_order_acquire);
    if (!w)
        return 0;
    uint64_t off = seg->in_pos & (seg->ring_size - 1);
    *len = (uint32_t)(w >> 32);
    *sender = p->sender;
    *span = p->span;
    if ((uint32_t)w != box_seq(seg->in_pos) || *span % CACHE_LINE || !*span ||
        *span > seg->ring_size - off)
        return -EPROTO;
    if (*sender == INBOX_SKIP)
        return *len == 0 ? 1 : -EPROTO;
    if (*sender >= (uint32_t)seg->nranks || !seg->by_local[*sender] ||
        INBOX_HDR + (uint64_t)*len > *span || *len == 0)
        return -EPROTO;
    return 1;
}

/* Clears the packet at our head (see the top) and steps past it. */
static void finish_packet(struct shm_seg *seg, uint32_t span)
{
    char *p = (char *)pkt_at(seg, seg->me, seg->in_pos);
    for (uint32_t off = 0; off < span; off += CACHE_LINE)
        atomic_store_explicit((_Atomic uint64_t *)(void *)(p + off), 0, memory_order_relaxed);
    seg->in_pos += span;
    seg->in_done = 0;
    seg->in_unpublished = true;
}

/* Appends the rest of the packet at our head to its peer's link. */
static int set_aside(struct shm_seg *seg, struct shm_link *to, uint32_t len)
{
    const char *src = (const char *)pkt_at(seg, seg->me, seg->in_pos) + INBOX_HDR + seg->in_done;
    size_t n = len - seg->in_done;
    if (to->pend_off && to->pend_len + n > to->pend_cap) {
        memmove(to->pend, to->pend + to->pend_off, to->pend_len - to->pend_off);
        to->pend_len -= to->pend_off;
        to->pend_off = 0;
    }
    if (to->pend_len + n > to->pend_cap) {
        size_t cap = to->pend_cap ? to->pend_cap : 4096;
        while (cap < to->pend_len + n)
            cap *= 2;
        char *grown = realloc(to->pend, cap);
        if (!grown)
            return -ENOMEM;
        to->pend = grown;
        to->pend_cap = cap;
    }
    if (to->pend_len == to->pend_off)
        seg->npending++;
    memcpy(to->pend + to->pend_len, src, n);
    to->pend_len += n;
    return 0;
}

ssize_t ipc__shm_inbox_peek(struct shm_link *s, const void **data)
{
    if (s->pend_len > s->pend_off) {
        *data = s->pend + s->pend_off;
        return (ssize_t)(s->pend_len - s->pend_off);
    }
    struct shm_seg *seg = s->seg;
    int sorted = 0, rc;
    uint32_t len, sender, span;
    while ((rc = head_packet(seg, &len, &sender, &span)) > 0) {
        if (sender == (uint32_t)s->peer) {
            seg->in_len = len;
            seg->in_span = span;
            *data = (const char *)pkt_at(seg, seg->me, seg->in_pos) + INBOX_HDR + seg->in_done;
            return (ssize_t)(len - seg->in_done);
        }
        if (sender != INBOX_SKIP) {
            if (sorted == SORT_MAX)
                break;
            if (set_aside(seg, seg->by_local[sender], len) != 0)
                return -ENOMEM;
            sorted++;
        }
        finish_packet(seg, span);
    }
    /* Bytes set aside while we are about to sleep (this is the last look):
     * the peer they are for may have been read already in this pass, and
     * nothing else would wake us for them. */
    if (sorted && atomic_load_explicit(&seg->mine->sleeping, memory_order_relaxed))
        ipc__shm_wake(seg, seg->mine);
    /* Room freed by fillers and packets set aside goes back now: no read of
     * this link follows to release it. */
    ipc__shm_inbox_release(s);
    return rc < 0 ? rc : 0;
}

void ipc__shm_inbox_consume(struct shm_link *s, size_t n)
{
    struct shm_seg *seg = s->seg;
    s->rx_unpublished = true; /* so that release() is not skipped */
    if (s->pend_len > s->pend_off) {
        s->pend_off += n;
        if (s->pend_off >= s->pend_len) {
            s->pend_off = s->pend_len = 0;
            seg->npending--;
        }
        return;
    }
    seg->in_done += (uint32_t)n;
    if (seg->in_done >= seg->in_len)
        finish_packet(seg, seg->in_span);
}

/* Gives the room read back, and wakes the writers that sleep waiting for
 * it. */
void ipc__shm_inbox_release(struct shm_link *s)
{
    struct shm_seg *seg = s->seg;
    if (!seg->in_unpublished)
        return;
    seg->in_unpublished = false;
    struct inbox_ctl *box = &seg->boxes[seg->me];
    atomic_store_explicit(&box->head, seg->in_pos, memory_order_release);
    atomic_thread_fence(memory_order_seq_cst);
    if (!atomic_load_explicit(&box->room_wanted, memory_order_relaxed) ||
        !atomic_exchange_explicit(&box->room_wanted, 0, memory_order_relaxed))
        return;
    uint32_t mine = (uint32_t)seg->me + 1;
    for (int r = 0; r < seg->nranks; r++) {
        struct doorbell *b = &seg->bells[r];
        uint32_t want = atomic_load_explicit(&b->room_for, memory_order_relaxed);
        if (r != seg->me && (want == mine || want == ROOM_ANY) &&
            atomic_load_explicit(&b->sleeping, memory_order_relaxed))
            ipc__shm_wake(seg, b);
    }
}
