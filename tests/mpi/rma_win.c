/* rma_win.c - window objects (MPI-3.1 11.2, 11.2.6, 6.7.4, 8.3.4): what each
 * of the four ways to make a window gives (MPI_Win_create, _allocate,
 * _allocate_shared with MPI_Win_shared_query, _create_dynamic with
 * attach/detach), read back through the predefined attributes and used with
 * a put or get that checks the memory is the one reported; shared windows
 * contiguous in rank order by default and reachable with plain loads and
 * stores by node peers; user attributes whose delete callback runs when the
 * window is freed; names, groups, info, error handlers; zero-size windows on
 * some ranks, a window on a split communicator, and several windows in use
 * at once. A library that mixes up windows, reports a base or size other
 * than the memory it exposes, or forgets a callback fails here.
 * Shared-memory windows are made on MPI_COMM_TYPE_SHARED's communicator, so
 * the program passes whichever nodes the ranks are on.
 * Open MPI 4.1's default osc/rdma cannot make a window on a one-rank
 * communicator (MPI_ERR_WIN): run it there with OMPI_MCA_osc=sm,pt2pt.
 * MPICH 4.0 fails the MPI_WIN_BASE check of MPI_Win_allocate at 3 ranks
 * and more (the attribute is 8 bytes below the memory it gave).
 * MPITEST_RANKS: 1 2 3 4 */
#include "mpicheck.h"

#include <stdint.h>

enum { N = 16 };
static int rank, size, left, right;

static int value(int owner, int i)
{
    return owner * 1000 + i + 7;
}

static void check_attrs(MPI_Win win, void *base, MPI_Aint bytes, int disp_unit,
                        int flavor, const char *what)
{
    void *got_base = NULL;
    MPI_Aint *got_size = NULL;
    int *got_unit = NULL, *got_flavor = NULL, *got_model = NULL, flag = 0;
    MPI_Win_get_attr(win, MPI_WIN_BASE, &got_base, &flag);
    CHECK(flag, "%s: MPI_WIN_BASE is not set", what);
    CHECK(got_base == base, "%s: MPI_WIN_BASE is %p, expected %p", what, got_base, base);
    MPI_Win_get_attr(win, MPI_WIN_SIZE, &got_size, &flag);
    CHECK(flag, "%s: MPI_WIN_SIZE is not set", what);
    CHECK_INT(*got_size, bytes, "MPI_WIN_SIZE");
    MPI_Win_get_attr(win, MPI_WIN_DISP_UNIT, &got_unit, &flag);
    CHECK(flag, "%s: MPI_WIN_DISP_UNIT is not set", what);
    CHECK_INT(*got_unit, disp_unit, "MPI_WIN_DISP_UNIT");
    MPI_Win_get_attr(win, MPI_WIN_CREATE_FLAVOR, &got_flavor, &flag);
    CHECK(flag, "%s: MPI_WIN_CREATE_FLAVOR is not set", what);
    CHECK(*got_flavor == flavor, "%s: MPI_WIN_CREATE_FLAVOR is %d, expected %d", what,
          *got_flavor, flavor);
    MPI_Win_get_attr(win, MPI_WIN_MODEL, &got_model, &flag);
    CHECK(flag, "%s: MPI_WIN_MODEL is not set", what);
    CHECK(*got_model == MPI_WIN_SEPARATE || *got_model == MPI_WIN_UNIFIED,
          "%s: MPI_WIN_MODEL is %d, neither MPI_WIN_SEPARATE nor MPI_WIN_UNIFIED", what,
          *got_model);
}

/* The group of win is that of comm. */
static void check_group(MPI_Win win, MPI_Comm comm, const char *what)
{
    MPI_Group wg, cg;
    int cmp = -1;
    MPI_Win_get_group(win, &wg);
    MPI_Comm_group(comm, &cg);
    MPI_Group_compare(wg, cg, &cmp);
    CHECK(cmp == MPI_IDENT, "%s: window's group compares %d with its communicator's",
          what, cmp);
    MPI_Group_free(&wg);
    MPI_Group_free(&cg);
}

