/*
 * mpi.h - the MPI C bindings (MPI-3.1 names, `int` counts) as a thin layer on
 * libipc (include/ipc.h). Build with `ipccc prog.c`, run with `ipcrun -n N`.
 *
 * Only what is implemented is declared: a call this header lacks is missing
 * from the library too, and a program using it fails to compile.
 * docs/mpi.md lists what is supported, how it maps onto libipc and what is
 * left out (I/O, persistent collectives, ...).
 *
 * Handles: communicators and windows are libipc's; datatypes, ops, errhandlers,
 * keyvals are small integers; requests, groups and info objects are opaque
 * pointers. The library is single-threaded (MPI_THREAD_FUNNELED at most).
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
/* The other classes of MPI-3.1 table 8.2. */
#define MPI_ERR_TOPOLOGY 20
#define MPI_ERR_DIMS 21
#define MPI_ERR_KEYVAL 22
#define MPI_ERR_INFO 23
#define MPI_ERR_INFO_KEY 24
#define MPI_ERR_INFO_VALUE 25
#define MPI_ERR_INFO_NOKEY 26
#define MPI_ERR_ACCESS 27
#define MPI_ERR_AMODE 28
#define MPI_ERR_ASSERT 29
#define MPI_ERR_BAD_FILE 30
#define MPI_ERR_BASE 31
#define MPI_ERR_CONVERSION 32
#define MPI_ERR_DISP 33
#define MPI_ERR_DUP_DATAREP 34
#define MPI_ERR_FILE_EXISTS 35
#define MPI_ERR_FILE_IN_USE 36
#define MPI_ERR_FILE 37
#define MPI_ERR_IO 38
#define MPI_ERR_LOCKTYPE 39
#define MPI_ERR_NAME 40
#define MPI_ERR_NOT_SAME 41
#define MPI_ERR_NO_SPACE 42
#define MPI_ERR_NO_SUCH_FILE 43
#define MPI_ERR_PORT 44
#define MPI_ERR_QUOTA 45
#define MPI_ERR_READ_ONLY 46
#define MPI_ERR_RMA_ATTACH 47
#define MPI_ERR_RMA_CONFLICT 48
#define MPI_ERR_RMA_RANGE 49
#define MPI_ERR_RMA_SHARED 50
#define MPI_ERR_RMA_SYNC 51
#define MPI_ERR_RMA_FLAVOR 52
#define MPI_ERR_SERVICE 53
#define MPI_ERR_SIZE 54
#define MPI_ERR_SPAWN 55
#define MPI_ERR_UNSUPPORTED_DATAREP 56
#define MPI_ERR_UNSUPPORTED_OPERATION 57
#define MPI_ERR_WIN 58
#define MPI_T_ERR_MEMORY 59
#define MPI_T_ERR_NOT_INITIALIZED 60
#define MPI_T_ERR_CANNOT_INIT 61
#define MPI_T_ERR_INVALID_INDEX 62
#define MPI_T_ERR_INVALID_ITEM 63
#define MPI_T_ERR_INVALID_HANDLE 64
#define MPI_T_ERR_OUT_OF_HANDLES 65
#define MPI_T_ERR_OUT_OF_SESSIONS 66
#define MPI_T_ERR_INVALID_SESSION 67
#define MPI_T_ERR_CVAR_SET_NOT_NOW 68
#define MPI_T_ERR_CVAR_SET_NEVER 69
#define MPI_T_ERR_PVAR_NO_STARTSTOP 70
#define MPI_T_ERR_PVAR_NO_WRITE 71
#define MPI_T_ERR_PVAR_NO_ATOMIC 72
#define MPI_T_ERR_INVALID_NAME 73
#define MPI_T_ERR_INVALID 74
/* The last predefined code; MPI_Add_error_class/_code give codes above it. */
#define MPI_ERR_LASTCODE 75
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
typedef struct ipc__win *MPI_Win; /* libipc's window (ipc_win) */

