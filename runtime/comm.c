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
 * reused after ipc_comm_free: 2^30 communicators per rank before they run out,
 * and as many made by ipc_comm_idup, whose ids have a range of their own.
 *
 * Intercommunicators. Their two groups agree on four ids: ctx_p2p and
 * ctx_coll, shared by both groups, and two for the intracommunicator of each
 * group (comm->local; the groups are disjoint, so they may share them too).
 * Each group agrees on the largest next_ctx of its members, the two leaders
 * swap theirs, and each leader tells its group (struct bridge). Point-to-
 * point addresses the remote group (comm->peers); a message carries the
 * sender's rank in its own group, which is the receiver's rank of it.
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
/* Ids from here on are ipc_comm_idup's (see there); the others stay below. */
#define CTX_NB_FIRST 0x80000000u
static int self_world_rank;

void ipc__comm_init(void)
{
    ipc__comm_world = (struct ipc__comm){.ctx_p2p = 0,
                                         .ctx_coll = 1,
                                         .rank = ipc__g.job.rank,
                                         .size = ipc__g.job.size,
                                         .peer_size = ipc__g.job.size};
    self_world_rank = ipc__g.job.rank;
    ipc__comm_self = (struct ipc__comm){.ctx_p2p = 2,
                                        .ctx_coll = 3,
                                        .rank = 0,
                                        .size = 1,
                                        .world_ranks = &self_world_rank,
                                        .peer_size = 1,
                                        .peers = &self_world_rank};
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
    return comm->peers ? comm->peers[rank] : rank;
}

int ipc__member_world_rank(ipc_comm comm, int i)
{
    return comm->world_ranks ? comm->world_ranks[i] : i;
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
    c->comm = (struct ipc__comm){.ctx_p2p = ctx,
                                 .ctx_coll = ctx + 1,
                                 .rank = rank,
                                 .size = size,
                                 .world_ranks = c->world_ranks,
                                 .peer_size = size,
                                 .peers = c->world_ranks};
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
    if (top > CTX_NB_FIRST - 2)
        return IPC_ERR_INTERN; /* 2^30 communicators made by this job */
    *ctx = (uint32_t)top;
    next_ctx = (uint32_t)top + 2;
    return IPC_SUCCESS;
}

static int inter_dup(ipc_comm inter, ipc_comm *newcomm);
static int inter_split(ipc_comm inter, int color, int key, ipc_comm *newcomm);

int ipc_comm_dup(ipc_comm comm, ipc_comm *newcomm)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!newcomm)
        return IPC_ERR_ARG;
    if (ipc__comm_is_inter(comm))
        return inter_dup(comm, newcomm);
    uint32_t ctx;
    if ((rc = agree_ctx(comm, &ctx)) != IPC_SUCCESS)
        return rc;
    struct owned_comm *c = comm_new(comm->size, comm->rank, ctx);
    if (!c)
        return IPC_ERR_NOMEM;
    for (int i = 0; i < comm->size; i++)
        c->world_ranks[i] = ipc__member_world_rank(comm, i);
    comm_publish(c, newcomm);
    return IPC_SUCCESS;
}

/* ---- nonblocking dup ----
 *
 * ipc_comm_idup agrees on the new ids in a schedule (sched.c), so the
 * caller goes on while the other members have not yet called it. Its ids
 * come from a range of their own, [CTX_NB_FIRST, 2^32), with a counter of
 * their own, next_nb_ctx: a blocking call that runs while idups are under
 * way never meets them. The agreement is an allreduce-max by dissemination
 * (max is idempotent, so the rounds of any N need no fix-up): round k sends
 * to rank + 2^k and receives from rank - 2^k. Several idups may be under
 * way at a member, so the largest next_nb_ctx is only a candidate: each
 * member checks that nothing took it meanwhile (candidate >= its
 * next_nb_ctx), reserves it (next_nb_ctx past it), and a second allreduce
 * carries both every member's next_nb_ctx and whether anyone refused.
 * Nobody did: the candidate is the id. Somebody did: the largest
 * next_nb_ctx of that allreduce is the next candidate, checked the same
 * way. Only the idup with the lowest key (parent's ctx_coll, its number on
 * the parent) among those under way at a rank may reserve there; the others
 * refuse. The lowest of all those under way anywhere is the lowest at each
 * of its members, so it is never refused for long; without that rule two
 * idups begun in opposite orders on two ranks could refuse each other
 * forever. A refused candidate is a pair of ids skipped, nothing else.
 */
