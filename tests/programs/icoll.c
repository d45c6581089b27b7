/*
 * icoll - every nonblocking collective against its blocking twin.
 *
 *   ipcrun -n N icoll [ROUNDS] [SEED]
 *
 * Each round starts 1 to 4 nonblocking collectives at once (kinds, counts,
 * roots, ops and in-place use drawn from one seed, the same at every rank),
 * with point-to-point messages to the neighbours in between, and completes
 * them in an order of this rank's own (ipc_wait in a shuffled order, or
 * ipc_test polling, or ipc_waitany). Then the blocking twins run on the same
 * inputs, and every output must be the same, byte for byte, and every byte
 * outside the outputs untouched. Reductions use 64-bit integers with IPC_SUM,
 * IPC_MAX and a user op that is not commutative (composition of affine maps),
 * so the ranks' order must be kept. Counts reach the long-message algorithms.
 */
#include <stdbool.h>

#include "check.h"

enum kind {
    K_BARRIER, K_BCAST, K_REDUCE, K_ALLREDUCE, K_SCAN, K_EXSCAN, K_RSB, K_GATHER, K_GATHERV,
    K_SCATTER, K_SCATTERV, K_ALLGATHER, K_ALLGATHERV, K_ALLTOALL, K_ALLTOALLV, K_N
};
static const char *const names[K_N] = {
    "ibarrier", "ibcast",     "ireduce",   "iallreduce",  "iscan",
    "iexscan",  "ireduce_scatter_block",    "igather",    "igatherv",
    "iscatter", "iscatterv",  "iallgather", "iallgatherv", "ialltoall", "ialltoallv"};

enum { GUARD = 4, POISON = 0x5a5a5a5a5a5a5a5aLL };

static uint64_t rng;
static uint32_t rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint32_t)(rng >> 11);
}

/* x o y for maps x(t) = a t + b (mod 2^32), packed a << 32 | b: apply y, then x. */
static void compose(const void *in, void *inout, size_t count, ipc_datatype type)
{
    (void)type;
    const uint64_t *x = in;
    uint64_t *y = inout;
    for (size_t i = 0; i < count; i++) {
        uint32_t a1 = (uint32_t)(x[i] >> 32), b1 = (uint32_t)x[i];
        uint32_t a2 = (uint32_t)(y[i] >> 32), b2 = (uint32_t)y[i];
        y[i] = (uint64_t)(a1 * a2) << 32 | (uint32_t)(a1 * b2 + b1);
    }
}

struct ccase {
    enum kind k;
    size_t count; /* per rank (v kinds: the base of uneven counts) */
    int root;
    ipc_op op;
    bool in_place;
    size_t *sc, *sd, *rc, *rd; /* v counts and displacements (elements) */
    size_t slen, rlen;         /* elements of sbuf and rbuf */
    int64_t *sbuf, *in;        /* in: a copy of the inputs, for the twin */
    int64_t *rnb, *rb;         /* outputs of the nonblocking call and of the twin */
    ipc_request req;
};

static int64_t value(int rank, size_t i, int salt)
{
    uint64_t x = (uint64_t)rank * 0x9e3779b97f4a7c15ULL ^ (uint64_t)i * 0xbf58476d1ce4e5b9ULL;
    x ^= (uint64_t)salt * 0x94d049bb133111ebULL;
    x ^= x >> 29;
    return (int64_t)(x | 1ULL << 32); /* a != 0 in the affine maps */
}

static size_t pick_count(void)
{
    static const size_t counts[] = {0, 1, 3, 7, 100, 1000, 9000};
    return counts[rnd() % 7];
}

