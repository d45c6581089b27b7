/*
 * mpi_topo.c - process topologies (MPI-3.1 chapter 7): Cartesian grids,
 * graphs and distributed graphs, kept in the MPI state of the communicator
 * they describe (struct ipc__mpi_comm's topo). reorder is accepted and
 * ignored: a new communicator is an ipc_comm_split of the old one keyed by
 * the old rank, so every process keeps its rank (or its order, for
 * MPI_Cart_sub), which MPI-3.1 allows.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

/* One allocation: the arrays point into data[]. */
struct ipc__mpi_topo {
    int kind; /* MPI_CART, MPI_GRAPH or MPI_DIST_GRAPH */
    /* MPI_CART: the extent and periodicity (0 or 1) of each dimension. */
    int ndims;
    int *dims, *periods;
    /* MPI_GRAPH, as MPI_Graph_create takes it: index[i] is the number of
     * edges of nodes 0..i, edges their neighbours. */
    int nnodes, nedges;
    int *index, *edges;
    /* MPI_DIST_GRAPH: this process's neighbours; the weights are 0 when the
     * graph is unweighted. */
    int indegree, outdegree;
    bool weighted;
    int *sources, *sourceweights, *destinations, *destweights;
    int data[];
};

static size_t topo_nints(const struct ipc__mpi_topo *t)
{
    switch (t->kind) {
    case MPI_CART:
        return 2 * (size_t)t->ndims;
    case MPI_GRAPH:
        return (size_t)t->nnodes + (size_t)t->nedges;
    default:
        return 2 * ((size_t)t->indegree + (size_t)t->outdegree);
    }
}

/* Points t's arrays into its data, from its kind and counts. */
static struct ipc__mpi_topo *topo_layout(struct ipc__mpi_topo *t)
{
    int *p = t->data;
    t->dims = t->periods = t->index = t->edges = NULL;
    t->sources = t->sourceweights = t->destinations = t->destweights = NULL;
    switch (t->kind) {
    case MPI_CART:
        t->dims = p;
        t->periods = p + t->ndims;
        break;
    case MPI_GRAPH:
        t->index = p;
        t->edges = p + t->nnodes;
        break;
    default:
        t->sources = p;
        t->sourceweights = p + t->indegree;
        t->destinations = p + 2 * t->indegree;
        t->destweights = p + 2 * t->indegree + t->outdegree;
    }
    return t;
}

/* A zeroed topology of kind whose arrays hold n1 and n2 entries: MPI_CART
 * ndims (n2 unused), MPI_GRAPH nnodes and nedges, MPI_DIST_GRAPH indegree and
 * outdegree. NULL when out of memory. */
static struct ipc__mpi_topo *topo_new(int kind, int n1, int n2)
{
    struct ipc__mpi_topo shape = {.kind = kind};
    if (kind == MPI_CART) {
        shape.ndims = n1;
    } else if (kind == MPI_GRAPH) {
        shape.nnodes = n1;
        shape.nedges = n2;
    } else {
        shape.indegree = n1;
        shape.outdegree = n2;
    }
    struct ipc__mpi_topo *t =
        calloc(1, sizeof *t + topo_nints(&shape) * sizeof t->data[0]);
    if (!t)
        return NULL;
    *t = shape;
    return topo_layout(t);
}

struct ipc__mpi_topo *ipc__mpi_topo_dup(const struct ipc__mpi_topo *t)
{
    size_t bytes = sizeof *t + topo_nints(t) * sizeof t->data[0];
    struct ipc__mpi_topo *copy = malloc(bytes);
    if (!copy)
        return NULL;
    memcpy(copy, t, bytes);
    return topo_layout(copy);
}

void ipc__mpi_topo_free(struct ipc__mpi_topo *t)
{
    free(t);
}

/* n ints; src may be NULL when n is 0 (an empty array of the caller). */
static void copy_ints(int dst[], const int src[], int n)
{
    if (n > 0)
        memcpy(dst, src, (size_t)n * sizeof *dst);
}

/* comm's topology, which must be of kind: MPI_ERR_COMM for an invalid comm,
 * MPI_ERR_TOPOLOGY when it has no topology or one of another kind. */
static int topo_get(MPI_Comm comm, int kind, const struct ipc__mpi_topo **t)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc != MPI_SUCCESS)
        return rc;
    *t = comm->mpi ? comm->mpi->topo : NULL;
    return *t && (*t)->kind == kind ? MPI_SUCCESS : MPI_ERR_TOPOLOGY;
}

