/*
 * mpi_neighbor.c - the neighbourhood collectives (MPI-3.1 7.6) on Cartesian,
 * graph and distributed-graph communicators, blocking and nonblocking.
 *
 * Each is one round of a libipc schedule (coll/nbc.c) on the communicator
 * itself: a receive from every in-neighbour into its block and a send of its
 * block to every out-neighbour, all posted at once. Blocks of a
 * non-contiguous datatype travel as packed copies (views) that the schedule
 * owns: sends are packed when the call is made, receives unpacked by a last
 * local step once the round is over, and every copy is freed when the
 * schedule is released. The blocking calls wait for the same schedule.
 *
 * Matching: one instance's messages all carry one tag, and messages between
 * two ranks never overtake each other, so when a rank is a neighbour more
 * than once, the k-th message A sends to B lands in the k-th receive B posts
 * from A. Receives are posted in block order. A graph's or distributed
 * graph's edges pair up in that order too (the k-th edge A -> B is A's k-th
 * destination B and B's k-th source A). A Cartesian block sent in +1
 * direction must land in the receiver's -1 block and the other way round
 * (MPI-4.0's erratum to MPI-3.1 7.6: block 2d+1 to block 2d), which only
 * order decides in a periodic dimension of size 1 or 2, where both
 * neighbours are the same rank: there each dimension's sends go +1 first.
 */
#include <stdlib.h>

#include "coll/coll.h"
#include "mpi_internal.h"

/* How one side's blocks lie in the user's buffer. */
enum layout {
    SAME,  /* every block is the whole buffer (allgather's send side) */
    EVERY, /* block i: count elements at i * count extents */
    V,     /* block i: counts[i] elements at displs[i] extents */
    W,     /* block i: counts[i] elements of types[i] at adispls[i] bytes */
};

struct side {
    enum layout layout;
    const void *buf;
    int count;
    const int *counts, *displs;
    const MPI_Aint *adispls;
    MPI_Datatype type;
    const MPI_Datatype *types;
};

/* A neighbourhood collective being built; it lives in the schedule's memory. */
struct nbhd {
    struct ipc__nbc *n;
    int rc; /* the first MPI error while building */
    struct ipc__mpi_nbrs nb;
    int nviews;
    struct ipc__mpi_view *views; /* packed copies: room for every block + 1 */
    void **unpack_to;            /* per view: the user's buffer, NULL for a send */
    void **rp;                   /* per in-neighbour: where its message goes */
    const void **sp;             /* per out-neighbour: what it is sent */
    size_t *rbytes, *sbytes;
};

static void fail(struct nbhd *c, int rc)
{
    if (c->rc == MPI_SUCCESS)
        c->rc = rc;
}

static void views_unpack(void *arg)
{
    struct nbhd *c = arg;
    for (int k = 0; k < c->nviews; k++)
        if (c->unpack_to[k])
            ipc__mpi_view_done(&c->views[k], c->unpack_to[k], c->views[k].bytes, true);
}

static void views_free(void *arg)
{
    struct nbhd *c = arg;
    for (int k = 0; k < c->nviews; k++)
        ipc__mpi_view_done(&c->views[k], NULL, 0, false);
}

/* count elements of type at buf as the schedule moves them (a packed copy
 * when the type is not contiguous): a send's bytes, or a receive's room. */
static void *view(struct nbhd *c, const void *buf, int count, MPI_Datatype type,
                  bool recv, size_t *bytes)
{
    *bytes = 0;
    if (c->rc != MPI_SUCCESS)
        return NULL;
    struct ipc__mpi_view *v = &c->views[c->nviews];
    struct ipc__mpi_type *t = ipc__mpi_type(type);
    int rc = recv ? ipc__mpi_view_out(v, (void *)buf, count, t, false)
                  : ipc__mpi_view_in(v, buf, count, t);
    if (rc != MPI_SUCCESS) {
        *v = (struct ipc__mpi_view){0};
        fail(c, rc);
        return NULL;
    }
    c->unpack_to[c->nviews++] = recv && v->tmp ? (void *)buf : NULL;
    *bytes = v->bytes;
    return v->p;
}

