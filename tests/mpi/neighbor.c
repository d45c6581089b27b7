/* neighbor.c - neighbourhood collectives (MPI-3.1 7.6, with MPI-4.0's
 * erratum on Cartesian blocks): MPI_Neighbor_allgather, _allgatherv,
 * _alltoall, _alltoallv, _alltoallw and their MPI_Ineighbor_ forms, on
 * periodic and non-periodic Cartesian grids (dimensions of size 1 and 2
 * among them, where both neighbours are the same rank), a graph, and
 * distributed graphs with multi-edges, self-loops, uneven degrees and a rank
 * of in-degree zero. Contiguous and strided vector datatypes on either side;
 * v and w forms with uneven counts and gaps. Every value received encodes its
 * sender, receiver, block and position and is checked exactly, and
 * everything outside the blocks (gaps, blocks of MPI_PROC_NULL) must stay
 * untouched. A block sent to the i-th destination lands in the block of the
 * receiver's matching source: the k-th edge A -> B is A's k-th destination B
 * and B's k-th source A; on a Cartesian grid block 2d+1 (sent in +1
 * direction) lands in block 2d of the receiver and block 2d in 2d+1.
 * Several nonblocking ones are in flight at once. Without a topology the
 * calls fail (ipc: MPI_ERR_TOPOLOGY).
 *
 * Open MPI 4.1 agrees on all of it but its nonblocking forms on a Cartesian
 * grid with a periodic dimension of size 1 or 2, where its libnbc pairs the
 * blocks the other way (open-mpi/ompi#14416).
 * MPITEST_RANKS: 1 2 3 4 5 */
#include "mpicheck.h"

#define MAXD 16    /* most neighbours of a rank here */
#define NINTS 4096 /* ints of every buffer */
#define UNTOUCHED (-7)

static int rank, size;

struct topo {
    const char *name;
    MPI_Comm g;
    int cart;
    int in, out;
    int src[MAXD], dst[MAXD];
    int *alldst; /* every rank's destinations, MAXD apart */
};

static void topo_query(struct topo *t)
{
    int status = MPI_UNDEFINED;
    MPI_Topo_test(t->g, &status);
    t->cart = status == MPI_CART;
    if (status == MPI_CART) {
        int nd = 0;
        MPI_Cartdim_get(t->g, &nd);
        CHECK(2 * nd <= MAXD, "%s: %d dimensions", t->name, nd);
        for (int d = 0; d < nd; d++) {
            MPI_Cart_shift(t->g, d, 1, &t->src[2 * d], &t->src[2 * d + 1]);
            t->dst[2 * d] = t->src[2 * d];
            t->dst[2 * d + 1] = t->src[2 * d + 1];
        }
        t->in = t->out = 2 * nd;
    } else if (status == MPI_GRAPH) {
        MPI_Graph_neighbors_count(t->g, rank, &t->in);
        CHECK(t->in <= MAXD, "%s: %d neighbours", t->name, t->in);
        MPI_Graph_neighbors(t->g, rank, MAXD, t->src);
        t->out = t->in;
        memcpy(t->dst, t->src, sizeof t->src);
    } else {
        CHECK_INT(status, MPI_DIST_GRAPH, "MPI_Topo_test");
        int weighted, sw[MAXD], dw[MAXD]; /* the weights are left alone */
        MPI_Dist_graph_neighbors_count(t->g, &t->in, &t->out, &weighted);
        CHECK(t->in <= MAXD && t->out <= MAXD, "%s: degrees %d %d", t->name, t->in,
              t->out);
        MPI_Dist_graph_neighbors(t->g, MAXD, t->src, sw, MAXD, t->dst, dw);
    }
    int dst[MAXD];
    for (int j = 0; j < MAXD; j++)
        dst[j] = j < t->out ? t->dst[j] : -2;
    t->alldst = malloc((size_t)size * MAXD * sizeof(int));
    MPI_Allgather(dst, MAXD, MPI_INT, t->alldst, MAXD, MPI_INT, t->g);
}

