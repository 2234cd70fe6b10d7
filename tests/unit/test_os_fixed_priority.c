/*
 * Fixed-priority guest OS on the platform: response times against response-time analysis,
 * deadline misses, preemptions, context switches, jitter, utilisation, determinism.
 *
 * Scenarios are built directly in C. Unless a test says otherwise, cores run at 1 GHz, so
 * 1 cycle = 1 ns = 1000 ps exactly and 1 us = 1000 cycles; all times below are in us or ns.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "models/platform.h"
#include "sim/metrics.h"
#include "sim/scenario.h"
#include "sim/sim.h"

#define US        SIM_PS_PER_US
#define NS        SIM_PS_PER_NS
#define MAX_TASKS 8

/* One platform of up to two cores with one fixed-priority OS on core 0. */
struct fixture {
        struct scenario scenario;
        struct core_config cores[2];
        size_t os_cores[2];
        struct os_config os;
        struct task_config tasks[MAX_TASKS];
        struct sim *sim;
        struct metrics *metrics;
        struct platform *platform;
};

/* Names the configs point at; file scope so they outlive every fixture. */
static char name_cpu0[] = "cpu0", name_cpu1[] = "cpu1", name_rtos[] = "rtos", name_test[] = "test",
            name_platform[] = "two-core";

static void fixture_init(struct fixture *f, sim_time_t duration_ps, uint64_t switch_cycles)
{
        *f = (struct fixture){ 0 };
        f->cores[0] = (struct core_config){ .name = name_cpu0, .clock_hz = 1000000000 };
        f->cores[1] = (struct core_config){ .name = name_cpu1, .clock_hz = 1000000000 };
        f->os_cores[0] = 0;
        f->os = (struct os_config){ .name = name_rtos,
                                    .scheduler = OS_SCHED_FIXED_PRIORITY,
                                    .context_switch_cycles = switch_cycles,
                                    .core_count = 1,
                                    .cores = f->os_cores,
                                    .tasks = f->tasks };
        f->scenario = (struct scenario){
                .name = name_test,
                .run = { .duration_ps = duration_ps, .seed = 1, .fidelity = FIDELITY_DETAILED },
                .platform = { .name = name_platform, .core_count = 2, .cores = f->cores },
                .os_count = 1,
                .oses = &f->os,
        };
}

/* A periodic task with a fixed demand, deadline = period, offset 0, no jitter. */
static struct task_config *fixture_task(struct fixture *f, char *name, sim_time_t period_ps,
                                        uint64_t cycles, uint32_t priority)
{
        struct task_config *task = &f->tasks[f->os.task_count++];

        ck_assert_uint_le(f->os.task_count, MAX_TASKS);
        *task = (struct task_config){
                .name = name,
                .activation = TASK_PERIODIC,
                .period_ps = period_ps,
                .max_interarrival_ps = period_ps,
                .deadline_ps = period_ps,
                .priority = priority,
                .core = 0,
                .demand = { .distribution = DEMAND_FIXED,
                            .min_cycles = cycles,
                            .max_cycles = cycles,
                            .mean_cycles = (double)cycles },
        };
        return task;
}

static void fixture_run(struct fixture *f)
{
        f->sim = sim_create(NULL);
        f->metrics = metrics_create();
        ck_assert_ptr_nonnull(f->sim);
        ck_assert_ptr_nonnull(f->metrics);
        ck_assert_int_eq(platform_build(&f->scenario, f->sim, f->metrics, &f->platform), 0);
        ck_assert_int_eq(sim_run_until(f->sim, f->scenario.run.duration_ps), 0);
        ck_assert_uint_eq(sim_now(f->sim), f->scenario.run.duration_ps);
        platform_finish(f->platform, sim_now(f->sim));
}

static void fixture_free(struct fixture *f)
{
        platform_destroy(f->platform);
        sim_destroy(f->sim);
        metrics_destroy(f->metrics);
}

