/* test_placement.c - where ranks go: mapping by core, L3 cache and NUMA node
 * and binding to each, on synthetic hwloc topologies (so the answers do not
 * depend on this machine), the messages for what a machine lacks, cpu lists,
 * and oversubscription on the real machine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "placement.h"

#define ERRLEN 512
#define MAX_RANKS 16

/* 2 packages, each with 1 NUMA node and 2 L3 caches of 2 cores of 2 PUs:
 * cores 0-7 hold PUs 2c and 2c+1, L3 cache l holds cores 2l and 2l+1, NUMA
 * node m holds L3 caches 2m and 2m+1. */
#define BIG "pack:2 numa:1 l3:2 core:2 pu:2"
/* 2 packages of 2 cores, nothing else. */
#define PLAIN "pack:2 core:2 pu:1"

struct fixture {
    hwloc_topology_t topo;
    struct ipcrun__rank_place places[MAX_RANKS];
    int n;
};

static int load(void **state, const char *synthetic)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f || hwloc_topology_init(&f->topo) ||
        hwloc_topology_set_synthetic(f->topo, synthetic) || hwloc_topology_load(f->topo))
        return -1;
    *state = f;
    return 0;
}

static int setup_big(void **state)
{
    return load(state, BIG);
}

static int setup_plain(void **state)
{
    return load(state, PLAIN);
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    for (int r = 0; r < f->n; r++)
        hwloc_bitmap_free(f->places[r].cpus);
    hwloc_topology_destroy(f->topo);
    free(f);
    return 0;
}

static void place(struct fixture *f, int n, enum ipcrun__bind_to bind,
                  enum ipcrun__map_by map)
{
    char err[ERRLEN] = "";
    assert_true(n <= MAX_RANKS);
    for (int r = 0; r < f->n; r++)
        hwloc_bitmap_free(f->places[r].cpus);
    f->n = 0;
    if (ipcrun__placement_compute(f->topo, n, bind, map, f->places, err, sizeof err) != 0)
        fail_msg("placement failed: %s", err);
    f->n = n;
}

/* Rank r's cpu set, as a list ("0-1"), and what it is. */
static void expect_place(struct fixture *f, int r, const char *cpus,
                         enum ipcrun__bind_to type, unsigned index)
{
    char list[128];
    hwloc_bitmap_list_snprintf(list, sizeof list, f->places[r].cpus);
    if (strcmp(list, cpus) != 0)
        fail_msg("rank %d: cpus %s, expected %s", r, list, cpus);
    assert_int_equal(f->places[r].obj_type, type);
    assert_int_equal(f->places[r].obj_index, index);
}

static void map_core_bind_core(void **state)
{
    struct fixture *f = *state;
    place(f, 3, IPCRUN__BIND_CORE, IPCRUN__MAP_CORE);
    expect_place(f, 0, "0-1", IPCRUN__BIND_CORE, 0);
    expect_place(f, 1, "2-3", IPCRUN__BIND_CORE, 1);
    expect_place(f, 2, "4-5", IPCRUN__BIND_CORE, 2);
}

/* Ranks go round the L3 caches: consecutive ranks share no cache. */
static void map_l3_bind_core(void **state)
{
    struct fixture *f = *state;
    place(f, 5, IPCRUN__BIND_CORE, IPCRUN__MAP_L3);
    expect_place(f, 0, "0-1", IPCRUN__BIND_CORE, 0);
    expect_place(f, 1, "4-5", IPCRUN__BIND_CORE, 2);
    expect_place(f, 2, "8-9", IPCRUN__BIND_CORE, 4);
    expect_place(f, 3, "12-13", IPCRUN__BIND_CORE, 6);
    expect_place(f, 4, "2-3", IPCRUN__BIND_CORE, 1);
}

static void map_numa_bind_numa(void **state)
{
    struct fixture *f = *state;
    place(f, 3, IPCRUN__BIND_NUMA, IPCRUN__MAP_NUMA);
    expect_place(f, 0, "0-7", IPCRUN__BIND_NUMA, 0);
    expect_place(f, 1, "8-15", IPCRUN__BIND_NUMA, 1);
    expect_place(f, 2, "0-7", IPCRUN__BIND_NUMA, 0);
}

static void map_numa_bind_l3(void **state)
{
    struct fixture *f = *state;
    place(f, 4, IPCRUN__BIND_L3, IPCRUN__MAP_NUMA);
    expect_place(f, 0, "0-3", IPCRUN__BIND_L3, 0);
    expect_place(f, 1, "8-11", IPCRUN__BIND_L3, 2);
    /* The second rank of NUMA node 0 takes its second core, still in L3 0. */
    expect_place(f, 2, "0-3", IPCRUN__BIND_L3, 0);
    expect_place(f, 3, "8-11", IPCRUN__BIND_L3, 2);
}

/* More ranks than cores (but not than PUs): cores are dealt again. */
static void ranks_wrap_around_the_cores(void **state)
{
    struct fixture *f = *state;
    place(f, 10, IPCRUN__BIND_CORE, IPCRUN__MAP_CORE);
    expect_place(f, 7, "14-15", IPCRUN__BIND_CORE, 7);
    expect_place(f, 8, "0-1", IPCRUN__BIND_CORE, 0);
    expect_place(f, 9, "2-3", IPCRUN__BIND_CORE, 1);
}

