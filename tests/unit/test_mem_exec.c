/*
 * mem_exec: the detailed engine on the harness SoC (test_mem_harness.h): pointer-chase
 * latency steps at the configured cache sizes, streaming bandwidth on 1..4 cores saturating
 * the bus, preemption conserving work, the MSHR bound, the exec_port adapter.
 */
#include <check.h>
#include <stdlib.h>

#include "tests/unit/test_mem_configs.h"
#include "tests/unit/test_mem_harness.h"

/* Unloaded latencies of the harness (header): an L1 hit 2000 ps; an LLC hit adds the LLC's
 * 10000 ps; a DRAM access adds the bus (64 B / 16 B per ns = 4000 ps) and, for a pointer
 * chase over many rows, a row conflict 46250 ps: 2000 + 10000 + 4000 + 46250 = 62250. */
#define LAT_L1_PS   2000.0
#define LAT_LLC_PS  12000.0
#define LAT_DRAM_PS 62250.0

static struct harness_options options_default(unsigned cores)
{
        return (struct harness_options){ .cores = cores, .bus_width = 16, .mshrs = 8 };
}

/* A pointer chase over `ws` bytes: CPI 1, one access per instruction. */
static struct mem_profile chase_profile(uint64_t ws)
{
        return (struct mem_profile){ .name = "chase",
                                     .base_cpi = 1.0,
                                     .accesses_per_kilo_instruction = 1000,
                                     .working_set_bytes = ws,
                                     .pattern = MEM_PATTERN_POINTER_CHASE };
}

/* Mean latency per access of a pointer chase over `ws` bytes: one warm-up lap, then two
 * measured laps; CPI 1 at 1 GHz and one access per instruction, so the latency is the
 * segment time minus 1000 ps per instruction, over the accesses. */
static double chase_latency_ps(uint64_t ws, bool decoupled)
{
        struct mem_profile chase = chase_profile(ws);
        struct harness_options options = options_default(1);
        struct harness h;
        uint64_t nodes = ws / 64;

        options.decoupled_llc = decoupled;
        sim_time_t t0;
        double latency;

        ck_assert_int_eq(mem_profile_validate(&chase), 0);
        ck_assert_int_eq(harness_init(&h, &options), 0);
        harness_bind(&h, 0, &chase);
        ck_assert_int_eq(harness_start(&h, 0, &chase, nodes), 0);
        ck_assert_int_eq(sim_run(h.sim), 0);
        t0 = sim_now(h.sim);
        ck_assert_int_eq(harness_start(&h, 0, &chase, 2 * nodes), 0);
        ck_assert_int_eq(sim_run(h.sim), 0);
        ck_assert_uint_eq(h.finished[0], 2);
        ck_assert_uint_eq(h.seg[0].stats.accesses, 2 * nodes);
        ck_assert_uint_eq(h.seg[0].stats.instructions, 2 * nodes);
        latency = (double)(sim_now(h.sim) - t0 - 2 * nodes * 1000) / (double)(2 * nodes);
        harness_fini(&h);
        return latency;
}

static void assert_within(double value, double expected, double tolerance)
{
        ck_assert_msg(value >= expected * (1.0 - tolerance) &&
                          value <= expected * (1.0 + tolerance),
                      "%.1f not within %.0f%% of %.1f", value, tolerance * 100.0, expected);
}

START_TEST(test_pointer_chase_steps)
{
        /* Steps at the configured sizes (L1 32 KiB, LLC 1 MiB; LRU and a chase that visits
         * every line once per lap: everything fits or nothing does), through the LLC's timed
         * port and with the decoupled LLC alike. */
        for (int decoupled = 0; decoupled <= 1; decoupled++) {
                assert_within(chase_latency_ps(16 << 10, decoupled), LAT_L1_PS, 0.05);
                assert_within(chase_latency_ps(32 << 10, decoupled), LAT_L1_PS, 0.05);
                assert_within(chase_latency_ps(64 << 10, decoupled), LAT_LLC_PS, 0.05);
                assert_within(chase_latency_ps(512 << 10, decoupled), LAT_LLC_PS, 0.05);
                assert_within(chase_latency_ps(1 << 20, decoupled), LAT_LLC_PS, 0.05);
                /* 2 MiB: 32 rows per bank, so 1 access in 32 is a row hit (27500 ps
                 * cheaper): 62250 - 27500 / 32 = 61391, within 5% of the conflict figure */
                assert_within(chase_latency_ps(2 << 20, decoupled), LAT_DRAM_PS, 0.05);
                assert_within(chase_latency_ps(4 << 20, decoupled), LAT_DRAM_PS, 0.05);
        }
}
END_TEST

