/*
 * platform_memory: the memory hierarchy of a platform with a "memory" section, built from the
 * scenario for one fidelity.
 *
 * detailed: per core a private functional L1 (struct cache) and a mem_exec engine; one shared
 * LLC looked up by the engines themselves (mem_exec_attach_llc: LLC hits cost the hit latency
 * on the core's own clock without kernel events); below it the interconnect, a MemGuard
 * regulator when the scenario has "regulation", and DRAM (burst = one line), all timed. The LLC
 * is way-partitioned per core by its OS's "llc_ways"; an OS's "colours" make its cores' engines
 * map every address through the coloured page allocator (cache_colour_translate, region base
 * os_index << 40).
 * fast: one mem_fast_system over all cores with the same numbers (mem_fast.h), partitioned the
 * same way.
 * Shared regions (scenario "shared_regions"): at MEM_PROFILE_SHARED_BASE + the region's offset,
 * never coloured, above every task's, ISR's and device's region. detailed: one MESI directory
 * over the regions' lines, whose cache i is core i's L1, joins every engine
 * (mem_exec_attach_shared); a cache-to-cache transfer and an invalidating upgrade cost the LLC
 * hit latency. fast: the model's coherence term at the same cost (mem_fast.h, "Coherence").
 * Either way each core offers a plain exec_port (context switches, work without a profile)
 * and a struct mem_exec_port for profiled segments; both run on the same engine, so the core is
 * busy with one or the other. Core i is initiator i.
 *
 * Metrics (created by platform_memory_metrics, set by platform_memory_finish). Per resource:
 *   mem/llc   accesses, misses (counters): detailed, the shared LLC's lookups (L1 misses and
 *             L1 write-backs written into it) and misses; fast, the model's expected LLC
 *             lookups from L1 misses and its expected LLC misses (mem_fast.h), summed over the
 *             cores;
 *             queue_delay (histogram, ps; detailed only): per LLC lookup from an L1 miss, the
 *             time it waited for one of its core's miss slots (MSHRs) before the lookup, 0 when
 *             one was free (mem_exec.h's slot_wait_histogram). That is the queue in front of the
 *             LLC in this model: the LLC itself serves a lookup at its hit latency, without
 *             contention between cores (mem_exec_attach_llc);
 *   mem/bus   utilisation (gauge, ratio: busy lane time over the run, averaged over lanes; fast:
 *             the model's bus utilisation integrated over the run); queue_delay (histogram, ps;
 *             detailed only: every grant's wait for the bus);
 *   mem/dram  utilisation (gauge, ratio: data-bus time over the run, averaged over channels;
 *             fast: the model's data-bus utilisation integrated over the run, the same
 *             definition); queue_delay (histogram, ps; detailed only: every request's time from
 *             its arrival at the controller until the controller chooses it, dram.h); requests,
 *             row_hits, row_conflicts (counters, detailed only);
 *   mem/regulator/<core>  throttled_time (gauge, ps: total time its requests were held) and
 *             throttled_requests (counter), for each core with a budget of its own, detailed
 *             only; mem/regulator/<os or vm entity> (e.g. mem/regulator/os/hogs) the same for
 *             each shared budget (regulation_config's domains: one count for all the cores of
 *             an OS or VM; the fast model gives each of those cores an equal share instead).
 * The fast model has mean queue lengths but no distributions and no transactions, so the
 * histograms, the DRAM counters and the regulator's metrics exist in detailed fidelity only.
 * Per-task metrics (guest_os.h) are given by both fidelities.
 */
#ifndef MOSAIC_MODELS_PLATFORM_MEMORY_H
#define MOSAIC_MODELS_PLATFORM_MEMORY_H

#include <stdint.h>

#include "models/hw/core.h"
#include "models/hw/mem_exec.h"
#include "models/hw/mem_port.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

struct platform_memory;

/* 0, -EINVAL (a configuration the models reject), -ENOMEM. The scenario must have a memory
 * section and outlive the result. */
