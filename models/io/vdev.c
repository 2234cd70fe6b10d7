/* vdev: guest driver and backend of one virtio device in simulated time (see the header). */
#include "models/io/vdev.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAGE_BYTES          4096u
#define DEFAULT_MAX_PENDING 1024u

static const char *const phase_names[VDEV_PHASES] = { "phase_guest_queue",  "phase_driver",
                                                      "phase_notify",       "phase_backend_wait",
                                                      "phase_backend_ring", "phase_device",
                                                      "phase_interrupt",    "phase_completion" };

static uint64_t page_up(uint64_t bytes)
{
        return (bytes + PAGE_BYTES - 1u) & ~(uint64_t)(PAGE_BYTES - 1u);
}

static sim_time_t max_time(sim_time_t a, sim_time_t b)
{
        return a > b ? a : b;
}

static sim_time_t span(sim_time_t from, sim_time_t to)
{
        return to > from ? to - from : 0;
}

static uint64_t slot_gpa(const struct vdev *v, uint32_t slot)
{
        return v->config->buffers_gpa + (uint64_t)slot * v->config->slot_bytes;
}

__extension__ typedef unsigned __int128 vdev_u128;

sim_time_t vdev_rate_ps(uint64_t units, uint64_t units_per_s)
{
        vdev_u128 ps = ((vdev_u128)units * SIM_PS_PER_S + units_per_s / 2) / units_per_s;

        return ps > SIM_TIME_MAX ? SIM_TIME_MAX : (sim_time_t)ps;
}

/* ---- metrics ------------------------------------------------------------------------------ */

static int metrics_create_all(struct vdev *v, struct metrics *reg)
{
        char entity[96];
        struct vdev_metrics *m = &v->m;
        struct metric **counters[] = { &m->requests,        &m->completed,
                                       &m->status_errors,   &m->dropped,
                                       &m->notifications,   &m->notifications_suppressed,
                                       &m->interrupts,      &m->interrupts_suppressed,
                                       &m->backend_wakeups, &m->bytes,
                                       &m->ring_l1_misses,  &m->ring_llc_misses,
                                       &m->ring_handoffs };
        static const char *const counter_names[] = { "requests",        "completed",
                                                     "status_errors",   "dropped",
                                                     "notifications",   "notifications_suppressed",
                                                     "interrupts",      "interrupts_suppressed",
                                                     "backend_wakeups", "bytes",
                                                     "ring_l1_misses",  "ring_llc_misses",
                                                     "ring_handoffs" };

        struct metric **gauges[] = { &m->throughput_rps, &m->notifications_per_request,
                                     &m->interrupts_per_request, &m->ring_l1_misses_per_request,
                                     &m->ring_handoffs_per_request };
        static const char *const gauge_names[] = { "throughput_rps", "notifications_per_request",
                                                   "interrupts_per_request",
                                                   "ring_l1_misses_per_request",
                                                   "ring_handoffs_per_request" };

        snprintf(entity, sizeof(entity), "dev/%s", v->config->name);
        m->latency = metrics_histogram(reg, entity, "latency", METRIC_UNIT_PS);
        if (m->latency == NULL)
                return -ENOMEM;
        for (unsigned p = 0; p < VDEV_PHASES; p++) {
                m->phase[p] = metrics_histogram(reg, entity, phase_names[p], METRIC_UNIT_PS);
                if (m->phase[p] == NULL)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < sizeof(counters) / sizeof(counters[0]); i++) {
                *counters[i] = metrics_counter(reg, entity, counter_names[i]);
                if (*counters[i] == NULL)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++) {
                *gauges[i] = metrics_gauge(reg, entity, gauge_names[i], METRIC_UNIT_NONE);
                if (*gauges[i] == NULL)
                        return -ENOMEM;
        }
        return 0;
}

/* ---- set-up ------------------------------------------------------------------------------- */

static bool config_valid(const struct vdev_config *c)
{
        return c->name != NULL && c->ops != NULL && c->queue_size != 0 &&
               c->ring_gpa % PAGE_BYTES == 0 && c->slot_bytes != 0 && c->ops->max_pieces != 0 &&
               c->ops->max_pieces <= VDEV_MAX_ELEMS && c->ops->max_pieces <= c->queue_size;
}

