/*
 * mpi_internal.h - what the files of the MPI layer (runtime/mpi/) share. The
 * layer owns no communication of its own: every call maps onto libipc.
 */
#ifndef IPC_MPI_INTERNAL_H
#define IPC_MPI_INTERNAL_H

#include <limits.h>

#include "internal.h"
#include "mpi.h"
#include "rma/rma.h"

/* mpi_env.c: errors. Every MPI_ function ends in IPC__MPI_RET(comm, rc), rc
 * being an MPI code: MPI_ERRORS_ARE_FATAL on comm prints one line and aborts
 * the job; otherwise rc is returned. */
int ipc__mpi_code(int ipc_err); /* IPC_ERR_* -> MPI_ERR_* */
int ipc__mpi_ret(MPI_Comm comm, int rc, const char *fn);
#define IPC__MPI_RET(comm, rc) return ipc__mpi_ret((comm), (rc), __func__)
/* IPC_ERR_* -> MPI_ERR_* -> handler */
#define IPC__MPI_RET_IPC(comm, rc) IPC__MPI_RET((comm), ipc__mpi_code(rc))
/* Error handlers are made for one kind of object (the predefined ones serve
 * every kind). _valid: h may be set on an object of that kind. _run: the
 * end of an error rc of fn on the object at obj (an MPI_Comm or MPI_Win, as
 * kind says): h MPI_ERRHANDLER_NULL or MPI_ERRORS_ARE_FATAL prints one line
 * and aborts, a user handler is called; rc is returned. */
enum ipc__mpi_errh_kind { IPC__MPI_ERRH_COMM = 1, IPC__MPI_ERRH_WIN };
bool ipc__mpi_errh_valid(MPI_Errhandler h, enum ipc__mpi_errh_kind kind);
int ipc__mpi_errh_run(MPI_Errhandler h, enum ipc__mpi_errh_kind kind, void *obj, int rc,
                      const char *fn);

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

/* mpi_win.c: the MPI layer's state of a window (*ipc__win_mpi_slot), made
 * with the window by the MPI calls (or on first use, for one made by
 * libipc's ipc_win_*). Every MPI_Win call ends in IPC__MPI_WIN_RET(win, rc):
 * the window's error handler (MPI_ERRORS_ARE_FATAL by default), or
 * MPI_COMM_WORLD's when win names no window. */
struct ipc__mpi_win {
    char name[MPI_MAX_OBJECT_NAME]; /* "" until MPI_Win_set_name */
    MPI_Errhandler errh;            /* MPI_ERRHANDLER_NULL: MPI_ERRORS_ARE_FATAL */
    struct ipc__mpi_attr *attrs;    /* cached attributes (mpi_attr.c) */
    MPI_Info hints;                 /* MPI_Win_set_info's, or NULL */
    /* The predefined attributes: MPI_Win_get_attr points at them. */
    void *base;
    MPI_Aint size;
    int disp_unit, flavor, model;
};
int ipc__mpi_win_ret(MPI_Win win, int rc, const char *fn);
#define IPC__MPI_WIN_RET(win, rc) return ipc__mpi_win_ret((win), (rc), __func__)

/* mpi_topo.c: a communicator's virtual topology. A copy of t (NULL when out
 * of memory), for MPI_Comm_dup; free takes NULL too. */
struct ipc__mpi_topo *ipc__mpi_topo_dup(const struct ipc__mpi_topo *t);
void ipc__mpi_topo_free(struct ipc__mpi_topo *t);
/* The neighbours of comm's topology as the neighbourhood collectives see
 * them (MPI-3.1 7.6), in the order of their blocks: Cartesian, per dimension
 * the source then the destination of MPI_Cart_shift(d, 1) (MPI_PROC_NULL off
 * a non-periodic edge), both lists alike; graph, MPI_Graph_neighbors' order,
 * both alike; distributed graph, MPI_Dist_graph_neighbors' sources and
 * destinations. One allocation: free(sources) releases it. MPI_ERR_TOPOLOGY
 * for a communicator without topology. */
