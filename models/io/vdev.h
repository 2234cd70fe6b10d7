/*
 * vdev: one virtio device in simulated time, guest driver and device backend, over the real
 * virtio/ library on simulated guest RAM (vq_sim_mem).
 *
 * Contract. A vdev owns one virtqueue (split or packed, EVENT_IDX on or off) whose driver side
 * runs on the vq_sim_mem DRIVER port and whose device side runs on the DEVICE port, so every
 * ring access is charged by the cache model. Requests (struct vdev_io) enter the guest driver,
 * which lays out the device's real request format in its buffer in guest RAM (the device ops'
 * `build`), adds it with vq_drv_add and asks vq_drv_kick_prepare whether to notify. The backend
 * pops chains with vq_dev_pop, lets the device ops parse and validate the bytes it finds and
 * start the service model, and on completion writes the response, vq_dev_push and
 * vq_dev_need_interrupt. The library alone decides whether a notification or an interrupt
 * happens (EVENT_IDX or flags); vdev counts the decisions.
 *
 * Execution. Two execution contexts, each serial: the guest driver (one vCPU) and the backend
 * (one thread). A step of either runs its library calls at the step's start and lasts the ring
 * and payload cost those calls accumulated in vq_sim_mem (vq_sim_take_pending_ps) plus the
 * configured software costs; the next step of the same context starts no earlier than the end.
 * Driver steps: submit one request (build, add, kick decision; a notify holds the vCPU for the
 * trap) or the interrupt handler (disable_cb, get_used until empty with each request's status
 * read, enable_cb, again while it reports more). The ISR goes before waiting submissions. Backend
 * steps, while running: complete one finished request (response, push, interrupt decision),
 * else pop and start one request, else re-enable notifications (enable_notify) and sleep unless
 * it reports more. It wakes on a delivered notification or a device completion; waking costs
 * the dispatch delay.
 *
 * Transport hooks (struct vdev_transport), for the integrator: `notify` is called when the
 * driver notifies (QueueNotify write) and returns how long the vCPU is held; the hook must call
 * vdev_deliver_notify when the backend learns of it. `interrupt` is called when the backend
 * raises a used-buffer notification; the hook calls vdev_deliver_interrupt when the guest
 * handler runs. `backend_wake` is called when the sleeping backend has work; the hook calls
 * vdev_backend_run when the backend thread runs. `backend_step` (optional) is told of every
 * backend step and its duration, which the vdev's timing does not wait for: an integrator
 * charges it to the executing core. A NULL hook uses the fixed costs of the config
 * as delays: the notify holds the vCPU notify_ps and reaches the backend at its end; the
 * interrupt reaches the guest interrupt_ps after it is raised; the backend runs
 * backend_dispatch_ps after it is woken.
 *
 * Polling backend (backend_poll_ps > 0, e.g. on a dedicated core): it runs from the start,
 * never re-enables notifications and never sleeps; when the ring is empty it looks again
 * backend_poll_ps later (each look is a timed avail-index load). Notifications then happen only
 * when the library's rule still asks for one (with EVENT_IDX, never after the first: the
 * backend leaves avail_event behind; without it NO_NOTIFY stays set).
 *
 * Metrics (entity "dev/<name>"): histograms (ps) latency (arrival to end of the handler that
 * completed the request) and its phases guest_queue (waiting for ring space and for the vCPU),
 * driver (submit ring work), notify (vCPU held by the notify), backend_wait (notified or
 * published to popped, plus device completion to completion step: dispatch and scheduling
 * delay), backend_ring (pop step plus completion step), device (service model, with its own
 * queueing), interrupt (raised, or suppressed, to handler start), completion (handler); their
 * sum is the latency (each phase is clamped at 0, so where the two sides overlap, e.g. a polling
 * backend popping a request while its notify still holds the vCPU, the sum can exceed it).
 * Counters: requests, completed, status_errors, dropped, notifications,
 * notifications_suppressed, interrupts, interrupts_suppressed, backend_wakeups, bytes, and at
 * vdev_collect the ring accesses of both sides without payload copies: ring_l1_misses,
 * ring_llc_misses, ring_handoffs (sum of both sides), and gauges throughput_rps (completed per
 * simulated second so far), notifications_per_request, interrupts_per_request,
 * ring_l1_misses_per_request, ring_handoffs_per_request (per completed request). When the
 * memory runs on the platform's hierarchy (vq_sim_on_platform: a "memory" section, detailed
 * fidelity), vdev_collect also creates and sets gauges (ps) ring_queue_delay (the queueing
 * estimate charged to ring LLC misses, both sides, without payload copies) and
 * ring_queue_delay_per_request (per completed request), and counters memory_requests (line
 * reads and write-backs both sides sent below the LLC) and unsent_memory_requests (those not
 * sent: request pool empty or port refused). The two counters include the payload copies' and
 * are not ring_ figures: a request leaves after the access that caused it (at the instant the
 * accounting places it), so it cannot be told apart by the before/after difference that
 * separates the payload's other figures, and an LLC write-back may be of any line. These
 * metrics are created there, not by vdev_init, because the platform attaches the memory after
 * vdev_init; without a platform they do not exist (outputs stay as they were). Request
 * phases are measured by matching the backend's popped buffer address to the driver's buffer
 * slot: a probe, not modelled logic.
 *
 * Not modelled here: several queues per device, multiple vCPUs submitting, preemption inside a
 * step (a step runs to completion), interleaving of the two sides finer than one library call
 * (see vq_sim_mem.h), indirect descriptors.
 */
