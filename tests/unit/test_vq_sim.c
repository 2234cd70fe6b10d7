/*
 * vq_sim_mem: the real virtio/ library (linked from libmosaic-virtio.a, as in every unit test)
 * running on simulated guest RAM with per-side timed ports.
 *   - corruptions written into simulated memory break the device (or driver) over the sim port
 *     with the same VQ_E* reason as test_vq_validate.c, after a hand-counted number of loads;
 *   - a cold split round trip: L1 misses, transfers, invalidations and the accumulated cost
 *     equal the hand count over the ring layout;
 *   - steady state: line hand-offs per buffer for split and packed at batch 1 and 32, against
 *     hand counts and the deterministic figures of tests/bench/bench_vq.c.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/io/vq_sim_mem.h"
#include "tests/unit/test_vq_harness.h"
#include "virtio/virtqueue.h"

#define BASE      0x80000000ull
#define MEM_BYTES (1u << 20)
#define PAGE      4096u
#define DESC_GPA  BASE               /* each area on its own page: no false sharing */
#define AVAIL_GPA (BASE + PAGE)      /* split available ring / packed driver event area */
#define USED_GPA  (BASE + 2u * PAGE) /* split used ring / packed device event area */
#define BUF_GPA   (BASE + 0x10000u)
#define MAX_Q     256u

/*
 * 1 GHz, so one cycle is 1000 ps. L1 32 KiB 4-way, LLC 1 MiB 16-way (both far larger than the
 * rings: no evictions). L1 hit 4 cycles, LLC hit 30 cycles, DRAM 80 ns, cache-to-cache transfer
 * 100 cycles, invalidating a shared copy 20 cycles; barriers acquire 1, release 2, full 20.
 */
static const struct vq_sim_config sim_config = { .gpa_base = BASE,
                                                 .size_bytes = MEM_BYTES,
                                                 .clock_hz = 1000000000,
                                                 .line_bytes = 64,
                                                 .l1_size_bytes = 32768,
                                                 .l1_ways = 4,
                                                 .llc_size_bytes = 1u << 20,
                                                 .llc_ways = 16,
                                                 .l1_hit_cycles = 4,
                                                 .llc_hit_cycles = 30,
                                                 .dram_ps = 80000,
                                                 .transfer_cycles = 100,
                                                 .invalidate_cycles = 20,
                                                 .barrier_cycles = { 1, 2, 20 } };

struct fx {
        struct vq_sim_mem mem;
        struct vq_config drv_cfg;
        struct vq_config dev_cfg;
        struct vq_driver drv;
        struct vq_device dev;
        struct vq_drv_slot dslots[MAX_Q];
        struct vq_dev_slot vslots[MAX_Q];
};

/* Both sides initialised over their own ports, then a cold hierarchy (the driver's init
 * zeroed the rings through its port; that warm-up is forgotten). */
static struct fx *fx_setup(uint16_t q, uint64_t features)
{
        struct fx *f = calloc(1, sizeof(*f));

        ck_assert_ptr_nonnull(f);
        ck_assert_int_eq(vq_sim_init(&f->mem, &sim_config), 0);
        f->drv_cfg = (struct vq_config){ .size = q,
                                         .index = 0,
                                         .features = features | VQ_F_VERSION_1,
                                         .layout = { DESC_GPA, AVAIL_GPA, USED_GPA },
                                         .port = vq_sim_port(&f->mem, VQ_SIM_DRIVER) };
        f->dev_cfg = f->drv_cfg;
        f->dev_cfg.port = vq_sim_port(&f->mem, VQ_SIM_DEVICE);
        ck_assert_int_eq(vq_drv_init(&f->drv, &f->drv_cfg, f->dslots), 0);
        ck_assert_int_eq(vq_dev_init(&f->dev, &f->dev_cfg, f->vslots), 0);
        ck_assert_int_eq(vq_sim_make_cold(&f->mem), 0);
        return f;
}

static void fx_teardown(struct fx *f)
{
        vq_sim_fini(&f->mem);
        free(f);
}

