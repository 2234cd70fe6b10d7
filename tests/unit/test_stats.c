/*
 * test_stats: histogram counts, extremes and mean exactly; percentiles against exact
 * nearest-rank order statistics computed here by sorting, within the documented bound, plus a
 * few values worked out by hand from the bucket layout.
 */
#include <check.h>
#include <stdlib.h>

#include "sim/rng.h"
#include "sim/stats.h"

/* p as an exact fraction num/den percent, so the reference rank needs no floating point. */
struct percent {
        double p;
        uint64_t num;
        uint64_t den;
};

static const struct percent PERCENTS[] = {
        { 0, 0, 1 },   { 1, 1, 1 },       { 10, 10, 1 },        { 25, 25, 1 },
        { 50, 50, 1 }, { 75, 75, 1 },     { 90, 90, 1 },        { 95, 95, 1 },
        { 99, 99, 1 }, { 99.9, 999, 10 }, { 99.99, 9999, 100 }, { 100, 100, 1 },
};
#define N_PERCENTS (sizeof(PERCENTS) / sizeof(PERCENTS[0]))

static int compare_u64(const void *pa, const void *pb)
{
        uint64_t a = *(const uint64_t *)pa;
        uint64_t b = *(const uint64_t *)pb;
        return (a > b) - (a < b);
}

/* Exact nearest rank: ceil(num/den/100 * n), at least 1 (n < 2^40 here, so no overflow). */
static uint64_t exact_rank(const struct percent *pc, uint64_t n)
{
        uint64_t den = 100 * pc->den;
        uint64_t rank = (pc->num * n + den - 1) / den;
        return rank == 0 ? 1 : rank;
}

/* |reported - exact| <= bound * exact, for every percentile of PERCENTS. */
static void assert_percentiles_within_bound(const struct histogram *h, uint64_t *values, size_t n)
{
        qsort(values, n, sizeof(*values), compare_u64);
        double bound = histogram_relative_error_bound();
        for (size_t i = 0; i < N_PERCENTS; i++) {
                uint64_t exact = values[exact_rank(&PERCENTS[i], n) - 1];
                uint64_t got = histogram_percentile(h, PERCENTS[i].p);
                uint64_t diff = got > exact ? got - exact : exact - got;
                ck_assert_msg((double)diff <= bound * (double)exact, "p%g: got %llu, exact %llu",
                              PERCENTS[i].p, (unsigned long long)got, (unsigned long long)exact);
        }
}

START_TEST(test_bound_value)
{
        /* 2^-(8+1) = 1/512. */
        ck_assert_double_eq(histogram_relative_error_bound(), 1.0 / 512.0);
}
END_TEST

START_TEST(test_empty)
{
        struct histogram h;
        histogram_init(&h);
        ck_assert_uint_eq(h.count, 0);
        ck_assert_uint_eq(histogram_percentile(&h, 50), 0);
        ck_assert_uint_eq(histogram_percentile(&h, 0), 0);
        ck_assert_uint_eq(histogram_percentile(&h, 100), 0);
        ck_assert_double_eq(histogram_mean(&h), 0.0);
        histogram_free(&h);
        struct histogram zero = { 0 }; /* zero-filled is a valid empty histogram */
        ck_assert_int_eq(histogram_record(&zero, 3), 0);
        ck_assert_uint_eq(histogram_percentile(&zero, 50), 3);
        histogram_free(&zero);
        ck_assert_uint_eq(zero.count, 0);
}
END_TEST

