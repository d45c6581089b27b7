/*
 * icoll.c - the nonblocking collectives: their algorithms, as schedules
 * appended to an ipc__nbc (nbc.c), and the public ipc_i* entries.
 *
 * Each algorithm is written for rounds: a round posts every message that
 * does not wait for another, so what a rank can send at once leaves at the
 * post, and the program's computation overlaps the rest. Results are the same
 * on every rank and in every run, as with the blocking collectives; the
 * ranks' order is kept for ops that are not commutative.
 */
#include <stdlib.h>

#include "coll.h"

/* Scratch of the schedule (one byte for zero: never NULL unless out). */
static void *scratch(struct ipc__nbc *n, size_t bytes)
{
    return ipc__nbc_alloc(n, bytes ? bytes : 1);
}

static char *at(const void *buf, size_t off)
{
    return (char *)buf + off;
}

void ipc__nbc_a_barrier(struct ipc__nbc *n, ipc_comm comm)
{
    int sz = comm->size, me = comm->rank;
    /* Dissemination: in round k, signal me + 2^k and hear from me - 2^k. */
    for (int d = 1; d < sz; d <<= 1) {
        ipc__nbc_recv(n, comm, NULL, 0, (me - d + sz) % sz);
        ipc__nbc_send(n, comm, NULL, 0, (me + d) % sz);
        ipc__nbc_round(n);
    }
}

/* Up to this many ranks a bcast is the root's messages to every rank at
 * once, and a long allreduce trades every block at once (two rounds)
 * instead of around a ring (2 (n - 1) rounds): the same bytes, and no chain
 * of ranks each of which must be on a core, in the library, for the next to
 * get its data. Measured at 4 ranks on 2 cores (compare nbc -n 4): ibcast
 * 8 B 4.7 us by the tree, 1 MiB 207 us; allreduce 1 MiB 608 us by the
 * ring (docs/collectives.md has the figures after). */
enum { NBC_DIRECT_MAX = 8 };

/* Binomial tree rooted at root: the parent's message, then every child at
 * once; or, for few ranks, the root to every rank. */
void ipc__nbc_a_bcast(struct ipc__nbc *n, void *buf, size_t bytes, int root,
                      ipc_comm comm)
{
    int sz = comm->size, vr = ipc__coll_mod(comm->rank - root, sz), mask = 1;
    if (sz <= NBC_DIRECT_MAX) {
        for (int i = 1; vr == 0 && i < sz; i++)
            ipc__nbc_send(n, comm, buf, bytes, (root + i) % sz);
        if (vr)
            ipc__nbc_recv(n, comm, buf, bytes, root);
        ipc__nbc_round(n);
        return;
    }
    while (mask < sz) {
        if (vr & mask) {
            ipc__nbc_recv(n, comm, buf, bytes, (vr - mask + root) % sz);
            ipc__nbc_round(n);
            break;
        }
        mask <<= 1;
    }
    for (mask >>= 1; mask > 0; mask >>= 1)
        if (vr + mask < sz)
            ipc__nbc_send(n, comm, buf, bytes, (vr + mask + root) % sz);
    ipc__nbc_round(n);
}

/* acc = acc op part, where part's ranks follow acc's; part may be spoiled. */
static void combine(struct ipc__nbc *n, void *acc, void *part, size_t count,
                    ipc_datatype type, ipc_op op)
{
    if (ipc__op_commutative(op)) {
        ipc__nbc_reduce(n, part, acc, count, type, op);
        return;
    }
    ipc__nbc_reduce(n, acc, part, count, type, op);
    ipc__nbc_copy(n, acc, part, count * type->size);
}

/* Children's contributions received at once up to this many bytes in all,
 * one after the other above it. */
enum { REDUCE_AT_ONCE_MAX = 1 << 20 };

