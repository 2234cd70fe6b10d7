#include "models/hw/interconnect.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>

int interconnect_init(struct interconnect *ic, const struct interconnect_config *config,
                      struct sim *sim)
{
        *ic = (struct interconnect){ .config = config, .sim = sim };
        if (config->width_bytes == 0 || config->clock_hz == 0 || config->inputs == 0 ||
            config->target_count == 0 || config->targets == NULL)
                return -EINVAL;
        ic->lane_count = config->kind == INTERCONNECT_BUS ? 1 : config->target_count;
        ic->queues = calloc(config->inputs, sizeof(*ic->queues));
        ic->stats = calloc(config->inputs, sizeof(*ic->stats));
        ic->lanes = calloc(ic->lane_count, sizeof(*ic->lanes));
        if (ic->queues == NULL || ic->stats == NULL || ic->lanes == NULL) {
                interconnect_fini(ic);
                return -ENOMEM;
        }
        /* the common size (a cache line's worth, or whatever comes first) converted once */
        ic->memo_size_bytes = 64;
        ic->memo_transfer_ps = sim_cycles_to_ps(
            (64 + (uint64_t)config->width_bytes - 1) / config->width_bytes, config->clock_hz);
        for (size_t i = 0; i < ic->lane_count; i++)
                ic->lanes[i] =
                    (struct interconnect_lane){ .ic = ic,
                                                .last_granted = (uint16_t)(config->inputs - 1) };
        return 0;
}

void interconnect_fini(struct interconnect *ic)
{
        for (size_t i = 0; ic->lanes != NULL && i < ic->lane_count; i++)
                if (ic->lanes[i].event != 0)
                        (void)sim_cancel(ic->sim, ic->lanes[i].event);
        free(ic->queues);
        free(ic->stats);
        free(ic->lanes);
        ic->queues = NULL;
        ic->stats = NULL;
        ic->lanes = NULL;
}

sim_time_t interconnect_transfer_ps(const struct interconnect *ic, uint32_t size_bytes)
{
        uint64_t beats;

        if (size_bytes == ic->memo_size_bytes)
                return ic->memo_transfer_ps;
        beats = (size_bytes + (uint64_t)ic->config->width_bytes - 1) / ic->config->width_bytes;
        return sim_cycles_to_ps(beats, ic->config->clock_hz);
}

static int interconnect_target_of(const struct interconnect *ic, uint64_t addr)
{
        for (size_t i = 0; i < ic->config->target_count; i++) {
                const struct interconnect_target *t = &ic->config->targets[i];

                if (addr >= t->base && addr - t->base < t->size_bytes)
                        return (int)i;
        }
        return -1;
}

static size_t interconnect_lane_of(const struct interconnect *ic, const struct mem_request *req)
{
        if (ic->config->kind == INTERCONNECT_BUS)
                return 0;
        return (size_t)interconnect_target_of(ic, req->addr);
}

/* The input granted next on `lane`, or -1 when no input's head request wants it. */
static int interconnect_pick(const struct interconnect *ic, const struct interconnect_lane *lane)
{
        size_t lane_index = (size_t)(lane - ic->lanes);
        uint16_t inputs = ic->config->inputs;
        int best = -1;

        for (uint16_t k = 0; k < inputs; k++) {
                /* Round robin scans from the input after the last grant; priority from 0. */
                unsigned first = ic->config->arbitration == INTERCONNECT_ROUND_ROBIN
                                     ? lane->last_granted + 1U
                                     : 0;
                uint16_t i = (uint16_t)((first + k) % inputs);
                const struct mem_request *head = ic->queues[i].head;

                if (head == NULL || interconnect_lane_of(ic, head) != lane_index)
                        continue;
                if (ic->config->arbitration == INTERCONNECT_ROUND_ROBIN)
                        return i;
                if (best < 0 || (ic->config->priorities != NULL &&
                                 ic->config->priorities[i] < ic->config->priorities[best]))
                        best = i;
        }
        return best;
}

