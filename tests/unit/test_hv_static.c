/*
 * Static partitioning: a guest on a pinned vCPU behaves exactly as on the bare core when the
 * hypervisor costs nothing, and world-switch and trap costs appear as configured.
 * Cores at 1 GHz: 1 cycle = 1 ns.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "tests/unit/test_hv_harness.h"

/*
 * The rate-monotonic set of test_os_fixed_priority (C/T in us: 1/5, 4/8, 3/20, 2/40, 2/80,
 * U = 0.925), whose response-time analysis gives worst cases 1, 5, 14, 30, 38 us; two
 * hyperperiods (160 us). On a static vCPU with zero costs the guest must see the same
 * instants as on the bare core: every histogram (count, min, max, sum) equal, the maxima equal
 * to the analysis. The vCPU is loaded once (one world switch, 0 ps of hypervisor time), it
 * runs 0.925 * 160 = 148 us of guest work, and it never waits (every wait sample is 0).
 */
static const struct {
        const char *name;
        uint64_t c_us, t_us, wcrt_us;
} rta_set[] = {
        { "t1", 1, 5, 1 },   { "t2", 4, 8, 5 },   { "t3", 3, 20, 14 },
        { "t4", 2, 40, 30 }, { "t5", 2, 80, 38 },
};

static void rta_run(struct hvt *t, bool bare)
{
        hvt_init(t, HV_POLICY_STATIC, 2);
        t->bare = bare;
        hvt_vm(t, "rtos", 1);
        for (size_t i = 0; i < 5; i++)
                hvt_task(t, 0, rta_set[i].name, rta_set[i].t_us * US, rta_set[i].c_us * 1000,
                         (uint32_t)(5 - i));
        hvt_run(t, 160 * US);
}

START_TEST(test_static_matches_bare_core)
{
        struct hvt bare, virt;

        rta_run(&bare, true);
        rta_run(&virt, false);
        for (size_t i = 0; i < 5; i++) {
                const struct histogram *a = hvt_response(&bare, 0, rta_set[i].name);
                const struct histogram *b = hvt_response(&virt, 0, rta_set[i].name);

                ck_assert_uint_eq(a->count, 160 / rta_set[i].t_us);
                ck_assert_uint_eq(b->count, a->count);
                ck_assert_uint_eq(b->min, a->min);
                ck_assert_uint_eq(b->max, a->max);
                ck_assert(a->sum == b->sum);
                ck_assert_uint_eq(b->max, rta_set[i].wcrt_us * US);
        }
        ck_assert_uint_eq(hvt_core_counter(&virt, 1, "world_switches"), 1);
        ck_assert_uint_eq(hvt_core_counter(&virt, 1, "hypervisor_time"), 0);
        ck_assert_uint_eq(hvt_core_counter(&virt, 0, "world_switches"), 0);
        ck_assert_uint_eq(hvt_run_time(&virt, 0), 148 * US);
        ck_assert_uint_eq(hvt_metric(&virt, "hv/vm/rtos", "run_time")->counter, 148 * US);
        ck_assert_uint_eq(core_busy_ps(&virt.cores[1], 160 * US), 148 * US);
        ck_assert_uint_eq(core_busy_ps(&bare.cores[1], 160 * US), 148 * US);
        ck_assert_uint_gt(hvt_wait(&virt, 0)->count, 0);
        ck_assert_uint_eq(hvt_wait(&virt, 0)->max, 0);
        hvt_free(&bare);
        hvt_free(&virt);
}
END_TEST

/*
 * World switch 500 cycles = 500 ns; one task C = 2 us, T = 10 us, run 50 us. The vCPU's
 * context is loaded once, before the first job: that job completes at 0.5 + 2 = 2.5 us, the
 * four later ones in 2 us (the context stays loaded while the guest idles). One world switch,
 * 500 ns of hypervisor time; the core is busy 5 * 2 + 0.5 = 10.5 us, guest run time 10 us.
 */
