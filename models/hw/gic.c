#include "models/hw/gic.h"

#include <errno.h>
#include <stdlib.h>

#include "sim/rng.h"
#include "sim/text.h"
#include "sim/trace.h"

/* One core's view: its pending interrupts and their edges, its IRQ line. */
struct gic_cpu {
        struct gic *gic;
        size_t index;
        struct irq_signal signal;
        uint64_t *pending;      /* bit per id */
        sim_time_t *edge_ps;    /* per id: the pending edge */
        struct metric **raised; /* per id, NULL entries: no counter */
        struct metric **merged;
        uint32_t trace_track;
        const char **names; /* per id, traced ones (NULL: no tracing at all) */
        uint64_t *edges;    /* per id: edges so far, the instants' instances */
};

struct gic_timer {
        struct gic *gic;
        struct gic_timer_config config;
        struct rng rng;
        uint64_t index;     /* k of the next edge */
        sim_time_t last_ps; /* the previous edge, for ordering */
        sim_event_id event;
};

struct gic {
        struct sim *sim;
        size_t cpu_count;
        uint32_t irq_limit;
        size_t words; /* of a pending bitmap */
        struct gic_cpu *cpus;
        size_t *spi_target; /* per id (SPIs only meaningful) */
        size_t timer_count;
        struct gic_timer **timers;
        sim_time_t horizon_ps;
        struct trace_sink *trace; /* NULL: no tracing */
        int error;
};

static void gic_free(struct gic *gic)
{
        for (size_t i = 0; gic->cpus != NULL && i < gic->cpu_count; i++) {
                free(gic->cpus[i].pending);
                free(gic->cpus[i].edge_ps);
                free(gic->cpus[i].raised);
                free(gic->cpus[i].merged);
                free(gic->cpus[i].names);
                free(gic->cpus[i].edges);
        }
        for (size_t i = 0; i < gic->timer_count; i++)
                free(gic->timers[i]);
        free(gic->timers);
        free(gic->spi_target);
        free(gic->cpus);
        free(gic);
}

int gic_create(struct sim *sim, size_t cpu_count, uint32_t irq_limit, struct gic **out)
{
        struct gic *gic;

        if (cpu_count == 0 || irq_limit < IRQ_SPI_FIRST || irq_limit > IRQ_ID_LIMIT)
                return -EINVAL;
        gic = calloc(1, sizeof(*gic));
        if (gic == NULL)
                return -ENOMEM;
        *gic = (struct gic){ .sim = sim,
                             .cpu_count = cpu_count,
                             .irq_limit = irq_limit,
                             .words = (irq_limit + 63) / 64 };
        gic->cpus = calloc(cpu_count, sizeof(*gic->cpus));
        gic->spi_target = calloc(irq_limit, sizeof(*gic->spi_target));
        if (gic->cpus == NULL || gic->spi_target == NULL)
                goto err_free;
        for (size_t i = 0; i < cpu_count; i++) {
                struct gic_cpu *cpu = &gic->cpus[i];

                cpu->gic = gic;
                cpu->index = i;
                cpu->pending = calloc(gic->words, sizeof(*cpu->pending));
                cpu->edge_ps = calloc(irq_limit, sizeof(*cpu->edge_ps));
                cpu->raised = calloc(irq_limit, sizeof(*cpu->raised));
                cpu->merged = calloc(irq_limit, sizeof(*cpu->merged));
                if (cpu->pending == NULL || cpu->edge_ps == NULL || cpu->raised == NULL ||
                    cpu->merged == NULL)
                        goto err_free;
        }
        *out = gic;
        return 0;

err_free:
        gic_free(gic);
        return -ENOMEM;
}

void gic_destroy(struct gic *gic)
{
        if (gic == NULL)
                return;
        for (size_t i = 0; i < gic->timer_count; i++) {
                if (gic->timers[i]->event != 0)
                        (void)sim_cancel(gic->sim, gic->timers[i]->event);
        }
        gic_free(gic);
}

void gic_set_signal(struct gic *gic, size_t cpu, struct irq_signal signal)
{
        gic->cpus[cpu].signal = signal;
}

