/*
 * vq_packed: the packed virtqueue (spec 2.8), driver and device side.
 *
 * Memory: one descriptor ring written by both sides (ownership moves with the AVAIL/USED flag
 * bits and the wrap counters, 2.8.1), the driver event suppression area (driver writes,
 * controls used-buffer notifications) and the device event suppression area (device writes,
 * controls available-buffer notifications). The queue size need not be a power of 2, so
 * positions advance with explicit wrap handling, never with a mask. The hot entry points
 * instantiate their body for plain and hooked ports (see VQ_HOT in vq_priv.h).
 */
#include "virtio/vq_priv.h"

static uint16_t avail_bits(bool wrap)
{
        /* 2.8.1: make available with AVAIL = wrap counter, USED = its inverse. */
        return wrap ? VQ_DESC_F_AVAIL : VQ_DESC_F_USED;
}

static uint16_t off_wrap(uint16_t pos, bool wrap)
{
        return (uint16_t)(pos | (wrap ? 0x8000u : 0u));
}

/* Event-suppression decision shared by both sides (2.8.10): read the peer's area at `area`
 * (flags, then off_wrap only in DESC mode, ordered as the peer wrote them), given `pos`/`wrap`
 * the position after the new descriptors and `n` descriptors since the last decision.
 * Returns 1/0, or VQ_EEVENTFLAGS for reserved or unnegotiated flags. */
VQ_HOT int event_decision(const struct vq_ring *r, bool plain, volatile const uint8_t *area,
                          uint16_t pos, bool wrap, uint32_t n)
{
        uint16_t flags = vq_ld16(r, plain, area + VQ_EVENT_FLAGS);
        if (flags > VQ_EVENT_F_DESC || (flags == VQ_EVENT_F_DESC && !r->event_idx))
                return VQ_EEVENTFLAGS;
        if (n == 0 || flags == VQ_EVENT_F_DISABLE)
                return 0;
        if (flags == VQ_EVENT_F_ENABLE || n >= r->size)
                return 1;
        /* The peer stores off_wrap, then (release) flags: read them in the opposite order. */
        vq_fence(r, plain, VQ_BARRIER_ACQUIRE);
        uint16_t ow = vq_ld16(r, plain, area + VQ_EVENT_OFF_WRAP);
        /* DESC: notify when the descriptor at (off, wrap) is among the n just processed. An
         * event in the previous lap (other wrap value) is off - size in this lap's numbering. */
        uint16_t event_pos = (uint16_t)(ow & 0x7fffu);
        bool event_wrap = (ow >> 15) != 0;
        if (event_wrap != wrap)
                event_pos = (uint16_t)(event_pos - r->size);
        return vq_need_event(event_pos, pos, (uint16_t)(pos - n)) ? 1 : 0;
}

/* ---- driver ------------------------------------------------------------------------------ */

VQ_HOT void write_desc_body(const struct vq_ring *r, bool plain, bool table, volatile uint8_t *d,
                            uint64_t addr, uint32_t len, uint16_t id)
{
        if (table) {
                vq_tab_st64(r, plain, d + VQ_PACKED_DESC_ADDR, addr);
                vq_tab_st32(r, plain, d + VQ_PACKED_DESC_LEN, len);
                vq_tab_st16(r, plain, d + VQ_PACKED_DESC_ID, id);
        } else {
                vq_st64(r, plain, d + VQ_PACKED_DESC_ADDR, addr);
                vq_st32(r, plain, d + VQ_PACKED_DESC_LEN, len);
                vq_st16(r, plain, d + VQ_PACKED_DESC_ID, id);
        }
}

/*
 * packed_drv_add for the most common buffer, one direct descriptor: the same checks (in
 * vq_drv_add_check's order; a single piece cannot exceed the queue size or 2^32-1 bytes), the
 * same ring stores in the same order and the same bookkeeping, without the list loop.
 */
