/* cancel.c - MPI_Cancel, MPI_Test_cancelled and MPI_Request_get_status
 * (MPI-3.1 3.7.3, 3.8.4) around a ring: a receive that never matches is
 * cancelled (its buffer untouched), then the same buffer takes a real
 * message of the same tag, which no cancelled receive swallows; cancelled
 * receives completed by Wait, Request_free, Waitall and Testsome; a
 * persistent receive cancelled, then started again for a real message; a
 * matched receive is not cancelled; receives cancelled while their message
 * may be arriving (each either cancelled, and the message then taken by a
 * new receive, or complete with it); a small send cancelled, the receiver
 * told whether to expect it; MPI_Request_get_status of null, inactive,
 * pending and complete requests, leaving them as they were; the same for a
 * receive of a strided type. */
#include "mpicheck.h"

enum { N = 16, RACE_ROUNDS = 60 };
enum {
    T_NEVER = 100,
    T_PERS,
    T_MATCHED,
    T_RACE,
    T_SEND,
    T_SEND_FLAG,
    T_FREE,
    T_ALL,
    T_STRIDED = 90
};
static int rank, size, left, right;

static int value(int from, int tag, int i)
{
    return from * 100003 + tag * 101 + i;
}

static void fill(int *buf, int from, int tag)
{
    for (int i = 0; i < N; i++)
        buf[i] = value(from, tag, i);
}

static void check_buf(const int *buf, int from, int tag, const char *what)
{
    for (int i = 0; i < N; i++)
        CHECK(buf[i] == value(from, tag, i), "%s: element %d is %d, expected %d", what, i,
              buf[i], value(from, tag, i));
}

static int cancelled(const MPI_Status *st)
{
    int flag = -1;
    CHECK_INT(MPI_Test_cancelled(st, &flag), MPI_SUCCESS, "MPI_Test_cancelled");
    return flag;
}

/* st is a completed receive of N ints from left with tag, not cancelled. */
static void check_status(const MPI_Status *st, int tag, const char *what)
{
    int count = -1;
    CHECK_INT(st->MPI_SOURCE, left, what);
    CHECK_INT(st->MPI_TAG, tag, what);
    MPI_Get_count(st, MPI_INT, &count);
    CHECK_INT(count, N, what);
    CHECK_INT(cancelled(st), 0, what);
}

/* Sends N ints with tag to right and receives them from left into buf. */
static void shift(int *buf, int tag)
{
    int out[N];
    MPI_Status st;
    fill(out, rank, tag);
    MPI_Sendrecv(out, N, MPI_INT, right, tag, buf, N, MPI_INT, left, tag, MPI_COMM_WORLD,
                 &st);
    check_buf(buf, left, tag, "shifted data");
    check_status(&st, tag, "shifted status");
}

static void test_never_matched(void)
{
    int buf[N];
    for (int i = 0; i < N; i++)
        buf[i] = -7;
    MPI_Request r;
    MPI_Status st;
    MPI_Irecv(buf, N, MPI_INT, left, T_NEVER, MPI_COMM_WORLD, &r);
    CHECK_INT(MPI_Cancel(&r), MPI_SUCCESS, "MPI_Cancel");
    CHECK(r != MPI_REQUEST_NULL, "MPI_Cancel freed the request");
    CHECK_INT(MPI_Wait(&r, &st), MPI_SUCCESS, "MPI_Wait of a cancelled receive");
    CHECK(r == MPI_REQUEST_NULL, "the cancelled request is not null after MPI_Wait");
    CHECK_INT(cancelled(&st), 1, "Test_cancelled of an unmatched receive");
    for (int i = 0; i < N; i++)
        CHECK_INT(buf[i], -7, "the cancelled receive's buffer");

    /* The same, freed instead of waited for. */
    MPI_Irecv(buf, N, MPI_INT, MPI_ANY_SOURCE, T_FREE, MPI_COMM_WORLD, &r);
    CHECK_INT(MPI_Cancel(&r), MPI_SUCCESS, "MPI_Cancel");
    CHECK_INT(MPI_Request_free(&r), MPI_SUCCESS,
              "MPI_Request_free of a cancelled receive");
    CHECK(r == MPI_REQUEST_NULL, "MPI_Request_free left the handle");

    /* Every rank has cancelled: messages of those tags now go to the next
     * receives, here into the same buffer. */
    MPI_Barrier(MPI_COMM_WORLD);
    shift(buf, T_NEVER);
    shift(buf, T_FREE);
}

