/*
 * cache_priv: the functional cache access of cache.h split so that its hit path can be inlined
 * into the execution engine's inner loop (mem_exec.c), private to models/hw.
 *
 * A caller that makes many accesses reads a cache's parameters for one initiator once into a
 * struct cache_lean_view and calls cache_access_view (or cache_access_view_l1 /
 * cache_access_view_llc, which unroll the usual geometries): that does exactly what
 * cache_access() does (the same lookup, replacement, counters and coherence actions) and
 * returns whether it hit; on a miss that evicted a dirty line, *writeback_addr is that line's
 * address, else CACHE_NO_WRITEBACK (no line address is all ones). The coherence result is not
 * returned. An access to a `lean` cache (CACHE_LRU, no coherence domain) runs inline, hit or
 * miss; everything else calls cache_access_rest() in cache.c.
 *
 * The set records (below) and the fingerprint scan (cache.c) are the cache's only state per
 * set and line, besides the MSHR marks; the functions here are the ones cache.c itself uses
 * for them.
 */
#ifndef MOSAIC_HW_CACHE_PRIV_H
#define MOSAIC_HW_CACHE_PRIV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/hw/cache.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

#define CACHE_NO_WRITEBACK UINT64_MAX

#define CACHE_BYTES_01 0x0101010101010101ULL
#define CACHE_BYTES_7F 0x7F7F7F7F7F7F7F7FULL

/* Stamps are 32-bit: a set's clock that reaches this limit is renumbered (cache.c). A build
 * may lower it to exercise the renumbering. */
#ifndef CACHE_LRU_CLOCK_LIMIT
#define CACHE_LRU_CLOCK_LIMIT UINT32_MAX
#endif

/*
 * Set records. A set's state lives in one contiguous record of record_bytes (a multiple of
 * 64, the record array 64-byte aligned) so that a lookup touches one host cache line for the
 * set's state and fingerprints and normally one more for the way it finds (a 4-way LRU set is
 * one line: state and tags):
 *   struct cache_set                        valid, pending, dirty, policy (32 bytes)
 *   uint64_t fingerprints[fingerprint_words] a byte per way (see cache.c); none for caches of
 *                                           fewer than CACHE_FINGERPRINT_MIN_WAYS ways
 *   uint32_t stamps[ways]                   CACHE_LRU of more than CACHE_LRU_ORDER_MAX_WAYS
 *                                           ways: the set's clock at the way's last access
 *   (padding to 8 bytes)
 *   uint64_t tags[ways]                     line address + 1, 0 when invalid
 *   (padding to a multiple of 64 bytes)
 * The offsets depend on the way count only, so where the caller knows it (the unrolled lean
 * paths below) they are constants.
 */
/* Caches of fewer ways than this compare their tags directly and keep no fingerprints. */
#define CACHE_FINGERPRINT_MIN_WAYS 8

static inline uint32_t cache_fingerprint_words_for(uint32_t ways)
{
        return ways < CACHE_FINGERPRINT_MIN_WAYS ? 0 : (ways + 7) / 8;
}

static inline size_t cache_stamps_offset_for(uint32_t ways)
{
        return sizeof(struct cache_set) + 8 * (size_t)cache_fingerprint_words_for(ways);
}

/*
 * Exact LRU of at most this many ways keeps the set's recency order in its policy word, a
 * nibble per position: position 0 (bits 0-3) holds the most recently accessed way, position
 * ways - 1 the least; positions from `ways` up hold 0. Every way is in the order, valid or
 * not (an invalid way's place is never consulted: invalid ways are allocated first), and an
 * access (hit or fill) moves its way to position 0, so the valid ways stand in the order of
 * their last accesses, as the stamps of larger caches (cache.c) would rank them.
 */
#define CACHE_LRU_ORDER_MAX_WAYS 16
#define CACHE_NIBBLES_1          0x1111111111111111ULL
#define CACHE_NIBBLES_7          0x7777777777777777ULL

static inline bool cache_lru_ordered(uint32_t ways)
{
        return ways <= CACHE_LRU_ORDER_MAX_WAYS;
}

