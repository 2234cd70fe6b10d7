#include "models/hw/regulator.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

int regulator_init(struct regulator *reg, const struct regulator_config *config, struct sim *sim,
                   const struct mem_port *downstream)
{
        *reg = (struct regulator){ .config = config, .sim = sim, .downstream = *downstream };
        if (config->period_ps == 0 || config->initiators == 0 || config->domains == 0 ||
            config->budget == NULL ||
            (config->domain_of == NULL && config->domains != config->initiators))
                return -EINVAL;
        for (uint16_t i = 0; config->domain_of != NULL && i < config->initiators; i++)
                if (config->domain_of[i] >= config->domains)
                        return -EINVAL;
        reg->domains = calloc(config->domains, sizeof(*reg->domains));
        return reg->domains == NULL ? -ENOMEM : 0;
}

void regulator_fini(struct regulator *reg)
{
        if (reg->boundary_event != 0)
                (void)sim_cancel(reg->sim, reg->boundary_event);
        reg->boundary_event = 0;
        free(reg->domains);
        reg->domains = NULL;
}

static uint64_t regulator_cost(const struct regulator *reg, const struct mem_request *req)
{
        return reg->config->unit == REGULATOR_BYTES ? req->size_bytes : 1;
}

/* Start the domain's count afresh when a new period has begun. */
static void regulator_roll(struct regulator *reg, struct regulator_domain *d, sim_time_t now)
{
        uint64_t period = now / reg->config->period_ps;

        if (period != d->period) {
                d->period = period;
                d->used = 0;
        }
}

static void regulator_admit(struct regulator *reg, struct regulator_domain *d,
                            struct mem_request *req)
{
        int rc;

        d->used += regulator_cost(reg, req);
        d->admitted_requests++;
        d->admitted_bytes += req->size_bytes;
        rc = mem_port_submit(&reg->downstream, req);
        assert(rc == 0 && "a regulator's downstream must accept admitted requests");
        (void)rc;
}

static void regulator_boundary(struct sim *sim, void *arg);

static void regulator_arm(struct regulator *reg)
{
        sim_time_t next;

        if (reg->boundary_event != 0)
                return;
        next = (sim_now(reg->sim) / reg->config->period_ps + 1) * reg->config->period_ps;
        /* HIGH: the fresh budget is in place before anything else happens at the boundary. */
        reg->boundary_event =
            sim_schedule_prio(reg->sim, next, SIM_PRIO_HIGH, regulator_boundary, reg);
        assert(reg->boundary_event != 0);
}

static void regulator_boundary(struct sim *sim, void *arg)
{
        struct regulator *reg = arg;
        sim_time_t now = sim_now(sim);
        bool still_held = false;

        reg->boundary_event = 0;
        for (uint16_t i = 0; i < reg->config->domains; i++) {
                struct regulator_domain *d = &reg->domains[i];

                regulator_roll(reg, d, now);
                while (d->held.head != NULL && d->used < reg->config->budget[i]) {
                        struct mem_request *req = mem_fifo_pop(&d->held);

                        d->held_ps += now - req->done_ps;
                        regulator_admit(reg, d, req);
                }
                still_held |= d->held.head != NULL;
        }
        if (still_held)
                regulator_arm(reg);
}

static int regulator_submit(void *target, struct mem_request *req)
{
        struct regulator *reg = target;
        uint16_t domain_index;
        struct regulator_domain *d;

        assert(req->initiator < reg->config->initiators);
        domain_index = reg->config->domain_of != NULL ? reg->config->domain_of[req->initiator]
                                                      : req->initiator;
        d = &reg->domains[domain_index];
        regulator_roll(reg, d, sim_now(reg->sim));
        if (reg->config->budget[domain_index] == 0 ||
            (d->held.head == NULL && d->used < reg->config->budget[domain_index])) {
                regulator_admit(reg, d, req);
                return 0;
        }
        req->done_ps = sim_now(reg->sim); /* when it was held */
        d->throttled_requests++;
        mem_fifo_push(&d->held, req);
        regulator_arm(reg);
        return 0;
}

static const struct mem_port_ops regulator_port_ops = { .submit = regulator_submit };

struct mem_port regulator_mem_port(struct regulator *reg)
{
        return (struct mem_port){ .ops = &regulator_port_ops, .target = reg };
}

const struct regulator_domain *regulator_domain_stats(const struct regulator *reg, uint16_t domain)
{
        assert(domain < reg->config->domains);
        return &reg->domains[domain];
}