struct ipc__mpi_nbrs {
    int indegree, outdegree;
    int *sources, *destinations;
    bool cart;
};
int ipc__mpi_topo_neighbors(MPI_Comm comm, struct ipc__mpi_nbrs *nb);
/* mpi_attr.c: attributes (MPI-3.1 6.7), one core for every kind of object.
 * _copy runs the copy callbacks from old to new (an MPI code: the first
 * failing callback's, the copies made so far deleted again); _delete runs
 * the delete callbacks and forgets the object's attributes. */
int ipc__mpi_comm_attrs_copy(MPI_Comm old, MPI_Comm new);
void ipc__mpi_comm_attrs_delete(MPI_Comm comm);
/* For MPI_Type_dup and MPI_Type_free (type attributes live in mpi_attr.c). */
int ipc__mpi_type_attrs_copy(MPI_Datatype old, MPI_Datatype new);
void ipc__mpi_type_attrs_delete(MPI_Datatype type);
/* Window attributes, on the list of st, the state of the valid window win;
 * _get answers the predefined MPI_WIN_* from st's fields. MPI codes. */
int ipc__mpi_win_attr_set(MPI_Win win, struct ipc__mpi_win *st, int keyval, void *val);
int ipc__mpi_win_attr_get(MPI_Win win, struct ipc__mpi_win *st, int keyval, void *val,
                          int *flag);
int ipc__mpi_win_attr_delete(MPI_Win win, struct ipc__mpi_win *st, int keyval);
void ipc__mpi_win_attrs_delete(MPI_Win win, struct ipc__mpi_win *st);
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
/* True when info (valid, or MPI_INFO_NULL) sets key to "true". */
bool ipc__mpi_info_true(MPI_Info info, const char *key);

/* mpi_handle.c: the Fortran index of a pointer handle is forgotten when the
 * object is freed. */
void ipc__mpi_handle_forget(const void *handle);

/* mpi_type.c: datatypes. A type is an ordered list of entries; an entry is
 * `count` blocks, block i at disp + i * stride bytes from the element's
 * origin, each block `blocklen` pieces bstride apart. A piece is either a
 * leaf, `len` contiguous bytes of basic elements of type `basic`, or one
 * element of `child`. Element k of a buffer starts at buf + k * extent;
 * packed, an element is its `size` data bytes in type-map order. Children
 * are referenced, not copied, so nesting costs no more than the sum. */
struct ipc__mpi_type;
struct ipc__mpi_entry {
    long disp, stride, bstride;
    size_t count, blocklen;
    struct ipc__mpi_type *child; /* NULL: a leaf of len bytes */
    size_t len;
    int basic;
};
struct ipc__mpi_type {
    int refs;            /* handles, types built on it, views in use */
    bool predefined;     /* static: never freed */
    bool committed;
    bool contig;         /* data is bytes [0, size) and extent == size: one memcpy */
    bool flat;           /* every entry is one leaf piece: packs without frames */
    int depth;           /* cursor frames it needs */
    int red_basic;       /* predefined type it repeats (reductions), 0 if mixed */
    size_t red_n;        /* how many red_basic in one element */
    size_t size;
    long lb, extent, true_lb, true_extent, align;
    /* lb, ub set by MPI_Type_create_resized: markers, which stay the bounds of
     * the types built on this one (MPI-3.1 4.1.7) */
    bool lb_mark, ub_mark;
    /* Its size, bounds or element count does not fit (count * size past
     * SIZE_MAX, displacements past a long): MPI_ERR_ARG when it would be
     * made; types built on it are too. */
    bool too_big;
    size_t nentries;
    struct ipc__mpi_entry *entries;
    /* The envelope (MPI_Type_get_envelope/_contents). */
    int combiner, ni, na, nt;
    int *ints;
    MPI_Aint *aints;
    struct ipc__mpi_type **types;
    char name[MPI_MAX_OBJECT_NAME];
};
/* NULL for MPI_DATATYPE_NULL, a freed handle or garbage. */
struct ipc__mpi_type *ipc__mpi_type(MPI_Datatype type);
/* The predefined type `handle` (0 < handle < IPC__MPI_N_PREDEF). */
const struct ipc__mpi_type *ipc__mpi_predef(int handle);
void ipc__mpi_type_ref(struct ipc__mpi_type *t);
void ipc__mpi_type_unref(struct ipc__mpi_type *t);
void ipc__mpi_types_fini(void);
#define IPC__MPI_N_PREDEF (MPI_REAL8 + 1)
#define IPC__MPI_DEPTH_MAX 24 /* nesting of non-contiguous types */