static inline size_t cache_tags_offset_for(uint32_t ways)
{
        return cache_stamps_offset_for(ways) +
               (cache_lru_ordered(ways) ? 0 : (4 * (size_t)ways + 7) & ~(size_t)7);
}

static inline size_t cache_record_bytes_for(uint32_t ways)
{
        return (cache_tags_offset_for(ways) + 8 * (size_t)ways + 63) & ~(size_t)63;
}

static inline unsigned char *cache_record_of(const struct cache *cache, uint32_t set)
{
        return cache->records + (size_t)set * cache->record_bytes;
}

static inline struct cache_set *cache_set_state(const struct cache *cache, uint32_t set)
{
        return (struct cache_set *)cache_record_of(cache, set);
}

static inline uint64_t *cache_set_fingerprints(const struct cache *cache, uint32_t set)
{
        return (uint64_t *)(cache_record_of(cache, set) + sizeof(struct cache_set));
}

static inline uint32_t *cache_set_stamps(const struct cache *cache, uint32_t set)
{
        return (uint32_t *)(cache_record_of(cache, set) + cache_stamps_offset_for(cache->ways));
}

static inline uint64_t *cache_set_tags(const struct cache *cache, uint32_t set)
{
        return (uint64_t *)(cache_record_of(cache, set) + cache_tags_offset_for(cache->ways));
}

static inline uint64_t cache_fingerprint_of(uint64_t line_addr)
{
        return 0x80U | (line_addr * 0x9E3779B97F4A7C15ULL) >> 57;
}

/* Bit 7 of each byte of the result: whether that byte of `word` equals the low byte of
 * `pattern` (repeated in every byte). Bit 7 of each byte of x that is zero: no carries cross
 * bytes, so exact. */
static inline uint64_t cache_fingerprint_match(uint64_t word, uint64_t pattern)
{
        uint64_t x = word ^ pattern;

        return ~(((x & CACHE_BYTES_7F) + CACHE_BYTES_7F) | x | CACHE_BYTES_7F);
}

/* The bit-7 flags of cache_fingerprint_match gathered into bits 0..7 (byte i to bit i): the
 * multiplier's terms place bit 8i+7 at 56+i for exactly the pairs that sum to 7 and all other
 * terms below bit 56 without reaching it (checked for all 256 inputs). */
static inline uint64_t cache_match_gather(uint64_t match)
{
        return (match * 0x0002040810204081ULL) >> 56;
}

/* The way among `tags` (a set's `ways`) whose fingerprint in `words` (the set's `count`
 * words; none: compare every tag) and tag match `line_addr`, or -1. At most one valid way
 * holds a line, so the answer is that of a plain scan of the tags. */
