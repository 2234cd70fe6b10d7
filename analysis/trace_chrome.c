#include "analysis/trace_chrome.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const char *const chrome_end_names[] = {
        [TRACE_FINISH] = "finish",
        [TRACE_PREEMPT] = "preempt",
        [TRACE_CUT] = "cut",
};

/* A JSON string of `prefix` (plain) and `text`, with quotes, backslashes and control
 * characters of `text` escaped. */
static void chrome_put_string(FILE *stream, const char *prefix, const char *text)
{
        fputc('"', stream);
        fputs(prefix, stream);
        for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
                if (*p == '"' || *p == '\\')
                        fprintf(stream, "\\%c", *p);
                else if (*p < 0x20)
                        fprintf(stream, "\\u%04x", *p);
                else
                        fputc(*p, stream);
        }
        fputc('"', stream);
}

/* Picoseconds as microseconds with six decimals, exactly. */
static void chrome_put_time(FILE *stream, sim_time_t ps)
{
        fprintf(stream, "%" PRIu64 ".%06" PRIu64, (uint64_t)(ps / SIM_PS_PER_US),
                (uint64_t)(ps % SIM_PS_PER_US));
}

/* Give every track known to the sink its pid: cores numbered from 1 in order of first use. */
static int chrome_learn_tracks(struct trace_chrome *writer, const struct trace_sink *sink)
{
        size_t count = trace_sink_track_count(sink);
        uint32_t *pids;

        if (count == writer->known_tracks)
                return 0;
        pids = realloc(writer->pids, count * sizeof(*pids));
        if (pids == NULL)
                return -ENOMEM;
        writer->pids = pids;
        for (size_t i = writer->known_tracks; i < count; i++) {
                const char *core = trace_sink_track(sink, (uint32_t)i)->core;
                size_t j = 0;

                while (j < i && strcmp(trace_sink_track(sink, (uint32_t)j)->core, core) != 0)
                        j++;
                pids[i] = j < i ? pids[j] : ++writer->pid_count;
        }
        writer->known_tracks = count;
        return 0;
}

static void chrome_separator(struct trace_chrome *writer)
{
        fputs(writer->first ? "\n" : ",\n", writer->stream);
        writer->first = false;
}

static void chrome_event(void *context, const struct trace_sink *sink,
                         const struct trace_event *event)
{
        static const char phases[] = {
                [TRACE_BEGIN] = 'B', [TRACE_END] = 'E', [TRACE_INSTANT] = 'i', [TRACE_COUNTER] = 'C'
        };
        struct trace_chrome *writer = context;
        FILE *stream = writer->stream;
        char prefix[32];
        int err = chrome_learn_tracks(writer, sink);

        if (err != 0) {
                writer->error = err;
                return;
        }
        snprintf(prefix, sizeof(prefix), "%s ", trace_kind_name(event->kind));
        chrome_separator(writer);
        fputs("{\"name\":", stream);
        chrome_put_string(stream, event->phase == TRACE_INSTANT ? prefix : "", event->name);
        fprintf(stream, ",\"cat\":\"%s\",\"ph\":\"%c\",\"ts\":", trace_kind_name(event->kind),
                phases[event->phase]);
        chrome_put_time(stream, event->time_ps);
        fprintf(stream, ",\"pid\":%" PRIu32 ",\"tid\":%" PRIu32, writer->pids[event->track],
                event->track + 1);
        switch (event->phase) {
        case TRACE_BEGIN:
                fprintf(stream, ",\"args\":{\"instance\":%" PRIu64 "}}", event->instance);
                break;
        case TRACE_END:
                fprintf(stream, ",\"args\":{\"end\":\"%s\"}}", chrome_end_names[event->reason]);
                break;
        case TRACE_INSTANT:
                fprintf(stream, ",\"s\":\"t\",\"args\":{\"instance\":%" PRIu64 "}}",
                        event->instance);
                break;
        case TRACE_COUNTER:
                fprintf(stream, ",\"args\":{\"value\":%" PRId64 "}}", event->value);
                break;
        }
}

int trace_chrome_start(struct trace_chrome *writer, struct trace_sink *sink, FILE *stream)
{
        struct trace_subscriber subscriber = { chrome_event, writer };

        *writer = (struct trace_chrome){ .stream = stream, .first = true };
        fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[", stream);
        return trace_sink_subscribe(sink, &subscriber);
}

static void chrome_metadata(struct trace_chrome *writer, const char *what, uint32_t pid,
                            uint32_t tid, const char *prefix, const char *name, uint32_t sort_index)
{
        FILE *stream = writer->stream;

        chrome_separator(writer);
        fprintf(stream, "{\"name\":\"%s_name\",\"ph\":\"M\",\"pid\":%" PRIu32, what, pid);
        if (tid != 0)
                fprintf(stream, ",\"tid\":%" PRIu32, tid);
        fputs(",\"args\":{\"name\":", stream);
        chrome_put_string(stream, prefix, name);
        fputs("}}", stream);
        chrome_separator(writer);
        fprintf(stream, "{\"name\":\"%s_sort_index\",\"ph\":\"M\",\"pid\":%" PRIu32, what, pid);
        if (tid != 0)
                fprintf(stream, ",\"tid\":%" PRIu32, tid);
        fprintf(stream, ",\"args\":{\"sort_index\":%" PRIu32 "}}", sort_index);
}

int trace_chrome_finish(struct trace_chrome *writer, const struct trace_sink *sink)
{
        int err = writer->error ? writer->error : chrome_learn_tracks(writer, sink);
        uint32_t named = 0;

        for (size_t i = 0; err == 0 && i < writer->known_tracks; i++) {
                const struct trace_track *track = trace_sink_track(sink, (uint32_t)i);
                uint32_t pid = writer->pids[i];

                if (pid > named) { /* a core's first track: name its process */
                        chrome_metadata(writer, "process", pid, 0, "core ", track->core, pid);
                        named = pid;
                }
                chrome_metadata(writer, "thread", pid, (uint32_t)i + 1, "", track->label,
                                (uint32_t)i + 1);
        }
        fputs("\n]}\n", writer->stream);
        free(writer->pids);
        writer->pids = NULL;
        if (err == 0 && ferror(writer->stream))
                err = -EIO;
        return err;
}