/* Sizes the buffers of c and fills its inputs. */
static void setup(struct ccase *c, int salt, ipc_op user)
{
    int n = t_size, r = t_rank;
    c->sc = t_alloc(4 * (size_t)n * sizeof *c->sc);
    c->sd = c->sc + n, c->rc = c->sd + n, c->rd = c->rc + n;
    size_t send = c->count, recv = c->count;
    switch (c->k) {
    case K_GATHER: case K_ALLGATHER: recv = c->count * (size_t)n; break;
    case K_SCATTER: send = c->count * (size_t)n; break;
    case K_ALLTOALL: case K_RSB: send = recv = c->count * (size_t)n; break;
    case K_GATHERV: case K_SCATTERV: case K_ALLGATHERV: case K_ALLTOALLV: {
        /* Uneven, some empty, in reverse order with a gap after each. */
        size_t off = 0;
        for (int i = n - 1; i >= 0; i--) {
            c->rc[i] = (c->count + (size_t)i * 3) % (c->count + 5);
            c->rd[i] = off;
            off += c->rc[i] + 2;
        }
        recv = off;
        if (c->k == K_ALLTOALLV) { /* what r sends to i is what i expects from r */
            size_t soff = 0;
            for (int i = 0; i < n; i++) {
                c->sc[i] = (c->count + (size_t)r * 3) % (c->count + 5);
                c->sd[i] = soff;
                soff += c->sc[i] + 1;
            }
            send = soff;
            for (int i = 0; i < n; i++)
                c->rc[i] = (c->count + (size_t)i * 3) % (c->count + 5);
        } else if (c->k == K_SCATTERV) {
            memcpy(c->sc, c->rc, (size_t)n * sizeof *c->sc);
            memcpy(c->sd, c->rd, (size_t)n * sizeof *c->sd);
            send = recv;
            recv = c->rc[r];
        } else {
            send = c->rc[r];
        }
        break;
    }
    default: break;
    }
    if (c->k == K_ALLTOALLV && c->in_place) /* in place: the layouts are one */
        c->in_place = false;
    c->slen = send, c->rlen = recv;
    c->op = rnd() % 3 == 0 ? user : rnd() % 2 ? IPC_SUM : IPC_MAX;
    c->sbuf = t_alloc(send * 8), c->in = t_alloc(send * 8);
    c->rnb = t_alloc((recv + GUARD) * 8), c->rb = t_alloc((recv + GUARD) * 8);
    for (size_t i = 0; i < send; i++)
        c->sbuf[i] = c->in[i] = value(r, i, salt);
    for (size_t i = 0; i < recv + GUARD; i++)
        c->rnb[i] = c->rb[i] = POISON;
}

/* In place: the input goes where the call expects it in rbuf. */
static bool place_input(struct ccase *c, int64_t *rbuf)
{
    int r = t_rank;
    if (!c->in_place)
        return false;
    switch (c->k) {
    case K_REDUCE:
        if (r != c->root)
            return false;
        /* fallthrough */
    case K_ALLREDUCE: case K_SCAN: case K_EXSCAN: case K_RSB:
        memcpy(rbuf, c->in, c->slen * 8);
        return true;
    case K_GATHER: case K_ALLGATHER:
        if (c->k == K_GATHER && r != c->root)
            return false;
        memcpy(rbuf + (size_t)r * c->count, c->in, c->count * 8);
        return true;
    case K_GATHERV: case K_ALLGATHERV:
        if (c->k == K_GATHERV && r != c->root)
            return false;
        memcpy(rbuf + c->rd[r], c->in, c->rc[r] * 8);
        return true;
    case K_SCATTER: case K_SCATTERV:
        return r == c->root; /* the root's block stays in sbuf */
    case K_ALLTOALL:
        memcpy(rbuf, c->in, c->slen * 8);
        return true;
    default:
        return false;
    }
}