/* Who sends receive block i, and which of its blocks it is; 0 for
 * MPI_PROC_NULL. */
static int sender_of(const struct topo *t, int i, int *s, int *j)
{
    *s = t->src[i];
    if (*s == MPI_PROC_NULL)
        return 0;
    if (t->cart) {
        *j = i ^ 1;
        return 1;
    }
    int k = 0;
    for (int x = 0; x < i; x++)
        k += t->src[x] == *s;
    for (*j = 0; *j < MAXD; (*j)++)
        if (t->alldst[*s * MAXD + *j] == rank && k-- == 0)
            return 1;
    mc_fail(__FILE__, __LINE__, "%s: no edge %d -> %d for block %d", t->name, *s, rank,
            i);
}

enum op { ALLGATHER, ALLGATHERV, ALLTOALL, ALLTOALLV, ALLTOALLW, NOPS };
static const char *const op_names[] = {"allgather", "allgatherv", "alltoall", "alltoallv",
                                       "alltoallw"};

static MPI_Datatype vec; /* 2 ints, one apart: extent 3 ints, data at 0 and 2 */

/* Ints a block carries: the edge s -> r as s's block j. */
static int edge_ints(enum op op, int s, int r, int j)
{
    switch (op) {
    case ALLGATHER:
    case ALLTOALL:
        return 4;
    case ALLGATHERV:
        return 2 * (1 + s % 3);
    default:
        return 2 * (1 + (s + 2 * r + j) % 3);
    }
}

/* Value k of what s sends as its block j to r. */
static int value(enum op op, int s, int r, int j, int k)
{
    if (op == ALLGATHER || op == ALLGATHERV)
        return s * 1000 + k + 1;
    return (((s * 16 + r) * 32 + j) * 16 + k) + 1;
}

/* The int index of data int k of a block at base ints with elements of type
 * vec (strided) or MPI_INT. */
static int at(int base, int strided, int k)
{
    return strided ? base + 3 * (k / 2) + 2 * (k % 2) : base + k;
}

/* One side of a call: blocks as the call takes them, and where their data
 * ints lie. */
struct side {
    int n;
    int strided[MAXD]; /* per block (one for all but in w forms) */
    int ints[MAXD];    /* data ints */
    int count[MAXD];   /* in elements of the block's type */
    int disp[MAXD];    /* in extents (v) */
    MPI_Aint bdisp[MAXD];
    MPI_Datatype type[MAXD];
    int base[MAXD]; /* in ints */
    int *buf;
};

/* Lays out a side of n blocks of ints[] for op: uniform types (strided or
 * not) but in w, where they alternate with the block's parity + strided. */
static void layout(struct side *sd, enum op op, int n, int strided, int sending)
{
    sd->n = n;
    /* Without blocks, a valid type and a count that is not 0 (Open MPI 4.1
     * skips the sends of a neighbor_allgather whose recvcount is 0) */
    sd->type[0] = strided ? vec : MPI_INT;
    sd->count[0] = strided ? 2 : 4;
    int pos = 1;                       /* a gap before the first block */
    for (int i = n - 1; i >= 0; i--) { /* v, w: blocks in reverse order */
        int st = op == ALLTOALLW ? (i + strided) % 2 : strided;
        int ext = st ? 3 : 1;
        sd->strided[i] = st;
        sd->type[i] = st ? vec : MPI_INT;
        sd->count[i] = st ? sd->ints[i] / 2 : sd->ints[i];
        if (op == ALLGATHER || op == ALLTOALL || (op == ALLGATHERV && sending)) {
            sd->base[i] = (sending && op != ALLTOALL ? 0 : i) * sd->count[i] * ext;
        } else if (op == ALLTOALLW) {
            sd->base[i] = pos;
            sd->bdisp[i] = (MPI_Aint)pos * (MPI_Aint)sizeof(int);
            pos += sd->count[i] * ext + 2;
        } else {
            pos = (pos + ext - 1) / ext; /* in extents */
            sd->disp[i] = pos;
            sd->base[i] = pos * ext;
            pos = (pos + sd->count[i] + 1) * ext;
        }
        CHECK(sd->base[i] + 3 * sd->ints[i] < NINTS, "buffer too small");
    }
}

