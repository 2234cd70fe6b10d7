/*
 * Fixed-priority vCPU scheduling over deferrable servers: a guest task's response time grows
 * by the budget of a higher-priority vCPU (response-time analysis by hand), world-switch cost
 * on top, budget enforcement and the deferrable server's preserved budget.
 * Cores at 1 GHz: 1 cycle = 1 ns, 1 ms = 10^6 cycles.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "tests/unit/test_hv_harness.h"

enum { VM_HI, VM_LO };

/*
 * One core. VM hi: priority 2, budget 2 ms, period 5 ms, always busy. VM lo: priority 1,
 * budget = period = 10 ms (never depleted), a guest task C = 4 ms, T = 20 ms.
 */
static void blocking_run(struct hvt *t, uint64_t switch_cycles, sim_time_t end)
{
        struct hv_vcpu_config *vcpu;

        hvt_init(t, HV_POLICY_FIXED_PRIORITY, 1);
        t->config.world_switch_cycles = switch_cycles;
        vcpu = hvt_vm(t, "hi", 0);
        *vcpu = (struct hv_vcpu_config){ .priority = 2, .budget_ps = 2 * MS, .period_ps = 5 * MS };
        vcpu = hvt_vm(t, "lo", 0);
        *vcpu =
            (struct hv_vcpu_config){ .priority = 1, .budget_ps = 10 * MS, .period_ps = 10 * MS };
        hvt_busy(t, VM_HI);
        hvt_task(t, VM_LO, "task", 20 * MS, 4000000, 1);
        hvt_run(t, end);
}

/*
 * Zero cost. The lo task only runs while hi's server is depleted. Response-time analysis with
 * hi as a periodic interferer of budget B = 2 ms per T = 5 ms (released together at 0, the
 * critical instant): R = C + ceil(R / T) B: 4 -> 4 + 1*2 = 6 -> 4 + 2*2 = 8 -> 4 + 2*2 = 8.
 * R = 8 ms = C + 2 budgets. Timeline: hi 0-2, lo 2-5, hi 5-7, lo 7-8. Same for the job at 20
 * (hi's periods are aligned to 20 as well). Run 40 ms: two responses of 8 ms; hi ran its
 * budget in each of 8 periods = 16 ms; lo ran 8 ms; hi waits 3 ms in each period after its
 * first dispatch at 0 (wait 0): depleted at 2 + 5k, dispatched again at 5 + 5k.
 */
START_TEST(test_fixed_priority_blocking)
{
        struct hvt t;
        const struct histogram *wait;

        blocking_run(&t, 0, 40 * MS);
        ck_assert_uint_eq(hvt_response(&t, VM_LO, "task")->count, 2);
        ck_assert_uint_eq(hvt_response(&t, VM_LO, "task")->min, 8 * MS);
        ck_assert_uint_eq(hvt_response(&t, VM_LO, "task")->max, 8 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, VM_HI), 16 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, VM_LO), 8 * MS);
        wait = hvt_wait(&t, VM_HI);
        ck_assert_uint_eq(wait->min, 0);
        ck_assert_uint_eq(wait->max, 3 * MS);
        /* dispatches at 0, 5, ..., 40 (the last at the end instant): 9 */
        ck_assert_uint_eq(wait->count, 9);
        ck_assert(wait->sum == 8 * 3 * MS);
        hvt_free(&t);
}
END_TEST

/*
 * World switch s = 100 us. hi's budget burns from its dispatch, switch included:
 *   0-0.1 switch to hi, hi 0.1-2 (depleted at 2), 2-2.1 switch to lo, lo 2.1-5 (2.9 ms),
 *   5-5.1 switch to hi, hi 5.1-7, 7-7.1 switch to lo, lo 7.1-8.2 (1.1 ms): R = 8.2 ms
 *   = C + 2B + 2s (each preemption of lo costs a switch away and one back; the switches to hi
 *   are inside hi's budget).
 * Run to 9 ms: 4 world switches, 400 us of hypervisor time; hi ran 3.8 ms of guest work.
 */
START_TEST(test_fixed_priority_blocking_switch_cost)
{
        struct hvt t;

        blocking_run(&t, 100000, 9 * MS);
        ck_assert_uint_eq(hvt_response(&t, VM_LO, "task")->max, 8200 * US);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "world_switches"), 4);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "hypervisor_time"), 400 * US);
        ck_assert_uint_eq(hvt_run_time(&t, VM_HI), 3800 * US);
        hvt_free(&t);
}
END_TEST

/*
 * Deferrable server: the budget is kept while the vCPU idles. hi (priority 2, 2 ms per 5 ms)
 * runs a guest task C = 3 ms released at 4 ms (one job); lo (priority 1, unlimited) is busy.
 * lo 0-4; hi has its full 2 ms at 4 and runs 4-5 (1 ms), its server is replenished at 5 and
 * it runs 5-7: R = 3 ms (a sporadic server, replenishing one period after use, would not
 * allow this back-to-back execution). lo: 0-4 and 7-10 = 7 ms over 10 ms.
 */
