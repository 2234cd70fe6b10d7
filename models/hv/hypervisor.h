/*
 * hypervisor: virtual machines whose vCPUs are execution resources scheduled onto physical
 * cores by a hypervisor policy.
 *
 * Each vCPU provides a struct exec_port (models/hw/core.h) with a core's semantics, so an
 * unchanged guest_os runs on it: start(work_ps) begins guest work, preempt() returns what is
 * left, done(arg) runs when the work completes, busy() tells whether work is outstanding. The
 * guest never sees the hypervisor: while its vCPU is descheduled the guest's work is paused
 * (its remaining picoseconds are kept) and it resumes when the vCPU runs again, so the work
 * just takes longer in wall time. cycles_to_ps uses the clock of the vCPU's physical core.
 *
 * The hypervisor executes on the physical cores through their own exec_ports: guest work of
 * the running vCPU is handed to the core as core work, and hypervisor work is core work too,
 * so a core's busy time counts both. Hypervisor work is non-preemptible and is:
 *   - a world switch (world_switch_cycles) whenever a core is to run a vCPU other than the one
 *     whose context was last loaded on it (none at start). Idling keeps the old context, so
 *     resuming it costs nothing; every change of loaded vCPU counts one world switch, also at
 *     zero cost (then no switch work exists and zero-cost timing is exact). The world switch
 *     stands for the whole vCPU-switch path (scheduler trap, save, restore, return);
 *   - a trap (VM exit) raised by hv_vcpu_trap(): trap_entry_cycles + handler + trap_exit_cycles
 *     executed on the vCPU's core before its guest work continues. If the vCPU is not running
 *     the trap waits for it (the vCPU counts as runnable meanwhile).
 * With the hypervisor's memory (hv_set_irq_memory, which gives its region, colours and
 * profile) and the config's footprint keys, these touch memory as well, so that they feel
 * interference and the hypervisor's colours protect them. Each piece runs on the core in turn,
 * still non-preemptible and with interrupts masked:
 *   - a world switch from `out` (the loaded vCPU, if any) to `in`: world_switch_cycles plain
 *     (exception entry and return, system-register moves: the part that touches no memory);
 *     the save of out's context, vcpu_context_bytes as 8-byte stores, one per instruction at
 *     CPI 1, over out's context area; world_switch_instructions of the hypervisor's profile
 *     (its scheduler and bookkeeping, continuing the core's stream of that profile); the
 *     restore of in's context, the same number of 8-byte loads over in's area; and, when in's
 *     VM differs from out's (or nothing was loaded), the TLB refill: tlb_refill_walks
 *     dependent loads (POINTER_CHASE: each waits for the previous, as a table walk does) over
 *     as many lines of in's VM's stage-2 tables. Stage-2 tables are the hypervisor's data, so
 *     the walks run in its colours and are charged to the switch (hypervisor time), not to the
 *     guest's first work: a simplification of where a real refill stalls;
 *   - a trap piece (the traps raised until it starts, merged): their plain cycles, then
 *     count x trap_instructions of the hypervisor's profile.
 *   Region layout from hv_set_irq_memory's base: the profile's working set; from the next
 *   4 KiB page the context areas in vCPU index order (each rounded up to 64-B lines); from
 *   the page after them each VM's stage-2 lines (a page-aligned area of tlb_refill_walks
 *   lines per VM). Pieces with nothing to do are left out; a switch whose only piece would be
 *   the plain cycles is plain work as without memory, and without hv_set_irq_memory (or
 *   without hv_set_memory) every footprint key is ignored.
 *
 * Scheduling is partitioned: every vCPU lives on one physical core (its config's `core`) and
 * never migrates. The policy (one file per policy behind struct hv_policy_ops in
 * hypervisor_priv.h) picks, for a core, which of its runnable vCPUs runs and until when at the
 * latest the choice stands (budget exhaustion, window end, slice end). A vCPU is runnable
 * while it has guest work or a pending trap. Decisions are taken per core in SIM_PRIO_LOW, a
 * second time deferred within the instant, so that they see every guest decision of that
 * instant (a guest that finishes a job and starts the next at one instant never loses its
 * core in between). A decision that falls due while hypervisor work executes waits for it:
 * a budget can thus overrun by at most one piece of non-preemptible hypervisor work.
 *
 * Policies (enum hv_policy): static partitioning (one vCPU per core, as Jailhouse, Bao or Xen
 * null), ARINC 653 (a major frame of windows per core), fixed priority over deferrable servers,
 * RTDS (partitioned EDF over deferrable servers, Xen defaults 10 ms / 4 ms, extra time) and
 * credit (proportional share with weights and caps, Xen credit1-like). Each policy file states
 * its exact rules.
 *
 * Interrupts (hv_set_interrupts; models/hw/gic.h): the hypervisor is the IRQ signal of every
 * physical core and acknowledges the core's physical interrupts whenever the core executes
 * guest work or nothing (its own work runs with interrupts masked: an edge during a world
 * switch, trap or interrupt path is taken when that work ends). Each (core, id) is routed to
 * one vCPU on that core (hv_route_irq); other ids are dropped. Two paths:
 *   - trapped: the interrupt path runs on the core as hypervisor work, non-preemptible like a
 *     trap, whichever vCPU holds the core (its guest work is paused) or none:
 *     irq_entry_cycles + irq_handling_cycles + irq_injection_cycles + irq_exit_cycles, one
 *     plain piece; with hv_set_irq_memory the handling + injection part runs instead as a
 *     memory segment of the hypervisor's profile over its own region (colours of their own),
 *     between the plain entry and exit. At its end the virtual interrupt is in the vCPU's list
 *     registers (a virtual interrupt already pending there absorbs it), which makes the vCPU
 *     runnable; a decision follows if it is not the vCPU holding the core;
 *   - direct injection (config->direct_injection, as Bao, Jailhouse or GICv4 offer): when the
 *     target vCPU's context is resident (it holds the core, or the core idles in its context)
 *     the interrupt goes to its list registers with no hypervisor work at all; otherwise the
 *     trapped path.
 * The guest takes its virtual interrupts (hv_vcpu_irq_port, signalled through the struct
 * irq_signal given by hv_vcpu_set_irq_signal) when its vCPU holds the core, after any world
 * switch and pending traps: at once if it is running, else when the policy dispatches it. So
 * the latency of an interrupt to a running vCPU is the path's cost plus the guest's entry, and
 * with direct injection exactly the guest's entry, as without a hypervisor. Direct vSGIs
 * (config->direct_vsgi) give SGIs between vCPUs the same direct path on the target's core
 * (hv_vcpu_send_sgi).
 * Per-VM colours (hv_set_vm_colours): the VM's guest segments are mapped with the VM's colour
 * mask on whatever core they run (mem_exec_segment_set_colours), for VMs sharing a core.
 *
 * Metrics created by hv_create (entity / name):
 *   hv/core/<core>            hypervisor_time (counter, ps of world switches and traps),
 *                             world_switches (counter), world_switch_time (counter, ps of
 *                             world switches; only when the config has a footprint key)
 *   hv/vm/<vm>                run_time (counter, ps of guest work executed by its vCPUs),
 *                             boot_time (gauge, ps: when it booted; VMs with a boot only)
 *   hv/vm/<vm>/vcpu/<i>       run_time (counter, ps), traps (counter), wait_time (histogram,
 *                             ps: one sample per dispatch, the time the vCPU was runnable but
 *                             not running before it)
 * and by hv_set_interrupts:
 *   hv/core/<core>            irq_time (counter, ps of trapped interrupt paths, also counted in
 *                             hypervisor_time), irqs (counter: trapped interrupts)
 * Run times and hypervisor time of work in progress are added by hv_finish().
 *
 * Not modelled: vCPU migration, gang scheduling, instruction fetch of the hypervisor's code
 * apart from its profile's accesses, TLB state itself (the refill is a fixed count per change of
 * VM), interrupt priorities and the maintenance interrupt, WFI traps, the GICv4.1 vPE pending
 * tables and doorbells (see hv_vcpu_send_sgi). The configuration structs (struct hv_config and its
 * parts, enum hv_policy, the HV_* defaults) are the immutable config in sim/scenario.h, which the
 * scenario loader fills from a scenario's "hypervisor" and "vms"; nothing here parses JSON.
 */
