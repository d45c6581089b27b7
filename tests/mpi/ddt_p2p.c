/* ddt_p2p.c - derived datatypes across ranks: sent with one type, received
 * with another of the same type signature; MPI_Get_count and
 * MPI_Get_elements of a partial receive; truncation; a type freed while a
 * nonblocking receive and send still use it (other types made meanwhile);
 * nonblocking exchanges of struct types; an uncommitted type is
 * MPI_ERR_TYPE; a struct type in MPI_Bcast and MPI_Gather, and MPI_MAXLOC
 * on MPI_DOUBLE_INT in MPI_Allreduce. */
#include <stddef.h>

#include "mpicheck.h"

enum { N = 6 };

static int rank, size, left, right;

/* A column of an NxN int matrix out, an anti-ordered index list in. */
static void other_signature(void)
{
    int m[N][N], in[2 * N];
    MPI_Datatype col, scattered;
    for (int r = 0; r < N; r++)
        for (int c = 0; c < N; c++)
            m[r][c] = rank * 100 + r * N + c;
    MPI_Type_vector(N, 1, N, MPI_INT, &col);
    MPI_Type_commit(&col);
    int displs[N];
    for (int i = 0; i < N; i++)
        displs[i] = 2 * (N - 1 - i); /* element i lands at 2*(N-1-i) */
    MPI_Type_create_indexed_block(N, 1, displs, MPI_INT, &scattered);
    MPI_Type_commit(&scattered);
    for (int i = 0; i < 2 * N; i++)
        in[i] = -1;
    MPI_Sendrecv(&m[0][1], 1, col, right, 1, in, 1, scattered, left, 1, MPI_COMM_WORLD,
                 MPI_STATUS_IGNORE);
    for (int i = 0; i < 2 * N; i++)
        CHECK_INT(in[i], i % 2 ? -1 : left * 100 + (N - 1 - i / 2) * N + 1,
                  "column received into an index list");
    MPI_Type_free(&col);
    MPI_Type_free(&scattered);
}

struct di {
    double d;
    int i;
};

static MPI_Datatype di_type(void)
{
    MPI_Datatype t, r;
    MPI_Type_create_struct(2, (int[]){1, 1},
                           (MPI_Aint[]){offsetof(struct di, d), offsetof(struct di, i)},
                           (MPI_Datatype[]){MPI_DOUBLE, MPI_INT}, &t);
    MPI_Type_create_resized(t, 0, sizeof(struct di), &r);
    MPI_Type_free(&t);
    MPI_Type_commit(&r);
    return r;
}

