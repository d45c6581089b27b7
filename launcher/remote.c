/* remote.c - ipcrun's side of the node daemons (see remote.h). */
#include "remote.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ctl.h"
#include "forward.h"
#include "job.h"
#include "loop.h"
#include "wireup.h"

/* ipcrun's view of one node daemon. */
struct ipcrun__daemon {
    const char *host;  /* as given with --host */
    const char *agent; /* the launch agent's program, for messages */
    pid_t agent_pid;   /* the launch agent (ssh, ...); 0 once reaped */
    int exec_fd;       /* until the agent runs: its exec pipe (start_daemon); -1 */
    struct ipcrun__nodelink link;
    bool open;  /* the stream has not ended */
    bool heard; /* it said something: it started */
    bool done;  /* it said DONE: every rank of its node ended */
};

/* ---- the job description ---- */

/* Appends "key=value\0" to the description being built. */
static int add_kv(char **buf, size_t *len, const char *key, const char *value)
{
    size_t kl = strlen(key), vl = strlen(value);
    char *b = realloc(*buf, *len + kl + vl + 2);
    if (!b)
        return -1;
    memcpy(b + *len, key, kl);
    b[*len + kl] = '=';
    memcpy(b + *len + kl + 1, value, vl + 1);
    *buf = b;
    *len += kl + vl + 2;
    return 0;
}

static int add_str(char **buf, size_t *len, const char *s)
{
    size_t l = strlen(s) + 1;
    char *b = realloc(*buf, *len + l);
    if (!b)
        return -1;
    memcpy(b + *len, s, l);
    *buf = b;
    *len += l;
    return 0;
}

static int add_int(char **buf, size_t *len, const char *key, long v)
{
    char num[24];
    snprintf(num, sizeof num, "%ld", v);
    return add_kv(buf, len, key, num);
}

/* What -x NAME means on this host: the value ipcrun sees, sent along. */
static int add_exports(const struct ipcrun__opts *o, char **buf, size_t *len)
{
    for (int i = 0; i < o->nexports; i++) {
        const char *x = o->exports[i];
        if (strchr(x, '=')) {
            if (add_kv(buf, len, "x", x) != 0)
                return -1;
            continue;
        }
        const char *v = getenv(x);
        if (!v)
            continue;
        char *pair;
        if (asprintf(&pair, "%s=%s", x, v) < 0)
            return -1;
        int rc = add_kv(buf, len, "x", pair);
        free(pair);
        if (rc != 0)
            return -1;
    }
    return 0;
}

/* The node of every rank as the job description gives it: "0*4,1*4" for
 * runs of ranks on one node, so that a job mapped by slot costs each daemon
 * a few bytes per host rather than per rank; "0,1,0,1" by node. */
static char *node_of_text(const struct ipcrun__launch *job, const struct ipcrun__layout *lay)
{
    size_t cap = (size_t)job->n * 24 + 1, used = 0;
    char *s = malloc(cap);
    if (!s)
        return NULL;
    s[0] = '\0';
    for (int r = 0, run; r < job->n; r += run) {
        int node = lay->node_of_rank[r];
        for (run = 1; r + run < job->n && lay->node_of_rank[r + run] == node; run++)
            ;
        used += (size_t)snprintf(s + used, cap - used, "%s%d", r ? "," : "", node);
        if (run > 1)
            used += (size_t)snprintf(s + used, cap - used, "*%d", run);
    }
    return s;
}

