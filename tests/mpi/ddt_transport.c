/* ddt_transport.c - messages of non-contiguous datatypes through the
 * transports: strided vectors from 8 bytes to several MiB (eager and
 * rendezvous), received into another layout or into contiguous memory and
 * the other way round, unexpected (sent before the receive is posted),
 * to self, synchronous, probed first, and truncated. Every element is
 * checked, and so is every gap the receive layout must leave alone.
 * MPITEST_RANKS: 1 2 3 4 */
#include "mpicheck.h"

static int rank, size;

static double value(int from, long i)
{
    return from * 1e7 + (double)i;
}

/* n doubles, one every `stride`, from `from`, into a fresh buffer of n *
 * stride doubles filled with -1. */
static double *strided(int from, long n, int stride)
{
    double *b = malloc((size_t)(n * stride) * sizeof *b);
    CHECK(b, "out of memory");
    for (long i = 0; i < n * stride; i++)
        b[i] = -1;
    if (from >= 0)
        for (long i = 0; i < n; i++)
            b[i * stride] = value(from, i);
    return b;
}

/* b holds got doubles from `from` every `stride`, -1 in every gap and past got. */
static void check_strided(const double *b, int from, long n, long got, int stride,
                          const char *what)
{
    for (long i = 0; i < n * stride; i++) {
        double want = (i % stride == 0 && i / stride < got) ? value(from, i / stride) : -1;
        if (b[i] != want)
            mc_fail(__FILE__, __LINE__, "%s: double %ld is %.17g, expected %.17g", what, i,
                    b[i], want);
    }
}

static MPI_Datatype vector(long n, int stride)
{
    MPI_Datatype t;
    MPI_Type_vector((int)n, 1, stride, MPI_DOUBLE, &t);
    MPI_Type_commit(&t);
    return t;
}

/* A message of n doubles from each rank to the next: strided (sstride) out,
 * strided (rstride, 1 = contiguous) in; sent before the receive is posted
 * when `late`. */
static void ring(long n, int sstride, int rstride, int late)
{
    int to = (rank + 1) % size, from = (rank + size - 1) % size;
    double *s = strided(rank, n, sstride), *r = strided(-1, n, rstride);
    MPI_Datatype st = sstride > 1 ? vector(n, sstride) : MPI_DOUBLE;
    MPI_Datatype rt = rstride > 1 ? vector(n, rstride) : MPI_DOUBLE;
    int scount = sstride > 1 ? 1 : (int)n, rcount = rstride > 1 ? 1 : (int)n;
    MPI_Request req;
    MPI_Status st_;
    char what[96];
    snprintf(what, sizeof what, "%ld doubles, stride %d into stride %d%s", n, sstride,
             rstride, late ? ", unexpected" : "");
    if (late) {
        MPI_Isend(s, scount, st, to, 7, MPI_COMM_WORLD, &req);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Recv(r, rcount, rt, from, 7, MPI_COMM_WORLD, &st_);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
    } else {
        MPI_Irecv(r, rcount, rt, from, 7, MPI_COMM_WORLD, &req);
        MPI_Barrier(MPI_COMM_WORLD);
        MPI_Send(s, scount, st, to, 7, MPI_COMM_WORLD);
        MPI_Wait(&req, &st_);
    }
    int count;
    MPI_Get_count(&st_, MPI_DOUBLE, &count);
    CHECK_INT(count, n, what);
    check_strided(r, from, n, n, rstride, what);
    if (sstride > 1)
        MPI_Type_free(&st);
    if (rstride > 1)
        MPI_Type_free(&rt);
    free(s);
    free(r);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("ddt_transport", &rank, &size);

    static const long lens[] = {1, 125, 7000, 30000, 300000};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        long n = lens[k];
        ring(n, 3, 2, 0);
        ring(n, 2, 1, 0);
        ring(n, 1, 4, 0);
        ring(n, 3, 2, 1);
    }

    /* Synchronous, probed first: the status tells the packed length. */
    {
        long n = 20000;
        int to = (rank + 1) % size, from = (rank + size - 1) % size;
        double *s = strided(rank, n, 2), *r = strided(-1, n, 3);
        MPI_Datatype st = vector(n, 2), rt = vector(n, 3);
        MPI_Request req;
        MPI_Status status;
        int bytes;
        MPI_Issend(s, 1, st, to, 8, MPI_COMM_WORLD, &req);
        MPI_Probe(from, 8, MPI_COMM_WORLD, &status);
        MPI_Get_count(&status, MPI_BYTE, &bytes);
        CHECK_INT(bytes, n * (long)sizeof(double), "probed length of a vector message");
        MPI_Recv(r, 1, rt, from, 8, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        check_strided(r, from, n, n, 3, "synchronous vector message");
        MPI_Type_free(&st);
        MPI_Type_free(&rt);
        free(s);
        free(r);
    }

    /* To self, both sides strided, both before and after the receive. */
    for (int late = 0; late < 2; late++) {
        long n = 50000;
        double *s = strided(rank, n, 2), *r = strided(-1, n, 5);
        MPI_Datatype st = vector(n, 2), rt = vector(n, 5);
        MPI_Request sreq, rreq;
        if (!late)
            MPI_Irecv(r, 1, rt, rank, 9, MPI_COMM_WORLD, &rreq);
        MPI_Isend(s, 1, st, rank, 9, MPI_COMM_WORLD, &sreq);
        if (late)
            MPI_Irecv(r, 1, rt, rank, 9, MPI_COMM_WORLD, &rreq);
        MPI_Wait(&rreq, MPI_STATUS_IGNORE);
        MPI_Wait(&sreq, MPI_STATUS_IGNORE);
        check_strided(r, rank, n, n, 5, late ? "to self, unexpected" : "to self");
        MPI_Type_free(&st);
        MPI_Type_free(&rt);
        free(s);
        free(r);
    }

    /* Truncated: a receive of fewer elements keeps a prefix and says so. */
    for (long n = 100; n <= 100000; n *= 1000) {
        int to = (rank + 1) % size, from = (rank + size - 1) % size;
        double *s = strided(rank, n, 2), *r = strided(-1, n, 3);
        MPI_Datatype st = vector(n, 2), rt = vector(n / 2, 3);
        MPI_Request req;
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
        MPI_Isend(s, 1, st, to, 10, MPI_COMM_WORLD, &req);
        int rc = MPI_Recv(r, 1, rt, from, 10, MPI_COMM_WORLD, MPI_STATUS_IGNORE);
        int cls;
        MPI_Error_class(rc, &cls);
        CHECK_INT(cls, MPI_ERR_TRUNCATE, "error class of a truncated vector receive");
        MPI_Wait(&req, MPI_STATUS_IGNORE);
        MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_ARE_FATAL);
        check_strided(r, from, n, n / 2, 3, "truncated vector receive");
        MPI_Type_free(&st);
        MPI_Type_free(&rt);
        free(s);
        free(r);
    }

    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