static int alloc_state(struct vdev *v)
{
        uint16_t q = v->config->queue_size;

        v->drv_slots = calloc(q, sizeof(*v->drv_slots));
        v->dev_slots = calloc(q, sizeof(*v->dev_slots));
        v->requests = calloc(q, sizeof(*v->requests));
        v->free_slots = calloc(q, sizeof(*v->free_slots));
        v->inflight = calloc(q, sizeof(*v->inflight));
        v->done_fifo = calloc(q, sizeof(*v->done_fifo));
        v->isr_done = calloc(q, sizeof(*v->isr_done));
        v->isr_status = calloc(q, sizeof(*v->isr_status));
        v->pending = calloc(v->max_pending, sizeof(*v->pending));
        if (v->drv_slots == NULL || v->dev_slots == NULL || v->requests == NULL ||
            v->free_slots == NULL || v->inflight == NULL || v->done_fifo == NULL ||
            v->isr_done == NULL || v->isr_status == NULL || v->pending == NULL)
                return -ENOMEM;
        for (uint32_t i = 0; i < q; i++) {
                v->free_slots[i] = q - 1u - i; /* slot 0 is taken first */
                v->inflight[i].owner = v;
        }
        v->free_count = q;
        return 0;
}

int vdev_init(struct vdev *v, const struct vdev_config *config, struct sim *sim,
              struct vq_sim_mem *mem, struct metrics *metrics,
              const struct vdev_transport *transport)
{
        uint64_t features = VQ_F_VERSION_1;
        struct vq_layout layout;
        int rc;

        memset(v, 0, sizeof(*v));
        if (!config_valid(config))
                return -EINVAL;
        v->config = config;
        v->sim = sim;
        v->mem = mem;
        v->metrics = metrics;
        if (transport != NULL)
                v->transport = *transport;
        v->max_pending = config->max_pending != 0 ? config->max_pending : DEFAULT_MAX_PENDING;
        v->inline_slot = UINT32_MAX;
        rc = alloc_state(v);
        if (rc == 0)
                rc = metrics_create_all(v, metrics);
        if (rc != 0) {
                vdev_fini(v);
                return rc;
        }
        if (config->packed)
                features |= VQ_F_RING_PACKED;
        if (config->event_idx)
                features |= VQ_F_EVENT_IDX;
        layout.desc_gpa = config->ring_gpa;
        layout.driver_gpa = layout.desc_gpa + page_up(vq_desc_bytes(config->queue_size));
        layout.device_gpa =
            layout.driver_gpa + page_up(vq_driver_area_bytes(config->packed, config->queue_size));
        v->drv_cfg = (struct vq_config){ .size = config->queue_size,
                                         .index = 0,
                                         .features = features,
                                         .layout = layout,
                                         .port = vq_sim_port(mem, VQ_SIM_DRIVER) };
        v->dev_cfg = v->drv_cfg;
        v->dev_cfg.port = vq_sim_port(mem, VQ_SIM_DEVICE);
        if (vq_drv_init(&v->drv, &v->drv_cfg, v->drv_slots) != 0 ||
            vq_dev_init(&v->dev, &v->dev_cfg, v->dev_slots) != 0 ||
            vq_sim_host(mem, config->buffers_gpa,
                        (uint64_t)config->slot_bytes * config->queue_size) == NULL) {
                vdev_fini(v);
                return -EINVAL;
        }
        /* Ring initialisation is set-up, not request work. */
        (void)vq_sim_take_pending_ps(mem, VQ_SIM_DRIVER);
        (void)vq_sim_take_pending_ps(mem, VQ_SIM_DEVICE);
        if (config->backend_poll_ps > 0)
                vdev_backend_run(v);
        return 0;
}

void vdev_fini(struct vdev *v)
{
        free(v->drv_slots);
        free(v->dev_slots);
        free(v->requests);
        free(v->free_slots);
        free(v->inflight);
        free(v->done_fifo);
        free(v->isr_done);
        free(v->isr_status);
        free(v->pending);
        v->drv_slots = NULL;
        v->dev_slots = NULL;
        v->requests = NULL;
        v->free_slots = NULL;
        v->inflight = NULL;
        v->done_fifo = NULL;
        v->isr_done = NULL;
        v->isr_status = NULL;
        v->pending = NULL;
}

void vdev_set_completion(struct vdev *v, vdev_complete_fn fn, void *ctx)
{
        v->complete = fn;
        v->complete_ctx = ctx;
}

/* ---- timed request bytes ------------------------------------------------------------------ */

static void timed_payload(struct vdev *v, enum vq_sim_side side, uint64_t gpa, uint32_t n,
                          enum mem_op op)
{
        const struct vq_sim_stats *s = vq_sim_stats_of(v->mem, side);
        struct vq_sim_stats before = *s;
        struct vq_sim_stats *p = &v->payload[side];

