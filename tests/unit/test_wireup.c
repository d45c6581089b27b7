/* test_wireup.c - ipcrun's control-channel server, driven through real
 * socketpairs by a test that plays the ranks: key/value store, repeated
 * fences, the pipes handed to every pair of a node, one shared segment per
 * node, ABORT/FINALIZE, protocol errors and fences that can no longer
 * complete. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "job.h"
#include "local.h"
#include "wireup.h"
#include "ctl.h"

#define NRANKS 3

/* A job whose ranks are the test: rank_fd[r] is rank r's end of its control
 * socket. No process exists, so stopping the job signals nobody. */
struct fixture {
    struct ipcrun__opts opts;
    struct ipcrun__launch job;
    struct ipcrun__wireup wireup;
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
    f->opts = (struct ipcrun__opts){.nranks = NRANKS, .kill_grace_ms = 3000};
    f->job = (struct ipcrun__launch){.opts = &f->opts,
                                     .n = NRANKS,
                                     .nlocal = NRANKS,
                                     .local = f->local,
                                     .abort_rank = -1,
                                     .wireup = &f->wireup,
                                     .kinds = {&ipcrun__rank_local},
                                     .nkinds = 1};
    f->job.ranks = calloc(NRANKS, sizeof *f->job.ranks);
    f->buf = malloc(IPC__CTL_MAX_MSG);
    if (!f->job.ranks || !f->buf || ipcrun__wireup_init(f->job.wireup))
        return -1;
    for (int r = 0; r < NRANKS; r++) {
        int sv[2];
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv))
            return -1;
        fcntl(sv[0], F_SETFL, O_NONBLOCK);
        fcntl(sv[1], F_SETFL, O_NONBLOCK);
        f->job.ranks[r] = (struct ipcrun__launch_rank){.pid = 1000 + r,
                                                       .ctl_fd = sv[0],
                                                       .out_fd = -1,
                                                       .err_fd = -1,
                                                       .local_index = r,
                                                       .ops = &ipcrun__rank_local};
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
    ipcrun__wireup_fini(f->job.wireup);
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
    ipcrun__wireup_serve(&f->job, r);
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
    struct ipcrun__wireup w;
    size_t len = 99;
    assert_int_equal(ipcrun__wireup_init(&w), 0);
    char *blob = ipcrun__wireup_blob(&w, &len);
    assert_non_null(blob);
    assert_int_equal(len, 0);
    free(blob);
    assert_int_equal(ipcrun__wireup_put(&w, "a", "1"), 0);
    assert_int_equal(ipcrun__wireup_put(&w, "bb", ""), 0);
    assert_int_equal(ipcrun__wireup_put(&w, "a", "22"), 0);
    blob = ipcrun__wireup_blob(&w, &len);
    assert_int_equal(len, 9);
    assert_memory_equal(blob,
                        "a\0"
                        "22\0"
                        "bb\0"
                        "\0",
                        9);
    free(blob);
    ipcrun__wireup_fini(&w);
}

/* The node map goes over the control channel whatever the job's size: at
 * 100 000 ranks (its text was too long for one environment variable) in
 * packets of IPC__CTL_NODE_MAP_MAX ranks, each saying its first rank. The
 * launcher waits for room as the rank reads, so the launcher is a child. */
