/*
 * Coherence: the MESI transitions of a line ping-ponged between two caches, counted; the
 * directory table under many insertions and removals; two private caches kept coherent
 * through the directory's hooks (functional and timed).
 */
#include <check.h>
#include <stdlib.h>

#include "models/hw/cache.h"
#include "models/hw/coherence.h"
#include "sim/sim.h"

/* 1 GHz: transfer 40 cycles = 40000 ps, invalidation 10 cycles = 10000 ps. */
static const struct coherence_config two_caches = { .caches = 2,
                                                    .capacity_lines = 64,
                                                    .clock_hz = 1000000000,
                                                    .transfer_cycles = 40,
                                                    .invalidate_cycles = 10 };

#define X 0x1234 /* a line address */

START_TEST(test_ping_pong_transitions)
{
        struct coherence coh;
        struct coherence_result r;

        ck_assert_int_eq(coherence_init(&coh, &two_caches), 0);
        /* 1. c0 reads: nobody holds it -> c0 I -> E, data from the shared level. */
        r = coherence_read(&coh, 0, X);
        ck_assert_int_eq(r.before, COH_I);
        ck_assert_int_eq(r.after, COH_E);
        ck_assert_int_eq(r.supplier, -1);
        ck_assert_uint_eq(r.extra_ps, 0);
        /* 2. c0 writes: E -> M silently. */
        r = coherence_write(&coh, 0, X);
        ck_assert_int_eq(r.before, COH_E);
        ck_assert_int_eq(r.after, COH_M);
        ck_assert(!r.needs_data);
        ck_assert_uint_eq(r.extra_ps, 0);
        /* 3. c1 reads: owner c0 M -> S with a write-back; c1 I -> S cache-to-cache. */
        r = coherence_read(&coh, 1, X);
        ck_assert_int_eq(r.after, COH_S);
        ck_assert_int_eq(r.supplier, 0);
        ck_assert(r.owner_writeback);
        ck_assert_uint_eq(r.extra_ps, 40000);
        ck_assert_int_eq(coherence_state_of(&coh, 0, X), COH_S);
        /* 4. c1 writes: upgrade S -> M, c0 S -> I; no data, the invalidation latency. */
        r = coherence_write(&coh, 1, X);
        ck_assert_int_eq(r.before, COH_S);
        ck_assert(!r.needs_data);
        ck_assert_uint_eq(r.invalidated, 0x1);
        ck_assert_uint_eq(r.extra_ps, 10000);
        ck_assert_int_eq(coherence_state_of(&coh, 0, X), COH_I);
        /* 5. c0 writes: owner c1 M -> I, c0 I -> M with the data from c1. */
        r = coherence_write(&coh, 0, X);
        ck_assert_int_eq(r.before, COH_I);
        ck_assert(r.needs_data);
        ck_assert_int_eq(r.supplier, 1);
        ck_assert_uint_eq(r.invalidated, 0x2);
        ck_assert_uint_eq(r.extra_ps, 40000);
        /* 6. c1 reads: c0 M -> S (write-back), c1 I -> S. 7. c0 reads: a hit, no change. */
        r = coherence_read(&coh, 1, X);
        ck_assert_int_eq(r.supplier, 0);
        r = coherence_read(&coh, 0, X);
        ck_assert_int_eq(r.before, COH_S);
        ck_assert(!r.needs_data);
        /* 8. both evict: S -> I twice; the directory forgets the line. */
        ck_assert_int_eq(coherence_evict(&coh, 0, X), COH_S);
        ck_assert_int_eq(coherence_evict(&coh, 1, X), COH_S);
        ck_assert_uint_eq(coherence_tracked(&coh), 0);
        /* Tally: I->E 1 (1); E->M 1 (2); M->S 2 (3, 6); I->S 2 (3, 6); S->M 1 (4);
         * S->I 3 (4, 8, 8); M->I 1 (5); I->M 1 (5); nothing else. */
        ck_assert_uint_eq(coherence_transition_count(&coh, COH_I, COH_E), 1);
        ck_assert_uint_eq(coherence_transition_count(&coh, COH_E, COH_M), 1);
        ck_assert_uint_eq(coherence_transition_count(&coh, COH_M, COH_S), 2);
        ck_assert_uint_eq(coherence_transition_count(&coh, COH_I, COH_S), 2);
        ck_assert_uint_eq(coherence_transition_count(&coh, COH_S, COH_M), 1);
        ck_assert_uint_eq(coherence_transition_count(&coh, COH_S, COH_I), 3);
        ck_assert_uint_eq(coherence_transition_count(&coh, COH_M, COH_I), 1);
        ck_assert_uint_eq(coherence_transition_count(&coh, COH_I, COH_M), 1);
        ck_assert_uint_eq(coherence_transition_count(&coh, COH_E, COH_S), 0);
        ck_assert_uint_eq(coherence_transition_count(&coh, COH_E, COH_I), 0);
        ck_assert_uint_eq(coh.cache_to_cache, 3);   /* steps 3, 5, 6 */
        ck_assert_uint_eq(coh.owner_writebacks, 2); /* steps 3, 6 */
        ck_assert_uint_eq(coh.invalidations, 2);    /* steps 4, 5 */
        coherence_fini(&coh);
}
END_TEST

