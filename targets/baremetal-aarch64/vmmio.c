/* virtio-mmio version 2 transport, driver side (VIRTIO 1.2 section 4.2.3). */
#include "targets/baremetal-aarch64/vmmio.h"

#include "targets/baremetal-aarch64/platform.h"
#include "targets/baremetal-aarch64/port.h"

#define VMMIO_BASE        0x0a000000u
#define VMMIO_STRIDE      0x200u
#define VMMIO_SLOTS       32u
#define VMMIO_SPI_FIRST   16u
#define VMMIO_MAGIC_VALUE 0x74726976u /* "virt" */

/* Register offsets (4.2.2, version 2). */
#define REG_MAGIC             0x000u
#define REG_VERSION           0x004u
#define REG_DEVICE_ID         0x008u
#define REG_DEVICE_FEATURES   0x010u
#define REG_DEVICE_FEAT_SEL   0x014u
#define REG_DRIVER_FEATURES   0x020u
#define REG_DRIVER_FEAT_SEL   0x024u
#define REG_QUEUE_SEL         0x030u
#define REG_QUEUE_SIZE_MAX    0x034u
#define REG_QUEUE_SIZE        0x038u
#define REG_QUEUE_READY       0x044u
#define REG_QUEUE_NOTIFY      0x050u
#define REG_INTERRUPT_STATUS  0x060u
#define REG_INTERRUPT_ACK     0x064u
#define REG_STATUS            0x070u
#define REG_QUEUE_DESC_LOW    0x080u
#define REG_QUEUE_DESC_HIGH   0x084u
#define REG_QUEUE_DRIVER_LOW  0x090u
#define REG_QUEUE_DRIVER_HIGH 0x094u
#define REG_QUEUE_DEVICE_LOW  0x0a0u
#define REG_QUEUE_DEVICE_HIGH 0x0a4u
#define REG_CONFIG_GENERATION 0x0fcu
#define REG_CONFIG            0x100u

/* Device status bits (2.1). */
#define STATUS_ACKNOWLEDGE        1u
#define STATUS_DRIVER             2u
#define STATUS_DRIVER_OK          4u
#define STATUS_FEATURES_OK        8u
#define STATUS_DEVICE_NEEDS_RESET 64u
#define STATUS_FAILED             128u

#define INTERRUPT_USED_BUFFER   1u
#define INTERRUPT_CONFIG_CHANGE 2u

/* Transport and ring features the driver takes when offered (VERSION_1 is required). */
#define VMMIO_OPTIONAL_FEATURES                                                                    \
        (VQ_F_RING_PACKED | VQ_F_EVENT_IDX | VQ_F_INDIRECT_DESC | VQ_F_IN_ORDER |                  \
         VQ_F_NOTIFICATION_DATA | VQ_F_ORDER_PLATFORM)
#define VMMIO_DEVICE_BITS_MASK 0xffffffull
#define VMMIO_POLL_SECONDS     5u

/* Register accesses with the ordering a DMA-capable device needs (see port.h): a write is
 * preceded by dmb oshst so that ring and buffer stores reach the device first; a read is
 * followed by dmb oshld so that loads it announces (used ring, config) come after it. */
static uint32_t reg_read(const struct vmmio_dev *dev, uint32_t offset)
{
        uint32_t v = bm_read32(dev->base + offset);
        __asm__ __volatile__("dmb oshld" ::: "memory");
        return v;
}

static void reg_write(const struct vmmio_dev *dev, uint32_t offset, uint32_t value)
{
        __asm__ __volatile__("dmb oshst" ::: "memory");
        bm_write32(dev->base + offset, value);
}

