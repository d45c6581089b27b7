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
 *   Prints "stranger: N connections" and exits 0 when every connection
 *   could be made, 1 otherwise (2: usage).
 */
#include <arpa/inet.h>
#include <errno.h>
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

/* Did the rank close the connection (end of stream or reset) within ms? */
static bool closed_within(int fd, int ms)
{
    char buf[256];
    struct pollfd pfd = {.fd = fd, .events = POLLIN};
    while (poll(&pfd, 1, ms) > 0) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n <= 0)
            return n == 0 || errno == ECONNRESET;
    }
    return false;
}

static bool claim(const char *target, int rank)
{
    int fd = connect_target(target);
    if (fd < 0) {
        printf("claim: cannot connect to %s: %s\n", target, strerror(errno));
        return false;
    }
    unsigned char wire[IPC__HELLO_SIZE];
    struct ipc__hello msg = {.kind = IPC__HELLO, .rank = rank};
    ipc__nonce_draw(msg.nonce);
    ipc__hello_encode(wire, &msg);
    bool refused = false;
    if (write(fd, wire, sizeof wire) == (ssize_t)sizeof wire) {
        size_t got = 0;
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        while (got < sizeof wire && poll(&pfd, 1, 10000) > 0) {
            ssize_t n = read(fd, wire + got, sizeof wire - got);
            if (n <= 0)
                break;
            got += (size_t)n;
        }
        if (got == sizeof wire) {
            /* A proof with a guessed secret. */
            msg = (struct ipc__hello){.kind = IPC__PROOF, .rank = rank};
            memset(msg.mac, 0x42, sizeof msg.mac);
            ipc__hello_encode(wire, &msg);
            if (write(fd, wire, sizeof wire) == (ssize_t)sizeof wire)
                refused = closed_within(fd, 5000);
        } else {
            refused = got == 0;
        }
    }
    printf("claim: %s\n", refused ? "refused" : "not refused");
    close(fd);
    return true;
}

static bool old_hello(const char *target, int32_t rank)
{
    int fd = connect_target(target);
    if (fd < 0) {
        printf("old-hello: cannot connect to %s: %s\n", target, strerror(errno));
        return false;
    }
    unsigned char bytes[4 + 64] = {0};
    memcpy(bytes, &rank, 4);
    memset(bytes + 4, 0x17, 64); /* where a frame header would follow */
    bool refused = write(fd, bytes, sizeof bytes) < 0 || closed_within(fd, 5000);
    printf("old-hello: %s\n", refused ? "refused" : "not refused");
    close(fd);
    return true;
}

int main(int argc, char **argv)
{
    int idle = 0, garbage = 0, claim_rank = -1, old_rank = -1, hold_ms = 0, opened = 0;
    int fds[4096], nfds = 0;
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
        else
            break;
    }
    if (i >= argc) {
        fprintf(stderr, "usage: forge_stranger [--idle N] [--garbage N] [--claim R] "
                        "[--old-hello R] [--hold MS] tcp:ADDR:PORT|unix:@NAME...\n");
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
                if (write(fd, noise, sizeof noise) < 0) {
                    printf("cannot write to %s: %s\n", argv[i], strerror(errno));
                    ok = false;
                }
            }
            fds[nfds++] = fd;
            opened++;
        }
        if (claim_rank >= 0)
            ok &= claim(argv[i], claim_rank), opened++;
        if (old_rank >= 0)
            ok &= old_hello(argv[i], old_rank), opened++;
    }
    printf("stranger: %d connections\n", opened);
    fflush(stdout);
    if (hold_ms > 0)
        nanosleep(&(struct timespec){hold_ms / 1000, (long)(hold_ms % 1000) * 1000000}, NULL);
    for (int k = 0; k < nfds; k++)
        close(fds[k]);
    return ok ? 0 : 1;
}
