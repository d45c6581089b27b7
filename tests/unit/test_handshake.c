/* test_handshake.c - the connections of the stream transports
 * (runtime/transport/handshake.c): a rank of the job is admitted, strangers
 * (silent, garbage, wrong secret, a second claim of one rank) are refused
 * while the accept loop goes on, and a connecting rank refuses an acceptor
 * that does not know the secret without giving it a proof. Rank 0 accepts
 * on an abstract unix listener; connecting ranks run in threads. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "internal.h"
#include "transport/handshake.h"
#include "transport/transport.h"

#define SIZE 4

static const unsigned char good[IPC__SECRET_BYTES] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
static const unsigned char bad[IPC__SECRET_BYTES] = {9, 8, 7, 6, 5, 4, 3, 2, 1};

static const struct ipc__stream_wireup rules = {
    .ops = &ipc__transport_unix, .what = "unix", .same_user = true};

struct world {
    struct ipc__job job;
    struct ipc__link links[SIZE];
    int lfd;
    struct sockaddr_un sa;
    socklen_t salen;
};

static int setup(void **state)
{
    static struct world w;
    memset(&w, 0, sizeof w);
    w.job.rank = 0;
    w.job.size = SIZE;
    for (int r = 0; r < SIZE; r++)
        w.links[r] = (struct ipc__link){.ops = &ipc__transport_unix, .rfd = -1, .wfd = -1};
    w.lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    w.sa = (struct sockaddr_un){.sun_family = AF_UNIX};
    w.salen = sizeof(sa_family_t); /* autobind: an abstract name */
    if (w.lfd < 0 || bind(w.lfd, (struct sockaddr *)&w.sa, w.salen) < 0 ||
        listen(w.lfd, SOMAXCONN) < 0)
        return -1;
    w.salen = sizeof w.sa;
    if (getsockname(w.lfd, (struct sockaddr *)&w.sa, &w.salen) < 0)
        return -1;
    *state = &w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    if (w->lfd >= 0)
        close(w->lfd);
    for (int r = 0; r < SIZE; r++)
        if (w->links[r].rfd >= 0)
            close(w->links[r].rfd);
    return 0;
}

static int dial(const struct world *w)
{
    int fd = -1;
    int rc = ipc__connect_within(AF_UNIX, (const struct sockaddr *)&w->sa, w->salen, 0,
                                 ipc__now_ms() + 5000, &fd);
    assert_int_equal(rc, 0);
    return fd;
}

/* A connecting rank in a thread. */
struct caller {
    const struct world *w;
    int32_t rank, acceptor;
    const unsigned char *secret;
    int fd;
    int rc;
    char why[256];
    pthread_t thread;
};

static void *call(void *arg)
{
    struct caller *c = arg;
    c->fd = -1;
    int rc = ipc__connect_within(AF_UNIX, (const struct sockaddr *)&c->w->sa, c->w->salen,
                                 0, ipc__now_ms() + 5000, &c->fd);
    if (rc == 0)
        rc = ipc__handshake_connect(c->fd, c->rank, c->acceptor, true, c->secret, c->why,
                                    sizeof c->why);
    c->rc = rc;
    return NULL;
}

static void start(struct caller *c, const struct world *w, int32_t rank,
                  const unsigned char *secret)
{
    *c = (struct caller){.w = w, .rank = rank, .acceptor = w->job.rank, .secret = secret};
    assert_int_equal(pthread_create(&c->thread, NULL, call, c), 0);
}

static void join(struct caller *c)
{
    assert_int_equal(pthread_join(c->thread, NULL), 0);
}

/* The accept loop in a thread, for tests that need it running while
 * connectors come and go. */
struct accepting {
    struct world *w;
    int count, rc;
    pthread_t thread;
};

static void *accept_loop(void *arg)
{
    struct accepting *a = arg;
    a->rc = ipc__handshake_accept(a->w->lfd, &a->w->job, a->w->links, &rules, good, a->count);
    return NULL;
}

static void accept_in_thread(struct accepting *a, struct world *w, int count)
{
    *a = (struct accepting){.w = w, .count = count};
    assert_int_equal(pthread_create(&a->thread, NULL, accept_loop, a), 0);
}

/* Closes the listener: connectors still waiting for it are refused. */
static void stop_listening(struct world *w)
{
    close(w->lfd);
    w->lfd = -1;
}

/* The rank at the other end of a link answers what we write. */
static void assert_linked(int fd_a, int fd_b)
{
    char out = 'x', in = 0;
    assert_int_equal(write(fd_a, &out, 1), 1);
    assert_int_equal(read(fd_b, &in, 1), 1);
    assert_int_equal(in, 'x');
}

static void ranks_of_the_job_are_admitted(void **state)
{
    struct world *w = *state;
    struct caller c[SIZE];
    for (int r = 1; r < SIZE; r++)
        start(&c[r], w, r, good);
    assert_int_equal(ipc__handshake_accept(w->lfd, &w->job, w->links, &rules, good, SIZE - 1),
                     0);
    for (int r = 1; r < SIZE; r++) {
        join(&c[r]);
        assert_int_equal(c[r].rc, 0);
        assert_true(w->links[r].rfd >= 0);
        assert_int_equal(w->links[r].rfd, w->links[r].wfd);
        assert_linked(c[r].fd, w->links[r].rfd);
        close(c[r].fd);
    }
}

