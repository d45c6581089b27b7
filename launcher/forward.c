/* forward.c - the ranks' stdin, stdout and stderr (see forward.h). */
#include "forward.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "files.h"
#include "job.h"
#include "loop.h"

#define READ_CHUNK (64 * 1024)
/* Reads per pipe in the final drain, so a leftover writer cannot keep ipcrun. */
#define FINAL_DRAIN_READS 16

/* Where forwarded lines of one stream of one rank go. */
struct sink {
    int fd;
    bool *dead;       /* set once a write failed; later lines are dropped */
    bool timestamp;   /* --timestamp-output */
    int rank;         /* for the message when a file write fails; -1: ipcrun's own */
    const char *name; /* "stdout" or "stderr" */
    const char *dir;  /* --output-dir */
};

size_t ipcrun__forward_timestamp(char *buf, size_t len)
{
    /* Local time is worked out once a second; lines come much more often. */
    static time_t cached_sec = -1;
    static char cached[32];
    struct timespec ts;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &ts);
    if (ts.tv_sec != cached_sec) {
        if (!localtime_r(&ts.tv_sec, &tm) ||
            !strftime(cached, sizeof cached, "%Y-%m-%d %H:%M:%S", &tm))
            snprintf(cached, sizeof cached, "%lld", (long long)ts.tv_sec);
        cached_sec = ts.tv_sec;
    }
    int n = snprintf(buf, len, "[%s.%03ld] ", cached, ts.tv_nsec / 1000000);
    return n < 0 ? 0 : (size_t)n < len ? (size_t)n : len - 1;
}

/* ---- output ---- */

static void emit_line(void *ctx, const char *data, size_t len, bool starts_line)
{
    struct sink *s = ctx;
    struct iovec iov[2];
    char stamp[48];
    int k = 0;

    if (*s->dead)
        return;
    if (s->timestamp && starts_line)
        iov[k++] = (struct iovec){stamp, ipcrun__forward_timestamp(stamp, sizeof stamp)};
    iov[k++] = (struct iovec){(void *)data, len};
    int rc = ipcrun__write_all(s->fd, iov, k);
    if (rc == 0)
        return;
    *s->dead = true;
    if (s->rank >= 0)
        ipcrun__say(
            "cannot write the %s of rank %d to %s/rank.%d.%s: %s; the rest of it is "
            "lost",
            s->name, s->rank, s->dir, s->rank, s->name, strerror(-rc));
}

static struct sink sink_of(struct ipcrun__launch *job, int r, bool stderr_stream)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    bool ts = job->opts->timestamp_output;
    const char *name = stderr_stream ? "stderr" : "stdout", *dir = job->opts->output_dir;
    if (stderr_stream && rk->err_file >= 0)
        return (struct sink){rk->err_file, &rk->err_file_dead, ts, r, name, dir};
    if (!stderr_stream && rk->out_file >= 0)
        return (struct sink){rk->out_file, &rk->out_file_dead, ts, r, name, dir};
    if (stderr_stream)
        return (struct sink){STDERR_FILENO, &job->stderr_dead, ts, -1, name, dir};
    return (struct sink){STDOUT_FILENO, &job->stdout_dead, ts, -1, name, dir};
}

void ipcrun__forward_bytes(struct ipcrun__launch *job, int r, bool stderr_stream,
                           const char *data, size_t len)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    struct ipcrun__linebuf *lb = stderr_stream ? &rk->err : &rk->out;
    struct sink s = sink_of(job, r, stderr_stream);

    if (job->up) { /* a node daemon: ipcrun makes the lines */
        uint32_t type = stderr_stream ? IPCRUN__NODE_ERR : IPCRUN__NODE_OUT;
        if (ipcrun__nodelink_queue(job->up, type, r, data, len, NULL, 0) == 0)
            (void)ipcrun__nodelink_flush_all(job->up);
        return;
    }
    if (len == 0)
        ipcrun__linebuf_flush(lb, emit_line, &s);
    else if (ipcrun__linebuf_feed(lb, data, len, emit_line, &s) < 0)
        ipcrun__say("out of memory forwarding output of rank %d; some of it is lost", r);
}