VQ_HOT int packed_drv_add_one(struct vq_driver *vq, const struct vq_sg *sg, bool writable,
                              uint64_t token, bool plain)
{
        struct vq_ring *r = &vq->ring;
        if (r->broken)
                return VQ_EBROKEN;
        if (sg == NULL)
                return VQ_EINVAL;
        if (vq->num_free == 0)
                return VQ_ENOSPC;
        uint64_t addr = sg->addr;
        uint32_t len = sg->len;
        struct vq_drv_slot *slots = vq->slots;
        uint16_t id = vq->free_head;
        struct vq_drv_slot *s = &slots[id];
        uint16_t pos = vq->next_avail;
        bool wrap = vq->avail_wrap;
        uint16_t flags = (uint16_t)(avail_bits(wrap) | (writable ? VQ_DESC_F_WRITE : 0u));
        volatile uint8_t *d = r->desc + (size_t)pos * VQ_DESC_SIZE;
        /* Private bookkeeping first (vq_drv_added), so that nothing is reloaded after the
         * volatile ring stores. */
        vq->free_head = s->next;
        s->token = token;
        s->writable_bytes = writable ? len : 0u;
        s->desc_count = 1;
        s->in_use = 1;
        s->fifo_next = VQ_NO_SLOT;
        if (r->in_order) {
                if (vq->fifo_tail == VQ_NO_SLOT)
                        vq->fifo_head = id;
                else
                        slots[vq->fifo_tail].fifo_next = id;
                vq->fifo_tail = id;
        }
        vq->num_free = (uint16_t)(vq->num_free - 1u);
        vq->outstanding++;
        vq->added_since_kick++;
        if (++pos == r->size) {
                pos = 0;
                wrap = !wrap;
        }
        vq->next_avail = pos;
        vq->avail_wrap = wrap;
        write_desc_body(r, plain, false, d, addr, len, id);
        /* Barrier A (publish, 2.8.21.1.1), as in packed_drv_add_list. */
        vq_fence(r, plain, VQ_BARRIER_RELEASE);
        vq_st16(r, plain, d + VQ_PACKED_DESC_FLAGS, flags);
        return 0;
}

