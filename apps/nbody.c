/*
 * nbody - N bodies under their mutual gravity, every pair, leapfrog steps.
 *
 *   ipcrun -n 4 build/apps/nbody [N [STEPS]]     (default 1500 bodies, 50 steps)
 *
 * N equal masses (total 1, G = 1) start at rest... nearly: uniformly inside
 * the unit sphere, with small random velocities. Forces are softened (the
 * distance is sqrt(r^2 + SOFTENING^2)) so that close passes stay smooth, and
 * each step is kick-drift-kick leapfrog, which keeps the total energy within
 * a small band instead of letting it wander off.
 *
 * The pattern: replicate what everyone reads, partition what each writes.
 * Each rank owns a block of the bodies (their velocities stay with it) but
 * needs every position to compute its bodies' accelerations: after each
 * drift, ipc_allgatherv with IPC_IN_PLACE gathers every rank's block of
 * positions into every rank's copy of the whole array. Work is N^2 / size
 * per rank per step, communication N per rank per step, so it scales while
 * N is large against size.
 *
 * The checks: the physics, the total energy (kinetic plus potential, each
 * rank summing its bodies' share, then ipc_allreduce) at the end must be
 * within DRIFT_TOLERANCE of the energy at the start, relative; and the
 * arithmetic, rank 0 runs the same code on IPC_COMM_SELF (a job of one rank:
 * the serial run) and its final positions must equal the parallel run's bit
 * for bit, since each body's acceleration sums over every body in the same
 * order whoever computes it. Every rank holds every position at the end, so
 * nothing needs gathering. A short run hardly moves the bodies: the energy
 * alone would miss, say, positions that were never exchanged.
 */
#include "common/workload.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const double DT = 1e-3;
static const double SOFTENING = 0.05;
static const double SPEED = 0.3; /* each velocity component is within +-SPEED */
/* Leapfrog's energy error stays in a band of order DT^2 times the forces'
 * scale: measured 6e-10 at the default sizes, up to 9e-5 for 2 bodies over
 * 20000 steps (close passes). Lost or stale positions jump far past this. */
static const double DRIFT_TOLERANCE = 1e-3;

struct bodies {
    ipc_comm comm;           /* the ranks that share the bodies */
    long n, lo, hi;          /* all bodies, and this rank's: lo..hi-1 */
    double mass;             /* of each body */
    double *pos;             /* 3 n: every body's x, y, z */
    double *vel, *acc;       /* 3 (hi - lo): this rank's bodies' */
    size_t *counts, *displs; /* each rank's block of pos, in doubles */
};

/* Body i's start, the same at every rank count: a point uniform in the unit
 * ball and a velocity uniform in the cube of side 2 SPEED. */
static void initial_state(long i, double x[3], double v[3])
{
    unsigned long long seed = 8 * (unsigned long long)i;
    double r = cbrt(wl_uniform(seed)), z = 2 * wl_uniform(seed + 1) - 1;
    double phi = 2 * M_PI * wl_uniform(seed + 2), s = sqrt(1 - z * z);
    x[0] = r * s * cos(phi);
    x[1] = r * s * sin(phi);
    x[2] = r * z;
    for (int d = 0; d < 3; d++)
        v[d] = SPEED * (2 * wl_uniform(seed + 3 + d) - 1);
}

static void bodies_init(struct bodies *b, long n, ipc_comm comm)
{
    int rank, size;
    ipc_comm_rank(comm, &rank);
    ipc_comm_size(comm, &size);
    b->comm = comm;
    b->n = n;
    b->mass = 1.0 / (double)n;
    wl_block(n, size, rank, &b->lo, &b->hi);
    long mine = b->hi - b->lo;
    b->pos = wl_alloc(3 * (size_t)n * sizeof(double), "the positions");
    b->vel = wl_alloc(3 * (size_t)mine * sizeof(double), "the velocities");
    b->acc = wl_alloc(3 * (size_t)mine * sizeof(double), "the accelerations");
    b->counts = wl_alloc(2 * (size_t)size * sizeof(size_t), "the counts");
    b->displs = b->counts + size;
    for (int r = 0; r < size; r++) {
        long lo, hi;
        wl_block(n, size, r, &lo, &hi);
        b->counts[r] = 3 * (size_t)(hi - lo);
        b->displs[r] = 3 * (size_t)lo;
    }
    for (long i = 0; i < n; i++) {
        double v[3];
        initial_state(i, &b->pos[3 * i], v);
        if (i >= b->lo && i < b->hi)
            memcpy(&b->vel[3 * (i - b->lo)], v, sizeof v);
    }
}

static void bodies_free(struct bodies *b)
{
    free(b->pos);
    free(b->vel);
    free(b->acc);
    free(b->counts);
}

