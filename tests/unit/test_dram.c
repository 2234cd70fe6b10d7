/*
 * DRAM: the address mapping, row hit / empty / conflict latencies from the timing parameters,
 * tRAS, FR-FCFS serving a younger row hit before an older conflict, refresh blocking, and
 * the per-parameter conversion to picoseconds.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>

#include "models/hw/dram.h"
#include "sim/sim.h"
#include "sim/stats.h"

/*
 * 800 MHz: one cycle = 1250 ps exactly. tRCD = tRP = tCL = 11 cycles = 13750 ps; burst 4
 * cycles (BL8 on a DDR bus) = 5000 ps; tRAS 28 cycles = 35000 ps; 64-B bursts, 8-KiB rows,
 * 8 banks: offset bits 0-5, column bits 6-12 (8192 / 64 = 128 columns), bank bits 13-15,
 * row bits 16 and up (one channel: no channel bits).
 */
#define T_RCD   13750ULL
#define T_RP    13750ULL
#define T_CL    13750ULL
#define T_BURST 5000ULL
#define T_RAS   35000ULL

static struct dram_config base_config(void)
{
        return (struct dram_config){ .clock_hz = 800000000,
                                     .channels = 1,
                                     .banks = 8,
                                     .rows = 65536,
                                     .row_bytes = 8192,
                                     .burst_bytes = 64,
                                     .t_rcd = 11,
                                     .t_rp = 11,
                                     .t_cl = 11,
                                     .t_ras = 28,
                                     .burst_cycles = 4 };
}

static uint64_t address(uint32_t row, uint32_t bank, uint32_t column)
{
        return ((uint64_t)row << 16) | ((uint64_t)bank << 13) | ((uint64_t)column << 6);
}

struct probe {
        struct mem_request req;
        struct sim *sim;
        sim_time_t completed_ps;
};

static void probe_done(struct mem_request *req, void *arg)
{
        struct probe *p = arg;

        (void)req;
        p->completed_ps = sim_now(p->sim);
}

struct bench {
        struct sim *sim;
        struct dram_config config;
        struct dram dram;
        struct mem_port port;
        struct probe probe[8];
};

static void bench_init(struct bench *b, const struct dram_config *config)
{
        *b = (struct bench){ .config = *config };
        b->sim = sim_create(NULL);
        ck_assert_ptr_nonnull(b->sim);
        ck_assert_int_eq(dram_init(&b->dram, &b->config, b->sim), 0);
        b->port = dram_mem_port(&b->dram);
}

static void bench_free(struct bench *b)
{
        dram_fini(&b->dram);
        sim_destroy(b->sim);
}

/* Submit probe i for `addr` now. */
static void submit(struct bench *b, int i, uint64_t addr)
{
        struct probe *p = &b->probe[i];

        *p = (struct probe){ .req = { .addr = addr, .size_bytes = 64, .done = probe_done },
                             .sim = b->sim,
                             .completed_ps = SIM_TIME_MAX };
        p->req.done_arg = p;
        ck_assert_int_eq(mem_port_submit(&b->port, &p->req), 0);
}

/* Run to `when`, then submit probe i. */
static void submit_at(struct bench *b, sim_time_t when, int i, uint64_t addr)
{
        ck_assert_int_eq(sim_run_until(b->sim, when), 0);
        submit(b, i, addr);
}

START_TEST(test_address_mapping)
{
        struct dram_config config = base_config();
        struct bench b;
        struct dram_address a;

        bench_init(&b, &config);
        /* row 5, bank 3, column 9, byte 0x21 within the burst */
        a = dram_decode(&b.dram, address(5, 3, 9) | 0x21);
        ck_assert_uint_eq(a.channel, 0);
        ck_assert_uint_eq(a.bank, 3);
        ck_assert_uint_eq(a.row, 5);
        ck_assert_uint_eq(a.column, 9);
        /* 0x12345678: low 16 bits 0x5678 = 0b0101_0110_0111_1000: bits 6-12 = 0b1011001
         * (column 89), bits 13-15 = 0b010 (bank 2); row = 0x1234. */
        a = dram_decode(&b.dram, 0x12345678);
        ck_assert_uint_eq(a.column, 89);
        ck_assert_uint_eq(a.bank, 2);
        ck_assert_uint_eq(a.row, 0x1234);
        bench_free(&b);

        /* Two channels: bit 6 picks the channel, the columns start at bit 7. */
        config.channels = 2;
        bench_init(&b, &config);
        a = dram_decode(&b.dram, 0x12345678);
        ck_assert_uint_eq(a.channel, 1);
        ck_assert_uint_eq(a.column, 0x2C); /* bits 7-13 of 0x5678 = 0b0101100 */
        ck_assert_uint_eq(a.bank, 1);      /* bit 14 of 0x5678 set, 15 clear, bit 16 of
                                              0x12345678 (bit 0 of 0x1234) clear */
        ck_assert_uint_eq(a.row, 0x91A);   /* 0x12345678 >> 17 */
        bench_free(&b);
}
END_TEST

