/*
 * internal.h - state shared by the modules of libipc. Nothing here is part of
 * the public contract (include/ipc.h).
 */
#ifndef IPC_INTERNAL_H
#define IPC_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "handle.h"
#include "ipc.h"
#include "match.h"
#include "transport/transport.h"
#include "wire.h"

struct ipc__datatype {
    const char *name;
    size_t size;
};

struct ipc__comm {
    uint32_t ctx_p2p;  /* context id of point-to-point traffic */
    uint32_t ctx_coll; /* context id of collective traffic */
    int rank;
    int size;
    const int *world_ranks; /* world rank of each member; NULL means identity */
    /* Whom point-to-point addresses, by world rank (NULL means identity):
     * the members themselves in an intracommunicator (peers == world_ranks,
     * peer_size == size), the remote group in an intercommunicator. The send
     * path reads these alone, whatever the kind of communicator. */
    int peer_size;
    const int *peers;
    /* An intercommunicator's local group as an intracommunicator with ids of
     * its own, for the local part of its collectives; NULL in an
     * intracommunicator. */
    struct ipc__comm *local;
    /* The MPI layer's state of this communicator (runtime/mpi/), made on
     * first use; libipc never looks inside. ipc_comm_free does not free it:
     * MPI_Comm_free and MPI_Finalize do, first. */
    struct ipc__mpi_comm *mpi;
    /* Schedules started on it so far (ipc_comm_idup), the same count at
     * every member since collectives are called in one order: tells the
     * messages of concurrent ones apart. */
    unsigned sched_seq;
    /* Nonblocking collectives started on it so far (coll/nbc.c): the same
     * count at every member, so each instance gets a tag of its own. */
    unsigned nbc_seq;
    /* Schedules still using it (ipc__comm_hold): ipc_comm_free takes it off
     * the live list at once but frees its memory only once none is left
     * (MPI-3.1 6.4.3: operations pending on a freed communicator complete
     * normally). freed: ipc_comm_free has run, the drop of the last hold
     * frees it. */
    int holds;
    bool freed;
};

/* Tunables: read once, in ipc__tunables_load(); docs/tunables.md lists them. */
struct ipc__tunables {
    size_t eager_limit; /* IPC_EAGER_LIMIT: larger messages use rendezvous */
    int spin_us;        /* IPC_SPIN_US: how long a waiting rank polls before it sleeps */
    bool oversubscribed; /* more ranks here than cores (IPC_OVERSUBSCRIBED, or counted) */
    int yield_count;     /* IPC_YIELD_COUNT: sched_yield()s before a waiting rank sleeps */
    size_t shm_ring_size;   /* IPC_SHM_RING_SIZE: bytes of each shm ring */
    size_t shm_max_segment; /* IPC_SHM_MAX_SEGMENT: rings shrink to keep the segment under it */
    int shm_inbox;          /* IPC_SHM_INBOX: 1 an inbox per rank, 0 a ring per pair, -1 by size */
    size_t shm_split_min;   /* IPC_SHM_SPLIT_MIN: single copies this long are shared by both ranks */
    bool shm_single_copy;   /* IPC_SHM_SINGLE_COPY: long messages by process_vm_readv */
    bool report_transports; /* IPC_REPORT_TRANSPORTS: say at start-up what each rank uses */
    bool stats;             /* IPC_STATS: count messages for ipcrun --stats */
    bool trace;             /* IPC_TRACE: record a timeline for ipcrun --trace */
    size_t trace_events;    /* IPC_TRACE_EVENTS: the trace buffer's entries */
    size_t pipe_size;   /* IPC_PIPE_SIZE: kernel buffer asked for each pipe */
    size_t socket_buf;  /* IPC_SOCKET_BUFFER: SO_SNDBUF/SO_RCVBUF of unix and tcp links */
    char tcp_if[64];    /* IPC_TCP_IF: IPv4 address tcp links listen on; "" = loopback */
    char tcp_if_from[16]; /* IPC_TCP_IF_FROM: who chose tcp_if (names.h); "" unknown */
    int peer_lost_wait_ms; /* IPC_PEER_LOST_WAIT_MS: time given to the launcher to end
                              the job after a peer vanished, before erroring out */
};

