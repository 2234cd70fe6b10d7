/*
 * vq_sim_mem on a platform's hierarchy (vq_sim_attach_platform, issue 6): ring accesses looked
 * up in the platform cores' own L1s (struct cache, the ones their tasks use) and the shared
 * LLC, the MESI directory applied to those L1s, and LLC misses charged the unloaded memory
 * latency plus the observed queueing and sent below the LLC as real requests.
 *
 * The platform of every test, by hand: all clocks 1 GHz (one cycle = 1000 ps).
 *   L1 of each core: 1 KiB, 2 ways, 64-byte lines -> 1024 / 64 / 2 = 8 sets; set of address a
 *     is (a / 64) % 8; hit 4 cycles = 4000 ps; LRU.
 *   LLC: 64 KiB, 8 ways, hit 30 cycles = 30 000 ps. memory_ps (bus + DRAM, unloaded) 80 000 ps.
 *   Directory (io_test_sim_config): transfer 100 cycles = 100 000 ps, invalidate 20 = 20 000 ps.
 *   Guest RAM of 4 KiB at GPA_BASE (IO_TEST_BASE), at platform address phys_base 0x100000:
 *   GPA_BASE is line 0x100000 / 64 = 0x4000, L1 set 0x4000 % 8 = 0.
 * So a cold write miss costs 4000 + 30 000 + 80 000 = 114 000 ps; a cache-to-cache transfer
 * 4000 + 100 000 = 104 000 ps; an upgrade that invalidates the peer 4000 + 20 000 = 24 000 ps.
 * The last test runs a whole scenario whose platform's memory section has the same prices.
 */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "models/hw/cache.h"
#include "models/io/vq_sim_mem.h"
#include "sim/sim.h"
#include "tests/io/io_test_config.h"
#include "tests/unit/test_run_harness.h"

#define GPA_BASE  IO_TEST_BASE
#define PHYS_BASE 0x100000ull
#define L1_HIT    4000u
#define LLC_HIT   30000u
#define MEMORY    80000u
#define TRANSFER  100000u
#define INVAL     20000u

static const char *const l1_names[2] = { "cpu0", "cpu1" };

/* A port below the LLC that records what reaches it, and when. */
struct recorder {
        struct sim *sim;
        struct mem_request *reqs[16];
        sim_time_t at[16];
        unsigned count;
};

static int recorder_submit(void *target, struct mem_request *req)
{
        struct recorder *r = target;

        ck_assert_uint_lt(r->count, 16);
        r->reqs[r->count] = req;
        r->at[r->count++] = sim_now(r->sim);
        return 0;
}

static const struct mem_port_ops recorder_ops = { .submit = recorder_submit };

struct fx {
        struct sim *sim;
        struct cache_config l1_config[2];
        struct cache_config llc_config;
        struct cache l1[2];
        struct cache llc;
        struct vq_sim_config ram_config;
        struct vq_sim_mem mem;
        struct recorder below;
        struct vq_sim_queue_totals totals; /* what queue_totals reports */
};

static void fx_totals(void *ctx, struct vq_sim_queue_totals *out)
{
        *out = ((struct fx *)ctx)->totals;
}

static struct fx *fx_setup(void)
{
        struct fx *f = calloc(1, sizeof(*f));

        ck_assert_ptr_nonnull(f);
        f->sim = sim_create(NULL);
        ck_assert_ptr_nonnull(f->sim);
        f->below.sim = f->sim;
        for (unsigned c = 0; c < 2; c++) {
                f->l1_config[c] = (struct cache_config){ .name = l1_names[c],
                                                         .size_bytes = 1024,
                                                         .ways = 2,
                                                         .line_bytes = 64,
                                                         .replacement = CACHE_LRU,
                                                         .clock_hz = 1000000000,
                                                         .hit_cycles = 4,
                                                         .mshrs_per_initiator = 1,
                                                         .initiators = 2 };
                ck_assert_int_eq(cache_init(&f->l1[c], &f->l1_config[c], f->sim, NULL), 0);
        }
        f->llc_config = (struct cache_config){ .name = "llc",
                                               .size_bytes = 65536,
                                               .ways = 8,
                                               .line_bytes = 64,
                                               .replacement = CACHE_LRU,
                                               .clock_hz = 1000000000,
                                               .hit_cycles = 30,
                                               .mshrs_per_initiator = 1,
                                               .initiators = 3 };
        ck_assert_int_eq(cache_init(&f->llc, &f->llc_config, f->sim, NULL), 0);
        f->ram_config = io_test_sim_config(4096);
        ck_assert_int_eq(vq_sim_init(&f->mem, &f->ram_config), 0);
        return f;
}

