/*
 * dma_memory: the mosaic (C) half of the tlm_dma example: a DDR4-2400-like DRAM (one channel,
 * 16 banks, 2 KiB rows, tCL = tRCD = tRP = 16 cycles at 1.2 GHz, tRAS 39, refresh every 7.8 us
 * for 350 ns) behind a 16-byte, 600 MHz round-robin bus with two inputs, and a "victim" on
 * input 0 that streams `reads` dependent 64-byte reads through a 256 KiB buffer at 0, each
 * issued when the previous completes, from time 0. Input 1 is left for a SystemC master. Pure C
 * (C++ cannot include the C11 memory-model headers); the structure is opaque.
 */
#ifndef MOSAIC_SIM_SYSTEMC_EXAMPLES_DMA_MEMORY_H
#define MOSAIC_SIM_SYSTEMC_EXAMPLES_DMA_MEMORY_H

#include <stdint.h>

#include "sim/sim.h"

#ifdef __cplusplus
extern "C" {
#endif

struct mem_port;
struct dma_memory;

/* NULL on failure. */
struct dma_memory *dma_memory_create(struct sim *sim, uint32_t reads);
void dma_memory_destroy(struct dma_memory *m);
/* The bus's port: a request's initiator is its input (0: the victim). */
const struct mem_port *dma_memory_port(const struct dma_memory *m);
uint32_t dma_memory_victim_completed(const struct dma_memory *m);
/* Sum of the victim's latencies, and the time its last read completed. */
sim_time_t dma_memory_victim_latency_ps(const struct dma_memory *m);
sim_time_t dma_memory_victim_end_ps(const struct dma_memory *m);

#ifdef __cplusplus
}
#endif

#endif
