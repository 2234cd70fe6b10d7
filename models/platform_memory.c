#include "models/platform_memory.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hw/cache.h"
#include "models/hw/dram.h"
#include "models/hw/interconnect.h"
#include "models/hw/mem_fast.h"
#include "models/hw/regulator.h"

/* Tasks' address regions: 64 MiB each, shifted by one 8-KiB DRAM row per task so that equal
 * streams of different tasks start in different banks. */
#define TASK_REGION_BYTES    ((64ULL << 20) + (8ULL << 10))
#define OS_COLOUR_BASE_SHIFT 40

struct platform_memory {
        const struct scenario *scenario;
        struct sim *sim;
        size_t cores;
        bool fast;
        uint64_t *colour_masks; /* per core */
        uint64_t *way_masks;    /* per core */
        /* detailed */
        struct dram_config dram_config;
        struct dram dram;
        bool dram_up;
        struct regulator_config regulator_config;
        /* Regulator domains: one per core (its own budget, 0 when unregulated or in a shared
         * domain), then one for external masters (unregulated), then the scenario's shared
         * domains; domain_of maps the initiators (cores, then external masters) onto them,
         * NULL (identity) when there is no shared domain. */
        uint64_t *budgets;
        uint16_t *domain_of;
        size_t regulator_domains;
        struct regulator regulator;
        bool regulator_up;
        struct interconnect_target target;
        struct interconnect_config bus_config;
        struct interconnect bus;
        bool bus_up;
        struct cache_config llc_config;
        struct cache llc;
        bool llc_up;
        struct cache_config *l1_config;
        struct cache *l1;
        struct mem_exec_config *exec_config;
        struct mem_exec *exec;
        size_t exec_up;
        /* shared regions (scenario "shared_regions"): one directory over the cores' L1s */
        struct coherence_config coherence_config;
        struct coherence coherence;
        bool coherence_up;
        struct mem_exec_shared shared;
        /* fast */
        struct mem_fast_config fast_config;
        struct mem_fast_system fast_system;
        bool fast_up;
        /* metrics */
        struct metric *llc_accesses, *llc_misses;
        struct metric *bus_utilisation, *bus_queue_delay;
        struct metric *dram_utilisation, *dram_requests, *dram_row_hits, *dram_row_conflicts;
        struct metric *llc_queue_delay, *dram_queue_delay;
        struct metric **throttled_time;     /* per regulator domain, NULL when unregulated */
        struct metric **throttled_requests; /* per regulator domain */
};

static const enum cache_replacement replacements[] = {
        [MEMORY_LRU] = CACHE_LRU,
        [MEMORY_TREE_PLRU] = CACHE_TREE_PLRU,
        [MEMORY_RANDOM] = CACHE_RANDOM,
};

uint64_t platform_memory_task_base(const struct scenario *scenario, size_t os, size_t task)
{
        size_t global = task;

        for (size_t i = 0; i < os; i++)
                global += scenario->oses[i].task_count;
        return (uint64_t)global * TASK_REGION_BYTES;
}

static uint64_t llc_colours(const struct memory_config *mc)
{
        uint64_t colours = mc->llc.size_bytes / mc->llc.ways / mc->page_bytes;

        return colours ? colours : 1;
}

/* The colour and way masks of each core, from the OS owning it. */
static void partition_cores(struct platform_memory *m)
{
        const struct scenario *s = m->scenario;

        for (size_t i = 0; i < s->os_count; i++) {
                for (size_t c = 0; c < s->oses[i].core_count; c++) {
                        size_t core = s->oses[i].cores[c];

                        m->colour_masks[core] = s->oses[i].colour_mask;
                        m->way_masks[core] = s->oses[i].way_mask;
                }
        }
        for (size_t c = 0; c < m->cores; c++) {
                if (m->way_masks[c] == 0)
                        m->way_masks[c] = m->scenario->platform.memory.llc.ways == 64
                                              ? UINT64_MAX
                                              : (1ULL << m->scenario->platform.memory.llc.ways) - 1;
        }
}

static size_t os_of_core(const struct scenario *s, size_t core)
{
        for (size_t i = 0; i < s->os_count; i++)
                for (size_t c = 0; c < s->oses[i].core_count; c++)
                        if (s->oses[i].cores[c] == core)
                                return i;
        return 0;
}

