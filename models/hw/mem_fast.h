/*
 * mem_fast: the `fast` fidelity: an analytic occupancy and queueing model of the memory
 * hierarchy that mem_exec simulates access by access (private L1, shared LLC with colours and
 * ways, one bus, DRAM with banks and open rows, an optional MemGuard regulator). For the set
 * of segments running at the same time it solves, in closed form plus a small fixed point,
 * how many picoseconds each of their instructions takes; a segment's time is then its
 * instructions times that rate, re-solved whenever the set of co-runners changes.
 *
 * Notation for a load j (one initiator running profile p): a = apki / 1000 accesses per
 * instruction, W = working set, g = the address granule (access size; stride; chase node
 * spacing), line = cache line, u = min(1, g / line) new lines per access, w = write share,
 * k = MSHRs, cycle = 1 / core clock.
 *
 * Miss ratio (misses per access) of a cache level of capacity C (LRU, fully associative):
 *   cyclic patterns (SEQUENTIAL, STRIDED, POINTER_CHASE):  m(C) = 0 if W <= C, else u
 *       (a lap reuses each line after W bytes of other lines: LRU keeps all or nothing);
 *   RANDOM and TRACE (W from the profile):                 m(C) = u * max(0, 1 - C / W).
 * L1: m1 = m(l1_bytes). LLC: m_llc = m(C_j) and m2 = m_llc / m1 (misses per L1 miss).
 *
 * LLC capacity of j (fractional occupancy, FOA). j may use the cells (colour, way) of its
 * masks: P_j = |colours_j| / colours * |ways_j| / ways of the LLC, i.e. cap_j = llc * P_j.
 * A co-runner k inserts into j's cells a fraction f_jk = |P_j n P_k| / |P_k| of its LLC
 * misses. With insertion rates lambda (L1 misses per second),
 *   C_j = cap_j * lambda_j / (lambda_j + sum_k f_jk lambda_k),
 * then water-filling: a load whose C_j >= W_j keeps exactly W_j, and the others split what
 * is left of their cells in the same proportions (repeated until nobody else fits).
 *
 * DRAM access time D_j = r_j * row_hit + (1 - r_j) * row_conflict. Row-hit ratio r_j = r0_j *
 * s_j: on its own, sequential and strided streams r0 = 1 - max(g, line) / row (one row
 * opening per row of data, if g < row), random and chase accesses r0 = min(1, banks * row /
 * W) (1 / rows of W per bank); s_j = exp(-sum_k X_k (1 - r0_k) / (banks * X_j)) is the chance
 * that no other load's row-opening request (X = DRAM requests per ps; streams walking their
 * own rows close nobody's) lands in j's bank between two of j's requests (Poisson arrivals
 * spread evenly over the banks).
 *
 * Queueing. Every L1 miss of j is a customer of a closed network: j has N_j of them in
 * circulation (N_j = 1 for POINTER_CHASE, whose next address needs the load; N_j = MSHRs
 * otherwise). Per miss a customer visits, with service demands (ps):
 *   core_j  (j's own core, one server)    core_j = (base_cpi * cycle + a * l1_hit) / mu_j,
 *                                         mu_j = a * m1 (L1 misses per instruction)
 *   bus     (shared, one server)          bus_j  = m2 * (1 + d_j) * bus
 *   DRAM    (shared, per channel)         dram_j = m2 * (1 + d_j) * S_j / channels
 *   latency nobody queues for             delay_j = llc_hit + m2 * (D_j - S_j / channels)
 * where d_j is the dirty share of evicted lines (write-backs: 1 - (1 - w)^(line / g) for
 * streams, w otherwise) and S_j the time a request holds a DRAM channel: r_j * burst +
 * (1 - r_j) * max(burst, row_conflict - row_hit) (row hits stream on the data bus; the
 * controller of dram.h chooses the next request when the current CAS issues, so row
 * conflicts are serialised at tRP + tRCD whatever the bank). The network is solved by
 * approximate mean value analysis (Bard-Schweitzer) with a deterministic-service residual:
 * at a station of demand D, a miss of j waits for what it sees queued, Q_seen = sum_k Q_k -
 * Q_j / N_j, of which the request in service (probability U_seen = sum_k U_k - U_j / N_j,
 * U = X * D) has only half its service left, as in M/D/1:
 *   R_j = D * (1 + Q_seen - U_seen / 2),   X_j = N_j / (R_core + R_bus + R_dram + delay_j),
 *   X_j <= 1 / core_j,   Q_j = X_j * R_j  (per station),
 * iterated to a fixed point together with the LLC shares (lambda = X). A single customer
 * sees no queue, so an unloaded segment gets exactly the unloaded latencies; at high load the
 * waits grow as rho S / (2 (1 - rho)) does for many independent customers, but saturate at
 * the closed population instead of diverging.
 *
 * Time per instruction t_j = mu_j / X_j (core-bound: the compute plus L1 hit time; memory-
 * bound: N_j misses per round trip; a pointer chase: core_j + miss latency per miss). A
 * regulator with budget B bytes per period P caps j's DRAM bytes at B / P:
 * X_j <= B / (P * m2 * (1 + d_j) * line), throttle_factor = the uncapped over the capped rate.
 * Not modelled: L1 cold misses, associativity conflicts, FR-FCFS reordering between loads.
 * The solver stops when no throughput moves by more than 1e-9 (relative) or
 * after 4000 iterations.
 *
 * Coherence (shared regions, mem_profile.h): loads j and k share when both have a shared share
 * of the same region. Load i makes shared accesses at a_i per ps (its shared accesses per
 * instruction / t_i), uniformly over the region's lines; the others' shared writes come at W_-i
 * = sum_k a_k w_k and all their shared accesses at A_-i = sum_k a_k. Per line these are
 * competing Poisson processes, so a line i touches was written by another core since i's last
 * touch with probability W_-i / (a_i + W_-i) (mem_fast_coherence_miss_share): that share of
 * i's shared accesses are coherence misses served cache-to-cache (coherence_transfers, also
 * counted in the segment's l1_misses but not in the core's LLC lookups), and a
 * write of i finds another core's copy with probability A_-i / (a_i + A_-i) and invalidates it
 * (coherence_invalidations). Each transfer, and each invalidation that is not also a transfer,
 * costs llc_hit_ps on the core (the platform's directory charges the LLC hit latency for both):
 *   t_i = t0_i + s_i (P_w + w_i max(0, P_a - P_w)) llc_hit_ps,   s_i shared accesses per instr.,
 * solved by MEM_FAST_COHERENCE_ROUNDS rounds of substitution over t (the term is small), after
 * and without feedback into the queueing fixed point. Only co-running loads count: sharers that
 * run at other times are not seen (their hand-overs are then under-estimated). The shared
 * accesses' L1 hits are counted with the private pattern's miss ratio (not modelled apart).
 *
 * Warm-up (struct mem_fast_system only): the solution is a steady state with every line of a
 * load's share resident. When a profiled segment starts, the part of its share that is not
 * resident is reloaded first (C_j here: 0 for a
 * cyclic pattern whose working set does not fit, as LRU then gives it no hits): lines = (C_j -
 * surviving) / line, charged as lines x (max(0, F / N_j - k_j) - max(0, L / N_j - k_j)) of extra
 * time (F the latency of one fill from DRAM, L the steady miss latency, k_j the core's work per L1
 * miss: N_j outstanding misses hide what the core's work covers) and counted as LLC misses (they
 * are L1 misses in the steady state already); for a RANDOM load whose share is below its working
 * set, only the fraction x / (1 + x) of the deficit, x = -ln(1 - C_j / W_j), since the co-runners
 * keep evicting its lines while it reloads (the deficit relaxes per access at 1 / W + 1 / (x W) of
 * itself). surviving is 0 for a profile that was not the last to leave this core (so the first run
 * pays the cold misses); else the bytes R it had then, less what LRU has evicted since: the I bytes
 * the other cores inserted into j's cells since (their LLC misses x line, x f_jk) first replace the
 * cap_j - R bytes of older lines, then j's: surviving = max(0, R - max(0, I - (cap_j - R))). This
 * is what makes a periodic task's co-runners evict its lines between its jobs.
 *
 * struct mem_fast_system runs segments (struct mem_exec_segment, the same ones as the
 * detailed engine) on N cores with this model: start/preempt re-solve the running set (a set of
 * loads solved recently, equal field by field, reuses that solution: the solver is a pure
 * function of the loads and the config; profiles are compared by address, so a profile must not
 * change while the system may run it), move
 * every running segment's progress to now and reschedule its completion (one kernel event
 * per core and change, not per access). It provides the same struct mem_exec_port. A
 * segment's generator is not used here (it may be NULL); its statistics get the instructions
 * the time beyond compute and L1 hits as stall_ps, and the expected L1 and LLC misses (instructions
 * x apki / 1000 x m1, and x m2, counted as whole misses with the fraction carried per core), which
 * each core also sums over everything it ran (l1_misses, llc_misses). The system integrates the
 * bus and DRAM data-bus utilisations of the successive solutions over time, plus a bus transfer
 * and a DRAM burst per reloaded line of a warm-up (bus_busy_ps, dram_busy_ps: divided by the
 * elapsed time, the utilisations a detailed run measures).
 */
