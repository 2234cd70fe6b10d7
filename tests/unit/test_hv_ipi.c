/*
 * IPIs between the vCPUs of one VM, written as doorbells whose producer and consumer are
 * tasks of the same VM (tests/unit/scenarios/ipi_vcpus.json), against hand-worked latencies.
 * generic-4core at 1200 MHz (1200 cycles = 1 us); fixed-priority vCPU servers, world switches
 * free. The guest's SGI write traps: trap entry 120 + irq_injection 240 + trap exit 120 = 480
 * cycles = 0.4 us on the sender's core. Guest exception entry 60 cycles = 50 ns, ISR 600
 * cycles = 0.5 us, consumer 2400 cycles = 2 us, producer 1200 cycles = 1 us every 1 ms.
 */
#include <check.h>
#include <stdlib.h>

#include "tests/unit/test_run_harness.h"

#define FIXTURES "tests/unit/scenarios/"
#define US       SIM_PS_PER_US
#define NS       SIM_PS_PER_NS

static const struct histogram *histogram(const struct run *run, const char *entity,
                                         const char *name)
{
        return &metric(run, entity, name)->histogram;
}

/*
 * VM smp, vCPU 0 on cpu0 and vCPU 1 on cpu1: sensor ends at 1 us and rings; the trap on cpu0
 * to 1.4 us; the hypervisor's IPI takes the trapped interrupt path on cpu1, 120 + 960 + 240 +
 * 120 = 1440 cycles = 1.2 us, to 2.6 us; the guest's entry to 2.65 us: latency 1.65 us, the
 * same in both periods. brake is released at the ISR's end and runs 2 us: response 2 us.
 * cpu1 takes 2 trapped interrupts of 1.2 us; vCPU 0 traps twice (0.4 us each on cpu0).
 */
START_TEST(test_ipi_to_vcpu_on_other_core)
{
        struct run run;

        run_fixture(&run, FIXTURES "ipi_vcpus.json");
        ck_assert_uint_eq(histogram(&run, "irq/smp/bell", "latency")->count, 2);
        ck_assert_uint_eq(histogram(&run, "irq/smp/bell", "latency")->min, 1650 * NS);
        ck_assert_uint_eq(histogram(&run, "irq/smp/bell", "latency")->max, 1650 * NS);
        ck_assert_uint_eq(histogram(&run, "vm/smp/task/brake", "response_time")->max, 2 * US);
        ck_assert_uint_eq(metric(&run, "hv/vm/smp/vcpu/0", "traps")->counter, 2);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu0", "hypervisor_time")->counter, 800 * NS);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu1", "irq_time")->counter, 2400 * NS);
        run_free(&run);
}
END_TEST

/*
 * VM pair, both vCPUs on cpu2 (vCPU 0 at priority 2, vCPU 1 at 1): ping ends at 1 us and
 * rings; the trap to 1.4 us puts the virtual SGI straight into vCPU 1's list registers (same
 * core: no hypervisor IPI); vCPU 0 has nothing left, so vCPU 1 is dispatched at once and the
 * guest's entry ends at 1.45 us: latency 0.45 us. No interrupt path runs on cpu2.
 */
START_TEST(test_ipi_to_vcpu_on_same_core)
{
        struct run run;

        run_fixture(&run, FIXTURES "ipi_vcpus.json");
        ck_assert_uint_eq(histogram(&run, "irq/pair/knock", "latency")->count, 2);
        ck_assert_uint_eq(histogram(&run, "irq/pair/knock", "latency")->min, 450 * NS);
        ck_assert_uint_eq(histogram(&run, "irq/pair/knock", "latency")->max, 450 * NS);
        ck_assert_uint_eq(histogram(&run, "vm/pair/task/pong", "response_time")->max, 2 * US);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu2", "irqs")->counter, 0);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu2", "hypervisor_time")->counter, 800 * NS);
        run_free(&run);
}
END_TEST

/*
 * ipi_vcpus.json with the hypervisor's direct_vsgi set (GICv4.1 direct virtual SGIs), as the
 * loader would from "direct_vsgi": true: loaded and flipped before the platform is built.
 */
static void run_direct_vsgi(struct run *run)
{
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "ipi_vcpus.json", &run->scenario, &d);

        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        ck_assert(!run->scenario.hypervisor->direct_vsgi); /* default off */
        run->scenario.hypervisor->direct_vsgi = true;
        run->metrics = metrics_create();
        run->sim = sim_create(NULL);
        ck_assert_ptr_nonnull(run->metrics);
        ck_assert_ptr_nonnull(run->sim);
        ck_assert_int_eq(platform_build(&run->scenario, run->sim, run->metrics, &run->platform), 0);
        ck_assert_int_eq(sim_run_until(run->sim, run->scenario.run.duration_ps), 0);
        ck_assert_int_eq(platform_error(run->platform), 0);
        platform_finish(run->platform, run->scenario.run.duration_ps);
}

/*
 * Direct vSGIs, VM smp. The sender's write still traps: 0.4 us on cpu0 in both periods.
 * Period 1: nothing has run on cpu1 yet (brake has no work before the first SGI), so no
 * context is loaded there and vCPU 1 is not resident: the trapped path as without direct vSGIs,
 * latency 1.65 us (see above), and vCPU 1's context is loaded from then on (zero-cost switch).
 * Period 2: cpu1 idles in vCPU 1's context (brake ended at 2.65 + 0.5 + 2 = 5.15 us), so the
 * SGI goes straight to its list registers with no hypervisor work on cpu1: trap end at
 * 1 ms + 1.4 us, guest entry 50 ns: latency 0.4 + 0.05 = 0.45 us, the trapped latency less the
 * whole target-side path (1440 cycles = 1.2 us). cpu1 takes one trapped interrupt (1.2 us) in
 * all; the same-core pair is unchanged (0.45 us).
 */
START_TEST(test_direct_vsgi_to_resident_vcpu)
{
        struct run run;

        run_direct_vsgi(&run);
        ck_assert_uint_eq(histogram(&run, "irq/smp/bell", "latency")->count, 2);
        ck_assert_uint_eq(histogram(&run, "irq/smp/bell", "latency")->min, 450 * NS);
        ck_assert_uint_eq(histogram(&run, "irq/smp/bell", "latency")->max, 1650 * NS);
        ck_assert_uint_eq(histogram(&run, "vm/smp/task/brake", "response_time")->max, 2 * US);
        ck_assert_uint_eq(metric(&run, "hv/vm/smp/vcpu/0", "traps")->counter, 2);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu0", "hypervisor_time")->counter, 800 * NS);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu1", "irqs")->counter, 1);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu1", "irq_time")->counter, 1200 * NS);
        ck_assert_uint_eq(histogram(&run, "irq/pair/knock", "latency")->max, 450 * NS);
        run_free(&run);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("hv_ipi");
        TCase *tc = tcase_create("ipi");
        SRunner *runner;
        int failed;

        tcase_add_test(tc, test_ipi_to_vcpu_on_other_core);
        tcase_add_test(tc, test_ipi_to_vcpu_on_same_core);
        tcase_add_test(tc, test_direct_vsgi_to_resident_vcpu);
        suite_add_tcase(suite, tc);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
