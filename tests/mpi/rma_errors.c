/* rma_errors.c - erroneous uses of windows with MPI_ERRORS_RETURN: each
 * call returns the error class that names the mistake (MPI-3.1 8.4 and
 * 11.2-11.5), and the window is still usable after it: a put outside any
 * epoch (MPI_ERR_RMA_SYNC); a put or get past the end of the target's
 * window (MPI_ERR_RMA_RANGE); unlock without lock, complete without start,
 * wait without post (MPI_ERR_RMA_SYNC); MPI_Win_free with a lock epoch open
 * (MPI_ERR_RMA_SYNC, then unlock and free work); attach to a window that is
 * not dynamic and MPI_Win_shared_query of one that is not shared
 * (MPI_ERR_RMA_FLAVOR); a lock type that is neither (MPI_ERR_LOCKTYPE); an
 * assert with unknown bits (MPI_ERR_ASSERT); MPI_WIN_NULL (MPI_ERR_WIN,
 * raised on MPI_COMM_WORLD). A user error handler sees the same classes.
 * Which error a library returns for an erroneous program is its own
 * choice: these are ipc's.
 * MPITEST_ONLY: ipc
 * MPITEST_RANKS: 1 2 4 */
#include "mpicheck.h"

enum { N = 8 };
static int rank, size, left, right;