static void close_output(struct ipcrun__launch *job, int r, bool stderr_stream)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    int *fd = stderr_stream ? &rk->err_fd : &rk->out_fd;

    ipcrun__forward_bytes(job, r, stderr_stream, NULL, 0);
    close(*fd);
    *fd = -1;
}

void ipcrun__forward_drop_dead(struct ipcrun__launch *job)
{
    for (int r = 0; r < job->n; r++) {
        struct ipcrun__launch_rank *rk = &job->ranks[r];
        if (job->stdout_dead && rk->out_fd >= 0 && rk->out_file < 0) {
            close(rk->out_fd);
            rk->out_fd = -1;
        }
        if (job->stderr_dead && rk->err_fd >= 0 && rk->err_file < 0) {
            close(rk->err_fd);
            rk->err_fd = -1;
        }
    }
}

enum ipcrun__read_result ipcrun__forward_output(struct ipcrun__launch *job, int r,
                                                bool stderr_stream)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    int fd = stderr_stream ? rk->err_fd : rk->out_fd;
    char buf[READ_CHUNK];

    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return IPCRUN__READ_NOTHING;
    if (n <= 0) {
        close_output(job, r, stderr_stream);
        return IPCRUN__READ_CLOSED;
    }
    ipcrun__forward_bytes(job, r, stderr_stream, buf, (size_t)n);
    return IPCRUN__READ_DATA;
}

void ipcrun__forward_drain_rank(struct ipcrun__launch *job, int r)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    for (int i = 0; rk->out_fd >= 0 && i < FINAL_DRAIN_READS; i++)
        if (ipcrun__forward_output(job, r, false) != IPCRUN__READ_DATA)
            break;
    for (int i = 0; rk->err_fd >= 0 && i < FINAL_DRAIN_READS; i++)
        if (ipcrun__forward_output(job, r, true) != IPCRUN__READ_DATA)
            break;
}

void ipcrun__forward_drain(struct ipcrun__launch *job)
{
    for (int r = 0; r < job->n; r++) {
        struct ipcrun__launch_rank *rk = &job->ranks[r];
        ipcrun__forward_drain_rank(job, r);
        if (rk->out_fd >= 0)
            close_output(job, r, false);
        if (rk->err_fd >= 0)
            close_output(job, r, true);
        /* A line still pending has no pipe to end it: its node daemon did not
         * say the end. */
        if (ipcrun__linebuf_pending(&rk->out))
            ipcrun__forward_bytes(job, r, false, NULL, 0);
        if (ipcrun__linebuf_pending(&rk->err))
            ipcrun__forward_bytes(job, r, true, NULL, 0);
    }
}

/* ---- input (--stdin all) ---- */

bool ipcrun__forward_stdin_pending(const struct ipcrun__launch *job, int r)
{
    const struct ipcrun__launch_rank *rk = &job->ranks[r];
    return rk->in_fd >= 0 && rk->in_off < job->in_len;
}

/* The ranks ipcrun's stdin goes to: --stdin R, or every rank. */
static void stdin_targets(const struct ipcrun__launch *job, int *first, int *end)
{
    int t = job->opts->stdin_target;
    *first = t >= 0 ? t : 0;
    *end = t >= 0 ? t + 1 : job->n;
}

bool ipcrun__forward_stdin_wanted(const struct ipcrun__launch *job)
{
    bool reader = false;
    int first, end;
    if (job->stdin_fd < 0 || job->in_eof)
        return false;
    stdin_targets(job, &first, &end);
    for (int r = first; r < end; r++) {
        const struct ipcrun__rank_ops *ops = job->ranks[r].ops;
        if (ops->input_busy(job, r))
            return false;
        reader = reader || ops->input_open(job, r);
    }
    return reader;
}