/* What a receive matched; the count is private (MPI_Get_count). */
typedef struct {
    int MPI_SOURCE;
    int MPI_TAG;
    int MPI_ERROR;
    int ipc__cancelled; /* MPI_Status_set_cancelled */
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

/* Datatypes: predefined ones are the small constants below, derived ones
 * handles from 64 up. */
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
/* Pairs for MPI_MINLOC and MPI_MAXLOC, with the standard's type maps:
 * MPI_DOUBLE_INT is {(double,0),(int,sizeof(double))}, size 12, extent 16. */
#define MPI_FLOAT_INT 27
#define MPI_DOUBLE_INT 28
#define MPI_LONG_INT 29
#define MPI_2INT 30
#define MPI_SHORT_INT 31
#define MPI_LONG_DOUBLE_INT 32
#define MPI_C_COMPLEX 33
#define MPI_C_FLOAT_COMPLEX 34
#define MPI_C_DOUBLE_COMPLEX 35
#define MPI_C_LONG_DOUBLE_COMPLEX 36
#define MPI_OFFSET 37
#define MPI_COUNT 38
#define MPI_PACKED 39
#define MPI_CXX_BOOL 40
#define MPI_CXX_FLOAT_COMPLEX 41
#define MPI_CXX_DOUBLE_COMPLEX 42
#define MPI_CXX_LONG_DOUBLE_COMPLEX 43
/* Fortran types usable from C, as the C types of the same size. */
#define MPI_INTEGER 44
#define MPI_REAL 45
#define MPI_DOUBLE_PRECISION 46
#define MPI_COMPLEX 47
#define MPI_DOUBLE_COMPLEX 48
#define MPI_LOGICAL 49
#define MPI_CHARACTER 50
#define MPI_2INTEGER 51
#define MPI_2REAL 52
#define MPI_2DOUBLE_PRECISION 53
#define MPI_INTEGER1 54
#define MPI_INTEGER2 55
#define MPI_INTEGER4 56
#define MPI_INTEGER8 57
#define MPI_REAL4 58
#define MPI_REAL8 59

/* MPI_Type_get_envelope. */
#define MPI_COMBINER_NAMED 1
#define MPI_COMBINER_DUP 2
#define MPI_COMBINER_CONTIGUOUS 3
#define MPI_COMBINER_VECTOR 4
#define MPI_COMBINER_HVECTOR 5
#define MPI_COMBINER_INDEXED 6
#define MPI_COMBINER_HINDEXED 7
#define MPI_COMBINER_INDEXED_BLOCK 8
#define MPI_COMBINER_HINDEXED_BLOCK 9
#define MPI_COMBINER_STRUCT 10
#define MPI_COMBINER_SUBARRAY 11
#define MPI_COMBINER_DARRAY 12
#define MPI_COMBINER_F90_REAL 13
#define MPI_COMBINER_F90_COMPLEX 14
#define MPI_COMBINER_F90_INTEGER 15
#define MPI_COMBINER_RESIZED 16

/* Subarrays and distributed arrays. */
#define MPI_ORDER_C 56
#define MPI_ORDER_FORTRAN 57
#define MPI_DISTRIBUTE_BLOCK 121
#define MPI_DISTRIBUTE_CYCLIC 122
#define MPI_DISTRIBUTE_NONE 123
#define MPI_DISTRIBUTE_DFLT_DARG (-49767)

/* MPI_Type_match_size. */
#define MPI_TYPECLASS_INTEGER 1
#define MPI_TYPECLASS_REAL 2
#define MPI_TYPECLASS_COMPLEX 3

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
/* One-sided accumulates only: replace the target's value, or leave it. */
#define MPI_REPLACE 13
#define MPI_NO_OP 14
typedef void MPI_User_function(void *in, void *inout, int *len, MPI_Datatype *type);

/* Error handlers: the predefined ones, then user handlers. */
#define MPI_ERRHANDLER_NULL 0
#define MPI_ERRORS_ARE_FATAL 1
#define MPI_ERRORS_RETURN 2
typedef void MPI_Comm_errhandler_function(MPI_Comm *comm, int *errorcode, ...);
typedef MPI_Comm_errhandler_function MPI_Comm_errhandler_fn; /* deprecated name */
typedef void MPI_Win_errhandler_function(MPI_Win *win, int *errorcode, ...);

/* Attributes: keyvals and the predefined attributes of MPI_COMM_WORLD. */
#define MPI_KEYVAL_INVALID (-1)
#define MPI_TAG_UB 1
#define MPI_HOST 2
#define MPI_IO 3
#define MPI_WTIME_IS_GLOBAL 4
#define MPI_UNIVERSE_SIZE 5
#define MPI_LASTUSEDCODE 6
#define MPI_APPNUM 7
/* The predefined attributes of every window (MPI-3.1 11.2.6): MPI_WIN_BASE
 * gives the base address itself, the others a pointer to the value (an
 * MPI_Aint for MPI_WIN_SIZE, an int for the rest). */
#define MPI_WIN_BASE 8
#define MPI_WIN_SIZE 9
#define MPI_WIN_DISP_UNIT 10
#define MPI_WIN_CREATE_FLAVOR 11
#define MPI_WIN_MODEL 12
typedef int MPI_Comm_copy_attr_function(MPI_Comm oldcomm, int comm_keyval, void *extra_state,
                                        void *attribute_val_in, void *attribute_val_out,
                                        int *flag);
typedef int MPI_Comm_delete_attr_function(MPI_Comm comm, int comm_keyval,
                                          void *attribute_val, void *extra_state);
typedef int MPI_Type_copy_attr_function(MPI_Datatype oldtype, int type_keyval,
                                        void *extra_state, void *attribute_val_in,
                                        void *attribute_val_out, int *flag);
typedef int MPI_Type_delete_attr_function(MPI_Datatype datatype, int type_keyval,
                                          void *attribute_val, void *extra_state);
typedef int MPI_Win_copy_attr_function(MPI_Win oldwin, int win_keyval, void *extra_state,
                                       void *attribute_val_in, void *attribute_val_out,
                                       int *flag);
typedef int MPI_Win_delete_attr_function(MPI_Win win, int win_keyval, void *attribute_val,
                                         void *extra_state);
typedef MPI_Comm_copy_attr_function MPI_Copy_function;     /* MPI-1, deprecated */
typedef MPI_Comm_delete_attr_function MPI_Delete_function; /* MPI-1, deprecated */
/* The predefined callbacks (MPI-3.1 6.7.2): "null" copies nothing (flag 0)
 * or deletes nothing, "dup" copies the value itself (flag 1). */
#define IPC__MPI_ATTR_FNS(kind, H)                                                        \
    static inline int ipc__mpi_##kind##_null_copy_fn(H o, int k, void *e, void *in,       \
                                                    void *out, int *flag)                 \
    {                                                                                     \
        (void)o, (void)k, (void)e, (void)in, (void)out;                                   \
        *flag = 0;                                                                        \
        return MPI_SUCCESS;                                                               \
    }                                                                                     \
    static inline int ipc__mpi_##kind##_dup_fn(H o, int k, void *e, void *in, void *out,  \
                                              int *flag)                                  \
    {                                                                                     \
        (void)o, (void)k, (void)e;                                                        \
        *(void **)out = in;                                                               \
        *flag = 1;                                                                        \
        return MPI_SUCCESS;                                                               \
    }                                                                                     \
    static inline int ipc__mpi_##kind##_null_delete_fn(H o, int k, void *v, void *e)      \
    {                                                                                     \
        (void)o, (void)k, (void)v, (void)e;                                               \
        return MPI_SUCCESS;                                                               \
    }
IPC__MPI_ATTR_FNS(comm, MPI_Comm)
IPC__MPI_ATTR_FNS(type, MPI_Datatype)
IPC__MPI_ATTR_FNS(win, MPI_Win)
#undef IPC__MPI_ATTR_FNS
#define MPI_COMM_NULL_COPY_FN ipc__mpi_comm_null_copy_fn
#define MPI_COMM_NULL_DELETE_FN ipc__mpi_comm_null_delete_fn
#define MPI_COMM_DUP_FN ipc__mpi_comm_dup_fn
#define MPI_TYPE_NULL_COPY_FN ipc__mpi_type_null_copy_fn
#define MPI_TYPE_NULL_DELETE_FN ipc__mpi_type_null_delete_fn
#define MPI_TYPE_DUP_FN ipc__mpi_type_dup_fn
#define MPI_WIN_NULL_COPY_FN ipc__mpi_win_null_copy_fn
#define MPI_WIN_NULL_DELETE_FN ipc__mpi_win_null_delete_fn
#define MPI_WIN_DUP_FN ipc__mpi_win_dup_fn
#define MPI_NULL_COPY_FN ipc__mpi_comm_null_copy_fn
#define MPI_NULL_DELETE_FN ipc__mpi_comm_null_delete_fn
#define MPI_DUP_FN ipc__mpi_comm_dup_fn

/* Info objects; MPI_INFO_ENV is predefined (read at MPI_Init). */
#define MPI_INFO_ENV ((MPI_Info)1)
#define MPI_MAX_INFO_KEY 255
#define MPI_MAX_INFO_VAL 1024

/* Fortran handles and statuses (MPI-3.1 17.2.4). */
#define MPI_F_STATUS_SIZE 6 /* ints in an MPI_Status */
#define MPI_F_SOURCE 0
#define MPI_F_TAG 1
#define MPI_F_ERROR 2
#define MPI_F_STATUS_IGNORE ((MPI_Fint *)0)
#define MPI_F_STATUSES_IGNORE ((MPI_Fint *)0)

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
int MPI_Comm_create_errhandler(MPI_Comm_errhandler_function *comm_errhandler_fn,
                               MPI_Errhandler *errhandler);
