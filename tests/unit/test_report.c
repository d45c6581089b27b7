/* test_report.c - ipcrun's side of --stats, --trace and the report of where
 * ranks wait (launcher/report.c): packets taken apart, malformed ones
 * refused, the table, the JSON, the trace file and the lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "report.h"

/* A STATS packet from a rank that sent `msgs` messages of `bytes` bytes to
 * `to` and received as many from `from`. */
static size_t stats_packet(char *buf, int to, int from, uint64_t msgs, uint64_t bytes)
{
    struct ipc__ctl_stats head = {
        .recv_wait_ns = 1500000, .coll_ns = 250000, .unexpected = 1, .npeers = 2};
    struct ipc__ctl_stats_peer p[2] = {
        {.peer = from < to ? from : to},
        {.peer = from < to ? to : from},
    };
    int ito = from < to ? 1 : 0;
    p[ito].msgs_sent = msgs;
    p[ito].bytes_sent = bytes;
    p[1 - ito].msgs_recv = msgs;
    p[1 - ito].bytes_recv = bytes;
    memcpy(buf, &head, sizeof head);
    memcpy(buf + sizeof head, p, sizeof p);
    return sizeof head + sizeof p;
}

static int ring_of_3(void **state)
{
    static struct ipcrun__report rep;
    char err[256], buf[512];
    assert_int_equal(ipcrun__report_init(&rep, 3, NULL, err, sizeof err), 0);
    for (int r = 0; r < 3; r++) {
        size_t len = stats_packet(buf, (r + 1) % 3, (r + 2) % 3, 5, 40);
        assert_int_equal(ipcrun__report_stats(&rep, r, buf, len), 0);
    }
    *state = &rep;
    return 0;
}

static int release(void **state)
{
    ipcrun__report_fini(*state);
    return 0;
}

static void malformed_stats_refused(void **state)
{
    struct ipcrun__report *rep = *state;
    char buf[512];
    size_t len = stats_packet(buf, 1, 2, 1, 1);
    assert_int_equal(ipcrun__report_stats(rep, 0, buf, len - 1), -1);
    assert_int_equal(ipcrun__report_stats(rep, 0, buf, 3), -1);
    struct ipc__ctl_stats_peer bad = {.peer = 7};
    memcpy(buf + sizeof(struct ipc__ctl_stats), &bad, sizeof bad);
    assert_int_equal(ipcrun__report_stats(rep, 0, buf, len), -1);
}

/* Rank 0 put and accumulated into rank 2 by requests, which rank 2 served;
 * rank 1 only locked rank 2 (two requests, no operation). */
static void one_sided(struct ipcrun__report *rep)
{
    struct ipc__ctl_stats_rma o = {
        .peer = 2, .puts = 3, .put_bytes = 96, .accs = 1, .acc_bytes = 8};
    struct ipc__ctl_stats_rma t[2] = {{.peer = 0, .served = 4}, {.peer = 1, .served = 2}};
    assert_int_equal(ipcrun__report_stats_rma(rep, 0, (const char *)&o, sizeof o), 0);
    assert_int_equal(ipcrun__report_stats_rma(rep, 2, (const char *)t, sizeof t), 0);
}

