/*
 * sim_systemc backend: the native ordered queue, with SystemC owning time and dispatch.
 *
 * Each kernel has a dispatcher: an SC_METHOD statically sensitive to one sc_event. The event is
 * kept notified ("armed") at the earliest time the kernel must wake: its first pending event,
 * or during sim_run_until the run's end if that comes first (the horizon, where the run
 * pauses SystemC). sc_start(d) only processes times strictly before now + d, so a run to `end`
 * starts SystemC up to end + 1 ps and the horizon pauses it at exactly end.
 *
 * When the method fires at time T it pops every event due at T, in the queue's (priority, seq)
 * order, including ones that callbacks schedule at T while it runs, then re-arms. While it
 * dispatches, pushes and cancels do not touch the sc_event (it is re-armed once at the end);
 * outside, a push earlier than the armed time re-notifies (the earlier notification replaces
 * the later one, as SystemC specifies) and a cancel that changes the first event re-arms
 * exactly, so SystemC never wakes for nothing and its time never passes the kernel's last event
 * when a run ends on an empty queue.
 */
#define SC_INCLUDE_DYNAMIC_PROCESSES
#include <systemc>

#include <cerrno>
#include <new>
#include <vector>

#include "sim/systemc/sim_systemc.h"

namespace
{

struct systemc_queue;

/* SystemC cannot delete a process: a destroyed kernel's dispatcher goes back to a pool. */
struct dispatcher {
        sc_core::sc_event wakeup;
        systemc_queue *owner = nullptr;
};

std::vector<dispatcher *> g_idle_dispatchers;

struct systemc_queue {
        struct sim *sim = nullptr;
        void *events = nullptr; /* a native queue: the ordering is the native kernel's */
        dispatcher *wake = nullptr;
        uint64_t origin_ps = 0;              /* SystemC time of kernel time 0 */
        sim_time_t armed_for = SIM_TIME_MAX; /* kernel time of the pending notification */
        sim_time_t run_end = 0;              /* while in_run */
        bool in_run = false;
        bool dispatching = false;
        bool stopped = false;
};

const struct sim_backend_ops &native = sim_backend_native;

/* The kernel time SystemC is at. */
sim_time_t systemc_now(const systemc_queue *q)
{
        return sc_core::sc_time_stamp().value() - q->origin_ps;
}

/* Make the dispatcher wake at `when` unless it already wakes earlier (or then). */
void arm(systemc_queue *q, sim_time_t when)
{
        if (when >= q->armed_for)
                return;
        sim_time_t now = systemc_now(q);
        /* A time SystemC has passed (a lagging embedder) runs in the next delta cycle. */
        sim_time_t delay = when > now ? when - now : 0;
        q->wake->wakeup.notify(sc_core::sc_time::from_value(delay));
        q->armed_for = when;
}

/* The next wake-up: the first pending event, or the horizon of the current run if sooner. */
sim_time_t next_wake(const systemc_queue *q)
{
        sim_time_t first = native.peek_time(q->events);
        if (q->in_run && q->run_end < first)
                return q->run_end;
        return first;
}

/* Drop the pending notification and arm exactly for next_wake. */
void rearm(systemc_queue *q)
{
        q->wake->wakeup.cancel();
        q->armed_for = SIM_TIME_MAX;
        arm(q, next_wake(q));
}

/* The SC_METHOD body: dispatch everything due now, then re-arm or pause. */
void fire(systemc_queue *q)
{
        q->armed_for = SIM_TIME_MAX; /* the notification that woke us is spent */
        sim_time_t now = systemc_now(q);
        struct sim_event event;
        bool stop = false;

        q->dispatching = true;
        while (!stop && native.peek_time(q->events) <= now) {
                bool popped = native.pop(q->events, &event);
                (void)popped;
                stop = sim_backend_dispatch(q->sim, &event);
        }
        q->dispatching = false;
        /* A run to a time ends at its horizon, a run to SIM_TIME_MAX when the queue is empty. */
        bool run_done = q->in_run && (q->run_end == SIM_TIME_MAX ? native.pending(q->events) == 0
                                                                 : now >= q->run_end);
        if (stop || run_done) {
                /* Events left at `now` (after a stop) run in the next delta cycle, on resume. */
                q->stopped = q->stopped || stop;
                arm(q, native.peek_time(q->events));
                sc_core::sc_pause();
                return;
        }
        arm(q, next_wake(q));
}

dispatcher *take_dispatcher()
{
        if (!g_idle_dispatchers.empty()) {
                dispatcher *d = g_idle_dispatchers.back();
                g_idle_dispatchers.pop_back();
                return d;
        }
        dispatcher *d = new dispatcher;
        sc_core::sc_spawn_options options;
        options.spawn_method();
        options.dont_initialize();
        options.set_sensitivity(&d->wakeup);
        sc_core::sc_spawn(
            [d] {
                    if (d->owner)
                            fire(d->owner);
            },
            sc_core::sc_gen_unique_name("mosaic_kernel"), &options);
        return d;
}

bool resolution_is_1ps()
{
        double seconds = sc_core::sc_get_time_resolution().to_seconds();
        return seconds > 0.999e-12 && seconds < 1.001e-12;
}

void *systemc_create(struct sim *sim) noexcept
{
        try {
                if (!resolution_is_1ps())
                        return nullptr;
                auto *q = new systemc_queue;
                q->events = native.create(sim);
                if (!q->events) {
                        delete q;
                        return nullptr;
                }
                q->sim = sim;
                q->origin_ps = sc_core::sc_time_stamp().value();
                q->wake = take_dispatcher();
                q->wake->owner = q;
                return q;
        } catch (const std::bad_alloc &) {
                return nullptr;
        }
}

void systemc_destroy(void *queue) noexcept
{
        auto *q = static_cast<systemc_queue *>(queue);
        if (!q)
                return;
        q->wake->wakeup.cancel();
        q->wake->owner = nullptr;
        g_idle_dispatchers.push_back(q->wake);
        native.destroy(q->events);
        delete q;
}

int systemc_push(void *queue, const struct sim_event *event) noexcept
{
        auto *q = static_cast<systemc_queue *>(queue);
        int rc = native.push(q->events, event);
        if (rc == 0 && !q->dispatching)
                arm(q, event->when);
        return rc;
}

int systemc_cancel(void *queue, uint64_t seq) noexcept
{
        auto *q = static_cast<systemc_queue *>(queue);
        sim_time_t first = native.peek_time(q->events);
        int rc = native.cancel(q->events, seq);
        if (rc == 0 && !q->dispatching && native.peek_time(q->events) != first)
                rearm(q);
        return rc;
}

bool systemc_pop(void *queue, struct sim_event *out) noexcept
{
        auto *q = static_cast<systemc_queue *>(queue);
        bool popped = native.pop(q->events, out);
        if (popped && !q->dispatching)
                rearm(q);
        return popped;
}

sim_time_t systemc_peek_time(const void *queue) noexcept
{
        return native.peek_time(static_cast<const systemc_queue *>(queue)->events);
}

size_t systemc_pending(const void *queue) noexcept
{
        return native.pending(static_cast<const systemc_queue *>(queue)->events);
}

/* Errors SystemC reports here are programmer errors: noexcept turns them into a terminate. */
int systemc_run_until(void *queue, sim_time_t end) noexcept
{
        auto *q = static_cast<systemc_queue *>(queue);
        if (end == SIM_TIME_MAX && native.pending(q->events) == 0)
                return 0;
        q->in_run = true;
        q->run_end = end;
        q->stopped = false;
        rearm(q);
        /* sc_start returns early only when another party paused SystemC (another kernel's
         * sim_stop, a model of the embedding simulation): then it resumes. */
        if (end == SIM_TIME_MAX) {
                while (!q->stopped && native.pending(q->events) > 0) {
                        uint64_t deltas = sc_core::sc_delta_count();
                        sc_core::sc_start(sc_core::sc_max_time() - sc_core::sc_time_stamp(),
                                          sc_core::SC_EXIT_ON_STARVATION);
                        if (sc_core::sc_delta_count() == deltas)
                                break; /* starved: nothing left that SystemC could run */
                }
        } else {
                uint64_t until_ps = q->origin_ps + end + 1;
                uint64_t now_ps = sc_core::sc_time_stamp().value();
                while (now_ps < until_ps) {
                        sc_core::sc_start(sc_core::sc_time::from_value(until_ps - now_ps));
                        now_ps = sc_core::sc_time_stamp().value();
                        if (q->stopped || now_ps + 1 >= until_ps)
                                break;
                }
        }
        q->in_run = false;
        rearm(q); /* drop this run's horizon if a stop left it pending */
        return q->stopped ? 1 : 0;
}

} // namespace

