/* nonblocking.c - MPI_Isend/Irecv/Issend completed with MPI_Wait, Waitall,
 * Waitany, Waitsome, Test, Testall and Testany, and MPI_Request_free. Each
 * round every rank sends one int to every rank (itself too): rank r sends
 * r * 1000 + p + round to rank p. */
#include "mpicheck.h"

enum { MAXRANKS = 64 };
static int rank, size;
static int sendv[MAXRANKS], recvv[MAXRANKS];
static MPI_Request sends[MAXRANKS], recvs[MAXRANKS];

static void post(int tag, int synchronous, int any_source)
{
    for (int p = 0; p < size; p++) {
        recvv[p] = -1;
        MPI_Irecv(&recvv[p], 1, MPI_INT, any_source ? MPI_ANY_SOURCE : p, tag,
                  MPI_COMM_WORLD, &recvs[p]);
    }
    for (int p = 0; p < size; p++) {
        sendv[p] = rank * 1000 + p + tag;
        if (synchronous)
            MPI_Issend(&sendv[p], 1, MPI_INT, p, tag, MPI_COMM_WORLD, &sends[p]);
        else
            MPI_Isend(&sendv[p], 1, MPI_INT, p, tag, MPI_COMM_WORLD, &sends[p]);
    }
}

static void check_recv(int i, const MPI_Status *st, int tag)
{
    CHECK(recvs[i] == MPI_REQUEST_NULL, "completed request %d not MPI_REQUEST_NULL", i);
    CHECK_INT(st->MPI_SOURCE, i, "MPI_SOURCE of a completed receive");
    CHECK_INT(st->MPI_TAG, tag, "MPI_TAG of a completed receive");
    CHECK_INT(recvv[i], i * 1000 + rank + tag, "received value");
}

static void round_waitall(int tag, int synchronous)
{
    MPI_Request all[2 * MAXRANKS];
    MPI_Status st[2 * MAXRANKS];
    post(tag, synchronous, 0);
    for (int p = 0; p < size; p++) {
        all[p] = recvs[p];
        all[size + p] = sends[p];
    }
    MPI_Waitall(2 * size, all, st);
    for (int p = 0; p < size; p++) {
        recvs[p] = all[p];
        check_recv(p, &st[p], tag);
    }
}

static void round_waitany(int tag)
{
    int seen[MAXRANKS] = {0}, idx;
    MPI_Status st;
    post(tag, 0, 0);
    for (int k = 0; k < size; k++) {
        MPI_Waitany(size, recvs, &idx, &st);
        CHECK(idx >= 0 && idx < size && !seen[idx], "MPI_Waitany gave index %d", idx);
        seen[idx] = 1;
        check_recv(idx, &st, tag);
    }
    MPI_Waitany(size, recvs, &idx, &st);
    CHECK_INT(idx, MPI_UNDEFINED, "MPI_Waitany index with no active request");
    MPI_Waitall(size, sends, MPI_STATUSES_IGNORE);
}

static void round_waitsome(int tag)
{
    int seen[MAXRANKS] = {0}, idx[MAXRANKS], done = 0, outcount;
    MPI_Status st[MAXRANKS];
    post(tag, 0, 0);
    while (done < size) {
        MPI_Waitsome(size, recvs, &outcount, idx, st);
        CHECK(outcount >= 1 && outcount <= size - done, "MPI_Waitsome outcount %d",
              outcount);
        for (int k = 0; k < outcount; k++) {
            CHECK(!seen[idx[k]], "MPI_Waitsome gave index %d twice", idx[k]);
            seen[idx[k]] = 1;
            check_recv(idx[k], &st[k], tag);
        }
        done += outcount;
    }
    MPI_Waitsome(size, recvs, &outcount, idx, st);
    CHECK_INT(outcount, MPI_UNDEFINED, "MPI_Waitsome outcount with no active request");
    MPI_Waitall(size, sends, MPI_STATUSES_IGNORE);
}

static void round_tests(int tag)
{
    int flag = 0, idx;
    MPI_Status st[MAXRANKS];

    /* MPI_Testall, with MPI_ANY_SOURCE receives: sources differ, so each
     * status says whose value arrived. */
    post(tag, 0, 1);
    while (!flag)
        MPI_Testall(size, recvs, &flag, st);
    for (int p = 0; p < size; p++) {
        int src = st[p].MPI_SOURCE;
        CHECK(src >= 0 && src < size, "MPI_SOURCE %d", src);
        CHECK_INT(recvv[p], src * 1000 + rank + tag, "value from MPI_ANY_SOURCE");
    }
    MPI_Waitall(size, sends, MPI_STATUSES_IGNORE);

    /* MPI_Testany until every receive is done. */
    post(tag + 1, 0, 0);
    for (int done = 0; done < size;) {
        MPI_Testany(size, recvs, &idx, &flag, &st[0]);
        if (flag) {
            CHECK(idx >= 0 && idx < size, "MPI_Testany index %d", idx);
            check_recv(idx, &st[0], tag + 1);
            done++;
        }
    }
    MPI_Testany(size, recvs, &idx, &flag, &st[0]);
    CHECK(flag && idx == MPI_UNDEFINED, "MPI_Testany with no active request: flag %d "
          "index %d", flag, idx);
    MPI_Waitall(size, sends, MPI_STATUSES_IGNORE); /* before post() reuses sends[] */

    /* MPI_Test on each in turn, then MPI_Wait on the sends one by one. */
    post(tag + 2, 0, 0);
    for (int p = 0; p < size; p++) {
        for (flag = 0; !flag;)
            MPI_Test(&recvs[p], &flag, &st[0]);
        check_recv(p, &st[0], tag + 2);
    }
    for (int p = 0; p < size; p++) {
        MPI_Wait(&sends[p], &st[0]);
        CHECK(sends[p] == MPI_REQUEST_NULL, "MPI_Wait left the request active");
    }
    MPI_Wait(&sends[0], &st[0]); /* a null request: returns at once */
}

/* A send whose request is freed still arrives. */
static void round_request_free(int tag)
{
    int right = (rank + 1) % size, left = (rank + size - 1) % size, got = -1;
    MPI_Request req;
    MPI_Status st;
    MPI_Irecv(&got, 1, MPI_INT, left, tag, MPI_COMM_WORLD, &req);
    sendv[0] = rank + tag;
    MPI_Request sreq;
    MPI_Isend(&sendv[0], 1, MPI_INT, right, tag, MPI_COMM_WORLD, &sreq);
    MPI_Request_free(&sreq);
    CHECK(sreq == MPI_REQUEST_NULL, "MPI_Request_free did not set MPI_REQUEST_NULL");
    MPI_Wait(&req, &st);
    CHECK_INT(got, left + tag, "value sent with a freed request");
    /* sendv[0] must stay until the receiver has it. */
    MPI_Barrier(MPI_COMM_WORLD);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("nonblocking", &rank, &size);
    CHECK(size <= MAXRANKS, "at most %d ranks", MAXRANKS);
    round_waitall(10, 0);
    round_waitall(20, 1); /* MPI_Issend */
    round_waitany(30);
    round_waitsome(40);
    round_tests(50);
    round_request_free(60);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
