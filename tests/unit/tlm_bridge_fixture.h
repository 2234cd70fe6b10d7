/*
 * tlm_bridge_fixture: the mosaic (C) side of test_tlm_bridge.cpp, which cannot include the C-only
 * memory-model headers. A "memory system" is a bus (16 bytes per cycle at 1 GHz, round robin,
 * 2 inputs) in front of a DRAM (1 GHz, 1 channel, 8 banks, 1024 rows of 2 KiB, 64-byte bursts,
 * tRCD = tCL = tRP = 14 cycles, 4-cycle bursts, no tRAS, no refresh) on a given kernel, with
 * optionally a victim on input 0: 16 reads of 64 bytes at 0, 64, ..., 960 (bank 0, row 0),
 * each issued when the previous one completes, the first at kernel time 0. An "adapter system"
 * is a 1-input bus of the same timing in front of a given port, with three requests (see
 * test_tlm_bridge.cpp). Pure C; the structures are opaque. fixture_metrics_diff compares two
 * metrics registries exactly, for test_tlm_scenario.cpp.
 */
#ifndef MOSAIC_TESTS_UNIT_TLM_BRIDGE_FIXTURE_H
#define MOSAIC_TESTS_UNIT_TLM_BRIDGE_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

#define FIXTURE_VICTIM_REQUESTS 16

struct mem_port;
struct fixture_memory;
struct fixture_adapter;

struct fixture_victim {
        int completed;
        int submit_failures;
        sim_time_t latency_ps[FIXTURE_VICTIM_REQUESTS];
        sim_time_t total_ps; /* sum of latencies */
        sim_time_t last_done_ps;
};

struct fixture_dram_counts {
        uint64_t requests, row_hits, row_empty, row_conflicts;
};

/* NULL on failure. `queue_limit`: the bus's per-input limit (0: unbounded). */
struct fixture_memory *fixture_memory_create(struct sim *sim, bool with_victim,
                                             uint32_t queue_limit);
void fixture_memory_destroy(struct fixture_memory *m);
/* The bus's port (input index = the request's initiator). */
const struct mem_port *fixture_memory_port(const struct fixture_memory *m);
const struct fixture_victim *fixture_memory_victim(const struct fixture_memory *m);
struct fixture_dram_counts fixture_memory_dram(const struct fixture_memory *m);

struct fixture_request {
        sim_time_t done_ps;
        sim_time_t latency_ps;
};

/*
 * At 1000 ps: A (read 64 bytes at 0) into the bus, B (write 32 bytes at 0x2000) straight into
 * `port`; from A's completion, C (read 64 bytes at 0) straight into `port`.
 */
struct fixture_adapter *fixture_adapter_create(struct sim *sim, const struct mem_port *port);
void fixture_adapter_destroy(struct fixture_adapter *a);
/* Request 0, 1, 2: A, B, C. */
struct fixture_request fixture_adapter_request(const struct fixture_adapter *a, int index);
int fixture_adapter_submit_failures(const struct fixture_adapter *a);

struct metrics;
/*
 * 0 when `a` and `b` hold the same metrics in the same order with exactly the same values
 * (counters, gauges compared as doubles with ==, histograms' count, min, max, sum and every
 * bucket); otherwise 1, with the first difference described in `what`.
 */
int fixture_metrics_diff(const struct metrics *a, const struct metrics *b, char *what,
                         size_t what_size);

#ifdef __cplusplus
}
#endif

#endif
