/*
 * fuzz_rma_req.c - one-sided requests as a target's server receives them
 * from an origin (runtime/rma/ops.c): ipc__rma_req_decode over the whole
 * message. Its verdict is compared with the rules of docs/wire-formats.md
 * ("One-sided requests"), written out here independently; when it accepts,
 * every part it points at must lie inside the message and the blocks must
 * add up to the length. The acting on a request (ranges, ops) needs a
 * window and is driven by tests/programs/rma.c.
 */
#include "fuzz.h"
#include "internal.h"
#include "rma/win.h"

static int doc_accepts(const uint8_t *d, size_t n)
{
    struct ipc__rma_am_hdr h;
    if (n < sizeof h)
        return 0;
    memcpy(&h, d, sizeof h);
    if (h.reply_tag < 16 || h.reply_tag > IPC_TAG_UB)
        return 0;
    if (h.kind == 16 || h.kind == 17)
        return n == sizeof h && (h.op == IPC_LOCK_SHARED || h.op == IPC_LOCK_EXCLUSIVE);
    if (h.kind < 1 || h.kind > 5)
        return 0;
    /* sizes in 128 bits: nothing wraps */
    unsigned __int128 operand = h.kind == 2   ? 0
                                : h.kind == 5 ? 2 * (unsigned __int128)h.bytes
                                              : h.bytes;
    if ((unsigned __int128)sizeof h + 16 * (unsigned __int128)h.nblk + operand != n)
        return 0;
    unsigned __int128 sum = 0;
    for (uint64_t i = 0; i < h.nblk; i++) {
        uint64_t len;
        memcpy(&len, d + sizeof h + 16 * i + 8, 8);
        sum += len;
    }
    if (sum != h.bytes)
        return 0;
    if (h.kind >= 3 &&
        (!h.elem || h.bytes % h.elem || (h.kind == 5 && h.bytes != h.elem)))
        return 0;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ipc__rma_req q;
    const char *bad = ipc__rma_req_decode(data, size, &q);
    int doc = doc_accepts(data, size);
    if ((bad == NULL) != (doc != 0))
        fuzz_fail("decode says %s, the documented rules say %s", bad ? bad : "ok",
                  doc ? "ok" : "refuse");
    if (bad || q.h.kind >= 16)
        return 0;
    const char *end = (const char *)data + size;
    if (q.blocks != (const char *)data + sizeof q.h ||
        q.operand != q.blocks + q.h.nblk * sizeof(struct ipc__rma_blk) ||
        q.cmp < q.operand || q.cmp > end)
        fuzz_fail("parts outside the message");
    return 0;
}
