/*
 * vdev + vdev_blk: a virtio-blk guest driver and backend in simulated time, over the real
 * virtio/ library on simulated guest RAM (vq_sim_mem).
 *   - idle system: one read's end-to-end latency and each phase equal the hand-worked sum of the
 *     fixed costs and of every ring and payload access priced by the vq_sim_mem cost table;
 *   - request validation: bad headers get VIRTIO_BLK_S_IOERR / S_UNSUPP (spec 5.2.6.1);
 *   - queue depth: 4 flash channels overlap 4 outstanding requests (throughput x4, no
 *     queueing), 8 outstanding queue behind each other;
 *   - EVENT_IDX on and off: notifications and interrupts per request of a burst;
 *   - split and packed rings: ring L1 misses and hand-offs per request;
 *   - corruption: a ring corrupted in simulated memory breaks the backend (or the driver) with
 *     the same VQ_E* reason as the library's own test in test_vq_validate.c.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "models/io/vdev.h"
#include "models/io/vdev_blk.h"
#include "models/io/vdev_workload.h"
#include "models/io/vq_sim_mem.h"
#include "tests/io/io_test_config.h"
#include "sim/metrics.h"
#include "sim/sim.h"
#include "virtio/virtqueue.h"

#define BASE      0x80000000ull
#define MEM_BYTES (4u << 20)
#define BUFS      (BASE + 0x10000u)
#define SLOT      8192u
#define NS        1000ull /* ps */
#define US        1000000ull

/* The cost table of tests/unit/test_vq_sim.c (tests/io/io_test_config.h): 1 GHz, so 1 cycle
 * = 1 ns; L1 hit 4 cycles, LLC hit 30, DRAM 80 ns, transfer 100, invalidation 20, barriers
 * 1 / 2 / 20; no evictions at these sizes. */
static struct vq_sim_config sim_config;

struct rig {
        struct sim *sim;
        struct metrics *metrics;
        struct vq_sim_mem mem;
        struct vdev_blk_config blk_config;
        struct vdev_blk blk;
        struct vdev_config config;
        struct vdev v;
        struct vdev_workload wl;
        struct vdev_workload_config wl_config;
        const struct vdev_transport *transport;
        int last_status;
        uint32_t completions;
};

/* Fixed costs of the idle test; the others reuse them. */
static void base_configs(struct rig *r, uint16_t queue_size, bool packed, bool event_idx)
{
        r->blk_config = (struct vdev_blk_config){ .capacity_sectors = 1u << 20,
                                                  .channels = 1,
                                                  .stripe_sectors = 8,
                                                  .read_ps = 4 * US,
                                                  .write_ps = 6 * US,
                                                  .flush_ps = 20 * US,
                                                  .channel_bytes_per_s = 512000000,
                                                  .payload_by_cpu = true };
        r->config = (struct vdev_config){ .name = "blk0",
                                          .ops = &vdev_blk_ops,
                                          .model = &r->blk,
                                          .queue_size = queue_size,
                                          .packed = packed,
                                          .event_idx = event_idx,
                                          .ring_gpa = BASE,
                                          .buffers_gpa = BUFS,
                                          .slot_bytes = SLOT,
                                          .notify_ps = 1000 * NS,
                                          .interrupt_ps = 1500 * NS,
                                          .backend_dispatch_ps = 2000 * NS,
                                          .driver_submit_ps = 300 * NS,
                                          .driver_complete_ps = 200 * NS,
                                          .backend_request_ps = 100 * NS };
}

static void record_status(void *ctx, struct vdev *v, const struct vdev_io *io, int status,
                          sim_time_t end_ps)
{
        struct rig *r = ctx;

        (void)v;
        (void)io;
        (void)end_ps;
        r->last_status = status;
        r->completions++;
}

static void rig_start(struct rig *r)
{
        r->sim = sim_create(NULL);
        r->metrics = metrics_create();
        ck_assert_ptr_nonnull(r->sim);
        ck_assert_ptr_nonnull(r->metrics);
        sim_config = io_test_sim_config(MEM_BYTES);
        ck_assert_int_eq(vq_sim_init(&r->mem, &sim_config), 0);
        ck_assert_int_eq(vdev_blk_init(&r->blk, &r->blk_config), 0);
        ck_assert_int_eq(vdev_init(&r->v, &r->config, r->sim, &r->mem, r->metrics, r->transport),
                         0);
        vdev_set_completion(&r->v, record_status, r);
        /* The rings were zeroed through the driver port: forget that warm-up. */
        ck_assert_int_eq(vq_sim_make_cold(&r->mem), 0);
}

