/*
 * bench_io_vdev: simulation speed of a virtio-blk device model with every ring access through
 * the cache model (vq_sim_mem), against wall-clock time.
 *
 * One vdev_blk (default flash model: 4 channels, read 80 us) and the cache cost table of
 * tests/io/io_test_config.h, split ring of 256 with EVENT_IDX,
 * notify 2 us, dispatch 5 us, interrupt 2 us; Poisson arrivals at 10,000 requests per second of
 * 4 KiB random reads; 1 s of simulated time. Prints `name: value` lines:
 * virtio_blk_component_sim_to_wall_ratio (simulated seconds per wall-clock second of the device
 * model alone; the scenario-level figure of issue 6, virtio_blk_sim_to_wall_ratio, is
 * bench_platform_devices.c's), the requests completed, mean and p99 latency, notifications,
 * interrupts and ring L1 misses per request, and kernel events per request. Exits 1 only if the
 * model misbehaves (a broken queue, no completion), never on a slow figure.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "models/io/vdev.h"
#include "models/io/vdev_blk.h"
#include "models/io/vdev_workload.h"
#include "models/io/vq_sim_mem.h"
#include "tests/io/io_test_config.h"
#include "sim/metrics.h"
#include "sim/sim.h"

#define BASE 0x80000000ull
#define US   1000000ull

static struct vq_sim_config sim_config;

static double wall_seconds(void)
{
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static uint64_t counter(const struct metrics *m, const char *name)
{
        const struct metric *c = metrics_find(m, "dev/blk", name);

        return c != NULL ? c->counter : 0;
}

int main(void)
{
        static struct vq_sim_mem mem;
        static struct vdev v;
        struct vdev_blk blk;
        struct vdev_workload wl;
        const struct vdev_config config = { .name = "blk",
                                            .ops = &vdev_blk_ops,
                                            .model = &blk,
                                            .queue_size = 256,
                                            .event_idx = true,
                                            .ring_gpa = BASE,
                                            .buffers_gpa = BASE + 0x10000u,
                                            .slot_bytes = 4096 + 64,
                                            .notify_ps = 2 * US,
                                            .interrupt_ps = 2 * US,
                                            .backend_dispatch_ps = 5 * US };
        const struct vdev_workload_config wl_config = { .name = "bench",
                                                        .seed = 1,
                                                        .arrival = VDEV_ARRIVAL_POISSON,
                                                        .interval_ps = 100 * US,
                                                        .bytes = 4096,
                                                        .op_read = VIRTIO_BLK_T_IN,
                                                        .op_write = VIRTIO_BLK_T_OUT,
                                                        .read_permille = 1000,
                                                        .pattern = VDEV_PATTERN_RANDOM,
                                                        .address_span = 1u << 20,
                                                        .address_step = 8,
                                                        .stop_ps = SIM_PS_PER_S };
        struct sim *sim = sim_create(NULL);
        struct metrics *metrics = metrics_create();
        const struct histogram *latency;
        double start, wall;
        uint64_t done;

        sim_config = io_test_sim_config(8u << 20);
        if (sim == NULL || metrics == NULL || vq_sim_init(&mem, &sim_config) != 0 ||
            vdev_blk_init(&blk, &vdev_blk_default_config) != 0 ||
            vdev_init(&v, &config, sim, &mem, metrics, NULL) != 0 ||
            vdev_workload_start(&wl, &wl_config, &v) != 0) {
                fprintf(stderr, "bench_io_vdev: set-up failed\n");
                return 1;
        }
        start = wall_seconds();
        sim_run(sim);
        wall = wall_seconds() - start;
        vdev_collect(&v);
        done = counter(metrics, "completed");
        if (done == 0 || vdev_backend_broken(&v) != 0 || vdev_driver_broken(&v) != 0) {
                fprintf(stderr, "bench_io_vdev: model failed\n");
                return 1;
        }
        latency = &metrics_find(metrics, "dev/blk", "latency")->histogram;
        printf("virtio_blk_component_sim_to_wall_ratio: %.2f\n",
               (double)sim_now(sim) / 1e12 / wall);
        printf("virtio_blk_requests: %llu\n", (unsigned long long)done);
        printf("virtio_blk_latency_mean_us: %.2f\n", histogram_mean(latency) / 1e6);
        printf("virtio_blk_latency_p99_us: %.2f\n",
               (double)histogram_percentile(latency, 99.0) / 1e6);
        printf("virtio_blk_notifications_per_request: %.3f\n",
               (double)counter(metrics, "notifications") / (double)done);
        printf("virtio_blk_interrupts_per_request: %.3f\n",
               (double)counter(metrics, "interrupts") / (double)done);
        printf("virtio_blk_ring_l1_misses_per_request: %.3f\n",
               (double)counter(metrics, "ring_l1_misses") / (double)done);
        printf("virtio_blk_events_per_request: %.1f\n",
               (double)sim_events_executed(sim) / (double)done);
        vdev_fini(&v);
        vq_sim_fini(&mem);
        metrics_destroy(metrics);
        sim_destroy(sim);
        return 0;
}