int MPI_Comm_call_errhandler(MPI_Comm comm, int errorcode);
int MPI_Add_error_class(int *errorclass);
int MPI_Add_error_code(int errorclass, int *errorcode);
int MPI_Add_error_string(int errorcode, const char *string);

/* Attributes. */
int MPI_Comm_create_keyval(MPI_Comm_copy_attr_function *comm_copy_attr_fn,
                           MPI_Comm_delete_attr_function *comm_delete_attr_fn,
                           int *comm_keyval, void *extra_state);
int MPI_Comm_free_keyval(int *comm_keyval);
int MPI_Comm_set_attr(MPI_Comm comm, int comm_keyval, void *attribute_val);
int MPI_Comm_get_attr(MPI_Comm comm, int comm_keyval, void *attribute_val, int *flag);
int MPI_Comm_delete_attr(MPI_Comm comm, int comm_keyval);
int MPI_Type_create_keyval(MPI_Type_copy_attr_function *type_copy_attr_fn,
                           MPI_Type_delete_attr_function *type_delete_attr_fn,
                           int *type_keyval, void *extra_state);
int MPI_Type_free_keyval(int *type_keyval);
int MPI_Type_set_attr(MPI_Datatype datatype, int type_keyval, void *attribute_val);
int MPI_Type_get_attr(MPI_Datatype datatype, int type_keyval, void *attribute_val,
                      int *flag);
int MPI_Type_delete_attr(MPI_Datatype datatype, int type_keyval);
int MPI_Keyval_create(MPI_Copy_function *copy_fn, MPI_Delete_function *delete_fn,
                      int *keyval, void *extra_state);
int MPI_Keyval_free(int *keyval);
int MPI_Attr_put(MPI_Comm comm, int keyval, void *attribute_val);
int MPI_Attr_get(MPI_Comm comm, int keyval, void *attribute_val, int *flag);
int MPI_Attr_delete(MPI_Comm comm, int keyval);

/* Info objects. */
int MPI_Info_create(MPI_Info *info);
int MPI_Info_set(MPI_Info info, const char *key, const char *value);
int MPI_Info_get(MPI_Info info, const char *key, int valuelen, char *value, int *flag);
int MPI_Info_get_valuelen(MPI_Info info, const char *key, int *valuelen, int *flag);
int MPI_Info_get_nkeys(MPI_Info info, int *nkeys);
int MPI_Info_get_nthkey(MPI_Info info, int n, char *key);
int MPI_Info_delete(MPI_Info info, const char *key);
int MPI_Info_dup(MPI_Info info, MPI_Info *newinfo);
int MPI_Info_free(MPI_Info *info);
int MPI_Comm_set_info(MPI_Comm comm, MPI_Info info);
int MPI_Comm_get_info(MPI_Comm comm, MPI_Info *info_used);

/* Handles as Fortran sees them, statuses, memory, profiling control. */
MPI_Fint MPI_Comm_c2f(MPI_Comm comm);
MPI_Comm MPI_Comm_f2c(MPI_Fint comm);
MPI_Fint MPI_Type_c2f(MPI_Datatype datatype);
MPI_Datatype MPI_Type_f2c(MPI_Fint datatype);
MPI_Fint MPI_Group_c2f(MPI_Group group);
MPI_Group MPI_Group_f2c(MPI_Fint group);
MPI_Fint MPI_Request_c2f(MPI_Request request);
MPI_Request MPI_Request_f2c(MPI_Fint request);
MPI_Fint MPI_Op_c2f(MPI_Op op);
MPI_Op MPI_Op_f2c(MPI_Fint op);
MPI_Fint MPI_Info_c2f(MPI_Info info);
MPI_Info MPI_Info_f2c(MPI_Fint info);
MPI_Fint MPI_Win_c2f(MPI_Win win);
MPI_Win MPI_Win_f2c(MPI_Fint win);
MPI_Fint MPI_Errhandler_c2f(MPI_Errhandler errhandler);
MPI_Errhandler MPI_Errhandler_f2c(MPI_Fint errhandler);
int MPI_Status_c2f(const MPI_Status *c_status, MPI_Fint *f_status);
int MPI_Status_f2c(const MPI_Fint *f_status, MPI_Status *c_status);
int MPI_Status_set_elements(MPI_Status *status, MPI_Datatype datatype, int count);
int MPI_Status_set_elements_x(MPI_Status *status, MPI_Datatype datatype, MPI_Count count);
int MPI_Status_set_cancelled(MPI_Status *status, int flag);
int MPI_Test_cancelled(const MPI_Status *status, int *flag);
int MPI_Alloc_mem(MPI_Aint size, MPI_Info info, void *baseptr);
int MPI_Free_mem(void *base);
int MPI_Pcontrol(const int level, ...);

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
int MPI_Type_size_x(MPI_Datatype type, MPI_Count *size);
int MPI_Type_get_extent(MPI_Datatype type, MPI_Aint *lb, MPI_Aint *extent);
int MPI_Type_get_extent_x(MPI_Datatype type, MPI_Count *lb, MPI_Count *extent);
int MPI_Type_get_true_extent(MPI_Datatype type, MPI_Aint *true_lb, MPI_Aint *true_extent);
int MPI_Type_get_true_extent_x(MPI_Datatype type, MPI_Count *true_lb,
                               MPI_Count *true_extent);
int MPI_Type_contiguous(int count, MPI_Datatype oldtype, MPI_Datatype *newtype);
int MPI_Type_vector(int count, int blocklength, int stride, MPI_Datatype oldtype,
                    MPI_Datatype *newtype);
int MPI_Type_create_hvector(int count, int blocklength, MPI_Aint stride,
                            MPI_Datatype oldtype, MPI_Datatype *newtype);
int MPI_Type_indexed(int count, const int blocklengths[], const int displacements[],
                     MPI_Datatype oldtype, MPI_Datatype *newtype);
int MPI_Type_create_hindexed(int count, const int blocklengths[],
                             const MPI_Aint displacements[], MPI_Datatype oldtype,
                             MPI_Datatype *newtype);
int MPI_Type_create_indexed_block(int count, int blocklength, const int displacements[],
                                  MPI_Datatype oldtype, MPI_Datatype *newtype);
int MPI_Type_create_hindexed_block(int count, int blocklength,
                                   const MPI_Aint displacements[], MPI_Datatype oldtype,
                                   MPI_Datatype *newtype);
int MPI_Type_create_struct(int count, const int blocklengths[],
                           const MPI_Aint displacements[], const MPI_Datatype types[],
                           MPI_Datatype *newtype);
