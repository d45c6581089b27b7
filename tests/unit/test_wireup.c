/* test_wireup.c - ipcrun's control-channel server, driven through real
 * socketpairs by a test that plays the ranks: key/value store, repeated
 * fences, the pipes handed to every pair, ABORT/FINALIZE, protocol errors and
 * fences that can no longer complete. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "launch.h"
#include "wireup.h"
#include "ctl.h"

#define NRANKS 3

/* A job whose ranks are the test: rank_fd[r] is rank r's end of its control
 * socket. No process exists, so stopping the job signals nobody. */
struct fixture {
    struct ipc__opts opts;
    struct ipc__launch job;
    int rank_fd[NRANKS];
    int local[NRANKS]; /* every rank runs on this host */
    int saved_stderr;
    int err_pipe[2];
    char *buf;
};

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);
    if (!f)
        return -1;
    f->opts = (struct ipc__opts){.nranks = NRANKS, .kill_grace_ms = 3000};
    f->job = (struct ipc__launch){
        .opts = &f->opts, .n = NRANKS, .nlocal = NRANKS, .local = f->local, .abort_rank = -1};
    f->job.ranks = calloc(NRANKS, sizeof *f->job.ranks);
    f->buf = malloc(IPC__CTL_MAX_MSG);
    if (!f->job.ranks || !f->buf || ipc__wireup_init(&f->job.wireup))
        return -1;
    for (int r = 0; r < NRANKS; r++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
            return -1;
        fcntl(sv[0], F_SETFL, O_NONBLOCK);
        fcntl(sv[1], F_SETFL, O_NONBLOCK);
        f->job.ranks[r] = (struct ipc__launch_rank){
            .pid = 1000 + r, .ctl_fd = sv[0], .out_fd = -1, .err_fd = -1, .local_index = r};
        f->local[r] = r;
        f->rank_fd[r] = sv[1];
    }
    f->saved_stderr = dup(STDERR_FILENO);
    if (f->saved_stderr < 0 || pipe2(f->err_pipe, O_CLOEXEC | O_NONBLOCK))
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    close(f->saved_stderr);
    close(f->err_pipe[0]);
    close(f->err_pipe[1]);
    for (int r = 0; r < NRANKS; r++) {
        if (f->job.ranks[r].ctl_fd >= 0)
            close(f->job.ranks[r].ctl_fd);
        if (f->rank_fd[r] >= 0)
            close(f->rank_fd[r]);
    }
    ipc__wireup_fini(&f->job.wireup);
    free(f->job.ranks);
    free(f->buf);
    free(f);
    return 0;
}

static const char *launcher_said(struct fixture *f)
{
    static char text[2048];
    ssize_t n = read(f->err_pipe[0], text, sizeof text - 1);
    text[n > 0 ? n : 0] = '\0';
    return text;
}

/* Lets the launcher handle what rank r sent. What it says about a failure
 * goes to a pipe to be checked; cmocka's own reports still reach stderr. */
static void serve(struct fixture *f, int r)
{
    assert_true(dup2(f->err_pipe[1], STDERR_FILENO) >= 0);
    ipc__wireup_serve(&f->job, r);
    assert_true(dup2(f->saved_stderr, STDERR_FILENO) >= 0);
}

static void rank_sends(struct fixture *f, int r, uint32_t type, const void *p, size_t len)
{
    assert_int_equal(ipc__ctl_send(f->rank_fd[r], type, p, len, NULL, 0), 0);
    serve(f, r);
}

static void rank_puts(struct fixture *f, int r, const char *key, const char *value)
{
    char kv[256];
    size_t kl = strlen(key) + 1, vl = strlen(value) + 1;
    memcpy(kv, key, kl);
    memcpy(kv + kl, value, vl);
    rank_sends(f, r, IPC__CTL_PUT, kv, kl + vl);
}

/* Next packet for rank r, or type 0 when none is waiting. */
static ssize_t rank_receives(struct fixture *f, int r, uint32_t *type, int *fds,
                             int *nfds)
{
    *type = 0;
    ssize_t n = ipc__ctl_recv(f->rank_fd[r], type, f->buf, IPC__CTL_MAX_MSG, fds, nfds);
    if (n == -EAGAIN) {
        *type = 0;
        return 0;
    }
    assert_true(n >= 0);
    return n;
}

