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
 *     ring-len  (shm) a ring packet whose length word says 2 GiB, past the ring
 *               (once read as a 2 GiB packet out of a 128 KiB ring); with
 *               IPC_SHM_INBOX=1 the same in rank 0's inbox
 *     wake-len  (shm) rank 1's doorbell claims a 60000-byte socket name and
 *               that it sleeps, so that rank 0 wakes it (once copied into a
 *               108-byte buffer on rank 0's stack); then rank 1 sends rank 0
 *               its message: rank 0 prints "received" and exits 4
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
#include "transport/shm/shm.h"

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
    } else if (!strcmp(what, "ring-len")) {
        /* A legit frame first (unexpected at rank 0), so the ring is live;
         * then the next packet's word, as ring.c writes it, with 2 GiB. */
        h = ipc__frame_make(IPC__FRAME_EAGER, IPC_COMM_WORLD->ctx_p2p, 1, 99, 0, 0, 0);
        ipc__send(0, &h, NULL, 0, NULL, true);
        ipc__flush_sends();
        struct shm_link *s = ipc__g.links[0].priv;
        if (s->tx_box) { /* inbox mode: a packet of 2 GiB in a one-line span */
            uint64_t pos = atomic_fetch_add(&s->tx_box->tail, CACHE_LINE);
            uint32_t seq = (uint32_t)((pos / CACHE_LINE) & 0x7fffffffu) | 0x80000000u;
            struct inbox_pkt *p = (struct inbox_pkt *)(void *)(s->seg->box_va +
                                                               (pos & (s->ring_size - 1)));
            p->sender = (uint32_t)s->seg->me;
            p->span = CACHE_LINE;
            atomic_store_explicit(&p->word, (uint64_t)0x7fff0000u << 32 | seq,
                                  memory_order_release);
            shm_ring_doorbell(s->seg, s->peer_bell);
            return;
        }
        uint64_t pos = s->tx_tail;
        uint32_t seq = (uint32_t)((pos / CACHE_LINE) & 0x7fffffffu) | 0x80000000u;
        _Atomic uint64_t *word = (_Atomic uint64_t *)(void *)(s->tx + (pos & (s->ring_size - 1)));
        atomic_store_explicit(word, (uint64_t)0x7fff0000u << 32 | seq, memory_order_release);
        shm_ring_doorbell(s->seg, s->peer_bell);
        return;
    } else if (!strcmp(what, "wake-len")) {
        int v = 42;
        ipc_send(&v, 1, IPC_INT, 0, TAG, IPC_COMM_WORLD);
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
        if (!strcmp(argv[1], "wake-len")) { /* before rank 0 rings us in the barrier */
            struct shm_link *s = ipc__g.links[0].priv;
            struct doorbell *mine = s->seg->mine;
            mine->wake_len = 60000;
            atomic_store(&mine->sleeping, 1);
        }
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
    if (rc == IPC_SUCCESS && !strcmp(argv[1], "wake-len")) {
        printf("forge_frames: rank 0: received\n");
        fflush(stdout);
        return 4;
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
