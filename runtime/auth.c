/* auth.c - the job secret and the connection handshake (see auth.h). The
 * HMAC is nettle's: no hash function of our own. */
#include "auth.h"

#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include <nettle/hmac.h>
#include <nettle/memops.h>

/*
 * Layout of a handshake message (80 bytes, big-endian):
 *   0  uint32 magic    IPC__HELLO_MAGIC
 *   4  uint16 version  IPC__HELLO_VERSION
 *   6  uint16 kind     enum ipc__hello_kind
 *   8  int32  rank     the sender's rank in the job
 *  12  uint32 zero     reserved, ignored
 *  16  32 bytes        nonce (HELLO, CHALLENGE, CROSSED; zero in PROOF, WELCOME)
 *  48  32 bytes        mac (every kind but HELLO; zero there)
 */
enum { OFF_MAGIC = 0, OFF_VERSION = 4, OFF_KIND = 6, OFF_RANK = 8, OFF_NONCE = 16,
       OFF_MAC = 48 };
_Static_assert(OFF_MAC + IPC__MAC_BYTES == IPC__HELLO_SIZE, "hello layout");
_Static_assert(IPC__MAC_BYTES == SHA256_DIGEST_SIZE, "the mac is an HMAC-SHA256");

/* Names what the mac is of, so that it proves nothing in another protocol. */
static const char mac_label[] = "ipc handshake v3";

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
    return memeql_sec(a, b, IPC__SECRET_BYTES);
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

int ipc__nonce_draw(unsigned char out[IPC__NONCE_BYTES])
{
    size_t got = 0;
    while (got < IPC__NONCE_BYTES) {
        ssize_t n = getrandom(out + got, IPC__NONCE_BYTES - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n < 0 ? -errno : -EIO;
        got += (size_t)n;
    }
    return 0;
}

void ipc__hello_encode(unsigned char out[IPC__HELLO_SIZE], const struct ipc__hello *h)
{
    memset(out, 0, IPC__HELLO_SIZE);
    put_be(out + OFF_MAGIC, IPC__HELLO_MAGIC, 4);
    put_be(out + OFF_VERSION, IPC__HELLO_VERSION, 2);
    put_be(out + OFF_KIND, (uint32_t)h->kind, 2);
    put_be(out + OFF_RANK, (uint32_t)h->rank, 4);
    if (h->kind != IPC__PROOF && h->kind != IPC__WELCOME)
        memcpy(out + OFF_NONCE, h->nonce, IPC__NONCE_BYTES);
    if (h->kind != IPC__HELLO)
        memcpy(out + OFF_MAC, h->mac, IPC__MAC_BYTES);
}

enum ipc__hello_verdict ipc__hello_decode(const unsigned char in[IPC__HELLO_SIZE],
                                          enum ipc__hello_kind kind, struct ipc__hello *out)
{
    if (get_be(in + OFF_MAGIC, 4) != IPC__HELLO_MAGIC)
        return IPC__HELLO_NOT_IPC;
    if (get_be(in + OFF_VERSION, 2) != IPC__HELLO_VERSION)
        return IPC__HELLO_BAD_VERSION;
    if (get_be(in + OFF_KIND, 2) != (uint32_t)kind)
        return IPC__HELLO_BAD_KIND;
    out->kind = kind;
    out->rank = (int32_t)get_be(in + OFF_RANK, 4);
    memcpy(out->nonce, in + OFF_NONCE, IPC__NONCE_BYTES);
    memcpy(out->mac, in + OFF_MAC, IPC__MAC_BYTES);
    return IPC__HELLO_OK;
}

void ipc__handshake_mac(const struct ipc__handshake *hs, enum ipc__hello_kind kind,
                        const unsigned char secret[IPC__SECRET_BYTES],
                        unsigned char out[IPC__MAC_BYTES])
{
    unsigned char head[sizeof mac_label - 1 + 1 + 8];
    memcpy(head, mac_label, sizeof mac_label - 1);
    head[sizeof mac_label - 1] = (unsigned char)kind; /* whose proof: never reflected */
    put_be(head + sizeof mac_label, (uint32_t)hs->connector, 4);
    put_be(head + sizeof mac_label + 4, (uint32_t)hs->acceptor, 4);

    struct hmac_sha256_ctx ctx;
    hmac_sha256_set_key(&ctx, IPC__SECRET_BYTES, secret);
    hmac_sha256_update(&ctx, sizeof head, head);
    hmac_sha256_update(&ctx, IPC__NONCE_BYTES, hs->nonce_c);
    hmac_sha256_update(&ctx, IPC__NONCE_BYTES, hs->nonce_a);
    hmac_sha256_digest(&ctx, IPC__MAC_BYTES, out);
    explicit_bzero(&ctx, sizeof ctx); /* it holds the keyed state */
}

enum ipc__hello_verdict ipc__handshake_verify(const struct ipc__handshake *hs,
                                              enum ipc__hello_kind kind,
                                              const unsigned char secret[IPC__SECRET_BYTES],
                                              const unsigned char mac[IPC__MAC_BYTES])
{
    unsigned char want[IPC__MAC_BYTES];
    ipc__handshake_mac(hs, kind, secret, want);
    bool same = memeql_sec(want, mac, IPC__MAC_BYTES);
    explicit_bzero(want, sizeof want);
    return same ? IPC__HELLO_OK : IPC__HELLO_BAD_SECRET;
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
        return "unexpected handshake message";
    case IPC__HELLO_BAD_SECRET:
        return "wrong job secret";
    }
    return "unknown";
}
