/*
 * gic: an interrupt controller in the style of the Arm GIC (v2/v3), with per-core generic
 * timers, and the two small ports through which interrupts reach software.
 *
 * Interrupt ids follow the GIC (IRQ_* in sim/scenario.h): SGIs 0-15 are inter-processor
 * interrupts sent by software to one core (gic_send_sgi), PPIs 16-31 are private to each core
 * (banked: PPI 27 of core 0 and PPI 27 of core 1 are two interrupts; gic_raise_ppi), SPIs from
 * 32 are shared peripheral interrupts that the distributor routes to one core (gic_route_spi,
 * GICD_ITARGETSR / GICD_IROUTER) and that device models raise with gic_raise.
 *
 * State per (core, id), edge-triggered as the GIC's: an edge makes the interrupt pending at
 * its core and asserts the core's IRQ line (struct irq_signal, called synchronously at the
 * edge); the software on the core acknowledges it when it takes the exception
 * (struct irq_cpu_port: ack, as a read of GICC_IAR), which clears the pending state and
 * returns the id and the time of the edge. An edge on an interrupt that is still pending is
 * merged with it (counted as merged): the GIC remembers one pending edge per interrupt. The
 * line is level: software takes every interrupt it finds pending by acknowledging until ack
 * returns false; it is signalled again at every new edge. All interrupts have one priority,
 * so the lowest pending id is acknowledged first (the GIC's tie rule); preemption between
 * interrupts (priority groups) is not modelled, nor are active states and EOI (taking an
 * interrupt acknowledges it; the handler's own serialisation is the software's).
 *
 * Virtualisation: a hypervisor takes the physical interrupts of the cores (it is their IRQ
 * signal) and offers each vCPU its own struct irq_cpu_port backed by list registers
 * (models/hv/hypervisor.h), so a guest OS takes interrupts through the same two ports on a
 * core (AMP) or on a vCPU.
 *
 * Timers (gic_add_timer): the per-core generic timer as a periodic source. Edge k is at
 * offset + k * period plus, with jitter, a draw uniform in [0, jitter] ps from the stream
 * "irq/<name>" of the seed; edges stay in order (a draw earlier than the previous edge is
 * held to it). A timer raises a PPI of its core (or an SPI routed anywhere). Edges are raised
 * only before the horizon given to gic_start.
 *
 * Metrics: an interrupt may carry counters (gic_set_irq_metrics): raised (edges) and merged
 * (edges absorbed by a pending one). The GIC makes no metrics of its own.
 */
#ifndef MOSAIC_HW_GIC_H
#define MOSAIC_HW_GIC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

/* The IRQ line into a core or vCPU: fn(arg) runs at every edge that leaves an interrupt
 * pending there. fn NULL: nobody listens (the interrupt stays pending). */
struct irq_signal {
        void (*fn)(void *arg);
        void *arg;
};

/* A CPU interface as the software taking interrupts sees it: ack returns true and the id and
 * edge time of the highest-priority pending interrupt, clearing its pending state, or false
 * when none is pending. */
struct irq_cpu_port_ops {
        bool (*ack)(void *resource, uint32_t *irq, sim_time_t *edge_ps);
};

struct irq_cpu_port {
        const struct irq_cpu_port_ops *ops;
        void *resource;
};

struct gic;

/* A GIC for `cpu_count` cores and ids below `irq_limit` (at most IRQ_ID_LIMIT, at least
 * IRQ_SPI_FIRST): 0, -EINVAL or -ENOMEM. */
int gic_create(struct sim *sim, size_t cpu_count, uint32_t irq_limit, struct gic **out);
/* Cancel the timers' events and free. */
void gic_destroy(struct gic *gic);

/* Who takes core `cpu`'s interrupts (replaces the previous listener). */
void gic_set_signal(struct gic *gic, size_t cpu, struct irq_signal signal);
/* Core `cpu`'s CPU interface. */
struct irq_cpu_port gic_cpu_port(struct gic *gic, size_t cpu);

/* Route SPI `irq` to core `cpu`: 0 or -EINVAL (not an SPI, no such core). Unrouted SPIs go to
 * core 0, as after reset. */
int gic_route_spi(struct gic *gic, uint32_t irq, size_t cpu);
/* Counters for interrupt `irq` at core `cpu` (NULL: none). -EINVAL on a bad id or core. */
int gic_set_irq_metrics(struct gic *gic, size_t cpu, uint32_t irq, struct metric *raised,
                        struct metric *merged);

/* An edge on SPI `irq` now (a device's completion): 0 or -EINVAL (not an SPI). */
int gic_raise(struct gic *gic, uint32_t irq);
/* An edge on PPI `irq` of core `cpu`: 0 or -EINVAL. */
int gic_raise_ppi(struct gic *gic, size_t cpu, uint32_t irq);
/* An IPI: SGI `irq` sent to core `target`: 0 or -EINVAL. */
int gic_send_sgi(struct gic *gic, uint32_t irq, size_t target);
/* Whether `irq` is pending at core `cpu`. */
bool gic_pending(const struct gic *gic, size_t cpu, uint32_t irq);

struct gic_timer_config {
        const char *name; /* names the jitter stream; must outlive the GIC */
        size_t cpu;       /* the core whose PPI it raises (ignored for an SPI) */
        uint32_t irq;     /* a PPI (usually IRQ_PPI_PHYS_TIMER / IRQ_PPI_VIRT_TIMER) or an SPI */
        sim_time_t period_ps;
        sim_time_t offset_ps;
        sim_time_t jitter_ps;
        uint64_t seed;
};

/* A periodic timer (copied): 0, -EINVAL (period 0, bad id or core) or -ENOMEM. */
int gic_add_timer(struct gic *gic, const struct gic_timer_config *config);
/* Schedule every timer's first edge; no edge at or after `horizon_ps`. 0 or -ENOMEM. */
int gic_start(struct gic *gic, sim_time_t horizon_ps);
/* 0, or -ENOMEM when a timer could not schedule its next edge (the kernel was stopped). */
int gic_error(const struct gic *gic);

/*
 * Tracing (sim/trace.h; call before the run): every edge of an interrupt named with
 * gic_name_irq becomes a TRACE_IRQ instant on core_tracks[cpu] (the track of the software
 * taking the core's interrupts) at the edge, named by `name`, instance = its n-th edge at that
 * core from 0, merged edges included. 0, -EINVAL (bad id or core) or -ENOMEM.
 */
struct trace_sink;
int gic_set_trace(struct gic *gic, struct trace_sink *sink, const uint32_t *core_tracks);
int gic_name_irq(struct gic *gic, size_t cpu, uint32_t irq, const char *name);

#endif