static const struct metric *task_metric(const struct fixture *f, const char *task, const char *name)
{
        char entity[128];
        const struct metric *metric;

        (void)snprintf(entity, sizeof(entity), "os/rtos/task/%s", task);
        metric = metrics_find(f->metrics, entity, name);
        ck_assert_msg(metric != NULL, "no metric %s/%s", entity, name);
        return metric;
}

static uint64_t task_counter(const struct fixture *f, const char *task, const char *name)
{
        return task_metric(f, task, name)->counter;
}

static const struct histogram *task_response(const struct fixture *f, const char *task)
{
        return &task_metric(f, task, "response_time")->histogram;
}

static const struct metric *core_metric(const struct fixture *f, const char *core, const char *name)
{
        char entity[64];
        const struct metric *metric;

        (void)snprintf(entity, sizeof(entity), "core/%s", core);
        metric = metrics_find(f->metrics, entity, name);
        ck_assert_msg(metric != NULL, "no metric %s/%s", entity, name);
        return metric;
}

/*
 * Response-time analysis, rate-monotonic priorities, one core, zero switch cost, offsets 0, no
 * jitter, D = T. Units of 1 us (C_i us = C_i * 1000 cycles):
 *
 *   task  C  T   prio   U = 1/5 + 4/8 + 3/20 + 2/40 + 2/80
 *   t1    1  5   5        = 0.2 + 0.5 + 0.15 + 0.05 + 0.025 = 0.925
 *   t2    4  8   4
 *   t3    3  20  3
 *   t4    2  40  2
 *   t5    2  80  1
 *
 * R_i = C_i + sum_{j in hp(i)} ceil(R_i / T_j) C_j, iterated from R = C_i:
 *   t1: R = 1.
 *   t2: 4 -> 4 + ceil(4/5)1 = 5 -> 4 + ceil(5/5)1 = 5.                              R2 = 5
 *   t3: 3 -> 3 + 1 + 4 = 8 -> 3 + ceil(8/5)1 + ceil(8/8)4 = 9 -> 3 + 2 + 2*4 = 13
 *       -> 3 + 3 + 8 = 14 -> 3 + ceil(14/5)1 + ceil(14/8)4 = 3 + 3 + 8 = 14.          R3 = 14
 *   t4: 2 -> 2+1+4+3 = 10 -> 2+2+8+3 = 15 -> 2+3+8+3 = 16 -> 2+4+8+3 = 17
 *       -> 2+4+12+3 = 21 -> 2+5+12+6 = 25 -> 2+5+16+6 = 29 -> 2+6+16+6 = 30 -> 30.    R4 = 30
 *   t5: 2 -> 2+1+4+3+2 = 12 -> 2+3+8+3+2 = 18 -> 2+4+12+3+2 = 23 -> 2+5+12+6+2 = 27
 *       -> 2+6+16+6+2 = 32 -> 2+7+16+6+2 = 33 -> 2+7+20+6+2 = 37 -> 2+8+20+6+2 = 38
 *       -> 2+8+20+6+2 = 38.                                                          R5 = 38
 * All R_i <= T_i, so the set is schedulable and the synchronous release at 0 is the critical
 * instant: the first job of each task has the maximum response time.
 *
 * Run two hyperperiods (lcm = 80): 160 us. The run covers [0, 160): activations at 0, T, ...,
 * 160 - T, i.e. 160/T = 32, 20, 8, 4, 2. Every job has its deadline <= 160 and meets it, so
 * completions = activations, no miss. Busy time: 0.925 * 160 = 148 us, utilisation
 * 148/160 = 0.925.
 */