START_TEST(test_static_world_switch_cost)
{
        struct hvt t;
        const struct histogram *response;

        hvt_init(&t, HV_POLICY_STATIC, 1);
        t.config.world_switch_cycles = 500;
        hvt_vm(&t, "vm", 0);
        hvt_task(&t, 0, "t", 10 * US, 2000, 1);
        hvt_run(&t, 50 * US);
        response = hvt_response(&t, 0, "t");
        ck_assert_uint_eq(response->count, 5);
        ck_assert_uint_eq(response->max, 2500 * NS);
        ck_assert_uint_eq(response->min, 2000 * NS);
        ck_assert(response->sum == 10500 * NS);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "world_switches"), 1);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "hypervisor_time"), 500 * NS);
        ck_assert_uint_eq(hvt_run_time(&t, 0), 10 * US);
        ck_assert_uint_eq(core_busy_ps(&t.cores[0], 50 * US), 10500 * NS);
        hvt_free(&t);
}
END_TEST

/*
 * Traps: entry 100 cycles, exit 50 cycles, handler 1000 cycles: 1150 ns per trap. Task
 * C = 5 us, T = 20 us, run 40 us, zero world-switch cost.
 *   at 2 us, while the job runs, a trap: the guest's work pauses 2 - 3.15 us and the job
 *   completes at 5 + 1.15 = 6.15 us (R = 6.15 us);
 *   at 30 us, the vCPU idle (job 1 ran 20-25), a trap: the vCPU becomes runnable, is
 *   dispatched at once (wait 0) and the core executes it 30 - 31.15 us; job 1 responds in 5.
 * traps = 2, hypervisor time 2300 ns, core busy 10 + 2.3 = 12.3 us, guest run time 10 us.
 */
struct trap_at {
        struct hvt *t;
        uint64_t handler_cycles;
};

static void raise_trap(struct sim *sim, void *arg)
{
        struct trap_at *trap = arg;

        (void)sim;
        ck_assert_int_eq(hv_vcpu_trap(hv_find_vcpu(trap->t->hv, 0, 0), trap->handler_cycles), 0);
}

START_TEST(test_static_trap_cost)
{
        struct hvt t;
        struct trap_at trap = { .t = &t, .handler_cycles = 1000 };
        const struct histogram *response;

        hvt_init(&t, HV_POLICY_STATIC, 1);
        t.config.trap_entry_cycles = 100;
        t.config.trap_exit_cycles = 50;
        hvt_vm(&t, "vm", 0);
        hvt_task(&t, 0, "t", 20 * US, 5000, 1);
        hvt_build(&t, 40 * US);
        ck_assert_uint_ne(sim_schedule(t.sim, 2 * US, raise_trap, &trap), 0);
        ck_assert_uint_ne(sim_schedule(t.sim, 30 * US, raise_trap, &trap), 0);
        hvt_go(&t, 40 * US);
        response = hvt_response(&t, 0, "t");
        ck_assert_uint_eq(response->count, 2);
        ck_assert_uint_eq(response->max, 6150 * NS);
        ck_assert_uint_eq(response->min, 5000 * NS);
        ck_assert_uint_eq(hvt_metric(&t, "hv/vm/vm/vcpu/0", "traps")->counter, 2);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "hypervisor_time"), 2300 * NS);
        ck_assert_uint_eq(hvt_run_time(&t, 0), 10 * US);
        ck_assert_uint_eq(core_busy_ps(&t.cores[0], 40 * US), 12300 * NS);
        ck_assert_uint_eq(hvt_wait(&t, 0)->max, 0);
        hvt_free(&t);
}
END_TEST

/* Configurations static partitioning cannot run are refused before anything is built. */
START_TEST(test_static_invalid)
{
        struct hvt t;

        hvt_init(&t, HV_POLICY_STATIC, 2);
        hvt_vm(&t, "a", 0);
        hvt_vm(&t, "b", 0); /* two vCPUs on one core */
        ck_assert_int_eq(hv_check_config(&t.config, 2), -EINVAL);
        t.vcpus[1].core = 1;
        ck_assert_int_eq(hv_check_config(&t.config, 2), 0);
        t.vcpus[1].core = 2; /* no such core */
        ck_assert_int_eq(hv_check_config(&t.config, 2), -EINVAL);
        t.vcpus[1].core = 1;
        t.config.policy = (enum hv_policy)42;
        ck_assert_int_eq(hv_check_config(&t.config, 2), -EINVAL);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("hv_static");
        TCase *tc = tcase_create("static");
        SRunner *runner;
        int failed;

        tcase_add_test(tc, test_static_matches_bare_core);
        tcase_add_test(tc, test_static_world_switch_cost);
        tcase_add_test(tc, test_static_trap_cost);
        tcase_add_test(tc, test_static_invalid);
        suite_add_tcase(suite, tc);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
