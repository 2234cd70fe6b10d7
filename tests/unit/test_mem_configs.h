/*
 * The configurations on which the fast model is held to the detailed one (test_mem_fast.c)
 * and whose worst error bench_memory reports: a victim on core 0, 0..3 streaming hogs on the
 * other cores of the harness SoC (test_mem_harness.h).
 */
#ifndef MOSAIC_TESTS_UNIT_TEST_MEM_CONFIGS_H
#define MOSAIC_TESTS_UNIT_TEST_MEM_CONFIGS_H

#include <stddef.h>

#include "tests/unit/test_mem_harness.h"

/* Hogs: sequential 8-B reads over 16 MiB, CPI 1, one access per instruction: 2.667 GB/s
 * each when unhindered. */
static const struct mem_profile mem_config_hog = { .name = "hog",
                                                   .base_cpi = 1.0,
                                                   .accesses_per_kilo_instruction = 1000,
                                                   .working_set_bytes = 16 << 20,
                                                   .pattern = MEM_PATTERN_SEQUENTIAL };
/* Victims: a pointer chase that lives in the LLC alone (256 KiB), one that lives in DRAM
 * (4 MiB), a random reader/writer (8 MiB, 200 accesses per 1000 instructions). */
static const struct mem_profile mem_config_chase_llc = { .name = "chase-llc",
                                                         .base_cpi = 1.0,
                                                         .accesses_per_kilo_instruction = 1000,
                                                         .working_set_bytes = 256 << 10,
                                                         .pattern = MEM_PATTERN_POINTER_CHASE };
static const struct mem_profile mem_config_chase_dram = { .name = "chase-dram",
                                                          .base_cpi = 1.0,
                                                          .accesses_per_kilo_instruction = 1000,
                                                          .working_set_bytes = 4 << 20,
                                                          .pattern = MEM_PATTERN_POINTER_CHASE };
static const struct mem_profile mem_config_random = { .name = "random",
                                                      .base_cpi = 1.0,
                                                      .accesses_per_kilo_instruction = 200,
                                                      .working_set_bytes = 8 << 20,
                                                      .pattern = MEM_PATTERN_RANDOM,
                                                      .writes_per_thousand = 200 };

/* 0-3: chase-llc with 0..3 hogs; 4-7: chase-dram with 0..3 hogs; 8: random solo; 9, 10: a
 * regulated stream alone and beside 2 regulated hogs. */
#define MEM_CONFIG_COUNT 11

static inline struct harness_scenario mem_config(size_t i)
{
        struct harness_scenario sc = { .options = { .cores = 1, .bus_width = 16, .mshrs = 8 },
                                       .hog = &mem_config_hog };

        if (i < 4) {
                sc.label = "chase-llc";
                sc.victim = &mem_config_chase_llc;
                sc.victim_warmup_instructions = 8192;
                sc.victim_instructions = 40000;
                sc.options.cores = (unsigned)i + 1;
        } else if (i < 8) {
                sc.label = "chase-dram";
                sc.victim = &mem_config_chase_dram;
                sc.victim_warmup_instructions = 65536;
                sc.victim_instructions = 40000;
                sc.options.cores = (unsigned)i - 3;
        } else if (i == 8) {
                sc.label = "random";
                sc.victim = &mem_config_random;
                sc.victim_warmup_instructions = 100000;
                sc.victim_instructions = 200000;
        } else {
                /* A stream held to 1280 B per 1 us by the regulator (20 lines per period),
                 * alone (9) or beside 2 hogs under the same budget each (10). */
                sc.label = "regulated-stream";
                sc.victim = &mem_config_hog;
                sc.victim_warmup_instructions = 10000;
                sc.victim_instructions = 100000;
                sc.options.regulator_budget_bytes = 1280;
                sc.options.regulator_period_ps = SIM_PS_PER_US;
                sc.options.cores = i == 9 ? 1 : 3;
        }
        return sc;
}

#endif
