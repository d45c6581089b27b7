/* icoll.c - every MPI nonblocking collective against its blocking twin.
 *
 * Each round starts 1 to 4 nonblocking collectives (kind, count, root, op,
 * datatype, in-place use and communicator drawn from one seed, the same at
 * every rank: MPI_COMM_WORLD or this rank's half of it), with point-to-point
 * messages of the same tag on the same communicators in between, and
 * completes them in an order of this rank's own (MPI_Wait in a shuffled
 * order, MPI_Testany, MPI_Waitsome or MPI_Waitall). The blocking twins then
 * run on the same inputs; every byte of every output buffer must be the
 * same, the gaps of the strided datatype and of the v-forms' layouts
 * included. Reductions use long long with MPI_SUM, MPI_MAX and a user op
 * that is not commutative (composition of affine maps), so the ranks' order
 * must be kept; counts reach the long-message algorithms.
 *
 * MPITEST_RANKS: 1 2 3 4 5 8 10
 * MPITEST_ARGS: 50
 */
#include <stdbool.h>
#include <stdint.h>

#include "mpicheck.h"

enum kind {
    K_BARRIER, K_BCAST, K_REDUCE, K_ALLREDUCE, K_SCAN, K_EXSCAN, K_RSB, K_RS, K_GATHER,
    K_GATHERV, K_SCATTER, K_SCATTERV, K_ALLGATHER, K_ALLGATHERV, K_ALLTOALL, K_ALLTOALLV,
    K_ALLTOALLW, K_N
};
static const char *const names[K_N] = {
    "Ibarrier",   "Ibcast",   "Ireduce",  "Iallreduce", "Iscan",      "Iexscan",
    "Ireduce_scatter_block", "Ireduce_scatter", "Igather", "Igatherv", "Iscatter",
    "Iscatterv",  "Iallgather", "Iallgatherv", "Ialltoall", "Ialltoallv", "Ialltoallw"};

enum { POISON = 0x5a };

static uint64_t rng = 0x2545F4914F6CDD1DULL;
static unsigned rnd(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng >> 11);
}

/* x o y for maps t -> a t + b (mod 2^32), packed a << 32 | b. */
static void compose(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    const unsigned long long *x = in;
    unsigned long long *y = inout;
    for (int i = 0; i < *len; i++) {
        uint32_t a1 = (uint32_t)(x[i] >> 32), b1 = (uint32_t)x[i];
        uint32_t a2 = (uint32_t)(y[i] >> 32), b2 = (uint32_t)y[i];
        y[i] = (unsigned long long)(a1 * a2) << 32 | (uint32_t)(a1 * b2 + b1);
    }
}

/* Elements: one long long (contiguous), or two long longs two apart in a
 * four-long-long extent (strided: the gaps must stay as they were). */
static MPI_Datatype strided;
static MPI_Op user;

struct ccase {
    enum kind k;
    MPI_Comm comm;
    int n, r; /* size and rank in comm */
    int count, root;
    MPI_Op op;
    MPI_Datatype type;
    int ext; /* long longs per element in memory */
    int in_place;
    int *sc, *sd, *rc, *rd, *swd, *rwd; /* v counts, displacements; w byte displacements */
    MPI_Datatype *wt;
    long slen, rlen; /* elements */
    long long *sbuf, *in, *rnb, *rb;
    MPI_Request req;
};

static long long value(int rank, long i, int salt)
{
    uint64_t x = (uint64_t)rank * 0x9e3779b97f4a7c15ULL ^ (uint64_t)i * 0xbf58476d1ce4e5b9ULL;
    x ^= (uint64_t)salt * 0x94d049bb133111ebULL;
    x ^= x >> 29;
    return (long long)(x | 1ULL << 32);
}

static int ucount(int base, int i)
{
    return (base + 3 * i) % (base + 5);
}

