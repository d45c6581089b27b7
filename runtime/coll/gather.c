/*
 * gather.c - ipc_gather, ipc_gatherv, ipc_scatter, ipc_scatterv.
 *
 * gather and scatter: a binomial tree over ranks relative to the root while
 * blocks are short (IPC__GATHER_LINEAR_MIN): ceil(log2 N) steps, inner ranks
 * forwarding their subtree's blocks in one message. Longer, the root talks to
 * every rank directly, so that no byte is copied on the way.
 * The v variants always go direct: their blocks have no common size to
 * bundle.
 */
#include <stdint.h>
#include <stdlib.h>

#include "coll.h"

/* A block for the root of a gather. With ranks sharing cores, eager blocks
 * let the senders run ahead of the root and the scheduler then takes turns
 * slowly (64 KiB blocks on 8 ranks: 490-640 us a gather, more than 1 MiB
 * blocks); by rendezvous each waits for the root (74-142 us). With a core
 * each, eager is faster (2 ranks: 3.7 against 6.3 us). */
static int send_to_root(const void *buf, size_t bytes, int root, int tag, ipc_comm comm)
{
    bool sync = bytes >= IPC__GATHER_SYNC_MIN && ipc__g.job.tun.oversubscribed;
    return (sync ? ipc__coll_send_sync : ipc__coll_send)(buf, bytes, root, tag, comm);
}

/* Ranks in the subtree of relative rank v (itself included). */
static int subtree(int v, int n)
{
    if (v == 0)
        return n;
    int low = v & -v;
    return low < n - v ? low : n - v;
}

static int parent_rank(int v, int root, int n)
{
    return (v - (v & -v) + root) % n;
}

static int gather_tree(const void *in, char *rbuf, size_t block, int root, ipc_comm comm)
{
    int n = comm->size, v = ipc__coll_mod(comm->rank - root, n), sub = subtree(v, n);
    if (sub == 1)
        return ipc__coll_send(in, block, parent_rank(v, root, n), IPC__TAG_GATHER, comm);
    /* Rooted at 0, relative order is rank order: gather straight into rbuf. */
    bool direct = v == 0 && root == 0;
    struct ipc__scratch s;
    char *buf = direct ? rbuf : ipc__scratch_get(&s, (size_t)sub * block);
    if (!buf)
        return IPC_ERR_NOMEM;
    ipc__coll_copy(buf, in, block);
    struct ipc__req *r[32] = {NULL};
    int nr = 0, rc = IPC_SUCCESS;
    for (int mask = 1; mask < sub && rc == IPC_SUCCESS; mask <<= 1) {
        int k = mask < n - v - mask ? mask : n - v - mask;
        rc = ipc__coll_irecv(buf + (size_t)mask * block, (size_t)k * block,
                             (v + mask + root) % n, IPC__TAG_GATHER, comm, &r[nr++]);
    }
    int wrc = ipc__coll_waitall(r, nr);
    rc = rc != IPC_SUCCESS ? rc : wrc;
    if (rc == IPC_SUCCESS && v)
        rc = ipc__coll_send(buf, (size_t)sub * block, parent_rank(v, root, n),
                            IPC__TAG_GATHER, comm);
    if (rc == IPC_SUCCESS && v == 0 && !direct) {
        /* Relative block i belongs to rank (i + root) % n. */
        size_t head = (size_t)(n - root) * block;
        ipc__coll_copy(rbuf + (size_t)root * block, buf, head);
        ipc__coll_copy(rbuf, buf + head, (size_t)root * block);
    }
    if (!direct)
        ipc__scratch_put(&s);
    return rc;
}

static int gather_linear(const void *in, char *rbuf, size_t block, int root, ipc_comm comm)
{
    int n = comm->size;
    if (comm->rank != root)
        return send_to_root(in, block, root, IPC__TAG_GATHER, comm);
    struct ipc__req **r = calloc((size_t)n, sizeof *r);
    if (!r)
        return IPC_ERR_NOMEM;
    int rc = IPC_SUCCESS;
    for (int i = 0; i < n && rc == IPC_SUCCESS; i++)
        if (i != root)
            rc = ipc__coll_irecv(rbuf + (size_t)i * block, block, i, IPC__TAG_GATHER, comm,
                                 &r[i]);
    ipc__coll_copy(rbuf + (size_t)root * block, in, block);
    int wrc = ipc__coll_waitall(r, n);
    free(r);
    return rc != IPC_SUCCESS ? rc : wrc;
}

