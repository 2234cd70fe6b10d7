/*
 * vdev_rng: virtio-rng, the entropy device (VIRTIO 1.2 section 5.4), behind a vdev.
 *
 * Request (5.4.6): one device-writable buffer; the device fills it with random bytes and
 * returns the count in the used length. vdev_io: bytes = buffer size. The backend refuses a
 * chain with a device-readable part or no writable byte (framing error, length 0; the spec has
 * no status byte), else produces the bytes at entropy_bytes_per_s (a FIFO source: requests
 * wait for earlier ones) and writes them into guest memory (timed) from the model's own
 * seeded stream (sim/rng.h: deterministic, not for cryptography). The driver checks the used
 * length equals the buffer size (a short fill is reported as status -1).
 *
 * Not modelled: partial fills, a source whose rate varies (health tests, reseeding).
 */
#ifndef MOSAIC_IO_VDEV_RNG_H
#define MOSAIC_IO_VDEV_RNG_H

#include <stdint.h>

#include "models/io/vdev.h"
#include "sim/rng.h"

struct vdev_rng_config {
        uint64_t entropy_bytes_per_s;
        uint64_t seed;
};

/* Default: 1 MB/s (an estimate for an SoC TRNG behind the backend; no measured anchor). */
extern const struct vdev_rng_config vdev_rng_default_config;

struct vdev_rng {
        const struct vdev_rng_config *config;
        struct rng rng;
        sim_time_t source_free_ps;
        uint64_t bytes, framing_errors;
};

extern const struct vdev_device_ops vdev_rng_ops;

int vdev_rng_init(struct vdev_rng *rng, const struct vdev_rng_config *config);

#endif
