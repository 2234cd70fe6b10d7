/*
 * World switches and traps as memory work (hv_set_irq_memory with the config's footprint
 * keys), on a real execution engine over an idle memory system, against hand-worked times.
 *
 * Platform: one core at 1 GHz (1 cycle = 1 ns) whose mem_exec engine (1 miss slot) runs both
 * the plain work and the segments; a private L1 of 32 KiB, 4 ways, 64-B lines, hit 2 cycles;
 * below it a memory that answers every line in F = 40 ns (the LLC-miss path to DRAM, fixed).
 * Hypervisor: ARINC 653 on the core, frame 1 ms, VM a [0, 500 us), VM b [500, 1000 us), each
 * vCPU always busy with plain guest work (which touches no cache). world_switch_cycles 1000,
 * trap entry 50 + exit 50 cycles; vcpu_context_bytes 1024, world_switch_instructions 4,
 * trap_instructions 4, tlb_refill_walks 4; the hypervisor's profile: sequential 64-B accesses,
 * one per instruction (CPI 1), over 256 B (4 lines).
 *
 * Costs of the memory pieces (each access: 1 ns of its instruction + 2 ns L1 lookup = 3 ns):
 *   context save or restore: 1024 / 8 = 128 accesses of 8 B over 16 lines.
 *     warm (all in L1): 128 x 3 = 384 ns.
 *     cold: the first access of each line misses; with one slot, line k's fill can only go
 *     when line k-1's returns (F = 40 > 8 accesses x 3 ns = 24): line 1 at 3 ns, line k at
 *     3 + (k-1) x 40, the last (k = 16) at 603, back at 643; the 7 accesses after it end at
 *     624 < 643, so the restore ends at 643 ns = 3 + 16 x F.
 *   hypervisor code, 4 accesses of 4 lines: warm 4 x 3 = 12 ns; cold as above with one
 *     access per line: the fills go at 3, 43, 83, 123 and the last returns at 163 ns.
 *   stage-2 walks, 4 dependent loads of 4 lines: warm 4 x 3 = 12 ns; cold each waits for its
 *     fill: 4 x (3 + 40) = 172 ns.
 * Region layout (base 0): hypervisor code [0, 256), contexts from 4096 (a, then b at 5120),
 * tables from 4096 + 4096 = 8192 (a) and 12288 (b): no two sets overflow, nothing is evicted.
 */
#include <check.h>
#include <stdlib.h>

#include "models/hv/hypervisor.h"
#include "models/hw/cache.h"
#include "models/hw/mem_exec.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

#define NS SIM_PS_PER_NS
#define US SIM_PS_PER_US
#define MS SIM_PS_PER_MS

#define MEMORY_LATENCY_PS (40 * NS)

static void memory_reply(struct sim *sim, void *arg)
{
        struct mem_request *req = arg;

        (void)sim;
        req->done(req, req->done_arg);
}

static struct sim *memory_sim;

static int memory_submit(void *target, struct mem_request *req)
{
        (void)target;
        return sim_schedule(memory_sim, sim_now(memory_sim) + MEMORY_LATENCY_PS, memory_reply,
                            req) == 0
                   ? -ENOMEM
                   : 0;
}

static const struct mem_port_ops memory_ops = { .submit = memory_submit };

struct fixture {
        struct sim *sim;
        struct metrics *metrics;
        struct cache_config l1_config;
        struct cache l1;
        struct mem_exec_config exec_config;
        struct mem_exec engine;
        struct hv_vcpu_config vcpus[2];
        struct hv_vm_config vms[2];
        struct hv_window_config windows[2];
        struct hv_core_schedule_config schedule;
        struct hv_config config;
        struct hv *hv;
        struct exec_port busy[2];
};

static const char *const core_names[] = { "cpu0" };
static char vm_a[] = "a";
static char vm_b[] = "b";

static const struct mem_profile hv_profile = { .name = "hv",
                                               .instructions = 4,
                                               .base_cpi = 1.0,
                                               .accesses_per_kilo_instruction = 1000,
                                               .working_set_bytes = 256,
                                               .pattern = MEM_PATTERN_SEQUENTIAL,
                                               .access_bytes = 64 };

static void busy_done(void *arg)
{
        struct exec_port *port = arg;

        ck_assert_int_eq(port->ops->start(port->resource, SIM_PS_PER_S, busy_done, port), 0);
}

