/*
 * unix.c - the Unix-domain socket transport: one stream socket per pair.
 *
 * Each rank listens on an autobound abstract address (the kernel picks a
 * unique name that vanishes with the socket: nothing on disk to clean up) and
 * publishes it through ipcrun's key/value store. Rank i connects to every
 * lower rank whose link is unix and accepts from every such higher one. Only
 * ranks of one node can meet this way, but any process of the node can
 * connect to an abstract address (no file permission applies): a peer of
 * another uid (SO_PEERCRED) is refused at once, and every connection opens
 * with the handshake of handshake.h, as tcp's do.
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

static void tune_socket(int fd, size_t bufsize)
{
    ipc__socket_buffers(fd, bufsize);
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Binds to a fresh abstract address and publishes it as unix.<rank>. */
static int listen_and_publish(struct ipc__job *job, int *out_fd)
{
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

static int connect_to(int peer, int32_t me, const unsigned char *secret, int *out_fd,
                      char *why, size_t whylen)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char key[32];
    snprintf(key, sizeof key, "unix.%d", peer);
    const char *hex = ipc__kv_get(key, peer);
    int n = hex ? hex_decode(hex, (unsigned char *)sa.sun_path, sizeof sa.sun_path) : -1;
    if (n <= 0) {
        snprintf(why, whylen, "rank %d published no usable address", peer);
        return -EPROTO;
    }
    int fd = -1;
    char reason[192] = "";
    int rc = ipc__connect_within(AF_UNIX, (struct sockaddr *)&sa,
                                 (socklen_t)(sizeof(sa_family_t) + (size_t)n), 0,
                                 ipc__now_ms() + IPC__HANDSHAKE_WAIT_MS, &fd);
    if (rc < 0)
        snprintf(reason, sizeof reason, "%s", strerror(-rc));
    else
        rc = ipc__handshake_connect(fd, me, peer, true, secret, reason, sizeof reason);
    if (rc < 0) {
        snprintf(why, whylen, "rank %d %s", peer, reason);
        if (fd >= 0)
            close(fd);
        return rc;
    }
    *out_fd = fd;
    return 0;
}

static int unix_connect(struct ipc__transport *self, struct ipc__job *job,
                        struct ipc__link *links)
{
    (void)self; /* nothing beyond the links */
    static const struct ipc__accept_rules rules = {&ipc__transport_unix, "unix", true};
    unsigned char secret[IPC__SECRET_BYTES];
    char why[256] = "";
    int lfd = -1, rc;
    const char *stage = "listen";

    rc = listen_and_publish(job, &lfd);
    if (rc == 0) {
        stage = "fence";
        rc = ipc__kv_fence() == IPC_SUCCESS ? 0 : -ECONNRESET;
    }
    /* Under PMI-2 the secret travels in the key/value store: after a fence. */
    if (rc == 0) {
        stage = "secret";
        rc = job->boot->secret(secret, why, sizeof why) == IPC_SUCCESS ? 0 : -EINVAL;
    }
    /* Both ends of a pair know from links[] whether it uses unix. */
    int higher = 0;
    for (int p = job->rank + 1; p < job->size; p++)
        higher += links[p].ops == &ipc__transport_unix;
    for (int p = 0; rc == 0 && p < job->rank; p++) {
        if (links[p].ops != &ipc__transport_unix)
            continue;
        stage = "connect";
        int fd = -1;
        rc = connect_to(p, job->rank, secret, &fd, why, sizeof why);
        if (rc == 0)
            links[p].rfd = links[p].wfd = fd;
    }
    if (rc == 0) {
        stage = "accept";
        rc = ipc__handshake_accept(lfd, job, links, &rules, secret, higher);
    }
    if (lfd >= 0)
        close(lfd);
    explicit_bzero(secret, sizeof secret);
    if (rc < 0) {
        fprintf(stderr, "ipc: rank %d: unix socket wire-up failed at %s: %s\n", job->rank,
                stage, why[0] ? why : strerror(-rc));
        return IPC_ERR_WIREUP;
    }
    for (int p = 0; p < job->size; p++)
        if (links[p].ops == &ipc__transport_unix)
            tune_socket(links[p].rfd, job->tun.socket_buf);
    return IPC_SUCCESS;
}

const struct ipc__transport_ops ipc__transport_unix = {
    .name = "unix",
    .kind = IPC__LINK_STREAM,
    .probe = unix_probe,
    .connect = unix_connect,
    .writev = ipc__socket_writev,
    .read = ipc__fd_read,
    .close = ipc__socket_close,
};