/* Silence, garbage and a wrong secret, all pending before the real rank:
 * the loop admits the rank at once, without waiting out the strangers; the
 * liar learns that rank 0 is not of its job and sends no proof. */
static void strangers_do_not_hold_up_a_rank(void **state)
{
    struct world *w = *state;
    int idle = dial(w), junk = dial(w);
    assert_int_equal(write(junk, "GET / HTTP/1.1\r\n\r\n", 18), 18);
    int64_t t0 = ipc__now_ms();
    struct accepting a;
    accept_in_thread(&a, w, 1);
    struct caller liar, real;
    start(&liar, w, 2, bad);
    join(&liar);
    assert_int_equal(liar.rc, -EPROTO);
    assert_non_null(strstr(liar.why, "wrong job secret"));
    start(&real, w, 1, good);
    join(&real);
    assert_int_equal(pthread_join(a.thread, NULL), 0);
    int64_t took = ipc__now_ms() - t0;
    assert_int_equal(a.rc, 0);
    assert_int_equal(real.rc, 0);
    assert_true(w->links[1].rfd >= 0);
    assert_int_equal(w->links[2].rfd, -1);
    assert_true(took < IPC__HANDSHAKE_LIMIT_MS); /* not a timeout's worth */
    assert_linked(real.fd, w->links[1].rfd);
    close(real.fd);
    close(idle);
    close(junk);
    if (liar.fd >= 0)
        close(liar.fd);
}

/* A connector with the wrong secret gets a good challenge but cannot prove
 * itself; a second connection claiming a rank that is linked already is
 * refused; neither counts. The real rank after them does. */
static void a_wrong_proof_and_a_second_claim_do_not_count(void **state)
{
    struct world *w = *state;
    /* Rank 3 is linked already. */
    struct caller first;
    start(&first, w, 3, good);
    assert_int_equal(ipc__handshake_accept(w->lfd, &w->job, w->links, &rules, good, 1), 0);
    join(&first);
    assert_int_equal(first.rc, 0);
    int linked3 = w->links[3].rfd;

    /* A forged proof: a HELLO as rank 2, then 0x42s for a mac. */
    int forger = dial(w);
    unsigned char wire[IPC__HELLO_SIZE];
    struct ipc__hello msg = {.kind = IPC__HELLO, .rank = 2};
    ipc__hello_encode(wire, &msg);
    assert_int_equal(write(forger, wire, sizeof wire), (ssize_t)sizeof wire);
    msg = (struct ipc__hello){.kind = IPC__PROOF, .rank = 2};
    memset(msg.mac, 0x42, sizeof msg.mac);
    ipc__hello_encode(wire, &msg);
    assert_int_equal(write(forger, wire, sizeof wire), (ssize_t)sizeof wire);

    struct caller again, real;
    start(&again, w, 3, good);
    start(&real, w, 2, good);
    assert_int_equal(ipc__handshake_accept(w->lfd, &w->job, w->links, &rules, good, 1), 0);
    join(&real);
    assert_int_equal(real.rc, 0);
    assert_int_equal(w->links[3].rfd, linked3);
    assert_linked(real.fd, w->links[2].rfd);
    /* The forger was closed after its proof: end of stream past the
     * challenge. */
    char buf[IPC__HELLO_SIZE * 2];
    ssize_t n, got = 0;
    while ((n = read(forger, buf, sizeof buf)) > 0)
        got += n;
    assert_int_equal(got, IPC__HELLO_SIZE);
    stop_listening(w);
    join(&again);
    assert_int_not_equal(again.rc, 0);
    close(forger);
    close(first.fd);
    close(real.fd);
    if (again.fd >= 0)
        close(again.fd);
}

/* Higher ranks only: rank 1 of a 4-rank job, approached as rank 0 or 7. */
static void ranks_that_cannot_connect_are_refused(void **state)
{
    struct world *w = *state;
    w->job.rank = 1;
    struct caller low, high, real;
    start(&low, w, 0, good);
    start(&high, w, 7, good);
    start(&real, w, 2, good);
    assert_int_equal(ipc__handshake_accept(w->lfd, &w->job, w->links, &rules, good, 1), 0);
    join(&real);
    assert_int_equal(real.rc, 0);
    assert_int_equal(w->links[0].rfd, -1);
    assert_true(w->links[2].rfd >= 0);
    stop_listening(w);
    join(&low);
    join(&high);
    for (struct caller *c = &low; c; c = c == &low ? &high : NULL) {
        assert_int_not_equal(c->rc, 0);
        if (c->fd >= 0)
            close(c->fd);
    }
    close(real.fd);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(ranks_of_the_job_are_admitted, setup, teardown),
        cmocka_unit_test_setup_teardown(strangers_do_not_hold_up_a_rank, setup, teardown),
        cmocka_unit_test_setup_teardown(a_wrong_proof_and_a_second_claim_do_not_count, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ranks_that_cannot_connect_are_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
