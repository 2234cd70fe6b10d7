/*
 * vq_priv: declarations shared by the virtqueue implementation files (not a public header).
 *
 * Ring field offsets (little-endian, spec 2.7 and 2.8), the broken-state helper, the in-order
 * FIFO helpers and the per-layout entry points the dispatch in virtqueue.c calls.
 */
#ifndef MOSAIC_VIRTIO_VQ_PRIV_H
#define MOSAIC_VIRTIO_VQ_PRIV_H

#include "virtio/virtqueue.h"

/* Split descriptor (2.7.5): le64 addr; le32 len; le16 flags; le16 next. */
#define VQ_SPLIT_DESC_ADDR  0u
#define VQ_SPLIT_DESC_LEN   8u
#define VQ_SPLIT_DESC_FLAGS 12u
#define VQ_SPLIT_DESC_NEXT  14u
/* Packed descriptor (2.8.13): le64 addr; le32 len; le16 id; le16 flags. */
#define VQ_PACKED_DESC_ADDR  0u
#define VQ_PACKED_DESC_LEN   8u
#define VQ_PACKED_DESC_ID    12u
#define VQ_PACKED_DESC_FLAGS 14u
#define VQ_DESC_SIZE         16u
/* Split available ring (2.7.6): le16 flags; le16 idx; le16 ring[Q]; le16 used_event. */
#define VQ_AVAIL_FLAGS 0u
#define VQ_AVAIL_IDX   2u
#define VQ_AVAIL_RING  4u
/* Split used ring (2.7.8): le16 flags; le16 idx; {le32 id; le32 len} ring[Q]; le16 avail_event. */
#define VQ_USED_FLAGS 0u
#define VQ_USED_IDX   2u
#define VQ_USED_RING  4u
#define VQ_USED_ELEM  8u
/* Packed event suppression (2.8.14): le16 desc (off 15 bits | wrap << 15); le16 flags. */
#define VQ_EVENT_OFF_WRAP 0u
#define VQ_EVENT_FLAGS    2u

#define VQ_NO_SLOT 0xffffu

static inline volatile uint8_t *vq_desc_at(const struct vq_ring *r, uint16_t i)
{
        return r->desc + (size_t)i * VQ_DESC_SIZE;
}

/* Split: avail->ring[i], used->ring[i], used_event, avail_event. */
static inline volatile uint8_t *vq_avail_entry(const struct vq_ring *r, uint16_t i)
{
        return r->driver_area + VQ_AVAIL_RING + 2u * (size_t)i;
}

static inline volatile uint8_t *vq_used_elem(const struct vq_ring *r, uint16_t i)
{
        return r->device_area + VQ_USED_RING + VQ_USED_ELEM * (size_t)i;
}

static inline volatile uint8_t *vq_used_event(const struct vq_ring *r)
{
        return r->driver_area + VQ_AVAIL_RING + 2u * (size_t)r->size;
}

static inline volatile uint8_t *vq_avail_event(const struct vq_ring *r)
{
        return r->device_area + VQ_USED_RING + VQ_USED_ELEM * (size_t)r->size;
}

/* Record the first peer violation; later calls see VQ_EBROKEN. Returns `code`. */
static inline int vq_fail(struct vq_ring *r, int code)
{
        if (r->broken == 0)
                r->broken = code;
        return code;
}

static inline void vq_barrier(const struct vq_ring *r, enum vq_barrier kind)
{
        vq_port_barrier(r->port, kind, r->platform);
}

/* Advance a packed ring position by `n` (< size) descriptors, toggling the wrap counter. */
static inline void vq_packed_advance(uint16_t size, uint16_t *pos, bool *wrap, uint16_t n)
{
        uint32_t p = (uint32_t)*pos + n;
        if (p >= size) {
                p -= size;
                *wrap = !*wrap;
        }
        *pos = (uint16_t)p;
}

/* Does packed descriptor `flags` say "available" for driver wrap counter `wrap` (2.8.1)? */
static inline bool vq_packed_is_avail(uint16_t flags, bool wrap)
{
        bool avail = (flags & VQ_DESC_F_AVAIL) != 0;
        bool used = (flags & VQ_DESC_F_USED) != 0;
        return avail == wrap && used != wrap;
}

