/* spawn.c - creating a rank's channels and starting it (see spawn.h). */
#include "spawn.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "contain.h"
#include "ctl.h"
#include "job.h"
#include "names.h"

extern char **environ;

/* The per-rank variables (names.h) come last in a rank's environment, in
 * this order; plan->rank_env holds them for the rank being started. */
enum { RANK_VAR_RANK, RANK_VAR_LOCAL_RANK, RANK_VAR_CONTROL_FD, RANK_VARS };
static const enum ipc__names_env rank_vars[RANK_VARS] = {
    [RANK_VAR_RANK] = IPC__ENV_RANK,
    [RANK_VAR_LOCAL_RANK] = IPC__ENV_LOCAL_RANK,
    [RANK_VAR_CONTROL_FD] = IPC__ENV_CONTROL_FD,
};

/* How far a child got; the launcher reads it once vfork returns. */
enum child_step { STEP_OK, STEP_FDS, STEP_WDIR, STEP_BIND, STEP_EXEC };

struct child_result {
    int step; /* STEP_OK, or the step that failed */
    int err;  /* its errno */
};

struct ipcrun__spawn_plan {
    const char *path; /* the file to execute */
    char **argv;      /* the program's arguments, argv[0] as the user gave it */
    char **sh_argv;   /* "/bin/sh" path args...: a script without "#!", as execvp does */
    char **envp;      /* the environment; its last RANK_VARS entries are rank_env */
    char **owned;     /* strings allocated for envp, nowned of them */
    int nowned;
    char rank_env[RANK_VARS][48]; /* of the rank being started */
    int reset_sigs[NSIG]; /* ignored by ipcrun, not by its parent: ranks get SIG_DFL */
    int nreset;
    struct rlimit nofile; /* the open-file limit ipcrun started with */
    int fd_bound;         /* above every descriptor open before spawning (see
                             close_others) */
    const char *wdir;
    cpu_set_t *mask; /* the binding of the rank being started; NULL: unbound */
    size_t mask_size;
    struct child_result *results; /* per rank, what its child reported */
    void *stack;                  /* the child's stack when made by clone3, or NULL */
};

/* Enough for run_child, instrumented by the sanitizers too. */
#define CHILD_STACK_SIZE (256 * 1024)

struct child {
    const struct ipcrun__spawn_plan *plan;
    const struct ipcrun__contain *contain;
    bool in_cgroup; /* made in the job's cgroup: nothing to move */
    pid_t launcher_pid;
    int ctl_fd, out_fd, err_fd;
    int in_fd; /* becomes the rank's stdin; -1: keep ipcrun's */
    volatile int failed_step, failed_errno;
};

int ipcrun__spawn_fds_per_rank(const struct ipcrun__opts *opts)
{
    return IPCRUN__SPAWN_FDS_PER_RANK +
           (opts->stdin_target == IPCRUN__STDIN_ALL ? 1 : 0) + (opts->output_dir ? 2 : 0);
}

int ipcrun__spawn_fd_limit(int n, int per_rank, rlim_t *soft_before, char *err,
                           size_t errlen)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0) {
        snprintf(err, errlen, "cannot read the open-file limit: %s", strerror(errno));
        return -1;
    }
    *soft_before = rl.rlim_cur;
    if (rl.rlim_cur < rl.rlim_max) {
        struct rlimit raised = {.rlim_cur = rl.rlim_max, .rlim_max = rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &raised) == 0)
            rl = raised;
    }
    unsigned long long need =
        (unsigned long long)n * (unsigned)per_rank + IPCRUN__SPAWN_FDS_EXTRA;
    if (rl.rlim_cur != RLIM_INFINITY && need > (unsigned long long)rl.rlim_cur) {
        snprintf(err, errlen,
                 "-n %d needs about %llu open files but the limit is %llu; raise it with "
                 "'ulimit -n' or start fewer ranks",
                 n, need, (unsigned long long)rl.rlim_cur);
        return -1;
    }
    return 0;
}

void ipcrun__spawn_job_id(char out[37])
{
    uuid_t id;
    uuid_generate(id);
    uuid_unparse_lower(id, out);
}

int ipcrun__spawn_job_secret(char out[IPCRUN__SPAWN_SECRET_HEX + 1])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char b[IPCRUN__SPAWN_SECRET_HEX / 2];
    size_t got = 0;
    while (got < sizeof b) {
        ssize_t n = getrandom(b + got, sizeof b - got, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        got += (size_t)n;
    }
    for (size_t i = 0; i < sizeof b; i++) {
        out[2 * i] = digits[b[i] >> 4];
        out[2 * i + 1] = digits[b[i] & 15];
    }
    out[IPCRUN__SPAWN_SECRET_HEX] = '\0';
    explicit_bzero(b, sizeof b);
    return 0;
}

