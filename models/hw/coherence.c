#include "models/hw/coherence.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

int coherence_init(struct coherence *coh, const struct coherence_config *config)
{
        size_t slots = 16;

        *coh = (struct coherence){ .config = config };
        if (config->caches == 0 || config->caches > COHERENCE_MAX_CACHES ||
            config->capacity_lines == 0 || config->clock_hz == 0)
                return -EINVAL;
        /* At most half full, so probe sequences stay short. */
        while (slots < 2 * config->capacity_lines)
                slots *= 2;
        coh->table = calloc(slots, sizeof(*coh->table));
        if (coh->table == NULL)
                return -ENOMEM;
        coh->table_mask = slots - 1;
        coh->transfer_ps = sim_cycles_to_ps(config->transfer_cycles, config->clock_hz);
        coh->invalidate_ps = sim_cycles_to_ps(config->invalidate_cycles, config->clock_hz);
        return 0;
}

void coherence_fini(struct coherence *coh)
{
        free(coh->table);
        coh->table = NULL;
}

void coherence_attach(struct coherence *coh, unsigned id, const struct coherence_peer_ops *ops,
                      void *cache)
{
        assert(id < coh->config->caches);
        coh->peer_ops[id] = ops;
        coh->peer[id] = cache;
}

static size_t coherence_slot(const struct coherence *coh, uint64_t line_addr)
{
        /* Fibonacci hashing spreads consecutive lines over the table. */
        return (size_t)((line_addr * 0x9e3779b97f4a7c15ULL) >> 32) & coh->table_mask;
}

static struct coherence_entry *coherence_find(const struct coherence *coh, uint64_t line_addr)
{
        size_t i = coherence_slot(coh, line_addr);

        while (coh->table[i].key != 0) {
                if (coh->table[i].key == line_addr + 1)
                        return &coh->table[i];
                i = (i + 1) & coh->table_mask;
        }
        return NULL;
}

static struct coherence_entry *coherence_insert(struct coherence *coh, uint64_t line_addr)
{
        size_t i = coherence_slot(coh, line_addr);

        assert(coh->used < coh->config->capacity_lines && "directory capacity too small");
        while (coh->table[i].key != 0)
                i = (i + 1) & coh->table_mask;
        coh->table[i] = (struct coherence_entry){ .key = line_addr + 1, .owner = -1 };
        coh->used++;
        return &coh->table[i];
}

/* Backward-shift deletion keeps every remaining key reachable from its home slot. */
static void coherence_remove(struct coherence *coh, struct coherence_entry *entry)
{
        size_t hole = (size_t)(entry - coh->table);
        size_t i = hole;

        for (;;) {
                size_t home;

                i = (i + 1) & coh->table_mask;
                if (coh->table[i].key == 0)
                        break;
                home = coherence_slot(coh, coh->table[i].key - 1);
                /* Move it into the hole unless its home lies cyclically in (hole, i]. */
                if (((i - home) & coh->table_mask) >= ((i - hole) & coh->table_mask)) {
                        coh->table[hole] = coh->table[i];
                        hole = i;
                }
        }
        coh->table[hole].key = 0;
        coh->used--;
}

static enum coherence_state entry_state(const struct coherence_entry *e, unsigned id)
{
        if (e == NULL)
                return COH_I;
        if (e->owner == (int)id)
                return (enum coherence_state)e->owner_state;
        return (e->sharers >> id) & 1U ? COH_S : COH_I;
}

static void count(struct coherence *coh, enum coherence_state from, enum coherence_state to)
{
        if (from != to)
                coh->transitions[from][to]++;
}

static void peer_invalidate(struct coherence *coh, unsigned id, uint64_t line_addr)
{
        if (coh->peer_ops[id] != NULL)
                coh->peer_ops[id]->invalidate(coh->peer[id], line_addr);
}

