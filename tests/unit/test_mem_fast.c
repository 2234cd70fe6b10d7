/*
 * mem_fast: the analytic model against hand-worked values (unloaded latencies, bandwidth
 * bound, LLC partition shares, regulator bound), against the detailed engine on the
 * configurations of test_mem_configs.h (within 10%), and the event-driven system (re-solving
 * when co-runners change, preemption keeping the remaining work).
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "tests/unit/test_mem_configs.h"
#include "tests/unit/test_mem_harness.h"

static struct harness_options options_of(unsigned cores, uint32_t bus_width)
{
        return (struct harness_options){ .cores = cores, .bus_width = bus_width, .mshrs = 8 };
}

static double solo_ps_per_instruction(const struct mem_profile *p)
{
        struct harness_options options = options_of(1, 16);
        struct mem_fast_config config = harness_fast_config(&options);
        struct mem_fast_load load = { .profile = p };
        struct mem_fast_estimate e;

        ck_assert_int_eq(mem_fast_solve(&config, &load, 1, &e, NULL), 0);
        return e.ps_per_instruction;
}

START_TEST(test_unloaded_pointer_chase)
{
        /* CPI 1 at 1 GHz (1000 ps) plus, per access: L1 2000; LLC 2000 + 10000; DRAM
         * 2000 + 10000 + bus 4000 + row r * 18750 + (1 - r) * 46250 with r = banks * row / W
         * = 64 KiB / 4 MiB = 1/64: 46250 - 27500 / 64 = 45820.3125. */
        struct mem_profile chase = { .name = "chase",
                                     .base_cpi = 1.0,
                                     .accesses_per_kilo_instruction = 1000,
                                     .working_set_bytes = 16 << 10,
                                     .pattern = MEM_PATTERN_POINTER_CHASE };

        ck_assert_double_eq_tol(solo_ps_per_instruction(&chase), 3000.0, 1e-6);
        chase.working_set_bytes = 32 << 10; /* = L1: still fits */
        ck_assert_double_eq_tol(solo_ps_per_instruction(&chase), 3000.0, 1e-6);
        chase.working_set_bytes = 64 << 10;
        ck_assert_double_eq_tol(solo_ps_per_instruction(&chase), 13000.0, 1e-6);
        chase.working_set_bytes = 1 << 20; /* = LLC */
        ck_assert_double_eq_tol(solo_ps_per_instruction(&chase), 13000.0, 1e-6);
        chase.working_set_bytes = 4 << 20;
        ck_assert_double_eq_tol(solo_ps_per_instruction(&chase), 1000.0 + 16000.0 + 45820.3125,
                                1e-6);
}
END_TEST

START_TEST(test_stream_bandwidth_bound)
{
        /* Streams of 8-B reads, CPI 1: core-bound at 3000 ps per instruction (2.667 GB/s)
         * while n x 2.667 GB/s fits the 8-GB/s bus (bus width 8); 4 streams would need
         * 10.67 GB/s, so they share the bus: 8 B per instruction at 2 GB/s each = 4000 ps. */
        struct harness_options options = options_of(4, 8);
        struct mem_fast_config config = harness_fast_config(&options);
        struct mem_fast_load loads[4];
        struct mem_fast_estimate e[4];
        struct mem_fast_solution s;

        for (unsigned i = 0; i < 4; i++)
                loads[i] = (struct mem_fast_load){ .profile = &mem_config_hog };
        ck_assert_int_eq(mem_fast_solve(&config, loads, 1, e, &s), 0);
        ck_assert_double_eq_tol(e[0].ps_per_instruction, 3000.0, 1e-6);
        ck_assert_double_eq_tol(s.bus_utilisation, 8000.0 / 24000.0, 1e-6);
        ck_assert_int_eq(mem_fast_solve(&config, loads, 2, e, &s), 0);
        ck_assert_double_eq_tol(e[1].ps_per_instruction, 3000.0, 30.0);
        ck_assert_int_eq(mem_fast_solve(&config, loads, 4, e, &s), 0);
        for (unsigned i = 0; i < 4; i++)
                ck_assert_double_eq_tol(e[i].ps_per_instruction, 4000.0, 40.0);
        ck_assert_double_le(s.bus_utilisation, 1.0 + 1e-9);
        ck_assert_double_ge(s.bus_utilisation, 0.99);
}
END_TEST