int MPI_Type_create_subarray(int ndims, const int sizes[], const int subsizes[],
                             const int starts[], int order, MPI_Datatype oldtype,
                             MPI_Datatype *newtype);
int MPI_Type_create_darray(int size, int rank, int ndims, const int gsizes[],
                           const int distribs[], const int dargs[], const int psizes[],
                           int order, MPI_Datatype oldtype, MPI_Datatype *newtype);
int MPI_Type_create_resized(MPI_Datatype oldtype, MPI_Aint lb, MPI_Aint extent,
                            MPI_Datatype *newtype);
int MPI_Type_dup(MPI_Datatype oldtype, MPI_Datatype *newtype);
int MPI_Type_commit(MPI_Datatype *type);
int MPI_Type_free(MPI_Datatype *type);
int MPI_Type_get_envelope(MPI_Datatype type, int *num_integers, int *num_addresses,
                          int *num_datatypes, int *combiner);
int MPI_Type_get_contents(MPI_Datatype type, int max_integers, int max_addresses,
                          int max_datatypes, int integers[], MPI_Aint addresses[],
                          MPI_Datatype datatypes[]);
int MPI_Type_set_name(MPI_Datatype type, const char *name);
int MPI_Type_get_name(MPI_Datatype type, char *name, int *resultlen);
int MPI_Type_match_size(int typeclass, int size, MPI_Datatype *type);
int MPI_Get_address(const void *location, MPI_Aint *address);
MPI_Aint MPI_Aint_add(MPI_Aint base, MPI_Aint disp);
MPI_Aint MPI_Aint_diff(MPI_Aint addr1, MPI_Aint addr2);
int MPI_Get_count(const MPI_Status *status, MPI_Datatype type, int *count);
int MPI_Get_elements(const MPI_Status *status, MPI_Datatype type, int *count);
int MPI_Get_elements_x(const MPI_Status *status, MPI_Datatype type, MPI_Count *count);
int MPI_Pack(const void *inbuf, int incount, MPI_Datatype type, void *outbuf, int outsize,
             int *position, MPI_Comm comm);
int MPI_Unpack(const void *inbuf, int insize, int *position, void *outbuf, int outcount,
               MPI_Datatype type, MPI_Comm comm);
int MPI_Pack_size(int incount, MPI_Datatype type, MPI_Comm comm, int *size);
int MPI_Pack_external(const char datarep[], const void *inbuf, int incount,
                      MPI_Datatype type, void *outbuf, MPI_Aint outsize,
                      MPI_Aint *position);
int MPI_Unpack_external(const char datarep[], const void *inbuf, MPI_Aint insize,
                        MPI_Aint *position, void *outbuf, int outcount, MPI_Datatype type);
int MPI_Pack_external_size(const char datarep[], int incount, MPI_Datatype type,
                           MPI_Aint *size);

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
/* Cancel (MPI-3.1 3.8.4): a receive no message matched yet is withdrawn
 * (MPI_Test_cancelled then says true); a matched receive, or a send to
 * another rank, is not, and completes normally (false). */
int MPI_Cancel(MPI_Request *req);
/* MPI_Test without completing: the request stays as it was. */
int MPI_Request_get_status(MPI_Request req, int *flag, MPI_Status *status);

/* Generalized requests (MPI-3.1 12.2): an operation of the program's, which
 * it completes with MPI_Grequest_complete. Completion calls query_fn for the
 * status, then free_fn; MPI_Cancel calls cancel_fn. */
typedef int MPI_Grequest_query_function(void *extra_state, MPI_Status *status);
typedef int MPI_Grequest_free_function(void *extra_state);
typedef int MPI_Grequest_cancel_function(void *extra_state, int complete);
int MPI_Grequest_start(MPI_Grequest_query_function *query_fn,
                       MPI_Grequest_free_function *free_fn,
                       MPI_Grequest_cancel_function *cancel_fn, void *extra_state,
                       MPI_Request *req);
int MPI_Grequest_complete(MPI_Request req);

/* Persistent requests (MPI-3.1 3.9): _init saves the arguments in an
 * inactive request, MPI_Start starts that nonblocking operation, and its
 * completion leaves the request inactive again (not MPI_REQUEST_NULL). */
int MPI_Send_init(const void *buf, int count, MPI_Datatype type, int dest, int tag,
                  MPI_Comm comm, MPI_Request *req);
int MPI_Ssend_init(const void *buf, int count, MPI_Datatype type, int dest, int tag,
                   MPI_Comm comm, MPI_Request *req);
int MPI_Rsend_init(const void *buf, int count, MPI_Datatype type, int dest, int tag,
                   MPI_Comm comm, MPI_Request *req);
int MPI_Bsend_init(const void *buf, int count, MPI_Datatype type, int dest, int tag,
                   MPI_Comm comm, MPI_Request *req);
int MPI_Recv_init(void *buf, int count, MPI_Datatype type, int source, int tag,
                  MPI_Comm comm, MPI_Request *req);
int MPI_Start(MPI_Request *req);
int MPI_Startall(int n, MPI_Request reqs[]);

/* Collectives. */
int MPI_Barrier(MPI_Comm comm);
int MPI_Bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm);
int MPI_Reduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
               int root, MPI_Comm comm);
int MPI_Allreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
                  MPI_Comm comm);
/* inoutbuf = inbuf op inoutbuf, on the calling rank alone. */
int MPI_Reduce_local(const void *inbuf, void *inoutbuf, int count, MPI_Datatype type,
                     MPI_Op op);
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
int MPI_Alltoallw(const void *sbuf, const int scounts[], const int sdispls[],
                  const MPI_Datatype stypes[], void *rbuf, const int rcounts[],
                  const int rdispls[], const MPI_Datatype rtypes[], MPI_Comm comm);

/* Nonblocking collectives (MPI-3.1 5.12): they progress inside any MPI call
 * of the rank; *request completes in MPI_Wait/MPI_Test and kin. On
 * intercommunicators as their blocking twins are. */
int MPI_Ibarrier(MPI_Comm comm, MPI_Request *request);
int MPI_Ibcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm,
               MPI_Request *request);
int MPI_Ireduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
                int root, MPI_Comm comm, MPI_Request *request);
int MPI_Iallreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
                   MPI_Comm comm, MPI_Request *request);
int MPI_Iscan(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
              MPI_Comm comm, MPI_Request *request);
int MPI_Iexscan(const void *sbuf, void *rbuf, int count, MPI_Datatype type, MPI_Op op,
                MPI_Comm comm, MPI_Request *request);
int MPI_Ireduce_scatter_block(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                              MPI_Op op, MPI_Comm comm, MPI_Request *request);
int MPI_Ireduce_scatter(const void *sbuf, void *rbuf, const int rcounts[], MPI_Datatype type,
                        MPI_Op op, MPI_Comm comm, MPI_Request *request);