static uint64_t budget_of(const struct scenario *s, size_t core)
{
        return s->regulation.present ? s->regulation.core_budget_bytes[core] : 0;
}

/* The fast model regulates each core on its own: a core in a shared domain gets an equal
 * share of the domain's budget (the remainder bytes to its first cores, so that the shares add
 * up to the budget). That is the shared domain's outcome when its cores demand alike and each
 * can use its share; a core that leaves part of its share unused does not pass it to the
 * others here, as it would under the shared count. */
static uint64_t fast_budget_of(const struct scenario *s, size_t core)
{
        const struct regulation_config *g = &s->regulation;
        size_t domain, cores = 0, before = 0;
        uint64_t budget;

        if (!g->present || g->core_domain[core] == SIZE_MAX)
                return budget_of(s, core);
        domain = g->core_domain[core];
        for (size_t c = 0; c < s->platform.core_count; c++) {
                cores += g->core_domain[c] == domain;
                before += c < core && g->core_domain[c] == domain;
        }
        budget = g->domains[domain].budget_bytes;
        return budget / cores + (before < budget % cores ? 1 : 0);
}

/* The regulator's domains and the initiator map (see struct platform_memory). */
static int regulator_domains(struct platform_memory *m)
{
        const struct regulation_config *g = &m->scenario->regulation;
        size_t external = m->cores;

        m->budgets = calloc(m->regulator_domains, sizeof(*m->budgets));
        if (m->budgets == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < m->cores; i++)
                m->budgets[i] = g->core_budget_bytes[i];
        for (size_t d = 0; d < g->domain_count; d++)
                m->budgets[external + 1 + d] = g->domains[d].budget_bytes;
        if (g->domain_count == 0)
                return 0;
        m->domain_of = calloc(m->cores + 1, sizeof(*m->domain_of));
        if (m->domain_of == NULL)
                return -ENOMEM;
        for (size_t i = 0; i < m->cores; i++)
                m->domain_of[i] =
                    (uint16_t)(g->core_domain[i] == SIZE_MAX ? i
                                                             : external + 1 + g->core_domain[i]);
        m->domain_of[external] = (uint16_t)external;
        return 0;
}

static int build_below_llc(struct platform_memory *m, struct mem_port *port)
{
        const struct memory_config *mc = &m->scenario->platform.memory;
        int rc;

        m->dram_config = (struct dram_config){ .clock_hz = mc->dram_clock_hz,
                                               .channels = mc->dram_channels,
                                               .banks = mc->dram_banks,
                                               .rows = mc->dram_rows,
                                               .row_bytes = mc->dram_row_bytes,
                                               .burst_bytes = mc->line_bytes,
                                               .t_rcd = mc->dram_t_rcd,
                                               .t_rp = mc->dram_t_rp,
                                               .t_cl = mc->dram_t_cl,
                                               .burst_cycles = mc->dram_burst_cycles };
        rc = dram_init(&m->dram, &m->dram_config, m->sim);
        if (rc != 0)
                return rc;
        m->dram_up = true;
        *port = dram_mem_port(&m->dram);
        if (m->scenario->regulation.present) {
                rc = regulator_domains(m);
                if (rc != 0)
                        return rc;
                m->regulator_config =
                    (struct regulator_config){ .period_ps = m->scenario->regulation.period_ps,
                                               .unit = REGULATOR_BYTES,
                                               .initiators = (uint16_t)(m->cores + 1),
                                               .domains = (uint16_t)m->regulator_domains,
                                               .domain_of = m->domain_of,
                                               .budget = m->budgets };
                rc = regulator_init(&m->regulator, &m->regulator_config, m->sim, port);
                if (rc != 0)
                        return rc;
                m->regulator_up = true;
                *port = regulator_mem_port(&m->regulator);
        }
        m->target =
            (struct interconnect_target){ .base = 0, .size_bytes = UINT64_MAX, .port = *port };
        m->bus_config = (struct interconnect_config){
                .kind = mc->crossbar ? INTERCONNECT_CROSSBAR : INTERCONNECT_BUS,
                .arbitration =
                    mc->fixed_priority ? INTERCONNECT_FIXED_PRIORITY : INTERCONNECT_ROUND_ROBIN,
                .width_bytes = mc->bus_width_bytes,
                .clock_hz = mc->bus_clock_hz,
                .inputs = (uint16_t)(m->cores + 1), /* the cores, then external masters */
                .target_count = 1,
                .targets = &m->target
        };
        rc = interconnect_init(&m->bus, &m->bus_config, m->sim);
        if (rc != 0)
                return rc;
        m->bus_up = true;
        *port = interconnect_mem_port(&m->bus);
        return 0;
}

