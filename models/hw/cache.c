#include "models/hw/cache.h"

#include "models/hw/cache_priv.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_power_of_two(uint64_t x)
{
        return x != 0 && (x & (x - 1)) == 0;
}

/* log2 of a power of two. */
static unsigned log2_exact(uint64_t x)
{
        return (unsigned)__builtin_ctzll(x);
}

/* The index of the k-th (from 0) set bit of `mask`, which has more than k set bits. */
static unsigned nth_set_bit(uint64_t mask, uint64_t k)
{
        for (unsigned i = 0;; i++) {
                if (((mask >> i) & 1U) == 0)
                        continue;
                if (k-- == 0)
                        return i;
        }
}

static unsigned popcount64(uint64_t x)
{
        return (unsigned)__builtin_popcountll(x);
}

static int cache_check_config(const struct cache_config *c)
{
        uint64_t set_bytes = (uint64_t)c->ways * c->line_bytes;

        if (c->ways == 0 || c->ways > 64 || !is_power_of_two(c->line_bytes) || c->initiators == 0 ||
            c->clock_hz == 0 || set_bytes == 0 || c->size_bytes % set_bytes != 0 ||
            !is_power_of_two(c->size_bytes / set_bytes))
                return -EINVAL;
        if (c->replacement == CACHE_TREE_PLRU && !is_power_of_two(c->ways))
                return -EINVAL;
        if (c->page_bytes != 0 && !is_power_of_two(c->page_bytes))
                return -EINVAL;
        if (c->mshrs_per_initiator == 0 || c->mshrs_per_initiator > 1024)
                return -EINVAL;
        if (c->coherence != NULL && c->coherence_id >= c->coherence->config->caches)
                return -EINVAL;
        return 0;
}

static void cache_mshr_init(struct cache *cache);
static size_t cache_index_of(const struct cache *cache, uint64_t line_addr);

int cache_init(struct cache *cache, const struct cache_config *config, struct sim *sim,
               const struct mem_port *downstream)
{
        uint64_t page = config->page_bytes != 0 ? config->page_bytes : 4096;
        size_t mshr_count;
        int rc = cache_check_config(config);

        *cache = (struct cache){ .config = config, .sim = sim };
        if (rc != 0)
                return rc;
        if (downstream != NULL)
                cache->downstream = *downstream;
        cache->sets =
            (uint32_t)(config->size_bytes / ((uint64_t)config->ways * config->line_bytes));
        cache->set_mask = cache->sets - 1;
        cache->ways = config->ways;
        cache->replacement = config->replacement;
        cache->line_shift = log2_exact(config->line_bytes);
        cache->all_ways = config->ways == 64 ? UINT64_MAX : (1ULL << config->ways) - 1;
        cache->colours = (uint64_t)cache->sets * config->line_bytes / page;
        if (cache->colours == 0)
                cache->colours = 1;
        cache->hit_ps = sim_cycles_to_ps(config->hit_cycles, config->clock_hz);
        cache->lean = config->replacement == CACHE_LRU && config->coherence == NULL;
        rng_init_named(&cache->rng, config->seed, config->name != NULL ? config->name : "cache");
        mshr_count = (size_t)config->initiators * config->mshrs_per_initiator;
        cache->fingerprint_words = cache_fingerprint_words_for(config->ways);
        cache->record_bytes = cache_record_bytes_for(config->ways);
        cache->records = aligned_alloc(64, (size_t)cache->sets * cache->record_bytes);
        if (cache->records != NULL)
                memset(cache->records, 0, (size_t)cache->sets * cache->record_bytes);
        cache->line_mshr = calloc((size_t)cache->sets * config->ways, sizeof(*cache->line_mshr));
        cache->mshrs = calloc(mshr_count, sizeof(*cache->mshrs));
        cache->mshrs_busy = calloc(config->initiators, sizeof(*cache->mshrs_busy));
        cache->mshr_wait = calloc(config->initiators, sizeof(*cache->mshr_wait));
        cache->counters = calloc(config->initiators, sizeof(*cache->counters));
        if (cache->records == NULL || cache->line_mshr == NULL || cache->mshrs == NULL ||
            cache->mshrs_busy == NULL || cache->mshr_wait == NULL || cache->counters == NULL) {
                cache_fini(cache);
                return -ENOMEM;
        }
        if (cache->replacement == CACHE_LRU && cache_lru_ordered(cache->ways))
                for (uint32_t set = 0; set < cache->sets; set++)
                        cache_set_state(cache, set)->policy = cache_lru_order_init(cache->ways);
        cache_mshr_init(cache);
        mem_done_queue_init(&cache->hits, sim);
        if (config->coherence != NULL)
                coherence_attach(config->coherence, config->coherence_id, &cache_coherence_ops,
                                 cache);
        return 0;
}