static void describe_bound_ranks(void **state)
{
    struct fixture *f = *state;
    place(f, 2, IPCRUN__BIND_L3, IPCRUN__MAP_L3);
    struct ipcrun__placement p = {.nranks = 2, .ranks = f->places};
    char line[256];
    ipcrun__placement_describe(&p, 1, line, sizeof line);
    assert_string_equal(line, "bound to cpus 4-7 (L3 cache 1)");
    place(f, 1, IPCRUN__BIND_NUMA, IPCRUN__MAP_CORE);
    p.ranks = f->places;
    ipcrun__placement_describe(&p, 0, line, sizeof line);
    assert_string_equal(line, "bound to cpus 0-7 (NUMA node 0)");
}

static void missing_l3_is_explained(void **state)
{
    struct fixture *f = *state;
    struct ipcrun__rank_place places[2];
    char err[ERRLEN];
    assert_int_equal(ipcrun__placement_compute(f->topo, 2, IPCRUN__BIND_CORE,
                                               IPCRUN__MAP_L3, places, err, sizeof err),
                     -1);
    assert_string_equal(err, "--map-by l3: hwloc finds no L3 cache with cpus on this "
                             "machine; use --map-by core");
    assert_int_equal(ipcrun__placement_compute(f->topo, 2, IPCRUN__BIND_L3,
                                               IPCRUN__MAP_CORE, places, err, sizeof err),
                     -1);
    assert_string_equal(
        err, "--bind-to l3: hwloc finds no L3 cache around core 0; use --bind-to "
             "core");
    /* The synthetic NUMA node covers every core. */
    place(f, 2, IPCRUN__BIND_NUMA, IPCRUN__MAP_NUMA);
    expect_place(f, 0, "0-3", IPCRUN__BIND_NUMA, 0);
    expect_place(f, 1, "0-3", IPCRUN__BIND_NUMA, 0);
}

static void cpu_lists(void **state)
{
    (void)state;
    size_t size = CPU_ALLOC_SIZE(128);
    cpu_set_t *set = CPU_ALLOC(128);
    char buf[64];
    assert_non_null(set);
    CPU_ZERO_S(size, set);
    ipcrun__placement_cpulist(set, size, buf, sizeof buf);
    assert_string_equal(buf, "");
    int cpus[] = {0, 1, 2, 5, 7, 8, 127};
    for (size_t i = 0; i < sizeof cpus / sizeof cpus[0]; i++)
        CPU_SET_S(cpus[i], size, set);
    ipcrun__placement_cpulist(set, size, buf, sizeof buf);
    assert_string_equal(buf, "0-2,5,7-8,127");
    /* Too small a buffer: cut at a whole entry, still a string. */
    ipcrun__placement_cpulist(set, size, buf, 7);
    assert_string_equal(buf, "0-2,5");
    CPU_FREE(set);
}

/* On this machine: more ranks than cpus is oversubscribed, and binding is
 * then refused; one rank bound to a core gets a mask of that core. */
static void real_machine(void **state)
{
    (void)state;
    struct ipcrun__placement p;
    char err[ERRLEN];
    struct ipcrun__opts o = {.nranks = 1, .bind_to = IPCRUN__BIND_CORE};
    assert_int_equal(ipcrun__placement_init(&p, &o, err, sizeof err), 0);
    int ncpus = p.ncpus;
    assert_true(ncpus >= 1);
    assert_false(p.oversubscribed);
    assert_true(ipcrun__placement_bound(&p));
    cpu_set_t *mask = malloc(p.allowed_size);
    assert_non_null(mask);
    ipcrun__placement_mask(&p, 0, mask);
    assert_int_equal(CPU_COUNT_S(p.allowed_size, mask),
                     hwloc_bitmap_weight(p.ranks[0].cpus));
    free(mask);
    ipcrun__placement_fini(&p);

    o.nranks = ncpus + 1;
    assert_int_equal(ipcrun__placement_init(&p, &o, err, sizeof err), 0);
    assert_true(p.oversubscribed);
    assert_true(p.bind_refused);
    assert_false(ipcrun__placement_bound(&p));
    ipcrun__placement_fini(&p);

    o = (struct ipcrun__opts){.nranks = ncpus};
    assert_int_equal(ipcrun__placement_init(&p, &o, err, sizeof err), 0);
    assert_false(p.oversubscribed);
    assert_false(p.bind_refused);
    assert_false(ipcrun__placement_bound(&p));
    char line[256], want[256], cpus[128];
    ipcrun__placement_cpulist(p.allowed, p.allowed_size, cpus, sizeof cpus);
    snprintf(want, sizeof want, "not bound (cpus %s)", cpus);
    ipcrun__placement_describe(&p, 0, line, sizeof line);
    assert_string_equal(line, want);
    ipcrun__placement_fini(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(map_core_bind_core, setup_big, teardown),
        cmocka_unit_test_setup_teardown(map_l3_bind_core, setup_big, teardown),
        cmocka_unit_test_setup_teardown(map_numa_bind_numa, setup_big, teardown),
        cmocka_unit_test_setup_teardown(map_numa_bind_l3, setup_big, teardown),
        cmocka_unit_test_setup_teardown(ranks_wrap_around_the_cores, setup_big, teardown),
        cmocka_unit_test_setup_teardown(describe_bound_ranks, setup_big, teardown),
        cmocka_unit_test_setup_teardown(missing_l3_is_explained, setup_plain, teardown),
        cmocka_unit_test(cpu_lists),
        cmocka_unit_test(real_machine),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
