/* placement.c - counting cpus, oversubscription and binding (see placement.h). */
#include "placement.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* hwloc plugins that look for I/O devices: ipcrun places ranks on cpus only,
 * and loading them costs more than the rest of the topology. */
#define SKIPPED_PLUGINS                                                                  \
    "hwloc_pci,hwloc_opencl,hwloc_gl,hwloc_cuda,hwloc_nvml,hwloc_rsmi,hwloc_levelzero"

static const char *const obj_names[] = {
    [IPCRUN__BIND_NONE] = "machine",
    [IPCRUN__BIND_CORE] = "core",
    [IPCRUN__BIND_L3] = "L3 cache",
    [IPCRUN__BIND_NUMA] = "NUMA node",
};

static const char *const map_option_names[] = {
    [IPCRUN__MAP_CORE] = "core",
    [IPCRUN__MAP_L3] = "l3",
    [IPCRUN__MAP_NUMA] = "numa",
};

/* ---- ipcrun's own cpus ---- */

static int read_affinity(struct ipcrun__placement *p)
{
    long conf = sysconf(_SC_NPROCESSORS_CONF);
    int ncpu = conf > 1024 ? (int)conf : 1024;
    for (;; ncpu *= 2) {
        size_t size = CPU_ALLOC_SIZE(ncpu);
        cpu_set_t *set = CPU_ALLOC(ncpu);
        if (!set)
            return -ENOMEM;
        if (sched_getaffinity(0, size, set) == 0) {
            p->allowed = set;
            p->allowed_size = size;
            p->ncpus = CPU_COUNT_S(size, set);
            return 0;
        }
        int e = errno;
        CPU_FREE(set);
        if (e != EINVAL || ncpu > (1 << 20))
            return -e;
    }
}

void ipcrun__placement_cpulist(const cpu_set_t *set, size_t size, char *buf, size_t len)
{
    int ncpu = (int)(size * 8);
    size_t used = 0;
    buf[0] = '\0';
    for (int c = 0; c < ncpu; c++) {
        if (!CPU_ISSET_S(c, size, set))
            continue;
        int end = c;
        while (end + 1 < ncpu && CPU_ISSET_S(end + 1, size, set))
            end++;
        int k = end == c ? snprintf(buf + used, len - used, "%s%d", used ? "," : "", c)
                         : snprintf(buf + used, len - used, "%s%d-%d", used ? "," : "", c,
                                    end);
        if (k < 0 || (size_t)k >= len - used) {
            buf[used] = '\0'; /* cut after the last whole entry */
            return;
        }
        used += (size_t)k;
        c = end;
    }
}

/* ---- mapping and binding on a topology ---- */

/* Cores of the topology in logical order; PUs when it shows no cores. */
static int core_depth(hwloc_topology_t topo)
{
    int depth = hwloc_get_type_depth(topo, HWLOC_OBJ_CORE);
    return depth >= 0 ? depth : hwloc_get_type_depth(topo, HWLOC_OBJ_PU);
}

static hwloc_obj_type_t hwloc_type_of_map(enum ipcrun__map_by map)
{
    switch (map) {
    case IPCRUN__MAP_L3:
        return HWLOC_OBJ_L3CACHE;
    case IPCRUN__MAP_NUMA:
        return HWLOC_OBJ_NUMANODE;
    case IPCRUN__MAP_CORE:
        break;
    }
    return HWLOC_OBJ_CORE;
}

/* The object of type `type` whose cpus include core's, or NULL. NUMA nodes
 * are not ancestors of cores in hwloc 2, so cpu sets decide. */
static hwloc_obj_t enclosing(hwloc_topology_t topo, hwloc_obj_type_t type,
                             hwloc_obj_t core)
{
    if (type == HWLOC_OBJ_CORE)
        return core;
    hwloc_obj_t obj = NULL;
    while ((obj = hwloc_get_next_obj_by_type(topo, type, obj)) != NULL)
        if (obj->cpuset && hwloc_bitmap_isincluded(core->cpuset, obj->cpuset))
            return obj;
    return NULL;
}

/* Groups the cores by map domain: cores[] lists them domain after domain,
 * first[d]..first[d+1] being domain d's. Returns the number of domains that
 * have cores, or -1 when the topology has no domain of that type. */