static void fixture_init(struct fixture *f, bool memory)
{
        struct exec_port core;
        struct mem_exec_port segments;
        struct mem_port downstream = { .ops = &memory_ops, .target = NULL };

        *f = (struct fixture){ 0 };
        f->sim = sim_create(NULL);
        memory_sim = f->sim;
        f->metrics = metrics_create();
        ck_assert_ptr_nonnull(f->sim);
        ck_assert_ptr_nonnull(f->metrics);
        f->l1_config = (struct cache_config){ .name = "l1",
                                              .size_bytes = 32 << 10,
                                              .ways = 4,
                                              .line_bytes = 64,
                                              .replacement = CACHE_LRU,
                                              .seed = 1,
                                              .clock_hz = 1000000000,
                                              .hit_cycles = 2,
                                              .mshrs_per_initiator = 1,
                                              .initiators = 1 };
        ck_assert_int_eq(cache_init(&f->l1, &f->l1_config, f->sim, NULL), 0);
        f->exec_config = (struct mem_exec_config){ .clock_hz = 1000000000, .mshrs = 1 };
        ck_assert_int_eq(mem_exec_init(&f->engine, &f->exec_config, f->sim, &f->l1, &downstream),
                         0);
        f->vms[0] = (struct hv_vm_config){ .name = vm_a, .vcpu_count = 1, .vcpus = &f->vcpus[0] };
        f->vms[1] = (struct hv_vm_config){ .name = vm_b, .vcpu_count = 1, .vcpus = &f->vcpus[1] };
        f->windows[0] = (struct hv_window_config){ .vm = 0, .duration_ps = 500 * US };
        f->windows[1] = (struct hv_window_config){ .vm = 1, .duration_ps = 500 * US };
        f->schedule = (struct hv_core_schedule_config){ .major_frame_ps = 1 * MS,
                                                        .window_count = 2,
                                                        .windows = f->windows };
        f->config = (struct hv_config){ .policy = HV_POLICY_ARINC653,
                                        .world_switch_cycles = 1000,
                                        .trap_entry_cycles = 50,
                                        .trap_exit_cycles = 50,
                                        .vcpu_context_bytes = 1024,
                                        .world_switch_instructions = 4,
                                        .trap_instructions = 4,
                                        .tlb_refill_walks = 4,
                                        .vm_count = 2,
                                        .vms = f->vms,
                                        .schedule_count = 1,
                                        .schedules = &f->schedule };
        core = mem_exec_exec_port(&f->engine);
        ck_assert_int_eq(hv_create(f->sim, &f->config, &core, core_names, 1, f->metrics, &f->hv),
                         0);
        segments = mem_exec_segment_port(&f->engine);
        hv_set_memory(f->hv, &segments);
        if (memory)
                ck_assert_int_eq(hv_set_irq_memory(f->hv, &hv_profile, 4, 0, 0, 0, 1), 0);
        for (size_t vm = 0; vm < 2; vm++) {
                f->busy[vm] = hv_vcpu_exec_port(hv_find_vcpu(f->hv, vm, 0));
                busy_done(&f->busy[vm]);
        }
}

static void fixture_fini(struct fixture *f)
{
        hv_destroy(f->hv);
        mem_exec_fini(&f->engine);
        cache_fini(&f->l1);
        sim_destroy(f->sim);
        metrics_destroy(f->metrics);
}

static uint64_t core_counter(const struct fixture *f, const char *name)
{
        const struct metric *m = metrics_find(f->metrics, "hv/core/cpu0", name);

        ck_assert_ptr_nonnull(m);
        return m->counter;
}

static void trap_event(struct sim *sim, void *arg)
{
        struct fixture *f = arg;

        (void)sim;
        ck_assert_int_eq(hv_vcpu_trap(hv_find_vcpu(f->hv, 0, 0), 100), 0);
}

/*
 * Switch 1 at 0 (nothing loaded: no save): 1000 + hv code cold 163 + restore a cold 643 +
 * walks a cold 172 = 1978 ns.
 * Trap at 200 us on a: entry 50 + handler 100 + exit 50 = 200 ns plain, then the hv code
 * (warm since switch 1) 12 ns: 212 ns.
 * Switch 2 at 500 us (a -> b): 1000 + save a warm 384 + hv code warm 12 + restore b cold 643
 * + walks b cold 172 = 2211 ns.
 * Switch 3 at 1000 us (b -> a): 1000 + save b warm 384 + hv code 12 + restore a warm 384 +
 * walks a warm 12 = 1792 ns.
 */
