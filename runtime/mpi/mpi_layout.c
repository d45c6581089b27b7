/*
 * mpi_layout.c - a buffer of a non-contiguous MPI datatype as libipc's
 * struct ipc__layout, so that point-to-point moves it without a staging
 * copy: libipc packs it straight into the transport and unpacks it straight
 * out (internal.h, progress.c).
 *
 * The layout keeps a cursor: libipc asks for pieces in stream order, so each
 * piece continues where the last one ended; a piece that starts elsewhere
 * (a retried or self copy) seeks from the start.
 */
#include <string.h>

#include "mpi_internal.h"

static void seek(struct ipc__mpi_layout *l, size_t off)
{
    const struct ipc__mpi_type *t = l->t;
    l->pos = off;
    l->elem = t->size ? off / t->size : 0;
    size_t in = t->size ? off % t->size : 0;
    l->block = 0;
    while (l->block < t->nblocks && in >= t->blocks[l->block].len) {
        in -= t->blocks[l->block].len;
        l->block++;
    }
    l->in_block = in;
}

/* Moves n packed bytes between the packed stream at the cursor and p: out
 * (pack) copies from the buffer to p, else from p to the buffer. */
static void walk(struct ipc__mpi_layout *l, size_t off, char *p, size_t n, bool out)
{
    const struct ipc__mpi_type *t = l->t;
    if (off != l->pos)
        seek(l, off);
    l->pos += n;
    while (n) {
        const struct ipc__mpi_block *b = &t->blocks[l->block];
        char *at = l->buf + (long)l->elem * t->extent + b->disp + l->in_block;
        size_t k = b->len - l->in_block < n ? b->len - l->in_block : n;
        if (out)
            memcpy(p, at, k);
        else
            memcpy(at, p, k);
        p += k;
        n -= k;
        l->in_block += k;
        if (l->in_block == b->len) {
            l->in_block = 0;
            if (++l->block == t->nblocks) {
                l->block = 0;
                l->elem++;
            }
        }
    }
}

static void layout_pack(struct ipc__layout *base, size_t off, void *dst, size_t n)
{
    walk((struct ipc__mpi_layout *)base, off, dst, n, true);
}

static void layout_unpack(struct ipc__layout *base, size_t off, const void *src, size_t n)
{
    walk((struct ipc__mpi_layout *)base, off, (char *)src, n, false);
}

void ipc__mpi_layout_init(struct ipc__mpi_layout *l, const void *buf, size_t count,
                          const struct ipc__mpi_type *t)
{
    *l = (struct ipc__mpi_layout){
        .base = {.bytes = count * t->size, .pack = layout_pack, .unpack = layout_unpack},
        .buf = (char *)buf,
        .t = t,
    };
}
