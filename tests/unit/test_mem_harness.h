/*
 * A small SoC for the memory-execution tests and the memory bench: N cores, each with a
 * mem_exec engine and a private functional L1; a shared timed LLC; a bus; an optional
 * regulator; DRAM. The same numbers describe the fast model (harness_fast_config), so the
 * two fidelities are compared on one configuration.
 *
 *   core   1 GHz
 *   L1     32 KiB, 4 ways, 64-B lines, LRU, hit 2 cycles = 2000 ps
 *   LLC    1 MiB, 16 ways, LRU, hit 10 cycles at 1 GHz = 10000 ps, 16 MSHRs per initiator
 *   bus    `bus_width` bytes per cycle at 1 GHz: a 64-B line holds it 64 / width ns
 *   DRAM   800 MHz (1250 ps), 1 channel, 8 banks, 8-KiB rows, tRCD = tRP = tCL = 11 cycles
 *          = 13750 ps, burst 4 cycles = 5000 ps: row hit 18750, conflict 46250 ps
 */
#ifndef MOSAIC_TESTS_UNIT_TEST_MEM_HARNESS_H
#define MOSAIC_TESTS_UNIT_TEST_MEM_HARNESS_H

#include <assert.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

#include "models/hw/cache.h"
#include "models/hw/dram.h"
#include "models/hw/interconnect.h"
#include "models/hw/mem_exec.h"
#include "models/hw/mem_fast.h"
#include "models/hw/mem_profile.h"
#include "models/hw/regulator.h"
#include "sim/sim.h"

#define HARNESS_MAX_CORES 4
#define HARNESS_L1_BYTES  (32ULL << 10)
#define HARNESS_LLC_BYTES (1ULL << 20)
#define HARNESS_SEED      11

struct harness_options {
        unsigned cores;
        uint32_t bus_width;
        uint32_t mshrs;
        uint64_t regulator_budget_bytes; /* per core per period; 0: no regulator */
        sim_time_t regulator_period_ps;
        const uint64_t *llc_way_masks; /* per core, NULL: shared */
        bool decoupled_llc;            /* mem_exec_attach_llc: LLC hits without events */
};

struct harness {
        struct harness_options options;
        struct sim *sim;
        struct dram_config dram_config;
        struct dram dram;
        uint64_t budgets[HARNESS_MAX_CORES];
        struct regulator_config regulator_config;
        struct regulator regulator;
        struct interconnect_target target;
        struct interconnect_config bus_config;
        struct interconnect bus;
        struct cache_config llc_config;
        struct cache llc;
        struct cache_config l1_config[HARNESS_MAX_CORES];
        struct cache l1[HARNESS_MAX_CORES];
        struct mem_exec_config exec_config[HARNESS_MAX_CORES];
        struct mem_exec exec[HARNESS_MAX_CORES];
        struct mem_gen gen[HARNESS_MAX_CORES];
        struct mem_exec_segment seg[HARNESS_MAX_CORES];
        unsigned finished[HARNESS_MAX_CORES];
};

static inline struct dram_config harness_dram_config(void)
{
        return (struct dram_config){ .clock_hz = 800000000,
                                     .channels = 1,
                                     .banks = 8,
                                     .rows = 65536,
                                     .row_bytes = 8192,
                                     .burst_bytes = 64,
                                     .t_rcd = 11,
                                     .t_rp = 11,
                                     .t_cl = 11,
                                     .burst_cycles = 4 };
}