static uint32_t next_nb_ctx = CTX_NB_FIRST;
static struct ipc__list idups = IPC__LIST_INIT(idups); /* under way here */

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

/* Sorts the n entries and writes the parent ranks of those of color, in
 * their order in the new communicator, to ranks; returns how many. */
static int select_color(struct split_entry *all, int n, int color, int *ranks)
{
    int k = 0;
    qsort(all, (size_t)n, sizeof *all, by_color_key_rank);
    for (int i = 0; i < n; i++)
        if (all[i].color == color)
            ranks[k++] = all[i].rank;
    return k;
}

/* Replaces ranks[0..n) of comm's members (remote: of its remote group) with
 * their world ranks; returns the place of this rank among them, or -1. */
static int to_world(ipc_comm comm, bool remote, int *ranks, int n)
{
    int me = -1;
    for (int i = 0; i < n; i++) {
        if (!remote && ranks[i] == comm->rank)
            me = i;
        ranks[i] = remote ? ipc__world_rank(comm, ranks[i])
                          : ipc__member_world_rank(comm, ranks[i]);
    }
    return me;
}

/* Builds this rank's communicator from every member's entry. */
static int split_build(ipc_comm parent, struct split_entry *all, int color, uint32_t ctx,
                       ipc_comm *newcomm)
{
    int n = parent->size;
    struct owned_comm *c = comm_new(n, 0, ctx);
    if (!c)
        return IPC_ERR_NOMEM;
    c->comm.size = c->comm.peer_size = select_color(all, n, color, c->world_ranks);
    c->comm.rank = to_world(parent, false, c->world_ranks, c->comm.size);
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
    if (ipc__comm_is_inter(comm))
        return inter_split(comm, color, key, newcomm);
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
    if (ctx > CTX_NB_FIRST - 2) {
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
    if (top > CTX_NB_FIRST - 2)
        return IPC_ERR_INTERN;
    next_ctx = (uint32_t)top + 2;
    struct owned_comm *c = comm_new(n, me, (uint32_t)top);
    if (!c)
        return IPC_ERR_NOMEM;
    memcpy(c->world_ranks, world, (size_t)n * sizeof *world);
    comm_publish(c, newcomm);
    return IPC_SUCCESS;
}

/* ---- intercommunicators ---- */

/* How the two groups of an intercommunicator talk while one is made: the
 * leader of group `local` swaps with the remote leader, rank `peer` of `via`,
 * on context ctx and tag, then tells its group. */
struct bridge {
    ipc_comm local;
    int leader; /* local's rank of this group's leader */
    ipc_comm via;
    uint32_t ctx;
    int peer;
    int tag;
};

/* Over an intercommunicator: the leaders are rank 0 of each group. */
static struct bridge inter_bridge(ipc_comm inter)
{
    return (struct bridge){inter->local, 0, inter, inter->ctx_coll, 0, IPC__TAG_INTER};
}

/* Every member of the group gets the remote leader's `theirs` for its own
 * leader's `mine`, and the leader's outcome: when its exchange fails, the
 * whole group returns that error instead of waiting for what never comes. */
static int bridge_swap(const struct bridge *b, const void *mine, size_t len, void *theirs,
                       size_t theirs_len)
{
    char *out = malloc(theirs_len + sizeof(int32_t)); /* theirs, then the outcome */
    if (!out)
        return IPC_ERR_NOMEM; /* the group may wait: nothing can be said without memory */
    int32_t rc = IPC_SUCCESS;
    if (b->local->rank == b->leader) {
        struct ipc__req *r[2] = {NULL, NULL};
        rc = ipc__irecv(theirs, theirs_len, b->peer, b->tag, b->via, b->ctx, &r[0]);
        if (rc == IPC_SUCCESS)
            rc = ipc__isend(mine, len, b->peer, b->tag, b->via, b->ctx, 0, &r[1]);
        int wait_rc = ipc__coll_waitall(r, 2);
        rc = rc != IPC_SUCCESS ? rc : wait_rc;
        memcpy(out, theirs, theirs_len);
        memcpy(out + theirs_len, &rc, sizeof rc);
    }
    int brc = ipc_bcast(out, theirs_len + sizeof rc, IPC_BYTE, b->leader, b->local);
    if (brc == IPC_SUCCESS) {
        memcpy(theirs, out, theirs_len);
        memcpy(&rc, out + theirs_len, sizeof rc);
    }
    free(out);
    return brc != IPC_SUCCESS ? brc : rc;
}

/* What a group tells the other when they make a communicator together. */
struct hello {
    uint64_t top; /* the largest next_ctx of the group's members */
    int32_t size;
    int32_t high; /* ipc__intercomm_merge's flag */
};

/* Both groups agree on n context ids from *ctx on; *theirs is what the
 * other group said. arg_error: what this member found wrong in arguments
 * only it checks (the leader's peer and remote leader), else IPC_SUCCESS;
 * every member of the group returns the largest such error before anything
 * crosses the bridge. */
static int bridge_hello(const struct bridge *b, bool high, uint32_t n, uint32_t *ctx,
                        struct hello *theirs, int arg_error)
{
    uint64_t mine[2] = {next_ctx, (uint64_t)arg_error}, top2[2];
    int rc = ipc_allreduce(mine, top2, 2, IPC_UINT64, IPC_MAX, b->local);
    if (rc != IPC_SUCCESS)
        return rc;
    if (top2[1])
        return (int)top2[1];
    uint64_t top = top2[0];
    struct hello h = {top, b->local->size, high};
    if ((rc = bridge_swap(b, &h, sizeof h, theirs, sizeof *theirs)) != IPC_SUCCESS)
        return rc;
    top = theirs->top > top ? theirs->top : top;
    if (top > CTX_NB_FIRST - n)
        return IPC_ERR_INTERN;
    *ctx = (uint32_t)top;
    next_ctx = (uint32_t)top + n;
    return IPC_SUCCESS;
}

/* An intercommunicator of the world ranks mine[0..n), this rank being
 * mine[rank], and the remote group theirs[0..m), on ids ctx..ctx+3. */
static int inter_new(const int *mine, int n, int rank, const int *theirs, int m,
                     uint32_t ctx, ipc_comm *newcomm)
{
    struct owned_comm *c = comm_new(n + m, rank, ctx), *l = comm_new(n, rank, ctx + 2);
    if (!c || !l) {
        free(c);
        free(l);
        return IPC_ERR_NOMEM;
    }
    memcpy(l->world_ranks, mine, (size_t)n * sizeof *mine);
    memcpy(c->world_ranks, mine, (size_t)n * sizeof *mine);
    memcpy(c->world_ranks + n, theirs, (size_t)m * sizeof *theirs);
    c->comm.size = n;
    c->comm.peer_size = m;
    c->comm.peers = c->world_ranks + n;
    comm_publish(l, &c->comm.local);
    comm_publish(c, newcomm);
    return IPC_SUCCESS;
}

int ipc__intercomm_create(ipc_comm local, int local_leader, ipc_comm peer,
                          int remote_leader, int tag, ipc_comm *newcomm)
{
    int rc = ipc__check_comm(local);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!newcomm)
        return IPC_ERR_ARG;
    if (ipc__comm_is_inter(local))
        return IPC_ERR_COMM;
    if (local_leader < 0 || local_leader >= local->size)
        return IPC_ERR_RANK;
    /* peer and remote_leader mean something at the leader only: it tells
     * its group what is wrong with them, in the group's first allreduce. */
    bool leader = local->rank == local_leader;
    int arg_error = leader ? ipc__check_comm(peer) : IPC_SUCCESS;
    if (leader && !arg_error && (remote_leader < 0 || remote_leader >= peer->peer_size))
        arg_error = IPC_ERR_RANK;
    struct bridge b = {local, local_leader, peer, leader && !arg_error ? peer->ctx_p2p : 0,
                       remote_leader, tag};
    uint32_t ctx;
    struct hello theirs;
    if ((rc = bridge_hello(&b, false, 4, &ctx, &theirs, arg_error)) != IPC_SUCCESS)
        return rc;
    int n = local->size, m = theirs.size;
    int *world = malloc((size_t)(n + m) * sizeof *world);
    if (!world)
        return IPC_ERR_NOMEM;
    for (int i = 0; i < n; i++)
        world[i] = ipc__member_world_rank(local, i);
    rc = bridge_swap(&b, world, (size_t)n * sizeof *world, world + n,
                     (size_t)m * sizeof *world);
    if (rc == IPC_SUCCESS)
        rc = inter_new(world, n, local->rank, world + n, m, ctx, newcomm);
    free(world);
    return rc;
}