#ifndef MOSAIC_HV_HYPERVISOR_H
#define MOSAIC_HV_HYPERVISOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/hw/core.h"
#include "models/hw/gic.h"
#include "models/hw/mem_exec.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

struct hv;
struct hv_vcpu;
struct trace_sink;

/* 0, or -EINVAL when the config cannot run on `core_count` cores (a vCPU on a missing core,
 * parameters out of range for the policy; each policy file lists its rules). */
int hv_check_config(const struct hv_config *config, size_t core_count);

/*
 * Build the hypervisor of `config` (which must outlive it) over `core_count` physical cores:
 * `cores[i]` executes, `core_names[i]` names its metrics. Creates the metrics listed above.
 * Returns 0, -EINVAL (see hv_check_config, or a metric name taken) or -ENOMEM. Nothing is
 * scheduled until a guest starts work on a vCPU.
 */
int hv_create(struct sim *sim, const struct hv_config *config, const struct exec_port *cores,
              const char *const *core_names, size_t core_count, struct metrics *metrics,
              struct hv **out);

/* vCPU `vcpu` of VM `vm`, or NULL when absent. */
struct hv_vcpu *hv_find_vcpu(struct hv *hv, size_t vm, size_t vcpu);
/* The vCPU seen as an execution resource, for a guest OS. */
struct exec_port hv_vcpu_exec_port(struct hv_vcpu *vcpu);