/* ---- the plan ---- */

/* Whether env entry "NAME=..." sets name (len bytes). */
static bool sets_name(const char *entry, const char *name, size_t len)
{
    return !strncmp(entry, name, len) && entry[len] == '=';
}

static size_t name_len(const char *entry)
{
    const char *eq = strchr(entry, '=');
    return eq ? (size_t)(eq - entry) : strlen(entry);
}

/* Whether ipcrun sets variable v (names.h) for this job: those that follow
 * an option only when it is given; the ranks inherit them otherwise. */
static bool job_sets(const struct ipcrun__launch *job, enum ipc__names_env v)
{
    const struct ipcrun__opts *o = job->opts;
    switch (v) {
    case IPC__ENV_TRANSPORT:
        return o->transport != NULL;
    case IPC__ENV_REPORT_TRANSPORTS:
        return o->report_transports;
    case IPC__ENV_TCP_IF:
        return job->tcp_if != NULL;
    case IPC__ENV_NODES:
        return job->node_of_rank != NULL;
    case IPC__ENV_STATS:
        return o->rank_stats;
    case IPC__ENV_TRACE:
        return o->rank_trace;
    default:
        return ipc__names_env[v].always;
    }
}

/* Whether the variable entry sets has another value for the rank: ipcrun's
 * own (an IPC_* variable of the job or the rank) or a later -x NAME=VALUE,
 * from the export from_export on. */
static bool overridden(const struct ipcrun__launch *job, const char *entry,
                       int from_export)
{
    const struct ipcrun__opts *o = job->opts;
    size_t len = name_len(entry);
    int v = ipc__names_env_index(entry, len);
    if (v >= 0 && job_sets(job, (enum ipc__names_env)v))
        return true;
    for (int i = from_export; i < o->nexports; i++)
        if (strchr(o->exports[i], '=') && sets_name(o->exports[i], entry, len))
            return true;
    return false;
}

static char *own(struct ipcrun__spawn_plan *plan, char *s)
{
    if (s)
        plan->owned[plan->nowned++] = s;
    return s;
}

/* The value of job variable v for this job, as "NAME=VALUE" (malloc'ed);
 * NULL when ipcrun does not set it, or out of memory (*nomem then). */
static char *job_var(const struct ipcrun__launch *job, enum ipc__names_env v, bool *nomem)
{
    const struct ipcrun__opts *o = job->opts;
    const char *name = ipc__names_env[v].name;
    char *s = NULL;
    int rc = 0;
    if (!job_sets(job, v))
        return NULL;
    switch (v) {
    case IPC__ENV_SIZE:
        rc = asprintf(&s, "%s=%d", name, job->n);
        break;
    case IPC__ENV_LOCAL_SIZE:
        rc = asprintf(&s, "%s=%d", name, job->nlocal);
        break;
    case IPC__ENV_JOB_ID:
        rc = asprintf(&s, "%s=%s", name, job->job_id);
        break;
    case IPC__ENV_OVERSUBSCRIBED:
        rc = asprintf(&s, "%s=%d", name, job->placement.oversubscribed);
        break;
    case IPC__ENV_TRANSPORT:
        rc = asprintf(&s, "%s=%s", name, o->transport);
        break;
    case IPC__ENV_JOB_SECRET:
        rc = asprintf(&s, "%s=%s", name, job->job_secret);
        break;
    case IPC__ENV_TCP_IF:
        rc = asprintf(&s, "%s=%s", name, job->tcp_if);
        break;
    case IPC__ENV_TCP_IF_FROM:
        rc = asprintf(&s, "%s=%s", name, job->tcp_if_from ? job->tcp_if_from : "environment");
        break;
    case IPC__ENV_NODES:
        rc = asprintf(&s, "%s=%d", name, job->nnodes);
        break;
    case IPC__ENV_REPORT_TRANSPORTS:
    case IPC__ENV_STATS:
    case IPC__ENV_TRACE:
        rc = asprintf(&s, "%s=1", name);
        break;
    default: /* per rank: set_rank_env() */
        return NULL;
    }
    if (rc < 0) {
        *nomem = true;
        return NULL;
    }
    return s;
}