VQ_HOT int packed_drv_add_list(struct vq_driver *vq, const struct vq_sg *sg, uint16_t readable,
                               uint16_t writable, uint64_t token,
                               const struct vq_indirect *indirect, bool plain)
{
        struct vq_ring *r = &vq->ring;
        struct vq_add a;
        int rc = vq_drv_add_check(vq, sg, readable, writable, indirect, &a);
        if (rc != 0)
                return rc;
        /* The ring stores below are volatile 16/32/64-bit stores that the compiler must assume
         * may alias the queue state, so the state they need is read into locals first and
         * written back once at the end (the accesses to shared memory are unchanged). */
        uint32_t n = (uint32_t)readable + writable;
        volatile uint8_t *desc = r->desc;
        uint16_t size = r->size;
        uint16_t id = vq->free_head;
        uint16_t next_free = vq->slots[id].next;
        uint16_t head = vq->next_avail;
        bool wrap = vq->avail_wrap;
        uint16_t pos = head;
        uint16_t head_flags;
        uint16_t count;
        if (a.table != NULL) {
                /* 2.8.7: the table is a sequence of packed descriptors; only WRITE matters. */
                volatile uint8_t *table = (volatile uint8_t *)a.table;
                for (uint32_t i = 0; i < n; i++) {
                        volatile uint8_t *d = table + i * VQ_DESC_SIZE;
                        write_desc_body(r, plain, true, d, sg[i].addr, sg[i].len, 0);
                        vq_tab_st16(r, plain, d + VQ_PACKED_DESC_FLAGS,
                                    i >= readable ? VQ_DESC_F_WRITE : 0u);
                }
                write_desc_body(r, plain, false, desc + (size_t)head * VQ_DESC_SIZE, a.table_gpa,
                                n * VQ_DESC_SIZE, id);
                head_flags = (uint16_t)(VQ_DESC_F_INDIRECT | avail_bits(wrap));
                count = 1;
                if (++pos == size) {
                        pos = 0;
                        wrap = !wrap;
                }
        } else {
                uint16_t bits = avail_bits(wrap);
                head_flags = (uint16_t)(bits | (n > 1 ? VQ_DESC_F_NEXT : 0u) |
                                        (readable == 0 ? VQ_DESC_F_WRITE : 0u));
                for (uint32_t i = 0; i < n; i++) {
                        volatile uint8_t *d = desc + (size_t)pos * VQ_DESC_SIZE;
                        /* 2.8.6: the Buffer ID belongs in the last descriptor; writing it in
                         * every one costs nothing and keeps the descriptors self-describing. */
                        write_desc_body(r, plain, false, d, sg[i].addr, sg[i].len, id);
                        if (i != 0)
                                vq_st16(r, plain, d + VQ_PACKED_DESC_FLAGS,
                                        (uint16_t)(bits | (i + 1u < n ? VQ_DESC_F_NEXT : 0u) |
                                                   (i >= readable ? VQ_DESC_F_WRITE : 0u)));
                        if (++pos == size) {
                                pos = 0;
                                wrap = !wrap;
                                bits = avail_bits(wrap);
                        }
                }
                count = (uint16_t)n;
        }
        /* Barrier A (publish, 2.8.21.1.1): every descriptor of the list before the head's
         * flags, which make the whole list available at once. Pairs with the device's acquire
         * after it sees the head available. */
        vq_fence(r, plain, VQ_BARRIER_RELEASE);
        vq_st16(r, plain, desc + (size_t)head * VQ_DESC_SIZE + VQ_PACKED_DESC_FLAGS, head_flags);
        vq->free_head = next_free;
        vq->next_avail = pos;
        vq->avail_wrap = wrap;
        vq->added_since_kick += count;
        vq_drv_added(vq, id, token, &a);
        return 0;
}

static VQ_NOINLINE int packed_drv_add_list_plain(struct vq_driver *vq, const struct vq_sg *sg,
                                                 uint16_t readable, uint16_t writable,
                                                 uint64_t token, const struct vq_indirect *indirect)
{
        return packed_drv_add_list(vq, sg, readable, writable, token, indirect, true);
}

static VQ_NOINLINE int packed_drv_add_port(struct vq_driver *vq, const struct vq_sg *sg,
                                           uint16_t readable, uint16_t writable, uint64_t token,
                                           const struct vq_indirect *indirect)
{
        if ((uint32_t)readable + writable == 1u && indirect == NULL)
                return packed_drv_add_one(vq, sg, writable != 0, token, false);
        return packed_drv_add_list(vq, sg, readable, writable, token, indirect, false);
}

int vq_packed_drv_add(struct vq_driver *vq, const struct vq_sg *sg, uint16_t readable,
                      uint16_t writable, uint64_t token, const struct vq_indirect *indirect)
{
        if (!vq_port_plain(vq->ring.port))
                return packed_drv_add_port(vq, sg, readable, writable, token, indirect);
        /* One direct descriptor inline; lists and indirect tables out of line. */
        if ((uint32_t)readable + writable == 1u && indirect == NULL)
                return packed_drv_add_one(vq, sg, writable != 0, token, true);
        return packed_drv_add_list_plain(vq, sg, readable, writable, token, indirect);
}

VQ_HOT int packed_drv_kick_prepare(struct vq_driver *vq, bool plain)
{
        struct vq_ring *r = &vq->ring;
        uint32_t added = vq->added_since_kick;
        vq->added_since_kick = 0;
        /* Barrier C (kick decision, 2.8.21.3.1): the head flags stores before reading the
         * device event suppression area. Pairs with the device's full fence in
         * vq_dev_enable_notify. Nothing published since the last decision: no fence needed
         * (the flags are still read and checked). */
        if (added != 0)
                vq_fence(r, plain, VQ_BARRIER_FULL);
        int rc = event_decision(r, plain, r->device_area, vq->next_avail, vq->avail_wrap, added);
        return rc < 0 ? vq_fail(r, rc) : rc;
}

