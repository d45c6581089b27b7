/* test_hosts.c - host lists from --host and hostfiles with every message for
 * a bad one, dealing ranks to hosts by slot and by node (uneven slots, more
 * ranks than slots), the per-node view and IPC_NODE_OF, and telling this host
 * from others (with the real gethostname). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "hosts.h"

#define ERRLEN 512

/* ---- --host lists ---- */

static void expect_host(const struct ipcrun__hosts *list, int i, const char *name,
                        int slots)
{
    assert_true(i < list->n);
    assert_string_equal(list->v[i].name, name);
    assert_int_equal(list->v[i].slots, slots);
}

static void lists(void **state)
{
    (void)state;
    struct ipcrun__hosts list = {0};
    char err[ERRLEN] = "";

    assert_int_equal(ipcrun__hosts_parse_list(&list, "--host", "a:2,b:3", err, ERRLEN),
                     0);
    assert_int_equal(list.n, 2);
    expect_host(&list, 0, "a", 2);
    expect_host(&list, 1, "b", 3);
    /* A host alone has 1 slot; a second list adds; a name seen before adds
     * its slots where it first stood, whatever its case. */
    assert_int_equal(
        ipcrun__hosts_parse_list(&list, "-H", "c,A:4,node7.example.com", err, ERRLEN), 0);
    assert_int_equal(list.n, 4);
    expect_host(&list, 0, "a", 6);
    expect_host(&list, 1, "b", 3);
    expect_host(&list, 2, "c", 1);
    expect_host(&list, 3, "node7.example.com", 1);
    assert_int_equal(ipcrun__hosts_total_slots(&list), 11);
    ipcrun__hosts_free(&list);
    assert_null(list.v);
    assert_int_equal(list.n, 0);

    assert_int_equal(
        ipcrun__hosts_parse_list(&list, "--host", "b,b,b:2,user@c:1", err, ERRLEN), 0);
    assert_int_equal(list.n, 2);
    expect_host(&list, 0, "b", 4);
    expect_host(&list, 1, "user@c", 1);
    ipcrun__hosts_free(&list);
}

static void ipv6_entries(void **state)
{
    (void)state;
    struct ipcrun__hosts list = {0};
    char err[ERRLEN] = "";
    assert_int_equal(
        ipcrun__hosts_parse_list(&list, "--host", "::1,[fe80::1]:3,[::2]", err, ERRLEN),
        0);
    assert_int_equal(list.n, 3);
    expect_host(&list, 0, "::1", 1);
    expect_host(&list, 1, "fe80::1", 3);
    expect_host(&list, 2, "::2", 1);
    ipcrun__hosts_free(&list);
}

static void expect_list_error(const char *spec, const char *message)
{
    struct ipcrun__hosts list = {0};
    char err[ERRLEN] = "";
    assert_int_equal(ipcrun__hosts_parse_list(&list, "--host", spec, err, ERRLEN), -1);
    assert_string_equal(err, message);
    ipcrun__hosts_free(&list);
}

