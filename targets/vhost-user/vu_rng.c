/* virtio-rng (VIRTIO 1.2 section 5.4): fill every device-writable byte from getrandom(). */
#include <errno.h>
#include <string.h>
#include <sys/random.h>

#include "targets/vhost-user/vu_device.h"
#include "targets/vhost-user/vu_proto.h"

static int fill_piece(void *ctx, uint8_t *host, size_t len, uint64_t part_offset)
{
        (void)ctx;
        (void)part_offset;
        while (len > 0) {
                ssize_t n = getrandom(host, len, 0);
                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        return -1;
                host += n;
                len -= (size_t)n;
        }
        return 0;
}

static uint32_t rng_handle(void *ctx, uint16_t queue, const struct vq_chain *c,
                           const struct vq_elem *e)
{
        (void)ctx;
        (void)queue;
        /* 5.4.6.1: the device MUST place one or more random bytes into the buffer; readable
         * pieces carry nothing for this device and are ignored. */
        if (vu_chain_for_each(c, e, true, 0, c->writable_bytes, fill_piece, NULL) != 0)
                return 0;
        return c->writable_bytes;
}

void vu_rng_init(struct vu_device *dev)
{
        memset(dev, 0, sizeof(*dev));
        dev->name = "virtio-rng";
        dev->features = VQ_F_VERSION_1 | VQ_F_INDIRECT_DESC | VQ_F_EVENT_IDX | VQ_F_RING_PACKED;
        dev->protocol_features = VU_PROTOCOL_F_REPLY_ACK;
        dev->queue_count = 1;
        dev->max_chain = 64;
        dev->config_size = 0;
        dev->handle = rng_handle;
}