/* The extent of type, or MPI_ERR_TYPE kept in c (and 0). */
static long extent(struct nbhd *c, MPI_Datatype type)
{
    const struct ipc__mpi_type *t = ipc__mpi_type(type);
    if (!t) {
        fail(c, MPI_ERR_TYPE);
        return 0;
    }
    return t->extent;
}

/* Where block i of s lies: *count elements of *type at the pointer returned. */
static const char *block(struct nbhd *c, const struct side *s, int i, int *count,
                         MPI_Datatype *type)
{
    const char *buf = s->buf;
    *count = s->count;
    *type = s->type;
    switch (s->layout) {
    case SAME:
        return buf;
    case EVERY:
        return buf + (long)i * s->count * extent(c, s->type);
    case V:
        *count = s->counts[i];
        return buf + (long)s->displs[i] * extent(c, s->type);
    default:
        *count = s->counts[i];
        *type = s->types[i];
        return buf + s->adispls[i];
    }
}

/* The arrays a side of n blocks needs are there (MPI_ERR_ARG otherwise). */
static void check_side(struct nbhd *c, const struct side *s, int n)
{
    if (s->buf == MPI_IN_PLACE)
        fail(c, MPI_ERR_BUFFER);
    if (n > 0 && s->layout == V && (!s->counts || !s->displs))
        fail(c, MPI_ERR_ARG);
    if (n > 0 && s->layout == W && (!s->counts || !s->adispls || !s->types))
        fail(c, MPI_ERR_ARG);
}

/* Appends the round: every receive in block order, then the sends, each
 * Cartesian dimension's +1 neighbour before its -1 one (see the top). */
static void post(struct nbhd *c, MPI_Comm comm)
{
    const struct ipc__mpi_nbrs *nb = &c->nb;
    for (int i = 0; i < nb->indegree; i++)
        ipc__nbc_recv(c->n, comm, c->rp[i], c->rbytes[i], nb->sources[i]);
    for (int i = 0; i < nb->outdegree; i++) {
        int j = nb->cart ? i ^ 1 : i;
        ipc__nbc_send(c->n, comm, c->sp[j], c->sbytes[j], nb->destinations[j]);
    }
    ipc__nbc_round(c->n);
    ipc__nbc_call(c->n, views_unpack, c);
}

/* Builds the schedule of a neighbourhood collective on comm (valid). */
static int build(struct ipc__nbc *n, MPI_Comm comm, const struct side *snd,
                 const struct side *rcv)
{
    struct ipc__mpi_nbrs nb;
    int rc = ipc__mpi_topo_neighbors(comm, &nb);
    if (rc != MPI_SUCCESS)
        return rc;
    size_t nblocks = (size_t)nb.indegree + (size_t)nb.outdegree + 1;
    struct nbhd *c = ipc__nbc_alloc(n, sizeof *c);
    char *mem = ipc__nbc_alloc(
        n, nblocks * (sizeof *c->views + 2 * sizeof(void *) + sizeof(size_t)));
    if (!c || !mem) {
        free(nb.sources);
        return MPI_ERR_NO_MEM;
    }
    *c = (struct nbhd){.n = n, .nb = nb};
    c->views = (struct ipc__mpi_view *)mem;
    c->unpack_to = (void **)(c->views + nblocks);
    c->rp = c->unpack_to + nblocks;
    c->sp = (const void **)(c->rp + nb.indegree);
    c->rbytes = (size_t *)(c->sp + nb.outdegree + 1);
    c->sbytes = c->rbytes + nb.indegree;
    ipc__nbc_at_release(n, views_free, c);
    check_side(c, snd, nb.outdegree);
    check_side(c, rcv, nb.indegree);
    int count;
    MPI_Datatype type;
    for (int i = 0; i < nb.indegree && c->rc == MPI_SUCCESS; i++) {
        c->rp[i] = NULL, c->rbytes[i] = 0;
        const char *at = block(c, rcv, i, &count, &type);
        if (nb.sources[i] != MPI_PROC_NULL) /* its block stays untouched */
            c->rp[i] = view(c, at, count, type, true, &c->rbytes[i]);
    }
    const void *shared = NULL;
    size_t shared_bytes = 0;
    if (snd->layout == SAME && nb.outdegree > 0)
        shared = view(c, snd->buf, snd->count, snd->type, false, &shared_bytes);
    for (int i = 0; i < nb.outdegree && c->rc == MPI_SUCCESS; i++) {
        c->sp[i] = shared, c->sbytes[i] = shared_bytes;
        const char *at = block(c, snd, i, &count, &type);
        if (snd->layout != SAME && nb.destinations[i] != MPI_PROC_NULL)
            c->sp[i] = view(c, at, count, type, false, &c->sbytes[i]);
    }
    if (c->rc == MPI_SUCCESS)
        post(c, comm);
    free(nb.sources);
    c->nb.sources = c->nb.destinations = NULL;
    return c->rc;
}

