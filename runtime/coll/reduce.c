/*
 * reduce.c - ipc_reduce, ipc_allreduce, ipc_reduce_scatter_block.
 *
 * Order of the operations (what makes results bit-identical everywhere):
 * every combination of two partial results takes the one covering lower
 * ranks as `in` (ipc__op_apply), and which partials meet depends only on the
 * rank count, the root and the message size, never on timing. A result that
 * several ranks need is either computed identically by each (recursive
 * doubling: both partners combine the same two partials the same way) or
 * computed once and copied (ring, trees). docs/collectives.md spells out the
 * order of each algorithm.
 */
#include <stdint.h>
#include <string.h>

#include "coll.h"

static int rank_of(int v, int base, int n)
{
    return (v + base) % n;
}

int ipc__coll_reduce_tree(const void *in, void *rbuf, size_t count, ipc_datatype type,
                          ipc_op op, int root, int tag, ipc_comm comm)
{
    int n = comm->size, rc = IPC_SUCCESS;
    size_t bytes = count * type->size;
    /* A commutative op may take the ranks in any fixed order, so the tree
     * hangs from the root; otherwise it hangs from rank 0, whose subtrees are
     * runs of consecutive ranks, and rank 0 hands the result to the root. */
    int base = ipc__op_commutative(op) ? root : 0;
    int v = ipc__coll_mod(comm->rank - base, n);
    struct ipc__scratch s[2];
    void *buf[2] = {ipc__scratch_get(&s[0], bytes), ipc__scratch_get(&s[1], bytes)};
    const void *cur = in;
    int next = 0;
    if (!buf[0] || !buf[1]) {
        rc = IPC_ERR_NOMEM;
        goto out;
    }
    for (int mask = 1; mask < n; mask <<= 1) {
        if (v & mask) {
            rc = ipc__coll_send(cur, bytes, rank_of(v - mask, base, n), tag, comm);
            break;
        }
        if (v + mask >= n)
            continue;
        /* The child's partial covers the ranks just after ours. */
        rc = ipc__coll_recv(buf[next], bytes, rank_of(v + mask, base, n), tag, comm);
        if (rc != IPC_SUCCESS)
            break;
        ipc__op_apply(op, type, cur, buf[next], count);
        cur = buf[next];
        next ^= 1;
    }
    if (rc != IPC_SUCCESS)
        goto out;
    if (base == root) {
        if (comm->rank == root)
            ipc__coll_copy(rbuf, cur, bytes);
    } else if (v == 0) {
        rc = ipc__coll_send(cur, bytes, root, tag, comm);
    } else if (comm->rank == root) {
        rc = ipc__coll_recv(rbuf, bytes, base, tag, comm);
    }
out:
    ipc__scratch_put(&s[0]);
    ipc__scratch_put(&s[1]);
    return rc;
}

int ipc__coll_ring_reduce_scatter(const void *in, void *buf, size_t count, ipc_datatype type,
                                  ipc_op op, int tag, ipc_comm comm)
{
    int n = comm->size, r = comm->rank, rc = IPC_SUCCESS;
    size_t size = type->size, first;
    const char *mine = in;
    char *base = buf, *tmp = NULL;
    struct ipc__scratch s;
    /* In place, what comes from the left needs a place of its own. */
    bool apart = in != buf;
    if (!apart && !(tmp = ipc__scratch_get(&s, ipc__coll_block(count, n, 0, &first) * size)))
        return IPC_ERR_NOMEM;
    /* Step k: pass the partial of block r - k - 1 right (our own input in the
     * first step), add our part of block r - k - 2 to what comes from the
     * left. Block b is summed from rank b + 1 round to rank b, which ends up
     * with it. */
    for (int k = 0; k < n - 1 && rc == IPC_SUCCESS; k++) {
        size_t sfirst, rfirst;
        size_t scount = ipc__coll_block(count, n, ipc__coll_mod(r - k - 1, n), &sfirst);
        size_t rcount = ipc__coll_block(count, n, ipc__coll_mod(r - k - 2, n), &rfirst);
        const char *from = (k == 0 ? mine : base) + sfirst * size;
        char *to = apart ? base + rfirst * size : tmp;
        /* Our input is not in our cache; a partial we just summed is. */
        rc = (k == 0 ? ipc__coll_sendrecv_busy : ipc__coll_sendrecv)(
            from, scount * size, (r + 1) % n, to, rcount * size, (r - 1 + n) % n, tag, comm);
        if (rc != IPC_SUCCESS)
            break;
        /* Our part is `in`, the partial `inout` (the op commutes), so that
         * the partial can land straight in buf. */
        ipc__op_apply(op, type, mine + rfirst * size, to, rcount);
        if (!apart)
            ipc__coll_copy(base + rfirst * size, tmp, rcount * size);
    }
    if (!apart)
        ipc__scratch_put(&s);
    return rc;
}