/* Collective over comm, as ipc_comm_split with the caller's rank as key:
 * the processes of one color get a communicator of their own that carries
 * topology t; color MPI_UNDEFINED gets MPI_COMM_NULL. Takes t, which is NULL
 * when the caller ran out of memory (MPI_ERR_NO_MEM, after the split that
 * the others wait for). */
static int topo_comm(MPI_Comm comm, int color, struct ipc__mpi_topo *t, MPI_Comm *newcomm)
{
    MPI_Comm c = MPI_COMM_NULL;
    int rc = ipc__mpi_code(ipc_comm_split(comm, color, comm->rank, &c));
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_comm_made(comm, c, false);
    if (rc == MPI_SUCCESS && c != MPI_COMM_NULL) {
        struct ipc__mpi_comm *st = t ? ipc__mpi_comm_state(c) : NULL;
        if (st) {
            st->topo = t;
            t = NULL;
        } else {
            rc = MPI_ERR_NO_MEM;
        }
    }
    if (rc != MPI_SUCCESS && c != MPI_COMM_NULL) {
        ipc__mpi_comm_release(c);
        ipc_comm_free(&c);
    }
    ipc__mpi_topo_free(t);
    *newcomm = c;
    return rc;
}

/* ---- MPI_Dims_create ---- */

/* A search for the most balanced split of `nodes` among `nfree` dimensions:
 * non-increasing, the largest minus the smallest as small as possible. */
struct dims_search {
    int nfree;
    const int *divisors; /* of the number split, ascending */
    int ndivisors;
    int *cur, *best;
    long spread; /* best's, LONG_MAX until one is found */
};

/* f to the power n is below limit. */
static bool pow_below(int f, int n, int limit)
{
    long long p = 1;
    for (int i = 0; i < n && p < limit; i++)
        p *= f;
    return p < limit;
}

/* Tries every non-increasing cur[i..nfree) of product rest, each <= maxf. */
static void dims_try(struct dims_search *s, int i, int rest, int maxf)
{
    if (i == s->nfree - 1) {
        s->cur[i] = rest;
        if (rest <= maxf && s->cur[0] - rest < s->spread) {
            s->spread = s->cur[0] - rest;
            memcpy(s->best, s->cur, (size_t)s->nfree * sizeof *s->cur);
        }
        return;
    }
    for (int k = 0; k < s->ndivisors && s->divisors[k] <= maxf; k++) {
        int f = s->divisors[k];
        /* f is the largest of the nfree - i factors left: f^(nfree-i) >= rest;
         * the smallest factor is at most f, so the spread is >= cur[0] - f. */
        if (rest % f || pow_below(f, s->nfree - i, rest) ||
            (i > 0 && s->cur[0] - f >= s->spread))
            continue;
        s->cur[i] = f;
        dims_try(s, i + 1, rest / f, f);
    }
}

/* Splits nodes (>= 1) among the nfree (>= 1) zero entries of dims[ndims],
 * non-increasing. */
static int dims_split(int nodes, int nfree, int ndims, int dims[])
{
    int ndivisors = 0;
    for (long d = 1; d * d <= nodes; d++)
        if (nodes % d == 0)
            ndivisors += d * d == nodes ? 1 : 2;
    int *divisors = malloc(((size_t)ndivisors + 2 * (size_t)nfree) * sizeof *divisors);
    if (!divisors)
        return MPI_ERR_NO_MEM;
    int lo = 0, hi = ndivisors; /* small ones from the front, their pairs from the back */
    for (long d = 1; d * d <= nodes; d++) {
        if (nodes % d)
            continue;
        divisors[lo++] = (int)d;
        if (d * d != nodes)
            divisors[--hi] = (int)(nodes / d);
    }
    struct dims_search s = {.nfree = nfree,
                            .divisors = divisors,
                            .ndivisors = ndivisors,
                            .cur = divisors + ndivisors,
                            .best = divisors + ndivisors + nfree,
                            .spread = LONG_MAX};
    dims_try(&s, 0, nodes, nodes);
    for (int i = 0, k = 0; i < ndims; i++)
        if (dims[i] == 0)
            dims[i] = s.best[k++];
    free(divisors);
    return MPI_SUCCESS;
}

/* Local. The zero entries of dims get the most balanced split of what the
 * others leave (MPI-3.1 7.5.2), in non-increasing order. */
