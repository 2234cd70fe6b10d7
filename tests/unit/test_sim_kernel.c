/*
 * test_sim_kernel: event order (time, priority, insertion), cancellation, horizons and stop,
 * clock conversions, and two randomised checks against independent references (a qsort of
 * 10^6 events, and a naive linear-scan queue under random schedule/cancel from callbacks).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "sim/rng.h"
#include "sim/sim.h"

/*
 * Check's asserts record a mark point (a write to its pipe) even when they pass, so code that
 * runs 10^5..10^6 times notes the first failing line here instead, and the test asserts that
 * it stayed 0.
 */
static int g_failed_line;

#define EXPECT(cond)                                                                               \
        do {                                                                                       \
                if (!(cond) && g_failed_line == 0)                                                 \
                        g_failed_line = __LINE__;                                                  \
        } while (0)

/* ---- a small execution log -------------------------------------------------------------- */

#define LOG_MAX 64

struct log {
        int labels[LOG_MAX];
        sim_time_t times[LOG_MAX];
        size_t count;
};

static struct log g_log;

/* Events carry a pointer to a static label; the callback logs it and the time it ran at. */
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

static void log_reset(void)
{
        g_log.count = 0;
}

static void assert_log(const int *expected, size_t n)
{
        ck_assert_uint_eq(g_log.count, n);
        for (size_t i = 0; i < n; i++)
                ck_assert_int_eq(g_log.labels[i], expected[i]);
}

/* ---- ordering ------------------------------------------------------------------------------ */

START_TEST(test_same_time_priority_order)
{
        struct sim *sim = sim_create(NULL);
        log_reset();
        /* Scheduled LOW, LAST, HIGH, NORMAL at t = 100: priority order is HIGH, NORMAL, LOW,
         * LAST, i.e. labels 3, 4, 1, 2. */
        sim_schedule_prio(sim, 100, SIM_PRIO_LOW, log_event, label(1));
        sim_schedule_prio(sim, 100, SIM_PRIO_LAST, log_event, label(2));
        sim_schedule_prio(sim, 100, SIM_PRIO_HIGH, log_event, label(3));
        sim_schedule_prio(sim, 100, SIM_PRIO_NORMAL, log_event, label(4));
        ck_assert_int_eq(sim_run_until(sim, 1000), 0);
        static const int expected[] = { 3, 4, 1, 2 };
        assert_log(expected, 4);
        ck_assert_uint_eq(sim_events_executed(sim), 4);
        sim_destroy(sim);
}
END_TEST

START_TEST(test_same_time_same_priority_fifo)
{
        struct sim *sim = sim_create(NULL);
        log_reset();
        for (int i = 1; i <= 8; i++)
                sim_schedule(sim, 50, log_event, label(i));
        sim_run_until(sim, 50);
        static const int expected[] = { 1, 2, 3, 4, 5, 6, 7, 8 };
        assert_log(expected, 8);
        sim_destroy(sim);
}
END_TEST

START_TEST(test_mixed_order)
{
        struct sim *sim = sim_create(NULL);
        log_reset();
        /* label: (time, priority) in scheduling order
         *  1: (30, NORMAL)  2: (10, LOW)  3: (10, NORMAL)  4: (30, HIGH)  5: (20, LAST)
         *  6: (10, LOW)     7: (30, NORMAL)  8: (0, LAST)  9: (20, HIGH)
         * sorted by (time, priority, insertion):
         *  t=0: 8; t=10: 3 (NORMAL), 2, 6 (LOW, in insertion order); t=20: 9 (HIGH), 5 (LAST);
         *  t=30: 4 (HIGH), 1, 7 (NORMAL in insertion order). */
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
        ck_assert_uint_eq(sim_now(sim), 30);
        ck_assert_uint_eq(sim_events_pending(sim), 0);
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
        struct sim *sim = sim_create(NULL);
        log_reset();
        sim_schedule(sim, 10, schedule_at_now, label(1));
        sim_schedule(sim, 10, log_event, label(2));
        sim_run(sim);
        /* 3 has the same (time, priority) as the pending 2 and a later sequence: after 2.
         * 4 is HIGH at the same time: before the pending NORMAL 2. */
        static const int expected[] = { 1, 4, 2, 3 };
        assert_log(expected, 4);
        sim_destroy(sim);
}
END_TEST

