/* wire.c - building and checking frame headers. */
#include "wire.h"

#include "ipc.h"

uint64_t ipc__frame_payload_len(const struct ipc__frame_hdr *h)
{
    return h->type == IPC__FRAME_EAGER || h->type == IPC__FRAME_DATA ? h->len : 0;
}

int ipc__frame_check(const struct ipc__frame_hdr *h)
{
    if (h->version != IPC__WIRE_VERSION)
        return -1;
    if (h->flags & ~(h->type == IPC__FRAME_RTS ? IPC__FRAME_FLAG_CAN_PUT : 0u))
        return -1;
    switch (h->type) {
    case IPC__FRAME_EAGER:
    case IPC__FRAME_RTS:
        return h->src >= 0 && h->tag >= 0 && h->tag <= IPC_TAG_UB ? 0 : -1;
    case IPC__FRAME_CTS:
        return h->sreq && h->rreq ? 0 : -1;
    case IPC__FRAME_FIN:
        return h->sreq ? 0 : -1;
    case IPC__FRAME_PUT:
        return h->sreq && h->rreq && ipc__split_point(h->len) ? 0 : -1;
    case IPC__FRAME_DONE:
        return 0;
    case IPC__FRAME_DATA:
        return h->rreq ? 0 : -1;
    case IPC__FRAME_BYE:
        return 0;
    default:
        return -1;
    }
}