START_TEST(test_llc_partition_shares)
{
        /* A 768-KiB chase victim beside a streaming hog. Way-partitioned 8 + 8 of 16 ways:
         * the victim's cells are half the LLC (512 KiB), the hog inserts nothing there
         * (f = 0), so C = 512 KiB < 768 KiB: LRU thrashes, every L1 miss goes to DRAM. The
         * same with colours 2 of 4. Shared (no masks): the FOA split starts cold and the
         * victim's lines are replaced faster than it reuses them, so it thrashes too, while
         * a 128-KiB victim keeps all it needs (C = W). */
        struct mem_profile victim = mem_config_chase_llc;
        struct harness_options options = options_of(2, 16);
        struct mem_fast_config config = harness_fast_config(&options);
        struct mem_fast_load loads[2] = { { .profile = &victim, .way_mask = 0x00FF },
                                          { .profile = &mem_config_hog, .way_mask = 0xFF00 } };
        struct mem_fast_estimate e[2];

        victim.working_set_bytes = 768 << 10;
        ck_assert_int_eq(mem_fast_solve(&config, loads, 2, e, NULL), 0);
        ck_assert_double_eq_tol(e[0].llc_bytes, 512.0 * 1024.0, 1e-6);
        ck_assert_double_eq_tol(e[0].llc_miss_ratio, 1.0, 1e-12);
        config.llc_colours = 4;
        loads[0].way_mask = loads[1].way_mask = 0;
        loads[0].colour_mask = 0x3;
        loads[1].colour_mask = 0xC;
        ck_assert_int_eq(mem_fast_solve(&config, loads, 2, e, NULL), 0);
        ck_assert_double_eq_tol(e[0].llc_bytes, 512.0 * 1024.0, 1e-6);
        loads[0].colour_mask = loads[1].colour_mask = 0;
        ck_assert_int_eq(mem_fast_solve(&config, loads, 2, e, NULL), 0);
        ck_assert_double_lt(e[0].llc_bytes, 768.0 * 1024.0);
        ck_assert_double_eq_tol(e[0].llc_miss_ratio, 1.0, 1e-12);
        victim.working_set_bytes = 128 << 10;
        ck_assert_int_eq(mem_fast_solve(&config, loads, 2, e, NULL), 0);
        ck_assert_double_eq_tol(e[0].llc_bytes, 128.0 * 1024.0, 1e-6);
        ck_assert_double_eq_tol(e[0].llc_miss_ratio, 0.0, 1e-12);
        /* the victim then runs at its LLC latency: 1000 + 2000 + 10000 */
        ck_assert_double_eq_tol(e[0].ps_per_instruction, 13000.0, 1e-6);
}
END_TEST

START_TEST(test_regulator_bound)
{
        /* A stream reads one 64-B line per 8 instructions (8 B per instruction); 1280 B per
         * 1-us period allow 160 instructions per us: 6250 ps per instruction, 2.083 times
         * the unregulated 3000. A budget of 6400 B (800 instructions per us) does not bind. */
        struct harness_options options = options_of(1, 16);
        struct mem_fast_config config;
        struct mem_fast_load load = { .profile = &mem_config_hog, .regulator_budget_bytes = 1280 };
        struct mem_fast_estimate e;

        options.regulator_period_ps = SIM_PS_PER_US;
        config = harness_fast_config(&options);
        ck_assert_int_eq(mem_fast_solve(&config, &load, 1, &e, NULL), 0);
        ck_assert_double_eq_tol(e.ps_per_instruction, 6250.0, 1e-6);
        ck_assert_double_eq_tol(e.throttle_factor, 6250.0 / 3000.0, 1e-6);
        load.regulator_budget_bytes = 6400;
        ck_assert_int_eq(mem_fast_solve(&config, &load, 1, &e, NULL), 0);
        ck_assert_double_eq_tol(e.ps_per_instruction, 3000.0, 1e-6);
        ck_assert_double_eq_tol(e.throttle_factor, 1.0, 1e-12);
}
END_TEST

