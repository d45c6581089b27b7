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

/* The rooted collectives, rooted in group A (root_in_a) or B at the last
 * rank of that group. */
static void test_rooted(MPI_Comm inter, int root_in_a)
{
    int root_lsize = root_in_a ? h : size - h, root_local = root_lsize - 1;
    int root_world = world_of(root_in_a, root_local);
    int mine = in_a == root_in_a, is_root = mine && lrank == root_local;
    int root = mine ? (is_root ? MPI_ROOT : MPI_PROC_NULL) : root_local;
    int buf[256], out[256];

    /* Bcast through a vector type: 3 ints at stride 2; the gaps stay. */
    MPI_Datatype vec;
    MPI_Type_vector(3, 1, 2, MPI_INT, &vec);
    MPI_Type_commit(&vec);
    for (int i = 0; i < 6; i++)
        buf[i] = is_root ? 1000 * root_world + i : -1;
    MPI_Bcast(buf, 1, vec, root, inter);
    for (int i = 0; i < 6; i++) {
        int want = is_root || (!mine && i % 2 == 0) ? 1000 * root_world + i : -1;
        CHECK_INT(buf[i], want, "MPI_Bcast element");
    }
    MPI_Type_free(&vec);

    /* Gather: two ints from each rank of the other group. */
    int two[2] = {rank, -rank};
    for (int i = 0; i < 256; i++)
        out[i] = -7;
    MPI_Gather(two, 2, MPI_INT, out, 2, MPI_INT, root, inter);
    for (int i = 0; i < (is_root ? rsize : 0); i++) {
        CHECK_INT(out[2 * i], world_of(!in_a, i), "MPI_Gather block");
        CHECK_INT(out[2 * i + 1], -world_of(!in_a, i), "MPI_Gather block");
    }
    if (!is_root)
        CHECK_INT(out[0], -7, "MPI_Gather wrote a non-root's buffer");

    /* Gatherv: remote rank i sends i+1 ints, stored in reverse order of
     * rank with one int of gap. */
    int counts[64], displs[64], at = 0;
    for (int i = rsize - 1; i >= 0; i--) {
        counts[i] = i + 1;
        displs[i] = at;
        at += i + 2;
    }
    for (int i = 0; i < lrank + 1; i++)
        buf[i] = 10 * rank + i;
    for (int i = 0; i < 256; i++)
        out[i] = -7;
    MPI_Gatherv(buf, lrank + 1, MPI_INT, out, counts, displs, MPI_INT, root, inter);
    for (int i = 0; i < (is_root ? rsize : 0); i++) {
        for (int k = 0; k <= i; k++)
            CHECK_INT(out[displs[i] + k], 10 * world_of(!in_a, i) + k, "MPI_Gatherv");
        CHECK_INT(out[displs[i] + i + 1], -7, "MPI_Gatherv gap");
    }

    /* Scatter: block i (two ints) to remote rank i. */
    for (int i = 0; i < 2 * rsize; i++)
        buf[i] = is_root ? 100 * root_world + i : -1;
    out[0] = out[1] = -7;
    MPI_Scatter(buf, 2, MPI_INT, out, 2, MPI_INT, root, inter);
    if (!mine) {
        CHECK_INT(out[0], 100 * root_world + 2 * lrank, "MPI_Scatter block");
        CHECK_INT(out[1], 100 * root_world + 2 * lrank + 1, "MPI_Scatter block");
    } else {
        CHECK_INT(out[0], -7, "MPI_Scatter wrote a buffer in the root's group");
    }

    /* Scatterv with the Gatherv layout. */
    for (int i = 0; i < at; i++)
        buf[i] = is_root ? 100 * root_world + i : -1;
    for (int i = 0; i < 64; i++)
        out[i] = -7;
    MPI_Scatterv(buf, counts, displs, MPI_INT, out, lrank + 1, MPI_INT, root, inter);
    if (!mine) {
        /* My counts and displacements are those the root computed for me. */
        int d = 0;
        for (int i = lsize - 1; i > lrank; i--)
            d += i + 2;
        for (int k = 0; k <= lrank; k++)
            CHECK_INT(out[k], 100 * root_world + d + k, "MPI_Scatterv block");
        CHECK_INT(out[lrank + 1], -7, "MPI_Scatterv wrote past its block");
    }

    /* Reduce: the other group's sum and maximum of world ranks. */
    int in2[2] = {rank, rank}, red[2] = {-7, -7}, rsum = 0, rmax = 0;
    for (int i = 0; i < rsize; i++) {
        rsum += world_of(!in_a, i);
        rmax = world_of(!in_a, i) > rmax ? world_of(!in_a, i) : rmax;
    }
    MPI_Reduce(in2, red, 1, MPI_INT, MPI_SUM, root, inter);
    MPI_Reduce(in2 + 1, red + 1, 1, MPI_INT, MPI_MAX, root, inter);
    CHECK_INT(red[0], is_root ? rsum : -7, "MPI_Reduce MPI_SUM");
    CHECK_INT(red[1], is_root ? rmax : -7, "MPI_Reduce MPI_MAX");
}

