/*
 * handshake.c - the connections of the stream transports, opened on first
 * use (handshake.h; the messages are auth.h's).
 *
 * Everything a rank has in flight sits in one epoll set: the listener, an
 * eventfd that ipc__streams_want rings, every accepted connection until its
 * handshake ends and every dial until its WELCOME. The progress engine polls
 * the epoll descriptor with the links, and ipc__streams_serve takes what is
 * ready without ever waiting for a peer.
 */
#include "handshake.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "boot/boot.h"
#include "internal.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
/* Refusals printed one per line; the rest are counted in one line at the end. */
#define REFUSALS_SHOWN 8
/* Events taken by one epoll_wait of ipc__streams_serve (it is level-triggered:
 * the rest come next time). */
#define EVENTS_MAX 32

int64_t ipc__now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits until fd is ready for ev or deadline_ms passes: 1, 0, or -errno. */
static int wait_fd(int fd, short ev, int64_t deadline_ms)
{
    for (;;) {
        int64_t left = deadline_ms - ipc__now_ms();
        if (left <= 0)
            return 0;
        struct pollfd pfd = {.fd = fd, .events = ev};
        int r = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
        if (r < 0 && errno == EINTR)
            continue;
        return r < 0 ? -errno : r > 0;
    }
}

int ipc__connect_within(int domain, const struct sockaddr *sa, socklen_t salen,
                        size_t sockbuf, int64_t deadline_ms, int *out_fd)
{
    int rc = -ETIMEDOUT;
    while (ipc__now_ms() < deadline_ms) {
        int fd = socket(domain, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
        if (fd < 0)
            return -errno;
        if (sockbuf)
            ipc__socket_buffers(fd, sockbuf); /* before connect: the window */
        rc = connect(fd, sa, salen) < 0 ? -errno : 0;
        if (rc == -EINPROGRESS) {
            int64_t try_end = ipc__now_ms() + IPC__CONNECT_TRY_MS;
            int r = wait_fd(fd, POLLOUT, try_end < deadline_ms ? try_end : deadline_ms);
            int err = 0;
            socklen_t len = sizeof err;
            if (r > 0)
                rc = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 ? -errno : -err;
            else
                rc = r < 0 ? r : -ETIMEDOUT;
        }
        if (rc == 0) {
            *out_fd = fd;
            return 0;
        }
        close(fd);
        /* A full queue (unix: EAGAIN) or a try that timed out (tcp: SYNs
         * dropped by a full queue) is worth another try; anything else is
         * the answer. */
        if (rc != -EAGAIN && rc != -ETIMEDOUT && rc != -EINTR)
            return rc;
        if (rc == -EAGAIN)
            nanosleep(&(struct timespec){0, 10 * 1000 * 1000}, NULL);
    }
    return rc;
}

/* The uid of the process at the other end of a unix socket, or -1. */
static long peer_uid(int fd, pid_t *pid)
{
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0 || len != sizeof cred)
        return -1;
    if (pid)
        *pid = cred.pid;
    return (long)cred.uid;
}

/* ---- the state ---- */

enum conn_kind { CONN_LISTENER, CONN_BELL, CONN_ACCEPTED, CONN_DIAL };

/* A connection in its handshake (or the listener, or the bell): what the
 * epoll set points at. */
struct conn {
    enum conn_kind kind;
    int fd;
    bool dead;           /* gone from the set; freed at the end of the serve */
    bool answered;       /* ACCEPTED: CHALLENGE sent, the PROOF is next;
                            DIAL: PROOF sent, the WELCOME is next */
    int32_t peer;        /* ACCEPTED: the rank its HELLO claims (-1 before); DIAL: whom */
    int64_t deadline;    /* ACCEPTED */
    size_t have;         /* bytes of the current message */
    unsigned char buf[IPC__HELLO_SIZE];
    struct ipc__handshake hs;
    char from[64];       /* ACCEPTED: who connected, for refusals; DIAL: the
                            peer's address as messages show it, or "" */
    struct conn *next_dead;
};

