/* icoll_inter.c - the nonblocking collectives on an intercommunicator
 * between two groups of unequal size (world ranks 0..h-1 and h..size-1),
 * each against its blocking twin: the same inputs, the outputs compared
 * byte for byte (gaps of the receive buffers included). Every collective of
 * a batch is in flight at once, completed in one of four orders (waitall,
 * waits in reverse, waitany, testsome). Batches cover every root convention
 * (MPI_ROOT, MPI_PROC_NULL, a remote root; the root first or last of
 * either group) and three layouts: contiguous, a strided vector received,
 * a strided vector sent. Reductions use a user op that is not commutative
 * (composition of affine maps) besides MPI_SUM; the allreduce is also
 * checked against the value computed here. MPI_Iscan is MPI_ERR_COMM and
 * a root past the remote group MPI_ERR_ROOT.
 * MPITEST_RANKS: 2 3 4 5
 */
#include "mpicheck.h"

enum { N = 2048 }; /* ints in each buffer */

static int rank, size, h;
static int in_a, lrank, lsize, rsize;
static MPI_Comm inter;
static MPI_Datatype vec, ten, pair; /* 10 ints strided, 10 ints, 2 unsigned */
static MPI_Datatype stype, rtype;   /* the batch's send and receive types */
static MPI_Op affine;

/* The arguments of one collective. Count, displacement and type arrays
 * too must stay as they are until a nonblocking collective completes
 * (MPI-3.1 5.12): they live here, not on the stack. */
struct slot {
    int root; /* this rank's root argument */
    int sbuf[N], rbuf[N];
    int sc[64], sd[64], rc[64], rd[64];
    MPI_Datatype st[64], rt[64];
};

/* y = x then y, for maps v -> a v + b given as (a, b). */
static void affine_fn(void *in, void *inout, int *len, MPI_Datatype *dt)
{
    unsigned *x = in, *y = inout;
    (void)dt;
    for (int i = 0; i < *len; i++) {
        unsigned a = x[2 * i] * y[2 * i], b = y[2 * i] * x[2 * i + 1] + y[2 * i + 1];
        y[2 * i] = a;
        y[2 * i + 1] = b;
    }
}

static unsigned input(int world, int salt, int i)
{
    return (unsigned)(world * 7919 + salt * 131 + i * 31 + 1);
}

/* Block layouts shared by both sides: remote rank i's block count and where
 * it sits (blocks in reverse order, with gaps). */
static int vcount(int r)
{
    return r % 3 + 1;
}

static int vdispl(int i, int n)
{
    return (n - 1 - i) * 4;
}

#define CALL(req, blocking, nonblocking) ((req) ? (nonblocking) : (blocking))

static int do_barrier(struct slot *s, MPI_Request *req)
{
    (void)s;
    return CALL(req, MPI_Barrier(inter), MPI_Ibarrier(inter, req));
}

static int do_bcast(struct slot *s, MPI_Request *req)
{
    MPI_Datatype t = s->root == MPI_ROOT ? stype : rtype;
    if (s->root == MPI_ROOT)
        memcpy(s->rbuf, s->sbuf, sizeof s->rbuf);
    return CALL(req, MPI_Bcast(s->rbuf, 2, t, s->root, inter),
                MPI_Ibcast(s->rbuf, 2, t, s->root, inter, req));
}

static int do_gather(struct slot *s, MPI_Request *req)
{
    return CALL(req, MPI_Gather(s->sbuf, 2, stype, s->rbuf, 2, rtype, s->root, inter),
                MPI_Igather(s->sbuf, 2, stype, s->rbuf, 2, rtype, s->root, inter, req));
}

static int do_gatherv(struct slot *s, MPI_Request *req)
{
    int *counts = s->rc, *displs = s->rd;
    for (int i = 0; i < rsize; i++)
        counts[i] = vcount(i), displs[i] = vdispl(i, rsize);
    int sc = vcount(lrank);
    return CALL(
        req,
        MPI_Gatherv(s->sbuf, sc, stype, s->rbuf, counts, displs, rtype, s->root, inter),
        MPI_Igatherv(s->sbuf, sc, stype, s->rbuf, counts, displs, rtype, s->root, inter,
                     req));
}

static int do_scatter(struct slot *s, MPI_Request *req)
{
    return CALL(req, MPI_Scatter(s->sbuf, 2, stype, s->rbuf, 2, rtype, s->root, inter),
                MPI_Iscatter(s->sbuf, 2, stype, s->rbuf, 2, rtype, s->root, inter, req));
}