static VQ_NOINLINE int packed_drv_kick_prepare_port(struct vq_driver *vq)
{
        return packed_drv_kick_prepare(vq, false);
}

int vq_packed_drv_kick_prepare(struct vq_driver *vq)
{
        if (vq_port_plain(vq->ring.port))
                return packed_drv_kick_prepare(vq, true);
        return packed_drv_kick_prepare_port(vq);
}

VQ_HOT int packed_drv_get_used(struct vq_driver *vq, uint64_t *token, uint32_t *len, bool plain)
{
        struct vq_ring *r = &vq->ring;
        uint16_t pos = vq->next_used;
        bool wrap = vq->used_wrap;
        volatile uint8_t *d = r->desc + (size_t)pos * VQ_DESC_SIZE;
        uint16_t flags = vq_ld16(r, plain, d + VQ_PACKED_DESC_FLAGS);
        if (!vq_packed_is_used(flags, wrap))
                return 0;
        /* Barrier B (complete): the used flags before the id and len. Pairs with the
         * device's release before it stores the used flags. */
        vq_fence(r, plain, VQ_BARRIER_ACQUIRE);
        uint16_t id = vq_ld16(r, plain, d + VQ_PACKED_DESC_ID);
        uint32_t used_len = vq_ld32(r, plain, d + VQ_PACKED_DESC_LEN);
        if (r->in_order) {
                /* The in-order batch logic is shared with the split ring. */
                if (!(flags & VQ_DESC_F_WRITE) &&
                    (id >= r->size || used_len > vq->slots[id].writable_bytes))
                        used_len = 0;
                bool consumed;
                int rc = vq_drv_take_used(vq, id, used_len, token, len, &consumed);
                if (consumed && vq->event_flags == VQ_EVENT_F_DESC)
                        vq_st16(r, plain, r->driver_area + VQ_EVENT_OFF_WRAP,
                                off_wrap(vq->next_used, vq->used_wrap));
                return rc;
        }
        /* The checks of vq_drv_take_used, in its order, and vq_drv_release for a packed ring
         * without IN_ORDER. */
        uint16_t size = r->size;
        if (id >= size)
                return vq_fail(r, VQ_EUSEDID);
        struct vq_drv_slot *s = &vq->slots[id];
        if (!s->in_use)
                return vq_fail(r, VQ_ENOTHEAD);
        /* 2.8.4 makes len meaningful only with WRITE set in the used descriptor, but QEMU 7.2
         * (virtqueue_packed_fill_desc) never sets WRITE and puts the real length in len, and
         * Linux reads len whatever the flags. So without WRITE a len that fits the buffer's
         * writable part is taken, and anything else is ignored as the reserved value it is. */
        if (used_len > s->writable_bytes) {
                if (flags & VQ_DESC_F_WRITE)
                        return vq_fail(r, VQ_EUSEDLEN);
                used_len = 0;
        }
        uint16_t count = s->desc_count;
        s->next = vq->free_head;
        s->in_use = 0;
        vq->free_head = id;
        vq->num_free = (uint16_t)(vq->num_free + count);
        vq->outstanding--;
        /* count <= size: the position moves on by less than two laps' worth. */
        uint32_t p = (uint32_t)pos + count;
        if (p >= size) {
                p -= size;
                wrap = !wrap;
        }
        vq->next_used = (uint16_t)p;
        vq->used_wrap = wrap;
        *token = s->token;
        *len = used_len;
        if (vq->event_flags == VQ_EVENT_F_DESC)
                vq_st16(r, plain, r->driver_area + VQ_EVENT_OFF_WRAP, off_wrap((uint16_t)p, wrap));
        return 1;
}

