/*
 * coll_move - the collectives that move data without reducing it: bcast,
 * gather(v), scatter(v), allgather(v), alltoall(v).
 *
 *   ipcrun -n N coll_move [once]
 *
 * Counts 0, 1, 7, 1000 at every root, and "1 MiB" (the whole buffer of a
 * bcast, or the root's / each rank's whole buffer of the others, so that the
 * long-message algorithms run) at the first, middle and last root; in place
 * and not; in place also a buffer of 5 MiB. Every element carries who
 * sent it, to whom, its index and which call it belongs to, so a misplaced,
 * stale or foreign element is caught; the v variants use uneven counts, some
 * zero, blocks in reverse order with a gap after each, and the gaps must stay
 * untouched. Prints one line on success. For hundreds of ranks, where every
 * root would take minutes on two cores, once runs every collective once, in
 * place and not, with 1 element per block at the middle root.
 */
#include "check.h"

/* SWAP_BYTES: an in-place alltoall(v) buffer longer than
 * IPC__ALLTOALL_INPLACE_COPY_MAX (4 MiB) is swapped block by block rather
 * than copied aside. */
enum { BIG_BYTES = 1 << 20, SWAP_BYTES = 5 << 20, POISON = 0x5a5a5a5a };

static uint32_t call_id; /* changes with every collective call */

static int value(int from, int to, size_t i)
{
    uint32_t x = (uint32_t)from * 2654435761u ^ (uint32_t)to * 40503u ^ call_id * 97u;
    x ^= (uint32_t)i * 2246822519u;
    x ^= x >> 13;
    return (int)(x & 0x7fffffff); /* never POISON's sign */
}

static void fill(int *buf, size_t n, int from, int to)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = value(from, to, i);
}

static void poison(int *buf, size_t n)
{
    for (size_t i = 0; i < n; i++)
        buf[i] = POISON;
}

static void expect(const int *buf, size_t n, int from, int to, const char *what,
                   size_t count)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] != value(from, to, i))
            t_fail("%s, count %zu: element %zu of the block from rank %d to rank %d is %d, "
                   "expected %d",
                   what, count, i, from, to, buf[i], value(from, to, i));
}

static void expect_poison(const int *buf, size_t n, const char *what, size_t count)
{
    for (size_t i = 0; i < n; i++)
        if (buf[i] != POISON)
            t_fail("%s, count %zu: element %zu outside every block was written", what, count,
                   i);
}

/* Collective-wide data (value(from, ANY, i)) uses this as `to`. */
enum { ALL = -1 };

static void check_bcast(size_t count, int root)
{
    int *buf = t_alloc(count * sizeof *buf);
    call_id++;
    if (t_rank == root)
        fill(buf, count, root, ALL);
    else
        poison(buf, count);
    T_OK(ipc_bcast(buf, count, IPC_INT, root, IPC_COMM_WORLD));
    expect(buf, count, root, ALL, "bcast", count);
    free(buf);
}

/* Bcasts back to back, the root moving on each call and no other
 * collective between them: a root that returns at once may run calls ahead
 * (as many as the segment has bcast slots of the size) of a rank the last
 * rank holds up now and then, and must wait for it before writing where
 * that rank still reads. Short ones, and around the segment's bcast slot
 * (64 KiB: filled whole, and one int beyond, which goes by the root's
 * memory or by messages, between calls that use the slots); then tiny ones
 * only (up to 12 ints: the one-line slots, 64 of them), well past 64, from
 * a root that stays. */
static int check_bcast_burst(int calls)
{
    static const size_t around_slot[] = {2049, 16384, 16385};
    for (int k = 0; k < calls; k++) {
        if (t_rank == t_size - 1 && k % 16 == 0)
            t_sleep_ms(1);
        check_bcast(k % 2 ? (size_t)(1 + k % 9) : around_slot[k / 2 % 3], k % t_size);
    }
    for (int k = 0; k < 3 * calls; k++) { /* one root for 100 calls: it runs ahead */
        if (t_rank == t_size - 1 && k % 48 == 0)
            t_sleep_ms(2);
        check_bcast((size_t)(1 + k % 12), t_size > 1 ? (k / 100) % (t_size - 1) : 0);
    }
    return 4 * calls;
}

static void check_gather(size_t count, int root, int in_place)
{
    int n = t_size, me = t_rank == root, ip = in_place && me;
    int *s = t_alloc(count * sizeof *s), *r = t_alloc((size_t)n * count * sizeof *r);
    call_id++;
    fill(s, count, t_rank, root);
    poison(r, (size_t)n * count);
    if (ip)
        fill(r + (size_t)root * count, count, root, root);
    T_OK(ipc_gather(ip ? IPC_IN_PLACE : s, count, IPC_INT, me ? r : NULL, count, IPC_INT, root,
                    IPC_COMM_WORLD));
    for (int i = 0; me && i < n; i++)
        expect(r + (size_t)i * count, count, i, root, ip ? "gather in place" : "gather", count);
    free(s);
    free(r);
}

