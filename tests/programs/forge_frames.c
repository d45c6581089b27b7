/*
 * forge_frames - a rank that breaks the protocol on purpose (rank 1), so that
 * its peer (rank 0) is seen to name it, cut it off and fail cleanly: no
 * crash, no byte written past a buffer. It links libipc.a and forges frames
 * with libipc's own internals, as a hostile or broken rank of the job could.
 *
 *   forge_frames CASE      (2 ranks)
 *     cts       a CTS naming no send of rank 0 (once a raw pointer: a crash)
 *     fin       a FIN naming no send
 *     put       a PUT naming no send
 *     data-id   a DATA naming no receive
 *     data-len  an RTS for 64 KiB that rank 0's 16-byte receive matches, and
 *               at once a DATA naming that receive's id (the first rank 0
 *               gives) with 64 KiB: more than its CTS asked (once written
 *               past the buffer)
 *
 * Rank 0 posts a 16-byte receive from rank 1 between two guard zones and
 * waits: the receive must fail with IPC_ERR_PEER and the guards stay whole;
 * it then prints "forge_frames: rank 0: cut off rank 1" and exits 3.
 * Rank 1 sleeps after forging (ipcrun ends it).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "internal.h"

enum { TAG = 5, SMALL = 16, GUARD = 4096, BIG = 65536 };

static void forge(const char *what)
{
    static char payload[BIG];
    memset(payload, 0x5A, sizeof payload);
    const uint64_t first_id = (uint64_t)1 << 32 | 1; /* rank 0's first slot */
    struct ipc__frame_hdr h;
    if (!strcmp(what, "cts")) {
        h = ipc__frame_make(IPC__FRAME_CTS, 0, 0, 0, 16, 0xdeadbeef000ull, 0x10);
    } else if (!strcmp(what, "fin")) {
        h = ipc__frame_make(IPC__FRAME_FIN, 0, 0, 0, 16, 0xdeadbeef000ull, 0);
    } else if (!strcmp(what, "put")) {
        h = ipc__frame_make(IPC__FRAME_PUT, 0, 0, 0, 1 << 20, first_id, 0x1000);
    } else if (!strcmp(what, "data-id")) {
        h = ipc__frame_make(IPC__FRAME_DATA, 0, 0, 0, SMALL, 0, 0xdeadbeef000ull);
        ipc__send(0, &h, payload, SMALL, NULL, true);
        return;
    } else if (!strcmp(what, "data-len")) {
        h = ipc__frame_make(IPC__FRAME_RTS, IPC_COMM_WORLD->ctx_p2p, 1, TAG, BIG, 77, 0);
        ipc__send(0, &h, NULL, 0, NULL, true);
        h = ipc__frame_make(IPC__FRAME_DATA, 0, 0, 0, BIG, 0, first_id);
        ipc__send(0, &h, payload, BIG, NULL, true);
        return;
    } else {
        fprintf(stderr, "forge_frames: unknown case '%s'\n", what);
        exit(2);
    }
    ipc__send(0, &h, NULL, 0, NULL, true);
}

int main(int argc, char **argv)
{
    if (ipc_init(&argc, &argv) != IPC_SUCCESS || argc != 2)
        return 2;
    int rank;
    ipc_comm_rank(IPC_COMM_WORLD, &rank);
    if (rank == 1) {
        ipc_barrier(IPC_COMM_WORLD); /* rank 0's receive is posted */
        forge(argv[1]);
        ipc__flush_sends();
        for (;;)
            pause(); /* never looks at what rank 0 says: ipcrun ends it */
    }
    if (rank != 0)
        return 0;
    unsigned char *buf = malloc(GUARD + SMALL + GUARD);
    memset(buf, 0xA5, GUARD + SMALL + GUARD);
    ipc_request r;
    ipc_status st;
    ipc_irecv(buf + GUARD, SMALL, IPC_BYTE, 1, TAG, IPC_COMM_WORLD, &r);
    ipc_barrier(IPC_COMM_WORLD);
    int rc = ipc_wait(&r, &st);
    for (int i = 0; i < GUARD; i++)
        if (buf[i] != 0xA5 || buf[GUARD + SMALL + i] != 0xA5) {
            fprintf(stderr, "forge_frames: rank 0: a guard byte was overwritten\n");
            return 1;
        }
    if (rc != IPC_ERR_PEER) {
        fprintf(stderr, "forge_frames: rank 0: the receive returned %s, not IPC_ERR_PEER\n",
                ipc_strerror(rc));
        return 1;
    }
    printf("forge_frames: rank 0: cut off rank 1\n");
    fflush(stdout);
    return 3;
}
