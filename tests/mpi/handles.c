/* handles.c - handle conversion (MPI-3.1 17.2.4): MPI_*_c2f and _f2c give
 * back the same handle for every kind, the null handles included, and an
 * object used through the converted handle is the same object; statuses
 * convert both ways with MPI_F_SOURCE, MPI_F_TAG, MPI_F_ERROR in place.
 * Also MPI_Alloc_mem/MPI_Free_mem and MPI_Pcontrol. */
#include "mpicheck.h"

static void comms(int rank, int size)
{
    MPI_Comm dup, back;
    CHECK(MPI_Comm_f2c(MPI_Comm_c2f(MPI_COMM_WORLD)) == MPI_COMM_WORLD, "MPI_COMM_WORLD");
    CHECK(MPI_Comm_f2c(MPI_Comm_c2f(MPI_COMM_SELF)) == MPI_COMM_SELF, "MPI_COMM_SELF");
    CHECK(MPI_Comm_f2c(MPI_Comm_c2f(MPI_COMM_NULL)) == MPI_COMM_NULL, "MPI_COMM_NULL");
    CHECK(MPI_Comm_c2f(MPI_COMM_WORLD) != MPI_Comm_c2f(MPI_COMM_SELF), "world and self");
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Fint f = MPI_Comm_c2f(dup);
    CHECK(f != MPI_Comm_c2f(MPI_COMM_WORLD), "a dup has world's Fortran handle");
    CHECK_INT(MPI_Comm_c2f(dup), f, "c2f twice");
    back = MPI_Comm_f2c(f);
    CHECK(back == dup, "MPI_Comm_f2c(MPI_Comm_c2f(dup))");
    int r = -1, sum = 0;
    MPI_Comm_rank(back, &r);
    CHECK_INT(r, rank, "rank through the converted communicator");
    MPI_Allreduce(&r, &sum, 1, MPI_INT, MPI_SUM, back);
    CHECK_INT(sum, size * (size - 1) / 2, "allreduce through the converted communicator");
    MPI_Comm_free(&back);
}

static void groups(void)
{
    MPI_Group g, back;
    int n = -1;
    MPI_Comm_group(MPI_COMM_WORLD, &g);
    back = MPI_Group_f2c(MPI_Group_c2f(g));
    CHECK(back == g, "MPI_Group_f2c(MPI_Group_c2f(g))");
    MPI_Group_size(back, &n);
    CHECK(n > 0, "group size through the converted group");
    CHECK(MPI_Group_f2c(MPI_Group_c2f(MPI_GROUP_NULL)) == MPI_GROUP_NULL,
          "MPI_GROUP_NULL");
    CHECK(MPI_Group_f2c(MPI_Group_c2f(MPI_GROUP_EMPTY)) == MPI_GROUP_EMPTY,
          "MPI_GROUP_EMPTY");
    MPI_Group_free(&g);
}

/* A request converted while pending completes through the C handle got back. */
static void requests(int rank, int size)
{
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int out = rank, in = -1;
    MPI_Request r, back;
    MPI_Status st;
    MPI_Irecv(&in, 1, MPI_INT, prev, 5, MPI_COMM_WORLD, &r);
    MPI_Fint f = MPI_Request_c2f(r);
    back = MPI_Request_f2c(f);
    CHECK(back == r, "MPI_Request_f2c(MPI_Request_c2f(r))");
    MPI_Send(&out, 1, MPI_INT, next, 5, MPI_COMM_WORLD);
    MPI_Wait(&back, &st);
    CHECK(back == MPI_REQUEST_NULL, "the converted request after MPI_Wait");
    CHECK_INT(in, prev, "value received through the converted request");
    CHECK(MPI_Request_f2c(MPI_Request_c2f(MPI_REQUEST_NULL)) == MPI_REQUEST_NULL,
          "MPI_REQUEST_NULL");
}

static void user_sum(void *in, void *inout, int *len, MPI_Datatype *type)
{
    (void)type;
    for (int i = 0; i < *len; i++)
        ((int *)inout)[i] += ((int *)in)[i];
}

static void integers(int size)
{
    static const MPI_Datatype types[] = {MPI_INT, MPI_DOUBLE, MPI_CHAR,
                                         MPI_DATATYPE_NULL};
    for (size_t i = 0; i < sizeof types / sizeof types[0]; i++)
        CHECK(MPI_Type_f2c(MPI_Type_c2f(types[i])) == types[i], "datatype %zu", i);
    MPI_Datatype pair, back;
    MPI_Type_contiguous(2, MPI_INT, &pair);
    MPI_Type_commit(&pair);
    back = MPI_Type_f2c(MPI_Type_c2f(pair));
    CHECK(back == pair, "a derived datatype");
    int sz = -1;
    MPI_Type_size(back, &sz);
    CHECK_INT(sz, 2 * (int)sizeof(int), "size through the converted datatype");
    MPI_Type_free(&pair);

    static const MPI_Op ops[] = {MPI_SUM, MPI_MAX, MPI_MAXLOC, MPI_OP_NULL};
    for (size_t i = 0; i < sizeof ops / sizeof ops[0]; i++)
        CHECK(MPI_Op_f2c(MPI_Op_c2f(ops[i])) == ops[i], "op %zu", i);
    MPI_Op op;
    MPI_Op_create(user_sum, 1, &op);
    MPI_Op op_back = MPI_Op_f2c(MPI_Op_c2f(op));
    CHECK(op_back == op, "a user op");
    int one = 1, sum = 0;
    MPI_Allreduce(&one, &sum, 1, MPI_INT, op_back, MPI_COMM_WORLD);
    CHECK_INT(sum, size, "allreduce with the converted op");
    MPI_Op_free(&op);

    static const MPI_Errhandler ehs[] = {MPI_ERRORS_ARE_FATAL, MPI_ERRORS_RETURN,
                                         MPI_ERRHANDLER_NULL};
    for (size_t i = 0; i < sizeof ehs / sizeof ehs[0]; i++)
        CHECK(MPI_Errhandler_f2c(MPI_Errhandler_c2f(ehs[i])) == ehs[i], "errhandler %zu",
              i);
}

