/*
 * hello - the smallest ipc program: every rank says who and where it is.
 *
 *   ipcrun -n 4 build/apps/hello
 *
 * Each rank prints one line; the launcher forwards them, so their order on the
 * terminal is whatever order the ranks happened to print in.
 */
#include <ipc.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    /* ipc_init joins the job that ipcrun started (or makes a job of one rank
     * when the program is run on its own). Nothing else may be called first. */
    int err = ipc_init(&argc, &argv);
    if (err != IPC_SUCCESS) {
        fprintf(stderr, "hello: ipc_init failed: %s\n", ipc_strerror(err));
        return 1;
    }

    /* Ranks are numbered 0..size-1 within a communicator; IPC_COMM_WORLD holds
     * every rank of the job. */
    int rank, size;
    ipc_comm_rank(IPC_COMM_WORLD, &rank);
    ipc_comm_size(IPC_COMM_WORLD, &size);

    char host[256];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown");
    host[sizeof host - 1] = '\0';

    printf("hello from rank %d of %d on %s\n", rank, size, host);

    /* ipc_finalize waits for every rank, so no rank leaves while another might
     * still be talking to it. */
    ipc_finalize();
    return 0;
}