/* MPI_Win_create: attributes, and a get from the right neighbour reads the
 * memory it exposed. */
static void test_create(void)
{
    int buf[N], got[N];
    MPI_Win win;
    for (int i = 0; i < N; i++) {
        buf[i] = value(rank, i);
        got[i] = -1;
    }
    CHECK_INT(
        MPI_Win_create(buf, sizeof buf, sizeof(int), MPI_INFO_NULL, MPI_COMM_WORLD, &win),
        MPI_SUCCESS, "MPI_Win_create");
    check_attrs(win, buf, sizeof buf, sizeof(int), MPI_WIN_FLAVOR_CREATE,
                "MPI_Win_create");
    check_group(win, MPI_COMM_WORLD, "MPI_Win_create");
    MPI_Win_fence(0, win);
    MPI_Get(got, N - 2, MPI_INT, right, 2, N - 2, MPI_INT, win);
    MPI_Win_fence(0, win);
    for (int i = 0; i < N - 2; i++)
        CHECK(got[i] == value(right, i + 2), "create: got[%d] is %d, expected %d", i,
              got[i], value(right, i + 2));
    CHECK_INT(got[N - 2], -1, "create: element past the get");
    CHECK_INT(MPI_Win_free(&win), MPI_SUCCESS, "MPI_Win_free");
    CHECK(win == MPI_WIN_NULL, "MPI_Win_free did not set the handle to MPI_WIN_NULL");
}

/* MPI_Win_allocate with sizes rank * 3 doubles (rank 0: none), disp_unit
 * sizeof(double): each rank puts into its right neighbour's memory if it
 * has any. */
static void test_allocate(void)
{
    double *base = NULL;
    MPI_Aint bytes = (MPI_Aint)rank * 3 * sizeof(double);
    MPI_Win win;
    CHECK_INT(MPI_Win_allocate(bytes, sizeof(double), MPI_INFO_NULL, MPI_COMM_WORLD,
                               &base, &win),
              MPI_SUCCESS, "MPI_Win_allocate");
    CHECK(bytes == 0 || base != NULL, "MPI_Win_allocate gave no memory for %ld bytes",
          (long)bytes);
    check_attrs(win, base, bytes, sizeof(double), MPI_WIN_FLAVOR_ALLOCATE,
                "MPI_Win_allocate");
    for (int i = 0; i < rank * 3; i++)
        base[i] = -1.0;
    MPI_Win_fence(0, win);
    if (right != 0) {
        double v[3] = {rank + 0.25, rank + 0.5, rank + 0.75};
        MPI_Put(v, 3, MPI_DOUBLE, right, right * 3 - 3, 3, MPI_DOUBLE, win);
    }
    MPI_Win_fence(0, win);
    for (int i = 0; i < rank * 3; i++) {
        double want = i >= rank * 3 - 3 ? left + 0.25 * (i - (rank * 3 - 3) + 1) : -1.0;
        CHECK(base[i] == want, "allocate: base[%d] is %g, expected %g", i, base[i], want);
    }
    MPI_Win_free(&win);
}

/* MPI_Win_allocate_shared on the ranks of this node: node rank r has
 * r + 1 ints (the last one none, to have a zero-size segment when there are
 * several), contiguous in rank order; MPI_PROC_NULL's query gives the
 * first; every rank stores into its own part and loads its peers'. */