static uint8_t *host(struct fx *f, uint64_t gpa)
{
        uint8_t *p = vq_sim_host(&f->mem, gpa, 16);

        ck_assert_ptr_nonnull(p);
        return p;
}

/* A split descriptor written by a hostile driver, straight into guest RAM (untimed). */
static void raw_split_desc(struct fx *f, uint16_t i, uint64_t addr, uint32_t len, uint16_t flags,
                           uint16_t next)
{
        uint8_t *d = host(f, DESC_GPA + 16u * i);

        vqt_w64(d, addr);
        vqt_w32(d + 8, len);
        vqt_w16(d + 12, flags);
        vqt_w16(d + 14, next);
}

/* Split avail ring: ring[0] = head, idx = 1. */
static void raw_split_publish(struct fx *f, uint16_t head)
{
        vqt_w16(host(f, AVAIL_GPA) + 4, head);
        vqt_w16(host(f, AVAIL_GPA) + 2, 1);
}

/* The device over the sim port must fail with `code`, after `loads` ring loads touching
 * `lines` lines (all cold: each an L1 and LLC miss, none from the peer). */
static void expect_dev_code(struct fx *f, int code, uint16_t capacity, uint64_t loads,
                            uint64_t lines)
{
        struct vq_chain chain;
        struct vq_elem elems[16];
        const struct vq_sim_stats *s = vq_sim_stats_of(&f->mem, VQ_SIM_DEVICE);

        ck_assert_uint_le(capacity, 16);
        ck_assert_int_eq(vq_dev_pop(&f->dev, &chain, elems, capacity), code);
        ck_assert_int_eq(vq_dev_broken(&f->dev), code);
        ck_assert_int_eq(vq_dev_pop(&f->dev, &chain, elems, capacity), VQ_EBROKEN);
        ck_assert_uint_eq(s->loads, loads);
        ck_assert_uint_eq(s->stores, 0);
        ck_assert_uint_eq(s->l1_misses, lines);
        ck_assert_uint_eq(s->llc_misses, lines);
        ck_assert_uint_eq(s->transfers, 0);
}

/* ---- corruptions: same reasons as test_vq_validate.c ---------------------------------------- */

/* test_split_avail_jump: avail idx 9 on an empty queue of 8. One load (avail idx). */
START_TEST(test_corrupt_avail_jump)
{
        struct fx *f = fx_setup(8, 0);

        vqt_w16(host(f, AVAIL_GPA) + 2, 9);
        expect_dev_code(f, VQ_EAVAILJUMP, 8, 1, 1);
        fx_teardown(f);
}
END_TEST

/* test_split_head_range: ring[0] = 8 in a queue of 8. Loads: avail idx, ring[0] (one line). */
START_TEST(test_corrupt_head_range)
{
        struct fx *f = fx_setup(8, 0);

        raw_split_publish(f, 8);
        expect_dev_code(f, VQ_EHEAD, 8, 2, 1);
        fx_teardown(f);
}
END_TEST

/* test_split_next_range: desc 0 has NEXT with next = 8. Loads: idx, ring[0], then the four
 * fields of desc 0; lines: avail, descriptor table line 0. */
START_TEST(test_corrupt_next_range)
{
        struct fx *f = fx_setup(8, 0);

        raw_split_desc(f, 0, BUF_GPA, 8, VQ_DESC_F_NEXT, 8);
        raw_split_publish(f, 0);
        expect_dev_code(f, VQ_ENEXT, 8, 6, 2);
        fx_teardown(f);
}
END_TEST

/* test_split_loop: 0 -> 1 -> 0. The walk reads 8 descriptors (steps 1..8 alternate 0, 1) and
 * fails at step 9 > 8 entries: 2 + 8 * 4 = 34 loads over 2 lines. */
START_TEST(test_corrupt_loop)
{
        struct fx *f = fx_setup(8, 0);

        raw_split_desc(f, 0, BUF_GPA, 8, VQ_DESC_F_NEXT, 1);
        raw_split_desc(f, 1, BUF_GPA + 64, 8, VQ_DESC_F_NEXT, 0);
        raw_split_publish(f, 0);
        expect_dev_code(f, VQ_ELOOP, 8, 34, 2);
        fx_teardown(f);
}
END_TEST

