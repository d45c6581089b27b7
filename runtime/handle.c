/*
 * handle.c - the slow half of handle tables (handle.h): growing and freeing.
 */
#include <stdlib.h>

#include "handle.h"

/* A handle is a pointer-sized value, and its two halves a whole number of
 * bits: the public request types stay pointer types. */
_Static_assert(sizeof(uintptr_t) == sizeof(void *), "a handle is held in a pointer");
_Static_assert(sizeof(uintptr_t) % 2 == 0, "a handle is index and generation halves");

struct ipc__hslot *ipc__htab_grow(struct ipc__htab *t)
{
    /* Every index + 1 must fit in the low half (0 is no slot). */
    if (t->nslots + IPC__HTAB_CHUNK > IPC__HANDLE_INDEX_MASK)
        return NULL;
    size_t nchunks = t->nslots / IPC__HTAB_CHUNK;
    if (nchunks == t->cap) {
        size_t cap = t->cap ? 2 * t->cap : 8;
        char **grown = realloc(t->chunks, cap * sizeof *grown);
        if (!grown)
            return NULL;
        t->chunks = grown;
        t->cap = cap;
    }
    char *chunk = malloc(IPC__HTAB_CHUNK * t->size);
    if (!chunk)
        return NULL;
    t->chunks[nchunks] = chunk;
    /* Pushed from the last, so that the free list hands out the first first. */
    for (size_t k = IPC__HTAB_CHUNK; k-- > 0;) {
        struct ipc__hslot *s = (struct ipc__hslot *)(chunk + k * t->size);
        s->handle = t->nslots + k + 1; /* generation 0: free */
        s->next_free = t->free;
        t->free = s;
    }
    t->nslots += IPC__HTAB_CHUNK;
    return ipc__htab_alloc(t);
}

void ipc__htab_fini(struct ipc__htab *t)
{
    for (size_t c = 0; c < t->nslots / IPC__HTAB_CHUNK; c++)
        free(t->chunks[c]);
    free(t->chunks);
    *t = (struct ipc__htab){.size = t->size};
}
