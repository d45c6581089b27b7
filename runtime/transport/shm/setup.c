/*
 * setup.c - the shm transport's life: connect (the segment, the rings, who
 * can do what after the set-up fence), close and fini, what
 * --report-transports says of it, and its ops table, the folder's only
 * export.
 */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "shm.h"

static bool shm_probe(const struct ipc__job *job, int peer)
{
    return peer != job->rank && job->boot && job->node_of[peer] == job->node;
}

/* After the fence every doorbell is written: what the peers allow. Each
 * peer's pid is read once into our memory; whether it is a rank's is checked
 * before the first copy with that peer (ipc__shm_can_access): a check is a
 * read of /proc, and at 1024 ranks checking every peer at start-up took most
 * of it. */
static int read_peers(struct shm_seg *seg, struct ipc__job *job)
{
    struct seg_header *hdr = (struct seg_header *)(void *)seg->ctrl;
    if (!(seg->pids = calloc((size_t)seg->nranks, sizeof *seg->pids)))
        return IPC_ERR_NOMEM;
    for (int r = 0; r < seg->nranks; r++)
        seg->pids[r] = seg->bells[r].pid;
    seg->single_copy = job->tun.shm_single_copy && seg->pids[seg->me] == getpid() &&
                       ipc__shm_probe_single_copy(seg);
    seg->writer_fence = atomic_load_explicit(&hdr->writer_fence, memory_order_relaxed);
    seg->node.often_fences = seg->writer_fence;
    return ipc__shm_open_ringer(seg, job);
}

static int shm_connect(struct ipc__transport *self, struct ipc__job *job,
                       struct ipc__link *links)
{
    struct shm_seg *seg = calloc(1, sizeof *seg);
    if (!seg)
        return IPC_ERR_NOMEM;
    self->priv = seg;
    seg->wake_rx = seg->wake_tx = seg->made_fd = seg->ring_fd = -1;
    seg->nranks = job->local_size;
    seg->me = job->local_index[job->rank];
    seg->local_of = job->local_index;
    seg->world = job->local_size == job->size;
    seg->may_move = !job->tun.oversubscribed;
    seg->node = (struct ipc__node_area){.nranks = seg->nranks,
                                        .me = seg->me,
                                        .ring = ipc__shm_node_ring,
                                        .ring_all = ipc__shm_node_ring_all,
                                        .often_fences = true,
                                        .rare_fence = ipc__shm_node_rare_fence};
    /* A rank alone on its node has no segment, but joins the fences: fences
     * are the whole job's. */
    int rc = seg->nranks > 1   ? ipc__shm_map(seg, job, links)
             : job->ctl_fd < 0 ? ipc__kv_fence() /* share_segment's */
                               : IPC_SUCCESS;
    if (rc != IPC_SUCCESS)
        return rc;
    /* Everyone has written its identity before anyone probes. */
    rc = ipc__kv_fence();
    if (seg->made_fd >= 0) /* every rank of the node has the segment now */
        close(seg->made_fd);
    seg->made_fd = -1;
    if (rc == IPC_SUCCESS && seg->ctrl)
        rc = read_peers(seg, job);
    return rc;
}

static void shm_close(struct ipc__link *l)
{
    /* The rings go with the reservation, in shm_fini. */
    struct shm_link *s = l->priv;
    if (s)
        free(s->pend);
    free(l->priv);
    l->priv = NULL;
}

/* The segment stays mapped until the process exits, which unmaps it anyway:
 * an munmap now costs a TLB shoot-down on every cpu the rank ran on, and at
 * 32 ranks those took 40 ms of a 220 ms job (this machine). The memfd goes
 * when the last rank exits; ipc_init cannot run twice, so nothing reuses it. */
static void shm_fini(struct ipc__transport *self)
{
    struct shm_seg *seg = self->priv;
    if (!seg)
        return;
    if (seg->wake_rx >= 0)
        close(seg->wake_rx);
    if (seg->wake_tx >= 0)
        close(seg->wake_tx);
    if (seg->made_fd >= 0)
        close(seg->made_fd);
    if (seg->ring_fd >= 0)
        close(seg->ring_fd);
    free(seg->pids);
    free(seg->by_local);
    free(seg);
    self->priv = NULL;
}

static int shm_describe(const struct ipc__transport *self, const struct ipc__job *job,
                        bool mixed, char *buf, size_t len)
{
    const struct shm_seg *seg = self->priv;
    return snprintf(buf, len, "; long messages%s %s", mixed ? " over shm" : "",
                    seg && seg->single_copy ? "copied once (process_vm_readv)"
                    : job->tun.shm_single_copy
                        ? "copied through the segment (process_vm_readv is not "
                          "permitted here)"
                        : "copied through the segment (IPC_SHM_SINGLE_COPY=0)");
}

/* The node's first rank says what the segment costs. */
static int shm_describe_node(const struct ipc__transport *self, const struct ipc__job *job,
                             char *buf, size_t len)
{
    const struct shm_seg *seg = self->priv;
    if (!seg || !seg->ctrl || seg->me != 0)
        return 0;
    const struct seg_header *hdr = (const struct seg_header *)(const void *)seg->ctrl;
    return snprintf(buf, len,
                    "ipc: node %d: a shared segment of %.1f MiB for its %d ranks: %s of %u KiB "
                    "per %s",
                    job->node, (double)hdr->size / (1 << 20), seg->nranks,
                    seg->inbox ? "an inbox" : "a ring", seg->ring_size >> 10,
                    seg->inbox ? "rank" : "pair of ranks");
}

static struct ipc__node_area *shm_node_area(struct ipc__transport *self)
{
    struct shm_seg *seg = self->priv;
    return seg && seg->world && seg->ctrl ? &seg->node : NULL;
}

const struct ipc__transport_ops ipc__transport_shm = {
    .name = "shm",
    .kind = IPC__LINK_MEMORY,
    .probe = shm_probe,
    .connect = shm_connect,
    .writev = ipc__shm_writev,
    .reserve = ipc__shm_reserve,
    .commit = ipc__shm_commit,
    .read = ipc__shm_read,
    .peek = ipc__shm_peek,
    .consume = ipc__shm_consume,
    .release = ipc__shm_release,
    .close = shm_close,
    .fini = shm_fini,
    .arm = ipc__shm_arm,
    .sleep = ipc__shm_sleep,
    .disarm = ipc__shm_disarm,
    .crowded = ipc__shm_crowded,
    .doorbell_fd = ipc__shm_doorbell_fd,
    .can_access = ipc__shm_can_access,
    .get = ipc__shm_get,
    .put = ipc__shm_put,
    .describe = shm_describe,
    .describe_node = shm_describe_node,
    .node_area = shm_node_area,
};