static void kv_store_replaces_and_serializes(void **state)
{
    (void)state;
    struct ipc__wireup w;
    size_t len = 99;
    assert_int_equal(ipc__wireup_init(&w), 0);
    char *blob = ipc__wireup_blob(&w, &len);
    assert_non_null(blob);
    assert_int_equal(len, 0);
    free(blob);
    assert_int_equal(ipc__wireup_put(&w, "a", "1"), 0);
    assert_int_equal(ipc__wireup_put(&w, "bb", ""), 0);
    assert_int_equal(ipc__wireup_put(&w, "a", "22"), 0);
    blob = ipc__wireup_blob(&w, &len);
    assert_int_equal(len, 9);
    assert_memory_equal(blob,
                        "a\0"
                        "22\0"
                        "bb\0"
                        "\0",
                        9);
    free(blob);
    ipc__wireup_fini(&w);
}

static void init_and_finalize_are_remembered(void **state)
{
    struct fixture *f = *state;
    rank_sends(f, 1, IPC__CTL_INIT, NULL, 0);
    assert_true(f->job.ranks[1].inited);
    assert_false(f->job.ranks[1].finalized);
    rank_sends(f, 1, IPC__CTL_FINALIZE, NULL, 0);
    assert_true(f->job.ranks[1].finalized);
    assert_false(f->job.ranks[0].inited);
    assert_int_equal(f->job.phase, IPC__PHASE_RUNNING);
}

static void fence_completes_when_all_fenced(void **state)
{
    struct fixture *f = *state;
    uint32_t type;
    char key[16], value[16];

    for (int round = 0; round < 2; round++) {
        for (int r = 0; r < NRANKS; r++) {
            snprintf(key, sizeof key, "addr%d", r);
            snprintf(value, sizeof value, "v%d.%d", r, round);
            rank_puts(f, r, key, value);
            rank_sends(f, r, IPC__CTL_FENCE, NULL, 0);
            /* Nobody is answered before the last rank arrives. */
            for (int q = 0; q < NRANKS && r < NRANKS - 1; q++) {
                rank_receives(f, q, &type, NULL, NULL);
                assert_int_equal(type, 0);
            }
        }
        for (int r = 0; r < NRANKS; r++) {
            ssize_t n = rank_receives(f, r, &type, NULL, NULL);
            assert_int_equal(type, IPC__CTL_FENCE_DONE);
            char want[128];
            int wl = 0;
            for (int q = 0; q < NRANKS; q++)
                wl += snprintf(want + wl, sizeof want - (size_t)wl, "addr%d%cv%d.%d%c", q,
                               0, q, round, 0);
            assert_int_equal(n, wl);
            assert_memory_equal(f->buf, want, (size_t)wl);
            rank_receives(f, r, &type, NULL, NULL);
            assert_int_equal(type, 0);
        }
    }
    assert_int_equal(f->job.phase, IPC__PHASE_RUNNING);
}

static void every_pair_gets_connected_pipes(void **state)
{
    struct fixture *f = *state;
    int rfd[NRANKS][NRANKS], wfd[NRANKS][NRANKS];
    uint32_t type;

    memset(rfd, -1, sizeof rfd);
    memset(wfd, -1, sizeof wfd);
    for (int r = 0; r < NRANKS; r++)
        rank_sends(f, r, IPC__CTL_PIPES, NULL, 0);
    for (int r = 0; r < NRANKS; r++) {
        for (int k = 0; k < NRANKS - 1; k++) {
            int fds[IPC__CTL_MAX_FDS], nfds = 0;
            int32_t peer;
            ssize_t n = rank_receives(f, r, &type, fds, &nfds);
            assert_int_equal(type, IPC__CTL_PIPE);
            assert_int_equal(n, sizeof peer);
            assert_int_equal(nfds, 2);
            memcpy(&peer, f->buf, sizeof peer);
            assert_true(peer >= 0 && peer < NRANKS && peer != r);
            assert_int_equal(rfd[r][peer], -1);
            rfd[r][peer] = fds[0];
            wfd[r][peer] = fds[1];
        }
        rank_receives(f, r, &type, NULL, NULL);
        assert_int_equal(type, 0); /* exactly N-1 PIPE messages */
    }
    for (int i = 0; i < NRANKS; i++) {
        for (int j = 0; j < NRANKS; j++) {
            if (i == j)
                continue;
            char msg[8], got[8] = "";
            snprintf(msg, sizeof msg, "%d>%d", i, j);
            assert_int_equal(write(wfd[i][j], msg, strlen(msg)), (ssize_t)strlen(msg));
            assert_int_equal(read(rfd[j][i], got, sizeof got - 1), (ssize_t)strlen(msg));
            assert_string_equal(got, msg);
        }
    }
    for (int i = 0; i < NRANKS; i++)
        for (int j = 0; j < NRANKS; j++)
            if (i != j) {
                close(rfd[i][j]);
                close(wfd[i][j]);
            }
}

