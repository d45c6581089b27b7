/* collectives.c - every collective, from every root, with its v-form and
 * MPI_IN_PLACE: Barrier, Bcast, Reduce, Allreduce, Scan, Exscan,
 * Reduce_scatter_block, Reduce_scatter, Gather(v), Scatter(v), Allgather(v),
 * Alltoall(v). Values encode who sent them, so a misplaced block shows.
 * MPITEST_RANKS: 1 2 3 4 8 */
#include "mpicheck.h"

enum { K = 3, MAXRANKS = 64 };
static int rank, size;

/* A ranks's element i of what it contributes. */
static int val(int r, int i)
{
    return r * 1000 + i;
}

static int *ints(int n, int fill)
{
    int *v = malloc((size_t)(n > 0 ? n : 1) * sizeof *v);
    CHECK(v, "out of memory");
    for (int i = 0; i < n; i++)
        v[i] = fill;
    return v;
}

static void test_bcast_reduce(int root)
{
    int b[K], s[K], r[K];
    for (int i = 0; i < K; i++)
        b[i] = rank == root ? val(root, i) : -1;
    MPI_Bcast(b, K, MPI_INT, root, MPI_COMM_WORLD);
    for (int i = 0; i < K; i++)
        CHECK_INT(b[i], val(root, i), "MPI_Bcast");

    int sum_ranks = size * (size - 1) / 2;
    for (int i = 0; i < K; i++) {
        s[i] = val(rank, i);
        r[i] = -1;
    }
    MPI_Reduce(s, r, K, MPI_INT, MPI_SUM, root, MPI_COMM_WORLD);
    if (rank == root)
        for (int i = 0; i < K; i++)
            CHECK_INT(r[i], 1000 * sum_ranks + size * i, "MPI_Reduce");
    MPI_Reduce(rank == root ? MPI_IN_PLACE : s, s, K, MPI_INT, MPI_SUM, root,
               MPI_COMM_WORLD);
    if (rank == root)
        for (int i = 0; i < K; i++)
            CHECK_INT(s[i], 1000 * sum_ranks + size * i, "MPI_Reduce in place");
}

