/*
 * mem_exec: the detailed execution engine of one core: it runs a task's segment (a number of
 * instructions with a struct mem_profile) and times every memory access the profile makes.
 *
 * Timing model (an in-order core with non-blocking misses). A segment's instructions take
 * base_cpi cycles each of `clock_hz` (kept in 1/65536 ps so that no rounding accumulates).
 * Each access is looked up in the core's private L1 with the functional cache_access() (its
 * inlined form cache_access_view, models/hw/cache_priv.h: the same lookup, replacement and
 * counters) and costs the L1 hit latency (hit_cycles of the L1's clock) on the core, hit or
 * miss. A miss becomes a line read (the fill; a write miss reads for ownership) sent through
 * the timed `downstream` port (the LLC's cache_mem_port, or anything below), together with a
 * line write when the L1 evicted a dirty line; the fill holds one of `mshrs` miss slots until it
 * completes, and a write-back one of another `mshrs` slots. (With mem_exec_attach_llc the
 * LLC is looked up functionally as well and only LLC misses use the port: see there.) The core goes
 * on past a miss (hit under miss) and stalls only when it needs a slot and none is free, or, for
 * POINTER_CHASE profiles, after every miss (the next address depends on the loaded value: one
 * outstanding miss). A segment ends when its instructions are done and its own fills have
 * completed (write-backs are posted). So, unloaded, a pointer chase costs per access
 * cpi + l1_hit when it hits in L1 and cpi + l1_hit + (latency of the downstream chain) when
 * it misses.
 *
 * Temporal decoupling: through compute and L1 hits the engine runs ahead of the kernel clock
 * without events, up to the next miss to issue (scheduled at its own instant, since timed
 * components take sim_now as the arrival time) or `lookahead_ps` beyond the kernel (then it
 * schedules a continuation). L1 state changes of the run-ahead part are applied early, which
 * only matters if someone else touches the same L1 in that window.
 *
 * Preemption (mem_exec_preempt) at any instant keeps the segment's remaining work in the
 * segment: instructions not yet run, the access generated but not yet performed, a miss
 * looked up but not yet issued, and the run-ahead time not yet elapsed (`debt_ps`, charged
 * first on resume), so a segment cut into any number of slices on an undisturbed L1 takes the
 * same total time. A fill in flight at preemption completes in the background: it frees its
 * slot (a later segment on this engine may wait for it) but is no longer awaited, and the
 * resumed segment does not wait for it either (its data is taken to have arrived). Stall
 * time is counted in the segment and per engine: time spent waiting for a slot, for a
 * dependent load, or for the final fills. Optionally every fill's wait for its slot (from its
 * L1 miss, or from the segment's resumption for a miss left pending at a preemption) goes into
 * a histogram (slot_wait_histogram): the queueing in front of the LLC.
 *
 * Segments a scheduler can hand around: struct mem_exec_segment holds all state that must
 * survive preemption and migration; the engine holds only the core's state (slots, L1). A
 * segment without a profile is plain work of `debt_ps` picoseconds, which is how the
 * exec_port adapter (mem_exec_exec_port) runs today's cycle-based demands unchanged.
 *
 * Integration: the segment variant of core.h's execution-resource interface, struct
 * mem_exec_port below, which both this engine and the fast
 * analytic model (mem_fast.h) provide: start(resource, segment, done, arg), preempt(resource)
 * leaving the remaining work in the segment, busy(resource). A guest OS job whose task has a
 * profile builds its segment once per job (mem_exec_segment_init with the task's generator)
 * and calls start/preempt through this port instead of exec_port's start(work_ps); tasks
 * without a profile keep using plain work (guest_os_set_memory). The hypervisor's vCPU forwards
 * both to the physical core's engine (hv_set_memory, hv_vcpu_segment_port); the platform builds
 * the engines (models/platform_memory.h). With colour_mask set, generated addresses go through
 * the coloured page allocator (cache_colour_translate) first. Accesses to shared regions go
 * through a MESI directory shared by the platform's engines (mem_exec_shared below; they are
 * never coloured). Not modelled: instruction fetch, prefetching, store buffers, multiple L1
 * ports, frequency changes.
 */
