/*
 * platform: builds the models of a scenario and wires them together.
 *
 * platform_build() instantiates the cores, operating systems and tasks of a validated
 * scenario on a kernel, creates their metrics in the registry (in scenario order, so outputs
 * are stable) and schedules the first events. The caller then runs the kernel to the scenario's
 * duration and calls platform_finish(), which closes the books at the end time (utilisation,
 * jobs still pending past their deadline). The platform keeps pointers into the scenario, which
 * must outlive it. It opens no file and prints nothing.
 *
 * Metrics created (entity / name):
 *   os/<os>/task/<task>  activations, completions, deadline_misses, preemptions (counters),
 *                        response_time (histogram, ps)
 *   core/<core>          utilisation (gauge, ratio: busy time, context switches included,
 *                        over simulated time), context_switches (counter)
 */
#ifndef MOSAIC_MODELS_PLATFORM_H
#define MOSAIC_MODELS_PLATFORM_H

#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

struct platform;

/* 0, -ENOMEM or -EINVAL (a configuration the models cannot run; the loader should have caught
 * it). On error nothing is left allocated. */
int platform_build(const struct scenario *scenario, struct sim *sim, struct metrics *metrics,
                   struct platform **out);
/* Close the books at `end` (normally sim_now after the run). */
void platform_finish(struct platform *platform, sim_time_t end);
void platform_destroy(struct platform *platform);
/* 0, or the first error a model met while running (-ENOMEM); the models then stopped the
 * kernel, so the run's results are incomplete. */
int platform_error(const struct platform *platform);

#endif
