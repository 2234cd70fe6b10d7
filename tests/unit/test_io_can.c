/*
 * can_bus and vdev_can: exact classic CAN frame bit counts (CRC-15 and bit stuffing on the real
 * bits), arbitration by lowest identifier, and the virtio-can TX path through a vdev.
 */
#include <check.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "models/io/can_bus.h"
#include "models/io/vdev.h"
#include "models/io/vdev_can.h"
#include "models/io/vq_sim_mem.h"
#include "tests/io/io_test_config.h"
#include "sim/metrics.h"
#include "sim/rng.h"
#include "sim/sim.h"

#define US 1000000ull /* ps */
/* 500 kbit/s: one bit is 2 us. */
#define BIT_PS (2 * US)

static struct can_frame std_frame(uint32_t id, uint8_t len, const uint8_t *data)
{
        struct can_frame f = { .id = id, .len = len };

        if (data != NULL)
                memcpy(f.data, data, len);
        return f;
}

/* ---- frame bits --------------------------------------------------------------------------- */

/*
 * Standard data frame, id 0x123, 8 bytes 11 22 33 44 55 66 77 88. Unstuffed bits SOF..data:
 *   SOF 0 | id 001 0010 0011 | RTR 0 IDE 0 r0 0 | DLC 1000 |
 *   00010001 00100010 00110011 01000100 01010101 01100110 01110111 10001000
 * = 1 + 11 + 3 + 4 + 64 = 83 bits; CRC-15 over them (the ISO 11898-1 shift register,
 * polynomial 0x4599, worked with a separate script) = 0x4237 = 100001000110111, so SOF..CRC is
 * 98 bits. Runs of equal bits: the longest besides one are "000" (id) and "1111" (the end of
 * 0x77 and the start of 0x88) and "0000" (CRC); the only run of five is the three zeros at the
 * end of the DLC (1000) followed by the first two of 0x11 (00010001): one stuff bit (a 1)
 * after the fifth zero; the sixth zero then starts a new run. Frame = 98 + 1 + 10 (CRC
 * delimiter, ACK slot, ACK delimiter, 7 EOF) = 109 bits, 112 with the 3-bit intermission.
 */
START_TEST(test_bits_0x123_8_bytes)
{
        static const uint8_t data[8] = { 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88 };
        struct can_frame f = std_frame(0x123, 8, data);
        struct can_frame_bits b;

        ck_assert_int_eq(can_frame_bits(&f, &b), 0);
        ck_assert_uint_eq(b.crc, 0x4237);
        ck_assert_uint_eq(b.unstuffed, 98);
        ck_assert_uint_eq(b.stuff, 1);
        ck_assert_uint_eq(b.frame, 109);
        ck_assert_uint_eq(b.total, 112);
}
END_TEST

/*
 * Same id, 8 zero bytes: after "0 00100100011 000 1000" the 64 data zeros continue the DLC's
 * three zeros: 67 zeros in a row. Stuffing: the first stuff bit after 5 zeros (3 + 2 of the
 * data), then every 5 further zeros one more (the stuff bit 1 breaks the run): the remaining
 * 62 zeros give 12 more (60 of them), leaving 2 zeros; the CRC 0x044e = 000010001001110
 * starts with 4 zeros: 2 + 4 = 6 zeros -> one more stuff bit after the 5th (the CRC's third
 * zero), then "0 1 000 1 00 111 0" has no run of five. 1 + 12 + 1 = 14 stuff bits;
 * 98 + 14 + 13 = 125 bits.
 */
START_TEST(test_bits_zero_data)
{
        static const uint8_t zeros[8] = { 0 };
        struct can_frame f = std_frame(0x123, 8, zeros);
        struct can_frame_bits b;

        ck_assert_int_eq(can_frame_bits(&f, &b), 0);
        ck_assert_uint_eq(b.crc, 0x044e);
        ck_assert_uint_eq(b.stuff, 14);
        ck_assert_uint_eq(b.total, 125);
}
END_TEST

