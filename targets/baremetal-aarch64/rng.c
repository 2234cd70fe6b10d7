/* virtio-rng driver (VIRTIO 1.2 section 5.4): one device-writable buffer per request. */
#include "targets/baremetal-aarch64/drivers.h"

#include "targets/baremetal-aarch64/port.h"

int bm_rng_init(struct bm_rng *rng)
{
        int rc = vmmio_find(VIRTIO_ID_RNG, &rng->dev);
        if (rc == 0)
                rc = vmmio_negotiate(&rng->dev, 0);
        if (rc == 0)
                rc = vmmio_queue_setup(&rng->dev, &rng->queue, 0, VMMIO_QUEUE_MAX);
        if (rc == 0)
                rc = vmmio_driver_ok(&rng->dev);
        return rc;
}

int bm_rng_read(struct bm_rng *rng, uint8_t *buf, size_t bytes, bool use_irq,
                struct vmmio_stats *stats)
{
        struct vmmio_queue *q = &rng->queue;
        struct vmmio_stats before;
        vmmio_stats_snapshot(q, &before);
        vmmio_set_irq_mode(q, use_irq);
        size_t filled = 0;
        int rc = 0;
        while (rc == 0 && filled < bytes) {
                /* The device may return fewer bytes than asked (5.4.6.1: it writes as many as
                 * it can); ask again for the rest. */
                struct vq_sg sg = { (uint64_t)(uintptr_t)(buf + filled),
                                    (uint32_t)(bytes - filled) };
                bm_dma_invalidate(buf + filled, bytes - filled);
                rc = vq_drv_add(&q->vq, &sg, 0, 1, filled, NULL);
                if (rc != 0)
                        break;
                stats->requests++;
                vmmio_kick(q);
                uint64_t token;
                uint32_t len;
                rc = vmmio_wait_used(q, &token, &len);
                if (rc != 1)
                        break;
                /* len 0 would make no progress: the device wrote nothing it reported. */
                if (token != filled || len == 0 || len > bytes - filled) {
                        rc = BM_EBADLEN;
                        break;
                }
                bm_dma_invalidate(buf + filled, len);
                filled += len;
                rc = 0;
        }
        vmmio_stats_add_since(q, &before, stats);
        return rc;
}
