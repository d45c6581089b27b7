/*
 * wire.h - the frame format between two ranks, the same on every byte-stream
 * transport. docs/wire-formats.md describes it for readers.
 *
 * Every frame is a 40-byte header, then `len` payload bytes for EAGER and DATA
 * frames (none for the others). Both ends run the same build on the same host
 * kind, so fields are in host byte order.
 *
 *   EAGER  a whole message: ctx, src, tag, len, payload follows
 *   RTS    request to send a long message: ctx, src, tag, len (message length),
 *          sreq (sender's request id), rreq = address of the sender's buffer
 *          when the receiver may copy it itself (shm single copy), else 0
 *   CTS    clear to send: sreq, rreq (receiver's request id), len = bytes wanted
 *          (less than the message when the receive buffer is shorter)
 *   DATA   the payload of a rendezvous: rreq, len, payload follows
 *   BYE    the sender finalized; end of stream is expected after it
 *   FIN    the receiver copied a long message itself: sreq is done
 *   PUT    the receiver asks the sender to copy the second part of a long
 *          message itself (both cores copy at once): sreq, rreq = address of
 *          the receive buffer, len = bytes of the whole copy; the split point
 *          is ipc__split_point(len)
 *   DONE   the sender copied its part (len = its bytes), or could not (len 0:
 *          the receiver copies it); answers PUTs in order
 */
#ifndef IPC_WIRE_H
#define IPC_WIRE_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

enum ipc__frame_type {
    IPC__FRAME_EAGER = 1,
    IPC__FRAME_RTS = 2,
    IPC__FRAME_CTS = 3,
    IPC__FRAME_DATA = 4,
    IPC__FRAME_BYE = 5,
    IPC__FRAME_FIN = 6,
    IPC__FRAME_PUT = 7,
    IPC__FRAME_DONE = 8,
    IPC__FRAME_TYPE_END /* one past the last */
};

#define IPC__WIRE_VERSION 1

/* RTS flag: the sender may write into the receiver's memory (shm), so the
 * receiver may ask it to copy part of the message (PUT). */
#define IPC__FRAME_FLAG_CAN_PUT 1u

struct ipc__frame_hdr {
    uint8_t type;    /* enum ipc__frame_type */
    uint8_t version; /* IPC__WIRE_VERSION */
    uint16_t flags;  /* RTS: IPC__FRAME_FLAG_*; otherwise 0 */
    uint32_t ctx;    /* context id of the communicator */
    int32_t src;     /* sender's rank in that communicator */
    int32_t tag;
    uint64_t len;
    uint64_t sreq;
    uint64_t rreq;
};

_Static_assert(sizeof(struct ipc__frame_hdr) == 40, "frame header is 40 bytes on the wire");

/* Fills a header; unused fields are zero. Inline, and on little-endian
 * machines stored as five 8-byte words: a send copies the header at once
 * with 8-byte loads, which then take the words from the store buffer. Stored
 * field by field, the header would be read back by loads wider than its
 * stores, which must wait for every store before them to reach the cache,
 * the payload copy of the previous send included (a quarter of a 1 KiB
 * send's time). */
static inline struct ipc__frame_hdr ipc__frame_make(enum ipc__frame_type type, uint32_t ctx,
                                                    int32_t src, int32_t tag, uint64_t len,
                                                    uint64_t sreq, uint64_t rreq)
{
    struct ipc__frame_hdr h;
#if __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    uint64_t w[2] = {(uint64_t)(uint8_t)type | (uint64_t)IPC__WIRE_VERSION << 8 |
                         (uint64_t)ctx << 32,
                     (uint64_t)(uint32_t)src | (uint64_t)(uint32_t)tag << 32};
    memcpy(&h, w, sizeof w);
#else
    h.type = (uint8_t)type;
    h.version = IPC__WIRE_VERSION;
    h.flags = 0;
    h.ctx = ctx;
    h.src = src;
    h.tag = tag;
#endif
    h.len = len;
    h.sreq = sreq;
    h.rreq = rreq;
    return h;
}

/* Payload bytes that follow this header on the stream. */
uint64_t ipc__frame_payload_len(const struct ipc__frame_hdr *h);

/* Where a split copy of n bytes divides: the receiver copies [0, split), the
 * sender [split, n); page aligned. 0 means no split. */
static inline uint64_t ipc__split_point(uint64_t n)
{
    return n / 2 & ~(uint64_t)4095;
}

/* Is this a header we can act on? Returns 0 if valid, -1 if not (bad type or
 * version, flags its type may not carry, fields its type checks: a negative
 * source, a tag out of range; proto.c's ipc__frame_kinds). */
int ipc__frame_check(const struct ipc__frame_hdr *h);

#endif /* IPC_WIRE_H */
