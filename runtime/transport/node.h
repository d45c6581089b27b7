/*
 * node.h - what node-wide collectives (coll/node.c) see of a memory
 * transport's shared segment when that segment holds every rank of the job:
 * an area of it set aside for them, and the doorbells of the node's ranks.
 *
 * The area's layout is the collectives' own (coll/node.c): the transport only
 * sizes it with ipc__node_area_bytes(), places it in the segment and maps it,
 * zeroed at creation, in every rank. A transport hands it out through its
 * node_area member (transport.h); the job keeps what it got in ipc__g.node.
 */
#ifndef IPC_NODE_H
#define IPC_NODE_H

#include <stddef.h>
#include <stdint.h>

struct ipc__node_area {
    int nranks; /* the ranks of the job, all on this node */
    int me;     /* this rank's index among them (its local index) */
    /* ipc__node_area_bytes(nranks) bytes, aligned to a cache line, shared by
     * the node's ranks, all zero before any rank used it */
    void *base;
    /* Wakes `rank` (an index like me), or every rank but this one, if it
     * sleeps or is about to: after this rank published, in the area, what
     * they may wait for in ipc__wait_until. */
    void (*ring)(struct ipc__node_area *a, int rank);
    void (*ring_all)(struct ipc__node_area *a);
    /* A store then a look at another rank's word, against a rank that does
     * the same the other way round (one of the two must see the other), is
     * ordered as the segment's doorbells are (shm.h): when often_fences is
     * false, the side that does it often orders it with a compiler barrier
     * only, and the rare side calls rare_fence, which puts a full barrier
     * into every running rank of the job (membarrier); when true, both
     * sides fence, and rare_fence is one fence. */
    bool often_fences;
    void (*rare_fence)(struct ipc__node_area *a);
    /* This rank's own counters, kept by the collectives between calls. */
    uint32_t barrier_epoch, reduce_epoch, bcast_epoch;
    /* Every other rank has acked the bcasts up to this epoch, as last seen
     * (acks only grow): a root that needs no more reads no ack lines. */
    uint32_t bcast_acked;
    /* Kept by the collectives too: can every rank read every other's memory
     * (the links' get)? 0 not asked yet, 1 yes, -1 no. */
    int8_t direct;
};

/* Bytes of the area for nranks ranks, a multiple of a cache line
 * (coll/node.c). */
size_t ipc__node_area_bytes(int nranks);

#endif /* IPC_NODE_H */