int MPI_Igather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                MPI_Datatype rtype, int root, MPI_Comm comm, MPI_Request *request);
int MPI_Igatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                 const int rcounts[], const int displs[], MPI_Datatype rtype, int root,
                 MPI_Comm comm, MPI_Request *request);
int MPI_Iscatter(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                 MPI_Datatype rtype, int root, MPI_Comm comm, MPI_Request *request);
int MPI_Iscatterv(const void *sbuf, const int scounts[], const int displs[],
                  MPI_Datatype stype, void *rbuf, int rcount, MPI_Datatype rtype, int root,
                  MPI_Comm comm, MPI_Request *request);
int MPI_Iallgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                   MPI_Datatype rtype, MPI_Comm comm, MPI_Request *request);
int MPI_Iallgatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                    const int rcounts[], const int displs[], MPI_Datatype rtype,
                    MPI_Comm comm, MPI_Request *request);
int MPI_Ialltoall(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf, int rcount,
                  MPI_Datatype rtype, MPI_Comm comm, MPI_Request *request);
int MPI_Ialltoallv(const void *sbuf, const int scounts[], const int sdispls[],
                   MPI_Datatype stype, void *rbuf, const int rcounts[], const int rdispls[],
                   MPI_Datatype rtype, MPI_Comm comm, MPI_Request *request);
int MPI_Ialltoallw(const void *sbuf, const int scounts[], const int sdispls[],
                   const MPI_Datatype stypes[], void *rbuf, const int rcounts[],
                   const int rdispls[], const MPI_Datatype rtypes[], MPI_Comm comm,
                   MPI_Request *request);

/* Neighbourhood collectives (MPI-3.1 7.6) on a communicator with a process
 * topology: block i goes to the i-th destination and comes from the i-th
 * source of the topology (Cartesian: per dimension the -1 then the +1
 * neighbour; MPI_PROC_NULL's blocks are left alone). */
int MPI_Neighbor_allgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                           int rcount, MPI_Datatype rtype, MPI_Comm comm);
int MPI_Neighbor_allgatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                            const int rcounts[], const int displs[], MPI_Datatype rtype,
                            MPI_Comm comm);
int MPI_Neighbor_alltoall(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                          int rcount, MPI_Datatype rtype, MPI_Comm comm);
int MPI_Neighbor_alltoallv(const void *sbuf, const int scounts[], const int sdispls[],
                           MPI_Datatype stype, void *rbuf, const int rcounts[],
                           const int rdispls[], MPI_Datatype rtype, MPI_Comm comm);
int MPI_Neighbor_alltoallw(const void *sbuf, const int scounts[], const MPI_Aint sdispls[],
                           const MPI_Datatype stypes[], void *rbuf, const int rcounts[],
                           const MPI_Aint rdispls[], const MPI_Datatype rtypes[],
                           MPI_Comm comm);
int MPI_Ineighbor_allgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                            int rcount, MPI_Datatype rtype, MPI_Comm comm,
                            MPI_Request *request);
int MPI_Ineighbor_allgatherv(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                             const int rcounts[], const int displs[], MPI_Datatype rtype,
                             MPI_Comm comm, MPI_Request *request);
int MPI_Ineighbor_alltoall(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                           int rcount, MPI_Datatype rtype, MPI_Comm comm,
                           MPI_Request *request);
int MPI_Ineighbor_alltoallv(const void *sbuf, const int scounts[], const int sdispls[],
                            MPI_Datatype stype, void *rbuf, const int rcounts[],
                            const int rdispls[], MPI_Datatype rtype, MPI_Comm comm,
                            MPI_Request *request);
int MPI_Ineighbor_alltoallw(const void *sbuf, const int scounts[], const MPI_Aint sdispls[],
                            const MPI_Datatype stypes[], void *rbuf, const int rcounts[],
                            const MPI_Aint rdispls[], const MPI_Datatype rtypes[],
                            MPI_Comm comm, MPI_Request *request);

/* User-defined reduction operations. */
int MPI_Op_create(MPI_User_function *fn, int commute, MPI_Op *op);
int MPI_Op_free(MPI_Op *op);
int MPI_Op_commutative(MPI_Op op, int *commute);

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

/* Process topologies (MPI-3.1 chapter 7). reorder is accepted and ignored:
 * ranks keep their order. MPI_UNWEIGHTED and MPI_WEIGHTS_EMPTY are special
 * addresses, distinct from NULL and from each other; they point to objects
 * of the library (as in MPICH), since a compiler warns about reading
 * through a small integer made a pointer. */
#define MPI_GRAPH 1
#define MPI_CART 2
#define MPI_DIST_GRAPH 3
extern int ipc__mpi_unweighted, ipc__mpi_weights_empty;
#define MPI_UNWEIGHTED (&ipc__mpi_unweighted)
#define MPI_WEIGHTS_EMPTY (&ipc__mpi_weights_empty)
int MPI_Dims_create(int nnodes, int ndims, int dims[]);
int MPI_Cart_create(MPI_Comm comm_old, int ndims, const int dims[], const int periods[],
                    int reorder, MPI_Comm *comm_cart);
int MPI_Cartdim_get(MPI_Comm comm, int *ndims);
int MPI_Cart_get(MPI_Comm comm, int maxdims, int dims[], int periods[], int coords[]);
int MPI_Cart_rank(MPI_Comm comm, const int coords[], int *rank);
int MPI_Cart_coords(MPI_Comm comm, int rank, int maxdims, int coords[]);
int MPI_Cart_shift(MPI_Comm comm, int direction, int disp, int *rank_source,
                   int *rank_dest);
int MPI_Cart_sub(MPI_Comm comm, const int remain_dims[], MPI_Comm *newcomm);
int MPI_Cart_map(MPI_Comm comm, int ndims, const int dims[], const int periods[],
                 int *newrank);
int MPI_Graph_create(MPI_Comm comm_old, int nnodes, const int index[], const int edges[],
                     int reorder, MPI_Comm *comm_graph);
int MPI_Graphdims_get(MPI_Comm comm, int *nnodes, int *nedges);
int MPI_Graph_get(MPI_Comm comm, int maxindex, int maxedges, int index[], int edges[]);
int MPI_Graph_neighbors_count(MPI_Comm comm, int rank, int *nneighbors);
int MPI_Graph_neighbors(MPI_Comm comm, int rank, int maxneighbors, int neighbors[]);
int MPI_Graph_map(MPI_Comm comm, int nnodes, const int index[], const int edges[],
                  int *newrank);
int MPI_Dist_graph_create_adjacent(MPI_Comm comm_old, int indegree, const int sources[],
                                   const int sourceweights[], int outdegree,
                                   const int destinations[], const int destweights[],
                                   MPI_Info info, int reorder, MPI_Comm *comm_dist_graph);