/* Runs c's collective, nonblocking (req) or blocking (req NULL). */
static int run(struct ccase *c, int64_t *sbuf, int64_t *rbuf, ipc_request *req)
{
    ipc_comm w = IPC_COMM_WORLD;
    ipc_datatype t = IPC_INT64;
    bool ip = place_input(c, rbuf);
    const void *s = ip ? IPC_IN_PLACE : sbuf;
    void *rr = rbuf;
    size_t k = c->count;
    int root = c->root;
    if (ip && (c->k == K_SCATTER || c->k == K_SCATTERV))
        s = sbuf, rr = IPC_IN_PLACE;
    switch (c->k) {
    case K_BARRIER: return req ? ipc_ibarrier(w, req) : ipc_barrier(w);
    case K_BCAST:
        if (t_rank == root)
            memcpy(rbuf, sbuf, k * 8);
        return req ? ipc_ibcast(rbuf, k, t, root, w, req) : ipc_bcast(rbuf, k, t, root, w);
    case K_REDUCE:
        return req ? ipc_ireduce(s, rbuf, k, t, c->op, root, w, req)
                   : ipc_reduce(s, rbuf, k, t, c->op, root, w);
    case K_ALLREDUCE:
        return req ? ipc_iallreduce(s, rbuf, k, t, c->op, w, req)
                   : ipc_allreduce(s, rbuf, k, t, c->op, w);
    case K_SCAN:
        return req ? ipc_iscan(s, rbuf, k, t, c->op, w, req) : ipc_scan(s, rbuf, k, t, c->op, w);
    case K_EXSCAN:
        return req ? ipc_iexscan(s, rbuf, k, t, c->op, w, req)
                   : ipc_exscan(s, rbuf, k, t, c->op, w);
    case K_RSB:
        return req ? ipc_ireduce_scatter_block(s, rbuf, k, t, c->op, w, req)
                   : ipc_reduce_scatter_block(s, rbuf, k, t, c->op, w);
    case K_GATHER:
        return req ? ipc_igather(s, k, t, rbuf, k, t, root, w, req)
                   : ipc_gather(s, k, t, rbuf, k, t, root, w);
    case K_GATHERV:
        return req ? ipc_igatherv(s, c->rc[t_rank], t, rbuf, c->rc, c->rd, t, root, w, req)
                   : ipc_gatherv(s, c->rc[t_rank], t, rbuf, c->rc, c->rd, t, root, w);
    case K_SCATTER:
        return req ? ipc_iscatter(s, k, t, rr, k, t, root, w, req)
                   : ipc_scatter(s, k, t, rr, k, t, root, w);
    case K_SCATTERV:
        return req ? ipc_iscatterv(s, c->sc, c->sd, t, rr, c->sc[t_rank], t, root, w, req)
                   : ipc_scatterv(s, c->sc, c->sd, t, rr, c->sc[t_rank], t, root, w);
    case K_ALLGATHER:
        return req ? ipc_iallgather(s, k, t, rbuf, k, t, w, req)
                   : ipc_allgather(s, k, t, rbuf, k, t, w);
    case K_ALLGATHERV:
        return req ? ipc_iallgatherv(s, c->rc[t_rank], t, rbuf, c->rc, c->rd, t, w, req)
                   : ipc_allgatherv(s, c->rc[t_rank], t, rbuf, c->rc, c->rd, t, w);
    case K_ALLTOALL:
        return req ? ipc_ialltoall(s, k, t, rbuf, k, t, w, req)
                   : ipc_alltoall(s, k, t, rbuf, k, t, w);
    case K_ALLTOALLV:
        return req ? ipc_ialltoallv(s, c->sc, c->sd, t, rbuf, c->rc, c->rd, t, w, req)
                   : ipc_alltoallv(s, c->sc, c->sd, t, rbuf, c->rc, c->rd, t, w);
    default: return IPC_ERR_ARG;
    }
}

static void compare(const struct ccase *c, int round)
{
    if (memcmp(c->sbuf, c->in, c->slen * 8) != 0)
        t_fail("round %d, %s: the send buffer changed", round, names[c->k]);
    /* In place, the rest of a reduce_scatter_block's rbuf is the library's. */
    bool scratch = c->k == K_RSB && c->in_place;
    for (size_t i = 0; i < c->rlen + GUARD; i++)
        if (c->rnb[i] != c->rb[i] && !(scratch && i >= c->count && i < c->rlen))
            t_fail("round %d, %s (count %zu, root %d, op %s, %s): element %zu is %lld, the "
                   "blocking twin gives %lld",
                   round, names[c->k], c->count, c->root,
                   c->op == IPC_SUM ? "sum" : c->op == IPC_MAX ? "max" : "user",
                   c->in_place ? "in place" : "not in place", i, (long long)c->rnb[i],
                   (long long)c->rb[i]);
}

