/* vdev_blk: virtio-blk request format and flash channel service model (see the header). */
#include "models/io/vdev_blk.h"

#include <errno.h>
#include <string.h>

const struct vdev_blk_config vdev_blk_default_config = { .capacity_sectors = 1ull << 24,
                                                         .channels = 4,
                                                         .stripe_sectors = 128,
                                                         .read_ps = 80000000,
                                                         .write_ps = 200000000,
                                                         .flush_ps = 1000000000,
                                                         .channel_bytes_per_s = 100000000,
                                                         .payload_by_cpu = true };

static const char blk_id[VIRTIO_BLK_ID_BYTES] = "mosaic-vdev-blk";

int vdev_blk_init(struct vdev_blk *blk, const struct vdev_blk_config *config)
{
        *blk = (struct vdev_blk){ .config = config };
        if (config->channels == 0 || config->channels > VDEV_BLK_MAX_CHANNELS ||
            config->stripe_sectors == 0 || config->channel_bytes_per_s == 0)
                return -EINVAL;
        return 0;
}

sim_time_t vdev_blk_service_ps(const struct vdev_blk *blk, uint32_t type, uint32_t bytes)
{
        const struct vdev_blk_config *c = blk->config;
        sim_time_t transfer = vdev_rate_ps(bytes, c->channel_bytes_per_s);

        switch (type) {
        case VIRTIO_BLK_T_IN:
                return c->read_ps + transfer;
        case VIRTIO_BLK_T_OUT:
                return c->write_ps + transfer;
        case VIRTIO_BLK_T_FLUSH:
                return c->flush_ps;
        default:
                return 0;
        }
}

unsigned vdev_blk_channel(const struct vdev_blk *blk, uint64_t sector)
{
        return (unsigned)(sector / blk->config->stripe_sectors % blk->config->channels);
}

uint8_t vdev_blk_pattern(uint64_t sector, uint32_t offset)
{
        return (uint8_t)(sector * 131u + offset * 7u + 1u);
}

/* ---- guest driver ------------------------------------------------------------------------- */

static int blk_build(void *model, struct vdev *v, const struct vdev_io *io, uint64_t buf,
                     struct vq_sg *sg, uint16_t *readable, uint16_t *writable)
{
        uint8_t hdr[VIRTIO_BLK_HDR_BYTES] = { 0 };
        uint16_t n = 0;

        (void)model;
        vdev_put_le(hdr, io->op, 4);
        vdev_put_le(hdr + 8, io->address, 8);
        vdev_drv_write(v, buf, hdr, sizeof(hdr));
        sg[n++] = (struct vq_sg){ buf, VIRTIO_BLK_HDR_BYTES };
        *readable = 1;
        *writable = 1;
        if (io->op == VIRTIO_BLK_T_OUT) {
                sg[n++] = (struct vq_sg){ buf + VDEV_BLK_DATA_OFFSET, io->bytes };
                *readable = 2;
        } else if (io->op == VIRTIO_BLK_T_IN) {
                sg[n++] = (struct vq_sg){ buf + VDEV_BLK_DATA_OFFSET, io->bytes };
                *writable = 2;
        } else if (io->op == VIRTIO_BLK_T_GET_ID) {
                sg[n++] = (struct vq_sg){ buf + VDEV_BLK_DATA_OFFSET, VIRTIO_BLK_ID_BYTES };
                *writable = 2;
        }
        if ((io->op == VIRTIO_BLK_T_OUT || io->op == VIRTIO_BLK_T_IN) && io->bytes == 0)
                return -EINVAL; /* a zero-length piece is not a buffer */
        sg[n] = (struct vq_sg){ buf + VDEV_BLK_STATUS_OFFSET, 1 };
        return 0;
}

static int blk_check(void *model, struct vdev *v, const struct vdev_io *io, uint64_t buf,
                     uint32_t used_len)
{
        uint8_t status;

        (void)model;
        (void)io;
        vdev_drv_read(v, buf + VDEV_BLK_STATUS_OFFSET, &status, 1);
        if (used_len == 0)
                return -1; /* the device could not answer */
        return status;
}

/* ---- backend ------------------------------------------------------------------------------ */

static uint8_t validate(const struct vdev_blk *blk, uint32_t type, uint64_t sector,
                        uint32_t readable, uint32_t writable)
{
        uint32_t data;

        switch (type) {
        case VIRTIO_BLK_T_IN:
                data = writable - 1u;
                if (readable != VIRTIO_BLK_HDR_BYTES)
                        return VIRTIO_BLK_S_IOERR;
                break;
        case VIRTIO_BLK_T_OUT:
                data = readable - VIRTIO_BLK_HDR_BYTES;
                break;
        case VIRTIO_BLK_T_FLUSH:
        case VIRTIO_BLK_T_GET_ID:
                return VIRTIO_BLK_S_OK;
        default:
                return VIRTIO_BLK_S_UNSUPP;
        }
        if (data % VIRTIO_BLK_SECTOR_BYTES != 0 || sector > blk->config->capacity_sectors ||
            data / VIRTIO_BLK_SECTOR_BYTES > blk->config->capacity_sectors - sector)
                return VIRTIO_BLK_S_IOERR;
        return VIRTIO_BLK_S_OK;
}

