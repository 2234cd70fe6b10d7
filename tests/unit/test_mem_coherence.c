/*
 * Shared regions in the detailed engine (mem_exec_attach_shared) and the fast model's
 * coherence term (mem_fast_coherence_miss_share), on the harness SoC (test_mem_harness.h):
 * write ping-pong between two cores, a reader-only pair, the shared draws of mem_gen.
 */
#include <check.h>
#include <stdlib.h>

#include "models/hw/mem_fast.h"
#include "tests/unit/test_mem_harness.h"

/* Harness timing (header): CPI 1 at 1 GHz = 1000 ps an instruction, L1 hit 2 cycles = 2000
 * ps; the directory's transfer and invalidation latencies are set to the LLC hit latency, 10
 * cycles at 1 GHz = 10000 ps. */
#define INSTRUCTION_PS 1000
#define L1_HIT_PS      2000
#define TRANSFER_PS    10000

struct shared_rig {
        struct harness h;
        struct coherence_config coherence_config;
        struct coherence directory;
        struct mem_exec_shared shared;
};

static void rig_init(struct shared_rig *rig, uint64_t shared_bytes)
{
        struct harness_options options = {
                .cores = 2, .bus_width = 16, .mshrs = 8, .decoupled_llc = true
        };

        ck_assert_int_eq(harness_init(&rig->h, &options), 0);
        rig->coherence_config = (struct coherence_config){ .caches = 2,
                                                           .capacity_lines = shared_bytes / 64,
                                                           .clock_hz = 1000000000,
                                                           .transfer_cycles = 10,
                                                           .invalidate_cycles = 10 };
        ck_assert_int_eq(coherence_init(&rig->directory, &rig->coherence_config), 0);
        rig->shared = (struct mem_exec_shared){ .directory = &rig->directory,
                                                .base = MEM_PROFILE_SHARED_BASE,
                                                .end = MEM_PROFILE_SHARED_BASE + shared_bytes,
                                                .caches = 2 };
        for (unsigned i = 0; i < 2; i++) {
                rig->shared.l1[i] = &rig->h.l1[i];
                coherence_attach(&rig->directory, i, &cache_coherence_ops, &rig->h.l1[i]);
                mem_exec_attach_shared(&rig->h.exec[i], &rig->shared, i);
        }
}

static void rig_fini(struct shared_rig *rig)
{
        harness_fini(&rig->h);
        coherence_fini(&rig->directory);
}

/* Every access a write of the same 8 bytes of a one-line shared region. */
static const struct mem_profile pingpong = { .name = "pingpong",
                                             .base_cpi = 1.0,
                                             .accesses_per_kilo_instruction = 1000,
                                             .working_set_bytes = 4096,
                                             .pattern = MEM_PATTERN_SEQUENTIAL,
                                             .writes_per_thousand = 1000,
                                             .shared_per_million = 1000000,
                                             .shared_base = MEM_PROFILE_SHARED_BASE,
                                             .shared_bytes = 8 };

