/*
 * node.c - collectives of the whole job when it runs on one node, through
 * the area of the shared segment that the memory transport sets aside for
 * them (transport/node.h): a barrier on flags and an allreduce of small
 * inputs through slots, with no message at all. The area's layout is this
 * file's; docs/shm.md draws it.
 */
#include <sched.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "coll.h"
#include "transport/node.h"

#define CACHE_LINE 64

/* Where the whole job meets (barrier): arrivals, and the generation that the
 * last arrival bumps. */
struct meeting {
    _Atomic uint32_t arrived;
    char pad1[CACHE_LINE - 4];
    _Atomic uint32_t generation;
    char pad2[CACHE_LINE - 4];
};

/* One per rank, written by that rank only: the barrier epoch it reached in
 * each round of a dissemination barrier. */
#define MAX_ROUNDS 16
struct flags {
    _Atomic uint32_t round[MAX_ROUNDS];
};
_Static_assert(sizeof(struct flags) <= CACHE_LINE, "one line per rank");

/* Allreduce through the segment: two sets (alternate calls) of one slot per
 * rank. A slot starts with the epoch of the call whose input it holds; the
 * input follows in the same line, so a peer's small input arrives with the
 * word that says it is there (one cache-line transfer, not two). 8 KiB holds
 * 1024 doubles; larger reductions go by messages, where the copies in and out
 * of a slot would cost more than they save. */
#define REDUCE_SLOT 8192
#define SLOT_DATA 16 /* offset of the input: aligned for any type */
#define SLOT_STRIDE (REDUCE_SLOT + CACHE_LINE)

/* Bcast through the segment: BCAST_SLOTS slots (call k uses slot k mod
 * BCAST_SLOTS), each written by the root of its call; a line per rank with
 * the epoch of the last bcast it has finished (its ack); and a line with
 * how many roots wait for acks. A slot holds up to 64 KiB: the root copies
 * in and returns, which on a shared core beats every rank reading the
 * root's memory and the root waiting for all of them (direct bcast, from
 * there on). A root waits only for a rank BCAST_SLOTS calls behind: with 2
 * slots, bcasts of 8 B back to back (mpibench coll, 200 calls) took 6.1 us
 * a call on 4 oversubscribed ranks, 20 on 8, 255-265 on 64 (each rank had
 * to run every other call); with 8, 1.8, 6.2 and 75-103 (Open MPI 39-51 on
 * 64); 32 slots were no better on 64 ranks (89-143). */
#define BCAST_SLOT 65536
#define BCAST_STRIDE (BCAST_SLOT + CACHE_LINE)
#define BCAST_SLOTS 8
/* Bcasts of at most LINE_DATA bytes go in a slot of one line instead (the
 * epoch and the data), one of LINE_SLOTS in a page: a root runs up to 64
 * calls ahead, and a rank touches one page for all of them. */
#define LINE_SLOTS 64
#define LINE_DATA (CACHE_LINE - SLOT_DATA)
struct bcast_wanted {
    _Atomic uint32_t wanted;
    char pad[CACHE_LINE - 4];
};

/* The area: the meeting, then a line of flags per rank, then the two sets
 * of allreduce slots, then the bcast slots, a line of ack per rank, the
 * bcast_wanted line and the one-line bcast slots. */
size_t ipc__node_area_bytes(int nranks)
{
    return sizeof(struct meeting) + (size_t)nranks * CACHE_LINE +
           2 * (size_t)nranks * SLOT_STRIDE + BCAST_SLOTS * BCAST_STRIDE +
           (size_t)nranks * CACHE_LINE + sizeof(struct bcast_wanted) +
           LINE_SLOTS * CACHE_LINE;
}

static struct meeting *meeting_of(const struct ipc__node_area *a)
{
    return a->base;
}

static struct flags *flags_of(const struct ipc__node_area *a, int rank)
{
    return (struct flags *)(void *)((char *)a->base + sizeof(struct meeting) +
                                    (size_t)rank * CACHE_LINE);
}