void cache_fini(struct cache *cache)
{
        size_t mshr_count = cache->mshrs == NULL ? 0
                                                 : (size_t)cache->config->initiators *
                                                       cache->config->mshrs_per_initiator;

        for (size_t i = 0; i < mshr_count; i++)
                if (cache->mshrs[i].transfer_event != 0)
                        (void)sim_cancel(cache->sim, cache->mshrs[i].transfer_event);
        if (cache->sim != NULL && cache->hits.sim != NULL)
                mem_done_queue_fini(&cache->hits);
        free(cache->records);
        free(cache->line_mshr);
        free(cache->mshrs);
        free(cache->mshrs_busy);
        free(cache->mshr_wait);
        free(cache->counters);
        cache->records = NULL;
        cache->line_mshr = NULL;
        cache->mshrs = NULL;
        cache->mshrs_busy = NULL;
        cache->mshr_wait = NULL;
        cache->counters = NULL;
}

/* ---- tag array ---------------------------------------------------------------------------- */

/* The index of a line: set * ways + way (line_mshr, MSHRs, the coherence hooks). */
static size_t set_base(const struct cache *cache, uint32_t set)
{
        return (size_t)set * cache->ways;
}

/*
 * Lookups scan a byte per way before any tag: each valid way holds a 7-bit hash of its line
 * with the top bit set (invalid ways hold 0), packed eight to a word, way w in byte w % 8 of
 * word w / 8. A scan compares eight ways with a few word operations and reads only the tags
 * of ways whose byte matches (one, barring a 1-in-128 collision per way), so a 16-way lookup
 * reads 16 bytes and one tag instead of 128 bytes of tags (cache_find in cache_priv.h).
 * Caches of fewer than CACHE_FINGERPRINT_MIN_WAYS ways keep no fingerprints and compare their
 * few tags directly.
 */
static inline uint64_t fingerprint_of(uint64_t line_addr)
{
        return cache_fingerprint_of(line_addr);
}

static inline void fingerprint_set(struct cache *cache, uint32_t set, unsigned way,
                                   uint64_t fingerprint)
{
        cache_fingerprint_set(cache, set, way, fingerprint);
}

/*
 * Exact LRU of more than CACHE_LRU_ORDER_MAX_WAYS ways (smaller caches keep the recency order
 * in the set's policy word: cache_priv.h) as access stamps: each access to a way stores the set's
 * incremented clock, so the least recent of any group of valid ways is the one with the smallest
 * stamp (stamps of valid ways are distinct: each was taken at that way's last access, the fill
 * included). When a set's clock reaches CACHE_LRU_CLOCK_LIMIT (cache_priv.h), its valid ways are
 * renumbered 1..n in the same order and the clock restarts at n, which changes no comparison.
 */
