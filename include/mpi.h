/*
 * mpi.h - the MPI C bindings (MPI-3.1 names, `int` counts) as a thin layer on
 * libipc (include/ipc.h). Build with `ipccc prog.c`, run with `ipcrun -n N`.
 *
 * Only what is implemented is declared: a call this header lacks is missing
 * from the library too, and a program using it fails to compile.
 * docs/mpi.md lists what is supported, how it maps onto libipc and what is
 * left out (MPI_PACKED, indexed and struct datatypes,
 * one-sided, I/O, attributes, persistent requests, ...).
 *
 * Handles: communicators are libipc's; datatypes, ops, errhandlers are small
 * integers; requests and groups are opaque pointers. The library is
 * single-threaded (MPI_THREAD_FUNNELED at most).
 */
#ifndef MPI_H
#define MPI_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version. */
#define MPI_VERSION 3
#define MPI_SUBVERSION 1

/* Error classes (each error code is its class). */
#define MPI_SUCCESS 0
#define MPI_ERR_BUFFER 1
#define MPI_ERR_COUNT 2
#define MPI_ERR_TYPE 3
#define MPI_ERR_TAG 4
#define MPI_ERR_COMM 5
#define MPI_ERR_RANK 6
#define MPI_ERR_REQUEST 7
#define MPI_ERR_ROOT 8
#define MPI_ERR_GROUP 9
#define MPI_ERR_OP 10
#define MPI_ERR_ARG 12
#define MPI_ERR_UNKNOWN 13
#define MPI_ERR_TRUNCATE 14
#define MPI_ERR_OTHER 15
#define MPI_ERR_INTERN 16
#define MPI_ERR_IN_STATUS 17
#define MPI_ERR_PENDING 18
#define MPI_ERR_NO_MEM 19
#define MPI_ERR_LASTCODE 20
#define MPI_MAX_ERROR_STRING 256
#define MPI_MAX_PROCESSOR_NAME 256
#define MPI_MAX_OBJECT_NAME 128
#define MPI_MAX_LIBRARY_VERSION_STRING 256

/* Handles. */
typedef struct ipc__comm *MPI_Comm;
typedef int MPI_Datatype;
typedef int MPI_Op;
typedef int MPI_Errhandler;
typedef struct ipc__mpi_request *MPI_Request;
typedef struct ipc__mpi_group *MPI_Group;
typedef long MPI_Aint;
typedef long long MPI_Count;
typedef long long MPI_Offset;
typedef int MPI_Fint; /* a handle as Fortran sees it (MPI_Comm_c2f, ...) */
typedef struct ipc__mpi_info *MPI_Info;

/* What a receive matched; the count is private (MPI_Get_count). */
typedef struct {
    int MPI_SOURCE;
    int MPI_TAG;
    int MPI_ERROR;
    int ipc__pad;
    size_t ipc__bytes;
} MPI_Status;

/* Communicators and special values. */
extern struct ipc__comm ipc__comm_world;
extern struct ipc__comm ipc__comm_self;
#define MPI_COMM_WORLD (&ipc__comm_world)
#define MPI_COMM_SELF (&ipc__comm_self)
#define MPI_COMM_NULL ((MPI_Comm)0)
#define MPI_ANY_SOURCE (-1)
#define MPI_PROC_NULL (-2)
#define MPI_ROOT (-3) /* intercommunicator collectives: the root itself */
#define MPI_ANY_TAG (-1)
#define MPI_UNDEFINED (-32766)
#define MPI_REQUEST_NULL ((MPI_Request)0)
#define MPI_INFO_NULL ((MPI_Info)0)
#define MPI_STATUS_IGNORE ((MPI_Status *)0)
#define MPI_STATUSES_IGNORE ((MPI_Status *)0)
#define MPI_IN_PLACE ((void *)1)
#define MPI_BOTTOM ((void *)0)
#define MPI_IDENT 0
#define MPI_CONGRUENT 1
#define MPI_SIMILAR 2
#define MPI_UNEQUAL 3
#define MPI_COMM_TYPE_SHARED 1 /* MPI_Comm_split_type: the ranks of one node */