static int do_scatterv(struct slot *s, MPI_Request *req)
{
    int *counts = s->rc, *displs = s->rd;
    for (int i = 0; i < rsize; i++)
        counts[i] = vcount(i), displs[i] = vdispl(i, rsize);
    int n = vcount(lrank);
    return CALL(
        req,
        MPI_Scatterv(s->sbuf, counts, displs, stype, s->rbuf, n, rtype, s->root, inter),
        MPI_Iscatterv(s->sbuf, counts, displs, stype, s->rbuf, n, rtype, s->root, inter,
                      req));
}

static int do_allgather(struct slot *s, MPI_Request *req)
{
    return CALL(req, MPI_Allgather(s->sbuf, 1, stype, s->rbuf, 1, rtype, inter),
                MPI_Iallgather(s->sbuf, 1, stype, s->rbuf, 1, rtype, inter, req));
}

static int do_allgatherv(struct slot *s, MPI_Request *req)
{
    int *counts = s->rc, *displs = s->rd;
    for (int i = 0; i < rsize; i++)
        counts[i] = vcount(i), displs[i] = vdispl(i, rsize);
    int sc = vcount(lrank);
    return CALL(
        req, MPI_Allgatherv(s->sbuf, sc, stype, s->rbuf, counts, displs, rtype, inter),
        MPI_Iallgatherv(s->sbuf, sc, stype, s->rbuf, counts, displs, rtype, inter, req));
}

static int do_alltoall(struct slot *s, MPI_Request *req)
{
    return CALL(req, MPI_Alltoall(s->sbuf, 1, stype, s->rbuf, 1, rtype, inter),
                MPI_Ialltoall(s->sbuf, 1, stype, s->rbuf, 1, rtype, inter, req));
}

static int do_alltoallv(struct slot *s, MPI_Request *req)
{
    int *sc = s->sc, *sd = s->sd, *rc = s->rc, *rd = s->rd;
    for (int i = 0; i < rsize; i++) {
        sc[i] = vcount(lrank + i), sd[i] = 4 * i;
        rc[i] = vcount(i + lrank), rd[i] = vdispl(i, rsize);
    }
    return CALL(
        req, MPI_Alltoallv(s->sbuf, sc, sd, stype, s->rbuf, rc, rd, rtype, inter),
        MPI_Ialltoallv(s->sbuf, sc, sd, stype, s->rbuf, rc, rd, rtype, inter, req));
}

/* A type per block, alternating the strided and the contiguous; byte
 * displacements, the receive side's off by one int. */
static int do_alltoallw(struct slot *s, MPI_Request *req)
{
    int *sc = s->sc, *sd = s->sd, *rc = s->rc, *rd = s->rd;
    MPI_Datatype *st = s->st, *rt = s->rt;
    int room = 4 * 14 * (int)sizeof(int);
    for (int i = 0; i < rsize; i++) {
        sc[i] = 1 + (lrank + i) % 2, sd[i] = i * room, st[i] = i % 2 ? vec : ten;
        rc[i] = 1 + (i + lrank) % 2,
        rd[i] = vdispl(i, rsize) * room / 4 + (int)sizeof(int);
        rt[i] = (i + lrank) % 2 ? ten : vec;
    }
    return CALL(req, MPI_Alltoallw(s->sbuf, sc, sd, st, s->rbuf, rc, rd, rt, inter),
                MPI_Ialltoallw(s->sbuf, sc, sd, st, s->rbuf, rc, rd, rt, inter, req));
}

static int do_reduce(struct slot *s, MPI_Request *req)
{
    return CALL(req, MPI_Reduce(s->sbuf, s->rbuf, 3, pair, affine, s->root, inter),
                MPI_Ireduce(s->sbuf, s->rbuf, 3, pair, affine, s->root, inter, req));
}

static int do_reduce_sum(struct slot *s, MPI_Request *req)
{
    return CALL(req, MPI_Reduce(s->sbuf, s->rbuf, 5, MPI_INT, MPI_SUM, s->root, inter),
                MPI_Ireduce(s->sbuf, s->rbuf, 5, MPI_INT, MPI_SUM, s->root, inter, req));
}

static int do_allreduce(struct slot *s, MPI_Request *req)
{
    return CALL(req, MPI_Allreduce(s->sbuf, s->rbuf, 3, pair, affine, inter),
                MPI_Iallreduce(s->sbuf, s->rbuf, 3, pair, affine, inter, req));
}

static int do_allreduce_sum(struct slot *s, MPI_Request *req)
{
    return CALL(req, MPI_Allreduce(s->sbuf, s->rbuf, 5, MPI_INT, MPI_SUM, inter),
                MPI_Iallreduce(s->sbuf, s->rbuf, 5, MPI_INT, MPI_SUM, inter, req));
}

