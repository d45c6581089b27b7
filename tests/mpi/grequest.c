/* grequest.c - generalized requests (MPI-3.1 12.2) and completion calls over
 * every kind of request at once. A generalized request is not complete
 * until MPI_Grequest_complete (Test and Request_get_status say false, and
 * call no callback); Request_get_status of a complete one calls query_fn
 * only; Wait calls query_fn then free_fn once; MPI_Cancel calls cancel_fn
 * with whether it was complete, and the status says cancelled when query_fn
 * does; Request_free calls free_fn at once when complete, else at
 * MPI_Grequest_complete through a copy of the handle; query_fn's error is
 * Wait's, and in Waitall MPI_ERR_IN_STATUS. Then Testany, Testsome,
 * Waitany, Waitsome and Waitall over an ordinary receive, an active and an
 * inactive persistent receive, MPI_REQUEST_NULL, two generalized requests,
 * a cancelled receive and an MPI_Comm_idup request, each completing in
 * turn (a generalized one between two tests); statuses and data checked. */
#include "mpicheck.h"

enum { N = 8, T_ORD = 10, T_PERS, T_NEVER };
static int rank, size, left, right;

struct gstate {
    int id;
    int queries, frees, cancels;
    int last_complete; /* cancel_fn's argument */
    int cancelled;     /* what query_fn reports */
    int query_rc;
    MPI_Request req; /* for cancel_fn to complete */
};

static int query_fn(void *extra, MPI_Status *st)
{
    struct gstate *g = extra;
    g->queries++;
    st->MPI_SOURCE = g->id;
    st->MPI_TAG = 1000 + g->id;
    st->MPI_ERROR = g->query_rc;
    MPI_Status_set_elements(st, MPI_INT, g->id);
    MPI_Status_set_cancelled(st, g->cancelled);
    return g->query_rc;
}

static int free_fn(void *extra)
{
    struct gstate *g = extra;
    g->frees++;
    return MPI_SUCCESS;
}

/* Cancels what is not complete yet, and completes it. */
static int cancel_fn(void *extra, int complete)
{
    struct gstate *g = extra;
    g->cancels++;
    g->last_complete = complete;
    if (!complete) {
        g->cancelled = 1;
        MPI_Grequest_complete(g->req);
    }
    return MPI_SUCCESS;
}

static MPI_Request start(struct gstate *g, int id)
{
    *g = (struct gstate){.id = id, .last_complete = -1};
    CHECK_INT(MPI_Grequest_start(query_fn, free_fn, cancel_fn, g, &g->req), MPI_SUCCESS,
              "MPI_Grequest_start");
    CHECK(g->req != MPI_REQUEST_NULL, "MPI_Grequest_start gave MPI_REQUEST_NULL");
    return g->req;
}

static int cancelled(const MPI_Status *st)
{
    int flag = -1;
    MPI_Test_cancelled(st, &flag);
    return flag;
}

/* st is what query_fn of g said. */
static void check_gstatus(const MPI_Status *st, const struct gstate *g, const char *what)
{
    int count = -1;
    CHECK_INT(st->MPI_SOURCE, g->id, what);
    CHECK_INT(st->MPI_TAG, 1000 + g->id, what);
    MPI_Get_elements(st, MPI_INT, &count);
    CHECK_INT(count, g->id, what);
    CHECK_INT(cancelled(st), g->cancelled, what);
}

static void check_calls(const struct gstate *g, int queries, int frees, int cancels,
                        const char *what)
{
    CHECK(g->queries == queries && g->frees == frees && g->cancels == cancels,
          "%s: %d queries, %d frees, %d cancels; expected %d, %d, %d", what, g->queries,
          g->frees, g->cancels, queries, frees, cancels);
}