#ifndef MOSAIC_HW_MEM_FAST_H
#define MOSAIC_HW_MEM_FAST_H

#include <stddef.h>
#include <stdint.h>

#include "models/hw/core.h"
#include "models/hw/mem_exec.h"
#include "models/hw/mem_profile.h"
#include "sim/sim.h"

#define MEM_FAST_MAX_LOADS        64
#define MEM_FAST_COHERENCE_ROUNDS 32

struct mem_fast_config {
        uint64_t core_clock_hz;
        uint32_t line_bytes;
        uint32_t mshrs;
        uint64_t l1_bytes;
        sim_time_t l1_hit_ps;
        uint64_t llc_bytes;
        uint32_t llc_ways;
        uint32_t llc_colours; /* 0 or 1: no colouring */
        sim_time_t llc_hit_ps;
        sim_time_t bus_transfer_ps;      /* one line */
        sim_time_t dram_row_hit_ps;      /* tCL + burst */
        sim_time_t dram_row_conflict_ps; /* tRP + tRCD + tCL + burst */
        sim_time_t dram_burst_ps;
        uint32_t dram_row_bytes;
        uint32_t dram_banks; /* all channels */
        uint32_t dram_channels;
        sim_time_t regulator_period_ps;
};

/* One initiator running a profile. */
struct mem_fast_load {
        const struct mem_profile *profile;
        uint64_t colour_mask;            /* 0: all colours */
        uint64_t way_mask;               /* 0: all ways */
        uint64_t regulator_budget_bytes; /* per period; 0: unregulated */
};

