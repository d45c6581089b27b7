/*
 * fuzz_hello.c - the handshake messages that open every tcp and unix
 * connection between two ranks (ipc__hello_decode and the proofs of
 * runtime/auth.c: the first bytes a stranger's connection meets), and the
 * job secret in hex (ipc__secret_parse).
 * Input: 80 bytes of message, then IPC_JOB_SECRET's text. A message decoded
 * must encode back to itself (the reserved field and the part its kind
 * ignores aside), and a proof in it must not verify for a handshake of
 * fixed nonces unless it is the one the secret gives.
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
        for (int kind = IPC__HELLO; kind <= IPC__PROOF; kind++) {
            struct ipc__hello msg;
            enum ipc__hello_verdict v = ipc__hello_decode(in, kind, &msg);
            if (!ipc__hello_verdict_text(v))
                fuzz_fail("verdict %d has no text", (int)v);
            if (v != IPC__HELLO_OK)
                continue;
            ipc__hello_encode(again, &msg);
            memcpy(again + 12, in + 12, 4); /* reserved */
            if (kind == IPC__HELLO)
                memcpy(again + 48, in + 48, IPC__MAC_BYTES);
            if (kind == IPC__PROOF)
                memcpy(again + 16, in + 16, IPC__NONCE_BYTES);
            if (memcmp(in, again, sizeof in) != 0)
                fuzz_fail("a message decoded that is not what rank %d sends", (int)msg.rank);
            if (kind == IPC__HELLO)
                continue;
            struct ipc__handshake hs = {.connector = msg.rank, .acceptor = 0};
            memset(hs.nonce_c, 0x5a, sizeof hs.nonce_c);
            memset(hs.nonce_a, 0xa5, sizeof hs.nonce_a);
            unsigned char want[IPC__MAC_BYTES];
            ipc__handshake_mac(&hs, kind, secret, want);
            bool good = memcmp(want, msg.mac, sizeof want) == 0;
            if ((ipc__handshake_verify(&hs, kind, secret, msg.mac) == IPC__HELLO_OK) != good)
                fuzz_fail("proof of rank %d judged %s", (int)msg.rank, good ? "bad" : "good");
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
