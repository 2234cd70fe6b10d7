#include "analysis/results.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct histogram_field {
        const char *suffix;
        double percentile; /* < 0: not a percentile */
};

/* Negative markers select min, mean and max instead of a percentile. */
#define FIELD_MIN  (-1.0)
#define FIELD_MEAN (-2.0)
#define FIELD_MAX  (-3.0)

static const struct histogram_field histogram_fields[] = {
        { "min", FIELD_MIN }, { "mean", FIELD_MEAN }, { "p50", 50.0 },      { "p90", 90.0 },
        { "p99", 99.0 },      { "p999", 99.9 },       { "max", FIELD_MAX },
};
#define HISTOGRAM_FIELDS (sizeof histogram_fields / sizeof histogram_fields[0])

static const char *unit_suffix(enum metric_unit unit)
{
        return unit == METRIC_UNIT_PS ? "_us" : "";
}

static double unit_scale(enum metric_unit unit)
{
        return unit == METRIC_UNIT_PS ? 1e-6 : 1.0;
}

static double histogram_field_value(const struct histogram *h, double which)
{
        if (which == FIELD_MIN)
                return (double)h->min;
        if (which == FIELD_MAX)
                return (double)h->max;
        if (which == FIELD_MEAN)
                return histogram_mean(h);
        return (double)histogram_percentile(h, which);
}

static struct result_value *append(struct results *r, const struct metric *m)
{
        struct result_value *v = &r->values[r->count++];
        memset(v, 0, sizeof *v);
        v->entity = m->entity;
        return v;
}

static void collect_histogram(struct results *r, const struct metric *m)
{
        const struct histogram *h = &m->histogram;
        struct result_value *v = append(r, m);
        snprintf(v->name, sizeof v->name, "%s_samples", m->name);
        v->type = RESULT_INTEGER;
        v->integer = h->count;
        for (size_t i = 0; i < HISTOGRAM_FIELDS; i++) {
                v = append(r, m);
                snprintf(v->name, sizeof v->name, "%s_%s%s", m->name, histogram_fields[i].suffix,
                         unit_suffix(m->unit));
                if (h->count == 0) {
                        v->type = RESULT_ABSENT;
                        continue;
                }
                v->type = RESULT_REAL;
                v->real =
                    histogram_field_value(h, histogram_fields[i].percentile) * unit_scale(m->unit);
        }
}

int results_collect(const struct metrics *metrics, struct results *out)
{
        size_t n = metrics_count(metrics);
        out->count = 0;
        out->values = calloc(n * (HISTOGRAM_FIELDS + 1) + 1, sizeof *out->values);
        if (!out->values)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++) {
                const struct metric *m = metrics_at(metrics, i);
                struct result_value *v;
                switch (m->kind) {
                case METRIC_COUNTER:
                        v = append(out, m);
                        snprintf(v->name, sizeof v->name, "%s", m->name);
                        v->type = RESULT_INTEGER;
                        v->integer = m->counter;
                        break;
                case METRIC_GAUGE:
                        v = append(out, m);
                        snprintf(v->name, sizeof v->name, "%s%s", m->name, unit_suffix(m->unit));
                        v->type = RESULT_REAL;
                        v->real = m->gauge * unit_scale(m->unit);
                        break;
                case METRIC_HISTOGRAM:
                        collect_histogram(out, m);
                        break;
                }
        }
        return 0;
}

void results_free(struct results *results)
{
        free(results->values);
        results->values = NULL;
        results->count = 0;
}

const struct result_value *results_find(const struct results *results, const char *entity,
                                        const char *name)
{
        for (size_t i = 0; i < results->count; i++) {
                const struct result_value *v = &results->values[i];
                if (strcmp(v->entity, entity) == 0 && strcmp(v->name, name) == 0)
                        return v;
        }
        return NULL;
}

bool result_as_double(const struct result_value *value, double *out)
{
        switch (value->type) {
        case RESULT_INTEGER:
                *out = (double)value->integer;
                return true;
        case RESULT_REAL:
                *out = value->real;
                return true;
        case RESULT_ABSENT:
                break;
        }
        return false;
}
