/*
 * win.c - windows: making them (the members tell each other their memory,
 * the node's members map one shared block), their queries, dynamic
 * regions, and freeing them.
 *
 * The shared block of a node (docs/one-sided.md): the node's first member
 * makes an anonymous memfd (nothing in /dev/shm: it goes with the last
 * process that maps it) holding one struct ipc__rma_ctl per member of the
 * node, then, for allocate and shared windows, the members' memory in rank
 * order (page aligned each, or back to back for a contiguous shared
 * window). The others open it through /proc/PID/fd/FD, which needs what
 * process_vm_readv needs (the same user; the shm transport already proved
 * it), and map it; once all have, the maker closes its descriptor.
 */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ctl.h"
#include "win.h"

struct ipc__list ipc__rma_windows = IPC__LIST_INIT(ipc__rma_windows);

struct ipc__win *ipc__win_of(ipc_win win)
{
    if (!win || !ipc__g.initialized || ipc__g.finalized)
        return NULL;
    for (struct ipc__list *p = ipc__rma_windows.next; p != &ipc__rma_windows; p = p->next)
        if (ipc__container_of(p, struct ipc__win, link) == win)
            return win;
    return NULL;
}

struct ipc__mpi_win **ipc__win_mpi_slot(ipc_win win)
{
    return &win->mpi;
}

/* What every member tells the others when the window is made. */
struct member {
    uint64_t addr; /* create: its base */
    uint64_t size;
    int32_t disp_unit;
    int32_t pid;
};

/* What the node's first member tells the others: its memfd. */
struct block {
    int32_t pid, fd; /* fd < 0: it could not make one (-errno) */
    uint64_t len;
};

static size_t page_up(size_t n)
{
    size_t pg = (size_t)sysconf(_SC_PAGESIZE);
    return (n + pg - 1) / pg * pg;
}

/* Does member t share this rank's node and a memory link (shm)? A shared
 * window shares memory on the node whatever carries the messages (the
 * program asked for loads and stores: MPI_COMM_TYPE_SHARED groups by node);
 * other windows follow the transport the job chose, so that a forced unix or
 * tcp reaches targets by requests. */
static bool on_node(const struct ipc__win *w, int t)
{
    if (t == w->rank)
        return true;
    const struct ipc__link *l = &ipc__g.links[w->peers[t].world];
    return ipc__g.job.node_of[w->peers[t].world] == ipc__g.job.node &&
           (w->flavor == IPC_WIN_FLAVOR_SHARED ||
            (l->ops && l->ops->kind == IPC__LINK_MEMORY));
}

int ipc__rma_describe(char *out, size_t cap)
{
    const struct ipc__job *job = &ipc__g.job;
    bool mem = job->local->kind == IPC__LINK_MEMORY, copy = job->tun.shm_single_copy;
    /* Single copy is settled per link once connected: rank 0's tells. */
    for (int p = 0; p < job->size; p++) {
        const struct ipc__link *l = &ipc__g.links[p];
        if (p != job->rank && l->ops && l->ops->kind == IPC__LINK_MEMORY) {
            copy = ipc__direct_access(l);
            break;
        }
    }
    char near[256] = "", far[128] = "";
    if (job->nnodes < job->size && mem)
        snprintf(
            near, sizeof near,
            "ranks of one node map allocated windows (loads, stores, cpu atomics under "
            "a lock) and reach created and dynamic ones %s",
            copy                       ? "with process_vm_readv/writev"
            : job->tun.shm_single_copy ? "by requests the target serves "
                                         "(process_vm_readv is not permitted here)"
                                       : "by requests the target serves "
                                         "(IPC_SHM_SINGLE_COPY=0)");
    else if (job->nnodes < job->size)
        snprintf(near, sizeof near,
                 "ranks of one node: requests the target serves, over %s",
                 job->local->name);
    if (job->nnodes > 1)
        snprintf(far, sizeof far, "other nodes: requests the target serves, over %s",
                 job->remote->name);
    return snprintf(out, cap, "ipc: one-sided: %s%s%s", near, *near && *far ? "; " : "",
                    far);
}

