/*
 * virtqueue: geometry, configuration checks, the layout dispatch and the cold logic shared by
 * the split (vq_split.c) and packed (vq_packed.c) rings (the hot shared pieces are inline in
 * vq_priv.h). One copy of the ring logic serves every port; the layout is a run-time choice.
 */
#include "virtio/vq_priv.h"

/* ---- geometry ------------------------------------------------------------------------------ */

size_t vq_desc_bytes(uint16_t size)
{
        return (size_t)VQ_DESC_SIZE * size;
}

size_t vq_driver_area_bytes(bool packed, uint16_t size)
{
        return packed ? 4u : 6u + 2u * (size_t)size;
}

size_t vq_device_area_bytes(bool packed, uint16_t size)
{
        return packed ? 4u : 6u + (size_t)VQ_USED_ELEM * size;
}

size_t vq_desc_align(void)
{
        return 16;
}

size_t vq_driver_area_align(bool packed)
{
        return packed ? 4u : 2u;
}

size_t vq_device_area_align(bool packed)
{
        (void)packed; /* used ring and device event suppression are both 4-aligned */
        return 4;
}

static uint64_t align_up(uint64_t v, uint64_t a)
{
        return (v + a - 1u) & ~(a - 1u);
}

static bool size_valid(bool packed, uint16_t size)
{
        if (size == 0 || size > VQ_MAX_SIZE)
                return false;
        return packed || (size & (size - 1u)) == 0;
}

size_t vq_layout_contiguous(struct vq_layout *layout, bool packed, uint16_t size, uint64_t base_gpa)
{
        if (layout == NULL || !size_valid(packed, size) || (base_gpa & 15u) != 0)
                return 0;
        uint64_t p = base_gpa;
        layout->desc_gpa = p;
        p += vq_desc_bytes(size);
        p = align_up(p, vq_driver_area_align(packed));
        layout->driver_gpa = p;
        p += vq_driver_area_bytes(packed, size);
        p = align_up(p, vq_device_area_align(packed));
        layout->device_gpa = p;
        p += vq_device_area_bytes(packed, size);
        return (size_t)(p - base_gpa);
}

/* ---- configuration ------------------------------------------------------------------------- */

static int translate_area(const struct vq_port *port, uint64_t gpa, size_t bytes, size_t align,
                          volatile uint8_t **out)
{
        void *host;
        if ((gpa & (align - 1u)) != 0)
                return VQ_EINVAL;
        int rc = vq_port_translate(port, gpa, bytes, &host);
        if (rc != 0)
                return rc;
        /* The host mapping must keep the alignment, or field accesses would tear. */
        if (((uintptr_t)host & (align - 1u)) != 0)
                return VQ_EINVAL;
        *out = (volatile uint8_t *)host;
        return 0;
}

static int ring_init(struct vq_ring *r, const struct vq_config *cfg)
{
        if (r == NULL || cfg == NULL || cfg->port == NULL)
                return VQ_EINVAL;
        bool packed = (cfg->features & VQ_F_RING_PACKED) != 0;
        if (!size_valid(packed, cfg->size))
                return VQ_EINVAL;
        struct vq_ring n = { 0 };
        n.port = cfg->port;
        n.features = cfg->features;
        n.layout = cfg->layout;
        n.size = cfg->size;
        n.index = cfg->index;
        n.packed = packed;
        n.event_idx = (cfg->features & VQ_F_EVENT_IDX) != 0;
        n.indirect = (cfg->features & VQ_F_INDIRECT_DESC) != 0;
        n.in_order = (cfg->features & VQ_F_IN_ORDER) != 0;
        n.platform = (cfg->features & VQ_F_ORDER_PLATFORM) != 0;
        int rc = translate_area(cfg->port, cfg->layout.desc_gpa, vq_desc_bytes(cfg->size),
                                vq_desc_align(), &n.desc);
        if (rc == 0)
                rc = translate_area(cfg->port, cfg->layout.driver_gpa,
                                    vq_driver_area_bytes(packed, cfg->size),
                                    vq_driver_area_align(packed), &n.driver_area);
        if (rc == 0)
                rc = translate_area(cfg->port, cfg->layout.device_gpa,
                                    vq_device_area_bytes(packed, cfg->size),
                                    vq_device_area_align(packed), &n.device_area);
        if (rc != 0)
                return rc;
        *r = n;
        return 0;
}