/* mpi_pack.c: the pack engine. A cursor is a position in the packed stream
 * of (buf, count, type); pack and unpack move the next n packed bytes (any
 * n, cutting elements and blocks anywhere) and return how many they moved,
 * fewer only at the end of the stream. */
struct ipc__mpi_frame {
    const struct ipc__mpi_type *t;
    char *base;      /* origin of the element of t being walked */
    size_t e, i, j;  /* entry, block, piece */
};
struct ipc__mpi_cursor {
    const struct ipc__mpi_type *t;
    char *buf;
    size_t count, elem; /* elements of the stream, the one under way */
    size_t off;         /* bytes done of the current leaf piece (or, contig: of all) */
    int depth;          /* frames in use; 0: at the start of element elem */
    struct ipc__mpi_frame f[IPC__MPI_DEPTH_MAX];
};
void ipc__mpi_cursor_init(struct ipc__mpi_cursor *c, const void *buf, size_t count,
                          const struct ipc__mpi_type *t);
/* Moves the cursor to packed offset `offset` (from the stream's start). */
void ipc__mpi_cursor_seek(struct ipc__mpi_cursor *c, size_t offset);
size_t ipc__mpi_cursor_pack(struct ipc__mpi_cursor *c, void *dst, size_t n);
size_t ipc__mpi_cursor_unpack(struct ipc__mpi_cursor *c, const void *src, size_t n);
void ipc__mpi_pack(void *dst, const void *src, size_t count, const struct ipc__mpi_type *t);
void ipc__mpi_unpack(void *dst, const void *src, size_t count,
                     const struct ipc__mpi_type *t);
/* Basic elements (MPI_Get_elements) in the first `bytes` packed bytes of
 * elements of t; *exact is false when the bytes end inside one. */
size_t ipc__mpi_elements(const struct ipc__mpi_type *t, size_t bytes, bool *exact);

/* A buffer as libipc sees it: the user's when the type is contiguous, else a
 * packed copy (tmp, freed by ipc__mpi_view_done), which holds a reference to
 * the type until then. */
struct ipc__mpi_view {
    void *p;
    void *tmp;
    size_t bytes;
    struct ipc__mpi_type *t; /* referenced while tmp is set */
};
/* For reading (sends): packs a non-contiguous buffer. An uncommitted derived
 * type is MPI_ERR_TYPE. */
static inline int ipc__mpi_view_in(struct ipc__mpi_view *v, const void *buf, long count,
                                   struct ipc__mpi_type *t);
/* For writing (receives); with preload the current contents are packed too. */
static inline int ipc__mpi_view_out(struct ipc__mpi_view *v, void *buf, long count,
                                    struct ipc__mpi_type *t, bool preload);
/* Unpacks the first `bytes` packed bytes into buf when unpack, frees tmp. */
static inline void ipc__mpi_view_done(struct ipc__mpi_view *v, void *buf, size_t bytes,
                                      bool unpack);

/* The views' own work, out of line (mpi_pack.c); the inline halves below
 * spare every send and receive of a contiguous type a call: a stream of
 * 1 KiB MPI_Isends runs through one of each per message. */
