/*
 * supervise.c - the running job: the event loop (loop.c) until every rank
 * ended, with the job's own handlers (the signalfd: reaping, interrupts; the
 * timeout and the kill grace), and what happens when ranks end: their last
 * output, then their judgement and the exit status.
 */
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "contain.h"
#include "daemon.h"
#include "forward.h"
#include "job.h"
#include "local.h"
#include "loop.h"
#include "remote.h"
#include "report.h"
#include "supervise.h"
#include "wireup.h"

/* After the last rank is reaped, how long its output pipes may stay open (a
 * child the rank left behind can hold them) before ipcrun stops waiting. */
#define DRAIN_WAIT_MS 1000

static const char *plural(int k)
{
    return k == 1 ? "" : "s";
}

/* ---- reaping and judging ---- */

/* Fills what with the reason rank r's end is a failure and returns its exit
 * status, or returns 0 when it ended well. */
static int judge_exit(const struct ipcrun__launch_rank *rk, char *what, size_t len)
{
    int st = rk->wstatus;
    if (WIFSIGNALED(st)) {
        int sig = WTERMSIG(st);
        snprintf(what, len, "exited on signal %d (%s)", sig, strsignal(sig));
        return 128 + sig;
    }
    int code = WEXITSTATUS(st);
    if (code != 0) {
        snprintf(what, len, "exited with status %d", code);
        return code;
    }
    if (rk->inited && !rk->finalized) {
        snprintf(what, len, "exited without calling ipc_finalize");
        return 1;
    }
    return 0;
}

static int clamp_code(int code)
{
    return code >= 1 && code <= 255 ? code : 1;
}

/* Once a rank called ipc_abort, the others' deaths are its consequences:
 * only the aborting rank's exit is reported. Otherwise the lowest-numbered
 * rank of the batch that failed is. */
static void judge_batch(struct ipcrun__launch *job, const int *batch, int nb)
{
    char what[256];
    if (job->phase != IPCRUN__PHASE_RUNNING)
        return;
    if (job->abort_rank >= 0) {
        struct ipcrun__launch_rank *rk = &job->ranks[job->abort_rank];
        if (!rk->running)
            ipcrun__launch_fail(job, job->abort_rank, clamp_code(rk->abort_code),
                                "called %s with code %d",
                                rk->abort_mpi ? "MPI_Abort" : "ipc_abort", rk->abort_code);
        return;
    }
    int worst = -1, status = 0;
    for (int i = 0; i < nb; i++) {
        int r = batch[i];
        if (worst >= 0 && r > worst)
            continue;
        char w[256];
        int s = judge_exit(&job->ranks[r], w, sizeof w);
        if (s != 0) {
            worst = r;
            status = s;
            memcpy(what, w, sizeof what);
        }
    }
    if (worst >= 0)
        ipcrun__launch_fail(job, worst, status, "%s", what);
}

static bool local_running(const struct ipcrun__launch *job)
{
    for (int i = 0; i < job->nlocal; i++)
        if (job->ranks[job->local[i]].running)
            return true;
    return false;
}

/* The ranks in job->ended ended (reaped here, or reported by their daemon):
 * their last words go out, then their end is judged (in a node daemon:
 * reported to ipcrun, which judges). */
static void ranks_ended(struct ipcrun__launch *job)
{
    const int *batch = job->ended;
    int nb = job->nended;
    if (nb == 0)
        return;
    job->nended = 0;
    /* What a rank wrote before it died goes out before ipcrun's word on it. */
    for (int i = 0; i < nb; i++)
        ipcrun__forward_drain_rank(job, batch[i]);
    /* What a rank said before it died (ABORT, FINALIZE) decides how its death
     * is judged; since it is dead, all of it is already queued. */
    for (int r = 0; r < job->n; r++)
        if (job->ranks[r].ctl_fd >= 0)
            ipcrun__wireup_serve(job, r);
    for (int i = 0; job->up && i < nb; i++) {
        int32_t st = job->ranks[batch[i]].wstatus;
        ipcrun__launch_up(job, IPCRUN__NODE_EXIT, batch[i], &st, sizeof st, NULL, 0);
    }
    if (!job->up)
        judge_batch(job, batch, nb);
    for (int i = 0; i < nb; i++) {
        ipcrun__wireup_close(job, batch[i]);
        ipcrun__forward_stdin_close(job, batch[i]);
    }
    if (job->phase == IPCRUN__PHASE_STOPPING)
        ipcrun__local_signal_adopted(job, job->killing ? SIGKILL : SIGTERM);
    /* The last rank of this host ended: what they left must not hold the
     * job's output open (nor outlive it). */
    if (ipcrun__contain_cgroup(job->contain) && !local_running(job))
        ipcrun__contain_kill(job->contain);
}

