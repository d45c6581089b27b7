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
static void user_codes_fini(void);
static void user_errh_fini(void);

/* What went wrong beyond its class, for the fatal handler's line; NULL when
 * the class says it all. Set just before an error return, read once. */
static const char *error_detail;

/* MPI_INFO_ENV is read here: after ipc_init, argv is the program's own. */
static int init(int *argc, char ***argv)
{
    int done = 0, flag = 0;
    ipc_finalized(&done);
    ipc_initialized(&flag);
    if (flag || done) { /* erroneous (MPI-3.1 8.7): say which mistake it is */
        error_detail =
            done ? "MPI was finalized: it cannot be initialized again"
                 : "MPI is already initialized: call MPI_Init or MPI_Init_thread "
                   "once (MPI_Initialized tells whether it was)";
        return MPI_ERR_OTHER;
    }
    int rc = ipc__mpi_code(ipc_init(argc, argv));
    if (rc == MPI_SUCCESS) {
        ipc__obs_set_api(IPC__API_MPI);
        ipc__mpi_info_env_init(argc ? *argc : 0, argv ? *argv : NULL, thread_level);
    }
    return rc;
}

int MPI_Init(int *argc, char ***argv)
{
    IPC__MPI_RET(MPI_COMM_WORLD, init(argc, argv));
}

int MPI_Init_thread(int *argc, char ***argv, int required, int *provided)
{
    if (!provided)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    thread_level = required < MPI_THREAD_FUNNELED ? required : MPI_THREAD_FUNNELED;
    *provided = thread_level;
    IPC__MPI_RET(MPI_COMM_WORLD, init(argc, argv));
}

int MPI_Query_thread(int *provided)
{
    if (!provided)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    *provided = thread_level;
    return MPI_SUCCESS;
}

int MPI_Is_thread_main(int *flag)
{
    if (!flag)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
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
    if (rc == IPC_SUCCESS) {
        ipc__mpi_ops_fini();
        ipc__mpi_attr_fini();
        ipc__mpi_info_fini();
        user_codes_fini();
        user_errh_fini();
    }
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
    IPC__MPI_RET_IPC(comm, ipc_abort(comm, errorcode));
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
    if (!version || !subversion)
        return MPI_ERR_ARG; /* callable at any time: no handler to ask */
    *version = MPI_VERSION;
    *subversion = MPI_SUBVERSION;
    return MPI_SUCCESS;
}

int MPI_Get_library_version(char *version, int *resultlen)
{
    if (!version || !resultlen)
        return MPI_ERR_ARG; /* callable at any time: no handler to ask */
    *resultlen = snprintf(version, MPI_MAX_LIBRARY_VERSION_STRING,
                          "ipc %s (MPI %d.%d bindings on libipc)", IPC_VERSION_STRING,
                          MPI_VERSION, MPI_SUBVERSION);
    return MPI_SUCCESS;
}

/* ---- errors ---- */