/* The layout of the node's block: nodes[0..n) the members on this node in
 * rank order; off[i] where member nodes[i]'s memory starts. */
static size_t layout(const struct ipc__win *w, const struct member *m, const int *nodes,
                     int n, bool contig, size_t *off)
{
    size_t at = page_up((size_t)n * sizeof(struct ipc__rma_ctl));
    bool has_mem =
        w->flavor == IPC_WIN_FLAVOR_ALLOCATE || w->flavor == IPC_WIN_FLAVOR_SHARED;
    for (int i = 0; i < n; i++) {
        off[i] = at;
        if (has_mem)
            at += contig ? m[nodes[i]].size : page_up(m[nodes[i]].size);
    }
    return page_up(at ? at : 1);
}

/* Maps the node's block (made here when this rank is its first member). */
static int map_block(struct ipc__win *w, const int *nodes, int n, size_t len)
{
    struct block mine = {.pid = getpid(), .fd = -1, .len = len};
    int fd = -1;
    if (nodes[0] == w->rank) {
        fd = ipc__ctl_make_segment("ipc-win", len);
        mine.fd = fd;
    }
    struct block *all = malloc(sizeof *all * (size_t)w->size);
    if (!all) {
        if (fd >= 0)
            close(fd);
        return IPC_ERR_NOMEM;
    }
    int rc =
        ipc_allgather(&mine, sizeof mine, IPC_BYTE, all, sizeof mine, IPC_BYTE, w->comm);
    int err = 0;
    if (rc == IPC_SUCCESS) {
        struct block b = all[nodes[0]];
        if (b.fd < 0) {
            err = -b.fd;
        } else if (nodes[0] != w->rank) {
            char path[64];
            snprintf(path, sizeof path, "/proc/%d/fd/%d", (int)b.pid, (int)b.fd);
            fd = open(path, O_RDWR | O_CLOEXEC);
            if (fd < 0)
                err = errno;
        }
        if (!err && b.len != len)
            err = EINVAL;
    }
    free(all);
    if (rc == IPC_SUCCESS && !err) {
        void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
        if (p == MAP_FAILED)
            err = errno;
        else
            w->map = p, w->map_len = len;
    }
    /* Every member has opened it (or failed) before the maker lets go. */
    int bad = err, anybad = 0;
    if (rc == IPC_SUCCESS)
        rc = ipc_allreduce(&bad, &anybad, 1, IPC_INT, IPC_MAX, w->comm);
    if (fd >= 0)
        close(fd);
    if (rc != IPC_SUCCESS)
        return rc;
    if (anybad) {
        if (err)
            fprintf(stderr,
                    "ipc: rank %d: cannot share a window's memory with the ranks of its "
                    "node (%d of them): %s\n",
                    ipc__g.job.rank, n, strerror(err));
        return IPC_ERR_RMA_SHARED;
    }
    return IPC_SUCCESS;
}

static void win_release(struct ipc__win *w)
{
    if (w->map)
        munmap(w->map, w->map_len);
    else if (w->own_ctl)
        free(w->ctl);
    if (w->flavor == IPC_WIN_FLAVOR_ALLOCATE && !w->map)
        free(w->base);
    if (w->comm)
        ipc_comm_free(&w->comm);
    free(w->peers);
    free(w->start_grp);
    free(w->post_wait);
    free(w);
}

void ipc__rma_fini(void)
{
    while (!ipc__list_empty(&ipc__rma_windows)) {
        struct ipc__win *w =
            ipc__container_of(ipc__rma_windows.next, struct ipc__win, link);
        ipc__list_remove(&w->link);
        ipc__rma_serve_forget(w);
        w->comm = IPC_COMM_NULL; /* the program's communicators stay too */
        free(w->post_wait);      /* its requests go with all the others */
        w->post_wait = NULL;
        win_release(w);
    }
    ipc__rma_nserved = 0;
}

