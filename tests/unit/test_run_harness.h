/*
 * test_run_harness: load a scenario file, build its platform on the native kernel, run it to
 * the scenario's duration and finish it, for unit tests that assert on the resulting metrics.
 * Every step is checked with Check's asserts (a loader error prints file:line:column, path and
 * message). Shared by the tests that drive whole scenarios (boot, activation, devices).
 */
#ifndef MOSAIC_TESTS_UNIT_TEST_RUN_HARNESS_H
#define MOSAIC_TESTS_UNIT_TEST_RUN_HARNESS_H

#include <check.h>

#include "models/platform.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

struct run {
        struct scenario scenario;
        struct metrics *metrics;
        struct sim *sim;
        struct platform *platform;
};

/* Load `file`, build, run to `until` (0: the scenario's duration) and close the books there;
 * fails the test on any error. */
static inline void run_fixture_until(struct run *run, const char *file, sim_time_t until)
{
        struct scenario_diag d;
        int rc = scenario_load(file, &run->scenario, &d);
        sim_time_t end;

        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        run->metrics = metrics_create();
        run->sim = sim_create(NULL);
        ck_assert_ptr_nonnull(run->metrics);
        ck_assert_ptr_nonnull(run->sim);
        ck_assert_int_eq(platform_build(&run->scenario, run->sim, run->metrics, &run->platform), 0);
        end = until != 0 ? until : run->scenario.run.duration_ps;
        ck_assert_int_eq(sim_run_until(run->sim, end), 0);
        ck_assert_int_eq(platform_error(run->platform), 0);
        platform_finish(run->platform, end);
}

/* run_fixture_until to the scenario's duration. */
static inline void run_fixture(struct run *run, const char *file)
{
        run_fixture_until(run, file, 0);
}

static inline void run_free(struct run *run)
{
        platform_destroy(run->platform);
        sim_destroy(run->sim);
        metrics_destroy(run->metrics);
        scenario_free(&run->scenario);
}

/* Metric (entity, name) of the run; fails the test when it does not exist. */
static inline const struct metric *metric(const struct run *run, const char *entity,
                                          const char *name)
{
        const struct metric *m = metrics_find(run->metrics, entity, name);

        ck_assert_msg(m != NULL, "no metric %s %s", entity, name);
        return m;
}

#endif
