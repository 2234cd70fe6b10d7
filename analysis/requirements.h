/*
 * requirements: checking a scenario's stated limits against the results of its run.
 *
 * Each requirement names a value (entity path + "/" + value name, as in summary.json) and a
 * bound: `max` (value <= max) and/or `min` (value >= min). A value without samples (a task that
 * never completed) fails, since nothing shows the limit holds. The JUnit XML report has one
 * testsuite named after the scenario and one testcase per requirement, so CI systems show each
 * check by name.
 */
#ifndef MOSAIC_ANALYSIS_REQUIREMENTS_H
#define MOSAIC_ANALYSIS_REQUIREMENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "analysis/results.h"
#include "sim/scenario.h"

struct requirement_outcome {
        const struct requirement_config *requirement;
        bool passed;
        bool has_value;
        double value;
        char message[256]; /* "1234.5 <= 300 is false", "no samples" */
};

/* One outcome per requirement, in scenario order; NULL on no memory (count 0: non-NULL). */
struct requirement_outcome *requirements_check(const struct scenario *scenario,
                                               const struct results *results);
size_t requirements_failed(const struct scenario *scenario,
                           const struct requirement_outcome *outcomes);
void requirements_write_junit(FILE *out, const struct scenario *scenario,
                              const struct requirement_outcome *outcomes);

#endif
