/*
 * transport.h - the one interface between the progress engine and the ways
 * bytes travel between two ranks.
 *
 * A transport moves an ordered, reliable byte stream in each direction between
 * this rank and a peer (a "link"). Framing, matching, ordering and protocols
 * live above it (wire.h, progress.c); a transport knows nothing of messages.
 * Each transport is one file whose functions are static; its only exported
 * symbol is its ops table. A transport that cannot serve a peer says so in
 * probe() instead of failing.
 *
 * One job may use several transports, one per link: ipc_init (core.c, topo.c)
 * gives pairs of ranks on one node the local transport (shm, or the one
 * IPC_TRANSPORT names) and pairs on two nodes tcp, sets links[p].ops for
 * every peer, and then calls connect() of every transport that carries any
 * pair of the job, on every rank, in the order of ipc__transport_at().
 */
#ifndef IPC_TRANSPORT_H
#define IPC_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <sys/uio.h>

#include "ipc.h"

struct ipc__job;

/* One direction pair of a byte stream to one peer. */
struct ipc__link {
    int rfd; /* poll POLLIN here to learn that read() may make progress */
    int wfd; /* poll POLLOUT here to learn that writev() may make progress */
    const struct ipc__transport_ops *ops; /* NULL: no link (self, or not chosen) */
    void *priv;                           /* the transport's own state, or NULL */
};

struct ipc__transport_ops {
    const char *name;
    /* Can this transport reach `peer` in this job (job->node_of tells where
     * each rank is)? No side effects. */
    bool (*probe)(const struct ipc__job *job, int peer);
    /* Collective over every rank of the job: each calls it once, at ipc_init,
     * when any pair of the job uses this transport, even a rank none of whose
     * own links does (it must still join the fences on the control channel).
     * Establishes links[p] for every peer p whose links[p].ops points at this
     * table, and touches no other link; who talks to whom over it is known on
     * both sides from the same rule, so counts of connections to expect may be
     * derived from links[]. Links are non-blocking when it returns. Returns
     * IPC_SUCCESS or an IPC_ERR_* code after printing one line saying why. */
    int (*connect)(struct ipc__job *job, struct ipc__link *links);
    /* Writes a prefix of the iovecs without blocking. Returns the number of
     * bytes taken (0 when the stream is full), -EPIPE when the peer has gone,
     * or another -errno. */
    ssize_t (*writev)(struct ipc__link *l, const struct iovec *iov, int iovcnt);
    /* Optional, for memory transports: lends room at the tail of the stream
     * for the writer to fill in place (packing a derived datatype straight
     * into it): returns its size (> 0, at most want, maybe less) and sets
     * *room, or 0 when the stream is full now. commit(n) publishes the
     * first n bytes written there (0 < n <= what reserve returned), as
     * writev would have written them; nothing else comes in between. */
    ssize_t (*reserve)(struct ipc__link *l, size_t want, void **room);
    void (*commit)(struct ipc__link *l, size_t n);
    /* Reads up to len bytes without blocking. Returns the count (> 0), 0 when
     * nothing is available now, -EPIPE at end of stream, or another -errno. */
    ssize_t (*read)(struct ipc__link *l, void *buf, size_t len);
    /* Optional, for transports whose bytes sit in memory the reader can see
     * (shm); when set, read is not used. peek lends the next readable bytes
     * in place: returns their count (> 0) and sets *data, 0 when nothing is
     * available now, -EPIPE / -errno as read does. consume(n) gives back the
     * first n bytes of what peek lent; the pointer is invalid after it. */
    ssize_t (*peek)(struct ipc__link *l, const void **data);
    void (*consume)(struct ipc__link *l, size_t n);
    /* With peek: makes the room freed by consume() since the last call
     * available to the writer (called once after a batch of reads). */
    void (*release)(struct ipc__link *l);
    /* Releases the link; l->ops stays set so the caller knows its kind. */
    void (*close)(struct ipc__link *l);
    /* Optional: releases what connect set up beyond the links, after every
     * link is closed; called once for each transport whose connect was
     * called, even if it failed. */
    void (*fini)(void);
    /* Optional, for memory transports, which no poll() can wait on: the rank
     * sleeps on a doorbell that writers ring. arm() comes before the last look
     * for work and returns a token; sleep(token, timeout_ms) returns at once if
     * the doorbell rang since arm() (timeout_ms < 0: no limit); disarm()
     * after waking. */
    unsigned (*arm)(void);
    void (*sleep)(unsigned token, int timeout_ms);
    void (*disarm)(void);
    /* Optional, with arm: for a rank that also has descriptor links, a
     * descriptor that turns readable when the doorbell rings, so that one
     * poll() waits for both: the rank polls it between arm() and disarm()
     * instead of calling sleep(), and disarm() empties it. -1 when the rank
     * has no such descriptor (it then alternates short polls and looks). */
    int (*doorbell_fd)(void);
};

extern const struct ipc__transport_ops ipc__transport_pipe;
extern const struct ipc__transport_ops ipc__transport_unix;
extern const struct ipc__transport_ops ipc__transport_shm;
extern const struct ipc__transport_ops ipc__transport_tcp;

/* shm: does every rank of the job share this rank's segment (the whole job
 * is on one node), and a barrier of the whole job through it (only then). */
bool ipc__shm_world(void);
void ipc__shm_barrier(bool oversubscribed);
/* Allreduce of the whole job through the segment, for inputs that fit a slot
 * (fits is false unless ipc__shm_world()): buf holds this rank's input and
 * receives the result. */
bool ipc__shm_allreduce_fits(size_t bytes);
void ipc__shm_allreduce(void *buf, size_t count, ipc_datatype type, ipc_op op);
/* shm single copy: can this rank read its shm peers' memory, and do it (peer
 * is a world rank whose link is shm). */
bool ipc__shm_single_copy(void);
int ipc__shm_read_peer(int peer, void *dst, uint64_t addr, size_t len);
int ipc__shm_write_peer(int peer, uint64_t addr, const void *src, size_t len);

/* Looks up a transport by name (IPC_TRANSPORT); NULL when unknown. */
const struct ipc__transport_ops *ipc__transport_find(const char *name);
/* The i-th transport, in the fixed order every rank connects them; NULL past
 * the last. */
const struct ipc__transport_ops *ipc__transport_at(size_t i);

/* Helpers shared by transports that move bytes through file descriptors. */
ssize_t ipc__fd_writev(struct ipc__link *l, const struct iovec *iov, int iovcnt);
ssize_t ipc__fd_read(struct ipc__link *l, void *buf, size_t len);
/* SO_SNDBUF and SO_RCVBUF of a socket (0: leave the kernel's). For TCP, set
 * before connect() or listen() to shape the window; accepted sockets inherit
 * the listener's. */
void ipc__socket_buffers(int fd, size_t bytes);
/* writev and close for links that are one connected socket (rfd == wfd). */
ssize_t ipc__socket_writev(struct ipc__link *l, const struct iovec *iov, int iovcnt);
void ipc__socket_close(struct ipc__link *l);

#endif /* IPC_TRANSPORT_H */
