/*
 * entry.c - the public collectives: each checks its communicator, tells
 * observe.h which collective the rank is in (for --stats, --trace and the
 * report of where ranks wait), and runs the algorithm (ipc__c_*).
 */
#include "coll.h"

/* Bytes of count elements of type, for the record (0 for a bad type: the
 * algorithm reports it). */
static size_t bytes_of(size_t count, ipc_datatype type)
{
    return type ? count * type->size : 0;
}

#define OBSERVED(call, comm, root, bytes, run)                                        \
    do {                                                                              \
        int rc_ = ipc__check_comm(comm);                                              \
        if (rc_ != IPC_SUCCESS)                                                       \
            return rc_;                                                               \
        ipc__obs_enter(call, comm, root, -1, bytes);                                  \
        rc_ = run;                                                                    \
        ipc__obs_exit();                                                              \
        return rc_;                                                                   \
    } while (0)

int ipc_allgather(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, ipc_comm comm)
{
    OBSERVED(IPC__CALL_ALLGATHER, comm, -2, bytes_of(scount, stype),
             ipc__c_allgather(sbuf, scount, stype, rbuf, rcount, rtype, comm));
}

int ipc_allgatherv(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, const size_t rcounts[], const size_t displs[], ipc_datatype rtype, ipc_comm comm)
{
    OBSERVED(IPC__CALL_ALLGATHERV, comm, -2, bytes_of(scount, stype),
             ipc__c_allgatherv(sbuf, scount, stype, rbuf, rcounts, displs, rtype, comm));
}

int ipc_alltoall(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, ipc_comm comm)
{
    OBSERVED(IPC__CALL_ALLTOALL, comm, -2, bytes_of(scount, stype),
             ipc__c_alltoall(sbuf, scount, stype, rbuf, rcount, rtype, comm));
}

int ipc_alltoallv(const void *sbuf, const size_t scounts[], const size_t sdispls[], ipc_datatype stype, void *rbuf, const size_t rcounts[], const size_t rdispls[], ipc_datatype rtype, ipc_comm comm)
{
    OBSERVED(IPC__CALL_ALLTOALLV, comm, -2, 0,
             ipc__c_alltoallv(sbuf, scounts, sdispls, stype, rbuf, rcounts, rdispls, rtype, comm));
}

int ipc_barrier(ipc_comm comm)
{
    OBSERVED(IPC__CALL_BARRIER, comm, -2, 0,
             ipc__c_barrier(comm));
}

int ipc_bcast(void *buf, size_t count, ipc_datatype type, int root, ipc_comm comm)
{
    OBSERVED(IPC__CALL_BCAST, comm, root, bytes_of(count, type),
             ipc__c_bcast(buf, count, type, root, comm));
}

int ipc_gather(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, int root, ipc_comm comm)
{
    OBSERVED(IPC__CALL_GATHER, comm, root, bytes_of(scount, stype),
             ipc__c_gather(sbuf, scount, stype, rbuf, rcount, rtype, root, comm));
}

int ipc_scatter(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, int root, ipc_comm comm)
{
    OBSERVED(IPC__CALL_SCATTER, comm, root, bytes_of(rcount, rtype),
             ipc__c_scatter(sbuf, scount, stype, rbuf, rcount, rtype, root, comm));
}

int ipc_gatherv(const void *sbuf, size_t scount, ipc_datatype stype, void *rbuf, const size_t rcounts[], const size_t displs[], ipc_datatype rtype, int root, ipc_comm comm)
{
    OBSERVED(IPC__CALL_GATHERV, comm, root, bytes_of(scount, stype),
             ipc__c_gatherv(sbuf, scount, stype, rbuf, rcounts, displs, rtype, root, comm));
}

int ipc_scatterv(const void *sbuf, const size_t scounts[], const size_t displs[], ipc_datatype stype, void *rbuf, size_t rcount, ipc_datatype rtype, int root, ipc_comm comm)
{
    OBSERVED(IPC__CALL_SCATTERV, comm, root, bytes_of(rcount, rtype),
             ipc__c_scatterv(sbuf, scounts, displs, stype, rbuf, rcount, rtype, root, comm));
}

int ipc_reduce(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, int root, ipc_comm comm)
{
    OBSERVED(IPC__CALL_REDUCE, comm, root, bytes_of(count, type),
             ipc__c_reduce(sbuf, rbuf, count, type, op, root, comm));
}

int ipc_allreduce(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, ipc_comm comm)
{
    OBSERVED(IPC__CALL_ALLREDUCE, comm, -2, bytes_of(count, type),
             ipc__c_allreduce(sbuf, rbuf, count, type, op, comm));
}

int ipc_reduce_scatter_block(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, ipc_comm comm)
{
    OBSERVED(IPC__CALL_REDUCE_SCATTER_BLOCK, comm, -2, bytes_of(count, type),
             ipc__c_reduce_scatter_block(sbuf, rbuf, count, type, op, comm));
}

int ipc_scan(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, ipc_comm comm)
{
    OBSERVED(IPC__CALL_SCAN, comm, -2, bytes_of(count, type),
             ipc__c_scan(sbuf, rbuf, count, type, op, comm));
}

int ipc_exscan(const void *sbuf, void *rbuf, size_t count, ipc_datatype type, ipc_op op, ipc_comm comm)
{
    OBSERVED(IPC__CALL_EXSCAN, comm, -2, bytes_of(count, type),
             ipc__c_exscan(sbuf, rbuf, count, type, op, comm));
}
