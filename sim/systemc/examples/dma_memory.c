/*
 * dma_memory: the mosaic half of the tlm_dma example; see dma_memory.h.
 */
#include "sim/systemc/examples/dma_memory.h"

#include <stdlib.h>

#include "models/hw/dram.h"
#include "models/hw/interconnect.h"
#include "models/hw/mem_port.h"

struct dma_memory {
        struct sim *sim;
        struct dram_config dram_config;
        struct dram dram;
        struct interconnect_target target;
        struct interconnect_config bus_config;
        struct interconnect bus;
        struct mem_port bus_port;
        struct mem_request req;
        uint32_t reads, issued, completed;
        sim_time_t latency_ps, end_ps;
};

static void victim_issue(struct dma_memory *m);

static void victim_done(struct mem_request *req, void *arg)
{
        struct dma_memory *m = arg;

        m->completed++;
        m->latency_ps += sim_now(m->sim) - req->issue_ps;
        m->end_ps = sim_now(m->sim);
        if (m->issued < m->reads)
                victim_issue(m);
}

static void victim_issue(struct dma_memory *m)
{
        m->req = (struct mem_request){
                .addr = (uint64_t)(m->issued % 4096) * 64, /* a 256 KiB buffer at 0 */
                .size_bytes = 64,
                .initiator = 0,
                .op = MEM_READ,
                .issue_ps = sim_now(m->sim),
                .done = victim_done,
                .done_arg = m,
        };
        m->issued++;
        (void)mem_port_submit(&m->bus_port, &m->req); /* unbounded queues: always accepted */
}

static void victim_start(struct sim *sim, void *arg)
{
        (void)sim;
        victim_issue(arg);
}

struct dma_memory *dma_memory_create(struct sim *sim, uint32_t reads)
{
        struct dma_memory *m = calloc(1, sizeof(*m));

        if (m == NULL)
                return NULL;
        m->sim = sim;
        m->reads = reads;
        m->dram_config = (struct dram_config){
                .clock_hz = 1200000000ULL,
                .channels = 1,
                .banks = 16,
                .rows = 65536,
                .row_bytes = 2048,
                .burst_bytes = 64,
                .t_rcd = 16,
                .t_rp = 16,
                .t_cl = 16,
                .t_ras = 39,
                .burst_cycles = 4,
                .t_refi = 9360,
                .t_rfc = 420,
        };
        if (dram_init(&m->dram, &m->dram_config, sim) != 0) {
                free(m);
                return NULL;
        }
        m->target = (struct interconnect_target){ .base = 0,
                                                  .size_bytes = 1ULL << 32,
                                                  .port = dram_mem_port(&m->dram) };
        m->bus_config = (struct interconnect_config){
                .kind = INTERCONNECT_BUS,
                .arbitration = INTERCONNECT_ROUND_ROBIN,
                .width_bytes = 16,
                .clock_hz = 600000000ULL,
                .inputs = 2,
                .target_count = 1,
                .targets = &m->target,
        };
        if (interconnect_init(&m->bus, &m->bus_config, sim) != 0) {
                dram_fini(&m->dram);
                free(m);
                return NULL;
        }
        m->bus_port = interconnect_mem_port(&m->bus);
        if (reads > 0 && sim_schedule(sim, 0, victim_start, m) == 0) {
                dma_memory_destroy(m);
                return NULL;
        }
        return m;
}

void dma_memory_destroy(struct dma_memory *m)
{
        if (m == NULL)
                return;
        interconnect_fini(&m->bus);
        dram_fini(&m->dram);
        free(m);
}

const struct mem_port *dma_memory_port(const struct dma_memory *m)
{
        return &m->bus_port;
}

uint32_t dma_memory_victim_completed(const struct dma_memory *m)
{
        return m->completed;
}

sim_time_t dma_memory_victim_latency_ps(const struct dma_memory *m)
{
        return m->latency_ps;
}

sim_time_t dma_memory_victim_end_ps(const struct dma_memory *m)
{
        return m->end_ps;
}
