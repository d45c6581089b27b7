/* test_comm.c - communicators in a job of one rank (no ipcrun): world and
 * self, dup, split, free, context ids, what is released, every collective's
 * one-rank path, whom point-to-point addresses (peers), and the mechanics of
 * intercommunicators (made here of self and self, which MPI would not allow:
 * one rank has no two disjoint groups). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alone.h"

#include "internal.h"

static void world_and_self(void **state)
{
    (void)state;
    int rank = -1, size = -1;
    assert_int_equal(ipc_comm_rank(IPC_COMM_WORLD, &rank), IPC_SUCCESS);
    assert_int_equal(ipc_comm_size(IPC_COMM_WORLD, &size), IPC_SUCCESS);
    assert_int_equal(rank, 0);
    assert_int_equal(size, 1);
    assert_int_equal(ipc_comm_size(IPC_COMM_SELF, &size), IPC_SUCCESS);
    assert_int_equal(size, 1);
    assert_int_equal(ipc_comm_rank(IPC_COMM_NULL, &rank), IPC_ERR_COMM);
    assert_int_equal(ipc_comm_rank(IPC_COMM_WORLD, NULL), IPC_ERR_ARG);
    /* Four distinct context ids: traffic of world and self never mixes. */
    uint32_t ids[4] = {IPC_COMM_WORLD->ctx_p2p, IPC_COMM_WORLD->ctx_coll,
                       IPC_COMM_SELF->ctx_p2p, IPC_COMM_SELF->ctx_coll};
    for (int i = 0; i < 4; i++)
        for (int j = i + 1; j < 4; j++)
            assert_int_not_equal(ids[i], ids[j]);
}

static void dup_gets_fresh_ids_and_is_released(void **state)
{
    (void)state;
    size_t live = ipc__comm_live_count();
    ipc_comm a, b;
    assert_int_equal(ipc_comm_dup(IPC_COMM_WORLD, &a), IPC_SUCCESS);
    assert_int_equal(ipc_comm_dup(a, &b), IPC_SUCCESS);
    assert_int_equal(ipc__comm_live_count(), live + 2);
    assert_true(a != IPC_COMM_WORLD && b != a);
    assert_int_equal(a->ctx_coll, a->ctx_p2p + 1);
    assert_true(a->ctx_p2p > IPC_COMM_SELF->ctx_coll);
    assert_true(b->ctx_p2p > a->ctx_coll);
    assert_int_equal(ipc__world_rank(b, 0), 0);
    assert_int_equal(ipc_comm_free(&a), IPC_SUCCESS);
    assert_ptr_equal(a, IPC_COMM_NULL);
    assert_int_equal(ipc__comm_live_count(), live + 1);
    /* Ids are not reused after a free. */
    ipc_comm c;
    assert_int_equal(ipc_comm_dup(IPC_COMM_WORLD, &c), IPC_SUCCESS);
    assert_true(c->ctx_p2p > b->ctx_coll);
    assert_int_equal(ipc_comm_free(&b), IPC_SUCCESS);
    assert_int_equal(ipc_comm_free(&c), IPC_SUCCESS);
    assert_int_equal(ipc__comm_live_count(), live);
}

static void split_undefined_and_bad_arguments(void **state)
{
    (void)state;
    ipc_comm c = IPC_COMM_WORLD, world = IPC_COMM_WORLD, self = IPC_COMM_SELF;
    assert_int_equal(ipc_comm_split(IPC_COMM_WORLD, IPC_UNDEFINED, 0, &c), IPC_SUCCESS);
    assert_ptr_equal(c, IPC_COMM_NULL);
    assert_int_equal(ipc_comm_split(IPC_COMM_WORLD, 3, -9, &c), IPC_SUCCESS);
    int rank = -1;
    assert_int_equal(ipc_comm_rank(c, &rank), IPC_SUCCESS);
    assert_int_equal(rank, 0);
    assert_int_equal(ipc_comm_free(&c), IPC_SUCCESS);
    assert_int_equal(ipc_comm_split(IPC_COMM_WORLD, -2, 0, &c), IPC_ERR_ARG);
    assert_int_equal(ipc_comm_split(IPC_COMM_WORLD, 0, 0, NULL), IPC_ERR_ARG);
    assert_int_equal(ipc_comm_free(&world), IPC_ERR_COMM);
    assert_int_equal(ipc_comm_free(&self), IPC_ERR_COMM);
    assert_int_equal(ipc_comm_free(&c), IPC_ERR_COMM); /* IPC_COMM_NULL */
    assert_int_equal(ipc_comm_free(NULL), IPC_ERR_ARG);
    /* A pointer that is no communicator is refused, not followed. */
    struct ipc__comm fake = *IPC_COMM_WORLD;
    assert_int_equal(ipc_barrier(&fake), IPC_ERR_COMM);
}