/* Threads: MPI_THREAD_FUNNELED at most. */
#define MPI_THREAD_SINGLE 0
#define MPI_THREAD_FUNNELED 1
#define MPI_THREAD_SERIALIZED 2
#define MPI_THREAD_MULTIPLE 3

/* Datatypes. MPI_PACKED is not provided. */
#define MPI_DATATYPE_NULL 0
#define MPI_CHAR 1
#define MPI_SIGNED_CHAR 2
#define MPI_UNSIGNED_CHAR 3
#define MPI_BYTE 4
#define MPI_SHORT 5
#define MPI_UNSIGNED_SHORT 6
#define MPI_INT 7
#define MPI_UNSIGNED 8
#define MPI_LONG 9
#define MPI_UNSIGNED_LONG 10
#define MPI_LONG_LONG 11
#define MPI_LONG_LONG_INT MPI_LONG_LONG
#define MPI_UNSIGNED_LONG_LONG 12
#define MPI_FLOAT 13
#define MPI_DOUBLE 14
#define MPI_LONG_DOUBLE 15
#define MPI_INT8_T 16
#define MPI_INT16_T 17
#define MPI_INT32_T 18
#define MPI_INT64_T 19
#define MPI_UINT8_T 20
#define MPI_UINT16_T 21
#define MPI_UINT32_T 22
#define MPI_UINT64_T 23
#define MPI_C_BOOL 24
#define MPI_WCHAR 25
#define MPI_AINT 26
/* Pairs for MPI_MINLOC and MPI_MAXLOC: the C struct {value; int index}. */
#define MPI_FLOAT_INT 27
#define MPI_DOUBLE_INT 28
#define MPI_LONG_INT 29
#define MPI_2INT 30
#define MPI_SHORT_INT 31
#define MPI_LONG_DOUBLE_INT 32

/* Reduction operations. */
#define MPI_OP_NULL 0
#define MPI_MAX 1
#define MPI_MIN 2
#define MPI_SUM 3
#define MPI_PROD 4
#define MPI_LAND 5
#define MPI_BAND 6
#define MPI_LOR 7
#define MPI_BOR 8
#define MPI_LXOR 9
#define MPI_BXOR 10
#define MPI_MINLOC 11
#define MPI_MAXLOC 12
typedef void MPI_User_function(void *in, void *inout, int *len, MPI_Datatype *type);

/* Error handlers. */
#define MPI_ERRHANDLER_NULL 0
#define MPI_ERRORS_ARE_FATAL 1
#define MPI_ERRORS_RETURN 2

/* Groups. */
#define MPI_GROUP_NULL ((MPI_Group)0)
#define MPI_GROUP_EMPTY ((MPI_Group)1)

/* Buffered sends: each MPI_Bsend takes its size plus this from the buffer. */
#define MPI_BSEND_OVERHEAD 64

/* Start-up, shut-down and the environment. */
int MPI_Init(int *argc, char ***argv);
int MPI_Init_thread(int *argc, char ***argv, int required, int *provided);
int MPI_Query_thread(int *provided);
int MPI_Is_thread_main(int *flag);
int MPI_Finalize(void);
int MPI_Initialized(int *flag);
int MPI_Finalized(int *flag);
int MPI_Abort(MPI_Comm comm, int errorcode);
double MPI_Wtime(void);
double MPI_Wtick(void);
int MPI_Get_processor_name(char *name, int *resultlen);
int MPI_Get_version(int *version, int *subversion);
int MPI_Get_library_version(char *version, int *resultlen);

/* Errors. */
int MPI_Error_string(int errorcode, char *string, int *resultlen);
int MPI_Error_class(int errorcode, int *errorclass);
int MPI_Comm_set_errhandler(MPI_Comm comm, MPI_Errhandler errhandler);
int MPI_Comm_get_errhandler(MPI_Comm comm, MPI_Errhandler *errhandler);
int MPI_Errhandler_free(MPI_Errhandler *errhandler);

