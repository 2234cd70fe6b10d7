/*
 * test_sim_systemc: the kernel's ordering, cancellation, horizon and stop contracts on the
 * SystemC backend (sim/systemc/), plus what is SystemC's own: SystemC time tracks kernel time
 * (origin + now), kernels share SystemC's clock, and sim_systemc_sync. A randomised
 * differential check runs one workload (schedules and cancels from callbacks, many ties) on
 * both backends and requires identical execution logs; the native kernel is itself checked
 * against a sort and a naive queue in test_sim_kernel.
 *
 * The whole program runs inside SystemC: main enters it through sim_systemc_run_main. Check
 * forks each test, so each test starts from SystemC time 0 unless CK_FORK=no; the assertions
 * hold either way because they go through sim_systemc_origin_ps.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "sim/rng.h"
#include "sim/sim.h"
#include "sim/systemc/sim_systemc.h"

#define LOG_MAX 64

struct log {
        int labels[LOG_MAX];
        sim_time_t times[LOG_MAX];
        size_t count;
};

static struct log g_log;
static const int LABELS[16] = { 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15 };

static void log_event(struct sim *sim, void *arg)
{
        ck_assert_uint_lt(g_log.count, LOG_MAX);
        g_log.labels[g_log.count] = *(const int *)arg;
        g_log.times[g_log.count] = sim_now(sim);
        g_log.count++;
}

static void *label(int i)
{
        return (void *)(uintptr_t)&LABELS[i];
}

static void assert_log(const int *expected, size_t n)
{
        ck_assert_uint_eq(g_log.count, n);
        for (size_t i = 0; i < n; i++)
                ck_assert_int_eq(g_log.labels[i], expected[i]);
}

static struct sim *systemc_sim(void)
{
        struct sim *sim = sim_create(&sim_backend_systemc);
        ck_assert_ptr_nonnull(sim);
        ck_assert_str_eq(sim_backend_name(sim), "systemc");
        g_log.count = 0;
        return sim;
}

/* SystemC's clock stands at the kernel's time (plus the kernel's origin). */
static void assert_clock_at(const struct sim *sim, sim_time_t now)
{
        ck_assert_uint_eq(sim_now(sim), now);
        ck_assert_uint_eq(sim_systemc_time_ps(), sim_systemc_origin_ps(sim) + now);
}

/* ---- ordering ------------------------------------------------------------------------------ */

START_TEST(test_same_time_priority_order)
{
        struct sim *sim = systemc_sim();
        /* At t = 100: LOW, LAST, HIGH, NORMAL in scheduling order run as HIGH, NORMAL, LOW,
         * LAST: labels 3, 4, 1, 2. */
        sim_schedule_prio(sim, 100, SIM_PRIO_LOW, log_event, label(1));
        sim_schedule_prio(sim, 100, SIM_PRIO_LAST, log_event, label(2));
        sim_schedule_prio(sim, 100, SIM_PRIO_HIGH, log_event, label(3));
        sim_schedule_prio(sim, 100, SIM_PRIO_NORMAL, log_event, label(4));
        ck_assert_int_eq(sim_run_until(sim, 1000), 0);
        static const int expected[] = { 3, 4, 1, 2 };
        assert_log(expected, 4);
        ck_assert_uint_eq(g_log.times[0], 100);
        assert_clock_at(sim, 1000);
        sim_destroy(sim);
}
END_TEST

