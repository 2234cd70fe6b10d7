/*
 * trace: the sink through which models emit execution-trace events.
 *
 * Models register tracks at build time and then emit typed events on them with simulated
 * timestamps: slices (a begin and an end: a job executing, a context switch, a vCPU holding a
 * core, a world switch, a trap, a guest ISR), instants (a job release, a deadline miss, an
 * interrupt edge) and counter values.
 * Subscribers (the trace writers in analysis/) register with the sink before the first event
 * and receive every event synchronously, in emission order; the sink itself opens no file and
 * prints nothing. With no sink (NULL) or no subscriber, every emit call is one inline check and
 * nothing else happens, so tracing costs nothing when it is off.
 *
 * A track is one lane of execution on a physical core: the hypervisor's lane, or the lane of
 * one guest OS's execution resource (a core in AMP, a vCPU in a VM). Its fields name the
 * physical core it lives on, a display label, the entity that executes its slices (the core or
 * the vCPU) and the OS that owns it (NULL for the hypervisor).
 *
 * Contract: slices on one track nest (the sink keeps a stack of open slices per track, at most
 * TRACE_MAX_DEPTH deep, and trace_end closes the innermost one); events of one track come with
 * non-decreasing times (models emit in simulated-time order). trace_sink_close() ends every
 * slice still open, innermost first, with reason TRACE_CUT, so a writer always sees whole
 * slices. A slice's name must stay valid until its end (models pass configuration strings).
 */
#ifndef MOSAIC_SIM_TRACE_H
#define MOSAIC_SIM_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

#define TRACE_MAX_DEPTH       4
#define TRACE_MAX_SUBSCRIBERS 4

/* What an event is about. */
enum trace_kind {
        TRACE_JOB,            /* slice: a job executes; name = task, instance = activation index */
        TRACE_CONTEXT_SWITCH, /* slice: guest kernel loads a task's context; name = that task */
        TRACE_VCPU,           /* slice: a vCPU holds a physical core; name = "<vm>_vcpu<i>" */
        TRACE_WORLD_SWITCH,   /* slice: hypervisor switches to the vCPU; name = the vCPU */
        TRACE_TRAP,           /* slice: hypervisor handles a VM exit; name = the vCPU */
        TRACE_RELEASE,        /* instant: a job is released; name = task, instance */
        TRACE_DEADLINE_MISS,  /* instant: a job completes past its deadline; name, instance */
        TRACE_VALUE,          /* counter: name = the counter, value */
        TRACE_ISR,            /* slice: a guest ISR, exception entry to the end of its body;
                                 name = the ISR, instance = its n-th run from 0 */
        TRACE_IRQ             /* instant: an interrupt edge at a core's GIC interface; name = the
                                 source, instance = its n-th edge at that core from 0 */
};
#define TRACE_KIND_COUNT 10

enum trace_phase { TRACE_BEGIN, TRACE_END, TRACE_INSTANT, TRACE_COUNTER };

/* Why a slice began or ended. */
enum trace_reason {
        TRACE_START,   /* begin: first execution (of a job: its first slice) */
        TRACE_RESUME,  /* begin: execution continues after a preemption */
        TRACE_FINISH,  /* end: the work is done */
        TRACE_PREEMPT, /* end: taken off before it was done */
        TRACE_CUT      /* end: still open at the end of the run (trace_sink_close) */
};

struct trace_event {
        sim_time_t time_ps;
        uint32_t track;
        enum trace_phase phase;
        enum trace_kind kind;
        enum trace_reason reason; /* begin and end only */
        const char *name;
        uint64_t instance;
        int64_t value; /* counters only */
        size_t depth;  /* open slices on the track below this one (begin, end) */
};

struct trace_open {
        enum trace_kind kind;
        const char *name;
        uint64_t instance;
};