/* What ipcrun told this rank (or a job of one when started alone). */
struct ipc__job {
    int rank, size;
    int local_rank, local_size; /* among the ranks of this rank's node */
    int node;         /* this rank's node index (IPC_NODE_OF; 0 without it) */
    int nnodes;       /* distinct nodes of the job */
    int *node_of;     /* size entries: the node index of each rank */
    int *local_index; /* size entries: each rank's index among its node's ranks */
    char job_id[40];
    /* How the rank met the job (boot/boot.h); NULL when started alone. */
    const struct ipc__boot_ops *boot;
    int ctl_fd; /* control channel to ipcrun; -1 when started alone or by PMI-2 */
    /* Each link's transport (links[p].ops) follows from these (topo.c):
     * pairs on one node use `local`, pairs on two nodes `remote` (tcp). */
    const struct ipc__transport_ops *local, *remote;
    bool forced; /* IPC_TRANSPORT named `local` */
    /* Transports that carry some pair of the job, in connect order: every
     * rank connects (and finalizes) each of them, whatever its own links. */
    const struct ipc__transport_ops *used[2];
    /* used[i] as this job uses it: the instance its connect() filled in,
     * given to the members that are not about one link (core.c). */
    struct ipc__transport transports[2];
    int nused;
    int nconnected; /* used[] whose connect() was called: their fini() is due */
    struct ipc__tunables tun;
};

/* A message buffer that is not one run of bytes (an MPI derived datatype).
 * libipc moves its packed form, `bytes` long, in pieces: pack copies packed
 * bytes [off, off + n) out to dst, unpack copies n packed bytes from src in
 * at packed offset off. Pieces mostly come in stream order, so an
 * implementation may keep a cursor and seek only when off is not where the
 * last piece ended. The owner keeps it alive until its request completes. */
struct ipc__layout {
    size_t bytes;
    /* Packed bytes per packet when packing into a memory link's room: the
     * reader unpacks one packet while the writer packs the next, so the
     * owner picks small packets for data that is slow to pack (scattered)
     * and larger ones for data that packs fast. */
    size_t packet;
    void (*pack)(struct ipc__layout *l, size_t off, void *dst, size_t n);
    void (*unpack)(struct ipc__layout *l, size_t off, const void *src, size_t n);
};

/* SCHED: the handle of a schedule (sched.c), complete when it has run. */
enum ipc__req_kind { IPC__REQ_SEND, IPC__REQ_RECV, IPC__REQ_SCHED };

/* A request. The program holds not its address but its handle (ipc_request,
 * an incomplete struct ipc__request pointer that is never followed): the
 * public calls take handles and give them out (ipc__req_of,
 * ipc__req_handle), everything else goes by pointer. ipc__req_new sets every
 * field by name but slot: a new one needs its line there. */
struct ipc__req {
    struct ipc__hslot slot; /* in ipc__g.reqs; kept across reuse */
    enum ipc__req_kind kind;
    bool complete;
    bool sync;                /* ssend: complete only once matched */
    /* send of a schedule: the receiver copies all of a single-copy message
     * itself (no PUT), since the sender may be computing, away from the
     * library, until it waits */
    bool alone;
    int error;                /* outcome, IPC_SUCCESS or IPC_ERR_* */
    ipc_status status;        /* filled for receives */
    struct ipc__match_node mn; /* receive pattern in the posted queue; send key */
    /* receive */
    void *rbuf;
    size_t rcap; /* bytes */
    /* send */
    const void *sbuf;
    size_t slen;   /* bytes */
    int peer; /* world rank of the destination (send) or of the source (receive;
                 -1 while an IPC_ANY_SOURCE receive is unmatched) */
    uint32_t wire; /* its id on the wire while a peer may name it (proto.c), or 0 */
    struct ipc__umsg *self_msg; /* self ssend: the unexpected entry it waits on */
    uint64_t saddr; /* receive: the sender's buffer (split copy); send: offered in place */
    /* Or: the buffer as a layout (sbuf/rbuf NULL, slen/rcap its bytes). */
    struct ipc__layout *lay;
};

