/*
 * Tests of the memory hierarchy wired into a scenario run (models/platform.c,
 * models/platform_memory.c, guest_os memory segments): a pointer chase on the ZCU102 platform
 * file, alone on cpu0, in both fidelities.
 *
 * scenarios/calibration/chase-zynqmp-a53-256k.json: 100000 instructions per job, base CPI 1, one
 * dependent 8-byte load per instruction over 256 KiB (4096 nodes of 64 B), a job every 20 ms.
 * The platform: 1.2 GHz cores, L1 32 KiB with a 3-cycle hit (2500 ps), L2 1 MiB with a 15-cycle
 * hit at 1.2 GHz (12500 ps). 256 KiB misses the L1 on every access (a lap of 4096 lines in a
 * fixed order: LRU keeps none of them) and fits the L2, so a warm job costs per instruction
 * 833.33 (CPI) + 2500 + 12500 ps: 100000 x 15833.33 = 1583333333 ps. The first job also
 * fetches the 4096 lines from DRAM once (cold misses).
 */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "models/platform.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

#define CHASE "scenarios/calibration/chase-zynqmp-a53-256k.json"
#define TASK  "os/cal/task/chase"

static void run_chase(enum fidelity fidelity, struct metrics **out)
{
        struct scenario s;
        struct scenario_diag d;
        struct platform *platform;
        struct sim *sim = sim_create(NULL);
        struct metrics *metrics = metrics_create();

        ck_assert_int_eq(scenario_load(CHASE, &s, &d), 0);
        s.run.fidelity = fidelity;
        s.run.duration_ps = 30 * SIM_PS_PER_MS; /* two jobs: at 0 and 20 ms */
        ck_assert_ptr_nonnull(sim);
        ck_assert_ptr_nonnull(metrics);
        ck_assert_int_eq(platform_build(&s, sim, metrics, &platform), 0);
        ck_assert_int_eq(sim_run_until(sim, s.run.duration_ps), 0);
        ck_assert_int_eq(platform_error(platform), 0);
        platform_finish(platform, sim_now(sim));
        platform_destroy(platform);
        sim_destroy(sim);
        scenario_free(&s);
        *out = metrics;
}

static const struct metric *find(const struct metrics *m, const char *entity, const char *name)
{
        const struct metric *metric = metrics_find(m, entity, name);

        ck_assert_ptr_nonnull(metric);
        return metric;
}

static void check_chase(enum fidelity fidelity)
{
        struct metrics *m;
        const struct metric *rt;

        run_chase(fidelity, &m);
        rt = find(m, TASK, "response_time");
        ck_assert_uint_eq(rt->histogram.count, 2);
        /* the warm job: 100000 x (833.33 + 2500 + 12500) ps, within the q16 rounding */
        ck_assert_uint_le(rt->histogram.min, 1583333333ull + 2);
        ck_assert_uint_ge(rt->histogram.min, 1583333333ull - 2);
        /* the cold job pays 4096 DRAM fills on top, one at a time (dependent loads), each at least
         * a bus transfer (4 cycles at 533 MHz = 7500 ps) and a DRAM row hit (tCL + burst = 20
         * cycles at 1.2 GHz = 16667 ps) */
        ck_assert_uint_gt(rt->histogram.max, rt->histogram.min + 4096ull * 24000);
        ck_assert_uint_eq(find(m, TASK, "instructions")->counter, 200000);
        ck_assert_uint_eq(find(m, TASK, "l1_misses")->counter, 200000);
        ck_assert_uint_eq(find(m, TASK, "llc_misses")->counter, 4096);
        /* l1_mpki: 200000 misses per 200 kilo-instructions */
        ck_assert_double_eq_tol(find(m, TASK, "l1_mpki")->gauge, 1000.0, 1e-9);
        metrics_destroy(m);
}

START_TEST(test_chase_detailed)
{
        struct metrics *m;

        check_chase(FIDELITY_DETAILED);
        /* detailed only: the LLC saw every L1 miss and the DRAM every cold fill */
        run_chase(FIDELITY_DETAILED, &m);
        ck_assert_uint_eq(find(m, "mem/llc", "accesses")->counter, 200000);
        ck_assert_uint_eq(find(m, "mem/llc", "misses")->counter, 4096);
        ck_assert_uint_eq(find(m, "mem/dram", "requests")->counter, 4096);
        ck_assert_uint_eq(find(m, "mem/bus", "queue_delay")->histogram.count, 4096);
        /* a pointer chase has one miss outstanding: no L1 miss ever waits for a miss slot, and
         * DRAM sees one request at a time, chosen on arrival (no refresh configured) */
        ck_assert_uint_eq(find(m, "mem/llc", "queue_delay")->histogram.count, 200000);
        ck_assert_uint_eq(find(m, "mem/llc", "queue_delay")->histogram.max, 0);
        ck_assert_uint_eq(find(m, "mem/dram", "queue_delay")->histogram.count, 4096);
        ck_assert_uint_eq(find(m, "mem/dram", "queue_delay")->histogram.max, 0);
        metrics_destroy(m);
}
END_TEST

START_TEST(test_chase_fast)
{
        struct metrics *m;

        check_chase(FIDELITY_FAST);
        struct metrics *d;

        /* the fast model's expected LLC lookups (every access misses the L1) and misses (the
         * 4096 cold lines, reloaded as a warm-up); its bus and DRAM busy time is those 4096
         * fills, one bus transfer and one burst each, as in the detailed run */
        run_chase(FIDELITY_FAST, &m);
        run_chase(FIDELITY_DETAILED, &d);
        ck_assert_uint_eq(find(m, "mem/llc", "accesses")->counter, 200000);
        ck_assert_uint_eq(find(m, "mem/llc", "misses")->counter, 4096);
        ck_assert_double_gt(find(d, "mem/bus", "utilisation")->gauge, 0.0);
        ck_assert_double_eq_tol(find(m, "mem/bus", "utilisation")->gauge,
                                find(d, "mem/bus", "utilisation")->gauge,
                                1e-9 * find(d, "mem/bus", "utilisation")->gauge);
        /* (DRAM within 0.1%: the fast config's burst is 4 DRAM cycles of 833 ps, 3332 ps, where
         * the controller converts the 4 cycles at once, 3333 ps) */
        ck_assert_double_gt(find(d, "mem/dram", "utilisation")->gauge, 0.0);
        ck_assert_double_eq_tol(find(m, "mem/dram", "utilisation")->gauge,
                                find(d, "mem/dram", "utilisation")->gauge,
                                1e-3 * find(d, "mem/dram", "utilisation")->gauge);
        /* no transactions: no queueing-delay distributions, no DRAM request counters */
        ck_assert_ptr_null(metrics_find(m, "mem/llc", "queue_delay"));
        ck_assert_ptr_null(metrics_find(m, "mem/dram", "queue_delay"));
        ck_assert_ptr_null(metrics_find(m, "mem/dram", "requests"));
        metrics_destroy(d);
        metrics_destroy(m);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("platform_memory");
        TCase *tc = tcase_create("chase");
        SRunner *runner;
        int failed;

        tcase_set_timeout(tc, 120);
        tcase_add_test(tc, test_chase_detailed);
        tcase_add_test(tc, test_chase_fast);
        suite_add_tcase(s, tc);
        runner = srunner_create(s);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
