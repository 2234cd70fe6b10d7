/*
 * test_trace: the trace sink (subscription, nesting, closing), the Chrome JSON and BTF writers
 * on a hand-built event sequence (expected text written out by hand from the formats in
 * analysis/trace_chrome.h and analysis/trace_btf.h), and the guest OS's and hypervisor's
 * probes on runs whose timelines are worked out by hand.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/trace_btf.h"
#include "analysis/trace_chrome.h"
#include "models/platform.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"
#include "sim/trace.h"

#define US SIM_PS_PER_US
#define NS SIM_PS_PER_NS

/* A subscriber that keeps every event. */
struct recorder {
        size_t count;
        struct trace_event events[64];
};

static void record(void *context, const struct trace_sink *sink, const struct trace_event *event)
{
        struct recorder *r = context;

        (void)sink;
        ck_assert_uint_lt(r->count, 64);
        r->events[r->count++] = *event;
}

static void subscribe_recorder(struct trace_sink *sink, struct recorder *r)
{
        struct trace_subscriber subscriber = { record, r };

        memset(r, 0, sizeof(*r));
        ck_assert_int_eq(trace_sink_subscribe(sink, &subscriber), 0);
}

START_TEST(test_no_subscriber_is_silent)
{
        struct trace_sink *sink = trace_sink_create();
        uint32_t track = 7;

        /* A NULL sink: tracks get id 0, emits do nothing. */
        ck_assert_int_eq(trace_sink_add_track(NULL, "cpu0", "os", "cpu0", NULL, &track), 0);
        ck_assert_uint_eq(track, 0);
        ck_assert(!trace_on(NULL));
        trace_begin(NULL, 0, 0, TRACE_JOB, TRACE_START, "a", 0);
        trace_end(NULL, 0, 1, TRACE_FINISH);

        /* No subscriber: the sink keeps no state either (no open slice, still subscribable). */
        ck_assert_ptr_nonnull(sink);
        ck_assert_int_eq(trace_sink_add_track(sink, "cpu0", "os", "cpu0", NULL, &track), 0);
        ck_assert(!trace_on(sink));
        trace_begin(sink, track, 0, TRACE_JOB, TRACE_START, "a", 0);
        ck_assert_uint_eq(trace_sink_track(sink, track)->depth, 0);
        ck_assert(!sink->started);
        trace_sink_destroy(sink);
}
END_TEST

START_TEST(test_subscribe_limits)
{
        struct trace_sink *sink = trace_sink_create();
        struct recorder r[TRACE_MAX_SUBSCRIBERS];
        struct trace_subscriber extra = { record, &r[0] };
        uint32_t track;

        ck_assert_int_eq(trace_sink_add_track(sink, "cpu0", "os", "cpu0", NULL, &track), 0);
        for (size_t i = 0; i < TRACE_MAX_SUBSCRIBERS; i++)
                subscribe_recorder(sink, &r[i]);
        ck_assert_int_eq(trace_sink_subscribe(sink, &extra), -ENOSPC);
        trace_instant(sink, track, 5, TRACE_RELEASE, "a", 3);
        /* every subscriber got the one event */
        for (size_t i = 0; i < TRACE_MAX_SUBSCRIBERS; i++) {
                ck_assert_uint_eq(r[i].count, 1);
                ck_assert_uint_eq(r[i].events[0].time_ps, 5);
                ck_assert_uint_eq(r[i].events[0].instance, 3);
        }
        trace_sink_destroy(sink);

        /* After the first event, no one can join (they would see half the slices). */
        sink = trace_sink_create();
        ck_assert_int_eq(trace_sink_add_track(sink, "cpu0", "os", "cpu0", NULL, &track), 0);
        subscribe_recorder(sink, &r[0]);
        trace_instant(sink, track, 0, TRACE_RELEASE, "a", 0);
        ck_assert_int_eq(trace_sink_subscribe(sink, &extra), -EBUSY);
        trace_sink_destroy(sink);
}
END_TEST

