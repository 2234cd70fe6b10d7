#include "models/platform_devices.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hv/hypervisor.h"
#include "models/hw/gic.h"
#include "models/io/can_bus.h"
#include "models/io/vdev.h"
#include "models/io/vdev_blk.h"
#include "models/io/vdev_can.h"
#include "models/io/vdev_console.h"
#include "models/io/vdev_net.h"
#include "models/io/vdev_rng.h"
#include "models/io/vdev_workload.h"
#include "models/io/vq_sim_mem.h"
#include "models/os/guest_os.h"
#include "models/platform_memory.h"

/* Cache cost estimates for a platform without a "memory" section (those of
 * tests/io/io_test_config.h, no measured anchor): L1 32 KiB 4-way hit 4 cycles, LLC 1 MiB
 * 16-way hit 30, DRAM 80 ns; always: cache-to-cache transfer 100 cycles, invalidation of a
 * shared copy 20, barriers acquire 1 / release 2 / full 20. */
#define PLATFORM_DEVICES_DEFAULT_L1_BYTES  32768u
#define PLATFORM_DEVICES_DEFAULT_L1_WAYS   4u
#define PLATFORM_DEVICES_DEFAULT_L1_HIT    4u
#define PLATFORM_DEVICES_DEFAULT_LLC_BYTES (1u << 20)
#define PLATFORM_DEVICES_DEFAULT_LLC_WAYS  16u
#define PLATFORM_DEVICES_DEFAULT_LLC_HIT   30u
#define PLATFORM_DEVICES_DEFAULT_DRAM_PS   80000u
#define PLATFORM_DEVICES_TRANSFER_CYCLES   100u
#define PLATFORM_DEVICES_INVALIDATE_CYCLES 20u
#define PLATFORM_DEVICES_PAGE              4096u

struct platform_devices;

/* Where the job of a task that issues a device's requests is (workload arrival "task"). */
enum pd_io_stage {
        PD_IO_IDLE,     /* the job's own work */
        PD_IO_SUBMIT,   /* executing a submit step */
        PD_IO_KICK,     /* ... one after which the driver notifies */
        PD_IO_NOTIFIED, /* executing the notify (its MMIO write; a trap holds the vCPU) */
        PD_IO_WAIT      /* blocked until its requests complete (synchronous), or resumed */
};

struct platform_device {
        struct platform_devices *all;
        const struct device_config *config;
        struct vq_sim_config mem_config;
        struct vq_sim_mem mem;
        struct vdev_config vdev_config;
        struct vdev v;
        bool vdev_up;
        struct vdev_workload_config workload_config;
        struct vdev_workload workload;
        struct vdev_blk_config blk_config;
        struct vdev_blk blk;
        struct vdev_net_config net_config;
        struct vdev_net net;
        struct vdev_console_config console_config;
        struct vdev_console console;
        struct vdev_rng_config rng_config;
        struct vdev_rng rng;
        struct vdev_can_config can_config;
        struct vdev_can can;
        bool can_up;
        struct hv_vcpu *driver_vcpu;  /* NULL in AMP */
        struct hv_vcpu *backend_vcpu; /* service_vm */
        size_t backend_core;          /* shared_memory: platform core of the backend */
        sim_time_t trap_ps;           /* nominal notify trap: entry + handler + exit */
        sim_time_t trap_frame_ps;     /* trap entry + exit on the driver's core */
        uint64_t clock_hz;            /* the driver's core */
        uint64_t charge_cycles;       /* backend work not yet charged to the core */
        bool notify_in_trap;          /* a notify waits for its trap work to execute */
        bool in_backend_isr;          /* the backend's doorbell ISR is delivering */
        bool run_in_isr;              /* ... and the notify woke the backend */
        struct guest_os *driver_os;   /* runs the used-ring handler in its ISR */
        struct guest_os *backend_os;  /* service_vm, shared_memory: runs the backend in ISRs */
        struct metric *backend_busy;  /* ps of backend steps (ring, payload, software) */
        struct metric *backend_utilisation;   /* backend_busy / run so far, at finish */
        struct metric *poll_core_utilisation; /* polling_core: the poller's share of its core */
        sim_time_t poll_start_ps;             /* polling_core: the poller's first look */
        enum pd_io_stage io_stage;            /* arrival "task": the issuing job's stage */
        uint32_t io_left;                     /* ... requests it has still to submit */
        uint32_t io_waiting;                  /* ... synchronous: its requests not completed */
};

struct platform_devices {
        const struct scenario *scenario;
        struct sim *sim;
        struct gic *gic;
        struct hv *hv;
        size_t count;
        struct platform_device *devices;
        struct can_bus_config bus_config;
        struct can_bus bus;
        bool bus_up;
};

/* ---- transport hooks ---- */

static void pd_deliver_notify_event(struct sim *sim, void *arg)
{
        (void)sim;
        vdev_deliver_notify(&((struct platform_device *)arg)->v);
}

/* Trap work of a vCPU has executed: notifies of devices whose driver runs there reach their
 * backends. */
