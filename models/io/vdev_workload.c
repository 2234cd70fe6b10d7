/* vdev_workload: periodic, Poisson or closed-loop request generator (see the header). */
#include "models/io/vdev_workload.h"

#include <errno.h>
#include <math.h>

static bool exhausted(const struct vdev_workload *w)
{
        const struct vdev_workload_config *c = w->config;

        return (c->count != 0 && w->issued >= c->count) ||
               (c->stop_ps != 0 && sim_now(w->v->sim) >= c->stop_ps);
}

static uint64_t next_address(struct vdev_workload *w)
{
        const struct vdev_workload_config *c = w->config;
        uint64_t slots = c->address_span / c->address_step;
        uint64_t k;

        if (c->pattern == VDEV_PATTERN_RANDOM) {
                k = rng_range(&w->rng, 0, slots - 1u);
        } else {
                k = w->next_offset;
                w->next_offset = (w->next_offset + 1u) % slots;
        }
        return c->address_base + k * c->address_step;
}

static void next_io(struct vdev_workload *w, struct vdev_io *io)
{
        const struct vdev_workload_config *c = w->config;

        *io = (struct vdev_io){ .bytes = c->bytes, .flags = c->flags };
        io->op = c->read_permille >= 1000 || rng_range(&w->rng, 0, 999) < c->read_permille
                     ? c->op_read
                     : c->op_write;
        io->address = next_address(w);
        w->issued++;
}

static void issue(struct vdev_workload *w)
{
        struct vdev_io io;

        next_io(w, &io);
        (void)vdev_submit(w->v, &io);
}

bool vdev_workload_take(struct vdev_workload *w, struct vdev_io *io)
{
        if (exhausted(w))
                return false;
        next_io(w, io);
        return true;
}

static sim_time_t gap(struct vdev_workload *w)
{
        const struct vdev_workload_config *c = w->config;
        double g;

        if (c->arrival == VDEV_ARRIVAL_PERIODIC)
                return c->interval_ps;
        g = rng_exponential(&w->rng, (double)c->interval_ps);
        return g < 1.0 ? 1 : (sim_time_t)llround(g);
}

static void open_arrival(struct sim *sim, void *arg)
{
        struct vdev_workload *w = arg;

        if (exhausted(w))
                return;
        issue(w);
        sim_schedule_in(sim, gap(w), open_arrival, w);
}

static void closed_arrival(struct sim *sim, void *arg)
{
        struct vdev_workload *w = arg;

        (void)sim;
        if (!exhausted(w))
                issue(w);
}

static void on_complete(void *ctx, struct vdev *v, const struct vdev_io *io, int status,
                        sim_time_t end_ps)
{
        struct vdev_workload *w = ctx;

        w->completed++;
        if (status != 0)
                w->errors++;
        if (w->config->arrival == VDEV_ARRIVAL_CLOSED)
                sim_schedule(v->sim, end_ps + w->config->think_ps, closed_arrival, w);
        if (w->config->observer != NULL)
                w->config->observer(w->config->observer_ctx, v, io, status, end_ps);
}

int vdev_workload_start(struct vdev_workload *w, const struct vdev_workload_config *config,
                        struct vdev *v)
{
        *w = (struct vdev_workload){ .config = config, .v = v };
        if (config->name == NULL || config->address_step == 0 ||
            config->address_span < config->address_step ||
            ((config->arrival == VDEV_ARRIVAL_PERIODIC ||
              config->arrival == VDEV_ARRIVAL_POISSON) &&
             config->interval_ps == 0) ||
            (config->arrival == VDEV_ARRIVAL_CLOSED && config->queue_depth == 0))
                return -EINVAL;
        rng_init_named(&w->rng, config->seed, config->name);
        vdev_set_completion(v, on_complete, w);
        if (config->arrival == VDEV_ARRIVAL_CLOSED) {
                for (uint32_t i = 0; i < config->queue_depth; i++)
                        sim_schedule(v->sim, config->start_ps, closed_arrival, w);
        } else if (config->arrival != VDEV_ARRIVAL_TASK) {
                sim_schedule(v->sim, config->start_ps, open_arrival, w);
        }
        return 0;
}
