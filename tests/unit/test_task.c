/*
 * Task workload generator: periodic and sporadic activations, release jitter, demand
 * distributions, named random streams.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "models/os/task.h"
#include "sim/rng.h"
#include "sim/scenario.h"
#include "sim/sim.h"

#define US SIM_PS_PER_US

/* Configs point at names that must outlive them: file scope, not a compound literal. */
static char task_name[] = "t";

static struct task_config periodic_config(sim_time_t offset_ps, sim_time_t period_ps,
                                          sim_time_t jitter_ps)
{
        return (struct task_config){
                .name = task_name,
                .activation = TASK_PERIODIC,
                .period_ps = period_ps,
                .max_interarrival_ps = period_ps,
                .offset_ps = offset_ps,
                .jitter_ps = jitter_ps,
                .deadline_ps = period_ps,
                .priority = 1,
                .demand = { .distribution = DEMAND_FIXED, .min_cycles = 10, .max_cycles = 10 },
        };
}

/* Without jitter, activation k = offset + k * period exactly, and release = activation. */
START_TEST(test_periodic_exact)
{
        struct task_config config = periodic_config(3 * US, 10 * US, 0);
        struct task task;
        struct task_release release;

        ck_assert_int_eq(task_init(&task, &config, "rtos", 1), 0);
        for (uint64_t k = 0; k < 100000; k++) {
                task_next_release(&task, &release);
                ck_assert_uint_eq(release.activation_ps, 3 * US + k * 10 * US);
                ck_assert_uint_eq(release.release_ps, release.activation_ps);
        }
}
END_TEST

/*
 * Jitter J = 3 us on T = 10 us: release - activation in [0, J]; over 2000 draws the extremes
 * come within 1% of both ends (a miss has probability 0.99^2000 ~ 2e-9); activations stay
 * exact. The first draw is rng_range(stream "os/rtos/task/t/arrival", 0, J).
 */
START_TEST(test_periodic_jitter_bounds_and_stream)
{
        const sim_time_t jitter = 3 * US;
        struct task_config config = periodic_config(0, 10 * US, jitter);
        struct task task;
        struct task_release release;
        struct rng expected;
        sim_time_t lowest = SIM_TIME_MAX, highest = 0;

        ck_assert_int_eq(task_init(&task, &config, "rtos", 42), 0);
        rng_init_named(&expected, 42, "os/rtos/task/t/arrival");
        for (uint64_t k = 0; k < 2000; k++) {
                sim_time_t delay;

                task_next_release(&task, &release);
                ck_assert_uint_eq(release.activation_ps, k * 10 * US);
                ck_assert_uint_ge(release.release_ps, release.activation_ps);
                delay = release.release_ps - release.activation_ps;
                ck_assert_uint_le(delay, jitter);
                if (k == 0) {
                        sim_time_t first = rng_range(&expected, 0, jitter);

                        ck_assert_uint_eq(delay, first);
                }
                lowest = delay < lowest ? delay : lowest;
                highest = delay > highest ? delay : highest;
        }
        ck_assert_uint_lt(lowest, jitter / 100);
        ck_assert_uint_gt(highest, jitter - jitter / 100);
}
END_TEST

/* Same seed: the same releases; another seed: different ones. Demand draws do not move the
 * releases (separate streams). */
START_TEST(test_seeds_and_stream_independence)
{
        struct task_config config = periodic_config(0, 10 * US, 5 * US);
        struct task a, b, c;
        struct task_release ra, rb, rc;
        int differ = 0;

        config.demand = (struct demand_config){ .distribution = DEMAND_UNIFORM,
                                                .min_cycles = 1,
                                                .max_cycles = 1000 };
        ck_assert_int_eq(task_init(&a, &config, "rtos", 9), 0);
        ck_assert_int_eq(task_init(&b, &config, "rtos", 9), 0);
        ck_assert_int_eq(task_init(&c, &config, "rtos", 10), 0);
        for (int k = 0; k < 100; k++) {
                task_next_release(&a, &ra);
                task_next_release(&b, &rb);
                task_next_release(&c, &rc);
                (void)task_draw_demand(&b); /* only b draws demands */
                ck_assert_uint_eq(ra.release_ps, rb.release_ps);
                differ += ra.release_ps != rc.release_ps;
        }
        ck_assert_int_gt(differ, 90);
}
END_TEST

/* Jitter larger than the period could reorder releases; they are held in activation order. */
START_TEST(test_releases_keep_order)
{
        struct task_config config = periodic_config(0, 1 * US, 10 * US);
        struct task task;
        struct task_release release;
        sim_time_t previous = 0;

        ck_assert_int_eq(task_init(&task, &config, "rtos", 3), 0);
        for (uint64_t k = 0; k < 1000; k++) {
                task_next_release(&task, &release);
                ck_assert_uint_eq(release.activation_ps, k * US);
                ck_assert_uint_ge(release.release_ps, previous);
                ck_assert_uint_ge(release.release_ps, release.activation_ps);
                previous = release.release_ps;
        }
}
END_TEST

