/*
 * fuzz_hello.c - the hello that opens a tcp connection between two ranks
 * (ipc__hello_check, runtime/auth.c; the first bytes a stranger's
 * connection meets), and the job secret in hex (ipc__secret_parse).
 * Input: 48 bytes of hello, then IPC_JOB_SECRET's text. A hello accepted
 * must be what ipc__hello_encode writes for its rank (the reserved field
 * aside), and only with the job's secret.
 * The unix transport's hello is not covered: it is being rewritten.
 */
#include "auth.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const unsigned char secret[IPC__SECRET_BYTES] = {
        0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88, 0x99, 0xaa,
        0xbb, 0xcc, 0xdd, 0xee, 0xff, 0x01, 0x23, 0x45, 0x67, 0x89, 0xab,
        0xcd, 0xef, 0xfe, 0xdc, 0xba, 0x98, 0x76, 0x54, 0x32, 0x10};
    if (size >= IPC__HELLO_SIZE) {
        unsigned char in[IPC__HELLO_SIZE], again[IPC__HELLO_SIZE];
        memcpy(in, data, sizeof in);
        for (int kind = IPC__HELLO; kind <= IPC__WELCOME; kind++) {
            int32_t rank = -1;
            enum ipc__hello_verdict v = ipc__hello_check(in, kind, secret, &rank);
            if (!ipc__hello_verdict_text(v))
                fuzz_fail("verdict %d has no text", (int)v);
            if (v != IPC__HELLO_OK)
                continue;
            ipc__hello_encode(again, kind, rank, secret);
            memset(again + 12, 0, 4);
            memcpy(in + 12, again + 12, 4);
            if (memcmp(in, again, sizeof in) != 0)
                fuzz_fail("a hello accepted that is not what rank %d sends", (int)rank);
        }
        data += IPC__HELLO_SIZE;
        size -= IPC__HELLO_SIZE;
    }
    char *hex = fuzz_string(data, size);
    unsigned char parsed[IPC__SECRET_BYTES];
    if (hex && ipc__secret_parse(hex, parsed) == 0) {
        char back[IPC__SECRET_HEX + 1];
        for (int i = 0; i < IPC__SECRET_BYTES; i++)
            snprintf(back + 2 * i, 3, "%02x", parsed[i]);
        if (strcasecmp(back, hex) != 0)
            fuzz_fail("secret '%s' parsed as %s", hex, back);
    }
    free(hex);
    return 0;
}