static void malformed_stats_rma_refused(void **state)
{
    struct ipcrun__report *rep = *state;
    struct ipc__ctl_stats_rma e[4] = {{.peer = 1}, {.peer = 2}, {.peer = 0}, {.peer = 1}};
    const char *b = (const char *)e;
    assert_int_equal(ipcrun__report_stats_rma(rep, 0, b, 0), -1);
    assert_int_equal(ipcrun__report_stats_rma(rep, 0, b, sizeof e[0] - 1), -1);
    assert_int_equal(ipcrun__report_stats_rma(rep, 0, b, sizeof e[0] + 1), -1);
    assert_int_equal(ipcrun__report_stats_rma(rep, 0, b, sizeof e), -1); /* 4 > 3 ranks */
    e[0].peer = 3;
    assert_int_equal(ipcrun__report_stats_rma(rep, 1, b, sizeof e[0]),
                     -1); /* no rank 3 */
    e[0].peer = -1;
    assert_int_equal(ipcrun__report_stats_rma(rep, 1, b, sizeof e[0]), -1);
    e[0].peer = 1;
    assert_int_equal(ipcrun__report_stats_rma(rep, 2, b, 2 * sizeof e[0]), 0);
    /* a peer again, or out of order, in the next packet */
    assert_int_equal(ipcrun__report_stats_rma(rep, 2, b + sizeof e[0], sizeof e[0]), -1);
    assert_int_equal(ipcrun__report_stats_rma(rep, 2, b + 2 * sizeof e[0], sizeof e[0]),
                     -1);
}

static char table[4096];

static void keep_line(const char *s)
{
    strcat(table, s);
    strcat(table, "\n");
}

static void table_has_exact_counts(void **state)
{
    table[0] = '\0';
    ipcrun__report_stats_table(*state, keep_line);
    assert_non_null(strstr(table, "statistics of the 3 ranks"));
    assert_non_null(strstr(table, "     1           5          40           5          40"
                                  "       1.500    0.250           1           0\n"));
    assert_non_null(strstr(table, "     2 -> 0             5 msgs             40 B\n"));
    assert_null(strstr(table, "received")); /* both ends agree */
}

static void table_without_windows_has_no_one_sided_lines(void **state)
{
    table[0] = '\0';
    ipcrun__report_stats_table(*state, keep_line);
    assert_null(strstr(table, "one-sided"));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(ipcrun__report_stats_json(*state, f), 0);
    fclose(f);
    assert_null(strstr(text, "one_sided"));
    assert_non_null(strstr(text, "\n  ]\n}\n"));
    free(text);
}

static void table_and_json_have_one_sided_pairs(void **state)
{
    struct ipcrun__report *rep = *state;
    one_sided(rep);
    table[0] = '\0';
    ipcrun__report_stats_table(rep, keep_line);
    assert_non_null(strstr(table, "\n  one-sided (origin -> target: "));
    assert_non_null(strstr(table,
                           "\n     0 -> 2         3 puts         96 B      0 gets"
                           "          0 B      1 accs          8 B      4 requests\n"));
    assert_non_null(strstr(table,
                           "\n     1 -> 2         0 puts          0 B      0 gets"
                           "          0 B      0 accs          0 B      2 requests\n"));
    assert_null(strstr(table, "2 -> 0         0 puts"));
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(ipcrun__report_stats_json(rep, f), 0);
    fclose(f);
    assert_non_null(strstr(text, "\"one_sided\": [\n    {\"origin\": 0, \"target\": 2, "
                                 "\"puts\": 3, \"put_bytes\": 96, \"gets\": 0, "
                                 "\"get_bytes\": 0, \"accs\": 1, \"acc_bytes\": 8, "
                                 "\"requests_served\": 4},\n    {\"origin\": 1, "));
    assert_non_null(strstr(text, "\"requests_served\": 2}\n  ]\n}\n"));
    free(text);
}

static void table_says_when_ends_disagree(void **state)
{
    struct ipcrun__report *rep = *state;
    rep->ranks[1].peers[0].msgs_recv = 4; /* rank 1 heard 4 of rank 0's 5 */
    table[0] = '\0';
    ipcrun__report_stats_table(rep, keep_line);
    assert_non_null(
        strstr(table, "0 -> 1             5 msgs             40 B (received 4, 40 B)"));
    rep->ranks[2].got_stats = false;
    table[0] = '\0';
    ipcrun__report_stats_table(rep, keep_line);
    assert_non_null(strstr(table, "2   (no statistics: it did not reach ipc_finalize)"));
}

