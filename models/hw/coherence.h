/*
 * coherence: MESI coherence between private caches, kept by a directory at the shared level.
 *
 * The directory (a snoop filter beside the LLC, inclusive of the private caches' contents)
 * records for every line held by some private cache its sharer set and, when one cache holds
 * it exclusively, the owner and whether the copy is Exclusive (clean) or Modified. A private
 * cache reports each miss (coherence_read / coherence_write), each write hit on a line it may
 * only share (coherence_write again: the upgrade) and each eviction (coherence_evict); the
 * directory answers with what happened and calls the peers' invalidate / downgrade hooks so
 * their tag arrays follow. The protocol, for cache c and line x:
 *
 *   read  miss: owner o in E/M -> o goes to S (M writes back to the shared level), c gets S and
 *               the data comes cache-to-cache; other sharers only -> c gets S from the shared
 *               level; nobody -> c gets E.
 *   write:      c in M: nothing; c in E: E -> M silently; c in S: S -> M, other sharers S -> I
 *               (an upgrade, no data); owner o in E/M: o -> I, c I -> M with the data
 *               cache-to-cache; sharers only: all S -> I, c I -> M from the shared level;
 *               nobody: I -> M.
 *   evict:      c's copy -> I (M writes back; the cache issues that write-back itself).
 *
 * Every state change of every cache is counted in a 4x4 transition matrix [from][to]. Extra
 * latency: `transfer_cycles` for a cache-to-cache transfer, `invalidate_cycles` for an upgrade
 * that had to invalidate other sharers, both in cycles of `clock_hz`. The table has a fixed
 * capacity given at init (open addressing; size it to at least the total lines of the private
 * caches, and it never allocates afterwards). At most 32 caches. Not modelled: transient
 * states and races between simultaneous requests (each request is resolved atomically when it
 * is made), the directory's own lookup latency (part of the LLC hit latency).
 *
 * Integration: a cache joins a directory through its cache_config (`coherence`), and then
 * reports to it on every miss and upgrade. A directory can also be driven by hand over caches
 * that do not know it: models/io/vq_sim_mem.c keeps one per virtio device over the ring lines
 * and applies its answers to the platform cores' own L1s through cache_coherence_ops (the
 * cores' tasks keep the L1s' fast path without a directory), so ring hand-offs between cores
 * are cache-to-cache transfers. The platform does the same for the scenario's shared regions
 * (inter-OS shared memory): one directory over every core's L1, driven by the cores' engines
 * (mem_exec.h, mem_exec_shared). The fast fidelity charges transfer_ps per shared-line
 * hand-over estimated from the profile's sharing rate (mem_fast.h, "Coherence").
 */
#ifndef MOSAIC_HW_COHERENCE_H
#define MOSAIC_HW_COHERENCE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

#define COHERENCE_MAX_CACHES 32

enum coherence_state { COH_I = 0, COH_S = 1, COH_E = 2, COH_M = 3 };
#define COH_STATES 4

/* Hooks the directory calls on a peer cache (`cache` as given to coherence_attach). */
struct coherence_peer_ops {
        /* Drop the line; a dirty copy's data went to the requester, so no write-back. */
        void (*invalidate)(void *cache, uint64_t line_addr);
        /* Keep the line, now clean and shared (its M data was written back). */
        void (*downgrade)(void *cache, uint64_t line_addr);
};

struct coherence_config {
        unsigned caches;       /* private caches taking part, <= COHERENCE_MAX_CACHES */
        size_t capacity_lines; /* lines tracked at once */
        uint64_t clock_hz;
        uint32_t transfer_cycles;
        uint32_t invalidate_cycles;
};

/* What one request did. */
struct coherence_result {
        enum coherence_state before; /* the requester's state before */
        enum coherence_state after;
        int supplier;         /* cache that supplied the data, -1 for the shared level */
        uint32_t invalidated; /* bit i: cache i lost its copy */
        bool owner_writeback; /* a Modified owner wrote back to the shared level */
        sim_time_t extra_ps;  /* cache-to-cache transfer or invalidation latency */
        bool needs_data;      /* the requester must fetch the line (not an upgrade or hit) */
};

struct coherence_entry {
        uint64_t key; /* line address + 1; 0 = empty slot */
        uint32_t sharers;
        int8_t owner;        /* -1: none */
        uint8_t owner_state; /* COH_E or COH_M when owner >= 0 */
};

struct coherence {
        const struct coherence_config *config;
        struct coherence_entry *table;
        size_t table_mask;
        size_t used;
        sim_time_t transfer_ps;
        sim_time_t invalidate_ps;
        const struct coherence_peer_ops *peer_ops[COHERENCE_MAX_CACHES];
        void *peer[COHERENCE_MAX_CACHES];
        uint64_t transitions[COH_STATES][COH_STATES];
        uint64_t cache_to_cache;
        uint64_t owner_writebacks;
        uint64_t invalidations;
};

/* 0, -EINVAL for a bad config, -ENOMEM. The config must outlive the directory. */
int coherence_init(struct coherence *coh, const struct coherence_config *config);
void coherence_fini(struct coherence *coh);
/* Register cache `id`'s hooks (NULL ops: the directory only tracks, for tests). */
void coherence_attach(struct coherence *coh, unsigned id, const struct coherence_peer_ops *ops,
                      void *cache);

/* A read miss of cache `id` on line `line_addr` (address / line size). */
struct coherence_result coherence_read(struct coherence *coh, unsigned id, uint64_t line_addr);
/* A write by cache `id` (a miss, or a hit that may need an upgrade). */
struct coherence_result coherence_write(struct coherence *coh, unsigned id, uint64_t line_addr);
/* Cache `id` evicted the line; returns its state before (COH_M: it must write back). */
enum coherence_state coherence_evict(struct coherence *coh, unsigned id, uint64_t line_addr);

enum coherence_state coherence_state_of(const struct coherence *coh, unsigned id,
                                        uint64_t line_addr);
uint64_t coherence_transition_count(const struct coherence *coh, enum coherence_state from,
                                    enum coherence_state to);
/* Lines tracked now. */
size_t coherence_tracked(const struct coherence *coh);

#endif
