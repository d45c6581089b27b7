/*
 * launch.h - the state of one job that ipcrun runs, shared by the launcher's
 * modules: spawn.c starts ranks, wireup.c serves their control channels,
 * supervise.c runs the event loop that forwards output, reaps ranks and
 * decides the exit status.
 */
#ifndef IPC_LAUNCHER_LAUNCH_H
#define IPC_LAUNCHER_LAUNCH_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "iofwd.h"
#include "options.h"
#include "wireup.h"

struct ipc__launch_rank {
    pid_t pid;    /* 0 until started */
    bool running; /* started and not yet reaped */
    int wstatus;  /* waitpid status once reaped */
    int ctl_fd;   /* launcher's end of the control socket; -1 once closed */
    int out_fd;   /* read end of the rank's stdout pipe; -1 at end of file */
    int err_fd;   /* read end of the rank's stderr pipe; -1 at end of file */
    struct ipc__linebuf out, err;
    /* what the rank said on its control channel */
    bool inited, finalized, aborted;
    int abort_code;
    bool fenced;      /* in the fence under way */
    bool wants_pipes; /* sent PIPES, waiting for the others */
};

enum ipc__launch_phase {
    IPC__PHASE_RUNNING,  /* no failure yet */
    IPC__PHASE_STOPPING, /* ranks are being stopped; deaths are not failures */
};

struct ipc__launch {
    const struct ipc__opts *opts;
    int n;
    char job_id[37];
    pid_t launcher_pid;
    int devnull;                /* stdin of every rank but 0 */
    int sigfd;                  /* signalfd of the signals the launcher handles */
    sigset_t inherited_ignored; /* signals ignored when ipcrun started; ranks keep that */
    rlim_t nofile_soft; /* open-file soft limit when ipcrun started; ranks get it back */
    struct ipc__launch_rank *ranks;
    int nrunning;
    struct ipc__wireup wireup;
    enum ipc__launch_phase phase;
    int exit_status;
    int abort_rank;     /* first rank that sent ABORT, or -1 */
    int64_t kill_at_ms; /* when to send SIGKILL while stopping; 0: not pending */
    bool killing;       /* SIGKILL has been sent; later stragglers get it too */
    bool stdout_dead, stderr_dead; /* ipcrun's own stdout/stderr went away */
};

/* Runs the job opts describes (checked by options.c) to its end; returns
 * ipcrun's exit status. Prints the reason of any failure. */
int ipc__launch_run(const struct ipc__opts *opts);

/* Ends the job: prints "ipcrun: rank R (pid P) <reason>; stopping the other K
 * ranks" (or "ipcrun: <reason>; stopping K ranks" when rank < 0), sets the
 * exit status and stops every rank still running. Does nothing once the job
 * is already being stopped, so only the first cause is reported. */
void ipc__launch_fail(struct ipc__launch *job, int rank, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Milliseconds on the monotonic clock. */
int64_t ipc__now_ms(void);

#endif /* IPC_LAUNCHER_LAUNCH_H */
