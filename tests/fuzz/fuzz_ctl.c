/*
 * fuzz_ctl.c - control packets (runtime/common/ctl.h) as ipcrun reads them
 * from its ranks: each one is sent as it is (header included) on a rank's
 * SOCK_SEQPACKET control socket, read by ipc__ctl_recv and acted on by
 * ipcrun__wireup_serve (launcher/wireup.c: PUT, FENCE, PIPES, SHM, ABORT,
 * STATS, STATS_RMA and TRACE of launcher/report.c, ...), in a job of two ranks that
 * this target plays, as tests/unit/test_wireup.c does. What ipcrun answers
 * (FENCE_DONE, PIPE, SHM_FD) is read back as a rank reads it, FENCE_DONE's
 * key/values looked up with ipc__kv_lookup; at the end the --stats table and
 * JSON are written (to /dev/null) from what STATS and STATS_RMA packets said.
 *
 * Input: records of 1 byte (bit 0: the sending rank), 2 bytes of length
 * (little-endian) and that many bytes of packet. The segment size of a SHM
 * request is cut to 8 KiB: ipcrun reserves every page a rank asks for, and
 * the fuzzer would otherwise fill the machine's memory.
 *
 * No process exists: the ranks' pids are 0 and not running, and the
 * launcher's pid is 0, so stopping the job on a bad packet signals nobody.
 */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ctl.h"
#include "fuzz.h"
#include "internal.h"
#include "job.h"
#include "local.h"
#include "report.h"
#include "wireup.h"

#define NRANKS 2

static char answer[IPC__CTL_MAX_MSG];

/* Reads what ipcrun sent rank r, as the rank would. */
static void drain(int fd)
{
    for (;;) {
        uint32_t type;
        int fds[IPC__CTL_MAX_FDS], nfds = 0;
        ssize_t n = ipc__ctl_recv(fd, &type, answer, sizeof answer, fds, &nfds);
        for (int i = 0; i < nfds; i++)
            close(fds[i]);
        if (n < 0 || (n == 0 && type == 0))
            return;
        if (type == IPC__CTL_FENCE_DONE) {
            (void)ipc__kv_lookup(answer, (size_t)n, "unix.0");
            (void)ipc__kv_lookup(answer, (size_t)n, "tcp.1");
        }
    }
}

static void no_line(const char *line)
{
    (void)line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ipcrun__opts opts = {.nranks = NRANKS, .kill_grace_ms = 3000};
    struct ipcrun__wireup wireup;
    struct ipcrun__report report;
    struct ipcrun__launch_rank ranks[NRANKS];
    int local[NRANKS], rank_fd[NRANKS];
    char err[256];
    struct ipcrun__launch job = {.opts = &opts,
                                 .n = NRANKS,
                                 .launcher_pid = 0,
                                 .nlocal = NRANKS,
                                 .local = local,
                                 .ranks = ranks,
                                 .abort_rank = -1,
                                 .wireup = &wireup,
                                 .report = &report,
                                 .kinds = {&ipcrun__rank_local},
                                 .nkinds = 1};
    if (ipcrun__wireup_init(&wireup) != 0)
        return 0;
    if (ipcrun__report_init(&report, NRANKS, "/dev/null", err, sizeof err) != 0) {
        ipcrun__wireup_fini(&wireup);
        return 0;
    }
    for (int r = 0; r < NRANKS; r++) {
        int sv[2] = {-1, -1};
        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, sv) !=
            0)
            fuzz_fail("socketpair: %s", strerror(errno));
        ranks[r] = (struct ipcrun__launch_rank){.ctl_fd = sv[0],
                                                .out_fd = -1,
                                                .err_fd = -1,
                                                .in_fd = -1,
                                                .out_file = -1,
                                                .err_file = -1,
                                                .local_index = r,
                                                .ops = &ipcrun__rank_local};
        local[r] = r;
        rank_fd[r] = sv[1];
    }

    while (size >= 3) {
        int r = data[0] & 1;
        size_t len = (size_t)data[1] | (size_t)data[2] << 8;
        data += 3, size -= 3;
        if (len > size)
            len = size;
        char *pkt = fuzz_copy(data, len);
        data += len, size -= len;
        if (!pkt)
            break;
        struct ipc__ctl_hdr h;
        struct ipc__ctl_shm_req req;
        if (len == sizeof h + sizeof req) {
            memcpy(&h, pkt, sizeof h);
            memcpy(&req, pkt + sizeof h, sizeof req);
            if (h.type == IPC__CTL_SHM) {
                req.size %= 8193;
                memcpy(pkt + sizeof h, &req, sizeof req);
            }
        }
        ssize_t sent = -1;
        if (ranks[r].ctl_fd >= 0)
            sent = send(rank_fd[r], pkt, len, MSG_NOSIGNAL);
        free(pkt);
        if (sent >= 0)
            ipcrun__wireup_serve(&job, r);
        for (int q = 0; q < NRANKS; q++)
            drain(rank_fd[q]);
    }

    /* The end of the job, as --stats would see it. */
    ipcrun__report_stats_table(&report, no_line);
    FILE *null = fopen("/dev/null", "we");
    if (null) {
        (void)ipcrun__report_stats_json(&report, null);
        fclose(null);
    }
    for (int r = 0; r < NRANKS; r++) {
        if (ranks[r].ctl_fd >= 0)
            close(ranks[r].ctl_fd);
        close(rank_fd[r]);
    }
    ipcrun__report_fini(&report);
    ipcrun__wireup_fini(&wireup);
    return 0;
}
