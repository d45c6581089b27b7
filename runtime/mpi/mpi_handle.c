/*
 * mpi_handle.c - handles as Fortran sees them (MPI-3.1 17.2.4), statuses,
 * memory and profiling control.
 *
 * MPI_Fint is an int. Integer handles (datatypes, ops, error handlers) are
 * their own Fortran index. A pointer handle (communicator, group, request,
 * info, window) gets an index in its kind's table the first time MPI_*_c2f sees it;
 * the predefined ones have fixed indices (MPI_COMM_WORLD 0, MPI_COMM_SELF 1,
 * MPI_GROUP_EMPTY 0, MPI_INFO_ENV 0) and the null handles are -1. The index
 * of a communicator, an info object, a window or a request is forgotten when it is
 * freed (a request: when its handle dies, mpi_p2p.c), and its slot reused;
 * groups keep theirs (a new object at the same address takes the old index
 * over). MPI_*_f2c of an unknown index gives the null handle, and
 * MPI_Request_c2f of a request handle that names no request gives -1. An
 * index carries no generation: one kept after its object is gone may name
 * the next object given its slot.
 */
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

struct table {
    void *const *fixed; /* the predefined handles: indices 0 .. nfixed-1 */
    int nfixed;
    void **ptrs; /* index nfixed + i is ptrs[i]; NULL: a free slot */
    int n;
};

static void *const comm_fixed[] = {MPI_COMM_WORLD, MPI_COMM_SELF};
static void *const group_fixed[] = {MPI_GROUP_EMPTY};
static void *const info_fixed[] = {MPI_INFO_ENV};
static struct table comms = {comm_fixed, 2, NULL, 0};
static struct table groups = {group_fixed, 1, NULL, 0};
static struct table requests = {NULL, 0, NULL, 0};
static struct table infos = {info_fixed, 1, NULL, 0};
static struct table wins = {NULL, 0, NULL, 0};

/* -1 for NULL, and when no index can be had (out of memory). */
static MPI_Fint to_index(struct table *t, void *h)
{
    if (!h)
        return -1;
    for (int i = 0; i < t->nfixed; i++)
        if (t->fixed[i] == h)
            return i;
    int free_slot = -1;
    for (int i = 0; i < t->n; i++) {
        if (t->ptrs[i] == h)
            return t->nfixed + i;
        if (!t->ptrs[i] && free_slot < 0)
            free_slot = i;
    }
    if (free_slot < 0) {
        void **grown = realloc(t->ptrs, (size_t)(t->n + 1) * sizeof *grown);
        if (!grown)
            return -1;
        t->ptrs = grown;
        free_slot = t->n++;
    }
    t->ptrs[free_slot] = h;
    return t->nfixed + free_slot;
}

static void *from_index(const struct table *t, MPI_Fint f)
{
    if (f < 0)
        return NULL;
    if (f < t->nfixed)
        return t->fixed[f];
    return f - t->nfixed < t->n ? t->ptrs[f - t->nfixed] : NULL;
}

static void forget(struct table *t, const void *h)
{
    for (int i = 0; i < t->n; i++)
        if (t->ptrs[i] == h)
            t->ptrs[i] = NULL;
}

void ipc__mpi_handle_forget(const void *handle)
{
    forget(&comms, handle);
    forget(&infos, handle);
    forget(&wins, handle);
}

MPI_Fint MPI_Comm_c2f(MPI_Comm comm)
{
    return to_index(&comms, comm);
}

MPI_Comm MPI_Comm_f2c(MPI_Fint comm)
{
    return from_index(&comms, comm);
}

MPI_Fint MPI_Group_c2f(MPI_Group group)
{
    return to_index(&groups, group);
}

MPI_Group MPI_Group_f2c(MPI_Fint group)
{
    return from_index(&groups, group);
}

MPI_Fint MPI_Request_c2f(MPI_Request request)
{
    if (request && !ipc__mpi_request_live(request))
        return -1;
    return to_index(&requests, request);
}

void ipc__mpi_request_forget(MPI_Request h)
{
    if (requests.n) /* a program that never converts a request pays one test */
        forget(&requests, h);
}

MPI_Request MPI_Request_f2c(MPI_Fint request)
{
    return from_index(&requests, request);
}

MPI_Fint MPI_Info_c2f(MPI_Info info)
{
    return to_index(&infos, info);
}

MPI_Info MPI_Info_f2c(MPI_Fint info)
{
    return from_index(&infos, info);
}

MPI_Fint MPI_Win_c2f(MPI_Win win)
{
    return to_index(&wins, win);
}

MPI_Win MPI_Win_f2c(MPI_Fint win)
{
    return from_index(&wins, win);
}

MPI_Fint MPI_Type_c2f(MPI_Datatype datatype)
{
    return datatype;
}

MPI_Datatype MPI_Type_f2c(MPI_Fint datatype)
{
    return datatype;
}

