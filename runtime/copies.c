/*
 * copies.c - the memory of eager payload copies that wait in send queues
 * (progress.c: ipc__send, ipc__send_batched), kept for the next copies
 * instead of going back to malloc each time one is written.
 *
 * Why: a window of 64 ipc_isend of 16 KiB over tcp copies 256 KiB (the
 * most a peer's queue holds) and frees all of it once written, a few
 * hundred microseconds later. When those copies lay at the top of glibc's
 * heap, freeing them left more than its trim threshold (128 KiB) free there:
 * the heap was given back to the kernel (brk, whose unmapping interrupts the
 * other cores the process ran on to flush their TLBs) and the next window
 * took it back one page fault at a time. That was 4 ms a window, a twentieth of the bandwidth, and
 * whether a run paid it depended only on where the heap's last long-lived
 * allocation happened to fall (one request more allocated at start-up
 * decided it). Kept blocks stay mapped and warm: a window costs no system
 * call and no page fault for its copies, whatever the heap looks like.
 *
 * Blocks are powers of two from 64 bytes to IPC__COPY_BLOCK_MAX, one free
 * list per size; a copy is given the smallest block that holds it. At most
 * IPC__COPY_KEEP_MAX bytes of free blocks are kept, so what a burst to many
 * peers took goes back to malloc past that. Larger copies (a blocking
 * send's rest, whose limit is the eager limit) are plain malloc and free.
 * Only the progress engine's thread calls these.
 */
#include <stdlib.h>

#include "internal.h"

enum { CLASS_MIN = 6, CLASS_MAX = 18 }; /* 64 B .. 256 KiB */
_Static_assert((size_t)1 << CLASS_MAX == IPC__COPY_BLOCK_MAX, "one size limit");

struct free_block {
    struct free_block *next;
};

static struct free_block *free_blocks[CLASS_MAX + 1];
static size_t kept_bytes; /* in free_blocks */

/* The size class of a copy of len bytes (1 <= len), or -1 above the largest. */
static int class_of(size_t len)
{
    if (len > IPC__COPY_BLOCK_MAX)
        return -1;
    int k = CLASS_MIN;
    while (((size_t)1 << k) < len)
        k++;
    return k;
}

char *ipc__copy_get(size_t len)
{
    int k = class_of(len);
    if (k < 0)
        return malloc(len);
    struct free_block *b = free_blocks[k];
    if (!b)
        return malloc((size_t)1 << k);
    free_blocks[k] = b->next;
    kept_bytes -= (size_t)1 << k;
    return (char *)b;
}

void ipc__copy_put(char *copy, size_t len)
{
    int k = class_of(len);
    if (k < 0 || kept_bytes + ((size_t)1 << k) > IPC__COPY_KEEP_MAX) {
        free(copy);
        return;
    }
    struct free_block *b = (struct free_block *)copy;
    b->next = free_blocks[k];
    free_blocks[k] = b;
    kept_bytes += (size_t)1 << k;
}

size_t ipc__copies_kept(void)
{
    return kept_bytes;
}

void ipc__copies_fini(void)
{
    for (int k = CLASS_MIN; k <= CLASS_MAX; k++) {
        while (free_blocks[k]) {
            struct free_block *b = free_blocks[k];
            free_blocks[k] = b->next;
            free(b);
        }
    }
    kept_bytes = 0;
}
