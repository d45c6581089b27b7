/*
 * supervise.c - the running job: one single-threaded poll loop that forwards
 * the ranks' output, serves their control channels, reaps them, applies the
 * timeout and the kill grace, and decides the exit status.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "forward.h"
#include "launch.h"
#include "remote.h"
#include "spawn.h"

/* After the last rank is reaped, how long its output pipes may stay open (a
 * child the rank left behind can hold them) before ipcrun stops waiting. */
#define DRAIN_WAIT_MS 1000

enum slot_kind {
    SLOT_SIGNAL,
    SLOT_CTL,
    SLOT_OUT,
    SLOT_ERR,
    SLOT_STDIN,
    SLOT_IN,
    SLOT_DAEMON, /* ipcrun: a node daemon's stream (rank = which daemon) */
    SLOT_UP,     /* a node daemon: the stream to ipcrun */
};

struct slot {
    enum slot_kind kind;
    int rank;
};

int64_t ipcrun__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static const char *plural(int k)
{
    return k == 1 ? "" : "s";
}

static int rank_of(const struct ipcrun__launch *job, pid_t pid)
{
    for (int r = 0; r < job->n; r++)
        if (job->ranks[r].pid == pid && job->ranks[r].running && !job->ranks[r].daemon)
            return r;
    return -1;
}

/* Children of ranks that outlived them were adopted by ipcrun (it is a child
 * subreaper); stopping the job stops them too. */
static void signal_adopted(struct ipcrun__launch *job, int sig)
{
    char path[64];
    long pid;
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)job->launcher_pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    while (fscanf(f, "%ld", &pid) == 1)
        if (rank_of(job, (pid_t)pid) < 0)
            kill((pid_t)pid, sig);
    fclose(f);
}

static void signal_ranks(struct ipcrun__launch *job, int sig)
{
    for (int r = 0; r < job->n; r++)
        if (job->ranks[r].running && !job->ranks[r].daemon)
            kill(job->ranks[r].pid, sig);
    ipcrun__remote_signal(job, sig, job->phase == IPCRUN__PHASE_STOPPING);
}

static void kill_now(struct ipcrun__launch *job)
{
    job->killing = true;
    job->kill_at_ms = 0;
    signal_ranks(job, SIGKILL);
    signal_adopted(job, SIGKILL);
}

static void begin_stop(struct ipcrun__launch *job)
{
    job->phase = IPCRUN__PHASE_STOPPING;
    if (job->opts->kill_grace_ms == 0) {
        kill_now(job);
        return;
    }
    signal_ranks(job, SIGTERM);
    signal_adopted(job, SIGTERM);
    job->kill_at_ms = ipcrun__now_ms() + job->opts->kill_grace_ms;
}

void ipcrun__launch_signal(struct ipcrun__launch *job, int sig, bool stopping)
{
    if (stopping)
        job->phase = IPCRUN__PHASE_STOPPING;
    if (sig == SIGKILL) {
        kill_now(job);
        return;
    }
    signal_ranks(job, sig);
    if (stopping)
        signal_adopted(job, sig);
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
        ipcrun__daemon_send(job, IPCRUN__NODE_FAIL, rank, &st, sizeof st, what,
                            strlen(what));
        return;
    }
    const char *host = rank >= 0 && job->ranks[rank].host ? job->ranks[rank].host
                                                          : job->host;
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
    begin_stop(job);
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
                                "called ipc_abort with code %d", rk->abort_code);
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

/* The ranks batch[0..nb) ended (reaped here, or reported by their daemon):
 * their last words go out, then their end is judged (in a node daemon:
 * reported to ipcrun, which judges). */
static void ranks_ended(struct ipcrun__launch *job, const int *batch, int nb)
{
    if (nb == 0)
        return;
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
        ipcrun__daemon_send(job, IPCRUN__NODE_EXIT, batch[i], &st, sizeof st, NULL, 0);
    }
    if (!job->up)
        judge_batch(job, batch, nb);
    for (int i = 0; i < nb; i++) {
        ipcrun__wireup_close(job, batch[i]);
        ipcrun__forward_stdin_close(job, batch[i]);
    }
    if (job->phase == IPCRUN__PHASE_STOPPING)
        signal_adopted(job, job->killing ? SIGKILL : SIGTERM);
}