/* Sequential 8-B reads with CPI 1, one access per instruction: a core needs 1000 + 2000 ps
 * per access, 8 accesses per 64-B line, so it streams 64 B / 24 ns = 2.667 GB/s while the
 * memory keeps up (a miss takes about 2000 + 10000 + 8000 + 18750 ps, far less than the
 * 8 x 24 ns that 8 MSHRs cover). The bus is 8 B per ns = 8 GB/s, DRAM 64 B per 5 ns:
 * n cores deliver n x 2.667 GB/s up to 3, and 4 cores are capped by the bus at 8 GB/s. */
static double stream_bandwidth(unsigned cores, bool decoupled, double *bus_utilisation)
{
        struct mem_profile stream = { .name = "stream",
                                      .base_cpi = 1.0,
                                      .accesses_per_kilo_instruction = 1000,
                                      .working_set_bytes = 16 << 20,
                                      .pattern = MEM_PATTERN_SEQUENTIAL };
        struct harness_options options = options_default(cores);
        struct harness h;
        const uint64_t instructions = 400000; /* 3.2 MB per core */
        double bytes = 0.0, seconds;

        options.bus_width = 8;
        options.decoupled_llc = decoupled;
        ck_assert_int_eq(harness_init(&h, &options), 0);
        for (unsigned i = 0; i < cores; i++) {
                harness_bind(&h, i, &stream);
                ck_assert_int_eq(harness_start(&h, i, &stream, instructions), 0);
        }
        ck_assert_int_eq(sim_run(h.sim), 0);
        for (unsigned i = 0; i < cores; i++) {
                ck_assert_uint_eq(h.finished[i], 1);
                /* one miss per line: 400000 accesses / 8 */
                ck_assert_uint_eq(h.seg[i].stats.l1_misses, instructions / 8);
                bytes += (double)h.seg[i].stats.l1_misses * 64.0;
        }
        seconds = (double)sim_now(h.sim) / (double)SIM_PS_PER_S;
        *bus_utilisation = (double)interconnect_lane_busy_ps(&h.bus, 0) / (double)sim_now(h.sim);
        harness_fini(&h);
        return bytes / seconds;
}

START_TEST(test_streaming_bandwidth_saturates)
{
        const double per_core = 64.0 / 24e-9; /* 2.667e9 B/s */
        const double bus_peak = 8e9;
        double utilisation;

        for (int decoupled = 0; decoupled <= 1; decoupled++) {
                assert_within(stream_bandwidth(1, decoupled, &utilisation), per_core, 0.03);
                assert_within(utilisation, per_core / bus_peak, 0.03);
                assert_within(stream_bandwidth(2, decoupled, &utilisation), 2 * per_core, 0.03);
                /* 3 cores ask for exactly the bus peak; 4 ask for 4/3 of it */
                assert_within(stream_bandwidth(3, decoupled, &utilisation), bus_peak, 0.06);
                ck_assert_double_le(stream_bandwidth(4, decoupled, &utilisation), bus_peak * 1.001);
                ck_assert_double_ge(utilisation, 0.97);
        }
}
END_TEST

/* Preempt/resume a segment at awkward instants on an undisturbed L1: the same work, the same
 * total busy time. A 16-KiB sequential working set (L1-resident after a warm-up lap),
 * CPI 1.5, 250 accesses per 1000 instructions: per instruction 1500 ps + 2000 / 4 ps, so
 * 100000 instructions take exactly 200,000,000 ps. */