#ifndef MOSAIC_IO_VDEV_H
#define MOSAIC_IO_VDEV_H

#include <stdbool.h>
#include <stdint.h>

#include "models/io/vq_sim_mem.h"
#include "sim/metrics.h"
#include "sim/sim.h"
#include "virtio/virtqueue.h"

#define VDEV_MAX_ELEMS 8u

/* One request as a workload issues it; devices interpret the fields (see their headers). */
struct vdev_io {
        uint32_t op;      /* device operation, e.g. VIRTIO_BLK_T_IN */
        uint64_t address; /* blk: sector; can: identifier */
        uint32_t bytes;   /* payload bytes */
        uint32_t flags;   /* device-specific */
};

struct vdev;

/* A request waiting in the guest driver's software queue. */
struct vdev_pending {
        struct vdev_io io;
        sim_time_t arrive_ps;
};

/* The backend's record of one popped buffer, indexed by its chain id. */
struct vdev_inflight {
        struct vdev *owner;
        struct vq_chain chain;
        struct vq_elem elems[VDEV_MAX_ELEMS];
        uint32_t slot;    /* the driver's request slot (probe), or UINT32_MAX */
        bool valid;       /* the request parsed; false: respond at once with `status` */
        uint8_t status;   /* device status to return */
        uint32_t written; /* bytes the response writes into the writable part */
        uint64_t aux;     /* device-private */
        uint32_t op;      /* device-private: the parsed operation */
};

struct vdev_device_ops {
        const char *kind;
        uint16_t max_pieces; /* most descriptors one request takes */
        /* Guest driver: write request `io` into the slot buffer at `buf_gpa` with the timed
         * driver accessors and describe it in sg (readable pieces first). 0 or -EINVAL. */
        int (*build)(void *model, struct vdev *v, const struct vdev_io *io, uint64_t buf_gpa,
                     struct vq_sg *sg, uint16_t *readable, uint16_t *writable);
        /* Backend: parse and validate the chain with the timed device accessors; set valid,
         * status and written. */
        void (*parse)(void *model, struct vdev *v, struct vdev_inflight *in);
        /* Backend: start the service of a valid request at `at` (the end of the pop step); the
         * model calls vdev_service_done(v, in) when it completes. */
        void (*submit)(void *model, struct vdev *v, struct vdev_inflight *in, sim_time_t at);
        /* Backend: write the response (payload, status) with the timed device accessors. */
        void (*respond)(void *model, struct vdev *v, struct vdev_inflight *in);
        /* Guest driver: read the result of a returned request (timed); 0 = success, else the
         * device's status. */
        int (*check)(void *model, struct vdev *v, const struct vdev_io *io, uint64_t buf_gpa,
                     uint32_t used_len);
};