/* test_indirect_size: an indirect table of 24 bytes (not a multiple of 16). The length is
 * rejected before the table is read: 2 + 4 loads, 2 lines. */
START_TEST(test_corrupt_indirect_size)
{
        struct fx *f = fx_setup(8, VQ_F_INDIRECT_DESC);

        raw_split_desc(f, 0, BUF_GPA, 24, VQ_DESC_F_INDIRECT, 0);
        raw_split_publish(f, 0);
        expect_dev_code(f, VQ_EINDSIZE, 8, 6, 2);
        fx_teardown(f);
}
END_TEST

/* test_packed_buf_id: buffer id 5 in a packed queue of 5. Loads: head flags, addr, len, id
 * (one descriptor line). */
START_TEST(test_corrupt_packed_buf_id)
{
        struct fx *f = fx_setup(5, VQ_F_RING_PACKED);
        uint8_t *d = host(f, DESC_GPA);

        vqt_w64(d, BUF_GPA);
        vqt_w32(d + 8, 8);
        vqt_w16(d + 12, 5);
        vqt_w16(d + 14, VQ_DESC_F_AVAIL); /* first lap: AVAIL = wrap counter 1, USED = 0 */
        expect_dev_code(f, VQ_EBUFID, 8, 4, 1);
        fx_teardown(f);
}
END_TEST

/* test_used_id_range: the driver side over its port. A hostile device returns id 8 in a queue
 * of 8. Loads: used idx, used elem id, len (one line, cold). */
START_TEST(test_corrupt_used_id)
{
        struct fx *f = fx_setup(8, 0);
        struct vq_sg sg = { BUF_GPA, 64 };
        uint64_t token;
        uint32_t len;
        const struct vq_sim_stats *s = vq_sim_stats_of(&f->mem, VQ_SIM_DRIVER);

        ck_assert_int_eq(vq_drv_add(&f->drv, &sg, 0, 1, 7, NULL), 0);
        ck_assert_int_eq(vq_sim_make_cold(&f->mem), 0);
        vqt_w32(host(f, USED_GPA) + 4, 8);
        vqt_w16(host(f, USED_GPA) + 2, 1);
        ck_assert_int_eq(vq_drv_get_used(&f->drv, &token, &len), VQ_EUSEDID);
        ck_assert_int_eq(vq_drv_broken(&f->drv), VQ_EUSEDID);
        ck_assert_uint_eq(s->loads, 3);
        ck_assert_uint_eq(s->l1_misses, 1);
        fx_teardown(f);
}
END_TEST

/* ---- a cold split round trip, counted by hand --------------------------------------------- */