void ipcrun__forward_stdin_close(struct ipcrun__launch *job, int r)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    if (rk->in_fd < 0)
        return;
    close(rk->in_fd);
    rk->in_fd = -1;
    int32_t closed = 1; /* a node daemon: ipcrun stops reading for it */
    if (job->up)
        ipcrun__launch_up(job, IPCRUN__NODE_IN_ACK, r, &closed, sizeof closed, NULL, 0);
}

void ipcrun__forward_stdin_read(struct ipcrun__launch *job)
{
    int first, end;
    ssize_t n = read(job->stdin_fd, job->in_buf, IPCRUN__FORWARD_STDIN_CHUNK);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    /* At the end of input (or an unreadable stdin, which no rank can do
     * better with) every rank sees end of file. */
    job->in_eof = n <= 0;
    job->in_len = n > 0 ? (size_t)n : 0;
    stdin_targets(job, &first, &end);
    for (int r = first; r < end; r++)
        job->ranks[r].ops->input(job, r, job->in_buf, job->in_len);
}

void ipcrun__forward_stdin_write(struct ipcrun__launch *job, int r)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    if (!ipcrun__forward_stdin_pending(job, r))
        return;
    ssize_t n = write(rk->in_fd, job->in_buf + rk->in_off, job->in_len - rk->in_off);
    if (n > 0)
        rk->in_off += (size_t)n;
    else if (n < 0 && errno != EAGAIN && errno != EINTR)
        ipcrun__forward_stdin_close(job, r); /* it closed its stdin or died */
    int32_t closed = 0;
    if (job->up && rk->in_fd >= 0 && rk->in_off == job->in_len) /* ready for more */
        ipcrun__launch_up(job, IPCRUN__NODE_IN_ACK, r, &closed, sizeof closed, NULL, 0);
}

/* ---- set-up ---- */

/* The --output-dir files, opened under one descriptor of the directory, so
 * that its owner checked is the owner of the directory written in. */
static int open_rank_files(struct ipcrun__launch *job, char *err, size_t errlen)
{
    const char *dir = job->opts->output_dir;
    struct stat st;
    bool new_only;
    int dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dirfd < 0 || fstat(dirfd, &st) != 0) {
        snprintf(err, errlen, "--output-dir '%s': %s", dir, strerror(errno));
        if (dirfd >= 0)
            close(dirfd);
        return -1;
    }
    int rc = ipcrun__files_output_dir_mode(dir, &st, &new_only, err, errlen);
    for (int r = 0; r < job->n && rc == 0; r++) {
        struct ipcrun__launch_rank *rk = &job->ranks[r];
        char out[32], errf[32];
        snprintf(out, sizeof out, "rank.%d.stdout", r);
        snprintf(errf, sizeof errf, "rank.%d.stderr", r);
        if ((rk->out_file =
                 ipcrun__files_open_output(dirfd, dir, out, new_only, err, errlen)) < 0 ||
            (rk->err_file =
                 ipcrun__files_open_output(dirfd, dir, errf, new_only, err, errlen)) < 0)
            rc = -1;
    }
    close(dirfd);
    return rc;
}

