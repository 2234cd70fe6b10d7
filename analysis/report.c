#include "analysis/report.h"

#include <csv.h>
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "analysis/output_file.h"

/* Enough significant digits to carry picoseconds in microsecond values. */
#define REPORT_JSON_FLAGS (JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(15))

void report_core_entity(char *buf, size_t size, const char *core)
{
        snprintf(buf, size, "core/%s", core);
}

static const char *fidelity_name(enum fidelity f)
{
        return f == FIDELITY_FAST ? "fast" : "detailed";
}

static json_t *value_json(const struct result_value *v)
{
        switch (v->type) {
        case RESULT_INTEGER:
                return json_integer((json_int_t)v->integer);
        case RESULT_REAL:
                return json_real(v->real);
        case RESULT_ABSENT:
                break;
        }
        return json_null();
}

static json_t *metrics_json(const struct results *results)
{
        json_t *metrics = json_object();
        for (size_t i = 0; metrics && i < results->count; i++) {
                const struct result_value *v = &results->values[i];
                json_t *entity = json_object_get(metrics, v->entity);
                if (!entity) {
                        entity = json_object();
                        if (json_object_set_new(metrics, v->entity, entity) != 0)
                                goto err;
                }
                if (json_object_set_new(entity, v->name, value_json(v)) != 0)
                        goto err;
        }
        return metrics;
err:
        json_decref(metrics);
        return NULL;
}

static json_t *requirements_json(const struct scenario *scenario,
                                 const struct requirement_outcome *outcomes)
{
        json_t *list = json_array();
        for (size_t i = 0; list && i < scenario->requirement_count; i++) {
                const struct requirement_outcome *o = &outcomes[i];
                const struct requirement_config *r = o->requirement;
                json_t *item = json_pack("{s:s}", "metric", r->metric);
                if (!item || json_array_append_new(list, item) != 0)
                        goto err;
                json_object_set_new(item, "value",
                                    o->has_value ? json_real(o->value) : json_null());
                if (r->has_max)
                        json_object_set_new(item, "max", json_real(r->max));
                if (r->has_min)
                        json_object_set_new(item, "min", json_real(r->min));
                json_object_set_new(item, "status", json_string(o->passed ? "PASS" : "FAIL"));
        }
        return list;
err:
        json_decref(list);
        return NULL;
}

static int write_json(const char *dir, const char *name, json_t *root)
{
        struct output_file file;
        if (!root)
                return -ENOMEM;
        int err = output_file_open(&file, dir, name);
        if (err) {
                json_decref(root);
                return err;
        }
        if (json_dumpf(root, file.stream, REPORT_JSON_FLAGS) != 0 ||
            fputc('\n', file.stream) == EOF) {
                json_decref(root);
                output_file_abort(&file);
                return -EIO;
        }
        json_decref(root);
        return output_file_commit(&file);
}

int report_write_summary(const char *dir, const struct scenario *scenario,
                         const struct run_info *run, const struct results *results,
                         const struct requirement_outcome *outcomes)
{
        json_t *metrics = metrics_json(results);
        json_t *requirements = requirements_json(scenario, outcomes);
        if (!metrics || !requirements) {
                json_decref(metrics);
                json_decref(requirements);
                return -ENOMEM;
        }
        json_t *root =
            json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:I, s:f, s:I, s:o, s:o}", "mosaic_version",
                      MOSAIC_VERSION, "scenario", scenario->name, "scenario_file", scenario->file,
                      "platform", scenario->platform.name, "seed", (json_int_t)scenario->run.seed,
                      "fidelity", fidelity_name(scenario->run.fidelity), "simulated_time_ps",
                      (json_int_t)run->simulated_ps, "simulated_time_s",
                      (double)run->simulated_ps / (double)SIM_PS_PER_S, "events",
                      (json_int_t)run->events, "metrics", metrics, "requirements", requirements);
        /* the named hypervisor profile the costs came from (scenarios/hypervisors/) */
        if (root && scenario->hypervisor && scenario->hypervisor->profile_name &&
            json_object_set_new(root, "hypervisor_profile",
                                json_pack("{s:s, s:s}", "name", scenario->hypervisor->profile_name,
                                          "file", scenario->hypervisor->profile_file)) != 0) {
                json_decref(root);
                return -ENOMEM;
        }
        return write_json(dir, "summary.json", root);
}

int report_write_run(const char *dir, const struct run_info *run)
{
        double rate = run->wall_seconds > 0 ? (double)run->events / run->wall_seconds : 0.0;
        double ratio = run->wall_seconds > 0
                           ? (double)run->simulated_ps / (double)SIM_PS_PER_S / run->wall_seconds
                           : 0.0;
        json_t *root =
            json_pack("{s:s, s:s, s:f, s:I, s:f, s:f}", "mosaic_version", MOSAIC_VERSION, "kernel",
                      run->kernel, "wall_time_s", run->wall_seconds, "events",
                      (json_int_t)run->events, "events_per_s", rate, "sim_to_wall_ratio", ratio);
        return write_json(dir, "run.json", root);
}

