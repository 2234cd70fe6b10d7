#include "analysis/chains.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "sim/text.h"

/* A stage-0 start s still waiting for an output whose origin is >= s; p is the start before. */
struct chain_pending {
        sim_time_t previous_ps;
        sim_time_t start_ps;
};

struct chain_stage_state {
        bool reading_valid; /* the running job read an input that derives from a sample */
        sim_time_t reading_origin_ps;
        bool output_valid; /* the register holds a value that derives from a sample */
        sim_time_t output_origin_ps;
};

struct chain_state {
        const struct chain_spec *spec;
        struct chain_stage_state *stages;
        struct metric *data_age;
        struct metric *reaction_time;
        bool sampled; /* stage 0 has started a job: last_start_ps is set */
        sim_time_t last_start_ps;
        /* FIFO of pending reactions (increasing start times), a ring buffer */
        struct chain_pending *pending;
        size_t pending_head;
        size_t pending_count;
        size_t pending_capacity;
};

struct chain_tracker {
        size_t count;
        struct chain_state *chains;
        int error;
};

static bool chain_has_duplicate(const struct chain_spec *spec)
{
        for (size_t i = 0; i < spec->stage_count; i++)
                for (size_t j = 0; j < i; j++)
                        if (strcmp(spec->stages[i].os, spec->stages[j].os) == 0 &&
                            strcmp(spec->stages[i].task, spec->stages[j].task) == 0)
                                return true;
        return false;
}

static int chain_state_init(struct chain_state *c, const struct chain_spec *spec,
                            struct metrics *metrics)
{
        char *entity;

        c->spec = spec;
        c->stages = calloc(spec->stage_count, sizeof(*c->stages));
        entity = text_format("chain/%s", spec->name);
        if (c->stages == NULL || entity == NULL) {
                free(entity);
                return -ENOMEM;
        }
        c->data_age = metrics_histogram(metrics, entity, "data_age", METRIC_UNIT_PS);
        c->reaction_time = metrics_histogram(metrics, entity, "reaction_time", METRIC_UNIT_PS);
        free(entity);
        return c->data_age == NULL || c->reaction_time == NULL ? -ENOMEM : 0;
}

int chain_tracker_create(const struct chain_spec *specs, size_t count, struct metrics *metrics,
                         struct chain_tracker **out)
{
        struct chain_tracker *t;
        int err = 0;

        for (size_t i = 0; i < count; i++)
                if (specs[i].name == NULL || specs[i].stage_count == 0 ||
                    chain_has_duplicate(&specs[i]))
                        return -EINVAL;
        t = calloc(1, sizeof(*t));
        if (t == NULL)
                return -ENOMEM;
        t->chains = calloc(count ? count : 1, sizeof(*t->chains));
        if (t->chains == NULL) {
                free(t);
                return -ENOMEM;
        }
        t->count = count;
        for (size_t i = 0; i < count && err == 0; i++)
                err = chain_state_init(&t->chains[i], &specs[i], metrics);
        if (err != 0) {
                chain_tracker_destroy(t);
                return err;
        }
        *out = t;
        return 0;
}

void chain_tracker_destroy(struct chain_tracker *tracker)
{
        if (tracker == NULL)
                return;
        for (size_t i = 0; i < tracker->count; i++) {
                free(tracker->chains[i].stages);
                free(tracker->chains[i].pending);
        }
        free(tracker->chains);
        free(tracker);
}

int chain_tracker_error(const struct chain_tracker *tracker)
{
        return tracker->error;
}

static int pending_push(struct chain_state *c, sim_time_t previous_ps, sim_time_t start_ps)
{
        if (c->pending_count == c->pending_capacity) {
                size_t capacity = c->pending_capacity ? 2 * c->pending_capacity : 16;
                struct chain_pending *grown = malloc(capacity * sizeof(*grown));

                if (grown == NULL)
                        return -ENOMEM;
                for (size_t i = 0; i < c->pending_count; i++)
                        grown[i] = c->pending[(c->pending_head + i) % c->pending_capacity];
                free(c->pending);
                c->pending = grown;
                c->pending_head = 0;
                c->pending_capacity = capacity;
        }
        c->pending[(c->pending_head + c->pending_count) % c->pending_capacity] =
            (struct chain_pending){ .previous_ps = previous_ps, .start_ps = start_ps };
        c->pending_count++;
        return 0;
}

static int chain_job_start(struct chain_state *c, size_t stage, sim_time_t now)
{
        struct chain_stage_state *s = &c->stages[stage];
        int err = 0;

        if (stage == 0) {
                s->reading_valid = true;
                s->reading_origin_ps = now;
                if (c->sampled)
                        err = pending_push(c, c->last_start_ps, now);
                c->sampled = true;
                c->last_start_ps = now;
        } else {
                s->reading_valid = c->stages[stage - 1].output_valid;
                s->reading_origin_ps = c->stages[stage - 1].output_origin_ps;
        }
        return err;
}

static int chain_job_finish(struct chain_state *c, size_t stage, sim_time_t now)
{
        struct chain_stage_state *s = &c->stages[stage];
        int err = 0;

        s->output_valid = s->reading_valid;
        s->output_origin_ps = s->reading_origin_ps;
        if (stage + 1 != c->spec->stage_count || !s->reading_valid)
                return 0;
        err = metric_record(c->data_age, now - s->reading_origin_ps);
        while (err == 0 && c->pending_count > 0 &&
               c->pending[c->pending_head].start_ps <= s->reading_origin_ps) {
                err =
                    metric_record(c->reaction_time, now - c->pending[c->pending_head].previous_ps);
                c->pending_head = (c->pending_head + 1) % c->pending_capacity;
                c->pending_count--;
        }
        return err;
}

static void chain_event(void *context, const struct trace_sink *sink,
                        const struct trace_event *event)
{
        struct chain_tracker *t = context;
        const struct trace_track *track;
        bool start, finish;

        if (event->kind != TRACE_JOB || t->error != 0)
                return;
        start = event->phase == TRACE_BEGIN && event->reason == TRACE_START;
        finish = event->phase == TRACE_END && event->reason == TRACE_FINISH;
        if (!start && !finish)
                return;
        track = trace_sink_track(sink, event->track);
        if (track == NULL || track->owner == NULL)
                return;
        for (size_t i = 0; i < t->count; i++) {
                struct chain_state *c = &t->chains[i];

                for (size_t k = 0; k < c->spec->stage_count; k++) {
                        int err;

                        if (strcmp(c->spec->stages[k].task, event->name) != 0 ||
                            strcmp(c->spec->stages[k].os, track->owner) != 0)
                                continue;
                        err = start ? chain_job_start(c, k, event->time_ps)
                                    : chain_job_finish(c, k, event->time_ps);
                        if (err != 0)
                                t->error = err;
                }
        }
}

int chain_tracker_subscribe(struct chain_tracker *tracker, struct trace_sink *sink)
{
        struct trace_subscriber subscriber = { .event = chain_event, .context = tracker };

        return trace_sink_subscribe(sink, &subscriber);
}
