/*
 * can_bus: a classic CAN bus (ISO 11898-1) in simulated time: exact frame bit counts and
 * bitwise arbitration among the nodes' pending frames.
 *
 * Contract. can_frame_bits() builds the real bit sequence of a classic data or remote frame
 * (SOF, identifier, RTR/SRR, IDE, r0/r1, DLC, data, CRC-15 computed over those bits), applies
 * bit stuffing to it exactly as a transmitter does (after five equal bits a complementary bit is
 * inserted, and the stuff bit starts the next run; stuffing covers SOF through the CRC sequence)
 * and adds the fixed-form tail: CRC delimiter 1, ACK slot 1, ACK delimiter 1, end of frame 7 and
 * the intermission 3 before the bus is idle again. The bus: each node holds a queue of pending
 * frames (FIFO, or lowest identifier first like a controller with priority-sorted mailboxes);
 * whenever the bus is idle and any node has a frame pending, all nodes' first frames arbitrate
 * at that instant and the lowest arbitration field wins (dominant 0 beats recessive 1 bit by
 * bit: identifier, then RTR/SRR, then IDE, then the extended identifier bits), so a standard
 * data frame beats an extended frame with the same base identifier. Arbitration is decided in
 * a SIM_PRIO_LOW event, so every frame queued at the same simulated instant competes. The
 * winner occupies the bus for its stuffed bit count (with intermission) times the bit time; its
 * `done` callback runs at the end of the intermission.
 *
 * CAN FD (ISO 11898-1:2015 FD format): RRS, IDE, FDF, res, BRS, ESI, DLC (lengths 0-8, 12, 16,
 * 20, 24, 32, 48, 64), data; dynamic stuffing from SOF to the end of the data field (a stuff bit
 * due right after the last data bit is replaced by the first fixed stuff bit), then the stuff
 * count (4 bits) and the CRC (17 bits up to 16 data bytes, else 21) with fixed stuff bits: one
 * before the stuff count and one after every 4 further bits, ceil((4 + CRC length) / 4) = 6 or
 * 7 in all. The frame's length does not depend on the CRC value (the CRC field is fixed-
 * stuffed), so the FD CRC is not computed (`crc` is 0). With bit-rate switching (brs) the bits
 * after BRS up to the CRC delimiter go at data_bit_rate, the rest at bit_rate (the switch is
 * placed at bit boundaries, not at BRS's and the delimiter's sample points). FD frames have no
 * remote form.
 *
 * Not modelled: error frames, retransmission after errors, overload frames, bus-off, the
 * sample point and resynchronisation (frames start on the instant the bus becomes idle, not on
 * a bit boundary), the transceiver delay compensation of FD, CAN XL.
 */
#ifndef MOSAIC_IO_CAN_BUS_H
#define MOSAIC_IO_CAN_BUS_H

#include <stdbool.h>
#include <stdint.h>

#include "sim/sim.h"

#define CAN_STD_ID_MAX 0x7ffu
#define CAN_EXT_ID_MAX 0x1fffffffu
#define CAN_MAX_NODES  16u

#define CAN_FD_MAX_LEN 64u

struct can_frame {
        uint32_t id; /* 11-bit (standard) or 29-bit (extended) identifier */
        bool extended;
        bool rtr;                     /* classic remote frame: DLC = len, no data field */
        bool fd;                      /* CAN FD frame */
        bool brs;                     /* FD: data phase at the data bit rate */
        uint8_t len;                  /* classic 0..8; FD one of the DLC lengths */
        uint8_t data[CAN_FD_MAX_LEN]; /* data[0] is sent first, most significant bit first */
};

/* The bits of one frame on the wire. */
struct can_frame_bits {
        unsigned unstuffed; /* SOF .. last CRC bit (FD: with the stuff count), before stuffing */
        unsigned stuff;     /* stuff bits inserted (FD: dynamic + fixed) */
        unsigned frame;     /* SOF .. last EOF bit: unstuffed + stuff + 10 */
        unsigned total;     /* frame + 3 intermission bits: bus time of the frame */
        unsigned nominal;   /* bits of `total` at the nominal bit rate */
        unsigned data;      /* bits of `total` at the data bit rate (FD with BRS), else 0 */
        uint16_t crc;       /* classic: the 15-bit CRC field; FD: 0 */
};

/* FD: the DLC code of a data length, or -1 if the length has none. */
int can_fd_dlc(unsigned len);

/* CRC-15/CAN (x^15 + x^14 + x^10 + x^8 + x^7 + x^4 + x^3 + 1, initial 0) of `count` bits,
 * one bit per byte (0 or 1), in transmission order. */
uint16_t can_crc15(const uint8_t *bits, unsigned count);

/* 0 and *out filled, or -EINVAL (identifier too large for its format, classic len > 8, an FD
 * length without a DLC code, an FD remote frame). */
int can_frame_bits(const struct can_frame *frame, struct can_frame_bits *out);

/* The 32-bit arbitration key: lower wins (bits in transmission order, dominant = 0). */
uint32_t can_arbitration_key(const struct can_frame *frame);

struct can_tx;
typedef void (*can_tx_done_fn)(struct sim *sim, struct can_tx *tx, sim_time_t end_ps);

/* One frame to send; caller-owned until `done` runs. */
struct can_tx {
        struct can_frame frame;
        can_tx_done_fn done;
        void *ctx;
        /* set by the bus */
        sim_time_t queued_ps;
        sim_time_t start_ps;
        unsigned bits;
        struct can_tx *next;
};

enum can_node_order { CAN_NODE_FIFO = 0, CAN_NODE_PRIORITY = 1 };

struct can_bus_config {
        uint64_t bit_rate;      /* nominal (arbitration) bit/s, > 0 */
        uint64_t data_bit_rate; /* FD data phase with BRS; 0 = bit_rate */
        unsigned nodes;         /* 1..CAN_MAX_NODES */
        enum can_node_order order[CAN_MAX_NODES];
};

struct can_bus_stats {
        uint64_t frames;
        uint64_t bits;
        uint64_t stuff_bits;
        sim_time_t busy_ps;
        uint64_t arbitrations_lost; /* frames that were pending when another node won */
};

struct can_bus {
        struct sim *sim;
        const struct can_bus_config *config;
        struct can_tx *pending[CAN_MAX_NODES];
        struct can_tx *on_wire;
        bool arbitration_scheduled;
        struct can_bus_stats stats;
};

/* 0 or -EINVAL. The config must outlive the bus. */
int can_bus_init(struct can_bus *bus, struct sim *sim, const struct can_bus_config *config);

/* Queue `tx` on `node` now: 0, or -EINVAL (bad node or frame). */
int can_bus_submit(struct can_bus *bus, unsigned node, struct can_tx *tx);

/* Bus time of a frame's bits (nominal and data phase), in ps (each part rounded to nearest). */
sim_time_t can_bus_frame_ps(const struct can_bus *bus, const struct can_frame_bits *bits);

#endif
