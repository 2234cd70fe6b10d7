/*
 * Colours carried by segments the hypervisor runs: a VM's colour mask follows its vCPU's
 * guest segments onto a shared core (hv_set_vm_colours), and the hypervisor's interrupt path
 * runs as a segment of its own profile in its own colours (hv_set_irq_memory). The memory
 * engine is replaced by a recorder that completes every segment after 1 us and notes the
 * colouring each segment carried when it was started.
 *
 * Cores at 1 GHz (1 cycle = 1 ns). ARINC 653 on cpu0, frame 1 ms: VM a [0, 500 us), VM b
 * [500, 1000 us); each guest has a task with a memory profile released every 1 ms at 0.
 */
#include <check.h>
#include <stdlib.h>

#include "models/hw/gic.h"
#include "tests/unit/test_hv_harness.h"

#define STARTS 16

/* A segment engine that records what it is given. */
struct recorder {
        struct sim *sim;
        sim_event_id event;
        exec_done_fn done;
        void *done_arg;
        size_t starts;
        bool own[STARTS];
        uint64_t mask[STARTS];
        uint64_t base[STARTS];
        uint64_t instructions[STARTS];
        sim_time_t at[STARTS];
};

static void recorder_fire(struct sim *sim, void *arg)
{
        struct recorder *r = arg;

        (void)sim;
        r->event = 0;
        r->done(r->done_arg);
}

static int recorder_start(void *resource, struct mem_exec_segment *seg, exec_done_fn done,
                          void *arg)
{
        struct recorder *r = resource;

        if (r->starts < STARTS) {
                r->own[r->starts] = seg->own_colours;
                r->mask[r->starts] = seg->colour_mask;
                r->base[r->starts] = seg->colour_base;
                r->instructions[r->starts] = seg->instructions_left;
                r->at[r->starts] = sim_now(r->sim);
        }
        r->starts++;
        r->done = done;
        r->done_arg = arg;
        r->event = sim_schedule_prio(r->sim, sim_now(r->sim) + US, SIM_PRIO_HIGH, recorder_fire, r);
        return r->event == 0 ? -ENOMEM : 0;
}

static void recorder_preempt(void *resource)
{
        struct recorder *r = resource;

        if (r->event != 0)
                (void)sim_cancel(r->sim, r->event);
        r->event = 0;
}

static bool recorder_busy(const void *resource)
{
        const struct recorder *r = resource;

        return r->event != 0;
}

static const struct mem_exec_port_ops recorder_ops = {
        .start = recorder_start,
        .preempt = recorder_preempt,
        .busy = recorder_busy,
};

static char profile_name[] = "work";

static const struct memory_profile_config profile = {
        .name = profile_name,
        .instructions = 700,
        .base_cpi = 1.0,
        .accesses_per_kilo_instruction = 100,
        .working_set_bytes = 4096,
        .pattern = MEMORY_SEQUENTIAL,
};

/*
 * a's job starts at 0 in a's colours (mask 0x3, base 0); b's at 500 us, in "no colours"
 * (mask 0, base 1 << 40) although b shares the core: its segment carries its own mask. The
 * recorder completes each in 1 us.
 */
START_TEST(test_vm_colours_follow_vcpus)
{
        struct hvt t;
        struct recorder r = { 0 };
        struct mem_exec_port engine;
        uint64_t base = 0;
        struct metrics *extra = metrics_create(); /* the profiled tasks' counters */

        hvt_init(&t, HV_POLICY_ARINC653, 1);
        t.schedules[0].major_frame_ps = 1 * MS;
        hvt_vm(&t, "a", 0);
        hvt_vm(&t, "b", 0);
        hvt_window(&t, 0, 0, 500 * US);
        hvt_window(&t, 0, 1, 500 * US);
        for (size_t vm = 0; vm < 2; vm++) {
                struct task_config *task = hvt_task(&t, vm, "job", 1 * MS, 1000, 1);

                task->profile = &profile;
                task->instructions = 700;
                t.guests[vm].task_metrics[0].instructions =
                    metrics_counter(extra, t.vm_names[vm], "instructions");
                t.guests[vm].task_metrics[0].l1_misses =
                    metrics_counter(extra, t.vm_names[vm], "l1_misses");
                t.guests[vm].task_metrics[0].llc_misses =
                    metrics_counter(extra, t.vm_names[vm], "llc_misses");
        }
        hvt_build(&t, 1 * MS);
        r.sim = t.sim;
        engine = (struct mem_exec_port){ .ops = &recorder_ops, .resource = &r };
        hv_set_memory(t.hv, &engine);
        for (size_t vm = 0; vm < 2; vm++) {
                struct mem_exec_port port = hv_vcpu_segment_port(hv_find_vcpu(t.hv, vm, 0));

                ck_assert_int_eq(guest_os_set_memory(t.guests[vm].model, &port, &base, 1, 64), 0);
        }
        hv_set_vm_colours(t.hv, 0, 0x3, 0);
        hv_set_vm_colours(t.hv, 1, 0, 1ULL << 40);
        hvt_go(&t, 1 * MS);
        ck_assert_uint_eq(r.starts, 2);
        ck_assert_uint_eq(r.at[0], 0);
        ck_assert(r.own[0]);
        ck_assert_uint_eq(r.mask[0], 0x3);
        ck_assert_uint_eq(r.base[0], 0);
        ck_assert_uint_eq(r.at[1], 500 * US);
        ck_assert(r.own[1]);
        ck_assert_uint_eq(r.mask[1], 0);
        ck_assert_uint_eq(r.base[1], 1ULL << 40);
        ck_assert_uint_eq(hvt_response(&t, 0, "job")->max, 1 * US);
        ck_assert_uint_eq(hvt_response(&t, 1, "job")->max, 501 * US);
        hvt_free(&t);
        metrics_destroy(extra);
}
END_TEST