int platform_memory_create(const struct scenario *scenario, struct sim *sim,
                           struct platform_memory **out);
void platform_memory_destroy(struct platform_memory *m);

struct exec_port platform_memory_exec_port(struct platform_memory *m, size_t core);
struct mem_exec_port platform_memory_segment_port(struct platform_memory *m, size_t core);
/*
 * The interconnect as an external master sees it (detailed fidelity; in fast fidelity the
 * port's ops are NULL): a DMA engine, an accelerator or a SystemC initiator joining the
 * scenario submits its requests here with `*initiator` in mem_request.initiator. The bus has
 * one input more than the platform has cores for them (round-robin or fixed-priority
 * arbitration like a core's input, lowest priority under fixed priority); below it the
 * regulator, if any, leaves that initiator unregulated. Their traffic is in the bus and DRAM
 * metrics; it bypasses the cores' caches (no cache coherence with them, as a non-coherent
 * DMA master). Each request must cover at most one line and stay within it (the DRAM model
 * serves one burst per request and a row never splits a request): a master with longer
 * transfers cuts them at line boundaries, as sim/systemc's TLM bridge does
 * (tlm_bridge_target_set_max_request).
 */
struct mem_port platform_memory_external_port(struct platform_memory *m, uint16_t *initiator);
/* Busy time of core `core` up to `now`. */
sim_time_t platform_memory_busy_ps(const struct platform_memory *m, size_t core, sim_time_t now);
/* The address where task `task` of OS `os` starts (before colour translation). */
uint64_t platform_memory_task_base(const struct scenario *scenario, size_t os, size_t task);

/* Bring running segments' statistics up to now (fast: mem_fast_sync); before reading them. */
void platform_memory_sync(struct platform_memory *m);
/* 0, or -ENOMEM when a queueing-delay sample could not be recorded. */
int platform_memory_error(const struct platform_memory *m);
int platform_memory_metrics(struct platform_memory *m, struct metrics *metrics);
void platform_memory_finish(struct platform_memory *m, sim_time_t end);

/*
 * For the devices' guest RAM on this hierarchy (models/io/vq_sim_mem.h, vq_sim_attach_platform).
 * Detailed fidelity only: in fast fidelity the pointers are NULL and the numbers 0.
 *   platform_memory_l1_of     core's functional L1, the one its engine (its tasks) uses;
 *   platform_memory_llc       the shared LLC (initiator = core, way masks per core's OS);
 *   platform_memory_core_config  core's engine config: its initiator and its OS's colouring
 *                             (colour_mask, colours, page_bytes, colour_base);
 *   platform_memory_device_base  where device `device`'s guest RAM starts (before colouring):
 *                             after every task's, ISR's and the hypervisor's region, one
 *                             task region (64 MiB + 8 KiB) per device, so it shares no line
 *                             with any of them;
 *   platform_memory_line_read_ps  the unloaded latency of a line read below the LLC: one
 *                             line's bus transfer + a DRAM access to a precharged bank
 *                             (tRCD + tCL + burst DRAM cycles);
 *   platform_memory_queue_totals  cumulative queueing so far: the interconnect's grants and
 *                             their summed waits (every input), the DRAM controller's requests
 *                             and their summed waits (every channel).
 */
struct platform_memory_queue_totals {
        uint64_t bus_grants;
        sim_time_t bus_delay_ps;
        uint64_t dram_requests;
        sim_time_t dram_delay_ps;
};
struct cache *platform_memory_l1_of(struct platform_memory *m, size_t core);
struct cache *platform_memory_llc(struct platform_memory *m);
const struct mem_exec_config *platform_memory_core_config(const struct platform_memory *m,
                                                          size_t core);
uint64_t platform_memory_device_base(const struct scenario *scenario, size_t device);
sim_time_t platform_memory_line_read_ps(const struct platform_memory *m);
void platform_memory_queue_totals(const struct platform_memory *m,
                                  struct platform_memory_queue_totals *out);

#endif