static void test_shared(int noncontig)
{
    MPI_Comm node;
    MPI_Info info = MPI_INFO_NULL;
    MPI_Win win;
    int nrank, nsize, *mine = NULL;
    const char *what = noncontig ? "allocate_shared noncontig" : "allocate_shared";
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &nrank);
    MPI_Comm_size(node, &nsize);
    int count = (nsize > 1 && nrank == nsize - 1) ? 0 : nrank + 1;
    if (noncontig) {
        MPI_Info_create(&info);
        MPI_Info_set(info, "alloc_shared_noncontig", "true");
    }
    CHECK_INT(MPI_Win_allocate_shared((MPI_Aint)count * sizeof(int), sizeof(int), info,
                                      node, &mine, &win),
              MPI_SUCCESS, what);
    if (info != MPI_INFO_NULL)
        MPI_Info_free(&info);
    check_attrs(win, mine, (MPI_Aint)count * sizeof(int), sizeof(int),
                MPI_WIN_FLAVOR_SHARED, what);
    check_group(win, node, what);

    int **peer = malloc(nsize * sizeof *peer);
    CHECK(peer != NULL, "out of memory");
    for (int r = 0; r < nsize; r++) {
        MPI_Aint psize = -1;
        int unit = -1;
        int pcount = (nsize > 1 && r == nsize - 1) ? 0 : r + 1;
        CHECK_INT(MPI_Win_shared_query(win, r, &psize, &unit, &peer[r]), MPI_SUCCESS,
                  "MPI_Win_shared_query");
        /* noncontig: Open MPI reports whole pages */
        CHECK(psize == (MPI_Aint)pcount * (MPI_Aint)sizeof(int) ||
                  (noncontig && psize > (MPI_Aint)pcount * (MPI_Aint)sizeof(int)),
              "%s: node rank %d's size is %ld, expected %ld", what, r, (long)psize,
              (long)(pcount * sizeof(int)));
        CHECK_INT(unit, sizeof(int), "disp_unit from MPI_Win_shared_query");
        CHECK(pcount == 0 || peer[r] != NULL, "%s: node rank %d's base is NULL", what, r);
        if (!noncontig && r > 0 && pcount > 0)
            CHECK(peer[r] == peer[r - 1] + r,
                  "%s: node rank %d's base is %p, expected %p (right after rank %d's)",
                  what, r, (void *)peer[r], (void *)(peer[r - 1] + r), r - 1);
    }
    CHECK(count == 0 || peer[nrank] == mine,
          "%s: shared_query of this rank gives %p, MPI_Win_allocate_shared gave %p", what,
          (void *)peer[nrank], (void *)mine);
    {
        MPI_Aint psize = -1;
        int unit = -1, *first = NULL;
        CHECK_INT(MPI_Win_shared_query(win, MPI_PROC_NULL, &psize, &unit, &first),
                  MPI_SUCCESS, "MPI_Win_shared_query of MPI_PROC_NULL");
        CHECK(first == peer[0] && psize >= (MPI_Aint)sizeof(int) &&
                  (noncontig || psize == (MPI_Aint)sizeof(int)),
              "%s: MPI_PROC_NULL's query gives %p (%ld bytes), expected %p (%d bytes)",
              what, (void *)first, (long)psize, (void *)peer[0], (int)sizeof(int));
    }

    MPI_Win_lock_all(MPI_MODE_NOCHECK, win);
    for (int i = 0; i < count; i++)
        mine[i] = value(rank, i);
    MPI_Win_sync(win);
    MPI_Barrier(node);
    MPI_Win_sync(win);
    int *world = malloc(nsize * sizeof *world);
    CHECK(world != NULL, "out of memory");
    MPI_Allgather(&rank, 1, MPI_INT, world, 1, MPI_INT, node);
    for (int r = 0; r < nsize; r++) {
        int pcount = (nsize > 1 && r == nsize - 1) ? 0 : r + 1;
        for (int i = 0; i < pcount; i++)
            CHECK(peer[r][i] == value(world[r], i),
                  "%s: node rank %d's element %d loads as %d, expected %d", what, r, i,
                  peer[r][i], value(world[r], i));
    }
    MPI_Win_unlock_all(win);
    MPI_Barrier(node);
    free(world);
    free(peer);
    MPI_Win_free(&win);
    MPI_Comm_free(&node);
}

/* MPI_Win_create_dynamic: nothing until attached; each rank attaches two
 * regions, gets from the right neighbour's second one at the address it
 * published, then detaches. */