static int send_sgi(void *arg, uint32_t sgi, size_t core)
{
        return gic_send_sgi(arg, sgi, core);
}

/*
 * The hypervisor's interrupt path with a memory profile: entry 200 cycles, then the handling
 * as a segment of 1500 instructions in colours 0x10 from base 7 << 40 (the recorder takes
 * 1 us), then exit 250 cycles: a PPI at 100 us on an idle core (no guest work) is injected at
 * 100 us + 200 ns + 1 us + 250 ns; the segment started at 100.2 us. hypervisor_time and
 * irq_time = 1450 ns.
 */
START_TEST(test_hv_irq_path_as_segment)
{
        struct hvt t;
        struct recorder r = { 0 };
        struct mem_exec_port engine;
        struct gic *gic;
        struct irq_cpu_port physical;
        struct mem_profile hv_profile = { .name = "hv",
                                          .instructions = 1500,
                                          .base_cpi = 1.0,
                                          .accesses_per_kilo_instruction = 250,
                                          .working_set_bytes = 16384,
                                          .pattern = MEM_PATTERN_RANDOM };
        struct gic_timer_config timer = {
                .name = "t", .cpu = 0, .irq = 27, .period_ps = 1 * MS, .offset_ps = 100 * US
        };

        hvt_init(&t, HV_POLICY_STATIC, 1);
        t.config.irq_entry_cycles = 200;
        t.config.irq_handling_cycles = 500; /* replaced by the segment */
        t.config.irq_exit_cycles = 250;
        hvt_vm(&t, "a", 0);
        hvt_build(&t, 1 * MS);
        r.sim = t.sim;
        engine = (struct mem_exec_port){ .ops = &recorder_ops, .resource = &r };
        hv_set_memory(t.hv, &engine);
        ck_assert_int_eq(gic_create(t.sim, 1, 32, &gic), 0);
        ck_assert_int_eq(gic_add_timer(gic, &timer), 0);
        physical = gic_cpu_port(gic, 0);
        gic_set_signal(gic, 0, hv_irq_signal(t.hv, 0));
        hv_set_ipi(t.hv, send_sgi, gic, 15);
        ck_assert_int_eq(hv_set_interrupts(t.hv, &physical, 32, t.core_name_ptrs, t.metrics), 0);
        ck_assert_int_eq(hv_route_irq(t.hv, 0, 27, 0, 0, NULL), 0);
        ck_assert_int_eq(hv_set_irq_memory(t.hv, &hv_profile, 1500, 0, 0x10, 7ULL << 40, 1), 0);
        ck_assert_int_eq(gic_start(gic, 1 * MS), 0);
        hvt_go(&t, 1 * MS);
        ck_assert_uint_eq(r.starts, 1);
        ck_assert_uint_eq(r.at[0], 100 * US + 200 * NS);
        ck_assert(r.own[0]);
        ck_assert_uint_eq(r.mask[0], 0x10);
        ck_assert_uint_eq(r.base[0], 7ULL << 40);
        ck_assert_uint_eq(r.instructions[0], 1500);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "irqs"), 1);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "irq_time"), 1450 * NS);
        ck_assert_uint_eq(hvt_core_counter(&t, 0, "hypervisor_time"), 1450 * NS);
        gic_destroy(gic);
        hvt_free(&t);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("hv_colours");
        TCase *tc = tcase_create("colours");
        SRunner *runner;
        int failed;

        tcase_add_test(tc, test_vm_colours_follow_vcpus);
        tcase_add_test(tc, test_hv_irq_path_as_segment);
        suite_add_tcase(suite, tc);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
