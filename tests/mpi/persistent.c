/* persistent.c - persistent requests (MPI-3.1 3.9): a ring of
 * MPI_Send_init/MPI_Recv_init restarted 1000 times with new contents each
 * round (and a strided type freed right after _init); MPI_Startall over the
 * four send modes and receives; completion calls mixing persistent, ordinary
 * and null requests; the empty status of an inactive request; and
 * MPI_Request_free of an active receive and of an active send, whose
 * messages still go through.
 * MPITEST_RANKS: 2 4 */
#include "mpicheck.h"

enum { ROUNDS = 1000, LEN = 64, MIX_ROUNDS = 50 };
static int rank, size, left, right, partner;

static int value(int from, int round, int i)
{
    return from * 1000003 + round * 131 + i;
}

/* status is MPI-3.1's empty status: any source, any tag, count 0. (Not its
 * MPI_ERROR: single completions need not set it; persistent_errors.c checks
 * ipc's.) */
static void check_empty(const MPI_Status *st, const char *what)
{
    int count = -1;
    CHECK(st->MPI_SOURCE == MPI_ANY_SOURCE && st->MPI_TAG == MPI_ANY_TAG,
          "%s: status (%d, %d) is not empty", what, st->MPI_SOURCE, st->MPI_TAG);
    MPI_Get_count(st, MPI_INT, &count);
    CHECK_INT(count, 0, what);
}

static MPI_Status garbage(void)
{
    MPI_Status st;
    memset(&st, 0x5a, sizeof st);
    return st;
}

static void test_ring(void)
{
    int sbuf[LEN], rbuf[LEN], vs[2 * LEN], vr[2 * LEN];
    MPI_Request req[4];
    MPI_Datatype strided;
    MPI_Type_vector(LEN, 1, 2, MPI_INT, &strided);
    MPI_Type_commit(&strided);
    MPI_Recv_init(rbuf, LEN, MPI_INT, left, 7, MPI_COMM_WORLD, &req[0]);
    MPI_Send_init(sbuf, LEN, MPI_INT, right, 7, MPI_COMM_WORLD, &req[1]);
    MPI_Recv_init(vr, 1, strided, left, 8, MPI_COMM_WORLD, &req[2]);
    MPI_Send_init(vs, 1, strided, right, 8, MPI_COMM_WORLD, &req[3]);
    MPI_Type_free(&strided); /* the requests keep what they need */
    for (int round = 0; round < ROUNDS; round++) {
        for (int i = 0; i < LEN; i++) {
            sbuf[i] = value(rank, round, i);
            vs[2 * i] = -value(rank, round, i);
            vs[2 * i + 1] = 0;
            vr[2 * i + 1] = 42; /* the gaps must stay as they are */
        }
        MPI_Status st[4];
        CHECK_INT(MPI_Startall(4, req), MPI_SUCCESS, "MPI_Startall of the ring");
        CHECK_INT(MPI_Waitall(4, req, st), MPI_SUCCESS, "MPI_Waitall of the ring");
        for (int k = 0; k < 4; k++)
            CHECK(req[k] != MPI_REQUEST_NULL,
                  "round %d: persistent request %d became null", round, k);
        CHECK_INT(st[0].MPI_SOURCE, left, "source of a ring message");
        CHECK_INT(st[0].MPI_TAG, 7, "tag of a ring message");
        for (int i = 0; i < LEN; i++) {
            CHECK(rbuf[i] == value(left, round, i),
                  "round %d: rbuf[%d] is %d, expected %d", round, i, rbuf[i],
                  value(left, round, i));
            CHECK(vr[2 * i] == -value(left, round, i) && vr[2 * i + 1] == 42,
                  "round %d: strided element %d is %d (gap %d)", round, i, vr[2 * i],
                  vr[2 * i + 1]);
        }
    }
    for (int k = 0; k < 4; k++) {
        MPI_Request_free(&req[k]);
        CHECK(req[k] == MPI_REQUEST_NULL, "MPI_Request_free leaves request %d", k);
    }
}

/* One persistent request per send mode to the partner, and one receive per
 * mode. The ready send's receive is started (and the partner knows it, by a
 * barrier) before one MPI_Startall starts the other receives and all sends. */
