/*
 * fuzz_kv.c - the key/values a rank gets from ipcrun at the end of a fence
 * (FENCE_DONE: "key\0value\0"...), looked up with ipc__kv_lookup
 * (runtime/wireup.c). Input: 1 byte of key length (0..63), the key, then the
 * blob. A value found must lie in the blob and end there.
 */
#include "fuzz.h"
#include "internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t klen = data[0] % 64;
    data++, size--;
    if (klen > size)
        klen = size;
    char *key = fuzz_string(data, klen);
    char *blob = fuzz_copy(data + klen, size - klen);
    size_t len = size - klen;
    if (key && blob) {
        const char *v = ipc__kv_lookup(blob, len, key);
        if (v &&
            (v <= blob || v >= blob + len || !memchr(v, '\0', (size_t)(blob + len - v))))
            fuzz_fail("a value outside the blob, or not ended in it");
        /* The first well-formed pair of that key is what it finds. */
        if (v && (strcmp(v - 1 - strlen(key), key) != 0 || v[-1] != '\0'))
            fuzz_fail("a value not under its key");
    }
    free(key);
    free(blob);
    return 0;
}