static void setup(struct ccase *c, int salt)
{
    int n = c->n, r = c->r;
    c->sc = calloc(6 * (size_t)n, sizeof *c->sc);
    c->wt = calloc((size_t)n, sizeof *c->wt);
    CHECK(c->sc && c->wt, "out of memory");
    c->sd = c->sc + n, c->rc = c->sd + n, c->rd = c->rc + n, c->swd = c->rd + n,
    c->rwd = c->swd + n;
    long send = c->count, recv = c->count, off = 0;
    switch (c->k) {
    case K_GATHER: case K_ALLGATHER: recv = (long)c->count * n; break;
    case K_SCATTER: send = (long)c->count * n; break;
    case K_ALLTOALL: case K_RSB: send = recv = (long)c->count * n; break;
    case K_RS:
        send = 0;
        for (int i = 0; i < n; i++)
            send += c->rc[i] = ucount(c->count, i);
        recv = c->in_place ? send : c->rc[r];
        break;
    case K_GATHERV: case K_SCATTERV: case K_ALLGATHERV: case K_ALLTOALLV: case K_ALLTOALLW:
        /* Uneven, some empty, in reverse order with a gap after each. */
        for (int i = n - 1; i >= 0; i--) {
            /* In place, an alltoall's counts are the send counts too: what
             * i and r trade must be the same both ways. */
            bool sym = c->in_place && (c->k == K_ALLTOALLV || c->k == K_ALLTOALLW);
            c->rc[i] = ucount(c->count, sym ? i + r : i);
            c->rd[i] = (int)off;
            off += c->rc[i] + 2;
        }
        recv = off;
        if (c->k == K_ALLTOALLV || c->k == K_ALLTOALLW) {
            long soff = 0;
            for (int i = 0; i < n; i++) {
                c->sc[i] = c->in_place ? c->rc[i] : ucount(c->count, r);
                c->sd[i] = c->in_place ? c->rd[i] : (int)soff;
                soff += c->sc[i] + 1;
            }
            if (c->in_place) {
                send = recv;
            } else {
                send = soff;
                for (int i = 0; i < n; i++)
                    c->rc[i] = ucount(c->count, i);
            }
        } else if (c->k == K_SCATTERV) {
            memcpy(c->sc, c->rc, (size_t)n * sizeof *c->sc);
            memcpy(c->sd, c->rd, (size_t)n * sizeof *c->sd);
            send = recv;
            recv = c->rc[r];
        } else {
            send = c->rc[r];
        }
        for (int i = 0; i < n; i++) {
            c->swd[i] = c->sd[i] * c->ext * 8;
            c->rwd[i] = c->rd[i] * c->ext * 8;
            c->wt[i] = c->type;
        }
        break;
    default: break;
    }
    c->slen = send, c->rlen = recv;
    size_t sb = (size_t)(send * c->ext + 1) * 8, rb = (size_t)(recv * c->ext + 4) * 8;
    c->sbuf = malloc(sb), c->in = malloc(sb), c->rnb = malloc(rb), c->rb = malloc(rb);
    CHECK(c->sbuf && c->in && c->rnb && c->rb, "out of memory");
    memset(c->sbuf, POISON, sb);
    for (long i = 0; i < send * c->ext; i++)
        c->sbuf[i] = value(r, i, salt);
    memcpy(c->in, c->sbuf, sb);
    memset(c->rnb, POISON, rb);
    memset(c->rb, POISON, rb);
}

/* In place: puts the input where the call expects it in rbuf; says whether
 * this rank passes MPI_IN_PLACE. */
static int place_input(struct ccase *c, long long *rbuf)
{
    int r = c->r, e = c->ext;
    if (!c->in_place)
        return 0;
    switch (c->k) {
    case K_REDUCE:
        if (r != c->root)
            return 0;
        /* fallthrough */
    case K_ALLREDUCE: case K_SCAN: case K_EXSCAN: case K_RSB: case K_RS: case K_ALLTOALL:
    case K_ALLTOALLV: case K_ALLTOALLW:
        memcpy(rbuf, c->in, (size_t)(c->slen * e) * 8);
        return 1;
    case K_GATHER: case K_ALLGATHER:
        if (c->k == K_GATHER && r != c->root)
            return 0;
        memcpy(rbuf + (long)r * c->count * e, c->in, (size_t)(c->count * e) * 8);
        return 1;
    case K_GATHERV: case K_ALLGATHERV:
        if (c->k == K_GATHERV && r != c->root)
            return 0;
        memcpy(rbuf + (long)c->rd[r] * e, c->in, (size_t)(c->rc[r] * e) * 8);
        return 1;
    case K_SCATTER: case K_SCATTERV:
        return r == c->root;
    default:
        return 0;
    }
}

