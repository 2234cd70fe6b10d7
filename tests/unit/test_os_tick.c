/*
 * The guest OS's periodic tick (an OS's "tick_<unit>", "tick_isr_cycles"; models/os/guest_os.h)
 * on whole scenarios, against hand-worked response times. Platform generic-4core: 1200 MHz, so
 * 1200 cycles = 1 us exactly. A tick costs the exception entry (600 cycles = 0.5 us) plus its
 * ISR (1800 cycles = 1.5 us): c = 2 us on the CPU; its edges are at 1, 2, 3, ... ms. Each
 * fixture runs the same OS ticked on cpu0 and tickless on cpu1.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "tests/unit/test_run_harness.h"

#define FIXTURES "tests/unit/scenarios/"
#define US       SIM_PS_PER_US
#define NS       SIM_PS_PER_NS

static const struct histogram *response(const struct run *run, const char *entity)
{
        return &metric(run, entity, "response_time")->histogram;
}

/*
 * Fixed priority, job of 2.5 ms every 5 ms, run 10 ms. Tickless: 2500 us. Ticked: the job
 * released at 0 ends after 2.5 ms of work plus the ticks inside its window, at 1 and 2 ms
 * (2 x 2 us: it ends at 2.504 ms, before the third tick): 2504 us. The job released at 5 ms
 * meets the tick at 5 ms (the ISR goes first, the job starts after it) and those at 6 and 7 ms:
 * 2.5 ms + 3 x 2 us = 2506 us. So each response grows by exactly (ticks in its window) x c.
 * Nine edges (1..9 ms) are taken, each 0.5 us after its edge (the exception entry).
 */
START_TEST(test_tick_costs_fixed_priority)
{
        struct run run;

        run_fixture(&run, FIXTURES "tick_fixed_priority.json");
        ck_assert_uint_eq(response(&run, "os/tickless/task/job")->min, 2500 * US);
        ck_assert_uint_eq(response(&run, "os/tickless/task/job")->max, 2500 * US);
        ck_assert_uint_eq(response(&run, "os/ticked/task/job")->min, 2504 * US);
        ck_assert_uint_eq(response(&run, "os/ticked/task/job")->max, 2506 * US);
        ck_assert_uint_eq(metric(&run, "irq/ticked/ticked_tick", "raised")->counter, 9);
        ck_assert_uint_eq(metric(&run, "irq/ticked/ticked_tick", "latency")->histogram.max,
                          500 * NS);
        run_free(&run);
}
END_TEST

/*
 * The same in a VM under static partitioning with the trapped path (no direct injection):
 * each tick first costs the hypervisor's 120 + 960 + 240 + 120 = 1440 cycles = 1.2 us, then the
 * guest's 2 us: 3.2 us per tick. Responses 2.5 ms + 2 x 3.2 us = 2506.4 us and
 * 2.5 ms + 3 x 3.2 us = 2509.6 us; latency 1.2 + 0.5 = 1.7 us. The tickless VM keeps 2500 us.
 */
START_TEST(test_tick_through_hypervisor)
{
        struct run run;

        run_fixture(&run, FIXTURES "tick_vm.json");
        ck_assert_uint_eq(response(&run, "vm/tickless/task/job")->max, 2500 * US);
        ck_assert_uint_eq(response(&run, "vm/ticked/task/job")->min, 2506400 * NS);
        ck_assert_uint_eq(response(&run, "vm/ticked/task/job")->max, 2509600 * NS);
        ck_assert_uint_eq(metric(&run, "irq/ticked/ticked_tick", "latency")->histogram.max,
                          1700 * NS);
        ck_assert_uint_eq(metric(&run, "hv/core/cpu0", "irqs")->counter, 9);
        run_free(&run);
}
END_TEST

