/*
 * vq_priv: declarations shared by the virtqueue implementation files (not a public header).
 *
 * Ring field offsets (little-endian, spec 2.7 and 2.8), the broken-state helper, the ring
 * accessors for plain and hooked ports, and the always-inline pieces the hot paths of both
 * layouts share (translation, piece validation, argument checks, slot and in-order
 * bookkeeping), and the per-layout entry points the dispatch in virtqueue.c calls.
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

/*
 * The hot paths (add, kick decision, get used, pop, push, interrupt decision) are written once
 * as always-inline bodies taking `plain` = vq_port_plain(port), read once per library call, and
 * instantiated twice by their entry point: plain = true, where the accessors below are the
 * default primitives themselves (no hook lookups), and plain = false, where every access and
 * barrier goes through the port exactly as before (vq_port_load16 ... vq_port_barrier). Both
 * instances make the same accesses in the same order. Ring fields are naturally aligned (the
 * areas' host alignment is checked by ring_init), so the plain ring accessors need no alignment
 * fallback; indirect tables may be unaligned and use the vq_tab* accessors, which keep it.
 */
#if defined(__GNUC__)
#define VQ_HOT      static inline __attribute__((always_inline))
#define VQ_NOINLINE __attribute__((noinline))
#else
#define VQ_HOT static inline
#define VQ_NOINLINE
#endif

VQ_HOT uint16_t vq_ld16(const struct vq_ring *r, bool plain, const volatile uint8_t *p)
{
        if (plain)
                return vq_le16_from_cpu(*(const volatile uint16_t *)(const volatile void *)p);
        return vq_port_load16(r->port, p);
}

VQ_HOT uint32_t vq_ld32(const struct vq_ring *r, bool plain, const volatile uint8_t *p)
{
        if (plain)
                return vq_le32_from_cpu(*(const volatile uint32_t *)(const volatile void *)p);
        return vq_port_load32(r->port, p);
}

VQ_HOT uint64_t vq_ld64(const struct vq_ring *r, bool plain, const volatile uint8_t *p)
{
        if (plain)
                return vq_le64_from_cpu(*(const volatile uint64_t *)(const volatile void *)p);
        return vq_port_load64(r->port, p);
}

VQ_HOT void vq_st16(const struct vq_ring *r, bool plain, volatile uint8_t *p, uint16_t v)
{
        if (plain)
                *(volatile uint16_t *)(volatile void *)p = vq_le16_from_cpu(v);
        else
                vq_port_store16(r->port, p, v);
}

VQ_HOT void vq_st32(const struct vq_ring *r, bool plain, volatile uint8_t *p, uint32_t v)
{
        if (plain)
                *(volatile uint32_t *)(volatile void *)p = vq_le32_from_cpu(v);
        else
                vq_port_store32(r->port, p, v);
}

VQ_HOT void vq_st64(const struct vq_ring *r, bool plain, volatile uint8_t *p, uint64_t v)
{
        if (plain)
                *(volatile uint64_t *)(volatile void *)p = vq_le64_from_cpu(v);
        else
                vq_port_store64(r->port, p, v);
}

/* Indirect table entries (possibly unaligned: byte accesses then, as the default port does). */
VQ_HOT uint16_t vq_tab_ld16(const struct vq_ring *r, bool plain, const volatile uint8_t *p)
{
        return plain ? vq_default_load16(p) : vq_port_load16(r->port, p);
}

VQ_HOT uint32_t vq_tab_ld32(const struct vq_ring *r, bool plain, const volatile uint8_t *p)
{
        return plain ? vq_default_load32(p) : vq_port_load32(r->port, p);
}

VQ_HOT uint64_t vq_tab_ld64(const struct vq_ring *r, bool plain, const volatile uint8_t *p)
{
        return plain ? vq_default_load64(p) : vq_port_load64(r->port, p);
}

VQ_HOT void vq_tab_st16(const struct vq_ring *r, bool plain, volatile uint8_t *p, uint16_t v)
{
        if (plain)
                vq_default_store16(p, v);
        else
                vq_port_store16(r->port, p, v);
}

VQ_HOT void vq_tab_st32(const struct vq_ring *r, bool plain, volatile uint8_t *p, uint32_t v)
{
        if (plain)
                vq_default_store32(p, v);
        else
                vq_port_store32(r->port, p, v);
}

VQ_HOT void vq_tab_st64(const struct vq_ring *r, bool plain, volatile uint8_t *p, uint64_t v)
{
        if (plain)
                vq_default_store64(p, v);
        else
                vq_port_store64(r->port, p, v);
}

