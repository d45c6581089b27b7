/* icoll_free.c - a communicator freed while nonblocking collectives on it
 * are under way: MPI_Comm_free only marks it for deallocation, and the
 * pending operations complete normally (MPI-3.1 6.4.3). Collectives of
 * several kinds (several rounds, a split whose members are every other
 * world rank, a datatype freed as well) are started, their communicator
 * is freed, new communicators are made (which may take the freed memory)
 * and used, and only then are the requests completed; every result is
 * checked. */
#include "mpicheck.h"

static int rank, size;

/* The pending collectives of one round, and what they must give. */
struct pending {
    MPI_Request r[5];
    int sum, max[3], bc[6], ag[64], a2a[64];
};

/* Starts five collectives on c, where this rank is crank. */
static void start(MPI_Comm c, int crank, MPI_Datatype every_other, struct pending *p)
{
    static int one = 1, mine[3], give[64];
    for (int i = 0; i < 3; i++)
        mine[i] = rank * 10 + i;
    for (int i = 0; i < 64; i++)
        give[i] = 1000 * rank + i;
    for (int i = 0; i < 6; i++)
        p->bc[i] = crank == 0 ? 500 + i : -1;
    MPI_Iallreduce(&one, &p->sum, 1, MPI_INT, MPI_SUM, c, &p->r[0]);
    MPI_Iallreduce(mine, p->max, 3, MPI_INT, MPI_MAX, c, &p->r[1]);
    MPI_Ibcast(p->bc, 2, every_other, 0, c, &p->r[2]);
    MPI_Iallgather(&rank, 1, MPI_INT, p->ag, 1, MPI_INT, c, &p->r[3]);
    MPI_Ialltoall(give, 2, MPI_INT, p->a2a, 2, MPI_INT, c, &p->r[4]);
}

/* Completes p and checks it; member i of the communicator is world rank
 * wr[i]. */
static void finish(struct pending *p, int crank, int csize, const int *wr)
{
    MPI_Waitall(5, p->r, MPI_STATUSES_IGNORE);
    CHECK_INT(p->sum, csize, "sum of ones");
    for (int i = 0; i < 3; i++)
        CHECK_INT(p->max[i], wr[csize - 1] * 10 + i, "max");
    /* 2 vectors of 2 blocks at stride 2 (extent 3): elements 0, 2, 3, 5. */
    for (int i = 0; i < 6; i++) {
        int sent = i == 0 || i == 2 || i == 3 || i == 5;
        CHECK_INT(p->bc[i], sent || crank == 0 ? 500 + i : -1, "bcast element");
    }
    for (int i = 0; i < csize; i++) {
        CHECK_INT(p->ag[i], wr[i], "allgather block");
        for (int k = 0; k < 2; k++)
            CHECK_INT(p->a2a[2 * i + k], 1000 * wr[i] + 2 * crank + k, "alltoall element");
    }
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("icoll_free", &rank, &size);
    int *wr = malloc((size_t)size * sizeof *wr);
    CHECK(wr != NULL, "out of memory");
    for (int round = 0; round < 4; round++) {
        /* Odd rounds: a split by parity; even rounds: the whole world. */
        int color = round % 2 ? rank % 2 : 0;
        MPI_Comm c, other;
        MPI_Comm_split(MPI_COMM_WORLD, color, rank, &c);
        int crank, csize;
        MPI_Comm_rank(c, &crank);
        MPI_Comm_size(c, &csize);
        for (int r = 0, n = 0; r < size; r++)
            if (round % 2 == 0 || r % 2 == color)
                wr[n++] = r;
        MPI_Datatype every_other;
        MPI_Type_vector(2, 1, 2, MPI_INT, &every_other);
        MPI_Type_commit(&every_other);

        struct pending p;
        start(c, crank, every_other, &p);
        MPI_Type_free(&every_other);
        MPI_Comm_free(&c);
        CHECK(c == MPI_COMM_NULL, "MPI_Comm_free leaves MPI_COMM_NULL");

        /* New communicators, used while the freed one's collectives are
         * still pending. */
        MPI_Comm_dup(MPI_COMM_WORLD, &other);
        MPI_Comm c2;
        MPI_Comm_split(other, rank % 3, rank, &c2);
        int s = -1, v = rank;
        MPI_Allreduce(&v, &s, 1, MPI_INT, MPI_MAX, other);
        CHECK_INT(s, size - 1, "allreduce on a new communicator");
        finish(&p, crank, csize, wr);
        MPI_Comm_free(&c2);
        MPI_Comm_free(&other);
    }
    free(wr);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
