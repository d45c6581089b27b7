/*
 * sizes - every message size from 0 bytes to 16 MiB arrives intact.
 *
 * Sizes: 0, then 2^k - 1, 2^k and 2^k + 1 for every power of two up to
 * 16 MiB, which covers the edges of eager limits, chunks and ring slots
 * wherever a transport puts them. Ranks pair up (0,1), (2,3), ...; each pair
 * exchanges every size three ways: blocking send/recv (lower rank first),
 * ipc_sendrecv and isend/irecv in both directions at once. An odd last rank
 * exchanges with itself, with nonblocking calls only. Receivers check every
 * byte, the status and ipc_get_count.
 */
#include "check.h"

enum { MAX_SIZE = 16 << 20 };

static size_t sizes[128];
static int nsizes;

static void add_size(size_t s)
{
    if (s > MAX_SIZE || (nsizes > 0 && sizes[nsizes - 1] >= s))
        return;
    sizes[nsizes++] = s;
}

static void make_sizes(void)
{
    add_size(0);
    for (size_t p = 1; p <= MAX_SIZE; p *= 2) {
        add_size(p - 1);
        add_size(p);
        add_size(p + 1);
    }
}

static void exchange_blocking(uint8_t *sbuf, uint8_t *rbuf, size_t size, int peer, int tag)
{
    ipc_status st;
    if (t_rank < peer) {
        T_OK(ipc_send(sbuf, size, IPC_BYTE, peer, tag, IPC_COMM_WORLD));
        T_OK(ipc_recv(rbuf, size, IPC_BYTE, peer, tag, IPC_COMM_WORLD, &st));
    } else {
        T_OK(ipc_recv(rbuf, size, IPC_BYTE, peer, tag, IPC_COMM_WORLD, &st));
        T_OK(ipc_send(sbuf, size, IPC_BYTE, peer, tag, IPC_COMM_WORLD));
    }
    t_expect_status(&st, peer, tag, size, "send/recv");
}

static void exchange_sendrecv(uint8_t *sbuf, uint8_t *rbuf, size_t size, int peer, int tag)
{
    ipc_status st;
    T_OK(ipc_sendrecv(sbuf, size, IPC_BYTE, peer, tag, rbuf, size, IPC_BYTE, peer, tag,
                      IPC_COMM_WORLD, &st));
    t_expect_status(&st, peer, tag, size, "sendrecv");
}

static void exchange_nonblocking(uint8_t *sbuf, uint8_t *rbuf, size_t size, int peer, int tag)
{
    ipc_request reqs[2];
    ipc_status st[2];
    T_OK(ipc_irecv(rbuf, size, IPC_BYTE, peer, tag, IPC_COMM_WORLD, &reqs[0]));
    T_OK(ipc_isend(sbuf, size, IPC_BYTE, peer, tag, IPC_COMM_WORLD, &reqs[1]));
    T_OK(ipc_waitall(2, reqs, st));
    T_ASSERT(reqs[0] == IPC_REQUEST_NULL && reqs[1] == IPC_REQUEST_NULL,
             "ipc_waitall left a request handle set");
    t_expect_status(&st[0], peer, tag, size, "isend/irecv");
}

typedef void exchange_fn(uint8_t *sbuf, uint8_t *rbuf, size_t size, int peer, int tag);

static const struct {
    const char *name;
    exchange_fn *run;
    int with_self; /* safe when the partner is this rank */
} modes[] = {
    {"send/recv", exchange_blocking, 0},
    {"sendrecv", exchange_sendrecv, 0},
    {"isend/irecv", exchange_nonblocking, 1},
};

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "sizes");
    make_sizes();
    int peer = t_partner();
    uint8_t *sbuf = t_alloc(MAX_SIZE);
    uint8_t *rbuf = t_alloc(MAX_SIZE);

    int nmodes = (int)(sizeof modes / sizeof modes[0]);
    for (int m = 0; m < nmodes; m++) {
        if (peer == t_rank && !modes[m].with_self)
            continue;
        for (int k = 0; k < nsizes; k++) {
            size_t size = sizes[k];
            t_fill(sbuf, size, t_rank);
            t_poison(rbuf, size, peer);
            modes[m].run(sbuf, rbuf, size, peer, m * 1000 + k);
            t_verify(rbuf, size, size, peer, modes[m].name);
        }
    }

    free(sbuf);
    free(rbuf);
    T_OK(ipc_finalize());
    if (t_rank == 0)
        printf("sizes: %d ranks, %d sizes from 0 to %zu bytes: ok\n", t_size, nsizes,
               sizes[nsizes - 1]);
    return 0;
}
