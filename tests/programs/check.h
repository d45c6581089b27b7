/*
 * check.h - helpers shared by the test programs in tests/programs/.
 *
 * Each program is one test run under ipcrun. The contract with the
 * integration scripts: exit 0 when every check passed; otherwise print one
 * line "<program>: rank R: what was expected and what happened" on stderr and
 * exit 1, which the launcher turns into the job's exit status.
 */
#ifndef IPC_TEST_CHECK_H
#define IPC_TEST_CHECK_H

#include <ipc.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *t_prog = "test";
static int t_rank = -1;
static int t_size = 0;

__attribute__((format(printf, 1, 2), noreturn)) static inline void t_fail(const char *fmt, ...)
{
    va_list ap;
    fflush(stdout);
    fprintf(stderr, "%s: rank %d: ", t_prog, t_rank);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    exit(1);
}

static inline void t_check_call(int err, const char *expr, int line)
{
    if (err != IPC_SUCCESS)
        t_fail("line %d: %s returned %s (%s)", line, expr, ipc_errname(err),
               ipc_strerror(err));
}

static inline void t_check_err(int got, int want, const char *expr, int line)
{
    if (got != want)
        t_fail("line %d: %s returned %s, expected %s", line, expr, ipc_errname(got),
               ipc_errname(want));
}

/* Fails the test unless the call returns IPC_SUCCESS. */
#define T_OK(call) t_check_call((call), #call, __LINE__)
/* Fails the test unless the call returns exactly `want`. */
#define T_ERR(call, want) t_check_err((call), (want), #call, __LINE__)
#define T_ASSERT(cond, ...)                                                             \
    do {                                                                                \
        if (!(cond))                                                                    \
            t_fail(__VA_ARGS__);                                                        \
    } while (0)

/* Joins the job and records this rank for messages. */
static inline void t_init(int *argc, char ***argv, const char *prog)
{
    t_prog = prog;
    T_OK(ipc_init(argc, argv));
    T_OK(ipc_comm_rank(IPC_COMM_WORLD, &t_rank));
    T_OK(ipc_comm_size(IPC_COMM_WORLD, &t_size));
}

static inline void *t_alloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        t_fail("cannot allocate %zu bytes", n);
    return p;
}

/* The byte at `index` of a message of `size` bytes sent by `sender`: a hash,
 * so that a shifted, repeated, dropped or foreign chunk shows up as a
 * mismatch. */
static inline uint8_t t_pattern(size_t size, int sender, size_t index)
{
    uint32_t x = (uint32_t)index * 2654435761u;
    x ^= (uint32_t)size * 40503u + (uint32_t)sender * 977u + (uint32_t)(index >> 16);
    return (uint8_t)(x >> 24 ^ x >> 8);
}

static inline void t_fill(uint8_t *buf, size_t size, int sender)
{
    for (size_t i = 0; i < size; i++)
        buf[i] = t_pattern(size, sender, i);
}

/* Fills with the complement of what a message from `sender` will hold, so
 * that every byte a receive fails to write is caught by t_verify. */
static inline void t_poison(uint8_t *buf, size_t size, int sender)
{
    for (size_t i = 0; i < size; i++)
        buf[i] = (uint8_t)~t_pattern(size, sender, i);
}

/* Checks buf[0..n) against the pattern of a `size`-byte message; n < size
 * checks the part a truncated receive must still fill. */
static inline void t_verify(const uint8_t *buf, size_t n, size_t size, int sender,
                            const char *what)
{
    for (size_t i = 0; i < n; i++) {
        uint8_t want = t_pattern(size, sender, i);
        if (buf[i] != want)
            t_fail("%s: %zu-byte message from rank %d: byte %zu is 0x%02x, expected 0x%02x",
                   what, size, sender, i, buf[i], want);
    }
}

static inline void t_expect_status(const ipc_status *st, int source, int tag, size_t bytes,
                                   const char *what)
{
    size_t count = (size_t)-1;
    T_ASSERT(st->source == source, "%s: status.source is %d, expected %d", what, st->source,
             source);
    T_ASSERT(st->tag == tag, "%s: status.tag is %d, expected %d", what, st->tag, tag);
    T_OK(ipc_get_count(st, IPC_BYTE, &count));
    T_ASSERT(count == bytes, "%s: ipc_get_count gives %zu bytes, expected %zu", what, count,
             bytes);
}

static inline void t_sleep_ms(long ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = ms % 1000 * 1000000L};
    while (nanosleep(&ts, &ts) != 0)
        ;
}

/* The rank this one exchanges with: pairs (0,1), (2,3), ...; an odd last
 * rank is its own partner. */
static inline int t_partner(void)
{
    int peer = t_rank ^ 1;
    return peer < t_size ? peer : t_rank;
}

#endif /* IPC_TEST_CHECK_H */
