/* alltoallw.c - MPI_Alltoallw: every block with its own datatype and a
 * displacement in bytes. Rank i sends rank j k = (i + j) % 3 + 1 ints of
 * value 1000 i + 10 j + e; even blocks go as MPI_INT x k, odd ones as one
 * strided vector (every other int of a buffer); they are received as one
 * contiguous type of k ints or as MPI_INT x k, into a receive buffer whose
 * blocks lie in reverse order with gaps that must stay untouched. Then the
 * same in place, and on an intercommunicator (two halves of the world). */
#include "mpicheck.h"

#define MAXK 3
#define GAP 5 /* ints left between receive blocks */
#define UNTOUCHED (-7)

static int rank, size;

static int k_of(int i, int j)
{
    return (i + j) % 3 + 1;
}

static int value(int i, int j, int e)
{
    return 1000 * i + 10 * j + e;
}

/* Types of one block of k ints, strided (every other int) or plain. */
static MPI_Datatype strided[MAXK + 1], plain[MAXK + 1];

static void make_types(void)
{
    for (int k = 1; k <= MAXK; k++) {
        MPI_Type_vector(k, 1, 2, MPI_INT, &strided[k]);
        MPI_Type_commit(&strided[k]);
        MPI_Type_contiguous(k, MPI_INT, &plain[k]);
        MPI_Type_commit(&plain[k]);
    }
}

static void free_types(void)
{
    for (int k = 1; k <= MAXK; k++) {
        MPI_Type_free(&strided[k]);
        MPI_Type_free(&plain[k]);
    }
}

/* n peers: me = my rank in my group, peer j's rank in its own group is j.
 * Fills the receive-side arrays: block j at the end first, with gaps. */
static int *receive_layout(int n, int me, int counts[], int displs[], MPI_Datatype types[],
                           size_t *ints)
{
    size_t off = GAP;
    for (int j = n - 1; j >= 0; j--) {
        int k = k_of(j, me);
        counts[j] = j % 2 ? k : 1;
        types[j] = j % 2 ? MPI_INT : plain[k];
        displs[j] = (int)(off * sizeof(int));
        off += (size_t)k + GAP;
    }
    *ints = off;
    int *buf = malloc(off * sizeof *buf);
    for (size_t x = 0; x < off; x++)
        buf[x] = UNTOUCHED;
    return buf;
}

static void check_received(const int *buf, size_t ints, int n, int me, const int displs[],
                           const char *what)
{
    char *seen = calloc(ints, 1);
    for (int j = 0; j < n; j++) {
        int k = k_of(j, me);
        const int *b = buf + displs[j] / (int)sizeof(int);
        for (int e = 0; e < k; e++) {
            CHECK(b[e] == value(j, me, e), "%s: block from %d, element %d is %d, expected %d",
                  what, j, e, b[e], value(j, me, e));
            seen[b - buf + e] = 1;
        }
    }
    for (size_t x = 0; x < ints; x++)
        CHECK(seen[x] || buf[x] == UNTOUCHED, "%s: int %zu outside every block was written",
              what, x);
    free(seen);
}

/* Alltoallw over comm, whose remote (or only) group has n ranks; me is this
 * rank's number in its own group. */
static void exchange(MPI_Comm comm, int n, int me, const char *what)
{
    int *scounts = malloc(4 * (size_t)n * sizeof(int)), *sdispls = scounts + n;
    int *rcounts = scounts + 2 * n, *rdispls = scounts + 3 * n;
    MPI_Datatype *stypes = malloc(2 * (size_t)n * sizeof *stypes), *rtypes = stypes + n;
    /* Send side: block j at j * 2 MAXK ints, odd blocks strided. */
    int *sbuf = malloc((size_t)n * 2 * MAXK * sizeof *sbuf);
    for (int j = 0; j < n; j++) {
        int k = k_of(me, j), *b = sbuf + j * 2 * MAXK;
        for (int x = 0; x < 2 * MAXK; x++)
            b[x] = -1;
        for (int e = 0; e < k; e++)
            b[j % 2 ? 2 * e : e] = value(me, j, e);
        scounts[j] = j % 2 ? 1 : k;
        stypes[j] = j % 2 ? strided[k] : MPI_INT;
        sdispls[j] = j * 2 * MAXK * (int)sizeof(int);
    }
    size_t ints;
    int *rbuf = receive_layout(n, me, rcounts, rdispls, rtypes, &ints);
    CHECK_INT(MPI_Alltoallw(sbuf, scounts, sdispls, stypes, rbuf, rcounts, rdispls, rtypes,
                            comm),
              MPI_SUCCESS, "MPI_Alltoallw");
    check_received(rbuf, ints, n, me, rdispls, what);
    free(sbuf);
    free(rbuf);
    free(scounts);
    free(stypes);
}

/* In place: the receive buffer holds what goes out, in the receive layout
 * (so block sizes must agree both ways: k_of is symmetric). */
static void exchange_in_place(void)
{
    int *c = malloc(2 * (size_t)size * sizeof *c), *counts = c, *displs = c + size;
    MPI_Datatype *types = malloc((size_t)size * sizeof *types);
    size_t ints;
    int *buf = receive_layout(size, rank, counts, displs, types, &ints);
    for (int j = 0; j < size; j++)
        for (int e = 0; e < k_of(rank, j); e++)
            buf[displs[j] / (int)sizeof(int) + e] = value(rank, j, e);
    CHECK_INT(MPI_Alltoallw(MPI_IN_PLACE, NULL, NULL, NULL, buf, counts, displs, types,
                            MPI_COMM_WORLD),
              MPI_SUCCESS, "MPI_Alltoallw in place");
    check_received(buf, ints, size, rank, displs, "in place");
    free(buf);
    free(c);
    free(types);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("alltoallw", &rank, &size);
    make_types();
    exchange(MPI_COMM_WORLD, size, rank, "MPI_COMM_WORLD");
    exchange_in_place();
    if (size >= 2) {
        int in_a = rank < size / 2, h = size / 2;
        MPI_Comm half, inter;
        MPI_Comm_split(MPI_COMM_WORLD, in_a, rank, &half);
        MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, in_a ? h : 0, 23, &inter);
        int me, remote;
        MPI_Comm_rank(inter, &me);
        MPI_Comm_remote_size(inter, &remote);
        /* Values name group ranks: a block from remote rank j to me. */
        exchange(inter, remote, me, "intercommunicator");
        MPI_Comm_free(&inter);
        MPI_Comm_free(&half);
    }
    free_types();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