static char *slots_of(const struct ipc__node_area *a)
{
    return (char *)a->base + sizeof(struct meeting) + (size_t)a->nranks * CACHE_LINE;
}

/* After the allreduce slots: the bcast slots, then the acks. */
static char *bcast_slot(const struct ipc__node_area *a, uint32_t epoch)
{
    return slots_of(a) + 2 * (size_t)a->nranks * SLOT_STRIDE +
           (epoch % BCAST_SLOTS) * BCAST_STRIDE;
}

static _Atomic uint32_t *bcast_ack(const struct ipc__node_area *a, int rank)
{
    return (_Atomic uint32_t *)(void *)(bcast_slot(a, 0) + BCAST_SLOTS * BCAST_STRIDE +
                                        (size_t)rank * CACHE_LINE);
}

static struct bcast_wanted *bcast_wanted_of(const struct ipc__node_area *a)
{
    return (struct bcast_wanted *)(void *)bcast_ack(a, a->nranks);
}

/* The slot of bcast `epoch` of `bytes`, and how many calls later it is
 * written again. */
static char *bcast_slot_for(const struct ipc__node_area *a, uint32_t epoch, size_t bytes,
                            uint32_t *reuse)
{
    if (bytes > LINE_DATA) {
        *reuse = BCAST_SLOTS;
        return bcast_slot(a, epoch);
    }
    *reuse = LINE_SLOTS;
    return (char *)(bcast_wanted_of(a) + 1) + (epoch % LINE_SLOTS) * CACHE_LINE;
}

struct generation_wait {
    const struct meeting *meet;
    uint32_t gen;
};

static bool generation_moved(void *arg)
{
    const struct generation_wait *w = arg;
    return atomic_load_explicit(&w->meet->generation, memory_order_acquire) != w->gen;
}

/* Counter barrier: one atomic add per rank; the last to arrive opens the next
 * generation and wakes the sleepers. Few hand-offs between ranks: the choice
 * when ranks share cores. The last to arrive then yields its core to the
 * ranks it woke, which have waited longest, unless it is rank 0: rank 0
 * roots most bcasts, scatters and reductions, and the ranks that leave
 * first would only wait for it (as a tree barrier lets rank 0 out first).
 * Bcast of 8 B from rank 0 on 4 oversubscribed ranks, mean of the ranks:
 * 3.3-3.8 -> 0.6-1.6 us; from rank 3, 4.4-8.3 -> 1.2-2.6. Yielding at rank
 * 0 too made its 1 MiB bcast on 8 ranks slower (168-183 -> 280-345 us): the
 * root left last and every reader waited for it. */
static void counter_barrier(struct ipc__node_area *a)
{
    struct meeting *m = meeting_of(a);
    struct generation_wait w = {
        m, atomic_load_explicit(&m->generation, memory_order_acquire)};
    if (atomic_fetch_add_explicit(&m->arrived, 1, memory_order_acq_rel) !=
        (uint32_t)a->nranks - 1) {
        ipc__wait_until(generation_moved, &w, NULL);
        return;
    }
    atomic_store_explicit(&m->arrived, 0, memory_order_relaxed);
    atomic_store_explicit(&m->generation, w.gen + 1, memory_order_release);
    a->ring_all(a);
    if (a->me != 0)
        sched_yield();
}

struct flag_wait {
    const _Atomic uint32_t *flag;
    uint32_t epoch;
};

static bool flag_reached(void *arg)
{
    const struct flag_wait *w = arg;
    uint32_t v = atomic_load_explicit(w->flag, memory_order_acquire);
    return (int32_t)(v - w->epoch) >= 0;
}

/* Dissemination barrier on flags: in round k each rank raises its own flag
 * and waits for the flag of rank - 2^k; each round costs one cache-line
 * transfer and nobody contends: the choice when each rank has a core. */
