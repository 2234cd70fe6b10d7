/*
 * vdev_blk: virtio-blk (VIRTIO 1.2 section 5.2) behind a vdev: the request format in guest RAM
 * and a flash storage service model.
 *
 * Request (5.2.6): a device-readable header struct virtio_blk_req { le32 type; le32 reserved;
 * le64 sector; } (16 bytes), the data (device-readable for VIRTIO_BLK_T_OUT, device-writable for
 * T_IN and T_GET_ID), and a device-writable status byte, the last byte of the chain. The guest
 * driver writes the header at offset 0 of its slot and the status byte sits at offset 16 (one
 * line, as in Linux's struct virtblk_req); data at offset 64. The backend finds the header by
 * byte offset in the readable part (a header split over descriptors is accepted: the device
 * must not assume a layout, 2.7.4.1) and validates it: a chain without a 16-byte header or a
 * writable status byte cannot be answered (counted in framing_errors, used length 0); a data
 * length that is not a multiple of 512, a readable part besides the header for T_IN, or a range
 * past the capacity gets VIRTIO_BLK_S_IOERR; a type the device does not implement gets
 * VIRTIO_BLK_S_UNSUPP (5.2.6.1). Implemented: T_IN, T_OUT, T_FLUSH, T_GET_ID (20 bytes).
 *
 * Service model: `channels` independent flash channels, each serving its requests FIFO. A read
 * or write goes to channel (sector / stripe_sectors) mod channels and takes the access latency
 * of its type plus bytes / bandwidth of the channel; requests on different channels overlap,
 * so queue depth above one raises throughput up to the channel count. A flush waits until
 * every channel has finished what it accepted, then holds all channels for flush_ps. GET_ID is
 * answered by the controller without a flash access. Payload copies are timed on the backend's
 * caches when payload_by_cpu is set (a software backend that preads into guest memory); with
 * it clear the data moves by DMA, untimed. T_IN data is a deterministic pattern of the sector
 * (no backing store: writes are not kept).
 *
 * Not modelled: the flash translation layer (garbage collection, wear levelling, write
 * amplification), the device's write cache (FLUSH costs flush_ps regardless of dirty data),
 * requests that span stripes (served by their first sector's channel), discard and write
 * zeroes, multiple queues.
 */
#ifndef MOSAIC_IO_VDEV_BLK_H
#define MOSAIC_IO_VDEV_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "models/io/vdev.h"
#include "sim/sim.h"

#define VIRTIO_BLK_T_IN           0u
#define VIRTIO_BLK_T_OUT          1u
#define VIRTIO_BLK_T_FLUSH        4u
#define VIRTIO_BLK_T_GET_ID       8u
#define VIRTIO_BLK_T_DISCARD      11u
#define VIRTIO_BLK_T_WRITE_ZEROES 13u
#define VIRTIO_BLK_S_OK           0u
#define VIRTIO_BLK_S_IOERR        1u
#define VIRTIO_BLK_S_UNSUPP       2u
#define VIRTIO_BLK_SECTOR_BYTES   512u
#define VIRTIO_BLK_ID_BYTES       20u
#define VIRTIO_BLK_HDR_BYTES      16u

#define VDEV_BLK_STATUS_OFFSET 16u /* in the driver's slot */
#define VDEV_BLK_DATA_OFFSET   64u
#define VDEV_BLK_MAX_CHANNELS  32u

struct vdev_blk_config {
        uint64_t capacity_sectors;
        unsigned channels; /* 1..VDEV_BLK_MAX_CHANNELS */
        uint32_t stripe_sectors;
        sim_time_t read_ps;  /* access latency per read */
        sim_time_t write_ps; /* per write */
        sim_time_t flush_ps;
        uint64_t channel_bytes_per_s; /* transfer bandwidth of one channel */
        bool payload_by_cpu;
};

/* Defaults (estimates, no measured anchor in ../shared/REFERENCES.md): a managed-NAND device
 * (eMMC/UFS class) with 4 channels, 64 KiB stripes, read 80 us, write 200 us, flush 1 ms,
 * 100 MB/s per channel. */
extern const struct vdev_blk_config vdev_blk_default_config;

struct vdev_blk_stats {
        uint64_t reads, writes, flushes, get_ids, ioerr, unsupp, framing_errors;
};

struct vdev_blk {
        const struct vdev_blk_config *config;
        sim_time_t channel_free_ps[VDEV_BLK_MAX_CHANNELS];
        struct vdev_blk_stats stats;
};

extern const struct vdev_device_ops vdev_blk_ops;

/* 0 or -EINVAL. The config must outlive the model. */
int vdev_blk_init(struct vdev_blk *blk, const struct vdev_blk_config *config);

/* Service time of one request of `type` moving `bytes` on an idle channel. */
sim_time_t vdev_blk_service_ps(const struct vdev_blk *blk, uint32_t type, uint32_t bytes);

/* Channel of a request starting at `sector`. */
unsigned vdev_blk_channel(const struct vdev_blk *blk, uint64_t sector);

/* The byte the device returns at `offset` of sector `sector` for T_IN. */
uint8_t vdev_blk_pattern(uint64_t sector, uint32_t offset);

#endif