int ipc__coll_check_rooted(const void *own, size_t own_count, ipc_datatype own_type,
                           const void *all, size_t all_count, ipc_datatype all_type, int root,
                           ipc_comm comm, size_t *block)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS || (rc = ipc__coll_check_root(comm, root)) != IPC_SUCCESS)
        return rc;
    bool is_root = comm->rank == root, in_place = own == IPC_IN_PLACE;
    size_t own_bytes = 0;
    *block = 0;
    if (in_place && !is_root)
        return IPC_ERR_BUFFER;
    if (!in_place && (rc = ipc__coll_bytes(own, own_count, own_type, &own_bytes)) != IPC_SUCCESS)
        return rc;
    if (is_root &&
        (rc = ipc__coll_bytes_n(all, all_count, all_type, comm->size, block)) != IPC_SUCCESS)
        return rc;
    if (!is_root)
        *block = own_bytes;
    else if (!in_place && own_bytes != *block)
        return IPC_ERR_COUNT;
    return IPC_SUCCESS;
}

int ipc__c_gather(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
               size_t rcount, ipc_datatype rtype, int root, ipc_comm comm)
{
    size_t block;
    int rc = ipc__coll_check_rooted(sbuf, scount, stype, rbuf, rcount, rtype, root, comm,
                                    &block);
    if (rc != IPC_SUCCESS)
        return rc;
    int n = comm->size;
    bool in_place = sbuf == IPC_IN_PLACE;
    if (block == 0)
        return IPC_SUCCESS;
    const void *in = in_place ? (char *)rbuf + (size_t)root * block : sbuf;
    if (n == 1) {
        ipc__coll_copy(rbuf, in, block);
        return IPC_SUCCESS;
    }
    if (block < IPC__GATHER_LINEAR_MIN)
        return gather_tree(in, rbuf, block, root, comm);
    return gather_linear(in, rbuf, block, root, comm);
}

/* ---- scatter ---- */

static int scatter_tree(const char *sbuf, char *rbuf, size_t block, int root, ipc_comm comm)
{
    int n = comm->size, v = ipc__coll_mod(comm->rank - root, n), sub = subtree(v, n);
    if (sub == 1)
        return ipc__coll_recv(rbuf, block, parent_rank(v, root, n), IPC__TAG_SCATTER, comm);
    struct ipc__scratch s;
    const char *buf = sbuf;
    char *tmp = NULL;
    int rc = IPC_SUCCESS;
    if (v != 0 || root != 0) {
        if (!(tmp = ipc__scratch_get(&s, (size_t)sub * block)))
            return IPC_ERR_NOMEM;
        buf = tmp;
    }
    if (v != 0) {
        rc = ipc__coll_recv(tmp, (size_t)sub * block, parent_rank(v, root, n),
                            IPC__TAG_SCATTER, comm);
    } else if (root != 0) { /* relative order: rank root's block first */
        size_t head = (size_t)(n - root) * block;
        ipc__coll_copy(tmp, sbuf + (size_t)root * block, head);
        ipc__coll_copy(tmp + head, sbuf, (size_t)root * block);
    }
    struct ipc__req *r[32] = {NULL};
    int nr = 0, mask = 1;
    while (mask * 2 < sub)
        mask *= 2;
    for (; mask > 0 && rc == IPC_SUCCESS; mask >>= 1) {
        int k = mask < n - v - mask ? mask : n - v - mask;
        rc = ipc__coll_isend(buf + (size_t)mask * block, (size_t)k * block,
                             (v + mask + root) % n, IPC__TAG_SCATTER, comm, &r[nr++]);
    }
    if (rbuf)
        ipc__coll_copy(rbuf, buf, block);
    int wrc = ipc__coll_waitall(r, nr);
    if (tmp)
        ipc__scratch_put(&s);
    return rc != IPC_SUCCESS ? rc : wrc;
}

static int scatter_linear(const char *sbuf, char *rbuf, size_t block, int root,
                          ipc_comm comm)
{
    int n = comm->size;
    if (comm->rank != root)
        return ipc__coll_recv(rbuf, block, root, IPC__TAG_SCATTER, comm);
    struct ipc__req **r = calloc((size_t)n, sizeof *r);
    if (!r)
        return IPC_ERR_NOMEM;
    int rc = IPC_SUCCESS;
    for (int i = 1; i < n && rc == IPC_SUCCESS; i++) {
        int dest = (root + i) % n;
        rc = ipc__coll_isend(sbuf + (size_t)dest * block, block, dest, IPC__TAG_SCATTER, comm,
                             &r[i]);
    }
    if (rbuf)
        ipc__coll_copy(rbuf, sbuf + (size_t)root * block, block);
    int wrc = ipc__coll_waitall(r, n);
    free(r);
    return rc != IPC_SUCCESS ? rc : wrc;
}

int ipc__coll_scatter_bytes(const void *sbuf, void *rbuf, size_t block, int root,
                            ipc_comm comm)
{
    int n = comm->size;
    if (n == 1) {
        if (rbuf)
            ipc__coll_copy(rbuf, sbuf, block);
        return IPC_SUCCESS;
    }
    if (block < IPC__GATHER_LINEAR_MIN)
        return scatter_tree(sbuf, rbuf, block, root, comm);
    return scatter_linear(sbuf, rbuf, block, root, comm);
}