static void infos(void)
{
    MPI_Info info, back;
    char value[8];
    int flag = 0;
    MPI_Info_create(&info);
    MPI_Info_set(info, "k", "v");
    back = MPI_Info_f2c(MPI_Info_c2f(info));
    CHECK(back == info, "MPI_Info_f2c(MPI_Info_c2f(info))");
    MPI_Info_get(back, "k", 7, value, &flag);
    CHECK(flag && !strcmp(value, "v"), "value through the converted info");
    MPI_Info_free(&back);
    CHECK(MPI_Info_f2c(MPI_Info_c2f(MPI_INFO_NULL)) == MPI_INFO_NULL, "MPI_INFO_NULL");
    CHECK(MPI_Info_f2c(MPI_Info_c2f(MPI_INFO_ENV)) == MPI_INFO_ENV, "MPI_INFO_ENV");
}

/* Open MPI 4.1's mpi.h lacks MPI_F_STATUS_SIZE and MPI_F_SOURCE... (a Fortran
 * build's), so with it this part is left out; elsewhere they must exist. */
#if defined(MPI_F_STATUS_SIZE) || !defined(OPEN_MPI)
#define HAVE_F_STATUS 1
static void statuses(int rank, int size)
{
    int next = (rank + 1) % size, prev = (rank + size - 1) % size;
    int out[3] = {rank, rank, rank}, in[3];
    MPI_Status st, back;
    MPI_Fint f[MPI_F_STATUS_SIZE];
    MPI_Sendrecv(out, 3, MPI_INT, next, 9, in, 3, MPI_INT, prev, 9, MPI_COMM_WORLD, &st);
    CHECK_INT(MPI_Status_c2f(&st, f), MPI_SUCCESS, "MPI_Status_c2f");
    CHECK_INT(f[MPI_F_SOURCE], prev, "f[MPI_F_SOURCE]");
    CHECK_INT(f[MPI_F_TAG], 9, "f[MPI_F_TAG]");
    CHECK_INT(MPI_Status_f2c(f, &back), MPI_SUCCESS, "MPI_Status_f2c");
    CHECK_INT(back.MPI_SOURCE, prev, "MPI_SOURCE after the round trip");
    CHECK_INT(back.MPI_TAG, 9, "MPI_TAG after the round trip");
    int count = -1;
    MPI_Get_count(&back, MPI_INT, &count);
    CHECK_INT(count, 3, "MPI_Get_count after the round trip");
    f[MPI_F_ERROR] = MPI_ERR_TAG;
    MPI_Status_f2c(f, &back);
    CHECK_INT(back.MPI_ERROR, MPI_ERR_TAG, "MPI_ERROR from f[MPI_F_ERROR]");
}
#endif

static void memory(void)
{
    double *p = NULL;
    CHECK_INT(MPI_Alloc_mem(1000 * sizeof *p, MPI_INFO_NULL, &p), MPI_SUCCESS,
              "MPI_Alloc_mem");
    CHECK(p != NULL, "MPI_Alloc_mem gave NULL");
    for (int i = 0; i < 1000; i++)
        p[i] = i;
    double sum = 0;
    MPI_Allreduce(MPI_IN_PLACE, p, 1000, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    for (int i = 0; i < 1000; i++)
        sum += p[i];
    int size;
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    CHECK_DBL(sum, 999.0 * 1000 / 2 * size, "allreduce in MPI_Alloc_mem memory");
    CHECK_INT(MPI_Free_mem(p), MPI_SUCCESS, "MPI_Free_mem");
    CHECK_INT(MPI_Pcontrol(0), MPI_SUCCESS, "MPI_Pcontrol(0)");
    CHECK_INT(MPI_Pcontrol(1), MPI_SUCCESS, "MPI_Pcontrol(1)");
    CHECK_INT(MPI_Pcontrol(2, "extra"), MPI_SUCCESS, "MPI_Pcontrol(2, ...)");
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    mc_init("handles", &rank, &size);
    comms(rank, size);
    groups();
    requests(rank, size);
    integers(size);
    infos();
#ifdef HAVE_F_STATUS
    statuses(rank, size);
#endif
    memory();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