START_TEST(test_nesting_and_close)
{
        struct trace_sink *sink = trace_sink_create();
        struct recorder r;
        uint32_t hv, guest;

        ck_assert_int_eq(trace_sink_add_track(sink, "cpu0", "hypervisor", "cpu0", NULL, &hv), 0);
        ck_assert_int_eq(trace_sink_add_track(sink, "cpu0", "vm a vcpu0", "a_vcpu0", "a", &guest),
                         0);
        ck_assert_uint_eq(hv, 0);
        ck_assert_uint_eq(guest, 1);
        ck_assert_str_eq(trace_sink_track(sink, guest)->owner, "a");
        ck_assert_ptr_null(trace_sink_track(sink, hv)->owner);
        ck_assert_ptr_null(trace_sink_track(sink, 2));
        subscribe_recorder(sink, &r);

        trace_begin(sink, hv, 10, TRACE_VCPU, TRACE_START, "a_vcpu0", 0);
        trace_begin(sink, hv, 10, TRACE_WORLD_SWITCH, TRACE_START, "a_vcpu0", 0);
        trace_begin(sink, guest, 12, TRACE_JOB, TRACE_START, "t", 4);
        trace_end(sink, hv, 20, TRACE_FINISH); /* the world switch: innermost */
        trace_counter(sink, hv, 21, "q", -2);
        trace_sink_close(sink, 30); /* the vCPU on hv, then the job on guest */

        ck_assert_uint_eq(r.count, 7);
        ck_assert_int_eq(r.events[1].kind, TRACE_WORLD_SWITCH);
        ck_assert_uint_eq(r.events[1].depth, 1);
        ck_assert_int_eq(r.events[3].phase, TRACE_END);
        ck_assert_int_eq(r.events[3].kind, TRACE_WORLD_SWITCH);
        ck_assert_int_eq(r.events[3].reason, TRACE_FINISH);
        ck_assert_uint_eq(r.events[3].depth, 1);
        ck_assert_int_eq(r.events[4].phase, TRACE_COUNTER);
        ck_assert_int_eq(r.events[4].value, -2);
        ck_assert_int_eq(r.events[5].kind, TRACE_VCPU);
        ck_assert_int_eq(r.events[5].reason, TRACE_CUT);
        ck_assert_uint_eq(r.events[5].time_ps, 30);
        ck_assert_uint_eq(r.events[5].depth, 0);
        ck_assert_uint_eq(r.events[6].track, guest);
        ck_assert_str_eq(r.events[6].name, "t");
        ck_assert_uint_eq(r.events[6].instance, 4);
        ck_assert_int_eq(r.events[6].reason, TRACE_CUT);
        ck_assert_uint_eq(trace_sink_track(sink, hv)->depth, 0);
        ck_assert_uint_eq(trace_sink_track(sink, guest)->depth, 0);
        trace_sink_destroy(sink);
}
END_TEST

/*
 * Hypervisor lane and a vCPU lane on cpu0, an AMP lane on cpu1 (its label needs JSON escapes).
 * The vCPU runs from 0 with a 1 ns world switch; its guest's job brake 0 starts at 1 ns, is
 * preempted at 1.5 us, resumes at 2.5 us; a counter at 2 us; the run ends at 3.000001 us.
 */
static void emit_sequence(struct trace_sink *sink)
{
        uint32_t hv, vcpu, amp;

        ck_assert_int_eq(trace_sink_add_track(sink, "cpu0", "hypervisor", "cpu0", NULL, &hv), 0);
        ck_assert_int_eq(
            trace_sink_add_track(sink, "cpu0", "vm rtos vcpu0", "rtos_vcpu0", "rtos", &vcpu), 0);
        ck_assert_int_eq(trace_sink_add_track(sink, "cpu1", "os \"linux\"", "cpu1", "linux", &amp),
                         0);
        trace_instant(sink, vcpu, 0, TRACE_RELEASE, "brake", 0);
        trace_begin(sink, hv, 0, TRACE_VCPU, TRACE_START, "rtos_vcpu0", 0);
        trace_begin(sink, hv, 0, TRACE_WORLD_SWITCH, TRACE_START, "rtos_vcpu0", 0);
        trace_end(sink, hv, 1 * NS, TRACE_FINISH);
        trace_begin(sink, vcpu, 1 * NS, TRACE_JOB, TRACE_START, "brake", 0);
        trace_end(sink, vcpu, 1500 * NS, TRACE_PREEMPT);
        trace_counter(sink, amp, 2 * US, "ready", 3);
        trace_begin(sink, vcpu, 2500 * NS, TRACE_JOB, TRACE_RESUME, "brake", 0);
        trace_sink_close(sink, 3 * US + 1);
}

