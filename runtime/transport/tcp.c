/*
 * tcp.c - the TCP transport: one TCP connection per pair of ranks.
 *
 * Each rank listens on an ephemeral port of one IPv4 address (loopback, or
 * IPC_TCP_IF) and publishes "address:port" through ipcrun's key/value store.
 * Two ranks whose link is tcp (every pair on two nodes, or every pair with
 * IPC_TRANSPORT=tcp) connect when one of them first has a frame for the
 * other (handshake.h), as unix.c's do. Anyone on the host (or the network) can connect
 * to a TCP port, so every connection opens with the handshake of
 * handshake.h: both ends prove they know the job secret without sending it,
 * strangers are refused while real ranks go on, and nothing is read from a
 * connection as a frame before that.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "auth.h"
#include "handshake.h"
#include "boot/boot.h"
#include "internal.h"
#include "netif.h"

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
        int rc = ipc__netif_pick(job->tun.tcp_if[0] ? job->tun.tcp_if : NULL, addr,
                                 reason, sizeof reason);
        if (rc < 0) {
            snprintf(why, whylen, "IPC_TCP_IF: %s", reason);
            return rc;
        }
    }
    return inet_pton(AF_INET, addr, out) == 1 ? 0 : -EINVAL;
}

/* Frames are whole messages already: Nagle would only delay them. */
static void set_nodelay(const struct ipc__job *job, int fd)
{
    (void)job;
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
    if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, SOMAXCONN) < 0 ||
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

/* The address peer published (tcp.<peer>), for the wire-up. */
static int peer_address(int peer, struct sockaddr_storage *ss, socklen_t *salen,
                        char *shown, size_t shownlen, char *why, size_t whylen)
{
    struct sockaddr_in sa = {0};
    char key[32];
    snprintf(key, sizeof key, "tcp.%d", peer);
    const char *got = ipc__kv_get(key, peer);
    if (parse_addr(got, &sa) < 0) {
        snprintf(why, whylen, "published no usable address ('%s')", got ? got : "");
        return -EPROTO;
    }
    snprintf(shown, shownlen, "%s", got);
    memcpy(ss, &sa, sizeof sa);
    *salen = sizeof sa;
    return 0;
}

static int tcp_connect(struct ipc__transport *self, struct ipc__job *job,
                       struct ipc__link *links)
{
    static const struct ipc__stream_wireup wireup = {
        .ops = &ipc__transport_tcp,
        .what = "TCP",
        .failed_as = "TCP",
        .domain = AF_INET,
        .buffers_first = true,
        .listen = listen_and_publish,
        .address = peer_address,
        .tune = set_nodelay,
        .lost = ipc__peer_unreachable,
    };
    return ipc__streams_open(job, links, &wireup, (struct ipc__streams **)&self->priv);
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
    if (l->wfd < 0) /* not up yet: ask for the connection (handshake.h) */
        return ipc__streams_want(l);
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

/* The address tcp links use and who chose it, for --report-transports. */
static int tcp_describe(const struct ipc__transport *self, const struct ipc__job *job,
                        bool mixed, char *buf, size_t len)
{
    (void)self;
    struct in_addr in;
    char addr[INET_ADDRSTRLEN] = "?", origin[160], why[256];
    bool picked = !job->tun.tcp_if[0] && job->ctl_fd < 0 && job->nnodes > 1;
    if (local_address(job, &in, why, sizeof why) == 0)
        inet_ntop(AF_INET, &in, addr, sizeof addr);
    ipc__netif_origin(job->tun.tcp_if, job->tun.tcp_if_from, picked, origin,
                      sizeof origin);
    return snprintf(buf, len, "; %sover %s (%s)%s", mixed ? "tcp " : "", addr, origin,
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
    .fini = ipc__stream_fini,
    .service_fd = ipc__stream_service_fd,
    .serve = ipc__stream_serve,
    .describe = tcp_describe,
};