/*
 * Sporadic, min 5 us, max 8 us, offset 2 us: the first activation at 2 us, then every gap in
 * [5, 8] us, the observed extremes within 1% of the range ends over 2000 gaps.
 */
START_TEST(test_sporadic_interarrival)
{
        struct task_config config = periodic_config(2 * US, 5 * US, 0);
        struct task task;
        struct task_release release;
        sim_time_t previous, smallest = SIM_TIME_MAX, largest = 0;
        const sim_time_t range = 3 * US;

        config.activation = TASK_SPORADIC;
        config.max_interarrival_ps = 8 * US;
        ck_assert_int_eq(task_init(&task, &config, "rtos", 5), 0);
        task_next_release(&task, &release);
        ck_assert_uint_eq(release.activation_ps, 2 * US);
        previous = release.activation_ps;
        for (int k = 0; k < 2000; k++) {
                sim_time_t gap;

                task_next_release(&task, &release);
                ck_assert_uint_eq(release.release_ps, release.activation_ps);
                gap = release.activation_ps - previous;
                ck_assert_uint_ge(gap, 5 * US);
                ck_assert_uint_le(gap, 8 * US);
                smallest = gap < smallest ? gap : smallest;
                largest = gap > largest ? gap : largest;
                previous = release.activation_ps;
        }
        ck_assert_uint_lt(smallest, 5 * US + range / 100);
        ck_assert_uint_gt(largest, 8 * US - range / 100);
}
END_TEST

/* Fixed demand is max_cycles; uniform over [10, 13] hits all four values in 1000 draws. */
START_TEST(test_demand_fixed_uniform)
{
        struct task_config config = periodic_config(0, 10 * US, 0);
        struct task task;
        int seen[4] = { 0 };

        config.demand.max_cycles = 1234;
        ck_assert_int_eq(task_init(&task, &config, "rtos", 1), 0);
        ck_assert_uint_eq(task_draw_demand(&task), 1234);

        config.demand = (struct demand_config){ .distribution = DEMAND_UNIFORM,
                                                .min_cycles = 10,
                                                .max_cycles = 13 };
        ck_assert_int_eq(task_init(&task, &config, "rtos", 1), 0);
        for (int k = 0; k < 1000; k++) {
                uint64_t cycles = task_draw_demand(&task);

                ck_assert_uint_ge(cycles, 10);
                ck_assert_uint_le(cycles, 13);
                seen[cycles - 10]++;
        }
        for (int v = 0; v < 4; v++)
                ck_assert_int_gt(seen[v], 150); /* expected 250 each */
}
END_TEST

/*
 * Truncated normal, mean 1000, sd 100, range [900, 1300]: every draw in range; by symmetry of
 * the normal about 1000 within [900, 1100], P(draw < 1000) = P(900 <= x < 1000) / P(900..1300)
 * = 0.3413 / (0.3413 + 0.4987) = 0.406 (rounding draws to integers moves it by ~0.002).
 * Over 20000 draws the fraction below 1000 lies within 0.406 +- 0.02 (sd 0.0035). A range
 * far in the tail (mean 1000, sd 10, [2000, 3000]) cannot be reached: clamped to 2000.
 */
START_TEST(test_demand_normal)
{
        struct task_config config = periodic_config(0, 10 * US, 0);
        struct task task;
        int below = 0;
        const int draws = 20000;

        config.demand = (struct demand_config){ .distribution = DEMAND_NORMAL,
                                                .min_cycles = 900,
                                                .max_cycles = 1300,
                                                .mean_cycles = 1000.0,
                                                .stddev_cycles = 100.0 };
        ck_assert_int_eq(task_init(&task, &config, "rtos", 11), 0);
        for (int k = 0; k < draws; k++) {
                uint64_t cycles = task_draw_demand(&task);

                ck_assert_uint_ge(cycles, 900);
                ck_assert_uint_le(cycles, 1300);
                below += cycles < 1000;
        }
        ck_assert_double_le(fabs((double)below / draws - 0.406), 0.02);

        config.demand.mean_cycles = 1000.0;
        config.demand.stddev_cycles = 10.0;
        config.demand.min_cycles = 2000;
        config.demand.max_cycles = 3000;
        ck_assert_int_eq(task_init(&task, &config, "rtos", 11), 0);
        ck_assert_uint_eq(task_draw_demand(&task), 2000);
}
END_TEST

static Suite *task_suite(void)
{
        Suite *suite = suite_create("task");
        TCase *tc = tcase_create("generator");

        tcase_add_test(tc, test_periodic_exact);
        tcase_add_test(tc, test_periodic_jitter_bounds_and_stream);
        tcase_add_test(tc, test_seeds_and_stream_independence);
        tcase_add_test(tc, test_releases_keep_order);
        tcase_add_test(tc, test_sporadic_interarrival);
        tcase_add_test(tc, test_demand_fixed_uniform);
        tcase_add_test(tc, test_demand_normal);
        suite_add_tcase(suite, tc);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(task_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