static int group_cores(hwloc_topology_t topo, enum ipcrun__map_by map, hwloc_obj_t *cores,
                       int *first)
{
    int depth = core_depth(topo);
    int ncores = hwloc_get_nbobjs_by_depth(topo, (unsigned)depth);
    hwloc_obj_type_t type = hwloc_type_of_map(map);

    if (map == IPCRUN__MAP_CORE) {
        for (int c = 0; c < ncores; c++) {
            cores[c] = hwloc_get_obj_by_depth(topo, (unsigned)depth, (unsigned)c);
            first[c] = c;
        }
        first[ncores] = ncores;
        return ncores;
    }
    int ndom = 0, k = 0;
    hwloc_obj_t dom = NULL;
    while ((dom = hwloc_get_next_obj_by_type(topo, type, dom)) != NULL) {
        first[ndom] = k;
        for (int c = 0; c < ncores; c++) {
            hwloc_obj_t core = hwloc_get_obj_by_depth(topo, (unsigned)depth, (unsigned)c);
            if (dom->cpuset && hwloc_bitmap_isincluded(core->cpuset, dom->cpuset) &&
                enclosing(topo, type, core) == dom)
                cores[k++] = core;
        }
        if (k > first[ndom])
            ndom++;
    }
    first[ndom] = k;
    return ndom > 0 ? ndom : -1;
}

static hwloc_obj_type_t hwloc_type_of_bind(enum ipcrun__bind_to bind)
{
    switch (bind) {
    case IPCRUN__BIND_L3:
        return HWLOC_OBJ_L3CACHE;
    case IPCRUN__BIND_NUMA:
        return HWLOC_OBJ_NUMANODE;
    case IPCRUN__BIND_CORE:
    case IPCRUN__BIND_NONE:
        break;
    }
    return HWLOC_OBJ_CORE;
}

static void release(struct ipcrun__rank_place *out, int n)
{
    for (int r = 0; r < n; r++) {
        hwloc_bitmap_free(out[r].cpus);
        out[r].cpus = NULL;
    }
}

int ipcrun__placement_compute(hwloc_topology_t topo, int n, enum ipcrun__bind_to bind,
                              enum ipcrun__map_by map, struct ipcrun__rank_place *out,
                              char *err, size_t errlen)
{
    int depth = core_depth(topo);
    int ncores = depth >= 0 ? hwloc_get_nbobjs_by_depth(topo, (unsigned)depth) : 0;
    hwloc_obj_t *cores = calloc((size_t)ncores + 1, sizeof *cores);
    int *first = calloc((size_t)ncores + 2, sizeof *first);
    int rc = -1, done = 0;

    if (!cores || !first) {
        snprintf(err, errlen, "out of memory placing %d ranks", n);
        goto out;
    }
    int ndom = ncores > 0 ? group_cores(topo, map, cores, first) : -1;
    if (ndom < 0) {
        snprintf(err, errlen,
                 "--map-by %s: hwloc finds no %s with cpus on this machine; use "
                 "--map-by core",
                 map_option_names[map],
                 obj_names[map == IPCRUN__MAP_L3 ? IPCRUN__BIND_L3 : IPCRUN__BIND_NUMA]);
        goto out;
    }
    for (; done < n; done++) {
        int d = done % ndom, size = first[d + 1] - first[d];
        hwloc_obj_t core = cores[first[d] + (done / ndom) % size];
        hwloc_obj_t obj = enclosing(topo, hwloc_type_of_bind(bind), core);
        if (!obj) {
            snprintf(err, errlen,
                     "--bind-to %s: hwloc finds no %s around core %u; use --bind-to core",
                     bind == IPCRUN__BIND_L3 ? "l3" : "numa", obj_names[bind],
                     core->logical_index);
            goto out;
        }
        out[done] = (struct ipcrun__rank_place){.cpus = hwloc_bitmap_dup(obj->cpuset),
                                                .obj_type = bind,
                                                .obj_index = obj->logical_index};
        if (!out[done].cpus) {
            snprintf(err, errlen, "out of memory placing %d ranks", n);
            goto out;
        }
    }
    rc = 0;
out:
    if (rc != 0)
        release(out, done);
    free(cores);
    free(first);
    return rc;
}

/* ---- the real machine ---- */

