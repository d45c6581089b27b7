/* main.c - ipcrun: start N ranks of a program and supervise them. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "ipc.h"
#include "launch.h"
#include "options.h"

int main(int argc, char **argv)
{
    struct ipc__opts opts;
    char err[1024];

    /* Ranks inherit fds 0-2; a closed one would be taken by the next socket or
     * pipe ipcrun makes and confuse everyone. */
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
            return IPC__EXIT_LAUNCHER;
    switch (ipc__opts_parse(&opts, argc, argv, getenv("IPC_TIMEOUT"), err, sizeof err)) {
    case IPC__OPTS_HELP:
        fputs(ipc__opts_usage(), stdout);
        return 0;
    case IPC__OPTS_VERSION:
        printf("ipcrun (ipc) %s\n", IPC_VERSION_STRING);
        return 0;
    case IPC__OPTS_ERROR:
        fprintf(stderr, "ipcrun: %s\n", err);
        return IPC__EXIT_USAGE;
    case IPC__OPTS_RUN:
        break;
    }
    if (ipc__opts_check_program(opts.prog_argv[0], getenv("PATH"), NULL, 0, err,
                                sizeof err) != 0) {
        fprintf(stderr, "ipcrun: %s\n", err);
        ipc__opts_free(&opts);
        return IPC__EXIT_USAGE;
    }
    int status = ipc__launch_run(&opts);
    ipc__opts_free(&opts);
    return status;
}