static void count_type(struct vdev_blk *blk, uint32_t type)
{
        if (type == VIRTIO_BLK_T_IN)
                blk->stats.reads++;
        else if (type == VIRTIO_BLK_T_OUT)
                blk->stats.writes++;
        else if (type == VIRTIO_BLK_T_FLUSH)
                blk->stats.flushes++;
        else if (type == VIRTIO_BLK_T_GET_ID)
                blk->stats.get_ids++;
}

static void blk_parse(void *model, struct vdev *v, struct vdev_inflight *in)
{
        struct vdev_blk *blk = model;
        uint8_t hdr[VIRTIO_BLK_HDR_BYTES];
        uint32_t type;
        uint64_t sector;

        if (in->chain.writable_bytes < 1 || !vdev_chain_read(v, in, 0, hdr, VIRTIO_BLK_HDR_BYTES)) {
                blk->stats.framing_errors++;
                in->status = VIRTIO_BLK_S_IOERR;
                in->written = 0;
                return;
        }
        type = (uint32_t)vdev_get_le(hdr, 4);
        sector = vdev_get_le(hdr + 8, 8);
        in->aux = sector;
        in->written = in->chain.writable_bytes;
        in->status =
            validate(blk, type, sector, in->chain.readable_bytes, in->chain.writable_bytes);
        in->op = type;
        if (in->status == VIRTIO_BLK_S_IOERR)
                blk->stats.ioerr++;
        else if (in->status == VIRTIO_BLK_S_UNSUPP)
                blk->stats.unsupp++;
        if (in->status != VIRTIO_BLK_S_OK)
                return;
        count_type(blk, type);
        in->valid = true;
        /* A software backend copies the data to write out of guest memory now. */
        if (type == VIRTIO_BLK_T_OUT && blk->config->payload_by_cpu) {
                uint8_t chunk[VIRTIO_BLK_SECTOR_BYTES];

                for (uint32_t off = VIRTIO_BLK_HDR_BYTES; off < in->chain.readable_bytes;
                     off += VIRTIO_BLK_SECTOR_BYTES)
                        (void)vdev_chain_read(v, in, off, chunk, VIRTIO_BLK_SECTOR_BYTES);
        }
}

static void blk_submit(void *model, struct vdev *v, struct vdev_inflight *in, sim_time_t at)
{
        struct vdev_blk *blk = model;
        uint32_t type = in->op;
        sim_time_t end = at;

        if (type == VIRTIO_BLK_T_FLUSH) {
                for (unsigned c = 0; c < blk->config->channels; c++)
                        end = blk->channel_free_ps[c] > end ? blk->channel_free_ps[c] : end;
                end += blk->config->flush_ps;
                for (unsigned c = 0; c < blk->config->channels; c++)
                        blk->channel_free_ps[c] = end;
        } else if (type == VIRTIO_BLK_T_IN || type == VIRTIO_BLK_T_OUT) {
                unsigned c = vdev_blk_channel(blk, in->aux);
                uint32_t bytes = type == VIRTIO_BLK_T_IN
                                     ? in->chain.writable_bytes - 1u
                                     : in->chain.readable_bytes - VIRTIO_BLK_HDR_BYTES;

                end = vdev_serialise(&blk->channel_free_ps[c], at,
                                     vdev_blk_service_ps(blk, type, bytes));
        }
        vdev_service_done_at(v, in, end);
}

static void blk_respond(void *model, struct vdev *v, struct vdev_inflight *in)
{
        struct vdev_blk *blk = model;
        uint32_t type = in->op;
        uint32_t status_at = in->chain.writable_bytes - 1u;

        if (in->written == 0)
                return; /* nowhere to answer */
        if (in->status == VIRTIO_BLK_S_OK && type == VIRTIO_BLK_T_IN &&
            blk->config->payload_by_cpu) {
                uint8_t chunk[VIRTIO_BLK_SECTOR_BYTES];

                for (uint32_t off = 0; off < status_at; off += VIRTIO_BLK_SECTOR_BYTES) {
                        uint64_t sector = in->aux + off / VIRTIO_BLK_SECTOR_BYTES;

                        for (uint32_t i = 0; i < VIRTIO_BLK_SECTOR_BYTES; i++)
                                chunk[i] = vdev_blk_pattern(sector, i);
                        (void)vdev_chain_write(v, in, off, chunk, VIRTIO_BLK_SECTOR_BYTES);
                }
        } else if (in->status == VIRTIO_BLK_S_OK && type == VIRTIO_BLK_T_GET_ID) {
                uint32_t n = status_at < VIRTIO_BLK_ID_BYTES ? status_at : VIRTIO_BLK_ID_BYTES;

                (void)vdev_chain_write(v, in, 0, blk_id, n);
        }
        (void)vdev_chain_write(v, in, status_at, &in->status, 1);
}

const struct vdev_device_ops vdev_blk_ops = { .kind = "virtio-blk",
                                              .max_pieces = 3,
                                              .build = blk_build,
                                              .parse = blk_parse,
                                              .submit = blk_submit,
                                              .respond = blk_respond,
                                              .check = blk_check };
