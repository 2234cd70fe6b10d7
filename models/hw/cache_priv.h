/*
 * cache_priv: the functional cache access of cache.h split so that its hit path can be inlined
 * into the execution engine's inner loop (mem_exec.c), private to models/hw.
 *
 * cache_access_lean(cache, addr, op, initiator, &writeback_addr) does exactly what
 * cache_access() does (the same lookup, replacement, counters and coherence actions) and
 * returns whether it hit; on a miss that evicted a dirty line, *writeback_addr is that line's
 * address, else CACHE_NO_WRITEBACK (no line address is all ones). The coherence result is not
 * returned. A hit in a cache without a coherence domain runs inline (lookup, LRU or tree-PLRU
 * touch, dirty bit); everything else calls cache_access_rest() in cache.c.
 *
 * Tag array layout and the fingerprint scan are described in cache.c; the functions here are
 * the ones cache.c itself uses for them.
 */
#ifndef MOSAIC_HW_CACHE_PRIV_H
#define MOSAIC_HW_CACHE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/hw/cache.h"

#define CACHE_NO_WRITEBACK UINT64_MAX

#define CACHE_BYTES_01 0x0101010101010101ULL
#define CACHE_BYTES_7F 0x7F7F7F7F7F7F7F7FULL

/* Stamps are 32-bit: a set's clock that reaches this limit is renumbered (cache.c). A build
 * may lower it to exercise the renumbering. */
#ifndef CACHE_LRU_CLOCK_LIMIT
#define CACHE_LRU_CLOCK_LIMIT UINT32_MAX
#endif

static inline size_t cache_set_base(const struct cache *cache, uint32_t set)
{
        return (size_t)set * cache->ways;
}

static inline uint64_t cache_fingerprint_of(uint64_t line_addr)
{
        return 0x80U | (line_addr * 0x9E3779B97F4A7C15ULL) >> 57;
}

/* The way among `tags` (a set's) whose fingerprint in `words` (the set's `count` words) and
 * tag match `line_addr`, or -1. */
static inline int cache_find_in(const uint64_t *words, uint32_t count, const uint64_t *tags,
                                uint64_t line_addr)
{
        uint64_t pattern = cache_fingerprint_of(line_addr) * CACHE_BYTES_01;

        for (uint32_t k = 0; k < count; k++) {
                uint64_t x = words[k] ^ pattern;
                /* bit 7 of each byte of x that is zero: no carries cross bytes, so exact */
                uint64_t match = ~(((x & CACHE_BYTES_7F) + CACHE_BYTES_7F) | x | CACHE_BYTES_7F);

                for (; match != 0; match &= match - 1) {
                        uint32_t w = 8 * k + (uint32_t)__builtin_ctzll(match) / 8;

                        if (tags[w] == line_addr + 1)
                                return (int)w;
                }
        }
        return -1;
}

/* The way of `set` holding `line_addr`, or -1. */
static inline int cache_find(const struct cache *cache, uint32_t set, uint64_t line_addr)
{
        const uint64_t *tags = &cache->tags[cache_set_base(cache, set)];

        /* Which tag is compared depends on the fingerprints: start reading the tags (and the
         * set's state, used next) while they are scanned, rather than after. */
        __builtin_prefetch(tags);
        __builtin_prefetch(&cache->set_state[set]);
        return cache_find_in(&cache->fingerprints[(size_t)set * cache->fingerprint_words],
                             cache->fingerprint_words, tags, line_addr);
}

static inline void cache_fingerprint_set(struct cache *cache, uint32_t set, unsigned way,
                                         uint64_t fingerprint)
{
        uint64_t *word = &cache->fingerprints[(size_t)set * cache->fingerprint_words + way / 8];
        unsigned shift = 8 * (way % 8);

        *word = (*word & ~(0xFFULL << shift)) | fingerprint << shift;
}

/* Ask the host to bring in what a lookup of `addr` reads (no simulated effect): issued a few
 * accesses ahead, it takes a shared cache's large arrays off the critical path. */
static inline void cache_prefetch(const struct cache *cache, uint64_t addr)
{
        uint64_t line_addr = addr >> cache->line_shift;
        uint32_t set = (uint32_t)line_addr & cache->set_mask;
        size_t base = cache_set_base(cache, set);

        __builtin_prefetch(&cache->fingerprints[(size_t)set * cache->fingerprint_words]);
        __builtin_prefetch(&cache->tags[base]);
        __builtin_prefetch(&cache->tags[base + cache->ways - 1]);
        __builtin_prefetch(&cache->set_state[set]);
        __builtin_prefetch(&cache->stamps[base]);
}

/* Renumber a set's LRU stamps (cache.c). */
void cache_lru_renumber(struct cache *cache, uint32_t set);

static inline void cache_lru_touch(struct cache *cache, uint32_t set, unsigned way)
{
        struct cache_set *s = &cache->set_state[set];

        if (__builtin_expect(s->policy >= CACHE_LRU_CLOCK_LIMIT, 0))
                cache_lru_renumber(cache, set);
        cache->stamps[cache_set_base(cache, set) + way] = (uint32_t)++s->policy;
}

/* The least recently accessed way of `candidates` (non-zero, all valid). */
static inline unsigned cache_lru_victim(const struct cache *cache, uint32_t set,
                                        uint64_t candidates)
{
        const uint32_t *stamps = &cache->stamps[cache_set_base(cache, set)];
        unsigned victim = (unsigned)__builtin_ctzll(candidates);
        uint32_t oldest = stamps[victim];

        if (candidates == cache->all_ways) { /* the common case: a plain scan */
                unsigned ways = cache->ways;

                for (unsigned w = 1; w < ways; w++) {
                        uint32_t stamp = stamps[w];
                        bool older = stamp < oldest;

                        /* selects rather than branches: which way is oldest is data */
                        oldest = older ? stamp : oldest;
                        victim = older ? w : victim;
                }
                return victim;
        }
        for (uint64_t rest = candidates & (candidates - 1); rest != 0; rest &= rest - 1) {
                unsigned w = (unsigned)__builtin_ctzll(rest);

                if (stamps[w] < oldest) {
                        oldest = stamps[w];
                        victim = w;
                }
        }
        return victim;
}