static void json_lists_every_pair(void **state)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_int_equal(ipcrun__report_stats_json(*state, f), 0);
    fclose(f);
    assert_non_null(strstr(text, "\"ranks\": 3"));
    assert_non_null(strstr(text,
                           "{\"rank\": 0, \"reported\": true, \"msgs_sent\": 5, "
                           "\"bytes_sent\": 40, \"msgs_recv\": 5, \"bytes_recv\": 40, "
                           "\"recv_wait_us\": 1500.000, \"coll_us\": 250.000, "
                           "\"unexpected\": 1, \"rendezvous\": 0}"));
    assert_non_null(strstr(text, "{\"src\": 1, \"dst\": 2, \"msgs\": 5, \"bytes\": 40, "
                                 "\"msgs_recv\": 5, \"bytes_recv\": 40}"));
    free(text);
}

static void trace_file_is_merged_and_closed(void **state)
{
    (void)state;
    char path[] = "/tmp/test_report_XXXXXX", err[256], text[4096];
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    struct ipcrun__report rep;
    assert_int_equal(ipcrun__report_init(&rep, 2, path, err, sizeof err), 0);
    const char *a = "{\"ph\":\"s\",\"id\":1},\n", *b = "{\"ph\":\"f\",\"id\":1},\n";
    assert_int_equal(ipcrun__report_trace(&rep, 1, b, strlen(b)), 0);
    assert_int_equal(ipcrun__report_trace(&rep, 0, a, strlen(a)), 0);
    assert_int_equal(ipcrun__report_trace(&rep, 0, "{\"x\":1}", 7), -1); /* no ",\n" */
    const char *hosts[] = {"n1", "n\"2"};
    assert_int_equal(ipcrun__report_trace_close(&rep, hosts), 0);
    ipcrun__report_fini(&rep);
    FILE *f = fopen(path, "r");
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    unlink(path);
    text[n] = '\0';
    assert_true(!strncmp(
        text, "{\"traceEvents\":[\n{\"ph\":\"f\",\"id\":1},\n{\"ph\":\"s\"", 44));
    assert_non_null(strstr(text, "\"args\":{\"name\":\"rank 1 on n\\\"2\"}}"));
    assert_non_null(strstr(
        text, "\"args\":{\"name\":\"rank 1\"}}\n],\n\"displayTimeUnit\":\"ns\"}\n"));
}

