/*
 * test_sim_systemc_embed: mosaic embedded in a SystemC simulation that owns sc_main and drives
 * sc_start itself, as docs/systemc.md describes. Linking this program also checks that the
 * backend does not bring its own sc_main along (a duplicate would not link).
 *
 * A SystemC module ("master") wakes every 1000 ps from 1000 ps on; each time it syncs the
 * mosaic kernel and schedules a mosaic event 250 ps later. One more mosaic event, at 5100 ps,
 * calls sim_stop. The user runs sc_start(10 ns), which must return at 5100 ps (sim_stop is
 * sc_pause), then sc_start for the rest. Worked out by hand: master runs at 1000 .. 9000 ps
 * (sc_start(d) stops before 10000); mosaic events run at 1250, 2250, 3250, 4250, 5100, 5250,
 * 6250, 7250, 8250 and 9250 ps: 10 of them, 9250 ps scheduled by the master's last run.
 */
#include <systemc>

#include <check.h>
#include <cstdlib>

#include "sim/sim.h"
#include "sim/systemc/sim_systemc.h"

namespace
{

constexpr int LOG_MAX = 32;

struct mosaic_log {
        sim_time_t times[LOG_MAX];
        int count = 0;
};

mosaic_log g_log;

void record(struct sim *sim, void *arg)
{
        (void)arg;
        if (g_log.count < LOG_MAX)
                g_log.times[g_log.count++] = sim_now(sim);
}

void record_and_stop(struct sim *sim, void *arg)
{
        record(sim, arg);
        sim_stop(sim);
}

SC_MODULE(master)
{
        sc_core::sc_event tick;
        struct sim *kernel = nullptr;
        /* What the master saw at 5000 ps: sim_now before and after sim_systemc_sync. */
        sim_time_t lagging_now = 0;
        sim_time_t synced_now = 0;
        int sync_failures = 0; /* counted here: an assert must not unwind through SystemC */

        SC_CTOR(master)
        {
                SC_METHOD(on_tick);
                sensitive << tick;
                dont_initialize();
        }

        void on_tick()
        {
                sim_time_t before = sim_now(kernel);
                sync_failures += sim_systemc_sync(kernel) != 0;
                if (sc_core::sc_time_stamp().value() == 5000) {
                        lagging_now = before;
                        synced_now = sim_now(kernel);
                }
                sim_schedule_in(kernel, 250, record, nullptr);
                tick.notify(sc_core::sc_time::from_value(1000));
        }
};

master *g_master;

START_TEST(test_embedded_kernel)
{
        struct sim *sim = g_master->kernel;
        ck_assert_uint_eq(sim_systemc_origin_ps(sim), 0);
        sim_schedule(sim, 5100, record_and_stop, nullptr);
        g_master->tick.notify(sc_core::sc_time::from_value(1000));

        sc_core::sc_start(sc_core::sc_time::from_value(10000));
        /* Paused by the stop at 5100 ps, not at 10000. */
        ck_assert_uint_eq(sc_core::sc_time_stamp().value(), 5100);
        ck_assert_int_eq(g_log.count, 5);
        ck_assert_uint_eq(sim_now(sim), 5100);
        sc_core::sc_start(sc_core::sc_time::from_value(4900));
        ck_assert_uint_eq(sc_core::sc_time_stamp().value(), 10000);

        static const sim_time_t expected[] = { 1250, 2250, 3250, 4250, 5100,
                                               5250, 6250, 7250, 8250, 9250 };
        ck_assert_int_eq(g_log.count, 10);
        for (int i = 0; i < 10; i++)
                ck_assert_uint_eq(g_log.times[i], expected[i]);
        ck_assert_uint_eq(sim_events_executed(sim), 10);
        /* At 5000 ps the kernel's last event was 4250 ps; sync brought it to 5000. */
        ck_assert_uint_eq(g_master->lagging_now, 4250);
        ck_assert_uint_eq(g_master->synced_now, 5000);
        ck_assert_int_eq(g_master->sync_failures, 0);
        ck_assert_uint_eq(sim_events_pending(sim), 0);
}
END_TEST

} // namespace

int sc_main(int argc, char *argv[])
{
        (void)argc;
        (void)argv;
        /* Elaboration: the user's modules, then mosaic's kernel. */
        master top("master");
        g_master = &top;
        top.kernel = sim_create(&sim_backend_systemc);
        if (!top.kernel)
                return EXIT_FAILURE;

        Suite *suite = suite_create("sim_systemc_embed");
        TCase *tc = tcase_create("embed");
        tcase_add_test(tc, test_embedded_kernel);
        suite_add_tcase(suite, tc);
        SRunner *runner = srunner_create(suite);
        /* One SystemC context: run in this process, so sc_start happens here. */
        srunner_set_fork_status(runner, CK_NOFORK);
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        sim_destroy(top.kernel);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
