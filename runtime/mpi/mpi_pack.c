/*
 * mpi_pack.c - the datatype engine: a cursor that packs and unpacks
 * (buf, count, type) in pieces of any size, the views libipc sends from and
 * receives into, MPI_Pack/Unpack, the external32 representation, and the
 * runs of bytes a one-sided operation reaches at its target.
 *
 * The cursor walks a type's entries with a stack of frames, one per nesting
 * level. At a leaf it moves every whole piece the request allows in one
 * loop of fixed-size loads and stores; a piece cut by the end of the request
 * is finished on the next call. A contiguous type is one memcpy.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

enum dir { PACK, UNPACK, SKIP };

static size_t min_z(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* Pieces read far apart (a column of a matrix: a page each, which the
 * hardware prefetcher does not follow) are prefetched this far ahead; for
 * stores (unpacking) it was measured not to pay. */
enum { AHEAD = 16, FAR = 512 };

static void prefetch(const char *p, long ahead)
{
    __builtin_prefetch((const void *)((uintptr_t)p + (uintptr_t)ahead), 0);
}

/* m pieces of L bytes, stride apart in the user's buffer at p, to or from
 * the packed bytes at mem. */
#define RUN(L)                                                                           \
    do {                                                                                 \
        if (far && dir == PACK)                                                          \
            for (size_t k = 0; k < m; k++, p += stride, mem += (L)) {                    \
                prefetch(p, AHEAD *stride);                                              \
                memcpy(mem, p, (L));                                                     \
            }                                                                            \
        else if (dir == PACK)                                                            \
            for (size_t k = 0; k < m; k++, p += stride, mem += (L))                      \
                memcpy(mem, p, (L));                                                     \
        else                                                                             \
            for (size_t k = 0; k < m; k++, p += stride, mem += (L))                      \
                memcpy(p, mem, (L));                                                     \
    } while (0)

static void run_copy(char *p, long stride, char *mem, size_t len, size_t m, enum dir dir)
{
    bool far = m > AHEAD && (stride > FAR || stride < -FAR);
    switch (len) {
    case 1:
        RUN(1);
        break;
    case 2:
        RUN(2);
        break;
    case 4:
        RUN(4);
        break;
    case 8:
        RUN(8);
        break;
    case 16:
        RUN(16);
        break;
    default:
        RUN(len);
        break;
    }
}

/* One piece of a flat type: sizes of basic types and small structs inline. */
static inline void copy_piece(char *dst, const char *src, size_t len)
{
    switch (len) {
    case 1:
        memcpy(dst, src, 1);
        break;
    case 2:
        memcpy(dst, src, 2);
        break;
    case 4:
        memcpy(dst, src, 4);
        break;
    case 8:
        memcpy(dst, src, 8);
        break;
    case 12:
        memcpy(dst, src, 12);
        break;
    case 16:
        memcpy(dst, src, 16);
        break;
    case 24:
        memcpy(dst, src, 24);
        break;
    case 32:
        memcpy(dst, src, 32);
        break;
    default:
        memcpy(dst, src, len);
        break;
    }
}

static void copy(char *p, char *mem, size_t len, enum dir dir)
{
    if (dir == PACK)
        memcpy(mem, p, len);
    else if (dir == UNPACK)
        memcpy(p, mem, len);
}

void ipc__mpi_cursor_init(struct ipc__mpi_cursor *c, const void *buf, size_t count,
                          const struct ipc__mpi_type *t)
{
    c->t = t;
    c->buf = (char *)buf;
    c->count = count;
    c->elem = 0;
    c->off = 0;
    c->depth = 0;
}

/* After a piece of frame f: the next one, block or entry. */
static void next_piece(struct ipc__mpi_frame *f)
{
    const struct ipc__mpi_entry *en = &f->t->entries[f->e];
    if (++f->j < en->blocklen)
        return;
    f->j = 0;
    if (++f->i < en->count)
        return;
    f->i = 0;
    f->e++;
}