void vq_zero_area(const struct vq_ring *r, volatile uint8_t *p, size_t bytes)
{
        for (size_t i = 0; i + 1u < bytes; i += 2)
                vq_port_store16(r->port, p + i, 0);
}

/* ---- driver side ------------------------------------------------------------------------- */

static void drv_state_reset(struct vq_driver *vq)
{
        struct vq_ring *r = &vq->ring;
        uint16_t q = r->size;
        for (uint16_t i = 0; i < q; i++) {
                struct vq_drv_slot *s = &vq->slots[i];
                s->token = 0;
                s->writable_bytes = 0;
                s->next = (uint16_t)(i + 1u == q ? 0u : i + 1u);
                s->desc_count = 0;
                s->last = i;
                s->fifo_next = VQ_NO_SLOT;
                s->in_use = 0;
        }
        vq->num_free = q;
        vq->free_head = 0;
        vq->outstanding = 0;
        vq->avail_idx = 0;
        vq->avail_flags = 0;
        vq->last_used = 0;
        vq->shadow_used = 0;
        vq->kicked_avail = 0;
        vq->next_avail = 0;
        vq->next_used = 0;
        vq->avail_wrap = true; /* 2.8.1: both wrap counters start at 1 */
        vq->used_wrap = true;
        vq->event_flags = VQ_EVENT_F_ENABLE;
        vq->added_since_kick = 0;
        vq->fifo_head = VQ_NO_SLOT;
        vq->fifo_tail = VQ_NO_SLOT;
        vq->next_desc = 0;
        vq->batch_active = false;
        vq->batch_id = 0;
        vq->batch_len = 0;
        r->broken = 0;
        /* The driver owns the ring memory: start from zeroes (split idx 0, packed descriptors
         * neither available nor used, event suppression ENABLE). */
        vq_zero_area(r, r->desc, vq_desc_bytes(q));
        vq_zero_area(r, r->driver_area, vq_driver_area_bytes(r->packed, q));
        vq_zero_area(r, r->device_area, vq_device_area_bytes(r->packed, q));
        vq_barrier(r, VQ_BARRIER_RELEASE);
}

int vq_drv_init(struct vq_driver *vq, const struct vq_config *cfg, struct vq_drv_slot *slots)
{
        if (vq == NULL || slots == NULL)
                return VQ_EINVAL;
        int rc = ring_init(&vq->ring, cfg);
        if (rc != 0)
                return rc;
        vq->slots = slots;
        drv_state_reset(vq);
        return 0;
}

int vq_drv_reset(struct vq_driver *vq)
{
        if (vq == NULL)
                return VQ_EINVAL;
        drv_state_reset(vq);
        return 0;
}

int vq_drv_add(struct vq_driver *vq, const struct vq_sg *sg, uint16_t readable, uint16_t writable,
               uint64_t token, const struct vq_indirect *indirect)
{
        if (vq == NULL)
                return VQ_EINVAL;
        return vq->ring.packed ? vq_packed_drv_add(vq, sg, readable, writable, token, indirect)
                               : vq_split_drv_add(vq, sg, readable, writable, token, indirect);
}

int vq_drv_kick_prepare(struct vq_driver *vq)
{
        if (vq == NULL)
                return VQ_EINVAL;
        if (vq->ring.broken)
                return VQ_EBROKEN;
        return vq->ring.packed ? vq_packed_drv_kick_prepare(vq) : vq_split_drv_kick_prepare(vq);
}

uint32_t vq_drv_notify_value(const struct vq_driver *vq)
{
        const struct vq_ring *r = &vq->ring;
        uint32_t v = r->index;
        if ((r->features & VQ_F_NOTIFICATION_DATA) == 0)
                return v;
        if (!r->packed)
                return v | (uint32_t)vq->avail_idx << 16;
        return v | (uint32_t)vq->next_avail << 16 | (uint32_t)(vq->avail_wrap ? 1u : 0u) << 31;
}

int vq_drv_get_used(struct vq_driver *vq, uint64_t *token, uint32_t *len)
{
        if (vq == NULL || token == NULL || len == NULL)
                return VQ_EINVAL;
        if (vq->ring.broken)
                return VQ_EBROKEN;
        if (vq->batch_active)
                return vq_drv_batch_next(vq, token, len);
        return vq->ring.packed ? vq_packed_drv_get_used(vq, token, len)
                               : vq_split_drv_get_used(vq, token, len);
}

