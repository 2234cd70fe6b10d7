/*
 * test_tlm_scenario: a SystemC traffic generator (sim/systemc/examples/traffic_generator.h, plain
 * SystemC/TLM) joins a mosaic scenario through tlm_scenario.h, on the platform's external bus
 * input, and interferes with the victim.
 *
 * Scenario: scenarios/examples/interference-solo.json, a victim task on cpu0 of the ZCU102-like
 * platform (zynqmp-a53.json: 16-byte bus at 533 MHz, DDR4-2400 with a 1200 MHz clock and 4-cycle
 * bursts, a 1 MiB LLC), 10 jobs of 250,000 instructions every 1 ms in a 10 ms run, reading a
 * 768 KiB table at random. Runs, all built during elaboration and run by one
 * tlm_scenario_run_all (they share SystemC's clock) except the native one:
 *   native:    the scenario on the native kernel, no master;
 *   reference: the same on the SystemC backend, no master (what `mosaic run --kernel systemc`
 *              builds);
 *   idle:      a generator bound to the external port, issuing nothing;
 *   active:    a generator copying back to back in 64-byte transactions for the whole run;
 *   paced:     a generator writing 256 bytes once per microsecond for the whole run;
 *   window:    a back-to-back copy from 100 us to 200 us only (inside the victim's first job);
 *   late:      a back-to-back copy from 2 ms to 3 ms only.
 *
 * Asserted, worked out without running the model:
 *   - idle: no transaction reaches mosaic, so every metric (victim, cores, LLC, bus, DRAM) equals
 *     the reference's exactly and the slowdown is exactly 1.0; the reference equals the native
 *     run exactly (the backend's ordering is the native kernel's).
 *   - The master bypasses the caches: the victim's LLC misses equal the reference's in every run,
 *     all cold: 768 KiB / 64-byte lines = 12,288, which is the whole reference's DRAM traffic.
 *   - paced: transaction k begins at k us, for k = 0 .. 10,000: the run includes its end
 *     instant, 10 ms, where the last one begins. The bridge cuts each 256-byte write into 4
 *     line-sized (64-byte) requests, queued together on the external input; each transaction
 *     completes within ~100 ns, far inside its microsecond, so 10,000 complete (no error) and
 *     the last is in flight at the end. Each piece is one bus grant and one DRAM request (one
 *     line = one burst); of the last transaction only the first piece is granted the bus (at
 *     10 ms) and none reaches the DRAM before the end. So bus grants = 12,288 + 4 * 10,000 + 1 =
 *     52,289 and DRAM requests = 12,288 + 40,000 = 52,288. A 64-byte piece takes 64 / 16 = 4 bus
 *     cycles at 533 MHz = 7,504.7 ps, rounded to 7,505 ps, counted at the grant; a burst 4
 *     cycles at 1200 MHz = 3,333 ps. So bus utilisation = 52,289 * 7,505 / 10^10 and DRAM
 *     utilisation = 52,288 * 3,333 / 10^10, exactly as the models compute them.
 *   - active: the master's traffic competes with the victim's 12,288 misses for the bus and the
 *     DRAM (its copy alternates two rows of one bank, which also conflict with the victim's
 *     rows), so the victim's first job and its mean response time grow: slowdown > 1, memory
 *     stall time and p99 above the reference's. DRAM requests and bus grants are the reference's
 *     plus the master's completed transactions plus at most the one in flight at the end.
 *   - window: the same for the first job only (slowdown > 1); no transaction begins at or after
 *     200 us, so the master's busy time ends before 200 us plus one transaction.
 *   - The end instant is finished: a SystemC process that wakes at 10 ms and then goes through
 *     100 delta cycles completes them within tlm_scenario_run_all (each run's own sc_start
 *     stops after a delta cycle or two once its kernel reaches its end; sim_systemc_settle runs
 *     the rest), and SystemC's time is still 10 ms afterwards.
 *   - late: from the second job on the victim hits the LLC only (all its misses are the cold ones
 *     of the first job), so a master active from 2 ms to 3 ms cannot delay it: its figures equal
 *     the reference's exactly (slowdown exactly 1.0) while DRAM requests grow by the master's.
 */