int ipc__intercomm_merge(ipc_comm inter, bool high, ipc_comm *newcomm)
{
    int rc = ipc__check_comm(inter);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!ipc__comm_is_inter(inter))
        return IPC_ERR_COMM;
    if (!newcomm)
        return IPC_ERR_ARG;
    struct bridge b = inter_bridge(inter);
    uint32_t ctx;
    struct hello theirs;
    if ((rc = bridge_hello(&b, high, 2, &ctx, &theirs, IPC_SUCCESS)) != IPC_SUCCESS)
        return rc;
    int n = inter->size, m = inter->peer_size;
    bool first =
        high != (theirs.high != 0) ? !high : inter->world_ranks[0] < inter->peers[0];
    struct owned_comm *c = comm_new(n + m, first ? inter->rank : m + inter->rank, ctx);
    if (!c)
        return IPC_ERR_NOMEM;
    memcpy(c->world_ranks + (first ? 0 : m), inter->world_ranks, (size_t)n * sizeof(int));
    memcpy(c->world_ranks + (first ? n : 0), inter->peers, (size_t)m * sizeof(int));
    comm_publish(c, newcomm);
    return IPC_SUCCESS;
}

static int inter_dup(ipc_comm inter, ipc_comm *newcomm)
{
    struct bridge b = inter_bridge(inter);
    uint32_t ctx;
    struct hello theirs;
    int rc = bridge_hello(&b, false, 4, &ctx, &theirs, IPC_SUCCESS);
    if (rc != IPC_SUCCESS)
        return rc;
    return inter_new(inter->world_ranks, inter->size, inter->rank, inter->peers,
                     inter->peer_size, ctx, newcomm);
}