/* What one rank knows of one peer's connection. */
struct peer {
    struct ipc__streams *s;
    struct conn *dial;   /* our dial, until its WELCOME */
    struct peer *next_todo;
    int32_t rank;
    uint8_t tries;       /* dials made */
    bool wanted;         /* a frame waits for the link */
    bool queued;         /* on the to-dial list */
    bool crossed;        /* the peer (lower) said CROSSED: its dial will come */
    bool up, ours;       /* the link is up; by our dial */
    bool failed;         /* given up (lost) */
};

struct ipc__streams {
    const struct ipc__job *job;
    struct ipc__link *links;
    const struct ipc__stream_wireup *w;
    unsigned char secret[IPC__SECRET_BYTES];
    int epfd;
    struct conn listener, bell;
    struct conn **pending; /* accepted, in their handshake */
    int npending, pending_max;
    int refused;
    bool moved;
    struct peer *todo;   /* peers to dial at the next serve */
    struct conn *dead;   /* to free at the end of the serve */
    struct peer peer[];  /* by rank */
};

static int watch(struct ipc__streams *s, struct conn *c)
{
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = c};
    return epoll_ctl(s->epfd, EPOLL_CTL_ADD, c->fd, &ev) < 0 ? -errno : 0;
}

/* Takes c out of the set; closes its descriptor unless a link keeps it. */
static void retire(struct ipc__streams *s, struct conn *c, bool keep_fd)
{
    (void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, c->fd, NULL);
    if (!keep_fd)
        close(c->fd);
    c->fd = -1;
    c->dead = true;
    c->next_dead = s->dead;
    s->dead = c;
}

static void link_up(struct ipc__streams *s, struct peer *pe, int fd, bool ours)
{
    struct ipc__link *l = &s->links[pe->rank];
    l->rfd = l->wfd = fd;
    pe->up = true;
    pe->ours = ours;
    if (s->w->tune)
        s->w->tune(s->job, fd);
    s->moved = true;
}

static void give_up(struct ipc__streams *s, struct peer *pe, const char *why)
{
    char line[320];
    pe->failed = true;
    pe->wanted = false;
    snprintf(line, sizeof line, "cannot open its %s connection: %s", s->w->failed_as, why);
    s->moved = true;
    if (s->w->lost)
        s->w->lost(pe->rank, line);
}

/* Sends one whole handshake message on a socket that has room for it (a
 * fresh one always has 80 bytes). */
static bool say(int fd, struct ipc__hello *msg)
{
    unsigned char wire[IPC__HELLO_SIZE];
    ipc__hello_encode(wire, msg);
    ssize_t n = send(fd, wire, sizeof wire, MSG_NOSIGNAL | MSG_DONTWAIT);
    explicit_bzero(msg, sizeof *msg);
    return n == (ssize_t)sizeof wire;
}

/* Reads what is there of the current message, never past it (frames may
 * follow). Returns 1 when it is whole, 0 when more is to come, -1 at end of
 * stream or error. */
static int take_message(struct conn *c)
{
    while (c->have < sizeof c->buf) {
        ssize_t n = recv(c->fd, c->buf + c->have, sizeof c->buf - c->have, 0);
        if (n > 0) {
            c->have += (size_t)n;
            continue;
        }
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        return -1;
    }
    c->have = 0;
    return 1;
}

/* ---- dialling ---- */

static void dial(struct ipc__streams *s, struct peer *pe);

/* A dial the other side closed before its WELCOME: made again while tries
 * last. */
static void redial(struct ipc__streams *s, struct peer *pe, const char *why)
{
    char text[224];
    snprintf(text, sizeof text, "rank %d%s %s %d times", (int)pe->rank, pe->dial->from, why,
             (int)pe->tries);
    retire(s, pe->dial, false);
    pe->dial = NULL;
    if (pe->tries >= IPC__DIAL_TRIES) {
        give_up(s, pe, text);
        return;
    }
    dial(s, pe);
}

/* Does this peer need a dial of ours now? */
static bool dial_due(const struct peer *pe)
{
    return pe->wanted && !pe->up && !pe->dial && !pe->crossed && !pe->failed;
}