START_TEST(test_preemption_conserves_work_l1)
{
        struct mem_profile profile = { .name = "l1-resident",
                                       .base_cpi = 1.5,
                                       .accesses_per_kilo_instruction = 250,
                                       .working_set_bytes = 16 << 10,
                                       .pattern = MEM_PATTERN_SEQUENTIAL };
        struct harness_options options = options_default(1);
        static const sim_time_t cuts[] = { 1234567, 1234568, 50000001, 50000002, 123456789 };
        struct harness h;
        sim_time_t t0, idle = 0;

        ck_assert_int_eq(harness_init(&h, &options), 0);
        harness_bind(&h, 0, &profile);
        ck_assert_int_eq(harness_start(&h, 0, &profile, 8192), 0); /* 2048 accesses: one lap */
        ck_assert_int_eq(sim_run(h.sim), 0);
        t0 = sim_now(h.sim);
        ck_assert_int_eq(harness_start(&h, 0, &profile, 100000), 0);
        for (size_t i = 0; i < sizeof(cuts) / sizeof(cuts[0]); i++) {
                /* cut after cuts[i] ps of execution, idle for 777 ns, resume */
                ck_assert_int_eq(sim_run_until(h.sim, t0 + idle + cuts[i]), 0);
                mem_exec_preempt(&h.exec[0]);
                ck_assert_int_eq(sim_run_until(h.sim, sim_now(h.sim) + 777000), 0);
                idle += 777000;
                ck_assert_int_eq(
                    mem_exec_start(&h.exec[0], &h.seg[0], harness_done, &h.finished[0]), 0);
        }
        ck_assert_int_eq(sim_run(h.sim), 0);
        ck_assert_uint_eq(h.finished[0], 2);
        ck_assert_uint_eq(sim_now(h.sim) - t0 - idle, 200000000);
        ck_assert_uint_eq(h.seg[0].stats.instructions, 100000);
        ck_assert_uint_eq(h.seg[0].stats.accesses, 25000);
        ck_assert_uint_eq(h.seg[0].stats.l1_misses, 0);
        ck_assert_uint_eq(h.seg[0].stats.compute_ps + h.seg[0].stats.hit_ps, 200000000);
        harness_fini(&h);
}
END_TEST

/* A DRAM-bound random segment with writes, cut into slices while misses are in flight: the
 * instruction, access and miss counts equal the uncut run's (same address stream, same L1),
 * fills in flight at a cut complete in the background, and the busy time stays within 2%. */
static sim_time_t random_run(unsigned slices, bool decoupled, struct mem_exec_stats *stats)
{
        struct mem_profile profile = { .name = "random-rw",
                                       .base_cpi = 1.0,
                                       .accesses_per_kilo_instruction = 300,
                                       .working_set_bytes = 8 << 20,
                                       .pattern = MEM_PATTERN_RANDOM,
                                       .writes_per_thousand = 300 };
        struct harness_options options = options_default(1);
        struct harness h;
        sim_time_t busy;

        options.mshrs = 4;
        options.decoupled_llc = decoupled;
        ck_assert_int_eq(harness_init(&h, &options), 0);
        harness_bind(&h, 0, &profile);
        ck_assert_int_eq(harness_start(&h, 0, &profile, 200000), 0);
        for (unsigned i = 1; i < slices; i++) {
                ck_assert_int_eq(sim_run_until(h.sim, sim_now(h.sim) + 3333333), 0);
                ck_assert(mem_exec_busy(&h.exec[0]));
                mem_exec_preempt(&h.exec[0]);
                ck_assert(!mem_exec_segment_done(&h.seg[0]));
                ck_assert_int_eq(sim_run_until(h.sim, sim_now(h.sim) + 1000000), 0);
                /* the fills of before the cut have come back meanwhile */
                ck_assert_uint_eq(mem_exec_fills_outstanding(&h.exec[0]), 0);
                ck_assert_int_eq(
                    mem_exec_start(&h.exec[0], &h.seg[0], harness_done, &h.finished[0]), 0);
        }
        ck_assert_int_eq(sim_run(h.sim), 0);
        ck_assert_uint_eq(h.finished[0], 1);
        ck_assert_uint_eq(sim_events_pending(h.sim), 0);
        *stats = h.seg[0].stats;
        busy = mem_exec_busy_ps(&h.exec[0]);
        harness_fini(&h);
        return busy;
}

