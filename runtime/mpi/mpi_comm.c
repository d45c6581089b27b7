/*
 * mpi_comm.c - MPI communicators and groups on libipc's communicators, and
 * the MPI layer's state of each communicator (struct ipc__mpi_comm).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mpi_internal.h"

/* ---- the MPI layer's state of a communicator ---- */

/* The name MPI_Comm_get_name gives before any MPI_Comm_set_name. */
static const char *default_name(MPI_Comm comm)
{
    return comm == MPI_COMM_WORLD  ? "MPI_COMM_WORLD"
           : comm == MPI_COMM_SELF ? "MPI_COMM_SELF"
                                   : "";
}

struct ipc__mpi_comm *ipc__mpi_comm_state(MPI_Comm comm)
{
    if (!comm->mpi && (comm->mpi = calloc(1, sizeof *comm->mpi)))
        strcpy(comm->mpi->name, default_name(comm));
    return comm->mpi;
}

int ipc__mpi_comm_made(MPI_Comm parent, MPI_Comm child, bool dup)
{
    if (child == MPI_COMM_NULL || !parent->mpi)
        return MPI_SUCCESS;
    struct ipc__mpi_comm *st = ipc__mpi_comm_state(child);
    if (!st)
        return MPI_ERR_NO_MEM;
    st->errh = parent->mpi->errh;
    ipc__mpi_errh_retain(st->errh);
    if (!dup)
        return MPI_SUCCESS;
    if (parent->mpi->topo && !(st->topo = ipc__mpi_topo_dup(parent->mpi->topo)))
        return MPI_ERR_NO_MEM;
    int rc = parent->mpi->hints ? ipc__mpi_info_copy(parent->mpi->hints, &st->hints)
                                : MPI_SUCCESS;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_comm_attrs_copy(parent, child);
    return rc;
}

void ipc__mpi_comm_release(MPI_Comm comm)
{
    ipc__mpi_comm_attrs_delete(comm);
    ipc__mpi_handle_forget(comm);
    if (comm->mpi) {
        if (strcmp(comm->mpi->name, default_name(comm)) != 0)
            ipc__obs_comm_named(comm->ctx_p2p, NULL);
        ipc__mpi_topo_free(comm->mpi->topo);
        ipc__mpi_errh_release(comm->mpi->errh);
        ipc__mpi_info_release(comm->mpi->hints);
    }
    free(comm->mpi);
    comm->mpi = NULL;
}

/* ---- communicators ---- */

int MPI_Comm_rank(MPI_Comm comm, int *rank)
{
    IPC__MPI_RET_IPC(comm, ipc_comm_rank(comm, rank));
}

int MPI_Comm_size(MPI_Comm comm, int *size)
{
    IPC__MPI_RET_IPC(comm, ipc_comm_size(comm, size));
}

int MPI_Comm_dup(MPI_Comm comm, MPI_Comm *newcomm)
{
    int rc = ipc__mpi_code(ipc_comm_dup(comm, newcomm));
    if (rc == MPI_SUCCESS && (rc = ipc__mpi_comm_made(comm, *newcomm, true))) {
        ipc__mpi_comm_release(*newcomm); /* a copy callback failed: no new communicator */
        ipc_comm_free(newcomm);
    }
    IPC__MPI_RET(comm, rc);
}

int MPI_Comm_split(MPI_Comm comm, int color, int key, MPI_Comm *newcomm)
{
    int rc = ipc__mpi_code(ipc_comm_split(comm, color, key, newcomm));
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_comm_made(comm, *newcomm, false);
    IPC__MPI_RET(comm, rc);
}

int MPI_Comm_dup_with_info(MPI_Comm comm, MPI_Info info, MPI_Comm *newcomm)
{
    (void)info; /* hints only: none is used */
    return MPI_Comm_dup(comm, newcomm);
}

/* libipc agrees on the new ids in the background (ipc_comm_idup); the
 * attributes, error handler and topology are copied now, as MPI_Comm_dup
 * would copy them (MPI-3.1 6.4.2). */
int MPI_Comm_idup(MPI_Comm comm, MPI_Comm *newcomm, MPI_Request *request)
{
    if (!request || !newcomm)
        IPC__MPI_RET(comm, MPI_ERR_ARG);
    ipc_request ir;
    int rc = ipc__mpi_code(ipc_comm_idup(comm, newcomm, &ir));
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_request_of(ir, request);
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_comm_made(comm, *newcomm, true);
    IPC__MPI_RET(comm, rc);
}

