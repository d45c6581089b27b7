/*
 * coll.h - what the collective algorithms in runtime/coll/ share: point-to-
 * point on the communicator's collective context, scratch buffers, argument
 * checks and the switch points between algorithms.
 *
 * Every message of a collective travels on comm->ctx_coll, so it never
 * matches a program's receive. Each collective has its own tag; within one,
 * both ends of every message derive it from the same schedule, and messages
 * between two ranks on one context never overtake each other, so successive
 * collectives on a communicator cannot take each other's messages.
 */
#ifndef IPC_COLL_H
#define IPC_COLL_H

#include <stddef.h>

#include "internal.h"

enum ipc__coll_tag {
    IPC__TAG_BARRIER = 0, /* + round number */
    IPC__TAG_BCAST = 64,
    IPC__TAG_REDUCE,
    IPC__TAG_ALLREDUCE,
    IPC__TAG_REDUCE_SCATTER,
    IPC__TAG_SCAN,
    IPC__TAG_GATHER,
    IPC__TAG_GATHERV,
    IPC__TAG_SCATTER,
    IPC__TAG_SCATTERV,
    IPC__TAG_ALLGATHER,
    IPC__TAG_ALLGATHERV,
    IPC__TAG_ALLTOALL,
    IPC__TAG_ALLTOALLV,
    /* ipc__comm_create_group: this + the caller's tag (masked to fit) */
    IPC__TAG_CREATE_GROUP = 128,
    /* nonblocking collectives (nbc.c): this + the communicator's count of
     * them, modulo the span; below internal.h's IPC__TAG_INTER */
    IPC__TAG_NBC = 0x10000000,
    IPC__TAG_NBC_SPAN = 0x08000000,
    /* the barrier of ipc_finalize: + round number. Apart from the program's
     * barriers so that --stats leaves it out (observe.c) */
    IPC__TAG_FINAL_BARRIER = 0x20000000,
};

/* A barrier whose messages carry tag0 + round number. */
int ipc__coll_barrier_tagged(ipc_comm comm, int tag0);

/* util.c: may a collective on comm read its peers' buffers straight from
 * their memory? Only on IPC_COMM_WORLD of a job on one node (ipc__g.node)
 * whose every rank can read every other's (the links' get); asked once, of
 * all ranks together (an allreduce through the segment), by the first
 * collective that needs to know, which every rank reaches in the same call. */
bool ipc__coll_direct(ipc_comm comm);
/* Copies len bytes at rank's address addr to dst (its link's get): 0 or
 * -errno. */
int ipc__coll_get(int rank, void *dst, uint64_t addr, size_t len);

/* node.c: collectives of the whole job through the shared area of a node
 * that holds all of it (ipc__g.node, not NULL). */
void ipc__node_barrier(struct ipc__node_area *a, bool oversubscribed);
/* Can one rank's input of `bytes` (a bcast's data, an allreduce's or a
 * reduce_scatter_block's vector, an allgather's block, an alltoall's send
 * buffer) go through the area's
 * slots (false when a is NULL)? */
bool ipc__node_fits(const struct ipc__node_area *a, size_t bytes);
/* The same for a bcast's data, whose slots are larger. */
bool ipc__node_bcast_fits(const struct ipc__node_area *a, size_t bytes);
void ipc__node_reduce_scatter(struct ipc__node_area *a, const void *in, void *out,
                              size_t count, ipc_datatype type, ipc_op op);
void ipc__node_allgather(struct ipc__node_area *a, const void *in, void *out, size_t block);
/* in: n blocks (the whole send buffer, which ipc__node_fits), or out itself. */
void ipc__node_alltoall(struct ipc__node_area *a, const void *in, void *out, size_t block);
void ipc__node_bcast(struct ipc__node_area *a, void *buf, size_t bytes, int root);
/* A bcast of any length that every rank but the root reads straight from
 * the root's memory (ipc__coll_get): the root waits for
 * all of them. Returns IPC_SUCCESS, IPC_ERR_TRANSPORT when get failed,
 * IPC_ERR_TRUNCATE when the root's length is not this rank's. */