struct call {
    const struct topo *t;
    enum op op;
    int mode; /* 0: int -> int, 1: vec -> vec, 2: vec -> int */
    struct side s, r;
    MPI_Request req;
};

static void call_prepare(struct call *c)
{
    const struct topo *t = c->t;
    enum op op = c->op;
    int gather = op == ALLGATHER || op == ALLGATHERV, nsend = gather ? 1 : t->out;
    int dummy = op == ALLGATHER || op == ALLTOALL ? 4 : 2; /* for MPI_PROC_NULL */
    for (int j = 0; j < nsend; j++) /* a gather's one block goes to every neighbour */
        c->s.ints[j] = t->dst[j] == MPI_PROC_NULL && !gather
                           ? dummy
                           : edge_ints(op, rank, t->dst[j], j);
    for (int i = 0; i < t->in; i++) {
        int s, j;
        c->r.ints[i] = sender_of(t, i, &s, &j) ? edge_ints(op, s, rank, j) : dummy;
    }
    layout(&c->s, op, nsend, c->mode != 0, 1);
    layout(&c->r, op, t->in, c->mode == 1, 0);
    c->s.buf = malloc(NINTS * sizeof(int));
    c->r.buf = malloc(NINTS * sizeof(int));
    for (int k = 0; k < NINTS; k++)
        c->s.buf[k] = c->r.buf[k] = UNTOUCHED;
    for (int j = 0; j < nsend; j++)
        for (int k = 0; k < c->s.ints[j]; k++)
            c->s.buf[at(c->s.base[j], c->s.strided[j], k)] =
                value(op, rank, t->dst[j], j, k);
}

static void call_start(struct call *c, int blocking)
{
    MPI_Comm g = c->t->g;
    struct side *s = &c->s, *r = &c->r;
    int rc = MPI_ERR_OTHER;
    MPI_Request *q = &c->req;
    switch (c->op) {
    case ALLGATHER:
        rc = blocking ? MPI_Neighbor_allgather(s->buf, s->count[0], s->type[0], r->buf,
                                               r->count[0], r->type[0], g)
                      : MPI_Ineighbor_allgather(s->buf, s->count[0], s->type[0], r->buf,
                                                r->count[0], r->type[0], g, q);
        break;
    case ALLGATHERV:
        rc = blocking ? MPI_Neighbor_allgatherv(s->buf, s->count[0], s->type[0], r->buf,
                                                r->count, r->disp, r->type[0], g)
                      : MPI_Ineighbor_allgatherv(s->buf, s->count[0], s->type[0], r->buf,
                                                 r->count, r->disp, r->type[0], g, q);
        break;
    case ALLTOALL:
        rc = blocking ? MPI_Neighbor_alltoall(s->buf, s->count[0], s->type[0], r->buf,
                                              r->count[0], r->type[0], g)
                      : MPI_Ineighbor_alltoall(s->buf, s->count[0], s->type[0], r->buf,
                                               r->count[0], r->type[0], g, q);
        break;
    case ALLTOALLV:
        rc = blocking
                 ? MPI_Neighbor_alltoallv(s->buf, s->count, s->disp, s->type[0], r->buf,
                                          r->count, r->disp, r->type[0], g)
                 : MPI_Ineighbor_alltoallv(s->buf, s->count, s->disp, s->type[0], r->buf,
                                           r->count, r->disp, r->type[0], g, q);
        break;
    default:
        rc = blocking
                 ? MPI_Neighbor_alltoallw(s->buf, s->count, s->bdisp, s->type, r->buf,
                                          r->count, r->bdisp, r->type, g)
                 : MPI_Ineighbor_alltoallw(s->buf, s->count, s->bdisp, s->type, r->buf,
                                           r->count, r->bdisp, r->type, g, q);
        break;
    }
    CHECK_INT(rc, MPI_SUCCESS, "the call's return");
    if (blocking)
        c->req = MPI_REQUEST_NULL;
}

