/*
 * io_test_config: the cache cost table the device-model tests and the bench share, the one of
 * tests/unit/test_vq_sim.c: 1 GHz (one cycle = 1 ns), 64-byte lines, L1 32 KiB 4-way, LLC
 * 1 MiB 16-way (no evictions at these sizes), L1 hit 4 cycles, LLC hit 30, DRAM 80 ns,
 * cache-to-cache transfer 100, invalidation of a shared copy 20, barriers acquire 1 /
 * release 2 / full 20. Guest RAM of `bytes` at IO_TEST_BASE.
 */
#ifndef MOSAIC_TESTS_IO_IO_TEST_CONFIG_H
#define MOSAIC_TESTS_IO_IO_TEST_CONFIG_H

#include "models/io/vq_sim_mem.h"

#define IO_TEST_BASE 0x80000000ull

static inline struct vq_sim_config io_test_sim_config(uint64_t bytes)
{
        return (struct vq_sim_config){ .gpa_base = IO_TEST_BASE,
                                       .size_bytes = bytes,
                                       .clock_hz = 1000000000,
                                       .line_bytes = 64,
                                       .l1_size_bytes = 32768,
                                       .l1_ways = 4,
                                       .llc_size_bytes = 1u << 20,
                                       .llc_ways = 16,
                                       .l1_hit_cycles = 4,
                                       .llc_hit_cycles = 30,
                                       .dram_ps = 80000,
                                       .transfer_cycles = 100,
                                       .invalidate_cycles = 20,
                                       .barrier_cycles = { 1, 2, 20 } };
}

#endif
