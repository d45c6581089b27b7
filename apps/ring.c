/*
 * ring - pass a counter around every rank, K times.
 *
 *   ipcrun -n 4 build/apps/ring [K]      (K laps, default 10)
 *
 * Rank 0 starts the counter at 0. Each rank adds 1 and hands it to the next
 * rank (rank + 1, wrapping to 0), so after K laps rank 0 must hold K * N.
 * Exits 0 and prints one line at rank 0 when the count is right, non-zero
 * with the expected and actual values when it is not.
 */
#include <errno.h>
#include <ipc.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>

enum { TAG_COUNTER = 1 };

/* Any library failure ends the whole job: the other ranks would otherwise
 * wait forever for a counter that never comes. */
static void check(int err, const char *call)
{
    if (err == IPC_SUCCESS)
        return;
    fprintf(stderr, "ring: %s failed: %s\n", call, ipc_strerror(err));
    ipc_abort(IPC_COMM_WORLD, 1);
}

/* Every rank parses the same arguments, so all of them agree to stop; only
 * rank 0 says why, so the user sees the message once. */
static int parse_laps(const char *arg, long *laps, int rank)
{
    char *end;
    errno = 0;
    long v = strtol(arg, &end, 10);
    if (errno != 0 || end == arg || *end != '\0' || v <= 0 || v > INT_MAX) {
        if (rank == 0)
            fprintf(stderr, "ring: K needs a positive number of laps, got '%s'\n", arg);
        return -1;
    }
    *laps = v;
    return 0;
}

/* Rank 0 sends and receives in one call: with one rank it is its own
 * neighbour, and a separate blocking send to itself could wait forever. */
static long lap_at_root(long counter, int next, int prev)
{
    long back;
    counter += 1;
    check(ipc_sendrecv(&counter, 1, IPC_LONG, next, TAG_COUNTER, &back, 1, IPC_LONG,
                       prev, TAG_COUNTER, IPC_COMM_WORLD, IPC_STATUS_IGNORE),
          "ipc_sendrecv");
    return back;
}

static void lap_elsewhere(int next, int prev)
{
    long counter;
    check(ipc_recv(&counter, 1, IPC_LONG, prev, TAG_COUNTER, IPC_COMM_WORLD,
                   IPC_STATUS_IGNORE),
          "ipc_recv");
    counter += 1;
    check(ipc_send(&counter, 1, IPC_LONG, next, TAG_COUNTER, IPC_COMM_WORLD), "ipc_send");
}

int main(int argc, char **argv)
{
    int err = ipc_init(&argc, &argv);
    if (err != IPC_SUCCESS) {
        fprintf(stderr, "ring: ipc_init failed: %s\n", ipc_strerror(err));
        return 1;
    }
    int rank, size;
    ipc_comm_rank(IPC_COMM_WORLD, &rank);
    ipc_comm_size(IPC_COMM_WORLD, &size);

    long laps = 10;
    if (argc > 1 && parse_laps(argv[1], &laps, rank) != 0) {
        ipc_finalize();
        return 2;
    }

    int next = (rank + 1) % size;
    int prev = (rank + size - 1) % size;
    long counter = 0;
    for (long lap = 0; lap < laps; lap++) {
        if (rank == 0)
            counter = lap_at_root(counter, next, prev);
        else
            lap_elsewhere(next, prev);
    }

    int status = 0;
    if (rank == 0) {
        long expected = laps * size;
        if (counter == expected) {
            printf("ring: %d ranks, %ld laps, counter %ld: ok\n", size, laps, counter);
        } else {
            fprintf(stderr, "ring: after %ld laps of %d ranks expected counter %ld, got %ld\n",
                    laps, size, expected, counter);
            status = 1;
        }
    }
    ipc_finalize();
    return status;
}
