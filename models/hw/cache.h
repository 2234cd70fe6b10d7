/*
 * cache: a set-associative, write-back, write-allocate cache with MSHRs and partitioning.
 *
 * Geometry: `size_bytes` = sets * ways * line_bytes, all powers of two, ways <= 64. Address
 * a maps to line number a / line_bytes, set (a / line_bytes) % sets. Replacement picks, among
 * the ways the requesting initiator may allocate in, the lowest-numbered invalid way if any,
 * else by policy:
 *   CACHE_LRU         the way least recently accessed (hit or fill): exact LRU, kept for up
 *                     to 16 ways as the set's recency order in one word (a few word
 *                     operations per access and per replacement), for more as a per-set
 *                     access clock stamped on each way (O(1) per access, a scan of the
 *                     allowed ways' stamps per replacement);
 *   CACHE_TREE_PLRU   ways a power of two; a binary tree of ways-1 bits per set, node k with
 *                     children 2k and 2k+1 (root 1), bit 0 = "victim on the low side". An
 *                     access sets every bit on its path to point away from it; the victim is
 *                     found by following the bits from the root, taking the other child when
 *                     the indicated subtree has no allowed way;
 *   CACHE_RANDOM      with n allowed ways, draw k = rng_range(rng, 0, n - 1) from the cache's
 *                     stream (rng_init_named(seed, name)) and take the k-th allowed way in
 *                     increasing way order (one draw per replacement of a valid line).
 *
 * Partitioning. Way partitioning: `way_masks[i]` (bit w = way w) limits where initiator i
 * allocates; lookups hit in every way. Page colouring is done by the OS/hypervisor's page
 * allocator, not by the cache: with line L, sets S and page P, there are
 * colours = max(1, S * L / P) colours (the way size over the page size) and
 * colour(a) = (a / P) % colours, because the set-index bits above the page offset are the low
 * bits of the page number. cache_colour_translate() is that allocator as a pure function: it
 * maps an initiator's page number p (its intermediate physical page) onto the n allowed
 * colours c_0 < ... < c_{n-1} of its mask as physical page
 * base / P + (p / n) * colours + c_{p % n}, keeping the offset within the page. Initiators
 * with disjoint colour masks therefore never share a set; `base` (a multiple of
 * colours * P) separates initiators that share colours.
 *
 * Timing (detailed mode, through cache_mem_port): a hit completes hit_cycles of `clock_hz`
 * after it arrives. A miss takes an MSHR of its initiator (`mshrs_per_initiator`), chooses and
 * evicts its victim at once (a dirty victim becomes a write request of one line downstream,
 * sent together with the fill; the MSHR frees when both are done) and sends a line read
 * downstream; the requester completes hit_cycles after the fill returns (the tag lookup is
 * charged on the response path). Further accesses to a line whose fill is outstanding wait on
 * that MSHR (counted as `merged`, not as misses). A miss with no free MSHR of its initiator
 * waits in that initiator's FIFO and is looked up again when one frees (hits are not held up
 * behind it: hit under miss); a miss whose allowed ways all await fills waits until some MSHR
 * frees. Lines awaiting a fill are never chosen as victims. A request must lie within one
 * line, and the downstream port must accept every fill and write-back (it may not refuse:
 * at most initiators * mshrs_per_initiator * 2 are outstanding).
 *
 * Coherence: with `coherence` set, the cache is a private cache in that directory. Read
 * misses and write misses consult it; a line supplied by a peer arrives transfer_ps later
 * instead of being read downstream. A write hit on an Exclusive line becomes Modified
 * silently; on a Shared line it is an upgrade that holds an MSHR for the invalidation latency.
 * Evictions are reported. When a peer's read downgrades this cache's Modified line, the
 * write-back is the directory's (its owner_writebacks counter): the cache sends no traffic.
 *
 * The functional path cache_access() runs the same lookup, replacement and counters without
 * time or downstream traffic: the fast fidelity and the core's memory profiles use it for
 * accesses whose timing is modelled analytically. Neither path allocates memory after init.
 * Counters per initiator: accesses, misses, write-backs (charged to the initiator whose miss
 * evicted the dirty line), merged.
 *
 * Integration (later session): the platform builds one struct cache per L1 and one for the
 * LLC from the scenario's platform "caches" list, wires each port downstream, and the core
 * issues the accesses of a segment's memory profile (addresses after colour translation).
 */
#ifndef MOSAIC_HW_CACHE_H
#define MOSAIC_HW_CACHE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/hw/coherence.h"
#include "models/hw/mem_port.h"
#include "sim/rng.h"
#include "sim/sim.h"

enum cache_replacement { CACHE_LRU, CACHE_TREE_PLRU, CACHE_RANDOM };

struct cache_config {
        const char *name; /* also names the random stream */
        uint64_t size_bytes;
        uint32_t ways;
        uint32_t line_bytes;
        uint32_t page_bytes; /* for the colour arithmetic; 0 means 4096 */
        enum cache_replacement replacement;
        uint64_t seed; /* scenario seed, for CACHE_RANDOM */
        uint64_t clock_hz;
        uint32_t hit_cycles;
        uint32_t mshrs_per_initiator;
        uint16_t initiators;         /* initiator ids are < this */
        const uint64_t *way_masks;   /* per initiator; NULL: all ways for everybody */
        struct coherence *coherence; /* NULL unless a private cache in a coherence domain */
        unsigned coherence_id;
};

