/*
 * tcp.c - the TCP transport: one TCP connection per pair of ranks.
 *
 * Each rank listens on an ephemeral port of one IPv4 address (loopback, or
 * IPC_TCP_IF) and publishes "address:port" through ipcrun's key/value store.
 * Rank i connects to every lower rank whose link is tcp (every rank of other
 * nodes, or every rank with IPC_TRANSPORT=tcp) and accepts from every such
 * higher one, as unix.c does. Anyone on the host (or the network) can connect
 * to a TCP port, so every connection opens with a hello that proves it
 * belongs to the job (auth.h): the accepting rank reads it with a time limit,
 * refuses and keeps accepting when it is wrong, and answers a good one with a
 * WELCOME. Nothing is read from a connection as a frame before that.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "auth.h"
#include "boot/boot.h"
#include "internal.h"
#include "netif.h"

/* How long an accepted connection may take to send its hello: a stranger
 * that says nothing must not stall the job for longer. */
#define HELLO_TIMEOUT_S 5
/* How long a connecting rank waits for the WELCOME: the accepting rank may
 * still be connecting to the ranks below it. */
#define WELCOME_TIMEOUT_MS 60000
#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

static bool tcp_probe(const struct ipc__job *job, int peer)
{
    return peer != job->rank && job->boot;
}

/* The address this rank listens on and tells its peers: the one IPC_TCP_IF
 * names (an interface, a subnet or an address of this host; netif.h), else
 * loopback, which serves one host. */
