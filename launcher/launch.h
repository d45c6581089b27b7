/*
 * launch.h - the state of one job that ipcrun runs, shared by the launcher's
 * modules: placement.c decides where ranks run, spawn.c starts them,
 * forward.c moves their input and output, wireup.c serves their control
 * channels, supervise.c runs the event loop that reaps ranks and decides the
 * exit status.
 */
#ifndef IPC_LAUNCHER_LAUNCH_H
#define IPC_LAUNCHER_LAUNCH_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "iofwd.h"
#include "nodemsg.h"
#include "options.h"
#include "placement.h"
#include "report.h"
#include "wireup.h"

struct ipcrun__spawn_plan;

struct ipcrun__launch_rank {
    pid_t pid;    /* 0 until started */
    bool running; /* started and not yet reaped */
    int wstatus;  /* waitpid status once reaped */
    int ctl_fd;   /* launcher's end of the control socket; -1 once closed */
    int out_fd;   /* read end of the rank's stdout pipe; -1 at end of file */
    int err_fd;   /* read end of the rank's stderr pipe; -1 at end of file */
    struct ipcrun__linebuf out, err;
    /* what the rank said on its control channel */
    bool inited, finalized, aborted;
    int abort_code;
    bool fenced;      /* in the fence under way */
    bool wants_pipes; /* sent PIPES, waiting for the others */
    uint32_t pipe_node; /* node named in PIPES: pipes go to its ranks */
    int in_fd;        /* write end of the rank's stdin pipe (--stdin all); -1 */
    size_t in_off;    /* bytes of the launcher's stdin chunk written to in_fd */
    /* --output-dir: the rank's files, which replace ipcrun's stdout and
     * stderr; -1 without it. *_dead: a write failed, the rest is dropped. */
    int out_file, err_file;
    bool out_file_dead, err_file_dead;
    /* Several hosts. local_index: the rank's place among the ranks this
     * process starts, -1 for the others. daemon: in ipcrun, the node daemon
     * that runs the rank, NULL when this process runs it. A remote rank counts as
     * running from the start until its daemon reports its end. */
    int local_index;
    struct ipcrun__daemon *daemon;
    const char *host; /* where it runs, for messages; NULL: job->host */
};

/* ipcrun's view of one node daemon (remote.c). */
struct ipcrun__daemon {
    const char *host;  /* as given with --host */
    const char *agent; /* the launch agent's program, for messages */
    pid_t agent_pid;  /* the launch agent (ssh, ...); 0 once reaped */
    struct ipcrun__nodelink link;
    bool open;     /* the stream has not ended */
    bool heard;    /* it said something: it started */
    bool done;     /* it said DONE: every rank of its node ended */
};

enum ipcrun__launch_phase {
    IPCRUN__PHASE_RUNNING,  /* no failure yet */
    IPCRUN__PHASE_STOPPING, /* ranks are being stopped; deaths are not failures */
};