/* Sets each member's path, base and control block. */
static int wire_peers(struct ipc__win *w, const struct member *m, const int *nodes, int n,
                      const size_t *off)
{
    int me_at = -1;
    for (int i = 0; i < n; i++)
        if (nodes[i] == w->rank)
            me_at = i;
    bool mem = w->flavor == IPC_WIN_FLAVOR_ALLOCATE || w->flavor == IPC_WIN_FLAVOR_SHARED;
    if (w->map) {
        w->ctl = (struct ipc__rma_ctl *)w->map + me_at;
        if (mem)
            w->base = w->bytes ? (char *)w->map + off[me_at] : NULL;
    } else {
        w->ctl = aligned_alloc(64, sizeof *w->ctl);
        if (!w->ctl)
            return IPC_ERR_NOMEM;
        memset(w->ctl, 0, sizeof *w->ctl);
        w->own_ctl = true;
        if (mem && w->bytes && !(w->base = calloc(1, w->bytes)))
            return IPC_ERR_NOMEM;
    }
    int at = 0;
    for (int t = 0; t < w->size; t++) {
        struct ipc__rma_peer *p = &w->peers[t];
        p->size = m[t].size;
        p->disp_unit = m[t].disp_unit;
        p->addr = m[t].addr;
        while (at < n && nodes[at] < t)
            at++;
        bool local = at < n && nodes[at] == t && w->map;
        if (t == w->rank) {
            p->path = IPC__RMA_DIRECT;
            p->base = w->base;
            p->ctl = w->ctl;
        } else if (local && mem) {
            p->path = IPC__RMA_DIRECT;
            p->base = p->size ? (char *)w->map + off[at] : NULL;
            p->ctl = (struct ipc__rma_ctl *)w->map + at;
        } else if (local && ipc__direct_access(&ipc__g.links[p->world])) {
            p->path = IPC__RMA_CMA;
            p->ctl = (struct ipc__rma_ctl *)w->map + at;
        } else {
            p->path = IPC__RMA_AM;
            w->nam++;
        }
    }
    return IPC_SUCCESS;
}

