/* wireup.c - serving the ranks' control channels (protocol in runtime/common/ctl.h). */
#include "wireup.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>
#include <unistd.h>

#include "ctl.h"
#include "job.h"
#include "loop.h"
#include "report.h"

int ipcrun__wireup_init(struct ipcrun__wireup *w)
{
    *w = (struct ipcrun__wireup){0};
    w->rxbuf = malloc(IPC__CTL_MAX_MSG);
    return w->rxbuf ? 0 : -ENOMEM;
}

void ipcrun__wireup_fini(struct ipcrun__wireup *w)
{
    for (int i = 0; i < w->nkv; i++) {
        free(w->keys[i]);
        free(w->values[i]);
    }
    free(w->keys);
    free(w->values);
    free(w->rxbuf);
    for (int i = 0; i < w->nsegs; i++)
        if (w->segs[i].fd >= 0)
            close(w->segs[i].fd);
    free(w->segs);
    *w = (struct ipcrun__wireup){0};
}

static int replace_value(struct ipcrun__wireup *w, int i, const char *value)
{
    char *v = strdup(value);
    if (!v)
        return -ENOMEM;
    free(w->values[i]);
    w->values[i] = v;
    return 0;
}

static int grow_kv(struct ipcrun__wireup *w)
{
    int cap = w->kvcap ? 2 * w->kvcap : 64;
    char **k = realloc(w->keys, (size_t)cap * sizeof *k);
    if (!k)
        return -ENOMEM;
    w->keys = k;
    char **v = realloc(w->values, (size_t)cap * sizeof *v);
    if (!v)
        return -ENOMEM;
    w->values = v;
    w->kvcap = cap;
    return 0;
}

int ipcrun__wireup_put(struct ipcrun__wireup *w, const char *key, const char *value)
{
    for (int i = 0; i < w->nkv; i++)
        if (!strcmp(w->keys[i], key))
            return replace_value(w, i, value);
    if (w->nkv == w->kvcap && grow_kv(w))
        return -ENOMEM;
    char *k = strdup(key), *v = strdup(value);
    if (!k || !v) {
        free(k);
        free(v);
        return -ENOMEM;
    }
    w->keys[w->nkv] = k;
    w->values[w->nkv] = v;
    w->nkv++;
    return 0;
}

char *ipcrun__wireup_blob(const struct ipcrun__wireup *w, size_t *len)
{
    size_t total = 0;
    for (int i = 0; i < w->nkv; i++)
        total += strlen(w->keys[i]) + 1 + strlen(w->values[i]) + 1;
    char *blob = malloc(total ? total : 1), *p = blob;
    if (!blob)
        return NULL;
    for (int i = 0; i < w->nkv; i++) {
        size_t kl = strlen(w->keys[i]) + 1, vl = strlen(w->values[i]) + 1;
        memcpy(p, w->keys[i], kl);
        memcpy(p + kl, w->values[i], vl);
        p += kl + vl;
    }
    *len = total;
    return blob;
}

/* The launcher's ends are non-blocking so that reading never stalls the event
 * loop; an answer is only sent to a rank that waits for it, hence reads, so
 * waiting for room here ends. */
static int send_wait(int fd, uint32_t type, const void *payload, size_t len,
                     const int *fds, int nfds)
{
    for (;;) {
        int rc = ipc__ctl_send(fd, type, payload, len, fds, nfds);
        if (rc != -EAGAIN)
            return rc;
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        if (poll(&pfd, 1, -1) < 0 && errno != EINTR)
            return -errno;
        if ((pfd.revents & (POLLHUP | POLLERR)) && !(pfd.revents & POLLOUT))
            return -EPIPE;
    }
}

/* The rank is gone (its death is reported when it is reaped). */
static bool peer_gone(int rc)
{
    return rc == -EPIPE || rc == -ECONNRESET || rc == -ECONNREFUSED;
}

void ipcrun__wireup_deliver(struct ipcrun__launch *job, int r, uint32_t type,
                            const void *payload, size_t len)
{
    int fd = job->ranks[r].ctl_fd;
    int rc = fd >= 0 ? send_wait(fd, type, payload, len, NULL, 0) : 0;
    if (rc < 0 && !peer_gone(rc))
        ipcrun__launch_fail(job, r, IPCRUN__EXIT_LAUNCHER,
                            "could not be sent a control message (%zu bytes): %s", len,
                            strerror(-rc));
}