/* The text a writer put into a memory stream. */
struct memory_stream {
        char *text;
        size_t size;
        FILE *stream;
};

START_TEST(test_chrome_writer)
{
        static const char expected[] =
            "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
            "{\"name\":\"release brake\",\"cat\":\"release\",\"ph\":\"i\",\"ts\":0.000000,"
            "\"pid\":1,\"tid\":2,\"s\":\"t\",\"args\":{\"instance\":0}},\n"
            "{\"name\":\"rtos_vcpu0\",\"cat\":\"vcpu\",\"ph\":\"B\",\"ts\":0.000000,\"pid\":1,"
            "\"tid\":1,\"args\":{\"instance\":0}},\n"
            "{\"name\":\"rtos_vcpu0\",\"cat\":\"world_switch\",\"ph\":\"B\",\"ts\":0.000000,"
            "\"pid\":1,\"tid\":1,\"args\":{\"instance\":0}},\n"
            "{\"name\":\"rtos_vcpu0\",\"cat\":\"world_switch\",\"ph\":\"E\",\"ts\":0.001000,"
            "\"pid\":1,\"tid\":1,\"args\":{\"end\":\"finish\"}},\n"
            "{\"name\":\"brake\",\"cat\":\"job\",\"ph\":\"B\",\"ts\":0.001000,\"pid\":1,\"tid\":2,"
            "\"args\":{\"instance\":0}},\n"
            "{\"name\":\"brake\",\"cat\":\"job\",\"ph\":\"E\",\"ts\":1.500000,\"pid\":1,\"tid\":2,"
            "\"args\":{\"end\":\"preempt\"}},\n"
            "{\"name\":\"ready\",\"cat\":\"value\",\"ph\":\"C\",\"ts\":2.000000,\"pid\":2,"
            "\"tid\":3,\"args\":{\"value\":3}},\n"
            "{\"name\":\"brake\",\"cat\":\"job\",\"ph\":\"B\",\"ts\":2.500000,\"pid\":1,\"tid\":2,"
            "\"args\":{\"instance\":0}},\n"
            "{\"name\":\"rtos_vcpu0\",\"cat\":\"vcpu\",\"ph\":\"E\",\"ts\":3.000001,\"pid\":1,"
            "\"tid\":1,\"args\":{\"end\":\"cut\"}},\n"
            "{\"name\":\"brake\",\"cat\":\"job\",\"ph\":\"E\",\"ts\":3.000001,\"pid\":1,\"tid\":2,"
            "\"args\":{\"end\":\"cut\"}},\n"
            "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":\"core "
            "cpu0\"}},\n"
            "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":1,\"args\":{\"sort_index\":1}},"
            "\n"
            "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"args\":{\"name\":"
            "\"hypervisor\"}},\n"
            "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":1,\"args\":{"
            "\"sort_index\":1}},\n"
            "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":2,\"args\":{\"name\":"
            "\"vm rtos vcpu0\"}},\n"
            "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":1,\"tid\":2,\"args\":{"
            "\"sort_index\":2}},\n"
            "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":2,\"args\":{\"name\":\"core "
            "cpu1\"}},\n"
            "{\"name\":\"process_sort_index\",\"ph\":\"M\",\"pid\":2,\"args\":{\"sort_index\":2}},"
            "\n"
            "{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":2,\"tid\":3,\"args\":{\"name\":"
            "\"os \\\"linux\\\"\"}},\n"
            "{\"name\":\"thread_sort_index\",\"ph\":\"M\",\"pid\":2,\"tid\":3,\"args\":{"
            "\"sort_index\":3}}\n"
            "]}\n";
        struct trace_sink *sink = trace_sink_create();
        struct memory_stream out = { 0 };
        struct trace_chrome writer;

        out.stream = open_memstream(&out.text, &out.size);
        ck_assert_ptr_nonnull(out.stream);
        ck_assert_int_eq(trace_chrome_start(&writer, sink, out.stream), 0);
        emit_sequence(sink);
        ck_assert_int_eq(trace_chrome_finish(&writer, sink), 0);
        ck_assert_int_eq(fclose(out.stream), 0);
        ck_assert_str_eq(out.text, expected);
        free(out.text);
        trace_sink_destroy(sink);
}
END_TEST