static void flag_barrier(struct ipc__node_area *a)
{
    int n = a->nranks, me = a->me;
    uint32_t epoch = ++a->barrier_epoch;
    struct flags *mine = flags_of(a, me);
    for (int k = 0, dist = 1; dist < n; k++, dist <<= 1) {
        int from = (me - dist + n) % n, to = (me + dist) % n;
        atomic_store_explicit(&mine->round[k], epoch, memory_order_release);
        a->ring(a, to);
        struct flag_wait w = {&flags_of(a, from)->round[k], epoch};
        if (!flag_reached(&w))
            ipc__wait_until(flag_reached, &w, NULL);
    }
}

void ipc__node_barrier(struct ipc__node_area *a, bool oversubscribed)
{
    if (oversubscribed || a->nranks > (1 << MAX_ROUNDS))
        counter_barrier(a);
    else
        flag_barrier(a);
}

struct all_reached {
    const char *set;
    int nranks;
    uint32_t epoch;
};

static _Atomic uint32_t *slot_epoch(const char *set, int r)
{
    return (_Atomic uint32_t *)(void *)(set + (size_t)r * SLOT_STRIDE);
}

/* The words after a slot's epoch, for the direct collectives: the epoch
 * at which rank r's part of a direct allreduce is folded (PART_DONE), and
 * how many ranks have read r's input (READERS) and its part (PART_READERS),
 * counts that r sets to 0 before it raises its slot's epoch and that each
 * reader raises once done. */
enum { PART_DONE = 4, READERS = 8, PART_READERS = 12 };
_Static_assert(PART_READERS + 4 <= SLOT_DATA, "the slot's words fit before its data");

static _Atomic uint32_t *slot_word(const char *set, int r, int word)
{
    return (_Atomic uint32_t *)(void *)(set + (size_t)r * SLOT_STRIDE + word);
}

/* A slot's word that has reached a value (an epoch, a count). */
struct word_wait {
    _Atomic uint32_t *word;
    uint32_t want;
};

static bool word_reached(void *arg)
{
    const struct word_wait *w = arg;
    return (int32_t)(atomic_load_explicit(w->word, memory_order_acquire) - w->want) >= 0;
}

static void wait_word(const char *set, int r, int word, uint32_t want)
{
    struct word_wait w = {slot_word(set, r, word), want};
    if (!word_reached(&w))
        ipc__wait_until(word_reached, &w, NULL);
}

/* Tells rank r we are done reading its input (READERS) or part. */
static void done_reading(struct ipc__node_area *a, const char *set, int r, int word)
{
    atomic_fetch_add_explicit(slot_word(set, r, word), 1, memory_order_release);
    a->ring(a, r);
}

static bool all_put_input(void *arg)
{
    const struct all_reached *w = arg;
    for (int r = 0; r < w->nranks; r++) {
        uint32_t v = atomic_load_explicit(slot_epoch(w->set, r), memory_order_acquire);
        if ((int32_t)(v - w->epoch) < 0)
            return false;
    }
    return true;
}

bool ipc__node_fits(const struct ipc__node_area *a, size_t bytes)
{
    return a && bytes <= REDUCE_SLOT;
}

bool ipc__node_bcast_fits(const struct ipc__node_area *a, size_t bytes)
{
    return a && bytes <= BCAST_SLOT;
}

/* Puts our input (at most REDUCE_SLOT bytes) in our slot of this call's
 * set and raises the slot's epoch, then rings everyone; returns the set and
 * its epoch without waiting: the direct collectives wait for each slot's
 * epoch before they read it. A set is written again two calls later, when
 * every rank has provably finished reading it (it raised its epoch in the
 * other set for the call between: put_all waits for that, and a rank leaves
 * a direct collective only once every other has read from it, which each
 * does after raising its epoch). Allreduce, reduce_scatter_block, allgather
 * and alltoall share the sets and their epoch. */
