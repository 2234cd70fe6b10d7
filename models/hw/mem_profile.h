/*
 * mem_profile: named, reusable memory-access profiles of task segments, their address
 * generators, and trace-driven sources.
 *
 * A struct mem_profile describes the work of a segment: a default length in instructions, a
 * base CPI (cycles per instruction when every memory access hits in L1 with its latency
 * charged separately), how many accesses it makes per 1000 instructions, the bytes it touches
 * (working set), the access pattern and the share of writes. The profile is immutable
 * configuration; it may be shared by any number of tasks and initiators.
 *
 * A struct mem_gen turns a profile into a deterministic stream of accesses for one initiator:
 * each call of mem_gen_next() gives the number of instructions executed before the access
 * (its gap), the address and the operation. Spacing: instruction k (from 1) carries an access
 * whenever floor(k * apki / 1000) grows, so a segment of N instructions makes exactly
 * floor(N * apki / 1000) accesses over the first N instructions (apki > 1000 puts several
 * accesses on one instruction, gap 0). Addresses are `base` plus an offset within the
 * working set W (rounded down to whole access granules):
 *   SEQUENTIAL    offsets 0, a, 2a, ... (a = access_bytes), wrapping at W;
 *   STRIDED       offsets 0, s, 2s, ... modulo W (s = stride_bytes);
 *   RANDOM        a uniform granule of W per access (independent draws);
 *   POINTER_CHASE nodes spaced stride_bytes apart (default 64, one per cache line); the
 *                 chase visits every node once per lap in a fixed pseudo-random order (a full
 *                 period linear congruential sequence x' = (A x + c) mod 2^k over the next
 *                 power of two >= nodes, skipping values >= nodes), so each lap touches the
 *                 whole working set and the next address depends on the previous load: the
 *                 execution engine keeps one such access outstanding;
 *   TRACE         the accesses of a struct mem_trace in order, wrapping at its end (the
 *                 trace's trailing instructions are added to the first access's gap).
 * The write decision (writes_per_thousand) and the random choices come from the generator's
 * own rng stream, rng_stream_seed(seed, profile name) advanced by the initiator index
 * (rng_init of that seed + initiator * 0x9e3779b97f4a7c15), so each (profile, initiator)
 * pair is reproducible and independent of every other component's draws.
 *
 * Shared memory (inter-OS shared regions, shared_per_million > 0): after the private stream
 * is drawn, each access is, with probability shared_per_million / 10^6, sent instead to a
 * uniformly random access granule of the shared region [shared_base, shared_base +
 * shared_bytes) (the private address it replaces is skipped; its gap, size and read/write
 * choice stay). These draws come from a second stream (the private stream's seed xor a
 * constant), so a profile's private stream is the same with or without sharing. Regions live at
 * MEM_PROFILE_SHARED_BASE and above, beyond every task's, ISR's and device's region
 * (platform_memory.h), and are never colour-translated.
 *
 * Trace text format (mem_trace_parse), one item per line, '#' starts a comment line:
 *   R <hex address> <size>     a read of <size> bytes (decimal), address with or without 0x
 *   W <hex address> <size>     a write
 *   I <count>                  <count> instructions (decimal) executed before the next access
 * and, in the same file or alone, valgrind lackey output (--tool=lackey --trace-mem=yes):
 *   I  <hex address>,<size>    one instruction fetched (counted as one instruction)
 *    L <hex address>,<size>    a load
 *    S <hex address>,<size>    a store
 *    M <hex address>,<size>    a modify: a load then a store of the same bytes (gap 0)
 * Lines starting with "==" (valgrind's banner) are skipped. For a TRACE profile the loader
 * should set working_set_bytes to the trace's footprint: the fast model (mem_fast.h) uses it. An
 * access follows the instructions counted since the previous access. Parsing happens once, at load
 * time, on a buffer the loader has read; models never open files.
 *
 * mem_gen_next() hands out accesses that mem_gen_refill() draws MEM_GEN_BATCH at a time (so
 * the generator's own state runs ahead of what it has handed out; the stream is the same).
 * Those drawn and not yet handed out are batch[batch_next .. batch_count): a consumer that
 * takes many in a row (the execution engine's loop) may walk them with a cursor of its own,
 * calling mem_gen_refill() when it reaches batch_count, and store its cursor's index back into
 * batch_next before the generator is used otherwise.
 */
#ifndef MOSAIC_HW_MEM_PROFILE_H
#define MOSAIC_HW_MEM_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "models/hw/mem_port.h"
#include "sim/rng.h"

