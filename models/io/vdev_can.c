/* vdev_can: virtio-can TX requests onto a CAN bus node (see the header). */
#include "models/io/vdev_can.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#define KNOWN_FLAGS (VIRTIO_CAN_FLAGS_EXTENDED | VIRTIO_CAN_FLAGS_FD | VIRTIO_CAN_FLAGS_RTR)

int vdev_can_init(struct vdev_can *can, const struct vdev_can_config *config, struct can_bus *bus,
                  uint16_t queue_size)
{
        *can = (struct vdev_can){ .config = config, .bus = bus, .queue_size = queue_size };
        if (config->node >= bus->config->nodes || queue_size == 0)
                return -EINVAL;
        can->tx = calloc(queue_size, sizeof(*can->tx));
        return can->tx == NULL ? -ENOMEM : 0;
}

void vdev_can_fini(struct vdev_can *can)
{
        free(can->tx);
        can->tx = NULL;
}

/* ---- guest driver ------------------------------------------------------------------------- */

static int can_build(void *model, struct vdev *v, const struct vdev_io *io, uint64_t buf,
                     struct vq_sg *sg, uint16_t *readable, uint16_t *writable)
{
        uint8_t msg[VIRTIO_CAN_TX_HDR_BYTES + CAN_FD_MAX_LEN] = { 0 };
        uint32_t sdu = (io->flags & VIRTIO_CAN_FLAGS_RTR) != 0 ? 0 : io->bytes;

        (void)model;
        if (sdu > CAN_FD_MAX_LEN)
                return -EINVAL;
        vdev_put_le(msg, VIRTIO_CAN_TX, 2);
        vdev_put_le(msg + 2, io->bytes, 2);
        vdev_put_le(msg + 8, io->flags, 4);
        vdev_put_le(msg + 12, io->address, 4);
        for (uint32_t i = 0; i < sdu; i++)
                msg[VIRTIO_CAN_TX_HDR_BYTES + i] = (uint8_t)(io->address + i);
        vdev_drv_write(v, buf, msg, VIRTIO_CAN_TX_HDR_BYTES + sdu);
        sg[0] = (struct vq_sg){ buf, VIRTIO_CAN_TX_HDR_BYTES + sdu };
        sg[1] = (struct vq_sg){ buf + VDEV_CAN_RESULT_OFFSET, 1 };
        *readable = 1;
        *writable = 1;
        return 0;
}

static int can_check(void *model, struct vdev *v, const struct vdev_io *io, uint64_t buf,
                     uint32_t used_len)
{
        uint8_t result;

        (void)model;
        (void)io;
        vdev_drv_read(v, buf + VDEV_CAN_RESULT_OFFSET, &result, 1);
        return used_len == 0 ? -1 : result;
}

/* ---- backend ------------------------------------------------------------------------------ */

/* Decode and validate a tx_out header; 0 and *frame, or VIRTIO_CAN_RESULT_NOT_OK. */
static uint8_t decode(const struct vdev_can *can, const uint8_t *hdr, uint32_t readable,
                      struct can_frame *frame, uint32_t *sdu)
{
        uint32_t type = (uint32_t)vdev_get_le(hdr, 2);
        uint32_t length = (uint32_t)vdev_get_le(hdr + 2, 2);
        uint32_t flags = (uint32_t)vdev_get_le(hdr + 8, 4);
        uint32_t id = (uint32_t)vdev_get_le(hdr + 12, 4);
        bool extended = (flags & VIRTIO_CAN_FLAGS_EXTENDED) != 0;
        bool rtr = (flags & VIRTIO_CAN_FLAGS_RTR) != 0;
        bool fd = (flags & VIRTIO_CAN_FLAGS_FD) != 0;
        bool length_ok = fd ? can_fd_dlc(length) >= 0 : length <= 8;

        if (type != VIRTIO_CAN_TX || (flags & ~KNOWN_FLAGS) != 0 ||
            (fd && !can->config->fd_frames) || (rtr && (fd || !can->config->rtr_frames)) ||
            !length_ok || id > (extended ? CAN_EXT_ID_MAX : CAN_STD_ID_MAX))
                return VIRTIO_CAN_RESULT_NOT_OK;
        *sdu = rtr ? 0 : length;
        if (readable < VIRTIO_CAN_TX_HDR_BYTES + *sdu)
                return VIRTIO_CAN_RESULT_NOT_OK;
        *frame = (struct can_frame){ .id = id,
                                     .extended = extended,
                                     .rtr = rtr,
                                     .fd = fd,
                                     .brs = fd && can->config->fd_bit_rate_switch,
                                     .len = (uint8_t)length };
        return VIRTIO_CAN_RESULT_OK;
}