struct cache_counters {
        uint64_t accesses;
        uint64_t misses;
        uint64_t writebacks;
        uint64_t merged;
};

/* What a functional access did. */
struct cache_outcome {
        bool hit;
        bool writeback;                    /* a dirty line was evicted */
        uint64_t writeback_addr;           /* its address, when writeback */
        struct coherence_result coherence; /* when the cache has a coherence domain */
};

/*
 * Per-set state, the 32-byte head of the set's record: each set's state, fingerprints, LRU
 * stamps and tags are kept together in one record of `record_bytes` (layout in cache_priv.h),
 * so that a lookup reads the head and fingerprints from one host cache line, then normally
 * one tag and (CACHE_LRU) one stamp from the same record.
 */
struct cache_set {
        uint64_t valid;   /* bit w: way w holds a line */
        uint64_t pending; /* bit w: way w awaits its fill */
        uint64_t dirty;   /* bit w: way w is dirty */
        uint64_t policy;  /* CACHE_TREE_PLRU: tree bits, node k at bit k; CACHE_LRU: the clock */
};

struct cache_mshr {
        struct cache *cache;
        struct mem_request fill;
        struct mem_request writeback;
        struct mem_fifo waiting; /* requests to complete when the fill returns */
        size_t line_index;
        uint16_t initiator;
        uint8_t pending; /* outstanding downstream requests (or a peer transfer) */
        uint8_t in_use;
        sim_event_id transfer_event;
};

struct cache {
        const struct cache_config *config;
        struct sim *sim;
        struct mem_port downstream;
        uint32_t sets;
        uint32_t set_mask;
        uint32_t ways;
        unsigned line_shift;
        enum cache_replacement replacement;
        bool lean; /* CACHE_LRU without coherence: cache_priv.h's inline path does it all */
        uint64_t all_ways;
        uint64_t colours;
        sim_time_t hit_ps;
        struct rng rng;
        unsigned char *records;          /* sets * record_bytes, 64-byte aligned: per set a
                                            struct cache_set, a fingerprint byte per way (0
                                            when invalid, else a hash of the line, cache.c),
                                            CACHE_LRU stamps (the set's clock at the way's
                                            last access) and tags (line address + 1, 0 when
                                            invalid) */
        size_t record_bytes;             /* a multiple of 64 */
        uint32_t fingerprint_words;      /* per set: ways / 8 rounded up (0 below 8 ways:
                                            cache_priv.h) */
        uint16_t *line_mshr;             /* sets * ways: MSHR index + 1 while a fill is
                                            outstanding, else 0 */
        struct cache_mshr *mshrs;        /* initiators * mshrs_per_initiator */
        uint32_t *mshrs_busy;            /* per initiator */
        struct mem_fifo *mshr_wait;      /* per initiator */
        struct mem_fifo set_blocked;     /* misses whose allowed ways all await fills */
        struct cache_counters *counters; /* per initiator */
        struct mem_done_queue hits;
};

/* 0, -EINVAL for a bad geometry or config, -ENOMEM. `downstream` may be NULL for a cache used
 * only functionally. The config must outlive the cache. */
int cache_init(struct cache *cache, const struct cache_config *config, struct sim *sim,
               const struct mem_port *downstream);
void cache_fini(struct cache *cache);

/* The cache's timed input port. */
struct mem_port cache_mem_port(struct cache *cache);

/* One access without time (see above). */
struct cache_outcome cache_access(struct cache *cache, uint64_t addr, enum mem_op op,
                                  uint16_t initiator);

/* Whether the line holding `addr` is present (no state change). */
bool cache_contains(const struct cache *cache, uint64_t addr);
/* The line address (address / line_bytes) held in `way` of `set`, UINT64_MAX if invalid. */
uint64_t cache_line_at(const struct cache *cache, uint32_t set, uint32_t way);
/* Whether the line holding `addr` is present and dirty. */
bool cache_dirty(const struct cache *cache, uint64_t addr);
const struct cache_counters *cache_counters_of(const struct cache *cache, uint16_t initiator);

uint32_t cache_sets(const struct cache *cache);
uint64_t cache_colours(const struct cache *cache);
uint64_t cache_colour_of(const struct cache *cache, uint64_t addr);
/*
 * The coloured page allocator as a function (see above): the physical address of `addr` of an
 * initiator whose allowed colours are `colour_mask` (non-zero, below 2^colours) and whose
 * region starts at `base`. colours <= 64.
 */
uint64_t cache_colour_translate(uint64_t colours, uint64_t page_bytes, uint64_t colour_mask,
                                uint64_t base, uint64_t addr);

/* Hooks for a coherence directory (used by cache_init when `coherence` is set). */
extern const struct coherence_peer_ops cache_coherence_ops;

#endif