/* ... "used" for the driver's used wrap counter `wrap` (2.8.1, 2.8.22)? */
static inline bool vq_packed_is_used(uint16_t flags, bool wrap)
{
        bool avail = (flags & VQ_DESC_F_AVAIL) != 0;
        bool used = (flags & VQ_DESC_F_USED) != 0;
        return avail == used && used == wrap;
}

/* Store zeroes over [p, p+bytes) through the port (bytes even, p 2-aligned). */
void vq_zero_area(const struct vq_ring *r, volatile uint8_t *p, size_t bytes);

/* Packed event-suppression decision shared by both sides (2.8.10): read the peer's area at
 * `area` (flags, then off_wrap only in DESC mode, ordered as the peer wrote them), given
 * `pos`/`wrap` the position after the new descriptors and `n` descriptors since the last
 * decision. Returns 1/0, or VQ_EEVENTFLAGS for reserved or unnegotiated flags. */
int vq_packed_event_decision(const struct vq_ring *r, volatile const uint8_t *area, uint16_t pos,
                             bool wrap, uint32_t n);

/* Per-layout implementations (the dispatch in virtqueue.c has checked broken and args). */
/* Write and publish one buffer (space and arguments checked; `table_host` NULL for a direct
 * chain). Returns the head index / buffer id; the caller fills the slot bookkeeping. */
uint16_t vq_split_drv_add(struct vq_driver *vq, const struct vq_sg *sg, uint16_t readable,
                          uint16_t writable, uint64_t table_gpa, void *table_host);
int vq_split_drv_kick_prepare(struct vq_driver *vq);
int vq_split_drv_get_used(struct vq_driver *vq, uint64_t *token, uint32_t *len);
int vq_split_drv_disable_cb(struct vq_driver *vq);
int vq_split_drv_enable_cb(struct vq_driver *vq);

uint16_t vq_packed_drv_add(struct vq_driver *vq, const struct vq_sg *sg, uint16_t readable,
                           uint16_t writable, uint64_t table_gpa, void *table_host);
int vq_packed_drv_kick_prepare(struct vq_driver *vq);
int vq_packed_drv_get_used(struct vq_driver *vq, uint64_t *token, uint32_t *len);
int vq_packed_drv_disable_cb(struct vq_driver *vq);
int vq_packed_drv_enable_cb(struct vq_driver *vq);

int vq_split_dev_pop(struct vq_device *vq, struct vq_chain *chain, struct vq_elem *elems,
                     uint16_t capacity);
void vq_split_dev_push(struct vq_device *vq, uint16_t id, uint32_t written_bytes);
int vq_split_dev_need_interrupt(struct vq_device *vq);
int vq_split_dev_disable_notify(struct vq_device *vq);
int vq_split_dev_enable_notify(struct vq_device *vq);

int vq_packed_dev_pop(struct vq_device *vq, struct vq_chain *chain, struct vq_elem *elems,
                      uint16_t capacity);
void vq_packed_dev_push(struct vq_device *vq, uint16_t id, uint32_t written_bytes);
int vq_packed_dev_need_interrupt(struct vq_device *vq);
int vq_packed_dev_disable_notify(struct vq_device *vq);
int vq_packed_dev_enable_notify(struct vq_device *vq);

/* Validation of one buffer piece shared by both layouts: order, total length, translation,
 * capacity. Appends to elems on success. */
struct vq_walk {
        struct vq_chain *chain;
        struct vq_elem *elems;
        uint16_t capacity;
        uint64_t total_bytes;
        bool seen_writable;
};
int vq_walk_piece(struct vq_ring *r, struct vq_walk *w, uint64_t addr, uint32_t len, bool writable);
/* Validate an INDIRECT descriptor (feature, NEXT, size) and translate its table. Returns the
 * number of table entries (> 0) or a negative code. */
int vq_walk_indirect(struct vq_ring *r, uint64_t addr, uint32_t len, uint16_t flags,
                     volatile uint8_t **table);

/* The driver-side used-buffer bookkeeping shared by both layouts (in-order batches,
 * validation of id and len). */
int vq_drv_take_used(struct vq_driver *vq, uint16_t id, uint32_t len, uint64_t *token,
                     uint32_t *out_len, bool *consumed_entry);

#endif