START_TEST(test_rta_schedulable_set)
{
        static const struct {
                const char *name;
                uint64_t c_us, t_us, wcrt_us;
        } set[] = {
                { "t1", 1, 5, 1 },   { "t2", 4, 8, 5 },   { "t3", 3, 20, 14 },
                { "t4", 2, 40, 30 }, { "t5", 2, 80, 38 },
        };
        char names[5][4];
        struct fixture f;

        fixture_init(&f, 160 * US, 0);
        for (size_t i = 0; i < 5; i++) {
                (void)snprintf(names[i], sizeof(names[i]), "%s", set[i].name);
                fixture_task(&f, names[i], set[i].t_us * US, set[i].c_us * 1000, (uint32_t)(5 - i));
        }
        fixture_run(&f);
        for (size_t i = 0; i < 5; i++) {
                const struct histogram *response = task_response(&f, set[i].name);

                ck_assert_uint_eq(response->max, set[i].wcrt_us * US);
                ck_assert_uint_eq(task_counter(&f, set[i].name, "activations"), 160 / set[i].t_us);
                ck_assert_uint_eq(task_counter(&f, set[i].name, "completions"), 160 / set[i].t_us);
                ck_assert_uint_eq(response->count, 160 / set[i].t_us);
                ck_assert_uint_eq(task_counter(&f, set[i].name, "deadline_misses"), 0);
        }
        /* The highest-priority task is never delayed: every response is exactly C1. */
        ck_assert_uint_eq(task_response(&f, "t1")->min, 1 * US);
        ck_assert_double_eq(core_metric(&f, "cpu0", "utilisation")->gauge, 0.925);
        ck_assert_double_eq(core_metric(&f, "cpu1", "utilisation")->gauge, 0.0);
        ck_assert_uint_eq(core_metric(&f, "cpu1", "context_switches")->counter, 0);
        fixture_free(&f);
}
END_TEST

/*
 * The same set listed in reverse order: same-instant releases are then inserted into the
 * kernel in the opposite order, and every result must be the same.
 */
START_TEST(test_same_instant_order_independent)
{
        static const uint64_t c_us[] = { 1, 4, 3, 2, 2 }, t_us[] = { 5, 8, 20, 40, 80 };
        char names[2][5][4];
        struct fixture f[2];

        for (size_t run = 0; run < 2; run++) {
                fixture_init(&f[run], 160 * US, 0);
                for (size_t k = 0; k < 5; k++) {
                        size_t i = run == 0 ? k : 4 - k;

                        (void)snprintf(names[run][k], sizeof(names[run][k]), "t%zu", i + 1);
                        fixture_task(&f[run], names[run][k], t_us[i] * US, c_us[i] * 1000,
                                     (uint32_t)(5 - i));
                }
                fixture_run(&f[run]);
        }
        for (size_t i = 0; i < 5; i++) {
                const char *name = names[0][i];
                const struct histogram *a = task_response(&f[0], name);
                const struct histogram *b = task_response(&f[1], name);

                ck_assert_uint_eq(a->count, b->count);
                ck_assert_uint_eq(a->min, b->min);
                ck_assert_uint_eq(a->max, b->max);
                ck_assert(a->sum == b->sum);
                ck_assert_uint_eq(task_counter(&f[0], name, "preemptions"),
                                  task_counter(&f[1], name, "preemptions"));
        }
        ck_assert_uint_eq(core_metric(&f[0], "cpu0", "context_switches")->counter,
                          core_metric(&f[1], "cpu0", "context_switches")->counter);
        fixture_free(&f[0]);
        fixture_free(&f[1]);
}
END_TEST

/*
 * Unschedulable: C/T = 2/5, 4/10, 4/15 (us), priorities in that order; U = 0.4 + 0.4 + 0.267
 * > 1. The two upper tasks alone repeat every 30 us:
 *   t1 0-2, t2 2-5, t1 5-7, t2 7-8, free 8-10, t1 10-12, t2 12-15, t1 15-17, t2 17-18,
 *   free 18-20, t1 20-22, t2 22-25, t1 25-27, t2 27-28, free 28-30
 * so t1 responds in 2, t2 in 8 (<= 10), and t3 gets the free slots [8,10) [18,20) [28,30) ...
 * t3 job k (activation 15k, deadline 15k + 15) needs 4 us = two free slots; jobs are served in
 * order, so job k completes at 20(k+1): job0 at 20 (R 20), job1 at 40 (R 25), job2 at 60
 * (R 30), job3 at 80. Run to 70:
 *   activations t3: 0, 15, 30, 45, 60 = 5; completions 3, all late (20>15, 40>30, 60>45);
 *   at the end job3 (deadline 60 <= 70) is unfinished: one more miss; job4 (deadline 75) not.
 *   deadline_misses = 4, max response 30 us.
 *   Preemptions of t3: slices ending at 10, 30, 50 end with a release (t1 at 10, 30, 50); the
 *   slices ending at 20, 40, 60 end with a completion; the slice from 68 is still running at
 *   the end (nothing is activated at 70). = 3.
 *   Preemptions of t2: each t2 job (released 0, 10, ..., 60) is cut by t1's release in its
 *   middle (at 5, 15, 25, ..., 65): 7. t1: 0.
 * A run to 60 gives the same 4 misses (activations 0..45 = 4): job3's deadline is 60 = the
 * end, and a job unfinished when every event at 60 has run cannot complete by 60.
 */
