/*
 * comm.c - communicators: IPC_COMM_WORLD and IPC_COMM_SELF, the ones the
 * program makes with ipc_comm_dup and ipc_comm_split, and their context ids.
 *
 * Context ids. A communicator owns two: ctx_p2p for the program's messages and
 * ctx_coll = ctx_p2p + 1 for collective traffic, so the two never match each
 * other. World has 0/1, self 2/3. Every rank keeps a counter, next_ctx, of the
 * first id it has never used. A new communicator takes the largest next_ctx of
 * all the members of its parent (agreed in one collective on the parent), and
 * every member then moves its counter past it. Hence a rank never holds two
 * communicators with the same id, and all members of one communicator agree on
 * its ids. Communicators made by one split share their ids; they have no
 * member in common, so no message can be taken for the other's. Ids are not
 * reused after ipc_comm_free: 2^31 communicators per rank before they run out.
 */
#include <stdlib.h>
#include <string.h>

#include "coll/coll.h"
#include "internal.h"

struct ipc__comm ipc__comm_world, ipc__comm_self;

/* A communicator the program made: freed by ipc_comm_free. */
struct owned_comm {
    struct ipc__comm comm;
    struct ipc__list link; /* in live_comms */
    int world_ranks[];     /* comm.size entries */
};

static struct ipc__list live_comms = IPC__LIST_INIT(live_comms);
static uint32_t next_ctx;
static int self_world_rank;

void ipc__comm_init(void)
{
    ipc__comm_world = (struct ipc__comm){
        .ctx_p2p = 0, .ctx_coll = 1, .rank = ipc__g.job.rank, .size = ipc__g.job.size};
    self_world_rank = ipc__g.job.rank;
    ipc__comm_self = (struct ipc__comm){
        .ctx_p2p = 2, .ctx_coll = 3, .rank = 0, .size = 1, .world_ranks = &self_world_rank};
    next_ctx = 4;
}

size_t ipc__comm_live_count(void)
{
    size_t n = 0;
    struct ipc__list *pos;
    ipc__list_for_each(pos, &live_comms) n++;
    return n;
}

static bool is_live(ipc_comm comm)
{
    struct ipc__list *pos;
    ipc__list_for_each(pos, &live_comms)
    {
        if (&ipc__container_of(pos, struct owned_comm, link)->comm == comm)
            return true;
    }
    return false;
}

int ipc__check_comm(ipc_comm comm)
{
    if (!ipc__g.initialized || ipc__g.finalized)
        return IPC_ERR_NOT_INITIALIZED;
    if (comm == IPC_COMM_WORLD || comm == IPC_COMM_SELF)
        return IPC_SUCCESS;
    return comm && is_live(comm) ? IPC_SUCCESS : IPC_ERR_COMM;
}

int ipc__world_rank(ipc_comm comm, int rank)
{
    return comm->world_ranks ? comm->world_ranks[rank] : rank;
}

int ipc_comm_rank(ipc_comm comm, int *rank)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!rank)
        return IPC_ERR_ARG;
    *rank = comm->rank;
    return IPC_SUCCESS;
}

int ipc_comm_size(ipc_comm comm, int *size)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!size)
        return IPC_ERR_ARG;
    *size = comm->size;
    return IPC_SUCCESS;
}

/* ---- making and freeing ---- */

static struct owned_comm *comm_new(int size, int rank, uint32_t ctx)
{
    struct owned_comm *c = malloc(sizeof *c + (size_t)size * sizeof c->world_ranks[0]);
    if (!c)
        return NULL;
    c->comm = (struct ipc__comm){.ctx_p2p = ctx, .ctx_coll = ctx + 1, .rank = rank,
                                 .size = size, .world_ranks = c->world_ranks};
    return c;
}

static void comm_publish(struct owned_comm *c, ipc_comm *newcomm)
{
    ipc__list_push_back(&live_comms, &c->link);
    *newcomm = &c->comm;
}

/* The members of parent agree on the context id of a new communicator. */
static int agree_ctx(ipc_comm parent, uint32_t *ctx)
{
    uint64_t mine = next_ctx, top;
    int rc = ipc_allreduce(&mine, &top, 1, IPC_UINT64, IPC_MAX, parent);
    if (rc != IPC_SUCCESS)
        return rc;
    if (top > UINT32_MAX - 2)
        return IPC_ERR_INTERN; /* 2^31 communicators made by this job */
    *ctx = (uint32_t)top;
    next_ctx = (uint32_t)top + 2;
    return IPC_SUCCESS;
}

int ipc_comm_dup(ipc_comm comm, ipc_comm *newcomm)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!newcomm)
        return IPC_ERR_ARG;
    uint32_t ctx;
    if ((rc = agree_ctx(comm, &ctx)) != IPC_SUCCESS)
        return rc;
    struct owned_comm *c = comm_new(comm->size, comm->rank, ctx);
    if (!c)
        return IPC_ERR_NOMEM;
    for (int i = 0; i < comm->size; i++)
        c->world_ranks[i] = ipc__world_rank(comm, i);
    comm_publish(c, newcomm);
    return IPC_SUCCESS;
}