static struct rig *rig_new(uint16_t queue_size, bool packed, bool event_idx)
{
        struct rig *r = calloc(1, sizeof(*r));

        ck_assert_ptr_nonnull(r);
        base_configs(r, queue_size, packed, event_idx);
        return r;
}

static void rig_free(struct rig *r)
{
        vdev_fini(&r->v);
        vq_sim_fini(&r->mem);
        metrics_destroy(r->metrics);
        sim_destroy(r->sim);
        free(r);
}

static uint64_t counter(const struct rig *r, const char *name)
{
        const struct metric *m = metrics_find(r->metrics, "dev/blk0", name);

        ck_assert_ptr_nonnull(m);
        return m->counter;
}

static const struct histogram *hist(const struct rig *r, const char *name)
{
        const struct metric *m = metrics_find(r->metrics, "dev/blk0", name);

        ck_assert_ptr_nonnull(m);
        return &m->histogram;
}

static void submit(struct rig *r, uint32_t op, uint64_t sector, uint32_t bytes)
{
        struct vdev_io io = { .op = op, .address = sector, .bytes = bytes };

        ck_assert_int_eq(vdev_submit(&r->v, &io), 0);
}

/* |measured - expected| <= 1% of expected. */
static void assert_within_1pc(uint64_t measured, uint64_t expected)
{
        uint64_t diff = measured > expected ? measured - expected : expected - measured;

        ck_assert_uint_le(diff * 100u, expected);
}

/* ---- idle system -------------------------------------------------------------------------- */

/*
 * One 512-byte read (T_IN, sector 0) on a cold, idle system: split queue of 8, EVENT_IDX, one
 * flash channel (read 4 us + 512 B at 512 MB/s = 1 us). Lines: D (descriptors 0-2), A (avail:
 * flags, idx, ring[0], used_event at 20), U0 (used flags, idx, ring[0]), U1 (avail_event at
 * used offset 68), H (slot 0: header 0-15, status byte 16), P0-P7 (the data, slot + 64).
 * Access prices (ns): hit 4; miss to DRAM 4+30+80 = 114; miss served by the peer's E/M copy
 * 4+100 = 104; write to a line both share 4+20 = 24.
 *
 * t=0 driver submit: header write H miss 114; 3 descriptors x 4 stores on D (miss 114 + 11
 *   hits 44); ring[0] on A miss 114; release 2; avail idx hit 4; kick decision: full 20,
 *   avail_event load U1 miss 114 (driver gets U1 Exclusive). 526 ns + driver_submit 300 =
 *   826 ns. avail_event 0 lies in [0, 1): notify. The vCPU is held notify_ps 1000 ns; the
 *   notification reaches the backend at 1826 ns and wakes it backend_dispatch 2000 ns later.
 * t=3826 backend pop (disable_notify writes nothing under EVENT_IDX): avail idx from the
 *   driver's M copy 104; acquire 1; ring[0] hit 4; descriptor 0 from the driver 104 + 3 hits
 *   12; descriptors 1-2 8 hits 32 (ring 257); header read H from the driver 104; +
 *   backend_request 100 = 461 ns. Service starts at 4287 ns, ends 5000 ns later at 9287 ns.
 * t=4287 backend: pop finds nothing (avail idx hit 4), enable_notify: avail_event store U1 from
 *   the driver's E copy 104, full 20, avail idx hit 4: 132 ns, then it sleeps.
 * t=9287 completion wakes it: runs at 11287 ns. Response: 8 data lines written, DRAM misses
 *   8 x 114 = 912; status byte on H (shared) 24; push: used id U0 miss 114, len hit 4, release
 *   2, used idx hit 4; interrupt decision: full 20, used_event on A (shared) hit 4. 1084 ns.
 *   used_event 0 lies in [0, 1): interrupt, delivered interrupt_ps 1500 ns later, 13871 ns.
 * t=13871 handler: disable_cb stores used_event on A (shared) 24; get_used: used idx U0 from the
 *   backend's M copy 104, acquire 1, id and len hits 8; status byte H from the backend 104;
 *   get_used again: idx hit 4; enable_cb: used_event A hit 4, full 20, used idx hit 4: 273 ns
 *   + driver_complete 200 = 473 ns. Done at 14344 ns.
 * Phases: driver 826, notify 1000, backend_wait 2000 + 2000, backend_ring 461 + 1084, device
 * 5000, interrupt 1500, completion 473; their sum is the latency 14 344 ns. Ring L1 misses:
 * driver D, A, U1, U0 = 4; backend A, D, U1, U0 = 4. Ring hand-offs: driver 2 (A upgrade, U0
 * transfer), backend 3 (A, D, U1).
 */