/*
 * Fair scheduler, a and b with 4 ms of work each, released at 0, equal weights, target
 * latency 4.5 ms: slices of 4.5 / 2 = 2.25 ms (above the 0.75 ms granularity).
 * Tickless (the slice ends on time): a [0, 2.25), b [2.25, 4.5), a [4.5, 6.25) done (1.75 ms
 * left), b [6.25, 8) done: a 6250 us, b 8000 us.
 * Ticked (slices end at ticks; an ISR leaves the running task current and its time is charged
 * to its vruntime, as CFS does):
 *   a runs from 0 (lower index on equal vruntime); ticks at 1 and 2 ms: slice not over; at the
 *   decision after the 3 ms tick (3.002 ms) a has held the core 3.002 ms >= 2.25 and b
 *   (vruntime 0) is owed it: b starts at 3.002. a has done 1 + 0.998 + 0.998 = 2.996 ms of work
 *   (1.004 left), vruntime 3.002 ms.
 *   b: after the 4 and 5 ms ticks its slice (from 3.002) is 2 ms; at 6.002 it is 3 ms but a's
 *   vruntime 3.002 > b's 3.0, so nobody is owed the core: b starts a new slice. b's work:
 *   0.998 x 4 (up to 7 ms) = 3.992 ms; after the 7 ms tick it needs 8 us more: done at 7.010.
 *   a then runs from 7.010: 0.990 ms before the 8 ms tick, 14 us after it: done at 8.016.
 * So a 8016 us, b 7010 us.
 */
START_TEST(test_tick_drives_fair_slices)
{
        struct run run;

        run_fixture(&run, FIXTURES "tick_fair.json");
        ck_assert_uint_eq(response(&run, "os/tickless/task/a")->max, 6250 * US);
        ck_assert_uint_eq(response(&run, "os/tickless/task/b")->max, 8000 * US);
        ck_assert_uint_eq(response(&run, "os/ticked/task/a")->max, 8016 * US);
        ck_assert_uint_eq(response(&run, "os/ticked/task/b")->max, 7010 * US);
        run_free(&run);
}
END_TEST

/* Loader: the tick's ISR and timer are added; tick keys without a tick, and a tick on an
 * interrupt an ISR of the OS already takes, are rejected at the key. */
START_TEST(test_tick_loader)
{
        static const struct {
                const char *file;
                const char *path;
        } bad[] = {
                { FIXTURES "bad_tick_isr_cycles.json", "$.oses[0].tick_isr_cycles" },
                { FIXTURES "bad_tick_irq.json", "$.oses[0].tick_irq" },
        };
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load(FIXTURES "tick_fixed_priority.json", &s, &d);

        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        ck_assert_uint_eq(s.oses[0].tick_period_ps, 1000 * US);
        ck_assert_uint_eq(s.oses[0].tick_irq, 30);
        ck_assert_uint_eq(s.oses[0].isr_count, 1);
        ck_assert_str_eq(s.oses[0].isrs[0].name, "tick");
        ck_assert_uint_eq(s.oses[0].isrs[0].cycles, 1800);
        ck_assert_uint_eq(s.oses[1].tick_period_ps, 0);
        ck_assert_uint_eq(s.irq_source_count, 1);
        ck_assert_str_eq(s.irq_sources[0].name, "ticked_tick");
        ck_assert_uint_eq(s.irq_sources[0].period_ps, 1000 * US);
        ck_assert_uint_eq(s.irq_sources[0].offset_ps, 1000 * US);
        scenario_free(&s);
        for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
                rc = scenario_load(bad[i].file, &s, &d);
                ck_assert_int_eq(rc, -EINVAL);
                ck_assert_str_eq(d.path, bad[i].path);
        }
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("os_tick");
        TCase *tc = tcase_create("tick");
        SRunner *runner;
        int failed;

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_tick_costs_fixed_priority);
        tcase_add_test(tc, test_tick_through_hypervisor);
        tcase_add_test(tc, test_tick_drives_fair_slices);
        tcase_add_test(tc, test_tick_loader);
        suite_add_tcase(suite, tc);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