#ifndef MOSAIC_HW_MEM_EXEC_H
#define MOSAIC_HW_MEM_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "models/hw/cache.h"
#include "models/hw/coherence.h"
#include "models/hw/core.h"
#include "models/hw/mem_port.h"
#include "models/hw/mem_profile.h"
#include "sim/sim.h"
#include "sim/stats.h"

#define MEM_EXEC_MAX_MSHRS 32

struct mem_exec_config {
        uint64_t clock_hz;
        uint16_t initiator;      /* on every request, and for cache_access */
        uint32_t mshrs;          /* outstanding fills, 1..MEM_EXEC_MAX_MSHRS */
        sim_time_t lookahead_ps; /* run-ahead bound; 0 means 1 us */
        /* Page colouring (the OS's coloured page allocator, cache.h): with colour_mask != 0
         * every generated address is mapped by cache_colour_translate(colours, page_bytes,
         * colour_mask, colour_base, address) before it is used. */
        uint64_t colour_mask;
        uint64_t colours;
        uint64_t page_bytes;
        uint64_t colour_base;
};

/* Counters of a segment, and of an engine (sums over everything it ran). */
struct mem_exec_stats {
        uint64_t instructions;
        uint64_t accesses;
        uint64_t l1_misses;
        uint64_t llc_misses; /* with a decoupled LLC (or the fast model): fills from below */
        uint64_t writebacks;
        sim_time_t compute_ps; /* instructions x CPI */
        sim_time_t hit_ps;     /* L1 lookup latency charged on the core */
        sim_time_t stall_ps;   /* waiting for memory */
        /* shared-region accesses (mem_exec_attach_shared) */
        uint64_t coherence_transfers;     /* L1 misses served cache-to-cache by another core */
        uint64_t coherence_invalidations; /* writes that invalidated other cores' copies */
};

struct mem_exec_segment {
        const struct mem_profile *profile; /* NULL: plain work of debt_ps */
        struct mem_gen *gen;
        uint64_t instructions_left;
        sim_time_t debt_ps;
        uint64_t ps_per_instruction_q16; /* set when started */
        uint64_t compute_fraction_q16;
        uint64_t gap_left; /* instructions before `next` */
        struct mem_access next;
        bool has_next;
        bool miss_pending; /* `miss_line` was looked up, its fill not yet issued */
        bool miss_local;   /* ... and hit in the decoupled LLC: it completes without events */
        uint8_t writebacks_pending; /* lines to write downstream before the fill */
        uint64_t miss_line;
        sim_time_t miss_ps;          /* when it was looked up (or the segment resumed) */
        uint64_t writeback_lines[3]; /* victim, coherence owner's, LLC victim */
        struct mem_exec_stats stats;
        /* Page colouring of this segment's addresses instead of the engine's (set by
         * mem_exec_segment_set_colours): for work that does not belong to the core's OS, such
         * as a hypervisor's own code and data or a VM's vCPU on a shared core. */
        bool own_colours;
        uint64_t colour_mask; /* 0: no colouring */
        uint64_t colour_base;
};

/* A segment of `instructions` of `profile`, drawing from `gen` (made for this profile and the
 * initiator, and kept across segments so that a task continues its address stream). */
void mem_exec_segment_init(struct mem_exec_segment *seg, const struct mem_profile *profile,
                           struct mem_gen *gen, uint64_t instructions);
/* Map this segment's addresses with `colour_mask` (0: none) and `colour_base` instead of the
 * engine config's mask and base (the engine's colour count and page size still apply). Call
 * after mem_exec_segment_init. */
