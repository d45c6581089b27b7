/*
 * exec-floor - start N copies of a program at once and wait for them all: the
 * least any launcher pays to run an N-rank job, whatever its library does.
 *
 *   exec-floor N [PROGRAM]       (default PROGRAM: /bin/true)
 *
 * scripts/bench-startup builds it into its output directory and times it the
 * way it times ipcrun and mpirun (wall time of the whole command, from the
 * shell): one exec of this program, then N posix_spawn of PROGRAM, all
 * started before the first wait, like the ranks of a job. No shell sits
 * between it and the processes (a shell loop would fork a subshell per
 * process and count that too). Exits 1 when a spawn fails or a child does not
 * exit 0, with one line on stderr; 2 on a bad argument.
 */
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv)
{
    char *end;
    long n = argc >= 2 ? strtol(argv[1], &end, 10) : 0;
    if (argc < 2 || argc > 3 || *end != '\0' || n < 1 || n > 100000) {
        fprintf(stderr, "exec-floor: N must be a whole number from 1 to 100000; usage: "
                        "exec-floor N [PROGRAM]\n");
        return 2;
    }
    char *program = argc == 3 ? argv[2] : "/bin/true";
    char *child_argv[] = {program, NULL};
    long started = 0;
    int status = 0;
    for (; started < n; started++) {
        pid_t pid;
        int err = posix_spawn(&pid, program, NULL, NULL, child_argv, environ);
        if (err != 0) {
            fprintf(stderr, "exec-floor: cannot start %s (process %ld of %ld): %s\n",
                    program, started + 1, n, strerror(err));
            status = 1;
            break;
        }
    }
    long failed = 0;
    for (long i = 0; i < started; i++) {
        int ws;
        pid_t pid;
        do
            pid = wait(&ws);
        while (pid < 0 && errno == EINTR);
        if (pid < 0) {
            fprintf(stderr, "exec-floor: wait: %s\n", strerror(errno));
            return 1;
        }
        if (!WIFEXITED(ws) || WEXITSTATUS(ws) != 0)
            failed++;
    }
    if (failed > 0) {
        fprintf(stderr, "exec-floor: %ld of %ld copies of %s did not exit 0\n", failed,
                started, program);
        status = 1;
    }
    return status;
}