/* Cancelled receives completed by Waitall, then by Testsome. */
static void test_cancel_in_multiple(void)
{
    int a[N], b[N], indices[2], outcount = -1;
    MPI_Request r[2];
    MPI_Status st[2];
    MPI_Irecv(a, N, MPI_INT, left, T_ALL, MPI_COMM_WORLD, &r[0]);
    MPI_Irecv(b, N, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &r[1]);
    MPI_Cancel(&r[0]);
    MPI_Cancel(&r[1]);
    CHECK_INT(MPI_Waitall(2, r, st), MPI_SUCCESS, "MPI_Waitall of cancelled receives");
    CHECK_INT(cancelled(&st[0]) + cancelled(&st[1]), 2, "cancelled receives in Waitall");
    CHECK(r[0] == MPI_REQUEST_NULL && r[1] == MPI_REQUEST_NULL, "Waitall left handles");

    MPI_Irecv(a, N, MPI_INT, left, T_ALL, MPI_COMM_WORLD, &r[0]);
    MPI_Irecv(b, N, MPI_INT, left, T_ALL + 1, MPI_COMM_WORLD, &r[1]);
    MPI_Cancel(&r[1]);
    int done = 0;
    while (!done) { /* a cancelled receive completes without help */
        CHECK_INT(MPI_Testsome(2, r, &outcount, indices, st), MPI_SUCCESS,
                  "MPI_Testsome");
        CHECK(outcount == 0 || outcount == 1, "Testsome gave %d requests", outcount);
        done = outcount == 1;
    }
    CHECK_INT(indices[0], 1, "the request Testsome completed");
    CHECK_INT(cancelled(&st[0]), 1, "Testsome's status of a cancelled receive");
    CHECK(r[0] != MPI_REQUEST_NULL, "Testsome completed the pending receive");
    MPI_Barrier(MPI_COMM_WORLD);
    int out[N];
    fill(out, rank, T_ALL);
    MPI_Send(out, N, MPI_INT, right, T_ALL, MPI_COMM_WORLD);
    CHECK_INT(MPI_Waitsome(2, r, &outcount, indices, st), MPI_SUCCESS, "MPI_Waitsome");
    CHECK_INT(outcount, 1, "Waitsome's outcount");
    CHECK_INT(indices[0], 0, "the request Waitsome completed");
    check_buf(a, left, T_ALL, "the receive left pending");
    check_status(&st[0], T_ALL, "its status");
    CHECK_INT(MPI_Waitsome(2, r, &outcount, indices, st), MPI_SUCCESS, "MPI_Waitsome");
    CHECK_INT(outcount, MPI_UNDEFINED, "Waitsome of null requests");
}