static void abort_code_is_remembered(void **state)
{
    struct fixture *f = *state;
    int32_t code = 9, other = 4;
    rank_sends(f, 2, IPC__CTL_ABORT, &code, sizeof code);
    rank_sends(f, 0, IPC__CTL_ABORT, &other, sizeof other);
    assert_true(f->job.ranks[2].aborted);
    assert_int_equal(f->job.ranks[2].abort_code, 9);
    assert_int_equal(f->job.abort_rank, 2); /* the first one */
    /* Reporting waits for the rank's exit. */
    assert_int_equal(f->job.phase, IPC__PHASE_RUNNING);
}

static void malformed_put_fails_the_job(void **state)
{
    struct fixture *f = *state;
    rank_sends(f, 1, IPC__CTL_PUT, "no-value-terminator", 19);
    assert_int_equal(f->job.phase, IPC__PHASE_STOPPING);
    assert_int_equal(f->job.exit_status, 1);
    assert_string_equal(launcher_said(f),
                        "ipcrun: rank 1 (pid 1001) sent a malformed PUT on its control "
                        "channel\n");
}

static void unknown_message_fails_the_job(void **state)
{
    struct fixture *f = *state;
    rank_sends(f, 0, 42, NULL, 0);
    assert_int_equal(f->job.phase, IPC__PHASE_STOPPING);
    assert_string_equal(
        launcher_said(f),
        "ipcrun: rank 0 (pid 1000) sent an unknown message (type 42) on its "
        "control channel; is it built against another version of libipc?\n");
}

static void end_of_file_just_closes(void **state)
{
    struct fixture *f = *state;
    close(f->rank_fd[2]);
    f->rank_fd[2] = -1;
    serve(f, 2);
    assert_int_equal(f->job.ranks[2].ctl_fd, -1);
    assert_int_equal(f->job.phase, IPC__PHASE_RUNNING);
}

static void fence_nobody_can_finish_fails_the_job(void **state)
{
    struct fixture *f = *state;
    rank_sends(f, 0, IPC__CTL_FENCE, NULL, 0);
    rank_sends(f, 2, IPC__CTL_FENCE, NULL, 0);
    close(f->rank_fd[1]);
    f->rank_fd[1] = -1;
    serve(f, 1);
    assert_int_equal(f->job.phase, IPC__PHASE_STOPPING);
    assert_int_equal(f->job.exit_status, 1);
    assert_string_equal(
        launcher_said(f),
        "ipcrun: rank 1 (pid 1001) exited before joining the wire-up fence "
        "that 2 other ranks wait in (did it call ipc_init?)\n");
}

static void fence_after_a_rank_left_fails_the_job(void **state)
{
    struct fixture *f = *state;
    f->job.ranks[2].running = false;
    close(f->rank_fd[2]);
    f->rank_fd[2] = -1;
    serve(f, 2);
    assert_int_equal(f->job.phase, IPC__PHASE_RUNNING);
    rank_sends(f, 0, IPC__CTL_PIPES, NULL, 0);
    assert_int_equal(f->job.phase, IPC__PHASE_STOPPING);
    assert_string_equal(
        launcher_said(f),
        "ipcrun: rank 2 (pid 1002) exited before asking for its pipes, which 1 "
        "other rank waits for (did it call ipc_init?)\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kv_store_replaces_and_serializes),
        cmocka_unit_test_setup_teardown(init_and_finalize_are_remembered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(fence_completes_when_all_fenced, setup, teardown),
        cmocka_unit_test_setup_teardown(every_pair_gets_connected_pipes, setup, teardown),
        cmocka_unit_test_setup_teardown(abort_code_is_remembered, setup, teardown),
        cmocka_unit_test_setup_teardown(malformed_put_fails_the_job, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_message_fails_the_job, setup, teardown),
        cmocka_unit_test_setup_teardown(end_of_file_just_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(fence_nobody_can_finish_fails_the_job, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(fence_after_a_rank_left_fails_the_job, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