int ipc__rma_make(ipc_comm comm, const struct ipc__rma_make *mk, void **base,
                  ipc_win *win)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    if (ipc__comm_is_inter(comm))
        return IPC_ERR_COMM;
    if (!win)
        return IPC_ERR_ARG;
    if (mk->disp_unit <= 0 && mk->flavor != IPC_WIN_FLAVOR_DYNAMIC)
        return IPC_ERR_ARG;
    if (mk->flavor == IPC_WIN_FLAVOR_CREATE && mk->size && !mk->base)
        return IPC_ERR_BUFFER;
    struct ipc__win *w = calloc(1, sizeof *w);
    if (!w)
        return IPC_ERR_NOMEM;
    ipc__list_init(&w->amops);
    ipc__list_init(&w->incoming);
    ipc__list_init(&w->lockq);
    ipc__list_init(&w->replies);
    w->flavor = mk->flavor;
    w->kernel = mk->kernel ? mk->kernel : ipc__rma_kernel_ipc;
    w->disp_unit = mk->flavor == IPC_WIN_FLAVOR_DYNAMIC ? 1 : mk->disp_unit;
    w->bytes = mk->flavor == IPC_WIN_FLAVOR_DYNAMIC ? 0 : mk->size;
    w->base = mk->flavor == IPC_WIN_FLAVOR_CREATE ? mk->base : NULL;
    rc = ipc_comm_dup(comm, &w->comm);
    if (rc != IPC_SUCCESS) {
        free(w);
        return rc;
    }
    w->rank = comm->rank;
    w->size = comm->size;
    struct member *m = malloc(sizeof *m * (size_t)w->size);
    int *nodes = malloc(sizeof *nodes * (size_t)w->size);
    size_t *off = malloc(sizeof *off * (size_t)w->size);
    w->peers = calloc((size_t)w->size, sizeof *w->peers);
    if (!m || !nodes || !off || !w->peers) {
        rc = IPC_ERR_NOMEM;
        goto out;
    }
    for (int t = 0; t < w->size; t++)
        w->peers[t].world = ipc__member_world_rank(w->comm, t);
    struct member me = {.addr = (uint64_t)(uintptr_t)w->base,
                        .size = w->bytes,
                        .disp_unit = w->disp_unit,
                        .pid = getpid()};
    rc = ipc_allgather(&me, sizeof me, IPC_BYTE, m, sizeof me, IPC_BYTE, w->comm);
    if (rc != IPC_SUCCESS)
        goto out;
    int n = 0;
    for (int t = 0; t < w->size; t++)
        if (on_node(w, t))
            nodes[n++] = t;
    if (mk->flavor == IPC_WIN_FLAVOR_SHARED) {
        int all = n == w->size, every = 0;
        rc = ipc_allreduce(&all, &every, 1, IPC_INT, IPC_MIN, w->comm);
        if (rc == IPC_SUCCESS && !every)
            rc = IPC_ERR_RMA_SHARED;
        if (rc != IPC_SUCCESS)
            goto out;
    }
    size_t len = layout(w, m, nodes, n,
                        mk->flavor == IPC_WIN_FLAVOR_SHARED && !mk->noncontig, off);
    /* Every member joins the block's exchange, even one alone on its node
     * (which maps a block of its own: its control block and memory). */
    rc = map_block(w, nodes, n, len);
    if (rc == IPC_ERR_RMA_SHARED && mk->flavor != IPC_WIN_FLAVOR_SHARED)
        rc = IPC_SUCCESS; /* every member agreed: each keeps to itself, AM between them */
    if (rc != IPC_SUCCESS)
        goto out;
    rc = wire_peers(w, m, nodes, n, off);
    if (rc != IPC_SUCCESS)
        goto out;
    if (mk->flavor == IPC_WIN_FLAVOR_ALLOCATE && !w->bytes)
        w->base = NULL;
    if (w->nam)
        ipc__rma_nserved++;
    ipc__list_push_back(&ipc__rma_windows, &w->link);
    if (base)
        *base = w->base;
    *win = w;
out:
    free(m);
    free(nodes);
    free(off);
    if (rc != IPC_SUCCESS)
        win_release(w);
    return rc;
}

int ipc__rma_target_info(ipc_win win, int rank, size_t *size, int *disp_unit)
{
    struct ipc__win *w = ipc__win_of(win);
    if (!w)
        return IPC_ERR_WIN;
    if (rank < 0 || rank >= w->size)
        return IPC_ERR_RANK;
    if (size)
        *size = w->peers[rank].size;
    if (disp_unit)
        *disp_unit = w->peers[rank].disp_unit;
    return IPC_SUCCESS;
}

/* A dynamic window's regions of a control block hold [off, off + len)? Read
 * under the block's sequence count: the owner may be changing them. */
static bool in_regions(struct ipc__rma_ctl *c, uint64_t off, uint64_t len)
{
    for (;;) {
        uint32_t s0 = atomic_load_explicit(&c->rseq, memory_order_acquire);
        if (s0 & 1) {
            sched_yield();
            continue;
        }
        bool in = false;
        uint32_t n = __atomic_load_n(&c->nreg, __ATOMIC_RELAXED);
        for (uint32_t i = 0; i < n && i < IPC__RMA_REGIONS_MAX && !in; i++) {
            uint64_t b = __atomic_load_n(&c->reg[i].base, __ATOMIC_RELAXED);
            uint64_t l = __atomic_load_n(&c->reg[i].len, __ATOMIC_RELAXED);
            in = off >= b && len <= l && off - b <= l - len;
        }
        atomic_thread_fence(memory_order_acquire);
        if (atomic_load_explicit(&c->rseq, memory_order_relaxed) == s0)
            return in;
    }
}

