/*
 * Credit: proportional shares by weight converge within 2% over 1 s (exactly, per accounting
 * period), caps are respected, and an idle vCPU's share goes to the others.
 * Cores at 1 GHz; default time slice and accounting period T = 30 ms.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "tests/unit/test_hv_harness.h"

/* |measured - expected| <= 2% of expected, in integers. */
static void assert_within_2_percent(uint64_t measured, uint64_t expected)
{
        uint64_t error = measured > expected ? measured - expected : expected - measured;

        ck_assert_uint_le(error * 50, expected);
}

/*
 * Weights 256 / 512 / 256, three always-busy vCPUs on one core, 1 s. Every accounting period
 * of 30 ms gives credits T * w / W = 7.5, 15 and 7.5 ms; each vCPU runs while UNDER until its
 * credit is exactly spent, so each period holds 7.5 + 15 + 7.5 ms in some order. The order
 * rotates (the vCPU running at the period's end keeps its slice): a b c | c a b | b c a | a ...
 * After 33 periods (990 ms): a 247.5, b 495, c 247.5 ms. Period 33 (order a b c) runs a
 * 990-997.5 and b 997.5-1000. At 1 s: a 255, b 497.5, c 247.5 ms against the ideal 250, 500,
 * 250: errors 2.0%, 0.5%, 1.0% (the 7.5 ms head start of a, bounded by one share).
 */
START_TEST(test_credit_weights_converge)
{
        static const uint32_t weights[] = { 256, 512, 256 };
        static const uint64_t expected_us[] = { 255000, 497500, 247500 };
        static const uint64_t ideal_us[] = { 250000, 500000, 250000 };
        static const char *const names[] = { "a", "b", "c" };
        struct hvt t;

        hvt_init(&t, HV_POLICY_CREDIT, 1);
        for (size_t i = 0; i < 3; i++) {
                hvt_vm(&t, names[i], 0)->weight = weights[i];
                hvt_busy(&t, i);
        }
        hvt_run(&t, 1000 * MS);
        for (size_t i = 0; i < 3; i++) {
                ck_assert_uint_eq(hvt_run_time(&t, i), expected_us[i] * US);
                assert_within_2_percent(hvt_run_time(&t, i), ideal_us[i] * US);
        }
        ck_assert_uint_eq(core_busy_ps(&t.cores[0], 1000 * MS), 1000 * MS);
        hvt_free(&t);
}
END_TEST

/*
 * Cap: two always-busy vCPUs of equal weight, a capped at 20% of T = 6 ms per period.
 *   0-6    a (UNDER, credit 15): parked at 6 ms of use; b 6-30 (UNDER to 21, then OVER alone)
 *   30     credits: a min(9 + 15, 15) = 15, b -9 + 15 = 6; b keeps its slice (to 36) 30-36,
 *          then a 36-42 (parked), b 42-60
 *   60     a 15, b -18 + 15 = -3 (OVER): a first 60-66, b 66-90; and so on
 * a runs exactly 6 ms in every period: 33 * 6 = 198 ms in 990 ms (20%), b the other 792 ms;
 * the core never idles (b is always eligible).
 */
START_TEST(test_credit_cap)
{
        struct hvt t;

        hvt_init(&t, HV_POLICY_CREDIT, 1);
        hvt_vm(&t, "a", 0)->cap_percent = 20;
        hvt_vm(&t, "b", 0);
        hvt_busy(&t, 0);
        hvt_busy(&t, 1);
        hvt_run(&t, 990 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 0), 198 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 1), 792 * MS);
        hvt_free(&t);
}
END_TEST

/*
 * A cap holds even on an otherwise idle core: one always-busy vCPU capped at 50% runs 15 ms of
 * every 30: 495 ms in 990 ms, and the core idles the rest.
 */
START_TEST(test_credit_cap_alone)
{
        struct hvt t;

        hvt_init(&t, HV_POLICY_CREDIT, 1);
        hvt_vm(&t, "a", 0)->cap_percent = 50;
        hvt_busy(&t, 0);
        hvt_run(&t, 990 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 0), 495 * MS);
        ck_assert_uint_eq(core_busy_ps(&t.cores[0], 990 * MS), 495 * MS);
        hvt_free(&t);
}
END_TEST

/*
 * Guest response under credit (no BOOST for waking vCPUs, so latency depends on the phase of
 * the competitor's slice): a (weight 256) runs a guest task C = 5 ms, T = 30 ms; b (weight
 * 768) is always busy. Credits per period: a 7.5, b 22.5 ms.
 *   0   a (first in the queue) runs 0-5: R = 5 ms; b 5-30 (slice 5-35; OVER from 27.5)
 *   30  b -2.5 + 22.5 = 20 (UNDER) and its slice lasts to 35: b 30-35, a 35-40: R = 10 ms;
 *       b from 40 (slice 40-70)
 *   60  b keeps its slice to 70: a 70-75: R = 15 ms
 * Run 90 ms: responses 5, 10, 15 ms; b ran 90 - 15 = 75 ms.
 */
START_TEST(test_credit_guest_response)
{
        struct hvt t;
        const struct histogram *response;

        hvt_init(&t, HV_POLICY_CREDIT, 1);
        hvt_vm(&t, "a", 0)->weight = 256;
        hvt_vm(&t, "b", 0)->weight = 768;
        hvt_task(&t, 0, "task", 30 * MS, 5000000, 1);
        hvt_busy(&t, 1);
        hvt_run(&t, 90 * MS);
        response = hvt_response(&t, 0, "task");
        ck_assert_uint_eq(response->count, 3);
        ck_assert_uint_eq(response->min, 5 * MS);
        ck_assert_uint_eq(response->max, 15 * MS);
        ck_assert(response->sum == 30 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 1), 75 * MS);
        hvt_free(&t);
}
END_TEST

START_TEST(test_credit_invalid)
{
        struct hvt t;

        hvt_init(&t, HV_POLICY_CREDIT, 1);
        hvt_vm(&t, "a", 0)->cap_percent = 100;
        ck_assert_int_eq(hv_check_config(&t.config, 1), 0);
        t.vcpus[0].cap_percent = 101;
        ck_assert_int_eq(hv_check_config(&t.config, 1), -EINVAL);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("hv_credit");
        TCase *tc = tcase_create("credit");
        SRunner *runner;
        int failed;

        tcase_add_test(tc, test_credit_weights_converge);
        tcase_add_test(tc, test_credit_cap);
        tcase_add_test(tc, test_credit_cap_alone);
        tcase_add_test(tc, test_credit_guest_response);
        tcase_add_test(tc, test_credit_invalid);
        suite_add_tcase(suite, tc);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