static void describe_where(void **state)
{
    (void)state;
    char out[384];
    struct ipc__ctl_state st = {.magic = IPC__CTL_STATE_MAGIC,
                                .call = IPC__CALL_RECV,
                                .peer = 1,
                                .tag = 7,
                                .ctx = 0,
                                .comm_size = 2};
    ipcrun__report_describe(&st, "waiting in poll()", out, sizeof out);
    assert_string_equal(out, "waiting in ipc_recv(source 1, tag 7, IPC_COMM_WORLD)");
    st.peer = st.tag = -1;
    st.ctx = 4;
    st.comm_size = 3;
    ipcrun__report_describe(&st, "", out, sizeof out);
    assert_string_equal(
        out, "waiting in ipc_recv(source any, tag any, a communicator of 3 ranks)");
    st = (struct ipc__ctl_state){.magic = IPC__CTL_STATE_MAGIC,
                                 .call = IPC__CALL_BCAST,
                                 .peer = 0,
                                 .wait_kind = IPC__WAIT_RECV,
                                 .wait_peer = 2};
    ipcrun__report_describe(&st, "", out, sizeof out);
    assert_string_equal(
        out, "waiting in ipc_bcast(root 0, IPC_COMM_WORLD), for a message from rank 2");
    st = (struct ipc__ctl_state){.magic = IPC__CTL_STATE_MAGIC,
                                 .call = IPC__CALL_WAITALL,
                                 .wait_kind = IPC__WAIT_SEND,
                                 .wait_peer = 3};
    ipcrun__report_describe(&st, "", out, sizeof out);
    assert_string_equal(out, "waiting in ipc_waitall(), for rank 3 to take a message");
    st = (struct ipc__ctl_state){.magic = IPC__CTL_STATE_MAGIC};
    st = (struct ipc__ctl_state){.magic = IPC__CTL_STATE_MAGIC,
                                 .call = IPC__CALL_WIN_LOCK,
                                 .peer = 3,
                                 .ctx = 4,
                                 .comm_size = 4};
    ipcrun__report_describe(&st, "", out, sizeof out);
    assert_string_equal(out, "waiting in ipc_win_lock(rank 3, a window of 4 ranks)");
    st = (struct ipc__ctl_state){.magic = IPC__CTL_STATE_MAGIC,
                                 .call = IPC__CALL_WIN_START,
                                 .peer = -2,
                                 .ctx = 4,
                                 .comm_size = 2,
                                 .wait_kind = IPC__WAIT_RECV,
                                 .wait_peer = 1};
    ipcrun__report_describe(&st, "", out, sizeof out);
    assert_string_equal(out,
                        "waiting in ipc_win_start(a window of 2 ranks), for a message "
                        "from rank 1");
    st = (struct ipc__ctl_state){.magic = IPC__CTL_STATE_MAGIC,
                                 .call = IPC__CALL_WIN_ALLOCATE,
                                 .peer = -2,
                                 .comm_size = 2};
    ipcrun__report_describe(&st, "", out, sizeof out);
    assert_string_equal(out, "waiting in ipc_win_allocate(IPC_COMM_WORLD)");
    st = (struct ipc__ctl_state){.magic = IPC__CTL_STATE_MAGIC};
    ipcrun__report_describe(&st, "running (busy on a cpu)", out, sizeof out);
    assert_string_equal(out, "running (busy on a cpu), outside any blocking ipc call");
    ipcrun__report_describe(NULL, "waiting in poll()", out, sizeof out);
    assert_string_equal(out, "waiting in poll()");
}

/* An MPI program's state: MPI's calls, wildcards and communicators, and the
 * names the program gave them. */