START_TEST(test_preemption_conserves_work_dram)
{
        for (int decoupled = 0; decoupled <= 1; decoupled++) {
                struct mem_exec_stats whole, cut;
                sim_time_t whole_ps = random_run(1, decoupled, &whole);
                sim_time_t cut_ps = random_run(6, decoupled, &cut);

                ck_assert_uint_eq(cut.instructions, 200000);
                ck_assert_uint_eq(cut.instructions, whole.instructions);
                ck_assert_uint_eq(cut.accesses, whole.accesses);
                ck_assert_uint_eq(cut.accesses, 60000); /* 200000 x 300 / 1000 */
                ck_assert_uint_eq(cut.l1_misses, whole.l1_misses);
                ck_assert_uint_eq(cut.writebacks, whole.writebacks);
                ck_assert_uint_gt(whole.stall_ps, 0);
                ck_assert_uint_eq(whole.compute_ps, 200000000);
                ck_assert_uint_eq(cut.compute_ps, 200000000);
                assert_within((double)cut_ps, (double)whole_ps, 0.02);
                /* the whole run: busy = compute + hits + stalls exactly */
                ck_assert_uint_eq(whole_ps, whole.compute_ps + whole.hit_ps + whole.stall_ps);
        }
}
END_TEST

/* Random misses to DRAM with CPI 0 and one access per instruction: with k MSHRs, k misses
 * overlap, so the time per miss is L / k until a shared resource binds. L = 62250 ps (row
 * conflicts, see above). The DRAM controller chooses its next request when the current one's
 * CAS issues, so row conflicts are serialised at tRP + tRCD = 27500 ps per request whatever
 * the bank: k = 1 gives 62250, k = 2 gives 31125, k = 4 is bound at 27500 ps per miss. */
START_TEST(test_mshr_bound)
{
        struct mem_profile profile = { .name = "random-r",
                                       .base_cpi = 0.0,
                                       .accesses_per_kilo_instruction = 1000,
                                       .working_set_bytes = 64 << 20,
                                       .stride_bytes = 64,
                                       .access_bytes = 64,
                                       .pattern = MEM_PATTERN_RANDOM };
        sim_time_t per_miss[3];
        static const uint32_t mshrs[3] = { 1, 2, 4 };

        for (unsigned m = 0; m < 3; m++) {
                struct harness_options options = options_default(1);
                struct harness h;

                options.mshrs = mshrs[m];
                ck_assert_int_eq(harness_init(&h, &options), 0);
                harness_bind(&h, 0, &profile);
                ck_assert_int_eq(harness_start(&h, 0, &profile, 20000), 0);
                ck_assert_int_eq(sim_run(h.sim), 0);
                per_miss[m] = sim_now(h.sim) / h.seg[0].stats.l1_misses;
                harness_fini(&h);
        }
        assert_within((double)per_miss[0], LAT_DRAM_PS, 0.05);
        assert_within((double)per_miss[1], LAT_DRAM_PS / 2, 0.05);
        assert_within((double)per_miss[2], 27500.0, 0.05);
}
END_TEST

/*
 * The wait of each fill for a miss slot (slot_wait_histogram), with one slot and a decoupled
 * LLC: a sequential 64-B-per-access walk over 64 KiB (twice the L1: every access misses it;
 * well inside the LLC: after a first lap, every access hits there), CPI 0, one access per
 * instruction. In the second lap, access k's L1 lookup ends 2000 ps after it starts and its
 * LLC fill takes 10000 ps, holding the only slot: access 0 finds the slot free (the first
 * segment ended with its fills done) and waits 0; access k >= 1 misses 2000 ps after the
 * previous fill was issued and waits for it to complete, 10000 - 2000 = 8000 ps. So the
 * histogram holds 1024 samples, one of 0 and 1023 of 8000, and the lap takes 2000 + 1024 x
 * 10000 ps (the last fill completing) = 10,242,000 ps.
 */