/* MPI-2.2's split of an intercommunicator: each colour's members of both
 * groups, each group ordered by key then rank; MPI_COMM_NULL when either
 * side has none. */
static int inter_split_build(ipc_comm inter, struct split_entry *all, int color,
                             uint32_t ctx, ipc_comm *newcomm)
{
    int n = inter->size, m = inter->peer_size;
    int *world = malloc((size_t)(n + m) * sizeof *world);
    if (!world)
        return IPC_ERR_NOMEM;
    int nl = select_color(all, n, color, world);
    int nr = select_color(all + n, m, color, world + nl);
    int me = to_world(inter, false, world, nl);
    to_world(inter, true, world + nl, nr);
    int rc = nr ? inter_new(world, nl, me, world + nl, nr, ctx, newcomm) : IPC_SUCCESS;
    free(world);
    return rc;
}

static int inter_split(ipc_comm inter, int color, int key, ipc_comm *newcomm)
{
    struct bridge b = inter_bridge(inter);
    uint32_t ctx;
    struct hello theirs;
    int rc = bridge_hello(&b, false, 4, &ctx, &theirs, IPC_SUCCESS);
    if (rc != IPC_SUCCESS)
        return rc;
    int n = inter->size, m = inter->peer_size;
    struct split_entry mine = {color, key, inter->rank, 0};
    struct split_entry *all = malloc((size_t)(n + m) * sizeof *all);
    if (!all)
        return IPC_ERR_NOMEM;
    rc = ipc_allgather(&mine, sizeof mine, IPC_BYTE, all, sizeof mine, IPC_BYTE,
                       inter->local);
    if (rc == IPC_SUCCESS)
        rc = bridge_swap(&b, all, (size_t)n * sizeof *all, all + n,
                         (size_t)m * sizeof *all);
    *newcomm = IPC_COMM_NULL;
    if (rc == IPC_SUCCESS && color != IPC_UNDEFINED)
        rc = inter_split_build(inter, all, color, ctx, newcomm);
    free(all);
    return rc;
}

/* ---- nonblocking dup (see "nonblocking dup" above) ---- */

/* The agreement of an intercommunicator's idup: each group reduces to its
 * leader (a dissemination within the group), the leaders swap, and a second
 * dissemination within each group spreads the largest of both. An
 * intracommunicator's needs the first step only. */
enum idup_phase { IDUP_GROUP, IDUP_LEADERS, IDUP_SPREAD };

