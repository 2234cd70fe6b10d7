/*
 * vq_port: the port layer between the virtqueue ring logic and the memory it runs on.
 *
 * Contract. The ring logic in virtio/ never touches shared ring memory directly: every load
 * and store of a ring field (descriptor, ring entry, index, flags, event field) goes through
 * vq_port_load16/32/64 and vq_port_store16/32/64, every ordering point through
 * vq_port_barrier, and every guest-physical address through vq_port_translate (for a port
 * without any hook, vq_port_plain, the library inlines exactly the default primitives these
 * would call, with no per-access hook lookup; a port with a hook sees every access). A port is a
 * plain struct chosen at run time, so the same object code serves the default (plain
 * little-endian loads and stores with C11 fences), a simulator (which times each access
 * through the `access` observer) and non-coherent targets (cache clean/invalidate hooks):
 *
 *   - regions: the guest-physical memory the queue may touch, as (gpa, size, host) triples.
 *     Translation of a range that is not wholly inside one region fails with VQ_ETRANSLATE;
 *     the library then never dereferences the address. Regions are not copied: the table must
 *     outlive every queue using the port.
 *   - ops (optional, NULL = defaults): replace individual primitives. A NULL member keeps
 *     the default for that primitive. Values cross the ops interface in CPU byte order; the
 *     op converts to the little-endian memory format. barrier() receives `platform` = true
 *     when VIRTIO_F_ORDER_PLATFORM was negotiated (use barriers suitable for hardware
 *     devices, spec chapter 6) and false for a software peer (a weaker SMP barrier suffices).
 *     publish() is called after every ring store with the stored range (clean the cache
 *     lines to the point of coherence); observe() before every ring load (invalidate).
 *   - access (optional): an observer called once per load, store and barrier after the
 *     operation took place, with the host address and size; the simulator maps the address
 *     back to its guest RAM and issues a timed memory request.
 *   - ctx: passed to every op and to access.
 *
 * Default accesses are volatile, naturally aligned and therefore single-copy atomic for
 * 16- and 32-bit ring fields on every supported target (unaligned addresses, possible for
 * an indirect table placed by a driver, fall back to byte accesses). The default barriers
 * are atomic_thread_fence(acquire/release/seq_cst) for software peers; with `platform` they
 * are the outer-shareable DMB variants on aarch64 and mfence/compiler fences on x86-64.
 *
 * Not guaranteed: the port does not serialise concurrent users (one thread per queue side),
 * and it does not time anything by itself.
 *
 * Freestanding: only <stdint.h>, <stddef.h>, <stdbool.h> and <stdatomic.h>.
 */
#ifndef MOSAIC_VIRTIO_VQ_PORT_H
#define MOSAIC_VIRTIO_VQ_PORT_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/vq_error.h"

/* One contiguous piece of guest-physical memory and where it is mapped locally. */
struct vq_region {
        uint64_t gpa;
        uint64_t size_bytes;
        void *host;
};

/*
 * Ordering points. ACQUIRE orders earlier loads before later loads and stores (virtio_rmb),
 * RELEASE orders earlier loads and stores before later stores (virtio_wmb), FULL also orders
 * earlier stores before later loads (virtio_mb; needed by the store-buffering patterns of
 * notification suppression, pairings C and D).
 */
enum vq_barrier {
        VQ_BARRIER_ACQUIRE = 0,
        VQ_BARRIER_RELEASE = 1,
        VQ_BARRIER_FULL = 2,
};

/* What an `access` observation reports. */
enum vq_access_op {
        VQ_ACCESS_LOAD = 0,
        VQ_ACCESS_STORE = 1,
        VQ_ACCESS_BARRIER = 2, /* addr NULL, size = enum vq_barrier value */
};

/* Replaceable primitives; any member may be NULL (= default). */
struct vq_port_ops {
        uint16_t (*load16)(void *ctx, const volatile void *addr);
        uint32_t (*load32)(void *ctx, const volatile void *addr);
        uint64_t (*load64)(void *ctx, const volatile void *addr);
        void (*store16)(void *ctx, volatile void *addr, uint16_t value);
        void (*store32)(void *ctx, volatile void *addr, uint32_t value);
        void (*store64)(void *ctx, volatile void *addr, uint64_t value);
        void (*barrier)(void *ctx, enum vq_barrier kind, bool platform);
        /* Cache clean of [addr, addr+size) after a store (non-coherent memory). */
        void (*publish)(void *ctx, const volatile void *addr, size_t size);
        /* Cache invalidate of [addr, addr+size) before a load (non-coherent memory). */
        void (*observe)(void *ctx, const volatile void *addr, size_t size);
};