/* Communicators. */
int MPI_Comm_rank(MPI_Comm comm, int *rank);
int MPI_Comm_size(MPI_Comm comm, int *size);
int MPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm);
int MPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm *newcomm);
int MPI_Comm_free(MPI_Comm *comm);
int MPI_Comm_compare(MPI_Comm comm1, MPI_Comm comm2, int *result);
int MPI_Comm_dup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm *newcomm);
int MPI_Comm_idup(MPI_Comm comm, MPI_Comm *newcomm, MPI_Request *request);
int MPI_Comm_split_type(MPI_Comm comm, int split_type, int key, MPI_Info info,
                        MPI_Comm *newcomm);
int MPI_Comm_set_name(MPI_Comm comm, const char *comm_name);
int MPI_Comm_get_name(MPI_Comm comm, char *comm_name, int *resultlen);

/* Datatypes. */
int MPI_Type_size(MPI_Datatype type, int *size);
int MPI_Type_get_extent(MPI_Datatype type, MPI_Aint *lb, MPI_Aint *extent);
int MPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype *newtype);
int MPI_Type_vector(int count, int blocklength, int stride, MPI_Datatype oldtype,
                    MPI_Datatype *newtype);
int MPI_Type_commit(MPI_Datatype *type);
int MPI_Type_free(MPI_Datatype *type);
int MPI_Get_count(const MPI_Status *status, MPI_Datatype type, int *count);
int MPI_Get_elements(const MPI_Status *status, MPI_Datatype type, int *count);

/* Point-to-point. */
int MPI_Send(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm);
int MPI_Ssend(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm);
int MPI_Rsend(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm);
int MPI_Bsend(const void *buf, int count, MPI_Datatype type, int dest, int tag, MPI_Comm comm);
int MPI_Buffer_attach(void *buffer, int size);
int MPI_Buffer_detach(void *buffer_addr, int *size);
int MPI_Recv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
             MPI_Status *status);
int MPI_Sendrecv(const void *sbuf, int scount, MPI_Datatype stype, int dest, int stag,
                 void *rbuf, int rcount, MPI_Datatype rtype, int source, int rtag,
                 MPI_Comm comm, MPI_Status *status);
int MPI_Sendrecv_replace(void *buf, int count, MPI_Datatype type, int dest, int stag,
                         int source, int rtag, MPI_Comm comm, MPI_Status *status);
int MPI_Probe(int source, int tag, MPI_Comm comm, MPI_Status *status);
int MPI_Iprobe(int source, int tag, MPI_Comm comm, int *flag, MPI_Status *status);

/* Nonblocking point-to-point and completion. */
int MPI_Isend(const void *buf, int count, MPI_Datatype type, int dest, int tag,
              MPI_Comm comm, MPI_Request *req);
int MPI_Issend(const void *buf, int count, MPI_Datatype type, int dest, int tag,
               MPI_Comm comm, MPI_Request *req);
int MPI_Irsend(const void *buf, int count, MPI_Datatype type, int dest, int tag,
               MPI_Comm comm, MPI_Request *req);
int MPI_Ibsend(const void *buf, int count, MPI_Datatype type, int dest, int tag,
               MPI_Comm comm, MPI_Request *req);
int MPI_Irecv(void *buf, int count, MPI_Datatype type, int source, int tag, MPI_Comm comm,
              MPI_Request *req);
int MPI_Wait(MPI_Request *req, MPI_Status *status);
int MPI_Test(MPI_Request *req, int *flag, MPI_Status *status);
int MPI_Waitall(int n, MPI_Request reqs[], MPI_Status statuses[]);
int MPI_Testall(int n, MPI_Request reqs[], int *flag, MPI_Status statuses[]);
int MPI_Waitany(int n, MPI_Request reqs[], int *index, MPI_Status *status);
int MPI_Testany(int n, MPI_Request reqs[], int *index, int *flag, MPI_Status *status);
int MPI_Waitsome(int n, MPI_Request reqs[], int *outcount, int indices[],
                 MPI_Status statuses[]);
