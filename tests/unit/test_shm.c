/* test_shm.c - the shm transport's checks of what peers wrote into the
 * segment: a peer's pid must be a rank's (our user, our parent) before a
 * single copy may reach it; the crowding hint (ipc__shm_crowded), which
 * tells a spinning rank that an awake node peer is on its cpu, and the move
 * to a free cpu it makes when not oversubscribed; and inbox
 * mode (inbox.c): writers that share an inbox keep each one's stream whole
 * and in order, a word that no writer could have published is a protocol
 * error, and a writer asleep for room is woken when the reader frees it. */
#include <errno.h>
#include <sched.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "transport/shm/shm.h"
#include "transport/transport.h"

/* In a child: sleeps until killed, or until its parent dies (a failed
 * assertion leaves no process behind). */
static _Noreturn void sleep_forever(void)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    pause();
    _exit(0);
}

/* Forks a child that sleeps until killed. */
static pid_t sleeper(void)
{
    pid_t pid = fork();
    if (pid == 0)
        sleep_forever();
    assert_true(pid > 0);
    return pid;
}

static void reap(pid_t pid)
{
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

/* Seen from a child of ours, as a rank sees its peers: our other children
 * are siblings; we (its parent), init and pids of nobody are not. */
static void siblings_are_children_of_our_parent(void **state)
{
    (void)state;
    pid_t peer = sleeper();
    pid_t child = fork();
    if (child == 0) {
        int wrong = 0;
        wrong |= !ipc__shm_pid_is_sibling(peer) << 0;
        wrong |= ipc__shm_pid_is_sibling(getppid()) << 1;
        wrong |= ipc__shm_pid_is_sibling(1) << 2;
        wrong |= ipc__shm_pid_is_sibling(0) << 3;
        wrong |= ipc__shm_pid_is_sibling(-1) << 4;
        wrong |= ipc__shm_pid_is_sibling(0x3fffffff) << 5; /* above pid_max */
        _exit(wrong);
    }
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    reap(peer);
}

/* A process whose parent is not ours, though of our user, is refused: here
 * a child of one of our children. */
static void a_nephew_is_no_sibling(void **state)
{
    (void)state;
    int pipefd[2];
    assert_int_equal(pipe(pipefd), 0);
    pid_t uncle = fork();
    if (uncle == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        pid_t nephew = fork();
        if (nephew == 0)
            sleep_forever();
        if (write(pipefd[1], &nephew, sizeof nephew) != sizeof nephew)
            _exit(1);
        sleep_forever();
    }
    pid_t nephew = 0;
    assert_int_equal(read(pipefd[0], &nephew, sizeof nephew), sizeof nephew);
    close(pipefd[0]);
    close(pipefd[1]);
    pid_t child = fork();
    if (child == 0)
        _exit(ipc__shm_pid_is_sibling(nephew) ? 1 : 0);
    int status = 0;
    assert_int_equal(waitpid(child, &status, 0), child);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    kill(nephew, SIGKILL);
    reap(uncle);
}

/* Three doorbells, ours in the middle, pinned to one cpu so that
 * sched_getcpu() says the same all along. */
static void crowded_when_an_awake_peer_shares_the_cpu(void **state)
{
    (void)state;
    cpu_set_t old, one;
    assert_int_equal(sched_getaffinity(0, sizeof old, &old), 0);
    int cpu = sched_getcpu();
    assert_true(cpu >= 0);
    CPU_ZERO(&one);
    CPU_SET(cpu, &one);
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);

    static struct doorbell bells[3];
    struct shm_seg seg = {.bells = bells, .mine = &bells[1], .nranks = 3, .me = 1};
    struct ipc__transport t = {.priv = &seg};

    assert_false(ipc__shm_crowded(&t)); /* nobody said a cpu yet */
    assert_int_equal(atomic_load(&bells[1].cpu_plus1), cpu + 1); /* we did now */
    atomic_store(&bells[0].cpu_plus1, cpu + 2); /* another cpu */
    assert_false(ipc__shm_crowded(&t));
    atomic_store(&bells[2].cpu_plus1, cpu + 1); /* ours, awake */
    assert_true(ipc__shm_crowded(&t));
    atomic_store(&bells[2].sleeping, 1); /* ours, asleep: it needs no cpu */
    assert_false(ipc__shm_crowded(&t));
    atomic_store(&bells[2].sleeping, 0);
    atomic_store(&bells[1].cpu_plus1, 0); /* our own stale word is rewritten */
    assert_true(ipc__shm_crowded(&t));
    assert_int_equal(atomic_load(&bells[1].cpu_plus1), cpu + 1);

    assert_int_equal(sched_setaffinity(0, sizeof old, &old), 0);
}