struct vq_port {
        const struct vq_region *regions;
        size_t region_count;
        const struct vq_port_ops *ops; /* NULL: all defaults */
        void (*access)(void *ctx, enum vq_access_op op, const volatile void *addr, size_t size);
        void *ctx;
};

/*
 * Translate [gpa, gpa+size) to a local pointer. Returns 0 and sets *host, or VQ_ETRANSLATE if
 * the range wraps around 2^64 or is not wholly inside one region (a zero-size range must
 * start inside a region or at its end), or VQ_EINVAL for a NULL port. Never dereferences.
 */
int vq_port_translate(const struct vq_port *port, uint64_t gpa, uint64_t size, void **host);

/* Set up a port with the default primitives over `regions` (ops, access and ctx NULL). */
void vq_port_init_default(struct vq_port *port, const struct vq_region *regions,
                          size_t region_count);

/* ---- default primitives (also callable from custom ops that only wrap them) ------------- */

static inline uint16_t vq_le16_from_cpu(uint16_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        return __builtin_bswap16(v);
#else
        return v;
#endif
}

static inline uint32_t vq_le32_from_cpu(uint32_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        return __builtin_bswap32(v);
#else
        return v;
#endif
}

static inline uint64_t vq_le64_from_cpu(uint64_t v)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
        return __builtin_bswap64(v);
#else
        return v;
#endif
}

/* Byte-wise little-endian access for unaligned fields. */
static inline uint64_t vq_port_load_bytes(const volatile void *addr, unsigned size)
{
        const volatile uint8_t *b = (const volatile uint8_t *)addr;
        uint64_t v = 0;
        for (unsigned i = 0; i < size; i++)
                v |= (uint64_t)b[i] << (8u * i);
        return v;
}

static inline void vq_port_store_bytes(volatile void *addr, uint64_t v, unsigned size)
{
        volatile uint8_t *b = (volatile uint8_t *)addr;
        for (unsigned i = 0; i < size; i++)
                b[i] = (uint8_t)(v >> (8u * i));
}

static inline bool vq_port_aligned(const volatile void *addr, size_t size)
{
        return ((uintptr_t)addr & (size - 1u)) == 0;
}

static inline uint16_t vq_default_load16(const volatile void *addr)
{
        if (!vq_port_aligned(addr, 2))
                return (uint16_t)vq_port_load_bytes(addr, 2);
        return vq_le16_from_cpu(*(const volatile uint16_t *)addr);
}

static inline uint32_t vq_default_load32(const volatile void *addr)
{
        if (!vq_port_aligned(addr, 4))
                return (uint32_t)vq_port_load_bytes(addr, 4);
        return vq_le32_from_cpu(*(const volatile uint32_t *)addr);
}

static inline uint64_t vq_default_load64(const volatile void *addr)
{
        if (!vq_port_aligned(addr, 8))
                return vq_port_load_bytes(addr, 8);
        return vq_le64_from_cpu(*(const volatile uint64_t *)addr);
}

static inline void vq_default_store16(volatile void *addr, uint16_t v)
{
        if (!vq_port_aligned(addr, 2))
                vq_port_store_bytes(addr, v, 2);
        else
                *(volatile uint16_t *)addr = vq_le16_from_cpu(v);
}

static inline void vq_default_store32(volatile void *addr, uint32_t v)
{
        if (!vq_port_aligned(addr, 4))
                vq_port_store_bytes(addr, v, 4);
        else
                *(volatile uint32_t *)addr = vq_le32_from_cpu(v);
}

static inline void vq_default_store64(volatile void *addr, uint64_t v)
{
        if (!vq_port_aligned(addr, 8))
                vq_port_store_bytes(addr, v, 8);
        else
                *(volatile uint64_t *)addr = vq_le64_from_cpu(v);
}

/* Platform (ORDER_PLATFORM) barriers: ordering as seen by DMA-capable observers. */
static inline void vq_default_platform_barrier(enum vq_barrier kind)
{
#if defined(__aarch64__)
        if (kind == VQ_BARRIER_ACQUIRE)
                __asm__ __volatile__("dmb oshld" ::: "memory");
        else if (kind == VQ_BARRIER_RELEASE)
                /* Not `dmb oshst`: RELEASE must also order earlier loads (a device finishes
                 * reading a buffer before it marks the buffer used). */
                __asm__ __volatile__("dmb osh" ::: "memory");
        else
                __asm__ __volatile__("dmb osh" ::: "memory");
#elif defined(__x86_64__)
        /* x86 keeps loads ordered with loads and stores with stores for write-back memory
         * (dma_rmb/dma_wmb are compiler barriers); only store->load needs mfence. */
        if (kind == VQ_BARRIER_FULL)
                __asm__ __volatile__("mfence" ::: "memory");
        else
                __asm__ __volatile__("" ::: "memory");
#else
        (void)kind;
        atomic_thread_fence(memory_order_seq_cst);
#endif
}