/* Whole elements of a flat type (every entry one leaf piece). */
static size_t move_flat(struct ipc__mpi_cursor *c, char *mem, size_t nel, enum dir dir)
{
    const struct ipc__mpi_type *t = c->t;
    const struct ipc__mpi_entry *first = t->entries, *end = first + t->nentries;
    char *e = c->buf + (long)c->elem * t->extent;
    c->elem += nel;
    if (dir == SKIP)
        return nel * t->size;
    for (size_t k = 0; k < nel; k++, e += t->extent) {
        for (const struct ipc__mpi_entry *en = first; en < end; mem += en->len, en++) {
            if (dir == PACK)
                copy_piece(mem, e + en->disp, en->len);
            else
                copy_piece(e + en->disp, mem, en->len);
        }
    }
    return nel * t->size;
}

/* At a leaf of frame f: as many whole pieces as `left` bytes hold, in one
 * run. Returns the bytes moved. */
static size_t move_run(struct ipc__mpi_frame *f, char *p, char *mem, size_t left,
                       enum dir dir)
{
    const struct ipc__mpi_entry *en = &f->t->entries[f->e];
    size_t avail = left / en->len, m;
    if (en->blocklen == 1) {
        m = min_z(avail, en->count - f->i);
        if (dir != SKIP)
            run_copy(p, en->stride, mem, en->len, m, dir);
        if ((f->i += m) == en->count) {
            f->i = 0;
            f->e++;
        }
    } else {
        m = min_z(avail, en->blocklen - f->j);
        if (dir != SKIP)
            run_copy(p, en->bstride, mem, en->len, m, dir);
        if ((f->j += m) == en->blocklen) {
            f->j = en->blocklen - 1;
            next_piece(f);
        }
    }
    return m * en->len;
}

/* The next n packed bytes to (PACK) or from (UNPACK) mem, or past them. */
static size_t move(struct ipc__mpi_cursor *c, char *mem, size_t n, enum dir dir)
{
    const struct ipc__mpi_type *t = c->t;
    if (t->contig) {
        size_t k = min_z(n, c->count * t->size - c->off);
        copy(c->buf + c->off, mem, k, dir);
        c->off += k;
        return k;
    }
    size_t done = 0;
    if (!t->size)
        return 0;
    while (done < n) {
        if (c->depth == 0) {
            if (c->elem == c->count)
                break;
            size_t whole = min_z((n - done) / t->size, c->count - c->elem);
            if (t->flat && whole) {
                done += move_flat(c, mem + done, whole, dir);
                continue;
            }
            c->f[0] =
                (struct ipc__mpi_frame){t, c->buf + (long)c->elem * t->extent, 0, 0, 0};
            c->depth = 1;
        }
        struct ipc__mpi_frame *f = &c->f[c->depth - 1];
        if (f->e == f->t->nentries) {
            if (--c->depth == 0)
                c->elem++;
            else
                next_piece(&c->f[c->depth - 1]);
            continue;
        }
        const struct ipc__mpi_entry *en = &f->t->entries[f->e];
        char *p = f->base + en->disp + (long)f->i * en->stride + (long)f->j * en->bstride;
        if (en->child) {
            c->f[c->depth++] = (struct ipc__mpi_frame){en->child, p, 0, 0, 0};
            continue;
        }
        size_t left = n - done;
        if (c->off || left < en->len) { /* a piece cut by either end */
            size_t k = min_z(en->len - c->off, left);
            copy(p + c->off, mem + done, k, dir);
            done += k;
            if ((c->off += k) == en->len) {
                c->off = 0;
                next_piece(f);
            }
            continue;
        }
        done += move_run(f, p, mem + done, left, dir);
    }
    return done;
}

size_t ipc__mpi_cursor_pack(struct ipc__mpi_cursor *c, void *dst, size_t n)
{
    return move(c, dst, n, PACK);
}

size_t ipc__mpi_cursor_unpack(struct ipc__mpi_cursor *c, const void *src, size_t n)
{
    return move(c, (char *)src, n, UNPACK);
}

void ipc__mpi_cursor_seek(struct ipc__mpi_cursor *c, size_t offset)
{
    static char nowhere[1]; /* mem for SKIP, never read or written */
    ipc__mpi_cursor_init(c, c->buf, c->count, c->t);
    if (c->t->contig) {
        c->off = min_z(offset, c->count * c->t->size);
        return;
    }
    if (!c->t->size)
        return;
    c->elem = min_z(offset / c->t->size, c->count);
    if (c->elem < c->count)
        move(c, nowhere, offset % c->t->size, SKIP);
}