/* Not oversubscribed (may_move), a crowded rank moves itself to a cpu of
 * its set that no awake peer claims, keeps its set, and does it at most once
 * in MOVE_EVERY_S; with every cpu claimed it stays and yields. Needs two cpus. */
static void crowded_rank_moves_to_a_free_cpu(void **state)
{
    (void)state;
    cpu_set_t old, one, two, after;
    assert_int_equal(sched_getaffinity(0, sizeof old, &old), 0);
    if (CPU_COUNT(&old) < 2)
        skip();
    int a = -1, b = -1;
    for (int c = 0; c < CPU_SETSIZE && b < 0; c++)
        if (CPU_ISSET(c, &old)) {
            if (a < 0)
                a = c;
            else
                b = c;
        }
    /* On a now, then allowed a and b: widening the set moves nobody. */
    CPU_ZERO(&one);
    CPU_SET(a, &one);
    assert_int_equal(sched_setaffinity(0, sizeof one, &one), 0);
    CPU_ZERO(&two);
    CPU_SET(a, &two);
    CPU_SET(b, &two);
    assert_int_equal(sched_setaffinity(0, sizeof two, &two), 0);

    static struct doorbell bells[3];
    struct shm_seg seg = {
        .bells = bells, .mine = &bells[1], .nranks = 3, .me = 1, .may_move = true};
    struct ipc__transport t = {.priv = &seg};
    atomic_store(&bells[2].cpu_plus1, a + 1); /* awake, on our cpu */

    assert_false(ipc__shm_crowded(&t)); /* moved: crowded no more */
    assert_int_equal(sched_getcpu(), b);
    assert_int_equal(atomic_load(&bells[1].cpu_plus1), b + 1);
    assert_int_equal(sched_getaffinity(0, sizeof after, &after), 0);
    assert_true(CPU_EQUAL(&after, &two)); /* bound to nothing more than before */

    atomic_store(&bells[2].cpu_plus1, b + 1); /* it follows us; a is free */
    assert_true(ipc__shm_crowded(&t)); /* but too soon to move again: yield */
    assert_int_equal(sched_getcpu(), b);

    seg.moved_at = 0; /* long ago; but a is claimed now: nowhere to go */
    atomic_store(&bells[0].cpu_plus1, a + 1);
    assert_true(ipc__shm_crowded(&t));
    assert_int_equal(sched_getcpu(), b);
    assert_int_equal(atomic_load(&bells[1].cpu_plus1), b + 1);

    seg.moved_at = 0;
    atomic_store(&bells[0].sleeping, 1); /* a's rank sleeps: a is free */
    assert_false(ipc__shm_crowded(&t));
    assert_int_equal(sched_getcpu(), a);

    assert_int_equal(sched_setaffinity(0, sizeof old, &old), 0);
}

/* ---- inbox mode ---- */

#define BOX_RANKS 4
#define BOX_SIZE (16 * 1024) /* the least: packets of at most 4 KiB, many wraps */

/* One node of BOX_RANKS ranks in inbox mode, laid out in memory shared
 * with forked children, as one rank (me) sees it. */
struct box_view {
    struct shm_seg seg;
    struct shm_link links[BOX_RANKS];
    struct shm_link *by_local[BOX_RANKS];
    struct ipc__link l[BOX_RANKS];
};

static char *box_memory(void)
{
    size_t len = BOX_RANKS * (sizeof(struct doorbell) + sizeof(struct inbox_ctl) + BOX_SIZE);
    char *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    assert_true(mem != MAP_FAILED);
    return mem;
}

