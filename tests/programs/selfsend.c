/*
 * selfsend - messages from a rank to itself, and to IPC_PROC_NULL.
 *
 * Every rank, on IPC_COMM_WORLD and IPC_COMM_SELF:
 *   - a small blocking send to itself, then the receive;
 *   - an 8 MiB isend/irecv to itself;
 *   - a synchronous send to itself (issend), which cannot finish before the
 *     receive is posted;
 * and sends and receives to IPC_PROC_NULL, which complete at once, the
 * receive with status.source IPC_PROC_NULL and no data.
 * Works with any number of ranks, and without ipcrun.
 */
#include "check.h"

enum { SMALL = 64, LARGE = 8 << 20 };

static void small_blocking(ipc_comm comm, int me)
{
    uint8_t sbuf[SMALL], rbuf[SMALL];
    ipc_status st;
    t_fill(sbuf, SMALL, me);
    t_poison(rbuf, SMALL, me);
    T_OK(ipc_send(sbuf, SMALL, IPC_BYTE, me, 11, comm));
    T_OK(ipc_recv(rbuf, SMALL, IPC_BYTE, me, 11, comm, &st));
    t_expect_status(&st, me, 11, SMALL, "small send to self");
    t_verify(rbuf, SMALL, SMALL, me, "small send to self");
}

static void large_nonblocking(ipc_comm comm, int me, uint8_t *sbuf, uint8_t *rbuf)
{
    ipc_request reqs[2];
    ipc_status st[2];
    t_fill(sbuf, LARGE, me);
    t_poison(rbuf, LARGE, me);
    T_OK(ipc_isend(sbuf, LARGE, IPC_BYTE, me, 12, comm, &reqs[0]));
    T_OK(ipc_irecv(rbuf, LARGE, IPC_BYTE, me, 12, comm, &reqs[1]));
    T_OK(ipc_waitall(2, reqs, st));
    t_expect_status(&st[1], me, 12, LARGE, "8 MiB isend to self");
    t_verify(rbuf, LARGE, LARGE, me, "8 MiB isend to self");
}

static void sync_to_self(ipc_comm comm, int me)
{
    int out = 4242 + me, in = -1, flag = 1;
    ipc_request req;
    ipc_status st;
    T_OK(ipc_issend(&out, 1, IPC_INT, me, 13, comm, &req));
    /* Nothing can match the message yet, so it must not be complete. */
    for (int i = 0; i < 100; i++) {
        T_OK(ipc_test(&req, &flag, IPC_STATUS_IGNORE));
        T_ASSERT(!flag, "issend to self completed before the receive was posted");
    }
    T_OK(ipc_recv(&in, 1, IPC_INT, me, 13, comm, &st));
    T_OK(ipc_wait(&req, IPC_STATUS_IGNORE));
    T_ASSERT(req == IPC_REQUEST_NULL, "ipc_wait left the issend request set");
    T_ASSERT(in == out, "issend to self: received %d, expected %d", in, out);
    t_expect_status(&st, me, 13, sizeof in, "issend to self");
}

static void proc_null(ipc_comm comm)
{
    int v = 99;
    ipc_status st;
    ipc_request req;
    T_OK(ipc_send(&v, 1, IPC_INT, IPC_PROC_NULL, 14, comm));
    T_OK(ipc_ssend(&v, 1, IPC_INT, IPC_PROC_NULL, 14, comm));
    T_OK(ipc_recv(&v, 1, IPC_INT, IPC_PROC_NULL, 14, comm, &st));
    T_ASSERT(v == 99, "receive from IPC_PROC_NULL changed the buffer to %d", v);
    T_ASSERT(st.source == IPC_PROC_NULL, "receive from IPC_PROC_NULL: status.source is %d",
             st.source);
    size_t count = 1;
    T_OK(ipc_get_count(&st, IPC_INT, &count));
    T_ASSERT(count == 0, "receive from IPC_PROC_NULL: count is %zu, expected 0", count);

    int flag = 0;
    T_OK(ipc_isend(&v, 1, IPC_INT, IPC_PROC_NULL, 14, comm, &req));
    T_OK(ipc_test(&req, &flag, IPC_STATUS_IGNORE));
    T_ASSERT(flag, "isend to IPC_PROC_NULL did not complete at once");
    flag = 0;
    T_OK(ipc_irecv(&v, 1, IPC_INT, IPC_PROC_NULL, 14, comm, &req));
    T_OK(ipc_test(&req, &flag, &st));
    T_ASSERT(flag, "irecv from IPC_PROC_NULL did not complete at once");
    T_ASSERT(st.source == IPC_PROC_NULL, "irecv from IPC_PROC_NULL: status.source is %d",
             st.source);
}

static void run_on(ipc_comm comm, uint8_t *sbuf, uint8_t *rbuf)
{
    int me;
    T_OK(ipc_comm_rank(comm, &me));
    small_blocking(comm, me);
    large_nonblocking(comm, me, sbuf, rbuf);
    sync_to_self(comm, me);
    proc_null(comm);
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "selfsend");
    int self_rank = -1, self_size = -1;
    T_OK(ipc_comm_rank(IPC_COMM_SELF, &self_rank));
    T_OK(ipc_comm_size(IPC_COMM_SELF, &self_size));
    T_ASSERT(self_rank == 0 && self_size == 1, "IPC_COMM_SELF is rank %d of %d, expected 0 of 1",
             self_rank, self_size);

    uint8_t *sbuf = t_alloc(LARGE), *rbuf = t_alloc(LARGE);
    run_on(IPC_COMM_WORLD, sbuf, rbuf);
    run_on(IPC_COMM_SELF, sbuf, rbuf);
    free(sbuf);
    free(rbuf);

    T_OK(ipc_finalize());
    if (t_rank == 0)
        printf("selfsend: %d ranks: ok\n", t_size);
    return 0;
}
