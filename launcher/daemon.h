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