static void check_scatter(size_t count, int root, int in_place)
{
    int n = t_size, me = t_rank == root, ip = in_place && me;
    int *s = t_alloc((size_t)n * count * sizeof *s), *r = t_alloc(count * sizeof *r);
    call_id++;
    for (int i = 0; i < n; i++)
        fill(s + (size_t)i * count, count, root, i);
    poison(r, count);
    T_OK(ipc_scatter(me ? s : NULL, count, IPC_INT, ip ? IPC_IN_PLACE : r, count, IPC_INT,
                     root, IPC_COMM_WORLD));
    if (ip) /* the root's block stays where it is, untouched */
        expect(s + (size_t)root * count, count, root, root, "scatter in place", count);
    else
        expect(r, count, root, t_rank, "scatter", count);
    free(s);
    free(r);
}

/* Uneven blocks: some empty, some a little longer than count. */
static size_t vcount(size_t count, int i)
{
    return count == 0 || i % 4 == 1 ? 0 : count + (size_t)(i % 3);
}

/* Rank n-1's block first, then n-2's, ..., with one element of gap after
 * each; returns the whole length. */
static size_t layout(size_t count, size_t *counts, size_t *displs)
{
    size_t at = 0;
    for (int i = t_size - 1; i >= 0; i--) {
        counts[i] = vcount(count, i);
        displs[i] = at;
        at += counts[i] + 1;
    }
    return at;
}

/* Every element of buf that is in no block must still be POISON. */
static void expect_gaps(const int *buf, const size_t *counts, const size_t *displs,
                        const char *what, size_t count)
{
    for (int i = 0; i < t_size; i++)
        expect_poison(buf + displs[i] + counts[i], 1, what, count);
}

static void check_gatherv(size_t count, int root, int in_place)
{
    int n = t_size, me = t_rank == root, ip = in_place && me;
    size_t *counts = t_alloc((size_t)n * sizeof *counts);
    size_t *displs = t_alloc((size_t)n * sizeof *displs);
    size_t len = layout(count, counts, displs), mine = counts[t_rank];
    int *s = t_alloc(mine * sizeof *s), *r = t_alloc(len * sizeof *r);
    const char *what = ip ? "gatherv in place" : "gatherv";
    call_id++;
    fill(s, mine, t_rank, root);
    poison(r, len);
    if (ip)
        fill(r + displs[root], mine, root, root);
    T_OK(ipc_gatherv(ip ? IPC_IN_PLACE : s, mine, IPC_INT, me ? r : NULL, counts, displs,
                     IPC_INT, root, IPC_COMM_WORLD));
    if (me) {
        for (int i = 0; i < n; i++)
            expect(r + displs[i], counts[i], i, root, what, count);
        expect_gaps(r, counts, displs, what, count);
    }
    free(counts);
    free(displs);
    free(s);
    free(r);
}

static void check_scatterv(size_t count, int root, int in_place)
{
    int n = t_size, me = t_rank == root, ip = in_place && me;
    size_t *counts = t_alloc((size_t)n * sizeof *counts);
    size_t *displs = t_alloc((size_t)n * sizeof *displs);
    size_t len = layout(count, counts, displs), mine = counts[t_rank];
    int *s = t_alloc(len * sizeof *s), *r = t_alloc((mine + 1) * sizeof *r);
    const char *what = ip ? "scatterv in place" : "scatterv";
    call_id++;
    poison(s, len);
    for (int i = 0; i < n; i++)
        fill(s + displs[i], counts[i], root, i);
    poison(r, mine + 1);
    T_OK(ipc_scatterv(me ? s : NULL, counts, displs, IPC_INT, ip ? IPC_IN_PLACE : r, mine,
                      IPC_INT, root, IPC_COMM_WORLD));
    if (ip) {
        expect(s + displs[root], mine, root, root, what, count);
    } else {
        expect(r, mine, root, t_rank, what, count);
        expect_poison(r + mine, 1, what, count);
    }
    free(counts);
    free(displs);
    free(s);
    free(r);
}

static void check_allgather(size_t count, int in_place)
{
    int n = t_size;
    int *s = t_alloc(count * sizeof *s), *r = t_alloc((size_t)n * count * sizeof *r);
    const char *what = in_place ? "allgather in place" : "allgather";
    call_id++;
    fill(s, count, t_rank, ALL);
    poison(r, (size_t)n * count);
    if (in_place)
        fill(r + (size_t)t_rank * count, count, t_rank, ALL);
    T_OK(ipc_allgather(in_place ? IPC_IN_PLACE : s, count, IPC_INT, r, count, IPC_INT,
                       IPC_COMM_WORLD));
    for (int i = 0; i < n; i++)
        expect(r + (size_t)i * count, count, i, ALL, what, count);
    free(s);
    free(r);
}

