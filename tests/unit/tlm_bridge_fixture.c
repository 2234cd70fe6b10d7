/*
 * tlm_bridge_fixture: memory systems and request drivers for test_tlm_bridge.cpp; see the header.
 */
#include "tests/unit/tlm_bridge_fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "models/hw/dram.h"
#include "models/hw/interconnect.h"
#include "models/hw/mem_port.h"
#include "sim/metrics.h"
#include "sim/stats.h"

struct fixture_memory {
        struct sim *sim;
        struct dram_config dram_config;
        struct dram dram;
        struct interconnect_target target;
        struct interconnect_config bus_config;
        struct interconnect bus;
        struct mem_port bus_port;
        struct mem_request req;
        int issued;
        struct fixture_victim victim;
};

static void fixture_bus_config(struct interconnect_config *config, uint16_t inputs,
                               const struct interconnect_target *target)
{
        *config = (struct interconnect_config){
                .kind = INTERCONNECT_BUS,
                .arbitration = INTERCONNECT_ROUND_ROBIN,
                .width_bytes = 16,
                .clock_hz = 1000000000ULL,
                .inputs = inputs,
                .target_count = 1,
                .targets = target,
        };
}

static void victim_issue(struct fixture_memory *m);

static void victim_done(struct mem_request *req, void *arg)
{
        struct fixture_memory *m = arg;
        struct fixture_victim *v = &m->victim;
        sim_time_t latency = sim_now(m->sim) - req->issue_ps;

        v->latency_ps[v->completed++] = latency;
        v->total_ps += latency;
        v->last_done_ps = sim_now(m->sim);
        if (m->issued < FIXTURE_VICTIM_REQUESTS)
                victim_issue(m);
}

static void victim_issue(struct fixture_memory *m)
{
        m->req = (struct mem_request){
                .addr = (uint64_t)m->issued * 64, /* bank 0, row 0, column `issued` */
                .size_bytes = 64,
                .initiator = 0,
                .op = MEM_READ,
                .issue_ps = sim_now(m->sim),
                .done = victim_done,
                .done_arg = m,
        };
        m->issued++;
        if (mem_port_submit(&m->bus_port, &m->req) != 0)
                m->victim.submit_failures++;
}

static void victim_start(struct sim *sim, void *arg)
{
        (void)sim;
        victim_issue(arg);
}

struct fixture_memory *fixture_memory_create(struct sim *sim, bool with_victim,
                                             uint32_t queue_limit)
{
        struct fixture_memory *m = calloc(1, sizeof(*m));

        if (m == NULL)
                return NULL;
        m->sim = sim;
        m->dram_config = (struct dram_config){
                .clock_hz = 1000000000ULL,
                .channels = 1,
                .banks = 8,
                .rows = 1024,
                .row_bytes = 2048,
                .burst_bytes = 64,
                .t_rcd = 14,
                .t_rp = 14,
                .t_cl = 14,
                .burst_cycles = 4,
        };
        if (dram_init(&m->dram, &m->dram_config, sim) != 0) {
                free(m);
                return NULL;
        }
        m->target = (struct interconnect_target){ .base = 0,
                                                  .size_bytes = 1ULL << 32,
                                                  .port = dram_mem_port(&m->dram) };
        fixture_bus_config(&m->bus_config, 2, &m->target);
        m->bus_config.queue_limit = queue_limit;
        if (interconnect_init(&m->bus, &m->bus_config, sim) != 0) {
                dram_fini(&m->dram);
                free(m);
                return NULL;
        }
        m->bus_port = interconnect_mem_port(&m->bus);
        if (with_victim && sim_schedule(sim, 0, victim_start, m) == 0) {
                fixture_memory_destroy(m);
                return NULL;
        }
        return m;
}

void fixture_memory_destroy(struct fixture_memory *m)
{
        if (m == NULL)
                return;
        interconnect_fini(&m->bus);
        dram_fini(&m->dram);
        free(m);
}

const struct mem_port *fixture_memory_port(const struct fixture_memory *m)
{
        return &m->bus_port;
}

const struct fixture_victim *fixture_memory_victim(const struct fixture_memory *m)
{
        return &m->victim;
}

struct fixture_dram_counts fixture_memory_dram(const struct fixture_memory *m)
{
        const struct dram_channel_stats *s = dram_channel_stats(&m->dram, 0);

        return (struct fixture_dram_counts){ .requests = s->requests,
                                             .row_hits = s->row_hits,
                                             .row_empty = s->row_empty,
                                             .row_conflicts = s->row_conflicts };
}

struct fixture_adapter {
        struct sim *sim;
        struct mem_port port; /* the bridge's */
        struct interconnect_target target;
        struct interconnect_config bus_config;
        struct interconnect bus;
        struct mem_port bus_port;
        struct mem_request req[3];
        struct fixture_request result[3];
        int submit_failures;
};

