/* vq_port: region-table translation and the default port. */
#include "virtio/vq_port.h"

int vq_port_translate(const struct vq_port *port, uint64_t gpa, uint64_t size, void **host)
{
        if (port == NULL || host == NULL)
                return VQ_EINVAL;
        if (gpa + size < gpa)
                return VQ_ETRANSLATE; /* wraps around 2^64 */
        for (size_t i = 0; i < port->region_count; i++) {
                const struct vq_region *reg = &port->regions[i];
                if (gpa < reg->gpa)
                        continue;
                uint64_t offset = gpa - reg->gpa;
                /* offset <= size_bytes and size <= size_bytes - offset, written without
                 * overflow; this also admits a zero-size range at the region's end. */
                if (offset > reg->size_bytes || size > reg->size_bytes - offset)
                        continue;
                *host = (uint8_t *)reg->host + offset;
                return 0;
        }
        return VQ_ETRANSLATE;
}

void vq_port_init_default(struct vq_port *port, const struct vq_region *regions,
                          size_t region_count)
{
        port->regions = regions;
        port->region_count = region_count;
        port->ops = NULL;
        port->access = NULL;
        port->ctx = NULL;
}