static const char *const error_strings[MPI_ERR_LASTCODE + 1] = {
    [MPI_SUCCESS] = "MPI_SUCCESS: no error",
    [MPI_ERR_BUFFER] =
        "MPI_ERR_BUFFER: invalid buffer pointer, or buffered send space exhausted",
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
    [MPI_ERR_TOPOLOGY] =
        "MPI_ERR_TOPOLOGY: invalid topology, or none of the kind required",
    [MPI_ERR_DIMS] = "MPI_ERR_DIMS: invalid dimension argument",
    [MPI_ERR_KEYVAL] = "MPI_ERR_KEYVAL: invalid keyval",
    [MPI_ERR_INFO] = "MPI_ERR_INFO: invalid info object",
    [MPI_ERR_INFO_KEY] = "MPI_ERR_INFO_KEY: info key too long or empty",
    [MPI_ERR_INFO_VALUE] = "MPI_ERR_INFO_VALUE: info value too long",
    [MPI_ERR_INFO_NOKEY] = "MPI_ERR_INFO_NOKEY: no such info key",
    [MPI_ERR_ACCESS] = "MPI_ERR_ACCESS: permission denied",
    [MPI_ERR_AMODE] = "MPI_ERR_AMODE: invalid file access mode",
    [MPI_ERR_ASSERT] = "MPI_ERR_ASSERT: invalid assert argument",
    [MPI_ERR_BAD_FILE] = "MPI_ERR_BAD_FILE: invalid file name",
    [MPI_ERR_BASE] = "MPI_ERR_BASE: invalid base argument",
    [MPI_ERR_CONVERSION] = "MPI_ERR_CONVERSION: data conversion function failed",
    [MPI_ERR_DISP] = "MPI_ERR_DISP: invalid displacement argument",
    [MPI_ERR_DUP_DATAREP] = "MPI_ERR_DUP_DATAREP: data representation already defined",
    [MPI_ERR_FILE_EXISTS] = "MPI_ERR_FILE_EXISTS: file exists",
    [MPI_ERR_FILE_IN_USE] = "MPI_ERR_FILE_IN_USE: file in use by some process",
    [MPI_ERR_FILE] = "MPI_ERR_FILE: invalid file handle",
    [MPI_ERR_IO] = "MPI_ERR_IO: I/O error",
    [MPI_ERR_LOCKTYPE] = "MPI_ERR_LOCKTYPE: invalid lock type",
    [MPI_ERR_NAME] = "MPI_ERR_NAME: invalid service name",
    [MPI_ERR_NOT_SAME] =
        "MPI_ERR_NOT_SAME: collective arguments differ between processes",
    [MPI_ERR_NO_SPACE] = "MPI_ERR_NO_SPACE: not enough space",
    [MPI_ERR_NO_SUCH_FILE] = "MPI_ERR_NO_SUCH_FILE: file does not exist",
    [MPI_ERR_PORT] = "MPI_ERR_PORT: invalid port name",
    [MPI_ERR_QUOTA] = "MPI_ERR_QUOTA: quota exceeded",
    [MPI_ERR_READ_ONLY] = "MPI_ERR_READ_ONLY: file is read-only",
    [MPI_ERR_RMA_ATTACH] = "MPI_ERR_RMA_ATTACH: memory cannot be attached",
    [MPI_ERR_RMA_CONFLICT] = "MPI_ERR_RMA_CONFLICT: conflicting accesses to a window",
    [MPI_ERR_RMA_RANGE] = "MPI_ERR_RMA_RANGE: target memory outside the window",
    [MPI_ERR_RMA_SHARED] = "MPI_ERR_RMA_SHARED: memory cannot be shared",
    [MPI_ERR_RMA_SYNC] = "MPI_ERR_RMA_SYNC: wrong synchronization of RMA calls",
    [MPI_ERR_RMA_FLAVOR] = "MPI_ERR_RMA_FLAVOR: wrong window flavor",
    [MPI_ERR_SERVICE] = "MPI_ERR_SERVICE: invalid service name",
    [MPI_ERR_SIZE] = "MPI_ERR_SIZE: invalid size argument",
    [MPI_ERR_SPAWN] = "MPI_ERR_SPAWN: error spawning processes",
    [MPI_ERR_UNSUPPORTED_DATAREP] = "MPI_ERR_UNSUPPORTED_DATAREP: unsupported data "
                                    "representation",
    [MPI_ERR_UNSUPPORTED_OPERATION] =
        "MPI_ERR_UNSUPPORTED_OPERATION: unsupported operation",
    [MPI_ERR_WIN] = "MPI_ERR_WIN: invalid window",
    [MPI_T_ERR_MEMORY] = "MPI_T_ERR_MEMORY: out of memory",
    [MPI_T_ERR_NOT_INITIALIZED] =
        "MPI_T_ERR_NOT_INITIALIZED: tool interface not initialized",
    [MPI_T_ERR_CANNOT_INIT] =
        "MPI_T_ERR_CANNOT_INIT: tool interface cannot be initialized",
    [MPI_T_ERR_INVALID_INDEX] = "MPI_T_ERR_INVALID_INDEX: invalid index",
    [MPI_T_ERR_INVALID_ITEM] = "MPI_T_ERR_INVALID_ITEM: invalid item",
    [MPI_T_ERR_INVALID_HANDLE] = "MPI_T_ERR_INVALID_HANDLE: invalid handle",
    [MPI_T_ERR_OUT_OF_HANDLES] = "MPI_T_ERR_OUT_OF_HANDLES: no more handles",
    [MPI_T_ERR_OUT_OF_SESSIONS] = "MPI_T_ERR_OUT_OF_SESSIONS: no more sessions",
    [MPI_T_ERR_INVALID_SESSION] = "MPI_T_ERR_INVALID_SESSION: invalid session",
    [MPI_T_ERR_CVAR_SET_NOT_NOW] =
        "MPI_T_ERR_CVAR_SET_NOT_NOW: variable cannot be set now",
    [MPI_T_ERR_CVAR_SET_NEVER] = "MPI_T_ERR_CVAR_SET_NEVER: variable cannot be set",
    [MPI_T_ERR_PVAR_NO_STARTSTOP] = "MPI_T_ERR_PVAR_NO_STARTSTOP: variable cannot be "
                                    "started or stopped",
    [MPI_T_ERR_PVAR_NO_WRITE] = "MPI_T_ERR_PVAR_NO_WRITE: variable cannot be written",
    [MPI_T_ERR_PVAR_NO_ATOMIC] = "MPI_T_ERR_PVAR_NO_ATOMIC: variable cannot be read and "
                                 "written atomically",
    [MPI_T_ERR_INVALID_NAME] = "MPI_T_ERR_INVALID_NAME: invalid variable name",
    [MPI_T_ERR_INVALID] = "MPI_T_ERR_INVALID: invalid use of the tool interface",
    [MPI_ERR_LASTCODE] = "MPI_ERR_LASTCODE: last predefined error code",
};