static const char *put_mine(struct ipc__node_area *a, const void *in, size_t bytes,
                            uint32_t *epoch_out)
{
    int n = a->nranks, me = a->me;
    uint32_t epoch = ++a->reduce_epoch;
    const char *set = slots_of(a) + (size_t)(epoch & 1) * (size_t)n * SLOT_STRIDE;
    memcpy((char *)set + (size_t)me * SLOT_STRIDE + SLOT_DATA, in, bytes);
    atomic_store_explicit(slot_word(set, me, READERS), 0, memory_order_relaxed);
    atomic_store_explicit(slot_word(set, me, PART_READERS), 0, memory_order_relaxed);
    atomic_store_explicit(slot_epoch(set, me), epoch, memory_order_release);
    a->ring_all(a);
    *epoch_out = epoch;
    return set;
}

/* put_mine, then waits until every rank has put its input up. */
static const char *put_all(struct ipc__node_area *a, const void *in, size_t bytes)
{
    struct all_reached w = {NULL, a->nranks, 0};
    w.set = put_mine(a, in, bytes, &w.epoch);
    if (!all_put_input(&w))
        ipc__wait_until(all_put_input, &w, NULL);
    return w.set;
}

static const char *input_of(const char *set, int r, size_t off)
{
    return set + (size_t)r * SLOT_STRIDE + SLOT_DATA + off;
}

/* Folds the bytes at `off` of every rank's input into out, from the last
 * rank down (x0 op (x1 op (... op xn-1))), the same order on every rank. */
static void fold(const char *set, int n, size_t off, void *out, size_t count,
                 ipc_datatype type, ipc_op op)
{
    memcpy(out, input_of(set, n - 1, off), count * type->size);
    for (int r = n - 2; r >= 0; r--)
        ipc__op_apply(op, type, input_of(set, r, off), out, count);
}

/* Every rank folds all slots itself, so the result is bit-identical on
 * every rank. */
void ipc__node_allreduce(struct ipc__node_area *a, void *buf, size_t count,
                         ipc_datatype type, ipc_op op)
{
    const char *set = put_all(a, buf, count * type->size);
    fold(set, a->nranks, 0, buf, count, type, op);
}

/* Every rank puts the whole vector in and folds only its own block. */
void ipc__node_reduce_scatter(struct ipc__node_area *a, const void *in, void *out,
                              size_t count, ipc_datatype type, ipc_op op)
{
    size_t block = count * type->size;
    const char *set = put_all(a, in, block * (size_t)a->nranks);
    fold(set, a->nranks, block * (size_t)a->me, out, count, type, op);
}

void ipc__node_allgather(struct ipc__node_area *a, const void *in, void *out, size_t block)
{
    const char *set = put_all(a, in, block);
    for (int r = 0; r < a->nranks; r++)
        memcpy((char *)out + (size_t)r * block, input_of(set, r, 0), block);
}

/* Every rank puts its whole send buffer (n blocks) in and takes block `me`
 * of every rank's: in may be out (in place), it is in the slot before out
 * is written. */
void ipc__node_alltoall(struct ipc__node_area *a, const void *in, void *out, size_t block)
{
    size_t mine = block * (size_t)a->me;
    const char *set = put_all(a, in, block * (size_t)a->nranks);
    for (int r = 0; r < a->nranks; r++)
        memcpy((char *)out + (size_t)r * block, input_of(set, r, mine), block);
}

struct acks_wait {
    struct ipc__node_area *a;
    uint32_t epoch;
};

/* Whether every other rank has acked the bcast of w->epoch. Each ack line
 * read is a line another core wrote, a stall a store would not be: the
 * least ack seen is kept (acks only grow), and a root that needs no more
 * than that reads none. 2 ranks, 8 B, one root: every other call reads
 * them; the root's time 0.20 -> 0.12 us, the mean of the ranks 0.34-0.37
 * -> 0.30-0.33 (MPICH 0.30 in the same runs). */
