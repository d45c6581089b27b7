/* test_handshake.c - the connections of the stream transports, opened on
 * first use (runtime/transport/handshake.c). Four ranks live in this one
 * process, each with its own abstract unix listener, links and struct
 * ipc__streams; the test moves them on by calling ipc__streams_serve on each
 * in turn. Checked: nothing is connected before a frame asks; a link comes
 * up for the pair that asks, and only for it; when both ends dial at once
 * the lower rank's dial carries the link and no spare connection is left;
 * strangers (silent, garbage, a wrong secret, a forged proof, a second claim
 * of a linked rank, ranks that are not of the job) are refused without
 * holding up a real rank; a rank with another secret gives up without a
 * proof; a dial that is dropped before WELCOME is made again, up to
 * IPC__DIAL_TRIES times. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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

/* Where each rank listens, for address(). */
static struct sockaddr_un where[SIZE];
static socklen_t where_len[SIZE];

/* What lost() was told last, and by which rank. */
static int lost_by = -1, lost_peer = -1, lost_count;
static char lost_why[320];
static int serving = -1;

static int address(int peer, struct sockaddr_storage *sa, socklen_t *salen, char *shown,
                   size_t shownlen, char *why, size_t whylen)
{
    (void)shown, (void)shownlen;
    if (peer < 0 || peer >= SIZE || !where_len[peer]) {
        snprintf(why, whylen, "published no usable address");
        return -EPROTO;
    }
    memcpy(sa, &where[peer], sizeof where[peer]);
    *salen = where_len[peer];
    return 0;
}

static void lost(int peer, const char *why)
{
    lost_by = serving;
    lost_peer = peer;
    lost_count++;
    snprintf(lost_why, sizeof lost_why, "%s", why);
}

static const struct ipc__stream_wireup rules = {
    .ops = &ipc__transport_unix,
    .what = "unix",
    .failed_as = "unix socket",
    .same_user = true,
    .domain = AF_UNIX,
    .address = address,
    .lost = lost,
};

struct rank {
    struct ipc__job job;
    struct ipc__link links[SIZE];
    struct ipc__streams *s;
};

static struct rank ranks[SIZE + 1]; /* [SIZE]: a liar, when a test makes one */

/* An abstract listener, its address recorded as rank r's when r < SIZE. */
static int listen_as(int r, struct sockaddr_un *sa, socklen_t *salen)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    *sa = (struct sockaddr_un){.sun_family = AF_UNIX};
    *salen = sizeof(sa_family_t); /* autobind: an abstract name */
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)sa, *salen), 0);
    assert_int_equal(listen(fd, SOMAXCONN), 0);
    *salen = sizeof *sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)sa, salen), 0);
    if (r < SIZE) {
        where[r] = *sa;
        where_len[r] = *salen;
    }
    return fd;
}

/* Starts rank r (as rank `as` of the job, with secret) on a fresh listener. */
static void start_rank(int r, int as, const unsigned char *secret)
{
    struct rank *k = &ranks[r];
    struct sockaddr_un sa;
    socklen_t salen;
    memset(k, 0, sizeof *k);
    k->job.rank = as;
    k->job.size = SIZE;
    for (int p = 0; p < SIZE; p++)
        k->links[p] = (struct ipc__link){.ops = p == as ? NULL : &ipc__transport_unix,
                                         .rfd = -1, .wfd = -1};
    int lfd = listen_as(r, &sa, &salen);
    assert_int_equal(ipc__streams_start(&k->job, k->links, &rules, lfd, secret, &k->s),
                     IPC_SUCCESS);
}

static int setup(void **state)
{
    (void)state;
    memset(where_len, 0, sizeof where_len);
    lost_by = lost_peer = -1;
    lost_count = 0;
    lost_why[0] = '\0';
    for (int r = 0; r < SIZE; r++)
        start_rank(r, r, good);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    for (int r = 0; r <= SIZE; r++) {
        struct rank *k = &ranks[r];
        if (!k->s)
            continue;
        for (int p = 0; p < SIZE; p++)
            if (k->links[p].rfd >= 0)
                close(k->links[p].rfd);
        ipc__streams_close(k->s);
        k->s = NULL;
    }
    return 0;
}

static int count_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    int n = 0;
    assert_non_null(d);
    while (readdir(d))
        n++;
    closedir(d);
    return n;
}

static bool up(int a, int b)
{
    return ranks[a].links[b].wfd >= 0;
}

