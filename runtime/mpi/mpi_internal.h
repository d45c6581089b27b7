/*
 * mpi_internal.h - what the files of the MPI layer (runtime/mpi/) share. The
 * layer owns no communication of its own: every call maps onto libipc.
 */
#ifndef IPC_MPI_INTERNAL_H
#define IPC_MPI_INTERNAL_H

#include "internal.h"
#include "mpi.h"

/* mpi_env.c: errors. Every MPI_ function ends in IPC__MPI_RET(comm, rc), rc
 * being an MPI code: MPI_ERRORS_ARE_FATAL on comm prints one line and aborts
 * the job; otherwise rc is returned. */
int ipc__mpi_code(int ipc_err); /* IPC_ERR_* -> MPI_ERR_* */
int ipc__mpi_ret(MPI_Comm comm, int rc, const char *fn);
#define IPC__MPI_RET(comm, rc) return ipc__mpi_ret((comm), (rc), __func__)
/* IPC_ERR_* -> MPI_ERR_* -> handler */
#define IPC__MPI_RET_IPC(comm, rc) IPC__MPI_RET((comm), ipc__mpi_code(rc))

/* mpi_comm.c: the MPI layer's state of a communicator (comm->mpi). Every
 * field's zero is its default, so a communicator without state behaves as
 * one with all defaults. */
struct ipc__mpi_attr;
struct ipc__mpi_topo;
struct ipc__mpi_comm {
    char name[MPI_MAX_OBJECT_NAME]; /* "" until MPI_Comm_set_name */
    MPI_Errhandler errh;            /* MPI_ERRHANDLER_NULL: MPI_ERRORS_ARE_FATAL */
    struct ipc__mpi_attr *attrs;    /* cached attributes (mpi_attr.c) */
    struct ipc__mpi_topo *topo;     /* the virtual topology (mpi_topo.c), or NULL */
};
/* comm's state (comm valid), made on first use; NULL when out of memory. */
struct ipc__mpi_comm *ipc__mpi_comm_state(MPI_Comm comm);
/* child, just made from parent by an MPI call (MPI_COMM_NULL: nothing to
 * do), takes what MPI-3.1 says it inherits: the error handler always; with
 * dup (MPI_Comm_dup, _idup, _dup_with_info) also the attributes, through
 * their copy callbacks, and the topology. Returns an MPI code. */
int ipc__mpi_comm_made(MPI_Comm parent, MPI_Comm child, bool dup);
/* Before ipc_comm_free, or for world and self at MPI_Finalize: deletes the
 * attributes (their delete callbacks run) and frees the state. */
void ipc__mpi_comm_release(MPI_Comm comm);

/* mpi_type.c: datatypes. A datatype's data is a list of blocks, each at a
 * byte displacement from the element's start; element i starts at
 * buf + i * extent. Packed, an element is `size` contiguous bytes. */
struct ipc__mpi_block {
    long disp;
    size_t len;
};
struct ipc__mpi_type {
    size_t size;   /* bytes of data in one element */
    long lb, extent;
    bool contig;   /* one block at 0 of `size` bytes and extent == size */
    int basic;     /* the predefined type of every basic element, or 0 if mixed */
    size_t nbasic; /* basic elements in one element */
    size_t nblocks;
    struct ipc__mpi_block *blocks;
    bool committed;
};
/* NULL for MPI_DATATYPE_NULL, a freed handle or garbage. */
const struct ipc__mpi_type *ipc__mpi_type(MPI_Datatype type);
void ipc__mpi_pack(void *dst, const void *src, size_t count, const struct ipc__mpi_type *t);
void ipc__mpi_unpack(void *dst, const void *src, size_t count,
                     const struct ipc__mpi_type *t);

/* A buffer as libipc sees it: the user's when the type is contiguous, else a
 * packed copy (tmp, freed by ipc__mpi_view_done). */
struct ipc__mpi_view {
    void *p;
    void *tmp;
    size_t bytes;
};
/* For reading (sends): packs a non-contiguous buffer. */
int ipc__mpi_view_in(struct ipc__mpi_view *v, const void *buf, int count,
                     const struct ipc__mpi_type *t);
/* For writing (receives); with preload the current contents are packed too. */
int ipc__mpi_view_out(struct ipc__mpi_view *v, void *buf, int count,
                      const struct ipc__mpi_type *t, bool preload);
/* Unpacks up to `bytes` (whole elements) into buf when unpack, frees tmp. */
void ipc__mpi_view_done(struct ipc__mpi_view *v, void *buf, size_t bytes,
                        const struct ipc__mpi_type *t, bool unpack);

/* A reduction as libipc runs it: the datatype and op to pass and how many
 * elements. Sets the state the trampoline op reads (one reduction at a time:
 * the library is single-threaded and op functions must not call it). */
struct ipc__mpi_red {
    ipc_datatype type;
    ipc_op op;
    size_t count;
};
int ipc__mpi_red_setup(struct ipc__mpi_red *r, MPI_Op op, MPI_Datatype type, int count);
void ipc__mpi_ops_fini(void);

/* mpi_intercoll.c: the collectives on intercommunicators, which the
 * entries of mpi_coll.c hand them to; MPI codes. v: the v-form (counts and
 * displacements given; without v, `count` elements per rank). */
bool ipc__mpi_is_inter(MPI_Comm comm); /* a valid intercommunicator */
int ipc__mpi_inter_barrier(MPI_Comm comm);
int ipc__mpi_inter_bcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm);
int ipc__mpi_inter_gather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                          int rcount, const int rcounts[], const int displs[], bool v,
                          MPI_Datatype rtype, int root, MPI_Comm comm);
int ipc__mpi_inter_scatter(const void *sbuf, int scount, const int scounts[],
                           const int displs[], bool v, MPI_Datatype stype, void *rbuf,
                           int rcount, MPI_Datatype rtype, int root, MPI_Comm comm);
int ipc__mpi_inter_allgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                             int rcount, const int rcounts[], const int displs[], bool v,
                             MPI_Datatype rtype, MPI_Comm comm);
int ipc__mpi_inter_alltoall(const void *sbuf, int scount, const int scounts[],
                            const int sdispls[], MPI_Datatype stype, void *rbuf, int rcount,
                            const int rcounts[], const int rdispls[], bool v,
                            MPI_Datatype rtype, MPI_Comm comm);
int ipc__mpi_inter_reduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                          MPI_Op op, int root, MPI_Comm comm);
int ipc__mpi_inter_allreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                             MPI_Op op, MPI_Comm comm);
/* counts: MPI_Reduce_scatter's; NULL: MPI_Reduce_scatter_block with count. */
int ipc__mpi_inter_reduce_scatter(const void *sbuf, void *rbuf, int count,
                                  const int counts[], MPI_Datatype type, MPI_Op op,
                                  MPI_Comm comm);

void ipc__mpi_status(MPI_Status *st, const ipc_status *ist);
/* mpi_p2p.c: waits for outstanding buffered sends and freed requests. */
void ipc__mpi_p2p_fini(void);

#endif /* IPC_MPI_INTERNAL_H */
