/*
 * heat2d - 2-D heat diffusion by Jacobi sweeps on an N x N grid.
 *
 *   ipcrun -n 4 build/apps/heat2d [N [STEPS]]    (default 512 x 512, 1000 sweeps)
 *
 * The plate's top edge is held at temperature 1, its other edges at 0, and
 * its inside starts at 0. Each sweep sets every point to the mean of its four
 * neighbours; the run stops after STEPS sweeps, or sooner when no point
 * changed by more than TOLERANCE in the last one.
 *
 * The pattern: domain decomposition with halo exchange. The ranks form a
 * rows x cols process grid (wl_grid: 6 ranks make 2 x 3, a prime p makes
 * 1 x p), and each owns one block of the grid, as even as the division
 * allows, plus a one-point frame (the halo) holding copies of its neighbours'
 * edges. Before each sweep every rank posts nonblocking receives for its four
 * halo sides and nonblocking sends of its four edges, then waits for all
 * eight. A side on the plate's edge has IPC_PROC_NULL as its neighbour:
 * those sends and receives complete at once and leave the fixed boundary
 * temperatures in the halo. The convergence test is an ipc_allreduce with
 * IPC_MAX of each rank's largest change.
 *
 * The check: rank 0 gathers the blocks (wl_gather_blocks: ipc_gatherv) and runs the same
 * grid serially. Each point's update is the same operations in the same order in both
 * runs, and a maximum is exact whatever the order, so the two must stop at the same sweep
 * with the same temperatures, bit for bit.
 */
#include "common/workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { TAG_HALO = 1 };
static const double TOLERANCE = 1e-5;
static const double TOP_TEMPERATURE = 1.0;

/* A block of h x w points stored with its halo: (h + 2) rows of w + 2. */
struct block {
    long h, w;
    double *u, *next; /* this sweep's temperatures and the next one's */
};

#define AT(b, grid, i, j) ((grid)[(size_t)(i) * ((b)->w + 2) + (size_t)(j)])

/* Where a rank sits in the process grid and which part of the plate it owns. */
struct place {
    int north, south, west, east; /* neighbour ranks, or IPC_PROC_NULL */
    long row0, col0;              /* first plate row and column of the block */
};

static void block_init(struct block *b, long h, long w, int on_top_edge)
{
    size_t points = (size_t)(h + 2) * (size_t)(w + 2);
    b->h = h;
    b->w = w;
    b->u = wl_alloc(points * sizeof(double), "the grid");
    b->next = wl_alloc(points * sizeof(double), "the grid");
    memset(b->u, 0, points * sizeof(double));
    memset(b->next, 0, points * sizeof(double));
    if (on_top_edge)
        for (long j = 1; j <= w; j++)
            AT(b, b->u, 0, j) = AT(b, b->next, 0, j) = TOP_TEMPERATURE;
}

static void block_free(struct block *b)
{
    free(b->u);
    free(b->next);
}

/* One Jacobi sweep from b->u into b->next over the block's own points, then
 * swaps them. Returns the largest change. The parallel and serial runs both
 * use this, so each point sees the same operations in the same order. */
static double sweep(struct block *b)
{
    double change = 0;
    for (long i = 1; i <= b->h; i++) {
        for (long j = 1; j <= b->w; j++) {
            double v = 0.25 * ((AT(b, b->u, i - 1, j) + AT(b, b->u, i + 1, j)) +
                               (AT(b, b->u, i, j - 1) + AT(b, b->u, i, j + 1)));
            change = fmax(change, fabs(v - AT(b, b->u, i, j)));
            AT(b, b->next, i, j) = v;
        }
    }
    double *t = b->u;
    b->u = b->next;
    b->next = t;
    return change;
}

/* Fills the halo of b->u from the four neighbours. Rows are contiguous and go
 * as they are; columns are packed into `cols` (4 x h doubles: west out, east
 * out, west in, east in) first. */
static void exchange_halos(struct block *b, const struct place *p, double *cols)
{
    long h = b->h, w = b->w;
    double *west_out = cols, *east_out = cols + h, *west_in = cols + 2 * h,
           *east_in = cols + 3 * h;
    for (long i = 0; i < h; i++) {
        west_out[i] = AT(b, b->u, i + 1, 1);
        east_out[i] = AT(b, b->u, i + 1, w);
    }
    ipc_request req[8];
    ipc_comm world = IPC_COMM_WORLD;
    wl_try(
        ipc_irecv(&AT(b, b->u, 0, 1), w, IPC_DOUBLE, p->north, TAG_HALO, world, &req[0]),
        "ipc_irecv");
    wl_try(ipc_irecv(&AT(b, b->u, h + 1, 1), w, IPC_DOUBLE, p->south, TAG_HALO, world,
                     &req[1]),
           "ipc_irecv");
    wl_try(ipc_irecv(west_in, h, IPC_DOUBLE, p->west, TAG_HALO, world, &req[2]),
           "ipc_irecv");
    wl_try(ipc_irecv(east_in, h, IPC_DOUBLE, p->east, TAG_HALO, world, &req[3]),
           "ipc_irecv");
    wl_try(
        ipc_isend(&AT(b, b->u, 1, 1), w, IPC_DOUBLE, p->north, TAG_HALO, world, &req[4]),
        "ipc_isend");
    wl_try(
        ipc_isend(&AT(b, b->u, h, 1), w, IPC_DOUBLE, p->south, TAG_HALO, world, &req[5]),
        "ipc_isend");
    wl_try(ipc_isend(west_out, h, IPC_DOUBLE, p->west, TAG_HALO, world, &req[6]),
           "ipc_isend");
    wl_try(ipc_isend(east_out, h, IPC_DOUBLE, p->east, TAG_HALO, world, &req[7]),
           "ipc_isend");
    wl_try(ipc_waitall(8, req, IPC_STATUSES_IGNORE), "ipc_waitall");
    /* A receive from IPC_PROC_NULL leaves its buffer alone: the boundary
     * columns keep their fixed temperatures. */
    for (long i = 0; i < h; i++) {
        if (p->west != IPC_PROC_NULL)
            AT(b, b->u, i + 1, 0) = west_in[i];
        if (p->east != IPC_PROC_NULL)
            AT(b, b->u, i + 1, w + 1) = east_in[i];
    }
}