/*
 * Memory segments (call before any guest starts): core i runs profiled guest work through
 * segments[i] (the same core's memory engine as cores[i] of hv_create). A vCPU's segment port
 * forwards a guest's segment to its core when the vCPU holds the core (after any world switch
 * and pending traps), preempts it there when the vCPU loses the core (the remaining work stays
 * in the segment) and reports its completion to the guest.
 */
void hv_set_memory(struct hv *hv, const struct mem_exec_port *segments);
/* The vCPU as a segment resource (needs hv_set_memory). */
struct mem_exec_port hv_vcpu_segment_port(struct hv_vcpu *vcpu);

/* A VM exit on `vcpu` handled in `handler_cycles`: the trap's entry, handler and exit execute
 * on its core as hypervisor work before its guest work continues. 0, or -ENOMEM. */
int hv_vcpu_trap(struct hv_vcpu *vcpu, uint64_t handler_cycles);
/* A model's hook: fn(arg) runs whenever a piece of trap work of `vcpu` has executed (the
 * traps raised until it started, merged into one piece), e.g. a device backend learning of the
 * QueueNotify write the trap emulated. fn may raise traps; NULL removes the hook. */
void hv_vcpu_set_trap_hook(struct hv_vcpu *vcpu, void (*fn)(void *arg), void *arg);

/*
 * Interrupts (call before the run): core i's physical interrupts come from physical[i] (the
 * GIC's CPU interface); ids are below irq_limit. Creates the irq metrics (core_names as for
 * hv_create). 0, -EINVAL or -ENOMEM. The GIC's signal of core i must be hv_irq_signal(hv, i).
 */
int hv_set_interrupts(struct hv *hv, const struct irq_cpu_port *physical, uint32_t irq_limit,
                      const char *const *core_names, struct metrics *metrics);
struct irq_signal hv_irq_signal(struct hv *hv, size_t core);
/* Physical interrupt `irq` of `core` is for vCPU `vcpu` of VM `vm`, which must be pinned
 * there; `merged` (or NULL) counts its injections absorbed by a virtual interrupt still
 * pending. 0, or -EINVAL (bad ids, another core, already routed). */
int hv_route_irq(struct hv *hv, size_t core, uint32_t irq, size_t vm, size_t vcpu,
                 struct metric *merged);
/* The vCPU's virtual CPU interface, and the guest's IRQ line that the vCPU signals. */
struct irq_cpu_port hv_vcpu_irq_port(struct hv_vcpu *vcpu);
void hv_vcpu_set_irq_signal(struct hv_vcpu *vcpu, struct irq_signal signal);
/* The hypervisor's memory: the interrupt path's handling as `instructions` of `profile`
 * (copied) from address `base`, mapped with colour_mask (0: none) and colour_base, and the
 * world switches' and traps' footprint (see above) in the same region and colours; needs
 * hv_set_memory. 0, -EINVAL or -ENOMEM. */