static inline int harness_init(struct harness *h, const struct harness_options *options)
{
        static const char *const l1_names[HARNESS_MAX_CORES] = { "l1-0", "l1-1", "l1-2", "l1-3" };
        struct mem_port port;
        int rc;

        assert(options->cores >= 1 && options->cores <= HARNESS_MAX_CORES);
        *h = (struct harness){ .options = *options };
        h->sim = sim_create(NULL);
        if (h->sim == NULL)
                return -1;
        h->dram_config = harness_dram_config();
        rc = dram_init(&h->dram, &h->dram_config, h->sim);
        if (rc != 0)
                return rc;
        port = dram_mem_port(&h->dram);
        if (options->regulator_budget_bytes != 0) {
                for (unsigned i = 0; i < options->cores; i++)
                        h->budgets[i] = options->regulator_budget_bytes;
                h->regulator_config =
                    (struct regulator_config){ .period_ps = options->regulator_period_ps,
                                               .unit = REGULATOR_BYTES,
                                               .initiators = (uint16_t)options->cores,
                                               .domains = (uint16_t)options->cores,
                                               .budget = h->budgets };
                rc = regulator_init(&h->regulator, &h->regulator_config, h->sim, &port);
                if (rc != 0)
                        return rc;
                port = regulator_mem_port(&h->regulator);
        }
        h->target =
            (struct interconnect_target){ .base = 0, .size_bytes = 1ULL << 40, .port = port };
        h->bus_config = (struct interconnect_config){ .kind = INTERCONNECT_BUS,
                                                      .arbitration = INTERCONNECT_ROUND_ROBIN,
                                                      .width_bytes = options->bus_width,
                                                      .clock_hz = 1000000000,
                                                      .inputs = (uint16_t)options->cores,
                                                      .target_count = 1,
                                                      .targets = &h->target };
        rc = interconnect_init(&h->bus, &h->bus_config, h->sim);
        if (rc != 0)
                return rc;
        port = interconnect_mem_port(&h->bus);
        h->llc_config = (struct cache_config){ .name = "llc",
                                               .size_bytes = HARNESS_LLC_BYTES,
                                               .ways = 16,
                                               .line_bytes = 64,
                                               .replacement = CACHE_LRU,
                                               .seed = HARNESS_SEED,
                                               .clock_hz = 1000000000,
                                               .hit_cycles = 10,
                                               .mshrs_per_initiator = 16,
                                               .initiators = (uint16_t)options->cores,
                                               .way_masks = options->llc_way_masks };
        rc = cache_init(&h->llc, &h->llc_config, h->sim, &port);
        if (rc != 0)
                return rc;
        if (!options->decoupled_llc)
                port = cache_mem_port(&h->llc);
        for (unsigned i = 0; i < options->cores; i++) {
                h->l1_config[i] = (struct cache_config){ .name = l1_names[i],
                                                         .size_bytes = HARNESS_L1_BYTES,
                                                         .ways = 4,
                                                         .line_bytes = 64,
                                                         .replacement = CACHE_LRU,
                                                         .seed = HARNESS_SEED,
                                                         .clock_hz = 1000000000,
                                                         .hit_cycles = 2,
                                                         .mshrs_per_initiator = 1,
                                                         .initiators = (uint16_t)options->cores };
                rc = cache_init(&h->l1[i], &h->l1_config[i], h->sim, NULL);
                if (rc != 0)
                        return rc;
                h->exec_config[i] = (struct mem_exec_config){ .clock_hz = 1000000000,
                                                              .initiator = (uint16_t)i,
                                                              .mshrs = options->mshrs };
                rc = mem_exec_init(&h->exec[i], &h->exec_config[i], h->sim, &h->l1[i], &port);
                if (rc != 0)
                        return rc;
                if (options->decoupled_llc)
                        mem_exec_attach_llc(&h->exec[i], &h->llc);
        }
        return 0;
}

static inline void harness_fini(struct harness *h)
{
        for (unsigned i = 0; i < h->options.cores; i++) {
                mem_exec_fini(&h->exec[i]);
                cache_fini(&h->l1[i]);
        }
        cache_fini(&h->llc);
        interconnect_fini(&h->bus);
        if (h->options.regulator_budget_bytes != 0)
                regulator_fini(&h->regulator);
        dram_fini(&h->dram);
        sim_destroy(h->sim);
}

/* Core i's region: 32 MiB apart, shifted by one DRAM bank (8 KiB) per core so that equal-rate
 * streams stay in different banks. */
static inline uint64_t harness_base(unsigned core)
{
        return (uint64_t)core * ((32ULL << 20) + (8ULL << 10));
}

static inline void harness_done(void *arg)
{
        unsigned *finished = arg;

        (*finished)++;
}

/* Start core i on a segment of `instructions` of its profile (generator made by
 * harness_bind). */
static inline int harness_start(struct harness *h, unsigned core, const struct mem_profile *p,
                                uint64_t instructions)
{
        mem_exec_segment_init(&h->seg[core], p, &h->gen[core], instructions);
        return mem_exec_start(&h->exec[core], &h->seg[core], harness_done, &h->finished[core]);
}

static inline void harness_bind(struct harness *h, unsigned core, const struct mem_profile *p)
{
        mem_gen_init(&h->gen[core], p, HARNESS_SEED, (uint16_t)core, harness_base(core));
}