static void dial(struct ipc__streams *s, struct peer *pe)
{
    const struct ipc__stream_wireup *w = s->w;
    struct sockaddr_storage sa;
    socklen_t salen = 0;
    char shown[64] = "", why[192] = "", text[288];
    int fd = -1;

    if (!dial_due(pe))
        return;
    int rc = w->address(pe->rank, &sa, &salen, shown, sizeof shown, why, sizeof why);
    if (rc == 0) {
        rc = ipc__connect_within(w->domain, (struct sockaddr *)&sa, salen,
                                 w->buffers_first ? s->job->tun.socket_buf : 0,
                                 ipc__now_ms() + IPC__HANDSHAKE_WAIT_MS, &fd);
        if (rc < 0)
            snprintf(why, sizeof why, "%s", strerror(-rc));
    }
    if (rc == 0 && w->same_user) {
        long uid = peer_uid(fd, NULL);
        if (uid != (long)geteuid()) {
            snprintf(why, sizeof why, "its listener belongs to uid %ld, not to this job's user",
                     uid);
            rc = -EPERM;
        }
    }
    struct conn *c = rc == 0 ? calloc(1, sizeof *c) : NULL;
    if (rc == 0 && !c) {
        snprintf(why, sizeof why, "out of memory");
        rc = -ENOMEM;
    }
    if (rc == 0) {
        *c = (struct conn){.kind = CONN_DIAL, .fd = fd, .peer = pe->rank};
        if (shown[0])
            snprintf(c->from, sizeof c->from, " (%s)", shown);
        c->hs = (struct ipc__handshake){.connector = s->job->rank, .acceptor = pe->rank};
        struct ipc__hello msg = {.kind = IPC__HELLO, .rank = s->job->rank};
        if ((rc = ipc__nonce_draw(c->hs.nonce_c)) < 0)
            snprintf(why, sizeof why, "cannot draw a nonce: %s", strerror(-rc));
        memcpy(msg.nonce, c->hs.nonce_c, sizeof msg.nonce);
        if (rc == 0 && !say(fd, &msg)) {
            snprintf(why, sizeof why, "cannot send its hello");
            rc = -EIO;
        }
        if (rc == 0 && (rc = watch(s, c)) < 0)
            snprintf(why, sizeof why, "%s", strerror(-rc));
    }
    if (rc < 0) {
        if (fd >= 0)
            close(fd);
        free(c);
        snprintf(text, sizeof text, "rank %d%s%s%s %s", (int)pe->rank, shown[0] ? " (" : "",
                 shown, shown[0] ? ")" : "", why);
        give_up(s, pe, text);
        return;
    }
    pe->dial = c;
    pe->tries++;
}

/* Reads what the peer we dialled has answered and moves the dial on. */
static void dial_step(struct ipc__streams *s, struct conn *c)
{
    struct peer *pe = &s->peer[c->peer];
    int got = take_message(c);
    if (got < 0) {
        redial(s, pe, c->answered ? "closed the connection after its proof"
                                  : "closed the connection before its challenge");
        return;
    }
    if (got == 0)
        return;
    struct ipc__hello msg;
    char text[224];
    const char *bad = NULL;
    enum ipc__hello_kind kind = c->answered ? IPC__WELCOME : IPC__CHALLENGE;
    enum ipc__hello_verdict v = ipc__hello_decode(c->buf, kind, &msg);
    if (v == IPC__HELLO_BAD_KIND)
        v = ipc__hello_decode(c->buf, kind = IPC__CROSSED, &msg);
    if (v == IPC__HELLO_OK && msg.rank != pe->rank) {
        snprintf(text, sizeof text, "rank %d%s answered as rank %d", (int)pe->rank, c->from,
                 (int)msg.rank);
        bad = text;
    } else if (v == IPC__HELLO_OK) {
        if (kind != IPC__WELCOME) /* a fresh nonce: the answer to our hello */
            memcpy(c->hs.nonce_a, msg.nonce, sizeof c->hs.nonce_a);
        v = ipc__handshake_verify(&c->hs, kind, s->secret, msg.mac);
    }
    if (!bad && v != IPC__HELLO_OK) {
        snprintf(text, sizeof text, "rank %d%s is no rank of this job: %s%s", (int)pe->rank,
                 c->from, ipc__hello_verdict_text(v),
                 v == IPC__HELLO_BAD_SECRET ? " (is IPC_JOB_SECRET this job's?)" : "");
        bad = text;
    }
    if (!bad && kind == IPC__CROSSED && pe->rank > s->job->rank) {
        snprintf(text, sizeof text,
                 "rank %d, a higher rank, crossed our dial (protocol error)", (int)pe->rank);
        bad = text;
    }
    if (bad || kind != IPC__CHALLENGE) {
        int fd = c->fd;
        bool up = !bad && kind == IPC__WELCOME;
        pe->dial = NULL;
        retire(s, c, up);
        if (bad)
            give_up(s, pe, bad);
        else if (up)
            link_up(s, pe, fd, true);
        else /* CROSSED: the lower rank dials us and its connection carries the link */
            pe->crossed = !pe->up;
        return;
    }
    msg = (struct ipc__hello){.kind = IPC__PROOF, .rank = s->job->rank};
    ipc__handshake_mac(&c->hs, IPC__PROOF, s->secret, msg.mac);
    if (!say(c->fd, &msg)) {
        redial(s, pe, "closed the connection at its challenge");
        return;
    }
    c->answered = true;
}