        if (n == 0)
                return;
        vq_sim_access(v->mem, side, gpa, n, op);
        p->l1_misses += s->l1_misses - before.l1_misses;
        p->llc_misses += s->llc_misses - before.llc_misses;
        p->transfers += s->transfers - before.transfers;
        p->invalidations += s->invalidations - before.invalidations;
        p->handoffs += s->handoffs - before.handoffs;
        p->total_ps += s->total_ps - before.total_ps;
        p->queue_ps += s->queue_ps - before.queue_ps;
}

void vdev_drv_write(struct vdev *v, uint64_t gpa, const void *src, uint32_t n)
{
        uint8_t *host = vq_sim_host(v->mem, gpa, n);

        if (host == NULL || n == 0)
                return;
        memcpy(host, src, n);
        timed_payload(v, VQ_SIM_DRIVER, gpa, n, MEM_WRITE);
}

void vdev_drv_read(struct vdev *v, uint64_t gpa, void *dst, uint32_t n)
{
        const uint8_t *host = vq_sim_host(v->mem, gpa, n);

        if (host == NULL || n == 0)
                return;
        memcpy(dst, host, n);
        timed_payload(v, VQ_SIM_DRIVER, gpa, n, MEM_READ);
}

/* Walk `n` bytes at `offset` of the readable (writable == false) or writable part. */
static bool chain_copy(struct vdev *v, const struct vdev_inflight *in, bool writable,
                       uint32_t offset, uint8_t *buf, uint32_t n)
{
        uint16_t first = writable ? in->chain.readable_count : 0;
        uint16_t end = writable ? in->chain.elem_count : in->chain.readable_count;

        for (uint16_t i = first; i < end && n > 0; i++) {
                const struct vq_elem *e = &in->elems[i];
                uint32_t take;

                if (offset >= e->len) {
                        offset -= e->len;
                        continue;
                }
                take = e->len - offset < n ? e->len - offset : n;
                if (writable)
                        memcpy((uint8_t *)e->host + offset, buf, take);
                else
                        memcpy(buf, (const uint8_t *)e->host + offset, take);
                timed_payload(v, VQ_SIM_DEVICE, e->addr + offset, take,
                              writable ? MEM_WRITE : MEM_READ);
                buf += take;
                n -= take;
                offset = 0;
        }
        return n == 0;
}

bool vdev_chain_read(struct vdev *v, const struct vdev_inflight *in, uint32_t offset, void *dst,
                     uint32_t n)
{
        if ((uint64_t)offset + n > in->chain.readable_bytes)
                return false;
        return chain_copy(v, in, false, offset, dst, n);
}

bool vdev_chain_write(struct vdev *v, const struct vdev_inflight *in, uint32_t offset,
                      const void *src, uint32_t n)
{
        if ((uint64_t)offset + n > in->chain.writable_bytes)
                return false;
        return chain_copy(v, in, true, offset, (uint8_t *)(uintptr_t)src, n);
}

/* ---- guest driver context ----------------------------------------------------------------- */

static bool can_submit(const struct vdev *v)
{
        return v->pending_count > 0 && v->free_count > 0 &&
               vq_drv_num_free(&v->drv) >= v->config->ops->max_pieces;
}

static void driver_step(struct sim *sim, void *arg);

static void driver_schedule(struct vdev *v)
{
        if (v->driver_scheduled || v->driver_broken != 0 || (!v->isr_pending && !can_submit(v)))
                return;
        v->driver_scheduled = true;
        sim_schedule(v->sim, max_time(sim_now(v->sim), v->driver_busy_until), driver_step, v);
}

/* A request arrives at the driver's software queue: 0, or -ENOSPC (dropped). */
static int driver_enqueue(struct vdev *v, const struct vdev_io *io)
{
        struct vdev_pending *p;

        metric_add(v->m.requests, 1);
        if (v->pending_count == v->max_pending) {
                metric_add(v->m.dropped, 1);
                return -ENOSPC;
        }
        p = &v->pending[(v->pending_head + v->pending_count) % v->max_pending];
        p->io = *io;
        p->arrive_ps = sim_now(v->sim);
        v->pending_count++;
        return 0;
}

int vdev_submit(struct vdev *v, const struct vdev_io *io)
{
        int rc = driver_enqueue(v, io);

        if (rc == 0)
                driver_schedule(v);
        return rc;
}

static void default_deliver_notify(struct sim *sim, void *arg)
{
        (void)sim;
        vdev_deliver_notify(arg);
}

/* The notify: the vCPU is held for the returned time; the backend is told by the hook. */
static sim_time_t notify_device(struct vdev *v, sim_time_t at)
{
        v->notify_value = vq_drv_notify_value(&v->drv);
        if (v->transport.notify != NULL)
                return v->transport.notify(v->transport.ctx, v, v->notify_value, at);
        sim_schedule(v->sim, at + v->config->notify_ps, default_deliver_notify, v);
        return v->config->notify_ps;
}