START_TEST(test_idle_read_latency)
{
        struct rig *r = rig_new(8, false, true);
        static const struct {
                const char *name;
                uint64_t ns;
        } phases[] = { { "phase_guest_queue", 0 },     { "phase_driver", 826 },
                       { "phase_notify", 1000 },       { "phase_backend_wait", 4000 },
                       { "phase_backend_ring", 1545 }, { "phase_device", 5000 },
                       { "phase_interrupt", 1500 },    { "phase_completion", 473 } };
        const uint8_t *data;

        rig_start(r);
        data = vq_sim_host(&r->mem, BUFS + VDEV_BLK_DATA_OFFSET, 512);
        submit(r, VIRTIO_BLK_T_IN, 0, 512);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_int_eq(vdev_collect(&r->v), 0);
        ck_assert_uint_eq(r->completions, 1);
        ck_assert_int_eq(r->last_status, VIRTIO_BLK_S_OK);
        ck_assert_uint_eq(hist(r, "latency")->count, 1);
        assert_within_1pc(hist(r, "latency")->max, 14344 * NS);
        /* Private caches, no platform: the platform's metrics do not exist. */
        ck_assert_ptr_null(metrics_find(r->metrics, "dev/blk0", "memory_requests"));
        ck_assert_ptr_null(metrics_find(r->metrics, "dev/blk0", "ring_queue_delay"));
        for (size_t i = 0; i < sizeof(phases) / sizeof(phases[0]); i++)
                assert_within_1pc(hist(r, phases[i].name)->max, phases[i].ns * NS);
        ck_assert_uint_eq(counter(r, "notifications"), 1);
        ck_assert_uint_eq(counter(r, "interrupts"), 1);
        ck_assert_uint_eq(counter(r, "backend_wakeups"), 2);
        ck_assert_uint_eq(counter(r, "ring_l1_misses"), 8);
        ck_assert_uint_eq(counter(r, "ring_handoffs"), 5);
        ck_assert_double_eq(
            metrics_find(r->metrics, "dev/blk0", "ring_l1_misses_per_request")->gauge, 8.0);
        ck_assert_double_eq(metrics_find(r->metrics, "dev/blk0", "interrupts_per_request")->gauge,
                            1.0);
        /* The device wrote the sector's pattern into guest memory. */
        ck_assert_ptr_nonnull(data);
        for (uint32_t i = 0; i < 512; i++)
                ck_assert_uint_eq(data[i], vdev_blk_pattern(0, i));
        ck_assert_uint_eq(vdev_outstanding(&r->v), 0);
        rig_free(r);
}
END_TEST

/* ---- transport hooks ----------------------------------------------------------------------- */

struct hooks {
        struct sim *sim;
        unsigned notifies, interrupts, wakes;
        uint32_t value;
        sim_time_t notify_at, interrupt_at, wake_at;
};

static void deliver_notify_event(struct sim *sim, void *arg)
{
        (void)sim;
        vdev_deliver_notify(arg);
}

static void deliver_interrupt_event(struct sim *sim, void *arg)
{
        (void)sim;
        vdev_deliver_interrupt(arg);
}

static void backend_run_event(struct sim *sim, void *arg)
{
        (void)sim;
        vdev_backend_run(arg);
}

/* A trap the vCPU leaves after 700 ns, the backend hearing of it 3 us after the write. */
static sim_time_t hook_notify(void *ctx, struct vdev *v, uint32_t value, sim_time_t at_ps)
{
        struct hooks *h = ctx;

        h->notifies++;
        h->value = value;
        h->notify_at = at_ps;
        sim_schedule(h->sim, at_ps + 3000 * NS, deliver_notify_event, v);
        return 700 * NS;
}