const char *vmmio_strerror(int code)
{
        switch (code) {
        case VMMIO_ENODEV:
                return "no such virtio-mmio device";
        case VMMIO_ELEGACY:
                return "legacy (version 1) virtio-mmio transport";
        case VMMIO_EFEATURES:
                return "feature negotiation failed";
        case VMMIO_EQUEUE:
                return "queue not available";
        case VMMIO_ETIMEOUT:
                return "timed out waiting for the device";
        case VMMIO_EDEVICE_RESET:
                return "device needs reset";
        default:
                return vq_strerror(code);
        }
}

int vmmio_find(uint32_t device_id, struct vmmio_dev *dev)
{
        for (unsigned slot = 0; slot < VMMIO_SLOTS; slot++) {
                struct vmmio_dev probe = { .base = VMMIO_BASE + slot * VMMIO_STRIDE, .slot = slot };
                if (reg_read(&probe, REG_MAGIC) != VMMIO_MAGIC_VALUE)
                        continue;
                uint32_t id = reg_read(&probe, REG_DEVICE_ID);
                if (id == 0 || id != device_id) /* 4.2.2.2: ignore DeviceID 0 */
                        continue;
                uint32_t version = reg_read(&probe, REG_VERSION);
                if (version != 2) {
                        bm_printf("vmmio: slot %u (device id %u) is a version %u transport; "
                                  "this driver needs version 2: run QEMU with "
                                  "-global virtio-mmio.force-legacy=false\n",
                                  slot, id, version);
                        return VMMIO_ELEGACY;
                }
                probe.device_id = id;
                *dev = probe;
                return 0;
        }
        return VMMIO_ENODEV;
}

static void set_status(const struct vmmio_dev *dev, uint32_t bits)
{
        reg_write(dev, REG_STATUS, reg_read(dev, REG_STATUS) | bits);
}

int vmmio_reset(struct vmmio_dev *dev)
{
        bm_gic_disable(BM_GIC_SPI_BASE + VMMIO_SPI_FIRST + dev->slot);
        reg_write(dev, REG_STATUS, 0);
        /* 4.2.3.1: reset is complete when Status reads back 0. */
        uint64_t deadline = bm_timer_ticks() + VMMIO_POLL_SECONDS * bm_timer_hz();
        while (reg_read(dev, REG_STATUS) != 0)
                if (bm_timer_ticks() > deadline)
                        return VMMIO_ETIMEOUT;
        return 0;
}

int vmmio_negotiate(struct vmmio_dev *dev, uint64_t device_bits)
{
        int rc = vmmio_reset(dev);
        if (rc != 0)
                return rc;
        set_status(dev, STATUS_ACKNOWLEDGE);
        set_status(dev, STATUS_DRIVER);
        uint64_t offered = 0;
        for (uint32_t word = 0; word < 2; word++) {
                reg_write(dev, REG_DEVICE_FEAT_SEL, word);
                offered |= (uint64_t)reg_read(dev, REG_DEVICE_FEATURES) << (32u * word);
        }
        dev->offered = offered;
        if ((offered & VQ_F_VERSION_1) == 0) {
                reg_write(dev, REG_STATUS, STATUS_FAILED);
                return VMMIO_EFEATURES;
        }
        uint64_t wanted =
            VQ_F_VERSION_1 | VMMIO_OPTIONAL_FEATURES | (device_bits & VMMIO_DEVICE_BITS_MASK);
        dev->features = offered & wanted;
        for (uint32_t word = 0; word < 2; word++) {
                reg_write(dev, REG_DRIVER_FEAT_SEL, word);
                reg_write(dev, REG_DRIVER_FEATURES, (uint32_t)(dev->features >> (32u * word)));
        }
        set_status(dev, STATUS_FEATURES_OK);
        if ((reg_read(dev, REG_STATUS) & STATUS_FEATURES_OK) == 0) {
                reg_write(dev, REG_STATUS, STATUS_FAILED);
                return VMMIO_EFEATURES;
        }
        return 0;
}