START_TEST(test_fixed_priority_deferrable_budget)
{
        struct hvt t;
        struct hv_vcpu_config *vcpu;

        hvt_init(&t, HV_POLICY_FIXED_PRIORITY, 1);
        vcpu = hvt_vm(&t, "hi", 0);
        *vcpu = (struct hv_vcpu_config){ .priority = 2, .budget_ps = 2 * MS, .period_ps = 5 * MS };
        vcpu = hvt_vm(&t, "lo", 0);
        *vcpu =
            (struct hv_vcpu_config){ .priority = 1, .budget_ps = 10 * MS, .period_ps = 10 * MS };
        hvt_task(&t, VM_HI, "task", 100 * MS, 3000000, 1)->offset_ps = 4 * MS;
        hvt_busy(&t, VM_LO);
        hvt_run(&t, 10 * MS);
        ck_assert_uint_eq(hvt_response(&t, VM_HI, "task")->max, 3 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, VM_LO), 7 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, VM_HI), 3 * MS);
        hvt_free(&t);
}
END_TEST

/*
 * Budget enforcement alone: one vCPU of 2 ms per 5 ms, always busy, on an otherwise idle core
 * runs exactly 2 ms of every 5 (no slack reclaiming): 20 ms over 50 ms.
 */
START_TEST(test_fixed_priority_budget_enforced)
{
        struct hvt t;

        hvt_init(&t, HV_POLICY_FIXED_PRIORITY, 1);
        *hvt_vm(&t, "only", 0) =
            (struct hv_vcpu_config){ .priority = 1, .budget_ps = 2 * MS, .period_ps = 5 * MS };
        hvt_busy(&t, 0);
        hvt_run(&t, 50 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 0), 20 * MS);
        ck_assert_uint_eq(core_busy_ps(&t.cores[0], 50 * MS), 20 * MS);
        hvt_free(&t);
}
END_TEST

/*
 * A guest that completes one job and starts the next at the same instant keeps its vCPU on the
 * core: hi (priority 2, budget = period = 10 ms) runs two tasks released at 0, C = 1 ms each
 * (guest priorities 2 and 1); lo (priority 1, unlimited) is busy; world switch 10 us.
 *   0-0.01 switch to hi, t1 0.01-1.01 (R 1.01), t2 1.01-2.01 (R 2.01), 2.01-2.02 switch to lo.
 * Run to 5 ms: 2 world switches (a decision between t1 and t2 that saw hi idle would add two).
 * lo ran 5 - 2.02 = 2.98 ms.
 */
START_TEST(test_fixed_priority_back_to_back_jobs)
{
        struct hvt t;

        hvt_init(&t, HV_POLICY_FIXED_PRIORITY, 1);
        t.config.world_switch_cycles = 10000;
        *hvt_vm(&t, "hi", 0) =
            (struct hv_vcpu_config){ .priority = 2, .budget_ps = 10 * MS, .period_ps = 10 * MS };
        *hvt_vm(&t, "lo", 0) =
            (struct hv_vcpu_config){ .priority = 1, .budget_ps = 10 * MS, .period_ps = 10 * MS };
        hvt_task(&t, VM_HI, "t1", 10 * MS, 1000000, 2);
        hvt_task(&t, VM_HI, "t2", 10 * MS, 1000000, 1);
        hvt_busy(&t, VM_LO);
        hvt_run(&t, 5 * MS);
        ck_assert_uint_eq(hvt_response(&t, VM_HI, "t1")->max, 1010 * US);
        ck_assert_uint_eq(hvt_response(&t, VM_HI, "t2")->max, 2010 * US);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "world_switches"), 2);
        ck_assert_uint_eq(hvt_run_time(&t, VM_LO), 2980 * US);
        hvt_free(&t);
}
END_TEST

START_TEST(test_fixed_priority_invalid)
{
        struct hvt t;

        hvt_init(&t, HV_POLICY_FIXED_PRIORITY, 2);
        *hvt_vm(&t, "a", 0) =
            (struct hv_vcpu_config){ .priority = 1, .budget_ps = MS, .period_ps = MS };
        *hvt_vm(&t, "b", 0) =
            (struct hv_vcpu_config){ .priority = 1, .budget_ps = MS, .period_ps = MS };
        ck_assert_int_eq(hv_check_config(&t.config, 2), -EINVAL); /* one priority twice */
        t.vcpus[1].core = 1;
        ck_assert_int_eq(hv_check_config(&t.config, 2), 0);
        t.vcpus[1].budget_ps = 2 * MS; /* budget > period */
        ck_assert_int_eq(hv_check_config(&t.config, 2), -EINVAL);
        t.vcpus[1].budget_ps = 0;
        ck_assert_int_eq(hv_check_config(&t.config, 2), -EINVAL);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("hv_fixed_priority");
        TCase *tc = tcase_create("fixed_priority");
        SRunner *runner;
        int failed;

        tcase_add_test(tc, test_fixed_priority_blocking);
        tcase_add_test(tc, test_fixed_priority_blocking_switch_cost);
        tcase_add_test(tc, test_fixed_priority_deferrable_budget);
        tcase_add_test(tc, test_fixed_priority_budget_enforced);
        tcase_add_test(tc, test_fixed_priority_back_to_back_jobs);
        tcase_add_test(tc, test_fixed_priority_invalid);
        suite_add_tcase(suite, tc);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