static int build_detailed(struct platform_memory *m)
{
        const struct memory_config *mc = &m->scenario->platform.memory;
        const struct platform_config *p = &m->scenario->platform;
        struct mem_port port;
        int rc = build_below_llc(m, &port);

        if (rc != 0)
                return rc;
        m->llc_config = (struct cache_config){ .name = "llc",
                                               .size_bytes = mc->llc.size_bytes,
                                               .ways = mc->llc.ways,
                                               .line_bytes = mc->line_bytes,
                                               .page_bytes = mc->page_bytes,
                                               .replacement = replacements[mc->llc.replacement],
                                               .seed = m->scenario->run.seed,
                                               .clock_hz = mc->llc_clock_hz,
                                               .hit_cycles = mc->llc.hit_cycles,
                                               .mshrs_per_initiator = mc->llc.mshrs,
                                               .initiators = (uint16_t)m->cores,
                                               .way_masks = m->way_masks };
        rc = cache_init(&m->llc, &m->llc_config, m->sim, NULL);
        if (rc != 0)
                return rc;
        m->llc_up = true;
        for (size_t i = 0; i < m->cores; i++) {
                m->l1_config[i] =
                    (struct cache_config){ .name = p->cores[i].name,
                                           .size_bytes = mc->l1.size_bytes,
                                           .ways = mc->l1.ways,
                                           .line_bytes = mc->line_bytes,
                                           .page_bytes = mc->page_bytes,
                                           .replacement = replacements[mc->l1.replacement],
                                           .seed = m->scenario->run.seed,
                                           .clock_hz = p->cores[i].clock_hz,
                                           .hit_cycles = mc->l1.hit_cycles,
                                           .mshrs_per_initiator = 1,
                                           .initiators = (uint16_t)m->cores };
                rc = cache_init(&m->l1[i], &m->l1_config[i], m->sim, NULL);
                if (rc != 0)
                        return rc;
                m->exec_config[i] =
                    (struct mem_exec_config){ .clock_hz = p->cores[i].clock_hz,
                                              .initiator = (uint16_t)i,
                                              .mshrs = mc->l1.mshrs,
                                              .colour_mask = m->colour_masks[i],
                                              .colours = llc_colours(mc),
                                              .page_bytes = mc->page_bytes,
                                              .colour_base = (uint64_t)os_of_core(m->scenario, i)
                                                             << OS_COLOUR_BASE_SHIFT };
                rc = mem_exec_init(&m->exec[i], &m->exec_config[i], m->sim, &m->l1[i], &port);
                if (rc != 0) {
                        cache_fini(&m->l1[i]);
                        return rc;
                }
                mem_exec_attach_llc(&m->exec[i], &m->llc);
                m->exec_up = i + 1;
        }
        return 0;
}

/* The shared regions' directory (detailed fidelity): every core's L1 is its cache of that
 * index; a cache-to-cache transfer and an invalidating upgrade cost the LLC hit latency (the
 * directory sits beside the LLC, and the fast model charges the same). */
static int build_shared(struct platform_memory *m)
{
        const struct scenario *s = m->scenario;
        const struct memory_config *mc = &s->platform.memory;
        const struct shared_region_config *last;
        uint64_t end;
        int rc;

        if (s->shared_region_count == 0)
                return 0;
        if (m->cores > COHERENCE_MAX_CACHES)
                return -EINVAL;
        last = &s->shared_regions[s->shared_region_count - 1];
        end = last->offset + last->bytes;
        m->coherence_config = (struct coherence_config){
                .caches = (unsigned)m->cores,
                .capacity_lines = (size_t)(end / mc->line_bytes + 1),
                .clock_hz = mc->llc_clock_hz,
                .transfer_cycles = mc->llc.hit_cycles,
                .invalidate_cycles = mc->llc.hit_cycles,
        };
        rc = coherence_init(&m->coherence, &m->coherence_config);
        if (rc != 0)
                return rc;
        m->coherence_up = true;
        m->shared = (struct mem_exec_shared){ .directory = &m->coherence,
                                              .base = MEM_PROFILE_SHARED_BASE,
                                              .end = MEM_PROFILE_SHARED_BASE + end,
                                              .caches = (unsigned)m->cores };
        for (size_t i = 0; i < m->cores; i++) {
                m->shared.l1[i] = &m->l1[i];
                coherence_attach(&m->coherence, (unsigned)i, &cache_coherence_ops, &m->l1[i]);
                mem_exec_attach_shared(&m->exec[i], &m->shared, (unsigned)i);
        }
        return 0;
}