static void reap(struct ipcrun__launch *job)
{
    int st;
    pid_t pid;

    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        int r = ipcrun__local_rank_of(job, pid);
        if (r < 0) {
            ipcrun__remote_reaped(job, pid); /* or an adopted child */
            ipcrun__contain_reaped(job->contain, pid);
            continue;
        }
        job->ranks[r].running = false;
        job->ranks[r].wstatus = st;
        job->nrunning--;
        job->ended[job->nended++] = r;
    }
    ranks_ended(job);
}

/* ---- signals and timers ---- */

static void on_stop_signal(struct ipcrun__launch *job, int sig)
{
    if (job->phase != IPCRUN__PHASE_RUNNING) {
        ipcrun__launch_kill(job); /* asked twice: no more grace */
        return;
    }
    if (job->up) { /* a node daemon: its session is going away */
        ipcrun__launch_stop(job);
        return;
    }
    ipcrun__say("interrupted by signal %d; stopping %d rank%s", sig, job->nrunning,
                plural(job->nrunning));
    /* Ctrl-C on a job that hangs, or a batch system's time limit (SIGTERM):
     * say where it hangs. SIGHUP means the terminal is gone. */
    if (sig == SIGINT || sig == SIGTERM)
        ipcrun__report_where(job);
    job->exit_status = 128 + sig;
    ipcrun__launch_stop(job);
}

static int signal_fd(void *ctx, int arg, short *events)
{
    const struct ipcrun__launch *job = ctx;
    (void)arg;
    *events = POLLIN;
    return job->sigfd;
}

/* The last stage of a round: a rank's output and control packets are read
 * before its death is handled. */
static void on_signals(void *ctx, int arg, short revents)
{
    struct ipcrun__launch *job = ctx;
    struct signalfd_siginfo si[16];
    bool child = false;
    ssize_t n;
    (void)arg, (void)revents;

    /* signalfd yields lower-numbered signals first, so an interrupt that
     * reached ipcrun and the ranks together is seen before their deaths. */
    while ((n = read(job->sigfd, si, sizeof si)) > 0) {
        for (size_t i = 0; i < (size_t)n / sizeof si[0]; i++) {
            int sig = (int)si[i].ssi_signo;
            if (sig == SIGCHLD)
                child = true;
            else if (sig == SIGUSR1 || sig == SIGUSR2)
                ipcrun__launch_signal_all(job, sig, job->phase == IPCRUN__PHASE_STOPPING);
            else
                on_stop_signal(job, sig);
        }
    }
    if (child)
        reap(job);
}

static void format_running(const struct ipcrun__launch *job, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    for (int r = 0; r < job->n; r++) {
        if (!job->ranks[r].running)
            continue;
        int end = r;
        while (end + 1 < job->n && job->ranks[end + 1].running)
            end++;
        int k = end == r ? snprintf(buf + used, len - used, "%s%d", used ? "," : "", r)
                         : snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", r,
                                    end);
        if (k < 0 || (size_t)k >= len - used) {
            snprintf(buf + (len > 4 ? len - 4 : 0), 4, "...");
            return;
        }
        used += (size_t)k;
        r = end;
    }
}

static void on_timeout(struct ipcrun__launch *job)
{
    char ranks[512], secs[32];
    long ms = job->opts->timeout_ms;
    if (job->phase != IPCRUN__PHASE_RUNNING || job->nrunning == 0)
        return;
    if (ms % 1000 == 0)
        snprintf(secs, sizeof secs, "%ld", ms / 1000);
    else
        snprintf(secs, sizeof secs, "%g", (double)ms / 1000.0);
    format_running(job, ranks, sizeof ranks);
    ipcrun__say("timeout of %s s expired; rank%s %s still running; stopping %s", secs,
                plural(job->nrunning), ranks, job->nrunning == 1 ? "it" : "them");
    ipcrun__report_where(job);
    job->exit_status = IPCRUN__EXIT_TIMEOUT;
    ipcrun__launch_stop(job);
}

