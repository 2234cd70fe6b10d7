/* vdev_net: virtio-net TX header validation and Ethernet serialiser (see the header). */
#include "models/io/vdev_net.h"

#include <errno.h>
#include <string.h>

const struct vdev_net_config vdev_net_default_config = { .link_bit_rate = 100000000,
                                                         .mtu = 1500,
                                                         .payload_by_cpu = true };

int vdev_net_init(struct vdev_net *net, const struct vdev_net_config *config)
{
        *net = (struct vdev_net){ .config = config };
        return config->link_bit_rate == 0 || config->mtu == 0 ? -EINVAL : 0;
}

uint32_t vdev_net_wire_bytes(uint32_t frame_bytes)
{
        uint32_t with_fcs = frame_bytes + VDEV_NET_FCS_BYTES;

        if (with_fcs < VDEV_NET_MIN_FRAME_BYTES)
                with_fcs = VDEV_NET_MIN_FRAME_BYTES;
        return VDEV_NET_PREAMBLE_SFD_BYTES + with_fcs + VDEV_NET_IFG_BYTES;
}

static int net_build(void *model, struct vdev *v, const struct vdev_io *io, uint64_t buf,
                     struct vq_sg *sg, uint16_t *readable, uint16_t *writable)
{
        uint8_t hdr[VIRTIO_NET_HDR_BYTES] = { 0 };
        uint8_t *frame = vq_sim_host(v->mem, buf + VIRTIO_NET_HDR_BYTES, VDEV_NET_ETH_HDR_BYTES);

        (void)model;
        if (io->bytes < VDEV_NET_ETH_HDR_BYTES || frame == NULL)
                return -EINVAL;
        hdr[0] = (uint8_t)io->flags; /* a test may ask for a header the device refuses */
        vdev_drv_write(v, buf, hdr, sizeof(hdr));
        /* Broadcast from a locally administered MAC, EtherType 0x88b5 (IEEE local experimental). */
        memset(frame, 0xff, 6);
        memcpy(frame + 6, "\x02\x00\x00\x00\x00\x01\x88\xb5", 8);
        sg[0] = (struct vq_sg){ buf, VIRTIO_NET_HDR_BYTES + io->bytes };
        *readable = 1;
        *writable = 0;
        return 0;
}

static void net_parse(void *model, struct vdev *v, struct vdev_inflight *in)
{
        struct vdev_net *net = model;
        uint8_t hdr[VIRTIO_NET_HDR_BYTES];
        uint32_t frame;

        in->written = 0;
        if (in->chain.writable_bytes != 0 ||
            in->chain.readable_bytes < VIRTIO_NET_HDR_BYTES + VDEV_NET_ETH_HDR_BYTES ||
            !vdev_chain_read(v, in, 0, hdr, VIRTIO_NET_HDR_BYTES)) {
                net->stats.dropped++;
                return;
        }
        frame = in->chain.readable_bytes - VIRTIO_NET_HDR_BYTES;
        if (hdr[0] != 0 || hdr[1] != VIRTIO_NET_HDR_GSO_NONE ||
            frame > net->config->mtu + VDEV_NET_ETH_HDR_BYTES) {
                net->stats.dropped++;
                return;
        }
        if (net->config->payload_by_cpu) {
                uint8_t chunk[256];

                for (uint32_t off = 0; off < frame; off += sizeof(chunk)) {
                        uint32_t n = frame - off < sizeof(chunk) ? frame - off : sizeof(chunk);

                        (void)vdev_chain_read(v, in, VIRTIO_NET_HDR_BYTES + off, chunk, n);
                }
        }
        in->aux = frame;
        in->valid = true;
}

static void net_submit(void *model, struct vdev *v, struct vdev_inflight *in, sim_time_t at)
{
        struct vdev_net *net = model;
        uint32_t wire = vdev_net_wire_bytes((uint32_t)in->aux);

        net->stats.frames++;
        net->stats.wire_bytes += wire;
        vdev_service_done_at(
            v, in,
            vdev_serialise(&net->link_free_ps, at,
                           vdev_rate_ps(8u * (uint64_t)wire, net->config->link_bit_rate)));
}

const struct vdev_device_ops vdev_net_ops = { .kind = "virtio-net",
                                              .max_pieces = 1,
                                              .build = net_build,
                                              .parse = net_parse,
                                              .submit = net_submit,
                                              .respond = vdev_respond_nothing,
                                              .check = vdev_check_no_status };
