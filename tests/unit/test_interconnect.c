/*
 * Interconnect: round-robin alternation and fixed priority between two simultaneous
 * requesters, queueing delays worked out by hand, transfer time from width and size, and a
 * crossbar overlapping transfers to different targets.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "models/hw/interconnect.h"
#include "sim/sim.h"

/* A target that records the order and instants of the requests it receives and completes
 * each at once. */
struct sink {
        struct sim *sim;
        struct mem_done_queue done;
        unsigned count;
        uint16_t initiator[16];
        sim_time_t at[16];
};

static int sink_submit(void *target, struct mem_request *req)
{
        struct sink *s = target;

        ck_assert_uint_lt(s->count, 16);
        s->initiator[s->count] = req->initiator;
        s->at[s->count] = sim_now(s->sim);
        s->count++;
        return mem_done_queue_push(&s->done, req, sim_now(s->sim));
}

static const struct mem_port_ops sink_ops = { .submit = sink_submit };

static void count_done(struct mem_request *req, void *arg)
{
        (void)req;
        (*(unsigned *)arg)++;
}

struct bench {
        struct sim *sim;
        struct sink sink[2];
        struct interconnect_target targets[2];
        struct interconnect_config config;
        struct interconnect ic;
        struct mem_port port;
        struct mem_request req[8];
        unsigned completed;
};

/* 16 bytes per cycle at 1 GHz: a 64-B request holds the lane for 4 cycles = 4000 ps. Target 0
 * covers [0, 1 GiB), target 1 [1 GiB, 2 GiB). */
static void bench_init(struct bench *b, enum interconnect_kind kind,
                       enum interconnect_arbitration arbitration, const uint32_t *priorities)
{
        *b = (struct bench){ 0 };
        b->sim = sim_create(NULL);
        ck_assert_ptr_nonnull(b->sim);
        for (int t = 0; t < 2; t++) {
                b->sink[t].sim = b->sim;
                mem_done_queue_init(&b->sink[t].done, b->sim);
                b->targets[t] = (struct interconnect_target){ .base = (uint64_t)t << 30,
                                                              .size_bytes = 1ULL << 30,
                                                              .port = { .ops = &sink_ops,
                                                                        .target = &b->sink[t] } };
        }
        b->config = (struct interconnect_config){ .kind = kind,
                                                  .arbitration = arbitration,
                                                  .width_bytes = 16,
                                                  .clock_hz = 1000000000,
                                                  .inputs = 2,
                                                  .priorities = priorities,
                                                  .target_count = 2,
                                                  .targets = b->targets };
        ck_assert_int_eq(interconnect_init(&b->ic, &b->config, b->sim), 0);
        b->port = interconnect_mem_port(&b->ic);
}

static void bench_free(struct bench *b)
{
        interconnect_fini(&b->ic);
        mem_done_queue_fini(&b->sink[0].done);
        mem_done_queue_fini(&b->sink[1].done);
        sim_destroy(b->sim);
}

static void submit(struct bench *b, int i, uint16_t initiator, uint64_t addr, uint32_t size)
{
        b->req[i] = (struct mem_request){ .addr = addr,
                                          .size_bytes = size,
                                          .initiator = initiator,
                                          .done = count_done,
                                          .done_arg = &b->completed };
        ck_assert_int_eq(mem_port_submit(&b->port, &b->req[i]), 0);
}

START_TEST(test_round_robin_alternates)
{
        struct bench b;
        const uint16_t order[4] = { 0, 1, 0, 1 };

        bench_init(&b, INTERCONNECT_BUS, INTERCONNECT_ROUND_ROBIN, NULL);
        /* At t = 0 inputs 0 and 1 each queue two 64-B requests. Round robin grants 0, 1, 0, 1
         * at 0, 4000, 8000, 12000; each reaches the target when its transfer ends. */
        submit(&b, 0, 0, 0x000, 64);
        submit(&b, 1, 0, 0x040, 64);
        submit(&b, 2, 1, 0x080, 64);
        submit(&b, 3, 1, 0x0c0, 64);
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.sink[0].count, 4);
        for (int i = 0; i < 4; i++) {
                ck_assert_uint_eq(b.sink[0].initiator[i], order[i]);
                ck_assert_uint_eq(b.sink[0].at[i], 4000 * (uint64_t)(i + 1));
        }
        ck_assert_uint_eq(b.completed, 4);
        /* Queueing delays: input 0 waited 0 and 8000, input 1 4000 and 12000. */
        ck_assert_uint_eq(interconnect_stats(&b.ic, 0)->queue_delay_ps, 8000);
        ck_assert_uint_eq(interconnect_stats(&b.ic, 1)->queue_delay_ps, 16000);
        ck_assert_uint_eq(interconnect_stats(&b.ic, 1)->max_queue_delay_ps, 12000);
        ck_assert_uint_eq(interconnect_lane_busy_ps(&b.ic, 0), 16000);
        bench_free(&b);
}
END_TEST