static void test_dynamic(void)
{
    int a[N], b[N], got[N];
    MPI_Aint addr, *addrs = malloc(size * sizeof *addrs);
    MPI_Win win;
    int *flavor = NULL, flag = 0;
    CHECK(addrs != NULL, "out of memory");
    CHECK_INT(MPI_Win_create_dynamic(MPI_INFO_NULL, MPI_COMM_WORLD, &win), MPI_SUCCESS,
              "MPI_Win_create_dynamic");
    MPI_Win_get_attr(win, MPI_WIN_CREATE_FLAVOR, &flavor, &flag);
    CHECK(flag && *flavor == MPI_WIN_FLAVOR_DYNAMIC, "dynamic: flavor is %d, expected %d",
          flag ? *flavor : -1, MPI_WIN_FLAVOR_DYNAMIC);
    check_group(win, MPI_COMM_WORLD, "MPI_Win_create_dynamic");
    for (int i = 0; i < N; i++) {
        a[i] = -value(rank, i);
        b[i] = value(rank, i);
        got[i] = 0;
    }
    CHECK_INT(MPI_Win_attach(win, a, sizeof a), MPI_SUCCESS, "MPI_Win_attach");
    CHECK_INT(MPI_Win_attach(win, b, sizeof b), MPI_SUCCESS, "MPI_Win_attach");
    MPI_Get_address(&b[3], &addr);
    MPI_Allgather(&addr, 1, MPI_AINT, addrs, 1, MPI_AINT, MPI_COMM_WORLD);
    MPI_Win_lock(MPI_LOCK_SHARED, right, 0, win);
    MPI_Get(got, 5, MPI_INT, right, addrs[right], 5, MPI_INT, win);
    MPI_Win_unlock(right, win);
    for (int i = 0; i < 5; i++)
        CHECK(got[i] == value(right, i + 3), "dynamic: got[%d] is %d, expected %d", i,
              got[i], value(right, i + 3));
    MPI_Barrier(MPI_COMM_WORLD);
    CHECK_INT(MPI_Win_detach(win, b), MPI_SUCCESS, "MPI_Win_detach");
    CHECK_INT(MPI_Win_detach(win, a), MPI_SUCCESS, "MPI_Win_detach");
    MPI_Win_free(&win);
    free(addrs);
}

/* User attributes: the delete callback runs for the old value when one is
 * replaced, on MPI_Win_delete_attr, and for what is left at MPI_Win_free. */
static int deleted[4], delete_calls;
static MPI_Win delete_win;

static int copy_attr(MPI_Win win, int keyval, void *extra, void *in, void *out, int *flag)
{
    (void)win, (void)keyval, (void)extra;
    *(void **)out = in;
    *flag = 1;
    return MPI_SUCCESS;
}

static int delete_attr(MPI_Win win, int keyval, void *val, void *extra)
{
    (void)keyval;
    CHECK(win == delete_win, "delete callback called with another window");
    CHECK(extra == (void *)&delete_calls,
          "delete callback's extra state is %p, expected %p", extra,
          (void *)&delete_calls);
    if (delete_calls < 4)
        deleted[delete_calls] = *(int *)val;
    delete_calls++;
    return MPI_SUCCESS;
}

