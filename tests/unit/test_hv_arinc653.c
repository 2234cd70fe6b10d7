/*
 * ARINC 653 time partitioning: response times of a guest task inside its partition's window,
 * with zero and non-zero world-switch cost, run times per partition, wait times, and the
 * schedule rules. Cores at 1 GHz: 1 cycle = 1 ns, 1 ms = 10^6 cycles.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "tests/unit/test_hv_harness.h"

enum { VM_A, VM_B };

/*
 * One core, major frame 10 ms: window [0, 3) for VM A, then [3, 10) for VM B (an always-busy
 * guest) or idle. A's guest has one task, C = 5 ms, released at 0 (period 100 ms, so one job
 * in the run). World switch s = switch_cycles ns.
 */
static void frame_run(struct hvt *t, bool b_window, uint64_t switch_cycles, sim_time_t end)
{
        hvt_init(t, HV_POLICY_ARINC653, 1);
        t->config.world_switch_cycles = switch_cycles;
        t->schedules[0].major_frame_ps = 10 * MS;
        hvt_vm(t, "a", 0);
        hvt_vm(t, "b", 0);
        hvt_task(t, VM_A, "task", 100 * MS, 5000000, 1);
        hvt_busy(t, VM_B);
        hvt_window(t, 0, VM_A, 3 * MS);
        hvt_window(t, 0, b_window ? VM_B : HV_IDLE, 7 * MS);
        hvt_run(t, end);
}

/*
 * Zero switch cost. A runs 0-3 (3 ms of 5 done), B's window 3-10, A again 10-12: the job
 * completes at 10 + 2 = 12 ms. Over 20 ms: A ran 5 ms; B ran 3-10 and 13-20 = 14 ms (A's
 * window 10-13 stays A's: 12-13 idles, no slack reclaiming). A waited twice: 0 at its release
 * (its window was open) and 3 -> 10 = 7 ms. World switches: 0 (A), 3 (B), 10 (A), 13 (B) = 4.
 */
START_TEST(test_arinc653_window_response)
{
        struct hvt t;

        frame_run(&t, true, 0, 20 * MS);
        ck_assert_uint_eq(hvt_response(&t, VM_A, "task")->max, 12 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, VM_A), 5 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, VM_B), 14 * MS);
        ck_assert_uint_eq(hvt_wait(&t, VM_A)->count, 2);
        ck_assert_uint_eq(hvt_wait(&t, VM_A)->min, 0);
        ck_assert_uint_eq(hvt_wait(&t, VM_A)->max, 7 * MS);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "world_switches"), 4);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "hypervisor_time"), 0);
        hvt_free(&t);
}
END_TEST

/*
 * World switch s = 100 us (100000 cycles), B busy in its window:
 *   0-0.1 switch to A, A 0.1-3 (2.9 ms done, 2.1 left), 3-3.1 switch to B, B 3.1-10,
 *   10-10.1 switch to A, A 10.1-12.2: the job completes at 12.2 ms = 12 + 2s.
 * Run to 12.5 ms: 3 switches, 300 us of hypervisor time; B ran 6.9 ms.
 */
START_TEST(test_arinc653_window_response_switch_cost)
{
        struct hvt t;

        frame_run(&t, true, 100000, 12500 * US);
        ck_assert_uint_eq(hvt_response(&t, VM_A, "task")->max, 12200 * US);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "world_switches"), 3);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "hypervisor_time"), 300 * US);
        ck_assert_uint_eq(hvt_run_time(&t, VM_B), 6900 * US);
        ck_assert_uint_eq(hvt_run_time(&t, VM_A), 5 * MS);
        hvt_free(&t);
}
END_TEST

/*
 * The same with the rest of the frame idle: A's context stays loaded through the idle window,
 * so only the first load costs: A 0.1-3 (2.1 ms left), idle 3-10, A 10-12.1: completes at
 * 12.1 ms = 12 + s. One switch, 100 us of hypervisor time; B never runs.
 */
START_TEST(test_arinc653_idle_window_switch_cost)
{
        struct hvt t;

        frame_run(&t, false, 100000, 20 * MS);
        ck_assert_uint_eq(hvt_response(&t, VM_A, "task")->max, 12100 * US);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "world_switches"), 1);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "hypervisor_time"), 100 * US);
        ck_assert_uint_eq(hvt_run_time(&t, VM_B), 0);
        hvt_free(&t);
}
END_TEST

