/* basic_coll.c - every MPI collective at a small size, with MPI_IN_PLACE
 * where MPI allows it, MINLOC/MAXLOC, a user op, a vector datatype in a
 * collective, and groups with MPI_Comm_create. Prints "coll ok" on rank 0. */
#include <stdlib.h>
#include <string.h>

#include "basic_check.h"

/* Non-commutative: keeps the left operand, so the result is rank 0's. */
static void first(void *in, void *inout, int *len, MPI_Datatype *type)
{
    CHECK(*type == MPI_INT);
    memcpy(inout, in, (size_t)*len * sizeof(int));
}

int main(int argc, char **argv)
{
    int rank, size;
    MPI_Init(&argc, &argv);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int tri = size * (size - 1) / 2; /* sum of ranks */

    CHECK(MPI_Barrier(MPI_COMM_WORLD) == 0);
    int x = rank == size - 1 ? 42 : 0;
    MPI_Bcast(&x, 1, MPI_INT, size - 1, MPI_COMM_WORLD);
    CHECK(x == 42);

    int s = -1;
    MPI_Reduce(&rank, &s, 1, MPI_INT, MPI_SUM, 0, MPI_COMM_WORLD);
    CHECK(rank != 0 || s == tri);
    s = rank;
    MPI_Reduce(rank == 0 ? MPI_IN_PLACE : &s, &s, 1, MPI_INT, MPI_MAX, 0, MPI_COMM_WORLD);
    CHECK(rank != 0 || s == size - 1);
    short sh = (short)(rank + 1);
    MPI_Allreduce(MPI_IN_PLACE, &sh, 1, MPI_SHORT, MPI_PROD, MPI_COMM_WORLD);
    long fact = 1;
    for (int i = 2; i <= size; i++)
        fact *= i;
    CHECK(sh == fact);
    double dv[2] = {rank, 1.0}, dout[2];
    MPI_Allreduce(dv, dout, 2, MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD);
    CHECK(dout[0] == tri && dout[1] == size);
    unsigned char bits = (unsigned char)(1u << rank), all;
    MPI_Allreduce(&bits, &all, 1, MPI_BYTE, MPI_BOR, MPI_COMM_WORLD);
    CHECK(all == (1u << size) - 1);
    int t = 1, lor;
    MPI_Allreduce(&t, &lor, 1, MPI_INT, MPI_LXOR, MPI_COMM_WORLD);
    CHECK(lor == size % 2);

    /* MINLOC/MAXLOC: values 10 - rank with a tie at the minimum. */
    struct { double v; int i; } p = {rank == size - 1 && size > 1 ? 10 - (size - 2) : 10 - rank, rank}, q;
    MPI_Allreduce(&p, &q, 1, MPI_DOUBLE_INT, MPI_MINLOC, MPI_COMM_WORLD);
    CHECK(q.v == 10 - (size > 1 ? size - 2 : 0) && q.i == (size > 1 ? size - 2 : 0));
    struct { int v; int i; } pi = {rank % 2, rank}, qi;
    MPI_Allreduce(&pi, &qi, 1, MPI_2INT, MPI_MAXLOC, MPI_COMM_WORLD);
    CHECK(qi.v == (size > 1) && qi.i == (size > 1));

    int sc = rank + 1;
    MPI_Scan(MPI_IN_PLACE, &sc, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(sc == (rank + 1) * (rank + 2) / 2);
    long ex = -7, one = 1;
    MPI_Exscan(&one, &ex, 1, MPI_LONG, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rank == 0 || ex == rank);

    /* Reduce_scatter(_block): element i of rank r's input is r + i. */
    int *rin = malloc(sizeof(int) * (size_t)size * 2), rout[2], *counts = malloc(sizeof(int) * (size_t)size);
    for (int i = 0; i < 2 * size; i++)
        rin[i] = rank + i;
    MPI_Reduce_scatter_block(rin, rout, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rout[0] == tri + size * 2 * rank && rout[1] == tri + size * (2 * rank + 1));
    MPI_Reduce_scatter_block(MPI_IN_PLACE, rin, 2, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    CHECK(rin[0] == rout[0] && rin[1] == rout[1]);
    for (int i = 0; i < 2 * size; i++) {
        counts[i / 2] = i / 2 % 2 + 1;
        rin[i] = rank + i;
    }
    int offset = 0;
    for (int i = 0; i < rank; i++)
        offset += counts[i];
    MPI_Reduce_scatter(rin, rout, counts, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
    for (int k = 0; k < counts[rank]; k++)
        CHECK(rout[k] == tri + size * (offset + k));

    /* User op, non-commutative. */
    int u = rank + 5, ur;
    MPI_Op op;
    MPI_Op_create(first, 0, &op);
    MPI_Allreduce(&u, &ur, 1, MPI_INT, op, MPI_COMM_WORLD);
    CHECK(ur == 5);
    MPI_Op_free(&op);
    CHECK(op == MPI_OP_NULL);

    /* Gather, scatter, allgather, alltoall and their v-forms. */
    int *g = malloc(sizeof(int) * (size_t)size * 4), *h = malloc(sizeof(int) * (size_t)size * 4);
    int *cnt = malloc(sizeof(int) * (size_t)size), *dsp = malloc(sizeof(int) * (size_t)size);
    for (int i = 0; i < size; i++)
        g[i] = -1;
    g[rank] = rank * 3;
    MPI_Gather(rank == 1 % size ? MPI_IN_PLACE : &g[rank], 1, MPI_INT, g, 1, MPI_INT,
               1 % size, MPI_COMM_WORLD);
    for (int i = 0; rank == 1 % size && i < size; i++)
        CHECK(g[i] == i * 3);
    int mine = -1;
    MPI_Scatter(g, 1, MPI_INT, &mine, 1, MPI_INT, 1 % size, MPI_COMM_WORLD);
    CHECK(mine == rank * 3);
    for (int i = 0; i < size; i++)
        g[i] = i == rank ? rank + 100 : -1;
    MPI_Allgather(MPI_IN_PLACE, 0, MPI_DATATYPE_NULL, g, 1, MPI_INT, MPI_COMM_WORLD);
    for (int i = 0; i < size; i++)
        CHECK(g[i] == i + 100);
    for (int i = 0; i < size; i++)
        g[i] = rank * 10 + i;
    MPI_Alltoall(MPI_IN_PLACE, 1, MPI_INT, g, 1, MPI_INT, MPI_COMM_WORLD);
    for (int i = 0; i < size; i++)
        CHECK(g[i] == i * 10 + rank);
    /* v-forms: rank i contributes i+1 ints at displacement 4*i. */
    for (int i = 0; i < size; i++) {
        cnt[i] = i + 1 > 4 ? 4 : i + 1;
        dsp[i] = 4 * i;
    }
    int vin[4] = {rank, rank, rank, rank};
    for (int i = 0; i < 4 * size; i++)
        h[i] = -1;
    MPI_Gatherv(vin, cnt[rank], MPI_INT, h, cnt, dsp, MPI_INT, 0, MPI_COMM_WORLD);
    for (int i = 0; rank == 0 && i < size; i++)
        for (int k = 0; k < 4; k++)
            CHECK(h[4 * i + k] == (k < cnt[i] ? i : -1));
    int vout[4] = {-1, -1, -1, -1};
    MPI_Scatterv(h, cnt, dsp, MPI_INT, vout, cnt[rank], MPI_INT, 0, MPI_COMM_WORLD);
    for (int k = 0; k < 4; k++)
        CHECK(vout[k] == (k < cnt[rank] ? rank : -1));
    for (int i = 0; i < 4 * size; i++)
        h[i] = i / 4 == rank ? rank : -1;
    MPI_Allgatherv(MPI_IN_PLACE, 0, MPI_INT, h, cnt, dsp, MPI_INT, MPI_COMM_WORLD);
    for (int i = 0; i < size; i++)
        for (int k = 0; k < cnt[i]; k++)
            CHECK(h[4 * i + k] == i);
    /* alltoallv: one int to each rank, the receiver's counts are all 1. */
    int *ones = malloc(sizeof(int) * (size_t)size), *idx = malloc(sizeof(int) * (size_t)size);
    for (int i = 0; i < size; i++) {
        ones[i] = 1;
        idx[i] = size - 1 - i; /* reversed placement */
        g[size - 1 - i] = rank * 10 + i;
    }
    MPI_Alltoallv(g, ones, idx, MPI_INT, h, ones, idx, MPI_INT, MPI_COMM_WORLD);
    for (int i = 0; i < size; i++)
        CHECK(h[size - 1 - i] == i * 10 + rank);

    /* A vector type in a collective: bcast a column. */
    int mat[3][3] = {{0}};
    if (rank == 0)
        for (int i = 0; i < 3; i++)
            mat[i][1] = 7 + i;
    MPI_Datatype col;
    MPI_Type_vector(3, 1, 3, MPI_INT, &col);
    MPI_Type_commit(&col);
    MPI_Bcast(&mat[0][1], 1, col, 0, MPI_COMM_WORLD);
    CHECK(mat[0][1] == 7 && mat[2][1] == 9 && mat[0][0] == 0 && mat[1][2] == 0);
    MPI_Type_free(&col);

    /* Groups: the even ranks, reversed, as a communicator. */
    MPI_Group world, evens;
    MPI_Comm_group(MPI_COMM_WORLD, &world);
    int ne = (size + 1) / 2, *er = malloc(sizeof(int) * (size_t)ne);
    for (int i = 0; i < ne; i++)
        er[i] = 2 * (ne - 1 - i);
    MPI_Group_incl(world, ne, er, &evens);
    int gs, gr, tr;
    MPI_Group_size(evens, &gs);
    MPI_Group_rank(evens, &gr);
    CHECK(gs == ne && gr == (rank % 2 ? MPI_UNDEFINED : ne - 1 - rank / 2));
    MPI_Group_translate_ranks(evens, 1, &(int){0}, world, &tr);
    CHECK(tr == er[0]);
    MPI_Comm ec;
    MPI_Comm_create(MPI_COMM_WORLD, evens, &ec);
    if (rank % 2) {
        CHECK(ec == MPI_COMM_NULL);
    } else {
        int er_rank, esum;
        MPI_Comm_rank(ec, &er_rank);
        CHECK(er_rank == gr);
        MPI_Allreduce(&rank, &esum, 1, MPI_INT, MPI_SUM, ec);
        CHECK(esum == 2 * (ne * (ne - 1) / 2));
        MPI_Comm_free(&ec);
    }
    MPI_Group odds;
    MPI_Group_excl(world, ne, er, &odds);
    MPI_Group_size(odds, &gs);
    CHECK(gs == size - ne);
    MPI_Group_free(&odds);
    MPI_Group_free(&evens);
    MPI_Group_free(&world);
    MPI_Comm dup;
    int cmp;
    MPI_Comm_dup(MPI_COMM_WORLD, &dup);
    MPI_Comm_compare(MPI_COMM_WORLD, dup, &cmp);
    CHECK(cmp == MPI_CONGRUENT);
    MPI_Comm_free(&dup);

    free(rin), free(counts), free(g), free(h), free(cnt), free(dsp), free(ones), free(idx), free(er);
    if (rank == 0)
        printf("coll ok\n");
    MPI_Finalize();
    return 0;
}