/* A fence or pipe exchange that some rank can no longer join would leave the
 * others waiting forever. A node daemon leaves fences to ipcrun. */
static void check_stuck(struct ipcrun__launch *job)
{
    struct ipcrun__wireup *w = job->wireup;
    for (int r = 0; r < job->n && job->phase == IPCRUN__PHASE_RUNNING; r++) {
        struct ipcrun__launch_rank *rk = &job->ranks[r];
        if (rk->ops->ctl_open(job, r))
            continue;
        const char *how =
            rk->running ? "closed its control channel (IPC_CONTROL_FD)" : "exited";
        if (w->nfenced > 0 && !rk->fenced)
            ipcrun__launch_fail(
                job, r, 1,
                "%s before joining the wire-up fence that %d other rank%s "
                "in (did it call ipc_init?)",
                how, w->nfenced, w->nfenced == 1 ? " waits" : "s wait");
        else if (w->npipes > 0 && !rk->wants_pipes && rk->local_index >= 0)
            ipcrun__launch_fail(job, r, 1,
                                "%s before asking for its pipes, which %d other rank%s "
                                "for (did it call ipc_init?)",
                                how, w->npipes, w->npipes == 1 ? " waits" : "s wait");
    }
}

void ipcrun__wireup_close(struct ipcrun__launch *job, int r)
{
    if (job->ranks[r].ops->ctl_close(job, r))
        check_stuck(job);
}

/* Sends every rank the table: one copy to each node daemon, which passes it
 * to its ranks, in packets of at most IPC__CTL_MAX_MSG (FENCE_PARTs, then a
 * FENCE_DONE with the rest), so that the job's size is not bounded by one. */
static void complete_fence(struct ipcrun__launch *job)
{
    struct ipcrun__wireup *w = job->wireup;
    const size_t piece = IPC__CTL_MAX_MSG - sizeof(struct ipc__ctl_hdr);
    size_t len = 0;
    char *blob = ipcrun__wireup_blob(w, &len);

    w->nfenced = 0;
    for (int r = 0; r < job->n; r++)
        job->ranks[r].fenced = false;
    if (!blob) {
        ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER,
                            "out of memory completing a fence");
        return;
    }
    size_t off = 0;
    for (; len - off > piece; off += piece)
        for (int k = 0; k < job->nkinds && job->phase == IPCRUN__PHASE_RUNNING; k++)
            job->kinds[k]->ctl(job, -1, IPC__CTL_FENCE_PART, blob + off, piece);
    for (int k = 0; k < job->nkinds && job->phase == IPCRUN__PHASE_RUNNING; k++)
        job->kinds[k]->ctl(job, -1, IPC__CTL_FENCE_DONE, blob + off, len - off);
    free(blob);
}

/* Tells rank `to` its two ends of the pipes to `peer`. */
static void send_pipe(struct ipcrun__launch *job, int to, int peer, int rfd, int wfd)
{
    int fd = job->ranks[to].ctl_fd;
    if (fd < 0)
        return;
    int32_t wire = peer;
    int fds[2] = {rfd, wfd};
    int rc = send_wait(fd, IPC__CTL_PIPE, &wire, sizeof wire, fds, 2);
    if (rc < 0 && !peer_gone(rc))
        ipcrun__launch_fail(job, to, IPCRUN__EXIT_LAUNCHER,
                            "could not be passed its pipes to rank %d: %s", peer,
                            strerror(-rc));
}

/* Creates the two pipes between ranks i and j (of this host) and gives each
 * its ends; the launcher keeps none, so it never holds more than four at a
 * time. */
