#include "analysis/trace_btf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

/* Kernel and hypervisor work kinds, in the order of their instance counters. */
#define BTF_ISR_KINDS 3

static int btf_isr_index(enum trace_kind kind)
{
        switch (kind) {
        case TRACE_CONTEXT_SWITCH:
                return 0;
        case TRACE_WORLD_SWITCH:
                return 1;
        case TRACE_TRAP:
                return 2;
        default:
                return -1;
        }
}

/* A name with the characters that would break a line (',', whitespace) replaced by '_'. */
static void btf_put_name(FILE *stream, const char *prefix, const char *name)
{
        fputs(prefix, stream);
        for (const char *p = name; *p; p++)
                fputc(strchr(", \t\r\n", *p) != NULL ? '_' : *p, stream);
}

/* An entity name: prefix, then "<owner>/" when owner is not NULL, then name. */
static void btf_put_entity(FILE *stream, const char *prefix, const char *owner, const char *name)
{
        if (owner != NULL) {
                btf_put_name(stream, prefix, owner);
                prefix = "/";
        }
        btf_put_name(stream, prefix, name);
}

/* The first three columns: "<time>,<source>,<source instance>,". */
static void btf_put_source(FILE *stream, sim_time_t time_ps, const char *prefix, const char *owner,
                           const char *name, uint64_t instance)
{
        fprintf(stream, "%" PRIu64 ",", (uint64_t)(time_ps / SIM_PS_PER_NS));
        btf_put_entity(stream, prefix, owner, name);
        fprintf(stream, ",%" PRIu64 ",", instance);
}

/* The last four: "<type>,<target>,<target instance>,<event>" and the line's end. */
static void btf_put_target(FILE *stream, const char *type, const char *prefix, const char *owner,
                           const char *name, uint64_t instance, const char *what)
{
        fprintf(stream, "%s,", type);
        btf_put_entity(stream, prefix, owner, name);
        fprintf(stream, ",%" PRIu64 ",%s\n", instance, what);
}

/* An event of a task-like slice (a job or a vCPU) on the track's core. */
static void btf_task_event(FILE *stream, const struct trace_track *track, sim_time_t time_ps,
                           enum trace_kind kind, const char *name, uint64_t instance,
                           const char *what)
{
        btf_put_source(stream, time_ps, "Core_", NULL, track->executor, 0);
        if (kind == TRACE_VCPU)
                btf_put_target(stream, "T", "Core_", NULL, name, 0, what);
        else
                btf_put_target(stream, "T", "", track->owner, name, instance, what);
}

static void btf_core_event(FILE *stream, const struct trace_track *track, sim_time_t time_ps,
                           const char *what)
{
        btf_put_source(stream, time_ps, "Core_", NULL, track->executor, 0);
        btf_put_target(stream, "C", "Core_", NULL, track->executor, 0, what);
}

static int btf_grow(struct trace_btf *writer, size_t track_count)
{
        uint64_t *instances;

        if (track_count <= writer->track_count)
                return 0;
        instances = realloc(writer->isr_instances,
                            track_count * BTF_ISR_KINDS * sizeof(*writer->isr_instances));
        if (instances == NULL)
                return -ENOMEM;
        memset(instances + writer->track_count * BTF_ISR_KINDS, 0,
               (track_count - writer->track_count) * BTF_ISR_KINDS * sizeof(*instances));
        writer->isr_instances = instances;
        writer->track_count = track_count;
        return 0;
}