static void unschedulable_run(struct fixture *f, sim_time_t duration_ps)
{
        static char t1[] = "t1", t2[] = "t2", t3[] = "t3";

        fixture_init(f, duration_ps, 0);
        fixture_task(f, t1, 5 * US, 2000, 3);
        fixture_task(f, t2, 10 * US, 4000, 2);
        fixture_task(f, t3, 15 * US, 4000, 1);
        fixture_run(f);
}

START_TEST(test_unschedulable_set)
{
        struct fixture f;

        unschedulable_run(&f, 70 * US);
        ck_assert_uint_eq(task_counter(&f, "t1", "deadline_misses"), 0);
        ck_assert_uint_eq(task_counter(&f, "t2", "deadline_misses"), 0);
        ck_assert_uint_eq(task_response(&f, "t1")->max, 2 * US);
        ck_assert_uint_eq(task_response(&f, "t2")->max, 8 * US);
        ck_assert_uint_eq(task_counter(&f, "t3", "activations"), 5);
        ck_assert_uint_eq(task_counter(&f, "t3", "completions"), 3);
        ck_assert_uint_eq(task_counter(&f, "t3", "deadline_misses"), 4);
        ck_assert_uint_eq(task_response(&f, "t3")->min, 20 * US);
        ck_assert_uint_eq(task_response(&f, "t3")->max, 30 * US);
        ck_assert_uint_eq(task_counter(&f, "t3", "preemptions"), 3);
        ck_assert_uint_eq(task_counter(&f, "t2", "preemptions"), 7);
        ck_assert_uint_eq(task_counter(&f, "t1", "preemptions"), 0);
        fixture_free(&f);

        unschedulable_run(&f, 60 * US);
        ck_assert_uint_eq(task_counter(&f, "t3", "activations"), 4);
        ck_assert_uint_eq(task_counter(&f, "t3", "completions"), 3);
        ck_assert_uint_eq(task_counter(&f, "t3", "deadline_misses"), 4);
        fixture_free(&f);
}
END_TEST

/*
 * Preemptions, simple: hi C=1 T=5, lo C=6 T=20 (us). hi 0-1, lo 1-5, hi released at 5
 * preempts lo (1), hi 5-6, lo 6-8 completes (R 8 us); hi at 10 and 15 finds the core idle.
 * Same from 20. Run to 40 (jobs activated before 40): lo preempted at 5 and 25 = 2. hi is
 * never preempted.
 */
START_TEST(test_preemption_count)
{
        struct fixture f;

        fixture_init(&f, 40 * US, 0);
        fixture_task(&f, (char[]){ "hi" }, 5 * US, 1000, 2);
        fixture_task(&f, (char[]){ "lo" }, 20 * US, 6000, 1);
        fixture_run(&f);
        ck_assert_uint_eq(task_counter(&f, "lo", "preemptions"), 2);
        ck_assert_uint_eq(task_counter(&f, "hi", "preemptions"), 0);
        ck_assert_uint_eq(task_response(&f, "lo")->max, 8 * US);
        ck_assert_uint_eq(task_response(&f, "lo")->min, 8 * US);
        /* Zero-cost switches are still counted: to hi at 0, lo at 1, hi at 5, lo at 6, hi at
         * 10 (lo was loaded); 15 none; 20 none (hi loaded), lo at 21, hi at 25, lo at 26, hi
         * at 30; 35 none = 9. */
        ck_assert_uint_eq(core_metric(&f, "cpu0", "context_switches")->counter, 9);
        fixture_free(&f);
}
END_TEST

