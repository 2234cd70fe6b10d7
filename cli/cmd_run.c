#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "analysis/chains.h"
#include "analysis/figures.h"
#include "analysis/output_file.h"
#include "analysis/report.h"
#include "analysis/requirements.h"
#include "analysis/results.h"
#include "analysis/trace_btf.h"
#include "analysis/trace_chrome.h"
#include "cli/cli.h"
#include "models/platform.h"
#include "sim/metrics.h"
#include "sim/sim.h"
#include "sim/systemc/sim_systemc.h"
#include "sim/trace.h"

/* The run advances in slices of simulated time so a progress line can be drawn between them;
 * slicing does not change the order of events, so results do not depend on it. */
#define RUN_SLICES 200

struct run_options {
        const char *scenario_path;
        const char *out_dir;
        bool has_seed;
        uint64_t seed;
        bool has_duration;
        uint64_t duration_ps;
        bool has_fidelity;
        enum fidelity fidelity;
        bool solo_reference; /* --solo-reference */
        bool figures;
        bool quiet;
        bool systemc;      /* --kernel systemc */
        bool trace_chrome; /* --trace chrome|all: DIR/trace.json */
        bool trace_btf;    /* --trace btf|all: DIR/trace.btf */
};

static const char run_usage[] =
    "usage: mosaic run FILE -o DIR [--seed N] [--duration TIME] [--fidelity detailed|fast]\n"
    "                  [--kernel native|systemc] [--trace chrome|btf|all] [--no-figures]\n"
    "                  [--solo-reference] [--quiet]\n";

static int usage_error(const char *what, const char *arg)
{
        fprintf(stderr, "mosaic run: %s%s%s\n%s", what, arg ? ": " : "", arg ? arg : "", run_usage);
        return CLI_BAD_INPUT;
}

static int parse_options(int argc, char **argv, struct run_options *o)
{
        memset(o, 0, sizeof *o);
        o->figures = true;
        for (int i = 1; i < argc; i++) {
                const char *a = argv[i];
                const char *next = i + 1 < argc ? argv[i + 1] : NULL;
                bool takes_value = strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0 ||
                                   strcmp(a, "--seed") == 0 || strcmp(a, "--duration") == 0 ||
                                   strcmp(a, "--fidelity") == 0 || strcmp(a, "--kernel") == 0 ||
                                   strcmp(a, "--trace") == 0;
                if (takes_value && !next)
                        return usage_error("missing value after", a);
                if (strcmp(a, "-o") == 0 || strcmp(a, "--out") == 0) {
                        o->out_dir = next;
                } else if (strcmp(a, "--seed") == 0) {
                        if (!cli_parse_u64(next, &o->seed))
                                return usage_error("--seed takes a whole number", next);
                        o->has_seed = true;
                } else if (strcmp(a, "--duration") == 0) {
                        if (!cli_parse_duration(next, &o->duration_ps))
                                return usage_error("--duration takes a time with a unit "
                                                   "(ps, ns, us, ms, s)",
                                                   next);
                        o->has_duration = true;
                } else if (strcmp(a, "--fidelity") == 0) {
                        if (strcmp(next, "detailed") != 0 && strcmp(next, "fast") != 0)
                                return usage_error("--fidelity is 'detailed' or 'fast'", next);
                        o->fidelity = strcmp(next, "fast") == 0 ? FIDELITY_FAST : FIDELITY_DETAILED;
                        o->has_fidelity = true;
                } else if (strcmp(a, "--kernel") == 0) {
                        if (strcmp(next, "native") != 0 && strcmp(next, "systemc") != 0)
                                return usage_error("--kernel is 'native' or 'systemc'", next);
                        o->systemc = strcmp(next, "systemc") == 0;
                } else if (strcmp(a, "--trace") == 0) {
                        bool all = strcmp(next, "all") == 0;
                        if (!all && strcmp(next, "chrome") != 0 && strcmp(next, "btf") != 0)
                                return usage_error("--trace is 'chrome', 'btf' or 'all'", next);
                        o->trace_chrome = all || strcmp(next, "chrome") == 0;
                        o->trace_btf = all || strcmp(next, "btf") == 0;
                } else if (strcmp(a, "--solo-reference") == 0) {
                        o->solo_reference = true;
                        continue;
                } else if (strcmp(a, "--no-figures") == 0) {
                        o->figures = false;
                        continue;
                } else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
                        o->quiet = true;
                        continue;
                } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
                        fputs(run_usage, stdout);
                        exit(CLI_OK);
                } else if (a[0] == '-') {
                        return usage_error("unknown option", a);
                } else if (!o->scenario_path) {
                        o->scenario_path = a;
                        continue;
                } else {
                        return usage_error("more than one scenario file", a);
                }
                i++;
        }
        if (!o->scenario_path)
                return usage_error("no scenario file given", NULL);
        if (!o->out_dir)
                return usage_error("no output folder given (-o DIR)", NULL);
        return CLI_OK;
}