__attribute__((noinline, cold)) void cache_lru_renumber(struct cache *cache, uint32_t set)
{
        struct cache_set *s = cache_set_state(cache, set);
        uint32_t *stamps = cache_set_stamps(cache, set);
        uint32_t ranked[64];

        for (uint32_t w = 0; w < cache->ways; w++) {
                ranked[w] = 0;
                if (((s->valid >> w) & 1U) == 0)
                        continue;
                for (uint32_t v = 0; v < cache->ways; v++)
                        if (((s->valid >> v) & 1U) != 0 && stamps[v] <= stamps[w])
                                ranked[w]++;
        }
        for (uint32_t w = 0; w < cache->ways; w++)
                stamps[w] = ranked[w];
        s->policy = (uint64_t)popcount64(s->valid);
}

static inline void lru_touch(struct cache *cache, uint32_t set, unsigned way)
{
        cache_lru_touch(cache, set, way);
}

/* The least recently accessed way of `candidates` (non-zero, all valid). */
static inline unsigned lru_victim(const struct cache *cache, uint32_t set, uint64_t candidates)
{
        return cache_lru_victim(cache, set, candidates);
}

/* Invalidate a line. */
static void cache_drop(struct cache *cache, size_t index)
{
        uint32_t set = (uint32_t)(index / cache->ways);
        unsigned way = (unsigned)(index % cache->ways);
        struct cache_set *s = cache_set_state(cache, set);

        cache_set_tags(cache, set)[way] = 0;
        fingerprint_set(cache, set, way, 0);
        s->dirty &= ~(1ULL << way);
        s->valid &= ~(1ULL << way);
}

__attribute__((noinline)) static void plru_touch(struct cache_set *s, uint32_t ways, unsigned way)
{
        uint32_t node = 1, low = 0, n = ways;
        uint64_t bits = s->policy;

        while (n > 1) {
                uint32_t half = n / 2;

                if (way < low + half) { /* accessed low: point the node high */
                        bits |= 1ULL << node;
                        node = 2 * node;
                } else {
                        bits &= ~(1ULL << node);
                        node = 2 * node + 1;
                        low += half;
                }
                n = half;
        }
        s->policy = bits;
}

/* Record an access to `way` (a hit or a fill). */
static inline void cache_touch(struct cache *cache, uint32_t set, unsigned way)
{
        if (cache->replacement == CACHE_LRU)
                lru_touch(cache, set, way);
        else if (cache->replacement == CACHE_TREE_PLRU)
                plru_touch(cache_set_state(cache, set), cache->ways, way);
}

static uint64_t range_mask(uint32_t low, uint32_t n)
{
        uint64_t ones = n >= 64 ? UINT64_MAX : (1ULL << n) - 1;

        return ones << low;
}

__attribute__((noinline)) static unsigned plru_victim(const struct cache *cache, uint32_t set,
                                                      uint64_t candidates)
{
        uint32_t node = 1, low = 0, n = cache->ways;
        uint64_t bits = cache_set_state(cache, set)->policy;

        while (n > 1) {
                uint32_t half = n / 2;
                bool high = (bits >> node) & 1U;

                if (high && (candidates & range_mask(low + half, half)) == 0)
                        high = false;
                else if (!high && (candidates & range_mask(low, half)) == 0)
                        high = true;
                node = 2 * node + (high ? 1U : 0U);
                if (high)
                        low += half;
                n = half;
        }
        return low;
}

static uint64_t cache_allowed_ways(const struct cache *cache, uint16_t initiator)
{
        if (cache->config->way_masks == NULL)
                return cache->all_ways;
        return cache->config->way_masks[initiator] & cache->all_ways;
}

__attribute__((noinline)) static unsigned random_victim(struct cache *cache, uint64_t candidates)
{
        return nth_set_bit(candidates, rng_range(&cache->rng, 0, popcount64(candidates) - 1));
}

