/*
 * trace_btf: a trace sink subscriber writing BTF (Best Trace Format, version 2.1.5), the
 * automotive trace exchange format that Eclipse Trace Compass, APP4MC and Vector's TA Tool
 * Suite read.
 *
 * Header: #version 2.1.5, #creator mosaic, #creationDate (fixed at 1970-01-01T00:00:00Z so the
 * same run gives the same bytes), #inputFile (what the caller names: mosaic run gives the
 * scenario's name), #timeScale ns. Then one line per event,
 * "time,source,source_instance,target_type,target,target_instance,event" (the optional eighth
 * column, the note, is not used), times in nanoseconds (picoseconds rounded down, which keeps
 * their order; Trace Compass does not read #timeScale ps).
 *
 * Entities (names as the sink gives them; ',' and whitespace become '_'):
 *   Core_<executor>      a track's executor as a core: the physical core, or a vCPU, which is
 *                        a core to its guest ("Core_rtos_vcpu0")
 *   <owner>/<task>       a task (T); job instance = its activation index
 *   STI_<owner>/<task>   the stimulus that activates the task (its instance = the job's)
 *   Core_<vm>_vcpu<i>    a vCPU as a task (T, instance 0) of its physical core's hypervisor
 *   <executor>/<kind>    hypervisor and guest kernel work (I, ISR type): context_switch,
 *                        world_switch, trap; instances counted per entity from 0
 * Events:
 *   C execute / idle             when a track goes from no open slice to one / back (not at a cut)
 *   T start resume preempt terminate   job and vCPU slices (a vCPU is never terminated)
 *   T activate                   a job release, from its stimulus
 *   I start terminate            a piece of kernel or hypervisor work; nested in a T slice, it
 *                                preempts that task first and resumes it after
 * Slices still open at the end of the run (TRACE_CUT) leave no event: the trace just stops.
 * Deadline misses and counter values have no BTF event and are not written.
 */
#ifndef MOSAIC_ANALYSIS_TRACE_BTF_H
#define MOSAIC_ANALYSIS_TRACE_BTF_H

#include <stdint.h>
#include <stdio.h>

#include "sim/trace.h"

struct trace_btf {
        FILE *stream;
        int error;
        size_t track_count;      /* tracks with counters in `instances` */
        uint64_t *isr_instances; /* per track and ISR kind: the next instance */
};

/* Write the header to `stream` (`input` names the scenario) and subscribe to `sink`: 0, or
 * what trace_sink_subscribe returns. */
int trace_btf_start(struct trace_btf *writer, struct trace_sink *sink, FILE *stream,
                    const char *input);
/* Release the writer (call after trace_sink_close): 0, -ENOMEM or -EIO. The stream stays
 * open. */
int trace_btf_finish(struct trace_btf *writer);

#endif
