/*
 * pi - compute pi as the integral of 4 / (1 + x^2) over [0, 1].
 *
 *   ipcrun -n 4 build/apps/pi [N]        (N intervals, default 100000000)
 *
 * The pattern: split the work, compute independently, combine with one
 * reduction. Each rank takes a contiguous block of the N intervals and sums
 * the midpoint rule over it; ipc_reduce adds the partial sums at rank 0.
 *
 * The check: the midpoint rule overestimates this integral by h^2 / 12 to
 * leading order (h = 1 / N; Euler-Maclaurin, since f'(1) - f'(0) = -2), and
 * compensated (Kahan) summation keeps the rounding error to a few ulps per
 * rank whatever N is. So the result must be within h^2 / 12 plus a few ulps
 * per rank of M_PI; a wrong block split or a lost partial sum is far outside.
 */
#include "common/workload.h"

#include <float.h>
#include <math.h>

/* Midpoint rule over intervals [lo, hi) of width h, summed with Kahan's
 * compensation so that the error does not grow with the number of terms. */
static double midpoint_sum(long lo, long hi, double h)
{
    double sum = 0, carry = 0;
    for (long i = lo; i < hi; i++) {
        double x = (i + 0.5) * h;
        double term = 4.0 / (1.0 + x * x) - carry;
        double next = sum + term;
        carry = (next - sum) - term;
        sum = next;
    }
    return sum;
}

int main(int argc, char **argv)
{
    wl_start(&argc, &argv, "pi");
    int rank = wl_rank(), size = wl_size();

    long n = 100000000;
    const struct wl_size_arg sizes[] = {
        {.name = "N", .about = "intervals", .value = &n, .min = 1, .max = 1L << 40},
    };
    if (wl_parse_sizes(argc, argv, sizes, 1) != 0)
        return wl_end(WL_USAGE);

    double t0 = wl_clock_start();
    double h = 1.0 / (double)n;
    long lo, hi;
    wl_block(n, size, rank, &lo, &hi);
    double partial = midpoint_sum(lo, hi, h) * h;
    double pi = 0;
    wl_try(ipc_reduce(&partial, &pi, 1, IPC_DOUBLE, IPC_SUM, 0, IPC_COMM_WORLD),
           "ipc_reduce");
    double seconds = wl_clock_stop(t0);

    /* Truncation, plus a few ulps of rounding per rank and per addition of
     * the reduction. Only rank 0 holds the result. */
    double error = pi - M_PI;
    double bound = h * h / 12 * (1 + 1e-6) + 4.0 * (size + 2) * DBL_EPSILON * M_PI;
    int ok = rank != 0 || fabs(error) <= bound;
    ok = wl_check(ok, "pi = %.17g differs from M_PI by %.3g, more than the expected %.3g",
                  pi, error, bound);
    wl_result(ok, seconds, "%ld intervals: pi = %.15f, error %.2g (bound %.2g)", n, pi,
              error, bound);
    return wl_end(ok ? WL_OK : WL_FAILED);
}
