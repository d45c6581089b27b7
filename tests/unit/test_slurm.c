/* test_slurm.c - the Slurm allocation as ipcrun reads it (SLURM_JOB_NODELIST
 * in its compressed form, SLURM_TASKS_PER_NODE with repeats, and every
 * message for what it cannot read), and the node of each rank as libipc
 * reads it from PMI-2's PMI_process_mapping (block and cyclic layouts). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "boot/boot.h"
#include "slurm.h"

#define ERRLEN 512

static void expect_hosts(const char *nodelist, const char *tasks, const char *want)
{
    struct ipcrun__hosts hosts = {0};
    char err[ERRLEN] = "", got[1024] = "";
    size_t len = 0;
    assert_int_equal(ipcrun__slurm_hosts(nodelist, tasks, &hosts, err, ERRLEN), 0);
    for (int i = 0; i < hosts.n; i++)
        len += (size_t)snprintf(got + len, sizeof got - len, "%s%s:%d", i ? "," : "",
                                hosts.v[i].name, hosts.v[i].slots);
    assert_string_equal(got, want);
    ipcrun__hosts_free(&hosts);
}

static void expect_refused(const char *nodelist, const char *tasks, const char *want)
{
    struct ipcrun__hosts hosts = {0};
    char err[ERRLEN] = "";
    assert_int_equal(ipcrun__slurm_hosts(nodelist, tasks, &hosts, err, ERRLEN), -1);
    if (!strstr(err, want))
        fail_msg("'%s' does not contain '%s'", err, want);
    ipcrun__hosts_free(&hosts);
}

static void allocations(void **state)
{
    (void)state;
    expect_hosts("n1", "4", "n1:4");
    expect_hosts("n1,n2", "2(x2)", "n1:2,n2:2");
    expect_hosts("node[01-03,07]", "2(x3),1", "node01:2,node02:2,node03:2,node07:1");
    expect_hosts("a[8-11]-ib,login", "1(x4),3",
                 "a8-ib:1,a9-ib:1,a10-ib:1,a11-ib:1,login:3");
    expect_hosts("gpu[9],cpu[001-002]", "4,8(x2)", "gpu9:4,cpu001:8,cpu002:8");
}

static void refused(void **state)
{
    (void)state;
    expect_refused("n[1-2]", "2(x3)",
                   "names 2 nodes but SLURM_TASKS_PER_NODE='2(x3)' counts 3");
    expect_refused("n[1-3]", "2(x2)",
                   "names more nodes than SLURM_TASKS_PER_NODE counts (2)");
    expect_refused("n1", "", "SLURM_TASKS_PER_NODE='' is not a list");
    expect_refused("n1", NULL, "SLURM_TASKS_PER_NODE='' is not a list");
    expect_refused("n1", "2(x", "SLURM_TASKS_PER_NODE='2(x' is not a list");
    expect_refused("n1", "0", "is not a list");
    expect_refused("n[3-1]", "1", "SLURM_JOB_NODELIST: cannot read 'n[3-1]'");
    expect_refused("n[1-2", "1", "cannot read 'n[1-2'");
    expect_refused("r[1-2]n[1-2]", "1(x4)", "one [range] per name");
}

static void expect_mapping(const char *mapping, int size, const char *want)
{
    char *got = NULL;
    assert_int_equal(ipc__pmi2_parse_mapping(mapping, size, &got), 0);
    assert_string_equal(got, want);
    free(got);
}

static void mappings(void **state)
{
    (void)state;
    expect_mapping("(vector,(0,1,4))", 4, "0,0,0,0");
    expect_mapping("(vector,(0,2,2))", 4, "0,0,1,1");
    expect_mapping("(vector,(0,2,3),(2,1,1))", 7, "0,0,0,1,1,1,2");
    /* srun -m cyclic: one rank per node, over and over */
    expect_mapping("(vector,(0,3,1))", 7, "0,1,2,0,1,2,0");
    char *got = NULL;
    assert_int_equal(ipc__pmi2_parse_mapping("", 2, &got), -1);
    assert_int_equal(ipc__pmi2_parse_mapping("(vector,)", 2, &got), -1);
    assert_int_equal(ipc__pmi2_parse_mapping("(vector,(0,0,1))", 2, &got), -1);
    assert_int_equal(ipc__pmi2_parse_mapping("(vector,(0,1,1)", 2, &got), -1);
    assert_null(got);
}

static void expect_bad_mapping(const char *mapping, int size)
{
    char *got = NULL;
    assert_int_equal(ipc__pmi2_parse_mapping(mapping, size, &got), -1);
    assert_null(got);
}

/* What fuzzing found: node numbers wider than the 8 digits the text was sized
 * for wrote past it; more than 64 blocks, fields that overflow an int, and
 * text after the vector must be refused, not guessed at. */
static void crafted_mappings(void **state)
{
    (void)state;
    expect_mapping("(vector,(2147483646,1,3))", 3, "2147483646,2147483646,2147483646");
    expect_mapping("(vector,(1000000000,2,1))", 5,
                   "1000000000,1000000001,1000000000,1000000001,1000000000");
    /* 100 blocks of one rank each: all of them count */
    char many[2048] = "(vector";
    char want[1024] = "";
    for (int i = 0; i < 100; i++) {
        snprintf(many + strlen(many), sizeof many - strlen(many), ",(%d,1,1)", i);
        snprintf(want + strlen(want), sizeof want - strlen(want), "%s%d", i ? "," : "",
                 i);
    }
    strcat(many, ")");
    expect_mapping(many, 100, want);
    expect_bad_mapping("(vector,(2147483647,2,1))", 2);  /* node past INT_MAX */
    expect_bad_mapping("(vector,(99999999999,1,1))", 1); /* does not fit an int */
    expect_bad_mapping("(vector,(0,1,99999999999))", 1);
    expect_bad_mapping("(vector,(-1,1,1))", 1);
    expect_bad_mapping("(vector,(0,1,1))junk", 1);
    expect_bad_mapping("junk(vector,(0,1,1))", 1);
    expect_bad_mapping("(vector,(0,1,1),)", 1);
    expect_bad_mapping("(vector,(0,1,1)(0,1,1))", 1);
    expect_bad_mapping("(vector,(0,1,1", 1);
    expect_bad_mapping("(vector,(0,1,1,1))", 1);
    expect_bad_mapping("(vector,( 0,1,1))", 1);
    expect_bad_mapping("(vector,(+0,1,1))", 1);
    expect_bad_mapping("(vector,(0,1,1))", 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(allocations),
        cmocka_unit_test(refused),
        cmocka_unit_test(mappings),
        cmocka_unit_test(crafted_mappings),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