static void call_check(struct call *c, int blocking)
{
    const struct topo *t = c->t;
    int *want = malloc(NINTS * sizeof(int));
    for (int k = 0; k < NINTS; k++)
        want[k] = UNTOUCHED;
    for (int i = 0; i < t->in; i++) {
        int s, j;
        if (!sender_of(t, i, &s, &j))
            continue;
        for (int k = 0; k < c->r.ints[i]; k++)
            want[at(c->r.base[i], c->r.strided[i], k)] = value(c->op, s, rank, j, k);
    }
    for (int k = 0; k < NINTS; k++)
        CHECK(c->r.buf[k] == want[k],
              "%s: %s%s mode %d: int %d is %d, expected %d (%d sources: %d %d %d %d)",
              t->name, blocking ? "" : "i", op_names[c->op], c->mode, k, c->r.buf[k],
              want[k], t->in, t->src[0], t->src[1], t->src[2], t->src[3]);
    free(want);
    free(c->s.buf);
    free(c->r.buf);
}

/* Every op and mode on t: blocking one by one, then nonblocking all at once. */
static void run_all(const struct topo *t)
{
    enum { NMODES = 3 };
    struct call calls[NOPS * NMODES];
    int n = 0;
    for (int op = 0; op < NOPS; op++)
        for (int mode = 0; mode < NMODES; mode++) {
            if (op == ALLTOALLW && mode == 2)
                continue;
            calls[n++] = (struct call){.t = t, .op = op, .mode = mode};
        }
    for (int i = 0; i < n; i++) {
        call_prepare(&calls[i]);
        call_start(&calls[i], 1);
        call_check(&calls[i], 1);
    }
    for (int i = 0; i < n; i++) {
        call_prepare(&calls[i]);
        call_start(&calls[i], 0);
    }
    for (int i = n - 1; i >= 0; i--) {
        MPI_Wait(&calls[i].req, MPI_STATUS_IGNORE);
        call_check(&calls[i], 0);
    }
}

static void topo_done(struct topo *t)
{
    free(t->alldst);
    MPI_Comm_free(&t->g);
}

static void cart(const char *name, int ndims, int dims[], const int periods[])
{
    struct topo t = {.name = name};
    MPI_Dims_create(size, ndims, dims);
    MPI_Cart_create(MPI_COMM_WORLD, ndims, dims, periods, 0, &t.g);
    topo_query(&t);
    run_all(&t);
    topo_done(&t);
}

/* The edges of the distributed graphs, in order: r -> r+1 but to 0 (rank
 * 0 has in-degree 0), even r -> r+2 twice, a self-loop at 1, n-1 -> 1. */
static int dist_edges(int src[], int dst[])
{
    int e = 0;
    for (int r = 0; r < size; r++) {
        if ((r + 1) % size != 0) {
            src[e] = r, dst[e++] = r + 1;
        }
        if (r % 2 == 0 && r + 2 < size) {
            src[e] = r, dst[e++] = r + 2;
            src[e] = r, dst[e++] = r + 2;
        }
        if (r == 1) {
            src[e] = 1, dst[e++] = 1;
        }
        if (r == size - 1 && size > 2) {
            src[e] = r, dst[e++] = 1;
        }
    }
    return e;
}

