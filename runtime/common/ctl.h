/*
 * ctl.h - the control channel between ipcrun and each rank.
 *
 * ipcrun creates one AF_UNIX SOCK_SEQPACKET socketpair per rank before fork and
 * tells the rank its end in IPC_CONTROL_FD. Every message is one packet: a
 * struct ipc__ctl_hdr followed by `len` payload bytes, optionally carrying file
 * descriptors (SCM_RIGHTS). Both ipcrun and libipc use these functions; the
 * wire format is described in docs/wire-formats.md.
 *
 * The environment ipcrun gives every rank (IPC_CONTROL_FD among it) is
 * listed in names.h.
 */
#ifndef IPC_CTL_H
#define IPC_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum ipc__ctl_type {
    /* rank -> launcher */
    IPC__CTL_INIT = 1,      /* ipc_init started; payload: none */
    IPC__CTL_PUT = 2,       /* publish "key\0value\0" */
    IPC__CTL_FENCE = 3,     /* wait until every rank has fenced; answered by FENCE_DONE */
    IPC__CTL_PIPES = 4,     /* ask for pipes to the node's ranks; payload: uint32 node;
                               answered by one PIPE per other rank of that node */
    IPC__CTL_ABORT = 5,     /* payload: int32 error code, then (optional) uint32 enum
                               ipc__api; the rank exits right after */
    IPC__CTL_FINALIZE = 6,  /* ipc_finalize completed; payload: none */
    IPC__CTL_SHM = 7,       /* ask for the node's shared segment; payload: struct
                               ipc__ctl_shm_req */
    IPC__CTL_STATE = 8,     /* fds: [a memfd whose first page is the rank's struct
                               ipc__ctl_state]; payload: none */
    IPC__CTL_STATS = 9,     /* --stats, at ipc_finalize: struct ipc__ctl_stats, then
                               `npeers` struct ipc__ctl_stats_peer */
    IPC__CTL_TRACE = 10,    /* --trace, at ipc_finalize: JSON text, whole trace events,
                               each followed by ",\n" */
    IPC__CTL_WHERE_IS = 11, /* node daemon -> ipcrun (in RANK_CTL): struct
                               ipc__ctl_state, then text: what /proc says the rank does */
    IPC__CTL_STATS_RMA = 12, /* --stats, after STATS, only from a rank that counted
                                one-sided traffic: struct ipc__ctl_stats_rma entries
                                (as many as fit the length), in peer order across
                                packets */
    IPC__CTL_NODES = 13,     /* ask for the node of every rank (a rank told IPC_NODES);
                                payload: none; answered by NODE_MAP packets */
    /* launcher -> rank */
    IPC__CTL_FENCE_DONE = 64, /* payload: every "key\0value\0" put so far (the end of
                                 it, after FENCE_PARTs) */
    IPC__CTL_PIPE = 65,   /* payload: int32 peer; fds: [read from peer, write to peer] */
    IPC__CTL_SHM_FD = 66, /* payload: struct ipc__ctl_shm; fds: [segment] when err == 0 */
    IPC__CTL_WHERE = 67,  /* ipcrun -> node daemon (in CTL, rank -1): answer with
                             one WHERE_IS per rank of the node; never reaches a rank */
    IPC__CTL_NODE_MAP = 68,   /* payload: uint32 first rank, then the uint32 node of it
                                 and of the ranks after it, up to IPC__CTL_NODE_MAP_MAX;
                                 packets in rank order until every rank is told */
    IPC__CTL_FENCE_PART = 69, /* payload: the next bytes of a fence's key/value table
                                 too large for one packet; FENCE_DONE ends it */
};

/* Ranks one NODE_MAP packet tells at most (64 KiB of payload): any job size
 * goes in as many packets as it takes, each far below the smallest send
 * buffer. */
#define IPC__CTL_NODE_MAP_MAX 16384

/*
 * The calls a rank reports being in (struct ipc__ctl_state) and that --trace
 * draws as spans. X(name, "libipc's name", "the MPI call that reaches it"):
 * a program that uses the MPI layer (state api IPC__API_MPI) is told of its
 * calls in MPI's names. The numbers are kept:
 * new calls go at the end. Collectives run from BARRIER to ALLTOALLV, the
 * one-sided calls (windows, epochs, operations) from WIN_CREATE on.
 */