/*
 * Context switches of 100 cycles = 100 ns; hi C=1000 ns T=5000 ns, lo C=6000 ns T=20000 ns.
 * Timeline (ns), "sw" = a switch executing:
 *   0     sw(->hi) 0-100, hi 100-1100                      R_hi 1100
 *   1100  sw(->lo) 1100-1200, lo 1200-5000 (3800 done, 2200 left)
 *   5000  lo preempted, sw(->hi) 5000-5100, hi 5100-6100   R_hi 1100
 *   6100  sw(->lo) 6100-6200, lo 6200-8400                 R_lo 8400
 *   10000 lo loaded: sw(->hi) 10000-10100, hi -11100       R_hi 1100
 *   15000 hi loaded (idle since): hi 15000-16000           R_hi 1000
 *   20000 hi loaded: hi 20000-21000                        R_hi 1000
 *   21000 sw(->lo) -21100, lo 21100-25000 (3900 done, 2100 left)
 *   25000 sw(->hi) -25100, hi -26100                       R_hi 1100
 *   26100 sw(->lo) -26200, lo 26200-28300                  R_lo 8300
 *   30000 sw(->hi) -30100, hi -31100                       R_hi 1100
 *   35000 hi 35000-36000                                   R_hi 1000
 * context_switches = 9 (at 0, 1100, 5000, 6100, 10000, 21000, 25000, 26100, 30000).
 * hi: 8 completions, max 1100, min 1000; lo: 2 completions, 8400 and 8300; lo preempted 2x.
 * Busy: 8 * 1000 + 2 * 6000 + 9 * 100 = 20900 ns of 40000: utilisation 0.5225.
 */
START_TEST(test_context_switch_cost)
{
        struct fixture f;

        fixture_init(&f, 40000 * NS, 100);
        fixture_task(&f, (char[]){ "hi" }, 5000 * NS, 1000, 2);
        fixture_task(&f, (char[]){ "lo" }, 20000 * NS, 6000, 1);
        fixture_run(&f);
        ck_assert_uint_eq(core_metric(&f, "cpu0", "context_switches")->counter, 9);
        ck_assert_uint_eq(task_counter(&f, "hi", "completions"), 8);
        ck_assert_uint_eq(task_response(&f, "hi")->max, 1100 * NS);
        ck_assert_uint_eq(task_response(&f, "hi")->min, 1000 * NS);
        ck_assert_uint_eq(task_counter(&f, "lo", "completions"), 2);
        ck_assert_uint_eq(task_response(&f, "lo")->max, 8400 * NS);
        ck_assert_uint_eq(task_response(&f, "lo")->min, 8300 * NS);
        ck_assert_uint_eq(task_counter(&f, "lo", "preemptions"), 2);
        ck_assert_double_eq(core_metric(&f, "cpu0", "utilisation")->gauge, 0.5225);
        fixture_free(&f);
}
END_TEST

/*
 * A release during a (non-preemptible) context switch waits for it, then costs a second one.
 * Switch 500 ns; lo C=1000 ns released at 0; hi C=1000 ns released at 200 ns (offset).
 *   0    sw(->lo) 0-500 (hi released at 200 cannot interrupt it)
 *   500  hi is first: sw(->hi) 500-1000, hi 1000-2000      R_hi = 2000 - 200 = 1800
 *   2000 sw(->lo) 2000-2500, lo 2500-3500                   R_lo = 3500
 * lo was never executing when hi overtook it: 0 preemptions. 3 switches. Run to 10 us.
 */