static VQ_NOINLINE int packed_drv_get_used_port(struct vq_driver *vq, uint64_t *token,
                                                uint32_t *len)
{
        return packed_drv_get_used(vq, token, len, false);
}

int vq_packed_drv_get_used(struct vq_driver *vq, uint64_t *token, uint32_t *len)
{
        if (vq_port_plain(vq->ring.port))
                return packed_drv_get_used(vq, token, len, true);
        return packed_drv_get_used_port(vq, token, len);
}

int vq_packed_drv_disable_cb(struct vq_driver *vq)
{
        struct vq_ring *r = &vq->ring;
        if (vq->event_flags == VQ_EVENT_F_DISABLE)
                return 0;
        vq->event_flags = VQ_EVENT_F_DISABLE;
        vq_port_store16(r->port, r->driver_area + VQ_EVENT_FLAGS, vq->event_flags);
        return 0;
}

int vq_packed_drv_enable_cb(struct vq_driver *vq)
{
        struct vq_ring *r = &vq->ring;
        if (r->event_idx) {
                vq_port_store16(r->port, r->driver_area + VQ_EVENT_OFF_WRAP,
                                off_wrap(vq->next_used, vq->used_wrap));
                /* off_wrap before the flags that make the device use it. */
                vq_barrier(r, VQ_BARRIER_RELEASE);
                vq->event_flags = VQ_EVENT_F_DESC;
        } else {
                vq->event_flags = VQ_EVENT_F_ENABLE;
        }
        vq_port_store16(r->port, r->driver_area + VQ_EVENT_FLAGS, vq->event_flags);
        /* Barrier D (interrupt decision): event suppression stores before re-reading the
         * next used descriptor. Pairs with the device's full fence in vq_dev_need_interrupt. */
        vq_barrier(r, VQ_BARRIER_FULL);
        uint16_t flags =
            vq_port_load16(r->port, vq_desc_at(r, vq->next_used) + VQ_PACKED_DESC_FLAGS);
        return vq_packed_is_used(flags, vq->used_wrap) ? 1 : 0;
}

/* ---- device ------------------------------------------------------------------------------ */

static int walk_indirect_table(struct vq_ring *r, struct vq_walk *w, volatile const uint8_t *t,
                               int entries, bool plain)
{
        for (int j = 0; j < entries; j++) {
                volatile const uint8_t *e = t + (size_t)j * VQ_DESC_SIZE;
                uint16_t flags = vq_tab_ld16(r, plain, e + VQ_PACKED_DESC_FLAGS);
                /* 2.8.19: only WRITE may be set in an indirect table entry; INDIRECT there
                 * would be a nested table (rejected); NEXT is meaningless and ignored. */
                if (flags & VQ_DESC_F_INDIRECT)
                        return vq_fail(r, VQ_EINDNESTED);
                uint64_t addr = vq_tab_ld64(r, plain, e + VQ_PACKED_DESC_ADDR);
                uint32_t len = vq_tab_ld32(r, plain, e + VQ_PACKED_DESC_LEN);
                int rc = vq_walk_piece(r, w, addr, len, (flags & VQ_DESC_F_WRITE) != 0);
                if (rc != 0)
                        return rc;
        }
        return 0;
}

/*
 * packed_dev_pop for a list of one direct descriptor `d` (available, flags already read; the
 * caller checked capacity >= 1): the walk of packed_dev_pop_list with count = 1, same loads in the
 * same order and the same rules in the same order. vq_walk_piece's order and total-length
 * rules cannot fail for a single piece (nothing precedes it; len < 2^32), nor its capacity
 * rule; the translation, buffer id, ownership and in-flight rules remain.
 */