static void pd_trap_done(void *arg)
{
        struct platform_device *d = arg;
        struct platform_devices *all = d->all;

        for (size_t i = 0; i < all->count; i++) {
                struct platform_device *o = &all->devices[i];

                if (o->driver_vcpu == d->driver_vcpu && o->notify_in_trap) {
                        o->notify_in_trap = false;
                        sim_schedule_in(all->sim, 0, pd_deliver_notify_event, o);
                }
        }
}

static void pd_send_doorbell(struct sim *sim, void *arg)
{
        struct platform_device *d = arg;

        (void)sim;
        (void)gic_send_sgi(d->all->gic, d->config->doorbell_sgi, d->backend_core);
}

/* The QueueNotify write at the end of the submit step traps (hypervisor work on the driver's
 * core, waiting for the vCPU if it is descheduled); a service VM also gets its doorbell SGI. */
static void pd_trap_event(struct sim *sim, void *arg)
{
        struct platform_device *d = arg;
        const struct device_config *c = d->config;

        (void)sim;
        if (hv_vcpu_trap(d->driver_vcpu, c->notify_cycles) != 0)
                return;
        if (c->placement == DEVICE_BACKEND_SERVICE_VM)
                (void)hv_vcpu_send_sgi(d->driver_vcpu, c->doorbell_sgi, d->backend_vcpu);
        else
                d->notify_in_trap = true;
}

static sim_time_t pd_notify(void *ctx, struct vdev *v, uint32_t value, sim_time_t at_ps)
{
        struct platform_device *d = ctx;
        const struct device_config *c = d->config;
        struct sim *sim = d->all->sim;

        (void)v;
        (void)value;
        if (d->driver_vcpu == NULL || c->placement == DEVICE_BACKEND_PASSTHROUGH) {
                /* a register write: to the device, or the GIC's SGI register (AMP) */
                sim_schedule(sim, at_ps + c->mmio_write_ps,
                             c->placement == DEVICE_BACKEND_SHARED_MEMORY ? pd_send_doorbell
                                                                          : pd_deliver_notify_event,
                             d);
                return c->mmio_write_ps;
        }
        if (c->arrival == DEVICE_ARRIVAL_TASK && at_ps == sim_now(sim))
                pd_trap_event(sim, d); /* a job's notify: it goes on once the trap has run */
        else
                sim_schedule(sim, at_ps, pd_trap_event, d);
        return d->trap_ps;
}

static void pd_raise_event(struct sim *sim, void *arg)
{
        struct platform_device *d = arg;

        (void)sim;
        (void)gic_raise(d->all->gic, d->config->irq);
}

static void pd_interrupt(void *ctx, struct vdev *v, sim_time_t at_ps)
{
        struct platform_device *d = ctx;

        (void)v;
        sim_schedule(d->all->sim, at_ps, pd_raise_event, d);
}

static void pd_raise_wake(struct sim *sim, void *arg)
{
        struct platform_device *d = arg;

        (void)sim;
        (void)gic_raise(d->all->gic, d->config->wake_irq);
}

static void pd_backend_run_event(struct sim *sim, void *arg)
{
        (void)sim;
        vdev_backend_run(&((struct platform_device *)arg)->v);
}

static void pd_backend_wake(void *ctx, struct vdev *v, sim_time_t at_ps)
{
        struct platform_device *d = ctx;
        enum device_placement p = d->config->placement;

        (void)v;
        if (p == DEVICE_BACKEND_SERVICE_VM || p == DEVICE_BACKEND_SHARED_MEMORY) {
                if (d->in_backend_isr)
                        d->run_in_isr = true;
                else
                        sim_schedule(d->all->sim, at_ps, pd_raise_wake, d);
                return;
        }
        sim_schedule(d->all->sim, at_ps, pd_backend_run_event, d);
}

/* In the hypervisor the backend's steps are hypervisor work on the driver's core: each is charged
 * as a trap of the vCPU whose handler makes the piece as long as the step (entry + handler +
 * exit = the step). A step shorter than the trap's entry and exit (the empty look before the
 * backend sleeps, about a hundred ns) is not charged: a trap piece cannot be shorter. */
static void pd_charge_event(struct sim *sim, void *arg)
{
        struct platform_device *d = arg;

        (void)sim;
        (void)hv_vcpu_trap(d->driver_vcpu, d->charge_cycles);
        d->charge_cycles = 0;
}

static void pd_backend_step(void *ctx, struct vdev *v, sim_time_t start_ps, sim_time_t cost_ps)
{
        struct platform_device *d = ctx;

        (void)v;
        metric_add(d->backend_busy, cost_ps);
        if (d->config->placement != DEVICE_BACKEND_HYPERVISOR || d->driver_vcpu == NULL ||
            cost_ps < d->trap_frame_ps)
                return;
        d->charge_cycles = sim_ps_to_cycles(cost_ps - d->trap_frame_ps, d->clock_hz);
        sim_schedule(d->all->sim, start_ps, pd_charge_event, d);
}