static void hook_interrupt(void *ctx, struct vdev *v, sim_time_t at_ps)
{
        struct hooks *h = ctx;

        h->interrupts++;
        h->interrupt_at = at_ps;
        sim_schedule(h->sim, at_ps + 4000 * NS, deliver_interrupt_event, v);
}

static void hook_wake(void *ctx, struct vdev *v, sim_time_t at_ps)
{
        struct hooks *h = ctx;

        h->wakes++;
        h->wake_at = at_ps;
        sim_schedule(h->sim, at_ps + 6000 * NS, backend_run_event, v);
}

/*
 * The idle read of test_idle_read_latency with the integrator's hooks instead of the fixed
 * delays; the ring accesses are the same sequence, so the ring costs are too. Submit 826 ns
 * (notify written at 826 with value 0, the queue index), the vCPU held 700; the backend hears
 * of it at 3826, runs 6 us later at 9826; pop 461 -> 10287; service to 15287; the completion
 * wakes it (second wake) at 15287, it runs at 21287; completion step 1084 -> 22371, interrupt
 * raised then, delivered at 26371; handler 473 -> 26844 ns. Phases: driver 826, notify 700,
 * backend wait (9826 - 1526) + 6000 = 14300, backend ring 1545, device 5000, interrupt 4000,
 * completion 473.
 */
START_TEST(test_transport_hooks)
{
        struct rig *r = rig_new(8, false, true);
        struct hooks h = { .notifies = 0 };
        const struct vdev_transport transport = { .notify = hook_notify,
                                                  .interrupt = hook_interrupt,
                                                  .backend_wake = hook_wake,
                                                  .ctx = &h };

        r->transport = &transport;
        rig_start(r);
        h.sim = r->sim;
        submit(r, VIRTIO_BLK_T_IN, 0, 512);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->completions, 1);
        ck_assert_uint_eq(h.notifies, 1);
        ck_assert_uint_eq(h.value, 0);
        ck_assert_uint_eq(h.wakes, 2);
        ck_assert_uint_eq(h.interrupts, 1);
        ck_assert_uint_eq(h.notify_at, 826 * NS);
        ck_assert_uint_eq(h.wake_at, 15287 * NS);
        ck_assert_uint_eq(h.interrupt_at, 22371 * NS);
        assert_within_1pc(hist(r, "latency")->max, 26844 * NS);
        assert_within_1pc(hist(r, "phase_notify")->max, 700 * NS);
        assert_within_1pc(hist(r, "phase_backend_wait")->max, 14300 * NS);
        assert_within_1pc(hist(r, "phase_interrupt")->max, 4000 * NS);
        rig_free(r);
}
END_TEST

/* ---- request validation ------------------------------------------------------------------- */

/* Spec 5.2.6.1: unknown type -> UNSUPP; a read past the capacity -> IOERR; a write whose data
 * is not a multiple of 512 -> IOERR; GET_ID returns the 20-byte id; FLUSH succeeds. Each is
 * answered through the ring with the status byte. */
START_TEST(test_blk_validation)
{
        static const struct {
                uint32_t op;
                uint64_t sector;
                uint32_t bytes;
                int status;
        } cases[] = {
                { VIRTIO_BLK_T_DISCARD, 0, 0, VIRTIO_BLK_S_UNSUPP },
                { VIRTIO_BLK_T_IN, (1u << 20) - 1u, 1024, VIRTIO_BLK_S_IOERR },
                { VIRTIO_BLK_T_OUT, 0, 100, VIRTIO_BLK_S_IOERR },
                { VIRTIO_BLK_T_IN, (1u << 20) - 2u, 1024, VIRTIO_BLK_S_OK },
                { VIRTIO_BLK_T_OUT, 8, 4096, VIRTIO_BLK_S_OK },
                { VIRTIO_BLK_T_FLUSH, 0, 0, VIRTIO_BLK_S_OK },
                { VIRTIO_BLK_T_GET_ID, 0, 0, VIRTIO_BLK_S_OK },
        };

        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                struct rig *r = rig_new(8, false, true);

                rig_start(r);
                submit(r, cases[i].op, cases[i].sector, cases[i].bytes);
                ck_assert_int_eq(sim_run(r->sim), 0);
                ck_assert_uint_eq(r->completions, 1);
                ck_assert_int_eq(r->last_status, cases[i].status);
                ck_assert_uint_eq(counter(r, "status_errors"), cases[i].status != 0 ? 1 : 0);
                if (cases[i].op == VIRTIO_BLK_T_GET_ID)
                        ck_assert_str_eq(
                            (const char *)vq_sim_host(&r->mem, BUFS + VDEV_BLK_DATA_OFFSET, 20),
                            "mosaic-vdev-blk");
                rig_free(r);
        }
}
END_TEST

