/* vq_sim_mem: guest RAM and per-side timed ports for the virtio/ library, priced on private
 * caches or on a platform's hierarchy (see the header). */
#include "models/io/vq_sim_mem.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const l1_names[VQ_SIM_SIDES] = { "vq-sim-l1-driver", "vq-sim-l1-device" };

static bool power_of_two(uint64_t v)
{
        return v != 0 && (v & (v - 1u)) == 0;
}

static bool config_valid(const struct vq_sim_config *c)
{
        return c->size_bytes != 0 && c->clock_hz != 0 && power_of_two(c->line_bytes) &&
               c->gpa_base % c->line_bytes == 0 && c->gpa_base + c->size_bytes > c->gpa_base;
}

static void build_cache_configs(struct vq_sim_mem *mem)
{
        const struct vq_sim_config *c = mem->config;

        for (unsigned s = 0; s < VQ_SIM_SIDES; s++)
                mem->l1_config[s] = (struct cache_config){ .name = l1_names[s],
                                                           .size_bytes = c->l1_size_bytes,
                                                           .ways = c->l1_ways,
                                                           .line_bytes = c->line_bytes,
                                                           .replacement = CACHE_LRU,
                                                           .clock_hz = c->clock_hz,
                                                           .hit_cycles = c->l1_hit_cycles,
                                                           .mshrs_per_initiator = 1,
                                                           .initiators = 1,
                                                           .coherence = &mem->coherence,
                                                           .coherence_id = s };
        mem->llc_config = (struct cache_config){ .name = "vq-sim-llc",
                                                 .size_bytes = c->llc_size_bytes,
                                                 .ways = c->llc_ways,
                                                 .line_bytes = c->line_bytes,
                                                 .replacement = CACHE_LRU,
                                                 .clock_hz = c->clock_hz,
                                                 .hit_cycles = c->llc_hit_cycles,
                                                 .mshrs_per_initiator = 1,
                                                 .initiators = VQ_SIM_SIDES };
        /* Room for every line both L1s can hold, twice over for the open-addressed table. */
        mem->coherence_config =
            (struct coherence_config){ .caches = VQ_SIM_SIDES,
                                       .capacity_lines = 2u * VQ_SIM_SIDES *
                                                         (size_t)(c->l1_size_bytes / c->line_bytes),
                                       .clock_hz = c->clock_hz,
                                       .transfer_cycles = c->transfer_cycles,
                                       .invalidate_cycles = c->invalidate_cycles };
}

/* The hierarchy's state: directory, both L1s, LLC; all empty. On a platform only the
 * directory is ours. */
static int hierarchy_init(struct vq_sim_mem *mem)
{
        int rc = coherence_init(&mem->coherence, &mem->coherence_config);
        unsigned made = 0;

        if (rc != 0)
                return rc;
        if (mem->on_platform) {
                mem->hierarchy_up = true;
                return 0;
        }
        for (; made < VQ_SIM_SIDES; made++) {
                rc = cache_init(&mem->l1[made], &mem->l1_config[made], NULL, NULL);
                if (rc != 0)
                        goto err_l1;
        }
        rc = cache_init(&mem->llc, &mem->llc_config, NULL, NULL);
        if (rc != 0)
                goto err_l1;
        mem->hierarchy_up = true;
        return 0;
err_l1:
        while (made-- > 0)
                cache_fini(&mem->l1[made]);
        coherence_fini(&mem->coherence);
        return rc;
}

static void hierarchy_fini(struct vq_sim_mem *mem)
{
        if (!mem->hierarchy_up)
                return;
        mem->hierarchy_up = false;
        if (!mem->on_platform) {
                cache_fini(&mem->llc);
                for (unsigned s = 0; s < VQ_SIM_SIDES; s++)
                        cache_fini(&mem->l1[s]);
        }
        coherence_fini(&mem->coherence);
}

static uint64_t gpa_of(const struct vq_sim_mem *mem, const volatile void *host)
{
        uintptr_t offset = (uintptr_t)host - (uintptr_t)mem->bytes;

        assert((uintptr_t)host >= (uintptr_t)mem->bytes && offset < mem->config->size_bytes);
        return mem->config->gpa_base + offset;
}

