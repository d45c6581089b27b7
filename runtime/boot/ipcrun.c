/*
 * ipcrun.c - the bootstrap of ranks that ipcrun (or its node daemon)
 * started: the job from the environment, key/value exchange and fences over
 * the control channel (ctl.h), the secret from IPC_JOB_SECRET.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "boot/boot.h"
#include "ctl.h"
#include "internal.h"

/* What the last FENCE_DONE carried: every "key\0value\0". */
static char *kv_blob;
static size_t kv_len;

static bool ipcrun_detect(void)
{
    return getenv("IPC_CONTROL_FD") != NULL;
}

static int env_int(const char *name, int min, int *out)
{
    const char *s = getenv(name);
    char *end;
    long v;
    if (!s) {
        fprintf(stderr, "ipc: %s is not set; start the program with ipcrun\n", name);
        return -1;
    }
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < min || v > 1 << 24) {
        fprintf(stderr, "ipc: %s='%s' is not valid; start the program with ipcrun\n",
                name, s);
        return -1;
    }
    *out = (int)v;
    return 0;
}

static int ipcrun_init(struct ipc__job *job, char **node_of)
{
    const char *id = getenv("IPC_JOB_ID");
    const char *nodes = getenv("IPC_NODE_OF");
    *node_of = NULL;
    if (env_int("IPC_CONTROL_FD", 0, &job->ctl_fd) ||
        env_int("IPC_SIZE", 1, &job->size) || env_int("IPC_RANK", 0, &job->rank) ||
        (!nodes && (env_int("IPC_LOCAL_SIZE", 1, &job->local_size) ||
                    env_int("IPC_LOCAL_RANK", 0, &job->local_rank)))) {
        job->ctl_fd = -1;
        return IPC_ERR_WIREUP;
    }
    if (job->rank >= job->size || (!nodes && job->local_rank >= job->local_size)) {
        fprintf(
            stderr,
            "ipc: IPC_RANK/IPC_LOCAL_RANK out of range; start the program with ipcrun\n");
        job->ctl_fd = -1;
        return IPC_ERR_WIREUP;
    }
    snprintf(job->job_id, sizeof job->job_id, "%s", id ? id : "");
    if (ipc__ctl_send(job->ctl_fd, IPC__CTL_INIT, NULL, 0, NULL, 0) < 0) {
        fprintf(stderr, "ipc: rank %d: cannot reach ipcrun on IPC_CONTROL_FD=%d\n",
                job->rank, job->ctl_fd);
        job->ctl_fd = -1;
        return IPC_ERR_WIREUP;
    }
    if (nodes && !(*node_of = strdup(nodes)))
        return IPC_ERR_NOMEM;
    return IPC_SUCCESS;
}

static int ipcrun_put(const char *key, const char *value)
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

static int ipcrun_fence(void)
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
        fprintf(stderr,
                "ipc: rank %d: the launcher did not complete the wire-up fence: %s\n",
                ipc__g.job.rank,
                rc < 0  ? strerror(-rc)
                : n < 0 ? strerror((int)-n)
                        : "connection closed");
        free(buf);
        return IPC_ERR_WIREUP;
    }
    free(kv_blob);
    kv_blob = buf;
    kv_len = (size_t)n;
    return IPC_SUCCESS;
}

static const char *ipcrun_get(const char *key, int from)
{
    (void)from; /* ipcrun's store has one name space */
    return kv_blob ? ipc__kv_lookup(kv_blob, kv_len, key) : NULL;
}

static int ipcrun_secret(unsigned char out[IPC__SECRET_BYTES], char *why, size_t whylen)
{
    if (ipc__secret_parse(getenv("IPC_JOB_SECRET"), out) == 0)
        return IPC_SUCCESS;
    snprintf(why, whylen,
             "IPC_JOB_SECRET is not set or not %d hex digits; start the program with "
             "ipcrun",
             IPC__SECRET_HEX);
    return IPC_ERR_WIREUP;
}

static void ipcrun_finalize(void)
{
    free(kv_blob);
    kv_blob = NULL;
    if (ipc__g.job.ctl_fd < 0)
        return;
    ipc__ctl_send(ipc__g.job.ctl_fd, IPC__CTL_FINALIZE, NULL, 0, NULL, 0);
    close(ipc__g.job.ctl_fd);
    ipc__g.job.ctl_fd = -1;
}

/* ipcrun stops the other ranks when it hears of the abort. */
static void ipcrun_abort(int code)
{
    /* The API says whether the program called MPI_Abort or ipc_abort. */
    struct {
        int32_t code;
        uint32_t api;
    } wire = {code, ipc__obs.api};
    if (ipc__g.job.ctl_fd >= 0)
        ipc__ctl_send(ipc__g.job.ctl_fd, IPC__CTL_ABORT, &wire, sizeof wire, NULL, 0);
}

const struct ipc__boot_ops ipc__boot_ipcrun = {
    .name = "ipcrun",
    .detect = ipcrun_detect,
    .init = ipcrun_init,
    .put = ipcrun_put,
    .fence = ipcrun_fence,
    .get = ipcrun_get,
    .secret = ipcrun_secret,
    .finalize = ipcrun_finalize,
    .abort = ipcrun_abort,
};
