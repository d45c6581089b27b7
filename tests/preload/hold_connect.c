/*
 * hold_connect.so - an LD_PRELOAD shim for tests: connect() waits until the
 * file that HOLD_CONNECT_UNTIL names exists (at most 20 s), then connects.
 * A rank run with it takes part in wire-up up to its first connect (it
 * listens, publishes its address and joins the fence) and then holds back,
 * so that a test can let a stranger talk to the other ranks' accept loops
 * first, whatever the machine's load (tests/integration/test_attack.sh).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef int connect_fn(int, const struct sockaddr *, socklen_t);

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    static connect_fn *real;
    if (!real)
        real = (connect_fn *)dlsym(RTLD_NEXT, "connect");
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    const char *until = getenv("HOLD_CONNECT_UNTIL");
    for (int i = 0; until && i < 400 && access(until, F_OK) != 0; i++)
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
    return real(fd, sa, len);
}
