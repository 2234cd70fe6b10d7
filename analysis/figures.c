#include "analysis/figures.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "analysis/output_file.h"
#include "analysis/report.h"

extern char **environ;

static double value_or_zero(const struct results *results, const char *entity, const char *name)
{
        double v = 0.0;
        const struct result_value *rv = results_find(results, entity, name);
        if (rv)
                (void)result_as_double(rv, &v);
        return v;
}

/* One row per task with samples; returns the number of rows, or a negative errno. */
static int write_data(const char *dir, const struct scenario *scenario,
                      const struct results *results, double *lo, double *hi)
{
        struct output_file file;
        int err = output_file_open(&file, dir, "response_times.dat");
        if (err)
                return err;
        fputs("# index\tlabel\tmin_us\tp50_us\tp99_us\tmax_us\tmean_us\tdeadline_us\n",
              file.stream);
        int rows = 0;
        *lo = 0.0;
        *hi = 0.0;
        for (size_t o = 0; o < scenario->os_count; o++) {
                const struct os_config *os = &scenario->oses[o];
                for (size_t t = 0; t < os->task_count; t++) {
                        char entity[512];
                        scenario_task_entity(entity, sizeof entity, scenario, o, t);
                        const struct result_value *n =
                            results_find(results, entity, "response_time_samples");
                        if (!n || n->integer == 0)
                                continue;
                        double min = value_or_zero(results, entity, "response_time_min_us");
                        double max = value_or_zero(results, entity, "response_time_max_us");
                        double deadline = (double)os->tasks[t].deadline_ps / (double)SIM_PS_PER_US;
                        fprintf(file.stream, "%d\t%s/%s\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\t%.6f\n",
                                rows, os->name, os->tasks[t].name, min,
                                value_or_zero(results, entity, "response_time_p50_us"),
                                value_or_zero(results, entity, "response_time_p99_us"), max,
                                value_or_zero(results, entity, "response_time_mean_us"), deadline);
                        if (rows == 0 || min < *lo)
                                *lo = min;
                        if (max > *hi)
                                *hi = max;
                        if (deadline > *hi)
                                *hi = deadline;
                        rows++;
                }
        }
        if (ferror(file.stream)) {
                output_file_abort(&file);
                return -EIO;
        }
        err = output_file_commit(&file);
        return err ? err : rows;
}

static void write_plot(FILE *out, const char *terminal, const char *output, bool log_scale)
{
        fprintf(out, "set terminal %s\nset output '%s'\n", terminal, output);
        if (log_scale)
                fputs("set logscale y\n", out);
        fputs("plot 'response_times.dat' using 1:4:3:6:5:xticlabels(2) with candlesticks "
              "whiskerbars lc rgb '#1f77b4' title 'p50-p99 box, min-max whiskers', \\\n"
              "     '' using 1:7 with points pt 7 ps 0.8 lc rgb '#d62728' title 'mean', \\\n"
              "     '' using 1:8 with points pt 2 ps 1.2 lc rgb '#2ca02c' title 'deadline'\n"
              "unset output\n",
              out);
}

static int write_script(const char *dir, const struct scenario *scenario, int rows, bool log_scale)
{
        struct output_file file;
        int err = output_file_open(&file, dir, "response_times.gp");
        if (err)
                return err;
        FILE *out = file.stream;
        fputs("# Drawn by mosaic; rerun with `gnuplot response_times.gp` in this folder.\n", out);
        fputs("set encoding utf8\n", out);
        fprintf(out, "set title 'Response times: %s'\n", scenario->name);
        fputs("set ylabel 'response time (us)'\nset grid ytics\nset key inside top left opaque box "
              "vertical\n",
              out);
        fprintf(out, "set xrange [-0.6:%d.6]\nset xtics rotate by -30 nomirror\n", rows - 1);
        fputs("set boxwidth 0.4\nset style fill solid 0.35 border\n", out);
        write_plot(out, "svg size 900,540 dynamic noenhanced background rgb 'white'",
                   ".response_times.svg.tmp", log_scale);
        write_plot(out, "pngcairo size 900,540 noenhanced", ".response_times.png.tmp", log_scale);
        if (ferror(out)) {
                output_file_abort(&file);
                return -EIO;
        }
        return output_file_commit(&file);
}

static int run_gnuplot(const char *dir)
{
        /* gnuplot resolves the data file and outputs against its current directory, which its
         * own `cd` sets; a quote would end gnuplot's string. */
        if (strchr(dir, '\''))
                return -EINVAL;
        char cd[OUTPUT_PATH_MAX + 8];
        snprintf(cd, sizeof cd, "cd '%s'", dir);
        char program[] = "gnuplot", option[] = "-e", script[] = "response_times.gp";
        char *const argv[] = { program, option, cd, script, NULL };
        posix_spawn_file_actions_t actions;
        pid_t pid;
        int status;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        int err = posix_spawnp(&pid, "gnuplot", &actions, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        if (err != 0)
                return -err;
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
                return -ENOENT;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static int publish(const char *dir, const char *temp, const char *name)
{
        char from[OUTPUT_PATH_MAX], to[OUTPUT_PATH_MAX];
        snprintf(from, sizeof from, "%s/%s", dir, temp);
        snprintf(to, sizeof to, "%s/%s", dir, name);
        return rename(from, to) == 0 ? 0 : -errno;
}

int figures_response_times(const char *dir, const struct scenario *scenario,
                           const struct results *results)
{
        double lo, hi;
        int rows = write_data(dir, scenario, results, &lo, &hi);
        if (rows < 0)
                return rows;
        if (rows == 0)
                return 0;
        /* A log axis keeps short and long tasks readable when they differ by orders. */
        bool log_scale = lo > 0.0 && hi / lo > 50.0;
        int err = write_script(dir, scenario, rows, log_scale);
        if (!err)
                err = run_gnuplot(dir);
        if (!err)
                err = publish(dir, ".response_times.svg.tmp", "response_times.svg");
        if (!err)
                err = publish(dir, ".response_times.png.tmp", "response_times.png");
        return err;
}