enum ipc__umsg_kind {
    IPC__UMSG_EAGER, /* payload held in data */
    IPC__UMSG_RTS,   /* long message waiting for a receive; sreq identifies it */
    IPC__UMSG_SELF_SYNC, /* self ssend: payload still in the sender's buffer */
};

/* A message that arrived before its receive was posted. */
struct ipc__umsg {
    struct ipc__match_node mn;
    enum ipc__umsg_kind kind;
    size_t len;   /* message bytes */
    char *data;   /* EAGER: len bytes, filled as they arrive */
    bool arrived; /* EAGER: all len bytes are in data */
    struct ipc__req *waiter;     /* receive matched before the payload arrived */
    int peer;                    /* world rank of the sender */
    uint64_t sreq;               /* RTS: sender's request id */
    uint64_t saddr;              /* RTS: sender's buffer, readable in place, or 0 */
    uint16_t rts_flags;          /* RTS: IPC__FRAME_FLAG_* */
    uint64_t obs_seq;            /* its number on the pair, for --trace (observe.h) */
    struct ipc__req *self_sreq;  /* SELF_SYNC: the sender's request */
};

/* One pending piece of outgoing stream: a header and maybe a payload. */
struct ipc__frame {
    struct ipc__list link;
    struct ipc__frame_hdr hdr;
    const char *payload;
    size_t payload_len;
    size_t done;  /* bytes of header + payload already written */
    char *owned;  /* payload copy the frame owns (freed with it), or NULL */
    /* Or: the payload is packed from this layout as it is written, through
     * the link's reserve() where it has one, else in pieces through owned
     * (payload_len bytes of it from packed offset 0). */
    struct ipc__layout *lay;
    size_t owned_off, owned_len; /* the packed bytes owned holds now */
    int peer;     /* whose send queue holds it */
    struct ipc__req *req; /* completed when the frame is written, or NULL */
};

enum ipc__rx_state { IPC__RX_HDR, IPC__RX_BODY };

struct ipc__peer {
    struct ipc__list sendq; /* struct ipc__frame, in stream order */
    struct ipc__list puts;  /* receives waiting for this peer's DONE, in PUT order */
    size_t copied_bytes;    /* eager payload copies held in sendq */
    unsigned burst_epoch;   /* ipc__g.progress_epoch when a small eager frame was
                             * last written at once (0: never): see ipc__send_batched */
    bool bye;               /* the peer finalized: end of stream is expected */
    bool eof;               /* end of stream after BYE: nothing more to read */
    bool lost;              /* end of stream or error without BYE */
    /* receive side */
    enum ipc__rx_state rx_state;
    char *rxbuf;       /* staging buffer of descriptor-based links */
    unsigned char hdrbuf[sizeof(struct ipc__frame_hdr)]; /* a header arriving in pieces */
    size_t hdr_have;
    char *body_dst;      /* where the payload being received goes */
    struct ipc__layout *body_lay; /* or: unpacked there, at packed offset body_off */
    size_t body_off;
    size_t body_left;    /* payload bytes still to store at body_dst */
    size_t discard_left; /* payload bytes to drop after that (truncation) */
    struct ipc__req *body_req;     /* completed when the body is in */
    struct ipc__umsg *body_umsg;   /* or: marked arrived when the body is in */
};

struct ipc__state {
    bool initialized, finalized;
    unsigned progress_epoch; /* counts calls into the progress engine */
    bool finalizing; /* past the final barrier: peers leaving is expected */
    struct ipc__job job;
    struct ipc__link *links; /* job.size entries, indexed by world rank */
    /* The shared area of a transport that holds every rank of the job
     * (transport/node.h), for coll/node.c; NULL when none does. */
    struct ipc__node_area *node;
    struct ipc__peer *peers; /* job.size entries; peers[job.rank] is unused */
    struct ipc__match_queue posted;     /* struct ipc__req, via mn */
    struct ipc__match_queue unexpected; /* struct ipc__umsg, via mn */
    struct ipc__htab reqs;              /* every struct ipc__req (p2p.c) */
    size_t pending_sends; /* frames queued on any peer */
    bool any_lost;        /* some peer vanished without saying goodbye */
    unsigned long completions; /* requests completed so far */
    int nsched;                /* schedules running (sched.c) */
};

