/* ctl.c - packets on the control channel between ipcrun and a rank. */
#include "ctl.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

int ipc__ctl_send(int fd, uint32_t type, const void *payload, size_t len, const int *fds,
                  int nfds)
{
    struct ipc__ctl_hdr hdr = {.type = type, .len = (uint32_t)len};
    struct iovec iov[2] = {
        {.iov_base = &hdr, .iov_len = sizeof hdr},
        {.iov_base = (void *)payload, .iov_len = len},
    };
    union {
        char buf[CMSG_SPACE(sizeof(int) * IPC__CTL_MAX_FDS)];
        struct cmsghdr align;
    } ctrl;
    struct msghdr msg = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};

    if (len + sizeof hdr > IPC__CTL_MAX_MSG || nfds < 0 || nfds > IPC__CTL_MAX_FDS)
        return -EMSGSIZE;
    if (nfds > 0) {
        memset(&ctrl, 0, sizeof ctrl);
        msg.msg_control = ctrl.buf;
        msg.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
        struct cmsghdr *c = CMSG_FIRSTHDR(&msg);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
        memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
    }
    for (;;) {
        ssize_t n = sendmsg(fd, &msg, MSG_NOSIGNAL);
        if (n >= 0)
            return 0;
        if (errno != EINTR)
            return -errno;
    }
}

/* Keeps the descriptors the caller asked for and closes the rest. */
static void take_fds(struct msghdr *msg, int *fds, int *nfds)
{
    int kept = 0;
    for (struct cmsghdr *c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
        if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
            continue;
        size_t n = (c->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (size_t i = 0; i < n; i++) {
            int one;
            memcpy(&one, CMSG_DATA(c) + i * sizeof(int), sizeof one);
            if (nfds && kept < IPC__CTL_MAX_FDS)
                fds[kept++] = one;
            else
                close(one);
        }
    }
    if (nfds)
        *nfds = kept;
}

ssize_t ipc__ctl_recv(int fd, uint32_t *type, void *buf, size_t cap, int *fds, int *nfds)
{
    struct ipc__ctl_hdr hdr;
    struct iovec iov[2] = {
        {.iov_base = &hdr, .iov_len = sizeof hdr},
        {.iov_base = buf, .iov_len = cap},
    };
    union {
        char buf[CMSG_SPACE(sizeof(int) * IPC__CTL_MAX_FDS)];
        struct cmsghdr align;
    } ctrl;
    struct msghdr msg = {.msg_iov = iov,
                         .msg_iovlen = 2,
                         .msg_control = ctrl.buf,
                         .msg_controllen = sizeof ctrl.buf};
    ssize_t n;

    if (nfds)
        *nfds = 0;
    do
        n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return -errno;
    int bad = 0;
    if (n > 0 && (size_t)n < sizeof hdr)
        bad = -EPROTO;
    else if (msg.msg_flags & MSG_TRUNC)
        bad = -EMSGSIZE;
    else if (n > 0 && (size_t)n - sizeof hdr != hdr.len)
        bad = -EPROTO;
    /* A packet we cannot use keeps none of its descriptors. */
    take_fds(&msg, bad ? NULL : fds, bad ? NULL : nfds);
    if (bad)
        return bad;
    if (n == 0) {
        *type = 0;
        return 0;
    }
    *type = hdr.type;
    return (ssize_t)hdr.len;
}

const char *ipc__ctl_call_name(uint32_t call, uint32_t api)
{
    static const char *const names[] = {
#define IPC__CALL_NAME(name, text, mpi_text) text,
        IPC__CALLS(IPC__CALL_NAME)
#undef IPC__CALL_NAME
    };
    static const char *const mpi_names[] = {
#define IPC__CALL_MPI_NAME(name, text, mpi_text) mpi_text,
        IPC__CALLS(IPC__CALL_MPI_NAME)
#undef IPC__CALL_MPI_NAME
    };
    if (call >= IPC__CALL_COUNT)
        return "";
    return api == IPC__API_MPI ? mpi_names[call] : names[call];
}

const char *ipc__ctl_comm_name(const struct ipc__ctl_comm_name *names, int n,
                               uint32_t ctx)
{
    for (int i = 0; i < n; i++)
        if (names[i].name[0] && names[i].ctx == ctx &&
            memchr(names[i].name, '\0', sizeof names[i].name))
            return names[i].name;
    return NULL;
}

int ipc__ctl_make_segment(const char *name, uint64_t size)
{
    int fd = memfd_create(name, MFD_CLOEXEC);
    if (fd < 0)
        return -errno;
    int rc = ftruncate(fd, (off_t)size) == 0 ? 0 : errno;
    if (rc == 0)
        rc = posix_fallocate(fd, 0, (off_t)size);
    if (rc != 0) {
        close(fd);
        return -rc;
    }
    return fd;
}
