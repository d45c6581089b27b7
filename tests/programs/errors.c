/*
 * errors - bad arguments give the documented IPC_ERR_* code, and the error
 * strings are the ones of the list in ipc.h.
 *
 * Every rank checks on its own (no messages cross ranks): bad ranks, tags,
 * buffers, datatypes and communicators on every kind of call; that the edge
 * values (IPC_TAG_UB, a NULL buffer with count 0, IPC_PROC_NULL) are
 * accepted; calls before ipc_init and after ipc_finalize; ipc_strerror and
 * ipc_errname for every code.
 *
 * It also includes <sys/ipc.h> first: ipc.h must compile beside it (System V
 * IPC owns IPC_CREAT, IPC_STAT, struct ipc_perm and friends).
 */
#include <sys/ipc.h>

#include "check.h"

static void bad_ranks(void)
{
    int v = 1, bad[] = {t_size, t_size + 100, -3, IPC_ANY_SOURCE};
    ipc_request req;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        T_ERR(ipc_send(&v, 1, IPC_INT, bad[i], 0, IPC_COMM_WORLD), IPC_ERR_RANK);
        T_ERR(ipc_ssend(&v, 1, IPC_INT, bad[i], 0, IPC_COMM_WORLD), IPC_ERR_RANK);
        T_ERR(ipc_isend(&v, 1, IPC_INT, bad[i], 0, IPC_COMM_WORLD, &req), IPC_ERR_RANK);
        T_ERR(ipc_issend(&v, 1, IPC_INT, bad[i], 0, IPC_COMM_WORLD, &req), IPC_ERR_RANK);
    }
    /* IPC_ANY_SOURCE is a valid source, so it is not in this list. */
    int bad_src[] = {t_size, -3};
    for (size_t i = 0; i < sizeof bad_src / sizeof bad_src[0]; i++) {
        T_ERR(ipc_recv(&v, 1, IPC_INT, bad_src[i], 0, IPC_COMM_WORLD, IPC_STATUS_IGNORE),
              IPC_ERR_RANK);
        T_ERR(ipc_irecv(&v, 1, IPC_INT, bad_src[i], 0, IPC_COMM_WORLD, &req), IPC_ERR_RANK);
        T_ERR(ipc_probe(bad_src[i], 0, IPC_COMM_WORLD, IPC_STATUS_IGNORE), IPC_ERR_RANK);
    }
    /* IPC_COMM_SELF has one rank: rank 1 is out of it whatever the job size. */
    T_ERR(ipc_send(&v, 1, IPC_INT, 1, 0, IPC_COMM_SELF), IPC_ERR_RANK);
}

static void bad_tags(void)
{
    int v = 1, flag;
    ipc_request req;
    int bad_send[] = {IPC_ANY_TAG, -5, IPC_TAG_UB + 1};
    for (size_t i = 0; i < sizeof bad_send / sizeof bad_send[0]; i++) {
        T_ERR(ipc_send(&v, 1, IPC_INT, t_rank, bad_send[i], IPC_COMM_WORLD), IPC_ERR_TAG);
        T_ERR(ipc_isend(&v, 1, IPC_INT, t_rank, bad_send[i], IPC_COMM_WORLD, &req),
              IPC_ERR_TAG);
    }
    int bad_recv[] = {-5, IPC_TAG_UB + 1};
    for (size_t i = 0; i < sizeof bad_recv / sizeof bad_recv[0]; i++) {
        T_ERR(ipc_recv(&v, 1, IPC_INT, t_rank, bad_recv[i], IPC_COMM_WORLD, IPC_STATUS_IGNORE),
              IPC_ERR_TAG);
        T_ERR(ipc_irecv(&v, 1, IPC_INT, t_rank, bad_recv[i], IPC_COMM_WORLD, &req),
              IPC_ERR_TAG);
        T_ERR(ipc_iprobe(t_rank, bad_recv[i], IPC_COMM_WORLD, &flag, IPC_STATUS_IGNORE),
              IPC_ERR_TAG);
    }
}