START_TEST(test_mixed_order)
{
        struct sim *sim = systemc_sim();
        /* label: (time, priority) in scheduling order
         *  1: (30, NORMAL)  2: (10, LOW)  3: (10, NORMAL)  4: (30, HIGH)  5: (20, LAST)
         *  6: (10, LOW)     7: (30, NORMAL)  8: (0, LAST)  9: (20, HIGH)
         * sorted by (time, priority, insertion): 8; 3, 2, 6; 9, 5; 4, 1, 7. */
        sim_schedule_prio(sim, 30, SIM_PRIO_NORMAL, log_event, label(1));
        sim_schedule_prio(sim, 10, SIM_PRIO_LOW, log_event, label(2));
        sim_schedule_prio(sim, 10, SIM_PRIO_NORMAL, log_event, label(3));
        sim_schedule_prio(sim, 30, SIM_PRIO_HIGH, log_event, label(4));
        sim_schedule_prio(sim, 20, SIM_PRIO_LAST, log_event, label(5));
        sim_schedule_prio(sim, 10, SIM_PRIO_LOW, log_event, label(6));
        sim_schedule_prio(sim, 30, SIM_PRIO_NORMAL, log_event, label(7));
        sim_schedule_prio(sim, 0, SIM_PRIO_LAST, log_event, label(8));
        sim_schedule_prio(sim, 20, SIM_PRIO_HIGH, log_event, label(9));
        ck_assert_uint_eq(sim_events_pending(sim), 9);
        ck_assert_int_eq(sim_run(sim), 0);
        static const int expected[] = { 8, 3, 2, 6, 9, 5, 4, 1, 7 };
        static const sim_time_t times[] = { 0, 10, 10, 10, 20, 20, 30, 30, 30 };
        assert_log(expected, 9);
        for (size_t i = 0; i < 9; i++)
                ck_assert_uint_eq(g_log.times[i], times[i]);
        /* sim_run leaves now, and SystemC, at the last event. */
        assert_clock_at(sim, 30);
        ck_assert_uint_eq(sim_events_pending(sim), 0);
        ck_assert_uint_eq(sim_events_executed(sim), 9);
        sim_destroy(sim);
}
END_TEST

/* Label 1 at t=10 schedules label 3 at now (NORMAL) and label 4 at now (HIGH). */
static void schedule_at_now(struct sim *sim, void *arg)
{
        log_event(sim, arg);
        sim_schedule(sim, sim_now(sim), log_event, label(3));
        sim_schedule_prio(sim, sim_now(sim), SIM_PRIO_HIGH, log_event, label(4));
}

START_TEST(test_schedule_at_now_runs_after_pending)
{
        struct sim *sim = systemc_sim();
        sim_schedule(sim, 10, schedule_at_now, label(1));
        sim_schedule(sim, 10, log_event, label(2));
        sim_run(sim);
        /* 4 (HIGH) before the pending NORMAL 2; 3 after 2 (same class, later sequence); all
         * at t = 10, within one SystemC activation. */
        static const int expected[] = { 1, 4, 2, 3 };
        assert_log(expected, 4);
        ck_assert_uint_eq(g_log.times[3], 10);
        assert_clock_at(sim, 10);
        sim_destroy(sim);
}
END_TEST

/* ---- cancellation -------------------------------------------------------------------------- */

START_TEST(test_cancel_pending)
{
        struct sim *sim = systemc_sim();
        sim_event_id a = sim_schedule(sim, 10, log_event, label(1));
        sim_event_id b = sim_schedule(sim, 20, log_event, label(2));
        sim_event_id c = sim_schedule(sim, 30, log_event, label(3));
        ck_assert_int_eq(sim_cancel(sim, b), 0);
        ck_assert_uint_eq(sim_events_pending(sim), 2);
        ck_assert_int_eq(sim_cancel(sim, b), -ENOENT);
        ck_assert_int_eq(sim_cancel(sim, c + 1000), -ENOENT);
        sim_run(sim);
        static const int expected[] = { 1, 3 };
        assert_log(expected, 2);
        ck_assert_int_eq(sim_cancel(sim, a), -ENOENT);
        assert_clock_at(sim, 30);
        sim_destroy(sim);
}
END_TEST