static void bad_lists(void **state)
{
    (void)state;
    const char *empty = "empty host name; write HOST[:SLOTS][,HOST[:SLOTS]...]";
    const char *specs[] = {"", ",a", "a,", "a,,b"};
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        char msg[ERRLEN];
        snprintf(msg, sizeof msg, "--host '%s': %s", specs[i], empty);
        expect_list_error(specs[i], msg);
    }
    expect_list_error(":2", "--host ':2': empty host name");
    expect_list_error("a:", "--host 'a:': '' is not a positive number of slots");
    expect_list_error("b,a:0", "--host 'a:0': '0' is not a positive number of slots");
    expect_list_error("a:-1", "--host 'a:-1': '-1' is not a positive number of slots");
    expect_list_error("a:2x", "--host 'a:2x': '2x' is not a positive number of slots");
    expect_list_error("a:1:2", "--host 'a:1:2': not an IPv6 address; write HOST:SLOTS, "
                               "or [ADDRESS]:SLOTS for IPv6");
    expect_list_error("[a:1]:2", "--host '[a:1]:2': not an IPv6 address; write "
                                 "HOST:SLOTS, or [ADDRESS]:SLOTS for IPv6");
    expect_list_error("a:100001", "--host 'a:100001': '100001' is more slots than one "
                                  "host may have (100000)");
    expect_list_error("a:99999999999999999999",
                      "--host 'a:99999999999999999999': '99999999999999999999' is more "
                      "slots than one host may have (100000)");
    expect_list_error("a:100000,a:1", "host 'a' has more than 100000 slots in all");
    expect_list_error("-oProxyCommand=x", "--host '-oProxyCommand=x': a host name cannot "
                                          "start with '-'");
    expect_list_error("a, b", "--host ' b': a host name cannot contain blanks or control "
                              "characters");
    expect_list_error("[::1", "--host '[::1': no ']' after the IPv6 address");
    expect_list_error("[::1]2", "--host '[::1]2': only ':SLOTS' may follow ']'");
    expect_list_error("[]:2", "--host '[]:2': empty host name");

    char longname[300], spec[310], msg[ERRLEN];
    memset(longname, 'h', 256);
    longname[256] = '\0';
    snprintf(spec, sizeof spec, "%s:2", longname);
    snprintf(msg, sizeof msg,
             "--host '%.64s...': the host name is longer than 255 characters", longname);
    expect_list_error(spec, msg);
    /* 255 bytes is still a name. */
    struct ipcrun__hosts list = {0};
    char err[ERRLEN];
    longname[255] = '\0';
    assert_int_equal(ipcrun__hosts_parse_list(&list, "--host", longname, err, ERRLEN), 0);
    assert_int_equal(strlen(list.v[0].name), 255);
    ipcrun__hosts_free(&list);
}

/* ---- hostfiles ---- */

struct dir {
    char path[64];
    char file[128];
};

static int dir_setup(void **state)
{
    struct dir *d = calloc(1, sizeof *d);
    if (!d)
        return -1;
    snprintf(d->path, sizeof d->path, "/tmp/test_hosts.XXXXXX");
    if (!mkdtemp(d->path))
        return -1;
    snprintf(d->file, sizeof d->file, "%s/hosts.txt", d->path);
    *state = d;
    return 0;
}

static int dir_teardown(void **state)
{
    struct dir *d = *state;
    unlink(d->file);
    rmdir(d->path);
    free(d);
    return 0;
}

static const char *write_file(void **state, const char *text)
{
    struct dir *d = *state;
    FILE *f = fopen(d->file, "w");
    assert_non_null(f);
    assert_int_equal(fputs(text, f) >= 0, 1);
    assert_int_equal(fclose(f), 0);
    return d->file;
}

static void hostfile(void **state)
{
    struct ipcrun__hosts list = {0};
    char err[ERRLEN] = "";
    const char *path = write_file(state, "# the cluster\n"
                                         "\n"
                                         "node1 slots=4\n"
                                         "  node2\tslots=2   # half of it\n"
                                         "node3:3 max_slots=8\n"
                                         "node4 max_slots=junk slots=1\r\n"
                                         "node1\n"
                                         "   \t\n"
                                         "[::1]:2\n"
                                         "node5");
    assert_int_equal(ipcrun__hosts_read_file(&list, path, err, ERRLEN), 0);
    assert_int_equal(list.n, 6);
    expect_host(&list, 0, "node1", 5);
    expect_host(&list, 1, "node2", 2);
    expect_host(&list, 2, "node3", 3);
    expect_host(&list, 3, "node4", 1);
    expect_host(&list, 4, "::1", 2);
    expect_host(&list, 5, "node5", 1);
    ipcrun__hosts_free(&list);
}

static void expect_file_error(void **state, const char *text, const char *message)
{
    struct dir *d = *state;
    struct ipcrun__hosts list = {0};
    char err[ERRLEN] = "", want[ERRLEN];
    const char *path = write_file(state, text);
    snprintf(want, sizeof want, message, d->file);
    assert_int_equal(ipcrun__hosts_read_file(&list, path, err, ERRLEN), -1);
    assert_string_equal(err, want);
    ipcrun__hosts_free(&list);
}