/* c's collective, nonblocking (req) or blocking (req NULL). */
static int run(struct ccase *c, long long *sbuf, long long *rbuf, MPI_Request *req)
{
    MPI_Comm w = c->comm;
    MPI_Datatype t = c->type;
    int ip = place_input(c, rbuf), k = c->count, root = c->root, r = c->r;
    const void *s = ip ? MPI_IN_PLACE : sbuf;
    void *rr = rbuf;
    if (ip && (c->k == K_SCATTER || c->k == K_SCATTERV))
        s = sbuf, rr = MPI_IN_PLACE;
    switch (c->k) {
    case K_BARRIER: return req ? MPI_Ibarrier(w, req) : MPI_Barrier(w);
    case K_BCAST:
        if (r == root)
            memcpy(rbuf, sbuf, (size_t)(k * c->ext) * 8);
        return req ? MPI_Ibcast(rbuf, k, t, root, w, req) : MPI_Bcast(rbuf, k, t, root, w);
    case K_REDUCE:
        return req ? MPI_Ireduce(s, rbuf, k, t, c->op, root, w, req)
                   : MPI_Reduce(s, rbuf, k, t, c->op, root, w);
    case K_ALLREDUCE:
        return req ? MPI_Iallreduce(s, rbuf, k, t, c->op, w, req)
                   : MPI_Allreduce(s, rbuf, k, t, c->op, w);
    case K_SCAN:
        return req ? MPI_Iscan(s, rbuf, k, t, c->op, w, req) : MPI_Scan(s, rbuf, k, t, c->op, w);
    case K_EXSCAN:
        return req ? MPI_Iexscan(s, rbuf, k, t, c->op, w, req)
                   : MPI_Exscan(s, rbuf, k, t, c->op, w);
    case K_RSB:
        return req ? MPI_Ireduce_scatter_block(s, rbuf, k, t, c->op, w, req)
                   : MPI_Reduce_scatter_block(s, rbuf, k, t, c->op, w);
    case K_RS:
        return req ? MPI_Ireduce_scatter(s, rbuf, c->rc, t, c->op, w, req)
                   : MPI_Reduce_scatter(s, rbuf, c->rc, t, c->op, w);
    case K_GATHER:
        return req ? MPI_Igather(s, k, t, rbuf, k, t, root, w, req)
                   : MPI_Gather(s, k, t, rbuf, k, t, root, w);
    case K_GATHERV:
        return req ? MPI_Igatherv(s, c->rc[r], t, rbuf, c->rc, c->rd, t, root, w, req)
                   : MPI_Gatherv(s, c->rc[r], t, rbuf, c->rc, c->rd, t, root, w);
    case K_SCATTER:
        return req ? MPI_Iscatter(s, k, t, rr, k, t, root, w, req)
                   : MPI_Scatter(s, k, t, rr, k, t, root, w);
    case K_SCATTERV:
        return req ? MPI_Iscatterv(s, c->sc, c->sd, t, rr, c->sc[r], t, root, w, req)
                   : MPI_Scatterv(s, c->sc, c->sd, t, rr, c->sc[r], t, root, w);
    case K_ALLGATHER:
        return req ? MPI_Iallgather(s, k, t, rbuf, k, t, w, req)
                   : MPI_Allgather(s, k, t, rbuf, k, t, w);
    case K_ALLGATHERV:
        return req ? MPI_Iallgatherv(s, c->rc[r], t, rbuf, c->rc, c->rd, t, w, req)
                   : MPI_Allgatherv(s, c->rc[r], t, rbuf, c->rc, c->rd, t, w);
    case K_ALLTOALL:
        return req ? MPI_Ialltoall(s, k, t, rbuf, k, t, w, req)
                   : MPI_Alltoall(s, k, t, rbuf, k, t, w);
    case K_ALLTOALLV:
        return req ? MPI_Ialltoallv(s, c->sc, c->sd, t, rbuf, c->rc, c->rd, t, w, req)
                   : MPI_Alltoallv(s, c->sc, c->sd, t, rbuf, c->rc, c->rd, t, w);
    case K_ALLTOALLW:
        return req ? MPI_Ialltoallw(s, c->sc, c->swd, c->wt, rbuf, c->rc, c->rwd, c->wt, w, req)
                   : MPI_Alltoallw(s, c->sc, c->swd, c->wt, rbuf, c->rc, c->rwd, c->wt, w);
    default: return MPI_ERR_ARG;
    }
}

