/*
 * ipc.h - the whole public contract of libipc.
 *
 * A shared-nothing message-passing library in the spirit of MPI. Ranks share no
 * variables: they send and receive messages on communicators. Start a job with
 * `ipcrun -n N prog args...`; a program started without ipcrun runs as a job of
 * one rank.
 *
 * Conventions:
 * - Every function returns IPC_SUCCESS (0) or an IPC_ERR_* code, except
 *   ipc_wtime, ipc_strerror and ipc_errname.
 * - `count` is a number of elements of the datatype, never bytes (unless the
 *   datatype is IPC_BYTE or IPC_CHAR).
 * - The library is single-threaded: call it from one thread of each rank.
 * - Every symbol of the implementation that is not in this header starts with
 *   `ipc__`; this header compiles together with <sys/ipc.h>.
 */
#ifndef IPC_H
#define IPC_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#define IPC_VERSION_MAJOR 0
#define IPC_VERSION_MINOR 1
#define IPC_VERSION_PATCH 0
#define IPC_VERSION_STRING "0.1.0"

/*
 * Error codes: one list gives the enum, ipc_strerror() and ipc_errname().
 * X(name, value, description)
 */
#define IPC_ERRNO_MAP(X)                                                              \
    X(SUCCESS, 0, "success")                                                          \
    X(ERR_ARG, 1, "invalid argument")                                                 \
    X(ERR_COUNT, 2, "invalid count")                                                  \
    X(ERR_TYPE, 3, "invalid datatype")                                                \
    X(ERR_RANK, 4, "invalid rank: not in the communicator")                           \
    X(ERR_TAG, 5, "invalid tag: must be 0..IPC_TAG_UB or IPC_ANY_TAG on receive")     \
    X(ERR_COMM, 6, "invalid communicator")                                            \
    X(ERR_BUFFER, 7, "invalid buffer: NULL with a non-zero count")                    \
    X(ERR_TRUNCATE, 8, "message truncated: longer than the receive buffer")           \
    X(ERR_REQUEST, 9, "invalid request")                                              \
    X(ERR_IN_STATUS, 10, "error in one or more statuses")                             \
    X(ERR_NOMEM, 11, "out of memory")                                                 \
    X(ERR_NOT_INITIALIZED, 12, "ipc_init has not been called, or ipc_finalize has")   \
    X(ERR_INITIALIZED, 13, "ipc_init has already been called")                        \
    X(ERR_WIREUP, 14, "cannot join the job: the launcher connection failed")          \
    X(ERR_TRANSPORT, 15, "transport failure")                                         \
    X(ERR_PEER, 16, "a peer rank has gone away")                                      \
    X(ERR_OP, 17, "invalid operation for this datatype")                              \
    X(ERR_INTERN, 18, "internal error")

typedef enum {
#define IPC__ERR_ENUM(name, value, text) IPC_##name = value,
    IPC_ERRNO_MAP(IPC__ERR_ENUM)
#undef IPC__ERR_ENUM
    IPC_ERR_LASTCODE
} ipc_errno;

/* Opaque handles. */
typedef struct ipc__comm *ipc_comm;
typedef const struct ipc__datatype *ipc_datatype;
typedef struct ipc__request *ipc_request;
typedef struct ipc__op *ipc_op;

/* What a receive matched. `source` and `tag` are the sender's; `error` is the
 * outcome of that one operation (set by ipc_waitall and friends). */
typedef struct {
    int source;
    int tag;
    int error;
    size_t ipc__bytes; /* private: received length in bytes */
} ipc_status;

/* Communicators. */
extern struct ipc__comm ipc__comm_world;
extern struct ipc__comm ipc__comm_self;
#define IPC_COMM_WORLD (&ipc__comm_world)
#define IPC_COMM_SELF (&ipc__comm_self)
#define IPC_COMM_NULL ((ipc_comm)0)

/* Datatypes. */
extern const struct ipc__datatype ipc__type_byte, ipc__type_char, ipc__type_int,
    ipc__type_long, ipc__type_int64, ipc__type_uint64, ipc__type_float,
    ipc__type_double;
#define IPC_BYTE (&ipc__type_byte)
#define IPC_CHAR (&ipc__type_char)
#define IPC_INT (&ipc__type_int)
#define IPC_LONG (&ipc__type_long)
#define IPC_INT64 (&ipc__type_int64)
#define IPC_UINT64 (&ipc__type_uint64)
#define IPC_FLOAT (&ipc__type_float)
#define IPC_DOUBLE (&ipc__type_double)
#define IPC_DATATYPE_NULL ((ipc_datatype)0)