static void bad_hostfile_lines(void **state)
{
    expect_file_error(state, "a\n# b\nb slots=abc\n",
                      "%s:3: 'slots=abc' is not a positive number of slots");
    expect_file_error(state, "a slots=0\n",
                      "%s:1: 'slots=0' is not a positive number of slots");
    expect_file_error(state, "a slots=\n",
                      "%s:1: 'slots=' is not a positive number of slots");
    expect_file_error(
        state, "a slots=200000\n",
        "%s:1: 'slots=200000' is more slots than one host may have (100000)");
    expect_file_error(state, "\n\na:x\n",
                      "%s:3: 'a:x': 'x' is not a positive number of slots");
    expect_file_error(state, "a cpus=4\n",
                      "%s:1: 'cpus=4' is not understood; write HOST [slots=N]");
    expect_file_error(state, "a b\n",
                      "%s:1: 'b' is not understood; write HOST [slots=N]");
    expect_file_error(state, "a:2 slots=4\n",
                      "%s:1: 'a:2' and 'slots=4' both give the slots; keep one");
    expect_file_error(state, "ok\n:2 slots=1\n", "%s:2: ':2': empty host name");
    expect_file_error(state, "-x\n", "%s:1: '-x': a host name cannot start with '-'");
    expect_file_error(state, "a x x x x x x x x\n",
                      "%s:1: too many words; write HOST [slots=N]");
    expect_file_error(state, "a:100000\na\n",
                      "%s:2: host 'a' has more than 100000 slots in all");
}

static void unusable_hostfiles(void **state)
{
    struct dir *d = *state;
    struct ipcrun__hosts list = {0};
    char err[ERRLEN] = "", want[ERRLEN];

    expect_file_error(state, "",
                      "--hostfile '%s' names no host; write one per line, e.g. "
                      "'node1 slots=4'");
    expect_file_error(state, "# only\n\n  # comments\n",
                      "--hostfile '%s' names no host; write one per line, e.g. "
                      "'node1 slots=4'");
    assert_int_equal(ipcrun__hosts_read_file(&list, "/nonexistent/hosts", err, ERRLEN),
                     -1);
    assert_string_equal(err,
                        "--hostfile '/nonexistent/hosts': No such file or directory; "
                        "give a readable file");
    snprintf(want, sizeof want, "--hostfile '%s': cannot read it: Is a directory",
             d->path);
    assert_int_equal(ipcrun__hosts_read_file(&list, d->path, err, ERRLEN), -1);
    assert_string_equal(err, want);
    assert_int_equal(list.n, 0);
}

/* ---- mapping ---- */

static const struct ipcrun__host uneven[] = {{"a", 3}, {"b", 1}, {"c", 2}};

static void expect_map(enum ipcrun__map_hosts by, int nranks, const int *want)
{
    int got[32];
    memset(got, 0xff, sizeof got);
    assert_int_equal(ipcrun__hosts_map(uneven, 3, nranks, by, got), 0);
    for (int r = 0; r < nranks; r++) {
        if (got[r] != want[r])
            fail_msg("%s, %d ranks: rank %d on host %d, expected %d",
                     by == IPCRUN__MAP_SLOT ? "by slot" : "by node", nranks, r, got[r],
                     want[r]);
    }
    assert_int_equal(got[nranks], -1); /* nothing written past the end */
}

static void map_by_slot(void **state)
{
    (void)state;
    expect_map(IPCRUN__MAP_SLOT, 1, (int[]){0});
    expect_map(IPCRUN__MAP_SLOT, 4, (int[]){0, 0, 0, 1});
    expect_map(IPCRUN__MAP_SLOT, 6, (int[]){0, 0, 0, 1, 2, 2});
    /* More ranks than slots: the same order again. */
    expect_map(IPCRUN__MAP_SLOT, 11, (int[]){0, 0, 0, 1, 2, 2, 0, 0, 0, 1, 2});
}

