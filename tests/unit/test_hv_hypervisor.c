/*
 * Hypervisor mechanics independent of the policy: the vCPU exec_port contract (work paused
 * while descheduled, preempt returns what is left, busy, cycles_to_ps), VMs of several vCPUs
 * on several cores with per-vCPU and per-VM metrics, refused configurations, determinism.
 * Cores at 1 GHz: 1 cycle = 1 ns.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "tests/unit/test_hv_harness.h"

struct port_probe {
        struct exec_port port;
        sim_time_t done_at_ps;
        sim_time_t preempt_left_ps;
        bool busy_after_preempt;
        int done_calls;
};

static struct sim *probe_sim;

/* Runs only for work that completes: the first piece is preempted, so one call in all. */
static void probe_done(void *arg)
{
        struct port_probe *probe = arg;

        probe->done_at_ps = sim_now(probe_sim);
        probe->done_calls++;
}

static void probe_preempt(struct sim *sim, void *arg)
{
        struct port_probe *probe = arg;

        (void)sim;
        probe->preempt_left_ps = probe->port.ops->preempt(probe->port.resource);
        probe->busy_after_preempt = probe->port.ops->busy(probe->port.resource);
}

static void probe_start_1ms(struct sim *sim, void *arg)
{
        struct port_probe *probe = arg;

        (void)sim;
        ck_assert_int_eq(probe->port.ops->start(probe->port.resource, 1 * MS, probe_done, probe),
                         0);
}

/*
 * ARINC 653, frame 10 ms: A [0, 3), idle [3, 10). On A's vCPU port, 5 ms of work starts at 0;
 * at 5 ms (A descheduled since 3) preempt returns 5 - 3 = 2 ms and the port is idle; the done
 * callback of that work never runs. 1 ms of new work started at 6 ms waits for A's next window
 * and completes at 10 + 1 = 11 ms. cycles_to_ps(1000) at 1 GHz = 1 us. A ran 3 + 1 = 4 ms.
 */
START_TEST(test_vcpu_port_contract)
{
        struct hvt t;
        struct port_probe probe = { 0 };

        hvt_init(&t, HV_POLICY_ARINC653, 1);
        t.schedules[0].major_frame_ps = 10 * MS;
        hvt_vm(&t, "a", 0);
        hvt_window(&t, 0, 0, 3 * MS);
        hvt_build(&t, 20 * MS);
        probe_sim = t.sim;
        probe.port = hv_vcpu_exec_port(hv_find_vcpu(t.hv, 0, 0));
        ck_assert_ptr_null(hv_find_vcpu(t.hv, 0, 1));
        ck_assert_ptr_null(hv_find_vcpu(t.hv, 1, 0));
        ck_assert_uint_eq(probe.port.ops->cycles_to_ps(probe.port.resource, 1000), 1 * US);
        ck_assert(!probe.port.ops->busy(probe.port.resource));
        ck_assert_int_eq(probe.port.ops->start(probe.port.resource, 5 * MS, probe_done, &probe), 0);
        ck_assert(probe.port.ops->busy(probe.port.resource));
        ck_assert_uint_ne(sim_schedule(t.sim, 5 * MS, probe_preempt, &probe), 0);
        ck_assert_uint_ne(sim_schedule(t.sim, 6 * MS, probe_start_1ms, &probe), 0);
        hvt_go(&t, 20 * MS);
        ck_assert_uint_eq(probe.preempt_left_ps, 2 * MS);
        ck_assert(!probe.busy_after_preempt);
        ck_assert_int_eq(probe.done_calls, 1);
        ck_assert_uint_eq(probe.done_at_ps, 11 * MS);
        ck_assert_uint_eq(hvt_run_time(&t, 0), 4 * MS);
        hvt_free(&t);
}
END_TEST

/*
 * One VM with two vCPUs on two cores under RTDS: vCPU 0 on core 0 (4 / 10 ms), vCPU 1 on core
 * 1 (2 / 10 ms), both always busy; a second VM's vCPU (3 / 10 ms) shares core 1. Run 20 ms:
 * vCPU 0 ran 8 ms, vCPU 1 4 ms, the VM 12 ms; the other VM 6 ms. On core 1 the deadlines tie
 * (10) and the lower index (the first VM's vCPU 1) goes first: 0-2, then 2-5; the cores' world
 * switches are counted apart: core 0 loads once, core 1 switches at 0, 2, 10, 12 and 20 (the
 * events of the end instant run) = 5.
 */