/* Special ranks, tags and handles. */
#define IPC_ANY_SOURCE (-1)
#define IPC_PROC_NULL (-2)
#define IPC_ANY_TAG (-1)
#define IPC_TAG_UB 0x3fffffff /* largest tag a program may use */
#define IPC_UNDEFINED (-32766)
#define IPC_REQUEST_NULL ((ipc_request)0)
#define IPC_STATUS_IGNORE ((ipc_status *)0)
#define IPC_STATUSES_IGNORE ((ipc_status *)0)

/* Start-up and shut-down. ipc_init reads the job from the environment that
 * ipcrun sets; argc/argv may be NULL. ipc_finalize waits until every message
 * this rank sent has left it, then synchronizes with every other rank. */
int ipc_init(int *argc, char ***argv);
int ipc_finalize(void);
int ipc_initialized(int *flag);
int ipc_finalized(int *flag);

int ipc_comm_rank(ipc_comm comm, int *rank);
int ipc_comm_size(ipc_comm comm, int *size);

/* Point-to-point. Messages from one sender to one receiver on one communicator
 * never overtake each other. A message longer than the receive buffer fills
 * the buffer and returns IPC_ERR_TRUNCATE. Sends and receives to IPC_PROC_NULL
 * complete at once. ipc_send returns when `buf` may be reused; ipc_ssend
 * returns only once the receiver has matched the message. */
int ipc_send(const void *buf, size_t count, ipc_datatype type, int dest, int tag,
             ipc_comm comm);
int ipc_ssend(const void *buf, size_t count, ipc_datatype type, int dest, int tag,
              ipc_comm comm);
int ipc_recv(void *buf, size_t count, ipc_datatype type, int source, int tag,
             ipc_comm comm, ipc_status *status);

/* Nonblocking: the buffer belongs to the library until the request completes
 * in ipc_wait/ipc_test/ipc_waitall/ipc_waitany, which free the request and
 * set the handle to IPC_REQUEST_NULL. A handle is not an address: a copy of
 * it kept after its request was freed names nothing, even once a new request
 * took its place, and these calls refuse it (as any value that is no live
 * handle) with IPC_ERR_REQUEST, doing nothing. */
int ipc_isend(const void *buf, size_t count, ipc_datatype type, int dest, int tag,
              ipc_comm comm, ipc_request *req);
int ipc_issend(const void *buf, size_t count, ipc_datatype type, int dest, int tag,
               ipc_comm comm, ipc_request *req);
int ipc_irecv(void *buf, size_t count, ipc_datatype type, int source, int tag,
              ipc_comm comm, ipc_request *req);
int ipc_wait(ipc_request *req, ipc_status *status);
int ipc_test(ipc_request *req, int *flag, ipc_status *status);
/* statuses may be IPC_STATUSES_IGNORE. Returns IPC_ERR_IN_STATUS when one
 * request failed; each status's `error` then tells which. */
int ipc_waitall(int n, ipc_request reqs[], ipc_status statuses[]);
/* *index is IPC_UNDEFINED when every request is IPC_REQUEST_NULL. */
int ipc_waitany(int n, ipc_request reqs[], int *index, ipc_status *status);

/* Withdraws the operation of req, if it has not gone too far: a receive
 * that no message has matched yet leaves the queue of posted receives (no
 * message will ever land in its buffer), as does a synchronous send to this
 * rank itself that no receive has matched. Then *cancelled is 1 and the
 * request is complete: ipc_wait and the others free it as usual, with the
 * empty status (IPC_ANY_SOURCE, IPC_ANY_TAG, no bytes). Anything else (a
 * matched receive, any send to another rank: once started its message or
 * its announcement may be in the peer's queue, and no frame takes it back)
 * is left alone: *cancelled is 0 and the request completes as it would
 * have. The request of ipc_comm_idup, a collective, cannot be withdrawn by
 * one member: IPC_ERR_REQUEST, as for IPC_REQUEST_NULL or a stale handle. */
int ipc_cancel(ipc_request req, int *cancelled);

int ipc_probe(int source, int tag, ipc_comm comm, ipc_status *status);
int ipc_iprobe(int source, int tag, ipc_comm comm, int *flag, ipc_status *status);
/* Number of whole elements of `type` that the matched message held. */
int ipc_get_count(const ipc_status *status, ipc_datatype type, size_t *count);

int ipc_sendrecv(const void *sbuf, size_t scount, ipc_datatype stype, int dest,
                 int stag, void *rbuf, size_t rcount, ipc_datatype rtype, int source,
                 int rtag, ipc_comm comm, ipc_status *status);

