/*
 * AMP OS start-up (models/os/os_boot.h): image load and initialisation on the OS's first core,
 * the OS's tasks released from the end of it, interrupts dropped before, boot_time per OS. The
 * fixture goes through the real loader and the platform; the times are worked out by hand
 * below. Platform generic-4core: 1200 MHz, so 1200 cycles = 1 us.
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
 * boot_amp.json. rtos on cpu0 from 0: image 512 KiB at 256 MiB/s = 1/512 s = 1953.125 us, plus
 * 1200 cycles = 1 us: booted at 1954.125 us. linux on cpu1 after rtos: 2400 cycles = 2 us,
 * booted at 1956.125 us. rtos's ctrl (1 ms, 1 us, no context-switch cost) is released at
 * 1954.125 + k ms for k = 0..3 (4954.125 < 5 ms): 4 jobs of 1 us; linux's media (2 ms, 2 us)
 * at 1956.125 and 3956.125 us: 2 jobs of 2 us. The rtos timer (1 ms from 500 us) raises 5
 * edges; the 2 before rtos has booted (500, 1500 us) are dropped, the other 3 taken with the
 * exception entry's latency, 60 cycles = 50 ns.
 */
START_TEST(test_amp_boot)
{
        struct run run;
        const struct histogram *latency;

        run_fixture(&run, FIXTURES "boot_amp.json");
        ck_assert_double_eq(metric(&run, "os/rtos", "boot_time")->gauge, 1954125000.0);
        ck_assert_double_eq(metric(&run, "os/linux", "boot_time")->gauge, 1956125000.0);
        assert_responses(&run, "os/rtos/task/ctrl", 4, 1 * US, 1 * US);
        assert_responses(&run, "os/linux/task/media", 2, 2 * US, 2 * US);
        ck_assert_uint_eq(metric(&run, "irq/rtos/timer", "raised")->counter, 5);
        latency = &metric(&run, "irq/rtos/timer", "latency")->histogram;
        ck_assert_uint_eq(latency->count, 3);
        ck_assert_uint_eq(latency->min, 50 * NS);
        ck_assert_uint_eq(latency->max, 50 * NS);
        /* cpu0 was busy with the start-up, 4 jobs and 3 interrupts (50 ns + 0.5 us each) */
        ck_assert_double_eq_tol(metric(&run, "core/cpu0", "utilisation")->gauge,
                                (1954.125 + 4.0 + 3 * 0.55) / 5000.0, 1e-12);
        run_free(&run);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("os_boot");
        TCase *tc = tcase_create("os_boot");

        tcase_add_test(tc, test_amp_boot);
        suite_add_tcase(suite, tc);
        SRunner *runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