#define IPC__CALLS(X)                                                                    \
    X(NONE, "", "")                                                                      \
    X(SEND, "ipc_send", "MPI_Send")                                                      \
    X(SSEND, "ipc_ssend", "MPI_Ssend")                                                   \
    X(RECV, "ipc_recv", "MPI_Recv")                                                      \
    X(ISEND, "ipc_isend", "MPI_Isend")                                                   \
    X(ISSEND, "ipc_issend", "MPI_Issend")                                                \
    X(IRECV, "ipc_irecv", "MPI_Irecv")                                                   \
    X(WAIT, "ipc_wait", "MPI_Wait")                                                      \
    X(WAITALL, "ipc_waitall", "MPI_Waitall")                                             \
    X(WAITANY, "ipc_waitany", "MPI_Waitany")                                             \
    X(PROBE, "ipc_probe", "MPI_Probe")                                                   \
    X(SENDRECV, "ipc_sendrecv", "MPI_Sendrecv")                                          \
    X(FINALIZE, "ipc_finalize", "MPI_Finalize")                                          \
    X(BARRIER, "ipc_barrier", "MPI_Barrier")                                             \
    X(BCAST, "ipc_bcast", "MPI_Bcast")                                                   \
    X(REDUCE, "ipc_reduce", "MPI_Reduce")                                                \
    X(ALLREDUCE, "ipc_allreduce", "MPI_Allreduce")                                       \
    X(SCAN, "ipc_scan", "MPI_Scan")                                                      \
    X(EXSCAN, "ipc_exscan", "MPI_Exscan")                                                \
    X(REDUCE_SCATTER_BLOCK, "ipc_reduce_scatter_block", "MPI_Reduce_scatter_block")      \
    X(GATHER, "ipc_gather", "MPI_Gather")                                                \
    X(GATHERV, "ipc_gatherv", "MPI_Gatherv")                                             \
    X(SCATTER, "ipc_scatter", "MPI_Scatter")                                             \
    X(SCATTERV, "ipc_scatterv", "MPI_Scatterv")                                          \
    X(ALLGATHER, "ipc_allgather", "MPI_Allgather")                                       \
    X(ALLGATHERV, "ipc_allgatherv", "MPI_Allgatherv")                                    \
    X(ALLTOALL, "ipc_alltoall", "MPI_Alltoall")                                          \
    X(ALLTOALLV, "ipc_alltoallv", "MPI_Alltoallv")                                       \
    X(WIN_CREATE, "ipc_win_create", "MPI_Win_create")                                    \
    X(WIN_ALLOCATE, "ipc_win_allocate", "MPI_Win_allocate")                              \
    X(WIN_ALLOCATE_SHARED, "ipc_win_allocate_shared", "MPI_Win_allocate_shared")         \
    X(WIN_CREATE_DYNAMIC, "ipc_win_create_dynamic", "MPI_Win_create_dynamic")            \
    X(WIN_FREE, "ipc_win_free", "MPI_Win_free")                                          \
    X(WIN_FENCE, "ipc_win_fence", "MPI_Win_fence")                                       \
    X(WIN_POST, "ipc_win_post", "MPI_Win_post")                                          \
    X(WIN_START, "ipc_win_start", "MPI_Win_start")                                       \
    X(WIN_COMPLETE, "ipc_win_complete", "MPI_Win_complete")                              \
    X(WIN_WAIT, "ipc_win_wait", "MPI_Win_wait")                                          \
    X(WIN_LOCK, "ipc_win_lock", "MPI_Win_lock")                                          \
    X(WIN_UNLOCK, "ipc_win_unlock", "MPI_Win_unlock")                                    \
    X(WIN_LOCK_ALL, "ipc_win_lock_all", "MPI_Win_lock_all")                              \
    X(WIN_UNLOCK_ALL, "ipc_win_unlock_all", "MPI_Win_unlock_all")                        \
    X(WIN_FLUSH, "ipc_win_flush", "MPI_Win_flush")                                       \
    X(WIN_FLUSH_ALL, "ipc_win_flush_all", "MPI_Win_flush_all")                           \
    X(WIN_FLUSH_LOCAL, "ipc_win_flush_local", "MPI_Win_flush_local")                     \
    X(WIN_FLUSH_LOCAL_ALL, "ipc_win_flush_local_all", "MPI_Win_flush_local_all")         \
    X(PUT, "ipc_put", "MPI_Put")                                                         \
    X(GET, "ipc_get", "MPI_Get")                                                         \
    X(ACCUMULATE, "ipc_accumulate", "MPI_Accumulate")                                    \
    X(GET_ACCUMULATE, "ipc_get_accumulate", "MPI_Get_accumulate")                        \
    X(FETCH_AND_OP, "ipc_fetch_and_op", "MPI_Fetch_and_op")                              \
    X(COMPARE_AND_SWAP, "ipc_compare_and_swap", "MPI_Compare_and_swap")                  \
    X(RPUT, "ipc_rput", "MPI_Rput")                                                      \
    X(RGET, "ipc_rget", "MPI_Rget")                                                      \
    X(RACCUMULATE, "ipc_raccumulate", "MPI_Raccumulate")                                 \
    X(RGET_ACCUMULATE, "ipc_rget_accumulate", "MPI_Rget_accumulate")

