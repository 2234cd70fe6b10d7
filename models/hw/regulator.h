/*
 * regulator: MemGuard-style memory-bandwidth regulation.
 *
 * Each initiator belongs to a domain (`domain_of[i]`; NULL: domain = initiator, e.g. one per
 * core; a VM-wide budget maps all of a VM's cores to one domain). Time is cut into periods
 * [k * period_ps, (k + 1) * period_ps) from time 0. A domain may consume `budget` per period,
 * in bytes or in requests (`unit`); the count restarts at every boundary. As with MemGuard's
 * counter-overflow interrupt, a request is admitted while the domain's use so far in the
 * period is below its budget (the request that crosses the budget still goes); once use has
 * reached the budget, the domain's requests are held in a FIFO until the next boundary, when
 * they are admitted in arrival order under the fresh budget (what does not fit waits for the
 * following boundary; domains are served in index order). With a budget of B bytes and requests of
 * s bytes (s dividing B), B / s requests pass per period and the (B / s + 1)-th waits for the
 * boundary. A budget of 0 means unregulated. Admitted requests are passed unchanged to
 * `downstream`; completions go straight to the originator. Per domain it counts admitted bytes and
 * requests, throttled requests and the total time requests were held. Not modelled: reclaiming
 * unused budget.
 *
 * Integration: the scenario's "regulation" block (period, byte budgets per core, or shared by
 * all the cores of an OS or VM) builds one regulator in front of DRAM (models/platform_memory.c):
 * initiator i < cores is core i, then one for external masters (unregulated); domains are one
 * per core, the external masters', then one per shared budget, with domain_of mapping a shared
 * budget's cores onto its domain (NULL when there is none). A domain covers whole initiators:
 * requests carry no VM or task, so a VM's shared budget needs cores no other VM runs on (the
 * loader checks). The held time shows up as memory stall time of the throttled core. The fast
 * fidelity keeps the same budget arithmetic per core (a shared budget split equally over its
 * cores) but charges a segment's estimated miss bytes per period instead of requests.
 */
#ifndef MOSAIC_HW_REGULATOR_H
#define MOSAIC_HW_REGULATOR_H

#include <stdint.h>

#include "models/hw/mem_port.h"
#include "sim/sim.h"

enum regulator_unit { REGULATOR_BYTES, REGULATOR_REQUESTS };

struct regulator_config {
        sim_time_t period_ps;
        enum regulator_unit unit;
        uint16_t initiators;
        uint16_t domains;
        const uint16_t *domain_of; /* per initiator; NULL: identity (domains == initiators) */
        const uint64_t *budget;    /* per domain; 0 = unregulated */
};

struct regulator_domain {
        uint64_t period; /* index of the period `used` belongs to */
        uint64_t used;
        struct mem_fifo held;
        /* statistics */
        uint64_t admitted_requests;
        uint64_t admitted_bytes;
        uint64_t throttled_requests;
        sim_time_t held_ps;
};

struct regulator {
        const struct regulator_config *config;
        struct sim *sim;
        struct mem_port downstream;
        struct regulator_domain *domains;
        sim_event_id boundary_event;
};

/* 0, -EINVAL, -ENOMEM. The config must outlive the regulator. */
int regulator_init(struct regulator *reg, const struct regulator_config *config, struct sim *sim,
                   const struct mem_port *downstream);
void regulator_fini(struct regulator *reg);
struct mem_port regulator_mem_port(struct regulator *reg);
const struct regulator_domain *regulator_domain_stats(const struct regulator *reg, uint16_t domain);

#endif