int MPI_Testsome(int n, MPI_Request reqs[], int *outcount, int indices[],
                 MPI_Status statuses[]);
int MPI_Request_free(MPI_Request *req);

/* Collectives. */
int MPI_Barrier(MPI_Comm comm);
int MPI_Bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm);
int MPI_Reduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
               int root, MPI_Comm comm);
int MPI_Allreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
                  MPI_Comm comm);
int MPI_Scan(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
             MPI_Comm comm);
int MPI_Exscan(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
               MPI_Comm comm);
int MPI_Reduce_scatter_block(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                             MPI_Op op, MPI_Comm comm);
int MPI_Reduce_scatter(const void *sbuf, void *rbuf, const int rcounts[], MPI_Datatype type,
                       MPI_Op op, MPI_Comm comm);
int MPI_Gather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
               MPI_Datatype rtype, int root, MPI_Comm comm);
int MPI_Gatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                const int rcounts[], const int displs[], MPI_Datatype rtype, int root,
                MPI_Comm comm);
int MPI_Scatter(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                MPI_Datatype rtype, int root, MPI_Comm comm);
int MPI_Scatterv(const void *sbuf, const int scounts[], const int displs[],
                 MPI_Datatype stype, void *rbuf, int rcount, MPI_Datatype rtype, int root,
                 MPI_Comm comm);
int MPI_Allgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                  MPI_Datatype rtype, MPI_Comm comm);
int MPI_Allgatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                   const int rcounts[], const int displs[], MPI_Datatype rtype,
                   MPI_Comm comm);
int MPI_Alltoall(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                 MPI_Datatype rtype, MPI_Comm comm);
int MPI_Alltoallv(const void *sbuf, const int scounts[], const int sdispls[],
                  MPI_Datatype stype, void *rbuf, const int rcounts[], const int rdispls[],
                  MPI_Datatype rtype, MPI_Comm comm);

/* User-defined reduction operations. */
int MPI_Op_create(MPI_User_function *fn, int commute, MPI_Op *op);
int MPI_Op_free(MPI_Op *op);

/* Groups. */
int MPI_Comm_group(MPI_Comm comm, MPI_Group *group);
int MPI_Group_size(MPI_Group group, int *size);
int MPI_Group_rank(MPI_Group group, int *rank);
int MPI_Group_incl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup);
int MPI_Group_excl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup);
int MPI_Group_translate_ranks(MPI_Group group1, int n, const int ranks1[], MPI_Group group2,
                              int ranks2[]);
int MPI_Group_compare(MPI_Group group1, MPI_Group group2, int *result);
int MPI_Group_range_incl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup);
int MPI_Group_range_excl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup);
int MPI_Group_union(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup);
int MPI_Group_intersection(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup);
int MPI_Group_difference(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup);
int MPI_Group_free(MPI_Group *group);
int MPI_Comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm *newcomm);
int MPI_Comm_create_group(MPI_Comm comm, MPI_Group group, int tag, MPI_Comm *newcomm);

/* Intercommunicators. */
int MPI_Intercomm_create(MPI_Comm local_comm, int local_leader, MPI_Comm peer_comm,
                         int remote_leader, int tag, MPI_Comm *newintercomm);
int MPI_Intercomm_merge(MPI_Comm intercomm, int high, MPI_Comm *newintracomm);
int MPI_Comm_test_inter(MPI_Comm comm, int *flag);
int MPI_Comm_remote_size(MPI_Comm comm, int *size);
int MPI_Comm_remote_group(MPI_Comm comm, MPI_Group *group);

/* The profiling interface (MPI-3.1 14.2): every function above is also
 * PMPI_<name>, the same function under a second name. A tool defines its own
 * MPI_<name> and calls PMPI_<name> from it; in libipc, MPI_ names are weak
 * and PMPI_ names strong, so this works with the static library too. */