/* ---- cancellation -------------------------------------------------------------------------- */

START_TEST(test_cancel_pending)
{
        struct sim *sim = sim_create(NULL);
        log_reset();
        sim_event_id a = sim_schedule(sim, 10, log_event, label(1));
        sim_event_id b = sim_schedule(sim, 20, log_event, label(2));
        sim_event_id c = sim_schedule(sim, 30, log_event, label(3));
        ck_assert_uint_ne(a, 0);
        ck_assert_uint_ne(b, 0);
        ck_assert_uint_ne(c, 0);
        ck_assert_uint_ne(a, b);
        ck_assert_int_eq(sim_cancel(sim, b), 0);
        ck_assert_uint_eq(sim_events_pending(sim), 2);
        ck_assert_int_eq(sim_cancel(sim, b), -ENOENT); /* already cancelled */
        ck_assert_int_eq(sim_cancel(sim, 0), -ENOENT);
        ck_assert_int_eq(sim_cancel(sim, c + 1000), -ENOENT); /* never existed */
        sim_run(sim);
        static const int expected[] = { 1, 3 };
        assert_log(expected, 2);
        ck_assert_int_eq(sim_cancel(sim, a), -ENOENT); /* already ran */
        ck_assert_uint_eq(sim_events_executed(sim), 2);
        sim_destroy(sim);
}
END_TEST

START_TEST(test_cancel_first_and_all)
{
        struct sim *sim = sim_create(NULL);
        sim_event_id ids[100];
        log_reset();
        for (int i = 0; i < 100; i++)
                ids[i] = sim_schedule(sim, (sim_time_t)(i % 7), log_event, label(i % 16));
        /* Cancelling the current first event must expose the next one to peek/run. */
        for (int i = 0; i < 100; i++)
                ck_assert_int_eq(sim_cancel(sim, ids[i]), 0);
        ck_assert_uint_eq(sim_events_pending(sim), 0);
        ck_assert_int_eq(sim_run_until(sim, 100), 0);
        ck_assert_uint_eq(g_log.count, 0);
        ck_assert_uint_eq(sim_now(sim), 100);
        ck_assert_uint_eq(sim_queue_stored(sim), 0);
        sim_destroy(sim);
}
END_TEST

struct cancel_case {
        sim_event_id earlier; /* scheduled before the run, at t = 40 */
        sim_event_id self;    /* the id of the running callback */
        int rc_just_scheduled;
        int rc_earlier;
        int rc_self;
        int rc_already_ran;
        sim_event_id ran; /* an event that already ran (t = 5) */
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
        struct sim *sim = sim_create(NULL);
        log_reset();
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
        ck_assert_uint_eq(sim_now(sim), 50);
        sim_destroy(sim);
}
END_TEST

/* A timeout pattern: each tick re-arms a far-future timeout and cancels the previous one. */
struct rearm {
        sim_event_id timeout;
        uint64_t ticks;
        size_t max_stored;
};

static void never_runs(struct sim *sim, void *arg)
{
        (void)sim;
        (void)arg;
        ck_abort_msg("a cancelled timeout ran");
}

static void rearm_tick(struct sim *sim, void *arg)
{
        struct rearm *r = arg;

        if (r->timeout)
                EXPECT(sim_cancel(sim, r->timeout) == 0);
        r->timeout = sim_schedule_in(sim, SIM_PS_PER_S, never_runs, NULL);
        if (sim_queue_stored(sim) > r->max_stored)
                r->max_stored = sim_queue_stored(sim);
        if (++r->ticks < 200000)
                sim_schedule_in(sim, 1, rearm_tick, r);
}