static void node_map_of_100000_ranks_comes_in_packets(void **state)
{
    struct fixture *f = *state;
    enum { N = 100000, NODES = 1000 };
    int *node_of = malloc(N * sizeof *node_of);
    assert_non_null(node_of);
    for (int r = 0; r < N; r++)
        node_of[r] = (r * 7) % NODES;
    f->job.n = N;
    f->job.node_of_rank = node_of;
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        rank_sends(f, 0, IPC__CTL_NODES, NULL, 0);
        _exit(f->job.phase == IPCRUN__PHASE_RUNNING ? 0 : 1);
    }
    int got = 0, packets = 0;
    while (got < N) {
        struct pollfd pfd = {.fd = f->rank_fd[0], .events = POLLIN};
        assert_int_equal(poll(&pfd, 1, 10000), 1);
        uint32_t type;
        ssize_t n = rank_receives(f, 0, &type, NULL, NULL);
        if (type == 0)
            continue;
        assert_int_equal(type, IPC__CTL_NODE_MAP);
        assert_true(n >= 8 && n % 4 == 0 && (size_t)n <= (IPC__CTL_NODE_MAP_MAX + 1) * 4);
        uint32_t *v = (uint32_t *)(void *)f->buf;
        assert_int_equal(v[0], got);
        for (size_t i = 1; i < (size_t)n / 4; i++)
            assert_int_equal(v[i], node_of[got++]);
        packets++;
    }
    assert_int_equal(got, N);
    assert_int_equal(packets, (N + IPC__CTL_NODE_MAP_MAX - 1) / IPC__CTL_NODE_MAP_MAX);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    f->job.n = NRANKS;
    f->job.node_of_rank = NULL;
    free(node_of);
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
    assert_int_equal(f->job.phase, IPCRUN__PHASE_RUNNING);
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
    assert_int_equal(f->job.phase, IPCRUN__PHASE_RUNNING);
}

/* A table larger than one packet reaches every rank whole: FENCE_PARTs of
 * at most a packet, then FENCE_DONE with the rest. The launcher waits for
 * room as the ranks read, so it is a child. */
static void large_table_comes_in_parts(void **state)
{
    struct fixture *f = *state;
    enum { VALUE = 500000 };
    char *value = malloc(VALUE + 1), key[16];
    assert_non_null(value);
    for (int q = 0; q < NRANKS; q++) {
        memset(value, 'a' + q, VALUE);
        value[VALUE] = '\0';
        snprintf(key, sizeof key, "big%d", q);
        assert_int_equal(ipcrun__wireup_put(f->job.wireup, key, value), 0);
    }
    size_t want_len;
    char *want = ipcrun__wireup_blob(f->job.wireup, &want_len);
    assert_non_null(want);
    assert_true(want_len > IPC__CTL_MAX_MSG);
    for (int r = 0; r < NRANKS; r++) { /* as spawn.c makes room for a packet */
        int size = (int)IPC__CTL_MAX_MSG;
        if (setsockopt(f->job.ranks[r].ctl_fd, SOL_SOCKET, SO_SNDBUFFORCE, &size,
                       sizeof size) != 0)
            (void)setsockopt(f->job.ranks[r].ctl_fd, SOL_SOCKET, SO_SNDBUF, &size,
                             sizeof size);
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        for (int r = 0; r < NRANKS; r++)
            rank_sends(f, r, IPC__CTL_FENCE, NULL, 0);
        _exit(f->job.phase == IPCRUN__PHASE_RUNNING ? 0 : 1);
    }
    for (int r = 0; r < NRANKS; r++) {
        size_t got = 0;
        int parts = 0;
        uint32_t type = 0;
        while (type != IPC__CTL_FENCE_DONE) {
            struct pollfd pfd = {.fd = f->rank_fd[r], .events = POLLIN};
            assert_int_equal(poll(&pfd, 1, 10000), 1);
            ssize_t n = rank_receives(f, r, &type, NULL, NULL);
            if (type == 0)
                continue;
            assert_true(type == IPC__CTL_FENCE_PART || type == IPC__CTL_FENCE_DONE);
            assert_true(got + (size_t)n <= want_len);
            assert_memory_equal(f->buf, want + got, (size_t)n);
            got += (size_t)n;
            parts += type == IPC__CTL_FENCE_PART;
        }
        assert_int_equal(got, want_len);
        assert_int_equal(parts, 1);
    }
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
    free(want);
    free(value);
}

static void rank_asks_pipes(struct fixture *f, int r, uint32_t node)
{
    rank_sends(f, r, IPC__CTL_PIPES, &node, sizeof node);
}