#include <systemc>
#include <tlm>

#include <check.h>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

#include "sim/sim.h"
#include "sim/systemc/examples/traffic_generator.h"
#include "sim/systemc/sim_systemc.h"
#include "sim/systemc/tlm_bridge.h"
#include "sim/systemc/tlm_bridge_sc.h"
#include "sim/systemc/tlm_scenario.h"
#include "tests/unit/tlm_bridge_fixture.h"

namespace
{

const char SCENARIO[] = "scenarios/examples/interference-solo.json";
constexpr uint64_t DURATION_PS = 10000000000ULL; /* 10 ms */
constexpr uint64_t VICTIM_LINES = 768 * 1024 / 64;
constexpr uint64_t PACED_TRANSACTIONS = 10000;
constexpr uint32_t PACED_BYTES = 256;
constexpr uint64_t PACED_PIECES = PACED_BYTES / 64;
constexpr uint64_t BUS_TRANSFER_PS = 7505;
constexpr uint64_t DRAM_BURST_PS = 3333;

/* Wakes at the end of the runs, then spends many delta cycles there. */
SC_MODULE(end_probe)
{
        static constexpr int DELTAS = 100;
        int deltas = 0;
        uint64_t finished_ps = 0;

        SC_CTOR(end_probe)
        {
                SC_THREAD(run);
        }

        void run()
        {
                wait(sc_core::sc_time::from_value(DURATION_PS));
                for (; deltas < DELTAS; deltas++)
                        wait(sc_core::SC_ZERO_TIME);
                finished_ps = sc_core::sc_time_stamp().value();
        }
};

end_probe *g_probe;
uint64_t g_systemc_ps_after_runs;
struct scenario *g_scenario;
struct tlm_scenario *g_native, *g_reference;

struct master_run {
        const char *name;
        struct tlm_scenario *run = nullptr;
        struct tlm_bridge_target *bridge = nullptr;
        traffic_generator *master = nullptr;
        tlm_scenario_task victim{};
        tlm_scenario_memory memory{};
};

master_run g_idle{ "idle" }, g_active{ "active" }, g_paced{ "paced" }, g_window{ "window" },
    g_late{ "late" };
tlm_scenario_task g_reference_victim, g_native_victim;
tlm_scenario_memory g_reference_memory;
int g_run_error, g_native_error, g_native_attach_error;

bool build(master_run *m, const traffic_config &config)
{
        if (tlm_scenario_create(g_scenario, &sim_backend_systemc, &m->run) != 0)
                return false;
        std::string bridge = std::string(m->name) + "_bridge";
        if (tlm_scenario_attach(m->run, bridge.c_str(), &m->bridge) != 0)
                return false;
        m->master = new traffic_generator((std::string(m->name) + "_master").c_str(), config);
        m->master->socket.bind(tlm_bridge_target_socket(m->bridge));
        return true;
}

void read_figures(master_run *m)
{
        ck_assert_int_eq(tlm_scenario_task_figures(m->run, nullptr, &m->victim), 0);
        ck_assert_int_eq(tlm_scenario_memory_figures(m->run, &m->memory), 0);
}

sc_core::sc_time us(double value)
{
        return sc_core::sc_time(value, sc_core::SC_US);
}

START_TEST(test_runs_succeeded)
{
        ck_assert_int_eq(g_run_error, 0);
        ck_assert_int_eq(g_native_error, 0);
        /* A native kernel has no SystemC to host a bridge. */
        ck_assert_int_eq(g_native_attach_error, -EINVAL);
        ck_assert_uint_eq(tlm_scenario_external_initiator(g_reference), 4); /* after cpu0..3 */
        ck_assert_uint_eq(tlm_scenario_duration_ps(g_scenario), DURATION_PS);
        ck_assert_str_eq(g_reference_victim.entity, "os/victim/task/control");
        ck_assert_uint_eq(g_reference_victim.completions, 10);
        ck_assert_uint_eq(g_reference_victim.llc_misses, VICTIM_LINES);
        ck_assert_uint_eq(g_reference_memory.dram_requests, VICTIM_LINES);
        ck_assert_uint_eq(g_reference_memory.bus_grants, VICTIM_LINES);
        /* Every later run reached its end too: a master cannot be attached after it. */
        struct tlm_bridge_target *late = nullptr;
        ck_assert_int_eq(tlm_scenario_attach(g_idle.run, "too_late", &late), -EINVAL);
}
END_TEST

START_TEST(test_end_instant_is_finished)
{
        ck_assert_int_eq(g_probe->deltas, end_probe::DELTAS);
        ck_assert_uint_eq(g_probe->finished_ps, DURATION_PS);
        ck_assert_uint_eq(g_systemc_ps_after_runs, DURATION_PS);
}
END_TEST

START_TEST(test_reference_equals_native)
{
        char what[1024];
        ck_assert_msg(fixture_metrics_diff(tlm_scenario_metrics(g_reference),
                                           tlm_scenario_metrics(g_native), what, sizeof(what)) == 0,
                      "SystemC reference against native: %s", what);
        ck_assert_double_eq(g_native_victim.response_mean_ps, g_reference_victim.response_mean_ps);
}
END_TEST

START_TEST(test_idle_master_changes_nothing)
{
        char what[1024];
        read_figures(&g_idle);
        ck_assert_uint_eq(g_idle.master->stats().transactions, 0);
        ck_assert_uint_eq(tlm_bridge_target_stats(g_idle.bridge)->transactions, 0);
        ck_assert_msg(fixture_metrics_diff(tlm_scenario_metrics(g_idle.run),
                                           tlm_scenario_metrics(g_reference), what,
                                           sizeof(what)) == 0,
                      "idle master against no master: %s", what);
        ck_assert_double_eq(g_idle.victim.response_mean_ps, g_reference_victim.response_mean_ps);
        ck_assert_uint_eq(g_idle.victim.response_p99_ps, g_reference_victim.response_p99_ps);
        ck_assert_double_eq(g_idle.victim.memory_stall_ps, g_reference_victim.memory_stall_ps);
        ck_assert_double_eq(tlm_scenario_slowdown(&g_idle.victim, &g_reference_victim), 1.0);
}
END_TEST

START_TEST(test_active_master_slows_the_victim)
{
        read_figures(&g_active);
        const traffic_stats &s = g_active.master->stats();
        double slowdown = tlm_scenario_slowdown(&g_active.victim, &g_reference_victim);
        ck_assert_uint_gt(s.transactions, 0);
        ck_assert_uint_eq(s.errors, 0);
        ck_assert_uint_eq(s.bytes, s.transactions * 64);
        ck_assert_uint_eq(tlm_bridge_target_stats(g_active.bridge)->transactions, s.transactions);
        ck_assert_uint_eq(g_active.victim.completions, 10);
        ck_assert_uint_eq(g_active.victim.llc_misses, VICTIM_LINES);
        ck_assert_double_gt(slowdown, 1.0);
        ck_assert_uint_gt(g_active.victim.response_p99_ps, g_reference_victim.response_p99_ps);
        ck_assert_double_gt(g_active.victim.memory_stall_ps, g_reference_victim.memory_stall_ps);
        /* The master's traffic is in the bus and DRAM metrics. */
        uint64_t extra = g_active.memory.dram_requests - VICTIM_LINES;
        ck_assert_uint_ge(extra, s.transactions);
        ck_assert_uint_le(extra, s.transactions + 1);
        extra = g_active.memory.bus_grants - VICTIM_LINES;
        ck_assert_uint_ge(extra, s.transactions);
        ck_assert_uint_le(extra, s.transactions + 1);
        ck_assert_double_gt(g_active.memory.bus_utilisation, g_reference_memory.bus_utilisation);
        ck_assert_double_gt(g_active.memory.dram_utilisation, g_reference_memory.dram_utilisation);
        ck_assert_uint_gt(g_active.memory.dram_row_conflicts,
                          g_reference_memory.dram_row_conflicts);
        std::printf("tlm_scenario: active master: %llu transactions (%.1f MB/s, mean %.3f ns); "
                    "victim mean %.6f us against %.6f us: slowdown %.6f; p99 %.3f us against "
                    "%.3f us; memory stall %.3f us against %.3f us; bus %.6f against %.6f, "
                    "DRAM %.6f against %.6f\n",
                    static_cast<unsigned long long>(s.transactions),
                    static_cast<double>(s.bytes) / static_cast<double>(DURATION_PS) * 1e6,
                    static_cast<double>(s.latency_ps) / 1e3 / static_cast<double>(s.transactions),
                    g_active.victim.response_mean_ps / 1e6,
                    g_reference_victim.response_mean_ps / 1e6, slowdown,
                    static_cast<double>(g_active.victim.response_p99_ps) / 1e6,
                    static_cast<double>(g_reference_victim.response_p99_ps) / 1e6,
                    g_active.victim.memory_stall_ps / 1e6, g_reference_victim.memory_stall_ps / 1e6,
                    g_active.memory.bus_utilisation, g_reference_memory.bus_utilisation,
                    g_active.memory.dram_utilisation, g_reference_memory.dram_utilisation);
}
END_TEST

START_TEST(test_paced_master_traffic_is_counted)
{
        read_figures(&g_paced);
        const traffic_stats &s = g_paced.master->stats();
        /* 52,288 DRAM requests; 52,289 bus grants, with the first piece of the one at 10 ms */
        const uint64_t requests = VICTIM_LINES + PACED_PIECES * PACED_TRANSACTIONS;
        const uint64_t grants = requests + 1;
        ck_assert_uint_eq(s.transactions, PACED_TRANSACTIONS);
        ck_assert_uint_eq(s.bytes, PACED_BYTES * PACED_TRANSACTIONS);
        ck_assert_uint_eq(s.writes, PACED_TRANSACTIONS);
        ck_assert_uint_eq(s.errors, 0);
        ck_assert_uint_lt(s.max_latency_ps, 1000000); /* each within its microsecond */
        ck_assert_uint_eq(tlm_bridge_target_stats(g_paced.bridge)->transactions,
                          PACED_TRANSACTIONS);
        ck_assert_uint_eq(g_paced.memory.dram_requests, requests);
        ck_assert_uint_eq(g_paced.memory.bus_grants, grants);
        ck_assert_double_eq(g_paced.memory.bus_utilisation,
                            static_cast<double>(grants * BUS_TRANSFER_PS) /
                                static_cast<double>(DURATION_PS));
        ck_assert_double_eq(g_paced.memory.dram_utilisation,
                            static_cast<double>(requests * DRAM_BURST_PS) /
                                static_cast<double>(DURATION_PS));
        /* The reference's own figures by the same formula: the calibration of the two above. */
        ck_assert_double_eq(g_reference_memory.bus_utilisation,
                            static_cast<double>(VICTIM_LINES * BUS_TRANSFER_PS) /
                                static_cast<double>(DURATION_PS));
        ck_assert_uint_eq(g_paced.victim.llc_misses, VICTIM_LINES);
        std::printf("tlm_scenario: paced master (one 256-byte write per us): slowdown %.6f\n",
                    tlm_scenario_slowdown(&g_paced.victim, &g_reference_victim));
}
END_TEST

START_TEST(test_window_master_slows_the_first_job)
{
        read_figures(&g_window);
        const traffic_stats &s = g_window.master->stats();
        ck_assert_uint_gt(s.transactions, 0);
        ck_assert_uint_eq(s.errors, 0);
        /* From 100 us, back to back, none begun at or after 200 us. */
        ck_assert_uint_le(s.latency_ps, 100000000 + s.max_latency_ps);
        ck_assert_uint_eq(g_window.memory.dram_requests, VICTIM_LINES + s.transactions);
        ck_assert_double_gt(tlm_scenario_slowdown(&g_window.victim, &g_reference_victim), 1.0);
        ck_assert_uint_gt(g_window.victim.response_max_ps, g_reference_victim.response_max_ps);
}
END_TEST

START_TEST(test_late_master_misses_the_victim)
{
        read_figures(&g_late);
        const traffic_stats &s = g_late.master->stats();
        ck_assert_uint_gt(s.transactions, 0);
        ck_assert_uint_eq(s.errors, 0);
        ck_assert_uint_eq(g_late.memory.dram_requests, VICTIM_LINES + s.transactions);
        ck_assert_double_eq(g_late.victim.response_mean_ps, g_reference_victim.response_mean_ps);
        ck_assert_uint_eq(g_late.victim.response_max_ps, g_reference_victim.response_max_ps);
        ck_assert_double_eq(g_late.victim.memory_stall_ps, g_reference_victim.memory_stall_ps);
        ck_assert_double_eq(tlm_scenario_slowdown(&g_late.victim, &g_reference_victim), 1.0);
}
END_TEST

bool elaborate()
{
        char error[1024];
        if (tlm_scenario_load(SCENARIO, &g_scenario, error, sizeof(error)) != 0) {
                std::fprintf(stderr, "test_tlm_scenario: %s\n", error);
                return false;
        }
        if (tlm_scenario_create(g_scenario, nullptr, &g_native) != 0 ||
            tlm_scenario_create(g_scenario, &sim_backend_systemc, &g_reference) != 0)
                return false;
        struct tlm_bridge_target *none = nullptr;
        g_native_attach_error = tlm_scenario_attach(g_native, "native_bridge", &none);

        traffic_config idle;
        idle.active = false;
        traffic_config active; /* defaults: 64-byte copy, back to back, the whole run */
        traffic_config paced;
        paced.pattern = traffic_pattern::write;
        paced.transfers_per_us = 1.0;
        paced.bytes = PACED_BYTES;
        traffic_config window;
        window.start = us(100);
        window.stop = us(200);
        traffic_config late;
        late.start = us(2000);
        late.stop = us(3000);
        g_probe = new end_probe("end_probe");
        return build(&g_idle, idle) && build(&g_active, active) && build(&g_paced, paced) &&
               build(&g_window, window) && build(&g_late, late);
}

void run()
{
        struct tlm_scenario *runs[] = { g_reference, g_idle.run,   g_active.run,
                                        g_paced.run, g_window.run, g_late.run };
        g_run_error = tlm_scenario_run_all(runs, sizeof(runs) / sizeof(runs[0]));
        g_systemc_ps_after_runs = sim_systemc_time_ps();
        g_native_error = tlm_scenario_run(g_native);
        if (tlm_scenario_task_figures(g_reference, nullptr, &g_reference_victim) != 0 ||
            tlm_scenario_task_figures(g_native, nullptr, &g_native_victim) != 0 ||
            tlm_scenario_memory_figures(g_reference, &g_reference_memory) != 0)
                g_run_error = g_run_error ? g_run_error : -ENOENT;
}

} // namespace

