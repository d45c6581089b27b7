/*
 * launch.c - one job from start to end, its phases in order: where its ranks
 * run (the hosts main.c dealt them to, then the placement on this host), the
 * set-up (signals, the job's id and secret, forwarding, the ranks'
 * environment), spawning the ranks here and the node daemons elsewhere, the
 * running job (supervise.c: wire-up, output, reaping, the timeout), the
 * report (--stats, --trace) and the tear-down.
 */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include "contain.h"
#include "daemon.h"
#include "forward.h"
#include "job.h"
#include "launch.h"
#include "local.h"
#include "remote.h"
#include "report.h"
#include "spawn.h"
#include "supervise.h"
#include "wireup.h"

static const char *plural(int k)
{
    return k == 1 ? "" : "s";
}

static int setup_signals(struct ipcrun__launch *job)
{
    static const int handled[] = {SIGCHLD, SIGINT, SIGTERM, SIGHUP, SIGUSR1, SIGUSR2};
    sigset_t set;
    struct sigaction sa;

    sigemptyset(&set);
    sigemptyset(&job->inherited_ignored);
    /* An ignored SIGHUP is nohup's, and is respected. A shell ignores SIGINT
     * (and a script may ignore SIGTERM) for whatever it starts in the
     * background: kill -INT must still stop the job, as it stops mpirun's
     * and mpiexec's; the ranks get the default back. */
    for (int sig = 1; sig < NSIG; sig++)
        if (sig != SIGCHLD && sig != SIGINT && sig != SIGTERM &&
            sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
            sigaddset(&job->inherited_ignored, sig);
    for (size_t i = 0; i < sizeof handled / sizeof handled[0]; i++)
        if (!sigismember(&job->inherited_ignored, handled[i]))
            sigaddset(&set, handled[i]);
    /* An inherited SIG_IGN for SIGCHLD would make the kernel reap our ranks. */
    signal(SIGCHLD, SIG_DFL);
    signal(SIGPIPE, SIG_IGN);
    if (sigprocmask(SIG_BLOCK, &set, NULL) != 0)
        return -1;
    /* Blocked now, read from the signalfd: an inherited SIG_IGN would
     * otherwise stay with the ranks across exec. */
    signal(SIGINT, SIG_DFL);
    signal(SIGTERM, SIG_DFL);
    job->sigfd = signalfd(-1, &set, SFD_CLOEXEC | SFD_NONBLOCK);
    return job->sigfd < 0 ? -1 : 0;
}

static void find_host(struct ipcrun__launch *job)
{
    if (gethostname(job->host, sizeof job->host) != 0)
        snprintf(job->host, sizeof job->host, "localhost");
    job->host[sizeof job->host - 1] = '\0';
}

static int setup(struct ipcrun__launch *job, const struct ipcrun__layout *layout,
                 char *err, size_t errlen)
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
    job->ranks = calloc((size_t)job->n, sizeof *job->ranks);
    if (ipcrun__wireup_init(job->wireup) != 0 || !job->ranks) {
        snprintf(err, errlen, "out of memory setting up %d ranks", job->n);
        return -1;
    }
    if (ipcrun__report_init(job->report, job->n, job->up ? NULL : job->opts->trace, err,
                            errlen) != 0)
        return -1;
    for (int r = 0; r < job->n; r++) {
        struct ipcrun__launch_rank *rk = &job->ranks[r];
        rk->ctl_fd = rk->out_fd = rk->err_fd = rk->in_fd = -1;
        rk->out_file = rk->err_file = -1;
        rk->local_index = -1;
    }
    for (int i = 0; i < job->nlocal; i++)
        job->ranks[job->local[i]].local_index = i;
    /* How each rank is reached: the one place that asks where it runs. */
    for (int r = 0; r < job->n; r++)
        job->ranks[r].ops = job->ranks[r].local_index >= 0 ? &ipcrun__rank_local
                            : job->up                      ? &ipcrun__rank_elsewhere
                                                           : &ipcrun__rank_remote;
    if (!job->up)
        job->kinds[job->nkinds++] = &ipcrun__rank_remote;
    job->kinds[job->nkinds++] = &ipcrun__rank_local;
    find_host(job);
    if (job->up) { /* a node daemon runs the job it was given */
        snprintf(job->job_id, sizeof job->job_id, "%s", layout->job_id);
        snprintf(job->job_secret, sizeof job->job_secret, "%s", layout->job_secret);
    } else {
        ipcrun__spawn_job_id(job->job_id);
        if (ipcrun__spawn_job_secret(job->job_secret) != 0) {
            snprintf(err, errlen, "cannot draw the job secret (getrandom): %s",
                     strerror(errno));
            return -1;
        }
    }
    job->launcher_pid = getpid();
    /* Before any descriptor of the ranks is made: the guard holds none. */
    ipcrun__contain_init(job->contain, job->job_id);
    if (ipcrun__forward_init(job, err, errlen) != 0)
        return -1;
    return ipcrun__spawn_prepare(job, err, errlen);
}

