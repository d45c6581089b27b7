/* cancel_errors.c - what ipc's MPI layer defines around MPI_Cancel,
 * MPI_Request_get_status and generalized requests where MPI-3.1 leaves it
 * open or calls it erroneous, with MPI_ERRORS_RETURN: MPI_Cancel of
 * MPI_REQUEST_NULL, of an inactive persistent request, of a stale handle
 * and of an MPI_Comm_idup request is MPI_ERR_REQUEST (the requests still
 * work after); a synchronous send to this rank that no receive matched is
 * cancelled (no receive ever sees it), a buffered send is not;
 * MPI_Request_get_status of a stale handle is MPI_ERR_REQUEST;
 * MPI_Grequest_complete twice, or of an ordinary request, is
 * MPI_ERR_REQUEST, and a freed generalized request's handle is refused by
 * every call but MPI_Grequest_complete.
 * MPITEST_ONLY: ipc
 * MPITEST_RANKS: 1 2 */
#include "mpicheck.h"

static int class_of(int rc)
{
    int cls = -1;
    MPI_Error_class(rc, &cls);
    return cls;
}

static int cancelled(const MPI_Status *st)
{
    int flag = -1;
    MPI_Test_cancelled(st, &flag);
    return flag;
}

#define REFUSED(call, what) CHECK_INT(class_of(call), MPI_ERR_REQUEST, what)

static void test_cancel_refusals(void)
{
    int buf = -1, v = 5;
    MPI_Request null = MPI_REQUEST_NULL, p, stale, dup_req;
    MPI_Status st;
    MPI_Comm dup;
    REFUSED(MPI_Cancel(&null), "MPI_Cancel of MPI_REQUEST_NULL");
    REFUSED(MPI_Cancel(NULL), "MPI_Cancel of no handle");

    MPI_Recv_init(&buf, 1, MPI_INT, 0, 3, MPI_COMM_SELF, &p);
    REFUSED(MPI_Cancel(&p), "MPI_Cancel of an inactive persistent request");
    MPI_Start(&p);
    MPI_Send(&v, 1, MPI_INT, 0, 3, MPI_COMM_SELF);
    CHECK_INT(MPI_Wait(&p, &st), MPI_SUCCESS, "the persistent receive after a refusal");
    CHECK_INT(buf, 5, "the persistent receive's data");
    MPI_Request_free(&p);

    MPI_Irecv(&buf, 1, MPI_INT, 0, 4, MPI_COMM_SELF, &stale);
    MPI_Request live = stale;
    MPI_Cancel(&live);
    MPI_Wait(&live, &st);
    REFUSED(MPI_Cancel(&stale), "MPI_Cancel of a stale handle");
    int flag = -1;
    REFUSED(MPI_Request_get_status(stale, &flag, &st), "get_status of a stale handle");
    CHECK_INT(class_of(MPI_Request_get_status(MPI_REQUEST_NULL, NULL, &st)), MPI_ERR_ARG,
              "get_status without a flag");

    MPI_Comm_idup(MPI_COMM_WORLD, &dup, &dup_req);
    REFUSED(MPI_Cancel(&dup_req), "MPI_Cancel of an idup's request");
    CHECK_INT(MPI_Wait(&dup_req, MPI_STATUS_IGNORE), MPI_SUCCESS,
              "the idup after a refusal");
    MPI_Comm_free(&dup);
}