static void compare(const struct ccase *c, int round)
{
    size_t sb = (size_t)(c->slen * c->ext + 1) * 8, rb = (size_t)(c->rlen * c->ext + 4) * 8;
    CHECK(memcmp(c->sbuf, c->in, sb) == 0, "round %d, MPI_%s: the send buffer changed", round,
          names[c->k]);
    /* In place, the rest of a reduce_scatter's rbuf is the library's. */
    long from = (c->k == K_RSB || c->k == K_RS) && c->in_place
                    ? (c->k == K_RS ? c->rc[c->r] : c->count) * c->ext
                    : -1;
    for (size_t i = 0; i < rb / 8; i++)
        if ((from < 0 || (long)i < from) && c->rnb[i] != c->rb[i])
            mc_fail(__FILE__, __LINE__,
                    "round %d, MPI_%s (count %d, root %d, op %s, %s, %s, %d ranks): long long "
                    "%zu is %lld, the blocking twin gives %lld",
                    round, names[c->k], c->count, c->root,
                    c->op == MPI_SUM ? "sum" : c->op == MPI_MAX ? "max" : "user",
                    c->ext > 1 ? "strided type" : "long long",
                    c->in_place ? "in place" : "not in place", c->n, i, c->rnb[i], c->rb[i]);
}

