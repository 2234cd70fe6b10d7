/*
 * metrics: the registry through which models publish what they measure.
 *
 * A metric is named by an entity path ("os/rtos/task/brake", "core/cpu0") and a metric name
 * ("response_time", "activations"). Models create their metrics at build time and update them
 * while running; outputs (summary.json, CSV) walk the registry in creation order, so the same
 * scenario always produces the same file. A model never writes a file: cli/ and analysis/ read
 * the registry after the run.
 *
 * Kinds: a counter (uint64), a gauge (a double set at the end of a run, such as utilisation)
 * and a histogram of values in a unit (usually picoseconds). Names are copied.
 */
#ifndef MOSAIC_SIM_METRICS_H
#define MOSAIC_SIM_METRICS_H

#include <stddef.h>
#include <stdint.h>

#include "sim/stats.h"

enum metric_kind { METRIC_COUNTER, METRIC_GAUGE, METRIC_HISTOGRAM };

/* The unit of a histogram's or gauge's raw values. */
enum metric_unit { METRIC_UNIT_NONE, METRIC_UNIT_PS, METRIC_UNIT_RATIO };

struct metric {
        char *entity;
        char *name;
        enum metric_kind kind;
        enum metric_unit unit;
        uint64_t counter;
        double gauge;
        struct histogram histogram;
};

struct metrics;

struct metrics *metrics_create(void);
void metrics_destroy(struct metrics *m);

/* Create a metric; NULL on no memory or if (entity, name) already exists. Pointers stay valid
 * until metrics_destroy. */
struct metric *metrics_counter(struct metrics *m, const char *entity, const char *name);
struct metric *metrics_gauge(struct metrics *m, const char *entity, const char *name,
                             enum metric_unit unit);
struct metric *metrics_histogram(struct metrics *m, const char *entity, const char *name,
                                 enum metric_unit unit);

static inline void metric_add(struct metric *metric, uint64_t n)
{
        metric->counter += n;
}

static inline void metric_set(struct metric *metric, double value)
{
        metric->gauge = value;
}

/* Record one value into a histogram metric: 0 or -ENOMEM. */
static inline int metric_record(struct metric *metric, uint64_t value)
{
        return histogram_record(&metric->histogram, value);
}

size_t metrics_count(const struct metrics *m);
/* The i-th metric in creation order, NULL past the end. */
const struct metric *metrics_at(const struct metrics *m, size_t i);
const struct metric *metrics_find(const struct metrics *m, const char *entity, const char *name);

#endif
