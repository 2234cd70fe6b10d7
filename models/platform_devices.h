/*
 * platform_devices: the virtio devices of a scenario ("devices", struct device_config) built on
 * the platform's interrupt controller, hypervisor and guest OSes.
 *
 * Each device is a struct vdev (models/io/vdev.h: the real virtio/ driver and device code on a
 * simulated guest RAM, every ring access timed by vq_sim_mem) with the service model of its
 * kind, a workload, and transport hooks that go through the platform's models:
 *
 *   notify (the driver's QueueNotify write), by backend placement:
 *     hypervisor     the write traps: hv_vcpu_trap on the driver's vCPU with notify_cycles of
 *                    handler (trap entry + handler + exit run as hypervisor work on its core,
 *                    waiting for the vCPU if it is descheduled); the backend learns of it when
 *                    that trap work has executed (hv_vcpu_set_trap_hook) and runs at once;
 *                    each backend step (vdev_transport.backend_step) is charged to that core
 *                    as a trap as long as the step (steps shorter than a trap's entry + exit,
 *                    the empty look before sleeping, are not charged);
 *     service_vm     the trap (notify_cycles) also sends virtual SGI doorbell_sgi to the
 *                    service VM's vCPU (hv_vcpu_send_sgi: injection on the driver's core, the
 *                    hypervisor's IPI to another core); the backend runs inside the service
 *                    VM's ISR for it (vdev_backend_run_inline: its steps back to back until it
 *                    sleeps), which lasts that much longer (guest_os_isr_extend), so the
 *                    service vCPU must be scheduled first and its tasks wait for the backend;
 *     polling_core   no notify once the poller has started (the library's rule: EVENT_IDX
 *                    leaves avail_event behind, else NO_NOTIFY stays set); a notify the library
 *                    still asks for traps as for hypervisor; the backend looks at the ring
 *                    every poll_interval; it holds its core for the whole run, so the core
 *                    may be no OS's core, no vCPU's and no other poller's (platform_devices_build
 *                    returns -EINVAL);
 *     passthrough    an MMIO write to the device itself (mmio_write, no trap); the device
 *                    processes the ring at once (no backend software);
 *     shared_memory  (AMP) a doorbell: mmio_write, then SGI doorbell_sgi to the backend OS's
 *                    core (gic_send_sgi); the backend runs inside that OS's ISR, as above.
 *   completion: the backend raises the device's SPI (gic_raise) when the library asks for an
 *     interrupt; the GIC delivers it to the driver's core, under a hypervisor through its
 *     injection path (trapped, or direct where the profile allows); the driver's used-ring
 *     handler runs at the first instruction of the guest's ISR (guest_os_set_isr_hook,
 *     vdev_run_interrupt), and the ISR lasts the handler's duration longer.
 *   backend wake-up by a device completion while the backend sleeps: hypervisor and
 *     passthrough run at once; service_vm and shared_memory raise SPI wake_irq to the backend's
 *     vCPU or core, whose ISR runs the backend (lengthened as above).
 *
 * Backend thread (device_config.backend_thread; service_vm, shared_memory): the backend is
 * event task backend_task of the backend's OS instead of ISR work. Each ISR above that would
 * run it releases a job of the task (guest_os_release_event); the job executes its own cycles
 * (the thread's wake-up), then, from its job-end hook (guest_os_set_job_end_hook), one backend
 * step at a time as more work of the job (vdev_backend_step_inline, guest_os_job_extend) until
 * the backend sleeps. It is scheduled at the task's priority and preemptible (a step's effects
 * are timed from the step's start: vdev.h), so the OS's more urgent tasks delay it (the
 * latency's backend_wait phase) and its less urgent ones wait for it; the ISRs keep their
 * configured length.
 *
 * Requests issued by a task (workload arrival "task", DEVICE_ARRIVAL_TASK): each job of task
 * issuer_task of the driver's OS (on the driver's CPU) ends, through its job-end hook, with
 * task_requests submissions, each executed as work of the job: the submit step
 * (vdev_submit_inline: its library calls at the step's start; the job executes its ring and
 * software cost, preemptibly), then, if the library asks, the notify: the MMIO write executed by
 * the job (AMP, passthrough), or under a hypervisor a trap raised at once whose hypervisor work
 * the job waits for (with the backend in the hypervisor, also its first step, charged to the
 * vCPU as a trap, as the vCPU executes it). A request that finds the ring full waits in the
 * driver's queue and the vdev's own timeline submits it when room frees. With task_wait the job
 * then blocks (guest_os_job_block) until its requests have completed (the end of the driver's
 * handler that completed the last), and is dispatched again at its priority; otherwise it
 * completes. Requests and completions are taken from / reported to the device's workload
 * (vdev_workload_take, its count and the run's end); other arrivals issue on the vdev's own
 * timeline as before.
 *
 * The guest RAM of a device (one vq_sim_mem each). With the platform's memory models running
 * in detailed fidelity (platform_devices_attach_memory, called by platform_build) it is priced
 * on the platform's own hierarchy (vq_sim_mem.h, "On a platform"): the driver's ring code in the
 * L1 of the driver's core; the backend's in the L1 of the core that runs it (hypervisor: the
 * driver vCPU's core; service_vm: the service vCPU's core; polling_core: the poll core;
 * shared_memory: the backend OS's core); a pass-through device as a DMA master with no L1,
 * entering the bus at the external masters' input; both through the shared LLC, with the
 * driver's core as the LLC initiator (the ring memory belongs to the driver's VM or OS: its
 * LLC ways, and its OS's colours for the address), at platform_memory_device_base(device)
 * (disjoint from every task's lines); LLC misses cost the unloaded bus + DRAM latency plus the
 * queueing the bus and DRAM currently show, and are sent to the bus as real requests so they
 * load it. Otherwise (no "memory" section, fast fidelity, or no memory models) each device keeps
 * its own two-initiator cache model priced with the platform's memory parameters when it has a
 * "memory" section (line size, L1 and LLC geometry and hit cycles, DRAM latency =
 * (tRCD + tCL + burst) DRAM cycles), else with the estimates of PLATFORM_DEVICES_DEFAULT_* in
 * platform_devices.c; the clock is the driver core's. Either way the rings start cold (the
 * library's set-up writes are forgotten). Not modelled: the driver's submit CPU time on the
 * vCPU for requests no task issues (periodic, Poisson and closed-loop workloads: the vdev times
 * it on its own timeline), more than one queue per device. The polling core is in the core
 * model's busy time because platform_build hands its port to platform_devices_hold_core.
 *
 * Metrics: those of vdev.h under "dev/<device>", and backend_busy_time (counter, ps: the
 * backend's steps, every placement), backend_utilisation (that over the run) and, for a poller,
 * poll_core_utilisation (the share of its core it holds: from its first look to the end);
 * gauges finished by platform_devices_finish.
 */
