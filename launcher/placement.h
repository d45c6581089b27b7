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
struct ipcrun__rank_place {
    hwloc_bitmap_t cpus;        /* the cpu set (OS numbering, as taskset uses) */
    enum ipcrun__bind_to obj_type; /* what the set is: a core, an L3 cache, a NUMA node */
    unsigned obj_index;         /* which one, in hwloc's logical numbering */
};

struct ipcrun__placement {
    int nranks;
    cpu_set_t *allowed; /* ipcrun's own affinity, allowed_size bytes */
    size_t allowed_size;
    int ncpus;             /* cpus in allowed */
    bool oversubscribed;   /* more ranks than ncpus */
    bool bind_refused;     /* binding was asked for but the job is oversubscribed */
    hwloc_topology_t topo; /* loaded only to bind */
    struct ipcrun__rank_place *ranks; /* one per rank when bound, else NULL */
};

/* Decides where the ranks of the job o describes run; loads the topology only
 * when o asks for binding and the job is not oversubscribed. Returns 0; -2
 * when the machine has nothing of what --map-by/--bind-to name (a usage
 * error); -1 when something failed. The reason is then in err, and
 * ipcrun__placement_fini() is still to be called. */
int ipcrun__placement_init(struct ipcrun__placement *p, const struct ipcrun__opts *o,
                           char *err, size_t errlen);
void ipcrun__placement_fini(struct ipcrun__placement *p);

/* Computes the binding of n ranks on topo (pure: no system calls), filling
 * out[0..n). Returns 0, or -1 with the reason in err (out is then released).
 * bind must not be IPCRUN__BIND_NONE. */
int ipcrun__placement_compute(hwloc_topology_t topo, int n, enum ipcrun__bind_to bind,
                              enum ipcrun__map_by map, struct ipcrun__rank_place *out,
                              char *err, size_t errlen);

/* Whether ranks get a cpu set each. */
static inline bool ipcrun__placement_bound(const struct ipcrun__placement *p)
{
    return p->ranks != NULL;
}

/* Writes rank r's cpu set into mask, p->allowed_size bytes (for
 * sched_setaffinity). Only when bound. */
void ipcrun__placement_mask(const struct ipcrun__placement *p, int r, cpu_set_t *mask);

/* What --report-bindings says of rank r after its pid: "bound to cpus 0-3
 * (L3 cache 1)" or "not bound (cpus 0-7)". */
void ipcrun__placement_describe(const struct ipcrun__placement *p, int r, char *buf,
                                size_t len);

/* Writes a cpu list such as "0-3,8" (at most len bytes, always terminated). */
void ipcrun__placement_cpulist(const cpu_set_t *set, size_t size, char *buf, size_t len);

#endif /* IPC_LAUNCHER_PLACEMENT_H */