static int build_fast(struct platform_memory *m)
{
        const struct memory_config *mc = &m->scenario->platform.memory;
        uint64_t core_hz = m->scenario->platform.cores[0].clock_hz;
        sim_time_t dram_cycle = sim_cycles_to_ps(1, mc->dram_clock_hz);
        int rc;

        m->fast_config = (struct mem_fast_config){
                .core_clock_hz = core_hz,
                .line_bytes = mc->line_bytes,
                .mshrs = mc->l1.mshrs,
                .l1_bytes = mc->l1.size_bytes,
                .l1_hit_ps = sim_cycles_to_ps(mc->l1.hit_cycles, core_hz),
                .llc_bytes = mc->llc.size_bytes,
                .llc_ways = mc->llc.ways,
                .llc_colours = (uint32_t)llc_colours(mc),
                .llc_hit_ps = sim_cycles_to_ps(mc->llc.hit_cycles, mc->llc_clock_hz),
                .bus_transfer_ps =
                    sim_cycles_to_ps(mc->line_bytes / mc->bus_width_bytes, mc->bus_clock_hz),
                .dram_row_hit_ps = (mc->dram_t_cl + mc->dram_burst_cycles) * dram_cycle,
                .dram_row_conflict_ps =
                    (mc->dram_t_rp + mc->dram_t_rcd + mc->dram_t_cl + mc->dram_burst_cycles) *
                    dram_cycle,
                .dram_burst_ps = mc->dram_burst_cycles * dram_cycle,
                .dram_row_bytes = mc->dram_row_bytes,
                .dram_banks = mc->dram_banks * mc->dram_channels,
                .dram_channels = mc->dram_channels,
                .regulator_period_ps = m->scenario->regulation.period_ps,
        };
        rc = mem_fast_system_init(&m->fast_system, &m->fast_config, m->sim, m->cores);
        if (rc != 0)
                return rc;
        m->fast_up = true;
        for (size_t i = 0; i < m->cores; i++) {
                uint64_t ways = m->way_masks[i];
                uint64_t all = mc->llc.ways == 64 ? UINT64_MAX : (1ULL << mc->llc.ways) - 1;

                mem_fast_core_partition(&m->fast_system, i, m->colour_masks[i],
                                        ways == all ? 0 : ways, fast_budget_of(m->scenario, i));
        }
        return 0;
}

int platform_memory_create(const struct scenario *scenario, struct sim *sim,
                           struct platform_memory **out)
{
        size_t cores = scenario->platform.core_count;
        struct platform_memory *m;
        int rc = -ENOMEM;

        if (!scenario->platform.memory.present || cores == 0)
                return -EINVAL;
        m = calloc(1, sizeof(*m));
        if (m == NULL)
                return -ENOMEM;
        m->scenario = scenario;
        m->sim = sim;
        m->cores = cores;
        m->fast = scenario->run.fidelity == FIDELITY_FAST;
        m->colour_masks = calloc(cores, sizeof(*m->colour_masks));
        m->way_masks = calloc(cores, sizeof(*m->way_masks));
        m->l1_config = calloc(cores, sizeof(*m->l1_config));
        m->l1 = calloc(cores, sizeof(*m->l1));
        m->exec_config = calloc(cores, sizeof(*m->exec_config));
        m->exec = calloc(cores, sizeof(*m->exec));
        /* the cores', the external masters' and the shared regulator domains */
        m->regulator_domains =
            cores + 1 + (scenario->regulation.present ? scenario->regulation.domain_count : 0);
        m->throttled_time = calloc(m->regulator_domains, sizeof(*m->throttled_time));
        m->throttled_requests = calloc(m->regulator_domains, sizeof(*m->throttled_requests));
        if (m->colour_masks == NULL || m->way_masks == NULL || m->l1_config == NULL ||
            m->l1 == NULL || m->exec_config == NULL || m->exec == NULL ||
            m->throttled_time == NULL || m->throttled_requests == NULL)
                goto err_free;
        partition_cores(m);
        rc = m->fast ? build_fast(m) : build_detailed(m);
        if (rc == 0 && !m->fast)
                rc = build_shared(m);
        if (rc != 0)
                goto err_free;
        *out = m;
        return 0;

err_free:
        platform_memory_destroy(m);
        return rc;
}

