/*
 * ientry.c - the nonblocking collectives' entries: ipc__nbc_c_* check the
 * arguments as the blocking twins do and append the schedule of icoll.c to
 * a schedule (the MPI layer's entries call them too, with packed bytes); the
 * public ipc_i* open a schedule, build it and start it before they return.
 * Counts become byte sizes here; the algorithms move bytes.
 */
#include "coll.h"

/* Checks comm and req and makes the schedule (after the other checks: each
 * member takes the next tag of comm). */
static int open_nbc(ipc_comm comm, ipc_request *req, struct ipc__nbc **n)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!req)
        return IPC_ERR_ARG;
    if (ipc__comm_is_inter(comm))
        return IPC_ERR_COMM;
    *n = ipc__nbc_new(comm);
    return *n ? IPC_SUCCESS : IPC_ERR_NOMEM;
}

/* Byte sizes and offsets of n blocks: counts[i] (or count, counts NULL) and
 * displs[i] (or i * count) elements of size bytes, in schedule memory. */
static size_t *blocks(struct ipc__nbc *n, int sz, const size_t counts[],
                      const size_t displs[], size_t count, size_t size)
{
    size_t *b = ipc__nbc_alloc(n, 2 * (size_t)sz * sizeof *b);
    for (int i = 0; b && i < sz; i++) {
        b[i] = (counts ? counts[i] : count) * size;
        b[sz + i] = (displs ? displs[i] : (size_t)i * count) * size;
    }
    return b;
}

/* Opens a schedule, builds it with `build` (an ipc__nbc_c_* call on n) and
 * starts it: the body of every public entry. */
#define NBC_ENTRY(comm, req, build)                                                      \
    do {                                                                                 \
        struct ipc__nbc *n;                                                              \
        int rc = open_nbc(comm, req, &n);                                                \
        if (rc != IPC_SUCCESS)                                                           \
            return rc;                                                                   \
        if ((rc = (build)) != IPC_SUCCESS) {                                             \
            ipc__nbc_abandon(n);                                                         \
            return rc;                                                                   \
        }                                                                                \
        return ipc__nbc_start_handle(n, req);                                            \
    } while (0)

int ipc__nbc_c_barrier(struct ipc__nbc *n, ipc_comm comm)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    ipc__nbc_a_barrier(n, comm);
    return IPC_SUCCESS;
}

int ipc__nbc_c_bcast(struct ipc__nbc *n, void *buf, size_t count, ipc_datatype type,
                     int root, ipc_comm comm)
{
    size_t bytes;
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS || (rc = ipc__coll_check_root(comm, root)) != IPC_SUCCESS ||
        (rc = ipc__coll_bytes(buf, count, type, &bytes)) != IPC_SUCCESS)
        return rc;
    if (bytes)
        ipc__nbc_a_bcast(n, buf, bytes, root, comm);
    return IPC_SUCCESS;
}

int ipc__nbc_c_reduce(struct ipc__nbc *n, const void *sbuf, void *rbuf, size_t count,
                      ipc_datatype type, ipc_op op, int root, ipc_comm comm)
{
    const void *in;
    size_t bytes;
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS || (rc = ipc__coll_check_root(comm, root)) != IPC_SUCCESS ||
        (rc = ipc__coll_check_reduction(sbuf, &in, count, rbuf, count, comm->rank == root,
                                        type, op, comm, &bytes)) != IPC_SUCCESS)
        return rc;
    if (count && type->size)
        ipc__nbc_a_reduce(n, in, rbuf, count, type, op, root, comm);
    return IPC_SUCCESS;
}

int ipc__nbc_c_allreduce(struct ipc__nbc *n, const void *sbuf, void *rbuf, size_t count,
                         ipc_datatype type, ipc_op op, ipc_comm comm)
{
    const void *in;
    size_t bytes;
    int rc = ipc__coll_check_reduction(sbuf, &in, count, rbuf, count, true, type, op,
                                       comm, &bytes);
    if (rc != IPC_SUCCESS)
        return rc;
    ipc__nbc_a_allreduce(n, in, rbuf, count, type, op, comm);
    return IPC_SUCCESS;
}

static int iscan_common(struct ipc__nbc *n, const void *sbuf, void *rbuf, size_t count,
                        ipc_datatype type, ipc_op op, bool inclusive, ipc_comm comm)
{
    const void *in;
    size_t bytes;
    int rc = ipc__coll_check_reduction(sbuf, &in, count, rbuf, count, true, type, op,
                                       comm, &bytes);
    if (rc != IPC_SUCCESS)
        return rc;
    ipc__nbc_a_scan(n, in, rbuf, count, type, op, inclusive, comm);
    return IPC_SUCCESS;
}

