/*
 * stats: histograms for latency-like values (unsigned 64-bit, typically picoseconds).
 *
 * A histogram keeps the exact count, minimum, maximum and sum (so the mean is exact up to
 * double rounding) and log-linear buckets for percentiles: values below 2^STATS_SUB_BITS are
 * counted exactly; above, each power of two is split into 2^STATS_SUB_BITS equal buckets.
 * A reported percentile is the midpoint of the bucket that holds the exact rank, clamped to
 * [min, max], so its relative error against the exact order statistic is at most
 * 2^-(STATS_SUB_BITS+1) (0.2% with STATS_SUB_BITS = 8). Percentiles use the nearest-rank
 * definition: p of n samples is the sample of rank ceil(p/100 * n) (rank 1 for p = 0); p*n/100
 * is nudged down by a relative 1e-12 before rounding up, so that a decimal p such as 99.9
 * (stored slightly high in binary) does not pick the next rank. p = 0 gives the exact min and
 * p = 100 the exact max. Buckets are allocated lazily, by groups of 2^STATS_SUB_BITS up to the
 * largest value seen (2 KiB while all values are below 256, at most 114 KiB); histogram_record and
 * histogram_merge return -ENOMEM if that fails and then leave the histogram unchanged.
 * A zero-filled struct histogram is a valid empty histogram; histogram_free makes it empty.
 */
#ifndef MOSAIC_SIM_STATS_H
#define MOSAIC_SIM_STATS_H

#include <stdint.h>

#define STATS_SUB_BITS 8

struct histogram {
        uint64_t count;
        uint64_t min;
        uint64_t max;
        long double sum;
        uint64_t *buckets; /* lazily allocated: `groups` groups of 2^STATS_SUB_BITS buckets */
        unsigned groups;   /* allocated groups: 0 holds [0, 2^S), g >= 1 [2^(g+S-1), 2^(g+S)) */
};

void histogram_init(struct histogram *h);
void histogram_free(struct histogram *h);
void histogram_reset(struct histogram *h);
int histogram_record(struct histogram *h, uint64_t value);
/* Merge src into dst: 0 or -ENOMEM. */
int histogram_merge(struct histogram *dst, const struct histogram *src);
/* Mean, or 0 for an empty histogram. */
double histogram_mean(const struct histogram *h);
/* Nearest-rank percentile, p in [0, 100]; 0 for an empty histogram. */
uint64_t histogram_percentile(const struct histogram *h, double p);
/* Upper bound of the relative error of histogram_percentile. */
double histogram_relative_error_bound(void);

#endif