void ipc__nbc_a_reduce(struct ipc__nbc *n, const void *in, void *rbuf, size_t count,
                       ipc_datatype type, ipc_op op, int root, ipc_comm comm)
{
    int sz = comm->size, me = comm->rank;
    size_t bytes = count * type->size;
    /* A tree rooted at 0 keeps the ranks' order: each child's subtree is the
     * run of ranks that follows its parent's. Commutative ops root it at
     * root and save the last hop. */
    int troot = ipc__op_commutative(op) ? root : 0, vr = ipc__coll_mod(me - troot, sz);
    void *acc = me == root && me == troot ? rbuf : scratch(n, bytes);
    if (!acc)
        return;
    ipc__nbc_copy(n, acc, in, bytes);
    int pmask = 1, kids = 0;
    while (pmask < sz && !(vr & pmask))
        pmask <<= 1;
    for (int m = 1; m < pmask && vr + m < sz; m <<= 1)
        kids++;
    bool at_once = kids && bytes <= REDUCE_AT_ONCE_MAX / (size_t)kids;
    char *parts = kids ? scratch(n, at_once ? bytes * (size_t)kids : bytes) : NULL;
    if (kids && !parts)
        return;
    for (int k = 0; k < kids; k++) {
        char *part = at_once ? parts + (size_t)k * bytes : parts;
        ipc__nbc_recv(n, comm, part, bytes, (vr + (1 << k) + troot) % sz);
        if (!at_once) {
            ipc__nbc_round(n);
            combine(n, acc, part, count, type, op);
        }
    }
    ipc__nbc_round(n);
    for (int k = 0; at_once && k < kids; k++)
        combine(n, acc, parts + (size_t)k * bytes, count, type, op);
    if (vr)
        ipc__nbc_send(n, comm, acc, bytes, (vr - pmask + troot) % sz);
    else if (troot != root)
        ipc__nbc_send(n, comm, acc, bytes, root);
    if (me == root && troot != root)
        ipc__nbc_recv(n, comm, rbuf, bytes, troot);
    ipc__nbc_round(n);
}

/* Ring reduce-scatter over acc, cut into blocks (first[i], cnt[i] elements):
 * sz - 1 steps, after which this rank holds the reduction of block
 * me + shift + 1. tmp holds the largest block. */
static void ring_reduce_scatter(struct ipc__nbc *n, char *acc, void *tmp,
                                const size_t first[], const size_t cnt[], int shift,
                                ipc_datatype type, ipc_op op, ipc_comm comm)
{
    int sz = comm->size, me = comm->rank;
    size_t es = type->size;
    for (int s = 0; s < sz - 1; s++) {
        int sb = ipc__coll_mod(me + shift - s, sz),
            rb = ipc__coll_mod(me + shift - s - 1, sz);
        ipc__nbc_send(n, comm, acc + first[sb] * es, cnt[sb] * es, (me + 1) % sz);
        ipc__nbc_recv(n, comm, tmp, cnt[rb] * es, (me - 1 + sz) % sz);
        ipc__nbc_round(n);
        ipc__nbc_reduce(n, tmp, acc + first[rb] * es, cnt[rb], type, op);
    }
}

/* Recursive doubling; a rank past the largest power of two first hands its
 * input to its odd neighbour and gets the result back at the end. Partners
 * combine the lower group's data first: the result is the same everywhere. */
static void allreduce_doubling(struct ipc__nbc *n, void *rbuf, size_t count,
                               ipc_datatype type, ipc_op op, ipc_comm comm)
{
    int sz = comm->size, me = comm->rank, p = 1;
    size_t bytes = count * type->size;
    bool commute = ipc__op_commutative(op);
    while (p * 2 <= sz)
        p *= 2;
    int extra = sz - p, vr = me - extra;
    void *cur = rbuf, *tmp = scratch(n, bytes);
    if (!tmp)
        return;
    if (me < 2 * extra) {
        if (me % 2 == 0) {
            ipc__nbc_send(n, comm, cur, bytes, me + 1);
            vr = -1;
        } else {
            ipc__nbc_recv(n, comm, tmp, bytes, me - 1);
            ipc__nbc_round(n);
            ipc__nbc_reduce(n, tmp, cur, count, type, op);
            vr = me / 2;
        }
        ipc__nbc_round(n);
    }
    for (int mask = 1; vr >= 0 && mask < p; mask <<= 1) {
        int vp = vr ^ mask, peer = vp < extra ? vp * 2 + 1 : vp + extra;
        ipc__nbc_send(n, comm, cur, bytes, peer);
        ipc__nbc_recv(n, comm, tmp, bytes, peer);
        ipc__nbc_round(n);
        if (commute || vp < vr) {
            ipc__nbc_reduce(n, tmp, cur, count, type, op);
        } else {
            ipc__nbc_reduce(n, cur, tmp, count, type, op);
            void *t = cur;
            cur = tmp;
            tmp = t;
        }
    }
    if (me < 2 * extra) {
        if (me % 2)
            ipc__nbc_send(n, comm, cur, bytes, me - 1);
        else
            ipc__nbc_recv(n, comm, rbuf, bytes, me + 1);
        ipc__nbc_round(n);
    }
    if (vr >= 0)
        ipc__nbc_copy(n, rbuf, cur, bytes);
}