static void port_access(void *ctx, enum vq_access_op op, const volatile void *addr, size_t size)
{
        struct vq_sim_side_state *side = ctx;
        struct vq_sim_mem *mem = side->mem;

        if (op == VQ_ACCESS_BARRIER) {
                assert(size < 3);
                side->stats.barriers++;
                side->pending_ps += mem->barrier_ps[size];
                side->stats.total_ps += mem->barrier_ps[size];
                return;
        }
        if (op == VQ_ACCESS_LOAD)
                side->stats.loads++;
        else
                side->stats.stores++;
        vq_sim_access(mem, side->side, gpa_of(mem, addr), size,
                      op == VQ_ACCESS_LOAD ? MEM_READ : MEM_WRITE);
}

int vq_sim_init(struct vq_sim_mem *mem, const struct vq_sim_config *config)
{
        int rc;

        memset(mem, 0, sizeof(*mem));
        if (!config_valid(config) || config->size_bytes > SIZE_MAX)
                return -EINVAL;
        mem->config = config;
        mem->bytes = calloc(1, (size_t)config->size_bytes);
        if (mem->bytes == NULL)
                return -ENOMEM;
        mem->region = (struct vq_region){ .gpa = config->gpa_base,
                                          .size_bytes = config->size_bytes,
                                          .host = mem->bytes };
        mem->l1_hit_ps = sim_cycles_to_ps(config->l1_hit_cycles, config->clock_hz);
        mem->llc_hit_ps = sim_cycles_to_ps(config->llc_hit_cycles, config->clock_hz);
        for (unsigned k = 0; k < 3; k++)
                mem->barrier_ps[k] = sim_cycles_to_ps(config->barrier_cycles[k], config->clock_hz);
        build_cache_configs(mem);
        rc = hierarchy_init(mem);
        if (rc != 0)
                goto err_bytes;
        for (unsigned s = 0; s < VQ_SIM_SIDES; s++) {
                struct vq_sim_side_state *side = &mem->sides[s];

                side->mem = mem;
                side->side = (enum vq_sim_side)s;
                vq_port_init_default(&side->port, &mem->region, 1);
                side->port.access = port_access;
                side->port.ctx = side;
        }
        return 0;
err_bytes:
        free(mem->bytes);
        mem->bytes = NULL;
        return rc;
}

void vq_sim_fini(struct vq_sim_mem *mem)
{
        hierarchy_fini(mem);
        free(mem->requests);
        free(mem->free_requests);
        mem->requests = NULL;
        mem->free_requests = NULL;
        free(mem->bytes);
        mem->bytes = NULL;
}

const struct vq_port *vq_sim_port(const struct vq_sim_mem *mem, enum vq_sim_side side)
{
        assert((unsigned)side < VQ_SIM_SIDES);
        return &mem->sides[side].port;
}

uint8_t *vq_sim_host(const struct vq_sim_mem *mem, uint64_t gpa, uint64_t size)
{
        const struct vq_sim_config *c = mem->config;

        if (gpa < c->gpa_base || gpa - c->gpa_base > c->size_bytes ||
            size > c->size_bytes - (gpa - c->gpa_base))
                return NULL;
        return mem->bytes + (gpa - c->gpa_base);
}

/* A dirty line leaving an L1 goes to the LLC (a buffered write: the requester does not wait). */
static void absorb_writeback(struct vq_sim_mem *mem, enum vq_sim_side side,
                             const struct cache_outcome *out)
{
        if (out->writeback)
                (void)cache_access(&mem->llc, out->writeback_addr, MEM_WRITE, (uint16_t)side);
}

/* One line lookup by `side`: the cost and the counters of the table in the header. */
static sim_time_t access_line(struct vq_sim_mem *mem, enum vq_sim_side side, uint64_t addr,
                              enum mem_op op)
{
        struct vq_sim_stats *stats = &mem->sides[side].stats;
        struct cache_outcome out = cache_access(&mem->l1[side], addr, op, 0);
        const struct coherence_result *coh = &out.coherence;
        sim_time_t cost = mem->l1_hit_ps + coh->extra_ps;
        /* A hit carries a directory result only for an upgrade (its supplier field is then
         * meaningless: no data moves); a miss always consulted the directory. */
        bool from_peer = !out.hit && coh->supplier >= 0;

