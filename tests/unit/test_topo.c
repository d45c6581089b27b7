/* test_topo.c - where ranks are and how pairs talk: parsing IPC_NODE_OF,
 * local indices, the transport of each pair, the transports a job connects,
 * and the table --report-transports prints (matrix, and by node past 64
 * ranks). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"

#define MAX_RANKS 100

struct fixture {
    int node_of[MAX_RANKS], local_index[MAX_RANKS];
    struct ipc__job job;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    unsetenv("IPC_TRANSPORT");
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    unsetenv("IPC_TRANSPORT");
    free(*state);
    return 0;
}

/* A job of rank 0 with the given nodes and local transport. */
static struct ipc__job *job_of(struct fixture *f, const char *nodes,
                               const struct ipc__transport_ops *local, bool forced)
{
    char why[200];
    int size = 1;
    for (const char *p = nodes; *p; p++)
        size += *p == ',';
    assert_int_equal(ipc__topo_parse(nodes, size, f->node_of, why, sizeof why), 0);
    ipc__topo_locals(f->node_of, size, f->local_index);
    f->job = (struct ipc__job){
        .size = size, .node_of = f->node_of, .local_index = f->local_index};
    ipc__topo_choose(&f->job, local, forced);
    return &f->job;
}

static void parse_fails(int size, const char *s, const char *want)
{
    int node_of[8];
    char why[200] = "";
    assert_int_equal(ipc__topo_parse(s, size, node_of, why, sizeof why), -1);
    assert_string_equal(why, want);
}

static void parse_takes_one_index_per_rank(void **state)
{
    (void)state;
    int node_of[6];
    char why[200];
    assert_int_equal(ipc__topo_parse("0,1,2,0,1,16777216", 6, node_of, why, sizeof why),
                     0);
    assert_int_equal(node_of[2], 2);
    assert_int_equal(node_of[5], 16777216);
    assert_int_equal(ipc__topo_parse("7", 1, node_of, why, sizeof why), 0);
    assert_int_equal(node_of[0], 7);
}