static void test_complete_then_wait(void)
{
    struct gstate g;
    MPI_Request r = start(&g, 3);
    MPI_Status st;
    int flag = -1;
    for (int i = 0; i < 5; i++) {
        CHECK_INT(MPI_Test(&r, &flag, &st), MPI_SUCCESS, "MPI_Test");
        CHECK_INT(flag, 0, "MPI_Test of an incomplete generalized request");
        CHECK_INT(MPI_Request_get_status(r, &flag, &st), MPI_SUCCESS, "get_status");
        CHECK_INT(flag, 0, "get_status of an incomplete generalized request");
    }
    check_calls(&g, 0, 0, 0, "before completion");
    CHECK_INT(MPI_Grequest_complete(r), MPI_SUCCESS, "MPI_Grequest_complete");
    check_calls(&g, 0, 0, 0, "MPI_Grequest_complete");
    CHECK_INT(MPI_Request_get_status(r, &flag, &st), MPI_SUCCESS, "get_status");
    CHECK_INT(flag, 1, "get_status of a complete generalized request");
    check_gstatus(&st, &g, "get_status's status");
    check_calls(&g, 1, 0, 0, "get_status");
    CHECK(r == g.req, "get_status changed the handle");
    memset(&st, 0x5a, sizeof st);
    CHECK_INT(MPI_Wait(&r, &st), MPI_SUCCESS, "MPI_Wait");
    CHECK(r == MPI_REQUEST_NULL, "MPI_Wait left the handle");
    check_gstatus(&st, &g, "MPI_Wait's status");
    check_calls(&g, 2, 1, 0, "MPI_Wait");

    /* MPI_Test completes it too, with MPI_STATUS_IGNORE. */
    r = start(&g, 4);
    MPI_Grequest_complete(r);
    CHECK_INT(MPI_Test(&r, &flag, MPI_STATUS_IGNORE), MPI_SUCCESS, "MPI_Test");
    CHECK_INT(flag, 1, "MPI_Test of a complete generalized request");
    CHECK(r == MPI_REQUEST_NULL, "MPI_Test left the handle");
    check_calls(&g, 1, 1, 0, "MPI_Test");
}

static void test_cancel(void)
{
    struct gstate g;
    MPI_Status st;
    MPI_Request r = start(&g, 5);
    CHECK_INT(MPI_Cancel(&r), MPI_SUCCESS, "MPI_Cancel");
    CHECK_INT(g.last_complete, 0, "cancel_fn's complete before MPI_Grequest_complete");
    check_calls(&g, 0, 0, 1, "MPI_Cancel");
    CHECK_INT(MPI_Wait(&r, &st), MPI_SUCCESS, "MPI_Wait");
    CHECK_INT(cancelled(&st), 1, "Test_cancelled of a cancelled generalized request");
    check_gstatus(&st, &g, "the cancelled one's status");
    check_calls(&g, 1, 1, 1, "MPI_Wait after MPI_Cancel");

    r = start(&g, 6);
    MPI_Grequest_complete(r);
    CHECK_INT(MPI_Cancel(&r), MPI_SUCCESS, "MPI_Cancel");
    CHECK_INT(g.last_complete, 1, "cancel_fn's complete after MPI_Grequest_complete");
    CHECK_INT(MPI_Wait(&r, &st), MPI_SUCCESS, "MPI_Wait");
    CHECK_INT(cancelled(&st), 0, "Test_cancelled of one cancelled too late");
    check_calls(&g, 1, 1, 1, "MPI_Wait after a late MPI_Cancel");
}

static void test_free(void)
{
    struct gstate g;
    MPI_Request r = start(&g, 7), copy = r;
    CHECK_INT(MPI_Request_free(&r), MPI_SUCCESS, "MPI_Request_free");
    CHECK(r == MPI_REQUEST_NULL, "MPI_Request_free left the handle");
    check_calls(&g, 0, 0, 0, "MPI_Request_free of an incomplete one");
    CHECK_INT(MPI_Grequest_complete(copy), MPI_SUCCESS,
              "MPI_Grequest_complete of a copy");
    check_calls(&g, 0, 1, 0, "MPI_Grequest_complete after MPI_Request_free");

    r = start(&g, 8);
    MPI_Grequest_complete(r);
    CHECK_INT(MPI_Request_free(&r), MPI_SUCCESS, "MPI_Request_free");
    check_calls(&g, 0, 1, 0, "MPI_Request_free of a complete one");
}

static void test_query_error(void)
{
    struct gstate g, ok;
    MPI_Status st[2];
    int cls = -1;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Request r = start(&g, 9);
    g.query_rc = MPI_ERR_OTHER;
    MPI_Grequest_complete(r);
    int rc = MPI_Wait(&r, &st[0]);
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_OTHER, "MPI_Wait's code when query_fn fails");
    check_calls(&g, 1, 1, 0, "MPI_Wait when query_fn fails");

    MPI_Request rs[2] = {start(&g, 10), start(&ok, 11)};
    g.query_rc = MPI_ERR_OTHER;
    MPI_Grequest_complete(rs[0]);
    MPI_Grequest_complete(rs[1]);
    rc = MPI_Waitall(2, rs, st);
    CHECK_INT(rc, MPI_ERR_IN_STATUS, "MPI_Waitall when one query_fn fails");
    MPI_Error_class(st[0].MPI_ERROR, &cls);
    CHECK_INT(cls, MPI_ERR_OTHER, "the failed one's MPI_ERROR");
    check_gstatus(&st[1], &ok, "the other one's status");
    check_calls(&g, 1, 1, 0, "the failed one in Waitall");
    check_calls(&ok, 1, 1, 0, "the other one in Waitall");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