static void peer_downgrade(struct coherence *coh, unsigned id, uint64_t line_addr)
{
        if (coh->peer_ops[id] != NULL)
                coh->peer_ops[id]->downgrade(coh->peer[id], line_addr);
}

struct coherence_result coherence_read(struct coherence *coh, unsigned id, uint64_t line_addr)
{
        struct coherence_entry *e = coherence_find(coh, line_addr);
        struct coherence_result r = { .supplier = -1, .needs_data = true };

        assert(id < coh->config->caches);
        r.before = entry_state(e, id);
        if (r.before != COH_I) { /* already readable: nothing changes */
                r.after = r.before;
                r.needs_data = false;
                return r;
        }
        if (e == NULL)
                e = coherence_insert(coh, line_addr);
        if (e->owner >= 0) {
                unsigned owner = (unsigned)e->owner;

                r.owner_writeback = e->owner_state == COH_M;
                count(coh, (enum coherence_state)e->owner_state, COH_S);
                if (r.owner_writeback)
                        coh->owner_writebacks++;
                e->sharers |= 1U << owner;
                e->owner = -1;
                peer_downgrade(coh, owner, line_addr);
                r.supplier = (int)owner;
                r.extra_ps = coh->transfer_ps;
                coh->cache_to_cache++;
        }
        if (e->sharers != 0) {
                r.after = COH_S;
                e->sharers |= 1U << id;
        } else {
                r.after = COH_E;
                e->owner = (int8_t)id;
                e->owner_state = COH_E;
        }
        count(coh, COH_I, r.after);
        return r;
}

struct coherence_result coherence_write(struct coherence *coh, unsigned id, uint64_t line_addr)
{
        struct coherence_entry *e = coherence_find(coh, line_addr);
        struct coherence_result r = { .supplier = -1, .after = COH_M };
        uint32_t others;

        assert(id < coh->config->caches);
        r.before = entry_state(e, id);
        r.needs_data = r.before == COH_I;
        if (e == NULL)
                e = coherence_insert(coh, line_addr);
        if (e->owner >= 0 && e->owner != (int)id) {
                unsigned owner = (unsigned)e->owner;

                count(coh, (enum coherence_state)e->owner_state, COH_I);
                peer_invalidate(coh, owner, line_addr);
                r.invalidated |= 1U << owner;
                r.supplier = (int)owner;
                r.extra_ps = coh->transfer_ps;
                coh->cache_to_cache++;
                coh->invalidations++;
        }
        others = e->sharers & ~(1U << id);
        for (unsigned i = 0; others != 0; i++, others >>= 1) {
                if ((others & 1U) == 0)
                        continue;
                count(coh, COH_S, COH_I);
                peer_invalidate(coh, i, line_addr);
                r.invalidated |= 1U << i;
                coh->invalidations++;
        }
        if (r.supplier < 0 && r.invalidated != 0)
                r.extra_ps = coh->invalidate_ps;
        count(coh, r.before, COH_M);
        e->sharers = 0;
        e->owner = (int8_t)id;
        e->owner_state = COH_M;
        return r;
}

enum coherence_state coherence_evict(struct coherence *coh, unsigned id, uint64_t line_addr)
{
        struct coherence_entry *e = coherence_find(coh, line_addr);
        enum coherence_state before = entry_state(e, id);

        if (before == COH_I)
                return before;
        count(coh, before, COH_I);
        if (e->owner == (int)id)
                e->owner = -1;
        e->sharers &= ~(1U << id);
        if (e->owner < 0 && e->sharers == 0)
                coherence_remove(coh, e);
        return before;
}

enum coherence_state coherence_state_of(const struct coherence *coh, unsigned id,
                                        uint64_t line_addr)
{
        return entry_state(coherence_find(coh, line_addr), id);
}

uint64_t coherence_transition_count(const struct coherence *coh, enum coherence_state from,
                                    enum coherence_state to)
{
        return coh->transitions[from][to];
}

size_t coherence_tracked(const struct coherence *coh)
{
        return coh->used;
}
