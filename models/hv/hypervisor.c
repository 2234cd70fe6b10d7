#include "models/hv/hypervisor.h"

#include <assert.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/hv/hypervisor_priv.h"
#include "sim/trace.h"
#include "sim/text.h"

/* Register accesses of a context save or restore, cache lines, pages of the region layout. */
#define HV_CONTEXT_ACCESS_BYTES 8u
#define HV_LINE_BYTES           64u
#define HV_PAGE_BYTES           4096u

static const struct hv_policy_ops *hv_policy_ops(enum hv_policy policy)
{
        switch (policy) {
        case HV_POLICY_STATIC:
                return &hv_policy_static_ops;
        case HV_POLICY_ARINC653:
                return &hv_policy_arinc653_ops;
        case HV_POLICY_FIXED_PRIORITY:
                return &hv_policy_fixed_priority_ops;
        case HV_POLICY_RTDS:
                return &hv_policy_rtds_ops;
        case HV_POLICY_CREDIT:
                return &hv_policy_credit_ops;
        default:
                return NULL;
        }
}

size_t hv_vcpu_index(const struct hv_config *config, size_t vm, size_t vcpu)
{
        size_t index = 0;

        if (vm >= config->vm_count || vcpu >= config->vms[vm].vcpu_count)
                return SIZE_MAX;
        for (size_t i = 0; i < vm; i++)
                index += config->vms[i].vcpu_count;
        return index + vcpu;
}

void hv_server_update(struct hv_server *server, sim_time_t now)
{
        if (now < server->period_end_ps)
                return;
        server->period_end_ps +=
            (now - server->period_end_ps) / server->period_ps * server->period_ps +
            server->period_ps;
        server->left_ps = server->budget_ps;
}

int hv_servers_create(const struct hv *hv, sim_time_t default_budget_ps,
                      sim_time_t default_period_ps, void **state)
{
        struct hv_server *servers = calloc(hv->vcpu_count ? hv->vcpu_count : 1, sizeof(*servers));

        if (servers == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < hv->vcpu_count; i++) {
                const struct hv_vcpu_config *config = hv->vcpus[i].config;
                sim_time_t budget = config->budget_ps ? config->budget_ps : default_budget_ps;
                sim_time_t period = config->period_ps ? config->period_ps : default_period_ps;

                servers[i] = (struct hv_server){ .budget_ps = budget,
                                                 .period_ps = period,
                                                 .left_ps = budget,
                                                 .period_end_ps = period };
        }
        *state = servers;
        return 0;
}

void hv_servers_destroy(void *state)
{
        free(state);
}

void hv_servers_charge(void *state, struct hv_vcpu *vcpu, sim_time_t held_ps)
{
        struct hv_server *server = &((struct hv_server *)state)[vcpu->index];

        server->left_ps -= held_ps < server->left_ps ? held_ps : server->left_ps;
}

/* Whether `a` (vCPU i of VM va) conflicts with an earlier vCPU on its core. */
static bool hv_conflicts_with_earlier(const struct hv_config *config, size_t va, size_t i,
                                      bool (*conflict)(const struct hv_vcpu_config *a,
                                                       const struct hv_vcpu_config *b))
{
        const struct hv_vcpu_config *a = &config->vms[va].vcpus[i];

        for (size_t vb = 0; vb <= va; vb++) {
                size_t limit = vb == va ? i : config->vms[vb].vcpu_count;

                for (size_t j = 0; j < limit; j++) {
                        const struct hv_vcpu_config *b = &config->vms[vb].vcpus[j];

                        if (a->core == b->core && conflict(a, b))
                                return true;
                }
        }
        return false;
}

int hv_check_pairs_on_core(const struct hv_config *config,
                           bool (*conflict)(const struct hv_vcpu_config *a,
                                            const struct hv_vcpu_config *b))
{
        for (size_t v = 0; v < config->vm_count; v++) {
                for (size_t i = 0; i < config->vms[v].vcpu_count; i++) {
                        if (hv_conflicts_with_earlier(config, v, i, conflict))
                                return -EINVAL;
                }
        }
        return 0;
}

int hv_check_config(const struct hv_config *config, size_t core_count)
{
        const struct hv_policy_ops *policy = hv_policy_ops(config->policy);

        if (policy == NULL)
                return -EINVAL;
        for (size_t v = 0; v < config->vm_count; v++) {
                const struct hv_vm_config *vm = &config->vms[v];

                if (vm->name == NULL ||
                    (vm->boot.present && (vm->boot.load_bytes_per_s == 0 ||
                                          (vm->boot.after != SIZE_MAX && vm->boot.after >= v))))
                        return -EINVAL;
                for (size_t c = 0; c < vm->vcpu_count; c++) {
                        if (vm->vcpus[c].core >= core_count)
                                return -EINVAL;
                }
        }
        return policy->check(config, core_count);
}

static void hv_fail(struct hv *hv, int err)
{
        if (hv->error == 0)
                hv->error = err;
        sim_stop(hv->sim);
}

/* ---- per-core dispatch ---- */

static void hv_pcpu_request(struct hv_pcpu *pcpu);
static void hv_pcpu_advance(struct hv_pcpu *pcpu);

static void hv_pcpu_add_run_time(struct hv_pcpu *pcpu, sim_time_t now)
{
        sim_time_t ran = now - pcpu->work_started_ps;

        metric_add(pcpu->current->run_time, ran);
        metric_add(pcpu->current->vm_run_time, ran);
        pcpu->work_started_ps = now;
}

/* Take the running vCPU's guest work off the core and keep what is left. */
static void hv_pcpu_pause_guest(struct hv_pcpu *pcpu)
{
        struct hv_vcpu *vcpu = pcpu->current;

        assert(pcpu->state == HV_PCPU_GUEST);
        if (vcpu->segment != NULL)
                pcpu->segments.ops->preempt(pcpu->segments.resource);
        else
                vcpu->remaining_ps = pcpu->port.ops->preempt(pcpu->port.resource);
        hv_pcpu_add_run_time(pcpu, sim_now(pcpu->hv->sim));
        pcpu->state = HV_PCPU_FREE;
}

static bool hv_pcpu_take_irq(struct hv_pcpu *pcpu);
static bool hv_pcpu_start_boot(struct hv_pcpu *pcpu);
static void hv_vm_booted(struct hv *hv, size_t vm);
static void hv_pcpu_irq_stage_done(struct hv_pcpu *pcpu);
static void hv_vcpu_flush_sgis(struct hv_vcpu *vcpu);

/* Hypervisor work has ended: physical interrupts first, then a deferred decision, then the
 * current vCPU's next step. */
static void hv_pcpu_after_work(struct hv_pcpu *pcpu)
{
        if (hv_pcpu_start_boot(pcpu))
                return;
        if (hv_pcpu_take_irq(pcpu))
                return;
        if (pcpu->decide_after_work) {
                pcpu->decide_after_work = false;
                hv_pcpu_request(pcpu);
                return;
        }
        hv_pcpu_advance(pcpu);
}

static void hv_pcpu_work_done(void *arg);

/* Start pieces[piece_next] of the world switch or trap with memory in progress. */
static int hv_pcpu_start_piece(struct hv_pcpu *pcpu)
{
        struct hv *hv = pcpu->hv;
        const struct hv_piece *piece = &pcpu->pieces[pcpu->piece_next++];

        pcpu->piece_on_segment = piece->profile != NULL;
        if (piece->profile == NULL)
                return pcpu->port.ops->start(pcpu->port.resource, piece->plain_ps,
                                             hv_pcpu_work_done, pcpu);
        mem_exec_segment_init(&pcpu->piece_segment, piece->profile, piece->gen,
                              piece->instructions);
        mem_exec_segment_set_colours(&pcpu->piece_segment, hv->irq_colour_mask,
                                     hv->irq_colour_base);
        return pcpu->segments.ops->start(pcpu->segments.resource, &pcpu->piece_segment,
                                         hv_pcpu_work_done, pcpu);
}