/* The description of the job for the daemon of node `node` (docs/wire-formats.md). */
static char *describe_job(const struct ipcrun__launch *job,
                          const struct ipcrun__layout *lay, int node, const char *node_of,
                          size_t *len)
{
    const struct ipcrun__opts *o = job->opts;
    char *buf = NULL, cwd[4096];
    *len = 0;
    const char *wdir = o->wdir ? o->wdir : getcwd(cwd, sizeof cwd);
    int rc = add_int(&buf, len, "node", node) |
             add_int(&buf, len, "size", job->n) | add_kv(&buf, len, "node_of", node_of) |
             add_kv(&buf, len, "id", job->job_id) |
             add_kv(&buf, len, "secret", job->job_secret) |
             add_int(&buf, len, "bind", o->bind_to) | add_int(&buf, len, "map", o->map_by) |
             add_int(&buf, len, "report_bindings", o->report_bindings) |
             add_int(&buf, len, "report_transports", o->report_transports) |
             add_int(&buf, len, "stats", o->rank_stats) |
             add_int(&buf, len, "trace", o->rank_trace);
    /* Only the user's choice: lay->tcp_if may be this host's own address,
     * which the daemon's host does not have; unset, the daemon picks its own. */
    if (o->tcp_if)
        rc |= add_kv(&buf, len, "tcp_if", o->tcp_if);
    if (o->transport)
        rc |= add_kv(&buf, len, "transport", o->transport);
    if (wdir)
        rc |= add_kv(&buf, len, "wdir", wdir);
    if (job->stdin_relay >= 0 && lay->node_of_rank[job->stdin_relay] == node)
        rc |= add_int(&buf, len, "stdin", job->stdin_relay);
    rc |= add_exports(o, &buf, len) | add_str(&buf, len, "");
    rc |= add_str(&buf, len, o->prog_path ? o->prog_path : o->prog_argv[0]);
    for (int i = 1; o->prog_argv[i]; i++)
        rc |= add_str(&buf, len, o->prog_argv[i]);
    if (rc != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}

/* ---- starting the daemons ---- */

/* Every agent is forked before any is waited for, so that the agents' own
 * start (exec, ssh's connection) runs for all hosts at once; ipcrun only
 * forks and writes in turn. An agent that cannot be run says so on its
 * exec pipe (close-on-exec: end of file means it runs). */
struct agent_child {
    char **argv;
    int sock;
    int exec_fd; /* the exec pipe's write end */
    pid_t parent;
};

static void __attribute__((noreturn)) run_agent(const struct agent_child *c)
{
    sigset_t none;
    int e;
    /* The agent is the daemon's lifeline: when ipcrun dies, it goes too, and
     * with it (end of stream) everything on the other host. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != c->parent)
        _exit(1);
    /* A Ctrl-C on the terminal is ipcrun's to pass on, with its grace. */
    (void)setpgid(0, 0);
    if (dup2(c->sock, STDIN_FILENO) < 0 || dup2(c->sock, STDOUT_FILENO) < 0) {
        e = errno;
        (void)!write(c->exec_fd, &e, sizeof e);
        _exit(IPCRUN__EXIT_LAUNCHER);
    }
    signal(SIGPIPE, SIG_DFL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execvp(c->argv[0], c->argv);
    e = errno;
    (void)!write(c->exec_fd, &e, sizeof e);
    _exit(127);
}

/* agent... HOST DAEMON --daemon HOST */
static char **agent_argv(const struct ipcrun__layout *lay, const char *host)
{
    int na = 0;
    while (lay->agent_argv[na])
        na++;
    char **argv = calloc((size_t)na + 5, sizeof *argv);
    if (!argv)
        return NULL;
    const char *daemon = lay->daemon_path;
    for (int i = 0; i < na; i++)
        argv[i] = lay->agent_argv[i];
    argv[na] = (char *)host;
    argv[na + 1] = (char *)daemon;
    argv[na + 2] = "--daemon";
    argv[na + 3] = (char *)host;
    return argv;
}

/* Forks the agent of node `node` (it runs on as ipcrun goes on) and queues
 * its job. */
static int start_daemon(struct ipcrun__launch *job, const struct ipcrun__layout *lay,
                        int node, const char *node_of, struct ipcrun__daemon *d, char *err,
                        size_t errlen)
{
    int sv[2] = {-1, -1}, ep[2] = {-1, -1};
    size_t len;
    char *desc = describe_job(job, lay, node, node_of, &len);
    char **argv = agent_argv(lay, lay->hosts[node]);
    d->host = lay->hosts[node];
    d->agent = lay->agent_argv[0];
    if (!desc || !argv) {
        snprintf(err, errlen, "out of memory starting the daemon on host %s", d->host);
        goto fail;
    }
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0 ||
        pipe2(ep, O_CLOEXEC) != 0) {
        snprintf(err, errlen, "cannot start the daemon on host %s: %s: %s", d->host,
                 sv[0] < 0 ? "socketpair" : "pipe", strerror(errno));
        goto fail;
    }
    struct agent_child c = {
        .argv = argv, .sock = sv[1], .exec_fd = ep[1], .parent = getpid()};
    pid_t pid = fork();
    if (pid == 0)
        run_agent(&c);
    if (pid < 0) {
        snprintf(err, errlen, "cannot run the launch agent '%s' for host %s: fork: %s",
                 argv[0], d->host, strerror(errno));
        goto fail;
    }
    close(sv[1]);
    close(ep[1]);
    fcntl(sv[0], F_SETFL, fcntl(sv[0], F_GETFL) | O_NONBLOCK);
    d->agent_pid = pid;
    d->exec_fd = ep[0];
    d->open = true;
    ipcrun__nodelink_init(&d->link, sv[0], sv[0]);
    int rc = ipcrun__nodelink_queue(&d->link, IPCRUN__NODE_JOB, -1, desc, len, NULL, 0);
    explicit_bzero(desc, len); /* it holds the secret */
    free(desc);
    free(argv);
    if (rc == 0)
        (void)ipcrun__nodelink_flush(&d->link);
    return rc == 0 ? 0 : -1;
fail:
    for (int i = 0; i < 2; i++) {
        if (sv[i] >= 0)
            close(sv[i]);
        if (ep[i] >= 0)
            close(ep[i]);
    }
    free(desc);
    free(argv);
    return -1;
}

/* Waits until daemon d's agent has exec'd (or failed to). Returns 0, or -1
 * with the reason in err. */
static int agent_runs(struct ipcrun__daemon *d, char *err, size_t errlen)
{
    int e = 0;
    ssize_t n;
    do
        n = read(d->exec_fd, &e, sizeof e);
    while (n < 0 && errno == EINTR);
    close(d->exec_fd);
    d->exec_fd = -1;
    if (n != (ssize_t)sizeof e)
        return 0;
    snprintf(err, errlen, "cannot run the launch agent '%s' for host %s: %s", d->agent,
             d->host, strerror(e));
    return -1;
}

int ipcrun__remote_start(struct ipcrun__launch *job, const struct ipcrun__layout *layout,
                         char *err, size_t errlen)
{
    int nd = layout->nnodes - (layout->this_node >= 0 ? 1 : 0), rc = 0;
    char *node_of = node_of_text(job, layout);
    job->daemons = calloc((size_t)nd, sizeof *job->daemons);
    if (!job->daemons || !node_of) {
        free(node_of);
        snprintf(err, errlen, "out of memory starting %d node daemons", nd);
        return -1;
    }
    for (int node = 0; node < layout->nnodes && rc == 0; node++) {
        if (node == layout->this_node)
            continue;
        struct ipcrun__daemon *d = &job->daemons[job->ndaemons++];
        d->link.rfd = d->link.wfd = -1;
        d->exec_fd = -1;
        rc = start_daemon(job, layout, node, node_of, d, err, errlen);
    }
    free(node_of);
    for (int i = 0; i < job->ndaemons; i++)
        if (job->daemons[i].exec_fd >= 0 && agent_runs(&job->daemons[i], err, errlen) != 0)
            rc = -1;
    /* A started daemon's ranks count as running until it reports their end. */
    for (int r = 0; r < job->n; r++) {
        int node = layout->node_of_rank[r];
        if (node == layout->this_node)
            continue;
        int di = node - (layout->this_node >= 0 && node > layout->this_node);
        struct ipcrun__daemon *d = &job->daemons[di < job->ndaemons ? di : 0];
        if (di >= job->ndaemons || !d->open)
            continue;
        job->ranks[r].daemon = d;
        job->ranks[r].host = layout->hosts[node];
        job->ranks[r].running = true;
        job->nrunning++;
    }
    return rc;
}

/* ---- talking to them ---- */

static void queue(struct ipcrun__launch *job, struct ipcrun__daemon *d, uint32_t type,
                  int r, const void *a, size_t alen, const void *b, size_t blen)
{
    if (!d->open)
        return;
    if (ipcrun__nodelink_queue(&d->link, type, r, a, alen, b, blen) != 0) {
        ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER,
                            "out of memory talking to the daemon on host %s", d->host);
        return;
    }
    (void)ipcrun__nodelink_flush(&d->link); /* errors show as end of stream */
}