/* The call's result is an error of class want. */
#define CHECK_CLASS(call, want)                                                          \
    do {                                                                                 \
        int rc_ = (call), class_ = -1;                                                   \
        CHECK(rc_ != MPI_SUCCESS, "%s succeeded, expected %s", #call, #want);            \
        MPI_Error_class(rc_, &class_);                                                   \
        CHECK(class_ == (want), "%s: error class %d, expected %s (%d)", #call, class_,   \
              #want, (want));                                                            \
    } while (0)

/* One fence epoch that puts into the right neighbour and checks what came
 * from the left: the window still works. The last fence opens no epoch
 * (NOSUCCEED), so locks may follow. */
static void check_usable(MPI_Win win, int *mem, int tag, const char *after)
{
    int out[N];
    for (int i = 0; i < N; i++)
        out[i] = rank * 1000 + tag * 10 + i;
    CHECK_INT(MPI_Win_fence(0, win), MPI_SUCCESS, "MPI_Win_fence");
    CHECK_INT(MPI_Put(out, N, MPI_INT, right, 0, N, MPI_INT, win), MPI_SUCCESS,
              "MPI_Put");
    CHECK_INT(MPI_Win_fence(MPI_MODE_NOSUCCEED, win), MPI_SUCCESS, "MPI_Win_fence");
    for (int i = 0; i < N; i++)
        CHECK(mem[i] == left * 1000 + tag * 10 + i,
              "after %s: element %d is %d, expected %d", after, i, mem[i],
              left * 1000 + tag * 10 + i);
}

static int handler_calls, handler_class;

static void count_errors(MPI_Win *win, int *code, ...)
{
    (void)win;
    handler_calls++;
    MPI_Error_class(*code, &handler_class);
}

int main(int argc, char **argv)
{
    int mem[N], out[N], x = 0;
    MPI_Win win, win2;
    MPI_Group world, empty;
    MPI_Errhandler eh;
    void *ptr = NULL;
    MPI_Aint qsize;
    int qunit;

    MPI_Init(&argc, &argv);
    mc_init("rma_errors", &rank, &size);
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    for (int i = 0; i < N; i++)
        mem[i] = out[i] = i;
    MPI_Win_create(mem, sizeof mem, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN);

    /* no epoch at all */
    CHECK_CLASS(MPI_Put(out, 1, MPI_INT, right, 0, 1, MPI_INT, win), MPI_ERR_RMA_SYNC);
    CHECK_CLASS(MPI_Get(out, 1, MPI_INT, right, 0, 1, MPI_INT, win), MPI_ERR_RMA_SYNC);
    CHECK_CLASS(MPI_Win_unlock(right, win), MPI_ERR_RMA_SYNC);
    CHECK_CLASS(MPI_Win_unlock_all(win), MPI_ERR_RMA_SYNC);
    CHECK_CLASS(MPI_Win_flush(right, win), MPI_ERR_RMA_SYNC);
    CHECK_CLASS(MPI_Win_complete(win), MPI_ERR_RMA_SYNC);
    CHECK_CLASS(MPI_Win_wait(win), MPI_ERR_RMA_SYNC);
    check_usable(win, mem, 1, "operations outside any epoch");

    /* past the end of the target's window, inside a lock epoch */
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_INT(MPI_Win_lock(MPI_LOCK_SHARED, right, 0, win), MPI_SUCCESS, "MPI_Win_lock");
    CHECK_CLASS(MPI_Put(out, N, MPI_INT, right, 1, N, MPI_INT, win), MPI_ERR_RMA_RANGE);
    CHECK_CLASS(MPI_Get(out, 2, MPI_INT, right, N - 1, 2, MPI_INT, win),
                MPI_ERR_RMA_RANGE);
    CHECK_CLASS(MPI_Put(out, 1, MPI_INT, right, N, 1, MPI_INT, win), MPI_ERR_RMA_RANGE);
    /* a lock on a target already locked by this rank */
    CHECK_CLASS(MPI_Win_lock(MPI_LOCK_SHARED, right, 0, win), MPI_ERR_RMA_SYNC);
    /* MPI_Win_free with the epoch open: refused, the window stays */
    CHECK_CLASS(MPI_Win_free(&win), MPI_ERR_RMA_SYNC);
    CHECK(win != MPI_WIN_NULL, "a refused MPI_Win_free set the handle to MPI_WIN_NULL");
    CHECK_INT(MPI_Win_unlock(right, win), MPI_SUCCESS, "MPI_Win_unlock after the errors");
    MPI_Barrier(MPI_COMM_WORLD);
    check_usable(win, mem, 2, "MPI_ERR_RMA_RANGE and a refused MPI_Win_free");

    /* bad lock types and asserts */
    CHECK_CLASS(MPI_Win_lock(MPI_LOCK_SHARED + MPI_LOCK_EXCLUSIVE + 17, right, 0, win),
                MPI_ERR_LOCKTYPE);
    CHECK_CLASS(MPI_Win_lock(MPI_LOCK_SHARED, right, 1 << 30, win), MPI_ERR_ASSERT);
    CHECK_CLASS(MPI_Win_lock_all(-1, win), MPI_ERR_ASSERT);
    CHECK_CLASS(MPI_Win_fence(MPI_MODE_NOPRECEDE | (1 << 29), win), MPI_ERR_ASSERT);
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    MPI_Group_incl(world, 0, NULL, &empty);
    CHECK_CLASS(MPI_Win_post(empty, 1 << 28, win), MPI_ERR_ASSERT);
    CHECK_CLASS(MPI_Win_start(empty, 1 << 28, win), MPI_ERR_ASSERT);
    MPI_Group_free(&empty);
    MPI_Group_free(&world);
    check_usable(win, mem, 3, "bad lock types and asserts");

    /* flavors */
    CHECK_CLASS(MPI_Win_attach(win, &x, sizeof x), MPI_ERR_RMA_FLAVOR);
    CHECK_CLASS(MPI_Win_detach(win, mem), MPI_ERR_RMA_FLAVOR);
    CHECK_CLASS(MPI_Win_shared_query(win, 0, &qsize, &qunit, &ptr), MPI_ERR_RMA_FLAVOR);
    MPI_Win_allocate(sizeof(int), sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &ptr,
                     &win2);
    MPI_Win_set_errhandler(win2, MPI_ERRORS_RETURN);
    CHECK_CLASS(MPI_Win_shared_query(win2, 0, &qsize, &qunit, &ptr), MPI_ERR_RMA_FLAVOR);
    CHECK_INT(MPI_Win_free(&win2), MPI_SUCCESS, "MPI_Win_free of an allocated window");
    check_usable(win, mem, 4, "flavor errors");

    /* MPI_WIN_NULL: there is no window whose handler to call, so the error
     * is raised on MPI_COMM_WORLD (MPI-4: MPI_COMM_SELF; both return here) */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(MPI_COMM_SELF, MPI_ERRORS_RETURN);
    CHECK_CLASS(MPI_Win_fence(0, MPI_WIN_NULL), MPI_ERR_WIN);
    CHECK_CLASS(MPI_Put(out, 1, MPI_INT, 0, 0, 1, MPI_INT, MPI_WIN_NULL), MPI_ERR_WIN);
    CHECK_CLASS(MPI_Win_lock(MPI_LOCK_SHARED, 0, 0, MPI_WIN_NULL), MPI_ERR_WIN);
    {
        MPI_Win null = MPI_WIN_NULL;
        CHECK_CLASS(MPI_Win_free(&null), MPI_ERR_WIN);
    }

    /* a user handler on the window sees what MPI_ERRORS_RETURN returned */
    MPI_Win_create_errhandler(count_errors, &eh);
    MPI_Win_set_errhandler(win, eh);
    MPI_Errhandler_free(&eh);
    MPI_Win_unlock(right, win);
    CHECK_INT(handler_calls, 1, "user handler calls after MPI_Win_unlock without lock");
    CHECK_INT(handler_class, MPI_ERR_RMA_SYNC, "class the user handler saw");
    MPI_Win_attach(win, &x, sizeof x);
    CHECK_INT(handler_calls, 2, "user handler calls after MPI_Win_attach");
    CHECK_INT(handler_class, MPI_ERR_RMA_FLAVOR, "class the user handler saw");
    check_usable(win, mem, 5, "the user handler's errors");
    CHECK_INT(handler_calls, 2, "user handler calls after correct calls");

    CHECK_INT(MPI_Win_free(&win), MPI_SUCCESS, "MPI_Win_free");
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
