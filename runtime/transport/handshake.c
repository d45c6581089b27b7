/*
 * handshake.c - timed connects and the accept loop that admits only ranks of
 * this job (handshake.h; the messages are auth.h's).
 */
#include "handshake.h"

#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "boot/boot.h"
#include "internal.h"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)
#define LIMIT_TEXT STRINGIFY(IPC__HANDSHAKE_LIMIT_MS) " ms"
/* Refusals printed one per line; the rest are counted in one line at the end. */
#define REFUSALS_SHOWN 8

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

/* Moves exactly len bytes over a non-blocking socket by deadline_ms. Returns
 * 0, -ETIMEDOUT, -ECONNRESET at end of stream, or another -errno. */
static int move_within(int fd, void *buf, size_t len, bool out, int64_t deadline_ms)
{
    char *p = buf;
    while (len) {
        ssize_t n = out ? send(fd, p, len, MSG_NOSIGNAL) : recv(fd, p, len, 0);
        if (n > 0) {
            p += n;
            len -= (size_t)n;
            continue;
        }
        if (n == 0)
            return -ECONNRESET;
        if (errno == EINTR)
            continue;
        if (errno != EAGAIN && errno != EWOULDBLOCK)
            return -errno;
        int r = wait_fd(fd, out ? POLLOUT : POLLIN, deadline_ms);
        if (r <= 0)
            return r < 0 ? r : -ETIMEDOUT;
    }
    return 0;
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

int ipc__handshake_connect(int fd, int32_t me, int32_t peer, bool same_user,
                           const unsigned char secret[IPC__SECRET_BYTES], char *why,
                           size_t whylen)
{
    int64_t deadline = ipc__now_ms() + IPC__HANDSHAKE_WAIT_MS;
    struct ipc__handshake hs = {.connector = me, .acceptor = peer};
    struct ipc__hello msg = {.kind = IPC__HELLO, .rank = me};
    unsigned char wire[IPC__HELLO_SIZE];
    int rc;

    if (same_user) {
        long uid = peer_uid(fd, NULL);
        if (uid != (long)geteuid()) {
            snprintf(why, whylen, "its listener belongs to uid %ld, not to this job's user",
                     uid);
            return -EPERM;
        }
    }
    if ((rc = ipc__nonce_draw(hs.nonce_c)) < 0) {
        snprintf(why, whylen, "cannot draw a nonce: %s", strerror(-rc));
        return rc;
    }
    memcpy(msg.nonce, hs.nonce_c, sizeof msg.nonce);
    ipc__hello_encode(wire, &msg);
    rc = move_within(fd, wire, sizeof wire, true, deadline);
    if (rc == 0)
        rc = move_within(fd, wire, sizeof wire, false, deadline);
    if (rc < 0) {
        snprintf(why, whylen, "%s",
                 rc == -ECONNRESET || rc == -EPIPE
                     ? "refused the connection; is IPC_JOB_SECRET this job's?"
                 : rc == -ETIMEDOUT ? "no challenge within " STRINGIFY(IPC__HANDSHAKE_WAIT_MS) " ms"
                                    : strerror(-rc));
        return rc == -EPIPE ? -ECONNREFUSED : rc == -ECONNRESET ? -ECONNREFUSED : rc;
    }
    enum ipc__hello_verdict v = ipc__hello_decode(wire, IPC__CHALLENGE, &msg);
    if (v == IPC__HELLO_OK && msg.rank != peer) {
        snprintf(why, whylen, "answered as rank %d", (int)msg.rank);
        return -EPROTO;
    }
    if (v == IPC__HELLO_OK) {
        memcpy(hs.nonce_a, msg.nonce, sizeof hs.nonce_a);
        v = ipc__handshake_verify(&hs, IPC__CHALLENGE, secret, msg.mac);
    }
    if (v != IPC__HELLO_OK) {
        snprintf(why, whylen, "is no rank of this job: %s%s", ipc__hello_verdict_text(v),
                 v == IPC__HELLO_BAD_SECRET ? " (is IPC_JOB_SECRET this job's?)" : "");
        return -EPROTO;
    }
    msg = (struct ipc__hello){.kind = IPC__PROOF, .rank = me};
    ipc__handshake_mac(&hs, IPC__PROOF, secret, msg.mac);
    ipc__hello_encode(wire, &msg);
    rc = move_within(fd, wire, sizeof wire, true, deadline);
    explicit_bzero(&msg, sizeof msg);
    if (rc < 0)
        snprintf(why, whylen, "sending the proof: %s", strerror(-rc));
    return rc;
}

/* One accepted connection that has not proved itself yet. */
struct pending {
    int fd;
    int64_t deadline;
    bool challenged; /* HELLO passed and CHALLENGE sent: waiting for PROOF */
    size_t have;     /* bytes of the current message */
    unsigned char buf[IPC__HELLO_SIZE];
    struct ipc__handshake hs;
    char from[64];
};

struct acceptor {
    const struct ipc__job *job;
    struct ipc__link *links;
    const struct ipc__stream_wireup *rules;
    const unsigned char *secret;
    struct pending p[IPC__HANDSHAKE_PENDING_MAX];
    int n;
    int refused;
};

static void refuse(struct acceptor *a, int i, const char *reason)
{
    if (a->refused++ < REFUSALS_SHOWN)
        fprintf(stderr, "ipc: rank %d: refused a %s connection from %s: %s\n", a->job->rank,
                a->rules->what, a->p[i].from, reason);
    close(a->p[i].fd);
    a->p[i] = a->p[--a->n];
}

/* Why a hello or proof from rank `who` cannot open its link, or NULL. */
static const char *rank_refusal(const struct acceptor *a, int32_t who)
{
    if (who <= a->job->rank || who >= a->job->size)
        return "not a higher rank of this job";
    if (a->links[who].ops != a->rules->ops)
        return "a rank that this one reaches by another transport";
    if (a->links[who].rfd >= 0)
        return "a second connection from that rank";
    return NULL;
}

/* Answers a complete HELLO with a CHALLENGE. Returns a refusal or NULL. */
static const char *challenge(struct acceptor *a, struct pending *p)
{
    struct ipc__hello msg;
    enum ipc__hello_verdict v = ipc__hello_decode(p->buf, IPC__HELLO, &msg);
    if (v != IPC__HELLO_OK)
        return ipc__hello_verdict_text(v);
    const char *no = rank_refusal(a, msg.rank);
    if (no)
        return no;
    p->hs.connector = msg.rank;
    p->hs.acceptor = a->job->rank;
    memcpy(p->hs.nonce_c, msg.nonce, sizeof p->hs.nonce_c);
    if (ipc__nonce_draw(p->hs.nonce_a) < 0)
        return "no nonce to be had (getrandom failed)";
    msg = (struct ipc__hello){.kind = IPC__CHALLENGE, .rank = a->job->rank};
    memcpy(msg.nonce, p->hs.nonce_a, sizeof msg.nonce);
    ipc__handshake_mac(&p->hs, IPC__CHALLENGE, a->secret, msg.mac);
    ipc__hello_encode(p->buf, &msg);
    /* A fresh socket's buffer takes 80 bytes at once; one that does not is
     * no rank of ours. */
    ssize_t n = send(p->fd, p->buf, sizeof p->buf, MSG_NOSIGNAL | MSG_DONTWAIT);
    if (n != (ssize_t)sizeof p->buf)
        return "did not take the challenge";
    p->challenged = true;
    p->have = 0;
    return NULL;
}

/* Checks a complete PROOF. Returns a refusal or NULL. */
static const char *check_proof(struct acceptor *a, struct pending *p)
{
    struct ipc__hello msg;
    enum ipc__hello_verdict v = ipc__hello_decode(p->buf, IPC__PROOF, &msg);
    if (v == IPC__HELLO_OK && msg.rank != p->hs.connector)
        return "a proof from another rank than its hello";
    if (v == IPC__HELLO_OK)
        v = ipc__handshake_verify(&p->hs, IPC__PROOF, a->secret, msg.mac);
    if (v != IPC__HELLO_OK)
        return ipc__hello_verdict_text(v);
    return rank_refusal(a, p->hs.connector);
}

/* Reads what pending connection i has sent and moves its handshake on.
 * Returns 1 when it proved itself (and left the pending list), else 0. */
static int advance(struct acceptor *a, int i)
{
    struct pending *p = &a->p[i];
    for (;;) {
        ssize_t n = recv(p->fd, p->buf + p->have, sizeof p->buf - p->have, 0);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
            return 0;
        if (n <= 0) {
            refuse(a, i,
                   !p->challenged ? "closed before its hello"
                                  : "closed instead of proving itself (another job's secret?)");
            return 0;
        }
        p->have += (size_t)n;
        /* Garbage is refused at its first bytes, not when 80 have come. */
        if (memcmp(p->buf, "IPCT", p->have < 4 ? p->have : 4) != 0) {
            refuse(a, i, ipc__hello_verdict_text(IPC__HELLO_NOT_IPC));
            return 0;
        }
        if (p->have < sizeof p->buf)
            continue;
        bool proof = p->challenged;
        const char *no = proof ? check_proof(a, p) : challenge(a, p);
        if (no) {
            refuse(a, i, no);
            return 0;
        }
        if (!proof)
            continue; /* challenge sent: on to the proof */
        struct ipc__link *l = &a->links[p->hs.connector];
        l->rfd = l->wfd = p->fd;
        a->p[i] = a->p[--a->n];
        return 1;
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

/* Takes every connection waiting on the listener. Returns 0 or -errno when
 * the listener itself fails. */
static int take_new(struct acceptor *a, int lfd, int *proved)
{
    for (;;) {
        struct sockaddr_storage ss = {0};
        socklen_t sslen = sizeof ss;
        int fd = accept4(lfd, (struct sockaddr *)&ss, &sslen, SOCK_CLOEXEC | SOCK_NONBLOCK);
        if (fd < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            if (errno == EINTR || errno == ECONNABORTED)
                continue;
            if ((errno == EMFILE || errno == ENFILE) && a->n > 0) {
                refuse(a, 0, "out of descriptors: the oldest connection goes");
                continue;
            }
            return -errno;
        }
        if (a->n == IPC__HANDSHAKE_PENDING_MAX) {
            int oldest = 0;
            for (int i = 1; i < a->n; i++)
                if (a->p[i].deadline < a->p[oldest].deadline)
                    oldest = i;
            refuse(a, oldest, "too many connections at once: the oldest goes");
        }
        struct pending *p = &a->p[a->n++];
        *p = (struct pending){.fd = fd, .deadline = ipc__now_ms() + IPC__HANDSHAKE_LIMIT_MS};
        describe_peer(fd, &ss, p->from, sizeof p->from);
        if (a->rules->same_user) {
            long uid = peer_uid(fd, NULL);
            if (uid != (long)geteuid()) {
                refuse(a, a->n - 1, "another user");
                continue;
            }
        }
        /* A rank's hello is usually here already. */
        *proved += advance(a, a->n - 1);
    }
}

int ipc__handshake_accept(int lfd, const struct ipc__job *job, struct ipc__link *links,
                          const struct ipc__stream_wireup *rules,
                          const unsigned char secret[IPC__SECRET_BYTES], int count)
{
    struct pollfd pfd[IPC__HANDSHAKE_PENDING_MAX + 1];
    int rc = 0, flags = fcntl(lfd, F_GETFL);
    if (flags < 0 || fcntl(lfd, F_SETFL, flags | O_NONBLOCK) < 0)
        return -errno;
    struct acceptor *a = malloc(sizeof *a); /* 60 KiB: not on a rank's stack */
    if (!a)
        return -ENOMEM;
    a->job = job;
    a->links = links;
    a->rules = rules;
    a->secret = secret;
    a->n = a->refused = 0;

    while (rc == 0 && count > 0) {
        int64_t now = ipc__now_ms(), next = -1;
        for (int i = 0; i < a->n;) {
            if (a->p[i].deadline <= now) {
                refuse(a, i, a->p[i].challenged ? "no proof within " LIMIT_TEXT
                                                 : "no hello within " LIMIT_TEXT);
                continue;
            }
            if (next < 0 || a->p[i].deadline < next)
                next = a->p[i].deadline;
            i++;
        }
        pfd[0] = (struct pollfd){.fd = lfd, .events = POLLIN};
        for (int i = 0; i < a->n; i++)
            pfd[i + 1] = (struct pollfd){.fd = a->p[i].fd, .events = POLLIN};
        int npending = a->n;
        int r = poll(pfd, (nfds_t)npending + 1, next < 0 ? -1 : (int)(next - now));
        if (r < 0 && errno != EINTR)
            rc = -errno;
        if (r <= 0)
            continue;
        /* Backwards: an entry that leaves is replaced by the last one, which
         * has been seen by then. */
        for (int i = npending - 1; i >= 0; i--)
            if (pfd[i + 1].revents)
                count -= advance(a, i);
        if (pfd[0].revents & POLLIN) {
            int proved = 0;
            rc = take_new(a, lfd, &proved);
            count -= proved;
        } else if (pfd[0].revents) {
            rc = -EIO;
        }
    }
    /* Strangers still in their handshake: the job does not wait for them. */
    for (int i = 0; i < a->n; i++)
        close(a->p[i].fd);
    if (a->refused > REFUSALS_SHOWN)
        fprintf(stderr, "ipc: rank %d: refused %d more %s connections\n", job->rank,
                a->refused - REFUSALS_SHOWN, rules->what);
    explicit_bzero(a, sizeof *a);
    free(a);
    (void)fcntl(lfd, F_SETFL, flags);
    return rc;
}

/* Connects to peer's published address and proves we belong to the job,
 * checking that the peer does too. */
static int dial(const struct ipc__job *job, int peer, const struct ipc__stream_wireup *w,
                const unsigned char *secret, int *out_fd, char *why, size_t whylen)
{
    struct sockaddr_storage sa;
    socklen_t salen = 0;
    char shown[64] = "", reason[192] = "";
    int fd = -1;
    int rc = w->address(peer, &sa, &salen, shown, sizeof shown, reason, sizeof reason);
    if (rc == 0) {
        rc = ipc__connect_within(w->domain, (struct sockaddr *)&sa, salen,
                                 w->buffers_first ? job->tun.socket_buf : 0,
                                 ipc__now_ms() + IPC__HANDSHAKE_WAIT_MS, &fd);
        if (rc < 0)
            snprintf(reason, sizeof reason, "%s", strerror(-rc));
    }
    if (rc == 0)
        rc = ipc__handshake_connect(fd, job->rank, peer, w->same_user, secret, reason,
                                    sizeof reason);
    if (rc < 0) {
        snprintf(why, whylen, "rank %d%s%s%s %s", peer, shown[0] ? " (" : "", shown,
                 shown[0] ? ")" : "", reason);
        if (fd >= 0)
            close(fd);
        return rc;
    }
    *out_fd = fd;
    return 0;
}

int ipc__stream_wireup(struct ipc__job *job, struct ipc__link *links,
                       const struct ipc__stream_wireup *w)
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
    int higher = 0;
    for (int p = job->rank + 1; p < job->size; p++)
        higher += links[p].ops == w->ops;
    for (int p = 0; rc == 0 && p < job->rank; p++) {
        if (links[p].ops != w->ops)
            continue;
        stage = "connect";
        int fd = -1;
        rc = dial(job, p, w, secret, &fd, why, sizeof why);
        if (rc == 0)
            links[p].rfd = links[p].wfd = fd;
    }
    if (rc == 0) {
        stage = "accept";
        rc = ipc__handshake_accept(lfd, job, links, w, secret, higher);
    }
    if (lfd >= 0)
        close(lfd);
    explicit_bzero(secret, sizeof secret);
    if (rc < 0) {
        fprintf(stderr, "ipc: rank %d: %s wire-up failed at %s: %s\n", job->rank,
                w->failed_as, stage, why[0] ? why : strerror(-rc));
        return IPC_ERR_WIREUP;
    }
    return IPC_SUCCESS;
}