struct idup {
    struct ipc__sched s;
    struct ipc__list link; /* in idups */
    struct owned_comm *c;  /* the new one (an intercommunicator: its remote group) */
    struct owned_comm *l;  /* an intercommunicator's local group, or NULL */
    uint32_t via_group;    /* the parent's ctx_coll (intra) or its local group's */
    uint32_t via_inter;    /* the parent's ctx_coll: an intercommunicator's leaders' */
    unsigned seq;          /* its number among the parent's schedules; with
                              via_inter, its rank among idups */
    int tag0;
    enum idup_phase phase;
    int dist, round; /* rounds within the group: tag0 + round mod 32 */
    int swaps;       /* the leaders': tag0 + 32 + swaps mod 32 */
    bool posted;   /* a round is out: merge `in` when it is over */
    bool checking; /* the agreement that checks cand (not the first one) */
    uint64_t cand;
    uint64_t val[2]; /* {next_nb_ctx, refused}: max so far */
    uint64_t out[2], in[2];
};

/* Is d the idup with the lowest key among those under way here? */
static bool idup_first(const struct idup *d)
{
    struct ipc__list *pos;
    ipc__list_for_each(pos, &idups)
    {
        const struct idup *o = ipc__container_of(pos, struct idup, link);
        if (o->via_inter < d->via_inter || (o->via_inter == d->via_inter && o->seq < d->seq))
            return false;
    }
    return true;
}

/* Posts the next round of the agreement; false when it is over. */
static bool idup_round(struct idup *d, int *rc)
{
    ipc_comm g = d->l ? &d->l->comm : &d->c->comm; /* the group */
    int tag = d->tag0 + d->round % 32;
    *rc = IPC_SUCCESS;
    for (;;) {
        if (d->phase != IDUP_LEADERS && d->dist < g->size) {
            int to = (g->rank + d->dist) % g->size, from = (g->rank - d->dist + g->size) % g->size;
            memcpy(d->out, d->val, sizeof d->out);
            *rc = ipc__sched_irecv(&d->s, d->in, sizeof d->in, from, tag, g, d->via_group);
            if (*rc == IPC_SUCCESS)
                *rc = ipc__sched_isend(&d->s, d->out, sizeof d->out, to, tag, g, d->via_group);
            d->dist <<= 1;
            break;
        }
        if (!d->l || d->phase == IDUP_SPREAD)
            return false;
        if (d->phase == IDUP_GROUP) {
            d->phase = IDUP_LEADERS;
            if (g->rank != 0) { /* to the spread, which brings the leader's answer */
                tag = d->tag0 + ++d->round % 32; /* as the leader's, which swapped */
                continue;
            }
            /* The groups may have taken different numbers of rounds: the
             * leaders' tags count agreements instead. */
            int stag = d->tag0 + 32 + d->swaps++ % 32;
            memcpy(d->out, d->val, sizeof d->out);
            ipc_comm inter = &d->c->comm;
            *rc = ipc__sched_irecv(&d->s, d->in, sizeof d->in, 0, stag, inter, d->via_inter);
            if (*rc == IPC_SUCCESS)
                *rc = ipc__sched_isend(&d->s, d->out, sizeof d->out, 0, stag, inter,
                                       d->via_inter);
            break;
        }
        d->phase = IDUP_SPREAD;
        d->dist = 1;
    }
    d->round++;
    d->posted = true;
    return true;
}

static int idup_step(struct ipc__sched *s)
{
    struct idup *d = ipc__container_of(s, struct idup, s);
    if (d->posted) {
        for (int i = 0; i < 2; i++)
            d->val[i] = d->in[i] > d->val[i] ? d->in[i] : d->val[i];
        d->posted = false;
    }
    int rc;
    if (idup_round(d, &rc))
        return rc;
    if (d->checking && !d->val[1]) { /* every member took cand */
        uint32_t ctx = (uint32_t)d->cand;
        ipc_comm out;
        d->c->comm.ctx_p2p = ctx;
        d->c->comm.ctx_coll = ctx + 1;
        if (d->l) {
            d->l->comm.ctx_p2p = ctx + 2;
            d->l->comm.ctx_coll = ctx + 3;
            comm_publish(d->l, &d->c->comm.local);
            d->l = NULL;
        }
        comm_publish(d->c, &out);
        d->c = NULL;
        return IPC__SCHED_END;
    }
    d->cand = d->val[0];
    uint32_t nids = d->l ? 4 : 2; /* an intercommunicator's local group has two */
    if (d->cand > UINT32_MAX - nids)
        return IPC_ERR_INTERN; /* 2^30 idups made by this job */
    bool refused = d->cand < next_nb_ctx || !idup_first(d);
    if (!refused)
        next_nb_ctx = (uint32_t)d->cand + nids;
    d->val[0] = next_nb_ctx;
    d->val[1] = refused;
    d->checking = true;
    d->phase = IDUP_GROUP;
    d->dist = 1;
    return IPC_SUCCESS; /* called again at once: the checking agreement */
}