        absorb_writeback(mem, side, &out);
        if (from_peer)
                stats->transfers++;
        if (coh->invalidated != 0)
                stats->invalidations++;
        if (from_peer || coh->invalidated != 0)
                stats->handoffs++;
        if (out.hit)
                return cost;
        stats->l1_misses++;
        if (from_peer)
                return cost;
        cost += mem->llc_hit_ps;
        if (!cache_access(&mem->llc, addr, MEM_READ, (uint16_t)side).hit) {
                stats->llc_misses++;
                cost += mem->config->dram_ps;
        }
        return cost;
}

/* ---- platform mode (vq_sim_attach_platform) ---- */

uint64_t vq_sim_phys(const struct vq_sim_mem *mem, uint64_t gpa)
{
        const struct vq_sim_platform *p = &mem->platform;
        uint64_t addr;

        if (!mem->on_platform)
                return gpa;
        addr = p->phys_base + (gpa - mem->config->gpa_base);
        if (p->colour_mask != 0)
                addr = cache_colour_translate(p->colours, p->page_bytes, p->colour_mask,
                                              p->colour_base, addr);
        return addr;
}

static void platform_request_free(struct vq_sim_mem *mem, struct vq_sim_request *r)
{
        mem->free_requests[mem->free_request_count++] = r->index;
}

static void platform_request_done(struct mem_request *req, void *arg)
{
        struct vq_sim_request *r = arg;

        (void)req;
        platform_request_free(r->mem, r);
}

static void platform_submit(struct vq_sim_request *r)
{
        struct vq_sim_mem *mem = r->mem;

        r->req.issue_ps = sim_now(mem->platform.sim);
        if (mem_port_submit(&mem->platform.downstream, &r->req) != 0) {
                platform_request_free(mem, r);
                mem->sides[r->side].stats.unsent_requests++;
                return;
        }
        mem->sides[r->side].stats.memory_requests++;
}

static void platform_submit_event(struct sim *sim, void *arg)
{
        (void)sim;
        platform_submit(arg);
}

/* A line read or write-back below the LLC, fire and forget, `offset_ps` from now: where the
 * synchronous accounting puts the access within the running library call, so the misses of
 * one call reach the bus one after the other as the code would make them (header). */
static void platform_send(struct vq_sim_mem *mem, enum vq_sim_side side, uint64_t addr,
                          enum mem_op op, sim_time_t offset_ps)
{
        const struct vq_sim_platform *p = &mem->platform;
        struct vq_sim_stats *stats = &mem->sides[side].stats;
        uint32_t line = mem->config->line_bytes;
        struct vq_sim_request *r;

        if (p->downstream.ops == NULL)
                return;
        if (mem->free_request_count == 0) {
                stats->unsent_requests++;
                return;
        }
        r = &mem->requests[mem->free_requests[--mem->free_request_count]];
        r->side = side;
        r->req = (struct mem_request){ .addr = addr & ~(uint64_t)(line - 1u),
                                       .size_bytes = line,
                                       .initiator = p->bus_initiator[side],
                                       .op = (uint8_t)op,
                                       .done = platform_request_done,
                                       .done_arg = r };
        if (offset_ps == 0) {
                platform_submit(r);
                return;
        }
        if (sim_schedule_prio(p->sim, sim_now(p->sim) + offset_ps, SIM_PRIO_NORMAL,
                              platform_submit_event, r) == 0) {
                platform_request_free(mem, r);
                stats->unsent_requests++;
        }
}

/* A full line written into the LLC (an L1's dirty victim, an owner's write-back, a DMA
 * master's write); the LLC's dirty victim goes below. */
static void platform_llc_write(struct vq_sim_mem *mem, enum vq_sim_side side, uint64_t addr,
                               sim_time_t offset_ps)
{
        struct cache_outcome out =
            cache_access(mem->platform.llc, addr, MEM_WRITE, mem->platform.llc_initiator);

        if (out.writeback)
                platform_send(mem, side, out.writeback_addr, MEM_WRITE, offset_ps);
}

