/*
 * boot.h - how a rank learns its job and meets the other ranks: the one seam
 * between libipc and whatever started it.
 *
 * Three implementations, each one file whose only exported symbol is its table:
 *   ipcrun.c  ipcrun (or its node daemon): the control channel of ctl.h
 *   pmi2.c    a resource manager's PMI-2 library (srun --mpi=pmi2), loaded
 *             with dlopen when the environment says PMI-2 started the rank
 *   pmix.c    PMIx (srun --mpi=pmix), the same way; compiled in when
 *             configure finds pmix.h, else it only says to use PMI-2
 * A rank started by none of them is a job of one and has no bootstrap.
 *
 * Transports use only put/fence/get and the secret, so they work alike
 * under all. What only ipcrun can do (hand out memfds and pipes, keep the
 * state page, collect --stats) stays on the control channel (job->ctl_fd,
 * -1 under PMI-2 and PMIx).
 */
#ifndef IPC_BOOT_H
#define IPC_BOOT_H

#include <stdbool.h>
#include <stddef.h>

#include "auth.h"

struct ipc__job;

struct ipc__boot_ops {
    const char *name; /* "ipcrun", "PMI-2": what error lines name */
    /* Is this how the rank was started? Looks at the environment only. */
    bool (*detect)(void);
    /* Fills job->rank, size, job_id and ctl_fd, and returns in *node_of
     * the node of every rank as IPC_NODE_OF would give it ("0,0,1"; NULL:
     * all on one node; the caller frees it). Returns IPC_SUCCESS or an
     * IPC_ERR_* code after printing one line. */
    int (*init)(struct ipc__job *job, char **node_of);
    /* Publishes key=value (both NUL-terminated, value at most 1000 bytes)
     * to every rank, visible after the next fence. Each key once per job. */
    int (*put)(const char *key, const char *value);
    /* Collective over every rank: returns once all have called it. */
    int (*fence)(void);
    /* The value rank `from` put under key before the last fence, or NULL
     * (PMIx looks keys up by the rank that put them). Valid until the next
     * get or fence. */
    const char *(*get)(const char *key, int from);
    /* The job secret tcp hellos carry (auth.h); available after the first
     * fence that follows init. Returns IPC_SUCCESS, or an IPC_ERR_* code
     * with why (for the caller's line). */
    int (*secret)(unsigned char out[IPC__SECRET_BYTES], char *why, size_t whylen);
    /* ipc_finalize, after the last message: the job manager may count on
     * it (PMI2_Finalize) or ipcrun judges the rank by it. */
    void (*finalize)(void);
    /* ipc_abort: ends the whole job if the bootstrap can; the caller
     * _exits(code) right after. */
    void (*abort)(int code);
};

extern const struct ipc__boot_ops ipc__boot_ipcrun, ipc__boot_pmi2, ipc__boot_pmix;

/* A library a bootstrap loads with dlopen, and the functions it needs. */
struct ipc__boot_lib {
    const char *file;       /* "libpmi2.so.0" */
    bool global;            /* RTLD_GLOBAL (its own plugins need its symbols) */
    const char *started_by; /* for the error line: "PMI-2 (PMI_FD is set, ...)" */
    const char *advice;     /* what to do when it cannot be loaded */
    const char *kind;       /* "a PMI-2 library": what it should have been */
    const struct ipc__boot_sym {
        const char *name;
        void **fn;
    } *syms;
    size_t nsyms;
};

/* Loads lib and resolves every function it lists. Returns IPC_SUCCESS, or
 * IPC_ERR_WIREUP after one line on stderr that says what is missing. */
int ipc__boot_load(const struct ipc__boot_lib *lib);

/* PMI_process_mapping, "(vector,(0,2,3),(2,1,1))": blocks of (first node,
 * node count, ranks per node), dealt in rank order and repeated until every
 * rank has a node (a cyclic layout repeats small blocks). Sets *out to the
 * node of each of size ranks as IPC_NODE_OF gives it ("0,0,0,1,1,1,2"; free
 * it); returns 0, or -1 when the text is not exactly such a vector (fields
 * are digits that fit an int, node numbers included; nothing after the last
 * parenthesis). Any length of text and number of blocks. Pure. */
int ipc__pmi2_parse_mapping(const char *s, int size, char **out);

#endif /* IPC_BOOT_H */