/* The way to replace for `initiator`, or -1 when every allowed way awaits a fill. */
__attribute__((always_inline)) static inline int cache_victim(struct cache *cache, uint32_t set,
                                                              uint16_t initiator)
{
        const struct cache_set *s = cache_set_state(cache, set);
        uint64_t allowed = cache_allowed_ways(cache, initiator);
        uint64_t invalid = allowed & ~s->valid;
        uint64_t candidates = allowed & ~s->pending;

        assert(allowed != 0);
        if (invalid != 0)
                return __builtin_ctzll(invalid);
        if (candidates == 0)
                return -1;
        switch (cache->replacement) {
        case CACHE_LRU:
                return (int)lru_victim(cache, set, candidates);
        case CACHE_TREE_PLRU:
                return (int)plru_victim(cache, set, candidates);
        case CACHE_RANDOM:
                return (int)random_victim(cache, candidates);
        }
        return -1;
}

/* Whether every way `initiator` may allocate in awaits a fill (no victim without a draw). */
static bool cache_victim_blocked(const struct cache *cache, uint32_t set, uint16_t initiator)
{
        uint64_t allowed = cache_allowed_ways(cache, initiator);

        const struct cache_set *s = cache_set_state(cache, set);

        return (allowed & (~s->valid | ~s->pending)) == 0;
}

/*
 * Replace `way` with `line_addr`; returns whether the victim was dirty, with its address in
 * *writeback_addr. The way's MSHR mark is already 0: victims are never pending, and a way
 * stops pending when its mark is cleared.
 */
__attribute__((always_inline)) static inline bool cache_install(struct cache *cache, uint32_t set,
                                                                unsigned way, uint64_t line_addr,
                                                                uint16_t initiator,
                                                                uint64_t *writeback_addr)
{
        bool writeback = false;
        uint64_t *tag = &cache_set_tags(cache, set)[way];
        struct cache_set *s = cache_set_state(cache, set);
        uint64_t bit = 1ULL << way;
        uint64_t old_tag = *tag;

        if (old_tag != 0) {
                if (cache->config->coherence != NULL)
                        (void)coherence_evict(cache->config->coherence, cache->config->coherence_id,
                                              old_tag - 1);
                if ((s->dirty & bit) != 0) {
                        writeback = true;
                        *writeback_addr = (old_tag - 1) << cache->line_shift;
                        cache->counters[initiator].writebacks++;
                }
        }
        *tag = line_addr + 1;
        fingerprint_set(cache, set, way, fingerprint_of(line_addr));
        s->valid |= bit;
        s->dirty &= ~bit;
        cache_touch(cache, set, way);
        return writeback;
}

static struct coherence_result cache_coherence_op(struct cache *cache, uint64_t line_addr,
                                                  enum mem_op op)
{
        struct coherence *coh = cache->config->coherence;

        if (op == MEM_WRITE)
                return coherence_write(coh, cache->config->coherence_id, line_addr);
        return coherence_read(coh, cache->config->coherence_id, line_addr);
}

/*
 * Whether a write hit on this present line must wait for the directory (an S -> M upgrade
 * that invalidates peers). E -> M is silent: it is recorded here and needs no wait.
 */
static bool cache_needs_upgrade(struct cache *cache, uint64_t line_addr, enum mem_op op)
{
        enum coherence_state state;

        if (op != MEM_WRITE || cache->config->coherence == NULL)
                return false;
        state =
            coherence_state_of(cache->config->coherence, cache->config->coherence_id, line_addr);
        if (state == COH_E)
                (void)coherence_write(cache->config->coherence, cache->config->coherence_id,
                                      line_addr);
        return state == COH_S || state == COH_I;
}

/* A functional miss: everything but the access count and the directory. Returns whether a
 * dirty line was evicted, with its address in *writeback_addr (else CACHE_NO_WRITEBACK). */
static bool cache_miss(struct cache *cache, uint64_t line_addr, uint32_t set, enum mem_op op,
                       uint16_t initiator, uint64_t *writeback_addr)
{
        bool writeback;
        int way;

        cache->counters[initiator].misses++;
        way = cache_victim(cache, set, initiator);
        assert(way >= 0 && "functional access into a set with every way awaiting a fill");
        writeback = cache_install(cache, set, (unsigned)way, line_addr, initiator, writeback_addr);
        if (!writeback)
                *writeback_addr = CACHE_NO_WRITEBACK;
        if (op == MEM_WRITE)
                cache_set_state(cache, set)->dirty |= 1ULL << way;
        return writeback;
}