int ipc__nbc_c_scan(struct ipc__nbc *n, const void *sbuf, void *rbuf, size_t count,
                    ipc_datatype type, ipc_op op, ipc_comm comm)
{
    return iscan_common(n, sbuf, rbuf, count, type, op, true, comm);
}

int ipc__nbc_c_exscan(struct ipc__nbc *n, const void *sbuf, void *rbuf, size_t count,
                      ipc_datatype type, ipc_op op, ipc_comm comm)
{
    return iscan_common(n, sbuf, rbuf, count, type, op, false, comm);
}

int ipc__nbc_c_reduce_scatter_block(struct ipc__nbc *n, const void *sbuf, void *rbuf,
                                    size_t count, ipc_datatype type, ipc_op op,
                                    ipc_comm comm)
{
    const void *in;
    size_t bytes;
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    int sz = comm->size;
    if (type && type->size && count > SIZE_MAX / 2 / type->size / (size_t)sz)
        return IPC_ERR_COUNT;
    /* In place, rbuf holds all sz * count inputs. */
    size_t rcount = sbuf == IPC_IN_PLACE ? count * (size_t)sz : count;
    if ((rc = ipc__coll_check_reduction(sbuf, &in, count * (size_t)sz, rbuf, rcount, true,
                                        type, op, comm, &bytes)) != IPC_SUCCESS)
        return rc;
    size_t *counts = blocks(n, sz, NULL, NULL, count, 1);
    if (counts && count && type->size)
        ipc__nbc_a_reduce_scatter(n, in, rbuf, counts, type, op, comm);
    return IPC_SUCCESS;
}

int ipc__nbc_c_gather(struct ipc__nbc *n, const void *sbuf, size_t scount,
                      ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype,
                      int root, ipc_comm comm)
{
    size_t block;
    int rc = ipc__coll_check_rooted(sbuf, scount, stype, rbuf, rcount, rtype, root, comm,
                                    &block);
    if (rc != IPC_SUCCESS)
        return rc;
    int sz = comm->size;
    bool in_place = sbuf == IPC_IN_PLACE;
    size_t sbytes = block;
    const void *in = in_place ? (char *)rbuf + (size_t)root * block : sbuf;
    size_t *b = blocks(n, sz, NULL, NULL, block, 1);
    if (b)
        ipc__nbc_a_gatherv(n, in, sbytes, rbuf, b, b + sz, root, comm);
    return IPC_SUCCESS;
}

int ipc__nbc_c_gatherv(struct ipc__nbc *n, const void *sbuf, size_t scount,
                       ipc_datatype stype, void *rbuf, const size_t rcounts[],
                       const size_t displs[], ipc_datatype rtype, int root, ipc_comm comm)
{
    size_t sbytes;
    int rc = ipc__coll_check_rooted_v(sbuf, scount, stype, rbuf, rcounts, displs, rtype,
                                      root, comm, &sbytes);
    if (rc != IPC_SUCCESS)
        return rc;
    int sz = comm->size, me = comm->rank;
    bool is_root = me == root;
    size_t *b = is_root ? blocks(n, sz, rcounts, displs, 0, rtype->size)
                        : blocks(n, sz, NULL, NULL, 0, 1);
    if (b && sbuf == IPC_IN_PLACE)
        sbuf = (char *)rbuf + b[sz + me];
    if (b)
        ipc__nbc_a_gatherv(n, sbuf, sbytes, rbuf, b, b + sz, root, comm);
    return IPC_SUCCESS;
}

int ipc__nbc_c_scatter(struct ipc__nbc *n, const void *sbuf, size_t scount,
                       ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype,
                       int root, ipc_comm comm)
{
    size_t block;
    int rc = ipc__coll_check_rooted(rbuf, rcount, rtype, sbuf, scount, stype, root, comm,
                                    &block);
    if (rc != IPC_SUCCESS)
        return rc;
    int sz = comm->size;
    size_t *b = blocks(n, sz, NULL, NULL, block, 1);
    if (rbuf == IPC_IN_PLACE)
        rbuf = (char *)sbuf + (size_t)root * block;
    if (b)
        ipc__nbc_a_scatterv(n, sbuf, b, b + sz, rbuf, block, root, comm);
    return IPC_SUCCESS;
}