static void test_persistent(void)
{
    int buf[N], out[N], flag = -1;
    MPI_Request r, s;
    MPI_Status st;
    MPI_Recv_init(buf, N, MPI_INT, left, T_PERS, MPI_COMM_WORLD, &r);
    for (int round = 0; round < 3; round++) {
        MPI_Start(&r);
        CHECK_INT(MPI_Cancel(&r), MPI_SUCCESS,
                  "MPI_Cancel of an active persistent receive");
        CHECK_INT(MPI_Wait(&r, &st), MPI_SUCCESS, "MPI_Wait");
        CHECK(r != MPI_REQUEST_NULL, "a persistent request became null");
        CHECK_INT(cancelled(&st), 1, "Test_cancelled of a cancelled persistent receive");
        /* Inactive now: its status is the empty one, not cancelled. */
        CHECK_INT(MPI_Request_get_status(r, &flag, &st), MPI_SUCCESS, "get_status");
        CHECK_INT(flag, 1, "get_status of an inactive request");
        CHECK_INT(cancelled(&st), 0, "the empty status's cancelled flag");
    }
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Start(&r);
    fill(out, rank, T_PERS);
    MPI_Isend(out, N, MPI_INT, right, T_PERS, MPI_COMM_WORLD, &s);
    CHECK_INT(MPI_Wait(&r, &st), MPI_SUCCESS, "MPI_Wait");
    check_buf(buf, left, T_PERS, "the restarted persistent receive");
    check_status(&st, T_PERS, "its status");
    MPI_Wait(&s, MPI_STATUS_IGNORE);
    MPI_Request_free(&r);
}

/* A receive seen complete by MPI_Request_get_status is not cancelled. */
static void test_matched(void)
{
    int buf[N], out[N], flag = 0;
    MPI_Request r, s, copy;
    MPI_Status st;
    MPI_Irecv(buf, N, MPI_INT, left, T_MATCHED, MPI_COMM_WORLD, &r);
    copy = r;
    fill(out, rank, T_MATCHED);
    MPI_Isend(out, N, MPI_INT, right, T_MATCHED, MPI_COMM_WORLD, &s);
    while (!flag)
        CHECK_INT(MPI_Request_get_status(r, &flag, &st), MPI_SUCCESS, "get_status");
    CHECK(r == copy, "get_status changed the handle");
    check_status(&st, T_MATCHED, "get_status of a complete receive");
    check_buf(buf, left, T_MATCHED, "data when get_status says complete");
    flag = 0;
    CHECK_INT(MPI_Request_get_status(r, &flag, &st), MPI_SUCCESS, "get_status again");
    CHECK_INT(flag, 1, "get_status again");
    CHECK_INT(MPI_Cancel(&r), MPI_SUCCESS, "MPI_Cancel of a complete receive");
    CHECK_INT(MPI_Wait(&r, &st), MPI_SUCCESS, "MPI_Wait");
    check_status(&st, T_MATCHED, "MPI_Wait after a cancel that came too late");
    check_buf(buf, left, T_MATCHED, "data after a cancel that came too late");
    MPI_Wait(&s, MPI_STATUS_IGNORE);
}

/* Each round the message is sent right after the receive is posted and the
 * receive cancelled after a little progress: cancelled, and then a new
 * receive gets the message, or complete with it. */