/* Times are nanoseconds; the world switch preempts the vCPU "task" and resumes it; a core is
 * executing from its first slice to its last; the counter and the cut slices leave no line. */
START_TEST(test_btf_writer)
{
        static const char expected[] = "#version 2.1.5\n"
                                       "#creator mosaic\n"
                                       "#creationDate 1970-01-01T00:00:00Z\n"
                                       "#inputFile unit_test\n"
                                       "#timeScale ns\n"
                                       "0,STI_rtos/brake,0,T,rtos/brake,0,activate\n"
                                       "0,Core_cpu0,0,C,Core_cpu0,0,execute\n"
                                       "0,Core_cpu0,0,T,Core_rtos_vcpu0,0,start\n"
                                       "0,Core_cpu0,0,T,Core_rtos_vcpu0,0,preempt\n"
                                       "0,Core_cpu0,0,I,cpu0/world_switch,0,start\n"
                                       "1,Core_cpu0,0,I,cpu0/world_switch,0,terminate\n"
                                       "1,Core_cpu0,0,T,Core_rtos_vcpu0,0,resume\n"
                                       "1,Core_rtos_vcpu0,0,C,Core_rtos_vcpu0,0,execute\n"
                                       "1,Core_rtos_vcpu0,0,T,rtos/brake,0,start\n"
                                       "1500,Core_rtos_vcpu0,0,T,rtos/brake,0,preempt\n"
                                       "1500,Core_rtos_vcpu0,0,C,Core_rtos_vcpu0,0,idle\n"
                                       "2500,Core_rtos_vcpu0,0,C,Core_rtos_vcpu0,0,execute\n"
                                       "2500,Core_rtos_vcpu0,0,T,rtos/brake,0,resume\n";
        struct trace_sink *sink = trace_sink_create();
        struct memory_stream out = { 0 };
        struct trace_btf writer;

        out.stream = open_memstream(&out.text, &out.size);
        ck_assert_ptr_nonnull(out.stream);
        /* a space in the input name would split the header value: it becomes '_' */
        ck_assert_int_eq(trace_btf_start(&writer, sink, out.stream, "unit test"), 0);
        emit_sequence(sink);
        ck_assert_int_eq(trace_btf_finish(&writer), 0);
        ck_assert_int_eq(fclose(out.stream), 0);
        ck_assert_str_eq(out.text, expected);
        free(out.text);
        trace_sink_destroy(sink);
}
END_TEST

/* Both writers on one sink see the same events: each output is as when written alone. */
START_TEST(test_two_writers)
{
        struct trace_sink *sink = trace_sink_create();
        struct memory_stream json = { 0 }, btf = { 0 };
        struct trace_chrome chrome;
        struct trace_btf btf_writer;

        json.stream = open_memstream(&json.text, &json.size);
        btf.stream = open_memstream(&btf.text, &btf.size);
        ck_assert_int_eq(trace_chrome_start(&chrome, sink, json.stream), 0);
        ck_assert_int_eq(trace_btf_start(&btf_writer, sink, btf.stream, "x"), 0);
        emit_sequence(sink);
        ck_assert_int_eq(trace_chrome_finish(&chrome, sink), 0);
        ck_assert_int_eq(trace_btf_finish(&btf_writer), 0);
        fclose(json.stream);
        fclose(btf.stream);
        ck_assert_ptr_nonnull(strstr(json.text, "\"ts\":3.000001,\"pid\":1,\"tid\":2"));
        ck_assert_ptr_nonnull(strstr(btf.text, "\n2500,Core_rtos_vcpu0,0,T,rtos/brake,0,resume\n"));
        free(json.text);
        free(btf.text);
        trace_sink_destroy(sink);
}
END_TEST

/*
 * The guest OS's probes. One OS on cpu0 at 1 GHz (1 cycle = 1 ns), 100-cycle context switches;
 * "hi" (priority 2) every 10 us for 2 us, "lo" (priority 1) every 20 us for 9 us with a 12 us
 * deadline; 20 us run, so hi has jobs 0 and 1 and lo job 0. By hand:
 *   0     releases hi 0, lo 0; switch to hi [0, 0.1]; hi 0 runs [0.1, 2.1]
 *   2.1   switch to lo [2.1, 2.2]; lo 0 runs from 2.2 (would end at 11.2)
 *   10    hi 1 released; lo preempted after 7.8 us (1.2 us left); switch [10, 10.1];
 *         hi 1 runs [10.1, 12.1]
 *   12.1  switch to lo [12.1, 12.2]; lo 0 resumes [12.2, 13.4]: 13.4 > 12, a deadline miss
 */
