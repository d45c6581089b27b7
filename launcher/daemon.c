/* daemon.c - the node daemon, `ipcrun --daemon HOST` (see daemon.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "daemon.h"
#include "files.h"
#include "forward.h"
#include "job.h"
#include "loop.h"
#include "netif.h"
#include "report.h"
#include "wireup.h"

static int parse_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < INT_MIN || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

/* One entry of node_of: "N", or "N*K" for K ranks in a row on node N (at
 * most `left`). Returns 0 and moves *s to the character after it. */
static int parse_run(const char **s, int left, int *node, int *count)
{
    char *end;
    long v = strtol(*s, &end, 10), k = 1;
    if (end == *s || v < 0 || v > INT_MAX)
        return -1;
    if (*end == '*') {
        const char *p = end + 1;
        k = strtol(p, &end, 10);
        if (end == p || k < 1 || k > left)
            return -1;
    }
    *node = (int)v;
    *count = (int)k;
    *s = end;
    return 0;
}

/* node_of: "0*2,1,1" for n ranks, exactly. */
static int parse_node_of(const char *s, int n, int **out)
{
    /* Refused before it sizes anything (size=2000000000 asked for 8 GB). */
    if (n > IPCRUN__OPTS_MAX_RANKS)
        return -1;
    int *node = calloc((size_t)n, sizeof *node);
    if (!node)
        return -1;
    for (int r = 0; r < n;) {
        int v, k;
        if (parse_run(&s, n - r, &v, &k) != 0) {
            free(node);
            return -1;
        }
        while (k-- > 0)
            node[r++] = v;
        if (*s != (r < n ? ',' : '\0')) {
            free(node);
            return -1;
        }
        s++;
    }
    *out = node;
    return 0;
}

/* One "key=value". Returns 0, or -1 for a value that does not parse. */
static int take_kv(struct ipcrun__daemon_job *dj, char *kv, int *size,
                   const char **node_of)
{
    char *v = strchr(kv, '=');
    if (!v)
        return -1;
    *v++ = '\0';
    struct ipcrun__opts *o = &dj->opts;
    int i = 0;
    if (!strcmp(kv, "node"))
        return parse_int(v, &dj->layout.this_node);
    else if (!strcmp(kv, "size"))
        return parse_int(v, size);
    else if (!strcmp(kv, "node_of"))
        *node_of = v;
    else if (!strcmp(kv, "id"))
        dj->layout.job_id = v;
    else if (!strcmp(kv, "secret"))
        dj->layout.job_secret = v;
    else if (!strcmp(kv, "tcp_if"))
        dj->tcp_if = v;
    else if (!strcmp(kv, "transport"))
        o->transport = v;
    else if (!strcmp(kv, "wdir"))
        o->wdir = v;
    else if (!strcmp(kv, "x"))
        dj->exports[dj->nexports++] = v;
    else if (!strcmp(kv, "bind") && parse_int(v, &i) == 0)
        o->bind_to = (enum ipcrun__bind_to)i;
    else if (!strcmp(kv, "map") && parse_int(v, &i) == 0)
        o->map_by = (enum ipcrun__map_by)i;
    else if (!strcmp(kv, "report_bindings") && parse_int(v, &i) == 0)
        o->report_bindings = i != 0;
    else if (!strcmp(kv, "report_transports") && parse_int(v, &i) == 0)
        o->report_transports = i != 0;
    else if (!strcmp(kv, "stats") && parse_int(v, &i) == 0)
        o->rank_stats = i != 0;
    else if (!strcmp(kv, "trace") && parse_int(v, &i) == 0)
        o->rank_trace = i != 0;
    else if (!strcmp(kv, "stdin"))
        return parse_int(v, &o->stdin_target);
    else
        return -1; /* a newer ipcrun: better to say so than to run another job */
    return 0;
}

int ipcrun__daemon_parse_job(struct ipcrun__daemon_job *dj, char *buf, size_t len,
                             char *err, size_t errlen)
{
    int size = 0, nstr = 0, argc = 0;
    const char *node_of = NULL;
    if (len == 0 || buf[len - 1] != '\0')
        goto bad;
    for (size_t i = 0; i < len; i++)
        nstr += buf[i] == '\0';
    dj->exports = calloc((size_t)nstr + 1, sizeof *dj->exports);
    dj->argv = calloc((size_t)nstr + 1, sizeof *dj->argv);
    if (!dj->exports || !dj->argv)
        goto bad;
    char *p = buf, *end = buf + len;
    while (p < end && *p) {
        char *next = p + strlen(p) + 1; /* take_kv cuts the string at '=' */
        if (take_kv(dj, p, &size, &node_of) != 0)
            goto bad;
        p = next;
    }
    for (p++; p < end; p += strlen(p) + 1)
        dj->argv[argc++] = p;
    if (argc == 0 || size < 1 || !node_of || !dj->layout.job_id || !dj->layout.job_secret ||
        parse_node_of(node_of, size, &dj->node_of_rank) != 0)
        goto bad;
    dj->opts.nranks = size;
    dj->opts.kill_grace_ms = IPCRUN__OPTS_DEFAULT_KILL_GRACE_MS;
    dj->opts.exports = dj->exports;
    dj->opts.nexports = dj->nexports;
    dj->opts.prog_argv = dj->argv;
    return 0;
bad:
    snprintf(err, errlen, "could not understand the job ipcrun sent; is the same version "
                          "of ipcrun installed on every host?");
    return -1;
}

