/*
 * VM start-up (models/hv/hypervisor.h, hv_boot): partition creation and image load executed by
 * the hypervisor on the core of the VM's vCPU 0, the VM's tasks released from the end of it,
 * boot_time per VM. Fixtures in tests/unit/scenarios/ go through the real loader and the
 * platform; the times are worked out by hand below. Platform generic-4core: 1200 MHz, so
 * 1200 cycles = 1 us.
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

static void assert_responses(const struct run *run, const char *entity, uint64_t count,
                             sim_time_t min_ps, sim_time_t max_ps)
{
        const struct histogram *h = &metric(run, entity, "response_time")->histogram;

        ck_assert_uint_eq(metric(run, entity, "activations")->counter, count);
        ck_assert_uint_eq(h->count, count);
        ck_assert_uint_eq(h->min, min_ps);
        ck_assert_uint_eq(h->max, max_ps);
}

/*
 * boot_hv.json, static partitioning, world switch 1 us.
 * rtos on cpu0 from 0: creation 120000 cycles = 100 us, image 1 MiB at 1024 MiB/s = 1/1024 s
 * = 976.5625 us: booted at 1076.5625 us. Its task ctrl (1 ms, 1 us) is released at
 * 1076.5625 + k ms for k = 0..8 (k = 9 would be past 10 ms): 9 jobs; the first waits for the
 * world switch (response 2 us), the others 1 us.
 * linux on cpu1 after rtos: from 1076.5625 us, creation 1200 cycles = 1 us, image 2 MiB at
 * 512 MiB/s = 1/256 s = 3906.25 us: booted at 4983.8125 us. media (2 ms, 2 us) at 4983.8125,
 * 6983.8125, 8983.8125 us: 3 jobs, 3 us (world switch) then 2 us.
 * svc has no boot description: log (5 ms) from 0, no boot_time metric.
 * Hypervisor time: cpu0 1076.5625 + 1 us of world switch; cpu1 3907.25 + 1 us.
 */
START_TEST(test_boot_times_and_first_releases)
{
        struct run run;

        run_fixture(&run, FIXTURES "boot_hv.json");
        ck_assert_double_eq(metric(&run, "hv/vm/rtos", "boot_time")->gauge, 1076562500.0);
        ck_assert_double_eq(metric(&run, "hv/vm/linux", "boot_time")->gauge, 4983812500.0);
        ck_assert_ptr_null(metrics_find(run.metrics, "hv/vm/svc", "boot_time"));
        assert_responses(&run, "vm/rtos/task/ctrl", 9, 1 * US, 2 * US);
        assert_responses(&run, "vm/linux/task/media", 3, 2 * US, 3 * US);
        assert_responses(&run, "vm/svc/task/log", 2, 1 * US, 2 * US);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu0", "hypervisor_time")->counter, 1077562500u);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu1", "hypervisor_time")->counter, 3908250000u);
        run_free(&run);
}
END_TEST

/*
 * boot_shared.json, fixed-priority vCPU scheduling, no world-switch cost. pre boots on cpu1 in
 * 1200 cycles = 1 us; rtos boots after it on cpu0 (creation 100 us), where svc's job (1 ms of
 * work, released at 0) runs: svc runs 0..1 us, is paused for the start-up 1..101 us, rtos's
 * ctrl is released at 101 us and, its vCPU having the higher priority, runs 101..102 us; svc
 * resumes and completes at 102 + 999 = 1101 us (response 1101 us; its vCPU ran exactly 1 ms).
 * ctrl: releases at 101, 1101, 2101 us (3 ms run), each 1 us.
 */
START_TEST(test_boot_pauses_guest_work_on_its_core)
{
        struct run run;

        run_fixture(&run, FIXTURES "boot_shared.json");
        ck_assert_double_eq(metric(&run, "hv/vm/pre", "boot_time")->gauge, 1000000.0);
        ck_assert_double_eq(metric(&run, "hv/vm/rtos", "boot_time")->gauge, 101000000.0);
        assert_responses(&run, "vm/svc/task/log", 1, 1101 * US, 1101 * US);
        assert_responses(&run, "vm/rtos/task/ctrl", 3, 1 * US, 1 * US);
        ck_assert_uint_eq(metric(&run, "hv/vm/svc/vcpu/0", "run_time")->counter, 1000 * US);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu0", "hypervisor_time")->counter, 100 * US);
        run_free(&run);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("hv_boot");
        TCase *tc = tcase_create("hv_boot");

        tcase_add_test(tc, test_boot_times_and_first_releases);
        tcase_add_test(tc, test_boot_pauses_guest_work_on_its_core);
        suite_add_tcase(suite, tc);
        SRunner *runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