/* ---- queue depth -------------------------------------------------------------------------- */

/*
 * 4 channels, 8-sector stripes, sequential 4 KiB reads (one stripe each: request i goes to
 * channel i mod 4), service 60 us + 4096 B at 102.4 MB/s = 100 us. Closed loop, 400 requests.
 * QD 1: one channel busy at a time. QD 4: the 4 outstanding requests are always 4 consecutive
 * ones, on 4 different channels, so none waits (device phase exactly 100 us) and throughput is
 * about 4x. QD 8: two requests per channel, each waits for the one ahead (device phase near
 * 200 us) and throughput stays about 4x.
 */
static sim_time_t run_depth(uint32_t depth, uint64_t *device_max, double *device_mean)
{
        struct rig *r = rig_new(64, false, true);
        sim_time_t end;

        r->blk_config.channels = 4;
        r->blk_config.read_ps = 60 * US;
        r->blk_config.channel_bytes_per_s = 102400000;
        r->wl_config = (struct vdev_workload_config){ .name = "qd",
                                                      .seed = 1,
                                                      .arrival = VDEV_ARRIVAL_CLOSED,
                                                      .queue_depth = depth,
                                                      .bytes = 4096,
                                                      .op_read = VIRTIO_BLK_T_IN,
                                                      .op_write = VIRTIO_BLK_T_OUT,
                                                      .read_permille = 1000,
                                                      .pattern = VDEV_PATTERN_SEQUENTIAL,
                                                      .address_base = 0,
                                                      .address_span = 1u << 16,
                                                      .address_step = 8,
                                                      .count = 400 };
        rig_start(r);
        ck_assert_int_eq(vdev_workload_start(&r->wl, &r->wl_config, &r->v), 0);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->wl.completed, 400);
        ck_assert_uint_eq(r->wl.errors, 0);
        *device_max = hist(r, "phase_device")->max;
        *device_mean = histogram_mean(hist(r, "phase_device"));
        end = sim_now(r->sim);
        rig_free(r);
        return end;
}

START_TEST(test_blk_queue_depth_overlap)
{
        uint64_t max1, max4, max8;
        double mean1, mean4, mean8;
        sim_time_t t1 = run_depth(1, &max1, &mean1);
        sim_time_t t4 = run_depth(4, &max4, &mean4);
        sim_time_t t8 = run_depth(8, &max8, &mean8);

        ck_assert_uint_eq(max1, 100 * US);
        ck_assert_uint_eq(max4, 100 * US);
        ck_assert_double_gt(mean8, 150.0 * (double)US);
        /* QD 4 moves 400 requests about 4x faster (the per-request software path, ~10 us of
         * the ~110 us of QD 1, also overlaps): between 3.5x and 4x. */
        ck_assert_uint_gt(t1 * 10u, t4 * 35u);
        ck_assert_uint_le(t1, t4 * 4u + t1 / 50u);
        /* Eight outstanding keep every channel busy while the software path of the next
         * request runs, so they beat four, but never the channels' own bound: 400 x 100 us / 4
         * = 10 ms. */
        ck_assert_uint_lt(t8, t4);
        ck_assert_uint_ge(t8, 10000 * US);
}
END_TEST

/* ---- EVENT_IDX ---------------------------------------------------------------------------- */

/*
 * A burst of 4 reads at t=0, 4 channels (distinct: sectors 0, 8, 16, 24). The driver submits
 * them back to back; the first kicks. EVENT_IDX: avail_event stays 0 until the backend
 * re-enables notifications after emptying the ring, so the next three see avail_event outside
 * [old, new) and do not kick: 1 notification. Flags only: the backend sets NO_NOTIFY only when
 * it runs (after notify 1 us + dispatch 2 us), but the driver has finished the four submits by
 * then (under 1 us each after the first), so each reads flags 0 and kicks: 4 notifications.
 * Completions: the services end within about 2 us of each other, faster than the 1.5 us
 * interrupt latency plus the handler. EVENT_IDX: the first push crosses used_event 0 and
 * interrupts; the handler's disable_cb parks used_event, so later pushes before its
 * enable_cb do not interrupt, and pushes after it cross the new used_event again.
 * Flags only: NO_INTERRUPT is set only while the handler runs.
 */