static void test_race(void)
{
    int buf[N], out[N], flag, nc = 0;
    MPI_Request r, s;
    MPI_Status st;
    for (int round = 0; round < RACE_ROUNDS; round++) {
        int tag = T_RACE + 10 * round;
        for (int i = 0; i < N; i++)
            buf[i] = -1;
        MPI_Irecv(buf, N, MPI_INT, left, tag, MPI_COMM_WORLD, &r);
        fill(out, rank, tag);
        MPI_Isend(out, N, MPI_INT, right, tag, MPI_COMM_WORLD, &s);
        for (int k = 0; k < round % 4; k++)
            MPI_Iprobe(left, 1, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        MPI_Cancel(&r);
        MPI_Wait(&r, &st);
        if (cancelled(&st)) {
            nc++;
            for (int i = 0; i < N; i++)
                CHECK_INT(buf[i], -1, "a cancelled receive's buffer");
            MPI_Recv(buf, N, MPI_INT, left, tag, MPI_COMM_WORLD, &st);
        }
        check_buf(buf, left, tag, "the raced message");
        check_status(&st, tag, "the raced message's status");
        MPI_Wait(&s, MPI_STATUS_IGNORE);
    }
    (void)nc; /* either outcome is right */
}

/* The same with messages past any eager limit (1 MiB): the cancel may come
 * while the data of a matched receive is on its way. */
static void test_race_large(void)
{
    enum { BIG = 1 << 18, ROUNDS = 8 };
    int *buf = malloc(BIG * sizeof *buf), *out = malloc(BIG * sizeof *out);
    MPI_Request r, s;
    MPI_Status st;
    int flag;
    for (int round = 0; round < ROUNDS; round++) {
        int tag = T_RACE + 5 + 10 * round, count = -1;
        for (int i = 0; i < BIG; i++) {
            buf[i] = -1;
            out[i] = value(rank, tag, i);
        }
        MPI_Irecv(buf, BIG, MPI_INT, left, tag, MPI_COMM_WORLD, &r);
        MPI_Isend(out, BIG, MPI_INT, right, tag, MPI_COMM_WORLD, &s);
        for (int k = 0; k < round % 4; k++)
            MPI_Iprobe(left, 1, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
        MPI_Cancel(&r);
        MPI_Wait(&r, &st);
        if (cancelled(&st)) {
            CHECK_INT(buf[0], -1, "a cancelled large receive's buffer");
            CHECK_INT(buf[BIG - 1], -1, "a cancelled large receive's buffer");
            MPI_Recv(buf, BIG, MPI_INT, left, tag, MPI_COMM_WORLD, &st);
        }
        for (int i = 0; i < BIG; i++)
            if (buf[i] != value(left, tag, i))
                CHECK(0, "large message element %d is %d, expected %d", i, buf[i],
                      value(left, tag, i));
        MPI_Get_count(&st, MPI_INT, &count);
        CHECK_INT(count, BIG, "the large message's count");
        CHECK_INT(st.MPI_TAG, tag, "the large message's tag");
        MPI_Wait(&s, MPI_STATUS_IGNORE);
    }
    free(buf);
    free(out);
}

/* A small send, cancelled: if it was, the receiver must not get it. The
 * sender says which on another tag. */
static void test_send(void)
{
    int out[N], buf[N], was = -1, expect = -1;
    MPI_Request s;
    MPI_Status st;
    fill(out, rank, T_SEND);
    MPI_Isend(out, N, MPI_INT, right, T_SEND, MPI_COMM_WORLD, &s);
    CHECK_INT(MPI_Cancel(&s), MPI_SUCCESS, "MPI_Cancel of a send");
    CHECK_INT(MPI_Wait(&s, &st), MPI_SUCCESS, "MPI_Wait of a cancelled send");
    was = cancelled(&st);
    MPI_Sendrecv(&was, 1, MPI_INT, right, T_SEND_FLAG, &expect, 1, MPI_INT, left,
                 T_SEND_FLAG, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    CHECK(expect == 0 || expect == 1, "cancelled flag %d", expect);
    if (!expect) {
        MPI_Recv(buf, N, MPI_INT, left, T_SEND, MPI_COMM_WORLD, &st);
        check_buf(buf, left, T_SEND, "a send whose cancel failed");
    }
    MPI_Barrier(MPI_COMM_WORLD);
    int pending = 1;
    MPI_Iprobe(left, T_SEND, MPI_COMM_WORLD, &pending, MPI_STATUS_IGNORE);
    CHECK_INT(pending, 0, "a message of a cancelled send is waiting");
}

static void check_empty(const MPI_Status *st, const char *what)
{
    int count = -1;
    CHECK_INT(st->MPI_SOURCE, MPI_ANY_SOURCE, what);
    CHECK_INT(st->MPI_TAG, MPI_ANY_TAG, what);
    MPI_Get_count(st, MPI_INT, &count);
    CHECK_INT(count, 0, what);
    CHECK_INT(cancelled(st), 0, what);
}

static void test_get_status(void)
{
    int flag = 0, buf[N];
    MPI_Request r = MPI_REQUEST_NULL, p;
    MPI_Status st;
    memset(&st, 0x5a, sizeof st);
    CHECK_INT(MPI_Request_get_status(r, &flag, &st), MPI_SUCCESS, "get_status of null");
    CHECK_INT(flag, 1, "get_status of MPI_REQUEST_NULL");
    check_empty(&st, "get_status of MPI_REQUEST_NULL");

    MPI_Recv_init(buf, N, MPI_INT, left, T_NEVER, MPI_COMM_WORLD, &p);
    flag = 0;
    memset(&st, 0x5a, sizeof st);
    CHECK_INT(MPI_Request_get_status(p, &flag, &st), MPI_SUCCESS, "get_status inactive");
    CHECK_INT(flag, 1, "get_status of an inactive request");
    check_empty(&st, "get_status of an inactive request");

    /* Pending: no one sends until the barrier. */
    MPI_Start(&p);
    for (int i = 0; i < 10; i++) {
        CHECK_INT(MPI_Request_get_status(p, &flag, &st), MPI_SUCCESS,
                  "get_status pending");
        CHECK_INT(flag, 0, "get_status of a pending receive");
    }
    MPI_Barrier(MPI_COMM_WORLD);
    int out[N];
    fill(out, rank, T_NEVER);
    MPI_Send(out, N, MPI_INT, right, T_NEVER, MPI_COMM_WORLD);
    while (!flag)
        MPI_Request_get_status(p, &flag, &st);
    check_status(&st, T_NEVER, "get_status of a complete persistent receive");
    memset(&st, 0x5a, sizeof st);
    CHECK_INT(MPI_Wait(&p, &st), MPI_SUCCESS, "MPI_Wait after get_status");
    check_status(&st, T_NEVER, "MPI_Wait after get_status");
    check_buf(buf, left, T_NEVER, "the persistent receive");
    CHECK(p != MPI_REQUEST_NULL, "a persistent request became null");
    MPI_Request_free(&p);
}

/* A receive of a strided type (packed straight out of the transport):
 * cancelled, its buffer untouched, the gaps too; then the same buffer gets
 * a real message, complete by MPI_Request_get_status with its data in
 * place. */
static void test_strided(void)
{
    int buf[2 * N], out[N], flag = 0;
    MPI_Datatype strided;
    MPI_Request r, s;
    MPI_Status st;
    MPI_Type_vector(N, 1, 2, MPI_INT, &strided);
    MPI_Type_commit(&strided);
    for (int i = 0; i < 2 * N; i++)
        buf[i] = -3;
    MPI_Irecv(buf, 1, strided, left, T_STRIDED, MPI_COMM_WORLD, &r);
    MPI_Cancel(&r);
    MPI_Wait(&r, &st);
    CHECK_INT(cancelled(&st), 1, "Test_cancelled of a strided receive");
    for (int i = 0; i < 2 * N; i++)
        CHECK_INT(buf[i], -3, "the cancelled strided receive's buffer");
    MPI_Barrier(MPI_COMM_WORLD);
    MPI_Irecv(buf, 1, strided, left, T_STRIDED, MPI_COMM_WORLD, &r);
    fill(out, rank, T_STRIDED);
    MPI_Isend(out, N, MPI_INT, right, T_STRIDED, MPI_COMM_WORLD, &s);
    while (!flag)
        MPI_Request_get_status(r, &flag, &st);
    for (int i = 0; i < N; i++) {
        CHECK_INT(buf[2 * i], value(left, T_STRIDED, i), "strided data at get_status");
        CHECK_INT(buf[2 * i + 1], -3, "a gap of the strided buffer");
    }
    check_status(&st, T_STRIDED, "get_status of a strided receive");
    MPI_Wait(&r, &st);
    check_status(&st, T_STRIDED, "MPI_Wait of a strided receive");
    MPI_Wait(&s, MPI_STATUS_IGNORE);
    MPI_Type_free(&strided);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("cancel", &rank, &size);
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    test_never_matched();
    test_cancel_in_multiple();
    test_persistent();
    test_matched();
    test_race();
    test_race_large();
    test_send();
    test_get_status();
    test_strided();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