void ipc__mpi_pack(void *dst, const void *src, size_t count,
                   const struct ipc__mpi_type *t)
{
    struct ipc__mpi_cursor c;
    ipc__mpi_cursor_init(&c, src, count, t);
    move(&c, dst, count * t->size, PACK);
}

void ipc__mpi_unpack(void *dst, const void *src, size_t count,
                     const struct ipc__mpi_type *t)
{
    struct ipc__mpi_cursor c;
    ipc__mpi_cursor_init(&c, dst, count, t);
    move(&c, (char *)src, count * t->size, UNPACK);
}

/* ---- counting basic elements ---- */

static size_t basic_size(int basic)
{
    return ipc__mpi_predef(basic)->size;
}

/* Basic elements of one element of t. */
static size_t nbasic(const struct ipc__mpi_type *t)
{
    size_t n = 0;
    for (size_t k = 0; k < t->nentries; k++) {
        const struct ipc__mpi_entry *e = &t->entries[k];
        size_t per = e->child ? nbasic(e->child) : e->len / basic_size(e->basic);
        n += e->count * e->blocklen * per;
    }
    return n;
}

/* Basic elements in the first `rest` (< size) packed bytes of an element. */
static size_t elements_in(const struct ipc__mpi_type *t, size_t rest, bool *exact)
{
    size_t n = 0;
    for (size_t k = 0; k < t->nentries && rest; k++) {
        const struct ipc__mpi_entry *e = &t->entries[k];
        size_t piece = e->child ? e->child->size : e->len;
        size_t per = e->child ? nbasic(e->child) : e->len / basic_size(e->basic);
        size_t whole = min_z(rest / piece, e->count * e->blocklen);
        n += whole * per;
        rest -= whole * piece;
        if (whole == e->count * e->blocklen || !rest)
            continue;
        if (e->child) {
            n += elements_in(e->child, rest, exact);
        } else {
            n += rest / basic_size(e->basic);
            *exact = rest % basic_size(e->basic) == 0;
        }
        rest = 0;
    }
    return n;
}

size_t ipc__mpi_elements(const struct ipc__mpi_type *t, size_t bytes, bool *exact)
{
    *exact = true;
    if (!t->size)
        return 0;
    return bytes / t->size * nbasic(t) + elements_in(t, bytes % t->size, exact);
}

/* ---- views ---- */

static int view_check(long count, const struct ipc__mpi_type *t)
{
    size_t bytes;
    if (!t || !t->committed)
        return MPI_ERR_TYPE;
    if (count < 0 || __builtin_mul_overflow((size_t)count, t->size, &bytes) ||
        bytes > LONG_MAX)
        return MPI_ERR_COUNT; /* negative, or more bytes than memory has */
    return MPI_SUCCESS;
}

/* A packed copy of count elements of t for v (packed from buf when load). */
static int view_copy(struct ipc__mpi_view *v, const void *buf, long count,
                     struct ipc__mpi_type *t, bool load)
{
    if (!(v->tmp = v->p = malloc(v->bytes ? v->bytes : 1)))
        return MPI_ERR_NO_MEM;
    v->t = t;
    ipc__mpi_type_ref(t);
    if (load)
        ipc__mpi_pack(v->tmp, buf, (size_t)count, t);
    return MPI_SUCCESS;
}

int ipc__mpi_view_in_slow(struct ipc__mpi_view *v, const void *buf, long count,
                          struct ipc__mpi_type *t)
{
    int rc = view_check(count, t);
    if (rc != MPI_SUCCESS)
        return rc;
    *v = (struct ipc__mpi_view){.p = (void *)buf, .bytes = (size_t)count * t->size};
    if (t->contig || buf == MPI_IN_PLACE)
        return MPI_SUCCESS;
    return view_copy(v, buf, count, t, true);
}

int ipc__mpi_view_out_slow(struct ipc__mpi_view *v, void *buf, long count,
                           struct ipc__mpi_type *t, bool preload)
{
    int rc = view_check(count, t);
    if (rc != MPI_SUCCESS)
        return rc;
    *v = (struct ipc__mpi_view){.p = buf, .bytes = (size_t)count * t->size};
    if (t->contig)
        return MPI_SUCCESS;
    return view_copy(v, buf, count, t, preload);
}

