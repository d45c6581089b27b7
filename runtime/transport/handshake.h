/*
 * handshake.h - opening the connections of the stream transports that
 * accept them (tcp, unix): a connect with a time limit and retries, and an
 * accept loop that admits only ranks of this job.
 *
 * Whoever can reach a listener may connect to it: a process of another user
 * (abstract unix sockets have no permissions), anyone on the network (tcp).
 * So the accepting rank reads the hellos of all pending connections at once,
 * each with a short time limit, believes a connection only once it has
 * proved it knows the job secret (auth.h), and refuses strangers, with a
 * line on stderr, without failing or slowing the job: a silent or garbage
 * connection costs a real rank nothing. Nothing is read from a connection
 * as a frame before the handshake has passed.
 */
#ifndef IPC_HANDSHAKE_H
#define IPC_HANDSHAKE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include "auth.h"

struct ipc__job;
struct ipc__link;
struct ipc__transport_ops;

/* Per-connection limit, from accept until its proof: a real rank sends its
 * hello at once and answers the challenge at once. */
#define IPC__HANDSHAKE_LIMIT_MS 3000
/* Connections waiting for their hello at once; beyond it the oldest is
 * dropped (a real rank's hello is read as soon as it is accepted). */
#define IPC__HANDSHAKE_PENDING_MAX 256
/* How long a connecting rank waits for the challenge: the accepting rank may
 * still be connecting to the ranks below it. */
#define IPC__HANDSHAKE_WAIT_MS 60000
/* One connect() attempt; attempts repeat until IPC__HANDSHAKE_WAIT_MS. */
#define IPC__CONNECT_TRY_MS 2000

/* What a stream transport that accepts connections (tcp, unix) gives the
 * wire-up they share. */
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
};

/* The whole wire-up of w->ops's links: listen and publish, fence, get the
 * job secret, connect to every lower rank that links[] gives to w->ops and
 * accept every such higher one, each through the handshake. Both ends of a
 * pair know from links[] that it is theirs. Sets the links' rfd and wfd;
 * connected sockets are non-blocking, accepted ones as accept made them: the
 * transport tunes them after. On failure prints one line ("ipc: rank R:
 * <failed_as> wire-up failed at <stage>: <why>") and returns
 * IPC_ERR_WIREUP. */
int ipc__stream_wireup(struct ipc__job *job, struct ipc__link *links,
                       const struct ipc__stream_wireup *w);

/* Makes a stream socket of the given domain and connects it to sa, retrying
 * while the listener's queue is full or a try takes longer than
 * IPC__CONNECT_TRY_MS, until deadline_ms (CLOCK_MONOTONIC). sockbuf sizes the
 * socket's buffers before the connect (0: the system's). The socket is
 * non-blocking. Returns 0 and *out_fd, or -errno (-ETIMEDOUT). */
int ipc__connect_within(int domain, const struct sockaddr *sa, socklen_t salen,
                        size_t sockbuf, int64_t deadline_ms, int *out_fd);

/* The connecting side of the handshake on a connected socket, as rank `me`
 * to rank `peer`. With same_user, a listener of another uid is refused
 * before anything is sent. Returns 0, or -errno with why filled in. */
int ipc__handshake_connect(int fd, int32_t me, int32_t peer, bool same_user,
                           const unsigned char secret[IPC__SECRET_BYTES], char *why,
                           size_t whylen);

/* Accepts on the listening socket lfd until `count` higher ranks of the job
 * that links[] gives to rules->ops have proved themselves (rules->what,
 * same_user), and sets their
 * links' rfd and wfd. Strangers are refused and do not count. Returns 0, or
 * -errno when the listener itself fails. */
int ipc__handshake_accept(int lfd, const struct ipc__job *job, struct ipc__link *links,
                          const struct ipc__stream_wireup *rules,
                          const unsigned char secret[IPC__SECRET_BYTES], int count);

/* Milliseconds of CLOCK_MONOTONIC. */
int64_t ipc__now_ms(void);

#endif /* IPC_HANDSHAKE_H */
