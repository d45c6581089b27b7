/*
 * remote.h - jobs on several hosts: ipcrun's side (remote.c), which starts a
 * node daemon on every other host through the launch agent and treats the
 * ranks there as its own, and the daemon's side (daemon.c), which runs the
 * ranks of its host with the same machinery as ipcrun and reports everything
 * to ipcrun over its stream (nodemsg.h).
 *
 * What ipcrun decides stays in ipcrun: whether a rank's end is a failure,
 * the one line that says so, the exit status, output formatting, timeouts.
 * A daemon only starts, relays, signals and reaps.
 */
#ifndef IPC_LAUNCHER_REMOTE_H
#define IPC_LAUNCHER_REMOTE_H

#include <poll.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct ipcrun__launch;
struct ipcrun__layout;

/* ---- ipcrun ---- */

/* Starts a node daemon for every node of the layout but this_node and queues
 * its job description. Returns 0, or -1 with the reason in err (daemons
 * started before stay, to be stopped as the job ends). */
int ipcrun__remote_start(struct ipcrun__launch *job, const struct ipcrun__layout *layout,
                         char *err, size_t errlen);

/* Sends rank r's control packet through its daemon (r == -1: to every rank
 * of every daemon). Does nothing for ranks ipcrun runs itself; out of memory
 * ends the job. */
void ipcrun__remote_ctl(struct ipcrun__launch *job, int r, uint32_t type,
                        const void *payload, size_t len);

/* Sends rank r (of a daemon) len bytes of ipcrun's stdin; len 0: its end. */
void ipcrun__remote_stdin(struct ipcrun__launch *job, int r, const void *data,
                          size_t len);

/* Sends sig to the ranks of every daemon; when stopping, also to what they
 * left behind. */
void ipcrun__remote_signal(struct ipcrun__launch *job, int sig, bool stopping);

/* Adds the daemons' streams to the poll set at pfds; returns how many. */
int ipcrun__remote_pollset(const struct ipcrun__launch *job, struct pollfd *pfds,
                           int *which);

/* Daemon d's stream is ready: reads and acts on what it says, and writes what
 * is queued. Ranks that ended are added to batch (nb of them). */
void ipcrun__remote_serve(struct ipcrun__launch *job, int d, short revents, int *batch,
                          int *nb);

/* A child was reaped: if it was a launch agent, it is no longer waited for. */
void ipcrun__remote_reaped(struct ipcrun__launch *job, pid_t pid);

/* Whether some daemon's stream is still open. */
bool ipcrun__remote_busy(const struct ipcrun__launch *job);

/* Closes the streams and stops and reaps the agents still running. */
void ipcrun__remote_fini(struct ipcrun__launch *job);

/* ---- a node daemon ---- */

/* `ipcrun --daemon HOST`: reads the job from stdin, runs the ranks of this
 * host and reports to ipcrun on stdout. Returns the daemon's exit status. */
int ipcrun__daemon_main(const char *host);

/* Passes a control packet of local rank r up to ipcrun. */
void ipcrun__daemon_relay_ctl(struct ipcrun__launch *job, int r, uint32_t type,
                              const char *buf, size_t len);

/* Sends msg type with rank r and payload to ipcrun, waiting as needed. */
void ipcrun__daemon_send(struct ipcrun__launch *job, uint32_t type, int r, const void *a,
                         size_t alen, const void *b, size_t blen);

/* ipcrun's stream is ready: acts on what it says. Returns false when it ended
 * (ipcrun is gone: the daemon kills its ranks). */
bool ipcrun__daemon_serve_up(struct ipcrun__launch *job);
/* Once the ranks run: acts on what came in the same reads as the job (the
 * first chunk of stdin, a signal). poll() will not report those bytes again,
 * and ipcrun sends no more stdin until this chunk is acknowledged. */
void ipcrun__daemon_serve_early(struct ipcrun__launch *job);

#endif /* IPC_LAUNCHER_REMOTE_H */
