/* virtio-blk driver (VIRTIO 1.2 section 5.2): read and write sectors. */
#include "targets/baremetal-aarch64/drivers.h"

#include "targets/baremetal-aarch64/platform.h"
#include "targets/baremetal-aarch64/port.h"

#define VIRTIO_BLK_F_RO     (1ull << 5)
#define VIRTIO_BLK_T_IN     0u
#define VIRTIO_BLK_T_OUT    1u
#define VIRTIO_BLK_S_OK     0u
#define BLK_STATUS_UNSET    0xffu
#define BLK_CONFIG_CAPACITY 0u
#define BLK_DESCS_PER_REQ   3u

/* Request header (5.2.6), little-endian like the CPU. */
struct blk_header {
        uint32_t type;
        uint32_t reserved;
        uint64_t sector;
};

/* Per in-flight request: header, status byte, indirect table; all device-visible memory. */
struct blk_request {
        struct blk_header header __attribute__((aligned(16)));
        uint8_t indirect_table[16 * BLK_DESCS_PER_REQ] __attribute__((aligned(16)));
        volatile uint8_t status;
        uint8_t *data;
        uint32_t data_bytes;
        uint32_t expected_len;
        bool busy;
};

static struct blk_request blk_requests[BLK_MAX_IN_FLIGHT];

static uint64_t gpa_of(const volatile void *p)
{
        return (uint64_t)(uintptr_t)p;
}

int bm_blk_init(struct bm_blk *blk)
{
        int rc = vmmio_find(VIRTIO_ID_BLOCK, &blk->dev);
        if (rc == 0)
                rc = vmmio_negotiate(&blk->dev, 0);
        if (rc != 0)
                return rc;
        if ((blk->dev.offered & VIRTIO_BLK_F_RO) != 0) {
                bm_printf("blk: device is read-only\n");
                return BM_EIO;
        }
        blk->capacity_sectors = vmmio_config64(&blk->dev, BLK_CONFIG_CAPACITY);
        rc = vmmio_queue_setup(&blk->dev, &blk->queue, 0, VMMIO_QUEUE_MAX);
        if (rc == 0)
                rc = vmmio_driver_ok(&blk->dev);
        return rc;
}

static int blk_submit(struct bm_blk *blk, struct blk_request *req, unsigned slot, bool write,
                      uint64_t sector, bool indirect)
{
        req->header.type = write ? VIRTIO_BLK_T_OUT : VIRTIO_BLK_T_IN;
        req->header.reserved = 0;
        req->header.sector = sector;
        req->status = BLK_STATUS_UNSET;
        /* The device writes the status byte, and the data too for a read (5.2.6). */
        req->expected_len = write ? 1u : req->data_bytes + 1u;
        bm_dma_clean(&req->header, sizeof(req->header));
        bm_dma_invalidate(&req->status, 1);
        if (write)
                bm_dma_clean(req->data, req->data_bytes);
        else
                bm_dma_invalidate(req->data, req->data_bytes);
        struct vq_sg sg[BLK_DESCS_PER_REQ] = {
                { gpa_of(&req->header), sizeof(req->header) },
                { gpa_of(req->data), req->data_bytes },
                { gpa_of(&req->status), 1 },
        };
        struct vq_indirect table = { gpa_of(req->indirect_table), BLK_DESCS_PER_REQ };
        bool use_table = indirect && (blk->dev.features & VQ_F_INDIRECT_DESC) != 0;
        return vq_drv_add(&blk->queue.vq, sg, write ? 2 : 1, write ? 1 : 2, slot,
                          use_table ? &table : NULL);
}

static int blk_complete(struct bm_blk *blk, uint64_t token, uint32_t len)
{
        if (token >= BLK_MAX_IN_FLIGHT || !blk_requests[token].busy)
                return VMMIO_EQUEUE;
        struct blk_request *req = &blk_requests[token];
        req->busy = false;
        bm_dma_invalidate(&req->status, 1);
        if (req->status != VIRTIO_BLK_S_OK) {
                bm_printf("blk: request for sector %lu: status %u\n",
                          (unsigned long)req->header.sector, (unsigned)req->status);
                return BM_EIO;
        }
        if (len != req->expected_len) {
                bm_printf("blk: used length %u, expected %u\n", len, req->expected_len);
                return BM_EBADLEN;
        }
        if (req->header.type == VIRTIO_BLK_T_IN)
                bm_dma_invalidate(req->data, req->data_bytes);
        (void)blk;
        return 0;
}

int bm_blk_transfer(struct bm_blk *blk, bool write, uint64_t sector, uint8_t *buf, size_t bytes,
                    size_t chunk_bytes, bool indirect, bool use_irq, struct vmmio_stats *stats)
{
        if (bytes % BLK_SECTOR_BYTES != 0 || chunk_bytes % BLK_SECTOR_BYTES != 0 ||
            chunk_bytes == 0 || sector + bytes / BLK_SECTOR_BYTES > blk->capacity_sectors)
                return VQ_EINVAL;
        struct vmmio_queue *q = &blk->queue;
        struct vmmio_stats before;
        vmmio_stats_snapshot(q, &before);
        vmmio_set_irq_mode(q, use_irq);
        size_t done = 0;
        unsigned in_flight = 0;
        int rc = 0;
        while (rc == 0 && (done < bytes || in_flight > 0)) {
                for (unsigned slot = 0; slot < BLK_MAX_IN_FLIGHT && done < bytes; slot++) {
                        struct blk_request *req = &blk_requests[slot];
                        if (req->busy)
                                continue;
                        size_t n = bytes - done < chunk_bytes ? bytes - done : chunk_bytes;
                        req->data = buf + done;
                        req->data_bytes = (uint32_t)n;
                        rc = blk_submit(blk, req, slot, write, sector + done / BLK_SECTOR_BYTES,
                                        indirect);
                        if (rc == VQ_ENOSPC) {
                                rc = 0;
                                break;
                        }
                        if (rc != 0)
                                break;
                        req->busy = true;
                        in_flight++;
                        done += n;
                        stats->requests++;
                }
                if (rc != 0)
                        break;
                vmmio_kick(q);
                uint64_t token;
                uint32_t len;
                rc = vmmio_wait_used(q, &token, &len);
                if (rc == 1) {
                        in_flight--;
                        rc = blk_complete(blk, token, len);
                }
        }
        vmmio_stats_add_since(q, &before, stats);
        return rc;
}