#ifndef MOSAIC_MODELS_PLATFORM_DEVICES_H
#define MOSAIC_MODELS_PLATFORM_DEVICES_H

#include "models/hw/core.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

struct gic;
struct guest_os;
struct hv;
struct platform_devices;
struct vdev;

/* Guest RAM where a device's rings and buffers live (per device, its own array). */
#define PLATFORM_DEVICES_GPA_BASE 0x40000000ull

/*
 * Build the scenario's devices (none: *out = NULL, 0). `gic` must exist when there are
 * devices; `hv` is NULL in an AMP design; `oses[i]` is the guest OS of scenario->oses[i] after
 * guest_os_set_interrupts. Workloads start issuing at their start times; none issues at or
 * after the scenario's duration. 0, -EINVAL or -ENOMEM.
 */
int platform_devices_build(const struct scenario *scenario, struct sim *sim,
                           struct metrics *metrics, struct gic *gic, struct hv *hv,
                           struct guest_os *const *oses, struct platform_devices **out);
/*
 * A polling backend holds its core for the whole run: `port` is platform core `core`'s
 * execution port (the one the core's other work would use); if a poller polls there, the core
 * executes one piece of work from now (the poller's first look, at build time) to
 * `horizon_ps`, so the core model counts the core busy (core/<core>/utilisation 1 for a poller
 * started at 0). Call after platform_devices_build, before the run; nothing for another core.
 * 0, or -ENOMEM.
 */
int platform_devices_hold_core(struct platform_devices *devices, size_t core, struct exec_port port,
                               sim_time_t horizon_ps);
/* The vdev of scenario->devices[index], or NULL. */
struct vdev *platform_devices_vdev(struct platform_devices *devices, size_t index);
/* Finish the end-of-run metrics (vdev_collect). */
void platform_devices_finish(struct platform_devices *devices);
/* 0, or the VQ_E* reason a device's queue broke (a model error). */
int platform_devices_error(const struct platform_devices *devices);
void platform_devices_destroy(struct platform_devices *devices);

struct platform_memory;
/* Put every device's guest RAM on `memory`'s hierarchy (see above); after
 * platform_devices_build, before the run. Nothing when `devices` or `memory` is NULL or the
 * memory runs in fast fidelity. 0, -EINVAL, -ENOMEM. */
int platform_devices_attach_memory(struct platform_devices *devices,
                                   struct platform_memory *memory);

#endif