extern struct ipc__state ipc__g;

/* wireup.c: the key/value exchange, over the job's bootstrap (boot/boot.h) */
int ipc__kv_put(const char *key, const char *value);
/* Waits for every rank to fence; then ipc__kv_get sees every key put before. */
int ipc__kv_fence(void);
/* The value rank `from` put under key before the last fence, or NULL; valid
 * until the next get. */
const char *ipc__kv_get(const char *key, int from);
/* key's value in "key\0value\0"... (len bytes), or NULL. */
const char *ipc__kv_lookup(const char *blob, size_t len, const char *key);

/* core.c */
void ipc__tunables_load(struct ipc__tunables *t);
/* peer is gone (end of stream without BYE, a protocol error): one line
 * "lost rank P: why" after giving the launcher IPC_PEER_LOST_WAIT_MS to stop
 * the job, then its traffic fails with IPC_ERR_PEER. */
void ipc__peer_lost(int peer, const char *why);
/* The same without the wait: peer is alive, but no link to it can be made
 * (its connection failed its handshake), so no launcher will stop the job. */
void ipc__peer_unreachable(int peer, const char *why);

/* topo.c: nodes and the transport of each pair; pure, no communication */
/* Parses IPC_NODE_OF ("0,0,1,1"): exactly size node indices, each a decimal
 * from 0 to 2^24. Returns 0, or -1 with why (for a "ipc: rank R: " line). */
int ipc__topo_parse(const char *s, int size, int *node_of, char *why, size_t whylen);
/* local_index[r] = how many ranks before r share r's node. */
void ipc__topo_locals(const int *node_of, int size, int *local_index);
int ipc__topo_node_size(const int *node_of, int size, int node);
/* Decimal digits of v >= 0 (node numbers in IPC_NODE_OF-like text). */
int ipc__topo_digits(int v);
/* From job->node_of and size: sets nnodes, local (the transport within a
 * node), remote (tcp), forced and the transports used by any pair (used[],
 * and transports[] with only their ops set). */
void ipc__topo_choose(struct ipc__job *job, const struct ipc__transport_ops *local,
                      bool forced);
/* The instance of ops in this job (job->transports[]); NULL when no pair of
 * the job uses it. */
struct ipc__transport *ipc__job_transport(struct ipc__job *job,
                                          const struct ipc__transport_ops *ops);
/* The transport between ranks a and b (NULL when a == b). */
const struct ipc__transport_ops *ipc__pair_transport(const struct ipc__job *job, int a,
                                                     int b);
/* --report-transports, rank 0's part: the transport of every pair (a matrix
 * up to 64 ranks, a line per node past that) and why. Nothing for one rank. */
void ipc__topo_report(const struct ipc__job *job, FILE *out);

/* comm.c */
void ipc__comm_init(void); /* sets up IPC_COMM_WORLD and IPC_COMM_SELF */
/* IPC_SUCCESS for world, self or a communicator the program made and has not
 * freed; IPC_ERR_NOT_INITIALIZED outside ipc_init..ipc_finalize. */
int ipc__check_comm(ipc_comm comm);
/* A schedule that keeps using comm after the call that started it holds it
 * (and its local group, for an intercommunicator) until it is released. */
void ipc__comm_hold(ipc_comm comm);
void ipc__comm_drop(ipc_comm comm);
/* The world rank of point-to-point rank `rank` (a member, or in an
 * intercommunicator a member of the remote group). */
