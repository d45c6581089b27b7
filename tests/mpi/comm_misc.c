/* comm_misc.c - MPI_Comm_split_type (MPI_COMM_TYPE_SHARED: the ranks of one
 * node, ordered by key; MPI_UNDEFINED), communicator names (world and self
 * named from the start, a new one unnamed, a dup not inheriting the name,
 * MPI_MAX_OBJECT_NAME), MPI_Comm_dup_with_info and MPI_Comm_idup. */
#include "mpicheck.h"

static int rank, size;

static void test_split_type(void)
{
    MPI_Comm node, none;
    int nrank, nsize, my_node_min = -1, first = -1;
    /* Reversed order by key: the highest world rank comes first. */
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, -rank, MPI_INFO_NULL,
                        &node);
    CHECK(node != MPI_COMM_NULL, "MPI_COMM_TYPE_SHARED gave MPI_COMM_NULL");
    MPI_Comm_rank(node, &nrank);
    MPI_Comm_size(node, &nsize);
    CHECK(nsize >= 1 && nsize <= size, "size of the node communicator %d", nsize);
    /* The members share this node: they have one processor name. */
    char name[MPI_MAX_PROCESSOR_NAME], first_name[MPI_MAX_PROCESSOR_NAME];
    int len;
    MPI_Get_processor_name(name, &len);
    memcpy(first_name, name, sizeof name);
    MPI_Bcast(first_name, MPI_MAX_PROCESSOR_NAME, MPI_CHAR, 0, node);
    CHECK(strcmp(name, first_name) == 0, "node communicator spans %s and %s", name,
          first_name);
    /* Key order: rank 0 of node is its highest world rank. */
    int top = rank;
    MPI_Allreduce(&rank, &top, 1, MPI_INT, MPI_MAX, node);
    first = rank;
    MPI_Bcast(&first, 1, MPI_INT, 0, node);
    CHECK_INT(first, top, "world rank of node rank 0 (key -rank)");
    MPI_Allreduce(&rank, &my_node_min, 1, MPI_INT, MPI_MIN, node);
    CHECK(nrank == nsize - 1 ? rank == my_node_min : 1, "key order in the node");
    MPI_Comm_free(&node);

    MPI_Comm_split_type(MPI_COMM_WORLD, rank == 0 ? MPI_UNDEFINED : MPI_COMM_TYPE_SHARED,
                        0, MPI_INFO_NULL, &none);
    if (rank == 0)
        CHECK(none == MPI_COMM_NULL, "MPI_UNDEFINED gave a communicator");
    else
        MPI_Comm_free(&none);
}

static void check_name(MPI_Comm c, const char *want, const char *what)
{
    char got[MPI_MAX_OBJECT_NAME];
    int len = -1;
    MPI_Comm_get_name(c, got, &len);
    CHECK(strcmp(got, want) == 0, "%s: name is \"%s\", expected \"%s\"", what, got, want);
    CHECK_INT(len, (int)strlen(want), what);
}

static void test_names(void)
{
    MPI_Comm d;
    check_name(MPI_COMM_WORLD, "MPI_COMM_WORLD", "world");
    check_name(MPI_COMM_SELF, "MPI_COMM_SELF", "self");
    MPI_Comm_dup(MPI_COMM_WORLD, &d);
    check_name(d, "", "a new communicator");
    MPI_Comm_set_name(d, "rows");
    check_name(d, "rows", "a named communicator");
    MPI_Comm d2;
    MPI_Comm_dup(d, &d2);
    check_name(d2, "", "a dup of a named communicator");
    MPI_Comm_free(&d2);
    /* A name that does not fit is cut to MPI_MAX_OBJECT_NAME - 1. */
    char longname[MPI_MAX_OBJECT_NAME + 20];
    memset(longname, 'x', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    MPI_Comm_set_name(d, longname);
    longname[MPI_MAX_OBJECT_NAME - 1] = '\0';
    check_name(d, longname, "a cut name");
    MPI_Comm_free(&d);
    MPI_Comm_set_name(MPI_COMM_SELF, "me");
    check_name(MPI_COMM_SELF, "me", "self renamed");
}

static void check_dup_of_world(MPI_Comm d)
{
    int r, s, result, sum = -1;
    MPI_Comm_rank(d, &r);
    MPI_Comm_size(d, &s);
    CHECK_INT(r, rank, "rank in the dup");
    CHECK_INT(s, size, "size of the dup");
    MPI_Comm_compare(d, MPI_COMM_WORLD, &result);
    CHECK_INT(result, MPI_CONGRUENT, "dup compared to world");
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, d);
    CHECK_INT(sum, size * (size - 1) / 2, "sum over the dup");
}

static void test_dups(void)
{
    MPI_Comm a, b;
    MPI_Request req;
    MPI_Comm_dup_with_info(MPI_COMM_WORLD, MPI_INFO_NULL, &a);
    check_dup_of_world(a);
    MPI_Comm_idup(a, &b, &req);
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    CHECK(req == MPI_REQUEST_NULL, "MPI_Wait left the idup request");
    check_dup_of_world(b);
    /* Messages on the dup and its parent do not mix. */
    int to = (rank + 1) % size, from = (rank + size - 1) % size, x = -1, y = -1;
    MPI_Request r[2];
    MPI_Irecv(&x, 1, MPI_INT, from, 7, a, &r[0]);
    MPI_Irecv(&y, 1, MPI_INT, from, 7, b, &r[1]);
    int vb = 1000 + rank, va = rank;
    MPI_Send(&vb, 1, MPI_INT, to, 7, b);
    MPI_Send(&va, 1, MPI_INT, to, 7, a);
    MPI_Waitall(2, r, MPI_STATUSES_IGNORE);
    CHECK_INT(x, from, "message on the dup_with_info communicator");
    CHECK_INT(y, 1000 + from, "message on the idup communicator");
    MPI_Comm_free(&b);
    MPI_Comm_free(&a);
}

static void test_errors(void)
{
    MPI_Comm c;
    int rc, cls;
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    rc = MPI_Comm_split_type(MPI_COMM_WORLD, 12345, 0, MPI_INFO_NULL, &c);
    CHECK(rc != MPI_SUCCESS, "an unknown split type accepted");
    rc = MPI_Comm_set_name(MPI_COMM_NULL, "x");
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_COMM, "MPI_Comm_set_name on MPI_COMM_NULL");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("comm_misc", &rank, &size);
    test_split_type();
    test_names();
    test_dups();
    test_errors();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
