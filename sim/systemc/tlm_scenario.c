/*
 * tlm_scenario: a scenario run with SystemC TLM masters on its interconnect; see tlm_scenario.h.
 */
#include "sim/systemc/tlm_scenario.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hw/mem_port.h"
#include "models/platform.h"
#include "models/platform_memory.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/systemc/sim_systemc.h"
#include "sim/systemc/tlm_bridge.h"

struct tlm_scenario {
        const struct scenario *scenario;
        struct sim *sim;
        struct metrics *metrics;
        struct platform *platform;
        bool systemc;
        bool ran;
        struct tlm_bridge_target **bridges;
        size_t bridge_count;
};

int tlm_scenario_load(const char *path, struct scenario **out, char *error, size_t error_size)
{
        struct scenario_diag diag;
        struct scenario *scenario = calloc(1, sizeof(*scenario));
        int err;

        if (error_size > 0)
                error[0] = '\0';
        if (scenario == NULL)
                return -ENOMEM;
        memset(&diag, 0, sizeof(diag));
        err = scenario_load(path, scenario, &diag);
        if (err != 0) {
                if (err != -ENOMEM && error_size > 0)
                        (void)snprintf(error, error_size, "%s:%d:%d: error: %s: %s", diag.file,
                                       diag.line, diag.column, diag.path, diag.message);
                free(scenario);
                return err;
        }
        *out = scenario;
        return 0;
}

void tlm_scenario_unload(struct scenario *scenario)
{
        if (scenario == NULL)
                return;
        scenario_free(scenario);
        free(scenario);
}

const char *tlm_scenario_name(const struct scenario *scenario)
{
        return scenario->name;
}

sim_time_t tlm_scenario_duration_ps(const struct scenario *scenario)
{
        return scenario->run.duration_ps;
}

int tlm_scenario_create(const struct scenario *scenario, const struct sim_backend_ops *backend,
                        struct tlm_scenario **out)
{
        struct tlm_scenario *run = calloc(1, sizeof(*run));
        int err;

        if (run == NULL)
                return -ENOMEM;
        run->scenario = scenario;
        run->systemc = backend == &sim_backend_systemc;
        run->metrics = metrics_create();
        run->sim = sim_create(backend);
        if (run->metrics == NULL || run->sim == NULL) {
                /* sim_create fails on SystemC when the time resolution is not 1 ps */
                err = run->metrics != NULL && run->systemc ? -EINVAL : -ENOMEM;
                tlm_scenario_destroy(run);
                return err;
        }
        err = platform_build(scenario, run->sim, run->metrics, &run->platform);
        if (err != 0) {
                tlm_scenario_destroy(run);
                return err;
        }
        *out = run;
        return 0;
}

int tlm_scenario_attach(struct tlm_scenario *run, const char *name, struct tlm_bridge_target **out)
{
        struct platform_memory *memory = platform_memory_of(run->platform);
        struct tlm_bridge_target **bridges;
        struct mem_port port;
        uint16_t initiator;

        if (!run->systemc || run->ran)
                return -EINVAL;
        if (memory == NULL)
                return -ENODEV;
        port = platform_memory_external_port(memory, &initiator);
        if (port.ops == NULL)
                return -ENODEV;
        bridges = realloc(run->bridges, (run->bridge_count + 1) * sizeof(*bridges));
        if (bridges == NULL)
                return -ENOMEM;
        run->bridges = bridges;
        bridges[run->bridge_count] = tlm_bridge_target_create(name, run->sim, &port, initiator);
        if (bridges[run->bridge_count] == NULL)
                return -ENOMEM;
        /* What reaches the interconnect from above is line-sized (LLC misses), and the DRAM
         * model takes a request within one row and counts a request as one burst. */
        tlm_bridge_target_set_max_request(bridges[run->bridge_count],
                                          run->scenario->platform.memory.line_bytes);
        *out = bridges[run->bridge_count++];
        return 0;
}

int tlm_scenario_run_all(struct tlm_scenario *const *runs, size_t count)
{
        int err = 0;

        for (size_t i = 0; i < count; i++) {
                if (runs[i]->ran || tlm_scenario_duration_ps(runs[i]->scenario) !=
                                        tlm_scenario_duration_ps(runs[0]->scenario))
                        return -EINVAL;
                if (sim_now(runs[i]->sim) > tlm_scenario_duration_ps(runs[i]->scenario))
                        return -ERANGE;
        }
        /* Every run reaches its end, and SystemC finishes the end instant (delta cycles left
         * after the last run paused it: a master resuming there, the kernel events it causes),
         * before any run closes its books, so each run holds every event up to and including
         * its end whatever SystemC's order within that instant. A model that stops its kernel
         * has met an error, which platform_error reports. */
        bool systemc = false;
        for (size_t i = 0; i < count; i++) {
                runs[i]->ran = true;
                systemc = systemc || runs[i]->systemc;
                (void)sim_run_until(runs[i]->sim, tlm_scenario_duration_ps(runs[i]->scenario));
        }
        /* What SystemC processes still do at the end instant belongs to the runs too. */
        if (systemc)
                sim_systemc_settle();
        for (size_t i = 0; i < count; i++) {
                int run_err = platform_error(runs[i]->platform);

                err = err != 0 ? err : run_err;
                if (run_err == 0)
                        platform_finish(runs[i]->platform, sim_now(runs[i]->sim));
        }
        return err;
}

