/* intercomm.c - intercommunicators built from two halves of world (the
 * lower half A = world ranks 0..h-1, the upper B = h..size-1): remote size
 * and group, MPI_Comm_test_inter, point-to-point both ways (named sources and
 * MPI_ANY_SOURCE, statuses giving ranks of the remote group), merge order
 * with both flag combinations, dup, split, compare, and every collective
 * defined on intercommunicators with values that encode who sent them.
 * MPITEST_RANKS: 2 3 4
 */
#include "mpicheck.h"

static int rank, size, h;      /* h: ranks in A */
static int in_a, lrank, lsize; /* my group; rank and size in it */
static int rsize;              /* size of the remote group */

/* World rank of rank r of group A (a) or B. */
static int world_of(int a, int r)
{
    return a ? r : h + r;
}

static MPI_Comm make_inter(void)
{
    MPI_Comm half, inter;
    MPI_Comm_split(MPI_COMM_WORLD, in_a, rank, &half);
    /* Leaders: rank 0 of each half, named by their world rank (tag 17). */
    MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, in_a ? h : 0, 17, &inter);
    MPI_Comm_free(&half);
    return inter;
}

static void test_queries(MPI_Comm inter)
{
    int flag = -1, n, r, remote[64], idx[64];
    MPI_Comm_test_inter(inter, &flag);
    CHECK_INT(flag, 1, "MPI_Comm_test_inter of an intercommunicator");
    MPI_Comm_test_inter(MPI_COMM_WORLD, &flag);
    CHECK_INT(flag, 0, "MPI_Comm_test_inter of world");
    MPI_Comm_size(inter, &n);
    MPI_Comm_rank(inter, &r);
    CHECK_INT(n, lsize, "MPI_Comm_size (the local group)");
    CHECK_INT(r, lrank, "MPI_Comm_rank (in the local group)");
    MPI_Comm_remote_size(inter, &n);
    CHECK_INT(n, rsize, "MPI_Comm_remote_size");

    MPI_Group rg, lg, world;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    MPI_Comm_remote_group(inter, &rg);
    MPI_Group_size(rg, &n);
    CHECK_INT(n, rsize, "size of the remote group");
    MPI_Group_rank(rg, &r);
    CHECK_INT(r, MPI_UNDEFINED, "my rank in the remote group");
    for (int i = 0; i < rsize; i++)
        idx[i] = i;
    MPI_Group_translate_ranks(rg, rsize, idx, world, remote);
    for (int i = 0; i < rsize; i++)
        CHECK_INT(remote[i], world_of(!in_a, i), "world rank of a remote group member");
    MPI_Comm_group(inter, &lg);
    MPI_Group_size(lg, &n);
    CHECK_INT(n, lsize, "size of the local group");
    MPI_Group_free(&rg);
    MPI_Group_free(&lg);
    MPI_Group_free(&world);
}

/* Each rank of A sends to every rank of B and back, B answering in reverse
 * order; receives by name and by MPI_ANY_SOURCE. */
static void test_p2p(MPI_Comm inter)
{
    for (int i = 0; i < rsize; i++) {
        int v = 1000 * rank + world_of(!in_a, i);
        MPI_Send(&v, 1, MPI_INT, i, in_a ? 1 : 2, inter);
    }
    for (int i = 0; i < rsize; i++) {
        int v = -1;
        MPI_Status st;
        MPI_Recv(&v, 1, MPI_INT, i, in_a ? 2 : 1, inter, &st);
        CHECK_INT(st.MPI_SOURCE, i, "status source (a rank of the remote group)");
        CHECK_INT(st.MPI_TAG, in_a ? 2 : 1, "status tag");
        CHECK_INT(v, 1000 * world_of(!in_a, i) + rank, "value from a named source");
    }
    /* Every remote rank sends its remote rank to my rank; I take them in
     * any order. */
    MPI_Request reqs[64];
    int out[64];
    for (int i = 0; i < rsize; i++) {
        out[i] = 100 * lrank + i;
        MPI_Isend(&out[i], 1, MPI_INT, i, 5, inter, &reqs[i]);
    }
    int seen[64] = {0};
    for (int i = 0; i < rsize; i++) {
        int v = -1;
        MPI_Status st;
        MPI_Recv(&v, 1, MPI_INT, MPI_ANY_SOURCE, 5, inter, &st);
        CHECK(st.MPI_SOURCE >= 0 && st.MPI_SOURCE < rsize, "ANY_SOURCE gave source %d",
              st.MPI_SOURCE);
        CHECK_INT(v, 100 * st.MPI_SOURCE + lrank, "value from MPI_ANY_SOURCE");
        CHECK(!seen[st.MPI_SOURCE]++, "source %d twice", st.MPI_SOURCE);
        int count;
        MPI_Get_count(&st, MPI_INT, &count);
        CHECK_INT(count, 1, "MPI_Get_count");
    }
    MPI_Waitall(rsize, reqs, MPI_STATUSES_IGNORE);
    /* Sendrecv with the remote rank of my own local rank, where it exists;
     * then probe a message of any tag before receiving it. */
    int v = rank;
    MPI_Status st;
    if (lrank < rsize) {
        MPI_Sendrecv_replace(&v, 1, MPI_INT, lrank, 9, MPI_ANY_SOURCE, 9, inter, &st);
        CHECK_INT(st.MPI_SOURCE, lrank, "MPI_Sendrecv_replace source");
        CHECK_INT(v, world_of(!in_a, lrank), "MPI_Sendrecv_replace value");
    }
    if (lrank == 0) {
        v = rank;
        MPI_Send(&v, 1, MPI_INT, rsize - 1, 11, inter);
    }
    if (lrank == lsize - 1) {
        MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, inter, &st);
        CHECK_INT(st.MPI_SOURCE, 0, "MPI_Probe source");
        CHECK_INT(st.MPI_TAG, 11, "MPI_Probe tag");
        MPI_Recv(&v, 1, MPI_INT, st.MPI_SOURCE, st.MPI_TAG, inter, &st);
        CHECK_INT(v, world_of(!in_a, 0), "value after MPI_Probe");
    }
    MPI_Send(&v, 1, MPI_INT, MPI_PROC_NULL, 9, inter);
    MPI_Recv(&v, 1, MPI_INT, MPI_PROC_NULL, 9, inter, &st);
    CHECK_INT(st.MPI_SOURCE, MPI_PROC_NULL, "receive from MPI_PROC_NULL");
}