int ipc__node_bcast_direct(struct ipc__node_area *a, void *buf, size_t bytes, int root);
/* Allreduce of long vectors (in may be out) between ranks that all read
 * each other's memory: each rank folds one block from every rank's input,
 * then reads the others' blocks of the result (node.c). Returns as
 * ipc__node_exchange_direct, or IPC_ERR_NOMEM. */
int ipc__node_allreduce_direct(struct ipc__node_area *a, const void *in, void *out,
                               size_t count, ipc_datatype type, ipc_op op);
/* Reduce_scatter_block of count elements per rank (in: n blocks, which may
 * be out, in place) between ranks that all read each other's memory: each
 * rank folds its block from every rank's input (node.c). Returns as
 * ipc__node_allreduce_direct. */
int ipc__node_reduce_scatter_direct(struct ipc__node_area *a, const void *in, void *out,
                                    size_t count, ipc_datatype type, ipc_op op);
/* Allgather (in: this rank's block, which may lie in out) or alltoall (in:
 * the n blocks of the send buffer, not out) of long blocks between ranks
 * that all read each other's memory: each rank puts the address of in in
 * its slot and reads what it needs straight from its peers' (get) as each
 * puts its own up, then waits until all have read from it. Returns
 * IPC_SUCCESS, IPC_ERR_TRANSPORT (a get failed) or IPC_ERR_TRUNCATE (a
 * peer's buffer is shorter than this rank's). */
int ipc__node_exchange_direct(struct ipc__node_area *a, const void *in, void *out,
                              size_t block, bool alltoall);
/* buf holds this rank's input and receives the result. */
void ipc__node_allreduce(struct ipc__node_area *a, void *buf, size_t count,
                         ipc_datatype type, ipc_op op);

/*
 * Switch points, in bytes; docs/collectives.md has the measurements behind
 * them. Below each the latency-bound algorithm is used, from it on the
 * bandwidth-bound one.
 */