/*
 * Reduction operations. The predefined ones are small constants, not objects;
 * IPC_OP_NULL is none. Which datatypes each accepts (any other pairing is
 * IPC_ERR_OP):
 *   IPC_SUM IPC_PROD IPC_MIN IPC_MAX  INT LONG INT64 UINT64 FLOAT DOUBLE
 *   IPC_LAND IPC_LOR IPC_LXOR         INT LONG INT64 UINT64
 *   IPC_BAND IPC_BOR IPC_BXOR         INT LONG INT64 UINT64 BYTE
 * IPC_CHAR is text and takes none. Signed sums and products wrap around.
 */
#define IPC_OP_NULL ((ipc_op)0)
#define IPC_SUM ((ipc_op)1)
#define IPC_PROD ((ipc_op)2)
#define IPC_MIN ((ipc_op)3)
#define IPC_MAX ((ipc_op)4)
#define IPC_LAND ((ipc_op)5)
#define IPC_LOR ((ipc_op)6)
#define IPC_LXOR ((ipc_op)7)
#define IPC_BAND ((ipc_op)8)
#define IPC_BOR ((ipc_op)9)
#define IPC_BXOR ((ipc_op)10)

/* A user operation: fn sets inout[i] = in[i] op inout[i] for count elements of
 * type, where `in` holds the contribution of lower ranks. It must be
 * associative; with commutative == 0 the library keeps the ranks' order. It
 * applies to every datatype; fn must not call the library. */
typedef void ipc_user_fn(const void *in, void *inout, size_t count, ipc_datatype type);
int ipc_op_create(ipc_user_fn *fn, int commutative, ipc_op *op);
/* Sets *op to IPC_OP_NULL. Predefined ops cannot be freed (IPC_ERR_OP). */
int ipc_op_free(ipc_op *op);

/* Communicators. A message sent on one is never received on another, and
 * collectives on different communicators do not mix. Each is collective over
 * its parent: every member calls it, in the same order. */
int ipc_comm_dup(ipc_comm comm, ipc_comm *newcomm);
/* ipc_comm_dup that does not wait for the other members: *newcomm may be
 * used once *req completes (ipc_wait, ipc_test). Several may be under way
 * on several communicators at once, begun in any order. */
int ipc_comm_idup(ipc_comm comm, ipc_comm *newcomm, ipc_request *req);
/* Ranks with the same color form one communicator, ordered by key, ties by
 * rank in comm. color must be >= 0, or IPC_UNDEFINED, which gives
 * IPC_COMM_NULL. */
int ipc_comm_split(ipc_comm comm, int color, int key, ipc_comm *newcomm);
/* Local: releases what the communicator holds and sets *comm to
 * IPC_COMM_NULL. IPC_COMM_WORLD and IPC_COMM_SELF cannot be freed. */
int ipc_comm_free(ipc_comm *comm);

/*
 * Collectives. Every member of the communicator calls the same collective, in
 * the same order as the others, with matching arguments (same root, counts
 * that agree). Counts and displacements are in elements of the datatype.
 * IPC_IN_PLACE, where allowed, says that the data is already in the receive
 * buffer:
 *   reduce                 at the root, as sbuf: the input is in rbuf
 *   allreduce, scan, exscan as sbuf: the input is in rbuf
 *   reduce_scatter_block   as sbuf: rbuf holds all size*count inputs; the
 *                          result is in its first count elements
 *   gather(v)              at the root, as sbuf: its block is already in place
 *   scatter(v)             at the root, as rbuf: its block stays in sbuf
 *   allgather(v)           as sbuf: each rank's block is already in place
 *   alltoall(v)            as sbuf: rbuf holds what to send and is overwritten
 *                          (the send counts are the receive counts)
 * Reductions are deterministic: for the same inputs, rank count (and root) the
 * result is the same, bit for bit, on every rank and in every run;
 * docs/collectives.md gives the order of the operations.
 */
#define IPC_IN_PLACE ((void *)1)

int ipc_barrier(ipc_comm comm);
int ipc_bcast(void *buf, size_t count, ipc_datatype type, int root, ipc_comm comm);
int ipc_reduce(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
               int root, ipc_comm comm);
int ipc_allreduce(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
                  ipc_comm comm);
/* Inclusive prefix: rank r gets the reduction of ranks 0..r. */
int ipc_scan(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
             ipc_comm comm);
/* Exclusive prefix: rank r gets the reduction of ranks 0..r-1; rank 0's rbuf is
 * left as it was. */