START_TEST(test_pingpong_writes_transfer)
{
        /* Cores 0 and 1 take turns, one instruction (one write) each. The first write misses
         * everywhere (a cold fill from DRAM). Every later write misses in the writer's L1 and
         * finds the line Modified in the other core's L1: a cache-to-cache transfer that
         * invalidates it, with no fill from below. Such a segment takes 1000 (the
         * instruction) + 2000 (L1 lookup) + 10000 (transfer, a stall) = 13000 ps. With 20
         * rounds: 39 transfers, core 0 19 (all its writes but the first), core 1 20; each
         * also invalidated the peer's copy. */
        struct shared_rig rig;
        enum { ROUNDS = 20 };

        ck_assert_int_eq(mem_profile_validate(&pingpong), 0);
        rig_init(&rig, 64);
        for (unsigned i = 0; i < 2; i++)
                harness_bind(&rig.h, i, &pingpong);
        for (unsigned round = 0; round < ROUNDS; round++) {
                for (unsigned core = 0; core < 2; core++) {
                        sim_time_t t0 = sim_now(rig.h.sim);

                        ck_assert_int_eq(harness_start(&rig.h, core, &pingpong, 1), 0);
                        ck_assert_int_eq(sim_run(rig.h.sim), 0);
                        if (round > 0 || core > 0)
                                ck_assert_uint_eq(sim_now(rig.h.sim) - t0,
                                                  INSTRUCTION_PS + L1_HIT_PS + TRANSFER_PS);
                        /* the writer holds the line, the other core's copy was invalidated */
                        ck_assert(cache_contains(&rig.h.l1[core], MEM_PROFILE_SHARED_BASE));
                        ck_assert(!cache_contains(&rig.h.l1[1 - core], MEM_PROFILE_SHARED_BASE));
                        ck_assert(cache_dirty(&rig.h.l1[core], MEM_PROFILE_SHARED_BASE));
                }
        }
        ck_assert_uint_eq(mem_exec_totals(&rig.h.exec[0])->coherence_transfers, ROUNDS - 1);
        ck_assert_uint_eq(mem_exec_totals(&rig.h.exec[1])->coherence_transfers, ROUNDS);
        ck_assert_uint_eq(mem_exec_totals(&rig.h.exec[0])->coherence_invalidations, ROUNDS - 1);
        ck_assert_uint_eq(mem_exec_totals(&rig.h.exec[1])->coherence_invalidations, ROUNDS);
        ck_assert_uint_eq(mem_exec_totals(&rig.h.exec[0])->accesses, ROUNDS);
        ck_assert_uint_eq(mem_exec_totals(&rig.h.exec[0])->llc_misses, 1);
        ck_assert_uint_eq(mem_exec_totals(&rig.h.exec[1])->llc_misses, 0);
        ck_assert_uint_eq(mem_exec_totals(&rig.h.exec[1])->stall_ps, ROUNDS * TRANSFER_PS);
        ck_assert_uint_eq(rig.directory.cache_to_cache, 2 * ROUNDS - 1);
        rig_fini(&rig);
}
END_TEST

START_TEST(test_reader_pair_no_invalidations)
{
        /* Both cores read a 4 KiB shared region (64 lines, well within a 32 KiB L1) at random,
         * 20000 reads each, concurrently. Per line: the first core to read it gets it
         * Exclusive from the LLC side, the second finds that owner and takes it
         * cache-to-cache (the owner drops to Shared): exactly 64 transfers in all, 128 L1
         * misses, no invalidation. A second run of both: every read hits, nothing moves. */
        static const struct mem_profile readers = { .name = "readers",
                                                    .base_cpi = 1.0,
                                                    .accesses_per_kilo_instruction = 1000,
                                                    .working_set_bytes = 4096,
                                                    .pattern = MEM_PATTERN_SEQUENTIAL,
                                                    .shared_per_million = 1000000,
                                                    .shared_base = MEM_PROFILE_SHARED_BASE,
                                                    .shared_bytes = 4096 };
        struct shared_rig rig;
        uint64_t transfers = 0, misses = 0, invalidations = 0;

        rig_init(&rig, 4096);
        for (unsigned i = 0; i < 2; i++) {
                harness_bind(&rig.h, i, &readers);
                ck_assert_int_eq(harness_start(&rig.h, i, &readers, 20000), 0);
        }
        ck_assert_int_eq(sim_run(rig.h.sim), 0);
        for (unsigned i = 0; i < 2; i++) {
                transfers += rig.h.seg[i].stats.coherence_transfers;
                misses += rig.h.seg[i].stats.l1_misses;
                invalidations += rig.h.seg[i].stats.coherence_invalidations;
        }
        ck_assert_uint_eq(transfers, 64);
        ck_assert_uint_eq(misses, 128);
        ck_assert_uint_eq(invalidations, 0);
        for (unsigned i = 0; i < 2; i++)
                ck_assert_int_eq(harness_start(&rig.h, i, &readers, 20000), 0);
        ck_assert_int_eq(sim_run(rig.h.sim), 0);
        for (unsigned i = 0; i < 2; i++) {
                ck_assert_uint_eq(rig.h.seg[i].stats.accesses, 20000);
                ck_assert_uint_eq(rig.h.seg[i].stats.l1_misses, 0);
                ck_assert_uint_eq(rig.h.seg[i].stats.coherence_transfers, 0);
                ck_assert_uint_eq(rig.h.seg[i].stats.coherence_invalidations, 0);
        }
        rig_fini(&rig);
}
END_TEST