int sc_main(int argc, char *argv[])
{
        (void)argc;
        (void)argv;
        if (!elaborate()) {
                std::fprintf(stderr, "test_tlm_scenario: cannot build the runs\n");
                return EXIT_FAILURE;
        }
        run();

        Suite *suite = suite_create("tlm_scenario");
        TCase *tc = tcase_create("scenario");
        tcase_add_test(tc, test_runs_succeeded);
        tcase_add_test(tc, test_end_instant_is_finished);
        tcase_add_test(tc, test_reference_equals_native);
        tcase_add_test(tc, test_idle_master_changes_nothing);
        tcase_add_test(tc, test_active_master_slows_the_victim);
        tcase_add_test(tc, test_paced_master_traffic_is_counted);
        tcase_add_test(tc, test_window_master_slows_the_first_job);
        tcase_add_test(tc, test_late_master_misses_the_victim);
        suite_add_tcase(suite, tc);
        SRunner *runner = srunner_create(suite);
        /* One SystemC context, already run: assert in this process. */
        srunner_set_fork_status(runner, CK_NOFORK);
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        for (master_run *m : { &g_idle, &g_active, &g_paced, &g_window, &g_late })
                tlm_scenario_destroy(m->run);
        tlm_scenario_destroy(g_reference);
        tlm_scenario_destroy(g_native);
        tlm_scenario_unload(g_scenario);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
