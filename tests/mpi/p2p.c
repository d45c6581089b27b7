/* p2p.c - blocking point-to-point: status inspection (MPI_SOURCE, MPI_TAG,
 * MPI_Get_count), MPI_ANY_SOURCE/MPI_ANY_TAG, MPI_PROC_NULL, message order,
 * ping-pong (small and 1 MiB), a token ring, Sendrecv and Sendrecv_replace.
 * MPITEST_RANKS: 1 2 3 4 8 */
#include "mpicheck.h"

static int rank, size;

/* Every rank sends rank+1 ints with tag 10+rank to rank 0, which takes them
 * in any order and learns source, tag and length from the status. */
static void test_status(void)
{
    int buf[64];
    if (rank != 0) {
        for (int i = 0; i <= rank; i++)
            buf[i] = rank * 100 + i;
        MPI_Send(buf, rank + 1, MPI_INT, 0, 10 + rank, MPI_COMM_WORLD);
        return;
    }
    int seen[64] = {0};
    for (int n = 1; n < size; n++) {
        MPI_Status st;
        int count;
        MPI_Recv(buf, 64, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
        int src = st.MPI_SOURCE;
        CHECK(src > 0 && src < size && !seen[src], "MPI_SOURCE %d unexpected", src);
        seen[src] = 1;
        CHECK_INT(st.MPI_TAG, 10 + src, "MPI_TAG");
        MPI_Get_count(&st, MPI_INT, &count);
        CHECK_INT(count, src + 1, "MPI_Get_count");
        for (int i = 0; i < count; i++)
            CHECK_INT(buf[i], src * 100 + i, "received value");
    }
}

static void test_proc_null(void)
{
    int x = 42, count = -1;
    MPI_Status st;
    MPI_Send(&x, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD);
    MPI_Recv(&x, 1, MPI_INT, MPI_PROC_NULL, 5, MPI_COMM_WORLD, &st);
    CHECK_INT(x, 42, "buffer after a receive from MPI_PROC_NULL");
    CHECK_INT(st.MPI_SOURCE, MPI_PROC_NULL, "MPI_SOURCE of a receive from MPI_PROC_NULL");
    CHECK_INT(st.MPI_TAG, MPI_ANY_TAG, "MPI_TAG of a receive from MPI_PROC_NULL");
    MPI_Get_count(&st, MPI_INT, &count);
    CHECK_INT(count, 0, "MPI_Get_count of a receive from MPI_PROC_NULL");
}

/* Rank 1 sends tags 1, 2, 2; rank 0 takes tag 2 first, then MPI_ANY_TAG:
 * same-tag messages never overtake each other. */
static void test_order(void)
{
    if (size < 2 || rank > 1)
        return;
    int v[3] = {1, 2, 3}, got;
    MPI_Status st;
    if (rank == 1) {
        MPI_Request r[3];
        MPI_Isend(&v[0], 1, MPI_INT, 0, 1, MPI_COMM_WORLD, &r[0]);
        MPI_Isend(&v[1], 1, MPI_INT, 0, 2, MPI_COMM_WORLD, &r[1]);
        MPI_Isend(&v[2], 1, MPI_INT, 0, 2, MPI_COMM_WORLD, &r[2]);
        MPI_Waitall(3, r, MPI_STATUSES_IGNORE);
        return;
    }
    MPI_Recv(&got, 1, MPI_INT, 1, 2, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK_INT(got, 2, "first message with tag 2");
    MPI_Recv(&got, 1, MPI_INT, 1, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    CHECK_INT(got, 1, "oldest message left (tag 1)");
    CHECK_INT(st.MPI_TAG, 1, "MPI_TAG of oldest message left");
    MPI_Recv(&got, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
    CHECK_INT(got, 3, "second message with tag 2");
}

static void test_pingpong(void)
{
    enum { ROUNDS = 100, BIG = 1 << 20 };
    if (size < 2 || rank > 1)
        return;
    int peer = 1 - rank, counter = 0;
    for (int i = 0; i < ROUNDS; i++) {
        if ((i % 2) == rank) {
            counter++;
            MPI_Send(&counter, 1, MPI_INT, peer, 7, MPI_COMM_WORLD);
        } else {
            MPI_Recv(&counter, 1, MPI_INT, peer, 7, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        }
    }
    CHECK_INT(counter, ROUNDS, "ping-pong counter");

    unsigned char *big = malloc(BIG);
    CHECK(big, "out of memory");
    if (rank == 0) {
        for (int i = 0; i < BIG; i++)
            big[i] = (unsigned char)(i * 7);
        MPI_Send(big, BIG, MPI_BYTE, 1, 8, MPI_COMM_WORLD);
        memset(big, 0, BIG);
        MPI_Recv(big, BIG, MPI_BYTE, 1, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int i = 0; i < BIG; i++)
            CHECK_INT(big[i], (unsigned char)(i * 7 + 1), "1 MiB pong byte");
    } else {
        MPI_Recv(big, BIG, MPI_BYTE, 0, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int i = 0; i < BIG; i++)
            big[i]++;
        MPI_Send(big, BIG, MPI_BYTE, 0, 8, MPI_COMM_WORLD);
    }
    free(big);
}

/* A token goes once round the ring, each rank adding its rank. */
static void test_ring(void)
{
    if (size < 2)
        return;
    int token, left = (rank + size - 1) % size, right = (rank + 1) % size;
    if (rank == 0) {
        token = 0;
        MPI_Send(&token, 1, MPI_INT, right, 3, MPI_COMM_WORLD);
        MPI_Recv(&token, 1, MPI_INT, left, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK_INT(token, size * (size - 1) / 2, "token after one round");
    } else {
        MPI_Recv(&token, 1, MPI_INT, left, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        token += rank;
        MPI_Send(&token, 1, MPI_INT, right, 3, MPI_COMM_WORLD);
    }
}

/* size shifts to the right with Sendrecv: every rank sees every rank once. */
static void test_sendrecv(void)
{
    int left = (rank + size - 1) % size, right = (rank + 1) % size;
    int out = rank, in, sum = 0;
    for (int i = 0; i < size; i++) {
        MPI_Status st;
        MPI_Sendrecv(&out, 1, MPI_INT, right, 4, &in, 1, MPI_INT, left, 4, MPI_COMM_WORLD,
                     &st);
        CHECK_INT(st.MPI_SOURCE, left, "Sendrecv MPI_SOURCE");
        sum += in;
        out = in;
    }
    CHECK_INT(sum, size * (size - 1) / 2, "sum of ranks seen by Sendrecv");

    int buf[5];
    for (int i = 0; i < 5; i++)
        buf[i] = rank * 10 + i;
    MPI_Sendrecv_replace(buf, 5, MPI_INT, left, 5, right, 5, MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
    for (int i = 0; i < 5; i++)
        CHECK_INT(buf[i], right * 10 + i, "Sendrecv_replace value");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("p2p", &rank, &size);
    CHECK(size <= 64, "at most 64 ranks");
    /* Barriers between the tests: a receive with MPI_ANY_SOURCE and
     * MPI_ANY_TAG must not catch the next test's messages. */
    test_status();
    MPI_Barrier(MPI_COMM_WORLD);
    test_proc_null();
    test_order();
    MPI_Barrier(MPI_COMM_WORLD);
    test_pingpong();
    test_ring();
    test_sendrecv();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
