/* fd.c - byte-stream helpers for transports built on file descriptors. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "handshake.h"
#include "transport.h"

ssize_t ipc__fd_writev(struct ipc__link *l, const struct iovec *iov, int iovcnt)
{
    for (;;) {
        ssize_t n = writev(l->wfd, iov, iovcnt);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN ? 0 : -errno;
    }
}

ssize_t ipc__socket_writev(struct ipc__link *l, const struct iovec *iov, int iovcnt)
{
    /* sendmsg rather than writev: MSG_NOSIGNAL, so a vanished peer is EPIPE
     * and not a signal. */
    struct msghdr msg = {.msg_iov = (struct iovec *)iov, .msg_iovlen = (size_t)iovcnt};
    for (;;) {
        ssize_t n = sendmsg(l->wfd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (n >= 0)
            return n;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN ? 0 : -errno;
    }
}

void ipc__socket_close(struct ipc__link *l)
{
    if (l->rfd >= 0)
        close(l->rfd);
    l->rfd = l->wfd = -1;
}

void ipc__socket_buffers(int fd, size_t bytes)
{
    if (bytes) {
        int v = (int)bytes;
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
        (void)setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
    }
}

ssize_t ipc__fd_read(struct ipc__link *l, void *buf, size_t len)
{
    for (;;) {
        ssize_t n = read(l->rfd, buf, len);
        if (n > 0)
            return n;
        if (n == 0)
            return -EPIPE;
        if (errno == EINTR)
            continue;
        return errno == EAGAIN ? 0 : -errno;
    }
}

void ipc__stream_fini(struct ipc__transport *self)
{
    ipc__streams_close(self->priv);
    self->priv = NULL;
}

int ipc__stream_service_fd(struct ipc__transport *self)
{
    return self->priv ? ipc__streams_fd(self->priv) : -1;
}

bool ipc__stream_serve(struct ipc__transport *self)
{
    return ipc__streams_serve(self->priv);
}