static void parse_refuses_what_is_not_one_index_per_rank(void **state)
{
    (void)state;
    parse_fails(4, "0,0,1",
                "IPC_NODE_OF has 3 entries but the job has 4 ranks (IPC_SIZE); give one "
                "node index per rank, in rank order, e.g. 0,0,1,1");
    parse_fails(
        1, "0,0",
        "IPC_NODE_OF has 2 entries but the job has 1 rank (IPC_SIZE); give one node "
        "index per rank, in rank order, e.g. 0,0,1,1");
    parse_fails(8, "0,0,0,0,0,0,0,0,1",
                "IPC_NODE_OF has 9 entries but the job has 8 ranks (IPC_SIZE); give one "
                "node index per rank, in rank order, e.g. 0,0,1,1");
    const char *tail = " is not a node index (0 to 16777216); give one per rank, in rank "
                       "order, e.g. 0,0,1,1";
    struct {
        const char *in, *entry;
    } bad[] = {
        {"0,x,1,1", "entry 2 ('x')"},
        {"0,,1,1", "entry 2 ('')"},
        {"", "entry 1 ('')"},
        {"0,0,1,1,", "entry 5 ('')"},
        {"-1,0,0,0", "entry 1 ('-1')"},
        {"0, 0,1,1", "entry 2 (' 0')"},
        {"0,1a,1,1", "entry 2 ('1a')"},
        {"16777217,0,0,0", "entry 1 ('16777217')"},
        {"99999999999999999999999,0,0,0", "entry 1 ('99999999999999999999')"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[200];
        snprintf(want, sizeof want, "IPC_NODE_OF: %s%s", bad[i].entry, tail);
        parse_fails(4, bad[i].in, want);
    }
}

static void local_index_counts_earlier_ranks_of_the_node(void **state)
{
    (void)state;
    int node_of[] = {0, 1, 2, 0, 1, 2, 5}, local[7];
    ipc__topo_locals(node_of, 7, local);
    int want[] = {0, 0, 0, 1, 1, 1, 0};
    assert_memory_equal(local, want, sizeof want);
    assert_int_equal(ipc__topo_node_size(node_of, 7, 2), 2);
    assert_int_equal(ipc__topo_node_size(node_of, 7, 5), 1);
    assert_int_equal(ipc__topo_node_size(node_of, 7, 3), 0);
}

static void pairs_use_local_within_and_tcp_across(void **state)
{
    struct ipc__job *job = job_of(*state, "0,0,1,1,1", &ipc__transport_shm, false);
    assert_int_equal(job->nnodes, 2);
    assert_null(ipc__pair_transport(job, 3, 3));
    assert_ptr_equal(ipc__pair_transport(job, 0, 1), &ipc__transport_shm);
    assert_ptr_equal(ipc__pair_transport(job, 4, 2), &ipc__transport_shm);
    assert_ptr_equal(ipc__pair_transport(job, 1, 2), &ipc__transport_tcp);
    assert_ptr_equal(ipc__pair_transport(job, 4, 0), &ipc__transport_tcp);
    assert_int_equal(job->nused, 2); /* connected in this order */
    assert_ptr_equal(job->used[0], &ipc__transport_shm);
    assert_ptr_equal(job->used[1], &ipc__transport_tcp);
}

static void used_transports_follow_the_pairs(void **state)
{
    /* One node: no tcp. */
    struct ipc__job *job = job_of(*state, "3,3,3", &ipc__transport_unix, true);
    assert_int_equal(job->nnodes, 1);
    assert_int_equal(job->nused, 1);
    assert_ptr_equal(job->used[0], &ipc__transport_unix);
    /* A node each: no local transport, though every rank calls tcp's. */
    job = job_of(*state, "0,1,2", &ipc__transport_shm, false);
    assert_int_equal(job->nused, 1);
    assert_ptr_equal(job->used[0], &ipc__transport_tcp);
    /* tcp for everything: connected once. */
    job = job_of(*state, "0,0,1", &ipc__transport_tcp, true);
    assert_int_equal(job->nused, 1);
    assert_ptr_equal(ipc__pair_transport(job, 0, 1), &ipc__transport_tcp);
    /* A job of one: nothing. */
    job = job_of(*state, "0", &ipc__transport_shm, false);
    assert_int_equal(job->nused, 0);
}

static void each_used_transport_has_one_instance(void **state)
{
    struct ipc__job *job = job_of(*state, "0,0,1,1,1", &ipc__transport_unix, true);
    assert_int_equal(job->nused, 2);
    for (int i = 0; i < job->nused; i++) {
        assert_ptr_equal(job->transports[i].ops, job->used[i]);
        assert_null(job->transports[i].priv); /* connect() fills it */
        assert_ptr_equal(ipc__job_transport(job, job->used[i]), &job->transports[i]);
    }
    assert_null(ipc__job_transport(job, &ipc__transport_shm));
    job = job_of(*state, "0", &ipc__transport_shm, false);
    assert_null(ipc__job_transport(job, &ipc__transport_shm));
}

/* The kind of link decides how the progress engine serves it, and with it
 * which members a table must have (docs/transports.md). */
static void tables_have_the_members_of_their_kind(void **state)
{
    (void)state;
    for (size_t i = 0; ipc__transport_at(i); i++) {
        const struct ipc__transport_ops *t = ipc__transport_at(i);
        assert_non_null(t->name);
        assert_non_null(t->probe);
        assert_non_null(t->connect);
        assert_non_null(t->writev);
        assert_non_null(t->close);
        if (t->kind == IPC__LINK_MEMORY) {
            assert_non_null(t->peek);
            assert_non_null(t->consume);
            assert_non_null(t->arm);
            assert_non_null(t->sleep);
            assert_non_null(t->disarm);
        } else {
            assert_int_equal(t->kind, IPC__LINK_STREAM);
            assert_non_null(t->read);
            assert_null(t->peek);
            assert_null(t->arm);
        }
        /* Direct access: all three members or none. */
        assert_true(!t->can_access == !t->get && !t->get == !t->put);
        assert_ptr_equal(ipc__transport_find(t->name), t);
    }
    assert_int_equal(ipc__transport_shm.kind, IPC__LINK_MEMORY);
    assert_int_equal(ipc__transport_tcp.kind, IPC__LINK_STREAM);
}

/* What ipc__topo_report prints. */
static char *report(const struct ipc__job *job)
{
    static char text[8192];
    text[0] = '\0';
    FILE *f = fmemopen(text, sizeof text, "w");
    assert_non_null(f);
    ipc__topo_report(job, f);
    fclose(f);
    return text;
}

/* The report of a job with these nodes and this transport within a node
 * (named by IPC_TRANSPORT when forced) is `want`. */
static void report_is(void **state, const char *nodes,
                      const struct ipc__transport_ops *local, bool forced,
                      const char *want)
{
    if (forced)
        setenv("IPC_TRANSPORT", local->name, 1);
    assert_string_equal(report(job_of(*state, nodes, local, forced)), want);
    unsetenv("IPC_TRANSPORT");
}

static void report_is_a_matrix_with_why(void **state)
{
    report_is(state, "0,0,1,1", &ipc__transport_shm, false,
              "ipc: transport of each pair of the 4 ranks on 2 nodes (row: rank, column: "
              "peer):\n"
              "ipc:   0 (node 0)  .stt\n"
              "ipc:   1 (node 0)  s.tt\n"
              "ipc:   2 (node 1)  tt.s\n"
              "ipc:   3 (node 1)  tts.\n"
              "ipc: s = shm (same node), t = tcp (other node), . = self\n");
    report_is(state, "0,1,0", &ipc__transport_unix, true,
              "ipc: transport of each pair of the 3 ranks on 2 nodes (row: rank, column: "
              "peer):\n"
              "ipc:   0 (node 0)  .tu\n"
              "ipc:   1 (node 1)  t.t\n"
              "ipc:   2 (node 0)  ut.\n"
              "ipc: u = unix (same node, forced by IPC_TRANSPORT=unix), t = tcp (other "
              "node), . = self\n");
    report_is(state, "0,0", &ipc__transport_tcp, true,
              "ipc: transport of each pair of the 2 ranks on 1 node (row: rank, column: "
              "peer):\n"
              "ipc:   0 (node 0)  .t\n"
              "ipc:   1 (node 0)  t.\n"
              "ipc: t = tcp (every pair, forced by IPC_TRANSPORT=tcp), . = self\n");
    report_is(state, "4", &ipc__transport_shm, false, "");
}

static void report_groups_columns_by_eight(void **state)
{
    struct ipc__job *job =
        job_of(*state, "0,0,0,0,0,0,0,0,0,0,12", &ipc__transport_shm, false);
    const char *text = report(job);
    assert_non_null(strstr(text, "\nipc:    0 (node  0)  .sssssss sst\n"));
    assert_non_null(strstr(text, "\nipc:   10 (node 12)  tttttttt tt.\n"));
}

static void report_goes_by_node_past_64_ranks(void **state)
{
    struct fixture *f = *state;
    char nodes[MAX_RANKS * 3] = "";
    size_t len = 0;
    /* 65 ranks: 0-29 on node 0, then odd ranks on node 1 and even on node
     * 2, but rank 64 alone on node 3. */
    for (int r = 0; r < 65; r++)
        len += (size_t)snprintf(nodes + len, sizeof nodes - len, "%s%d", r ? "," : "",
                                r < 30    ? 0
                                : r == 64 ? 3
                                : r % 2   ? 1
                                          : 2);
    struct ipc__job *job = job_of(f, nodes, &ipc__transport_shm, false);
    assert_string_equal(
        report(job),
        "ipc: transports of the 65 ranks on 4 nodes, by node:\n"
        "ipc:   node 0: 30 ranks (0-29): shm among them, tcp to the 35 others\n"
        "ipc:   node 2: 17 ranks (30,32,34,36,38,40,42,44,46,48,50,52,54,56,...): shm "
        "among them, tcp to the 48 others\n"
        "ipc:   node 1: 17 ranks (31,33,35,37,39,41,43,45,47,49,51,53,55,57,...): shm "
        "among them, tcp to the 48 others\n"
        "ipc:   node 3: 1 rank (64): tcp to the 64 others\n"
        "ipc: shm (same node), tcp (other node)\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_takes_one_index_per_rank),
        cmocka_unit_test(parse_refuses_what_is_not_one_index_per_rank),
        cmocka_unit_test(local_index_counts_earlier_ranks_of_the_node),
        cmocka_unit_test_setup_teardown(pairs_use_local_within_and_tcp_across, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(used_transports_follow_the_pairs, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(each_used_transport_has_one_instance, setup,
                                        teardown),
        cmocka_unit_test(tables_have_the_members_of_their_kind),
        cmocka_unit_test_setup_teardown(report_is_a_matrix_with_why, setup, teardown),
        cmocka_unit_test_setup_teardown(report_groups_columns_by_eight, setup, teardown),
        cmocka_unit_test_setup_teardown(report_goes_by_node_past_64_ranks, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