/* ---- CSV ---- */

struct csv_out {
        FILE *stream;
        int fields; /* in the current row */
};

/* Quote (through libcsv) only fields that need it, so numbers stay plain for plotting tools. */
static void csv_field(struct csv_out *c, const char *text)
{
        if (c->fields++ > 0)
                fputc(',', c->stream);
        if (strpbrk(text, ",\"\r\n"))
                csv_fwrite(c->stream, text, strlen(text));
        else
                fputs(text, c->stream);
}

static void csv_end_row(struct csv_out *c)
{
        fputc('\n', c->stream);
        c->fields = 0;
}

static void csv_value(struct csv_out *c, const struct result_value *v)
{
        char buf[64] = "";
        if (v && v->type == RESULT_INTEGER)
                snprintf(buf, sizeof buf, "%llu", (unsigned long long)v->integer);
        else if (v && v->type == RESULT_REAL)
                snprintf(buf, sizeof buf, "%.6f", v->real);
        csv_field(c, buf);
}

static void csv_uint(struct csv_out *c, unsigned long long n)
{
        char buf[32];
        snprintf(buf, sizeof buf, "%llu", n);
        csv_field(c, buf);
}

static void csv_us(struct csv_out *c, sim_time_t ps)
{
        char buf[48];
        snprintf(buf, sizeof buf, "%.6f", (double)ps / (double)SIM_PS_PER_US);
        csv_field(c, buf);
}

static const char *const task_value_columns[] = {
        "activations",           "completions",          "deadline_misses",
        "preemptions",           "response_time_min_us", "response_time_mean_us",
        "response_time_p50_us",  "response_time_p90_us", "response_time_p99_us",
        "response_time_p999_us", "response_time_max_us",
};
#define TASK_VALUE_COLUMNS (sizeof task_value_columns / sizeof task_value_columns[0])

static int finish_file(struct output_file *file)
{
        if (ferror(file->stream)) {
                output_file_abort(file);
                return -EIO;
        }
        return output_file_commit(file);
}

int report_write_tasks_csv(const char *dir, const struct scenario *scenario,
                           const struct results *results)
{
        struct output_file file;
        int err = output_file_open(&file, dir, "tasks.csv");
        if (err)
                return err;
        struct csv_out c = { file.stream, 0 };
        static const char *const fixed_columns[] = { "os",       "task",      "core",
                                                     "priority", "period_us", "deadline_us" };
        for (size_t i = 0; i < sizeof fixed_columns / sizeof fixed_columns[0]; i++)
                csv_field(&c, fixed_columns[i]);
        for (size_t i = 0; i < TASK_VALUE_COLUMNS; i++)
                csv_field(&c, task_value_columns[i]);
        csv_end_row(&c);
        for (size_t o = 0; o < scenario->os_count; o++) {
                const struct os_config *os = &scenario->oses[o];
                for (size_t t = 0; t < os->task_count; t++) {
                        const struct task_config *task = &os->tasks[t];
                        char entity[512];
                        scenario_task_entity(entity, sizeof entity, scenario, o, t);
                        csv_field(&c, os->name);
                        csv_field(&c, task->name);
                        csv_field(&c, scenario->platform.cores[task->core].name);
                        csv_uint(&c, task->priority);
                        csv_us(&c, task->period_ps);
                        csv_us(&c, task->deadline_ps);
                        for (size_t i = 0; i < TASK_VALUE_COLUMNS; i++)
                                csv_value(&c, results_find(results, entity, task_value_columns[i]));
                        csv_end_row(&c);
                }
        }
        return finish_file(&file);
}

static const char *const memory_value_columns[] = {
        "instructions",         "l1_misses", "llc_misses", "l1_mpki", "llc_mpki",
        "memory_stall_time_us", "bandwidth", "slowdown",
};
#define MEMORY_VALUE_COLUMNS (sizeof memory_value_columns / sizeof memory_value_columns[0])

static bool scenario_has_profiles(const struct scenario *scenario)
{
        for (size_t o = 0; o < scenario->os_count; o++)
                for (size_t t = 0; t < scenario->oses[o].task_count; t++)
                        if (scenario->oses[o].tasks[t].profile != NULL)
                                return true;
        return false;
}

int report_write_memory_csv(const char *dir, const struct scenario *scenario,
                            const struct results *results)
{
        struct output_file file;
        int err;

        if (!scenario_has_profiles(scenario))
                return 0;
        err = output_file_open(&file, dir, "memory.csv");
        if (err)
                return err;
        struct csv_out c = { file.stream, 0 };
        static const char *const fixed_columns[] = { "os", "task", "core", "profile" };
        for (size_t i = 0; i < sizeof fixed_columns / sizeof fixed_columns[0]; i++)
                csv_field(&c, fixed_columns[i]);
        for (size_t i = 0; i < MEMORY_VALUE_COLUMNS; i++)
                csv_field(&c, memory_value_columns[i]);
        csv_end_row(&c);
        for (size_t o = 0; o < scenario->os_count; o++) {
                const struct os_config *os = &scenario->oses[o];
                for (size_t t = 0; t < os->task_count; t++) {
                        const struct task_config *task = &os->tasks[t];
                        char entity[512];
                        if (task->profile == NULL)
                                continue;
                        scenario_task_entity(entity, sizeof entity, scenario, o, t);
                        csv_field(&c, os->name);
                        csv_field(&c, task->name);
                        csv_field(&c, scenario->platform.cores[task->core].name);
                        csv_field(&c, task->profile->name);
                        for (size_t i = 0; i < MEMORY_VALUE_COLUMNS; i++)
                                csv_value(&c,
                                          results_find(results, entity, memory_value_columns[i]));
                        csv_end_row(&c);
                }
        }
        return finish_file(&file);
}