/*
 * id 0x7ff, DLC 0: SOF 0, then eleven 1s: stuff 0 after five 1s, the next five 1s (the stuff
 * bit 0 starts a run of one 0) stuff another 0, the 11th 1 then RTR 0 IDE 0 r0 0 DLC 0000: one
 * 1 then 7 zeros: stuff 1 after five zeros, then two zeros and the CRC 0x272f =
 * 010011100101111 ("00" + "0" = 3 zeros, then 1, "00", "111", "00", "1", "0", "1111": no run
 * of five). 3 stuff bits; 19 + 15 = 34 unstuffed; 34 + 3 + 13 = 50 bits.
 */
START_TEST(test_bits_0x7ff_empty)
{
        struct can_frame f = std_frame(0x7ff, 0, NULL);
        struct can_frame_bits b;

        ck_assert_int_eq(can_frame_bits(&f, &b), 0);
        ck_assert_uint_eq(b.crc, 0x272f);
        ck_assert_uint_eq(b.unstuffed, 34);
        ck_assert_uint_eq(b.stuff, 3);
        ck_assert_uint_eq(b.total, 50);
}
END_TEST

/* Extended: SOF, 11 base bits, SRR, IDE, 18 bits, RTR, r1, r0, DLC = 39 bits before the data;
 * 4 data bytes 0xaa (alternating) and the CRC: 39 + 32 + 15 = 86 unstuffed. */
START_TEST(test_bits_extended)
{
        struct can_frame f = { .id = 0x12345678, .extended = true, .len = 4 };
        struct can_frame_bits b;

        memset(f.data, 0xaa, 4);
        ck_assert_int_eq(can_frame_bits(&f, &b), 0);
        ck_assert_uint_eq(b.unstuffed, 86);
        ck_assert_uint_eq(b.total, 86 + b.stuff + 13);
        /* An 11-bit id cannot exceed 0x7ff; a classic frame carries at most 8 bytes. */
        f = std_frame(0x800, 0, NULL);
        ck_assert_int_eq(can_frame_bits(&f, &b), -EINVAL);
        f = std_frame(0x100, 9, NULL);
        ck_assert_int_eq(can_frame_bits(&f, &b), -EINVAL);
}
END_TEST

/* A CRC's defining property: the CRC of the message followed by its own CRC is 0. And the
 * worst case of Davis et al. (2007), 8n + 47 + floor((34 + 8n - 1) / 4) bits with the
 * intermission, 135 for a standard frame of 8 bytes, bounds every frame; the fewest is the
 * unstuffed 111. Over 2000 seeded random frames. */
START_TEST(test_bits_bounds_and_crc_residue)
{
        struct rng rng;

        rng_init_named(&rng, 42, "can-frames");
        for (unsigned i = 0; i < 2000; i++) {
                struct can_frame f = { .id = (uint32_t)rng_range(&rng, 0, 0x7ff), .len = 8 };
                struct can_frame_bits b;
                uint8_t bits[98];
                unsigned n = 0;

                for (unsigned k = 0; k < 8; k++)
                        f.data[k] = (uint8_t)rng_range(&rng, 0, 255);
                ck_assert_int_eq(can_frame_bits(&f, &b), 0);
                ck_assert_uint_le(b.total, 135);
                ck_assert_uint_ge(b.total, 111);
                /* Rebuild SOF..data by hand, then append the CRC. */
                bits[n++] = 0;
                for (unsigned k = 11; k-- > 0;)
                        bits[n++] = (uint8_t)(f.id >> k & 1u);
                bits[n++] = 0;
                bits[n++] = 0;
                bits[n++] = 0;
                for (unsigned k = 4; k-- > 0;)
                        bits[n++] = (uint8_t)(8u >> k & 1u);
                for (unsigned d = 0; d < 8; d++)
                        for (unsigned k = 8; k-- > 0;)
                                bits[n++] = (uint8_t)((unsigned)f.data[d] >> k & 1u);
                ck_assert_uint_eq(can_crc15(bits, n), b.crc);
                for (unsigned k = 15; k-- > 0;)
                        bits[n++] = (uint8_t)((unsigned)b.crc >> k & 1u);
                ck_assert_uint_eq(can_crc15(bits, n), 0);
        }
}
END_TEST