static void box_view(struct box_view *v, char *mem, int me)
{
    memset(v, 0, sizeof *v);
    struct shm_seg *seg = &v->seg;
    seg->bells = (struct doorbell *)(void *)mem;
    seg->boxes = (struct inbox_ctl *)(void *)(mem + BOX_RANKS * sizeof(struct doorbell));
    seg->box_va = mem + BOX_RANKS * (sizeof(struct doorbell) + sizeof(struct inbox_ctl));
    seg->nranks = BOX_RANKS;
    seg->me = me;
    seg->mine = &seg->bells[me];
    seg->ring_size = BOX_SIZE;
    seg->inbox = true;
    seg->writer_fence = true;
    seg->wake_rx = seg->wake_tx = -1;
    seg->by_local = v->by_local;
    for (int p = 0; p < BOX_RANKS; p++) {
        if (p == me)
            continue;
        v->links[p] = (struct shm_link){.seg = seg,
                                        .peer = p,
                                        .ring_size = BOX_SIZE,
                                        .tx_box = &seg->boxes[p],
                                        .peer_bell = &seg->bells[p]};
        v->by_local[p] = &v->links[p];
        v->l[p] = (struct ipc__link){.ops = &ipc__transport_shm, .priv = &v->links[p]};
    }
}

/* Byte k of writer w's stream. */
static unsigned char stream_byte(int w, size_t k)
{
    return (unsigned char)(w * 131 + k * 7 + (k >> 9));
}

#define STREAM_BYTES (1u << 20)

/* A writer: its stream to rank 0 in writes of 1 byte to 6 KiB (some longer
 * than a packet), retrying while the inbox is full. */
static _Noreturn void box_writer(char *mem, int w)
{
    prctl(PR_SET_PDEATHSIG, SIGKILL);
    static struct box_view v;
    box_view(&v, mem, w);
    static unsigned char buf[6144];
    uint32_t lcg = (uint32_t)w * 2654435761u;
    size_t sent = 0;
    while (sent < STREAM_BYTES) {
        lcg = lcg * 1103515245u + 12345u;
        size_t n = 1 + (lcg >> 8) % sizeof buf;
        if (n > STREAM_BYTES - sent)
            n = STREAM_BYTES - sent;
        for (size_t i = 0; i < n; i++)
            buf[i] = stream_byte(w, sent + i);
        size_t done = 0;
        while (done < n) {
            struct iovec iov = {buf + done, n - done};
            ssize_t got = ipc__shm_writev(&v.l[0], &iov, 1);
            if (got < 0)
                _exit(2);
            done += (size_t)got;
            if (got == 0)
                sched_yield();
        }
        sent += n;
    }
    _exit(0);
}

/* Three writers share rank 0's inbox at once; rank 0 reads each link in
 * turn, sometimes only part of what it is lent, and every stream arrives
 * whole and in order (packets for the other links wait on theirs). */
static void inbox_keeps_each_writers_stream(void **state)
{
    (void)state;
    char *mem = box_memory();
    pid_t kids[BOX_RANKS];
    for (int w = 1; w < BOX_RANKS; w++)
        if ((kids[w] = fork()) == 0)
            box_writer(mem, w);
    static struct box_view v;
    box_view(&v, mem, 0);
    size_t got[BOX_RANKS] = {0}, wrong = 0, total = 0, lent_part = 0;
    time_t start = time(NULL);
    while (total < (BOX_RANKS - 1) * (size_t)STREAM_BYTES && time(NULL) - start < 60) {
        for (int p = 1; p < BOX_RANKS; p++) {
            const void *data;
            ssize_t n = ipc__shm_peek(&v.l[p], &data);
            assert_true(n >= 0);
            if (n == 0)
                continue;
            if (n > 1000 && (got[p] & 1)) { /* take part of it */
                n = 1000;
                lent_part++;
            }
            for (ssize_t i = 0; i < n; i++)
                wrong += ((const unsigned char *)data)[i] != stream_byte(p, got[p] + (size_t)i);
            got[p] += (size_t)n;
            total += (size_t)n;
            ipc__shm_consume(&v.l[p], (size_t)n);
            ipc__shm_release(&v.l[p]);
        }
    }
    for (int w = 1; w < BOX_RANKS; w++) {
        int status = 0;
        assert_int_equal(waitpid(kids[w], &status, 0), kids[w]);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
        assert_int_equal(got[w], STREAM_BYTES);
    }
    assert_int_equal(wrong, 0);
    assert_true(lent_part > 0);
    assert_int_equal(v.seg.npending, 0);
    /* Everything read was cleared: the reader stands at the writers' tail. */
    assert_int_equal(atomic_load(&v.seg.boxes[0].head), atomic_load(&v.seg.boxes[0].tail));
    munmap(mem, BOX_RANKS * (sizeof(struct doorbell) + sizeof(struct inbox_ctl) + BOX_SIZE));
}

/* What no writer could have published is refused, not followed: a word of
 * another lap, a span past the end of the inbox, a sender that is no peer. */
