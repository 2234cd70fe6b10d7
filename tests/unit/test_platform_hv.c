/*
 * Tests of models/platform.c with a hypervisor: scenarios loaded from fixtures in
 * tests/unit/scenarios/ by the real loader, built into models, run, and their metrics checked
 * against response times worked out by hand from the policies' rules (models/hv/policy_*.c).
 * Platform generic-4core: every core at 1200 MHz, so 1200 cycles = 1 us.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>

#include "models/hw/gic.h"
#include "models/os/guest_os.h"
#include "models/platform.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"
#include "tests/unit/test_run_harness.h"

#define FIXTURES "tests/unit/scenarios/"
#define US       SIM_PS_PER_US
#define MS       SIM_PS_PER_MS

/*
 * arinc_base.json: cpu0's major frame is 10 ms, a 3 ms window for vCPU 0 of VM rtos at its
 * start, then idle; a world switch costs 1200 cycles = 1 us. Task control (C = 6000000 cycles
 * = 5 ms) is activated at 0. Window [0, 3 ms): the world switch loads the vCPU (0 to 1 us),
 * guest work runs 1 us to 3 ms (2.999 ms done, 2.001 ms left). The core idles to 10 ms; the
 * vCPU's context is still loaded, so window [10 ms, 13 ms) resumes it without a switch and the
 * job completes at 10 ms + 2.001 ms = 12.001 ms: response time 12001 us (12 ms without the
 * switch, as in test_hv_arinc653). The period is 30 ms = the run, so one job.
 */
START_TEST(test_arinc653_window_response)
{
        struct run run;
        run_fixture_until(&run, FIXTURES "arinc_base.json", 0);
        const struct metric *rt = metric(&run, "vm/rtos/task/control", "response_time");
        ck_assert_uint_eq(rt->histogram.count, 1);
        ck_assert_uint_eq(rt->histogram.min, 12 * MS + 1 * US);
        ck_assert_uint_eq(metric(&run, "vm/rtos/task/control", "activations")->counter, 1);
        ck_assert_uint_eq(metric(&run, "vm/rtos/task/control", "completions")->counter, 1);
        ck_assert_uint_eq(metric(&run, "vm/rtos/task/control", "deadline_misses")->counter, 0);
        /* the preemption at the window end is the hypervisor's, invisible to the guest */
        ck_assert_uint_eq(metric(&run, "vm/rtos/task/control", "preemptions")->counter, 0);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu0", "world_switches")->counter, 1);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu0", "hypervisor_time")->counter, 1 * US);
        ck_assert_uint_eq(metric(&run, "hv/vm/rtos/vcpu/0", "run_time")->counter, 5 * MS);
        ck_assert_uint_eq(metric(&run, "hv/vm/rtos", "run_time")->counter, 5 * MS);
        /* the guest loads its one task once: one context switch on cpu0 (0 cycles) */
        ck_assert_uint_eq(metric(&run, "core/cpu0", "context_switches")->counter, 1);
        /* busy 5 ms of guest work + 1 us of world switch over 30 ms */
        ck_assert_double_eq_tol(metric(&run, "core/cpu0", "utilisation")->gauge, 5.001 / 30.0,
                                1e-12);
        ck_assert_double_eq(metric(&run, "core/cpu1", "utilisation")->gauge, 0.0);
        /* the AMP entity does not exist under a hypervisor */
        ck_assert_ptr_null(metrics_find(run.metrics, "os/rtos/task/control", "activations"));
        run_free(&run);
}
END_TEST

/*
 * Stopped at 2 ms, inside the window, with guest work on the core: platform_finish adds the
 * work in progress (run time 2 ms - 1 us of world switch), the core was busy the whole time,
 * and destroying the platform with work in flight frees everything (ASan checks).
 */
START_TEST(test_arinc653_finish_mid_window)
{
        struct run run;
        run_fixture_until(&run, FIXTURES "arinc_base.json", 2 * MS);
        ck_assert_uint_eq(metric(&run, "hv/vm/rtos/vcpu/0", "run_time")->counter, 2 * MS - 1 * US);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu0", "hypervisor_time")->counter, 1 * US);
        ck_assert_double_eq(metric(&run, "core/cpu0", "utilisation")->gauge, 1.0);
        ck_assert_uint_eq(metric(&run, "vm/rtos/task/control", "completions")->counter, 0);
        run_free(&run);
}
END_TEST

/*
 * platform_static.json: static partitioning, VM ctl's only vCPU alone on cpu1, world switch
 * 1 us; task loop: period 10 ms, C = 1200000 cycles = 1 ms, 20 ms run. Job 1 at 0: world switch
 * then 1 ms of work, response 1.001 ms. The core then idles with the vCPU's context loaded, so
 * job 2 at 10 ms starts at once: response 1 ms. Busy 2.001 ms over 20 ms.
 */
