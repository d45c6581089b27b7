/*
 * options.h - ipcrun's command line: what the user asked for, validated.
 *
 * Parsing has no side effects beyond filling struct ipc__opts: it prints
 * nothing and exits nowhere, so that every form and every message can be
 * unit-tested. Error messages are one line without the "ipcrun: " prefix.
 */
#ifndef IPC_LAUNCHER_OPTIONS_H
#define IPC_LAUNCHER_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#define IPC__OPTS_MAX_RANKS 100000
#define IPC__OPTS_DEFAULT_KILL_GRACE_MS 3000
#define IPC__OPTS_TRANSPORTS "pipe unix shm tcp"

/* Exit statuses of ipcrun itself (the others come from the ranks). */
#define IPC__EXIT_USAGE 2      /* bad command line, program not runnable */
#define IPC__EXIT_TIMEOUT 124  /* --timeout / IPC_TIMEOUT expired */
#define IPC__EXIT_LAUNCHER 125 /* ipcrun could not set up or run the job */

struct ipc__opts {
    int nranks;
    bool tag_output;
    const char *transport; /* NULL: leave IPC_TRANSPORT as inherited */
    long kill_grace_ms;    /* SIGTERM to SIGKILL when stopping ranks */
    long timeout_ms;       /* 0: no time limit */
    const char **exports;  /* -x arguments, "NAME" or "NAME=VALUE", into argv */
    int nexports;
    char **prog_argv; /* program and its arguments, NULL-terminated, into argv */
};

enum ipc__opts_result {
    IPC__OPTS_RUN,     /* *opts describes a job to start */
    IPC__OPTS_HELP,    /* --help: print ipc__opts_usage() and exit 0 */
    IPC__OPTS_VERSION, /* --version: print the version and exit 0 */
    IPC__OPTS_ERROR,   /* err holds the reason; exit IPC__EXIT_USAGE */
};

/* Parses argv (argv[0] is ipcrun itself). env_timeout is the value of
 * IPC_TIMEOUT or NULL; --timeout overrides it. On IPC__OPTS_RUN the caller
 * owns opts->exports and releases it with ipc__opts_free(). */
enum ipc__opts_result ipc__opts_parse(struct ipc__opts *opts, int argc, char **argv,
                                      const char *env_timeout, char *err, size_t errlen);
void ipc__opts_free(struct ipc__opts *opts);

/* Checks, the way execvp will look it up, that prog names an executable
 * regular file. path is the PATH to search (NULL: the execvp default). On
 * success returns 0 and writes the file found to found (may be NULL);
 * otherwise returns -1 with the reason in err. */
int ipc__opts_check_program(const char *prog, const char *path, char *found,
                            size_t foundlen, char *err, size_t errlen);

/* The --help text. */
const char *ipc__opts_usage(void);

#endif /* IPC_LAUNCHER_OPTIONS_H */