int MPI_Dims_create(int nnodes, int ndims, int dims[])
{
    int rc = nnodes < 1 || (ndims > 0 && !dims) ? MPI_ERR_ARG : MPI_SUCCESS;
    if (rc == MPI_SUCCESS && ndims < 0)
        rc = MPI_ERR_DIMS;
    long long fixed = 1;
    int nfree = 0;
    for (int i = 0; rc == MPI_SUCCESS && i < ndims; i++) {
        if (dims[i] == 0)
            nfree++;
        else if (dims[i] < 0 || (fixed *= dims[i]) > nnodes)
            rc = MPI_ERR_DIMS; /* fixed > nnodes: not a divisor, and no overflow */
    }
    if (rc == MPI_SUCCESS && (nnodes % fixed || (!nfree && fixed != nnodes)))
        rc = MPI_ERR_DIMS;
    if (rc == MPI_SUCCESS && nfree)
        rc = dims_split((int)(nnodes / fixed), nfree, ndims, dims);
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

/* ---- Cartesian topologies ---- */

/* Checks a grid of ndims dimensions for a communicator of size processes;
 * sets *nnodes to its number of processes. */
static int check_grid(int ndims, const int dims[], const int periods[], int size,
                      int *nnodes)
{
    if (ndims < 0)
        return MPI_ERR_DIMS;
    if (ndims > 0 && (!dims || !periods))
        return MPI_ERR_ARG;
    for (int i = 0; i < ndims; i++)
        if (dims[i] <= 0)
            return MPI_ERR_DIMS;
    long long n = 1;
    for (int i = 0; i < ndims && n <= size; i++)
        n *= dims[i];
    if (n > size)
        return MPI_ERR_ARG; /* MPI-3.1 7.5.1: a grid larger than the group */
    *nnodes = (int)n;
    return MPI_SUCCESS;
}

/* How far apart in rank two neighbours along dimension d are (row-major: the
 * last dimension varies fastest). */
static int cart_stride(const struct ipc__mpi_topo *t, int d)
{
    int stride = 1;
    for (int i = d + 1; i < t->ndims; i++)
        stride *= t->dims[i];
    return stride;
}

static int cart_coord(const struct ipc__mpi_topo *t, int rank, int d)
{
    return rank / cart_stride(t, d) % t->dims[d];
}

static long wrap(long c, int n)
{
    return (c % n + n) % n;
}

/* The rank disp steps from rank along dimension d, or MPI_PROC_NULL off a
 * non-periodic edge. */
static int cart_step(const struct ipc__mpi_topo *t, int rank, int d, long disp)
{
    int c = cart_coord(t, rank, d);
    long to = c + disp;
    if (t->periods[d])
        to = wrap(to, t->dims[d]);
    else if (to < 0 || to >= t->dims[d])
        return MPI_PROC_NULL;
    return rank + (int)(to - c) * cart_stride(t, d);
}

int MPI_Cart_create(MPI_Comm comm_old, int ndims, const int dims[], const int periods[],
                    int reorder, MPI_Comm *comm_cart)
{
    (void)reorder;
    int nnodes = 0;
    int rc = ipc__mpi_code(ipc__check_comm(comm_old));
    if (rc == MPI_SUCCESS && !comm_cart)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = check_grid(ndims, dims, periods, comm_old->size, &nnodes);
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm_old, rc);
    bool member = comm_old->rank < nnodes;
    struct ipc__mpi_topo *t = member ? topo_new(MPI_CART, ndims, 0) : NULL;
    for (int i = 0; t && i < ndims; i++) {
        t->dims[i] = dims[i];
        t->periods[i] = periods[i] != 0;
    }
    IPC__MPI_RET(comm_old, topo_comm(comm_old, member ? 0 : MPI_UNDEFINED, t, comm_cart));
}

int MPI_Cartdim_get(MPI_Comm comm, int *ndims)
{
    const struct ipc__mpi_topo *t;
    int rc = topo_get(comm, MPI_CART, &t);
    if (rc == MPI_SUCCESS && !ndims)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        *ndims = t->ndims;
    IPC__MPI_RET(comm, rc);
}

/* Arrays of maxdims entries get the first maxdims dimensions' values. */
int MPI_Cart_get(MPI_Comm comm, int maxdims, int dims[], int periods[], int coords[])
{
    const struct ipc__mpi_topo *t;
    int rc = topo_get(comm, MPI_CART, &t);
    if (rc == MPI_SUCCESS &&
        (maxdims < 0 || (maxdims > 0 && (!dims || !periods || !coords))))
        rc = MPI_ERR_ARG;
    for (int i = 0; rc == MPI_SUCCESS && i < maxdims && i < t->ndims; i++) {
        dims[i] = t->dims[i];
        periods[i] = t->periods[i];
        coords[i] = cart_coord(t, comm->rank, i);
    }
    IPC__MPI_RET(comm, rc);
}

