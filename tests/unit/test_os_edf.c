/*
 * EDF guest OS on the platform: a hand-worked schedule at utilisation 1 that EDF meets and
 * rate-monotonic fixed priority misses, preemption by an earlier deadline, and the
 * deterministic tie-break. Cores run at 1 GHz: 1 us = 1000 cycles; times below are in us.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "tests/unit/test_os_harness.h"

/*
 * t1: C = 2, T = D = 4; t2: C = 3, T = D = 6. U = 2/4 + 3/6 = 1. Hyperperiod 12; run 24.
 *
 * EDF (deadline, then activation, then task index):
 *   [0,2)   t1#1 (d 4)                  t1#1 done at 2:  R = 2
 *   [2,5)   t2#1 (d 6); t1#2 arrives at 4 with d 8 > 6, no preemption.   t2#1 R = 5
 *   [5,7)   t1#2 (d 8)                  R = 7 - 4 = 3
 *   [7,10)  t2#2 (act 6, d 12); t1#3 arrives at 8 with d 12: equal deadline, the earlier
 *           activation (6 < 8) keeps t2#2 running.                      t2#2 R = 10 - 6 = 4
 *   [10,12) t1#3 (d 12)                 R = 12 - 8 = 4, exactly at its deadline: no miss.
 * The core is never idle (U = 1) and the second hyperperiod repeats the first. Per task over
 * 24 us: t1 6 jobs, R = 2, 3, 4, 2, 3, 4 (sum 18); t2 4 jobs, R = 5, 4, 5, 4 (sum 18); no
 * preemption. Context loads: t1, t2, t1, t2, t1 in the first hyperperiod (5); in the second
 * t1 is still loaded at 12, then t2, t1, t2, t1 (4): 9.
 *
 * Rate monotonic (t1 above t2), the same set:
 *   [0,2) t1; [2,4) t2; [4,6) t1; [6,7) t2#1 done at 7 > 6: miss, R = 7 (t2#1 preempted once)
 *   [7,8) t2#2; [8,10) t1; [10,12) t2#2 done at 12 = its deadline: R = 6 (preempted once)
 * so t2 misses once per hyperperiod: 2 misses, max R 7, sum 7 + 6 + 7 + 6 = 26, 4 preemptions.
 */
static void utilisation_one_set(struct ost *f, enum os_scheduler scheduler)
{
        ost_init(f, scheduler, 24 * US);
        ost_task(f, (char[]){ "t1" }, 4 * US, 2000)->priority = 2;
        ost_task(f, (char[]){ "t2" }, 6 * US, 3000)->priority = 1;
        ost_run(f);
}

START_TEST(test_edf_full_utilisation)
{
        struct ost f;
        const struct histogram *r1, *r2;

        utilisation_one_set(&f, OS_SCHED_EDF);
        r1 = ost_response(&f, "t1");
        r2 = ost_response(&f, "t2");
        ck_assert_uint_eq(ost_task_counter(&f, "t1", "activations"), 6);
        ck_assert_uint_eq(ost_task_counter(&f, "t1", "completions"), 6);
        ck_assert_uint_eq(ost_task_counter(&f, "t2", "activations"), 4);
        ck_assert_uint_eq(ost_task_counter(&f, "t2", "completions"), 4);
        ck_assert_uint_eq(ost_task_counter(&f, "t1", "deadline_misses"), 0);
        ck_assert_uint_eq(ost_task_counter(&f, "t2", "deadline_misses"), 0);
        ck_assert_uint_eq(r1->min, 2 * US);
        ck_assert_uint_eq(r1->max, 4 * US);
        ck_assert(r1->sum == 18 * US);
        ck_assert_uint_eq(r2->min, 4 * US);
        ck_assert_uint_eq(r2->max, 5 * US);
        ck_assert(r2->sum == 18 * US);
        ck_assert_uint_eq(ost_task_counter(&f, "t1", "preemptions"), 0);
        ck_assert_uint_eq(ost_task_counter(&f, "t2", "preemptions"), 0);
        ck_assert_uint_eq(ost_context_switches(&f), 9);
        ck_assert_double_eq(ost_metric(&f, "core/cpu0", "utilisation")->gauge, 1.0);
        ost_free(&f);
}
END_TEST