START_TEST(test_table_insert_remove)
{
        struct coherence_config config = two_caches;
        struct coherence coh;

        config.capacity_lines = 1000;
        ck_assert_int_eq(coherence_init(&coh, &config), 0);
        for (uint64_t line = 0; line < 1000; line++)
                ck_assert_int_eq(coherence_read(&coh, 0, line * 7).after, COH_E);
        ck_assert_uint_eq(coherence_tracked(&coh), 1000);
        /* Remove every other line; backward-shift deletion must keep the rest reachable. */
        for (uint64_t line = 0; line < 1000; line += 2)
                ck_assert_int_eq(coherence_evict(&coh, 0, line * 7), COH_E);
        ck_assert_uint_eq(coherence_tracked(&coh), 500);
        for (uint64_t line = 0; line < 1000; line++)
                ck_assert_int_eq(coherence_state_of(&coh, 0, line * 7), line % 2 ? COH_E : COH_I);
        /* The freed capacity can be used again. */
        for (uint64_t line = 0; line < 1000; line += 2)
                ck_assert_int_eq(coherence_read(&coh, 1, line * 7).after, COH_E);
        ck_assert_uint_eq(coherence_tracked(&coh), 1000);
        coherence_fini(&coh);
}
END_TEST

static struct cache_config l1_config(struct coherence *coh, unsigned id)
{
        return (struct cache_config){ .name = id == 0 ? "l1-0" : "l1-1",
                                      .size_bytes = 512,
                                      .ways = 4,
                                      .line_bytes = 64,
                                      .replacement = CACHE_LRU,
                                      .clock_hz = 1000000000,
                                      .hit_cycles = 2,
                                      .mshrs_per_initiator = 2,
                                      .initiators = 1,
                                      .coherence = coh,
                                      .coherence_id = id };
}

START_TEST(test_caches_follow_directory)
{
        struct coherence coh;
        struct cache_config c0 = l1_config(&coh, 0), c1 = l1_config(&coh, 1);
        struct cache l1[2];
        struct cache_outcome out;

        ck_assert_int_eq(coherence_init(&coh, &two_caches), 0);
        ck_assert_int_eq(cache_init(&l1[0], &c0, NULL, NULL), 0);
        ck_assert_int_eq(cache_init(&l1[1], &c1, NULL, NULL), 0);
        /* c0 writes 0x40 (I -> M); c1 reads it: c0's copy is downgraded (clean, shared),
         * the data comes from c0. */
        out = cache_access(&l1[0], 0x40, MEM_WRITE, 0);
        ck_assert_int_eq(out.coherence.after, COH_M);
        out = cache_access(&l1[1], 0x40, MEM_READ, 0);
        ck_assert_int_eq(out.coherence.supplier, 0);
        ck_assert(cache_contains(&l1[0], 0x40));
        ck_assert(!cache_dirty(&l1[0], 0x40));
        /* c1 writes it (a hit in c1, an upgrade): c0 loses the line. */
        out = cache_access(&l1[1], 0x40, MEM_WRITE, 0);
        ck_assert(out.hit);
        ck_assert_uint_eq(out.coherence.invalidated, 0x1);
        ck_assert(!cache_contains(&l1[0], 0x40));
        /* c0 reads again: a miss supplied by c1; c1's eviction later reports to the
         * directory, which then tracks c0's S copy only. */
        out = cache_access(&l1[0], 0x40, MEM_READ, 0);
        ck_assert(!out.hit);
        ck_assert_int_eq(out.coherence.supplier, 1);
        for (uint64_t k = 1; k <= 4; k++) /* four more lines of set 1 push 0x40 out of c1 */
                cache_access(&l1[1], 0x40 + k * 128, MEM_READ, 0);
        ck_assert(!cache_contains(&l1[1], 0x40));
        ck_assert_int_eq(coherence_state_of(&coh, 1, 1), COH_I);
        ck_assert_int_eq(coherence_state_of(&coh, 0, 1), COH_S);
        cache_fini(&l1[0]);
        cache_fini(&l1[1]);
        coherence_fini(&coh);
}
END_TEST

