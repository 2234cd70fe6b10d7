/*
 * RTDS: deferrable-server budget consumption and replenishment per period (Xen defaults
 * 10 ms / 4 ms), extra time in slack, and EDF order between vCPUs of one core.
 * Cores at 1 GHz: 1 cycle = 1 ns.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "tests/unit/test_hv_harness.h"

/*
 * One vCPU with the defaults (budget and period 0 = Xen's 4 ms and 10 ms), always busy, alone
 * on its core: it runs [10k, 10k + 4) of every period and waits 6 ms for each replenishment.
 * Run 95 ms: periods 0..90 start in the run, all ten budgets are spent ([90, 94) included):
 * 40 ms of guest work. Dispatches at 0, 10, ..., 90: ten wait samples, the first 0 and nine
 * of 6 ms. The core is busy exactly those 40 ms.
 */
START_TEST(test_rtds_default_budget_per_period)
{
        struct hvt t;
        const struct histogram *wait;

        hvt_init(&t, HV_POLICY_RTDS, 1);
        hvt_vm(&t, "vm", 0);
        hvt_busy(&t, 0);
        hvt_run(&t, 95 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 0), 40 * MS);
        ck_assert_uint_eq(core_busy_ps(&t.cores[0], 95 * MS), 40 * MS);
        wait = hvt_wait(&t, 0);
        ck_assert_uint_eq(wait->count, 10);
        ck_assert_uint_eq(wait->min, 0);
        ck_assert_uint_eq(wait->max, 6 * MS);
        ck_assert(wait->sum == 9 * 6 * MS);
        hvt_free(&t);
}
END_TEST

/* The same vCPU with extra time uses the idle 6 ms of each period too: 95 ms of 95, one
 * dispatch. */
START_TEST(test_rtds_extra_time_uses_idle)
{
        struct hvt t;

        hvt_init(&t, HV_POLICY_RTDS, 1);
        hvt_vm(&t, "vm", 0)->extra_time = true;
        hvt_busy(&t, 0);
        hvt_run(&t, 95 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 0), 95 * MS);
        ck_assert_uint_eq(hvt_wait(&t, 0)->count, 1);
        hvt_free(&t);
}
END_TEST

/*
 * EDF between two always-busy vCPUs on one core: A budget 4 / period 10 ms, B 3 / 6 ms
 * (U = 0.4 + 0.5 = 0.9). Deadlines are period ends. Timeline (ms):
 *   0   dl A 10, B 6: B runs 0-3 (depleted)
 *   3   A 3-6 (1 ms left)
 *   6   B replenished, dl 12; A's dl 10 is earlier: A 6-7 (depleted)
 *   7   B 7-10 (depleted)
 *   10  A replenished, dl 20: A 10-12 (2 left)
 *   12  B replenished, dl 18 < 20: B preempts A, 12-15 (depleted)
 *   15  A 15-17 (depleted); 17-18 idle (no extra time)
 *   18  B replenished (dl 24) ...
 * To 18 ms: A ran 3 + 1 + 2 + 2 = 8 ms, B 3 + 3 + 3 = 9 ms, the core idled 1 ms.
 * Over the hyperperiod 30 ms, U <= 1 so EDF meets every server deadline: A runs 3 * 4 = 12 ms,
 * B 5 * 3 = 15 ms.
 */
static void edf_run(struct hvt *t, sim_time_t end)
{
        hvt_init(t, HV_POLICY_RTDS, 1);
        *hvt_vm(t, "a", 0) = (struct hv_vcpu_config){ .budget_ps = 4 * MS, .period_ps = 10 * MS };
        *hvt_vm(t, "b", 0) = (struct hv_vcpu_config){ .budget_ps = 3 * MS, .period_ps = 6 * MS };
        hvt_busy(t, 0);
        hvt_busy(t, 1);
        hvt_run(t, end);
}