/* Sweeps until the largest change over the whole plate is below TOLERANCE or
 * max_sweeps have run; returns the number of sweeps and sets *change. With
 * p == NULL the block is the whole plate and nothing is exchanged. */
static long diffuse(struct block *b, const struct place *p, long max_sweeps,
                    double *change)
{
    double *cols = wl_alloc(4 * (size_t)b->h * sizeof(double), "the halo columns");
    long sweeps = 0;
    *change = INFINITY;
    while (sweeps < max_sweeps && *change >= TOLERANCE) {
        if (p != NULL)
            exchange_halos(b, p, cols);
        *change = sweep(b);
        if (p != NULL)
            wl_try(ipc_allreduce(IPC_IN_PLACE, change, 1, IPC_DOUBLE, IPC_MAX,
                                 IPC_COMM_WORLD),
                   "ipc_allreduce");
        sweeps++;
    }
    free(cols);
    return sweeps;
}

/* Rank 0: runs the serial reference and compares. Returns 1 when it agrees. */
static int matches_serial(const double *plate, long n, long max_sweeps, long sweeps,
                          long *serial_sweeps, long *first_diff)
{
    struct block whole;
    double change;
    block_init(&whole, n, n, 1);
    *serial_sweeps = diffuse(&whole, NULL, max_sweeps, &change);
    *first_diff = -1;
    for (long i = 0; i < n && *first_diff < 0; i++)
        if (memcmp(&plate[i * n], &AT(&whole, whole.u, i + 1, 1),
                   (size_t)n * sizeof(double)))
            *first_diff = i;
    block_free(&whole);
    return *serial_sweeps == sweeps && *first_diff < 0;
}

int main(int argc, char **argv)
{
    wl_start(&argc, &argv, "heat2d");
    int rank = wl_rank(), size = wl_size();

    long n = 512, max_sweeps = 1000;
    const struct wl_size_arg sizes[] = {
        {.name = "N", .about = "points per side", .value = &n, .min = 1, .max = 1 << 15},
        {.name = "STEPS",
         .about = "most sweeps",
         .value = &max_sweeps,
         .min = 1,
         .max = 100000000},
    };
    if (wl_parse_sizes(argc, argv, sizes, 2) != 0)
        return wl_end(WL_USAGE);
    int rows, cols;
    wl_grid(size, &rows, &cols);
    if (n < cols) {
        wl_usage_error(
            wl_usage(sizes, 2),
            "N = %ld is too small for %d ranks: the %d x %d process grid needs "
            "N >= %d, so that every rank owns at least one point",
            n, size, rows, cols, cols);
        return wl_end(WL_USAGE);
    }

    int prow = rank / cols, pcol = rank % cols;
    long row1, col1;
    struct place p = {
        .north = prow > 0 ? rank - cols : IPC_PROC_NULL,
        .south = prow < rows - 1 ? rank + cols : IPC_PROC_NULL,
        .west = pcol > 0 ? rank - 1 : IPC_PROC_NULL,
        .east = pcol < cols - 1 ? rank + 1 : IPC_PROC_NULL,
    };
    wl_block(n, rows, prow, &p.row0, &row1);
    wl_block(n, cols, pcol, &p.col0, &col1);
    struct block b;
    block_init(&b, row1 - p.row0, col1 - p.col0, prow == 0);

    double t0 = wl_clock_start();
    double change;
    long sweeps = diffuse(&b, &p, max_sweeps, &change);
    double seconds = wl_clock_stop(t0);

    /* The check needs the whole plate at rank 0; the blocks go without halo. */
    double *mine = wl_alloc((size_t)(b.h * b.w) * sizeof(double), "the plate");
    for (long i = 0; i < b.h; i++)
        memcpy(&mine[i * b.w], &AT(&b, b.u, i + 1, 1), (size_t)b.w * sizeof(double));
    double *plate =
        rank == 0 ? wl_alloc((size_t)(n * n) * sizeof(double), "the plate") : NULL;
    wl_gather_blocks(mine, n, rows, cols, plate);
    free(mine);
    int ok = 1;
    char why[160] = "";
    double mean = 0;
    if (rank == 0) {
        long serial_sweeps, first_diff;
        ok = matches_serial(plate, n, max_sweeps, sweeps, &serial_sweeps, &first_diff);
        if (serial_sweeps != sweeps)
            snprintf(why, sizeof why,
                     "the parallel run stopped after %ld sweeps, the serial "
                     "one after %ld",
                     sweeps, serial_sweeps);
        else if (first_diff >= 0)
            snprintf(why, sizeof why, "row %ld differs from the serial run's",
                     first_diff);
        for (long k = 0; k < n * n; k++)
            mean += plate[k];
        mean /= (double)(n * n);
    }
    ok = wl_check(ok, "%s", why);
    wl_result(ok, seconds,
              "%d x %d process grid, %ld x %ld points, %ld sweeps, last change %.3g, "
              "mean temperature %.9f%s",
              rows, cols, n, n, sweeps, change, mean,
              ok ? ", equal to the serial run bit for bit" : "");
    free(plate);
    block_free(&b);
    return wl_end(ok ? WL_OK : WL_FAILED);
}