/* A piece has ended: start the next one (returns true), or close the sequence, whose work is
 * then its whole duration. */
static bool hv_pcpu_next_piece(struct hv_pcpu *pcpu, enum hv_pcpu_state state)
{
        int err;

        if (pcpu->piece_next < pcpu->piece_count) {
                pcpu->state = state;
                err = hv_pcpu_start_piece(pcpu);
                if (err != 0) {
                        pcpu->state = HV_PCPU_FREE;
                        hv_fail(pcpu->hv, err);
                }
                return true;
        }
        pcpu->piece_count = 0;
        pcpu->piece_on_segment = false;
        pcpu->work_ps = sim_now(pcpu->hv->sim) - pcpu->work_started_ps;
        return false;
}

static void hv_pcpu_work_done(void *arg)
{
        struct hv_pcpu *pcpu = arg;
        struct hv_vcpu *vcpu = pcpu->current;
        enum hv_pcpu_state state = pcpu->state;

        pcpu->state = HV_PCPU_FREE;
        if (state == HV_PCPU_GUEST) {
                hv_pcpu_add_run_time(pcpu, sim_now(pcpu->hv->sim));
                vcpu->busy = false;
                vcpu->remaining_ps = 0;
                vcpu->segment = NULL;
                vcpu->done(vcpu->done_arg);
                hv_pcpu_request(pcpu);
                return;
        }
        if (state == HV_PCPU_IRQ) {
                hv_pcpu_irq_stage_done(pcpu);
                return;
        }
        if (pcpu->piece_count > 0 && hv_pcpu_next_piece(pcpu, state))
                return;
        metric_add(pcpu->hypervisor_time, pcpu->work_ps);
        if (state == HV_PCPU_SWITCH && pcpu->world_switch_time != NULL)
                metric_add(pcpu->world_switch_time, pcpu->work_ps);
        if (state == HV_PCPU_BOOT) {
                trace_end(pcpu->hv->trace, pcpu->trace_track, sim_now(pcpu->hv->sim), TRACE_FINISH);
                pcpu->work_ps = 0;
                hv_vm_booted(pcpu->hv, pcpu->boot_vm);
                hv_pcpu_after_work(pcpu);
                return;
        }
        trace_end(pcpu->hv->trace, pcpu->trace_track, sim_now(pcpu->hv->sim), TRACE_FINISH);
        pcpu->work_ps = 0;
        if (state == HV_PCPU_SWITCH)
                pcpu->loaded = vcpu;
        if (state == HV_PCPU_TRAP && vcpu->outbound.count > 0)
                hv_vcpu_flush_sgis(vcpu);
        if (state == HV_PCPU_TRAP && vcpu->trap_done != NULL)
                vcpu->trap_done(vcpu->trap_done_arg);
        hv_pcpu_after_work(pcpu);
}

static void hv_pcpu_start_work(struct hv_pcpu *pcpu, enum hv_pcpu_state state, sim_time_t work_ps)
{
        int err;

        pcpu->state = state;
        pcpu->work_started_ps = sim_now(pcpu->hv->sim);
        if (state != HV_PCPU_GUEST)
                pcpu->work_ps = work_ps;
        if (pcpu->piece_count > 0) {
                err = hv_pcpu_start_piece(pcpu);
        } else if (state == HV_PCPU_GUEST && pcpu->current->segment != NULL) {
                struct hv_vcpu *vcpu = pcpu->current;

                if (vcpu->own_colours)
                        mem_exec_segment_set_colours(vcpu->segment, vcpu->colour_mask,
                                                     vcpu->colour_base);
                err = pcpu->segments.ops->start(pcpu->segments.resource, vcpu->segment,
                                                hv_pcpu_work_done, pcpu);
        } else
                err = pcpu->port.ops->start(pcpu->port.resource, work_ps, hv_pcpu_work_done, pcpu);
        if (err != 0) {
                pcpu->state = HV_PCPU_FREE;
                pcpu->piece_count = 0;
                hv_fail(pcpu->hv, err);
                return;
        }
        if (state != HV_PCPU_GUEST)
                trace_begin(pcpu->hv->trace, pcpu->trace_track, pcpu->work_started_ps,
                            state == HV_PCPU_SWITCH ? TRACE_WORLD_SWITCH : TRACE_TRAP, TRACE_START,
                            pcpu->current->trace_name, 0);
}

static void hv_pcpu_add_piece(struct hv_pcpu *pcpu, const struct mem_profile *profile,
                              struct mem_gen *gen, uint64_t instructions, sim_time_t plain_ps)
{
        assert(pcpu->piece_count < HV_MAX_PIECES);
        pcpu->pieces[pcpu->piece_count++] = (struct hv_piece){
                .profile = profile, .gen = gen, .instructions = instructions, .plain_ps = plain_ps
        };
}

/*
 * The pieces of a world switch to `next` with memory (none without): the plain cycles, the
 * save of the outgoing context (if one is loaded), the hypervisor's code and data, the restore
 * of the incoming context, then, when the VM changes, the stage-2 walks over the incoming VM's
 * table lines. Returns whether there are any.
 */
static bool hv_pcpu_plan_switch(struct hv_pcpu *pcpu, struct hv_vcpu *next)
{
        struct hv *hv = pcpu->hv;
        struct hv_vcpu *previous = pcpu->loaded;
        uint64_t walks = hv->config->tlb_refill_walks;

        pcpu->piece_count = 0;
        pcpu->piece_next = 0;
        if (!hv->switch_memory || pcpu->segments.ops == NULL)
                return false;
        if (pcpu->world_switch_ps > 0)
                hv_pcpu_add_piece(pcpu, NULL, NULL, 0, pcpu->world_switch_ps);
        if (previous != NULL && hv->context_accesses > 0)
                hv_pcpu_add_piece(pcpu, &hv->context_save_profile, &previous->context_save,
                                  hv->context_accesses, 0);
        if (hv->config->world_switch_instructions > 0)
                hv_pcpu_add_piece(pcpu, &hv->irq_profile, &pcpu->irq_gen,
                                  hv->config->world_switch_instructions, 0);
        if (hv->context_accesses > 0)
                hv_pcpu_add_piece(pcpu, &hv->context_restore_profile, &next->context_restore,
                                  hv->context_accesses, 0);
        if (walks > 0 && (previous == NULL || previous->vm != next->vm))
                hv_pcpu_add_piece(pcpu, &hv->walk_profile, &hv->walk_gens[next->vm], walks, 0);
        if (pcpu->piece_count == 1 && pcpu->pieces[0].profile == NULL)
                pcpu->piece_count = 0; /* only the plain cycles: plain work as without memory */
        return pcpu->piece_count > 0;
}

/* The pieces of `count` merged traps of work_ps with memory: the plain cycles, then
 * count x trap_instructions of the hypervisor's profile. */
static void hv_pcpu_plan_trap(struct hv_pcpu *pcpu, sim_time_t work_ps, uint64_t count)
{
        struct hv *hv = pcpu->hv;

        pcpu->piece_count = 0;
        pcpu->piece_next = 0;
        if (!hv->trap_memory || pcpu->segments.ops == NULL || count == 0)
                return;
        hv_pcpu_add_piece(pcpu, NULL, NULL, 0, work_ps);
        hv_pcpu_add_piece(pcpu, &hv->irq_profile, &pcpu->irq_gen,
                          count * hv->config->trap_instructions, 0);
}

/* On a free core, execute what the current vCPU needs next: its world switch, its pending
 * traps, then its guest work. */
