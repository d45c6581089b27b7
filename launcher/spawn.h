/*
 * spawn.h - starting the ranks of a job.
 */
#ifndef IPC_LAUNCHER_SPAWN_H
#define IPC_LAUNCHER_SPAWN_H

#include <stddef.h>
#include <sys/resource.h>

struct ipc__launch;

/* Descriptors the launcher holds per rank (control socket, stdout, stderr),
 * and those it needs besides, at the peak of start-up and wire-up. */
#define IPC__SPAWN_FDS_PER_RANK 3
#define IPC__SPAWN_FDS_EXTRA 32

/* Raises the soft RLIMIT_NOFILE to the hard one and checks that n ranks fit;
 * *soft_before gets the soft limit found, which ranks get back. Returns 0, or
 * -1 with the reason in err. */
int ipc__spawn_fd_limit(int n, rlim_t *soft_before, char *err, size_t errlen);

/* Writes a new job id (a lower-case uuid, 36 characters) to out. */
void ipc__spawn_job_id(char out[37]);

/* Creates rank r's control socket and output pipes and starts it. The rank's
 * descriptors in job->ranks[r] are non-blocking on the launcher's side.
 * Returns 0, or -1 with the reason in err (nothing is left open then). */
int ipc__spawn_rank(struct ipc__launch *job, int r, char *err, size_t errlen);

#endif /* IPC_LAUNCHER_SPAWN_H */
