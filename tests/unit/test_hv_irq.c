/*
 * Interrupt delivery paths: a generic-timer interrupt into a guest without a hypervisor (AMP),
 * through the hypervisor's trapped path, by direct injection, and into a vCPU descheduled by
 * an ARINC 653 schedule; ISRs preempting jobs and activating event tasks.
 *
 * Cores at 1 GHz: 1 cycle = 1 ns = 1000 ps exactly. Costs used throughout:
 *   guest exception entry E = 100 cycles, ISR body B = 300 cycles;
 *   hypervisor path: entry 200 + handling 500 + injection 150 + exit 250 = H = 1100 cycles.
 * The latency is the edge to the ISR's first instruction, i.e. the end of the guest's entry.
 */
#include <check.h>
#include <stdlib.h>

#include "models/hw/gic.h"
#include "tests/unit/test_hv_harness.h"

#define ENTRY_CYCLES 100
#define BODY_CYCLES  300
#define IRQ          IRQ_PPI_VIRT_TIMER
#define IRQ_LIMIT    64

static char irqt_isr_name[] = "isr";

struct irqt {
        struct hvt t;
        struct gic *gic;
        struct isr_config isr;
        struct metric *latency;
        struct metric *raised;
        struct metric *merged;
        size_t vm; /* the VM (guest) the timer interrupts */
};

static void irqt_init(struct irqt *f, enum hv_policy policy, size_t cores)
{
        *f = (struct irqt){ 0 };
        hvt_init(&f->t, policy, cores);
        f->t.config.irq_entry_cycles = 200;
        f->t.config.irq_handling_cycles = 500;
        f->t.config.irq_injection_cycles = 150;
        f->t.config.irq_exit_cycles = 250;
        f->isr = (struct isr_config){
                .name = irqt_isr_name, .irq = IRQ, .cycles = BODY_CYCLES, .activates = SIZE_MAX
        };
}

/* VM `vm` gets a guest (even without tasks) that takes the timer with the ISR. */
static void irqt_guest(struct irqt *f, size_t vm)
{
        struct hvt_guest *guest = &f->t.guests[vm];

        if (!f->t.has_guest[vm]) {
                f->t.has_guest[vm] = true;
                guest->os = (struct os_config){ .name = f->t.vm_names[vm],
                                                .scheduler = OS_SCHED_FIXED_PRIORITY,
                                                .core_count = 1,
                                                .cores = &guest->os_core,
                                                .tasks = guest->tasks };
        }
        guest->os.exception_entry_cycles = ENTRY_CYCLES;
        guest->os.isr_count = 1;
        guest->os.isrs = &f->isr;
        f->vm = vm;
}

static int irqt_send_sgi(void *arg, uint32_t sgi, size_t core)
{
        return gic_send_sgi(arg, sgi, core);
}

/* Build everything, then a GIC with a periodic timer on the guest's core, wired bare (to the
 * guest directly) or through the hypervisor. */
