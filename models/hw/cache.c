#include "models/hw/cache.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

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
        cache->line_shift = log2_exact(config->line_bytes);
        cache->all_ways = config->ways == 64 ? UINT64_MAX : (1ULL << config->ways) - 1;
        cache->colours = (uint64_t)cache->sets * config->line_bytes / page;
        if (cache->colours == 0)
                cache->colours = 1;
        cache->hit_ps = sim_cycles_to_ps(config->hit_cycles, config->clock_hz);
        rng_init_named(&cache->rng, config->seed, config->name != NULL ? config->name : "cache");
        mshr_count = (size_t)config->initiators * config->mshrs_per_initiator;
        cache->tags = calloc((size_t)cache->sets * config->ways, sizeof(*cache->tags));
        cache->lines = calloc((size_t)cache->sets * config->ways, sizeof(*cache->lines));
        cache->set_state = calloc(cache->sets, sizeof(*cache->set_state));
        cache->mshrs = calloc(mshr_count, sizeof(*cache->mshrs));
        cache->mshrs_busy = calloc(config->initiators, sizeof(*cache->mshrs_busy));
        cache->mshr_wait = calloc(config->initiators, sizeof(*cache->mshr_wait));
        cache->counters = calloc(config->initiators, sizeof(*cache->counters));
        if (cache->tags == NULL || cache->lines == NULL || cache->set_state == NULL ||
            cache->mshrs == NULL || cache->mshrs_busy == NULL || cache->mshr_wait == NULL ||
            cache->counters == NULL) {
                cache_fini(cache);
                return -ENOMEM;
        }
        for (uint32_t set = 0; set < cache->sets; set++)
                cache->set_state[set] =
                    (struct cache_set){ .mru = CACHE_NO_WAY, .lru = CACHE_NO_WAY };
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
        free(cache->tags);
        free(cache->lines);
        free(cache->set_state);
        free(cache->mshrs);
        free(cache->mshrs_busy);
        free(cache->mshr_wait);
        free(cache->counters);
        cache->tags = NULL;
        cache->lines = NULL;
        cache->set_state = NULL;
        cache->mshrs = NULL;
        cache->mshrs_busy = NULL;
        cache->mshr_wait = NULL;
        cache->counters = NULL;
}

/* ---- tag array ---------------------------------------------------------------------------- */

static struct cache_line *set_lines(const struct cache *cache, uint32_t set)
{
        return &cache->lines[(size_t)set * cache->config->ways];
}

static const uint64_t *set_tags(const struct cache *cache, uint32_t set)
{
        return &cache->tags[(size_t)set * cache->config->ways];
}

static int cache_find(const struct cache *cache, uint32_t set, uint64_t line_addr)
{
        const uint64_t *tags = set_tags(cache, set);
        uint64_t tag = line_addr + 1;
        uint32_t ways = cache->config->ways;

        for (uint32_t w = 0; w < ways; w++)
                if (tags[w] == tag)
                        return (int)w;
        return -1;
}

/*
 * Exact LRU as a doubly linked list of a set's valid ways, most recent first: a touch is
 * O(1) and the victim is the least recent way the initiator may replace, found from the tail.
 */
static void lru_unlink(struct cache_set *s, struct cache_line *lines, unsigned way)
{
        uint8_t newer = lines[way].newer, older = lines[way].older;

        if (newer != CACHE_NO_WAY)
                lines[newer].older = older;
        else
                s->mru = older;
        if (older != CACHE_NO_WAY)
                lines[older].newer = newer;
        else
                s->lru = newer;
}

static void lru_push_front(struct cache_set *s, struct cache_line *lines, unsigned way)
{
        lines[way].newer = CACHE_NO_WAY;
        lines[way].older = s->mru;
        if (s->mru != CACHE_NO_WAY)
                lines[s->mru].newer = (uint8_t)way;
        else
                s->lru = (uint8_t)way;
        s->mru = (uint8_t)way;
}

/* Invalidate a line. */
static void cache_drop(struct cache *cache, size_t index)
{
        uint32_t set = (uint32_t)(index / cache->config->ways);
        unsigned way = (unsigned)(index % cache->config->ways);
        struct cache_set *s = &cache->set_state[set];

        if (cache->config->replacement == CACHE_LRU)
                lru_unlink(s, set_lines(cache, set), way);
        cache->tags[index] = 0;
        cache->lines[index].dirty = 0;
        s->valid &= ~(1ULL << way);
}