START_TEST(test_rate_monotonic_misses_same_set)
{
        struct ost f;
        const struct histogram *r2;

        utilisation_one_set(&f, OS_SCHED_FIXED_PRIORITY);
        r2 = ost_response(&f, "t2");
        ck_assert_uint_eq(ost_task_counter(&f, "t2", "deadline_misses"), 2);
        ck_assert_uint_eq(ost_task_counter(&f, "t1", "deadline_misses"), 0);
        ck_assert_uint_eq(r2->max, 7 * US);
        ck_assert_uint_eq(r2->min, 6 * US);
        ck_assert(r2->sum == 26 * US);
        ck_assert_uint_eq(ost_task_counter(&f, "t2", "preemptions"), 4);
        ck_assert_uint_eq(ost_response(&f, "t1")->max, 2 * US);
        ost_free(&f);
}
END_TEST

/*
 * Constrained deadline: "long" C = 5, T = D = 20 from 0; "short" C = 1, T = 20, D = 2,
 * offset 1. At 1, short's deadline 3 precedes long's 20: long is preempted after 1 us of
 * work, short runs [1,2) (R = 1), long resumes [2,6) (R = 6). One preemption of long; under
 * EDF with these priorities reversed nothing would change (priorities are not read).
 */
START_TEST(test_edf_earlier_deadline_preempts)
{
        struct ost f;
        struct task_config *short_task;

        ost_init(&f, OS_SCHED_EDF, 20 * US);
        ost_task(&f, (char[]){ "long" }, 20 * US, 5000)->priority = 9;
        short_task = ost_task(&f, (char[]){ "short" }, 20 * US, 1000);
        short_task->deadline_ps = 2 * US;
        short_task->offset_ps = 1 * US;
        ost_run(&f);
        ck_assert_uint_eq(ost_response(&f, "short")->max, 1 * US);
        ck_assert_uint_eq(ost_response(&f, "long")->max, 6 * US);
        ck_assert_uint_eq(ost_task_counter(&f, "long", "preemptions"), 1);
        ck_assert_uint_eq(ost_task_counter(&f, "short", "preemptions"), 0);
        ck_assert_uint_eq(ost_task_counter(&f, "long", "deadline_misses"), 0);
        ck_assert_uint_eq(ost_context_switches(&f), 3);
        ost_free(&f);
}
END_TEST

/*
 * Ties: two identical tasks (C = 1, T = D = 4, equal priorities, which EDF allows) released
 * together have equal deadlines and activations, so the lower task index runs first: the
 * first-listed task has R = 1 every time, the second R = 2. Listing them the other way round
 * swaps the results (the tie follows the configuration, not the insertion order of events).
 */
START_TEST(test_edf_tie_by_task_index)
{
        static char name_a[] = "a", name_b[] = "b";
        struct ost f;

        for (int order = 0; order < 2; order++) {
                ost_init(&f, OS_SCHED_EDF, 8 * US);
                ost_task(&f, order == 0 ? name_a : name_b, 4 * US, 1000);
                ost_task(&f, order == 0 ? name_b : name_a, 4 * US, 1000);
                ost_run(&f);
                ck_assert_uint_eq(ost_response(&f, order == 0 ? "a" : "b")->max, 1 * US);
                ck_assert_uint_eq(ost_response(&f, order == 0 ? "b" : "a")->min, 2 * US);
                ck_assert_uint_eq(ost_response(&f, order == 0 ? "b" : "a")->max, 2 * US);
                ost_free(&f);
        }
}
END_TEST

/* Equal priorities are refused under fixed priority only. */
START_TEST(test_edf_equal_priorities_accepted)
{
        struct ost f;
        struct platform *platform = NULL;
        struct sim *sim = sim_create(NULL);
        struct metrics *metrics = metrics_create();

        ost_init(&f, OS_SCHED_FIXED_PRIORITY, 8 * US);
        ost_task(&f, (char[]){ "a" }, 4 * US, 1000);
        ost_task(&f, (char[]){ "b" }, 4 * US, 1000);
        ck_assert_int_eq(platform_build(&f.scenario, sim, metrics, &platform), -EINVAL);
        ck_assert_ptr_null(platform);
        f.os.scheduler = OS_SCHED_EDF;
        ck_assert_int_eq(platform_build(&f.scenario, sim, metrics, &platform), 0);
        ck_assert_ptr_nonnull(platform);
        platform_destroy(platform);
        sim_destroy(sim);
        metrics_destroy(metrics);
}
END_TEST

static Suite *os_edf_suite(void)
{
        Suite *suite = suite_create("os_edf");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_edf_full_utilisation);
        tcase_add_test(tc, test_rate_monotonic_misses_same_set);
        tcase_add_test(tc, test_edf_earlier_deadline_preempts);
        tcase_add_test(tc, test_edf_tie_by_task_index);
        tcase_add_test(tc, test_edf_equal_priorities_accepted);
        suite_add_tcase(suite, tc);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(os_edf_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
