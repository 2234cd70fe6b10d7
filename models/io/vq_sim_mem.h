/*
 * vq_sim_mem: simulated guest RAM for the real virtio/ library, with every ring access timed
 * on the simulated memory hierarchy of the side that executes it.
 *
 * Contract. A vq_sim_mem owns a byte array standing for guest-physical memory
 * [gpa_base, gpa_base + size_bytes) and two struct vq_port instances over it, one per queue
 * side (VQ_SIM_DRIVER, VQ_SIM_DEVICE): give the driver's vq_config the driver port and the
 * device's vq_config the device port. Both ports use the library's default loads, stores and
 * barriers on the byte array (the rings hold real bytes) and an `access` observer that charges
 * each ring access to its side. Each side is an initiator with a private L1 (struct cache);
 * both L1s sit in one MESI directory (struct coherence) and share one LLC. Every ring field
 * access is looked up functionally (cache_access) line by line, and its latency accumulates in
 * the side's pending cost:
 *
 *   L1 hit (read, or write to an M/E line)    l1_hit_cycles
 *   write hit on a Shared line (upgrade)      l1_hit_cycles + invalidate_cycles
 *   L1 miss, data from the peer's L1          l1_hit_cycles + transfer_cycles
 *   L1 miss, data from the LLC                l1_hit_cycles + llc_hit_cycles
 *                                               (+ invalidate_cycles if peers' S copies died)
 *   L1 miss, LLC miss                         l1_hit_cycles + llc_hit_cycles + dram_ps
 *   barrier of kind k                         barrier_cycles[k]
 *
 * Cycles are of the core clock `clock_hz`; dram_ps is in picoseconds. The caller turns the
 * pending cost into simulated execution time of the code that made the accesses
 * (vq_sim_take_pending_ps after each library call), e.g. by lengthening the segment that runs
 * it. This synchronous accounting is sound because ring code runs to completion on one core
 * without blocking: its memory accesses are a fixed sequence whose outcomes depend only on the
 * cache state at the moment of each access, and the two sides' calls are serialised by the
 * caller in simulated-time order. What it does not model: overlap of independent misses
 * (every miss is charged in full, like an in-order core without MLP), queueing in the
 * interconnect and DRAM (the latencies are unloaded), and interleaving of the two sides at a
 * finer grain than one library call (a line ping-ponging during one call). docs/virtio-sim.md
 * discusses the fully asynchronous alternative.
 *
 * Counted per side: loads, stores, barriers, L1 misses (line lookups), LLC misses, transfers
 * (the line's data came from the peer's L1), invalidations (the access invalidated the peer's
 * copy: an upgrade or a write miss), hand-offs (accesses that did either: the line changed
 * hands) and the total cost. Data-buffer payload is not touched by the library; device models
 * time their payload copies with vq_sim_access.
 *
 * The struct must not move after vq_sim_init (the ports and caches point into it). Not
 * thread-safe; deterministic.
 */
#ifndef MOSAIC_IO_VQ_SIM_MEM_H
#define MOSAIC_IO_VQ_SIM_MEM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/hw/cache.h"
#include "models/hw/coherence.h"
#include "sim/sim.h"
#include "virtio/vq_port.h"

enum vq_sim_side { VQ_SIM_DRIVER = 0, VQ_SIM_DEVICE = 1 };
#define VQ_SIM_SIDES 2

struct vq_sim_config {
        uint64_t gpa_base;   /* line-aligned */
        uint64_t size_bytes; /* guest RAM, > 0 */
        uint64_t clock_hz;   /* core clock of both sides */
        uint32_t line_bytes; /* L1 and LLC line size */
        uint64_t l1_size_bytes;
        uint32_t l1_ways;
        uint64_t llc_size_bytes;
        uint32_t llc_ways;
        uint32_t l1_hit_cycles;
        uint32_t llc_hit_cycles;
        sim_time_t dram_ps;
        uint32_t transfer_cycles;   /* cache-to-cache line transfer */
        uint32_t invalidate_cycles; /* invalidating the peer's shared copy */
        uint32_t barrier_cycles[3]; /* indexed by enum vq_barrier */
};

struct vq_sim_stats {
        uint64_t loads;
        uint64_t stores;
        uint64_t barriers;
        uint64_t l1_misses;
        uint64_t llc_misses;
        uint64_t transfers;
        uint64_t invalidations;
        uint64_t handoffs;
        sim_time_t total_ps;
};

struct vq_sim_mem;

/* One queue side: its port and its accounting. */
struct vq_sim_side_state {
        struct vq_sim_mem *mem;
        enum vq_sim_side side;
        struct vq_port port;
        struct vq_sim_stats stats;
        sim_time_t pending_ps;
};

struct vq_sim_mem {
        const struct vq_sim_config *config;
        uint8_t *bytes;
        struct vq_region region;
        struct cache_config l1_config[VQ_SIM_SIDES];
        struct cache_config llc_config;
        struct coherence_config coherence_config;
        struct cache l1[VQ_SIM_SIDES];
        struct cache llc;
        struct coherence coherence;
        bool hierarchy_up; /* caches and directory initialised */
        struct vq_sim_side_state sides[VQ_SIM_SIDES];
        sim_time_t l1_hit_ps;
        sim_time_t llc_hit_ps;
        sim_time_t barrier_ps[3];
};

/* 0, -EINVAL for a bad config (cache geometry, alignment, zero sizes), -ENOMEM. The guest RAM
 * starts zeroed and the caches cold. The config must outlive the memory. */
int vq_sim_init(struct vq_sim_mem *mem, const struct vq_sim_config *config);
void vq_sim_fini(struct vq_sim_mem *mem);

/* The port of one side, for its vq_config. Valid until vq_sim_fini. */
const struct vq_port *vq_sim_port(const struct vq_sim_mem *mem, enum vq_sim_side side);

/* Host pointer of [gpa, gpa + size) if wholly inside the guest RAM, else NULL. Accesses through
 * it are not timed (a test playing a hostile peer, a loader). */
uint8_t *vq_sim_host(const struct vq_sim_mem *mem, uint64_t gpa, uint64_t size);

/* Time one access of `size` bytes at `gpa` by `side` (every line it covers), as the ports do
 * for ring fields; for device models' payload copies. [gpa, gpa + size) must be inside. */
void vq_sim_access(struct vq_sim_mem *mem, enum vq_sim_side side, uint64_t gpa, uint64_t size,
                   enum mem_op op);

/* Empty both L1s, the LLC and the directory and zero the statistics and pending costs (the
 * guest RAM keeps its bytes): a cold system, e.g. after the library initialised the rings.
 * 0 or -ENOMEM. */
int vq_sim_make_cold(struct vq_sim_mem *mem);

const struct vq_sim_stats *vq_sim_stats_of(const struct vq_sim_mem *mem, enum vq_sim_side side);

/* The side's cost accumulated since the last call, which resets it to 0. */
sim_time_t vq_sim_take_pending_ps(struct vq_sim_mem *mem, enum vq_sim_side side);

#endif