void platform_memory_destroy(struct platform_memory *m)
{
        if (m == NULL)
                return;
        for (size_t i = 0; i < m->exec_up; i++) {
                mem_exec_fini(&m->exec[i]);
                cache_fini(&m->l1[i]);
        }
        if (m->llc_up)
                cache_fini(&m->llc);
        if (m->coherence_up)
                coherence_fini(&m->coherence);
        if (m->bus_up)
                interconnect_fini(&m->bus);
        if (m->regulator_up)
                regulator_fini(&m->regulator);
        if (m->dram_up)
                dram_fini(&m->dram);
        if (m->fast_up)
                mem_fast_system_fini(&m->fast_system);
        free(m->throttled_requests);
        free(m->throttled_time);
        free(m->exec);
        free(m->exec_config);
        free(m->l1);
        free(m->l1_config);
        free(m->way_masks);
        free(m->budgets);
        free(m->domain_of);
        free(m->colour_masks);
        free(m);
}

struct mem_port platform_memory_external_port(struct platform_memory *m, uint16_t *initiator)
{
        *initiator = (uint16_t)m->cores;
        if (m->fast || !m->bus_up)
                return (struct mem_port){ .ops = NULL, .target = NULL };
        return interconnect_mem_port(&m->bus);
}

struct exec_port platform_memory_exec_port(struct platform_memory *m, size_t core)
{
        return m->fast ? mem_fast_exec_port(&m->fast_system, core)
                       : mem_exec_exec_port(&m->exec[core]);
}

struct mem_exec_port platform_memory_segment_port(struct platform_memory *m, size_t core)
{
        return m->fast ? mem_fast_segment_port(&m->fast_system, core)
                       : mem_exec_segment_port(&m->exec[core]);
}

sim_time_t platform_memory_busy_ps(const struct platform_memory *m, size_t core, sim_time_t now)
{
        const struct mem_fast_core *c;

        if (!m->fast)
                return mem_exec_busy_ps(&m->exec[core]);
        c = &m->fast_system.cores[core];
        return c->busy_ps + (c->segment != NULL ? now - c->since_ps : 0);
}

static char *entity_of(const char *format, ...)
{
        va_list args;
        char buf[256];

        va_start(args, format);
        (void)vsnprintf(buf, sizeof(buf), format, args);
        va_end(args);
        return strdup(buf);
}

/* The throttling metrics of regulator domain `domain` under `entity`. */
static int regulator_domain_metrics(struct platform_memory *m, struct metrics *metrics,
                                    size_t domain, char *entity)
{
        if (entity == NULL)
                return -ENOMEM;
        m->throttled_time[domain] =
            metrics_gauge(metrics, entity, "throttled_time", METRIC_UNIT_PS);
        m->throttled_requests[domain] = metrics_counter(metrics, entity, "throttled_requests");
        free(entity);
        if (m->throttled_time[domain] == NULL || m->throttled_requests[domain] == NULL)
                return -ENOMEM;
        return 0;
}

/* mem/regulator/<core> for each core with a budget of its own, mem/regulator/<os entity> for
 * each shared domain. */
static int regulator_metrics(struct platform_memory *m, struct metrics *metrics)
{
        const struct scenario *s = m->scenario;
        int rc = 0;

        for (size_t i = 0; i < m->cores && rc == 0; i++)
                if (budget_of(s, i) != 0)
                        rc = regulator_domain_metrics(
                            m, metrics, i,
                            entity_of("mem/regulator/%s", s->platform.cores[i].name));
        for (size_t d = 0; s->regulation.present && d < s->regulation.domain_count && rc == 0; d++)
                rc = regulator_domain_metrics(
                    m, metrics, m->cores + 1 + d,
                    entity_of("mem/regulator/%s", s->oses[s->regulation.domains[d].os].entity));
        return rc;
}