START_TEST(test_fast_matches_detailed)
{
        /* Solo, 1-3 hogs, LLC-resident and DRAM victims, regulation: the victim's measured
         * segment time in the fast model within 10% of the detailed one. The hogs make the
         * detailed victim slower, and not slower than the fast model says by more than 10%. */
        for (size_t i = 0; i < MEM_CONFIG_COUNT; i++) {
                struct harness_scenario sc = mem_config(i);
                uint64_t llc;
                double detailed = (double)harness_detailed_ps(&sc, &llc);
                double fast = (double)harness_fast_ps(&sc);

                ck_assert_double_gt(detailed, 0.0);
                ck_assert_msg(fabs(fast - detailed) <= 0.10 * detailed,
                              "%s with %u cores: fast %.0f ps, detailed %.0f ps", sc.label,
                              sc.options.cores, fast, detailed);
        }
}
END_TEST

/* The event-driven system: a DRAM chase victim of 100000 instructions starts with 3 hogs; at
 * 50 us the hogs are preempted. Its completion must be at 50 us + (100000 - 50 us / t3) * t0,
 * with t3 and t0 its solved rates beside 3 hogs and alone. Preempting the victim itself at
 * 80 us and resuming at 90 us moves its completion by exactly 10 us. */
struct system_run {
        struct sim *sim;
        unsigned done;
};

static void system_done(void *arg)
{
        struct system_run *run = arg;

        run->done++;
}

static sim_time_t system_run(bool cut_victim)
{
        struct harness_options options = options_of(4, 16);
        struct mem_fast_config config = harness_fast_config(&options);
        struct mem_fast_system system;
        struct mem_exec_segment victim, hogs[3];
        struct system_run run = { .sim = sim_create(NULL) };
        struct mem_exec_port port;
        sim_time_t end;

        ck_assert_ptr_nonnull(run.sim);
        ck_assert_int_eq(mem_fast_system_init(&system, &config, run.sim, 4), 0);
        port = mem_fast_segment_port(&system, 0);
        mem_exec_segment_init(&victim, &mem_config_chase_dram, NULL, 100000);
        ck_assert_int_eq(port.ops->start(port.resource, &victim, system_done, &run), 0);
        for (unsigned i = 0; i < 3; i++) {
                mem_exec_segment_init(&hogs[i], &mem_config_hog, NULL, UINT64_MAX / 4);
                ck_assert_int_eq(mem_fast_start(&system, i + 1, &hogs[i], system_done, &run), 0);
        }
        ck_assert_int_eq(sim_run_until(run.sim, 50 * SIM_PS_PER_US), 0);
        for (unsigned i = 0; i < 3; i++)
                mem_fast_preempt(&system, i + 1);
        ck_assert(!mem_fast_busy(&system, 1));
        if (cut_victim) {
                ck_assert_int_eq(sim_run_until(run.sim, 80 * SIM_PS_PER_US), 0);
                port.ops->preempt(port.resource);
                ck_assert(!port.ops->busy(port.resource));
                ck_assert_int_eq(sim_run_until(run.sim, 90 * SIM_PS_PER_US), 0);
                ck_assert_int_eq(port.ops->start(port.resource, &victim, system_done, &run), 0);
        }
        ck_assert_int_eq(sim_run(run.sim), 0);
        ck_assert_uint_eq(run.done, 1);
        ck_assert_uint_eq(victim.instructions_left, 0);
        ck_assert_uint_eq(victim.stats.instructions, 100000);
        end = sim_now(run.sim);
        mem_fast_system_fini(&system);
        sim_destroy(run.sim);
        return end;
}

