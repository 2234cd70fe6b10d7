/*
 * test_chains: cause-effect chain metrics (analysis/chains.h) on hand-built job timelines
 * emitted through a trace sink, each worked out by hand in the test.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "analysis/chains.h"
#include "sim/metrics.h"
#include "sim/sim.h"
#include "sim/trace.h"

#define US SIM_PS_PER_US

struct fixture {
        struct trace_sink *sink;
        struct metrics *metrics;
        struct chain_tracker *tracker;
        uint32_t tracks[3];
};

/* Tracks 0 and 1 belong to OS "a" (two cores), track 2 to VM "b". */
static void fixture_init(struct fixture *f, const struct chain_spec *specs, size_t count)
{
        f->sink = trace_sink_create();
        f->metrics = metrics_create();
        ck_assert_ptr_nonnull(f->sink);
        ck_assert_ptr_nonnull(f->metrics);
        ck_assert_int_eq(trace_sink_add_track(f->sink, "cpu0", "os a", "cpu0", "a", &f->tracks[0]),
                         0);
        ck_assert_int_eq(trace_sink_add_track(f->sink, "cpu1", "os a", "cpu1", "a", &f->tracks[1]),
                         0);
        ck_assert_int_eq(
            trace_sink_add_track(f->sink, "cpu2", "vm b vcpu0", "b_vcpu0", "b", &f->tracks[2]), 0);
        ck_assert_int_eq(chain_tracker_create(specs, count, f->metrics, &f->tracker), 0);
        ck_assert_int_eq(chain_tracker_subscribe(f->tracker, f->sink), 0);
}

static void fixture_fini(struct fixture *f)
{
        ck_assert_int_eq(chain_tracker_error(f->tracker), 0);
        chain_tracker_destroy(f->tracker);
        trace_sink_destroy(f->sink);
        metrics_destroy(f->metrics);
}

/* A job of `task` on track `track` executing without preemption over [start, finish] (ps). */
static void job(struct fixture *f, uint32_t track, const char *task, uint64_t instance,
                sim_time_t start, sim_time_t finish)
{
        trace_begin(f->sink, f->tracks[track], start, TRACE_JOB, TRACE_START, task, instance);
        trace_end(f->sink, f->tracks[track], finish, TRACE_FINISH);
}

static const struct histogram *hist(const struct fixture *f, const char *chain, const char *name)
{
        const struct metric *m = metrics_find(f->metrics, chain, name);

        ck_assert_ptr_nonnull(m);
        return &m->histogram;
}

START_TEST(test_two_stages_undersampling)
{
        /* sensor (a, cpu0) starts every 10 us and runs 2 us; control (a, cpu1) starts at 5, 15,
         * 25, 35 and runs 1 us. control at 5 + 10k reads the sensor output written at 2 + 10k,
         * whose origin is 10k: data age = (6 + 10k) - 10k = 6 us at each of 4 finishes.
         * Reaction pairs (p, s) = (0, 10), (10, 20), (20, 30): the first control finish with
         * origin >= s is at s + 6, so each sample = s + 6 - p = 16 us; the sensor start at 40
         * never reaches control before the end (no sample). */
        static const struct chain_stage stages[] = { { "a", "sensor" }, { "a", "control" } };
        static const struct chain_spec spec = { "loop", 2, stages };
        struct fixture f;

        fixture_init(&f, &spec, 1);
        for (uint64_t k = 0; k < 5; k++) {
                job(&f, 0, "sensor", k, 10 * k * US, (10 * k + 2) * US);
                if (k < 4)
                        job(&f, 1, "control", k, (10 * k + 5) * US, (10 * k + 6) * US);
        }
        ck_assert_uint_eq(hist(&f, "chain/loop", "data_age")->count, 4);
        ck_assert_uint_eq(hist(&f, "chain/loop", "data_age")->min, 6 * US);
        ck_assert_uint_eq(hist(&f, "chain/loop", "data_age")->max, 6 * US);
        ck_assert_uint_eq(hist(&f, "chain/loop", "reaction_time")->count, 3);
        ck_assert_uint_eq(hist(&f, "chain/loop", "reaction_time")->min, 16 * US);
        ck_assert_uint_eq(hist(&f, "chain/loop", "reaction_time")->max, 16 * US);
        fixture_fini(&f);
}
END_TEST

START_TEST(test_oversampling_across_vms)
{
        /* sensor (a) starts every 2 us and runs 0.5 us; actuator (VM b) starts at 5 and 15 and
         * runs 1 us. At 5 the register holds the output of the sensor job started at 4 (done
         * 4.5): data age 6 - 4 = 2 us; at 15 the one started at 14: 16 - 14 = 2 us. Reactions:
         * pairs (0,2) and (2,4) resolve at 6 (origin 4): 6 - 0 = 6 and 6 - 2 = 4; pairs (4,6),
         * (6,8), (8,10), (10,12), (12,14) resolve at 16 (origin 14): 16 - p = 12, 10, 8, 6, 4.
         * Pairs up to (16,18) stay pending. So 7 samples: 4, 4, 6, 6, 8, 10, 12; sum 50 us. */
        static const struct chain_stage stages[] = { { "a", "sensor" }, { "b", "actuator" } };
        static const struct chain_spec spec = { "brake", 2, stages };
        struct fixture f;
        const struct histogram *reaction;

        fixture_init(&f, &spec, 1);
        for (uint64_t k = 0; k < 10; k++) {
                sim_time_t s = 2 * k * US;

                if (s == 6 * US)
                        job(&f, 2, "actuator", 0, 5 * US, 6 * US);
                if (s == 16 * US)
                        job(&f, 2, "actuator", 1, 15 * US, 16 * US);
                job(&f, 0, "sensor", k, s, s + US / 2);
        }
        ck_assert_uint_eq(hist(&f, "chain/brake", "data_age")->count, 2);
        ck_assert_uint_eq(hist(&f, "chain/brake", "data_age")->min, 2 * US);
        ck_assert_uint_eq(hist(&f, "chain/brake", "data_age")->max, 2 * US);
        reaction = hist(&f, "chain/brake", "reaction_time");
        ck_assert_uint_eq(reaction->count, 7);
        ck_assert_uint_eq(reaction->min, 4 * US);
        ck_assert_uint_eq(reaction->max, 12 * US);
        ck_assert_uint_eq((uint64_t)reaction->sum, 50 * US);
        fixture_fini(&f);
}
END_TEST

