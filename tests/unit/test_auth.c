/* test_auth.c - the job secret and the handshake messages that open every
 * connection: parsing IPC_JOB_SECRET, the encoded bytes, the HMAC proofs
 * and every way a message or proof is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "auth.h"

static const char secret_hex[] =
    "00112233445566778899aabbccddeeff0123456789abcdefFEDCBA9876543210";

static void parse(unsigned char out[IPC__SECRET_BYTES], const char *hex)
{
    assert_int_equal(ipc__secret_parse(hex, out), 0);
}

static void secret_parses_hex_of_either_case(void **state)
{
    (void)state;
    unsigned char s[IPC__SECRET_BYTES];
    parse(s, secret_hex);
    assert_int_equal(s[0], 0x00);
    assert_int_equal(s[1], 0x11);
    assert_int_equal(s[15], 0xff);
    assert_int_equal(s[24], 0xfe);
    assert_int_equal(s[31], 0x10);
}

static void bad_secrets_refused(void **state)
{
    (void)state;
    unsigned char s[IPC__SECRET_BYTES];
    char hex[IPC__SECRET_HEX + 2];
    assert_int_equal(ipc__secret_parse(NULL, s), -1);
    assert_int_equal(ipc__secret_parse("", s), -1);
    memcpy(hex, secret_hex, IPC__SECRET_HEX - 2);
    hex[IPC__SECRET_HEX - 2] = '\0'; /* one byte short */
    assert_int_equal(ipc__secret_parse(hex, s), -1);
    snprintf(hex, sizeof hex, "%s0", secret_hex); /* one digit too many */
    assert_int_equal(ipc__secret_parse(hex, s), -1);
    snprintf(hex, sizeof hex, "%s", secret_hex);
    hex[7] = 'g';
    assert_int_equal(ipc__secret_parse(hex, s), -1);
    hex[7] = ' ';
    assert_int_equal(ipc__secret_parse(hex, s), -1);
}

static void secrets_compare_whole(void **state)
{
    (void)state;
    unsigned char a[IPC__SECRET_BYTES], b[IPC__SECRET_BYTES];
    parse(a, secret_hex);
    memcpy(b, a, sizeof a);
    assert_true(ipc__secret_equal(a, b));
    for (int i = 0; i < IPC__SECRET_BYTES; i += 31) { /* first and last byte */
        b[i] ^= 0x80;
        assert_false(ipc__secret_equal(a, b));
        b[i] ^= 0x80;
    }
}

/* A handshake as both ends see it: connector 1, acceptor 0, fixed nonces. */
static struct ipc__handshake fixed_handshake(void)
{
    struct ipc__handshake hs = {.connector = 1, .acceptor = 0};
    for (int i = 0; i < IPC__NONCE_BYTES; i++) {
        hs.nonce_c[i] = (unsigned char)i;
        hs.nonce_a[i] = (unsigned char)(32 + i);
    }
    return hs;
}

static void hex_bytes(const char *hex, unsigned char *out, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned v;
        assert_int_equal(sscanf(hex + 2 * i, "%2x", &v), 1);
        out[i] = (unsigned char)v;
    }
}

static void hello_bytes_are_big_endian(void **state)
{
    (void)state;
    unsigned char h[IPC__HELLO_SIZE];
    struct ipc__hello msg = {.kind = IPC__CHALLENGE, .rank = 0x01020304};
    memset(msg.nonce, 0xAA, sizeof msg.nonce);
    memset(msg.mac, 0x55, sizeof msg.mac);
    ipc__hello_encode(h, &msg);
    static const unsigned char head[16] = {'I', 'P', 'C', 'T', 0, IPC__HELLO_VERSION,
                                           0,   IPC__CHALLENGE, 1, 2, 3, 4, 0, 0, 0, 0};
    assert_memory_equal(h, head, sizeof head);
    assert_memory_equal(h + 16, msg.nonce, IPC__NONCE_BYTES);
    assert_memory_equal(h + 48, msg.mac, IPC__MAC_BYTES);
    /* A HELLO carries no mac, a PROOF no nonce, whatever the struct holds. */
    msg.kind = IPC__HELLO;
    ipc__hello_encode(h, &msg);
    for (int i = 48; i < IPC__HELLO_SIZE; i++)
        assert_int_equal(h[i], 0);
    msg.kind = IPC__PROOF;
    ipc__hello_encode(h, &msg);
    for (int i = 16; i < 48; i++)
        assert_int_equal(h[i], 0);
}