/* ---- CAN FD ------------------------------------------------------------------------------- */

/*
 * FD standard frame id 0x123, 12 bytes 0x55, bit-rate switch. Bits: SOF 0 | id 00100100011 |
 * RRS 0 | IDE 0 | FDF 1 | res 0 | BRS 1 | ESI 0 | DLC 1001 (12 bytes) | 12 x 01010101. No run
 * of five equal bits (the longest: "000" at the start), so no dynamic stuff bit. SOF..data
 * 22 + 96 = 118 bits, stuff count 4, CRC-17 (up to 16 bytes): 139 unstuffed; fixed stuff
 * bits ceil((4 + 17) / 4) = 6; + 10 tail + 3 intermission = 158. Nominal rate: SOF..BRS (17)
 * and CRC delimiter..intermission (13) = 30; data rate: ESI, DLC, data, stuff count, CRC and
 * fixed stuff bits = 1 + 4 + 96 + 4 + 17 + 6 = 128. At 500 kbit/s and 2 Mbit/s:
 * 30 x 2 us + 128 x 0.5 us = 124 us; without switching 158 x 2 us = 316 us.
 */
START_TEST(test_fd_bits_12_bytes)
{
        struct sim *sim = sim_create(NULL);
        struct can_bus_config cfg = { .bit_rate = 500000, .data_bit_rate = 2000000, .nodes = 1 };
        struct can_bus bus;
        struct can_frame f = { .id = 0x123, .fd = true, .brs = true, .len = 12 };
        struct can_frame_bits b;

        ck_assert_int_eq(can_bus_init(&bus, sim, &cfg), 0);
        memset(f.data, 0x55, 12);
        ck_assert_int_eq(can_frame_bits(&f, &b), 0);
        ck_assert_uint_eq(b.unstuffed, 139);
        ck_assert_uint_eq(b.stuff, 6);
        ck_assert_uint_eq(b.total, 158);
        ck_assert_uint_eq(b.nominal, 30);
        ck_assert_uint_eq(b.data, 128);
        ck_assert_uint_eq(can_bus_frame_ps(&bus, &b), 124 * US);
        f.brs = false;
        ck_assert_int_eq(can_frame_bits(&f, &b), 0);
        ck_assert_uint_eq(b.data, 0);
        ck_assert_uint_eq(can_bus_frame_ps(&bus, &b), 316 * US);
        sim_destroy(sim);
}
END_TEST

/*
 * 64 bytes 0x55: CRC-21, fixed stuff bits ceil((4 + 21) / 4) = 7; 22 + 512 + 4 + 21 = 559
 * unstuffed, 559 + 7 + 13 = 579 bits, 30 nominal and 549 at the data rate.
 * One byte 0x1f: DLC 0001, data 00011111: ESI and DLC give "0000" then 1, the data "000" then
 * "11111" ends the data field with a run of five: the stuff bit it calls for falls where the
 * first fixed stuff bit goes and is not added. 22 + 8 + 4 + 17 = 51 unstuffed, 6 fixed,
 * 51 + 6 + 13 = 70 bits (a classic frame would add that stuff bit).
 * Lengths 9-11 have no DLC code; FD frames have no remote form.
 */