START_TEST(test_cancelled_events_do_not_accumulate)
{
        struct sim *sim = sim_create(NULL);
        struct rearm r = { 0 };
        g_failed_line = 0;
        /* A live event earlier than every timeout keeps the cancelled timeouts off the top,
         * where they would be dropped at once: they must be purged in bulk instead. */
        sim_event_id background = sim_schedule(sim, SIM_PS_PER_S / 2, never_runs, NULL);
        sim_schedule(sim, 0, rearm_tick, &r);
        sim_run_until(sim, 1000000);
        ck_assert_int_eq(g_failed_line, 0);
        ck_assert_uint_eq(r.ticks, 200000);
        /* Pending is at most 3 (background, the last timeout, the next tick): stored must stay
         * <= 2 * 3 + 32, not grow with the 199999 cancelled timeouts. */
        ck_assert_uint_le(r.max_stored, 2 * 3 + 32);
        ck_assert_uint_ge(r.max_stored, 3); /* the check above did observe tombstones */
        ck_assert_uint_eq(sim_events_pending(sim), 2);
        ck_assert_int_eq(sim_cancel(sim, r.timeout), 0);
        ck_assert_int_eq(sim_cancel(sim, background), 0);
        ck_assert_uint_eq(sim_events_pending(sim), 0);
        sim_destroy(sim);
}
END_TEST

/* ---- horizon and stop ---------------------------------------------------------------------- */

START_TEST(test_run_until_horizon)
{
        struct sim *sim = sim_create(NULL);
        log_reset();
        sim_schedule(sim, 10, log_event, label(1));
        sim_schedule(sim, 20, log_event, label(2));
        sim_schedule(sim, 30, log_event, label(3));
        ck_assert_int_eq(sim_run_until(sim, 20), 0); /* an event exactly at the horizon runs */
        ck_assert_uint_eq(g_log.count, 2);
        ck_assert_uint_eq(sim_now(sim), 20);
        ck_assert_uint_eq(sim_events_pending(sim), 1);
        ck_assert_int_eq(sim_run_until(sim, 25), 0);
        ck_assert_uint_eq(g_log.count, 2);
        ck_assert_uint_eq(sim_now(sim), 25);
        ck_assert_int_eq(sim_run_until(sim, 100), 0); /* runs 3, then the queue is empty */
        ck_assert_uint_eq(g_log.count, 3);
        ck_assert_uint_eq(g_log.times[2], 30);
        ck_assert_uint_eq(sim_now(sim), 100);
        ck_assert_uint_eq(sim_events_executed(sim), 3);
        /* Relative scheduling counts from the new now. */
        sim_schedule_in(sim, 5, log_event, label(4));
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(g_log.times[3], 105);
        ck_assert_uint_eq(sim_now(sim), 105);
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
        struct sim *sim = sim_create(NULL);
        log_reset();
        sim_stop(sim); /* outside a run: no effect */
        sim_schedule(sim, 10, log_event, label(1));
        sim_schedule(sim, 50, stopping_event, label(2));
        sim_schedule(sim, 50, log_event, label(3));
        sim_schedule(sim, 60, log_event, label(4));
        ck_assert_int_eq(sim_run_until(sim, 1000), 1);
        ck_assert_uint_eq(sim_now(sim), 50);
        ck_assert_uint_eq(g_log.count, 2);
        ck_assert_uint_eq(sim_events_pending(sim), 2);
        ck_assert_int_eq(sim_run_until(sim, 1000), 0); /* resumes with 3 then 4 */
        static const int expected[] = { 1, 2, 3, 4 };
        assert_log(expected, 4);
        ck_assert_uint_eq(sim_now(sim), 1000);
        /* sim_run stops the same way. */
        sim_schedule(sim, 1500, stopping_event, label(5));
        sim_schedule(sim, 1600, log_event, label(6));
        ck_assert_int_eq(sim_run(sim), 1);
        ck_assert_uint_eq(sim_now(sim), 1500);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(sim_now(sim), 1600);
        ck_assert_str_eq(sim_backend_name(sim), "native");
        sim_destroy(sim);
}
END_TEST

