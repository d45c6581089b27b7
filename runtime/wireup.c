/* wireup.c - the rank's side of the control channel: key/value exchange. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "internal.h"

int ipc__kv_put(const char *key, const char *value)
{
    size_t kl = strlen(key) + 1, vl = strlen(value) + 1;
    char *buf = malloc(kl + vl);
    if (!buf)
        return IPC_ERR_NOMEM;
    memcpy(buf, key, kl);
    memcpy(buf + kl, value, vl);
    int rc = ipc__ctl_send(ipc__g.job.ctl_fd, IPC__CTL_PUT, buf, kl + vl, NULL, 0);
    free(buf);
    if (rc < 0) {
        fprintf(stderr, "ipc: rank %d: cannot reach ipcrun: %s\n", ipc__g.job.rank,
                strerror(-rc));
        return IPC_ERR_WIREUP;
    }
    return IPC_SUCCESS;
}

int ipc__kv_fence(char **blob, size_t *len)
{
    int fd = ipc__g.job.ctl_fd;
    int rc = ipc__ctl_send(fd, IPC__CTL_FENCE, NULL, 0, NULL, 0);
    char *buf = malloc(IPC__CTL_MAX_MSG);
    uint32_t type = 0;
    ssize_t n = -ENOMEM;

    if (!buf)
        return IPC_ERR_NOMEM;
    while (rc == 0) {
        n = ipc__ctl_recv(fd, &type, buf, IPC__CTL_MAX_MSG, NULL, NULL);
        if (n < 0 || type == 0 || type == IPC__CTL_FENCE_DONE)
            break;
    }
    if (rc < 0 || n < 0 || type != IPC__CTL_FENCE_DONE) {
        fprintf(stderr, "ipc: rank %d: the launcher did not complete the wire-up fence: %s\n",
                ipc__g.job.rank,
                rc < 0 ? strerror(-rc) : n < 0 ? strerror((int)-n) : "connection closed");
        free(buf);
        return IPC_ERR_WIREUP;
    }
    *blob = buf;
    *len = (size_t)n;
    return IPC_SUCCESS;
}

const char *ipc__kv_lookup(const char *blob, size_t len, const char *key)
{
    const char *p = blob, *end = blob + len;
    while (p < end) {
        const char *k = p;
        const char *v = memchr(k, '\0', (size_t)(end - k));
        if (!v || ++v >= end)
            return NULL;
        const char *vend = memchr(v, '\0', (size_t)(end - v));
        if (!vend)
            return NULL;
        if (!strcmp(k, key))
            return v;
        p = vend + 1;
    }
    return NULL;
}
