/*
 * chains: end-to-end timing of cause-effect chains, measured from the execution trace.
 *
 * A chain is a sequence of tasks, each named by its OS or VM and its task name, that pass data
 * along: stage i reads the latest output of stage i - 1 and stage 0 samples an input from the
 * outside world (a sensor). Communication follows AUTOSAR's implicit (register) semantics,
 * the model of Becker et al., "End-to-end timing analysis of cause-effect chains in automotive
 * embedded systems" (J. Syst. Archit. 2017): a job reads its input when it first starts
 * executing and writes its output when it finishes; a register keeps the last value written,
 * which may be overwritten before anyone reads it (under- and oversampling). The stages may
 * live in different OSes and VMs (data shared through memory) and be periodic or
 * event-triggered alike: only their jobs' start and finish times matter.
 *
 * Every value carries its origin: the instant stage 0 sampled the input it derives from (the
 * start of that stage-0 job). Two metrics per chain, entity chain/<name>:
 *   data_age       (histogram, ps) at every finish of the last stage whose input derives from a
 *                  sample: finish time - origin; how old the input behind an actuation is;
 *   reaction_time  (histogram, ps) for every two consecutive stage-0 starts p < s: an external
 *                  event just after p is first sampled at s, and its effect leaves at the first
 *                  finish of the last stage whose origin is >= s; the sample is that finish - p
 *                  (the worst case for events in (p, s]). Pairs still unresolved at the end of
 *                  the run give no sample.
 * A one-stage chain has data age = the job's finish - start, and reaction time = the next
 * job's finish - the previous job's start.
 *
 * The tracker is a subscriber of the trace sink (sim/trace.h): it reads TRACE_JOB slices (a
 * begin with TRACE_START is a job's first execution, an end with TRACE_FINISH its completion)
 * and matches a stage by the task name and the owner of the event's track (the OS or VM).
 * Events arrive in simulated-time order. Deterministic; no output of its own.
 */
#ifndef MOSAIC_ANALYSIS_CHAINS_H
#define MOSAIC_ANALYSIS_CHAINS_H

#include <stddef.h>

#include "sim/metrics.h"
#include "sim/trace.h"

struct chain_stage {
        const char *os;   /* the OS or VM that runs the task (a track owner) */
        const char *task; /* the task's name */
};

struct chain_spec {
        const char *name;
        size_t stage_count; /* at least 1 */
        const struct chain_stage *stages;
};

struct chain_tracker;

/* A tracker of `count` chains (the specs and their strings must outlive it), creating the
 * metrics above in `metrics`. 0, -EINVAL (a chain without stages or name, or one task twice
 * in a chain) or -ENOMEM (also when a metric name is taken). */
int chain_tracker_create(const struct chain_spec *specs, size_t count, struct metrics *metrics,
                         struct chain_tracker **out);
/* Subscribe to `sink` (before its first event): 0, or trace_sink_subscribe's error. */
int chain_tracker_subscribe(struct chain_tracker *tracker, struct trace_sink *sink);
/* 0, or -ENOMEM when a sample or a pending reaction could not be recorded. */
int chain_tracker_error(const struct chain_tracker *tracker);
void chain_tracker_destroy(struct chain_tracker *tracker);

#endif