static int build_env(struct ipcrun__launch *job, struct ipcrun__spawn_plan *plan)
{
    const struct ipcrun__opts *o = job->opts;
    size_t nenv = 0, k = 0;
    while (environ && environ[nenv])
        nenv++;
    plan->envp = calloc(nenv + (size_t)o->nexports + IPC__ENV_COUNT + 1, sizeof(char *));
    plan->owned = calloc(IPC__ENV_COUNT, sizeof(char *));
    if (!plan->envp || !plan->owned)
        return -1;
    for (size_t i = 0; i < nenv; i++)
        if (!overridden(job, environ[i], 0))
            plan->envp[k++] = environ[i];
    /* -x NAME=VALUE; of several for one NAME, the last. */
    for (int i = 0; i < o->nexports; i++)
        if (strchr(o->exports[i], '=') && !overridden(job, o->exports[i], i + 1))
            plan->envp[k++] = (char *)o->exports[i];
    bool nomem = false;
    for (int v = 0; v < IPC__ENV_COUNT; v++) {
        char *s = own(plan, job_var(job, (enum ipc__names_env)v, &nomem));
        if (nomem)
            return -1;
        if (s)
            plan->envp[k++] = s;
    }
    for (int i = 0; i < RANK_VARS; i++)
        plan->envp[k++] = plan->rank_env[i];
    plan->envp[k] = NULL;
    return 0;
}

static int build_argv(struct ipcrun__launch *job, struct ipcrun__spawn_plan *plan)
{
    char **argv = job->opts->prog_argv;
    size_t argc = 0;
    while (argv[argc])
        argc++;
    plan->argv = argv;
    plan->path = job->opts->prog_path ? job->opts->prog_path : argv[0];
    plan->sh_argv = calloc(argc + 2, sizeof(char *));
    if (!plan->sh_argv)
        return -1;
    plan->sh_argv[0] = "/bin/sh";
    plan->sh_argv[1] = (char *)plan->path;
    for (size_t i = 1; i < argc; i++)
        plan->sh_argv[i + 1] = argv[i];
    return 0;
}

/* What ipcrun ignores for itself and its parent did not (SIGPIPE) would stay
 * ignored across exec. Handled signals need nothing: exec resets them. */
static void find_signals_to_reset(struct ipcrun__launch *job,
                                  struct ipcrun__spawn_plan *plan)
{
    struct sigaction sa;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP ||
            sigismember(&job->inherited_ignored, sig) == 1)
            continue;
        if (sigaction(sig, NULL, &sa) == 0 && sa.sa_handler == SIG_IGN)
            plan->reset_sigs[plan->nreset++] = sig;
    }
}

/* One more than the highest descriptor open now (what ipcrun inherited and
 * what libraries opened): what a child must close when the kernel has no
 * close_range. Descriptors ipcrun opens later are all close-on-exec. */
static int fd_bound(void)
{
    int bound = 3;
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return 1024; /* no /proc: the historical FD_SETSIZE */
    for (struct dirent *e; (e = readdir(d));) {
        int fd = atoi(e->d_name);
        if (fd >= bound)
            bound = fd + 1;
    }
    closedir(d);
    return bound;
}

int ipcrun__spawn_prepare(struct ipcrun__launch *job, char *err, size_t errlen)
{
    struct ipcrun__spawn_plan *plan = calloc(1, sizeof *plan);
    job->plan = plan;
    if (!plan || build_env(job, plan) != 0 || build_argv(job, plan) != 0)
        goto nomem;
    find_signals_to_reset(job, plan);
    plan->fd_bound = fd_bound();
    getrlimit(RLIMIT_NOFILE, &plan->nofile);
    plan->nofile.rlim_cur = job->nofile_soft;
    plan->wdir = job->opts->wdir;
    if (ipcrun__placement_bound(&job->placement)) {
        plan->mask_size = job->placement.allowed_size;
        plan->mask = malloc(plan->mask_size);
        if (!plan->mask)
            goto nomem;
    }
    plan->results = calloc((size_t)job->n, sizeof *plan->results);
    if (!plan->results)
        goto nomem;
    if (ipcrun__contain_cgroup(job->contain)) {
        void *stack = mmap(NULL, CHILD_STACK_SIZE, PROT_READ | PROT_WRITE,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK, -1, 0);
        plan->stack = stack == MAP_FAILED ? NULL : stack; /* NULL: vfork */
    }
    return 0;
nomem:
    snprintf(err, errlen, "out of memory preparing the ranks' environment");
    return -1;
}

