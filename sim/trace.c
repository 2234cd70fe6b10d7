#include "sim/trace.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const trace_kind_names[TRACE_KIND_COUNT] = {
        [TRACE_JOB] = "job",
        [TRACE_CONTEXT_SWITCH] = "context_switch",
        [TRACE_VCPU] = "vcpu",
        [TRACE_WORLD_SWITCH] = "world_switch",
        [TRACE_TRAP] = "trap",
        [TRACE_RELEASE] = "release",
        [TRACE_DEADLINE_MISS] = "deadline_miss",
        [TRACE_VALUE] = "value",
        [TRACE_ISR] = "isr",
        [TRACE_IRQ] = "irq",
};

const char *trace_kind_name(enum trace_kind kind)
{
        return (unsigned)kind < TRACE_KIND_COUNT ? trace_kind_names[kind] : "unknown";
}

struct trace_sink *trace_sink_create(void)
{
        return calloc(1, sizeof(struct trace_sink));
}

static void trace_track_free(struct trace_track *track)
{
        free(track->core);
        free(track->label);
        free(track->executor);
        free(track->owner);
}

void trace_sink_destroy(struct trace_sink *sink)
{
        if (sink == NULL)
                return;
        for (size_t i = 0; i < sink->track_count; i++)
                trace_track_free(&sink->tracks[i]);
        free(sink->tracks);
        free(sink);
}

int trace_sink_subscribe(struct trace_sink *sink, const struct trace_subscriber *subscriber)
{
        if (sink->started)
                return -EBUSY;
        if (sink->subscriber_count == TRACE_MAX_SUBSCRIBERS)
                return -ENOSPC;
        sink->subscribers[sink->subscriber_count++] = *subscriber;
        return 0;
}

static char *trace_copy(const char *text)
{
        char *copy;

        if (text == NULL)
                return NULL;
        copy = malloc(strlen(text) + 1);
        if (copy != NULL)
                strcpy(copy, text);
        return copy;
}

int trace_sink_add_track(struct trace_sink *sink, const char *core, const char *label,
                         const char *executor, const char *owner, uint32_t *id)
{
        struct trace_track *tracks;
        struct trace_track *track;

        *id = 0;
        if (sink == NULL)
                return 0;
        assert(sink->track_count < UINT32_MAX);
        tracks = realloc(sink->tracks, (sink->track_count + 1) * sizeof(*tracks));
        if (tracks == NULL)
                return -ENOMEM;
        sink->tracks = tracks;
        track = &tracks[sink->track_count];
        *track = (struct trace_track){ .core = trace_copy(core),
                                       .label = trace_copy(label),
                                       .executor = trace_copy(executor),
                                       .owner = trace_copy(owner) };
        if (track->core == NULL || track->label == NULL || track->executor == NULL ||
            (owner != NULL && track->owner == NULL)) {
                trace_track_free(track);
                return -ENOMEM;
        }
        *id = (uint32_t)sink->track_count++;
        return 0;
}

size_t trace_sink_track_count(const struct trace_sink *sink)
{
        return sink == NULL ? 0 : sink->track_count;
}

const struct trace_track *trace_sink_track(const struct trace_sink *sink, uint32_t id)
{
        return sink != NULL && id < sink->track_count ? &sink->tracks[id] : NULL;
}

static void trace_deliver(struct trace_sink *sink, const struct trace_event *event)
{
        sink->started = true;
        for (size_t i = 0; i < sink->subscriber_count; i++)
                sink->subscribers[i].event(sink->subscribers[i].context, sink, event);
}

void trace_sink_begin(struct trace_sink *sink, uint32_t track_id, sim_time_t time_ps,
                      enum trace_kind kind, enum trace_reason reason, const char *name,
                      uint64_t instance)
{
        struct trace_track *track = &sink->tracks[track_id];
        struct trace_event event = { .time_ps = time_ps,
                                     .track = track_id,
                                     .phase = TRACE_BEGIN,
                                     .kind = kind,
                                     .reason = reason,
                                     .name = name,
                                     .instance = instance,
                                     .depth = track->depth };

        assert(track_id < sink->track_count && track->depth < TRACE_MAX_DEPTH);
        assert(reason == TRACE_START || reason == TRACE_RESUME);
        track->open[track->depth++] = (struct trace_open){ kind, name, instance };
        trace_deliver(sink, &event);
}

void trace_sink_end(struct trace_sink *sink, uint32_t track_id, sim_time_t time_ps,
                    enum trace_reason reason)
{
        struct trace_track *track = &sink->tracks[track_id];
        const struct trace_open *open;
        struct trace_event event;

        assert(track_id < sink->track_count && track->depth > 0);
        assert(reason == TRACE_FINISH || reason == TRACE_PREEMPT || reason == TRACE_CUT);
        open = &track->open[--track->depth];
        event = (struct trace_event){ .time_ps = time_ps,
                                      .track = track_id,
                                      .phase = TRACE_END,
                                      .kind = open->kind,
                                      .reason = reason,
                                      .name = open->name,
                                      .instance = open->instance,
                                      .depth = track->depth };
        trace_deliver(sink, &event);
}

void trace_sink_instant(struct trace_sink *sink, uint32_t track_id, sim_time_t time_ps,
                        enum trace_kind kind, const char *name, uint64_t instance)
{
        struct trace_event event = { .time_ps = time_ps,
                                     .track = track_id,
                                     .phase = TRACE_INSTANT,
                                     .kind = kind,
                                     .name = name,
                                     .instance = instance };

        assert(track_id < sink->track_count);
        trace_deliver(sink, &event);
}

void trace_sink_counter(struct trace_sink *sink, uint32_t track_id, sim_time_t time_ps,
                        const char *name, int64_t value)
{
        struct trace_event event = { .time_ps = time_ps,
                                     .track = track_id,
                                     .phase = TRACE_COUNTER,
                                     .kind = TRACE_VALUE,
                                     .name = name,
                                     .value = value };

        assert(track_id < sink->track_count);
        trace_deliver(sink, &event);
}

void trace_sink_close(struct trace_sink *sink, sim_time_t end)
{
        if (!trace_on(sink))
                return;
        for (uint32_t i = 0; i < sink->track_count; i++) {
                while (sink->tracks[i].depth > 0)
                        trace_sink_end(sink, i, end, TRACE_CUT);
        }
}