int MPI_Dist_graph_create(MPI_Comm comm_old, int n, const int sources[], const int degrees[],
                          const int destinations[], const int weights[], MPI_Info info,
                          int reorder, MPI_Comm *comm_dist_graph);
int MPI_Dist_graph_neighbors_count(MPI_Comm comm, int *indegree, int *outdegree,
                                   int *weighted);
int MPI_Dist_graph_neighbors(MPI_Comm comm, int maxindegree, int sources[],
                             int sourceweights[], int maxoutdegree, int destinations[],
                             int destweights[]);
int MPI_Topo_test(MPI_Comm comm, int *status);

/* Intercommunicators. */
int MPI_Intercomm_create(MPI_Comm local_comm, int local_leader, MPI_Comm peer_comm,
                         int remote_leader, int tag, MPI_Comm *newintercomm);
int MPI_Intercomm_merge(MPI_Comm intercomm, int high, MPI_Comm *newintracomm);
int MPI_Comm_test_inter(MPI_Comm comm, int *flag);
int MPI_Comm_remote_size(MPI_Comm comm, int *size);
int MPI_Comm_remote_group(MPI_Comm comm, MPI_Group *group);

/* One-sided communication (MPI-3.1 chapter 11) on libipc's windows
 * (include/ipc.h): docs/mpi.md tells what maps onto what. */
#define MPI_WIN_NULL ((MPI_Win)0)
#define MPI_WIN_FLAVOR_CREATE 1 /* the values of IPC_WIN_FLAVOR_* */
#define MPI_WIN_FLAVOR_ALLOCATE 2
#define MPI_WIN_FLAVOR_DYNAMIC 3
#define MPI_WIN_FLAVOR_SHARED 4
#define MPI_WIN_SEPARATE 1
#define MPI_WIN_UNIFIED 2
#define MPI_LOCK_EXCLUSIVE 234 /* IPC_LOCK_* */
#define MPI_LOCK_SHARED 235
#define MPI_MODE_NOCHECK 1024 /* IPC_MODE_* */
#define MPI_MODE_NOSTORE 2048
#define MPI_MODE_NOPUT 4096
#define MPI_MODE_NOPRECEDE 8192
#define MPI_MODE_NOSUCCEED 16384
int MPI_Win_create(void *base, MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                   MPI_Win *win);
int MPI_Win_allocate(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                     void *baseptr, MPI_Win *win);
int MPI_Win_allocate_shared(MPI_Aint size, int disp_unit, MPI_Info info, MPI_Comm comm,
                            void *baseptr, MPI_Win *win);
int MPI_Win_shared_query(MPI_Win win, int rank, MPI_Aint *size, int *disp_unit,
                         void *baseptr);
int MPI_Win_create_dynamic(MPI_Info info, MPI_Comm comm, MPI_Win *win);
int MPI_Win_attach(MPI_Win win, void *base, MPI_Aint size);
int MPI_Win_detach(MPI_Win win, const void *base);
int MPI_Win_free(MPI_Win *win);
int MPI_Win_get_group(MPI_Win win, MPI_Group *group);
int MPI_Win_set_info(MPI_Win win, MPI_Info info);
int MPI_Win_get_info(MPI_Win win, MPI_Info *info_used);
int MPI_Put(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
            int target_rank, MPI_Aint target_disp, int target_count,
            MPI_Datatype target_datatype, MPI_Win win);
int MPI_Get(void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
            int target_rank, MPI_Aint target_disp, int target_count,
            MPI_Datatype target_datatype, MPI_Win win);
int MPI_Accumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                   int target_rank, MPI_Aint target_disp, int target_count,
                   MPI_Datatype target_datatype, MPI_Op op, MPI_Win win);
int MPI_Get_accumulate(const void *origin_addr, int origin_count,
                       MPI_Datatype origin_datatype, void *result_addr, int result_count,
                       MPI_Datatype result_datatype, int target_rank, MPI_Aint target_disp,
                       int target_count, MPI_Datatype target_datatype, MPI_Op op,
                       MPI_Win win);
int MPI_Fetch_and_op(const void *origin_addr, void *result_addr, MPI_Datatype datatype,
                     int target_rank, MPI_Aint target_disp, MPI_Op op, MPI_Win win);
int MPI_Compare_and_swap(const void *origin_addr, const void *compare_addr,
                         void *result_addr, MPI_Datatype datatype, int target_rank,
                         MPI_Aint target_disp, MPI_Win win);
int MPI_Rput(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
             int target_rank, MPI_Aint target_disp, int target_count,
             MPI_Datatype target_datatype, MPI_Win win, MPI_Request *request);
int MPI_Rget(void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
             int target_rank, MPI_Aint target_disp, int target_count,
             MPI_Datatype target_datatype, MPI_Win win, MPI_Request *request);
int MPI_Raccumulate(const void *origin_addr, int origin_count, MPI_Datatype origin_datatype,
                    int target_rank, MPI_Aint target_disp, int target_count,
                    MPI_Datatype target_datatype, MPI_Op op, MPI_Win win,
                    MPI_Request *request);
int MPI_Rget_accumulate(const void *origin_addr, int origin_count,
                        MPI_Datatype origin_datatype, void *result_addr, int result_count,
                        MPI_Datatype result_datatype, int target_rank, MPI_Aint target_disp,
                        int target_count, MPI_Datatype target_datatype, MPI_Op op,
                        MPI_Win win, MPI_Request *request);
int MPI_Win_fence(int assert, MPI_Win win);
int MPI_Win_post(MPI_Group group, int assert, MPI_Win win);
int MPI_Win_start(MPI_Group group, int assert, MPI_Win win);
int MPI_Win_complete(MPI_Win win);
int MPI_Win_wait(MPI_Win win);
int MPI_Win_test(MPI_Win win, int *flag);
int MPI_Win_lock(int lock_type, int rank, int assert, MPI_Win win);
int MPI_Win_unlock(int rank, MPI_Win win);
int MPI_Win_lock_all(int assert, MPI_Win win);
int MPI_Win_unlock_all(MPI_Win win);
int MPI_Win_flush(int rank, MPI_Win win);
int MPI_Win_flush_all(MPI_Win win);
int MPI_Win_flush_local(int rank, MPI_Win win);
int MPI_Win_flush_local_all(MPI_Win win);
int MPI_Win_sync(MPI_Win win);
/* Window attributes, names and error handlers (a window's handler is
 * MPI_ERRORS_ARE_FATAL until set). */
int MPI_Win_create_keyval(MPI_Win_copy_attr_function *win_copy_attr_fn,
                          MPI_Win_delete_attr_function *win_delete_attr_fn, int *win_keyval,
                          void *extra_state);
