/* test_observe.c - the rank's side of --stats and --trace (runtime/observe.c):
 * the hooks count only while observing, flow ids agree on both ends, trace
 * events are JSON, and the state page says which call the rank is in. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "internal.h"
#include "rma/rma.h"

/* A job of 4 ranks, this one rank 1, observed as ipcrun --stats --trace
 * would ask, without a control channel. */
static int setup(void **state)
{
    (void)state;
    ipc__g.job.rank = 1;
    ipc__g.job.size = 4;
    ipc__comm_init(); /* IPC_COMM_WORLD: contexts 0 and 1 */
    ipc__obs.peers = calloc(4, sizeof *ipc__obs.peers);
    ipc__obs.cap = 8;
    ipc__obs.ev = calloc(ipc__obs.cap, sizeof *ipc__obs.ev);
    ipc__obs.nev = ipc__obs.dropped = 0;
    memset(&ipc__obs.totals, 0, sizeof ipc__obs.totals);
    ipc__obs.on = ipc__obs.stats = ipc__obs.trace = true;
    ipc__obs.depth = 0;
    return ipc__obs.peers && ipc__obs.ev ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    ipc__obs_fini();
    return 0;
}

static void counts_messages_per_peer(void **state)
{
    (void)state;
    struct ipc__match_key user = {.ctx = 0, .src = 2, .tag = 5};
    ipc__obs_sent(2, 100, false);
    ipc__obs_sent(2, 200000, true);
    assert_int_equal(ipc__obs_arrived(2, 8, true, &user), 1);
    assert_int_equal(ipc__obs_arrived(2, 8, false, &user), 2);
    assert_int_equal(ipc__obs.peers[2].msgs_sent, 2);
    assert_int_equal(ipc__obs.peers[2].bytes_sent, 200100);
    assert_int_equal(ipc__obs.peers[2].msgs_recv, 2);
    assert_int_equal(ipc__obs.peers[2].bytes_recv, 16);
    assert_int_equal(ipc__obs.totals.unexpected, 1);
    assert_int_equal(ipc__obs.totals.rendezvous, 1);
    assert_int_equal(ipc__obs.peers[0].msgs_sent, 0);
}

static void final_barrier_is_not_counted(void **state)
{
    (void)state;
    struct ipc__match_key fin = {.ctx = 1, .src = 0, .tag = 0x20000000};
    assert_int_equal(ipc__obs_arrived(0, 0, true, &fin), 0);
    assert_int_equal(ipc__obs.peers[0].msgs_recv, 0);
    assert_int_equal(ipc__obs.totals.unexpected, 0);
}

static void nothing_counted_when_off(void **state)
{
    (void)state;
    struct ipc__match_key user = {0};
    ipc__obs.on = false;
    ipc__obs_sent(3, 10, false);
    assert_int_equal(ipc__obs_arrived(3, 10, false, &user), 0);
    assert_int_equal(ipc__obs.peers[3].msgs_sent, 0);
    assert_int_equal(ipc__obs.peers[3].msgs_recv, 0);
    assert_int_equal(ipc__obs.nev, 0);
}

static void counts_one_sided_per_peer(void **state)
{
    (void)state;
    ipc__obs_rma(3, IPC__RMA_PUT, 32);
    ipc__obs_rma(3, IPC__RMA_PUT, 8);
    ipc__obs_rma(3, IPC__RMA_GET, 16);
    ipc__obs_rma(3, IPC__RMA_ACC, 8);
    ipc__obs_rma(3, IPC__RMA_GET_ACC, 8);
    ipc__obs_rma(3, IPC__RMA_CAS, 4);
    ipc__obs_served(0);
    ipc__obs_served(0);
    const struct ipc__obs_peer *p = &ipc__obs.peers[3];
    assert_int_equal(p->puts, 2);
    assert_int_equal(p->put_bytes, 40);
    assert_int_equal(p->gets, 1);
    assert_int_equal(p->get_bytes, 16);
    assert_int_equal(p->accs, 3);
    assert_int_equal(p->acc_bytes, 20);
    assert_int_equal(p->served, 0);
    assert_int_equal(ipc__obs.peers[0].served, 2);
    assert_int_equal(p->msgs_sent, 0); /* not messages */
    ipc__obs.on = false;
    ipc__obs_rma(3, IPC__RMA_PUT, 32);
    ipc__obs_served(0);
    assert_int_equal(p->puts, 2);
    assert_int_equal(ipc__obs.peers[0].served, 2);
}

static void flow_ids_agree_and_differ(void **state)
{
    (void)state;
    /* The sender's id of its 3rd message to rank 2 is the receiver's. */
    uint64_t a = ipc__obs_flow_id(1, 2, 3, 4);
    assert_int_equal(a, ipc__obs_flow_id(1, 2, 3, 4));
    assert_int_not_equal(a, ipc__obs_flow_id(2, 1, 3, 4));
    assert_int_not_equal(a, ipc__obs_flow_id(1, 2, 4, 4));
    assert_int_not_equal(a, ipc__obs_flow_id(1, 3, 3, 4));
}