static bool all_acked(void *arg)
{
    struct acks_wait *w = arg;
    struct ipc__node_area *a = w->a;
    if ((int32_t)(a->bcast_acked - w->epoch) >= 0)
        return true;
    uint32_t least = 0;
    bool first = true;
    for (int r = 0; r < a->nranks; r++) {
        if (r == a->me)
            continue;
        uint32_t v = atomic_load_explicit(bcast_ack(a, r), memory_order_acquire);
        if (first || (int32_t)(v - least) < 0)
            least = v;
        first = false;
    }
    if (!first && (int32_t)(least - a->bcast_acked) > 0)
        a->bcast_acked = least;
    return first || (int32_t)(least - w->epoch) >= 0;
}

/* Without writer fences (node.h), a root looks at the acks this many times
 * before it says it waits for them: a rank one call behind acks within a
 * line transfer or two, and saying so costs a membarrier, which interrupts
 * the rank being waited for. 2 ranks, 8 B bcasts back to back: 0.41-0.44
 * -> 0.21-0.24 us a call (MPICH 0.32-0.37). With writer fences (ranks that
 * share cores) it looks once: the rank it waits for may need its core. */
#define ACK_LOOKS 64

/* Waits until every rank but this one has acked the bcast of `epoch`,
 * saying so in bcast_wanted first (see ipc__node_bcast). */
static void wait_acks(struct ipc__node_area *a, uint32_t epoch)
{
    struct acks_wait w = {a, epoch};
    struct bcast_wanted *bw = bcast_wanted_of(a);
    for (int i = 0, looks = a->often_fences ? 1 : ACK_LOOKS; i < looks; i++) {
        if (all_acked(&w))
            return;
#if defined(__x86_64__) || defined(__i386__)
        __builtin_ia32_pause();
#endif
    }
    /* A count, not a flag: roots of other calls (the root moves from call to
     * call) may wait for acks at the same time, and the first to be done
     * must not take the others' say back. The rare side of the pair (ack()
     * is the often one): node.h. */
    atomic_fetch_add_explicit(&bw->wanted, 1, memory_order_relaxed);
    a->rare_fence(a);
    if (!all_acked(&w))
        ipc__wait_until(all_acked, &w, NULL);
    atomic_fetch_sub_explicit(&bw->wanted, 1, memory_order_relaxed);
}

/* This rank has finished the bcast of `epoch`; a root waiting for it is
 * woken. Its ack and its look at bcast_wanted are the often side of the
 * pair with wait_acks: without writer fences, no store-buffer drain here
 * (it waited for the ack line to come back from the root that read it:
 * 2 ranks, 8 B, the receiver's time 0.162-0.205 -> 0.147-0.167 us). */
static void ack(struct ipc__node_area *a, uint32_t epoch, bool root)
{
    atomic_store_explicit(bcast_ack(a, a->me), epoch, memory_order_release);
    if (!root) {
        if (a->often_fences)
            atomic_thread_fence(memory_order_seq_cst);
        else
            atomic_signal_fence(memory_order_seq_cst);
        if (atomic_load_explicit(&bcast_wanted_of(a)->wanted, memory_order_relaxed))
            a->ring_all(a);
    }
}

/* Waits for the root of `epoch` to have written its slot (a later epoch
 * cannot be there yet: its root waits for our ack of this one first). */
static void wait_slot(char *slot, uint32_t epoch)
{
    struct word_wait w = {(_Atomic uint32_t *)(void *)slot, epoch};
    if (!word_reached(&w))
        ipc__wait_until(word_reached, &w, NULL);
}

/* The root's part of a bcast: once no rank still reads this slot (the bcast
 * `reuse` calls back, or one before it), bytes of src go in it and its epoch
 * goes up. */
static void post_slot(struct ipc__node_area *a, char *slot, uint32_t reuse, uint32_t epoch,
                      const void *src, size_t bytes)
{
    if (epoch > reuse)
        wait_acks(a, epoch - reuse);
    memcpy(slot + SLOT_DATA, src, bytes);
    atomic_store_explicit((_Atomic uint32_t *)(void *)slot, epoch, memory_order_release);
    a->ring_all(a);
}