VQ_HOT int packed_dev_pop_one(struct vq_device *vq, struct vq_chain *chain, struct vq_elem *elems,
                              volatile uint8_t *d, uint16_t flags, bool plain)
{
        struct vq_ring *r = &vq->ring;
        uint64_t addr = vq_ld64(r, plain, d + VQ_PACKED_DESC_ADDR);
        uint32_t len = vq_ld32(r, plain, d + VQ_PACKED_DESC_LEN);
        uint16_t id = vq_ld16(r, plain, d + VQ_PACKED_DESC_ID);
        void *host;
        if (vq_translate(r->port, addr, len, &host) != 0)
                return vq_fail(r, VQ_ETRANSLATE);
        uint16_t size = r->size;
        /* 2.8.6: the Buffer ID names one outstanding buffer. */
        if (id >= size)
                return vq_fail(r, VQ_EBUFID);
        struct vq_dev_slot *s = &vq->slots[id];
        if (s->in_use)
                return vq_fail(r, VQ_EINUSE);
        if ((uint32_t)vq->inflight_descs + 1u > size)
                return vq_fail(r, VQ_EINFLIGHT);
        bool writable = (flags & VQ_DESC_F_WRITE) != 0;
        elems[0].addr = addr;
        elems[0].host = host;
        elems[0].len = len;
        elems[0].writable = writable;
        chain->id = id;
        chain->elem_count = 1;
        chain->desc_count = 1;
        if (writable) {
                chain->writable_bytes = len;
        } else {
                chain->readable_count = 1;
                chain->readable_bytes = len;
        }
        uint16_t pos = (uint16_t)(vq->next_avail + 1u);
        if (pos == size) {
                pos = 0;
                vq->avail_wrap = !vq->avail_wrap;
        }
        vq->next_avail = pos;
        vq_dev_popped(vq, chain);
        return 1;
}

/* The walk of a list (NEXT) or an indirect descriptor whose head, at the device's next
 * position, the caller found available with `flags` (and acquired). */
VQ_HOT int packed_dev_pop_list(struct vq_device *vq, struct vq_chain *chain, struct vq_elem *elems,
                               uint16_t capacity, uint16_t flags, bool plain)
{
        struct vq_ring *r = &vq->ring;
        volatile uint8_t *desc = r->desc;
        uint16_t size = r->size;
        uint16_t pos = vq->next_avail;
        bool wrap = vq->avail_wrap;
        volatile uint8_t *d = desc + (size_t)pos * VQ_DESC_SIZE;
        struct vq_walk w = { chain, elems, capacity, 0, false };
        uint16_t count = 0;
        uint16_t id;
        for (;;) {
                uint64_t addr = vq_ld64(r, plain, d + VQ_PACKED_DESC_ADDR);
                uint32_t len = vq_ld32(r, plain, d + VQ_PACKED_DESC_LEN);
                id = vq_ld16(r, plain, d + VQ_PACKED_DESC_ID);
                count++;
                int rc;
                if (flags & VQ_DESC_F_INDIRECT) {
                        /* 2.8.19: no INDIRECT descriptor in a list linked by NEXT, so an
                         * indirect descriptor is always a list of its own. */
                        if (count > 1)
                                return vq_fail(r, VQ_EINDCHAIN);
                        volatile uint8_t *table;
                        int n = vq_walk_indirect(r, addr, len, flags, &table);
                        if (n < 0)
                                return n;
                        chain->indirect = true;
                        rc = walk_indirect_table(r, &w, table, n, plain);
                } else {
                        rc = vq_walk_piece(r, &w, addr, len, (flags & VQ_DESC_F_WRITE) != 0);
                }
                if (rc != 0)
                        return rc;
                if (++pos == size) {
                        pos = 0;
                        wrap = !wrap;
                }
                if (!(flags & VQ_DESC_F_NEXT))
                        break;
                /* 2.8.17: a list is never longer than the queue size. */
                if (count == size)
                        return vq_fail(r, VQ_ELOOP);
                d = desc + (size_t)pos * VQ_DESC_SIZE;
                /* 2.8.6: a list is made available as a whole, so every descriptor after the
                 * head is available in the same lap. */
                flags = vq_ld16(r, plain, d + VQ_PACKED_DESC_FLAGS);
                if (!vq_packed_is_avail(flags, wrap))
                        return vq_fail(r, VQ_EWRAP);
        }
        /* 2.8.6: the Buffer ID (from the last descriptor) names one outstanding buffer. */
        if (id >= size)
                return vq_fail(r, VQ_EBUFID);
        if (vq->slots[id].in_use)
                return vq_fail(r, VQ_EINUSE);
        if ((uint32_t)vq->inflight_descs + count > size)
                return vq_fail(r, VQ_EINFLIGHT);
        vq->next_avail = pos;
        vq->avail_wrap = wrap;
        chain->id = id;
        chain->desc_count = count;
        vq_dev_popped(vq, chain);
        return 1;
}