START_TEST(test_vm_with_two_vcpus)
{
        struct hvt t;
        struct hvt_busy busy[3];
        struct hv_vcpu *vcpus[3];

        hvt_init(&t, HV_POLICY_RTDS, 2);
        hvt_vm(&t, "duo", 0);
        t.vcpus[0] =
            (struct hv_vcpu_config){ .core = 0, .budget_ps = 4 * MS, .period_ps = 10 * MS };
        t.vcpus[1] =
            (struct hv_vcpu_config){ .core = 1, .budget_ps = 2 * MS, .period_ps = 10 * MS };
        t.vms[0].vcpu_count = 2;
        t.config.vm_count = 2;
        (void)snprintf(t.vm_names[1], HVT_NAME, "solo");
        t.vcpus[2] =
            (struct hv_vcpu_config){ .core = 1, .budget_ps = 3 * MS, .period_ps = 10 * MS };
        t.vms[1] =
            (struct hv_vm_config){ .name = t.vm_names[1], .vcpu_count = 1, .vcpus = &t.vcpus[2] };
        hvt_build(&t, 20 * MS);
        vcpus[0] = hv_find_vcpu(t.hv, 0, 0);
        vcpus[1] = hv_find_vcpu(t.hv, 0, 1);
        vcpus[2] = hv_find_vcpu(t.hv, 1, 0);
        for (size_t i = 0; i < 3; i++) {
                ck_assert_ptr_nonnull(vcpus[i]);
                busy[i].port = hv_vcpu_exec_port(vcpus[i]);
                hvt_busy_done(&busy[i]);
        }
        hvt_go(&t, 20 * MS);
        ck_assert_uint_eq(hvt_metric(&t, "hv/vm/duo/vcpu/0", "run_time")->counter, 8 * MS);
        ck_assert_uint_eq(hvt_metric(&t, "hv/vm/duo/vcpu/1", "run_time")->counter, 4 * MS);
        ck_assert_uint_eq(hvt_metric(&t, "hv/vm/duo", "run_time")->counter, 12 * MS);
        ck_assert_uint_eq(hvt_metric(&t, "hv/vm/solo", "run_time")->counter, 6 * MS);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "world_switches"), 1);
        ck_assert_uint_eq(hvt_core_counter(&t, 1, "world_switches"), 5);
        hvt_free(&t);
}
END_TEST

/* Two VMs with one name, or a config the policy refuses: hv_create fails, nothing leaks. */
START_TEST(test_create_refused)
{
        struct hvt t;
        struct hv *hv = NULL;

        hvt_init(&t, HV_POLICY_STATIC, 2);
        hvt_vm(&t, "same", 0);
        hvt_vm(&t, "same", 1);
        t.sim = sim_create(NULL);
        t.metrics = metrics_create();
        for (size_t i = 0; i < 2; i++) {
                core_init(&t.cores[i], &t.core_configs[i], t.sim);
                t.ports[i] = core_exec_port(&t.cores[i]);
        }
        ck_assert_int_eq(hv_create(t.sim, &t.config, t.ports, t.core_name_ptrs, 2, t.metrics, &hv),
                         -EINVAL);
        t.vcpus[1].core = 0;
        (void)snprintf(t.vm_names[1], HVT_NAME, "other");
        ck_assert_int_eq(hv_create(t.sim, &t.config, t.ports, t.core_name_ptrs, 2, t.metrics, &hv),
                         -EINVAL);
        ck_assert_ptr_null(hv);
        ck_assert_uint_eq(sim_events_pending(t.sim), 0);
        hvt_free(&t);
}
END_TEST

/* The same configuration twice gives identical metrics (credit, three busy vCPUs, 200 ms). */
START_TEST(test_deterministic)
{
        struct hvt runs[2];

        for (size_t r = 0; r < 2; r++) {
                hvt_init(&runs[r], HV_POLICY_CREDIT, 1);
                hvt_vm(&runs[r], "a", 0)->weight = 100;
                hvt_vm(&runs[r], "b", 0)->weight = 300;
                hvt_vm(&runs[r], "c", 0)->cap_percent = 10;
                for (size_t i = 0; i < 3; i++)
                        hvt_busy(&runs[r], i);
                hvt_run(&runs[r], 200 * MS);
        }
        ck_assert_uint_eq(metrics_count(runs[0].metrics), metrics_count(runs[1].metrics));
        for (size_t i = 0; i < metrics_count(runs[0].metrics); i++) {
                const struct metric *a = metrics_at(runs[0].metrics, i);
                const struct metric *b = metrics_at(runs[1].metrics, i);

                ck_assert_uint_eq(a->counter, b->counter);
                ck_assert_uint_eq(a->histogram.count, b->histogram.count);
                ck_assert(a->histogram.sum == b->histogram.sum);
        }
        /* c's cap: 3 ms of every 30 ms period; 7 periods start in 200 ms, the last at 180 */
        ck_assert_uint_eq(hvt_run_time(&runs[0], 2), 7 * 3 * MS);
        hvt_free(&runs[0]);
        hvt_free(&runs[1]);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("hv_hypervisor");
        TCase *tc = tcase_create("hypervisor");
        SRunner *runner;
        int failed;

        tcase_add_test(tc, test_vcpu_port_contract);
        tcase_add_test(tc, test_vm_with_two_vcpus);
        tcase_add_test(tc, test_create_refused);
        tcase_add_test(tc, test_deterministic);
        suite_add_tcase(suite, tc);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
