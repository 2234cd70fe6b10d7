/*
 * test_tlm_bridge: the TLM-2.0 bridges (sim/systemc/tlm_bridge.h) in a SystemC simulation that
 * owns sc_main. It is also the example of both directions.
 *
 * Eight independent systems are elaborated side by side, each on its own mosaic kernel (all on
 * SystemC's one clock, all with origin 0), and run by one sc_start; the Check tests then assert
 * on what each recorded. The mosaic side (memory systems, the victim's C driver on mem_port) is
 * in tlm_bridge_fixture.c; the SystemC side (a DMA master, an LT memory) is here. Systems 1-3 are
 * the same memory system: a bus (16 bytes per cycle at 1 GHz, round robin, 2 inputs) in front of a
 * DRAM (1 GHz, 1 channel, 8 banks, 2 KiB rows, 64-byte bursts, tRCD = tCL = tRP = 14 cycles, burst
 * 4 cycles, no tRAS, no refresh), with a mosaic "victim" on input 0 (a C driver on mem_port: 16
 * reads of 64 bytes of bank 0 row 0, columns 0..15, each issued when the previous completes, the
 * first at time 0):
 *   1. solo: nothing else;
 *   2. idle master: a SystemC DMA master (SC_THREAD, tlm_initiator_socket) bound to a target
 *      bridge on input 1, issuing nothing;
 *   3. active master: the same master issuing 32 writes of 64 bytes to bank 0 row 1 (a row
 *      conflict with the victim's row) back to back from time 0.
 * Solo by hand (1 cycle = 1000 ps): a request crosses the bus in ceil(64 / 16) = 4 cycles, is
 * granted at arrival (idle bus), reaches the DRAM 4000 ps after issue and is chosen then. The
 * first finds bank 0 precharged: ACT, CAS tRCD = 14000 later, data tCL = 14000 after CAS for
 * 4000: latency 4000 + 14000 + 14000 + 4000 = 36000 ps. Each later one hits the open row (the
 * bank was ready 4000 ps after the previous CAS): 4000 + 14000 + 4000 = 22000 ps. Total
 * 36000 + 15 * 22000 = 366000 ps; mean 366000 / 16 = 22875 ps. The idle master must give
 * exactly this; the active one must make it larger.
 *   4. LT entry: a master that issues one read with 10 ns annotated on the bridge of an
 *      otherwise idle copy of the memory system: b_transport waits the 10 ns, the request
 *      enters mosaic at 10000 ps and takes 36000 ps (empty bank, as above); b_transport
 *      returns at 46000 ps with a zero delay.
 *   5. mosaic -> SystemC: a bus (1 input, as above) whose target is an initiator bridge bound
 *      to a SystemC memory target. That target annotates 30 ns for addresses below 0x1000, and
 *      for the others waits 20 ns and annotates 5 ns. Requests: A, read 64 bytes at 0 through
 *      the bus at 1000 ps; B, write 32 bytes at 0x2000 straight into the bridge port at
 *      1000 ps; C, read 64 bytes at 0 into the bridge port from A's completion. By hand:
 *      B's b_transport runs at 1000, returns at 21000 with 5 ns: completes at 26000 (latency
 *      25000). A crosses the bus (4000): b_transport at 5000 while B's is still waiting (two
 *      workers), completes at 5000 + 30000 = 35000 (latency 34000). C: b_transport at 35000,
 *      completes at 65000 (latency 30000).
 *   6. -EBUSY: the memory system with the bus's per-input queue limited to 1 and a SystemC module
 *      whose two threads each read 64 bytes (at 0 and at 64) through one target bridge at time
 *      0. The first submission fills input 1's queue, so the second gets -EBUSY and retries
 *      after the first completes: 36000 ps (empty bank, as above). Its retry reaches the DRAM
 *      4000 ps later and hits the open row: data at 40000 + 14000 for 4000, so it returns at
 *      58000 with a latency of 58000 counted from its call at 0.
 *   7, 8. Pieces: two more idle copies of the memory system (no victim), where a master reads
 *      256 bytes at 0 (bank 0, row 0, columns 0..3) at time 0 through a target bridge.
 *      Whole (no maximum request size): one request crosses the bus in 256 / 16 = 16 cycles and
 *      reaches the DRAM at 16000; ACT then, CAS at 30000, data from 44000 for 4 bursts of 4000:
 *      returns at 60000 (1 DRAM request). Split at 64 bytes: four requests enter input 1's
 *      queue at 0 and cross the bus one after the other, reaching the DRAM at 4000, 8000, 12000
 *      and 16000. The first finds the bank empty: CAS 18000, data 32000..36000. The DRAM
 *      chooses again at its last CAS; each next piece is a row hit whose CAS waits for the bank
 *      (ready one burst after the previous CAS) and whose data wait for the data bus: CAS 22000,
 *      26000, 30000, data ending 40000, 44000, 48000. So b_transport returns at 48000, with 4
 *      DRAM requests (1 empty, 3 row hits) and one transaction of 256 bytes in the stats.
 */