int ipcrun__forward_init(struct ipcrun__launch *job, char *err, size_t errlen)
{
    const struct ipcrun__opts *o = job->opts;
    for (int r = 0; r < job->n; r++) {
        struct ipcrun__launch_rank *rk = &job->ranks[r];
        char tag[24] = "";
        if (o->tag_output)
            snprintf(tag, sizeof tag, "[%d] ", r);
        if (ipcrun__linebuf_init(&rk->out, tag, IPCRUN__IOFWD_MAX_LINE) ||
            ipcrun__linebuf_init(&rk->err, tag, IPCRUN__IOFWD_MAX_LINE)) {
            snprintf(err, errlen, "out of memory setting up %d ranks", job->n);
            return -1;
        }
    }
    if (o->output_dir && open_rank_files(job, err, errlen) != 0)
        return -1;
    /* The chunk buffer: --stdin all; ipcrun relaying its stdin to a rank on
     * another host; the daemon of that host. */
    bool daemon_feeds = job->up && o->stdin_target >= 0;
    if (o->stdin_target != IPCRUN__STDIN_ALL && job->stdin_relay < 0 && !daemon_feeds)
        return 0;
    job->in_buf = malloc(IPCRUN__FORWARD_STDIN_CHUNK);
    if (!job->in_buf) {
        snprintf(err, errlen, "out of memory setting up %d ranks", job->n);
        return -1;
    }
    job->stdin_fd = daemon_feeds ? -1 : STDIN_FILENO;
    return 0;
}

void ipcrun__forward_fini(struct ipcrun__launch *job)
{
    for (int r = 0; job->ranks && r < job->n; r++) {
        struct ipcrun__launch_rank *rk = &job->ranks[r];
        ipcrun__forward_stdin_close(job, r);
        if (rk->out_file >= 0)
            close(rk->out_file);
        if (rk->err_file >= 0)
            close(rk->err_file);
        rk->out_file = rk->err_file = -1;
        ipcrun__linebuf_fini(&rk->out);
        ipcrun__linebuf_fini(&rk->err);
    }
    free(job->in_buf);
    job->in_buf = NULL;
    job->stdin_fd = -1;
}

/* ---- the event loop's sources ---- */

static int stdin_fd(void *ctx, int arg, short *events)
{
    const struct ipcrun__launch *job = ctx;
    (void)arg;
    *events = POLLIN;
    return ipcrun__forward_stdin_wanted(job) ? job->stdin_fd : -1;
}

static void stdin_ready(void *ctx, int arg, short revents)
{
    (void)arg, (void)revents;
    ipcrun__forward_stdin_read(ctx);
}

static int in_fd(void *ctx, int r, short *events)
{
    const struct ipcrun__launch *job = ctx;
    *events = POLLOUT;
    return ipcrun__forward_stdin_pending(job, r) ? job->ranks[r].in_fd : -1;
}

static void in_ready(void *ctx, int r, short revents)
{
    (void)revents;
    ipcrun__forward_stdin_write(ctx, r);
}

static int out_fd(void *ctx, int r, short *events)
{
    const struct ipcrun__launch *job = ctx;
    *events = POLLIN;
    return job->ranks[r].out_fd;
}

static void out_ready(void *ctx, int r, short revents)
{
    (void)revents;
    ipcrun__forward_output(ctx, r, false);
}

static int err_fd(void *ctx, int r, short *events)
{
    const struct ipcrun__launch *job = ctx;
    *events = POLLIN;
    return job->ranks[r].err_fd;
}

static void err_ready(void *ctx, int r, short revents)
{
    (void)revents;
    ipcrun__forward_output(ctx, r, true);
}

int ipcrun__forward_watch(struct ipcrun__launch *job)
{
    struct ipcrun__source in = {in_fd, in_ready, 0, IPCRUN__STAGE_IO},
                          out = {out_fd, out_ready, 0, IPCRUN__STAGE_IO},
                          err = {err_fd, err_ready, 0, IPCRUN__STAGE_IO},
                          sin = {stdin_fd, stdin_ready, -1, IPCRUN__STAGE_IO};
    if (ipcrun__loop_add(&job->loop, &sin) != 0)
        return -1;
    for (int r = 0; r < job->n; r++) {
        in.arg = out.arg = err.arg = r;
        if (ipcrun__loop_add(&job->loop, &in) != 0 ||
            ipcrun__loop_add(&job->loop, &out) != 0 ||
            ipcrun__loop_add(&job->loop, &err) != 0)
            return -1;
    }
    return 0;
}