/* A functional access of a cache in a coherence domain, but for the access count. */
__attribute__((noinline)) static struct cache_outcome
cache_access_coherent(struct cache *cache, uint64_t line_addr, uint32_t set, int way,
                      enum mem_op op, uint16_t initiator)
{
        /* A hit that needs no directory action: nobody supplied data (supplier -1, not 0). */
        struct cache_outcome out = { .hit = true, .coherence = { .supplier = -1 } };

        if (way < 0) {
                struct coherence_result coherence = cache_coherence_op(cache, line_addr, op);

                out.hit = false;
                out.writeback =
                    cache_miss(cache, line_addr, set, op, initiator, &out.writeback_addr);
                if (!out.writeback)
                        out.writeback_addr = 0;
                out.coherence = coherence;
                return out;
        }
        cache_touch(cache, set, (unsigned)way);
        if (cache_needs_upgrade(cache, line_addr, op))
                out.coherence = cache_coherence_op(cache, line_addr, op);
        if (op == MEM_WRITE)
                cache_set_state(cache, set)->dirty |= 1ULL << way;
        return out;
}

/* A hit without a coherence domain. */
static inline void cache_hit(struct cache *cache, uint32_t set, int way, enum mem_op op)
{
        cache_touch(cache, set, (unsigned)way);
        if (op == MEM_WRITE)
                cache_set_state(cache, set)->dirty |= 1ULL << way;
}

struct cache_outcome cache_access(struct cache *cache, uint64_t addr, enum mem_op op,
                                  uint16_t initiator)
{
        uint64_t line_addr = addr >> cache->line_shift;
        uint32_t set = (uint32_t)line_addr & cache->set_mask;
        int way = cache_find(cache, set, line_addr);
        uint64_t writeback_addr;
        bool writeback;

        assert(initiator < cache->config->initiators);
        cache->counters[initiator].accesses++;
        if (cache->config->coherence != NULL)
                return cache_access_coherent(cache, line_addr, set, way, op, initiator);
        if (way >= 0) {
                cache_hit(cache, set, way, op);
                return (struct cache_outcome){ .hit = true };
        }
        writeback = cache_miss(cache, line_addr, set, op, initiator, &writeback_addr);
        return (struct cache_outcome){ .writeback = writeback,
                                       .writeback_addr = writeback ? writeback_addr : 0 };
}

bool cache_access_rest(struct cache *cache, uint64_t line_addr, uint32_t set, int way,
                       enum mem_op op, uint16_t initiator, uint64_t *writeback_addr)
{
        assert(initiator < cache->config->initiators);
        cache->counters[initiator].accesses++;
        if (cache->config->coherence != NULL) {
                struct cache_outcome out =
                    cache_access_coherent(cache, line_addr, set, way, op, initiator);

                *writeback_addr = out.writeback ? out.writeback_addr : CACHE_NO_WRITEBACK;
                return out.hit;
        }
        if (way >= 0) {
                cache_hit(cache, set, way, op);
                *writeback_addr = CACHE_NO_WRITEBACK;
                return true;
        }
        (void)cache_miss(cache, line_addr, set, op, initiator, writeback_addr);
        return false;
}

bool cache_contains(const struct cache *cache, uint64_t addr)
{
        uint64_t line_addr = addr >> cache->line_shift;

        return cache_find(cache, (uint32_t)line_addr & cache->set_mask, line_addr) >= 0;
}

uint64_t cache_line_at(const struct cache *cache, uint32_t set, uint32_t way)
{
        uint64_t tag;

        assert(set < cache->sets && way < cache->ways);
        tag = cache_set_tags(cache, set)[way];
        return tag == 0 ? UINT64_MAX : tag - 1;
}

