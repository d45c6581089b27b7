/*
 * hold_connect.so - an LD_PRELOAD shim for tests: connect() and accept4()
 * wait until the file that HOLD_CONNECT_UNTIL names exists (at most 20 s),
 * then go on. A rank run with it takes part in wire-up (it listens,
 * publishes its address and joins the fence) and then holds back at its
 * first connection, whichever end of it it is: it neither dials a peer nor
 * accepts a peer's dial, so the peers wait for it in their progress loops,
 * serving their listeners, and a test can let a stranger talk to them first,
 * whatever the machine's load (tests/integration/test_attack.sh).
 */
#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

typedef int connect_fn(int, const struct sockaddr *, socklen_t);
typedef int accept4_fn(int, struct sockaddr *, socklen_t *, int);

static void hold(void)
{
    const char *until = getenv("HOLD_CONNECT_UNTIL");
    for (int i = 0; until && i < 400 && access(until, F_OK) != 0; i++)
        nanosleep(&(struct timespec){0, 50 * 1000 * 1000}, NULL);
}

int connect(int fd, const struct sockaddr *sa, socklen_t len)
{
    static connect_fn *real;
    if (!real)
        real = (connect_fn *)dlsym(RTLD_NEXT, "connect");
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    hold();
    return real(fd, sa, len);
}

int accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
    static accept4_fn *real;
    if (!real)
        real = (accept4_fn *)dlsym(RTLD_NEXT, "accept4");
    if (!real) {
        errno = ENOSYS;
        return -1;
    }
    hold();
    return real(fd, sa, len, flags);
}
