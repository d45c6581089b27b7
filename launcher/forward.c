/* forward.c - the ranks' stdin, stdout and stderr (see forward.h). */
#include "forward.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "remote.h"

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

/* Writes every byte of iov, waiting when someone else made the descriptor
 * non-blocking. Returns 0 or -errno. */
static int writev_all(int fd, struct iovec *iov, int n)
{
    while (n > 0) {
        ssize_t w = writev(fd, iov, n);
        if (w < 0 && errno == EAGAIN) {
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            (void)poll(&pfd, 1, -1);
            continue;
        }
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -errno;
        while (n > 0 && (size_t)w >= iov->iov_len) {
            w -= (ssize_t)iov->iov_len;
            iov++;
            n--;
        }
        if (n > 0) {
            iov->iov_base = (char *)iov->iov_base + w;
            iov->iov_len -= (size_t)w;
        }
    }
    return 0;
}

void ipcrun__say(const char *fmt, ...)
{
    char line[2048];
    va_list ap;
    int n = snprintf(line, sizeof line, "ipcrun: ");
    va_start(ap, fmt);
    n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    if (n > (int)sizeof line - 2)
        n = (int)sizeof line - 2;
    line[n++] = '\n';
    struct iovec iov = {.iov_base = line, .iov_len = (size_t)n};
    (void)writev_all(STDERR_FILENO, &iov, 1);
}

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
    int rc = writev_all(s->fd, iov, k);
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
        if (rk->daemon) { /* a remote rank whose daemon did not say the end */
            ipcrun__forward_bytes(job, r, false, NULL, 0);
            ipcrun__forward_bytes(job, r, true, NULL, 0);
        }
    }
}

/* ---- input (--stdin all) ---- */

bool ipcrun__forward_stdin_pending(const struct ipcrun__launch *job, int r)
{
    const struct ipcrun__launch_rank *rk = &job->ranks[r];
    return rk->in_fd >= 0 && rk->in_off < job->in_len;
}

bool ipcrun__forward_stdin_wanted(const struct ipcrun__launch *job)
{
    bool reader = false;
    if (job->stdin_fd < 0 || job->in_eof)
        return false;
    if (job->stdin_relay >= 0)
        return !job->in_flight;
    for (int r = 0; r < job->n; r++) {
        if (ipcrun__forward_stdin_pending(job, r))
            return false;
        reader = reader || job->ranks[r].in_fd >= 0;
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
        ipcrun__daemon_send(job, IPCRUN__NODE_IN_ACK, r, &closed, sizeof closed, NULL, 0);
}

void ipcrun__forward_stdin_read(struct ipcrun__launch *job)
{
    ssize_t n = read(job->stdin_fd, job->in_buf, IPCRUN__FORWARD_STDIN_CHUNK);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return;
    if (job->stdin_relay >= 0) { /* to the daemon of the rank that reads it */
        ipcrun__remote_stdin(job, job->stdin_relay, job->in_buf, n > 0 ? (size_t)n : 0);
        job->in_flight = n > 0;
        job->in_eof = n <= 0;
        return;
    }
    if (n <= 0) {
        /* End of input (or an unreadable stdin, which no rank can do better
         * with): every rank sees end of file. */
        job->in_eof = true;
        job->in_len = 0;
        for (int r = 0; r < job->n; r++)
            ipcrun__forward_stdin_close(job, r);
        return;
    }
    job->in_len = (size_t)n;
    for (int r = 0; r < job->n; r++)
        job->ranks[r].in_off = 0;
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
        ipcrun__daemon_send(job, IPCRUN__NODE_IN_ACK, r, &closed, sizeof closed, NULL, 0);
}

/* ---- set-up ---- */

static int open_rank_file(const struct ipcrun__launch *job, int r, const char *stream,
                          char *err, size_t errlen)
{
    char path[4096];
    int n =
        snprintf(path, sizeof path, "%s/rank.%d.%s", job->opts->output_dir, r, stream);
    if (n < 0 || (size_t)n >= sizeof path) {
        snprintf(err, errlen, "--output-dir '%s': the path is too long",
                 job->opts->output_dir);
        return -1;
    }
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0)
        snprintf(err, errlen, "cannot create '%s': %s", path, strerror(errno));
    return fd;
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
        if (o->output_dir &&
            ((rk->out_file = open_rank_file(job, r, "stdout", err, errlen)) < 0 ||
             (rk->err_file = open_rank_file(job, r, "stderr", err, errlen)) < 0))
            return -1;
    }
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