/* The mean wait per request over the window since the last refresh, refreshed when the window
 * holds at least VQ_SIM_QUEUE_WINDOW requests. */
static sim_time_t window_mean(uint64_t count, sim_time_t sum, uint64_t *seen_count,
                              sim_time_t *seen_sum, sim_time_t *mean)
{
        if (count - *seen_count >= VQ_SIM_QUEUE_WINDOW) {
                *mean = (sum - *seen_sum) / (count - *seen_count);
                *seen_count = count;
                *seen_sum = sum;
        }
        return *mean;
}

bool vq_sim_on_platform(const struct vq_sim_mem *mem)
{
        return mem->on_platform;
}

sim_time_t vq_sim_queue_estimate_ps(const struct vq_sim_mem *mem)
{
        return mem->on_platform ? mem->bus_queue_ps + mem->dram_queue_ps : 0;
}

/* The queueing an LLC miss is charged now (header). */
static sim_time_t platform_queue_ps(struct vq_sim_mem *mem)
{
        struct vq_sim_queue_totals now;
        struct vq_sim_queue_totals *seen = &mem->queue_seen;

        if (mem->platform.queue_totals == NULL)
                return 0;
        mem->platform.queue_totals(mem->platform.queue_ctx, &now);
        return window_mean(now.bus_grants, now.bus_delay_ps, &seen->bus_grants, &seen->bus_delay_ps,
                           &mem->bus_queue_ps) +
               window_mean(now.dram_requests, now.dram_delay_ps, &seen->dram_requests,
                           &seen->dram_delay_ps, &mem->dram_queue_ps);
}

/* The directory forgets a side's copy its L1 no longer holds (evicted by the core's tasks). */
static void platform_reconcile(struct vq_sim_mem *mem, uint64_t phys, uint64_t line)
{
        for (unsigned s = 0; s < VQ_SIM_SIDES; s++) {
                struct cache *l1 = mem->platform.l1[s];
                unsigned id = mem->coherence_id[s];

                if (l1 != NULL && coherence_state_of(&mem->coherence, id, line) != COH_I &&
                    !cache_contains(l1, phys))
                        (void)coherence_evict(&mem->coherence, id, line);
        }
}

/* What the directory decided for the peer's copy, applied to the peer's platform L1. */
static void platform_apply_peers(struct vq_sim_mem *mem, enum vq_sim_side side,
                                 const struct coherence_result *coh, uint64_t phys, uint64_t line,
                                 sim_time_t offset_ps)
{
        for (unsigned t = 0; t < VQ_SIM_SIDES; t++) {
                struct cache *peer = mem->platform.l1[t];
                unsigned id = mem->coherence_id[t];

                if (id == mem->coherence_id[side] || peer == NULL)
                        continue;
                if ((coh->invalidated >> id) & 1u)
                        cache_coherence_ops.invalidate(peer, line);
                else if (coh->supplier == (int)id)
                        cache_coherence_ops.downgrade(peer, line);
        }
        if (coh->owner_writeback)
                platform_llc_write(mem, side, phys, offset_ps);
}

/* The LLC lookup of an L1 miss not served by the peer: its cost beyond the L1 lookup. */
static sim_time_t platform_llc_lookup(struct vq_sim_mem *mem, enum vq_sim_side side, uint64_t phys,
                                      enum mem_op op, sim_time_t offset_ps)
{
        const struct vq_sim_platform *p = &mem->platform;
        struct vq_sim_stats *stats = &mem->sides[side].stats;
        sim_time_t queue;
        /* A side with an L1 reads the line to fill it; a DMA master writes into the LLC. */
        struct cache_outcome out =
            cache_access(p->llc, phys, p->l1[side] != NULL ? MEM_READ : op, p->llc_initiator);

        if (out.writeback)
                platform_send(mem, side, out.writeback_addr, MEM_WRITE, offset_ps);
        if (out.hit)
                return mem->platform_llc_hit_ps;
        stats->llc_misses++;
        queue = platform_queue_ps(mem);
        stats->queue_ps += queue;
        platform_send(mem, side, phys, MEM_READ, offset_ps);
        return mem->platform_llc_hit_ps + p->memory_ps + queue;
}