/* Driver on core 0, backend on `device_l1` (NULL: a DMA master at bus input 2). */
static void fx_attach(struct fx *f, struct cache *device_l1, bool with_queue)
{
        struct vq_sim_platform p = {
                .sim = f->sim,
                .l1 = { &f->l1[0], device_l1 },
                .l1_initiator = { 0, device_l1 == &f->l1[1] ? 1 : 0 },
                .llc = &f->llc,
                .llc_initiator = 0,
                .downstream = { .ops = &recorder_ops, .target = &f->below },
                .bus_initiator = { 0, device_l1 == NULL ? 2 : (device_l1 == &f->l1[1] ? 1 : 0) },
                .memory_ps = MEMORY,
                .phys_base = PHYS_BASE,
                .queue_totals = with_queue ? fx_totals : NULL,
                .queue_ctx = f,
        };

        ck_assert_int_eq(vq_sim_attach_platform(&f->mem, &p), 0);
}

static void fx_teardown(struct fx *f)
{
        vq_sim_fini(&f->mem);
        cache_fini(&f->llc);
        cache_fini(&f->l1[1]);
        cache_fini(&f->l1[0]);
        sim_destroy(f->sim);
        free(f);
}

/* Return every recorded request to the memory's pool, as the bus would on completion. */
static void fx_complete_all(struct fx *f)
{
        for (unsigned i = 0; i < f->below.count; i++)
                f->below.reqs[i]->done(f->below.reqs[i], f->below.reqs[i]->done_arg);
}

/*
 * Acceptance 1 of the brief. A task on core 0 has read task lines 0x0 and 0x200 (lines 0 and 8:
 * both in set 0, filling its 2 ways; 0x0 least recently used). Then:
 *   1. the driver (core 0) writes 2 bytes at GPA_BASE -> line 0x100000, set 0: L1 miss, LLC
 *      miss, nobody holds it (I -> M): 114 000 ps; the L1 evicts its LRU line, the task's 0x0,
 *      and keeps 0x200 and the ring line (dirty). The line read goes below the LLC at
 *      0 + 4000 + 30 000 = 34 000 ps (after the L1 and LLC lookups), from bus input 0.
 *   2. the device (core 1) reads 4 bytes there: miss in core 1's L1, core 0 owns it Modified:
 *      a transfer, 104 000 ps; core 0's copy becomes Shared (clean: cache_dirty false, still
 *      present), its data written back into the LLC (dirty there); core 1 now holds it.
 *   3. the device writes it: an L1 hit on a Shared line, an upgrade invalidating core 0's copy:
 *      24 000 ps; core 0's L1 no longer holds the line.
 *   4. the driver reads it back: core 1 owns it Modified: a transfer again, 104 000 ps.
 * Pending: driver 114 000 + 104 000 = 218 000; device 104 000 + 24 000 = 128 000.
 */
