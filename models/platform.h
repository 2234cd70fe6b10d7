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
 */
#ifndef MOSAIC_MODELS_PLATFORM_H
#define MOSAIC_MODELS_PLATFORM_H

#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

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
/* Close the books at `end` (normally sim_now after the run). */
void platform_finish(struct platform *platform, sim_time_t end);
void platform_destroy(struct platform *platform);
/* 0, or the first error a model met while running (-ENOMEM); the models then stopped the
 * kernel, so the run's results are incomplete. */
int platform_error(const struct platform *platform);

#endif