/* One line lookup by `side` on the platform: the cost and counters of access_line. Traffic
 * below the LLC leaves after the side's pending cost and this line's lookups. */
static sim_time_t platform_access_line(struct vq_sim_mem *mem, enum vq_sim_side side, uint64_t gpa,
                                       enum mem_op op)
{
        const struct vq_sim_platform *p = &mem->platform;
        struct vq_sim_stats *stats = &mem->sides[side].stats;
        struct cache *l1 = p->l1[side];
        unsigned id = mem->coherence_id[side];
        uint64_t phys = vq_sim_phys(mem, gpa);
        uint64_t line = phys / mem->config->line_bytes;
        struct coherence_result coh = { .supplier = -1 };
        sim_time_t cost = mem->side_l1_hit_ps[side];
        sim_time_t offset = mem->sides[side].pending_ps + cost + mem->platform_llc_hit_ps;
        bool hit, from_peer;

        platform_reconcile(mem, phys, line);
        hit = l1 != NULL && cache_contains(l1, phys);
        if (op == MEM_WRITE)
                coh = coherence_write(&mem->coherence, id, line);
        else if (!hit)
                coh = coherence_read(&mem->coherence, id, line);
        platform_apply_peers(mem, side, &coh, phys, line, offset);
        if (l1 != NULL) {
                struct cache_outcome out = cache_access(l1, phys, op, p->l1_initiator[side]);

                assert(out.hit == hit);
                if (out.writeback)
                        platform_llc_write(mem, side, out.writeback_addr, offset);
        }
        cost += coh.extra_ps;
        from_peer = !hit && coh.supplier >= 0;
        if (from_peer)
                stats->transfers++;
        if (coh.invalidated != 0)
                stats->invalidations++;
        if (from_peer || coh.invalidated != 0)
                stats->handoffs++;
        if (hit)
                return cost;
        stats->l1_misses++;
        if (!from_peer)
                cost += platform_llc_lookup(mem, side, phys, op, offset);
        if (l1 == NULL) {
                /* A DMA master keeps no copy: what it wrote lands in the LLC. */
                (void)coherence_evict(&mem->coherence, id, line);
                if (from_peer && op == MEM_WRITE)
                        platform_llc_write(mem, side, phys, offset);
        }
        return cost;
}

/* Drop every guest-RAM line from both sides' L1s and the LLC: the rings start cold. */
static void platform_forget_lines(struct vq_sim_mem *mem)
{
        const struct vq_sim_config *c = mem->config;
        const struct vq_sim_platform *p = &mem->platform;

        for (uint64_t gpa = c->gpa_base; gpa - c->gpa_base < c->size_bytes; gpa += c->line_bytes) {
                uint64_t line = vq_sim_phys(mem, gpa) / c->line_bytes;

                for (unsigned s = 0; s < VQ_SIM_SIDES; s++)
                        if (p->l1[s] != NULL)
                                cache_coherence_ops.invalidate(p->l1[s], line);
                cache_coherence_ops.invalidate(p->llc, line);
        }
}

void vq_sim_access(struct vq_sim_mem *mem, enum vq_sim_side side, uint64_t gpa, uint64_t size,
                   enum mem_op op)
{
        struct vq_sim_side_state *state = &mem->sides[side];
        uint64_t line = mem->config->line_bytes;

        assert((unsigned)side < VQ_SIM_SIDES && size > 0);
        assert(vq_sim_host(mem, gpa, size) != NULL);
        for (uint64_t a = gpa & ~(line - 1u); a < gpa + size; a += line) {
                sim_time_t cost = mem->on_platform ? platform_access_line(mem, side, a, op)
                                                   : access_line(mem, side, a, op);

                state->pending_ps += cost;
                state->stats.total_ps += cost;
        }
}

int vq_sim_make_cold(struct vq_sim_mem *mem)
{
        hierarchy_fini(mem);
        for (unsigned s = 0; s < VQ_SIM_SIDES; s++) {
                memset(&mem->sides[s].stats, 0, sizeof(mem->sides[s].stats));
                mem->sides[s].pending_ps = 0;
        }
        if (mem->on_platform)
                platform_forget_lines(mem);
        return hierarchy_init(mem);
}

