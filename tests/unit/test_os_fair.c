/*
 * Fair (CFS-like) guest OS on the platform: exact slice lengths with and without the minimum
 * granularity, wake-up placement with sleeper credit, and CPU shares converging to the weights.
 * Cores run at 1 GHz: 1 ms = 1,000,000 cycles. "Busy" tasks have one job far longer than the
 * run. vruntime below is in virtual ms (1024 / weight ms per ms of execution).
 */
#include <check.h>
#include <stdlib.h>

#include "models/os/sched_fair.h"
#include "tests/unit/test_os_harness.h"

#define BUSY_CYCLES 10000000000ULL /* 10 s of work */

/* A task with one job of `cycles`, released at `offset_ps`, then none within the run. */
static struct task_config *fair_task(struct ost *f, char *name, uint64_t cycles, int32_t nice,
                                     sim_time_t offset_ps)
{
        struct task_config *task = ost_task(f, name, 100 * SIM_PS_PER_S, cycles);

        task->nice = nice;
        task->offset_ps = offset_ps;
        return task;
}

START_TEST(test_nice_weights)
{
        /* Linux sched_prio_to_weight at the ends, at 0 and at the nice levels used below. */
        ck_assert_uint_eq(sched_fair_nice_weight(-20), 88761);
        ck_assert_uint_eq(sched_fair_nice_weight(0), 1024);
        ck_assert_uint_eq(sched_fair_nice_weight(5), 335);
        ck_assert_uint_eq(sched_fair_nice_weight(10), 110);
        ck_assert_uint_eq(sched_fair_nice_weight(19), 15);
}
END_TEST

/*
 * Target latency L = 5.436 ms (chosen so every division is exact), "a" nice 0 (w 1024) with
 * one 5 ms job, "b" nice 5 (w 335) busy, both from 0. W = 1359.
 *   slice(a) = L * 1024 / 1359 = 4 us * 1024 = 4.096 ms; slice(b) = 4 us * 335 = 1.340 ms
 *   (both above the 0.75 ms minimum granularity).
 *   0: both vruntime 0; equal, so the lower index (a) runs [0, 4.096): v(a) = 4.096.
 *   4.096: a's slice is over and v(b) = 0 <= 4.096: b runs [4.096, 5.436): v(b) = 1.340 *
 *          1024 / 335 = 4.096 = v(a). b's slice is over and a's vruntime is equal: the waiting
 *          task goes first.
 *   5.436: a runs its remaining 5 - 4.096 = 0.904 ms and completes at 6.340 ms: R = 6.340 ms.
 * Each task is preempted once; contexts loaded: a, b, a, b (after a completes): 4.
 */
START_TEST(test_slices_exact)
{
        struct ost f;

        ost_init(&f, OS_SCHED_FAIR, 20 * MS);
        f.os.fair_target_latency_ps = 5436 * US;
        fair_task(&f, (char[]){ "a" }, 5000000, 0, 0);
        fair_task(&f, (char[]){ "b" }, BUSY_CYCLES, 5, 0);
        ost_run(&f);
        ck_assert_uint_eq(ost_response(&f, "a")->max, 6340 * US);
        ck_assert_uint_eq(ost_task_counter(&f, "a", "preemptions"), 1);
        ck_assert_uint_eq(ost_task_counter(&f, "b", "preemptions"), 1);
        ck_assert_uint_eq(ost_context_switches(&f), 4);
        ost_free(&f);
}
END_TEST

/*
 * The same with a 10 us context switch (10,000 cycles): a switch is charged to no task and a
 * slice starts when the job does. Switch [0, 0.010), a [0.010, 4.106); switch [4.106, 4.116),
 * b [4.116, 5.456) (v(b) = 4.096 = v(a) again); switch [5.456, 5.466), a runs 0.904 ms and
 * completes at 6.370 ms: R = 6.370 ms, 4 switches (a, b, a, b).
 */
START_TEST(test_slices_with_switch_cost)
{
        struct ost f;

        ost_init(&f, OS_SCHED_FAIR, 20 * MS);
        f.os.fair_target_latency_ps = 5436 * US;
        f.os.context_switch_cycles = 10000;
        fair_task(&f, (char[]){ "a" }, 5000000, 0, 0);
        fair_task(&f, (char[]){ "b" }, BUSY_CYCLES, 5, 0);
        ost_run(&f);
        ck_assert_uint_eq(ost_response(&f, "a")->max, 6370 * US);
        ck_assert_uint_eq(ost_task_counter(&f, "a", "preemptions"), 1);
        ck_assert_uint_eq(ost_context_switches(&f), 4);
        ost_free(&f);
}
END_TEST

/*
 * Minimum granularity: L = 5.67 ms, "c" nice 10 (w 110) with one 1 ms job, "a" nice 0
 * (w 1024) busy. W = 1134: slice(a) = 5.67 * 1024 / 1134 = 5.12 ms; slice(c) = 5.67 * 110 /
 * 1134 = 0.55 ms, raised to the 0.75 ms minimum granularity.
 *   0: equal vruntime, c (index 0) runs [0, 0.75): v(c) = 0.75 * 1024 / 110 = 6.98 ms.
 *   0.75: v(a) = 0 <= v(c): a runs [0.75, 5.87): v(a) = 5.12 < v(c): nobody is owed the core,
 *         a starts a new slice [5.87, 10.99): v(a) = 10.24 >= v(c).
 *   10.99: c runs its remaining 0.25 ms: done at 11.24 ms, R = 11.24 ms.
 * (Without the floor c would run 0.55 ms first, v(c) = 5.12 = v(a) after a's first slice,
 * and c would complete at 0.55 + 5.12 + 0.45 = 6.12 ms.)
 */
