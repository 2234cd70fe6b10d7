/*
 * Event tasks activated by other tasks: in the same OS (task_config.activates) and across
 * OSes and VMs through a doorbell (models/os/doorbell.h). Fixtures in tests/unit/scenarios/
 * are read by the real loader, built by the platform and run; release and response times are
 * worked out by hand in each test. Platform generic-4core: every core at 1200 MHz, so 1200
 * cycles = 1 us and 60 cycles = 50 ns exactly.
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "models/platform.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"
#include "tests/unit/test_run_harness.h"

#define FIXTURES "tests/unit/scenarios/"
#define NS       SIM_PS_PER_NS
#define US       SIM_PS_PER_US
#define MS       SIM_PS_PER_MS

/* Every job of `entity` had response time `ps`, and `count` jobs completed. */
static void assert_response(const struct run *run, const char *entity, uint64_t count,
                            sim_time_t ps)
{
        const struct histogram *h = &metric(run, entity, "response_time")->histogram;

        ck_assert_uint_eq(metric(run, entity, "activations")->counter, count);
        ck_assert_uint_eq(metric(run, entity, "completions")->counter, count);
        ck_assert_uint_eq(metric(run, entity, "deadline_misses")->counter, 0);
        ck_assert_uint_eq(h->count, count);
        ck_assert_uint_eq(h->min, ps);
        ck_assert_uint_eq(h->max, ps);
}

/*
 * activation_task.json: one AMP OS on cpu0, fixed priority, context switch 120 cycles =
 * 100 ns. sensor (periodic 1 ms, 1200 cycles = 1 us, priority 1) activates control (event,
 * 2400 cycles = 2 us, priority 5), which activates actuate (event, 1 us, priority 3).
 * Period k (at k ms), every period alike because the last task loaded is actuate, never sensor:
 *   switch to sensor        k+0.0 .. k+0.1 us
 *   sensor                  k+0.1 .. k+1.1 us   response 1.1 us; releases control at k+1.1
 *   switch to control       k+1.1 .. k+1.2
 *   control                 k+1.2 .. k+3.2      response 3.2 - 1.1 = 2.1 us; releases actuate
 *   switch to actuate       k+3.2 .. k+3.3
 *   actuate                 k+3.3 .. k+4.3      response 4.3 - 3.2 = 1.1 us
 * 3 ms: 3 jobs of each; 9 context switches.
 */
START_TEST(test_task_activates_task_in_same_os)
{
        struct run run;

        run_fixture(&run, FIXTURES "activation_task.json");
        assert_response(&run, "os/rtos/task/sensor", 3, 1100 * NS);
        assert_response(&run, "os/rtos/task/control", 3, 2100 * NS);
        assert_response(&run, "os/rtos/task/actuate", 3, 1100 * NS);
        ck_assert_uint_eq(metric(&run, "core/cpu0", "context_switches")->counter, 9);
        ck_assert_uint_eq(metric(&run, "os/rtos/task/control", "preemptions")->counter, 0);
        run_free(&run);
}
END_TEST

/*
 * activation_doorbell_amp.json: sensor in OS a on cpu0 (1 us from k ms) rings SGI 1 at OS b
 * on cpu1 when it completes, at k + 1 us. b takes it at once: exception entry 60 cycles =
 * 50 ns (the latency), ISR body 600 cycles = 0.5 us, so brake (2400 cycles = 2 us) is
 * released at k + 1.55 us and completes at k + 3.55 us: response 2 us. 2 ms: 2 rings.
 */
START_TEST(test_doorbell_amp)
{
        struct run run;
        const struct histogram *latency;

        run_fixture(&run, FIXTURES "activation_doorbell_amp.json");
        assert_response(&run, "os/a/task/sensor", 2, 1 * US);
        assert_response(&run, "os/b/task/brake", 2, 2 * US);
        latency = &metric(&run, "irq/b/bell", "latency")->histogram;
        ck_assert_uint_eq(latency->count, 2);
        ck_assert_uint_eq(latency->min, 50 * NS);
        ck_assert_uint_eq(latency->max, 50 * NS);
        ck_assert_uint_eq(metric(&run, "irq/b/bell", "raised")->counter, 2);
        ck_assert_uint_eq(metric(&run, "irq/b/bell", "merged")->counter, 0);
        run_free(&run);
}
END_TEST

