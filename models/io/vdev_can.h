/*
 * vdev_can: virtio-can (VIRTIO 1.3 section 5.21, device ID 36) transmit queue behind a vdev,
 * its controller one node of a can_bus.
 *
 * Request (TX queue): a device-readable struct virtio_can_tx_out { le16 msg_type; le16 length;
 * u8 reserved_classic_dlc; u8 padding; le16 reserved_xl_priority; le32 flags; le32 can_id;
 * u8 sdu[length]; } (16-byte header) and a device-writable struct virtio_can_tx_in { u8 result;
 * }. The guest driver writes the header and sdu at offset 0 of its slot and the result byte sits
 * at offset 80 (after a 64-byte sdu area, as the Linux driver's struct lays them out). vdev_io:
 * address = CAN identifier, bytes = length, flags = VIRTIO_CAN_FLAGS_*.
 *
 * The backend validates what it reads: msg_type must be VIRTIO_CAN_TX; flags only EXTENDED,
 * RTR (if VIRTIO_CAN_F_RTR_FRAMES was negotiated: rtr_frames) and FD (if VIRTIO_CAN_F_CAN_FD:
 * fd_frames; never together with RTR); length at most 8 for a classic frame, a CAN FD data
 * length (0-8, 12, 16, 20, 24, 32, 48, 64) for an FD frame; the identifier inside 11 or 29
 * bits; the readable part holding the header and, for a data frame, `length` sdu bytes. FD
 * frames switch to the bus's data bit rate when fd_bit_rate_switch is set (virtio-can has no
 * per-message BRS flag: the controller's configuration decides). A violation is answered
 * with VIRTIO_CAN_RESULT_NOT_OK and the frame is not sent (the spec's rule for unnegotiated
 * frame types); a chain without a writable result byte cannot be answered (framing_errors,
 * used length 0). A valid frame is queued on the controller's bus node; the request completes
 * with VIRTIO_CAN_RESULT_OK when the frame's intermission ends (the transmission is confirmed,
 * as with VIRTIO_CAN_F_LATE_TX_ACK). Competing traffic of other ECUs comes from periodic senders
 * on other nodes (vdev_can_add_periodic).
 *
 * Not modelled: the RX, control and indication queues, bus-off, CAN XL.
 */
#ifndef MOSAIC_IO_VDEV_CAN_H
#define MOSAIC_IO_VDEV_CAN_H

#include <stdbool.h>
#include <stdint.h>

#include "models/io/can_bus.h"
#include "models/io/vdev.h"

#define VIRTIO_CAN_TX             0x0001u
#define VIRTIO_CAN_FLAGS_EXTENDED 0x8000u
#define VIRTIO_CAN_FLAGS_FD       0x4000u
#define VIRTIO_CAN_FLAGS_RTR      0x2000u
#define VIRTIO_CAN_RESULT_OK      0u
#define VIRTIO_CAN_RESULT_NOT_OK  1u
#define VIRTIO_CAN_TX_HDR_BYTES   16u
#define VDEV_CAN_RESULT_OFFSET    80u
#define VDEV_CAN_MAX_PERIODIC     8u

struct vdev_can_stats {
        uint64_t sent, rejected, framing_errors;
};

/* Another ECU sending one frame every period_ps from offset_ps on. */
struct vdev_can_periodic {
        struct can_bus *bus;
        unsigned node;
        sim_time_t period_ps;
        struct can_tx tx;
        uint64_t sent;
        bool busy; /* previous instance still queued: the new one is skipped (counted) */
        uint64_t overruns;
};

struct vdev_can_config {
        unsigned node; /* the controller's node on the bus */
        bool rtr_frames;
        bool fd_frames;
        bool fd_bit_rate_switch;
};

struct vdev_can {
        const struct vdev_can_config *config;
        struct can_bus *bus;
        struct can_tx *tx; /* one per chain id */
        uint16_t queue_size;
        struct vdev_can_stats stats;
        struct vdev_can_periodic periodic[VDEV_CAN_MAX_PERIODIC];
        unsigned periodic_count;
};

extern const struct vdev_device_ops vdev_can_ops;

/* The controller is config->node of `bus`; queue_size = the vdev's. 0, -EINVAL or -ENOMEM.
 * The config must outlive the model. */
int vdev_can_init(struct vdev_can *can, const struct vdev_can_config *config, struct can_bus *bus,
                  uint16_t queue_size);
void vdev_can_fini(struct vdev_can *can);

/* Start a periodic sender of `frame` on `node` (first at offset_ps). 0, -EINVAL, -ENOSPC. */
int vdev_can_add_periodic(struct vdev_can *can, unsigned node, const struct can_frame *frame,
                          sim_time_t offset_ps, sim_time_t period_ps);

#endif