int ipc__world_rank(ipc_comm comm, int rank);
/* The world rank of member i (of the local group). */
int ipc__member_world_rank(ipc_comm comm, int i);
static inline bool ipc__comm_is_inter(ipc_comm comm)
{
    return comm->local != NULL;
}
/* Intercommunicators (MPI-3.1 6.6). Traffic of their own on an
 * intercommunicator's ctx_coll (comm.c's agreements between the groups, the
 * MPI layer's intercommunicator collectives) uses tags from this one up,
 * apart from those of coll/coll.h. */
enum { IPC__TAG_INTER = 0x18000000 };
/* ipc_comm_idup's agreement: this + 64 * (the parent's sched_seq mod 2^16)
 * + (round within a group mod 32, on the group's ctx_coll; or, between an
 * intercommunicator's leaders on its ctx_coll, 32 + agreement mod 32). */
enum { IPC__TAG_IDUP = 0x1C000000 };
/* Collective over local, the leaders talking over peer (significant at
 * local_leader only) on tag: an intercommunicator of local's group and the
 * group whose leader is remote_leader, a rank of peer. */
int ipc__intercomm_create(ipc_comm local, int local_leader, ipc_comm peer, int remote_leader,
                          int tag, ipc_comm *newcomm);
/* The intracommunicator of both groups of inter: the group that passed
 * high == false first; with equal flags, the group whose first member has the
 * lower world rank first. */
int ipc__intercomm_merge(ipc_comm inter, bool high, ipc_comm *newcomm);
size_t ipc__comm_live_count(void); /* communicators made and not yet freed */
/* A communicator of the world ranks world[0..n), this rank being world[me],
 * made by those members alone (MPI_Comm_create_group); tag tells concurrent
 * makings apart. */
int ipc__comm_create_group(const int *world, int n, int me, int tag, ipc_comm *newcomm);

/* op.c */
/* IPC_SUCCESS when op applies to type; IPC_ERR_OP or IPC_ERR_TYPE if not. */
int ipc__op_check(ipc_op op, ipc_datatype type);
bool ipc__op_commutative(ipc_op op);
/* inout[i] = in[i] op inout[i] for count elements (op checked against type). */
void ipc__op_apply(ipc_op op, ipc_datatype type, const void *in, void *inout, size_t count);

/* progress.c */
int ipc__progress_init(void);
void ipc__progress_fini(void);
/* One pass of the engine: makes what progress is possible now, without
 * waiting (an ipc_test, an ipc_iprobe). Returns IPC_SUCCESS. */
int ipc__progress(void);
/* The one wait primitive: drives progress until done(arg) holds; spins for
 * IPC_SPIN_US, yields, then sleeps until a link or a doorbell may have
 * news. done() is asked after every pass and may act (complete a request
 * whose peer is gone). Whoever makes done() true from another rank must
 * ring this rank's doorbell, or write to one of its links. about (may be
 * NULL) is the request the hang report names if the wait lasts. */
void ipc__wait_until(bool (*done)(void *), void *arg, const struct ipc__req *about);
/* Its test half: true if done(arg) holds, else after one pass of progress
 * whether it holds now. */
bool ipc__test_until(bool (*done)(void *), void *arg);
/* Waits until req completes (or fails because its peer is gone). */
int ipc__wait_one(struct ipc__req *req);
/* The predicate of waiting on one request (arg): it is complete, or now
 * completed with IPC_ERR_PEER because the peer it needs is gone. */
bool ipc__req_settled(void *arg);
int ipc__flush_sends(void);
/* Sends one frame to peer p: written at once when the link takes it, else
 * queued in order behind what is already waiting. req (may be NULL) completes
 * when the frame is written; with copy_rest the unwritten payload is copied
 * and req completes at once (eager sends). Returns IPC_SUCCESS, or an error
 * when nothing was sent. The header is copied; it is passed by address so
 * that it is read back with the 8-byte loads it was stored with (see
 * ipc__frame_make). */
int ipc__send(int p, const struct ipc__frame_hdr *hdr, const void *payload, size_t len,
              struct ipc__req *req, bool copy_rest);