START_TEST(test_slot_wait_histogram)
{
        struct mem_profile walk = { .name = "walk",
                                    .base_cpi = 0.0,
                                    .accesses_per_kilo_instruction = 1000,
                                    .working_set_bytes = 64 << 10,
                                    .access_bytes = 64,
                                    .pattern = MEM_PATTERN_SEQUENTIAL };
        struct harness_options options = options_default(1);
        struct histogram waits = { 0 };
        struct harness h;
        sim_time_t t0;

        options.mshrs = 1;
        options.decoupled_llc = true;
        ck_assert_int_eq(harness_init(&h, &options), 0);
        harness_bind(&h, 0, &walk);
        ck_assert_int_eq(harness_start(&h, 0, &walk, 1024), 0);
        ck_assert_int_eq(sim_run(h.sim), 0);
        h.exec[0].slot_wait_histogram = &waits;
        t0 = sim_now(h.sim);
        ck_assert_int_eq(harness_start(&h, 0, &walk, 1024), 0);
        ck_assert_int_eq(sim_run(h.sim), 0);
        ck_assert_uint_eq(h.seg[0].stats.l1_misses, 1024);
        ck_assert_uint_eq(h.seg[0].stats.llc_misses, 0);
        ck_assert_uint_eq(sim_now(h.sim) - t0, 10242000);
        ck_assert_uint_eq(waits.count, 1024);
        ck_assert_uint_eq(waits.min, 0);
        ck_assert_uint_eq(waits.max, 8000);
        ck_assert_uint_eq((uint64_t)waits.sum, 1023 * 8000);
        ck_assert_int_eq(h.exec[0].histogram_error, 0);
        histogram_free(&waits);
        harness_fini(&h);
}
END_TEST

START_TEST(test_decoupled_llc_matches_timed)
{
        /* The LLC's timed path adds no queueing of its own for these loads (the bus and DRAM
         * do), so looking it up functionally must give the same victim times: a DRAM chase
         * beside 3 hogs, an LLC chase thrashed by 3 hogs, a random reader-writer (whose L1
         * write-backs are written into the LLC without a fill read: within 1%). */
        static const size_t configs[] = { 3, 7, 8 };

        for (size_t i = 0; i < sizeof(configs) / sizeof(configs[0]); i++) {
                struct harness_scenario sc = mem_config(configs[i]);
                uint64_t llc_timed, llc_decoupled;
                sim_time_t timed = harness_detailed_ps(&sc, &llc_timed);
                sim_time_t decoupled;

                sc.options.decoupled_llc = true;
                decoupled = harness_detailed_ps(&sc, &llc_decoupled);
                ck_assert_uint_gt(timed, 0);
                assert_within((double)decoupled, (double)timed, configs[i] == 8 ? 0.01 : 1e-9);
        }
}
END_TEST

/* A run of 2 cores with random reads and writes over 128 KiB each (L1 misses that hit the
 * decoupled LLC, dirty L1 victims written into it, 4 miss slots), with or without a slot-wait
 * histogram: the counters and the end time. */
struct loop_run {
        struct mem_exec_stats totals[2];
        struct cache_counters l1[2], llc[2];
        sim_time_t end_ps;
        uint64_t waits;
};

static struct loop_run random_llc_run(bool histogram)
{
        static const struct mem_profile random = { .name = "random",
                                                   .base_cpi = 0.5,
                                                   .accesses_per_kilo_instruction = 400,
                                                   .working_set_bytes = 128 << 10,
                                                   .pattern = MEM_PATTERN_RANDOM,
                                                   .writes_per_thousand = 100 };
        struct harness_options options = options_default(2);
        struct histogram waits = { 0 };
        struct loop_run run = { 0 };
        struct harness h;