struct mem_fast_estimate {
        double l1_miss_ratio;       /* m1 */
        double llc_miss_ratio;      /* m2, per L1 miss */
        double llc_bytes;           /* C_j */
        double miss_latency_ps;     /* below L1: bus and DRAM residence plus delay */
        double llc_miss_latency_ps; /* of one fill from DRAM (unloaded when m2 = 0) */
        double ps_per_instruction;
        double dram_requests_per_s;
        double throttle_factor;                         /* >= 1: slowdown from the regulator */
        double coherence_transfers_per_instruction;     /* 0 without shared regions */
        double coherence_invalidations_per_instruction; /* 0 without shared regions */
};

struct mem_fast_solution {
        double bus_utilisation;
        double dram_utilisation;      /* the busier of the command and data stations */
        double dram_data_utilisation; /* data-bus time, per channel */
        double bus_queue;             /* mean requests at the bus */
        double dram_queue;            /* mean requests at DRAM */
        unsigned iterations;
};

/* Solve `n` (<= MEM_FAST_MAX_LOADS) concurrent loads: 0, or -EINVAL for a bad config or
 * profile. `solution` may be NULL. */
int mem_fast_solve(const struct mem_fast_config *config, const struct mem_fast_load *loads,
                   size_t n, struct mem_fast_estimate *out, struct mem_fast_solution *solution);

/* The share of a core's shared accesses that find their line written by another core since
 * its last touch: others_write_rate / (own_rate + others_write_rate), 0 when both are 0 (see
 * "Coherence" above; rates in any one unit). */
double mem_fast_coherence_miss_share(double own_rate, double others_write_rate);

/* ---- segments on N cores under the model ------------------------------------------------- */

struct mem_fast_system;

