/* virtio-console driver (VIRTIO 1.2 section 5.3), port 0 output only, no MULTIPORT. */
#include "targets/baremetal-aarch64/drivers.h"

#include "targets/baremetal-aarch64/platform.h"
#include "targets/baremetal-aarch64/port.h"

#define CONSOLE_RECEIVEQ  0u
#define CONSOLE_TRANSMITQ 1u
#define CONSOLE_MAX_TEXT  256u

static char console_tx_buffer[CONSOLE_MAX_TEXT] __attribute__((aligned(64)));

int bm_console_init(struct bm_console *console)
{
        int rc = vmmio_find(VIRTIO_ID_CONSOLE, &console->dev);
        if (rc == 0)
                rc = vmmio_negotiate(&console->dev, 0);
        if (rc == 0)
                rc = vmmio_queue_setup(&console->dev, &console->receive, CONSOLE_RECEIVEQ,
                                       VMMIO_QUEUE_MAX);
        if (rc == 0)
                rc = vmmio_queue_setup(&console->dev, &console->transmit, CONSOLE_TRANSMITQ,
                                       VMMIO_QUEUE_MAX);
        if (rc == 0)
                rc = vmmio_driver_ok(&console->dev);
        return rc;
}

int bm_console_write(struct bm_console *console, const char *text, bool use_irq,
                     struct vmmio_stats *stats)
{
        struct vmmio_queue *q = &console->transmit;
        size_t n = strlen(text);
        if (n == 0 || n > CONSOLE_MAX_TEXT)
                return VQ_EINVAL;
        struct vmmio_stats before;
        vmmio_stats_snapshot(q, &before);
        vmmio_set_irq_mode(q, use_irq);
        memcpy(console_tx_buffer, text, n);
        bm_dma_clean(console_tx_buffer, n);
        struct vq_sg sg = { (uint64_t)(uintptr_t)console_tx_buffer, (uint32_t)n };
        int rc = vq_drv_add(&q->vq, &sg, 1, 0, 0, NULL);
        if (rc == 0) {
                stats->requests++;
                vmmio_kick(q);
                uint64_t token;
                uint32_t len;
                rc = vmmio_wait_used(q, &token, &len);
                /* A transmit buffer is device-readable only: nothing is written back. */
                rc = rc != 1 ? rc : (token != 0 || len != 0) ? BM_EBADLEN : 0;
        }
        vmmio_stats_add_since(q, &before, stats);
        return rc;
}
