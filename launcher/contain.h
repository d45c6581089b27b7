/*
 * contain.h - what the ranks of this host leave running dies with the job,
 * however the job ends, ipcrun killed with SIGKILL included.
 *
 * Two mechanisms (docs/ipcrun.md, "Stopping a job"):
 * - ipcrun is a child subreaper: processes a rank started and left behind
 *   become its children, and the end of the job kills them (local.c when
 *   stopping; ipcrun__contain_end at the end).
 * - where a cgroup v2 hierarchy is writable, each rank moves itself into a
 *   cgroup of the job's own (between vfork and exec), which nothing it starts
 *   can leave, and a guard process waits on a pipe from ipcrun: when ipcrun
 *   ends, even by SIGKILL, the pipe closes and the guard kills the cgroup
 *   (cgroup.kill) and removes it. The ranks themselves die by
 *   PR_SET_PDEATHSIG.
 * Called by launch.c (set-up, tear-down), spawn.c (in the child), local.c
 * and supervise.c (the guard is none of the job's processes). Every call but
 * _init and _end takes NULL for a job without containment (unit tests).
 */
#ifndef IPC_LAUNCHER_CONTAIN_H
#define IPC_LAUNCHER_CONTAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct ipcrun__contain {
    int procs_fd;  /* the job cgroup's cgroup.procs (a rank writes "0" to it), or -1 */
    int dir_fd;    /* the job cgroup, or -1 */
    int parent_fd; /* the cgroup it was made in, to remove it */
    char name[64]; /* its name there */
    pid_t guard;   /* the guard process, or 0 */
    int wake_fd;   /* the guard's pipe (write end); closing it, or dying, wakes it */
};

/* Empty, nothing held: what ipcrun__contain_init and _end may be given. */
#define IPCRUN__CONTAIN_NONE                                                             \
    ((struct ipcrun__contain){                                                           \
        .procs_fd = -1, .dir_fd = -1, .parent_fd = -1, .wake_fd = -1})

/* Makes the job's cgroup in ipcrun's own (named after job_id and ipcrun's
 * pid) and starts its guard, when this host allows it; otherwise leaves c
 * empty and ranks are contained by the subreaper alone. Never fails the job.
 * Call after signals are blocked (the guard inherits the mask). */
void ipcrun__contain_init(struct ipcrun__contain *c, const char *job_id);

/* Whether the job has a cgroup. */
bool ipcrun__contain_cgroup(const struct ipcrun__contain *c);

/* Starts a child in the job's cgroup as vfork would (memory shared, the
 * caller suspended until the child execs or exits), on the given stack,
 * running fn(arg), which must not return: clone3 with CLONE_INTO_CGROUP, so
 * that the child needs no migration, whose wait for an RCU grace period is
 * most of what a cgroup costs at start-up. Returns its pid, or -1 with errno
 * (ENOSYS: no cgroup, or not on this kernel or architecture: use vfork and
 * ipcrun__contain_enter). */
pid_t ipcrun__contain_vfork(const struct ipcrun__contain *c, void (*fn)(void *),
                            void *arg, void *stack, size_t stack_size);

/* In a rank's child between vfork and exec (a system call, nothing else):
 * moves the calling process into the job's cgroup. A failure leaves the rank
 * where it is (contained by the subreaper only). */
void ipcrun__contain_enter(const struct ipcrun__contain *c);

/* Whether pid is the guard (not something a rank left behind). */
bool ipcrun__contain_is_guard(const struct ipcrun__contain *c, pid_t pid);

/* Whether ipcrun has a child, ended or not, other than the guard. */
bool ipcrun__contain_children_left(const struct ipcrun__contain *c);

/* The guard was reaped (it died): forget it. */
void ipcrun__contain_reaped(struct ipcrun__contain *c, pid_t pid);

/* Kills what is left in the job's cgroup, without waiting: called when the
 * last rank of this host ended, so that what it left does not hold the
 * job's output open. */
void ipcrun__contain_kill(struct ipcrun__contain *c);

/* At the end of the job, every rank reaped and every agent gone: kills
 * whatever the ranks left (the cgroup, and every child of ipcrun but the
 * guard: what it adopted), reaps it, removes the cgroup and ends the guard.
 * Bounded: gives up after a few seconds on a process that cannot die. */
void ipcrun__contain_end(struct ipcrun__contain *c);

#endif /* IPC_LAUNCHER_CONTAIN_H */