/* Completes reqs[0..m) in an order of this rank's own. */
static void complete(MPI_Request *reqs, int m, unsigned style)
{
    int idx[8], done = 0;
    switch (style % 4) {
    case 0: {
        int order[8];
        for (int i = 0; i < m; i++)
            order[i] = i;
        for (int i = m - 1; i > 0; i--) {
            int j = (int)((style / 4 + (unsigned)i * 7u) % (unsigned)(i + 1)), x = order[i];
            order[i] = order[j], order[j] = x;
        }
        for (int i = 0; i < m; i++)
            CHECK(MPI_Wait(&reqs[order[i]], MPI_STATUS_IGNORE) == MPI_SUCCESS, "MPI_Wait");
        break;
    }
    case 1:
        while (done < m) {
            int i, flag;
            CHECK(MPI_Testany(m, reqs, &i, &flag, MPI_STATUS_IGNORE) == MPI_SUCCESS,
                  "MPI_Testany");
            done += flag && i != MPI_UNDEFINED;
        }
        break;
    case 2:
        while (done < m) {
            int out;
            CHECK(MPI_Waitsome(m, reqs, &out, idx, MPI_STATUSES_IGNORE) == MPI_SUCCESS,
                  "MPI_Waitsome");
            CHECK(out >= 1, "MPI_Waitsome completed %d requests", out);
            done += out;
        }
        break;
    default:
        CHECK(MPI_Waitall(m, reqs, MPI_STATUSES_IGNORE) == MPI_SUCCESS, "MPI_Waitall");
    }
    for (int i = 0; i < m; i++)
        CHECK(reqs[i] == MPI_REQUEST_NULL, "request %d still set after completion", i);
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    mc_init("icoll", &rank, &size);
    int rounds = argc > 1 ? atoi(argv[1]) : 50;
    char version[MPI_MAX_LIBRARY_VERSION_STRING];
    int vlen;
    MPI_Get_library_version(version, &vlen);
    bool open_mpi = strstr(version, "Open MPI") != NULL;
    MPI_Comm half;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, rank, &half);
    MPI_Datatype vec;
    MPI_Type_vector(2, 1, 2, MPI_LONG_LONG, &vec);
    MPI_Type_create_resized(vec, 0, 4 * (MPI_Aint)sizeof(long long), &strided);
    MPI_Type_commit(&strided);
    MPI_Type_free(&vec);
    MPI_Op_create(compose, 0, &user);
    for (int round = 0; round < rounds; round++) {
        int m = 1 + (int)(rnd() % 4);
        struct ccase c[4];
        MPI_Request reqs[8];
        long long out[2][2], got[2][2] = {{-1, -1}, {-1, -1}};
        for (int i = 0; i < m; i++) {
            c[i] = (struct ccase){.k = (enum kind)(rnd() % K_N),
                                  .comm = rnd() % 3 ? MPI_COMM_WORLD : half};
            static const int counts[] = {0, 1, 3, 7, 100, 1000, 9000};
            c[i].count = counts[rnd() % 7];
            MPI_Comm_size(c[i].comm, &c[i].n);
            MPI_Comm_rank(c[i].comm, &c[i].r);
            c[i].root = (int)(rnd() % (unsigned)c[i].n);
            c[i].in_place = rnd() % 3 == 0;
            int strided_ok = rnd() % 3 == 0;
            unsigned o = rnd() % 3;
            c[i].op = o == 0 ? MPI_SUM : o == 1 ? MPI_MAX : user;
            /* Open MPI's MPI_Iscan and MPI_Iexscan refuse ops that are not
             * commutative (MPI_ERR_OP), which the standard allows. */
            if (open_mpi && (c[i].k == K_SCAN || c[i].k == K_EXSCAN))
                c[i].op = o == 2 ? MPI_SUM : c[i].op;
            /* Predefined ops apply to predefined types only (MPI-3.1 5.9.2),
             * and the user op reads plain long longs: reductions use
             * MPI_LONG_LONG. */
            bool red = c[i].k >= K_REDUCE && c[i].k <= K_RS;
            c[i].type = strided_ok && !red ? strided : MPI_LONG_LONG;
            c[i].ext = c[i].type == strided ? 4 : 1;
            setup(&c[i], round * 4 + i);
        }
        /* Point-to-point with the same tag on the same communicators, around
         * the collectives: to the next rank of the world and of the half. */
        MPI_Comm pc[2] = {MPI_COMM_WORLD, half};
        for (int j = 0; j < 2; j++) {
            int pn, pr;
            MPI_Comm_size(pc[j], &pn);
            MPI_Comm_rank(pc[j], &pr);
            MPI_Irecv(got[j], 2, MPI_LONG_LONG, (pr + pn - 1) % pn, 0, pc[j], &reqs[m + j]);
        }
        for (int i = 0; i < m; i++) {
            CHECK(run(&c[i], c[i].sbuf, c[i].rnb, &c[i].req) == MPI_SUCCESS, "MPI_%s failed",
                  names[c[i].k]);
            reqs[i] = c[i].req;
            if (i == 0) {
                for (int j = 0; j < 2; j++) {
                    int pn, pr;
                    MPI_Comm_size(pc[j], &pn);
                    MPI_Comm_rank(pc[j], &pr);
                    out[j][0] = round, out[j][1] = pr;
                    MPI_Isend(out[j], 2, MPI_LONG_LONG, (pr + 1) % pn, 0, pc[j],
                              &reqs[m + 2 + j]);
                }
            }
        }
        complete(reqs, m + 4, (unsigned)(rank + round));
        for (int j = 0; j < 2; j++) {
            int pn, pr;
            MPI_Comm_size(pc[j], &pn);
            MPI_Comm_rank(pc[j], &pr);
            CHECK(got[j][0] == round && got[j][1] == (pr + pn - 1) % pn,
                  "round %d: the point-to-point message holds %lld %lld", round, got[j][0],
                  got[j][1]);
        }
        for (int i = 0; i < m; i++) {
            CHECK(run(&c[i], c[i].in, c[i].rb, NULL) == MPI_SUCCESS, "MPI_%s's twin failed",
                  names[c[i].k]);
            compare(&c[i], round);
            free(c[i].sc), free(c[i].wt), free(c[i].sbuf), free(c[i].in), free(c[i].rnb),
                free(c[i].rb);
        }
    }
    MPI_Op_free(&user);
    MPI_Type_free(&strided);
    MPI_Comm_free(&half);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