START_TEST(test_transfer_between_platform_l1s)
{
        struct fx *f = fx_setup();
        const struct vq_sim_stats *drv, *dev;

        fx_attach(f, &f->l1[1], false);
        (void)cache_access(&f->l1[0], 0x0, MEM_READ, 0);
        (void)cache_access(&f->l1[0], 0x200, MEM_READ, 0);

        vq_sim_access(&f->mem, VQ_SIM_DRIVER, GPA_BASE, 2, MEM_WRITE);
        ck_assert(!cache_contains(&f->l1[0], 0x0));
        ck_assert(cache_contains(&f->l1[0], 0x200));
        ck_assert(cache_contains(&f->l1[0], PHYS_BASE));
        ck_assert(cache_dirty(&f->l1[0], PHYS_BASE));
        ck_assert(cache_contains(&f->llc, PHYS_BASE));
        ck_assert_uint_eq(vq_sim_phys(&f->mem, GPA_BASE + 5), PHYS_BASE + 5);

        vq_sim_access(&f->mem, VQ_SIM_DEVICE, GPA_BASE, 4, MEM_READ);
        ck_assert(cache_contains(&f->l1[1], PHYS_BASE));
        ck_assert(cache_contains(&f->l1[0], PHYS_BASE));
        ck_assert(!cache_dirty(&f->l1[0], PHYS_BASE));
        ck_assert(cache_dirty(&f->llc, PHYS_BASE));

        vq_sim_access(&f->mem, VQ_SIM_DEVICE, GPA_BASE, 4, MEM_WRITE);
        ck_assert(!cache_contains(&f->l1[0], PHYS_BASE));

        vq_sim_access(&f->mem, VQ_SIM_DRIVER, GPA_BASE, 4, MEM_READ);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DRIVER),
                          (L1_HIT + LLC_HIT + MEMORY) + (L1_HIT + TRANSFER));
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DEVICE),
                          (L1_HIT + TRANSFER) + (L1_HIT + INVAL));
        drv = vq_sim_stats_of(&f->mem, VQ_SIM_DRIVER);
        dev = vq_sim_stats_of(&f->mem, VQ_SIM_DEVICE);
        ck_assert_uint_eq(drv->l1_misses, 2);
        ck_assert_uint_eq(drv->llc_misses, 1);
        ck_assert_uint_eq(drv->transfers, 1);
        ck_assert_uint_eq(dev->l1_misses, 1);
        ck_assert_uint_eq(dev->llc_misses, 0);
        ck_assert_uint_eq(dev->transfers, 1);
        ck_assert_uint_eq(dev->invalidations, 1);
        ck_assert_uint_eq(dev->handoffs, 2);

        /* the one LLC miss's line read, sent at 34 000 ps from core 0's bus input */
        ck_assert_uint_eq(f->below.count, 0);
        ck_assert_int_eq(sim_run_until(f->sim, 1000000), 0);
        ck_assert_uint_eq(f->below.count, 1);
        ck_assert_uint_eq(f->below.at[0], L1_HIT + LLC_HIT);
        ck_assert_uint_eq(f->below.reqs[0]->addr, PHYS_BASE);
        ck_assert_uint_eq(f->below.reqs[0]->op, MEM_READ);
        ck_assert_uint_eq(f->below.reqs[0]->initiator, 0);
        ck_assert_uint_eq(f->below.reqs[0]->size_bytes, 64);
        ck_assert_uint_eq(drv->memory_requests, 1);
        fx_complete_all(f);
        ck_assert_uint_eq(f->mem.free_request_count, f->mem.request_capacity);
        fx_teardown(f);
}
END_TEST

/*
 * A task's miss evicts a ring line from core 1's L1 behind the directory's back: the device
 * read at step 2 above left core 1 holding line 0x100000 Shared. Core 1's task then reads lines
 * 0x0 and 0x200 (set 0, 2 ways: the ring line, least recently used, goes). The driver's next
 * write must not count an invalidation of core 1 (the directory forgets the copy first): core 0
 * holds the line Shared, so the write is an upgrade with nobody to invalidate: an L1 hit,
 * 4000 ps, no hand-off.
 */