START_TEST(test_fd_bits_lengths)
{
        struct can_frame f = { .id = 0x123, .fd = true, .brs = true, .len = 64 };
        struct can_frame_bits b;

        memset(f.data, 0x55, 64);
        ck_assert_int_eq(can_frame_bits(&f, &b), 0);
        ck_assert_uint_eq(b.unstuffed, 559);
        ck_assert_uint_eq(b.stuff, 7);
        ck_assert_uint_eq(b.total, 579);
        ck_assert_uint_eq(b.nominal, 30);
        ck_assert_uint_eq(b.data, 549);
        f.len = 1;
        f.data[0] = 0x1f;
        ck_assert_int_eq(can_frame_bits(&f, &b), 0);
        ck_assert_uint_eq(b.unstuffed, 51);
        ck_assert_uint_eq(b.stuff, 6);
        ck_assert_uint_eq(b.total, 70);
        ck_assert_int_eq(can_fd_dlc(12), 9);
        ck_assert_int_eq(can_fd_dlc(64), 15);
        ck_assert_int_eq(can_fd_dlc(9), -1);
        f.len = 9;
        ck_assert_int_eq(can_frame_bits(&f, &b), -EINVAL);
        f.len = 8;
        f.rtr = true;
        ck_assert_int_eq(can_frame_bits(&f, &b), -EINVAL);
}
END_TEST

/* ---- arbitration -------------------------------------------------------------------------- */

struct done_log {
        uint32_t ids[8];
        sim_time_t ends[8];
        unsigned count;
};

static struct done_log *log_of;

static void log_done(struct sim *sim, struct can_tx *tx, sim_time_t end_ps)
{
        (void)sim;
        log_of->ids[log_of->count] = tx->frame.id;
        log_of->ends[log_of->count++] = end_ps;
}

struct late_submit {
        struct can_bus *bus;
        struct can_tx *tx;
};

static void submit_late(struct sim *sim, void *arg)
{
        struct late_submit *l = arg;

        (void)sim;
        ck_assert_int_eq(can_bus_submit(l->bus, 3, l->tx), 0);
}

/*
 * Data frames with DLC 0 (bit counts by the same working as above): 0x100, 0x200 and 0x300
 * each 34 unstuffed + 4 stuff + 13 = 51 bits (102 us at 500 kbit/s); 0x0ff 34 + 3 + 13 = 50
 * bits (100 us). At t=0 node 2 queues 0x300, node 0 0x200, node 1 0x100: 0x100 wins (ends
 * 102 us). At 50 us node 3 queues 0x0ff: it joins the next arbitration and beats 0x200 (ends
 * 102 + 100 = 202 us), then 0x200 (304 us), then 0x300 (406 us).
 */
START_TEST(test_arbitration_order)
{
        struct sim *sim = sim_create(NULL);
        struct can_bus_config cfg = { .bit_rate = 500000, .nodes = 4 };
        struct can_bus bus;
        struct can_tx tx[4];
        struct done_log log = { .count = 0 };
        struct late_submit late = { &bus, &tx[3] };
        static const uint32_t ids[4] = { 0x200, 0x100, 0x300, 0x0ff };
        static const uint32_t order[4] = { 0x100, 0x0ff, 0x200, 0x300 };
        static const sim_time_t ends[4] = { 102 * US, 202 * US, 304 * US, 406 * US };

        ck_assert_ptr_nonnull(sim);
        log_of = &log;
        ck_assert_int_eq(can_bus_init(&bus, sim, &cfg), 0);
        for (unsigned i = 0; i < 4; i++)
                tx[i] = (struct can_tx){ .frame = std_frame(ids[i], 0, NULL), .done = log_done };
        ck_assert_int_eq(can_bus_submit(&bus, 2, &tx[2]), 0);
        ck_assert_int_eq(can_bus_submit(&bus, 0, &tx[0]), 0);
        ck_assert_int_eq(can_bus_submit(&bus, 1, &tx[1]), 0);
        sim_schedule(sim, 50 * US, submit_late, &late);
        ck_assert_int_eq(sim_run(sim), 0);
        ck_assert_uint_eq(log.count, 4);
        for (unsigned i = 0; i < 4; i++) {
                ck_assert_uint_eq(log.ids[i], order[i]);
                ck_assert_uint_eq(log.ends[i], ends[i]);
        }
        ck_assert_uint_eq(bus.stats.frames, 4);
        ck_assert_uint_eq(bus.stats.bits, 51 + 50 + 51 + 51);
        /* Losers: 2 at t=0, 2 at 102 us, 1 at 202 us. */
        ck_assert_uint_eq(bus.stats.arbitrations_lost, 5);
        sim_destroy(sim);
}
END_TEST

