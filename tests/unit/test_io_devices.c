/*
 * vdev_net, vdev_console, vdev_rng behind a vdev: the service time each charges (worked from
 * the framing and rates by hand), FIFO queueing on the link, and header validation.
 */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "models/io/vdev.h"
#include "models/io/vdev_console.h"
#include "models/io/vdev_net.h"
#include "models/io/vdev_rng.h"
#include "models/io/vq_sim_mem.h"
#include "tests/io/io_test_config.h"
#include "sim/metrics.h"
#include "sim/sim.h"

#define BASE 0x80000000ull
#define BUFS (BASE + 0x10000u)
#define US   1000000ull

static struct vq_sim_config sim_config;

struct rig {
        struct sim *sim;
        struct metrics *metrics;
        struct vq_sim_mem mem;
        struct vdev_config config;
        struct vdev v;
        int status[16];
        unsigned completions;
};

static void completed(void *ctx, struct vdev *v, const struct vdev_io *io, int status,
                      sim_time_t end_ps)
{
        struct rig *r = ctx;

        (void)v;
        (void)io;
        (void)end_ps;
        r->status[r->completions++] = status;
}

static struct rig *rig_new(const struct vdev_device_ops *ops, void *model)
{
        struct rig *r = calloc(1, sizeof(*r));

        ck_assert_ptr_nonnull(r);
        r->sim = sim_create(NULL);
        r->metrics = metrics_create();
        r->config = (struct vdev_config){ .name = "d",
                                          .ops = ops,
                                          .model = model,
                                          .queue_size = 16,
                                          .event_idx = true,
                                          .ring_gpa = BASE,
                                          .buffers_gpa = BUFS,
                                          .slot_bytes = 2048,
                                          .notify_ps = 1 * US,
                                          .interrupt_ps = 1 * US,
                                          .backend_dispatch_ps = 2 * US };
        sim_config = io_test_sim_config(1u << 20);
        ck_assert_int_eq(vq_sim_init(&r->mem, &sim_config), 0);
        ck_assert_int_eq(vdev_init(&r->v, &r->config, r->sim, &r->mem, r->metrics, NULL), 0);
        vdev_set_completion(&r->v, completed, r);
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

static void send(struct rig *r, uint32_t bytes, uint32_t flags)
{
        struct vdev_io io = { .bytes = bytes, .flags = flags };

        ck_assert_int_eq(vdev_submit(&r->v, &io), 0);
}

static const struct histogram *device_phase(const struct rig *r)
{
        const struct metric *m = metrics_find(r->metrics, "dev/d", "phase_device");

        ck_assert_ptr_nonnull(m);
        return &m->histogram;
}

/*
 * 100 Mbit/s. A 60-byte frame (the shortest an Ethernet stack sends: 64 with FCS) takes
 * 8 preamble/SFD + 64 + 12 gap = 84 bytes = 672 bits = 6.72 us. A 1514-byte frame (MTU 1500 +
 * 14-byte header) takes 8 + 1518 + 12 = 1538 bytes = 12304 bits = 123.04 us. A 30-byte frame is
 * padded to the 64-byte minimum: 6.72 us too.
 */
START_TEST(test_net_wire_time)
{
        struct vdev_net net;
        struct rig *r = rig_new(&vdev_net_ops, &net);

        ck_assert_uint_eq(vdev_net_wire_bytes(60), 84);
        ck_assert_uint_eq(vdev_net_wire_bytes(30), 84);
        ck_assert_uint_eq(vdev_net_wire_bytes(1514), 1538);
        ck_assert_int_eq(vdev_net_init(&net, &vdev_net_default_config), 0);
        send(r, 60, 0);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(device_phase(r)->max, 6720000);
        send(r, 1514, 0);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(device_phase(r)->max, 123040000);
        ck_assert_uint_eq(net.stats.frames, 2);
        ck_assert_uint_eq(net.stats.wire_bytes, 84 + 1538);
        rig_free(r);
}
END_TEST

/* Ten 1514-byte frames at once: the link sends them back to back, so the last leaves at least
 * 10 x 123.04 us after the first started, and the longest device phase holds the 9 frames
 * ahead of it: more than 9 x 123.04 us. The link never runs faster than its rate: wire bytes
 * = 10 x 1538. */
START_TEST(test_net_link_queueing)
{
        struct vdev_net net;
        struct rig *r = rig_new(&vdev_net_ops, &net);

        ck_assert_int_eq(vdev_net_init(&net, &vdev_net_default_config), 0);
        for (unsigned i = 0; i < 10; i++)
                send(r, 1514, 0);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->completions, 10);
        ck_assert_uint_eq(net.stats.wire_bytes, 15380);
        ck_assert_uint_gt(device_phase(r)->max, 9 * 123040000ull);
        ck_assert_uint_ge(sim_now(r->sim), 10 * 123040000ull);
        rig_free(r);
}
END_TEST