/* The root copies the data into the call's slot, raises the slot's epoch and
 * returns: it waits for nobody unless a rank has not finished the bcast that
 * used the slot before (BCAST_SLOTS or LINE_SLOTS calls back). The others
 * wait for the epoch and copy the data out. Every rank then acks the call;
 * a root that waits for acks has said so in bcast_wanted first, and a rank
 * that acks looks there after its ack (ordered on each side as node.h's
 * often/rare pair), so either the root sees the ack or the rank sees the
 * count and wakes it. */
void ipc__node_bcast(struct ipc__node_area *a, void *buf, size_t bytes, int root)
{
    uint32_t epoch = ++a->bcast_epoch, reuse;
    char *slot = bcast_slot_for(a, epoch, bytes, &reuse);
    bool is_root = a->me == root;
    if (is_root) {
        post_slot(a, slot, reuse, epoch, buf, bytes);
    } else {
        wait_slot(slot, epoch);
        memcpy(buf, slot + SLOT_DATA, bytes);
    }
    ack(a, epoch, is_root);
}

/* What the root of a direct bcast puts in the slot: where its data is. */
struct direct_ref {
    uint64_t addr;
    uint64_t bytes;
};

/* The i-th direct_ref that rank r put in its slot of set (put_all). */
static struct direct_ref ref_of(const char *set, int r, int i)
{
    struct direct_ref ref;
    memcpy(&ref, input_of(set, r, (size_t)i * sizeof ref), sizeof ref);
    return ref;
}

/* The same calls and slots, but the slot holds only the root's address and
 * length; every other rank reads the data straight from the root's memory
 * (ipc__coll_get), all of them at once, and the root waits for all their acks before
 * it returns, its buffer being read until then. */
int ipc__node_bcast_direct(struct ipc__node_area *a, void *buf, size_t bytes, int root)
{
    uint32_t epoch = ++a->bcast_epoch;
    char *slot = bcast_slot(a, epoch);
    int rc = IPC_SUCCESS;
    if (a->me == root) {
        struct direct_ref ref = {(uintptr_t)buf, bytes};
        post_slot(a, slot, BCAST_SLOTS, epoch, &ref, sizeof ref);
        ack(a, epoch, true);
        wait_acks(a, epoch);
        return rc;
    }
    wait_slot(slot, epoch);
    struct direct_ref ref;
    memcpy(&ref, slot + SLOT_DATA, sizeof ref);
    /* Another length than ours: an erroneous program; never read past the
     * root's buffer. */
    size_t take = ref.bytes < bytes ? (size_t)ref.bytes : bytes;
    if (ipc__coll_get(root, buf, ref.addr, take) < 0)
        rc = IPC_ERR_TRANSPORT;
    else if (ref.bytes != bytes)
        rc = IPC_ERR_TRUNCATE;
    ack(a, epoch, false);
    return rc;
}

/* The ranks of an exchange whose buffers this rank has not read yet
 * (left[0..nleft)), and whether any of them has put its address up. */
struct some_put {
    const char *set;
    uint32_t epoch;
    const int *left;
    int nleft;
};

static bool slot_put(const char *set, int r, uint32_t epoch)
{
    struct word_wait w = {slot_epoch(set, r), epoch};
    return word_reached(&w);
}

static bool any_put(void *arg)
{
    const struct some_put *w = arg;
    for (int i = 0; i < w->nleft; i++)
        if (slot_put(w->set, w->left[i], w->epoch))
            return true;
    return false;
}

/* Reads this rank's block of rank r's buffer (its address in set) into out,
 * then tells r it is done with it. */
static int read_block(struct ipc__node_area *a, const char *set, int r, size_t mine,
                      size_t block, void *out)
{
    struct direct_ref peer = ref_of(set, r, 0);
    int rc = IPC_SUCCESS;
    if (peer.bytes < mine + block) /* an erroneous program: never read past it */
        rc = IPC_ERR_TRUNCATE;
    else if (ipc__coll_get(r, (char *)out + (size_t)r * block, peer.addr + mine, block) < 0)
        rc = IPC_ERR_TRANSPORT;
    done_reading(a, set, r, READERS);
    return rc;
}