static VQ_NOINLINE int packed_dev_pop_list_plain(struct vq_device *vq, struct vq_chain *chain,
                                                 struct vq_elem *elems, uint16_t capacity,
                                                 uint16_t flags)
{
        return packed_dev_pop_list(vq, chain, elems, capacity, flags, true);
}

static VQ_NOINLINE int packed_dev_pop_list_port(struct vq_device *vq, struct vq_chain *chain,
                                                struct vq_elem *elems, uint16_t capacity,
                                                uint16_t flags)
{
        return packed_dev_pop_list(vq, chain, elems, capacity, flags, false);
}

VQ_HOT int packed_dev_pop(struct vq_device *vq, struct vq_chain *chain, struct vq_elem *elems,
                          uint16_t capacity, bool plain)
{
        struct vq_ring *r = &vq->ring;
        volatile uint8_t *d = r->desc + (size_t)vq->next_avail * VQ_DESC_SIZE;
        uint16_t flags = vq_ld16(r, plain, d + VQ_PACKED_DESC_FLAGS);
        if (!vq_packed_is_avail(flags, vq->avail_wrap))
                return 0;
        /* Barrier A (publish): the head's flags before the rest of the list. Pairs with the
         * driver's release before it stores the head flags. */
        vq_fence(r, plain, VQ_BARRIER_ACQUIRE);
        if (!(flags & (VQ_DESC_F_NEXT | VQ_DESC_F_INDIRECT)))
                return packed_dev_pop_one(vq, chain, elems, d, flags, plain);
        /* Lists and indirect descriptors: out of line, so that the one-descriptor path keeps
         * a small frame. */
        if (plain)
                return packed_dev_pop_list_plain(vq, chain, elems, capacity, flags);
        return packed_dev_pop_list_port(vq, chain, elems, capacity, flags);
}

static VQ_NOINLINE int packed_dev_pop_port(struct vq_device *vq, struct vq_chain *chain,
                                           struct vq_elem *elems, uint16_t capacity)
{
        return packed_dev_pop(vq, chain, elems, capacity, false);
}

int vq_packed_dev_pop(struct vq_device *vq, struct vq_chain *chain, struct vq_elem *elems,
                      uint16_t capacity)
{
        if (vq_port_plain(vq->ring.port))
                return packed_dev_pop(vq, chain, elems, capacity, true);
        return packed_dev_pop_port(vq, chain, elems, capacity);
}

