/*
 * vq_split: the split virtqueue (spec 2.7), driver and device side.
 *
 * Memory: descriptor table (driver writes, device reads), available ring (driver writes,
 * device reads; used_event at its end), used ring (device writes, driver reads; avail_event at
 * its end). Every access goes through the port; every barrier names its pairing (A-D, see
 * virtqueue.h). The hot entry points instantiate their body for plain and hooked ports (see
 * VQ_HOT in vq_priv.h).
 */
#include "virtio/vq_priv.h"

/* ---- driver ------------------------------------------------------------------------------ */

VQ_HOT void write_desc(const struct vq_ring *r, bool plain, bool table, volatile uint8_t *d,
                       uint64_t addr, uint32_t len, uint16_t flags, uint16_t next)
{
        if (table) {
                vq_tab_st64(r, plain, d + VQ_SPLIT_DESC_ADDR, addr);
                vq_tab_st32(r, plain, d + VQ_SPLIT_DESC_LEN, len);
                vq_tab_st16(r, plain, d + VQ_SPLIT_DESC_FLAGS, flags);
                vq_tab_st16(r, plain, d + VQ_SPLIT_DESC_NEXT, next);
        } else {
                vq_st64(r, plain, d + VQ_SPLIT_DESC_ADDR, addr);
                vq_st32(r, plain, d + VQ_SPLIT_DESC_LEN, len);
                vq_st16(r, plain, d + VQ_SPLIT_DESC_FLAGS, flags);
                vq_st16(r, plain, d + VQ_SPLIT_DESC_NEXT, next);
        }
}

static uint16_t piece_flags(uint32_t i, uint32_t n, uint16_t readable)
{
        uint16_t flags = i + 1u < n ? VQ_DESC_F_NEXT : 0u;
        if (i >= readable)
                flags |= VQ_DESC_F_WRITE;
        return flags;
}

/* Take `count` descriptors; returns the head. In-order queues allocate sequentially so that
 * desc x chains to x + 1 and the last table entry to 0 (2.7.5.2 IN_ORDER rule); otherwise the
 * shadow free list is used (never read back from shared memory). */
VQ_HOT uint16_t alloc_descs(struct vq_driver *vq, uint16_t count, uint16_t *last)
{
        uint16_t q = vq->ring.size;
        uint16_t head;
        if (vq->ring.in_order) {
                head = vq->next_desc;
                *last = (uint16_t)((head + count - 1u) & (q - 1u));
                vq->next_desc = (uint16_t)((head + count) & (q - 1u));
                for (uint16_t i = 0; i < count; i++) {
                        uint16_t d = (uint16_t)((head + i) & (q - 1u));
                        vq->slots[d].next = (uint16_t)((d + 1u) & (q - 1u));
                }
                return head;
        }
        head = vq->free_head;
        uint16_t d = head;
        for (uint16_t i = 1; i < count; i++)
                d = vq->slots[d].next;
        *last = d;
        vq->free_head = vq->slots[d].next;
        return head;
}

VQ_HOT int split_drv_add(struct vq_driver *vq, const struct vq_sg *sg, uint16_t readable,
                         uint16_t writable, uint64_t token, const struct vq_indirect *indirect,
                         bool plain)
{
        struct vq_ring *r = &vq->ring;
        struct vq_add a;
        int rc = vq_drv_add_check(vq, sg, readable, writable, indirect, &a);
        if (rc != 0)
                return rc;
        uint32_t n = (uint32_t)readable + writable;
        uint16_t last;
        uint16_t head = alloc_descs(vq, a.need, &last);
        if (a.table != NULL) {
                volatile uint8_t *table = (volatile uint8_t *)a.table;
                for (uint32_t i = 0; i < n; i++)
                        write_desc(r, plain, true, table + i * VQ_DESC_SIZE, sg[i].addr, sg[i].len,
                                   piece_flags(i, n, readable), (uint16_t)(i + 1u));
                /* 2.7.5.3.2: WRITE is ignored on the descriptor that refers to the table. */
                write_desc(r, plain, false, vq_desc_at(r, head), a.table_gpa, n * VQ_DESC_SIZE,
                           VQ_DESC_F_INDIRECT, vq->slots[head].next);
        } else {
                uint16_t d = head;
                for (uint32_t i = 0; i < n; i++) {
                        uint16_t next = vq->slots[d].next;
                        write_desc(r, plain, false, vq_desc_at(r, d), sg[i].addr, sg[i].len,
                                   piece_flags(i, n, readable), next);
                        d = next;
                }
        }
        vq->slots[head].last = last;
        vq_st16(r, plain, vq_avail_entry(r, (uint16_t)(vq->avail_idx & (r->size - 1u))), head);
        /* Barrier A (publish, 2.7.13.3.1): descriptors and ring entry before avail->idx.
         * Pairs with the device's acquire after it reads avail->idx. */
        vq_fence(r, plain, VQ_BARRIER_RELEASE);
        vq->avail_idx++;
        vq_st16(r, plain, r->driver_area + VQ_AVAIL_IDX, vq->avail_idx);
        vq->added_since_kick++;
        vq_drv_added(vq, head, token, &a);
        return 0;
}

