/*
 * exitcode - ranks that end badly, for the launcher's supervision tests.
 *
 *   exitcode exit R C     rank R exits with status C right after ipc_init
 *   exitcode segv R       rank R dies of a segmentation fault
 *   exitcode abort R C    rank R calls ipc_abort(IPC_COMM_WORLD, C)
 *   exitcode nofinalize   every rank exits 0 without calling ipc_finalize
 *   exitcode block        every rank waits for a message that never comes
 *
 * In the first three modes the other ranks wait in a receive from rank R
 * that never completes, so only the launcher can end them. Arguments after
 * the mode's own are ignored: tests add a unique marker to find the job's
 * processes.
 */
#include "check.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <sys/resource.h>

enum { TAG_NEVER = 999 };

static int parse_int(const char *arg, int min, int max, const char *what)
{
    char *end;
    errno = 0;
    long v = arg ? strtol(arg, &end, 10) : 0;
    if (!arg || errno || end == arg || *end || v < min || v > max) {
        fprintf(stderr, "exitcode: %s must be %d..%d, got '%s'\n", what, min, max,
                arg ? arg : "(nothing)");
        exit(2);
    }
    return (int)v;
}

static void wait_forever(int source)
{
    int v;
    T_OK(ipc_recv(&v, 1, IPC_INT, source, TAG_NEVER, IPC_COMM_WORLD, IPC_STATUS_IGNORE));
    t_fail("received a message from rank %d that nobody sent", source);
}

/* Dies of SIGSEGV with the default disposition, as a crash would. raise()
 * rather than a NULL store: the store is undefined behaviour that a sanitizer
 * build turns into an ordinary error exit. No core file: tests check nothing
 * is left behind. */
static void segfault(void)
{
    struct rlimit none = {0, 0};
    setrlimit(RLIMIT_CORE, &none);
    signal(SIGSEGV, SIG_DFL);
    raise(SIGSEGV);
}

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "exitcode");
    const char *mode = argc > 1 ? argv[1] : "";

    if (!strcmp(mode, "nofinalize"))
        return 0;
    if (!strcmp(mode, "block"))
        wait_forever(IPC_ANY_SOURCE);

    int victim = -1;
    if (!strcmp(mode, "exit") || !strcmp(mode, "segv") || !strcmp(mode, "abort"))
        victim = parse_int(argc > 2 ? argv[2] : NULL, 0, t_size - 1, "R (the rank)");
    else {
        fprintf(stderr, "exitcode: unknown mode '%s'; use exit R C, segv R, abort R C, "
                        "nofinalize or block\n", mode);
        return 2;
    }
    int code = 0;
    if (strcmp(mode, "segv") != 0)
        code = parse_int(argc > 3 ? argv[3] : NULL, 0, 255, "C (the exit code)");

    if (t_rank != victim)
        wait_forever(victim);
    fflush(stdout);
    if (!strcmp(mode, "exit"))
        exit(code);
    if (!strcmp(mode, "segv")) {
        segfault();
        t_fail("survived a write through a NULL pointer");
    }
    ipc_abort(IPC_COMM_WORLD, code);
    t_fail("ipc_abort returned");
}