struct vdev_transport {
        sim_time_t (*notify)(void *ctx, struct vdev *v, uint32_t value, sim_time_t at_ps);
        void (*interrupt)(void *ctx, struct vdev *v, sim_time_t at_ps);
        void (*backend_wake)(void *ctx, struct vdev *v, sim_time_t at_ps);
        /* optional observer: a backend step runs from start_ps for cost_ps (its ring, payload
         * and software cost), e.g. to charge it to the core that executes the backend */
        void (*backend_step)(void *ctx, struct vdev *v, sim_time_t start_ps, sim_time_t cost_ps);
        void *ctx;
};

struct vdev_config {
        const char *name;
        const struct vdev_device_ops *ops;
        void *model;
        uint16_t queue_size; /* split: power of two */
        bool packed;
        bool event_idx;
        uint64_t ring_gpa;    /* 4 KiB aligned; the three areas each start on their own page */
        uint64_t buffers_gpa; /* queue_size slots of slot_bytes each */
        uint32_t slot_bytes;
        sim_time_t notify_ps;           /* default notify: vCPU held, then delivered */
        sim_time_t interrupt_ps;        /* default interrupt: raise to handler start */
        sim_time_t backend_dispatch_ps; /* default wake-up of the sleeping backend */
        sim_time_t backend_poll_ps;     /* > 0: a polling backend (see above) */
        sim_time_t driver_submit_ps;    /* software cost per submit beyond ring accesses */
        sim_time_t driver_complete_ps;  /* per completed request in the handler */
        sim_time_t backend_request_ps;  /* per request popped by the backend */
        uint32_t max_pending;           /* driver software queue; 0 = 1024 */
};

enum vdev_phase {
        VDEV_PHASE_GUEST_QUEUE,
        VDEV_PHASE_DRIVER,
        VDEV_PHASE_NOTIFY,
        VDEV_PHASE_BACKEND_WAIT,
        VDEV_PHASE_BACKEND_RING,
        VDEV_PHASE_DEVICE,
        VDEV_PHASE_INTERRUPT,
        VDEV_PHASE_COMPLETION,
        VDEV_PHASES
};

/* Per-request timestamps (driver slot). */
struct vdev_request {
        struct vdev_io io;
        bool kicked;
        sim_time_t arrive_ps, submit_start_ps, submit_end_ps, notified_ps, pop_start_ps, pop_end_ps,
            service_end_ps, push_start_ps, push_end_ps, isr_start_ps;
};

typedef void (*vdev_complete_fn)(void *ctx, struct vdev *v, const struct vdev_io *io, int status,
                                 sim_time_t end_ps);

enum vdev_backend_state { VDEV_BACKEND_SLEEPING, VDEV_BACKEND_WAKING, VDEV_BACKEND_RUNNING };

struct vdev_metrics {
        struct metric *latency;
        struct metric *phase[VDEV_PHASES];
        struct metric *requests, *completed, *status_errors, *dropped, *notifications,
            *notifications_suppressed, *interrupts, *interrupts_suppressed, *backend_wakeups,
            *bytes, *ring_l1_misses, *ring_llc_misses, *ring_handoffs;
        struct metric *throughput_rps, *notifications_per_request, *interrupts_per_request,
            *ring_l1_misses_per_request, *ring_handoffs_per_request;
        /* on the platform's hierarchy only (NULL until vdev_collect creates them) */
        struct metric *memory_requests, *unsent_memory_requests, *ring_queue_delay,
            *ring_queue_delay_per_request;
};

struct vdev {
        const struct vdev_config *config;
        struct sim *sim;
        struct vq_sim_mem *mem;
        struct metrics *metrics; /* the registry, for the platform metrics */
        struct vdev_transport transport;
        vdev_complete_fn complete;
        void *complete_ctx;
        struct vq_config drv_cfg, dev_cfg;
        struct vq_driver drv;
        struct vq_device dev;
        struct vq_drv_slot *drv_slots;
        struct vq_dev_slot *dev_slots;
        struct vdev_request *requests; /* queue_size slots */
        uint32_t *free_slots;
        uint32_t free_count;
        /* driver context */
        struct vdev_pending *pending; /* ring of max_pending */
        uint32_t pending_head, pending_count, max_pending;
        sim_time_t driver_busy_until;
        bool driver_scheduled;
        bool isr_pending;
        uint32_t inline_slot; /* the last vdev_submit_inline's request slot, or UINT32_MAX */
        int driver_broken;
        uint32_t *isr_done; /* slots completed by the running handler */
        int *isr_status;
        uint32_t isr_done_count;
        uint32_t notify_value;
        /* backend context */
        struct vdev_inflight *inflight; /* queue_size, by chain id */
        uint16_t *done_fifo;            /* chain ids whose service finished */
        uint32_t done_head, done_count;
        enum vdev_backend_state backend_state;
        sim_time_t backend_busy_until;
        bool backend_scheduled;
        bool backend_fresh;  /* woken: disable notifications first */
        bool backend_thread; /* steps driven by vdev_backend_step_inline only */
        int backend_broken;
        /* payload accesses (subtracted from the ring figures) */
        struct vq_sim_stats payload[VQ_SIM_SIDES];
        struct vdev_metrics m;
};