static void interconnect_arbitrate(struct sim *sim, void *arg);

/* Make sure an idle lane looks at its queues at this instant. */
static void interconnect_kick(struct interconnect *ic, size_t lane_index)
{
        struct interconnect_lane *lane = &ic->lanes[lane_index];

        if (lane->busy)
                return;
        lane->busy = true;
        lane->event = sim_schedule_prio(ic->sim, sim_now(ic->sim), SIM_PRIO_LOW,
                                        interconnect_arbitrate, lane);
        assert(lane->event != 0);
}

static void interconnect_transfer_end(struct sim *sim, void *arg)
{
        struct interconnect_lane *lane = arg;
        struct interconnect *ic = lane->ic;
        struct mem_request *req = lane->current;
        int target = interconnect_target_of(ic, req->addr);
        int rc;

        lane->current = NULL;
        rc = mem_port_submit(&ic->config->targets[target].port, req);
        assert(rc == 0 && "an interconnect target must accept what the lane delivers");
        (void)rc;
        interconnect_arbitrate(sim, lane);
}

static void interconnect_arbitrate(struct sim *sim, void *arg)
{
        struct interconnect_lane *lane = arg;
        struct interconnect *ic = lane->ic;
        sim_time_t now = sim_now(sim);
        int input = interconnect_pick(ic, lane);
        struct interconnect_input_stats *stats;
        struct mem_request *req;
        sim_time_t wait_ps, transfer_ps;

        lane->event = 0;
        req = input < 0 ? NULL : mem_fifo_pop(&ic->queues[input]);
        if (req == NULL) {
                lane->busy = false;
                return;
        }
        lane->last_granted = (uint16_t)input;
        lane->current = req;
        wait_ps = now - req->done_ps;
        transfer_ps = interconnect_transfer_ps(ic, req->size_bytes);
        stats = &ic->stats[input];
        stats->grants++;
        stats->bytes += req->size_bytes;
        stats->queue_delay_ps += wait_ps;
        if (wait_ps > stats->max_queue_delay_ps)
                stats->max_queue_delay_ps = wait_ps;
        if (ic->queue_delay_histogram != NULL &&
            histogram_record(ic->queue_delay_histogram, wait_ps) != 0)
                ic->histogram_error = -ENOMEM;
        lane->busy_ps += transfer_ps;
        lane->event = sim_schedule_prio(sim, now + transfer_ps, SIM_PRIO_LOW,
                                        interconnect_transfer_end, lane);
        assert(lane->event != 0);
        /* The input's next request may want another (idle) lane of a crossbar. */
        if (ic->queues[input].head != NULL)
                interconnect_kick(ic, interconnect_lane_of(ic, ic->queues[input].head));
}

static int interconnect_submit(void *target, struct mem_request *req)
{
        struct interconnect *ic = target;
        struct mem_fifo *queue;

        assert(req->initiator < ic->config->inputs);
        if (interconnect_target_of(ic, req->addr) < 0)
                return -EINVAL;
        queue = &ic->queues[req->initiator];
        if (ic->config->queue_limit != 0 && queue->length >= ic->config->queue_limit)
                return -EBUSY;
        req->done_ps = sim_now(ic->sim); /* arrival, for the queueing delay */
        mem_fifo_push(queue, req);
        if (queue->head == req)
                interconnect_kick(ic, interconnect_lane_of(ic, req));
        return 0;
}

static const struct mem_port_ops interconnect_port_ops = { .submit = interconnect_submit };

struct mem_port interconnect_mem_port(struct interconnect *ic)
{
        return (struct mem_port){ .ops = &interconnect_port_ops, .target = ic };
}

const struct interconnect_input_stats *interconnect_stats(const struct interconnect *ic,
                                                          uint16_t input)
{
        assert(input < ic->config->inputs);
        return &ic->stats[input];
}

sim_time_t interconnect_lane_busy_ps(const struct interconnect *ic, size_t lane)
{
        assert(lane < ic->lane_count);
        return ic->lanes[lane].busy_ps;
}