/*
 * Queue of 8, EVENT_IDX, areas on their own pages, 64-byte lines. Ring lines touched:
 *   D  desc table line 0 (desc[0] at 0, desc[1] at 16)
 *   A  avail line 0: flags 0, idx 2, ring[0] 4, used_event 4 + 2 * 8 = 20
 *   U0 used line 0: flags 0, idx 2, ring[0] 4..11
 *   U1 used line 1: avail_event at 4 + 8 * 8 = 68
 * The buffer: one readable and one writable piece (descriptors 0 and 1).
 *
 * Driver add: 2 x 4 descriptor stores (D: miss, I->M from DRAM, then 7 hits), store ring[0]
 *   (A: miss, I->M from DRAM), release, store idx (A hit). Kick decision: full fence, load
 *   avail_event (U1: miss, nobody holds it, I->E from DRAM). Initial avail_event 0 lies in
 *   [0, 1): notify.
 *   = 10 stores + 1 load, 3 L1 misses, 3 LLC misses, barriers release + full.
 * Device pop: load avail idx (A: miss, driver M -> S, transfer), acquire, load ring[0] (hit),
 *   4 loads of desc[0] (D: miss, transfer) and 4 of desc[1] (hits). Push: store id (U0: miss,
 *   nobody, I->M from DRAM), store len (hit), release, store used idx (hit). Interrupt decision:
 *   full fence, load used_event (A: hit, device holds S); used_event 0 in [0, 1): interrupt.
 *   = 1 + 1 + 8 + 1 = 11 loads, 3 stores; L1 misses 3 (A, D, U0), transfers 2 (A, D),
 *   LLC misses 1 (U0), barriers acquire, release, full.
 * Driver get: load used idx (U0: miss, device M -> S, transfer), acquire, load id, len (hits),
 *   store used_event = 1 (A: held Shared, an upgrade invalidating the device's copy).
 *   = 3 loads + 1 store, 1 L1 miss, 1 transfer, 1 invalidation.
 * Driver total: 15 accesses, L1 misses 4 = its 4 distinct lines (D, A, U1, U0); device 14
 * accesses, L1 misses 3 = its 3 distinct lines (A, D, U0). Line hand-offs: A, D to the device,
 * U0 to the driver (transfers), A back to the driver (invalidation) = 4.
 *
 * Cost, cycles of 1 ns (DRAM 80 ns = 80 cycles):
 *   driver add + kick: 11 x 4 + 3 x (30 + 80) + release 2 + full 20 = 44 + 330 + 22 = 396
 *   device:            14 x 4 + 2 x 100 + 1 x (30 + 80) + 1 + 2 + 20 = 56 + 200 + 110 + 23 = 389
 *   driver get:        4 x 4 + 100 + 20 + acquire 1 = 137
 */
START_TEST(test_cold_round_trip)
{
        struct fx *f = fx_setup(8, VQ_F_EVENT_IDX);
        struct vq_sg sg[2] = { { BUF_GPA, 64 }, { BUF_GPA + 64, 64 } };
        struct vq_chain chain;
        struct vq_elem elems[4];
        uint64_t token = 0;
        uint32_t len = 0;
        const struct vq_sim_stats *d = vq_sim_stats_of(&f->mem, VQ_SIM_DRIVER);
        const struct vq_sim_stats *v = vq_sim_stats_of(&f->mem, VQ_SIM_DEVICE);

        ck_assert_int_eq(vq_drv_add(&f->drv, sg, 1, 1, 42, NULL), 0);
        ck_assert_int_eq(vq_drv_kick_prepare(&f->drv), 1);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DRIVER), 396000);
        ck_assert_uint_eq(d->stores, 10);
        ck_assert_uint_eq(d->loads, 1);
        ck_assert_uint_eq(d->l1_misses, 3);
        ck_assert_uint_eq(d->llc_misses, 3);

        ck_assert_int_eq(vq_dev_pop(&f->dev, &chain, elems, 4), 1);
        ck_assert_uint_eq(chain.id, 0);
        ck_assert_int_eq(vq_dev_push(&f->dev, chain.id, 64), 0);
        ck_assert_int_eq(vq_dev_need_interrupt(&f->dev), 1);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DEVICE), 389000);
        ck_assert_uint_eq(v->loads, 11);
        ck_assert_uint_eq(v->stores, 3);
        ck_assert_uint_eq(v->barriers, 3);
        ck_assert_uint_eq(v->l1_misses, 3);
        ck_assert_uint_eq(v->transfers, 2);
        ck_assert_uint_eq(v->invalidations, 0);
        ck_assert_uint_eq(v->handoffs, 2);
        ck_assert_uint_eq(v->llc_misses, 1);

        ck_assert_int_eq(vq_drv_get_used(&f->drv, &token, &len), 1);
        ck_assert_uint_eq(token, 42);
        ck_assert_uint_eq(len, 64);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DRIVER), 137000);
        ck_assert_uint_eq(d->loads + d->stores, 15);
        ck_assert_uint_eq(d->barriers, 3);
        ck_assert_uint_eq(d->l1_misses, 4);
        ck_assert_uint_eq(d->llc_misses, 3);
        ck_assert_uint_eq(d->transfers, 1);
        ck_assert_uint_eq(d->invalidations, 1);
        ck_assert_uint_eq(d->handoffs, 2);
        /* Totals kept beside the pending counters: 396 + 137 and 389 ns. */
        ck_assert_uint_eq(d->total_ps, 533000);
        ck_assert_uint_eq(v->total_ps, 389000);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DRIVER), 0);
        /* The directory agrees: A is the driver's alone (M), U0 shared, D shared. */
        ck_assert_int_eq(coherence_state_of(&f->mem.coherence, 0, AVAIL_GPA / 64), COH_M);
        ck_assert_int_eq(coherence_state_of(&f->mem.coherence, 1, AVAIL_GPA / 64), COH_I);
        ck_assert_int_eq(coherence_state_of(&f->mem.coherence, 0, USED_GPA / 64), COH_S);
        ck_assert_int_eq(coherence_state_of(&f->mem.coherence, 1, DESC_GPA / 64), COH_S);
        fx_teardown(f);
}
END_TEST