/* Recursive halving, for a commutative op and a power-of-two number of
 * ranks: in log2(n) steps each rank keeps half of the blocks it still
 * holds, sends the other half to its partner and adds the partner's copy
 * of its half to its own, ending with the sum of its block. in and buf hold
 * n blocks of count elements (buf may be in); block `rank` of buf gets the
 * result, the others are scratch. */
static int halving_reduce_scatter(const void *in, void *buf, size_t count,
                                  ipc_datatype type, ipc_op op, int tag, ipc_comm comm)
{
    int n = comm->size, r = comm->rank, rc = IPC_SUCCESS;
    size_t block = count * type->size;
    char *base = buf;
    const char *from = in;
    struct ipc__scratch s;
    char *tmp = ipc__scratch_get(&s, (size_t)(n / 2) * block);
    if (!tmp)
        return IPC_ERR_NOMEM;
    for (int half = n / 2, lo = 0; half >= 1; half /= 2) {
        int partner = r ^ half;
        int keep = r & half ? lo + half : lo, give = r & half ? lo : lo + half;
        size_t bytes = (size_t)half * block;
        /* Our input is not in our cache; the partials we just summed are. */
        rc = (half == n / 2 ? ipc__coll_sendrecv_busy : ipc__coll_sendrecv)(
            from + (size_t)give * block, bytes, partner, tmp, bytes, partner, tag, comm);
        if (rc != IPC_SUCCESS)
            break;
        if (from != base)
            ipc__coll_copy(base + (size_t)keep * block, from + (size_t)keep * block, bytes);
        ipc__op_apply(op, type, tmp, base + (size_t)keep * block, (size_t)half * count);
        from = base;
        lo = keep;
    }
    ipc__scratch_put(&s);
    return rc;
}

/* Ring allgather of the blocks (ipc__coll_block) of buf: rank b brings block b. */
static int ring_allgather_blocks(void *buf, size_t count, ipc_datatype type, int tag,
                                 ipc_comm comm)
{
    int n = comm->size, r = comm->rank;
    size_t size = type->size;
    char *base = buf;
    for (int k = 0; k < n - 1; k++) {
        size_t sfirst, rfirst;
        size_t scount = ipc__coll_block(count, n, ipc__coll_mod(r - k, n), &sfirst);
        size_t rcount = ipc__coll_block(count, n, ipc__coll_mod(r - k - 1, n), &rfirst);
        int rc = ipc__coll_sendrecv(base + sfirst * size, scount * size, (r + 1) % n,
                                    base + rfirst * size, rcount * size, (r - 1 + n) % n, tag,
                                    comm);
        if (rc != IPC_SUCCESS)
            return rc;
    }
    return IPC_SUCCESS;
}

/* The rank that stands for new rank q after the fold of recursive doubling. */
static int unfolded(int q, int rem)
{
    return q < rem ? 2 * q + 1 : q + rem;
}

/*
 * Recursive doubling on acc (this rank's input, replaced by the result).
 * With N not a power of two, the first 2*rem ranks fold in pairs first (even
 * into odd) and get the result back at the end. Partners combine the same two
 * partials the same way, so every rank ends with the same bits.
 */
static int recursive_doubling(void *rbuf, size_t count, ipc_datatype type, ipc_op op,
                              ipc_comm comm)
{
    int n = comm->size, r = comm->rank, rc = IPC_SUCCESS, pof2 = 1;
    size_t bytes = count * type->size;
    while (pof2 * 2 <= n)
        pof2 *= 2;
    int rem = n - pof2, q = r - rem;
    struct ipc__scratch s;
    void *acc = rbuf, *spare = ipc__scratch_get(&s, bytes);
    if (!spare)
        return IPC_ERR_NOMEM;
    if (r < 2 * rem) {
        q = r % 2 ? r / 2 : -1;
        if (q < 0)
            rc = ipc__coll_send(acc, bytes, r + 1, IPC__TAG_ALLREDUCE, comm);
        else if ((rc = ipc__coll_recv(spare, bytes, r - 1, IPC__TAG_ALLREDUCE, comm)) ==
                 IPC_SUCCESS)
            ipc__op_apply(op, type, spare, acc, count);
    }
    for (int mask = 1; q >= 0 && mask < pof2 && rc == IPC_SUCCESS; mask <<= 1) {
        int p = unfolded(q ^ mask, rem);
        rc = ipc__coll_sendrecv(acc, bytes, p, spare, bytes, p, IPC__TAG_ALLREDUCE, comm);
        if (rc != IPC_SUCCESS)
            break;
        if (p < r) {
            ipc__op_apply(op, type, spare, acc, count);
        } else {
            ipc__op_apply(op, type, acc, spare, count);
            void *t = acc;
            acc = spare;
            spare = t;
        }
    }
    if (rc == IPC_SUCCESS && r < 2 * rem)
        rc = q < 0 ? ipc__coll_recv(rbuf, bytes, r + 1, IPC__TAG_ALLREDUCE, comm)
                   : ipc__coll_send(acc, bytes, r - 1, IPC__TAG_ALLREDUCE, comm);
    if (rc == IPC_SUCCESS && q >= 0)
        ipc__coll_copy(rbuf, acc, bytes);
    ipc__scratch_put(&s);
    return rc;
}

