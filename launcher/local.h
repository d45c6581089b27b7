/*
 * local.h - the ranks this process started (struct ipcrun__rank_ops for
 * them): reached through their control sockets, stdin pipes and pids.
 */
#ifndef IPC_LAUNCHER_LOCAL_H
#define IPC_LAUNCHER_LOCAL_H

#include "job.h"

extern const struct ipcrun__rank_ops ipcrun__rank_local;

/* Sends sig to what the ranks left behind: the children ipcrun adopted (it
 * is a child subreaper) that are none of its ranks (nor the guard of the
 * job's cgroup, contain.h). */
void ipcrun__local_signal_adopted(struct ipcrun__launch *job, int sig);

/* The local rank whose pid this is and that is not yet reaped, or -1. */
int ipcrun__local_rank_of(const struct ipcrun__launch *job, pid_t pid);

#endif /* IPC_LAUNCHER_LOCAL_H */
