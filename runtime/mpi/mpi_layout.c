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

int ipc__mpi_layout_init(struct ipc__mpi_layout *l, const void *buf, size_t count,
                         struct ipc__mpi_type *t)
{
    l->t = NULL;
    if (!t->committed)
        return MPI_ERR_TYPE;
    ipc__mpi_type_ref(t);
    l->t = t;
    l->base = (struct ipc__layout){
        .bytes = count * t->size, .pack = layout_pack, .unpack = layout_unpack};
    l->pos = 0;
    ipc__mpi_cursor_init(&l->cur, buf, count, t);
    return MPI_SUCCESS;
}

void ipc__mpi_layout_done(struct ipc__mpi_layout *l)
{
    ipc__mpi_type_unref(l->t);
    l->t = NULL;
}