static void spans_and_flows_recorded(void **state)
{
    (void)state;
    struct ipc__comm world = {.ctx_p2p = 0, .ctx_coll = 1, .rank = 1, .size = 4};
    ipc__obs_enter(IPC__CALL_SEND, &world, 2, 9, 64);
    assert_int_equal(ipc__obs.state->call, IPC__CALL_SEND);
    assert_int_equal(ipc__obs.state->peer, 2);
    ipc__obs_sent(2, 64, false);
    ipc__obs_exit();
    assert_int_equal(ipc__obs.state->call, IPC__CALL_NONE);
    assert_int_equal(ipc__obs.nev, 2);
    assert_int_equal(ipc__obs.ev[0].kind, IPC__TRACE_FLOW_OUT);
    assert_int_equal(ipc__obs.ev[0].arg, ipc__obs_flow_id(1, 2, 1, 4));
    assert_int_equal(ipc__obs.ev[1].kind, IPC__TRACE_SPAN);
    assert_int_equal(ipc__obs.ev[1].call, IPC__CALL_SEND);
    assert_int_equal(ipc__obs.ev[1].arg, 64);
    assert_true(ipc__obs.ev[1].ts_ns <= ipc__obs.ev[0].ts_ns);
}

static void nested_calls_make_one_span(void **state)
{
    (void)state;
    struct ipc__comm world = {.ctx_p2p = 0, .ctx_coll = 1, .rank = 1, .size = 4};
    ipc__obs_enter(IPC__CALL_FINALIZE, &world, -2, -1, 0);
    ipc__obs_enter(IPC__CALL_BARRIER, &world, -2, -1, 0);
    ipc__obs_exit();
    assert_int_equal(ipc__obs.state->call, IPC__CALL_FINALIZE);
    ipc__obs_exit();
    assert_int_equal(ipc__obs.nev, 1);
    assert_int_equal(ipc__obs.ev[0].call, IPC__CALL_FINALIZE);
    assert_true(ipc__obs.totals.coll_ns == 0);
}

static void full_buffer_drops(void **state)
{
    (void)state;
    for (int i = 0; i < 10; i++)
        ipc__obs_sent(0, 1, false);
    assert_int_equal(ipc__obs.nev, 8);
    assert_int_equal(ipc__obs.dropped, 2);
    assert_int_equal(ipc__obs.peers[0].msgs_sent, 10); /* counts go on */
}

static void trace_events_are_json(void **state)
{
    (void)state;
    char buf[512];
    struct ipc__trace_ev span = {.kind = IPC__TRACE_SPAN,
                                 .call = IPC__CALL_ALLREDUCE,
                                 .ts_ns = 1234567,
                                 .dur_ns = 8001,
                                 .arg = 8,
                                 .peer = -2,
                                 .tag = -1};
    ipc__obs_trace_json(&span, 3, buf, sizeof buf);
    assert_string_equal(buf,
                        "{\"name\":\"ipc_allreduce\",\"cat\":\"coll\",\"ph\":\"X\","
                        "\"pid\":3,\"tid\":3,\"ts\":1234.567,\"dur\":8.001,\"args\":{"
                        "\"peer\":-2,\"tag\":-1,\"bytes\":8,\"comm\":0}}");
    struct ipc__trace_ev put = {.kind = IPC__TRACE_SPAN,
                                .call = IPC__CALL_PUT,
                                .ts_ns = 2000,
                                .dur_ns = 300,
                                .arg = 32,
                                .peer = 1,
                                .tag = -1,
                                .ctx = 4};
    ipc__obs_trace_json(&put, 0, buf, sizeof buf);
    assert_string_equal(buf, "{\"name\":\"ipc_put\",\"cat\":\"rma\",\"ph\":\"X\","
                             "\"pid\":0,\"tid\":0,\"ts\":2.000,\"dur\":0.300,\"args\":{"
                             "\"target\":1,\"bytes\":32,\"comm\":4}}");
    struct ipc__trace_ev in = {.kind = IPC__TRACE_FLOW_IN, .ts_ns = 5000, .arg = 77};
    ipc__obs_trace_json(&in, 0, buf, sizeof buf);
    assert_string_equal(buf, "{\"name\":\"message\",\"cat\":\"message\",\"ph\":\"f\","
                             "\"bp\":\"e\",\"pid\":0,\"tid\":0,\"ts\":5.000,\"id\":77}");
}