void ipcrun__spawn_release(struct ipcrun__launch *job)
{
    struct ipcrun__spawn_plan *plan = job->plan;
    if (!plan)
        return;
    for (int i = 0; i < plan->nowned; i++)
        free(plan->owned[i]);
    free(plan->owned);
    free(plan->envp);
    free(plan->sh_argv);
    free(plan->mask);
    free(plan->results);
    if (plan->stack)
        munmap(plan->stack, CHILD_STACK_SIZE);
    free(plan);
    job->plan = NULL;
}

/* ---- the child, between vfork and exec: system calls only ---- */

static void __attribute__((noreturn)) child_failed(struct child *c, enum child_step step)
{
    c->failed_errno = errno;
    c->failed_step = step;
    _exit(step == STEP_EXEC ? 127 : IPCRUN__EXIT_LAUNCHER);
}

/* Closes every descriptor from 3 up but keep (the control socket): a rank
 * gets its stdin, stdout, stderr and control socket, and nothing that
 * ipcrun's parent left open without close-on-exec. */
static void close_others(const struct ipcrun__spawn_plan *plan, int keep)
{
    if ((keep <= 3 || close_range(3, (unsigned)keep - 1, 0) == 0) &&
        close_range((unsigned)keep + 1, ~0U, 0) == 0)
        return;
    for (int fd = 3; fd < plan->fd_bound; fd++) /* before Linux 5.9 */
        if (fd != keep)
            (void)close(fd);
}

static void __attribute__((noreturn)) run_child(struct child *c)
{
    const struct ipcrun__spawn_plan *plan = c->plan;
    struct sigaction dfl = {.sa_handler = SIG_DFL};
    sigset_t none;

    /* The launcher may have died between vfork and prctl (it can be killed
     * while it waits): then nobody would stop this rank, so it must not start. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != c->launcher_pid)
        _exit(1);
    /* What the rank starts stays in the job's cgroup, which outlives ipcrun. */
    if (!c->in_cgroup)
        ipcrun__contain_enter(c->contain);
    if (dup2(c->out_fd, STDOUT_FILENO) < 0 || dup2(c->err_fd, STDERR_FILENO) < 0 ||
        (c->in_fd >= 0 && dup2(c->in_fd, STDIN_FILENO) < 0) ||
        fcntl(c->ctl_fd, F_SETFD, 0) < 0)
        child_failed(c, STEP_FDS);
    close_others(plan, c->ctl_fd);
    (void)setrlimit(RLIMIT_NOFILE, &plan->nofile);
    if (plan->wdir && chdir(plan->wdir) != 0)
        child_failed(c, STEP_WDIR);
    if (plan->mask && sched_setaffinity(0, plan->mask_size, plan->mask) != 0)
        child_failed(c, STEP_BIND);
    for (int i = 0; i < plan->nreset; i++)
        (void)sigaction(plan->reset_sigs[i], &dfl, NULL);
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
    execve(plan->path, plan->argv, plan->envp);
    if (errno == ENOEXEC)
        execve(plan->sh_argv[0], plan->sh_argv, plan->envp);
    child_failed(c, STEP_EXEC);
}

static void child_entry(void *c)
{
    run_child(c);
}

/* The parent waits in vfork until the child has called execve or exited.
 * With a cgroup the child is made in it, where the kernel can (contain.h). */
static pid_t start_child(struct child *c)
{
    c->in_cgroup = true;
    pid_t pid = ipcrun__contain_vfork(c->contain, child_entry, c, c->plan->stack,
                                      CHILD_STACK_SIZE);
    if (pid > 0)
        return pid;
    /* Whatever stopped clone3 (an older kernel, the cgroup refusing it),
     * vfork says it again if it matters. */
    c->in_cgroup = false;
    pid = vfork();
    if (pid == 0)
        run_child(c);
    return pid;
}

/* ---- the launcher's side ---- */

static int set_nonblock(int fd)
{
    int fl = fcntl(fd, F_GETFL);
    return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}

/* Room for the largest control packet: a unix datagram larger than the send
 * buffer is refused outright. Best effort: the ranks' messages are small. */
static void grow_sndbuf(int fd)
{
    int size = (int)IPC__CTL_MAX_MSG;
    if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &size, sizeof size) != 0)
        (void)setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &size, sizeof size);
}