/* Sends one frame whose payload is the first len packed bytes of lay:
 * queued, and written as far as the link takes it now; req (may be NULL)
 * completes when the whole frame is written. */
int ipc__send_layout(int p, const struct ipc__frame_hdr *hdr, struct ipc__layout *lay,
                     size_t len, struct ipc__req *req);
/* For ipc_isend of a small eager message to peer p over a descriptor link
 * while a burst of them is under way (one written at once since the last
 * progress call): copies the frame into p's send queue instead of writing
 * it, so that the burst leaves in one writev at the next progress call, not
 * one system call per message. Returns false, doing nothing, otherwise. */
bool ipc__send_batched(int p, const struct ipc__frame_hdr *hdr, const void *payload,
                       size_t len);
/* copies.c: the memory of eager payload copies in send queues, kept for the
 * next ones instead of going back to malloc (a window of isends would
 * otherwise give it to the kernel and fault it back every time). */
enum {
    IPC__COPY_BLOCK_MAX = 256 * 1024, /* larger copies are plain malloc and free */
    IPC__COPY_KEEP_MAX = 1024 * 1024, /* bytes of free blocks kept, at most */
};
/* Memory for a copy of len (>= 1) bytes; NULL when out of memory. */
char *ipc__copy_get(size_t len);
/* Gives back copy, taken with ipc__copy_get(len) for the same len. */
void ipc__copy_put(char *copy, size_t len);
/* Bytes of free blocks kept now. */
size_t ipc__copies_kept(void);
/* Frees the blocks kept (ipc_finalize). */
void ipc__copies_fini(void);
/* Fails every queued frame and request that depends on peer p. */
void ipc__fail_peer_traffic(int p, int error);
/* Completes req with IPC_ERR_PEER if the peer it needs is gone; true if so. */
bool ipc__req_check_lost(struct ipc__req *req);
void ipc__send_bye(void);

/* sched.c: state machines of rounds of requests, advanced by progress (a
 * nonblocking collective, an agreement that must not block the caller). */
enum {
    IPC__SCHED_ROUND_MAX = 8, /* requests one round may post */
    IPC__SCHED_END = -1,      /* step(): the schedule is over */
};
struct ipc__sched {
    struct ipc__list link; /* in the engine's active list */
    /* Posts the next round with ipc__sched_isend/irecv, after any local work
     * it needs (the previous round's requests have all completed and been
     * freed). Returns IPC_SUCCESS when there is more to come, IPC__SCHED_END
     * when the schedule is over, or an IPC_ERR_* code, which fails it (what
     * it posted before failing is still waited for). A step may post
     * nothing and return IPC_SUCCESS: it is called again at once. */
    int (*step)(struct ipc__sched *s);
    /* Frees the schedule's memory once it is over (its request stays). */
    void (*release)(struct ipc__sched *s);
    /* The requests of the round under way: round_inline unless the owner
     * set round and round_cap to an array of its own before starting. */
    struct ipc__req **round;
    int round_cap;
    int nround;
    struct ipc__req *round_inline[IPC__SCHED_ROUND_MAX];
    int error; /* the first error, given to req */
    bool over;
    struct ipc__req *req; /* completes when the schedule is over */
};
/* Starts s (step, release set, round/round_cap set or zero, the rest the engine's) and runs it as far as
 * it goes now (it may be over and released when this returns); *req is its
 * request, which the caller owns (ipc__wait_one then ipc__req_free, or
 * ipc_wait of ipc__req_handle(*req)). On IPC_ERR_NOMEM s was released and
 * nothing started. */
int ipc__sched_start(struct ipc__sched *s, struct ipc__req **req);
int ipc__sched_isend(struct ipc__sched *s, const void *buf, size_t bytes, int dest, int tag,
                     ipc_comm comm, uint32_t ctx);
int ipc__sched_irecv(struct ipc__sched *s, void *buf, size_t bytes, int source, int tag,
                     ipc_comm comm, uint32_t ctx);
/* Advances every active schedule (the progress engine calls it while
 * ipc__g.nsched); true if any round completed. */