int ipc__mpi_code(int err)
{
    switch (err) {
    case IPC_SUCCESS:
        return MPI_SUCCESS;
    case IPC_ERR_ARG:
        return MPI_ERR_ARG;
    case IPC_ERR_COUNT:
        return MPI_ERR_COUNT;
    case IPC_ERR_TYPE:
        return MPI_ERR_TYPE;
    case IPC_ERR_RANK:
        return MPI_ERR_RANK;
    case IPC_ERR_TAG:
        return MPI_ERR_TAG;
    case IPC_ERR_COMM:
        return MPI_ERR_COMM;
    case IPC_ERR_BUFFER:
        return MPI_ERR_BUFFER;
    case IPC_ERR_TRUNCATE:
        return MPI_ERR_TRUNCATE;
    case IPC_ERR_REQUEST:
        return MPI_ERR_REQUEST;
    case IPC_ERR_IN_STATUS:
        return MPI_ERR_IN_STATUS;
    case IPC_ERR_NOMEM:
        return MPI_ERR_NO_MEM;
    case IPC_ERR_OP:
        return MPI_ERR_OP;
    case IPC_ERR_INTERN:
        return MPI_ERR_INTERN;
    case IPC_ERR_WIN:
        return MPI_ERR_WIN;
    case IPC_ERR_RMA_SYNC:
        return MPI_ERR_RMA_SYNC;
    case IPC_ERR_RMA_RANGE:
        return MPI_ERR_RMA_RANGE;
    case IPC_ERR_RMA_ATTACH:
        return MPI_ERR_RMA_ATTACH;
    case IPC_ERR_RMA_FLAVOR:
        return MPI_ERR_RMA_FLAVOR;
    case IPC_ERR_LOCKTYPE:
        return MPI_ERR_LOCKTYPE;
    case IPC_ERR_ASSERT:
        return MPI_ERR_ASSERT;
    case IPC_ERR_RMA_SHARED:
        return MPI_ERR_RMA_SHARED;
    default:
        return MPI_ERR_OTHER; /* not initialized, wire-up, transport, peer */
    }
}

/* Classes and codes the program adds (MPI-3.1 8.5) are numbered from
 * MPI_ERR_LASTCODE + 1 up; a class is its own class. */
struct user_code {
    int errclass;
    char *text; /* NULL: "" */
};
static struct user_code *user_codes;
int ipc__mpi_last_used_code = MPI_ERR_LASTCODE;

static struct user_code *user_code(int code)
{
    return code > MPI_ERR_LASTCODE && code <= ipc__mpi_last_used_code
               ? &user_codes[code - MPI_ERR_LASTCODE - 1]
               : NULL;
}

static bool is_class(int code)
{
    const struct user_code *u = user_code(code);
    return (code >= 0 && code <= MPI_ERR_LASTCODE) || (u && u->errclass == code);
}

static int add_code(int errclass, int *code)
{
    if (!code)
        return MPI_ERR_ARG;
    int n = ipc__mpi_last_used_code - MPI_ERR_LASTCODE + 1;
    struct user_code *grown = realloc(user_codes, (size_t)n * sizeof *grown);
    if (!grown)
        return MPI_ERR_NO_MEM;
    user_codes = grown;
    *code = ++ipc__mpi_last_used_code;
    user_codes[n - 1] = (struct user_code){.errclass = errclass < 0 ? *code : errclass};
    return MPI_SUCCESS;
}