/* ---- accepting ---- */

/* Takes pending connection i off the list (the last one takes its place). */
static struct conn *unlist(struct ipc__streams *s, int i)
{
    struct conn *c = s->pending[i];
    s->pending[i] = s->pending[--s->npending];
    return c;
}

/* Drops pending connection i, closing it. */
static void drop(struct ipc__streams *s, int i)
{
    retire(s, unlist(s, i), false);
}

static void refuse(struct ipc__streams *s, int i, const char *reason)
{
    if (s->refused++ < REFUSALS_SHOWN)
        fprintf(stderr, "ipc: rank %d: refused a %s connection from %s: %s\n", s->job->rank,
                s->w->what, s->pending[i]->from, reason);
    drop(s, i);
}

/* Answers pending connection c with kind: CHALLENGE, CROSSED (both with a
 * fresh nonce of ours) or WELCOME. */
static bool answer(struct ipc__streams *s, struct conn *c, enum ipc__hello_kind kind)
{
    struct ipc__hello msg = {.kind = kind, .rank = s->job->rank};
    if (kind != IPC__WELCOME) {
        if (ipc__nonce_draw(c->hs.nonce_a) < 0)
            return false;
        memcpy(msg.nonce, c->hs.nonce_a, sizeof msg.nonce);
    }
    ipc__handshake_mac(&c->hs, kind, s->secret, msg.mac);
    return say(c->fd, &msg);
}

/* Should a dial from peer (proved or not) give way to ours? The lower rank's
 * dial carries the link. */
static bool ours_wins(const struct ipc__streams *s, const struct peer *pe)
{
    return s->job->rank < pe->rank && (pe->dial || (pe->up && pe->ours));
}

/* A whole HELLO on pending connection i. Returns a refusal, or NULL. */
static const char *on_hello(struct ipc__streams *s, int i)
{
    struct conn *c = s->pending[i];
    struct ipc__hello msg;
    enum ipc__hello_verdict v = ipc__hello_decode(c->buf, IPC__HELLO, &msg);
    if (v != IPC__HELLO_OK)
        return ipc__hello_verdict_text(v);
    int32_t who = msg.rank, me = s->job->rank;
    if (who < 0 || who >= s->job->size || who == me)
        return "not another rank of this job";
    if (s->links[who].ops != s->w->ops)
        return "a rank that this one reaches by another transport";
    struct peer *pe = &s->peer[who];
    c->hs = (struct ipc__handshake){.connector = who, .acceptor = me};
    memcpy(c->hs.nonce_c, msg.nonce, sizeof c->hs.nonce_c);
    if (ours_wins(s, pe)) { /* we dialled each other: not a refusal */
        (void)answer(s, c, IPC__CROSSED);
        drop(s, i);
        return NULL;
    }
    if (pe->up)
        return "a second connection from that rank";
    if (!answer(s, c, IPC__CHALLENGE))
        return "did not take the challenge";
    c->peer = who;
    c->answered = true;
    c->deadline = ipc__now_ms() + IPC__HANDSHAKE_WAIT_MS;
    return NULL;
}