int ipc__c_scatter(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                size_t rcount, ipc_datatype rtype, int root, ipc_comm comm)
{
    size_t block;
    int rc = ipc__coll_check_rooted(rbuf, rcount, rtype, sbuf, scount, stype, root, comm,
                                    &block);
    if (rc != IPC_SUCCESS)
        return rc;
    bool in_place = rbuf == IPC_IN_PLACE;
    if (block == 0)
        return IPC_SUCCESS;
    return ipc__coll_scatter_bytes(sbuf, in_place ? NULL : rbuf, block, root, comm);
}

/* ---- the v variants ---- */

int ipc__coll_check_rooted_v(const void *own, size_t own_count, ipc_datatype own_type,
                             const void *all, const size_t counts[], const size_t displs[],
                             ipc_datatype all_type, int root, ipc_comm comm, size_t *own_bytes)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS || (rc = ipc__coll_check_root(comm, root)) != IPC_SUCCESS)
        return rc;
    bool is_root = comm->rank == root, in_place = own == IPC_IN_PLACE;
    *own_bytes = 0;
    if (in_place && !is_root)
        return IPC_ERR_BUFFER;
    if (!in_place && (rc = ipc__coll_bytes(own, own_count, own_type, own_bytes)) != IPC_SUCCESS)
        return rc;
    if (!is_root)
        return IPC_SUCCESS;
    if ((rc = ipc__coll_check_v(all, counts, displs, all_type, comm->size)) != IPC_SUCCESS)
        return rc;
    if (in_place)
        *own_bytes = counts[root] * all_type->size;
    else if (*own_bytes != counts[root] * all_type->size)
        return IPC_ERR_COUNT;
    return IPC_SUCCESS;
}

int ipc__c_gatherv(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                const size_t rcounts[], const size_t displs[], ipc_datatype rtype, int root,
                ipc_comm comm)
{
    size_t sbytes;
    int rc = ipc__coll_check_rooted_v(sbuf, scount, stype, rbuf, rcounts, displs, rtype, root,
                                      comm, &sbytes);
    if (rc != IPC_SUCCESS)
        return rc;
    int n = comm->size;
    bool in_place = sbuf == IPC_IN_PLACE;
    if (comm->rank != root)
        return sbytes ? send_to_root(sbuf, sbytes, root, IPC__TAG_GATHERV, comm)
                      : IPC_SUCCESS;
    size_t size = rtype->size;
    struct ipc__req **r = calloc((size_t)n, sizeof *r);
    if (!r)
        return IPC_ERR_NOMEM;
    for (int i = 0; i < n && rc == IPC_SUCCESS; i++)
        if (i != root && rcounts[i] * size != 0)
            rc = ipc__coll_irecv((char *)rbuf + displs[i] * size, rcounts[i] * size, i,
                                 IPC__TAG_GATHERV, comm, &r[i]);
    if (!in_place)
        ipc__coll_copy((char *)rbuf + displs[root] * size, sbuf, sbytes);
    int wrc = ipc__coll_waitall(r, n);
    free(r);
    return rc != IPC_SUCCESS ? rc : wrc;
}

int ipc__c_scatterv(const void *sbuf, const size_t scounts[], const size_t displs[],
                 ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, int root,
                 ipc_comm comm)
{
    size_t rbytes;
    int rc = ipc__coll_check_rooted_v(rbuf, rcount, rtype, sbuf, scounts, displs, stype, root,
                                      comm, &rbytes);
    if (rc != IPC_SUCCESS)
        return rc;
    int n = comm->size;
    bool in_place = rbuf == IPC_IN_PLACE;
    if (comm->rank != root)
        return rbytes ? ipc__coll_recv(rbuf, rbytes, root, IPC__TAG_SCATTERV, comm)
                      : IPC_SUCCESS;
    size_t size = stype->size;
    struct ipc__req **r = calloc((size_t)n, sizeof *r);
    if (!r)
        return IPC_ERR_NOMEM;
    for (int i = 1; i < n && rc == IPC_SUCCESS; i++) {
        int dest = (root + i) % n;
        if (scounts[dest] * size != 0)
            rc = ipc__coll_isend((const char *)sbuf + displs[dest] * size,
                                 scounts[dest] * size, dest, IPC__TAG_SCATTERV, comm, &r[i]);
    }
    if (!in_place)
        ipc__coll_copy(rbuf, (const char *)sbuf + displs[root] * size, rbytes);
    int wrc = ipc__coll_waitall(r, n);
    free(r);
    return rc != IPC_SUCCESS ? rc : wrc;
}