int MPI_Win_free_keyval(int *win_keyval);
int MPI_Win_set_attr(MPI_Win win, int win_keyval, void *attribute_val);
int MPI_Win_get_attr(MPI_Win win, int win_keyval, void *attribute_val, int *flag);
int MPI_Win_delete_attr(MPI_Win win, int win_keyval);
int MPI_Win_set_name(MPI_Win win, const char *win_name);
int MPI_Win_get_name(MPI_Win win, char *win_name, int *resultlen);
int MPI_Win_create_errhandler(MPI_Win_errhandler_function *win_errhandler_fn,
                              MPI_Errhandler *errhandler);
int MPI_Win_set_errhandler(MPI_Win win, MPI_Errhandler errhandler);
int MPI_Win_get_errhandler(MPI_Win win, MPI_Errhandler *errhandler);
int MPI_Win_call_errhandler(MPI_Win win, int errorcode);

/* The profiling interface (MPI-3.1 14.2): every function above is also
 * PMPI_<name>, the same function under a second name. A tool defines its own
 * MPI_<name> and calls PMPI_<name> from it; in libipc, MPI_ names are weak
 * and PMPI_ names strong, so this works with the static library too. */
#define IPC__PMPI(name) extern __typeof__(MPI_##name) PMPI_##name;
/* PMPI: begin (made by scripts/pmpi header from the prototypes above; do not edit) */
IPC__PMPI(Abort) IPC__PMPI(Accumulate) IPC__PMPI(Add_error_class) IPC__PMPI(Add_error_code)
IPC__PMPI(Add_error_string) IPC__PMPI(Aint_add) IPC__PMPI(Aint_diff) IPC__PMPI(Allgather)
IPC__PMPI(Allgatherv) IPC__PMPI(Alloc_mem) IPC__PMPI(Allreduce) IPC__PMPI(Alltoall)
IPC__PMPI(Alltoallv) IPC__PMPI(Alltoallw) IPC__PMPI(Attr_delete) IPC__PMPI(Attr_get)
IPC__PMPI(Attr_put) IPC__PMPI(Barrier) IPC__PMPI(Bcast) IPC__PMPI(Bsend) IPC__PMPI(Bsend_init)
IPC__PMPI(Buffer_attach) IPC__PMPI(Buffer_detach) IPC__PMPI(Cancel) IPC__PMPI(Cart_coords)
IPC__PMPI(Cart_create) IPC__PMPI(Cart_get) IPC__PMPI(Cart_map) IPC__PMPI(Cart_rank)
IPC__PMPI(Cart_shift) IPC__PMPI(Cart_sub) IPC__PMPI(Cartdim_get) IPC__PMPI(Comm_c2f)
IPC__PMPI(Comm_call_errhandler) IPC__PMPI(Comm_compare) IPC__PMPI(Comm_create) IPC__PMPI(Comm_create_errhandler)
IPC__PMPI(Comm_create_group) IPC__PMPI(Comm_create_keyval) IPC__PMPI(Comm_delete_attr)
IPC__PMPI(Comm_dup) IPC__PMPI(Comm_dup_with_info) IPC__PMPI(Comm_f2c) IPC__PMPI(Comm_free)
IPC__PMPI(Comm_free_keyval) IPC__PMPI(Comm_get_attr) IPC__PMPI(Comm_get_errhandler)
IPC__PMPI(Comm_get_info) IPC__PMPI(Comm_get_name) IPC__PMPI(Comm_group) IPC__PMPI(Comm_idup)
IPC__PMPI(Comm_rank) IPC__PMPI(Comm_remote_group) IPC__PMPI(Comm_remote_size) IPC__PMPI(Comm_set_attr)
IPC__PMPI(Comm_set_errhandler) IPC__PMPI(Comm_set_info) IPC__PMPI(Comm_set_name)
IPC__PMPI(Comm_size) IPC__PMPI(Comm_split) IPC__PMPI(Comm_split_type) IPC__PMPI(Comm_test_inter)
IPC__PMPI(Compare_and_swap) IPC__PMPI(Dims_create) IPC__PMPI(Dist_graph_create) IPC__PMPI(Dist_graph_create_adjacent)
IPC__PMPI(Dist_graph_neighbors) IPC__PMPI(Dist_graph_neighbors_count) IPC__PMPI(Errhandler_c2f)
IPC__PMPI(Errhandler_f2c) IPC__PMPI(Errhandler_free) IPC__PMPI(Error_class) IPC__PMPI(Error_string)
IPC__PMPI(Exscan) IPC__PMPI(Fetch_and_op) IPC__PMPI(Finalize) IPC__PMPI(Finalized)
IPC__PMPI(Free_mem) IPC__PMPI(Gather) IPC__PMPI(Gatherv) IPC__PMPI(Get) IPC__PMPI(Get_accumulate)
IPC__PMPI(Get_address) IPC__PMPI(Get_count) IPC__PMPI(Get_elements) IPC__PMPI(Get_elements_x)
IPC__PMPI(Get_library_version) IPC__PMPI(Get_processor_name) IPC__PMPI(Get_version)
IPC__PMPI(Graph_create) IPC__PMPI(Graph_get) IPC__PMPI(Graph_map) IPC__PMPI(Graph_neighbors)
IPC__PMPI(Graph_neighbors_count) IPC__PMPI(Graphdims_get) IPC__PMPI(Grequest_complete)
IPC__PMPI(Grequest_start) IPC__PMPI(Group_c2f) IPC__PMPI(Group_compare) IPC__PMPI(Group_difference)
IPC__PMPI(Group_excl) IPC__PMPI(Group_f2c) IPC__PMPI(Group_free) IPC__PMPI(Group_incl)
IPC__PMPI(Group_intersection) IPC__PMPI(Group_range_excl) IPC__PMPI(Group_range_incl)
IPC__PMPI(Group_rank) IPC__PMPI(Group_size) IPC__PMPI(Group_translate_ranks) IPC__PMPI(Group_union)
IPC__PMPI(Iallgather) IPC__PMPI(Iallgatherv) IPC__PMPI(Iallreduce) IPC__PMPI(Ialltoall)
IPC__PMPI(Ialltoallv) IPC__PMPI(Ialltoallw) IPC__PMPI(Ibarrier) IPC__PMPI(Ibcast)
IPC__PMPI(Ibsend) IPC__PMPI(Iexscan) IPC__PMPI(Igather) IPC__PMPI(Igatherv) IPC__PMPI(Ineighbor_allgather)
IPC__PMPI(Ineighbor_allgatherv) IPC__PMPI(Ineighbor_alltoall) IPC__PMPI(Ineighbor_alltoallv)
IPC__PMPI(Ineighbor_alltoallw) IPC__PMPI(Info_c2f) IPC__PMPI(Info_create) IPC__PMPI(Info_delete)
IPC__PMPI(Info_dup) IPC__PMPI(Info_f2c) IPC__PMPI(Info_free) IPC__PMPI(Info_get)
IPC__PMPI(Info_get_nkeys) IPC__PMPI(Info_get_nthkey) IPC__PMPI(Info_get_valuelen)
IPC__PMPI(Info_set) IPC__PMPI(Init) IPC__PMPI(Init_thread) IPC__PMPI(Initialized)
IPC__PMPI(Intercomm_create) IPC__PMPI(Intercomm_merge) IPC__PMPI(Iprobe) IPC__PMPI(Irecv)
IPC__PMPI(Ireduce) IPC__PMPI(Ireduce_scatter) IPC__PMPI(Ireduce_scatter_block) IPC__PMPI(Irsend)
IPC__PMPI(Is_thread_main) IPC__PMPI(Iscan) IPC__PMPI(Iscatter) IPC__PMPI(Iscatterv)
IPC__PMPI(Isend) IPC__PMPI(Issend) IPC__PMPI(Keyval_create) IPC__PMPI(Keyval_free)
IPC__PMPI(Neighbor_allgather) IPC__PMPI(Neighbor_allgatherv) IPC__PMPI(Neighbor_alltoall)
IPC__PMPI(Neighbor_alltoallv) IPC__PMPI(Neighbor_alltoallw) IPC__PMPI(Op_c2f) IPC__PMPI(Op_commutative)
IPC__PMPI(Op_create) IPC__PMPI(Op_f2c) IPC__PMPI(Op_free) IPC__PMPI(Pack) IPC__PMPI(Pack_external)
IPC__PMPI(Pack_external_size) IPC__PMPI(Pack_size) IPC__PMPI(Pcontrol) IPC__PMPI(Probe)
IPC__PMPI(Put) IPC__PMPI(Query_thread) IPC__PMPI(Raccumulate) IPC__PMPI(Recv) IPC__PMPI(Recv_init)
IPC__PMPI(Reduce) IPC__PMPI(Reduce_local) IPC__PMPI(Reduce_scatter) IPC__PMPI(Reduce_scatter_block)
IPC__PMPI(Request_c2f) IPC__PMPI(Request_f2c) IPC__PMPI(Request_free) IPC__PMPI(Request_get_status)
IPC__PMPI(Rget) IPC__PMPI(Rget_accumulate) IPC__PMPI(Rput) IPC__PMPI(Rsend) IPC__PMPI(Rsend_init)
IPC__PMPI(Scan) IPC__PMPI(Scatter) IPC__PMPI(Scatterv) IPC__PMPI(Send) IPC__PMPI(Send_init)
IPC__PMPI(Sendrecv) IPC__PMPI(Sendrecv_replace) IPC__PMPI(Ssend) IPC__PMPI(Ssend_init)
IPC__PMPI(Start) IPC__PMPI(Startall) IPC__PMPI(Status_c2f) IPC__PMPI(Status_f2c)
IPC__PMPI(Status_set_cancelled) IPC__PMPI(Status_set_elements) IPC__PMPI(Status_set_elements_x)
IPC__PMPI(Test) IPC__PMPI(Test_cancelled) IPC__PMPI(Testall) IPC__PMPI(Testany) IPC__PMPI(Testsome)
IPC__PMPI(Topo_test) IPC__PMPI(Type_c2f) IPC__PMPI(Type_commit) IPC__PMPI(Type_contiguous)
IPC__PMPI(Type_create_darray) IPC__PMPI(Type_create_hindexed) IPC__PMPI(Type_create_hindexed_block)
IPC__PMPI(Type_create_hvector) IPC__PMPI(Type_create_indexed_block) IPC__PMPI(Type_create_keyval)
IPC__PMPI(Type_create_resized) IPC__PMPI(Type_create_struct) IPC__PMPI(Type_create_subarray)
IPC__PMPI(Type_delete_attr) IPC__PMPI(Type_dup) IPC__PMPI(Type_f2c) IPC__PMPI(Type_free)
IPC__PMPI(Type_free_keyval) IPC__PMPI(Type_get_attr) IPC__PMPI(Type_get_contents)
IPC__PMPI(Type_get_envelope) IPC__PMPI(Type_get_extent) IPC__PMPI(Type_get_extent_x)
IPC__PMPI(Type_get_name) IPC__PMPI(Type_get_true_extent) IPC__PMPI(Type_get_true_extent_x)
IPC__PMPI(Type_indexed) IPC__PMPI(Type_match_size) IPC__PMPI(Type_set_attr) IPC__PMPI(Type_set_name)
IPC__PMPI(Type_size) IPC__PMPI(Type_size_x) IPC__PMPI(Type_vector) IPC__PMPI(Unpack)
IPC__PMPI(Unpack_external) IPC__PMPI(Wait) IPC__PMPI(Waitall) IPC__PMPI(Waitany)
IPC__PMPI(Waitsome) IPC__PMPI(Win_allocate) IPC__PMPI(Win_allocate_shared) IPC__PMPI(Win_attach)
IPC__PMPI(Win_c2f) IPC__PMPI(Win_call_errhandler) IPC__PMPI(Win_complete) IPC__PMPI(Win_create)
IPC__PMPI(Win_create_dynamic) IPC__PMPI(Win_create_errhandler) IPC__PMPI(Win_create_keyval)
IPC__PMPI(Win_delete_attr) IPC__PMPI(Win_detach) IPC__PMPI(Win_f2c) IPC__PMPI(Win_fence)
IPC__PMPI(Win_flush) IPC__PMPI(Win_flush_all) IPC__PMPI(Win_flush_local) IPC__PMPI(Win_flush_local_all)
IPC__PMPI(Win_free) IPC__PMPI(Win_free_keyval) IPC__PMPI(Win_get_attr) IPC__PMPI(Win_get_errhandler)
IPC__PMPI(Win_get_group) IPC__PMPI(Win_get_info) IPC__PMPI(Win_get_name) IPC__PMPI(Win_lock)
IPC__PMPI(Win_lock_all) IPC__PMPI(Win_post) IPC__PMPI(Win_set_attr) IPC__PMPI(Win_set_errhandler)
IPC__PMPI(Win_set_info) IPC__PMPI(Win_set_name) IPC__PMPI(Win_shared_query) IPC__PMPI(Win_start)
IPC__PMPI(Win_sync) IPC__PMPI(Win_test) IPC__PMPI(Win_unlock) IPC__PMPI(Win_unlock_all)
IPC__PMPI(Win_wait) IPC__PMPI(Wtick) IPC__PMPI(Wtime)
/* PMPI: end */
#undef IPC__PMPI

#ifdef __cplusplus
}
#endif

#endif /* MPI_H */
