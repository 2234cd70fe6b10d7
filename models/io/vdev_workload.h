/*
 * vdev_workload: a request generator for one vdev, seeded and deterministic.
 *
 * Contract. Arrivals are periodic (every interval_ps), Poisson (exponential gaps of mean
 * interval_ps) or closed-loop (queue_depth requests outstanding: each completion issues the next
 * after think_ps). Each request has `bytes` of payload and an operation: op_read with
 * probability read_permille / 1000, else op_write. Its address (a sector for blk, an identifier
 * for CAN) follows the pattern: sequential (address_base, then + address_step each request,
 * wrapping inside address_span) or random (address_base + address_step * k, k uniform in
 * [0, address_span / address_step)). All random draws come from the stream
 * rng_stream_seed(seed, name) (sim/rng.h), so one workload's draws never depend on another's.
 * The generator stops after `count` requests (0: no limit) or at stop_ps (0: never).
 * It installs itself as the vdev's completion callback and tells `observer` (if any) of every
 * completion. With arrival VDEV_ARRIVAL_TASK it issues nothing by itself: a model that submits
 * on a task's behalf (models/platform_devices.c) takes each request's contents from
 * vdev_workload_take, with the same draws and limits.
 */
#ifndef MOSAIC_IO_VDEV_WORKLOAD_H
#define MOSAIC_IO_VDEV_WORKLOAD_H

#include <stdbool.h>
#include <stdint.h>

#include "models/io/vdev.h"
#include "sim/rng.h"
#include "sim/sim.h"

enum vdev_arrival {
        VDEV_ARRIVAL_PERIODIC,
        VDEV_ARRIVAL_POISSON,
        VDEV_ARRIVAL_CLOSED,
        VDEV_ARRIVAL_TASK /* requests taken by vdev_workload_take */
};
enum vdev_pattern { VDEV_PATTERN_SEQUENTIAL, VDEV_PATTERN_RANDOM };

struct vdev_workload_config {
        const char *name;
        uint64_t seed;
        enum vdev_arrival arrival;
        sim_time_t interval_ps;
        uint32_t queue_depth;
        sim_time_t think_ps;
        uint32_t bytes;
        uint32_t op_read, op_write;
        uint32_t read_permille;
        uint32_t flags;
        enum vdev_pattern pattern;
        uint64_t address_base, address_span, address_step;
        uint64_t count;
        sim_time_t start_ps, stop_ps;
        vdev_complete_fn observer; /* optional: told of every completion */
        void *observer_ctx;
};

struct vdev_workload {
        const struct vdev_workload_config *config;
        struct vdev *v;
        struct rng rng;
        uint64_t issued, completed, errors;
        uint64_t next_offset;
};

/* Start at config->start_ps. 0 or -EINVAL. The config must outlive the workload. */
int vdev_workload_start(struct vdev_workload *w, const struct vdev_workload_config *config,
                        struct vdev *v);
/* The next request's contents (counted as issued), or false when the generator has stopped
 * (count or stop_ps reached). */
bool vdev_workload_take(struct vdev_workload *w, struct vdev_io *io);

#endif