static void test_all_to_all(MPI_Comm inter)
{
    int buf[256], out[256], rsum = 0;
    for (int i = 0; i < rsize; i++)
        rsum += world_of(!in_a, i);

    MPI_Barrier(inter);

    /* Allgather: one int from each remote rank. */
    MPI_Allgather(&rank, 1, MPI_INT, out, 1, MPI_INT, inter);
    for (int i = 0; i < rsize; i++)
        CHECK_INT(out[i], world_of(!in_a, i), "MPI_Allgather");

    /* Allgatherv: remote rank i sends i+1 copies of its world rank, stored
     * from the end. */
    int counts[64], displs[64], at = 0;
    for (int i = rsize - 1; i >= 0; i--) {
        counts[i] = i + 1;
        displs[i] = at;
        at += i + 1;
    }
    for (int k = 0; k <= lrank; k++)
        buf[k] = rank;
    MPI_Allgatherv(buf, lrank + 1, MPI_INT, out, counts, displs, MPI_INT, inter);
    for (int i = 0; i < rsize; i++)
        for (int k = 0; k <= i; k++)
            CHECK_INT(out[displs[i] + k], world_of(!in_a, i), "MPI_Allgatherv");

    /* Alltoall: block i to remote rank i says who sent it to whom. */
    for (int i = 0; i < rsize; i++)
        buf[i] = 1000 * rank + world_of(!in_a, i);
    MPI_Alltoall(buf, 1, MPI_INT, out, 1, MPI_INT, inter);
    for (int i = 0; i < rsize; i++)
        CHECK_INT(out[i], 1000 * world_of(!in_a, i) + rank, "MPI_Alltoall");

    /* Alltoallv: (a + b) % 3 + 1 ints between local rank a and remote b. */
    int sc[64], sd[64], rc[64], rd[64], sat = 0, rat = 0;
    for (int i = 0; i < rsize; i++) {
        sc[i] = rc[i] = (lrank + i) % 3 + 1;
        sd[i] = sat;
        rd[i] = rat;
        for (int k = 0; k < sc[i]; k++)
            buf[sat + k] = 1000 * rank + 10 * world_of(!in_a, i) + k;
        sat += sc[i];
        rat += rc[i] + 1;
    }
    MPI_Alltoallv(buf, sc, sd, MPI_INT, out, rc, rd, MPI_INT, inter);
    for (int i = 0; i < rsize; i++)
        for (int k = 0; k < rc[i]; k++)
            CHECK_INT(out[rd[i] + k], 1000 * world_of(!in_a, i) + 10 * rank + k,
                      "MPI_Alltoallv");

    /* Allreduce: the other group's sum. */
    int sum = -1;
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, inter);
    CHECK_INT(sum, rsum, "MPI_Allreduce");
    double dsum = 0, drank = rank + 0.5;
    MPI_Allreduce(&drank, &dsum, 1, MPI_DOUBLE, MPI_SUM, inter);
    CHECK_DBL(dsum, rsum + 0.5 * rsize, "MPI_Allreduce of doubles");

    /* Reduce_scatter_block: element j of every rank's 2 * n is 100 * rank
     * + j, summed over its group; I get elements 2*lrank.. of the other
     * group's sum. MPI-3.1 has n the size of "the group", which only fits
     * groups of one size. */
    if (lsize == rsize) {
        for (int j = 0; j < 2 * lsize; j++)
            buf[j] = 100 * rank + j;
        out[0] = out[1] = -7;
        MPI_Reduce_scatter_block(buf, out, 2, MPI_INT, MPI_SUM, inter);
        for (int k = 0; k < 2; k++)
            CHECK_INT(out[k], 100 * rsum + (2 * lrank + k) * rsize,
                      "MPI_Reduce_scatter_block");
    }

    /* Reduce_scatter: 4 elements in all on each side, 1 for every rank but
     * the last, which takes the rest. */
    int total = 4 + 64, d = 0;
    for (int i = 0; i < lsize; i++) {
        counts[i] = i < lsize - 1 ? 1 : total - (lsize - 1);
        d += i < lrank ? counts[i] : 0;
    }
    for (int j = 0; j < total; j++)
        buf[j] = rank + 1000 * j;
    MPI_Reduce_scatter(buf, out, counts, MPI_INT, MPI_SUM, inter);
    for (int k = 0; k < counts[lrank]; k++)
        CHECK_INT(out[k], rsum + rsize * 1000 * (d + k), "MPI_Reduce_scatter");

    /* Scan is not defined on intercommunicators. (Nor is Exscan, but Open
     * MPI crashes on it rather than return the error.) */
    MPI_Comm_set_errhandler(inter, MPI_ERRORS_RETURN);
    int cls, err = MPI_Scan(&rank, &sum, 1, MPI_INT, MPI_SUM, inter);
    MPI_Error_class(err, &cls);
    CHECK_INT(cls, MPI_ERR_COMM, "MPI_Scan on an intercommunicator");
    err = MPI_Bcast(&sum, 1, MPI_INT, rsize, inter);
    MPI_Error_class(err, &cls);
    CHECK_INT(cls, MPI_ERR_ROOT, "MPI_Bcast with a root past the remote group");
    MPI_Comm_set_errhandler(inter, MPI_ERRORS_ARE_FATAL);
}