/* Set up both queue sides over `mem` (which must hold the rings and buffers) and create the
 * metrics. 0, -EINVAL (bad config, or the library refused the queue: its VQ_E* code is not
 * kept) or -ENOMEM. `transport` may be NULL (all defaults). */
int vdev_init(struct vdev *v, const struct vdev_config *config, struct sim *sim,
              struct vq_sim_mem *mem, struct metrics *metrics,
              const struct vdev_transport *transport);
void vdev_fini(struct vdev *v);

void vdev_set_completion(struct vdev *v, vdev_complete_fn fn, void *ctx);

/* A request arrives at the guest driver now. 0, or -ENOSPC when the software queue is full
 * (counted as dropped). */
int vdev_submit(struct vdev *v, const struct vdev_io *io);

/*
 * The driver called by a task (a job of a guest task that submits: the caller executes the
 * returned work on its CPU, so other work there feels it). vdev_submit_inline: request `io`
 * arrives now and, if no earlier request waits and the ring has room, is published at once
 * (its library calls run now) and the step's duration (ring cost plus driver_submit_ps) is
 * returned; *out says VDEV_INLINE_KICK when the library asks for a notification (call
 * vdev_notify_inline once the step's work has executed), VDEV_INLINE_PUBLISHED when it does
 * not, VDEV_INLINE_QUEUED when the request waits in the software queue (returns 0: the vdev's
 * own timeline submits it when room frees, as vdev_submit's), VDEV_INLINE_DROPPED when the
 * software queue is full or the driver refused it. vdev_submit_inline_end: the step's work has
 * executed now (the request's driver phase ends). vdev_notify_inline: the QueueNotify write,
 * now, through the transport's notify hook (or notify_ps); returns how long the hook holds
 * the vCPU (the caller executes it itself unless the transport does, as a trap).
 */
enum vdev_inline {
        VDEV_INLINE_PUBLISHED,
        VDEV_INLINE_KICK,
        VDEV_INLINE_QUEUED,
        VDEV_INLINE_DROPPED
};
sim_time_t vdev_submit_inline(struct vdev *v, const struct vdev_io *io, enum vdev_inline *out);
void vdev_submit_inline_end(struct vdev *v);
sim_time_t vdev_notify_inline(struct vdev *v);

/* Transport entry points (see the header comment). */
void vdev_deliver_notify(struct vdev *v);
void vdev_deliver_interrupt(struct vdev *v);
/* The guest handler runs now, on the CPU that called (an ISR that executes it): its library
 * calls run at once, even while a submit step is still in progress on the vdev's timeline (a
 * step's calls ran at its start), its requests complete at its end, and it returns its
 * duration (ring cost plus driver_complete_ps per request) for the caller to occupy that CPU. */
sim_time_t vdev_run_interrupt(struct vdev *v);
void vdev_backend_run(struct vdev *v);
/*
 * The backend runs now on the caller's CPU (an ISR of a service VM or an AMP OS that executes
 * it), its steps back to back until it sleeps, and the total is returned for the caller to
 * occupy that CPU: each step's timestamps and hooks are at its own start, but its library calls
 * all run at the call (so the driver cannot publish between two of these steps; a request it
 * publishes meanwhile is seen at the next wake-up, as the re-enabled notifications ask). Starts
 * no earlier than the end of the backend's previous step. Returns 0 and does nothing when the
 * backend is already running on its own timeline (vdev_backend_run, a polling backend) or broken.
 */
sim_time_t vdev_backend_run_inline(struct vdev *v);