/*
 * The same round trip on a packed queue of 8 (EVENT_IDX; event suppression areas start as
 * ENABLE, so neither decision reads off_wrap). Lines: D (descriptors 0 and 1), Ev (device event
 * area, read by the driver), Dv (driver event area, read by the device).
 * Driver add: desc 0 addr, len, id; desc 1 addr, len, id, flags; release; head flags = 8 stores
 *   (D: miss from DRAM, then hits). Kick: full fence, load Ev flags (miss from DRAM, I->E):
 *   ENABLE with 2 descriptors added -> notify. Cost 9 x 4 + 2 x 110 + 2 + 20 = 278 ns.
 * Device pop: load head flags (D: miss, driver M -> S, transfer), acquire, addr, len, id, then
 *   desc 1 flags, addr, len, id (hits) = 8 loads. Push at position 0: store id (D: Shared, an
 *   upgrade invalidating the driver), len, release, used flags = 3 stores. Decision: full
 *   fence, load Dv flags (miss from DRAM): ENABLE -> interrupt.
 *   Cost 12 x 4 + 100 + 20 + 110 + 1 + 2 + 20 = 301 ns.
 * Driver get: load flags at position 0 (D: miss, device M -> S, transfer), acquire, id, len;
 *   the driver's event flags are ENABLE, so no off_wrap store. Cost 3 x 4 + 100 + 1 = 113 ns.
 * Hand-offs: D to the device, D invalidated by the device's used write, D back = 3 (split: 4);
 * the driver misses D twice, so its L1 misses (3) exceed its distinct lines (2).
 */
START_TEST(test_cold_round_trip_packed)
{
        struct fx *f = fx_setup(8, VQ_F_EVENT_IDX | VQ_F_RING_PACKED);
        struct vq_sg sg[2] = { { BUF_GPA, 64 }, { BUF_GPA + 64, 64 } };
        struct vq_chain chain;
        struct vq_elem elems[4];
        uint64_t token = 0;
        uint32_t len = 0;
        const struct vq_sim_stats *d = vq_sim_stats_of(&f->mem, VQ_SIM_DRIVER);
        const struct vq_sim_stats *v = vq_sim_stats_of(&f->mem, VQ_SIM_DEVICE);

        ck_assert_int_eq(vq_drv_add(&f->drv, sg, 1, 1, 42, NULL), 0);
        ck_assert_int_eq(vq_drv_kick_prepare(&f->drv), 1);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DRIVER), 278000);
        ck_assert_uint_eq(d->stores, 8);
        ck_assert_uint_eq(d->loads, 1);

        ck_assert_int_eq(vq_dev_pop(&f->dev, &chain, elems, 4), 1);
        ck_assert_int_eq(vq_dev_push(&f->dev, chain.id, 64), 0);
        ck_assert_int_eq(vq_dev_need_interrupt(&f->dev), 1);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DEVICE), 301000);
        ck_assert_uint_eq(v->loads, 9);
        ck_assert_uint_eq(v->stores, 3);
        ck_assert_uint_eq(v->l1_misses, 2);
        ck_assert_uint_eq(v->transfers, 1);
        ck_assert_uint_eq(v->invalidations, 1);
        ck_assert_uint_eq(v->llc_misses, 1);

        ck_assert_int_eq(vq_drv_get_used(&f->drv, &token, &len), 1);
        ck_assert_uint_eq(token, 42);
        ck_assert_uint_eq(len, 64);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&f->mem, VQ_SIM_DRIVER), 113000);
        ck_assert_uint_eq(d->loads + d->stores, 12);
        ck_assert_uint_eq(d->l1_misses, 3);
        ck_assert_uint_eq(d->llc_misses, 2);
        ck_assert_uint_eq(d->transfers, 1);
        ck_assert_uint_eq(d->invalidations, 0);
        ck_assert_uint_eq(d->handoffs + v->handoffs, 3);
        fx_teardown(f);
}
END_TEST

