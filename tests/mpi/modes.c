/* modes.c - the send modes: MPI_Ssend (a token ring), MPI_Rsend (after the
 * receive is known to be posted) and MPI_Bsend with MPI_Buffer_attach and
 * MPI_Buffer_detach; and a message of zero elements. */
#include "mpicheck.h"

enum { NMSG = 10, LEN = 100 };
static int rank, size, left, right;

static void test_ssend(void)
{
    if (size < 2)
        return;
    int token;
    if (rank == 0) {
        token = 1;
        MPI_Ssend(&token, 1, MPI_INT, right, 1, MPI_COMM_WORLD);
        MPI_Recv(&token, 1, MPI_INT, left, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK_INT(token, 1 << (size - 1) % 30, "token after a ring of MPI_Ssend");
    } else {
        MPI_Recv(&token, 1, MPI_INT, left, 1, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        token = (token * 2) % (1 << 30);
        MPI_Ssend(&token, 1, MPI_INT, right, 1, MPI_COMM_WORLD);
    }
}

/* Everyone posts the receive, then a barrier: every MPI_Rsend finds its
 * receive already there. */
static void test_rsend(void)
{
    int got = -1, mine = rank + 500;
    MPI_Request req;
    MPI_Irecv(&got, 1, MPI_INT, left, 2, MPI_COMM_WORLD, &req);
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Rsend(&mine, 1, MPI_INT, right, 2, MPI_COMM_WORLD);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK_INT(got, left + 500, "value sent with MPI_Rsend");
}

/* NMSG buffered sends before any receive: they must fit in the buffer. */
static void test_bsend(void)
{
    int type_size, bufsize;
    MPI_Type_size(MPI_INT, &type_size);
    bufsize = NMSG * (LEN * type_size + MPI_BSEND_OVERHEAD);
    char *buffer = malloc((size_t)bufsize);
    int msg[LEN], got[LEN];
    CHECK(buffer, "out of memory");
    MPI_Buffer_attach(buffer, bufsize);
    for (int m = 0; m < NMSG; m++) {
        for (int i = 0; i < LEN; i++)
            msg[i] = rank * 100000 + m * 1000 + i;
        MPI_Bsend(msg, LEN, MPI_INT, right, 3, MPI_COMM_WORLD);
    }
    memset(msg, 0, sizeof msg); /* Bsend copied it */
    for (int m = 0; m < NMSG; m++) {
        MPI_Recv(got, LEN, MPI_INT, left, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int i = 0; i < LEN; i++)
            CHECK_INT(got[i], left * 100000 + m * 1000 + i, "value sent with MPI_Bsend");
    }
    void *detached;
    int detached_size;
    MPI_Buffer_detach(&detached, &detached_size);
    CHECK(detached == buffer, "MPI_Buffer_detach gave another buffer");
    CHECK_INT(detached_size, bufsize, "size from MPI_Buffer_detach");
    free(buffer);
}

static void test_empty(void)
{
    MPI_Status st;
    int count = -1, x = 9;
    MPI_Request req;
    MPI_Irecv(&x, 1, MPI_INT, left, 4, MPI_COMM_WORLD, &req);
    MPI_Send(NULL, 0, MPI_INT, right, 4, MPI_COMM_WORLD);
    MPI_Wait(&req, &st);
    MPI_Get_count(&st, MPI_INT, &count);
    CHECK_INT(count, 0, "MPI_Get_count of an empty message");
    CHECK_INT(x, 9, "buffer after an empty message");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("modes", &rank, &size);
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    test_ssend();
    test_rsend();
    test_bsend();
    test_empty();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