static void test_modes(void)
{
    enum { MODES = 4 };
    int sbuf[MODES][LEN], rbuf[MODES][LEN], bufsize = 0;
    MPI_Pack_size(LEN, MPI_INT, MPI_COMM_WORLD, &bufsize);
    bufsize = 4 * (bufsize + MPI_BSEND_OVERHEAD);
    char *attached = malloc((size_t)bufsize);
    CHECK(attached != NULL, "malloc");
    MPI_Buffer_attach(attached, bufsize);
    MPI_Request rsend_recv, reqs[2 * MODES - 1];
    MPI_Recv_init(rbuf[3], LEN, MPI_INT, partner, 13, MPI_COMM_WORLD, &rsend_recv);
    for (int m = 0; m < 3; m++)
        MPI_Recv_init(rbuf[m], LEN, MPI_INT, partner, 10 + m, MPI_COMM_WORLD, &reqs[m]);
    MPI_Send_init(sbuf[0], LEN, MPI_INT, partner, 10, MPI_COMM_WORLD, &reqs[3]);
    MPI_Ssend_init(sbuf[1], LEN, MPI_INT, partner, 11, MPI_COMM_WORLD, &reqs[4]);
    MPI_Bsend_init(sbuf[2], LEN, MPI_INT, partner, 12, MPI_COMM_WORLD, &reqs[5]);
    MPI_Rsend_init(sbuf[3], LEN, MPI_INT, partner, 13, MPI_COMM_WORLD, &reqs[6]);
    for (int round = 0; round < MIX_ROUNDS; round++) {
        for (int m = 0; m < MODES; m++)
            for (int i = 0; i < LEN; i++) {
                sbuf[m][i] = value(rank, round, i) + m;
                rbuf[m][i] = -1;
            }
        CHECK_INT(MPI_Start(&rsend_recv), MPI_SUCCESS, "MPI_Start of a receive");
        MPI_Barrier(MPI_COMM_WORLD);
        CHECK_INT(MPI_Startall(2 * MODES - 1, reqs), MPI_SUCCESS,
                  "MPI_Startall of the modes");
        MPI_Status st[2 * MODES - 1], rst;
        CHECK_INT(MPI_Waitall(2 * MODES - 1, reqs, st), MPI_SUCCESS, "MPI_Waitall");
        CHECK_INT(MPI_Wait(&rsend_recv, &rst), MPI_SUCCESS, "MPI_Wait of a receive");
        CHECK_INT(rst.MPI_TAG, 13, "tag of the ready send");
        for (int m = 0; m < 3; m++) {
            CHECK_INT(st[m].MPI_SOURCE, partner, "source of a mode's message");
            CHECK_INT(st[m].MPI_TAG, 10 + m, "tag of a mode's message");
        }
        for (int m = 0; m < MODES; m++)
            for (int i = 0; i < LEN; i++)
                CHECK(rbuf[m][i] == value(partner, round, i) + m,
                      "round %d mode %d: element %d is %d", round, m, i, rbuf[m][i]);
    }
    MPI_Request_free(&rsend_recv);
    for (int k = 0; k < 2 * MODES - 1; k++)
        MPI_Request_free(&reqs[k]);
    void *back;
    MPI_Buffer_detach(&back, &bufsize);
    free(back);
}

/* Wait, Test, Waitall, Waitany, Testany and Waitsome on inactive persistent
 * requests: at once, empty statuses, handles kept. */
