/* test_shm.c - the shm transport's checks of what peers wrote into the
 * segment: a peer's pid must be a rank's (our user, our parent) before a
 * single copy may reach it; and the crowding hint (ipc__shm_crowded), which
 * tells a spinning rank that an awake node peer is on its cpu. */
#include <sched.h>
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(siblings_are_children_of_our_parent),
        cmocka_unit_test(a_nephew_is_no_sibling),
        cmocka_unit_test(crowded_when_an_awake_peer_shares_the_cpu),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