/* The driver's ISR starts: the used-ring handler runs in it, and the ISR lasts its ring and
 * software work longer than its configured body. */
static void pd_driver_isr(void *arg, uint32_t irq, sim_time_t edge_ps)
{
        struct platform_device *d = arg;

        (void)irq;
        (void)edge_ps;
        (void)guest_os_isr_extend(d->driver_os, vdev_run_interrupt(&d->v));
}

/* The backend runs in an ISR of its VM or OS until it sleeps; the ISR lasts that long more.
 * A backend thread (backend "task") is released instead, to be scheduled at its priority. */
static void pd_backend_run_in_isr(struct platform_device *d)
{
        const struct device_config *c = d->config;

        if (c->backend_thread) {
                (void)guest_os_release_event(d->backend_os, c->backend_task);
                return;
        }
        (void)guest_os_isr_extend(d->backend_os, vdev_backend_run_inline(&d->v));
}

/* A job of the backend thread has executed its work (its own cycles, then each step): the
 * backend's next step, executed by the job, until the backend sleeps. */
static void pd_backend_job_end(void *arg, size_t task, sim_time_t now)
{
        struct platform_device *d = arg;
        bool ran;
        sim_time_t cost = vdev_backend_step_inline(&d->v, &ran);

        (void)task;
        (void)now;
        if (ran)
                (void)guest_os_job_extend(d->backend_os, cost);
}

/* ---- requests issued by a task's jobs (workload arrival "task") ---- */

/* Whether the CPU executes the notify itself (an MMIO write); under a hypervisor it traps and
 * the trap, hypervisor work, holds the vCPU. */
static bool pd_notify_by_cpu(const struct platform_device *d)
{
        return d->driver_vcpu == NULL || d->config->placement == DEVICE_BACKEND_PASSTHROUGH;
}

/* Submit the job's next request as work of the job; when all are out, a synchronous job waits
 * for them, else it completes. */
static void pd_issue_next(struct platform_device *d)
{
        struct vdev_io io;
        enum vdev_inline how;
        sim_time_t cost;

        while (d->io_left > 0 && vdev_workload_take(&d->workload, &io)) {
                d->io_left--;
                cost = vdev_submit_inline(&d->v, &io, &how);
                if (d->config->task_wait && how != VDEV_INLINE_DROPPED)
                        d->io_waiting++;
                if (how == VDEV_INLINE_QUEUED)
                        continue; /* no room: the vdev submits it when a slot frees */
                d->io_stage = how == VDEV_INLINE_KICK ? PD_IO_KICK : PD_IO_SUBMIT;
                (void)guest_os_job_extend(d->driver_os, cost);
                return;
        }
        d->io_left = 0;
        if (d->io_waiting > 0) {
                d->io_stage = PD_IO_WAIT;
                (void)guest_os_job_block(d->driver_os);
                return;
        }
        d->io_stage = PD_IO_IDLE;
}

/* A job of the issuing task has executed its work: its own, a submit step or the notify. */
static void pd_issuer_job_end(void *arg, size_t task, sim_time_t now)
{
        struct platform_device *d = arg;
        sim_time_t hold;

        (void)task;
        (void)now;
        switch (d->io_stage) {
        case PD_IO_IDLE:
                d->io_left = d->config->task_requests;
                d->io_waiting = 0;
                break;
        case PD_IO_SUBMIT:
                vdev_submit_inline_end(&d->v);
                break;
        case PD_IO_KICK:
                vdev_submit_inline_end(&d->v);
                hold = vdev_notify_inline(&d->v);
                d->io_stage = PD_IO_NOTIFIED;
                (void)guest_os_job_extend(d->driver_os, pd_notify_by_cpu(d) ? hold : 0);
                return;
        case PD_IO_NOTIFIED:
                break;
        case PD_IO_WAIT:
                d->io_stage = PD_IO_IDLE; /* resumed: its requests have completed */
                return;
        }
        pd_issue_next(d);
}

static void pd_resume_event(struct sim *sim, void *arg)
{
        struct platform_device *d = arg;

        (void)sim;
        (void)guest_os_job_resume(d->driver_os, d->config->issuer_task);
}

/* A request completed at end_ps (the end of the driver's handler): a job waiting for its
 * requests is ready again when the last one has. */
static void pd_io_complete(void *ctx, struct vdev *v, const struct vdev_io *io, int status,
                           sim_time_t end_ps)
{
        struct platform_device *d = ctx;

        (void)v;
        (void)io;
        (void)status;
        if (d->io_waiting == 0 || --d->io_waiting > 0 || d->io_stage != PD_IO_WAIT)
                return;
        sim_schedule(d->all->sim, end_ps, pd_resume_event, d);
}

/* The backend's doorbell ISR: the notify arrives; a sleeping backend runs in it. */
static void pd_backend_doorbell(void *arg, uint32_t irq, sim_time_t edge_ps)
{
        struct platform_device *d = arg;

        (void)irq;
        (void)edge_ps;
        d->in_backend_isr = true;
        vdev_deliver_notify(&d->v);
        d->in_backend_isr = false;
        if (d->run_in_isr) {
                d->run_in_isr = false;
                pd_backend_run_in_isr(d);
        }
}