/* The topology of the cpus ipcrun may use, with only what placement needs. */
static int load_topology(struct ipcrun__placement *p, char *err, size_t errlen)
{
    bool set_env = getenv("HWLOC_PLUGINS_BLACKLIST") == NULL;
    /* hwloc reads this while it initializes; ranks must not inherit it. */
    if (set_env)
        setenv("HWLOC_PLUGINS_BLACKLIST", SKIPPED_PLUGINS, 1);
    int rc = hwloc_topology_init(&p->topo);
    if (set_env)
        unsetenv("HWLOC_PLUGINS_BLACKLIST");
    if (rc != 0) {
        p->topo = NULL;
        snprintf(err, errlen, "cannot initialize hwloc: %s", strerror(errno));
        return -1;
    }
    hwloc_topology_set_all_types_filter(p->topo, HWLOC_TYPE_FILTER_KEEP_NONE);
    hwloc_topology_set_type_filter(p->topo, HWLOC_OBJ_PACKAGE,
                                   HWLOC_TYPE_FILTER_KEEP_ALL);
    hwloc_topology_set_type_filter(p->topo, HWLOC_OBJ_CORE, HWLOC_TYPE_FILTER_KEEP_ALL);
    hwloc_topology_set_type_filter(p->topo, HWLOC_OBJ_L3CACHE,
                                   HWLOC_TYPE_FILTER_KEEP_ALL);
    hwloc_topology_set_type_filter(p->topo, HWLOC_OBJ_NUMANODE,
                                   HWLOC_TYPE_FILTER_KEEP_ALL);
    if (hwloc_topology_load(p->topo) != 0) {
        snprintf(err, errlen, "cannot read this machine's topology with hwloc: %s",
                 strerror(errno));
        return -1;
    }
    /* Ranks stay within ipcrun's own cpus (taskset, numactl). */
    hwloc_bitmap_t mine = hwloc_bitmap_alloc();
    if (!mine)
        return -1;
    int ncpu = (int)(p->allowed_size * 8);
    for (int c = 0; c < ncpu; c++)
        if (CPU_ISSET_S(c, p->allowed_size, p->allowed))
            hwloc_bitmap_set(mine, (unsigned)c);
    rc = 0;
    if (!hwloc_bitmap_isequal(mine, hwloc_topology_get_topology_cpuset(p->topo)) &&
        hwloc_topology_restrict(p->topo, mine, 0) != 0) {
        snprintf(err, errlen, "cannot restrict the topology to ipcrun's cpus: %s",
                 strerror(errno));
        rc = -1;
    }
    hwloc_bitmap_free(mine);
    return rc;
}

int ipcrun__placement_init(struct ipcrun__placement *p, const struct ipcrun__opts *o,
                           char *err, size_t errlen)
{
    *p = (struct ipcrun__placement){.nranks = o->nranks};
    int rc = read_affinity(p);
    if (rc < 0) {
        snprintf(err, errlen, "cannot read ipcrun's cpu affinity: %s", strerror(-rc));
        return -1;
    }
    p->oversubscribed = o->nranks > p->ncpus;
    if (o->bind_to == IPCRUN__BIND_NONE)
        return 0;
    if (p->oversubscribed) {
        p->bind_refused = true;
        return 0;
    }
    if (load_topology(p, err, errlen) != 0)
        return -1;
    p->ranks = calloc((size_t)o->nranks, sizeof *p->ranks);
    if (!p->ranks) {
        snprintf(err, errlen, "out of memory placing %d ranks", o->nranks);
        return -1;
    }
    if (ipcrun__placement_compute(p->topo, o->nranks, o->bind_to, o->map_by, p->ranks,
                                  err, errlen) != 0) {
        free(p->ranks);
        p->ranks = NULL;
        return -2;
    }
    return 0;
}

void ipcrun__placement_fini(struct ipcrun__placement *p)
{
    if (p->ranks) {
        release(p->ranks, p->nranks);
        free(p->ranks);
    }
    if (p->topo)
        hwloc_topology_destroy(p->topo);
    if (p->allowed)
        CPU_FREE(p->allowed);
    *p = (struct ipcrun__placement){0};
}

void ipcrun__placement_mask(const struct ipcrun__placement *p, int r, cpu_set_t *mask)
{
    unsigned cpu;
    CPU_ZERO_S(p->allowed_size, mask);
    hwloc_bitmap_foreach_begin(cpu, p->ranks[r].cpus)
    {
        if (cpu < p->allowed_size * 8)
            CPU_SET_S(cpu, p->allowed_size, mask);
    }
    hwloc_bitmap_foreach_end();
}

void ipcrun__placement_describe(const struct ipcrun__placement *p, int r, char *buf,
                                size_t len)
{
    char cpus[256];
    if (!ipcrun__placement_bound(p)) {
        ipcrun__placement_cpulist(p->allowed, p->allowed_size, cpus, sizeof cpus);
        snprintf(buf, len, "not bound (cpus %s)", cpus);
        return;
    }
    const struct ipcrun__rank_place *rp = &p->ranks[r];
    hwloc_bitmap_list_snprintf(cpus, sizeof cpus, rp->cpus);
    snprintf(buf, len, "bound to cpus %s (%s %u)", cpus, obj_names[rp->obj_type],
             rp->obj_index);
}
