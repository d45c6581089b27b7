/*
 * forge_stranger - a process that is no rank of the job connecting to a
 * rank's listener while the job wires up, as an attacker on the host (or
 * the network) could. It links libipc.a for the handshake's message format
 * (auth.h) and knows nothing of the job secret.
 *
 *   forge_stranger [OPTION...] TARGET...
 *     TARGET is tcp:A.B.C.D:PORT or unix:@NAME (an abstract address as
 *     `ss -lx` prints it). For each target:
 *     --idle N       opens N connections that say nothing
 *     --garbage N    opens N connections that send 100 bytes of noise
 *     --claim R      sends a well-formed HELLO as rank R, reads the
 *                    CHALLENGE and answers it with a proof made with a
 *                    guessed secret; prints "claim: refused" when the rank
 *                    then closes the connection
 *     --old-hello R  speaks the old unix wire-up: the 4 bytes of rank R,
 *                    then a frame header; prints "old-hello: refused" when
 *                    the rank closes the connection
 *     --hold MS      keeps every connection open this long before exiting
 *                    (default 0)
 *     --ready FILE   creates FILE once every claim and old hello has had its
 *                    answer, so that a test can hold the real rank back
 *                    until then (tests/preload/hold_connect.c)
 *   Prints "stranger: N connections" and exits 0 when every connection
 *   could be made, 1 otherwise (2: usage).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"

static int connect_target(const char *target)
{
    int fd = -1;
    if (strncmp(target, "tcp:", 4) == 0) {
        struct sockaddr_in sa = {.sin_family = AF_INET};
        char host[64];
        snprintf(host, sizeof host, "%s", target + 4);
        char *colon = strrchr(host, ':');
        if (!colon)
            return -1;
        *colon = '\0';
        sa.sin_port = htons((uint16_t)atoi(colon + 1));
        if (inet_pton(AF_INET, host, &sa.sin_addr) != 1)
            return -1;
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
            close(fd);
            fd = -1;
        }
    } else if (strncmp(target, "unix:@", 6) == 0) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};
        size_t n = strlen(target + 6);
        if (n + 1 > sizeof sa.sun_path)
            return -1;
        memcpy(sa.sun_path + 1, target + 6, n); /* sun_path[0] = 0: abstract */
        fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd >= 0 &&
            connect(fd, (struct sockaddr *)&sa,
                    (socklen_t)(offsetof(struct sockaddr_un, sun_path) + 1 + n)) < 0) {
            close(fd);
            fd = -1;
        }
    }
    return fd;
}

/* Did the rank close the connection (end of stream or reset) within ms?
 * NULL if it did, else what happened instead. */
static const char *closed_within(int fd, int ms)
{
    static char what[128];
    char buf[256];
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int r;
    while ((r = poll(&pfd, 1, ms)) > 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return NULL;
        if (n < 0) {
            snprintf(what, sizeof what, "read: %s", strerror(errno));
            return what;
        }
    }
    snprintf(what, sizeof what, "%s", r == 0 ? "still open" : strerror(errno));
    return what;
}

/* Connects to target and sends what speaks first: for a claim a HELLO of
 * rank `rank` (its nonce in *msg), for an old hello rank's 4 bytes and a
 * frame header. Returns the descriptor, or -1 (said on stdout). */
static int begin(const char *who, const char *target, int32_t rank, bool old,
                 struct ipc__hello *msg)
{
    int fd = connect_target(target);
    if (fd < 0) {
        printf("%s: cannot connect to %s: %s\n", who, target, strerror(errno));
        return -1;
    }
    unsigned char wire[IPC__HELLO_SIZE];
    size_t len = sizeof wire;
    if (old) {
        memcpy(wire, &rank, 4);
        memset(wire + 4, 0x17, 64); /* where a frame header would follow */
        len = 4 + 64;
    } else {
        *msg = (struct ipc__hello){.kind = IPC__HELLO, .rank = rank};
        ipc__nonce_draw(msg->nonce);
        ipc__hello_encode(wire, msg);
    }
    /* A rank that refused us at once (another user) closed before we
     * spoke: that is an answer, which the finish reads. */
    if (write(fd, wire, len) != (ssize_t)len && errno != EPIPE && errno != ECONNRESET) {
        printf("%s: cannot write to %s: %s\n", who, target, strerror(errno));
        close(fd);
        return -1;
    }
    return fd;
}

/* After a claim's HELLO: reads the CHALLENGE, answers it with a proof made
 * with a guessed secret, and says whether the rank then closed. */