static const char *const irq_value_columns[] = {
        "raised",         "merged",         "latency_samples", "latency_min_us",  "latency_mean_us",
        "latency_p50_us", "latency_p90_us", "latency_p99_us",  "latency_p999_us", "latency_max_us",
};
#define IRQ_VALUE_COLUMNS (sizeof irq_value_columns / sizeof irq_value_columns[0])

static const char *const irq_kind_names[] = {
        [IRQ_SOURCE_TIMER] = "timer",
        [IRQ_SOURCE_DEVICE] = "device",
        [IRQ_SOURCE_DOORBELL] = "doorbell",
};

int report_write_irq_csv(const char *dir, const struct scenario *scenario,
                         const struct results *results)
{
        struct output_file file;
        int err;

        if (scenario->irq_source_count == 0)
                return 0;
        err = output_file_open(&file, dir, "irq.csv");
        if (err)
                return err;
        struct csv_out c = { file.stream, 0 };
        static const char *const fixed_columns[] = {
                "os", "interrupt", "kind", "irq", "core", "cpu"
        };
        for (size_t i = 0; i < sizeof fixed_columns / sizeof fixed_columns[0]; i++)
                csv_field(&c, fixed_columns[i]);
        for (size_t i = 0; i < IRQ_VALUE_COLUMNS; i++)
                csv_field(&c, irq_value_columns[i]);
        csv_end_row(&c);
        for (size_t i = 0; i < scenario->irq_source_count; i++) {
                const struct irq_source_config *q = &scenario->irq_sources[i];
                const struct os_config *os = &scenario->oses[q->os];
                char entity[512];

                snprintf(entity, sizeof entity, "irq/%s/%s", os->name, q->name);
                csv_field(&c, os->name);
                csv_field(&c, q->name);
                csv_field(&c, irq_kind_names[q->kind]);
                csv_uint(&c, q->irq);
                csv_field(&c, scenario->platform.cores[os->cores[q->cpu]].name);
                csv_uint(&c, q->cpu);
                for (size_t k = 0; k < IRQ_VALUE_COLUMNS; k++)
                        csv_value(&c, results_find(results, entity, irq_value_columns[k]));
                csv_end_row(&c);
        }
        return finish_file(&file);
}

int report_write_cores_csv(const char *dir, const struct scenario *scenario,
                           const struct results *results)
{
        struct output_file file;
        int err = output_file_open(&file, dir, "cores.csv");
        if (err)
                return err;
        struct csv_out c = { file.stream, 0 };
        csv_field(&c, "core");
        csv_field(&c, "clock_mhz");
        csv_field(&c, "os");
        csv_field(&c, "utilisation");
        csv_field(&c, "context_switches");
        csv_end_row(&c);
        for (size_t i = 0; i < scenario->platform.core_count; i++) {
                const struct core_config *core = &scenario->platform.cores[i];
                /* Every OS with a core or a vCPU here, in scenario order: "rtos+linux". */
                char os_names[512] = "";
                size_t used = 0;
                for (size_t o = 0; o < scenario->os_count; o++) {
                        const struct os_config *os = &scenario->oses[o];
                        bool here = false;
                        for (size_t k = 0; k < os->core_count; k++)
                                here = here || os->cores[k] == i;
                        if (here && used < sizeof os_names)
                                used += (size_t)snprintf(os_names + used, sizeof os_names - used,
                                                         "%s%s", used ? "+" : "", os->name);
                }
                char entity[512], mhz[32];
                report_core_entity(entity, sizeof entity, core->name);
                snprintf(mhz, sizeof mhz, "%.6g", (double)core->clock_hz / 1e6);
                csv_field(&c, core->name);
                csv_field(&c, mhz);
                csv_field(&c, os_names);
                csv_value(&c, results_find(results, entity, "utilisation"));
                csv_value(&c, results_find(results, entity, "context_switches"));
                csv_end_row(&c);
        }
        return finish_file(&file);
}

int report_write_junit(const char *dir, const struct scenario *scenario,
                       const struct requirement_outcome *outcomes)
{
        struct output_file file;
        int err = output_file_open(&file, dir, "junit.xml");
        if (err)
                return err;
        requirements_write_junit(file.stream, scenario, outcomes);
        return finish_file(&file);
}
