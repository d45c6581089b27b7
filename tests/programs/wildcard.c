/*
 * wildcard - IPC_ANY_SOURCE, IPC_ANY_TAG, probing, and message order.
 *
 * Needs at least 2 ranks; rank 0 receives, the others send to it:
 *   1. any source, any tag: one message from each rank, each seen once with
 *      the right status;
 *   2. any tag from one source: tags arrive in the order they were sent;
 *   3. ipc_iprobe finds nothing before a message is sent; ipc_probe and
 *      ipc_iprobe report source, tag and size without consuming the message,
 *      which is then received into a buffer sized from ipc_get_count;
 *   4. non-overtaking: every sender sends many messages of mixed sizes (small
 *      and > 64 KiB) with one tag; received with IPC_ANY_SOURCE, each
 *      sender's messages arrive in the order sent.
 */
#include "check.h"

enum { TAG_HELLO = 100, TAG_PROBE = 42, TAG_LATE = 77, TAG_ORDER = 5 };
enum { ORDER_MSGS = 150, BIG = 100 * 1024 + 3 };

static const int tag_seq[] = {5, 9, 3, 0, IPC_TAG_UB, 9};
enum { NTAGS = sizeof tag_seq / sizeof tag_seq[0] };

static void any_source_any_tag(void)
{
    if (t_rank != 0) {
        int v = t_rank;
        T_OK(ipc_send(&v, 1, IPC_INT, 0, TAG_HELLO + t_rank, IPC_COMM_WORLD));
        return;
    }
    char *seen = calloc((size_t)t_size, 1);
    T_ASSERT(seen, "out of memory");
    for (int i = 1; i < t_size; i++) {
        int v = -1;
        ipc_status st;
        T_OK(ipc_recv(&v, 1, IPC_INT, IPC_ANY_SOURCE, IPC_ANY_TAG, IPC_COMM_WORLD, &st));
        T_ASSERT(v >= 1 && v < t_size, "any source: got value %d, not a rank", v);
        T_ASSERT(!seen[v], "any source: rank %d's message arrived twice", v);
        seen[v] = 1;
        t_expect_status(&st, v, TAG_HELLO + v, sizeof v, "any source, any tag");
    }
    free(seen);
}

static void any_tag_in_order(void)
{
    if (t_rank == 1) {
        for (int i = 0; i < NTAGS; i++)
            T_OK(ipc_send(&i, 1, IPC_INT, 0, tag_seq[i], IPC_COMM_WORLD));
        return;
    }
    if (t_rank != 0)
        return;
    for (int i = 0; i < NTAGS; i++) {
        int v = -1;
        ipc_status st;
        T_OK(ipc_recv(&v, 1, IPC_INT, 1, IPC_ANY_TAG, IPC_COMM_WORLD, &st));
        T_ASSERT(v == i, "any tag: message %d arrived in place %d", v, i);
        t_expect_status(&st, 1, tag_seq[i], sizeof v, "any tag");
    }
}

/* Receives the message `st` describes, with a buffer of exactly its size. */
static void recv_probed(const ipc_status *st, size_t want_count)
{
    size_t count = 0;
    T_OK(ipc_get_count(st, IPC_INT, &count));
    T_ASSERT(count == want_count, "probe: ipc_get_count gives %zu ints, expected %zu", count,
             want_count);
    int *buf = t_alloc(count * sizeof(int));
    ipc_status rst;
    T_OK(ipc_recv(buf, count, IPC_INT, st->source, st->tag, IPC_COMM_WORLD, &rst));
    t_expect_status(&rst, st->source, st->tag, count * sizeof(int), "recv after probe");
    for (size_t i = 0; i < count; i++)
        T_ASSERT(buf[i] == (int)(i * 7 + (size_t)st->source),
                 "recv after probe: int %zu is %d, expected %d", i, buf[i],
                 (int)(i * 7 + (size_t)st->source));
    free(buf);
}

static void send_ints(size_t count, int tag)
{
    int *buf = t_alloc(count * sizeof(int));
    for (size_t i = 0; i < count; i++)
        buf[i] = (int)(i * 7 + (size_t)t_rank);
    T_OK(ipc_send(buf, count, IPC_INT, 0, tag, IPC_COMM_WORLD));
    free(buf);
}