static inline int cache_find_in(const uint64_t *words, uint32_t count, const uint64_t *tags,
                                uint32_t ways, uint64_t line_addr)
{
        uint64_t pattern = cache_fingerprint_of(line_addr) * CACHE_BYTES_01;

        if (count == 0) {
                int way = -1;

                /* selects rather than branches: whether and where the line is is data */
#pragma GCC unroll 8
                for (uint32_t w = ways; w-- > 0;)
                        way = tags[w] == line_addr + 1 ? (int)w : way;
                return way;
        }

        if (count == 2) {
                /* both words' candidates as one 16-bit mask: no branch on which half */
#if defined(__SSE2__)
                uint64_t match = (uint32_t)_mm_movemask_epi8(
                    _mm_cmpeq_epi8(_mm_loadu_si128((const __m128i *)(const void *)words),
                                   _mm_set1_epi64x((long long)pattern)));
#else
                uint64_t match = cache_match_gather(cache_fingerprint_match(words[0], pattern)) |
                                 cache_match_gather(cache_fingerprint_match(words[1], pattern))
                                     << 8;
#endif

                for (; match != 0; match &= match - 1) {
                        uint32_t w = (uint32_t)__builtin_ctzll(match);

                        if (tags[w] == line_addr + 1)
                                return (int)w;
                }
                return -1;
        }
        for (uint32_t k = 0; k < count; k++) {
                uint64_t match = cache_fingerprint_match(words[k], pattern);

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
        return cache_find_in(cache_set_fingerprints(cache, set), cache->fingerprint_words,
                             cache_set_tags(cache, set), cache->ways, line_addr);
}

static inline void cache_fingerprint_set(struct cache *cache, uint32_t set, unsigned way,
                                         uint64_t fingerprint)
{
        uint64_t *word = &cache_set_fingerprints(cache, set)[way / 8];
        unsigned shift = 8 * (way % 8);

        if (cache->fingerprint_words == 0)
                return;
        *word = (*word & ~(0xFFULL << shift)) | fingerprint << shift;
}

/* The initial recency order of a set of `ways` <= CACHE_LRU_ORDER_MAX_WAYS ways: way p at
 * position p. */
static inline uint64_t cache_lru_order_init(uint32_t ways)
{
        uint64_t order = 0;

        for (uint32_t p = 0; p < ways; p++)
                order |= (uint64_t)p << (4 * p);
        return order;
}

/* `order` with `way` moved to position 0 (the positions before its old one move up one). */
static inline uint64_t cache_lru_order_touch(uint64_t order, unsigned way)
{
        uint64_t x = order ^ (CACHE_NIBBLES_1 * way);
        /* bit 3 of each nibble of t is clear exactly where x's nibble is zero (no carries
         * cross nibbles); positions beyond the ways hold 0 and may match way 0, but way 0's
         * own position is lower, so the lowest match is the way's, at position p = top / 4 */
        uint64_t t = ((x & CACHE_NIBBLES_7) + CACHE_NIBBLES_7) | x;
        unsigned top = (unsigned)__builtin_ctzll(~t & (CACHE_NIBBLES_1 << 3)); /* 4p + 3 */
        /* positions 0..p (for p = 15 the shift leaves 0: every bit) */
        uint64_t moved = (2ULL << top) - 1;

        /* positions 0..p take the order shifted up one position with the way at 0; the
         * positions above p keep theirs */
        return order ^ ((order ^ (order << 4 | way)) & moved);
}

/* `order` of a set of `ways` ways with its least recent way (position ways - 1) moved to
 * position 0: cache_lru_order_touch for that way, as a shift. */
static inline uint64_t cache_lru_order_rotate(uint64_t order, uint32_t ways)
{
        uint64_t positions = ways >= 16 ? UINT64_MAX : (1ULL << (4 * ways)) - 1;

        return (order << 4 | order >> (4 * (ways - 1))) & positions;
}

/* The least recent way of `candidates` (non-zero) in `order`, a set of `ways` ways. */
static inline unsigned cache_lru_order_victim(uint64_t order, uint32_t ways, uint64_t candidates)
{
        for (uint32_t p = ways - 1;; p--) {
                unsigned w = (unsigned)(order >> (4 * p)) & 0xFU;

                if (((candidates >> w) & 1U) != 0)
                        return w;
        }
}

/* Renumber a set's LRU stamps (cache.c). */
void cache_lru_renumber(struct cache *cache, uint32_t set);

static inline void cache_lru_touch(struct cache *cache, uint32_t set, unsigned way)
{
        struct cache_set *s = cache_set_state(cache, set);

        if (cache_lru_ordered(cache->ways)) {
                s->policy = cache_lru_order_touch(s->policy, way);
                return;
        }
        if (__builtin_expect(s->policy >= CACHE_LRU_CLOCK_LIMIT, 0))
                cache_lru_renumber(cache, set);
        cache_set_stamps(cache, set)[way] = (uint32_t)++s->policy;
}

/* The least recently accessed way of `candidates` (non-zero, all valid). */
static inline unsigned cache_lru_victim(const struct cache *cache, uint32_t set,
                                        uint64_t candidates)
{
        const uint32_t *stamps = cache_set_stamps(cache, set);

        if (cache_lru_ordered(cache->ways))
                return cache_lru_order_victim(cache_set_state(cache, set)->policy, cache->ways,
                                              candidates);
        {
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
}

/* The rest of cache_access_view after the lookup found `way` (-1: none) for `line_addr` in
 * `set`, for a cache that is not `lean` (cache.c). */
bool cache_access_rest(struct cache *cache, uint64_t line_addr, uint32_t set, int way,
                       enum mem_op op, uint16_t initiator, uint64_t *writeback_addr);

/*
 * What the inline access needs of a cache for one initiator, read once: a caller that makes
 * many accesses (mem_exec's inner loop) keeps it in locals, where stores into the set records
 * cannot alias it. Nothing in it changes while the cache exists (the way masks are
 * configuration).
 */
struct cache_lean_view {
        struct cache *cache;
        unsigned char *records;
        struct cache_counters *counters; /* the initiator's */
        uint64_t allowed;                /* the ways the initiator may allocate in */
        uint64_t all_ways;
        size_t record_bytes;
        uint32_t set_mask;
        uint32_t ways;
        unsigned line_shift;
        uint16_t initiator;
        bool lean;
};

static inline struct cache_lean_view cache_lean_view_of(struct cache *cache, uint16_t initiator)
{
        return (struct cache_lean_view){ .cache = cache,
                                         .records = cache->records,
                                         .counters = &cache->counters[initiator],
                                         .allowed = cache->config->way_masks != NULL
                                                        ? cache->config->way_masks[initiator] &
                                                              cache->all_ways
                                                        : cache->all_ways,
                                         .all_ways = cache->all_ways,
                                         .record_bytes = cache->record_bytes,
                                         .set_mask = cache->set_mask,
                                         .ways = cache->ways,
                                         .line_shift = cache->line_shift,
                                         .initiator = initiator,
                                         .lean = cache->lean };
}

/*
 * cache_access's hit, or its miss (cache_victim, cache_install), for a `lean` cache of `ways`
 * ways and `words` fingerprint words per set: constants where the caller knows the geometry
 * (cache_access_view_l1, cache_access_view_llc), so that the record offsets fold and the
 * scans unroll. A lean cache's counts go to `counters`: the initiator's (view->counters), or
 * a caller's running sums that it adds to them later (nothing reads them in between); a cache
 * that is not lean counts itself.
 */
__attribute__((always_inline)) static inline bool
cache_access_lean_geometry(const struct cache_lean_view *view, struct cache_counters *counters,
                           uint64_t addr, enum mem_op op, uint64_t *writeback_addr, uint32_t ways,
                           uint32_t words, bool known_lean)
{
        unsigned line_shift = view->line_shift;
        uint64_t line_addr = addr >> line_shift;
        uint32_t set = (uint32_t)line_addr & view->set_mask;
        unsigned char *record = view->records + (size_t)set * cache_record_bytes_for(ways);
        struct cache_set *s = (struct cache_set *)record;
        uint64_t *fingerprints = (uint64_t *)(record + sizeof(struct cache_set));
        uint32_t *stamps = (uint32_t *)(record + cache_stamps_offset_for(ways));
        uint64_t *tags = (uint64_t *)(record + cache_tags_offset_for(ways));
        uint64_t all_ways = view->all_ways;
        int way = cache_find_in(fingerprints, words, tags, ways, line_addr);
        uint64_t allowed, candidates, bit, old_tag, write = (uint64_t)op & 1U, dirty_victim;
        unsigned shift;
        bool rotated = false;

        if (!known_lean && !view->lean)
                return cache_access_rest(view->cache, line_addr, set, way, op, view->initiator,
                                         writeback_addr);
        counters->accesses++;
        if (!cache_lru_ordered(ways) && __builtin_expect(s->policy >= CACHE_LRU_CLOCK_LIMIT, 0))
                cache_lru_renumber(view->cache, set);
        if (way >= 0) {
                *writeback_addr = CACHE_NO_WRITEBACK;
                if (cache_lru_ordered(ways))
                        s->policy = cache_lru_order_touch(s->policy, (unsigned)way);
                else
                        stamps[way] = (uint32_t)++s->policy;
                s->dirty |= write << way;
                return true;
        }
        counters->misses++;
        allowed = view->allowed;
        assert(allowed != 0);
        candidates = allowed & ~s->pending;
        if ((allowed & ~s->valid) != 0) {
                way = __builtin_ctzll(allowed & ~s->valid);
        } else if (cache_lru_ordered(ways) && candidates == all_ways) {
                /* the least recent way, at the last position, goes to the first */
                way = (int)(s->policy >> (4 * (ways - 1))) & 0xF;
                rotated = true;
        } else if (cache_lru_ordered(ways)) {
                assert(candidates != 0 &&
                       "functional access into a set with every way awaiting a fill");
                way = (int)cache_lru_order_victim(s->policy, ways, candidates);
        } else if (candidates == all_ways) { /* cache_lru_victim's plain scan */
                uint32_t oldest = stamps[0];

                way = 0;
#pragma GCC unroll 16
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
                way = (int)cache_lru_victim(view->cache, set, candidates);
        }
        bit = 1ULL << way;
        old_tag = tags[way];
        /* an invalid way is never dirty (cache_drop clears both) */
        dirty_victim = (s->dirty >> way) & 1U;
        /* selects: whether the victim is dirty is data */
        *writeback_addr =
            ((old_tag - 1) << line_shift) | (CACHE_NO_WRITEBACK * (1U - dirty_victim));
        counters->writebacks += dirty_victim;
        tags[way] = line_addr + 1;
        shift = 8 * ((unsigned)way % 8);
        if (words > 0)
                fingerprints[way / 8] = (fingerprints[way / 8] & ~(0xFFULL << shift)) |
                                        cache_fingerprint_of(line_addr) << shift;
        s->valid |= bit;
        s->dirty = (s->dirty & ~bit) | (write << way);
        if (cache_lru_ordered(ways))
                s->policy = rotated ? cache_lru_order_rotate(s->policy, ways)
                                    : cache_lru_order_touch(s->policy, (unsigned)way);
        else
                stamps[way] = (uint32_t)++s->policy;
        return false;
}

/* cache_access_lean_geometry for any geometry; `known_lean`: the caller knows that the cache is
 * lean (a constant where inlined). */
__attribute__((always_inline)) static inline bool
cache_access_view(const struct cache_lean_view *view, struct cache_counters *counters,
                  uint64_t addr, enum mem_op op, uint64_t *writeback_addr, bool known_lean)
{
        return cache_access_lean_geometry(view, counters, addr, op, writeback_addr, view->ways,
                                          cache_fingerprint_words_for(view->ways), known_lean);
}

/* The same, unrolled for the 4-way caches that private L1s usually are. */
__attribute__((always_inline)) static inline bool
cache_access_view_l1(const struct cache_lean_view *view, struct cache_counters *counters,
                     uint64_t addr, enum mem_op op, uint64_t *writeback_addr, bool known_lean)
{
        if (view->ways == 4)
                return cache_access_lean_geometry(view, counters, addr, op, writeback_addr, 4,
                                                  cache_fingerprint_words_for(4), known_lean);
        return cache_access_view(view, counters, addr, op, writeback_addr, known_lean);
}

/* The same, unrolled for 16-way shared caches. */
__attribute__((always_inline)) static inline bool
cache_access_view_llc(const struct cache_lean_view *view, struct cache_counters *counters,
                      uint64_t addr, enum mem_op op, uint64_t *writeback_addr, bool known_lean)
{
        if (view->ways == 16)
                return cache_access_lean_geometry(view, counters, addr, op, writeback_addr, 16,
                                                  cache_fingerprint_words_for(16), known_lean);
        return cache_access_view(view, counters, addr, op, writeback_addr, known_lean);
}

/* Add a caller's running sums (see cache_access_lean_geometry) to the initiator's counters. */
static inline void cache_counters_add(const struct cache_lean_view *view,
                                      const struct cache_counters *sums)
{
        view->counters->accesses += sums->accesses;
        view->counters->misses += sums->misses;
        view->counters->writebacks += sums->writebacks;
        view->counters->merged += sums->merged;
}

#endif
