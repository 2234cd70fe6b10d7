/*
 * virtqueue: portable split and packed virtqueues, driver side and device side (VIRTIO 1.2-1.4,
 * sections 2.6-2.9).
 *
 * Contract. The library owns no memory: the caller provides the ring memory (by guest-physical
 * address, translated through the port's region table), the queue state struct and a per-slot
 * state array of `size` entries. It never allocates, prints or blocks. One thread drives each
 * side of a queue at a time; the two sides may run concurrently in different threads or
 * address spaces, meeting only in the ring memory. The layout is chosen at run time by the
 * negotiated features (VQ_F_RING_PACKED), and so are indirect descriptors, EVENT_IDX
 * suppression (both directions; the flags-only mode without it), IN_ORDER, NOTIFICATION_DATA
 * and ORDER_PLATFORM (platform barriers in the port).
 *
 * Trust. The device side validates everything it reads from shared memory (head and next
 * indices, loops and chain length, indirect table size and nesting, readable-after-writable
 * order, total length, addresses outside the registered memory, available-index jumps, packed
 * buffer ids and ownership flags, event-suppression flags) before using it; the driver side
 * validates what the device returns (used ids, heads, lengths, used-index jumps). A violation
 * puts the queue into the broken state with the violated rule as its reason
 * (vq_drv_broken / vq_dev_broken); every later call returns VQ_EBROKEN until the queue is
 * reset. Nothing reads or writes outside the ring memory and the registered regions. Nested
 * INDIRECT (an indirect table entry with INDIRECT set) is an error (VQ_EINDNESTED), not data.
 *
 * Ordering. Every ring access goes through the port (vq_port.h). The barrier pairings are
 * named as in the design notes: A publish (driver: descriptors+ring entry before avail idx or
 * packed head flags), B complete (device: used element before used idx or packed used flags),
 * C kick decision (driver: store avail idx, full fence, load avail_event/flags; device: store
 * avail_event/flags, full fence, reload avail idx) and D interrupt decision (device: store used
 * idx, full fence, load used_event/flags; driver: store used_event/flags, full fence, reload
 * used idx).
 *
 * Not guaranteed: fairness between queues, any timing, and protection against a peer that
 * rewrites a descriptor after the device read it (the device copies what it validated into
 * the caller's element array and never rereads it).
 */
#ifndef MOSAIC_VIRTIO_VIRTQUEUE_H
#define MOSAIC_VIRTIO_VIRTQUEUE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "virtio/vq_error.h"
#include "virtio/vq_port.h"

/* Feature bits (spec chapter 6) the library acts on; others are ignored. */
#define VQ_F_INDIRECT_DESC     (1ull << 28)
#define VQ_F_EVENT_IDX         (1ull << 29)
#define VQ_F_VERSION_1         (1ull << 32)
#define VQ_F_RING_PACKED       (1ull << 34)
#define VQ_F_IN_ORDER          (1ull << 35)
#define VQ_F_ORDER_PLATFORM    (1ull << 36)
#define VQ_F_NOTIFICATION_DATA (1ull << 38)
#define VQ_F_RING_RESET        (1ull << 40)

/* Descriptor flags (split 2.7.5, packed 2.8.13). */
#define VQ_DESC_F_NEXT     1u
#define VQ_DESC_F_WRITE    2u
#define VQ_DESC_F_INDIRECT 4u
#define VQ_DESC_F_AVAIL    (1u << 7)
#define VQ_DESC_F_USED     (1u << 15)
/* Split suppression flags (2.7.6, 2.7.8). */
#define VQ_AVAIL_F_NO_INTERRUPT 1u
#define VQ_USED_F_NO_NOTIFY     1u
/* Packed event suppression flags (2.8.10). */
#define VQ_EVENT_F_ENABLE  0u
#define VQ_EVENT_F_DISABLE 1u
#define VQ_EVENT_F_DESC    2u

/* Largest queue size (2.7.1 split; packed offsets are 15 bits). */
#define VQ_MAX_SIZE 32768u

/* ---- ring geometry ---------------------------------------------------------------------- */

/* Bytes of each ring area (2.7.1: desc 16*Q, avail 6+2*Q, used 6+8*Q; 2.8.11: packed desc 16*Q,
 * event suppression areas 4 each) and their required alignment. */
size_t vq_desc_bytes(uint16_t size);
size_t vq_driver_area_bytes(bool packed, uint16_t size);
size_t vq_device_area_bytes(bool packed, uint16_t size);
size_t vq_desc_align(void);               /* 16 */
size_t vq_driver_area_align(bool packed); /* split 2, packed 4 */
size_t vq_device_area_align(bool packed); /* 4 */