/*
 * Publish the first waiting request: request bytes, vq_drv_add, kick decision (counted).
 * Returns the ring and software cost; *slot_out is the request's slot (UINT32_MAX when the
 * driver refused it or the queue broke) and *kick the library's decision (1: notify).
 */
static sim_time_t driver_publish(struct vdev *v, uint32_t *slot_out, int *kick)
{
        const struct vdev_config *c = v->config;
        struct vdev_pending p = v->pending[v->pending_head];
        uint32_t slot = v->free_slots[--v->free_count];
        struct vdev_request *req = &v->requests[slot];
        struct vq_sg sg[VDEV_MAX_ELEMS];
        uint16_t readable = 0, writable = 0;
        sim_time_t now = sim_now(v->sim);
        sim_time_t cost;

        *slot_out = UINT32_MAX;
        *kick = 0;
        v->pending_head = (v->pending_head + 1u) % v->max_pending;
        v->pending_count--;
        *req =
            (struct vdev_request){ .io = p.io, .arrive_ps = p.arrive_ps, .submit_start_ps = now };
        if (c->ops->build(c->model, v, &p.io, slot_gpa(v, slot), sg, &readable, &writable) != 0 ||
            (uint32_t)readable + writable > c->ops->max_pieces) {
                /* Not representable in this device's format: refused by the driver. */
                v->free_slots[v->free_count++] = slot;
                metric_add(v->m.dropped, 1);
                return vq_sim_take_pending_ps(v->mem, VQ_SIM_DRIVER);
        }
        if (vq_drv_add(&v->drv, sg, readable, writable, slot, NULL) != 0) {
                v->driver_broken = vq_drv_broken(&v->drv) != 0 ? vq_drv_broken(&v->drv) : VQ_EINVAL;
                return vq_sim_take_pending_ps(v->mem, VQ_SIM_DRIVER);
        }
        *kick = vq_drv_kick_prepare(&v->drv);
        cost = vq_sim_take_pending_ps(v->mem, VQ_SIM_DRIVER) + c->driver_submit_ps;
        req->submit_end_ps = now + cost;
        req->notified_ps = req->submit_end_ps;
        *slot_out = slot;
        if (*kick == 1) {
                metric_add(v->m.notifications, 1);
                req->kicked = true;
        } else if (*kick == 0) {
                metric_add(v->m.notifications_suppressed, 1);
        } else {
                v->driver_broken = *kick;
        }
        return cost;
}

/* One submission on the vdev's timeline: publish, then the notify holds the vCPU. Returns the
 * step's duration. */
static sim_time_t driver_submit_one(struct vdev *v)
{
        sim_time_t now = sim_now(v->sim);
        uint32_t slot;
        int kick;
        sim_time_t cost = driver_publish(v, &slot, &kick);

        if (slot != UINT32_MAX && kick == 1) {
                cost += notify_device(v, v->requests[slot].submit_end_ps);
                v->requests[slot].notified_ps = now + cost;
        }
        return cost;
}

sim_time_t vdev_submit_inline(struct vdev *v, const struct vdev_io *io, enum vdev_inline *out)
{
        sim_time_t cost;
        int kick;

        v->inline_slot = UINT32_MAX;
        *out = VDEV_INLINE_DROPPED;
        if (driver_enqueue(v, io) != 0)
                return 0;
        if (v->driver_broken != 0 || v->pending_count > 1 || !can_submit(v)) {
                /* behind other requests, or no room: the vdev's timeline submits it */
                *out = VDEV_INLINE_QUEUED;
                driver_schedule(v);
                return 0;
        }
        cost = driver_publish(v, &v->inline_slot, &kick);
        v->driver_busy_until = max_time(v->driver_busy_until, sim_now(v->sim) + cost);
        if (v->inline_slot != UINT32_MAX && v->driver_broken == 0)
                *out = kick == 1 ? VDEV_INLINE_KICK : VDEV_INLINE_PUBLISHED;
        return cost;
}

void vdev_submit_inline_end(struct vdev *v)
{
        struct vdev_request *req;

        if (v->inline_slot == UINT32_MAX)
                return;
        req = &v->requests[v->inline_slot];
        req->submit_end_ps = sim_now(v->sim);
        req->notified_ps = req->submit_end_ps;
}

sim_time_t vdev_notify_inline(struct vdev *v)
{
        sim_time_t now = sim_now(v->sim);
        sim_time_t hold = notify_device(v, now);

        if (v->inline_slot != UINT32_MAX)
                v->requests[v->inline_slot].notified_ps = now + hold;
        return hold;
}

