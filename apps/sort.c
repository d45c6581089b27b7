/*
 * sort - parallel sample sort of N 64-bit keys.
 *
 *   ipcrun -n 4 build/apps/sort [N]          (default 2000000 keys)
 *
 * The pattern: all-to-all redistribution by value. Every rank starts with a
 * block of random keys (made from their global index, wl_mix) and ends with
 * a sorted run of them, rank r's keys all no greater than rank r+1's:
 *
 *   1. each rank sorts its keys and picks `size` regularly spaced samples;
 *   2. ipc_allgather gives every rank all size^2 samples, which each sorts
 *      the same way and from which each takes the same size - 1 splitters;
 *   3. a rank's sorted keys fall into `size` runs, one per destination, cut
 *      at the splitters (rank d gets the keys above splitter d-1 and up to
 *      splitter d): ipc_alltoall tells every rank how many keys it gets from
 *      each, ipc_alltoallv moves them;
 *   4. each rank sorts what it received.
 * Regular sampling bounds the imbalance: no rank ends with much more than
 * twice its share (unless one key value is very common: equal keys all go to
 * one rank).
 *
 * The check, without gathering the keys anywhere: each rank's keys are in
 * order; the last key of each rank is no greater than the first of the next
 * (ipc_allgather of every rank's count, first and last key); and the
 * multiset is unchanged: the count, the sum of the keys and the sum of a
 * 64-bit mix of each key (a multiset fingerprint: any change of a key, lost
 * or duplicated key changes it, except with negligible chance) are the same
 * before and after (ipc_allreduce).
 */
#include "common/workload.h"

#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int compare_keys(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return (x > y) - (x < y);
}

static void sort_keys(uint64_t *keys, size_t n)
{
    qsort(keys, n, sizeof *keys, compare_keys);
}

/* The number of keys[0..n) that are <= value; keys sorted. */
static size_t count_not_above(const uint64_t *keys, size_t n, uint64_t value)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (keys[mid] <= value)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* Count, sum and sum of mixes of the keys over every rank. */
enum { FP_COUNT, FP_SUM, FP_MIX_SUM, FP_LEN };

static void fingerprint(const uint64_t *keys, size_t n, uint64_t fp[FP_LEN])
{
    fp[FP_COUNT] = n;
    fp[FP_SUM] = fp[FP_MIX_SUM] = 0;
    for (size_t i = 0; i < n; i++) {
        fp[FP_SUM] += keys[i];
        fp[FP_MIX_SUM] += wl_mix(keys[i]);
    }
    wl_try(ipc_allreduce(IPC_IN_PLACE, fp, FP_LEN, IPC_UINT64, IPC_SUM, IPC_COMM_WORLD),
           "ipc_allreduce");
}

/* Steps 1 and 2: the size - 1 splitters, the same on every rank. */
static uint64_t *choose_splitters(const uint64_t *keys, size_t n, int size)
{
    uint64_t *mine = wl_alloc((size_t)size * sizeof(uint64_t), "the samples");
    uint64_t *all =
        wl_alloc((size_t)size * (size_t)size * sizeof(uint64_t), "the samples");
    for (int j = 0; j < size; j++)
        mine[j] = keys[(size_t)j * n / (size_t)size];
    wl_try(ipc_allgather(mine, (size_t)size, IPC_UINT64, all, (size_t)size, IPC_UINT64,
                         IPC_COMM_WORLD),
           "ipc_allgather");
    sort_keys(all, (size_t)size * (size_t)size);
    uint64_t *splitters = mine; /* reused: size - 1 of size entries */
    for (int d = 1; d < size; d++)
        splitters[d - 1] = all[(size_t)d * (size_t)size];
    free(all);
    return splitters;
}

/* Step 3: sends each rank its run of the sorted keys; returns what this rank
 * received (not yet sorted) and sets *received_n. */
static uint64_t *exchange(const uint64_t *keys, size_t n, const uint64_t *splitters,
                          int size, size_t *received_n)
{
    size_t *counts = wl_alloc(4 * (size_t)size * sizeof(size_t), "the counts");
    size_t *send_counts = counts, *send_displs = counts + size,
           *recv_counts = counts + 2 * size, *recv_displs = counts + 3 * size;
    size_t start = 0;
    for (int d = 0; d < size; d++) {
        size_t end = d < size - 1 ? count_not_above(keys, n, splitters[d]) : n;
        send_displs[d] = start;
        send_counts[d] = end - start;
        start = end;
    }
    /* One size_t to and from each rank, sent as bytes. */
    wl_try(ipc_alltoall(send_counts, sizeof(size_t), IPC_BYTE, recv_counts,
                        sizeof(size_t), IPC_BYTE, IPC_COMM_WORLD),
           "ipc_alltoall");
    size_t total = 0;
    for (int s = 0; s < size; s++) {
        recv_displs[s] = total;
        total += recv_counts[s];
    }
    uint64_t *received = wl_alloc(total * sizeof(uint64_t), "the received keys");
    wl_try(ipc_alltoallv(keys, send_counts, send_displs, IPC_UINT64, received,
                         recv_counts, recv_displs, IPC_UINT64, IPC_COMM_WORLD),
           "ipc_alltoallv");
    free(counts);
    *received_n = total;
    return received;
}