static void hv_pcpu_advance(struct hv_pcpu *pcpu)
{
        struct hv_vcpu *vcpu = pcpu->current;

        if (vcpu == NULL || pcpu->state != HV_PCPU_FREE)
                return;
        if (pcpu->loaded != vcpu) {
                metric_add(pcpu->world_switches, 1);
                if (hv_pcpu_plan_switch(pcpu, vcpu) || pcpu->world_switch_ps > 0) {
                        hv_pcpu_start_work(pcpu, HV_PCPU_SWITCH, pcpu->world_switch_ps);
                        return;
                }
                pcpu->loaded = vcpu;
        }
        if (vcpu->trap_pending_ps > 0) {
                sim_time_t work = vcpu->trap_pending_ps;

                hv_pcpu_plan_trap(pcpu, work, vcpu->trap_pending_count);
                vcpu->trap_pending_ps = 0;
                vcpu->trap_pending_count = 0;
                hv_pcpu_start_work(pcpu, HV_PCPU_TRAP, work);
                return;
        }
        if (vcpu->virq_count > 0 && vcpu->guest_signal.fn != NULL) {
                /* the guest takes its virtual interrupts; it may start work on the vCPU,
                 * which comes back here */
                vcpu->guest_signal.fn(vcpu->guest_signal.arg);
                if (pcpu->state != HV_PCPU_FREE || pcpu->current != vcpu)
                        return;
        }
        if (vcpu->busy)
                hv_pcpu_start_work(pcpu, HV_PCPU_GUEST, vcpu->remaining_ps);
}

static void hv_pcpu_until_event(struct sim *sim, void *arg)
{
        struct hv_pcpu *pcpu = arg;

        (void)sim;
        pcpu->until_event = 0;
        pcpu->until_ps = SIM_TIME_MAX;
        hv_pcpu_request(pcpu);
}

static void hv_pcpu_set_until(struct hv_pcpu *pcpu, sim_time_t until_ps)
{
        struct sim *sim = pcpu->hv->sim;

        if (until_ps == pcpu->until_ps)
                return;
        if (pcpu->until_event != 0)
                (void)sim_cancel(sim, pcpu->until_event);
        pcpu->until_event = 0;
        pcpu->until_ps = until_ps;
        if (until_ps == SIM_TIME_MAX)
                return;
        assert(until_ps > sim_now(sim));
        pcpu->until_event =
            sim_schedule_prio(sim, until_ps, SIM_PRIO_NORMAL, hv_pcpu_until_event, pcpu);
        if (pcpu->until_event == 0)
                hv_fail(pcpu->hv, -ENOMEM);
}

/* The vCPU slices of a change of vCPU on a core. */
static void hv_trace_dispatch(struct hv_pcpu *pcpu, struct hv_vcpu *previous, struct hv_vcpu *next,
                              sim_time_t now)
{
        struct trace_sink *sink = pcpu->hv->trace;

        if (!trace_on(sink))
                return;
        if (previous != NULL)
                trace_sink_end(sink, pcpu->trace_track, now, TRACE_PREEMPT);
        if (next != NULL) {
                trace_sink_begin(sink, pcpu->trace_track, now, TRACE_VCPU,
                                 next->trace_started ? TRACE_RESUME : TRACE_START, next->trace_name,
                                 0);
                next->trace_started = true;
        }
}

static void hv_pcpu_decide(struct hv_pcpu *pcpu)
{
        struct hv *hv = pcpu->hv;
        sim_time_t now = sim_now(hv->sim);
        struct hv_vcpu *previous = pcpu->current;
        struct hv_pick pick;

        if (pcpu->state == HV_PCPU_SWITCH || pcpu->state == HV_PCPU_TRAP ||
            pcpu->state == HV_PCPU_IRQ || pcpu->state == HV_PCPU_BOOT) {
                pcpu->decide_after_work = true;
                return;
        }
        if (previous != NULL)
                hv->policy->charge(hv->policy_state, previous, now - pcpu->current_since_ps);
        pcpu->current_since_ps = now;
        pick = hv->policy->pick(hv->policy_state, pcpu, now);
        assert(pick.vcpu == NULL || (pick.vcpu->pcpu == pcpu && hv_vcpu_runnable(pick.vcpu)));
        hv_pcpu_set_until(pcpu, pick.until_ps);
        if (pick.vcpu != previous) {
                if (pcpu->state == HV_PCPU_GUEST)
                        hv_pcpu_pause_guest(pcpu);
                if (previous != NULL && hv_vcpu_runnable(previous))
                        previous->runnable_since_ps = now;
                hv_trace_dispatch(pcpu, previous, pick.vcpu, now);
                pcpu->current = pick.vcpu;
                if (pick.vcpu != NULL &&
                    metric_record(pick.vcpu->wait_time, now - pick.vcpu->runnable_since_ps) != 0)
                        hv_fail(hv, -ENOMEM);
        }
        hv_pcpu_advance(pcpu);
}

static void hv_pcpu_decide_event(struct sim *sim, void *arg)
{
        struct hv_pcpu *pcpu = arg;

        (void)sim;
        pcpu->decision = 0;
        hv_pcpu_decide(pcpu);
}

/* First stage: re-queue in SIM_PRIO_LOW, behind the guest decisions of this instant. */
static void hv_pcpu_defer_event(struct sim *sim, void *arg)
{
        struct hv_pcpu *pcpu = arg;

        pcpu->decision =
            sim_schedule_prio(sim, sim_now(sim), SIM_PRIO_LOW, hv_pcpu_decide_event, pcpu);
        if (pcpu->decision == 0)
                hv_fail(pcpu->hv, -ENOMEM);
}

static void hv_pcpu_request(struct hv_pcpu *pcpu)
{
        struct sim *sim = pcpu->hv->sim;

        if (pcpu->decision != 0)
                return;
        pcpu->decision =
            sim_schedule_prio(sim, sim_now(sim), SIM_PRIO_LOW, hv_pcpu_defer_event, pcpu);
        if (pcpu->decision == 0)
                hv_fail(pcpu->hv, -ENOMEM);
}

/* ---- VM start-up ---- */

/* Start the first start-up queued on this core, if the core executes guest work (paused for
 * it) or nothing; returns whether one started. */
static bool hv_pcpu_start_boot(struct hv_pcpu *pcpu)
{
        struct hv *hv = pcpu->hv;
        struct hv_vm_boot *boot = NULL;
        size_t vm;
        int err;

        if (hv->boots_queued == 0 || (pcpu->state != HV_PCPU_FREE && pcpu->state != HV_PCPU_GUEST))
                return false;
        for (vm = 0; vm < hv->config->vm_count && boot == NULL; vm++)
                if (hv->boots[vm].state == HV_BOOT_QUEUED &&
                    hv->config->vms[vm].vcpus[0].core == pcpu->index)
                        boot = &hv->boots[vm];
        if (boot == NULL)
                return false;
        vm--;
        if (pcpu->state == HV_PCPU_GUEST)
                hv_pcpu_pause_guest(pcpu);
        hv->boots_queued--;
        boot->state = HV_BOOT_RUNNING;
        pcpu->boot_vm = vm;
        pcpu->state = HV_PCPU_BOOT;
        pcpu->work_started_ps = sim_now(hv->sim);
        pcpu->work_ps = boot->work_ps;
        err = pcpu->port.ops->start(pcpu->port.resource, boot->work_ps, hv_pcpu_work_done, pcpu);
        if (err != 0) {
                pcpu->state = HV_PCPU_FREE;
                hv_fail(hv, err);
                return true;
        }
        trace_begin(hv->trace, pcpu->trace_track, pcpu->work_started_ps, TRACE_TRAP, TRACE_START,
                    boot->trace_name, 0);
        return true;
}

