/* test_shm.c - the shm transport's checks of what peers wrote into the
 * segment: a peer's pid must be a rank's (our user, our parent) before a
 * single copy may reach it. */
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(siblings_are_children_of_our_parent),
        cmocka_unit_test(a_nephew_is_no_sibling),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
