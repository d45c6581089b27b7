/*
 * forge_ctl - a rank that sends ipcrun control packets no honest libipc
 * sends, so that ipcrun is seen to survive them. It links libipc.a and uses
 * its control channel as a hostile or broken rank of the job could.
 *
 *   forge_ctl CASE [ARG...]      (any number of ranks; ARGs are ignored: a
 *                                 marker for the test)
 *     state-empty    after ipc_init, gives ipcrun an empty memfd as its state
 *                    page (IPC__CTL_STATE), then blocks
 *     state-shrink   gives ipcrun a page-sized memfd as its state page, then
 *                    cuts the memfd to nothing and blocks
 *
 * Either way ipcrun must still write its --timeout report (once killed by
 * SIGBUS while it did).
 */
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"
#include "ipc.h"

static int send_state(size_t size, bool shrink_after)
{
    int fd = memfd_create("forged-state", MFD_CLOEXEC);
    if (fd < 0 || ftruncate(fd, (off_t)size) != 0) {
        perror("forge_ctl: memfd");
        return -1;
    }
    if (ipc__ctl_send(ipc__g.job.ctl_fd, IPC__CTL_STATE, NULL, 0, &fd, 1) != 0) {
        fprintf(stderr, "forge_ctl: cannot send the state page\n");
        return -1;
    }
    /* Let ipcrun take it before it shrinks. */
    usleep(200 * 1000);
    if (shrink_after && ftruncate(fd, 0) != 0) {
        perror("forge_ctl: ftruncate");
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: forge_ctl state-empty|state-shrink [marker]\n");
        return 2;
    }
    if (ipc_init(&argc, &argv) != IPC_SUCCESS)
        return 1;
    int rc;
    if (!strcmp(argv[1], "state-empty"))
        rc = send_state(0, false);
    else if (!strcmp(argv[1], "state-shrink"))
        rc = send_state((size_t)sysconf(_SC_PAGESIZE), true);
    else {
        fprintf(stderr, "forge_ctl: unknown case '%s'\n", argv[1]);
        return 2;
    }
    if (rc != 0)
        return 1;
    for (;;)
        pause();
}