bool cache_dirty(const struct cache *cache, uint64_t addr)
{
        size_t index = cache_index_of(cache, addr >> cache->line_shift);

        return index != SIZE_MAX &&
               ((cache_set_state(cache, (uint32_t)(index / cache->ways))->dirty >>
                 (index % cache->ways)) &
                1U) != 0;
}

const struct cache_counters *cache_counters_of(const struct cache *cache, uint16_t initiator)
{
        assert(initiator < cache->config->initiators);
        return &cache->counters[initiator];
}

uint32_t cache_sets(const struct cache *cache)
{
        return cache->sets;
}

uint64_t cache_colours(const struct cache *cache)
{
        return cache->colours;
}

uint64_t cache_colour_of(const struct cache *cache, uint64_t addr)
{
        uint64_t page = cache->config->page_bytes != 0 ? cache->config->page_bytes : 4096;

        return (addr / page) % cache->colours;
}

uint64_t cache_colour_translate(uint64_t colours, uint64_t page_bytes, uint64_t colour_mask,
                                uint64_t base, uint64_t addr)
{
        uint64_t page = addr / page_bytes;
        uint64_t allowed;
        uint64_t colour;

        assert(colours >= 1 && colours <= 64);
        if (colours < 64)
                colour_mask &= (1ULL << colours) - 1;
        assert(colour_mask != 0);
        allowed = popcount64(colour_mask);
        colour = nth_set_bit(colour_mask, page % allowed);
        return base + ((page / allowed) * colours + colour) * page_bytes + addr % page_bytes;
}

/* ---- coherence hooks ---------------------------------------------------------------------- */

/* The index of the line holding `line_addr`, or SIZE_MAX. */
static size_t cache_index_of(const struct cache *cache, uint64_t line_addr)
{
        uint32_t set = (uint32_t)line_addr & cache->set_mask;
        int way = cache_find(cache, set, line_addr);

        return way < 0 ? SIZE_MAX : set_base(cache, set) + (unsigned)way;
}

static void cache_clean(struct cache *cache, size_t index)
{
        cache_set_state(cache, (uint32_t)(index / cache->ways))->dirty &=
            ~(1ULL << (index % cache->ways));
}

static void cache_coherence_invalidate(void *arg, uint64_t line_addr)
{
        struct cache *cache = arg;
        size_t index = cache_index_of(cache, line_addr);

        if (index == SIZE_MAX)
                return;
        cache_clean(cache, index);
        /* A line awaiting its fill stays until the fill has served its waiters. */
        if (cache->line_mshr[index] == 0)
                cache_drop(cache, index);
}

static void cache_coherence_downgrade(void *arg, uint64_t line_addr)
{
        struct cache *cache = arg;
        size_t index = cache_index_of(cache, line_addr);

        if (index != SIZE_MAX)
                cache_clean(cache, index);
}

const struct coherence_peer_ops cache_coherence_ops = {
        .invalidate = cache_coherence_invalidate,
        .downgrade = cache_coherence_downgrade,
};

/* ---- timed path --------------------------------------------------------------------------- */

static void cache_process(struct cache *cache, struct mem_request *req);
static void cache_fill_done(struct mem_request *fill, void *arg);
static void cache_writeback_done(struct mem_request *wb, void *arg);

static void cache_mshr_init(struct cache *cache)
{
        size_t count = (size_t)cache->config->initiators * cache->config->mshrs_per_initiator;

        for (size_t i = 0; i < count; i++) {
                struct cache_mshr *m = &cache->mshrs[i];

                m->cache = cache;
                m->initiator = (uint16_t)(i / cache->config->mshrs_per_initiator);
                m->fill = (struct mem_request){ .size_bytes = cache->config->line_bytes,
                                                .op = MEM_READ,
                                                .done = cache_fill_done,
                                                .done_arg = m };
                m->writeback = (struct mem_request){ .size_bytes = cache->config->line_bytes,
                                                     .op = MEM_WRITE,
                                                     .done = cache_writeback_done,
                                                     .done_arg = m };
        }
}