int ipc__node_exchange_direct(struct ipc__node_area *a, const void *in, void *out,
                              size_t block, bool alltoall)
{
    int n = a->nranks, me = a->me, rc = IPC_SUCCESS;
    size_t mine = alltoall ? block * (size_t)me : 0;
    struct direct_ref ref = {(uintptr_t)in, alltoall ? block * (size_t)n : block};
    int *left = malloc((size_t)n * sizeof *left);
    const char *set;
    if (!left) { /* no list: wait for every rank's address, then read in turn */
        set = put_all(a, &ref, sizeof ref);
        for (int k = 1; k < n; k++) {
            int e = read_block(a, set, (me + k) % n, mine, block, out);
            rc = e != IPC_SUCCESS ? e : rc;
        }
    } else {
        /* Staggered: rank r starts with r + 1, so no buffer is everyone's
         * first. Each buffer is read as soon as its owner has put its
         * address up, not once all have: oversubscribed, the first ranks in
         * copy while the others are still on their way. */
        struct some_put w = {NULL, 0, left, n - 1};
        set = w.set = put_mine(a, &ref, sizeof ref, &w.epoch);
        for (int k = 1; k < n; k++)
            left[k - 1] = (me + k) % n;
        while (w.nleft > 0) {
            int kept = 0;
            for (int i = 0; i < w.nleft; i++) {
                int r = left[i], e = IPC_SUCCESS;
                if (!slot_put(w.set, r, w.epoch))
                    left[kept++] = r;
                else if ((e = read_block(a, w.set, r, mine, block, out)) != IPC_SUCCESS)
                    rc = e;
            }
            w.nleft = kept;
            if (kept && !any_put(&w))
                ipc__wait_until(any_put, &w, NULL);
        }
        free(left);
    }
    char *own = (char *)out + (size_t)me * block;
    if ((const char *)in + mine != own)
        memcpy(own, (const char *)in + mine, block);
    /* We leave once every other rank has read our buffer: we have read
     * theirs, and nobody needs ours any more. */
    wait_word(set, me, READERS, (uint32_t)(n - 1));
    return rc;
}

/* Folds bytes [off, off + len) (k elements) of every rank's input into
 * res, reading the others' straight from their memory through tmp, from
 * the last rank down as fold() does: the same order on every rank. Each
 * input is read as soon as its owner has put its address up (the first
 * direct_ref of its slot of set); with `tell`, its owner is told when we
 * are done with it (READERS), even after an error (rc: one already made
 * here; then nothing is read or folded), so that nobody waits for us in
 * vain. Returns rc or the first error. */
static int fold_direct(struct ipc__node_area *a, const char *set, uint32_t epoch, bool tell,
                       const void *in, size_t off, size_t len, size_t k, char *res, char *tmp,
                       ipc_datatype type, ipc_op op, int rc)
{
    int n = a->nranks, me = a->me;
    for (int r = n - 1; r >= 0; r--) {
        const char *src = (const char *)in + off;
        if (r != me) {
            wait_word(set, r, 0, epoch);
            struct direct_ref peer = ref_of(set, r, 0);
            if (rc == IPC_SUCCESS && peer.bytes < off + len)
                rc = IPC_ERR_TRUNCATE;
            if (rc == IPC_SUCCESS && ipc__coll_get(r, tmp, peer.addr + off, len) < 0)
                rc = IPC_ERR_TRANSPORT;
            if (tell)
                done_reading(a, set, r, READERS);
            src = tmp;
        }
        if (rc != IPC_SUCCESS)
            continue;
        if (r == n - 1)
            memcpy(res, src, len);
        else
            ipc__op_apply(op, type, src, res, k);
    }
    return rc;
}

