/* spawn.c - creating a rank's channels and starting it. */
#include "spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uuid/uuid.h>

#include "ctl.h"
#include "launch.h"

int ipc__spawn_fd_limit(int n, rlim_t *soft_before, char *err, size_t errlen)
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
        (unsigned long long)n * IPC__SPAWN_FDS_PER_RANK + IPC__SPAWN_FDS_EXTRA;
    if (rl.rlim_cur != RLIM_INFINITY && need > (unsigned long long)rl.rlim_cur) {
        snprintf(err, errlen,
                 "-n %d needs about %llu open files but the limit is %llu; raise it with "
                 "'ulimit -n' or start fewer ranks",
                 n, need, (unsigned long long)rl.rlim_cur);
        return -1;
    }
    return 0;
}

void ipc__spawn_job_id(char out[37])
{
    uuid_t id;
    uuid_generate(id);
    uuid_unparse_lower(id, out);
}

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

static int setenv_int(const char *name, long value)
{
    char num[24];
    snprintf(num, sizeof num, "%ld", value);
    return setenv(name, num, 1);
}

static int set_rank_env(const struct ipc__launch *job, int r, int ctl_fd)
{
    const struct ipc__opts *o = job->opts;
    for (int i = 0; i < o->nexports; i++) {
        const char *eq = strchr(o->exports[i], '=');
        if (!eq)
            continue; /* -x NAME: the rank inherits NAME as it is here */
        char *name = strndup(o->exports[i], (size_t)(eq - o->exports[i]));
        int rc = name ? setenv(name, eq + 1, 1) : -1;
        free(name);
        if (rc)
            return -1;
    }
    if (setenv_int("IPC_RANK", r) || setenv_int("IPC_SIZE", job->n) ||
        setenv_int("IPC_LOCAL_RANK", r) || setenv_int("IPC_LOCAL_SIZE", job->n) ||
        setenv("IPC_JOB_ID", job->job_id, 1) || setenv_int("IPC_CONTROL_FD", ctl_fd))
        return -1;
    if (o->transport && setenv("IPC_TRANSPORT", o->transport, 1))
        return -1;
    return 0;
}

/* Gives the program the signal state it would have had if started from the
 * shell that started ipcrun: what ipcrun blocked or ignored for itself is
 * undone, what was ignored before ipcrun stays ignored. */
static void reset_signals(const struct ipc__launch *job)
{
    sigset_t none;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig == SIGKILL || sig == SIGSTOP ||
            sigismember(&job->inherited_ignored, sig) == 1)
            continue;
        (void)signal(sig, SIG_DFL); /* glibc's internal signals refuse; that is fine */
    }
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

static void __attribute__((noreturn))
run_child(const struct ipc__launch *job, int r, int ctl_fd, int out_fd, int err_fd)
{
    char **argv = job->opts->prog_argv;
    struct rlimit rl;

    /* The launcher may have died between fork and prctl: then nobody would
     * kill this rank, so it must not start. */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != job->launcher_pid)
        _exit(1);
    if (dup2(out_fd, STDOUT_FILENO) < 0 || dup2(err_fd, STDERR_FILENO) < 0 ||
        (r != 0 && dup2(job->devnull, STDIN_FILENO) < 0) ||
        fcntl(ctl_fd, F_SETFD, 0) < 0 || set_rank_env(job, r, ctl_fd) != 0) {
        dprintf(STDERR_FILENO, "ipcrun: rank %d: cannot set up the rank: %s\n", r,
                strerror(errno));
        _exit(127);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0) {
        rl.rlim_cur = job->nofile_soft;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    reset_signals(job);
    execvp(argv[0], argv);
    dprintf(STDERR_FILENO, "ipcrun: rank %d: cannot execute '%s': %s\n", r, argv[0],
            strerror(errno));
    _exit(127);
}

static void close_pair(int fds[2])
{
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

int ipc__spawn_rank(struct ipc__launch *job, int r, char *err, size_t errlen)
{
    struct ipc__launch_rank *rk = &job->ranks[r];
    int ctl[2] = {-1, -1}, out[2] = {-1, -1}, errp[2] = {-1, -1};
    const char *what = "socketpair";

    if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, ctl) != 0)
        goto fail;
    what = "pipe";
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(errp, O_CLOEXEC) != 0)
        goto fail;
    what = "fcntl";
    if (set_nonblock(ctl[0]) || set_nonblock(out[0]) || set_nonblock(errp[0]))
        goto fail;
    grow_sndbuf(ctl[0]);
    what = "fork";
    pid_t pid = fork();
    if (pid < 0)
        goto fail;
    if (pid == 0)
        run_child(job, r, ctl[1], out[1], errp[1]);
    close(ctl[1]);
    close(out[1]);
    close(errp[1]);
    rk->pid = pid;
    rk->running = true;
    rk->ctl_fd = ctl[0];
    rk->out_fd = out[0];
    rk->err_fd = errp[0];
    job->nrunning++;
    return 0;

fail:
    snprintf(err, errlen, "cannot start rank %d: %s: %s", r, what, strerror(errno));
    close_pair(ctl);
    close_pair(out);
    close_pair(errp);
    return -1;
}
