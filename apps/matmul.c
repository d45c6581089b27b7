/*
 * matmul - dense matrix product C = A B of two N x N matrices by SUMMA.
 *
 *   ipcrun -n 4 build/apps/matmul [N]        (default 512)
 *
 * The pattern: a 2-D block algorithm on row and column communicators. The
 * ranks form a rows x cols process grid (wl_grid: 6 ranks make 2 x 3, a
 * prime p makes 1 x p, so every rank takes part at any rank count), and
 * rank (r, c) owns block (r, c) of A, B and C, as even as the division
 * allows. ipc_comm_split makes one communicator per process row and one per
 * process column.
 *
 * SUMMA (van de Geijn and Watts) builds C as a sum of outer products of
 * panels: A's columns k0..k1 times B's rows k0..k1. For each panel the
 * process column that owns those columns of A broadcasts them along every
 * process row, the process row that owns those rows of B broadcasts them
 * along every process column, and each rank adds the product of what it
 * received to its block of C. A, B and C are split alike, so A's columns
 * follow the split over `cols` and B's rows the split over `rows`; when the
 * two differ (any grid that is not square) the panels are the pieces between
 * the boundaries of both, so that each panel has one owner of each.
 *
 * Every rank makes its own blocks of A and B from the global indices
 * (wl_uniform), so nothing is scattered at the start.
 *
 * The check: rank 0 gathers C and computes the product serially with the
 * same kernel. Each element of C is the same sum, over k in increasing
 * order, in both runs, so they must agree bit for bit.
 */
#include "common/workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The two matrices' entries, in [-0.5, 0.5), from their global position. */
static double a_entry(long n, long i, long k)
{
    return wl_uniform((unsigned long long)(i * n + k)) - 0.5;
}

static double b_entry(long n, long k, long j)
{
    return wl_uniform((unsigned long long)(n * n + k * n + j)) - 0.5;
}

/* c += a b for an h x kb block of a and a kb x w block of b, each row-major
 * with its own row length (ld). For each element of c the k run in order. */
static void multiply_add(long h, long w, long kb, const double *restrict a, long lda,
                         const double *restrict b, long ldb, double *restrict c, long ldc)
{
    for (long i = 0; i < h; i++)
        for (long k = 0; k < kb; k++) {
            double aik = a[i * lda + k];
            for (long j = 0; j < w; j++)
                c[i * ldc + j] += aik * b[k * ldb + j];
        }
}

/* Which of `parts` blocks of n (as wl_block splits them) holds index k. */
static int block_owner(long n, int parts, long k)
{
    for (int i = 0;; i++) {
        long lo, hi;
        wl_block(n, parts, i, &lo, &hi);
        if (k < hi)
            return i;
    }
}

/* The grid, this rank's place in it and its blocks. */
struct summa {
    long n;
    int rows, cols, prow, pcol;
    ipc_comm row_comm, col_comm; /* rank in row_comm is pcol, in col_comm prow */
    long r0, r1, c0, c1;         /* the block: rows r0..r1-1, columns c0..c1-1 */
    double *a, *b, *c;           /* this rank's blocks of A, B and C */
};

static void summa_setup(struct summa *s, long n, int rank, int size)
{
    s->n = n;
    wl_grid(size, &s->rows, &s->cols);
    s->prow = rank / s->cols;
    s->pcol = rank % s->cols;
    /* Same color: same process row (or column); the key orders by the other. */
    wl_try(ipc_comm_split(IPC_COMM_WORLD, s->prow, s->pcol, &s->row_comm),
           "ipc_comm_split");
    wl_try(ipc_comm_split(IPC_COMM_WORLD, s->pcol, s->prow, &s->col_comm),
           "ipc_comm_split");
    wl_block(n, s->rows, s->prow, &s->r0, &s->r1);
    wl_block(n, s->cols, s->pcol, &s->c0, &s->c1);

    long h = s->r1 - s->r0, w = s->c1 - s->c0;
    s->a = wl_alloc((size_t)(h * w) * sizeof(double), "A's block");
    s->b = wl_alloc((size_t)(h * w) * sizeof(double), "B's block");
    s->c = wl_alloc((size_t)(h * w) * sizeof(double), "C's block");
    for (long i = 0; i < h; i++)
        for (long j = 0; j < w; j++) {
            s->a[i * w + j] = a_entry(n, s->r0 + i, s->c0 + j);
            s->b[i * w + j] = b_entry(n, s->r0 + i, s->c0 + j);
        }
    memset(s->c, 0, (size_t)(h * w) * sizeof(double));
}

static void summa_free(struct summa *s)
{
    free(s->a);
    free(s->b);
    free(s->c);
    ipc_comm_free(&s->row_comm);
    ipc_comm_free(&s->col_comm);
}

