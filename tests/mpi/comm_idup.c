/* comm_idup.c - MPI_Comm_idup is nonblocking (MPI-3.1 6.4.2): a rank that
 * has started one goes on before the others call it; several run at once,
 * on several communicators, started in different orders on different ranks,
 * with blocking communicator calls in between; and every communicator made
 * keeps its own messages (distinct context ids at every member). The same
 * for an intercommunicator, whose groups differ in size at odd rank counts.
 * A parent's error handler and attributes reach the idup even while it is
 * still being agreed on.
 * MPITEST_RANKS: 1 2 3 4 5 */
#include "mpicheck.h"

static int rank, size;

/* Every member sends its rank around the ring on c with tag 5 and checks
 * what arrives; a second ring on d, posted first, must not take it. */
static void check_apart(MPI_Comm c, MPI_Comm d, const char *what)
{
    int crank, csize;
    MPI_Comm_rank(c, &crank);
    MPI_Comm_size(c, &csize);
    int to = (crank + 1) % csize, from = (crank + csize - 1) % csize;
    int onc = -1, ond = -1, vc = 100 + crank, vd = 200 + crank;
    MPI_Request r[2];
    MPI_Irecv(&ond, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, d, &r[0]);
    MPI_Irecv(&onc, 1, MPI_INT, MPI_ANY_SOURCE, MPI_ANY_TAG, c, &r[1]);
    MPI_Send(&vc, 1, MPI_INT, to, 5, c);
    MPI_Send(&vd, 1, MPI_INT, to, 5, d);
    MPI_Waitall(2, r, MPI_STATUSES_IGNORE);
    CHECK(onc == 100 + from, "%s: the first one's message is %d, expected %d", what, onc,
          100 + from);
    CHECK(ond == 200 + from, "%s: the second one's message is %d, expected %d", what, ond,
          200 + from);
}

/* Rank 0 starts the idup and then receives a synchronous message from the
 * last rank, which sends it before it calls MPI_Comm_idup: an idup that
 * waited for every member would never return (MPICH's comm_idup tests). */
static void test_does_not_block(void)
{
    MPI_Comm dup;
    MPI_Request req;
    int token = -1;
    if (rank == 0) {
        MPI_Comm_idup(MPI_COMM_WORLD, &dup, &req);
        if (size > 1)
            MPI_Recv(&token, 1, MPI_INT, size - 1, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
    } else {
        if (rank == size - 1) {
            token = 4242;
            MPI_Ssend(&token, 1, MPI_INT, 0, 9, MPI_COMM_WORLD);
        }
        MPI_Comm_idup(MPI_COMM_WORLD, &dup, &req);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
    }
    CHECK(req == MPI_REQUEST_NULL, "MPI_Wait left the idup request");
    if (rank == 0 && size > 1)
        CHECK_INT(token, 4242, "the message received while the idup ran");
    int result;
    MPI_Comm_compare(MPI_COMM_WORLD, dup, &result);
    CHECK_INT(result, MPI_CONGRUENT, "MPI_Comm_compare(world, idup of world)");
    check_apart(dup, MPI_COMM_WORLD, "idup of world and world");
    MPI_Comm_free(&dup);
}

/* Two idups on two parents, started in one order on even ranks and the
 * other on odd ones, a blocking dup of a third in between, and MPI_Test
 * driving them. The four communicators must all be apart. */
static void test_overlapping(void)
{
    MPI_Comm a, b, c, na, nb, nc;
    MPI_Comm_dup(MPI_COMM_WORLD, &a);
    MPI_Comm_dup(MPI_COMM_WORLD, &b);
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    MPI_Request r[2];
    if (rank % 2 == 0) {
        MPI_Comm_idup(a, &na, &r[0]);
        MPI_Comm_idup(b, &nb, &r[1]);
    } else {
        MPI_Comm_idup(b, &nb, &r[1]);
        MPI_Comm_idup(a, &na, &r[0]);
    }
    MPI_Comm_dup(c, &nc); /* blocking, while both run */
    int done = 0;
    while (!done)
        MPI_Testall(2, r, &done, MPI_STATUSES_IGNORE);
    check_apart(na, nb, "idups of two parents");
    check_apart(na, nc, "an idup and a dup made while it ran");
    check_apart(nb, nc, "the other idup and the dup");
    check_apart(na, a, "an idup and its parent");
    MPI_Comm comms[] = {na, nb, nc, a, b, c};
    for (int i = 0; i < 6; i++)
        MPI_Comm_free(&comms[i]);
}

/* Several idups of one parent in a row (the same order everywhere, as the
 * standard requires), waited for in reverse; then a split of one of them. */
static void test_many_of_one(void)
{
    enum { N = 6 };
    MPI_Comm dups[N];
    MPI_Request reqs[N];
    for (int i = 0; i < N; i++)
        MPI_Comm_idup(MPI_COMM_WORLD, &dups[i], &reqs[i]);
    for (int i = N - 1; i >= 0; i--)
        MPI_Wait(&reqs[i], MPI_STATUS_IGNORE);
    for (int i = 0; i + 1 < N; i++)
        check_apart(dups[i], dups[i + 1], "successive idups of one parent");
    /* Attributes and names: the idup copies attributes as MPI_Comm_dup. */
    MPI_Comm half;
    MPI_Comm_split(dups[2], rank % 2, rank, &half);
    int hsize;
    MPI_Comm_size(half, &hsize);
    CHECK_INT(hsize, rank % 2 ? size / 2 : (size + 1) / 2, "size of a split of an idup");
    MPI_Comm_free(&half);
    for (int i = 0; i < N; i++)
        MPI_Comm_free(&dups[i]);
}

/* Intercommunicator of even and odd world ranks: every rank but each
 * group's leader starts the idup, then sends synchronously to the remote
 * leader, which receives all of them before it starts its own. */
static void test_inter(void)
{
    if (size < 2)
        return;
    MPI_Comm half, inter, dup;
    MPI_Request req;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
    MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, rank % 2 ? 0 : 1, 33, &inter);
    int lrank, lsize, rsize, got = 0;
    MPI_Comm_rank(inter, &lrank);
    MPI_Comm_size(inter, &lsize);
    MPI_Comm_remote_size(inter, &rsize);
    if (lrank == 0) {
        for (int i = 1; i < rsize; i++) {
            int v = -1;
            MPI_Recv(&v, 1, MPI_INT, i, 3, inter, MPI_STATUS_IGNORE);
            got += v == 1000 + i;
        }
        CHECK_INT(got, rsize - 1, "messages the leader received before its idup");
        MPI_Comm_idup(inter, &dup, &req);
    } else {
        MPI_Comm_idup(inter, &dup, &req);
        int v = 1000 + lrank;
        MPI_Ssend(&v, 1, MPI_INT, 0, 3, inter);
    }
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    int flag = 0, dl, dr;
    MPI_Comm_test_inter(dup, &flag);
    MPI_Comm_size(dup, &dl);
    MPI_Comm_remote_size(dup, &dr);
    CHECK(flag && dl == lsize && dr == rsize,
          "idup of an intercommunicator: inter %d, %d+%d", flag, dl, dr);
    /* Each remote rank's message on the dup, its twin on the parent posted
     * first: they must not mix. */
    int sum = 0, want = 0;
    for (int i = 0; i < rsize; i++)
        want += 500 + i;
    int *in = malloc(2 * (size_t)rsize * sizeof *in);
    MPI_Request *r = malloc(2 * (size_t)rsize * sizeof *r);
    for (int i = 0; i < rsize; i++) {
        MPI_Irecv(&in[i], 1, MPI_INT, i, 4, inter, &r[i]);
        MPI_Irecv(&in[rsize + i], 1, MPI_INT, i, 4, dup, &r[rsize + i]);
    }
    int mine = 500 + lrank, twin = -500 - lrank;
    for (int i = 0; i < rsize; i++) {
        MPI_Send(&mine, 1, MPI_INT, i, 4, dup);
        MPI_Send(&twin, 1, MPI_INT, i, 4, inter);
    }
    MPI_Waitall(2 * rsize, r, MPI_STATUSES_IGNORE);
    for (int i = 0; i < rsize; i++) {
        sum += in[rsize + i];
        CHECK_INT(in[i], -500 - i, "message on the parent intercommunicator");
    }
    CHECK_INT(sum, want, "sum of the messages on the idup of the intercommunicator");
    free(in);
    free(r);
    MPI_Comm_free(&dup);
    MPI_Comm_free(&inter);
    MPI_Comm_free(&half);
}

