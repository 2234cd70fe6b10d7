/*
 * sim_systemc: the SystemC backend of the kernel (libmosaic-systemc.a, built as C++17 against
 * Accellera SystemC 2.3.4). A pure C header: no SystemC type appears here.
 *
 * sim_create(&sim_backend_systemc) gives a kernel whose time is SystemC's: the backend keeps the
 * pending events in the native ordered queue, so the order is exactly the native kernel's
 * (time, priority, insertion sequence), and one SC_METHOD per kernel, sensitive to one
 * sc_event notified at the next pending event's time, dispatches every event due at that time
 * when SystemC reaches it. sim_run_until(sim, end) is sc_start up to the SystemC time of `end`.
 * sim time t is SystemC time origin + t, where origin is SystemC's time when the kernel was
 * created (0 for the first one); the SystemC time resolution must be 1 ps (the default).
 *
 * Contract and limits:
 *   - SystemC must be entered first: either through sim_systemc_run_main (a C program), or from
 *     the user's own sc_main (embedding in an existing SystemC simulation: build mosaic models
 *     on a kernel from sim_create(&sim_backend_systemc) during elaboration or between sc_start
 *     calls, then drive time with sc_start as usual; mosaic events fire as SystemC passes them).
 *     sim_create (call it inside sc_main) returns NULL if the time resolution is not 1 ps.
 *   - One SystemC context per process: sim_systemc_run_main may be called once, and nothing
 *     here ever calls sc_stop (which would forbid later sc_start calls). sim_stop maps to
 *     sc_pause: sc_start returns after the current delta cycle, the events left at that time
 *     stay pending and run when SystemC resumes.
 *   - Kernels on this backend share SystemC's clock: running one advances the others' time too
 *     (their events run at their times). Mosaic itself uses one at a time.
 *   - From a SystemC process (not a mosaic callback), call sim_systemc_sync before scheduling on
 *     a kernel: between its events, sim_now lags SystemC time.
 */
#ifndef MOSAIC_SIM_SYSTEMC_SIM_SYSTEMC_H
#define MOSAIC_SIM_SYSTEMC_SIM_SYSTEMC_H

#include <stdint.h>

#include "sim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

extern const struct sim_backend_ops sim_backend_systemc;

/*
 * Enter SystemC (sc_elab_and_sim, which calls the sc_main this library defines) and run
 * body(arg) inside it; returns body's result, or 1 if SystemC reported an error that body did
 * not handle. Once per process. SystemC's copyright banner is turned off unless the caller set
 * SYSTEMC_DISABLE_COPYRIGHT_MESSAGE itself. A program with its own sc_main does not call this
 * (and does not link its object).
 */
int sim_systemc_run_main(int (*body)(void *arg), void *arg);

/* SystemC's current time in picoseconds. */
uint64_t sim_systemc_time_ps(void);
/* The SystemC time, in picoseconds, of this kernel's time 0 (0 if sim is not on this backend). */
uint64_t sim_systemc_origin_ps(const struct sim *sim);

/*
 * Bring sim_now up to the current SystemC time, from a SystemC process that is about to call
 * into mosaic models (the TLM-2.0 target bridge, tlm_bridge.h, does this on every transaction).
 * Returns 0, or -EINVAL when sim does not run on this backend. Events due at the current time that
 * SystemC has not dispatched yet stay pending and still run at this time.
 */
int sim_systemc_sync(struct sim *sim);

/*
 * Run the delta cycles SystemC still has at its current time, without advancing time: after a
 * run paused SystemC at its end, processes woken at that instant (a SystemC master resuming, or
 * other kernels' events there) run now, so their effects at the end instant count in every run
 * whatever the order SystemC picked within it. From sc_main between runs, not from a process.
 */
void sim_systemc_settle(void);

#ifdef __cplusplus
}
#endif

#endif