static VQ_NOINLINE int split_drv_add_port(struct vq_driver *vq, const struct vq_sg *sg,
                                          uint16_t readable, uint16_t writable, uint64_t token,
                                          const struct vq_indirect *indirect)
{
        return split_drv_add(vq, sg, readable, writable, token, indirect, false);
}

int vq_split_drv_add(struct vq_driver *vq, const struct vq_sg *sg, uint16_t readable,
                     uint16_t writable, uint64_t token, const struct vq_indirect *indirect)
{
        if (vq_port_plain(vq->ring.port))
                return split_drv_add(vq, sg, readable, writable, token, indirect, true);
        return split_drv_add_port(vq, sg, readable, writable, token, indirect);
}

VQ_HOT int split_drv_kick_prepare(struct vq_driver *vq, bool plain)
{
        struct vq_ring *r = &vq->ring;
        uint16_t old = vq->kicked_avail;
        uint16_t now = vq->avail_idx;
        uint32_t added = vq->added_since_kick;
        vq->kicked_avail = now;
        vq->added_since_kick = 0;
        if (added == 0)
                return 0; /* nothing published since the last decision: no fence needed */
        /* Barrier C (kick decision, 2.7.13.4.1): avail->idx store before the avail_event /
         * flags load. Pairs with the device's full fence in vq_dev_enable_notify. */
        vq_fence(r, plain, VQ_BARRIER_FULL);
        if (added > 0xffffu)
                return 1; /* the 16-bit window cannot express it: notify */
        if (r->event_idx) {
                /* 2.7.10: notify if avail_event lies in [old, new). */
                uint16_t event = vq_ld16(r, plain, vq_avail_event(r));
                return vq_need_event(event, now, old) ? 1 : 0;
        }
        uint16_t flags = vq_ld16(r, plain, r->device_area + VQ_USED_FLAGS);
        return (flags & VQ_USED_F_NO_NOTIFY) ? 0 : 1;
}

static VQ_NOINLINE int split_drv_kick_prepare_port(struct vq_driver *vq)
{
        return split_drv_kick_prepare(vq, false);
}

int vq_split_drv_kick_prepare(struct vq_driver *vq)
{
        if (vq_port_plain(vq->ring.port))
                return split_drv_kick_prepare(vq, true);
        return split_drv_kick_prepare_port(vq);
}

VQ_HOT int split_drv_get_used(struct vq_driver *vq, uint64_t *token, uint32_t *len, bool plain)
{
        struct vq_ring *r = &vq->ring;
        /* Reread used->idx only when the entries seen at the last read are used up (an
         * in-order batch may have taken the driver past them), so reaping a batch does not
         * pull the index line back from the device for every buffer. */
        uint16_t seen = (uint16_t)(vq->shadow_used - vq->last_used);
        if (seen == 0 || seen > 0x8000u) {
                uint16_t used_idx = vq_ld16(r, plain, r->device_area + VQ_USED_IDX);
                if (used_idx == vq->last_used)
                        return 0;
                /* Each used entry returns at least one outstanding buffer. */
                if ((uint16_t)(used_idx - vq->last_used) > vq->outstanding)
                        return vq_fail(r, VQ_EUSEDJUMP);
                /* Barrier B (complete): read used->idx before the used elements up to it.
                 * Pairs with the device's release before it stores used->idx. */
                vq_fence(r, plain, VQ_BARRIER_ACQUIRE);
                vq->shadow_used = used_idx;
        }
        volatile uint8_t *e = vq_used_elem(r, (uint16_t)(vq->last_used & (r->size - 1u)));
        uint32_t id = vq_ld32(r, plain, e);
        uint32_t used_len = vq_ld32(r, plain, e + 4);
        if (id >= r->size)
                return vq_fail(r, VQ_EUSEDID);
        bool consumed;
        int rc = vq_drv_take_used(vq, (uint16_t)id, used_len, token, len, &consumed);
        if (consumed) {
                /* (last_used advanced when the buffer was released.) Keep used_event at the next
                 * entry while callbacks are enabled, so the next completion notifies (2.7.7). The
                 * decisive fence is in vq_drv_enable_cb. */
                if (r->event_idx && !(vq->avail_flags & VQ_AVAIL_F_NO_INTERRUPT))
                        vq_st16(r, plain, vq_used_event(r), vq->last_used);
        }
        return rc;
}

