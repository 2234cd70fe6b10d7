/*
 * test_vq_harness: shared fixture for the virtqueue unit tests (header-only, static functions).
 *
 * One guest-RAM byte array registered as a single region at VQT_GPA_BASE; the queue areas are
 * placed at the start, data buffers and indirect tables after them. Both sides of the queue
 * share the port, as a driver and a device in one address space would.
 */
#ifndef MOSAIC_TESTS_UNIT_TEST_VQ_HARNESS_H
#define MOSAIC_TESTS_UNIT_TEST_VQ_HARNESS_H

#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtqueue.h"

/* ck_assert records a checkpoint through a pipe on every call; hot loops use this instead. */
#define VQT_REQUIRE(cond)                                                                          \
        do {                                                                                       \
                if (!(cond))                                                                       \
                        ck_abort_msg("%s:%d: %s", __FILE__, __LINE__, #cond);                      \
        } while (0)

#define VQT_GPA_BASE  0x40000000ull
#define VQT_MEM_BYTES (4u << 20)
#define VQT_RING_AREA (1u << 20) /* ring areas live below this offset */

struct vqt {
        uint8_t *mem;
        struct vq_region region;
        struct vq_port port;
        struct vq_config cfg;
        struct vq_driver drv;
        struct vq_device dev;
        struct vq_drv_slot *dslots;
        struct vq_dev_slot *vslots;
        size_t ring_bytes;
};

static inline void vqt_setup(struct vqt *t, uint16_t size, uint64_t features)
{
        memset(t, 0, sizeof(*t));
        t->mem = aligned_alloc(4096, VQT_MEM_BYTES);
        ck_assert_ptr_nonnull(t->mem);
        memset(t->mem, 0xa5, VQT_MEM_BYTES);
        t->region.gpa = VQT_GPA_BASE;
        t->region.size_bytes = VQT_MEM_BYTES;
        t->region.host = t->mem;
        vq_port_init_default(&t->port, &t->region, 1);
        t->cfg.size = size;
        t->cfg.index = 3;
        t->cfg.features = features;
        t->cfg.port = &t->port;
        bool packed = (features & VQ_F_RING_PACKED) != 0;
        t->ring_bytes = vq_layout_contiguous(&t->cfg.layout, packed, size, VQT_GPA_BASE);
        ck_assert_uint_gt(t->ring_bytes, 0);
        ck_assert_uint_le(t->ring_bytes, VQT_RING_AREA);
        t->dslots = calloc(size, sizeof(*t->dslots));
        t->vslots = calloc(size, sizeof(*t->vslots));
        ck_assert_int_eq(vq_drv_init(&t->drv, &t->cfg, t->dslots), 0);
        ck_assert_int_eq(vq_dev_init(&t->dev, &t->cfg, t->vslots), 0);
}

static inline void vqt_teardown(struct vqt *t)
{
        free(t->mem);
        free(t->dslots);
        free(t->vslots);
}

/* Host pointer of a guest-physical address inside the fixture memory. */
static inline uint8_t *vqt_host(struct vqt *t, uint64_t gpa)
{
        return t->mem + (gpa - VQT_GPA_BASE);
}

/* Data buffer area: buffer slot k of 4 KiB above the ring area. */
static inline uint64_t vqt_buf_gpa(uint32_t k)
{
        return VQT_GPA_BASE + VQT_RING_AREA + (uint64_t)k * 4096u;
}

/* Raw little-endian field access for tests that play a hostile peer. */
static inline void vqt_w16(uint8_t *p, uint16_t v)
{
        p[0] = (uint8_t)v;
        p[1] = (uint8_t)(v >> 8);
}

static inline void vqt_w32(uint8_t *p, uint32_t v)
{
        for (int i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static inline void vqt_w64(uint8_t *p, uint64_t v)
{
        for (int i = 0; i < 8; i++)
                p[i] = (uint8_t)(v >> (8 * i));
}

static inline uint16_t vqt_r16(const uint8_t *p)
{
        return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t vqt_r32(const uint8_t *p)
{
        return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Add a direct buffer of `readable` + `writable` pieces of `piece_len` bytes each, in data
 * slots starting at `slot`. */
static inline int vqt_add(struct vqt *t, uint16_t readable, uint16_t writable, uint32_t piece_len,
                          uint32_t slot, uint64_t token)
{
        struct vq_sg sg[64];
        uint16_t n = (uint16_t)(readable + writable);
        ck_assert_uint_le(n, 64);
        for (uint16_t i = 0; i < n; i++) {
                sg[i].addr = vqt_buf_gpa(slot + i);
                sg[i].len = piece_len;
        }
        return vq_drv_add(&t->drv, sg, readable, writable, token, NULL);
}

#endif