/* A downstream that must never be used: the line comes from the peer. */
static int no_memory_submit(void *target, struct mem_request *req)
{
        (void)target;
        (void)req;
        ck_abort_msg("the shared level was asked for a line a peer supplies");
        return -1;
}

static const struct mem_port_ops no_memory_ops = { .submit = no_memory_submit };

struct completion {
        struct sim *sim;
        sim_time_t at; /* SIM_TIME_MAX until the callback runs */
};

static void record_time(struct mem_request *req, void *arg)
{
        struct completion *c = arg;

        (void)req;
        c->at = sim_now(c->sim);
}

START_TEST(test_timed_cache_to_cache)
{
        struct sim *sim = sim_create(NULL);
        struct coherence coh;
        struct cache_config c0 = l1_config(&coh, 0), c1 = l1_config(&coh, 1);
        struct mem_port none = { .ops = &no_memory_ops, .target = NULL };
        struct cache l1[2];
        struct mem_port port;
        struct completion done = { .sim = sim, .at = SIM_TIME_MAX };
        struct mem_request req = { .addr = 0x80,
                                   .size_bytes = 8,
                                   .op = MEM_READ,
                                   .done = record_time,
                                   .done_arg = &done };

        ck_assert_int_eq(coherence_init(&coh, &two_caches), 0);
        ck_assert_int_eq(cache_init(&l1[0], &c0, sim, &none), 0);
        ck_assert_int_eq(cache_init(&l1[1], &c1, sim, &none), 0);
        /* c0 holds 0x80 Modified (functional set-up); c1's timed read misses, the directory
         * names c0 as supplier: 40 cycles of transfer + 2 cycles of c1's lookup = 42000 ps,
         * and no request reaches the shared level. */
        cache_access(&l1[0], 0x80, MEM_WRITE, 0);
        port = cache_mem_port(&l1[1]);
        ck_assert_int_eq(mem_port_submit(&port, &req), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(done.at, 42000);
        ck_assert_int_eq(coherence_state_of(&coh, 0, 2), COH_S);
        ck_assert_int_eq(coherence_state_of(&coh, 1, 2), COH_S);
        /* c1 now writes its S copy: an upgrade that invalidates c0, 10 cycles of
         * invalidation + 2 of lookup = 12000 ps after the submission at 42000. */
        req.op = MEM_WRITE;
        done.at = SIM_TIME_MAX;
        ck_assert_int_eq(mem_port_submit(&port, &req), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(done.at, 54000);
        ck_assert(!cache_contains(&l1[0], 0x80));
        ck_assert_int_eq(coherence_state_of(&coh, 1, 2), COH_M);
        ck_assert(cache_dirty(&l1[1], 0x80));
        /* A further write is an M hit: 2 cycles, no directory traffic. */
        done.at = SIM_TIME_MAX;
        ck_assert_int_eq(mem_port_submit(&port, &req), 0);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(done.at, 56000);
        ck_assert_uint_eq(coherence_transition_count(&coh, COH_S, COH_M), 1);
        cache_fini(&l1[0]);
        cache_fini(&l1[1]);
        coherence_fini(&coh);
        sim_destroy(sim);
}
END_TEST

static Suite *coherence_suite(void)
{
        Suite *suite = suite_create("coherence");
        TCase *tc = tcase_create("mesi");

        tcase_add_test(tc, test_ping_pong_transitions);
        tcase_add_test(tc, test_table_insert_remove);
        tcase_add_test(tc, test_caches_follow_directory);
        tcase_add_test(tc, test_timed_cache_to_cache);
        suite_add_tcase(suite, tc);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(coherence_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