/* Periodic coordinates wrap; others out of range are MPI_ERR_ARG. */
int MPI_Cart_rank(MPI_Comm comm, const int coords[], int *rank)
{
    const struct ipc__mpi_topo *t;
    int rc = topo_get(comm, MPI_CART, &t);
    if (rc == MPI_SUCCESS && (!rank || (t->ndims > 0 && !coords)))
        rc = MPI_ERR_ARG;
    int r = 0;
    for (int i = 0; rc == MPI_SUCCESS && i < t->ndims; i++) {
        long c = t->periods[i] ? wrap(coords[i], t->dims[i]) : coords[i];
        if (c < 0 || c >= t->dims[i])
            rc = MPI_ERR_ARG;
        r = r * t->dims[i] + (int)c;
    }
    if (rc == MPI_SUCCESS)
        *rank = r;
    IPC__MPI_RET(comm, rc);
}

int MPI_Cart_coords(MPI_Comm comm, int rank, int maxdims, int coords[])
{
    const struct ipc__mpi_topo *t;
    int rc = topo_get(comm, MPI_CART, &t);
    if (rc == MPI_SUCCESS && (rank < 0 || rank >= comm->size))
        rc = MPI_ERR_RANK;
    if (rc == MPI_SUCCESS && (maxdims < 0 || (maxdims > 0 && !coords)))
        rc = MPI_ERR_ARG;
    for (int i = 0; rc == MPI_SUCCESS && i < maxdims && i < t->ndims; i++)
        coords[i] = cart_coord(t, rank, i);
    IPC__MPI_RET(comm, rc);
}

int MPI_Cart_shift(MPI_Comm comm, int direction, int disp, int *rank_source,
                   int *rank_dest)
{
    const struct ipc__mpi_topo *t;
    int rc = topo_get(comm, MPI_CART, &t);
    if (rc == MPI_SUCCESS && (!rank_source || !rank_dest))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS && (direction < 0 || direction >= t->ndims))
        rc = MPI_ERR_DIMS;
    if (rc == MPI_SUCCESS) {
        *rank_dest = cart_step(t, comm->rank, direction, disp);
        *rank_source = cart_step(t, comm->rank, direction, -(long)disp);
    }
    IPC__MPI_RET(comm, rc);
}

/* Collective: the processes that share their coordinates in the dimensions
 * dropped form one grid of the dimensions kept (none kept: a
 * zero-dimensional grid of one process). */
int MPI_Cart_sub(MPI_Comm comm, const int remain_dims[], MPI_Comm *newcomm)
{
    const struct ipc__mpi_topo *t;
    int rc = topo_get(comm, MPI_CART, &t);
    if (rc == MPI_SUCCESS && (!newcomm || (t->ndims > 0 && !remain_dims)))
        rc = MPI_ERR_ARG;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    int kept = 0, color = 0;
    for (int i = 0; i < t->ndims; i++) {
        if (remain_dims[i])
            kept++;
        else
            color = color * t->dims[i] + cart_coord(t, comm->rank, i);
    }
    struct ipc__mpi_topo *sub = topo_new(MPI_CART, kept, 0);
    for (int i = 0, k = 0; sub && i < t->ndims; i++) {
        if (remain_dims[i]) {
            sub->dims[k] = t->dims[i];
            sub->periods[k++] = t->periods[i];
        }
    }
    IPC__MPI_RET(comm, topo_comm(comm, color, sub, newcomm));
}

/* The rank this process would have in MPI_Cart_create's grid. */
int MPI_Cart_map(MPI_Comm comm, int ndims, const int dims[], const int periods[],
                 int *newrank)
{
    int nnodes = 0;
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !newrank)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = check_grid(ndims, dims, periods, comm->size, &nnodes);
    if (rc == MPI_SUCCESS)
        *newrank = comm->rank < nnodes ? comm->rank : MPI_UNDEFINED;
    IPC__MPI_RET(comm, rc);
}

/* ---- graph topologies ---- */

/* Checks a graph as MPI_Graph_create takes it, for a communicator of size
 * processes; sets *nedges. */