void ipcrun__daemon_job_free(struct ipcrun__daemon_job *dj)
{
    free(dj->exports);
    free(dj->argv);
    free(dj->node_of_rank);
    dj->exports = NULL;
    dj->argv = NULL;
    dj->node_of_rank = NULL;
}

/* The address the ranks listen on for TCP: what the user chose, else the one
 * this host was reached on (ssh says which), else this host's first address
 * that is not loopback. *from: which it was, in IPC_TCP_IF_FROM's words. */
static const char *pick_tcp_if(const struct ipcrun__daemon_job *dj, char *buf, size_t len,
                               const char **from)
{
    *from = "--tcp-if";
    if (dj->tcp_if)
        return dj->tcp_if;
    const char *ssh = getenv("SSH_CONNECTION"); /* client port server port */
    char a[64], b[16], c[64], addr[INET_ADDRSTRLEN], why[256];
    if (ssh && sscanf(ssh, "%63s %15s %63s", a, b, c) == 3) {
        snprintf(buf, len, "%s", c);
        *from = "ssh";
        return buf;
    }
    if (ipc__netif_pick(NULL, addr, why, sizeof why) != 0)
        return NULL; /* the ranks say why */
    snprintf(buf, len, "%s", addr);
    *from = "first-address";
    return buf;
}

/* Reads the job: the first message. Returns its payload (malloc'ed, len
 * bytes), or NULL when the stream ended first. */
static char *read_job(struct ipcrun__nodelink *up, size_t *len)
{
    for (;;) {
        struct ipcrun__node_hdr h;
        const char *p;
        int got = ipcrun__nodelink_next(up, &h, &p);
        if (got < 0)
            return NULL;
        if (got == 1) {
            if (h.type != IPCRUN__NODE_JOB)
                return NULL;
            char *copy = malloc(h.len + 1);
            if (copy) {
                memcpy(copy, p, h.len);
                *len = h.len;
            }
            return copy;
        }
        if (ipcrun__nodelink_read(up) <= 0)
            return NULL;
    }
}

static void fail_up(struct ipcrun__nodelink *up, int status, const char *what)
{
    int32_t st = status;
    if (ipcrun__nodelink_queue(up, IPCRUN__NODE_FAIL, -1, &st, sizeof st, what,
                               strlen(what)) == 0 &&
        ipcrun__nodelink_queue(up, IPCRUN__NODE_DONE, -1, NULL, 0, NULL, 0) == 0)
        (void)ipcrun__nodelink_flush_all(up);
}

/* An agent may give the daemon a terminal for a stream (srun --unbuffered
 * does, for stdout): the stream is binary, so the terminal must pass every
 * byte as it is (no newline translation, no echo, no line discipline). */
static int make_raw(int fd)
{
    struct termios t;
    if (!isatty(fd))
        return 0;
    if (tcgetattr(fd, &t) != 0)
        return -1;
    cfmakeraw(&t);
    return tcsetattr(fd, TCSANOW, &t);
}

int ipcrun__daemon_main(const char *host, ipcrun__run_fn run)
{
    /* stdin and stdout are the stream to ipcrun: keep them out of reach of
     * the ranks and of any stray write. */
    int rfd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
    int wfd = fcntl(STDOUT_FILENO, F_DUPFD_CLOEXEC, 3);
    int null = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (rfd < 0 || wfd < 0 || null < 0 || make_raw(rfd) != 0 || make_raw(wfd) != 0 ||
        dup2(null, STDIN_FILENO) < 0 || dup2(null, STDOUT_FILENO) < 0) {
        fprintf(stderr, "ipcrun: on host %s, the node daemon cannot set up its stream: %s\n",
                host, strerror(errno));
        return IPCRUN__EXIT_LAUNCHER;
    }
    close(null);
    struct ipcrun__nodelink up;
    ipcrun__nodelink_init(&up, rfd, wfd);

    /* Unless ipcrun relays its stdin to one of our ranks ("stdin"), they read
     * /dev/null: the daemon's own stdin is its stream to ipcrun. */
    struct ipcrun__daemon_job dj = IPCRUN__DAEMON_JOB_INIT;
    char err[512], found[PATH_MAX], addr[64];
    size_t len = 0;
    char *job = read_job(&up, &len);
    int status = IPCRUN__EXIT_LAUNCHER;
    if (!job) /* ipcrun went away before saying anything */
        goto out;
    if (ipcrun__daemon_parse_job(&dj, job, len, err, sizeof err) != 0) {
        fail_up(&up, IPCRUN__EXIT_LAUNCHER, err);
        goto out;
    }
    if (ipcrun__files_check_program(dj.argv[0], getenv("PATH"), found, sizeof found, err,
                                    sizeof err) != 0 ||
        (dj.opts.wdir && ipcrun__files_check_wdir(dj.opts.wdir, err, sizeof err) != 0)) {
        status = IPCRUN__EXIT_USAGE;
        fail_up(&up, status, err);
        goto out;
    }
    dj.opts.prog_path = found;
    dj.layout.node_of_rank = dj.node_of_rank;
    dj.layout.tcp_if = pick_tcp_if(&dj, addr, sizeof addr, &dj.layout.tcp_if_from);
    dj.layout.up = &up;
    fcntl(rfd, F_SETFL, fcntl(rfd, F_GETFL) | O_NONBLOCK);
    if (wfd != rfd)
        fcntl(wfd, F_SETFL, fcntl(wfd, F_GETFL) | O_NONBLOCK);
    status = run(&dj.opts, &dj.layout);
    (void)ipcrun__nodelink_flush_all(&up);
out:
    if (job)
        explicit_bzero(job, len); /* it holds the secret */
    free(job);
    ipcrun__daemon_job_free(&dj);
    ipcrun__nodelink_fini(&up);
    return status;
}