/* Record an access to `way`; `listed`: the way held a valid line before (LRU bookkeeping). */
static void cache_touch(struct cache *cache, uint32_t set, unsigned way, bool listed)
{
        struct cache_set *s = &cache->set_state[set];
        uint32_t node = 1, low = 0, n = cache->config->ways;
        uint64_t bits = s->plru;

        if (cache->config->replacement == CACHE_LRU) {
                if (s->mru == way)
                        return;
                if (listed)
                        lru_unlink(s, set_lines(cache, set), way);
                lru_push_front(s, set_lines(cache, set), way);
                return;
        }
        if (cache->config->replacement != CACHE_TREE_PLRU)
                return;
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
        s->plru = bits;
}

static uint64_t range_mask(uint32_t low, uint32_t n)
{
        uint64_t ones = n >= 64 ? UINT64_MAX : (1ULL << n) - 1;

        return ones << low;
}

static unsigned plru_victim(const struct cache *cache, uint32_t set, uint64_t candidates)
{
        uint32_t node = 1, low = 0, n = cache->config->ways;
        uint64_t bits = cache->set_state[set].plru;

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

/* The way to replace for `initiator`, or -1 when every allowed way awaits a fill. */
static int cache_victim(struct cache *cache, uint32_t set, uint16_t initiator)
{
        const struct cache_line *lines = set_lines(cache, set);
        const struct cache_set *s = &cache->set_state[set];
        uint64_t allowed = cache_allowed_ways(cache, initiator);
        uint64_t invalid = allowed & ~s->valid;
        uint64_t candidates = allowed & ~s->pending;
        unsigned way;

        assert(allowed != 0);
        if (invalid != 0)
                return __builtin_ctzll(invalid);
        if (candidates == 0)
                return -1;
        switch (cache->config->replacement) {
        case CACHE_LRU:
                /* Every candidate is valid, hence listed: the walk ends at one. */
                for (way = s->lru; ((candidates >> way) & 1U) == 0; way = lines[way].newer)
                        ;
                return (int)way;
        case CACHE_TREE_PLRU:
                return (int)plru_victim(cache, set, candidates);
        case CACHE_RANDOM:
                return (int)nth_set_bit(candidates,
                                        rng_range(&cache->rng, 0, popcount64(candidates) - 1));
        }
        return -1;
}

/* Whether every way `initiator` may allocate in awaits a fill (no victim without a draw). */
static bool cache_victim_blocked(const struct cache *cache, uint32_t set, uint16_t initiator)
{
        uint64_t allowed = cache_allowed_ways(cache, initiator);

        const struct cache_set *s = &cache->set_state[set];

        return (allowed & (~s->valid | ~s->pending)) == 0;
}

/* Replace `way` with `line_addr`; reports a dirty victim in *out. */
static struct cache_line *cache_install(struct cache *cache, uint32_t set, unsigned way,
                                        uint64_t line_addr, uint16_t initiator,
                                        struct cache_outcome *out)
{
        size_t index = (size_t)set * cache->config->ways + way;
        struct cache_line *line = &cache->lines[index];
        uint64_t old_tag = cache->tags[index];

        if (old_tag != 0) {
                if (cache->config->coherence != NULL)
                        (void)coherence_evict(cache->config->coherence, cache->config->coherence_id,
                                              old_tag - 1);
                if (line->dirty) {
                        out->writeback = true;
                        out->writeback_addr = (old_tag - 1) << cache->line_shift;
                        cache->counters[initiator].writebacks++;
                }
        }
        cache->tags[index] = line_addr + 1;
        cache->set_state[set].valid |= 1ULL << way;
        line->dirty = 0;
        line->mshr = 0;
        cache_touch(cache, set, way, old_tag != 0);
        return line;
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

struct cache_outcome cache_access(struct cache *cache, uint64_t addr, enum mem_op op,
                                  uint16_t initiator)
{
        uint64_t line_addr = addr >> cache->line_shift;
        uint32_t set = (uint32_t)line_addr & cache->set_mask;
        int way = cache_find(cache, set, line_addr);
        struct cache_outcome out = { .hit = way >= 0 };
        struct cache_line *line;

        assert(initiator < cache->config->initiators);
        cache->counters[initiator].accesses++;
        if (way >= 0) {
                line = &set_lines(cache, set)[way];
                cache_touch(cache, set, (unsigned)way, true);
                if (cache_needs_upgrade(cache, line_addr, op))
                        out.coherence = cache_coherence_op(cache, line_addr, op);
        } else {
                cache->counters[initiator].misses++;
                if (cache->config->coherence != NULL)
                        out.coherence = cache_coherence_op(cache, line_addr, op);
                way = cache_victim(cache, set, initiator);
                assert(way >= 0 && "functional access into a set with every way awaiting a fill");
                line = cache_install(cache, set, (unsigned)way, line_addr, initiator, &out);
        }
        if (op == MEM_WRITE)
                line->dirty = 1;
        return out;
}

bool cache_contains(const struct cache *cache, uint64_t addr)
{
        uint64_t line_addr = addr >> cache->line_shift;

        return cache_find(cache, (uint32_t)line_addr & cache->set_mask, line_addr) >= 0;
}

uint64_t cache_line_at(const struct cache *cache, uint32_t set, uint32_t way)
{
        uint64_t tag;

        assert(set < cache->sets && way < cache->config->ways);
        tag = cache->tags[(size_t)set * cache->config->ways + way];
        return tag == 0 ? UINT64_MAX : tag - 1;
}

bool cache_dirty(const struct cache *cache, uint64_t addr)
{
        size_t index = cache_index_of(cache, addr >> cache->line_shift);

        return index != SIZE_MAX && cache->lines[index].dirty;
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

        return way < 0 ? SIZE_MAX : (size_t)set * cache->config->ways + (unsigned)way;
}

static void cache_coherence_invalidate(void *arg, uint64_t line_addr)
{
        struct cache *cache = arg;
        size_t index = cache_index_of(cache, line_addr);

        if (index == SIZE_MAX)
                return;
        cache->lines[index].dirty = 0;
        /* A line awaiting its fill stays until the fill has served its waiters. */
        if (cache->lines[index].mshr == 0)
                cache_drop(cache, index);
}

static void cache_coherence_downgrade(void *arg, uint64_t line_addr)
{
        struct cache *cache = arg;
        size_t index = cache_index_of(cache, line_addr);

        if (index != SIZE_MAX)
                cache->lines[index].dirty = 0;
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

        cache->lines[m->line_index].mshr = 0;
        cache->set_state[m->line_index / cache->config->ways].pending &=
            ~(1ULL << (m->line_index % cache->config->ways));
        while ((req = mem_fifo_pop(&m->waiting)) != NULL)
                cache_complete_hit(cache, req, when);
        if (cache->config->coherence != NULL &&
            coherence_state_of(cache->config->coherence, cache->config->coherence_id,
                               cache->tags[m->line_index] - 1) == COH_I)
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
                (void)cache_install(cache, set, (unsigned)way, line_addr, req->initiator, &out);
        } else {
                cache_touch(cache, set, (unsigned)way, true);
                coh.needs_data = false;
        }
        m->line_index = (size_t)set * cache->config->ways + (unsigned)way;
        if (op == MEM_WRITE)
                cache->lines[m->line_index].dirty = 1;
        cache->lines[m->line_index].mshr = (uint16_t)(m - cache->mshrs + 1);
        cache->set_state[set].pending |= 1ULL << way;
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
        struct cache_line *line = way >= 0 ? &set_lines(cache, set)[way] : NULL;

        if (line != NULL && line->mshr != 0) { /* its fill is on the way: wait for it */
                counters->accesses++;
                counters->merged++;
                if (req->op == MEM_WRITE)
                        line->dirty = 1;
                mem_fifo_push(&cache->mshrs[line->mshr - 1].waiting, req);
                return;
        }
        if (line != NULL && !cache_needs_upgrade(cache, line_addr, (enum mem_op)req->op)) {
                counters->accesses++;
                cache_touch(cache, set, (unsigned)way, true);
                if (req->op == MEM_WRITE)
                        line->dirty = 1;
                cache_complete_hit(cache, req, sim_now(cache->sim) + cache->hit_ps);
                return;
        }
        if (cache->mshrs_busy[req->initiator] == cache->config->mshrs_per_initiator) {
                mem_fifo_push(&cache->mshr_wait[req->initiator], req);
                return;
        }
        if (line == NULL && cache_victim_blocked(cache, set, req->initiator)) {
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