static int check_graph(int nnodes, const int index[], const int edges[], int size,
                       int *nedges)
{
    if (nnodes < 0 || nnodes > size || (nnodes > 0 && !index))
        return MPI_ERR_ARG;
    int n = 0;
    for (int i = 0; i < nnodes; i++) {
        if (index[i] < n)
            return MPI_ERR_ARG;
        n = index[i];
    }
    if (n > 0 && !edges)
        return MPI_ERR_ARG;
    for (int e = 0; e < n; e++)
        if (edges[e] < 0 || edges[e] >= nnodes)
            return MPI_ERR_ARG;
    *nedges = n;
    return MPI_SUCCESS;
}

int MPI_Graph_create(MPI_Comm comm_old, int nnodes, const int index[], const int edges[],
                     int reorder, MPI_Comm *comm_graph)
{
    (void)reorder;
    int nedges = 0;
    int rc = ipc__mpi_code(ipc__check_comm(comm_old));
    if (rc == MPI_SUCCESS && !comm_graph)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = check_graph(nnodes, index, edges, comm_old->size, &nedges);
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm_old, rc);
    bool member = comm_old->rank < nnodes;
    struct ipc__mpi_topo *t = member ? topo_new(MPI_GRAPH, nnodes, nedges) : NULL;
    if (t) {
        copy_ints(t->index, index, nnodes);
        copy_ints(t->edges, edges, nedges);
    }
    IPC__MPI_RET(comm_old,
                 topo_comm(comm_old, member ? 0 : MPI_UNDEFINED, t, comm_graph));
}

int MPI_Graphdims_get(MPI_Comm comm, int *nnodes, int *nedges)
{
    const struct ipc__mpi_topo *t;
    int rc = topo_get(comm, MPI_GRAPH, &t);
    if (rc == MPI_SUCCESS && (!nnodes || !nedges))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS) {
        *nnodes = t->nnodes;
        *nedges = t->nedges;
    }
    IPC__MPI_RET(comm, rc);
}

/* Copies at most max of n ints (max < 0: MPI_ERR_ARG). */
static int copy_out(int dst[], int max, const int src[], int n)
{
    if (max < 0 || (max > 0 && n > 0 && !dst))
        return MPI_ERR_ARG;
    copy_ints(dst, src, n < max ? n : max);
    return MPI_SUCCESS;
}

int MPI_Graph_get(MPI_Comm comm, int maxindex, int maxedges, int index[], int edges[])
{
    const struct ipc__mpi_topo *t;
    int rc = topo_get(comm, MPI_GRAPH, &t);
    if (rc == MPI_SUCCESS)
        rc = copy_out(index, maxindex, t->index, t->nnodes);
    if (rc == MPI_SUCCESS)
        rc = copy_out(edges, maxedges, t->edges, t->nedges);
    IPC__MPI_RET(comm, rc);
}

/* rank's neighbours: edges[*first .. *first + *count). */
static int graph_node(const struct ipc__mpi_topo *t, int rank, int *first, int *count)
{
    if (rank < 0 || rank >= t->nnodes)
        return MPI_ERR_RANK;
    *first = rank > 0 ? t->index[rank - 1] : 0;
    *count = t->index[rank] - *first;
    return MPI_SUCCESS;
}

int MPI_Graph_neighbors_count(MPI_Comm comm, int rank, int *nneighbors)
{
    const struct ipc__mpi_topo *t;
    int first;
    int rc = topo_get(comm, MPI_GRAPH, &t);
    if (rc == MPI_SUCCESS && !nneighbors)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = graph_node(t, rank, &first, nneighbors);
    IPC__MPI_RET(comm, rc);
}

int MPI_Graph_neighbors(MPI_Comm comm, int rank, int maxneighbors, int neighbors[])
{
    const struct ipc__mpi_topo *t;
    int first, count;
    int rc = topo_get(comm, MPI_GRAPH, &t);
    if (rc == MPI_SUCCESS)
        rc = graph_node(t, rank, &first, &count);
    if (rc == MPI_SUCCESS)
        rc = copy_out(neighbors, maxneighbors, t->edges + first, count);
    IPC__MPI_RET(comm, rc);
}

/* The rank this process would have in MPI_Graph_create's graph. */
int MPI_Graph_map(MPI_Comm comm, int nnodes, const int index[], const int edges[],
                  int *newrank)
{
    int nedges;
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !newrank)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = check_graph(nnodes, index, edges, comm->size, &nedges);
    if (rc == MPI_SUCCESS)
        *newrank = comm->rank < nnodes ? comm->rank : MPI_UNDEFINED;
    IPC__MPI_RET(comm, rc);
}

