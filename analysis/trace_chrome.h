/*
 * trace_chrome: a trace sink subscriber writing Chrome's Trace Event Format (JSON), which
 * Perfetto (ui.perfetto.dev) and chrome://tracing open.
 *
 * The file is one object {"displayTimeUnit":"ns","traceEvents":[...]}. Every physical core is
 * a process (pid 1, 2, ... in the order the sink's tracks first name them, named "core <core>")
 * and every track a thread of it (tid = track id + 1, named by the track's label). Slices are
 * "B"/"E" pairs written as they happen, so on each (pid, tid) they nest and their timestamps
 * never decrease; instants are thread-scoped "i" events named "<kind> <name>", counters "C"
 * events. Timestamps are microseconds with six decimals: picoseconds exactly. "args" carry the
 * activation index ("instance") and, on "E", why the slice ended ("finish", "preempt", "cut").
 * Process and thread names (and sort indices) are "M" events written by trace_chrome_finish.
 * The output depends only on the events, so the same run gives the same bytes.
 */
#ifndef MOSAIC_ANALYSIS_TRACE_CHROME_H
#define MOSAIC_ANALYSIS_TRACE_CHROME_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "sim/trace.h"

struct trace_chrome {
        FILE *stream;
        bool first; /* no event written yet */
        int error;
        size_t known_tracks; /* tracks whose pid is in pids */
        uint32_t *pids;      /* per track */
        uint32_t pid_count;
};

/* Write the opening of the file to `stream` and subscribe to `sink`: 0, or what
 * trace_sink_subscribe returns. */
int trace_chrome_start(struct trace_chrome *writer, struct trace_sink *sink, FILE *stream);
/* Write the metadata and the closing of the file (call after trace_sink_close) and release the
 * writer: 0, -ENOMEM or -EIO. The stream stays open. */
int trace_chrome_finish(struct trace_chrome *writer, const struct trace_sink *sink);

#endif
