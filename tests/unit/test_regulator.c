/*
 * Regulator: throttling exactly at the budget (bytes and requests), release at the period
 * boundary in arrival order, carry-over of what does not fit, unregulated domains, and a
 * VM-wide domain shared by two initiators (its B + 1-th request held whichever core issues
 * it, a per-core domain beside it unchanged).
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "models/hw/regulator.h"
#include "sim/sim.h"

#define PERIOD 1000000ULL /* 1 us */

/* A memory that records when each request reached it and completes it at once. */
struct sink {
        struct sim *sim;
        struct mem_done_queue done;
        unsigned count;
        sim_time_t at[32];
        uint16_t initiator[32];
};

static int sink_submit(void *target, struct mem_request *req)
{
        struct sink *s = target;

        ck_assert_uint_lt(s->count, 32);
        s->at[s->count] = sim_now(s->sim);
        s->initiator[s->count] = req->initiator;
        s->count++;
        return mem_done_queue_push(&s->done, req, sim_now(s->sim));
}

static const struct mem_port_ops sink_ops = { .submit = sink_submit };

static void ignore_done(struct mem_request *req, void *arg)
{
        (void)req;
        (*(unsigned *)arg)++;
}

struct bench {
        struct sim *sim;
        struct sink sink;
        struct regulator_config config;
        struct regulator reg;
        struct mem_port port;
        struct mem_request req[32];
        int used;
        unsigned completed;
};

static void bench_init(struct bench *b, enum regulator_unit unit, uint16_t initiators,
                       uint16_t domains, const uint16_t *domain_of, const uint64_t *budget)
{
        struct mem_port down;

        *b = (struct bench){ 0 };
        b->sim = sim_create(NULL);
        ck_assert_ptr_nonnull(b->sim);
        b->sink.sim = b->sim;
        mem_done_queue_init(&b->sink.done, b->sim);
        down = (struct mem_port){ .ops = &sink_ops, .target = &b->sink };
        b->config = (struct regulator_config){ .period_ps = PERIOD,
                                               .unit = unit,
                                               .initiators = initiators,
                                               .domains = domains,
                                               .domain_of = domain_of,
                                               .budget = budget };
        ck_assert_int_eq(regulator_init(&b->reg, &b->config, b->sim, &down), 0);
        b->port = regulator_mem_port(&b->reg);
}

static void bench_free(struct bench *b)
{
        regulator_fini(&b->reg);
        mem_done_queue_fini(&b->sink.done);
        sim_destroy(b->sim);
}

static void submit(struct bench *b, uint16_t initiator, uint32_t size)
{
        struct mem_request *req = &b->req[b->used++];

        *req = (struct mem_request){ .addr = 0x1000,
                                     .size_bytes = size,
                                     .initiator = initiator,
                                     .done = ignore_done,
                                     .done_arg = &b->completed };
        ck_assert_int_eq(mem_port_submit(&b->port, req), 0);
}

START_TEST(test_byte_budget_throttles_at_budget)
{
        static const uint64_t budget[2] = { 256, 0 }; /* domain 1 unregulated */
        struct bench b;
        const struct regulator_domain *d;

        bench_init(&b, REGULATOR_BYTES, 2, 2, NULL, budget);
        /* B = 256 bytes, 64-B requests: B / 64 = 4 pass at t = 0, the 5th (B/size + 1) waits
         * for the boundary at 1 us. Domain 1's ten requests all pass at 0. */
        for (int i = 0; i < 5; i++)
                submit(&b, 0, 64);
        for (int i = 0; i < 10; i++)
                submit(&b, 1, 64);
        ck_assert_uint_eq(b.sink.count, 14);
        ck_assert_int_eq(sim_run_until(b.sim, PERIOD - 1), 0);
        ck_assert_uint_eq(b.sink.count, 14);
        ck_assert_int_eq(sim_run_until(b.sim, PERIOD), 0);
        ck_assert_uint_eq(b.sink.count, 15);
        ck_assert_uint_eq(b.sink.at[14], PERIOD);
        ck_assert_uint_eq(b.sink.initiator[14], 0);
        /* At 1.5 us, with 64 bytes of the second period used, four more: used 64, 128, 192
         * are below 256 so three pass; the fourth waits for 2 us. */
        ck_assert_int_eq(sim_run_until(b.sim, 1500000), 0);
        for (int i = 0; i < 4; i++)
                submit(&b, 0, 64);
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.sink.count, 19);
        ck_assert_uint_eq(b.sink.at[17], 1500000);
        ck_assert_uint_eq(b.sink.at[18], 2 * PERIOD);
        ck_assert_uint_eq(b.completed, 19);
        d = regulator_domain_stats(&b.reg, 0);
        ck_assert_uint_eq(d->throttled_requests, 2);
        ck_assert_uint_eq(d->held_ps, PERIOD + 500000); /* 1 us + 0.5 us */
        ck_assert_uint_eq(d->admitted_bytes, 9 * 64);
        ck_assert_uint_eq(regulator_domain_stats(&b.reg, 1)->throttled_requests, 0);
        bench_free(&b);
}
END_TEST