void ipc__mpi_view_done_slow(struct ipc__mpi_view *v, void *buf, size_t bytes, bool unpack)
{
    if (unpack && v->t->size) {
        struct ipc__mpi_cursor c;
        ipc__mpi_cursor_init(&c, buf, v->bytes / v->t->size, v->t);
        move(&c, v->tmp, min_z(bytes, v->bytes), UNPACK);
    }
    free(v->tmp);
    v->tmp = NULL;
    ipc__mpi_type_unref(v->t);
    v->t = NULL;
}

/* ---- the target side of one-sided operations ---- */

/* The runs found so far; `at` is the target byte where the element being
 * walked starts. */
struct runs {
    struct ipc__rma_blk *blk;
    size_t n, cap, bytes;
    long at;
    int rc;
};

/* len bytes at rel from the element's start, after those found so far. */
static void runs_add(struct runs *r, long rel, size_t len)
{
    long off;
    if (!len || r->rc != MPI_SUCCESS)
        return;
    if (__builtin_add_overflow(r->at, rel, &off) || off < 0 ||
        len > (size_t)LONG_MAX - (size_t)off) {
        r->rc = MPI_ERR_RMA_RANGE;
        return;
    }
    r->bytes += len;
    struct ipc__rma_blk *last = r->n ? &r->blk[r->n - 1] : NULL;
    if (last && last->off + last->len == (uint64_t)off) {
        last->len += len;
        return;
    }
    if (r->n == r->cap) {
        size_t cap = r->cap ? 2 * r->cap : 16;
        struct ipc__rma_blk *grown = realloc(r->blk, cap * sizeof *grown);
        if (!grown) {
            r->rc = MPI_ERR_NO_MEM;
            return;
        }
        r->blk = grown;
        r->cap = cap;
    }
    r->blk[r->n++] = (struct ipc__rma_blk){.off = (uint64_t)off, .len = len};
}

/* One element of t whose origin is rel bytes from the element's start: the
 * cursor's walk (entries, blocks, pieces), without moving any byte. Offsets
 * within a type fit a long (the constructors refuse types whose do not). */
static void runs_walk(struct runs *r, const struct ipc__mpi_type *t, long rel)
{
    if (t->contig) {
        runs_add(r, rel, t->size);
        return;
    }
    for (size_t k = 0; k < t->nentries && r->rc == MPI_SUCCESS; k++) {
        const struct ipc__mpi_entry *e = &t->entries[k];
        for (size_t i = 0; i < e->count; i++) {
            for (size_t j = 0; j < e->blocklen; j++) {
                long p = rel + e->disp + (long)i * e->stride + (long)j * e->bstride;
                if (e->child)
                    runs_walk(r, e->child, p);
                else
                    runs_add(r, p, e->len);
            }
        }
    }
}

int ipc__mpi_flatten(const struct ipc__mpi_type *t, size_t count, long at,
                     struct ipc__rma_blk **blk, size_t *nblk, size_t *bytes)
{
    struct runs r = {.at = at, .rc = MPI_SUCCESS};
    size_t total;
    if (t->contig) { /* one run, however many elements */
        if (__builtin_mul_overflow(count, t->size, &total))
            r.rc = MPI_ERR_RMA_RANGE;
        runs_add(&r, 0, total);
    }
    for (size_t k = 0; !t->contig && k < count && r.rc == MPI_SUCCESS; k++) {
        long step;
        if (__builtin_mul_overflow((long)k, t->extent, &step) ||
            __builtin_add_overflow(at, step, &r.at))
            r.rc = MPI_ERR_RMA_RANGE;
        runs_walk(&r, t, 0);
    }
    if (r.rc != MPI_SUCCESS) {
        free(r.blk);
        return r.rc;
    }
    *blk = r.blk;
    *nblk = r.n;
    *bytes = r.bytes;
    return MPI_SUCCESS;
}

/* ---- MPI_Pack and MPI_Unpack ---- */

/* Checks of the pack calls: count elements of type into or out of a buffer
 * of `room` bytes at *position. Sets *t and *bytes. */