static void irqt_build(struct irqt *f, sim_time_t period_ps, sim_time_t offset_ps, sim_time_t end)
{
        struct hvt *t = &f->t;
        size_t core = t->vcpus[f->vm].core;
        struct guest_os *os;
        struct irq_cpu_port port;
        struct irq_cpu_port physical[HVT_MAX_CORES];
        struct gic_timer_config timer = { .name = "timer",
                                          .cpu = core,
                                          .irq = IRQ,
                                          .period_ps = period_ps,
                                          .offset_ps = offset_ps };
        struct guest_os_irq_source source;

        hvt_build(t, end);
        os = t->guests[f->vm].model;
        ck_assert_int_eq(gic_create(t->sim, t->core_count, IRQ_LIMIT, &f->gic), 0);
        ck_assert_int_eq(gic_add_timer(f->gic, &timer), 0);
        f->latency = metrics_histogram(t->metrics, "irq/guest/timer", "latency", METRIC_UNIT_PS);
        f->raised = metrics_counter(t->metrics, "irq/guest/timer", "raised");
        f->merged = metrics_counter(t->metrics, "irq/guest/timer", "merged");
        ck_assert_ptr_nonnull(f->latency);
        ck_assert_int_eq(gic_set_irq_metrics(f->gic, core, IRQ, f->raised, f->merged), 0);
        source = (struct guest_os_irq_source){ .cpu = 0, .irq = f->isr.irq, .latency = f->latency };
        if (t->bare) {
                gic_set_signal(f->gic, core, guest_os_irq_signal(os, 0));
                port = gic_cpu_port(f->gic, core);
        } else {
                struct hv_vcpu *vcpu = hv_find_vcpu(t->hv, f->vm, 0);

                for (size_t c = 0; c < t->core_count; c++) {
                        physical[c] = gic_cpu_port(f->gic, c);
                        gic_set_signal(f->gic, c, hv_irq_signal(t->hv, c));
                }
                ck_assert_int_eq(
                    hv_set_interrupts(t->hv, physical, IRQ_LIMIT, t->core_name_ptrs, t->metrics),
                    0);
                ck_assert_int_eq(hv_route_irq(t->hv, core, IRQ, f->vm, 0, f->merged), 0);
                hv_set_ipi(t->hv, irqt_send_sgi, f->gic, 15);
                port = hv_vcpu_irq_port(vcpu);
                hv_vcpu_set_irq_signal(vcpu, guest_os_irq_signal(os, 0));
        }
        ck_assert_int_eq(guest_os_set_interrupts(os, &port, &source, 1, NULL, 1), 0);
        ck_assert_int_eq(gic_start(f->gic, end), 0);
}

static void irqt_free(struct irqt *f)
{
        gic_destroy(f->gic);
        hvt_free(&f->t);
}

static const struct histogram *irqt_latency(const struct irqt *f)
{
        return &f->latency->histogram;
}

/*
 * One VM with a task of 50 us every 1 ms (so its vCPU runs, and is resident, from t = 0); the
 * timer fires every 1 ms at offset 500 us, when the guest idles. 10 ms: 10 interrupts.
 */
static void idle_guest_run(struct irqt *f, bool bare, bool direct)
{
        irqt_init(f, HV_POLICY_STATIC, 1);
        f->t.bare = bare;
        f->t.config.direct_injection = direct;
        hvt_vm(&f->t, "guest", 0);
        hvt_task(&f->t, 0, "work", 1 * MS, 50000, 1);
        irqt_guest(f, 0);
        irqt_build(f, 1 * MS, 500 * US, 10 * MS);
        hvt_go(&f->t, 10 * MS);
}

/* AMP: latency = E = 100 ns for every interrupt. */
START_TEST(test_irq_amp_latency_is_exception_entry)
{
        struct irqt f;

        idle_guest_run(&f, true, false);
        ck_assert_uint_eq(f.raised->counter, 10);
        ck_assert_uint_eq(irqt_latency(&f)->count, 10);
        ck_assert_uint_eq(irqt_latency(&f)->min, ENTRY_CYCLES * NS);
        ck_assert_uint_eq(irqt_latency(&f)->max, ENTRY_CYCLES * NS);
        irqt_free(&f);
}
END_TEST

/* Trapped, static partitioning, idle system: latency = 200 + 500 + 150 + 250 + 100 = 1200 ns;
 * the hypervisor spent 10 x 1100 ns on the paths. */
START_TEST(test_irq_trapped_latency_sums_the_path)
{
        struct irqt f;

        idle_guest_run(&f, false, false);
        ck_assert_uint_eq(irqt_latency(&f)->count, 10);
        ck_assert_uint_eq(irqt_latency(&f)->min, 1200 * NS);
        ck_assert_uint_eq(irqt_latency(&f)->max, 1200 * NS);
        ck_assert_uint_eq(hvt_core_counter(&f.t, 0, "irqs"), 10);
        ck_assert_uint_eq(hvt_core_counter(&f.t, 0, "irq_time"), 10 * 1100 * NS);
        ck_assert_uint_eq(hvt_core_counter(&f.t, 0, "hypervisor_time"), 10 * 1100 * NS);
        irqt_free(&f);
}
END_TEST