/* MPI_COMM_TYPE_SHARED: the ranks of one node (they share memory). */
int MPI_Comm_split_type(MPI_Comm comm, int split_type, int key, MPI_Info info,
                        MPI_Comm *newcomm)
{
    (void)info;
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && ipc__comm_is_inter(comm))
        rc = MPI_ERR_COMM;
    if (rc == MPI_SUCCESS && split_type != MPI_COMM_TYPE_SHARED &&
        split_type != MPI_UNDEFINED)
        rc = MPI_ERR_ARG;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    int color = split_type == MPI_UNDEFINED ? MPI_UNDEFINED : ipc__g.job.node;
    return MPI_Comm_split(comm, color, key, newcomm);
}

int MPI_Comm_set_name(MPI_Comm comm, const char *comm_name)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    struct ipc__mpi_comm *st = NULL;
    if (rc == MPI_SUCCESS && !comm_name)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS && !(st = ipc__mpi_comm_state(comm)))
        rc = MPI_ERR_NO_MEM;
    if (rc == MPI_SUCCESS) { /* longer names are cut (MPI-3.1 6.8) */
        snprintf(st->name, sizeof st->name, "%s", comm_name);
        ipc__obs_comm_named(comm->ctx_p2p, st->name); /* for ipcrun's reports */
    }
    IPC__MPI_RET(comm, rc);
}

int MPI_Comm_get_name(MPI_Comm comm, char *comm_name, int *resultlen)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && (!comm_name || !resultlen))
        rc = MPI_ERR_ARG;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    const char *name = comm->mpi ? comm->mpi->name : default_name(comm);
    *resultlen = snprintf(comm_name, MPI_MAX_OBJECT_NAME, "%s", name);
    return MPI_SUCCESS;
}

int MPI_Comm_free(MPI_Comm *comm)
{
    int rc = comm ? ipc__mpi_code(ipc__check_comm(*comm)) : MPI_ERR_ARG;
    if (rc == MPI_SUCCESS && (*comm == MPI_COMM_WORLD || *comm == MPI_COMM_SELF))
        rc = MPI_ERR_COMM;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(MPI_COMM_WORLD, rc);
    if (ipc__comm_is_inter(*comm))
        ipc__mpi_comm_release((*comm)->local);
    ipc__mpi_comm_release(*comm);
    IPC__MPI_RET_IPC(MPI_COMM_WORLD, ipc_comm_free(comm));
}

static int cmp_int(const void *a, const void *b)
{
    int x = *(const int *)a, y = *(const int *)b;
    return (x > y) - (x < y);
}

/* IDENT, CONGRUENT or SIMILAR from the world ranks of two groups. */
static int compare_members(const int *a, const int *b, int n)
{
    if (!memcmp(a, b, (size_t)n * sizeof *a))
        return MPI_CONGRUENT;
    int *sa = malloc(2 * (size_t)n * sizeof *sa);
    if (!sa)
        return MPI_UNEQUAL;
    int *sb = sa + n;
    memcpy(sa, a, (size_t)n * sizeof *a);
    memcpy(sb, b, (size_t)n * sizeof *b);
    qsort(sa, (size_t)n, sizeof *sa, cmp_int);
    qsort(sb, (size_t)n, sizeof *sb, cmp_int);
    int r = memcmp(sa, sb, (size_t)n * sizeof *sa) ? MPI_UNEQUAL : MPI_SIMILAR;
    free(sa);
    return r;
}

/* ---- groups: world ranks of the members, in order ---- */

struct ipc__mpi_group {
    int size;
    int rank; /* this rank's place, or MPI_UNDEFINED */
    int world[];
};

static struct ipc__mpi_group empty_group = {.size = 0, .rank = MPI_UNDEFINED};

static struct ipc__mpi_group *group_of(MPI_Group g)
{
    return g == MPI_GROUP_EMPTY ? &empty_group : g;
}

static MPI_Group group_new(int size)
{
    struct ipc__mpi_group *g = malloc(sizeof *g + (size_t)size * sizeof g->world[0]);
    if (g) {
        g->size = size;
        g->rank = MPI_UNDEFINED;
    }
    return g;
}