static void teardown(struct ipcrun__launch *job)
{
    ipcrun__remote_fini(job);
    ipcrun__contain_end(job->contain);
    free(job->local);
    free(job->tcp_if);
    for (int r = 0; job->ranks && r < job->n; r++)
        if (job->ranks[r].ctl_fd >= 0)
            close(job->ranks[r].ctl_fd);
    ipcrun__forward_fini(job);
    ipcrun__spawn_release(job);
    ipcrun__placement_fini(&job->placement);
    free(job->ranks);
    ipcrun__wireup_fini(job->wireup);
    ipcrun__report_fini(job->report);
    if (job->devnull >= 0)
        close(job->devnull);
    if (job->sigfd >= 0)
        close(job->sigfd);
}

/* --report-bindings: one line per rank, after a note when binding was asked
 * for but the job has more ranks than cpus. */
static void report_binding(struct ipcrun__launch *job, int r)
{
    const struct ipcrun__placement *p = &job->placement;
    int i = job->ranks[r].local_index;
    char where[512];
    if (i == 0 && p->oversubscribed)
        ipcrun__say(
            "%d ranks on %d cpu%s%s%s: oversubscribed, so ranks are not bound and "
            "wait without spinning (IPC_OVERSUBSCRIBED=1)",
            job->nlocal, p->ncpus, plural(p->ncpus), job->node_of_rank ? " of host " : "",
            job->node_of_rank ? job->host : "");
    ipcrun__placement_describe(p, i, where, sizeof where);
    ipcrun__say("rank %d (pid %d) %s", r, (int)job->ranks[r].pid, where);
}

static void start_ranks(struct ipcrun__launch *job, const struct ipcrun__layout *layout)
{
    char err[512];
    const struct ipcrun__placement *p = &job->placement;
    /* Asked to bind and could not: say so even without --report-bindings. */
    if (p->bind_refused && !job->opts->report_bindings)
        ipcrun__say(
            "%d ranks on %d cpu%s: oversubscribed, so --bind-to is ignored and ranks "
            "wait without spinning",
            job->nlocal, p->ncpus, plural(p->ncpus));
    if (ipcrun__spawn_ranks(job, err, sizeof err) != 0)
        ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER, "%s", err);
    for (int i = 0; i < job->nlocal; i++) {
        int r = job->local[i];
        if (job->ranks[r].pid <= 0)
            continue;
        if (job->opts->report_bindings)
            report_binding(job, r);
        int32_t pid = job->ranks[r].pid;
        if (job->up)
            ipcrun__launch_up(job, IPCRUN__NODE_STARTED, r, &pid, sizeof pid, NULL, 0);
    }
    if (job->up)
        ipcrun__daemon_serve_early(job);
    if (layout && !job->up && job->phase == IPCRUN__PHASE_RUNNING &&
        ipcrun__remote_start(job, layout, err, sizeof err) != 0)
        ipcrun__launch_fail(job, -1, IPCRUN__EXIT_LAUNCHER, "%s", err);
}