int ipc__nbc_c_scatterv(struct ipc__nbc *n, const void *sbuf, const size_t scounts[],
                        const size_t displs[], ipc_datatype stype, void *rbuf,
                        size_t rcount, ipc_datatype rtype, int root, ipc_comm comm)
{
    size_t rbytes;
    int rc = ipc__coll_check_rooted_v(rbuf, rcount, rtype, sbuf, scounts, displs, stype,
                                      root, comm, &rbytes);
    if (rc != IPC_SUCCESS)
        return rc;
    int sz = comm->size, me = comm->rank;
    bool is_root = me == root;
    size_t *b = is_root ? blocks(n, sz, scounts, displs, 0, stype->size)
                        : blocks(n, sz, NULL, NULL, 0, 1);
    if (b && rbuf == IPC_IN_PLACE)
        rbuf = (char *)sbuf + b[sz + me];
    if (b)
        ipc__nbc_a_scatterv(n, sbuf, b, b + sz, rbuf, rbytes, root, comm);
    return IPC_SUCCESS;
}

int ipc__nbc_c_allgather(struct ipc__nbc *n, const void *sbuf, size_t scount,
                         ipc_datatype stype, void *rbuf, size_t rcount,
                         ipc_datatype rtype, ipc_comm comm)
{
    size_t block;
    int rc =
        ipc__coll_check_all(sbuf, scount, stype, 1, rbuf, rcount, rtype, comm, &block);
    if (rc != IPC_SUCCESS)
        return rc;
    int sz = comm->size, me = comm->rank;
    size_t *b = blocks(n, sz, NULL, NULL, block, 1);
    if (sbuf == IPC_IN_PLACE)
        sbuf = (char *)rbuf + (size_t)me * block;
    if (b && block)
        ipc__nbc_a_allgatherv(n, sbuf, block, rbuf, b, b + sz, comm);
    return IPC_SUCCESS;
}

int ipc__nbc_c_allgatherv(struct ipc__nbc *n, const void *sbuf, size_t scount,
                          ipc_datatype stype, void *rbuf, const size_t rcounts[],
                          const size_t displs[], ipc_datatype rtype, ipc_comm comm)
{
    size_t sbytes = 0;
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    int sz = comm->size, me = comm->rank;
    if ((rc = ipc__coll_check_v(rbuf, rcounts, displs, rtype, sz)) != IPC_SUCCESS)
        return rc;
    bool in_place = sbuf == IPC_IN_PLACE;
    if (!in_place && (rc = ipc__coll_bytes(sbuf, scount, stype, &sbytes)) != IPC_SUCCESS)
        return rc;
    if (!in_place && sbytes != rcounts[me] * rtype->size)
        return IPC_ERR_COUNT;
    size_t *b = blocks(n, sz, rcounts, displs, 0, rtype->size);
    if (b && in_place) {
        sbuf = (char *)rbuf + b[sz + me];
        sbytes = b[me];
    }
    if (b)
        ipc__nbc_a_allgatherv(n, sbuf, sbytes, rbuf, b, b + sz, comm);
    return IPC_SUCCESS;
}

int ipc__nbc_c_alltoall(struct ipc__nbc *n, const void *sbuf, size_t scount,
                        ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype,
                        ipc_comm comm)
{
    size_t block;
    int rc = ipc__check_comm(comm);
    if (rc == IPC_SUCCESS)
        rc = ipc__coll_check_all(sbuf, scount, stype, comm->size, rbuf, rcount, rtype,
                                 comm, &block);
    if (rc != IPC_SUCCESS)
        return rc;
    int sz = comm->size;
    size_t *b = blocks(n, sz, NULL, NULL, block, 1);
    if (b && block)
        ipc__nbc_a_alltoallv(n, sbuf == IPC_IN_PLACE ? rbuf : sbuf, b, b + sz, rbuf, b,
                             b + sz, comm);
    return IPC_SUCCESS;
}

int ipc__nbc_c_alltoallv(struct ipc__nbc *n, const void *sbuf, const size_t scounts[],
                         const size_t sdispls[], ipc_datatype stype, void *rbuf,
                         const size_t rcounts[], const size_t rdispls[],
                         ipc_datatype rtype, ipc_comm comm)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    int sz = comm->size, me = comm->rank;
    bool in_place = sbuf == IPC_IN_PLACE;
    if ((rc = ipc__coll_check_v(rbuf, rcounts, rdispls, rtype, sz)) != IPC_SUCCESS ||
        (!in_place &&
         (rc = ipc__coll_check_v(sbuf, scounts, sdispls, stype, sz)) != IPC_SUCCESS))
        return rc;
    if (!in_place && scounts[me] * stype->size != rcounts[me] * rtype->size)
        return IPC_ERR_COUNT;
    size_t *rb = blocks(n, sz, rcounts, rdispls, 0, rtype->size);
    size_t *sb = in_place ? rb : blocks(n, sz, scounts, sdispls, 0, stype->size);
    if (rb && sb)
        ipc__nbc_a_alltoallv(n, in_place ? rbuf : sbuf, sb, sb + sz, rbuf, rb, rb + sz,
                             comm);
    return IPC_SUCCESS;
}