/* Each group's vectors: lsize * count pairs, equal in both groups. */
static int do_reduce_scatter_block(struct slot *s, MPI_Request *req)
{
    int count = rsize;
    return CALL(
        req, MPI_Reduce_scatter_block(s->sbuf, s->rbuf, count, pair, affine, inter),
        MPI_Ireduce_scatter_block(s->sbuf, s->rbuf, count, pair, affine, inter, req));
}

/* 7 pairs in all, spread over the local group. */
static int do_reduce_scatter(struct slot *s, MPI_Request *req)
{
    int *counts = s->rc;
    for (int i = 0; i < lsize; i++)
        counts[i] = 7 / lsize + (i < 7 % lsize);
    return CALL(req, MPI_Reduce_scatter(s->sbuf, s->rbuf, counts, pair, affine, inter),
                MPI_Ireduce_scatter(s->sbuf, s->rbuf, counts, pair, affine, inter, req));
}

static const struct {
    const char *name;
    int (*fn)(struct slot *s, MPI_Request *req); /* req NULL: the blocking twin */
} colls[] = {
    {"barrier", do_barrier},
    {"bcast", do_bcast},
    {"gather", do_gather},
    {"gatherv", do_gatherv},
    {"scatter", do_scatter},
    {"scatterv", do_scatterv},
    {"allgather", do_allgather},
    {"allgatherv", do_allgatherv},
    {"alltoall", do_alltoall},
    {"alltoallv", do_alltoallv},
    {"alltoallw", do_alltoallw},
    {"reduce", do_reduce},
    {"reduce (sum)", do_reduce_sum},
    {"allreduce", do_allreduce},
    {"allreduce (sum)", do_allreduce_sum},
    {"reduce_scatter_block", do_reduce_scatter_block},
    {"reduce_scatter", do_reduce_scatter},
};
enum { NCOLLS = sizeof colls / sizeof colls[0] };

static struct slot slots[NCOLLS];
static int expect[NCOLLS][N];

static void complete(MPI_Request *reqs, int n, int order)
{
    int done = 0, idx, out[NCOLLS];
    switch (order) {
    case 0:
        MPI_Waitall(n, reqs, MPI_STATUSES_IGNORE);
        break;
    case 1:
        for (int i = n - 1; i >= 0; i--)
            MPI_Wait(&reqs[i], MPI_STATUS_IGNORE);
        break;
    case 2:
        for (int i = 0; i < n; i++) {
            MPI_Waitany(n, reqs, &idx, MPI_STATUS_IGNORE);
            CHECK(idx != MPI_UNDEFINED, "MPI_Waitany found nothing to wait for");
        }
        break;
    default:
        while (done < n) {
            int got;
            MPI_Testsome(n, reqs, &got, out, MPI_STATUSES_IGNORE);
            CHECK(got != MPI_UNDEFINED, "MPI_Testsome found nothing to test");
            done += got;
        }
        break;
    }
    for (int i = 0; i < n; i++)
        CHECK(reqs[i] == MPI_REQUEST_NULL, "request %d not freed after completion", i);
}

/* One batch: rank root_r of group A (root_a) or B is the root; layout 0:
 * contiguous, 1: strided received, 2: strided sent. */
static void batch(int root_a, int root_r, int layout, int order)
{
    MPI_Request reqs[NCOLLS];
    stype = layout == 2 ? vec : ten;
    rtype = layout == 1 ? vec : ten;
    for (int c = 0; c < NCOLLS; c++) {
        struct slot *s = &slots[c];
        s->root = in_a == root_a ? (lrank == root_r ? MPI_ROOT : MPI_PROC_NULL) : root_r;
        for (int i = 0; i < N; i++)
            s->sbuf[i] = (int)input(rank, c + 17 * layout, i), s->rbuf[i] = -1 - i;
        CHECK_INT(colls[c].fn(s, NULL), MPI_SUCCESS, colls[c].name);
        for (int i = 0; i < N; i++)
            CHECK(s->sbuf[i] == (int)input(rank, c + 17 * layout, i),
                  "blocking %s changed its send buffer at %d", colls[c].name, i);
        memcpy(expect[c], s->rbuf, sizeof s->rbuf);
        for (int i = 0; i < N; i++)
            s->rbuf[i] = -1 - i;
    }
    for (int c = 0; c < NCOLLS; c++)
        CHECK_INT(colls[c].fn(&slots[c], &reqs[c]), MPI_SUCCESS, colls[c].name);
    complete(reqs, NCOLLS, order);
    for (int c = 0; c < NCOLLS; c++) {
        const struct slot *s = &slots[c];
        for (int i = 0; i < N; i++) {
            CHECK(s->rbuf[i] == expect[c][i],
                  "%s (root %d of group %s, layout %d, order %d): int %d is %d, the "
                  "blocking one gave %d",
                  colls[c].name, root_r, root_a ? "A" : "B", layout, order, i, s->rbuf[i],
                  expect[c][i]);
            CHECK(s->sbuf[i] == (int)input(rank, c + 17 * layout, i),
                  "%s changed its send buffer at %d: %d", colls[c].name, i, s->sbuf[i]);
        }
    }
}