static void test_attributes(void)
{
    static int v1 = 11, v2 = 22, v3 = 33;
    int key1, key2, flag = -1, *got = NULL, x = 0;
    MPI_Win win;
    MPI_Win_create(&x, sizeof x, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    delete_win = win;
    CHECK_INT(MPI_Win_create_keyval(copy_attr, delete_attr, &key1, &delete_calls),
              MPI_SUCCESS, "MPI_Win_create_keyval");
    MPI_Win_create_keyval(MPI_WIN_NULL_COPY_FN, delete_attr, &key2, &delete_calls);
    MPI_Win_get_attr(win, key1, &got, &flag);
    CHECK_INT(flag, 0, "flag of an attribute never set");
    MPI_Win_set_attr(win, key1, &v1);
    MPI_Win_set_attr(win, key2, &v3);
    MPI_Win_set_attr(win, key1, &v2); /* deletes v1 */
    CHECK_INT(delete_calls, 1, "delete calls after replacing an attribute");
    CHECK_INT(deleted[0], 11, "value deleted on replacing");
    MPI_Win_get_attr(win, key1, &got, &flag);
    CHECK(flag && got == &v2, "attribute key1 is %p (flag %d), expected %p", (void *)got,
          flag, (void *)&v2);
    MPI_Win_delete_attr(win, key2);
    CHECK_INT(delete_calls, 2, "delete calls after MPI_Win_delete_attr");
    CHECK_INT(deleted[1], 33, "value deleted by MPI_Win_delete_attr");
    MPI_Win_get_attr(win, key2, &got, &flag);
    CHECK_INT(flag, 0, "flag of a deleted attribute");
    MPI_Win_free_keyval(&key2);
    CHECK(key2 == MPI_KEYVAL_INVALID, "MPI_Win_free_keyval left the keyval");
    /* key1 is freed while the window still holds it: the attribute stays
     * and its callback still runs at MPI_Win_free. */
    MPI_Win_free_keyval(&key1);
    MPI_Win_free(&win);
    CHECK_INT(delete_calls, 3, "delete calls after MPI_Win_free");
    CHECK_INT(deleted[2], 22, "value deleted by MPI_Win_free");
}

static void test_name_info(void)
{
    char name[MPI_MAX_OBJECT_NAME], val[64];
    int len = -1, flag = 0, x = 0;
    MPI_Win win;
    MPI_Info info, used;
    MPI_Info_create(&info);
    MPI_Info_set(info, "no_locks", "true");
    MPI_Win_create(&x, sizeof x, 1, info, MPI_COMM_WORLD, &win);
    MPI_Info_free(&info);
    /* (no check of a new window's name: Open MPI gives one, "rdma window 3") */
    MPI_Win_set_name(win, "a window");
    MPI_Win_get_name(win, name, &len);
    CHECK(len == 8 && !strcmp(name, "a window"), "window name is '%s' (length %d)", name,
          len);

    /* get_info gives a new object the program frees; a hint it reports has
     * the value the program gave. */
    CHECK_INT(MPI_Win_get_info(win, &used), MPI_SUCCESS, "MPI_Win_get_info");
    CHECK(used != MPI_INFO_NULL, "MPI_Win_get_info gave MPI_INFO_NULL");
    MPI_Info_get(used, "no_locks", sizeof val - 1, val, &flag);
    CHECK(!flag || !strcmp(val, "true"), "hint no_locks is '%s', expected 'true'", val);
    MPI_Info_free(&used);
    MPI_Info_create(&info);
    MPI_Info_set(info, "accumulate_ordering", "none");
    CHECK_INT(MPI_Win_set_info(win, info), MPI_SUCCESS, "MPI_Win_set_info");
    MPI_Info_free(&info);
    MPI_Win_get_info(win, &used);
    MPI_Info_get(used, "accumulate_ordering", sizeof val - 1, val, &flag);
    CHECK(!flag || !strcmp(val, "none"),
          "hint accumulate_ordering is '%s', expected 'none'", val);
    MPI_Info_free(&used);
    MPI_Win_free(&win);
}

static int handler_calls, handler_code;
static MPI_Win handler_win;

static void count_errors(MPI_Win *win, int *code, ...)
{
    handler_calls++;
    handler_code = *code;
    handler_win = *win;
}

static void test_errhandler(void)
{
    MPI_Errhandler eh, got;
    MPI_Win win;
    int x = 0;
    MPI_Win_create(&x, sizeof x, 1, MPI_INFO_NULL, MPI_COMM_WORLD, &win);
    /* A window starts with MPI_ERRORS_ARE_FATAL. */
    MPI_Win_get_errhandler(win, &got);
    CHECK(got == MPI_ERRORS_ARE_FATAL, "a new window's error handler is not fatal");
    CHECK_INT(MPI_Win_create_errhandler(count_errors, &eh), MPI_SUCCESS,
              "MPI_Win_create_errhandler");
    MPI_Win_set_errhandler(win, eh);
    MPI_Errhandler_free(&eh); /* the window keeps it */
    CHECK_INT(MPI_Win_call_errhandler(win, MPI_ERR_OTHER), MPI_SUCCESS,
              "MPI_Win_call_errhandler");
    CHECK_INT(handler_calls, 1, "user error handler calls");
    CHECK_INT(handler_code, MPI_ERR_OTHER, "code given to the user error handler");
    CHECK(handler_win == win, "the user error handler got another window");
    MPI_Win_set_errhandler(win, MPI_ERRORS_RETURN);
    CHECK_INT(MPI_Win_call_errhandler(win, MPI_ERR_ARG), MPI_SUCCESS,
              "MPI_Win_call_errhandler with MPI_ERRORS_RETURN");
    CHECK_INT(handler_calls, 1, "user handler calls after MPI_ERRORS_RETURN was set");
    MPI_Win_get_errhandler(win, &got);
    CHECK(got == MPI_ERRORS_RETURN,
          "MPI_Win_get_errhandler does not give MPI_ERRORS_RETURN");
    MPI_Win_free(&win);
}

/* A window on the communicator of the ranks of one parity: its ranks are
 * those of that communicator. */
static void test_split(void)
{
    MPI_Comm half;
    MPI_Win win;
    int hrank, hsize, buf[2] = {-1, -1};
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, -rank, &half); /* reversed order */
    MPI_Comm_rank(half, &hrank);
    MPI_Comm_size(half, &hsize);
    MPI_Win_create(buf, sizeof buf, sizeof(int), MPI_INFO_NULL, half, &win);
    check_group(win, half, "window on a split communicator");
    MPI_Win_fence(0, win);
    int mine[2] = {rank, hrank};
    MPI_Put(mine, 2, MPI_INT, (hrank + 1) % hsize, 0, 2, MPI_INT, win);
    MPI_Win_fence(0, win);
    int from = (hrank + hsize - 1) % hsize;
    /* half's rank h is world rank: the ones of this parity, highest first */
    int top = (size - 1) - ((size - 1) % 2 != rank % 2);
    CHECK(buf[0] == top - 2 * from && buf[1] == from,
          "split: got (%d, %d), expected (%d, %d)", buf[0], buf[1], top - 2 * from, from);
    MPI_Win_free(&win);
    MPI_Comm_free(&half);
}

