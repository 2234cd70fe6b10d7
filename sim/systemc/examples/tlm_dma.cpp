/*
 * tlm_dma: a DMA engine written in plain SystemC/TLM-2.0 joins a mosaic memory system as an
 * interfering master, through the TLM target bridge (sim/systemc/tlm_bridge.h).
 *
 * Five copies of the memory system of dma_memory.h run side by side, each on its own mosaic
 * kernel, all in one sc_start: a victim on bus input 0 streams 2000 dependent 64-byte reads;
 * on input 1 a DMA engine (an SC_THREAD with a tlm_initiator_socket) copies a 1 MiB buffer in
 * 64-byte chunks (a read, then a write 1 MiB higher), pausing `gap` between chunks, until the
 * victim is done. The copies: no DMA at all, a DMA that is bound but idle, and DMA gaps of
 * 200, 50 and 0 ns. For each it prints the victim's mean latency and the DMA's throughput, as
 * `name: value` lines. The idle DMA's victim figures equal the no-DMA ones exactly.
 *
 *     build/examples/tlm_dma
 */
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>

#include <cstdio>
#include <cstdlib>
#include <string>

#include "sim/sim.h"
#include "sim/systemc/examples/dma_memory.h"
#include "sim/systemc/sim_systemc.h"
#include "sim/systemc/tlm_bridge.h"
#include "sim/systemc/tlm_bridge_sc.h"

namespace
{

constexpr uint32_t VICTIM_READS = 2000;
constexpr uint64_t BUFFER_BYTES = 1ULL << 20;
constexpr uint64_t SRC_BASE = 16ULL << 20;

SC_MODULE(dma_engine)
{
        tlm_utils::simple_initiator_socket<dma_engine> socket;
        bool enabled = false;
        sc_core::sc_time gap;
        const struct dma_memory *memory = nullptr; /* runs until its victim is done */
        uint64_t bytes = 0;
        uint64_t errors = 0;
        unsigned char chunk[64] = {};

        SC_CTOR(dma_engine) : socket("socket")
        {
                SC_THREAD(run);
        }

        void transfer(tlm::tlm_command cmd, uint64_t addr)
        {
                tlm::tlm_generic_payload gp;
                gp.set_command(cmd);
                gp.set_address(addr);
                gp.set_data_ptr(chunk);
                gp.set_data_length(sizeof(chunk));
                gp.set_streaming_width(sizeof(chunk));
                gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
                sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
                socket->b_transport(gp, delay); /* returns at mosaic's completion time */
                if (gp.is_response_error())
                        errors++;
                else
                        bytes += sizeof(chunk);
        }

        void run()
        {
                if (!enabled)
                        return;
                for (uint64_t offset = 0; dma_memory_victim_completed(memory) < VICTIM_READS;
                     offset = (offset + sizeof(chunk)) % BUFFER_BYTES) {
                        transfer(tlm::TLM_READ_COMMAND, SRC_BASE + offset);
                        transfer(tlm::TLM_WRITE_COMMAND, SRC_BASE + BUFFER_BYTES + offset);
                        if (gap > sc_core::SC_ZERO_TIME)
                                wait(gap);
                }
        }
};

struct dma_system {
        const char *name;
        bool has_dma;
        bool dma_enabled;
        int gap_ns;
        struct sim *sim = nullptr;
        struct dma_memory *memory = nullptr;
        struct tlm_bridge_target *bridge = nullptr;
        dma_engine *dma = nullptr;
};

bool build(dma_system *s)
{
        s->sim = sim_create(&sim_backend_systemc);
        if (!s->sim)
                return false;
        s->memory = dma_memory_create(s->sim, VICTIM_READS);
        if (!s->memory)
                return false;
        if (!s->has_dma)
                return true;
        std::string name(s->name);
        s->bridge = tlm_bridge_target_create((name + "_bridge").c_str(), s->sim,
                                             dma_memory_port(s->memory), /* input */ 1);
        if (!s->bridge)
                return false;
        s->dma = new dma_engine((name + "_dma").c_str());
        s->dma->socket.bind(tlm_bridge_target_socket(s->bridge));
        s->dma->enabled = s->dma_enabled;
        s->dma->gap = sc_core::sc_time(s->gap_ns, sc_core::SC_NS);
        s->dma->memory = s->memory;
        return true;
}

} // namespace

int sc_main(int argc, char *argv[])
{
        (void)argc;
        (void)argv;
        dma_system systems[] = {
                { "no_dma", false, false, 0 },     { "idle_dma", true, false, 0 },
                { "dma_gap200", true, true, 200 }, { "dma_gap50", true, true, 50 },
                { "dma_gap0", true, true, 0 },
        };
        for (dma_system &s : systems) {
                if (!build(&s)) {
                        std::fprintf(stderr, "tlm_dma: cannot build %s\n", s.name);
                        return EXIT_FAILURE;
                }
        }
        sc_core::sc_start(sc_core::sc_time(10, sc_core::SC_MS));

        int status = EXIT_SUCCESS;
        for (dma_system &s : systems) {
                uint32_t done = dma_memory_victim_completed(s.memory);
                double mean_ns = static_cast<double>(dma_memory_victim_latency_ps(s.memory)) /
                                 1000.0 / static_cast<double>(done);
                double end_us = static_cast<double>(dma_memory_victim_end_ps(s.memory)) / 1e6;
                std::printf("%s_victim_mean_latency_ns: %.3f\n", s.name, mean_ns);
                std::printf("%s_victim_end_us: %.3f\n", s.name, end_us);
                if (s.dma && s.dma_enabled) {
                        /* bytes / ps * 1e6 = MB/s; the DMA stops with the victim. */
                        double mb_per_s = static_cast<double>(s.dma->bytes) /
                                          static_cast<double>(dma_memory_victim_end_ps(s.memory)) *
                                          1e6;
                        std::printf("%s_dma_mb_per_s: %.1f\n", s.name, mb_per_s);
                }
                if (done != VICTIM_READS || (s.dma && s.dma->errors != 0))
                        status = EXIT_FAILURE;
        }
        if (dma_memory_victim_latency_ps(systems[1].memory) !=
            dma_memory_victim_latency_ps(systems[0].memory)) {
                std::fprintf(stderr, "tlm_dma: an idle DMA changed the victim's latency\n");
                status = EXIT_FAILURE;
        }
        for (dma_system &s : systems) {
                tlm_bridge_target_destroy(s.bridge);
                dma_memory_destroy(s.memory);
                sim_destroy(s.sim);
        }
        return status;
}
