/*
 * mpi_env.c - MPI start-up and shut-down, errors and error handlers,
 * communicators and groups, on top of libipc.
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
    if (flag)
        ipc__mpi_p2p_fini();
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

/* Communicators whose handler is not the default, MPI_ERRORS_ARE_FATAL. */
struct errh_entry {
    MPI_Comm comm;
    MPI_Errhandler handler;
};
static struct errh_entry *errh;
static size_t n_errh;

static struct errh_entry *errh_find(MPI_Comm comm)
{
    for (size_t i = 0; i < n_errh; i++)
        if (errh[i].comm == comm)
            return &errh[i];
    return NULL;
}

static MPI_Errhandler errh_get(MPI_Comm comm)
{
    const struct errh_entry *e = errh_find(comm);
    return e ? e->handler : MPI_ERRORS_ARE_FATAL;
}

static int errh_set(MPI_Comm comm, MPI_Errhandler h)
{
    struct errh_entry *e = errh_find(comm);
    if (e) {
        e->handler = h;
        return MPI_SUCCESS;
    }
    e = realloc(errh, (n_errh + 1) * sizeof *errh);
    if (!e)
        return MPI_ERR_NO_MEM;
    errh = e;
    errh[n_errh++] = (struct errh_entry){comm, h};
    return MPI_SUCCESS;
}

void ipc__mpi_errh_inherit(MPI_Comm parent, MPI_Comm child)
{
    if (child != MPI_COMM_NULL && errh_get(parent) != MPI_ERRORS_ARE_FATAL)
        errh_set(child, errh_get(parent));
}

void ipc__mpi_errh_forget(MPI_Comm comm)
{
    struct errh_entry *e = errh_find(comm);
    if (e)
        *e = errh[--n_errh];
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

/* ---- communicators ---- */

int MPI_Comm_rank(MPI_Comm comm, int *rank)
{
    IPC__MPI_RET_IPC(comm, ipc_comm_rank(comm, rank));
}

int MPI_Comm_size(MPI_Comm comm, int *size)
{
    IPC__MPI_RET_IPC(comm, ipc_comm_size(comm, size));
}

int MPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm)
{
    int rc = ipc_comm_dup(comm, newcomm);
    if (rc == IPC_SUCCESS)
        ipc__mpi_errh_inherit(comm, *newcomm);
    IPC__MPI_RET_IPC(comm, rc);
}

int MPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm *newcomm)
{
    int rc = ipc_comm_split(comm, color, key, newcomm);
    if (rc == IPC_SUCCESS)
        ipc__mpi_errh_inherit(comm, *newcomm);
    IPC__MPI_RET_IPC(comm, rc);
}

int MPI_Comm_free(MPI_Comm *comm)
{
    MPI_Comm c = comm ? *comm : MPI_COMM_NULL;
    int rc = ipc_comm_free(comm);
    if (rc == IPC_SUCCESS)
        ipc__mpi_errh_forget(c);
    IPC__MPI_RET_IPC(MPI_COMM_WORLD, rc);
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* IDENT, CONGRUENT or SIMILAR from the world ranks of two groups. */
static int compare_members(const int *a, const int *b, int n)
{
    if (!memcmp(a, b, (size_t)n * sizeof *a))
        return MPI_CONGRUENT;
    int *sa = malloc(2 * (size_t)n * sizeof *sa);
    if (!sa)
        return MPI_UNEQUAL;
    int *sb = sa + n;
    memcpy(sa, a, (size_t)n * sizeof *a);
    memcpy(sb, b, (size_t)n * sizeof *b);
    qsort(sa, (size_t)n, sizeof *sa, cmp_int);
    qsort(sb, (size_t)n, sizeof *sb, cmp_int);
    int r = memcmp(sa, sb, (size_t)n * sizeof *sa) ? MPI_UNEQUAL : MPI_SIMILAR;
    free(sa);
    return r;
}

/* ---- groups: world ranks of the members, in order ---- */

struct ipc__mpi_group {
    int size;
    int rank; /* this rank's place, or MPI_UNDEFINED */
    int world[];
};

static struct ipc__mpi_group empty_group = {.size = 0, .rank = MPI_UNDEFINED};

static struct ipc__mpi_group *group_of(MPI_Group g)
{
    return g == MPI_GROUP_EMPTY ? &empty_group : g;
}

static MPI_Group group_new(int size)
{
    struct ipc__mpi_group *g = malloc(sizeof *g + (size_t)size * sizeof g->world[0]);
    if (g) {
        g->size = size;
        g->rank = MPI_UNDEFINED;
    }
    return g;
}

/* Finds this rank's place; an empty group becomes MPI_GROUP_EMPTY. */
static MPI_Group group_done(MPI_Group g)
{
    if (!g->size) {
        free(g);
        return MPI_GROUP_EMPTY;
    }
    for (int i = 0; i < g->size; i++)
        if (g->world[i] == ipc__g.job.rank)
            g->rank = i;
    return g;
}

int MPI_Comm_group(MPI_Comm comm, MPI_Group *group)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !group)
        rc = MPI_ERR_ARG;
    MPI_Group g = rc == MPI_SUCCESS ? group_new(comm->size) : NULL;
    if (rc == MPI_SUCCESS && !g)
        rc = MPI_ERR_NO_MEM;
    if (rc == MPI_SUCCESS) {
        for (int i = 0; i < comm->size; i++)
            g->world[i] = ipc__world_rank(comm, i);
        *group = group_done(g);
    }
    IPC__MPI_RET(comm, rc);
}

int MPI_Group_size(MPI_Group group, int *size)
{
    if (!group)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_GROUP);
    *size = group_of(group)->size;
    return MPI_SUCCESS;
}

