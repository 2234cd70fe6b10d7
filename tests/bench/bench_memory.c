/*
 * bench_memory: the memory-execution engines.
 *   detailed_llc_accesses_per_s         LLC accesses per wall second of the detailed engine
 *                                       with the decoupled LLC (mem_exec_attach_llc): 4 cores,
 *                                       random accesses over 128 KiB each (L1 misses, LLC
 *                                       hits), median of 3 runs
 *   detailed_llc_accesses_per_s_timed_llc  the same through the LLC's timed port (every LLC
 *                                       access a transaction with kernel events)
 *   cache_access_ns_random_1mib         wall ns per functional cache_access on the bench's 1-MiB,
 *                                       16-way LRU LLC: random 8-B accesses (10% writes) from
 *                                       4 initiators over 512 KiB, so hits after warm-up;
 *                                       median of 3 passes over 2^22 pre-drawn addresses
 *   fast_vs_detailed_max_error          max |fast - detailed| / detailed of the victim segment
 *                                       time over the test configurations (test_mem_fast.c)
 *   fast_speedup_vs_detailed_synthetic  wall time of the detailed model over the fast model's
 *                                       (mem_fast_system, re-solving at every segment start)
 *                                       on a 4-core victim + 3 hogs run of the same simulated
 *                                       length, the victim running segments back to back
 */
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "tests/unit/test_mem_configs.h"
#include "tests/unit/test_mem_harness.h"

static double wall_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_doubles(const void *a, const void *b)
{
        double x = *(const double *)a, y = *(const double *)b;

        return x < y ? -1 : x > y;
}

/* 4 cores, random 8-B accesses (10% writes) over 128 KiB each: 3/4 of them miss the
 * 32-KiB L1 and hit the 1-MiB LLC, which holds all four working sets. */
static double llc_rate_once(bool decoupled)
{
        static const struct mem_profile random_llc = { .name = "random-llc",
                                                       .base_cpi = 0.5,
                                                       .accesses_per_kilo_instruction = 400,
                                                       .working_set_bytes = 128 << 10,
                                                       .pattern = MEM_PATTERN_RANDOM,
                                                       .writes_per_thousand = 100 };
        struct harness_options options = {
                .cores = 4, .bus_width = 16, .mshrs = 8, .decoupled_llc = decoupled
        };
        struct harness h;
        uint64_t llc = 0;
        double start, seconds;

        if (harness_init(&h, &options) != 0)
                return 0.0;
        for (unsigned i = 0; i < 4; i++) {
                harness_bind(&h, i, &random_llc);
                if (harness_start(&h, i, &random_llc, 2000000) != 0)
                        return 0.0;
        }
        start = wall_seconds();
        (void)sim_run(h.sim);
        seconds = wall_seconds() - start;
        for (unsigned i = 0; i < 4; i++)
                llc += cache_counters_of(&h.llc, (uint16_t)i)->accesses;
        harness_fini(&h);
        return (double)llc / seconds;
}

static double llc_rate(bool decoupled)
{
        double rates[3];

        for (unsigned i = 0; i < 3; i++)
                rates[i] = llc_rate_once(decoupled);
        qsort(rates, 3, sizeof(rates[0]), compare_doubles);
        return rates[1];
}

#define LOOKUP_ACCESSES (1U << 22)

static double cache_lookup_ns(void)
{
        static const struct cache_config config = { .name = "llc",
                                                    .size_bytes = HARNESS_LLC_BYTES,
                                                    .ways = 16,
                                                    .line_bytes = 64,
                                                    .replacement = CACHE_LRU,
                                                    .seed = HARNESS_SEED,
                                                    .clock_hz = 1000000000,
                                                    .hit_cycles = 10,
                                                    .mshrs_per_initiator = 16,
                                                    .initiators = 4 };
        uint64_t *addrs = malloc(LOOKUP_ACCESSES * sizeof(*addrs));
        struct rng rng;
        struct cache cache;
        double ns[3];
        uint64_t hits = 0;

        if (addrs == NULL || cache_init(&cache, &config, NULL, NULL) != 0) {
                free(addrs);
                return 0.0;
        }
        rng_init(&rng, HARNESS_SEED);
        /* bit 0 marks a write; the address is 8-B aligned */
        for (uint32_t i = 0; i < LOOKUP_ACCESSES; i++)
                addrs[i] = rng_range(&rng, 0, (512 << 10) / 8 - 1) * 8 +
                           (rng_range(&rng, 0, 9) == 0 ? 1 : 0);
        for (unsigned pass = 0; pass < 4; pass++) { /* the first pass warms the cache up */
                double start = wall_seconds();

                for (uint32_t i = 0; i < LOOKUP_ACCESSES; i++) {
                        struct cache_outcome out = cache_access(
                            &cache, addrs[i] & ~1ULL, (addrs[i] & 1U) != 0 ? MEM_WRITE : MEM_READ,
                            (uint16_t)(i & 3));

                        hits += out.hit;
                }
                if (pass > 0)
                        ns[pass - 1] = (wall_seconds() - start) * 1e9 / LOOKUP_ACCESSES;
        }
        cache_fini(&cache);
        free(addrs);
        if (hits == 0)
                return 0.0;
        qsort(ns, 3, sizeof(ns[0]), compare_doubles);
        return ns[1];
}

