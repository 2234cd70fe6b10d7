/* vdev_console: virtio-console transmitq and a UART-rate serialiser (see the header). */
#include "models/io/vdev_console.h"

#include <errno.h>

#define CHUNK 256u

const struct vdev_console_config vdev_console_default_config = { .baud = 115200,
                                                                 .bits_per_char = 10 };

int vdev_console_init(struct vdev_console *con, const struct vdev_console_config *config)
{
        *con = (struct vdev_console){ .config = config };
        return config->baud == 0 || config->bits_per_char == 0 ? -EINVAL : 0;
}

static int console_build(void *model, struct vdev *v, const struct vdev_io *io, uint64_t buf,
                         struct vq_sg *sg, uint16_t *readable, uint16_t *writable)
{
        uint8_t text[CHUNK];

        (void)model;
        if (io->bytes == 0)
                return -EINVAL;
        for (uint32_t off = 0; off < io->bytes; off += CHUNK) {
                uint32_t n = io->bytes - off < CHUNK ? io->bytes - off : CHUNK;

                for (uint32_t i = 0; i < n; i++)
                        text[i] = (uint8_t)('a' + (off + i) % 26u);
                vdev_drv_write(v, buf + off, text, n);
        }
        sg[0] = (struct vq_sg){ buf, io->bytes };
        *readable = 1;
        *writable = 0;
        return 0;
}

static void console_parse(void *model, struct vdev *v, struct vdev_inflight *in)
{
        struct vdev_console *con = model;
        uint8_t chunk[CHUNK];

        in->written = 0;
        if (in->chain.writable_bytes != 0 || in->chain.readable_bytes == 0) {
                con->framing_errors++;
                return;
        }
        for (uint32_t off = 0; off < in->chain.readable_bytes; off += CHUNK) {
                uint32_t left = in->chain.readable_bytes - off;

                (void)vdev_chain_read(v, in, off, chunk, left < CHUNK ? left : CHUNK);
        }
        in->valid = true;
}

static void console_submit(void *model, struct vdev *v, struct vdev_inflight *in, sim_time_t at)
{
        struct vdev_console *con = model;
        uint64_t bits = (uint64_t)in->chain.readable_bytes * con->config->bits_per_char;

        con->chars += in->chain.readable_bytes;
        vdev_service_done_at(
            v, in, vdev_serialise(&con->line_free_ps, at, vdev_rate_ps(bits, con->config->baud)));
}

const struct vdev_device_ops vdev_console_ops = { .kind = "virtio-console",
                                                  .max_pieces = 1,
                                                  .build = console_build,
                                                  .parse = console_parse,
                                                  .submit = console_submit,
                                                  .respond = vdev_respond_nothing,
                                                  .check = vdev_check_no_status };