START_TEST(test_task_eviction_reconciled)
{
        struct fx *f = fx_setup();

        fx_attach(f, &f->l1[1], false);
        vq_sim_access(&f->mem, VQ_SIM_DRIVER, GPA_BASE, 2, MEM_WRITE);
        vq_sim_access(&f->mem, VQ_SIM_DEVICE, GPA_BASE, 4, MEM_READ);
        ck_assert(cache_contains(&f->l1[1], PHYS_BASE));
        (void)cache_access(&f->l1[1], 0x0, MEM_READ, 1);
        (void)cache_access(&f->l1[1], 0x200, MEM_READ, 1);
        ck_assert(!cache_contains(&f->l1[1], PHYS_BASE));
        (void)vq_sim_take_pending_ps(&f->mem, VQ_SIM_DRIVER);

        vq_sim_access(&f->mem, VQ_SIM_DRIVER, GPA_BASE, 2, MEM_WRITE);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DRIVER), L1_HIT);
        ck_assert_uint_eq(vq_sim_stats_of(&f->mem, VQ_SIM_DRIVER)->invalidations, 0);
        ck_assert_uint_eq(vq_sim_stats_of(&f->mem, VQ_SIM_DRIVER)->handoffs, 0);
        fx_teardown(f);
}
END_TEST

/*
 * Both sides on core 0 (a backend in the hypervisor): one L1, one directory slot. The driver's
 * cold write costs 114 000 ps; the device's read and write of the same line are L1 hits,
 * 4000 ps each, with no transfer and no invalidation.
 */
START_TEST(test_same_core_shares_l1)
{
        struct fx *f = fx_setup();

        fx_attach(f, &f->l1[0], false);
        vq_sim_access(&f->mem, VQ_SIM_DRIVER, GPA_BASE, 2, MEM_WRITE);
        vq_sim_access(&f->mem, VQ_SIM_DEVICE, GPA_BASE, 4, MEM_READ);
        vq_sim_access(&f->mem, VQ_SIM_DEVICE, GPA_BASE, 4, MEM_WRITE);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DRIVER),
                          L1_HIT + LLC_HIT + MEMORY);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DEVICE), 2 * L1_HIT);
        ck_assert_uint_eq(vq_sim_stats_of(&f->mem, VQ_SIM_DEVICE)->handoffs, 0);
        ck_assert_uint_eq(vq_sim_stats_of(&f->mem, VQ_SIM_DEVICE)->l1_misses, 0);
        fx_teardown(f);
}
END_TEST

/*
 * A pass-through device: a DMA master with no L1. After the driver's cold write (114 000 ps):
 *   device read: no L1 lookup (0), core 0 owns the line Modified: a transfer, 100 000 ps; core
 *     0 keeps it clean (downgraded), its data written back into the LLC; the device keeps no
 *     copy (directory state I);
 *   device write: core 0 shares it: invalidated, 20 000 ps, then the LLC (which has it): 30 000
 *     ps; the line leaves core 0's L1 and is dirty in the LLC.
 * Device total 100 000 + 50 000 = 150 000 ps, 2 lookups counted as L1 misses, no LLC miss.
 */
START_TEST(test_dma_master_without_l1)
{
        struct fx *f = fx_setup();

        fx_attach(f, NULL, false);
        vq_sim_access(&f->mem, VQ_SIM_DRIVER, GPA_BASE, 2, MEM_WRITE);
        vq_sim_access(&f->mem, VQ_SIM_DEVICE, GPA_BASE, 4, MEM_READ);
        ck_assert(cache_contains(&f->l1[0], PHYS_BASE));
        ck_assert(!cache_dirty(&f->l1[0], PHYS_BASE));
        ck_assert(cache_dirty(&f->llc, PHYS_BASE));
        ck_assert_int_eq(coherence_state_of(&f->mem.coherence, 1, PHYS_BASE / 64), COH_I);
        vq_sim_access(&f->mem, VQ_SIM_DEVICE, GPA_BASE, 4, MEM_WRITE);
        ck_assert(!cache_contains(&f->l1[0], PHYS_BASE));
        ck_assert(cache_dirty(&f->llc, PHYS_BASE));
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DEVICE),
                          TRANSFER + (INVAL + LLC_HIT));
        ck_assert_uint_eq(vq_sim_stats_of(&f->mem, VQ_SIM_DEVICE)->l1_misses, 2);
        ck_assert_uint_eq(vq_sim_stats_of(&f->mem, VQ_SIM_DEVICE)->llc_misses, 0);
        fx_teardown(f);
}
END_TEST