/* Direct injection into the resident vCPU: exactly the AMP latency, no hypervisor work. */
START_TEST(test_irq_direct_injection_equals_amp)
{
        struct irqt f;

        idle_guest_run(&f, false, true);
        ck_assert_uint_eq(irqt_latency(&f)->count, 10);
        ck_assert_uint_eq(irqt_latency(&f)->min, ENTRY_CYCLES * NS);
        ck_assert_uint_eq(irqt_latency(&f)->max, ENTRY_CYCLES * NS);
        ck_assert_uint_eq(hvt_core_counter(&f.t, 0, "irqs"), 0);
        ck_assert_uint_eq(hvt_core_counter(&f.t, 0, "hypervisor_time"), 0);
        irqt_free(&f);
}
END_TEST

/*
 * ARINC 653, one core, frame 1 ms: the guest's window [0, 400 us), an always-busy VM's
 * [400, 1000 us); world switch W = 400 ns. The timer fires at 500 us (+ k ms), inside the busy
 * VM's window: the trapped path runs at once on the core (500 us .. 500 us + 1100 ns) and
 * leaves the virtual interrupt pending; the guest's window opens at 1000 us, the world switch
 * to it takes 400 ns, then the guest's entry 100 ns: latency = 500 us + 400 ns + 100 ns
 * = 500500 ns, whatever the path's own cost (it overlaps the wait). 3.5 ms: edges at 0.5,
 * 1.5 and 2.5 ms, delivered at 1, 2 and 3 ms + 500 ns.
 * With direct injection the result is the same: the guest is not resident then.
 */
static void arinc_run(struct irqt *f, bool direct)
{
        irqt_init(f, HV_POLICY_ARINC653, 1);
        f->t.config.world_switch_cycles = 400;
        f->t.config.direct_injection = direct;
        f->t.schedules[0].major_frame_ps = 1 * MS;
        hvt_vm(&f->t, "guest", 0);
        hvt_vm(&f->t, "busy", 0);
        hvt_busy(&f->t, 1);
        hvt_window(&f->t, 0, 0, 400 * US);
        hvt_window(&f->t, 0, 1, 600 * US);
        irqt_guest(f, 0);
        irqt_build(f, 1 * MS, 500 * US, 3500 * US);
        hvt_go(&f->t, 3500 * US);
}

START_TEST(test_irq_arinc653_waits_for_window)
{
        for (int direct = 0; direct <= 1; direct++) {
                struct irqt f;

                arinc_run(&f, direct != 0);
                ck_assert_uint_eq(irqt_latency(&f)->count, 3);
                ck_assert_uint_eq(irqt_latency(&f)->min, 500500 * NS);
                ck_assert_uint_eq(irqt_latency(&f)->max, 500500 * NS);
                ck_assert_uint_eq(hvt_core_counter(&f.t, 0, "irqs"), 3);
                irqt_free(&f);
        }
}
END_TEST

/*
 * Merging in the list registers: the ARINC 653 frame above, the timer every 100 us from
 * 450 us. Edges at 450, 550, ..., 950 us fall outside the guest's window: the first is
 * injected, the next 5 find it still pending and merge. At 1000 us the window opens: latency
 * of the 450 us edge = 550 us + W + E = 550500 ns. Then 1050 .. 1350 us are inside the window
 * (4 interrupts at 1.2 us each: the guest runs), 1450 .. 1950 us merge again (5), and so on.
 * Run to 1.5 ms: raised 11 (450 .. 1450), taken 1 + 4 = 5, merged 5, one pending at the end.
 */