/* ---- distributed graph topologies ---- */

int ipc__mpi_unweighted, ipc__mpi_weights_empty; /* only their addresses matter */

/* Checks n ranks of a communicator of size processes and, when weighted,
 * their weights, which must be >= 0 (with n 0 any pointer will do). */
static int check_edges(int n, const int ranks[], bool weighted, const int weights[],
                       int size)
{
    if (n < 0 || (n > 0 && !ranks))
        return MPI_ERR_ARG;
    if (weighted && n > 0 && (!weights || weights == MPI_WEIGHTS_EMPTY))
        return MPI_ERR_ARG;
    for (int i = 0; i < n; i++) {
        if (ranks[i] < 0 || ranks[i] >= size)
            return MPI_ERR_RANK;
        if (weighted && weights[i] < 0)
            return MPI_ERR_ARG;
    }
    return MPI_SUCCESS;
}

/* Collective: every process gives its own neighbours, kept in its order. */
int MPI_Dist_graph_create_adjacent(MPI_Comm comm_old, int indegree, const int sources[],
                                   const int sourceweights[], int outdegree,
                                   const int destinations[], const int destweights[],
                                   MPI_Info info, int reorder, MPI_Comm *comm_dist_graph)
{
    (void)info;
    (void)reorder;
    /* MPI_UNWEIGHTED for both weight arrays or for neither */
    bool weighted = sourceweights != MPI_UNWEIGHTED;
    int rc = ipc__mpi_code(ipc__check_comm(comm_old));
    if (rc == MPI_SUCCESS &&
        (!comm_dist_graph || weighted != (destweights != MPI_UNWEIGHTED)))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = check_edges(indegree, sources, weighted, sourceweights, comm_old->size);
    if (rc == MPI_SUCCESS)
        rc = check_edges(outdegree, destinations, weighted, destweights, comm_old->size);
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm_old, rc);
    struct ipc__mpi_topo *t = topo_new(MPI_DIST_GRAPH, indegree, outdegree);
    if (t) {
        t->weighted = weighted;
        copy_ints(t->sources, sources, indegree);
        copy_ints(t->destinations, destinations, outdegree);
        if (weighted) {
            copy_ints(t->sourceweights, sourceweights, indegree);
            copy_ints(t->destweights, destweights, outdegree);
        }
    }
    IPC__MPI_RET(comm_old, topo_comm(comm_old, 0, t, comm_dist_graph));
}

/* What the general form sends each process about one edge: for its source
 * an out-edge, for its destination an in-edge. */
enum { EDGE_OUT, EDGE_IN };
struct edge_note {
    int dir; /* EDGE_OUT or EDGE_IN */
    int peer;
    int weight;
};

/* The all-to-all of edge notes: counts and displacements in ints, fill in
 * notes posted so far per process. */
struct edge_mail {
    size_t *scounts, *sdispls, *rcounts, *rdispls, *fill;
    struct edge_note *sbuf, *rbuf;
};

static void edge_mail_free(struct edge_mail *m)
{
    free(m->scounts);
    free(m->sbuf);
    free(m->rbuf);
}

enum { NOTE_INTS = sizeof(struct edge_note) / sizeof(int) };

/* Appends note to what goes to process p. */
static void edge_mail_put(struct edge_mail *m, int p, struct edge_note note)
{
    m->sbuf[m->sdispls[p] / NOTE_INTS + m->fill[p]++] = note;
}

/* Posts the notes of the nedges edges (src[e] -> dst[e] of weight w[e]),
 * to each process in the order of the edges. */
static int edge_mail_post(struct edge_mail *m, int size, int nedges, const int src[],
                          const int dst[], const int w[])
{
    m->scounts = calloc(5 * (size_t)size, sizeof *m->scounts);
    m->sbuf = malloc(2 * (size_t)nedges * sizeof *m->sbuf + 1);
    if (!m->scounts || !m->sbuf)
        return MPI_ERR_NO_MEM;
    m->sdispls = m->scounts + size;
    m->rcounts = m->sdispls + size;
    m->rdispls = m->rcounts + size;
    m->fill = m->rdispls + size;
    for (int e = 0; e < nedges; e++) {
        m->scounts[src[e]] += NOTE_INTS;
        m->scounts[dst[e]] += NOTE_INTS;
    }
    for (int p = 1; p < size; p++)
        m->sdispls[p] = m->sdispls[p - 1] + m->scounts[p - 1];
    for (int e = 0; e < nedges; e++) {
        int weight = w ? w[e] : 0;
        edge_mail_put(m, src[e], (struct edge_note){EDGE_OUT, dst[e], weight});
        edge_mail_put(m, dst[e], (struct edge_note){EDGE_IN, src[e], weight});
    }
    return MPI_SUCCESS;
}