/*
 * LLC misses charged the observed queueing, and their line reads paced as the code makes them.
 * queue_totals starts at 0 (the window opens at attach). Three driver write misses on three
 * lines (GPA_BASE + 0, 0x40, 0x80: L1 sets 0, 1, 2, all cold):
 *   before the first, the platform has granted 16 bus requests that waited 16 x 50 000 ps and
 *     chosen 20 DRAM requests that waited 20 x 30 000 ps: both windows hold >= 16 requests, so
 *     the estimate is 50 000 + 30 000 = 80 000; the miss costs 114 000 + 80 000 = 194 000;
 *   before the second, 4 more bus grants (4 x 1 000 000 ps of waiting) and 4 more DRAM
 *     requests (0 ps): fewer than 16 new in either window: the estimate stays 80 000; 194 000;
 *   before the third, 12 more bus grants with 0 wait (16 new since the refresh: mean
 *     4 000 000 / 16 = 250 000) and nothing new at the DRAM (8 new: 30 000 stays): 280 000;
 *     the miss costs 114 000 + 280 000 = 394 000.
 * The reads go below at pending + 34 000: 34 000, 194 000 + 34 000 = 228 000 and
 * 388 000 + 34 000 = 422 000 ps. queue_ps = 80 000 + 80 000 + 280 000 = 440 000.
 */
START_TEST(test_queueing_estimate_and_pacing)
{
        struct fx *f = fx_setup();
        const uint64_t base = L1_HIT + LLC_HIT + MEMORY;

        fx_attach(f, &f->l1[1], true);
        f->totals = (struct vq_sim_queue_totals){ .bus_grants = 16,
                                                  .bus_delay_ps = 16 * 50000,
                                                  .dram_requests = 20,
                                                  .dram_delay_ps = 20 * 30000 };
        vq_sim_access(&f->mem, VQ_SIM_DRIVER, GPA_BASE, 2, MEM_WRITE);
        ck_assert_uint_eq(vq_sim_queue_estimate_ps(&f->mem), 80000);
        f->totals.bus_grants += 4;
        f->totals.bus_delay_ps += 4 * 1000000;
        f->totals.dram_requests += 4;
        vq_sim_access(&f->mem, VQ_SIM_DRIVER, GPA_BASE + 0x40, 2, MEM_WRITE);
        f->totals.bus_grants += 12;
        f->totals.dram_requests += 4;
        vq_sim_access(&f->mem, VQ_SIM_DRIVER, GPA_BASE + 0x80, 2, MEM_WRITE);
        ck_assert_uint_eq(vq_sim_queue_estimate_ps(&f->mem), 280000);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DRIVER),
                          (base + 80000) + (base + 80000) + (base + 280000));
        ck_assert_uint_eq(vq_sim_stats_of(&f->mem, VQ_SIM_DRIVER)->queue_ps, 440000);

        ck_assert_int_eq(sim_run_until(f->sim, 1000000), 0);
        ck_assert_uint_eq(f->below.count, 3);
        ck_assert_uint_eq(f->below.at[0], 34000);
        ck_assert_uint_eq(f->below.at[1], 228000);
        ck_assert_uint_eq(f->below.at[2], 422000);
        ck_assert_uint_eq(f->below.reqs[2]->addr, PHYS_BASE + 0x80);
        ck_assert_uint_eq(vq_sim_stats_of(&f->mem, VQ_SIM_DRIVER)->memory_requests, 3);
        fx_complete_all(f);
        fx_teardown(f);
}
END_TEST

