/*
 * tlm_bridge: TLM-2.0 blocking transport between SystemC models and mosaic's memory ports
 * (models/hw/mem_port.h), on a kernel that runs on the SystemC backend (sim_systemc.h). A pure
 * C header: the sockets themselves are reached from C++ through tlm_bridge_sc.h.
 *
 * Target bridge (SystemC initiator -> mosaic): a SystemC module with a TLM target socket. Each
 * b_transport becomes one struct mem_request (address = the payload's address, size = its data
 * length, read or write, the bridge's initiator index), or one per piece when a maximum request
 * size is set, submitted to a mosaic mem_port at SystemC's current time, and b_transport returns
 * when mosaic completes it (the last piece): the calling thread
 * waits on an sc_event that the request's done callback notifies, so SystemC time on return is
 * the completion time and the returned delay is zero. An annotated delay on entry (a loosely-
 * timed initiator running ahead of SystemC time) is consumed first with wait(delay), so the
 * request enters mosaic at the initiator's local time: the bridge synchronises, it never returns
 * an estimated latency as annotation. Timing only: the payload's data are not read or written.
 * -EBUSY from the port is retried after one of the bridge's own completions (an error response
 * if none is outstanding); other submit failures give TLM_GENERIC_ERROR_RESPONSE. TLM_IGNORE
 * commands complete at once. b_transport must be called from an SC_THREAD (it waits).
 *
 * Initiator bridge (mosaic -> SystemC target): a mosaic mem_port whose requests become
 * b_transport calls on a TLM initiator socket. A request submitted at kernel time t is handed to
 * a SystemC worker thread at SystemC time t (a pool: one thread per request in flight, spawned on
 * demand, reused afterwards), which calls b_transport with delay 0 and a generic payload (address,
 * length = size_bytes, streaming width = length, no byte enables, a zero-filled buffer) and
 * completes the mosaic request, from a kernel event of class SIM_PRIO_HIGH, at SystemC's time on
 * return plus the returned delay. Submit always accepts (0). A TLM error response still
 * completes the request (mem_request has no status) and is counted in the stats.
 *
 * Both bridges are sc_modules: create them during elaboration (before the first sc_start), on a
 * kernel from sim_create(&sim_backend_systemc); destroy them only after the simulation is over,
 * before the kernel. Creation returns NULL when sim is not on the SystemC backend or on
 * allocation failure. Requests and payloads are not allocated per transaction.
 *
 * Ports are passed by pointer so that C++ code, which cannot include models/hw/mem_port.h (its
 * inline helpers are C11), can hand them on without seeing their layout; the bridges touch
 * mem_request fields only in C (tlm_bridge_port.c).
 */
#ifndef MOSAIC_SIM_SYSTEMC_TLM_BRIDGE_H
#define MOSAIC_SIM_SYSTEMC_TLM_BRIDGE_H

#include <stdint.h>

#include "sim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mem_port; /* models/hw/mem_port.h (C only: C++ sees mem_port and mem_request opaque) */
struct tlm_bridge_target;
struct tlm_bridge_initiator;

struct tlm_bridge_stats {
        uint64_t transactions; /* completed, errors included */
        uint64_t errors;       /* error responses */
        uint64_t bytes;
        sim_time_t latency_ps; /* sum over completed transactions (submission to completion) */
        sim_time_t max_latency_ps;
};

/*
 * A TLM target socket in front of *port (copied); its requests carry `initiator` (the index of
 * the interconnect input it occupies). `name` is the sc_module name.
 */
struct tlm_bridge_target *tlm_bridge_target_create(const char *name, struct sim *sim,
                                                   const struct mem_port *port, uint16_t initiator);
void tlm_bridge_target_destroy(struct tlm_bridge_target *bridge);
/*
 * Split each transaction into requests of at most `bytes` (0, the default: one request per
 * transaction), cut at multiples of `bytes` in the address space, all submitted at once in address
 * order (as a cache-line-sized memory system sees a burst: the interconnect input queues them, the
 * DRAM serves them as separate bursts); b_transport returns when the last completes. The stats
 * still count one transaction. Set it during elaboration, before the first transaction.
 */
void tlm_bridge_target_set_max_request(struct tlm_bridge_target *bridge, uint32_t bytes);
const struct tlm_bridge_stats *tlm_bridge_target_stats(const struct tlm_bridge_target *bridge);

/*
 * A mosaic mem_port served by whatever TLM target the bridge's initiator socket is bound to;
 * tlm_bridge_initiator_mem_port gives the port (owned by the bridge, valid while it lives).
 */
struct tlm_bridge_initiator *tlm_bridge_initiator_create(const char *name, struct sim *sim);
void tlm_bridge_initiator_destroy(struct tlm_bridge_initiator *bridge);
const struct mem_port *tlm_bridge_initiator_mem_port(const struct tlm_bridge_initiator *bridge);
const struct tlm_bridge_stats *
tlm_bridge_initiator_stats(const struct tlm_bridge_initiator *bridge);

#ifdef __cplusplus
}
#endif

#endif