/* The synthetic interference run: the victim (a DRAM pointer chase) runs `segments` segments
 * of 20000 instructions back to back on core 0 while cores 1..3 stream. */
struct synthetic {
        struct sim *sim;
        unsigned left;
};

static void synthetic_stop(void *arg)
{
        struct synthetic *s = arg;

        s->left--;
        if (s->left == 0)
                sim_stop(s->sim);
}

static const struct mem_profile synthetic_victim = { .name = "victim",
                                                     .base_cpi = 1.0,
                                                     .accesses_per_kilo_instruction = 1000,
                                                     .working_set_bytes = 4 << 20,
                                                     .pattern = MEM_PATTERN_POINTER_CHASE };
static const struct mem_profile synthetic_hog = { .name = "hog",
                                                  .base_cpi = 1.0,
                                                  .accesses_per_kilo_instruction = 1000,
                                                  .working_set_bytes = 16 << 20,
                                                  .pattern = MEM_PATTERN_SEQUENTIAL };

#define SYNTHETIC_SEGMENTS 40

static double synthetic_detailed(sim_time_t *simulated)
{
        struct harness_options options = { .cores = 4, .bus_width = 16, .mshrs = 8 };
        struct harness h;
        struct synthetic s;
        double start;

        if (harness_init(&h, &options) != 0)
                return 0.0;
        s = (struct synthetic){ .sim = h.sim, .left = 1 };
        start = wall_seconds();
        harness_bind(&h, 0, &synthetic_victim);
        for (unsigned i = 1; i < 4; i++) {
                harness_bind(&h, i, &synthetic_hog);
                if (harness_start(&h, i, &synthetic_hog, UINT64_MAX / 4) != 0)
                        return 0.0;
        }
        for (unsigned k = 0; k < SYNTHETIC_SEGMENTS; k++) {
                mem_exec_segment_init(&h.seg[0], &synthetic_victim, &h.gen[0], 20000);
                s.left = 1;
                if (mem_exec_start(&h.exec[0], &h.seg[0], synthetic_stop, &s) != 0 ||
                    sim_run(h.sim) != 1)
                        return 0.0;
        }
        *simulated = sim_now(h.sim);
        harness_fini(&h);
        return wall_seconds() - start;
}

static double synthetic_fast(sim_time_t *simulated)
{
        struct harness_options options = { .cores = 4, .bus_width = 16, .mshrs = 8 };
        struct mem_fast_config config = harness_fast_config(&options);
        struct mem_fast_system system;
        struct mem_exec_segment victim, hogs[3];
        struct sim *sim = sim_create(NULL);
        struct synthetic s = { .sim = sim, .left = 1 };
        double start = wall_seconds();

        if (sim == NULL || mem_fast_system_init(&system, &config, sim, 4) != 0)
                return 0.0;
        for (unsigned i = 0; i < 3; i++) {
                mem_exec_segment_init(&hogs[i], &synthetic_hog, NULL, UINT64_MAX / 4);
                if (mem_fast_start(&system, i + 1, &hogs[i], synthetic_stop, &s) != 0)
                        return 0.0;
        }
        for (unsigned k = 0; k < SYNTHETIC_SEGMENTS; k++) {
                mem_exec_segment_init(&victim, &synthetic_victim, NULL, 20000);
                s.left = 1;
                if (mem_fast_start(&system, 0, &victim, synthetic_stop, &s) != 0 ||
                    sim_run(sim) != 1)
                        return 0.0;
        }
        *simulated = sim_now(sim);
        mem_fast_system_fini(&system);
        sim_destroy(sim);
        return wall_seconds() - start;
}

int main(void)
{
        double max_error = 0.0, detailed_s, fast_s;
        sim_time_t detailed_sim = 0, fast_sim = 0;

        printf("detailed_llc_accesses_per_s: %.0f\n", llc_rate(true));
        printf("detailed_llc_accesses_per_s_timed_llc: %.0f\n", llc_rate(false));
        printf("cache_access_ns_random_1mib: %.1f\n", cache_lookup_ns());

        for (size_t i = 0; i < MEM_CONFIG_COUNT; i++) {
                struct harness_scenario sc = mem_config(i);
                uint64_t llc;
                double d = (double)harness_detailed_ps(&sc, &llc);
                double f = (double)harness_fast_ps(&sc);

                max_error = fmax(max_error, fabs(f - d) / d);
        }
        printf("fast_vs_detailed_max_error: %.4f\n", max_error);

        detailed_s = synthetic_detailed(&detailed_sim);
        fast_s = synthetic_fast(&fast_sim);
        printf("fast_speedup_vs_detailed_synthetic: %.0f\n", detailed_s / fmax(fast_s, 1e-9));
        printf("synthetic_victim_time_fast_over_detailed: %.4f\n",
               (double)fast_sim / (double)detailed_sim);
        return 0;
}