static void test_inactive(void)
{
    int buf[LEN], got[LEN];
    MPI_Request p[2], nulls[3] = {MPI_REQUEST_NULL, MPI_REQUEST_NULL, MPI_REQUEST_NULL};
    MPI_Recv_init(got, LEN, MPI_INT, partner, 20, MPI_COMM_WORLD, &p[0]);
    MPI_Send_init(buf, LEN, MPI_INT, partner, 20, MPI_COMM_WORLD, &p[1]);
    MPI_Status st = garbage(), sts[2] = {garbage(), garbage()};
    CHECK_INT(MPI_Wait(&p[0], &st), MPI_SUCCESS, "MPI_Wait of an inactive request");
    check_empty(&st, "MPI_Wait of an inactive request");
    CHECK(p[0] != MPI_REQUEST_NULL, "MPI_Wait nulled an inactive persistent request");
    int flag = 0, index = 0, outcount = 0, indices[2];
    st = garbage();
    CHECK_INT(MPI_Test(&p[1], &flag, &st), MPI_SUCCESS,
              "MPI_Test of an inactive request");
    CHECK_INT(flag, 1, "MPI_Test's flag on an inactive request");
    check_empty(&st, "MPI_Test of an inactive request");
    CHECK_INT(MPI_Waitall(2, p, sts), MPI_SUCCESS, "MPI_Waitall of inactive requests");
    check_empty(&sts[0], "MPI_Waitall of inactive requests");
    check_empty(&sts[1], "MPI_Waitall of inactive requests");
    nulls[0] = p[0];
    nulls[2] = p[1];
    st = garbage();
    CHECK_INT(MPI_Waitany(3, nulls, &index, &st), MPI_SUCCESS, "MPI_Waitany");
    CHECK_INT(index, MPI_UNDEFINED,
              "MPI_Waitany's index over inactive and null requests");
    check_empty(&st, "MPI_Waitany over inactive and null requests");
    flag = 0;
    CHECK_INT(MPI_Testany(3, nulls, &index, &flag, MPI_STATUS_IGNORE), MPI_SUCCESS,
              "MPI_Testany");
    CHECK(flag == 1 && index == MPI_UNDEFINED,
          "MPI_Testany over inactive and null requests: flag %d index %d", flag, index);
    CHECK_INT(MPI_Waitsome(2, p, &outcount, indices, MPI_STATUSES_IGNORE), MPI_SUCCESS,
              "MPI_Waitsome");
    CHECK_INT(outcount, MPI_UNDEFINED, "MPI_Waitsome's outcount over inactive requests");
    CHECK(p[0] != MPI_REQUEST_NULL && p[1] != MPI_REQUEST_NULL,
          "completion calls nulled inactive persistent requests");
    /* Used once, then inactive again: the same empty status. */
    for (int i = 0; i < LEN; i++)
        buf[i] = i;
    MPI_Startall(2, p);
    MPI_Waitall(2, p, MPI_STATUSES_IGNORE);
    CHECK_INT(got[LEN - 1], LEN - 1, "last element received");
    st = garbage();
    MPI_Wait(&p[0], &st);
    check_empty(&st, "MPI_Wait of a request inactive after its first use");
    MPI_Request_free(&p[0]);
    MPI_Request_free(&p[1]);
}

/* Completion calls over persistent, ordinary and null requests at once:
 * every active one completes once, the ordinary become null, the persistent
 * stay. */
static void test_mixed(void)
{
    enum { N = 5 };
    int in[4][LEN], out[4][LEN];
    for (int round = 0; round < 20; round++) {
        MPI_Request r[N];
        int persistent[N] = {1, 0, 0, 1, 0};
        MPI_Recv_init(in[0], LEN, MPI_INT, partner, 30, MPI_COMM_WORLD, &r[0]);
        MPI_Irecv(in[1], LEN, MPI_INT, partner, 31, MPI_COMM_WORLD, &r[1]);
        r[2] = MPI_REQUEST_NULL;
        for (int i = 0; i < LEN; i++)
            out[0][i] = value(rank, round, i), out[1][i] = -value(rank, round, i);
        MPI_Send_init(out[0], LEN, MPI_INT, partner, 30, MPI_COMM_WORLD, &r[3]);
        MPI_Isend(out[1], LEN, MPI_INT, partner, 31, MPI_COMM_WORLD, &r[4]);
        MPI_Start(&r[0]);
        MPI_Start(&r[3]);
        int done = 0, index, flag, seen[N] = {0};
        while (done < 4) {
            if (round % 2) {
                CHECK_INT(MPI_Waitany(N, r, &index, MPI_STATUS_IGNORE), MPI_SUCCESS,
                          "MPI_Waitany");
                CHECK(index >= 0 && index < N, "MPI_Waitany's index %d", index);
            } else {
                CHECK_INT(MPI_Testany(N, r, &index, &flag, MPI_STATUS_IGNORE),
                          MPI_SUCCESS, "MPI_Testany");
                if (!flag)
                    continue;
                CHECK(index >= 0 && index < N, "MPI_Testany's index %d", index);
            }
            CHECK(!seen[index]++, "request %d completed twice", index);
            CHECK((r[index] != MPI_REQUEST_NULL) == persistent[index],
                  "request %d after completion", index);
            done++;
        }
        CHECK_INT(MPI_Waitany(N, r, &index, MPI_STATUS_IGNORE), MPI_SUCCESS,
                  "MPI_Waitany");
        CHECK_INT(index, MPI_UNDEFINED, "MPI_Waitany after all completed");
        /* Once more with Waitall, the persistent ones restarted beside new
         * ordinary ones. */
        MPI_Irecv(in[1], LEN, MPI_INT, partner, 31, MPI_COMM_WORLD, &r[1]);
        MPI_Isend(out[1], LEN, MPI_INT, partner, 31, MPI_COMM_WORLD, &r[4]);
        MPI_Start(&r[3]);
        MPI_Start(&r[0]);
        MPI_Status st[N];
        CHECK_INT(MPI_Waitall(N, r, st), MPI_SUCCESS, "MPI_Waitall of a mix");
        for (int k = 0; k < N; k++)
            CHECK((r[k] != MPI_REQUEST_NULL) == persistent[k],
                  "request %d after MPI_Waitall of a mix", k);
        CHECK(st[0].MPI_TAG == 30 && st[1].MPI_TAG == 31, "tags %d %d", st[0].MPI_TAG,
              st[1].MPI_TAG);
        check_empty(&st[2], "MPI_Waitall's status of a null request");
        for (int i = 0; i < LEN; i++)
            CHECK(in[0][i] == value(partner, round, i) &&
                      in[1][i] == -value(partner, round, i),
                  "round %d: element %d is %d, %d", round, i, in[0][i], in[1][i]);
        MPI_Request_free(&r[0]);
        MPI_Request_free(&r[3]);
    }
}