/* ---- steady state ------------------------------------------------------------------------- */

/* What both sides did over the measured buffers of a steady-state run. */
struct steady {
        uint64_t handoffs;
        uint64_t transfers;
        uint64_t l1_misses;
        uint64_t llc_misses;
};

static struct steady steady_totals(const struct vq_sim_mem *mem)
{
        const struct vq_sim_stats *d = vq_sim_stats_of(mem, VQ_SIM_DRIVER);
        const struct vq_sim_stats *v = vq_sim_stats_of(mem, VQ_SIM_DEVICE);

        return (struct steady){ .handoffs = d->handoffs + v->handoffs,
                                .transfers = d->transfers + v->transfers,
                                .l1_misses = d->l1_misses + v->l1_misses,
                                .llc_misses = d->llc_misses + v->llc_misses };
}

/* The bench's loop (tests/bench/bench_vq.c transfers_per_buffer): queue of 256, EVENT_IDX,
 * polling (callbacks and notifications disabled); per pass the driver adds `batch` buffers
 * of one writable piece and decides on a kick, the device pops and pushes them and decides on
 * an interrupt, the driver reaps them. Warm-up 4 laps, then 16 laps (4096 buffers) measured. */
static struct steady steady_run(bool packed, unsigned batch)
{
        struct fx *f = fx_setup(MAX_Q, VQ_F_EVENT_IDX | (packed ? VQ_F_RING_PACKED : 0));
        struct vq_sim_mem *mem = &f->mem;
        struct vq_sg sg = { BUF_GPA, 64 };
        struct vq_chain chain;
        struct vq_elem elems[2];
        const unsigned warmup = 4u * MAX_Q, measured = 16u * MAX_Q;
        struct steady start = { 0 }, end;

        vq_drv_disable_cb(&f->drv);
        vq_dev_disable_notify(&f->dev);
        for (unsigned done = 0; done < warmup + measured; done += batch) {
                uint64_t token;
                uint32_t len;

                if (done == warmup)
                        start = steady_totals(mem);
                for (unsigned i = 0; i < batch; i++)
                        VQT_REQUIRE(vq_drv_add(&f->drv, &sg, 0, 1, i, NULL) == 0);
                (void)vq_drv_kick_prepare(&f->drv);
                for (unsigned i = 0; i < batch; i++) {
                        VQT_REQUIRE(vq_dev_pop(&f->dev, &chain, elems, 2) == 1);
                        VQT_REQUIRE(vq_dev_push(&f->dev, chain.id, 0) == 0);
                }
                (void)vq_dev_need_interrupt(&f->dev);
                for (unsigned i = 0; i < batch; i++)
                        VQT_REQUIRE(vq_drv_get_used(&f->drv, &token, &len) == 1);
        }
        end = steady_totals(mem);
        fx_teardown(f);
        return (struct steady){ .handoffs = end.handoffs - start.handoffs,
                                .transfers = end.transfers - start.transfers,
                                .l1_misses = end.l1_misses - start.l1_misses,
                                .llc_misses = end.llc_misses - start.llc_misses };
}

/* Warm rings fit in the L1s: every miss is a line coming back from the peer, and every change
 * of hands is one invalidation by the writer plus one transfer to the reader. */
