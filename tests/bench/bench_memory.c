/*
 * bench_memory: the memory-execution engines.
 *   detailed_llc_accesses_per_s         LLC accesses per wall second of the detailed engine
 *                                       with the decoupled LLC (mem_exec_attach_llc): 4 cores,
 *                                       random accesses over 128 KiB each (L1 misses, LLC
 *                                       hits), median of LLC_RATE_RUNS runs (the machine is
 *                                       shared: a run's rate varies by tens of percent)
 *   detailed_llc_accesses_per_s_timed_llc  the same through the LLC's timed port (every LLC
 *                                       access a transaction with kernel events)
 *   cache_access_ns_random_1mib         wall ns per functional cache_access on the bench's 1-MiB,
 *                                       16-way LRU LLC: random 8-B accesses (10% writes) from
 *                                       4 initiators over 512 KiB, so hits after warm-up;
 *                                       median of 3 passes over 2^22 pre-drawn addresses
 *   fast_vs_detailed_max_error_synthetic  max |fast - detailed| / detailed of the victim
 *                                       segment time over the test configurations
 *                                       (test_mem_fast.c)
 *   fast_speedup_vs_detailed_synthetic  wall time of the detailed model over the fast model's
 *                                       (mem_fast_system, re-solving at every segment start)
 *                                       on a 4-core victim + 3 hogs run of the same simulated
 *                                       length, the victim running segments back to back
 *   fast_speedup_vs_detailed            CPU time of a whole run of
 *                                       scenarios/examples/interference-3hogs.json (loaded with
 *                                       the scenario loader; platform_build, the run to the
 *                                       scenario's duration, platform_finish) in detailed
 *                                       fidelity over the same in fast fidelity: the same
 *                                       scenario and simulated duration (checked), median of 3
 *                                       runs each, interleaved
 *   fast_vs_detailed_max_error          over every scenario of scenarios/examples/ and
 *                                       scenarios/calibration/ with a memory section and
 *                                       profiled tasks, the largest |fast - detailed| / detailed
 *                                       of a task's mean response time, and of its slowdown
 *                                       (its mean response over that of the task run alone, the
 *                                       other tasks removed, in the same fidelity, as
 *                                       `mosaic run --solo-reference` does), over the profiled
 *                                       tasks that complete jobs in both fidelities; the
 *                                       worst case is named on stderr
 * Run from the project root (as `make bench` does): the scenarios are read from there.
 */
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "models/platform.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/stats.h"

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

#define LLC_RATE_RUNS 9