bool ipc__sched_progress(void);
/* coll/nbc.c: frees the released nonblocking-collective schedules kept for
 * reuse (ipc_finalize). */
void ipc__nbc_fini(void);

/* p2p.c */
/* Makes the request ipc_isend hands out for an eager message already on
 * its way, and frees every request at the end. */
int ipc__p2p_init(void);
void ipc__p2p_fini(void);
struct ipc__req *ipc__req_new(enum ipc__req_kind kind);
/* The request is finished: its handle names nothing from now on. */
void ipc__req_free(struct ipc__req *req);
/* The request a program's handle names, or NULL when it names none (a
 * stale copy of a finished request's handle, or a forged value): what every
 * public call that takes a request asks first. */
static inline struct ipc__req *ipc__req_of(ipc_request h)
{
    struct ipc__hslot *s = ipc__htab_get(&ipc__g.reqs, h);
    return s ? ipc__container_of(s, struct ipc__req, slot) : NULL;
}
/* What the program is given to name r (until r is freed). */
static inline ipc_request ipc__req_handle(const struct ipc__req *r)
{
    return (ipc_request)ipc__hslot_handle(&r->slot);
}
void ipc__req_complete(struct ipc__req *req, int error);
/* ipc__isend's mode: a bitwise or of these (0: a standard send). */
enum {
    IPC__SEND_SYNC = 1u,  /* complete only once matched (ssend) */
    IPC__SEND_ALONE = 2u, /* the receiver copies it all (req->alone) */
};
int ipc__isend(const void *buf, size_t bytes, int dest, int tag, ipc_comm comm,
               uint32_t ctx, unsigned mode, struct ipc__req **out);
int ipc__irecv(void *buf, size_t bytes, int source, int tag, ipc_comm comm, uint32_t ctx,
               struct ipc__req **out);
/* ipc_isend/ipc_issend and ipc_irecv of a buffer described by a layout (the
 * MPI layer's derived datatypes): the same checks and protocols; the bytes
 * are packed straight into the link and unpacked straight out of it where
 * it can be done (rendezvous streams them: a layout is never read in place
 * by the peer). lay stays valid until the request is finished. *req is the
 * request's handle, for ipc_wait. */
int ipc__isend_layout(struct ipc__layout *lay, int dest, int tag, ipc_comm comm, bool sync,
                      ipc_request *req);
int ipc__irecv_layout(struct ipc__layout *lay, int source, int tag, ipc_comm comm,
                      ipc_request *req);
/* The handler of EAGER and RTS headers (proto.c's table): matches the new
 * message against the posted receives, or keeps it unexpected. */
void ipc__on_incoming(int peer, const struct ipc__frame_hdr *h);
/* Gives a matched unexpected message to receive req (copy, rendezvous or wait). */
void ipc__umsg_deliver(struct ipc__req *req, struct ipc__umsg *u);

/* proto.c: the protocols of messages and the table of frame kinds. */
/* Sends s (buffer, length, sync, key set) to world rank w, another rank that
 * is not lost: EAGER, or RTS and a rendezvous. */
int ipc__proto_send(struct ipc__req *s, int w, uint32_t ctx, int src, int tag);
/* The one place the protocol of a message is chosen: eager, or rendezvous. */
static inline bool ipc__proto_is_eager(size_t bytes, bool sync)
{
    return !sync && bytes <= ipc__g.job.tun.eager_limit;
}
/* ipc__proto_eager_at_once: below, after observe.h, which it uses. */
/* Takes back the id under which a peer could name r (r->wire != 0). */
void ipc__proto_forget(struct ipc__req *r);
/* Receive rreq matched an RTS of len bytes from peer: copy in place, or CTS. */
void ipc__proto_rendezvous(struct ipc__req *rreq, int peer, uint64_t sreq, size_t len,
                           uint64_t saddr, uint16_t rts_flags);
