/* vq_sim_mem: guest RAM and per-side timed ports for the virtio/ library (see the header). */
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

/* The hierarchy's state: directory, both L1s, LLC; all empty. */
static int hierarchy_init(struct vq_sim_mem *mem)
{
        int rc = coherence_init(&mem->coherence, &mem->coherence_config);
        unsigned made = 0;

        if (rc != 0)
                return rc;
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
        cache_fini(&mem->llc);
        for (unsigned s = 0; s < VQ_SIM_SIDES; s++)
                cache_fini(&mem->l1[s]);
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

void vq_sim_access(struct vq_sim_mem *mem, enum vq_sim_side side, uint64_t gpa, uint64_t size,
                   enum mem_op op)
{
        struct vq_sim_side_state *state = &mem->sides[side];
        uint64_t line = mem->config->line_bytes;

        assert((unsigned)side < VQ_SIM_SIDES && size > 0);
        assert(vq_sim_host(mem, gpa, size) != NULL);
        for (uint64_t a = gpa & ~(line - 1u); a < gpa + size; a += line) {
                sim_time_t cost = access_line(mem, side, a, op);

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