START_TEST(test_hit_empty_conflict_latency)
{
        struct dram_config config = base_config();
        struct bench b;

        bench_init(&b, &config);
        /* Empty bank at 0: tRCD + tCL + burst = 13750 + 13750 + 5000 = 32500. */
        submit(&b, 0, address(1, 0, 0));
        /* Row hit at 100000 (bank long ready): tCL + burst -> 118750. */
        submit_at(&b, 100000, 1, address(1, 0, 1));
        /* Conflict at 200000 (tRAS long past): tRP + tRCD + tCL + burst -> 246250. */
        submit_at(&b, 200000, 2, address(2, 0, 0));
        /* Another bank at 300000 is empty: 300000 + 32500. */
        submit_at(&b, 300000, 3, address(2, 5, 0));
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.probe[0].completed_ps, T_RCD + T_CL + T_BURST);
        ck_assert_uint_eq(b.probe[0].completed_ps, 32500);
        ck_assert_uint_eq(b.probe[1].completed_ps, 100000 + T_CL + T_BURST);
        ck_assert_uint_eq(b.probe[2].completed_ps, 200000 + T_RP + T_RCD + T_CL + T_BURST);
        ck_assert_uint_eq(b.probe[2].completed_ps, 246250);
        ck_assert_uint_eq(b.probe[3].completed_ps, 332500);
        ck_assert_uint_eq(dram_channel_stats(&b.dram, 0)->row_hits, 1);
        ck_assert_uint_eq(dram_channel_stats(&b.dram, 0)->row_empty, 2);
        ck_assert_uint_eq(dram_channel_stats(&b.dram, 0)->row_conflicts, 1);
        ck_assert_int_eq(dram_open_row(&b.dram, 0, 0), 2);
        bench_free(&b);
}
END_TEST

START_TEST(test_tras_delays_precharge)
{
        struct dram_config config = base_config();
        struct bench b;

        bench_init(&b, &config);
        /* Row 1 of bank 0 activated at 0 (CAS 13750, done 32500). A conflict arriving at
         * 10000 is chosen at 13750 (the next choice waits for the CAS); its bank is ready at
         * 13750 + 5000 = 18750, but the precharge must wait for ACT + tRAS = 35000:
         * ACT 48750, CAS 62500, data 76250, done 81250. */
        submit(&b, 0, address(1, 0, 0));
        submit_at(&b, 10000, 1, address(7, 0, 0));
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.probe[0].completed_ps, 32500);
        ck_assert_uint_eq(b.probe[1].completed_ps, T_RAS + T_RP + T_RCD + T_CL + T_BURST);
        ck_assert_uint_eq(b.probe[1].completed_ps, 81250);
        bench_free(&b);
}
END_TEST

START_TEST(test_fr_fcfs_prefers_row_hit)
{
        struct dram_config config = base_config();
        struct bench b;

        bench_init(&b, &config);
        /* t = 0: R opens row 1 of bank 0 (CAS 13750, done 32500). At 1000 an older conflict A
         * (row 2) and at 2000 a younger hit B (row 1) queue. At the next choice (13750)
         * FR-FCFS takes B: bank ready 18750 -> CAS 18750, data max(32500, bus free 32500) =
         * 32500, done 37500. Then A (choice at 18750): bank ready 23750, PRE at
         * max(23750, 0 + tRAS) = 35000, ACT 48750, CAS 62500, data 76250, done 81250. */
        submit(&b, 0, address(1, 0, 0));
        submit_at(&b, 1000, 1, address(2, 0, 0));
        submit_at(&b, 2000, 2, address(1, 0, 2));
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.probe[0].completed_ps, 32500);
        ck_assert_uint_eq(b.probe[2].completed_ps, 37500);
        ck_assert_uint_eq(b.probe[1].completed_ps, 81250);
        ck_assert_uint_lt(b.probe[2].completed_ps, b.probe[1].completed_ps);
        ck_assert_uint_eq(dram_channel_stats(&b.dram, 0)->row_hits, 1);
        ck_assert_uint_eq(dram_channel_stats(&b.dram, 0)->row_conflicts, 1);
        bench_free(&b);
}
END_TEST