/* Finds this rank's place; an empty group becomes MPI_GROUP_EMPTY. */
static MPI_Group group_done(MPI_Group g)
{
    if (!g->size) {
        free(g);
        return MPI_GROUP_EMPTY;
    }
    for (int i = 0; i < g->size; i++)
        if (g->world[i] == ipc__g.job.rank)
            g->rank = i;
    return g;
}

/* A group of comm's members, or with remote of its remote group. */
static int group_from(MPI_Comm comm, bool remote, MPI_Group *group)
{
    int n = remote ? comm->peer_size : comm->size;
    MPI_Group g = group_new(n);
    if (!g)
        return MPI_ERR_NO_MEM;
    for (int i = 0; i < n; i++)
        g->world[i] = remote ? ipc__world_rank(comm, i) : ipc__member_world_rank(comm, i);
    *group = group_done(g);
    return MPI_SUCCESS;
}

static void group_drop(MPI_Group g)
{
    if (g && g != MPI_GROUP_EMPTY)
        free(g);
}

int ipc__mpi_comm_group(MPI_Comm comm, MPI_Group *group)
{
    return group_from(comm, false, group);
}

int MPI_Comm_group(MPI_Comm comm, MPI_Group *group)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !group)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = group_from(comm, false, group);
    IPC__MPI_RET(comm, rc);
}

int MPI_Comm_remote_group(MPI_Comm comm, MPI_Group *group)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !ipc__comm_is_inter(comm))
        rc = MPI_ERR_COMM;
    if (rc == MPI_SUCCESS && !group)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        rc = group_from(comm, true, group);
    IPC__MPI_RET(comm, rc);
}

int MPI_Comm_remote_size(MPI_Comm comm, int *size)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !ipc__comm_is_inter(comm))
        rc = MPI_ERR_COMM;
    if (rc == MPI_SUCCESS && !size)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        *size = comm->peer_size;
    IPC__MPI_RET(comm, rc);
}

int MPI_Comm_test_inter(MPI_Comm comm, int *flag)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !flag)
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS)
        *flag = ipc__comm_is_inter(comm);
    IPC__MPI_RET(comm, rc);
}

int MPI_Group_size(MPI_Group group, int *size)
{
    if (!group || !size)
        IPC__MPI_RET(MPI_COMM_WORLD, group ? MPI_ERR_ARG : MPI_ERR_GROUP);
    *size = group_of(group)->size;
    return MPI_SUCCESS;
}

int MPI_Group_rank(MPI_Group group, int *rank)
{
    if (!group || !rank)
        IPC__MPI_RET(MPI_COMM_WORLD, group ? MPI_ERR_ARG : MPI_ERR_GROUP);
    *rank = group_of(group)->rank;
    return MPI_SUCCESS;
}

/* Checks n distinct ranks of g; marks them in seen (g->size entries). */
static int check_ranks(const struct ipc__mpi_group *g, int n, const int ranks[],
                       char *seen)
{
    if (n < 0 || n > g->size || (n && !ranks))
        return MPI_ERR_ARG;
    for (int i = 0; i < n; i++) {
        if (ranks[i] < 0 || ranks[i] >= g->size || seen[ranks[i]])
            return MPI_ERR_RANK;
        seen[ranks[i]] = 1;
    }
    return MPI_SUCCESS;
}

static int group_select(MPI_Group group, int n, const int ranks[], bool include,
                        MPI_Group *newgroup)
{
    if (!group)
        return MPI_ERR_GROUP;
    if (!newgroup)
        return MPI_ERR_ARG;
    const struct ipc__mpi_group *g = group_of(group);
    char *seen = calloc((size_t)g->size + 1, 1);
    if (!seen)
        return MPI_ERR_NO_MEM;
    int rc = check_ranks(g, n, ranks, seen);
    MPI_Group ng = rc == MPI_SUCCESS ? group_new(include ? n : g->size - n) : NULL;
    if (rc == MPI_SUCCESS && !ng)
        rc = MPI_ERR_NO_MEM;
    if (rc == MPI_SUCCESS) {
        int k = 0;
        if (include)
            for (int i = 0; i < n; i++)
                ng->world[k++] = g->world[ranks[i]];
        else
            for (int i = 0; i < g->size; i++)
                if (!seen[i])
                    ng->world[k++] = g->world[i];
        *newgroup = group_done(ng);
    }
    free(seen);
    return rc;
}