static int pack_check(MPI_Comm comm, int count, MPI_Datatype type, const void *buf,
                      long room, const void *position, long pos,
                      const struct ipc__mpi_type **t, size_t *bytes)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc != MPI_SUCCESS)
        return rc;
    rc = view_check(count, *t = ipc__mpi_type(type));
    if (rc != MPI_SUCCESS)
        return rc;
    *bytes = (size_t)count * (*t)->size;
    if (!position || room < 0 || (*bytes && !buf))
        return MPI_ERR_ARG;
    if (pos < 0 || (size_t)pos + *bytes > (size_t)room)
        return MPI_ERR_TRUNCATE;
    return MPI_SUCCESS;
}

int MPI_Pack(const void *inbuf, int incount, MPI_Datatype type, void *outbuf, int outsize,
             int *position, MPI_Comm comm)
{
    const struct ipc__mpi_type *t;
    size_t bytes;
    int rc = pack_check(comm, incount, type, outbuf, outsize, position,
                        position ? *position : 0, &t, &bytes);
    if (rc == MPI_SUCCESS && bytes) {
        ipc__mpi_pack((char *)outbuf + *position, inbuf, (size_t)incount, t);
        *position += (int)bytes;
    }
    IPC__MPI_RET(comm, rc);
}

int MPI_Unpack(const void *inbuf, int insize, int *position, void *outbuf, int outcount,
               MPI_Datatype type, MPI_Comm comm)
{
    const struct ipc__mpi_type *t;
    size_t bytes;
    int rc = pack_check(comm, outcount, type, inbuf, insize, position,
                        position ? *position : 0, &t, &bytes);
    if (rc == MPI_SUCCESS && bytes) {
        ipc__mpi_unpack(outbuf, (const char *)inbuf + *position, (size_t)outcount, t);
        *position += (int)bytes;
    }
    IPC__MPI_RET(comm, rc);
}

int MPI_Pack_size(int incount, MPI_Datatype type, MPI_Comm comm, int *size)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    const struct ipc__mpi_type *t = ipc__mpi_type(type);
    if (rc == MPI_SUCCESS)
        rc = !t ? MPI_ERR_TYPE : incount < 0 ? MPI_ERR_COUNT : !size ? MPI_ERR_ARG : rc;
    if (rc == MPI_SUCCESS && (size_t)incount * t->size > INT32_MAX)
        rc = MPI_ERR_COUNT;
    if (rc == MPI_SUCCESS)
        *size = incount * (int)t->size;
    IPC__MPI_RET(comm, rc);
}

/* ---- external32 (MPI-3.1 13.5.2): big-endian, fixed sizes ---- */

enum ext_kind { EXT_SIGNED, EXT_UNSIGNED, EXT_FLOAT, EXT_LDOUBLE };

/* How a basic type is represented in external32: kind, bytes of one
 * component, components (2 for complex). */
