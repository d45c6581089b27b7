/*
 * unix.c - the Unix-domain socket transport: one stream socket per pair.
 *
 * Each rank listens on an autobound abstract address (the kernel picks a
 * unique name that vanishes with the socket: nothing on disk to clean up) and
 * publishes it through ipcrun's key/value store; a pair connects when one of
 * them first has a frame for the other (handshake.h). Only ranks of one node
 * can meet this way, but any process of the node can connect to an abstract
 * address (no file permission applies): a peer of another uid (SO_PEERCRED)
 * is refused at once, and every connection opens with the handshake of
 * handshake.h, as tcp's do.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "boot/boot.h"
#include "handshake.h"
#include "internal.h"

static bool unix_probe(const struct ipc__job *job, int peer)
{
    return peer != job->rank && job->boot && job->node_of[peer] == job->node;
}

static void hex_encode(const unsigned char *in, size_t n, char *out)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

static int hex_decode(const char *in, unsigned char *out, size_t cap)
{
    size_t n = strlen(in);
    if (n % 2 || n / 2 > cap)
        return -1;
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(in + 2 * i, "%2x", &v) != 1)
            return -1;
        out[i] = (unsigned char)v;
    }
    return (int)(n / 2);
}

static void tune_socket(const struct ipc__job *job, int fd)
{
    ipc__socket_buffers(fd, job->tun.socket_buf);
}

/* Binds to a fresh abstract address and publishes it as unix.<rank>. */
static int listen_and_publish(struct ipc__job *job, int *out_fd, char *why, size_t whylen)
{
    (void)why, (void)whylen; /* errno says it all */
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    socklen_t salen = sizeof(sa_family_t);
    char key[32], hex[2 * sizeof sa.sun_path + 1];
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

    if (fd < 0)
        return -errno;
    if (bind(fd, (struct sockaddr *)&sa, salen) < 0 || listen(fd, SOMAXCONN) < 0)
        goto fail;
    salen = sizeof sa;
    if (getsockname(fd, (struct sockaddr *)&sa, &salen) < 0)
        goto fail;
    hex_encode((const unsigned char *)sa.sun_path, salen - sizeof(sa_family_t), hex);
    snprintf(key, sizeof key, "unix.%d", job->rank);
    if (ipc__kv_put(key, hex) != IPC_SUCCESS) {
        close(fd);
        return -ECONNRESET;
    }
    *out_fd = fd;
    return 0;
fail:;
    int err = errno;
    close(fd);
    return -err;
}

/* The address peer published (unix.<peer>), for the wire-up: an abstract
 * name, which messages do not show. */
static int peer_address(int peer, struct sockaddr_storage *ss, socklen_t *salen,
                        char *shown, size_t shownlen, char *why, size_t whylen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char key[32];
    (void)shown, (void)shownlen;
    snprintf(key, sizeof key, "unix.%d", peer);
    const char *hex = ipc__kv_get(key, peer);
    int n = hex ? hex_decode(hex, (unsigned char *)sa.sun_path, sizeof sa.sun_path) : -1;
    if (n <= 0) {
        snprintf(why, whylen, "published no usable address");
        return -EPROTO;
    }
    memcpy(ss, &sa, sizeof sa);
    *salen = (socklen_t)(sizeof(sa_family_t) + (size_t)n);
    return 0;
}

static int unix_connect(struct ipc__transport *self, struct ipc__job *job,
                        struct ipc__link *links)
{
    static const struct ipc__stream_wireup wireup = {
        .ops = &ipc__transport_unix,
        .what = "unix",
        .failed_as = "unix socket",
        .same_user = true,
        .domain = AF_UNIX,
        .listen = listen_and_publish,
        .address = peer_address,
        .tune = tune_socket,
        .lost = ipc__peer_unreachable,
    };
    return ipc__streams_open(job, links, &wireup, (struct ipc__streams **)&self->priv);
}

/* A link that is not up yet asks for its connection (handshake.h). */
static ssize_t unix_writev(struct ipc__link *l, const struct iovec *iov, int iovcnt)
{
    if (l->wfd < 0)
        return ipc__streams_want(l);
    return ipc__socket_writev(l, iov, iovcnt);
}

const struct ipc__transport_ops ipc__transport_unix = {
    .name = "unix",
    .kind = IPC__LINK_STREAM,
    .probe = unix_probe,
    .connect = unix_connect,
    .writev = unix_writev,
    .read = ipc__fd_read,
    .close = ipc__socket_close,
    .fini = ipc__stream_fini,
    .service_fd = ipc__stream_service_fd,
    .serve = ipc__stream_serve,
};
