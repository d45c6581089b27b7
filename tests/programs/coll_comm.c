/*
 * coll_comm - communicators: dup, split (many colors and keys, nested,
 * IPC_UNDEFINED), free, and the isolation between them: a message on one never
 * matches a receive on another, and collectives on different communicators
 * interleave without mixing.
 *
 *   ipcrun -n N coll_comm
 *
 * Memberships are checked against a serial computation of the split rule
 * (color groups, ordered by key, ties by parent rank). Prints one line on
 * success.
 */
#include "check.h"

enum { TAG = 5 };

/* World ranks of the members of comm, in comm's rank order. */
static int *members(ipc_comm comm, int *size)
{
    int me;
    T_OK(ipc_comm_size(comm, size));
    T_OK(ipc_comm_rank(comm, &me));
    int *all = t_alloc((size_t)*size * sizeof *all);
    T_OK(ipc_allgather(&t_rank, 1, IPC_INT, all, 1, IPC_INT, comm));
    T_ASSERT(all[me] == t_rank, "allgather on a communicator: my own entry is %d", all[me]);
    return all;
}

/* The members the split rule gives the group of `color`, in rank order, among
 * parent members parent[0..n) with colors[] and keys[]. */
static int expected_group(const int *parent, const int *colors, const int *keys, int n,
                          int color, int *out)
{
    int k = 0;
    for (int i = 0; i < n; i++)
        if (colors[i] == color)
            out[k++] = i;
    for (int a = 1; a < k; a++) /* insertion sort by (key, parent rank) */
        for (int b = a; b > 0 && (keys[out[b - 1]] > keys[out[b]] ||
                                  (keys[out[b - 1]] == keys[out[b]] && out[b - 1] > out[b]));
             b--) {
            int t = out[b];
            out[b] = out[b - 1];
            out[b - 1] = t;
        }
    for (int i = 0; i < k; i++)
        out[i] = parent[out[i]];
    return k;
}

/* Splits parent with this rank's color and key (every member's given by the
 * functions), checks the result against the rule, and returns it. */
static ipc_comm split_checked(ipc_comm parent, int (*color_of)(int, int), int (*key_of)(int, int),
                              const char *what)
{
    int n, prank;
    int *pmembers = members(parent, &n);
    T_OK(ipc_comm_rank(parent, &prank));
    int *colors = t_alloc((size_t)n * sizeof *colors), *keys = t_alloc((size_t)n * sizeof *keys);
    for (int i = 0; i < n; i++) {
        colors[i] = color_of(i, n);
        keys[i] = key_of(i, n);
    }
    ipc_comm c;
    T_OK(ipc_comm_split(parent, colors[prank], keys[prank], &c));
    if (colors[prank] == IPC_UNDEFINED) {
        T_ASSERT(c == IPC_COMM_NULL, "%s: color IPC_UNDEFINED did not give IPC_COMM_NULL", what);
    } else {
        int *want = t_alloc((size_t)n * sizeof *want), size;
        int k = expected_group(pmembers, colors, keys, n, colors[prank], want);
        int *got = members(c, &size);
        T_ASSERT(size == k, "%s: size %d, expected %d", what, size, k);
        for (int i = 0; i < k; i++)
            T_ASSERT(got[i] == want[i], "%s: rank %d is world rank %d, expected %d", what, i,
                     got[i], want[i]);
        free(want);
        free(got);
    }
    free(pmembers);
    free(colors);
    free(keys);
    return c;
}

static int color_mod2(int r, int n) { (void)n; return r % 2; }
static int color_mod3(int r, int n) { (void)n; return r % 3; }
static int color_each(int r, int n) { (void)n; return r; }
static int color_one(int r, int n) { (void)r, (void)n; return 7; }
static int color_some(int r, int n) { (void)n; return r % 3 == 1 ? IPC_UNDEFINED : r / 3; }
static int color_half(int r, int n) { return r < n / 2; }
static int key_reverse(int r, int n) { return n - r; }
static int key_same(int r, int n) { (void)r, (void)n; return 0; }
static int key_mixed(int r, int n) { return (r * 5) % (n + 1) - n / 2; }