static void test_allreduce_scan(void)
{
    int s[K], r[K], sum_ranks = size * (size - 1) / 2;
    for (int i = 0; i < K; i++)
        s[i] = val(rank, i);
    MPI_Allreduce(s, r, K, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < K; i++)
        CHECK_INT(r[i], 1000 * sum_ranks + size * i, "MPI_Allreduce");
    MPI_Allreduce(MPI_IN_PLACE, s, K, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < K; i++)
        CHECK_INT(s[i], 1000 * sum_ranks + size * i, "MPI_Allreduce in place");

    /* Over ranks 0..rank (Scan) and 0..rank-1 (Exscan). */
    int incl = rank * (rank + 1) / 2, excl = (rank - 1) * rank / 2;
    for (int i = 0; i < K; i++)
        s[i] = val(rank, i);
    MPI_Scan(s, r, K, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < K; i++)
        CHECK_INT(r[i], 1000 * incl + (rank + 1) * i, "MPI_Scan");
    MPI_Scan(MPI_IN_PLACE, s, K, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < K; i++)
        CHECK_INT(s[i], 1000 * incl + (rank + 1) * i, "MPI_Scan in place");

    for (int i = 0; i < K; i++)
        s[i] = val(rank, i);
    MPI_Exscan(s, r, K, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank > 0)
        for (int i = 0; i < K; i++)
            CHECK_INT(r[i], 1000 * excl + rank * i, "MPI_Exscan");
    MPI_Exscan(MPI_IN_PLACE, s, K, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    if (rank > 0)
        for (int i = 0; i < K; i++)
            CHECK_INT(s[i], 1000 * excl + rank * i, "MPI_Exscan in place");
}

/* Rank r gets block r of the element-wise sum; in Reduce_scatter block p
 * has p+1 elements. */
static void test_reduce_scatter(void)
{
    int n = size * K, sum_ranks = size * (size - 1) / 2;
    int *s = ints(n, 0), *r = ints(K, -1);
    for (int i = 0; i < n; i++)
        s[i] = val(rank, i);
    MPI_Reduce_scatter_block(s, r, K, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < K; i++)
        CHECK_INT(r[i], 1000 * sum_ranks + size * (rank * K + i), "Reduce_scatter_block");
    MPI_Reduce_scatter_block(MPI_IN_PLACE, s, K, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < K; i++)
        CHECK_INT(s[i], 1000 * sum_ranks + size * (rank * K + i),
                  "Reduce_scatter_block in place");
    free(s);
    free(r);

    int counts[MAXRANKS], total = size * (size + 1) / 2, first = rank * (rank + 1) / 2;
    for (int p = 0; p < size; p++)
        counts[p] = p + 1;
    s = ints(total, 0);
    r = ints(rank + 1, -1);
    for (int i = 0; i < total; i++)
        s[i] = val(rank, i);
    MPI_Reduce_scatter(s, r, counts, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i <= rank; i++)
        CHECK_INT(r[i], 1000 * sum_ranks + size * (first + i), "MPI_Reduce_scatter");
    MPI_Reduce_scatter(MPI_IN_PLACE, s, counts, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i <= rank; i++)
        CHECK_INT(s[i], 1000 * sum_ranks + size * (first + i),
                  "MPI_Reduce_scatter in place");
    free(s);
    free(r);
}

/* v-forms: rank p has p+1 elements, at displacement p*(size+2): gaps stay. */
static void v_layout(int *counts, int *displs)
{
    for (int p = 0; p < size; p++) {
        counts[p] = p + 1;
        displs[p] = p * (size + 2);
    }
}

static void check_v(const int *buf, const int *counts, const int *displs, int only,
                    const char *what)
{
    for (int p = 0; p < size; p++) {
        if (only >= 0 && p != only)
            continue;
        for (int i = 0; i < counts[p]; i++)
            CHECK(buf[displs[p] + i] == val(p, i), "%s: element %d from rank %d is %d",
                  what, i, p, buf[displs[p] + i]);
        CHECK(buf[displs[p] + counts[p]] == -1, "%s: the gap after rank %d's block "
              "was written", what, p);
    }
}

static void test_gather_scatter(int root)
{
    int counts[MAXRANKS], displs[MAXRANKS], vlen = size * (size + 2);
    int mine[MAXRANKS + 1], *all = ints(size * K, -1), *v = ints(vlen, -1);
    v_layout(counts, displs);
    for (int i = 0; i <= MAXRANKS; i++)
        mine[i] = val(rank, i);

    MPI_Gather(mine, K, MPI_INT, all, K, MPI_INT, root, MPI_COMM_WORLD);
    if (rank == root)
        for (int p = 0; p < size; p++)
            for (int i = 0; i < K; i++)
                CHECK_INT(all[p * K + i], val(p, i), "MPI_Gather");
    for (int i = 0; i < size * K; i++)
        all[i] = rank == root && i / K == root ? val(root, i % K) : -1;
    MPI_Gather(rank == root ? MPI_IN_PLACE : mine, K, MPI_INT, all, K, MPI_INT, root,
               MPI_COMM_WORLD);
    if (rank == root)
        for (int p = 0; p < size; p++)
            for (int i = 0; i < K; i++)
                CHECK_INT(all[p * K + i], val(p, i), "MPI_Gather in place");

    MPI_Gatherv(mine, rank + 1, MPI_INT, v, counts, displs, MPI_INT, root, MPI_COMM_WORLD);
    if (rank == root)
        check_v(v, counts, displs, -1, "MPI_Gatherv");
    for (int i = 0; i < vlen; i++)
        v[i] = -1;
    if (rank == root)
        for (int i = 0; i <= root; i++)
            v[displs[root] + i] = val(root, i);
    MPI_Gatherv(rank == root ? MPI_IN_PLACE : mine, rank + 1, MPI_INT, v, counts, displs,
                MPI_INT, root, MPI_COMM_WORLD);
    if (rank == root)
        check_v(v, counts, displs, -1, "MPI_Gatherv in place");

    /* The root scatters what it holds for each rank: val(p, i). */
    int got[MAXRANKS + 1];
    for (int p = 0; p < size; p++)
        for (int i = 0; i < K; i++)
            all[p * K + i] = val(p, i);
    for (int i = 0; i < K; i++)
        got[i] = -1;
    MPI_Scatter(all, K, MPI_INT, got, K, MPI_INT, root, MPI_COMM_WORLD);
    for (int i = 0; i < K; i++)
        CHECK_INT(got[i], val(rank, i), "MPI_Scatter");
    MPI_Scatter(all, K, MPI_INT, rank == root ? MPI_IN_PLACE : got, K, MPI_INT, root,
                MPI_COMM_WORLD);
    if (rank == root)
        for (int i = 0; i < K; i++)
            CHECK_INT(all[root * K + i], val(root, i), "MPI_Scatter in place (root)");
    else
        for (int i = 0; i < K; i++)
            CHECK_INT(got[i], val(rank, i), "MPI_Scatter in place");

    for (int i = 0; i < vlen; i++)
        v[i] = -1;
    for (int p = 0; p < size; p++)
        for (int i = 0; i < counts[p]; i++)
            v[displs[p] + i] = val(p, i);
    for (int i = 0; i <= size; i++)
        got[i] = -1;
    MPI_Scatterv(v, counts, displs, MPI_INT, got, rank + 1, MPI_INT, root, MPI_COMM_WORLD);
    for (int i = 0; i <= rank; i++)
        CHECK_INT(got[i], val(rank, i), "MPI_Scatterv");
    CHECK_INT(got[rank + 1], -1, "element after the MPI_Scatterv block");
    MPI_Scatterv(v, counts, displs, MPI_INT, rank == root ? MPI_IN_PLACE : got, rank + 1,
                 MPI_INT, root, MPI_COMM_WORLD);
    if (rank != root)
        for (int i = 0; i <= rank; i++)
            CHECK_INT(got[i], val(rank, i), "MPI_Scatterv in place");
    free(all);
    free(v);
}

static void test_allgather(void)
{
    int counts[MAXRANKS], displs[MAXRANKS], vlen = size * (size + 2);
    int mine[MAXRANKS + 1], *all = ints(size * K, -1), *v = ints(vlen, -1);
    v_layout(counts, displs);
    for (int i = 0; i <= MAXRANKS; i++)
        mine[i] = val(rank, i);

    MPI_Allgather(mine, K, MPI_INT, all, K, MPI_INT, MPI_COMM_WORLD);
    for (int p = 0; p < size; p++)
        for (int i = 0; i < K; i++)
            CHECK_INT(all[p * K + i], val(p, i), "MPI_Allgather");
    for (int i = 0; i < size * K; i++)
        all[i] = i / K == rank ? val(rank, i % K) : -1;
    MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, all, K, MPI_INT, MPI_COMM_WORLD);
    for (int p = 0; p < size; p++)
        for (int i = 0; i < K; i++)
            CHECK_INT(all[p * K + i], val(p, i), "MPI_Allgather in place");

    MPI_Allgatherv(mine, rank + 1, MPI_INT, v, counts, displs, MPI_INT, MPI_COMM_WORLD);
    check_v(v, counts, displs, -1, "MPI_Allgatherv");
    for (int i = 0; i < vlen; i++)
        v[i] = -1;
    for (int i = 0; i <= rank; i++)
        v[displs[rank] + i] = val(rank, i);
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, v, counts, displs, MPI_INT,
                   MPI_COMM_WORLD);
    check_v(v, counts, displs, -1, "MPI_Allgatherv in place");
    free(all);
    free(v);
}