int ipc__rma_range(struct ipc__win *w, int t, uint64_t off, uint64_t len)
{
    struct ipc__rma_peer *p = &w->peers[t];
    if (w->flavor == IPC_WIN_FLAVOR_DYNAMIC) {
        if (!p->ctl)
            return IPC_SUCCESS; /* AM: the target checks */
        return in_regions(p->ctl, off, len) ? IPC_SUCCESS : IPC_ERR_RMA_RANGE;
    }
    return len <= p->size && off <= p->size - len ? IPC_SUCCESS : IPC_ERR_RMA_RANGE;
}

/* ipc__rma_make as the public call `call` on comm (observe.h). */
static int made(enum ipc__call call, ipc_comm comm, const struct ipc__rma_make *mk,
                void **base, ipc_win *win)
{
    ipc__obs_enter(call, ipc__check_comm(comm) == IPC_SUCCESS ? comm : NULL, -2, -1,
                   mk->size);
    int rc = ipc__rma_make(comm, mk, base, win);
    ipc__obs_exit();
    return rc;
}

int ipc_win_create(void *base, size_t size, int disp_unit, ipc_comm comm, ipc_win *win)
{
    struct ipc__rma_make mk = {.flavor = IPC_WIN_FLAVOR_CREATE,
                               .base = base,
                               .size = size,
                               .disp_unit = disp_unit};
    return made(IPC__CALL_WIN_CREATE, comm, &mk, NULL, win);
}

int ipc_win_allocate(size_t size, int disp_unit, ipc_comm comm, void *baseptr,
                     ipc_win *win)
{
    if (!baseptr)
        return IPC_ERR_ARG;
    struct ipc__rma_make mk = {
        .flavor = IPC_WIN_FLAVOR_ALLOCATE, .size = size, .disp_unit = disp_unit};
    return made(IPC__CALL_WIN_ALLOCATE, comm, &mk, (void **)baseptr, win);
}

int ipc_win_allocate_shared(size_t size, int disp_unit, int noncontig, ipc_comm comm,
                            void *baseptr, ipc_win *win)
{
    if (!baseptr)
        return IPC_ERR_ARG;
    struct ipc__rma_make mk = {.flavor = IPC_WIN_FLAVOR_SHARED,
                               .size = size,
                               .disp_unit = disp_unit,
                               .noncontig = noncontig != 0};
    return made(IPC__CALL_WIN_ALLOCATE_SHARED, comm, &mk, (void **)baseptr, win);
}

int ipc_win_create_dynamic(ipc_comm comm, ipc_win *win)
{
    struct ipc__rma_make mk = {.flavor = IPC_WIN_FLAVOR_DYNAMIC, .disp_unit = 1};
    return made(IPC__CALL_WIN_CREATE_DYNAMIC, comm, &mk, NULL, win);
}

int ipc_win_shared_query(ipc_win win, int rank, size_t *size, int *disp_unit,
                         void *baseptr)
{
    struct ipc__win *w = ipc__win_of(win);
    if (!w)
        return IPC_ERR_WIN;
    if (w->flavor != IPC_WIN_FLAVOR_SHARED)
        return IPC_ERR_RMA_FLAVOR;
    if (rank == IPC_PROC_NULL) {
        rank = 0;
        while (rank < w->size - 1 && !w->peers[rank].size)
            rank++;
    } else if (rank < 0 || rank >= w->size) {
        return IPC_ERR_RANK;
    }
    struct ipc__rma_peer *p = &w->peers[rank];
    if (size)
        *size = p->size;
    if (disp_unit)
        *disp_unit = p->disp_unit;
    if (baseptr)
        *(void **)baseptr = p->base;
    return IPC_SUCCESS;
}

