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
    X(ERR_INTERN, 18, "internal error")                                               \
    X(ERR_WIN, 19, "invalid window")                                                  \
    X(ERR_RMA_SYNC, 20, "one-sided call outside the epoch it needs")                  \
    X(ERR_RMA_RANGE, 21, "target range outside the target's window")                  \
    X(ERR_RMA_ATTACH, 22, "memory cannot be attached to the window, or detached")     \
    X(ERR_RMA_FLAVOR, 23, "call not allowed on a window of this flavor")              \
    X(ERR_LOCKTYPE, 24, "invalid lock type")                                          \
    X(ERR_ASSERT, 25, "invalid assert argument")                                      \
    X(ERR_RMA_SHARED, 26, "memory cannot be shared: the ranks are not on one node")

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

/* One-sided communication (docs/one-sided.md). A window is memory that every
 * member of a communicator exposes to the others, who put to it, get from it
 * and accumulate into it without the target's part; epochs (fence,
 * post/start/complete/wait, lock/unlock) say when those operations may start
 * and when they are complete. Displacements are in units of the target's
 * disp_unit from the start of its window (a dynamic window: absolute
 * addresses, from the target's own ipc_win_attach). Ranks are those of the
 * communicator the window was made on. */
typedef struct ipc__win *ipc_win;
#define IPC_WIN_NULL ((ipc_win)0)
/* Flavors: how a window's memory came to be. */
enum {
    IPC_WIN_FLAVOR_CREATE = 1,   /* the program's memory (ipc_win_create) */
    IPC_WIN_FLAVOR_ALLOCATE = 2, /* memory the library placed (ipc_win_allocate) */
    IPC_WIN_FLAVOR_DYNAMIC = 3,  /* regions attached later (ipc_win_create_dynamic) */
    IPC_WIN_FLAVOR_SHARED = 4,   /* loads and stores by node peers (ipc_win_allocate_shared) */
};
enum { IPC_LOCK_EXCLUSIVE = 234, IPC_LOCK_SHARED = 235 };
/* Asserts of the synchronization calls (or them together; 0: none). */
enum {
    IPC_MODE_NOCHECK = 1024,
    IPC_MODE_NOSTORE = 2048,
    IPC_MODE_NOPUT = 4096,
    IPC_MODE_NOPRECEDE = 8192,
    IPC_MODE_NOSUCCEED = 16384,
};
/* Accumulate-only operations: replace the target's value, or leave it (the
 * fetch of ipc_get_accumulate and ipc_fetch_and_op still happens). */
#define IPC_REPLACE ((ipc_op)11)
#define IPC_NO_OP ((ipc_op)12)

/* Collective over comm. create: this rank exposes size bytes at base.
 * allocate: the library places size bytes (where node peers reach them
 * with plain loads and stores) and stores their address in *(void **)baseptr.
 * allocate_shared: the same, and every member of comm must share this
 * rank's node; the members' memory is contiguous in rank order unless
 * noncontig. dynamic: no memory until ipc_win_attach. */
int ipc_win_create(void *base, size_t size, int disp_unit, ipc_comm comm, ipc_win *win);
int ipc_win_allocate(size_t size, int disp_unit, ipc_comm comm, void *baseptr, ipc_win *win);
int ipc_win_allocate_shared(size_t size, int disp_unit, int noncontig, ipc_comm comm,
                            void *baseptr, ipc_win *win);
int ipc_win_create_dynamic(ipc_comm comm, ipc_win *win);
/* A shared window's memory of member rank (IPC_PROC_NULL: the first member
 * with size > 0) as this rank sees it. */
int ipc_win_shared_query(ipc_win win, int rank, size_t *size, int *disp_unit, void *baseptr);
/* Local: regions of a dynamic window (IPC_ERR_RMA_FLAVOR on another one). */
int ipc_win_attach(ipc_win win, void *base, size_t size);
int ipc_win_detach(ipc_win win, const void *base);
/* Collective; every epoch must be closed (IPC_ERR_RMA_SYNC otherwise, and
 * the window stays). Sets *win to IPC_WIN_NULL. */
int ipc_win_free(ipc_win *win);
/* What the window is: this rank's base, size, disp_unit and flavor (any may
 * be NULL), and the communicator its ranks are named in (the library's own
 * copy of the one it was made on: valid until ipc_win_free). */
int ipc_win_query(ipc_win win, void **base, size_t *size, int *disp_unit, int *flavor);
int ipc_win_comm(ipc_win win, ipc_comm *comm);

/* Communication calls. count elements of type (a basic datatype); for
 * accumulates op applies element by element, atomically per element with
 * respect to other accumulates of the same type to the same location, and
 * accumulates from one origin to one location apply in the order issued.
 * The r- forms give a request that completes when the origin's buffers may
 * be reused (and, for those that fetch, hold the result). */
int ipc_put(const void *buf, size_t count, ipc_datatype type, int target, size_t disp,
            ipc_win win);
int ipc_get(void *buf, size_t count, ipc_datatype type, int target, size_t disp,
            ipc_win win);
int ipc_accumulate(const void *buf, size_t count, ipc_datatype type, int target, size_t disp,
                   ipc_op op, ipc_win win);
int ipc_get_accumulate(const void *buf, void *result, size_t count, ipc_datatype type,
                       int target, size_t disp, ipc_op op, ipc_win win);
int ipc_fetch_and_op(const void *buf, void *result, ipc_datatype type, int target,
                     size_t disp, ipc_op op, ipc_win win);
int ipc_compare_and_swap(const void *buf, const void *compare, void *result,
                         ipc_datatype type, int target, size_t disp, ipc_win win);
int ipc_rput(const void *buf, size_t count, ipc_datatype type, int target, size_t disp,
             ipc_win win, ipc_request *req);
int ipc_rget(void *buf, size_t count, ipc_datatype type, int target, size_t disp,
             ipc_win win, ipc_request *req);
int ipc_raccumulate(const void *buf, size_t count, ipc_datatype type, int target,
                    size_t disp, ipc_op op, ipc_win win, ipc_request *req);
int ipc_rget_accumulate(const void *buf, void *result, size_t count, ipc_datatype type,
                        int target, size_t disp, ipc_op op, ipc_win win, ipc_request *req);

/* Synchronization. fence: collective, closes the epoch before it and opens
 * the next. post/wait: the target side of a generalized epoch with the
 * origins ranks[0..n); start/complete: the origin side with the targets
 * ranks[0..n). lock/unlock: a passive-target epoch at one target
 * (IPC_LOCK_SHARED or IPC_LOCK_EXCLUSIVE); lock_all: shared at every
 * member. flush: the operations to target so far are complete at both ends;
 * flush_local: at the origin. sync: this rank's view of its own window
 * memory and the public one agree. */
int ipc_win_fence(int assert, ipc_win win);
int ipc_win_post(const int *ranks, int n, int assert, ipc_win win);
int ipc_win_start(const int *ranks, int n, int assert, ipc_win win);
int ipc_win_complete(ipc_win win);
int ipc_win_wait(ipc_win win);
int ipc_win_test(ipc_win win, int *flag);
int ipc_win_lock(int lock_type, int rank, int assert, ipc_win win);
int ipc_win_unlock(int rank, ipc_win win);
int ipc_win_lock_all(int assert, ipc_win win);
int ipc_win_unlock_all(ipc_win win);
int ipc_win_flush(int rank, ipc_win win);
int ipc_win_flush_all(ipc_win win);
int ipc_win_flush_local(int rank, ipc_win win);
int ipc_win_flush_local_all(ipc_win win);
int ipc_win_sync(ipc_win win);

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