START_TEST(test_gen_shared_share)
{
        /* A profile sending 200000 per million of its accesses to a 16 KiB region: over 64000
         * accesses the count is binomial, mean 12800, standard deviation sqrt(64000 * 0.2 *
         * 0.8) = 101: within 5 sigma. Every shared address is an 8-byte granule of the region,
         * and the private addresses are the profile's own (a sequential walk over 4 KiB from
         * the base, one skipped per shared draw). The same profile without sharing keeps the
         * private stream unchanged at the same positions. */
        static const struct mem_profile share = { .name = "share",
                                                  .base_cpi = 1.0,
                                                  .accesses_per_kilo_instruction = 500,
                                                  .working_set_bytes = 4096,
                                                  .pattern = MEM_PATTERN_SEQUENTIAL,
                                                  .writes_per_thousand = 300,
                                                  .shared_per_million = 200000,
                                                  .shared_base = MEM_PROFILE_SHARED_BASE,
                                                  .shared_bytes = 16384 };
        struct mem_profile private = share;
        struct mem_gen gen, plain;
        uint64_t shared = 0;

        private.shared_per_million = 0;
        mem_gen_init(&gen, &share, 7, 0, 0x100000);
        mem_gen_init(&plain, &private, 7, 0, 0x100000);
        for (unsigned i = 0; i < 64000; i++) {
                struct mem_access a, b;

                mem_gen_next(&gen, &a);
                mem_gen_next(&plain, &b);
                ck_assert_uint_eq(a.gap_instructions, b.gap_instructions);
                ck_assert_uint_eq(a.op, b.op);
                if (a.addr >= MEM_PROFILE_SHARED_BASE) {
                        shared++;
                        ck_assert_uint_lt(a.addr, MEM_PROFILE_SHARED_BASE + 16384);
                        ck_assert_uint_eq(a.addr % 8, 0);
                } else {
                        ck_assert_uint_eq(a.addr, b.addr);
                }
        }
        ck_assert_uint_gt(shared, 12800 - 505);
        ck_assert_uint_lt(shared, 12800 + 505);
}
END_TEST

START_TEST(test_fast_symmetric_share)
{
        /* Two cores, each making shared accesses at rate a = 10^8 /s, writes 20 % of them: the
         * other core's writes come at W = 2 * 10^7 /s, so a line core 0 touches was written by
         * core 1 since core 0's last touch with probability W / (a + W) = 2e7 / 1.2e8 = 1/6.
         * Reader-only peers (W = 0): 0. A core alone (no peer): 0. */
        ck_assert_double_eq_tol(mem_fast_coherence_miss_share(1e8, 2e7), 1.0 / 6.0, 1e-12);
        ck_assert_double_eq_tol(mem_fast_coherence_miss_share(1e8, 0.0), 0.0, 1e-12);
        ck_assert_double_eq_tol(mem_fast_coherence_miss_share(0.0, 0.0), 0.0, 1e-12);
}
END_TEST

int main(void)
{
        Suite *suite = suite_create("mem_coherence");
        TCase *detailed = tcase_create("detailed");
        TCase *model = tcase_create("model");
        SRunner *runner;
        int failed;

        tcase_add_test(detailed, test_pingpong_writes_transfer);
        tcase_add_test(detailed, test_reader_pair_no_invalidations);
        tcase_add_test(model, test_gen_shared_share);
        tcase_add_test(model, test_fast_symmetric_share);
        tcase_set_timeout(detailed, 60);
        suite_add_tcase(suite, detailed);
        suite_add_tcase(suite, model);
        runner = srunner_create(suite);
        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
