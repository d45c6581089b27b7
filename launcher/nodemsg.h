/*
 * nodemsg.h - the stream between ipcrun and a node daemon.
 *
 * ipcrun starts one node daemon (`ipcrun --daemon`) on every other host
 * through the launch agent (ssh, `ip netns exec`, ...); the agent's stdin and
 * stdout are the daemon's one connection back to ipcrun. Nothing listens for
 * it, so nobody else can reach it; the job secret travels on it, never on a
 * command line. Every message is a struct ipcrun__node_hdr and `len` payload
 * bytes; docs/wire-formats.md lists them.
 *
 * ipcrun never blocks on a daemon: what it sends is queued and written as the
 * stream takes it. A daemon may block writing to ipcrun, which always reads.
 */
#ifndef IPC_LAUNCHER_NODEMSG_H
#define IPC_LAUNCHER_NODEMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum ipcrun__node_type {
    /* ipcrun -> daemon */
    IPCRUN__NODE_JOB = 1,    /* the job: "key=value\0"... then "\0" then the argv of a
                              * command line ipcrun itself would accept */
    IPCRUN__NODE_SIGNAL = 2, /* int32 signal, int32 stopping: send it to every rank (and,
                              * when stopping, to what the ranks left behind) */
    IPCRUN__NODE_CTL = 3,    /* uint32 control type, then its payload: to the rank, or to
                              * every rank of the node when rank is -1 */
    IPCRUN__NODE_IN = 4,     /* bytes of ipcrun's stdin for the rank; len 0: its end.
                              * One chunk at a time: the next after IN_ACK */
    /* daemon -> ipcrun */
    IPCRUN__NODE_STARTED = 16,  /* int32 pid of the rank */
    IPCRUN__NODE_RANK_CTL = 17, /* uint32 control type, then its payload: what the rank
                                 * said on its control channel */
    IPCRUN__NODE_OUT = 18,      /* bytes of the rank's stdout; len 0: end of it */
    IPCRUN__NODE_ERR = 19,      /* bytes of the rank's stderr; len 0: end of it */
    IPCRUN__NODE_EXIT = 20,     /* int32 wait status of the rank */
    IPCRUN__NODE_FAIL = 21,     /* int32 exit status, then text: the daemon or the rank
                                 * (rank -1: the daemon) failed; ipcrun ends the job */
    IPCRUN__NODE_DONE = 22,     /* every rank of the node ended; the daemon exits */
    IPCRUN__NODE_IN_ACK = 23,   /* int32 closed: the rank took the last IN chunk (closed:
                                 * it closed its stdin or ended; send no more) */
};

struct ipcrun__node_hdr {
    uint32_t type;
    int32_t rank; /* the job's rank the message is about, or -1 */
    uint32_t len; /* payload bytes that follow */
};

/* Largest payload: a control packet (1 MiB) and its type. */
#define IPCRUN__NODE_MAX_PAYLOAD ((1u << 20) + 64)

struct ipcrun__nodebuf {
    char *data;
    size_t off, len, cap; /* bytes [off, len) are pending */
};

/* One end of the stream. */
struct ipcrun__nodelink {
    int rfd, wfd;
    struct ipcrun__nodebuf rx, tx;
};

void ipcrun__nodelink_init(struct ipcrun__nodelink *l, int rfd, int wfd);
/* Frees the buffers; closes the descriptors (once when rfd == wfd). */
void ipcrun__nodelink_fini(struct ipcrun__nodelink *l);

/* Queues one message, the payload in two parts (b may be NULL). Returns 0,
 * or -ENOMEM. */
int ipcrun__nodelink_queue(struct ipcrun__nodelink *l, uint32_t type, int32_t rank,
                           const void *a, size_t alen, const void *b, size_t blen);
/* Writes what is queued as far as the stream takes it now. Returns 0 (check
 * ipcrun__nodelink_pending), or -errno. */
int ipcrun__nodelink_flush(struct ipcrun__nodelink *l);
/* Writes everything queued, waiting as long as it takes. Returns 0 or -errno. */
int ipcrun__nodelink_flush_all(struct ipcrun__nodelink *l);
static inline bool ipcrun__nodelink_pending(const struct ipcrun__nodelink *l)
{
    return l->tx.len > l->tx.off;
}

/* Reads what the stream has now. Returns the bytes read (> 0), 0 at end of
 * stream, -EAGAIN when there was nothing, or -errno. */
ssize_t ipcrun__nodelink_read(struct ipcrun__nodelink *l);
/* Takes the next whole message read: returns 1 and sets *h and *payload
 * (valid until the next read), 0 when none is complete, -EPROTO for a
 * message no daemon sends. */
int ipcrun__nodelink_next(struct ipcrun__nodelink *l, struct ipcrun__node_hdr *h,
                          const char **payload);

#endif /* IPC_LAUNCHER_NODEMSG_H */