START_TEST(test_release_during_switch)
{
        struct fixture f;
        struct task_config *hi;

        fixture_init(&f, 10 * US, 500);
        fixture_task(&f, (char[]){ "lo" }, 100 * US, 1000, 1);
        hi = fixture_task(&f, (char[]){ "hi" }, 100 * US, 1000, 2);
        hi->offset_ps = 200 * NS;
        fixture_run(&f);
        ck_assert_uint_eq(task_response(&f, "hi")->max, 1800 * NS);
        ck_assert_uint_eq(task_response(&f, "lo")->max, 3500 * NS);
        ck_assert_uint_eq(task_counter(&f, "lo", "preemptions"), 0);
        ck_assert_uint_eq(core_metric(&f, "cpu0", "context_switches")->counter, 3);
        fixture_free(&f);
}
END_TEST

/*
 * Jobs of one task queue FIFO: C = 3 us, T = 2 us, alone. Job k (activation 2k) can only
 * start when job k-1 completes, so job k completes at 3(k+1): R_k = 3(k+1) - 2k = k + 3.
 * Run to 20: completions at 3, 6, ..., 18 = 6 (R = 3..8 us), activations 0, 2, ..., 18 = 10.
 * Deadlines 2k + 2: every completed job misses (k + 3 > 2); at the end the unfinished jobs
 * are k = 6..9 with deadlines 14, 16, 18, 20 (<= 20): four more. Misses = 10.
 * The core never idles: utilisation 1.
 */
START_TEST(test_backlog_fifo)
{
        struct fixture f;

        fixture_init(&f, 20 * US, 0);
        fixture_task(&f, (char[]){ "t" }, 2 * US, 3000, 1);
        fixture_run(&f);
        ck_assert_uint_eq(task_counter(&f, "t", "activations"), 10);
        ck_assert_uint_eq(task_counter(&f, "t", "completions"), 6);
        ck_assert_uint_eq(task_response(&f, "t")->min, 3 * US);
        ck_assert_uint_eq(task_response(&f, "t")->max, 8 * US);
        ck_assert_uint_eq(task_counter(&f, "t", "deadline_misses"), 10);
        ck_assert_uint_eq(task_counter(&f, "t", "preemptions"), 0);
        ck_assert_double_eq(core_metric(&f, "cpu0", "utilisation")->gauge, 1.0);
        fixture_free(&f);
}
END_TEST

/*
 * C/T = 5 us / 20 us = 0.25 alone, over 10 periods (200 us): busy 10 * 5 = 50 us,
 * utilisation 50/200 = 0.25 exactly; one context switch (the first load).
 */
START_TEST(test_utilisation_quarter)
{
        struct fixture f;

        fixture_init(&f, 200 * US, 0);
        fixture_task(&f, (char[]){ "q" }, 20 * US, 5000, 1);
        fixture_run(&f);
        ck_assert_double_eq(core_metric(&f, "cpu0", "utilisation")->gauge, 0.25);
        ck_assert_uint_eq(core_metric(&f, "cpu0", "context_switches")->counter, 1);
        ck_assert_double_eq(core_metric(&f, "cpu1", "utilisation")->gauge, 0.0);
        fixture_free(&f);
}
END_TEST

/*
 * Release jitter: alone on the core, C = 2 us, T = 10 us, jitter 3 us, D = 10 us. A job is
 * released at activation + j, j in [0, 3 us], and runs at once, so its response time is
 * j + 2 us: in [2, 5] us, never a miss. 1000 periods; with 1000 uniform draws over 3,000,001
 * values the extremes of the observed range lie within 1% of the ends, so max > 4.9 us and
 * min < 2.1 us show the jitter is applied and counted in the response time.
 */
static char name_jitter[] = "j";

static void jitter_run(struct fixture *f, uint64_t seed)
{
        struct task_config *task;

        fixture_init(f, 10000 * US, 0);
        f->scenario.run.seed = seed;
        task = fixture_task(f, name_jitter, 10 * US, 2000, 1);
        task->jitter_ps = 3 * US;
        fixture_run(f);
}

