/* vdev_rng: virtio-rng requests filled from an entropy source of fixed rate (see the header). */
#include "models/io/vdev_rng.h"

#include <errno.h>

#define CHUNK 256u

const struct vdev_rng_config vdev_rng_default_config = { .entropy_bytes_per_s = 1000000,
                                                         .seed = 1 };

int vdev_rng_init(struct vdev_rng *rng, const struct vdev_rng_config *config)
{
        *rng = (struct vdev_rng){ .config = config };
        rng_init_named(&rng->rng, config->seed, "vdev-rng");
        return config->entropy_bytes_per_s == 0 ? -EINVAL : 0;
}

static int rng_build(void *model, struct vdev *v, const struct vdev_io *io, uint64_t buf,
                     struct vq_sg *sg, uint16_t *readable, uint16_t *writable)
{
        (void)model;
        (void)v;
        if (io->bytes == 0)
                return -EINVAL;
        sg[0] = (struct vq_sg){ buf, io->bytes };
        *readable = 0;
        *writable = 1;
        return 0;
}

static int rng_check(void *model, struct vdev *v, const struct vdev_io *io, uint64_t buf,
                     uint32_t used_len)
{
        (void)model;
        (void)v;
        (void)buf;
        return used_len == io->bytes ? 0 : -1;
}

static void rng_parse(void *model, struct vdev *v, struct vdev_inflight *in)
{
        struct vdev_rng *rng = model;

        (void)v;
        in->written = 0;
        if (in->chain.readable_bytes != 0 || in->chain.writable_bytes == 0) {
                rng->framing_errors++;
                return;
        }
        in->valid = true;
}

static void rng_submit(void *model, struct vdev *v, struct vdev_inflight *in, sim_time_t at)
{
        struct vdev_rng *rng = model;
        sim_time_t fill = vdev_rate_ps(in->chain.writable_bytes, rng->config->entropy_bytes_per_s);

        vdev_service_done_at(v, in, vdev_serialise(&rng->source_free_ps, at, fill));
}

static void rng_respond(void *model, struct vdev *v, struct vdev_inflight *in)
{
        struct vdev_rng *rng = model;
        uint8_t chunk[CHUNK];

        if (!in->valid)
                return;
        for (uint32_t off = 0; off < in->chain.writable_bytes; off += CHUNK) {
                uint32_t n = in->chain.writable_bytes - off;

                n = n < CHUNK ? n : CHUNK;
                for (uint32_t i = 0; i < n; i++)
                        chunk[i] = (uint8_t)rng_next(&rng->rng);
                (void)vdev_chain_write(v, in, off, chunk, n);
        }
        in->written = in->chain.writable_bytes;
        rng->bytes += in->written;
}

const struct vdev_device_ops vdev_rng_ops = { .kind = "virtio-rng",
                                              .max_pieces = 1,
                                              .build = rng_build,
                                              .parse = rng_parse,
                                              .submit = rng_submit,
                                              .respond = rng_respond,
                                              .check = rng_check };