/* The wake-up SPI's ISR (a device completion while the backend slept). */
static void pd_backend_woken(void *arg, uint32_t irq, sim_time_t edge_ps)
{
        (void)irq;
        (void)edge_ps;
        pd_backend_run_in_isr(arg);
}

/* Several devices may share an ISR id in one OS only if it is theirs alone; hooks are per
 * (OS, id), so each device's ids are its own (the loader keeps SPIs unique; a doorbell SGI
 * shared by two devices of one backend OS is rejected here). */
static int pd_hooks(struct platform_device *d, struct guest_os *const *oses)
{
        const struct device_config *c = d->config;
        int err = guest_os_set_isr_hook(oses[c->os], c->irq, pd_driver_isr, d);

        d->driver_os = oses[c->os];

        if (err == 0 && (c->placement == DEVICE_BACKEND_SERVICE_VM ||
                         c->placement == DEVICE_BACKEND_SHARED_MEMORY)) {
                for (struct platform_device *o = d->all->devices; o < d; o++)
                        if ((o->config->placement == DEVICE_BACKEND_SERVICE_VM ||
                             o->config->placement == DEVICE_BACKEND_SHARED_MEMORY) &&
                            o->config->backend_os == c->backend_os &&
                            o->config->doorbell_sgi == c->doorbell_sgi)
                                return -EINVAL;
                d->backend_os = oses[c->backend_os];
                err = guest_os_set_isr_hook(oses[c->backend_os], c->doorbell_sgi,
                                            pd_backend_doorbell, d);
                if (err == 0)
                        err = guest_os_set_isr_hook(oses[c->backend_os], c->wake_irq,
                                                    pd_backend_woken, d);
                if (err == 0 && c->backend_thread)
                        err = guest_os_set_job_end_hook(
                            d->backend_os,
                            d->all->scenario->oses[c->backend_os].tasks[c->backend_task].name,
                            pd_backend_job_end, d);
                if (err == 0)
                        vdev_set_backend_thread(&d->v, c->backend_thread);
        }
        if (err == 0 && c->arrival == DEVICE_ARRIVAL_TASK)
                err = guest_os_set_job_end_hook(
                    d->driver_os, d->all->scenario->oses[c->os].tasks[c->issuer_task].name,
                    pd_issuer_job_end, d);
        return err;
}

/* ---- set-up ---- */

static uint64_t pd_page_up(uint64_t bytes)
{
        return (bytes + PLATFORM_DEVICES_PAGE - 1u) / PLATFORM_DEVICES_PAGE * PLATFORM_DEVICES_PAGE;
}

static void pd_mem_config(const struct scenario *s, size_t core, uint64_t size,
                          struct vq_sim_config *m)
{
        const struct memory_config *mc = &s->platform.memory;
        uint64_t hz = s->platform.cores[core].clock_hz;

        *m = (struct vq_sim_config){ .gpa_base = PLATFORM_DEVICES_GPA_BASE,
                                     .size_bytes = size,
                                     .clock_hz = hz,
                                     .line_bytes = 64,
                                     .l1_size_bytes = PLATFORM_DEVICES_DEFAULT_L1_BYTES,
                                     .l1_ways = PLATFORM_DEVICES_DEFAULT_L1_WAYS,
                                     .llc_size_bytes = PLATFORM_DEVICES_DEFAULT_LLC_BYTES,
                                     .llc_ways = PLATFORM_DEVICES_DEFAULT_LLC_WAYS,
                                     .l1_hit_cycles = PLATFORM_DEVICES_DEFAULT_L1_HIT,
                                     .llc_hit_cycles = PLATFORM_DEVICES_DEFAULT_LLC_HIT,
                                     .dram_ps = PLATFORM_DEVICES_DEFAULT_DRAM_PS,
                                     .transfer_cycles = PLATFORM_DEVICES_TRANSFER_CYCLES,
                                     .invalidate_cycles = PLATFORM_DEVICES_INVALIDATE_CYCLES,
                                     .barrier_cycles = { 1, 2, 20 } };
        if (!mc->present)
                return;
        m->line_bytes = mc->line_bytes;
        m->l1_size_bytes = mc->l1.size_bytes;
        m->l1_ways = mc->l1.ways;
        m->l1_hit_cycles = mc->l1.hit_cycles;
        m->llc_size_bytes = mc->llc.size_bytes;
        m->llc_ways = mc->llc.ways;
        /* LLC hit cycles are of the LLC clock; the ring code runs at the core clock */
        m->llc_hit_cycles =
            (uint32_t)(mc->llc_clock_hz > 0 ? (uint64_t)mc->llc.hit_cycles * hz / mc->llc_clock_hz
                                            : mc->llc.hit_cycles);
        if (mc->dram_clock_hz > 0)
                m->dram_ps = sim_cycles_to_ps((uint64_t)mc->dram_t_rcd + mc->dram_t_cl +
                                                  mc->dram_burst_cycles,
                                              mc->dram_clock_hz);
}