enum {
    /* bcast: binomial tree below, scatter + ring allgather from it (3 ranks
     * or more) */
    IPC__BCAST_SCATTER_MIN = 128 * 1024,
    /* bcast of the whole job on one node whose ranks can read each other's
     * memory, 3 ranks or more: from here (and beyond the segment's bcast
     * slot, 64 KiB) every rank reads the root's buffer itself (node.c) */
    IPC__BCAST_DIRECT_MIN = 64 * 1024,
    /* allreduce, reduce with a commutative op: recursive doubling / binomial
     * tree below, ring reduce-scatter from it */
    IPC__ALLREDUCE_RING_MIN = 64 * 1024,
    /* allreduce with a commutative op of the whole job on one node whose
     * ranks read each other's memory, 3 ranks or more: from here each rank
     * folds its block reading the inputs in place (node.c), instead of the
     * ring. Not below: at 64 KiB on 4 oversubscribed ranks its three
     * meetings of all ranks cost more than the ring (63-75 -> 109-161 us);
     * at 1 MiB it wins (4 ranks 930-1001 -> 722-983, 8 ranks 2678-2973 ->
     * 2045-2758). Nothing was measured between. */
    IPC__ALLREDUCE_DIRECT_MIN = 256 * 1024,
    /* reduce_scatter_block with a commutative op, the same conditions: from
     * here (each rank's block of the result) each rank folds its block
     * reading the inputs in place (node.c), instead of the ring. Mean of the
     * ranks, us, ring / direct, 3 runs: 4 ranks 16 KiB 51-87 / 52-103,
     * 32 KiB 72-91 / 59-62, 64 KiB 173-191 / 88-95; 8 ranks 16 KiB
     * 196-237 / 228-300, 32 KiB 309-362 / 391-466, 64 KiB 579-691 /
     * 446-467, 256 KiB 2646-3262 / 2079-2199 */
    IPC__REDUCE_SCATTER_DIRECT_MIN = 64 * 1024,
    /* ... and from this many ranks whatever the block (the ring's N-1
     * steps each wait for a rank that shares a core with many). mpibench
     * coll, us a call, ring / direct, 2 runs: 16 ranks 1 KiB 553-603 /
     * 519-573, 8 KiB 651-743 / 689-719, 32 KiB 1240-1279 / 1154-1343 (a
     * tie); 32 ranks 1 KiB 2316-2985 / 1866-1973, 8 KiB 3422 / 2676-3136,
     * 32 KiB 7941-9710 / 6338-6718; 64 ranks 1 KiB 13918-14085 /
     * 9093-11632, 8 KiB 30021-33672 / 15248-17688 (Open MPI 1 KiB
     * 6447-9324). A count of ranks, not bytes. */
    IPC__REDUCE_SCATTER_DIRECT_RANKS = 32,
    /* reduce_scatter_block with a commutative op among a power of two of
     * ranks (4 or more): recursive halving (log2 N steps) below this block,
     * before the two rules above; the ring (or direct) from it. mpibench
     * coll, us a call, ring / halving, 2 runs: 4 ranks 4 KiB 26-59 / 19-20,
     * 32 KiB 47-104 / 50-56; 8 ranks 4 KiB 186-219 / 96-103, 8 KiB
     * 221-253 / 119-126, 32 KiB 274-310 / 292-381; 16 ranks 4 KiB 713-945
     * / 361-370, 32 KiB 1413-1808 / 1473-1692. Direct / halving: 32 ranks
     * 1 KiB 2473-2855 / 842-900, 8 KiB 4307-5171 / 2661-2800, 32 KiB
     * 7156-7890 / 8809-8886; 64 ranks 1 KiB 13464-14311 / 6189-6274 (Open
     * MPI 5671-6446), 8 KiB 18291-22181 / 18657-19405. */
    IPC__REDUCE_SCATTER_HALVING_MAX = 32 * 1024,
    /* gather, gatherv, oversubscribed: blocks from here go to the root by
     * rendezvous, so that senders cannot run ahead of it */
    IPC__GATHER_SYNC_MIN = 32 * 1024,
    IPC__REDUCE_RING_MIN = 64 * 1024,
    /* gather, scatter: binomial tree for blocks below this, root talking to
     * every rank directly from it */
    IPC__GATHER_LINEAR_MIN = 32 * 1024,
    /* allgather: Bruck while the whole result is below this, ring from it;
     * allgatherv: every rank to every rank below, ring from it */
    IPC__ALLGATHER_RING_MIN = 64 * 1024,
    /* allgather and alltoall of 2 ranks whose memory each reads: from this
     * block on each reads the other's block straight from its buffer, as 3
     * ranks or more do from the ring's size on (node.c). 2 ranks, 6
     * interleaved runs: 1 MiB allgather 111-124 -> 106-111 us, alltoall
     * 109-126 -> 108-115 (Open MPI 105-132 and 105-110); 64 KiB allgather
     * got slower (5.7-6.0 -> 7.1-8.0), hence not below */
    IPC__EXCHANGE_DIRECT_PAIR_MIN = 256 * 1024,
    /* alltoall: all messages posted at once below (bytes per block), one
     * partner per step from it, which bounds the copies in flight */
    IPC__ALLTOALL_PAIRWISE_MIN = 256 * 1024,
    /* alltoall of the whole job on one node whose ranks read each other's
     * memory: from this block on (instead of pairwise) each
     * rank reads its blocks straight from the others' buffers (node.c). Not
     * below: at 64 KiB blocks on 8 oversubscribed ranks the two meetings of
     * all ranks it needs cost more than messages do (173-202 -> 301-311 us) */
    IPC__ALLTOALL_DIRECT_MIN = 256 * 1024,
    /* alltoall(v) in place: while the whole buffer is below this it is
     * copied aside and everything posted at once, from it one swap with one
     * partner per step (N-1 steps in lockstep: 256 ranks, 8 bytes a block,
     * 2.5 s a call oversubscribed) */
    IPC__ALLTOALL_INPLACE_COPY_MAX = 4 * 1024 * 1024,
};