int MPI_Group_incl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup)
{
    IPC__MPI_RET(MPI_COMM_WORLD, group_select(group, n, ranks, true, newgroup));
}

int MPI_Group_excl(MPI_Group group, int n, const int ranks[], MPI_Group *newgroup)
{
    IPC__MPI_RET(MPI_COMM_WORLD, group_select(group, n, ranks, false, newgroup));
}

/* Expands ranges of (first, last, stride) into ranks of g, at most g->size
 * of them (more must repeat one: MPI_ERR_RANK). */
static int expand_ranges(const struct ipc__mpi_group *g, int n, int ranges[][3],
                         int *ranks, int *count)
{
    if (n < 0 || (n && !ranges))
        return MPI_ERR_ARG;
    *count = 0;
    for (int i = 0; i < n; i++) {
        int first = ranges[i][0], last = ranges[i][1], stride = ranges[i][2];
        if (stride == 0)
            return MPI_ERR_ARG;
        if (first < 0 || first >= g->size || last < 0 || last >= g->size)
            return MPI_ERR_RANK;
        for (long r = first; stride > 0 ? r <= last : r >= last; r += stride) {
            if (*count == g->size)
                return MPI_ERR_RANK;
            ranks[(*count)++] = (int)r;
        }
    }
    return MPI_SUCCESS;
}

static int group_select_ranges(MPI_Group group, int n, int ranges[][3], bool include,
                               MPI_Group *newgroup)
{
    if (!group)
        return MPI_ERR_GROUP;
    if (!newgroup)
        return MPI_ERR_ARG;
    const struct ipc__mpi_group *g = group_of(group);
    int *ranks = malloc(((size_t)g->size + 1) * sizeof *ranks), count;
    if (!ranks)
        return MPI_ERR_NO_MEM;
    int rc = expand_ranges(g, n, ranges, ranks, &count);
    if (rc == MPI_SUCCESS)
        rc = group_select(group, count, ranks, include, newgroup);
    free(ranks);
    return rc;
}

int MPI_Group_range_incl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup)
{
    IPC__MPI_RET(MPI_COMM_WORLD, group_select_ranges(group, n, ranges, true, newgroup));
}

int MPI_Group_range_excl(MPI_Group group, int n, int ranges[][3], MPI_Group *newgroup)
{
    IPC__MPI_RET(MPI_COMM_WORLD, group_select_ranges(group, n, ranges, false, newgroup));
}

enum set_op { SET_UNION, SET_INTERSECTION, SET_DIFFERENCE };

/* MPI-3.1 6.3.2: union is a's members then b's not in a; intersection and
 * difference keep a's order. Membership by world rank, marked in a table of
 * the job's size. */
static int group_set_op(MPI_Group group1, MPI_Group group2, enum set_op op,
                        MPI_Group *newgroup)
{
    if (!group1 || !group2)
        return MPI_ERR_GROUP;
    if (!newgroup)
        return MPI_ERR_ARG;
    const struct ipc__mpi_group *a = group_of(group1), *b = group_of(group2);
    char *in_b = calloc((size_t)ipc__g.job.size, 1);
    MPI_Group ng = in_b ? group_new(a->size + b->size) : NULL;
    if (!ng) {
        free(in_b);
        return MPI_ERR_NO_MEM;
    }
    for (int i = 0; i < b->size; i++)
        in_b[b->world[i]] = 1;
    int k = 0;
    for (int i = 0; i < a->size; i++)
        if (op == SET_UNION || (op == SET_INTERSECTION) == (in_b[a->world[i]] != 0))
            ng->world[k++] = a->world[i];
    if (op == SET_UNION) {
        for (int i = 0; i < a->size; i++)
            in_b[a->world[i]] = 2; /* now: in a */
        for (int i = 0; i < b->size; i++)
            if (in_b[b->world[i]] != 2)
                ng->world[k++] = b->world[i];
    }
    ng->size = k;
    *newgroup = group_done(ng);
    free(in_b);
    return MPI_SUCCESS;
}

int MPI_Group_union(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    IPC__MPI_RET(MPI_COMM_WORLD, group_set_op(group1, group2, SET_UNION, newgroup));
}

int MPI_Group_intersection(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    IPC__MPI_RET(MPI_COMM_WORLD,
                 group_set_op(group1, group2, SET_INTERSECTION, newgroup));
}