static bool gic_cpu_ack(void *resource, uint32_t *irq, sim_time_t *edge_ps)
{
        struct gic_cpu *cpu = resource;

        for (size_t w = 0; w < cpu->gic->words; w++) {
                uint64_t bits = cpu->pending[w];

                if (bits == 0)
                        continue;
                uint32_t id = (uint32_t)(w * 64 + (size_t)__builtin_ctzll(bits));

                cpu->pending[w] &= ~(1ULL << (id % 64));
                *irq = id;
                *edge_ps = cpu->edge_ps[id];
                return true;
        }
        return false;
}

static const struct irq_cpu_port_ops gic_cpu_port_ops = { .ack = gic_cpu_ack };

struct irq_cpu_port gic_cpu_port(struct gic *gic, size_t cpu)
{
        return (struct irq_cpu_port){ .ops = &gic_cpu_port_ops, .resource = &gic->cpus[cpu] };
}

int gic_route_spi(struct gic *gic, uint32_t irq, size_t cpu)
{
        if (irq < IRQ_SPI_FIRST || irq >= gic->irq_limit || cpu >= gic->cpu_count)
                return -EINVAL;
        gic->spi_target[irq] = cpu;
        return 0;
}

int gic_set_irq_metrics(struct gic *gic, size_t cpu, uint32_t irq, struct metric *raised,
                        struct metric *merged)
{
        if (irq >= gic->irq_limit || cpu >= gic->cpu_count)
                return -EINVAL;
        gic->cpus[cpu].raised[irq] = raised;
        gic->cpus[cpu].merged[irq] = merged;
        return 0;
}

bool gic_pending(const struct gic *gic, size_t cpu, uint32_t irq)
{
        return (gic->cpus[cpu].pending[irq / 64] >> (irq % 64)) & 1;
}

/* An edge on `irq` at `cpu`: pending (or merged with a pending edge), then the line. */
static void gic_edge(struct gic *gic, size_t cpu_index, uint32_t irq)
{
        struct gic_cpu *cpu = &gic->cpus[cpu_index];

        if (cpu->raised[irq] != NULL)
                metric_add(cpu->raised[irq], 1);
        if (trace_on(gic->trace) && cpu->names != NULL && cpu->names[irq] != NULL)
                trace_sink_instant(gic->trace, cpu->trace_track, sim_now(gic->sim), TRACE_IRQ,
                                   cpu->names[irq], cpu->edges[irq]++);
        if (gic_pending(gic, cpu_index, irq)) {
                if (cpu->merged[irq] != NULL)
                        metric_add(cpu->merged[irq], 1);
                return;
        }
        cpu->pending[irq / 64] |= 1ULL << (irq % 64);
        cpu->edge_ps[irq] = sim_now(gic->sim);
        if (cpu->signal.fn != NULL)
                cpu->signal.fn(cpu->signal.arg);
}

int gic_set_trace(struct gic *gic, struct trace_sink *sink, const uint32_t *core_tracks)
{
        gic->trace = sink;
        for (size_t i = 0; sink != NULL && i < gic->cpu_count; i++) {
                struct gic_cpu *cpu = &gic->cpus[i];

                cpu->trace_track = core_tracks[i];
                if (cpu->names != NULL)
                        continue;
                cpu->names = calloc(gic->irq_limit, sizeof(*cpu->names));
                cpu->edges = calloc(gic->irq_limit, sizeof(*cpu->edges));
                if (cpu->names == NULL || cpu->edges == NULL)
                        return -ENOMEM;
        }
        return 0;
}

int gic_name_irq(struct gic *gic, size_t cpu, uint32_t irq, const char *name)
{
        if (irq >= gic->irq_limit || cpu >= gic->cpu_count)
                return -EINVAL;
        if (gic->cpus[cpu].names != NULL)
                gic->cpus[cpu].names[irq] = name;
        return 0;
}

int gic_raise(struct gic *gic, uint32_t irq)
{
        if (irq < IRQ_SPI_FIRST || irq >= gic->irq_limit)
                return -EINVAL;
        gic_edge(gic, gic->spi_target[irq], irq);
        return 0;
}

