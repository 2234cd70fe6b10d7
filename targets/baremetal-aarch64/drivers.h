/*
 * drivers: virtio-blk, virtio-rng and virtio-console (port 0) drivers of the bare-metal
 * aarch64 program, on the virtio-mmio transport and the virtqueue library's driver side.
 *
 * Contract. Each *_init finds the device, negotiates (see vmmio.h), sets up its queues and
 * sets DRIVER_OK; each transfer takes the completion mode (interrupt or polling) as an
 * argument and waits for every buffer it posted before returning. Results are checked
 * against the spec: virtio-blk status byte VIRTIO_BLK_S_OK and used length = bytes written
 * into the buffer (data + 1 status byte for reads, 1 for writes, 5.2.6), virtio-rng used
 * length within the posted buffer. Errors are VMMIO_E* or VQ_E* codes (vmmio_strerror) or
 * BM_EIO for a device-reported I/O error.
 *
 * Not provided: virtio-blk flush/discard/multi-queue, console input and multiport.
 */
#ifndef MOSAIC_BAREMETAL_AARCH64_DRIVERS_H
#define MOSAIC_BAREMETAL_AARCH64_DRIVERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "targets/baremetal-aarch64/vmmio.h"

#define BM_EIO            (-200)
#define BM_EBADLEN        (-201)
#define BLK_SECTOR_BYTES  512u
#define BLK_MAX_IN_FLIGHT 4u

struct bm_blk {
        struct vmmio_dev dev;
        struct vmmio_queue queue;
        uint64_t capacity_sectors;
};

struct bm_rng {
        struct vmmio_dev dev;
        struct vmmio_queue queue;
};

struct bm_console {
        struct vmmio_dev dev;
        struct vmmio_queue receive; /* port 0 receiveq (set up, unused) */
        struct vmmio_queue transmit;
};

int bm_blk_init(struct bm_blk *blk);
/* Read or write `bytes` (a multiple of 512) at `sector`, in requests of `chunk_bytes`, up to
 * BLK_MAX_IN_FLIGHT at once, each as one indirect descriptor when `indirect` and negotiated. */
int bm_blk_transfer(struct bm_blk *blk, bool write, uint64_t sector, uint8_t *buf, size_t bytes,
                    size_t chunk_bytes, bool indirect, bool use_irq, struct vmmio_stats *stats);

int bm_rng_init(struct bm_rng *rng);
/* Fill `buf` with entropy (as many requests as the device needs). */
int bm_rng_read(struct bm_rng *rng, uint8_t *buf, size_t bytes, bool use_irq,
                struct vmmio_stats *stats);

int bm_console_init(struct bm_console *console);
/* Send `text` (at most 256 bytes) to port 0. */
int bm_console_write(struct bm_console *console, const char *text, bool use_irq,
                     struct vmmio_stats *stats);

const char *bm_strerror(int code);

#endif