static int connect_pair(struct ipcrun__launch *job, int i, int j)
{
    int i_to_j[2], j_to_i[2];
    if (pipe2(i_to_j, O_CLOEXEC) != 0)
        return -errno;
    if (pipe2(j_to_i, O_CLOEXEC) != 0) {
        int e = errno;
        close(i_to_j[0]);
        close(i_to_j[1]);
        return -e;
    }
    send_pipe(job, i, j, j_to_i[0], i_to_j[1]);
    send_pipe(job, j, i, i_to_j[0], j_to_i[1]);
    close(i_to_j[0]);
    close(i_to_j[1]);
    close(j_to_i[0]);
    close(j_to_i[1]);
    return 0;
}

/* Pipes join ranks of one node only: between nodes there is no pipe. */
static void hand_out_pipes(struct ipcrun__launch *job)
{
    job->wireup->npipes = 0;
    for (int r = 0; r < job->n; r++)
        job->ranks[r].wants_pipes = false;
    for (int a = 0; a < job->nlocal; a++) {
        for (int b = a + 1; b < job->nlocal; b++) {
            int i = job->local[a], j = job->local[b];
            if (job->phase != IPCRUN__PHASE_RUNNING)
                return;
            if (job->ranks[i].pipe_node != job->ranks[j].pipe_node)
                continue;
            int rc = connect_pair(job, i, j);
            if (rc < 0) {
                ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER,
                                    "cannot create the pipes between ranks %d and %d: %s",
                                    i, j, strerror(-rc));
                return;
            }
        }
    }
}

static void on_put(struct ipcrun__launch *job, int r, const char *buf, size_t len)
{
    const char *kend = memchr(buf, '\0', len);
    const char *v = kend ? kend + 1 : NULL;
    const char *vend = v ? memchr(v, '\0', len - (size_t)(v - buf)) : NULL;

    if (!vend || vend + 1 != buf + len || kend == buf) {
        ipcrun__launch_fail(job, r, 1, "sent a malformed PUT on its control channel");
        return;
    }
    if (ipcrun__wireup_put(job->wireup, buf, v))
        ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER,
                            "out of memory storing wire-up data");
}

static void on_fence(struct ipcrun__launch *job, int r)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    if (rk->fenced)
        return;
    rk->fenced = true;
    if (++job->wireup->nfenced == job->n)
        complete_fence(job);
    else
        check_stuck(job);
}

static void on_pipes(struct ipcrun__launch *job, int r, const char *buf, size_t len)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    if (len != sizeof rk->pipe_node) {
        ipcrun__launch_fail(job, r, 1,
                            "sent a malformed PIPES request on its control channel");
        return;
    }
    if (rk->wants_pipes)
        return;
    memcpy(&rk->pipe_node, buf, sizeof rk->pipe_node);
    rk->wants_pipes = true;
    if (++job->wireup->npipes == job->nlocal)
        hand_out_pipes(job);
    else
        check_stuck(job);
}

/* Makes a node's segment (ipc__ctl_make_segment), named for the job. */
static int create_segment(struct ipcrun__launch *job, unsigned node,
                          unsigned long long size)
{
    char name[80];
    snprintf(name, sizeof name, "ipc-%s-node%u", job->job_id, node);
    return ipc__ctl_make_segment(name, size);
}

/* The node's segment, made when its first rank asks; NULL out of memory. */
static struct ipcrun__wireup_segment *node_segment(struct ipcrun__launch *job,
                                                   const struct ipc__ctl_shm_req *req)
{
    struct ipcrun__wireup *w = job->wireup;
    for (int i = 0; i < w->nsegs; i++)
        if (w->segs[i].node == req->node)
            return &w->segs[i];
    struct ipcrun__wireup_segment *segs =
        realloc(w->segs, (size_t)(w->nsegs + 1) * sizeof *segs);
    if (!segs)
        return NULL;
    w->segs = segs;
    struct ipcrun__wireup_segment *g = &segs[w->nsegs++];
    int fd = create_segment(job, req->node, req->size);
    *g = (struct ipcrun__wireup_segment){.node = req->node,
                                         .fd = fd < 0 ? -1 : fd,
                                         .err = fd < 0 ? -fd : 0,
                                         .size = req->size,
                                         .nranks = req->nranks};
    return g;
}

