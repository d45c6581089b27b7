/*
 * mpi_env.c - MPI start-up and shut-down, errors and error handlers, on
 * top of libipc.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mpi_internal.h"

/* ---- start-up and shut-down ---- */

static int thread_level = MPI_THREAD_SINGLE;

int MPI_Init(int *argc, char ***argv)
{
    IPC__MPI_RET_IPC(MPI_COMM_WORLD, ipc_init(argc, argv));
}

int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    if (!provided)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    thread_level = required < MPI_THREAD_FUNNELED ? required : MPI_THREAD_FUNNELED;
    *provided = thread_level;
    IPC__MPI_RET_IPC(MPI_COMM_WORLD, ipc_init(argc, argv));
}

int MPI_Query_thread(int *provided)
{
    *provided = thread_level;
    return MPI_SUCCESS;
}

int MPI_Is_thread_main(int *flag)
{
    *flag = 1; /* only the main thread may call the library */
    return MPI_SUCCESS;
}

int MPI_Finalize(void)
{
    int flag = 0;
    ipc_initialized(&flag);
    if (flag) {
        ipc__mpi_p2p_fini();
        /* MPI-3.1 8.7.1: as if MPI_COMM_SELF were freed first. */
        ipc__mpi_comm_release(MPI_COMM_SELF);
        ipc__mpi_comm_release(MPI_COMM_WORLD);
    }
    int rc = ipc_finalize();
    if (rc == IPC_SUCCESS)
        ipc__mpi_ops_fini();
    IPC__MPI_RET_IPC(MPI_COMM_WORLD, rc);
}

int MPI_Initialized(int *flag)
{
    return ipc__mpi_code(ipc_initialized(flag));
}

int MPI_Finalized(int *flag)
{
    return ipc__mpi_code(ipc_finalized(flag));
}

int MPI_Abort(MPI_Comm comm, int errorcode)
{
    return ipc__mpi_code(ipc_abort(comm, errorcode));
}

double MPI_Wtime(void)
{
    return ipc_wtime();
}

double MPI_Wtick(void)
{
    struct timespec res;
    if (clock_getres(CLOCK_MONOTONIC, &res) != 0)
        return 1e-9;
    return (double)res.tv_sec + (double)res.tv_nsec * 1e-9;
}

int MPI_Get_processor_name(char *name, int *resultlen)
{
    if (!name || !resultlen)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    if (gethostname(name, MPI_MAX_PROCESSOR_NAME) != 0)
        strcpy(name, "localhost");
    name[MPI_MAX_PROCESSOR_NAME - 1] = '\0';
    *resultlen = (int)strlen(name);
    return MPI_SUCCESS;
}

int MPI_Get_version(int *version, int *subversion)
{
    *version = MPI_VERSION;
    *subversion = MPI_SUBVERSION;
    return MPI_SUCCESS;
}

int MPI_Get_library_version(char *version, int *resultlen)
{
    *resultlen = snprintf(version, MPI_MAX_LIBRARY_VERSION_STRING,
                          "ipc %s (MPI %d.%d bindings on libipc)", IPC_VERSION_STRING,
                          MPI_VERSION, MPI_SUBVERSION);
    return MPI_SUCCESS;
}

/* ---- errors ---- */

static const char *const error_strings[MPI_ERR_LASTCODE] = {
    [MPI_SUCCESS] = "MPI_SUCCESS: no error",
    [MPI_ERR_BUFFER] = "MPI_ERR_BUFFER: invalid buffer pointer, or buffered send space exhausted",
    [MPI_ERR_COUNT] = "MPI_ERR_COUNT: invalid count",
    [MPI_ERR_TYPE] = "MPI_ERR_TYPE: invalid datatype",
    [MPI_ERR_TAG] = "MPI_ERR_TAG: invalid tag",
    [MPI_ERR_COMM] = "MPI_ERR_COMM: invalid communicator",
    [MPI_ERR_RANK] = "MPI_ERR_RANK: invalid rank",
    [MPI_ERR_REQUEST] = "MPI_ERR_REQUEST: invalid request",
    [MPI_ERR_ROOT] = "MPI_ERR_ROOT: invalid root",
    [MPI_ERR_GROUP] = "MPI_ERR_GROUP: invalid group",
    [MPI_ERR_OP] = "MPI_ERR_OP: invalid reduction operation for this datatype",
    [11] = "unused error code",
    [MPI_ERR_ARG] = "MPI_ERR_ARG: invalid argument",
    [MPI_ERR_UNKNOWN] = "MPI_ERR_UNKNOWN: unknown error",
    [MPI_ERR_TRUNCATE] = "MPI_ERR_TRUNCATE: message truncated",
    [MPI_ERR_OTHER] = "MPI_ERR_OTHER: other error",
    [MPI_ERR_INTERN] = "MPI_ERR_INTERN: internal error",
    [MPI_ERR_IN_STATUS] = "MPI_ERR_IN_STATUS: error code is in status",
    [MPI_ERR_PENDING] = "MPI_ERR_PENDING: pending request",
    [MPI_ERR_NO_MEM] = "MPI_ERR_NO_MEM: out of memory",
    [MPI_ERR_TOPOLOGY] = "MPI_ERR_TOPOLOGY: invalid topology, or none of the kind required",
    [MPI_ERR_DIMS] = "MPI_ERR_DIMS: invalid dimension argument",
};

