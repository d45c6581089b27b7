/*
 * win.h - the window object and what the files of runtime/rma/ share
 * (win.c: making and freeing windows, their memory; ops.c: operations and
 * the server of AM requests; sync.c: epochs). rma.h is the seam to the
 * layers above; this is private to the engine.
 */
#ifndef IPC_RMA_WIN_H
#define IPC_RMA_WIN_H

#include <stdatomic.h>

#include "rma.h"

enum ipc__rma_path { IPC__RMA_DIRECT = 1, IPC__RMA_CMA, IPC__RMA_AM };

enum {
    IPC__RMA_REGIONS_MAX = 64, /* regions one rank may attach to a dynamic window */
    /* Tags on the window's own communicator. */
    IPC__RMA_TAG_REQ = 1,      /* an AM request, origin to target */
    IPC__RMA_TAG_POST = 2,     /* post to start (PSCW) */
    IPC__RMA_TAG_COMPLETE = 3, /* complete to wait */
    IPC__RMA_TAG_REPLY = 16,   /* a reply: this + (the origin's count mod 2^24) */
};

/* The passive-target lock word: the writer bit, or the count of readers. */
#define IPC__RMA_LOCK_EXCL (UINT64_C(1) << 63)

/* Each member's control block, in memory that the members of its node map
 * (one per window and node, made by the node's first member): the lock of
 * passive-target epochs, the lock that makes accumulates atomic, and a
 * dynamic window's attached regions (rseq odd while they change). */
struct ipc__rma_ctl {
    _Alignas(64) _Atomic uint64_t lock;
    _Alignas(64) _Atomic uint32_t acc;
    _Atomic uint32_t rseq;
    uint32_t nreg;
    uint32_t pad;
    struct {
        uint64_t base, len;
    } reg[IPC__RMA_REGIONS_MAX];
};

/* What this rank knows of one member of the window. */
struct ipc__rma_peer {
    int world; /* world rank */
    enum ipc__rma_path path;
    char *base;    /* DIRECT: its window memory as mapped here */
    uint64_t addr; /* its base in its own address space (CMA range checks) */
    size_t size;
    int disp_unit;
    struct ipc__rma_ctl *ctl; /* DIRECT, CMA: its control block; NULL: AM */
    int locked;               /* IPC_LOCK_* this rank holds there by ipc_win_lock, or 0 */
    bool nocheck;    /* that lock was asserted with IPC_MODE_NOCHECK: not taken */
    bool lock_all;   /* held as part of lock_all */
    bool access;     /* in the group of the open ipc_win_start */
    unsigned am_out; /* AM operations to it not complete yet */
};

/* An AM operation in flight at its origin (ops.c). */
struct ipc__rma_amop;
/* A request this rank's server is answering, or a lock it cannot grant yet. */
struct ipc__rma_serving;

struct ipc__win {
    struct ipc__list link; /* in the list of live windows */
    ipc_comm comm;         /* the window's own duplicate of the one it was made on */
    int rank, size;
    int flavor;
    void *base; /* this rank's memory (dynamic: NULL) */
    size_t bytes;
    int disp_unit;
    ipc__rma_kernel *kernel;
    struct ipc__mpi_win *mpi;
    struct ipc__rma_peer *peers;
    /* The node's shared block: control blocks, then (allocate, shared) the
     * memory of the node's members. */
    void *map;
    size_t map_len;
    struct ipc__rma_ctl *ctl; /* this rank's control block */
    bool own_ctl;             /* ctl was allocated privately (no shared block) */
    int nam;                  /* members reached by AM: this rank serves requests */
    /* epochs */
    bool fence_open; /* a fence opened an epoch and no fence closed it */
    bool lock_all;
    int nlocked; /* targets locked with ipc_win_lock */
    int *start_grp, nstart;
    bool started;
    int npost; /* origins of the open ipc_win_post */
    bool posted;
    struct ipc__req **post_wait; /* the complete messages of the post group */
    /* AM origin side */
    unsigned am_seq;        /* reply tags */
    unsigned long am_total; /* AM operations not complete yet, all targets */
    struct ipc__list amops; /* struct ipc__rma_amop, nobody else's request */
    int am_err;             /* the first error of a completed AM operation */
    /* AM target side */
    struct ipc__list incoming; /* requests being received, in arrival order */
    struct ipc__list lockq;    /* lock requests waiting for the lock */
    struct ipc__list replies;  /* replies being sent */
    /* dynamic: this rank's attached regions are in ctl->reg */
};

/* The AM wire format (docs/wire-formats.md, "One-sided requests"): the
 * payload of a message on the window's communicator with tag
 * IPC__RMA_TAG_REQ is this header, nblk blocks (struct ipc__rma_blk), the
 * operand (bytes: PUT, ACC, GET_ACC, CAS), then CAS's compare value
 * (bytes). The reply, on reply_tag, is struct ipc__rma_am_reply and then the
 * fetched bytes (GET, GET_ACC, CAS) when status is IPC_SUCCESS. */
