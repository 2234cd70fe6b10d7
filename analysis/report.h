/*
 * report: the files of a results directory.
 *
 * summary.json: the scenario, seed, simulated time, event count, every result value keyed by
 *   entity path, and the requirement outcomes. Byte-identical for the same scenario and seed.
 * tasks.csv / cores.csv: one row per task / core (libcsv quoting), same determinism.
 * run.json: what differs between identical runs (wall time, events per wall second).
 * Each writer writes through output_file (temporary name, then rename) and returns 0 or a
 * negative errno.
 */
#ifndef MOSAIC_ANALYSIS_REPORT_H
#define MOSAIC_ANALYSIS_REPORT_H

#include <stdint.h>

#include "analysis/requirements.h"
#include "analysis/results.h"
#include "sim/scenario.h"
#include "sim/sim.h"

struct run_info {
        const char *kernel;
        sim_time_t simulated_ps;
        uint64_t events;
        double wall_seconds;
};

int report_write_summary(const char *dir, const struct scenario *scenario,
                         const struct run_info *run, const struct results *results,
                         const struct requirement_outcome *outcomes);
int report_write_run(const char *dir, const struct run_info *run);
int report_write_tasks_csv(const char *dir, const struct scenario *scenario,
                           const struct results *results);
int report_write_cores_csv(const char *dir, const struct scenario *scenario,
                           const struct results *results);
/* irq.csv: one row per interrupt source of the scenario (os = its OS or VM, interrupt, kind,
 * irq id, physical core, cpu = the OS's execution resource: its core's index in AMP, the vCPU in
 * a VM) with its irq/<os>/<interrupt> metrics: raised, merged and the latency histogram's
 * samples and min ... max in us. Writes nothing (and returns 0) without interrupt sources. */
int report_write_irq_csv(const char *dir, const struct scenario *scenario,
                         const struct results *results);
/* memory.csv: one row per task with a memory profile (its memory metrics; slowdown empty
 * without run.slowdown_reference). Writes nothing (and returns 0) without such tasks. */
int report_write_memory_csv(const char *dir, const struct scenario *scenario,
                            const struct results *results);
int report_write_junit(const char *dir, const struct scenario *scenario,
                       const struct requirement_outcome *outcomes);

/* The entity path of a core, as the platform names it: "core/<core>" (tasks: see
 * scenario_task_entity). */
void report_core_entity(char *buf, size_t size, const char *core);

#endif