int ipc_exscan(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
               ipc_comm comm);
/* Reduces size*count elements and gives rank r elements r*count.. of the result. */
int ipc_reduce_scatter_block(const void *sbuf, void *rbuf, size_t count, ipc_datatype type,
                             ipc_op op, ipc_comm comm);
int ipc_gather(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
               size_t rcount, ipc_datatype rtype, int root, ipc_comm comm);
int ipc_gatherv(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                const size_t rcounts[], const size_t displs[], ipc_datatype rtype, int root,
                ipc_comm comm);
int ipc_scatter(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                size_t rcount, ipc_datatype rtype, int root, ipc_comm comm);
int ipc_scatterv(const void *sbuf, const size_t scounts[], const size_t displs[],
                 ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, int root,
                 ipc_comm comm);
int ipc_allgather(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                  size_t rcount, ipc_datatype rtype, ipc_comm comm);
int ipc_allgatherv(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                   const size_t rcounts[], const size_t displs[], ipc_datatype rtype,
                   ipc_comm comm);
int ipc_alltoall(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                 size_t rcount, ipc_datatype rtype, ipc_comm comm);
int ipc_alltoallv(const void *sbuf, const size_t scounts[], const size_t sdispls[],
                  ipc_datatype stype, void *rbuf, const size_t rcounts[],
                  const size_t rdispls[], ipc_datatype rtype, ipc_comm comm);

/*
 * Nonblocking collectives: the same operations, arguments and results as the
 * blocking ones above, started at once; *req completes (ipc_wait, ipc_test,
 * ipc_waitall, ipc_waitany) when this rank's part is done, and until then the
 * buffers belong to the library. They advance inside any ipc_ call of the
 * rank (what can leave at once leaves before the call returns): computing
 * between the start and the wait overlaps the rest. Several may be in flight
 * on one communicator, started in the same order at every member (as every
 * collective is), mixed with blocking collectives and point-to-point traffic,
 * and completed in any order. Intracommunicators only (else IPC_ERR_COMM).
 */
int ipc_ibarrier(ipc_comm comm, ipc_request *req);
int ipc_ibcast(void *buf, size_t count, ipc_datatype type, int root, ipc_comm comm,
               ipc_request *req);
int ipc_ireduce(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
                int root, ipc_comm comm, ipc_request *req);
int ipc_iallreduce(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
                   ipc_comm comm, ipc_request *req);
int ipc_iscan(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
              ipc_comm comm, ipc_request *req);
int ipc_iexscan(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
                ipc_comm comm, ipc_request *req);
int ipc_ireduce_scatter_block(const void *sbuf, void *rbuf, size_t count, ipc_datatype type,
                              ipc_op op, ipc_comm comm, ipc_request *req);
int ipc_igather(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                size_t rcount, ipc_datatype rtype, int root, ipc_comm comm, ipc_request *req);
int ipc_igatherv(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                 const size_t rcounts[], const size_t displs[], ipc_datatype rtype, int root,
                 ipc_comm comm, ipc_request *req);
int ipc_iscatter(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                 size_t rcount, ipc_datatype rtype, int root, ipc_comm comm, ipc_request *req);
int ipc_iscatterv(const void *sbuf, const size_t scounts[], const size_t displs[],
                  ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, int root,
                  ipc_comm comm, ipc_request *req);
int ipc_iallgather(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                   size_t rcount, ipc_datatype rtype, ipc_comm comm, ipc_request *req);
int ipc_iallgatherv(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                    const size_t rcounts[], const size_t displs[], ipc_datatype rtype,
                    ipc_comm comm, ipc_request *req);
int ipc_ialltoall(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                  size_t rcount, ipc_datatype rtype, ipc_comm comm, ipc_request *req);
int ipc_ialltoallv(const void *sbuf, const size_t scounts[], const size_t sdispls[],
                   ipc_datatype stype, void *rbuf, const size_t rcounts[],
                   const size_t rdispls[], ipc_datatype rtype, ipc_comm comm,
                   ipc_request *req);

/* Utilities. */
int ipc_type_size(ipc_datatype type, size_t *size);
double ipc_wtime(void); /* seconds since an arbitrary point, monotonic */
/* Ends the whole job: the launcher stops every rank and exits with
 * `errorcode` (1 if it is not 1..255). Does not return. */
int ipc_abort(ipc_comm comm, int errorcode);
const char *ipc_strerror(int err);
const char *ipc_errname(int err);

#ifdef __cplusplus
}
#endif

#endif /* IPC_H */