        options.mshrs = 4;
        options.decoupled_llc = true;
        ck_assert_int_eq(harness_init(&h, &options), 0);
        for (unsigned i = 0; i < 2; i++) {
                if (histogram)
                        h.exec[i].slot_wait_histogram = &waits;
                harness_bind(&h, i, &random);
                ck_assert_int_eq(harness_start(&h, i, &random, 200000), 0);
        }
        ck_assert_int_eq(sim_run(h.sim), 0);
        for (unsigned i = 0; i < 2; i++) {
                run.totals[i] = *mem_exec_totals(&h.exec[i]);
                run.l1[i] = *cache_counters_of(&h.l1[i], (uint16_t)i);
                run.llc[i] = *cache_counters_of(&h.llc, (uint16_t)i);
        }
        run.end_ps = sim_now(h.sim);
        run.waits = waits.count;
        histogram_free(&waits);
        harness_fini(&h);
        return run;
}

START_TEST(test_plain_loop_matches_general)
{
        /* The engine runs L1 misses that hit the decoupled LLC in a loop specialised for the
         * plain case (no histogram, colouring or dependent loads); recording slot waits takes
         * the general loop, which must give the same run: every counter and the end time. Each
         * core makes floor(200000 * 400 / 1000) = 80000 accesses, and the histogram holds one
         * wait per L1 fill. */
        struct loop_run plain = random_llc_run(false), general = random_llc_run(true);

        ck_assert_uint_eq(general.end_ps, plain.end_ps);
        ck_assert_uint_eq(general.waits, general.totals[0].l1_misses + general.totals[1].l1_misses);
        for (unsigned i = 0; i < 2; i++) {
                const struct mem_exec_stats *p = &plain.totals[i], *g = &general.totals[i];

                ck_assert_uint_eq(p->instructions, 200000);
                ck_assert_uint_eq(p->accesses, 80000);
                ck_assert_uint_gt(p->writebacks, 0);
                ck_assert_uint_eq(g->instructions, p->instructions);
                ck_assert_uint_eq(g->accesses, p->accesses);
                ck_assert_uint_eq(g->l1_misses, p->l1_misses);
                ck_assert_uint_eq(g->llc_misses, p->llc_misses);
                ck_assert_uint_eq(g->writebacks, p->writebacks);
                ck_assert_uint_eq(g->compute_ps, p->compute_ps);
                ck_assert_uint_eq(g->hit_ps, p->hit_ps);
                ck_assert_uint_eq(g->stall_ps, p->stall_ps);
                ck_assert_uint_eq(general.l1[i].misses, plain.l1[i].misses);
                ck_assert_uint_eq(general.l1[i].writebacks, plain.l1[i].writebacks);
                ck_assert_uint_eq(general.llc[i].accesses, plain.llc[i].accesses);
                ck_assert_uint_eq(general.llc[i].misses, plain.llc[i].misses);
                ck_assert_uint_eq(general.llc[i].writebacks, plain.llc[i].writebacks);
        }
}
END_TEST

/* Mean latency per access of a 512-KiB pointer chase (two measured laps after a warm-up
 * lap, as chase_latency_ps) whose segments use their own colour mask `mask` (0: none) on an
 * engine configured for 16 colours of 4-KiB pages and no colouring of its own. */