/* Kernel or hypervisor work on a track: an ISR that preempts the task-like slice it nests in. */
static void btf_isr_event(struct trace_btf *writer, const struct trace_track *track,
                          const struct trace_event *event, int isr)
{
        FILE *stream = writer->stream;
        uint64_t *next = &writer->isr_instances[event->track * BTF_ISR_KINDS + (size_t)isr];
        const struct trace_open *parent = event->depth > 0 ? &track->open[event->depth - 1] : NULL;
        bool begin = event->phase == TRACE_BEGIN;

        if (parent != NULL && btf_isr_index(parent->kind) >= 0)
                parent = NULL; /* work inside work: no task to preempt */
        if (begin && parent != NULL)
                btf_task_event(stream, track, event->time_ps, parent->kind, parent->name,
                               parent->instance, "preempt");
        btf_put_source(stream, event->time_ps, "Core_", NULL, track->executor, 0);
        btf_put_target(stream, "I", "", track->executor, trace_kind_name(event->kind), *next,
                       begin ? "start" : "terminate");
        if (!begin) {
                (*next)++;
                if (parent != NULL)
                        btf_task_event(stream, track, event->time_ps, parent->kind, parent->name,
                                       parent->instance, "resume");
        }
}

static const char *btf_slice_event(const struct trace_event *event)
{
        if (event->phase == TRACE_BEGIN)
                return event->reason == TRACE_RESUME ? "resume" : "start";
        return event->reason == TRACE_PREEMPT ? "preempt" : "terminate";
}

static void btf_event(void *context, const struct trace_sink *sink, const struct trace_event *event)
{
        struct trace_btf *writer = context;
        const struct trace_track *track = trace_sink_track(sink, event->track);
        FILE *stream = writer->stream;
        int isr = btf_isr_index(event->kind);
        int err = btf_grow(writer, trace_sink_track_count(sink));

        if (err != 0) {
                writer->error = err;
                return;
        }
        if (event->phase == TRACE_INSTANT && event->kind == TRACE_RELEASE) {
                btf_put_source(stream, event->time_ps, "STI_", track->owner, event->name,
                               event->instance);
                btf_put_target(stream, "T", "", track->owner, event->name, event->instance,
                               "activate");
        }
        if (event->phase == TRACE_INSTANT && event->kind == TRACE_IRQ) {
                btf_put_source(stream, event->time_ps, "Core_", NULL, track->executor, 0);
                btf_put_target(stream, "STI", "IRQ_", NULL, event->name, event->instance,
                               "trigger");
        }
        if ((event->phase != TRACE_BEGIN && event->phase != TRACE_END) ||
            event->reason == TRACE_CUT)
                return;
        if (event->phase == TRACE_BEGIN && event->depth == 0)
                btf_core_event(stream, track, event->time_ps, "execute");
        if (isr >= 0) {
                btf_isr_event(writer, track, event, isr);
        } else if (event->kind == TRACE_ISR) {
                /* a guest ISR: the job it interrupted was preempted by the guest itself */
                btf_put_source(stream, event->time_ps, "Core_", NULL, track->executor, 0);
                btf_put_target(stream, "I", "", track->owner, event->name, event->instance,
                               event->phase == TRACE_BEGIN ? "start" : "terminate");
        } else
                btf_task_event(stream, track, event->time_ps, event->kind, event->name,
                               event->instance, btf_slice_event(event));
        if (event->phase == TRACE_END && event->depth == 0)
                btf_core_event(stream, track, event->time_ps, "idle");
}

int trace_btf_start(struct trace_btf *writer, struct trace_sink *sink, FILE *stream,
                    const char *input)
{
        struct trace_subscriber subscriber = { btf_event, writer };

        *writer = (struct trace_btf){ .stream = stream };
        fputs("#version 2.1.5\n#creator mosaic\n#creationDate 1970-01-01T00:00:00Z\n", stream);
        btf_put_name(stream, "#inputFile ", input);
        fputs("\n#timeScale ns\n", stream);
        return trace_sink_subscribe(sink, &subscriber);
}

int trace_btf_finish(struct trace_btf *writer)
{
        int err = writer->error;

        free(writer->isr_instances);
        writer->isr_instances = NULL;
        if (err == 0 && ferror(writer->stream))
                err = -EIO;
        return err;
}
