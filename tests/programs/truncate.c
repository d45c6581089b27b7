/*
 * truncate - a message longer than the receive buffer.
 *
 * The receive fills the whole buffer, writes nothing past it, and returns
 * IPC_ERR_TRUNCATE; the message after it still arrives intact. Checked for
 * small and large messages (eager and rendezvous, wherever the limit is),
 * with ipc_recv and with ipc_irecv + ipc_waitall (IPC_ERR_IN_STATUS, the
 * status naming the truncated request). The sender is never told.
 * Ranks pair up (0,1), (2,3), ...; an odd last rank is its own partner.
 */
#include "check.h"

enum { GUARD = 64, GUARD_BYTE = 0xA5, NEXT_SIZE = 1000 };

static const struct {
    size_t sent, cap;
} cases[] = {
    {100, 10}, {64, 0}, {4096, 4095}, {70000, 65536}, {4 << 20, 1 << 20}, {3 << 20, 17},
};
enum { NCASES = sizeof cases / sizeof cases[0] };

static void check_guard(const uint8_t *buf, size_t cap, const char *what)
{
    for (size_t i = cap; i < cap + GUARD; i++)
        T_ASSERT(buf[i] == GUARD_BYTE,
                 "%s: receive wrote byte %zu past its %zu-byte buffer", what, i - cap, cap);
}

/* Sends the long message then the intact one; the caller waits on reqs. */
static void send_pair(uint8_t *big, uint8_t *next, size_t sent, int peer, int tag,
                      ipc_request reqs[2])
{
    t_fill(big, sent, t_rank);
    t_fill(next, NEXT_SIZE, t_rank);
    T_OK(ipc_isend(big, sent, IPC_BYTE, peer, tag, IPC_COMM_WORLD, &reqs[0]));
    T_OK(ipc_isend(next, NEXT_SIZE, IPC_BYTE, peer, tag + 1, IPC_COMM_WORLD, &reqs[1]));
}

static void with_recv(int k, int peer, uint8_t *sbig, uint8_t *snext, uint8_t *rbuf)
{
    size_t sent = cases[k].sent, cap = cases[k].cap;
    int tag = 10 * k;
    ipc_request sreq[2];
    ipc_status st;
    uint8_t next[NEXT_SIZE];
    send_pair(sbig, snext, sent, peer, tag, sreq);

    memset(rbuf, GUARD_BYTE, cap + GUARD);
    T_ERR(ipc_recv(cap ? rbuf : NULL, cap, IPC_BYTE, peer, tag, IPC_COMM_WORLD, &st),
          IPC_ERR_TRUNCATE);
    T_ASSERT(st.source == peer && st.tag == tag, "truncated recv: status says source %d tag %d",
             st.source, st.tag);
    t_verify(rbuf, cap, sent, peer, "truncated recv");
    check_guard(rbuf, cap, "truncated recv");

    T_OK(ipc_recv(next, NEXT_SIZE, IPC_BYTE, peer, tag + 1, IPC_COMM_WORLD, &st));
    t_expect_status(&st, peer, tag + 1, NEXT_SIZE, "message after a truncated one");
    t_verify(next, NEXT_SIZE, NEXT_SIZE, peer, "message after a truncated one");
    T_OK(ipc_waitall(2, sreq, IPC_STATUSES_IGNORE));
}

static void with_waitall(int k, int peer, uint8_t *sbig, uint8_t *snext, uint8_t *rbuf)
{
    size_t sent = cases[k].sent, cap = cases[k].cap;
    int tag = 10 * k + 5;
    ipc_request sreq[2], rreq[2];
    ipc_status st[2];
    uint8_t next[NEXT_SIZE];

    memset(rbuf, GUARD_BYTE, cap + GUARD);
    T_OK(ipc_irecv(cap ? rbuf : NULL, cap, IPC_BYTE, peer, tag, IPC_COMM_WORLD, &rreq[0]));
    T_OK(ipc_irecv(next, NEXT_SIZE, IPC_BYTE, peer, tag + 1, IPC_COMM_WORLD, &rreq[1]));
    send_pair(sbig, snext, sent, peer, tag, sreq);

    T_ERR(ipc_waitall(2, rreq, st), IPC_ERR_IN_STATUS);
    T_ASSERT(st[0].error == IPC_ERR_TRUNCATE, "waitall: truncated request's error is %s",
             ipc_errname(st[0].error));
    T_ASSERT(st[1].error == IPC_SUCCESS, "waitall: intact request's error is %s",
             ipc_errname(st[1].error));
    t_verify(rbuf, cap, sent, peer, "truncated irecv");
    check_guard(rbuf, cap, "truncated irecv");
    t_expect_status(&st[1], peer, tag + 1, NEXT_SIZE, "irecv after a truncated one");
    t_verify(next, NEXT_SIZE, NEXT_SIZE, peer, "irecv after a truncated one");
    T_OK(ipc_waitall(2, sreq, IPC_STATUSES_IGNORE));
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "truncate");
    int peer = t_partner();
    size_t max = 0;
    for (int k = 0; k < NCASES; k++)
        max = cases[k].sent > max ? cases[k].sent : max;
    uint8_t *sbig = t_alloc(max), *snext = t_alloc(NEXT_SIZE), *rbuf = t_alloc(max + GUARD);

    for (int k = 0; k < NCASES; k++) {
        with_recv(k, peer, sbig, snext, rbuf);
        with_waitall(k, peer, sbig, snext, rbuf);
    }

    free(sbig);
    free(snext);
    free(rbuf);
    T_OK(ipc_finalize());
    if (t_rank == 0)
        printf("truncate: %d ranks, %d cases: ok\n", t_size, NCASES);
    return 0;
}