/* Serves every rank that exists, once each, after waiting up to 10 ms for
 * any of them to have work. */
static void pump_once(void)
{
    struct pollfd pfd[SIZE + 1];
    int n = 0;
    for (int r = 0; r <= SIZE; r++)
        if (ranks[r].s)
            pfd[n++] = (struct pollfd){.fd = ipc__streams_fd(ranks[r].s), .events = POLLIN};
    (void)poll(pfd, (nfds_t)n, 10);
    for (int r = 0; r <= SIZE; r++) {
        if (!ranks[r].s)
            continue;
        serving = r;
        ipc__streams_serve(ranks[r].s);
    }
    serving = -1;
}

/* Pumps until cond() holds, for at most 2 s; returns how long it took. */
static int64_t pump_until(bool (*cond)(void))
{
    int64_t t0 = ipc__now_ms();
    while (!cond() && ipc__now_ms() - t0 < 2000)
        pump_once();
    return ipc__now_ms() - t0;
}

static void want(int a, int b)
{
    assert_int_equal(ipc__streams_want(&ranks[a].links[b]), 0);
}

/* The link a -> b and the link b -> a are the two ends of one connection. */
static void assert_linked(int a, int b)
{
    char out = (char)('a' + a), in = 0;
    assert_true(up(a, b) && up(b, a));
    assert_int_equal(write(ranks[a].links[b].wfd, &out, 1), 1);
    struct pollfd pfd = {.fd = ranks[b].links[a].rfd, .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 1000), 1);
    assert_int_equal(read(ranks[b].links[a].rfd, &in, 1), 1);
    assert_int_equal(in, out);
}

static bool zero_one_up(void)
{
    return up(0, 1) && up(1, 0);
}

static bool all_up(void)
{
    for (int a = 0; a < SIZE; a++)
        for (int b = 0; b < SIZE; b++)
            if (a != b && !up(a, b))
                return false;
    return true;
}

static int fds_expected;
static bool fds_settled(void)
{
    return count_fds() == fds_expected;
}

static void links_open_on_first_use_one_per_pair(void **state)
{
    (void)state;
    int base = count_fds();
    pump_until(all_up); /* nobody asked: nothing comes up */
    for (int a = 0; a < SIZE; a++)
        for (int b = 0; b < SIZE; b++)
            assert_int_equal(ranks[a].links[b].rfd, -1);
    assert_int_equal(count_fds(), base);

    /* Rank 0 has a frame for rank 1: that pair, and only it. */
    want(0, 1);
    pump_until(zero_one_up);
    assert_linked(0, 1);
    assert_linked(1, 0);
    assert_false(up(0, 2) || up(2, 0) || up(1, 2) || up(3, 0));
    fds_expected = base + 2;
    pump_until(fds_settled);
    assert_int_equal(count_fds(), base + 2);

    /* Everyone has a frame for everyone, asked before anyone serves: every
     * pair but 0-1 dials from both ends at once. */
    for (int a = 0; a < SIZE; a++)
        for (int b = 0; b < SIZE; b++)
            if (a != b && !up(a, b))
                want(a, b);
    pump_until(all_up);
    for (int a = 0; a < SIZE; a++)
        for (int b = a + 1; b < SIZE; b++) {
            assert_linked(a, b);
            assert_linked(b, a);
        }
    /* Two descriptors per pair, and no spare connection once the crossed
     * dials have been closed. */
    fds_expected = base + SIZE * (SIZE - 1);
    pump_until(fds_settled);
    assert_int_equal(count_fds(), fds_expected);
    assert_int_equal(lost_count, 0);
}

/* Is fd a socket that accept() made on rank r's listener (it has the
 * listener's name), rather than one that dialled (unnamed)? */
static bool accepted_on(int fd, int r)
{
    struct sockaddr_un sa;
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    return len == where_len[r] && memcmp(&sa, &where[r], len) == 0;
}

static bool two_three_up(void)
{
    return up(2, 3) && up(3, 2);
}

static int setup(void **state);
static int teardown(void **state);

/* Ranks 2 and 3 dial each other at once, and are served in every order of
 * 8 rounds (bit i of `order`: who goes first in round i), so that each
 * message of one handshake meets each of the other in turn. */