static void test_sends(void)
{
    int v = 9, got = -1, flag = -1, size = 0;
    MPI_Request s;
    MPI_Status st;
    MPI_Issend(&v, 1, MPI_INT, 0, 6, MPI_COMM_SELF, &s);
    CHECK_INT(MPI_Cancel(&s), MPI_SUCCESS, "MPI_Cancel of a self Issend");
    CHECK_INT(MPI_Wait(&s, &st), MPI_SUCCESS, "MPI_Wait of a cancelled self Issend");
    CHECK_INT(cancelled(&st), 1, "Test_cancelled of an unmatched self Issend");
    MPI_Iprobe(0, 6, MPI_COMM_SELF, &flag, MPI_STATUS_IGNORE);
    CHECK_INT(flag, 0, "a cancelled send's message is waiting");

    MPI_Pack_size(1, MPI_INT, MPI_COMM_SELF, &size);
    size += MPI_BSEND_OVERHEAD;
    void *bbuf = malloc((size_t)size);
    MPI_Buffer_attach(bbuf, size);
    MPI_Ibsend(&v, 1, MPI_INT, 0, 7, MPI_COMM_SELF, &s);
    CHECK_INT(MPI_Cancel(&s), MPI_SUCCESS, "MPI_Cancel of an Ibsend");
    MPI_Wait(&s, &st);
    CHECK_INT(cancelled(&st), 0, "Test_cancelled of an Ibsend");
    MPI_Recv(&got, 1, MPI_INT, 0, 7, MPI_COMM_SELF, &st);
    CHECK_INT(got, 9, "the Ibsend's message");
    MPI_Buffer_detach(&bbuf, &size);
    free(bbuf);
}

static int query_fn(void *extra, MPI_Status *st)
{
    (void)extra;
    MPI_Status_set_cancelled(st, 0);
    return MPI_SUCCESS;
}

static int free_fn(void *extra)
{
    ++*(int *)extra;
    return MPI_SUCCESS;
}

static int cancel_fn(void *extra, int complete)
{
    (void)extra;
    (void)complete;
    return MPI_SUCCESS;
}

static void test_grequests(void)
{
    int frees = 0, buf = -1, flag = -1;
    MPI_Request g, copy, r;
    MPI_Status st;
    CHECK_INT(class_of(MPI_Grequest_start(NULL, free_fn, cancel_fn, &frees, &g)),
              MPI_ERR_ARG, "MPI_Grequest_start without query_fn");

    MPI_Grequest_start(query_fn, free_fn, cancel_fn, &frees, &g);
    copy = g;
    MPI_Request_free(&g);
    REFUSED(MPI_Test(&copy, &flag, &st), "MPI_Test of a freed generalized request");
    REFUSED(MPI_Wait(&copy, &st), "MPI_Wait of a freed generalized request");
    REFUSED(MPI_Cancel(&copy), "MPI_Cancel of a freed generalized request");
    REFUSED(MPI_Request_get_status(copy, &flag, &st), "get_status of a freed one");
    CHECK_INT(frees, 0, "free_fn before MPI_Grequest_complete");
    CHECK_INT(MPI_Grequest_complete(copy), MPI_SUCCESS, "MPI_Grequest_complete");
    CHECK_INT(frees, 1, "free_fn at MPI_Grequest_complete");
    REFUSED(MPI_Grequest_complete(copy), "MPI_Grequest_complete of a released one");

    MPI_Grequest_start(query_fn, free_fn, cancel_fn, &frees, &g);
    MPI_Grequest_complete(g);
    REFUSED(MPI_Grequest_complete(g), "MPI_Grequest_complete twice");
    CHECK_INT(MPI_Wait(&g, &st), MPI_SUCCESS, "MPI_Wait after a second complete");
    CHECK_INT(frees, 2, "free_fn calls");

    MPI_Irecv(&buf, 1, MPI_INT, 0, 8, MPI_COMM_SELF, &r);
    REFUSED(MPI_Grequest_complete(r), "MPI_Grequest_complete of a receive");
    REFUSED(MPI_Grequest_complete(MPI_REQUEST_NULL), "MPI_Grequest_complete of null");
    MPI_Cancel(&r);
    MPI_Wait(&r, &st);
    CHECK_INT(cancelled(&st), 1, "the receive, cancelled");
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    mc_init("cancel_errors", &rank, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    test_cancel_refusals();
    test_sends();
    test_grequests();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
