/*
 * transport.h - the one interface between the progress engine and the ways
 * bytes travel between two ranks.
 *
 * A transport moves an ordered, reliable byte stream in each direction between
 * this rank and a peer (a "link"). Framing, matching, ordering and protocols
 * live above it (wire.h, progress.c); a transport knows nothing of messages.
 * Each transport is one file (shm: the folder shm/) whose only export is its
 * ops table, and the table is the whole interface: nothing outside
 * transport/ calls a transport's functions or tests which table a link has;
 * only the choice of transports (topo.c, core.c) names tables.
 * docs/transports.md has each member's contract, callers and when it may be
 * NULL. A transport that cannot serve a peer says so in probe() instead
 * of failing.
 *
 * One job may use several transports, one per link: ipc_init (core.c, topo.c)
 * gives pairs of ranks on one node the local transport (shm, or the one
 * IPC_TRANSPORT names) and pairs on two nodes tcp, sets links[p].ops for
 * every peer, and then calls connect() of every transport that carries any
 * pair of the job, on every rank, in the order of ipc__transport_at().
 * connect() may leave links to be opened on first use (tcp, unix: see
 * service_fd).
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
struct ipc__node_area;
struct ipc__transport_ops;

/* What kind of link a transport makes, which decides how the progress
 * engine serves it. */
enum ipc__link_kind {
    /* Bytes go through file descriptors: writev/read, poll() on rfd/wfd. */
    IPC__LINK_STREAM,
    /* Bytes sit in memory the reader can see: writev (or reserve/commit) and
     * peek/consume/release; no descriptor to poll, the rank sleeps on the
     * transport's doorbell (arm/sleep/disarm). */
    IPC__LINK_MEMORY,
};

/* One direction pair of a byte stream to one peer. */
struct ipc__link {
    int rfd; /* poll POLLIN here to learn that read() may make progress */
    int wfd; /* poll POLLOUT here to learn that writev() may make progress */
    const struct ipc__transport_ops *ops; /* NULL: no link (self, or not chosen) */
    void *priv;                           /* the transport's own state, or NULL */
};

/* A transport as one job uses it: one per transport that carries some pair of
 * the job (job->transports[], beside job->used[]). ops is set before
 * connect(); priv is the transport's, set by connect and released by fini. */
struct ipc__transport {
    const struct ipc__transport_ops *ops;
    void *priv;
};

