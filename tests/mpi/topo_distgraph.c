/* topo_distgraph.c - distributed graph topologies (MPI-3.1 7.5.4, 7.5.5):
 * MPI_Dist_graph_create_adjacent (neighbours in the order given) and
 * MPI_Dist_graph_create (any process may give any edge; each learns its
 * own neighbours), on a ring and a star, with weights and MPI_UNWEIGHTED;
 * MPI_Dist_graph_neighbors_count and MPI_Dist_graph_neighbors checked on
 * every rank, MPI_Topo_test, MPI_Comm_dup, a message along every edge and a
 * wrong query. */
#include "mpicheck.h"

#define MAXN 16

static int rank, size, left, right;

struct nbrs {
    int in, out, weighted;
    int src[MAXN], sw[MAXN], dst[MAXN], dw[MAXN];
};

static struct nbrs query(MPI_Comm g)
{
    struct nbrs q;
    int status = -1;
    MPI_Topo_test(g, &status);
    CHECK_INT(status, MPI_DIST_GRAPH, "MPI_Topo_test of a distributed graph");
    MPI_Dist_graph_neighbors_count(g, &q.in, &q.out, &q.weighted);
    CHECK(q.in <= MAXN && q.out <= MAXN, "degrees %d, %d", q.in, q.out);
    for (int i = 0; i < MAXN; i++)
        q.src[i] = q.sw[i] = q.dst[i] = q.dw[i] = -1;
    MPI_Dist_graph_neighbors(g, q.in, q.src, q.sw, q.out, q.dst, q.dw);
    return q;
}

/* The neighbours are those given, in that order (and weights unless NULL). */
static void check_list(const char *what, int n, const int got[], const int gotw[],
                       const int want[], const int wantw[])
{
    for (int i = 0; i < n; i++) {
        CHECK(got[i] == want[i], "%s %d is %d, expected %d", what, i, got[i], want[i]);
        if (wantw)
            CHECK(gotw[i] == wantw[i], "%s weight %d is %d, expected %d", what, i,
                  gotw[i], wantw[i]);
    }
}

static void check_nbrs(const struct nbrs *q, int in, const int src[], const int sw[],
                       int out, const int dst[], const int dw[], int weighted)
{
    CHECK_INT(q->in, in, "indegree");
    CHECK_INT(q->out, out, "outdegree");
    CHECK_INT(!!q->weighted, weighted, "weighted");
    check_list("source", in, q->src, q->sw, src, sw);
    check_list("destination", out, q->dst, q->dw, dst, dw);
}

/* Sorts (neighbour, weight) pairs by neighbour, for the general form, whose
 * order MPI-3.1 leaves to the implementation. */
static void sort_pairs(int n, int nb[], int w[])
{
    for (int i = 1; i < n; i++)
        for (int j = i; j > 0 && nb[j - 1] > nb[j]; j--) {
            int t = nb[j];
            nb[j] = nb[j - 1];
            nb[j - 1] = t;
            t = w[j];
            w[j] = w[j - 1];
            w[j - 1] = t;
        }
}

/* Sends 1000 * rank + k along the k-th out-edge; the k-th in-edge from a
 * source s brings 1000 * s + something: the sender is the source. */
static void send_along(MPI_Comm g, const struct nbrs *q)
{
    int out[MAXN], in[MAXN];
    MPI_Request reqs[2 * MAXN];
    for (int k = 0; k < q->in; k++)
        MPI_Irecv(&in[k], 1, MPI_INT, q->src[k], 0, g, &reqs[k]);
    for (int k = 0; k < q->out; k++) {
        out[k] = 1000 * rank + k;
        MPI_Isend(&out[k], 1, MPI_INT, q->dst[k], 0, g, &reqs[q->in + k]);
    }
    MPI_Waitall(q->in + q->out, reqs, MPI_STATUSES_IGNORE);
    for (int k = 0; k < q->in; k++)
        CHECK(in[k] / 1000 == q->src[k], "in-edge %d from %d brought %d", k, q->src[k],
              in[k]);
}

static void done(MPI_Comm *g, const struct nbrs *q)
{
    MPI_Comm dup;
    struct nbrs d;
    send_along(*g, q);
    MPI_Comm_dup(*g, &dup);
    d = query(dup);
    check_nbrs(&d, q->in, q->src, q->weighted ? q->sw : NULL, q->out, q->dst,
               q->weighted ? q->dw : NULL, !!q->weighted);
    MPI_Comm_free(&dup);
    MPI_Comm_free(g);
}

static void adjacent_rings(void)
{
    MPI_Comm g;
    struct nbrs q;
    int src1[1] = {left}, dst1[1] = {right};
    MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 1, src1, MPI_UNWEIGHTED, 1, dst1,
                                   MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &g);
    q = query(g);
    check_nbrs(&q, 1, src1, NULL, 1, dst1, NULL, 0);
    done(&g, &q);

    int src2[2] = {left, right}, sw2[2] = {10 * left + 1, 10 * right + 2};
    int dst2[2] = {right, left}, dw2[2] = {10 * rank + 1, 10 * rank + 2};
    MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 2, src2, sw2, 2, dst2, dw2,
                                   MPI_INFO_NULL, 1, &g);
    q = query(g);
    check_nbrs(&q, 2, src2, sw2, 2, dst2, dw2, 1);
    done(&g, &q);
}

