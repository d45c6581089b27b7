/* test_auth.c - the job secret and the hello that opens a TCP connection:
 * parsing IPC_JOB_SECRET, the encoded bytes, and every way a hello is
 * refused. */
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

static void hello_bytes_are_big_endian(void **state)
{
    (void)state;
    unsigned char s[IPC__SECRET_BYTES], h[IPC__HELLO_SIZE];
    parse(s, secret_hex);
    ipc__hello_encode(h, IPC__HELLO, 0x01020304, s);
    static const unsigned char head[16] = {
        'I', 'P', 'C', 'T', 0, IPC__HELLO_VERSION, 0, IPC__HELLO, 1, 2, 3, 4, 0, 0, 0, 0};
    assert_memory_equal(h, head, sizeof head);
    assert_memory_equal(h + 16, s, IPC__SECRET_BYTES);
}

static void good_hello_gives_the_rank(void **state)
{
    (void)state;
    unsigned char s[IPC__SECRET_BYTES], h[IPC__HELLO_SIZE];
    int32_t rank = -1;
    parse(s, secret_hex);
    ipc__hello_encode(h, IPC__HELLO, 7, s);
    assert_int_equal(ipc__hello_check(h, IPC__HELLO, s, &rank), IPC__HELLO_OK);
    assert_int_equal(rank, 7);
    ipc__hello_encode(h, IPC__WELCOME, 0, s);
    assert_int_equal(ipc__hello_check(h, IPC__WELCOME, s, &rank), IPC__HELLO_OK);
    assert_int_equal(rank, 0);
}

static void wrong_secret_refused(void **state)
{
    (void)state;
    unsigned char s[IPC__SECRET_BYTES], other[IPC__SECRET_BYTES], h[IPC__HELLO_SIZE];
    int32_t rank = -1;
    parse(s, secret_hex);
    memcpy(other, s, sizeof s);
    other[IPC__SECRET_BYTES - 1] ^= 1;
    ipc__hello_encode(h, IPC__HELLO, 1, other);
    assert_int_equal(ipc__hello_check(h, IPC__HELLO, s, &rank), IPC__HELLO_BAD_SECRET);
    assert_int_equal(rank, -1);
    assert_string_equal(ipc__hello_verdict_text(IPC__HELLO_BAD_SECRET),
                        "wrong job secret");
    /* A stranger who echoes the zero secret gains nothing either. */
    memset(other, 0, sizeof other);
    ipc__hello_encode(h, IPC__HELLO, 1, other);
    assert_int_equal(ipc__hello_check(h, IPC__HELLO, s, &rank), IPC__HELLO_BAD_SECRET);
}

static void foreign_bytes_refused(void **state)
{
    (void)state;
    unsigned char s[IPC__SECRET_BYTES], h[IPC__HELLO_SIZE];
    int32_t rank = -1;
    parse(s, secret_hex);

    memset(h, 0, sizeof h);
    memcpy(h, "GET / HTTP/1.1\r\nHost: x\r\n\r\n", 27);
    assert_int_equal(ipc__hello_check(h, IPC__HELLO, s, &rank), IPC__HELLO_NOT_IPC);

    ipc__hello_encode(h, IPC__HELLO, 1, s);
    h[5] = IPC__HELLO_VERSION + 1;
    assert_int_equal(ipc__hello_check(h, IPC__HELLO, s, &rank), IPC__HELLO_BAD_VERSION);

    /* A WELCOME sent back at its author is not a HELLO. */
    ipc__hello_encode(h, IPC__WELCOME, 1, s);
    assert_int_equal(ipc__hello_check(h, IPC__HELLO, s, &rank), IPC__HELLO_BAD_KIND);
    assert_int_equal(rank, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(secret_parses_hex_of_either_case),
        cmocka_unit_test(bad_secrets_refused),
        cmocka_unit_test(secrets_compare_whole),
        cmocka_unit_test(hello_bytes_are_big_endian),
        cmocka_unit_test(good_hello_gives_the_rank),
        cmocka_unit_test(wrong_secret_refused),
        cmocka_unit_test(foreign_bytes_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
