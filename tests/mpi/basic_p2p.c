/* basic_p2p.c - MPI point-to-point: status fields, MPI_Get_count, wildcards,
 * nonblocking completion calls, Bsend, Sendrecv_replace and a vector
 * datatype round trip. Prints "p2p ok" on rank 0. */
#include <stdlib.h>
#include <string.h>
#include <sys/ipc.h> /* mpi.h must live with it */

#include "basic_check.h"

int main(int argc, char **argv)
{
    int rank, size, provided;
    CHECK(MPI_Init_thread(&argc, &argv, MPI_THREAD_MULTIPLE, &provided) == MPI_SUCCESS);
    CHECK(provided == MPI_THREAD_FUNNELED);
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    int right = (rank + 1) % size, left = (rank + size - 1) % size;

    /* Ring with status and count. */
    int out[5] = {rank, rank + 1, rank + 2, rank + 3, rank + 4}, in[8];
    MPI_Status st;
    MPI_Request rq;
    CHECK(MPI_Irecv(in, 8, MPI_INT, MPI_ANY_SOURCE, 7, MPI_COMM_WORLD, &rq) == 0);
    CHECK(MPI_Send(out, 5, MPI_INT, right, 7, MPI_COMM_WORLD) == 0);
    CHECK(MPI_Wait(&rq, &st) == 0 && rq == MPI_REQUEST_NULL);
    int n;
    CHECK(st.MPI_SOURCE == left && st.MPI_TAG == 7);
    CHECK(MPI_Get_count(&st, MPI_INT, &n) == 0 && n == 5 && in[4] == left + 4);
    CHECK(MPI_Get_count(&st, MPI_DOUBLE, &n) == 0 && n == MPI_UNDEFINED);

    /* Truncation is an error a program can see with MPI_ERRORS_RETURN. */
    MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
    MPI_Errhandler eh;
    CHECK(MPI_Comm_get_errhandler(MPI_COMM_WORLD, &eh) == 0 && eh == MPI_ERRORS_RETURN);
    CHECK(MPI_Send(out, 1, MPI_INT, size, 0, MPI_COMM_WORLD) == MPI_ERR_RANK);
    char text[MPI_MAX_ERROR_STRING];
    int len, cls;
    CHECK(MPI_Error_string(MPI_ERR_RANK, text, &len) == 0 && len > 0);
    CHECK(MPI_Error_class(MPI_ERR_TRUNCATE, &cls) == 0 && cls == MPI_ERR_TRUNCATE);

    /* Waitany/Testall/Waitsome over a ring exchange both ways. */
    int a = rank, b = -1, c = -1;
    MPI_Request r[4];
    MPI_Irecv(&b, 1, MPI_INT, left, 1, MPI_COMM_WORLD, &r[0]);
    MPI_Irecv(&c, 1, MPI_INT, right, 2, MPI_COMM_WORLD, &r[1]);
    MPI_Isend(&a, 1, MPI_INT, right, 1, MPI_COMM_WORLD, &r[2]);
    MPI_Issend(&a, 1, MPI_INT, left, 2, MPI_COMM_WORLD, &r[3]);
    int idx, done = 0, outc, ids[4];
    CHECK(MPI_Waitany(4, r, &idx, MPI_STATUS_IGNORE) == 0 && idx >= 0 && idx < 4);
    done++;
    while (done < 4) {
        CHECK(MPI_Waitsome(4, r, &outc, ids, MPI_STATUSES_IGNORE) == 0 && outc >= 1);
        done += outc;
    }
    CHECK(MPI_Waitsome(4, r, &outc, ids, MPI_STATUSES_IGNORE) == 0 && outc == MPI_UNDEFINED);
    CHECK(b == left && c == right);
    int flag;
    CHECK(MPI_Testall(4, r, &flag, MPI_STATUSES_IGNORE) == 0 && flag);

    /* Probe, then receive what it saw. */
    double d[3] = {1.5, 2.5, rank};
    MPI_Isend(d, 3, MPI_DOUBLE, right, 9, MPI_COMM_WORLD, &rq);
    CHECK(MPI_Probe(left, 9, MPI_COMM_WORLD, &st) == 0);
    CHECK(MPI_Get_count(&st, MPI_DOUBLE, &n) == 0 && n == 3);
    double e[3];
    MPI_Recv(e, n, MPI_DOUBLE, st.MPI_SOURCE, st.MPI_TAG, MPI_COMM_WORLD, &st);
    CHECK(e[2] == left);
    do
        MPI_Test(&rq, &flag, MPI_STATUS_IGNORE);
    while (!flag);

    /* Buffered sends and their buffer. */
    int bsize = 2 * (int)(sizeof(int) * 4 + MPI_BSEND_OVERHEAD);
    char *bbuf = malloc((size_t)bsize);
    MPI_Buffer_attach(bbuf, bsize);
    int big[100] = {0};
    CHECK(MPI_Bsend(big, 100, MPI_INT, right, 3, MPI_COMM_WORLD) == MPI_ERR_BUFFER);
    CHECK(MPI_Bsend(out, 4, MPI_INT, right, 3, MPI_COMM_WORLD) == 0);
    CHECK(MPI_Recv(in, 4, MPI_INT, left, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE) == 0);
    CHECK(in[3] == left + 3);
    void *back;
    int bs;
    MPI_Buffer_detach(&back, &bs);
    CHECK(back == bbuf && bs == bsize);
    free(bbuf);

    /* Sendrecv_replace around the ring; PROC_NULL completes at once. */
    int v = rank;
    MPI_Sendrecv_replace(&v, 1, MPI_INT, right, 4, left, 4, MPI_COMM_WORLD, &st);
    CHECK(v == left && st.MPI_SOURCE == left);
    CHECK(MPI_Recv(&v, 1, MPI_INT, MPI_PROC_NULL, 0, MPI_COMM_WORLD, &st) == 0);
    CHECK(st.MPI_SOURCE == MPI_PROC_NULL);

    /* A column of a 4x5 matrix as a vector type, there and back. */
    MPI_Datatype col;
    MPI_Type_vector(4, 1, 5, MPI_DOUBLE, &col);
    MPI_Type_commit(&col);
    int tsz;
    MPI_Aint lb, ext;
    MPI_Type_size(col, &tsz);
    MPI_Type_get_extent(col, &lb, &ext);
    CHECK(tsz == 4 * (int)sizeof(double) && lb == 0 && ext == 16 * (long)sizeof(double));
    double m[20], got[20];
    for (int i = 0; i < 20; i++)
        m[i] = rank * 100 + i, got[i] = -1;
    MPI_Irecv(got, 1, col, left, 5, MPI_COMM_WORLD, &rq); /* into column 0 */
    MPI_Send(m + 2, 1, col, right, 5, MPI_COMM_WORLD);     /* column 2 */
    MPI_Wait(&rq, &st);
    CHECK(MPI_Get_count(&st, col, &n) == 0 && n == 1);
    CHECK(MPI_Get_elements(&st, col, &n) == 0 && n == 4);
    for (int i = 0; i < 20; i++)
        CHECK(got[i] == (i % 5 == 0 ? left * 100 + i + 2 : -1));
    MPI_Datatype two;
    MPI_Type_contiguous(2, col, &two);
    MPI_Type_commit(&two);
    MPI_Type_size(two, &tsz);
    CHECK(tsz == 8 * (int)sizeof(double));
    MPI_Type_free(&two);
    MPI_Type_free(&col);
    CHECK(col == MPI_DATATYPE_NULL);

    if (rank == 0)
        printf("p2p ok\n");
    MPI_Finalize();
    int fin;
    MPI_Finalized(&fin);
    CHECK(fin);
    return 0;
}