static char name_cpu0[] = "cpu0", name_rtos[] = "rtos", name_hi[] = "hi", name_lo[] = "lo",
            name_test[] = "trace", name_platform[] = "one-core";

static struct task_config probe_task(char *name, sim_time_t period_ps, sim_time_t deadline_ps,
                                     uint64_t cycles, uint32_t priority)
{
        return (struct task_config){
                .name = name,
                .activation = TASK_PERIODIC,
                .period_ps = period_ps,
                .max_interarrival_ps = period_ps,
                .deadline_ps = deadline_ps,
                .priority = priority,
                .core = 0,
                .demand = { .distribution = DEMAND_FIXED,
                            .min_cycles = cycles,
                            .max_cycles = cycles,
                            .mean_cycles = (double)cycles },
        };
}

START_TEST(test_guest_os_probes)
{
        static const struct {
                sim_time_t time_ps;
                enum trace_phase phase;
                enum trace_kind kind;
                enum trace_reason reason;
                const char *name;
                uint64_t instance;
        } expected[] = {
                { 0, TRACE_INSTANT, TRACE_RELEASE, 0, "hi", 0 },
                { 0, TRACE_INSTANT, TRACE_RELEASE, 0, "lo", 0 },
                { 0, TRACE_BEGIN, TRACE_CONTEXT_SWITCH, TRACE_START, "hi", 0 },
                { 100 * NS, TRACE_END, TRACE_CONTEXT_SWITCH, TRACE_FINISH, "hi", 0 },
                { 100 * NS, TRACE_BEGIN, TRACE_JOB, TRACE_START, "hi", 0 },
                { 2100 * NS, TRACE_END, TRACE_JOB, TRACE_FINISH, "hi", 0 },
                { 2100 * NS, TRACE_BEGIN, TRACE_CONTEXT_SWITCH, TRACE_START, "lo", 0 },
                { 2200 * NS, TRACE_END, TRACE_CONTEXT_SWITCH, TRACE_FINISH, "lo", 0 },
                { 2200 * NS, TRACE_BEGIN, TRACE_JOB, TRACE_START, "lo", 0 },
                { 10 * US, TRACE_INSTANT, TRACE_RELEASE, 0, "hi", 1 },
                { 10 * US, TRACE_END, TRACE_JOB, TRACE_PREEMPT, "lo", 0 },
                { 10 * US, TRACE_BEGIN, TRACE_CONTEXT_SWITCH, TRACE_START, "hi", 1 },
                { 10100 * NS, TRACE_END, TRACE_CONTEXT_SWITCH, TRACE_FINISH, "hi", 1 },
                { 10100 * NS, TRACE_BEGIN, TRACE_JOB, TRACE_START, "hi", 1 },
                { 12100 * NS, TRACE_END, TRACE_JOB, TRACE_FINISH, "hi", 1 },
                { 12100 * NS, TRACE_BEGIN, TRACE_CONTEXT_SWITCH, TRACE_START, "lo", 0 },
                { 12200 * NS, TRACE_END, TRACE_CONTEXT_SWITCH, TRACE_FINISH, "lo", 0 },
                { 12200 * NS, TRACE_BEGIN, TRACE_JOB, TRACE_RESUME, "lo", 0 },
                { 13400 * NS, TRACE_END, TRACE_JOB, TRACE_FINISH, "lo", 0 },
                { 13400 * NS, TRACE_INSTANT, TRACE_DEADLINE_MISS, 0, "lo", 0 },
        };
        struct core_config core = { .name = name_cpu0, .clock_hz = 1000000000 };
        size_t os_cores[1] = { 0 };
        struct task_config tasks[2] = { probe_task(name_hi, 10 * US, 10 * US, 2000, 2),
                                        probe_task(name_lo, 20 * US, 12 * US, 9000, 1) };
        struct os_config os = { .name = name_rtos,
                                .scheduler = OS_SCHED_FIXED_PRIORITY,
                                .context_switch_cycles = 100,
                                .core_count = 1,
                                .cores = os_cores,
                                .task_count = 2,
                                .tasks = tasks };
        struct scenario scenario = {
                .name = name_test,
                .run = { .duration_ps = 20 * US, .seed = 1, .fidelity = FIDELITY_DETAILED },
                .platform = { .name = name_platform, .core_count = 1, .cores = &core },
                .os_count = 1,
                .oses = &os,
        };
        struct sim *sim = sim_create(NULL);
        struct metrics *metrics = metrics_create();
        struct trace_sink *sink = trace_sink_create();
        struct platform *platform;
        struct recorder r;
        const struct trace_track *track;

        subscribe_recorder(sink, &r);
        ck_assert_int_eq(platform_build_traced(&scenario, sim, metrics, sink, &platform), 0);
        ck_assert_uint_eq(trace_sink_track_count(sink), 1);
        track = trace_sink_track(sink, 0);
        ck_assert_str_eq(track->core, "cpu0");
        ck_assert_str_eq(track->label, "os rtos");
        ck_assert_str_eq(track->executor, "cpu0");
        ck_assert_str_eq(track->owner, "rtos");
        ck_assert_int_eq(sim_run_until(sim, scenario.run.duration_ps), 0);
        platform_finish(platform, sim_now(sim));
        trace_sink_close(sink, sim_now(sim));

        ck_assert_uint_eq(r.count, sizeof(expected) / sizeof(expected[0]));
        for (size_t i = 0; i < r.count; i++) {
                const struct trace_event *e = &r.events[i];

                ck_assert_uint_eq(e->time_ps, expected[i].time_ps);
                ck_assert_int_eq(e->phase, expected[i].phase);
                ck_assert_int_eq(e->kind, expected[i].kind);
                if (e->phase == TRACE_BEGIN || e->phase == TRACE_END)
                        ck_assert_int_eq(e->reason, expected[i].reason);
                ck_assert_str_eq(e->name, expected[i].name);
                ck_assert_uint_eq(e->instance, expected[i].instance);
                ck_assert_uint_eq(e->track, 0);
        }
        /* the metrics agree: one preemption and one miss of lo */
        ck_assert_uint_eq(metrics_find(metrics, "os/rtos/task/lo", "preemptions")->counter, 1);
        ck_assert_uint_eq(metrics_find(metrics, "os/rtos/task/lo", "deadline_misses")->counter, 1);
        platform_destroy(platform);
        trace_sink_destroy(sink);
        metrics_destroy(metrics);
        sim_destroy(sim);
}
END_TEST

