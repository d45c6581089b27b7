/* stale_request.c - request handles that name no request, with
 * MPI_ERRORS_RETURN: a stale copy of a finished request's handle (also once
 * a new request took its place, which it must leave alone), the copy of a
 * handle given to MPI_Request_free, and forged values are MPI_ERR_REQUEST
 * from every call that takes a request, never a second free (free(): double
 * free) nor a crash; after each, two new receives are two requests, each
 * completing with its own message.
 *
 * An erroneous program by MPI-3.1's rules, which leaves these cases
 * undefined: only ipc's MPI layer promises MPI_ERR_REQUEST.
 * MPITEST_ONLY: ipc */
#include <stdint.h>

#include "mpicheck.h"

static void send_self(int v, int tag)
{
    CHECK_INT(MPI_Send(&v, 1, MPI_INT, 0, tag, MPI_COMM_SELF), MPI_SUCCESS,
              "MPI_Send to self");
}

static int class_of(int rc)
{
    int cls = -1;
    MPI_Error_class(rc, &cls);
    return cls;
}

/* Every call that takes a request refuses h and leaves it as it was. */
static void refused_everywhere(MPI_Request h, const char *what)
{
    MPI_Request slot = h;
    int flag = -1, index = -1, outcount = -1, indices[1];
    MPI_Status st;
    /* MPI_Test first: on a handle taken for a pending request, MPI_Wait
     * would wait for it. */
    CHECK(class_of(MPI_Test(&slot, &flag, &st)) == MPI_ERR_REQUEST, "MPI_Test of %s",
          what);
    CHECK(class_of(MPI_Testall(1, &slot, &flag, MPI_STATUSES_IGNORE)) == MPI_ERR_REQUEST,
          "MPI_Testall of %s", what);
    CHECK(class_of(MPI_Testany(1, &slot, &index, &flag, &st)) == MPI_ERR_REQUEST,
          "MPI_Testany of %s", what);
    CHECK(class_of(MPI_Testsome(1, &slot, &outcount, indices, MPI_STATUSES_IGNORE)) ==
              MPI_ERR_REQUEST,
          "MPI_Testsome of %s", what);
    CHECK(slot == h, "a test changed %s", what);
    CHECK(class_of(MPI_Wait(&slot, &st)) == MPI_ERR_REQUEST, "MPI_Wait of %s", what);
    CHECK(class_of(MPI_Waitall(1, &slot, MPI_STATUSES_IGNORE)) == MPI_ERR_REQUEST,
          "MPI_Waitall of %s", what);
    CHECK(class_of(MPI_Waitany(1, &slot, &index, &st)) == MPI_ERR_REQUEST,
          "MPI_Waitany of %s", what);
    CHECK(class_of(MPI_Waitsome(1, &slot, &outcount, indices, MPI_STATUSES_IGNORE)) ==
              MPI_ERR_REQUEST,
          "MPI_Waitsome of %s", what);
    CHECK(slot == h, "a wait changed %s", what);
    CHECK(class_of(MPI_Request_free(&slot)) == MPI_ERR_REQUEST, "MPI_Request_free of %s",
          what);
    CHECK(slot == h, "MPI_Request_free changed %s", what);
    CHECK(MPI_Request_c2f(h) == -1, "MPI_Request_c2f gave %s an index", what);
}

/* Two receives posted now are distinct requests: each completes with its
 * own message (one shared request would take one message for both). */
static void two_receives_are_distinct(void)
{
    int a = 0, b = 0;
    MPI_Request r[2];
    MPI_Status st[2];
    MPI_Irecv(&a, 1, MPI_INT, 0, 61, MPI_COMM_SELF, &r[0]);
    MPI_Irecv(&b, 1, MPI_INT, 0, 62, MPI_COMM_SELF, &r[1]);
    CHECK(r[0] != r[1], "two receives have one handle");
    send_self(620, 62);
    send_self(610, 61);
    CHECK_INT(MPI_Waitall(2, r, st), MPI_SUCCESS, "MPI_Waitall of two receives");
    CHECK_INT(a, 610, "first receive");
    CHECK_INT(b, 620, "second receive");
    CHECK_INT(st[0].MPI_TAG, 61, "first receive's tag");
    CHECK_INT(st[1].MPI_TAG, 62, "second receive's tag");
}

/* A receive of tag, waited for, whose handle was copied first: the copy. */
static MPI_Request finished_copy(int tag)
{
    int got = 0;
    MPI_Request r, copy;
    MPI_Irecv(&got, 1, MPI_INT, 0, tag, MPI_COMM_SELF, &r);
    copy = r;
    send_self(tag * 10, tag);
    CHECK_INT(MPI_Wait(&r, MPI_STATUS_IGNORE), MPI_SUCCESS, "MPI_Wait of a receive");
    CHECK(r == MPI_REQUEST_NULL, "MPI_Wait left the request set");
    CHECK_INT(got, tag * 10, "received");
    return copy;
}