/* ---- the guest RAM on the platform's memory hierarchy ---- */

static void pd_queue_totals(void *ctx, struct vq_sim_queue_totals *out)
{
        struct platform_memory_queue_totals t;

        platform_memory_queue_totals(ctx, &t);
        *out = (struct vq_sim_queue_totals){ .bus_grants = t.bus_grants,
                                             .bus_delay_ps = t.bus_delay_ps,
                                             .dram_requests = t.dram_requests,
                                             .dram_delay_ps = t.dram_delay_ps };
}

/* The platform core whose L1 the backend's ring code uses; SIZE_MAX for a pass-through device
 * (a DMA master without an L1). */
static size_t pd_backend_core(const struct scenario *s, const struct device_config *c,
                              size_t driver_core)
{
        switch (c->placement) {
        case DEVICE_BACKEND_HYPERVISOR:
                return driver_core; /* the trap handler runs on the driver vCPU's core */
        case DEVICE_BACKEND_SERVICE_VM:
        case DEVICE_BACKEND_SHARED_MEMORY:
                return s->oses[c->backend_os].cores[c->backend_cpu];
        case DEVICE_BACKEND_POLLING_CORE:
                return c->poll_core;
        case DEVICE_BACKEND_PASSTHROUGH:
        default:
                return SIZE_MAX;
        }
}

/* Device `index`'s guest RAM on the platform's L1s, LLC, bus and DRAM (vq_sim_attach_platform):
 * owned by the driver's core (its LLC ways, its OS's colours), at
 * platform_memory_device_base. */
static int pd_attach_memory(struct platform_devices *all, size_t index, struct platform_memory *m)
{
        const struct scenario *s = all->scenario;
        struct platform_device *d = &all->devices[index];
        const struct device_config *c = d->config;
        size_t driver_core = s->oses[c->os].cores[c->cpu];
        size_t backend_core = pd_backend_core(s, c, driver_core);
        const struct mem_exec_config *owner = platform_memory_core_config(m, driver_core);
        uint16_t external;
        struct vq_sim_platform p = {
                .sim = all->sim,
                .l1 = { platform_memory_l1_of(m, driver_core),
                        backend_core == SIZE_MAX ? NULL : platform_memory_l1_of(m, backend_core) },
                .l1_initiator = { (uint16_t)driver_core,
                                  (uint16_t)(backend_core == SIZE_MAX ? 0 : backend_core) },
                .llc = platform_memory_llc(m),
                .llc_initiator = (uint16_t)driver_core,
                .downstream = platform_memory_external_port(m, &external),
                .memory_ps = platform_memory_line_read_ps(m),
                .phys_base = platform_memory_device_base(s, index),
                .colour_mask = owner->colour_mask,
                .colours = owner->colours,
                .page_bytes = owner->page_bytes,
                .colour_base = owner->colour_base,
                .queue_totals = pd_queue_totals,
                .queue_ctx = m,
        };

        /* each core's ring misses enter the bus at the core's own input (and count against
         * its regulator budget); a DMA master at the external masters' input */
        p.bus_initiator[VQ_SIM_DRIVER] = (uint16_t)driver_core;
        p.bus_initiator[VQ_SIM_DEVICE] =
            backend_core == SIZE_MAX ? external : (uint16_t)backend_core;
        return vq_sim_attach_platform(&d->mem, &p);
}

int platform_devices_attach_memory(struct platform_devices *devices, struct platform_memory *memory)
{
        int err = 0;

        if (devices == NULL || memory == NULL || platform_memory_llc(memory) == NULL)
                return 0; /* fast fidelity or no memory models: the private caches stay */
        for (size_t i = 0; err == 0 && i < devices->count; i++) {
                err = pd_attach_memory(devices, i, memory);
                if (err == 0)
                        err = vdev_platform_metrics(&devices->devices[i].v);
        }
        return err;
}

