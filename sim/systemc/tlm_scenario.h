/*
 * tlm_scenario: one run of a mosaic scenario on a kernel backend, with SystemC TLM-2.0 masters
 * joining it as external masters of the platform's interconnect. A pure C header (C++ sees the
 * scenario, the metrics and the kernel as opaque pointers): a SystemC program builds and runs
 * scenarios through it without including a mosaic model header.
 *
 * tlm_scenario_create builds the scenario's platform (platform_build) on a new kernel of the
 * given backend with its own metrics registry, as `mosaic run` does (`--kernel systemc`:
 * &sim_backend_systemc; NULL: the native kernel). tlm_scenario_attach then gives a TLM target
 * bridge (tlm_bridge.h) in front of the platform's external port
 * (platform_memory_external_port): the interconnect below the cores' caches, on the bus input
 * after the cores', unregulated, so an initiator bound to it competes with the cores' LLC misses
 * for the bus and DRAM, bypasses every cache (no coherence) and shows in the mem/ metrics. The
 * bridge splits each transaction into line-sized requests at line boundaries
 * (tlm_bridge_target_set_max_request with the platform's line size), the requests the
 * interconnect and DRAM see from the caches. Several bridges of one run share that one bus input.
 * The run needs a platform memory section, a task with a memory profile and detailed fidelity
 * (otherwise attach returns -ENODEV), and the SystemC backend (-EINVAL on native).
 *
 * Lifecycle on the SystemC backend: create every run and attach every master during
 * elaboration (before the first sc_start: bridges are sc_modules), then run them all with one
 * tlm_scenario_run_all, which is the only thing that may advance SystemC. Runs on SystemC share
 * its clock: each advances whenever one runs, so the runs of one tlm_scenario_run_all must have
 * the same duration; it brings every run to its end and lets SystemC finish that instant
 * (sim_systemc_settle) before it closes the books of any, so each run includes exactly the
 * events up to and including its end, those a SystemC master causes at the end instant too,
 * whatever SystemC's order within the instant. Runs on the native kernel are
 * independent of SystemC and may be run anywhere. Destroy after the simulation, bridges with
 * their run. The scenario must outlive its runs.
 *
 * Reading results: tlm_scenario_metrics (the registry, as summary.json lists it), or the
 * figures below, taken from it: a task's response time, memory stall time and misses, and the
 * platform's memory figures. tlm_scenario_slowdown divides two mean response times, as
 * `mosaic run --solo-reference` does for its `slowdown` gauge.
 */
#ifndef MOSAIC_SIM_SYSTEMC_TLM_SCENARIO_H
#define MOSAIC_SIM_SYSTEMC_TLM_SCENARIO_H

#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

struct scenario;
struct metrics;
struct tlm_bridge_target;
struct tlm_scenario;

/*
 * Load and validate a scenario file (scenario_load) into a new scenario (free it with
 * tlm_scenario_unload). 0, -EINVAL or -ENOENT with `error` holding
 * "file:line:column: error: path: message", or -ENOMEM.
 */
int tlm_scenario_load(const char *path, struct scenario **out, char *error, size_t error_size);
void tlm_scenario_unload(struct scenario *scenario);
/* The scenario's name and run duration. */
const char *tlm_scenario_name(const struct scenario *scenario);
sim_time_t tlm_scenario_duration_ps(const struct scenario *scenario);

/* 0, -EINVAL (a configuration the models cannot run, or no kernel on this backend), -ENOMEM. */
int tlm_scenario_create(const struct scenario *scenario, const struct sim_backend_ops *backend,
                        struct tlm_scenario **out);
/*
 * A target bridge named `name` (its sc_module name) on the external bus input; owned by the run.
 * 0, -EINVAL (not on the SystemC backend, or already run), -ENODEV (no external port: no memory
 * models or fast fidelity), -ENOMEM.
 */
int tlm_scenario_attach(struct tlm_scenario *run, const char *name, struct tlm_bridge_target **out);
/*
 * Run each to its scenario's duration, then close the books of each (platform_finish). 0, the
 * first error a model met (-ENOMEM), -EINVAL (durations differ, or a run already ran), or -ERANGE
 * (a kernel is already past its end: SystemC was advanced by something else).
 */
int tlm_scenario_run_all(struct tlm_scenario *const *runs, size_t count);
/* tlm_scenario_run_all of one run. */
int tlm_scenario_run(struct tlm_scenario *run);
/* Destroys the bridges, the platform, the kernel and the metrics. */
void tlm_scenario_destroy(struct tlm_scenario *run);

struct sim *tlm_scenario_sim(const struct tlm_scenario *run);
const struct metrics *tlm_scenario_metrics(const struct tlm_scenario *run);
/* The bus input the external masters occupy (the number of cores). */
uint16_t tlm_scenario_external_initiator(const struct tlm_scenario *run);

/* A task's figures after a run (0 where the task has no such metric). */
struct tlm_scenario_task {
        char entity[256]; /* "os/<os>/task/<task>" or "vm/<vm>/task/<task>" */
        uint64_t completions;
        double response_mean_ps;
        uint64_t response_p99_ps; /* nearest rank, within the histogram's error bound */
        uint64_t response_max_ps;
        double memory_stall_ps;
        uint64_t llc_misses;
        uint64_t instructions;
};

/* The platform's memory figures after a run in detailed fidelity (mem/ metrics). */
struct tlm_scenario_memory {
        uint64_t llc_accesses, llc_misses;
        double bus_utilisation;
        uint64_t bus_grants; /* queue_delay samples: one per bus grant */
        double bus_queue_delay_mean_ps;
        double dram_utilisation;
        uint64_t dram_requests, dram_row_hits, dram_row_conflicts;
};

/*
 * Task `task`, named "<os>/<task>" (the OS or VM name, then the task's), or NULL for the first
 * task with a memory profile. 0, or -ENOENT when there is no such task.
 */
int tlm_scenario_task_figures(const struct tlm_scenario *run, const char *task,
                              struct tlm_scenario_task *out);
/* 0, or -ENOENT when the run has no mem/ metrics (no memory models, or fast fidelity). */
int tlm_scenario_memory_figures(const struct tlm_scenario *run, struct tlm_scenario_memory *out);
/* run's mean response time over reference's; 0 when either completed no job. */
double tlm_scenario_slowdown(const struct tlm_scenario_task *run,
                             const struct tlm_scenario_task *reference);

#ifdef __cplusplus
}
#endif

#endif