static void call_names(void **state)
{
    (void)state;
    assert_string_equal(ipc__ctl_call_name(IPC__CALL_RECV, IPC__API_IPC), "ipc_recv");
    assert_string_equal(ipc__ctl_call_name(IPC__CALL_ALLTOALLV, IPC__API_IPC),
                        "ipc_alltoallv");
    assert_string_equal(ipc__ctl_call_name(IPC__CALL_NONE, IPC__API_IPC), "");
    assert_string_equal(ipc__ctl_call_name(9999, IPC__API_IPC), "");
    assert_true(ipc__ctl_call_is_coll(IPC__CALL_BARRIER));
    assert_false(ipc__ctl_call_is_coll(IPC__CALL_SENDRECV));
    /* The one-sided calls came after the collectives, whose numbers stay. */
    assert_int_equal(IPC__CALL_BARRIER, 13);
    assert_true(ipc__ctl_call_is_coll(IPC__CALL_ALLTOALLV));
    assert_false(ipc__ctl_call_is_coll(IPC__CALL_WIN_CREATE));
    assert_false(ipc__ctl_call_is_rma(IPC__CALL_ALLTOALLV));
    assert_true(ipc__ctl_call_is_rma(IPC__CALL_WIN_CREATE));
    assert_true(ipc__ctl_call_is_rma(IPC__CALL_RGET_ACCUMULATE));
    assert_false(ipc__ctl_call_is_rma(IPC__CALL_COUNT));
    assert_string_equal(ipc__ctl_call_name(IPC__CALL_WIN_LOCK, IPC__API_IPC),
                        "ipc_win_lock");
    assert_string_equal(ipc__ctl_call_name(IPC__CALL_RGET_ACCUMULATE, IPC__API_IPC),
                        "ipc_rget_accumulate");
}

/* An MPI program's calls by their MPI names; an unknown API is libipc's. */
static void call_names_mpi(void **state)
{
    (void)state;
    assert_string_equal(ipc__ctl_call_name(IPC__CALL_RECV, IPC__API_MPI), "MPI_Recv");
    assert_string_equal(ipc__ctl_call_name(IPC__CALL_SENDRECV, IPC__API_MPI),
                        "MPI_Sendrecv");
    assert_string_equal(ipc__ctl_call_name(IPC__CALL_REDUCE_SCATTER_BLOCK, IPC__API_MPI),
                        "MPI_Reduce_scatter_block");
    assert_string_equal(ipc__ctl_call_name(IPC__CALL_WIN_LOCK_ALL, IPC__API_MPI),
                        "MPI_Win_lock_all");
    assert_string_equal(ipc__ctl_call_name(IPC__CALL_FETCH_AND_OP, IPC__API_MPI),
                        "MPI_Fetch_and_op");
    assert_string_equal(ipc__ctl_call_name(IPC__CALL_NONE, IPC__API_MPI), "");
    assert_string_equal(ipc__ctl_call_name(9999, IPC__API_MPI), "");
    assert_string_equal(ipc__ctl_call_name(IPC__CALL_RECV, 77), "ipc_recv");
}

/* The names a program gave its communicators, as the state page keeps them. */
static void comm_names(void **state)
{
    (void)state;
    struct ipc__ctl_comm_name names[3] = {
        {.ctx = 0, .name = ""}, {.ctx = 16, .name = "halo"}, {.ctx = 0, .name = "mine"}};
    assert_string_equal(ipc__ctl_comm_name(names, 3, 16), "halo");
    assert_string_equal(ipc__ctl_comm_name(names, 3, 0), "mine"); /* slot 0 is empty */
    assert_null(ipc__ctl_comm_name(names, 3, 18));
    assert_null(ipc__ctl_comm_name(names, 1, 16));
    /* A name without its end (a torn or forged page) is no name. */
    memset(names[1].name, 'x', sizeof names[1].name);
    assert_null(ipc__ctl_comm_name(names, 3, 16));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(counts_messages_per_peer, setup, teardown),
        cmocka_unit_test_setup_teardown(final_barrier_is_not_counted, setup, teardown),
        cmocka_unit_test_setup_teardown(nothing_counted_when_off, setup, teardown),
        cmocka_unit_test_setup_teardown(counts_one_sided_per_peer, setup, teardown),
        cmocka_unit_test(flow_ids_agree_and_differ),
        cmocka_unit_test_setup_teardown(spans_and_flows_recorded, setup, teardown),
        cmocka_unit_test_setup_teardown(nested_calls_make_one_span, setup, teardown),
        cmocka_unit_test_setup_teardown(full_buffer_drops, setup, teardown),
        cmocka_unit_test(trace_events_are_json),
        cmocka_unit_test(call_names),
        cmocka_unit_test(call_names_mpi),
        cmocka_unit_test(comm_names),
    };
    return cmocka_run_group_tests_name("observe", tests, NULL, NULL);
}
