/*
 * report.h - ipcrun's side of seeing inside a job (docs/observability.md):
 * the page each rank keeps up to date with the call it is in (read on
 * --timeout and Ctrl-C), the counters of --stats and --stats-json, and the
 * timeline of --trace, which ranks send at ipc_finalize and ipcrun merges
 * into one Chrome trace event file as the parts arrive.
 */
#ifndef IPC_LAUNCHER_REPORT_H
#define IPC_LAUNCHER_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/types.h>

#include "ctl.h"

struct ipcrun__launch;

struct ipcrun__report_rank {
    int state_fd; /* the memfd of the rank's state page, or -1 */
    bool got_stats;
    bool mpi; /* its statistics say it used the MPI layer */
    struct ipc__ctl_stats totals;
    struct ipc__ctl_stats_peer *peers; /* in peer order, npeers of them */
    int npeers, cap;
    struct ipc__ctl_stats_rma *rma; /* one-sided traffic, in peer order */
    int nrma, rma_cap;
};

struct ipcrun__report {
    int n;
    struct ipcrun__report_rank *ranks;
    FILE *trace;            /* --trace: the file being written, or NULL */
    const char *trace_path;
    int where_left;         /* lines the timeout report may still print */
};

/* Opens the --trace file (when asked). Returns 0, or -1 with the reason in
 * err. */
int ipcrun__report_init(struct ipcrun__report *rep, int n, const char *trace_path,
                        char *err, size_t errlen);
void ipcrun__report_fini(struct ipcrun__report *rep);

/* Rank r gave its state page (IPC__CTL_STATE); takes fd. Kept only when it
 * is memory (a memfd: reading it cannot block) that holds a whole struct
 * ipc__ctl_state; it is read with pread, never mapped, so the rank cutting
 * it later costs its line in the report and nothing else. */
void ipcrun__report_state(struct ipcrun__report *rep, int r, int fd);
/* A copy of rank r's state, or magic 0 when it has none. */
struct ipc__ctl_state ipcrun__report_state_of(const struct ipcrun__report *rep, int r);
/* A copy of the names rank r gave its communicators (all empty without). */
void ipcrun__report_names_of(const struct ipcrun__report *rep, int r,
                             struct ipc__ctl_comm_name names[IPC__CTL_NAMES]);

/* IPC__CTL_STATS, IPC__CTL_STATS_RMA and IPC__CTL_TRACE from rank r. Return
 * 0, or -1 when the packet is malformed (or, for the trace, cannot be
 * written: errno). */
int ipcrun__report_stats(struct ipcrun__report *rep, int r, const char *buf, size_t len);
int ipcrun__report_stats_rma(struct ipcrun__report *rep, int r, const char *buf,
                             size_t len);
int ipcrun__report_trace(struct ipcrun__report *rep, int r, const char *buf, size_t len);

/* What a rank was doing, for "rank R (pid P) was ...": from its state when
 * it is in a call, else `activity` (what /proc says). In the program's
 * terms: libipc's calls, or for an MPI program (st->api) MPI's calls,
 * wildcards and communicators, which names[0..nnames) may name. */
void ipcrun__report_describe_named(const struct ipc__ctl_state *st,
                                   const struct ipc__ctl_comm_name *names, int nnames,
                                   const char *activity, char *out, size_t cap);
/* The same without the program's names. */
void ipcrun__report_describe(const struct ipc__ctl_state *st, const char *activity,
                             char *out, size_t cap);

/* --stats: the table, one line at a time without "ipcrun: " or newline. */
void ipcrun__report_stats_table(const struct ipcrun__report *rep,
                                void (*line)(const char *));
/* --stats-json. Returns 0, or -1 (errno) when writing failed. */
int ipcrun__report_stats_json(const struct ipcrun__report *rep, FILE *out);
/* Ends the --trace file: names of the tracks, then the closing brackets.
 * hosts[r] (may be NULL) names rank r's host. Returns 0, or -1 (errno). */
int ipcrun__report_trace_close(struct ipcrun__report *rep, const char *const *hosts);

/* Whether a task is ending, from the text of its /proc/PID/stat and
 * /proc/PID/status (either may be NULL): 2 on a signal (being killed, or a
 * signal that kills it is pending and neither blocked, ignored nor caught),
 * 1 exiting otherwise, 0 not ending. */
int ipcrun__report_ending(const char *stat, const char *status);
/* What pid is doing, from /proc: "running (busy on a cpu, ...)", "waiting
 * in poll()", "ending on a signal that reached it too ...", ... */
void ipcrun__report_activity(pid_t pid, char *buf, size_t len);

/* Says where rank r waits: "[on host H, ]rank R (pid P) was ..." from its
 * state, its names (IPC__CTL_NAMES of them, or NULL) and activity; host
 * NULL: this host. At most a few lines a report. */
void ipcrun__report_say_where(struct ipcrun__launch *job, int r, const char *host,
                              const struct ipc__ctl_state *st,
                              const struct ipc__ctl_comm_name *names, const char *activity);

/* ipcrun, at the end of the job: prints and writes what was asked for. */
void ipcrun__report_finish(struct ipcrun__launch *job);
/* ipcrun, on --timeout or SIGINT: one line per rank still running saying
 * where it waits (remote ranks answer through their daemon, later). */
void ipcrun__report_where(struct ipcrun__launch *job);
/* A node daemon was asked where its ranks are (IPC__CTL_WHERE). */
void ipcrun__report_where_up(struct ipcrun__launch *job);
/* ipcrun: a daemon's answer for rank r (IPC__CTL_WHERE_IS). */
void ipcrun__report_where_is(struct ipcrun__launch *job, int r, const char *buf,
                             size_t len);

#endif /* IPC_LAUNCHER_REPORT_H */
