/*
 * port: the vq_port of the bare-metal aarch64 target (QEMU `virt`, virtio-mmio devices).
 *
 * Contract. One memory region, the program image [__image_start, __image_end) mapped 1:1
 * (guest-physical = virtual), holding every ring, indirect table and data buffer. Loads and
 * stores are the library defaults (naturally aligned, little-endian). Barriers treat the
 * device as a DMA master in the outer-shareable domain whatever ORDER_PLATFORM says: QEMU's
 * virtio-mmio devices do not offer ORDER_PLATFORM, yet from the CPU's point of view they are
 * bus masters, not CPUs in the inner-shareable domain, so:
 *   ACQUIRE (pairing B on the driver side: used idx / used flags before the used element and
 *           the data)                                  -> dmb oshld
 *   RELEASE (pairing A: descriptors and ring entry before avail idx / packed head flags;
 *           the library promises load->store ordering as well, which oshst lacks)
 *                                                      -> dmb osh
 *   FULL    (pairings C and D: store-buffering between the event index / suppression flags
 *           and the index re-read)                     -> dmb osh
 * With cache maintenance on (command line token `cacheops`, for a platform whose DMA is not
 * coherent), publish() cleans each stored ring field to the point of coherence (dc cvac) and
 * observe() cleans and invalidates before each ring load (dc civac: the split used ring also
 * holds the driver-written avail_event, so a plain invalidate could drop a driver store),
 * each followed by dsb osh; the drivers call bm_dma_clean / bm_dma_invalidate on their data
 * buffers. QEMU's DMA is coherent, so there the maintenance is correct but redundant.
 *
 * QEMU 7.2 writes packed used descriptors without WRITE but with the real length; the library
 * takes such a length when it fits the buffer (virtio/vq_packed.c), so no port workaround.
 *
 * MMIO ordering (transport, not the port): vmmio writes are preceded by dmb oshst (ring and
 * buffer stores visible before QueueNotify / QueueReady / Status), vmmio reads are followed
 * by dmb oshld (InterruptStatus read before the ring loads that it announces).
 */
#ifndef MOSAIC_BAREMETAL_AARCH64_PORT_H
#define MOSAIC_BAREMETAL_AARCH64_PORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/vq_port.h"

void bm_port_init(bool cache_maintenance);
const struct vq_port *bm_port(void);
bool bm_port_cache_maintenance(void);

/* Data buffers around DMA (no-ops unless cache maintenance is on): clean before the device
 * reads the buffer, invalidate after the device wrote it and before the CPU reads it. */
void bm_dma_clean(const volatile void *addr, size_t size);
void bm_dma_invalidate(volatile void *addr, size_t size);

#endif
