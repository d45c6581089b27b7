/*
 * pipe.c - the pipe transport: two pipes per pair of ranks of one node,
 * created by the launcher and handed to both ends over the control channel
 * (no names, nothing on disk).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "internal.h"

static bool pipe_probe(const struct ipc__job *job, int peer)
{
    return peer != job->rank && job->ctl_fd >= 0 && job->node_of[peer] == job->node;
}

static void pipe_setup_fd(int fd, size_t pipe_size, bool set_size)
{
    fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
    /* A larger buffer lets a sender run ahead of its receiver; the kernel may
     * refuse (pipe-max-size), which only costs speed. */
    if (set_size && pipe_size)
        (void)fcntl(fd, F_SETPIPE_SZ, (int)pipe_size);
}

static int pipe_connect(struct ipc__transport *self, struct ipc__job *job,
                        struct ipc__link *links)
{
    (void)self; /* nothing beyond the links */
    uint32_t node = (uint32_t)job->node;
    int rc = ipc__ctl_send(job->ctl_fd, IPC__CTL_PIPES, &node, sizeof node, NULL, 0);
    int expected = 0, got = 0;

    for (int p = 0; p < job->size; p++)
        expected += links[p].ops == &ipc__transport_pipe;
    /* The launcher joins every pair of the node's ranks. */
    while (rc == 0 && got < job->local_size - 1) {
        int32_t peer;
        int fds[IPC__CTL_MAX_FDS], nfds = 0;
        uint32_t type = 0;
        ssize_t n = ipc__ctl_recv(job->ctl_fd, &type, &peer, sizeof peer, fds, &nfds);
        if (n < 0 || type == 0) {
            rc = n < 0 ? (int)n : -ECONNRESET;
            break;
        }
        if (type != IPC__CTL_PIPE || n != sizeof peer || nfds != 2 || peer < 0 ||
            peer >= job->size || peer == job->rank || job->node_of[peer] != job->node) {
            for (int i = 0; i < nfds; i++)
                close(fds[i]);
            rc = -EPROTO;
            break;
        }
        got++;
        if (links[peer].ops != &ipc__transport_pipe) {
            close(fds[0]);
            close(fds[1]);
            continue;
        }
        links[peer].rfd = fds[0];
        links[peer].wfd = fds[1];
        pipe_setup_fd(fds[0], job->tun.pipe_size, false);
        pipe_setup_fd(fds[1], job->tun.pipe_size, true);
    }
    if (rc < 0) {
        fprintf(stderr, "ipc: rank %d: pipe wire-up failed after %d of %d peers: %s\n",
                job->rank, got, expected, strerror(-rc));
        return IPC_ERR_WIREUP;
    }
    return IPC_SUCCESS;
}

static void pipe_close(struct ipc__link *l)
{
    if (l->rfd >= 0)
        close(l->rfd);
    if (l->wfd >= 0)
        close(l->wfd);
    l->rfd = l->wfd = -1;
}

const struct ipc__transport_ops ipc__transport_pipe = {
    .name = "pipe",
    .kind = IPC__LINK_STREAM,
    .probe = pipe_probe,
    .connect = pipe_connect,
    .writev = ipc__fd_writev,
    .read = ipc__fd_read,
    .close = pipe_close,
};