static void decode_gives_back_what_was_encoded(void **state)
{
    (void)state;
    unsigned char h[IPC__HELLO_SIZE];
    struct ipc__hello in = {.kind = IPC__CHALLENGE, .rank = 7}, out;
    for (int i = 0; i < IPC__NONCE_BYTES; i++)
        in.nonce[i] = (unsigned char)(3 * i), in.mac[i] = (unsigned char)(5 * i);
    ipc__hello_encode(h, &in);
    assert_int_equal(ipc__hello_decode(h, IPC__CHALLENGE, &out), IPC__HELLO_OK);
    assert_int_equal(out.rank, 7);
    assert_memory_equal(out.nonce, in.nonce, IPC__NONCE_BYTES);
    assert_memory_equal(out.mac, in.mac, IPC__MAC_BYTES);
}

/* The macs are HMAC-SHA256 over the documented input (docs/wire-formats.md):
 * values computed independently (Python's hmac module). */
static void macs_match_known_answers(void **state)
{
    (void)state;
    unsigned char s[IPC__SECRET_BYTES], mac[IPC__MAC_BYTES], want[IPC__MAC_BYTES];
    struct ipc__handshake hs = fixed_handshake();
    parse(s, secret_hex);
    static const struct {
        enum ipc__hello_kind kind;
        const char *mac;
    } known[] = {
        {IPC__CHALLENGE, "47f6fa074bf7b0aa9a245c54e0bcecfe2a344a8f7effad33854daa2dd61e411a"},
        {IPC__PROOF, "b3fe1c382f40e43a1e4f6b49587d5c58dbbc74fb8ab66fef78a4460c55b1b551"},
        {IPC__CROSSED, "7dbb82008d33092751ef7ba29abf8e7293bc1b69f007136f44c97373d4aee973"},
        {IPC__WELCOME, "2dbce05150f7fbcd561caec7f8ad66e5b8287374af8ad2fed33e78f69e1dd58b"},
    };
    for (size_t i = 0; i < sizeof known / sizeof known[0]; i++) {
        ipc__handshake_mac(&hs, known[i].kind, s, mac);
        hex_bytes(known[i].mac, want, sizeof want);
        assert_memory_equal(mac, want, sizeof mac);
    }
}

static void proofs_verify_only_with_the_secret(void **state)
{
    (void)state;
    unsigned char s[IPC__SECRET_BYTES], other[IPC__SECRET_BYTES], mac[IPC__MAC_BYTES];
    struct ipc__handshake hs = fixed_handshake();
    parse(s, secret_hex);
    ipc__handshake_mac(&hs, IPC__PROOF, s, mac);
    assert_int_equal(ipc__handshake_verify(&hs, IPC__PROOF, s, mac), IPC__HELLO_OK);
    memcpy(other, s, sizeof s);
    other[IPC__SECRET_BYTES - 1] ^= 1;
    assert_int_equal(ipc__handshake_verify(&hs, IPC__PROOF, other, mac),
                     IPC__HELLO_BAD_SECRET);
    assert_string_equal(ipc__hello_verdict_text(IPC__HELLO_BAD_SECRET), "wrong job secret");
    memset(mac, 0, sizeof mac); /* a stranger who sends zeros gains nothing */
    assert_int_equal(ipc__handshake_verify(&hs, IPC__PROOF, s, mac), IPC__HELLO_BAD_SECRET);
}

/* What someone who watches a handshake sees is worth nothing elsewhere: the
 * acceptor's proof is no connector's proof (reflection), a proof is bound to
 * both nonces (replay) and to both ranks. */