struct trace_track {
        char *core;     /* physical core, e.g. "cpu0" */
        char *label;    /* display name, e.g. "hypervisor", "os rtos", "vm rtos vcpu0" */
        char *executor; /* what runs its slices: "cpu0", or a vCPU "rtos_vcpu0" */
        char *owner;    /* the OS or VM, NULL for the hypervisor */
        size_t depth;
        struct trace_open open[TRACE_MAX_DEPTH];
};

struct trace_sink;

struct trace_subscriber {
        void (*event)(void *context, const struct trace_sink *sink,
                      const struct trace_event *event);
        void *context;
};

/* The fields are the sink's; they are visible only so that the emit calls can be inline. */
struct trace_sink {
        size_t subscriber_count;
        struct trace_subscriber subscribers[TRACE_MAX_SUBSCRIBERS];
        size_t track_count;
        struct trace_track *tracks;
        bool started; /* an event was delivered: no more subscribers */
};

struct trace_sink *trace_sink_create(void);
void trace_sink_destroy(struct trace_sink *sink);

/* Add a subscriber: 0, -ENOSPC when TRACE_MAX_SUBSCRIBERS are registered, -EBUSY after the
 * first event. */
int trace_sink_subscribe(struct trace_sink *sink, const struct trace_subscriber *subscriber);

/* Register a track (strings are copied; owner may be NULL): 0 and its id in *id, or -ENOMEM.
 * A NULL sink gives 0 and id 0 (emits then do nothing). */
int trace_sink_add_track(struct trace_sink *sink, const char *core, const char *label,
                         const char *executor, const char *owner, uint32_t *id);
size_t trace_sink_track_count(const struct trace_sink *sink);
const struct trace_track *trace_sink_track(const struct trace_sink *sink, uint32_t id);

/* End every open slice at `end` (>= the last event's time) with reason TRACE_CUT, track by
 * track, innermost first. */
void trace_sink_close(struct trace_sink *sink, sim_time_t end);

/* The out-of-line halves of the emit calls below; call those instead. */
void trace_sink_begin(struct trace_sink *sink, uint32_t track, sim_time_t time_ps,
                      enum trace_kind kind, enum trace_reason reason, const char *name,
                      uint64_t instance);
void trace_sink_end(struct trace_sink *sink, uint32_t track, sim_time_t time_ps,
                    enum trace_reason reason);
void trace_sink_instant(struct trace_sink *sink, uint32_t track, sim_time_t time_ps,
                        enum trace_kind kind, const char *name, uint64_t instance);
void trace_sink_counter(struct trace_sink *sink, uint32_t track, sim_time_t time_ps,
                        const char *name, int64_t value);

/* Whether emitted events go anywhere. */
static inline bool trace_on(const struct trace_sink *sink)
{
        return sink != NULL && sink->subscriber_count != 0;
}

/* Open a slice on `track` (reason TRACE_START or TRACE_RESUME). */
static inline void trace_begin(struct trace_sink *sink, uint32_t track, sim_time_t time_ps,
                               enum trace_kind kind, enum trace_reason reason, const char *name,
                               uint64_t instance)
{
        if (trace_on(sink))
                trace_sink_begin(sink, track, time_ps, kind, reason, name, instance);
}

/* Close the innermost open slice of `track` (reason TRACE_FINISH or TRACE_PREEMPT). */
static inline void trace_end(struct trace_sink *sink, uint32_t track, sim_time_t time_ps,
                             enum trace_reason reason)
{
        if (trace_on(sink))
                trace_sink_end(sink, track, time_ps, reason);
}

static inline void trace_instant(struct trace_sink *sink, uint32_t track, sim_time_t time_ps,
                                 enum trace_kind kind, const char *name, uint64_t instance)
{
        if (trace_on(sink))
                trace_sink_instant(sink, track, time_ps, kind, name, instance);
}

static inline void trace_counter(struct trace_sink *sink, uint32_t track, sim_time_t time_ps,
                                 const char *name, int64_t value)
{
        if (trace_on(sink))
                trace_sink_counter(sink, track, time_ps, name, value);
}

/* A short lower-case name of a kind ("job", "context_switch", ...). */
const char *trace_kind_name(enum trace_kind kind);

#endif