static void bad_buffers_types_comms(void)
{
    int v = 1, flag, rank;
    ipc_request req;
    T_ERR(ipc_send(NULL, 3, IPC_INT, t_rank, 0, IPC_COMM_WORLD), IPC_ERR_BUFFER);
    T_ERR(ipc_isend(NULL, 1, IPC_BYTE, t_rank, 0, IPC_COMM_WORLD, &req), IPC_ERR_BUFFER);
    T_ERR(ipc_recv(NULL, 3, IPC_INT, t_rank, 0, IPC_COMM_WORLD, IPC_STATUS_IGNORE),
          IPC_ERR_BUFFER);
    T_ERR(ipc_irecv(NULL, 3, IPC_INT, t_rank, 0, IPC_COMM_WORLD, &req), IPC_ERR_BUFFER);

    T_ERR(ipc_send(&v, 1, IPC_DATATYPE_NULL, t_rank, 0, IPC_COMM_WORLD), IPC_ERR_TYPE);
    T_ERR(ipc_irecv(&v, 1, IPC_DATATYPE_NULL, t_rank, 0, IPC_COMM_WORLD, &req), IPC_ERR_TYPE);
    size_t size;
    T_ERR(ipc_type_size(IPC_DATATYPE_NULL, &size), IPC_ERR_TYPE);

    T_ERR(ipc_send(&v, 1, IPC_INT, 0, 0, IPC_COMM_NULL), IPC_ERR_COMM);
    T_ERR(ipc_recv(&v, 1, IPC_INT, 0, 0, IPC_COMM_NULL, IPC_STATUS_IGNORE), IPC_ERR_COMM);
    T_ERR(ipc_isend(&v, 1, IPC_INT, 0, 0, IPC_COMM_NULL, &req), IPC_ERR_COMM);
    T_ERR(ipc_iprobe(0, 0, IPC_COMM_NULL, &flag, IPC_STATUS_IGNORE), IPC_ERR_COMM);
    T_ERR(ipc_comm_rank(IPC_COMM_NULL, &rank), IPC_ERR_COMM);
    T_ERR(ipc_comm_size(IPC_COMM_NULL, &rank), IPC_ERR_COMM);
    T_ERR(ipc_barrier(IPC_COMM_NULL), IPC_ERR_COMM);
}

/* The edges of what is allowed must not be refused. */
static void valid_edges(void)
{
    int v = 5, w = 0, flag = 0;
    ipc_request reqs[2];
    T_OK(ipc_isend(&v, 1, IPC_INT, t_rank, IPC_TAG_UB, IPC_COMM_WORLD, &reqs[0]));
    T_OK(ipc_irecv(&w, 1, IPC_INT, t_rank, IPC_TAG_UB, IPC_COMM_WORLD, &reqs[1]));
    T_OK(ipc_waitall(2, reqs, IPC_STATUSES_IGNORE));
    T_ASSERT(w == 5, "tag IPC_TAG_UB: received %d, expected 5", w);

    T_OK(ipc_isend(NULL, 0, IPC_INT, t_rank, 1, IPC_COMM_WORLD, &reqs[0]));
    T_OK(ipc_irecv(NULL, 0, IPC_INT, t_rank, 1, IPC_COMM_WORLD, &reqs[1]));
    T_OK(ipc_waitall(2, reqs, IPC_STATUSES_IGNORE));

    /* A stale copy of a finished request's handle: IPC_ERR_REQUEST, not a
     * second free (which gave the next two receives one request). */
    ipc_request copy;
    T_OK(ipc_irecv(&w, 1, IPC_INT, t_rank, 2, IPC_COMM_WORLD, &reqs[0]));
    copy = reqs[0];
    T_OK(ipc_send(&v, 1, IPC_INT, t_rank, 2, IPC_COMM_WORLD));
    T_OK(ipc_wait(&reqs[0], IPC_STATUS_IGNORE));
    T_ERR(ipc_wait(&copy, IPC_STATUS_IGNORE), IPC_ERR_REQUEST);
    T_ERR(ipc_test(&copy, &flag, IPC_STATUS_IGNORE), IPC_ERR_REQUEST);
    T_ERR(ipc_waitall(1, &copy, IPC_STATUSES_IGNORE), IPC_ERR_REQUEST);
    T_OK(ipc_irecv(&w, 1, IPC_INT, t_rank, 3, IPC_COMM_WORLD, &reqs[0]));
    T_OK(ipc_irecv(&w, 1, IPC_INT, t_rank, 4, IPC_COMM_WORLD, &reqs[1]));
    T_ASSERT(reqs[0] != reqs[1], "two receives share one request after a stale wait");
    T_OK(ipc_send(&v, 1, IPC_INT, t_rank, 3, IPC_COMM_WORLD));
    T_OK(ipc_send(&v, 1, IPC_INT, t_rank, 4, IPC_COMM_WORLD));
    T_OK(ipc_waitall(2, reqs, IPC_STATUSES_IGNORE));

    T_OK(ipc_send(&v, 1, IPC_INT, IPC_PROC_NULL, 0, IPC_COMM_WORLD));
    T_OK(ipc_iprobe(IPC_ANY_SOURCE, IPC_ANY_TAG, IPC_COMM_WORLD, &flag, IPC_STATUS_IGNORE));
    T_ASSERT(!flag, "iprobe found a message when none was sent");
}