/* The interrupt handler: Linux's virtblk_done loop. Fills isr_done; returns the duration. */
static sim_time_t driver_isr(struct vdev *v)
{
        const struct vdev_config *c = v->config;
        sim_time_t now = sim_now(v->sim);
        uint64_t token;
        uint32_t len;
        int rc;

        v->isr_pending = false;
        v->isr_done_count = 0;
        (void)vq_drv_disable_cb(&v->drv);
        for (;;) {
                while ((rc = vq_drv_get_used(&v->drv, &token, &len)) == 1) {
                        uint32_t slot = (uint32_t)token;
                        struct vdev_request *req = &v->requests[slot];

                        req->isr_start_ps = now;
                        v->isr_status[v->isr_done_count] =
                            c->ops->check(c->model, v, &req->io, slot_gpa(v, slot), len);
                        v->isr_done[v->isr_done_count++] = slot;
                }
                if (rc == 0)
                        rc = vq_drv_enable_cb(&v->drv);
                if (rc != 1)
                        break;
        }
        if (rc < 0)
                v->driver_broken = rc;
        return vq_sim_take_pending_ps(v->mem, VQ_SIM_DRIVER) +
               (sim_time_t)v->isr_done_count * c->driver_complete_ps;
}

static void record_phases(struct vdev *v, const struct vdev_request *r, sim_time_t end)
{
        sim_time_t published = r->kicked ? r->notified_ps : r->submit_end_ps;
        sim_time_t phase[VDEV_PHASES] = {
                [VDEV_PHASE_GUEST_QUEUE] = span(r->arrive_ps, r->submit_start_ps),
                [VDEV_PHASE_DRIVER] = span(r->submit_start_ps, r->submit_end_ps),
                [VDEV_PHASE_NOTIFY] = r->kicked ? span(r->submit_end_ps, r->notified_ps) : 0,
                [VDEV_PHASE_BACKEND_WAIT] =
                    span(published, r->pop_start_ps) + span(r->service_end_ps, r->push_start_ps),
                [VDEV_PHASE_BACKEND_RING] =
                    span(r->pop_start_ps, r->pop_end_ps) + span(r->push_start_ps, r->push_end_ps),
                [VDEV_PHASE_DEVICE] = span(r->pop_end_ps, r->service_end_ps),
                [VDEV_PHASE_INTERRUPT] = span(r->push_end_ps, r->isr_start_ps),
                [VDEV_PHASE_COMPLETION] = span(r->isr_start_ps, end),
        };

        (void)metric_record(v->m.latency, end - r->arrive_ps);
        for (unsigned p = 0; p < VDEV_PHASES; p++)
                (void)metric_record(v->m.phase[p], phase[p]);
}

static void finish_request(struct vdev *v, uint32_t slot, int status, sim_time_t end)
{
        struct vdev_request *req = &v->requests[slot];
        struct vdev_io io = req->io;

        record_phases(v, req, end);
        if (slot == v->inline_slot)
                v->inline_slot = UINT32_MAX; /* its submit step's end is no longer recorded */
        metric_add(v->m.completed, 1);
        metric_add(v->m.bytes, io.bytes);
        if (status != 0)
                metric_add(v->m.status_errors, 1);
        v->free_slots[v->free_count++] = slot;
        if (v->complete != NULL)
                v->complete(v->complete_ctx, v, &io, status, end);
}

/* The handler runs now: its requests complete at its end. Returns its duration. */
static sim_time_t driver_handle_interrupt(struct vdev *v, sim_time_t now)
{
        sim_time_t cost = driver_isr(v);

        v->driver_busy_until = max_time(v->driver_busy_until, now + cost);
        for (uint32_t i = 0; i < v->isr_done_count; i++)
                finish_request(v, v->isr_done[i], v->isr_status[i], now + cost);
        return cost;
}

static void driver_step(struct sim *sim, void *arg)
{
        struct vdev *v = arg;
        sim_time_t now = sim_now(sim);

        v->driver_scheduled = false;
        if (v->driver_broken != 0)
                return;
        if (v->isr_pending)
                (void)driver_handle_interrupt(v, now);
        else if (can_submit(v))
                v->driver_busy_until = now + driver_submit_one(v);
        else
                return;
        driver_schedule(v);
}

void vdev_deliver_interrupt(struct vdev *v)
{
        v->isr_pending = true;
        driver_schedule(v);
}