static void the_lower_ranks_dial_carries_a_crossing(void **state)
{
    for (unsigned order = 0; order < 256; order++) {
        if (order) {
            teardown(state);
            setup(state);
        }
        int base = count_fds();
        want(3, 2);
        want(2, 3);
        for (int round = 0; !two_three_up() && round < 200; round++) {
            int first = (order >> (round % 8)) & 1 ? 3 : 2;
            struct pollfd pfd[2] = {{.fd = ipc__streams_fd(ranks[2].s), .events = POLLIN},
                                    {.fd = ipc__streams_fd(ranks[3].s), .events = POLLIN}};
            (void)poll(pfd, 2, 10);
            ipc__streams_serve(ranks[first].s);
            ipc__streams_serve(ranks[5 - first].s);
        }
        assert_linked(2, 3);
        assert_linked(3, 2);
        assert_true(accepted_on(ranks[3].links[2].rfd, 3)); /* rank 3 accepted */
        assert_false(accepted_on(ranks[2].links[3].rfd, 2)); /* rank 2 dialled */
        fds_expected = base + 2;
        pump_until(fds_settled);
        assert_int_equal(count_fds(), base + 2);
        assert_int_equal(lost_count, 0);
    }
}

/* A connection to rank r's listener, as a stranger makes it. */
static int stranger_to(int r)
{
    int fd = -1;
    assert_int_equal(ipc__connect_within(AF_UNIX, (const struct sockaddr *)&where[r],
                                         where_len[r], 0, ipc__now_ms() + 2000, &fd),
                     0);
    return fd;
}

/* What a stranger's connection received until the rank closed it (-1: not
 * closed within 2 s). */
static ssize_t read_until_closed(int fd, unsigned char *buf, size_t cap)
{
    ssize_t got = 0;
    int64_t t0 = ipc__now_ms();
    while (ipc__now_ms() - t0 < 2000) {
        pump_once();
        ssize_t n = recv(fd, buf + got, cap - (size_t)got, MSG_DONTWAIT);
        if (n == 0)
            return got;
        if (n > 0)
            got += n;
        else if (errno != EAGAIN && errno != EWOULDBLOCK)
            return got;
    }
    return -1;
}

static void send_hello(int fd, int32_t rank, unsigned char nonce[IPC__NONCE_BYTES])
{
    unsigned char wire[IPC__HELLO_SIZE];
    struct ipc__hello msg = {.kind = IPC__HELLO, .rank = rank};
    if (nonce)
        memcpy(msg.nonce, nonce, IPC__NONCE_BYTES);
    ipc__hello_encode(wire, &msg);
    assert_int_equal(write(fd, wire, sizeof wire), (ssize_t)sizeof wire);
}

static bool one_zero_up(void)
{
    return up(1, 0) && up(0, 1);
}

/* Silence, garbage and a rank of another job, all there before the real
 * rank: it comes up at once, without waiting out the strangers; the liar
 * learns from the challenge that rank 0 is not of its job and gives up
 * without a proof. */
static void strangers_do_not_hold_up_a_rank(void **state)
{
    (void)state;
    int idle = stranger_to(0), junk = stranger_to(0);
    assert_int_equal(write(junk, "GET / HTTP/1.1\r\n\r\n", 18), 18);
    struct sockaddr_un sa;
    socklen_t salen;
    struct rank *liar = &ranks[SIZE];
    memset(liar, 0, sizeof *liar);
    liar->job = (struct ipc__job){.rank = 2, .size = SIZE};
    for (int p = 0; p < SIZE; p++)
        liar->links[p] = (struct ipc__link){.ops = p == 2 ? NULL : &ipc__transport_unix,
                                            .rfd = -1, .wfd = -1};
    assert_int_equal(ipc__streams_start(&liar->job, liar->links, &rules,
                                        listen_as(SIZE, &sa, &salen), bad, &liar->s),
                     IPC_SUCCESS);
    assert_int_equal(ipc__streams_want(&liar->links[0]), 0);
    for (int i = 0; i < 20 && lost_count == 0; i++)
        pump_once();
    assert_int_equal(lost_count, 1);
    assert_int_equal(lost_by, SIZE);
    assert_int_equal(lost_peer, 0);
    assert_non_null(strstr(lost_why, "wrong job secret"));
    assert_int_equal(liar->links[0].wfd, -1);
    /* Given up: it asks no more. */
    assert_int_equal(ipc__streams_want(&liar->links[0]), -ECONNREFUSED);

    want(1, 0);
    int64_t took = pump_until(one_zero_up);
    assert_linked(1, 0);
    assert_true(took < IPC__HANDSHAKE_LIMIT_MS); /* not a timeout's worth */
    assert_int_equal(ranks[0].links[2].rfd, -1);
    /* The garbage was refused at once; the silent one is still waiting. */
    unsigned char buf[IPC__HELLO_SIZE];
    assert_int_equal(read_until_closed(junk, buf, sizeof buf), 0);
    assert_int_equal(recv(idle, buf, sizeof buf, MSG_DONTWAIT), -1);
    close(idle);
    close(junk);
}