/* Completes reqs[0..m) in an order of this rank's own. */
static void complete(ipc_request *reqs, int m, unsigned style)
{
    if (style % 3 == 0) {
        int order[8];
        for (int i = 0; i < m; i++)
            order[i] = i;
        for (int i = m - 1; i > 0; i--) {
            int j = (int)((style / 3 + (unsigned)i * 7u) % (unsigned)(i + 1)), x = order[i];
            order[i] = order[j], order[j] = x;
        }
        for (int i = 0; i < m; i++)
            T_OK(ipc_wait(&reqs[order[i]], IPC_STATUS_IGNORE));
    } else if (style % 3 == 1) {
        for (int left = m; left;) {
            for (int i = m - 1; i >= 0; i--) {
                int flag = 0;
                if (reqs[i] == IPC_REQUEST_NULL)
                    continue;
                T_OK(ipc_test(&reqs[i], &flag, IPC_STATUS_IGNORE));
                left -= flag != 0;
            }
        }
    } else {
        for (int i = 0; i < m; i++) {
            int idx;
            T_OK(ipc_waitany(m, reqs, &idx, IPC_STATUS_IGNORE));
            T_ASSERT(idx >= 0 && idx < m, "waitany gave index %d", idx);
        }
    }
    for (int i = 0; i < m; i++)
        T_ASSERT(reqs[i] == IPC_REQUEST_NULL, "request %d still set after completion", i);
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "icoll");
    int rounds = argc > 1 ? atoi(argv[1]) : 60;
    rng = argc > 2 ? strtoull(argv[2], NULL, 0) : 0x2545F4914F6CDD1DULL;
    ipc_op user;
    T_OK(ipc_op_create(compose, 0, &user));
    int n = t_size, r = t_rank, right = (r + 1) % n, left = (r - 1 + n) % n;
    for (int round = 0; round < rounds; round++) {
        int m = 1 + (int)(rnd() % 4);
        struct ccase c[4];
        ipc_request reqs[6];
        int64_t out[2] = {round, r}, got[2] = {-1, -1};
        for (int i = 0; i < m; i++) {
            c[i] = (struct ccase){.k = (enum kind)(rnd() % K_N), .count = pick_count(),
                                  .root = (int)(rnd() % (unsigned)n), .in_place = rnd() % 3 == 0};
            setup(&c[i], round * 4 + i, user);
        }
        /* Point-to-point on the program's tags around the collectives. */
        T_OK(ipc_irecv(got, 2, IPC_INT64, left, round % 3, IPC_COMM_WORLD, &reqs[m]));
        for (int i = 0; i < m; i++) {
            T_OK(run(&c[i], c[i].sbuf, c[i].rnb, &c[i].req));
            reqs[i] = c[i].req;
            if (i == 0)
                T_OK(ipc_isend(out, 2, IPC_INT64, right, round % 3, IPC_COMM_WORLD,
                               &reqs[m + 1]));
        }
        complete(reqs, m + 2, (unsigned)(r + round));
        T_ASSERT(got[0] == round && got[1] == left, "round %d: the message from rank %d "
                 "holds %lld %lld", round, left, (long long)got[0], (long long)got[1]);
        for (int i = 0; i < m; i++) {
            T_OK(run(&c[i], c[i].in, c[i].rb, NULL));
            compare(&c[i], round);
            free(c[i].sc), free(c[i].sbuf), free(c[i].in), free(c[i].rnb), free(c[i].rb);
        }
    }
    T_OK(ipc_op_free(&user));
    if (r == 0)
        printf("icoll: %d ranks, %d rounds: ok\n", n, rounds);
    T_OK(ipc_finalize());
    return 0;
}