static void finish_claim(int fd, int32_t rank, const char *target)
{
    unsigned char wire[IPC__HELLO_SIZE];
    size_t got = 0;
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    int r = 0;
    while (got < sizeof wire && (r = poll(&pfd, 1, 20000)) > 0) {
        ssize_t n = read(fd, wire + got, sizeof wire - got);
        if (n <= 0)
            break;
        got += (size_t)n;
    }
    const char *kept = NULL; /* closed before the challenge: refused too */
    if (got == sizeof wire) {
        struct ipc__hello msg = {.kind = IPC__PROOF, .rank = rank};
        memset(msg.mac, 0x42, sizeof msg.mac);
        ipc__hello_encode(wire, &msg);
        if (write(fd, wire, sizeof wire) == (ssize_t)sizeof wire)
            kept = closed_within(fd, 10000);
    } else if (r == 0) {
        kept = "no challenge within 20 s";
    } else if (got > 0) {
        kept = "closed in the middle of the challenge";
    }
    if (kept)
        printf("claim: not refused by %s (%s)\n", target, kept);
    else
        printf("claim: refused\n");
}

static void finish_old_hello(int fd, const char *target)
{
    const char *kept = closed_within(fd, 10000);
    if (kept)
        printf("old-hello: not refused by %s (%s)\n", target, kept);
    else
        printf("old-hello: refused\n");
}

int main(int argc, char **argv)
{
    int idle = 0, garbage = 0, claim_rank = -1, old_rank = -1, hold_ms = 0, opened = 0;
    const char *ready = NULL;
    int fds[4096], nfds = 0;
    int claims[256], olds[256], nclaims = 0, nolds = 0;
    const char *claimed[256], *olded[256];
    bool ok = true;
    int i = 1;
    for (; i + 1 < argc && strncmp(argv[i], "--", 2) == 0; i += 2) {
        int v = atoi(argv[i + 1]);
        if (!strcmp(argv[i], "--idle"))
            idle = v;
        else if (!strcmp(argv[i], "--garbage"))
            garbage = v;
        else if (!strcmp(argv[i], "--claim"))
            claim_rank = v;
        else if (!strcmp(argv[i], "--old-hello"))
            old_rank = v;
        else if (!strcmp(argv[i], "--hold"))
            hold_ms = v;
        else if (!strcmp(argv[i], "--ready"))
            ready = argv[i + 1];
        else
            break;
    }
    if (i >= argc || argc - i > 256) {
        fprintf(stderr, "usage: forge_stranger [--idle N] [--garbage N] [--claim R] "
                        "[--old-hello R] [--hold MS] [--ready FILE] "
                        "tcp:ADDR:PORT|unix:@NAME...\n");
        return 2;
    }
    srand((unsigned)getpid());
    signal(SIGPIPE, SIG_IGN); /* a closed connection is an answer, not a death */
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (; i < argc; i++) {
        for (int k = 0; k < idle + garbage && nfds < 4096; k++) {
            int fd = connect_target(argv[i]);
            if (fd < 0) {
                printf("cannot connect to %s: %s\n", argv[i], strerror(errno));
                ok = false;
                continue;
            }
            if (k >= idle) {
                unsigned char noise[100];
                for (size_t b = 0; b < sizeof noise; b++)
                    noise[b] = (unsigned char)rand();
                noise[0] = 'G'; /* never the magic by chance */
                if (write(fd, noise, sizeof noise) < 0 && errno != EPIPE &&
                    errno != ECONNRESET) {
                    printf("cannot write to %s: %s\n", argv[i], strerror(errno));
                    ok = false;
                }
            }
            fds[nfds++] = fd;
            opened++;
        }
        struct ipc__hello msg;
        if (claim_rank >= 0) {
            int fd = begin("claim", argv[i], claim_rank, false, &msg);
            ok &= fd >= 0;
            if (fd >= 0)
                claimed[nclaims] = argv[i], claims[nclaims++] = fd, opened++;
        }
        if (old_rank >= 0) {
            int fd = begin("old-hello", argv[i], old_rank, true, &msg);
            ok &= fd >= 0;
            if (fd >= 0)
                olded[nolds] = argv[i], olds[nolds++] = fd, opened++;
        }
    }
    printf("stranger: %d connections\n", opened);
    for (int k = 0; k < nclaims; k++)
        finish_claim(claims[k], claim_rank, claimed[k]);
    for (int k = 0; k < nolds; k++)
        finish_old_hello(olds[k], olded[k]);
    if (ready) { /* every claim has had its answer */
        int fd = open(ready, O_WRONLY | O_CREAT | O_CLOEXEC, 0600);
        if (fd >= 0)
            close(fd);
    }
    if (hold_ms > 0)
        nanosleep(&(struct timespec){hold_ms / 1000, (long)(hold_ms % 1000) * 1000000}, NULL);
    for (int k = 0; k < nfds; k++)
        close(fds[k]);
    for (int k = 0; k < nclaims; k++)
        close(claims[k]);
    for (int k = 0; k < nolds; k++)
        close(olds[k]);
    return ok ? 0 : 1;
}