static void check_allgatherv(size_t count, int in_place)
{
    int n = t_size;
    size_t *counts = t_alloc((size_t)n * sizeof *counts);
    size_t *displs = t_alloc((size_t)n * sizeof *displs);
    size_t len = layout(count, counts, displs), mine = counts[t_rank];
    int *s = t_alloc(mine * sizeof *s), *r = t_alloc(len * sizeof *r);
    const char *what = in_place ? "allgatherv in place" : "allgatherv";
    call_id++;
    fill(s, mine, t_rank, ALL);
    poison(r, len);
    if (in_place)
        fill(r + displs[t_rank], mine, t_rank, ALL);
    T_OK(ipc_allgatherv(in_place ? IPC_IN_PLACE : s, mine, IPC_INT, r, counts, displs,
                        IPC_INT, IPC_COMM_WORLD));
    for (int i = 0; i < n; i++)
        expect(r + displs[i], counts[i], i, ALL, what, count);
    expect_gaps(r, counts, displs, what, count);
    free(counts);
    free(displs);
    free(s);
    free(r);
}

static void check_alltoall(size_t count, int in_place)
{
    int n = t_size;
    size_t total = (size_t)n * count;
    int *s = t_alloc(total * sizeof *s), *r = t_alloc(total * sizeof *r);
    const char *what = in_place ? "alltoall in place" : "alltoall";
    call_id++;
    for (int d = 0; d < n; d++)
        fill((in_place ? r : s) + (size_t)d * count, count, t_rank, d);
    if (!in_place)
        poison(r, total);
    T_OK(ipc_alltoall(in_place ? IPC_IN_PLACE : s, count, IPC_INT, r, count, IPC_INT,
                      IPC_COMM_WORLD));
    for (int src = 0; src < n; src++)
        expect(r + (size_t)src * count, count, src, t_rank, what, count);
    free(s);
    free(r);
}

/* Elements rank `from` sends rank `to`; symmetric in place, where the send
 * counts are the receive counts. */
static size_t a2a_count(size_t count, int from, int to, int in_place)
{
    int k = in_place ? from + to : from + 2 * to;
    if (count == 0 || k % 4 == 1)
        return 0;
    return count + (size_t)((in_place ? from * to : from + to) % 3);
}

/* Blocks for peers n-1 .. 0, a gap after each; returns the length. */
static size_t a2a_layout(size_t count, int in_place, int sending, size_t *counts,
                         size_t *displs)
{
    size_t at = 0;
    for (int p = t_size - 1; p >= 0; p--) {
        counts[p] = sending ? a2a_count(count, t_rank, p, in_place)
                            : a2a_count(count, p, t_rank, in_place);
        displs[p] = at;
        at += counts[p] + 1;
    }
    return at;
}

static void check_alltoallv(size_t count, int in_place)
{
    int n = t_size;
    size_t *l = t_alloc(4 * (size_t)n * sizeof *l);
    size_t *sc = l, *sd = l + n, *rc = l + 2 * n, *rd = l + 3 * n;
    size_t slen = a2a_layout(count, in_place, 1, sc, sd);
    size_t rlen = a2a_layout(count, in_place, 0, rc, rd);
    int *s = t_alloc(slen * sizeof *s), *r = t_alloc(rlen * sizeof *r);
    const char *what = in_place ? "alltoallv in place" : "alltoallv";
    call_id++;
    poison(r, rlen);
    for (int d = 0; d < n; d++) /* in place: rcounts are the send counts */
        fill(in_place ? r + rd[d] : s + sd[d], in_place ? rc[d] : sc[d], t_rank, d);
    T_OK(ipc_alltoallv(in_place ? IPC_IN_PLACE : s, sc, sd, IPC_INT, r, rc, rd, IPC_INT,
                       IPC_COMM_WORLD));
    for (int src = 0; src < n; src++)
        expect(r + rd[src], rc[src], src, t_rank, what, count);
    expect_gaps(r, rc, rd, what, count);
    free(l);
    free(s);
    free(r);
}

