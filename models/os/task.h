/*
 * task: the workload of one task, as a generator of jobs (activation, release, demand).
 *
 * Activations: a periodic task is activated at offset + k*period (k = 0, 1, ...); a sporadic
 * task first at offset, then each activation follows the previous one by an inter-arrival
 * drawn uniformly in [period_ps, max_interarrival_ps] (picosecond integers). Every job is
 * released at its activation plus a release jitter drawn uniformly in [0, jitter_ps] (no draw
 * when jitter_ps is 0), for both kinds. Releases of one task stay in activation order: a drawn
 * release earlier than the previous job's release is held back to it (only possible when
 * jitter_ps exceeds the minimum inter-arrival).
 *
 * Demand: execution cycles per job by the demand_config: fixed (max_cycles), uniform integer in
 * [min_cycles, max_cycles], or normal(mean_cycles, stddev_cycles) rounded to the nearest
 * integer and truncated to [min_cycles, max_cycles] by rejection (redrawn while outside); after
 * TASK_NORMAL_MAX_DRAWS rejections in a row the last draw is clamped into the range, so a
 * range lying far out in a tail cannot stall the run.
 *
 * Random streams (rng_init_named under the scenario seed): "os/<os>/task/<task>/arrival" for
 * release jitter and sporadic inter-arrivals, "os/<os>/task/<task>/demand" for demands. With
 * two streams, the release times of a task do not depend on how many demand draws were made,
 * and the reverse. The generator has no notion of simulated time; the guest OS schedules the
 * releases it produces.
 */
#ifndef MOSAIC_OS_TASK_H
#define MOSAIC_OS_TASK_H

#include <stdint.h>

#include "sim/rng.h"
#include "sim/scenario.h"
#include "sim/sim.h"

#define TASK_NORMAL_MAX_DRAWS 64

struct task_release {
        sim_time_t activation_ps;
        sim_time_t release_ps;
};

struct task {
        const struct task_config *config;
        struct rng arrival_rng;
        struct rng demand_rng;
        uint64_t activation_index;     /* periodic: k of the next activation */
        sim_time_t next_activation_ps; /* the next activation (SIM_TIME_MAX past the horizon) */
        sim_time_t last_release_ps;
};

/* Initialise the generator of `config` (which must outlive it) in OS `os_name`: 0 or
 * -ENOMEM. */
int task_init(struct task *task, const struct task_config *config, const char *os_name,
              uint64_t seed);

/* The next job's activation and release times; saturates at SIM_TIME_MAX. */
void task_next_release(struct task *task, struct task_release *out);

/* The execution demand of a new job, in cycles. */
uint64_t task_draw_demand(struct task *task);

#endif
