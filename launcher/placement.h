/*
 * placement.h - where the ranks of a job run.
 *
 * ipcrun counts the cpus it may use itself (its affinity mask, as taskset or a
 * cgroup set it); more ranks than that is oversubscription, which is allowed:
 * the ranks are then left unbound and told so (IPC_OVERSUBSCRIBED=1) so that
 * they sleep instead of spinning while they wait. Otherwise, with --bind-to,
 * the machine's topology is loaded once, with hwloc, and every rank gets a
 * cpu set: ranks are dealt in turn to the --map-by domains (cores, L3 caches
 * or NUMA nodes), take the next core of their domain, and are bound to that
 * core or to the L3 cache or NUMA node around it.
 */
#ifndef IPC_LAUNCHER_PLACEMENT_H
#define IPC_LAUNCHER_PLACEMENT_H

#include <hwloc.h>
#include <sched.h>
#include <stdbool.h>
#include <stddef.h>

#include "options.h"

/* Where one rank is bound. */
struct ipc__rank_place {
    hwloc_bitmap_t cpus;        /* the cpu set (OS numbering, as taskset uses) */
    enum ipc__bind_to obj_type; /* what the set is: a core, an L3 cache, a NUMA node */
    unsigned obj_index;         /* which one, in hwloc's logical numbering */
};

struct ipc__placement {
    int nranks;
    cpu_set_t *allowed; /* ipcrun's own affinity, allowed_size bytes */
    size_t allowed_size;
    int ncpus;             /* cpus in allowed */
    bool oversubscribed;   /* more ranks than ncpus */
    bool bind_refused;     /* binding was asked for but the job is oversubscribed */
    hwloc_topology_t topo; /* loaded only to bind */
    struct ipc__rank_place *ranks; /* one per rank when bound, else NULL */
};

/* Decides where the ranks of the job o describes run; loads the topology only
 * when o asks for binding and the job is not oversubscribed. Returns 0; -2
 * when the machine has nothing of what --map-by/--bind-to name (a usage
 * error); -1 when something failed. The reason is then in err, and
 * ipc__placement_fini() is still to be called. */
int ipc__placement_init(struct ipc__placement *p, const struct ipc__opts *o, char *err,
                        size_t errlen);
void ipc__placement_fini(struct ipc__placement *p);

/* Computes the binding of n ranks on topo (pure: no system calls), filling
 * out[0..n). Returns 0, or -1 with the reason in err (out is then released).
 * bind must not be IPC__BIND_NONE. */
int ipc__placement_compute(hwloc_topology_t topo, int n, enum ipc__bind_to bind,
                           enum ipc__map_by map, struct ipc__rank_place *out, char *err,
                           size_t errlen);

/* Whether ranks get a cpu set each. */
static inline bool ipc__placement_bound(const struct ipc__placement *p)
{
    return p->ranks != NULL;
}

/* Writes rank r's cpu set into mask, p->allowed_size bytes (for
 * sched_setaffinity). Only when bound. */
void ipc__placement_mask(const struct ipc__placement *p, int r, cpu_set_t *mask);

/* What --report-bindings says of rank r after its pid: "bound to cpus 0-3
 * (L3 cache 1)" or "not bound (cpus 0-7)". */
void ipc__placement_describe(const struct ipc__placement *p, int r, char *buf,
                             size_t len);

/* Writes a cpu list such as "0-3,8" (at most len bytes, always terminated). */
void ipc__placement_cpulist(const cpu_set_t *set, size_t size, char *buf, size_t len);

#endif /* IPC_LAUNCHER_PLACEMENT_H */
