/*
 * supervise.c - the life of a job: start the ranks, then one single-threaded
 * poll loop that forwards their output, serves their control channels, reaps
 * them, applies the timeout and the kill grace, and decides the exit status.
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
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "launch.h"
#include "spawn.h"

/* After the last rank is reaped, how long its output pipes may stay open (a
 * child the rank left behind can hold them) before ipcrun stops waiting. */
#define DRAIN_WAIT_MS 1000
#define READ_CHUNK (64 * 1024)
/* Reads per pipe in the final drain, so a leftover writer cannot keep ipcrun. */
#define FINAL_DRAIN_READS 16

enum slot_kind { SLOT_SIGNAL, SLOT_CTL, SLOT_OUT, SLOT_ERR };

struct slot {
    enum slot_kind kind;
    int rank;
};

/* Where forwarded lines of one stream go. */
struct sink {
    int fd;
    bool *dead;
};

int64_t ipc__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int write_all(int fd, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, data, len);
        if (n >= 0) {
            data += n;
            len -= (size_t)n;
        } else if (errno == EAGAIN) {
            /* Someone else made our shared stdout non-blocking. */
            struct pollfd pfd = {.fd = fd, .events = POLLOUT};
            (void)poll(&pfd, 1, -1);
        } else if (errno != EINTR) {
            return -errno;
        }
    }
    return 0;
}

/* One line of ipcrun's own on stderr, in one write like forwarded lines. */
static void say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void say(const char *fmt, ...)
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
    (void)write_all(STDERR_FILENO, line, (size_t)n);
}

static const char *plural(int k)
{
    return k == 1 ? "" : "s";
}

static int rank_of(const struct ipc__launch *job, pid_t pid)
{
    for (int r = 0; r < job->n; r++)
        if (job->ranks[r].pid == pid && job->ranks[r].running)
            return r;
    return -1;
}

/* Children of ranks that outlived them were adopted by ipcrun (it is a child
 * subreaper); stopping the job stops them too. */
static void signal_adopted(struct ipc__launch *job, int sig)
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

static void signal_ranks(struct ipc__launch *job, int sig)
{
    for (int r = 0; r < job->n; r++)
        if (job->ranks[r].running)
            kill(job->ranks[r].pid, sig);
}

static void kill_now(struct ipc__launch *job)
{
    job->killing = true;
    job->kill_at_ms = 0;
    signal_ranks(job, SIGKILL);
    signal_adopted(job, SIGKILL);
}

static void begin_stop(struct ipc__launch *job)
{
    job->phase = IPC__PHASE_STOPPING;
    if (job->opts->kill_grace_ms == 0) {
        kill_now(job);
        return;
    }
    signal_ranks(job, SIGTERM);
    signal_adopted(job, SIGTERM);
    job->kill_at_ms = ipc__now_ms() + job->opts->kill_grace_ms;
}

void ipc__launch_fail(struct ipc__launch *job, int rank, int status, const char *fmt, ...)
{
    char what[1024];
    va_list ap;

    if (job->phase != IPC__PHASE_RUNNING)
        return;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    int others = job->nrunning - (rank >= 0 && job->ranks[rank].running ? 1 : 0);
    char stopping[64] = "";
    if (others > 0)
        snprintf(stopping, sizeof stopping, "; stopping %s%d rank%s",
                 rank >= 0 ? "the other " : "", others, plural(others));
    if (rank >= 0)
        say("rank %d (pid %d) %s%s", rank, (int)job->ranks[rank].pid, what, stopping);
    else
        say("%s%s", what, stopping);
    job->exit_status = status;
    begin_stop(job);
}

/* ---- output forwarding ---- */

static void emit_line(void *ctx, const char *data, size_t len)
{
    struct sink *s = ctx;
    if (!*s->dead && write_all(s->fd, data, len) < 0)
        *s->dead = true;
}

static struct sink sink_of(struct ipc__launch *job, enum slot_kind kind)
{
    if (kind == SLOT_OUT)
        return (struct sink){STDOUT_FILENO, &job->stdout_dead};
    return (struct sink){STDERR_FILENO, &job->stderr_dead};
}