#include <systemc>
#include <tlm>
#include <tlm_utils/simple_initiator_socket.h>
#include <tlm_utils/simple_target_socket.h>

#include <check.h>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "sim/sim.h"
#include "sim/systemc/sim_systemc.h"
#include "sim/systemc/tlm_bridge.h"
#include "sim/systemc/tlm_bridge_sc.h"
#include "tests/unit/tlm_bridge_fixture.h"

namespace
{

constexpr int MASTER_WRITES = 32;
constexpr uint64_t ROW_SHIFT = 6 + 5 + 3; /* burst offset, column and bank bits */
constexpr sim_time_t SOLO_TOTAL_PS = 36000 + 15 * 22000;

/* ---- a DMA-like master in plain SystemC/TLM ---- */

SC_MODULE(dma_master)
{
        tlm_utils::simple_initiator_socket<dma_master> socket;
        int writes = 0; /* writes to issue */
        bool single_read = false;
        uint32_t read_bytes = 64;     /* of the single read */
        sc_core::sc_time entry_delay; /* annotated on each call */
        uint64_t base = 0;
        std::vector<uint64_t> return_ps;
        std::vector<uint64_t> return_delay_ps;
        int errors = 0;
        unsigned char buffer[256] = {};

        SC_CTOR(dma_master) : socket("socket")
        {
                SC_THREAD(run);
        }

        void transfer(tlm::tlm_command cmd, uint64_t addr, uint32_t bytes = 64)
        {
                tlm::tlm_generic_payload gp;
                gp.set_command(cmd);
                gp.set_address(addr);
                gp.set_data_ptr(buffer);
                gp.set_data_length(bytes);
                gp.set_streaming_width(bytes);
                gp.set_response_status(tlm::TLM_INCOMPLETE_RESPONSE);
                sc_core::sc_time delay = entry_delay;
                socket->b_transport(gp, delay);
                errors += gp.is_response_error() ? 1 : 0;
                return_ps.push_back(sc_core::sc_time_stamp().value());
                return_delay_ps.push_back(delay.value());
        }

        void run()
        {
                for (int i = 0; i < writes; i++)
                        transfer(tlm::TLM_WRITE_COMMAND, base + static_cast<uint64_t>(i % 32) * 64);
                if (single_read)
                        transfer(tlm::TLM_READ_COMMAND, base, read_bytes);
        }
};

/* ---- a SystemC memory target with fixed timing ---- */

SC_MODULE(lt_memory)
{
        tlm_utils::simple_target_socket<lt_memory> socket;
        std::vector<uint64_t> call_ps;

        SC_CTOR(lt_memory) : socket("socket")
        {
                socket.register_b_transport(this, &lt_memory::b_transport);
        }

        void b_transport(tlm::tlm_generic_payload & gp, sc_core::sc_time & delay)
        {
                call_ps.push_back(sc_core::sc_time_stamp().value());
                if (gp.get_address() < 0x1000) {
                        delay += sc_core::sc_time(30, sc_core::SC_NS);
                } else {
                        wait(sc_core::sc_time(20, sc_core::SC_NS));
                        delay += sc_core::sc_time(5, sc_core::SC_NS);
                }
                gp.set_response_status(tlm::TLM_OK_RESPONSE);
        }
};

/* ---- two threads sharing one socket ---- */

SC_MODULE(twin_reader)
{
        tlm_utils::simple_initiator_socket<twin_reader> socket;
        std::vector<uint64_t> return_ps;
        int errors = 0;

        SC_CTOR(twin_reader) : socket("socket")
        {
                SC_THREAD(first);
                SC_THREAD(second);
        }

        void read(uint64_t addr)
        {
                unsigned char buffer[64] = {};
                tlm::tlm_generic_payload gp;
                gp.set_command(tlm::TLM_READ_COMMAND);
                gp.set_address(addr);
                gp.set_data_ptr(buffer);
                gp.set_data_length(sizeof(buffer));
                gp.set_streaming_width(sizeof(buffer));
                sc_core::sc_time delay = sc_core::SC_ZERO_TIME;
                socket->b_transport(gp, delay);
                errors += gp.is_response_error() ? 1 : 0;
                return_ps.push_back(sc_core::sc_time_stamp().value());
        }

        void first()
        {
                read(0);
        }
        void second()
        {
                read(64);
        }
};

/* ---- systems 1-4 and 6: bus + DRAM, optionally with a SystemC master behind a target bridge ----
 */

struct memory_system {
        struct sim *sim = nullptr;
        struct fixture_memory *memory = nullptr;
        struct tlm_bridge_target *bridge = nullptr;
        dma_master *master = nullptr;
};

bool memory_system_build(memory_system *s, const char *name, bool with_victim,
                         uint32_t queue_limit = 0)
{
        s->sim = sim_create(&sim_backend_systemc);
        if (!s->sim)
                return false;
        s->memory = fixture_memory_create(s->sim, with_victim, queue_limit);
        if (!s->memory)
                return false;
        if (name) {
                std::string bridge_name = std::string(name) + "_bridge";
                std::string master_name = std::string(name) + "_master";
                /* The SystemC master occupies bus input 1. */
                s->bridge = tlm_bridge_target_create(bridge_name.c_str(), s->sim,
                                                     fixture_memory_port(s->memory), 1);
                if (!s->bridge)
                        return false;
                s->master = new dma_master(master_name.c_str());
                s->master->socket.bind(tlm_bridge_target_socket(s->bridge));
        }
        return true;
}

void memory_system_finish(memory_system *s)
{
        tlm_bridge_target_destroy(s->bridge);
        fixture_memory_destroy(s->memory);
        sim_destroy(s->sim);
}

/* ---- system 5: mosaic requests served by a SystemC target through an initiator bridge ---- */

struct adapter_system {
        struct sim *sim = nullptr;
        struct tlm_bridge_initiator *bridge = nullptr;
        lt_memory *memory = nullptr;
        struct fixture_adapter *requests = nullptr;
};

bool adapter_system_build(adapter_system *s)
{
        s->sim = sim_create(&sim_backend_systemc);
        if (!s->sim)
                return false;
        s->bridge = tlm_bridge_initiator_create("adapter_bridge", s->sim);
        if (!s->bridge)
                return false;
        s->memory = new lt_memory("lt_memory");
        tlm_bridge_initiator_socket(s->bridge).bind(s->memory->socket);
        s->requests = fixture_adapter_create(s->sim, tlm_bridge_initiator_mem_port(s->bridge));
        return s->requests != nullptr;
}

void adapter_system_finish(adapter_system *s)
{
        fixture_adapter_destroy(s->requests);
        tlm_bridge_initiator_destroy(s->bridge);
        sim_destroy(s->sim);
}

memory_system g_solo, g_idle, g_active, g_lt, g_busy, g_whole, g_split;
adapter_system g_adapter;
twin_reader *g_twins;

START_TEST(test_solo_matches_hand_computation)
{
        const struct fixture_victim *v = fixture_memory_victim(g_solo.memory);
        ck_assert_int_eq(v->submit_failures, 0);
        ck_assert_int_eq(v->completed, FIXTURE_VICTIM_REQUESTS);
        ck_assert_uint_eq(v->latency_ps[0], 36000);
        for (int i = 1; i < FIXTURE_VICTIM_REQUESTS; i++)
                ck_assert_uint_eq(v->latency_ps[i], 22000);
        ck_assert_uint_eq(v->total_ps, SOLO_TOTAL_PS);
        ck_assert_uint_eq(v->last_done_ps, SOLO_TOTAL_PS); /* issued back to back from 0 */
}
END_TEST

START_TEST(test_idle_master_changes_nothing)
{
        const struct fixture_victim *solo = fixture_memory_victim(g_solo.memory);
        const struct fixture_victim *v = fixture_memory_victim(g_idle.memory);
        ck_assert_int_eq(v->completed, FIXTURE_VICTIM_REQUESTS);
        ck_assert_uint_eq(v->total_ps, SOLO_TOTAL_PS);
        ck_assert_uint_eq(v->last_done_ps, solo->last_done_ps);
        for (int i = 0; i < FIXTURE_VICTIM_REQUESTS; i++)
                ck_assert_uint_eq(v->latency_ps[i], solo->latency_ps[i]);
        ck_assert_uint_eq(tlm_bridge_target_stats(g_idle.bridge)->transactions, 0);
        ck_assert_uint_eq(g_idle.master->return_ps.size(), 0);
}
END_TEST

START_TEST(test_active_master_interferes)
{
        const struct fixture_victim *solo = fixture_memory_victim(g_solo.memory);
        const struct fixture_victim *v = fixture_memory_victim(g_active.memory);
        ck_assert_int_eq(v->submit_failures, 0);
        ck_assert_int_eq(v->completed, FIXTURE_VICTIM_REQUESTS);
        ck_assert_uint_gt(v->total_ps, SOLO_TOTAL_PS);
        ck_assert_uint_gt(v->last_done_ps, solo->last_done_ps);

        const struct tlm_bridge_stats *st = tlm_bridge_target_stats(g_active.bridge);
        ck_assert_uint_eq(st->transactions, MASTER_WRITES);
        ck_assert_uint_eq(st->errors, 0);
        ck_assert_uint_eq(st->bytes, MASTER_WRITES * 64);
        ck_assert_int_eq(g_active.master->errors, 0);
        ck_assert_uint_eq(g_active.master->return_ps.size(), MASTER_WRITES);
        /* Blocking and synchronised: every call returns with zero delay at mosaic's completion
         * time, so the bridge's latencies add up to the master's busy time (back to back from
         * 0) and the last call returns at the sum. */
        for (uint64_t d : g_active.master->return_delay_ps)
                ck_assert_uint_eq(d, 0);
        ck_assert_uint_eq(st->latency_ps, g_active.master->return_ps.back());
        /* The DRAM served both masters; the master's row 1 conflicts with the victim's row 0. */
        struct fixture_dram_counts dram = fixture_memory_dram(g_active.memory);
        ck_assert_uint_eq(dram.requests, FIXTURE_VICTIM_REQUESTS + MASTER_WRITES);
        ck_assert_uint_gt(dram.row_conflicts, 0);
        std::printf("tlm_bridge: victim total latency solo %llu ps, idle master %llu ps, active "
                    "master %llu ps; master mean latency %llu ps\n",
                    static_cast<unsigned long long>(solo->total_ps),
                    static_cast<unsigned long long>(fixture_memory_victim(g_idle.memory)->total_ps),
                    static_cast<unsigned long long>(v->total_ps),
                    static_cast<unsigned long long>(st->latency_ps / MASTER_WRITES));
}
END_TEST

START_TEST(test_annotated_delay_is_consumed)
{
        dma_master *m = g_lt.master;
        ck_assert_int_eq(m->errors, 0);
        ck_assert_uint_eq(m->return_ps.size(), 1);
        ck_assert_uint_eq(m->return_ps[0], 10000 + 36000);
        ck_assert_uint_eq(m->return_delay_ps[0], 0);
        const struct tlm_bridge_stats *st = tlm_bridge_target_stats(g_lt.bridge);
        ck_assert_uint_eq(st->transactions, 1);
        ck_assert_uint_eq(st->latency_ps, 36000);
        ck_assert_uint_eq(st->max_latency_ps, 36000);
        ck_assert_uint_eq(fixture_memory_dram(g_lt.memory).row_empty, 1);
}
END_TEST

START_TEST(test_mosaic_requests_reach_systemc_target)
{
        const adapter_system *s = &g_adapter;
        struct fixture_request a = fixture_adapter_request(s->requests, 0);
        struct fixture_request b = fixture_adapter_request(s->requests, 1);
        struct fixture_request c = fixture_adapter_request(s->requests, 2);
        ck_assert_int_eq(fixture_adapter_submit_failures(s->requests), 0);
        ck_assert_uint_eq(b.done_ps, 26000);
        ck_assert_uint_eq(b.latency_ps, 25000);
        ck_assert_uint_eq(a.done_ps, 35000);
        ck_assert_uint_eq(a.latency_ps, 34000);
        ck_assert_uint_eq(c.done_ps, 65000);
        ck_assert_uint_eq(c.latency_ps, 30000);
        /* b_transport calls in SystemC time: B at 1000, A at 5000 (B still waiting), C. */
        ck_assert_uint_eq(s->memory->call_ps.size(), 3);
        ck_assert_uint_eq(s->memory->call_ps[0], 1000);
        ck_assert_uint_eq(s->memory->call_ps[1], 5000);
        ck_assert_uint_eq(s->memory->call_ps[2], 35000);
        /* The bridge measures from its own port: A entered it at 5000. */
        const struct tlm_bridge_stats *st = tlm_bridge_initiator_stats(s->bridge);
        ck_assert_uint_eq(st->transactions, 3);
        ck_assert_uint_eq(st->errors, 0);
        ck_assert_uint_eq(st->bytes, 64 + 32 + 64);
        ck_assert_uint_eq(st->latency_ps, 25000 + 30000 + 30000);
        ck_assert_uint_eq(st->max_latency_ps, 30000);
}
END_TEST

START_TEST(test_busy_port_is_retried)
{
        ck_assert_int_eq(g_twins->errors, 0);
        ck_assert_uint_eq(g_twins->return_ps.size(), 2);
        ck_assert_uint_eq(g_twins->return_ps[0], 36000);
        ck_assert_uint_eq(g_twins->return_ps[1], 58000);
        const struct tlm_bridge_stats *st = tlm_bridge_target_stats(g_busy.bridge);
        ck_assert_uint_eq(st->transactions, 2);
        ck_assert_uint_eq(st->errors, 0);
        ck_assert_uint_eq(st->latency_ps, 36000 + 58000);
        ck_assert_uint_eq(st->max_latency_ps, 58000);
        struct fixture_dram_counts dram = fixture_memory_dram(g_busy.memory);
        ck_assert_uint_eq(dram.requests, 2);
        ck_assert_uint_eq(dram.row_empty, 1);
        ck_assert_uint_eq(dram.row_hits, 1);
}
END_TEST

START_TEST(test_transaction_pieces)
{
        ck_assert_int_eq(g_whole.master->errors, 0);
        ck_assert_uint_eq(g_whole.master->return_ps.size(), 1);
        ck_assert_uint_eq(g_whole.master->return_ps[0], 60000);
        ck_assert_uint_eq(fixture_memory_dram(g_whole.memory).requests, 1);

        ck_assert_int_eq(g_split.master->errors, 0);
        ck_assert_uint_eq(g_split.master->return_ps.size(), 1);
        ck_assert_uint_eq(g_split.master->return_ps[0], 48000);
        ck_assert_uint_eq(g_split.master->return_delay_ps[0], 0);
        struct fixture_dram_counts dram = fixture_memory_dram(g_split.memory);
        ck_assert_uint_eq(dram.requests, 4);
        ck_assert_uint_eq(dram.row_empty, 1);
        ck_assert_uint_eq(dram.row_hits, 3);
        const struct tlm_bridge_stats *st = tlm_bridge_target_stats(g_split.bridge);
        ck_assert_uint_eq(st->transactions, 1);
        ck_assert_uint_eq(st->errors, 0);
        ck_assert_uint_eq(st->bytes, 256);
        ck_assert_uint_eq(st->latency_ps, 48000);
}
END_TEST

} // namespace