#define IPC__PMPI(name) extern __typeof__(MPI_##name) PMPI_##name;
/* PMPI: begin (made by scripts/pmpi header from the prototypes above; do not edit) */
IPC__PMPI(Abort) IPC__PMPI(Allgather) IPC__PMPI(Allgatherv) IPC__PMPI(Allreduce)
IPC__PMPI(Alltoall) IPC__PMPI(Alltoallv) IPC__PMPI(Barrier) IPC__PMPI(Bcast) IPC__PMPI(Bsend)
IPC__PMPI(Buffer_attach) IPC__PMPI(Buffer_detach) IPC__PMPI(Comm_compare) IPC__PMPI(Comm_create)
IPC__PMPI(Comm_create_group) IPC__PMPI(Comm_dup) IPC__PMPI(Comm_dup_with_info) IPC__PMPI(Comm_free)
IPC__PMPI(Comm_get_errhandler) IPC__PMPI(Comm_get_name) IPC__PMPI(Comm_group) IPC__PMPI(Comm_idup)
IPC__PMPI(Comm_rank) IPC__PMPI(Comm_remote_group) IPC__PMPI(Comm_remote_size) IPC__PMPI(Comm_set_errhandler)
IPC__PMPI(Comm_set_name) IPC__PMPI(Comm_size) IPC__PMPI(Comm_split) IPC__PMPI(Comm_split_type)
IPC__PMPI(Comm_test_inter) IPC__PMPI(Errhandler_free) IPC__PMPI(Error_class) IPC__PMPI(Error_string)
IPC__PMPI(Exscan) IPC__PMPI(Finalize) IPC__PMPI(Finalized) IPC__PMPI(Gather) IPC__PMPI(Gatherv)
IPC__PMPI(Get_count) IPC__PMPI(Get_elements) IPC__PMPI(Get_library_version) IPC__PMPI(Get_processor_name)
IPC__PMPI(Get_version) IPC__PMPI(Group_compare) IPC__PMPI(Group_difference) IPC__PMPI(Group_excl)
IPC__PMPI(Group_free) IPC__PMPI(Group_incl) IPC__PMPI(Group_intersection) IPC__PMPI(Group_range_excl)
IPC__PMPI(Group_range_incl) IPC__PMPI(Group_rank) IPC__PMPI(Group_size) IPC__PMPI(Group_translate_ranks)
IPC__PMPI(Group_union) IPC__PMPI(Ibsend) IPC__PMPI(Init) IPC__PMPI(Init_thread) IPC__PMPI(Initialized)
IPC__PMPI(Intercomm_create) IPC__PMPI(Intercomm_merge) IPC__PMPI(Iprobe) IPC__PMPI(Irecv)
IPC__PMPI(Irsend) IPC__PMPI(Is_thread_main) IPC__PMPI(Isend) IPC__PMPI(Issend) IPC__PMPI(Op_create)
IPC__PMPI(Op_free) IPC__PMPI(Probe) IPC__PMPI(Query_thread) IPC__PMPI(Recv) IPC__PMPI(Reduce)
IPC__PMPI(Reduce_scatter) IPC__PMPI(Reduce_scatter_block) IPC__PMPI(Request_free)
IPC__PMPI(Rsend) IPC__PMPI(Scan) IPC__PMPI(Scatter) IPC__PMPI(Scatterv) IPC__PMPI(Send)
IPC__PMPI(Sendrecv) IPC__PMPI(Sendrecv_replace) IPC__PMPI(Ssend) IPC__PMPI(Test)
IPC__PMPI(Testall) IPC__PMPI(Testany) IPC__PMPI(Testsome) IPC__PMPI(Type_commit)
IPC__PMPI(Type_contiguous) IPC__PMPI(Type_free) IPC__PMPI(Type_get_extent) IPC__PMPI(Type_size)
IPC__PMPI(Type_vector) IPC__PMPI(Wait) IPC__PMPI(Waitall) IPC__PMPI(Waitany) IPC__PMPI(Waitsome)
IPC__PMPI(Wtick) IPC__PMPI(Wtime)
/* PMPI: end */
#undef IPC__PMPI

#ifdef __cplusplus
}
#endif

#endif /* MPI_H */