/* A whole PROOF on pending connection i. Returns a refusal, or NULL. */
static const char *on_proof(struct ipc__streams *s, int i)
{
    struct conn *c = s->pending[i];
    struct peer *pe = &s->peer[c->peer];
    struct ipc__hello msg;
    enum ipc__hello_verdict v = ipc__hello_decode(c->buf, IPC__PROOF, &msg);
    if (v == IPC__HELLO_OK && msg.rank != c->peer)
        return "a proof from another rank than its hello";
    if (v == IPC__HELLO_OK)
        v = ipc__handshake_verify(&c->hs, IPC__PROOF, s->secret, msg.mac);
    if (v != IPC__HELLO_OK)
        return ipc__hello_verdict_text(v);
    /* A rank of the job, proved: if the link came up otherwise meanwhile,
     * or our dial (the lower rank's) started since its HELLO, this one gives
     * way, quietly. */
    if (pe->up || ours_wins(s, pe)) {
        if (!pe->up)
            (void)answer(s, c, IPC__CROSSED);
        drop(s, i);
        return NULL;
    }
    /* A WELCOME that cannot go means the peer has gone: the link finds out. */
    (void)answer(s, c, IPC__WELCOME);
    int fd = c->fd;
    retire(s, unlist(s, i), true);
    if (pe->dial) { /* the lower rank's dial carries the link: it crosses ours */
        retire(s, pe->dial, false);
        pe->dial = NULL;
    }
    pe->crossed = false;
    link_up(s, pe, fd, false);
    return NULL;
}

static int pending_index(const struct ipc__streams *s, const struct conn *c)
{
    for (int i = 0; i < s->npending; i++)
        if (s->pending[i] == c)
            return i;
    return -1;
}

/* Reads what pending connection c has sent and moves its handshake on. */
static void accepted_step(struct ipc__streams *s, struct conn *c)
{
    int i = pending_index(s, c);
    if (i < 0)
        return;
    for (;;) {
        size_t before = c->have;
        int got = take_message(c);
        if (got < 0) {
            /* A rank whose link came up by another connection may close
             * its spare dial: not a refusal. */
            if (c->answered && s->peer[c->peer].up)
                drop(s, i);
            else
                refuse(s, i, !c->answered ? "closed before its hello"
                                          : "closed instead of proving itself (another "
                                            "job's secret?)");
            return;
        }
        /* Garbage is refused at its first bytes, not when 80 have come. */
        size_t seen = got ? sizeof c->buf : c->have;
        if (seen > before && memcmp(c->buf, "IPCT", seen < 4 ? seen : 4) != 0) {
            refuse(s, i, ipc__hello_verdict_text(IPC__HELLO_NOT_IPC));
            return;
        }
        if (got == 0)
            return;
        bool proof = c->answered;
        const char *no = proof ? on_proof(s, i) : on_hello(s, i);
        if (no) {
            refuse(s, i, no);
            return;
        }
        if (proof || c->dead)
            return; /* up, crossed or given way */
    }
}

/* Names the other end of an accepted connection for messages. */
static void describe_peer(int fd, const struct sockaddr_storage *ss, char *out, size_t cap)
{
    if (ss->ss_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)ss;
        char host[INET_ADDRSTRLEN] = "?";
        inet_ntop(AF_INET, &in->sin_addr, host, sizeof host);
        snprintf(out, cap, "%s:%u", host, (unsigned)ntohs(in->sin_port));
        return;
    }
    pid_t pid = 0;
    long uid = peer_uid(fd, &pid);
    snprintf(out, cap, "pid %ld (uid %ld)", (long)pid, uid);
}