static void map_by_node(void **state)
{
    (void)state;
    expect_map(IPCRUN__MAP_NODE, 2, (int[]){0, 1});
    expect_map(IPCRUN__MAP_NODE, 4, (int[]){0, 1, 2, 0});
    /* b is full after round 0, c after round 1. */
    expect_map(IPCRUN__MAP_NODE, 6, (int[]){0, 1, 2, 0, 2, 0});
    expect_map(IPCRUN__MAP_NODE, 9, (int[]){0, 1, 2, 0, 2, 0, 0, 1, 2});
    expect_map(IPCRUN__MAP_NODE, 13, (int[]){0, 1, 2, 0, 2, 0, 0, 1, 2, 0, 2, 0, 0});
}

static void map_one_host(void **state)
{
    (void)state;
    const struct ipcrun__host one[] = {{"localhost", 2}};
    int got[5];
    for (int by = IPCRUN__MAP_SLOT; by <= IPCRUN__MAP_NODE; by++) {
        assert_int_equal(ipcrun__hosts_map(one, 1, 5, (enum ipcrun__map_hosts)by, got),
                         0);
        for (int r = 0; r < 5; r++)
            assert_int_equal(got[r], 0);
    }
}

/* ---- nodes ---- */

static void expect_ints(const int *got, const int *want, int n)
{
    for (int i = 0; i < n; i++)
        assert_int_equal(got[i], want[i]);
}

static void expect_node_of(const struct ipcrun__nodes *nodes, const char *want)
{
    char *s = ipcrun__hosts_node_of_string(nodes);
    assert_non_null(s);
    assert_string_equal(s, want);
    free(s);
}

static void nodes_of_a_mapping(void **state)
{
    (void)state;
    struct ipcrun__nodes nodes;
    int host_of_rank[6];
    assert_int_equal(ipcrun__hosts_map(uneven, 3, 6, IPCRUN__MAP_NODE, host_of_rank), 0);
    assert_int_equal(ipcrun__hosts_nodes(host_of_rank, 6, 3, &nodes), 0);
    assert_int_equal(nodes.nnodes, 3);
    assert_int_equal(nodes.nranks, 6);
    expect_ints(nodes.host, (int[]){0, 1, 2}, 3);
    expect_ints(nodes.first, (int[]){0, 3, 4, 6}, 4);
    expect_ints(nodes.ranks, (int[]){0, 3, 5, 1, 2, 4}, 6);
    expect_ints(nodes.node_of_rank, (int[]){0, 1, 2, 0, 2, 0}, 6);
    expect_ints(nodes.local_rank, (int[]){0, 0, 0, 1, 1, 2}, 6);
    expect_node_of(&nodes, "0,1,2,0,2,0");
    ipcrun__nodes_free(&nodes);
    assert_null(nodes.ranks);
}

/* Node numbers count only the hosts that got ranks. */
static void hosts_without_ranks_are_not_nodes(void **state)
{
    (void)state;
    struct ipcrun__nodes nodes;
    const int host_of_rank[] = {3, 1, 1, 3, 3};
    assert_int_equal(ipcrun__hosts_nodes(host_of_rank, 5, 4, &nodes), 0);
    assert_int_equal(nodes.nnodes, 2);
    expect_ints(nodes.host, (int[]){1, 3}, 2);
    expect_ints(nodes.first, (int[]){0, 2, 5}, 3);
    expect_ints(nodes.ranks, (int[]){1, 2, 0, 3, 4}, 5);
    expect_ints(nodes.local_rank, (int[]){0, 0, 1, 1, 2}, 5);
    expect_node_of(&nodes, "1,0,0,1,1");
    ipcrun__nodes_free(&nodes);

    /* By slot, a job smaller than the first host's slots is one node. */
    int mapped[2];
    assert_int_equal(ipcrun__hosts_map(uneven, 3, 2, IPCRUN__MAP_SLOT, mapped), 0);
    assert_int_equal(ipcrun__hosts_nodes(mapped, 2, 3, &nodes), 0);
    assert_int_equal(nodes.nnodes, 1);
    expect_node_of(&nodes, "0,0");
    ipcrun__nodes_free(&nodes);
}