static double llc_rate(bool decoupled)
{
        double rates[LLC_RATE_RUNS];

        for (unsigned i = 0; i < LLC_RATE_RUNS; i++)
                rates[i] = llc_rate_once(decoupled);
        qsort(rates, LLC_RATE_RUNS, sizeof(rates[0]), compare_doubles);
        return rates[LLC_RATE_RUNS / 2];
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

/* ---- whole scenarios --------------------------------------------------------------------- */

static double cpu_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* One run of `scenario` as `mosaic run` makes it (without outputs): each task's mean response
 * time in ps (0: no job completed) into means[global task index], the simulated end in *end
 * and the CPU time taken in *seconds. 0 or a negative errno. */
static int scenario_run(const struct scenario *scenario, double *means, sim_time_t *end,
                        double *seconds)
{
        struct metrics *metrics = metrics_create();
        struct sim *sim = sim_create(NULL);
        struct platform *platform = NULL;
        double start = cpu_seconds();
        int err = metrics != NULL && sim != NULL ? 0 : -ENOMEM;

        if (err == 0)
                err = platform_build(scenario, sim, metrics, &platform);
        if (err == 0 && sim_run_until(sim, scenario->run.duration_ps) != 0)
                err = -ENOMEM;
        if (err == 0)
                err = platform_error(platform);
        if (err == 0)
                platform_finish(platform, sim_now(sim));
        *seconds = cpu_seconds() - start;
        if (err == 0) {
                size_t global = 0;

                *end = sim_now(sim);
                for (size_t i = 0; i < scenario->os_count; i++) {
                        for (size_t t = 0; t < scenario->oses[i].task_count; t++, global++) {
                                char entity[512];
                                const struct metric *rt;

                                (void)scenario_task_entity(entity, sizeof(entity), scenario, i, t);
                                rt = metrics_find(metrics, entity, "response_time");
                                means[global] = rt != NULL && rt->histogram.count > 0
                                                    ? histogram_mean(&rt->histogram)
                                                    : 0.0;
                        }
                }
        }
        if (platform != NULL)
                platform_destroy(platform);
        if (sim != NULL)
                sim_destroy(sim);
        if (metrics != NULL)
                metrics_destroy(metrics);
        return err;
}

static size_t task_total(const struct scenario *scenario)
{
        size_t n = 0;

        for (size_t i = 0; i < scenario->os_count; i++)
                n += scenario->oses[i].task_count;
        return n;
}

static bool has_profiled_task(const struct scenario *scenario)
{
        for (size_t i = 0; i < scenario->os_count; i++)
                for (size_t t = 0; t < scenario->oses[i].task_count; t++)
                        if (scenario->oses[i].tasks[t].profile != NULL)
                                return true;
        return false;
}

#define SPEEDUP_SCENARIO "scenarios/examples/interference-3hogs.json"
#define SPEEDUP_RUNS     3

/* Detailed over fast CPU time on SPEEDUP_SCENARIO (see the top); 0 on failure. */
static double scenario_speedup(void)
{
        struct scenario scenario;
        struct scenario_diag diag;
        double detailed[SPEEDUP_RUNS], fast[SPEEDUP_RUNS];
        sim_time_t end[2] = { 0, 0 };
        double *means;
        int err;

        if (scenario_load(SPEEDUP_SCENARIO, &scenario, &diag) != 0) {
                fprintf(stderr, "bench_memory: %s: %s\n", SPEEDUP_SCENARIO, diag.message);
                return 0.0;
        }
        means = calloc(task_total(&scenario) + 1, sizeof(*means));
        err = means == NULL ? -ENOMEM : 0;
        for (unsigned r = 0; err == 0 && r < SPEEDUP_RUNS; r++) {
                scenario.run.fidelity = FIDELITY_DETAILED;
                err = scenario_run(&scenario, means, &end[0], &detailed[r]);
                scenario.run.fidelity = FIDELITY_FAST;
                if (err == 0)
                        err = scenario_run(&scenario, means, &end[1], &fast[r]);
                if (err == 0 && (end[0] != end[1] || end[0] != scenario.run.duration_ps))
                        err = -EINVAL; /* not the same simulated duration */
        }
        free(means);
        scenario_free(&scenario);
        if (err != 0)
                return 0.0;
        qsort(detailed, SPEEDUP_RUNS, sizeof(detailed[0]), compare_doubles);
        qsort(fast, SPEEDUP_RUNS, sizeof(fast[0]), compare_doubles);
        fprintf(stderr, "bench_memory: %s: detailed %.4f s, fast %.6f s (CPU, medians)\n",
                SPEEDUP_SCENARIO, detailed[SPEEDUP_RUNS / 2], fast[SPEEDUP_RUNS / 2]);
        return detailed[SPEEDUP_RUNS / 2] / fmax(fast[SPEEDUP_RUNS / 2], 1e-9);
}

/* Mean response of every task of `scenario` run alone (the other tasks removed), in the
 * scenario's fidelity, for the tasks with want[global] set; 0 or a negative errno. */
static int alone_means(const struct scenario *scenario, const bool *want, double *alone)
{
        size_t n = task_total(scenario), global = 0;
        struct os_config *oses = calloc(scenario->os_count, sizeof(*oses));
        double *means = calloc(n + 1, sizeof(*means));
        int err = oses != NULL && means != NULL ? 0 : -ENOMEM;

        for (size_t i = 0; err == 0 && i < scenario->os_count; i++) {
                for (size_t t = 0; err == 0 && t < scenario->oses[i].task_count; t++, global++) {
                        struct scenario one = *scenario;
                        sim_time_t end;
                        double seconds;

                        if (!want[global])
                                continue;
                        for (size_t k = 0; k < scenario->os_count; k++) {
                                oses[k] = scenario->oses[k];
                                oses[k].task_count = 0;
                        }
                        oses[i].task_count = 1;
                        oses[i].tasks = &scenario->oses[i].tasks[t];
                        one.oses = oses;
                        one.requirement_count = 0;
                        err = scenario_run(&one, means, &end, &seconds);
                        /* the one task left is global index (tasks of OSes before i: none) */
                        if (err == 0)
                                alone[global] = means[0];
                }
        }
        free(means);
        free(oses);
        return err;
}

struct error_case {
        double error;
        char where[512];
};

static void consider(struct error_case *worst, double fast, double detailed, const char *file,
                     const char *task, const char *what)
{
        double error = fabs(fast - detailed) / detailed;

        if (error > worst->error) {
                worst->error = error;
                snprintf(worst->where, sizeof(worst->where),
                         "%.300s %.150s %s: fast %.6g detailed %.6g", file, task, what, fast,
                         detailed);
        }
}

/* The errors of one scenario file (see the top); 0, 1 when skipped (no memory profiles, or
 * not loadable: named on stderr), or a negative errno. */
static int scenario_errors(const char *path, struct error_case *worst)
{
        struct scenario scenario;
        struct scenario_diag diag;
        double *means[2], *alone[2];
        bool *want;
        size_t n, global = 0;
        int err;

        if (scenario_load(path, &scenario, &diag) != 0) {
                fprintf(stderr, "bench_memory: skipped %s: %s\n", path, diag.message);
                return 1;
        }
        if (!scenario.platform.memory.present || !has_profiled_task(&scenario)) {
                scenario_free(&scenario);
                return 1;
        }
        n = task_total(&scenario);
        means[0] = calloc(n, sizeof(double));
        means[1] = calloc(n, sizeof(double));
        alone[0] = calloc(n, sizeof(double));
        alone[1] = calloc(n, sizeof(double));
        want = calloc(n, sizeof(bool));
        err = means[0] && means[1] && alone[0] && alone[1] && want ? 0 : -ENOMEM;
        for (unsigned f = 0; err == 0 && f < 2; f++) {
                sim_time_t end;
                double seconds;

                scenario.run.fidelity = f == 0 ? FIDELITY_DETAILED : FIDELITY_FAST;
                err = scenario_run(&scenario, means[f], &end, &seconds);
        }
        /* slowdowns only where other tasks exist to slow a task down */
        for (size_t i = 0; err == 0 && i < scenario.os_count; i++)
                for (size_t t = 0; t < scenario.oses[i].task_count; t++, global++)
                        want[global] = n > 1 && scenario.oses[i].tasks[t].profile != NULL &&
                                       means[0][global] > 0.0 && means[1][global] > 0.0;
        for (unsigned f = 0; err == 0 && f < 2; f++) {
                scenario.run.fidelity = f == 0 ? FIDELITY_DETAILED : FIDELITY_FAST;
                err = alone_means(&scenario, want, alone[f]);
        }
        global = 0;
        for (size_t i = 0; err == 0 && i < scenario.os_count; i++) {
                for (size_t t = 0; t < scenario.oses[i].task_count; t++, global++) {
                        char task[256];

                        if (scenario.oses[i].tasks[t].profile == NULL || means[0][global] <= 0.0 ||
                            means[1][global] <= 0.0)
                                continue;
                        (void)scenario_task_entity(task, sizeof(task), &scenario, i, t);
                        consider(worst, means[1][global], means[0][global], path, task,
                                 "mean response");
                        if (want[global] && alone[0][global] > 0.0 && alone[1][global] > 0.0)
                                consider(worst, means[1][global] / alone[1][global],
                                         means[0][global] / alone[0][global], path, task,
                                         "slowdown");
                }
        }
        free(want);
        for (unsigned f = 0; f < 2; f++) {
                free(means[f]);
                free(alone[f]);
        }
        scenario_free(&scenario);
        return err;
}

static int compare_strings(const void *a, const void *b)
{
        return strcmp(*(char *const *)a, *(char *const *)b);
}

/* fast_vs_detailed_max_error over the scenario folders; a negative value on failure. */
static double scenarios_max_error(void)
{
        static const char *const folders[] = { "scenarios/examples", "scenarios/calibration" };
        struct error_case worst = { 0 };
        unsigned used = 0;

        for (size_t d = 0; d < sizeof(folders) / sizeof(folders[0]); d++) {
                DIR *dir = opendir(folders[d]);
                struct dirent *entry;
                char *names[512];
                size_t count = 0;

                if (dir == NULL)
                        return -1.0;
                while ((entry = readdir(dir)) != NULL && count < 512) {
                        size_t len = strlen(entry->d_name);

                        if (len > 5 && strcmp(entry->d_name + len - 5, ".json") == 0)
                                names[count++] = strdup(entry->d_name);
                }
                closedir(dir);
                qsort(names, count, sizeof(names[0]), compare_strings);
                for (size_t i = 0; i < count; i++) {
                        char path[1024];
                        int rc;

                        if (names[i] == NULL)
                                return -1.0;
                        snprintf(path, sizeof(path), "%s/%s", folders[d], names[i]);
                        free(names[i]);
                        rc = scenario_errors(path, &worst);
                        if (rc < 0)
                                return -1.0;
                        used += rc == 0;
                }
        }
        fprintf(stderr, "bench_memory: %u scenarios with memory profiles; worst: %s\n", used,
                worst.where);
        return worst.error;
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
        printf("fast_vs_detailed_max_error_synthetic: %.4f\n", max_error);

        detailed_s = synthetic_detailed(&detailed_sim);
        fast_s = synthetic_fast(&fast_sim);
        printf("fast_speedup_vs_detailed_synthetic: %.0f\n", detailed_s / fmax(fast_s, 1e-9));
        printf("synthetic_victim_time_fast_over_detailed: %.4f\n",
               (double)fast_sim / (double)detailed_sim);
        printf("fast_speedup_vs_detailed: %.0f\n", scenario_speedup());
        printf("fast_vs_detailed_max_error: %.4f\n", scenarios_max_error());
        return 0;
}