/*
 * The hypervisor's probes, on tests/unit/scenarios/arinc_base.json (worked out in
 * test_platform_hv.c): cpu0's 10 ms frame gives vCPU rtos 0 a 3 ms window, then idles; a world
 * switch is 1 us; the guest job control 0 (5 ms of work, no guest context switch) is released
 * at 0. Hypervisor lane of cpu0: the vCPU holds the core from 0 with a world switch [0, 1 us],
 * loses it at the window end (3 ms), resumes at 10 ms without a switch (its context is still
 * loaded) and stops holding it when the job completes at 12.001 ms. The guest lane sees one
 * job slice [0, 12.001 ms]: the hypervisor's preemption is invisible to the guest.
 */
START_TEST(test_hypervisor_probes)
{
        static const struct {
                sim_time_t time_ps;
                uint32_t track;
                enum trace_phase phase;
                enum trace_kind kind;
                enum trace_reason reason;
                const char *name;
        } expected[] = {
                { 0, 4, TRACE_INSTANT, TRACE_RELEASE, 0, "control" },
                { 0, 4, TRACE_BEGIN, TRACE_JOB, TRACE_START, "control" },
                { 0, 0, TRACE_BEGIN, TRACE_VCPU, TRACE_START, "rtos_vcpu0" },
                { 0, 0, TRACE_BEGIN, TRACE_WORLD_SWITCH, TRACE_START, "rtos_vcpu0" },
                { 1 * US, 0, TRACE_END, TRACE_WORLD_SWITCH, TRACE_FINISH, "rtos_vcpu0" },
                { 3000 * US, 0, TRACE_END, TRACE_VCPU, TRACE_PREEMPT, "rtos_vcpu0" },
                { 10000 * US, 0, TRACE_BEGIN, TRACE_VCPU, TRACE_RESUME, "rtos_vcpu0" },
                { 12001 * US, 4, TRACE_END, TRACE_JOB, TRACE_FINISH, "control" },
                { 12001 * US, 0, TRACE_END, TRACE_VCPU, TRACE_PREEMPT, "rtos_vcpu0" },
        };
        struct scenario scenario;
        struct scenario_diag diag;
        struct sim *sim = sim_create(NULL);
        struct metrics *metrics = metrics_create();
        struct trace_sink *sink = trace_sink_create();
        struct platform *platform;
        struct recorder r;

        ck_assert_int_eq(scenario_load("tests/unit/scenarios/arinc_base.json", &scenario, &diag),
                         0);
        subscribe_recorder(sink, &r);
        ck_assert_int_eq(platform_build_traced(&scenario, sim, metrics, sink, &platform), 0);
        /* a hypervisor lane per core (cpu0..cpu3), then the guest's vCPU lane */
        ck_assert_uint_eq(trace_sink_track_count(sink), 5);
        ck_assert_str_eq(trace_sink_track(sink, 3)->label, "hypervisor");
        ck_assert_str_eq(trace_sink_track(sink, 3)->core, "cpu3");
        ck_assert_str_eq(trace_sink_track(sink, 4)->label, "vm rtos vcpu0");
        ck_assert_str_eq(trace_sink_track(sink, 4)->core, "cpu0");
        ck_assert_str_eq(trace_sink_track(sink, 4)->executor, "rtos_vcpu0");
        ck_assert_int_eq(sim_run_until(sim, scenario.run.duration_ps), 0);
        platform_finish(platform, sim_now(sim));
        trace_sink_close(sink, sim_now(sim));

        ck_assert_uint_eq(r.count, sizeof(expected) / sizeof(expected[0]));
        for (size_t i = 0; i < r.count; i++) {
                const struct trace_event *e = &r.events[i];

                ck_assert_uint_eq(e->time_ps, expected[i].time_ps);
                ck_assert_uint_eq(e->track, expected[i].track);
                ck_assert_int_eq(e->phase, expected[i].phase);
                ck_assert_int_eq(e->kind, expected[i].kind);
                if (e->phase != TRACE_INSTANT)
                        ck_assert_int_eq(e->reason, expected[i].reason);
                ck_assert_str_eq(e->name, expected[i].name);
                ck_assert_uint_eq(e->instance, 0);
        }
        platform_destroy(platform);
        trace_sink_destroy(sink);
        metrics_destroy(metrics);
        sim_destroy(sim);
        scenario_free(&scenario);
}
END_TEST

