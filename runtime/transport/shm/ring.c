/*
 * ring.c - the shm byte stream: packets in a single-producer/single-consumer
 * ring per ordered pair of the node's ranks.
 *
 * The stream is cut into packets. A packet starts on a cache line with an
 * 8-byte word {seq:32, len:32} followed by len bytes; the writer stores the
 * bytes, zeroes the word of the next packet, then publishes this word with a
 * release store, so a send is a copy and one store, and a receive starts with
 * one acquire load that brings the first bytes along in the same cache line.
 * seq is derived from the packet's position, so words left from an earlier lap
 * never look valid. Each ring is mapped twice back to back (segment.c), so a
 * packet that runs past the end of the ring is still contiguous in memory.
 */
#include <errno.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <sys/uio.h>

#include "shm.h"

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

void ipc__shm_copy_iov(char *dst, const struct iovec *iov, int iovcnt, size_t skip, size_t n)
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
        ipc__shm_copy_iov(dst + first, iov, iovcnt, skip + first, (size_t)n - first);
        ipc__shm_copy_iov(dst, iov, iovcnt, skip, first);
    } else {
        ipc__shm_copy_iov(dst, iov, iovcnt, skip, (size_t)n);
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

/* Before the first packet: maps the ring, and raises our bit in the
 * reader's bitmap (a reader that sees the packet has seen the bit). Returns
 * 0 or -errno. */
static int announce(struct shm_link *s)
{
    if (!s->announced) {
        int rc = ipc__shm_map_ring(s, true);
        if (rc < 0)
            return rc;
        atomic_fetch_or_explicit(s->announce_word, s->announce_bit, memory_order_release);
        s->announced = true;
    }
    return 0;
}

/* As many packets as the ring takes now: a frame cut by a packet boundary
 * goes on in the next packet at once, rather than waiting in the caller's
 * queue (a copy and an allocation). */
ssize_t ipc__shm_writev(struct ipc__link *l, const struct iovec *iov, int iovcnt)
{
    struct shm_link *s = l->priv;
    /* Nearly every send: one whole small frame, in room known to be free
     * (never in inbox mode, whose links are never announced). */
    uint64_t small = s->announced ? small_frame_len(iov, iovcnt) : 0;
    if (small && s->ring_size - (s->tx_tail - s->tx_head_seen) - CACHE_LINE >= small + 8) {
        fill_packet(s, small, iov, iovcnt, 0);
        shm_ring_doorbell(s->seg, s->peer_bell);
        return (ssize_t)small;
    }
    if (s->tx_box)
        return ipc__shm_inbox_writev(s, iov, iovcnt);
    size_t total = 0, done = 0, n;
    for (int i = 0; i < iovcnt; i++)
        total += iov[i].iov_len;
    int rc = announce(s);
    if (rc < 0)
        return rc;
    while (done < total && (n = put_packet(s, iov, iovcnt, done, total - done)) > 0)
        done += n;
    if (done)
        shm_ring_doorbell(s->seg, s->peer_bell);
    return (ssize_t)done;
}

/* The writer fills the next packet in place (a packed derived datatype):
 * the same packet as fill_packet writes, its word published by commit. */
ssize_t ipc__shm_reserve(struct ipc__link *l, size_t want, void **room)
{
    struct shm_link *s = l->priv;
    if (s->tx_box)
        return ipc__shm_inbox_reserve(s, want, room);
    int rc = announce(s);
    if (rc < 0)
        return rc;
    uint64_t n = packet_room(s, want);
    if (n)
        *room = s->tx + (s->tx_tail & (s->ring_size - 1)) + 8;
    return (ssize_t)n;
}

void ipc__shm_commit(struct ipc__link *l, size_t n)
{
    struct shm_link *s = l->priv;
    if (s->tx_box) {
        ipc__shm_inbox_commit(s, n);
        return;
    }
    uint64_t size = s->ring_size, next = s->tx_tail + packet_span(n);
    atomic_store_explicit(word_at(s->tx, size, next), 0, memory_order_relaxed);
    atomic_store_explicit(word_at(s->tx, size, s->tx_tail), n << 32 | packet_seq(s->tx_tail),
                          memory_order_release);
    s->tx_tail = next;
    shm_ring_doorbell(s->seg, s->peer_bell);
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

ssize_t ipc__shm_peek(struct ipc__link *l, const void **data)
{
    struct shm_link *s = l->priv;
    if (!s->rx_live) { /* never, in inbox mode */
        if (s->tx_box)
            return ipc__shm_inbox_peek(s, data);
        if (!(atomic_load_explicit(s->live_word, memory_order_acquire) & s->live_bit))
            return 0;
        int rc = ipc__shm_map_ring(s, false);
        if (rc < 0)
            return rc;
        s->rx_live = true;
    }
    uint64_t w = atomic_load_explicit(word_at(s->rx, s->ring_size, s->rx_pos),
                                      memory_order_acquire);
    if ((uint32_t)w != packet_seq(s->rx_pos)) {
        s->rx_waited = true;
        return 0;
    }
    /* The writer's word: a packet no longer than a ring's worth (the ring
     * is mapped twice, so that much past any start is ours to read). */
    uint32_t len = (uint32_t)(w >> 32);
    if (len > s->ring_size - CACHE_LINE || len <= s->rx_done)
        return len ? -EPROTO : 0;
    s->rx_len = len;
    *data = s->rx + (s->rx_pos & (s->ring_size - 1)) + 8 + s->rx_done;
    if (s->rx_waited && s->rx_done == 0)
        prefetch_packet(s->rx + (s->rx_pos & (s->ring_size - 1)), len);
    s->rx_waited = false;
    return (ssize_t)(len - s->rx_done);
}

void ipc__shm_consume(struct ipc__link *l, size_t n)
{
    struct shm_link *s = l->priv;
    if (__builtin_expect(s->tx_box != NULL, 0)) {
        ipc__shm_inbox_consume(s, n);
        return;
    }
    uint32_t len = s->rx_len; /* as peek checked it: the word may have changed */
    s->rx_done += (uint32_t)n;
    if (s->rx_done < len)
        return;
    s->rx_pos += packet_span(len);
    s->rx_done = 0;
    s->rx_unpublished = true;
}

/* Tells the writer how far we have read, once for a batch of packets. */
void ipc__shm_release(struct ipc__link *l)
{
    struct shm_link *s = l->priv;
    if (!s->rx_unpublished)
        return;
    if (s->tx_box) {
        s->rx_unpublished = false;
        ipc__shm_inbox_release(s);
        return;
    }
    s->rx_unpublished = false;
    atomic_store_explicit(s->rx_head, s->rx_pos, memory_order_release);
    /* The writer may be asleep waiting for this room. */
    shm_ring_doorbell(s->seg, s->peer_bell);
}

ssize_t ipc__shm_read(struct ipc__link *l, void *buf, size_t len)
{
    const void *data;
    ssize_t n = ipc__shm_peek(l, &data);
    if (n <= 0)
        return n;
    if ((size_t)n > len)
        n = (ssize_t)len;
    memcpy(buf, data, (size_t)n);
    ipc__shm_consume(l, (size_t)n);
    ipc__shm_release(l);
    return n;
}