static void dist_graphs(void)
{
    int esrc[8 * MAXD], edst[8 * MAXD], ne = dist_edges(esrc, edst);
    int in = 0, out = 0, sources[MAXD], dests[MAXD];
    for (int e = 0; e < ne; e++) {
        if (edst[e] == rank)
            sources[in++] = esrc[e];
        if (esrc[e] == rank)
            dests[out++] = edst[e];
    }
    struct topo t = {.name = "dist graph (adjacent)"};
    MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, in, sources, MPI_UNWEIGHTED, out,
                                   dests, MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &t.g);
    topo_query(&t);
    if (rank == 0)
        CHECK_INT(t.in, 0, "rank 0's in-degree");
    run_all(&t);
    topo_done(&t);

    /* The general form, every edge given by the last rank, one per source. */
    int n = 0, srcs[MAXD], degrees[MAXD], targets[8 * MAXD];
    if (rank == size - 1)
        for (int e = 0; e < ne; e++) {
            if (n == 0 || srcs[n - 1] != esrc[e]) {
                srcs[n] = esrc[e];
                degrees[n++] = 0;
            }
            degrees[n - 1]++;
            targets[e] = edst[e];
        }
    t = (struct topo){.name = "dist graph (general)"};
    MPI_Dist_graph_create(MPI_COMM_WORLD, n, srcs, degrees, targets, MPI_UNWEIGHTED,
                          MPI_INFO_NULL, 0, &t.g);
    topo_query(&t);
    run_all(&t);
    topo_done(&t);
}

/* A ring as a graph: r's neighbours r - 1 and r + 1 (the same rank twice on
 * two ranks, itself twice on one). */
static void graph(void)
{
    int index[MAXD * 4], edges[MAXD * 8];
    for (int r = 0; r < size; r++) {
        index[r] = 2 * (r + 1);
        edges[2 * r] = (r + size - 1) % size;
        edges[2 * r + 1] = (r + 1) % size;
    }
    struct topo t = {.name = "graph ring"};
    MPI_Graph_create(MPI_COMM_WORLD, size, index, edges, 0, &t.g);
    topo_query(&t);
    run_all(&t);
    topo_done(&t);
}

static void no_topology(void)
{
    int sbuf[2] = {0}, rbuf[2] = {0}, counts[1] = {1}, displs[1] = {0}, cls = -1;
    MPI_Aint bd[1] = {0};
    MPI_Datatype types[1] = {MPI_INT};
    MPI_Request req = MPI_REQUEST_NULL;
    MPI_Comm c;
    MPI_Comm_dup(MPI_COMM_WORLD, &c);
    MPI_Comm_set_errhandler(c, MPI_ERRORS_RETURN);
    /* Open MPI 4.1 raises these errors on MPI_COMM_WORLD */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int rcs[10] = {
        MPI_Neighbor_allgather(sbuf, 1, MPI_INT, rbuf, 1, MPI_INT, c),
        MPI_Neighbor_allgatherv(sbuf, 1, MPI_INT, rbuf, counts, displs, MPI_INT, c),
        MPI_Neighbor_alltoall(sbuf, 1, MPI_INT, rbuf, 1, MPI_INT, c),
        MPI_Neighbor_alltoallv(sbuf, counts, displs, MPI_INT, rbuf, counts, displs,
                               MPI_INT, c),
        MPI_Neighbor_alltoallw(sbuf, counts, bd, types, rbuf, counts, bd, types, c),
        MPI_Ineighbor_allgather(sbuf, 1, MPI_INT, rbuf, 1, MPI_INT, c, &req),
        MPI_Ineighbor_allgatherv(sbuf, 1, MPI_INT, rbuf, counts, displs, MPI_INT, c,
                                 &req),
        MPI_Ineighbor_alltoall(sbuf, 1, MPI_INT, rbuf, 1, MPI_INT, c, &req),
        MPI_Ineighbor_alltoallv(sbuf, counts, displs, MPI_INT, rbuf, counts, displs,
                                MPI_INT, c, &req),
        MPI_Ineighbor_alltoallw(sbuf, counts, bd, types, rbuf, counts, bd, types, c,
                                &req),
    };
    /* MPI-3.1 names no class for this; ipc's is MPI_ERR_TOPOLOGY, Open MPI
     * 4.1's varies with the call */
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    int len = 0, ipc;
    MPI_Get_library_version(lib, &len);
    ipc = strncmp(lib, "ipc ", 4) == 0;
    for (int i = 0; i < 10; i++) {
        CHECK(rcs[i] != MPI_SUCCESS, "call %d without a topology succeeded", i);
        MPI_Error_class(rcs[i], &cls);
        if (ipc)
            CHECK_INT(cls, MPI_ERR_TOPOLOGY, "error class without a topology");
    }
    CHECK(req == MPI_REQUEST_NULL, "a request from a failed call");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_free(&c);
}