static void ext_info(int basic, enum ext_kind *kind, size_t *esize, size_t *ncomp)
{
    *ncomp = 1;
    *kind = EXT_SIGNED;
    switch (basic) {
    case MPI_UNSIGNED_CHAR:
    case MPI_BYTE:
    case MPI_UINT8_T:
    case MPI_PACKED:
    case MPI_C_BOOL:
    case MPI_CXX_BOOL:
        *kind = EXT_UNSIGNED;
        *esize = 1;
        return;
    case MPI_CHAR:
    case MPI_SIGNED_CHAR:
    case MPI_INT8_T:
    case MPI_INTEGER1:
    case MPI_CHARACTER:
        *esize = 1;
        return;
    case MPI_UNSIGNED_SHORT:
    case MPI_UINT16_T:
        *kind = EXT_UNSIGNED;
        *esize = 2;
        return;
    case MPI_SHORT:
    case MPI_INT16_T:
    case MPI_INTEGER2:
        *esize = 2;
        return;
    case MPI_UNSIGNED:
    case MPI_UINT32_T:
    case MPI_UNSIGNED_LONG:
        *kind = EXT_UNSIGNED;
        *esize = 4;
        return;
    case MPI_INT:
    case MPI_INT32_T:
    case MPI_INTEGER:
    case MPI_INTEGER4:
    case MPI_LOGICAL:
    case MPI_WCHAR:
    case MPI_LONG:
        *esize = 4;
        return;
    case MPI_UNSIGNED_LONG_LONG:
    case MPI_UINT64_T:
        *kind = EXT_UNSIGNED;
        *esize = 8;
        return;
    case MPI_FLOAT:
    case MPI_REAL:
    case MPI_REAL4:
        *kind = EXT_FLOAT;
        *esize = 4;
        return;
    case MPI_DOUBLE:
    case MPI_DOUBLE_PRECISION:
    case MPI_REAL8:
        *kind = EXT_FLOAT;
        *esize = 8;
        return;
    case MPI_LONG_DOUBLE:
        *kind = EXT_LDOUBLE;
        *esize = 16;
        return;
    case MPI_C_COMPLEX:
    case MPI_C_FLOAT_COMPLEX:
    case MPI_CXX_FLOAT_COMPLEX:
    case MPI_COMPLEX:
        *kind = EXT_FLOAT;
        *esize = 4;
        *ncomp = 2;
        return;
    case MPI_C_DOUBLE_COMPLEX:
    case MPI_CXX_DOUBLE_COMPLEX:
    case MPI_DOUBLE_COMPLEX:
        *kind = EXT_FLOAT;
        *esize = 8;
        *ncomp = 2;
        return;
    case MPI_C_LONG_DOUBLE_COMPLEX:
    case MPI_CXX_LONG_DOUBLE_COMPLEX:
        *kind = EXT_LDOUBLE;
        *esize = 16;
        *ncomp = 2;
        return;
    default: /* MPI_LONG_LONG, MPI_INT64_T, MPI_INTEGER8, MPI_AINT, MPI_OFFSET, MPI_COUNT
              */
        *esize = 8;
        return;
    }
}

static void reverse(unsigned char *dst, const unsigned char *src, size_t n)
{
    for (size_t k = 0; k < n; k++)
        dst[k] = src[n - 1 - k];
}

/* One component: native (nsize bytes at nat) <-> external (esize at ext). */
static void ext_convert(enum ext_kind kind, char *nat, size_t nsize, unsigned char *ext,
                        size_t esize, bool pack)
{
    if (kind == EXT_LDOUBLE) {
#if defined(__SIZEOF_FLOAT128__) && __LDBL_MANT_DIG__ == 64 /* x87: convert */
        long double ld;
        __float128 q;
        if (pack) {
            memcpy(&ld, nat, sizeof ld);
            q = (__float128)ld;
            reverse(ext, (unsigned char *)&q, 16);
        } else {
            reverse((unsigned char *)&q, ext, 16);
            ld = (long double)q;
            memcpy(nat, &ld, sizeof ld);
        }
        return;
#endif
    }
    if (kind == EXT_FLOAT || kind == EXT_LDOUBLE) {
        if (pack)
            reverse(ext, (unsigned char *)nat, esize);
        else
            reverse((unsigned char *)nat, ext, esize);
        return;
    }
    /* Integers: through 64 bits, truncated or extended (MPI_LONG is 4 bytes). */
    uint64_t v = 0;
    if (pack) {
        unsigned char le[8];
        memcpy(le, nat, nsize);
        bool neg = kind == EXT_SIGNED && (le[nsize - 1] & 0x80);
        for (size_t k = 0; k < 8; k++)
            v |= (uint64_t)(k < nsize ? le[k] : neg ? 0xff : 0) << (8 * k);
        for (size_t k = 0; k < esize; k++)
            ext[esize - 1 - k] = (unsigned char)(v >> (8 * k));
        return;
    }
    bool neg = kind == EXT_SIGNED && (ext[0] & 0x80);
    for (size_t k = 0; k < 8; k++)
        v |= (uint64_t)(k < esize ? ext[esize - 1 - k] : neg ? 0xff : 0) << (8 * k);
    for (size_t k = 0; k < nsize; k++)
        ((unsigned char *)nat)[k] = (unsigned char)(v >> (8 * k));
}

/* external32 bytes of one element of t. */
static size_t ext_size(const struct ipc__mpi_type *t)
{
    size_t n = 0;
    for (size_t k = 0; k < t->nentries; k++) {
        const struct ipc__mpi_entry *e = &t->entries[k];
        size_t per;
        if (e->child) {
            per = ext_size(e->child);
        } else {
            enum ext_kind kind;
            size_t esize, ncomp;
            ext_info(e->basic, &kind, &esize, &ncomp);
            per = e->len / basic_size(e->basic) * esize * ncomp;
        }
        n += e->count * e->blocklen * per;
    }
    return n;
}