static void close_output(struct ipc__launch *job, int r, enum slot_kind kind)
{
    struct ipc__launch_rank *rk = &job->ranks[r];
    int *fd = kind == SLOT_OUT ? &rk->out_fd : &rk->err_fd;
    struct ipc__linebuf *lb = kind == SLOT_OUT ? &rk->out : &rk->err;
    struct sink s = sink_of(job, kind);

    ipc__linebuf_flush(lb, emit_line, &s);
    close(*fd);
    *fd = -1;
}

/* When ipcrun's own stdout or stderr is gone, the ranks' matching pipes are
 * closed too, so that a rank writing there sees EPIPE as it would without
 * ipcrun instead of running on unheard. */
static void drop_dead_streams(struct ipc__launch *job)
{
    for (int r = 0; r < job->n; r++) {
        struct ipc__launch_rank *rk = &job->ranks[r];
        if (job->stdout_dead && rk->out_fd >= 0) {
            close(rk->out_fd);
            rk->out_fd = -1;
        }
        if (job->stderr_dead && rk->err_fd >= 0) {
            close(rk->err_fd);
            rk->err_fd = -1;
        }
    }
}

enum read_result { READ_DATA, READ_NOTHING, READ_CLOSED };

/* Reads one chunk of a rank's stdout or stderr and forwards the lines it
 * completes; at end of file the pipe is closed. */
static enum read_result forward_once(struct ipc__launch *job, int r, enum slot_kind kind)
{
    struct ipc__launch_rank *rk = &job->ranks[r];
    int fd = kind == SLOT_OUT ? rk->out_fd : rk->err_fd;
    struct ipc__linebuf *lb = kind == SLOT_OUT ? &rk->out : &rk->err;
    struct sink s = sink_of(job, kind);
    char buf[READ_CHUNK];

    ssize_t n = read(fd, buf, sizeof buf);
    if (n < 0 && (errno == EAGAIN || errno == EINTR))
        return READ_NOTHING;
    if (n <= 0) {
        close_output(job, r, kind);
        return READ_CLOSED;
    }
    if (ipc__linebuf_feed(lb, buf, (size_t)n, emit_line, &s) < 0)
        say("out of memory forwarding output of rank %d; some of it is lost", r);
    return READ_DATA;
}

static void final_drain(struct ipc__launch *job)
{
    for (int r = 0; r < job->n; r++) {
        struct ipc__launch_rank *rk = &job->ranks[r];
        for (int i = 0; rk->out_fd >= 0 && i < FINAL_DRAIN_READS; i++)
            if (forward_once(job, r, SLOT_OUT) != READ_DATA)
                break;
        for (int i = 0; rk->err_fd >= 0 && i < FINAL_DRAIN_READS; i++)
            if (forward_once(job, r, SLOT_ERR) != READ_DATA)
                break;
        if (rk->out_fd >= 0)
            close_output(job, r, SLOT_OUT);
        if (rk->err_fd >= 0)
            close_output(job, r, SLOT_ERR);
    }
}

/* ---- reaping and judging ---- */

/* Fills what with the reason rank r's end is a failure and returns its exit
 * status, or returns 0 when it ended well. */