/* Whether every rank's keys are in order and each rank's last key is no
 * greater than the next non-empty rank's first. Sets *largest to the most
 * keys any rank holds. */
static int globally_sorted(const uint64_t *keys, size_t n, int size, uint64_t *largest,
                           char *why, size_t why_len)
{
    int ok = 1;
    for (size_t i = 1; i < n && ok; i++)
        if (keys[i - 1] > keys[i]) {
            snprintf(why, why_len, "rank %d's keys %zu and %zu are out of order",
                     wl_rank(), i - 1, i);
            ok = 0;
        }
    /* Collective: every rank goes on to here whatever it found. */
    uint64_t mine[3] = {n, n ? keys[0] : 0, n ? keys[n - 1] : 0}; /* count, first, last */
    uint64_t *ends = wl_alloc(3 * (size_t)size * sizeof(uint64_t), "the run ends");
    wl_try(ipc_allgather(mine, 3, IPC_UINT64, ends, 3, IPC_UINT64, IPC_COMM_WORLD),
           "ipc_allgather");
    int prev = -1;
    *largest = 0;
    for (int r = 0; r < size; r++) {
        if (ends[3 * r] == 0)
            continue;
        if (ends[3 * r] > *largest)
            *largest = ends[3 * r];
        if (ok && prev >= 0 && ends[3 * prev + 2] > ends[3 * r + 1]) {
            snprintf(why, why_len, "rank %d's last key is greater than rank %d's first",
                     prev, r);
            ok = 0;
        }
        prev = r;
    }
    free(ends);
    return ok;
}

int main(int argc, char **argv)
{
    wl_start(&argc, &argv, "sort");
    int rank = wl_rank(), size = wl_size();

    long total = 2000000;
    const struct wl_size_arg sizes[] = {
        {.name = "N", .about = "keys", .value = &total, .min = 1, .max = 1L << 40},
    };
    if (wl_parse_sizes(argc, argv, sizes, 1) != 0)
        return wl_end(WL_USAGE);
    if (total < size) {
        wl_usage_error(
            wl_usage(sizes, 1),
            "N = %ld is too small for %d ranks: every rank needs a key to start "
            "with",
            total, size);
        return wl_end(WL_USAGE);
    }

    long lo, hi;
    wl_block(total, size, rank, &lo, &hi);
    size_t n = (size_t)(hi - lo);
    uint64_t *keys = wl_alloc(n * sizeof(uint64_t), "the keys");
    for (size_t i = 0; i < n; i++)
        keys[i] = wl_mix((uint64_t)lo + i);
    uint64_t before[FP_LEN], after[FP_LEN];
    fingerprint(keys, n, before);

    double t0 = wl_clock_start();
    sort_keys(keys, n);
    uint64_t *splitters = choose_splitters(keys, n, size);
    size_t sorted_n;
    uint64_t *sorted = exchange(keys, n, splitters, size, &sorted_n);
    sort_keys(sorted, sorted_n);
    double seconds = wl_clock_stop(t0);

    char why[160] = "";
    uint64_t largest;
    int ok = globally_sorted(sorted, sorted_n, size, &largest, why, sizeof why);
    fingerprint(sorted, sorted_n, after);
    if (ok && memcmp(before, after, sizeof before) != 0) {
        snprintf(why, sizeof why,
                 "the keys changed: %" PRIu64 " keys before, %" PRIu64
                 " after, or their fingerprint differs",
                 before[FP_COUNT], after[FP_COUNT]);
        ok = 0;
    }
    ok = wl_check(ok, "%s", why);
    wl_result(ok, seconds, "%ld keys, at most %" PRIu64 " on a rank (%.2f x even)%s",
              total, largest, (double)largest * size / (double)total,
              ok ? ", globally sorted, same keys" : "");
    free(sorted);
    free(splitters);
    free(keys);
    return wl_end(ok ? WL_OK : WL_FAILED);
}