/* Element i of the block rank a sends rank b. */
static int a2a(int a, int b, int i)
{
    return a * 10000 + b * 100 + i;
}

static void test_alltoall(void)
{
    int *s = ints(size * K, -1), *r = ints(size * K, -1);
    for (int p = 0; p < size; p++)
        for (int i = 0; i < K; i++)
            s[p * K + i] = a2a(rank, p, i);
    MPI_Alltoall(s, K, MPI_INT, r, K, MPI_INT, MPI_COMM_WORLD);
    for (int p = 0; p < size; p++)
        for (int i = 0; i < K; i++)
            CHECK_INT(r[p * K + i], a2a(p, rank, i), "MPI_Alltoall");
    MPI_Alltoall(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, s, K, MPI_INT, MPI_COMM_WORLD);
    for (int p = 0; p < size; p++)
        for (int i = 0; i < K; i++)
            CHECK_INT(s[p * K + i], a2a(p, rank, i), "MPI_Alltoall in place");
    free(s);
    free(r);

    /* Ranks a and b exchange (a + b) % 3 + 1 elements each way; blocks sit
     * one element apart. */
    int sc[MAXRANKS], sd[MAXRANKS], n = 0;
    for (int p = 0; p < size; p++) {
        sc[p] = (rank + p) % 3 + 1;
        sd[p] = n;
        n += sc[p] + 1;
    }
    s = ints(n, -1);
    r = ints(n, -1);
    for (int p = 0; p < size; p++)
        for (int i = 0; i < sc[p]; i++)
            s[sd[p] + i] = a2a(rank, p, i);
    MPI_Alltoallv(s, sc, sd, MPI_INT, r, sc, sd, MPI_INT, MPI_COMM_WORLD);
    for (int p = 0; p < size; p++) {
        for (int i = 0; i < sc[p]; i++)
            CHECK_INT(r[sd[p] + i], a2a(p, rank, i), "MPI_Alltoallv");
        CHECK_INT(r[sd[p] + sc[p]], -1, "gap after an MPI_Alltoallv block");
    }
    MPI_Alltoallv(MPI_IN_PLACE, NULL, NULL, MPI_DATATYPE_NULL, s, sc, sd, MPI_INT,
                  MPI_COMM_WORLD);
    for (int p = 0; p < size; p++) {
        for (int i = 0; i < sc[p]; i++)
            CHECK_INT(s[sd[p] + i], a2a(p, rank, i), "MPI_Alltoallv in place");
        CHECK_INT(s[sd[p] + sc[p]], -1, "gap after an MPI_Alltoallv in place block");
    }
    free(s);
    free(r);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("collectives", &rank, &size);
    CHECK(size <= MAXRANKS, "at most %d ranks", MAXRANKS);
    MPI_Barrier(MPI_COMM_WORLD);
    for (int root = 0; root < size; root++) {
        test_bcast_reduce(root);
        test_gather_scatter(root);
    }
    test_allreduce_scan();
    test_reduce_scatter();
    test_allgather();
    test_alltoall();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