void mem_exec_segment_set_colours(struct mem_exec_segment *seg, uint64_t colour_mask,
                                  uint64_t colour_base);
/* A segment of plain work. */
void mem_exec_segment_init_plain(struct mem_exec_segment *seg, sim_time_t work_ps);
/* Whether nothing is left (a finished segment, or a preempted one waiting only for fills). */
bool mem_exec_segment_done(const struct mem_exec_segment *seg);

enum mem_exec_state {
        MEM_EXEC_IDLE,
        MEM_EXEC_RUNNING,   /* an event at local_ps continues */
        MEM_EXEC_WAIT_SLOT, /* a miss waits for a free slot */
        MEM_EXEC_WAIT_LOAD, /* a dependent load is outstanding */
        MEM_EXEC_WAIT_DRAIN /* instructions done, own fills outstanding */
};

struct mem_exec;

/*
 * Shared regions kept coherent between the engines of a platform (mem_exec_attach_shared): one
 * MESI directory (coherence.h) over the lines of [base, end), whose cache `id` is the L1
 * l1[id] (attached to the directory with cache_coherence_ops, so that the directory
 * invalidates and downgrades the peers' copies itself). An access of an engine to [base, end)
 * (never colour-translated) is taken out of the engine's fast loop and made thus:
 *   1. the directory forgets copies that the L1s evicted without telling it (their tasks'
 *      accesses use the L1s directly): for each L1 that no longer holds the line;
 *   2. a write (hit or miss) asks coherence_write, a read miss coherence_read; a peer's
 *      Modified copy that supplies a read is written back into the LLC (decoupled LLC:
 *      functionally; else as a line write to `downstream`);
 *   3. the L1 access itself (cache_access); a miss served by a peer (coherence_transfers)
 *      takes no fill from below, any other miss is an ordinary miss (LLC, then memory);
 *   4. the directory's extra latency, the cache-to-cache transfer (transfer_cycles) or the
 *      upgrade's invalidation (invalidate_cycles; coherence_invalidations counts every write
 *      that invalidated another core's copy), stalls the core: the request is resolved
 *      before the core goes on (no hit under a coherence miss).
 * Not modelled: the directory's own capacity misses (size it to the regions' lines), races
 * between engines within their run-ahead window (each request resolves atomically at its
 * engine's local time).
 */
struct mem_exec_shared {
        struct coherence *directory;
        uint64_t base;
        uint64_t end;
        unsigned caches;
        struct cache *l1[COHERENCE_MAX_CACHES];
};

struct mem_exec_slot {
        struct mem_request req;
        struct mem_exec *engine;
        uint32_t epoch;
        bool fill;
};

struct mem_exec {
        const struct mem_exec_config *config;
        struct sim *sim;
        struct cache *l1;
        struct mem_port downstream;
        sim_time_t l1_hit_ps;
        uint32_t line_bytes;
        unsigned line_shift;
        struct mem_exec_slot slots[2 * MEM_EXEC_MAX_MSHRS];
        uint16_t free_fill[MEM_EXEC_MAX_MSHRS];
        uint16_t free_writeback[MEM_EXEC_MAX_MSHRS];
        uint32_t free_fills;
        uint32_t free_writebacks;
        uint32_t epoch;       /* increases at every start: older fills are not awaited */
        uint32_t epoch_fills; /* fills of the current segment outstanding */
        enum mem_exec_state state;
        struct mem_exec_segment *segment;
        sim_time_t local_ps; /* the engine's own time, >= sim_now while running */
        sim_time_t wait_since_ps;
        sim_time_t started_ps;
        sim_time_t busy_ps;
        sim_event_id event;
        exec_done_fn done;
        void *done_arg;
        struct mem_exec_stats totals;
        struct mem_exec_segment plain; /* for the exec_port adapter */
        /* Decoupled LLC (mem_exec_attach_llc): fills that hit there, completing at these
         * local times without kernel events. */
        struct cache *llc;
        sim_time_t llc_hit_ps;
        sim_time_t local_fill_done[MEM_EXEC_MAX_MSHRS]; /* a ring, earliest first */
        uint32_t local_fill_head;
        uint32_t local_fills;
        /* Optional (set after init, NULL: none): for every fill, the time from its L1 miss
         * until it had a miss slot and went to the LLC (0 when a slot was free), in ps; a
         * failed record (-ENOMEM) is kept in histogram_error. */
        struct histogram *slot_wait_histogram;
        int histogram_error;
        /* Shared regions (mem_exec_attach_shared; NULL: none). */
        const struct mem_exec_shared *shared;
        unsigned coherence_id;
};