START_TEST(test_backlog_spans_periods)
{
        static const uint64_t budget[1] = { 2 }; /* two requests per period */
        struct bench b;

        bench_init(&b, REGULATOR_REQUESTS, 1, 1, NULL, budget);
        /* Seven requests at t = 0: two per period, in arrival order: at 0, 0, 1, 1, 2, 2 and
         * 3 us. */
        for (int i = 0; i < 7; i++)
                submit(&b, 0, 64);
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.sink.count, 7);
        for (unsigned i = 0; i < 7; i++)
                ck_assert_uint_eq(b.sink.at[i], (i / 2) * PERIOD);
        /* held: 2 x 1 us + 2 x 2 us + 1 x 3 us = 9 us */
        ck_assert_uint_eq(regulator_domain_stats(&b.reg, 0)->held_ps, 9 * PERIOD);
        ck_assert_uint_eq(regulator_domain_stats(&b.reg, 0)->throttled_requests, 5);
        bench_free(&b);
}
END_TEST

START_TEST(test_vm_domain_shares_budget)
{
        static const uint16_t domain_of[3] = { 0, 0, 1 }; /* cores 0, 1: VM 0; core 2: VM 1 */
        static const uint64_t budget[2] = { 128, 64 };
        struct bench b;

        bench_init(&b, REGULATOR_BYTES, 3, 2, domain_of, budget);
        /* VM 0's 128 bytes: core 0 and core 1 get one 64-B request each; core 0's second
         * waits for 1 us. Core 2 has its own 64 bytes; a request that crosses the budget
         * still goes (MemGuard counts after the fact), the next one waits. */
        submit(&b, 0, 64);
        submit(&b, 1, 64);
        submit(&b, 0, 64);
        submit(&b, 2, 32);
        submit(&b, 2, 100); /* used 32 < 64: passes, use becomes 132 */
        submit(&b, 2, 8);   /* used 132 >= 64: waits */
        ck_assert_uint_eq(b.sink.count, 4);
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.sink.count, 6);
        ck_assert_uint_eq(b.sink.at[4], PERIOD);
        ck_assert_uint_eq(b.sink.at[5], PERIOD);
        /* At the boundary domains are served in index order: VM 0's request, then core 2's. */
        ck_assert_uint_eq(b.sink.initiator[4], 0);
        ck_assert_uint_eq(b.sink.initiator[5], 2);
        bench_free(&b);
}
END_TEST

/*
 * Two cores in one domain with a budget of B = 4 lines (256 bytes of 64-B lines) per period P,
 * next to core 2 with a budget of its own of 4 lines (as a per-core configuration gives it).
 * The domain's first four requests pass at t = 0 however the two cores interleave them; the
 * fifth (B + 1-th) waits for the boundary at P whichever core issues it (_i: core 0 or 1), and
 * so does every later one of either core, in arrival order. Core 2 is unaffected: its own four
 * pass, its fifth waits, exactly as with the identity map of the per-core configuration.
 */