/*
 * activation_doorbell_hv.json, static partitioning: VM rtos's vCPU on cpu0, VM linux's on
 * cpu1. World switch 1200 cycles = 1 us; the SGI write traps: trap entry 120 + injection 240
 * + trap exit 120 = 480 cycles = 400 ns on cpu0; the hypervisor's IPI to cpu1 takes the
 * trapped path there: 120 + 960 + 240 + 120 = 1440 cycles = 1.2 us; guest entry 50 ns; ISR
 * 0.5 us; brake 2 us.
 * First period: world switch on cpu0 0..1 us, sensor 1..2 us (response 2 us), ring at 2 us
 * (the edge), trap 2..2.4 us, IPI path on cpu1 2.4..3.6 us, linux's vCPU was never loaded:
 * world switch 3.6..4.6 us, guest entry to 4.65 us: latency 2.65 us; ISR to 5.15 us, brake
 * released then, completes at 7.15 us: response 2 us.
 * Second period: no world switch on either core (both keep their context): sensor 1000..1001
 * us (response 1 us), trap to 1001.4, IPI path to 1002.6, entry to 1002.65: latency 1.65 us.
 * cpu1 takes 2 trapped interrupts (1.2 us each); rtos's vCPU traps twice.
 */
START_TEST(test_doorbell_between_vms)
{
        struct run run;
        const struct histogram *latency, *sensor;

        run_fixture(&run, FIXTURES "activation_doorbell_hv.json");
        sensor = &metric(&run, "vm/rtos/task/sensor", "response_time")->histogram;
        ck_assert_uint_eq(sensor->count, 2);
        ck_assert_uint_eq(sensor->min, 1 * US);
        ck_assert_uint_eq(sensor->max, 2 * US);
        assert_response(&run, "vm/linux/task/brake", 2, 2 * US);
        latency = &metric(&run, "irq/linux/bell", "latency")->histogram;
        ck_assert_uint_eq(latency->count, 2);
        ck_assert_uint_eq(latency->min, 1650 * NS);
        ck_assert_uint_eq(latency->max, 2650 * NS);
        ck_assert_uint_eq(metric(&run, "irq/linux/bell", "raised")->counter, 2);
        ck_assert_uint_eq(metric(&run, "hv/vm/rtos/vcpu/0", "traps")->counter, 2);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu1", "irqs")->counter, 2);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu1", "irq_time")->counter, 2 * 1200 * NS);
        run_free(&run);
}
END_TEST

/* A reference run without the producer (as the slowdown references make): the doorbell never
 * rings and nothing fails. */
START_TEST(test_doorbell_without_producer)
{
        struct run run;
        struct scenario_diag d;
        struct os_config *oses;

        ck_assert_int_eq(scenario_load(FIXTURES "activation_doorbell_amp.json", &run.scenario, &d),
                         0);
        oses = run.scenario.oses;
        oses[0].task_count = 0;
        run.metrics = metrics_create();
        run.sim = sim_create(NULL);
        ck_assert_int_eq(platform_build(&run.scenario, run.sim, run.metrics, &run.platform), 0);
        ck_assert_int_eq(sim_run_until(run.sim, run.scenario.run.duration_ps), 0);
        ck_assert_int_eq(platform_error(run.platform), 0);
        platform_finish(run.platform, run.scenario.run.duration_ps);
        ck_assert_uint_eq(metric(&run, "os/b/task/brake", "activations")->counter, 0);
        ck_assert_uint_eq(metric(&run, "irq/b/bell", "raised")->counter, 0);
        oses[0].task_count = 1; /* scenario_free frees the task */
        run_free(&run);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("os_activation");
        TCase *tc = tcase_create("os_activation");

        tcase_add_test(tc, test_task_activates_task_in_same_os);
        tcase_add_test(tc, test_doorbell_amp);
        tcase_add_test(tc, test_doorbell_between_vms);
        tcase_add_test(tc, test_doorbell_without_producer);
        suite_add_tcase(suite, tc);
        SRunner *runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