static double coloured_chase_latency_ps(uint64_t mask)
{
        const uint64_t ws = 512 << 10, nodes = ws / 64;
        struct mem_profile chase = chase_profile(ws);
        struct harness_options options = options_default(1);
        struct harness h;
        sim_time_t t0;
        double latency;

        ck_assert_int_eq(harness_init(&h, &options), 0);
        h.exec_config[0].colours = 16;
        h.exec_config[0].page_bytes = 4096;
        harness_bind(&h, 0, &chase);
        for (int lap = 0; lap < 2; lap++) {
                uint64_t n = lap == 0 ? nodes : 2 * nodes;

                t0 = sim_now(h.sim);
                mem_exec_segment_init(&h.seg[0], &chase, &h.gen[0], n);
                mem_exec_segment_set_colours(&h.seg[0], mask, 0);
                ck_assert_int_eq(
                    mem_exec_start(&h.exec[0], &h.seg[0], harness_done, &h.finished[0]), 0);
                ck_assert_int_eq(sim_run(h.sim), 0);
        }
        latency = (double)(sim_now(h.sim) - t0 - 2 * nodes * 1000) / (double)(2 * nodes);
        harness_fini(&h);
        return latency;
}

START_TEST(test_segment_colours)
{
        /* LLC 1 MiB / 16 ways = 64 KiB per way = 16 colours of 4-KiB pages. Uncoloured, the
         * 512-KiB chase fits the LLC: LLC latency. With all 16 colours the mapping keeps the
         * capacity: LLC latency again. With one colour (64 KiB of LLC) it cannot fit, and LRU
         * with a cyclic chase misses every time: at least DRAM's bus + row cost on top of the
         * LLC hit, so far above 2 x the LLC latency. */
        assert_within(coloured_chase_latency_ps(0), LAT_LLC_PS, 0.05);
        assert_within(coloured_chase_latency_ps(0xFFFF), LAT_LLC_PS, 0.05);
        ck_assert_double_gt(coloured_chase_latency_ps(0x1), 2.0 * LAT_LLC_PS);
}
END_TEST

START_TEST(test_exec_port_plain_work)
{
        /* The adapter runs plain picoseconds: 5000 ns, preempted at 1200 ns with 3800 ns
         * left, resumed at 2000 ns: done at 2000 + 3800 = 5800 ns. */
        struct harness_options options = options_default(1);
        struct harness h;
        struct exec_port port;
        sim_time_t left;

        ck_assert_int_eq(harness_init(&h, &options), 0);
        port = mem_exec_exec_port(&h.exec[0]);
        ck_assert_uint_eq(port.ops->cycles_to_ps(port.resource, 7), 7000);
        ck_assert_int_eq(port.ops->start(port.resource, 5000000, harness_done, &h.finished[0]), 0);
        ck_assert(port.ops->busy(port.resource));
        ck_assert_int_eq(sim_run_until(h.sim, 1200000), 0);
        left = port.ops->preempt(port.resource);
        ck_assert_uint_eq(left, 3800000);
        ck_assert_int_eq(sim_run_until(h.sim, 2000000), 0);
        ck_assert_int_eq(port.ops->start(port.resource, left, harness_done, &h.finished[0]), 0);
        ck_assert_int_eq(sim_run(h.sim), 0);
        ck_assert_uint_eq(sim_now(h.sim), 5800000);
        ck_assert_uint_eq(h.finished[0], 1);
        ck_assert_uint_eq(mem_exec_busy_ps(&h.exec[0]), 5000000);
        harness_fini(&h);
}
END_TEST

static Suite *mem_exec_suite(void)
{
        Suite *suite = suite_create("mem_exec");
        TCase *latency = tcase_create("latency");
        TCase *work = tcase_create("work");

        tcase_set_timeout(latency, 60);
        tcase_set_timeout(work, 60);
        tcase_add_test(latency, test_pointer_chase_steps);
        tcase_add_test(latency, test_streaming_bandwidth_saturates);
        tcase_add_test(latency, test_mshr_bound);
        tcase_add_test(latency, test_decoupled_llc_matches_timed);
        tcase_add_test(latency, test_slot_wait_histogram);
        tcase_add_test(latency, test_plain_loop_matches_general);
        tcase_add_test(latency, test_segment_colours);
        tcase_add_test(work, test_preemption_conserves_work_l1);
        tcase_add_test(work, test_preemption_conserves_work_dram);
        tcase_add_test(work, test_exec_port_plain_work);
        suite_add_tcase(suite, latency);
        suite_add_tcase(suite, work);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(mem_exec_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
