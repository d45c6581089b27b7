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
 *          sreq (sender's request id); no payload
 *   CTS    clear to send: sreq, rreq (receiver's request id), len = bytes wanted
 *          (less than the message when the receive buffer is shorter)
 *   DATA   the payload of a rendezvous: rreq, len, payload follows
 *   BYE    the sender finalized; end of stream is expected after it
 */
#ifndef IPC_WIRE_H
#define IPC_WIRE_H

#include <stddef.h>
#include <stdint.h>

enum ipc__frame_type {
    IPC__FRAME_EAGER = 1,
    IPC__FRAME_RTS = 2,
    IPC__FRAME_CTS = 3,
    IPC__FRAME_DATA = 4,
    IPC__FRAME_BYE = 5,
};

#define IPC__WIRE_VERSION 1

struct ipc__frame_hdr {
    uint8_t type;    /* enum ipc__frame_type */
    uint8_t version; /* IPC__WIRE_VERSION */
    uint16_t flags;  /* reserved, 0 */
    uint32_t ctx;    /* context id of the communicator */
    int32_t src;     /* sender's rank in that communicator */
    int32_t tag;
    uint64_t len;
    uint64_t sreq;
    uint64_t rreq;
};

_Static_assert(sizeof(struct ipc__frame_hdr) == 40, "frame header is 40 bytes on the wire");

/* Fills a header; unused fields are zero. */
struct ipc__frame_hdr ipc__frame_make(enum ipc__frame_type type, uint32_t ctx,
                                      int32_t src, int32_t tag, uint64_t len,
                                      uint64_t sreq, uint64_t rreq);

/* Payload bytes that follow this header on the stream. */
uint64_t ipc__frame_payload_len(const struct ipc__frame_hdr *h);

/* Is this a header we can act on? Returns 0 if valid, -1 if not (bad type or
 * version, a negative source, a tag out of range). */
int ipc__frame_check(const struct ipc__frame_hdr *h);

#endif /* IPC_WIRE_H */
