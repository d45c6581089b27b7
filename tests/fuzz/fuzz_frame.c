/*
 * fuzz_frame.c - a peer's byte stream cut into frames as the receive state
 * machine does (runtime/progress.c): a 40-byte header, checked against its
 * kind (ipc__frame_check and ipc__frame_kind_of, runtime/wire.c and the
 * table of runtime/proto.c), then the payload its kind carries
 * (ipc__frame_payload_len), until a header is refused, which ends the
 * stream. Every verdict is compared with the rules of each protocol step as
 * docs/wire-formats.md states them, written out here independently. The
 * handlers themselves need a running job (ipc__g, real peers) and are driven
 * by tests/programs/forge_frames.c instead.
 */
#include "fuzz.h"
#include "internal.h"
#include "wire.h"

/* The table of docs/wire-formats.md: may a receiver act on h, and does a
 * payload of h->len bytes follow it? */
static int doc_accepts(const struct ipc__frame_hdr *h, int *payload)
{
    *payload = h->type == IPC__FRAME_EAGER || h->type == IPC__FRAME_DATA;
    if (h->version != 1)
        return 0;
    uint16_t flags_ok = h->type == IPC__FRAME_RTS ? IPC__FRAME_FLAG_CAN_PUT : 0;
    if (h->flags & ~flags_ok)
        return 0;
    int match = h->src >= 0 && h->tag >= 0 && h->tag <= IPC_TAG_UB;
    switch (h->type) {
    case IPC__FRAME_EAGER:
    case IPC__FRAME_RTS:
        return match;
    case IPC__FRAME_CTS:
        return h->sreq && h->rreq;
    case IPC__FRAME_DATA:
        return h->rreq != 0;
    case IPC__FRAME_BYE:
    case IPC__FRAME_DONE:
        return 1;
    case IPC__FRAME_FIN:
        return h->sreq != 0;
    case IPC__FRAME_PUT:
        return h->sreq && h->rreq && (h->len / 2 & ~(uint64_t)4095) != 0;
    default:
        return 0;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    while (size >= sizeof(struct ipc__frame_hdr)) {
        struct ipc__frame_hdr h;
        memcpy(&h, data, sizeof h);
        data += sizeof h;
        size -= sizeof h;
        int doc_payload, doc = doc_accepts(&h, &doc_payload);
        const struct ipc__frame_kind *k = ipc__frame_kind_of(&h);
        int checked = ipc__frame_check(&h) == 0;
        if (checked != (k != NULL))
            fuzz_fail("ipc__frame_check and ipc__frame_kind_of disagree on type %u",
                      h.type);
        if (checked != doc)
            fuzz_fail(
                "type %u version %u flags %#x src %d tag %d len %llu sreq %llu rreq "
                "%llu: %s, the documented rules %s it",
                h.type, h.version, h.flags, (int)h.src, (int)h.tag,
                (unsigned long long)h.len, (unsigned long long)h.sreq,
                (unsigned long long)h.rreq, checked ? "accepted" : "refused",
                doc ? "accept" : "refuse");
        if (!k)
            return 0; /* the stream is broken: nothing more of it is read */
        if (!k->handle || !k->name || k != &ipc__frame_kinds[h.type])
            fuzz_fail("type %u: a kind without a handler or name", h.type);
        uint64_t payload = ipc__frame_payload_len(&h);
        if (k->payload != doc_payload || payload != (k->payload ? h.len : 0))
            fuzz_fail("type %u: payload of %llu bytes", h.type,
                      (unsigned long long)payload);
        if (payload >= size)
            return 0;
        data += payload;
        size -= payload;
    }
    return 0;
}