MPI_Fint MPI_Op_c2f(MPI_Op op)
{
    return op;
}

MPI_Op MPI_Op_f2c(MPI_Fint op)
{
    return op;
}

MPI_Fint MPI_Errhandler_c2f(MPI_Errhandler errhandler)
{
    return errhandler;
}

MPI_Errhandler MPI_Errhandler_f2c(MPI_Fint errhandler)
{
    return errhandler;
}

/* A Fortran status is the C one's ints: MPI_F_SOURCE, _TAG, _ERROR first. */
_Static_assert(sizeof(MPI_Status) == MPI_F_STATUS_SIZE * sizeof(MPI_Fint) &&
                   offsetof(MPI_Status, MPI_SOURCE) == MPI_F_SOURCE * sizeof(MPI_Fint) &&
                   offsetof(MPI_Status, MPI_TAG) == MPI_F_TAG * sizeof(MPI_Fint) &&
                   offsetof(MPI_Status, MPI_ERROR) == MPI_F_ERROR * sizeof(MPI_Fint),
               "MPI_F_STATUS_SIZE and MPI_F_SOURCE/TAG/ERROR match MPI_Status");
int MPI_Status_c2f(const MPI_Status *c_status, MPI_Fint *f_status)
{
    if (!c_status || !f_status)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    memcpy(f_status, c_status, sizeof *c_status);
    return MPI_SUCCESS;
}

int MPI_Status_f2c(const MPI_Fint *f_status, MPI_Status *c_status)
{
    if (!c_status || !f_status)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    memcpy(c_status, f_status, sizeof *c_status);
    return MPI_SUCCESS;
}

/* ---- statuses the program makes (MPI-3.1 13.6: for generalized requests) ---- */

/* The packed bytes of the first `count` basic elements of t's stream, so
 * that MPI_Get_elements gives count back: by multiplication when t repeats
 * one basic type, else the fewest bytes that hold count of them (the count
 * of basic elements in a prefix only grows with its length). */
static size_t element_bytes(const struct ipc__mpi_type *t, MPI_Count count)
{
    if (t->red_basic && t->red_n)
        return (size_t)count * (t->size / t->red_n);
    size_t lo = 0, hi = (size_t)count * t->size;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        bool exact;
        if (ipc__mpi_elements(t, mid, &exact) < (size_t)count)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The status keeps bytes, from which MPI_Get_elements and _count count. */
static int set_elements(MPI_Status *status, MPI_Datatype datatype, MPI_Count count)
{
    const struct ipc__mpi_type *t = ipc__mpi_type(datatype);
    if (!t)
        return MPI_ERR_TYPE;
    if (!status)
        return MPI_ERR_ARG;
    if (count < 0)
        return MPI_ERR_COUNT;
    status->ipc__bytes = element_bytes(t, count);
    return MPI_SUCCESS;
}

int MPI_Status_set_elements(MPI_Status *status, MPI_Datatype datatype, int count)
{
    IPC__MPI_RET(MPI_COMM_WORLD, set_elements(status, datatype, count));
}

int MPI_Status_set_elements_x(MPI_Status *status, MPI_Datatype datatype, MPI_Count count)
{
    IPC__MPI_RET(MPI_COMM_WORLD, set_elements(status, datatype, count));
}

int MPI_Status_set_cancelled(MPI_Status *status, int flag)
{
    if (!status)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    status->ipc__cancelled = flag != 0;
    return MPI_SUCCESS;
}

/* Set when MPI_Cancel withdrew the operation (mpi_p2p.c), or by
 * MPI_Status_set_cancelled (a generalized request's query function). */
int MPI_Test_cancelled(const MPI_Status *status, int *flag)
{
    if (!status || !flag)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    *flag = status->ipc__cancelled;
    return MPI_SUCCESS;
}

/* ---- memory: plain malloc (docs/mpi.md: no special memory is faster here) ---- */

int MPI_Alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr)
{
    int rc = size < 0 || !baseptr ? MPI_ERR_ARG : MPI_SUCCESS;
    if (rc == MPI_SUCCESS && info != MPI_INFO_NULL)
        rc = ipc__mpi_info_check(info);
    void *p = rc == MPI_SUCCESS ? malloc(size ? (size_t)size : 1) : NULL;
    if (rc == MPI_SUCCESS && !p)
        rc = MPI_ERR_NO_MEM;
    if (rc == MPI_SUCCESS)
        *(void **)baseptr = p;
    IPC__MPI_RET(MPI_COMM_WORLD, rc);
}

int MPI_Free_mem(void *base)
{
    free(base);
    return MPI_SUCCESS;
}

/* Without a profiling tool there is nothing to control (MPI-3.1 14.2.4). */
int MPI_Pcontrol(const int level, ...)
{
    (void)level;
    return MPI_SUCCESS;
}