/* Errors every rank detects alike, so that none is left waiting. */
static void check_errors(void)
{
    /* Arrays of a count per rank, whatever the rank count. */
    int x[4] = {0}, *y = t_alloc((size_t)t_size * sizeof *y);
    size_t *counts = t_alloc((size_t)t_size * sizeof *counts);
    size_t *displs = t_alloc((size_t)t_size * sizeof *displs);
    memset(counts, 0, (size_t)t_size * sizeof *counts);
    memset(displs, 0, (size_t)t_size * sizeof *displs);
    T_ERR(ipc_bcast(x, 1, IPC_INT, t_size, IPC_COMM_WORLD), IPC_ERR_RANK);
    T_ERR(ipc_bcast(x, 1, IPC_INT, -1, IPC_COMM_WORLD), IPC_ERR_RANK);
    T_ERR(ipc_bcast(NULL, 1, IPC_INT, 0, IPC_COMM_WORLD), IPC_ERR_BUFFER);
    T_ERR(ipc_bcast(x, 1, IPC_DATATYPE_NULL, 0, IPC_COMM_WORLD), IPC_ERR_TYPE);
    T_ERR(ipc_bcast(x, 1, IPC_INT, 0, IPC_COMM_NULL), IPC_ERR_COMM);
    T_ERR(ipc_gather(x, 1, IPC_INT, y, 1, IPC_INT, t_size, IPC_COMM_WORLD), IPC_ERR_RANK);
    T_ERR(ipc_scatter(x, 1, IPC_INT, y, 1, IPC_INT, -3, IPC_COMM_WORLD), IPC_ERR_RANK);
    T_ERR(ipc_allgather(x, 1, IPC_INT, NULL, 1, IPC_INT, IPC_COMM_WORLD), IPC_ERR_BUFFER);
    T_ERR(ipc_allgather(x, 2, IPC_INT, y, 1, IPC_INT, IPC_COMM_WORLD), IPC_ERR_COUNT);
    T_ERR(ipc_alltoall(x, 1, IPC_INT, y, 1, IPC_DATATYPE_NULL, IPC_COMM_WORLD), IPC_ERR_TYPE);
    T_ERR(ipc_allgatherv(x, 0, IPC_INT, y, NULL, displs, IPC_INT, IPC_COMM_WORLD),
          IPC_ERR_ARG);
    T_ERR(ipc_alltoallv(x, counts, NULL, IPC_INT, y, counts, displs, IPC_INT,
                        IPC_COMM_WORLD),
          IPC_ERR_ARG);
    counts[0] = SIZE_MAX / 2;
    T_ERR(ipc_allgatherv(x, 0, IPC_INT, y, counts, displs, IPC_INT, IPC_COMM_WORLD),
          IPC_ERR_COUNT);
    free(y);
    free(counts);
    free(displs);
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "coll_move");
    int n = t_size;
    size_t big_block = BIG_BYTES / sizeof(int) / (size_t)n;
    const size_t counts[] = {0, 1, 7, 1000};
    int calls = 0, once = argc > 1 && strcmp(argv[1], "once") == 0;

    if (argc > 1 && !once)
        t_fail("unknown argument '%s': the only one is once", argv[1]);
    check_errors();
    calls += check_bcast_burst(64);
    if (once) {
        check_bcast(1, n / 2);
        calls++;
        for (int ip = 0; ip < 2; ip++) {
            check_gather(1, n / 2, ip);
            check_scatter(1, n / 2, ip);
            check_gatherv(1, n / 2, ip);
            check_scatterv(1, n / 2, ip);
            check_allgather(1, ip);
            check_allgatherv(1, ip);
            check_alltoall(1, ip);
            check_alltoallv(1, ip);
            calls += 8;
        }
    }
    for (size_t k = 0; k < 5 && !once; k++) {
        size_t c = k < 4 ? counts[k] : big_block;
        for (int root = 0; root < n; root++) {
            /* Long messages: the first, middle and last root are enough to
             * exercise the long-message algorithms' rotations. */
            if (k == 4 && root != 0 && root != n / 2 && root != n - 1)
                continue;
            check_bcast(k < 4 ? c : BIG_BYTES / sizeof(int), root);
            for (int ip = 0; ip < 2; ip++) {
                check_gather(c, root, ip);
                check_scatter(c, root, ip);
                check_gatherv(c, root, ip);
                check_scatterv(c, root, ip);
                calls += 4;
            }
            calls++;
        }
        for (int ip = 0; ip < 2; ip++) {
            check_allgather(c, ip);
            check_allgatherv(c, ip);
            check_alltoall(c, ip);
            check_alltoallv(c, ip);
            calls += 4;
        }
    }
    if (!once) {
        size_t c = SWAP_BYTES / sizeof(int) / (size_t)n;
        check_alltoall(c, 1);
        check_alltoallv(c, 1);
        calls += 2;
    }
    T_OK(ipc_finalize());
    if (t_rank == 0)
        printf("coll_move: %d ranks, %d calls checked: ok\n", t_size, calls);
    return 0;
}