START_TEST(test_fixed_priority_high_wins)
{
        static const uint32_t priorities[2] = { 1, 0 }; /* input 1 is the higher */
        struct bench b;
        const uint16_t order[4] = { 1, 1, 0, 0 };

        bench_init(&b, INTERCONNECT_BUS, INTERCONNECT_FIXED_PRIORITY, priorities);
        submit(&b, 0, 0, 0x000, 64);
        submit(&b, 1, 0, 0x040, 64);
        submit(&b, 2, 1, 0x080, 64);
        submit(&b, 3, 1, 0x0c0, 64);
        ck_assert_int_eq(sim_run(b.sim), 0);
        for (int i = 0; i < 4; i++)
                ck_assert_uint_eq(b.sink[0].initiator[i], order[i]);
        /* Input 1 granted at 0 and 4000 (delays 0 + 4000); input 0 at 8000 and 12000. */
        ck_assert_uint_eq(interconnect_stats(&b.ic, 1)->queue_delay_ps, 4000);
        ck_assert_uint_eq(interconnect_stats(&b.ic, 0)->queue_delay_ps, 20000);
        bench_free(&b);
}
END_TEST

static void submit_later(struct sim *sim, void *arg)
{
        struct bench *b = arg;

        (void)sim;
        submit(b, 1, 1, 0x100, 100);
}

START_TEST(test_queueing_delay_and_beats)
{
        struct bench b;
        struct histogram delays = { 0 };

        bench_init(&b, INTERCONNECT_BUS, INTERCONNECT_ROUND_ROBIN, NULL);
        b.ic.queue_delay_histogram = &delays;
        /* 100 bytes over 16-B beats: ceil(100 / 16) = 7 cycles = 7000 ps. */
        ck_assert_uint_eq(interconnect_transfer_ps(&b.ic, 100), 7000);
        ck_assert_uint_eq(interconnect_transfer_ps(&b.ic, 64), 4000);
        /* Input 0 sends 64 B at 0 (lane busy until 4000); input 1's 100 B arrives at 1000,
         * waits 3000, is granted at 4000 and delivered at 4000 + 7000 = 11000. */
        submit(&b, 0, 0, 0x000, 64);
        ck_assert_uint_ne(sim_schedule(b.sim, 1000, submit_later, &b), 0);
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.sink[0].at[0], 4000);
        ck_assert_uint_eq(b.sink[0].at[1], 11000);
        ck_assert_uint_eq(interconnect_stats(&b.ic, 1)->queue_delay_ps, 3000);
        ck_assert_uint_eq(interconnect_stats(&b.ic, 0)->queue_delay_ps, 0);
        /* the histogram holds both grants' waits: 0 and 3000 ps */
        ck_assert_uint_eq(delays.count, 2);
        ck_assert_uint_eq(delays.min, 0);
        ck_assert_uint_eq(delays.max, 3000);
        ck_assert_int_eq(b.ic.histogram_error, 0);
        histogram_free(&delays);
        bench_free(&b);
}
END_TEST

START_TEST(test_crossbar_overlaps_targets)
{
        struct bench b;

        /* Input 0 -> target 0, input 1 -> target 1 at t = 0: on a crossbar both transfers run
         * at once (delivered at 4000, no queueing); on a bus the second waits 4000. */
        bench_init(&b, INTERCONNECT_CROSSBAR, INTERCONNECT_ROUND_ROBIN, NULL);
        submit(&b, 0, 0, 0x000, 64);
        submit(&b, 1, 1, (1ULL << 30) + 0x40, 64);
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.sink[0].at[0], 4000);
        ck_assert_uint_eq(b.sink[1].at[0], 4000);
        ck_assert_uint_eq(interconnect_stats(&b.ic, 1)->queue_delay_ps, 0);
        bench_free(&b);

        bench_init(&b, INTERCONNECT_BUS, INTERCONNECT_ROUND_ROBIN, NULL);
        submit(&b, 0, 0, 0x000, 64);
        submit(&b, 1, 1, (1ULL << 30) + 0x40, 64);
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.sink[0].at[0], 4000);
        ck_assert_uint_eq(b.sink[1].at[0], 8000);
        ck_assert_uint_eq(interconnect_stats(&b.ic, 1)->queue_delay_ps, 4000);
        bench_free(&b);
}
END_TEST

START_TEST(test_queue_limit_and_unmapped)
{
        struct bench b;
        struct mem_request extra = { .addr = 0, .size_bytes = 64, .initiator = 0 };
        struct mem_request unmapped = { .addr = 3ULL << 30, .size_bytes = 64, .initiator = 0 };

        bench_init(&b, INTERCONNECT_BUS, INTERCONNECT_ROUND_ROBIN, NULL);
        b.config.queue_limit = 2;
        /* Nothing has been granted before the run: the third request of input 0 is refused. */
        submit(&b, 0, 0, 0x000, 64);
        submit(&b, 1, 0, 0x040, 64);
        ck_assert_int_eq(mem_port_submit(&b.port, &extra), -EBUSY);
        ck_assert_int_eq(mem_port_submit(&b.port, &unmapped), -EINVAL);
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.completed, 2);
        bench_free(&b);
}
END_TEST

static Suite *interconnect_suite(void)
{
        Suite *suite = suite_create("interconnect");
        TCase *tc = tcase_create("arbitration");

        tcase_add_test(tc, test_round_robin_alternates);
        tcase_add_test(tc, test_fixed_priority_high_wins);
        tcase_add_test(tc, test_queueing_delay_and_beats);
        tcase_add_test(tc, test_crossbar_overlaps_targets);
        tcase_add_test(tc, test_queue_limit_and_unmapped);
        suite_add_tcase(suite, tc);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(interconnect_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