int sc_main(int argc, char *argv[])
{
        (void)argc;
        (void)argv;
        /* Elaboration: every system's models, bridges and SystemC modules. */
        if (!memory_system_build(&g_solo, nullptr, true) ||
            !memory_system_build(&g_idle, "idle", true) ||
            !memory_system_build(&g_active, "active", true) ||
            !memory_system_build(&g_lt, "lt", false) || !adapter_system_build(&g_adapter) ||
            !memory_system_build(&g_whole, "whole", false) ||
            !memory_system_build(&g_split, "split", false) ||
            !memory_system_build(&g_busy, nullptr, false, 1)) {
                std::fprintf(stderr, "test_tlm_bridge: cannot build the systems\n");
                return EXIT_FAILURE;
        }
        g_active.master->writes = MASTER_WRITES;
        g_active.master->base = 1ULL << ROW_SHIFT; /* bank 0, row 1 */
        g_lt.master->single_read = true;
        g_lt.master->entry_delay = sc_core::sc_time(10, sc_core::SC_NS);
        for (memory_system *m : { &g_whole, &g_split }) {
                m->master->single_read = true;
                m->master->read_bytes = 256;
        }
        tlm_bridge_target_set_max_request(g_split.bridge, 64);
        g_busy.bridge = tlm_bridge_target_create("busy_bridge", g_busy.sim,
                                                 fixture_memory_port(g_busy.memory), 1);
        if (!g_busy.bridge)
                return EXIT_FAILURE;
        g_twins = new twin_reader("twins");
        g_twins->socket.bind(tlm_bridge_target_socket(g_busy.bridge));

        sc_core::sc_start(sc_core::sc_time(100, sc_core::SC_US));

        Suite *suite = suite_create("tlm_bridge");
        TCase *tc = tcase_create("bridge");
        tcase_add_test(tc, test_solo_matches_hand_computation);
        tcase_add_test(tc, test_idle_master_changes_nothing);
        tcase_add_test(tc, test_active_master_interferes);
        tcase_add_test(tc, test_annotated_delay_is_consumed);
        tcase_add_test(tc, test_mosaic_requests_reach_systemc_target);
        tcase_add_test(tc, test_busy_port_is_retried);
        tcase_add_test(tc, test_transaction_pieces);
        suite_add_tcase(suite, tc);
        SRunner *runner = srunner_create(suite);
        /* One SystemC context, already run: assert in this process. */
        srunner_set_fork_status(runner, CK_NOFORK);
        srunner_run_all(runner, CK_NORMAL);
        int failed = srunner_ntests_failed(runner);
        srunner_free(runner);
        memory_system_finish(&g_solo);
        memory_system_finish(&g_idle);
        memory_system_finish(&g_active);
        memory_system_finish(&g_lt);
        memory_system_finish(&g_busy);
        memory_system_finish(&g_whole);
        memory_system_finish(&g_split);
        adapter_system_finish(&g_adapter);
        return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