int ipc_win_attach(ipc_win win, void *base, size_t size)
{
    struct ipc__win *w = ipc__win_of(win);
    if (!w)
        return IPC_ERR_WIN;
    if (w->flavor != IPC_WIN_FLAVOR_DYNAMIC)
        return IPC_ERR_RMA_FLAVOR;
    if (!base && size)
        return IPC_ERR_BUFFER;
    if (!size)
        return IPC_SUCCESS;
    struct ipc__rma_ctl *c = w->ctl;
    uint64_t b = (uint64_t)(uintptr_t)base;
    for (uint32_t i = 0; i < c->nreg; i++)
        if (b < c->reg[i].base + c->reg[i].len && c->reg[i].base < b + size)
            return IPC_ERR_RMA_ATTACH; /* overlaps a region attached before */
    if (c->nreg == IPC__RMA_REGIONS_MAX)
        return IPC_ERR_RMA_ATTACH;
    atomic_fetch_add_explicit(&c->rseq, 1, memory_order_acq_rel);
    c->reg[c->nreg].base = b;
    c->reg[c->nreg].len = size;
    __atomic_store_n(&c->nreg, c->nreg + 1, __ATOMIC_RELAXED);
    atomic_fetch_add_explicit(&c->rseq, 1, memory_order_release);
    return IPC_SUCCESS;
}

int ipc_win_detach(ipc_win win, const void *base)
{
    struct ipc__win *w = ipc__win_of(win);
    if (!w)
        return IPC_ERR_WIN;
    if (w->flavor != IPC_WIN_FLAVOR_DYNAMIC)
        return IPC_ERR_RMA_FLAVOR;
    struct ipc__rma_ctl *c = w->ctl;
    uint64_t b = (uint64_t)(uintptr_t)base;
    for (uint32_t i = 0; i < c->nreg; i++) {
        if (c->reg[i].base != b)
            continue;
        atomic_fetch_add_explicit(&c->rseq, 1, memory_order_acq_rel);
        c->reg[i] = c->reg[c->nreg - 1];
        __atomic_store_n(&c->nreg, c->nreg - 1, __ATOMIC_RELAXED);
        atomic_fetch_add_explicit(&c->rseq, 1, memory_order_release);
        return IPC_SUCCESS;
    }
    return IPC_ERR_RMA_ATTACH;
}

int ipc__rma_can_free(ipc_win win)
{
    struct ipc__win *w = ipc__win_of(win);
    if (!w)
        return IPC_ERR_WIN;
    if (w->lock_all || w->nlocked || w->started || w->posted)
        return IPC_ERR_RMA_SYNC;
    return IPC_SUCCESS;
}

static int win_free(ipc_win *win)
{
    if (!win)
        return IPC_ERR_ARG;
    struct ipc__win *w = ipc__win_of(*win);
    if (!w)
        return IPC_ERR_WIN;
    int rc = ipc__rma_can_free(w);
    if (rc != IPC_SUCCESS)
        return rc;
    int err = ipc__rma_am_flush(w, -1);
    /* Nobody reaches this rank's memory once everyone is here. */
    rc = ipc_barrier(w->comm);
    ipc__rma_serve_drain(w);
    ipc__list_remove(&w->link);
    if (w->nam)
        ipc__rma_nserved--;
    win_release(w);
    *win = IPC_WIN_NULL;
    return rc != IPC_SUCCESS ? rc : err;
}

int ipc_win_free(ipc_win *win)
{
    IPC__RMA_OBSERVED(IPC__CALL_WIN_FREE, win ? *win : NULL, -2, win_free(win));
}

int ipc_win_query(ipc_win win, void **base, size_t *size, int *disp_unit, int *flavor)
{
    struct ipc__win *w = ipc__win_of(win);
    if (!w)
        return IPC_ERR_WIN;
    if (base)
        *base = w->base;
    if (size)
        *size = w->bytes;
    if (disp_unit)
        *disp_unit = w->disp_unit;
    if (flavor)
        *flavor = w->flavor;
    return IPC_SUCCESS;
}

int ipc_win_comm(ipc_win win, ipc_comm *comm)
{
    struct ipc__win *w = ipc__win_of(win);
    if (!w)
        return IPC_ERR_WIN;
    if (!comm)
        return IPC_ERR_ARG;
    *comm = w->comm;
    return IPC_SUCCESS;
}