/* MPI_Request_free of an active persistent receive: the partner's
 * synchronous send still completes and the data lands; of an active send:
 * the partner still receives it. */
static void test_free_active(void)
{
    int buf[LEN], ack = 0;
    MPI_Request req;
    if (rank % 2 == 0) {
        for (int i = 0; i < LEN; i++)
            buf[i] = -1;
        MPI_Recv_init(buf, LEN, MPI_INT, partner, 40, MPI_COMM_WORLD, &req);
        MPI_Start(&req);
        CHECK_INT(MPI_Request_free(&req), MPI_SUCCESS, "MPI_Request_free of a receive");
        CHECK(req == MPI_REQUEST_NULL, "MPI_Request_free left the handle");
        MPI_Recv(&ack, 1, MPI_INT, partner, 41, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        CHECK_INT(ack, 1, "the partner's MPI_Ssend into a freed receive completed");
        MPI_Barrier(MPI_COMM_WORLD);
        for (int i = 0; i < LEN; i++)
            CHECK(buf[i] == value(partner, 0, i), "freed receive: element %d is %d", i,
                  buf[i]);
        for (int i = 0; i < LEN; i++)
            buf[i] = value(rank, 1, i);
        MPI_Send_init(buf, LEN, MPI_INT, partner, 42, MPI_COMM_WORLD, &req);
        MPI_Start(&req);
        CHECK_INT(MPI_Request_free(&req), MPI_SUCCESS, "MPI_Request_free of a send");
        /* The buffer is the program's again once the partner has it. */
        MPI_Recv(&ack, 1, MPI_INT, partner, 43, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
        for (int i = 0; i < LEN; i++)
            buf[i] = value(rank, 0, i);
        MPI_Ssend(buf, LEN, MPI_INT, partner, 40, MPI_COMM_WORLD);
        ack = 1;
        MPI_Send(&ack, 1, MPI_INT, partner, 41, MPI_COMM_WORLD);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Recv(buf, LEN, MPI_INT, partner, 42, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        for (int i = 0; i < LEN; i++)
            CHECK(buf[i] == value(partner, 1, i), "from a freed send: element %d is %d",
                  i, buf[i]);
        MPI_Send(&ack, 1, MPI_INT, partner, 43, MPI_COMM_WORLD);
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("persistent", &rank, &size);
    CHECK(size % 2 == 0, "needs an even number of ranks, got %d", size);
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    partner = rank ^ 1;
    test_ring();
    test_modes();
    test_inactive();
    test_mixed();
    test_free_active();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