static void every_pair_gets_connected_pipes(void **state)
{
    struct fixture *f = *state;
    int rfd[NRANKS][NRANKS], wfd[NRANKS][NRANKS];
    uint32_t type;

    memset(rfd, -1, sizeof rfd);
    memset(wfd, -1, sizeof wfd);
    for (int r = 0; r < NRANKS; r++)
        rank_asks_pipes(f, r, 0);
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

/* Ranks 0 and 2 on node 7, rank 1 alone on node 3: one pair of pipes. */
static void pipes_join_ranks_of_one_node_only(void **state)
{
    struct fixture *f = *state;
    uint32_t type;
    int fds[IPC__CTL_MAX_FDS], nfds = 0;
    int32_t peer;
    rank_asks_pipes(f, 0, 7);
    rank_asks_pipes(f, 1, 3);
    rank_asks_pipes(f, 2, 7);
    for (int r = 0; r < NRANKS; r += 2) {
        ssize_t n = rank_receives(f, r, &type, fds, &nfds);
        assert_int_equal(type, IPC__CTL_PIPE);
        assert_int_equal(n, sizeof peer);
        assert_int_equal(nfds, 2);
        memcpy(&peer, f->buf, sizeof peer);
        assert_int_equal(peer, 2 - r);
        close(fds[0]);
        close(fds[1]);
        rank_receives(f, r, &type, NULL, NULL);
        assert_int_equal(type, 0);
    }
    rank_receives(f, 1, &type, NULL, NULL);
    assert_int_equal(type, 0);
    assert_int_equal(f->job.phase, IPCRUN__PHASE_RUNNING);
}

static void malformed_pipes_request_fails_the_job(void **state)
{
    struct fixture *f = *state;
    rank_sends(f, 2, IPC__CTL_PIPES, NULL, 0);
    assert_int_equal(f->job.phase, IPCRUN__PHASE_STOPPING);
    assert_string_equal(launcher_said(f),
                        "ipcrun: rank 2 (pid 1002) sent a malformed PIPES request on its "
                        "control channel\n");
}

/* Rank r asks for its node's segment; returns the descriptor it was given. */
static int rank_asks_segment(struct fixture *f, int r, uint32_t node, uint32_t nranks,
                             uint64_t size)
{
    struct ipc__ctl_shm_req req = {.size = size, .node = node, .nranks = nranks};
    struct ipc__ctl_shm answer;
    int fds[IPC__CTL_MAX_FDS], nfds = 0;
    uint32_t type;
    rank_sends(f, r, IPC__CTL_SHM, &req, sizeof req);
    ssize_t n = rank_receives(f, r, &type, fds, &nfds);
    assert_int_equal(type, IPC__CTL_SHM_FD);
    assert_int_equal(n, sizeof answer);
    memcpy(&answer, f->buf, sizeof answer);
    assert_int_equal(answer.err, 0);
    assert_int_equal(answer.size, size);
    assert_int_equal(nfds, 1);
    return fds[0];
}

static void same_file(int a, int b, bool want_same)
{
    struct stat sa, sb;
    assert_int_equal(fstat(a, &sa), 0);
    assert_int_equal(fstat(b, &sb), 0);
    assert_int_equal(sa.st_ino == sb.st_ino && sa.st_dev == sb.st_dev, want_same);
}

/* Ranks 0 and 2 on node 5 share one segment; rank 1 on node 9 (in a job
 * where it has a peer there that the test does not play) gets another, of
 * its own size. The launcher lets go of each once the node's ranks have it. */
static void each_node_gets_its_own_segment(void **state)
{
    struct fixture *f = *state;
    int a = rank_asks_segment(f, 0, 5, 2, 65536);
    int b = rank_asks_segment(f, 1, 9, 2, 8192);
    assert_int_equal(f->job.wireup->nsegs, 2);
    assert_true(f->job.wireup->segs[0].fd >= 0);
    int c = rank_asks_segment(f, 2, 5, 2, 65536);
    assert_int_equal(f->job.wireup->segs[0].fd, -1); /* both of node 5 have it */
    assert_true(f->job.wireup->segs[1].fd >= 0);     /* one of node 9 has not */
    same_file(a, c, true);
    same_file(a, b, false);
    struct stat st;
    assert_int_equal(fstat(b, &st), 0);
    assert_int_equal(st.st_size, 8192);
    /* What one rank of a node writes, the other reads. */
    char *pa = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, a, 0);
    char *pc = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, c, 0);
    assert_true(pa != MAP_FAILED && pc != MAP_FAILED);
    strcpy(pa, "node 5");
    assert_string_equal(pc, "node 5");
    munmap(pa, 4096);
    munmap(pc, 4096);
    close(a);
    close(b);
    close(c);
    assert_int_equal(f->job.phase, IPCRUN__PHASE_RUNNING);
}