static bool three_zero_up(void)
{
    return up(3, 0) && up(0, 3);
}

static bool two_zero_up(void)
{
    return up(2, 0) && up(0, 2);
}

/* A forged proof gets a challenge and then the door; a second claim of a
 * linked rank is refused at its hello; the real rank after them comes up. */
static void a_wrong_proof_and_a_second_claim_are_refused(void **state)
{
    (void)state;
    want(3, 0);
    pump_until(three_zero_up);
    int linked3 = ranks[0].links[3].rfd;

    /* A HELLO as rank 2, then 0x42s for a mac. */
    int forger = stranger_to(0);
    send_hello(forger, 2, NULL);
    unsigned char wire[IPC__HELLO_SIZE * 2];
    struct ipc__hello msg = {.kind = IPC__PROOF, .rank = 2};
    memset(msg.mac, 0x42, sizeof msg.mac);
    ipc__hello_encode(wire, &msg);
    assert_int_equal(write(forger, wire, IPC__HELLO_SIZE), IPC__HELLO_SIZE);
    /* The challenge, then end of stream: no WELCOME. */
    assert_int_equal(read_until_closed(forger, wire, sizeof wire), IPC__HELLO_SIZE);
    struct ipc__hello got;
    assert_int_equal(ipc__hello_decode(wire, IPC__CHALLENGE, &got), IPC__HELLO_OK);
    assert_int_equal(got.rank, 0);

    /* Rank 3 again: closed before any challenge. */
    int again = stranger_to(0);
    send_hello(again, 3, NULL);
    assert_int_equal(read_until_closed(again, wire, sizeof wire), 0);

    want(2, 0);
    pump_until(two_zero_up);
    assert_linked(2, 0);
    assert_int_equal(ranks[0].links[3].rfd, linked3);
    assert_int_equal(lost_count, 0);
    close(forger);
    close(again);
}

/* Claims of a rank outside the job, and of the accepting rank itself. */
static void ranks_that_are_not_peers_are_refused(void **state)
{
    (void)state;
    unsigned char buf[IPC__HELLO_SIZE];
    int32_t claims[] = {SIZE, 7, -1, 1};
    for (size_t i = 0; i < sizeof claims / sizeof claims[0]; i++) {
        int fd = stranger_to(1);
        send_hello(fd, claims[i], NULL);
        assert_int_equal(read_until_closed(fd, buf, sizeof buf), 0);
        close(fd);
    }
    for (int p = 0; p < SIZE; p++)
        assert_int_equal(ranks[1].links[p].rfd, -1);
}

/* A "rank 0" that accepts and hangs up before any challenge: rank 1 dials
 * again, IPC__DIAL_TRIES times in all, then gives the link up. */
static void a_dropped_dial_is_made_again_then_given_up(void **state)
{
    (void)state;
    ipc__streams_close(ranks[0].s);
    ranks[0].s = NULL;
    struct sockaddr_un sa;
    socklen_t salen;
    int fake = listen_as(0, &sa, &salen);
    assert_int_equal(fcntl(fake, F_SETFL, O_NONBLOCK), 0);
    want(1, 0);
    int accepted = 0;
    int64_t t0 = ipc__now_ms();
    while (lost_count == 0 && ipc__now_ms() - t0 < 5000) {
        pump_once();
        int fd;
        while ((fd = accept4(fake, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
            accepted++;
            close(fd);
        }
    }
    close(fake);
    assert_int_equal(accepted, IPC__DIAL_TRIES);
    assert_int_equal(lost_count, 1);
    assert_int_equal(lost_by, 1);
    assert_int_equal(lost_peer, 0);
    assert_non_null(strstr(lost_why, "closed the connection before its challenge"));
    assert_int_equal(ranks[1].links[0].wfd, -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(links_open_on_first_use_one_per_pair, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(the_lower_ranks_dial_carries_a_crossing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(strangers_do_not_hold_up_a_rank, setup, teardown),
        cmocka_unit_test_setup_teardown(a_wrong_proof_and_a_second_claim_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(ranks_that_are_not_peers_are_refused, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(a_dropped_dial_is_made_again_then_given_up, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