/* ---- point-to-point on ctx_coll (util.c) ---- */

/* Nonblocking; on error *r is NULL. */
int ipc__coll_isend(const void *buf, size_t bytes, int dest, int tag, ipc_comm comm,
                    struct ipc__req **r);
/* The same for a sender busy with a receive of its own, whose data it has
 * not just written: over shared memory with single copy the receiver then
 * copies the whole message, instead of asking the sender to copy half of it
 * (PUT). When both partners exchange blocks that sit in memory (not in the
 * sender's cache), splitting only adds a hand-shake; when the sender has
 * just written the block (a partial sum, a block it received), its half
 * written from its own cache is the faster one. 2 ranks, interleaved,
 * split -> whole: alltoall 1 MiB 134-144 -> 126-138 us, reduce_scatter 512
 * KiB blocks 90-107 -> 77-79 and 1 MiB 192-204 -> 174-183; the allgather
 * half of allreduce (fresh partials) the other way, 172-178 -> 190-202
 * (hence not there). */
int ipc__coll_isend_busy(const void *buf, size_t bytes, int dest, int tag, ipc_comm comm,
                         struct ipc__req **r);
int ipc__coll_irecv(void *buf, size_t bytes, int src, int tag, ipc_comm comm,
                    struct ipc__req **r);
/* Waits for and frees every non-NULL request; returns the first error (a
 * receive longer than its buffer is IPC_ERR_TRUNCATE). */
int ipc__coll_waitall(struct ipc__req **reqs, int n);
int ipc__coll_send(const void *buf, size_t bytes, int dest, int tag, ipc_comm comm);
/* The same, completing only once the receiver has matched it (rendezvous). */
int ipc__coll_send_sync(const void *buf, size_t bytes, int dest, int tag, ipc_comm comm);
int ipc__coll_recv(void *buf, size_t bytes, int src, int tag, ipc_comm comm);
/* Sends to dest and receives from src at the same time. A side with 0 bytes
 * or IPC_PROC_NULL is left out. */
int ipc__coll_sendrecv(const void *sbuf, size_t sbytes, int dest, void *rbuf, size_t rbytes,
                       int src, int tag, ipc_comm comm);
/* The same with the send as ipc__coll_isend_busy's. */
int ipc__coll_sendrecv_busy(const void *sbuf, size_t sbytes, int dest, void *rbuf,
                            size_t rbytes, int src, int tag, ipc_comm comm);

/* ---- scratch memory ---- */

/* A buffer that lives on the stack when small. */
struct ipc__scratch {
    void *heap;
    size_t cap; /* bytes at heap */
    _Alignas(max_align_t) unsigned char small[256];
};
/* NULL when out of memory. Release with ipc__scratch_put, which keeps a few
 * heap buffers for later collectives. */
void *ipc__scratch_get(struct ipc__scratch *s, size_t bytes);
void ipc__scratch_put(struct ipc__scratch *s);

/* ---- argument checks ---- */

/* *bytes = count * size of type; IPC_ERR_TYPE, IPC_ERR_COUNT on overflow,
 * IPC_ERR_BUFFER when buf is NULL (or IPC_IN_PLACE) with bytes to move. */
int ipc__coll_bytes(const void *buf, size_t count, ipc_datatype type, size_t *bytes);
/* The same for n blocks of count elements (a whole gather buffer). */
int ipc__coll_bytes_n(const void *buf, size_t count, ipc_datatype type, int n,
                      size_t *block_bytes);
int ipc__coll_check_root(ipc_comm comm, int root);

/* The collectives themselves; the public ipc_* names (entry.c) wrap them
 * with what observe.h records. */
