/* virtio-blk (VIRTIO 1.2 section 5.2) served from a regular file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "targets/vhost-user/vu_device.h"
#include "targets/vhost-user/vu_proto.h"

/* Device feature bits (5.2.3). */
#define BLK_F_SEG_MAX    (1ull << 2)
#define BLK_F_FLUSH      (1ull << 9)
#define BLK_F_CONFIG_WCE (1ull << 11)

/* Request types and status values (5.2.6). */
#define BLK_T_IN     0u
#define BLK_T_OUT    1u
#define BLK_T_FLUSH  4u
#define BLK_T_GET_ID 8u
#define BLK_S_OK     0u
#define BLK_S_IOERR  1u
#define BLK_S_UNSUPP 2u

#define BLK_SECTOR     512u
#define BLK_HDR_BYTES  16u /* le32 type, le32 reserved, le64 sector */
#define BLK_ID_BYTES   20u
#define BLK_SEG_MAX    126u /* data segments per request; + header + status = max_chain */
#define BLK_CONFIG_LEN 60u  /* struct virtio_blk_config up to write_zeroes_may_unmap + pad */

/* Offsets in struct virtio_blk_config (5.2.4). */
#define BLK_CFG_CAPACITY 0u
#define BLK_CFG_SEG_MAX  12u
#define BLK_CFG_BLK_SIZE 20u
#define BLK_CFG_WCE      32u

struct vu_blk {
        int fd;
        uint64_t size_bytes;
        uint8_t writeback; /* config wce: 1 = write-back (flush on FLUSH), 0 = write-through */
        char serial[BLK_ID_BYTES];
};

static void put_le32(uint8_t *p, uint32_t v)
{
        for (unsigned i = 0; i < 4; i++)
                p[i] = (uint8_t)(v >> (8u * i));
}

static void put_le64(uint8_t *p, uint64_t v)
{
        for (unsigned i = 0; i < 8; i++)
                p[i] = (uint8_t)(v >> (8u * i));
}

static uint64_t get_le(const uint8_t *p, unsigned n)
{
        uint64_t v = 0;
        for (unsigned i = 0; i < n; i++)
                v |= (uint64_t)p[i] << (8u * i);
        return v;
}

static void blk_read_config(void *ctx, uint8_t *cfg)
{
        const struct vu_blk *blk = ctx;
        memset(cfg, 0, BLK_CONFIG_LEN);
        put_le64(cfg + BLK_CFG_CAPACITY, blk->size_bytes / BLK_SECTOR);
        put_le32(cfg + BLK_CFG_SEG_MAX, BLK_SEG_MAX);
        put_le32(cfg + BLK_CFG_BLK_SIZE, BLK_SECTOR);
        cfg[BLK_CFG_WCE] = blk->writeback;
}

/* Only `writeback` (wce) is writable, and only with VIRTIO_BLK_F_CONFIG_WCE (5.2.4). */
static int blk_write_config(void *ctx, uint32_t offset, const uint8_t *data, uint32_t size,
                            char *err, size_t errlen)
{
        struct vu_blk *blk = ctx;
        uint8_t cur[BLK_CONFIG_LEN];
        blk_read_config(blk, cur);
        for (uint32_t i = 0; i < size; i++) {
                uint32_t at = offset + i;
                if (at == BLK_CFG_WCE) {
                        if (data[i] > 1) {
                                snprintf(err, errlen, "blk config: writeback value %u", data[i]);
                                return -1;
                        }
                } else if (data[i] != cur[at]) {
                        snprintf(err, errlen, "blk config: byte %u is read-only", at);
                        return -1;
                }
        }
        if (offset <= BLK_CFG_WCE && BLK_CFG_WCE < offset + size)
                blk->writeback = data[BLK_CFG_WCE - offset];
        return 0;
}

struct io_ctx {
        int fd;
        uint64_t file_off; /* file offset of part offset `part_base` */
        uint64_t part_base;
        bool write;
};

static int io_piece(void *ctx, uint8_t *host, size_t len, uint64_t part_offset)
{
        const struct io_ctx *io = ctx;
        off_t at = (off_t)(io->file_off + (part_offset - io->part_base));
        while (len > 0) {
                ssize_t n =
                    io->write ? pwrite(io->fd, host, len, at) : pread(io->fd, host, len, at);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                host += n;
                len -= (size_t)n;
                at += n;
        }
        return 0;
}

/* Sector range check: whole sectors, inside the file, no overflow. */
static bool range_ok(const struct vu_blk *blk, uint64_t sector, uint64_t bytes)
{
        if (bytes % BLK_SECTOR != 0 || sector > blk->size_bytes / BLK_SECTOR)
                return false;
        return bytes <= blk->size_bytes - sector * BLK_SECTOR;
}

