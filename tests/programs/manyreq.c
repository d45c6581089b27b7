/*
 * manyreq - a thousand requests in flight at once, completed three ways.
 *
 * Ranks pair up (0,1), (2,3), ...; an odd last rank is its own partner. Each
 * rank posts NREQ receives and NREQ sends to its partner before completing
 * any, then completes them:
 *   1. with ipc_waitall; receives are posted in the reverse order of their
 *      tags, so matching has to search;
 *   2. with ipc_waitany, one tag: the j-th receive must get the j-th message;
 *   3. by polling every request with ipc_test.
 * Every tenth message is larger than 64 KiB; every byte is checked.
 */
#include "check.h"

enum { NREQ = 1000, BIG = 70000 };
enum { TAG_ANY_PHASE = 2000, TAG_TEST_PHASE = 2001 };

static size_t msg_size(int i)
{
    return i % 10 == 0 ? BIG + (size_t)i : 16 + (size_t)(i % 50);
}

/* Message i from `sender` is the pattern of its size keyed by both. */
static int msg_key(int sender, int i)
{
    return sender * NREQ + i;
}

struct slots {
    uint8_t *arena;
    size_t offset[NREQ];
};

static void slots_init(struct slots *s)
{
    size_t total = 0;
    for (int i = 0; i < NREQ; i++) {
        s->offset[i] = total;
        total += msg_size(i);
    }
    s->arena = t_alloc(total);
}

static uint8_t *slot(struct slots *s, int i)
{
    return s->arena + s->offset[i];
}

static void check_msg(struct slots *r, int i, int peer, const ipc_status *st, int tag,
                      const char *phase)
{
    size_t size = msg_size(i);
    t_expect_status(st, peer, tag, size, phase);
    const uint8_t *buf = slot(r, i);
    for (size_t k = 0; k < size; k++)
        T_ASSERT(buf[k] == t_pattern(size, msg_key(peer, i), k),
                 "%s: message %d from rank %d: byte %zu of %zu is wrong", phase, i, peer, k,
                 size);
}

static void post_sends(struct slots *s, ipc_request *reqs, int peer, int same_tag)
{
    for (int i = 0; i < NREQ; i++) {
        size_t size = msg_size(i);
        t_fill(slot(s, i), size, msg_key(t_rank, i));
        int tag = same_tag >= 0 ? same_tag : i;
        T_OK(ipc_isend(slot(s, i), size, IPC_BYTE, peer, tag, IPC_COMM_WORLD, &reqs[i]));
    }
}

static void phase_waitall(struct slots *s, struct slots *r, int peer)
{
    static ipc_request reqs[2 * NREQ];
    static ipc_status st[2 * NREQ];
    for (int j = 0; j < NREQ; j++) {
        int i = NREQ - 1 - j;
        T_OK(ipc_irecv(slot(r, i), msg_size(i), IPC_BYTE, peer, i, IPC_COMM_WORLD, &reqs[j]));
    }
    post_sends(s, reqs + NREQ, peer, -1);
    T_OK(ipc_waitall(2 * NREQ, reqs, st));
    for (int k = 0; k < 2 * NREQ; k++) {
        T_ASSERT(reqs[k] == IPC_REQUEST_NULL, "waitall: request %d still set", k);
        T_ASSERT(st[k].error == IPC_SUCCESS, "waitall: request %d has error %s", k,
                 ipc_errname(st[k].error));
    }
    for (int j = 0; j < NREQ; j++) {
        int i = NREQ - 1 - j;
        check_msg(r, i, peer, &st[j], i, "waitall");
    }
}

static void phase_waitany(struct slots *s, struct slots *r, int peer)
{
    static ipc_request reqs[2 * NREQ];
    static char done[2 * NREQ];
    memset(done, 0, sizeof done);
    for (int i = 0; i < NREQ; i++)
        T_OK(ipc_irecv(slot(r, i), msg_size(i), IPC_BYTE, peer, TAG_ANY_PHASE,
                       IPC_COMM_WORLD, &reqs[i]));
    post_sends(s, reqs + NREQ, peer, TAG_ANY_PHASE);
    for (int n = 0; n < 2 * NREQ; n++) {
        int index = -1;
        ipc_status st;
        T_OK(ipc_waitany(2 * NREQ, reqs, &index, &st));
        T_ASSERT(index >= 0 && index < 2 * NREQ, "waitany: index %d after %d completions",
                 index, n);
        T_ASSERT(!done[index], "waitany: request %d completed twice", index);
        T_ASSERT(reqs[index] == IPC_REQUEST_NULL, "waitany: request %d still set", index);
        done[index] = 1;
        if (index < NREQ)
            check_msg(r, index, peer, &st, TAG_ANY_PHASE, "waitany");
    }
    int index = 0;
    T_OK(ipc_waitany(2 * NREQ, reqs, &index, IPC_STATUS_IGNORE));
    T_ASSERT(index == IPC_UNDEFINED, "waitany over finished requests gave index %d", index);
}

static void phase_test(struct slots *s, struct slots *r, int peer)
{
    static ipc_request reqs[2 * NREQ];
    for (int i = 0; i < NREQ; i++)
        T_OK(ipc_irecv(slot(r, i), msg_size(i), IPC_BYTE, peer, IPC_ANY_TAG, IPC_COMM_WORLD,
                       &reqs[i]));
    post_sends(s, reqs + NREQ, peer, TAG_TEST_PHASE);
    int left = 2 * NREQ;
    double deadline = ipc_wtime() + 60;
    while (left > 0) {
        T_ASSERT(ipc_wtime() < deadline, "test: %d requests unfinished after 60 s", left);
        for (int k = 0; k < 2 * NREQ; k++) {
            if (reqs[k] == IPC_REQUEST_NULL)
                continue;
            int flag = 0;
            ipc_status st;
            T_OK(ipc_test(&reqs[k], &flag, &st));
            if (!flag)
                continue;
            T_ASSERT(reqs[k] == IPC_REQUEST_NULL, "test: request %d done but still set", k);
            left--;
            if (k < NREQ)
                check_msg(r, k, peer, &st, TAG_TEST_PHASE, "test");
        }
    }
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "manyreq");
    int peer = t_partner();
    struct slots *s = t_alloc(sizeof *s), *r = t_alloc(sizeof *r);
    slots_init(s);
    slots_init(r);

    phase_waitall(s, r, peer);
    phase_waitany(s, r, peer);
    phase_test(s, r, peer);

    free(s->arena);
    free(r->arena);
    free(s);
    free(r);
    T_OK(ipc_finalize());
    if (t_rank == 0)
        printf("manyreq: %d ranks, %d sends and receives per phase: ok\n", t_size, NREQ);
    return 0;
}
