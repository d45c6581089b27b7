/*
 * job.h - the state of one job that ipcrun (or a node daemon) runs, shared by
 * the launcher's modules, and what every module may do to the job as a whole
 * (job.c): end it, signal its ranks, say something.
 *
 * A rank is reached through struct ipcrun__rank_ops, whichever process runs
 * it: local.c for the ranks this process started, remote.c for those a node
 * daemon runs for ipcrun. Forwarding, wire-up and reporting use the rank's
 * ops and never ask where it runs. docs/launcher.md draws the modules.
 */
#ifndef IPC_LAUNCHER_JOB_H
#define IPC_LAUNCHER_JOB_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

#include "iofwd.h"
#include "loop.h"
#include "nodemsg.h"
#include "options.h"
#include "placement.h"

struct ipcrun__spawn_plan;
struct ipcrun__launch;
struct ipcrun__daemon;
struct ipcrun__report;
struct ipcrun__wireup;

/*
 * How ipcrun reaches a rank. Implementations: ipcrun__rank_local (local.c:
 * a child of this process, through its sockets and pipes),
 * ipcrun__rank_remote (remote.c: behind the node daemon of its host, through
 * the daemon's stream), and, in a node daemon, ipcrun__rank_elsewhere
 * (job.c: the ranks of other hosts, which ipcrun looks after).
 *
 * r is a rank of that implementation; for ctl r may be -1, every rank of
 * the implementation at once (one message per node daemon).
 */
struct ipcrun__rank_ops {
    const char *name;
    /* Sends a control packet (ctl.h, launcher -> rank). A rank that is gone
     * is skipped; a failure to send ends the job. */
    void (*ctl)(struct ipcrun__launch *job, int r, uint32_t type, const void *payload,
                size_t len);
    /* Sends sig to every rank of the implementation; stopping: the job is
     * ending, and what the ranks left behind gets it too. */
    void (*signal)(struct ipcrun__launch *job, int sig, bool stopping);
    /* Gives the rank len bytes of ipcrun's stdin (job->in_buf may hold them
     * until it took them); len 0: the end of it. */
    void (*input)(struct ipcrun__launch *job, int r, const char *data, size_t len);
    /* Whether it has yet to take some of the last input. */
    bool (*input_busy)(const struct ipcrun__launch *job, int r);
    /* Whether it still reads its input. */
    bool (*input_open)(const struct ipcrun__launch *job, int r);
    /* Whether it can still say something on its control channel. */
    bool (*ctl_open)(const struct ipcrun__launch *job, int r);
    /* Its control channel is finished with. Returns whether that closed
     * something, so that a fence it can no longer join is noticed. */
    bool (*ctl_close)(struct ipcrun__launch *job, int r);
    /* Says, one line per running rank of the implementation, where it waits
     * (--timeout, Ctrl-C): now, or when its daemon answers. */
    void (*where)(struct ipcrun__launch *job);
    /* Whether something of it is still to be heard before the job can end
     * (output pipes, a daemon's stream). */
    bool (*busy)(const struct ipcrun__launch *job);
    /* Its control packets come through a node daemon, which adds WHERE_IS. */
    bool relayed;
};

extern const struct ipcrun__rank_ops ipcrun__rank_elsewhere;

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
    bool abort_mpi; /* it was MPI_Abort */
    bool fenced;        /* in the fence under way */
    bool wants_pipes;   /* sent PIPES, waiting for the others */
    uint32_t pipe_node; /* node named in PIPES: pipes go to its ranks */
    int in_fd;          /* write end of the rank's stdin pipe (--stdin all); -1 */
    size_t in_off;      /* bytes of the launcher's stdin chunk written to in_fd */
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
    const char *host;                   /* where it runs, for messages; NULL: job->host */
    const struct ipcrun__rank_ops *ops; /* how it is reached */
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
    struct ipcrun__wireup *wireup; /* the control channels' server (wireup.c) */
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
    const int *node_of_rank; /* per rank: its node (IPC__CTL_NODE_MAP); NULL: one node */
    int nnodes;              /* IPC_NODES for the ranks; 0 with node_of_rank NULL */
    char *tcp_if;  /* IPC_TCP_IF for the ranks; NULL: as inherited */
    const char *tcp_if_from; /* IPC_TCP_IF_FROM (names.h) with tcp_if; NULL: inherited */
    struct ipcrun__daemon *daemons; /* ipcrun: one per other host */
    int ndaemons;
    struct ipcrun__nodelink *up; /* a node daemon: its stream to ipcrun; NULL in ipcrun */
    /* ipcrun: the rank on another host that reads ipcrun's stdin (relayed a
     * chunk at a time through its daemon), or -1; in_flight: a chunk is on
     * its way and not yet taken. */
    int stdin_relay;
    bool in_flight;
    struct ipcrun__report *report;   /* --stats, --trace, where ranks wait (report.c) */
    struct ipcrun__contain *contain; /* the job's cgroup and its guard (contain.c) */
    /* The implementations of struct ipcrun__rank_ops the job's ranks use, for
     * what goes to every rank (signals, the end of a fence). */
    const struct ipcrun__rank_ops *kinds[2];
    int nkinds;
    struct ipcrun__loop loop; /* the event loop (supervise.c) */
    int *ended;               /* ranks that ended, to be judged (supervise.c) */
    int nended;
};

/* Where the ranks of a job run when it spans several hosts (nodes): made by
 * main.c from --host/--hostfile, or by a node daemon from its job. */
struct ipcrun__layout {
    int nnodes;
    const char *const *hosts; /* per node: its host name */
    const int *node_of_rank;  /* per rank: its node */
    int this_node;            /* the node this process runs ranks of; -1: none */
    const char *tcp_if;       /* IPC_TCP_IF for the ranks; NULL: the default */
    const char *tcp_if_from;  /* where tcp_if came from (IPC_TCP_IF_FROM's words) */
    char *const *agent_argv;  /* ipcrun: the launch agent, run as AGENT... HOST CMD... */
    const char *daemon_path;  /* ipcrun: ipcrun's path on the other hosts */
    /* a node daemon: its stream to ipcrun and the job it was given */
    struct ipcrun__nodelink *up;
    const char *job_id, *job_secret;
};

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

/* Starts stopping the job: SIGTERM to every rank and what they left behind,
 * SIGKILL after --kill-grace (supervise.c sends it). */
void ipcrun__launch_stop(struct ipcrun__launch *job);

/* Stops every rank now with SIGKILL, and what they left behind. */
void ipcrun__launch_kill(struct ipcrun__launch *job);

/* Sends sig to every rank the job reaches (its kinds). */
void ipcrun__launch_signal_all(struct ipcrun__launch *job, int sig, bool stopping);

/* A node daemon: sends message type about rank r to ipcrun, waiting as
 * needed (job->up). Nothing once the stream is gone. */
void ipcrun__launch_up(struct ipcrun__launch *job, uint32_t type, int r, const void *a,
                       size_t alen, const void *b, size_t blen);

/* Milliseconds on the monotonic clock. */
int64_t ipcrun__now_ms(void);

/* Writes every byte of iov, waiting when someone else made the descriptor
 * non-blocking. Returns 0 or -errno. */
struct iovec;
int ipcrun__write_all(int fd, struct iovec *iov, int n);

/* One line of ipcrun's own on stderr, "ipcrun: " and a newline added, written
 * with one write() like forwarded lines. */
void ipcrun__say(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* IPC_LAUNCHER_JOB_H */
