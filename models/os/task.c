#include "models/os/task.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sim/text.h"

/* The stream "os/<os>/task/<task>/<suffix>" of the scenario seed. */
static int task_seed_stream(struct rng *rng, uint64_t seed, const char *os_name,
                            const char *task_name, const char *suffix)
{
        char *name = text_format("os/%s/task/%s/%s", os_name, task_name, suffix);
        if (name == NULL)
                return -ENOMEM;
        rng_init_named(rng, seed, name);
        free(name);
        return 0;
}

int task_init(struct task *task, const struct task_config *config, const char *os_name,
              uint64_t seed)
{
        int err;

        *task = (struct task){ .config = config, .next_activation_ps = config->offset_ps };
        err = task_seed_stream(&task->arrival_rng, seed, os_name, config->name, "arrival");
        if (err == 0)
                err = task_seed_stream(&task->demand_rng, seed, os_name, config->name, "demand");
        return err;
}

static sim_time_t task_add_saturating(sim_time_t a, sim_time_t b)
{
        return a > SIM_TIME_MAX - b ? SIM_TIME_MAX : a + b;
}

/* Periodic activations are computed from k, never accumulated, so they cannot drift. */
static sim_time_t task_periodic_activation(const struct task_config *config, uint64_t k)
{
        if (config->period_ps != 0 && k > (SIM_TIME_MAX - config->offset_ps) / config->period_ps)
                return SIM_TIME_MAX;
        return config->offset_ps + k * config->period_ps;
}

void task_next_release(struct task *task, struct task_release *out)
{
        const struct task_config *config = task->config;
        sim_time_t activation = task->next_activation_ps;
        sim_time_t release = activation;

        if (config->jitter_ps > 0)
                release = task_add_saturating(activation,
                                              rng_range(&task->arrival_rng, 0, config->jitter_ps));
        if (release < task->last_release_ps)
                release = task->last_release_ps;
        task->last_release_ps = release;

        if (config->activation == TASK_PERIODIC) {
                task->activation_index++;
                task->next_activation_ps = task_periodic_activation(config, task->activation_index);
        } else {
                sim_time_t gap =
                    rng_range(&task->arrival_rng, config->period_ps, config->max_interarrival_ps);
                task->next_activation_ps = task_add_saturating(activation, gap);
        }
        out->activation_ps = activation;
        out->release_ps = release;
}

static uint64_t task_draw_normal(struct rng *rng, const struct demand_config *demand)
{
        double lo = (double)demand->min_cycles;
        double hi = (double)demand->max_cycles;
        double value = 0.0;

        for (int draw = 0; draw < TASK_NORMAL_MAX_DRAWS; draw++) {
                value = round(rng_normal(rng, demand->mean_cycles, demand->stddev_cycles));
                if (value >= lo && value <= hi)
                        return (uint64_t)value;
        }
        if (value < lo)
                return demand->min_cycles;
        return demand->max_cycles;
}

uint64_t task_draw_demand(struct task *task)
{
        const struct demand_config *demand = &task->config->demand;

        switch (demand->distribution) {
        case DEMAND_UNIFORM:
                return rng_range(&task->demand_rng, demand->min_cycles, demand->max_cycles);
        case DEMAND_NORMAL:
                if (demand->min_cycles == demand->max_cycles)
                        return demand->max_cycles;
                return task_draw_normal(&task->demand_rng, demand);
        case DEMAND_FIXED:
        default:
                return demand->max_cycles;
        }
}