VQ_HOT int packed_dev_push(struct vq_device *vq, uint16_t id, uint32_t written_bytes, bool plain)
{
        struct vq_ring *r = &vq->ring;
        int rc = vq_dev_push_check(vq, id, written_bytes);
        if (rc != 0)
                return rc;
        volatile uint8_t *d = r->desc + (size_t)vq->next_used * VQ_DESC_SIZE;
        uint16_t flags = vq->used_wrap ? (uint16_t)(VQ_DESC_F_AVAIL | VQ_DESC_F_USED) : 0u;
        if (written_bytes > 0)
                flags |= VQ_DESC_F_WRITE;
        vq_st16(r, plain, d + VQ_PACKED_DESC_ID, id);
        vq_st32(r, plain, d + VQ_PACKED_DESC_LEN, written_bytes);
        /* Barrier B (complete, 2.8.15): id, len and the written data before the used flags.
         * Pairs with the driver's acquire after it sees the descriptor used. */
        vq_fence(r, plain, VQ_BARRIER_RELEASE);
        vq_st16(r, plain, d + VQ_PACKED_DESC_FLAGS, flags);
        uint16_t count = vq->slots[id].desc_count;
        vq_packed_advance(r->size, &vq->next_used, &vq->used_wrap, count);
        vq->used_since_signal += count;
        vq_dev_pushed(vq, id);
        return 0;
}

static VQ_NOINLINE int packed_dev_push_port(struct vq_device *vq, uint16_t id,
                                            uint32_t written_bytes)
{
        return packed_dev_push(vq, id, written_bytes, false);
}

int vq_packed_dev_push(struct vq_device *vq, uint16_t id, uint32_t written_bytes)
{
        if (vq_port_plain(vq->ring.port))
                return packed_dev_push(vq, id, written_bytes, true);
        return packed_dev_push_port(vq, id, written_bytes);
}

VQ_HOT int packed_dev_need_interrupt(struct vq_device *vq, bool plain)
{
        struct vq_ring *r = &vq->ring;
        uint32_t n = vq->used_since_signal;
        vq->used_since_signal = 0;
        /* Barrier D (interrupt decision): the used flags stores before reading the driver
         * event suppression area. Pairs with the driver's full fence in vq_drv_enable_cb.
         * Nothing completed since the last decision: no fence needed (the flags are still
         * read and checked). */
        if (n != 0)
                vq_fence(r, plain, VQ_BARRIER_FULL);
        int rc = event_decision(r, plain, r->driver_area, vq->next_used, vq->used_wrap, n);
        return rc < 0 ? vq_fail(r, rc) : rc;
}

static VQ_NOINLINE int packed_dev_need_interrupt_port(struct vq_device *vq)
{
        return packed_dev_need_interrupt(vq, false);
}

int vq_packed_dev_need_interrupt(struct vq_device *vq)
{
        if (vq_port_plain(vq->ring.port))
                return packed_dev_need_interrupt(vq, true);
        return packed_dev_need_interrupt_port(vq);
}

int vq_packed_dev_disable_notify(struct vq_device *vq)
{
        struct vq_ring *r = &vq->ring;
        if (vq->used_flags == VQ_EVENT_F_DISABLE)
                return 0;
        vq->used_flags = VQ_EVENT_F_DISABLE;
        vq_port_store16(r->port, r->device_area + VQ_EVENT_FLAGS, vq->used_flags);
        return 0;
}

int vq_packed_dev_enable_notify(struct vq_device *vq)
{
        struct vq_ring *r = &vq->ring;
        if (r->event_idx) {
                vq_port_store16(r->port, r->device_area + VQ_EVENT_OFF_WRAP,
                                off_wrap(vq->next_avail, vq->avail_wrap));
                /* off_wrap before the flags that make the driver use it. */
                vq_barrier(r, VQ_BARRIER_RELEASE);
                vq->used_flags = VQ_EVENT_F_DESC;
        } else {
                vq->used_flags = VQ_EVENT_F_ENABLE;
        }
        vq_port_store16(r->port, r->device_area + VQ_EVENT_FLAGS, vq->used_flags);
        /* Barrier C (kick decision): event suppression stores before re-reading the next
         * available descriptor. Pairs with the driver's full fence in vq_drv_kick_prepare. */
        vq_barrier(r, VQ_BARRIER_FULL);
        uint16_t flags =
            vq_port_load16(r->port, vq_desc_at(r, vq->next_avail) + VQ_PACKED_DESC_FLAGS);
        return vq_packed_is_avail(flags, vq->avail_wrap) ? 1 : 0;
}