/* Collective over comm: sends the notes, receives this process's. */
static int edge_mail_send(struct edge_mail *m, MPI_Comm comm)
{
    int rc = ipc_alltoall(m->scounts, sizeof(size_t), IPC_BYTE, m->rcounts,
                          sizeof(size_t), IPC_BYTE, comm);
    if (rc != IPC_SUCCESS)
        return ipc__mpi_code(rc);
    size_t total = 0;
    for (int p = 0; p < comm->size; p++) {
        m->rdispls[p] = total;
        total += m->rcounts[p];
    }
    m->rbuf = malloc(total * sizeof(int) + 1);
    if (!m->rbuf)
        return MPI_ERR_NO_MEM;
    rc = ipc_alltoallv(m->sbuf, m->scounts, m->sdispls, IPC_INT, m->rbuf, m->rcounts,
                       m->rdispls, IPC_INT, comm);
    return ipc__mpi_code(rc);
}

/* This process's neighbours from the notes it received: in the order of the
 * senders' ranks, then of their edges, so that the k-th edge a -> b is the
 * k-th among a's out-edges to b and among b's in-edges from a. */
static struct ipc__mpi_topo *edge_mail_topo(const struct edge_mail *m, int size,
                                            bool weighted)
{
    size_t nnotes = (m->rdispls[size - 1] + m->rcounts[size - 1]) / NOTE_INTS;
    int in = 0, out;
    for (size_t i = 0; i < nnotes; i++)
        in += m->rbuf[i].dir == EDGE_IN;
    out = (int)nnotes - in;
    struct ipc__mpi_topo *t = topo_new(MPI_DIST_GRAPH, in, out);
    if (!t)
        return NULL;
    t->weighted = weighted;
    in = out = 0;
    for (size_t i = 0; i < nnotes; i++) {
        const struct edge_note *n = &m->rbuf[i];
        if (n->dir == EDGE_IN) {
            t->sources[in] = n->peer;
            t->sourceweights[in++] = n->weight;
        } else {
            t->destinations[out] = n->peer;
            t->destweights[out++] = n->weight;
        }
    }
    return t;
}

/* Checks the general form's arguments and lists its edges as pairs
 * (*src)[e] -> destinations[e]; *src is freed by the caller. */
static int dist_edges(int n, const int sources[], const int degrees[],
                      const int destinations[], bool weighted, const int weights[],
                      int size, int *nedges, int **src)
{
    if (n < 0 || (n > 0 && (!sources || !degrees)))
        return MPI_ERR_ARG;
    long long total = 0;
    for (int i = 0; i < n; i++) {
        if (sources[i] < 0 || sources[i] >= size)
            return MPI_ERR_RANK;
        if (degrees[i] < 0 || (total += degrees[i]) > INT_MAX / 2)
            return MPI_ERR_ARG;
    }
    int rc = check_edges((int)total, destinations, weighted, weights, size);
    if (rc != MPI_SUCCESS)
        return rc;
    *src = malloc((size_t)total * sizeof **src + 1);
    if (!*src)
        return MPI_ERR_NO_MEM;
    for (int i = 0, e = 0; i < n; i++)
        for (int k = 0; k < degrees[i]; k++)
            (*src)[e++] = sources[i];
    *nedges = (int)total;
    return MPI_SUCCESS;
}

/* Collective: each process gives any edges (degrees[i] of them from
 * sources[i]); an all-to-all tells every process its own neighbours. */
int MPI_Dist_graph_create(MPI_Comm comm_old, int n, const int sources[],
                          const int degrees[], const int destinations[],
                          const int weights[], MPI_Info info, int reorder,
                          MPI_Comm *comm_dist_graph)
{
    (void)info;
    (void)reorder;
    int nedges = 0, *src = NULL;
    bool weighted = weights != MPI_UNWEIGHTED;
    int rc = ipc__mpi_code(ipc__check_comm(comm_old));
    if (rc == MPI_SUCCESS && !comm_dist_graph)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = dist_edges(n, sources, degrees, destinations, weighted, weights,
                        comm_old->size, &nedges, &src);
    struct edge_mail mail = {0};
    if (rc == MPI_SUCCESS)
        rc = edge_mail_post(&mail, comm_old->size, nedges, src, destinations,
                            weighted ? weights : NULL);
    if (rc == MPI_SUCCESS)
        rc = edge_mail_send(&mail, comm_old);
    struct ipc__mpi_topo *t = NULL;
    if (rc == MPI_SUCCESS)
        t = edge_mail_topo(&mail, comm_old->size, weighted);
    free(src);
    edge_mail_free(&mail);
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm_old, rc);
    IPC__MPI_RET(comm_old, topo_comm(comm_old, 0, t, comm_dist_graph));
}