/* Three windows over parts of one array, used in interleaved epochs: each
 * operation lands in its own window's memory. */
static void test_several(void)
{
    int mem[3 * N];
    MPI_Win win[3];
    for (int i = 0; i < 3 * N; i++)
        mem[i] = -1;
    for (int w = 0; w < 3; w++)
        MPI_Win_create(mem + w * N, N * sizeof(int), sizeof(int), MPI_INFO_NULL,
                       MPI_COMM_WORLD, &win[w]);
    for (int w = 0; w < 3; w++)
        MPI_Win_fence(0, win[w]);
    for (int w = 2; w >= 0; w--) {
        int v[2] = {value(rank, w), value(rank, 10 + w)};
        MPI_Put(v, 2, MPI_INT, right, 2 * w, 2, MPI_INT, win[w]);
    }
    for (int w = 0; w < 3; w++)
        MPI_Win_fence(0, win[w]);
    for (int w = 0; w < 3; w++)
        for (int i = 0; i < N; i++) {
            int want = i == 2 * w       ? value(left, w)
                       : i == 2 * w + 1 ? value(left, 10 + w)
                                        : -1;
            CHECK(mem[w * N + i] == want, "window %d: element %d is %d, expected %d", w,
                  i, mem[w * N + i], want);
        }
    for (int w = 0; w < 3; w++)
        MPI_Win_free(&win[w]);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("rma_win", &rank, &size);
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    test_create();
    test_allocate();
    test_shared(0);
    test_shared(1);
    test_dynamic();
    test_attributes();
    test_name_info();
    test_errhandler();
    test_split();
    test_several();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
