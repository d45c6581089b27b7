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
    return ipc__frame_kind_of(h) ? 0 : -1;
}