/*
 * The owner's colours: with 4 colours of 4 KiB pages, mask 0b0100 (colour 2 only) and base
 * 1 << 40, page p of the region maps to base + ((p / 1) * 4 + 2) * 4096: GPA_BASE (region
 * page 0 of phys_base 0x100000 = page 256) -> base + (256 * 4 + 2) * 4096; and a bad attach.
 */
START_TEST(test_colours_and_bad_attach)
{
        struct fx *f = fx_setup();
        struct vq_sim_platform p = { .sim = f->sim,
                                     .l1 = { &f->l1[0], &f->l1[1] },
                                     .l1_initiator = { 0, 1 },
                                     .llc = &f->llc,
                                     .phys_base = PHYS_BASE,
                                     .colour_mask = 0x4,
                                     .colours = 4,
                                     .page_bytes = 4096,
                                     .colour_base = 1ull << 40 };
        struct vq_sim_platform bad = p;

        bad.l1_initiator[1] = 2; /* the L1s have 2 initiators */
        ck_assert_int_eq(vq_sim_attach_platform(&f->mem, &bad), -EINVAL);
        bad = p;
        bad.l1[VQ_SIM_DRIVER] = NULL;
        ck_assert_int_eq(vq_sim_attach_platform(&f->mem, &bad), -EINVAL);
        ck_assert_int_eq(vq_sim_attach_platform(&f->mem, &p), 0);
        ck_assert_uint_eq(vq_sim_phys(&f->mem, GPA_BASE + 8),
                          (1ull << 40) + (256u * 4 + 2) * 4096 + 8);
        vq_sim_access(&f->mem, VQ_SIM_DRIVER, GPA_BASE, 2, MEM_WRITE);
        ck_assert(cache_contains(&f->l1[0], (1ull << 40) + (256u * 4 + 2) * 4096));
        fx_teardown(f);
}
END_TEST

/*
 * Acceptance 3 on the platform's hierarchy: the idle AMP request of test_platform_devices.c's
 * test_idle_shared_memory_backend (a 512-byte virtio-blk read, split ring of 8, EVENT_IDX,
 * driver OS on cpu0, backend OS on cpu1 over shared memory), now on a platform with a "memory"
 * section, so the rings use cpu0's and cpu1's L1s, the LLC, the bus and DRAM. The section is
 * chosen so that every price equals the private model's of that test: cores, LLC, bus and
 * DRAM at 1000 MHz; L1 32 KiB 4-way hit 4; LLC 1 MiB 16-way hit 30; a 64-byte bus moves a line
 * in 1 cycle; DRAM tRCD 30 + tCL 45 + burst 4 = 79 cycles, so an LLC miss costs 1 + 79 = 80 ns;
 * transfer 100 and invalidation 20 (platform_devices.c's constants); nothing else touches
 * memory (no task has a profile). So the hand count of that test (and test_io_vdev.c's
 * test_idle_read_latency, line by line) holds unchanged: latency 8104 ns = driver 826 +
 * notify 100 + backend wait 50 + 50 + backend ring 461 + 1084 + device 5000 + interrupt 60 +
 * completion 473; 8 ring L1 misses, 5 hand-offs. Below the LLC: the lines that miss it are the
 * distinct lines touched, each once (the caches are far larger than the 13 lines): H, D, A, U1
 * in the driver's submit, P0-P7 in the backend's response, U0 in its push: 13 line reads, 13 DRAM
 * requests (no write-back: nothing is evicted), of which the ring's D, A, U1, U0 = 4 count as
 * ring LLC misses. The LLC is looked up 13 times for those plus once for each Modified owner's
 * write-back on a transfer (the backend reading A, D, H from the driver; the driver reading U0
 * and H from the backend): 18 lookups. With 13 < 16 requests the queueing estimate never
 * refreshes (0), and the paced requests never overlap (each miss is charged 114 ns, more than a
 * line read's 80), so the DRAM and bus show no queueing.
 * The device's platform metrics: memory_requests counts what both sides sent, payload copies
 * included, so it is those 13 line reads (nothing else touches memory, so it equals the DRAM's
 * count), none unsent (the pool holds two per guest-RAM line plus 64, and the bus takes every
 * request), and ring_queue_delay is 0 (4 ring LLC misses charged the estimate, which stayed 0).
 */