/* Why the job ends with daemon d gone, and its `lost` ranks with it. */
static void say_lost(struct ipcrun__launch *job, const struct ipcrun__daemon *d, int lost)
{
    if (!d->heard)
        ipcrun__launch_fail(
            job, -1, IPCRUN__EXIT_LAUNCHER,
            "could not start the node daemon on host %s with '%s' (see the "
            "agent's message above, if any); is the host reachable, and "
            "ipcrun installed there at the same path or under --prefix?",
            d->host, d->agent);
    else
        ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER,
                            "lost the node daemon on host %s (its connection ended); %d "
                            "rank%s there ended with it",
                            d->host, lost, lost == 1 ? "" : "s");
}

/* The daemon's ranks that are still running are lost with it. */
static void lose_daemon(struct ipcrun__launch *job, int di)
{
    struct ipcrun__daemon *d = &job->daemons[di];
    int lost = 0;
    d->open = false;
    close(d->link.rfd);
    d->link.rfd = d->link.wfd = -1;
    for (int r = 0; r < job->n; r++) {
        struct ipcrun__launch_rank *rk = &job->ranks[r];
        if (rk->daemon != d || !rk->running)
            continue;
        rk->running = false;
        rk->wstatus = SIGKILL; /* as good as killed */
        job->nrunning--;
        lost++;
    }
    if (!d->done && job->phase == IPCRUN__PHASE_RUNNING)
        say_lost(job, d, lost);
    /* Only after the daemon is named: in the wire-up, closing its ranks
     * first blamed one of them for leaving the fence (seen under SAN=1). */
    for (int r = 0; r < job->n; r++)
        if (job->ranks[r].daemon == d && !job->ranks[r].running)
            ipcrun__wireup_close(job, r);
}

