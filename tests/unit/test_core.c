/*
 * Core: cycle conversion, completion, exact remaining work under repeated preemption, busy
 * accounting, completion class.
 */
#include <check.h>
#include <stdlib.h>

#include "models/hw/core.h"
#include "sim/scenario.h"
#include "sim/sim.h"

struct bench {
        struct sim *sim;
        struct core_config config;
        struct core core;
        struct exec_port port;
        sim_time_t done_at; /* completion time, SIM_TIME_MAX before */
        int done_calls;
        sim_time_t remaining; /* from the last preemption */
        bool busy_seen;       /* core_busy seen by a same-instant NORMAL event */
};

static char core_name[] = "cpu0";

static void bench_init(struct bench *b, uint64_t clock_hz)
{
        *b = (struct bench){ .done_at = SIM_TIME_MAX };
        b->sim = sim_create(NULL);
        ck_assert_ptr_nonnull(b->sim);
        b->config = (struct core_config){ .name = core_name, .clock_hz = clock_hz };
        core_init(&b->core, &b->config, b->sim);
        b->port = core_exec_port(&b->core);
}

static void bench_free(struct bench *b)
{
        core_fini(&b->core);
        sim_destroy(b->sim);
}

static void on_done(void *arg)
{
        struct bench *b = arg;

        b->done_at = sim_now(b->sim);
        b->done_calls++;
}

static void do_preempt(struct sim *sim, void *arg)
{
        struct bench *b = arg;

        (void)sim;
        b->remaining = b->port.ops->preempt(b->port.resource);
}

static void do_resume(struct sim *sim, void *arg)
{
        struct bench *b = arg;

        (void)sim;
        ck_assert_int_eq(b->port.ops->start(b->port.resource, b->remaining, on_done, b), 0);
}

static void observe_busy(struct sim *sim, void *arg)
{
        struct bench *b = arg;

        (void)sim;
        b->busy_seen = core_busy(&b->core);
}

/* Rounded to the nearest picosecond: 3 GHz: 1 cycle = 333.3 -> 333, 2 = 666.7 -> 667,
 * 3 = 1000; 1 GHz: 1000 cycles = 1,000,000 ps. */
START_TEST(test_cycles_to_ps)
{
        struct bench b;

        bench_init(&b, 3000000000ULL);
        ck_assert_uint_eq(core_cycles_to_ps(&b.core, 1), 333);
        ck_assert_uint_eq(core_cycles_to_ps(&b.core, 2), 667);
        ck_assert_uint_eq(b.port.ops->cycles_to_ps(b.port.resource, 3), 1000);
        bench_free(&b);
        bench_init(&b, 1000000000ULL);
        ck_assert_uint_eq(core_cycles_to_ps(&b.core, 1000), 1000000);
        bench_free(&b);
}
END_TEST

/*
 * Work of 1000 cycles at 3 GHz = 333,333 ps (333,333.3 rounded), converted once. Preempted at
 * 100,000 (233,333 left), resumed at 150,000, preempted at 200,000 (183,333 left), resumed at
 * 300,000: completes at 483,333 and has been busy 100,000 + 50,000 + 183,333 = 333,333 ps,
 * exactly the whole work. (Converting each slice back to cycles and forth would lose the
 * fractions: 1 cycle = 333.3 ps.)
 */
START_TEST(test_preempt_keeps_exact_work)
{
        struct bench b;
        sim_time_t work;

        bench_init(&b, 3000000000ULL);
        work = core_cycles_to_ps(&b.core, 1000);
        ck_assert_uint_eq(work, 333333);
        ck_assert_int_eq(core_start(&b.core, work, on_done, &b), 0);
        ck_assert(core_busy(&b.core));
        sim_schedule(b.sim, 100000, do_preempt, &b);
        sim_schedule(b.sim, 150000, do_resume, &b);
        sim_schedule(b.sim, 200000, do_preempt, &b);
        sim_schedule(b.sim, 300000, do_resume, &b);

        ck_assert_int_eq(sim_run_until(b.sim, 120000), 0);
        ck_assert_uint_eq(b.remaining, 233333);
        ck_assert(!core_busy(&b.core));
        ck_assert_uint_eq(core_busy_ps(&b.core, 120000), 100000);

        ck_assert_int_eq(sim_run_until(b.sim, 250000), 0);
        ck_assert_uint_eq(b.remaining, 183333);
        ck_assert_uint_eq(core_busy_ps(&b.core, 250000), 150000);

        ck_assert_int_eq(sim_run_until(b.sim, 400000), 0);
        /* in progress: counted up to now */
        ck_assert_uint_eq(core_busy_ps(&b.core, 400000), 250000);

        ck_assert_int_eq(sim_run_until(b.sim, 1000000), 0);
        ck_assert_uint_eq(b.done_at, 483333);
        ck_assert_int_eq(b.done_calls, 1);
        ck_assert_uint_eq(core_busy_ps(&b.core, 1000000), 333333);
        bench_free(&b);
}
END_TEST

/*
 * The completion runs in SIM_PRIO_HIGH: a NORMAL event at the finishing instant, scheduled
 * before the work was even started, already sees the core free.
 */
START_TEST(test_completion_precedes_normal_events)
{
        struct bench b;

        bench_init(&b, 1000000000ULL);
        b.busy_seen = true;
        sim_schedule(b.sim, 5000, observe_busy, &b);
        ck_assert_int_eq(b.port.ops->start(b.port.resource, 5000, on_done, &b), 0);
        ck_assert(b.port.ops->busy(b.port.resource));
        ck_assert_int_eq(sim_run_until(b.sim, 10000), 0);
        ck_assert(!b.busy_seen);
        ck_assert_uint_eq(b.done_at, 5000);
        bench_free(&b);
}
END_TEST

/* A preempted piece of work never calls back; preempting at the start returns all of it. */
START_TEST(test_preempt_cancels_callback)
{
        struct bench b;

        bench_init(&b, 1000000000ULL);
        ck_assert_int_eq(core_start(&b.core, 7000, on_done, &b), 0);
        ck_assert_uint_eq(core_preempt(&b.core), 7000);
        ck_assert_int_eq(sim_run_until(b.sim, 100000), 0);
        ck_assert_int_eq(b.done_calls, 0);
        ck_assert_uint_eq(core_busy_ps(&b.core, 100000), 0);
        bench_free(&b);
}
END_TEST

static Suite *core_suite(void)
{
        Suite *suite = suite_create("core");
        TCase *tc = tcase_create("execution");

        tcase_add_test(tc, test_cycles_to_ps);
        tcase_add_test(tc, test_preempt_keeps_exact_work);
        tcase_add_test(tc, test_completion_precedes_normal_events);
        tcase_add_test(tc, test_preempt_cancels_callback);
        suite_add_tcase(suite, tc);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(core_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
