/*
 * ctl.h - the control channel between ipcrun and each rank.
 *
 * ipcrun creates one AF_UNIX SOCK_SEQPACKET socketpair per rank before fork and
 * tells the rank its end in IPC_CONTROL_FD. Every message is one packet: a
 * struct ipc__ctl_hdr followed by `len` payload bytes, optionally carrying file
 * descriptors (SCM_RIGHTS). Both ipcrun and libipc use these functions; the
 * wire format is described in docs/wire-formats.md.
 *
 * Environment ipcrun gives every rank:
 *   IPC_RANK, IPC_SIZE, IPC_LOCAL_RANK, IPC_LOCAL_SIZE  decimal integers
 *   IPC_JOB_ID       uuid of the job (36 characters)
 *   IPC_CONTROL_FD   the rank's end of its control socket
 *   IPC_TRANSPORT    the transport chosen with --transport (absent: the default)
 *   IPC_NODE_OF      the node index of every rank, "0,0,1,1" (absent: one node;
 *                    set by hand with -x to make one host look like several)
 */
#ifndef IPC_CTL_H
#define IPC_CTL_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum ipc__ctl_type {
    /* rank -> launcher */
    IPC__CTL_INIT = 1,     /* ipc_init started; payload: none */
    IPC__CTL_PUT = 2,      /* publish "key\0value\0" */
    IPC__CTL_FENCE = 3,    /* wait until every rank has fenced; answered by FENCE_DONE */
    IPC__CTL_PIPES = 4,    /* ask for pipes to the node's ranks; payload: uint32 node;
                              answered by one PIPE per other rank of that node */
    IPC__CTL_ABORT = 5,    /* payload: int32 error code; the rank exits right after */
    IPC__CTL_FINALIZE = 6, /* ipc_finalize completed; payload: none */
    IPC__CTL_SHM = 7,      /* ask for the node's shared segment; payload: struct
                              ipc__ctl_shm_req */
    /* launcher -> rank */
    IPC__CTL_FENCE_DONE = 64, /* payload: every "key\0value\0" put so far */
    IPC__CTL_PIPE = 65,       /* payload: int32 peer; fds: [read from peer, write to peer] */
    IPC__CTL_SHM_FD = 66,     /* payload: struct ipc__ctl_shm; fds: [segment] when err == 0 */
};

struct ipc__ctl_hdr {
    uint32_t type;
    uint32_t len; /* payload bytes after the header */
};

/* IPC__CTL_SHM: the launcher keeps one anonymous segment (memfd) per node
 * index, created when the node's first rank asks, of the size it asked for,
 * with every page reserved up front; the node's other ranks must ask for the
 * same size and count, and the launcher closes its copy once `nranks` ranks
 * have it. A rank alone on its node does not ask. */
struct ipc__ctl_shm_req {
    uint64_t size;   /* bytes */
    uint32_t node;   /* the asking rank's node index (IPC_NODE_OF; 0 without it) */
    uint32_t nranks; /* ranks on that node, every one of which asks */
};

/* Answer to IPC__CTL_SHM. */
struct ipc__ctl_shm {
    int32_t err;   /* 0, or the errno that made creating it fail */
    uint32_t pad;
    uint64_t size; /* bytes */
};

#define IPC__CTL_MAX_FDS 4
#define IPC__CTL_MAX_MSG (1u << 20) /* largest packet, header included */

/* Sends one packet. Returns 0, or -errno. Retries on EINTR; blocks if the
 * socket is full. */
int ipc__ctl_send(int fd, uint32_t type, const void *payload, size_t len,
                  const int *fds, int nfds);

/* Receives one packet into buf (capacity cap). On success returns the payload
 * length and sets *type; received descriptors go to fds[0..*nfds) (pass
 * nfds == NULL to refuse them; any that arrive are closed). Returns 0 with
 * *type == 0 at end of file, -EMSGSIZE for a packet larger than cap, or -errno. */
ssize_t ipc__ctl_recv(int fd, uint32_t *type, void *buf, size_t cap, int *fds,
                      int *nfds);

#endif /* IPC_CTL_H */