/* Rank r's request fails the job with the launcher saying `said`. */
static void segment_refused(struct fixture *f, int r, struct ipc__ctl_shm_req req,
                            const char *said)
{
    rank_sends(f, r, IPC__CTL_SHM, &req, sizeof req);
    assert_int_equal(f->job.phase, IPCRUN__PHASE_STOPPING);
    assert_string_equal(launcher_said(f), said);
}

static void segment_size_must_agree_within_a_node(void **state)
{
    struct fixture *f = *state;
    close(rank_asks_segment(f, 0, 1, 2, 65536));
    segment_refused(f, 2, (struct ipc__ctl_shm_req){.size = 8192, .node = 1, .nranks = 2},
                    "ipcrun: rank 2 (pid 1002) asked for a 8192-byte shared segment, but "
                    "another rank of node 1 asked for 65536 (do all ranks have the same "
                    "IPC_SHM_* settings?)\n");
}

static void more_askers_than_the_node_has_fail_the_job(void **state)
{
    struct fixture *f = *state;
    close(rank_asks_segment(f, 0, 0, 1, 8192));
    segment_refused(f, 1, (struct ipc__ctl_shm_req){.size = 8192, .node = 0, .nranks = 1},
                    "ipcrun: rank 1 (pid 1001) asked for the shared segment of node 0 as "
                    "one of 1 ranks, but 1 of that node's 1 ranks asked already (is "
                    "IPC_NODE_OF the same for every rank?)\n");
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
    assert_int_equal(f->job.phase, IPCRUN__PHASE_RUNNING);
}

static void malformed_put_fails_the_job(void **state)
{
    struct fixture *f = *state;
    rank_sends(f, 1, IPC__CTL_PUT, "no-value-terminator", 19);
    assert_int_equal(f->job.phase, IPCRUN__PHASE_STOPPING);
    assert_int_equal(f->job.exit_status, 1);
    assert_string_equal(launcher_said(f),
                        "ipcrun: rank 1 (pid 1001) sent a malformed PUT on its control "
                        "channel\n");
}

static void unknown_message_fails_the_job(void **state)
{
    struct fixture *f = *state;
    rank_sends(f, 0, 42, NULL, 0);
    assert_int_equal(f->job.phase, IPCRUN__PHASE_STOPPING);
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
    assert_int_equal(f->job.phase, IPCRUN__PHASE_RUNNING);
}

static void fence_nobody_can_finish_fails_the_job(void **state)
{
    struct fixture *f = *state;
    rank_sends(f, 0, IPC__CTL_FENCE, NULL, 0);
    rank_sends(f, 2, IPC__CTL_FENCE, NULL, 0);
    close(f->rank_fd[1]);
    f->rank_fd[1] = -1;
    serve(f, 1);
    assert_int_equal(f->job.phase, IPCRUN__PHASE_STOPPING);
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
    assert_int_equal(f->job.phase, IPCRUN__PHASE_RUNNING);
    rank_asks_pipes(f, 0, 0);
    assert_int_equal(f->job.phase, IPCRUN__PHASE_STOPPING);
    assert_string_equal(
        launcher_said(f),
        "ipcrun: rank 2 (pid 1002) exited before asking for its pipes, which 1 "
        "other rank waits for (did it call ipc_init?)\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(kv_store_replaces_and_serializes),
        cmocka_unit_test_setup_teardown(node_map_of_100000_ranks_comes_in_packets, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(init_and_finalize_are_remembered, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(fence_completes_when_all_fenced, setup, teardown),
        cmocka_unit_test_setup_teardown(large_table_comes_in_parts, setup, teardown),
        cmocka_unit_test_setup_teardown(every_pair_gets_connected_pipes, setup, teardown),
        cmocka_unit_test_setup_teardown(pipes_join_ranks_of_one_node_only, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(malformed_pipes_request_fails_the_job, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(each_node_gets_its_own_segment, setup, teardown),
        cmocka_unit_test_setup_teardown(segment_size_must_agree_within_a_node, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(more_askers_than_the_node_has_fail_the_job, setup,
                                        teardown),
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