/*
 * ISR slices and interrupt edges, on tests/unit/scenarios/activation_doorbell_amp.json (worked
 * out in test_os_activation.c): OS a on cpu0 (track 0), OS b on cpu1 (track 1), no context
 * switch cost. Each period k ms: sensor runs [k, k + 1 us]; its completion rings SGI 1 at
 * cpu1 at k + 1 us (the edge: an instant on b's lane), b's ISR bell runs from its exception
 * entry at k + 1 us to k + 1.55 us and releases brake, which runs [k + 1.55, k + 3.55 us].
 * The BTF and Chrome writers turn them into I (ISR) and STI (edge) lines and isr / irq events.
 */
START_TEST(test_interrupt_probes)
{
        static const struct {
                sim_time_t time_ps;
                uint32_t track;
                enum trace_phase phase;
                enum trace_kind kind;
                const char *name;
        } period[] = {
                { 0, 0, TRACE_INSTANT, TRACE_RELEASE, "sensor" },
                { 0, 0, TRACE_BEGIN, TRACE_JOB, "sensor" },
                { 1000 * NS, 0, TRACE_END, TRACE_JOB, "sensor" },
                { 1000 * NS, 1, TRACE_INSTANT, TRACE_IRQ, "bell" },
                { 1000 * NS, 1, TRACE_BEGIN, TRACE_ISR, "bell" },
                { 1550 * NS, 1, TRACE_END, TRACE_ISR, "bell" },
                { 1550 * NS, 1, TRACE_INSTANT, TRACE_RELEASE, "brake" },
                { 1550 * NS, 1, TRACE_BEGIN, TRACE_JOB, "brake" },
                { 3550 * NS, 1, TRACE_END, TRACE_JOB, "brake" },
        };
        const size_t n = sizeof(period) / sizeof(period[0]);
        struct scenario scenario;
        struct scenario_diag d;
        struct sim *sim = sim_create(NULL);
        struct metrics *metrics = metrics_create();
        struct trace_sink *sink = trace_sink_create();
        struct memory_stream btf = { 0 }, chrome = { 0 };
        struct trace_btf btf_writer;
        struct trace_chrome chrome_writer;
        struct platform *platform;
        struct recorder r;

        ck_assert_int_eq(
            scenario_load("tests/unit/scenarios/activation_doorbell_amp.json", &scenario, &d), 0);
        subscribe_recorder(sink, &r);
        btf.stream = open_memstream(&btf.text, &btf.size);
        chrome.stream = open_memstream(&chrome.text, &chrome.size);
        ck_assert_int_eq(trace_btf_start(&btf_writer, sink, btf.stream, "doorbell"), 0);
        ck_assert_int_eq(trace_chrome_start(&chrome_writer, sink, chrome.stream), 0);
        ck_assert_int_eq(platform_build_traced(&scenario, sim, metrics, sink, &platform), 0);
        ck_assert_int_eq(sim_run_until(sim, scenario.run.duration_ps), 0);
        platform_finish(platform, sim_now(sim));
        trace_sink_close(sink, sim_now(sim));
        ck_assert_int_eq(trace_btf_finish(&btf_writer), 0);
        ck_assert_int_eq(trace_chrome_finish(&chrome_writer, sink), 0);
        ck_assert_int_eq(fclose(btf.stream), 0);
        ck_assert_int_eq(fclose(chrome.stream), 0);

        ck_assert_uint_eq(r.count, 2 * n);
        for (size_t i = 0; i < r.count; i++) {
                const struct trace_event *e = &r.events[i];
                uint64_t k = i / n;

                ck_assert_uint_eq(e->time_ps, k * SIM_PS_PER_MS + period[i % n].time_ps);
                ck_assert_uint_eq(e->track, period[i % n].track);
                ck_assert_int_eq(e->phase, period[i % n].phase);
                ck_assert_int_eq(e->kind, period[i % n].kind);
                if (e->phase != TRACE_END) {
                        ck_assert_str_eq(e->name, period[i % n].name);
                        ck_assert_uint_eq(e->instance, k);
                }
        }
        ck_assert_ptr_nonnull(strstr(btf.text, "\n1000,Core_cpu1,0,STI,IRQ_bell,0,trigger\n"
                                               "1000,Core_cpu1,0,C,Core_cpu1,0,execute\n"
                                               "1000,Core_cpu1,0,I,b/bell,0,start\n"
                                               "1550,Core_cpu1,0,I,b/bell,0,terminate\n"));
        ck_assert_ptr_nonnull(strstr(btf.text, "\n1001000,Core_cpu1,0,I,b/bell,1,start\n"));
        ck_assert_ptr_nonnull(strstr(chrome.text,
                                     "{\"name\":\"irq bell\",\"cat\":\"irq\",\"ph\":\"i\","
                                     "\"ts\":1.000000,\"pid\":2,\"tid\":2,\"s\":\"t\","
                                     "\"args\":{\"instance\":0}}"));
        ck_assert_ptr_nonnull(strstr(chrome.text, "{\"name\":\"bell\",\"cat\":\"isr\",\"ph\":\"B\","
                                                  "\"ts\":1.000000,\"pid\":2,\"tid\":2,"
                                                  "\"args\":{\"instance\":0}}"));
        free(btf.text);
        free(chrome.text);
        platform_destroy(platform);
        trace_sink_destroy(sink);
        metrics_destroy(metrics);
        sim_destroy(sim);
        scenario_free(&scenario);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("trace");
        TCase *tc = tcase_create("trace");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_no_subscriber_is_silent);
        tcase_add_test(tc, test_subscribe_limits);
        tcase_add_test(tc, test_nesting_and_close);
        tcase_add_test(tc, test_chrome_writer);
        tcase_add_test(tc, test_btf_writer);
        tcase_add_test(tc, test_two_writers);
        tcase_add_test(tc, test_guest_os_probes);
        tcase_add_test(tc, test_hypervisor_probes);
        tcase_add_test(tc, test_interrupt_probes);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
