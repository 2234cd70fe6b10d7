/*
 * test_metrics: the registry keeps creation order, rejects duplicate (entity, name) pairs,
 * finds metrics, copies names, and keeps metric pointers valid while it grows.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sim/metrics.h"

START_TEST(test_create_and_iterate_in_order)
{
        struct metrics *m = metrics_create();
        ck_assert_ptr_nonnull(m);
        ck_assert_uint_eq(metrics_count(m), 0);
        ck_assert_ptr_null(metrics_at(m, 0));

        struct metric *act = metrics_counter(m, "os/rtos/task/brake", "activations");
        struct metric *rt =
            metrics_histogram(m, "os/rtos/task/brake", "response_time", METRIC_UNIT_PS);
        struct metric *util = metrics_gauge(m, "core/cpu0", "utilisation", METRIC_UNIT_RATIO);
        struct metric *act2 = metrics_counter(m, "core/cpu0", "activations");
        ck_assert_ptr_nonnull(act);
        ck_assert_ptr_nonnull(rt);
        ck_assert_ptr_nonnull(util);
        ck_assert_ptr_nonnull(act2);
        ck_assert_uint_eq(metrics_count(m), 4);
        ck_assert_ptr_eq(metrics_at(m, 0), act);
        ck_assert_ptr_eq(metrics_at(m, 1), rt);
        ck_assert_ptr_eq(metrics_at(m, 2), util);
        ck_assert_ptr_eq(metrics_at(m, 3), act2);
        ck_assert_ptr_null(metrics_at(m, 4));

        ck_assert_int_eq(act->kind, METRIC_COUNTER);
        ck_assert_int_eq(act->unit, METRIC_UNIT_NONE);
        ck_assert_int_eq(rt->kind, METRIC_HISTOGRAM);
        ck_assert_int_eq(rt->unit, METRIC_UNIT_PS);
        ck_assert_int_eq(util->kind, METRIC_GAUGE);
        ck_assert_int_eq(util->unit, METRIC_UNIT_RATIO);
        ck_assert_uint_eq(act->counter, 0);
        ck_assert_uint_eq(rt->histogram.count, 0);

        metric_add(act, 3);
        metric_add(act, 4);
        ck_assert_uint_eq(act->counter, 7);
        metric_set(util, 0.25);
        ck_assert_double_eq(util->gauge, 0.25);
        ck_assert_int_eq(metric_record(rt, 1500), 0);
        ck_assert_int_eq(metric_record(rt, 2500), 0);
        ck_assert_uint_eq(rt->histogram.count, 2);
        ck_assert_uint_eq(rt->histogram.max, 2500);
        metrics_destroy(m);
}
END_TEST

START_TEST(test_duplicates_rejected)
{
        struct metrics *m = metrics_create();
        ck_assert_ptr_nonnull(metrics_counter(m, "core/cpu0", "activations"));
        /* Same pair, any kind: rejected. */
        ck_assert_ptr_null(metrics_counter(m, "core/cpu0", "activations"));
        ck_assert_ptr_null(metrics_gauge(m, "core/cpu0", "activations", METRIC_UNIT_NONE));
        ck_assert_ptr_null(metrics_histogram(m, "core/cpu0", "activations", METRIC_UNIT_PS));
        ck_assert_uint_eq(metrics_count(m), 1);
        /* Different entity or name: accepted. Concatenations that collide as plain strings
         * ("a/b" + "c" vs "a" + "b/c") are different pairs. */
        ck_assert_ptr_nonnull(metrics_counter(m, "core/cpu1", "activations"));
        ck_assert_ptr_nonnull(metrics_counter(m, "core/cpu0", "stalls"));
        ck_assert_ptr_nonnull(metrics_counter(m, "a/b", "c"));
        ck_assert_ptr_nonnull(metrics_counter(m, "a", "b/c"));
        ck_assert_ptr_nonnull(metrics_counter(m, "ab", ""));
        ck_assert_ptr_nonnull(metrics_counter(m, "a", "b"));
        ck_assert_uint_eq(metrics_count(m), 7);
        metrics_destroy(m);
}
END_TEST

START_TEST(test_find_and_copies)
{
        struct metrics *m = metrics_create();
        char entity[32];
        char name[32];
        strcpy(entity, "dram/bank0");
        strcpy(name, "row_hits");
        struct metric *hits = metrics_counter(m, entity, name);
        /* Names are copied: changing the caller's buffers changes nothing. */
        strcpy(entity, "xxxx/xxxxx");
        strcpy(name, "xxxxxxxx");
        ck_assert_str_eq(hits->entity, "dram/bank0");
        ck_assert_str_eq(hits->name, "row_hits");
        ck_assert_ptr_eq(metrics_find(m, "dram/bank0", "row_hits"), hits);
        ck_assert_ptr_null(metrics_find(m, "dram/bank0", "row_misses"));
        ck_assert_ptr_null(metrics_find(m, "dram/bank1", "row_hits"));
        ck_assert_ptr_null(metrics_find(m, "dram/bank0row_hits", ""));
        metrics_destroy(m);
}
END_TEST

START_TEST(test_many_metrics_stable_pointers)
{
        enum { N = 5000 };
        struct metrics *m = metrics_create();
        struct metric **created = malloc(N * sizeof(*created));
        ck_assert_ptr_nonnull(created);
        char entity[64];
        for (int i = 0; i < N; i++) {
                snprintf(entity, sizeof(entity), "core/cpu%d", i);
                created[i] = metrics_histogram(m, entity, "latency", METRIC_UNIT_PS);
                ck_assert_ptr_nonnull(created[i]);
                metric_record(created[i], (uint64_t)i);
        }
        ck_assert_uint_eq(metrics_count(m), N);
        int wrong = 0;
        for (int i = 0; i < N; i++) {
                snprintf(entity, sizeof(entity), "core/cpu%d", i);
                wrong += metrics_at(m, (size_t)i) != created[i];
                wrong += metrics_find(m, entity, "latency") != created[i];
                wrong += created[i]->histogram.max != (uint64_t)i; /* still the same object */
                wrong += metrics_histogram(m, entity, "latency", METRIC_UNIT_PS) != NULL;
        }
        ck_assert_int_eq(wrong, 0);
        ck_assert_uint_eq(metrics_count(m), N);
        free(created);
        metrics_destroy(m);
}
END_TEST

static Suite *metrics_suite(void)
{
        Suite *s = suite_create("metrics");
        TCase *tc = tcase_create("registry");
        tcase_add_test(tc, test_create_and_iterate_in_order);
        tcase_add_test(tc, test_duplicates_rejected);
        tcase_add_test(tc, test_find_and_copies);
        tcase_add_test(tc, test_many_metrics_stable_pointers);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *runner = srunner_create(metrics_suite());
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