static void run_burst(bool event_idx, uint64_t *notifications, uint64_t *interrupts)
{
        struct rig *r = rig_new(64, false, event_idx);

        r->blk_config.channels = 4;
        rig_start(r);
        for (uint64_t i = 0; i < 4; i++)
                submit(r, VIRTIO_BLK_T_IN, 8 * i, 512);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->completions, 4);
        *notifications = counter(r, "notifications");
        *interrupts = counter(r, "interrupts");
        ck_assert_uint_eq(*notifications + counter(r, "notifications_suppressed"), 4);
        ck_assert_uint_eq(*interrupts + counter(r, "interrupts_suppressed"), 4);
        rig_free(r);
}

START_TEST(test_event_idx_suppression)
{
        uint64_t n_on, i_on, n_off, i_off;

        run_burst(true, &n_on, &i_on);
        run_burst(false, &n_off, &i_off);
        ck_assert_uint_eq(n_on, 1);
        ck_assert_uint_eq(n_off, 4);
        ck_assert_uint_lt(i_on, i_off);
}
END_TEST

/* ---- polling backend ---------------------------------------------------------------------- */

/* Closed loop QD 1 of 100 reads, the backend sleeping (dispatch 2 us per wake-up) or polling
 * every 1 us. Polling: one wake-up (at start), one notification in all (the first request
 * crosses avail_event 0, which the polling backend never moves), and each request saves the
 * notify (1 us) and the two dispatches (2 x 2 us) but waits up to 1 us for the next look:
 * mean latency at least 3 us lower. The guest still takes an interrupt per request. */
static void run_poll(sim_time_t poll_ps, uint64_t *notifications, uint64_t *wakeups,
                     uint64_t *interrupts, double *mean_latency)
{
        struct rig *r = rig_new(64, false, true);

        r->config.backend_poll_ps = poll_ps;
        r->wl_config = (struct vdev_workload_config){ .name = "poll",
                                                      .seed = 3,
                                                      .arrival = VDEV_ARRIVAL_CLOSED,
                                                      .queue_depth = 1,
                                                      .bytes = 512,
                                                      .op_read = VIRTIO_BLK_T_IN,
                                                      .read_permille = 1000,
                                                      .pattern = VDEV_PATTERN_SEQUENTIAL,
                                                      .address_span = 1u << 16,
                                                      .address_step = 1,
                                                      .count = 100 };
        rig_start(r);
        ck_assert_int_eq(vdev_workload_start(&r->wl, &r->wl_config, &r->v), 0);
        /* A polling backend never stops: run a fixed horizon (100 x ~15 us fits in 10 ms). */
        ck_assert_int_eq(sim_run_until(r->sim, 10000 * US), 0);
        ck_assert_uint_eq(r->wl.completed, 100);
        *notifications = counter(r, "notifications");
        *wakeups = counter(r, "backend_wakeups");
        *interrupts = counter(r, "interrupts");
        *mean_latency = histogram_mean(hist(r, "latency"));
        rig_free(r);
}

START_TEST(test_polling_backend)
{
        uint64_t n_sleep, w_sleep, i_sleep, n_poll, w_poll, i_poll;
        double l_sleep, l_poll;

        run_poll(0, &n_sleep, &w_sleep, &i_sleep, &l_sleep);
        run_poll(1000 * NS, &n_poll, &w_poll, &i_poll, &l_poll);
        ck_assert_uint_eq(n_sleep, 100);
        ck_assert_uint_eq(w_sleep, 200); /* one for the request, one for its completion */
        ck_assert_uint_eq(n_poll, 1);
        ck_assert_uint_eq(w_poll, 1);
        ck_assert_uint_eq(i_sleep, 100);
        ck_assert_uint_eq(i_poll, 100);
        ck_assert_double_lt(l_poll + 3000.0 * (double)NS, l_sleep);
}
END_TEST

/* ---- workload ----------------------------------------------------------------------------- */