/* ---- the loop ---- */

/* The job is over when every rank is reaped and its output read to the end;
 * when stopping, also when what the ranks left behind is gone. Waiting for
 * either is bounded by `deadline`. */
static bool finished(const struct ipcrun__launch *job, int64_t now, int64_t deadline)
{
    if (job->nrunning > 0)
        return false;
    if (now >= deadline)
        return true;
    for (int k = 0; k < job->nkinds; k++)
        if (job->kinds[k]->busy(job))
            return false;
    return job->phase != IPCRUN__PHASE_STOPPING ||
           !ipcrun__contain_children_left(job->contain);
}

static int poll_timeout(int64_t now, const int64_t *deadlines, int n)
{
    int64_t wait = -1;
    for (int i = 0; i < n; i++) {
        if (deadlines[i] <= 0)
            continue;
        int64_t left = deadlines[i] > now ? deadlines[i] - now : 0;
        if (wait < 0 || left < wait)
            wait = left;
    }
    return wait > INT_MAX ? INT_MAX : (int)wait;
}

/* One round's handlers: output (and the daemons' streams) first, then the
 * ranks that ended in it are judged, then control packets, then signals. */
static void dispatch(struct ipcrun__launch *job)
{
    ipcrun__loop_dispatch(&job->loop, IPCRUN__STAGE_IO);
    ranks_ended(job);
    if (job->stdout_dead || job->stderr_dead)
        ipcrun__forward_drop_dead(job);
    ipcrun__loop_dispatch(&job->loop, IPCRUN__STAGE_CTL);
    ipcrun__loop_dispatch(&job->loop, IPCRUN__STAGE_SIGNAL);
}

/* Registers every descriptor's handler, in the order they are served within
 * a stage. Returns 0, or -1 when out of memory. */
static int watch(struct ipcrun__launch *job)
{
    struct ipcrun__source sig = {signal_fd, on_signals, -1, IPCRUN__STAGE_SIGNAL};
    ipcrun__loop_init(&job->loop, job);
    job->ended = calloc((size_t)job->n, sizeof *job->ended);
    if (!job->ended || ipcrun__loop_add(&job->loop, &sig) != 0 ||
        ipcrun__daemon_watch(job) != 0 || ipcrun__remote_watch(job) != 0 ||
        ipcrun__forward_watch(job) != 0 || ipcrun__wireup_watch(job) != 0)
        return -1;
    return 0;
}

int ipcrun__supervise(struct ipcrun__launch *job)
{
    int64_t timeout_at =
        job->opts->timeout_ms ? ipcrun__now_ms() + job->opts->timeout_ms : 0;
    int64_t last_exit = 0;
    bool ready = watch(job) == 0;

    if (!ready) {
        ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER, "out of memory");
        ipcrun__launch_kill(job);
    }
    for (;;) {
        int64_t now = ipcrun__now_ms();
        if (job->nrunning == 0 && last_exit == 0)
            last_exit = now;
        int64_t deadline = last_exit + DRAIN_WAIT_MS;
        if (job->kill_at_ms && job->kill_at_ms + DRAIN_WAIT_MS > deadline)
            deadline = job->kill_at_ms + DRAIN_WAIT_MS;
        if (!ready || finished(job, now, deadline))
            break;
        if (timeout_at && now >= timeout_at) {
            timeout_at = 0;
            on_timeout(job);
        }
        if (job->kill_at_ms && now >= job->kill_at_ms)
            ipcrun__launch_kill(job);
        int64_t deadlines[3] = {timeout_at, job->kill_at_ms,
                                job->nrunning ? 0 : deadline};
        int rc = ipcrun__loop_poll(&job->loop, poll_timeout(now, deadlines, 3));
        if (rc < 0 && rc != -EINTR) {
            ipcrun__say("poll failed: %s; stopping every rank", strerror(-rc));
            ipcrun__launch_kill(job);
            job->exit_status = IPCRUN__EXIT_LAUNCHER;
            break;
        }
        if (rc > 0)
            dispatch(job);
    }
    ipcrun__forward_drain(job);
    if (job->up)
        ipcrun__launch_up(job, IPCRUN__NODE_DONE, -1, NULL, 0, NULL, 0);
    ipcrun__loop_fini(&job->loop);
    free(job->ended);
    job->ended = NULL;
    return job->exit_status;
}