int ipc__mpi_view_in_slow(struct ipc__mpi_view *v, const void *buf, long count,
                          struct ipc__mpi_type *t);
int ipc__mpi_view_out_slow(struct ipc__mpi_view *v, void *buf, long count,
                           struct ipc__mpi_type *t, bool preload);
void ipc__mpi_view_done_slow(struct ipc__mpi_view *v, void *buf, size_t bytes, bool unpack);

/* A contiguous committed type and a count whose bytes fit (*bytes); the
 * slow halves say what is wrong otherwise (MPI_ERR_COUNT when count * size
 * does not fit). */
static inline bool ipc__mpi_view_plain(long count, const struct ipc__mpi_type *t,
                                       size_t *bytes)
{
    return t && t->contig && t->committed && count >= 0 &&
           !__builtin_mul_overflow((size_t)count, t->size, bytes) && *bytes <= LONG_MAX;
}

static inline int ipc__mpi_view_in(struct ipc__mpi_view *v, const void *buf, long count,
                                   struct ipc__mpi_type *t)
{
    size_t bytes;
    if (!ipc__mpi_view_plain(count, t, &bytes))
        return ipc__mpi_view_in_slow(v, buf, count, t);
    *v = (struct ipc__mpi_view){.p = (void *)buf, .bytes = bytes};
    return MPI_SUCCESS;
}

static inline int ipc__mpi_view_out(struct ipc__mpi_view *v, void *buf, long count,
                                    struct ipc__mpi_type *t, bool preload)
{
    size_t bytes;
    if (!ipc__mpi_view_plain(count, t, &bytes))
        return ipc__mpi_view_out_slow(v, buf, count, t, preload);
    *v = (struct ipc__mpi_view){.p = buf, .bytes = bytes};
    return MPI_SUCCESS;
}

static inline void ipc__mpi_view_done(struct ipc__mpi_view *v, void *buf, size_t bytes,
                                      bool unpack)
{
    if (v->tmp)
        ipc__mpi_view_done_slow(v, buf, bytes, unpack);
}

/* The target side of a one-sided operation: count elements of t whose
 * first starts at byte `at` of the target (from its window's start, or an
 * address), as runs of bytes in type-map order, the order of the packed
 * stream, adjacent runs merged. *blk is malloc'd, NULL when there are no
 * bytes; *bytes is their sum. MPI_ERR_RMA_RANGE when a byte would lie below
 * 0 or past LONG_MAX, MPI_ERR_NO_MEM. */
int ipc__mpi_flatten(const struct ipc__mpi_type *t, size_t count, long at,
                     struct ipc__rma_blk **blk, size_t *nblk, size_t *bytes);

/* mpi_layout.c: count elements of a non-contiguous type at buf as a libipc
 * layout, for ipc__isend_layout/ipc__irecv_layout. The first member is the
 * layout libipc sees; the rest is a cursor and where it stands. _init takes
 * a reference to t (an uncommitted type is MPI_ERR_TYPE), _done drops it. */
struct ipc__mpi_layout {
    struct ipc__layout base;
    struct ipc__mpi_type *t;
    size_t pos; /* packed offset of the cursor */
    struct ipc__mpi_cursor cur;
};
int ipc__mpi_layout_init(struct ipc__mpi_layout *l, const void *buf, size_t count,
                         struct ipc__mpi_type *t);
void ipc__mpi_layout_done(struct ipc__mpi_layout *l);
/* The same on the heap, for a request that outlives the call: NULL with *rc
 * an MPI code when it cannot be made; _free drops it. */
struct ipc__mpi_layout *ipc__mpi_layout_new(const void *buf, size_t count,
                                            struct ipc__mpi_type *t, int *rc);
void ipc__mpi_layout_free(struct ipc__mpi_layout *l);