/* ---- clock conversions --------------------------------------------------------------------- */

START_TEST(test_cycle_conversions)
{
        /* 1200 MHz: one cycle is 10^12 / 1.2e9 = 833.33 ps -> 833; 2 cycles 1666.67 -> 1667;
         * 3 cycles exactly 2500. */
        ck_assert_uint_eq(sim_cycles_to_ps(1, 1200000000ULL), 833);
        ck_assert_uint_eq(sim_cycles_to_ps(2, 1200000000ULL), 1667);
        ck_assert_uint_eq(sim_cycles_to_ps(3, 1200000000ULL), 2500);
        /* 1.5 GHz: 666.67 ps -> 667. 400 MHz: 2500 ps. 1 GHz: 10^9 cycles = 1 s. */
        ck_assert_uint_eq(sim_cycles_to_ps(1, 1500000000ULL), 667);
        ck_assert_uint_eq(sim_cycles_to_ps(1, 400000000ULL), 2500);
        ck_assert_uint_eq(sim_cycles_to_ps(1000000000ULL, 1000000000ULL), SIM_PS_PER_S);
        /* 2 THz: half a picosecond rounds up to 1. 0 cycles: 0. */
        ck_assert_uint_eq(sim_cycles_to_ps(1, 2000000000000ULL), 1);
        ck_assert_uint_eq(sim_cycles_to_ps(0, 1200000000ULL), 0);
        /* 2^64 - 1 cycles at 1 Hz overflow the picosecond range: saturated. */
        ck_assert_uint_eq(sim_cycles_to_ps(UINT64_MAX, 1), SIM_TIME_MAX);
        /* A large value without overflow: 10^12 cycles at 1.2 GHz = 833.333... s. */
        ck_assert_uint_eq(sim_cycles_to_ps(1000000000000ULL, 1200000000ULL), 833333333333333ULL);

        /* 2500 ps at 1.2 GHz = 3 cycles exactly; 2499 ps = 2.9988 -> 2; 833 ps = 0.9996 -> 0. */
        ck_assert_uint_eq(sim_ps_to_cycles(2500, 1200000000ULL), 3);
        ck_assert_uint_eq(sim_ps_to_cycles(2499, 1200000000ULL), 2);
        ck_assert_uint_eq(sim_ps_to_cycles(833, 1200000000ULL), 0);
        ck_assert_uint_eq(sim_ps_to_cycles(834, 1200000000ULL), 1);
        /* 1 s at 1.2 GHz = 1.2e9 cycles; SIM_TIME_MAX ps at 1 THz = SIM_TIME_MAX cycles. */
        ck_assert_uint_eq(sim_ps_to_cycles(SIM_PS_PER_S, 1200000000ULL), 1200000000ULL);
        ck_assert_uint_eq(sim_ps_to_cycles(SIM_TIME_MAX, 1000000000000ULL), UINT64_MAX);
        ck_assert_uint_eq(sim_ps_to_cycles(SIM_TIME_MAX, 2000000000000ULL), UINT64_MAX);
}
END_TEST

/* ---- 10^6 events against a reference sort ---------------------------------------------------- */

#define BIG_N 1000000

struct big_event {
        sim_time_t when;
        unsigned priority;
        uint32_t index; /* scheduling order */
};

struct big_run {
        struct big_event *events;
        sim_event_id *ids;
        uint32_t *order; /* indices in execution order */
        size_t executed;
        int *cancel_rcs; /* return codes of the cancellations made by callbacks */
        size_t cancels;
        struct rng rng;
        bool cancel_in_callbacks;
};

static struct big_run g_big;

static int compare_big(const void *pa, const void *pb)
{
        const struct big_event *a = pa;
        const struct big_event *b = pb;

        if (a->when != b->when)
                return a->when < b->when ? -1 : 1;
        if (a->priority != b->priority)
                return a->priority < b->priority ? -1 : 1;
        return a->index < b->index ? -1 : a->index > b->index;
}