START_TEST(test_system_resolves_on_changes)
{
        struct harness_options options = options_of(4, 16);
        struct mem_fast_config config = harness_fast_config(&options);
        struct mem_fast_load loads[4] = { { .profile = &mem_config_chase_dram },
                                          { .profile = &mem_config_hog },
                                          { .profile = &mem_config_hog },
                                          { .profile = &mem_config_hog } };
        struct mem_fast_estimate e[4];
        double t3, t0, expected;
        sim_time_t plain, cut;

        ck_assert_int_eq(mem_fast_solve(&config, loads, 4, e, NULL), 0);
        t3 = e[0].ps_per_instruction;
        ck_assert_int_eq(mem_fast_solve(&config, loads, 1, e, NULL), 0);
        t0 = e[0].ps_per_instruction;
        ck_assert_double_gt(t3, t0); /* the hogs slow the victim down */
        expected = 50e6 + (100000.0 - 50e6 / t3) * t0;
        plain = system_run(false);
        ck_assert_double_eq_tol((double)plain, expected, 2.0 * t0);
        cut = system_run(true);
        ck_assert_double_eq_tol((double)(cut - plain), 10e6, 2.0 * t0);
}
END_TEST

/*
 * The memo of solutions: a running set seen before is answered from it, with exactly the
 * estimates a fresh solve gives. Core 1 runs a hog; the victim starts on core 0 (a solve of
 * {victim, hog}: miss), is preempted (a solve of {hog}: miss) and started again ({victim,
 * hog}: hit; a warm-up's re-solve is of the same set, a hit too). Its rate then must equal,
 * bit for bit, mem_fast_solve's for those two loads.
 */
START_TEST(test_system_memo)
{
        struct harness_options options = options_of(2, 16);
        struct mem_fast_config config = harness_fast_config(&options);
        struct mem_fast_load loads[2] = { { .profile = &mem_config_chase_dram },
                                          { .profile = &mem_config_hog } };
        struct mem_fast_estimate e[2];
        struct mem_fast_system system;
        struct mem_exec_segment victim, hog;
        struct system_run run = { .sim = sim_create(NULL) };
        uint64_t misses;

        ck_assert_ptr_nonnull(run.sim);
        ck_assert_int_eq(mem_fast_system_init(&system, &config, run.sim, 2), 0);
        mem_exec_segment_init(&hog, &mem_config_hog, NULL, UINT64_MAX / 4);
        ck_assert_int_eq(mem_fast_start(&system, 1, &hog, system_done, &run), 0);
        mem_exec_segment_init(&victim, &mem_config_chase_dram, NULL, 100000);
        ck_assert_int_eq(mem_fast_start(&system, 0, &victim, system_done, &run), 0);
        ck_assert_int_eq(sim_run_until(run.sim, 10 * SIM_PS_PER_US), 0);
        mem_fast_preempt(&system, 0);
        misses = system.solves - system.memo_hits;
        ck_assert_int_eq(mem_fast_start(&system, 0, &victim, system_done, &run), 0);
        /* {victim, hog} again: from the memo, not solved */
        ck_assert_uint_eq(system.solves - system.memo_hits, misses);
        ck_assert_uint_ge(system.memo_hits, 1);
        ck_assert_int_eq(mem_fast_solve(&config, loads, 2, e, NULL), 0);
        ck_assert(system.cores[0].ps_per_instruction == e[0].ps_per_instruction);
        ck_assert(system.cores[1].ps_per_instruction == e[1].ps_per_instruction);
        mem_fast_system_fini(&system);
        sim_destroy(run.sim);
}
END_TEST

static Suite *mem_fast_suite(void)
{
        Suite *suite = suite_create("mem_fast");
        TCase *analytic = tcase_create("analytic");
        TCase *versus = tcase_create("versus_detailed");
        TCase *system = tcase_create("system");

        tcase_add_test(analytic, test_unloaded_pointer_chase);
        tcase_add_test(analytic, test_stream_bandwidth_bound);
        tcase_add_test(analytic, test_llc_partition_shares);
        tcase_add_test(analytic, test_regulator_bound);
        tcase_set_timeout(versus, 120);
        tcase_add_test(versus, test_fast_matches_detailed);
        tcase_add_test(system, test_system_resolves_on_changes);
        tcase_add_test(system, test_system_memo);
        suite_add_tcase(suite, analytic);
        suite_add_tcase(suite, versus);
        suite_add_tcase(suite, system);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(mem_fast_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