/* A standard data frame beats an extended frame with the same base id (its RTR bit is
 * dominant where the extended frame sends a recessive SRR); a standard remote frame still beats
 * it at IDE. Extended frames compare on their 18 low bits next. */
START_TEST(test_arbitration_keys)
{
        struct can_frame std_data = std_frame(0x100, 0, NULL);
        struct can_frame std_rtr = std_data;
        struct can_frame ext_a = { .id = 0x100u << 18 | 5u, .extended = true };
        struct can_frame ext_b = { .id = 0x100u << 18 | 6u, .extended = true };
        struct can_frame lower = std_frame(0x0ff, 0, NULL);

        std_rtr.rtr = true;
        ck_assert_uint_lt(can_arbitration_key(&std_data), can_arbitration_key(&std_rtr));
        ck_assert_uint_lt(can_arbitration_key(&std_rtr), can_arbitration_key(&ext_a));
        ck_assert_uint_lt(can_arbitration_key(&ext_a), can_arbitration_key(&ext_b));
        ck_assert_uint_lt(can_arbitration_key(&lower), can_arbitration_key(&std_data));
        struct can_frame next_base = std_frame(0x101, 0, NULL);

        ck_assert_uint_lt(can_arbitration_key(&ext_b), can_arbitration_key(&next_base));
}
END_TEST

/* ---- virtio-can through a vdev ------------------------------------------------------------ */

#define BASE 0x80000000ull
#define BUFS (BASE + 0x10000u)

static struct vq_sim_config sim_config;

struct can_rig {
        struct sim *sim;
        struct metrics *metrics;
        struct vq_sim_mem mem;
        struct can_bus_config bus_config;
        struct can_bus bus;
        struct vdev_can_config can_config;
        struct vdev_can can;
        struct vdev_config config;
        struct vdev v;
        int status[8];
        uint64_t ids[8];
        unsigned completions;
};

static void can_completed(void *ctx, struct vdev *v, const struct vdev_io *io, int status,
                          sim_time_t end_ps)
{
        struct can_rig *r = ctx;

        (void)v;
        (void)end_ps;
        r->status[r->completions] = status;
        r->ids[r->completions++] = io->address;
}

static struct can_rig *can_rig_new(enum can_node_order order, bool fd)
{
        struct can_rig *r = calloc(1, sizeof(*r));

        ck_assert_ptr_nonnull(r);
        r->sim = sim_create(NULL);
        r->metrics = metrics_create();
        r->bus_config =
            (struct can_bus_config){ .bit_rate = 500000, .data_bit_rate = 2000000, .nodes = 2 };
        r->can_config =
            (struct vdev_can_config){ .node = 0, .fd_frames = fd, .fd_bit_rate_switch = fd };
        r->bus_config.order[0] = order;
        r->config = (struct vdev_config){ .name = "can0",
                                          .ops = &vdev_can_ops,
                                          .model = &r->can,
                                          .queue_size = 16,
                                          .event_idx = true,
                                          .ring_gpa = BASE,
                                          .buffers_gpa = BUFS,
                                          .slot_bytes = 128,
                                          .notify_ps = 1 * US,
                                          .interrupt_ps = 1 * US,
                                          .backend_dispatch_ps = 2 * US };
        sim_config = io_test_sim_config(1u << 20);
        ck_assert_int_eq(vq_sim_init(&r->mem, &sim_config), 0);
        ck_assert_int_eq(can_bus_init(&r->bus, r->sim, &r->bus_config), 0);
        ck_assert_int_eq(vdev_can_init(&r->can, &r->can_config, &r->bus, 16), 0);
        ck_assert_int_eq(vdev_init(&r->v, &r->config, r->sim, &r->mem, r->metrics, NULL), 0);
        vdev_set_completion(&r->v, can_completed, r);
        return r;
}

static void can_rig_free(struct can_rig *r)
{
        vdev_fini(&r->v);
        vdev_can_fini(&r->can);
        vq_sim_fini(&r->mem);
        metrics_destroy(r->metrics);
        sim_destroy(r->sim);
        free(r);
}