static void can_parse(void *model, struct vdev *v, struct vdev_inflight *in)
{
        struct vdev_can *can = model;
        struct can_tx *tx = &can->tx[in->chain.id];
        uint8_t hdr[VIRTIO_CAN_TX_HDR_BYTES];
        uint32_t sdu = 0;

        if (in->chain.writable_bytes < 1 ||
            !vdev_chain_read(v, in, 0, hdr, VIRTIO_CAN_TX_HDR_BYTES)) {
                can->stats.framing_errors++;
                in->written = in->chain.writable_bytes < 1 ? 0 : 1;
                in->status = VIRTIO_CAN_RESULT_NOT_OK;
                return;
        }
        in->written = 1;
        in->status = decode(can, hdr, in->chain.readable_bytes, &tx->frame, &sdu);
        if (in->status != VIRTIO_CAN_RESULT_OK) {
                can->stats.rejected++;
                return;
        }
        (void)vdev_chain_read(v, in, VIRTIO_CAN_TX_HDR_BYTES, tx->frame.data, sdu);
        in->valid = true;
}

static void tx_done(struct sim *sim, struct can_tx *tx, sim_time_t end_ps)
{
        struct vdev_inflight *in = tx->ctx;

        (void)sim;
        (void)end_ps;
        vdev_service_done(in->owner, in);
}

static void queue_frame(struct sim *sim, void *arg)
{
        struct vdev_inflight *in = arg;
        struct vdev_can *can = in->owner->config->model;
        struct can_tx *tx = &can->tx[in->chain.id];

        (void)sim;
        tx->done = tx_done;
        tx->ctx = in;
        (void)can_bus_submit(can->bus, can->config->node, tx); /* validated in parse */
        can->stats.sent++;
}

static void can_submit(void *model, struct vdev *v, struct vdev_inflight *in, sim_time_t at)
{
        struct vdev_can *can = model;

        (void)v;
        sim_schedule(can->bus->sim, at, queue_frame, in);
}

static void can_respond(void *model, struct vdev *v, struct vdev_inflight *in)
{
        (void)model;
        if (in->written != 0)
                (void)vdev_chain_write(v, in, in->chain.writable_bytes - 1u, &in->status, 1);
}

const struct vdev_device_ops vdev_can_ops = { .kind = "virtio-can",
                                              .max_pieces = 2,
                                              .build = can_build,
                                              .parse = can_parse,
                                              .submit = can_submit,
                                              .respond = can_respond,
                                              .check = can_check };

/* ---- other ECUs --------------------------------------------------------------------------- */

static void periodic_done(struct sim *sim, struct can_tx *tx, sim_time_t end_ps)
{
        struct vdev_can_periodic *p = tx->ctx;

        (void)sim;
        (void)end_ps;
        p->busy = false;
        p->sent++;
}

static void periodic_fire(struct sim *sim, void *arg)
{
        struct vdev_can_periodic *p = arg;

        sim_schedule_in(sim, p->period_ps, periodic_fire, p);
        if (p->busy) {
                p->overruns++;
                return;
        }
        p->busy = true;
        (void)can_bus_submit(p->bus, p->node, &p->tx);
}

int vdev_can_add_periodic(struct vdev_can *can, unsigned node, const struct can_frame *frame,
                          sim_time_t offset_ps, sim_time_t period_ps)
{
        struct can_frame_bits bits;
        struct vdev_can_periodic *p;

        if (node >= can->bus->config->nodes || period_ps == 0 || can_frame_bits(frame, &bits) != 0)
                return -EINVAL;
        if (can->periodic_count == VDEV_CAN_MAX_PERIODIC)
                return -ENOSPC;
        p = &can->periodic[can->periodic_count++];
        *p = (struct vdev_can_periodic){ .bus = can->bus, .node = node, .period_ps = period_ps };
        p->tx.frame = *frame;
        p->tx.done = periodic_done;
        p->tx.ctx = p;
        sim_schedule(can->bus->sim, sim_now(can->bus->sim) + offset_ps, periodic_fire, p);
        return 0;
}