VQ_HOT void vq_fence(const struct vq_ring *r, bool plain, enum vq_barrier kind)
{
        if (plain)
                vq_default_barrier(kind, r->platform);
        else
                vq_port_barrier(r->port, kind, r->platform);
}

/*
 * Translate [gpa, gpa+size) through the region table (the one implementation; the public
 * vq_port_translate wraps it). 0 and *host, or VQ_ETRANSLATE; never dereferences.
 */
VQ_HOT int vq_translate(const struct vq_port *port, uint64_t gpa, uint64_t size, void **host)
{
        if (gpa + size < gpa)
                return VQ_ETRANSLATE; /* wraps around 2^64 */
        const struct vq_region *reg = port->regions;
        for (size_t i = 0; i < port->region_count; i++, reg++) {
                if (gpa < reg->gpa)
                        continue;
                uint64_t offset = gpa - reg->gpa;
                /* offset <= size_bytes and size <= size_bytes - offset, written without
                 * overflow; this also admits a zero-size range at the region's end. */
                if (offset > reg->size_bytes || size > reg->size_bytes - offset)
                        continue;
                *host = (uint8_t *)reg->host + offset;
                return 0;
        }
        return VQ_ETRANSLATE;
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

/* Per-layout implementations, called by the dispatch in virtqueue.c. It has checked the
 * arguments and the broken state, except for add and push, which get the public arguments with
 * only `vq` checked and do the whole operation (checks, ring, slot bookkeeping) themselves. */
int vq_split_drv_add(struct vq_driver *vq, const struct vq_sg *sg, uint16_t readable,
                     uint16_t writable, uint64_t token, const struct vq_indirect *indirect);
int vq_split_drv_kick_prepare(struct vq_driver *vq);
int vq_split_drv_get_used(struct vq_driver *vq, uint64_t *token, uint32_t *len);
int vq_split_drv_disable_cb(struct vq_driver *vq);
int vq_split_drv_enable_cb(struct vq_driver *vq);

int vq_packed_drv_add(struct vq_driver *vq, const struct vq_sg *sg, uint16_t readable,
                      uint16_t writable, uint64_t token, const struct vq_indirect *indirect);
int vq_packed_drv_kick_prepare(struct vq_driver *vq);
int vq_packed_drv_get_used(struct vq_driver *vq, uint64_t *token, uint32_t *len);
int vq_packed_drv_disable_cb(struct vq_driver *vq);
int vq_packed_drv_enable_cb(struct vq_driver *vq);

int vq_split_dev_pop(struct vq_device *vq, struct vq_chain *chain, struct vq_elem *elems,
                     uint16_t capacity);
int vq_split_dev_push(struct vq_device *vq, uint16_t id, uint32_t written_bytes);
int vq_split_dev_need_interrupt(struct vq_device *vq);
int vq_split_dev_disable_notify(struct vq_device *vq);
int vq_split_dev_enable_notify(struct vq_device *vq);

int vq_packed_dev_pop(struct vq_device *vq, struct vq_chain *chain, struct vq_elem *elems,
                      uint16_t capacity);
int vq_packed_dev_push(struct vq_device *vq, uint16_t id, uint32_t written_bytes);
int vq_packed_dev_need_interrupt(struct vq_device *vq);
int vq_packed_dev_disable_notify(struct vq_device *vq);
int vq_packed_dev_enable_notify(struct vq_device *vq);

/* Validation of one buffer piece shared by both layouts: order, total length, translation,
 * capacity (in this order: the first failing rule gives the code). Appends to elems on
 * success. */
struct vq_walk {
        struct vq_chain *chain;
        struct vq_elem *elems;
        uint16_t capacity;
        uint64_t total_bytes;
        bool seen_writable;
};

VQ_HOT int vq_walk_piece(struct vq_ring *r, struct vq_walk *w, uint64_t addr, uint32_t len,
                         bool writable)
{
        struct vq_chain *c = w->chain;
        /* 2.7.4.2: all device-readable pieces precede the device-writable ones. */
        if (!writable && w->seen_writable)
                return vq_fail(r, VQ_EORDER);
        w->total_bytes += len;
        /* 2.7.5.2: a chain MUST NOT be longer than 2^32 bytes. */
        if (w->total_bytes > UINT32_MAX)
                return vq_fail(r, VQ_ETOTALLEN);
        void *host;
        if (vq_translate(r->port, addr, len, &host) != 0)
                return vq_fail(r, VQ_ETRANSLATE);
        /* 2.7.4.1: the device MAY limit the descriptors it allows in a chain. */
        if (c->elem_count >= w->capacity)
                return vq_fail(r, VQ_ECHAINCAP);
        struct vq_elem *e = &w->elems[c->elem_count++];
        e->addr = addr;
        e->host = host;
        e->len = len;
        e->writable = writable;
        if (writable) {
                w->seen_writable = true;
                c->writable_bytes += len;
        } else {
                c->readable_count++;
                c->readable_bytes += len;
        }
        return 0;
}

/* Validate an INDIRECT descriptor (feature, NEXT, size) and translate its table. Returns the
 * number of table entries (> 0) or a negative code. */
int vq_walk_indirect(struct vq_ring *r, uint64_t addr, uint32_t len, uint16_t flags,
                     volatile uint8_t **table);

/* ---- argument checks and slot bookkeeping shared by both layouts ----------------------- */

/* What vq_drv_add_check worked out for one buffer. */
struct vq_add {
        uint32_t writable_bytes;
        uint16_t need;      /* ring descriptors the buffer takes */
        uint64_t table_gpa; /* indirect table, or 0 */
        void *table;        /* its translation, or NULL for a direct chain */
};

/* vq_drv_add's checks: broken queue, pieces, total length, indirect table, free space. Caller
 * errors leave the queue untouched. */
VQ_HOT int vq_drv_add_check(struct vq_driver *vq, const struct vq_sg *sg, uint16_t readable,
                            uint16_t writable, const struct vq_indirect *indirect, struct vq_add *a)
{
        struct vq_ring *r = &vq->ring;
        if (r->broken)
                return VQ_EBROKEN;
        uint32_t n = (uint32_t)readable + writable;
        if (sg == NULL || n == 0 || n > r->size)
                return VQ_EINVAL;
        uint64_t total = 0;
        uint32_t writable_bytes = 0;
        for (uint32_t i = 0; i < n; i++) {
                total += sg[i].len;
                if (i >= readable)
                        writable_bytes += sg[i].len; /* <= total, checked below */
        }
        if (total > UINT32_MAX)
                return VQ_EINVAL; /* 2.7.5.2: a chain MUST NOT exceed 2^32 bytes */
        a->writable_bytes = writable_bytes;
        a->table = NULL;
        a->table_gpa = 0;
        a->need = (uint16_t)n;
        if (indirect != NULL) {
                if (!r->indirect || indirect->entries < n)
                        return VQ_EINVAL;
                if (vq_translate(r->port, indirect->gpa, (uint64_t)n * VQ_DESC_SIZE, &a->table) !=
                    0)
                        return VQ_EINVAL;
                a->table_gpa = indirect->gpa;
                a->need = 1;
        }
        if (vq->num_free < a->need)
                return VQ_ENOSPC;
        return 0;
}

/* Record buffer `id` (split head / packed buffer id) as outstanding. */
VQ_HOT void vq_drv_added(struct vq_driver *vq, uint16_t id, uint64_t token, const struct vq_add *a)
{
        struct vq_drv_slot *s = &vq->slots[id];
        s->token = token;
        s->writable_bytes = a->writable_bytes;
        s->desc_count = a->need;
        s->in_use = 1;
        s->fifo_next = VQ_NO_SLOT;
        if (vq->ring.in_order) {
                if (vq->fifo_tail == VQ_NO_SLOT)
                        vq->fifo_head = id;
                else
                        vq->slots[vq->fifo_tail].fifo_next = id;
                vq->fifo_tail = id;
        }
        vq->num_free = (uint16_t)(vq->num_free - a->need);
        vq->outstanding++;
}

VQ_HOT void vq_chain_clear(struct vq_chain *c)
{
        c->id = 0;
        c->elem_count = 0;
        c->readable_count = 0;
        c->desc_count = 0;
        c->readable_bytes = 0;
        c->writable_bytes = 0;
        c->indirect = false;
}

/* Record a validated, consumed chain as in flight. */
VQ_HOT void vq_dev_popped(struct vq_device *vq, const struct vq_chain *chain)
{
        struct vq_dev_slot *s = &vq->slots[chain->id];
        s->in_use = 1;
        s->desc_count = chain->desc_count;
        s->writable_bytes = chain->writable_bytes;
        if (vq->ring.in_order) {
                /* The pop order, which vq_dev_push must follow (2.7.9 / 2.8.8). */
                s->fifo_next = VQ_NO_SLOT;
                if (vq->fifo_tail == VQ_NO_SLOT)
                        vq->fifo_head = chain->id;
                else
                        vq->slots[vq->fifo_tail].fifo_next = chain->id;
                vq->fifo_tail = chain->id;
        }
        vq->inflight_bufs++;
        vq->inflight_descs = (uint16_t)(vq->inflight_descs + chain->desc_count);
}

/* vq_dev_push's checks (caller errors leave the queue untouched); on success the buffer
 * leaves the in-order pop list. */
VQ_HOT int vq_dev_push_check(struct vq_device *vq, uint16_t id, uint32_t written_bytes)
{
        struct vq_ring *r = &vq->ring;
        if (r->broken)
                return VQ_EBROKEN;
        if (id >= r->size || !vq->slots[id].in_use)
                return VQ_EINVAL;
        if (written_bytes > vq->slots[id].writable_bytes)
                return VQ_EINVAL; /* 2.7.5.1: never write past the writable part */
        if (r->in_order) {
                if (id != vq->fifo_head)
                        return VQ_EINVAL; /* 2.7.9 / 2.8.8: use buffers in the order made available
                                           */
                vq->fifo_head = vq->slots[id].fifo_next;
                if (vq->fifo_head == VQ_NO_SLOT)
                        vq->fifo_tail = VQ_NO_SLOT;
                vq->slots[id].fifo_next = VQ_NO_SLOT;
        }
        return 0;
}

/* Record buffer `id` as returned. */
VQ_HOT void vq_dev_pushed(struct vq_device *vq, uint16_t id)
{
        struct vq_dev_slot *s = &vq->slots[id];
        s->in_use = 0;
        vq->inflight_bufs--;
        vq->inflight_descs = (uint16_t)(vq->inflight_descs - s->desc_count);
}

/* ---- driver-side used-buffer bookkeeping shared by both layouts ------------------------- */

/* Give buffer `id` back to the free pools and drop it from the in-order queue. */
VQ_HOT uint64_t vq_drv_release(struct vq_driver *vq, uint16_t id)
{
        struct vq_ring *r = &vq->ring;
        struct vq_drv_slot *s = &vq->slots[id];
        if (r->packed) {
                s->next = vq->free_head;
                vq->free_head = id;
                vq_packed_advance(r->size, &vq->next_used, &vq->used_wrap, s->desc_count);
        } else {
                if (!r->in_order) {
                        vq->slots[s->last].next = vq->free_head;
                        vq->free_head = id;
                }
                /* One used ring entry per buffer, also for the buffers an in-order batch
                 * skipped (2.7.9: used idx grows by the batch size). */
                vq->last_used++;
        }
        if (r->in_order) {
                vq->fifo_head = s->fifo_next;
                if (vq->fifo_head == VQ_NO_SLOT)
                        vq->fifo_tail = VQ_NO_SLOT;
                s->fifo_next = VQ_NO_SLOT;
        }
        vq->num_free = (uint16_t)(vq->num_free + s->desc_count);
        vq->outstanding--;
        s->in_use = 0;
        return s->token;
}

/* Continue an in-order batch: return the oldest outstanding buffer. The last one carries the
 * length of the single used entry the device wrote for the whole batch; the skipped ones
 * "are assumed to have been used (read or written) by the device completely" (2.7.9, 2.8.8),
 * so their length is their whole writable part. */
static inline int vq_drv_batch_next(struct vq_driver *vq, uint64_t *token, uint32_t *len)
{
        uint16_t id = vq->fifo_head;
        *len = vq->slots[id].writable_bytes;
        if (id == vq->batch_id) {
                *len = vq->batch_len;
                vq->batch_active = false;
        }
        *token = vq_drv_release(vq, id);
        return 1;
}

/* Validate a used entry (id, len) and return its buffer (or start an in-order batch).
 * *consumed_entry tells whether the entry was taken. */
VQ_HOT int vq_drv_take_used(struct vq_driver *vq, uint16_t id, uint32_t len, uint64_t *token,
                            uint32_t *out_len, bool *consumed_entry)
{
        struct vq_ring *r = &vq->ring;
        *consumed_entry = false;
        if (id >= r->size)
                return vq_fail(r, VQ_EUSEDID);
        if (!vq->slots[id].in_use)
                return vq_fail(r, VQ_ENOTHEAD);
        if (len > vq->slots[id].writable_bytes)
                return vq_fail(r, VQ_EUSEDLEN);
        *consumed_entry = true;
        if (r->in_order && id != vq->fifo_head) {
                vq->batch_active = true;
                vq->batch_id = id;
                vq->batch_len = len;
                return vq_drv_batch_next(vq, token, out_len);
        }
        *out_len = len;
        *token = vq_drv_release(vq, id);
        return 1;
}

#endif
