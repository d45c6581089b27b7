/* coll_local.c - MPI_Reduce_local (predefined ops on basic and pair types,
 * a user op whose order shows, a strided datatype) and the error class of
 * a root outside the communicator in each rooted collective. */
#include "mpicheck.h"

/* inout = in "then" inout, as digits: shows which operand came first. On
 * MPI_INT, len ints; on any other type, len elements of 3 ints 2 apart
 * (the vector below): a user function sees its datatype's own layout. */
static void concat(void *in, void *inout, int *len, MPI_Datatype *type)
{
    int n = *type == MPI_INT ? *len : 3 * *len, step = *type == MPI_INT ? 1 : 2;
    for (int i = 0; i < n; i++)
        ((int *)inout)[i * step] = ((int *)in)[i * step] * 10 + ((int *)inout)[i * step];
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    mc_init("coll_local", &rank, &size);

    int a[4] = {1, 2, 3, 4}, b[4] = {10, 20, 30, 40};
    MPI_Reduce_local(a, b, 4, MPI_INT, MPI_SUM);
    for (int i = 0; i < 4; i++)
        CHECK_INT(b[i], 11 * (i + 1), "MPI_Reduce_local MPI_SUM");

    struct {
        double v;
        int i;
    } x[2] = {{1.5, 7}, {9.0, 1}}, y[2] = {{2.5, 3}, {9.0, 4}};
    MPI_Reduce_local(x, y, 2, MPI_DOUBLE_INT, MPI_MAXLOC);
    CHECK(y[0].v == 2.5 && y[0].i == 3, "MAXLOC keeps the larger: %g %d", y[0].v, y[0].i);
    CHECK(y[1].v == 9.0 && y[1].i == 1, "MAXLOC on a tie keeps the lower index: %g %d",
          y[1].v, y[1].i);

    MPI_Op op;
    MPI_Op_create(concat, 0, &op);
    int c[2] = {1, 2}, d[2] = {3, 4};
    MPI_Reduce_local(c, d, 2, MPI_INT, op);
    CHECK_INT(d[0], 13, "user op: in comes first");
    CHECK_INT(d[1], 24, "user op: in comes first");

    /* Every other int, 3 of them: a vector, with the user op (predefined
     * ops on derived types are refused by MPICH). */
    int s[6] = {1, -1, 2, -1, 3, -1}, t[6] = {5, 7, 6, 7, 7, 7};
    MPI_Datatype every_other;
    MPI_Type_vector(3, 1, 2, MPI_INT, &every_other);
    MPI_Type_commit(&every_other);
    MPI_Reduce_local(s, t, 1, every_other, op);
    int want[6] = {15, 7, 26, 7, 37, 7};
    for (int i = 0; i < 6; i++)
        CHECK_INT(t[i], want[i], "MPI_Reduce_local on a vector (gaps untouched)");
    MPI_Type_free(&every_other);
    MPI_Op_free(&op);

    /* A root outside the communicator is MPI_ERR_ROOT. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int v = 0, all[64], cls, rc;
    rc = MPI_Bcast(&v, 1, MPI_INT, size, MPI_COMM_WORLD);
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_ROOT, "MPI_Bcast to root = size");
    rc = MPI_Reduce(&v, all, 1, MPI_INT, MPI_SUM, -1, MPI_COMM_WORLD);
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_ROOT, "MPI_Reduce to root -1");
    rc = MPI_Gather(&v, 1, MPI_INT, all, 1, MPI_INT, size + 3, MPI_COMM_WORLD);
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_ROOT, "MPI_Gather to root size + 3");
    rc = MPI_Scatter(all, 1, MPI_INT, &v, 1, MPI_INT, size, MPI_COMM_WORLD);
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_ROOT, "MPI_Scatter from root size");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);

    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