static void inbox_refuses_a_forged_packet(void **state)
{
    (void)state;
    char *mem = box_memory();
    static struct box_view v;
    box_view(&v, mem, 0);
    struct inbox_pkt *p = (struct inbox_pkt *)(void *)v.seg.box_va; /* rank 0's, position 0 */
    const void *data;
    uint64_t good = (uint64_t)8 << 32 | 0x80000000u;
    struct {
        uint64_t word;
        uint32_t sender, span;
    } cases[] = {
        {good, 1, 64},                          /* a real packet: accepted */
        {(uint64_t)8 << 32 | 0x80000100u, 1, 64}, /* seq of another lap */
        {good, 1, BOX_SIZE + 64},               /* past the end */
        {good, 1, 100},                         /* not whole lines */
        {good, BOX_RANKS, 64},                  /* no such rank */
        {good, 0, 64},                          /* ourselves */
        {(uint64_t)100 << 32 | 0x80000000u, 1, 64}, /* longer than its span */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        p->sender = cases[i].sender;
        p->span = cases[i].span;
        atomic_store(&p->word, cases[i].word);
        ssize_t n = ipc__shm_peek(&v.l[1], &data);
        if (i == 0)
            assert_int_equal(n, 8);
        else
            assert_int_equal(n, -EPROTO);
    }
    munmap(mem, BOX_RANKS * (sizeof(struct doorbell) + sizeof(struct inbox_ctl) + BOX_SIZE));
}

/* A writer that finds the inbox full sleeps (on its doorbell, as a rank
 * does) and the reader's release wakes it: it must not sleep out its 5 s
 * limit. */
static void a_writer_asleep_for_room_is_woken(void **state)
{
    (void)state;
    char *mem = box_memory();
    pid_t kid = fork();
    if (kid == 0) {
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        static struct box_view w;
        box_view(&w, mem, 1);
        struct ipc__transport t = {.priv = &w.seg};
        static char buf[4 * BOX_SIZE];
        size_t done = 0;
        int slept = 0;
        while (done < sizeof buf) {
            struct iovec iov = {buf + done, sizeof buf - done};
            ssize_t n = ipc__shm_writev(&w.l[0], &iov, 1);
            if (n > 0) {
                done += (size_t)n;
                continue;
            }
            unsigned token = ipc__shm_arm(&t);
            n = ipc__shm_writev(&w.l[0], &iov, 1); /* the last look */
            if (n == 0) {
                struct timespec a, b;
                clock_gettime(CLOCK_MONOTONIC, &a);
                ipc__shm_sleep(&t, token, 5000);
                clock_gettime(CLOCK_MONOTONIC, &b);
                if (b.tv_sec - a.tv_sec >= 5)
                    _exit(2); /* nobody woke us */
                slept++;
            }
            ipc__shm_disarm(&t);
            done += n > 0 ? (size_t)n : 0;
        }
        _exit(slept ? 0 : 3);
    }
    static struct box_view v;
    box_view(&v, mem, 0);
    size_t got = 0;
    time_t start = time(NULL);
    while (got < 4 * BOX_SIZE && time(NULL) - start < 30) {
        usleep(50 * 1000); /* long enough for the writer to fall asleep */
        const void *data;
        ssize_t n;
        while ((n = ipc__shm_peek(&v.l[1], &data)) > 0) {
            got += (size_t)n;
            ipc__shm_consume(&v.l[1], (size_t)n);
        }
        assert_true(n == 0);
        ipc__shm_release(&v.l[1]);
    }
    int status = 0;
    assert_int_equal(waitpid(kid, &status, 0), kid);
    assert_true(WIFEXITED(status));
    assert_int_equal(WEXITSTATUS(status), 0);
    assert_int_equal(got, 4 * BOX_SIZE);
    munmap(mem, BOX_RANKS * (sizeof(struct doorbell) + sizeof(struct inbox_ctl) + BOX_SIZE));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(siblings_are_children_of_our_parent),
        cmocka_unit_test(a_nephew_is_no_sibling),
        cmocka_unit_test(crowded_when_an_awake_peer_shares_the_cpu),
        cmocka_unit_test(crowded_rank_moves_to_a_free_cpu),
        cmocka_unit_test(inbox_keeps_each_writers_stream),
        cmocka_unit_test(inbox_refuses_a_forged_packet),
        cmocka_unit_test(a_writer_asleep_for_room_is_woken),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