/* Which ranks this process starts, and what tells the ranks where the others
 * are. Returns 0, or -1 when out of memory. */
static int lay_out(struct ipcrun__launch *job, const struct ipcrun__layout *layout)
{
    job->local = calloc((size_t)job->n, sizeof *job->local);
    if (!job->local)
        return -1;
    for (int r = 0; r < job->n; r++)
        if (!layout || layout->node_of_rank[r] == layout->this_node)
            job->local[job->nlocal++] = r;
    const char *tcp_if = layout ? layout->tcp_if : job->opts->tcp_if;
    if (tcp_if && !(job->tcp_if = strdup(tcp_if)))
        return -1;
    if (tcp_if)
        job->tcp_if_from = layout ? layout->tcp_if_from : "--tcp-if";
    if (!layout)
        return 0;
    int t = job->opts->stdin_target;
    if (!job->up && t >= 0 && t < job->n && layout->node_of_rank[t] != layout->this_node)
        job->stdin_relay = t;
    /* The ranks ask for the map over their control channel: in the
     * environment it would cap the job at what one variable may hold. */
    job->node_of_rank = layout->node_of_rank;
    for (int r = 0; r < job->n; r++)
        if (layout->node_of_rank[r] >= job->nnodes)
            job->nnodes = layout->node_of_rank[r] + 1;
    return 0;
}

/* Where the ranks run: which of them this process starts (lay_out), then
 * their placement on this host, which comes before their environment so
 * that it can say whether they are oversubscribed. Returns 0, -2 for a usage
 * error, or -1, with the reason in err. */
static int place(struct ipcrun__launch *job, const struct ipcrun__layout *layout, char *err,
                 size_t errlen)
{
    if (lay_out(job, layout) != 0) {
        snprintf(err, errlen, "out of memory laying out %d ranks", job->n);
        return -1;
    }
    struct ipcrun__opts here = *job->opts;
    here.nranks = job->nlocal;
    return ipcrun__placement_init(&job->placement, &here, err, errlen);
}

int ipcrun__launch_run(const struct ipcrun__opts *opts,
                       const struct ipcrun__layout *layout)
{
    struct ipcrun__wireup wireup = {0};
    struct ipcrun__report report = {0};
    struct ipcrun__contain contain = IPCRUN__CONTAIN_NONE;
    struct ipcrun__launch job = {.opts = opts,
                                 .contain = &contain,
                                 .wireup = &wireup,
                                 .report = &report,
                                 .n = opts->nranks,
                                 .devnull = -1,
                                 .sigfd = -1,
                                 .abort_rank = -1,
                                 .stdin_fd = -1,
                                 .stdin_relay = -1,
                                 .up = layout ? layout->up : NULL};
    char err[512];

    /* 1. options and hosts: done by main.c (or given to a node daemon) */
    /* 2. placement */
    int rc = place(&job, layout, err, sizeof err);
    /* 3. set-up */
    if (rc == 0 && (ipcrun__spawn_fd_limit(job.nlocal, ipcrun__spawn_fds_per_rank(opts),
                                           &job.nofile_soft, err, sizeof err) != 0 ||
                    setup(&job, layout, err, sizeof err) != 0))
        rc = -1;
    if (rc != 0) {
        ipcrun__say("%s", err);
        teardown(&job);
        return rc == -2 ? IPCRUN__EXIT_USAGE : IPCRUN__EXIT_LAUNCHER;
    }
    /* 4. spawn: the ranks of this host, then the node daemons */
    start_ranks(&job, layout);
    /* 5. wire-up, forwarding, reaping, until every rank ended */
    int status = ipcrun__supervise(&job);
    /* 6. report (ipcrun only: a node daemon's ranks report through it) */
    if (!job.up)
        ipcrun__report_finish(&job);
    /* 7. tear-down */
    teardown(&job);
    return status;
}