/* The rest of cache_access_lean after the lookup found `way` (-1: none) for `line_addr` in
 * `set`, for a cache that is not `lean` (cache.c). */
bool cache_access_rest(struct cache *cache, uint64_t line_addr, uint32_t set, int way,
                       enum mem_op op, uint16_t initiator, uint64_t *writeback_addr);

/*
 * cache_access's hit, or its miss (cache_victim, cache_install), for a `lean` cache of `ways`
 * ways and `words` fingerprint words per set: constants where the caller knows the geometry
 * (cache_access_lean_4way), so that the scans unroll. The cache's fields are read once into
 * locals: stores to its arrays could alias them.
 */
__attribute__((always_inline)) static inline bool
cache_access_lean_geometry(struct cache *cache, uint64_t addr, enum mem_op op, uint16_t initiator,
                           uint64_t *writeback_addr, uint32_t ways, uint32_t words)
{
        uint64_t line_addr = addr >> cache->line_shift;
        uint32_t set = (uint32_t)line_addr & cache->set_mask;
        size_t base = (size_t)set * ways;
        uint64_t *tags = &cache->tags[base];
        uint32_t *stamps = &cache->stamps[base];
        uint64_t *fingerprints = &cache->fingerprints[(size_t)set * words];
        struct cache_set *s = &cache->set_state[set];
        struct cache_counters *counters = &cache->counters[initiator];
        int way = cache_find_in(fingerprints, words, tags, line_addr);
        uint64_t allowed, candidates, bit, old_tag, write = (uint64_t)op & 1U, dirty_victim;
        unsigned shift;

        if (!cache->lean)
                return cache_access_rest(cache, line_addr, set, way, op, initiator, writeback_addr);
        counters->accesses++;
        if (__builtin_expect(s->policy >= CACHE_LRU_CLOCK_LIMIT, 0))
                cache_lru_renumber(cache, set);
        if (way >= 0) {
                *writeback_addr = CACHE_NO_WRITEBACK;
                stamps[way] = (uint32_t)++s->policy;
                s->dirty |= write << way;
                return true;
        }
        counters->misses++;
        allowed = cache->config->way_masks == NULL
                      ? cache->all_ways
                      : cache->config->way_masks[initiator] & cache->all_ways;
        assert(allowed != 0);
        candidates = allowed & ~s->pending;
        if ((allowed & ~s->valid) != 0) {
                way = __builtin_ctzll(allowed & ~s->valid);
        } else if (candidates == cache->all_ways) { /* cache_lru_victim's plain scan */
                uint32_t oldest = stamps[0];

                way = 0;
                for (uint32_t w = 1; w < ways; w++) {
                        uint32_t stamp = stamps[w];
                        bool older = stamp < oldest;

                        /* selects rather than branches: which way is oldest is data */
                        oldest = older ? stamp : oldest;
                        way = older ? (int)w : way;
                }
        } else {
                assert(candidates != 0 &&
                       "functional access into a set with every way awaiting a fill");
                way = (int)cache_lru_victim(cache, set, candidates);
        }
        bit = 1ULL << way;
        old_tag = tags[way];
        /* an invalid way is never dirty (cache_drop clears both) */
        dirty_victim = (s->dirty >> way) & 1U;
        /* selects: whether the victim is dirty is data */
        *writeback_addr =
            ((old_tag - 1) << cache->line_shift) | (CACHE_NO_WRITEBACK * (1U - dirty_victim));
        counters->writebacks += dirty_victim;
        tags[way] = line_addr + 1;
        shift = 8 * ((unsigned)way % 8);
        fingerprints[way / 8] = (fingerprints[way / 8] & ~(0xFFULL << shift)) |
                                cache_fingerprint_of(line_addr) << shift;
        s->valid |= bit;
        s->dirty = (s->dirty & ~bit) | (write << way);
        stamps[way] = (uint32_t)++s->policy;
        return false;
}

/* cache_access_lean_geometry for any geometry. */
__attribute__((always_inline)) static inline bool cache_access_lean(struct cache *cache,
                                                                    uint64_t addr, enum mem_op op,
                                                                    uint16_t initiator,
                                                                    uint64_t *writeback_addr)
{
        return cache_access_lean_geometry(cache, addr, op, initiator, writeback_addr, cache->ways,
                                          cache->fingerprint_words);
}

/* The same, unrolled for the 4-way caches that private L1s usually are. */
__attribute__((always_inline)) static inline bool
cache_access_lean_l1(struct cache *cache, uint64_t addr, enum mem_op op, uint16_t initiator,
                     uint64_t *writeback_addr)
{
        if (cache->ways == 4)
                return cache_access_lean_geometry(cache, addr, op, initiator, writeback_addr, 4, 1);
        return cache_access_lean(cache, addr, op, initiator, writeback_addr);
}

/* The same, unrolled for 16-way shared caches. */
__attribute__((always_inline)) static inline bool
cache_access_lean_llc(struct cache *cache, uint64_t addr, enum mem_op op, uint16_t initiator,
                      uint64_t *writeback_addr)
{
        if (cache->ways == 16)
                return cache_access_lean_geometry(cache, addr, op, initiator, writeback_addr, 16,
                                                  2);
        return cache_access_lean(cache, addr, op, initiator, writeback_addr);
}

#endif