enum ipc__call {
#define IPC__CALL_ENUM(name, text, mpi_text) IPC__CALL_##name,
    IPC__CALLS(IPC__CALL_ENUM)
#undef IPC__CALL_ENUM
        IPC__CALL_COUNT
};

/* Which interface the program calls libipc through: names in reports. */
enum ipc__api { IPC__API_IPC = 0, IPC__API_MPI = 1 };

/* "ipc_recv" (api IPC__API_IPC or unknown) or "MPI_Recv" (IPC__API_MPI), or
 * "" for IPC__CALL_NONE and unknown numbers. */
const char *ipc__ctl_call_name(uint32_t call, uint32_t api);
static inline int ipc__ctl_call_is_coll(uint32_t call)
{
    return call >= IPC__CALL_BARRIER && call <= IPC__CALL_ALLTOALLV;
}
/* A one-sided call: making or freeing a window, an epoch, an operation. */
static inline int ipc__ctl_call_is_rma(uint32_t call)
{
    return call >= IPC__CALL_WIN_CREATE && call < IPC__CALL_COUNT;
}

/* What a rank is doing, kept up to date by the rank in a page of its own
 * that it gives the launcher (IPC__CTL_STATE), so that ipcrun can say where
 * each rank was on --timeout or Ctrl-C, even when the rank is blocked in a
 * futex, busy, or already dead. Written without locks: read it only as a
 * diagnostic. */
#define IPC__CTL_STATE_MAGIC 0x49505354u /* "IPST" */
enum ipc__wait_kind { IPC__WAIT_NONE, IPC__WAIT_SEND, IPC__WAIT_RECV };
struct ipc__ctl_state {
    uint32_t magic;
    uint32_t call;      /* enum ipc__call the rank is in; NONE: outside blocking calls */
    int32_t peer;       /* the call's peer as the program gave it (dest, source, root) in
                           the communicator; -1 any source, -2 none or IPC_PROC_NULL */
    int32_t tag;        /* the call's tag; -1 any */
    uint32_t ctx;       /* the communicator's context id (0: IPC_COMM_WORLD, 2: SELF) */
    int32_t comm_size;  /* its ranks */
    uint64_t bytes;     /* the call's message size */
    uint32_t wait_kind; /* enum ipc__wait_kind: the request the call waits for now */
    int32_t wait_peer;  /* its peer, a job rank; -1 any */
    int32_t wait_tag;   /* its tag (collectives use their own) */
    uint32_t api;       /* enum ipc__api: set once, when the MPI layer starts */
};
_Static_assert(sizeof(struct ipc__ctl_state) == 48, "docs/wire-formats.md: 48 bytes");

/* The names the program gave its communicators (MPI_Comm_set_name), kept in
 * the state page after struct ipc__ctl_state, at IPC__CTL_NAMES_OFFSET: a
 * report names a communicator as the program does. A slot is in use when
 * its name is not empty; more names than slots are not shown. Written only
 * when a name is set or its communicator freed, never on a message's path. */
