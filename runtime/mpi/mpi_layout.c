/*
 * mpi_layout.c - a buffer of a non-contiguous MPI datatype as libipc's
 * struct ipc__layout, so that point-to-point moves it without a staging
 * copy: libipc packs it straight into the transport and unpacks it straight
 * out (internal.h, progress.c).
 *
 * libipc asks for pieces in stream order, so each piece continues where the
 * cursor (mpi_pack.c) stopped; a piece that starts elsewhere (a copy to self
 * through a bounce piece, a retried write) seeks first.
 */
#include <stdlib.h>

#include <limits.h>

#include "mpi_internal.h"

static struct ipc__mpi_cursor *at(struct ipc__layout *base, size_t off, size_t n)
{
    struct ipc__mpi_layout *l = (struct ipc__mpi_layout *)base;
    if (off != l->pos)
        ipc__mpi_cursor_seek(&l->cur, off);
    l->pos = off + n;
    return &l->cur;
}

static void layout_pack(struct ipc__layout *base, size_t off, void *dst, size_t n)
{
    ipc__mpi_cursor_pack(at(base, off, n), dst, n);
}

static void layout_unpack(struct ipc__layout *base, size_t off, const void *src, size_t n)
{
    ipc__mpi_cursor_unpack(at(base, off, n), src, n);
}

/* Packets of a layout in shared memory (ipc__layout.packet). Data that
 * fills at most an eighth of what it spans (a column of a matrix) unpacks
 * slowly, a cache line and often a page for every few bytes: small packets
 * let the receiver start early and keep up (the 8 KiB column: 11.4 us in
 * 504-byte packets, 13.8 in 2 KiB ones, 15.8 in one). Dense data (an array
 * of small structs) packs fast, and a word every few hundred bytes holds it
 * up (19.9 us in 504-byte packets, 12.7-14.0 in 2-4 KiB ones). docs/shm.md
 * has the table. Sizes make a packet and its 8-byte word whole lines. */
static size_t layout_packet(const struct ipc__mpi_type *t)
{
    bool sparse =
        t->size &&
        (size_t)(t->true_extent > t->extent ? t->true_extent : t->extent) / t->size >= 8;
    return sparse ? 8 * 64 - 8 : 64 * 64 - 8;
}

int ipc__mpi_layout_init(struct ipc__mpi_layout *l, const void *buf, size_t count,
                         struct ipc__mpi_type *t)
{
    l->t = NULL;
    size_t bytes;
    if (!t->committed)
        return MPI_ERR_TYPE;
    if (__builtin_mul_overflow(count, t->size, &bytes) || bytes > LONG_MAX)
        return MPI_ERR_COUNT;
    ipc__mpi_type_ref(t);
    l->t = t;
    l->base = (struct ipc__layout){.bytes = bytes,
                                   .packet = layout_packet(t),
                                   .pack = layout_pack,
                                   .unpack = layout_unpack};
    l->pos = 0;
    ipc__mpi_cursor_init(&l->cur, buf, count, t);
    return MPI_SUCCESS;
}

void ipc__mpi_layout_done(struct ipc__mpi_layout *l)
{
    ipc__mpi_type_unref(l->t);
    l->t = NULL;
}

struct ipc__mpi_layout *ipc__mpi_layout_new(const void *buf, size_t count,
                                            struct ipc__mpi_type *t, int *rc)
{
    struct ipc__mpi_layout *l = malloc(sizeof *l);
    *rc = l ? ipc__mpi_layout_init(l, buf, count, t) : MPI_ERR_NO_MEM;
    if (*rc != MPI_SUCCESS) {
        free(l);
        return NULL;
    }
    return l;
}

void ipc__mpi_layout_free(struct ipc__mpi_layout *l)
{
    ipc__mpi_layout_done(l);
    free(l);
}