static void node_of_string_with_many_nodes(void **state)
{
    (void)state;
    enum { N = 12 };
    struct ipcrun__nodes nodes;
    int host_of_rank[N];
    for (int r = 0; r < N; r++)
        host_of_rank[r] = r;
    assert_int_equal(ipcrun__hosts_nodes(host_of_rank, N, N, &nodes), 0);
    expect_node_of(&nodes, "0,1,2,3,4,5,6,7,8,9,10,11");
    ipcrun__nodes_free(&nodes);
}

/* ---- this host ---- */

static void local_names(void **state)
{
    (void)state;
    const char *local[] = {"localhost",        "LocalHost", "localhost.localdomain",
                           "127.0.0.1",        "127.1.2.3", "::1",
                           "0:0:0:0:0:0:0:1",  "node1",     "NODE1",
                           "node1.example.com"};
    const char *other[] = {"",           "node2",      "node10",    "node",
                           "node1x",     "10.0.0.1",   "128.0.0.1", "::2",
                           "localhost2", "example.com"};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        if (!ipcrun__host_is_local_to(local[i], "node1"))
            fail_msg("'%s' should be local to node1", local[i]);
    for (size_t i = 0; i < sizeof other / sizeof other[0]; i++)
        if (ipcrun__host_is_local_to(other[i], "node1"))
            fail_msg("'%s' should not be local to node1", other[i]);
    /* A host that knows its domain: its short name is local, the same short
     * name in another domain is not. */
    assert_true(ipcrun__host_is_local_to("node1", "node1.example.com"));
    assert_true(ipcrun__host_is_local_to("Node1.Example.Com", "node1.example.com"));
    assert_false(ipcrun__host_is_local_to("node1.other.org", "node1.example.com"));
    assert_false(ipcrun__host_is_local_to("node", "node1.example.com"));
    /* Without a name of its own only the loopback names are local. */
    assert_true(ipcrun__host_is_local_to("localhost", ""));
    assert_false(ipcrun__host_is_local_to("node1", ""));
}

static void this_host(void **state)
{
    (void)state;
    char self[256], name[300];
    assert_int_equal(gethostname(self, sizeof self), 0);
    assert_true(ipcrun__host_is_local(self));
    assert_true(ipcrun__host_is_local("localhost"));
    assert_true(ipcrun__host_is_local("127.0.0.1"));
    assert_false(ipcrun__host_is_local("no-such-host.invalid"));
    size_t shortlen = strcspn(self, ".");
    if (self[shortlen]) {
        snprintf(name, sizeof name, "%.*s", (int)shortlen, self);
    } else {
        snprintf(name, sizeof name, "%s.example.invalid", self);
    }
    if (!ipcrun__host_is_local(name))
        fail_msg("'%s' should be local on host '%s'", name, self);
    snprintf(name, sizeof name, "%sx", self);
    assert_false(ipcrun__host_is_local(name));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(lists),
        cmocka_unit_test(ipv6_entries),
        cmocka_unit_test(bad_lists),
        cmocka_unit_test_setup_teardown(hostfile, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(bad_hostfile_lines, dir_setup, dir_teardown),
        cmocka_unit_test_setup_teardown(unusable_hostfiles, dir_setup, dir_teardown),
        cmocka_unit_test(map_by_slot),
        cmocka_unit_test(map_by_node),
        cmocka_unit_test(map_one_host),
        cmocka_unit_test(nodes_of_a_mapping),
        cmocka_unit_test(hosts_without_ranks_are_not_nodes),
        cmocka_unit_test(node_of_string_with_many_nodes),
        cmocka_unit_test(local_names),
        cmocka_unit_test(this_host),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