START_TEST(test_small_values_exact)
{
        struct histogram h;
        histogram_init(&h);
        /* 0..255 once each, plus 7 three more times: 259 samples. */
        for (uint64_t v = 0; v < 256; v++)
                ck_assert_int_eq(histogram_record(&h, v), 0);
        for (int i = 0; i < 3; i++)
                histogram_record(&h, 7);
        ck_assert_uint_eq(h.count, 259);
        ck_assert_uint_eq(h.min, 0);
        ck_assert_uint_eq(h.max, 255);
        /* Sorted: 0..6 (ranks 1-7), 7 x4 (ranks 8-11), 8..255 (ranks 12-259, value = rank-4).
         * p50: ceil(129.5) = 130 -> 126. p1: ceil(2.59) = 3 -> 2. p4: ceil(10.36) = 11 -> 7.
         * p5: ceil(12.95) = 13 -> 9. p99: ceil(256.41) = 257 -> 253. */
        ck_assert_uint_eq(histogram_percentile(&h, 50), 126);
        ck_assert_uint_eq(histogram_percentile(&h, 1), 2);
        ck_assert_uint_eq(histogram_percentile(&h, 4), 7);
        ck_assert_uint_eq(histogram_percentile(&h, 5), 9);
        ck_assert_uint_eq(histogram_percentile(&h, 99), 253);
        ck_assert_uint_eq(histogram_percentile(&h, 0), 0);
        ck_assert_uint_eq(histogram_percentile(&h, 100), 255);
        /* sum = 255*256/2 + 21 = 32661; mean = 32661 / 259. */
        ck_assert_double_eq_tol(histogram_mean(&h), 32661.0 / 259.0, 1e-12);
        histogram_free(&h);
}
END_TEST

START_TEST(test_one_to_thousand)
{
        struct histogram h;
        uint64_t values[1000];
        histogram_init(&h);
        for (uint64_t v = 1; v <= 1000; v++) {
                values[v - 1] = v;
                histogram_record(&h, v);
        }
        ck_assert_uint_eq(h.count, 1000);
        ck_assert_uint_eq(h.min, 1);
        ck_assert_uint_eq(h.max, 1000);
        ck_assert_double_eq(histogram_mean(&h), 500.5);
        /* By hand: p50 -> rank 500 -> 500, in [256, 512) where buckets are 1 wide: exact.
         * p99 -> rank 990: [512, 1024) has 2-wide buckets; 990 is in [990, 991], midpoint
         * 990 + 2/2 = 991. p99.9 -> rank 999 (not 1000: 99.9 is stored slightly high) in
         * [998, 999] -> 999. p90 -> rank 900 in [900, 901] -> 901. */
        ck_assert_uint_eq(histogram_percentile(&h, 50), 500);
        ck_assert_uint_eq(histogram_percentile(&h, 99), 991);
        ck_assert_uint_eq(histogram_percentile(&h, 99.9), 999);
        ck_assert_uint_eq(histogram_percentile(&h, 90), 901);
        ck_assert_uint_eq(histogram_percentile(&h, 100), 1000);
        ck_assert_uint_eq(histogram_percentile(&h, 0), 1);
        assert_percentiles_within_bound(&h, values, 1000);
        histogram_free(&h);
}
END_TEST

START_TEST(test_random_sets)
{
        enum { N = 100000 };
        uint64_t *values = malloc(N * sizeof(*values));
        ck_assert_ptr_nonnull(values);
        struct rng rng;
        rng_init_named(&rng, (uint64_t)_i, "stats");
        struct histogram h;
        histogram_init(&h);
        long double sum = 0;
        for (int i = 0; i < N; i++) {
                /* Spread over all magnitudes: a random 64-bit value shifted right 0..63. */
                uint64_t v = rng_next(&rng) >> rng_range(&rng, 0, 63);
                if (_i == 1)
                        v = 1000000 + rng_range(&rng, 0, 9999999); /* latency-like, ps */
                values[i] = v;
                sum += (long double)v;
                ck_assert_int_eq(histogram_record(&h, v), 0);
        }
        ck_assert_uint_eq(h.count, N);
        ck_assert_double_eq_tol(histogram_mean(&h), (double)(sum / N), 1e-6 * (double)(sum / N));
        assert_percentiles_within_bound(&h, values, N); /* sorts values */
        ck_assert_uint_eq(h.min, values[0]);
        ck_assert_uint_eq(h.max, values[N - 1]);
        histogram_free(&h);
        free(values);
}
END_TEST