int vq_drv_disable_cb(struct vq_driver *vq)
{
        if (vq == NULL)
                return VQ_EINVAL;
        if (vq->ring.broken)
                return VQ_EBROKEN;
        return vq->ring.packed ? vq_packed_drv_disable_cb(vq) : vq_split_drv_disable_cb(vq);
}

int vq_drv_enable_cb(struct vq_driver *vq)
{
        if (vq == NULL)
                return VQ_EINVAL;
        if (vq->ring.broken)
                return VQ_EBROKEN;
        if (vq->batch_active)
                return 1;
        return vq->ring.packed ? vq_packed_drv_enable_cb(vq) : vq_split_drv_enable_cb(vq);
}

int vq_drv_detach_unused(struct vq_driver *vq, uint64_t *token)
{
        if (vq == NULL || token == NULL)
                return VQ_EINVAL;
        for (uint16_t i = 0; i < vq->ring.size; i++) {
                struct vq_drv_slot *s = &vq->slots[i];
                if (s->in_use) {
                        s->in_use = 0;
                        vq->outstanding--;
                        *token = s->token;
                        return 1;
                }
        }
        return 0;
}

uint16_t vq_drv_num_free(const struct vq_driver *vq)
{
        return vq->num_free;
}

uint16_t vq_drv_outstanding(const struct vq_driver *vq)
{
        return vq->outstanding;
}

int vq_drv_broken(const struct vq_driver *vq)
{
        return vq->ring.broken;
}

/* ---- device side ------------------------------------------------------------------------- */

static void dev_state_reset(struct vq_device *vq)
{
        for (uint16_t i = 0; i < vq->ring.size; i++) {
                struct vq_dev_slot *s = &vq->slots[i];
                s->writable_bytes = 0;
                s->desc_count = 0;
                s->in_use = 0;
                s->fifo_next = VQ_NO_SLOT;
        }
        vq->inflight_bufs = 0;
        vq->inflight_descs = 0;
        vq->last_avail = 0;
        vq->shadow_avail = 0;
        vq->used_idx = 0;
        vq->signalled_used = 0;
        vq->used_flags = 0;
        vq->next_avail = 0;
        vq->next_used = 0;
        vq->avail_wrap = true;
        vq->used_wrap = true;
        vq->used_since_signal = 0;
        vq->fifo_head = VQ_NO_SLOT;
        vq->fifo_tail = VQ_NO_SLOT;
        vq->notify_hint = 0;
        vq->ring.broken = 0;
}

int vq_dev_init(struct vq_device *vq, const struct vq_config *cfg, struct vq_dev_slot *slots)
{
        if (vq == NULL || slots == NULL)
                return VQ_EINVAL;
        int rc = ring_init(&vq->ring, cfg);
        if (rc != 0)
                return rc;
        vq->slots = slots;
        dev_state_reset(vq);
        return 0;
}

int vq_dev_reset(struct vq_device *vq)
{
        if (vq == NULL)
                return VQ_EINVAL;
        dev_state_reset(vq);
        return 0;
}

void vq_dev_position(const struct vq_device *vq, struct vq_dev_position *out)
{
        if (vq->ring.packed) {
                out->avail = (uint16_t)(vq->next_avail | (vq->avail_wrap ? 0x8000u : 0u));
                out->used = (uint16_t)(vq->next_used | (vq->used_wrap ? 0x8000u : 0u));
        } else {
                out->avail = vq->last_avail;
                out->used = vq->used_idx;
        }
}

int vq_dev_set_position(struct vq_device *vq, const struct vq_dev_position *pos)
{
        if (vq == NULL || pos == NULL || vq->inflight_bufs != 0)
                return VQ_EINVAL;
        if (vq->ring.packed) {
                uint16_t avail = pos->avail & 0x7fffu, used = pos->used & 0x7fffu;
                if (avail >= vq->ring.size || used >= vq->ring.size)
                        return VQ_EINVAL;
                vq->next_avail = avail;
                vq->avail_wrap = (pos->avail & 0x8000u) != 0;
                vq->next_used = used;
                vq->used_wrap = (pos->used & 0x8000u) != 0;
        } else {
                vq->last_avail = pos->avail;
                vq->shadow_avail = pos->avail;
                vq->used_idx = pos->used;
                vq->signalled_used = pos->used;
        }
        vq->used_since_signal = 0;
        return 0;
}

