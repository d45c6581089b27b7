/* main.c - ipcrun: start N ranks of a program and supervise them. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "hosts.h"
#include "ipc.h"
#include "launch.h"
#include "options.h"

/* Ranks chdir to --wdir before exec: a relative program path must not
 * change meaning. */
static int absolute(char *path, size_t len, char *err, size_t errlen)
{
    char cwd[PATH_MAX], joined[PATH_MAX];
    if (!getcwd(cwd, sizeof cwd)) {
        snprintf(err, errlen, "cannot find the current directory: %s", strerror(errno));
        return -1;
    }
    if ((size_t)snprintf(joined, sizeof joined, "%s/%s", cwd, path) >= sizeof joined ||
        strlen(joined) >= len) {
        snprintf(err, errlen, "the path of '%s' is too long", path);
        return -1;
    }
    memcpy(path, joined, strlen(joined) + 1);
    return 0;
}

/* Until ipcrun can start daemons on other hosts, a job runs here when every
 * host it names is this one. */
static int refuse_remote_hosts(const struct ipc__opts *opts, char *err, size_t errlen)
{
    for (int i = 0; i < opts->hosts.n; i++) {
        if (!ipc__host_is_local(opts->hosts.v[i].name)) {
            snprintf(err, errlen, "remote hosts are not supported yet (host '%s')",
                     opts->hosts.v[i].name);
            return -1;
        }
    }
    return 0;
}

/* The checks that look at the file system, made before any rank starts so
 * that a mistake is a usage error (status 2) and not a failed job. The
 * program is looked up here, from ipcrun's directory, once for all ranks. */
static int check_files(struct ipc__opts *opts, char *found, size_t foundlen, char *err,
                       size_t errlen)
{
    if (ipc__opts_read_hostfile(opts, err, errlen) != 0 ||
        refuse_remote_hosts(opts, err, errlen) != 0)
        return -1;
    if (ipc__opts_check_program(opts->prog_argv[0], getenv("PATH"), found, foundlen, err,
                                errlen) != 0)
        return -1;
    opts->prog_path = found;
    if (opts->wdir && ipc__opts_check_wdir(opts->wdir, err, errlen) != 0)
        return -1;
    if (opts->wdir && found[0] != '/' && absolute(found, foundlen, err, errlen) != 0)
        return -1;
    if (opts->output_dir && ipc__opts_make_output_dir(opts->output_dir, err, errlen) != 0)
        return -1;
    return 0;
}

int main(int argc, char **argv)
{
    struct ipc__opts opts;
    char err[1024], found[PATH_MAX];
    const struct ipc__opts_env env = {.timeout = getenv("IPC_TIMEOUT"),
                                      .agent = getenv("IPC_AGENT")};

    /* Ranks inherit fds 0-2; a closed one would be taken by the next socket or
     * pipe ipcrun makes and confuse everyone. */
    for (int fd = 0; fd < 3; fd++)
        if (fcntl(fd, F_GETFD) < 0 && open("/dev/null", O_RDWR) < 0)
            return IPC__EXIT_LAUNCHER;
    switch (ipc__opts_parse(&opts, argc, argv, &env, err, sizeof err)) {
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
    if (check_files(&opts, found, sizeof found, err, sizeof err) != 0) {
        fprintf(stderr, "ipcrun: %s\n", err);
        ipc__opts_free(&opts);
        return IPC__EXIT_USAGE;
    }
    int status = ipc__launch_run(&opts);
    ipc__opts_free(&opts);
    return status;
}
