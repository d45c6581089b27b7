/*
 * barrier - ipc_barrier really holds every rank until the last arrives, and
 * survives many rounds in a row.
 *
 *   barrier [ROUNDS]     (default 1000)
 *
 * First the last rank arrives 200 ms late and every other rank checks that it
 * left the barrier after that rank's arrival (the ranks of a test share one
 * kernel, so their CLOCK_MONOTONIC readings compare; measuring the time held
 * from this rank's own start would fail a rank that a crowded machine ran
 * late); then ROUNDS barriers back to back, where rank r of round k
 * adds k to a counter only after the barrier, and a final exchange checks
 * that no rank ran ahead.
 */
#include "check.h"

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "barrier");
    int rounds = argc > 1 ? atoi(argv[1]) : 1000;
    T_ASSERT(rounds >= 0, "usage: barrier [ROUNDS]");

    T_OK(ipc_barrier(IPC_COMM_WORLD));
    double arrived = 0;
    if (t_rank == t_size - 1) {
        t_sleep_ms(200);
        arrived = ipc_wtime();
    }
    T_OK(ipc_barrier(IPC_COMM_WORLD));
    double out = ipc_wtime();
    T_OK(ipc_bcast(&arrived, 1, IPC_DOUBLE, t_size - 1, IPC_COMM_WORLD));
    T_ASSERT(out >= arrived, "left the barrier %.3f s before rank %d arrived at it",
             arrived - out, t_size - 1);

    /* Each round every rank tells its right neighbour which round it is in,
     * after the barrier; a rank that ran ahead would see a later round. */
    int right = (t_rank + 1) % t_size, left = (t_rank - 1 + t_size) % t_size;
    for (int k = 0; k < rounds; k++) {
        int theirs = -1;
        T_OK(ipc_barrier(IPC_COMM_WORLD));
        T_OK(ipc_sendrecv(&k, 1, IPC_INT, right, 7, &theirs, 1, IPC_INT, left, 7,
                          IPC_COMM_WORLD, IPC_STATUS_IGNORE));
        T_ASSERT(theirs == k, "round %d: rank %d was in round %d", k, left, theirs);
    }
    if (t_rank == 0)
        printf("barrier: %d ranks, %d rounds: ok\n", t_size, rounds);
    T_OK(ipc_finalize());
    return 0;
}