START_TEST(test_irq_arinc653_merges_while_descheduled)
{
        struct irqt f;

        irqt_init(&f, HV_POLICY_ARINC653, 1);
        f.t.config.world_switch_cycles = 400;
        f.t.schedules[0].major_frame_ps = 1 * MS;
        hvt_vm(&f.t, "guest", 0);
        hvt_vm(&f.t, "busy", 0);
        hvt_busy(&f.t, 1);
        hvt_window(&f.t, 0, 0, 400 * US);
        hvt_window(&f.t, 0, 1, 600 * US);
        irqt_guest(&f, 0);
        irqt_build(&f, 100 * US, 450 * US, 1500 * US);
        hvt_go(&f.t, 1500 * US);
        ck_assert_uint_eq(f.raised->counter, 11);
        ck_assert_uint_eq(irqt_latency(&f)->count, 5);
        ck_assert_uint_eq(f.merged->counter, 5);
        ck_assert_uint_eq(irqt_latency(&f)->max, 550500 * NS);
        ck_assert_uint_eq(irqt_latency(&f)->min, 1200 * NS);
        irqt_free(&f);
}
END_TEST

/*
 * ISR preempting a job, AMP: a job of 10 us (10000 cycles) released at 0; the interrupt at
 * 2 us preempts it for E + B = 400 ns; the job keeps its remaining 8 us and completes at
 * 10.4 us. One preemption; the latency is E.
 */
START_TEST(test_irq_isr_preemption_conserves_work)
{
        struct irqt f;

        irqt_init(&f, HV_POLICY_STATIC, 1);
        f.t.bare = true;
        hvt_vm(&f.t, "guest", 0);
        hvt_task(&f.t, 0, "job", 1 * MS, 10000, 1);
        irqt_guest(&f, 0);
        irqt_build(&f, 1 * MS, 2 * US, 1 * MS);
        hvt_go(&f.t, 1 * MS);
        ck_assert_uint_eq(hvt_response(&f.t, 0, "job")->max, 10400 * NS);
        ck_assert_uint_eq(hvt_metric(&f.t, "os/guest/task/job", "preemptions")->counter, 1);
        ck_assert_uint_eq(irqt_latency(&f)->max, ENTRY_CYCLES * NS);
        irqt_free(&f);
}
END_TEST

/*
 * Same through the trapped path (static): the hypervisor path H = 1100 ns and the ISR
 * E + B = 400 ns both interrupt the job: it completes at 10 + 1.1 + 0.4 = 11.5 us.
 */
START_TEST(test_irq_trapped_preemption_conserves_work)
{
        struct irqt f;

        irqt_init(&f, HV_POLICY_STATIC, 1);
        hvt_vm(&f.t, "guest", 0);
        hvt_task(&f.t, 0, "job", 1 * MS, 10000, 1);
        irqt_guest(&f, 0);
        irqt_build(&f, 1 * MS, 2 * US, 1 * MS);
        hvt_go(&f.t, 1 * MS);
        ck_assert_uint_eq(hvt_response(&f.t, 0, "job")->max, 11500 * NS);
        ck_assert_uint_eq(irqt_latency(&f)->max, 1200 * NS);
        irqt_free(&f);
}
END_TEST

/* Direct injection into the running vCPU: exactly the AMP case above (latency E, completion
 * at 10.4 us), with no hypervisor work. */
START_TEST(test_irq_direct_preemption_equals_amp)
{
        struct irqt f;

        irqt_init(&f, HV_POLICY_STATIC, 1);
        f.t.config.direct_injection = true;
        hvt_vm(&f.t, "guest", 0);
        hvt_task(&f.t, 0, "job", 1 * MS, 10000, 1);
        irqt_guest(&f, 0);
        irqt_build(&f, 1 * MS, 2 * US, 1 * MS);
        hvt_go(&f.t, 1 * MS);
        ck_assert_uint_eq(hvt_response(&f.t, 0, "job")->max, 10400 * NS);
        ck_assert_uint_eq(irqt_latency(&f)->max, ENTRY_CYCLES * NS);
        ck_assert_uint_eq(hvt_core_counter(&f.t, 0, "hypervisor_time"), 0);
        irqt_free(&f);
}
END_TEST