/* The same platform for the fast model. */
static inline struct mem_fast_config harness_fast_config(const struct harness_options *options)
{
        struct dram_config dram = harness_dram_config();
        sim_time_t dram_cycle = sim_cycles_to_ps(1, dram.clock_hz);

        return (struct mem_fast_config){
                .core_clock_hz = 1000000000,
                .line_bytes = 64,
                .mshrs = options->mshrs,
                .l1_bytes = HARNESS_L1_BYTES,
                .l1_hit_ps = 2000,
                .llc_bytes = HARNESS_LLC_BYTES,
                .llc_ways = 16,
                .llc_colours = 1,
                .llc_hit_ps = 10000,
                .bus_transfer_ps = (sim_time_t)(64 / options->bus_width) * 1000,
                .dram_row_hit_ps = (dram.t_cl + dram.burst_cycles) * dram_cycle,
                .dram_row_conflict_ps =
                    (dram.t_rp + dram.t_rcd + dram.t_cl + dram.burst_cycles) * dram_cycle,
                .dram_burst_ps = dram.burst_cycles * dram_cycle,
                .dram_row_bytes = dram.row_bytes,
                .dram_banks = dram.banks * dram.channels,
                .dram_channels = dram.channels,
                .regulator_period_ps = options->regulator_period_ps,
        };
}

/* ---- fast versus detailed on one configuration --------------------------------------------- */

/* A victim on core 0 and `hogs` co-runners on cores 1..hogs, all started together; the
 * victim runs a warm-up segment, then a measured one, while the hogs never finish. */
struct harness_scenario {
        const char *label;
        struct harness_options options;
        const struct mem_profile *victim;
        uint64_t victim_warmup_instructions;
        uint64_t victim_instructions;
        const struct mem_profile *hog;
};

static inline void harness_stop_done(void *arg)
{
        struct harness *h = arg;

        h->finished[0]++;
        sim_stop(h->sim);
}

/* The victim's measured segment time in the detailed model, 0 on a set-up failure;
 * *llc_accesses: requests the LLC received during the whole run. */
static inline sim_time_t harness_detailed_ps(const struct harness_scenario *sc,
                                             uint64_t *llc_accesses)
{
        struct harness h;
        sim_time_t t0, t1;

        if (harness_init(&h, &sc->options) != 0)
                return 0;
        harness_bind(&h, 0, sc->victim);
        mem_exec_segment_init(&h.seg[0], sc->victim, &h.gen[0], sc->victim_warmup_instructions);
        if (mem_exec_start(&h.exec[0], &h.seg[0], harness_stop_done, &h) != 0)
                return 0;
        for (unsigned i = 1; i < sc->options.cores; i++) {
                harness_bind(&h, i, sc->hog);
                if (harness_start(&h, i, sc->hog, UINT64_MAX / 4) != 0)
                        return 0;
        }
        if (sim_run(h.sim) != 1)
                return 0;
        t0 = sim_now(h.sim);
        mem_exec_segment_init(&h.seg[0], sc->victim, &h.gen[0], sc->victim_instructions);
        if (mem_exec_start(&h.exec[0], &h.seg[0], harness_stop_done, &h) != 0)
                return 0;
        if (sim_run(h.sim) != 1)
                return 0;
        t1 = sim_now(h.sim);
        *llc_accesses = 0;
        for (unsigned i = 0; i < sc->options.cores; i++)
                *llc_accesses += cache_counters_of(&h.llc, (uint16_t)i)->accesses;
        harness_fini(&h);
        return t1 - t0;
}

/* The victim's segment time in the fast model: one solve of the co-running set. */
static inline sim_time_t harness_fast_ps(const struct harness_scenario *sc)
{
        struct mem_fast_config config = harness_fast_config(&sc->options);
        struct mem_fast_load loads[HARNESS_MAX_CORES] = { { .profile = sc->victim } };
        struct mem_fast_estimate estimates[HARNESS_MAX_CORES];

        for (unsigned i = 0; i < sc->options.cores; i++) {
                if (i > 0)
                        loads[i] = (struct mem_fast_load){ .profile = sc->hog };
                loads[i].regulator_budget_bytes = sc->options.regulator_budget_bytes;
        }
        if (mem_fast_solve(&config, loads, sc->options.cores, estimates, NULL) != 0)
                return 0;
        return (sim_time_t)(estimates[0].ps_per_instruction * (double)sc->victim_instructions);
}

#endif
