/*
 * bench_kernel: the classic "hold" model on the native kernel.
 *
 * KERNEL_PENDING events are scheduled up front; every event, when it runs, schedules one new
 * event at now + a random increment from a seeded stream, so the queue size stays constant.
 * After KERNEL_EVENTS events the last callback stops the run. A figure is the CPU time of
 * sim_run divided by the events (RNG draw and callback included), median of KERNEL_REPEATS
 * runs.
 *   kernel_ns_per_event      increments uniform in [0, 2 us] (a draw costs a few ns)
 *   kernel_exp_ns_per_event  increments exponential with mean 1 us, as in the reference
 *                            measurements of shared/references/simulators.md section 8a
 *                            (a draw costs about 25 ns here, mostly log1p)
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sim/rng.h"
#include "sim/sim.h"

#define KERNEL_PENDING 10000
#define KERNEL_EVENTS  10000000ULL
#define KERNEL_REPEATS 3
#define HOLD_MEAN_PS   1000000ULL

struct hold {
        struct rng rng;
        uint64_t left;
};

static sim_time_t uniform_increment(struct rng *rng)
{
        return rng_range(rng, 0, 2 * HOLD_MEAN_PS);
}

static sim_time_t exponential_increment(struct rng *rng)
{
        return (sim_time_t)rng_exponential(rng, (double)HOLD_MEAN_PS);
}

static void hold_uniform(struct sim *sim, void *arg)
{
        struct hold *hold = arg;

        sim_schedule_in(sim, uniform_increment(&hold->rng), hold_uniform, hold);
        if (--hold->left == 0)
                sim_stop(sim);
}

static void hold_exponential(struct sim *sim, void *arg)
{
        struct hold *hold = arg;

        sim_schedule_in(sim, exponential_increment(&hold->rng), hold_exponential, hold);
        if (--hold->left == 0)
                sim_stop(sim);
}

/* CPU time of this (single-threaded) process: time slices lost to other processes on a busy
 * machine do not count against the kernel. */
static double now_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static int compare_double(const void *a, const void *b)
{
        double x = *(const double *)a;
        double y = *(const double *)b;

        return (x > y) - (x < y);
}

/* One run; returns ns per event, or a negative value on failure. */
static double run_once(bool exponential, uint64_t *events, size_t *pending)
{
        struct sim *sim = sim_create(NULL);
        struct hold hold = { .left = KERNEL_EVENTS };
        sim_event_fn fn = exponential ? hold_exponential : hold_uniform;

        if (!sim)
                return -1.0;
        rng_init_named(&hold.rng, 1, "bench/hold");
        for (int i = 0; i < KERNEL_PENDING; i++) {
                sim_time_t when =
                    exponential ? exponential_increment(&hold.rng) : uniform_increment(&hold.rng);
                if (sim_schedule(sim, when, fn, &hold) == 0) {
                        sim_destroy(sim);
                        return -1.0;
                }
        }
        double start = now_seconds();
        int stopped = sim_run(sim);
        double elapsed = now_seconds() - start;
        *events = sim_events_executed(sim);
        *pending = sim_events_pending(sim);
        sim_destroy(sim);
        if (stopped != 1 || *events != KERNEL_EVENTS)
                return -1.0;
        return elapsed * 1e9 / (double)KERNEL_EVENTS;
}

/* Median ns per event of KERNEL_REPEATS runs, or a negative value on failure. */
static double median_run(bool exponential, uint64_t *events, size_t *pending)
{
        double ns[KERNEL_REPEATS];

        for (int i = 0; i < KERNEL_REPEATS; i++) {
                ns[i] = run_once(exponential, events, pending);
                if (ns[i] < 0)
                        return -1.0;
        }
        qsort(ns, KERNEL_REPEATS, sizeof(ns[0]), compare_double);
        return ns[KERNEL_REPEATS / 2];
}

int main(void)
{
        uint64_t events = 0;
        size_t pending = 0;
        double uniform_ns = median_run(false, &events, &pending);
        if (uniform_ns < 0) {
                fprintf(stderr, "bench_kernel: run failed\n");
                return 1;
        }
        printf("kernel_ns_per_event: %.0f\n", uniform_ns);
        printf("kernel_events: %llu\n", (unsigned long long)events);
        printf("kernel_pending: %zu\n", pending);
        double exponential_ns = median_run(true, &events, &pending);
        if (exponential_ns < 0) {
                fprintf(stderr, "bench_kernel: run failed\n");
                return 1;
        }
        printf("kernel_exp_ns_per_event: %.0f\n", exponential_ns);
        return 0;
}