sim_time_t vdev_run_interrupt(struct vdev *v)
{
        sim_time_t cost;

        if (v->driver_broken != 0)
                return 0;
        cost = driver_handle_interrupt(v, sim_now(v->sim));
        driver_schedule(v);
        return cost;
}

/* ---- backend context ---------------------------------------------------------------------- */

static void backend_step(struct sim *sim, void *arg);

static void backend_schedule(struct vdev *v)
{
        if (v->backend_thread || v->backend_scheduled || v->backend_state != VDEV_BACKEND_RUNNING ||
            v->backend_broken != 0)
                return;
        v->backend_scheduled = true;
        sim_schedule(v->sim, max_time(sim_now(v->sim), v->backend_busy_until), backend_step, v);
}

static void default_backend_run(struct sim *sim, void *arg)
{
        (void)sim;
        vdev_backend_run(arg);
}

static void backend_wake(struct vdev *v)
{
        if (v->backend_state != VDEV_BACKEND_SLEEPING || v->backend_broken != 0)
                return;
        v->backend_state = VDEV_BACKEND_WAKING;
        if (v->transport.backend_wake != NULL)
                v->transport.backend_wake(v->transport.ctx, v, sim_now(v->sim));
        else
                sim_schedule_in(v->sim, v->config->backend_dispatch_ps, default_backend_run, v);
}

void vdev_backend_run(struct vdev *v)
{
        if (v->backend_state == VDEV_BACKEND_RUNNING)
                return;
        v->backend_state = VDEV_BACKEND_RUNNING;
        v->backend_fresh = true;
        metric_add(v->m.backend_wakeups, 1);
        backend_schedule(v);
}

void vdev_deliver_notify(struct vdev *v)
{
        int rc;

        if (v->backend_broken != 0)
                return;
        rc = vq_dev_notification(&v->dev, v->notify_value);
        if (rc < 0 && rc != VQ_EINVAL) {
                v->backend_broken = rc;
                return;
        }
        backend_wake(v);
}

static void service_done_event(struct sim *sim, void *arg)
{
        (void)sim;
        vdev_service_done(((struct vdev_inflight *)arg)->owner, arg);
}

void vdev_service_done(struct vdev *v, struct vdev_inflight *in)
{
        if (in->slot != UINT32_MAX)
                v->requests[in->slot].service_end_ps = sim_now(v->sim);
        v->done_fifo[(v->done_head + v->done_count) % v->config->queue_size] = in->chain.id;
        v->done_count++;
        if (v->backend_state == VDEV_BACKEND_SLEEPING)
                backend_wake(v);
        else
                backend_schedule(v);
}

void vdev_service_done_at(struct vdev *v, struct vdev_inflight *in, sim_time_t when)
{
        sim_schedule_prio(v->sim, when, SIM_PRIO_HIGH, service_done_event, in);
}

sim_time_t vdev_serialise(sim_time_t *free_ps, sim_time_t at, sim_time_t duration)
{
        *free_ps = max_time(*free_ps, at) + duration;
        return *free_ps;
}

int vdev_check_no_status(void *model, struct vdev *v, const struct vdev_io *io, uint64_t buf_gpa,
                         uint32_t used_len)
{
        (void)model;
        (void)v;
        (void)io;
        (void)buf_gpa;
        (void)used_len;
        return 0;
}

void vdev_respond_nothing(void *model, struct vdev *v, struct vdev_inflight *in)
{
        (void)model;
        (void)v;
        (void)in;
}

/* The driver's slot of a popped buffer, from its first piece's address (probe only). */
static uint32_t slot_of(const struct vdev *v, const struct vdev_inflight *in)
{
        const struct vdev_config *c = v->config;
        uint64_t addr;

        if (in->chain.elem_count == 0 || in->elems[0].addr < c->buffers_gpa)
                return UINT32_MAX;
        addr = in->elems[0].addr - c->buffers_gpa;
        if (addr / c->slot_bytes >= c->queue_size)
                return UINT32_MAX;
        return (uint32_t)(addr / c->slot_bytes);
}