START_TEST(test_switch_and_trap_costs)
{
        struct fixture f;

        fixture_init(&f, true);
        ck_assert_uint_ne(sim_schedule(f.sim, 200 * US, trap_event, &f), 0);
        ck_assert_int_eq(sim_run_until(f.sim, 100 * US), 0);
        ck_assert_uint_eq(core_counter(&f, "world_switch_time"), 1978 * NS);
        ck_assert_uint_eq(core_counter(&f, "hypervisor_time"), 1978 * NS);
        ck_assert_int_eq(sim_run_until(f.sim, 300 * US), 0);
        ck_assert_uint_eq(core_counter(&f, "hypervisor_time"), (1978 + 212) * NS);
        ck_assert_int_eq(sim_run_until(f.sim, 600 * US), 0);
        ck_assert_uint_eq(core_counter(&f, "world_switch_time"), (1978 + 2211) * NS);
        ck_assert_int_eq(sim_run_until(f.sim, 1100 * US), 0);
        ck_assert_int_eq(hv_error(f.hv), 0);
        ck_assert_uint_eq(core_counter(&f, "world_switches"), 3);
        ck_assert_uint_eq(core_counter(&f, "world_switch_time"), (1978 + 2211 + 1792) * NS);
        ck_assert_uint_eq(core_counter(&f, "hypervisor_time"), (1978 + 212 + 2211 + 1792) * NS);
        fixture_fini(&f);
}
END_TEST

/* Without the hypervisor's memory the footprint keys are ignored: every switch is the plain
 * 1000 ns and the trap the plain 200 ns. */
START_TEST(test_plain_without_memory)
{
        struct fixture f;

        fixture_init(&f, false);
        ck_assert_uint_ne(sim_schedule(f.sim, 200 * US, trap_event, &f), 0);
        ck_assert_int_eq(sim_run_until(f.sim, 1100 * US), 0);
        ck_assert_int_eq(hv_error(f.hv), 0);
        ck_assert_uint_eq(core_counter(&f, "world_switches"), 3);
        ck_assert_uint_eq(core_counter(&f, "world_switch_time"), 3 * 1000 * NS);
        ck_assert_uint_eq(core_counter(&f, "hypervisor_time"), (3 * 1000 + 200) * NS);
        fixture_fini(&f);
}
END_TEST

/* The footprint keys of scenarios/hypervisors/xen-like.json (1024, 1000, 300, 16, the numbers
 * written there), a scenario's own keys over them, and the bound on the context. */
START_TEST(test_loader_footprint_keys)
{
        struct scenario s;
        struct scenario_diag d;
        int rc = scenario_load("tests/unit/scenarios/hv_profile_xen.json", &s, &d);

        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        ck_assert_uint_eq(s.hypervisor->vcpu_context_bytes, 1024);
        ck_assert_uint_eq(s.hypervisor->world_switch_instructions, 1000);
        ck_assert_uint_eq(s.hypervisor->trap_instructions, 300);
        ck_assert_uint_eq(s.hypervisor->tlb_refill_walks, 16);
        scenario_free(&s);
        rc = scenario_load("tests/unit/scenarios/hv_footprint.json", &s, &d);
        ck_assert_msg(rc == 0, "%s:%d:%d %s: %s", d.file, d.line, d.column, d.path, d.message);
        ck_assert_uint_eq(s.hypervisor->vcpu_context_bytes, 2048);
        ck_assert_uint_eq(s.hypervisor->world_switch_instructions, 1000);
        ck_assert_uint_eq(s.hypervisor->tlb_refill_walks, 0);
        scenario_free(&s);
        rc = scenario_load("tests/unit/scenarios/bad_hv_footprint.json", &s, &d);
        ck_assert_int_eq(rc, -EINVAL);
        ck_assert_str_eq(d.path, "$.hypervisor.vcpu_context_bytes");
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("hv_memory");
        TCase *tc = tcase_create("memory");
        SRunner *runner;
        int failed;

        tcase_add_test(tc, test_switch_and_trap_costs);
        tcase_add_test(tc, test_plain_without_memory);
        tcase_add_test(tc, test_loader_footprint_keys);
        suite_add_tcase(suite, tc);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
