/*
 * mem_port: the timed memory-request port between memory-hierarchy models.
 *
 * A struct mem_request carries a physical address, a size in bytes, read or write, the
 * initiator (a small platform-assigned index: cores first, then devices; the platform keeps the
 * initiator -> VM table) and a completion callback. A component accepts a request through
 * mem_port_submit(): 0 means it now holds the request and will call req->done(req, done_arg)
 * exactly once, from an event at the simulated instant the access completes (class
 * SIM_PRIO_HIGH, like every hardware completion); -EBUSY means it refused the request (a
 * bounded input queue is full) and never touched it, so the submitter keeps it and retries
 * after one of its own completions. The submitter owns the request's memory until `done` runs;
 * no component allocates per request.
 *
 * A component that merely delays or orders requests (interconnect, regulator, DRAM) keeps the
 * submitter's request and passes that same object on, so its completion goes straight to the
 * originator. A component that turns a request into other traffic (a cache: line fills and
 * dirty write-backs) issues its own requests from fixed pools. `next` and `done_ps` are
 * scratch fields of whichever component holds the request at the moment: a request sits in at
 * most one queue at a time. The chain core -> L1 -> LLC -> interconnect -> regulator -> DRAM
 * is wired by giving each component its downstream struct mem_port at init. Tearing a
 * component down (its *_fini) while requests it issued are still held elsewhere is only valid
 * once the simulation is over: finish the run, then fini everything, then destroy the kernel.
 *
 * Also here: struct mem_done_queue, a FIFO of requests that complete in non-decreasing time
 * order (a fixed hit latency, a serialised data bus) and need only one pending kernel event
 * for the whole queue instead of one per request.
 */
#ifndef MOSAIC_HW_MEM_PORT_H
#define MOSAIC_HW_MEM_PORT_H

#include <assert.h>
#include <errno.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

enum mem_op { MEM_READ = 0, MEM_WRITE = 1 };

struct mem_request;
typedef void (*mem_done_fn)(struct mem_request *req, void *arg);

struct mem_request {
        uint64_t addr; /* physical byte address */
        uint32_t size_bytes;
        uint16_t initiator;  /* platform-assigned index, < the component's `initiators` */
        uint8_t op;          /* enum mem_op */
        sim_time_t issue_ps; /* set by the originator; latency = completion time - issue_ps */
        mem_done_fn done;
        void *done_arg;
        /* Scratch of the current holder. */
        struct mem_request *next;
        sim_time_t done_ps;
};

struct mem_port_ops {
        int (*submit)(void *target, struct mem_request *req);
};

struct mem_port {
        const struct mem_port_ops *ops;
        void *target;
};

static inline int mem_port_submit(const struct mem_port *port, struct mem_request *req)
{
        return port->ops->submit(port->target, req);
}

/* An intrusive FIFO of requests (through `next`). A zero-filled one is empty. */
struct mem_fifo {
        struct mem_request *head;
        struct mem_request *tail;
        uint32_t length;
};

static inline void mem_fifo_push(struct mem_fifo *fifo, struct mem_request *req)
{
        req->next = NULL;
        if (fifo->tail != NULL)
                fifo->tail->next = req;
        else
                fifo->head = req;
        fifo->tail = req;
        fifo->length++;
}

static inline struct mem_request *mem_fifo_pop(struct mem_fifo *fifo)
{
        struct mem_request *req = fifo->head;

        if (req == NULL)
                return NULL;
        fifo->head = req->next;
        if (fifo->head == NULL)
                fifo->tail = NULL;
        fifo->length--;
        req->next = NULL;
        return req;
}

/* Unlink `req`, whose predecessor in the FIFO is `prev` (NULL for the head). */
static inline void mem_fifo_remove(struct mem_fifo *fifo, struct mem_request *prev,
                                   struct mem_request *req)
{
        if (prev == NULL)
                fifo->head = req->next;
        else
                prev->next = req->next;
        if (fifo->tail == req)
                fifo->tail = prev;
        fifo->length--;
        req->next = NULL;
}

/*
 * Requests completing in non-decreasing time order. mem_done_queue_push(q, req, when) asserts
 * `when` >= the last pushed time; at `when` (class SIM_PRIO_HIGH) the request's callback runs.
 * One kernel event is pending at a time, for the head; same-instant completions share it.
 */
struct mem_done_queue {
        struct sim *sim;
        struct mem_fifo fifo;
        sim_time_t last_ps;
        sim_event_id event;
};

static inline void mem_done_queue_init(struct mem_done_queue *q, struct sim *sim)
{
        /* member by member: this header is also included from C++ (sim/systemc/) */
        q->sim = sim;
        q->fifo.head = NULL;
        q->fifo.tail = NULL;
        q->fifo.length = 0;
        q->last_ps = 0;
        q->event = 0;
}

static inline void mem_done_queue_fire(struct sim *sim, void *arg)
{
        struct mem_done_queue *q = (struct mem_done_queue *)arg;
        sim_time_t now = sim_now(sim);

        q->event = 0;
        while (q->fifo.head != NULL && q->fifo.head->done_ps <= now) {
                struct mem_request *req = mem_fifo_pop(&q->fifo);

                req->done(req, req->done_arg);
        }
        if (q->fifo.head != NULL && q->event == 0)
                q->event = sim_schedule_prio(sim, q->fifo.head->done_ps, SIM_PRIO_HIGH,
                                             mem_done_queue_fire, q);
}

/* 0, or -ENOMEM (from the kernel) when the event cannot be scheduled. */
static inline int mem_done_queue_push(struct mem_done_queue *q, struct mem_request *req,
                                      sim_time_t when)
{
        assert(when >= q->last_ps);
        req->done_ps = when;
        q->last_ps = when;
        mem_fifo_push(&q->fifo, req);
        if (q->event == 0) {
                q->event = sim_schedule_prio(q->sim, when, SIM_PRIO_HIGH, mem_done_queue_fire, q);
                if (q->event == 0)
                        return -ENOMEM;
        }
        return 0;
}

/* Cancel the pending event; queued requests are dropped without their callbacks. */
static inline void mem_done_queue_fini(struct mem_done_queue *q)
{
        if (q->event != 0)
                (void)sim_cancel(q->sim, q->event);
        mem_done_queue_init(q, q->sim);
}

#endif