static void probes(void)
{
    const size_t probe_count = 12345, late_count = 70000;
    int flag = 1;
    ipc_status st;
    if (t_rank == 0) {
        T_OK(ipc_iprobe(IPC_ANY_SOURCE, TAG_LATE, IPC_COMM_WORLD, &flag, &st));
        T_ASSERT(!flag, "iprobe found a tag %d message before anyone sent one", TAG_LATE);
    }
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (t_rank == 1) {
        send_ints(probe_count, TAG_PROBE);
        send_ints(late_count, TAG_LATE);
    }
    if (t_rank != 0)
        return;

    /* A probe does not consume: probing twice finds the same message. */
    T_OK(ipc_probe(IPC_ANY_SOURCE, IPC_ANY_TAG, IPC_COMM_WORLD, &st));
    t_expect_status(&st, 1, TAG_PROBE, probe_count * sizeof(int), "probe");
    T_OK(ipc_probe(1, TAG_PROBE, IPC_COMM_WORLD, &st));
    t_expect_status(&st, 1, TAG_PROBE, probe_count * sizeof(int), "second probe");
    recv_probed(&st, probe_count);

    flag = 0;
    double deadline = ipc_wtime() + 30;
    while (!flag) {
        T_OK(ipc_iprobe(IPC_ANY_SOURCE, TAG_LATE, IPC_COMM_WORLD, &flag, &st));
        T_ASSERT(flag || ipc_wtime() < deadline, "iprobe: no tag %d message after 30 s",
                 TAG_LATE);
    }
    t_expect_status(&st, 1, TAG_LATE, late_count * sizeof(int), "iprobe");
    recv_probed(&st, late_count);
}

/* Message i of a sender: small mostly, every third one larger than 64 KiB;
 * it starts with i so that an overtaking message names itself. */
static size_t order_size(int i)
{
    return i % 3 == 2 ? BIG + (size_t)i : sizeof(int) + (size_t)(i % 61);
}

static void send_in_order(void)
{
    uint8_t *bufs[ORDER_MSGS];
    ipc_request reqs[ORDER_MSGS];
    for (int i = 0; i < ORDER_MSGS; i++) {
        size_t size = order_size(i);
        bufs[i] = t_alloc(size);
        t_fill(bufs[i], size, t_rank);
        memcpy(bufs[i], &i, sizeof i);
        /* Blocking and nonblocking sends mixed: order holds across both. */
        if (i % 4 == 0) {
            T_OK(ipc_send(bufs[i], size, IPC_BYTE, 0, TAG_ORDER, IPC_COMM_WORLD));
            reqs[i] = IPC_REQUEST_NULL;
        } else {
            T_OK(ipc_isend(bufs[i], size, IPC_BYTE, 0, TAG_ORDER, IPC_COMM_WORLD, &reqs[i]));
        }
    }
    T_OK(ipc_waitall(ORDER_MSGS, reqs, IPC_STATUSES_IGNORE));
    for (int i = 0; i < ORDER_MSGS; i++)
        free(bufs[i]);
}

static void check_one_ordered(const uint8_t *buf, const ipc_status *st, int *next)
{
    int src = st->source, i;
    T_ASSERT(src >= 1 && src < t_size, "order: status.source is %d", src);
    memcpy(&i, buf, sizeof i);
    T_ASSERT(i == next[src], "order: from rank %d message %d arrived when %d was due", src,
             i, next[src]);
    size_t size = order_size(i);
    t_expect_status(st, src, TAG_ORDER, size, "order");
    for (size_t k = sizeof i; k < size; k++)
        T_ASSERT(buf[k] == t_pattern(size, src, k),
                 "order: message %d from rank %d: byte %zu is wrong", i, src, k);
    next[src]++;
}

static void receive_in_order(void)
{
    uint8_t *buf = t_alloc(BIG + ORDER_MSGS);
    int *next = calloc((size_t)t_size, sizeof(int));
    T_ASSERT(next, "out of memory");
    int total = (t_size - 1) * ORDER_MSGS;
    for (int n = 0; n < total; n++) {
        ipc_status st;
        if (n % 2) {
            T_OK(ipc_recv(buf, BIG + ORDER_MSGS, IPC_BYTE, IPC_ANY_SOURCE, TAG_ORDER,
                          IPC_COMM_WORLD, &st));
        } else {
            ipc_request req;
            T_OK(ipc_irecv(buf, BIG + ORDER_MSGS, IPC_BYTE, IPC_ANY_SOURCE, IPC_ANY_TAG,
                           IPC_COMM_WORLD, &req));
            T_OK(ipc_wait(&req, &st));
        }
        check_one_ordered(buf, &st, next);
    }
    free(next);
    free(buf);
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "wildcard");
    T_ASSERT(t_size >= 2, "needs at least 2 ranks, got %d: run it with ipcrun -n 2", t_size);

    /* Barriers between the parts keep a wildcard receive of one part from
     * matching a message of the next. */
    any_source_any_tag();
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    any_tag_in_order();
    probes();
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    if (t_rank == 0)
        receive_in_order();
    else
        send_in_order();

    T_OK(ipc_finalize());
    if (t_rank == 0)
        printf("wildcard: %d ranks: ok\n", t_size);
    return 0;
}
