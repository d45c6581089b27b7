/* job.c - what any module may do to the job as a whole (see job.h): end it,
 * signal its ranks, say something, tell ipcrun (in a node daemon). */
#include "job.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

static const char *plural(int k)
{
    return k == 1 ? "" : "s";
}

int64_t ipcrun__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Writes every byte of iov, waiting when someone else made the descriptor
 * non-blocking. Returns 0 or -errno. */
int ipcrun__write_all(int fd, struct iovec *iov, int n)
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
    (void)ipcrun__write_all(STDERR_FILENO, &iov, 1);
}

void ipcrun__launch_up(struct ipcrun__launch *job, uint32_t type, int r, const void *a,
                       size_t alen, const void *b, size_t blen)
{
    struct ipcrun__nodelink *up = job->up;
    if (up->wfd < 0)
        return;
    /* An error means ipcrun is gone; reading the stream says so. */
    if (ipcrun__nodelink_queue(up, type, r, a, alen, b, blen) == 0)
        (void)ipcrun__nodelink_flush_all(up);
}

/* ---- signals ---- */

void ipcrun__launch_signal_all(struct ipcrun__launch *job, int sig, bool stopping)
{
    for (int k = 0; k < job->nkinds; k++)
        job->kinds[k]->signal(job, sig, stopping);
}

void ipcrun__launch_kill(struct ipcrun__launch *job)
{
    job->killing = true;
    job->kill_at_ms = 0;
    ipcrun__launch_signal_all(job, SIGKILL, true);
}

void ipcrun__launch_stop(struct ipcrun__launch *job)
{
    job->phase = IPCRUN__PHASE_STOPPING;
    if (job->opts->kill_grace_ms == 0) {
        ipcrun__launch_kill(job);
        return;
    }
    ipcrun__launch_signal_all(job, SIGTERM, true);
    job->kill_at_ms = ipcrun__now_ms() + job->opts->kill_grace_ms;
}

void ipcrun__launch_signal(struct ipcrun__launch *job, int sig, bool stopping)
{
    if (stopping)
        job->phase = IPCRUN__PHASE_STOPPING;
    if (sig == SIGKILL) {
        ipcrun__launch_kill(job);
        return;
    }
    ipcrun__launch_signal_all(job, sig, stopping);
}

void ipcrun__launch_fail(struct ipcrun__launch *job, int rank, int status,
                         const char *fmt, ...)
{
    char what[1024];
    va_list ap;

    if (job->phase != IPCRUN__PHASE_RUNNING)
        return;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (job->up) { /* a node daemon: ipcrun tells and decides */
        int32_t st = status;
        ipcrun__launch_up(job, IPCRUN__NODE_FAIL, rank, &st, sizeof st, what,
                          strlen(what));
        return;
    }
    const char *host =
        rank >= 0 && job->ranks[rank].host ? job->ranks[rank].host : job->host;
    int others = job->nrunning - (rank >= 0 && job->ranks[rank].running ? 1 : 0);
    char stopping[64] = "";
    if (others > 0)
        snprintf(stopping, sizeof stopping, "; stopping %s%d rank%s",
                 rank >= 0 ? "the other " : "", others, plural(others));
    if (rank >= 0 && host[0])
        ipcrun__say("on host %s, rank %d (pid %d) %s%s", host, rank,
                    (int)job->ranks[rank].pid, what, stopping);
    else if (rank >= 0)
        ipcrun__say("rank %d (pid %d) %s%s", rank, (int)job->ranks[rank].pid, what,
                    stopping);
    else
        ipcrun__say("%s%s", what, stopping);
    job->exit_status = status;
    ipcrun__launch_stop(job);
}

/* ---- the ranks of other hosts, seen from a node daemon ---- */

/* ipcrun reaches them, and decides for them: nothing to do here, and never a
 * reason to think a fence stuck. */
static void elsewhere_ctl(struct ipcrun__launch *job, int r, uint32_t type,
                          const void *payload, size_t len)
{
    (void)job, (void)r, (void)type, (void)payload, (void)len;
}

static void elsewhere_signal(struct ipcrun__launch *job, int sig, bool stopping)
{
    (void)job, (void)sig, (void)stopping;
}

static void elsewhere_input(struct ipcrun__launch *job, int r, const char *data,
                            size_t len)
{
    (void)job, (void)r, (void)data, (void)len;
}

static bool elsewhere_no(const struct ipcrun__launch *job, int r)
{
    (void)job, (void)r;
    return false;
}

static bool elsewhere_yes(const struct ipcrun__launch *job, int r)
{
    (void)job, (void)r;
    return true;
}

static bool elsewhere_close(struct ipcrun__launch *job, int r)
{
    (void)job, (void)r;
    return false;
}

static void elsewhere_where(struct ipcrun__launch *job)
{
    (void)job;
}

static bool elsewhere_busy(const struct ipcrun__launch *job)
{
    (void)job;
    return false;
}

const struct ipcrun__rank_ops ipcrun__rank_elsewhere = {
    .name = "elsewhere",
    .ctl = elsewhere_ctl,
    .signal = elsewhere_signal,
    .input = elsewhere_input,
    .input_busy = elsewhere_no,
    .input_open = elsewhere_no,
    .ctl_open = elsewhere_yes,
    .ctl_close = elsewhere_close,
    .where = elsewhere_where,
    .busy = elsewhere_busy,
    .relayed = false,
};
