/* local.c - reaching the ranks this process started (see local.h). */
#include "local.h"

#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "contain.h"
#include "forward.h"
#include "report.h"
#include "wireup.h"

int ipcrun__local_rank_of(const struct ipcrun__launch *job, pid_t pid)
{
    for (int i = 0; i < job->nlocal; i++) {
        int r = job->local[i];
        if (job->ranks[r].pid == pid && job->ranks[r].running)
            return r;
    }
    return -1;
}

void ipcrun__local_signal_adopted(struct ipcrun__launch *job, int sig)
{
    char path[64];
    long pid;
    snprintf(path, sizeof path, "/proc/self/task/%d/children", (int)job->launcher_pid);
    FILE *f = fopen(path, "re");
    if (!f)
        return;
    while (fscanf(f, "%ld", &pid) == 1)
        if (ipcrun__local_rank_of(job, (pid_t)pid) < 0 &&
            !ipcrun__contain_is_guard(job->contain, (pid_t)pid))
            kill((pid_t)pid, sig);
    fclose(f);
}

static void local_ctl(struct ipcrun__launch *job, int r, uint32_t type,
                      const void *payload, size_t len)
{
    if (r >= 0) {
        ipcrun__wireup_deliver(job, r, type, payload, len);
        return;
    }
    for (int i = 0; i < job->nlocal && job->phase == IPCRUN__PHASE_RUNNING; i++)
        ipcrun__wireup_deliver(job, job->local[i], type, payload, len);
}

static void local_signal(struct ipcrun__launch *job, int sig, bool stopping)
{
    for (int i = 0; i < job->nlocal; i++) {
        const struct ipcrun__launch_rank *rk = &job->ranks[job->local[i]];
        if (rk->running)
            kill(rk->pid, sig);
    }
    if (stopping)
        ipcrun__local_signal_adopted(job, sig);
}

/* The chunk stays in job->in_buf; the rank's stdin pipe takes it as it can
 * (forward.c). */
static void local_input(struct ipcrun__launch *job, int r, const char *data, size_t len)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    if (len == 0 || rk->in_fd < 0) {
        ipcrun__forward_stdin_close(job, r);
        return;
    }
    if (data != job->in_buf)
        memcpy(job->in_buf, data, len);
    job->in_len = len;
    rk->in_off = 0;
}

static bool local_input_busy(const struct ipcrun__launch *job, int r)
{
    return ipcrun__forward_stdin_pending(job, r);
}

static bool local_input_open(const struct ipcrun__launch *job, int r)
{
    return job->ranks[r].in_fd >= 0;
}

static bool local_ctl_open(const struct ipcrun__launch *job, int r)
{
    return job->ranks[r].ctl_fd >= 0;
}

static bool local_ctl_close(struct ipcrun__launch *job, int r)
{
    struct ipcrun__launch_rank *rk = &job->ranks[r];
    if (rk->ctl_fd < 0)
        return false;
    close(rk->ctl_fd);
    rk->ctl_fd = -1;
    return true;
}

/* What each running rank does now: its state page, and /proc. */
static void local_where(struct ipcrun__launch *job)
{
    for (int i = 0; i < job->nlocal; i++) {
        int r = job->local[i];
        if (!job->ranks[r].running)
            continue;
        char activity[128];
        ipcrun__report_activity(job->ranks[r].pid, activity, sizeof activity);
        struct ipc__ctl_state st = ipcrun__report_state_of(job->report, r);
        struct ipc__ctl_comm_name names[IPC__CTL_NAMES];
        ipcrun__report_names_of(job->report, r, names);
        ipcrun__report_say_where(job, r, NULL, &st, names, activity);
    }
}

static bool local_busy(const struct ipcrun__launch *job)
{
    for (int i = 0; i < job->nlocal; i++) {
        const struct ipcrun__launch_rank *rk = &job->ranks[job->local[i]];
        if (rk->out_fd >= 0 || rk->err_fd >= 0)
            return true;
    }
    return false;
}

const struct ipcrun__rank_ops ipcrun__rank_local = {
    .name = "local",
    .ctl = local_ctl,
    .signal = local_signal,
    .input = local_input,
    .input_busy = local_input_busy,
    .input_open = local_input_open,
    .ctl_open = local_ctl_open,
    .ctl_close = local_ctl_close,
    .where = local_where,
    .busy = local_busy,
    .relayed = false,
};