START_TEST(test_static_partition_response)
{
        struct run run;
        run_fixture_until(&run, FIXTURES "platform_static.json", 0);
        const struct metric *rt = metric(&run, "vm/ctl/task/loop", "response_time");
        ck_assert_uint_eq(rt->histogram.count, 2);
        ck_assert_uint_eq(rt->histogram.max, 1 * MS + 1 * US);
        ck_assert_uint_eq(rt->histogram.min, 1 * MS);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu1", "world_switches")->counter, 1);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu0", "world_switches")->counter, 0);
        ck_assert_uint_eq(metric(&run, "hv/vm/ctl/vcpu/0", "run_time")->counter, 2 * MS);
        ck_assert_double_eq_tol(metric(&run, "core/cpu1", "utilisation")->gauge, 2.001 / 20.0,
                                1e-12);
        run_free(&run);
}
END_TEST

/* What a device model's ISR hook saw. */
struct hook_record {
        struct sim *sim;
        unsigned calls;
        uint32_t irq;
        sim_time_t edge_ps;
        sim_time_t at_ps;
};

static void hook(void *arg, uint32_t irq, sim_time_t edge_ps)
{
        struct hook_record *r = arg;

        r->calls++;
        r->irq = irq;
        r->edge_ps = edge_ps;
        r->at_ps = sim_now(r->sim);
}

static void raise_nic(struct sim *sim, void *arg)
{
        (void)sim;
        ck_assert_int_eq(gic_raise(arg, 40), 0);
}

/*
 * irq_platform.json, static partitioning, trapped path at 1200 MHz (each piece rounded to the
 * picosecond on its own): hypervisor entry 100 cycles = 83333 ps, handling + injection 1000
 * cycles = 833333 ps, exit 120 cycles = 100000 ps; guest entry 60 cycles = 50000 ps. Latency
 * = 83333 + 833333 + 100000 + 50000 = 1066666 ps for the timer (PPI 27, at 0.5 and 1.5 ms)
 * and for the device's SPI 40, raised by a "device" at 100 us through platform_gic: its ISR
 * (600 cycles = 500000 ps) releases the event task "handler" (2400 cycles = 2 us), which
 * completes 2 us later (the core is otherwise idle): response time 2000000 ps. Hypervisor
 * interrupt time: 3 x (83333 + 833333 + 100000) = 3049998 ps. A hook on the ISR of SPI 40
 * (a device model's) runs once, at 100 us + 1066666 ps, with the edge at 100 us.
 */
START_TEST(test_interrupt_paths_through_platform)
{
        struct run run;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "irq_platform.json", &run.scenario, &d);

        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        run.metrics = metrics_create();
        run.sim = sim_create(NULL);
        ck_assert_int_eq(platform_build(&run.scenario, run.sim, run.metrics, &run.platform), 0);
        ck_assert_ptr_nonnull(platform_gic(run.platform));
        ck_assert_uint_ne(sim_schedule(run.sim, 100 * US, raise_nic, platform_gic(run.platform)),
                          0);
        struct hook_record record = { .sim = run.sim };
        ck_assert_int_eq(
            guest_os_set_isr_hook(platform_guest_os(run.platform, 0), 40, hook, &record), 0);
        ck_assert_int_eq(
            guest_os_set_isr_hook(platform_guest_os(run.platform, 0), 41, hook, &record), -EINVAL);
        ck_assert_int_eq(sim_run_until(run.sim, 2 * MS), 0);
        ck_assert_int_eq(platform_error(run.platform), 0);
        platform_finish(run.platform, 2 * MS);

        const struct histogram *timer = &metric(&run, "irq/rtos/timer", "latency")->histogram;
        const struct histogram *nic = &metric(&run, "irq/rtos/nic", "latency")->histogram;
        ck_assert_uint_eq(metric(&run, "irq/rtos/timer", "raised")->counter, 2);
        ck_assert_uint_eq(timer->count, 2);
        ck_assert_uint_eq(timer->min, 1066666);
        ck_assert_uint_eq(timer->max, 1066666);
        ck_assert_uint_eq(nic->count, 1);
        ck_assert_uint_eq(nic->min, 1066666);
        ck_assert_uint_eq(metric(&run, "vm/rtos/task/handler", "activations")->counter, 1);
        ck_assert_uint_eq(metric(&run, "vm/rtos/task/handler", "response_time")->histogram.max,
                          2000000);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu0", "irqs")->counter, 3);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu0", "irq_time")->counter, 3049998);
        ck_assert_uint_eq(record.calls, 1);
        ck_assert_uint_eq(record.irq, 40);
        ck_assert_uint_eq(record.edge_ps, 100 * US);
        ck_assert_uint_eq(record.at_ps, 100 * US + 1066666);
        run_free(&run);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("platform_hv");
        TCase *tc = tcase_create("platform_hv");
        tcase_add_test(tc, test_arinc653_window_response);
        tcase_add_test(tc, test_arinc653_finish_mid_window);
        tcase_add_test(tc, test_static_partition_response);
        tcase_add_test(tc, test_interrupt_paths_through_platform);
        suite_add_tcase(suite, tc);
        SRunner *runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