static struct cache_mshr *cache_mshr_take(struct cache *cache, uint16_t initiator)
{
        uint32_t per = cache->config->mshrs_per_initiator;
        struct cache_mshr *m = &cache->mshrs[(size_t)initiator * per];

        for (uint32_t i = 0; i < per; i++) {
                if (!m[i].in_use) {
                        m[i].in_use = 1;
                        cache->mshrs_busy[initiator]++;
                        return &m[i];
                }
        }
        assert(0 && "MSHR count out of step");
        return NULL;
}

static void cache_complete_hit(struct cache *cache, struct mem_request *req, sim_time_t when)
{
        int rc = mem_done_queue_push(&cache->hits, req, when);

        assert(rc == 0);
        (void)rc;
}

static void cache_mshr_release(struct cache_mshr *m)
{
        struct cache *cache = m->cache;
        struct mem_fifo blocked;
        struct mem_request *req;

        m->in_use = 0;
        cache->mshrs_busy[m->initiator]--;
        /* A waiting request may now hit, leaving the MSHR free for the next one. */
        while (cache->mshrs_busy[m->initiator] < cache->config->mshrs_per_initiator &&
               (req = mem_fifo_pop(&cache->mshr_wait[m->initiator])) != NULL)
                cache_process(cache, req);
        /* Retry the set-blocked misses once each; those still blocked queue up again. */
        blocked = cache->set_blocked;
        cache->set_blocked = (struct mem_fifo){ 0 };
        while ((req = mem_fifo_pop(&blocked)) != NULL)
                cache_process(cache, req);
}

/* The line is here (from downstream or a peer): serve everything waiting on it. */
static void cache_fill_arrived(struct cache_mshr *m)
{
        struct cache *cache = m->cache;
        sim_time_t when = sim_now(cache->sim) + cache->hit_ps;
        struct mem_request *req;

        cache->line_mshr[m->line_index] = 0;
        cache_set_state(cache, (uint32_t)(m->line_index / cache->ways))->pending &=
            ~(1ULL << (m->line_index % cache->ways));
        while ((req = mem_fifo_pop(&m->waiting)) != NULL)
                cache_complete_hit(cache, req, when);
        if (cache->config->coherence != NULL &&
            coherence_state_of(
                cache->config->coherence, cache->config->coherence_id,
                cache_set_tags(
                    cache, (uint32_t)(m->line_index / cache->ways))[m->line_index % cache->ways] -
                    1) == COH_I)
                cache_drop(cache, m->line_index); /* a peer took it while the fill was coming */
        if (--m->pending == 0)
                cache_mshr_release(m);
}

static void cache_fill_done(struct mem_request *fill, void *arg)
{
        (void)fill;
        cache_fill_arrived(arg);
}

static void cache_transfer_done(struct sim *sim, void *arg)
{
        struct cache_mshr *m = arg;

        (void)sim;
        m->transfer_event = 0;
        cache_fill_arrived(m);
}

static void cache_writeback_done(struct mem_request *wb, void *arg)
{
        struct cache_mshr *m = arg;

        (void)wb;
        if (--m->pending == 0)
                cache_mshr_release(m);
}

static void cache_send(struct cache *cache, struct mem_request *req, uint64_t addr,
                       uint16_t initiator)
{
        int rc;

        req->addr = addr;
        req->initiator = initiator;
        req->issue_ps = sim_now(cache->sim);
        rc = mem_port_submit(&cache->downstream, req);
        assert(rc == 0 && "a cache's downstream must accept its MSHRs' requests");
        (void)rc;
}

