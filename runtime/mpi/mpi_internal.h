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
    MPI_Info hints;                 /* MPI_Comm_set_info's (mpi_info.c), or NULL */
};
/* comm's state (comm valid), made on first use; NULL when out of memory. */
struct ipc__mpi_comm *ipc__mpi_comm_state(MPI_Comm comm);
/* child, just made from parent by an MPI call (MPI_COMM_NULL: nothing to
 * do), takes what MPI-3.1 says it inherits: the error handler always; with
 * dup (MPI_Comm_dup, _idup, _dup_with_info) also the attributes, through
 * their copy callbacks, the info hints and the topology. Returns an MPI code;
 * on failure (a copy callback's code) the caller releases and frees child. */
int ipc__mpi_comm_made(MPI_Comm parent, MPI_Comm child, bool dup);
/* Before ipc_comm_free, or for world and self at MPI_Finalize: deletes the
 * attributes (their delete callbacks run) and frees the state. */
void ipc__mpi_comm_release(MPI_Comm comm);

/* mpi_topo.c: a communicator's virtual topology. A copy of t (NULL when out
 * of memory), for MPI_Comm_dup; free takes NULL too. */
struct ipc__mpi_topo *ipc__mpi_topo_dup(const struct ipc__mpi_topo *t);
void ipc__mpi_topo_free(struct ipc__mpi_topo *t);
/* mpi_attr.c: attributes (MPI-3.1 6.7), one core for every kind of object.
 * _copy runs the copy callbacks from old to new (an MPI code: the first
 * failing callback's, the copies made so far deleted again); _delete runs
 * the delete callbacks and forgets the object's attributes. */
int ipc__mpi_comm_attrs_copy(MPI_Comm old, MPI_Comm new);
void ipc__mpi_comm_attrs_delete(MPI_Comm comm);
/* For MPI_Type_dup and MPI_Type_free (type attributes live in mpi_attr.c). */
int ipc__mpi_type_attrs_copy(MPI_Datatype old, MPI_Datatype new);
void ipc__mpi_type_attrs_delete(MPI_Datatype type);
/* At MPI_Finalize, after the communicators: frees keyvals, type attributes. */
void ipc__mpi_attr_fini(void);

/* mpi_env.c: error handlers are counted references; the predefined ones
 * are not counted. */
void ipc__mpi_errh_retain(MPI_Errhandler h);
void ipc__mpi_errh_release(MPI_Errhandler h);
extern int ipc__mpi_last_used_code; /* the MPI_LASTUSEDCODE attribute */

/* mpi_info.c: info objects. */
int ipc__mpi_info_check(MPI_Info info); /* MPI_SUCCESS or MPI_ERR_INFO */
/* A copy of info (MPI_INFO_NULL gives an empty one) in *copy; an MPI code. */
int ipc__mpi_info_copy(MPI_Info info, MPI_Info *copy);
void ipc__mpi_info_release(MPI_Info info); /* frees a user info; NULL: nothing */
void ipc__mpi_info_env_init(int argc, char **argv, int thread_level);
void ipc__mpi_info_fini(void);

/* mpi_handle.c: the Fortran index of a pointer handle is forgotten when the
 * object is freed. */
void ipc__mpi_handle_forget(const void *handle);

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

/* mpi_layout.c: count elements of a non-contiguous type at buf as a libipc
 * layout, for ipc__isend_layout/ipc__irecv_layout. The first member is the
 * layout libipc sees; the rest is the cursor. */
struct ipc__mpi_layout {
    struct ipc__layout base;
    char *buf;
    const struct ipc__mpi_type *t;
    size_t pos;                  /* packed offset of the cursor */
    size_t elem, block, in_block; /* where that is in the buffer */
};
void ipc__mpi_layout_init(struct ipc__mpi_layout *l, const void *buf, size_t count,
                          const struct ipc__mpi_type *t);

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

void ipc__mpi_status(MPI_Status *st, const ipc_status *ist);
/* mpi_p2p.c: waits for outstanding buffered sends and freed requests. */
void ipc__mpi_p2p_fini(void);

#endif /* IPC_MPI_INTERNAL_H */