const struct vq_sim_stats *vq_sim_stats_of(const struct vq_sim_mem *mem, enum vq_sim_side side)
{
        assert((unsigned)side < VQ_SIM_SIDES);
        return &mem->sides[side].stats;
}

sim_time_t vq_sim_take_pending_ps(struct vq_sim_mem *mem, enum vq_sim_side side)
{
        sim_time_t pending;

        assert((unsigned)side < VQ_SIM_SIDES);
        pending = mem->sides[side].pending_ps;
        mem->sides[side].pending_ps = 0;
        return pending;
}

static bool platform_valid(const struct vq_sim_mem *mem, const struct vq_sim_platform *p)
{
        uint32_t line = mem->config->line_bytes;

        if (p->llc == NULL || p->sim == NULL || p->llc->config->line_bytes != line ||
            p->llc_initiator >= p->llc->config->initiators || p->l1[VQ_SIM_DRIVER] == NULL)
                return false;
        for (unsigned s = 0; s < VQ_SIM_SIDES; s++)
                if (p->l1[s] != NULL && (p->l1[s]->config->line_bytes != line ||
                                         p->l1_initiator[s] >= p->l1[s]->config->initiators))
                        return false;
        return p->colour_mask == 0 ||
               (p->colours >= 1 && p->colours <= 64 && power_of_two(p->page_bytes) &&
                p->page_bytes >= line && p->colour_base % p->page_bytes == 0);
}

/* The request pool: two per guest-RAM line (a line read and a write-back) plus 64. */
static int platform_pool_init(struct vq_sim_mem *mem)
{
        uint64_t capacity = 2u * (mem->config->size_bytes / mem->config->line_bytes) + 64u;

        if (capacity > UINT32_MAX)
                return -EINVAL;
        mem->request_capacity = (uint32_t)capacity;
        mem->requests = calloc((size_t)capacity, sizeof(*mem->requests));
        mem->free_requests = calloc((size_t)capacity, sizeof(*mem->free_requests));
        return mem->requests == NULL || mem->free_requests == NULL ? -ENOMEM : 0;
}

int vq_sim_attach_platform(struct vq_sim_mem *mem, const struct vq_sim_platform *platform)
{
        const struct cache_config *llc;
        int rc;

        if (!platform_valid(mem, platform) || mem->on_platform)
                return -EINVAL;
        rc = platform_pool_init(mem);
        if (rc != 0)
                return rc;
        hierarchy_fini(mem); /* the private caches */
        mem->on_platform = true;
        mem->platform = *platform;
        llc = platform->llc->config;
        for (unsigned s = 0; s < VQ_SIM_SIDES; s++) {
                const struct cache *l1 = platform->l1[s];

                mem->side_l1_hit_ps[s] =
                    l1 != NULL ? sim_cycles_to_ps(l1->config->hit_cycles, l1->config->clock_hz) : 0;
        }
        /* Sides on one core share its L1: one directory slot, hand-offs are L1 hits. */
        mem->coherence_id[VQ_SIM_DRIVER] = 0;
        mem->coherence_id[VQ_SIM_DEVICE] =
            platform->l1[VQ_SIM_DEVICE] == platform->l1[VQ_SIM_DRIVER] ? 0 : 1;
        mem->platform_llc_hit_ps = sim_cycles_to_ps(llc->hit_cycles, llc->clock_hz);
        /* Every guest-RAM line at most once (stale entries stay until reconciled). */
        mem->coherence_config.capacity_lines =
            (size_t)(mem->config->size_bytes / mem->config->line_bytes) + 1u;
        for (uint32_t i = 0; i < mem->request_capacity; i++) {
                mem->requests[i].mem = mem;
                mem->requests[i].index = i;
                mem->free_requests[i] = mem->request_capacity - 1u - i;
        }
        mem->free_request_count = mem->request_capacity;
        /* The queueing window starts now. */
        if (platform->queue_totals != NULL)
                platform->queue_totals(platform->queue_ctx, &mem->queue_seen);
        mem->bus_queue_ps = mem->dram_queue_ps = 0;
        return vq_sim_make_cold(mem);
}