int ipc__c_allgather(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, ipc_comm comm);
int ipc__c_allgatherv(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, const size_t rcounts[], const size_t displs[], ipc_datatype rtype, ipc_comm comm);
int ipc__c_alltoall(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, ipc_comm comm);
int ipc__c_alltoallv(const void *sbuf, const size_t scounts[], const size_t sdispls[], ipc_datatype stype, void *rbuf, const size_t rcounts[], const size_t rdispls[], ipc_datatype rtype, ipc_comm comm);
int ipc__c_barrier(ipc_comm comm);
int ipc__c_bcast(void *buf, size_t count, ipc_datatype type, int root, ipc_comm comm);
int ipc__c_gather(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, int root, ipc_comm comm);
int ipc__c_scatter(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, int root, ipc_comm comm);
int ipc__c_gatherv(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, const size_t rcounts[], const size_t displs[], ipc_datatype rtype, int root, ipc_comm comm);
int ipc__c_scatterv(const void *sbuf, const size_t scounts[], const size_t displs[], ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, int root, ipc_comm comm);
int ipc__c_reduce(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, int root, ipc_comm comm);
int ipc__c_allreduce(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, ipc_comm comm);
int ipc__c_reduce_scatter_block(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, ipc_comm comm);
int ipc__c_scan(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, ipc_comm comm);
int ipc__c_exscan(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, ipc_comm comm);

/* Checks shared by the reductions (reduce.c): *in is where this rank's input
 * is (rbuf for IPC_IN_PLACE), *rbytes what rbuf holds when need_rbuf. */
int ipc__coll_check_reduction(const void *sbuf, const void **in, size_t in_count, void *rbuf,
                              size_t rcount, bool need_rbuf, ipc_datatype type, ipc_op op,
                              ipc_comm comm, size_t *rbytes);

/* The checks of an allgather (sblocks 1) or an alltoall (sblocks: the
 * size): rbuf holds comm->size blocks of rcount elements of rtype, *block
 * bytes each, and sbuf (unless IPC_IN_PLACE) sblocks blocks of as many. */
int ipc__coll_check_all(const void *sbuf, size_t scount, ipc_datatype stype, int sblocks,
                        void *rbuf, size_t rcount, ipc_datatype rtype, ipc_comm comm,
                        size_t *block);

/* The checks of a gather (own: what this rank sends; all: the root's
 * receive buffer of comm->size blocks) and, mirrored, of a scatter (own:
 * what this rank receives; all: the root's send buffer). own is
 * IPC_IN_PLACE only at the root. *block: the bytes of one block (of this
 * rank's at a non-root). */
int ipc__coll_check_rooted(const void *own, size_t own_count, ipc_datatype own_type,
                           const void *all, size_t all_count, ipc_datatype all_type, int root,
                           ipc_comm comm, size_t *block);

/* The same for gatherv and scatterv: all has counts[i] elements of
 * all_type at displs[i] for rank i (checked at the root only). *own_bytes:
 * this rank's block (at the root in place, its block of all). */
int ipc__coll_check_rooted_v(const void *own, size_t own_count, ipc_datatype own_type,
                             const void *all, const size_t counts[], const size_t displs[],
                             ipc_datatype all_type, int root, ipc_comm comm, size_t *own_bytes);

/* Counts and displacements of a v collective against the buffer they are in:
 * IPC_ERR_ARG without arrays, IPC_ERR_COUNT when an end overflows,
 * IPC_ERR_BUFFER without a buffer for bytes to move. */
int ipc__coll_check_v(const void *buf, const size_t counts[], const size_t displs[],
                      ipc_datatype type, int n);

/* memcpy that accepts empty copies from NULL and copies onto itself. */
void ipc__coll_copy(void *dst, const void *src, size_t bytes);

static inline int ipc__coll_mod(int a, int n)
{
    return (a % n + n) % n;
}

/* ---- shared algorithms ---- */

/* Elements of block i when count is cut into n blocks, the first count % n
 * one element longer; *first is its first element. */
size_t ipc__coll_block(size_t count, int n, int i, size_t *first);

/* Ring reduce-scatter of every rank's `in` (count elements): on return this
 * rank's block (ipc__coll_block) of buf holds the reduction of all ranks'
 * blocks; the rest of buf is scratch. in may be buf. Commutative ops only:
 * partials are combined in ring order, not rank order. */