struct mem_fast_core {
        struct mem_fast_system *system;
        struct mem_fast_load load; /* profile comes from the running segment */
        struct mem_exec_segment *segment;
        double instructions_left; /* of the running segment, fractional */
        double ps_per_instruction;
        sim_time_t since_ps; /* progress accounted up to here */
        sim_event_id event;
        exec_done_fn done;
        void *done_arg;
        sim_time_t busy_ps;
        double l1_misses_per_instruction; /* of the running profile, from the solution */
        double llc_misses_per_instruction;
        double core_ps_per_instruction; /* compute and L1 hits: the rest is stall */
        double stall_carry;
        double l1_miss_carry; /* fractional misses not yet counted in the segment */
        double llc_miss_carry;
        struct mem_exec_segment plain; /* for the exec_port adapter */
        double llc_share_bytes;        /* of the running profile, from the solution */
        double miss_latency_ps;        /* of one LLC miss (llc_miss_latency_ps) */
        double steady_latency_ps;      /* of an L1 miss in the solution (miss_latency_ps) */
        double inserted_bytes;         /* LLC lines this core has inserted, cumulative */
        uint64_t l1_misses;            /* counted into its segments, cumulative */
        uint64_t llc_misses;
        /* Residency (see "Warm-up" above): the profile that last left this core, its LLC
         * bytes then, and every core's inserted_bytes at that moment. */
        const struct mem_profile *resident_profile;
        double resident_bytes;
        double *inserted_at_stop;
        double transfers_per_instruction; /* coherence, of the running profile */
        double invalidations_per_instruction;
        double transfer_carry;
        double invalidation_carry;
};

/* Recent solutions, reused when the same loads run together again (a periodic task and its
 * co-runners repeat a few running sets): entry i holds memo_n[i] loads and estimates. */
#define MEM_FAST_MEMO 8

struct mem_fast_system {
        const struct mem_fast_config *config;
        struct sim *sim;
        size_t core_count;
        struct mem_fast_core *cores;
        uint64_t solves;    /* running-set changes solved */
        uint64_t memo_hits; /* ... of which answered from the memo */
        size_t memo_n[MEM_FAST_MEMO];
        size_t memo_next;                         /* the entry to replace next */
        struct mem_fast_load *memo_loads;         /* MEM_FAST_MEMO x core_count */
        struct mem_fast_estimate *memo_estimates; /* MEM_FAST_MEMO x core_count */
        struct mem_fast_solution memo_solutions[MEM_FAST_MEMO];
        /* Resource use over time: the current solution's utilisations, and their integrals
         * (busy ps) up to busy_since_ps. */
        struct mem_fast_solution current;
        double bus_busy_ps;
        double dram_busy_ps; /* data-bus time per channel, as dram_data_utilisation */
        sim_time_t busy_since_ps;
};

/* 0, -EINVAL, -ENOMEM. */
int mem_fast_system_init(struct mem_fast_system *s, const struct mem_fast_config *config,
                         struct sim *sim, size_t cores);
void mem_fast_system_fini(struct mem_fast_system *s);
/* The LLC colours / ways and regulator budget of core i's initiator (0: none). */
void mem_fast_core_partition(struct mem_fast_system *s, size_t core, uint64_t colour_mask,
                             uint64_t way_mask, uint64_t regulator_budget_bytes);
int mem_fast_start(struct mem_fast_system *s, size_t core, struct mem_exec_segment *seg,
                   exec_done_fn done, void *arg);
void mem_fast_preempt(struct mem_fast_system *s, size_t core);
bool mem_fast_busy(const struct mem_fast_system *s, size_t core);
/* Bring every running segment's progress and statistics, and the busy integrals, up to now
 * (for reading them at the end of a run); the running set and its completion events are
 * unchanged. */
void mem_fast_sync(struct mem_fast_system *s);
/* The segment port of core i (resource = &s->cores[i]). */
struct mem_exec_port mem_fast_segment_port(struct mem_fast_system *s, size_t core);
/* Core i as a plain execution resource (core.h semantics: work in picoseconds at
 * core_clock_hz), for work without a profile such as context switches. */
struct exec_port mem_fast_exec_port(struct mem_fast_system *s, size_t core);

#endif