static void on_shm(struct ipcrun__launch *job, int r, const char *buf, size_t len)
{
    struct ipc__ctl_shm_req req;
    if (len != sizeof req) {
        ipcrun__launch_fail(job, r, 1,
                            "sent a malformed SHM request on its control channel");
        return;
    }
    memcpy(&req, buf, sizeof req);
    struct ipcrun__wireup_segment *g = node_segment(job, &req);
    if (!g) {
        ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER,
                            "out of memory serving a SHM request");
        return;
    }
    if (g->handed == g->nranks || req.nranks != g->nranks) {
        ipcrun__launch_fail(
            job, r, 1,
            "asked for the shared segment of node %u as one of %u ranks, but "
            "%u of that node's %u ranks asked already (is IPC_NODE_OF the same "
            "for every rank?)",
            req.node, req.nranks, g->handed, g->nranks);
        return;
    }
    if (!g->err && req.size != g->size) {
        ipcrun__launch_fail(
            job, r, 1,
            "asked for a %llu-byte shared segment, but another rank of node %u "
            "asked for %llu (do all ranks have the same IPC_SHM_* settings?)",
            (unsigned long long)req.size, req.node, g->size);
        return;
    }
    struct ipc__ctl_shm answer = {.err = g->err, .size = req.size};
    int rc = send_wait(job->ranks[r].ctl_fd, IPC__CTL_SHM_FD, &answer, sizeof answer,
                       &g->fd, g->err ? 0 : 1);
    if (rc < 0 && !peer_gone(rc))
        ipcrun__launch_fail(job, r, IPCRUN__EXIT_LAUNCHER,
                            "could not be passed the shared segment: %s", strerror(-rc));
    /* Once every rank of the node holds it, the segment lives exactly as long
     * as they do. */
    if (++g->handed == g->nranks && g->fd >= 0) {
        close(g->fd);
        g->fd = -1;
    }
}

/* The node of every rank, IPC__CTL_NODE_MAP_MAX ranks a packet: the rank's
 * daemon answers it, so ipcrun sends the map once per host (in the job). */
static void on_nodes(struct ipcrun__launch *job, int r)
{
    if (job->ranks[r].ctl_fd < 0) /* a rank behind a daemon asks the daemon */
        return;
    uint32_t *packet = malloc((IPC__CTL_NODE_MAP_MAX + 1) * sizeof *packet);
    if (!packet) {
        ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER,
                            "out of memory sending the node map");
        return;
    }
    for (int first = 0; first < job->n; first += IPC__CTL_NODE_MAP_MAX) {
        int count = job->n - first < IPC__CTL_NODE_MAP_MAX ? job->n - first
                                                            : IPC__CTL_NODE_MAP_MAX;
        packet[0] = (uint32_t)first;
        for (int i = 0; i < count; i++)
            packet[1 + i] =
                job->node_of_rank ? (uint32_t)job->node_of_rank[first + i] : 0;
        int rc = send_wait(job->ranks[r].ctl_fd, IPC__CTL_NODE_MAP, packet,
                           (size_t)(count + 1) * sizeof *packet, NULL, 0);
        if (rc < 0) {
            if (!peer_gone(rc))
                ipcrun__launch_fail(job, r, IPCRUN__EXIT_LAUNCHER,
                                    "could not be sent the node map: %s", strerror(-rc));
            break;
        }
    }
    free(packet);
}

static void on_abort(struct ipcrun__launch *job, int r, const char *buf, size_t len)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    int32_t code;
    uint32_t api = IPC__API_IPC; /* a rank of before the API was sent */
    if (len != sizeof code && len != sizeof code + sizeof api) {
        ipcrun__launch_fail(job, r, 1, "sent a malformed ABORT on its control channel");
        return;
    }
    memcpy(&code, buf, sizeof code);
    if (len > sizeof code)
        memcpy(&api, buf + sizeof code, sizeof api);
    rk->aborted = true;
    rk->abort_code = code;
    rk->abort_mpi = api == IPC__API_MPI;
    if (job->abort_rank < 0)
        job->abort_rank = r;
}