/* The whole call: over when blocking, else *req is its request. */
static int neighbor(MPI_Comm comm, const struct side *snd, const struct side *rcv,
                    bool blocking, MPI_Request *req)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc != MPI_SUCCESS)
        return rc;
    if (!blocking && !req)
        return MPI_ERR_ARG;
    if (!comm->mpi || !comm->mpi->topo)
        return MPI_ERR_TOPOLOGY;
    struct ipc__nbc *n = ipc__nbc_new(comm);
    if (!n)
        return MPI_ERR_NO_MEM;
    rc = build(n, comm, snd, rcv);
    if (rc == MPI_SUCCESS && ipc__nbc_failed(n))
        rc = MPI_ERR_NO_MEM; /* the schedule's own memory ran out */
    if (rc != MPI_SUCCESS) {
        ipc__nbc_abandon(n);
        return rc;
    }
    ipc_request ir;
    rc = ipc__mpi_code(ipc__nbc_start_handle(n, &ir));
    if (rc != MPI_SUCCESS)
        return rc;
    if (blocking)
        return ipc__mpi_code(ipc_wait(&ir, NULL));
    return ipc__mpi_request_of(ir, req);
}

/* ---- the calls ---- */

static int allgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                     int rcount, MPI_Datatype rtype, MPI_Comm comm, bool blocking,
                     MPI_Request *req)
{
    struct side s = {.layout = SAME, .buf = sbuf, .count = scount, .type = stype};
    struct side r = {.layout = EVERY, .buf = rbuf, .count = rcount, .type = rtype};
    return neighbor(comm, &s, &r, blocking, req);
}

static int allgatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                      const int rcounts[], const int displs[], MPI_Datatype rtype,
                      MPI_Comm comm, bool blocking, MPI_Request *req)
{
    struct side s = {.layout = SAME, .buf = sbuf, .count = scount, .type = stype};
    struct side r = {
        .layout = V, .buf = rbuf, .counts = rcounts, .displs = displs, .type = rtype};
    return neighbor(comm, &s, &r, blocking, req);
}

static int alltoall(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                    int rcount, MPI_Datatype rtype, MPI_Comm comm, bool blocking,
                    MPI_Request *req)
{
    struct side s = {.layout = EVERY, .buf = sbuf, .count = scount, .type = stype};
    struct side r = {.layout = EVERY, .buf = rbuf, .count = rcount, .type = rtype};
    return neighbor(comm, &s, &r, blocking, req);
}

static int alltoallv(const void *sbuf, const int scounts[], const int sdispls[],
                     MPI_Datatype stype, void *rbuf, const int rcounts[],
                     const int rdispls[], MPI_Datatype rtype, MPI_Comm comm,
                     bool blocking, MPI_Request *req)
{
    struct side s = {
        .layout = V, .buf = sbuf, .counts = scounts, .displs = sdispls, .type = stype};
    struct side r = {
        .layout = V, .buf = rbuf, .counts = rcounts, .displs = rdispls, .type = rtype};
    return neighbor(comm, &s, &r, blocking, req);
}