START_TEST(test_refresh_blocks_and_closes_rows)
{
        struct dram_config config = base_config();
        struct bench b;

        /* tREFI 6240 cycles = 7.8 us = 7800000 ps; tRFC 280 cycles = 350000 ps. */
        config.t_refi = 6240;
        config.t_rfc = 280;
        bench_init(&b, &config);
        /* Row 1 opened at 0 (done 32500). The refresh due at 7800000 starts then (the bus has
         * long been free), closes row 1 and blocks the banks until 8150000. A request for row
         * 1 arriving at 7900000 waits for the refresh and finds the bank empty:
         * 8150000 + 13750 + 13750 + 5000 = 8182500. */
        submit(&b, 0, address(1, 0, 0));
        submit_at(&b, 7900000, 1, address(1, 0, 1));
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.probe[1].completed_ps, 8182500);
        ck_assert_uint_eq(dram_channel_stats(&b.dram, 0)->refreshes, 1);
        ck_assert_uint_eq(dram_channel_stats(&b.dram, 0)->row_hits, 0);
        ck_assert_uint_eq(dram_channel_stats(&b.dram, 0)->row_empty, 2);
        /* After the refresh window a new row-1 access is a hit again: at 9000000,
         * 9000000 + 13750 + 5000 = 9018750. */
        submit_at(&b, 9000000, 2, address(1, 0, 2));
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.probe[2].completed_ps, 9018750);
        bench_free(&b);
}
END_TEST

START_TEST(test_cycle_conversion_per_parameter)
{
        struct dram_config config = base_config();
        struct bench b;

        /* 1.2 GHz: 17 cycles = 14166.67 -> 14167 ps; 4 cycles = 3333.33 -> 3333 ps; each
         * parameter is rounded once, so an empty-bank access takes 14167 + 14167 + 3333 =
         * 31667 ps. */
        config.clock_hz = 1200000000;
        config.t_rcd = 17;
        config.t_cl = 17;
        bench_init(&b, &config);
        submit(&b, 0, address(3, 1, 0));
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(b.probe[0].completed_ps, 31667);
        bench_free(&b);
}
END_TEST

/*
 * Queueing delay (arrival until the controller chooses the request): A, B, C to bank 0, row 1,
 * columns 0, 1, 2, all arriving at 0. A finds the bank empty and is chosen at once (delay 0):
 * ACT at 0, CAS at tRCD = 13750, and the controller chooses again at that CAS: B (delay 13750),
 * a row hit whose CAS waits for the bank, ready at A's CAS + burst = 18750; the next choice is
 * at B's CAS, 18750: C (delay 18750). Sum 32500; in the histogram 3 samples, min 0, max 18750.
 */
START_TEST(test_queue_delay)
{
        struct dram_config config = base_config();
        struct histogram h = { 0 };
        struct bench b;

        bench_init(&b, &config);
        b.dram.queue_delay_histogram = &h;
        submit(&b, 0, address(1, 0, 0));
        submit(&b, 1, address(1, 0, 1));
        submit(&b, 2, address(1, 0, 2));
        ck_assert_int_eq(sim_run(b.sim), 0);
        ck_assert_uint_eq(dram_channel_stats(&b.dram, 0)->queue_delay_ps, 32500);
        ck_assert_uint_eq(h.count, 3);
        ck_assert_uint_eq(h.min, 0);
        ck_assert_uint_eq(h.max, 18750);
        ck_assert_int_eq(b.dram.histogram_error, 0);
        /* completions: A at CAS + tCL + burst = 13750 + 18750; B and C stream behind it */
        ck_assert_uint_eq(b.probe[0].completed_ps, 32500);
        ck_assert_uint_eq(b.probe[1].completed_ps, 37500);
        ck_assert_uint_eq(b.probe[2].completed_ps, 42500);
        histogram_free(&h);
        bench_free(&b);
}
END_TEST

START_TEST(test_row_hits_stream)
{
        struct dram_config config = base_config();
        struct bench b;

        bench_init(&b, &config);
        /* Four requests to row 1 of bank 0 at t = 0: the first is empty (done 32500); each
         * following hit issues its CAS one burst after the previous and its data follows on
         * the bus: done at 32500 + k * 5000. */
        for (int i = 0; i < 4; i++)
                submit(&b, i, address(1, 0, (uint32_t)i));
        ck_assert_int_eq(sim_run(b.sim), 0);
        for (int i = 0; i < 4; i++)
                ck_assert_uint_eq(b.probe[i].completed_ps, 32500 + 5000 * (uint64_t)i);
        bench_free(&b);
}
END_TEST

static Suite *dram_suite(void)
{
        Suite *suite = suite_create("dram");
        TCase *tc = tcase_create("timing");

        tcase_add_test(tc, test_address_mapping);
        tcase_add_test(tc, test_hit_empty_conflict_latency);
        tcase_add_test(tc, test_tras_delays_precharge);
        tcase_add_test(tc, test_fr_fcfs_prefers_row_hit);
        tcase_add_test(tc, test_refresh_blocks_and_closes_rows);
        tcase_add_test(tc, test_cycle_conversion_per_parameter);
        tcase_add_test(tc, test_row_hits_stream);
        tcase_add_test(tc, test_queue_delay);
        suite_add_tcase(suite, tc);
        return suite;
}

int main(void)
{
        SRunner *runner = srunner_create(dram_suite());
        int failed;

        srunner_run_all(runner, CK_NORMAL);
        failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
