/*
 * auth.h - the job secret and the handshake that opens every connection
 * between two ranks, tcp and unix alike (docs/wire-formats.md, "Connection
 * handshake"; docs/security.md).
 *
 * ipcrun draws a secret for each job and gives it to the ranks in
 * IPC_JOB_SECRET (hex, never on a command line). The secret itself never
 * crosses a connection: each side proves it knows it with an HMAC-SHA256
 * over both sides' fresh nonces and both ranks, so someone who watches the
 * bytes learns nothing that lets them join, and a recorded proof is worth
 * nothing in another handshake.
 *
 *   connecting rank C                      accepting rank A
 *   HELLO     {rank C, nonce_c}     ->
 *                                   <-     CHALLENGE {rank A, nonce_a, mac_A}
 *   (checks mac_A: A knows the secret)     (or CROSSED, the same with its own
 *                                          mac: A < C dials C itself)
 *   PROOF     {rank C, mac_C}       ->     (checks mac_C: C knows the secret)
 *                                   <-     WELCOME {rank A, mac}: the link is up
 *
 * mac_X = HMAC-SHA256(secret, label || role X || rank C || rank A || nonce_c
 * || nonce_a), the role byte differing for the two sides, so that no side's
 * proof can be reflected back as the other's (the kind is the role byte).
 * When and why each is sent: transport/handshake.h. Every message is
 * IPC__HELLO_SIZE bytes, big-endian: this is the first thing a stranger's
 * bytes meet, and later hosts may differ.
 */
#ifndef IPC_AUTH_H
#define IPC_AUTH_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define IPC__SECRET_BYTES 32
#define IPC__SECRET_HEX (2 * IPC__SECRET_BYTES) /* digits in IPC_JOB_SECRET */
#define IPC__NONCE_BYTES 32
#define IPC__MAC_BYTES 32 /* HMAC-SHA256 */
#define IPC__HELLO_MAGIC 0x49504354u /* "IPCT": the first 4 bytes of every message */
#define IPC__HELLO_VERSION 3
#define IPC__HELLO_SIZE 80

enum ipc__hello_kind {
    IPC__HELLO = 1,     /* connecting -> accepting: who I am, my nonce */
    IPC__CHALLENGE = 2, /* accepting -> connecting: who I am, my nonce, my proof */
    IPC__PROOF = 3,     /* connecting -> accepting: my proof */
    IPC__CROSSED = 4,   /* accepting -> connecting, instead of CHALLENGE: I am the
                           lower rank and dial you: wait for my connection */
    IPC__WELCOME = 5,   /* accepting -> connecting: your proof passed, the link is up */
};

enum ipc__hello_verdict {
    IPC__HELLO_OK = 0,
    IPC__HELLO_NOT_IPC,     /* wrong magic: not an ipc rank at all */
    IPC__HELLO_BAD_VERSION, /* an ipc rank of another wire version */
    IPC__HELLO_BAD_KIND,    /* not the message this step expects */
    IPC__HELLO_BAD_SECRET,  /* a proof that does not match: another job, a guess */
};

/* One handshake message, decoded. */
struct ipc__hello {
    enum ipc__hello_kind kind;
    int32_t rank;                         /* the sender's rank (not range-checked) */
    unsigned char nonce[IPC__NONCE_BYTES]; /* HELLO, CHALLENGE, CROSSED; else zero */
    unsigned char mac[IPC__MAC_BYTES];     /* all but HELLO; zero there */
};

/* What both ends of one handshake agree on once HELLO and CHALLENGE have
 * passed: the two ranks and the two nonces. */
struct ipc__handshake {
    int32_t connector, acceptor;
    unsigned char nonce_c[IPC__NONCE_BYTES], nonce_a[IPC__NONCE_BYTES];
};

/* Parses IPC__SECRET_HEX hex digits (either case) into out. Returns 0, or -1
 * when hex is NULL, of another length or not hex. */
int ipc__secret_parse(const char *hex, unsigned char out[IPC__SECRET_BYTES]);

/* Compares two secrets or macs in time that does not depend on where they
 * differ. */
bool ipc__secret_equal(const unsigned char a[IPC__SECRET_BYTES],
                       const unsigned char b[IPC__SECRET_BYTES]);

/* Fills a nonce from the kernel's random source. Returns 0 or -errno. */
int ipc__nonce_draw(unsigned char out[IPC__NONCE_BYTES]);

void ipc__hello_encode(unsigned char out[IPC__HELLO_SIZE], const struct ipc__hello *h);

/* Decodes a received message that should be of the given kind. The proof in
 * it is not checked here (ipc__handshake_verify). */
enum ipc__hello_verdict ipc__hello_decode(const unsigned char in[IPC__HELLO_SIZE],
                                          enum ipc__hello_kind kind, struct ipc__hello *out);

/* The proof the side that sends `kind` (IPC__CHALLENGE: the acceptor,
 * IPC__PROOF: the connector) gives for handshake hs. */
void ipc__handshake_mac(const struct ipc__handshake *hs, enum ipc__hello_kind kind,
                        const unsigned char secret[IPC__SECRET_BYTES],
                        unsigned char out[IPC__MAC_BYTES]);

/* Checks a received proof in constant time: IPC__HELLO_OK or
 * IPC__HELLO_BAD_SECRET. */
enum ipc__hello_verdict ipc__handshake_verify(const struct ipc__handshake *hs,
                                              enum ipc__hello_kind kind,
                                              const unsigned char secret[IPC__SECRET_BYTES],
                                              const unsigned char mac[IPC__MAC_BYTES]);

/* Why a message was refused, for messages: "wrong job secret", ... */
const char *ipc__hello_verdict_text(enum ipc__hello_verdict v);

#endif /* IPC_AUTH_H */