START_TEST(test_no_data_before_first_sample)
{
        /* control runs at 1 us before the sensor ever started (its register is empty): no
         * data age; a preempted sensor job reads at its first start only (the resume at 4 is not
         * a read), so control at 8 sees origin 2: data age 9 - 2 = 7 us. */
        static const struct chain_stage stages[] = { { "a", "sensor" }, { "a", "control" } };
        static const struct chain_spec spec = { "c", 2, stages };
        struct fixture f;

        fixture_init(&f, &spec, 1);
        job(&f, 1, "control", 0, 1 * US, 2 * US);
        trace_begin(f.sink, f.tracks[0], 2 * US, TRACE_JOB, TRACE_START, "sensor", 0);
        trace_end(f.sink, f.tracks[0], 3 * US, TRACE_PREEMPT);
        trace_begin(f.sink, f.tracks[0], 4 * US, TRACE_JOB, TRACE_RESUME, "sensor", 0);
        trace_end(f.sink, f.tracks[0], 5 * US, TRACE_FINISH);
        job(&f, 1, "control", 1, 8 * US, 9 * US);
        ck_assert_uint_eq(hist(&f, "chain/c", "data_age")->count, 1);
        ck_assert_uint_eq(hist(&f, "chain/c", "data_age")->max, 7 * US);
        /* a task of the same name in another OS is not the chain's */
        job(&f, 2, "control", 0, 10 * US, 11 * US);
        ck_assert_uint_eq(hist(&f, "chain/c", "data_age")->count, 1);
        fixture_fini(&f);
}
END_TEST

START_TEST(test_one_stage)
{
        /* One stage: data age = finish - start (3 us, then 1 us); reaction for the pair (0, 10)
         * = finish of the job started at 10 (11) - 0 = 11 us. */
        static const struct chain_stage stages[] = { { "a", "t" } };
        static const struct chain_spec spec = { "single", 1, stages };
        struct fixture f;

        fixture_init(&f, &spec, 1);
        job(&f, 0, "t", 0, 0, 3 * US);
        job(&f, 0, "t", 1, 10 * US, 11 * US);
        ck_assert_uint_eq(hist(&f, "chain/single", "data_age")->count, 2);
        ck_assert_uint_eq(hist(&f, "chain/single", "data_age")->min, 1 * US);
        ck_assert_uint_eq(hist(&f, "chain/single", "data_age")->max, 3 * US);
        ck_assert_uint_eq(hist(&f, "chain/single", "reaction_time")->count, 1);
        ck_assert_uint_eq(hist(&f, "chain/single", "reaction_time")->max, 11 * US);
        fixture_fini(&f);
}
END_TEST

START_TEST(test_many_pending)
{
        /* 1000 sensor samples 1 us apart before the only control job (start 1000.5 us, done
         * 1001 us) reads origin 999: pairs (k, k+1) for k = 0..998 all resolve there, samples
         * 1001 - k: count 999, min 3 us, max 1001 us (the pending FIFO grows well past its
         * initial size). */
        static const struct chain_stage stages[] = { { "a", "sensor" }, { "a", "control" } };
        static const struct chain_spec spec = { "long", 2, stages };
        struct fixture f;

        fixture_init(&f, &spec, 1);
        for (uint64_t k = 0; k < 1000; k++)
                job(&f, 0, "sensor", k, k * US, k * US + US / 4);
        job(&f, 1, "control", 0, 1000 * US + US / 2, 1001 * US);
        ck_assert_uint_eq(hist(&f, "chain/long", "reaction_time")->count, 999);
        ck_assert_uint_eq(hist(&f, "chain/long", "reaction_time")->min, 3 * US);
        ck_assert_uint_eq(hist(&f, "chain/long", "reaction_time")->max, 1001 * US);
        fixture_fini(&f);
}
END_TEST

START_TEST(test_invalid_specs)
{
        static const struct chain_stage twice[] = { { "a", "t" }, { "a", "t" } };
        static const struct chain_spec dup = { "dup", 2, twice };
        static const struct chain_spec empty = { "empty", 0, twice };
        struct metrics *metrics = metrics_create();
        struct chain_tracker *t = NULL;

        ck_assert_int_eq(chain_tracker_create(&dup, 1, metrics, &t), -EINVAL);
        ck_assert_int_eq(chain_tracker_create(&empty, 1, metrics, &t), -EINVAL);
        ck_assert_ptr_null(t);
        metrics_destroy(metrics);
}
END_TEST

int main(void)
{
        Suite *s = suite_create("chains");
        TCase *tc = tcase_create("chains");
        SRunner *sr;
        int failed;

        tcase_add_test(tc, test_two_stages_undersampling);
        tcase_add_test(tc, test_oversampling_across_vms);
        tcase_add_test(tc, test_no_data_before_first_sample);
        tcase_add_test(tc, test_one_stage);
        tcase_add_test(tc, test_many_pending);
        tcase_add_test(tc, test_invalid_specs);
        suite_add_tcase(s, tc);
        sr = srunner_create(s);
        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