/*
 * The backend as a thread of a guest OS (a task whose jobs execute it, one step at a time).
 * vdev_set_backend_thread(v, true), before the run: the vdev never runs backend steps on its
 * own timeline; the backend_wake hook wakes the thread (the integrator releases its job), and
 * the job calls vdev_backend_step_inline until it reports nothing ran: each call runs one step
 * now (the first after a wake-up counts it) and returns its duration, for the job to execute
 * before the next call. Nothing runs (*ran false, 0) while the backend sleeps or is broken.
 * A step's effects (service start, interrupt) are timed from its start as the vdev's steps
 * are, so a preemption inside a step does not delay them (a step runs to completion).
 */
void vdev_set_backend_thread(struct vdev *v, bool thread);
sim_time_t vdev_backend_step_inline(struct vdev *v, bool *ran);

/* Device models: the service of `in` finished now / finishes at `when` (>= now). */
void vdev_service_done(struct vdev *v, struct vdev_inflight *in);
void vdev_service_done_at(struct vdev *v, struct vdev_inflight *in, sim_time_t when);

/* Device ops for requests that carry nothing back (transmit queues without a status):
 * `check` returning 0 and `respond` writing nothing. */
int vdev_check_no_status(void *model, struct vdev *v, const struct vdev_io *io, uint64_t buf_gpa,
                         uint32_t used_len);
void vdev_respond_nothing(void *model, struct vdev *v, struct vdev_inflight *in);

/* A FIFO server (a link, a UART, an entropy source): work of `duration` offered at `at` starts
 * when the server is free (*free_ps) and ends at the returned time, which becomes *free_ps. */
sim_time_t vdev_serialise(sim_time_t *free_ps, sim_time_t at, sim_time_t duration);

/* Timed accessors for request bytes. Driver side, by guest-physical address: */
void vdev_drv_write(struct vdev *v, uint64_t gpa, const void *src, uint32_t n);
void vdev_drv_read(struct vdev *v, uint64_t gpa, void *dst, uint32_t n);
/* Device side, by byte offset into the readable part / the writable part of a popped chain
 * (pieces may split a field anywhere). Return false if the part is shorter than offset + n. */
bool vdev_chain_read(struct vdev *v, const struct vdev_inflight *in, uint32_t offset, void *dst,
                     uint32_t n);
bool vdev_chain_write(struct vdev *v, const struct vdev_inflight *in, uint32_t offset,
                      const void *src, uint32_t n);

/* Reason the backend's / the driver's queue broke (a VQ_E* code), 0 if healthy. */
int vdev_backend_broken(const struct vdev *v);
int vdev_driver_broken(const struct vdev *v);

/* Requests not yet completed (queued in the driver or in flight). */
uint32_t vdev_outstanding(const struct vdev *v);

/* Ring-only accesses of one side (its vq_sim_mem statistics minus this vdev's payload
 * copies; memory_requests and unsent_requests stay whole, see above), and the end-of-run counters
 * above: vdev_collect is 0, or -ENOMEM if the platform metrics could not be created (the others are
 * still set). */
void vdev_ring_stats(const struct vdev *v, enum vq_sim_side side, struct vq_sim_stats *out);
int vdev_collect(struct vdev *v);
/* Create the platform-only metrics above (memory_requests, unsent_memory_requests,
 * ring_queue_delay, ring_queue_delay_per_request) now, once the guest RAM is on the platform's
 * hierarchy (platform_devices_attach_memory calls it), so that running out of memory is a build
 * error rather than an end-of-run one. Idempotent; 0 or -ENOMEM. */
int vdev_platform_metrics(struct vdev *v);

/* Time to move `units` at `units_per_s` (bytes at a bandwidth, bits at a bit rate), in ps
 * rounded to nearest; units_per_s > 0. */
sim_time_t vdev_rate_ps(uint64_t units, uint64_t units_per_s);

/* Little-endian field helpers for device request layouts. */
static inline void vdev_put_le(uint8_t *p, uint64_t value, unsigned bytes)
{
        for (unsigned i = 0; i < bytes; i++)
                p[i] = (uint8_t)(value >> (8u * i));
}

static inline uint64_t vdev_get_le(const uint8_t *p, unsigned bytes)
{
        uint64_t v = 0;

        for (unsigned i = 0; i < bytes; i++)
                v |= (uint64_t)p[i] << (8u * i);
        return v;
}

#endif
