/*
 * vu_device: the device logic behind the vhost-user back-end (virtio-blk on a file,
 * virtio-rng from getrandom()), on the device side of the virtio/ library.
 *
 * Contract. A device describes what it offers (virtio feature bits, vhost-user protocol
 * features, number of queues, configuration space) and handles one validated buffer at a time:
 * handle() receives a chain popped by vq_dev_pop (every piece translated and bounds-checked,
 * readable pieces first) and returns the number of bytes it wrote into the writable part, which
 * the server passes to vq_dev_push. handle() never fails the queue: a malformed request gets
 * the device's error status (virtio-blk) or zero bytes. The configuration space is at most
 * VU_CONFIG_SPACE bytes; write_config may refuse a write (read-only field) with a message.
 * Devices print nothing; the server reports.
 */
#ifndef MOSAIC_TARGETS_VHOST_USER_VU_DEVICE_H
#define MOSAIC_TARGETS_VHOST_USER_VU_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/virtqueue.h"

struct vu_device {
        const char *name;
        uint64_t features;          /* offered virtio feature bits (incl. VERSION_1, ring bits) */
        uint64_t protocol_features; /* offered vhost-user protocol features */
        uint16_t queue_count;
        uint16_t max_chain; /* elements per request the device accepts (2.7.4.1 limit) */
        uint32_t config_size;
        void *ctx;
        /* Fill cfg[0 .. config_size-1] with the current configuration space. */
        void (*read_config)(void *ctx, uint8_t *cfg);
        /* Apply a front-end write of cfg[offset .. offset+size-1]; 0 or -1 with a message. */
        int (*write_config)(void *ctx, uint32_t offset, const uint8_t *data, uint32_t size,
                            char *err, size_t errlen);
        /* Serve one buffer; returns the bytes written into its writable part. */
        uint32_t (*handle)(void *ctx, uint16_t queue, const struct vq_chain *chain,
                           const struct vq_elem *elems);
        /* Negotiated features changed (SET_FEATURES accepted). */
        void (*set_features)(void *ctx, uint64_t features);
        uint64_t requests; /* served buffers, for the log line at disconnect */
};

/* Visit the bytes [offset, offset+len) of the readable (writable = false) or writable part of a
 * chain, piece by piece: fn(ctx, host, piece_len, part_offset). Stops at the first non-zero
 * return of fn and returns it; returns -1 if the part is shorter than offset+len. */
typedef int (*vu_piece_fn)(void *ctx, uint8_t *host, size_t len, uint64_t part_offset);
int vu_chain_for_each(const struct vq_chain *chain, const struct vq_elem *elems, bool writable,
                      uint64_t offset, uint64_t len, vu_piece_fn fn, void *ctx);

/* Copy out of the readable part / into the writable part; 0 or -1 (part too short). */
int vu_chain_read(const struct vq_chain *chain, const struct vq_elem *elems, uint64_t offset,
                  void *dst, size_t len);
int vu_chain_write(const struct vq_chain *chain, const struct vq_elem *elems, uint64_t offset,
                   const void *src, size_t len);

/* virtio-blk (device ID 2) on the file at path; capacity = file size / 512. Fills *dev and
 * returns the device state, or NULL with a message in err. */
struct vu_blk;
struct vu_blk *vu_blk_open(const char *path, struct vu_device *dev, char *err, size_t errlen);
void vu_blk_close(struct vu_blk *blk);

/* virtio-rng (device ID 4) filled from getrandom(). */
void vu_rng_init(struct vu_device *dev);

#endif