static void describe_in_mpi_terms(void **state)
{
    (void)state;
    char out[384];
    struct ipc__ctl_comm_name names[IPC__CTL_NAMES] = {[3] = {.ctx = 16, .name = "halo"}};
    struct ipc__ctl_state st = {.magic = IPC__CTL_STATE_MAGIC,
                                .call = IPC__CALL_RECV,
                                .peer = 1,
                                .tag = 7,
                                .ctx = 0,
                                .comm_size = 2,
                                .api = IPC__API_MPI};
    ipcrun__report_describe_named(&st, names, IPC__CTL_NAMES, "", out, sizeof out);
    assert_string_equal(out, "waiting in MPI_Recv(source 1, tag 7, MPI_COMM_WORLD)");
    st.peer = st.tag = -1;
    st.ctx = 16;
    ipcrun__report_describe_named(&st, names, IPC__CTL_NAMES, "", out, sizeof out);
    assert_string_equal(
        out, "waiting in MPI_Recv(source MPI_ANY_SOURCE, tag MPI_ANY_TAG, halo)");
    st.ctx = 18;
    st.comm_size = 3;
    ipcrun__report_describe_named(&st, names, IPC__CTL_NAMES, "", out, sizeof out);
    assert_string_equal(out,
                        "waiting in MPI_Recv(source MPI_ANY_SOURCE, tag MPI_ANY_TAG, a "
                        "communicator of 3 ranks, context 18)");
    /* Without the names (as ipcrun__report_describe), the size and context. */
    st.ctx = 16;
    ipcrun__report_describe(&st, "", out, sizeof out);
    assert_string_equal(out,
                        "waiting in MPI_Recv(source MPI_ANY_SOURCE, tag MPI_ANY_TAG, a "
                        "communicator of 3 ranks, context 16)");
    st = (struct ipc__ctl_state){.magic = IPC__CTL_STATE_MAGIC,
                                 .call = IPC__CALL_SEND,
                                 .peer = 2,
                                 .tag = 5,
                                 .ctx = 2,
                                 .comm_size = 1,
                                 .bytes = 8,
                                 .api = IPC__API_MPI};
    ipcrun__report_describe(&st, "", out, sizeof out);
    assert_string_equal(out,
                        "waiting in MPI_Send(dest 2, tag 5, 8 bytes, MPI_COMM_SELF)");
    st = (struct ipc__ctl_state){.magic = IPC__CTL_STATE_MAGIC,
                                 .call = IPC__CALL_WIN_LOCK,
                                 .peer = 1,
                                 .ctx = 4,
                                 .comm_size = 2,
                                 .api = IPC__API_MPI};
    ipcrun__report_describe(&st, "", out, sizeof out);
    assert_string_equal(out, "waiting in MPI_Win_lock(rank 1, a window of 2 ranks)");
    st = (struct ipc__ctl_state){.magic = IPC__CTL_STATE_MAGIC,
                                 .call = IPC__CALL_ALLREDUCE,
                                 .peer = -2,
                                 .ctx = 16,
                                 .comm_size = 3,
                                 .wait_kind = IPC__WAIT_RECV,
                                 .wait_peer = 2,
                                 .api = IPC__API_MPI};
    ipcrun__report_describe_named(&st, names, IPC__CTL_NAMES, "", out, sizeof out);
    assert_string_equal(out, "waiting in MPI_Allreduce(halo), for a message from rank 2");
    st = (struct ipc__ctl_state){.magic = IPC__CTL_STATE_MAGIC, .api = IPC__API_MPI};
    ipcrun__report_describe(&st, "waiting in nanosleep()", out, sizeof out);
    assert_string_equal(out, "waiting in nanosleep(), outside any blocking MPI call");
    /* A libipc program's names are not the MPI program's. */
    st = (struct ipc__ctl_state){.magic = IPC__CTL_STATE_MAGIC,
                                 .call = IPC__CALL_RECV,
                                 .peer = 0,
                                 .tag = 1,
                                 .ctx = 16,
                                 .comm_size = 3};
    ipcrun__report_describe_named(&st, names, IPC__CTL_NAMES, "", out, sizeof out);
    assert_string_equal(
        out, "waiting in ipc_recv(source 0, tag 1, a communicator of 3 ranks)");
}

/* A rank that got the same signal as ipcrun (Ctrl-C to the process group) is
 * ending, not busy: from /proc's stat flags and pending signals. */
static void ending_ranks(void **state)
{
    (void)state;
    /* state, ppid, pgrp, session, tty, tpgid, flags */
    const char *sleeping = "42 (a (b) c) S 1 42 42 0 -1 4194560 0 0";
    const char *running = "42 (prog) R 1 42 42 0 -1 4194304 0 0";
    const char *signaled =
        "42 (prog) R 1 42 42 0 -1 4195332 0 0"; /* PF_SIGNALED|PF_EXITING */
    const char *exiting = "42 (prog) R 1 42 42 0 -1 4194308 0 0"; /* PF_EXITING */
    const char *zombie = "42 (prog) Z 1 42 42 0 -1 4194304 0 0";
    const char *quiet =
        "Name:\tprog\nSigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\n"
        "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
        "SigCgt:\t0000000000000000\n";
    /* SIGINT (bit 1) pending for the group */
    const char *sigint = "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000002\n"
                         "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
                         "SigCgt:\t0000000000000000\n";
    const char *caught = "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000002\n"
                         "SigBlk:\t0000000000000000\nSigIgn:\t0000000000000000\n"
                         "SigCgt:\t0000000000000002\n";
    const char *sigchld = "SigPnd:\t0000000000010000\nShdPnd:\t0000000000000000\n";
    assert_int_equal(ipcrun__report_ending(sleeping, quiet), 0);
    assert_int_equal(ipcrun__report_ending(running, quiet), 0);
    assert_int_equal(ipcrun__report_ending(running, sigint), 2);
    assert_int_equal(ipcrun__report_ending(running, caught), 0);
    assert_int_equal(ipcrun__report_ending(running, sigchld), 0);
    assert_int_equal(ipcrun__report_ending(signaled, quiet), 2);
    assert_int_equal(ipcrun__report_ending(signaled, NULL), 2);
    assert_int_equal(ipcrun__report_ending(exiting, quiet), 1);
    assert_int_equal(ipcrun__report_ending(zombie, NULL), 1);
    assert_int_equal(ipcrun__report_ending("garbage", quiet), 0);
    assert_int_equal(ipcrun__report_ending(NULL, sigint), 0);
    assert_int_equal(ipcrun__report_ending("42 (prog) R", sigint), 0);
}