static void stale_copy(void)
{
    refused_everywhere(finished_copy(11), "a stale copy");
    two_receives_are_distinct();
}

/* The copy's request is reused by a new receive: the copy still names
 * nothing, and the new receive is neither finished nor disturbed by it. */
static void stale_copy_after_reuse(void)
{
    int got = 0, flag = -1;
    MPI_Request fresh;
    MPI_Status st;
    MPI_Request copy = finished_copy(21);
    MPI_Irecv(&got, 1, MPI_INT, 0, 22, MPI_COMM_SELF, &fresh);
    refused_everywhere(copy, "a stale copy, its request reused");
    MPI_Test(&fresh, &flag, MPI_STATUS_IGNORE);
    CHECK_INT(flag, 0, "MPI_Test of a receive without its message");
    send_self(220, 22);
    refused_everywhere(copy, "a stale copy, its request reused and complete");
    CHECK_INT(MPI_Wait(&fresh, &st), MPI_SUCCESS, "MPI_Wait of the new receive");
    CHECK_INT(got, 220, "the new receive");
    CHECK_INT(st.MPI_TAG, 22, "the new receive's tag");
    refused_everywhere(copy, "a stale copy, its request reused and finished");
    two_receives_are_distinct();
}

/* A stale copy among live requests: refused before any of them is touched. */
static void stale_copy_among_live_ones(void)
{
    int a = 0, flag = -1, index = -1;
    MPI_Request copy = finished_copy(31), set[2], live;
    MPI_Irecv(&a, 1, MPI_INT, 0, 32, MPI_COMM_SELF, &set[0]);
    live = set[0];
    set[1] = copy;
    CHECK(class_of(MPI_Testall(2, set, &flag, MPI_STATUSES_IGNORE)) == MPI_ERR_REQUEST,
          "MPI_Testall with a stale copy");
    send_self(320, 32);
    CHECK(class_of(MPI_Waitall(2, set, MPI_STATUSES_IGNORE)) == MPI_ERR_REQUEST,
          "MPI_Waitall with a stale copy");
    CHECK(class_of(MPI_Waitany(2, set, &index, MPI_STATUS_IGNORE)) == MPI_ERR_REQUEST,
          "MPI_Waitany with a stale copy");
    CHECK(set[0] == live, "a refused call finished a live request");
    CHECK_INT(MPI_Wait(&set[0], MPI_STATUS_IGNORE), MPI_SUCCESS,
              "MPI_Wait of the live one");
    CHECK_INT(a, 320, "the live receive");
    two_receives_are_distinct();
}

/* MPI_Request_free ends the handle at once: its copy is refused while the
 * operation still runs, and after. */
static void copy_of_a_freed_request(void)
{
    int got = 0;
    MPI_Request r, copy;
    MPI_Irecv(&got, 1, MPI_INT, 0, 41, MPI_COMM_SELF, &r);
    copy = r;
    CHECK_INT(MPI_Request_free(&r), MPI_SUCCESS, "MPI_Request_free of a pending receive");
    refused_everywhere(copy, "the copy of a freed pending request");
    send_self(410, 41);
    refused_everywhere(copy, "the copy of a freed request");
    CHECK_INT(got, 410, "a freed receive");
    two_receives_are_distinct();
}

static void forged_handles(void)
{
    int local = 0, got = 0;
    void *heap = malloc(64);
    MPI_Request live;
    MPI_Irecv(&got, 1, MPI_INT, 0, 51, MPI_COMM_SELF, &live);
    const uintptr_t top = (uintptr_t)1 << (sizeof(uintptr_t) * 8 - 1);
    MPI_Request forged[] = {
        (MPI_Request)(uintptr_t)&local,
        (MPI_Request)heap,
        (MPI_Request)UINTPTR_MAX,
        (MPI_Request)(uintptr_t)0xdeadbeef,
        (MPI_Request)((uintptr_t)live ^ top),
        (MPI_Request)((uintptr_t)live + 4096),
    };
    for (size_t i = 0; i < sizeof forged / sizeof forged[0]; i++)
        refused_everywhere(forged[i], "a forged handle");
    free(heap);
    send_self(510, 51);
    CHECK_INT(MPI_Wait(&live, MPI_STATUS_IGNORE), MPI_SUCCESS,
              "MPI_Wait after forgeries");
    CHECK_INT(got, 510, "a receive after forgeries");
    two_receives_are_distinct();
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    mc_init("stale_request", &rank, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    stale_copy();
    stale_copy_after_reuse();
    stale_copy_among_live_ones();
    copy_of_a_freed_request();
    forged_handles();
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