/* The blocks of count elements cut in sz (ipc__coll_block), as arrays the
 * schedule keeps. */
static bool even_blocks(struct ipc__nbc *n, size_t count, int sz, size_t **first,
                        size_t **cnt)
{
    *first = scratch(n, 2 * (size_t)sz * sizeof **first);
    if (!*first)
        return false;
    *cnt = *first + sz;
    for (int i = 0; i < sz; i++)
        (*cnt)[i] = ipc__coll_block(count, sz, i, &(*first)[i]);
    return true;
}

/* Every rank gets every rank's part of its block at once and reduces it
 * (in rank order, so any op works); then every reduced block goes to every
 * rank at once. rbuf holds this rank's input. */
static void allreduce_direct(struct ipc__nbc *n, char *rbuf, const size_t first[],
                             const size_t cnt[], ipc_datatype type, ipc_op op,
                             ipc_comm comm)
{
    int sz = comm->size, me = comm->rank;
    size_t es = type->size, mine = cnt[me] * es;
    char *parts = scratch(n, mine * (size_t)(sz - 1)), *own = rbuf + first[me] * es;
    if (!parts)
        return;
#define PART(p) (parts + (size_t)((p) < me ? (p) : (p)-1) * mine)
    for (int i = 1; i < sz; i++) {
        int from = (me - i + sz) % sz, to = (me + i) % sz;
        ipc__nbc_recv(n, comm, PART(from), mine, from);
        ipc__nbc_send(n, comm, rbuf + first[to] * es, cnt[to] * es, to);
    }
    ipc__nbc_round(n);
    if (ipc__op_commutative(op)) {
        for (int p = 0; p < sz; p++)
            if (p != me)
                ipc__nbc_reduce(n, PART(p), own, cnt[me], type, op);
    } else { /* acc = c_p op acc, from the last rank down */
        char *acc = sz - 1 == me ? own : PART(sz - 1);
        for (int p = sz - 2; p >= 0; p--)
            ipc__nbc_reduce(n, p == me ? own : PART(p), acc, cnt[me], type, op);
        ipc__nbc_copy(n, own, acc, mine);
    }
#undef PART
    for (int i = 1; i < sz; i++) {
        int from = (me - i + sz) % sz, to = (me + i) % sz;
        ipc__nbc_recv(n, comm, rbuf + first[from] * es, cnt[from] * es, from);
        ipc__nbc_send(n, comm, own, mine, to);
    }
    ipc__nbc_round(n);
}

void ipc__nbc_a_allreduce(struct ipc__nbc *n, const void *in, void *rbuf, size_t count,
                          ipc_datatype type, ipc_op op, ipc_comm comm)
{
    int sz = comm->size, me = comm->rank;
    size_t es = type->size, bytes = count * es, *first, *cnt;
    ipc__nbc_copy(n, rbuf, in, bytes);
    if (sz == 1 || bytes == 0)
        return;
    bool direct = sz <= NBC_DIRECT_MAX;
    if ((!direct && !ipc__op_commutative(op)) || bytes < IPC__ALLREDUCE_RING_MIN ||
        count < (size_t)sz) {
        allreduce_doubling(n, rbuf, count, type, op, comm);
        return;
    }
    if (!even_blocks(n, count, sz, &first, &cnt))
        return;
    if (direct) {
        allreduce_direct(n, rbuf, first, cnt, type, op, comm);
        return;
    }
    /* Ring reduce-scatter, then ring allgather of the reduced blocks. */
    void *tmp = scratch(n, cnt[0] * es);
    if (!tmp)
        return;
    ring_reduce_scatter(n, rbuf, tmp, first, cnt, 0, type, op, comm);
    for (int s = 0; s < sz - 1; s++) {
        int sb = ipc__coll_mod(me + 1 - s, sz), rb = ipc__coll_mod(me - s, sz);
        ipc__nbc_send(n, comm, at(rbuf, first[sb] * es), cnt[sb] * es, (me + 1) % sz);
        ipc__nbc_recv(n, comm, at(rbuf, first[rb] * es), cnt[rb] * es,
                      (me - 1 + sz) % sz);
        ipc__nbc_round(n);
    }
}