START_TEST(test_jitter_in_response_time)
{
        struct fixture f;
        const struct histogram *response;

        jitter_run(&f, 7);
        response = task_response(&f, "j");
        ck_assert_uint_eq(response->count, 1000);
        ck_assert_uint_ge(response->min, 2 * US);
        ck_assert_uint_le(response->max, 5 * US);
        ck_assert_uint_gt(response->max, 4900 * NS);
        ck_assert_uint_lt(response->min, 2100 * NS);
        ck_assert_uint_eq(task_counter(&f, "j", "deadline_misses"), 0);
        fixture_free(&f);
}
END_TEST

START_TEST(test_jitter_seeded)
{
        struct fixture a, b, c;

        jitter_run(&a, 7);
        jitter_run(&b, 7);
        jitter_run(&c, 8);
        ck_assert(task_response(&a, "j")->sum == task_response(&b, "j")->sum);
        ck_assert_uint_eq(task_response(&a, "j")->min, task_response(&b, "j")->min);
        ck_assert_uint_eq(task_response(&a, "j")->max, task_response(&b, "j")->max);
        ck_assert(task_response(&a, "j")->sum != task_response(&c, "j")->sum);
        fixture_free(&a);
        fixture_free(&b);
        fixture_free(&c);
}
END_TEST

/*
 * Partitioned on two cores: a (C 5 of T 10 us) on cpu0 and b (C 2 of T 10 us) on cpu1 share
 * priority 1, which is allowed on different cores, and never interfere: responses exactly 5
 * and 2 us; over 100 us utilisation 50/100 = 0.5 and 20/100 = 0.2; one switch per core.
 */
START_TEST(test_partitioned_two_cores)
{
        struct fixture f;

        fixture_init(&f, 100 * US, 0);
        f.os_cores[1] = 1;
        f.os.core_count = 2;
        fixture_task(&f, (char[]){ "a" }, 10 * US, 5000, 1);
        fixture_task(&f, (char[]){ "b" }, 10 * US, 2000, 1)->core = 1;
        fixture_run(&f);
        ck_assert_uint_eq(task_response(&f, "a")->min, 5 * US);
        ck_assert_uint_eq(task_response(&f, "a")->max, 5 * US);
        ck_assert_uint_eq(task_response(&f, "b")->min, 2 * US);
        ck_assert_uint_eq(task_response(&f, "b")->max, 2 * US);
        ck_assert_double_eq(core_metric(&f, "cpu0", "utilisation")->gauge, 0.5);
        ck_assert_double_eq(core_metric(&f, "cpu1", "utilisation")->gauge, 0.2);
        ck_assert_uint_eq(core_metric(&f, "cpu0", "context_switches")->counter, 1);
        ck_assert_uint_eq(core_metric(&f, "cpu1", "context_switches")->counter, 1);
        fixture_free(&f);
}
END_TEST

/*
 * Sporadic, alone: C = 1 us, inter-arrival in [10, 20] us, first at 0, run 10 ms. Activation k
 * lies in [10k, 20k] us and counts when < 10000 us: k <= 499 always counts (<= 9980), k >= 1000
 * never, so 500 to 1000 activations; a job never waits, so every response is 1 us and none
 * misses its 10 us deadline.
 */
START_TEST(test_sporadic_on_platform)
{
        struct fixture f;
        struct task_config *task;
        uint64_t activations;

        fixture_init(&f, 10000 * US, 0);
        task = fixture_task(&f, (char[]){ "s" }, 10 * US, 1000, 1);
        task->activation = TASK_SPORADIC;
        task->max_interarrival_ps = 20 * US;
        fixture_run(&f);
        activations = task_counter(&f, "s", "activations");
        ck_assert_uint_ge(activations, 500);
        ck_assert_uint_le(activations, 1000);
        ck_assert_uint_ge(task_counter(&f, "s", "completions"), activations - 1);
        ck_assert_uint_eq(task_response(&f, "s")->min, 1 * US);
        ck_assert_uint_eq(task_response(&f, "s")->max, 1 * US);
        ck_assert_uint_eq(task_counter(&f, "s", "deadline_misses"), 0);
        fixture_free(&f);
}
END_TEST

