/* wire.c - checking frame headers against the table of frame kinds
 * (proto.c). */
#include "wire.h"

#include "internal.h"

uint64_t ipc__frame_payload_len(const struct ipc__frame_hdr *h)
{
    return h->type < IPC__FRAME_TYPE_END && ipc__frame_kinds[h->type].payload ? h->len : 0;
}

int ipc__frame_check(const struct ipc__frame_hdr *h)
{
    if (h->version != IPC__WIRE_VERSION || h->type >= IPC__FRAME_TYPE_END)
        return -1;
    const struct ipc__frame_kind *k = &ipc__frame_kinds[h->type];
    if (!k->handle || (h->flags & ~k->flags))
        return -1;
    return k->check ? k->check(h) : 0;
}