START_TEST(test_shared_domain_holds_budget_plus_one)
{
        static const uint16_t domain_of[3] = { 0, 0, 1 };
        static const uint64_t budget[2] = { 256, 256 };
        static const uint64_t per_core_budget[3] = { 256, 256, 256 };
        const uint16_t fifth = (uint16_t)_i, other = (uint16_t)(1 - _i);
        struct bench b, per_core;

        bench_init(&b, REGULATOR_BYTES, 3, 2, domain_of, budget);
        submit(&b, 0, 64);
        submit(&b, 1, 64);
        submit(&b, 1, 64);
        submit(&b, 0, 64);
        ck_assert_uint_eq(b.sink.count, 4); /* B requests of the domain: all through */
        submit(&b, fifth, 64);              /* B + 1: held */
        submit(&b, other, 64);              /* held behind it */
        ck_assert_uint_eq(b.sink.count, 4);
        for (int i = 0; i < 5; i++)
                submit(&b, 2, 64);
        ck_assert_uint_eq(b.sink.count, 8); /* core 2: four of its own through */
        ck_assert_int_eq(sim_run_until(b.sim, PERIOD - 1), 0);
        ck_assert_uint_eq(b.sink.count, 8);
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.sink.count, 11);
        /* at P, domain 0 first (index order) in arrival order, then core 2's fifth */
        ck_assert_uint_eq(b.sink.at[8], PERIOD);
        ck_assert_uint_eq(b.sink.initiator[8], fifth);
        ck_assert_uint_eq(b.sink.at[9], PERIOD);
        ck_assert_uint_eq(b.sink.initiator[9], other);
        ck_assert_uint_eq(b.sink.at[10], PERIOD);
        ck_assert_uint_eq(b.sink.initiator[10], 2);
        ck_assert_uint_eq(regulator_domain_stats(&b.reg, 0)->throttled_requests, 2);
        ck_assert_uint_eq(regulator_domain_stats(&b.reg, 0)->held_ps, 2 * PERIOD);
        ck_assert_uint_eq(regulator_domain_stats(&b.reg, 0)->admitted_bytes, 6 * 64);

        /* core 2 under the identity map (every core its own budget): the same figures */
        bench_init(&per_core, REGULATOR_BYTES, 3, 3, NULL, per_core_budget);
        for (int i = 0; i < 5; i++)
                submit(&per_core, 2, 64);
        ck_assert_int_eq(sim_run(per_core.sim), 0);
        ck_assert_uint_eq(per_core.sink.at[4], PERIOD);
        ck_assert_uint_eq(regulator_domain_stats(&per_core.reg, 2)->throttled_requests,
                          regulator_domain_stats(&b.reg, 1)->throttled_requests);
        ck_assert_uint_eq(regulator_domain_stats(&per_core.reg, 2)->held_ps,
                          regulator_domain_stats(&b.reg, 1)->held_ps);
        ck_assert_uint_eq(regulator_domain_stats(&b.reg, 1)->held_ps, PERIOD);
        bench_free(&per_core);
        bench_free(&b);
}
END_TEST

START_TEST(test_bad_config)
{
        static const uint64_t budget[1] = { 1 };
        static const uint16_t domain_of[2] = { 0, 3 };
        struct sim *sim = sim_create(NULL);
        struct mem_port down = { .ops = &sink_ops, .target = NULL };
        struct regulator reg;
        struct regulator_config config = {
                .period_ps = 0, .initiators = 1, .domains = 1, .budget = budget
        };

        ck_assert_int_eq(regulator_init(&reg, &config, sim, &down), -EINVAL);
        config.period_ps = PERIOD;
        config.initiators = 2; /* identity map needs domains == initiators */
        ck_assert_int_eq(regulator_init(&reg, &config, sim, &down), -EINVAL);
        config.domain_of = domain_of; /* domain 3 does not exist */
        ck_assert_int_eq(regulator_init(&reg, &config, sim, &down), -EINVAL);
        sim_destroy(sim);
}
END_TEST

static Suite *regulator_suite(void)
{
        Suite *suite = suite_create("regulator");
        TCase *tc = tcase_create("memguard");

        tcase_add_test(tc, test_byte_budget_throttles_at_budget);
        tcase_add_test(tc, test_backlog_spans_periods);
        tcase_add_test(tc, test_vm_domain_shares_budget);
        tcase_add_loop_test(tc, test_shared_domain_holds_budget_plus_one, 0, 2);
        tcase_add_test(tc, test_bad_config);
        suite_add_tcase(suite, tc);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(regulator_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