/* ---- the public entries ---- */

int ipc_ibarrier(ipc_comm comm, ipc_request *req)
{
    NBC_ENTRY(comm, req, ipc__nbc_c_barrier(n, comm));
}

int ipc_ibcast(void *buf, size_t count, ipc_datatype type, int root, ipc_comm comm,
               ipc_request *req)
{
    NBC_ENTRY(comm, req, ipc__nbc_c_bcast(n, buf, count, type, root, comm));
}

int ipc_ireduce(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
                int root, ipc_comm comm, ipc_request *req)
{
    NBC_ENTRY(comm, req, ipc__nbc_c_reduce(n, sbuf, rbuf, count, type, op, root, comm));
}

int ipc_iallreduce(const void *sbuf, void *rbuf, size_t count, ipc_datatype type,
                   ipc_op op, ipc_comm comm, ipc_request *req)
{
    NBC_ENTRY(comm, req, ipc__nbc_c_allreduce(n, sbuf, rbuf, count, type, op, comm));
}

int ipc_iscan(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
              ipc_comm comm, ipc_request *req)
{
    NBC_ENTRY(comm, req, ipc__nbc_c_scan(n, sbuf, rbuf, count, type, op, comm));
}

int ipc_iexscan(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op,
                ipc_comm comm, ipc_request *req)
{
    NBC_ENTRY(comm, req, ipc__nbc_c_exscan(n, sbuf, rbuf, count, type, op, comm));
}

int ipc_ireduce_scatter_block(const void *sbuf, void *rbuf, size_t count,
                              ipc_datatype type, ipc_op op, ipc_comm comm,
                              ipc_request *req)
{
    NBC_ENTRY(comm, req,
              ipc__nbc_c_reduce_scatter_block(n, sbuf, rbuf, count, type, op, comm));
}

int ipc_igather(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                size_t rcount, ipc_datatype rtype, int root, ipc_comm comm,
                ipc_request *req)
{
    NBC_ENTRY(comm, req,
              ipc__nbc_c_gather(n, sbuf, scount, stype, rbuf, rcount, rtype, root, comm));
}

int ipc_igatherv(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                 const size_t rcounts[], const size_t displs[], ipc_datatype rtype,
                 int root, ipc_comm comm, ipc_request *req)
{
    NBC_ENTRY(comm, req,
              ipc__nbc_c_gatherv(n, sbuf, scount, stype, rbuf, rcounts, displs, rtype,
                                 root, comm));
}

int ipc_iscatter(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                 size_t rcount, ipc_datatype rtype, int root, ipc_comm comm,
                 ipc_request *req)
{
    NBC_ENTRY(
        comm, req,
        ipc__nbc_c_scatter(n, sbuf, scount, stype, rbuf, rcount, rtype, root, comm));
}

int ipc_iscatterv(const void *sbuf, const size_t scounts[], const size_t displs[],
                  ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype,
                  int root, ipc_comm comm, ipc_request *req)
{
    NBC_ENTRY(comm, req,
              ipc__nbc_c_scatterv(n, sbuf, scounts, displs, stype, rbuf, rcount, rtype,
                                  root, comm));
}

int ipc_iallgather(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                   size_t rcount, ipc_datatype rtype, ipc_comm comm, ipc_request *req)
{
    NBC_ENTRY(comm, req,
              ipc__nbc_c_allgather(n, sbuf, scount, stype, rbuf, rcount, rtype, comm));
}

int ipc_iallgatherv(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                    const size_t rcounts[], const size_t displs[], ipc_datatype rtype,
                    ipc_comm comm, ipc_request *req)
{
    NBC_ENTRY(comm, req,
              ipc__nbc_c_allgatherv(n, sbuf, scount, stype, rbuf, rcounts, displs, rtype,
                                    comm));
}

int ipc_ialltoall(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf,
                  size_t rcount, ipc_datatype rtype, ipc_comm comm, ipc_request *req)
{
    NBC_ENTRY(comm, req,
              ipc__nbc_c_alltoall(n, sbuf, scount, stype, rbuf, rcount, rtype, comm));
}

int ipc_ialltoallv(const void *sbuf, const size_t scounts[], const size_t sdispls[],
                   ipc_datatype stype, void *rbuf, const size_t rcounts[],
                   const size_t rdispls[], ipc_datatype rtype, ipc_comm comm,
                   ipc_request *req)
{
    NBC_ENTRY(comm, req,
              ipc__nbc_c_alltoallv(n, sbuf, scounts, sdispls, stype, rbuf, rcounts,
                                   rdispls, rtype, comm));
}
