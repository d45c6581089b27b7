/* topo_graph.c - graph topologies (MPI-3.1 7.5.3, 7.5.5, 7.5.8) on the
 * standard's example: 4 nodes, index {2, 3, 4, 6}, edges {1, 3, 0, 3, 0, 2}
 * (0 - 1, 0 - 3, 2 - 3). MPI_Graph_create (a fifth rank gets
 * MPI_COMM_NULL), MPI_Topo_test, MPI_Graphdims_get, MPI_Graph_get,
 * MPI_Graph_neighbors_count, MPI_Graph_neighbors for every node, an exchange
 * with the neighbours, MPI_Comm_dup, MPI_Graph_map, and wrong queries.
 * MPITEST_RANKS: 4 5 */
#include "mpicheck.h"

#define NNODES 4
#define NEDGES 6

static const int graph_index[NNODES] = {2, 3, 4, 6};
static const int graph_edges[NEDGES] = {1, 3, 0, 3, 0, 2};
static const int degree[NNODES] = {2, 1, 1, 2};
static const int neighbors[NNODES][2] = {{1, 3}, {0}, {3}, {0, 2}};

static int rank, size;

static void check_queries(MPI_Comm graph)
{
    int status = -1, nnodes = -1, nedges = -1, index[NNODES], edges[NEDGES];
    MPI_Topo_test(graph, &status);
    CHECK_INT(status, MPI_GRAPH, "MPI_Topo_test of a graph communicator");
    MPI_Graphdims_get(graph, &nnodes, &nedges);
    CHECK_INT(nnodes, NNODES, "MPI_Graphdims_get nnodes");
    CHECK_INT(nedges, NEDGES, "MPI_Graphdims_get nedges");
    MPI_Graph_get(graph, NNODES, NEDGES, index, edges);
    for (int i = 0; i < NNODES; i++)
        CHECK_INT(index[i], graph_index[i], "MPI_Graph_get index");
    for (int i = 0; i < NEDGES; i++)
        CHECK_INT(edges[i], graph_edges[i], "MPI_Graph_get edges");
    for (int r = 0; r < NNODES; r++) {
        int n = -1, nb[NEDGES];
        MPI_Graph_neighbors_count(graph, r, &n);
        CHECK_INT(n, degree[r], "MPI_Graph_neighbors_count");
        MPI_Graph_neighbors(graph, r, NEDGES, nb);
        for (int i = 0; i < n; i++)
            CHECK(nb[i] == neighbors[r][i], "neighbour %d of node %d is %d, expected %d",
                  i, r, nb[i], neighbors[r][i]);
    }
}

/* Every node sends 100 * itself + the neighbour to each neighbour; the
 * graph is symmetric, so each receives one message from each neighbour. */
static void exchange(MPI_Comm graph)
{
    int me, in[2] = {-1, -1}, out[2];
    MPI_Request reqs[4];
    MPI_Comm_rank(graph, &me);
    for (int i = 0; i < degree[me]; i++) {
        out[i] = 100 * me + neighbors[me][i];
        MPI_Irecv(&in[i], 1, MPI_INT, neighbors[me][i], 0, graph, &reqs[2 * i]);
        MPI_Isend(&out[i], 1, MPI_INT, neighbors[me][i], 0, graph, &reqs[2 * i + 1]);
    }
    MPI_Waitall(2 * degree[me], reqs, MPI_STATUSES_IGNORE);
    for (int i = 0; i < degree[me]; i++)
        CHECK_INT(in[i], 100 * neighbors[me][i] + me, "value from a graph neighbour");
}

/* MPI_Graph_map may place the processes as it likes: the ranks it gives are
 * 0..NNODES-1, each once, and the others get MPI_UNDEFINED. Open MPI 4.1
 * gives a process outside the graph its own rank (open-mpi/ompi#11444). */
static void check_map(void)
{
    int mapped = -2, all[8], seen[NNODES] = {0}, outside = 0;
#ifdef OPEN_MPI
    if (size > NNODES)
        return;
#endif
    MPI_Graph_map(MPI_COMM_WORLD, NNODES, graph_index, graph_edges, &mapped);
    MPI_Allgather(&mapped, 1, MPI_INT, all, 1, MPI_INT, MPI_COMM_WORLD);
    for (int r = 0; r < size; r++) {
        if (all[r] == MPI_UNDEFINED) {
            outside++;
            continue;
        }
        CHECK(all[r] >= 0 && all[r] < NNODES && !seen[all[r]],
              "MPI_Graph_map gave rank %d %d", r, all[r]);
        seen[all[r]] = 1;
    }
    CHECK_INT(outside, size - NNODES, "processes MPI_Graph_map left out");
}

static void check_class(int rc, int want, const char *what)
{
    int class = -1;
    CHECK(rc != MPI_SUCCESS, "%s succeeded", what);
    MPI_Error_class(rc, &class);
    CHECK_INT(class, want, what);
}

/* Under MPI_ERRORS_RETURN. */
static void check_errors(MPI_Comm graph)
{
    int n, nd, nnodes, nedges;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Comm_set_errhandler(graph, MPI_ERRORS_RETURN);
    CHECK(MPI_Graph_neighbors_count(graph, -1, &n) != MPI_SUCCESS,
          "MPI_Graph_neighbors_count of node -1 succeeded");
    check_class(MPI_Cartdim_get(graph, &nd), MPI_ERR_TOPOLOGY,
                "MPI_Cartdim_get of a graph communicator");
    check_class(MPI_Graphdims_get(MPI_COMM_WORLD, &nnodes, &nedges), MPI_ERR_TOPOLOGY,
                "MPI_Graphdims_get of MPI_COMM_WORLD");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("topo_graph", &rank, &size);
    CHECK(size >= NNODES && size <= 8, "run on 4 to 8 ranks");
    check_map();

    for (int reorder = 0; reorder < 2; reorder++) {
        MPI_Comm graph, dup;
        int left_out = 0, mine, n = -1, r = -1;
        MPI_Graph_create(MPI_COMM_WORLD, NNODES, graph_index, graph_edges, reorder,
                         &graph);
        mine = graph == MPI_COMM_NULL;
        MPI_Allreduce(&mine, &left_out, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
        CHECK_INT(left_out, size - NNODES, "ranks beyond the graph");
        if (!reorder)
            CHECK_INT(mine, rank >= NNODES, "MPI_COMM_NULL beyond the graph");
        if (mine)
            continue;
        MPI_Comm_size(graph, &n);
        MPI_Comm_rank(graph, &r);
        CHECK_INT(n, NNODES, "size of the graph communicator");
        if (!reorder)
            CHECK_INT(r, rank, "rank in a graph made without reorder");
        check_queries(graph);
        exchange(graph);
        MPI_Comm_dup(graph, &dup);
        check_queries(dup);
        exchange(dup);
        MPI_Comm_free(&dup);
        check_errors(graph);
        MPI_Comm_free(&graph);
    }
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