int ipc__coll_ring_reduce_scatter(const void *in, void *buf, size_t count, ipc_datatype type,
                                  ipc_op op, int tag, ipc_comm comm);
/* Binomial-tree reduce of `in` to root into rbuf (root only); keeps the
 * ranks' order when the op is not commutative. */
int ipc__coll_reduce_tree(const void *in, void *rbuf, size_t count, ipc_datatype type,
                          ipc_op op, int root, int tag, ipc_comm comm);
/* Scatter of sbuf (n blocks of `block` bytes, at root) into rbuf. */
int ipc__coll_scatter_bytes(const void *sbuf, void *rbuf, size_t block, int root,
                            ipc_comm comm);

/* ---- nonblocking collectives: schedules built at post time (nbc.c) ----
 *
 * ipc__nbc_new takes the instance's tag from comm (call it once per
 * collective, at every member). The operations below are appended in order;
 * ipc__nbc_round ends a round: what follows starts once every send and
 * receive before it has completed. Local operations (copy, reduce, call) run
 * when their round starts, before its messages are posted. Peers are ranks
 * of the comm given with each message (an intercommunicator's remote group,
 * or comm->local); IPC_PROC_NULL is left out. Building never fails loudly:
 * the first error is kept, and ipc__nbc_start returns it after releasing
 * everything. Buffers must stay valid until the schedule is over. */
struct ipc__nbc;
struct ipc__nbc *ipc__nbc_new(ipc_comm comm); /* NULL: out of memory */
void ipc__nbc_send(struct ipc__nbc *n, ipc_comm comm, const void *buf, size_t bytes, int peer);
void ipc__nbc_recv(struct ipc__nbc *n, ipc_comm comm, void *buf, size_t bytes, int peer);
void ipc__nbc_copy(struct ipc__nbc *n, void *dst, const void *src, size_t bytes);
/* inout = in op inout, count elements of type. */
void ipc__nbc_reduce(struct ipc__nbc *n, const void *in, void *inout, size_t count,
                     ipc_datatype type, ipc_op op);
void ipc__nbc_call(struct ipc__nbc *n, void (*fn)(void *arg), void *arg);
void ipc__nbc_round(struct ipc__nbc *n);
/* Memory that lives as long as the schedule; NULL (and n failed) when out. */
void *ipc__nbc_alloc(struct ipc__nbc *n, size_t bytes);
/* fn(arg) runs when the schedule is released (over, failed or abandoned),
 * in the reverse order of registration. */
void ipc__nbc_at_release(struct ipc__nbc *n, void (*fn)(void *arg), void *arg);
void ipc__nbc_fail(struct ipc__nbc *n, int error);
bool ipc__nbc_failed(const struct ipc__nbc *n);
/* Starts the schedule (its first round is posted before this returns);
 * *req completes when it is over. */
int ipc__nbc_start(struct ipc__nbc *n, struct ipc__req **req);
int ipc__nbc_start_handle(struct ipc__nbc *n, ipc_request *req);
/* Releases a schedule that will not be started. */
void ipc__nbc_abandon(struct ipc__nbc *n);

/* The algorithms (icoll.c), appended to n on the intracommunicator comm;
 * sizes in bytes unless a count comes with a type. In place: the input
 * pointer may equal the output (rbuf, or a block of it where a block is
 * this rank's). */
void ipc__nbc_a_barrier(struct ipc__nbc *n, ipc_comm comm);
void ipc__nbc_a_bcast(struct ipc__nbc *n, void *buf, size_t bytes, int root, ipc_comm comm);
/* rbuf: root only (the result); in may be rbuf at the root. */
void ipc__nbc_a_reduce(struct ipc__nbc *n, const void *in, void *rbuf, size_t count,
                       ipc_datatype type, ipc_op op, int root, ipc_comm comm);