static void on_exit_msg(struct ipcrun__launch *job, int r, const char *p, size_t len)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    int32_t st;
    if (len != sizeof st || !rk->running)
        return;
    memcpy(&st, p, sizeof st);
    rk->running = false;
    rk->wstatus = st;
    job->nrunning--;
    job->ended[job->nended++] = r; /* judged once this round's output is read */
}

static void on_message(struct ipcrun__launch *job, int di,
                       const struct ipcrun__node_hdr *h, const char *p)
{
    struct ipcrun__daemon *d = &job->daemons[di];
    int r = h->rank;
    bool ours = r >= 0 && r < job->n && job->ranks[r].daemon == d;
    uint32_t ctl_type;
    int32_t v;
    d->heard = true;
    switch (h->type) {
    case IPCRUN__NODE_STARTED:
        if (ours && h->len == sizeof v) {
            memcpy(&v, p, sizeof v);
            job->ranks[r].pid = v;
        }
        return;
    case IPCRUN__NODE_RANK_CTL:
        if (ours && h->len >= sizeof ctl_type) {
            memcpy(&ctl_type, p, sizeof ctl_type);
            ipcrun__wireup_packet(job, r, ctl_type, p + sizeof ctl_type,
                                  h->len - sizeof ctl_type);
        }
        return;
    case IPCRUN__NODE_OUT:
    case IPCRUN__NODE_ERR:
        if (ours)
            ipcrun__forward_bytes(job, r, h->type == IPCRUN__NODE_ERR, p, h->len);
        return;
    case IPCRUN__NODE_EXIT:
        if (ours)
            on_exit_msg(job, r, p, h->len);
        return;
    case IPCRUN__NODE_FAIL: {
        if (h->len < sizeof v)
            return;
        memcpy(&v, p, sizeof v);
        int tl = (int)(h->len - sizeof v);
        if (ours)
            ipcrun__launch_fail(job, r, v, "%.*s", tl, p + sizeof v);
        else
            ipcrun__launch_fail(job, -1, v, "on host %s, %.*s", d->host, tl,
                                p + sizeof v);
        return;
    }
    case IPCRUN__NODE_DONE:
        d->done = true;
        return;
    case IPCRUN__NODE_IN_ACK:
        if (ours && r == job->stdin_relay && h->len == sizeof v) {
            memcpy(&v, p, sizeof v);
            job->in_flight = false;
            job->in_eof = job->in_eof || v != 0;
        }
        return;
    default:
        ipcrun__launch_fail(
            job, -1, IPCRUN__EXIT_LAUNCHER,
            "the node daemon on host %s sent an unknown message (type %u); "
            "is the same version of ipcrun installed there?",
            d->host, h->type);
    }
}

/* Daemon di's stream is ready: reads and acts on what it says, and writes
 * what is queued. */
static void serve(void *ctx, int di, short revents)
{
    struct ipcrun__launch *job = ctx;
    struct ipcrun__daemon *d = &job->daemons[di];
    if (revents & POLLOUT)
        (void)ipcrun__nodelink_flush(&d->link);
    if (!(revents & (POLLIN | POLLHUP | POLLERR)))
        return;
    /* Bounded, so that one busy daemon cannot starve the others. */
    for (int reads = 0; reads < 16 && d->open; reads++) {
        ssize_t n = ipcrun__nodelink_read(&d->link);
        if (n == -EAGAIN)
            return;
        struct ipcrun__node_hdr h;
        const char *p;
        int got;
        while (d->open && (got = ipcrun__nodelink_next(&d->link, &h, &p)) == 1)
            on_message(job, di, &h, p);
        if (got < 0) {
            ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER,
                                "the node daemon on host %s sent a malformed message",
                                d->host);
            n = 0;
        }
        if (n <= 0) {
            lose_daemon(job, di);
            return;
        }
    }
}