static void user_codes_fini(void)
{
    for (int c = MPI_ERR_LASTCODE + 1; c <= ipc__mpi_last_used_code; c++)
        free(user_code(c)->text);
    free(user_codes);
    user_codes = NULL;
    ipc__mpi_last_used_code = MPI_ERR_LASTCODE;
}

int MPI_Add_error_class(int *errorclass)
{
    IPC__MPI_RET(MPI_COMM_WORLD, add_code(-1, errorclass));
}

int MPI_Add_error_code(int errorclass, int *errorcode)
{
    int rc = is_class(errorclass) ? add_code(errorclass, errorcode) : MPI_ERR_ARG;
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

/* Only the program's own codes take a string (MPI-3.1 8.5). */
int MPI_Add_error_string(int errorcode, const char *string)
{
    struct user_code *u = user_code(errorcode);
    if (!u || !string || strlen(string) >= MPI_MAX_ERROR_STRING)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    char *text = strdup(string);
    if (!text)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_NO_MEM);
    free(u->text);
    u->text = text;
    return MPI_SUCCESS;
}

/* NULL for a code that is neither predefined nor the program's. */
static const char *error_text(int code)
{
    const struct user_code *u = user_code(code);
    if (u)
        return u->text ? u->text : "";
    return code >= 0 && code <= MPI_ERR_LASTCODE ? error_strings[code] : NULL;
}

int MPI_Error_string(int errorcode, char *string, int *resultlen)
{
    const char *text = error_text(errorcode);
    if (!string || !resultlen || !text)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    *resultlen = snprintf(string, MPI_MAX_ERROR_STRING, "%s", text);
    return MPI_SUCCESS;
}

int MPI_Error_class(int errorcode, int *errorclass)
{
    const struct user_code *u = user_code(errorcode);
    if (!errorclass || (!u && (errorcode < 0 || errorcode > MPI_ERR_LASTCODE)))
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    *errorclass = u ? u->errclass : errorcode;
    return MPI_SUCCESS;
}

/* ---- error handlers: handle h >= FIRST_USER_ERRH is user_errh[h - FIRST_USER_ERRH] ----
 */

#define FIRST_USER_ERRH (MPI_ERRORS_RETURN + 1)

/* Counted: each handle the program holds (MPI_*_create_errhandler's, each
 * MPI_*_get_errhandler's) and each object using it. */
struct user_errh {
    enum ipc__mpi_errh_kind kind; /* 0: a free slot */
    union {
        MPI_Comm_errhandler_function *comm;
        MPI_Win_errhandler_function *win;
    } fn;
    int refs;
};
static struct user_errh *user_errh;
static int n_user_errh;

static struct user_errh *user_errh_of(MPI_Errhandler h)
{
    struct user_errh *u = h >= FIRST_USER_ERRH && h - FIRST_USER_ERRH < n_user_errh
                              ? &user_errh[h - FIRST_USER_ERRH]
                              : NULL;
    return u && u->kind ? u : NULL;
}

static bool errh_valid(MPI_Errhandler h)
{
    return h == MPI_ERRORS_ARE_FATAL || h == MPI_ERRORS_RETURN || user_errh_of(h);
}

bool ipc__mpi_errh_valid(MPI_Errhandler h, enum ipc__mpi_errh_kind kind)
{
    const struct user_errh *u = user_errh_of(h);
    return h == MPI_ERRORS_ARE_FATAL || h == MPI_ERRORS_RETURN || (u && u->kind == kind);
}

void ipc__mpi_errh_retain(MPI_Errhandler h)
{
    struct user_errh *u = user_errh_of(h);
    if (u)
        u->refs++;
}

void ipc__mpi_errh_release(MPI_Errhandler h)
{
    struct user_errh *u = user_errh_of(h);
    if (u && --u->refs == 0)
        *u = (struct user_errh){0};
}

static void user_errh_fini(void)
{
    free(user_errh);
    user_errh = NULL;
    n_user_errh = 0;
}

/* A new handler of this kind (its fn set by the caller) in *h. */
static struct user_errh *errh_new(enum ipc__mpi_errh_kind kind, MPI_Errhandler *h)
{
    int i = 0;
    while (i < n_user_errh && user_errh[i].kind)
        i++;
    if (i == n_user_errh) {
        int n = n_user_errh ? 2 * n_user_errh : 8;
        struct user_errh *grown = realloc(user_errh, (size_t)n * sizeof *grown);
        if (!grown)
            return NULL;
        memset(grown + n_user_errh, 0, (size_t)(n - n_user_errh) * sizeof *grown);
        user_errh = grown;
        n_user_errh = n;
    }
    user_errh[i] = (struct user_errh){.kind = kind, .refs = 1};
    *h = FIRST_USER_ERRH + i;
    return &user_errh[i];
}