static void finish_regulator(struct platform_memory *m)
{
        for (size_t d = 0; m->regulator_up && d < m->regulator_domains; d++) {
                const struct regulator_domain *stats;

                if (m->throttled_time[d] == NULL)
                        continue;
                stats = regulator_domain_stats(&m->regulator, (uint16_t)d);
                metric_set(m->throttled_time[d], (double)stats->held_ps);
                metric_add(m->throttled_requests[d], stats->throttled_requests);
        }
}

/* What the fast model gives of the resource metrics (platform_memory.h). */
static int fast_metrics(struct platform_memory *m, struct metrics *metrics)
{
        m->llc_accesses = metrics_counter(metrics, "mem/llc", "accesses");
        m->llc_misses = metrics_counter(metrics, "mem/llc", "misses");
        m->bus_utilisation = metrics_gauge(metrics, "mem/bus", "utilisation", METRIC_UNIT_RATIO);
        m->dram_utilisation = metrics_gauge(metrics, "mem/dram", "utilisation", METRIC_UNIT_RATIO);
        if (m->llc_accesses == NULL || m->llc_misses == NULL || m->bus_utilisation == NULL ||
            m->dram_utilisation == NULL)
                return -ENOMEM;
        return 0;
}

int platform_memory_metrics(struct platform_memory *m, struct metrics *metrics)
{
        if (m->fast)
                return fast_metrics(m, metrics);
        m->llc_accesses = metrics_counter(metrics, "mem/llc", "accesses");
        m->llc_misses = metrics_counter(metrics, "mem/llc", "misses");
        m->bus_utilisation = metrics_gauge(metrics, "mem/bus", "utilisation", METRIC_UNIT_RATIO);
        m->bus_queue_delay = metrics_histogram(metrics, "mem/bus", "queue_delay", METRIC_UNIT_PS);
        m->dram_utilisation = metrics_gauge(metrics, "mem/dram", "utilisation", METRIC_UNIT_RATIO);
        m->dram_requests = metrics_counter(metrics, "mem/dram", "requests");
        m->dram_row_hits = metrics_counter(metrics, "mem/dram", "row_hits");
        m->dram_row_conflicts = metrics_counter(metrics, "mem/dram", "row_conflicts");
        m->llc_queue_delay = metrics_histogram(metrics, "mem/llc", "queue_delay", METRIC_UNIT_PS);
        m->dram_queue_delay = metrics_histogram(metrics, "mem/dram", "queue_delay", METRIC_UNIT_PS);
        if (m->llc_accesses == NULL || m->llc_misses == NULL || m->bus_utilisation == NULL ||
            m->bus_queue_delay == NULL || m->dram_utilisation == NULL || m->dram_requests == NULL ||
            m->dram_row_hits == NULL || m->dram_row_conflicts == NULL ||
            m->llc_queue_delay == NULL || m->dram_queue_delay == NULL)
                return -ENOMEM;
        m->bus.queue_delay_histogram = &m->bus_queue_delay->histogram;
        m->dram.queue_delay_histogram = &m->dram_queue_delay->histogram;
        for (size_t i = 0; i < m->exec_up; i++)
                m->exec[i].slot_wait_histogram = &m->llc_queue_delay->histogram;
        return regulator_metrics(m, metrics);
}

static void finish_bus(struct platform_memory *m, sim_time_t end)
{
        sim_time_t busy = 0;

        for (size_t l = 0; l < m->bus.lane_count; l++)
                busy += m->bus.lanes[l].busy_ps;
        metric_set(m->bus_utilisation,
                   end ? (double)busy / (double)end / (double)m->bus.lane_count : 0.0);
}

static void finish_dram(struct platform_memory *m, sim_time_t end)
{
        uint64_t requests = 0;

        for (uint32_t c = 0; c < m->dram_config.channels; c++) {
                const struct dram_channel_stats *st = &m->dram.channels[c].stats;

                requests += st->requests;
                metric_add(m->dram_row_hits, st->row_hits);
                metric_add(m->dram_row_conflicts, st->row_conflicts);
        }
        metric_add(m->dram_requests, requests);
        /* every request here is one line = one burst on its channel's data bus */
        metric_set(m->dram_utilisation, end ? (double)requests * (double)m->dram.burst_ps /
                                                  (double)end / (double)m->dram_config.channels
                                            : 0.0);
}