int MPI_Dist_graph_neighbors_count(MPI_Comm comm, int *indegree, int *outdegree,
                                   int *weighted)
{
    const struct ipc__mpi_topo *t;
    int rc = topo_get(comm, MPI_DIST_GRAPH, &t);
    if (rc == MPI_SUCCESS && (!indegree || !outdegree || !weighted))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS) {
        *indegree = t->indegree;
        *outdegree = t->outdegree;
        *weighted = t->weighted;
    }
    IPC__MPI_RET(comm, rc);
}

/* Weights are written only for a weighted graph and when not MPI_UNWEIGHTED. */
int MPI_Dist_graph_neighbors(MPI_Comm comm, int maxindegree, int sources[],
                             int sourceweights[], int maxoutdegree, int destinations[],
                             int destweights[])
{
    const struct ipc__mpi_topo *t;
    int rc = topo_get(comm, MPI_DIST_GRAPH, &t);
    if (rc == MPI_SUCCESS)
        rc = copy_out(sources, maxindegree, t->sources, t->indegree);
    if (rc == MPI_SUCCESS)
        rc = copy_out(destinations, maxoutdegree, t->destinations, t->outdegree);
    if (rc == MPI_SUCCESS && t->weighted && sourceweights != MPI_UNWEIGHTED &&
        sourceweights != MPI_WEIGHTS_EMPTY)
        rc = copy_out(sourceweights, maxindegree, t->sourceweights, t->indegree);
    if (rc == MPI_SUCCESS && t->weighted && destweights != MPI_UNWEIGHTED &&
        destweights != MPI_WEIGHTS_EMPTY)
        rc = copy_out(destweights, maxoutdegree, t->destweights, t->outdegree);
    IPC__MPI_RET(comm, rc);
}

int MPI_Topo_test(MPI_Comm comm, int *status)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !status)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        *status = comm->mpi && comm->mpi->topo ? comm->mpi->topo->kind : MPI_UNDEFINED;
    IPC__MPI_RET(comm, rc);
}

/* ---- neighbours of the neighbourhood collectives (mpi_neighbor.c) ---- */

int ipc__mpi_topo_neighbors(MPI_Comm comm, struct ipc__mpi_nbrs *nb)
{
    *nb = (struct ipc__mpi_nbrs){0};
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc != MPI_SUCCESS)
        return rc;
    const struct ipc__mpi_topo *t = comm->mpi ? comm->mpi->topo : NULL;
    if (!t)
        return MPI_ERR_TOPOLOGY;
    int first = 0, count = 0;
    switch (t->kind) {
    case MPI_CART:
        nb->indegree = nb->outdegree = 2 * t->ndims;
        break;
    case MPI_GRAPH:
        graph_node(t, comm->rank, &first, &count);
        nb->indegree = nb->outdegree = count;
        break;
    default:
        nb->indegree = t->indegree;
        nb->outdegree = t->outdegree;
    }
    nb->sources =
        malloc(((size_t)nb->indegree + (size_t)nb->outdegree) * sizeof(int) + 1);
    if (!nb->sources)
        return MPI_ERR_NO_MEM;
    nb->destinations = nb->sources + nb->indegree;
    nb->cart = t->kind == MPI_CART;
    switch (t->kind) {
    case MPI_CART:
        for (int d = 0; d < t->ndims; d++) {
            nb->sources[2 * d] = nb->destinations[2 * d] =
                cart_step(t, comm->rank, d, -1);
            nb->sources[2 * d + 1] = nb->destinations[2 * d + 1] =
                cart_step(t, comm->rank, d, 1);
        }
        break;
    case MPI_GRAPH:
        copy_ints(nb->sources, t->edges + first, count);
        copy_ints(nb->destinations, t->edges + first, count);
        break;
    default:
        copy_ints(nb->sources, t->sources, t->indegree);
        copy_ints(nb->destinations, t->destinations, t->outdegree);
    }
    return MPI_SUCCESS;
}