static int pd_model(struct platform_devices *all, struct platform_device *d, unsigned *can_node)
{
        const struct device_config *c = d->config;
        struct vdev_config *vc = &d->vdev_config;
        int err = 0;

        switch (c->kind) {
        case DEVICE_BLK:
                d->blk_config = vdev_blk_default_config;
                if (c->blk_channels > 0)
                        d->blk_config.channels = c->blk_channels;
                if (c->blk_stripe_sectors > 0)
                        d->blk_config.stripe_sectors = c->blk_stripe_sectors;
                if (c->blk_capacity_sectors > 0)
                        d->blk_config.capacity_sectors = c->blk_capacity_sectors;
                if (c->blk_channel_bytes_per_s > 0)
                        d->blk_config.channel_bytes_per_s = c->blk_channel_bytes_per_s;
                if (c->blk_read_ps > 0)
                        d->blk_config.read_ps = c->blk_read_ps;
                if (c->blk_write_ps > 0)
                        d->blk_config.write_ps = c->blk_write_ps;
                if (c->blk_flush_ps > 0)
                        d->blk_config.flush_ps = c->blk_flush_ps;
                d->blk_config.payload_by_cpu = c->payload_by_cpu;
                vc->ops = &vdev_blk_ops;
                vc->model = &d->blk;
                err = vdev_blk_init(&d->blk, &d->blk_config);
                break;
        case DEVICE_NET:
                d->net_config = vdev_net_default_config;
                if (c->net_bit_rate > 0)
                        d->net_config.link_bit_rate = c->net_bit_rate;
                if (c->net_mtu > 0)
                        d->net_config.mtu = c->net_mtu;
                d->net_config.payload_by_cpu = c->payload_by_cpu;
                vc->ops = &vdev_net_ops;
                vc->model = &d->net;
                err = vdev_net_init(&d->net, &d->net_config);
                break;
        case DEVICE_CONSOLE:
                d->console_config = vdev_console_default_config;
                if (c->console_baud > 0)
                        d->console_config.baud = c->console_baud;
                vc->ops = &vdev_console_ops;
                vc->model = &d->console;
                err = vdev_console_init(&d->console, &d->console_config);
                break;
        case DEVICE_RNG:
                d->rng_config = vdev_rng_default_config;
                if (c->rng_bytes_per_s > 0)
                        d->rng_config.entropy_bytes_per_s = c->rng_bytes_per_s;
                d->rng_config.seed = all->scenario->run.seed;
                vc->ops = &vdev_rng_ops;
                vc->model = &d->rng;
                err = vdev_rng_init(&d->rng, &d->rng_config);
                break;
        case DEVICE_CAN:
                d->can_config = (struct vdev_can_config){ .node = (*can_node)++ };
                vc->ops = &vdev_can_ops;
                vc->model = &d->can;
                err = vdev_can_init(&d->can, &d->can_config, &all->bus, (uint16_t)c->queue_size);
                d->can_up = err == 0;
                break;
        }
        return err;
}

/* The backend's own figures under dev/<device> (those of vdev.h are created by vdev_init). */
static int pd_metrics(struct platform_device *d, struct metrics *metrics)
{
        char entity[96];

        snprintf(entity, sizeof(entity), "dev/%s", d->config->name);
        d->backend_busy = metrics_counter(metrics, entity, "backend_busy_time");
        d->backend_utilisation =
            metrics_gauge(metrics, entity, "backend_utilisation", METRIC_UNIT_RATIO);
        if (d->config->placement == DEVICE_BACKEND_POLLING_CORE)
                d->poll_core_utilisation =
                    metrics_gauge(metrics, entity, "poll_core_utilisation", METRIC_UNIT_RATIO);
        if (d->backend_busy == NULL || d->backend_utilisation == NULL ||
            (d->config->placement == DEVICE_BACKEND_POLLING_CORE &&
             d->poll_core_utilisation == NULL))
                return -ENOMEM;
        return 0;
}

static void pd_workload_config(const struct scenario *s, const struct device_config *c,
                               struct vdev_workload_config *w)
{
        static const enum vdev_arrival arrivals[] = { VDEV_ARRIVAL_PERIODIC, VDEV_ARRIVAL_POISSON,
                                                      VDEV_ARRIVAL_CLOSED, VDEV_ARRIVAL_TASK };

        *w = (struct vdev_workload_config){
                .name = c->name,
                .seed = s->run.seed,
                .arrival = arrivals[c->arrival],
                .interval_ps = c->interval_ps,
                .queue_depth = c->queue_depth,
                .think_ps = c->think_ps,
                .bytes = c->bytes,
                .read_permille = c->read_permille,
                .pattern = c->random ? VDEV_PATTERN_RANDOM : VDEV_PATTERN_SEQUENTIAL,
                .address_base = c->address_base,
                .address_span = c->address_span,
                .address_step = c->address_step,
                .count = c->count,
                .start_ps = c->start_ps,
                .stop_ps = s->run.duration_ps,
        };
        if (c->kind == DEVICE_BLK) {
                w->op_read = VIRTIO_BLK_T_IN;
                w->op_write = VIRTIO_BLK_T_OUT;
        } else if (c->kind == DEVICE_CAN) {
                w->op_read = w->op_write = VIRTIO_CAN_TX;
                w->flags = c->can_extended ? VIRTIO_CAN_FLAGS_EXTENDED : 0u;
        }
}

static int pd_build_one(struct platform_devices *all, struct platform_device *d,
                        struct metrics *metrics, struct guest_os *const *oses, unsigned *can_node)
{
        const struct scenario *s = all->scenario;
        const struct device_config *c = d->config;
        size_t core = s->oses[c->os].cores[c->cpu];
        uint32_t slot = (c->bytes + 128u + 63u) / 64u * 64u;
        uint64_t ring = 3u * pd_page_up(16u * (uint64_t)c->queue_size);
        struct vdev_config *vc = &d->vdev_config;
        const struct vdev_transport transport = { .notify = pd_notify,
                                                  .interrupt = pd_interrupt,
                                                  .backend_wake = pd_backend_wake,
                                                  .backend_step = pd_backend_step,
                                                  .ctx = d };
        int err;