/* C = A B; returns the number of panels. */
static long summa_multiply(struct summa *s)
{
    long n = s->n, h = s->r1 - s->r0, w = s->c1 - s->c0;
    /* A panel is at most as wide as the widest block of either split. */
    long widest = (n + s->rows - 1) / s->rows;
    double *a_panel = wl_alloc((size_t)(h * widest) * sizeof(double), "A's panel");
    double *b_panel = wl_alloc((size_t)(widest * w) * sizeof(double), "B's panel");
    long panels = 0;
    for (long k0 = 0, k1; k0 < n; k0 = k1, panels++) {
        int a_owner = block_owner(n, s->cols, k0), b_owner = block_owner(n, s->rows, k0);
        long alo, ahi, blo, bhi;
        wl_block(n, s->cols, a_owner, &alo, &ahi);
        wl_block(n, s->rows, b_owner, &blo, &bhi);
        k1 = ahi < bhi ? ahi : bhi;
        long width = k1 - k0;

        /* A's columns k0..k1-1, packed, along the process row. */
        if (s->pcol == a_owner)
            for (long i = 0; i < h; i++)
                memcpy(&a_panel[i * width], &s->a[i * w + (k0 - s->c0)],
                       (size_t)width * sizeof(double));
        wl_try(ipc_bcast(a_panel, (size_t)(h * width), IPC_DOUBLE, a_owner, s->row_comm),
               "ipc_bcast");
        /* B's rows k0..k1-1 are contiguous already, along the process column. */
        if (s->prow == b_owner)
            memcpy(b_panel, &s->b[(k0 - s->r0) * w],
                   (size_t)(width * w) * sizeof(double));
        wl_try(ipc_bcast(b_panel, (size_t)(width * w), IPC_DOUBLE, b_owner, s->col_comm),
               "ipc_bcast");

        multiply_add(h, w, width, a_panel, width, b_panel, w, s->c, w);
    }
    free(a_panel);
    free(b_panel);
    return panels;
}

/* Rank 0: the serial product with the same kernel. -1 when it equals c, else
 * the first row that differs. */
static long first_row_unlike_serial(const double *c, long n)
{
    double *a = wl_alloc((size_t)(n * n) * sizeof(double), "the serial A");
    double *b = wl_alloc((size_t)(n * n) * sizeof(double), "the serial B");
    double *ref = wl_alloc((size_t)(n * n) * sizeof(double), "the serial C");
    for (long i = 0; i < n; i++)
        for (long j = 0; j < n; j++) {
            a[i * n + j] = a_entry(n, i, j);
            b[i * n + j] = b_entry(n, i, j);
        }
    memset(ref, 0, (size_t)(n * n) * sizeof(double));
    multiply_add(n, n, n, a, n, b, n, ref, n);
    long row = -1;
    for (long i = 0; i < n && row < 0; i++)
        if (memcmp(&c[i * n], &ref[i * n], (size_t)n * sizeof(double)) != 0)
            row = i;
    free(a);
    free(b);
    free(ref);
    return row;
}

int main(int argc, char **argv)
{
    wl_start(&argc, &argv, "matmul");
    int rank = wl_rank(), size = wl_size();

    long n = 512;
    const struct wl_size_arg sizes[] = {
        {.name = "N", .about = "rows and columns", .value = &n, .min = 1, .max = 1 << 15},
    };
    if (wl_parse_sizes(argc, argv, sizes, 1) != 0)
        return wl_end(WL_USAGE);
    int rows, cols;
    wl_grid(size, &rows, &cols);
    if (n < cols) {
        wl_usage_error(
            wl_usage(sizes, 1),
            "N = %ld is too small for %d ranks: the %d x %d process grid needs "
            "N >= %d, so that every rank owns at least one row and column",
            n, size, rows, cols, cols);
        return wl_end(WL_USAGE);
    }

    struct summa s;
    summa_setup(&s, n, rank, size);
    double t0 = wl_clock_start();
    long panels = summa_multiply(&s);
    double seconds = wl_clock_stop(t0);

    double *c = rank == 0 ? wl_alloc((size_t)(n * n) * sizeof(double), "C") : NULL;
    wl_gather_blocks(s.c, n, rows, cols, c);
    long bad_row = -1;
    double norm = 0;
    if (rank == 0) {
        bad_row = first_row_unlike_serial(c, n);
        for (long k = 0; k < n * n; k++)
            norm += c[k] * c[k];
        norm = sqrt(norm);
    }
    int ok =
        wl_check(bad_row < 0, "row %ld of C differs from the serial product", bad_row);
    wl_result(ok, seconds,
              "%d x %d process grid, %ld x %ld matrices, %ld panel%s, |C| = %.9f%s", rows,
              cols, n, n, panels, panels == 1 ? "" : "s", norm,
              ok ? ", equal to the serial product bit for bit" : "");
    free(c);
    summa_free(&s);
    return wl_end(ok ? WL_OK : WL_FAILED);
}
