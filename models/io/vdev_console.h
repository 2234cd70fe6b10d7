/*
 * vdev_console: virtio-console (VIRTIO 1.2 section 5.3) port 0 transmitq behind a vdev, drained
 * by a UART-like byte serialiser.
 *
 * Request (5.3.6): the bytes to output, in one device-readable buffer (transmitq of port 0,
 * queue 1). vdev_io: bytes = number of characters. The guest driver copies the characters into
 * its buffer (timed: hvc copies them out of the caller's buffer). The backend takes a chain
 * with no device-writable part and at least one byte (anything else is a framing error,
 * answered with length 0 and counted), reads the bytes (timed) and sends them at
 * baud / bits_per_char characters per second, FIFO behind earlier output; the buffer is
 * returned when its last character has left.
 *
 * Not modelled: the receiveq (input), multiport and the control queues, console resize.
 */
#ifndef MOSAIC_IO_VDEV_CONSOLE_H
#define MOSAIC_IO_VDEV_CONSOLE_H

#include <stdint.h>

#include "models/io/vdev.h"

struct vdev_console_config {
        uint64_t baud;
        uint32_t bits_per_char; /* 8N1: start + 8 data + stop = 10 */
};

/* Defaults: 115200 baud, 8N1 (a common debug UART setting; an estimate for a virtual console,
 * whose backend may not throttle at all: set baud high for that). */
extern const struct vdev_console_config vdev_console_default_config;

struct vdev_console {
        const struct vdev_console_config *config;
        sim_time_t line_free_ps;
        uint64_t chars, framing_errors;
};

extern const struct vdev_device_ops vdev_console_ops;

int vdev_console_init(struct vdev_console *con, const struct vdev_console_config *config);

#endif
