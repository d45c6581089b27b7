/*
 * spawn.h - starting the ranks of a job.
 *
 * Ranks are started with vfork and execve (or clone3 into the job's cgroup,
 * which is vfork with a stack of its own: contain.h): on a machine where copying even a
 * small process's page tables costs milliseconds, fork would be most of the
 * start-up time. Everything the child needs (environment, argument vectors,
 * signal dispositions to undo, cpu mask) is therefore prepared by the
 * launcher beforehand, and the child between vfork and exec only makes
 * system calls.
 */
#ifndef IPC_LAUNCHER_SPAWN_H
#define IPC_LAUNCHER_SPAWN_H

#include <stddef.h>
#include <sys/resource.h>

#include "options.h"

struct ipcrun__launch;

/* Descriptors the launcher holds per rank (control socket, stdout, stderr,
 * state page),
 * those some options add, and those it needs besides, at the peak of start-up
 * and wire-up. */
#define IPCRUN__SPAWN_FDS_PER_RANK 4
#define IPCRUN__SPAWN_FDS_EXTRA 32

/* Descriptors the launcher holds per rank for the job opts describes. */
int ipcrun__spawn_fds_per_rank(const struct ipcrun__opts *opts);

/* Raises the soft RLIMIT_NOFILE to the hard one and checks that n ranks of
 * per_rank descriptors each fit; *soft_before gets the soft limit found,
 * which ranks get back. Returns 0, or -1 with the reason in err. */
int ipcrun__spawn_fd_limit(int n, int per_rank, rlim_t *soft_before, char *err,
                           size_t errlen);

/* Writes a new job id (a lower-case uuid, 36 characters) to out. */
void ipcrun__spawn_job_id(char out[37]);

/* Writes a new job secret, IPCRUN__SPAWN_SECRET_HEX lower-case hex digits from
 * getrandom(), to out. Ranks get it in IPC_JOB_SECRET and prove with it that
 * a TCP connection comes from the job (runtime/auth.h). Returns 0, or -1 when
 * the kernel gave no randomness (errno says why). */
#define IPCRUN__SPAWN_SECRET_HEX 64
int ipcrun__spawn_job_secret(char out[IPCRUN__SPAWN_SECRET_HEX + 1]);

/* Prepares what every rank's exec needs: its environment (ipcrun's own, then
 * -x values, then the job's IPC_* variables), the signal dispositions to
 * undo. Call after the job id, the placement and ipcrun's signal set-up.
 * Returns 0, or -1 with the reason in err. */
int ipcrun__spawn_prepare(struct ipcrun__launch *job, char *err, size_t errlen);
/* Releases the preparations. */
void ipcrun__spawn_release(struct ipcrun__launch *job);

/* Creates every rank's control socket and pipes and starts them all. The
 * ranks' descriptors in job->ranks are non-blocking on the launcher's side.
 * A rank that could not execute the program, or be set up, fails the job
 * with the reason (status 127 or 125), as any failing rank does. Returns 0,
 * or -1 when some rank could not be made at all, with the reason in err (the
 * ranks made before it are running; no later one is started). */
int ipcrun__spawn_ranks(struct ipcrun__launch *job, char *err, size_t errlen);

#endif /* IPC_LAUNCHER_SPAWN_H */