enum {
    IPC__RMA_AM_LOCK = 16,
    IPC__RMA_AM_UNLOCK = 17
}; /* kinds beyond enum ipc__rma_kind */
struct ipc__rma_am_hdr {
    uint32_t kind;
    int32_t op, type; /* LOCK, UNLOCK: op is the lock type */
    uint32_t reply_tag;
    uint64_t elem, nblk, bytes;
};
struct ipc__rma_am_reply {
    int32_t status;
    uint32_t pad;
    uint64_t bytes;
};
static inline bool ipc__rma_has_operand(uint32_t kind)
{
    return kind == IPC__RMA_PUT || kind == IPC__RMA_ACC || kind == IPC__RMA_GET_ACC ||
           kind == IPC__RMA_CAS;
}
static inline bool ipc__rma_fetches(uint32_t kind)
{
    return kind == IPC__RMA_GET || kind == IPC__RMA_GET_ACC || kind == IPC__RMA_CAS;
}
/* A request checked whole: the header, and where its parts start (blocks
 * may be unaligned: copy them out). */
struct ipc__rma_req {
    struct ipc__rma_am_hdr h;
    const char *blocks, *operand, *cmp;
};
/* Decodes a request of len bytes from another rank: NULL when every field
 * holds together (kind, lock type, reply tag, counts and lengths within the
 * message, blocks adding up, whole elements), else what is wrong. Pure: the
 * fuzz target and unit tests call it alone. */
const char *ipc__rma_req_decode(const void *buf, size_t len, struct ipc__rma_req *q);

/* The body of a public one-sided call, run inside observe.h's record of it
 * (the state page, --trace) on the window's communicator; target is the
 * member it is about, or -2. A bad handle is recorded without one, and run
 * reports it. */
#define IPC__RMA_OBSERVED(call, win, target, run)                                        \
    do {                                                                                 \
        struct ipc__win *w_ = ipc__win_of(win);                                          \
        ipc__obs_enter(call, w_ ? w_->comm : NULL, target, -1, 0);                       \
        int rc_ = run;                                                                   \
        ipc__obs_exit();                                                                 \
        return rc_;                                                                      \
    } while (0)

/* win.c */
extern struct ipc__list ipc__rma_windows; /* live windows */
/* The bytes [off, off + len) of member t's window, as seen from here:
 * IPC_SUCCESS when inside its window (dynamic: inside one attached region,
 * read from its control block or, for this rank, its own table), else
 * IPC_ERR_RMA_RANGE. */
int ipc__rma_range(struct ipc__win *w, int t, uint64_t off, uint64_t len);
/* Where byte off of this rank's own window is (dynamic: off is the address). */
static inline char *ipc__rma_self_at(struct ipc__win *w, uint64_t off)
{
    return w->flavor == IPC_WIN_FLAVOR_DYNAMIC ? (char *)(uintptr_t)off
                                               : (char *)w->base + off;
}

/* ops.c */
/* The accumulate lock of a control block (spins briefly, then yields). */
void ipc__rma_acc_lock(struct ipc__rma_ctl *c);
void ipc__rma_acc_unlock(struct ipc__rma_ctl *c);
/* Applies one accumulate to `bytes` packed bytes of target data at t (the
 * caller holds the accumulate lock): inout = in op inout. */
int ipc__rma_apply(struct ipc__win *w, int op, int type, size_t elem, const void *in,
                   void *inout, size_t bytes);
/* Sends an AM request of kind LOCK or UNLOCK to target t and waits for its
 * answer. */
int ipc__rma_am_lock(struct ipc__win *w, int t, int lock_type, bool unlock);
/* Waits until every AM operation to t (t < 0: to anyone) is complete; the
 * first error of those completed since the last call, if any. */
int ipc__rma_am_flush(struct ipc__win *w, int t);
/* At ipc_finalize, for a window the program never freed: forgets what its
 * server holds (buffers; the requests go with all the others). */
void ipc__rma_serve_forget(struct ipc__win *w);
/* Before ipc_win_free: waits for the replies this rank's server still sends. */
void ipc__rma_serve_drain(struct ipc__win *w);

/* sync.c */
/* May t be accessed now (an epoch that covers it is open)? */
bool ipc__rma_epoch_covers(const struct ipc__win *w, int t);
/* Passive-target lock words, shared by direct origins and the server. */
bool ipc__rma_try_lock(struct ipc__rma_ctl *c, int lock_type);
void ipc__rma_unlock_word(struct ipc__rma_ctl *c, int lock_type);

#endif /* IPC_RMA_WIN_H */