START_TEST(test_huge_values)
{
        struct histogram h;
        histogram_init(&h);
        uint64_t values[] = { UINT64_MAX, UINT64_MAX - 1, 1ULL << 63, (1ULL << 63) - 1 };
        for (int i = 0; i < 4; i++)
                ck_assert_int_eq(histogram_record(&h, values[i]), 0);
        ck_assert_uint_eq(h.min, (1ULL << 63) - 1);
        ck_assert_uint_eq(h.max, UINT64_MAX);
        ck_assert_uint_eq(histogram_percentile(&h, 100), UINT64_MAX);
        ck_assert_uint_eq(histogram_percentile(&h, 0), (1ULL << 63) - 1);
        /* p75 -> rank 3 -> UINT64_MAX - 1, whose bucket [2^64 - 2^55, 2^64 - 1] has midpoint
         * 2^64 - 2^55 + 2^54 = UINT64_MAX - 2^54 + 1. */
        ck_assert_uint_eq(histogram_percentile(&h, 75), UINT64_MAX - (1ULL << 54) + 1);
        /* Sum (2^64 - 1) + (2^64 - 2) + 2^63 + (2^63 - 1) = 3 * 2^64 - 4 (exact in long
         * double); mean 0.75 * 2^64 - 1, which rounds to 0.75 * 2^64 as a double. */
        ck_assert_double_eq(histogram_mean(&h), 0.75 * 18446744073709551616.0);
        assert_percentiles_within_bound(&h, values, 4);
        histogram_free(&h);
}
END_TEST

START_TEST(test_merge)
{
        struct histogram low;
        struct histogram high;
        struct histogram all;
        struct histogram merged;
        histogram_init(&low);
        histogram_init(&high);
        histogram_init(&all);
        histogram_init(&merged);
        for (uint64_t v = 1; v <= 500; v++) {
                histogram_record(&low, v * 1000);
                histogram_record(&all, v * 1000);
        }
        for (uint64_t v = 501; v <= 1000; v++) {
                histogram_record(&high, v * 1000);
                histogram_record(&all, v * 1000);
        }
        ck_assert_int_eq(histogram_merge(&merged, &high), 0); /* into an empty histogram */
        ck_assert_int_eq(histogram_merge(&merged, &low), 0);
        struct histogram empty;
        histogram_init(&empty);
        ck_assert_int_eq(histogram_merge(&merged, &empty), 0); /* no change */
        ck_assert_uint_eq(merged.count, 1000);
        ck_assert_uint_eq(merged.min, 1000);
        ck_assert_uint_eq(merged.max, 1000000);
        ck_assert_double_eq(histogram_mean(&merged), histogram_mean(&all));
        ck_assert_double_eq(histogram_mean(&merged), 500500.0);
        for (size_t i = 0; i < N_PERCENTS; i++)
                ck_assert_uint_eq(histogram_percentile(&merged, PERCENTS[i].p),
                                  histogram_percentile(&all, PERCENTS[i].p));
        /* Sources are unchanged. */
        ck_assert_uint_eq(low.count, 500);
        ck_assert_uint_eq(high.min, 501000);
        histogram_free(&low);
        histogram_free(&high);
        histogram_free(&all);
        histogram_free(&merged);
        histogram_free(&empty);
}
END_TEST

START_TEST(test_reset)
{
        struct histogram h;
        histogram_init(&h);
        for (uint64_t v = 1; v <= 100; v++)
                histogram_record(&h, v * v * v);
        histogram_reset(&h);
        ck_assert_uint_eq(h.count, 0);
        ck_assert_uint_eq(histogram_percentile(&h, 50), 0);
        ck_assert_double_eq(histogram_mean(&h), 0.0);
        histogram_record(&h, 40);
        histogram_record(&h, 20);
        ck_assert_uint_eq(h.count, 2);
        ck_assert_uint_eq(h.min, 20);
        ck_assert_uint_eq(h.max, 40);
        ck_assert_uint_eq(histogram_percentile(&h, 50), 20); /* rank 1 */
        ck_assert_uint_eq(histogram_percentile(&h, 51), 40); /* rank ceil(1.02) = 2 */
        ck_assert_double_eq(histogram_mean(&h), 30.0);
        histogram_free(&h);
}
END_TEST

static Suite *stats_suite(void)
{
        Suite *s = suite_create("stats");
        TCase *tc = tcase_create("histogram");
        tcase_add_test(tc, test_bound_value);
        tcase_add_test(tc, test_empty);
        tcase_add_test(tc, test_small_values_exact);
        tcase_add_test(tc, test_one_to_thousand);
        tcase_add_loop_test(tc, test_random_sets, 0, 2);
        tcase_add_test(tc, test_huge_values);
        tcase_add_test(tc, test_merge);
        tcase_add_test(tc, test_reset);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *runner = srunner_create(stats_suite());
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