static void can_send(struct can_rig *r, uint32_t id, uint32_t len, uint32_t flags)
{
        struct vdev_io io = { .op = VIRTIO_CAN_TX, .address = id, .bytes = len, .flags = flags };

        ck_assert_int_eq(vdev_submit(&r->v, &io), 0);
}

/*
 * One virtio-can TX of id 0x123 with 8 bytes 0x23 .. 0x2a (the driver's payload pattern) on an
 * idle bus. SOF..data: 0 00100100011 000 1000 then 00100011 00100100 00100101 00100110
 * 00100111 00101000 00101001 00101010; CRC 0x0d67 = 000110101100111 (same script). Runs of
 * five: the DLC's "000" + the first "00" of 0x23 (stuff 1); 0x28 = 00101000 ends "000" and
 * 0x29 = 00101001 starts "00" (stuff 1); 0x2a ends "0" and the CRC starts "000": four, no
 * stuff. 2 stuff bits: 98 + 2 + 13 = 113 bits = 226 us at 500 kbit/s, the request's device
 * phase exactly (the bus is idle when the backend queues the frame).
 * A frame with the FD flag (not negotiated) or RTR (VIRTIO_CAN_F_RTR_FRAMES not negotiated) is
 * answered VIRTIO_CAN_RESULT_NOT_OK and never reaches the bus.
 */
START_TEST(test_virtio_can_tx)
{
        struct can_rig *r = can_rig_new(CAN_NODE_FIFO, false);
        const struct metric *device = metrics_find(r->metrics, "dev/can0", "phase_device");
        const uint8_t *msg = vq_sim_host(&r->mem, BUFS, 24);

        can_send(r, 0x123, 8, 0);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->completions, 1);
        ck_assert_int_eq(r->status[0], VIRTIO_CAN_RESULT_OK);
        ck_assert_uint_eq(device->histogram.max, 113 * BIT_PS);
        ck_assert_uint_eq(r->bus.stats.frames, 1);
        ck_assert_uint_eq(r->bus.stats.stuff_bits, 2);
        /* The request in guest memory is the spec's struct virtio_can_tx_out. */
        ck_assert_uint_eq(vdev_get_le(msg, 2), VIRTIO_CAN_TX);
        ck_assert_uint_eq(vdev_get_le(msg + 2, 2), 8);
        ck_assert_uint_eq(vdev_get_le(msg + 12, 4), 0x123);
        ck_assert_uint_eq(msg[16], 0x23);

        can_send(r, 0x124, 8, VIRTIO_CAN_FLAGS_FD);
        can_send(r, 0x125, 0, VIRTIO_CAN_FLAGS_RTR);
        can_send(r, 0x800, 0, 0); /* 12-bit id in a standard frame */
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->completions, 4);
        for (unsigned i = 1; i < 4; i++)
                ck_assert_int_eq(r->status[i], VIRTIO_CAN_RESULT_NOT_OK);
        ck_assert_uint_eq(r->bus.stats.frames, 1);
        ck_assert_uint_eq(r->can.stats.rejected, 3);
        can_rig_free(r);
}
END_TEST

/*
 * Two TX requests (0x300 then 0x100) sent while another ECU (node 1) holds the bus with a
 * frame from t=0 (0x050, 8 zero bytes: 34 + 64 unstuffed, at least 200 us on the wire). Both
 * reach the controller (node 0) before the bus is free. With a FIFO controller queue 0x300
 * goes first; with priority-sorted mailboxes 0x100 does.
 */