/* Allreduce of long vectors between ranks that all read each other's
 * memory: every rank publishes where its input is and where it will keep its
 * part of the result, folds its own block of the vector from every rank's
 * input (read straight from them, last rank first: x0 op (x1 op ...), the
 * same order as everywhere) and says its part is done (PART_DONE); then
 * reads every other part of the result as soon as its rank has folded it,
 * and leaves once every other rank has read its part. No barrier of all
 * ranks: each waits only for the ranks whose data it needs or who need its.
 * Each block is folded once: bit-identical results on every rank. */
int ipc__node_allreduce_direct(struct ipc__node_area *a, const void *in, void *out,
                               size_t count, ipc_datatype type, ipc_op op)
{
    int n = a->nranks, me = a->me, rc = IPC_SUCCESS;
    size_t size = type->size, first, k = ipc__coll_block(count, n, me, &first);
    size_t off = first * size, len = k * size;
    char *res = malloc(len ? len : 1), *tmp = malloc(len ? len : 1);
    struct direct_ref refs[2] = {{(uintptr_t)in, count * size},
                                 {(uintptr_t)res, res && tmp ? len : 0}};
    if (!res || !tmp)
        rc = IPC_ERR_NOMEM; /* the others find a part of 0 bytes here */
    uint32_t epoch;
    const char *set = put_mine(a, refs, sizeof refs, &epoch);
    /* Nobody waits for READERS here: a part read means its input read. */
    rc = fold_direct(a, set, epoch, false, in, off, len, k, res, tmp, type, op, rc);
    atomic_store_explicit(slot_word(set, me, PART_DONE), epoch, memory_order_release);
    a->ring_all(a);
    /* In place, out is our input: rank r's part lands in it once r has
     * folded, that is read its block of our input (ours only we read). */
    for (int i = 1; i <= n; i++) {
        int r = (me + i) % n; /* staggered, our own part last */
        size_t rfirst, rk = ipc__coll_block(count, n, r, &rfirst);
        char *dst = (char *)out + rfirst * size;
        if (r == me) {
            if (rc == IPC_SUCCESS)
                memcpy(dst, res, len);
            continue;
        }
        wait_word(set, r, PART_DONE, epoch);
        struct direct_ref peer = ref_of(set, r, 1);
        if (peer.bytes != rk * size)
            rc = rc == IPC_SUCCESS ? IPC_ERR_TRUNCATE : rc;
        else if (rk && ipc__coll_get(r, dst, peer.addr, rk * size) < 0)
            rc = IPC_ERR_TRANSPORT;
        done_reading(a, set, r, PART_READERS);
    }
    /* Nobody reads our part any more (and so, having folded, our input). */
    wait_word(set, me, PART_READERS, (uint32_t)(n - 1));
    free(res);
    free(tmp);
    return rc;
}

int ipc__node_reduce_scatter_direct(struct ipc__node_area *a, const void *in, void *out,
                                    size_t count, ipc_datatype type, ipc_op op)
{
    int n = a->nranks, me = a->me, rc = IPC_SUCCESS;
    size_t len = count * type->size;
    /* In place (in is out), our block of the result goes where the others
     * still read our input: it is folded aside and moved in at the end. */
    bool aside = (const char *)in == (const char *)out;
    char *tmp = malloc(len), *res = aside ? malloc(len) : out;
    struct direct_ref ref = {(uintptr_t)in, tmp && res ? len * (size_t)n : 0};
    if (!tmp || !res)
        rc = IPC_ERR_NOMEM; /* the others find no input here and fail too */
    uint32_t epoch;
    const char *set = put_mine(a, &ref, sizeof ref, &epoch);
    rc = fold_direct(a, set, epoch, true, in, len * (size_t)me, len, count, res, tmp, type, op,
                     rc);
    wait_word(set, me, READERS, (uint32_t)(n - 1)); /* nobody reads our input any more */
    if (aside && rc == IPC_SUCCESS)
        memcpy(out, res, len);
    if (aside)
        free(res);
    free(tmp);
    return rc;
}