int MPI_Comm_create_errhandler(MPI_Comm_errhandler_function *comm_errhandler_fn,
                               MPI_Errhandler *errhandler)
{
    if (!comm_errhandler_fn || !errhandler)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    struct user_errh *u = errh_new(IPC__MPI_ERRH_COMM, errhandler);
    if (!u)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_NO_MEM);
    u->fn.comm = comm_errhandler_fn;
    return MPI_SUCCESS;
}

int MPI_Win_create_errhandler(MPI_Win_errhandler_function *win_errhandler_fn,
                              MPI_Errhandler *errhandler)
{
    if (!win_errhandler_fn || !errhandler)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    struct user_errh *u = errh_new(IPC__MPI_ERRH_WIN, errhandler);
    if (!u)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_NO_MEM);
    u->fn.win = win_errhandler_fn;
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
    ipc__mpi_errh_retain(h);
    ipc__mpi_errh_release(st->errh);
    st->errh = h;
    return MPI_SUCCESS;
}

int ipc__mpi_ret(MPI_Comm comm, int rc, const char *fn)
{
    if (rc == MPI_SUCCESS) {
        error_detail = NULL;
        return rc;
    }
    if (ipc__check_comm(comm) != IPC_SUCCESS)
        comm = MPI_COMM_WORLD; /* an error on no valid communicator */
    return ipc__mpi_errh_run(errh_get(comm), IPC__MPI_ERRH_COMM, &comm, rc, fn);
}

int ipc__mpi_errh_run(MPI_Errhandler h, enum ipc__mpi_errh_kind kind, void *obj, int rc,
                      const char *fn)
{
    const char *detail = error_detail;
    error_detail = NULL;
    if (h == MPI_ERRORS_RETURN)
        return rc;
    const struct user_errh *u = user_errh_of(h);
    if (u && u->kind == kind) {
        int code = rc;
        if (kind == IPC__MPI_ERRH_WIN)
            u->fn.win(obj, &code);
        else
            u->fn.comm(obj, &code);
        return rc;
    }
    char unknown[40];
    const char *text = error_text(rc);
    if (!text) {
        snprintf(unknown, sizeof unknown, "unknown error code %d", rc);
        text = unknown;
    }
    fprintf(stderr, "ipc: rank %d: %s: %s%s%s (MPI_ERRORS_ARE_FATAL: aborting the job)\n",
            ipc__g.job.rank, fn, text, detail ? ": " : "", detail ? detail : "");
    fflush(stderr);
    if (ipc__g.initialized && !ipc__g.finalized)
        ipc_abort(MPI_COMM_WORLD, rc);
    exit(rc);
}

int MPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !ipc__mpi_errh_valid(errhandler, IPC__MPI_ERRH_COMM))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = errh_set(comm, errhandler);
    IPC__MPI_RET(comm, rc);
}

/* The handle returned is a new reference: the program frees it. */
int MPI_Comm_get_errhandler(MPI_Comm comm, MPI_Errhandler *errhandler)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !errhandler)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS) {
        *errhandler = errh_get(comm);
        ipc__mpi_errh_retain(*errhandler);
    }
    IPC__MPI_RET(comm, rc);
}

/* A user handler stays alive while communicators use it. */
int MPI_Errhandler_free(MPI_Errhandler *errhandler)
{
    if (!errhandler || !errh_valid(*errhandler))
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    ipc__mpi_errh_release(*errhandler);
    *errhandler = MPI_ERRHANDLER_NULL;
    return MPI_SUCCESS;
}

/* Returns MPI_SUCCESS once the handler returned (MPI-3.1 8.3.6). */
int MPI_Comm_call_errhandler(MPI_Comm comm, int errorcode)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    ipc__mpi_ret(comm, errorcode, __func__);
    return MPI_SUCCESS;
}

void ipc__mpi_status(MPI_Status *st, const ipc_status *ist)
{
    if (st)
        *st = (MPI_Status){.MPI_SOURCE = ist->source,
                           .MPI_TAG = ist->tag,
                           .MPI_ERROR = ipc__mpi_code(ist->error),
                           .ipc__bytes = ist->ipc__bytes};
}