/* Rank 0 the hub: it lists the leaves in, the leaves out in reverse. */
static void adjacent_star(void)
{
    MPI_Comm g;
    struct nbrs q;
    int in = rank ? 1 : size - 1, src[MAXN], sw[MAXN], dst[MAXN], dw[MAXN];
    for (int i = 0; i < in; i++) {
        src[i] = rank ? 0 : i + 1;
        sw[i] = rank ? 100 + rank : 200 + i + 1;
        dst[i] = rank ? 0 : size - 1 - i;
        dw[i] = rank ? 200 + rank : 100 + size - 1 - i;
    }
    MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, in, src, in ? sw : MPI_WEIGHTS_EMPTY,
                                   in, dst, in ? dw : MPI_WEIGHTS_EMPTY, MPI_INFO_NULL, 0,
                                   &g);
    q = query(g);
    check_nbrs(&q, in, src, sw, in, dst, dw, 1);
    done(&g, &q);
}

/* Each process gives the edge rank -> right (weight 10 * rank + 3), or, in
 * the second round, an edge it is not part of (when size > 2):
 * right -> right + 1. */
static void general_rings(void)
{
    for (int round = 0; round < 2; round++) {
        MPI_Comm g;
        struct nbrs q;
        int from = round ? right : rank, to = (from + 1) % size, w = 10 * from + 3;
        MPI_Dist_graph_create(MPI_COMM_WORLD, 1, &from, (const int[]){1}, &to, &w,
                              MPI_INFO_NULL, round, &g);
        q = query(g);
        check_nbrs(&q, 1, (const int[]){left}, (const int[]){10 * left + 3}, 1,
                   (const int[]){right}, (const int[]){10 * rank + 3}, 1);
        done(&g, &q);
    }
}

/* Rank 0 gives every edge of the star, both ways (0 -> i weight i, i -> 0
 * weight 100 + i); the others none. Once weighted, once unweighted. */
static void general_star(void)
{
    int n = 0, sources[MAXN], degrees[MAXN], dests[2 * MAXN], weights[2 * MAXN], e = 0;
    if (rank == 0 && size > 1) {
        sources[n] = 0;
        degrees[n++] = size - 1;
        for (int i = 1; i < size; i++) {
            dests[e] = i;
            weights[e++] = i;
        }
        for (int i = 1; i < size; i++) {
            sources[n] = i;
            degrees[n++] = 1;
            dests[e] = 0;
            weights[e++] = 100 + i;
        }
    }
    int deg = rank ? 1 : size - 1, leaves[MAXN], in_w[MAXN], out_w[MAXN];
    for (int i = 0; i < deg; i++) {
        leaves[i] = rank ? 0 : i + 1;
        in_w[i] = rank ? rank : 100 + i + 1;
        out_w[i] = rank ? 100 + rank : i + 1;
    }
    for (int weighted = 0; weighted < 2; weighted++) {
        MPI_Comm g;
        struct nbrs q;
        MPI_Dist_graph_create(MPI_COMM_WORLD, n, sources, degrees, dests,
                              weighted ? weights : MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &g);
        q = query(g);
        send_along(g, &q);
        sort_pairs(q.in, q.src, q.sw);
        sort_pairs(q.out, q.dst, q.dw);
        check_nbrs(&q, deg, leaves, weighted ? in_w : NULL, deg, leaves,
                   weighted ? out_w : NULL, weighted);
        MPI_Comm_free(&g);
    }
}

static void check_wrong_query(void)
{
    MPI_Comm g;
    int nnodes, nedges, class = -1, in, out, weighted;
    MPI_Dist_graph_create_adjacent(MPI_COMM_WORLD, 0, NULL, MPI_UNWEIGHTED, 0, NULL,
                                   MPI_UNWEIGHTED, MPI_INFO_NULL, 0, &g);
    MPI_Comm_set_errhandler(g, MPI_ERRORS_RETURN);
    int rc = MPI_Graphdims_get(g, &nnodes, &nedges);
    CHECK(rc != MPI_SUCCESS, "MPI_Graphdims_get of a distributed graph succeeded");
    MPI_Error_class(rc, &class);
    CHECK_INT(class, MPI_ERR_TOPOLOGY, "MPI_Graphdims_get of a distributed graph");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    rc = MPI_Dist_graph_neighbors_count(MPI_COMM_WORLD, &in, &out, &weighted);
    MPI_Error_class(rc, &class);
    CHECK_INT(class, MPI_ERR_TOPOLOGY,
              "MPI_Dist_graph_neighbors_count of MPI_COMM_WORLD");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Comm_free(&g);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("topo_distgraph", &rank, &size);
    CHECK(size < MAXN, "run on fewer than %d ranks", MAXN);
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    adjacent_rings();
    adjacent_star();
    general_rings();
    general_star();
    check_wrong_query();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