static void hv_vm_boot_start(struct hv *hv, size_t vm)
{
        hv->boots[vm].state = HV_BOOT_QUEUED;
        hv->boots_queued++;
        (void)hv_pcpu_start_boot(&hv->pcpus[hv->config->vms[vm].vcpus[0].core]);
}

static void hv_vm_booted(struct hv *hv, size_t vm)
{
        sim_time_t now = sim_now(hv->sim);

        hv->boots[vm].state = HV_BOOT_DONE;
        metric_set(hv->boots[vm].boot_time, (double)now);
        if (hv->booted != NULL)
                hv->booted(hv->booted_arg, vm);
        for (size_t v = vm + 1; v < hv->config->vm_count; v++)
                if (hv->boots[v].state == HV_BOOT_WAITING && hv->config->vms[v].boot.after == vm)
                        hv_vm_boot_start(hv, v);
}

/* The first start-ups, from an event of their own (after the build, whose trace subscribers
 * must see every event). */
static void hv_boot_event(struct sim *sim, void *arg)
{
        struct hv *hv = arg;
        const struct hv_config *config = hv->config;

        (void)sim;
        hv->boot_event = 0;
        for (size_t v = 0; v < config->vm_count; v++) {
                const struct boot_config *boot = &config->vms[v].boot;

                if (!boot->present)
                        continue;
                hv->boots[v].state = HV_BOOT_WAITING;
                if (boot->after == SIZE_MAX || !config->vms[boot->after].boot.present)
                        hv_vm_boot_start(hv, v);
        }
}

int hv_boot(struct hv *hv, hv_booted_fn booted, void *arg)
{
        bool any = false;

        hv->booted = booted;
        hv->booted_arg = arg;
        for (size_t v = 0; v < hv->config->vm_count; v++)
                any = any || hv->config->vms[v].boot.present;
        if (!any)
                return 0;
        hv->boot_event =
            sim_schedule_prio(hv->sim, sim_now(hv->sim), SIM_PRIO_HIGH, hv_boot_event, hv);
        return hv->boot_event == 0 ? -ENOMEM : 0;
}

/* The start-up work of VM `v` and its metric, for a VM with a boot description. */
static int hv_vm_boot_init(struct hv *hv, size_t v, struct metrics *metrics, const char *entity)
{
        const struct hv_vm_config *vm = &hv->config->vms[v];
        const struct exec_port *port = &hv->pcpus[vm->vcpus[0].core].port;
        double load_ps =
            (double)vm->boot.image_bytes * (double)SIM_PS_PER_S / (double)vm->boot.load_bytes_per_s;

        if (!vm->boot.present || vm->vcpu_count == 0)
                return 0;
        hv->boots[v].work_ps = port->ops->cycles_to_ps(port->resource, vm->boot.creation_cycles) +
                               (sim_time_t)llround(load_ps);
        hv->boots[v].boot_time = metrics_gauge(metrics, entity, "boot_time", METRIC_UNIT_PS);
        return hv->boots[v].boot_time == NULL ? -ENOMEM : 0;
}

/* ---- the vCPU as an execution resource ---- */

static sim_time_t hv_vcpu_cycles_to_ps(const void *resource, uint64_t cycles)
{
        const struct hv_vcpu *vcpu = resource;
        const struct exec_port *port = &vcpu->pcpu->port;

        return port->ops->cycles_to_ps(port->resource, cycles);
}

static int hv_vcpu_start(void *resource, sim_time_t work_ps, exec_done_fn done, void *arg)
{
        struct hv_vcpu *vcpu = resource;
        struct hv_pcpu *pcpu = vcpu->pcpu;

        assert(!vcpu->busy);
        if (!hv_vcpu_runnable(vcpu))
                vcpu->runnable_since_ps = sim_now(vcpu->hv->sim);
        vcpu->busy = true;
        vcpu->remaining_ps = work_ps;
        vcpu->done = done;
        vcpu->done_arg = arg;
        if (pcpu->current == vcpu)
                hv_pcpu_advance(pcpu);
        else
                hv_pcpu_request(pcpu);
        return vcpu->hv->error;
}

static int hv_vcpu_segment_start(void *resource, struct mem_exec_segment *seg, exec_done_fn done,
                                 void *arg)
{
        struct hv_vcpu *vcpu = resource;

        vcpu->segment = seg;
        return hv_vcpu_start(resource, 0, done, arg);
}

static sim_time_t hv_vcpu_preempt(void *resource)
{
        struct hv_vcpu *vcpu = resource;
        struct hv_pcpu *pcpu = vcpu->pcpu;
        sim_time_t remaining;

        assert(vcpu->busy);
        if (pcpu->current == vcpu && pcpu->state == HV_PCPU_GUEST)
                hv_pcpu_pause_guest(pcpu);
        remaining = vcpu->remaining_ps;
        vcpu->busy = false;
        vcpu->remaining_ps = 0;
        vcpu->segment = NULL;
        hv_pcpu_request(pcpu);
        return remaining;
}

static void hv_vcpu_segment_preempt(void *resource)
{
        (void)hv_vcpu_preempt(resource);
}

static bool hv_vcpu_busy(const void *resource)
{
        const struct hv_vcpu *vcpu = resource;

        return vcpu->busy;
}

static const struct exec_port_ops hv_vcpu_port_ops = {
        .cycles_to_ps = hv_vcpu_cycles_to_ps,
        .start = hv_vcpu_start,
        .preempt = hv_vcpu_preempt,
        .busy = hv_vcpu_busy,
};

struct exec_port hv_vcpu_exec_port(struct hv_vcpu *vcpu)
{
        return (struct exec_port){ .ops = &hv_vcpu_port_ops, .resource = vcpu };
}

static const struct mem_exec_port_ops hv_vcpu_segment_ops = {
        .start = hv_vcpu_segment_start,
        .preempt = hv_vcpu_segment_preempt,
        .busy = hv_vcpu_busy,
};

struct mem_exec_port hv_vcpu_segment_port(struct hv_vcpu *vcpu)
{
        return (struct mem_exec_port){ .ops = &hv_vcpu_segment_ops, .resource = vcpu };
}

void hv_set_memory(struct hv *hv, const struct mem_exec_port *segments)
{
        for (size_t i = 0; i < hv->pcpu_count; i++)
                hv->pcpus[i].segments = segments[i];
}

void hv_vcpu_set_trap_hook(struct hv_vcpu *vcpu, void (*fn)(void *arg), void *arg)
{
        vcpu->trap_done = fn;
        vcpu->trap_done_arg = arg;
}

int hv_vcpu_trap(struct hv_vcpu *vcpu, uint64_t handler_cycles)
{
        struct hv_pcpu *pcpu = vcpu->pcpu;

        if (!hv_vcpu_runnable(vcpu))
                vcpu->runnable_since_ps = sim_now(vcpu->hv->sim);
        vcpu->trap_pending_ps +=
            pcpu->trap_entry_ps + pcpu->trap_exit_ps + hv_vcpu_cycles_to_ps(vcpu, handler_cycles);
        vcpu->trap_pending_count++;
        metric_add(vcpu->traps, 1);
        if (pcpu->current == vcpu) {
                if (pcpu->state == HV_PCPU_GUEST)
                        hv_pcpu_pause_guest(pcpu);
                hv_pcpu_advance(pcpu);
        } else {
                hv_pcpu_request(pcpu);
        }
        return vcpu->hv->error;
}

/* ---- interrupts ---- */