int MPI_Group_rank(MPI_Group group, int *rank)
{
    if (!group)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_GROUP);
    *rank = group_of(group)->rank;
    return MPI_SUCCESS;
}

/* Checks n distinct ranks of g; marks them in seen (g->size entries). */
static int check_ranks(const struct ipc__mpi_group *g, int n, const int ranks[], char *seen)
{
    if (n < 0 || n > g->size || (n && !ranks))
        return MPI_ERR_ARG;
    for (int i = 0; i < n; i++) {
        if (ranks[i] < 0 || ranks[i] >= g->size || seen[ranks[i]])
            return MPI_ERR_RANK;
        seen[ranks[i]] = 1;
    }
    return MPI_SUCCESS;
}

static int group_select(MPI_Group group, int n, const int ranks[], bool include,
                        MPI_Group *newgroup)
{
    if (!group || !newgroup)
        return MPI_ERR_GROUP;
    const struct ipc__mpi_group *g = group_of(group);
    char *seen = calloc((size_t)g->size + 1, 1);
    if (!seen)
        return MPI_ERR_NO_MEM;
    int rc = check_ranks(g, n, ranks, seen);
    MPI_Group ng = rc == MPI_SUCCESS ? group_new(include ? n : g->size - n) : NULL;
    if (rc == MPI_SUCCESS && !ng)
        rc = MPI_ERR_NO_MEM;
    if (rc == MPI_SUCCESS) {
        int k = 0;
        if (include)
            for (int i = 0; i < n; i++)
                ng->world[k++] = g->world[ranks[i]];
        else
            for (int i = 0; i < g->size; i++)
                if (!seen[i])
                    ng->world[k++] = g->world[i];
        *newgroup = group_done(ng);
    }
    free(seen);
    return rc;
}

int MPI_Group_incl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup)
{
    IPC__MPI_RET(MPI_COMM_WORLD, group_select(group, n, ranks, true, newgroup));
}

int MPI_Group_excl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup)
{
    IPC__MPI_RET(MPI_COMM_WORLD, group_select(group, n, ranks, false, newgroup));
}

int MPI_Group_translate_ranks(MPI_Group group1, int n, const int ranks1[], MPI_Group group2,
                              int ranks2[])
{
    if (!group1 || !group2)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_GROUP);
    const struct ipc__mpi_group *a = group_of(group1), *b = group_of(group2);
    for (int i = 0; i < n; i++) {
        if (ranks1[i] == MPI_PROC_NULL) {
            ranks2[i] = MPI_PROC_NULL;
            continue;
        }
        if (ranks1[i] < 0 || ranks1[i] >= a->size)
            IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_RANK);
        ranks2[i] = MPI_UNDEFINED;
        for (int j = 0; j < b->size; j++)
            if (b->world[j] == a->world[ranks1[i]])
                ranks2[i] = j;
    }
    return MPI_SUCCESS;
}

int MPI_Group_compare(MPI_Group group1, MPI_Group group2, int *result)
{
    if (!group1 || !group2)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_GROUP);
    const struct ipc__mpi_group *a = group_of(group1), *b = group_of(group2);
    if (a->size != b->size)
        *result = MPI_UNEQUAL;
    else if (compare_members(a->world, b->world, a->size) == MPI_CONGRUENT)
        *result = MPI_IDENT;
    else
        *result = compare_members(a->world, b->world, a->size);
    return MPI_SUCCESS;
}

int MPI_Group_free(MPI_Group *group)
{
    if (!group || !*group)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_GROUP);
    if (*group != MPI_GROUP_EMPTY)
        free(*group);
    *group = MPI_GROUP_NULL;
    return MPI_SUCCESS;
}

int MPI_Comm_compare(MPI_Comm comm1, MPI_Comm comm2, int *result)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm1));
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(ipc__check_comm(comm2));
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm1, rc);
    MPI_Group g1, g2;
    if (comm1 == comm2) {
        *result = MPI_IDENT;
        return MPI_SUCCESS;
    }
    if ((rc = MPI_Comm_group(comm1, &g1)) != MPI_SUCCESS)
        return rc;
    if ((rc = MPI_Comm_group(comm2, &g2)) != MPI_SUCCESS) {
        MPI_Group_free(&g1);
        return rc;
    }
    MPI_Group_compare(g1, g2, result);
    if (*result == MPI_IDENT)
        *result = MPI_CONGRUENT;
    MPI_Group_free(&g1);
    MPI_Group_free(&g2);
    return MPI_SUCCESS;
}

/* Collective over comm: the members of group (a subset of comm) get a
 * communicator ordered as the group, the others MPI_COMM_NULL. */
int MPI_Comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm *newcomm)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !group)
        rc = MPI_ERR_GROUP;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    int place = group_of(group)->rank;
    return MPI_Comm_split(comm, place == MPI_UNDEFINED ? MPI_UNDEFINED : 0, place, newcomm);
}

/* Called by the members of group only (a subset of comm): they agree among
 * themselves, on tag, and get a communicator ordered as the group. */
int MPI_Comm_create_group(MPI_Comm comm, MPI_Group group, int tag, MPI_Comm *newcomm)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && (!group || !newcomm))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS && (tag < 0 || tag > IPC_TAG_UB))
        rc = MPI_ERR_TAG;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    const struct ipc__mpi_group *g = group_of(group);
    if (g->rank == MPI_UNDEFINED) { /* not a member: nothing to agree on */
        *newcomm = MPI_COMM_NULL;
        return MPI_SUCCESS;
    }
    rc = ipc__comm_create_group(g->world, g->size, g->rank, tag, newcomm);
    if (rc == IPC_SUCCESS)
        ipc__mpi_errh_inherit(comm, *newcomm);
    IPC__MPI_RET_IPC(comm, rc);
}
