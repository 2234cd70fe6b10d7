/*
 * doorbell: a task in one OS or VM activating a task in another through shared memory.
 *
 * The producer task's job writes its output to shared memory as part of its own execution
 * (its execution_cycles or memory profile include the write) and, at its completion, rings
 * the consumer's doorbell: a software-generated interrupt (SGI, an IPI) to the consumer's core
 * or vCPU, whose ISR in the consumer OS releases the consumer task (isr_config.activates).
 * Each ring is sent from an event of its own at the completion instant (SIM_PRIO_NORMAL), so
 * the producer's OS has finished its completion bookkeeping when the interrupt path starts.
 *
 * The path, and so the cost, is the platform's interrupt path (docs/interrupts.md):
 *   - no hypervisor (AMP): gic_send_sgi to the consumer's core; the edge is the ring. The
 *     SGI register write itself (a few cycles) is part of the producer's job;
 *   - under a hypervisor: hv_vcpu_send_sgi from the producer's vCPU to the consumer's: the
 *     write traps (trap entry + irq_injection + trap exit on the producer's core); a consumer
 *     on the same core gets the virtual SGI when the trap ends, one on another core through
 *     the hypervisor's own IPI and its trapped interrupt path on that core. The edge is the
 *     ring, so the consumer's interrupt latency counts the whole way.
 * Then the consumer's exception entry and ISR, and the consumer's job is released at the
 * ISR's end.
 *
 * Rings at one instant are sent together by one event (a producer completes at most one job
 * per instant, so normally one). Rings of a producer whose task is absent (a reference run
 * without it) never happen.
 */
#ifndef MOSAIC_OS_DOORBELL_H
#define MOSAIC_OS_DOORBELL_H

#include <stddef.h>
#include <stdint.h>

#include "sim/metrics.h"
#include "sim/sim.h"

struct gic;
struct guest_os;
struct hv_vcpu;

/* Where a ring goes: with `from` NULL (AMP) SGI `sgi` to core `core` of `gic`; else from vCPU
 * `from` to vCPU `to`. `raised` (or NULL) counts the rings under a hypervisor (in AMP the GIC
 * counts the SGI's edges). */
struct doorbell_target {
        struct gic *gic;
        size_t core;
        struct hv_vcpu *from;
        struct hv_vcpu *to;
        uint32_t sgi;
        struct metric *raised;
};

struct doorbell;

/* A doorbell rung at each completion of a job of `task` in `producer`: 0, -ENOENT (the OS has
 * no such task: *out is NULL and nothing rings) or -ENOMEM. */
int doorbell_create(struct sim *sim, struct guest_os *producer, const char *task,
                    const struct doorbell_target *target, struct doorbell **out);
/* 0, or the error a ring met (the kernel was stopped). */
int doorbell_error(const struct doorbell *doorbell);
/* Cancel a pending ring and free; NULL is ignored. */
void doorbell_destroy(struct doorbell *doorbell);

#endif
