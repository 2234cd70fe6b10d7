/* vq_port: region-table translation and the default port. */
#include "virtio/vq_priv.h"

int vq_port_translate(const struct vq_port *port, uint64_t gpa, uint64_t size, void **host)
{
        if (port == NULL || host == NULL)
                return VQ_EINVAL;
        return vq_translate(port, gpa, size, host);
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