static void proofs_do_not_travel(void **state)
{
    (void)state;
    unsigned char s[IPC__SECRET_BYTES], mac[IPC__MAC_BYTES];
    struct ipc__handshake hs = fixed_handshake();
    parse(s, secret_hex);
    ipc__handshake_mac(&hs, IPC__CHALLENGE, s, mac);
    assert_int_equal(ipc__handshake_verify(&hs, IPC__PROOF, s, mac), IPC__HELLO_BAD_SECRET);
    ipc__handshake_mac(&hs, IPC__PROOF, s, mac);
    struct ipc__handshake again = hs;
    again.nonce_a[5] ^= 1; /* the acceptor's next challenge */
    assert_int_equal(ipc__handshake_verify(&again, IPC__PROOF, s, mac), IPC__HELLO_BAD_SECRET);
    again = hs;
    again.nonce_c[31] ^= 0x80;
    assert_int_equal(ipc__handshake_verify(&again, IPC__PROOF, s, mac), IPC__HELLO_BAD_SECRET);
    again = hs;
    again.connector = 2; /* rank 1's proof claimed by rank 2 */
    assert_int_equal(ipc__handshake_verify(&again, IPC__PROOF, s, mac), IPC__HELLO_BAD_SECRET);
}

/* Item 3 of the security review: the secret itself crosses no connection. */
static void no_message_carries_the_secret(void **state)
{
    (void)state;
    unsigned char s[IPC__SECRET_BYTES], h[IPC__HELLO_SIZE];
    struct ipc__handshake hs = fixed_handshake();
    parse(s, secret_hex);
    for (int kind = IPC__HELLO; kind <= IPC__WELCOME; kind++) {
        struct ipc__hello msg = {.kind = kind, .rank = 1};
        memcpy(msg.nonce, kind == IPC__HELLO ? hs.nonce_c : hs.nonce_a, IPC__NONCE_BYTES);
        if (kind != IPC__HELLO)
            ipc__handshake_mac(&hs, kind, s, msg.mac);
        ipc__hello_encode(h, &msg);
        /* Not whole, and no 8 bytes of it in a row. */
        for (int off = 0; off + 8 <= IPC__SECRET_BYTES; off++)
            assert_null(memmem(h, sizeof h, s + off, 8));
    }
}

static void draws_fresh_nonces(void **state)
{
    (void)state;
    unsigned char a[IPC__NONCE_BYTES], b[IPC__NONCE_BYTES];
    assert_int_equal(ipc__nonce_draw(a), 0);
    assert_int_equal(ipc__nonce_draw(b), 0);
    assert_memory_not_equal(a, b, sizeof a);
}

static void foreign_bytes_refused(void **state)
{
    (void)state;
    unsigned char h[IPC__HELLO_SIZE];
    struct ipc__hello msg = {.kind = IPC__HELLO, .rank = 1}, out;

    memset(h, 0, sizeof h);
    memcpy(h, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
    assert_int_equal(ipc__hello_decode(h, IPC__HELLO, &out), IPC__HELLO_NOT_IPC);

    ipc__hello_encode(h, &msg);
    h[5] = IPC__HELLO_VERSION + 1;
    assert_int_equal(ipc__hello_decode(h, IPC__HELLO, &out), IPC__HELLO_BAD_VERSION);
    h[5] = 1; /* a rank of the old, secret-carrying wire version */
    assert_int_equal(ipc__hello_decode(h, IPC__HELLO, &out), IPC__HELLO_BAD_VERSION);

    /* A CHALLENGE sent back at its author is not a HELLO, nor a PROOF. */
    msg.kind = IPC__CHALLENGE;
    ipc__hello_encode(h, &msg);
    assert_int_equal(ipc__hello_decode(h, IPC__HELLO, &out), IPC__HELLO_BAD_KIND);
    assert_int_equal(ipc__hello_decode(h, IPC__PROOF, &out), IPC__HELLO_BAD_KIND);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secret_parses_hex_of_either_case),
        cmocka_unit_test(bad_secrets_refused),
        cmocka_unit_test(secrets_compare_whole),
        cmocka_unit_test(hello_bytes_are_big_endian),
        cmocka_unit_test(decode_gives_back_what_was_encoded),
        cmocka_unit_test(macs_match_known_answers),
        cmocka_unit_test(proofs_verify_only_with_the_secret),
        cmocka_unit_test(proofs_do_not_travel),
        cmocka_unit_test(no_message_carries_the_secret),
        cmocka_unit_test(draws_fresh_nonces),
        cmocka_unit_test(foreign_bytes_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