/* The members, who calls them and when they may be NULL: docs/transports.md. */
struct ipc__transport_ops {
    const char *name;
    enum ipc__link_kind kind;
    /* Can this transport reach `peer` in this job (job->node_of tells where
     * each rank is)? No side effects. */
    bool (*probe)(const struct ipc__job *job, int peer);
    /* Collective over every rank of the job: each calls it once, at ipc_init,
     * when any pair of the job uses this transport, even a rank none of whose
     * own links does (it must still join the fences on the control channel).
     * Establishes links[p] for every peer p whose links[p].ops points at this
     * table, or makes them ready to be opened on first use (service_fd), and
     * touches no other link; who talks to whom over it is known on both sides
     * from the same rule. Links are non-blocking when they are up. State
     * beyond the links goes in self->priv. Returns IPC_SUCCESS or an IPC_ERR_*
     * code after printing one line saying why. */
    int (*connect)(struct ipc__transport *self, struct ipc__job *job,
                   struct ipc__link *links);
    /* Writes a prefix of the iovecs without blocking. Returns the number of
     * bytes taken (0 when the stream is full), -EPIPE when the peer has gone,
     * or another -errno. */
    ssize_t (*writev)(struct ipc__link *l, const struct iovec *iov, int iovcnt);
    /* Optional, for memory links: lends room at the tail of the stream
     * for the writer to fill in place (packing a derived datatype straight
     * into it): returns its size (> 0, at most want, maybe less) and sets
     * *room, 0 when the stream is full now, or -errno when the link cannot
     * be written (as writev's). commit(n) publishes the
     * first n bytes written there (0 < n <= what reserve returned), as
     * writev would have written them; nothing else comes in between. */
    ssize_t (*reserve)(struct ipc__link *l, size_t want, void **room);
    void (*commit)(struct ipc__link *l, size_t n);
    /* Stream links: reads up to len bytes without blocking. Returns the count
     * (> 0), 0 when nothing is available now, -EPIPE at end of stream, or
     * another -errno. A memory link may have it too; it is not used. */
    ssize_t (*read)(struct ipc__link *l, void *buf, size_t len);
    /* Memory links (required there, NULL on stream links): peek lends the
     * next readable bytes in place: returns their count (> 0) and sets *data,
     * 0 when nothing is available now, -EPIPE / -errno as read does.
     * consume(n) gives back the first n bytes of what peek lent; the pointer
     * is invalid after it. */
    ssize_t (*peek)(struct ipc__link *l, const void **data);
    void (*consume)(struct ipc__link *l, size_t n);
    /* Optional, with peek: makes the room freed by consume() since the last
     * call available to the writer (called once after a batch of reads). */
    void (*release)(struct ipc__link *l);
    /* Releases the link; l->ops stays set so the caller knows its kind. */
    void (*close)(struct ipc__link *l);
    /* Optional: releases what connect set up beyond the links, after every
     * link is closed; called once for each transport whose connect was
     * called, even if it failed. */
    void (*fini)(struct ipc__transport *self);
    /* Memory transports (required there), which no poll() can wait on: the
     * rank sleeps on a doorbell that writers ring. arm() comes before the last
     * look for work and returns a token; sleep(token, timeout_ms) returns at
     * once if the doorbell rang since arm() (timeout_ms < 0: no limit);
     * disarm() after waking. */
    unsigned (*arm)(struct ipc__transport *self);
    void (*sleep)(struct ipc__transport *self, unsigned token, int timeout_ms);
    void (*disarm)(struct ipc__transport *self);
    /* Optional, with arm: called by a rank that spins and has waited a
     * while; true when another rank of the transport, awake, runs on the
     * same cpu, so that spinning on keeps it off its cpu. */
    bool (*crowded)(struct ipc__transport *self);
    /* Optional, with arm: for a rank that also has stream links, a descriptor
     * that turns readable when the doorbell rings, so that one poll() waits
     * for both: the rank polls it between arm() and disarm() instead of
     * calling sleep(), and disarm() empties it. -1 when the rank has no such
     * descriptor (it then alternates short polls and looks). */
    int (*doorbell_fd)(struct ipc__transport *self);
    /* Optional (NULL: the link has no direct access): direct access to the
     * peer's memory, without the stream. can_access says whether get and put
     * work on this link now (they may be off by a tunable, or refused by the
     * kernel); only then may they be called. get copies len bytes at the
     * peer's address remote_addr to dst, put copies len bytes from src to
     * the peer's remote_addr; either may move them in several pieces, and
     * returns 0 once all are there, or -errno (nothing is promised of the
     * destination then).
     * Which addresses are valid: only a region the peer registered with this
     * rank, i.e. told it in a message, for as long as the peer keeps it
     * valid: a rendezvous buffer from the RTS (saddr) or PUT (rreq) until
     * the peer learns, by FIN or DONE, that the copy is over; a window a
     * rank exposes for one-sided access, until it closes the window. The
     * transport does not check the range (the kernel checks only that it is
     * mapped): the caller must. Neither writes to the stream. */
    bool (*can_access)(const struct ipc__link *l);
    int (*get)(struct ipc__link *l, void *dst, uint64_t remote_addr, size_t len);
    int (*put)(struct ipc__link *l, uint64_t remote_addr, const void *src, size_t len);
    /* Optional, together: a transport with work of its own beyond the
     * links (connections to accept, handshakes; tcp and unix open links on
     * first use) gives a descriptor that turns readable when it has some
     * (-1: none now), which the engine polls with the links, and serve(),
     * which the engine calls when it is readable: it does that work without
     * blocking and may set links' rfd and wfd, and returns true when a link
     * came up or was given up. A link's writev finding no wfd asks the
     * transport for its connection and returns 0 until it is up. */
    int (*service_fd)(struct ipc__transport *self);
    bool (*serve)(struct ipc__transport *self);
    /* Optional: what --report-transports says of this transport beyond its
     * name (after connect): writes at most len bytes (with the NUL) to buf,
     * starting with "; ", and returns what snprintf returns. `mixed`: the
     * line names another transport too, so the text says which it is
     * about. */
    int (*describe)(const struct ipc__transport *self, const struct ipc__job *job,
                    bool mixed, char *buf, size_t len);
    /* Optional: a line of its own for --report-transports about what the
     * transport costs the node (shm: its segment), written by one rank of
     * each node; returns its length, 0 when this rank has nothing to say. */
    int (*describe_node)(const struct ipc__transport *self, const struct ipc__job *job,
                         char *buf, size_t len);
    /* Optional: the shared memory in which every rank of the job meets, for
     * node-wide collectives (coll/node.c, transport/node.h); NULL unless this
     * transport holds every rank of the job in one segment. */
    struct ipc__node_area *(*node_area)(struct ipc__transport *self);
};

/* Can get and put reach l's peer now (can_access above)? */
static inline bool ipc__direct_access(const struct ipc__link *l)
{
    return l->ops && l->ops->can_access && l->ops->can_access(l);
}

extern const struct ipc__transport_ops ipc__transport_pipe;
extern const struct ipc__transport_ops ipc__transport_unix;
extern const struct ipc__transport_ops ipc__transport_shm;
extern const struct ipc__transport_ops ipc__transport_tcp;

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
/* fini, service_fd and serve of the transports whose links are opened on
 * first use (handshake.h): self->priv is their struct ipc__streams. */
void ipc__stream_fini(struct ipc__transport *self);
int ipc__stream_service_fd(struct ipc__transport *self);
bool ipc__stream_serve(struct ipc__transport *self);

#endif /* IPC_TRANSPORT_H */