        d->all = all;
        if (all->hv != NULL) {
                d->driver_vcpu = hv_find_vcpu(all->hv, c->os, c->cpu);
                if (c->placement == DEVICE_BACKEND_SERVICE_VM)
                        d->backend_vcpu = hv_find_vcpu(all->hv, c->backend_os, c->backend_cpu);
                const struct hv_config *h = s->hypervisor;
                uint64_t hz = s->platform.cores[core].clock_hz;

                d->clock_hz = hz;
                d->trap_frame_ps = sim_cycles_to_ps(h->trap_entry_cycles, hz) +
                                   sim_cycles_to_ps(h->trap_exit_cycles, hz);
                d->trap_ps = d->trap_frame_ps + sim_cycles_to_ps(c->notify_cycles, hz);
                if (c->placement == DEVICE_BACKEND_SERVICE_VM)
                        d->trap_ps += sim_cycles_to_ps(h->trap_entry_cycles, hz) +
                                      sim_cycles_to_ps(h->trap_exit_cycles, hz) +
                                      sim_cycles_to_ps(h->irq_injection_cycles, hz);
        }
        if (c->placement == DEVICE_BACKEND_SHARED_MEMORY)
                d->backend_core = s->oses[c->backend_os].cores[c->backend_cpu];
        pd_mem_config(s, core, ring + (uint64_t)slot * c->queue_size, &d->mem_config);
        err = vq_sim_init(&d->mem, &d->mem_config);
        if (err != 0)
                return err;
        *vc = (struct vdev_config){
                .name = c->name,
                .queue_size = (uint16_t)c->queue_size,
                .packed = c->packed,
                .event_idx = c->event_idx,
                .ring_gpa = PLATFORM_DEVICES_GPA_BASE,
                .buffers_gpa = PLATFORM_DEVICES_GPA_BASE + ring,
                .slot_bytes = slot,
                .backend_poll_ps = c->placement == DEVICE_BACKEND_POLLING_CORE ? c->poll_ps : 0,
                .driver_submit_ps = c->driver_submit_ps,
                .driver_complete_ps = c->driver_complete_ps,
                .backend_request_ps =
                    c->placement == DEVICE_BACKEND_PASSTHROUGH ? 0 : c->backend_request_ps,
        };
        err = pd_model(all, d, can_node);
        if (err == 0)
                err = pd_metrics(d, metrics);
        d->poll_start_ps = sim_now(all->sim);
        if (err == 0)
                err = vdev_init(&d->v, vc, all->sim, &d->mem, metrics, &transport);
        d->vdev_up = err == 0;
        /* the library zeroed the rings through the driver's port at set-up: start cold */
        if (err == 0)
                err = vq_sim_make_cold(&d->mem);
        if (err == 0)
                err = pd_hooks(d, oses);
        if (err == 0 && d->driver_vcpu != NULL)
                hv_vcpu_set_trap_hook(d->driver_vcpu, pd_trap_done, d);
        if (err == 0) {
                pd_workload_config(s, c, &d->workload_config);
                if (c->arrival == DEVICE_ARRIVAL_TASK) {
                        d->workload_config.observer = pd_io_complete;
                        d->workload_config.observer_ctx = d;
                }
                err = vdev_workload_start(&d->workload, &d->workload_config, &d->v);
        }
        return err;
}

/* All CAN devices are nodes 0.. of one bus; the other ECUs' senders follow. */
static int pd_can_bus(struct platform_devices *all)
{
        const struct scenario *s = all->scenario;
        unsigned nodes = 0;
        uint64_t rate = 0;

        for (size_t i = 0; i < s->device_count; i++) {
                if (s->devices[i].kind != DEVICE_CAN)
                        continue;
                nodes += 1u + (unsigned)s->devices[i].can_sender_count;
                if (s->devices[i].can_bit_rate > 0)
                        rate = s->devices[i].can_bit_rate;
        }
        if (nodes == 0)
                return 0;
        if (nodes > CAN_MAX_NODES)
                return -EINVAL;
        all->bus_config =
            (struct can_bus_config){ .bit_rate = rate > 0 ? rate : 500000u, .nodes = nodes };
        for (unsigned n = 0; n < nodes; n++)
                all->bus_config.order[n] = CAN_NODE_PRIORITY;
        all->bus_up = can_bus_init(&all->bus, all->sim, &all->bus_config) == 0;
        return all->bus_up ? 0 : -EINVAL;
}

static int pd_can_senders(struct platform_devices *all, unsigned node)
{
        for (size_t i = 0; i < all->count; i++) {
                struct platform_device *d = &all->devices[i];

                for (size_t k = 0; d->config->kind == DEVICE_CAN && k < d->config->can_sender_count;
                     k++) {
                        const struct device_can_sender *q = &d->config->can_senders[k];
                        struct can_frame frame = { .id = q->id,
                                                   .extended = q->extended,
                                                   .len = (uint8_t)q->bytes };
                        int err = vdev_can_add_periodic(&d->can, node++, &frame, q->offset_ps,
                                                        q->period_ps);

                        if (err != 0)
                                return err;
                }
        }
        return 0;
}