static void check_warm(const struct steady *s)
{
        ck_assert_uint_eq(s->l1_misses, s->transfers);
        ck_assert_uint_eq(s->llc_misses, 0);
        ck_assert_uint_eq(2 * s->transfers, s->handoffs);
}

/*
 * Hand counts, per lap of 256 buffers. A line written by one side and read by the other costs
 * two hand-offs per change of hands: the writer invalidates the reader's Shared copy, the
 * reader fetches it back from the writer's Modified copy. Lines only ever read by one side
 * (event fields under polling: used_event, avail_event, the packed event areas, never
 * rewritten) cost nothing once warm.
 *
 * Packed, batch 1: the descriptor line of position p changes hands four times per buffer
 * (driver writes the descriptor, device reads it, device writes it used, driver reads it):
 *   4 per buffer, 16384 over 4096 buffers.
 * Packed, batch 32: 32 positions = 8 whole lines, 4 changes each: 32 per 32 buffers = 1 per
 *   buffer, 4096.
 * Split, batch 1 (avail ring[i] at 4 + 2i on the avail page, used ring[i] at 4 + 8i on the
 * used page, idx fields on line 0 of each):
 *   descriptor line: driver writes, device reads           2 per buffer          512
 *   avail idx line:  driver writes idx, device reads       2 per buffer          512
 *   avail ring[i]:   2 unless on the idx line (i < 30)     2 x 226               452
 *   used idx line:   device writes idx, driver reads       2 per buffer          512
 *   used ring[i]:    0 for i < 7 (on the idx line); ring[7] has len on line 1:  2
 *                    i >= 8 wholly in one line: 2 each, 217 entries            434
 *                    i = 15, 23, ..., 255 straddle two lines: 4 each, 31 of them 124
 *   per lap 2548 (9.953 per buffer), 16 laps 40768.
 * Split, batch 32 (a batch takes the same 32 descriptors, 8 lines, each time; its 32 avail
 * entries span 2 lines, its 32 used entries 5 lines):
 *   descriptors 8 lines x 2 x 8 batches                                         128
 *   avail: (2 ring lines + idx line) x 2 x 8, less 2 where batch 0 shares line 0  46
 *   used:  (5 ring lines + idx line) x 2 x 8, less 2 likewise                      94
 *   per lap 268 (1.047 per buffer), 16 laps 4288.
 * tests/bench/bench_vq.c counts the same workload with its own MSI model and printed (make
 * bench, 2026-11-22): split 9.953 and packed 4.000 at batch 1, split 1.047 and packed 1.000 at
 * batch 32, the same as these hand counts.
 */
START_TEST(test_steady_state_handoffs)
{
        struct steady split1 = steady_run(false, 1);
        struct steady packed1 = steady_run(true, 1);
        struct steady split32 = steady_run(false, 32);
        struct steady packed32 = steady_run(true, 32);

        ck_assert_uint_eq(packed1.handoffs, 16384);
        ck_assert_uint_eq(packed32.handoffs, 4096);
        ck_assert_uint_eq(split1.handoffs, 40768);
        ck_assert_uint_eq(split32.handoffs, 4288);
        ck_assert_uint_le(packed1.handoffs, split1.handoffs);
        ck_assert_uint_le(packed32.handoffs, split32.handoffs);
        check_warm(&split1);
        check_warm(&packed1);
        check_warm(&split32);
        check_warm(&packed32);
}
END_TEST

/* ---- the hierarchy itself ------------------------------------------------------------------ */

/*
 * Payload accesses (vq_sim_access), the LLC-hit path and line splitting, with an L1 of 512 bytes,
 * 4 ways, 64-byte lines: 2 sets, set = line number & 1. Costs in ns (1 GHz):
 *   cold miss = 4 + 30 + 80 = 114, LLC hit = 4 + 30 = 34, from the peer = 4 + 100 = 104.
 */
