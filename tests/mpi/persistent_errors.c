/* persistent_errors.c - MPI_Start and MPI_Startall refuse what is not an
 * inactive persistent request, with MPI_ERRORS_RETURN: an active one, an
 * ordinary request, MPI_REQUEST_NULL, the stale copy of a freed persistent
 * request's handle; MPI_Startall refuses the lot and starts none. After each
 * refusal the requests still work. And MPI_Wait of an inactive request sets
 * the MPI_ERROR of its empty status to MPI_SUCCESS.
 *
 * Erroneous programs by MPI-3.1's rules, which leave these cases undefined:
 * only ipc's MPI layer promises MPI_ERR_REQUEST.
 * MPITEST_ONLY: ipc
 * MPITEST_RANKS: 1 2 */
#include "mpicheck.h"

static int class_of(int rc)
{
    int cls = -1;
    MPI_Error_class(rc, &cls);
    return cls;
}

/* Sends v to self with tag and checks r, a persistent receive started for
 * it, gets it. */
static void feed(MPI_Request *r, int *buf, int v, int tag)
{
    MPI_Status st;
    CHECK_INT(MPI_Send(&v, 1, MPI_INT, 0, tag, MPI_COMM_SELF), MPI_SUCCESS, "MPI_Send");
    CHECK_INT(MPI_Wait(r, &st), MPI_SUCCESS, "MPI_Wait");
    CHECK_INT(*buf, v, "received value");
    CHECK_INT(st.MPI_TAG, tag, "received tag");
    CHECK(*r != MPI_REQUEST_NULL, "a persistent receive became null");
}

int main(int argc, char **argv)
{
    int rank, size, a = 0, b = 0, flag = 0;
    MPI_Init(&argc, &argv);
    mc_init("persistent_errors", &rank, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    MPI_Request pa, pb, ord, null = MPI_REQUEST_NULL;
    MPI_Recv_init(&a, 1, MPI_INT, 0, 1, MPI_COMM_SELF, &pa);
    MPI_Recv_init(&b, 1, MPI_INT, 0, 2, MPI_COMM_SELF, &pb);

    /* ipc's empty status has MPI_ERROR set too (MPI need not set it here). */
    MPI_Status st;
    memset(&st, 0x5a, sizeof st);
    CHECK_INT(MPI_Wait(&pa, &st), MPI_SUCCESS, "MPI_Wait of an inactive request");
    CHECK(st.MPI_SOURCE == MPI_ANY_SOURCE && st.MPI_TAG == MPI_ANY_TAG &&
              st.MPI_ERROR == MPI_SUCCESS,
          "MPI_Wait of an inactive request: status (%d, %d, %d) is not empty",
          st.MPI_SOURCE, st.MPI_TAG, st.MPI_ERROR);

    CHECK_INT(MPI_Start(&pa), MPI_SUCCESS, "MPI_Start");
    CHECK(class_of(MPI_Start(&pa)) == MPI_ERR_REQUEST, "MPI_Start of an active request");
    MPI_Request both[2] = {pb, pa};
    CHECK(class_of(MPI_Startall(2, both)) == MPI_ERR_REQUEST,
          "MPI_Startall with an active request");
    /* pb was not started: it is inactive, so a test completes it at once. */
    CHECK_INT(MPI_Test(&pb, &flag, MPI_STATUS_IGNORE), MPI_SUCCESS, "MPI_Test");
    CHECK_INT(flag, 1, "MPI_Test of a request MPI_Startall refused to start");
    feed(&pa, &a, 11, 1);

    MPI_Request twice[2] = {pa, pa};
    CHECK(class_of(MPI_Startall(2, twice)) == MPI_ERR_REQUEST,
          "MPI_Startall of one request twice");
    CHECK_INT(MPI_Test(&pa, &flag, MPI_STATUS_IGNORE), MPI_SUCCESS, "MPI_Test");
    CHECK_INT(flag, 1, "MPI_Test of a request MPI_Startall refused to start twice");

    MPI_Irecv(&b, 1, MPI_INT, 0, 3, MPI_COMM_SELF, &ord);
    CHECK(class_of(MPI_Start(&ord)) == MPI_ERR_REQUEST,
          "MPI_Start of an ordinary request");
    CHECK(class_of(MPI_Start(&null)) == MPI_ERR_REQUEST, "MPI_Start of MPI_REQUEST_NULL");
    int v = 33;
    MPI_Send(&v, 1, MPI_INT, 0, 3, MPI_COMM_SELF);
    CHECK_INT(MPI_Wait(&ord, MPI_STATUS_IGNORE), MPI_SUCCESS,
              "MPI_Wait of an ordinary one");
    CHECK_INT(b, 33, "ordinary receive");

    MPI_Request copy = pb;
    CHECK_INT(MPI_Request_free(&pb), MPI_SUCCESS,
              "MPI_Request_free of an inactive request");
    CHECK(pb == MPI_REQUEST_NULL, "MPI_Request_free left the handle");
    CHECK(class_of(MPI_Start(&copy)) == MPI_ERR_REQUEST, "MPI_Start of a freed request");
    CHECK(class_of(MPI_Wait(&copy, MPI_STATUS_IGNORE)) == MPI_ERR_REQUEST,
          "MPI_Wait of a freed persistent request");
    CHECK(class_of(MPI_Request_free(&copy)) == MPI_ERR_REQUEST,
          "MPI_Request_free of a freed persistent request");

    /* Still fine after all that, and a freed active one is no longer named. */
    CHECK_INT(MPI_Start(&pa), MPI_SUCCESS, "MPI_Start after refusals");
    feed(&pa, &a, 44, 1);
    CHECK_INT(MPI_Start(&pa), MPI_SUCCESS, "MPI_Start");
    copy = pa;
    CHECK_INT(MPI_Request_free(&pa), MPI_SUCCESS,
              "MPI_Request_free of an active request");
    CHECK(class_of(MPI_Start(&copy)) == MPI_ERR_REQUEST,
          "MPI_Start of a freed active request");
    CHECK(class_of(MPI_Test(&copy, &flag, MPI_STATUS_IGNORE)) == MPI_ERR_REQUEST,
          "MPI_Test of a freed active request");
    v = 55;
    MPI_Send(&v, 1, MPI_INT, 0, 1, MPI_COMM_SELF);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