#define IPC__CTL_NAMES_OFFSET 64
#define IPC__CTL_NAMES 16
#define IPC__CTL_NAME_MAX 60 /* bytes with the terminating NUL; longer are cut */
struct ipc__ctl_comm_name {
    uint32_t ctx; /* the communicator's point-to-point context id */
    char name[IPC__CTL_NAME_MAX];
};
_Static_assert(sizeof(struct ipc__ctl_comm_name) == 64, "docs/wire-formats.md: 64 bytes");
/* The name of context ctx among names[0..n), or NULL. */
const char *ipc__ctl_comm_name(const struct ipc__ctl_comm_name *names, int n,
                               uint32_t ctx);

/* IPC__CTL_STATS: what one rank counted, from ipc_init to ipc_finalize. */
struct ipc__ctl_stats {
    uint64_t recv_wait_ns; /* in blocking receives, waits, probes and sendrecv */
    uint64_t coll_ns;      /* in collectives */
    uint64_t unexpected;   /* messages that arrived before their receive */
    uint64_t rendezvous;   /* messages this rank sent by rendezvous (RTS) */
    uint32_t npeers;       /* struct ipc__ctl_stats_peer that follow */
    uint32_t flags;        /* IPC__CTL_STATS_* */
};
#define IPC__CTL_STATS_MORE 1u /* another STATS packet follows with more peers */
#define IPC__CTL_STATS_MPI 2u  /* the rank's program used the MPI layer */
struct ipc__ctl_stats_peer {
    int32_t peer; /* job rank */
    uint32_t pad;
    uint64_t msgs_sent, bytes_sent, msgs_recv, bytes_recv;
};

/* IPC__CTL_STATS_RMA: one-sided traffic between this rank and job rank
 * `peer` (only peers with some), from ipc_init to ipc_finalize. */
struct ipc__ctl_stats_rma {
    int32_t peer; /* job rank */
    uint32_t pad;
    /* operations this rank issued to peer and their bytes: puts, gets, and
       accumulates (get_accumulate, fetch_and_op, compare_and_swap too) */
    uint64_t puts, put_bytes, gets, get_bytes, accs, acc_bytes;
    uint64_t served; /* requests from peer that this rank's server answered (AM path:
                        operations, lock and unlock) */
};
_Static_assert(sizeof(struct ipc__ctl_stats_rma) == 64, "docs/wire-formats.md: 64 bytes");

struct ipc__ctl_hdr {
    uint32_t type;
    uint32_t len; /* payload bytes after the header */
};

/* IPC__CTL_SHM: the launcher keeps one anonymous segment (memfd) per node
 * index, created when the node's first rank asks, of the size it asked for,
 * with every page reserved up front; the node's other ranks must ask for the
 * same size and count, and the launcher closes its copy once `nranks` ranks
 * have it. A rank alone on its node does not ask. */
struct ipc__ctl_shm_req {
    uint64_t size;   /* bytes */
    uint32_t node;   /* the asking rank's node index (IPC_NODE_OF; 0 without it) */
    uint32_t nranks; /* ranks on that node, every one of which asks */
};

/* Answer to IPC__CTL_SHM. */
struct ipc__ctl_shm {
    int32_t err; /* 0, or the errno that made creating it fail */
    uint32_t pad;
    uint64_t size; /* bytes */
};

#define IPC__CTL_MAX_FDS 4
#define IPC__CTL_MAX_MSG (1u << 20) /* largest packet, header included */

/* Sends one packet. Returns 0, or -errno. Retries on EINTR; blocks if the
 * socket is full. */
int ipc__ctl_send(int fd, uint32_t type, const void *payload, size_t len, const int *fds,
                  int nfds);

/* Receives one packet into buf (capacity cap). On success returns the payload
 * length and sets *type; received descriptors go to fds[0..*nfds) (pass
 * nfds == NULL to refuse them; any that arrive are closed). Returns 0 with
 * *type == 0 at end of file, -EMSGSIZE for a packet larger than cap, or -errno. */
ssize_t ipc__ctl_recv(int fd, uint32_t *type, void *buf, size_t cap, int *fds, int *nfds);

/* Makes the memfd of a node's segment (what IPC__CTL_SHM hands out, or what
 * a rank started without ipcrun makes itself): anonymous, so nothing is left
 * in /dev/shm, and with every page reserved, so a full memory limit is an
 * error now rather than a SIGBUS in the middle of the job. name is what
 * /proc shows. Returns the descriptor, or -errno. */
int ipc__ctl_make_segment(const char *name, uint64_t size);

#endif /* IPC_CTL_H */