/* A virtual interrupt in the vCPU's list registers; one already pending absorbs it. */
static void hv_vcpu_inject(struct hv_vcpu *vcpu, uint32_t irq, sim_time_t edge_ps)
{
        uint64_t bit = 1ULL << (irq % 64);
        struct metric *merged = vcpu->pcpu->irq_merged[irq];

        if (vcpu->guest_signal.fn == NULL)
                return;
        if ((vcpu->virq_pending[irq / 64] & bit) != 0) {
                if (merged != NULL)
                        metric_add(merged, 1);
                return;
        }
        if (!hv_vcpu_runnable(vcpu))
                vcpu->runnable_since_ps = sim_now(vcpu->hv->sim);
        vcpu->virq_pending[irq / 64] |= bit;
        vcpu->virq_edge_ps[irq] = edge_ps;
        vcpu->virq_count++;
}

static void hv_pcpu_irq_stage_start(struct hv_pcpu *pcpu)
{
        struct hv *hv = pcpu->hv;
        sim_time_t work_ps;
        int err;

        pcpu->state = HV_PCPU_IRQ;
        pcpu->work_started_ps = sim_now(hv->sim);
        if (pcpu->irq_stage == HV_IRQ_HANDLING) {
                mem_exec_segment_init(&pcpu->irq_segment, &hv->irq_profile, &pcpu->irq_gen,
                                      hv->irq_instructions);
                mem_exec_segment_set_colours(&pcpu->irq_segment, hv->irq_colour_mask,
                                             hv->irq_colour_base);
                pcpu->irq_on_segment = true;
                err = pcpu->segments.ops->start(pcpu->segments.resource, &pcpu->irq_segment,
                                                hv_pcpu_work_done, pcpu);
        } else {
                if (!hv->irq_profiled)
                        work_ps = pcpu->irq_entry_ps + pcpu->irq_handling_ps + pcpu->irq_exit_ps;
                else
                        work_ps = pcpu->irq_stage == HV_IRQ_ENTRY ? pcpu->irq_entry_ps
                                                                  : pcpu->irq_exit_ps;
                err = pcpu->port.ops->start(pcpu->port.resource, work_ps, hv_pcpu_work_done, pcpu);
        }
        if (err != 0) {
                pcpu->state = HV_PCPU_FREE;
                hv_fail(hv, err);
        }
}

/* Deliver the SGIs other cores left for this one. */
static void hv_pcpu_drain_mailbox(struct hv_pcpu *pcpu)
{
        for (size_t i = 0; i < pcpu->mailbox.count; i++) {
                struct hv_sgi *m = &pcpu->mailbox.items[i];

                hv_vcpu_inject(m->to, m->sgi, m->edge_ps);
                if (pcpu->current != m->to)
                        hv_pcpu_request(pcpu);
        }
        pcpu->mailbox.count = 0;
}

static int hv_sgi_push(struct hv_sgi_queue *q, struct hv_sgi sgi)
{
        if (q->count == q->capacity) {
                size_t capacity = q->capacity ? 2 * q->capacity : 4;
                struct hv_sgi *items = realloc(q->items, capacity * sizeof(*items));

                if (items == NULL)
                        return -ENOMEM;
                q->items = items;
                q->capacity = capacity;
        }
        q->items[q->count++] = sgi;
        return 0;
}

/* The sender's trap has ended: same-core SGIs go to the list registers at once, the others
 * to their core's mailbox with the hypervisor's IPI. */
static void hv_vcpu_flush_sgis(struct hv_vcpu *vcpu)
{
        struct hv *hv = vcpu->hv;

        for (size_t i = 0; i < vcpu->outbound.count; i++) {
                struct hv_sgi *m = &vcpu->outbound.items[i];
                struct hv_pcpu *target = m->to->pcpu;

                if (target == vcpu->pcpu) {
                        hv_vcpu_inject(m->to, m->sgi, m->edge_ps);
                        if (target->current != m->to)
                                hv_pcpu_request(target);
                        continue;
                }
                if (hv_sgi_push(&target->mailbox, *m) != 0 ||
                    hv->send_ipi(hv->send_ipi_arg, hv->ipi_sgi, target->index) != 0) {
                        hv_fail(hv, -ENOMEM);
                        break;
                }
        }
        vcpu->outbound.count = 0;
}

static void hv_pcpu_irq_stage_done(struct hv_pcpu *pcpu)
{
        struct hv *hv = pcpu->hv;
        sim_time_t now = sim_now(hv->sim);
        struct hv_vcpu *vcpu = pcpu->irq_vcpu;

        metric_add(pcpu->hypervisor_time, now - pcpu->work_started_ps);
        metric_add(pcpu->irq_time, now - pcpu->work_started_ps);
        pcpu->irq_on_segment = false;
        if (hv->irq_profiled && pcpu->irq_stage != HV_IRQ_EXIT) {
                pcpu->irq_stage = pcpu->irq_stage == HV_IRQ_ENTRY ? HV_IRQ_HANDLING : HV_IRQ_EXIT;
                hv_pcpu_irq_stage_start(pcpu);
                return;
        }
        trace_end(hv->trace, pcpu->trace_track, now, TRACE_FINISH);
        metric_add(pcpu->irqs, 1);
        pcpu->irq_vcpu = NULL;
        if (vcpu == NULL) {
                hv_pcpu_drain_mailbox(pcpu); /* the hypervisor's own IPI */
        } else {
                hv_vcpu_inject(vcpu, pcpu->irq_id, pcpu->irq_edge_ps);
                if (pcpu->current != vcpu)
                        hv_pcpu_request(pcpu);
        }
        hv_pcpu_after_work(pcpu);
}

/* Whether the vCPU's context is resident and nothing else holds the core: then a direct
 * injection reaches it without the hypervisor. */
static bool hv_pcpu_resident(const struct hv_pcpu *pcpu, const struct hv_vcpu *vcpu)
{
        return pcpu->loaded == vcpu && (pcpu->current == vcpu || pcpu->current == NULL);
}

/* A direct injection into the resident vCPU: no hypervisor work; the guest takes it at once if
 * its vCPU holds the core, else the decision that follows dispatches the vCPU. */
static void hv_pcpu_inject_direct(struct hv_pcpu *pcpu, struct hv_vcpu *vcpu, uint32_t irq,
                                  sim_time_t edge_ps)
{
        hv_vcpu_inject(vcpu, irq, edge_ps);
        if (pcpu->current == vcpu && vcpu->virq_count > 0)
                vcpu->guest_signal.fn(vcpu->guest_signal.arg);
        else
                hv_pcpu_request(pcpu);
}

/*
 * Direct vSGIs (config->direct_vsgi): the mailbox's SGIs for a resident vCPU reach it as a
 * direct injection; the others stay for the trapped path. Whether that path is needed.
 */
static bool hv_pcpu_direct_vsgis(struct hv_pcpu *pcpu)
{
        size_t kept = 0;

        for (size_t i = 0; i < pcpu->mailbox.count; i++) {
                struct hv_sgi m = pcpu->mailbox.items[i];

                if (hv_pcpu_resident(pcpu, m.to))
                        hv_pcpu_inject_direct(pcpu, m.to, m.sgi, m.edge_ps);
                else
                        pcpu->mailbox.items[kept++] = m;
        }
        pcpu->mailbox.count = kept;
        return kept > 0;
}

/*
 * Take the core's pending physical interrupts while it executes guest work or nothing (the
 * hypervisor's own work runs with interrupts masked): directly injected ones reach the
 * resident vCPU at once; the first trapped one starts the trapped path (returns true).
 */