static int alltoallw(const void *sbuf, const int scounts[], const MPI_Aint sdispls[],
                     const MPI_Datatype stypes[], void *rbuf, const int rcounts[],
                     const MPI_Aint rdispls[], const MPI_Datatype rtypes[], MPI_Comm comm,
                     bool blocking, MPI_Request *req)
{
    struct side s = {
        .layout = W, .buf = sbuf, .counts = scounts, .adispls = sdispls, .types = stypes};
    struct side r = {
        .layout = W, .buf = rbuf, .counts = rcounts, .adispls = rdispls, .types = rtypes};
    return neighbor(comm, &s, &r, blocking, req);
}

int MPI_Neighbor_allgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                           int rcount, MPI_Datatype rtype, MPI_Comm comm)
{
    IPC__MPI_RET(comm,
                 allgather(sbuf, scount, stype, rbuf, rcount, rtype, comm, true, NULL));
}

int MPI_Ineighbor_allgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                            int rcount, MPI_Datatype rtype, MPI_Comm comm,
                            MPI_Request *req)
{
    IPC__MPI_RET(comm,
                 allgather(sbuf, scount, stype, rbuf, rcount, rtype, comm, false, req));
}

int MPI_Neighbor_allgatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                            const int rcounts[], const int displs[], MPI_Datatype rtype,
                            MPI_Comm comm)
{
    IPC__MPI_RET(comm, allgatherv(sbuf, scount, stype, rbuf, rcounts, displs, rtype, comm,
                                  true, NULL));
}

int MPI_Ineighbor_allgatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                             const int rcounts[], const int displs[], MPI_Datatype rtype,
                             MPI_Comm comm, MPI_Request *req)
{
    IPC__MPI_RET(comm, allgatherv(sbuf, scount, stype, rbuf, rcounts, displs, rtype, comm,
                                  false, req));
}

int MPI_Neighbor_alltoall(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                          int rcount, MPI_Datatype rtype, MPI_Comm comm)
{
    IPC__MPI_RET(comm,
                 alltoall(sbuf, scount, stype, rbuf, rcount, rtype, comm, true, NULL));
}

int MPI_Ineighbor_alltoall(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                           int rcount, MPI_Datatype rtype, MPI_Comm comm,
                           MPI_Request *req)
{
    IPC__MPI_RET(comm,
                 alltoall(sbuf, scount, stype, rbuf, rcount, rtype, comm, false, req));
}

int MPI_Neighbor_alltoallv(const void *sbuf, const int scounts[], const int sdispls[],
                           MPI_Datatype stype, void *rbuf, const int rcounts[],
                           const int rdispls[], MPI_Datatype rtype, MPI_Comm comm)
{
    IPC__MPI_RET(comm, alltoallv(sbuf, scounts, sdispls, stype, rbuf, rcounts, rdispls,
                                 rtype, comm, true, NULL));
}

int MPI_Ineighbor_alltoallv(const void *sbuf, const int scounts[], const int sdispls[],
                            MPI_Datatype stype, void *rbuf, const int rcounts[],
                            const int rdispls[], MPI_Datatype rtype, MPI_Comm comm,
                            MPI_Request *req)
{
    IPC__MPI_RET(comm, alltoallv(sbuf, scounts, sdispls, stype, rbuf, rcounts, rdispls,
                                 rtype, comm, false, req));
}

int MPI_Neighbor_alltoallw(const void *sbuf, const int scounts[],
                           const MPI_Aint sdispls[], const MPI_Datatype stypes[],
                           void *rbuf, const int rcounts[], const MPI_Aint rdispls[],
                           const MPI_Datatype rtypes[], MPI_Comm comm)
{
    IPC__MPI_RET(comm, alltoallw(sbuf, scounts, sdispls, stypes, rbuf, rcounts, rdispls,
                                 rtypes, comm, true, NULL));
}

int MPI_Ineighbor_alltoallw(const void *sbuf, const int scounts[],
                            const MPI_Aint sdispls[], const MPI_Datatype stypes[],
                            void *rbuf, const int rcounts[], const MPI_Aint rdispls[],
                            const MPI_Datatype rtypes[], MPI_Comm comm, MPI_Request *req)
{
    IPC__MPI_RET(comm, alltoallw(sbuf, scounts, sdispls, stypes, rbuf, rcounts, rdispls,
                                 rtypes, comm, false, req));
}