/* A reduction as libipc runs it: the datatype and op to pass and how many
 * elements. When the MPI layer's trampoline op does the work, type points
 * at rt, which names the MPI op and type for it: the struct must stay where
 * it is (and the MPI type alive) until the reduction is over. */
struct ipc__mpi_red_type {
    struct ipc__datatype base;
    MPI_Op op;
    MPI_Datatype type;
    const struct ipc__mpi_type *t;
};
struct ipc__mpi_red {
    ipc_datatype type;
    ipc_op op;
    size_t count;
    struct ipc__mpi_red_type rt;
};
int ipc__mpi_red_setup(struct ipc__mpi_red *r, MPI_Op op, MPI_Datatype type, int count);
/* inout[i] = in[i] op inout[i] for n packed elements of the predefined type
 * basic, op a predefined reduction (not MPI_REPLACE or MPI_NO_OP); false
 * when op does not apply to basic (n == 0: only says whether it applies).
 * The accumulate kernel of the windows MPI makes (ipc__rma_kernel). */
bool ipc__mpi_op_apply(int op, int basic, const void *in, void *inout, size_t n);
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
/* MPI_ERR_ROOT unless root is MPI_ROOT, MPI_PROC_NULL or a remote rank. */
int ipc__mpi_inter_root_ok(MPI_Comm comm, int root);

/* mpi_intericoll.c: the nonblocking collectives on intercommunicators, which
 * the entries of mpi_icoll.c hand them to; arguments as the blocking ones
 * above, and the request. */
int ipc__mpi_inter_ibarrier(MPI_Comm comm, MPI_Request *req);
int ipc__mpi_inter_ibcast(void *buf, int count, MPI_Datatype type, int root, MPI_Comm comm,
                          MPI_Request *req);
int ipc__mpi_inter_igather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                           int rcount, const int rcounts[], const int displs[], bool v,
                           MPI_Datatype rtype, int root, MPI_Comm comm, MPI_Request *req);
int ipc__mpi_inter_iscatter(const void *sbuf, int scount, const int scounts[],
                            const int displs[], bool v, MPI_Datatype stype, void *rbuf,
                            int rcount, MPI_Datatype rtype, int root, MPI_Comm comm,
                            MPI_Request *req);
int ipc__mpi_inter_iallgather(const void *sbuf, int scount, MPI_Datatype stype, void *rbuf,
                              int rcount, const int rcounts[], const int displs[], bool v,
                              MPI_Datatype rtype, MPI_Comm comm, MPI_Request *req);
int ipc__mpi_inter_ialltoall(const void *sbuf, int scount, const int scounts[],
                             const int sdispls[], MPI_Datatype stype, void *rbuf, int rcount,
                             const int rcounts[], const int rdispls[], bool v,
                             MPI_Datatype rtype, MPI_Comm comm, MPI_Request *req);
int ipc__mpi_inter_ialltoallw(const void *sbuf, const int scounts[], const int sdispls[],
                              const MPI_Datatype stypes[], void *rbuf, const int rcounts[],
                              const int rdispls[], const MPI_Datatype rtypes[], MPI_Comm comm,
                              MPI_Request *req);
int ipc__mpi_inter_ireduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                           MPI_Op op, int root, MPI_Comm comm, MPI_Request *req);
int ipc__mpi_inter_iallreduce(const void *sbuf, void *rbuf, int count, MPI_Datatype type,
                              MPI_Op op, MPI_Comm comm, MPI_Request *req);
int ipc__mpi_inter_ireduce_scatter(const void *sbuf, void *rbuf, int count,
                                   const int counts[], MPI_Datatype type, MPI_Op op,
                                   MPI_Comm comm, MPI_Request *req);