/* Wrong arguments on a grid fail at every rank alike, leaving no request and
 * no packed copies behind: a datatype not committed among the send blocks
 * (after the receive blocks were set up), a negative count. */
static void wrong_arguments(void)
{
    MPI_Comm g;
    int dims[1] = {size}, periods[1] = {1}, ipc, len = 0;
    char lib[MPI_MAX_LIBRARY_VERSION_STRING];
    MPI_Get_library_version(lib, &len);
    ipc = strncmp(lib, "ipc ", 4) == 0;
    MPI_Cart_create(MPI_COMM_WORLD, 1, dims, periods, 0, &g);
    MPI_Comm_set_errhandler(g, MPI_ERRORS_RETURN);
    MPI_Datatype raw;
    MPI_Type_vector(2, 1, 2, MPI_INT, &raw);
    int sbuf[64], rbuf[64], counts[2] = {1, 1}, cls;
    MPI_Aint displs[2] = {0, 64};
    MPI_Datatype stypes[2] = {vec, raw}, rtypes[2] = {vec, vec};
    MPI_Request req = MPI_REQUEST_NULL;
    for (int i = 0; i < 64; i++)
        sbuf[i] = rbuf[i] = UNTOUCHED;
    int rc = MPI_Ineighbor_alltoallw(sbuf, counts, displs, stypes, rbuf, counts, displs,
                                     rtypes, g, &req);
    CHECK(rc != MPI_SUCCESS, "an uncommitted datatype was taken");
    MPI_Error_class(rc, &cls);
    if (ipc)
        CHECK_INT(cls, MPI_ERR_TYPE, "error class of an uncommitted datatype");
    CHECK(req == MPI_REQUEST_NULL, "a request from a failed call");
    rc = MPI_Neighbor_alltoall(sbuf, -1, MPI_INT, rbuf, 1, MPI_INT, g);
    CHECK(rc != MPI_SUCCESS, "a negative count was taken");
    MPI_Error_class(rc, &cls);
    if (ipc)
        CHECK_INT(cls, MPI_ERR_COUNT, "error class of a negative count");
    for (int i = 0; i < 64; i++)
        CHECK_INT(rbuf[i], UNTOUCHED, "the receive buffer of a failed call");
    MPI_Type_free(&raw);
    MPI_Comm_free(&g);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("neighbor", &rank, &size);
    CHECK(size <= 8, "at most 8 ranks, not %d", size);
    MPI_Type_vector(2, 1, 2, MPI_INT, &vec);
    MPI_Type_commit(&vec);

    int dims[3] = {0, 0, 0};
    cart("2-D periodic grid", 2, dims, (int[]){1, 1});
    dims[0] = dims[1] = 0;
    cart("2-D grid", 2, dims, (int[]){0, 0});
    dims[0] = 0, dims[1] = 1;
    cart("periodic ring x 1", 2, dims, (int[]){1, 1});
    int d3[3] = {1, 1, 0};
    cart("1 x 1 x n grid, periodic 1st and 3rd", 3, d3, (int[]){1, 0, 1});
    int d2[2] = {size % 2 ? 1 : 2, 0};
    cart("2 x n/2 grid, periodic", 2, d2, (int[]){1, 1});
    dist_graphs();
    graph();
    no_topology();
    wrong_arguments();

    MPI_Type_free(&vec);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