static void type_sizes(void)
{
    static const struct {
        const char *name;
        ipc_datatype type;
        size_t size;
    } types[] = {
        {"IPC_BYTE", IPC_BYTE, 1},          {"IPC_CHAR", IPC_CHAR, sizeof(char)},
        {"IPC_INT", IPC_INT, sizeof(int)},  {"IPC_LONG", IPC_LONG, sizeof(long)},
        {"IPC_INT64", IPC_INT64, 8},        {"IPC_UINT64", IPC_UINT64, 8},
        {"IPC_FLOAT", IPC_FLOAT, sizeof(float)}, {"IPC_DOUBLE", IPC_DOUBLE, sizeof(double)},
    };
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++) {
        size_t size = 0;
        T_OK(ipc_type_size(types[i].type, &size));
        T_ASSERT(size == types[i].size, "ipc_type_size(%s) is %zu, expected %zu",
                 types[i].name, size, types[i].size);
    }
}

/* The texts must be exactly those of IPC_ERRNO_MAP, and every name must
 * contain the code's own name, so no two codes share either string. */
static void error_strings(void)
{
#define T_ERR_STRINGS(name, value, text)                                                 \
    T_ASSERT(strcmp(ipc_strerror(value), text) == 0,                                     \
             "ipc_strerror(%d) is '%s', expected '%s'", value, ipc_strerror(value), text); \
    T_ASSERT(ipc_errname(value) && strstr(ipc_errname(value), #name),                    \
             "ipc_errname(%d) is '%s', expected it to contain '%s'", value,              \
             ipc_errname(value) ? ipc_errname(value) : "(null)", #name);
    IPC_ERRNO_MAP(T_ERR_STRINGS)
#undef T_ERR_STRINGS
    for (int a = 0; a < IPC_ERR_LASTCODE; a++)
        for (int b = a + 1; b < IPC_ERR_LASTCODE; b++) {
            T_ASSERT(strcmp(ipc_strerror(a), ipc_strerror(b)) != 0,
                     "codes %d and %d share the text '%s'", a, b, ipc_strerror(a));
            T_ASSERT(strcmp(ipc_errname(a), ipc_errname(b)) != 0,
                     "codes %d and %d share the name '%s'", a, b, ipc_errname(a));
        }
    int unknown[] = {-1, IPC_ERR_LASTCODE, 12345};
    for (size_t i = 0; i < sizeof unknown / sizeof unknown[0]; i++) {
        const char *s = ipc_strerror(unknown[i]), *n = ipc_errname(unknown[i]);
        T_ASSERT(s && *s && n && *n, "unknown code %d gives an empty or NULL string",
                 unknown[i]);
    }
}

static void before_init(void)
{
    int flag = 1, v = 0;
    T_OK(ipc_initialized(&flag));
    T_ASSERT(!flag, "ipc_initialized says yes before ipc_init");
    T_ERR(ipc_send(&v, 1, IPC_INT, 0, 0, IPC_COMM_WORLD), IPC_ERR_NOT_INITIALIZED);
}

static void after_finalize(void)
{
    int flag = 0, v = 0;
    T_OK(ipc_finalized(&flag));
    T_ASSERT(flag, "ipc_finalized says no after ipc_finalize");
    T_ERR(ipc_send(&v, 1, IPC_INT, 0, 0, IPC_COMM_WORLD), IPC_ERR_NOT_INITIALIZED);
    T_ERR(ipc_barrier(IPC_COMM_WORLD), IPC_ERR_NOT_INITIALIZED);
}

int main(int argc, char **argv)
{
    t_prog = "errors";
    before_init();
    t_init(&argc, &argv, "errors");
    int flag = 0;
    T_OK(ipc_initialized(&flag));
    T_ASSERT(flag, "ipc_initialized says no after ipc_init");
    T_ERR(ipc_init(&argc, &argv), IPC_ERR_INITIALIZED);

    bad_ranks();
    bad_tags();
    bad_buffers_types_comms();
    valid_edges();
    type_sizes();
    error_strings();

    T_OK(ipc_finalize());
    after_finalize();
    if (t_rank == 0)
        printf("errors: %d ranks: ok\n", t_size);
    return 0;
}