/* 2 pairs and a lone double arrive in a receive of 4 pairs. */
static void partial(void)
{
    MPI_Datatype di = di_type(), triple;
    struct di out[3] = {{1.5, 1}, {2.5, 2}, {3.5, 3}}, in[4];
    MPI_Status st;
    int count;
    MPI_Count big;
    /* Sent as double, int, double, int, double. */
    MPI_Type_create_struct(3, (int[]){1, 1, 1},
                           (MPI_Aint[]){0, sizeof(struct di), 2 * sizeof(struct di)},
                           (MPI_Datatype[]){di, di, MPI_DOUBLE}, &triple);
    MPI_Type_commit(&triple);
    MPI_Sendrecv(out, 1, triple, right, 2, in, 4, di, left, 2, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, di, &count);
    CHECK_INT(count, MPI_UNDEFINED, "MPI_Get_count of 2.5 pairs");
    MPI_Get_elements(&st, di, &count);
    CHECK_INT(count, 5, "MPI_Get_elements of 2.5 pairs");
    MPI_Get_elements_x(&st, di, &big);
    CHECK_INT(big, 5, "MPI_Get_elements_x of 2.5 pairs");
    MPI_Get_count(&st, MPI_BYTE, &count);
    CHECK_INT(count, 2 * 12 + 8, "bytes of 2.5 pairs");
    for (int k = 0; k < 2; k++) {
        CHECK_DBL(in[k].d, out[k].d, "pair's double");
        CHECK_INT(in[k].i, out[k].i, "pair's int");
    }
    CHECK_DBL(in[2].d, 3.5, "the lone double");

    /* 7 ints into triples of ints: 2 whole, 1 partial. */
    int ints[9], got[9];
    MPI_Datatype three;
    MPI_Type_free(&triple);
    MPI_Type_contiguous(3, MPI_INT, &three);
    MPI_Type_commit(&three);
    for (int i = 0; i < 9; i++)
        ints[i] = rank * 10 + i;
    MPI_Sendrecv(ints, 7, MPI_INT, right, 3, got, 3, three, left, 3, MPI_COMM_WORLD, &st);
    MPI_Get_count(&st, three, &count);
    CHECK_INT(count, MPI_UNDEFINED, "MPI_Get_count of 7 ints in triples");
    MPI_Get_elements(&st, three, &count);
    CHECK_INT(count, 7, "MPI_Get_elements of 7 ints in triples");
    for (int i = 0; i < 7; i++)
        CHECK_INT(got[i], left * 10 + i, "int received into triples");

    /* More data than the receive holds. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Request req;
    int cls;
    MPI_Isend(ints, 9, MPI_INT, right, 4, MPI_COMM_WORLD, &req);
    int rc = MPI_Recv(got, 2, three, left, 4, MPI_COMM_WORLD, &st);
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_TRUNCATE, "error class of a truncated receive");
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Type_free(&three);
    MPI_Type_free(&di);
}

/* The receive's type is freed and other types made (taking its handle's
 * place) before the data arrives; the send's type is freed at once. */
static void freed_while_pending(void)
{
    double m[N][N], col[N];
    MPI_Datatype vec, others[4];
    MPI_Request rreq, sreq;
    for (int r = 0; r < N; r++) {
        col[r] = rank * 10 + r;
        for (int c = 0; c < N; c++)
            m[r][c] = -1;
    }
    MPI_Type_vector(N, 1, N, MPI_DOUBLE, &vec);
    MPI_Type_commit(&vec);
    MPI_Irecv(&m[0][2], 1, vec, left, 5, MPI_COMM_WORLD, &rreq);
    MPI_Type_free(&vec);
    for (int k = 0; k < 4; k++) {
        MPI_Type_vector(2, 2, 3, MPI_CHAR, &others[k]);
        MPI_Type_commit(&others[k]);
    }
    MPI_Barrier(MPI_COMM_WORLD); /* the receive is posted everywhere */
    MPI_Type_vector(N, 1, 1, MPI_DOUBLE, &vec);
    MPI_Type_commit(&vec);
    MPI_Isend(col, 1, vec, right, 5, MPI_COMM_WORLD, &sreq);
    MPI_Type_free(&vec);
    MPI_Type_vector(3, 1, 2, MPI_SHORT, &vec); /* takes the freed handle's place */
    MPI_Wait(&rreq, MPI_STATUS_IGNORE);
    MPI_Wait(&sreq, MPI_STATUS_IGNORE);
    for (int r = 0; r < N; r++)
        for (int c = 0; c < N; c++)
            CHECK_DBL(m[r][c], c == 2 ? left * 10 + r : -1,
                      "matrix after a receive whose type was freed");
    MPI_Type_free(&vec);
    for (int k = 0; k < 4; k++)
        MPI_Type_free(&others[k]);
}

struct rec {
    char tag;
    double v[2];
    int id;
};

static MPI_Datatype rec_type(void)
{
    MPI_Datatype t;
    MPI_Type_create_struct(3, (int[]){1, 2, 1},
                           (MPI_Aint[]){offsetof(struct rec, tag),
                                        offsetof(struct rec, v),
                                        offsetof(struct rec, id)},
                           (MPI_Datatype[]){MPI_CHAR, MPI_DOUBLE, MPI_INT}, &t);
    MPI_Type_commit(&t);
    return t;
}

static struct rec rec_of(int who, int k)
{
    return (struct rec){(char)('A' + who), {who + k * 0.5, -k}, who * 100 + k};
}

static void check_rec(const struct rec *r, int who, int k, const char *what)
{
    struct rec w = rec_of(who, k);
    CHECK(r->tag == w.tag && r->v[0] == w.v[0] && r->v[1] == w.v[1] && r->id == w.id,
          "%s: record %d from rank %d is {%c %g %g %d}", what, k, who, r->tag, r->v[0],
          r->v[1], r->id);
}

static void nonblocking(void)
{
    MPI_Datatype rt = rec_type();
    struct rec out[5], in_l[5], in_r[5];
    MPI_Request reqs[4];
    for (int k = 0; k < 5; k++)
        out[k] = rec_of(rank, k);
    MPI_Irecv(in_l, 5, rt, left, 6, MPI_COMM_WORLD, &reqs[0]);
    MPI_Irecv(in_r, 5, rt, right, 7, MPI_COMM_WORLD, &reqs[1]);
    MPI_Isend(out, 5, rt, right, 6, MPI_COMM_WORLD, &reqs[2]);
    MPI_Isend(out, 5, rt, left, 7, MPI_COMM_WORLD, &reqs[3]);
    MPI_Waitall(4, reqs, MPI_STATUSES_IGNORE);
    for (int k = 0; k < 5; k++) {
        check_rec(&in_l[k], left, k, "nonblocking from the left");
        check_rec(&in_r[k], right, k, "nonblocking from the right");
    }
    MPI_Type_free(&rt);
}

static void uncommitted(void)
{
    MPI_Datatype t;
    int x[4] = {0};
    MPI_Type_vector(2, 1, 2, MPI_INT, &t);
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    int cls, rc = MPI_Send(x, 1, t, right, 8, MPI_COMM_WORLD);
    MPI_Error_class(rc, &cls);
    CHECK_INT(cls, MPI_ERR_TYPE, "error class of a send with an uncommitted type");
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
    MPI_Type_free(&t);
}

static void collectives(void)
{
    MPI_Datatype rt = rec_type();
    struct rec recs[3], *all = malloc((size_t)size * sizeof *all);
    int root = size - 1;
    for (int k = 0; k < 3; k++)
        recs[k] = rank == root ? rec_of(root, k) : (struct rec){0};
    MPI_Bcast(recs, 3, rt, root, MPI_COMM_WORLD);
    for (int k = 0; k < 3; k++)
        check_rec(&recs[k], root, k, "MPI_Bcast");
    recs[0] = rec_of(rank, 9);
    MPI_Gather(recs, 1, rt, all, 1, rt, 0, MPI_COMM_WORLD);
    for (int r = 0; rank == 0 && r < size; r++)
        check_rec(&all[r], r, 9, "MPI_Gather");
    free(all);
    MPI_Type_free(&rt);

    /* MAXLOC and MINLOC: the value and the lowest rank holding it. */
    struct di v[3], mx[3], mn[3];
    v[0] = (struct di){(double)(rank % 2), rank};  /* ties: lowest index wins */
    v[1] = (struct di){(double)rank * 1.5, rank};  /* largest at the last rank */
    v[2] = (struct di){-(double)rank, 100 + rank}; /* smallest at the last rank */
    MPI_Allreduce(v, mx, 3, MPI_DOUBLE_INT, MPI_MAXLOC, MPI_COMM_WORLD);
    MPI_Allreduce(v, mn, 3, MPI_DOUBLE_INT, MPI_MINLOC, MPI_COMM_WORLD);
    CHECK_DBL(mx[0].d, size > 1 ? 1 : 0, "MAXLOC value with ties");
    CHECK_INT(mx[0].i, size > 1 ? 1 : 0, "MAXLOC index with ties");
    CHECK_DBL(mn[0].d, 0, "MINLOC value with ties");
    CHECK_INT(mn[0].i, 0, "MINLOC index with ties");
    CHECK_DBL(mx[1].d, (size - 1) * 1.5, "MAXLOC value");
    CHECK_INT(mx[1].i, size - 1, "MAXLOC index");
    CHECK_DBL(mn[2].d, -(size - 1), "MINLOC value");
    CHECK_INT(mn[2].i, 100 + size - 1, "MINLOC index");
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("ddt_p2p", &rank, &size);
    left = (rank + size - 1) % size;
    right = (rank + 1) % size;
    other_signature();
    partial();
    freed_while_pending();
    nonblocking();
    uncommitted();
    collectives();
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