/* One callback decision: with probability 1/4, cancel a uniformly chosen event. */
static bool draw_cancel(struct rng *rng, uint32_t *target)
{
        if (rng_range(rng, 0, 3) != 0)
                return false;
        *target = (uint32_t)rng_range(rng, 0, BIG_N - 1);
        return true;
}

static void big_event_fn(struct sim *sim, void *arg)
{
        const struct big_event *event = arg;
        uint32_t target;

        EXPECT(sim_now(sim) == event->when);
        g_big.order[g_big.executed++] = event->index;
        if (g_big.cancel_in_callbacks && draw_cancel(&g_big.rng, &target))
                g_big.cancel_rcs[g_big.cancels++] = sim_cancel(sim, g_big.ids[target]);
}

static void big_setup(void)
{
        g_big.events = malloc(BIG_N * sizeof(*g_big.events));
        g_big.ids = malloc(BIG_N * sizeof(*g_big.ids));
        g_big.order = malloc(BIG_N * sizeof(*g_big.order));
        g_big.cancel_rcs = malloc(BIG_N * sizeof(*g_big.cancel_rcs));
        ck_assert_ptr_nonnull(g_big.events);
        ck_assert_ptr_nonnull(g_big.ids);
        ck_assert_ptr_nonnull(g_big.order);
        ck_assert_ptr_nonnull(g_big.cancel_rcs);
        g_big.executed = 0;
        g_big.cancels = 0;
        g_failed_line = 0;
        struct rng rng;
        rng_init(&rng, 12345);
        /* Times in [0, 50000): 10^6 events give about 20 per time value, so many ties. */
        for (uint32_t i = 0; i < BIG_N; i++) {
                g_big.events[i].when = rng_range(&rng, 0, 49999);
                g_big.events[i].priority = (unsigned)rng_range(&rng, 0, SIM_PRIO_COUNT - 1);
                g_big.events[i].index = i;
        }
}

static void big_teardown(void)
{
        free(g_big.events);
        free(g_big.ids);
        free(g_big.order);
        free(g_big.cancel_rcs);
}

static void big_schedule_all(struct sim *sim)
{
        for (uint32_t i = 0; i < BIG_N; i++) {
                const struct big_event *e = &g_big.events[i];
                g_big.ids[i] = sim_schedule_prio(sim, e->when, (enum sim_priority)e->priority,
                                                 big_event_fn, &g_big.events[i]);
                EXPECT(g_big.ids[i] != 0);
        }
        ck_assert_int_eq(g_failed_line, 0);
        ck_assert_uint_eq(sim_events_pending(sim), BIG_N);
}

static struct big_event *big_sorted_copy(void)
{
        struct big_event *sorted = malloc(BIG_N * sizeof(*sorted));
        ck_assert_ptr_nonnull(sorted);
        for (size_t i = 0; i < BIG_N; i++)
                sorted[i] = g_big.events[i];
        qsort(sorted, BIG_N, sizeof(*sorted), compare_big);
        return sorted;
}

/* A copy of the native ops under another name: the kernel then takes its generic path. */
static const struct sim_backend_ops *backend_under_test(int variant)
{
        static struct sim_backend_ops copy;

        if (variant == 0)
                return NULL;
        copy = sim_backend_native;
        copy.name = "native-through-ops";
        return &copy;
}

START_TEST(test_million_events_match_sort)
{
        big_setup();
        struct sim *sim = sim_create(backend_under_test(_i));
        ck_assert_ptr_nonnull(sim);
        g_big.cancel_in_callbacks = false;
        big_schedule_all(sim);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_int_eq(g_failed_line, 0);
        ck_assert_uint_eq(g_big.executed, BIG_N);
        struct big_event *sorted = big_sorted_copy();
        size_t mismatches = 0;
        for (size_t i = 0; i < BIG_N; i++)
                mismatches += g_big.order[i] != sorted[i].index;
        ck_assert_uint_eq(mismatches, 0);
        ck_assert_uint_eq(sim_now(sim), sorted[BIG_N - 1].when);
        free(sorted);
        sim_destroy(sim);
        big_teardown();
}
END_TEST