/* Pop one buffer and start it; or re-enable notifications when the ring is empty. */
static sim_time_t backend_pop(struct vdev *v, sim_time_t now)
{
        const struct vdev_config *c = v->config;
        struct vq_chain chain;
        struct vq_elem elems[VDEV_MAX_ELEMS];
        struct vdev_inflight *in;
        sim_time_t cost;
        int rc = vq_dev_pop(&v->dev, &chain, elems, VDEV_MAX_ELEMS);

        if (rc == 0 && c->backend_poll_ps > 0) {
                cost = vq_sim_take_pending_ps(v->mem, VQ_SIM_DEVICE);
                v->backend_busy_until = now + cost + c->backend_poll_ps;
                return cost;
        }
        if (rc != 1) {
                if (rc == 0) {
                        rc = vq_dev_enable_notify(&v->dev);
                        if (rc == 0)
                                v->backend_state = VDEV_BACKEND_SLEEPING;
                        else if (rc == 1)
                                v->backend_fresh = true; /* more arrived: disable, go on */
                }
                if (rc < 0)
                        v->backend_broken = rc;
                return vq_sim_take_pending_ps(v->mem, VQ_SIM_DEVICE);
        }
        in = &v->inflight[chain.id];
        in->chain = chain;
        memcpy(in->elems, elems, sizeof(elems[0]) * chain.elem_count);
        in->slot = slot_of(v, in);
        in->valid = false;
        in->op = 0;
        in->aux = 0;
        in->status = 0;
        in->written = 0;
        c->ops->parse(c->model, v, in);
        cost = vq_sim_take_pending_ps(v->mem, VQ_SIM_DEVICE) + c->backend_request_ps;
        if (in->slot != UINT32_MAX) {
                v->requests[in->slot].pop_start_ps = now;
                v->requests[in->slot].pop_end_ps = now + cost;
        }
        if (in->valid)
                c->ops->submit(c->model, v, in, now + cost);
        else
                vdev_service_done_at(v, in, now + cost);
        return cost;
}

static void default_deliver_interrupt(struct sim *sim, void *arg)
{
        (void)sim;
        vdev_deliver_interrupt(arg);
}

/* Respond to one finished request, push it, decide the interrupt. */
static sim_time_t backend_complete_one(struct vdev *v, sim_time_t now)
{
        const struct vdev_config *c = v->config;
        uint16_t id = v->done_fifo[v->done_head];
        struct vdev_inflight *in = &v->inflight[id];
        sim_time_t cost;
        int rc;

        v->done_head = (v->done_head + 1u) % c->queue_size;
        v->done_count--;
        c->ops->respond(c->model, v, in);
        rc = vq_dev_push(&v->dev, id, in->written);
        if (rc == 0)
                rc = vq_dev_need_interrupt(&v->dev);
        cost = vq_sim_take_pending_ps(v->mem, VQ_SIM_DEVICE);
        if (in->slot != UINT32_MAX) {
                v->requests[in->slot].push_start_ps = now;
                v->requests[in->slot].push_end_ps = now + cost;
        }
        if (rc == 1) {
                metric_add(v->m.interrupts, 1);
                if (v->transport.interrupt != NULL)
                        v->transport.interrupt(v->transport.ctx, v, now + cost);
                else
                        sim_schedule(v->sim, now + cost + c->interrupt_ps,
                                     default_deliver_interrupt, v);
        } else if (rc == 0) {
                metric_add(v->m.interrupts_suppressed, 1);
        } else {
                v->backend_broken = rc;
        }
        return cost;
}

/* One backend step starting at `now` (not before the kernel's time); returns its duration. */
static sim_time_t backend_step_at(struct vdev *v, sim_time_t now)
{
        sim_time_t cost;

        if (v->backend_fresh) {
                /* Woken: no kicks while working (EVENT_IDX: avail_event stays behind). */
                v->backend_fresh = false;
                (void)vq_dev_disable_notify(&v->dev);
        }
        v->backend_busy_until = now; /* a polling miss sets its next look */
        cost = v->done_count > 0 ? backend_complete_one(v, now) : backend_pop(v, now);
        v->backend_busy_until = max_time(v->backend_busy_until, now + cost);
        if (v->transport.backend_step != NULL)
                v->transport.backend_step(v->transport.ctx, v, now, cost);
        return cost;
}

static void backend_step(struct sim *sim, void *arg)
{
        struct vdev *v = arg;

        v->backend_scheduled = false;
        if (v->backend_broken != 0 || v->backend_state != VDEV_BACKEND_RUNNING)
                return;
        (void)backend_step_at(v, sim_now(sim));
        backend_schedule(v);
}

sim_time_t vdev_backend_run_inline(struct vdev *v)
{
        sim_time_t now = sim_now(v->sim);
        sim_time_t at = max_time(now, v->backend_busy_until);

        if (v->backend_state == VDEV_BACKEND_RUNNING || v->backend_broken != 0 ||
            v->config->backend_poll_ps > 0)
                return 0;
        v->backend_state = VDEV_BACKEND_RUNNING;
        v->backend_fresh = true;
        metric_add(v->m.backend_wakeups, 1);
        while (v->backend_state == VDEV_BACKEND_RUNNING && v->backend_broken == 0)
                at += backend_step_at(v, at);
        return at - now;
}