/* A memfd of size bytes, its first bytes a state whose call is `call`. */
static int state_memfd(size_t size, uint32_t call)
{
    int fd = memfd_create("test-state", MFD_CLOEXEC);
    assert_true(fd >= 0);
    assert_int_equal(ftruncate(fd, (off_t)size), 0);
    struct ipc__ctl_state st = {.magic = IPC__CTL_STATE_MAGIC, .call = call};
    if (size >= sizeof st)
        assert_int_equal(pwrite(fd, &st, sizeof st, 0), (ssize_t)sizeof st);
    return fd;
}

/* What a rank gives as its state page is checked, and read without mapping
 * it: an empty one, one cut later, or a pipe cannot hurt ipcrun (an empty
 * one once killed it with SIGBUS). */
static void state_page_checked(void **state)
{
    struct ipcrun__report *rep = *state;
    int pipefd[2];
    ipcrun__report_state(rep, 0, state_memfd(4096, 7));
    assert_int_equal(ipcrun__report_state_of(rep, 0).call, 7);
    /* refused: the page given before stays */
    ipcrun__report_state(rep, 0, state_memfd(0, 8));
    assert_int_equal(ipcrun__report_state_of(rep, 0).call, 7);
    assert_int_equal(pipe(pipefd), 0);
    close(pipefd[1]);
    ipcrun__report_state(rep, 0, pipefd[0]);
    assert_int_equal(ipcrun__report_state_of(rep, 0).call, 7);
    /* cut after it was given: no state, no signal */
    int fd = state_memfd(4096, 9);
    int keep = dup(fd);
    ipcrun__report_state(rep, 1, fd);
    assert_int_equal(ipcrun__report_state_of(rep, 1).call, 9);
    assert_int_equal(ftruncate(keep, 0), 0);
    assert_int_equal(ipcrun__report_state_of(rep, 1).magic, 0);
    close(keep);
    assert_int_equal(ipcrun__report_state_of(rep, 2).magic, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(malformed_stats_refused, ring_of_3, release),
        cmocka_unit_test_setup_teardown(table_has_exact_counts, ring_of_3, release),
        cmocka_unit_test_setup_teardown(malformed_stats_rma_refused, ring_of_3, release),
        cmocka_unit_test_setup_teardown(table_without_windows_has_no_one_sided_lines,
                                        ring_of_3, release),
        cmocka_unit_test_setup_teardown(table_and_json_have_one_sided_pairs, ring_of_3,
                                        release),
        cmocka_unit_test_setup_teardown(table_says_when_ends_disagree, ring_of_3,
                                        release),
        cmocka_unit_test_setup_teardown(json_lists_every_pair, ring_of_3, release),
        cmocka_unit_test(trace_file_is_merged_and_closed),
        cmocka_unit_test(describe_where),
        cmocka_unit_test(describe_in_mpi_terms),
        cmocka_unit_test(ending_ranks),
        cmocka_unit_test_setup_teardown(state_page_checked, ring_of_3, release),
    };
    return cmocka_run_group_tests_name("report", tests, NULL, NULL);
}