static int local_address(const struct ipc__job *job, struct in_addr *out, char *why,
                         size_t whylen)
{
    char addr[INET_ADDRSTRLEN] = "127.0.0.1", reason[192];
    /* Without ipcrun to choose for them (PMI-2), ranks of several nodes
     * listen on their host's first address that is not loopback. */
    bool pick = job->tun.tcp_if[0] || (job->ctl_fd < 0 && job->nnodes > 1);
    if (pick) {
        int rc = ipc__netif_pick(job->tun.tcp_if[0] ? job->tun.tcp_if : NULL, addr, reason,
                                 sizeof reason);
        if (rc < 0) {
            snprintf(why, whylen, "IPC_TCP_IF: %s", reason);
            return rc;
        }
    }
    return inet_pton(AF_INET, addr, out) == 1 ? 0 : -EINVAL;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Reads exactly len bytes from a blocking socket within timeout_ms. Returns 0,
 * -ETIMEDOUT, -ECONNRESET at end of stream, or another -errno. */
static int read_within(int fd, void *buf, size_t len, int timeout_ms)
{
    char *p = buf;
    int64_t deadline = now_ms() + timeout_ms;
    while (len) {
        int64_t left = deadline - now_ms();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        int r = left > 0 ? poll(&pfd, 1, (int)left) : 0;
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return -errno;
        if (r == 0)
            return -ETIMEDOUT;
        ssize_t n = read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? -ECONNRESET : -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int write_all(int fd, const void *buf, size_t len)
{
    const char *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* Frames are whole messages already: Nagle would only delay them. */
static void set_nodelay(int fd)
{
    int one = 1;
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
}

static void format_addr(const struct sockaddr_in *sa, char *out, size_t cap)
{
    char host[INET_ADDRSTRLEN] = "?";
    inet_ntop(AF_INET, &sa->sin_addr, host, sizeof host);
    snprintf(out, cap, "%s:%u", host, (unsigned)ntohs(sa->sin_port));
}

/* Listens on an ephemeral port and publishes it as tcp.<rank>. */
static int listen_and_publish(struct ipc__job *job, int *out_fd, char *why, size_t whylen)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    socklen_t salen = sizeof sa;
    char key[32], value[64];
    int rc = local_address(job, &sa.sin_addr, why, whylen);
    if (rc < 0)
        return rc;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    ipc__socket_buffers(fd, job->tun.socket_buf); /* before connect/listen */
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, job->size) < 0 ||
        getsockname(fd, (struct sockaddr *)&sa, &salen) < 0) {
        rc = -errno;
        close(fd);
        return rc;
    }
    format_addr(&sa, value, sizeof value);
    snprintf(key, sizeof key, "tcp.%d", job->rank);
    if (ipc__kv_put(key, value) != IPC_SUCCESS) {
        close(fd);
        return -ECONNRESET;
    }
    *out_fd = fd;
    return 0;
}

/* Parses "a.b.c.d:port". */
static int parse_addr(const char *s, struct sockaddr_in *sa)
{
    char host[INET_ADDRSTRLEN];
    const char *colon = s ? strrchr(s, ':') : NULL;
    if (!colon || (size_t)(colon - s) >= sizeof host)
        return -1;
    memcpy(host, s, (size_t)(colon - s));
    host[colon - s] = '\0';
    char *end;
    unsigned long port = strtoul(colon + 1, &end, 10);
    if (*end || port == 0 || port > 65535 || inet_pton(AF_INET, host, &sa->sin_addr) != 1)
        return -1;
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    return 0;
}

/* Connects to peer, proves we belong to the job and checks that the peer
 * does too. */
static int connect_to(const struct ipc__job *job, int peer, const unsigned char *secret,
                      int *out_fd, char *why, size_t whylen)
{
    struct sockaddr_in sa = {0};
    unsigned char hello[IPC__HELLO_SIZE];
    char key[32];
    snprintf(key, sizeof key, "tcp.%d", peer);
    const char *got = ipc__kv_get(key, peer);
    char addr[64];
    snprintf(addr, sizeof addr, "%s", got ? got : "");
    if (parse_addr(addr, &sa) < 0) {
        snprintf(why, whylen, "rank %d published no usable address ('%s')", peer, addr);
        return -EPROTO;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    ipc__socket_buffers(fd, job->tun.socket_buf); /* before connect/listen */
    set_nodelay(fd);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 ? -errno : 0;
    if (rc == 0) {
        ipc__hello_encode(hello, IPC__HELLO, job->rank, secret);
        rc = write_all(fd, hello, sizeof hello);
    }
    if (rc == 0)
        rc = read_within(fd, hello, sizeof hello, WELCOME_TIMEOUT_MS);
    if (rc == -ECONNRESET) {
        snprintf(why, whylen,
                 "rank %d (%s) refused the connection; is IPC_JOB_SECRET this job's?",
                 peer, addr);
        rc = -ECONNREFUSED;
    } else if (rc == 0) {
        int32_t who = -1;
        enum ipc__hello_verdict v = ipc__hello_check(hello, IPC__WELCOME, secret, &who);
        if (v != IPC__HELLO_OK || who != peer) {
            snprintf(why, whylen, "%s answered as no rank %d of this job: %s", addr, peer,
                     v != IPC__HELLO_OK ? ipc__hello_verdict_text(v) : "another rank");
            rc = -EPROTO;
        }
    } else {
        snprintf(why, whylen, "rank %d (%s): %s", peer, addr, strerror(-rc));
    }
    explicit_bzero(hello, sizeof hello);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    *out_fd = fd;
    return 0;
}

/* Reads and checks the hello of an accepted connection. Returns NULL and the
 * sender's rank, or why the connection is refused. */
static const char *take_hello(int fd, const struct ipc__job *job,
                              const struct ipc__link *links, const unsigned char *secret,
                              int32_t *who)
{
    unsigned char hello[IPC__HELLO_SIZE];
    int rc = read_within(fd, hello, sizeof hello, HELLO_TIMEOUT_S * 1000);
    if (rc == -ETIMEDOUT)
        return "no hello within " STRINGIFY(HELLO_TIMEOUT_S) " s";
    if (rc < 0)
        return "closed before its hello";
    enum ipc__hello_verdict v = ipc__hello_check(hello, IPC__HELLO, secret, who);
    if (v != IPC__HELLO_OK)
        return ipc__hello_verdict_text(v);
    if (*who <= job->rank || *who >= job->size)
        return "not a higher rank of this job";
    if (links[*who].ops != &ipc__transport_tcp)
        return "a rank that this one reaches by another transport";
    if (links[*who].rfd >= 0)
        return "a second connection from that rank";
    return NULL;
}

/* Accepts connections until count ranks have proved themselves; strangers
 * are refused, each with one line on stderr, and do not count. */
static int accept_peers(int lfd, const struct ipc__job *job, struct ipc__link *links,
                        const unsigned char *secret, int count)
{
    unsigned char welcome[IPC__HELLO_SIZE];
    int rc = 0;
    ipc__hello_encode(welcome, IPC__WELCOME, job->rank, secret);
    while (rc == 0 && count > 0) {
        struct sockaddr_in sa = {0};
        socklen_t salen = sizeof sa;
        int fd = accept4(lfd, (struct sockaddr *)&sa, &salen, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno != EINTR && errno != ECONNABORTED)
                rc = -errno;
            continue;
        }
        int32_t who = -1;
        const char *refused = take_hello(fd, job, links, secret, &who);
        if (refused) {
            char addr[64];
            format_addr(&sa, addr, sizeof addr);
            fprintf(stderr, "ipc: rank %d: refused a TCP connection from %s: %s\n",
                    job->rank, addr, refused);
            close(fd);
            continue;
        }
        rc = write_all(fd, welcome, sizeof welcome);
        if (rc < 0) {
            close(fd);
            continue;
        }
        set_nodelay(fd);
        links[who].rfd = links[who].wfd = fd;
        count--;
    }
    explicit_bzero(welcome, sizeof welcome);
    return rc;
}

static int tcp_connect(struct ipc__transport *self, struct ipc__job *job,
                       struct ipc__link *links)
{
    (void)self; /* nothing beyond the links */
    unsigned char secret[IPC__SECRET_BYTES];
    char why[256] = "";
    const char *stage = "listen";
    int lfd = -1, rc = 0;

    rc = listen_and_publish(job, &lfd, why, sizeof why);
    if (rc == 0) {
        stage = "fence";
        rc = ipc__kv_fence() == IPC_SUCCESS ? 0 : -ECONNRESET;
    }
    /* Under PMI-2 the secret travels in the key/value store, so it is
     * there only after a fence. */
    if (rc == 0) {
        stage = "secret";
        rc = job->boot->secret(secret, why, sizeof why) == IPC_SUCCESS ? 0 : -EINVAL;
    }
    /* Both ends of a pair know from links[] whether it uses tcp. */
    int higher = 0;
    for (int p = job->rank + 1; p < job->size; p++)
        higher += links[p].ops == &ipc__transport_tcp;
    for (int p = 0; rc == 0 && p < job->rank; p++) {
        if (links[p].ops != &ipc__transport_tcp)
            continue;
        stage = "connect";
        int fd = -1;
        rc = connect_to(job, p, secret, &fd, why, sizeof why);
        if (rc == 0)
            links[p].rfd = links[p].wfd = fd;
    }
    if (rc == 0) {
        stage = "accept";
        rc = accept_peers(lfd, job, links, secret, higher);
    }
    if (lfd >= 0)
        close(lfd);
    explicit_bzero(secret, sizeof secret);
    if (rc < 0) {
        fprintf(stderr, "ipc: rank %d: TCP wire-up failed at %s: %s\n", job->rank, stage,
                why[0] ? why : strerror(-rc));
        return IPC_ERR_WIREUP;
    }
    for (int p = 0; p < job->size; p++)
        if (links[p].ops == &ipc__transport_tcp)
            fcntl(links[p].rfd, F_SETFL, fcntl(links[p].rfd, F_GETFL) | O_NONBLOCK);
    return IPC_SUCCESS;
}

/* Bytes given to one sendmsg and asked of one read. A long write seems to
 * reach the receiver in bursts (the kernel pushes a large write out at half a
 * window and at its end), so the receiver waits instead of copying while the
 * sender writes; a long read holds the socket while it copies, which delays
 * the window updates the sender waits for. Measured with bench lat on 2 cores:
 * 1 MiB one-way 350 -> 165 us, 4 MiB 1250 -> 600-750 us. Reads of 64 KiB
 * rather than 256 KiB free the window sooner still: bench bw at 4 MiB, 3-4
 * runs each, 3800-4760 -> 6700-8130 MB/s, one-way latency unchanged (1 MiB
 * 149-154 us, 4 MiB 534-546 us against 538-716). */
#define WRITE_MAX (512 * 1024)
#define READ_MAX (64 * 1024)
#define IOV_MAX_TAKEN 64

static ssize_t tcp_writev(struct ipc__link *l, const struct iovec *iov, int iovcnt)
{
    struct iovec part[IOV_MAX_TAKEN];
    size_t total = 0;
    int n = 0;
    for (; n < iovcnt && n < IOV_MAX_TAKEN && total < WRITE_MAX; n++) {
        part[n] = iov[n];
        if (part[n].iov_len > WRITE_MAX - total)
            part[n].iov_len = WRITE_MAX - total;
        total += part[n].iov_len;
    }
    return ipc__socket_writev(l, part, n);
}

/* A peer that closes with our last frame (BYE) unread makes its kernel send
 * a reset instead of an end of stream: both mean the stream is over. */
static ssize_t tcp_read(struct ipc__link *l, void *buf, size_t len)
{
    ssize_t n = ipc__fd_read(l, buf, len < READ_MAX ? len : READ_MAX);
    return n == -ECONNRESET ? -EPIPE : n;
}

/* The address tcp links use, for --report-transports. */
static int tcp_describe(const struct ipc__transport *self, const struct ipc__job *job,
                        bool mixed, char *buf, size_t len)
{
    (void)self;
    if (!job->tun.tcp_if[0] && job->ctl_fd < 0 && job->nnodes > 1)
        return snprintf(buf, len, "; %sover this host's first address that is not loopback",
                        mixed ? "tcp " : "");
    return snprintf(buf, len, "; %sover %s (%s)%s", mixed ? "tcp " : "",
                    job->tun.tcp_if[0] ? job->tun.tcp_if : "127.0.0.1",
                    job->tun.tcp_if[0] ? "IPC_TCP_IF" : "loopback: one host",
                    mixed ? "" : ", each connection proven with the job secret");
}

const struct ipc__transport_ops ipc__transport_tcp = {
    .name = "tcp",
    .kind = IPC__LINK_STREAM,
    .probe = tcp_probe,
    .connect = tcp_connect,
    .writev = tcp_writev,
    .read = tcp_read,
    .close = ipc__socket_close,
    .describe = tcp_describe,
};
