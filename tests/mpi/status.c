/* status.c - statuses the program fills (MPI-3.1 13.6):
 * MPI_Status_set_elements(_x) makes MPI_Get_elements and MPI_Get_count give
 * that count (MPI_UNDEFINED for a partial element of a derived type);
 * MPI_Status_set_cancelled and MPI_Test_cancelled; a real receive is not
 * cancelled. */
#include "mpicheck.h"

static void check_counts(const MPI_Status *st, MPI_Datatype type, int count, int elements,
                         const char *what)
{
    int got = -2;
    MPI_Get_count(st, type, &got);
    CHECK(got == count, "%s: MPI_Get_count %d, expected %d", what, got, count);
    MPI_Get_elements(st, type, &got);
    CHECK(got == elements, "%s: MPI_Get_elements %d, expected %d", what, got, elements);
}

int main(int argc, char **argv)
{
    int rank, size, flag;
    MPI_Status st;
    MPI_Datatype pair;

    MPI_Init(&argc, &argv);
    mc_init("status", &rank, &size);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);

    CHECK_INT(MPI_Status_set_elements(&st, MPI_INT, 5), MPI_SUCCESS,
              "MPI_Status_set_elements");
    check_counts(&st, MPI_INT, 5, 5, "5 MPI_INT");
    MPI_Status_set_elements(&st, MPI_DOUBLE, 0);
    check_counts(&st, MPI_DOUBLE, 0, 0, "0 MPI_DOUBLE");
    CHECK_INT(MPI_Status_set_elements_x(&st, MPI_CHAR, (MPI_Count)3000000000LL / 1000),
              MPI_SUCCESS, "MPI_Status_set_elements_x");
    check_counts(&st, MPI_CHAR, 3000000, 3000000, "3000000 MPI_CHAR");

    MPI_Type_contiguous(2, MPI_INT, &pair);
    MPI_Type_commit(&pair);
    MPI_Status_set_elements(&st, pair, 4);
    check_counts(&st, pair, 2, 4, "4 ints of a pair type");
    MPI_Status_set_elements(&st, pair, 3);
    check_counts(&st, pair, MPI_UNDEFINED, 3, "3 ints of a pair type");
    MPI_Type_free(&pair);

    /* A struct of two basic types: {int; double[2]} is 3 basic elements. */
    int blocks[2] = {1, 2};
    MPI_Aint disps[2] = {0, 8};
    MPI_Datatype types[2] = {MPI_INT, MPI_DOUBLE}, mixed;
    MPI_Type_create_struct(2, blocks, disps, types, &mixed);
    MPI_Type_commit(&mixed);
    MPI_Status_set_elements(&st, mixed, 6);
    check_counts(&st, mixed, 2, 6, "6 basic elements of a struct");
    MPI_Status_set_elements(&st, mixed, 4);
    check_counts(&st, mixed, MPI_UNDEFINED, 4, "4 basic elements of a struct");
    MPI_Type_free(&mixed);

    MPI_Status_set_cancelled(&st, 1);
    MPI_Test_cancelled(&st, &flag);
    CHECK(flag, "MPI_Test_cancelled after MPI_Status_set_cancelled(1)");
    MPI_Status_set_cancelled(&st, 0);
    MPI_Test_cancelled(&st, &flag);
    CHECK(!flag, "MPI_Test_cancelled after MPI_Status_set_cancelled(0)");

    int next = (rank + 1) % size, prev = (rank + size - 1) % size, x = rank, y;
    MPI_Status_set_cancelled(&st, 1);
    MPI_Sendrecv(&x, 1, MPI_INT, next, 1, &y, 1, MPI_INT, prev, 1, MPI_COMM_WORLD, &st);
    MPI_Test_cancelled(&st, &flag);
    CHECK(!flag, "a receive that completed is cancelled");
    check_counts(&st, MPI_INT, 1, 1, "a real receive");

    int rc = MPI_Status_set_elements(&st, MPI_INT, -1);
    CHECK(rc != MPI_SUCCESS, "MPI_Status_set_elements with count -1 succeeded");

    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
