/*
 * test_rng: stream-seed derivation against an independent reference and published constants,
 * xoshiro256** against a hand-stepped state, stream independence, and distribution checks with
 * fixed seeds and generous bounds.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "sim/rng.h"

/* ---- independent reference of the documented derivation ---------------------------------- */

static uint64_t ref_splitmix(uint64_t x)
{
        uint64_t z = x + 0x9e3779b97f4a7c15ULL;
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static uint64_t ref_fnv1a(const char *s)
{
        uint64_t h = 0xcbf29ce484222325ULL;
        while (*s)
                h = (h ^ (uint64_t)(unsigned char)*s++) * 0x100000001b3ULL;
        return h;
}

START_TEST(test_reference_constants)
{
        /* Published values: splitmix64 seeded with 0 first outputs 0xe220a8397b1dcdaf, then
         * 0x6e789e6aa1b965f4; FNV-1a 64 of "" is the offset basis, of "a" 0xaf63dc4c8601ec8c,
         * of "foobar" 0x85944171f73967e8. They pin the reference helpers above. */
        ck_assert_uint_eq(ref_splitmix(0), 0xe220a8397b1dcdafULL);
        ck_assert_uint_eq(ref_splitmix(0x9e3779b97f4a7c15ULL), 0x6e789e6aa1b965f4ULL);
        ck_assert_uint_eq(ref_fnv1a(""), 0xcbf29ce484222325ULL);
        ck_assert_uint_eq(ref_fnv1a("a"), 0xaf63dc4c8601ec8cULL);
        ck_assert_uint_eq(ref_fnv1a("foobar"), 0x85944171f73967e8ULL);
}
END_TEST

START_TEST(test_stream_seed_definition)
{
        /* rng_stream_seed(seed, n) = sm(sm(seed) ^ fnv(n)). */
        ck_assert_uint_eq(rng_stream_seed(0, "a"),
                          ref_splitmix(0xe220a8397b1dcdafULL ^ 0xaf63dc4c8601ec8cULL));
        static const char *names[] = { "", "a", "b", "core/cpu0", "os/rtos/task/brake" };
        static const uint64_t seeds[] = { 0, 1, 42, 0xdeadbeefULL, UINT64_MAX };
        for (size_t i = 0; i < 5; i++)
                for (size_t j = 0; j < 5; j++)
                        ck_assert_uint_eq(
                            rng_stream_seed(seeds[j], names[i]),
                            ref_splitmix(ref_splitmix(seeds[j]) ^ ref_fnv1a(names[i])));
        /* Same inputs, same value; different name or seed, different value. */
        ck_assert_uint_eq(rng_stream_seed(7, "a"), rng_stream_seed(7, "a"));
        ck_assert_uint_ne(rng_stream_seed(7, "a"), rng_stream_seed(7, "b"));
        ck_assert_uint_ne(rng_stream_seed(7, "a"), rng_stream_seed(8, "a"));
        ck_assert_uint_ne(rng_stream_seed(7, "ab"), rng_stream_seed(7, "ba"));
}
END_TEST

START_TEST(test_init_from_splitmix)
{
        /* s[i] = sm(x + i * gamma). */
        struct rng rng;
        uint64_t x = 0x0123456789abcdefULL;
        rng_init(&rng, x);
        for (uint64_t i = 0; i < 4; i++)
                ck_assert_uint_eq(rng.s[i], ref_splitmix(x + i * 0x9e3779b97f4a7c15ULL));

        struct rng named;
        struct rng manual;
        rng_init_named(&named, 5, "dram");
        rng_init(&manual, rng_stream_seed(5, "dram"));
        for (int i = 0; i < 4; i++)
                ck_assert_uint_eq(named.s[i], manual.s[i]);
}
END_TEST

START_TEST(test_xoshiro_by_hand)
{
        /* State {1, 2, 3, 4}, stepped by hand:
         * out1 = rotl(2 * 5, 7) * 9 = 1280 * 9 = 11520;
         *   t = 2 << 17; s2 = 3^1 = 2; s3 = 4^2 = 6; s1 = 2^2 = 0; s0 = 1^6 = 7;
         *   s2 = 2 ^ 262144 = 262146; s3 = rotl(6, 45).
         * out2 = rotl(0, 7) * 9 = 0;
         *   t = 0; s2 = 262146 ^ 7 = 262149; s3 unchanged by ^ s1 = 0; s1 = 0 ^ 262149 = 262149.
         * out3 = rotl(262149 * 5, 7) * 9 = 1310745 * 128 * 9 = 1509978240 (no bit wraps). */
        struct rng rng = { .s = { 1, 2, 3, 4 } };
        ck_assert_uint_eq(rng_next(&rng), 11520);
        ck_assert_uint_eq(rng_next(&rng), 0);
        ck_assert_uint_eq(rng_next(&rng), 1509978240ULL);
}
END_TEST

START_TEST(test_streams_independent)
{
        enum { N = 1000 };
        uint64_t alone_a[N];
        uint64_t alone_b[N];
        struct rng a;
        struct rng b;

        rng_init_named(&a, 11, "core0");
        for (int i = 0; i < N; i++)
                alone_a[i] = rng_next(&a);
        rng_init_named(&b, 11, "core1");
        for (int i = 0; i < N; i++)
                alone_b[i] = rng_next(&b);

        /* Interleaved (with a third stream drawing in between) gives the same sequences. */
        struct rng c;
        rng_init_named(&a, 11, "core0");
        rng_init_named(&c, 11, "new-component");
        rng_init_named(&b, 11, "core1");
        int differ = 0;
        for (int i = 0; i < N; i++) {
                differ += rng_next(&a) != alone_a[i];
                (void)rng_next(&c);
                differ += rng_next(&b) != alone_b[i];
        }
        ck_assert_int_eq(differ, 0);
        /* And the two streams are not the same sequence. */
        int same = 0;
        for (int i = 0; i < N; i++)
                same += alone_a[i] == alone_b[i];
        ck_assert_int_eq(same, 0);
}
END_TEST

/* ---- distributions -------------------------------------------------------------------------- */

START_TEST(test_range_bounds)
{
        struct rng rng;
        rng_init(&rng, 3);
        for (int i = 0; i < 100; i++)
                ck_assert_uint_eq(rng_range(&rng, 42, 42), 42);
        /* [5, 7]: all three values appear in 3000 draws, nothing else. */
        int seen[3] = { 0, 0, 0 };
        int outside = 0;
        for (int i = 0; i < 3000; i++) {
                uint64_t v = rng_range(&rng, 5, 7);
                if (v < 5 || v > 7)
                        outside++;
                else
                        seen[v - 5]++;
        }
        ck_assert_int_eq(outside, 0);
        for (int i = 0; i < 3; i++)
                ck_assert_int_gt(seen[i], 800); /* expected 1000, sd 26 */
        /* Ranges touching the ends of uint64. */
        for (int i = 0; i < 1000; i++) {
                ck_assert_uint_ge(rng_range(&rng, UINT64_MAX - 1, UINT64_MAX), UINT64_MAX - 1);
                ck_assert_uint_le(rng_range(&rng, 0, 1), 1);
        }
        (void)rng_range(&rng, 0, UINT64_MAX); /* full range: any value is valid */
}
END_TEST

/* Pearson chi-square of `counts` against equal expectations. */
static double chi_square(const uint64_t *counts, int bins, uint64_t total)
{
        double expected = (double)total / bins;
        double chi = 0.0;
        for (int i = 0; i < bins; i++) {
                double d = (double)counts[i] - expected;
                chi += d * d / expected;
        }
        return chi;
}

START_TEST(test_range_uniform_chi_square)
{
        struct rng rng;
        rng_init_named(&rng, 2024, "chi");
        uint64_t counts[10] = { 0 };
        for (int i = 0; i < 100000; i++)
                counts[rng_range(&rng, 0, 9)]++;
        /* 9 degrees of freedom: P(chi2 > 27.9) = 0.001; 40 is generous. */
        ck_assert_double_lt(chi_square(counts, 10, 100000), 40.0);

        /* n = 3 * 2^62: 2^64 mod n = 2^62, so a modulo reduction would give the first third
         * twice the weight of the others (chi2 in the tens of thousands). Unbiased: 2 dof,
         * P(chi2 > 13.8) = 0.001; 20 is generous. */
        uint64_t thirds[3] = { 0 };
        uint64_t hi = 3 * (1ULL << 62) - 1;
        for (int i = 0; i < 60000; i++) {
                uint64_t v = rng_range(&rng, 0, hi);
                ck_assert_uint_le(v, hi);
                thirds[v >> 62]++;
        }
        ck_assert_double_lt(chi_square(thirds, 3, 60000), 20.0);
}
END_TEST

START_TEST(test_uniform_unit_interval)
{
        struct rng rng;
        rng_init(&rng, 8);
        double sum = 0.0;
        int outside = 0;
        for (int i = 0; i < 100000; i++) {
                double u = rng_uniform(&rng);
                outside += !(u >= 0.0 && u < 1.0);
                sum += u;
        }
        ck_assert_int_eq(outside, 0);
        /* Mean 0.5, standard error sqrt(1/12 / 1e5) = 0.00091: 0.005 is 5.5 SE. */
        ck_assert_double_eq_tol(sum / 100000, 0.5, 0.005);
}
END_TEST

START_TEST(test_normal_moments)
{
        struct rng rng;
        rng_init_named(&rng, 1, "normal");
        enum { N = 100000 };
        double sum = 0.0;
        double sum_sq = 0.0;
        for (int i = 0; i < N; i++) {
                double x = rng_normal(&rng, 5.0, 2.0);
                sum += x;
                sum_sq += x * x;
        }
        double mean = sum / N;
        double var = sum_sq / N - mean * mean;
        /* SE of the mean 2/sqrt(1e5) = 0.0063; of the sd about 2/sqrt(2e5) = 0.0045. */
        ck_assert_double_eq_tol(mean, 5.0, 0.04);
        ck_assert_double_eq_tol(sqrt(var), 2.0, 0.03);
}
END_TEST

START_TEST(test_exponential_mean)
{
        struct rng rng;
        rng_init_named(&rng, 1, "exponential");
        enum { N = 100000 };
        double sum = 0.0;
        int negative = 0;
        for (int i = 0; i < N; i++) {
                double x = rng_exponential(&rng, 3.0);
                negative += x < 0.0 || !isfinite(x);
                sum += x;
        }
        ck_assert_int_eq(negative, 0);
        /* SE of the mean 3/sqrt(1e5) = 0.0095. */
        ck_assert_double_eq_tol(sum / N, 3.0, 0.06);
}
END_TEST

static Suite *rng_suite(void)
{
        Suite *s = suite_create("rng");
        TCase *seeding = tcase_create("seeding");
        tcase_add_test(seeding, test_reference_constants);
        tcase_add_test(seeding, test_stream_seed_definition);
        tcase_add_test(seeding, test_init_from_splitmix);
        tcase_add_test(seeding, test_xoshiro_by_hand);
        tcase_add_test(seeding, test_streams_independent);
        suite_add_tcase(s, seeding);
        TCase *dist = tcase_create("distributions");
        tcase_add_test(dist, test_range_bounds);
        tcase_add_test(dist, test_range_uniform_chi_square);
        tcase_add_test(dist, test_uniform_unit_interval);
        tcase_add_test(dist, test_normal_moments);
        tcase_add_test(dist, test_exponential_mean);
        suite_add_tcase(s, dist);
        return s;
}

int main(void)
{
        SRunner *runner = srunner_create(rng_suite());
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
