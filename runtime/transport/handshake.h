/*
 * handshake.h - the connections of the stream transports that accept them
 * (tcp, unix): opened on first use, each through the handshake of auth.h,
 * and only for ranks of this job.
 *
 * At ipc_init a rank only listens, publishes its address and learns the job
 * secret: no connection is made. The first frame for a peer (the link's
 * writev finding no socket) asks for one; the rank dials the peer's
 * published address, and the peer accepts it while it makes progress, as
 * part of its poll (ipc__streams_fd, ipc__streams_serve). A pair that never
 * talks never connects, so a rank holds a descriptor per peer it talks to,
 * not per rank of the job.
 *
 *   dialling rank D                          accepting rank A
 *   HELLO     {rank D, nonce_d}       ->
 *                                     <-     CHALLENGE {rank A, nonce_a, mac_A}
 *   (checks mac_A: A knows the secret)         or CROSSED (below)
 *   PROOF     {rank D, mac_D}         ->     (checks mac_D: D knows the secret)
 *                                     <-     WELCOME {rank A, mac}: the link is up
 *
 * Both ends may dial each other at once (each has a first frame for the
 * other). Both then agree without a race: the dial of the lower rank
 * carries the link. A lower rank that is dialling (or already linked by its
 * own dial) answers the higher one's HELLO with CROSSED and closes; a
 * higher rank always accepts the lower's dial, and drops its own once the
 * lower's has proved itself (or on CROSSED). A rank dials only when it has
 * neither a dial of its own nor a handshake from that peer under way, so
 * each pair ends with exactly one connection.
 *
 * Whoever can reach a listener may connect to it: a process of another user
 * (abstract unix sockets have no permissions), anyone on the network (tcp).
 * A connection is believed only once it has proved that it knows the job
 * secret; strangers are refused with a line on stderr, without failing or
 * slowing the job, and nothing is read from a connection as a frame before
 * its handshake has passed. A dial that the other side drops before WELCOME
 * (it may drop the oldest handshakes under a flood) is made again, up to
 * IPC__DIAL_TRIES times.
 */
#ifndef IPC_HANDSHAKE_H
#define IPC_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "auth.h"

struct ipc__job;
struct ipc__link;
struct ipc__transport_ops;

/* From accept until a HELLO: a real rank sends its hello with its connect. */
#define IPC__HANDSHAKE_LIMIT_MS 3000
/* From a HELLO until the PROOF, and for a connect() to complete: the
 * dialling rank answers the challenge only when it next makes progress. */
#define IPC__HANDSHAKE_WAIT_MS 60000
/* Connections waiting for their handshake at once, beyond one per rank of
 * the job (every peer may dial at once); past that the oldest is dropped. */
#define IPC__HANDSHAKE_PENDING_MAX 256
/* One connect() attempt; attempts repeat until IPC__HANDSHAKE_WAIT_MS. */
#define IPC__CONNECT_TRY_MS 2000
/* Dials of one peer that may be dropped before WELCOME before the link is
 * given up. */
#define IPC__DIAL_TRIES 8

/* What a stream transport that accepts connections (tcp, unix) gives the
 * connection machinery they share. */
struct ipc__stream_wireup {
    const struct ipc__transport_ops *ops; /* the transport whose links these are */
    const char *what;      /* "TCP", "unix": in refusals */
    const char *failed_as; /* "TCP", "unix socket": "... wire-up failed at" */
    bool same_user;        /* refuse a peer of another uid (SO_PEERCRED) */
    int domain;            /* AF_INET, AF_UNIX */
    bool buffers_first;    /* size a socket's buffers before connect (tcp's window) */
    /* Listens on a fresh address and publishes it (ipc__kv_put). Returns 0 and
     * *lfd, or -errno (why filled in when there is more to say). */
    int (*listen)(struct ipc__job *job, int *lfd, char *why, size_t whylen);
    /* The address peer published, after the fence; shown is how messages name
     * it ("" when it cannot be shown). Returns 0, or -errno with why. */
    int (*address)(int peer, struct sockaddr_storage *sa, socklen_t *salen, char *shown,
                   size_t shownlen, char *why, size_t whylen);
    /* Tunes a link's socket (non-blocking already) when it comes up. */
    void (*tune)(const struct ipc__job *job, int fd);
    /* The link to peer cannot be made (ipc__peer_lost): why says what
     * failed. Called from ipc__streams_serve only. */
    void (*lost)(int peer, const char *why);
};

/* The connections of one stream transport in one rank. */
struct ipc__streams;

/* Listens and publishes, joins the fence, gets the job secret, and makes
 * every link of links[] that w->ops carries ready to be opened on first use
 * (links[p].priv; rfd and wfd stay -1 until the link is up). On failure
 * prints one line ("ipc: rank R: <failed_as> wire-up failed at <stage>:
 * <why>") and returns IPC_ERR_WIREUP. */
int ipc__streams_open(struct ipc__job *job, struct ipc__link *links,
                      const struct ipc__stream_wireup *w, struct ipc__streams **out);

/* The same on a listener that is already published (lfd, which it takes
 * over) and a secret in hand: no key/value store is needed. Returns
 * IPC_SUCCESS, IPC_ERR_NOMEM or IPC_ERR_WIREUP. */
int ipc__streams_start(const struct ipc__job *job, struct ipc__link *links,
                       const struct ipc__stream_wireup *w, int lfd,
                       const unsigned char secret[IPC__SECRET_BYTES],
                       struct ipc__streams **out);

/* A descriptor that turns readable when ipc__streams_serve has work: a
 * connection to accept, a handshake message, a dial asked for. */
int ipc__streams_fd(const struct ipc__streams *s);

/* Accepts, moves handshakes on, dials the peers asked for, refuses
 * strangers, drops handshakes past their time; never blocks on a peer.
 * Returns true when a link came up or was given up. */
bool ipc__streams_serve(struct ipc__streams *s);

/* For the writev of a link that is not up yet: asks for a connection to its
 * peer (made by the next ipc__streams_serve) unless one is under way, and
 * returns 0 (nothing written). */
ssize_t ipc__streams_want(struct ipc__link *l);

/* Closes the listener and every connection still in its handshake (not the
 * links that came up: their transport's close does) and frees s. Prints
 * how many more strangers were refused than were shown. */
void ipc__streams_close(struct ipc__streams *s);

/* Makes a stream socket of the given domain and connects it to sa, retrying
 * while the listener's queue is full or a try takes longer than
 * IPC__CONNECT_TRY_MS, until deadline_ms (CLOCK_MONOTONIC). sockbuf sizes the
 * socket's buffers before the connect (0: the system's). The socket is
 * non-blocking. Returns 0 and *out_fd, or -errno (-ETIMEDOUT). */
int ipc__connect_within(int domain, const struct sockaddr *sa, socklen_t salen,
                        size_t sockbuf, int64_t deadline_ms, int *out_fd);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t ipc__now_ms(void);

#endif /* IPC_HANDSHAKE_H */