static VQ_NOINLINE int split_drv_get_used_port(struct vq_driver *vq, uint64_t *token, uint32_t *len)
{
        return split_drv_get_used(vq, token, len, false);
}

int vq_split_drv_get_used(struct vq_driver *vq, uint64_t *token, uint32_t *len)
{
        if (vq_port_plain(vq->ring.port))
                return split_drv_get_used(vq, token, len, true);
        return split_drv_get_used_port(vq, token, len);
}

int vq_split_drv_disable_cb(struct vq_driver *vq)
{
        struct vq_ring *r = &vq->ring;
        if (vq->avail_flags & VQ_AVAIL_F_NO_INTERRUPT)
                return 0;
        vq->avail_flags |= VQ_AVAIL_F_NO_INTERRUPT;
        if (r->event_idx) {
                /* 2.7.7.1: with EVENT_IDX flags stay 0; park used_event one entry behind, so
                 * it is crossed only after 2^16 completions. */
                vq_port_store16(r->port, vq_used_event(r), (uint16_t)(vq->last_used - 1u));
        } else {
                vq_port_store16(r->port, r->driver_area + VQ_AVAIL_FLAGS, vq->avail_flags);
        }
        return 0;
}

int vq_split_drv_enable_cb(struct vq_driver *vq)
{
        struct vq_ring *r = &vq->ring;
        vq->avail_flags &= (uint16_t)~VQ_AVAIL_F_NO_INTERRUPT;
        if (r->event_idx)
                vq_port_store16(r->port, vq_used_event(r), vq->last_used);
        else
                vq_port_store16(r->port, r->driver_area + VQ_AVAIL_FLAGS, vq->avail_flags);
        /* Barrier D (interrupt decision): used_event / flags store before re-reading
         * used->idx. Pairs with the device's full fence in vq_dev_need_interrupt. */
        vq_barrier(r, VQ_BARRIER_FULL);
        uint16_t used_idx = vq_port_load16(r->port, r->device_area + VQ_USED_IDX);
        return used_idx != vq->last_used ? 1 : 0;
}

/* ---- device ------------------------------------------------------------------------------ */

struct split_desc {
        uint64_t addr;
        uint32_t len;
        uint16_t flags;
        uint16_t next;
};

VQ_HOT void read_desc(const struct vq_ring *r, bool plain, bool table, volatile const uint8_t *d,
                      struct split_desc *out)
{
        if (table) {
                out->addr = vq_tab_ld64(r, plain, d + VQ_SPLIT_DESC_ADDR);
                out->len = vq_tab_ld32(r, plain, d + VQ_SPLIT_DESC_LEN);
                out->flags = vq_tab_ld16(r, plain, d + VQ_SPLIT_DESC_FLAGS);
                out->next = vq_tab_ld16(r, plain, d + VQ_SPLIT_DESC_NEXT);
        } else {
                out->addr = vq_ld64(r, plain, d + VQ_SPLIT_DESC_ADDR);
                out->len = vq_ld32(r, plain, d + VQ_SPLIT_DESC_LEN);
                out->flags = vq_ld16(r, plain, d + VQ_SPLIT_DESC_FLAGS);
                out->next = vq_ld16(r, plain, d + VQ_SPLIT_DESC_NEXT);
        }
}

static int walk_indirect_table(struct vq_device *vq, struct vq_walk *w,
                               volatile const uint8_t *table, uint16_t entries, bool plain);

/*
 * Walk one chain of a table: the ring's descriptor table (`indirect` false) or an indirect
 * table of `entries` descriptors (`indirect` true). A ring descriptor with INDIRECT hands over
 * to the walk of its table, which ends the chain (no NEXT with INDIRECT, 2.7.5.3.1).
 */