START_TEST(test_idle_amp_on_platform_memory)
{
        static const char platform[] =
            "{ \"name\": \"one-ghz-mem\", \"description\": \"test\",\n"
            "  \"cores\": [ { \"name\": \"cpu0\", \"clock_mhz\": 1000 },\n"
            "             { \"name\": \"cpu1\", \"clock_mhz\": 1000 } ],\n"
            "  \"memory\": { \"line_bytes\": 64, \"page_bytes\": 4096,\n"
            "    \"l1\": { \"size_kib\": 32, \"ways\": 4, \"hit_cycles\": 4, \"mshrs\": 4,\n"
            "            \"replacement\": \"lru\" },\n"
            "    \"llc\": { \"size_kib\": 1024, \"ways\": 16, \"hit_cycles\": 30,\n"
            "             \"clock_mhz\": 1000, \"mshrs\": 16, \"replacement\": \"lru\" },\n"
            "    \"interconnect\": { \"kind\": \"bus\", \"width_bytes\": 64, \"clock_mhz\": 1000,\n"
            "                      \"arbitration\": \"round_robin\" },\n"
            "    \"dram\": { \"clock_mhz\": 1000, \"channels\": 1, \"banks\": 16, \"rows\": "
            "65536,\n"
            "              \"row_bytes\": 8192, \"t_rcd\": 30, \"t_rp\": 30, \"t_cl\": 45,\n"
            "              \"burst_cycles\": 4 } } }\n";
        static const char scenario[] =
            "{ \"name\": \"idle-amp-mem\", \"platform\": \"one-ghz-mem.json\",\n"
            "  \"run\": { \"duration_ms\": 1 },\n"
            "  \"oses\": [\n"
            "    { \"name\": \"app\", \"cores\": [\"cpu0\"], \"scheduler\": \"fixed_priority\",\n"
            "      \"exception_entry_cycles\": 60,\n"
            "      \"tasks\": [ { \"name\": \"t\", \"core\": \"cpu0\", \"period_ms\": 10,\n"
            "                   \"priority\": 1, \"execution_cycles\": 1000 } ],\n"
            "      \"isrs\": [ { \"name\": \"virtblk\", \"irq\": 40, \"cycles\": 500 } ] },\n"
            "    { \"name\": \"io\", \"cores\": [\"cpu1\"], \"scheduler\": \"fixed_priority\",\n"
            "      \"exception_entry_cycles\": 50,\n"
            "      \"tasks\": [ { \"name\": \"t\", \"core\": \"cpu1\", \"period_ms\": 10,\n"
            "                   \"priority\": 1, \"execution_cycles\": 1000 } ],\n"
            "      \"isrs\": [ { \"name\": \"doorbell\", \"irq\": 1, \"cycles\": 300 },\n"
            "                { \"name\": \"flash\", \"irq\": 41, \"cycles\": 300 } ] } ],\n"
            "  \"devices\": [ { \"name\": \"disk\", \"kind\": \"blk\", \"irq\": 40,\n"
            "    \"ring\": { \"layout\": \"split\", \"event_idx\": true, \"queue_size\": 8 },\n"
            "    \"blk\": { \"channels\": 1, \"read_us\": 4, \"channel_mb_per_s\": 512,\n"
            "             \"payload_by_cpu\": true },\n"
            "    \"workload\": { \"arrival\": \"periodic\", \"interval_us\": 1000,\n"
            "                  \"bytes\": 512, \"count\": 1, \"start_us\": 100 },\n"
            "    \"driver\": { \"os\": \"app\", \"core\": \"cpu0\", \"submit_ns\": 300,\n"
            "                \"complete_ns\": 200 },\n"
            "    \"backend\": { \"placement\": \"shared_memory\", \"os\": \"io\",\n"
            "                 \"core\": \"cpu1\", \"doorbell_sgi\": 1, \"wake_irq\": 41,\n"
            "                 \"mmio_write_ns\": 100, \"request_ns\": 100 } } ] }\n";
        static const struct {
                const char *name;
                uint64_t ns;
        } phases[] = { { "phase_driver", 826 },       { "phase_notify", 100 },
                       { "phase_backend_wait", 100 }, { "phase_backend_ring", 1545 },
                       { "phase_device", 5000 },      { "phase_interrupt", 60 },
                       { "phase_completion", 473 } };
        char dir[] = "/tmp/mosaic-vq-platform-XXXXXX";
        char path[64];
        struct run run;
        FILE *f;

        ck_assert_ptr_nonnull(mkdtemp(dir));
        snprintf(path, sizeof path, "%s/one-ghz-mem.json", dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_ge(fputs(platform, f), 0);
        ck_assert_int_eq(fclose(f), 0);
        snprintf(path, sizeof path, "%s/s.json", dir);
        f = fopen(path, "w");
        ck_assert_ptr_nonnull(f);
        ck_assert_int_ge(fputs(scenario, f), 0);
        ck_assert_int_eq(fclose(f), 0);
        run_fixture(&run, path);

        ck_assert_uint_eq(metric(&run, "dev/disk", "completed")->counter, 1);
        ck_assert_uint_eq(metric(&run, "dev/disk", "latency")->histogram.max, 8104 * SIM_PS_PER_NS);
        for (size_t i = 0; i < sizeof phases / sizeof phases[0]; i++)
                ck_assert_uint_eq(metric(&run, "dev/disk", phases[i].name)->histogram.max,
                                  phases[i].ns * SIM_PS_PER_NS);
        ck_assert_uint_eq(metric(&run, "dev/disk", "ring_l1_misses")->counter, 8);
        ck_assert_uint_eq(metric(&run, "dev/disk", "ring_handoffs")->counter, 5);
        ck_assert_uint_eq(metric(&run, "dev/disk", "ring_llc_misses")->counter, 4);
        ck_assert_uint_eq(metric(&run, "dev/disk", "memory_requests")->counter, 13);
        ck_assert_uint_eq(metric(&run, "dev/disk", "unsent_memory_requests")->counter, 0);
        ck_assert_double_eq(metric(&run, "dev/disk", "ring_queue_delay")->gauge, 0.0);
        ck_assert_double_eq(metric(&run, "dev/disk", "ring_queue_delay_per_request")->gauge, 0.0);
        ck_assert_uint_eq(metric(&run, "mem/dram", "requests")->counter, 13);
        ck_assert_uint_eq(metric(&run, "mem/llc", "misses")->counter, 13);
        ck_assert_uint_eq(metric(&run, "mem/llc", "accesses")->counter, 18);
        ck_assert_uint_eq(metric(&run, "mem/dram", "queue_delay")->histogram.max, 0);
        ck_assert_uint_eq(metric(&run, "mem/bus", "queue_delay")->histogram.max, 0);
        run_free(&run);
        snprintf(path, sizeof path, "rm -rf %s", dir);
        ck_assert_int_eq(system(path), 0);
}
END_TEST

static Suite *vq_sim_platform_suite(void)
{
        Suite *s = suite_create("vq_sim_platform");
        TCase *tc = tcase_create("platform");

        tcase_add_test(tc, test_transfer_between_platform_l1s);
        tcase_add_test(tc, test_task_eviction_reconciled);
        tcase_add_test(tc, test_same_core_shares_l1);
        tcase_add_test(tc, test_dma_master_without_l1);
        tcase_add_test(tc, test_queueing_estimate_and_pacing);
        tcase_add_test(tc, test_colours_and_bad_attach);
        suite_add_tcase(s, tc);
        tc = tcase_create("scenario");
        tcase_add_test(tc, test_idle_amp_on_platform_memory);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(vq_sim_platform_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