/* A daemon is still to be heard from, or its agent to be reaped. */
static bool remote_busy(const struct ipcrun__launch *job)
{
    for (int i = 0; i < job->ndaemons; i++)
        if (job->daemons[i].open || job->daemons[i].agent_pid > 0)
            return true;
    return false;
}

static int stream_fd(void *ctx, int di, short *events)
{
    const struct ipcrun__launch *job = ctx;
    const struct ipcrun__daemon *d = &job->daemons[di];
    *events = POLLIN | (ipcrun__nodelink_pending(&d->link) ? POLLOUT : 0);
    return d->open ? d->link.rfd : -1;
}

int ipcrun__remote_watch(struct ipcrun__launch *job)
{
    struct ipcrun__source s = {stream_fd, serve, 0, IPCRUN__STAGE_IO};
    for (s.arg = 0; s.arg < job->ndaemons; s.arg++)
        if (ipcrun__loop_add(&job->loop, &s) != 0)
            return -1;
    return 0;
}

/* ---- the ranks behind the daemons (struct ipcrun__rank_ops) ---- */

/* One message to the rank's daemon, or to every daemon when r is -1 (each
 * passes it to every rank of its node). */
static void remote_ctl(struct ipcrun__launch *job, int r, uint32_t type,
                       const void *payload, size_t len)
{
    for (int i = 0; i < job->ndaemons; i++) {
        if (r >= 0 && job->ranks[r].daemon != &job->daemons[i])
            continue;
        queue(job, &job->daemons[i], IPCRUN__NODE_CTL, r, &type, sizeof type, payload,
              len);
    }
}

static void remote_signal(struct ipcrun__launch *job, int sig, bool stopping)
{
    int32_t msg[2] = {sig, stopping};
    for (int i = 0; i < job->ndaemons; i++)
        queue(job, &job->daemons[i], IPCRUN__NODE_SIGNAL, -1, msg, sizeof msg, NULL, 0);
}

/* A chunk at a time: the daemon acknowledges it (IN_ACK) once the rank took
 * it, and only then is the next one read. */
static void remote_input(struct ipcrun__launch *job, int r, const char *data, size_t len)
{
    struct ipcrun__daemon *d = job->ranks[r].daemon;
    if (!d || !d->open) {
        job->in_eof = true; /* nobody left to read it */
        return;
    }
    queue(job, d, IPCRUN__NODE_IN, r, data, len, NULL, 0);
    job->in_flight = len > 0;
}

static bool remote_input_busy(const struct ipcrun__launch *job, int r)
{
    (void)r;
    return job->in_flight;
}

static bool remote_input_open(const struct ipcrun__launch *job, int r)
{
    const struct ipcrun__daemon *d = job->ranks[r].daemon;
    return d && d->open;
}

/* Its daemon still runs it. */
static bool remote_ctl_open(const struct ipcrun__launch *job, int r)
{
    return job->ranks[r].running;
}

static bool remote_ctl_close(struct ipcrun__launch *job, int r)
{
    (void)job, (void)r;
    return true;
}

/* The daemons answer with WHERE_IS, one per rank, later. */
static void remote_where(struct ipcrun__launch *job)
{
    for (int r = 0; r < job->n; r++) {
        if (job->ranks[r].daemon && job->ranks[r].running) {
            remote_ctl(job, -1, IPC__CTL_WHERE, NULL, 0);
            return;
        }
    }
}

const struct ipcrun__rank_ops ipcrun__rank_remote = {
    .name = "remote",
    .ctl = remote_ctl,
    .signal = remote_signal,
    .input = remote_input,
    .input_busy = remote_input_busy,
    .input_open = remote_input_open,
    .ctl_open = remote_ctl_open,
    .ctl_close = remote_ctl_close,
    .where = remote_where,
    .busy = remote_busy,
    .relayed = true,
};

void ipcrun__remote_reaped(struct ipcrun__launch *job, pid_t pid)
{
    for (int i = 0; i < job->ndaemons; i++)
        if (job->daemons[i].agent_pid == pid)
            job->daemons[i].agent_pid = 0;
}

void ipcrun__remote_fini(struct ipcrun__launch *job)
{
    for (int i = 0; i < job->ndaemons; i++) {
        struct ipcrun__daemon *d = &job->daemons[i];
        ipcrun__nodelink_fini(&d->link);
        if (d->exec_fd >= 0)
            close(d->exec_fd);
        if (d->agent_pid > 0) {
            kill(d->agent_pid, SIGKILL);
            waitpid(d->agent_pid, NULL, 0);
        }
    }
    free(job->daemons);
    job->daemons = NULL;
    job->ndaemons = 0;
}