static bool hv_pcpu_take_irq(struct hv_pcpu *pcpu)
{
        struct hv *hv = pcpu->hv;
        uint32_t irq;
        sim_time_t edge_ps;

        if (pcpu->irq.ops == NULL)
                return false;
        while (pcpu->state == HV_PCPU_FREE || pcpu->state == HV_PCPU_GUEST) {
                struct hv_vcpu *vcpu;

                if (!pcpu->irq.ops->ack(pcpu->irq.resource, &irq, &edge_ps))
                        return false;
                vcpu = pcpu->irq_routes[irq];
                if (hv->send_ipi != NULL && irq == hv->ipi_sgi) {
                        if (hv->config->direct_vsgi && !hv_pcpu_direct_vsgis(pcpu))
                                continue; /* every SGI reached a resident vCPU */
                        vcpu = NULL;      /* the hypervisor's own: its mailbox */
                } else if (vcpu == NULL) {
                        continue; /* no VM takes it: dropped */
                }
                if (vcpu != NULL && hv->config->direct_injection && hv_pcpu_resident(pcpu, vcpu)) {
                        hv_pcpu_inject_direct(pcpu, vcpu, irq, edge_ps);
                        continue;
                }
                if (pcpu->state == HV_PCPU_GUEST)
                        hv_pcpu_pause_guest(pcpu);
                pcpu->irq_vcpu = vcpu;
                pcpu->irq_id = irq;
                pcpu->irq_edge_ps = edge_ps;
                pcpu->irq_started_ps = sim_now(hv->sim);
                pcpu->irq_stage = HV_IRQ_ENTRY;
                trace_begin(hv->trace, pcpu->trace_track, pcpu->irq_started_ps, TRACE_TRAP,
                            TRACE_START, vcpu != NULL ? vcpu->trace_name : "ipi", 0);
                hv_pcpu_irq_stage_start(pcpu);
                return true;
        }
        return false;
}

static void hv_pcpu_irq_signalled(void *arg)
{
        (void)hv_pcpu_take_irq(arg);
}

struct irq_signal hv_irq_signal(struct hv *hv, size_t core)
{
        return (struct irq_signal){ .fn = hv_pcpu_irq_signalled, .arg = &hv->pcpus[core] };
}

/* The vCPU's virtual CPU interface: the lowest pending virtual id. */
static bool hv_vcpu_ack(void *resource, uint32_t *irq, sim_time_t *edge_ps)
{
        struct hv_vcpu *vcpu = resource;

        for (size_t w = 0; vcpu->virq_count > 0 && w < (vcpu->hv->irq_limit + 63) / 64; w++) {
                uint64_t bits = vcpu->virq_pending[w];

                if (bits == 0)
                        continue;
                *irq = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));
                *edge_ps = vcpu->virq_edge_ps[*irq];
                vcpu->virq_pending[w] &= ~(1ULL << (*irq % 64));
                vcpu->virq_count--;
                if (!hv_vcpu_runnable(vcpu))
                        hv_pcpu_request(vcpu->pcpu);
                return true;
        }
        return false;
}

static const struct irq_cpu_port_ops hv_vcpu_irq_ops = { .ack = hv_vcpu_ack };

struct irq_cpu_port hv_vcpu_irq_port(struct hv_vcpu *vcpu)
{
        return (struct irq_cpu_port){ .ops = &hv_vcpu_irq_ops, .resource = vcpu };
}

void hv_vcpu_set_irq_signal(struct hv_vcpu *vcpu, struct irq_signal signal)
{
        vcpu->guest_signal = signal;
}

static int hv_pcpu_irq_metrics(struct hv_pcpu *pcpu, struct metrics *metrics, const char *core_name)
{
        char *entity = text_format("hv/core/%s", core_name);

        if (entity == NULL)
                return -ENOMEM;
        pcpu->irq_time = metrics_counter(metrics, entity, "irq_time");
        pcpu->irqs = metrics_counter(metrics, entity, "irqs");
        free(entity);
        return pcpu->irq_time == NULL || pcpu->irqs == NULL ? -ENOMEM : 0;
}

int hv_set_interrupts(struct hv *hv, const struct irq_cpu_port *physical, uint32_t irq_limit,
                      const char *const *core_names, struct metrics *metrics)
{
        const struct hv_config *config = hv->config;
        size_t words = (irq_limit + 63) / 64;

        if (irq_limit == 0 || irq_limit > IRQ_ID_LIMIT)
                return -EINVAL;
        hv->irq_limit = irq_limit;
        for (size_t i = 0; i < hv->pcpu_count; i++) {
                struct hv_pcpu *pcpu = &hv->pcpus[i];
                const struct exec_port *port = &pcpu->port;
                int err;

                pcpu->irq = physical[i];
                pcpu->irq_routes = calloc(irq_limit, sizeof(*pcpu->irq_routes));
                pcpu->irq_merged = calloc(irq_limit, sizeof(*pcpu->irq_merged));
                if (pcpu->irq_routes == NULL || pcpu->irq_merged == NULL)
                        return -ENOMEM;
                pcpu->irq_entry_ps =
                    port->ops->cycles_to_ps(port->resource, config->irq_entry_cycles);
                pcpu->irq_handling_ps = port->ops->cycles_to_ps(
                    port->resource, config->irq_handling_cycles + config->irq_injection_cycles);
                pcpu->irq_exit_ps =
                    port->ops->cycles_to_ps(port->resource, config->irq_exit_cycles);
                err = hv_pcpu_irq_metrics(pcpu, metrics, core_names[i]);
                if (err != 0)
                        return err;
        }
        for (size_t i = 0; i < hv->vcpu_count; i++) {
                hv->vcpus[i].virq_pending = calloc(words, sizeof(uint64_t));
                hv->vcpus[i].virq_edge_ps = calloc(irq_limit, sizeof(sim_time_t));
                if (hv->vcpus[i].virq_pending == NULL || hv->vcpus[i].virq_edge_ps == NULL)
                        return -ENOMEM;
        }
        return 0;
}

int hv_route_irq(struct hv *hv, size_t core, uint32_t irq, size_t vm, size_t vcpu,
                 struct metric *merged)
{
        struct hv_vcpu *target = hv_find_vcpu(hv, vm, vcpu);

        if (target == NULL || core >= hv->pcpu_count || irq >= hv->irq_limit ||
            target->pcpu != &hv->pcpus[core] || hv->pcpus[core].irq_routes[irq] != NULL)
                return -EINVAL;
        hv->pcpus[core].irq_routes[irq] = target;
        hv->pcpus[core].irq_merged[irq] = merged;
        return 0;
}

static uint64_t hv_round_up(uint64_t value, uint64_t unit)
{
        return (value + unit - 1) / unit * unit;
}

/* 8-byte register stores or loads, one per instruction at CPI 1, over `bytes`. */
static struct mem_profile hv_context_profile(const char *name, uint64_t bytes, uint32_t writes)
{
        return (struct mem_profile){ .name = name,
                                     .instructions = bytes / HV_CONTEXT_ACCESS_BYTES,
                                     .base_cpi = 1.0,
                                     .accesses_per_kilo_instruction = 1000,
                                     .working_set_bytes = bytes,
                                     .pattern = MEM_PATTERN_SEQUENTIAL,
                                     .access_bytes = HV_CONTEXT_ACCESS_BYTES,
                                     .writes_per_thousand = writes };
}

/*
 * The world switch's and traps' memory, in the hypervisor's region from `base` (after its
 * profile's working set): one context area per vCPU (vCPU index order, each rounded up to
 * whole lines), then, from the next page, each VM's stage-2 table lines (a page-aligned area of
 * tlb_refill_walks lines per VM). 0 or -ENOMEM.
 */