/* With one rank every collective is a copy (or nothing). */
static void one_rank_collectives(void **state)
{
    (void)state;
    ipc_comm c;
    assert_int_equal(ipc_comm_dup(IPC_COMM_SELF, &c), IPC_SUCCESS);
    int in[3] = {4, 5, 6}, out[3] = {0}, keep[3] = {-1, -1, -1};
    size_t counts[1] = {3}, displs[1] = {0};
    assert_int_equal(ipc_barrier(c), IPC_SUCCESS);
    assert_int_equal(ipc_bcast(in, 3, IPC_INT, 0, c), IPC_SUCCESS);
    assert_int_equal(ipc_allreduce(in, out, 3, IPC_INT, IPC_SUM, c), IPC_SUCCESS);
    assert_memory_equal(out, in, sizeof in);
    memset(out, 0, sizeof out);
    assert_int_equal(ipc_reduce(in, out, 3, IPC_INT, IPC_PROD, 0, c), IPC_SUCCESS);
    assert_memory_equal(out, in, sizeof in);
    memset(out, 0, sizeof out);
    assert_int_equal(ipc_scan(in, out, 3, IPC_INT, IPC_MAX, c), IPC_SUCCESS);
    assert_memory_equal(out, in, sizeof in);
    assert_int_equal(ipc_exscan(in, keep, 3, IPC_INT, IPC_MAX, c), IPC_SUCCESS);
    assert_int_equal(keep[0], -1); /* rank 0's exscan result is left alone */
    memset(out, 0, sizeof out);
    assert_int_equal(ipc_reduce_scatter_block(in, out, 3, IPC_INT, IPC_SUM, c),
                     IPC_SUCCESS);
    assert_memory_equal(out, in, sizeof in);
    memset(out, 0, sizeof out);
    assert_int_equal(ipc_gather(in, 3, IPC_INT, out, 3, IPC_INT, 0, c), IPC_SUCCESS);
    assert_memory_equal(out, in, sizeof in);
    memset(out, 0, sizeof out);
    assert_int_equal(ipc_scatterv(in, counts, displs, IPC_INT, out, 3, IPC_INT, 0, c),
                     IPC_SUCCESS);
    assert_memory_equal(out, in, sizeof in);
    memset(out, 0, sizeof out);
    assert_int_equal(ipc_allgatherv(in, 3, IPC_INT, out, counts, displs, IPC_INT, c),
                     IPC_SUCCESS);
    assert_memory_equal(out, in, sizeof in);
    memset(out, 0, sizeof out);
    assert_int_equal(ipc_alltoall(in, 3, IPC_INT, out, 3, IPC_INT, c), IPC_SUCCESS);
    assert_memory_equal(out, in, sizeof in);
    assert_int_equal(ipc_alltoall(IPC_IN_PLACE, 3, IPC_INT, out, 3, IPC_INT, c),
                     IPC_SUCCESS);
    assert_memory_equal(out, in, sizeof in);
    /* Argument errors come back before any communication. */
    assert_int_equal(ipc_allreduce(in, out, 3, IPC_FLOAT, IPC_BXOR, c), IPC_ERR_OP);
    assert_int_equal(ipc_allreduce(in, NULL, 3, IPC_INT, IPC_SUM, c), IPC_ERR_BUFFER);
    assert_int_equal(ipc_bcast(in, 3, IPC_INT, 1, c), IPC_ERR_RANK);
    assert_int_equal(ipc_gather(in, 2, IPC_INT, out, 3, IPC_INT, 0, c), IPC_ERR_COUNT);
    assert_int_equal(ipc_comm_free(&c), IPC_SUCCESS);
}

/* An intracommunicator's point-to-point ranks are its members. */
static void peers_of_intracommunicators(void **state)
{
    (void)state;
    assert_int_equal(IPC_COMM_WORLD->peer_size, IPC_COMM_WORLD->size);
    assert_null(IPC_COMM_WORLD->peers);
    assert_int_equal(IPC_COMM_SELF->peer_size, 1);
    assert_int_equal(ipc__world_rank(IPC_COMM_SELF, 0), 0);
    assert_false(ipc__comm_is_inter(IPC_COMM_WORLD));
    ipc_comm d, s;
    assert_int_equal(ipc_comm_dup(IPC_COMM_WORLD, &d), IPC_SUCCESS);
    assert_int_equal(ipc_comm_split(d, 4, 0, &s), IPC_SUCCESS);
    for (ipc_comm c = d; c; c = c == d ? s : IPC_COMM_NULL) {
        assert_ptr_equal(c->peers, c->world_ranks);
        assert_int_equal(c->peer_size, c->size);
        assert_false(ipc__comm_is_inter(c));
        assert_int_equal(ipc__member_world_rank(c, 0), ipc__world_rank(c, 0));
    }
    assert_int_equal(ipc_comm_free(&s), IPC_SUCCESS);
    assert_int_equal(ipc_comm_free(&d), IPC_SUCCESS);
}

