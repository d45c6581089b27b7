/* wireup.c - the rank's side of the key/value exchange, over whichever
 * bootstrap started it (boot/boot.h). */
#include <string.h>

#include "boot/boot.h"
#include "internal.h"

int ipc__kv_put(const char *key, const char *value)
{
    return ipc__g.job.boot->put(key, value);
}

int ipc__kv_fence(void)
{
    return ipc__g.job.boot->fence();
}

const char *ipc__kv_get(const char *key, int from)
{
    return ipc__g.job.boot->get(key, from);
}

const char *ipc__kv_lookup(const char *blob, size_t len, const char *key)
{
    const char *p = blob, *end = blob + len;
    while (p < end) {
        const char *k = p;
        const char *v = memchr(k, '\0', (size_t)(end - k));
        if (!v || ++v >= end)
            return NULL;
        const char *vend = memchr(v, '\0', (size_t)(end - v));
        if (!vend)
            return NULL;
        if (!strcmp(k, key))
            return v;
        p = vend + 1;
    }
    return NULL;
}
