/*
 * rma.h - one-sided communication (windows), what libipc's entries
 * (rma/entry.c) and the MPI layer (mpi/mpi_win.c) share with the engine.
 * docs/one-sided.md tells the design.
 *
 * Every operation reaches its target one of three ways, chosen per pair when
 * the window is made (ipc__rma_path):
 *   DIRECT  the target's window memory is mapped here (ipc_win_allocate and
 *           _shared on one node, and the origin itself): loads, stores,
 *           accumulates under the target's accumulate lock;
 *   CMA     the target's memory is the program's (create, dynamic) on this
 *           node: process_vm_readv/writev, the same lock for accumulates;
 *   AM      anything else (another node, a transport other than shm): a
 *           request message that the target's progress engine serves.
 * Locks and the accumulate lock of every rank live in a control block that
 * the node's members of the window map (passive target needs no help from a
 * target on the same node); a target on another node serves lock requests
 * from its own progress engine.
 */
#ifndef IPC_RMA_H
#define IPC_RMA_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* One run of bytes at the target: off is from the start of the target's
 * window in bytes (disp * disp_unit already applied), or for a dynamic
 * window an absolute address in the target's address space. */
struct ipc__rma_blk {
    uint64_t off;
    uint64_t len;
};

enum ipc__rma_kind {
    IPC__RMA_PUT = 1,
    IPC__RMA_GET,
    IPC__RMA_ACC,     /* target = src op target */
    IPC__RMA_GET_ACC, /* dst = target; target = src op target (fetch_and_op too) */
    IPC__RMA_CAS,     /* dst = target; if target == cmp, target = src (one element) */
};

/* Operations of an accumulate beyond what the window's kernel knows. */
enum { IPC__RMA_OP_REPLACE = -1, IPC__RMA_OP_NO_OP = -2 };

/* The window's accumulate kernel: inout[i] = in[i] op inout[i] for n
 * elements; op and type are the codes of the layer that made the window
 * (libipc: ipc_op values and ipc__rma_type_code; MPI: MPI_Op and the basic
 * MPI_Datatype), the same on every rank. Returns false when op does not apply
 * to type. */
typedef bool ipc__rma_kernel(int op, int type, const void *in, void *inout, size_t n);

/* One operation, as the layer above describes it (the engine copies what it
 * keeps: the descriptor and the block list may go once ipc__rma_post
 * returns; src and cmp too). */
struct ipc__rma_desc {
    enum ipc__rma_kind kind;
    int target;                     /* rank in the window's communicator */
    const struct ipc__rma_blk *blk; /* the target's bytes, in order */
    size_t nblk;
    size_t bytes;    /* sum of the blocks' lengths */
    const void *src; /* bytes packed (PUT, ACC, GET_ACC, CAS: the new value) */
    const void *cmp; /* CAS: the value compared with */
    void *dst;       /* GET, GET_ACC, CAS: bytes packed, filled on completion */
    int op, type;    /* accumulates: the kernel's codes (or IPC__RMA_OP_*) */
    size_t elem;     /* accumulates: packed bytes of one element; bytes is a multiple
                      * (an element may straddle blocks: a pair type with padding) */
    /* Called once when the operation is complete at the origin (dst filled),
     * with its outcome; NULL: nothing to call. For the layer's own clean-up
     * (unpacking dst, freeing packed copies). It runs before the request of
     * an r- form completes, and never inside ipc__rma_post for an AM target;
     * for a DIRECT or CMA target it may (the operation is over at once). */
    void (*done)(void *arg, int err);
    void *arg;
};

/* Starts d on win. With req, *req is a request that completes with the
 * operation (the r- forms); without, the operation completes by the next
 * flush, unlock, complete or fence. Checks the epoch (IPC_ERR_RMA_SYNC)
 * and, where this rank knows the target's extent, the range
 * (IPC_ERR_RMA_RANGE); an error returned means d->done was not called and
 * nothing was started. */
int ipc__rma_post(ipc_win win, const struct ipc__rma_desc *d, struct ipc__req **req);

/* How the window was made, for the layer above (ipc__rma_make). */
struct ipc__rma_make {
    int flavor;  /* IPC_WIN_FLAVOR_* */
    void *base;  /* create: the program's memory */
    size_t size; /* create, allocate, shared */
    int disp_unit;
    bool noncontig;          /* shared */
    ipc__rma_kernel *kernel; /* NULL: libipc's */
};
/* Collective over comm: makes the window; for allocate and shared *base is
 * set to this rank's memory. */
int ipc__rma_make(ipc_comm comm, const struct ipc__rma_make *m, void **base,
                  ipc_win *win);

/* libipc's kernel and the codes of its basic types (ipc_datatype -> code
 * and size, 0 when the type is none of them). */
bool ipc__rma_kernel_ipc(int op, int type, const void *in, void *inout, size_t n);
int ipc__rma_type_code(ipc_datatype type);

/* The window's size in bytes at rank (its own, or as the members told each
 * other when it was made; dynamic: 0) and disp_unit, for range checks above. */
int ipc__rma_target_info(ipc_win win, int rank, size_t *size, int *disp_unit);

/* IPC_SUCCESS when ipc_win_free may go ahead (no epoch open at this rank),
 * else IPC_ERR_RMA_SYNC; no side effect, so that the MPI layer deletes its
 * attributes only when the free will happen. */
int ipc__rma_can_free(ipc_win win);

/* A valid window (made and not freed), or NULL: what every entry asks first. */
struct ipc__win *ipc__win_of(ipc_win win);

/* The MPI layer's state of a window (attributes, name, error handler),
 * kept by the window and never looked into by libipc. */
struct ipc__mpi_win;
struct ipc__mpi_win **ipc__win_mpi_slot(ipc_win win);

/* --report-transports: how windows reach each kind of pair in this job
 * ("ipc: one-sided: ...", one line without newline) into out, from what
 * made the links (the choice ipc__rma_make makes per pair). Returns its
 * length as snprintf does. */
int ipc__rma_describe(char *out, size_t cap);

/* The progress engine's hook: serves requests of AM origins to every
 * window, and retries locks they wait for. True if it did anything. */
bool ipc__rma_serve(void);
/* ipc_finalize: releases the memory of windows the program did not free
 * (erroneous in MPI, but nothing is left mapped). */
void ipc__rma_fini(void);
/* Windows that may have AM requests to serve (progress.c asks this first). */
extern int ipc__rma_nserved;

#endif /* IPC_RMA_H */