static void intercomm_mechanics(void **state)
{
    (void)state;
    size_t live = ipc__comm_live_count();
    ipc_comm ic, dup, merged, split;
    uint32_t before = 0;
    assert_int_equal(ipc_comm_dup(IPC_COMM_SELF, &dup), IPC_SUCCESS);
    before = dup->ctx_coll;
    assert_int_equal(ipc_comm_free(&dup), IPC_SUCCESS);
    assert_int_equal(ipc__intercomm_create(IPC_COMM_SELF, 0, IPC_COMM_SELF, 0, 5, &ic),
                     IPC_SUCCESS);
    assert_true(ipc__comm_is_inter(ic));
    assert_int_equal(ipc__comm_live_count(), live + 2); /* and its local group */
    assert_int_equal(ic->size, 1);
    assert_int_equal(ic->peer_size, 1);
    assert_true(ic->ctx_p2p > before);
    assert_int_equal(ic->local->ctx_p2p, ic->ctx_p2p + 2);
    assert_false(ipc__comm_is_inter(ic->local));
    assert_int_equal(ipc_comm_size(ic->local, &(int){0}), IPC_SUCCESS);

    /* Point-to-point addresses the remote group; the source is a rank in it. */
    int v = 42, got = 0;
    ipc_status st;
    assert_int_equal(ipc_send(&v, 1, IPC_INT, 0, 3, ic), IPC_SUCCESS);
    assert_int_equal(ipc_recv(&got, 1, IPC_INT, IPC_ANY_SOURCE, 3, ic, &st), IPC_SUCCESS);
    assert_int_equal(got, 42);
    assert_int_equal(st.source, 0);
    assert_int_equal(ipc_send(&v, 1, IPC_INT, 1, 3, ic), IPC_ERR_RANK);

    /* Dup and split take fresh ids past the local ones; each frees its local. */
    assert_int_equal(ipc_comm_dup(ic, &dup), IPC_SUCCESS);
    assert_true(ipc__comm_is_inter(dup));
    assert_true(dup->ctx_p2p > ic->local->ctx_coll);
    assert_int_equal(ipc_comm_split(ic, 1, 0, &split), IPC_SUCCESS);
    assert_true(ipc__comm_is_inter(split));
    assert_int_equal(ipc__comm_live_count(), live + 6);
    assert_int_equal(ipc_comm_free(&split), IPC_SUCCESS);
    assert_int_equal(ipc_comm_split(ic, IPC_UNDEFINED, 0, &split), IPC_SUCCESS);
    assert_ptr_equal(split, IPC_COMM_NULL);
    assert_int_equal(ipc_comm_free(&dup), IPC_SUCCESS);

    /* Merge: both groups, one after the other. */
    assert_int_equal(ipc__intercomm_merge(ic, false, &merged), IPC_SUCCESS);
    assert_false(ipc__comm_is_inter(merged));
    assert_int_equal(merged->size, 2);
    assert_int_equal(merged->peer_size, 2);
    assert_int_equal(ipc_comm_free(&merged), IPC_SUCCESS);

    assert_int_equal(ipc__intercomm_merge(IPC_COMM_WORLD, false, &merged), IPC_ERR_COMM);
    assert_int_equal(ipc__intercomm_create(ic, 0, IPC_COMM_SELF, 0, 5, &dup),
                     IPC_ERR_COMM);
    assert_int_equal(ipc__intercomm_create(IPC_COMM_SELF, 1, IPC_COMM_SELF, 0, 5, &dup),
                     IPC_ERR_RANK);
    assert_int_equal(ipc__intercomm_create(IPC_COMM_SELF, 0, IPC_COMM_SELF, 1, 5, &dup),
                     IPC_ERR_RANK);
    assert_int_equal(ipc__intercomm_create(IPC_COMM_SELF, 0, IPC_COMM_NULL, 0, 5, &dup),
                     IPC_ERR_COMM);
    assert_int_equal(ipc_comm_free(&ic), IPC_SUCCESS);
    assert_int_equal(ipc__comm_live_count(), live);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(world_and_self),
        cmocka_unit_test(dup_gets_fresh_ids_and_is_released),
        cmocka_unit_test(split_undefined_and_bad_arguments),
        cmocka_unit_test(one_rank_collectives),
        cmocka_unit_test(peers_of_intracommunicators),
        cmocka_unit_test(intercomm_mechanics),
    };
    return cmocka_run_group_tests_name("comm", tests, join, leave);
}