int ipc__mpi_code(int err)
{
    switch (err) {
    case IPC_SUCCESS: return MPI_SUCCESS;
    case IPC_ERR_ARG: return MPI_ERR_ARG;
    case IPC_ERR_COUNT: return MPI_ERR_COUNT;
    case IPC_ERR_TYPE: return MPI_ERR_TYPE;
    case IPC_ERR_RANK: return MPI_ERR_RANK;
    case IPC_ERR_TAG: return MPI_ERR_TAG;
    case IPC_ERR_COMM: return MPI_ERR_COMM;
    case IPC_ERR_BUFFER: return MPI_ERR_BUFFER;
    case IPC_ERR_TRUNCATE: return MPI_ERR_TRUNCATE;
    case IPC_ERR_REQUEST: return MPI_ERR_REQUEST;
    case IPC_ERR_IN_STATUS: return MPI_ERR_IN_STATUS;
    case IPC_ERR_NOMEM: return MPI_ERR_NO_MEM;
    case IPC_ERR_OP: return MPI_ERR_OP;
    case IPC_ERR_INTERN: return MPI_ERR_INTERN;
    default: return MPI_ERR_OTHER; /* not initialized, wire-up, transport, peer */
    }
}

int MPI_Error_string(int errorcode, char *string, int *resultlen)
{
    if (!string || !resultlen)
        return MPI_ERR_ARG;
    const char *s = errorcode >= 0 && errorcode < MPI_ERR_LASTCODE
                        ? error_strings[errorcode]
                        : "unknown error code";
    *resultlen = snprintf(string, MPI_MAX_ERROR_STRING, "%s", s);
    return MPI_SUCCESS;
}

int MPI_Error_class(int errorcode, int *errorclass)
{
    if (errorcode < 0 || errorcode >= MPI_ERR_LASTCODE || !errorclass)
        return MPI_ERR_ARG;
    *errorclass = errorcode;
    return MPI_SUCCESS;
}

static MPI_Errhandler errh_get(MPI_Comm comm)
{
    const struct ipc__mpi_comm *st = comm->mpi;
    return st && st->errh != MPI_ERRHANDLER_NULL ? st->errh : MPI_ERRORS_ARE_FATAL;
}

static int errh_set(MPI_Comm comm, MPI_Errhandler h)
{
    struct ipc__mpi_comm *st = ipc__mpi_comm_state(comm);
    if (!st)
        return MPI_ERR_NO_MEM;
    st->errh = h;
    return MPI_SUCCESS;
}

int ipc__mpi_ret(MPI_Comm comm, int rc, const char *fn)
{
    if (rc == MPI_SUCCESS)
        return rc;
    if (ipc__check_comm(comm) != IPC_SUCCESS)
        comm = MPI_COMM_WORLD; /* an error on no valid communicator */
    if (errh_get(comm) == MPI_ERRORS_RETURN)
        return rc;
    char text[MPI_MAX_ERROR_STRING];
    int len;
    MPI_Error_string(rc, text, &len);
    fprintf(stderr, "ipc: rank %d: %s: %s (MPI_ERRORS_ARE_FATAL: aborting the job)\n",
            ipc__g.job.rank, fn, text);
    fflush(stderr);
    if (ipc__g.initialized && !ipc__g.finalized)
        ipc_abort(MPI_COMM_WORLD, rc);
    exit(rc);
}

int MPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && errhandler != MPI_ERRORS_ARE_FATAL &&
        errhandler != MPI_ERRORS_RETURN)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = errh_set(comm, errhandler);
    IPC__MPI_RET(comm, rc);
}

int MPI_Comm_get_errhandler(MPI_Comm comm, MPI_Errhandler *errhandler)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !errhandler)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        *errhandler = errh_get(comm);
    IPC__MPI_RET(comm, rc);
}

int MPI_Errhandler_free(MPI_Errhandler *errhandler)
{
    *errhandler = MPI_ERRHANDLER_NULL;
    return MPI_SUCCESS;
}

void ipc__mpi_status(MPI_Status *st, const ipc_status *ist)
{
    if (st)
        *st = (MPI_Status){.MPI_SOURCE = ist->source, .MPI_TAG = ist->tag,
                           .MPI_ERROR = ipc__mpi_code(ist->error),
                           .ipc__bytes = ist->ipc__bytes};
}
