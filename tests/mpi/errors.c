/* errors.c - MPI_ERRORS_RETURN, MPI_Error_class and MPI_Error_string: with
 * the handler set on MPI_COMM_WORLD, a send to a rank that does not exist,
 * a negative tag and a negative count each return an error code instead of
 * ending the job, and communication still works afterwards. */
#include "mpicheck.h"

static void check_code(int rc, int want_class, const char *what)
{
    int cls = -1, len = -1;
    char msg[MPI_MAX_ERROR_STRING];
    CHECK(rc != MPI_SUCCESS, "%s returned MPI_SUCCESS", what);
    MPI_Error_class(rc, &cls);
    CHECK(cls == want_class, "%s: error class %d, expected %d", what, cls, want_class);
    MPI_Error_string(rc, msg, &len);
    CHECK(len > 0 && len < MPI_MAX_ERROR_STRING && (int)strlen(msg) == len,
          "%s: MPI_Error_string gave length %d", what, len);
}

int main(int argc, char **argv)
{
    int rank, size, x = 1, cls, len;
    char msg[MPI_MAX_ERROR_STRING];

    MPI_Init(&argc, &argv);
    mc_init("errors", &rank, &size);

    MPI_Error_class(MPI_SUCCESS, &cls);
    CHECK_INT(cls, MPI_SUCCESS, "MPI_Error_class(MPI_SUCCESS)");
    MPI_Error_string(MPI_SUCCESS, msg, &len);
    CHECK(len > 0 && (int)strlen(msg) == len, "MPI_Error_string(MPI_SUCCESS) empty");
    MPI_Error_string(MPI_ERR_RANK, msg, &len);
    CHECK(len > 0 && (int)strlen(msg) == len, "MPI_Error_string(MPI_ERR_RANK) empty");
    CHECK(MPI_ERR_LASTCODE >= MPI_ERR_RANK, "MPI_ERR_LASTCODE below MPI_ERR_RANK");

    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Errhandler eh;
    MPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh);
    CHECK(eh == MPI_ERRORS_RETURN, "MPI_Comm_get_errhandler is not MPI_ERRORS_RETURN");
    MPI_Errhandler_free(&eh);

    check_code(MPI_Send(&x, 1, MPI_INT, size, 0, MPI_COMM_WORLD), MPI_ERR_RANK,
               "MPI_Send to rank size");
    check_code(MPI_Recv(&x, 1, MPI_INT, size + 5, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE),
               MPI_ERR_RANK, "MPI_Recv from rank size+5");
    check_code(MPI_Send(&x, 1, MPI_INT, 0, -5, MPI_COMM_WORLD), MPI_ERR_TAG,
               "MPI_Send with tag -5");
    check_code(MPI_Send(&x, -1, MPI_INT, 0, 0, MPI_COMM_WORLD), MPI_ERR_COUNT,
               "MPI_Send with count -1");

    int sum = 0;
    CHECK_INT(MPI_Allreduce(&x, &sum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD), MPI_SUCCESS,
              "MPI_Allreduce after errors");
    CHECK_INT(sum, size, "MPI_Allreduce after errors");
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