/* Recursive doubling over prefixes, as scan.c: in the step with distance
 * mask, trade the reduction of this rank's aligned group with r ^ mask. */
void ipc__nbc_a_scan(struct ipc__nbc *n, const void *in, void *rbuf, size_t count,
                     ipc_datatype type, ipc_op op, bool inclusive, ipc_comm comm)
{
    int sz = comm->size, r = comm->rank;
    size_t bytes = count * type->size;
    if (bytes == 0)
        return;
    void *group = scratch(n, bytes), *other = scratch(n, bytes);
    if (!group || !other)
        return;
    ipc__nbc_copy(n, group, in, bytes);
    if (inclusive)
        ipc__nbc_copy(n, rbuf, in, bytes);
    bool have = inclusive;
    for (int mask = 1; mask < sz; mask <<= 1) {
        int p = r ^ mask;
        if (p >= sz)
            continue;
        ipc__nbc_send(n, comm, group, bytes, p);
        ipc__nbc_recv(n, comm, other, bytes, p);
        ipc__nbc_round(n);
        if (p > r) { /* the partner's group follows ours */
            ipc__nbc_reduce(n, group, other, count, type, op);
            void *t = group;
            group = other;
            other = t;
            continue;
        }
        if (have)
            ipc__nbc_reduce(n, other, rbuf, count, type, op);
        else
            ipc__nbc_copy(n, rbuf, other, bytes);
        have = true;
        ipc__nbc_reduce(n, other, group, count, type, op);
    }
}

void ipc__nbc_a_reduce_scatter(struct ipc__nbc *n, const void *in, void *rbuf,
                               const size_t counts[], ipc_datatype type, ipc_op op,
                               ipc_comm comm)
{
    int sz = comm->size, me = comm->rank;
    size_t es = type->size, total = 0;
    size_t *first = scratch(n, 2 * (size_t)sz * sizeof *first), *bytes = first + sz;
    if (!first)
        return;
    for (int i = 0; i < sz; i++) {
        first[i] = total;
        total += counts[i];
    }
    char *acc = scratch(n, total * es);
    if (!acc)
        return;
    if (ipc__op_commutative(op) && sz > 1 && total * es >= IPC__ALLREDUCE_RING_MIN) {
        /* Ring whose last step leaves block me here. */
        size_t most = 0;
        for (int i = 0; i < sz; i++)
            most = counts[i] > most ? counts[i] : most;
        void *tmp = scratch(n, most * es);
        if (!tmp)
            return;
        ipc__nbc_copy(n, acc, in, total * es);
        ring_reduce_scatter(n, acc, tmp, first, counts, -1, type, op, comm);
        ipc__nbc_copy(n, rbuf, acc + first[me] * es, counts[me] * es);
        return;
    }
    /* Reduce to rank 0, which scatters the blocks. */
    ipc__nbc_a_reduce(n, in, acc, total, type, op, 0, comm);
    for (int i = 0; i < sz; i++) {
        bytes[i] = counts[i] * es;
        first[i] *= es;
    }
    ipc__nbc_a_scatterv(n, acc, bytes, first, rbuf, bytes[me], 0, comm);
}

/* This rank's own block: sbytes from sbuf into a block of cap bytes. */
static void own_block(struct ipc__nbc *n, void *dst, size_t cap, const void *src,
                      size_t sbytes)
{
    if (sbytes > cap)
        ipc__nbc_fail(n, IPC_ERR_TRUNCATE);
    else
        ipc__nbc_copy(n, dst, src, sbytes);
}