/*
 * Two windows per frame for A and a release inside B's window. Frame 10 ms: A [0, 2), B [2, 5),
 * A [5, 7), idle [7, 10). A's task: C = 3 ms, T = 10 ms, offset 3 ms (released in B's window):
 * waits to 5, runs 5-7 (2 ms), idles through [7, 10), runs 10-11 in the next frame's first
 * window and completes at 11: R = 11 - 3 = 8 ms. Every job is the same (the frame and the
 * period coincide). Run 30 ms: jobs released at 3, 13, 23; the third would complete at 31,
 * so two responses, both 8 ms; A ran 3 + 3 + 2 (25-27) = 8 ms. B (busy) runs its 3 ms per
 * frame: 9 ms.
 */
START_TEST(test_arinc653_two_windows)
{
        struct hvt t;
        struct task_config *task;

        hvt_init(&t, HV_POLICY_ARINC653, 1);
        t.schedules[0].major_frame_ps = 10 * MS;
        hvt_vm(&t, "a", 0);
        hvt_vm(&t, "b", 0);
        task = hvt_task(&t, VM_A, "task", 10 * MS, 3000000, 1);
        task->offset_ps = 3 * MS;
        hvt_busy(&t, VM_B);
        hvt_window(&t, 0, VM_A, 2 * MS);
        hvt_window(&t, 0, VM_B, 3 * MS);
        hvt_window(&t, 0, VM_A, 2 * MS);
        hvt_run(&t, 30 * MS);
        ck_assert_uint_eq(hvt_response(&t, VM_A, "task")->count, 2);
        ck_assert_uint_eq(hvt_response(&t, VM_A, "task")->min, 8 * MS);
        ck_assert_uint_eq(hvt_response(&t, VM_A, "task")->max, 8 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, VM_B), 9 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, VM_A), 8 * MS);
        hvt_free(&t);
}
END_TEST

START_TEST(test_arinc653_invalid)
{
        struct hvt t;

        hvt_init(&t, HV_POLICY_ARINC653, 2);
        t.schedules[0].major_frame_ps = 10 * MS;
        t.schedules[1].major_frame_ps = 10 * MS;
        hvt_vm(&t, "a", 0);
        hvt_vm(&t, "b", 1);
        hvt_window(&t, 0, VM_A, 6 * MS);
        hvt_window(&t, 1, VM_B, 10 * MS);
        ck_assert_int_eq(hv_check_config(&t.config, 2), 0);
        hvt_window(&t, 0, HV_IDLE, 5 * MS); /* 6 + 5 > 10 */
        ck_assert_int_eq(hv_check_config(&t.config, 2), -EINVAL);
        t.windows[0][1] = (struct hv_window_config){ .vm = VM_B, .duration_ps = 1 * MS };
        ck_assert_int_eq(hv_check_config(&t.config, 2), -EINVAL); /* B is on core 1 */
        t.windows[0][1] = (struct hv_window_config){ .vm = VM_A, .vcpu = 1, .duration_ps = MS };
        ck_assert_int_eq(hv_check_config(&t.config, 2), -EINVAL); /* no vCPU 1 */
        t.windows[0][1] = (struct hv_window_config){ .vm = HV_IDLE, .duration_ps = 0 };
        ck_assert_int_eq(hv_check_config(&t.config, 2), -EINVAL); /* empty window */
        t.schedules[0].window_count = 1;
        t.config.schedule_count = 1; /* core 1 without a schedule */
        ck_assert_int_eq(hv_check_config(&t.config, 2), -EINVAL);
        t.config.schedule_count = 2;
        t.schedules[1].major_frame_ps = 0;
        ck_assert_int_eq(hv_check_config(&t.config, 2), -EINVAL);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("hv_arinc653");
        TCase *tc = tcase_create("arinc653");
        SRunner *runner;
        int failed;

        tcase_add_test(tc, test_arinc653_window_response);
        tcase_add_test(tc, test_arinc653_window_response_switch_cost);
        tcase_add_test(tc, test_arinc653_idle_window_switch_cost);
        tcase_add_test(tc, test_arinc653_two_windows);
        tcase_add_test(tc, test_arinc653_invalid);
        suite_add_tcase(suite, tc);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
