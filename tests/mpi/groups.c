/* groups.c - communicators and groups: MPI_Comm_split (with MPI_UNDEFINED),
 * MPI_Comm_group, MPI_Group_incl/excl/rank/size/translate_ranks/compare/free,
 * MPI_Comm_create, MPI_Comm_create_group, MPI_Comm_compare, MPI_Comm_dup and
 * MPI_Comm_free; each new communicator is used for an MPI_Allreduce. */
#include "mpicheck.h"

static int rank, size;

static int sum_of_world_ranks(MPI_Comm comm)
{
    int sum = -1;
    MPI_Allreduce(&rank, &sum, 1, MPI_INT, MPI_SUM, comm);
    return sum;
}

/* Ranks of one parity, in reverse order of world rank. */
static void test_split(void)
{
    MPI_Comm half;
    int hrank, hsize, want_size = (size + 1 - rank % 2) / 2, want_sum = 0;
    MPI_Comm_split(MPI_COMM_WORLD, rank % 2, -rank, &half);
    MPI_Comm_rank(half, &hrank);
    MPI_Comm_size(half, &hsize);
    CHECK_INT(hsize, want_size, "size of the split communicator");
    CHECK_INT(hrank, want_size - 1 - rank / 2, "rank in the split communicator");
    for (int r = rank % 2; r < size; r += 2)
        want_sum += r;
    CHECK_INT(sum_of_world_ranks(half), want_sum, "sum over the split communicator");
    MPI_Comm_free(&half);
    CHECK(half == MPI_COMM_NULL, "MPI_Comm_free did not set MPI_COMM_NULL");

    MPI_Comm rest;
    MPI_Comm_split(MPI_COMM_WORLD, rank == 0 ? MPI_UNDEFINED : 1, rank, &rest);
    if (rank == 0) {
        CHECK(rest == MPI_COMM_NULL, "MPI_UNDEFINED color gave a communicator");
        return;
    }
    CHECK_INT(sum_of_world_ranks(rest), size * (size - 1) / 2, "sum without rank 0");
    MPI_Comm_free(&rest);
}

static void test_groups(void)
{
    MPI_Group world, even, odd;
    int n, r, neven = (size + 1) / 2, ranks[128], out[128];

    MPI_Comm_group(MPI_COMM_WORLD, &world);
    MPI_Group_size(world, &n);
    MPI_Group_rank(world, &r);
    CHECK_INT(n, size, "MPI_Group_size of world");
    CHECK_INT(r, rank, "MPI_Group_rank in world");

    for (int i = 0; i < neven; i++)
        ranks[i] = 2 * i;
    MPI_Group_incl(world, neven, ranks, &even);
    MPI_Group_excl(world, neven, ranks, &odd);
    MPI_Group_size(even, &n);
    CHECK_INT(n, neven, "size of the even group");
    MPI_Group_size(odd, &n);
    CHECK_INT(n, size - neven, "size of the odd group");
    MPI_Group_rank(even, &r);
    CHECK_INT(r, rank % 2 ? MPI_UNDEFINED : rank / 2, "rank in the even group");
    MPI_Group_rank(odd, &r);
    CHECK_INT(r, rank % 2 ? rank / 2 : MPI_UNDEFINED, "rank in the odd group");

    for (int i = 0; i < neven; i++)
        ranks[i] = i;
    MPI_Group_translate_ranks(even, neven, ranks, world, out);
    for (int i = 0; i < neven; i++)
        CHECK_INT(out[i], 2 * i, "even group rank translated to world");
    int cmp;
    MPI_Group_compare(world, world, &cmp);
    CHECK_INT(cmp, MPI_IDENT, "MPI_Group_compare of world with itself");

    /* Collective over world: odd ranks get MPI_COMM_NULL. */
    MPI_Comm evencomm, oddcomm;
    MPI_Comm_create(MPI_COMM_WORLD, even, &evencomm);
    if (rank % 2) {
        CHECK(evencomm == MPI_COMM_NULL, "odd rank got an even communicator");
    } else {
        CHECK_INT(sum_of_world_ranks(evencomm), (neven - 1) * neven, "even sum");
        MPI_Comm_compare(evencomm, MPI_COMM_WORLD, &cmp);
        CHECK_INT(cmp, size == 1 ? MPI_CONGRUENT : MPI_UNEQUAL, "even vs world");
        MPI_Comm_free(&evencomm);
    }
    /* Collective over the odd ranks only. */
    if (rank % 2) {
        MPI_Comm_create_group(MPI_COMM_WORLD, odd, 5, &oddcomm);
        int nodd = size - neven;
        CHECK_INT(sum_of_world_ranks(oddcomm), nodd * nodd, "odd sum");
        MPI_Comm_free(&oddcomm);
    }
    MPI_Group_free(&even);
    MPI_Group_free(&odd);
    MPI_Group_free(&world);
    CHECK(world == MPI_GROUP_NULL, "MPI_Group_free did not set MPI_GROUP_NULL");
}

static void test_compare_dup(void)
{
    MPI_Comm dup, same, reversed;
    int cmp;
    MPI_Comm_compare(MPI_COMM_WORLD, MPI_COMM_WORLD, &cmp);
    CHECK_INT(cmp, MPI_IDENT, "world vs world");
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Comm_compare(dup, MPI_COMM_WORLD, &cmp);
    CHECK_INT(cmp, MPI_CONGRUENT, "dup vs world");
    MPI_Comm_split(MPI_COMM_WORLD, 0, rank, &same);
    MPI_Comm_compare(same, MPI_COMM_WORLD, &cmp);
    CHECK_INT(cmp, MPI_CONGRUENT, "split(0, rank) vs world");
    MPI_Comm_split(MPI_COMM_WORLD, 0, -rank, &reversed);
    MPI_Comm_compare(reversed, MPI_COMM_WORLD, &cmp);
    CHECK_INT(cmp, size == 1 ? MPI_CONGRUENT : MPI_SIMILAR, "reversed vs world");

    /* A message on the duplicate is not seen on world, and the other way
     * round, even with the same source and tag. */
    int right = (rank + 1) % size, left = (rank + size - 1) % size;
    int a = 1, b = 2, got_dup = 0, got_world = 0;
    MPI_Request req[2];
    MPI_Isend(&a, 1, MPI_INT, right, 0, MPI_COMM_WORLD, &req[0]);
    MPI_Isend(&b, 1, MPI_INT, right, 0, dup, &req[1]);
    MPI_Recv(&got_dup, 1, MPI_INT, left, 0, dup, MPI_STATUS_IGNORE);
    MPI_Recv(&got_world, 1, MPI_INT, left, 0, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
    MPI_Waitall(2, req, MPI_STATUSES_IGNORE);
    CHECK_INT(got_dup, 2, "message received on the duplicate");
    CHECK_INT(got_world, 1, "message received on world");

    MPI_Comm_free(&dup);
    MPI_Comm_free(&same);
    MPI_Comm_free(&reversed);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("groups", &rank, &size);
    CHECK(size <= 128, "at most 128 ranks");
    test_split();
    test_groups();
    test_compare_dup();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
