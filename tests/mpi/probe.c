/* probe.c - receiving messages of unknown size: MPI_Probe + MPI_Get_count +
 * MPI_Recv, then MPI_Iprobe polling. Every rank (rank 0 too) sends rank 0 one
 * message whose length only the sender knows. */
#include "mpicheck.h"

static int rank, size;

static void probe_round(int use_iprobe)
{
    int tag = use_iprobe ? 200 : 100, n = rank * 7 + 3 + use_iprobe;
    double *out = malloc((size_t)n * sizeof *out);
    CHECK(out, "out of memory");
    for (int i = 0; i < n; i++)
        out[i] = rank + i * 0.5;
    MPI_Request req;
    MPI_Isend(out, n, MPI_DOUBLE, 0, tag + rank, MPI_COMM_WORLD, &req);

    if (rank == 0) {
        int *seen = calloc((size_t)size, sizeof *seen);
        CHECK(seen, "out of memory");
        for (int k = 0; k < size; k++) {
            MPI_Status st;
            int count, bytes, flag = 0;
            if (use_iprobe) {
                long polls = 0;
                while (!flag) {
                    MPI_Iprobe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &flag, &st);
                    polls++;
                }
                CHECK(polls > 0, "never polled");
            } else {
                MPI_Probe(MPI_ANY_SOURCE, MPI_ANY_TAG, MPI_COMM_WORLD, &st);
            }
            int src = st.MPI_SOURCE;
            CHECK(src >= 0 && src < size && !seen[src], "probe found source %d", src);
            seen[src] = 1;
            CHECK_INT(st.MPI_TAG, tag + src, "probed MPI_TAG");
            MPI_Get_count(&st, MPI_DOUBLE, &count);
            CHECK_INT(count, src * 7 + 3 + use_iprobe, "probed MPI_Get_count");
            MPI_Get_count(&st, MPI_BYTE, &bytes);
            CHECK_INT(bytes, count * (int)sizeof(double), "probed count in MPI_BYTE");
            double *in = malloc((size_t)count * sizeof *in);
            CHECK(in, "out of memory");
            MPI_Recv(in, count, MPI_DOUBLE, src, st.MPI_TAG, MPI_COMM_WORLD, &st);
            MPI_Get_count(&st, MPI_DOUBLE, &count);
            CHECK_INT(count, src * 7 + 3 + use_iprobe, "received MPI_Get_count");
            for (int i = 0; i < count; i++)
                CHECK_DBL(in[i], src + i * 0.5, "received value");
            free(in);
        }
        free(seen);
    }
    MPI_Wait(&req, MPI_STATUS_IGNORE);
    free(out);
}

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    mc_init("probe", &rank, &size);

    /* Nothing is ever sent with tag 999. */
    int flag = 1;
    MPI_Iprobe(MPI_ANY_SOURCE, 999, MPI_COMM_WORLD, &flag, MPI_STATUS_IGNORE);
    CHECK(!flag, "MPI_Iprobe found a message with a tag nobody sent");

    probe_round(0);
    MPI_Barrier(MPI_COMM_WORLD);
    probe_round(1);
    mc_ok(rank, size);
    MPI_Finalize();
    return 0;
}