extern "C" {

const struct sim_backend_ops sim_backend_systemc = {
        "systemc",   systemc_create,    systemc_destroy, systemc_push,      systemc_cancel,
        systemc_pop, systemc_peek_time, systemc_pending, systemc_run_until,
};

uint64_t sim_systemc_time_ps(void)
{
        return sc_core::sc_time_stamp().value();
}

uint64_t sim_systemc_origin_ps(const struct sim *sim)
{
        auto *q = static_cast<const systemc_queue *>(sim_backend_state(sim, &sim_backend_systemc));
        return q ? q->origin_ps : 0;
}

void sim_systemc_settle(void)
{
        /* sc_start(SC_ZERO_TIME) runs one delta cycle and never advances time. */
        while (sc_core::sc_pending_activity_at_current_time())
                sc_core::sc_start(sc_core::SC_ZERO_TIME);
}

int sim_systemc_sync(struct sim *sim)
{
        auto *q = static_cast<systemc_queue *>(sim_backend_state(sim, &sim_backend_systemc));
        if (!q)
                return -EINVAL;
        sim_time_t target = systemc_now(q);
        sim_time_t first = native.peek_time(q->events);
        if (first < target)
                target = first;
        if (target > sim_now(sim))
                sim_backend_advance(sim, target);
        return 0;
}

} // extern "C"