/* Merge: high == 0 goes first; equal flags give either order, the same on
 * all. */
static void test_merge(MPI_Comm inter)
{
    for (int flags = 0; flags < 3; flags++) {
        /* 0: A low, B high; 1: A high, B low; 2: both low */
        int high = flags == 0 ? !in_a : flags == 1 ? in_a : 0;
        MPI_Comm m;
        int mr, ms, all[64];
        MPI_Intercomm_merge(inter, high, &m);
        MPI_Comm_size(m, &ms);
        MPI_Comm_rank(m, &mr);
        CHECK_INT(ms, size, "size of the merged communicator");
        MPI_Allgather(&rank, 1, MPI_INT, all, 1, MPI_INT, m);
        int a_first = flags == 0 ? 1 : flags == 1 ? 0 : all[0] < h;
        for (int i = 0; i < size; i++) {
            int want = a_first ? i : (i < size - h ? h + i : i - (size - h));
            CHECK(all[i] == want, "merge %d: member %d is world rank %d, expected %d",
                  flags, i, all[i], want);
        }
        CHECK_INT(all[mr], rank, "my place in the merged communicator");
        int test = 7;
        MPI_Comm_test_inter(m, &test);
        CHECK_INT(test, 0, "a merged communicator is an intracommunicator");
        MPI_Comm_free(&m);
    }
}

static void test_dup_split_compare(MPI_Comm inter)
{
    MPI_Comm d, s;
    int result, v = rank, got = -1;
    MPI_Comm_dup(inter, &d);
    MPI_Comm_compare(inter, d, &result);
    CHECK_INT(result, MPI_CONGRUENT, "an intercommunicator compared to its dup");
    MPI_Comm_compare(inter, MPI_COMM_WORLD, &result);
    CHECK_INT(result, MPI_UNEQUAL, "an intercommunicator compared to world");
    /* Traffic on the dup does not mix with the original's. */
    MPI_Request r;
    MPI_Irecv(&got, 1, MPI_INT, 0, 3, inter, &r);
    if (lrank == 0) {
        int other = 1000 + rank;
        MPI_Send(&other, 1, MPI_INT, 0, 3, d);
    }
    if (lrank == 0)
        for (int i = 0; i < rsize; i++)
            MPI_Send(&v, 1, MPI_INT, i, 3, inter);
    MPI_Wait(&r, MPI_STATUS_IGNORE);
    CHECK_INT(got, world_of(!in_a, 0), "message on the intercommunicator, not its dup");
    if (lrank == 0) {
        MPI_Recv(&got, 1, MPI_INT, 0, 3, d, MPI_STATUS_IGNORE);
        CHECK_INT(got, 1000 + world_of(!in_a, 0), "message on the dup");
    }
    int flag;
    MPI_Comm_test_inter(d, &flag);
    CHECK_INT(flag, 1, "a dup of an intercommunicator is one");
    MPI_Comm_free(&d);

    /* Split by parity of the local rank, key reversing the order; colour 1
     * exists on both sides only when both groups have two ranks. */
    MPI_Comm_split(inter, lrank % 2, -lrank, &s);
    int want_local = (lsize - lrank % 2 + 1) / 2,
        want_remote = (rsize - lrank % 2 + 1) / 2;
    if (want_remote == 0) {
        CHECK(s == MPI_COMM_NULL,
              "a colour missing on the other side gave a communicator");
    } else {
        int n, r;
        CHECK(s != MPI_COMM_NULL, "split of an intercommunicator gave MPI_COMM_NULL");
        MPI_Comm_size(s, &n);
        MPI_Comm_rank(s, &r);
        CHECK_INT(n, want_local, "local size after the split");
        CHECK_INT(r, want_local - 1 - lrank / 2,
                  "local rank after the split (key -rank)");
        MPI_Comm_remote_size(s, &n);
        CHECK_INT(n, want_remote, "remote size after the split");
        /* Remote rank 0 is the highest remote rank of my colour. */
        int top = rsize - 1 - ((rsize - 1) % 2 != lrank % 2);
        if (r == 0) {
            int w = rank;
            MPI_Send(&w, 1, MPI_INT, 0, 4, s);
            MPI_Recv(&w, 1, MPI_INT, 0, 4, s, MPI_STATUS_IGNORE);
            CHECK_INT(w, world_of(!in_a, top), "remote rank 0 after the split");
        }
        MPI_Comm_free(&s);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("intercomm", &rank, &size);
    CHECK(size >= 2 && size <= 64, "2 to 64 ranks");
    h = size / 2;
    in_a = rank < h;
    lsize = in_a ? h : size - h;
    rsize = size - lsize;
    lrank = in_a ? rank : rank - h;
    MPI_Comm inter = make_inter();
    test_queries(inter);
    test_p2p(inter);
    test_merge(inter);
    test_dup_split_compare(inter);
    MPI_Comm_free(&inter);
    CHECK(inter == MPI_COMM_NULL, "MPI_Comm_free of an intercommunicator");
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