void platform_memory_sync(struct platform_memory *m)
{
        if (m->fast)
                mem_fast_sync(&m->fast_system);
}

/* The fast model's resource metrics: its expected L1 misses are the LLC's accesses (lookups
 * from L1 misses), its expected LLC misses the LLC's misses; utilisations from the busy time
 * it integrated over the run. */
static void finish_fast(struct platform_memory *m, sim_time_t end)
{
        const struct mem_fast_system *s = &m->fast_system;
        uint64_t accesses = 0, misses = 0;

        mem_fast_sync(&m->fast_system);
        for (size_t i = 0; i < m->cores; i++) {
                accesses += s->cores[i].l1_misses;
                misses += s->cores[i].llc_misses;
        }
        metric_add(m->llc_accesses, accesses);
        metric_add(m->llc_misses, misses);
        metric_set(m->bus_utilisation, end ? s->bus_busy_ps / (double)end : 0.0);
        metric_set(m->dram_utilisation, end ? s->dram_busy_ps / (double)end : 0.0);
}

void platform_memory_finish(struct platform_memory *m, sim_time_t end)
{
        if (m->fast) {
                if (m->llc_accesses != NULL)
                        finish_fast(m, end);
                return;
        }
        for (size_t i = 0; i < m->cores; i++) {
                const struct cache_counters *c = cache_counters_of(&m->llc, (uint16_t)i);

                metric_add(m->llc_accesses, c->accesses);
                metric_add(m->llc_misses, c->misses);
        }
        finish_regulator(m);
        finish_bus(m, end);
        finish_dram(m, end);
}

int platform_memory_error(const struct platform_memory *m)
{
        if (m->fast)
                return 0;
        for (size_t i = 0; i < m->exec_up; i++)
                if (m->exec[i].histogram_error != 0)
                        return m->exec[i].histogram_error;
        return m->bus.histogram_error != 0 ? m->bus.histogram_error : m->dram.histogram_error;
}

/* ---- for the devices' guest RAM (vq_sim_attach_platform) ---- */

struct cache *platform_memory_l1_of(struct platform_memory *m, size_t core)
{
        return m->fast || core >= m->exec_up ? NULL : &m->l1[core];
}

struct cache *platform_memory_llc(struct platform_memory *m)
{
        return m->fast || !m->llc_up ? NULL : &m->llc;
}

const struct mem_exec_config *platform_memory_core_config(const struct platform_memory *m,
                                                          size_t core)
{
        return m->fast || core >= m->exec_up ? NULL : &m->exec_config[core];
}

uint64_t platform_memory_device_base(const struct scenario *scenario, size_t device)
{
        /* After the tasks' regions come one per ISR and then the hypervisor's (models/platform.c
         * places them with platform_memory_task_base(s, os_count, i)); the devices follow. */
        size_t isrs = 0;

        for (size_t i = 0; i < scenario->os_count; i++)
                isrs += scenario->oses[i].isr_count;
        return platform_memory_task_base(scenario, scenario->os_count, isrs + 1 + device);
}

sim_time_t platform_memory_line_read_ps(const struct platform_memory *m)
{
        const struct memory_config *mc = &m->scenario->platform.memory;

        if (m->fast || !m->bus_up)
                return 0;
        return interconnect_transfer_ps(&m->bus, mc->line_bytes) +
               sim_cycles_to_ps((uint64_t)mc->dram_t_rcd + mc->dram_t_cl + mc->dram_burst_cycles,
                                mc->dram_clock_hz);
}

void platform_memory_queue_totals(const struct platform_memory *m,
                                  struct platform_memory_queue_totals *out)
{
        *out = (struct platform_memory_queue_totals){ 0 };
        if (m->fast || !m->bus_up)
                return;
        for (uint16_t i = 0; i < m->bus_config.inputs; i++) {
                const struct interconnect_input_stats *st = interconnect_stats(&m->bus, i);

                out->bus_grants += st->grants;
                out->bus_delay_ps += st->queue_delay_ps;
        }
        for (uint32_t c = 0; c < m->dram_config.channels; c++) {
                const struct dram_channel_stats *st = dram_channel_stats(&m->dram, c);

                out->dram_requests += st->requests;
                out->dram_delay_ps += st->queue_delay_ps;
        }
}