enum { BIG_PENDING, BIG_RAN, BIG_CANCELLED };

START_TEST(test_million_events_with_cancellations)
{
        big_setup();
        struct sim *sim = sim_create(backend_under_test(_i));
        ck_assert_ptr_nonnull(sim);
        big_schedule_all(sim);
        unsigned char *state = calloc(BIG_N, 1);
        ck_assert_ptr_nonnull(state);

        /* Before the run: 250000 random cancels (some hit the same event twice). */
        struct rng pick;
        rng_init(&pick, 777);
        for (int k = 0; k < 250000; k++) {
                uint32_t j = (uint32_t)rng_range(&pick, 0, BIG_N - 1);
                int expected = state[j] == BIG_PENDING ? 0 : -ENOENT;
                EXPECT(sim_cancel(sim, g_big.ids[j]) == expected);
                state[j] = BIG_CANCELLED;
        }
        /* During the run: each callback may cancel any event (pending, run or cancelled). */
        g_big.cancel_in_callbacks = true;
        rng_init(&g_big.rng, 4242);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_int_eq(g_failed_line, 0);

        /* Reference: walk the sorted order, skipping cancelled events, and replay the same
         * draws to know which cancels should succeed. */
        struct big_event *sorted = big_sorted_copy();
        struct rng replay;
        rng_init(&replay, 4242);
        size_t executed = 0;
        size_t cancels = 0;
        for (size_t i = 0; i < BIG_N; i++) {
                uint32_t index = sorted[i].index;
                if (state[index] != BIG_PENDING)
                        continue;
                state[index] = BIG_RAN;
                EXPECT(executed < g_big.executed && g_big.order[executed] == index);
                executed++;
                uint32_t target;
                if (!draw_cancel(&replay, &target))
                        continue;
                int expected = state[target] == BIG_PENDING ? 0 : -ENOENT;
                if (state[target] == BIG_PENDING)
                        state[target] = BIG_CANCELLED;
                EXPECT(cancels < g_big.cancels && g_big.cancel_rcs[cancels] == expected);
                cancels++;
        }
        ck_assert_int_eq(g_failed_line, 0);
        ck_assert_uint_eq(executed, g_big.executed);
        ck_assert_uint_eq(cancels, g_big.cancels);
        ck_assert_uint_gt(executed, BIG_N / 2); /* the test really ran most events */
        ck_assert_uint_eq(sim_events_pending(sim), 0);
        free(sorted);
        free(state);
        sim_destroy(sim);
        big_teardown();
}
END_TEST

/* ---- against a naive queue, with scheduling and cancelling from callbacks -------------------- */

#define NAIVE_EVENTS 60000
#define NAIVE_TOTAL  (NAIVE_EVENTS + 400)

struct naive_event {
        sim_time_t when;
        unsigned priority;
        sim_event_id id;
        bool pending;
        size_t live_at; /* position in naive_model.live while pending */
};

struct naive_model {
        struct naive_event events[NAIVE_TOTAL];
        size_t count;
        struct naive_event *live[NAIVE_TOTAL]; /* the pending events, unordered */
        size_t pending;
        struct rng rng;
        uint64_t executed;
};

static struct naive_model *g_naive;

static void naive_fn(struct sim *sim, void *arg);

static void naive_schedule(struct sim *sim, sim_time_t when, unsigned priority)
{
        if (g_naive->count == NAIVE_TOTAL)
                return;
        struct naive_event *e = &g_naive->events[g_naive->count++];
        e->when = when;
        e->priority = priority;
        e->pending = true;
        e->id = sim_schedule_prio(sim, when, (enum sim_priority)priority, naive_fn, e);
        EXPECT(e->id != 0);
        e->live_at = g_naive->pending;
        g_naive->live[g_naive->pending++] = e;
}

static void naive_remove(struct naive_event *e)
{
        struct naive_event *last = g_naive->live[--g_naive->pending];

        g_naive->live[e->live_at] = last;
        last->live_at = e->live_at;
        e->pending = false;
}

