/*
 * vq_sim_mem: simulated guest RAM for the real virtio/ library, with every ring access timed
 * on the simulated memory hierarchy of the side that executes it.
 *
 * Contract. A vq_sim_mem owns a byte array standing for guest-physical memory
 * [gpa_base, gpa_base + size_bytes) and two struct vq_port instances over it, one per queue
 * side (VQ_SIM_DRIVER, VQ_SIM_DEVICE): give the driver's vq_config the driver port and the
 * device's vq_config the device port. Both ports use the library's default loads, stores and
 * barriers on the byte array (the rings hold real bytes) and an `access` observer that charges
 * each ring access to its side. By default (no platform attached: a platform without a
 * "memory" section, fast fidelity, unit tests) each side is an initiator with a private L1
 * (struct cache);
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
 * interconnect and DRAM (by default the latencies are unloaded; on a platform see below), and
 * interleaving of the two sides at a finer grain than one library call (a line ping-ponging during
 * one call). docs/virtio-sim.md discusses the fully asynchronous alternative.
 *
 * Counted per side: loads, stores, barriers, L1 misses (line lookups), LLC misses, transfers
 * (the line's data came from the peer's L1), invalidations (the access invalidated the peer's
 * copy: an upgrade or a write miss), hand-offs (accesses that did either: the line changed
 * hands) and the total cost; on a platform also the queueing charged to LLC misses and the
 * requests sent below the LLC. Data-buffer payload is not touched by the library; device
 * models time their payload copies with vq_sim_access.
 *
 * On a platform (vq_sim_attach_platform; models/platform_devices.c does it when the scenario's
 * platform has a "memory" section and runs in detailed fidelity) the private caches above are
 * replaced by the platform's own: each side looks its accesses up in the functional L1
 * (struct cache) of the physical core that runs its code, the very L1 that core's tasks use,
 * so ring lines and task lines evict each other; a side with no L1 (a pass-through device,
 * a DMA master) goes straight to the LLC. Both sides share the platform's LLC, looked up with
 * one initiator id (the owner of the guest RAM: the driver's core, so the driver OS's LLC way
 * partition applies to every ring line whichever side allocates it), and guest-physical
 * addresses become platform-physical ones as the owner's tasks' do: gpa - gpa_base +
 * phys_base, then through the owner's coloured page allocator (cache_colour_translate) when it
 * has colours. This module's MESI directory still decides transfers and invalidations between
 * the two sides, now applied to the platform's L1s (cache_coherence_ops: a peer's copy is
 * dropped or cleaned in its real L1); both sides on one core share one L1 and one directory
 * slot, so a hand-off there is an L1 hit. The platform's L1s know nothing of the directory:
 * before each ring access the directory forgets a side's copy that its L1 has meanwhile
 * evicted (a task's miss can evict a ring line; a dirty one was written back to the LLC by
 * the core's engine). Costs follow the table above with the platform's latencies: the L1 hit
 * of the side's L1 (0 for a side with no L1), the LLC hit of the platform LLC, and for an LLC
 * miss `memory_ps` (the unloaded bus transfer and DRAM access) plus the queueing currently
 * observed below the LLC: the mean bus queueing delay plus the mean DRAM queueing delay of
 * the requests the platform's interconnect granted and DRAM controller chose since the
 * estimate was last refreshed (from `queue_totals`, cumulative sums and counts; the estimate is
 * refreshed when at least VQ_SIM_QUEUE_WINDOW new requests passed each, else the previous
 * value stays; it starts at 0). An LLC miss also loads the platform: its line read, and the
 * write of each dirty line the LLC evicted, are submitted as real requests to `downstream`
 * (the interconnect, below the LLC) with the side's bus initiator at the instant the
 * synchronous accounting places the access (now + the side's pending cost before the line +
 * its L1 and LLC lookups, so one call's misses leave one after the other), fire and
 * forget (completion only returns the request to a pool of two per guest-RAM line plus 64,
 * enough for a call that misses every line and evicts a dirty line each time; should the pool
 * still run dry, a request is not sent and is counted as unsent). The accounting stays synchronous,
 * so these requests do not delay the ring code beyond the estimate; they make tasks, other devices
 * and later estimates feel the ring's traffic. Dirty lines the L1s evict are written into the LLC
 * (as the core's engine does). Owner write-backs on a downgrade also go into the LLC. Not modelled
 * on a platform: the directory's lookup latency and the LLC's MSHRs (as for the cores' engines,
 * mem_exec_attach_llc), the side's own clock for transfers (the directory's clock is `clock_hz`,
 * the driver core's).
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

/* Platform mode: the window of the queueing estimate, in requests. */
#define VQ_SIM_QUEUE_WINDOW 16u