/* 0 or -EINVAL (bad config, an L1 whose line size is not a power of two). The config, the
 * L1 (a functional struct cache of this core; cache_init with a NULL downstream is enough)
 * and the downstream port's target must outlive the engine. */
int mem_exec_init(struct mem_exec *e, const struct mem_exec_config *config, struct sim *sim,
                  struct cache *l1, const struct mem_port *downstream);
/*
 * Decoupled LLC: look the shared LLC up functionally too (cache_access), so that a fill that
 * hits there costs the LLC hit latency on the engine's own clock, holding its MSHR until
 * then, without any kernel event; only LLC misses and the LLC's dirty evictions go through
 * `downstream`, which must then be the port below the LLC (interconnect, regulator or DRAM),
 * and a fill coming back from there is usable llc_hit later (the LLC's tag lookup on the
 * response path, as the timed cache charges it). An L1 write-back is written into the LLC
 * (a full line: no fill read). Unloaded latencies are the same as through the LLC's timed
 * port; what is lost is the LLC's own MSHR merging and queueing between cores, and the LLC
 * state changes are applied in each engine's local time order (at most `lookahead_ps` ahead
 * of the kernel). The LLC must be a struct cache the platform shares between the engines.
 */
void mem_exec_attach_llc(struct mem_exec *e, struct cache *llc);

/* Join the shared regions of `shared` as its cache `id` (shared->l1[id] must be this engine's
 * L1); `shared` must outlive the engine. */
void mem_exec_attach_shared(struct mem_exec *e, const struct mem_exec_shared *shared, unsigned id);

/* Cancel the pending event. Fills still in flight keep pointing at the engine: only valid
 * once the run is over (see mem_port.h). */
void mem_exec_fini(struct mem_exec *e);

/* Run `seg` (valid, not done, or plain) on an idle engine; done(arg) runs in class
 * SIM_PRIO_HIGH at the instant it completes. 0 or -ENOMEM. Nothing runs before the call
 * returns. */
int mem_exec_start(struct mem_exec *e, struct mem_exec_segment *seg, exec_done_fn done, void *arg);
/* Stop the running segment now; its remaining work stays in it (see above). */
void mem_exec_preempt(struct mem_exec *e);
bool mem_exec_busy(const struct mem_exec *e);
const struct mem_exec_stats *mem_exec_totals(const struct mem_exec *e);
/* Busy time (start to finish or preemption, stalls included) up to now. */
sim_time_t mem_exec_busy_ps(const struct mem_exec *e);
/* Fills in flight (any segment). */
uint32_t mem_exec_fills_outstanding(const struct mem_exec *e);

/* The engine as a plain execution resource (core.h semantics: work in picoseconds). */
struct exec_port mem_exec_exec_port(struct mem_exec *e);

/* The segment variant of exec_port that both fidelities provide (see above). */
struct mem_exec_port_ops {
        int (*start)(void *resource, struct mem_exec_segment *seg, exec_done_fn done, void *arg);
        void (*preempt)(void *resource);
        bool (*busy)(const void *resource);
};

struct mem_exec_port {
        const struct mem_exec_port_ops *ops;
        void *resource;
};

struct mem_exec_port mem_exec_segment_port(struct mem_exec *e);

#endif