int MPI_Group_difference(MPI_Group group1, MPI_Group group2, MPI_Group *newgroup)
{
    IPC__MPI_RET(MPI_COMM_WORLD, group_set_op(group1, group2, SET_DIFFERENCE, newgroup));
}

int MPI_Group_translate_ranks(MPI_Group group1, int n, const int ranks1[],
                              MPI_Group group2, int ranks2[])
{
    if (!group1 || !group2)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_GROUP);
    if (n < 0 || (n && (!ranks1 || !ranks2)))
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_ARG);
    const struct ipc__mpi_group *a = group_of(group1), *b = group_of(group2);
    for (int i = 0; i < n; i++) {
        if (ranks1[i] == MPI_PROC_NULL) {
            ranks2[i] = MPI_PROC_NULL;
            continue;
        }
        if (ranks1[i] < 0 || ranks1[i] >= a->size)
            IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_RANK);
        ranks2[i] = MPI_UNDEFINED;
        for (int j = 0; j < b->size; j++)
            if (b->world[j] == a->world[ranks1[i]])
                ranks2[i] = j;
    }
    return MPI_SUCCESS;
}

int MPI_Group_compare(MPI_Group group1, MPI_Group group2, int *result)
{
    if (!group1 || !group2 || !result)
        IPC__MPI_RET(MPI_COMM_WORLD, result ? MPI_ERR_GROUP : MPI_ERR_ARG);
    const struct ipc__mpi_group *a = group_of(group1), *b = group_of(group2);
    if (a->size != b->size)
        *result = MPI_UNEQUAL;
    else if (compare_members(a->world, b->world, a->size) == MPI_CONGRUENT)
        *result = MPI_IDENT;
    else
        *result = compare_members(a->world, b->world, a->size);
    return MPI_SUCCESS;
}

int MPI_Group_free(MPI_Group *group)
{
    if (!group || !*group)
        IPC__MPI_RET(MPI_COMM_WORLD, MPI_ERR_GROUP);
    if (*group != MPI_GROUP_EMPTY)
        free(*group);
    *group = MPI_GROUP_NULL;
    return MPI_SUCCESS;
}

/* CONGRUENT, SIMILAR or UNEQUAL: the local (remote: remote) groups of a
 * and b. */
static int compare_sides(MPI_Comm a, MPI_Comm b, bool remote, int *result)
{
    MPI_Group ga = NULL, gb = NULL;
    int rc = group_from(a, remote, &ga);
    if (rc == MPI_SUCCESS)
        rc = group_from(b, remote, &gb);
    if (rc == MPI_SUCCESS) {
        MPI_Group_compare(ga, gb, result);
        if (*result == MPI_IDENT)
            *result = MPI_CONGRUENT;
    }
    group_drop(ga);
    group_drop(gb);
    return rc;
}

/* Two intercommunicators compare as the weaker of their local and their
 * remote groups' results; an intra- and an intercommunicator are unequal. */
int MPI_Comm_compare(MPI_Comm comm1, MPI_Comm comm2, int *result)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm1));
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(ipc__check_comm(comm2));
    if (rc == MPI_SUCCESS && !result)
        rc = MPI_ERR_ARG;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm1, rc);
    int remote = MPI_CONGRUENT;
    if (comm1 == comm2)
        *result = MPI_IDENT;
    else if (ipc__comm_is_inter(comm1) != ipc__comm_is_inter(comm2))
        *result = MPI_UNEQUAL;
    else if ((rc = compare_sides(comm1, comm2, false, result)) == MPI_SUCCESS &&
             ipc__comm_is_inter(comm1))
        rc = compare_sides(comm1, comm2, true, &remote);
    if (rc == MPI_SUCCESS && comm1 != comm2 && remote > *result)
        *result = remote;
    IPC__MPI_RET(comm1, rc);
}

/* comm's rank of world rank w, or MPI_UNDEFINED. */
static int rank_in_comm(MPI_Comm comm, int w)
{
    for (int i = 0; i < comm->size; i++)
        if (ipc__member_world_rank(comm, i) == w)
            return i;
    return MPI_UNDEFINED;
}