int gic_raise_ppi(struct gic *gic, size_t cpu, uint32_t irq)
{
        if (irq < IRQ_PPI_FIRST || irq >= IRQ_SPI_FIRST || cpu >= gic->cpu_count)
                return -EINVAL;
        gic_edge(gic, cpu, irq);
        return 0;
}

int gic_send_sgi(struct gic *gic, uint32_t irq, size_t target)
{
        if (irq >= IRQ_PPI_FIRST || target >= gic->cpu_count)
                return -EINVAL;
        gic_edge(gic, target, irq);
        return 0;
}

/* ---- timers ---- */

static sim_time_t gic_add_saturating(sim_time_t a, sim_time_t b)
{
        return a > SIM_TIME_MAX - b ? SIM_TIME_MAX : a + b;
}

/* Edge k: offset + k * period (+ jitter), never before the previous edge. */
static sim_time_t gic_timer_next_edge(struct gic_timer *timer)
{
        const struct gic_timer_config *c = &timer->config;
        sim_time_t edge;

        if (timer->index > (SIM_TIME_MAX - c->offset_ps) / c->period_ps)
                return SIM_TIME_MAX;
        edge = c->offset_ps + timer->index * c->period_ps;
        if (c->jitter_ps > 0)
                edge = gic_add_saturating(edge, rng_range(&timer->rng, 0, c->jitter_ps));
        if (edge < timer->last_ps)
                edge = timer->last_ps;
        timer->index++;
        return edge;
}

static void gic_timer_fire(struct sim *sim, void *arg);

static int gic_timer_arm(struct gic_timer *timer)
{
        struct gic *gic = timer->gic;
        sim_time_t edge = gic_timer_next_edge(timer);

        timer->event = 0;
        if (edge >= gic->horizon_ps)
                return 0;
        timer->last_ps = edge;
        timer->event = sim_schedule_prio(gic->sim, edge, SIM_PRIO_HIGH, gic_timer_fire, timer);
        return timer->event == 0 ? -ENOMEM : 0;
}

static void gic_timer_fire(struct sim *sim, void *arg)
{
        struct gic_timer *timer = arg;
        struct gic *gic = timer->gic;
        uint32_t irq = timer->config.irq;

        timer->event = 0;
        if (irq >= IRQ_SPI_FIRST)
                gic_edge(gic, gic->spi_target[irq], irq);
        else
                gic_edge(gic, timer->config.cpu, irq);
        if (gic_timer_arm(timer) != 0) {
                gic->error = -ENOMEM;
                sim_stop(sim);
        }
}

int gic_add_timer(struct gic *gic, const struct gic_timer_config *config)
{
        struct gic_timer **timers;
        struct gic_timer *timer;
        char *stream;

        if (config->period_ps == 0 || config->irq < IRQ_PPI_FIRST ||
            config->irq >= gic->irq_limit || config->cpu >= gic->cpu_count)
                return -EINVAL;
        timers = realloc(gic->timers, (gic->timer_count + 1) * sizeof(*timers));
        if (timers == NULL)
                return -ENOMEM;
        gic->timers = timers;
        timer = calloc(1, sizeof(*timer));
        stream = text_format("irq/%s", config->name != NULL ? config->name : "timer");
        if (timer == NULL || stream == NULL) {
                free(timer);
                free(stream);
                return -ENOMEM;
        }
        *timer = (struct gic_timer){ .gic = gic, .config = *config };
        rng_init_named(&timer->rng, config->seed, stream);
        free(stream);
        gic->timers[gic->timer_count++] = timer;
        return 0;
}

int gic_start(struct gic *gic, sim_time_t horizon_ps)
{
        gic->horizon_ps = horizon_ps;
        for (size_t i = 0; i < gic->timer_count; i++) {
                int err = gic_timer_arm(gic->timers[i]);

                if (err != 0)
                        return err;
        }
        return 0;
}

int gic_error(const struct gic *gic)
{
        return gic->error;
}