static uint8_t blk_io(struct vu_blk *blk, const struct vq_chain *c, const struct vq_elem *e,
                      uint32_t type, uint64_t sector, uint32_t *data_written)
{
        bool write = type == BLK_T_OUT;
        /* OUT: data follows the header in the readable part; IN: data precedes the status. */
        uint64_t data_bytes = write ? c->readable_bytes - BLK_HDR_BYTES : c->writable_bytes - 1u;
        if (!range_ok(blk, sector, data_bytes))
                return BLK_S_IOERR;
        struct io_ctx io = { .fd = blk->fd,
                             .file_off = sector * BLK_SECTOR,
                             .part_base = write ? BLK_HDR_BYTES : 0,
                             .write = write };
        if (vu_chain_for_each(c, e, !write, io.part_base, data_bytes, io_piece, &io) != 0)
                return BLK_S_IOERR;
        if (write && !blk->writeback && fdatasync(blk->fd) != 0)
                return BLK_S_IOERR;
        if (!write)
                *data_written = (uint32_t)data_bytes;
        return BLK_S_OK;
}

static uint32_t blk_handle(void *ctx, uint16_t queue, const struct vq_chain *c,
                           const struct vq_elem *e)
{
        struct vu_blk *blk = ctx;
        (void)queue;
        /* Without a writable byte there is nowhere to put the status (5.2.6: the last byte). */
        if (c->writable_bytes == 0)
                return 0;
        uint8_t hdr[BLK_HDR_BYTES];
        uint8_t status = BLK_S_IOERR;
        uint32_t data_written = 0;
        if (c->readable_bytes >= BLK_HDR_BYTES && vu_chain_read(c, e, 0, hdr, sizeof(hdr)) == 0) {
                uint32_t type = (uint32_t)get_le(hdr, 4);
                uint64_t sector = get_le(hdr + 8, 8);
                if (type == BLK_T_IN || type == BLK_T_OUT) {
                        status = blk_io(blk, c, e, type, sector, &data_written);
                } else if (type == BLK_T_FLUSH) {
                        status = (uint8_t)(fdatasync(blk->fd) == 0 ? BLK_S_OK : BLK_S_IOERR);
                } else if (type == BLK_T_GET_ID) {
                        uint32_t n = c->writable_bytes - 1u;
                        if (n > BLK_ID_BYTES)
                                n = BLK_ID_BYTES;
                        vu_chain_write(c, e, 0, blk->serial, n);
                        data_written = n;
                        status = BLK_S_OK;
                } else {
                        status = BLK_S_UNSUPP;
                }
        }
        vu_chain_write(c, e, c->writable_bytes - 1u, &status, 1);
        return data_written + 1u;
}

static void blk_set_features(void *ctx, uint64_t features)
{
        struct vu_blk *blk = ctx;
        /* 5.2.5.1: without CONFIG_WCE the device is write-back iff FLUSH was negotiated. */
        if (!(features & BLK_F_CONFIG_WCE))
                blk->writeback = (features & BLK_F_FLUSH) != 0;
}

struct vu_blk *vu_blk_open(const char *path, struct vu_device *dev, char *err, size_t errlen)
{
        int fd = open(path, O_RDWR | O_CLOEXEC);
        struct stat st;
        if (fd < 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
                snprintf(err, errlen, "%s: cannot open as a regular file: %s", path,
                         strerror(errno));
                if (fd >= 0)
                        close(fd);
                return NULL;
        }
        struct vu_blk *blk = calloc(1, sizeof(*blk));
        if (blk == NULL) {
                close(fd);
                snprintf(err, errlen, "out of memory");
                return NULL;
        }
        blk->fd = fd;
        blk->size_bytes = (uint64_t)st.st_size;
        blk->writeback = 1;
        /* GET_ID: up to 20 bytes, NUL-padded when shorter (5.2.6). */
        strncpy(blk->serial, "mosaic-vu-blk", sizeof(blk->serial));
        memset(dev, 0, sizeof(*dev));
        dev->name = "virtio-blk";
        dev->features = VQ_F_VERSION_1 | VQ_F_INDIRECT_DESC | VQ_F_EVENT_IDX | VQ_F_RING_PACKED |
                        BLK_F_SEG_MAX | BLK_F_FLUSH | BLK_F_CONFIG_WCE;
        dev->protocol_features = VU_PROTOCOL_F_REPLY_ACK | VU_PROTOCOL_F_CONFIG;
        dev->queue_count = 1;
        dev->max_chain = BLK_SEG_MAX + 2u;
        dev->config_size = BLK_CONFIG_LEN;
        dev->ctx = blk;
        dev->read_config = blk_read_config;
        dev->write_config = blk_write_config;
        dev->handle = blk_handle;
        dev->set_features = blk_set_features;
        return blk;
}

void vu_blk_close(struct vu_blk *blk)
{
        if (blk == NULL)
                return;
        close(blk->fd);
        free(blk);
}