START_TEST(test_cancel_first_keeps_clock)
{
        struct sim *sim = systemc_sim();
        /* Cancelling the first event (t = 10) must re-arm SystemC for the next (t = 40): a run
         * to the end of the queue then leaves SystemC at 40, not at the cancelled 10 or 25. */
        sim_event_id first = sim_schedule(sim, 10, log_event, label(1));
        sim_event_id second = sim_schedule(sim, 25, log_event, label(2));
        sim_schedule(sim, 40, log_event, label(3));
        ck_assert_int_eq(sim_cancel(sim, first), 0);
        ck_assert_int_eq(sim_cancel(sim, second), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        static const int expected[] = { 3 };
        assert_log(expected, 1);
        assert_clock_at(sim, 40);
        /* Cancelling everything: a run to 100 runs nothing and ends at 100. */
        sim_event_id ids[20];
        for (int i = 0; i < 20; i++)
                ids[i] = sim_schedule(sim, 40 + (sim_time_t)(i % 7), log_event, label(i % 16));
        for (int i = 0; i < 20; i++)
                ck_assert_int_eq(sim_cancel(sim, ids[i]), 0);
        ck_assert_int_eq(sim_run_until(sim, 100), 0);
        ck_assert_uint_eq(g_log.count, 1);
        assert_clock_at(sim, 100);
        sim_destroy(sim);
}
END_TEST

struct cancel_case {
        sim_event_id earlier, self, ran;
        int rc_just_scheduled, rc_earlier, rc_self, rc_already_ran;
};

static struct cancel_case g_cancel;

static void cancelling_callback(struct sim *sim, void *arg)
{
        log_event(sim, arg);
        sim_schedule(sim, 20, log_event, label(2));
        sim_event_id doomed = sim_schedule(sim, 30, log_event, label(3));
        g_cancel.rc_just_scheduled = sim_cancel(sim, doomed);
        g_cancel.rc_earlier = sim_cancel(sim, g_cancel.earlier);
        g_cancel.rc_self = sim_cancel(sim, g_cancel.self);
        g_cancel.rc_already_ran = sim_cancel(sim, g_cancel.ran);
}

START_TEST(test_cancel_from_callback)
{
        struct sim *sim = systemc_sim();
        g_cancel.ran = sim_schedule(sim, 5, log_event, label(5));
        g_cancel.self = sim_schedule(sim, 10, cancelling_callback, label(1));
        g_cancel.earlier = sim_schedule(sim, 40, log_event, label(4));
        sim_schedule(sim, 50, log_event, label(6));
        sim_run(sim);
        ck_assert_int_eq(g_cancel.rc_just_scheduled, 0);
        ck_assert_int_eq(g_cancel.rc_earlier, 0);
        ck_assert_int_eq(g_cancel.rc_self, -ENOENT);
        ck_assert_int_eq(g_cancel.rc_already_ran, -ENOENT);
        static const int expected[] = { 5, 1, 2, 6 };
        assert_log(expected, 4);
        assert_clock_at(sim, 50);
        sim_destroy(sim);
}
END_TEST

/* ---- horizon and stop ---------------------------------------------------------------------- */

START_TEST(test_run_until_horizon)
{
        struct sim *sim = systemc_sim();
        sim_schedule(sim, 10, log_event, label(1));
        sim_schedule(sim, 20, log_event, label(2));
        sim_schedule(sim, 30, log_event, label(3));
        /* An event exactly at the horizon runs (sc_start alone would leave it for later). */
        ck_assert_int_eq(sim_run_until(sim, 20), 0);
        ck_assert_uint_eq(g_log.count, 2);
        assert_clock_at(sim, 20);
        ck_assert_uint_eq(sim_events_pending(sim), 1);
        ck_assert_int_eq(sim_run_until(sim, 20), 0); /* again to the same time: nothing */
        ck_assert_uint_eq(g_log.count, 2);
        ck_assert_int_eq(sim_run_until(sim, 25), 0);
        ck_assert_uint_eq(g_log.count, 2);
        assert_clock_at(sim, 25);
        ck_assert_int_eq(sim_run_until(sim, 100), 0);
        ck_assert_uint_eq(g_log.count, 3);
        ck_assert_uint_eq(g_log.times[2], 30);
        assert_clock_at(sim, 100);
        /* Scheduling at now after a run, then relative to it. */
        sim_schedule(sim, 100, log_event, label(4));
        sim_schedule_in(sim, 5, log_event, label(5));
        ck_assert_int_eq(sim_run_until(sim, 100), 0);
        ck_assert_uint_eq(g_log.count, 4);
        ck_assert_uint_eq(g_log.times[3], 100);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(g_log.times[4], 105);
        assert_clock_at(sim, 105);
        ck_assert_uint_eq(sim_events_executed(sim), 5);
        sim_destroy(sim);
}
END_TEST

static void stopping_event(struct sim *sim, void *arg)
{
        log_event(sim, arg);
        sim_stop(sim);
}

START_TEST(test_stop)
{
        struct sim *sim = systemc_sim();
        sim_stop(sim); /* outside a run: no effect */
        sim_schedule(sim, 10, log_event, label(1));
        sim_schedule(sim, 50, stopping_event, label(2));
        sim_schedule(sim, 50, log_event, label(3));
        sim_schedule(sim, 60, log_event, label(4));
        ck_assert_int_eq(sim_run_until(sim, 1000), 1);
        /* SystemC paused at the stopping event's time; label 3, due then too, stays pending. */
        assert_clock_at(sim, 50);
        ck_assert_uint_eq(g_log.count, 2);
        ck_assert_uint_eq(sim_events_pending(sim), 2);
        ck_assert_int_eq(sim_run_until(sim, 1000), 0);
        static const int expected[] = { 1, 2, 3, 4 };
        assert_log(expected, 4);
        ck_assert_uint_eq(g_log.times[2], 50);
        assert_clock_at(sim, 1000);
        sim_schedule(sim, 1500, stopping_event, label(5));
        sim_schedule(sim, 1600, log_event, label(6));
        ck_assert_int_eq(sim_run(sim), 1);
        assert_clock_at(sim, 1500);
        ck_assert_int_eq(sim_run(sim), 0);
        assert_clock_at(sim, 1600);
        sim_destroy(sim);
}
END_TEST

/* ---- shared clock and sync ----------------------------------------------------------------- */

START_TEST(test_shared_clock_and_sync)
{
        struct sim *other = systemc_sim();
        struct sim *driver = sim_create(&sim_backend_systemc);
        ck_assert_ptr_nonnull(driver);
        /* Both created at the same SystemC time: same origin. */
        ck_assert_uint_eq(sim_systemc_origin_ps(other), sim_systemc_origin_ps(driver));
        sim_schedule(other, 500, log_event, label(7));
        sim_schedule(other, 2000, log_event, label(8));
        /* Running `driver` to 1000 moves SystemC's clock, so `other`'s event at 500 runs
         * (dispatched by SystemC, outside any run of `other`) and its 2000 does not. */
        ck_assert_int_eq(sim_run_until(driver, 1000), 0);
        static const int expected[] = { 7 };
        assert_log(expected, 1);
        ck_assert_uint_eq(g_log.times[0], 500);
        ck_assert_uint_eq(sim_now(other), 500);
        ck_assert_uint_eq(sim_events_executed(other), 1);
        /* sync brings `other` to SystemC's time, 1000. */
        ck_assert_int_eq(sim_systemc_sync(other), 0);
        assert_clock_at(other, 1000);
        /* A kernel created now starts at SystemC's time. */
        struct sim *late = sim_create(&sim_backend_systemc);
        ck_assert_ptr_nonnull(late);
        ck_assert_uint_eq(sim_systemc_origin_ps(late), sim_systemc_origin_ps(driver) + 1000);
        ck_assert_uint_eq(sim_now(late), 0);
        sim_destroy(late);
        /* Not a SystemC kernel. */
        struct sim *native = sim_create(NULL);
        ck_assert_int_eq(sim_systemc_sync(native), -EINVAL);
        sim_destroy(native);
        sim_destroy(driver);
        sim_destroy(other);
}
END_TEST

/* ---- differential: the same random workload on both backends ------------------------------ */

#define DIFF_EVENTS 30000
#define DIFF_TOTAL  (DIFF_EVENTS + 300)

struct diff_run {
        struct rng rng;
        sim_event_id ids[DIFF_TOTAL];
        uint32_t count;
        uint32_t log_label[DIFF_TOTAL];
        sim_time_t log_time[DIFF_TOTAL];
        int cancel_rc[DIFF_TOTAL];
        uint32_t executed;
        uint32_t cancels;
};

static struct diff_run *g_diff;
static const uint32_t DIFF_LABELS[DIFF_TOTAL];

static void diff_fn(struct sim *sim, void *arg);

static void diff_schedule(struct sim *sim, sim_time_t when)
{
        struct diff_run *d = g_diff;
        if (d->count == DIFF_TOTAL)
                return;
        unsigned priority = (unsigned)rng_range(&d->rng, 0, SIM_PRIO_COUNT - 1);
        d->ids[d->count] = sim_schedule_prio(sim, when, (enum sim_priority)priority, diff_fn,
                                             (void *)(uintptr_t)&DIFF_LABELS[d->count]);
        d->count++;
}

static void diff_fn(struct sim *sim, void *arg)
{
        struct diff_run *d = g_diff;
        d->log_label[d->executed] = (uint32_t)((const uint32_t *)arg - DIFF_LABELS);
        d->log_time[d->executed] = sim_now(sim);
        d->executed++;
        for (uint64_t n = rng_range(&d->rng, 0, 2); n > 0; n--)
                diff_schedule(sim, sim_now(sim) + rng_range(&d->rng, 0, 20));
        if (rng_range(&d->rng, 0, 2) == 0)
                d->cancel_rc[d->cancels++] =
                    sim_cancel(sim, d->ids[rng_range(&d->rng, 0, d->count - 1)]);
}

/* Run the workload in slices of 37 ps (horizons fall between and on event times), with a
 * cancel between slices; returns the run's log. */
static struct diff_run *diff_run(const struct sim_backend_ops *backend)
{
        struct diff_run *d = calloc(1, sizeof(*d));
        ck_assert_ptr_nonnull(d);
        g_diff = d;
        struct sim *sim = sim_create(backend);
        ck_assert_ptr_nonnull(sim);
        rng_init(&d->rng, 2024);
        for (int i = 0; i < 300; i++)
                diff_schedule(sim, rng_range(&d->rng, 0, 150));
        for (sim_time_t end = 37; sim_events_pending(sim) > 0; end += 37) {
                ck_assert_int_eq(sim_run_until(sim, end), 0);
                ck_assert_uint_eq(sim_now(sim), end);
                sim_cancel(sim, d->ids[rng_range(&d->rng, 0, d->count - 1)]);
        }
        ck_assert_uint_eq(sim_events_executed(sim), d->executed);
        sim_destroy(sim);
        return d;
}

START_TEST(test_same_log_as_native)
{
        struct diff_run *native = diff_run(NULL);
        struct diff_run *systemc = diff_run(&sim_backend_systemc);
        ck_assert_uint_gt(native->executed, 10000); /* the workload did run */
        ck_assert_uint_eq(systemc->count, native->count);
        ck_assert_uint_eq(systemc->executed, native->executed);
        ck_assert_uint_eq(systemc->cancels, native->cancels);
        size_t mismatches = 0;
        for (uint32_t i = 0; i < native->executed; i++)
                mismatches += systemc->log_label[i] != native->log_label[i] ||
                              systemc->log_time[i] != native->log_time[i];
        for (uint32_t i = 0; i < native->cancels; i++)
                mismatches += systemc->cancel_rc[i] != native->cancel_rc[i];
        ck_assert_uint_eq(mismatches, 0);
        free(native);
        free(systemc);
}
END_TEST

static Suite *sim_systemc_suite(void)
{
        Suite *s = suite_create("sim_systemc");
        TCase *order = tcase_create("order");
        tcase_add_test(order, test_same_time_priority_order);
        tcase_add_test(order, test_mixed_order);
        tcase_add_test(order, test_schedule_at_now_runs_after_pending);
        suite_add_tcase(s, order);

        TCase *cancel = tcase_create("cancel");
        tcase_add_test(cancel, test_cancel_pending);
        tcase_add_test(cancel, test_cancel_first_keeps_clock);
        tcase_add_test(cancel, test_cancel_from_callback);
        suite_add_tcase(s, cancel);

        TCase *run = tcase_create("run");
        tcase_add_test(run, test_run_until_horizon);
        tcase_add_test(run, test_stop);
        tcase_add_test(run, test_shared_clock_and_sync);
        suite_add_tcase(s, run);

        TCase *reference = tcase_create("reference");
        tcase_add_test(reference, test_same_log_as_native);
        suite_add_tcase(s, reference);
        return s;
}

static int run_suite(void *arg)
{
        (void)arg;
        SRunner *runner = srunner_create(sim_systemc_suite());
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}

int main(void)
{
        return sim_systemc_run_main(run_suite, NULL);
}