/* Poisson arrivals (mean 20 us), 70% reads / 30% writes of 4 KiB at random sectors, 1000
 * requests, 4 channels. The read count is binomial(1000, 0.7): mean 700, sd 14.5; the band is
 * +-5 sd. The same seed gives the same run to the picosecond; another seed another run. */
static void run_mix(uint64_t seed, uint64_t *reads, uint64_t *writes, long double *latency_sum,
                    sim_time_t *end)
{
        struct rig *r = rig_new(64, false, true);

        r->blk_config.channels = 4;
        r->wl_config = (struct vdev_workload_config){ .name = "mix",
                                                      .seed = seed,
                                                      .arrival = VDEV_ARRIVAL_POISSON,
                                                      .interval_ps = 20 * US,
                                                      .bytes = 4096,
                                                      .op_read = VIRTIO_BLK_T_IN,
                                                      .op_write = VIRTIO_BLK_T_OUT,
                                                      .read_permille = 700,
                                                      .pattern = VDEV_PATTERN_RANDOM,
                                                      .address_span = 1u << 20,
                                                      .address_step = 8,
                                                      .count = 1000 };
        rig_start(r);
        ck_assert_int_eq(vdev_workload_start(&r->wl, &r->wl_config, &r->v), 0);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->wl.completed, 1000);
        ck_assert_uint_eq(r->wl.errors, 0);
        *reads = r->blk.stats.reads;
        *writes = r->blk.stats.writes;
        *latency_sum = hist(r, "latency")->sum;
        *end = sim_now(r->sim);
        rig_free(r);
}

START_TEST(test_workload_mix_and_determinism)
{
        uint64_t reads[3], writes[3];
        long double sums[3];
        sim_time_t ends[3];

        run_mix(11, &reads[0], &writes[0], &sums[0], &ends[0]);
        run_mix(11, &reads[1], &writes[1], &sums[1], &ends[1]);
        run_mix(12, &reads[2], &writes[2], &sums[2], &ends[2]);
        ck_assert_uint_eq(reads[0] + writes[0], 1000);
        ck_assert_uint_ge(reads[0], 628);
        ck_assert_uint_le(reads[0], 772);
        ck_assert_uint_eq(reads[0], reads[1]);
        ck_assert_uint_eq(ends[0], ends[1]);
        ck_assert(sums[0] == sums[1]);
        ck_assert(ends[2] != ends[0] || sums[2] != sums[0]);
}
END_TEST

/* ---- split and packed --------------------------------------------------------------------- */

/* Closed loop QD 1 of 200 reads: each request goes through both sides once, so every ring line
 * the request touches changes hands. Packed keeps descriptor, ownership flags and the used
 * entry in one descriptor line; split spreads them over descriptor, avail and used lines
 * (tests/unit/test_vq_sim.c: 4 against about 10 hand-offs per buffer at batch 1). */
static void run_layout(bool packed, double *misses, double *handoffs)
{
        struct rig *r = rig_new(64, packed, true);

        r->wl_config = (struct vdev_workload_config){ .name = "layout",
                                                      .seed = 7,
                                                      .arrival = VDEV_ARRIVAL_CLOSED,
                                                      .queue_depth = 1,
                                                      .bytes = 512,
                                                      .op_read = VIRTIO_BLK_T_IN,
                                                      .read_permille = 1000,
                                                      .pattern = VDEV_PATTERN_RANDOM,
                                                      .address_span = 1u << 16,
                                                      .address_step = 1,
                                                      .count = 200 };
        rig_start(r);
        ck_assert_int_eq(vdev_workload_start(&r->wl, &r->wl_config, &r->v), 0);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->wl.completed, 200);
        vdev_collect(&r->v);
        *misses = (double)counter(r, "ring_l1_misses") / 200.0;
        *handoffs = (double)counter(r, "ring_handoffs") / 200.0;
        rig_free(r);
}

START_TEST(test_split_vs_packed_misses)
{
        double split_misses, split_handoffs, packed_misses, packed_handoffs;

        run_layout(false, &split_misses, &split_handoffs);
        run_layout(true, &packed_misses, &packed_handoffs);
        ck_assert_double_lt(packed_misses, split_misses);
        ck_assert_double_lt(packed_handoffs, split_handoffs);
}
END_TEST

/* ---- corruption --------------------------------------------------------------------------- */

/* Run until the driver has published the request but the notification (10 us) has not yet
 * reached the backend, so a hostile write lands before the backend reads the ring. */