/* Addresses of the three areas of one queue. */
struct vq_layout {
        uint64_t desc_gpa;   /* descriptor table / packed descriptor ring */
        uint64_t driver_gpa; /* split available ring / packed driver event suppression */
        uint64_t device_gpa; /* split used ring / packed device event suppression */
};

/* Place the three areas back to back, each aligned, starting at `base_gpa` (16-aligned).
 * Returns the total bytes used, or 0 for an invalid size. */
size_t vq_layout_contiguous(struct vq_layout *layout, bool packed, uint16_t size,
                            uint64_t base_gpa);

/* ---- configuration ---------------------------------------------------------------------- */

struct vq_config {
        uint16_t size;              /* split: power of 2 in 1..32768; packed: 1..32768 */
        uint16_t index;             /* queue index (vqn) for notification data */
        uint64_t features;          /* negotiated VQ_F_* bits */
        struct vq_layout layout;    /* guest-physical addresses of the areas */
        const struct vq_port *port; /* must outlive the queue */
};

/* State shared by both roles; fields are private to the library. */
struct vq_ring {
        const struct vq_port *port;
        uint64_t features;
        struct vq_layout layout;
        volatile uint8_t *desc;
        volatile uint8_t *driver_area;
        volatile uint8_t *device_area;
        uint16_t size;
        uint16_t index;
        bool packed;
        bool event_idx;
        bool indirect;
        bool in_order;
        bool platform;
        int broken; /* 0 or the VQ_E* reason */
};

/* ---- driver side -------------------------------------------------------------------------- */

/* Per descriptor index (split) or buffer id (packed) state; private to the library. */
struct vq_drv_slot {
        uint64_t token;
        uint32_t writable_bytes;
        uint16_t next;       /* split free list link (shadow of desc.next) / packed id free list */
        uint16_t desc_count; /* ring descriptors taken by the buffer */
        uint16_t last;       /* split: last descriptor of the chain */
        uint16_t fifo_next;  /* in-order queue of outstanding buffers */
        uint8_t in_use;      /* 1 on the head / id of an outstanding buffer */
};

struct vq_driver {
        struct vq_ring ring;
        struct vq_drv_slot *slots;
        uint16_t num_free;    /* free descriptors */
        uint16_t free_head;   /* split: first free descriptor; packed: first free id */
        uint16_t outstanding; /* buffers made available and not yet returned */
        /* split */
        uint16_t avail_idx;    /* shadow of avail->idx */
        uint16_t avail_flags;  /* shadow of avail->flags */
        uint16_t last_used;    /* next used ring index to read */
        uint16_t shadow_used;  /* used->idx as last read: entries before it need no reread */
        uint16_t kicked_avail; /* avail idx at the last kick decision */
        /* packed */
        uint16_t next_avail; /* next descriptor position to fill */
        uint16_t next_used;  /* next descriptor position to poll for used */
        bool avail_wrap;
        bool used_wrap;
        uint16_t event_flags;      /* shadow of the driver event suppression flags */
        uint32_t added_since_kick; /* descriptors (packed) or buffers (split) since last kick */
        /* in-order bookkeeping */
        uint16_t fifo_head;
        uint16_t fifo_tail;
        uint16_t next_desc; /* split in-order: next descriptor to allocate */
        /* in-order batch: the device returned `batch_id` covering earlier buffers too */
        bool batch_active;
        uint16_t batch_id;
        uint32_t batch_len;
};

/* A driver-side buffer piece: guest-physical address and length. */
struct vq_sg {
        uint64_t addr;
        uint32_t len;
};

/* Caller-owned memory for one indirect table (16 bytes per entry). It must stay untouched
 * from vq_drv_add until the buffer comes back from vq_drv_get_used. */
struct vq_indirect {
        uint64_t gpa;
        uint16_t entries;
};

/*
 * Initialise the driver side: check the configuration (size, alignment of the areas, ring
 * memory translatable through the port), zero the ring memory through the port and set the
 * initial state (split indices 0; packed wrap counters 1). `slots` has cfg->size entries.
 * Returns 0 or VQ_EINVAL / VQ_ETRANSLATE.
 */
int vq_drv_init(struct vq_driver *vq, const struct vq_config *cfg, struct vq_drv_slot *slots);

/* Queue reset (2.6.1): return the queue to its state right after vq_drv_init; outstanding
 * buffers are forgotten (collect them first with vq_drv_detach_unused) and `broken` clears. */
int vq_drv_reset(struct vq_driver *vq);