uint32_t vmmio_config32(const struct vmmio_dev *dev, uint32_t offset)
{
        uint32_t generation;
        uint32_t v;
        do {
                generation = reg_read(dev, REG_CONFIG_GENERATION);
                v = reg_read(dev, REG_CONFIG + offset);
        } while (reg_read(dev, REG_CONFIG_GENERATION) != generation);
        return v;
}

uint64_t vmmio_config64(const struct vmmio_dev *dev, uint32_t offset)
{
        uint32_t generation;
        uint64_t v;
        do {
                generation = reg_read(dev, REG_CONFIG_GENERATION);
                v = reg_read(dev, REG_CONFIG + offset) |
                    (uint64_t)reg_read(dev, REG_CONFIG + offset + 4) << 32;
        } while (reg_read(dev, REG_CONFIG_GENERATION) != generation);
        return v;
}

static void write64(const struct vmmio_dev *dev, uint32_t low_offset, uint64_t value)
{
        reg_write(dev, low_offset, (uint32_t)value);
        reg_write(dev, low_offset + 4, (uint32_t)(value >> 32));
}

int vmmio_queue_setup(struct vmmio_dev *dev, struct vmmio_queue *q, uint16_t index, uint16_t size)
{
        bool packed = (dev->features & VQ_F_RING_PACKED) != 0;
        reg_write(dev, REG_QUEUE_SEL, index);
        if (reg_read(dev, REG_QUEUE_READY) != 0)
                return VMMIO_EQUEUE;
        uint32_t max = reg_read(dev, REG_QUEUE_SIZE_MAX);
        if (max == 0)
                return VMMIO_EQUEUE;
        uint32_t n = size < max ? size : max;
        if (n > VMMIO_QUEUE_MAX)
                n = VMMIO_QUEUE_MAX;
        if (!packed) /* split queue sizes are powers of 2 (2.7) */
                while ((n & (n - 1u)) != 0)
                        n &= n - 1u;
        struct vq_config cfg = {
                .size = (uint16_t)n, .index = index, .features = dev->features, .port = bm_port()
        };
        size_t bytes =
            vq_layout_contiguous(&cfg.layout, packed, cfg.size, (uint64_t)(uintptr_t)q->ring);
        if (bytes == 0 || bytes > sizeof(q->ring))
                return VMMIO_EQUEUE;
        int rc = vq_drv_init(&q->vq, &cfg, q->slots);
        if (rc != 0)
                return rc;
        q->dev = dev;
        q->index = index;
        reg_write(dev, REG_QUEUE_SIZE, n);
        write64(dev, REG_QUEUE_DESC_LOW, cfg.layout.desc_gpa);
        write64(dev, REG_QUEUE_DRIVER_LOW, cfg.layout.driver_gpa);
        write64(dev, REG_QUEUE_DEVICE_LOW, cfg.layout.device_gpa);
        reg_write(dev, REG_QUEUE_READY, 1);
        return 0;
}

/* Interrupt handler: acknowledge what the device reports (4.2.3.4). */
static void vmmio_irq(void *ctx)
{
        struct vmmio_dev *dev = ctx;
        uint32_t status = reg_read(dev, REG_INTERRUPT_STATUS);
        reg_write(dev, REG_INTERRUPT_ACK, status);
        if ((status & INTERRUPT_USED_BUFFER) != 0)
                dev->irq_count++;
        if ((status & INTERRUPT_CONFIG_CHANGE) != 0)
                dev->config_changes++;
}

int vmmio_driver_ok(struct vmmio_dev *dev)
{
        set_status(dev, STATUS_DRIVER_OK);
        if ((reg_read(dev, REG_STATUS) & STATUS_DEVICE_NEEDS_RESET) != 0)
                return VMMIO_EDEVICE_RESET;
        return 0;
}