/* A miss or upgrade with an MSHR in hand. */
static void cache_start_miss(struct cache *cache, struct mem_request *req, uint32_t set, int way,
                             uint64_t line_addr)
{
        struct cache_mshr *m = cache_mshr_take(cache, req->initiator);
        struct cache_outcome out = { 0 };
        struct coherence_result coh = { .needs_data = true, .supplier = -1 };
        enum mem_op op = (enum mem_op)req->op;

        cache->counters[req->initiator].accesses++;
        if (way < 0)
                cache->counters[req->initiator].misses++;
        if (cache->config->coherence != NULL)
                coh = cache_coherence_op(cache, line_addr, op);
        if (way < 0) {
                way = cache_victim(cache, set, req->initiator);
                out.writeback = cache_install(cache, set, (unsigned)way, line_addr, req->initiator,
                                              &out.writeback_addr);
        } else {
                cache_touch(cache, set, (unsigned)way);
                coh.needs_data = false;
        }
        m->line_index = set_base(cache, set) + (unsigned)way;
        if (op == MEM_WRITE)
                cache_set_state(cache, set)->dirty |= 1ULL << way;
        cache->line_mshr[m->line_index] = (uint16_t)(m - cache->mshrs + 1);
        cache_set_state(cache, set)->pending |= 1ULL << way;
        mem_fifo_push(&m->waiting, req);
        m->pending = 1;
        if (out.writeback) {
                m->pending++;
                cache_send(cache, &m->writeback, out.writeback_addr, req->initiator);
        }
        if (coh.needs_data && coh.supplier < 0) {
                cache_send(cache, &m->fill, line_addr << cache->line_shift, req->initiator);
                return;
        }
        m->transfer_event = sim_schedule_prio(cache->sim, sim_now(cache->sim) + coh.extra_ps,
                                              SIM_PRIO_HIGH, cache_transfer_done, m);
        assert(m->transfer_event != 0);
}

static void cache_process(struct cache *cache, struct mem_request *req)
{
        uint64_t line_addr = req->addr >> cache->line_shift;
        uint32_t set = (uint32_t)line_addr & cache->set_mask;
        int way = cache_find(cache, set, line_addr);
        struct cache_counters *counters = &cache->counters[req->initiator];
        uint16_t mshr = way >= 0 ? cache->line_mshr[set_base(cache, set) + (unsigned)way] : 0;
        uint64_t way_bit = way >= 0 ? 1ULL << way : 0;

        if (mshr != 0) { /* its fill is on the way: wait for it */
                counters->accesses++;
                counters->merged++;
                if (req->op == MEM_WRITE)
                        cache_set_state(cache, set)->dirty |= way_bit;
                mem_fifo_push(&cache->mshrs[mshr - 1].waiting, req);
                return;
        }
        if (way >= 0 && !cache_needs_upgrade(cache, line_addr, (enum mem_op)req->op)) {
                counters->accesses++;
                cache_touch(cache, set, (unsigned)way);
                if (req->op == MEM_WRITE)
                        cache_set_state(cache, set)->dirty |= way_bit;
                cache_complete_hit(cache, req, sim_now(cache->sim) + cache->hit_ps);
                return;
        }
        if (cache->mshrs_busy[req->initiator] == cache->config->mshrs_per_initiator) {
                mem_fifo_push(&cache->mshr_wait[req->initiator], req);
                return;
        }
        if (way < 0 && cache_victim_blocked(cache, set, req->initiator)) {
                mem_fifo_push(&cache->set_blocked, req);
                return;
        }
        cache_start_miss(cache, req, set, way, line_addr);
}

static int cache_submit(void *target, struct mem_request *req)
{
        struct cache *cache = target;

        assert(req->initiator < cache->config->initiators);
        assert(
            (req->addr >> cache->line_shift) ==
                ((req->addr + (req->size_bytes ? req->size_bytes - 1 : 0)) >> cache->line_shift) &&
            "a request must lie within one line");
        assert(cache->downstream.ops != NULL);
        cache_process(cache, req);
        return 0;
}

static const struct mem_port_ops cache_port_ops = { .submit = cache_submit };

struct mem_port cache_mem_port(struct cache *cache)
{
        return (struct mem_port){ .ops = &cache_port_ops, .target = cache };
}