static double wall_seconds(void)
{
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void draw_progress(struct sim *sim, sim_time_t end, double started)
{
        double elapsed = wall_seconds() - started;
        double done = (double)sim_now(sim) / (double)end;
        double left = done > 0 ? elapsed * (1.0 - done) / done : 0.0;
        fprintf(stderr, "\r  %5.1f%%  simulated %.3f of %.3f s  %.2f M events/s  %.0f s left   ",
                100.0 * done, (double)sim_now(sim) / (double)SIM_PS_PER_S,
                (double)end / (double)SIM_PS_PER_S,
                elapsed > 0 ? (double)sim_events_executed(sim) / elapsed / 1e6 : 0.0, left);
}

/* Runs to `end`; a progress line on stderr when it is a terminal. */
static void run_kernel(struct sim *sim, sim_time_t end, bool progress)
{
        double started = wall_seconds(), last_draw = started;
        sim_time_t slice = end / RUN_SLICES ? end / RUN_SLICES : end;
        for (sim_time_t t = 0; t < end;) {
                t = end - t > slice ? t + slice : end;
                if (sim_run_until(sim, t) != 0)
                        break;
                if (progress && wall_seconds() - last_draw > 0.25) {
                        draw_progress(sim, end, started);
                        last_draw = wall_seconds();
                }
        }
        if (progress && last_draw != started)
                fputs("\r\033[K", stderr);
}

static int write_outputs(const struct run_options *o, const struct scenario *scenario,
                         const struct run_info *info, const struct results *results,
                         const struct requirement_outcome *outcomes)
{
        char figures_dir[OUTPUT_PATH_MAX];
        snprintf(figures_dir, sizeof figures_dir, "%s/figures", o->out_dir);
        int err = output_make_dirs(figures_dir);
        if (err) {
                fprintf(stderr, "mosaic: cannot create %s: %s\n", figures_dir, strerror(-err));
                return CLI_INTERNAL;
        }
        struct {
                const char *name;
                int err;
        } written[] = {
                { "summary.json",
                  report_write_summary(o->out_dir, scenario, info, results, outcomes) },
                { "tasks.csv", report_write_tasks_csv(o->out_dir, scenario, results) },
                { "cores.csv", report_write_cores_csv(o->out_dir, scenario, results) },
                { "memory.csv", report_write_memory_csv(o->out_dir, scenario, results) },
                { "irq.csv", report_write_irq_csv(o->out_dir, scenario, results) },
                { "junit.xml", report_write_junit(o->out_dir, scenario, outcomes) },
                { "run.json", report_write_run(o->out_dir, info) },
        };
        for (size_t i = 0; i < sizeof written / sizeof written[0]; i++) {
                if (written[i].err) {
                        fprintf(stderr, "mosaic: cannot write %s/%s: %s\n", o->out_dir,
                                written[i].name, strerror(-written[i].err));
                        return CLI_INTERNAL;
                }
        }
        if (!o->figures)
                return CLI_OK;
        err = figures_response_times(figures_dir, scenario, results);
        if (err == -ENOENT) {
                fprintf(stderr, "mosaic: warning: gnuplot not found, no figures drawn "
                                "(scripts/install-deps.sh installs it)\n");
        } else if (err) {
                fprintf(stderr, "mosaic: cannot draw figures in %s: %s\n", figures_dir,
                        strerror(-err));
                return CLI_INTERNAL;
        }
        return CLI_OK;
}

/* The trace files of a run: DIR/trace.json and DIR/trace.btf, each written while the run goes
 * (the writers subscribe to the sink) and renamed into place when it ends. The scenario's
 * cause-effect chains are measured from the same events (analysis/chains.h), so a scenario
 * with chains has a sink even without trace files; without chains or files there is none and
 * the models' trace calls cost one check each. */
struct run_traces {
        struct trace_sink *sink; /* NULL: no tracing */
        struct output_file chrome_file, btf_file;
        struct trace_chrome chrome;
        struct trace_btf btf;
        bool chrome_open, btf_open;
        struct chain_spec *chain_specs; /* one per scenario chain */
        struct chain_stage *chain_stages;
        struct chain_tracker *chains;
};

/* The chain tracker over the scenario's chains, creating the chain/<name> metrics (after the
 * platform's, so that the summary keeps its order) and subscribed before the first event. */
static int traces_track_chains(struct run_traces *t, const struct scenario *scenario,
                               struct metrics *metrics)
{
        size_t stage_total = 0, next = 0;
        int err;

        if (scenario->chain_count == 0)
                return 0;
        for (size_t i = 0; i < scenario->chain_count; i++)
                stage_total += scenario->chains[i].stage_count;
        t->chain_specs = calloc(scenario->chain_count, sizeof(*t->chain_specs));
        t->chain_stages = calloc(stage_total, sizeof(*t->chain_stages));
        if (!t->chain_specs || !t->chain_stages)
                return -ENOMEM;
        for (size_t i = 0; i < scenario->chain_count; i++) {
                const struct chain_config *c = &scenario->chains[i];
                t->chain_specs[i] = (struct chain_spec){ .name = c->name,
                                                         .stage_count = c->stage_count,
                                                         .stages = &t->chain_stages[next] };
                for (size_t k = 0; k < c->stage_count; k++)
                        t->chain_stages[next++] = (struct chain_stage){ .os = c->stages[k].os,
                                                                        .task = c->stages[k].task };
        }
        err = chain_tracker_create(t->chain_specs, scenario->chain_count, metrics, &t->chains);
        return err ? err : chain_tracker_subscribe(t->chains, t->sink);
}

static int traces_open(struct run_traces *t, const struct run_options *o,
                       const struct scenario *scenario)
{
        int err;
        memset(t, 0, sizeof *t);
        if (!o->trace_chrome && !o->trace_btf && scenario->chain_count == 0)
                return 0;
        t->sink = trace_sink_create();
        if (!t->sink)
                return -ENOMEM;
        if (!o->trace_chrome && !o->trace_btf)
                return 0;
        err = output_make_dirs(o->out_dir);
        if (!err && o->trace_chrome) {
                err = output_file_open(&t->chrome_file, o->out_dir, "trace.json");
                t->chrome_open = err == 0;
                if (!err)
                        err = trace_chrome_start(&t->chrome, t->sink, t->chrome_file.stream);
        }
        if (!err && o->trace_btf) {
                err = output_file_open(&t->btf_file, o->out_dir, "trace.btf");
                t->btf_open = err == 0;
                if (!err)
                        err = trace_btf_start(&t->btf, t->sink, t->btf_file.stream, scenario->name);
        }
        return err;
}

/* Commit the files (commit true, after a whole run) or remove them; 0 or a negative errno. */
static int traces_close(struct run_traces *t, sim_time_t end, bool commit)
{
        int err = 0, e;
        if (commit)
                trace_sink_close(t->sink, end);
        if (t->chrome_open) {
                e = trace_chrome_finish(&t->chrome, t->sink);
                err = err ? err : e;
                if (commit && !err)
                        err = output_file_commit(&t->chrome_file);
                else
                        output_file_abort(&t->chrome_file);
        }
        if (t->btf_open) {
                e = trace_btf_finish(&t->btf);
                err = err ? err : e;
                if (commit && !err)
                        err = output_file_commit(&t->btf_file);
                else
                        output_file_abort(&t->btf_file);
        }
        if (!err && t->chains)
                err = chain_tracker_error(t->chains);
        chain_tracker_destroy(t->chains);
        free(t->chain_specs);
        free(t->chain_stages);
        trace_sink_destroy(t->sink);
        memset(t, 0, sizeof *t);
        return err;
}

static int report_requirements(const struct scenario *scenario,
                               const struct requirement_outcome *outcomes, bool quiet)
{
        size_t failed = requirements_failed(scenario, outcomes);
        for (size_t i = 0; !quiet && i < scenario->requirement_count; i++)
                printf("%s  %s\n", outcomes[i].passed ? "PASS" : "FAIL", outcomes[i].message);
        if (failed) {
                fprintf(stderr, "mosaic: %zu of %zu requirements failed\n", failed,
                        scenario->requirement_count);
                return CLI_REQUIREMENT_FAILED;
        }
        return CLI_OK;
}

/* Mean response time (ps; 0 when no job completed) of every task of OS `os_index` in a run of
 * `scenario` in which only that OS has tasks, and of them only task `task` (SIZE_MAX: all of
 * them). `means` has one entry per task of the OS; entries of removed tasks are left alone.
 * 0 or a negative errno. */
/* The ISRs of OS `os` in a run that keeps only its task `task` (SIZE_MAX: all; `none`: no
 * task at all): copies whose `activates` index the kept tasks. */
static struct isr_config *alone_isrs(const struct os_config *os, bool none, size_t task)
{
        struct isr_config *isrs = calloc(os->isr_count ? os->isr_count : 1, sizeof(*isrs));

        for (size_t i = 0; isrs != NULL && i < os->isr_count; i++) {
                size_t activates = os->isrs[i].activates;

                isrs[i] = os->isrs[i];
                if (none || (task != SIZE_MAX && activates != task))
                        isrs[i].activates = SIZE_MAX;
                else if (task != SIZE_MAX)
                        isrs[i].activates = 0;
        }
        return isrs;
}

static int alone_mean_responses(const struct scenario *scenario, size_t os_index, size_t task,
                                double *means)
{
        struct os_config *oses = calloc(scenario->os_count, sizeof(*oses));
        struct isr_config **isrs = calloc(scenario->os_count, sizeof(*isrs));
        struct metrics *metrics = metrics_create();
        struct sim *sim = sim_create(NULL);
        struct platform *platform = NULL;
        int err = -ENOMEM;

        if (oses != NULL && isrs != NULL && metrics != NULL && sim != NULL) {
                struct scenario alone = *scenario;

                err = 0;
                for (size_t i = 0; i < scenario->os_count; i++) {
                        oses[i] = scenario->oses[i];
                        if (i != os_index) {
                                oses[i].task_count = 0;
                        } else if (task != SIZE_MAX) {
                                oses[i].task_count = 1;
                                oses[i].tasks = &scenario->oses[i].tasks[task];
                        }
                        isrs[i] = alone_isrs(&scenario->oses[i], i != os_index, task);
                        oses[i].isrs = isrs[i];
                        if (isrs[i] == NULL)
                                err = -ENOMEM;
                }
                alone.oses = oses;
                alone.requirement_count = 0;
                if (err == 0)
                        err = platform_build(&alone, sim, metrics, &platform);
                if (err == 0 && sim_run_until(sim, scenario->run.duration_ps) != 0)
                        err = -ENOMEM;
                if (err == 0)
                        err = platform_error(platform);
                if (err == 0) {
                        platform_finish(platform, sim_now(sim));
                        for (size_t t = 0; t < oses[os_index].task_count; t++) {
                                char entity[512];
                                const struct metric *rt;

                                (void)scenario_task_entity(entity, sizeof(entity), &alone, os_index,
                                                           t);
                                rt = metrics_find(metrics, entity, "response_time");
                                means[task == SIZE_MAX ? t : task] =
                                    rt != NULL && rt->histogram.count > 0
                                        ? histogram_mean(&rt->histogram)
                                        : 0.0;
                        }
                }
        }
        if (platform)
                platform_destroy(platform);
        if (sim)
                sim_destroy(sim);
        if (metrics)
                metrics_destroy(metrics);
        for (size_t i = 0; isrs != NULL && i < scenario->os_count; i++)
                free(isrs[i]);
        free(isrs);
        free(oses);
        return err;
}

/* Set gauge `name` of task `t` of OS `i` to its mean response time over `reference` (0 when
 * either run completed no job). 0 or -ENOMEM. */
static int set_slowdown(const struct scenario *scenario, struct metrics *metrics, size_t i,
                        size_t t, const char *name, double reference)
{
        char entity[512];
        const struct metric *rt;
        struct metric *gauge;

        (void)scenario_task_entity(entity, sizeof(entity), scenario, i, t);
        rt = metrics_find(metrics, entity, "response_time");
        gauge = metrics_gauge(metrics, entity, name, METRIC_UNIT_NONE);
        if (gauge == NULL)
                return -ENOMEM;
        if (rt != NULL && rt->histogram.count > 0 && reference > 0.0)
                metric_set(gauge, histogram_mean(&rt->histogram) / reference);
        return 0;
}

/*
 * run.slowdown_reference: two gauges per task, each its mean response time over the mean of
 * a reference run on the same platform with the same hypervisor and OS configuration:
 *   slowdown            the task alone (every other task removed): what all the others
 *                       cost it (memory interference, preemption in its own OS, other VMs);
 *   isolation_slowdown  its own OS or VM alone (the other OSes' and VMs' tasks removed): what
 *                       consolidation costs it, with its own OS's scheduling as in the run.
 * A VM without tasks keeps its vCPUs and its policy parameters (ARINC 653 windows stay
 * reserved), so the references differ from the run only by the removed work.
 */
static int solo_references(const struct scenario *scenario, struct metrics *metrics)
{
        for (size_t i = 0; i < scenario->os_count; i++) {
                size_t count = scenario->oses[i].task_count;
                double *alone = calloc(count ? count : 1, sizeof(*alone));
                double *own_os = calloc(count ? count : 1, sizeof(*own_os));
                int err = alone == NULL || own_os == NULL ? -ENOMEM : 0;

                if (err == 0 && count > 0)
                        err = alone_mean_responses(scenario, i, SIZE_MAX, own_os);
                for (size_t t = 0; err == 0 && t < count; t++)
                        err = alone_mean_responses(scenario, i, t, alone);
                for (size_t t = 0; err == 0 && t < count; t++) {
                        err = set_slowdown(scenario, metrics, i, t, "slowdown", alone[t]);
                        if (err == 0)
                                err = set_slowdown(scenario, metrics, i, t, "isolation_slowdown",
                                                   own_os[t]);
                }
                free(alone);
                free(own_os);
                if (err != 0)
                        return err;
        }
        return 0;
}

static int simulate(const struct run_options *o, const struct scenario *scenario)
{
        int status = CLI_INTERNAL;
        struct metrics *metrics = metrics_create();
        struct sim *sim = sim_create(o->systemc ? &sim_backend_systemc : NULL);
        struct platform *platform = NULL;
        struct results results = { 0, NULL };
        struct requirement_outcome *outcomes = NULL;
        struct run_traces traces;
        int err = traces_open(&traces, o, scenario);
        if (err) {
                fprintf(stderr, "mosaic: cannot write the traces in %s: %s\n", o->out_dir,
                        strerror(-err));
                goto out;
        }
        if (!metrics || !sim) {
                fputs("mosaic: out of memory\n", stderr);
                goto out;
        }
        err = platform_build_traced(scenario, sim, metrics, traces.sink, &platform);
        if (err) {
                fprintf(stderr, "mosaic: %s: cannot build the platform: %s\n", scenario->file,
                        strerror(-err));
                status = err == -EINVAL ? CLI_BAD_INPUT : CLI_INTERNAL;
                goto out;
        }
        err = traces_track_chains(&traces, scenario, metrics);
        if (err) {
                fprintf(stderr, "mosaic: cannot measure the chains: %s\n", strerror(-err));
                goto out;
        }
        double started = wall_seconds();
        run_kernel(sim, scenario->run.duration_ps, !o->quiet && isatty(STDERR_FILENO));
        err = platform_error(platform);
        if (err) {
                fprintf(stderr, "mosaic: the run stopped at %.6g s: %s\n",
                        (double)sim_now(sim) / (double)SIM_PS_PER_S, strerror(-err));
                goto out;
        }
        platform_finish(platform, sim_now(sim));
        if (scenario->run.slowdown_reference) {
                err = solo_references(scenario, metrics);
                if (err) {
                        fprintf(stderr, "mosaic: the solo reference runs failed: %s\n",
                                strerror(-err));
                        goto out;
                }
        }
        err = traces_close(&traces, sim_now(sim), true);
        if (err) {
                fprintf(stderr, "mosaic: cannot write the traces in %s: %s\n", o->out_dir,
                        strerror(-err));
                goto out;
        }
        struct run_info info = { sim_backend_name(sim), sim_now(sim), sim_events_executed(sim),
                                 wall_seconds() - started };
        if (results_collect(metrics, &results) != 0 ||
            !(outcomes = requirements_check(scenario, &results))) {
                fputs("mosaic: out of memory\n", stderr);
                goto out;
        }
        status = write_outputs(o, scenario, &info, &results, outcomes);
        if (status != CLI_OK)
                goto out;
        if (!o->quiet)
                printf("%s: simulated %.6g s, %llu events in %.3f s; results in %s/\n",
                       scenario->name, (double)info.simulated_ps / (double)SIM_PS_PER_S,
                       (unsigned long long)info.events, info.wall_seconds, o->out_dir);
        status = report_requirements(scenario, outcomes, o->quiet);
out:
        free(outcomes);
        results_free(&results);
        if (platform)
                platform_destroy(platform);
        (void)traces_close(&traces, 0, false); /* after the models that hold the sink */
        if (sim)
                sim_destroy(sim);
        if (metrics)
                metrics_destroy(metrics);
        return status;
}

struct simulation {
        const struct run_options *options;
        const struct scenario *scenario;
};

/* simulate() as the body that sim_systemc_run_main runs inside SystemC's sc_main. */
static int simulate_in_systemc(void *arg)
{
        const struct simulation *run = arg;
        return simulate(run->options, run->scenario);
}

int cli_run(int argc, char **argv)
{
        struct run_options o;
        int status = parse_options(argc, argv, &o);
        if (status != CLI_OK)
                return status;
        struct scenario scenario;
        status = cli_load_scenario(o.scenario_path, &scenario);
        if (status != CLI_OK)
                return status;
        /* Command-line overrides, applied before the scenario becomes read-only. */
        if (o.has_seed)
                scenario.run.seed = o.seed;
        if (o.has_duration)
                scenario.run.duration_ps = o.duration_ps;
        if (o.has_fidelity)
                scenario.run.fidelity = o.fidelity;
        if (o.solo_reference)
                scenario.run.slowdown_reference = true;
        struct simulation run = { &o, &scenario };
        status =
            o.systemc ? sim_systemc_run_main(simulate_in_systemc, &run) : simulate(&o, &scenario);
        scenario_free(&scenario);
        return status;
}