static void fill(int *buf, int tag)
{
    for (int i = 0; i < N; i++)
        buf[i] = rank * 1000 + tag * 10 + i;
}

static void check_recv(const int *buf, const MPI_Status *st, int tag, const char *what)
{
    int count = -1;
    for (int i = 0; i < N; i++)
        CHECK_INT(buf[i], left * 1000 + tag * 10 + i, what);
    CHECK_INT(st->MPI_SOURCE, left, what);
    CHECK_INT(st->MPI_TAG, tag, what);
    MPI_Get_count(st, MPI_INT, &count);
    CHECK_INT(count, N, what);
    CHECK_INT(cancelled(st), 0, what);
}

static void check_empty(const MPI_Status *st, const char *what)
{
    CHECK(st->MPI_SOURCE == MPI_ANY_SOURCE && st->MPI_TAG == MPI_ANY_TAG,
          "%s: status (%d, %d) is not empty", what, st->MPI_SOURCE, st->MPI_TAG);
}

enum { ORD, PERS, IDLE, NUL, G1, DUP, G2, CANC, NREQ };

static void test_mixed(void)
{
    int ord[N], pers[N], never[N], sord[N], spers[N], flag, index, outcount;
    int indices[NREQ];
    MPI_Status st[NREQ];
    MPI_Comm dup;
    struct gstate g1, g2;
    MPI_Request r[NREQ], s[2];
    MPI_Irecv(ord, N, MPI_INT, left, T_ORD, MPI_COMM_WORLD, &r[ORD]);
    MPI_Recv_init(pers, N, MPI_INT, left, T_PERS, MPI_COMM_WORLD, &r[PERS]);
    MPI_Start(&r[PERS]);
    MPI_Send_init(sord, N, MPI_INT, right, T_NEVER, MPI_COMM_WORLD, &r[IDLE]);
    MPI_Request idle = r[IDLE], pers_h = r[PERS];
    r[NUL] = MPI_REQUEST_NULL;
    r[G1] = start(&g1, 1);
    MPI_Comm_idup(MPI_COMM_WORLD, &dup, &r[DUP]);
    r[G2] = start(&g2, 2);
    MPI_Irecv(never, N, MPI_INT, left, T_NEVER, MPI_COMM_WORLD, &r[CANC]);

    /* Only the idup can complete, with every rank testing. */
    do {
        CHECK_INT(MPI_Testany(NREQ, r, &index, &flag, &st[0]), MPI_SUCCESS,
                  "MPI_Testany");
        CHECK(!flag || index == DUP, "Testany completed %d (flag %d)", index, flag);
        CHECK(flag || index == MPI_UNDEFINED, "Testany: index %d without flag", index);
    } while (!flag);
    CHECK(r[DUP] == MPI_REQUEST_NULL, "Testany left the idup's handle");
    int one = 1, sum = 0;
    MPI_Allreduce(&one, &sum, 1, MPI_INT, MPI_SUM, dup);
    CHECK_INT(sum, size, "an allreduce on the idup'd communicator");
    MPI_Comm_free(&dup);

    /* A cancelled receive and a generalized request completed between two
     * tests. */
    CHECK_INT(MPI_Testsome(NREQ, r, &outcount, indices, st), MPI_SUCCESS, "MPI_Testsome");
    CHECK_INT(outcount, 0, "Testsome with nothing done");
    MPI_Cancel(&r[CANC]);
    MPI_Grequest_complete(r[G2]);
    int got = 0;
    while (got < 2) {
        CHECK_INT(MPI_Testsome(NREQ, r, &outcount, indices, st), MPI_SUCCESS,
                  "MPI_Testsome");
        for (int k = 0; k < outcount; k++) {
            if (indices[k] == G2)
                check_gstatus(&st[k], &g2, "Testsome's generalized status");
            else if (indices[k] == CANC)
                CHECK_INT(cancelled(&st[k]), 1, "Testsome's cancelled receive");
            else
                CHECK(0, "Testsome completed request %d", indices[k]);
        }
        got += outcount;
    }
    CHECK_INT(got, 2, "requests Testsome completed");
    check_calls(&g2, 1, 1, 0, "Testsome");
    CHECK(r[G2] == MPI_REQUEST_NULL && r[CANC] == MPI_REQUEST_NULL,
          "Testsome left handles");
    MPI_Barrier(MPI_COMM_WORLD); /* no rank has sent anything before */

    /* The ordinary receive's message: Waitany finds it. */
    fill(sord, T_ORD);
    MPI_Isend(sord, N, MPI_INT, right, T_ORD, MPI_COMM_WORLD, &s[0]);
    CHECK_INT(MPI_Waitany(NREQ, r, &index, &st[0]), MPI_SUCCESS, "MPI_Waitany");
    CHECK_INT(index, ORD, "the request Waitany completed");
    check_recv(ord, &st[0], T_ORD, "the ordinary receive");
    MPI_Barrier(MPI_COMM_WORLD); /* T_PERS comes after it everywhere */

    /* The persistent receive's message and the other generalized request:
     * Waitsome until both. */
    MPI_Grequest_complete(r[G1]);
    fill(spers, T_PERS);
    MPI_Isend(spers, N, MPI_INT, right, T_PERS, MPI_COMM_WORLD, &s[1]);
    got = 0;
    while (got < 2) {
        CHECK_INT(MPI_Waitsome(NREQ, r, &outcount, indices, st), MPI_SUCCESS,
                  "MPI_Waitsome");
        CHECK(outcount >= 1, "Waitsome's outcount %d", outcount);
        for (int k = 0; k < outcount; k++) {
            if (indices[k] == G1)
                check_gstatus(&st[k], &g1, "Waitsome's generalized status");
            else if (indices[k] == PERS)
                check_recv(pers, &st[k], T_PERS, "the persistent receive");
            else
                CHECK(0, "Waitsome completed request %d", indices[k]);
        }
        got += outcount;
    }
    CHECK_INT(got, 2, "requests Waitsome completed");
    CHECK(r[PERS] == pers_h && r[IDLE] == idle, "persistent handles changed");
    check_calls(&g1, 1, 1, 0, "Waitsome");
    MPI_Waitall(2, s, MPI_STATUSES_IGNORE);

    /* Nothing active is left: null and inactive requests only. */
    CHECK_INT(MPI_Waitany(NREQ, r, &index, &st[0]), MPI_SUCCESS, "MPI_Waitany");
    CHECK_INT(index, MPI_UNDEFINED, "Waitany of inactive requests");
    flag = 0;
    CHECK_INT(MPI_Testany(NREQ, r, &index, &flag, &st[0]), MPI_SUCCESS, "MPI_Testany");
    CHECK(flag && index == MPI_UNDEFINED, "Testany of inactive requests: %d, %d", flag,
          index);
    check_empty(&st[0], "Testany of inactive requests");
    CHECK_INT(MPI_Testsome(NREQ, r, &outcount, indices, st), MPI_SUCCESS, "MPI_Testsome");
    CHECK_INT(outcount, MPI_UNDEFINED, "Testsome of inactive requests");
    CHECK_INT(MPI_Waitall(NREQ, r, st), MPI_SUCCESS, "MPI_Waitall");
    for (int i = 0; i < NREQ; i++)
        check_empty(&st[i], "Waitall of inactive requests");

    /* Started again, the persistent receive completes in Waitall beside a
     * generalized request. */
    MPI_Start(&r[PERS]);
    r[G1] = start(&g1, 12);
    MPI_Isend(spers, N, MPI_INT, right, T_PERS, MPI_COMM_WORLD, &s[1]);
    MPI_Grequest_complete(r[G1]);
    CHECK_INT(MPI_Waitall(NREQ, r, st), MPI_SUCCESS, "MPI_Waitall");
    check_recv(pers, &st[PERS], T_PERS, "the persistent receive in Waitall");
    check_gstatus(&st[G1], &g1, "the generalized request in Waitall");
    check_calls(&g1, 1, 1, 0, "Waitall");
    MPI_Wait(&s[1], MPI_STATUS_IGNORE);
    MPI_Request_free(&r[PERS]);
    MPI_Request_free(&r[IDLE]);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("grequest", &rank, &size);
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    test_complete_then_wait();
    test_cancel();
    test_free();
    test_query_error();
    test_mixed();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