VQ_HOT int walk_table(struct vq_device *vq, struct vq_walk *w, volatile const uint8_t *table,
                      uint16_t entries, uint16_t first, bool indirect, bool plain)
{
        struct vq_ring *r = &vq->ring;
        uint16_t i = first;
        for (uint32_t steps = 1;; steps++) {
                /* 2.7.5.2 / 2.7.5.3.1: no chain is longer than its table (queue size), so
                 * one more step than entries means a loop. */
                if (steps > entries)
                        return vq_fail(r, VQ_ELOOP);
                struct split_desc d;
                read_desc(r, plain, indirect, table + (size_t)i * VQ_DESC_SIZE, &d);
                if (!indirect)
                        w->chain->desc_count++;
                if (d.flags & VQ_DESC_F_INDIRECT) {
                        if (indirect)
                                return vq_fail(r, VQ_EINDNESTED); /* 2.7.5.3.1 */
                        volatile uint8_t *sub;
                        int n = vq_walk_indirect(r, d.addr, d.len, d.flags, &sub);
                        if (n < 0)
                                return n;
                        w->chain->indirect = true;
                        return walk_indirect_table(vq, w, sub, (uint16_t)n, plain);
                }
                int rc = vq_walk_piece(r, w, d.addr, d.len, (d.flags & VQ_DESC_F_WRITE) != 0);
                if (rc != 0)
                        return rc;
                if (!(d.flags & VQ_DESC_F_NEXT))
                        return 0;
                if (d.next >= entries)
                        return vq_fail(r, VQ_ENEXT);
                i = d.next;
        }
}

/* The walk of an indirect table (rare: out of line; entered at most once per chain). */
static int walk_indirect_table(struct vq_device *vq, struct vq_walk *w,
                               volatile const uint8_t *table, uint16_t entries, bool plain)
{
        if (plain)
                return walk_table(vq, w, table, entries, 0, true, true);
        return walk_table(vq, w, table, entries, 0, true, false);
}

VQ_HOT int split_dev_pop(struct vq_device *vq, struct vq_chain *chain, struct vq_elem *elems,
                         uint16_t capacity, bool plain)
{
        struct vq_ring *r = &vq->ring;
        /* Reread avail->idx only when the entries seen at the last read are used up, so a
         * device working through a batch does not pull the index line back from the driver
         * for every buffer (QEMU's shadow_avail_idx does the same). */
        if (vq->shadow_avail == vq->last_avail) {
                uint16_t avail_idx = vq_ld16(r, plain, r->driver_area + VQ_AVAIL_IDX);
                if (avail_idx == vq->last_avail)
                        return 0;
                /* 2.7.6.1 / 2.7.13: the driver cannot have more buffers available and in
                 * flight than the queue size (each takes a head descriptor). The check holds
                 * for the whole batch: each pop moves one buffer from available to in flight. */
                if ((uint32_t)(uint16_t)(avail_idx - vq->last_avail) + vq->inflight_bufs > r->size)
                        return vq_fail(r, VQ_EAVAILJUMP);
                /* Barrier A (publish): avail->idx before the ring entries and descriptors up
                 * to it. Pairs with the driver's release before it stores avail->idx. */
                vq_fence(r, plain, VQ_BARRIER_ACQUIRE);
                vq->shadow_avail = avail_idx;
        }
        uint16_t head =
            vq_ld16(r, plain, vq_avail_entry(r, (uint16_t)(vq->last_avail & (r->size - 1u))));
        if (head >= r->size)
                return vq_fail(r, VQ_EHEAD);
        if (vq->slots[head].in_use)
                return vq_fail(r, VQ_EINUSE);
        struct vq_walk w = { chain, elems, capacity, 0, false };
        int rc = walk_table(vq, &w, r->desc, r->size, head, false, plain);
        if (rc != 0)
                return rc;
        chain->id = head;
        vq->last_avail++;
        vq_dev_popped(vq, chain);
        return 1;
}

static VQ_NOINLINE int split_dev_pop_port(struct vq_device *vq, struct vq_chain *chain,
                                          struct vq_elem *elems, uint16_t capacity)
{
        return split_dev_pop(vq, chain, elems, capacity, false);
}

int vq_split_dev_pop(struct vq_device *vq, struct vq_chain *chain, struct vq_elem *elems,
                     uint16_t capacity)
{
        if (vq_port_plain(vq->ring.port))
                return split_dev_pop(vq, chain, elems, capacity, true);
        return split_dev_pop_port(vq, chain, elems, capacity);
}