/* MPI_Comm_create on an intercommunicator: A's group is its rank 0 alone,
 * B's all of B; the others of A get MPI_COMM_NULL. */
static void test_create(MPI_Comm inter)
{
    MPI_Group local, sub;
    MPI_Comm c;
    int first = 0;
    MPI_Comm_group(inter, &local);
    if (in_a)
        MPI_Group_incl(local, 1, &first, &sub);
    else
        MPI_Group_excl(local, 0, NULL, &sub);
    MPI_Comm_create(inter, sub, &c);
    if (in_a && lrank != 0) {
        CHECK(c == MPI_COMM_NULL,
              "a process outside its side's group got a communicator");
    } else {
        int n, flag, v = rank;
        CHECK(c != MPI_COMM_NULL, "MPI_Comm_create on an intercommunicator gave null");
        MPI_Comm_test_inter(c, &flag);
        CHECK_INT(flag, 1, "MPI_Comm_create on an intercommunicator gives one");
        MPI_Comm_remote_size(c, &n);
        CHECK_INT(n, in_a ? rsize : 1, "remote size of the created intercommunicator");
        MPI_Comm_size(c, &n);
        CHECK_INT(n, in_a ? 1 : lsize, "size of the created intercommunicator");
        /* A's rank 0 broadcasts its world rank (0) to all of B. */
        MPI_Bcast(&v, 1, MPI_INT, in_a ? MPI_ROOT : 0, c);
        CHECK_INT(v, in_a ? rank : 0, "MPI_Bcast on the created intercommunicator");
        MPI_Comm_free(&c);
    }
    MPI_Group_free(&sub);
    MPI_Group_free(&local);
}

/* Arguments every member gets wrong alike come back under
 * MPI_ERRORS_RETURN. */
static void test_errors(void)
{
    MPI_Comm half, c = MPI_COMM_NULL;
    int flag;
    MPI_Comm_split(MPI_COMM_WORLD, in_a, rank, &half);
    MPI_Comm_set_errhandler(half, MPI_ERRORS_RETURN);
    CHECK(MPI_Intercomm_create(half, lsize, MPI_COMM_WORLD, 0, 17, &c) != MPI_SUCCESS,
          "a local leader past the group accepted");
    CHECK(c == MPI_COMM_NULL, "a failed MPI_Intercomm_create made a communicator");
    /* remote_leader is significant at the leader only: the leader's error
     * reaches every member of its group (each group here has a leader that
     * names a rank past world), not only the leader while the rest wait. */
    int err = MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, size + 3, 17, &c), cls = -1;
    MPI_Error_class(err, &cls);
    CHECK_INT(cls, MPI_ERR_RANK, "class of a remote leader past the peer communicator");
    CHECK(c == MPI_COMM_NULL, "a failed MPI_Intercomm_create made a communicator");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    CHECK(MPI_Comm_test_inter(MPI_COMM_NULL, &flag) != MPI_SUCCESS,
          "MPI_Comm_test_inter of MPI_COMM_NULL accepted");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_free(&half);
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
    test_rooted(inter, 1);
    test_rooted(inter, 0);
    test_all_to_all(inter);
    test_create(inter);
    test_errors();
    MPI_Comm_free(&inter);
    CHECK(inter == MPI_COMM_NULL, "MPI_Comm_free of an intercommunicator");
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
