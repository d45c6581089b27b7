/*
 * fuzz.h - what the fuzz targets (tests/fuzz/fuzz_*.c) share. Each target
 * defines LLVMFuzzerTestOneInput; docs/fuzzing.md says what each covers.
 * A broken rule of a decoder is reported with fuzz_fail, which aborts, so
 * that libFuzzer (make fuzz) and the replay driver (make check) both count
 * it as a crash.
 */
#ifndef IPC_FUZZ_H
#define IPC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Prints "fuzz: <what>" and aborts. */
#define fuzz_fail(...)                                                                   \
    do {                                                                                 \
        fprintf(stderr, "fuzz: " __VA_ARGS__);                                           \
        fputc('\n', stderr);                                                             \
        abort();                                                                         \
    } while (0)

/* The input as a C string (a copy cut at its first NUL), or NULL when out of
 * memory; the caller frees it. */
static inline char *fuzz_string(const uint8_t *data, size_t size)
{
    const uint8_t *nul = memchr(data, '\0', size);
    size_t len = nul ? (size_t)(nul - data) : size;
    char *s = malloc(len + 1);
    if (s) {
        memcpy(s, data, len);
        s[len] = '\0';
    }
    return s;
}

/* An exact-size copy of the input, so that a read past its end is seen by
 * ASan whatever the caller's buffer (NULL when out of memory; a 1-byte
 * block for an empty input). */
static inline char *fuzz_copy(const uint8_t *data, size_t size)
{
    char *p = malloc(size ? size : 1);
    if (p && size)
        memcpy(p, data, size);
    return p;
}

/* The first bytes of the input as a small number, taken off the input. */
static inline unsigned fuzz_take_u16(const uint8_t **data, size_t *size)
{
    unsigned v = 0;
    for (int i = 0; i < 2 && *size; i++, (*data)++, (*size)--)
        v |= (unsigned)**data << (8 * i);
    return v;
}

#endif /* IPC_FUZZ_H */