/* Takes every connection waiting on the listener. */
static void take_new(struct ipc__streams *s)
{
    for (;;) {
        struct sockaddr_storage ss = {0};
        socklen_t sslen = sizeof ss;
        int fd = accept4(s->listener.fd, (struct sockaddr *)&ss, &sslen,
                         SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return;
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if ((errno == EMFILE || errno == ENFILE) && s->npending > 0) {
                refuse(s, 0, "out of descriptors: the oldest connection goes");
                continue;
            }
            /* The listener itself failed: peers that dial us will find out. */
            fprintf(stderr, "ipc: rank %d: %s listener failed: %s; no more connections\n",
                    s->job->rank, s->w->what, strerror(errno));
            (void)epoll_ctl(s->epfd, EPOLL_CTL_DEL, s->listener.fd, NULL);
            return;
        }
        if (s->npending == s->pending_max) {
            int oldest = 0;
            for (int i = 1; i < s->npending; i++)
                if (s->pending[i]->deadline < s->pending[oldest]->deadline)
                    oldest = i;
            refuse(s, oldest, "too many connections at once: the oldest goes");
        }
        struct conn *c = calloc(1, sizeof *c);
        if (!c) {
            close(fd);
            continue;
        }
        *c = (struct conn){.kind = CONN_ACCEPTED, .fd = fd, .peer = -1,
                           .deadline = ipc__now_ms() + IPC__HANDSHAKE_LIMIT_MS};
        describe_peer(fd, &ss, c->from, sizeof c->from);
        s->pending[s->npending++] = c;
        if (s->w->same_user && peer_uid(fd, NULL) != (long)geteuid()) {
            refuse(s, s->npending - 1, "another user");
            continue;
        }
        if (watch(s, c) < 0) {
            refuse(s, s->npending - 1, "cannot be watched (epoll)");
            continue;
        }
        accepted_step(s, c); /* a rank's hello is usually here already */
    }
}

/* Refuses the connections whose handshake is past its time, after reading
 * what they have sent (their event may not have been in this serve's batch:
 * hundreds of ranks dial one at once). */
static void expire(struct ipc__streams *s)
{
    int64_t now = ipc__now_ms();
    for (int i = s->npending - 1; i >= 0; i--) {
        if (i >= s->npending)
            continue;
        struct conn *c = s->pending[i];
        if (c->deadline > now)
            continue;
        accepted_step(s, c);
        int j = c->dead || c->deadline > now ? -1 : pending_index(s, c);
        if (j >= 0)
            refuse(s, j, c->answered ? "no proof within " STRINGIFY(IPC__HANDSHAKE_WAIT_MS) " ms"
                                     : "no hello within " STRINGIFY(IPC__HANDSHAKE_LIMIT_MS) " ms");
    }
}

/* ---- the interface ---- */

ssize_t ipc__streams_want(struct ipc__link *l)
{
    struct peer *pe = l->priv;
    struct ipc__streams *s = pe->s;
    if (pe->failed)
        return -ECONNREFUSED;
    pe->wanted = true;
    if (dial_due(pe) && !pe->queued) {
        pe->queued = true;
        pe->next_todo = s->todo;
        s->todo = pe;
        uint64_t one = 1;
        if (write(s->bell.fd, &one, sizeof one) < 0 && errno != EAGAIN)
            return -errno;
    }
    return 0;
}

/* Moves on what one epoll_wait found ready. */
static void take_events(struct ipc__streams *s, const struct epoll_event *ev, int n)
{
    for (int i = 0; i < n; i++) {
        struct conn *c = ev[i].data.ptr;
        if (c->dead)
            continue;
        switch (c->kind) {
        case CONN_LISTENER:
            take_new(s);
            break;
        case CONN_BELL: {
            uint64_t count;
            (void)!read(c->fd, &count, sizeof count);
            break;
        }
        case CONN_ACCEPTED:
            accepted_step(s, c);
            break;
        case CONN_DIAL:
            dial_step(s, c);
            break;
        }
    }
}

bool ipc__streams_serve(struct ipc__streams *s)
{
    struct epoll_event ev[EVENTS_MAX];
    s->moved = false;
    /* A full batch may leave more behind: a few more, not without end. */
    int n = EVENTS_MAX;
    for (int batch = 0; n == EVENTS_MAX && batch < 16; batch++) {
        n = epoll_wait(s->epfd, ev, EVENTS_MAX, 0);
        take_events(s, ev, n);
    }
    while (s->todo) {
        struct peer *pe = s->todo;
        s->todo = pe->next_todo;
        pe->queued = false;
        dial(s, pe);
    }
    if (s->npending)
        expire(s);
    while (s->dead) {
        struct conn *c = s->dead;
        s->dead = c->next_dead;
        explicit_bzero(c, sizeof *c);
        free(c);
    }
    return s->moved;
}

int ipc__streams_fd(const struct ipc__streams *s)
{
    return s->epfd;
}