/* The remote group's affine maps composed in its rank order. */
static void check_allreduce(void)
{
    struct slot *s = &slots[0];
    MPI_Request req;
    for (int i = 0; i < N; i++)
        s->sbuf[i] = (int)input(rank, 99, i), s->rbuf[i] = 0;
    CHECK_INT(MPI_Iallreduce(s->sbuf, s->rbuf, 3, pair, affine, inter, &req), MPI_SUCCESS,
              "MPI_Iallreduce");
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    for (int k = 0; k < 3; k++) {
        unsigned a = 1, b = 0;
        for (int r = 0; r < rsize; r++) {
            int world = in_a ? h + r : r;
            unsigned x = input(world, 99, 2 * k), y = input(world, 99, 2 * k + 1);
            b = x * b + y; /* v -> x (a v + b) + y */
            a = x * a;
        }
        CHECK((unsigned)s->rbuf[2 * k] == a && (unsigned)s->rbuf[2 * k + 1] == b,
              "MPI_Iallreduce with a user op: pair %d is (%u, %u), expected (%u, %u)", k,
              (unsigned)s->rbuf[2 * k], (unsigned)s->rbuf[2 * k + 1], a, b);
    }
}

/* Errors found at the post: no request is made. */
static void check_errors(void)
{
    MPI_Request req = MPI_REQUEST_NULL;
    int v = rank, out, cls;
    MPI_Comm_set_errhandler(inter, MPI_ERRORS_RETURN);
    MPI_Error_class(MPI_Iscan(&v, &out, 1, MPI_INT, MPI_SUM, inter, &req), &cls);
    CHECK_INT(cls, MPI_ERR_COMM, "MPI_Iscan on an intercommunicator");
    MPI_Error_class(MPI_Ibcast(&v, 1, MPI_INT, rsize, inter, &req), &cls);
    CHECK_INT(cls, MPI_ERR_ROOT, "MPI_Ibcast with a root past the remote group");
    CHECK(req == MPI_REQUEST_NULL, "a failed post made a request");
    MPI_Comm_set_errhandler(inter, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("icoll_inter", &rank, &size);
    if (size < 2) {
        mc_ok(rank, size);
        MPI_Finalize();
        return 0;
    }
    h = size == 2 ? 1 : (size - 1) / 2; /* A smaller than B from 3 ranks on */
    in_a = rank < h;
    MPI_Comm half;
    MPI_Comm_split(MPI_COMM_WORLD, in_a, rank, &half);
    MPI_Intercomm_create(half, 0, MPI_COMM_WORLD, in_a ? h : 0, 23, &inter);
    MPI_Comm_free(&half);
    MPI_Comm_rank(inter, &lrank);
    MPI_Comm_size(inter, &lsize);
    MPI_Comm_remote_size(inter, &rsize);
    CHECK(lsize + rsize == size, "groups of %d and %d in %d ranks", lsize, rsize, size);

    MPI_Type_vector(5, 2, 3, MPI_INT, &vec);
    MPI_Type_contiguous(10, MPI_INT, &ten);
    MPI_Type_contiguous(2, MPI_UNSIGNED, &pair);
    MPI_Type_commit(&vec);
    MPI_Type_commit(&ten);
    MPI_Type_commit(&pair);
    MPI_Op_create(affine_fn, 0, &affine);

    int order = 0;
    for (int root_a = 1; root_a >= 0; root_a--) {
        int last = (root_a ? h : size - h) - 1;
        for (int root_r = 0; root_r <= last; root_r += last ? last : 1)
            for (int layout = 0; layout < 3; layout++)
                batch(root_a, root_r, layout, order++ % 4);
    }
    check_allreduce();
    check_errors();

    MPI_Op_free(&affine);
    MPI_Type_free(&vec);
    MPI_Type_free(&ten);
    MPI_Type_free(&pair);
    MPI_Comm_free(&inter);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