enum mem_pattern {
        MEM_PATTERN_SEQUENTIAL,
        MEM_PATTERN_STRIDED,
        MEM_PATTERN_RANDOM,
        MEM_PATTERN_POINTER_CHASE,
        MEM_PATTERN_TRACE
};

struct mem_trace_access {
        uint64_t addr;
        uint32_t gap_instructions; /* instructions since the previous access */
        uint32_t size_bytes;
        uint8_t op; /* enum mem_op */
};

struct mem_trace {
        struct mem_trace_access *accesses;
        size_t count;
        uint64_t instructions;      /* all instructions of the trace */
        uint64_t tail_instructions; /* instructions after the last access */
};

struct mem_profile {
        const char *name; /* names the rng stream */
        uint64_t instructions;
        double base_cpi;
        uint32_t accesses_per_kilo_instruction;
        uint64_t working_set_bytes;
        enum mem_pattern pattern;
        uint32_t stride_bytes; /* STRIDED: the stride; POINTER_CHASE: node spacing (0: 64) */
        uint32_t access_bytes; /* size of each access, 0 means 8 */
        uint32_t writes_per_thousand;
        const struct mem_trace *trace; /* TRACE only */
        /* Shared memory (0 per million: none): that share of the accesses go instead to a
         * uniformly random granule of [shared_base, shared_base + shared_bytes), see above. */
        uint32_t shared_per_million;
        uint64_t shared_base;
        uint64_t shared_bytes;
};

/* One generated access. */
struct mem_access {
        uint64_t addr;
        uint32_t gap_instructions;
        uint32_t size_bytes;
        uint8_t op; /* enum mem_op */
};

/* Where shared regions start (512 GiB): above the 64 MiB regions of tasks, ISRs and devices. */
#define MEM_PROFILE_SHARED_BASE (1ULL << 39)

/* Accesses are drawn this many at a time, ahead of their use (the stream is the same). */
#define MEM_GEN_BATCH 64

struct mem_gen {
        const struct mem_profile *profile;
        struct rng rng;
        uint64_t base;
        uint64_t granules;           /* working set / granule (nodes for a pointer chase) */
        uint64_t granule;            /* bytes between successive addresses */
        uint64_t granules_threshold; /* 2^64 mod granules (RANDOM's unbiased draws) */
        uint64_t position;           /* offset, current node, or trace index */
        uint64_t lcg_mask;           /* POINTER_CHASE: 2^k - 1 */
        uint64_t lcg_add;            /* POINTER_CHASE: odd increment */
        uint32_t spacing;            /* Bresenham accumulator of the instruction spacing */
        uint32_t size_bytes;         /* access size */
        uint32_t batch_next;         /* the next access of `batch` to hand out */
        uint32_t batch_count;
        struct rng shared_rng;     /* shared-memory draws, apart from the private stream */
        uint64_t shared_granules;  /* shared_bytes / access size */
        uint64_t shared_threshold; /* 2^64 mod shared_granules */
        struct mem_access batch[MEM_GEN_BATCH];
};

/* 0, or -EINVAL when the profile is inconsistent (no name, CPI < 0, a working set smaller
 * than one access, a stride of 0 for STRIDED, no trace or an empty trace for TRACE, more than
 * 1000 writes per thousand, a shared share over 10^6 or one without a region of at least one
 * access). */
int mem_profile_validate(const struct mem_profile *profile);

/* A generator for `initiator` (see above); the profile must be valid and outlive it. */
void mem_gen_init(struct mem_gen *gen, const struct mem_profile *profile, uint64_t seed,
                  uint16_t initiator, uint64_t base);
/* Draw the next MEM_GEN_BATCH accesses into gen->batch (for mem_gen_next). */
void mem_gen_refill(struct mem_gen *gen);

/* The next access, in place: valid until the next call on this generator. A profile with no
 * accesses (apki 0, not TRACE) must not be asked. */
static inline const struct mem_access *mem_gen_take(struct mem_gen *gen)
{
        if (gen->batch_next == gen->batch_count)
                mem_gen_refill(gen);
        return &gen->batch[gen->batch_next++];
}

/* The next access (as mem_gen_take, copied). */
static inline void mem_gen_next(struct mem_gen *gen, struct mem_access *out)
{
        *out = *mem_gen_take(gen);
}

/*
 * Parse a trace (format above) from `text[0..len)`. 0 on success (out owns an allocation,
 * released by mem_trace_fini); -EINVAL with "line N: reason" in err (NUL-terminated,
 * truncated to errlen) on a malformed line or a trace without accesses; -ENOMEM. On failure
 * *out is left empty.
 */
int mem_trace_parse(const char *text, size_t len, struct mem_trace *out, char *err, size_t errlen);
void mem_trace_fini(struct mem_trace *trace);

#endif