int ipc__streams_start(const struct ipc__job *job, struct ipc__link *links,
                       const struct ipc__stream_wireup *w, int lfd,
                       const unsigned char secret[IPC__SECRET_BYTES],
                       struct ipc__streams **out)
{
    struct ipc__streams *s = calloc(1, sizeof *s + (size_t)job->size * sizeof s->peer[0]);
    if (!s) {
        close(lfd);
        return IPC_ERR_NOMEM;
    }
    /* Every peer may dial at once (an all-to-all's first frames), and
     * strangers beside them. */
    s->pending_max = IPC__HANDSHAKE_PENDING_MAX + job->size;
    s->pending = calloc((size_t)s->pending_max, sizeof *s->pending);
    if (!s->pending) {
        free(s);
        close(lfd);
        return IPC_ERR_NOMEM;
    }
    s->job = job;
    s->links = links;
    s->w = w;
    memcpy(s->secret, secret, sizeof s->secret);
    s->listener = (struct conn){.kind = CONN_LISTENER, .fd = lfd, .peer = -1};
    s->bell = (struct conn){.kind = CONN_BELL, .peer = -1};
    s->bell.fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    s->epfd = epoll_create1(EPOLL_CLOEXEC);
    int flags = fcntl(lfd, F_GETFL);
    if (s->bell.fd < 0 || s->epfd < 0 || flags < 0 ||
        fcntl(lfd, F_SETFL, flags | O_NONBLOCK) < 0 || watch(s, &s->listener) < 0 ||
        watch(s, &s->bell) < 0) {
        fprintf(stderr, "ipc: rank %d: %s wire-up failed at listen: %s\n", job->rank,
                w->failed_as, strerror(errno));
        ipc__streams_close(s);
        return IPC_ERR_WIREUP;
    }
    for (int p = 0; p < job->size; p++) {
        s->peer[p] = (struct peer){.s = s, .rank = p};
        if (links[p].ops == w->ops)
            links[p].priv = &s->peer[p];
    }
    *out = s;
    return IPC_SUCCESS;
}

int ipc__streams_open(struct ipc__job *job, struct ipc__link *links,
                      const struct ipc__stream_wireup *w, struct ipc__streams **out)
{
    unsigned char secret[IPC__SECRET_BYTES];
    char why[256] = "";
    const char *stage = "listen";
    int lfd = -1;

    int rc = w->listen(job, &lfd, why, sizeof why);
    if (rc == 0) {
        stage = "fence";
        rc = ipc__kv_fence() == IPC_SUCCESS ? 0 : -ECONNRESET;
    }
    /* Under PMI-2 the secret travels in the key/value store, so it is there
     * only after a fence. */
    if (rc == 0) {
        stage = "secret";
        rc = job->boot->secret(secret, why, sizeof why) == IPC_SUCCESS ? 0 : -EINVAL;
    }
    if (rc < 0) {
        if (lfd >= 0)
            close(lfd);
        fprintf(stderr, "ipc: rank %d: %s wire-up failed at %s: %s\n", job->rank,
                w->failed_as, stage, why[0] ? why : strerror(-rc));
        return IPC_ERR_WIREUP;
    }
    rc = ipc__streams_start(job, links, w, lfd, secret, out);
    explicit_bzero(secret, sizeof secret);
    return rc;
}

void ipc__streams_close(struct ipc__streams *s)
{
    if (!s)
        return;
    for (int i = 0; i < s->npending; i++)
        retire(s, s->pending[i], false);
    for (int p = 0; p < s->job->size && s->peer[p].s; p++)
        if (s->peer[p].dial)
            retire(s, s->peer[p].dial, false);
    while (s->dead) {
        struct conn *c = s->dead;
        s->dead = c->next_dead;
        free(c);
    }
    if (s->listener.fd >= 0)
        close(s->listener.fd);
    if (s->bell.fd >= 0)
        close(s->bell.fd);
    if (s->epfd >= 0)
        close(s->epfd);
    if (s->refused > REFUSALS_SHOWN)
        fprintf(stderr, "ipc: rank %d: refused %d more %s connections\n", s->job->rank,
                s->refused - REFUSALS_SHOWN, s->w->what);
    explicit_bzero(s->secret, sizeof s->secret);
    free(s->pending);
    free(s);
}