/* What each member of the parent brings to a split. */
struct split_entry {
    int color, key, rank; /* rank in the parent */
    uint32_t next_ctx;
};

/* Members of one color ordered by key, ties broken by rank in the parent. */
static int by_color_key_rank(const void *a, const void *b)
{
    const struct split_entry *x = a, *y = b;
    if (x->color != y->color)
        return x->color < y->color ? -1 : 1;
    if (x->key != y->key)
        return x->key < y->key ? -1 : 1;
    return x->rank < y->rank ? -1 : x->rank > y->rank;
}

/* Builds this rank's communicator from every member's entry. */
static int split_build(ipc_comm parent, struct split_entry *all, int color, uint32_t ctx,
                       ipc_comm *newcomm)
{
    int n = parent->size, size = 0, first = -1, me = -1;
    qsort(all, (size_t)n, sizeof *all, by_color_key_rank);
    for (int i = 0; i < n; i++) {
        if (all[i].color != color)
            continue;
        if (first < 0)
            first = i;
        if (all[i].rank == parent->rank)
            me = size;
        size++;
    }
    struct owned_comm *c = comm_new(size, me, ctx);
    if (!c)
        return IPC_ERR_NOMEM;
    for (int i = 0; i < size; i++)
        c->world_ranks[i] = ipc__world_rank(parent, all[first + i].rank);
    comm_publish(c, newcomm);
    return IPC_SUCCESS;
}

int ipc_comm_split(ipc_comm comm, int color, int key, ipc_comm *newcomm)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!newcomm || (color < 0 && color != IPC_UNDEFINED))
        return IPC_ERR_ARG;
    struct split_entry mine = {color, key, comm->rank, next_ctx};
    struct split_entry *all = malloc((size_t)comm->size * sizeof *all);
    if (!all)
        return IPC_ERR_NOMEM;
    /* One allgather tells every member both the groups and the context id. */
    rc = ipc_allgather(&mine, sizeof mine, IPC_BYTE, all, sizeof mine, IPC_BYTE, comm);
    if (rc != IPC_SUCCESS) {
        free(all);
        return rc;
    }
    uint32_t ctx = 0;
    for (int i = 0; i < comm->size; i++)
        ctx = all[i].next_ctx > ctx ? all[i].next_ctx : ctx;
    if (ctx > UINT32_MAX - 2) {
        free(all);
        return IPC_ERR_INTERN;
    }
    next_ctx = ctx + 2;
    *newcomm = IPC_COMM_NULL;
    if (color != IPC_UNDEFINED)
        rc = split_build(comm, all, color, ctx, newcomm);
    free(all);
    return rc;
}

int ipc__comm_create_group(const int *world, int n, int me, int tag, ipc_comm *newcomm)
{
    /* The members agree on the context id among themselves: each sends its
     * next_ctx to the first member, which answers with the largest. World's
     * collective context carries it (every member is in world), on a tag of
     * its own, so no collective or program message can take it. */
    int ctag = IPC__TAG_CREATE_GROUP + (tag & 0x0fffffff), rc = IPC_SUCCESS;
    uint64_t mine = next_ctx, top = next_ctx;
    if (n < 1 || me < 0 || me >= n || !newcomm)
        return IPC_ERR_ARG;
    if (me != 0) {
        rc = ipc__coll_send(&mine, sizeof mine, world[0], ctag, IPC_COMM_WORLD);
        if (rc == IPC_SUCCESS)
            rc = ipc__coll_recv(&top, sizeof top, world[0], ctag, IPC_COMM_WORLD);
    } else {
        for (int i = 1; i < n && rc == IPC_SUCCESS; i++) {
            uint64_t theirs;
            rc = ipc__coll_recv(&theirs, sizeof theirs, world[i], ctag, IPC_COMM_WORLD);
            top = theirs > top ? theirs : top;
        }
        for (int i = 1; i < n && rc == IPC_SUCCESS; i++)
            rc = ipc__coll_send(&top, sizeof top, world[i], ctag, IPC_COMM_WORLD);
    }
    if (rc != IPC_SUCCESS)
        return rc;
    if (top > UINT32_MAX - 2)
        return IPC_ERR_INTERN;
    next_ctx = (uint32_t)top + 2;
    struct owned_comm *c = comm_new(n, me, (uint32_t)top);
    if (!c)
        return IPC_ERR_NOMEM;
    memcpy(c->world_ranks, world, (size_t)n * sizeof *world);
    comm_publish(c, newcomm);
    return IPC_SUCCESS;
}

int ipc_comm_free(ipc_comm *comm)
{
    if (!comm)
        return IPC_ERR_ARG;
    int rc = ipc__check_comm(*comm);
    if (rc != IPC_SUCCESS)
        return rc;
    if (*comm == IPC_COMM_WORLD || *comm == IPC_COMM_SELF)
        return IPC_ERR_COMM;
    struct owned_comm *c = ipc__container_of(*comm, struct owned_comm, comm);
    ipc__list_remove(&c->link);
    free(c);
    *comm = IPC_COMM_NULL;
    return IPC_SUCCESS;
}