/* The header asks for a checksum offload this device did not offer (flags NEEDS_CSUM): the
 * frame is dropped, not sent; a frame over MTU + 14 too. The buffers still come back. */
START_TEST(test_net_header_validation)
{
        struct vdev_net net;
        struct rig *r = rig_new(&vdev_net_ops, &net);

        ck_assert_int_eq(vdev_net_init(&net, &vdev_net_default_config), 0);
        send(r, 60, VIRTIO_NET_HDR_F_NEEDS_CSUM);
        send(r, 1515, 0);
        send(r, 100, 0);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->completions, 3);
        ck_assert_uint_eq(net.stats.dropped, 2);
        ck_assert_uint_eq(net.stats.frames, 1);
        rig_free(r);
}
END_TEST

/* 100 characters at 115200 baud 8N1: 1000 bits / 115200 bit/s = 8680.5556 us
 * (8 680 555 555.6 ps, rounded to 8 680 555 556). The bytes in guest memory are the text. */
START_TEST(test_console_byte_rate)
{
        struct vdev_console con;
        struct rig *r = rig_new(&vdev_console_ops, &con);
        const uint8_t *text = vq_sim_host(&r->mem, BUFS, 100);

        ck_assert_int_eq(vdev_console_init(&con, &vdev_console_default_config), 0);
        send(r, 100, 0);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->completions, 1);
        ck_assert_uint_eq(device_phase(r)->max, 8680555556ull);
        ck_assert_uint_eq(con.chars, 100);
        ck_assert_uint_eq(text[0], 'a');
        ck_assert_uint_eq(text[27], 'b');
        rig_free(r);
}
END_TEST

/* 64 bytes at 1 MB/s = 64 us; two requests queue: the second's device phase is 128 us less the
 * time between the two pop steps' ends (the second pop step, under 100 ns here). The
 * buffer holds the stream's bytes (not all equal) and the used length is the full 64. */
START_TEST(test_rng_entropy_rate)
{
        struct vdev_rng rng;
        struct rig *r = rig_new(&vdev_rng_ops, &rng);
        const uint8_t *buf = vq_sim_host(&r->mem, BUFS, 64);
        unsigned distinct = 0;

        ck_assert_int_eq(vdev_rng_init(&rng, &vdev_rng_default_config), 0);
        send(r, 64, 0);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(device_phase(r)->max, 64 * US);
        ck_assert_int_eq(r->status[0], 0);
        for (unsigned i = 1; i < 64; i++)
                distinct += buf[i] != buf[0];
        ck_assert_uint_gt(distinct, 0);
        ck_assert_uint_eq(rng.bytes, 64);
        send(r, 64, 0);
        send(r, 64, 0);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->completions, 3);
        ck_assert_uint_le(device_phase(r)->max, 128 * US);
        ck_assert_uint_gt(device_phase(r)->max, 128 * US - 100000);
        rig_free(r);
}
END_TEST

static Suite *io_devices_suite(void)
{
        Suite *s = suite_create("io_devices");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_net_wire_time);
        tcase_add_test(tc, test_net_link_queueing);
        tcase_add_test(tc, test_net_header_validation);
        tcase_add_test(tc, test_console_byte_rate);
        tcase_add_test(tc, test_rng_entropy_rate);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(io_devices_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