/* Collectives on c give what its membership says. */
static void exercise(ipc_comm c, const char *what)
{
    if (c == IPC_COMM_NULL)
        return;
    int size, me, sum = 0, want = 0;
    int *m = members(c, &size);
    T_OK(ipc_comm_rank(c, &me));
    T_OK(ipc_allreduce(&t_rank, &sum, 1, IPC_INT, IPC_SUM, c));
    for (int i = 0; i < size; i++)
        want += m[i];
    T_ASSERT(sum == want, "%s: allreduce gives %d, expected %d", what, sum, want);
    int root = size - 1, v = me == root ? 1000 + t_rank : -1;
    T_OK(ipc_bcast(&v, 1, IPC_INT, root, c));
    T_ASSERT(v == 1000 + m[root], "%s: bcast gives %d, expected %d", what, v, 1000 + m[root]);
    /* A ring pass: statuses speak in the communicator's ranks. */
    int token = -1;
    ipc_status st;
    T_OK(ipc_sendrecv(&t_rank, 1, IPC_INT, (me + 1) % size, TAG, &token, 1, IPC_INT,
                      IPC_ANY_SOURCE, TAG, c, &st));
    int left = (me - 1 + size) % size;
    T_ASSERT(token == m[left] && st.source == left,
             "%s: ring got %d from rank %d, expected %d from %d", what, token, st.source,
             m[left], left);
    free(m);
}

/* A message on one communicator never matches a receive on another. */
static void check_isolation(ipc_comm dup)
{
    if (t_size < 2)
        return;
    int a = 111, b = 222, got = 0;
    ipc_status st;
    if (t_rank == 0) {
        T_OK(ipc_send(&a, 1, IPC_INT, 1, TAG, dup));
        T_OK(ipc_send(&b, 1, IPC_INT, 1, TAG, IPC_COMM_WORLD));
    } else if (t_rank == 1) {
        /* The dup's message arrives first; a wildcard receive on world must
         * still take world's. */
        T_OK(ipc_recv(&got, 1, IPC_INT, IPC_ANY_SOURCE, IPC_ANY_TAG, IPC_COMM_WORLD, &st));
        T_ASSERT(got == b, "world receive got %d, expected %d (the dup's message leaked)", got,
                 b);
        T_OK(ipc_recv(&got, 1, IPC_INT, 0, TAG, dup, &st));
        T_ASSERT(got == a, "dup receive got %d, expected %d", got, a);
    }
    /* Nor does a program's message match a collective's, or the reverse:
     * an irecv posted with every wildcard on dup stays pending across
     * collectives on dup and world. */
    ipc_request req;
    int left = (t_rank - 1 + t_size) % t_size, right = (t_rank + 1) % t_size, x = -1;
    T_OK(ipc_irecv(&x, 1, IPC_INT, IPC_ANY_SOURCE, IPC_ANY_TAG, dup, &req));
    for (int i = 0; i < 5; i++) {
        int s = 0;
        T_OK(ipc_allreduce(&i, &s, 1, IPC_INT, IPC_SUM, dup));
        T_ASSERT(s == i * t_size, "allreduce on dup with a pending receive: %d", s);
        T_OK(ipc_barrier(dup));
        T_OK(ipc_bcast(&s, 1, IPC_INT, i % t_size, IPC_COMM_WORLD));
    }
    int flag;
    T_OK(ipc_test(&req, &flag, IPC_STATUS_IGNORE));
    T_ASSERT(!flag, "a wildcard receive on dup matched collective traffic");
    T_OK(ipc_barrier(IPC_COMM_WORLD)); /* nobody sends on dup before all have tested */
    T_OK(ipc_send(&t_rank, 1, IPC_INT, right, TAG, dup));
    T_OK(ipc_wait(&req, &st));
    T_ASSERT(x == left && st.source == left, "pending receive got %d from %d, expected %d", x,
             st.source, left);
}

/* Collectives alternating between a and b, b being a or a part of it
 * (IPC_COMM_NULL on the ranks of a outside b). Every member of a calls this. */