/*
 * Physical interrupts wait while the hypervisor works: the guest's vCPU starts at 0 with a
 * world switch W = 5000 cycles (5 us); the timer fires at 2 us, inside it. The path starts
 * when the switch ends (5 us) and takes H = 1.1 us, then the guest's entry E: latency
 * = (5 - 2) + 1.1 + 0.1 = 4.2 us. The job (10 us) starts after all that: 5 + 1.1 + 0.4 = 6.5,
 * completes at 16.5 us.
 */
START_TEST(test_irq_masked_during_world_switch)
{
        struct irqt f;

        irqt_init(&f, HV_POLICY_STATIC, 1);
        f.t.config.world_switch_cycles = 5000;
        hvt_vm(&f.t, "guest", 0);
        hvt_task(&f.t, 0, "job", 1 * MS, 10000, 1);
        irqt_guest(&f, 0);
        irqt_build(&f, 1 * MS, 2 * US, 1 * MS);
        hvt_go(&f.t, 1 * MS);
        ck_assert_uint_eq(irqt_latency(&f)->max, 4200 * NS);
        ck_assert_uint_eq(hvt_response(&f.t, 0, "job")->max, 16500 * NS);
        ck_assert_uint_eq(hvt_core_counter(&f.t, 0, "hypervisor_time"), (5000 + 1100) * NS);
        irqt_free(&f);
}
END_TEST

/*
 * An ISR activating an event task (1000 cycles, no period), AMP: the interrupt at 5 us (+ k *
 * 100 us) ends its ISR at 5.4 us, which releases the job then (activation = release): response
 * time 1000 ns. 1 ms: 10 interrupts, 10 activations and completions.
 */
START_TEST(test_irq_isr_activates_event_task)
{
        struct irqt f;
        struct task_config *task;

        irqt_init(&f, HV_POLICY_STATIC, 1);
        f.t.bare = true;
        hvt_vm(&f.t, "guest", 0);
        task = hvt_task(&f.t, 0, "handler", 50 * US, 1000, 1);
        task->activation = TASK_EVENT;
        task->period_ps = 0;
        task->max_interarrival_ps = 0;
        f.isr.activates = 0;
        irqt_guest(&f, 0);
        irqt_build(&f, 100 * US, 5 * US, 1 * MS);
        hvt_go(&f.t, 1 * MS);
        ck_assert_uint_eq(irqt_latency(&f)->count, 10);
        ck_assert_uint_eq(hvt_metric(&f.t, "os/guest/task/handler", "activations")->counter, 10);
        ck_assert_uint_eq(hvt_response(&f.t, 0, "handler")->count, 10);
        ck_assert_uint_eq(hvt_response(&f.t, 0, "handler")->min, 1000 * NS);
        ck_assert_uint_eq(hvt_response(&f.t, 0, "handler")->max, 1000 * NS);
        ck_assert_uint_eq(hvt_metric(&f.t, "os/guest/task/handler", "deadline_misses")->counter, 0);
        irqt_free(&f);
}
END_TEST

/* VM 0's vCPU sends SGI 1 to VM 1's vCPU at 10 us. */
static void send_sgi(struct sim *sim, void *arg)
{
        struct hv *hv = arg;

        (void)sim;
        ck_assert_int_eq(hv_vcpu_send_sgi(hv_find_vcpu(hv, 0, 0), 1, hv_find_vcpu(hv, 1, 0)), 0);
}

