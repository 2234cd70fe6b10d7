/*
 * vdev_net: virtio-net (VIRTIO 1.2 section 5.1) transmit queue behind a vdev, with an Ethernet
 * link serialiser.
 *
 * Request (5.1.6.2): one device-readable buffer holding struct virtio_net_hdr { u8 flags;
 * u8 gso_type; le16 hdr_len; le16 gso_size; le16 csum_start; le16 csum_offset; le16
 * num_buffers; } (12 bytes with VIRTIO_F_VERSION_1) followed by the frame (destination and
 * source MAC, EtherType, payload; no FCS). vdev_io: bytes = frame length (14 .. mtu + 14). The
 * guest driver writes the header (timed) and the frame's Ethernet header (untimed: the network
 * stack built the frame before the driver ran); the buffer is one descriptor, as Linux sends a
 * linear skb with the header in its headroom.
 *
 * The backend validates the header against what this device negotiates (no VIRTIO_NET_F_CSUM,
 * no GSO features): flags must be 0, gso_type VIRTIO_NET_HDR_GSO_NONE, a frame at least an
 * Ethernet header long and at most mtu + 14 bytes, no device-writable part. TX has no status:
 * an invalid frame is dropped (counted) and its buffer returned at once with length 0. A valid
 * frame is copied out of guest memory (timed when payload_by_cpu) and serialised on the link:
 * wire bytes = 8 (preamble and SFD) + max(frame + 4 FCS, 64) + 12 (inter-frame gap) (IEEE
 * 802.3 framing: minimum frame 64 bytes with FCS, padded), at link_bit_rate; frames queue FIFO
 * behind the one on the wire and the request completes when its last bit (and gap) has left.
 *
 * Not modelled: the RX queue, the control queue, offloads, multiple queue pairs, the peer's
 * flow control, VLAN tags beyond the frame length they add.
 */
#ifndef MOSAIC_IO_VDEV_NET_H
#define MOSAIC_IO_VDEV_NET_H

#include <stdbool.h>
#include <stdint.h>

#include "models/io/vdev.h"

#define VIRTIO_NET_HDR_BYTES        12u
#define VIRTIO_NET_HDR_F_NEEDS_CSUM 1u
#define VIRTIO_NET_HDR_GSO_NONE     0u
#define VDEV_NET_ETH_HDR_BYTES      14u
#define VDEV_NET_FCS_BYTES          4u
#define VDEV_NET_MIN_FRAME_BYTES    64u /* with FCS */
#define VDEV_NET_PREAMBLE_SFD_BYTES 8u
#define VDEV_NET_IFG_BYTES          12u

struct vdev_net_config {
        uint64_t link_bit_rate;
        uint32_t mtu;
        bool payload_by_cpu;
};

/* Defaults: 100 Mbit/s (100BASE-T1, IEEE 802.3bw automotive Ethernet), MTU 1500. */
extern const struct vdev_net_config vdev_net_default_config;

struct vdev_net_stats {
        uint64_t frames, wire_bytes, dropped;
};

struct vdev_net {
        const struct vdev_net_config *config;
        sim_time_t link_free_ps;
        struct vdev_net_stats stats;
};

extern const struct vdev_device_ops vdev_net_ops;

int vdev_net_init(struct vdev_net *net, const struct vdev_net_config *config);

/* Bytes one frame of `frame_bytes` (without FCS) occupies on the wire, gap included. */
uint32_t vdev_net_wire_bytes(uint32_t frame_bytes);

#endif