int tlm_scenario_run(struct tlm_scenario *run)
{
        return tlm_scenario_run_all(&run, 1);
}

void tlm_scenario_destroy(struct tlm_scenario *run)
{
        if (run == NULL)
                return;
        for (size_t i = 0; i < run->bridge_count; i++)
                tlm_bridge_target_destroy(run->bridges[i]);
        free(run->bridges);
        if (run->platform != NULL)
                platform_destroy(run->platform);
        if (run->sim != NULL)
                sim_destroy(run->sim);
        if (run->metrics != NULL)
                metrics_destroy(run->metrics);
        free(run);
}

struct sim *tlm_scenario_sim(const struct tlm_scenario *run)
{
        return run->sim;
}

const struct metrics *tlm_scenario_metrics(const struct tlm_scenario *run)
{
        return run->metrics;
}

uint16_t tlm_scenario_external_initiator(const struct tlm_scenario *run)
{
        return (uint16_t)run->scenario->platform.core_count;
}

static uint64_t counter_of(const struct metrics *m, const char *entity, const char *name)
{
        const struct metric *metric = metrics_find(m, entity, name);

        return metric != NULL && metric->kind == METRIC_COUNTER ? metric->counter : 0;
}

static double gauge_of(const struct metrics *m, const char *entity, const char *name)
{
        const struct metric *metric = metrics_find(m, entity, name);

        return metric != NULL && metric->kind == METRIC_GAUGE ? metric->gauge : 0.0;
}

static const struct histogram *histogram_of(const struct metrics *m, const char *entity,
                                            const char *name)
{
        static const struct histogram empty;
        const struct metric *metric = metrics_find(m, entity, name);

        return metric != NULL && metric->kind == METRIC_HISTOGRAM ? &metric->histogram : &empty;
}

/* The OS and task indices of "<os>/<task>", or of the first profiled task for NULL. */
static bool find_task(const struct scenario *s, const char *task, size_t *os, size_t *index)
{
        for (size_t i = 0; i < s->os_count; i++) {
                for (size_t t = 0; t < s->oses[i].task_count; t++) {
                        const struct task_config *config = &s->oses[i].tasks[t];
                        size_t os_len = strlen(s->oses[i].name);
                        bool match = task == NULL
                                         ? config->profile != NULL
                                         : strncmp(task, s->oses[i].name, os_len) == 0 &&
                                               task[os_len] == '/' &&
                                               strcmp(task + os_len + 1, config->name) == 0;
                        if (match) {
                                *os = i;
                                *index = t;
                                return true;
                        }
                }
        }
        return false;
}

int tlm_scenario_task_figures(const struct tlm_scenario *run, const char *task,
                              struct tlm_scenario_task *out)
{
        const struct metrics *m = run->metrics;
        const struct histogram *rt;
        size_t os, index;

        memset(out, 0, sizeof(*out));
        if (!find_task(run->scenario, task, &os, &index))
                return -ENOENT;
        (void)scenario_task_entity(out->entity, sizeof(out->entity), run->scenario, os, index);
        rt = histogram_of(m, out->entity, "response_time");
        out->completions = counter_of(m, out->entity, "completions");
        out->response_mean_ps = histogram_mean(rt);
        out->response_p99_ps = histogram_percentile(rt, 99.0);
        out->response_max_ps = rt->count > 0 ? rt->max : 0;
        out->memory_stall_ps = gauge_of(m, out->entity, "memory_stall_time");
        out->llc_misses = counter_of(m, out->entity, "llc_misses");
        out->instructions = counter_of(m, out->entity, "instructions");
        return 0;
}

int tlm_scenario_memory_figures(const struct tlm_scenario *run, struct tlm_scenario_memory *out)
{
        const struct metrics *m = run->metrics;
        const struct histogram *queue_delay = histogram_of(m, "mem/bus", "queue_delay");

        memset(out, 0, sizeof(*out));
        if (metrics_find(m, "mem/dram", "requests") == NULL)
                return -ENOENT;
        out->llc_accesses = counter_of(m, "mem/llc", "accesses");
        out->llc_misses = counter_of(m, "mem/llc", "misses");
        out->bus_utilisation = gauge_of(m, "mem/bus", "utilisation");
        out->bus_grants = queue_delay->count;
        out->bus_queue_delay_mean_ps = histogram_mean(queue_delay);
        out->dram_utilisation = gauge_of(m, "mem/dram", "utilisation");
        out->dram_requests = counter_of(m, "mem/dram", "requests");
        out->dram_row_hits = counter_of(m, "mem/dram", "row_hits");
        out->dram_row_conflicts = counter_of(m, "mem/dram", "row_conflicts");
        return 0;
}

double tlm_scenario_slowdown(const struct tlm_scenario_task *run,
                             const struct tlm_scenario_task *reference)
{
        if (run->completions == 0 || reference->completions == 0 ||
            !(reference->response_mean_ps > 0.0))
                return 0.0;
        return run->response_mean_ps / reference->response_mean_ps;
}