int ipc__mpi_group_ranks(MPI_Group group, MPI_Comm comm, int **ranks, int *n)
{
    if (!group)
        return MPI_ERR_GROUP;
    const struct ipc__mpi_group *g = group_of(group);
    *ranks = NULL;
    *n = g->size;
    if (!g->size)
        return MPI_SUCCESS;
    if (!(*ranks = malloc((size_t)g->size * sizeof **ranks)))
        return MPI_ERR_NO_MEM;
    for (int i = 0; i < g->size; i++) {
        if (((*ranks)[i] = rank_in_comm(comm, g->world[i])) == MPI_UNDEFINED) {
            free(*ranks);
            *ranks = NULL;
            return MPI_ERR_RANK;
        }
    }
    return MPI_SUCCESS;
}

/* Collective over comm: each process passes the group it belongs to (MPI-2.2:
 * different processes may pass disjoint groups) and the members of each group
 * get a communicator ordered as that group, the others MPI_COMM_NULL. A split
 * whose colour is comm's rank of the group's first member: disjoint groups
 * have different first members, equal groups the same. On an
 * intercommunicator (MPI-2.2) each side's group is a subgroup of its own
 * side, one per side: colour 0 for the members on both sides, and
 * MPI_COMM_NULL when either side's group is empty. */
int MPI_Comm_create(MPI_Comm comm, MPI_Group group, MPI_Comm *newcomm)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && !group)
        rc = MPI_ERR_GROUP;
    if (rc == MPI_SUCCESS && !newcomm)
        rc = MPI_ERR_ARG;
    const struct ipc__mpi_group *g = rc == MPI_SUCCESS ? group_of(group) : NULL;
    for (int i = 0; rc == MPI_SUCCESS && i < g->size; i++)
        if (rank_in_comm(comm, g->world[i]) == MPI_UNDEFINED)
            rc = MPI_ERR_GROUP; /* not a subgroup of comm's group */
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    int color = g->rank == MPI_UNDEFINED   ? MPI_UNDEFINED
                : ipc__comm_is_inter(comm) ? 0
                                           : rank_in_comm(comm, g->world[0]);
    return MPI_Comm_split(comm, color, g->rank, newcomm);
}

/* Called by the members of group only (a subset of comm): they agree among
 * themselves, on tag, and get a communicator ordered as the group. */
int MPI_Comm_create_group(MPI_Comm comm, MPI_Group group, int tag, MPI_Comm *newcomm)
{
    int rc = ipc__mpi_code(ipc__check_comm(comm));
    if (rc == MPI_SUCCESS && (!group || !newcomm))
        rc = MPI_ERR_ARG;
    if (rc == MPI_SUCCESS && (tag < 0 || tag > IPC_TAG_UB))
        rc = MPI_ERR_TAG;
    if (rc == MPI_SUCCESS && ipc__comm_is_inter(comm))
        rc = MPI_ERR_COMM;
    if (rc != MPI_SUCCESS)
        IPC__MPI_RET(comm, rc);
    const struct ipc__mpi_group *g = group_of(group);
    if (g->rank == MPI_UNDEFINED) { /* not a member: nothing to agree on */
        *newcomm = MPI_COMM_NULL;
        return MPI_SUCCESS;
    }
    rc = ipc__mpi_code(ipc__comm_create_group(g->world, g->size, g->rank, tag, newcomm));
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_comm_made(comm, *newcomm, false);
    IPC__MPI_RET(comm, rc);
}

/* ---- intercommunicators ---- */

int MPI_Intercomm_create(MPI_Comm local_comm, int local_leader, MPI_Comm peer_comm,
                         int remote_leader, int tag, MPI_Comm *newintercomm)
{
    int rc = ipc__mpi_code(ipc__check_comm(local_comm));
    if (rc == MPI_SUCCESS && (tag < 0 || tag > IPC_TAG_UB))
        rc = MPI_ERR_TAG;
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_code(ipc__intercomm_create(local_comm, local_leader, peer_comm,
                                                 remote_leader, tag, newintercomm));
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_comm_made(local_comm, *newintercomm, false);
    IPC__MPI_RET(local_comm, rc);
}

int MPI_Intercomm_merge(MPI_Comm intercomm, int high, MPI_Comm *newintracomm)
{
    int rc = ipc__mpi_code(ipc__intercomm_merge(intercomm, high != 0, newintracomm));
    if (rc == MPI_SUCCESS)
        rc = ipc__mpi_comm_made(intercomm, *newintracomm, false);
    IPC__MPI_RET(intercomm, rc);
}
