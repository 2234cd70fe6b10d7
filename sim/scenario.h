/*
 * scenario: the immutable configuration of one run, and its loader.
 *
 * scenario_load() reads a scenario JSON file and the platform file it references (by a path
 * relative to the scenario file), validates both completely (types, ranges, unknown keys,
 * dangling references) and returns a struct scenario that nothing changes afterwards: models
 * keep `const` pointers into it. All times are picoseconds, all strings are owned by the
 * scenario and freed by scenario_free(). The loader never prints; on bad input it fills a
 * struct scenario_diag with the file, the JSON path (such as "$.oses[0].tasks[2].period_us"),
 * the line and column of the offending value (0 when the file cannot be read) and a message.
 *
 * The format is documented key by key in scenarios/schema/scenario.schema.json and
 * scenarios/schema/platform.schema.json.
 */
#ifndef MOSAIC_SIM_SCENARIO_H
#define MOSAIC_SIM_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

#define SCENARIO_DIAG_TEXT 512

struct scenario_diag {
        char file[SCENARIO_DIAG_TEXT];
        char path[SCENARIO_DIAG_TEXT];
        int line;
        int column;
        char message[SCENARIO_DIAG_TEXT];
};

/* ---- platform ---- */
struct core_config {
        char *name;
        uint64_t clock_hz;
};

struct platform_config {
        char *name;
        char *description;
        char *file; /* path as resolved from the scenario */
        size_t source_count;
        char **sources; /* where the platform's numbers come from (datasheets, manuals) */
        size_t core_count;
        struct core_config *cores;
};

/* ---- execution demand ---- */
enum demand_distribution {
        DEMAND_FIXED,   /* always `max_cycles` */
        DEMAND_UNIFORM, /* uniform integer in [min_cycles, max_cycles] */
        DEMAND_NORMAL   /* normal(mean, stddev) rounded, truncated to [min_cycles, max_cycles] */
};

struct demand_config {
        enum demand_distribution distribution;
        uint64_t min_cycles;
        uint64_t max_cycles; /* the worst case in every distribution */
        double mean_cycles;
        double stddev_cycles;
};

/* ---- tasks ---- */
enum task_activation {
        TASK_PERIODIC, /* released at offset + k*period + jitter draw */
        TASK_SPORADIC  /* inter-arrival uniform in [period, max_interarrival] */
};

struct task_config {
        char *name;
        enum task_activation activation;
        sim_time_t period_ps;           /* periodic: period; sporadic: minimum inter-arrival */
        sim_time_t max_interarrival_ps; /* sporadic only; == period_ps for periodic */
        sim_time_t offset_ps;           /* first release */
        sim_time_t jitter_ps;           /* release jitter, uniform in [0, jitter] */
        sim_time_t deadline_ps;         /* relative; defaults to the period */
        uint32_t priority;              /* higher value = more urgent */
        size_t core;                    /* index into platform cores; one of the OS's cores */
        struct demand_config demand;
};

/* ---- operating systems ---- */
enum os_scheduler {
        OS_SCHED_FIXED_PRIORITY /* preemptive, partitioned per core (OSEK/AUTOSAR-like) */
};

struct os_config {
        char *name;
        enum os_scheduler scheduler;
        uint64_t context_switch_cycles;
        size_t core_count;
        size_t *cores; /* indices into platform cores */
        size_t task_count;
        struct task_config *tasks;
};

/* ---- requirements ---- */
struct requirement_config {
        char *metric; /* full path: entity path + "/" + metric name, as in summary.json */
        char *entity; /* the entity part, e.g. "os/rtos/task/brake" */
        char *name;   /* the metric part, e.g. "response_time_p99_us" */
        bool has_max;
        double max;
        bool has_min;
        double min;
};

/* ---- run ---- */
enum fidelity { FIDELITY_DETAILED, FIDELITY_FAST };

struct run_config {
        sim_time_t duration_ps;
        uint64_t seed;
        enum fidelity fidelity;
};

struct scenario {
        char *name;
        char *description;
        char *file;
        struct run_config run;
        struct platform_config platform;
        size_t os_count;
        struct os_config *oses;
        size_t requirement_count;
        struct requirement_config *requirements;
};

/*
 * Load and validate `path`. Returns 0 and fills *out (free it with scenario_free), -EINVAL on
 * bad input (diag filled), -ENOENT when a file cannot be read (diag filled), -ENOMEM.
 */
int scenario_load(const char *path, struct scenario *out, struct scenario_diag *diag);
void scenario_free(struct scenario *scenario);

/* Lookups by name; NULL or -1 when absent. */
const struct os_config *scenario_find_os(const struct scenario *scenario, const char *name);
long platform_find_core(const struct platform_config *platform, const char *name);

/*
 * Metric names a requirement may use on a task entity ("os/<os>/task/<task>") and a core entity
 * ("core/<core>"); scenario_load rejects others. NULL-terminated lists.
 */
extern const char *const scenario_task_metrics[];
extern const char *const scenario_core_metrics[];

#endif
