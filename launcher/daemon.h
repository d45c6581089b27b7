/*
 * daemon.h - jobs on several hosts, the node daemon's side (daemon.c): it
 * runs the ranks of its host with the same machinery as ipcrun (they are
 * local ranks to it) and reports everything to ipcrun over its stream
 * (nodemsg.h). What ipcrun decides stays in ipcrun (see remote.h).
 */
#ifndef IPC_LAUNCHER_DAEMON_H
#define IPC_LAUNCHER_DAEMON_H

#include "job.h"
#include "options.h"

/* Runs the job a node daemon was given; ipcrun__launch_run (main.c passes
 * it, so that the daemon needs nothing above it). */
typedef int (*ipcrun__run_fn)(const struct ipcrun__opts *opts,
                              const struct ipcrun__layout *layout);

/* The job as ipcrun described it in the JOB message (docs/wire-formats.md);
 * its strings point into the message. */
struct ipcrun__daemon_job {
    struct ipcrun__opts opts;
    struct ipcrun__layout layout;
    int *node_of_rank;
    const char **exports;
    int nexports;
    char **argv;
    const char *tcp_if;
};
#define IPCRUN__DAEMON_JOB_INIT                                                          \
    ((struct ipcrun__daemon_job){.layout = {.this_node = -1},                            \
                                 .opts = {.stdin_target = IPCRUN__STDIN_NONE}})

/* Takes the JOB message's payload (buf, len bytes, cut up in place: the
 * strings stay in it) apart into dj, which starts as IPCRUN__DAEMON_JOB_INIT.
 * Returns 0, or -1 with the reason in err; either way
 * ipcrun__daemon_job_free frees what dj holds. */
int ipcrun__daemon_parse_job(struct ipcrun__daemon_job *dj, char *buf, size_t len,
                             char *err, size_t errlen);
void ipcrun__daemon_job_free(struct ipcrun__daemon_job *dj);

/* `ipcrun --daemon HOST`: reads the job from stdin, runs the ranks of this
 * host with run and reports to ipcrun on stdout. Returns the daemon's exit
 * status. */
int ipcrun__daemon_main(const char *host, ipcrun__run_fn run);

/* Registers the stream to ipcrun with the event loop (job->loop); ipcrun
 * gone, the daemon kills its ranks. Returns 0, or -1 when out of memory. */
int ipcrun__daemon_watch(struct ipcrun__launch *job);

/* Once the ranks run: acts on what came in the same reads as the job (the
 * first chunk of stdin, a signal). poll() will not report those bytes again,
 * and ipcrun sends no more stdin until this chunk is acknowledged. */
void ipcrun__daemon_serve_early(struct ipcrun__launch *job);

#endif /* IPC_LAUNCHER_DAEMON_H */