/*
 * Make one buffer available: sg[0 .. readable-1] are device-readable, sg[readable ..
 * readable+writable-1] device-writable (2.7.4.2 order). With `indirect` non-NULL (requires
 * VQ_F_INDIRECT_DESC and indirect->entries >= readable + writable) the pieces go into the
 * indirect table and the buffer takes one ring descriptor. The buffer is published at once
 * (barrier A); the device is notified only after vq_drv_kick_prepare says so. `token` comes
 * back from vq_drv_get_used. Returns 0, VQ_ENOSPC (not enough free descriptors), VQ_EINVAL
 * (no pieces, too many pieces, bad indirect table, total length over 2^32-1) or VQ_EBROKEN.
 */
int vq_drv_add(struct vq_driver *vq, const struct vq_sg *sg, uint16_t readable, uint16_t writable,
               uint64_t token, const struct vq_indirect *indirect);

/*
 * Kick decision (barrier C): full fence, then read the device's suppression state (avail_event
 * with EVENT_IDX, else the NO_NOTIFY / event flags) and decide with vring_need_event over the
 * buffers added since the last decision. Returns 1 = notify the device, 0 = suppressed,
 * VQ_EBROKEN, or VQ_EEVENTFLAGS (packed device event flags reserved/unnegotiated; breaks).
 */
int vq_drv_kick_prepare(struct vq_driver *vq);

/* The value to write to the notify register (2.9): the queue index alone, or with
 * VQ_F_NOTIFICATION_DATA vqn | next_off << 16 | next_wrap << 31 (split: the 16-bit avail idx). */
uint32_t vq_drv_notify_value(const struct vq_driver *vq);

/*
 * Take one used buffer back. Returns 1 and sets *token and *len (bytes the device wrote; 0
 * for a packed used descriptor without WRITE; for the earlier buffers of an in-order batch the
 * device completed with one entry, their whole writable size, 2.7.9), 0 if none is pending, or a
 * negative error: the device returned an id out of range (VQ_EUSEDID), not an outstanding head
 * (VQ_ENOTHEAD), a length over the buffer's writable bytes (VQ_EUSEDLEN), or moved used idx too far
 * (VQ_EUSEDJUMP).
 */
int vq_drv_get_used(struct vq_driver *vq, uint64_t *token, uint32_t *len);

/* Ask the device not to send used-buffer notifications (advisory, 2.7.7 / 2.8.10). */
int vq_drv_disable_cb(struct vq_driver *vq);

/*
 * Re-enable used-buffer notifications (barrier D): publish used_event = next used index (or
 * clear NO_INTERRUPT / set ENABLE or DESC), full fence, re-check the used ring. Returns 1 if
 * used buffers are already pending (poll again instead of sleeping), 0 if it is safe to sleep
 * (the device will notify), or VQ_EBROKEN.
 */
int vq_drv_enable_cb(struct vq_driver *vq);

/* Take back one outstanding buffer's token without the device (only after the device was
 * reset or the queue disabled). Returns 1 and sets *token, or 0 when none is left. */
int vq_drv_detach_unused(struct vq_driver *vq, uint64_t *token);

/* Free descriptors, outstanding buffers, broken reason (0 if healthy). */
uint16_t vq_drv_num_free(const struct vq_driver *vq);
uint16_t vq_drv_outstanding(const struct vq_driver *vq);
int vq_drv_broken(const struct vq_driver *vq);

/* ---- device side -------------------------------------------------------------------------- */

/* Per head (split) or buffer id (packed) state; private to the library. */
struct vq_dev_slot {
        uint32_t writable_bytes;
        uint16_t desc_count;
        uint8_t in_use;
        uint16_t fifo_next;
};

struct vq_device {
        struct vq_ring ring;
        struct vq_dev_slot *slots;
        uint16_t inflight_bufs;  /* popped, not yet pushed */
        uint16_t inflight_descs; /* ring descriptors of those buffers */
        /* split */
        uint16_t last_avail;     /* next avail ring index to read */
        uint16_t shadow_avail;   /* avail->idx as last read: entries before it need no reread */
        uint16_t used_idx;       /* shadow of used->idx */
        uint16_t signalled_used; /* used idx at the last interrupt decision */
        uint16_t used_flags;     /* shadow of used->flags */
        /* packed */
        uint16_t next_avail; /* next descriptor position to poll for available */
        uint16_t next_used;  /* next descriptor position to write used */
        bool avail_wrap;
        bool used_wrap;
        uint32_t used_since_signal; /* buffers (split) / descriptors (packed) since last decision */
        /* in-order bookkeeping (push order must equal pop order) */
        uint16_t fifo_head;
        uint16_t fifo_tail;
        uint16_t notify_hint; /* last notification data offset|wrap<<15 (or avail idx) */
};

/* One validated piece of a popped buffer. `host` is the translated address of addr. */
struct vq_elem {
        uint64_t addr;
        void *host;
        uint32_t len;
        bool writable;
};

