/* auth.c - the job secret and the connection hello (see auth.h). */
#include "auth.h"

#include <string.h>

/*
 * Layout of a hello (48 bytes, big-endian):
 *   0  uint32 magic    IPC__HELLO_MAGIC
 *   4  uint16 version  IPC__HELLO_VERSION
 *   6  uint16 kind     enum ipc__hello_kind
 *   8  int32  rank     the sender's rank in the job
 *  12  uint32 zero     reserved
 *  16  32 bytes        the job secret
 */
enum { OFF_MAGIC = 0, OFF_VERSION = 4, OFF_KIND = 6, OFF_RANK = 8, OFF_SECRET = 16 };
_Static_assert(OFF_SECRET + IPC__SECRET_BYTES == IPC__HELLO_SIZE, "hello layout");

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

int ipc__secret_parse(const char *hex, unsigned char out[IPC__SECRET_BYTES])
{
    if (!hex || strlen(hex) != IPC__SECRET_HEX)
        return -1;
    for (int i = 0; i < IPC__SECRET_BYTES; i++) {
        int hi = hex_digit(hex[2 * i]), lo = hex_digit(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return -1;
        out[i] = (unsigned char)(hi << 4 | lo);
    }
    return 0;
}

bool ipc__secret_equal(const unsigned char a[IPC__SECRET_BYTES],
                       const unsigned char b[IPC__SECRET_BYTES])
{
    /* volatile: the compiler must not turn this into an early-exit loop. */
    volatile unsigned char diff = 0;
    for (int i = 0; i < IPC__SECRET_BYTES; i++)
        diff |= a[i] ^ b[i];
    return diff == 0;
}

static void put_be(unsigned char *p, uint32_t v, int bytes)
{
    for (int i = bytes - 1; i >= 0; i--, v >>= 8)
        p[i] = (unsigned char)v;
}

static uint32_t get_be(const unsigned char *p, int bytes)
{
    uint32_t v = 0;
    for (int i = 0; i < bytes; i++)
        v = v << 8 | p[i];
    return v;
}

void ipc__hello_encode(unsigned char out[IPC__HELLO_SIZE], enum ipc__hello_kind kind,
                       int32_t rank, const unsigned char secret[IPC__SECRET_BYTES])
{
    memset(out, 0, IPC__HELLO_SIZE);
    put_be(out + OFF_MAGIC, IPC__HELLO_MAGIC, 4);
    put_be(out + OFF_VERSION, IPC__HELLO_VERSION, 2);
    put_be(out + OFF_KIND, (uint32_t)kind, 2);
    put_be(out + OFF_RANK, (uint32_t)rank, 4);
    memcpy(out + OFF_SECRET, secret, IPC__SECRET_BYTES);
}

enum ipc__hello_verdict ipc__hello_check(const unsigned char in[IPC__HELLO_SIZE],
                                         enum ipc__hello_kind kind,
                                         const unsigned char secret[IPC__SECRET_BYTES],
                                         int32_t *rank)
{
    if (get_be(in + OFF_MAGIC, 4) != IPC__HELLO_MAGIC)
        return IPC__HELLO_NOT_IPC;
    if (get_be(in + OFF_VERSION, 2) != IPC__HELLO_VERSION)
        return IPC__HELLO_BAD_VERSION;
    /* The secret before anything else a stranger could learn from. */
    if (!ipc__secret_equal(in + OFF_SECRET, secret))
        return IPC__HELLO_BAD_SECRET;
    if (get_be(in + OFF_KIND, 2) != (uint32_t)kind)
        return IPC__HELLO_BAD_KIND;
    *rank = (int32_t)get_be(in + OFF_RANK, 4);
    return IPC__HELLO_OK;
}

const char *ipc__hello_verdict_text(enum ipc__hello_verdict v)
{
    switch (v) {
    case IPC__HELLO_OK:
        return "ok";
    case IPC__HELLO_NOT_IPC:
        return "not an ipc rank (bad magic)";
    case IPC__HELLO_BAD_VERSION:
        return "another wire version";
    case IPC__HELLO_BAD_KIND:
        return "unexpected hello kind";
    case IPC__HELLO_BAD_SECRET:
        return "wrong job secret";
    }
    return "unknown";
}
