/*
 * interconnect: a shared bus or a crossbar between initiators and memory targets.
 *
 * Requests enter through one input per initiator (req->initiator < `inputs`) and queue there
 * in arrival order. A lane carries one transfer at a time, for ceil(size_bytes / width_bytes)
 * cycles of `clock_hz` (split transactions: the lane is held for the data beats only, not
 * while the target works); when the transfer ends the request is passed, unchanged, to its
 * target's port, so its completion goes straight back to the originator. A bus has one lane
 * for all targets; a crossbar has one lane per target, so transfers to different targets
 * overlap. A request's target is the first whose [base, base + size) holds its address.
 *
 * Arbitration runs whenever a lane is free and some input holds a request for it, in class
 * SIM_PRIO_LOW so that every request arriving at that instant competes:
 *   INTERCONNECT_ROUND_ROBIN     the first input with a request after the last one granted;
 *   INTERCONNECT_FIXED_PRIORITY  the input with the smallest `priorities[i]` (NULL: the input
 *                                index), ties to the lower index.
 * Grants are not aligned to clock edges. Queueing delay (grant time - arrival) is accumulated
 * per input, with the number of grants. `queue_limit` bounds the requests queued per input
 * (0: unbounded); beyond it submit returns -EBUSY. A target must accept every request a lane
 * delivers (size its queue for all possible outstanding requests). No memory is allocated
 * after init.
 *
 * Integration: the platform's "interconnect" entry (kind, width, clock, arbitration,
 * priorities per initiator) builds one of these between the LLC (and DMA devices) and DRAM.
 * The fast fidelity replaces the transactions by an M/D/1-style wait computed from each
 * lane's utilisation (interconnect_transfer_ps gives the service time); the per-input queueing
 * delays measured here are what that formula is calibrated against.
 */
#ifndef MOSAIC_HW_INTERCONNECT_H
#define MOSAIC_HW_INTERCONNECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "models/hw/mem_port.h"
#include "sim/sim.h"
#include "sim/stats.h"

enum interconnect_kind { INTERCONNECT_BUS, INTERCONNECT_CROSSBAR };
enum interconnect_arbitration { INTERCONNECT_ROUND_ROBIN, INTERCONNECT_FIXED_PRIORITY };

struct interconnect_target {
        uint64_t base;
        uint64_t size_bytes;
        struct mem_port port;
};

struct interconnect_config {
        enum interconnect_kind kind;
        enum interconnect_arbitration arbitration;
        uint32_t width_bytes; /* bytes per cycle */
        uint64_t clock_hz;
        uint16_t inputs;
        const uint32_t *priorities; /* per input, smaller wins; NULL: input index */
        uint32_t queue_limit;
        size_t target_count;
        const struct interconnect_target *targets;
};

struct interconnect_input_stats {
        uint64_t grants;
        uint64_t bytes;
        sim_time_t queue_delay_ps; /* sum over grants */
        sim_time_t max_queue_delay_ps;
};

struct interconnect_lane {
        struct interconnect *ic;
        struct mem_request *current;
        sim_event_id event;
        bool busy; /* transferring, or an arbitration is pending */
        uint16_t last_granted;
        sim_time_t busy_ps;
};

struct interconnect {
        const struct interconnect_config *config;
        struct sim *sim;
        struct mem_fifo *queues; /* per input */
        struct interconnect_lane *lanes;
        size_t lane_count;
        struct interconnect_input_stats *stats; /* per input */
        /* Optional (set after init, NULL: none): every grant's queueing delay in ps; a
         * failed record (-ENOMEM) is kept in histogram_error. */
        struct histogram *queue_delay_histogram;
        int histogram_error;
        /* interconnect_transfer_ps of one size, converted at init (64 bytes) */
        uint32_t memo_size_bytes;
        sim_time_t memo_transfer_ps;
};

/* 0, -EINVAL, -ENOMEM. The config (and its arrays) must outlive the interconnect. */
int interconnect_init(struct interconnect *ic, const struct interconnect_config *config,
                      struct sim *sim);
void interconnect_fini(struct interconnect *ic);
struct mem_port interconnect_mem_port(struct interconnect *ic);

/* Time one transfer of `size_bytes` holds a lane. */
sim_time_t interconnect_transfer_ps(const struct interconnect *ic, uint32_t size_bytes);
const struct interconnect_input_stats *interconnect_stats(const struct interconnect *ic,
                                                          uint16_t input);
/* Busy time of lane `lane` (0 for a bus) counted up to the end of its current transfer. */
sim_time_t interconnect_lane_busy_ps(const struct interconnect *ic, size_t lane);

#endif
