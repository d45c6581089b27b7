/*
 * deadlock - two ranks that both wait to receive from each other first, so
 * neither ever sends: the job hangs until ipcrun's --timeout or a Ctrl-C,
 * which must name both ranks and the receive each waits in.
 *
 *   ipcrun -n 2 deadlock [coll]
 *
 * Rank r receives from rank 1 - r with tag 7 + r. With "coll", rank 0 waits
 * in ipc_barrier instead while rank 1 waits in its receive. Extra ranks
 * wait in a barrier. Arguments after the mode are ignored (test markers).
 */
#include "check.h"

#include <stdbool.h>
#include <string.h>

int main(int argc, char **argv)
{
    t_init(&argc, &argv, "deadlock");
    int rank = t_rank, size = t_size, v = 0;
    bool coll = argc > 1 && !strcmp(argv[1], "coll");
    if (rank >= 2 || (coll && rank == 0))
        T_OK(ipc_barrier(IPC_COMM_WORLD));
    else
        T_OK(ipc_recv(&v, 1, IPC_INT, 1 - rank, 7 + rank, IPC_COMM_WORLD,
                      IPC_STATUS_IGNORE));
    t_fail("rank %d of %d got past a deadlock", rank, size);
    return 1;
}