static void run_blocked(enum can_node_order order, uint64_t *first, uint64_t *second)
{
        struct can_rig *r = can_rig_new(order, false);
        struct can_frame blocker = std_frame(0x050, 8, NULL);

        ck_assert_int_eq(vdev_can_add_periodic(&r->can, 1, &blocker, 0, 10000 * US), 0);
        can_send(r, 0x300, 2, 0);
        can_send(r, 0x100, 2, 0);
        ck_assert_int_eq(sim_run_until(r->sim, 2000 * US), 0);
        ck_assert_uint_eq(r->completions, 2);
        ck_assert_uint_eq(r->can.periodic[0].sent, 1);
        ck_assert_uint_eq(r->bus.stats.frames, 3);
        *first = r->ids[0];
        *second = r->ids[1];
        can_rig_free(r);
}

START_TEST(test_virtio_can_controller_order)
{
        uint64_t first, second;

        run_blocked(CAN_NODE_FIFO, &first, &second);
        ck_assert_uint_eq(first, 0x300);
        ck_assert_uint_eq(second, 0x100);
        run_blocked(CAN_NODE_PRIORITY, &first, &second);
        ck_assert_uint_eq(first, 0x100);
        ck_assert_uint_eq(second, 0x300);
}
END_TEST

/*
 * With VIRTIO_CAN_F_CAN_FD negotiated and bit-rate switching on: an FD request of 12 bytes
 * (the driver's pattern 0x23 .. 0x2e) is sent as the FD frame those bytes make: its device
 * phase is that frame's bus time (can_frame_bits, tested above). Refused: an FD length
 * without a DLC code (9) and an FD remote frame.
 */
START_TEST(test_virtio_can_fd)
{
        struct can_rig *r = can_rig_new(CAN_NODE_FIFO, true);
        const struct metric *device = metrics_find(r->metrics, "dev/can0", "phase_device");
        struct can_frame f = { .id = 0x123, .fd = true, .brs = true, .len = 12 };
        struct can_frame_bits b;

        for (unsigned i = 0; i < 12; i++)
                f.data[i] = (uint8_t)(0x23 + i);
        ck_assert_int_eq(can_frame_bits(&f, &b), 0);
        can_send(r, 0x123, 12, VIRTIO_CAN_FLAGS_FD);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->completions, 1);
        ck_assert_int_eq(r->status[0], VIRTIO_CAN_RESULT_OK);
        ck_assert_uint_eq(device->histogram.max, can_bus_frame_ps(&r->bus, &b));
        ck_assert_uint_gt(b.data, 0);
        can_send(r, 0x124, 9, VIRTIO_CAN_FLAGS_FD);
        can_send(r, 0x125, 8, VIRTIO_CAN_FLAGS_FD | VIRTIO_CAN_FLAGS_RTR);
        ck_assert_int_eq(sim_run(r->sim), 0);
        ck_assert_uint_eq(r->completions, 3);
        ck_assert_int_eq(r->status[1], VIRTIO_CAN_RESULT_NOT_OK);
        ck_assert_int_eq(r->status[2], VIRTIO_CAN_RESULT_NOT_OK);
        ck_assert_uint_eq(r->bus.stats.frames, 1);
        can_rig_free(r);
}
END_TEST

static Suite *io_can_suite(void)
{
        Suite *s = suite_create("io_can");
        TCase *tc = tcase_create("core");

        tcase_add_test(tc, test_bits_0x123_8_bytes);
        tcase_add_test(tc, test_bits_zero_data);
        tcase_add_test(tc, test_bits_0x7ff_empty);
        tcase_add_test(tc, test_bits_extended);
        tcase_add_test(tc, test_bits_bounds_and_crc_residue);
        tcase_add_test(tc, test_fd_bits_12_bytes);
        tcase_add_test(tc, test_fd_bits_lengths);
        tcase_add_test(tc, test_arbitration_order);
        tcase_add_test(tc, test_arbitration_keys);
        tcase_add_test(tc, test_virtio_can_tx);
        tcase_add_test(tc, test_virtio_can_controller_order);
        tcase_add_test(tc, test_virtio_can_fd);
        suite_add_tcase(s, tc);
        return s;
}

int main(void)
{
        SRunner *sr = srunner_create(io_can_suite());
        int failed;

        srunner_run_all(sr, CK_NORMAL);
        failed = srunner_ntests_failed(sr);
        srunner_free(sr);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