START_TEST(test_rtds_edf_order)
{
        struct hvt t;

        edf_run(&t, 18 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 0), 8 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 1), 9 * MS);
        ck_assert_uint_eq(core_busy_ps(&t.cores[0], 18 * MS), 17 * MS);
        /* B waited 3 -> 7 and 10 -> 12 after its first dispatch at 0 (and 15 -> 18 at the end
         * instant): samples 0, 4, 2, 3 */
        ck_assert_uint_eq(hvt_wait(&t, 1)->count, 4);
        ck_assert_uint_eq(hvt_wait(&t, 1)->max, 4 * MS);
        ck_assert(hvt_wait(&t, 1)->sum == 9 * MS);
        hvt_free(&t);

        edf_run(&t, 30 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 0), 12 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 1), 15 * MS);
        hvt_free(&t);
}
END_TEST

/*
 * Extra time with a competitor: A (4 / 10 ms, extra time) and B (4 / 10 ms, none), both busy.
 * Equal deadlines go to the lower index: A 0-4, B 4-8, then only A may use the slack: A 8-10.
 * Every period the same: over 20 ms A ran 12 ms, B 8 ms; the core never idled.
 */
START_TEST(test_rtds_extra_time_after_budgets)
{
        struct hvt t;

        hvt_init(&t, HV_POLICY_RTDS, 1);
        *hvt_vm(&t, "a", 0) = (struct hv_vcpu_config){ .budget_ps = 4 * MS,
                                                       .period_ps = 10 * MS,
                                                       .extra_time = true };
        *hvt_vm(&t, "b", 0) = (struct hv_vcpu_config){ .budget_ps = 4 * MS, .period_ps = 10 * MS };
        hvt_busy(&t, 0);
        hvt_busy(&t, 1);
        hvt_run(&t, 20 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 0), 12 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 1), 8 * MS);
        ck_assert_uint_eq(core_busy_ps(&t.cores[0], 20 * MS), 20 * MS);
        hvt_free(&t);
}
END_TEST

/*
 * A guest task inside an RTDS vCPU (defaults 4 / 10 ms) competing with a busy vCPU of 5 / 10 ms:
 * task C = 6 ms, T = 40 ms. Both servers have deadline 10 at time 0; the guest's vCPU has the
 * lower index and runs first: 0-4 (4 ms done, depleted), busy vCPU 4-9, idle 9-10; at 10 both
 * replenish with deadline 20: guest 10-12 completes: R = 12 ms.
 */
START_TEST(test_rtds_guest_response)
{
        struct hvt t;

        hvt_init(&t, HV_POLICY_RTDS, 1);
        hvt_vm(&t, "guest", 0);
        *hvt_vm(&t, "hog", 0) =
            (struct hv_vcpu_config){ .budget_ps = 5 * MS, .period_ps = 10 * MS };
        hvt_task(&t, 0, "task", 40 * MS, 6000000, 1);
        hvt_busy(&t, 1);
        hvt_run(&t, 40 * MS);
        ck_assert_uint_eq(hvt_response(&t, 0, "task")->max, 12 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 1), 20 * MS);
        hvt_free(&t);
}
END_TEST

START_TEST(test_rtds_invalid)
{
        struct hvt t;

        hvt_init(&t, HV_POLICY_RTDS, 1);
        hvt_vm(&t, "a", 0);
        ck_assert_int_eq(hv_check_config(&t.config, 1), 0); /* defaults */
        t.vcpus[0].budget_ps = 11 * MS;                     /* > default period */
        ck_assert_int_eq(hv_check_config(&t.config, 1), -EINVAL);
        t.vcpus[0].budget_ps = 9 * US; /* below RTDS_MIN_BUDGET */
        ck_assert_int_eq(hv_check_config(&t.config, 1), -EINVAL);
        t.vcpus[0].budget_ps = 10 * US;
        ck_assert_int_eq(hv_check_config(&t.config, 1), 0);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("hv_rtds");
        TCase *tc = tcase_create("rtds");
        SRunner *runner;
        int failed;

        tcase_add_test(tc, test_rtds_default_budget_per_period);
        tcase_add_test(tc, test_rtds_extra_time_uses_idle);
        tcase_add_test(tc, test_rtds_edf_order);
        tcase_add_test(tc, test_rtds_extra_time_after_budgets);
        tcase_add_test(tc, test_rtds_guest_response);
        tcase_add_test(tc, test_rtds_invalid);
        suite_add_tcase(suite, tc);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