/* What the receive state machine needs to know of each frame type. */
enum ipc__frame_need { /* fields a frame type must carry valid */
    IPC__NEED_MATCH = 1, /* src >= 0 and 0 <= tag <= IPC_TAG_UB */
    IPC__NEED_SREQ = 2,  /* sreq non-zero */
    IPC__NEED_RREQ = 4,  /* rreq non-zero */
    IPC__NEED_SPLIT = 8, /* len has a split point (ipc__split_point) */
};
struct ipc__frame_kind {
    const char *name;
    bool payload;   /* len payload bytes follow the header */
    uint16_t flags; /* IPC__FRAME_FLAG_* this type may carry */
    unsigned need;  /* enum ipc__frame_need */
    /* Acts on a checked header from peer; a kind with a payload says where
     * the payload goes with ipc__rx_body. */
    void (*handle)(int peer, const struct ipc__frame_hdr *h);
};
extern const struct ipc__frame_kind ipc__frame_kinds[IPC__FRAME_TYPE_END];

/* The kind of a header we can act on, or NULL (bad type or version, flags
 * its type may not carry, a field its type needs that is not valid). */
static inline const struct ipc__frame_kind *ipc__frame_kind_of(const struct ipc__frame_hdr *h)
{
    if (h->version != IPC__WIRE_VERSION || h->type >= IPC__FRAME_TYPE_END)
        return NULL;
    const struct ipc__frame_kind *k = &ipc__frame_kinds[h->type];
    unsigned need = k->need;
    if (!k->handle || (h->flags & ~k->flags) ||
        ((need & IPC__NEED_MATCH) && (h->src < 0 || h->tag < 0 || h->tag > IPC_TAG_UB)) ||
        ((need & IPC__NEED_SREQ) && !h->sreq) || ((need & IPC__NEED_RREQ) && !h->rreq) ||
        ((need & IPC__NEED_SPLIT) && !ipc__split_point(h->len)))
        return NULL;
    return k;
}

/* For a handler of a frame with a payload: its first keep bytes go to dst
 * (or are unpacked into lay from packed offset 0), the discard bytes after
 * them are dropped; then req completes, or u is marked arrived. */
static inline void ipc__rx_body(struct ipc__peer *pe, struct ipc__req *req,
                                struct ipc__umsg *u, char *dst, struct ipc__layout *lay,
                                size_t keep, size_t discard)
{
    pe->body_req = req;
    pe->body_umsg = u;
    pe->body_dst = dst;
    pe->body_lay = lay;
    pe->body_off = 0;
    pe->body_left = keep;
    pe->discard_left = discard;
}

#include "observe.h"

/* A blocking eager send to another rank needs no request: the frame is
 * written now, or its payload copied behind what is queued; a nonblocking
 * one (nonblocking) may join the burst it follows. False, doing nothing,
 * when the message is not for that path; else true with *rc the outcome.
 * Inline: it is the whole of a small send, whose callers pass nonblocking
 * as a constant. */
static inline bool ipc__proto_eager_at_once(const void *buf, size_t bytes, int dest, int tag,
                                            ipc_comm comm, bool nonblocking, int *rc)
{
    if (dest == IPC_PROC_NULL || !ipc__proto_is_eager(bytes, false))
        return false;
    int w = ipc__world_rank(comm, dest);
    struct ipc__frame_hdr h =
        ipc__frame_make(IPC__FRAME_EAGER, comm->ctx_p2p, comm->rank, tag, bytes, 0, 0);
    if (nonblocking && w != ipc__g.job.rank && ipc__send_batched(w, &h, buf, bytes)) {
        ipc__obs_sent(w, bytes, false);
        *rc = IPC_SUCCESS;
        return true;
    }
    /* Behind a queue, a request lets the send wait for it rather than copy. */
    if (w == ipc__g.job.rank || !ipc__list_empty(&ipc__g.peers[w].sendq))
        return false;
    ipc__obs_sent(w, bytes, false);
    *rc = ipc__send(w, &h, buf, bytes, NULL, true);
    if (ipc__g.pending_sends && *rc == IPC_SUCCESS)
        *rc = ipc__progress(); /* keep a queue that grew moving */
    return true;
}

#endif /* IPC_INTERNAL_H */