START_TEST(test_min_granularity)
{
        struct ost f;

        ost_init(&f, OS_SCHED_FAIR, 20 * MS);
        f.os.fair_target_latency_ps = 5670 * US;
        fair_task(&f, (char[]){ "c" }, 1000000, 10, 0);
        fair_task(&f, (char[]){ "a" }, BUSY_CYCLES, 0, 0);
        ost_run(&f);
        ck_assert_uint_eq(ost_response(&f, "c")->max, 11240 * US);
        ck_assert_uint_eq(ost_task_counter(&f, "c", "preemptions"), 1);
        ck_assert_uint_eq(ost_task_counter(&f, "a", "preemptions"), 1);
        ost_free(&f);
}
END_TEST

/*
 * Wake-up placement, default L = 6 ms: "a" nice 0 busy from 0, "b" nice 0 sleeps until its
 * one 10 ms job is released at 20 ms.
 *   [0, 20): a alone, slices of max(0.75, 6 * 1024 / 1024) = 6 ms, each renewed (nobody
 *            waits): slices start at 0, 6, 12, 18. At 20: v(a) = 20 = min_vruntime.
 *   20: b wakes: v(b) = max(0, 20 - 6 / 2) = 17. W = 2048 shortens a's slice to 3 ms, which
 *       started at 18: a keeps the core until 21 (no wake-up preemption).
 *   21: v(a) = 21 >= v(b) = 17: b runs [21, 24): v(b) = 20 < 21, b renews [24, 27): v(b) = 23.
 *   27: a [27, 30): v(a) = 24; b [30, 33): v(b) = 26 (b has run 9 ms); a [33, 36): v(a) = 27;
 *   36: b runs its last 1 ms: done at 37, R = 17 ms. b preempted at 27 and 33, a at 21, 30, 36.
 * (No sleeper credit, v(b) = 0: b would run [21, 31), R = 11 ms; a full credit, v(b) = 20:
 * R = 20 ms.)
 */
START_TEST(test_wakeup_placement)
{
        struct ost f;

        ost_init(&f, OS_SCHED_FAIR, 50 * MS);
        fair_task(&f, (char[]){ "a" }, BUSY_CYCLES, 0, 0);
        fair_task(&f, (char[]){ "b" }, 10000000, 0, 20 * MS);
        ost_run(&f);
        ck_assert_uint_eq(ost_response(&f, "b")->max, 17 * MS);
        ck_assert_uint_eq(ost_task_counter(&f, "b", "preemptions"), 2);
        ck_assert_uint_eq(ost_task_counter(&f, "a", "preemptions"), 3);
        ost_free(&f);
}
END_TEST

/*
 * Shares: "a" nice 0 (w 1024) and "b" nice 5 (w 335), both always backlogged (jobs of 100 us
 * every 100 us, so each has work at every instant), for 1 s. CFS gives each runnable task
 * weight / W of the core: a 1024 / 1359 = 0.7535, b 335 / 1359 = 0.2465. Completed jobs count
 * executed time in 100 us units (within one job), so completions / (sum) must be within 2 % of
 * the shares. A task whose next job is already waiting keeps its slice across job boundaries.
 */
START_TEST(test_shares_follow_weights)
{
        struct ost f;
        double a, b, total;

        ost_init(&f, OS_SCHED_FAIR, SIM_PS_PER_S);
        ost_task(&f, (char[]){ "a" }, 100 * US, 100000)->nice = 0;
        ost_task(&f, (char[]){ "b" }, 100 * US, 100000)->nice = 5;
        ost_run(&f);
        a = (double)ost_task_counter(&f, "a", "completions");
        b = (double)ost_task_counter(&f, "b", "completions");
        total = a + b;
        /* the core never idles: 10,000 jobs of 100 us fit in 1 s, one may be unfinished */
        ck_assert_double_ge(total, 9999.0);
        ck_assert_double_le(total, 10000.0);
        ck_assert_double_eq_tol(a / total, 1024.0 / 1359.0, 0.02 * 1024.0 / 1359.0);
        ck_assert_double_eq_tol(b / total, 335.0 / 1359.0, 0.02 * 335.0 / 1359.0);
        ck_assert_double_eq(ost_metric(&f, "core/cpu0", "utilisation")->gauge, 1.0);
        ost_free(&f);
}
END_TEST

/* An explicit weight stands for nice: weight 335 gives the same schedule as nice 5. */
START_TEST(test_explicit_weight)
{
        struct ost f;

        ost_init(&f, OS_SCHED_FAIR, 20 * MS);
        f.os.fair_target_latency_ps = 5436 * US;
        fair_task(&f, (char[]){ "a" }, 5000000, 0, 0);
        fair_task(&f, (char[]){ "b" }, BUSY_CYCLES, 0, 0)->weight = 335;
        ost_run(&f);
        ck_assert_uint_eq(ost_response(&f, "a")->max, 6340 * US);
        ost_free(&f);
}
END_TEST

static Suite *os_fair_suite(void)
{
        Suite *suite = suite_create("os_fair");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_nice_weights);
        tcase_add_test(tc, test_slices_exact);
        tcase_add_test(tc, test_slices_with_switch_cost);
        tcase_add_test(tc, test_min_granularity);
        tcase_add_test(tc, test_wakeup_placement);
        tcase_add_test(tc, test_shares_follow_weights);
        tcase_add_test(tc, test_explicit_weight);
        suite_add_tcase(suite, tc);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(os_fair_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
