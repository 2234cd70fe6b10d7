/*
 * test_os_harness: shared fixture for the guest-OS policy tests (header-only, static
 * functions). One platform of two cores at 1 GHz (1 cycle = 1 ns = 1000 ps exactly) with one
 * AMP OS "rtos" on core 0 under a chosen scheduler; tasks are built in C and the platform is
 * built and run through platform_build, as a scenario would be.
 */
#ifndef MOSAIC_TESTS_UNIT_TEST_OS_HARNESS_H
#define MOSAIC_TESTS_UNIT_TEST_OS_HARNESS_H

#include <check.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/platform.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

#define US            SIM_PS_PER_US
#define MS            SIM_PS_PER_MS
#define OST_MAX_TASKS 8

struct ost {
        struct scenario scenario;
        struct core_config cores[2];
        size_t os_cores[1];
        struct os_config os;
        struct task_config tasks[OST_MAX_TASKS];
        struct sim *sim;
        struct metrics *metrics;
        struct platform *platform;
};

/* Names the configs point at; file scope so they outlive every fixture. */
static char ost_cpu0[] = "cpu0", ost_cpu1[] = "cpu1", ost_rtos[] = "rtos", ost_test[] = "test",
            ost_platform[] = "two-core";

static void ost_init(struct ost *f, enum os_scheduler scheduler, sim_time_t duration_ps)
{
        *f = (struct ost){ 0 };
        f->cores[0] = (struct core_config){ .name = ost_cpu0, .clock_hz = 1000000000 };
        f->cores[1] = (struct core_config){ .name = ost_cpu1, .clock_hz = 1000000000 };
        f->os_cores[0] = 0;
        f->os = (struct os_config){ .name = ost_rtos,
                                    .scheduler = scheduler,
                                    .core_count = 1,
                                    .cores = f->os_cores,
                                    .tasks = f->tasks };
        f->scenario = (struct scenario){
                .name = ost_test,
                .run = { .duration_ps = duration_ps, .seed = 1, .fidelity = FIDELITY_DETAILED },
                .platform = { .name = ost_platform, .core_count = 2, .cores = f->cores },
                .os_count = 1,
                .oses = &f->os,
        };
}

/* A periodic task with a fixed demand in cycles (= ns), deadline = period, offset 0. */
static struct task_config *ost_task(struct ost *f, char *name, sim_time_t period_ps,
                                    uint64_t cycles)
{
        struct task_config *task = &f->tasks[f->os.task_count++];

        ck_assert_uint_le(f->os.task_count, OST_MAX_TASKS);
        *task = (struct task_config){
                .name = name,
                .activation = TASK_PERIODIC,
                .period_ps = period_ps,
                .max_interarrival_ps = period_ps,
                .deadline_ps = period_ps,
                .core = 0,
                .demand = { .distribution = DEMAND_FIXED,
                            .min_cycles = cycles,
                            .max_cycles = cycles,
                            .mean_cycles = (double)cycles },
        };
        return task;
}

static void ost_run(struct ost *f)
{
        f->sim = sim_create(NULL);
        f->metrics = metrics_create();
        ck_assert_ptr_nonnull(f->sim);
        ck_assert_ptr_nonnull(f->metrics);
        ck_assert_int_eq(platform_build(&f->scenario, f->sim, f->metrics, &f->platform), 0);
        ck_assert_int_eq(sim_run_until(f->sim, f->scenario.run.duration_ps), 0);
        ck_assert_uint_eq(sim_now(f->sim), f->scenario.run.duration_ps);
        platform_finish(f->platform, sim_now(f->sim));
}

static void ost_free(struct ost *f)
{
        platform_destroy(f->platform);
        sim_destroy(f->sim);
        metrics_destroy(f->metrics);
}

static const struct metric *ost_metric(const struct ost *f, const char *entity, const char *name)
{
        const struct metric *metric = metrics_find(f->metrics, entity, name);

        ck_assert_msg(metric != NULL, "no metric %s/%s", entity, name);
        return metric;
}

static uint64_t ost_task_counter(const struct ost *f, const char *task, const char *name)
{
        char entity[128];

        (void)snprintf(entity, sizeof(entity), "os/rtos/task/%s", task);
        return ost_metric(f, entity, name)->counter;
}

static const struct histogram *ost_response(const struct ost *f, const char *task)
{
        char entity[128];

        (void)snprintf(entity, sizeof(entity), "os/rtos/task/%s", task);
        return &ost_metric(f, entity, "response_time")->histogram;
}

static uint64_t ost_context_switches(const struct ost *f)
{
        return ost_metric(f, "core/cpu0", "context_switches")->counter;
}

#endif