static void reap(struct ipcrun__launch *job, int *batch)
{
    int nb = 0, st;
    pid_t pid;

    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        int r = rank_of(job, pid);
        if (r < 0 || job->ranks[r].daemon) {
            ipcrun__remote_reaped(job, pid); /* or an adopted child */
            continue;
        }
        job->ranks[r].running = false;
        job->ranks[r].wstatus = st;
        job->nrunning--;
        batch[nb++] = r;
    }
    ranks_ended(job, batch, nb);
}

/* ---- signals and timers ---- */

static void on_stop_signal(struct ipcrun__launch *job, int sig)
{
    if (job->phase != IPCRUN__PHASE_RUNNING) {
        kill_now(job); /* asked twice: no more grace */
        return;
    }
    if (job->up) { /* a node daemon: its session is going away */
        begin_stop(job);
        return;
    }
    ipcrun__say("interrupted by signal %d; stopping %d rank%s", sig, job->nrunning,
                plural(job->nrunning));
    /* Ctrl-C on a job that hangs, or a batch system's time limit (SIGTERM):
     * say where it hangs. SIGHUP means the terminal is gone. */
    if (sig == SIGINT || sig == SIGTERM)
        ipcrun__report_where(job);
    job->exit_status = 128 + sig;
    begin_stop(job);
}

