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

/* What the last fence carried (FENCE_PARTs and FENCE_DONE): every
 * "key\0value\0". */
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

/* Appends the nodes of ranks [first, first + count) to the "0,0,1" text. */
static void append_nodes(char *text, size_t *used, const uint32_t *node, int first,
                         int count)
{
    for (int i = 0; i < count; i++)
        *used += (size_t)sprintf(text + *used, "%s%u", first + i ? "," : "", node[i]);
}

/* The node map of a job over several hosts (IPC_NODES): asked of ipcrun or
 * the node daemon, in IPC_NODE_OF's form. Returns 0, or -errno. */
static int ask_node_map(const struct ipc__job *job, char **out)
{
    /* Up to 10 digits and a comma per rank. */
    char *text = malloc((size_t)job->size * 11 + 1);
    uint32_t *buf = malloc(IPC__CTL_MAX_MSG);
    size_t used = 0;
    int got = 0, rc = text && buf ? 0 : -ENOMEM;
    if (rc == 0)
        rc = ipc__ctl_send(job->ctl_fd, IPC__CTL_NODES, NULL, 0, NULL, 0);
    while (rc == 0 && got < job->size) {
        uint32_t type = 0;
        ssize_t n = ipc__ctl_recv(job->ctl_fd, &type, buf, IPC__CTL_MAX_MSG, NULL, NULL);
        if (n < 0)
            rc = (int)n;
        else if (type != IPC__CTL_NODE_MAP || n < 8 || n % 4 || buf[0] != (uint32_t)got ||
                 (size_t)n / 4 - 1 > (size_t)(job->size - got))
            rc = type == 0 ? -ECONNRESET : -EPROTO;
        if (rc < 0)
            break;
        int count = (int)(n / 4 - 1);
        append_nodes(text, &used, buf + 1, got, count);
        got += count;
    }
    free(buf);
    if (rc < 0) {
        free(text);
        return rc;
    }
    *out = text;
    return 0;
}

static int ipcrun_init(struct ipc__job *job, char **node_of)
{
    const char *id = getenv("IPC_JOB_ID");
    /* Over several hosts ipcrun says how many (IPC_NODES), and the map comes
     * over the control channel; IPC_NODE_OF is the user's, for one host. */
    bool ask = getenv("IPC_NODES") != NULL;
    const char *nodes = ask ? NULL : getenv("IPC_NODE_OF");
    *node_of = NULL;
    if (env_int("IPC_CONTROL_FD", 0, &job->ctl_fd) ||
        env_int("IPC_SIZE", 1, &job->size) || env_int("IPC_RANK", 0, &job->rank) ||
        (!nodes && !ask &&
         (env_int("IPC_LOCAL_SIZE", 1, &job->local_size) ||
          env_int("IPC_LOCAL_RANK", 0, &job->local_rank)))) {
        job->ctl_fd = -1;
        return IPC_ERR_WIREUP;
    }
    if (job->rank >= job->size ||
        (!nodes && !ask && job->local_rank >= job->local_size)) {
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
    if (ask) {
        int rc = ask_node_map(job, node_of);
        if (rc == -ENOMEM)
            return IPC_ERR_NOMEM;
        if (rc < 0) {
            fprintf(stderr, "ipc: rank %d: cannot get the node map from ipcrun: %s\n",
                    job->rank, strerror(-rc));
            return IPC_ERR_WIREUP;
        }
    }
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

/* Appends a packet of the table to *blob (*len bytes so far). */
static int take_part(char **blob, size_t *len, const char *part, size_t n)
{
    char *b = realloc(*blob, *len + n + 1);
    if (!b)
        return -ENOMEM;
    memcpy(b + *len, part, n);
    *blob = b;
    *len += n;
    return 0;
}

static int ipcrun_fence(void)
{
    int fd = ipc__g.job.ctl_fd;
    int rc = ipc__ctl_send(fd, IPC__CTL_FENCE, NULL, 0, NULL, 0);
    char *buf = malloc(IPC__CTL_MAX_MSG), *blob = NULL;
    size_t len = 0;
    uint32_t type = 0;

    if (!buf)
        return IPC_ERR_NOMEM;
    /* The table, in FENCE_PARTs when large, ends with FENCE_DONE. */
    while (rc == 0 && type != IPC__CTL_FENCE_DONE) {
        ssize_t n = ipc__ctl_recv(fd, &type, buf, IPC__CTL_MAX_MSG, NULL, NULL);
        if (n >= 0 && type == 0)
            rc = -ECONNRESET;
        else if (n < 0)
            rc = (int)n;
        else if (type == IPC__CTL_FENCE_PART || type == IPC__CTL_FENCE_DONE)
            rc = take_part(&blob, &len, buf, (size_t)n);
    }
    free(buf);
    if (rc < 0) {
        fprintf(stderr,
                "ipc: rank %d: the launcher did not complete the wire-up fence: %s\n",
                ipc__g.job.rank, rc == -ECONNRESET ? "connection closed" : strerror(-rc));
        free(blob);
        return rc == -ENOMEM ? IPC_ERR_NOMEM : IPC_ERR_WIREUP;
    }
    free(kv_blob);
    kv_blob = blob;
    kv_len = len;
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