static int hv_set_switch_memory(struct hv *hv, uint64_t base, uint64_t seed)
{
        const struct hv_config *config = hv->config;
        uint64_t context_bytes = hv_round_up(config->vcpu_context_bytes, HV_CONTEXT_ACCESS_BYTES);
        uint64_t context_stride = hv_round_up(context_bytes, HV_LINE_BYTES);
        uint64_t tables = base + hv_round_up(context_stride * hv->vcpu_count, HV_PAGE_BYTES);
        uint64_t walk_bytes = config->tlb_refill_walks * HV_LINE_BYTES;

        hv->trap_memory = config->trap_instructions > 0;
        hv->switch_memory = context_bytes > 0 || config->world_switch_instructions > 0 ||
                            config->tlb_refill_walks > 0;
        hv->context_accesses = context_bytes / HV_CONTEXT_ACCESS_BYTES;
        hv->context_save_profile = hv_context_profile("hv_context_save", context_bytes, 1000);
        hv->context_restore_profile = hv_context_profile("hv_context_restore", context_bytes, 0);
        for (size_t i = 0; context_bytes > 0 && i < hv->vcpu_count; i++) {
                uint64_t area = base + i * context_stride;

                mem_gen_init(&hv->vcpus[i].context_save, &hv->context_save_profile, seed,
                             (uint16_t)i, area);
                mem_gen_init(&hv->vcpus[i].context_restore, &hv->context_restore_profile, seed,
                             (uint16_t)i, area);
        }
        if (walk_bytes == 0)
                return 0;
        /* dependent loads (a table walk), each of its own line: one lap per refill */
        hv->walk_profile = (struct mem_profile){ .name = "hv_stage2_walk",
                                                 .instructions = config->tlb_refill_walks,
                                                 .base_cpi = 1.0,
                                                 .accesses_per_kilo_instruction = 1000,
                                                 .working_set_bytes = walk_bytes,
                                                 .pattern = MEM_PATTERN_POINTER_CHASE,
                                                 .stride_bytes = HV_LINE_BYTES,
                                                 .access_bytes = HV_CONTEXT_ACCESS_BYTES };
        free(hv->walk_gens);
        hv->walk_gens = calloc(config->vm_count ? config->vm_count : 1, sizeof(*hv->walk_gens));
        if (hv->walk_gens == NULL)
                return -ENOMEM;
        for (size_t v = 0; v < config->vm_count; v++)
                mem_gen_init(&hv->walk_gens[v], &hv->walk_profile, seed, (uint16_t)v,
                             tables + v * hv_round_up(walk_bytes, HV_PAGE_BYTES));
        return 0;
}

int hv_set_irq_memory(struct hv *hv, const struct mem_profile *profile, uint64_t instructions,
                      uint64_t base, uint64_t colour_mask, uint64_t colour_base, uint64_t seed)
{
        if (mem_profile_validate(profile) != 0 || profile->pattern == MEM_PATTERN_TRACE ||
            instructions == 0)
                return -EINVAL;
        hv->irq_profile = *profile;
        hv->irq_instructions = instructions;
        hv->irq_colour_mask = colour_mask;
        hv->irq_colour_base = colour_base;
        hv->irq_profiled = true;
        for (size_t i = 0; i < hv->pcpu_count; i++)
                mem_gen_init(&hv->pcpus[i].irq_gen, &hv->irq_profile, seed, (uint16_t)i, base);
        return hv_set_switch_memory(
            hv, base + hv_round_up(profile->working_set_bytes, HV_PAGE_BYTES), seed);
}

void hv_set_ipi(struct hv *hv, int (*send_ipi)(void *arg, uint32_t sgi, size_t core), void *arg,
                uint32_t sgi)
{
        hv->send_ipi = send_ipi;
        hv->send_ipi_arg = arg;
        hv->ipi_sgi = sgi;
}

int hv_vcpu_send_sgi(struct hv_vcpu *from, uint32_t sgi, struct hv_vcpu *to)
{
        struct hv *hv = from->hv;
        struct hv_sgi m = { .to = to, .sgi = sgi, .edge_ps = sim_now(hv->sim) };

        if (sgi >= IRQ_PPI_FIRST || to->virq_pending == NULL ||
            (to->pcpu != from->pcpu && hv->send_ipi == NULL) ||
            (hv->send_ipi != NULL && sgi == hv->ipi_sgi))
                return -EINVAL;
        if (hv_sgi_push(&from->outbound, m) != 0)
                return -ENOMEM;
        return hv_vcpu_trap(from, hv->config->irq_injection_cycles);
}

void hv_set_vm_colours(struct hv *hv, size_t vm, uint64_t colour_mask, uint64_t colour_base)
{
        for (size_t i = 0; i < hv->vcpu_count; i++) {
                if (hv->vcpus[i].vm != vm)
                        continue;
                hv->vcpus[i].own_colours = true;
                hv->vcpus[i].colour_mask = colour_mask;
                hv->vcpus[i].colour_base = colour_base;
        }
}

struct hv_vcpu *hv_find_vcpu(struct hv *hv, size_t vm, size_t vcpu)
{
        size_t index = hv_vcpu_index(hv->config, vm, vcpu);

        return index == SIZE_MAX ? NULL : &hv->vcpus[index];
}

/* ---- construction ---- */

/* Whether the config gives any memory footprint of world switches or traps. */
static bool hv_has_footprint(const struct hv_config *config)
{
        return config->vcpu_context_bytes > 0 || config->world_switch_instructions > 0 ||
               config->trap_instructions > 0 || config->tlb_refill_walks > 0;
}

static int hv_pcpu_metrics(struct hv_pcpu *pcpu, struct metrics *metrics, const char *core_name)
{
        char *entity = text_format("hv/core/%s", core_name);

        if (entity == NULL)
                return -ENOMEM;
        if (metrics_find(metrics, entity, "hypervisor_time") != NULL) {
                free(entity);
                return -EINVAL;
        }
        pcpu->hypervisor_time = metrics_counter(metrics, entity, "hypervisor_time");
        pcpu->world_switches = metrics_counter(metrics, entity, "world_switches");
        if (hv_has_footprint(pcpu->hv->config))
                pcpu->world_switch_time = metrics_counter(metrics, entity, "world_switch_time");
        free(entity);
        return pcpu->hypervisor_time == NULL || pcpu->world_switches == NULL ||
                       (hv_has_footprint(pcpu->hv->config) && pcpu->world_switch_time == NULL)
                   ? -ENOMEM
                   : 0;
}

static int hv_vcpu_metrics(struct hv_vcpu *vcpu, struct metrics *metrics, const char *vm_name,
                           size_t number)
{
        char *entity = text_format("hv/vm/%s/vcpu/%zu", vm_name, number);

        if (entity == NULL)
                return -ENOMEM;
        if (metrics_find(metrics, entity, "run_time") != NULL) {
                free(entity);
                return -EINVAL;
        }
        vcpu->run_time = metrics_counter(metrics, entity, "run_time");
        vcpu->traps = metrics_counter(metrics, entity, "traps");
        vcpu->wait_time = metrics_histogram(metrics, entity, "wait_time", METRIC_UNIT_PS);
        free(entity);
        return vcpu->run_time == NULL || vcpu->traps == NULL || vcpu->wait_time == NULL ? -ENOMEM
                                                                                        : 0;
}

static int hv_init_pcpus(struct hv *hv, const struct exec_port *cores,
                         const char *const *core_names, struct metrics *metrics)
{
        const struct hv_config *config = hv->config;

        for (size_t i = 0; i < hv->pcpu_count; i++) {
                struct hv_pcpu *pcpu = &hv->pcpus[i];
                const struct exec_port *port = &cores[i];
                int err;

                pcpu->hv = hv;
                pcpu->index = i;
                pcpu->port = *port;
                pcpu->until_ps = SIM_TIME_MAX;
                pcpu->world_switch_ps =
                    port->ops->cycles_to_ps(port->resource, config->world_switch_cycles);
                pcpu->trap_entry_ps =
                    port->ops->cycles_to_ps(port->resource, config->trap_entry_cycles);
                pcpu->trap_exit_ps =
                    port->ops->cycles_to_ps(port->resource, config->trap_exit_cycles);
                pcpu->vcpus = calloc(hv->vcpu_count ? hv->vcpu_count : 1, sizeof(*pcpu->vcpus));
                if (pcpu->vcpus == NULL)
                        return -ENOMEM;
                err = hv_pcpu_metrics(pcpu, metrics, core_names[i]);
                if (err != 0)
                        return err;
        }
        return 0;
}

