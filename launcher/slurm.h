/*
 * slurm.h - ipcrun inside a Slurm allocation (salloc, sbatch): the hosts and
 * slots Slurm gave the job, and srun as the agent that starts node daemons.
 *
 * Pure: the environment is passed in, nothing is run (no scontrol). Error
 * messages are one line without the "ipcrun: " prefix.
 */
#ifndef IPC_LAUNCHER_SLURM_H
#define IPC_LAUNCHER_SLURM_H

#include "hosts.h"

/* How ipcrun reaches a node of the allocation: one job step per node
 * daemon, sharing the allocation's cpus with the ranks (--overlap), without
 * a PMI of its own (ranks of a daemon meet through ipcrun). --unbuffered:
 * slurmstepd otherwise holds the daemon's stdout back until a newline, and
 * the daemon stream is binary (it stays a pipe, not a terminal). The node's
 * name follows. */
#define IPCRUN__SLURM_AGENT                                                              \
    "srun --unbuffered --mpi=none --nodes=1 --ntasks=1 --overlap --nodelist"

/* Adds the allocation's nodes to hosts, in Slurm's order, each with the
 * tasks Slurm gives it as slots: nodelist is SLURM_JOB_NODELIST in Slurm's
 * compressed form ("n[01-03,07],gpu1"), tasks SLURM_TASKS_PER_NODE
 * ("2(x3),1"), one count per node. Returns 0, or -1 with the reason in err. */
int ipcrun__slurm_hosts(const char *nodelist, const char *tasks,
                        struct ipcrun__hosts *hosts, char *err, size_t errlen);

#endif /* IPC_LAUNCHER_SLURM_H */
