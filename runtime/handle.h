/*
 * handle.h - tables of objects that a program names by handles: libipc's
 * requests (p2p.c) and the MPI layer's (runtime/mpi/mpi_p2p.c). Only the
 * public calls see handles; inside the library objects go by pointer.
 *
 * A handle is not an address. Its low half (of a uintptr_t: 32 bits on a
 * 64-bit machine) is the slot's index + 1, its high half the slot's
 * generation, which goes up when an object is put in the slot and again
 * when it dies: odd while a live object holds the handle, even while the
 * slot is free (or its object retired). Decoding bounds the index by the
 * table before it reads anything, then compares the whole handle with the
 * one the slot holds now, and asks for an odd generation. So a stale handle
 * (a copy kept after its request finished, whose slot may hold another
 * request by now) and a forged value are refused, never followed; a stale
 * handle would pass again only after 2^31 (2^15 with 32-bit pointers) lives
 * of its slot. Handles are never 0, the null handle of every kind.
 *
 * Slots sit in chunks that never move, so pointers to objects stay valid as
 * the table grows; a slot freed is reused first (it is warm in the cache).
 * Every call here is a few instructions, without a lock or a system call,
 * but ipc__htab_alloc when it needs a new chunk.
 */
#ifndef IPC_HANDLE_H
#define IPC_HANDLE_H

#include <stddef.h>
#include <stdint.h>

/* The first member of every object kept in a table. */
struct ipc__hslot {
    uintptr_t handle;             /* the handle naming the object now */
    struct ipc__hslot *next_free; /* while the slot is free */
};

struct ipc__htab {
    size_t size;   /* bytes of a slot: the object that begins with its hslot */
    char **chunks; /* IPC__HTAB_CHUNK slots each */
    size_t nslots; /* slots in the chunks: indices below it are valid */
    size_t cap;    /* entries chunks has room for */
    struct ipc__hslot *free;
};

/* A table of objects of type (whose first member is a struct ipc__hslot). */
/* clang-format off */
#define IPC__HTAB_INIT(type) {.size = sizeof(type)}
/* clang-format on */

enum { IPC__HTAB_CHUNK = 128 };
#define IPC__HANDLE_GEN_SHIFT (sizeof(uintptr_t) * 4)
#define IPC__HANDLE_INDEX_MASK (((uintptr_t)1 << IPC__HANDLE_GEN_SHIFT) - 1)
#define IPC__HANDLE_GEN1 ((uintptr_t)1 << IPC__HANDLE_GEN_SHIFT) /* one generation */

/* Adds a chunk of free slots and takes one; NULL when out of memory or
 * when the indices are all used. */
struct ipc__hslot *ipc__htab_grow(struct ipc__htab *t);
/* Frees every chunk: the objects still in them are gone, their handles
 * name nothing. The table may be used again. */
void ipc__htab_fini(struct ipc__htab *t);

/* A slot for a new object, with a handle never given out before (the
 * object's fields other than the hslot are left as they were), or NULL when
 * out of memory. */
static inline struct ipc__hslot *ipc__htab_alloc(struct ipc__htab *t)
{
    struct ipc__hslot *s = t->free;
    if (__builtin_expect(s == NULL, 0))
        return ipc__htab_grow(t);
    t->free = s->next_free;
    s->handle += IPC__HANDLE_GEN1; /* even to odd: live */
    return s;
}

/* The handle of s dies: from now on it names nothing. s stays in use (an
 * object that lives on after the program let go of it), until freed. */
static inline void ipc__hslot_retire(struct ipc__hslot *s)
{
    s->handle += IPC__HANDLE_GEN1; /* odd to even */
}

/* s's object is gone (retired or not): its handle names nothing, the slot
 * is free. */
static inline void ipc__htab_free(struct ipc__htab *t, struct ipc__hslot *s)
{
    s->handle = (s->handle | IPC__HANDLE_GEN1) + IPC__HANDLE_GEN1; /* to the next even */
    s->next_free = t->free;
    t->free = s;
}

/* The slot handle h names, or NULL when it names none of t's objects. Reads
 * no memory outside t, whatever h holds. */
static inline struct ipc__hslot *ipc__htab_get(const struct ipc__htab *t, const void *h)
{
    uintptr_t v = (uintptr_t)h;
    uintptr_t i = (v & IPC__HANDLE_INDEX_MASK) - 1; /* index 0 wraps: refused */
    if (i >= t->nslots)
        return NULL;
    struct ipc__hslot *s = (struct ipc__hslot *)(t->chunks[i / IPC__HTAB_CHUNK] +
                                                 (i % IPC__HTAB_CHUNK) * t->size);
    return s->handle == v && (v & IPC__HANDLE_GEN1) ? s : NULL;
}

static inline void *ipc__hslot_handle(const struct ipc__hslot *s)
{
    return (void *)s->handle;
}

#endif /* IPC_HANDLE_H */