static int hv_init_vms(struct hv *hv, struct metrics *metrics)
{
        const struct hv_config *config = hv->config;
        size_t index = 0;

        for (size_t v = 0; v < config->vm_count; v++) {
                const struct hv_vm_config *vm = &config->vms[v];
                char *entity = text_format("hv/vm/%s", vm->name);
                struct metric *vm_run_time;
                int err;

                if (entity == NULL)
                        return -ENOMEM;
                if (metrics_find(metrics, entity, "run_time") != NULL) {
                        free(entity);
                        return -EINVAL; /* two VMs share a name */
                }
                vm_run_time = metrics_counter(metrics, entity, "run_time");
                err = vm_run_time == NULL ? -ENOMEM : hv_vm_boot_init(hv, v, metrics, entity);
                free(entity);
                if (err != 0)
                        return err;
                for (size_t c = 0; c < vm->vcpu_count; c++, index++) {
                        struct hv_vcpu *vcpu = &hv->vcpus[index];
                        struct hv_pcpu *pcpu = &hv->pcpus[vm->vcpus[c].core];

                        *vcpu = (struct hv_vcpu){ .hv = hv,
                                                  .config = &vm->vcpus[c],
                                                  .index = index,
                                                  .vm = v,
                                                  .pcpu = pcpu,
                                                  .vm_run_time = vm_run_time };
                        pcpu->vcpus[pcpu->vcpu_count++] = vcpu;
                        err = hv_vcpu_metrics(vcpu, metrics, vm->name, c);
                        if (err != 0)
                                return err;
                }
        }
        return 0;
}

static void hv_free(struct hv *hv)
{
        if (hv->policy_state != NULL)
                hv->policy->destroy(hv->policy_state);
        for (size_t i = 0; i < hv->pcpu_count; i++) {
                free(hv->pcpus[i].vcpus);
                free(hv->pcpus[i].irq_routes);
                free(hv->pcpus[i].irq_merged);
                free(hv->pcpus[i].mailbox.items);
        }
        for (size_t i = 0; hv->vcpus != NULL && i < hv->vcpu_count; i++) {
                free(hv->vcpus[i].trace_name);
                free(hv->vcpus[i].virq_pending);
                free(hv->vcpus[i].outbound.items);
                free(hv->vcpus[i].virq_edge_ps);
        }
        for (size_t v = 0; hv->boots != NULL && v < hv->config->vm_count; v++)
                free(hv->boots[v].trace_name);
        free(hv->boots);
        free(hv->walk_gens);
        free(hv->pcpus);
        free(hv->vcpus);
        free(hv);
}

int hv_create(struct sim *sim, const struct hv_config *config, const struct exec_port *cores,
              const char *const *core_names, size_t core_count, struct metrics *metrics,
              struct hv **out)
{
        struct hv *hv;
        size_t vcpu_count = 0;
        int err = hv_check_config(config, core_count);

        if (err != 0)
                return err;
        for (size_t v = 0; v < config->vm_count; v++)
                vcpu_count += config->vms[v].vcpu_count;
        hv = calloc(1, sizeof(*hv));
        if (hv == NULL)
                return -ENOMEM;
        *hv = (struct hv){ .sim = sim,
                           .config = config,
                           .policy = hv_policy_ops(config->policy),
                           .pcpu_count = core_count,
                           .vcpu_count = vcpu_count };
        hv->pcpus = calloc(core_count ? core_count : 1, sizeof(*hv->pcpus));
        hv->vcpus = calloc(vcpu_count ? vcpu_count : 1, sizeof(*hv->vcpus));
        hv->boots = calloc(config->vm_count ? config->vm_count : 1, sizeof(*hv->boots));
        err = -ENOMEM;
        if (hv->pcpus == NULL || hv->vcpus == NULL || hv->boots == NULL)
                goto err_free;
        err = hv_init_pcpus(hv, cores, core_names, metrics);
        if (err != 0)
                goto err_free;
        err = hv_init_vms(hv, metrics);
        if (err != 0)
                goto err_free;
        err = hv->policy->create(hv, &hv->policy_state);
        if (err != 0)
                goto err_free;
        *out = hv;
        return 0;

err_free:
        hv_free(hv);
        return err;
}

void hv_finish(struct hv *hv, sim_time_t end)
{
        for (size_t i = 0; i < hv->pcpu_count; i++) {
                struct hv_pcpu *pcpu = &hv->pcpus[i];

                if (pcpu->state == HV_PCPU_GUEST)
                        hv_pcpu_add_run_time(pcpu, end);
                else if (pcpu->state != HV_PCPU_FREE)
                        metric_add(pcpu->hypervisor_time, end - pcpu->work_started_ps);
                if (pcpu->state == HV_PCPU_SWITCH && pcpu->world_switch_time != NULL)
                        metric_add(pcpu->world_switch_time, end - pcpu->work_started_ps);
                if (pcpu->state == HV_PCPU_IRQ)
                        metric_add(pcpu->irq_time, end - pcpu->work_started_ps);
        }
}

int hv_set_trace(struct hv *hv, struct trace_sink *sink, const uint32_t *core_tracks)
{
        hv->trace = sink;
        for (size_t i = 0; i < hv->pcpu_count; i++)
                hv->pcpus[i].trace_track = core_tracks[i];
        for (size_t v = 0, index = 0; sink != NULL && v < hv->config->vm_count; v++) {
                for (size_t c = 0; c < hv->config->vms[v].vcpu_count; c++, index++) {
                        struct hv_vcpu *vcpu = &hv->vcpus[index];

                        free(vcpu->trace_name);
                        vcpu->trace_name = text_format("%s_vcpu%zu", hv->config->vms[v].name, c);
                        if (vcpu->trace_name == NULL)
                                return -ENOMEM;
                }
                free(hv->boots[v].trace_name);
                hv->boots[v].trace_name = text_format("boot_%s", hv->config->vms[v].name);
                if (hv->boots[v].trace_name == NULL)
                        return -ENOMEM;
        }
        return 0;
}

int hv_error(const struct hv *hv)
{
        return hv->error;
}

void hv_destroy(struct hv *hv)
{
        if (hv == NULL)
                return;
        if (hv->boot_event != 0)
                (void)sim_cancel(hv->sim, hv->boot_event);
        for (size_t i = 0; i < hv->pcpu_count; i++) {
                struct hv_pcpu *pcpu = &hv->pcpus[i];

                if (pcpu->decision != 0)
                        (void)sim_cancel(hv->sim, pcpu->decision);
                if (pcpu->until_event != 0)
                        (void)sim_cancel(hv->sim, pcpu->until_event);
                if ((pcpu->state == HV_PCPU_GUEST && pcpu->current->segment != NULL) ||
                    (pcpu->state == HV_PCPU_IRQ && pcpu->irq_on_segment) ||
                    ((pcpu->state == HV_PCPU_SWITCH || pcpu->state == HV_PCPU_TRAP) &&
                     pcpu->piece_on_segment))
                        pcpu->segments.ops->preempt(pcpu->segments.resource);
                else if (pcpu->state != HV_PCPU_FREE)
                        (void)pcpu->port.ops->preempt(pcpu->port.resource);
        }
        hv_free(hv);
}