/* A polling backend spins on its core for the whole run, so nothing else may execute there: no
 * OS's core or VM's vCPU, no other poller (the loader refuses such a scenario with the path
 * of the backend's "core"; this guards scenarios built in C). */
static bool pd_poll_core_shared(const struct scenario *s, size_t index)
{
        size_t core = s->devices[index].poll_core;

        for (size_t i = 0; i < s->os_count; i++)
                for (size_t j = 0; j < s->oses[i].core_count; j++)
                        if (s->oses[i].cores[j] == core)
                                return true;
        for (size_t i = 0; i < index; i++)
                if (s->devices[i].placement == DEVICE_BACKEND_POLLING_CORE &&
                    s->devices[i].poll_core == core)
                        return true;
        return false;
}

int platform_devices_build(const struct scenario *scenario, struct sim *sim,
                           struct metrics *metrics, struct gic *gic, struct hv *hv,
                           struct guest_os *const *oses, struct platform_devices **out)
{
        struct platform_devices *all;
        unsigned can_node = 0;
        int err;

        *out = NULL;
        if (scenario->device_count == 0)
                return 0;
        if (gic == NULL)
                return -EINVAL;
        for (size_t i = 0; i < scenario->device_count; i++)
                if (scenario->devices[i].placement == DEVICE_BACKEND_POLLING_CORE &&
                    pd_poll_core_shared(scenario, i))
                        return -EINVAL;
        all = calloc(1, sizeof(*all));
        if (all == NULL)
                return -ENOMEM;
        all->scenario = scenario;
        all->sim = sim;
        all->gic = gic;
        all->hv = hv;
        all->devices = calloc(scenario->device_count, sizeof(*all->devices));
        if (all->devices == NULL) {
                free(all);
                return -ENOMEM;
        }
        err = pd_can_bus(all);
        for (size_t i = 0; err == 0 && i < scenario->device_count; i++) {
                all->devices[i].config = &scenario->devices[i];
                all->count = i + 1;
                err = pd_build_one(all, &all->devices[i], metrics, oses, &can_node);
        }
        if (err == 0)
                err = pd_can_senders(all, can_node);
        if (err != 0) {
                platform_devices_destroy(all);
                return err;
        }
        *out = all;
        return 0;
}

/* The poller's hold on its core ends with the run: nothing to do. */
static void pd_hold_done(void *arg)
{
        (void)arg;
}

int platform_devices_hold_core(struct platform_devices *devices, size_t core, struct exec_port port,
                               sim_time_t horizon_ps)
{
        for (size_t i = 0; devices != NULL && i < devices->count; i++) {
                const struct device_config *c = devices->devices[i].config;
                sim_time_t now = sim_now(devices->sim);

                if (c->placement != DEVICE_BACKEND_POLLING_CORE || c->poll_core != core ||
                    horizon_ps <= now)
                        continue;
                return port.ops->start(port.resource, horizon_ps - now, pd_hold_done, NULL);
        }
        return 0;
}

struct vdev *platform_devices_vdev(struct platform_devices *devices, size_t index)
{
        return devices != NULL && index < devices->count ? &devices->devices[index].v : NULL;
}

static double pd_ratio(sim_time_t part, sim_time_t whole)
{
        return whole == 0 ? 0.0 : (double)part / (double)whole;
}

void platform_devices_finish(struct platform_devices *devices)
{
        for (size_t i = 0; devices != NULL && i < devices->count; i++) {
                struct platform_device *d = &devices->devices[i];
                sim_time_t end = sim_now(devices->sim);

                (void)vdev_collect(&d->v); /* its metrics exist since the build: cannot fail */
                d->backend_utilisation->gauge = pd_ratio(d->backend_busy->counter, end);
                /* the poller never sleeps: its core spins from the first look to the end */
                if (d->poll_core_utilisation != NULL)
                        d->poll_core_utilisation->gauge =
                            pd_ratio(end > d->poll_start_ps ? end - d->poll_start_ps : 0, end);
        }
}

int platform_devices_error(const struct platform_devices *devices)
{
        for (size_t i = 0; devices != NULL && i < devices->count; i++) {
                const struct vdev *v = &devices->devices[i].v;

                if (vdev_backend_broken(v) != 0)
                        return vdev_backend_broken(v);
                if (vdev_driver_broken(v) != 0)
                        return vdev_driver_broken(v);
        }
        return 0;
}

void platform_devices_destroy(struct platform_devices *devices)
{
        if (devices == NULL)
                return;
        for (size_t i = 0; i < devices->count; i++) {
                struct platform_device *d = &devices->devices[i];

                if (d->vdev_up)
                        vdev_fini(&d->v);
                if (d->can_up)
                        vdev_can_fini(&d->can);
                vq_sim_fini(&d->mem);
        }
        free(devices->devices);
        free(devices);
}