int vq_walk_indirect(struct vq_ring *r, uint64_t addr, uint32_t len, uint16_t flags,
                     volatile uint8_t **table)
{
        /* 2.7.5.3.1 / 2.8.19: INDIRECT only with VIRTIO_F_INDIRECT_DESC ... */
        if (!r->indirect)
                return vq_fail(r, VQ_ENOINDIRECT);
        /* ... and never together with NEXT. */
        if (flags & VQ_DESC_F_NEXT)
                return vq_fail(r, VQ_EINDNEXT);
        /* 2.7.5.3.1: the table holds whole descriptors and the chain it describes is not
         * longer than the queue size; an empty table describes nothing. */
        if (len == 0 || len % VQ_DESC_SIZE != 0 || len / VQ_DESC_SIZE > r->size)
                return vq_fail(r, VQ_EINDSIZE);
        void *host;
        if (vq_translate(r->port, addr, len, &host) != 0)
                return vq_fail(r, VQ_ETRANSLATE);
        *table = (volatile uint8_t *)host;
        return (int)(len / VQ_DESC_SIZE);
}

int vq_dev_pop(struct vq_device *vq, struct vq_chain *chain, struct vq_elem *elems,
               uint16_t capacity)
{
        if (vq == NULL || chain == NULL || elems == NULL || capacity == 0)
                return VQ_EINVAL;
        vq_chain_clear(chain);
        if (vq->ring.broken)
                return VQ_EBROKEN;
        return vq->ring.packed ? vq_packed_dev_pop(vq, chain, elems, capacity)
                               : vq_split_dev_pop(vq, chain, elems, capacity);
}

int vq_dev_push(struct vq_device *vq, uint16_t id, uint32_t written_bytes)
{
        if (vq == NULL)
                return VQ_EINVAL;
        return vq->ring.packed ? vq_packed_dev_push(vq, id, written_bytes)
                               : vq_split_dev_push(vq, id, written_bytes);
}

int vq_dev_need_interrupt(struct vq_device *vq)
{
        if (vq == NULL)
                return VQ_EINVAL;
        if (vq->ring.broken)
                return VQ_EBROKEN;
        return vq->ring.packed ? vq_packed_dev_need_interrupt(vq) : vq_split_dev_need_interrupt(vq);
}

int vq_dev_disable_notify(struct vq_device *vq)
{
        if (vq == NULL)
                return VQ_EINVAL;
        if (vq->ring.broken)
                return VQ_EBROKEN;
        return vq->ring.packed ? vq_packed_dev_disable_notify(vq) : vq_split_dev_disable_notify(vq);
}

int vq_dev_enable_notify(struct vq_device *vq)
{
        if (vq == NULL)
                return VQ_EINVAL;
        if (vq->ring.broken)
                return VQ_EBROKEN;
        return vq->ring.packed ? vq_packed_dev_enable_notify(vq) : vq_split_dev_enable_notify(vq);
}

int vq_dev_notification(struct vq_device *vq, uint32_t value)
{
        if (vq == NULL)
                return VQ_EINVAL;
        struct vq_ring *r = &vq->ring;
        if (r->broken)
                return VQ_EBROKEN;
        if ((value & 0xffffu) != r->index)
                return VQ_EINVAL;
        if ((r->features & VQ_F_NOTIFICATION_DATA) == 0)
                return 1; /* no position information: assume work */
        uint16_t hint = (uint16_t)(value >> 16);
        vq->notify_hint = hint;
        if (!r->packed) {
                /* next_idx is the driver's avail idx when it notified. A value up to the free
                 * ring space ahead means new buffers; anything else is older than what the
                 * device has already consumed (the notification raced with polling). */
                uint16_t ahead = (uint16_t)(hint - vq->last_avail);
                return ahead != 0 && ahead <= r->size - vq->inflight_bufs ? 1 : 0;
        }
        uint16_t off = (uint16_t)(hint & 0x7fffu);
        bool wrap = (hint >> 15) != 0;
        if (off >= r->size)
                return vq_fail(r, VQ_ENOTIFY); /* 2.9: an offset inside the ring */
        return off != vq->next_avail || wrap != vq->avail_wrap ? 1 : 0;
}

uint16_t vq_dev_inflight(const struct vq_device *vq)
{
        return vq->inflight_bufs;
}

int vq_dev_broken(const struct vq_device *vq)
{
        return vq->ring.broken;
}
