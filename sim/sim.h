/*
 * sim: the discrete-event kernel.
 *
 * Time is sim_time_t, unsigned 64-bit picoseconds (about 213 days of simulated time). Events
 * run in the order (time, priority class, insertion sequence): two events at the same time and
 * class run in the order they were scheduled, so every run of the same model is identical.
 * Scheduling into the past is a programmer error (assert). A callback may schedule new events,
 * cancel pending ones (including ones scheduled earlier in the same callback) and stop the run.
 *
 * The queue lives behind an ops table (struct sim_backend_ops): the native heap here, SystemC in
 * sim/systemc/ (sim_systemc.h), where SystemC advances time and dispatches through the same
 * ordering. Models only ever see this header. The kernel never prints and never exits.
 *
 * Native backend costs, n pending events: schedule O(log n) amortized (O(1) on average for
 * random times); running the next event O(log n); cancel O(1) amortized (lazy: the event is
 * gone at once, its heap key is purged later; O(log n) when it is the first event). Memory is
 * proportional to the peak number of pending events; cancelled events do not accumulate (see
 * sim_queue_stored). Nothing is allocated per event once the arrays have grown.
 */
#ifndef MOSAIC_SIM_SIM_H
#define MOSAIC_SIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" { /* the SystemC backend (sim/systemc/) is C++ */
#endif

typedef uint64_t sim_time_t;

#define SIM_TIME_MAX  UINT64_MAX
#define SIM_PS_PER_NS 1000ULL
#define SIM_PS_PER_US 1000000ULL
#define SIM_PS_PER_MS 1000000000ULL
#define SIM_PS_PER_S  1000000000000ULL

/* Priority classes: lower runs first among events at the same time. */
enum sim_priority {
        SIM_PRIO_HIGH = 0,   /* hardware state changes (interrupt edges, completions) */
        SIM_PRIO_NORMAL = 1, /* default for model events */
        SIM_PRIO_LOW = 2,    /* decisions that must see all same-time changes (schedulers) */
        SIM_PRIO_LAST = 3    /* observation: probes, end-of-run sampling */
};
#define SIM_PRIO_COUNT 4

struct sim;
typedef void (*sim_event_fn)(struct sim *sim, void *arg);

/* Id of a scheduled event; 0 is never a valid id. */
typedef uint64_t sim_event_id;

/*
 * One pending event as the kernel hands it to a backend. `seq` is the kernel's insertion
 * sequence number (strictly increasing from 1, below 2^62; the event's id is its seq); a
 * backend must order by (when, priority, seq).
 */
struct sim_event {
        sim_time_t when;
        uint64_t seq;
        sim_event_fn fn;
        void *arg;
        uint8_t priority;
};

/*
 * A queue implementation. `create` returns backend state for the kernel `sim` (which a backend
 * that drives time itself keeps, to dispatch into) or NULL on allocation failure. `push` stores
 * a copy of the event and returns 0 or -ENOMEM. `cancel` removes the pending event with that
 * seq: 0, or -ENOENT when it is not pending. `pop` removes the first event into *out and returns
 * true, or returns false when empty. `peek_time` gives the first event's time (SIM_TIME_MAX when
 * empty).
 *
 * `run_until` is optional (NULL for a plain queue, which the kernel drains itself). A backend
 * that owns time (SystemC) sets it: it runs every event with time <= end (SIM_TIME_MAX: until
 * the queue is empty) in (when, priority, seq) order, each through sim_backend_dispatch, and
 * returns 1 as soon as a dispatch reports a stop (later events stay pending), else 0. It may
 * also dispatch outside run_until, whenever its own clock passes an event (embedding).
 */
struct sim_backend_ops {
        const char *name;
        void *(*create)(struct sim *sim);
        void (*destroy)(void *queue);
        int (*push)(void *queue, const struct sim_event *event);
        int (*cancel)(void *queue, uint64_t seq);
        bool (*pop)(void *queue, struct sim_event *out);
        sim_time_t (*peek_time)(const void *queue);
        size_t (*pending)(const void *queue);
        int (*run_until)(void *queue, sim_time_t end);
};

extern const struct sim_backend_ops sim_backend_native;

/* A kernel over `backend` (NULL means native). NULL on allocation failure. */
struct sim *sim_create(const struct sim_backend_ops *backend);
void sim_destroy(struct sim *sim);

/* Schedule fn(sim, arg) at absolute time `when` (>= sim_now). Returns its id, 0 on no memory. */
sim_event_id sim_schedule(struct sim *sim, sim_time_t when, sim_event_fn fn, void *arg);
sim_event_id sim_schedule_prio(struct sim *sim, sim_time_t when, enum sim_priority priority,
                               sim_event_fn fn, void *arg);
/* Schedule relative to now. */
sim_event_id sim_schedule_in(struct sim *sim, sim_time_t delay, sim_event_fn fn, void *arg);

/* Cancel a pending event: 0, or -ENOENT if it already ran, was cancelled or never existed. */
int sim_cancel(struct sim *sim, sim_event_id id);

/*
 * Run events with time <= end, then set now to `end` (unless stopped). Returns 0 when the
 * horizon was reached or the queue ran empty, 1 when sim_stop was called; after a stop, now is
 * the time of the event whose callback stopped the run and later events stay pending.
 * `end` < sim_now is a programmer error (assert), and so is calling it from a callback.
 */
int sim_run_until(struct sim *sim, sim_time_t end);
/* Run until the queue is empty (0) or sim_stop (1); now stays at the last event's time. */
int sim_run(struct sim *sim);
/* Ask the run to return after the current callback. Outside a run it has no effect. */
void sim_stop(struct sim *sim);

sim_time_t sim_now(const struct sim *sim);
uint64_t sim_events_executed(const struct sim *sim);
size_t sim_events_pending(const struct sim *sim);
const char *sim_backend_name(const struct sim *sim);
/*
 * Entries the queue holds: for the native backend, pending events plus cancelled ones not yet
 * purged (it purges lazily but keeps this at most 2 * pending + 32); for other backends, the
 * pending count. For tests of the memory bound.
 */
size_t sim_queue_stored(const struct sim *sim);

/*
 * For backends that own time (run_until), never for models. sim_backend_dispatch runs one
 * popped event: now becomes event->when, the executed count grows, the callback runs; it
 * returns true when the callback called sim_stop. Outside sim_run_until (a backend dispatching
 * on its own clock) sim_stop is honoured the same way for that callback. sim_backend_advance
 * moves now forward to `now` (>= sim_now, <= the first pending event's time) without running
 * anything (a SystemC process catching the kernel up with SystemC time). sim_backend_state returns
 * the backend state of `sim` if it runs over `ops`, else NULL.
 */
bool sim_backend_dispatch(struct sim *sim, const struct sim_event *event);
void sim_backend_advance(struct sim *sim, sim_time_t now);
void *sim_backend_state(const struct sim *sim, const struct sim_backend_ops *ops);

/* Cycles of a clock of `clock_hz` (> 0) in picoseconds, rounded to nearest (halves up),
 * saturating at SIM_TIME_MAX. */
sim_time_t sim_cycles_to_ps(uint64_t cycles, uint64_t clock_hz);
/* Whole cycles completed in `ps` at `clock_hz` (> 0), rounded down, saturating at UINT64_MAX. */
uint64_t sim_ps_to_cycles(sim_time_t ps, uint64_t clock_hz);

#ifdef __cplusplus
}
#endif

#endif