/* The first pending event by (when, priority, id): ids increase with scheduling order. */
static const struct naive_event *naive_first(void)
{
        const struct naive_event *first = NULL;

        for (size_t i = 0; i < g_naive->pending; i++) {
                const struct naive_event *e = g_naive->live[i];
                if (!first || e->when < first->when ||
                    (e->when == first->when && e->priority < first->priority) ||
                    (e->when == first->when && e->priority == first->priority && e->id < first->id))
                        first = e;
        }
        return first;
}

static void naive_fn(struct sim *sim, void *arg)
{
        struct naive_event *e = arg;
        struct rng *rng = &g_naive->rng;

        EXPECT(naive_first() == e);
        EXPECT(sim_now(sim) == e->when);
        naive_remove(e);
        g_naive->executed++;
        /* Up to two new events, at now or a little later, any priority. */
        for (uint64_t n = rng_range(rng, 0, 2); n > 0; n--)
                naive_schedule(sim, sim_now(sim) + rng_range(rng, 0, 20),
                               (unsigned)rng_range(rng, 0, SIM_PRIO_COUNT - 1));
        /* A third of the time, cancel any event scheduled so far. */
        if (rng_range(rng, 0, 2) == 0) {
                struct naive_event *victim =
                    &g_naive->events[rng_range(rng, 0, g_naive->count - 1)];
                int expected = victim->pending ? 0 : -ENOENT;
                EXPECT(sim_cancel(sim, victim->id) == expected);
                if (victim->pending)
                        naive_remove(victim);
        }
        EXPECT(sim_events_pending(sim) == g_naive->pending);
        EXPECT(sim_queue_stored(sim) <= 2 * g_naive->pending + 32);
}

START_TEST(test_against_naive_queue)
{
        g_naive = calloc(1, sizeof(*g_naive));
        ck_assert_ptr_nonnull(g_naive);
        struct sim *sim = sim_create(backend_under_test(_i));
        rng_init(&g_naive->rng, 99);
        g_failed_line = 0;
        for (int i = 0; i < 400; i++)
                naive_schedule(sim, rng_range(&g_naive->rng, 0, 200),
                               (unsigned)rng_range(&g_naive->rng, 0, SIM_PRIO_COUNT - 1));
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_int_eq(g_failed_line, 0);
        ck_assert_uint_eq(g_naive->pending, 0);
        ck_assert_uint_eq(sim_events_executed(sim), g_naive->executed);
        ck_assert_uint_gt(g_naive->executed, 10000);
        sim_destroy(sim);
        free(g_naive);
}
END_TEST

static Suite *sim_kernel_suite(void)
{
        Suite *s = suite_create("sim_kernel");
        TCase *order = tcase_create("order");
        tcase_add_test(order, test_same_time_priority_order);
        tcase_add_test(order, test_same_time_same_priority_fifo);
        tcase_add_test(order, test_mixed_order);
        tcase_add_test(order, test_schedule_at_now_runs_after_pending);
        suite_add_tcase(s, order);

        TCase *cancel = tcase_create("cancel");
        tcase_add_test(cancel, test_cancel_pending);
        tcase_add_test(cancel, test_cancel_first_and_all);
        tcase_add_test(cancel, test_cancel_from_callback);
        tcase_add_test(cancel, test_cancelled_events_do_not_accumulate);
        suite_add_tcase(s, cancel);

        TCase *run = tcase_create("run");
        tcase_add_test(run, test_run_until_horizon);
        tcase_add_test(run, test_stop);
        tcase_add_test(run, test_cycle_conversions);
        suite_add_tcase(s, run);

        TCase *reference = tcase_create("reference");
        tcase_add_loop_test(reference, test_million_events_match_sort, 0, 2);
        tcase_add_loop_test(reference, test_million_events_with_cancellations, 0, 2);
        tcase_add_loop_test(reference, test_against_naive_queue, 0, 2);
        suite_add_tcase(s, reference);
        return s;
}

int main(void)
{
        SRunner *runner = srunner_create(sim_kernel_suite());
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