/* Cumulative queueing below the LLC: requests granted by the interconnect and the sum of their
 * waits for it, requests chosen by the DRAM controller and the sum of their waits there. */
struct vq_sim_queue_totals {
        uint64_t bus_grants;
        sim_time_t bus_delay_ps;
        uint64_t dram_requests;
        sim_time_t dram_delay_ps;
};

/* The platform's hierarchy for vq_sim_attach_platform (copied; the caches, the port's target
 * and queue_ctx must outlive the memory). */
struct vq_sim_platform {
        struct sim *sim;
        struct cache *l1[VQ_SIM_SIDES];      /* the side's core's L1; NULL: none (DMA master) */
        uint16_t l1_initiator[VQ_SIM_SIDES]; /* the side's initiator id in that L1 */
        struct cache *llc;                   /* the shared LLC (functional lookups) */
        uint16_t llc_initiator;              /* the guest RAM's owner's id in the LLC */
        struct mem_port downstream;          /* below the LLC; ops NULL: send nothing */
        uint16_t bus_initiator[VQ_SIM_SIDES];
        sim_time_t memory_ps; /* unloaded bus + DRAM latency of a line read */
        uint64_t phys_base;   /* platform address of gpa_base before colouring */
        uint64_t colour_mask; /* 0: no colouring; else cache_colour_translate with these */
        uint64_t colours;
        uint64_t page_bytes;
        uint64_t colour_base;
        /* NULL: no queueing estimate (0) */
        void (*queue_totals)(void *ctx, struct vq_sim_queue_totals *out);
        void *queue_ctx;
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
        /* platform mode */
        sim_time_t queue_ps;      /* queueing estimate charged to LLC misses */
        uint64_t memory_requests; /* line reads and write-backs sent below the LLC */
        uint64_t unsent_requests; /* ... not sent: the pool was empty or the port refused */
};

/* A fire-and-forget request below the LLC. */
struct vq_sim_request {
        struct mem_request req;
        struct vq_sim_mem *mem;
        enum vq_sim_side side;
        uint32_t index;
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
        /* platform mode (vq_sim_attach_platform) */
        bool on_platform;
        struct vq_sim_platform platform;
        unsigned coherence_id[VQ_SIM_SIDES]; /* both 0 when the sides share one L1 */
        sim_time_t side_l1_hit_ps[VQ_SIM_SIDES];
        sim_time_t platform_llc_hit_ps;
        struct vq_sim_queue_totals queue_seen; /* totals at the last refresh */
        sim_time_t bus_queue_ps;               /* the estimate's two means */
        sim_time_t dram_queue_ps;
        struct vq_sim_request *requests; /* request_capacity of them */
        uint32_t *free_requests;
        uint32_t request_capacity;
        uint32_t free_request_count;
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

/*
 * Time every later access on the platform's hierarchy instead of the private one (see above):
 * the private caches are released, the directory is rebuilt for two platform L1s, the rings
 * start cold (as vq_sim_make_cold: every guest-RAM line is dropped from both sides' L1s and
 * the LLC, statistics are zeroed). Both sides need the platform LLC's line size; the LLC and
 * every given L1 must have at least llc_initiator + 1 / l1_initiator + 1 initiators.
 * Allocates the request pool (see above). Once only.
 * 0, -EINVAL (a mismatched line size, an initiator out of range, already attached), -ENOMEM.
 */
int vq_sim_attach_platform(struct vq_sim_mem *mem, const struct vq_sim_platform *platform);
/* Whether vq_sim_attach_platform succeeded: accesses are timed on the platform's hierarchy. */
bool vq_sim_on_platform(const struct vq_sim_mem *mem);
/* The platform address of the line holding `gpa` (gpa itself without a platform). */
uint64_t vq_sim_phys(const struct vq_sim_mem *mem, uint64_t gpa);
/* The current queueing estimate charged to an LLC miss on a platform (0 without). */
sim_time_t vq_sim_queue_estimate_ps(const struct vq_sim_mem *mem);

const struct vq_sim_stats *vq_sim_stats_of(const struct vq_sim_mem *mem, enum vq_sim_side side);

/* The side's cost accumulated since the last call, which resets it to 0. */
sim_time_t vq_sim_take_pending_ps(struct vq_sim_mem *mem, enum vq_sim_side side);

#endif