VQ_HOT int split_dev_push(struct vq_device *vq, uint16_t id, uint32_t written_bytes, bool plain)
{
        struct vq_ring *r = &vq->ring;
        int rc = vq_dev_push_check(vq, id, written_bytes);
        if (rc != 0)
                return rc;
        volatile uint8_t *e = vq_used_elem(r, (uint16_t)(vq->used_idx & (r->size - 1u)));
        vq_st32(r, plain, e, id);
        vq_st32(r, plain, e + 4, written_bytes);
        /* Barrier B (complete, 2.7.8.2): the used element (and the data the caller wrote)
         * before used->idx. Pairs with the driver's acquire after it reads used->idx. */
        vq_fence(r, plain, VQ_BARRIER_RELEASE);
        vq->used_idx++;
        vq_st16(r, plain, r->device_area + VQ_USED_IDX, vq->used_idx);
        vq->used_since_signal++;
        vq_dev_pushed(vq, id);
        return 0;
}

static VQ_NOINLINE int split_dev_push_port(struct vq_device *vq, uint16_t id,
                                           uint32_t written_bytes)
{
        return split_dev_push(vq, id, written_bytes, false);
}

int vq_split_dev_push(struct vq_device *vq, uint16_t id, uint32_t written_bytes)
{
        if (vq_port_plain(vq->ring.port))
                return split_dev_push(vq, id, written_bytes, true);
        return split_dev_push_port(vq, id, written_bytes);
}

VQ_HOT int split_dev_need_interrupt(struct vq_device *vq, bool plain)
{
        struct vq_ring *r = &vq->ring;
        uint16_t old = vq->signalled_used;
        uint16_t now = vq->used_idx;
        uint32_t pushed = vq->used_since_signal;
        vq->signalled_used = now;
        vq->used_since_signal = 0;
        if (pushed == 0)
                return 0; /* nothing completed since the last decision: no fence needed */
        /* Barrier D (interrupt decision): used->idx store before the used_event / flags
         * load. Pairs with the driver's full fence in vq_drv_enable_cb. */
        vq_fence(r, plain, VQ_BARRIER_FULL);
        if (pushed > 0xffffu)
                return 1; /* the 16-bit window cannot express it: notify */
        if (r->event_idx) {
                /* 2.7.7.2: notify if used_event lies in [old, new). */
                uint16_t event = vq_ld16(r, plain, vq_used_event(r));
                return vq_need_event(event, now, old) ? 1 : 0;
        }
        uint16_t flags = vq_ld16(r, plain, r->driver_area + VQ_AVAIL_FLAGS);
        return (flags & VQ_AVAIL_F_NO_INTERRUPT) ? 0 : 1;
}

static VQ_NOINLINE int split_dev_need_interrupt_port(struct vq_device *vq)
{
        return split_dev_need_interrupt(vq, false);
}

int vq_split_dev_need_interrupt(struct vq_device *vq)
{
        if (vq_port_plain(vq->ring.port))
                return split_dev_need_interrupt(vq, true);
        return split_dev_need_interrupt_port(vq);
}

int vq_split_dev_disable_notify(struct vq_device *vq)
{
        struct vq_ring *r = &vq->ring;
        /* With EVENT_IDX, leaving avail_event where it is suppresses further kicks. */
        if (r->event_idx || (vq->used_flags & VQ_USED_F_NO_NOTIFY))
                return 0;
        vq->used_flags |= VQ_USED_F_NO_NOTIFY;
        vq_port_store16(r->port, r->device_area + VQ_USED_FLAGS, vq->used_flags);
        return 0;
}

int vq_split_dev_enable_notify(struct vq_device *vq)
{
        struct vq_ring *r = &vq->ring;
        if (r->event_idx) {
                vq_port_store16(r->port, vq_avail_event(r), vq->last_avail);
        } else {
                vq->used_flags &= (uint16_t)~VQ_USED_F_NO_NOTIFY;
                vq_port_store16(r->port, r->device_area + VQ_USED_FLAGS, vq->used_flags);
        }
        /* Barrier C (kick decision): avail_event / flags store before re-reading avail->idx.
         * Pairs with the device's full fence in vq_drv_kick_prepare. */
        vq_barrier(r, VQ_BARRIER_FULL);
        uint16_t avail_idx = vq_port_load16(r->port, r->driver_area + VQ_AVAIL_IDX);
        return avail_idx != vq->last_avail ? 1 : 0;
}
