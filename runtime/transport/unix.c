/*
 * unix.c - the Unix-domain socket transport: one stream socket per pair.
 *
 * Each rank listens on an autobound abstract address (the kernel picks a
 * unique name that vanishes with the socket: nothing on disk to clean up) and
 * publishes it through ipcrun's key/value store. Rank i connects to every
 * lower rank whose link is unix and accepts from every such higher one; the
 * connecting rank says who it is. Only ranks of one node can meet this way.
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

static int full_io(int fd, void *buf, size_t len, bool write_it)
{
    char *p = buf;
    while (len) {
        ssize_t n = write_it ? write(fd, p, len) : read(fd, p, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return n == 0 ? -ECONNRESET : -errno;
        p += n;
        len -= (size_t)n;
    }
    return 0;
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
    if (bind(fd, (struct sockaddr *)&sa, salen) < 0 || listen(fd, job->size) < 0)
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

static int connect_to(int peer, int32_t me, int *out_fd)
{
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    char key[32];
    snprintf(key, sizeof key, "unix.%d", peer);
    const char *hex = ipc__kv_get(key, peer);
    int n = hex ? hex_decode(hex, (unsigned char *)sa.sun_path, sizeof sa.sun_path) : -1;
    if (n <= 0)
        return -EPROTO;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -errno;
    int rc = 0;
    if (connect(fd, (struct sockaddr *)&sa, (socklen_t)(sizeof(sa_family_t) + (size_t)n)) < 0)
        rc = -errno;
    else
        rc = full_io(fd, &me, sizeof me, true);
    if (rc < 0) {
        close(fd);
        return rc;
    }
    *out_fd = fd;
    return 0;
}

static int accept_from(int lfd, const struct ipc__job *job, struct ipc__link *links)
{
    int32_t who;
    int fd = accept4(lfd, NULL, NULL, SOCK_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = full_io(fd, &who, sizeof who, false);
    if (rc == 0 && (who <= job->rank || who >= job->size ||
                    links[who].ops != &ipc__transport_unix || links[who].rfd >= 0))
        rc = -EPROTO;
    if (rc < 0) {
        close(fd);
        return rc;
    }
    links[who].rfd = links[who].wfd = fd;
    return 0;
}

static int unix_connect(struct ipc__transport *self, struct ipc__job *job,
                        struct ipc__link *links)
{
    (void)self; /* nothing beyond the links */
    int lfd = -1, rc;
    const char *stage = "listen";

    rc = listen_and_publish(job, &lfd);
    if (rc == 0) {
        stage = "fence";
        rc = ipc__kv_fence() == IPC_SUCCESS ? 0 : -ECONNRESET;
    }
    /* Both ends of a pair know from links[] whether it uses unix. */
    for (int p = 0; rc == 0 && p < job->rank; p++) {
        if (links[p].ops != &ipc__transport_unix)
            continue;
        stage = "connect";
        int fd = -1;
        rc = connect_to(p, job->rank, &fd);
        if (rc == 0)
            links[p].rfd = links[p].wfd = fd;
    }
    for (int p = job->rank + 1; rc == 0 && p < job->size; p++) {
        if (links[p].ops != &ipc__transport_unix)
            continue;
        stage = "accept";
        rc = accept_from(lfd, job, links);
    }
    if (lfd >= 0)
        close(lfd);
    if (rc < 0) {
        fprintf(stderr, "ipc: rank %d: unix socket wire-up failed at %s: %s\n", job->rank,
                stage, strerror(-rc));
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