/* Software-peer (SMP) barriers: C11 fences. */
static inline void vq_default_barrier(enum vq_barrier kind, bool platform)
{
        if (platform) {
                vq_default_platform_barrier(kind);
                return;
        }
        if (kind == VQ_BARRIER_ACQUIRE)
                atomic_thread_fence(memory_order_acquire);
        else if (kind == VQ_BARRIER_RELEASE)
                atomic_thread_fence(memory_order_release);
        else
                atomic_thread_fence(memory_order_seq_cst);
}

/* ---- the entry points used by the ring logic -------------------------------------------- */

/*
 * True when the port has no hooks at all (ops and access NULL): every primitive is the
 * default. The ring logic then may use the default accesses and barriers directly, without
 * consulting the port for each field; it evaluates this on every call, so hooks installed or
 * removed between calls take effect at the next call, and a port with any hook sees every
 * access exactly as described above.
 */
static inline bool vq_port_plain(const struct vq_port *port)
{
        return port->ops == NULL && port->access == NULL;
}

static inline void vq_port_observe(const struct vq_port *port, const volatile void *addr,
                                   size_t size)
{
        if (port->ops != NULL && port->ops->observe != NULL)
                port->ops->observe(port->ctx, addr, size);
}

static inline void vq_port_publish(const struct vq_port *port, const volatile void *addr,
                                   size_t size)
{
        if (port->ops != NULL && port->ops->publish != NULL)
                port->ops->publish(port->ctx, addr, size);
}

static inline void vq_port_note(const struct vq_port *port, enum vq_access_op op,
                                const volatile void *addr, size_t size)
{
        if (port->access != NULL)
                port->access(port->ctx, op, addr, size);
}

static inline uint16_t vq_port_load16(const struct vq_port *port, const volatile void *addr)
{
        uint16_t v;
        vq_port_observe(port, addr, 2);
        if (port->ops != NULL && port->ops->load16 != NULL)
                v = port->ops->load16(port->ctx, addr);
        else
                v = vq_default_load16(addr);
        vq_port_note(port, VQ_ACCESS_LOAD, addr, 2);
        return v;
}

static inline uint32_t vq_port_load32(const struct vq_port *port, const volatile void *addr)
{
        uint32_t v;
        vq_port_observe(port, addr, 4);
        if (port->ops != NULL && port->ops->load32 != NULL)
                v = port->ops->load32(port->ctx, addr);
        else
                v = vq_default_load32(addr);
        vq_port_note(port, VQ_ACCESS_LOAD, addr, 4);
        return v;
}

static inline uint64_t vq_port_load64(const struct vq_port *port, const volatile void *addr)
{
        uint64_t v;
        vq_port_observe(port, addr, 8);
        if (port->ops != NULL && port->ops->load64 != NULL)
                v = port->ops->load64(port->ctx, addr);
        else
                v = vq_default_load64(addr);
        vq_port_note(port, VQ_ACCESS_LOAD, addr, 8);
        return v;
}

static inline void vq_port_store16(const struct vq_port *port, volatile void *addr, uint16_t v)
{
        if (port->ops != NULL && port->ops->store16 != NULL)
                port->ops->store16(port->ctx, addr, v);
        else
                vq_default_store16(addr, v);
        vq_port_publish(port, addr, 2);
        vq_port_note(port, VQ_ACCESS_STORE, addr, 2);
}

static inline void vq_port_store32(const struct vq_port *port, volatile void *addr, uint32_t v)
{
        if (port->ops != NULL && port->ops->store32 != NULL)
                port->ops->store32(port->ctx, addr, v);
        else
                vq_default_store32(addr, v);
        vq_port_publish(port, addr, 4);
        vq_port_note(port, VQ_ACCESS_STORE, addr, 4);
}

static inline void vq_port_store64(const struct vq_port *port, volatile void *addr, uint64_t v)
{
        if (port->ops != NULL && port->ops->store64 != NULL)
                port->ops->store64(port->ctx, addr, v);
        else
                vq_default_store64(addr, v);
        vq_port_publish(port, addr, 8);
        vq_port_note(port, VQ_ACCESS_STORE, addr, 8);
}

/* An ordering point; `platform` = VIRTIO_F_ORDER_PLATFORM negotiated. */
static inline void vq_port_barrier(const struct vq_port *port, enum vq_barrier kind, bool platform)
{
        if (port->ops != NULL && port->ops->barrier != NULL)
                port->ops->barrier(port->ctx, kind, platform);
        else
                vq_default_barrier(kind, platform);
        vq_port_note(port, VQ_ACCESS_BARRIER, NULL, (size_t)kind);
}

#endif