/* A parent with an error handler and an attribute: the idup copies both
 * when it is called, while the new communicator is still being agreed on
 * (rank 0 starts first and waits for the last rank's message). */
static void test_inherits_while_pending(void)
{
    MPI_Comm parent, dup;
    MPI_Request req;
    MPI_Errhandler eh;
    int key, value = 77, *got = NULL, flag = 0, token = -1;
    MPI_Comm_dup(MPI_COMM_WORLD, &parent);
    MPI_Comm_set_errhandler(parent, MPI_ERRORS_RETURN);
    MPI_Comm_create_keyval(MPI_COMM_DUP_FN, MPI_COMM_NULL_DELETE_FN, &key, NULL);
    MPI_Comm_set_attr(parent, key, &value);
    if (rank == 0) {
        CHECK_INT(MPI_Comm_idup(parent, &dup, &req), MPI_SUCCESS, "MPI_Comm_idup");
        if (size > 1)
            MPI_Recv(&token, 1, MPI_INT, size - 1, 9, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    } else {
        if (rank == size - 1) {
            token = 4343;
            MPI_Ssend(&token, 1, MPI_INT, 0, 9, MPI_COMM_WORLD);
        }
        CHECK_INT(MPI_Comm_idup(parent, &dup, &req), MPI_SUCCESS, "MPI_Comm_idup");
    }
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    MPI_Comm_get_errhandler(dup, &eh);
    CHECK(eh == MPI_ERRORS_RETURN, "the idup did not inherit MPI_ERRORS_RETURN");
    MPI_Errhandler_free(&eh);
    MPI_Comm_get_attr(dup, key, &got, &flag);
    CHECK(flag && got == &value, "the idup's attribute: flag %d", flag);
    check_apart(dup, parent, "an idup of a parent with state");
    MPI_Comm_free(&dup);
    MPI_Comm_free(&parent);
    MPI_Comm_free_keyval(&key);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("comm_idup", &rank, &size);
    test_does_not_block();
    test_overlapping();
    test_many_of_one();
    test_inter();
    test_inherits_while_pending();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