/* Checks shared by the reductions; *in is where this rank's input is. */
int ipc__coll_check_reduction(const void *sbuf, const void **in, size_t in_count, void *rbuf,
                           size_t rcount, bool need_rbuf, ipc_datatype type, ipc_op op,
                           ipc_comm comm, size_t *rbytes)
{
    size_t ibytes;
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS || (rc = ipc__op_check(op, type)) != IPC_SUCCESS)
        return rc;
    *rbytes = 0;
    if (need_rbuf && (rc = ipc__coll_bytes(rbuf, rcount, type, rbytes)) != IPC_SUCCESS)
        return rc;
    *in = sbuf == IPC_IN_PLACE ? rbuf : sbuf;
    if (sbuf == IPC_IN_PLACE && !need_rbuf)
        return IPC_ERR_BUFFER;
    return ipc__coll_bytes(*in, in_count, type, &ibytes);
}

int ipc__c_reduce(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
               int root, ipc_comm comm)
{
    const void *in;
    size_t bytes;
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS || (rc = ipc__coll_check_root(comm, root)) != IPC_SUCCESS)
        return rc;
    bool is_root = comm->rank == root;
    rc = ipc__coll_check_reduction(sbuf, &in, count, rbuf, count, is_root, type, op, comm, &bytes);
    if (rc != IPC_SUCCESS || count == 0 || type->size == 0)
        return rc;
    bytes = count * type->size;
    int n = comm->size;
    if (n == 1) {
        ipc__coll_copy(rbuf, in, bytes);
        return IPC_SUCCESS;
    }
    if (!ipc__op_commutative(op) || bytes < IPC__REDUCE_RING_MIN || count < (size_t)n)
        return ipc__coll_reduce_tree(in, rbuf, count, type, op, root, IPC__TAG_REDUCE, comm);

    /* Ring reduce-scatter, then every rank sends its block to the root, which
     * works in rbuf so that the blocks land in place. */
    struct ipc__scratch s;
    char *work = is_root ? rbuf : ipc__scratch_get(&s, bytes);
    if (!is_root && !work)
        return IPC_ERR_NOMEM;
    rc = ipc__coll_ring_reduce_scatter(in, work, count, type, op, IPC__TAG_REDUCE, comm);
    size_t first, k = ipc__coll_block(count, n, comm->rank, &first);
    if (rc == IPC_SUCCESS && !is_root)
        rc = ipc__coll_send(work + first * type->size, k * type->size, root, IPC__TAG_REDUCE,
                            comm);
    for (int i = 0; rc == IPC_SUCCESS && is_root && i < n; i++) {
        if (i == root)
            continue;
        k = ipc__coll_block(count, n, i, &first);
        rc = ipc__coll_recv(work + first * type->size, k * type->size, i, IPC__TAG_REDUCE,
                            comm);
    }
    if (!is_root)
        ipc__scratch_put(&s);
    return rc;
}