void vmmio_set_irq_mode(struct vmmio_queue *q, bool use_irq)
{
        unsigned intid = BM_GIC_SPI_BASE + VMMIO_SPI_FIRST + q->dev->slot;
        q->use_irq = use_irq;
        if (use_irq) {
                bm_gic_enable(intid, true, vmmio_irq, q->dev);
                /* The line is edge-triggered (SPI 16+n, as the device tree says) while QEMU
                 * holds it high as long as InterruptStatus is non-zero: a status left
                 * unacknowledged by polling would hide every later edge, so clear it now.
                 * Used buffers it announced are found by the wait loop's first check. */
                uint32_t stale = reg_read(q->dev, REG_INTERRUPT_STATUS);
                if (stale != 0)
                        reg_write(q->dev, REG_INTERRUPT_ACK, stale);
                (void)vq_drv_enable_cb(&q->vq);
        } else {
                bm_gic_disable(intid);
                (void)vq_drv_disable_cb(&q->vq);
        }
}

void vmmio_kick(struct vmmio_queue *q)
{
        if (vq_drv_kick_prepare(&q->vq) == 1) {
                reg_write(q->dev, REG_QUEUE_NOTIFY, vq_drv_notify_value(&q->vq));
                q->kicks++;
        }
}

/* Virtual timer (PPI 11, interrupt id 27): the wake-up that bounds a WFI wait. */
#define TIMER_INTID 27u

static void timer_irq(void *ctx)
{
        (void)ctx;
        __asm__ __volatile__("msr cntv_ctl_el0, %0\n\tisb" ::"r"(0ull));
}

static void timer_arm(uint64_t deadline)
{
        static bool registered;
        if (!registered) {
                bm_gic_enable(TIMER_INTID, false, timer_irq, NULL);
                registered = true;
        }
        __asm__ __volatile__("msr cntv_cval_el0, %0\n\tmsr cntv_ctl_el0, %1\n\tisb" ::"r"(deadline),
                             "r"(1ull));
}

int vmmio_wait_used(struct vmmio_queue *q, uint64_t *token, uint32_t *len)
{
        uint64_t deadline = bm_timer_ticks() + VMMIO_POLL_SECONDS * bm_timer_hz();
        for (;;) {
                uint32_t seen = q->dev->irq_count;
                int rc = vq_drv_get_used(&q->vq, token, len);
                if (rc != 0)
                        return rc;
                if (q->use_irq) {
                        /* Barrier D lives in enable_cb; 1 means used buffers slipped in. */
                        rc = vq_drv_enable_cb(&q->vq);
                        if (rc < 0)
                                return rc;
                        if (rc > 0)
                                continue;
                        bm_irq_off();
                        if (q->dev->irq_count == seen) {
                                q->sleeps++;
                                timer_arm(deadline);
                                bm_wfi();
                        }
                        bm_irq_on();
                } else {
                        q->polls++;
                        /* The line is masked in the GIC; clear what the device raised. */
                        uint32_t status = reg_read(q->dev, REG_INTERRUPT_STATUS);
                        if (status != 0)
                                reg_write(q->dev, REG_INTERRUPT_ACK, status);
                }
                if (bm_timer_ticks() > deadline) {
                        bm_printf("vmmio: slot %u queue %u: no completion; InterruptStatus %u\n",
                                  q->dev->slot, q->index, reg_read(q->dev, REG_INTERRUPT_STATUS));
                        return VMMIO_ETIMEOUT;
                }
        }
}

void vmmio_stats_snapshot(const struct vmmio_queue *q, struct vmmio_stats *now)
{
        now->requests = 0;
        now->kicks = q->kicks;
        now->interrupts = q->dev->irq_count;
        now->sleeps = q->sleeps;
        now->polls = q->polls;
}

void vmmio_stats_add_since(const struct vmmio_queue *q, const struct vmmio_stats *before,
                           struct vmmio_stats *total)
{
        total->kicks += q->kicks - before->kicks;
        total->interrupts += q->dev->irq_count - before->interrupts;
        total->sleeps += q->sleeps - before->sleeps;
        total->polls += q->polls - before->polls;
}