void ipc__nbc_a_allreduce(struct ipc__nbc *n, const void *in, void *rbuf, size_t count,
                          ipc_datatype type, ipc_op op, ipc_comm comm);
void ipc__nbc_a_scan(struct ipc__nbc *n, const void *in, void *rbuf, size_t count,
                     ipc_datatype type, ipc_op op, bool inclusive, ipc_comm comm);
/* Reduces the sum of counts[] elements; rank i gets counts[i] of them, in
 * order, at rbuf. in may be rbuf (then it holds every input). */
void ipc__nbc_a_reduce_scatter(struct ipc__nbc *n, const void *in, void *rbuf,
                               const size_t counts[], ipc_datatype type, ipc_op op,
                               ipc_comm comm);
/* v forms: bytes[i] and displ[i] (in bytes) of rank i's block. */
void ipc__nbc_a_gatherv(struct ipc__nbc *n, const void *sbuf, size_t sbytes, void *rbuf,
                        const size_t bytes[], const size_t displ[], int root, ipc_comm comm);
void ipc__nbc_a_scatterv(struct ipc__nbc *n, const void *sbuf, const size_t bytes[],
                         const size_t displ[], void *rbuf, size_t rbytes, int root,
                         ipc_comm comm);
void ipc__nbc_a_allgatherv(struct ipc__nbc *n, const void *sbuf, size_t sbytes, void *rbuf,
                           const size_t bytes[], const size_t displ[], ipc_comm comm);
/* sbuf may be rbuf (in place: the send layout is the receive layout). */
void ipc__nbc_a_alltoallv(struct ipc__nbc *n, const void *sbuf, const size_t sbytes[],
                          const size_t sdispl[], void *rbuf, const size_t rbytes[],
                          const size_t rdispl[], ipc_comm comm);

/* The nonblocking collectives' checks and schedules (ientry.c): the
 * arguments of the public ipc_i* (which open, call these and start), the
 * schedule to append to first. IPC_ERR_* when an argument is wrong (n is
 * then to be abandoned). */
int ipc__nbc_c_barrier(struct ipc__nbc *n, ipc_comm comm);
int ipc__nbc_c_bcast(struct ipc__nbc *n, void *buf, size_t count, ipc_datatype type, int root, ipc_comm comm);
int ipc__nbc_c_reduce(struct ipc__nbc *n, const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, int root, ipc_comm comm);
int ipc__nbc_c_allreduce(struct ipc__nbc *n, const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, ipc_comm comm);
int ipc__nbc_c_scan(struct ipc__nbc *n, const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, ipc_comm comm);
int ipc__nbc_c_exscan(struct ipc__nbc *n, const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, ipc_comm comm);
int ipc__nbc_c_reduce_scatter_block(struct ipc__nbc *n, const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, ipc_comm comm);
int ipc__nbc_c_gather(struct ipc__nbc *n, const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, int root, ipc_comm comm);
int ipc__nbc_c_gatherv(struct ipc__nbc *n, const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, const size_t rcounts[], const size_t displs[], ipc_datatype rtype, int root, ipc_comm comm);
int ipc__nbc_c_scatter(struct ipc__nbc *n, const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, int root, ipc_comm comm);
int ipc__nbc_c_scatterv(struct ipc__nbc *n, const void *sbuf, const size_t scounts[], const size_t displs[], ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, int root, ipc_comm comm);
int ipc__nbc_c_allgather(struct ipc__nbc *n, const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, ipc_comm comm);
int ipc__nbc_c_allgatherv(struct ipc__nbc *n, const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, const size_t rcounts[], const size_t displs[], ipc_datatype rtype, ipc_comm comm);
int ipc__nbc_c_alltoall(struct ipc__nbc *n, const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, ipc_comm comm);
int ipc__nbc_c_alltoallv(struct ipc__nbc *n, const void *sbuf, const size_t scounts[], const size_t sdispls[], ipc_datatype stype, void *rbuf, const size_t rcounts[], const size_t rdispls[], ipc_datatype rtype, ipc_comm comm);

#endif /* IPC_COLL_H */