void vdev_set_backend_thread(struct vdev *v, bool thread)
{
        v->backend_thread = thread;
}

sim_time_t vdev_backend_step_inline(struct vdev *v, bool *ran)
{
        *ran = false;
        if (v->backend_broken != 0 || v->backend_state == VDEV_BACKEND_SLEEPING)
                return 0;
        if (v->backend_state == VDEV_BACKEND_WAKING) {
                v->backend_state = VDEV_BACKEND_RUNNING;
                v->backend_fresh = true;
                metric_add(v->m.backend_wakeups, 1);
        }
        *ran = true;
        return backend_step_at(v, sim_now(v->sim));
}

/* ---- queries ------------------------------------------------------------------------------ */

int vdev_backend_broken(const struct vdev *v)
{
        return v->backend_broken;
}

int vdev_driver_broken(const struct vdev *v)
{
        return v->driver_broken;
}

uint32_t vdev_outstanding(const struct vdev *v)
{
        return v->pending_count + (v->config->queue_size - v->free_count);
}

void vdev_ring_stats(const struct vdev *v, enum vq_sim_side side, struct vq_sim_stats *out)
{
        const struct vq_sim_stats *s = vq_sim_stats_of(v->mem, side);
        const struct vq_sim_stats *p = &v->payload[side];

        *out = *s;
        out->l1_misses -= p->l1_misses;
        out->llc_misses -= p->llc_misses;
        out->transfers -= p->transfers;
        out->invalidations -= p->invalidations;
        out->handoffs -= p->handoffs;
        out->total_ps -= p->total_ps;
        out->queue_ps -= p->queue_ps;
}

static double per(uint64_t count, uint64_t requests)
{
        return requests == 0 ? 0.0 : (double)count / (double)requests;
}

/* The metrics of the platform's hierarchy (header), once. */
int vdev_platform_metrics(struct vdev *v)
{
        char entity[96];
        struct vdev_metrics *m = &v->m;

        if (m->memory_requests != NULL)
                return 0;
        snprintf(entity, sizeof(entity), "dev/%s", v->config->name);
        m->unsent_memory_requests = metrics_counter(v->metrics, entity, "unsent_memory_requests");
        m->ring_queue_delay = metrics_gauge(v->metrics, entity, "ring_queue_delay", METRIC_UNIT_PS);
        m->ring_queue_delay_per_request =
            metrics_gauge(v->metrics, entity, "ring_queue_delay_per_request", METRIC_UNIT_PS);
        /* last: it marks the set complete */
        if (m->unsent_memory_requests != NULL && m->ring_queue_delay != NULL &&
            m->ring_queue_delay_per_request != NULL)
                m->memory_requests = metrics_counter(v->metrics, entity, "memory_requests");
        return m->memory_requests != NULL ? 0 : -ENOMEM;
}

int vdev_collect(struct vdev *v)
{
        struct vq_sim_stats s[VQ_SIM_SIDES];
        uint64_t done = v->m.completed->counter;
        int rc;

        vdev_ring_stats(v, VQ_SIM_DRIVER, &s[0]);
        vdev_ring_stats(v, VQ_SIM_DEVICE, &s[1]);
        v->m.ring_l1_misses->counter = s[0].l1_misses + s[1].l1_misses;
        v->m.ring_llc_misses->counter = s[0].llc_misses + s[1].llc_misses;
        v->m.ring_handoffs->counter = s[0].handoffs + s[1].handoffs;
        metric_set(v->m.throughput_rps,
                   sim_now(v->sim) == 0 ? 0.0 : (double)done * 1e12 / (double)sim_now(v->sim));
        metric_set(v->m.notifications_per_request, per(v->m.notifications->counter, done));
        metric_set(v->m.interrupts_per_request, per(v->m.interrupts->counter, done));
        metric_set(v->m.ring_l1_misses_per_request, per(v->m.ring_l1_misses->counter, done));
        metric_set(v->m.ring_handoffs_per_request, per(v->m.ring_handoffs->counter, done));
        if (!vq_sim_on_platform(v->mem))
                return 0;
        rc = vdev_platform_metrics(v);
        if (rc != 0)
                return rc;
        v->m.memory_requests->counter = s[0].memory_requests + s[1].memory_requests;
        v->m.unsent_memory_requests->counter = s[0].unsent_requests + s[1].unsent_requests;
        metric_set(v->m.ring_queue_delay, (double)(s[0].queue_ps + s[1].queue_ps));
        metric_set(v->m.ring_queue_delay_per_request, per(s[0].queue_ps + s[1].queue_ps, done));
        return 0;
}