static int judge_exit(const struct ipc__launch_rank *rk, char *what, size_t len)
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
static void judge_batch(struct ipc__launch *job, const int *batch, int nb)
{
    char what[256];
    if (job->phase != IPC__PHASE_RUNNING)
        return;
    if (job->abort_rank >= 0) {
        struct ipc__launch_rank *rk = &job->ranks[job->abort_rank];
        if (!rk->running)
            ipc__launch_fail(job, job->abort_rank, clamp_code(rk->abort_code),
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
        ipc__launch_fail(job, worst, status, "%s", what);
}

static void reap(struct ipc__launch *job, int *batch)
{
    int nb = 0, st;
    pid_t pid;

    while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
        int r = rank_of(job, pid);
        if (r < 0)
            continue; /* an adopted child of some rank */
        job->ranks[r].running = false;
        job->ranks[r].wstatus = st;
        job->nrunning--;
        batch[nb++] = r;
    }
    /* What a rank said before it died (ABORT, FINALIZE) decides how its death
     * is judged; since it is dead, all of it is already queued. */
    for (int r = 0; r < job->n; r++)
        if (job->ranks[r].ctl_fd >= 0)
            ipc__wireup_serve(job, r);
    judge_batch(job, batch, nb);
    for (int i = 0; i < nb; i++)
        ipc__wireup_close(job, batch[i]);
    if (job->phase == IPC__PHASE_STOPPING)
        signal_adopted(job, job->killing ? SIGKILL : SIGTERM);
}

/* ---- signals and timers ---- */

static void on_stop_signal(struct ipc__launch *job, int sig)
{
    if (job->phase != IPC__PHASE_RUNNING) {
        kill_now(job); /* asked twice: no more grace */
        return;
    }
    say("interrupted by signal %d; stopping %d rank%s", sig, job->nrunning,
        plural(job->nrunning));
    job->exit_status = 128 + sig;
    begin_stop(job);
}

static void handle_signals(struct ipc__launch *job, int *batch)
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

static void format_running(const struct ipc__launch *job, char *buf, size_t len)
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

static void on_timeout(struct ipc__launch *job)
{
    char ranks[512], secs[32];
    long ms = job->opts->timeout_ms;
    if (job->phase != IPC__PHASE_RUNNING || job->nrunning == 0)
        return;
    if (ms % 1000 == 0)
        snprintf(secs, sizeof secs, "%ld", ms / 1000);
    else
        snprintf(secs, sizeof secs, "%g", (double)ms / 1000.0);
    format_running(job, ranks, sizeof ranks);
    say("timeout of %s s expired; rank%s %s still running; stopping %s", secs,
        plural(job->nrunning), ranks, job->nrunning == 1 ? "it" : "them");
    job->exit_status = IPC__EXIT_TIMEOUT;
    begin_stop(job);
}

/* ---- the loop ---- */

static bool any_output_open(const struct ipc__launch *job)
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
static bool finished(const struct ipc__launch *job, int64_t now, int64_t deadline)
{
    if (job->nrunning > 0)
        return false;
    if (now >= deadline)
        return true;
    if (any_output_open(job))
        return false;
    return job->phase != IPC__PHASE_STOPPING || !have_children();
}

static int build_pollset(const struct ipc__launch *job, struct pollfd *pfds,
                         struct slot *slots)
{
    int k = 0;
    pfds[k] = (struct pollfd){.fd = job->sigfd, .events = POLLIN};
    slots[k++] = (struct slot){SLOT_SIGNAL, -1};
    for (int r = 0; r < job->n; r++) {
        const struct ipc__launch_rank *rk = &job->ranks[r];
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

/* Output first, then control packets, then signals: a rank's last words are
 * read before its death is handled. */
static void dispatch(struct ipc__launch *job, struct pollfd *pfds,
                     const struct slot *slots, int nfds, int *batch)
{
    bool signalled = false;
    for (int i = 0; i < nfds; i++) {
        if (!pfds[i].revents)
            continue;
        const struct slot *s = &slots[i];
        const struct ipc__launch_rank *rk = s->rank >= 0 ? &job->ranks[s->rank] : NULL;
        if (s->kind == SLOT_SIGNAL)
            signalled = true;
        else if (s->kind == SLOT_OUT && rk->out_fd == pfds[i].fd)
            forward_once(job, s->rank, SLOT_OUT);
        else if (s->kind == SLOT_ERR && rk->err_fd == pfds[i].fd)
            forward_once(job, s->rank, SLOT_ERR);
    }
    if (job->stdout_dead || job->stderr_dead)
        drop_dead_streams(job);
    for (int i = 0; i < nfds; i++)
        if (pfds[i].revents && slots[i].kind == SLOT_CTL &&
            job->ranks[slots[i].rank].ctl_fd == pfds[i].fd)
            ipc__wireup_serve(job, slots[i].rank);
    if (signalled)
        handle_signals(job, batch);
}

static int supervise(struct ipc__launch *job)
{
    size_t cap = 1 + 3 * (size_t)job->n;
    struct pollfd *pfds = calloc(cap, sizeof *pfds);
    struct slot *slots = calloc(cap, sizeof *slots);
    int *batch = calloc((size_t)job->n, sizeof *batch);
    int64_t timeout_at =
        job->opts->timeout_ms ? ipc__now_ms() + job->opts->timeout_ms : 0;
    int64_t last_exit = 0;

    if (!pfds || !slots || !batch) {
        ipc__launch_fail(job, -1, IPC__EXIT_LAUNCHER, "out of memory");
        kill_now(job);
    }
    for (;;) {
        int64_t now = ipc__now_ms();
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
        int nfds = build_pollset(job, pfds, slots);
        int rc = poll(pfds, (nfds_t)nfds, poll_timeout(now, deadlines, 3));
        if (rc < 0 && errno != EINTR) {
            say("poll failed: %s; stopping every rank", strerror(errno));
            kill_now(job);
            job->exit_status = IPC__EXIT_LAUNCHER;
            break;
        }
        if (rc > 0)
            dispatch(job, pfds, slots, nfds, batch);
    }
    final_drain(job);
    free(pfds);
    free(slots);
    free(batch);
    return job->exit_status;
}

/* ---- set-up and tear-down ---- */

static int setup_signals(struct ipc__launch *job)
{
    static const int handled[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
    sigset_t set;
    struct sigaction sa;

    sigemptyset(&set);
    sigemptyset(&job->inherited_ignored);
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGCHLD && sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
            sigaddset(&job->inherited_ignored, sig);
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++)
        if (!sigismember(&job->inherited_ignored, handled[i]))
            sigaddset(&set, handled[i]);
    /* An inherited SIG_IGN for SIGCHLD would make the kernel reap our ranks. */
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    job->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return job->sigfd < 0 ? -1 : 0;
}

static int setup(struct ipc__launch *job, char *err, size_t errlen)
{
    if (setup_signals(job) != 0) {
        snprintf(err, errlen, "cannot set up signal handling: %s", strerror(errno));
        return -1;
    }
    /* Whatever the ranks leave running is adopted by ipcrun, so that stopping
     * the job can stop it too. */
    (void)prctl(PR_SET_CHILD_SUBREAPER, 1);
    job->devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (job->devnull < 0) {
        snprintf(err, errlen, "cannot open /dev/null: %s", strerror(errno));
        return -1;
    }
    if (ipc__wireup_init(&job->wireup) != 0)
        goto nomem;
    job->ranks = calloc((size_t)job->n, sizeof *job->ranks);
    if (!job->ranks)
        goto nomem;
    for (int r = 0; r < job->n; r++) {
        struct ipc__launch_rank *rk = &job->ranks[r];
        char tag[24] = "";
        rk->ctl_fd = rk->out_fd = rk->err_fd = -1;
        if (job->opts->tag_output)
            snprintf(tag, sizeof tag, "[%d] ", r);
        if (ipc__linebuf_init(&rk->out, tag, IPC__IOFWD_MAX_LINE) ||
            ipc__linebuf_init(&rk->err, tag, IPC__IOFWD_MAX_LINE))
            goto nomem;
    }
    ipc__spawn_job_id(job->job_id);
    job->launcher_pid = getpid();
    return 0;
nomem:
    snprintf(err, errlen, "out of memory setting up %d ranks", job->n);
    return -1;
}

static void teardown(struct ipc__launch *job)
{
    for (int r = 0; job->ranks && r < job->n; r++) {
        struct ipc__launch_rank *rk = &job->ranks[r];
        if (rk->ctl_fd >= 0)
            close(rk->ctl_fd);
        ipc__linebuf_fini(&rk->out);
        ipc__linebuf_fini(&rk->err);
    }
    free(job->ranks);
    ipc__wireup_fini(&job->wireup);
    if (job->devnull >= 0)
        close(job->devnull);
    if (job->sigfd >= 0)
        close(job->sigfd);
}

int ipc__launch_run(const struct ipc__opts *opts)
{
    struct ipc__launch job = {
        .opts = opts, .n = opts->nranks, .devnull = -1, .sigfd = -1, .abort_rank = -1};
    char err[512];

    if (ipc__spawn_fd_limit(job.n, &job.nofile_soft, err, sizeof err) != 0 ||
        setup(&job, err, sizeof err) != 0) {
        say("%s", err);
        teardown(&job);
        return IPC__EXIT_LAUNCHER;
    }
    for (int r = 0; r < job.n && job.phase == IPC__PHASE_RUNNING; r++) {
        if (ipc__spawn_rank(&job, r, err, sizeof err) != 0)
            ipc__launch_fail(&job, -1, IPC__EXIT_LAUNCHER, "%s", err);
    }
    int status = supervise(&job);
    teardown(&job);
    return status;
}