void ipc__nbc_a_gatherv(struct ipc__nbc *n, const void *sbuf, size_t sbytes, void *rbuf,
                        const size_t bytes[], const size_t displ[], int root,
                        ipc_comm comm)
{
    int sz = comm->size, me = comm->rank;
    if (me != root) {
        ipc__nbc_send(n, comm, sbuf, sbytes, root);
    } else {
        own_block(n, at(rbuf, displ[me]), bytes[me], sbuf, sbytes);
        for (int i = 1; i < sz; i++) {
            int p = (me + i) % sz;
            ipc__nbc_recv(n, comm, at(rbuf, displ[p]), bytes[p], p);
        }
    }
    ipc__nbc_round(n);
}

void ipc__nbc_a_scatterv(struct ipc__nbc *n, const void *sbuf, const size_t bytes[],
                         const size_t displ[], void *rbuf, size_t rbytes, int root,
                         ipc_comm comm)
{
    int sz = comm->size, me = comm->rank;
    if (me != root) {
        ipc__nbc_recv(n, comm, rbuf, rbytes, root);
    } else {
        own_block(n, rbuf, rbytes, at(sbuf, displ[me]), bytes[me]);
        for (int i = 1; i < sz; i++) {
            int p = (me + i) % sz;
            ipc__nbc_send(n, comm, at(sbuf, displ[p]), bytes[p], p);
        }
    }
    ipc__nbc_round(n);
}

void ipc__nbc_a_allgatherv(struct ipc__nbc *n, const void *sbuf, size_t sbytes,
                           void *rbuf, const size_t bytes[], const size_t displ[],
                           ipc_comm comm)
{
    int sz = comm->size, me = comm->rank;
    size_t total = 0;
    for (int i = 0; i < sz; i++)
        total += bytes[i];
    own_block(n, at(rbuf, displ[me]), bytes[me], sbuf, sbytes);
    if (total < IPC__ALLGATHER_RING_MIN || sz <= 2) {
        /* Every block to every rank at once. */
        for (int i = 1; i < sz; i++) {
            int from = (me - i + sz) % sz, to = (me + i) % sz;
            ipc__nbc_recv(n, comm, at(rbuf, displ[from]), bytes[from], from);
            ipc__nbc_send(n, comm, at(rbuf, displ[me]), bytes[me], to);
        }
        ipc__nbc_round(n);
        return;
    }
    /* Ring: pass on what came from the left. */
    for (int s = 0; s < sz - 1; s++) {
        int sb = ipc__coll_mod(me - s, sz), rb = ipc__coll_mod(me - s - 1, sz);
        ipc__nbc_send(n, comm, at(rbuf, displ[sb]), bytes[sb], (me + 1) % sz);
        ipc__nbc_recv(n, comm, at(rbuf, displ[rb]), bytes[rb], (me - 1 + sz) % sz);
        ipc__nbc_round(n);
    }
}

void ipc__nbc_a_alltoallv(struct ipc__nbc *n, const void *sbuf, const size_t sbytes[],
                          const size_t sdispl[], void *rbuf, const size_t rbytes[],
                          const size_t rdispl[], ipc_comm comm)
{
    int sz = comm->size, me = comm->rank;
    bool pairwise = false;
    if (sbuf == rbuf) { /* in place: send from a copy taken at the start */
        size_t end = 0;
        for (int i = 0; i < sz; i++)
            end = rdispl[i] + rbytes[i] > end ? rdispl[i] + rbytes[i] : end;
        void *copy = scratch(n, end);
        if (!copy)
            return;
        ipc__nbc_copy(n, copy, rbuf, end);
        sbuf = copy;
    }
    for (int i = 0; i < sz; i++)
        pairwise |= sbytes[i] >= IPC__ALLTOALL_PAIRWISE_MIN;
    own_block(n, at(rbuf, rdispl[me]), rbytes[me], at(sbuf, sdispl[me]), sbytes[me]);
    /* Small blocks all at once; large ones one partner per round, which
     * bounds the copies in flight. */
    for (int i = 1; i < sz; i++) {
        int from = (me - i + sz) % sz, to = (me + i) % sz;
        ipc__nbc_recv(n, comm, at(rbuf, rdispl[from]), rbytes[from], from);
        ipc__nbc_send(n, comm, at(sbuf, sdispl[to]), sbytes[to], to);
        if (pairwise)
            ipc__nbc_round(n);
    }
    ipc__nbc_round(n);
}
