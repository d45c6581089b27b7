/* fd.c - byte-stream helpers for transports built on file descriptors. */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

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
