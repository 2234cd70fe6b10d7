/*
 * fuzz_common: shared pieces of the virtqueue fuzz targets (tests/fuzz/).
 *
 * Contract. A fuzz input is a header (layout, size, features, limits), a script of operations
 * and a memory image. The harness owns two guest-physical regions allocated with the exact
 * size (so AddressSanitizer flags any access past them): the ring region at FUZZ_RING_GPA,
 * holding the three ring areas back to back, and a data region at FUZZ_DATA_GPA for buffers
 * and indirect tables. Both fuzz targets and the seed generator use this one definition of
 * the format, so seeds stay valid when the format changes. Header-only, test code.
 */
#ifndef MOSAIC_TESTS_FUZZ_FUZZ_COMMON_H
#define MOSAIC_TESTS_FUZZ_FUZZ_COMMON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "virtio/virtqueue.h"

#define FUZZ_RING_GPA   0x10000u
#define FUZZ_DATA_GPA   0x40000u
#define FUZZ_DATA_BYTES 4096u
#define FUZZ_HEADER     4u

/* header byte 0 */
#define FUZZ_M_PACKED    0x01u
#define FUZZ_M_EVENT_IDX 0x02u
#define FUZZ_M_INDIRECT  0x04u
#define FUZZ_M_IN_ORDER  0x08u
#define FUZZ_M_NOTIFDATA 0x10u
#define FUZZ_M_PLATFORM  0x20u

/* A failed invariant is a crash: libFuzzer records the input. */
#define FUZZ_CHECK(cond)                                                                           \
        do {                                                                                       \
                if (!(cond)) {                                                                     \
                        fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
                                #cond);                                                            \
                        abort();                                                                   \
                }                                                                                  \
        } while (0)

/* Parsed header: byte 0 mode bits, byte 1 size code, byte 2 limit, byte 3 script length. */
struct fuzz_header {
        bool packed;
        uint64_t features;
        uint16_t size;
        uint8_t limit;
        uint8_t script_len;
};

static inline void fuzz_parse_header(const uint8_t *in, struct fuzz_header *h)
{
        uint8_t mode = in[0];
        h->packed = (mode & FUZZ_M_PACKED) != 0;
        h->features = VQ_F_VERSION_1;
        if (h->packed)
                h->features |= VQ_F_RING_PACKED;
        if (mode & FUZZ_M_EVENT_IDX)
                h->features |= VQ_F_EVENT_IDX;
        if (mode & FUZZ_M_INDIRECT)
                h->features |= VQ_F_INDIRECT_DESC;
        if (mode & FUZZ_M_IN_ORDER)
                h->features |= VQ_F_IN_ORDER;
        if (mode & FUZZ_M_NOTIFDATA)
                h->features |= VQ_F_NOTIFICATION_DATA;
        if (mode & FUZZ_M_PLATFORM)
                h->features |= VQ_F_ORDER_PLATFORM;
        /* split: a power of two 1..256; packed: any size 1..256 (2.8.10.1) */
        h->size = h->packed ? (uint16_t)(1u + in[1]) : (uint16_t)(1u << (in[1] % 9u));
        h->limit = in[2];
        h->script_len = in[3];
}

/* The two regions of one run. */
struct fuzz_mem {
        uint8_t *ring;
        size_t ring_bytes;
        uint8_t *data;
        struct vq_region regions[2];
        struct vq_port port;
        struct vq_layout layout;
};

static inline int fuzz_mem_init(struct fuzz_mem *m, const struct fuzz_header *h)
{
        m->ring_bytes = vq_layout_contiguous(&m->layout, h->packed, h->size, FUZZ_RING_GPA);
        if (m->ring_bytes == 0)
                return -1;
        m->ring = calloc(1, m->ring_bytes);
        m->data = calloc(1, FUZZ_DATA_BYTES);
        if (m->ring == NULL || m->data == NULL) {
                free(m->ring);
                free(m->data);
                return -1;
        }
        m->regions[0] = (struct vq_region){ FUZZ_RING_GPA, m->ring_bytes, m->ring };
        m->regions[1] = (struct vq_region){ FUZZ_DATA_GPA, FUZZ_DATA_BYTES, m->data };
        vq_port_init_default(&m->port, m->regions, 2);
        return 0;
}

static inline void fuzz_mem_free(struct fuzz_mem *m)
{
        free(m->ring);
        free(m->data);
}

/* Copy an image into the ring region, then the data region. */
static inline void fuzz_mem_load(struct fuzz_mem *m, const uint8_t *img, size_t n)
{
        size_t a = n < m->ring_bytes ? n : m->ring_bytes;
        memcpy(m->ring, img, a);
        size_t b = n - a < FUZZ_DATA_BYTES ? n - a : FUZZ_DATA_BYTES;
        memcpy(m->data, img + a, b);
}

/* Write `len` (<= 8) bytes at image offset `off` (ring region, then data region), modulo the
 * total size: the hostile peer changing shared memory between two library calls. */
static inline void fuzz_mem_poke(struct fuzz_mem *m, uint32_t off, const uint8_t *bytes, size_t len)
{
        size_t total = m->ring_bytes + FUZZ_DATA_BYTES;
        for (size_t i = 0; i < len; i++) {
                size_t o = ((size_t)off + i) % total;
                if (o < m->ring_bytes)
                        m->ring[o] = bytes[i];
                else
                        m->data[o - m->ring_bytes] = bytes[i];
        }
}

/* Host pointer for [gpa, gpa+len) if wholly inside one region, else NULL. */
static inline void *fuzz_mem_host(const struct fuzz_mem *m, uint64_t gpa, uint64_t len)
{
        for (size_t i = 0; i < 2; i++) {
                const struct vq_region *r = &m->regions[i];
                if (gpa >= r->gpa && gpa - r->gpa <= r->size_bytes &&
                    len <= r->size_bytes - (gpa - r->gpa))
                        return (uint8_t *)r->host + (gpa - r->gpa);
        }
        return NULL;
}

/* Every negative code the library returns must come from its table. */
static inline void fuzz_check_code(int rc)
{
        if (rc < 0)
                FUZZ_CHECK(strcmp(vq_strerror(rc), "unknown error") != 0);
}

/* A little cursor over the script bytes (reads past the end give 0). */
struct fuzz_cursor {
        const uint8_t *p;
        size_t n;
        size_t at;
};

static inline uint8_t fuzz_u8(struct fuzz_cursor *c)
{
        return c->at < c->n ? c->p[c->at++] : 0;
}

static inline uint16_t fuzz_u16(struct fuzz_cursor *c)
{
        uint16_t lo = fuzz_u8(c);
        return (uint16_t)(lo | (uint16_t)(fuzz_u8(c) << 8));
}

static inline uint32_t fuzz_u32(struct fuzz_cursor *c)
{
        uint32_t lo = fuzz_u16(c);
        return lo | ((uint32_t)fuzz_u16(c) << 16);
}

#endif
