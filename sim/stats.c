/*
 * stats: log-linear histograms.
 *
 * Bucket layout with S = STATS_SUB_BITS: group 0 holds the values 0 .. 2^S - 1, one bucket
 * each. A value v >= 2^S with highest set bit m (S <= m <= 63) is in group m - S + 1, bucket
 * (v >> (m - S)) - 2^S of it: the range [2^m, 2^(m+1)) split into 2^S buckets of width
 * 2^(m - S). Groups are allocated on demand, up to the highest group used.
 */
#include "sim/stats.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SUB_BUCKETS (1u << STATS_SUB_BITS)
#define GROUPS_MAX  (64u - STATS_SUB_BITS + 1u)

static unsigned highest_bit(uint64_t v)
{
        return 63u - (unsigned)__builtin_clzll(v);
}

static unsigned group_of(uint64_t value)
{
        return value < SUB_BUCKETS ? 0 : highest_bit(value) - STATS_SUB_BITS + 1;
}

static size_t bucket_of(uint64_t value)
{
        if (value < SUB_BUCKETS)
                return (size_t)value;
        unsigned shift = highest_bit(value) - STATS_SUB_BITS;
        return (size_t)(shift + 1) * SUB_BUCKETS + (size_t)((value >> shift) - SUB_BUCKETS);
}

/* Smallest value and width of bucket `index`. */
static void bucket_range(size_t index, uint64_t *low, uint64_t *width)
{
        size_t group = index / SUB_BUCKETS;
        uint64_t sub = index % SUB_BUCKETS;

        if (group == 0) {
                *low = sub;
                *width = 1;
                return;
        }
        unsigned shift = (unsigned)group - 1;
        *low = (SUB_BUCKETS + sub) << shift;
        *width = 1ULL << shift;
}

void histogram_init(struct histogram *h)
{
        memset(h, 0, sizeof(*h));
}

void histogram_free(struct histogram *h)
{
        free(h->buckets);
        histogram_init(h);
}

void histogram_reset(struct histogram *h)
{
        if (h->buckets)
                memset(h->buckets, 0, (size_t)h->groups * SUB_BUCKETS * sizeof(*h->buckets));
        h->count = 0;
        h->min = 0;
        h->max = 0;
        h->sum = 0;
}

/* Make groups 0 .. group exist. */
static int reserve_group(struct histogram *h, unsigned group)
{
        if (group < h->groups)
                return 0;
        unsigned groups = group + 1;
        uint64_t *buckets = realloc(h->buckets, (size_t)groups * SUB_BUCKETS * sizeof(*buckets));
        if (!buckets)
                return -ENOMEM;
        memset(buckets + (size_t)h->groups * SUB_BUCKETS, 0,
               (size_t)(groups - h->groups) * SUB_BUCKETS * sizeof(*buckets));
        h->buckets = buckets;
        h->groups = groups;
        return 0;
}

int histogram_record(struct histogram *h, uint64_t value)
{
        if (reserve_group(h, group_of(value)) != 0)
                return -ENOMEM;
        h->buckets[bucket_of(value)]++;
        if (h->count == 0 || value < h->min)
                h->min = value;
        if (h->count == 0 || value > h->max)
                h->max = value;
        h->count++;
        h->sum += (long double)value;
        return 0;
}

int histogram_merge(struct histogram *dst, const struct histogram *src)
{
        if (src->count == 0)
                return 0;
        if (reserve_group(dst, src->groups - 1) != 0)
                return -ENOMEM;
        for (size_t i = 0; i < (size_t)src->groups * SUB_BUCKETS; i++)
                dst->buckets[i] += src->buckets[i];
        if (dst->count == 0 || src->min < dst->min)
                dst->min = src->min;
        if (dst->count == 0 || src->max > dst->max)
                dst->max = src->max;
        dst->count += src->count;
        dst->sum += src->sum;
        return 0;
}

double histogram_mean(const struct histogram *h)
{
        return h->count == 0 ? 0.0 : (double)(h->sum / (long double)h->count);
}

/*
 * Nearest rank ceil(p / 100 * n), at least 1. p * n / 100 is computed in long double and
 * nudged down by a relative 1e-12 before rounding up, so that a decimal p such as 99.9, which
 * binary floating point stores slightly high, does not move the rank up by one.
 */
static uint64_t nearest_rank(double p, uint64_t n)
{
        long double exact = (long double)p * (long double)n / 100.0L;
        long double rank = ceill(exact - exact * 1e-12L);

        if (rank < 1.0L)
                return 1;
        if (rank >= (long double)n)
                return n;
        return (uint64_t)rank;
}

uint64_t histogram_percentile(const struct histogram *h, double p)
{
        if (h->count == 0)
                return 0;
        if (!(p > 0.0))
                return h->min;
        if (p >= 100.0)
                return h->max;
        uint64_t rank = nearest_rank(p, h->count);
        uint64_t seen = 0;
        size_t nbuckets = (size_t)h->groups * SUB_BUCKETS;

        for (size_t i = 0; i < nbuckets; i++) {
                seen += h->buckets[i];
                if (seen < rank)
                        continue;
                uint64_t low;
                uint64_t width;
                bucket_range(i, &low, &width);
                uint64_t mid = low + width / 2;
                if (mid < h->min)
                        return h->min;
                return mid > h->max ? h->max : mid;
        }
        return h->max; /* not reached: the buckets hold count values */
}

double histogram_relative_error_bound(void)
{
        return ldexp(1.0, -(STATS_SUB_BITS + 1));
}