/*
 * An IPI between vCPUs (GIC SGI 1), sent by VM a's guest at 10 us while its 50 us job runs;
 * trap entry 150, exit 100 and injection 150 cycles: the sender's trap takes 400 ns.
 *  - other core (static, a on cpu0, b on cpu1): then the hypervisor's IPI reaches cpu1, whose
 *    interrupt path H = 1100 ns injects it, and b's entry E = 100 ns: latency 1600 ns;
 *  - same core (fixed priority, b above a, both full budgets): injected when the trap ends,
 *    b preempts a (no switch cost), entry 100 ns: latency 500 ns.
 * Either way a's job completes at 50 + 0.4 us (plus b's 400 ns ISR on the shared core).
 */
static void ipi_run(struct irqt *f, bool same_core)
{
        struct hv_vcpu_config *a, *b;

        irqt_init(f, same_core ? HV_POLICY_FIXED_PRIORITY : HV_POLICY_STATIC, 2);
        f->t.config.trap_entry_cycles = 150;
        f->t.config.trap_exit_cycles = 100;
        a = hvt_vm(&f->t, "a", 0);
        b = hvt_vm(&f->t, "b", same_core ? 0 : 1);
        if (same_core) {
                *a = (struct hv_vcpu_config){
                        .core = 0, .priority = 1, .budget_ps = MS, .period_ps = MS
                };
                *b = (struct hv_vcpu_config){
                        .core = 0, .priority = 2, .budget_ps = MS, .period_ps = MS
                };
        }
        hvt_task(&f->t, 0, "job", 1 * MS, 50000, 1);
        irqt_guest(f, 1);
        f->isr.irq = 1;
        irqt_build(f, 1 * MS, 1 * MS, 1 * MS); /* the timer never fires */
        ck_assert_uint_ne(sim_schedule(f->t.sim, 10 * US, send_sgi, f->t.hv), 0);
        hvt_go(&f->t, 1 * MS);
}

START_TEST(test_irq_ipi_between_vcpus)
{
        struct irqt f;

        ipi_run(&f, false);
        ck_assert_uint_eq(irqt_latency(&f)->count, 1);
        ck_assert_uint_eq(irqt_latency(&f)->max, 1600 * NS);
        ck_assert_uint_eq(hvt_response(&f.t, 0, "job")->max, 50400 * NS);
        ck_assert_uint_eq(hvt_core_counter(&f.t, 1, "irqs"), 1);
        ck_assert_uint_eq(hvt_metric(&f.t, "hv/vm/a/vcpu/0", "traps")->counter, 1);
        irqt_free(&f);

        ipi_run(&f, true);
        ck_assert_uint_eq(irqt_latency(&f)->count, 1);
        ck_assert_uint_eq(irqt_latency(&f)->max, 500 * NS);
        ck_assert_uint_eq(hvt_response(&f.t, 0, "job")->max, 50800 * NS);
        ck_assert_uint_eq(hvt_core_counter(&f.t, 0, "irqs"), 0);
        irqt_free(&f);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("hv_irq");
        TCase *tc = tcase_create("irq");
        SRunner *runner;
        int failed;

        tcase_add_test(tc, test_irq_amp_latency_is_exception_entry);
        tcase_add_test(tc, test_irq_trapped_latency_sums_the_path);
        tcase_add_test(tc, test_irq_direct_injection_equals_amp);
        tcase_add_test(tc, test_irq_arinc653_waits_for_window);
        tcase_add_test(tc, test_irq_arinc653_merges_while_descheduled);
        tcase_add_test(tc, test_irq_isr_preemption_conserves_work);
        tcase_add_test(tc, test_irq_trapped_preemption_conserves_work);
        tcase_add_test(tc, test_irq_isr_activates_event_task);
        tcase_add_test(tc, test_irq_direct_preemption_equals_amp);
        tcase_add_test(tc, test_irq_masked_during_world_switch);
        tcase_add_test(tc, test_irq_ipi_between_vcpus);
        suite_add_tcase(suite, tc);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