START_TEST(test_payload_and_levels)
{
        struct vq_sim_config small = sim_config;
        struct vq_sim_mem mem;
        const uint64_t x = BUF_GPA; /* line number even: set 0 */
        const struct vq_sim_stats *v, *d;

        small.l1_size_bytes = 512;
        ck_assert_int_eq(vq_sim_init(&mem, &small), 0);
        v = vq_sim_stats_of(&mem, VQ_SIM_DEVICE);
        d = vq_sim_stats_of(&mem, VQ_SIM_DRIVER);
        /* x and four more set-0 lines (128 bytes apart), written: 5 cold misses; the fifth
         * evicts x (LRU) dirty into the LLC. */
        for (uint64_t k = 0; k < 5; k++)
                vq_sim_access(&mem, VQ_SIM_DEVICE, x + 128u * k, 64, MEM_WRITE);
        ck_assert(!cache_contains(&mem.l1[VQ_SIM_DEVICE], x));
        ck_assert(cache_contains(&mem.llc, x));
        ck_assert_uint_eq(vq_sim_take_pending_ps(&mem, VQ_SIM_DEVICE), 5 * 114000);
        /* x again: an L1 miss, an LLC hit, nobody else holds it (device E). */
        vq_sim_access(&mem, VQ_SIM_DEVICE, x, 4, MEM_READ);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&mem, VQ_SIM_DEVICE), 34000);
        ck_assert_uint_eq(v->l1_misses, 6);
        ck_assert_uint_eq(v->llc_misses, 5);
        /* 8 bytes at offset 60 of a cold line: two lines, two cold misses. */
        vq_sim_access(&mem, VQ_SIM_DEVICE, BUF_GPA + 0x10000 + 60, 8, MEM_READ);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&mem, VQ_SIM_DEVICE), 2 * 114000);
        /* The driver reads x: the device's Exclusive copy supplies it. */
        vq_sim_access(&mem, VQ_SIM_DRIVER, x + 8, 8, MEM_READ);
        ck_assert_uint_eq(vq_sim_take_pending_ps(&mem, VQ_SIM_DRIVER), 104000);
        ck_assert_uint_eq(d->transfers, 1);
        ck_assert_uint_eq(d->handoffs, 1);
        ck_assert_uint_eq(d->invalidations, 0);
        /* Bounds of the guest RAM. */
        ck_assert_ptr_null(vq_sim_host(&mem, BASE - 1, 1));
        ck_assert_ptr_nonnull(vq_sim_host(&mem, BASE + MEM_BYTES - 8, 8));
        ck_assert_ptr_null(vq_sim_host(&mem, BASE + MEM_BYTES - 8, 9));
        vq_sim_fini(&mem);
}
END_TEST

START_TEST(test_bad_config)
{
        struct vq_sim_config bad = sim_config;
        struct vq_sim_mem mem;

        bad.gpa_base = BASE + 32; /* not line-aligned */
        ck_assert_int_eq(vq_sim_init(&mem, &bad), -EINVAL);
        bad = sim_config;
        bad.line_bytes = 48;
        ck_assert_int_eq(vq_sim_init(&mem, &bad), -EINVAL);
        bad = sim_config;
        bad.l1_ways = 3; /* a geometry the cache refuses */
        ck_assert_int_eq(vq_sim_init(&mem, &bad), -EINVAL);
        ck_assert_ptr_null(mem.bytes);
}
END_TEST

static Suite *vq_sim_suite(void)
{
        Suite *s = suite_create("vq_sim");
        TCase *tc = tcase_create("corrupt");

        tcase_add_test(tc, test_corrupt_avail_jump);
        tcase_add_test(tc, test_corrupt_head_range);
        tcase_add_test(tc, test_corrupt_next_range);
        tcase_add_test(tc, test_corrupt_loop);
        tcase_add_test(tc, test_corrupt_indirect_size);
        tcase_add_test(tc, test_corrupt_packed_buf_id);
        tcase_add_test(tc, test_corrupt_used_id);
        suite_add_tcase(s, tc);
        tc = tcase_create("cost");
        tcase_add_test(tc, test_cold_round_trip);
        tcase_add_test(tc, test_cold_round_trip_packed);
        tcase_add_test(tc, test_steady_state_handoffs);
        tcase_add_test(tc, test_payload_and_levels);
        tcase_add_test(tc, test_bad_config);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(vq_sim_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