void ipcrun__wireup_packet(struct ipcrun__launch *job, int r, uint32_t type,
                           const char *buf, size_t len)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    switch (type) {
    case IPC__CTL_INIT:
        rk->inited = true;
        break;
    case IPC__CTL_PUT:
        on_put(job, r, buf, len);
        break;
    case IPC__CTL_FENCE:
        on_fence(job, r);
        break;
    case IPC__CTL_PIPES:
        on_pipes(job, r, buf, len);
        break;
    case IPC__CTL_ABORT:
        on_abort(job, r, buf, len);
        break;
    case IPC__CTL_SHM:
        on_shm(job, r, buf, len);
        break;
    case IPC__CTL_NODES:
        on_nodes(job, r);
        break;
    case IPC__CTL_FINALIZE:
        rk->finalized = true;
        break;
    case IPC__CTL_STATS:
        if (ipcrun__report_stats(job->report, r, buf, len) != 0)
            ipcrun__launch_fail(job, r, 1,
                                "sent malformed statistics on its control channel");
        break;
    case IPC__CTL_STATS_RMA:
        if (ipcrun__report_stats_rma(job->report, r, buf, len) != 0)
            ipcrun__launch_fail(
                job, r, 1, "sent malformed one-sided statistics on its control channel");
        break;
    case IPC__CTL_TRACE:
        if (ipcrun__report_trace(job->report, r, buf, len) != 0) {
            if (errno == EPROTO)
                ipcrun__launch_fail(job, r, 1,
                                    "sent a malformed trace part on its control channel");
            else
                ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER,
                                    "--trace '%s': cannot write it: %s",
                                    job->report->trace_path, strerror(errno));
        }
        break;
    case IPC__CTL_WHERE_IS:
        if (rk->ops->relayed)
            ipcrun__report_where_is(job, r, buf, len);
        break;
    default:
        ipcrun__launch_fail(
            job, r, 1,
            "sent an unknown message (type %u) on its control channel; is it "
            "built against another version of libipc?",
            type);
        break;
    }
}

void ipcrun__wireup_relay(struct ipcrun__launch *job, int r, uint32_t type,
                          const char *buf, size_t len)
{
    ipcrun__launch_up(job, IPCRUN__NODE_RANK_CTL, r, &type, sizeof type, buf, len);
}

void ipcrun__wireup_serve(struct ipcrun__launch *job, int r)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    while (rk->ctl_fd >= 0) {
        uint32_t type = 0;
        int fds[IPC__CTL_MAX_FDS], nfds = 0;
        ssize_t n = ipc__ctl_recv(rk->ctl_fd, &type, job->wireup->rxbuf, IPC__CTL_MAX_MSG,
                                  fds, &nfds);
        /* Only STATE carries a descriptor to keep (its page, mapped here). */
        if (n >= 0 && type == IPC__CTL_STATE && nfds == 1) {
            ipcrun__report_state(job->report, r, fds[0]);
            continue;
        }
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
        if (n == -EAGAIN)
            return;
        if (n == -EMSGSIZE || n == -EPROTO)
            ipcrun__launch_fail(job, r, 1,
                                "sent a malformed packet on its control channel");
        if (n < 0 || type == 0) {
            ipcrun__wireup_close(job, r);
            return;
        }
        if (job->up && type != IPC__CTL_SHM && type != IPC__CTL_PIPES &&
            type != IPC__CTL_NODES)
            ipcrun__wireup_relay(job, r, type, job->wireup->rxbuf, (size_t)n);
        else
            ipcrun__wireup_packet(job, r, type, job->wireup->rxbuf, (size_t)n);
    }
}

/* ---- the event loop's sources ---- */

static int ctl_fd(void *ctx, int r, short *events)
{
    const struct ipcrun__launch *job = ctx;
    *events = POLLIN;
    return job->ranks[r].ctl_fd;
}

static void ctl_ready(void *ctx, int r, short revents)
{
    (void)revents;
    ipcrun__wireup_serve(ctx, r);
}

int ipcrun__wireup_watch(struct ipcrun__launch *job)
{
    struct ipcrun__source s = {ctl_fd, ctl_ready, 0, IPCRUN__STAGE_CTL};
    for (s.arg = 0; s.arg < job->n; s.arg++)
        if (ipcrun__loop_add(&job->loop, &s) != 0)
            return -1;
    return 0;
}
