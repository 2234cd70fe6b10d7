/*
 * dram: a DRAM controller and devices with channels, banks, open-page row buffers, refresh
 * and FR-FCFS scheduling.
 *
 * Address mapping (all counts powers of two), from the least significant bit:
 *   | row (the rest, modulo rows) | bank | column | channel | byte within a burst |
 * with log2(burst_bytes) offset bits, log2(channels) channel bits (consecutive bursts go to
 * alternate channels), log2(row_bytes / burst_bytes) column bits (row_bytes is one bank's row
 * on one channel) and log2(banks) bank bits; dram_decode() gives the fields. A request of
 * size s takes ceil(s / burst_bytes) bursts in consecutive columns of the same row (it must
 * not cross a row); reads and writes have the same timing (tCWL taken equal to tCL).
 *
 * Timing parameters are DRAM clock cycles of `clock_hz`, each converted once to picoseconds
 * at init (sim_cycles_to_ps, nearest). For a request chosen at time t on bank b, with
 * start = max(t, b.ready):
 *   row hit  (b's open row): CAS at start;
 *   empty    (no open row):  ACT at start, CAS at ACT + tRCD;
 *   conflict (another row):  PRE at max(start, b.last_ACT + tRAS), ACT at PRE + tRP,
 *                            CAS at ACT + tRCD;
 * data starts at max(CAS + tCL, the channel's data bus free) and lasts bursts * burst_cycles;
 * the request completes at its end. So an isolated request costs tCL + burst (hit),
 * tRCD + tCL + burst (empty) or tRP + tRCD + tCL + burst (conflict, tRAS elapsed). The bank
 * is ready for its next column command at CAS + bursts * burst_cycles; the row stays open
 * (open-page policy).
 *
 * Scheduling, per channel: requests queue in arrival order. The controller chooses one at a
 * time, in class SIM_PRIO_LOW (so same-instant arrivals compete): FR-FCFS, the oldest request
 * that hits its bank's open row, else the oldest request. It chooses the next one when the
 * chosen request's CAS issues, so row hits stream back to back on the data bus while a row
 * conflict delays the requests behind it. Refresh: with tREFI > 0, refresh k of a channel is
 * due at k * tREFI; it starts at max(due, the end of the channel's last data transfer),
 * closes every row and keeps every bank busy for tRFC. It is applied when the controller
 * next chooses (requests arriving during a refresh wait for its end and find their rows
 * closed). Completions run in class SIM_PRIO_HIGH at the end of the data transfer. Counters:
 * row hits, empties, conflicts, refreshes, per channel, and the queueing delay (the time from a
 * request's arrival until the controller chooses it: behind other requests, a refresh, or the
 * previous request's CAS), summed per channel and, optionally, every sample in a histogram.
 * No allocation after init (but the histogram's own buckets).
 *
 * Integration: the platform's "dram" entry (clock, geometry, timings from the part's
 * datasheet, e.g. DDR4-2400 on the ZCU102) builds one controller as the interconnect's target;
 * the fast fidelity replaces it with a latency-versus-load curve fitted against this model.
 */
#ifndef MOSAIC_HW_DRAM_H
#define MOSAIC_HW_DRAM_H

#include <stdbool.h>
#include <stdint.h>

#include "models/hw/mem_port.h"
#include "sim/sim.h"
#include "sim/stats.h"

struct dram_config {
        uint64_t clock_hz;
        uint32_t channels;
        uint32_t banks; /* per channel (ranks x bank groups x banks, flattened) */
        uint32_t rows;  /* per bank */
        uint32_t row_bytes;
        uint32_t burst_bytes;
        uint32_t t_rcd;
        uint32_t t_rp;
        uint32_t t_cl;
        uint32_t t_ras; /* 0: not enforced */
        uint32_t burst_cycles;
        uint32_t t_refi; /* 0: no refresh */
        uint32_t t_rfc;
        uint32_t queue_limit; /* per channel; 0: unbounded */
};

struct dram_address {
        uint32_t channel;
        uint32_t bank;
        uint32_t row;
        uint32_t column; /* in bursts */
};

struct dram_bank {
        int64_t open_row; /* -1: precharged */
        sim_time_t act_ps;
        sim_time_t ready_ps;
};

struct dram_channel_stats {
        uint64_t requests;
        uint64_t row_hits;
        uint64_t row_empty;
        uint64_t row_conflicts;
        uint64_t refreshes;
        sim_time_t queue_delay_ps; /* sum over requests of (chosen - arrival) */
};

struct dram_channel {
        struct dram *dram;
        struct mem_fifo queue;
        struct dram_bank *banks;
        sim_time_t bus_free_ps;
        sim_time_t next_choice_ps;
        sim_time_t refresh_due_ps;
        sim_event_id choice_event;
        struct mem_done_queue done;
        struct dram_channel_stats stats;
};

struct dram {
        const struct dram_config *config;
        struct sim *sim;
        struct dram_channel *channels;
        unsigned offset_bits, channel_bits, column_bits, bank_bits;
        sim_time_t t_rcd_ps, t_rp_ps, t_cl_ps, t_ras_ps, burst_ps, t_refi_ps, t_rfc_ps;
        /* Optional (set after init, NULL: none): every request's queueing delay in ps (the
         * time from its arrival at the controller until the controller chooses it); a failed
         * record (-ENOMEM) is kept in histogram_error. */
        struct histogram *queue_delay_histogram;
        int histogram_error;
};

/* 0, -EINVAL, -ENOMEM. The config must outlive the controller. */
int dram_init(struct dram *dram, const struct dram_config *config, struct sim *sim);
void dram_fini(struct dram *dram);
struct mem_port dram_mem_port(struct dram *dram);

struct dram_address dram_decode(const struct dram *dram, uint64_t addr);
const struct dram_channel_stats *dram_channel_stats(const struct dram *dram, uint32_t channel);
/* The open row of a bank, -1 when precharged (as of the last choice on its channel). */
int64_t dram_open_row(const struct dram *dram, uint32_t channel, uint32_t bank);

#endif