/* mpi_icoll.c: building an MPI nonblocking collective. _open makes the
 * schedule (comm's next tag); the buffer calls give what the schedule moves:
 * the user's buffer when the type is contiguous, else a packed copy in the
 * schedule's memory (_in packs it now; _out unpacks it into buf when the
 * schedule is over, after packing it first with preload). v forms: n blocks
 * of counts[i] elements at displs[i] extents, as *bytes and *offs (byte
 * sizes and offsets into what they return). Any failure is kept in b (the
 * calls then return NULL) and _start returns it, after releasing all;
 * otherwise _start takes irc (an IPC_ERR_* code from building), starts the
 * schedule and gives the request. */
struct ipc__nbc;
struct ipc__mpi_nbc_out;
struct ipc__mpi_nbc {
    struct ipc__nbc *n;
    int rc;            /* the first MPI error while building */
    struct ipc__mpi_nbc_out *outs;  /* to unpack at the end */
};
int ipc__mpi_nbc_open(struct ipc__mpi_nbc *b, MPI_Comm comm);
void ipc__mpi_nbc_fail(struct ipc__mpi_nbc *b, int rc);
/* Memory of the schedule (NULL, b failed, when out). */
void *ipc__mpi_nbc_alloc(struct ipc__mpi_nbc *b, size_t bytes);
void *ipc__mpi_nbc_in(struct ipc__mpi_nbc *b, const void *buf, int count, MPI_Datatype type,
                      size_t *bytes);
void *ipc__mpi_nbc_out(struct ipc__mpi_nbc *b, void *buf, int count, MPI_Datatype type,
                       bool preload, size_t *bytes);
char *ipc__mpi_nbc_vin(struct ipc__mpi_nbc *b, const void *buf, int n, const int counts[],
                       const int displs[], MPI_Datatype type, size_t **bytes, size_t **offs);
char *ipc__mpi_nbc_vout(struct ipc__mpi_nbc *b, void *buf, int n, const int counts[],
                        const int displs[], MPI_Datatype type, bool preload, size_t **bytes,
                        size_t **offs);
/* An alltoallw side: a type per block, displacements in bytes; packed now
 * with load, unpacked at the end with store. */
char *ipc__mpi_nbc_wblocks(struct ipc__mpi_nbc *b, const void *buf, int n, const int counts[],
                           const int displs[], const MPI_Datatype types[], bool load,
                           bool store, size_t **bytes, size_t **offs);
/* The reduction of count elements of type with op, in the schedule's memory
 * (it holds the type until the end). */
struct ipc__mpi_red *ipc__mpi_nbc_red(struct ipc__mpi_nbc *b, MPI_Op op, MPI_Datatype type,
                                      int count);
int ipc__mpi_nbc_start(struct ipc__mpi_nbc *b, int irc, MPI_Request *req);

/* mpi_comm.c: the group of comm's members (MPI_Comm_group's body), and the
 * members of group as ranks of comm (*ranks malloc'd, NULL for an empty
 * group): MPI_ERR_GROUP for MPI_GROUP_NULL, MPI_ERR_RANK when a member is
 * not in comm. */
int ipc__mpi_comm_group(MPI_Comm comm, MPI_Group *group);
int ipc__mpi_group_ranks(MPI_Group group, MPI_Comm comm, int **ranks, int *n);

void ipc__mpi_status(MPI_Status *st, const ipc_status *ist);
/* mpi_p2p.c: waits for outstanding buffered sends and freed requests. */
void ipc__mpi_p2p_fini(void);
/* An MPI request whose completion is that of libipc's request ipc (a
 * schedule: MPI_Comm_idup). On MPI_ERR_NO_MEM ipc was waited for. */
int ipc__mpi_request_of(ipc_request ipc, MPI_Request *req);
/* h names a request (not null, stale or forged). */
bool ipc__mpi_request_live(MPI_Request h);
/* mpi_handle.c: h, a request's handle, dies (its request finished or was
 * freed): its Fortran index, if it had one, names nothing any more. */
void ipc__mpi_request_forget(MPI_Request h);

#endif /* IPC_MPI_INTERNAL_H */
