/*
 * results: the values a run reports, derived from the metrics registry.
 *
 * Every metric becomes one or more named values under its entity: a counter is an integer, a
 * gauge a real, and a histogram expands into <name>_min, _mean, _p50, _p90, _p99, _p999 and
 * _max (and <name>_samples), each suffixed with the display unit: picosecond histograms are
 * reported in microseconds ("response_time_p99_us"). A histogram without samples reports its
 * statistics as absent (JSON null), never as zero. The order is the registry's creation order,
 * so files built from it are byte-identical across runs.
 */
#ifndef MOSAIC_ANALYSIS_RESULTS_H
#define MOSAIC_ANALYSIS_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/metrics.h"

#define RESULT_NAME_MAX 96

enum result_type { RESULT_INTEGER, RESULT_REAL, RESULT_ABSENT };

struct result_value {
        const char *entity; /* points into the registry */
        char name[RESULT_NAME_MAX];
        enum result_type type;
        uint64_t integer;
        double real;
};

struct results {
        size_t count;
        struct result_value *values;
};

/* 0 or -ENOMEM. */
int results_collect(const struct metrics *metrics, struct results *out);
void results_free(struct results *results);

/* The value of `entity`/`name`, NULL if there is none. */
const struct result_value *results_find(const struct results *results, const char *entity,
                                        const char *name);
/* The value as a double; false when it is absent. */
bool result_as_double(const struct result_value *value, double *out);

#endif
