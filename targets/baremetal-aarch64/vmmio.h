/*
 * vmmio: the virtio-mmio version 2 transport (VIRTIO 1.2 section 4.2) on QEMU `virt`, driver
 * side, over the virtqueue library.
 *
 * Contract. vmmio_find scans the 32 transports at 0x0a000000 + n*0x200 (SPI 16+n, edge),
 * ignores DeviceID 0, checks MagicValue and Version (a version 1 legacy transport is refused
 * with a message naming `-global virtio-mmio.force-legacy=false`). vmmio_negotiate runs
 * reset -> ACKNOWLEDGE -> DRIVER -> features -> FEATURES_OK (read back); VERSION_1 is
 * required, RING_PACKED, EVENT_IDX, INDIRECT_DESC, IN_ORDER and NOTIFICATION_DATA are taken
 * when offered (the layout therefore follows the device: run QEMU with `packed=on` for packed
 * rings). vmmio_queue_setup sizes, places and announces one queue (QueueSel, QueueSizeMax,
 * QueueSize, Desc/Driver/Device addresses, QueueReady); vmmio_driver_ok finishes. Completion
 * is either by interrupt (GIC handler acknowledges InterruptStatus; the waiter sleeps in WFI
 * after vq_drv_enable_cb said it may) or by polling (callbacks disabled, GIC line masked).
 * Either wait gives up after 5 s (generic counter; the virtual timer wakes a WFI).
 *
 * Not provided: legacy (version 1) transports, configuration-change handling beyond counting,
 * queue reset, shared memory regions.
 */
#ifndef MOSAIC_BAREMETAL_AARCH64_VMMIO_H
#define MOSAIC_BAREMETAL_AARCH64_VMMIO_H

#include <stdbool.h>
#include <stdint.h>

#include "virtio/virtqueue.h"

#define VMMIO_QUEUE_MAX     16u   /* entries per queue this program uses at most */
#define VMMIO_RING_BYTES    4096u /* ring memory per queue (enough for 16 entries, both layouts) */
#define VMMIO_ENODEV        (-100)
#define VMMIO_ELEGACY       (-101)
#define VMMIO_EFEATURES     (-102)
#define VMMIO_EQUEUE        (-103)
#define VMMIO_ETIMEOUT      (-104)
#define VMMIO_EDEVICE_RESET (-105)

/* Device ids (5). */
#define VIRTIO_ID_BLOCK   2u
#define VIRTIO_ID_CONSOLE 3u
#define VIRTIO_ID_RNG     4u

struct vmmio_dev {
        uintptr_t base;
        unsigned slot;
        uint32_t device_id;
        uint64_t offered;
        uint64_t features; /* negotiated */
        volatile uint32_t irq_count;
        volatile uint32_t config_changes;
        bool irq_registered;
};

struct vmmio_queue {
        struct vq_driver vq;
        struct vq_drv_slot slots[VMMIO_QUEUE_MAX];
        uint8_t ring[VMMIO_RING_BYTES] __attribute__((aligned(4096)));
        struct vmmio_dev *dev;
        uint16_t index;
        bool use_irq;
        uint32_t kicks;
        uint32_t sleeps; /* WFI entered while waiting (interrupt mode) */
        uint64_t polls;  /* used-ring checks that found nothing (polling mode) */
};

/* Counters of a queue, for reporting what a transfer did. */
struct vmmio_stats {
        uint32_t requests;
        uint32_t kicks;
        uint32_t interrupts; /* used-buffer interrupts of the device */
        uint32_t sleeps;
        uint64_t polls;
};

/* Take the counters of `q` before a transfer. */
void vmmio_stats_snapshot(const struct vmmio_queue *q, struct vmmio_stats *now);
/* Add what changed since `before` to `total` (interrupts are counted per device). */
void vmmio_stats_add_since(const struct vmmio_queue *q, const struct vmmio_stats *before,
                           struct vmmio_stats *total);

/* Find the first transport with `device_id`. Returns 0, VMMIO_ENODEV or VMMIO_ELEGACY. */
int vmmio_find(uint32_t device_id, struct vmmio_dev *dev);

/* Reset and feature negotiation; `device_bits` are the device-type bits (0..23) the driver
 * accepts. Returns 0, VMMIO_ETIMEOUT or VMMIO_EFEATURES (the device then gets FAILED). */
int vmmio_negotiate(struct vmmio_dev *dev, uint64_t device_bits);

/* Device configuration space (offsets from 0x100), read under ConfigGeneration. */
uint32_t vmmio_config32(const struct vmmio_dev *dev, uint32_t offset);
uint64_t vmmio_config64(const struct vmmio_dev *dev, uint32_t offset);

/* Set up queue `index` with at most `size` entries. Returns 0, VMMIO_EQUEUE or a VQ_E* code. */
int vmmio_queue_setup(struct vmmio_dev *dev, struct vmmio_queue *q, uint16_t index, uint16_t size);

/* DRIVER_OK; registers the interrupt handler (line masked until interrupt mode is chosen).
 * Returns 0 or VMMIO_EDEVICE_RESET if the device set DEVICE_NEEDS_RESET. */
int vmmio_driver_ok(struct vmmio_dev *dev);

/* Reset the device (Status = 0, wait until it reads back 0) and mask its interrupt line.
 * Returns 0 or VMMIO_ETIMEOUT. */
int vmmio_reset(struct vmmio_dev *dev);

/* Choose the completion mode of a queue (and of its device's interrupt line). */
void vmmio_set_irq_mode(struct vmmio_queue *q, bool use_irq);

/* Kick decision and, if needed, the QueueNotify write. */
void vmmio_kick(struct vmmio_queue *q);

/* Wait for one used buffer in the queue's completion mode. Returns 1 with *token and *len,
 * a VQ_E* code from the library or VMMIO_ETIMEOUT. */
int vmmio_wait_used(struct vmmio_queue *q, uint64_t *token, uint32_t *len);

const char *vmmio_strerror(int code);

#endif