int hv_set_irq_memory(struct hv *hv, const struct mem_profile *profile, uint64_t instructions,
                      uint64_t base, uint64_t colour_mask, uint64_t colour_base, uint64_t seed);
/*
 * IPIs between vCPUs. hv_set_ipi: the hypervisor's instances signal each other with physical
 * SGI `sgi` (reserved for it; routes of that id are ignored), sent by send_ipi(arg, sgi, core)
 * (the platform's gic_send_sgi). hv_vcpu_send_sgi: the guest on `from` writes its SGI
 * register to send virtual SGI `sgi` (0-15, not the reserved one) to vCPU `to`, which traps:
 * trap_entry + irq_injection + trap_exit cycles on from's core (as hv_vcpu_trap). When that
 * trap ends, a target on the same core gets the virtual SGI in its list registers at once; a
 * target on another core gets it through that core's mailbox and the hypervisor's IPI, whose
 * trapped interrupt path (irq_* cycles) injects it. The SGI's edge is the sender's write, so
 * the target guest's latency for it counts the whole way. With config->direct_vsgi (GICv4.1
 * direct virtual SGIs) the sender's write still traps the same way, but on the target's core
 * the hypervisor's IPI takes the direct-injection path: a target vCPU resident there (it holds
 * the core, or the core idles in its context) gets the SGI in its list registers with no
 * hypervisor work on that core; a target that is not resident gets the trapped path as above
 * (standing for the GICv4.1 doorbell). A same-core target is unchanged. 0, -EINVAL (bad id, a
 * target on another core without hv_set_ipi, or before hv_set_interrupts) or -ENOMEM.
 */
void hv_set_ipi(struct hv *hv, int (*send_ipi)(void *arg, uint32_t sgi, size_t core), void *arg,
                uint32_t sgi);
int hv_vcpu_send_sgi(struct hv_vcpu *from, uint32_t sgi, struct hv_vcpu *to);
/*
 * VM start-up (struct boot_config, a VM's "boot"). hv_boot (call once, at time 0, before
 * the run) starts, from an event at that instant (SIM_PRIO_HIGH), every VM with a boot
 * description that does not wait for another VM's: the
 * hypervisor executes its partition creation (creation_cycles at the core's clock) and the
 * image load (image_bytes / load_bytes_per_s, the hypervisor copying the image) as one piece
 * of non-preemptible hypervisor work on the core of the VM's vCPU 0, like an interrupt path:
 * guest work on that core is paused for it, and work of the hypervisor's own in progress ends
 * first (start-ups queued on one core run in VM order). When it ends the VM has booted:
 * booted(arg, vm) runs (the platform starts the guest's tasks then), its gauge boot_time is
 * set to that instant, and the VMs that start `after` it begin theirs. The work counts in the
 * core's hypervisor_time. VMs without a boot description are not started here (they run from
 * time 0). 0 or -ENOMEM.
 */
typedef void (*hv_booted_fn)(void *arg, size_t vm);
int hv_boot(struct hv *hv, hv_booted_fn booted, void *arg);
/* Map VM `vm`'s guest segments with colour_mask (0: none) and colour_base. */
void hv_set_vm_colours(struct hv *hv, size_t vm, uint64_t colour_mask, uint64_t colour_base);

/* Add the run time and hypervisor time of work still executing at `end`. Call once, after the
 * run. */
void hv_finish(struct hv *hv, sim_time_t end);
/*
 * Emit the hypervisor's trace events to `sink` (sim/trace.h; NULL: none), `core_tracks[i]`
 * being the track of physical core i. Call before the run. On a core's track: a TRACE_VCPU
 * slice while a vCPU is the one chosen to hold the core (name "<vm>_vcpu<i>"; begin TRACE_START
 * the first time, TRACE_RESUME later; end TRACE_PREEMPT when another vCPU or idling is chosen)
 * and, nested in it, a TRACE_WORLD_SWITCH or TRACE_TRAP slice per piece of hypervisor work.
 * 0 or -ENOMEM.
 */
int hv_set_trace(struct hv *hv, struct trace_sink *sink, const uint32_t *core_tracks);
/* 0, or the error that stopped the run (-ENOMEM). */
int hv_error(const struct hv *hv);
/* Cancel pending events (the cores' work included) and free. */
void hv_destroy(struct hv *hv);

#endif