static void close_pair(int fds[2])
{
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

static void set_rank_env(struct ipcrun__spawn_plan *plan, int r, int local, int ctl_fd)
{
    const int value[RANK_VARS] = {[RANK_VAR_RANK] = r,
                                  [RANK_VAR_LOCAL_RANK] = local,
                                  [RANK_VAR_CONTROL_FD] = ctl_fd};
    for (int i = 0; i < RANK_VARS; i++)
        snprintf(plan->rank_env[i], sizeof plan->rank_env[i], "%s=%d",
                 ipc__names_env[rank_vars[i]].name, value[i]);
}

/* Creates rank r's control socket and pipes and starts it; what its child
 * reported goes to the plan's results. Returns 0, or -1 with the reason in
 * err (nothing is left open then). */
static int start_rank(struct ipcrun__launch *job, int r, char *err, size_t errlen)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    int ctl[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1}, in[2] = {-1, -1};
    /* A node daemon's stdin is its stream to ipcrun: the rank that reads
     * ipcrun's stdin gets a pipe, fed with what ipcrun relays. */
    bool stdin_all = job->opts->stdin_target == IPCRUN__STDIN_ALL ||
                     (job->up && job->opts->stdin_target == r);
    const char *what = "socketpair";

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) != 0)
        goto fail;
    what = "pipe";
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0 ||
        (stdin_all && pipe2(in, O_CLOEXEC) != 0))
        goto fail;
    what = "fcntl";
    if (set_nonblock(ctl[0]) || set_nonblock(out[0]) || set_nonblock(errp[0]) ||
        (stdin_all && set_nonblock(in[1])))
        goto fail;
    grow_sndbuf(ctl[0]);

    struct child c = {.plan = job->plan,
                      .contain = job->contain,
                      .launcher_pid = job->launcher_pid,
                      .ctl_fd = ctl[1],
                      .out_fd = out[1],
                      .err_fd = errp[1],
                      .in_fd = stdin_all                      ? in[0]
                               : job->opts->stdin_target == r ? -1
                                                              : job->devnull};
    set_rank_env(job->plan, r, rk->local_index, ctl[1]);
    if (job->plan->mask)
        ipcrun__placement_mask(&job->placement, rk->local_index, job->plan->mask);
    what = "vfork";
    pid_t pid = start_child(&c);
    if (pid < 0)
        goto fail;
    close(ctl[1]);
    close(out[1]);
    close(errp[1]);
    if (in[0] >= 0)
        close(in[0]);
    rk->pid = pid;
    rk->running = true;
    rk->ctl_fd = ctl[0];
    rk->out_fd = out[0];
    rk->err_fd = errp[0];
    rk->in_fd = in[1];
    job->nrunning++;
    job->plan->results[r] = (struct child_result){c.failed_step, c.failed_errno};
    return 0;

fail:
    snprintf(err, errlen, "cannot start rank %d: %s: %s", r, what, strerror(errno));
    close_pair(ctl);
    close_pair(out);
    close_pair(errp);
    close_pair(in);
    return -1;
}

/* The child could not become the rank: say why, as the rank's failure. */
static void report_child_failure(struct ipcrun__launch *job, int r,
                                 const struct child_result *c)
{
    const char *e = strerror(c->err);
    switch ((enum child_step)c->step) {
    case STEP_EXEC:
        /* The file was there when ipcrun checked it: what is missing is what
         * it needs to start. */
        ipcrun__launch_fail(
            job, r, 127, "could not execute '%s': %s%s", job->plan->path, e,
            c->err == ENOENT ? " (is its #! interpreter or its dynamic loader missing?)"
                             : "");
        break;
    case STEP_WDIR:
        ipcrun__launch_fail(job, r, IPCRUN__EXIT_LAUNCHER,
                            "could not change to the directory '%s': %s", job->plan->wdir,
                            e);
        break;
    case STEP_BIND:
        ipcrun__launch_fail(job, r, IPCRUN__EXIT_LAUNCHER,
                            "could not be bound to its cpus: %s", e);
        break;
    case STEP_FDS:
        ipcrun__launch_fail(job, r, IPCRUN__EXIT_LAUNCHER,
                            "could not be given its stdin, stdout and stderr: %s", e);
        break;
    case STEP_OK:
        break;
    }
}

int ipcrun__spawn_ranks(struct ipcrun__launch *job, char *err, size_t errlen)
{
    int rc = 0;
    /* One after the other: the exec in each child costs milliseconds of
     * kernel time, but ranks being started already keep the other cpus busy
     * (two spawning threads were measured no faster on two cpus). */
    for (int i = 0; i < job->nlocal && rc == 0; i++)
        rc = start_rank(job, job->local[i], err, errlen);
    /* A rank that cannot execute fails the job as any failing rank; the
     * lowest-numbered is reported. */
    for (int r = 0; r < job->n; r++)
        if (job->ranks[r].running && job->plan->results[r].step != STEP_OK)
            report_child_failure(job, r, &job->plan->results[r]);
    return rc;
}
