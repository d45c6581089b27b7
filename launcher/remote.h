/*
 * remote.h - jobs on several hosts, ipcrun's side (remote.c): it starts a
 * node daemon on every other host through the launch agent, and reaches the
 * ranks there through struct ipcrun__rank_ops like its own. The daemon's
 * side is daemon.h; they talk over a stream (nodemsg.h).
 *
 * What ipcrun decides stays in ipcrun: whether a rank's end is a failure,
 * the one line that says so, the exit status, output formatting, timeouts.
 * A daemon only starts, relays, signals and reaps.
 */
#ifndef IPC_LAUNCHER_REMOTE_H
#define IPC_LAUNCHER_REMOTE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "job.h"
#include "options.h"

/* ---- ipcrun ---- */

/* The ranks a node daemon runs for ipcrun. */
extern const struct ipcrun__rank_ops ipcrun__rank_remote;

/* Starts a node daemon for every node of the layout but this_node and queues
 * its job description. Returns 0, or -1 with the reason in err (daemons
 * started before stay, to be stopped as the job ends). */
int ipcrun__remote_start(struct ipcrun__launch *job, const struct ipcrun__layout *layout,
                         char *err, size_t errlen);

/* Registers the daemons' streams with the event loop (job->loop). Returns 0,
 * or -1 when out of memory. */
int ipcrun__remote_watch(struct ipcrun__launch *job);

/* A child was reaped: if it was a launch agent, it is no longer waited for. */
void ipcrun__remote_reaped(struct ipcrun__launch *job, pid_t pid);

/* Closes the streams and stops and reaps the agents still running. */
void ipcrun__remote_fini(struct ipcrun__launch *job);

#endif /* IPC_LAUNCHER_REMOTE_H */