/* One element of t at base, to or from external32 at *ext (advanced). */
static void ext_walk(const struct ipc__mpi_type *t, char *base, unsigned char **ext,
                     bool pack)
{
    for (size_t k = 0; k < t->nentries; k++) {
        const struct ipc__mpi_entry *e = &t->entries[k];
        enum ext_kind kind = EXT_SIGNED;
        size_t esize = 0, ncomp = 1, nsize = 0;
        if (!e->child) {
            ext_info(e->basic, &kind, &esize, &ncomp);
            nsize = basic_size(e->basic) / ncomp;
        }
        for (size_t i = 0; i < e->count; i++) {
            for (size_t j = 0; j < e->blocklen; j++) {
                char *p = base + e->disp + (long)i * e->stride + (long)j * e->bstride;
                if (e->child) {
                    ext_walk(e->child, p, ext, pack);
                    continue;
                }
                for (size_t b = 0; b < e->len; b += nsize, *ext += esize)
                    ext_convert(kind, p + b, nsize, *ext, esize, pack);
            }
        }
    }
}

static int ext_check(const char *datarep)
{
    return datarep && !strcmp(datarep, "external32") ? MPI_SUCCESS : MPI_ERR_ARG;
}

/* The MPI_Pack_external family's checks: count elements of type, in
 * external32 *bytes, into or out of `room` bytes at *position. */
static int ext_check_all(const char *datarep, int count, MPI_Datatype type,
                         const void *buf, MPI_Aint room, const MPI_Aint *position,
                         const struct ipc__mpi_type **t, size_t *bytes)
{
    int rc = ext_check(datarep);
    if (rc == MPI_SUCCESS)
        rc = view_check(count, *t = ipc__mpi_type(type));
    if (rc != MPI_SUCCESS)
        return rc;
    *bytes = (size_t)count * ext_size(*t);
    if (!position || room < 0 || (*bytes && !buf))
        return MPI_ERR_ARG;
    if (*position < 0 || (size_t)*position + *bytes > (size_t)room)
        return MPI_ERR_TRUNCATE;
    return MPI_SUCCESS;
}

int MPI_Pack_external(const char datarep[], const void *inbuf, int incount,
                      MPI_Datatype type, void *outbuf, MPI_Aint outsize,
                      MPI_Aint *position)
{
    const struct ipc__mpi_type *t;
    size_t bytes;
    int rc = ext_check_all(datarep, incount, type, outbuf, outsize, position, &t, &bytes);
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    unsigned char *ext = (unsigned char *)outbuf + *position;
    for (int k = 0; k < incount; k++)
        ext_walk(t, (char *)inbuf + (long)k * t->extent, &ext, true);
    *position += (MPI_Aint)bytes;
    return MPI_SUCCESS;
}

int MPI_Unpack_external(const char datarep[], const void *inbuf, MPI_Aint insize,
                        MPI_Aint *position, void *outbuf, int outcount, MPI_Datatype type)
{
    const struct ipc__mpi_type *t;
    size_t bytes;
    int rc = ext_check_all(datarep, outcount, type, inbuf, insize, position, &t, &bytes);
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    unsigned char *ext = (unsigned char *)inbuf + *position;
    for (int k = 0; k < outcount; k++)
        ext_walk(t, (char *)outbuf + (long)k * t->extent, &ext, false);
    *position += (MPI_Aint)bytes;
    return MPI_SUCCESS;
}

int MPI_Pack_external_size(const char datarep[], int incount, MPI_Datatype type,
                           MPI_Aint *size)
{
    const struct ipc__mpi_type *t = ipc__mpi_type(type);
    int rc = ext_check(datarep);
    if (rc == MPI_SUCCESS)
        rc = !t ? MPI_ERR_TYPE : incount < 0 ? MPI_ERR_COUNT : !size ? MPI_ERR_ARG : rc;
    if (rc == MPI_SUCCESS)
        *size = (MPI_Aint)((size_t)incount * ext_size(t));
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}