/* The accelerations of this rank's bodies, from every body's position. */
static void accelerate(struct bodies *b)
{
    const double eps2 = SOFTENING * SOFTENING;
    for (long i = b->lo; i < b->hi; i++) {
        const double *xi = &b->pos[3 * i];
        double a[3] = {0, 0, 0};
        for (long j = 0; j < b->n; j++) {
            const double *xj = &b->pos[3 * j];
            double dx = xj[0] - xi[0], dy = xj[1] - xi[1], dz = xj[2] - xi[2];
            double r2 = dx * dx + dy * dy + dz * dz + eps2;
            double inv_r3 = 1.0 / (r2 * sqrt(r2)); /* body i itself adds 0 */
            a[0] += dx * inv_r3;
            a[1] += dy * inv_r3;
            a[2] += dz * inv_r3;
        }
        for (int d = 0; d < 3; d++)
            b->acc[3 * (i - b->lo) + d] = b->mass * a[d];
    }
}

/* Kinetic plus potential energy of the whole system. */
static double total_energy(const struct bodies *b)
{
    const double eps2 = SOFTENING * SOFTENING;
    double kinetic = 0, potential = 0;
    for (long i = b->lo; i < b->hi; i++) {
        const double *v = &b->vel[3 * (i - b->lo)], *xi = &b->pos[3 * i];
        kinetic += 0.5 * b->mass * (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]);
        for (long j = 0; j < b->n; j++) { /* each pair counted from both ends */
            if (j == i)
                continue;
            const double *xj = &b->pos[3 * j];
            double dx = xj[0] - xi[0], dy = xj[1] - xi[1], dz = xj[2] - xi[2];
            potential -=
                0.5 * b->mass * b->mass / sqrt(dx * dx + dy * dy + dz * dz + eps2);
        }
    }
    double energy = kinetic + potential;
    wl_try(ipc_allreduce(IPC_IN_PLACE, &energy, 1, IPC_DOUBLE, IPC_SUM, b->comm),
           "ipc_allreduce");
    return energy;
}

/* Kick-drift-kick: half a step of velocity, a whole step of position, the new
 * positions to everyone, new accelerations, the other half of velocity. */
static void step(struct bodies *b)
{
    long mine = b->hi - b->lo;
    for (long k = 0; k < 3 * mine; k++) {
        b->vel[k] += 0.5 * DT * b->acc[k];
        b->pos[3 * b->lo + k] += DT * b->vel[k];
    }
    wl_try(ipc_allgatherv(IPC_IN_PLACE, 0, IPC_DOUBLE, b->pos, b->counts, b->displs,
                          IPC_DOUBLE, b->comm),
           "ipc_allgatherv");
    accelerate(b);
    for (long k = 0; k < 3 * mine; k++)
        b->vel[k] += 0.5 * DT * b->acc[k];
}

static void simulate(struct bodies *b, long steps)
{
    accelerate(b);
    for (long s = 0; s < steps; s++)
        step(b);
}

/* Rank 0: the same simulation on IPC_COMM_SELF. -1 when every final position
 * equals b's, else the first body whose position differs. */
static long first_unlike_serial(const struct bodies *b, long steps)
{
    struct bodies serial;
    bodies_init(&serial, b->n, IPC_COMM_SELF);
    simulate(&serial, steps);
    long body = -1;
    for (long i = 0; i < b->n && body < 0; i++)
        if (memcmp(&b->pos[3 * i], &serial.pos[3 * i], 3 * sizeof(double)) != 0)
            body = i;
    bodies_free(&serial);
    return body;
}

int main(int argc, char **argv)
{
    wl_start(&argc, &argv, "nbody");

    long n = 1500, steps = 50;
    const struct wl_size_arg sizes[] = {
        {.name = "N", .about = "bodies", .value = &n, .min = 2, .max = 1 << 24},
        {.name = "STEPS",
         .about = "time steps",
         .value = &steps,
         .min = 1,
         .max = 100000000},
    };
    if (wl_parse_sizes(argc, argv, sizes, 2) != 0)
        return wl_end(WL_USAGE);

    struct bodies b;
    bodies_init(&b, n, IPC_COMM_WORLD);
    double start_energy = total_energy(&b);
    double t0 = wl_clock_start();
    simulate(&b, steps);
    double seconds = wl_clock_stop(t0);
    double end_energy = total_energy(&b);

    double drift = fabs((end_energy - start_energy) / start_energy);
    char why[160] = "";
    int ok = drift <= DRIFT_TOLERANCE;
    if (!ok)
        snprintf(why, sizeof why,
                 "the energy went from %.12g to %.12g, a relative drift of %.3g, more "
                 "than %.3g",
                 start_energy, end_energy, drift, DRIFT_TOLERANCE);
    long body = wl_rank() == 0 ? first_unlike_serial(&b, steps) : -1;
    if (ok && body >= 0) {
        snprintf(why, sizeof why, "body %ld ends somewhere else than in the serial run",
                 body);
        ok = 0;
    }
    ok = wl_check(ok, "%s", why);
    wl_result(ok, seconds,
              "%ld bodies, %ld steps of %g: energy %.9f -> %.9f, drift %.2g%s", n, steps,
              DT, start_energy, end_energy, drift,
              ok ? ", positions equal to the serial run's bit for bit" : "");
    bodies_free(&b);
    return wl_end(ok ? WL_OK : WL_FAILED);
}
