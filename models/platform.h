/*
 * platform: builds the models of a scenario and wires them together.
 *
 * platform_build() instantiates the cores, operating systems and tasks of a validated
 * scenario on a kernel, creates their metrics in the registry (in scenario order, so outputs
 * are stable) and schedules the first events. In an AMP design each OS runs on its cores'
 * exec_ports. With a hypervisor, the hypervisor (models/hv) runs over all platform cores and
 * the guest OS of VM i runs on the exec_ports of VM i's vCPUs, so the layering is
 * guest_os -> vCPU exec_port -> hypervisor -> core exec_port -> core. The caller then runs the
 * kernel to the scenario's duration and calls platform_finish(), which closes the books at the
 * end time (jobs still pending past their deadline, the hypervisor's work in progress,
 * utilisation). The platform keeps pointers into the scenario, which must outlive it. It
 * opens no file and prints nothing.
 *
 * Metrics created (entity / name):
 *   os/<os>/task/<task>  activations, completions, deadline_misses, preemptions (counters),
 *   vm/<vm>/task/<task>  response_time (histogram, ps); "os/" in AMP, "vm/" for a VM's tasks
 *   core/<core>          utilisation (gauge, ratio: busy time over simulated time, counting
 *                        everything the core executed: tasks, guest context switches and,
 *                        with a hypervisor, world switches and traps), context_switches
 *                        (counter: guest context switches on the core, of every VM)
 *   hv/...               the hypervisor's metrics, listed in models/hv/hypervisor.h
 * With a platform "memory" section and at least one task with a memory profile, every core
 * executes through the memory models (models/platform_memory.h: a mem_exec engine per core in
 * detailed fidelity, a mem_fast_system in fast), profiled jobs run as segments (through their
 * vCPU under a hypervisor), and the memory metrics of guest_os.h (per profiled task) and
 * platform_memory.h (mem/...) are added; core utilisation is then the engine's busy time.
 * A VM's "colours" map its guest segments on every core its vCPUs use (hv_set_vm_colours, base
 * vm << 40 as platform_memory.c does per OS).
 *
 * Interrupts (scenario "interrupts"): a GIC (models/hw/gic.h) over all cores, with a generic
 * timer per timer source and each device source's SPI routed to its target's core. In AMP
 * each OS's cores signal the OS; under a hypervisor every core signals the hypervisor, which
 * routes each source's (core, id) to its vCPU and offers each guest its vCPU's virtual CPU
 * interface (docs/interrupts.md); SGI 15 is reserved for the hypervisor's own IPIs
 * (hv_set_ipi, for hv_vcpu_send_sgi between vCPUs). ISR i of the scenario (OS after OS) with a
 * profile runs over the region of "task" index (all tasks + i) of platform_memory_task_base, the
 * hypervisor's interrupt path over the next one, coloured with the hypervisor's colours from
 * os_count << 40. Metrics: irq/<os-or-vm>/<source> raised, merged (counters: edges absorbed by one
 * still pending at the GIC or, under a hypervisor, in the vCPU's list registers), latency
 * (histogram, ps: edge to the ISR's first instruction); raised - merged - latency samples are
 * still pending at the end; hv/core/<core> irq_time, irqs (hypervisor.h). Device models
 * raise their SPIs through platform_gic. A "doorbell" source rings at each completion of its
 * producer task's jobs (models/os/doorbell.h); its counters and latency are those of any source.
 *
 * Start-up ("boot" of a VM or an AMP OS): a VM boots through hv_boot (models/hv/hypervisor.h,
 * metric hv/vm/<vm> boot_time), an AMP OS through models/os/os_boot.h (metric os/<os>
 * boot_time, a gauge in ps); its guest OS is started (guest_os_start_at) when it has booted.
 *
 * Virtual devices (scenario "devices"): after the interrupts, models/platform_devices.h builds
 * each device's vdev and wires its notify, completion interrupt and backend wake-up through the
 * hypervisor, the GIC and the guest OSes' ISR hooks; its metrics are dev/<device>/...
 * (models/io/vdev.h), finished by platform_finish.
 */
#ifndef MOSAIC_MODELS_PLATFORM_H
#define MOSAIC_MODELS_PLATFORM_H

#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

struct gic;
struct guest_os;
struct platform;
struct platform_memory;
struct trace_sink;

/* 0, -ENOMEM or -EINVAL (a configuration the models cannot run; the loader should have caught
 * it). On error nothing is left allocated. */
int platform_build(const struct scenario *scenario, struct sim *sim, struct metrics *metrics,
                   struct platform **out);
/*
 * platform_build, with the models' trace events going to `trace` (sim/trace.h; NULL: none),
 * on tracks it registers there: with a hypervisor, one per physical core (label "hypervisor",
 * executor the core, owner NULL); then, OS by OS, one per execution resource: label
 * "os <os>" with the core as executor in AMP, "vm <vm> vcpu<i>" with executor "<vm>_vcpu<i>"
 * in a VM (the vCPU's physical core as `core`), owner the OS's name.
 */
int platform_build_traced(const struct scenario *scenario, struct sim *sim, struct metrics *metrics,
                          struct trace_sink *trace, struct platform **out);
/* The platform's memory models (models/platform_memory.h), e.g. to attach an external master
 * with platform_memory_external_port before the run; NULL when the scenario runs without
 * them (no memory section or no task with a memory profile). */
struct platform_memory *platform_memory_of(struct platform *platform);
/* The platform's GIC (device models raise SPIs with gic_raise), or NULL when the scenario has
 * no interrupt sources. */
struct gic *platform_gic(struct platform *platform);
/* The guest OS of scenario->oses[index] (an AMP OS or a VM's guest), e.g. to hook a device
 * model onto an ISR (guest_os_set_isr_hook); NULL when absent. */
struct guest_os *platform_guest_os(struct platform *platform, size_t index);
/* Close the books at `end` (normally sim_now after the run). */
void platform_finish(struct platform *platform, sim_time_t end);
void platform_destroy(struct platform *platform);
/* 0, or the first error a model met while running (-ENOMEM); the models then stopped the
 * kernel, so the run's results are incomplete. */
int platform_error(const struct platform *platform);

#endif