struct ipcrun__launch {
    const struct ipcrun__opts *opts;
    int n;
    char job_id[37];
    char job_secret[65]; /* IPC_JOB_SECRET: hex, only ever in the ranks' environment */
    pid_t launcher_pid;
    char host[256];             /* this host's name, for messages; "" in unit tests */
    int devnull;                /* stdin of the ranks that do not read ipcrun's */
    int sigfd;                  /* signalfd of the signals the launcher handles */
    sigset_t inherited_ignored; /* signals ignored when ipcrun started; ranks keep that */
    rlim_t nofile_soft; /* open-file soft limit when ipcrun started; ranks get it back */
    struct ipcrun__launch_rank *ranks;
    int nrunning;
    struct ipcrun__wireup wireup;
    enum ipcrun__launch_phase phase;
    int exit_status;
    int abort_rank;     /* first rank that sent ABORT, or -1 */
    int64_t kill_at_ms; /* when to send SIGKILL while stopping; 0: not pending */
    bool killing;       /* SIGKILL has been sent; later stragglers get it too */
    bool stdout_dead, stderr_dead; /* ipcrun's own stdout/stderr went away */
    struct ipcrun__placement placement;
    struct ipcrun__spawn_plan *plan; /* what every rank's exec needs (spawn.c) */
    /* --stdin all: ipcrun reads its stdin a chunk at a time and writes each
     * chunk to every rank before it reads the next. */
    int stdin_fd; /* ipcrun's stdin while it is being forwarded; -1 */
    char *in_buf; /* the chunk, in_len bytes */
    size_t in_len;
    bool in_eof; /* ipcrun's stdin ended (or failed) */
    /* Several hosts (remote.c, daemon.c). This process starts nlocal of the
     * n ranks, local[0..nlocal) (all of them on one host). */
    int nlocal;
    int *local;
    char *node_of;  /* IPC_NODE_OF for the ranks; NULL: every rank on one node */
    char *tcp_if;   /* IPC_TCP_IF for the ranks; NULL: as inherited */
    struct ipcrun__daemon *daemons; /* ipcrun: one per other host */
    int ndaemons;
    struct ipcrun__nodelink *up; /* a node daemon: its stream to ipcrun; NULL in ipcrun */
    /* ipcrun: the rank on another host that reads ipcrun's stdin (relayed a
     * chunk at a time through its daemon), or -1; in_flight: a chunk is on
     * its way and not yet taken. */
    int stdin_relay;
    bool in_flight;
    struct ipcrun__report report; /* --stats, --trace, where ranks wait (report.c) */
};

/* Where the ranks of a job run when it spans several hosts (nodes): made by
 * main.c from --host/--hostfile, or by a node daemon from its job. */
struct ipcrun__layout {
    int nnodes;
    const char *const *hosts; /* per node: its host name */
    const int *node_of_rank;  /* per rank: its node */
    int this_node;            /* the node this process runs ranks of; -1: none */
    const char *tcp_if;       /* IPC_TCP_IF for the ranks; NULL: the default */
    char *const *agent_argv;  /* ipcrun: the launch agent, run as AGENT... HOST CMD... */
    const char *daemon_path;  /* ipcrun: ipcrun's path on the other hosts */
    /* a node daemon: its stream to ipcrun and the job it was given */
    struct ipcrun__nodelink *up;
    const char *job_id, *job_secret;
};

/* Runs the job opts describes (checked by options.c) to its end; returns
 * ipcrun's exit status. Prints the reason of any failure. layout: NULL when
 * every rank runs on this host. */
int ipcrun__launch_run(const struct ipcrun__opts *opts,
                       const struct ipcrun__layout *layout);

/* The running job (supervise.c): its event loop, until every rank ended and
 * its output is forwarded. Returns ipcrun's exit status. */
int ipcrun__supervise(struct ipcrun__launch *job);

/* Ends the job: prints "ipcrun: on host H, rank R (pid P) <reason>; stopping
 * the other K ranks" (without "on host H, " when job->host is empty; "ipcrun:
 * <reason>; stopping K ranks" when rank < 0), sets the exit status and stops
 * every rank still running. Does nothing once the job is already being
 * stopped, so only the first cause is reported. */
void ipcrun__launch_fail(struct ipcrun__launch *job, int rank, int status,
                         const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* Sends sig to every rank of the job; when stopping, the job is being ended
 * and what the ranks left behind gets it too. */
void ipcrun__launch_signal(struct ipcrun__launch *job, int sig, bool stopping);

/* What pid is doing, from /proc: "running (busy on a cpu, ...)", "waiting
 * in poll()", ... */
void ipcrun__describe_activity(pid_t pid, char *buf, size_t len);

/* Milliseconds on the monotonic clock. */
int64_t ipcrun__now_ms(void);

/* One line of ipcrun's own on stderr, "ipcrun: " and a newline added, written
 * with one write() like forwarded lines. */
void ipcrun__say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* IPC_LAUNCHER_LAUNCH_H */
