/*
 * Tests of guest_os's job-end hooks (guest_os_set_job_end_hook, guest_os_job_extend,
 * guest_os_job_block, guest_os_job_resume) and guest_os_release_event, under each scheduling
 * policy, on test_os_harness.h's 1 GHz platform (1 cycle = 1 ns), no context-switch cost.
 *
 * Task "a" (100 cycles, period 2 ms, index 0) and task "b" (300 cycles, period 4 ms: less urgent
 * under EDF; lower priority under fixed priority; under fair both nice 0, and "a" goes first on
 * the tie by its lower index), both released at 0, one job each in the 2 ms run. A hook on "a"
 * extends its job by 50 ns at the end of its work, blocks it at the end of that, and resumes it
 * by an event 1000 ns later:
 *   0      "a" runs its 100 ns
 *   100    the hook: 50 ns more work
 *   150    the hook again: block; "b" runs 150 .. 450 (response 450 ns)
 *   1150   resume: "a" is dispatched with no work left, the hook a third time: it completes,
 *          response 1150 ns, never preempted
 * Context switches: the first load of "a", then "b", then "a" again: 3.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "models/os/guest_os.h"
#include "tests/unit/test_os_harness.h"

#define NS SIM_PS_PER_NS

static char name_a[] = "a", name_b[] = "b", name_e[] = "e";

struct hook_model {
        struct guest_os *os;
        struct sim *sim;
        size_t task;
        unsigned calls;
        sim_time_t at[4];
        int resume_rc;
};

static void resume_event(struct sim *sim, void *arg)
{
        struct hook_model *m = arg;

        (void)sim;
        m->resume_rc = guest_os_job_resume(m->os, m->task);
}

static void job_end(void *arg, size_t task, sim_time_t now)
{
        struct hook_model *m = arg;

        m->task = task;
        if (m->calls < 4)
                m->at[m->calls] = now;
        switch (m->calls++) {
        case 0:
                ck_assert_int_eq(guest_os_job_extend(m->os, 50 * NS), 0);
                break;
        case 1:
                ck_assert_int_eq(guest_os_job_block(m->os), 0);
                ck_assert_uint_ne(sim_schedule(m->sim, now + 1000 * NS, resume_event, m), 0);
                break;
        default:
                break;
        }
}

static void run_hooked(enum os_scheduler scheduler)
{
        struct ost f;
        struct hook_model m = { .resume_rc = -1 };

        ost_init(&f, scheduler, 2 * MS);
        ost_task(&f, name_a, 2 * MS, 100)->priority = 2;
        ost_task(&f, name_b, 4 * MS, 300)->priority = 1;
        f.sim = sim_create(NULL);
        f.metrics = metrics_create();
        ck_assert_int_eq(platform_build(&f.scenario, f.sim, f.metrics, &f.platform), 0);
        m.os = platform_guest_os(f.platform, 0);
        m.sim = f.sim;
        ck_assert_int_eq(guest_os_set_job_end_hook(m.os, "a", job_end, &m), 0);
        /* outside a hook nothing can be asked; one hook per task; no such task; nothing is
         * blocked yet; "b" is not an event task */
        ck_assert_int_eq(guest_os_job_extend(m.os, NS), -EINVAL);
        ck_assert_int_eq(guest_os_job_block(m.os), -EINVAL);
        ck_assert_int_eq(guest_os_set_job_end_hook(m.os, "a", job_end, &m), -EBUSY);
        ck_assert_int_eq(guest_os_set_job_end_hook(m.os, "c", job_end, &m), -ENOENT);
        ck_assert_int_eq(guest_os_job_resume(m.os, 0), -EINVAL);
        ck_assert_int_eq(guest_os_release_event(m.os, 1), -EINVAL);
        ck_assert_int_eq(sim_run_until(f.sim, f.scenario.run.duration_ps), 0);
        platform_finish(f.platform, sim_now(f.sim));

        ck_assert_uint_eq(m.calls, 3);
        ck_assert_uint_eq(m.at[0], 100 * NS);
        ck_assert_uint_eq(m.at[1], 150 * NS);
        ck_assert_uint_eq(m.at[2], 1150 * NS);
        ck_assert_int_eq(m.resume_rc, 0);
        ck_assert_uint_eq(ost_response(&f, "a")->max, 1150 * NS);
        ck_assert_uint_eq(ost_response(&f, "b")->max, 450 * NS);
        ck_assert_uint_eq(ost_task_counter(&f, "a", "completions"), 1);
        ck_assert_uint_eq(ost_task_counter(&f, "a", "preemptions"), 0);
        ck_assert_uint_eq(ost_context_switches(&f), 3);
        /* the core executed 100 + 50 + 300 ns of the 2 ms */
        ck_assert_double_eq_tol(ost_metric(&f, "core/cpu0", "utilisation")->gauge, 450e-9 / 2e-3,
                                1e-12);
        ost_free(&f);
}

/* The same tasks without a hook: "a" 0 .. 100, "b" 100 .. 400; two context switches. */
START_TEST(test_no_hook)
{
        struct ost f;

        ost_init(&f, OS_SCHED_FIXED_PRIORITY, 2 * MS);
        ost_task(&f, name_a, 2 * MS, 100)->priority = 2;
        ost_task(&f, name_b, 4 * MS, 300)->priority = 1;
        ost_run(&f);
        ck_assert_uint_eq(ost_response(&f, "a")->max, 100 * NS);
        ck_assert_uint_eq(ost_response(&f, "b")->max, 400 * NS);
        ck_assert_uint_eq(ost_context_switches(&f), 2);
        ost_free(&f);
}
END_TEST

START_TEST(test_hooks_fixed_priority)
{
        run_hooked(OS_SCHED_FIXED_PRIORITY);
}
END_TEST

START_TEST(test_hooks_edf)
{
        run_hooked(OS_SCHED_EDF);
}
END_TEST

START_TEST(test_hooks_fair)
{
        run_hooked(OS_SCHED_FAIR);
}
END_TEST

/* An event task released by a model: "e" (200 cycles) at 300 ns by an event; the release is
 * counted as its activation and it runs at once on the idle core: response 200 ns. */
static void release_event(struct sim *sim, void *arg)
{
        (void)sim;
        ck_assert_int_eq(guest_os_release_event(arg, 0), 0);
}

START_TEST(test_release_event)
{
        struct ost f;
        struct task_config *e;

        ost_init(&f, OS_SCHED_FIXED_PRIORITY, MS);
        e = ost_task(&f, name_e, MS, 200);
        e->activation = TASK_EVENT;
        e->priority = 1;
        f.sim = sim_create(NULL);
        f.metrics = metrics_create();
        ck_assert_int_eq(platform_build(&f.scenario, f.sim, f.metrics, &f.platform), 0);
        ck_assert_uint_ne(
            sim_schedule(f.sim, 300 * NS, release_event, platform_guest_os(f.platform, 0)), 0);
        ck_assert_int_eq(sim_run_until(f.sim, f.scenario.run.duration_ps), 0);
        platform_finish(f.platform, sim_now(f.sim));
        ck_assert_uint_eq(ost_task_counter(&f, "e", "activations"), 1);
        ck_assert_uint_eq(ost_response(&f, "e")->max, 200 * NS);
        ost_free(&f);
}
END_TEST

static Suite *suite(void)
{
        Suite *s = suite_create("os_job_hooks");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_no_hook);
        tcase_add_test(tc, test_hooks_fixed_priority);
        tcase_add_test(tc, test_hooks_edf);
        tcase_add_test(tc, test_hooks_fair);
        tcase_add_test(tc, test_release_event);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