static void handle_signals(struct ipcrun__launch *job, int *batch)
{
    struct signalfd_siginfo si[16];
    bool child = false;
    ssize_t n;

    /* signalfd yields lower-numbered signals first, so an interrupt that
     * reached ipcrun and the ranks together is seen before their deaths. */
    while ((n = read(job->sigfd, si, sizeof si)) > 0) {
        for (size_t i = 0; i < (size_t)n / sizeof si[0]; i++) {
            int sig = (int)si[i].ssi_signo;
            if (sig == SIGCHLD)
                child = true;
            else if (sig == SIGUSR1 || sig == SIGUSR2)
                signal_ranks(job, sig);
            else
                on_stop_signal(job, sig);
        }
    }
    if (child)
        reap(job, batch);
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

/* Blocking system calls a waiting rank is likely to be in. */
static const struct {
    long nr;
    const char *name;
} waits[] = {
    {SYS_read, "read"},
    {SYS_write, "write"},
#ifdef SYS_poll
    {SYS_poll, "poll"},
#endif
    {SYS_ppoll, "ppoll"},
    {SYS_pselect6, "pselect"},
#ifdef SYS_select
    {SYS_select, "select"},
#endif
    {SYS_epoll_pwait, "epoll_wait"},
#ifdef SYS_epoll_wait
    {SYS_epoll_wait, "epoll_wait"},
#endif
    {SYS_futex, "futex"},
    {SYS_nanosleep, "nanosleep"},
    {SYS_clock_nanosleep, "clock_nanosleep"},
    {SYS_wait4, "wait4"},
    {SYS_waitid, "waitid"},
    {SYS_recvfrom, "recvfrom"},
    {SYS_recvmsg, "recvmsg"},
    {SYS_sendto, "sendto"},
    {SYS_sendmsg, "sendmsg"},
    {SYS_accept4, "accept"},
    {SYS_connect, "connect"},
#ifdef SYS_pause
    {SYS_pause, "pause"},
#endif
};

/* What pid is doing, from /proc: "running", "waiting in poll()", ... */
void ipcrun__describe_activity(pid_t pid, char *buf, size_t len)
{
    char path[64], line[512];
    snprintf(buf, len, "state unknown");
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    FILE *f = fopen(path, "re");
    char *paren = f && fgets(line, sizeof line, f) ? strrchr(line, ')') : NULL;
    if (f)
        fclose(f);
    if (!paren || paren[1] != ' ')
        return;
    char state = paren[2];
    if (state == 'R') {
        snprintf(buf, len, "running (busy on a cpu, not blocked in a system call)");
        return;
    }
    if (state == 'T' || state == 't') {
        snprintf(buf, len, "stopped");
        return;
    }
    snprintf(path, sizeof path, "/proc/%d/syscall", (int)pid);
    f = fopen(path, "re");
    long nr = -1;
    if (f && fscanf(f, "%ld", &nr) != 1)
        nr = -1;
    if (f)
        fclose(f);
    for (size_t i = 0; i < sizeof waits / sizeof waits[0]; i++) {
        if (waits[i].nr == nr) {
            snprintf(buf, len, "waiting in %s()", waits[i].name);
            return;
        }
    }
    snprintf(buf, len, nr >= 0 ? "waiting in system call %ld" : "waiting", nr);
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
    begin_stop(job);
}

/* ---- the loop ---- */

static bool any_output_open(const struct ipcrun__launch *job)
{
    for (int r = 0; r < job->n; r++)
        if (job->ranks[r].out_fd >= 0 || job->ranks[r].err_fd >= 0)
            return true;
    return false;
}

static bool have_children(void)
{
    siginfo_t si;
    return waitid(P_ALL, 0, &si, WEXITED | WNOHANG | WNOWAIT) == 0;
}

/* The job is over when every rank is reaped and its output read to the end;
 * when stopping, also when what the ranks left behind is gone. Waiting for
 * either is bounded by `deadline`. */
static bool finished(const struct ipcrun__launch *job, int64_t now, int64_t deadline)
{
    if (job->nrunning > 0)
        return false;
    if (now >= deadline)
        return true;
    if (any_output_open(job) || ipcrun__remote_busy(job))
        return false;
    return job->phase != IPCRUN__PHASE_STOPPING || !have_children();
}

static int build_pollset(const struct ipcrun__launch *job, struct pollfd *pfds,
                         struct slot *slots, int *which)
{
    int k = 0;
    pfds[k] = (struct pollfd){.fd = job->sigfd, .events = POLLIN};
    slots[k++] = (struct slot){SLOT_SIGNAL, -1};
    if (job->up && job->up->rfd >= 0) {
        pfds[k] = (struct pollfd){.fd = job->up->rfd, .events = POLLIN};
        slots[k++] = (struct slot){SLOT_UP, -1};
    }
    int nd = ipcrun__remote_pollset(job, pfds + k, which);
    for (int i = 0; i < nd; i++)
        slots[k + i] = (struct slot){SLOT_DAEMON, which[i]};
    k += nd;
    if (ipcrun__forward_stdin_wanted(job)) {
        pfds[k] = (struct pollfd){.fd = job->stdin_fd, .events = POLLIN};
        slots[k++] = (struct slot){SLOT_STDIN, -1};
    }
    for (int r = 0; r < job->n; r++) {
        const struct ipcrun__launch_rank *rk = &job->ranks[r];
        if (ipcrun__forward_stdin_pending(job, r)) {
            pfds[k] = (struct pollfd){.fd = rk->in_fd, .events = POLLOUT};
            slots[k++] = (struct slot){SLOT_IN, r};
        }
        if (rk->out_fd >= 0) {
            pfds[k] = (struct pollfd){.fd = rk->out_fd, .events = POLLIN};
            slots[k++] = (struct slot){SLOT_OUT, r};
        }
        if (rk->err_fd >= 0) {
            pfds[k] = (struct pollfd){.fd = rk->err_fd, .events = POLLIN};
            slots[k++] = (struct slot){SLOT_ERR, r};
        }
        if (rk->ctl_fd >= 0) {
            pfds[k] = (struct pollfd){.fd = rk->ctl_fd, .events = POLLIN};
            slots[k++] = (struct slot){SLOT_CTL, r};
        }
    }
    return k;
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

/* A node daemon whose ipcrun is gone stops at once: nobody would see the
 * ranks' output or decide anything. */
static void on_up_lost(struct ipcrun__launch *job)
{
    close(job->up->rfd);
    if (job->up->wfd == job->up->rfd)
        job->up->wfd = -1;
    job->up->rfd = -1;
    job->phase = IPCRUN__PHASE_STOPPING;
    kill_now(job);
}

/* Output first, then control packets, then signals: a rank's last words are
 * read before its death is handled. */
static void dispatch(struct ipcrun__launch *job, struct pollfd *pfds,
                     const struct slot *slots, int nfds, int *batch)
{
    bool signalled = false;
    int nb = 0;
    for (int i = 0; i < nfds; i++) {
        if (!pfds[i].revents)
            continue;
        const struct slot *s = &slots[i];
        const struct ipcrun__launch_rank *rk = s->rank >= 0 ? &job->ranks[s->rank] : NULL;
        if (s->kind == SLOT_SIGNAL)
            signalled = true;
        else if (s->kind == SLOT_OUT && rk->out_fd == pfds[i].fd)
            ipcrun__forward_output(job, s->rank, false);
        else if (s->kind == SLOT_ERR && rk->err_fd == pfds[i].fd)
            ipcrun__forward_output(job, s->rank, true);
        else if (s->kind == SLOT_STDIN)
            ipcrun__forward_stdin_read(job);
        else if (s->kind == SLOT_IN && rk->in_fd == pfds[i].fd)
            ipcrun__forward_stdin_write(job, s->rank);
        else if (s->kind == SLOT_DAEMON)
            ipcrun__remote_serve(job, s->rank, pfds[i].revents, batch, &nb);
        else if (s->kind == SLOT_UP && !ipcrun__daemon_serve_up(job))
            on_up_lost(job);
    }
    ranks_ended(job, batch, nb);
    if (job->stdout_dead || job->stderr_dead)
        ipcrun__forward_drop_dead(job);
    for (int i = 0; i < nfds; i++)
        if (pfds[i].revents && slots[i].kind == SLOT_CTL &&
            job->ranks[slots[i].rank].ctl_fd == pfds[i].fd)
            ipcrun__wireup_serve(job, slots[i].rank);
    if (signalled)
        handle_signals(job, batch);
}

int ipcrun__supervise(struct ipcrun__launch *job)
{
    size_t cap = 3 + 4 * (size_t)job->n + (size_t)job->ndaemons;
    struct pollfd *pfds = calloc(cap, sizeof *pfds);
    struct slot *slots = calloc(cap, sizeof *slots);
    int *batch = calloc((size_t)job->n, sizeof *batch);
    int *which = calloc((size_t)job->ndaemons + 1, sizeof *which);
    int64_t timeout_at =
        job->opts->timeout_ms ? ipcrun__now_ms() + job->opts->timeout_ms : 0;
    int64_t last_exit = 0;

    if (!pfds || !slots || !batch || !which) {
        ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER, "out of memory");
        kill_now(job);
    }
    for (;;) {
        int64_t now = ipcrun__now_ms();
        if (job->nrunning == 0 && last_exit == 0)
            last_exit = now;
        int64_t deadline = last_exit + DRAIN_WAIT_MS;
        if (job->kill_at_ms && job->kill_at_ms + DRAIN_WAIT_MS > deadline)
            deadline = job->kill_at_ms + DRAIN_WAIT_MS;
        if (!pfds || finished(job, now, deadline))
            break;
        if (timeout_at && now >= timeout_at) {
            timeout_at = 0;
            on_timeout(job);
        }
        if (job->kill_at_ms && now >= job->kill_at_ms)
            kill_now(job);
        int64_t deadlines[3] = {timeout_at, job->kill_at_ms,
                                job->nrunning ? 0 : deadline};
        int nfds = build_pollset(job, pfds, slots, which);
        int rc = poll(pfds, (nfds_t)nfds, poll_timeout(now, deadlines, 3));
        if (rc < 0 && errno != EINTR) {
            ipcrun__say("poll failed: %s; stopping every rank", strerror(errno));
            kill_now(job);
            job->exit_status = IPCRUN__EXIT_LAUNCHER;
            break;
        }
        if (rc > 0)
            dispatch(job, pfds, slots, nfds, batch);
    }
    ipcrun__forward_drain(job);
    if (job->up)
        ipcrun__daemon_send(job, IPCRUN__NODE_DONE, -1, NULL, 0, NULL, 0);
    free(pfds);
    free(slots);
    free(batch);
    free(which);
    return job->exit_status;
}