/* A popped buffer: id to give back to vq_dev_push, its pieces (readable ones first). */
struct vq_chain {
        uint16_t id; /* split head index / packed buffer id */
        uint16_t elem_count;
        uint16_t readable_count; /* elems[0 .. readable_count-1] are device-readable */
        uint16_t desc_count;     /* ring descriptors the buffer occupies */
        uint32_t readable_bytes;
        uint32_t writable_bytes;
        bool indirect;
};

/*
 * Initialise the device side (initial state: split indices 0, packed wrap counters 1). The
 * device never writes the driver area nor the descriptors. `slots` has cfg->size entries.
 * Returns 0, VQ_EINVAL or VQ_ETRANSLATE (ring areas not inside the registered regions).
 */
int vq_dev_init(struct vq_device *vq, const struct vq_config *cfg, struct vq_dev_slot *slots);

/* Queue reset: back to the state right after vq_dev_init; broken clears. */
int vq_dev_reset(struct vq_device *vq);

/*
 * Where the device side stands in the ring, for stopping a queue and restarting it elsewhere
 * (vhost-user GET_VRING_BASE / SET_VRING_BASE, live migration). Split: `avail` is the next
 * available ring index to read and `used` the used index (both free-running 16-bit). Packed:
 * each is a descriptor position in bits 0-14 with its wrap counter in bit 15.
 */
struct vq_dev_position {
        uint16_t avail;
        uint16_t used;
};

void vq_dev_position(const struct vq_device *vq, struct vq_dev_position *out);
/* Continue from `pos` after vq_dev_init or vq_dev_reset, with no buffer in flight. Returns 0,
 * or VQ_EINVAL when buffers are in flight or a packed position is not below the queue size. */
int vq_dev_set_position(struct vq_device *vq, const struct vq_dev_position *pos);

/*
 * Take the next available buffer, validating it completely (see the header contract) before
 * consuming it. `elems` has room for `capacity` pieces: the device's chain length limit
 * (2.7.4.1 "MAY have a reasonable limit"); a longer chain is VQ_ECHAINCAP. Returns 1 with
 * *chain and elems filled, 0 if nothing is available, or a negative VQ_E* code (the queue is
 * then broken; VQ_EINVAL for bad arguments leaves it untouched).
 */
int vq_dev_pop(struct vq_device *vq, struct vq_chain *chain, struct vq_elem *elems,
               uint16_t capacity);

/*
 * Return buffer `id` (as popped) with `written_bytes` written into its writable part
 * (barrier B: the used element is visible before the used idx / used flags). Under IN_ORDER
 * buffers must be pushed in pop order. Returns 0, VQ_EINVAL (id not in flight, out of order,
 * written_bytes > writable bytes) or VQ_EBROKEN.
 */
int vq_dev_push(struct vq_device *vq, uint16_t id, uint32_t written_bytes);

/*
 * Interrupt decision (barrier D): full fence, read the driver's suppression state (used_event
 * with EVENT_IDX, else NO_INTERRUPT / event flags), decide with vring_need_event over the
 * buffers pushed since the last decision. Returns 1 = notify the driver, 0 = suppressed, or a
 * negative code (VQ_EEVENTFLAGS breaks the queue).
 */
int vq_dev_need_interrupt(struct vq_device *vq);

/* Ask the driver not to send available-buffer notifications (advisory). */
int vq_dev_disable_notify(struct vq_device *vq);

/*
 * Re-enable available-buffer notifications (barrier C): publish avail_event = next avail
 * index (or clear NO_NOTIFY / set ENABLE or DESC), full fence, re-check the available ring.
 * Returns 1 if buffers are already available (poll instead of sleeping), 0 if it is safe to
 * wait for a notification, or a negative code.
 */
int vq_dev_enable_notify(struct vq_device *vq);

/*
 * Accept a driver notification value (2.9). Without VQ_F_NOTIFICATION_DATA only the queue
 * index is compared. Returns 1 if the notification says buffers lie beyond the device's
 * position, 0 if not, VQ_EINVAL if the vqn is not this queue's index (queue untouched), or
 * VQ_ENOTIFY / VQ_EAVAILJUMP (breaks) if the offset is impossible.
 */
int vq_dev_notification(struct vq_device *vq, uint32_t value);

/* Buffers popped and not pushed; broken reason (0 if healthy). */
uint16_t vq_dev_inflight(const struct vq_device *vq);
int vq_dev_broken(const struct vq_device *vq);

/* The event-index rule of 2.7.7.2 / 2.7.10 (spec appendix virtq_need_event): true if
 * event_idx lies in [old_idx, new_idx) modulo 2^16. */
static inline bool vq_need_event(uint16_t event_idx, uint16_t new_idx, uint16_t old_idx)
{
        return (uint16_t)(new_idx - event_idx - 1u) < (uint16_t)(new_idx - old_idx);
}

#endif