static void idup_release(struct ipc__sched *s)
{
    struct idup *d = ipc__container_of(s, struct idup, s);
    ipc__list_remove(&d->link);
    free(d->c); /* still here: the agreement failed, nobody has them */
    free(d->l);
    free(d);
}

/* The new communicator of an idup of comm, with comm's members and ids to
 * be agreed: one owned_comm, or for an intercommunicator two (*l its local
 * group), unpublished. */
static struct owned_comm *idup_new(ipc_comm comm, struct owned_comm **l)
{
    int n = comm->size, m = comm->peer_size;
    bool inter = ipc__comm_is_inter(comm);
    struct owned_comm *c = comm_new(inter ? n + m : n, comm->rank, 0);
    *l = inter ? comm_new(n, comm->rank, 0) : NULL;
    if (!c || (inter && !*l)) {
        free(c);
        free(*l);
        return NULL;
    }
    for (int i = 0; i < n; i++)
        c->world_ranks[i] = ipc__member_world_rank(comm, i);
    if (inter) {
        memcpy((*l)->world_ranks, c->world_ranks, (size_t)n * sizeof c->world_ranks[0]);
        for (int i = 0; i < m; i++)
            c->world_ranks[n + i] = ipc__world_rank(comm, i);
        c->comm.size = n;
        c->comm.peer_size = m;
        c->comm.peers = c->world_ranks + n;
        c->comm.local = &(*l)->comm; /* for the leaders' swap; set again when published */
    }
    return c;
}

int ipc_comm_idup(ipc_comm comm, ipc_comm *newcomm, ipc_request *req)
{
    int rc = ipc__check_comm(comm);
    if (rc != IPC_SUCCESS)
        return rc;
    if (!newcomm || !req)
        return IPC_ERR_ARG;
    bool inter = ipc__comm_is_inter(comm);
    struct idup *d = calloc(1, sizeof *d);
    struct owned_comm *l, *c = d ? idup_new(comm, &l) : NULL;
    if (!c) {
        free(d);
        return IPC_ERR_NOMEM;
    }
    *d = (struct idup){.s = {.step = idup_step, .release = idup_release},
                       .c = c,
                       .l = l,
                       .via_group = inter ? comm->local->ctx_coll : comm->ctx_coll,
                       .via_inter = comm->ctx_coll,
                       .seq = comm->sched_seq,
                       .tag0 = IPC__TAG_IDUP + 64 * (int)(comm->sched_seq % 65536),
                       .dist = 1,
                       .val = {next_nb_ctx, 0}};
    comm->sched_seq++;
    ipc__list_push_back(&idups, &d->link);
    *newcomm = &c->comm; /* usable once req completes */
    struct ipc__req *r;
    if ((rc = ipc__sched_start(&d->s, &r)) != IPC_SUCCESS)
        *newcomm = IPC_COMM_NULL;
    else
        *req = ipc__req_handle(r);
    return rc;
}

/* c leaves the live list (its handle is no longer accepted); its memory
 * goes now, or with the last hold of a schedule still using it. */
static void retire(struct owned_comm *c)
{
    ipc__list_remove(&c->link);
    if (c->comm.holds)
        c->comm.freed = true;
    else
        free(c);
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
    if (c->comm.local)
        retire(ipc__container_of(c->comm.local, struct owned_comm, comm));
    retire(c);
    *comm = IPC_COMM_NULL;
    return IPC_SUCCESS;
}

void ipc__comm_hold(ipc_comm comm)
{
    comm->holds++;
    if (comm->local)
        comm->local->holds++;
}

static void drop_one(ipc_comm comm)
{
    if (--comm->holds == 0 && comm->freed)
        free(ipc__container_of(comm, struct owned_comm, comm));
}

void ipc__comm_drop(ipc_comm comm)
{
    /* The local group first: comm's memory may go with its last hold. */
    if (comm->local)
        drop_one(comm->local);
    drop_one(comm);
}