static struct rig *published_request(void)
{
        struct rig *r = rig_new(8, false, true);

        r->config.notify_ps = 10 * US;
        rig_start(r);
        submit(r, VIRTIO_BLK_T_IN, 0, 512);
        ck_assert_int_eq(sim_run_until(r->sim, 5 * US), 0);
        ck_assert_uint_eq(counter(r, "notifications"), 1);
        return r;
}

static void put16(struct rig *r, uint64_t gpa, uint16_t v)
{
        uint8_t *p = vq_sim_host(&r->mem, gpa, 2);

        ck_assert_ptr_nonnull(p);
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
}

static void expect_backend_broken(struct rig *r, int code)
{
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_int_eq(vdev_backend_broken(&r->v), code);
        ck_assert_str_eq(vq_strerror(vdev_backend_broken(&r->v)), vq_strerror(code));
        ck_assert_uint_eq(r->completions, 0);
        ck_assert_uint_eq(vdev_outstanding(&r->v), 1);
}

/* test_split_next_range: a NEXT descriptor whose next is 8 in a queue of 8. The request's
 * chain is 0 -> 1 -> 2; descriptor 0's next field (offset 14) becomes 8. */
START_TEST(test_corrupt_next_range)
{
        struct rig *r = published_request();

        put16(r, BASE + 14, 8);
        expect_backend_broken(r, VQ_ENEXT);
        rig_free(r);
}
END_TEST

/* test_split_avail_jump: avail idx 9 with nothing in flight in a queue of 8. The avail ring is
 * on the page after the descriptors; idx at offset 2. */
START_TEST(test_corrupt_avail_jump)
{
        struct rig *r = published_request();

        put16(r, BASE + 4096 + 2, 9);
        expect_backend_broken(r, VQ_EAVAILJUMP);
        rig_free(r);
}
END_TEST

/* test_split_head_range: ring[0] = 8 in a queue of 8 (avail offset 4). */
START_TEST(test_corrupt_head_range)
{
        struct rig *r = published_request();

        put16(r, BASE + 4096 + 4, 8);
        expect_backend_broken(r, VQ_EHEAD);
        rig_free(r);
}
END_TEST

/* test_used_id_range (split): the device returns id 8 of 8. The backend pushes; before the
 * interrupt (100 us) reaches the guest, used ring[0].id (used page offset 4) becomes 8: the
 * driver breaks with VQ_EUSEDID and the request never completes. */
START_TEST(test_corrupt_used_id)
{
        struct rig *r = rig_new(8, false, true);
        uint8_t *id;

        r->config.interrupt_ps = 100 * US;
        rig_start(r);
        submit(r, VIRTIO_BLK_T_IN, 0, 512);
        ck_assert_int_eq(sim_run_until(r->sim, 50 * US), 0);
        ck_assert_uint_eq(counter(r, "interrupts"), 1);
        id = vq_sim_host(&r->mem, BASE + 2u * 4096u + 4u, 4);
        ck_assert_ptr_nonnull(id);
        ck_assert_uint_eq(id[0], 0);
        id[0] = 8;
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_int_eq(vdev_driver_broken(&r->v), VQ_EUSEDID);
        ck_assert_str_eq(vq_strerror(vdev_driver_broken(&r->v)), vq_strerror(VQ_EUSEDID));
        ck_assert_uint_eq(r->completions, 0);
        rig_free(r);
}
END_TEST

static Suite *io_vdev_suite(void)
{
        Suite *s = suite_create("io_vdev");
        TCase *tc = tcase_create("core");

        tcase_set_timeout(tc, 60);
        tcase_add_test(tc, test_idle_read_latency);
        tcase_add_test(tc, test_transport_hooks);
        tcase_add_test(tc, test_blk_validation);
        tcase_add_test(tc, test_blk_queue_depth_overlap);
        tcase_add_test(tc, test_event_idx_suppression);
        tcase_add_test(tc, test_polling_backend);
        tcase_add_test(tc, test_workload_mix_and_determinism);
        tcase_add_test(tc, test_split_vs_packed_misses);
        tcase_add_test(tc, test_corrupt_next_range);
        tcase_add_test(tc, test_corrupt_avail_jump);
        tcase_add_test(tc, test_corrupt_head_range);
        tcase_add_test(tc, test_corrupt_used_id);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(io_vdev_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