int ipc__c_allreduce(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
                  ipc_comm comm)
{
    const void *in;
    size_t bytes;
    int rc = ipc__coll_check_reduction(sbuf, &in, count, rbuf, count, true, type, op, comm, &bytes);
    if (rc != IPC_SUCCESS || bytes == 0)
        return rc;
    int n = comm->size;
    /* Long ones of the whole job on one host whose ranks all read each
     * other's memory: each folds a block reading the inputs in place
     * (node.c); 3 ranks or more, as the ring. */
    if (n > 2 && ipc__op_commutative(op) && bytes >= IPC__ALLREDUCE_DIRECT_MIN &&
        count >= (size_t)n && ipc__coll_direct(comm))
        return ipc__node_allreduce_direct(ipc__g.node, in, rbuf, count, type, op);
    if (n > 1 && ipc__op_commutative(op) && bytes >= IPC__ALLREDUCE_RING_MIN &&
        count >= (size_t)n) {
        rc = ipc__coll_ring_reduce_scatter(in, rbuf, count, type, op, IPC__TAG_ALLREDUCE,
                                           comm);
        return rc != IPC_SUCCESS
                   ? rc
                   : ring_allgather_blocks(rbuf, count, type, IPC__TAG_ALLREDUCE, comm);
    }
    ipc__coll_copy(rbuf, in, bytes);
    if (n == 1)
        return IPC_SUCCESS;
    /* Small reductions of the whole job on one host go through the shared
     * segment: every rank folds every input itself (node.c, docs/shm.md). */
    if (comm == IPC_COMM_WORLD && ipc__node_fits(ipc__g.node, bytes)) {
        ipc__node_allreduce(ipc__g.node, rbuf, count, type, op);
        return IPC_SUCCESS;
    }
    return recursive_doubling(rbuf, count, type, op, comm);
}

int ipc__c_reduce_scatter_block(const void *sbuf, void *rbuf, size_t count, ipc_datatype type,
                             ipc_op op, ipc_comm comm)
{
    const void *in;
    size_t bytes;
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    int n = comm->size;
    if (type && type->size && count > SIZE_MAX / 2 / type->size / (size_t)n)
        return IPC_ERR_COUNT;
    /* In place, rbuf holds all n * count inputs. */
    size_t rcount = sbuf == IPC_IN_PLACE ? count * (size_t)n : count;
    rc = ipc__coll_check_reduction(sbuf, &in, count * (size_t)n, rbuf, rcount, true, type, op, comm,
                         &bytes);
    if (rc != IPC_SUCCESS || count == 0 || type->size == 0)
        return rc;
    size_t block = count * type->size, total = block * (size_t)n;
    /* The whole job on one host, a short vector: through the shared segment,
     * each rank folding its own block in rank order (node.c). */
    if (n > 1 && comm == IPC_COMM_WORLD && ipc__node_fits(ipc__g.node, total)) {
        ipc__node_reduce_scatter(ipc__g.node, in, rbuf, count, type, op);
        return IPC_SUCCESS;
    }
    bool commutative = ipc__op_commutative(op);
    /* Short blocks among a power of two of ranks: recursive halving. */
    bool halving = commutative && n > 2 && !(n & (n - 1)) &&
                   block < IPC__REDUCE_SCATTER_HALVING_MAX;
    /* Long ones of the whole job on one host whose ranks all read each
     * other's memory, or any beyond the segment's slots among many ranks
     * (halving aside): each folds its block reading the inputs in place
     * (node.c); 3 ranks or more, as allreduce. */
    if (n > 2 && commutative &&
        (block >= IPC__REDUCE_SCATTER_DIRECT_MIN ||
         (n >= IPC__REDUCE_SCATTER_DIRECT_RANKS && !halving)) &&
        ipc__coll_direct(comm))
        return ipc__node_reduce_scatter_direct(ipc__g.node, in, rbuf, count, type, op);
    /* The whole vector is worked on everywhere, or only at rank 0. */
    bool need_work = sbuf != IPC_IN_PLACE && (commutative || comm->rank == 0);
    struct ipc__scratch s;
    char *work = need_work ? ipc__scratch_get(&s, total) : rbuf;
    if (!work)
        return IPC_ERR_NOMEM;
    if (commutative) {
        if (halving)
            rc = halving_reduce_scatter(in, work, count, type, op, IPC__TAG_REDUCE_SCATTER,
                                        comm);
        else if (n > 1)
            rc = ipc__coll_ring_reduce_scatter(in, work, count * (size_t)n, type, op,
                                               IPC__TAG_REDUCE_SCATTER, comm);
        else
            ipc__coll_copy(work, in, total);
        if (rc == IPC_SUCCESS && (char *)rbuf != work + comm->rank * block)
            memmove(rbuf, work + comm->rank * block, block);
    } else {
        /* Order first: reduce in rank order to rank 0, which scatters. */
        rc = ipc__coll_reduce_tree(in, work, count * (size_t)n, type, op, 0,
                                   IPC__TAG_REDUCE_SCATTER, comm);
        if (rc == IPC_SUCCESS)
            rc = ipc__coll_scatter_bytes(work, rbuf, block, 0, comm);
    }
    if (need_work)
        ipc__scratch_put(&s);
    return rc;
}