/*
 * Activations count jobs activated by the end even when jitter holds the release beyond it:
 * T = 10 us, jitter 9 us, run to 95 us: activations at 0, 10, ..., 90 = 10 for every seed
 * (the job activated at 90 is released in [90, 99], beyond the end for about 4 in 10 seeds).
 * Jobs 0..80 always complete (released by 89, 1 us of work); the one activated at 90 completes
 * only if released by 94, so runs with 9 completions include the held releases.
 */
START_TEST(test_activations_include_held_releases)
{
        int held = 0;

        for (uint64_t seed = 1; seed <= 20; seed++) {
                struct fixture f;
                struct task_config *task;

                fixture_init(&f, 95 * US, 0);
                f.scenario.run.seed = seed;
                task = fixture_task(&f, (char[]){ "j" }, 10 * US, 1000, 1);
                task->jitter_ps = 9 * US;
                fixture_run(&f);
                ck_assert_uint_eq(task_counter(&f, "j", "activations"), 10);
                held += task_response(&f, "j")->count == 9;
                fixture_free(&f);
        }
        ck_assert_int_gt(held, 0); /* the case was exercised */
        ck_assert_int_lt(held, 20);
}
END_TEST

/* Configurations the models cannot run are refused with nothing created or scheduled. */
START_TEST(test_invalid_configurations)
{
        struct fixture f;
        struct os_config second;
        struct os_config oses[2];
        struct platform *platform = NULL;
        struct sim *sim = sim_create(NULL);
        struct metrics *metrics = metrics_create();

        /* two tasks with one priority on one core */
        fixture_init(&f, 10 * US, 0);
        fixture_task(&f, (char[]){ "a" }, 5 * US, 1000, 1);
        fixture_task(&f, (char[]){ "b" }, 5 * US, 1000, 1);
        ck_assert_int_eq(platform_build(&f.scenario, sim, metrics, &platform), -EINVAL);
        ck_assert_uint_eq(metrics_count(metrics), 0);

        /* a task on a core its OS does not own */
        fixture_init(&f, 10 * US, 0);
        fixture_task(&f, (char[]){ "a" }, 5 * US, 1000, 1)->core = 1;
        ck_assert_int_eq(platform_build(&f.scenario, sim, metrics, &platform), -EINVAL);
        ck_assert_uint_eq(metrics_count(metrics), 0);

        /* two OSes on one core */
        fixture_init(&f, 10 * US, 0);
        second = f.os;
        second.name = (char[]){ "other" };
        second.task_count = 0;
        oses[0] = f.os;
        oses[1] = second;
        f.scenario.oses = oses;
        f.scenario.os_count = 2;
        ck_assert_int_eq(platform_build(&f.scenario, sim, metrics, &platform), -EINVAL);
        ck_assert_uint_eq(metrics_count(metrics), 0);

        ck_assert_ptr_null(platform);
        ck_assert_uint_eq(sim_events_pending(sim), 0);
        sim_destroy(sim);
        metrics_destroy(metrics);
}
END_TEST

static Suite *os_fixed_priority_suite(void)
{
        Suite *suite = suite_create("os_fixed_priority");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_rta_schedulable_set);
        tcase_add_test(tc, test_same_instant_order_independent);
        tcase_add_test(tc, test_unschedulable_set);
        tcase_add_test(tc, test_preemption_count);
        tcase_add_test(tc, test_context_switch_cost);
        tcase_add_test(tc, test_release_during_switch);
        tcase_add_test(tc, test_backlog_fifo);
        tcase_add_test(tc, test_utilisation_quarter);
        tcase_add_test(tc, test_jitter_in_response_time);
        tcase_add_test(tc, test_jitter_seeded);
        tcase_add_test(tc, test_partitioned_two_cores);
        tcase_add_test(tc, test_sporadic_on_platform);
        tcase_add_test(tc, test_activations_include_held_releases);
        tcase_add_test(tc, test_invalid_configurations);
        suite_add_tcase(suite, tc);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(os_fixed_priority_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