static void adapter_record(struct fixture_adapter *a, struct mem_request *req)
{
        struct fixture_request *r = &a->result[req - a->req];

        r->done_ps = sim_now(a->sim);
        r->latency_ps = r->done_ps - req->issue_ps;
}

static void adapter_done(struct mem_request *req, void *arg)
{
        adapter_record(arg, req);
}

static void adapter_a_done(struct mem_request *req, void *arg)
{
        struct fixture_adapter *a = arg;

        adapter_record(a, req);
        a->req[2].issue_ps = sim_now(a->sim);
        if (mem_port_submit(&a->port, &a->req[2]) != 0)
                a->submit_failures++;
}

static void adapter_start(struct sim *sim, void *arg)
{
        struct fixture_adapter *a = arg;

        a->req[0].issue_ps = sim_now(sim);
        a->req[1].issue_ps = sim_now(sim);
        if (mem_port_submit(&a->bus_port, &a->req[0]) != 0)
                a->submit_failures++;
        if (mem_port_submit(&a->port, &a->req[1]) != 0)
                a->submit_failures++;
}

struct fixture_adapter *fixture_adapter_create(struct sim *sim, const struct mem_port *port)
{
        struct fixture_adapter *a = calloc(1, sizeof(*a));

        if (a == NULL)
                return NULL;
        a->sim = sim;
        a->port = *port;
        a->target =
            (struct interconnect_target){ .base = 0, .size_bytes = 1ULL << 32, .port = *port };
        fixture_bus_config(&a->bus_config, 1, &a->target);
        if (interconnect_init(&a->bus, &a->bus_config, sim) != 0) {
                free(a);
                return NULL;
        }
        a->bus_port = interconnect_mem_port(&a->bus);
        a->req[0] = (struct mem_request){
                .addr = 0, .size_bytes = 64, .op = MEM_READ, .done = adapter_a_done, .done_arg = a
        };
        a->req[1] = (struct mem_request){ .addr = 0x2000,
                                          .size_bytes = 32,
                                          .op = MEM_WRITE,
                                          .done = adapter_done,
                                          .done_arg = a };
        a->req[2] = (struct mem_request){
                .addr = 0, .size_bytes = 64, .op = MEM_READ, .done = adapter_done, .done_arg = a
        };
        if (sim_schedule(sim, 1000, adapter_start, a) == 0) {
                fixture_adapter_destroy(a);
                return NULL;
        }
        return a;
}

void fixture_adapter_destroy(struct fixture_adapter *a)
{
        if (a == NULL)
                return;
        interconnect_fini(&a->bus);
        free(a);
}

struct fixture_request fixture_adapter_request(const struct fixture_adapter *a, int index)
{
        return a->result[index];
}

int fixture_adapter_submit_failures(const struct fixture_adapter *a)
{
        return a->submit_failures;
}

static bool histograms_equal(const struct histogram *a, const struct histogram *b)
{
        if (a->count != b->count || a->min != b->min || a->max != b->max || a->sum != b->sum ||
            a->groups != b->groups)
                return false;
        return a->groups == 0 ||
               memcmp(a->buckets, b->buckets,
                      (size_t)a->groups * (1u << STATS_SUB_BITS) * sizeof(*a->buckets)) == 0;
}

static bool metrics_equal(const struct metric *a, const struct metric *b)
{
        return strcmp(a->entity, b->entity) == 0 && strcmp(a->name, b->name) == 0 &&
               a->kind == b->kind && a->unit == b->unit && a->counter == b->counter &&
               a->gauge == b->gauge && histograms_equal(&a->histogram, &b->histogram);
}

int fixture_metrics_diff(const struct metrics *a, const struct metrics *b, char *what,
                         size_t what_size)
{
        if (metrics_count(a) != metrics_count(b)) {
                (void)snprintf(what, what_size, "%zu metrics against %zu", metrics_count(a),
                               metrics_count(b));
                return 1;
        }
        for (size_t i = 0; i < metrics_count(a); i++) {
                const struct metric *ma = metrics_at(a, i);
                const struct metric *mb = metrics_at(b, i);

                if (!metrics_equal(ma, mb)) {
                        (void)snprintf(what, what_size,
                                       "metric %zu: %s %s (counter %llu, gauge %.17g, %llu samples)"
                                       " against %s %s (counter %llu, gauge %.17g, %llu samples)",
                                       i, ma->entity, ma->name, (unsigned long long)ma->counter,
                                       ma->gauge, (unsigned long long)ma->histogram.count,
                                       mb->entity, mb->name, (unsigned long long)mb->counter,
                                       mb->gauge, (unsigned long long)mb->histogram.count);
                        return 1;
                }
        }
        if (what_size > 0)
                what[0] = '\0';
        return 0;
}