static void check_interleaved(ipc_comm a, ipc_comm b)
{
    int asize, arank, bsize = 0, brank = 0;
    T_OK(ipc_comm_size(a, &asize));
    T_OK(ipc_comm_rank(a, &arank));
    if (b != IPC_COMM_NULL) {
        T_OK(ipc_comm_size(b, &bsize));
        T_OK(ipc_comm_rank(b, &brank));
    }
    for (int i = 0; i < 20; i++) {
        int x = arank + i, y = 0;
        T_OK(ipc_allreduce(&x, &y, 1, IPC_INT, IPC_MAX, a));
        T_ASSERT(y == asize - 1 + i, "interleaved allreduce on a: %d", y);
        if (b != IPC_COMM_NULL) {
            int root = i % bsize, v = brank == root ? 7 * i : -1;
            T_OK(ipc_bcast(&v, 1, IPC_INT, root, b));
            T_ASSERT(v == 7 * i, "interleaved bcast on b: %d", v);
            x = brank + i;
            T_OK(ipc_allreduce(&x, &y, 1, IPC_INT, IPC_MIN, b));
            T_ASSERT(y == i, "interleaved allreduce on b: %d", y);
        }
        T_OK(ipc_barrier(a));
    }
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "coll_comm");
    ipc_comm dup, dup2;
    T_OK(ipc_comm_dup(IPC_COMM_WORLD, &dup));
    exercise(dup, "dup of world");
    check_isolation(dup);
    T_OK(ipc_comm_dup(dup, &dup2));
    check_interleaved(dup, dup2);
    check_interleaved(IPC_COMM_WORLD, dup);

    int (*const colors[])(int, int) = {color_mod2, color_mod3, color_each, color_one,
                                       color_some, color_half};
    int (*const keys[])(int, int) = {key_reverse, key_same, key_mixed};
    int splits = 0;
    for (size_t c = 0; c < sizeof colors / sizeof colors[0]; c++) {
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
            ipc_comm s = split_checked(IPC_COMM_WORLD, colors[c], keys[k], "split of world");
            exercise(s, "split of world");
            if (s != IPC_COMM_NULL) {
                /* Nested: split the split, and collectives on both. */
                ipc_comm t = split_checked(s, color_some, key_mixed, "split of a split");
                exercise(t, "split of a split");
                check_interleaved(s, t);
                if (t != IPC_COMM_NULL)
                    T_OK(ipc_comm_free(&t));
                T_OK(ipc_comm_free(&s));
                T_ASSERT(s == IPC_COMM_NULL, "ipc_comm_free did not reset the handle");
            }
            splits++;
        }
    }

    /* Many short-lived communicators: ids are never reused wrongly. */
    for (int i = 0; i < 100; i++) {
        ipc_comm d;
        T_OK(ipc_comm_dup(i % 2 ? dup : IPC_COMM_WORLD, &d));
        int s = 0;
        T_OK(ipc_allreduce(&i, &s, 1, IPC_INT, IPC_SUM, d));
        T_ASSERT(s == i * t_size, "allreduce on dup number %d: %d", i, s);
        T_OK(ipc_comm_free(&d));
    }

    ipc_comm self_dup, leftover;
    T_OK(ipc_comm_dup(IPC_COMM_SELF, &self_dup));
    exercise(self_dup, "dup of self");
    T_OK(ipc_comm_free(&self_dup));
    T_ERR(ipc_comm_free(&self_dup), IPC_ERR_COMM);
    T_ERR(ipc_barrier(self_dup), IPC_ERR_COMM);
    ipc_comm world = IPC_COMM_WORLD;
    T_ERR(ipc_comm_free(&world), IPC_ERR_COMM);
    T_ERR(ipc_comm_split(IPC_COMM_WORLD, -5, 0, &leftover), IPC_ERR_ARG);
    T_ERR(ipc_comm_dup(IPC_COMM_WORLD, NULL), IPC_ERR_ARG);
    /* One communicator is left for ipc_finalize. */
    T_OK(ipc_comm_split(IPC_COMM_WORLD, 0, 0, &leftover));
    T_OK(ipc_comm_free(&dup2));
    T_OK(ipc_comm_free(&dup));
    T_OK(ipc_finalize());
    if (t_rank == 0)
        printf("coll_comm: %d ranks, %d splits: ok\n", t_size, splits);
    return 0;
}