/* ---- during the job ---- */

/* A chunk of ipcrun's stdin for local rank r, written as its pipe takes it
 * (forward.c); IN_ACK asks for the next. len 0: the end of it. */
static void on_stdin(struct ipcrun__launch *job, int r, const char *p, size_t len)
{
    if (r < 0 || r >= job->n || r != job->opts->stdin_target || !job->in_buf ||
        len > IPCRUN__FORWARD_STDIN_CHUNK)
        return;
    job->ranks[r].ops->input(job, r, p, len);
}

static void on_ctl(struct ipcrun__launch *job, int r, const char *p, size_t len)
{
    uint32_t type;
    if (len < sizeof type)
        return;
    memcpy(&type, p, sizeof type);
    if (type == IPC__CTL_WHERE) { /* for the daemon itself */
        ipcrun__report_where_up(job);
        return;
    }
    for (int i = 0; i < job->nlocal; i++)
        if (r < 0 || job->local[i] == r)
            ipcrun__wireup_deliver(job, job->local[i], type, p + sizeof type,
                                   len - sizeof type);
}

/* Acts on every whole message already read from ipcrun's stream; returns
 * what ipcrun__nodelink_next last said (0: none left, -1: the stream is bad). */
static int serve_read(struct ipcrun__launch *job)
{
    struct ipcrun__nodelink *up = job->up;
    struct ipcrun__node_hdr h;
    const char *p;
    int got;
    while ((got = ipcrun__nodelink_next(up, &h, &p)) == 1) {
        int32_t sig[2];
        if (h.type == IPCRUN__NODE_SIGNAL && h.len == sizeof sig) {
            memcpy(sig, p, sizeof sig);
            if (sig[0] > 0 && sig[0] < NSIG)
                ipcrun__launch_signal(job, sig[0], sig[1] != 0);
        } else if (h.type == IPCRUN__NODE_CTL) {
            on_ctl(job, h.rank, p, h.len);
        } else if (h.type == IPCRUN__NODE_IN) {
            on_stdin(job, h.rank, p, h.len);
        }
    }
    return got;
}

void ipcrun__daemon_serve_early(struct ipcrun__launch *job)
{
    (void)serve_read(job);
}

/* ipcrun's stream is ready: acts on what it says. Returns false when it ended
 * (ipcrun is gone). */
static bool serve_up(struct ipcrun__launch *job)
{
    ssize_t n = ipcrun__nodelink_read(job->up);
    if (n == -EAGAIN)
        return true;
    int got = serve_read(job); /* even at the end: what came before it counts */
    return n > 0 && got == 0;
}

/* A node daemon whose ipcrun is gone stops at once: nobody would see the
 * ranks' output or decide anything. */
static void on_up_lost(struct ipcrun__launch *job)
{
    close(job->up->rfd);
    if (job->up->wfd == job->up->rfd)
        job->up->wfd = -1;
    job->up->rfd = -1;
    job->phase = IPCRUN__PHASE_STOPPING;
    ipcrun__launch_kill(job);
}

static int up_fd(void *ctx, int arg, short *events)
{
    const struct ipcrun__launch *job = ctx;
    (void)arg;
    *events = POLLIN;
    return job->up->rfd;
}

static void up_ready(void *ctx, int arg, short revents)
{
    (void)arg, (void)revents;
    if (!serve_up(ctx))
        on_up_lost(ctx);
}

int ipcrun__daemon_watch(struct ipcrun__launch *job)
{
    struct ipcrun__source s = {up_fd, up_ready, -1, IPCRUN__STAGE_IO};
    return job->up ? ipcrun__loop_add(&job->loop, &s) : 0;
}
