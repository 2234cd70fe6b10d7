#include "models/hw/mem_profile.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEM_GEN_GOLDEN      0x9e3779b97f4a7c15ULL
#define MEM_GEN_SHARED_SALT 0x5348415245444d45ULL  /* "SHAREDME" */
#define MEM_GEN_LCG_MULT    6364136223846793005ULL /* = 1 mod 4: full period with an odd add */

static uint32_t profile_access_bytes(const struct mem_profile *profile)
{
        return profile->access_bytes != 0 ? profile->access_bytes : 8;
}

static uint64_t profile_granule(const struct mem_profile *profile)
{
        switch (profile->pattern) {
        case MEM_PATTERN_POINTER_CHASE:
                return profile->stride_bytes != 0 ? profile->stride_bytes : 64;
        case MEM_PATTERN_STRIDED:
                return profile->stride_bytes;
        default:
                return profile_access_bytes(profile);
        }
}

int mem_profile_validate(const struct mem_profile *profile)
{
        if (profile->name == NULL || !(profile->base_cpi >= 0.0) ||
            profile->writes_per_thousand > 1000 || profile->shared_per_million > 1000000)
                return -EINVAL;
        if (profile->shared_per_million > 0 &&
            profile->shared_bytes < profile_access_bytes(profile))
                return -EINVAL;
        if (profile->pattern == MEM_PATTERN_TRACE)
                return profile->trace != NULL && profile->trace->count > 0 ? 0 : -EINVAL;
        if (profile->pattern > MEM_PATTERN_TRACE || profile_granule(profile) == 0)
                return -EINVAL;
        if (profile->working_set_bytes < profile_granule(profile) ||
            profile->working_set_bytes < profile_access_bytes(profile))
                return -EINVAL;
        return 0;
}

void mem_gen_init(struct mem_gen *gen, const struct mem_profile *profile, uint64_t seed,
                  uint16_t initiator, uint64_t base)
{
        *gen = (struct mem_gen){ .profile = profile,
                                 .base = base,
                                 .size_bytes = profile_access_bytes(profile) };
        rng_init(&gen->rng, rng_stream_seed(seed, profile->name) + initiator * MEM_GEN_GOLDEN);
        if (profile->shared_per_million > 0) {
                rng_init(&gen->shared_rng,
                         (rng_stream_seed(seed, profile->name) ^ MEM_GEN_SHARED_SALT) +
                             initiator * MEM_GEN_GOLDEN);
                gen->shared_granules = profile->shared_bytes / gen->size_bytes;
                gen->shared_threshold = (0 - gen->shared_granules) % gen->shared_granules;
        }
        if (profile->pattern == MEM_PATTERN_TRACE)
                return;
        gen->granule = profile_granule(profile);
        gen->granules = profile->working_set_bytes / gen->granule;
        gen->granules_threshold = (0 - gen->granules) % gen->granules;
        if (profile->pattern == MEM_PATTERN_POINTER_CHASE) {
                uint64_t span = 1;

                while (span < gen->granules)
                        span <<= 1;
                gen->lcg_mask = span - 1;
                gen->lcg_add = rng_next(&gen->rng) | 1;
                gen->position = rng_range(&gen->rng, 0, gen->granules - 1);
        }
}

/* Instructions before the next access: instruction k carries floor(k*apki/1000) -
 * floor((k-1)*apki/1000) accesses. `spacing` is (instructions so far * apki) mod 1000 plus
 * the accesses already due but not yet handed out, times 1000 (gen_one). */

static void gen_trace_next(struct mem_gen *gen, struct mem_access *out)
{
        const struct mem_trace *trace = gen->profile->trace;
        const struct mem_trace_access *a = &trace->accesses[gen->position];

        out->addr = gen->base + a->addr;
        out->size_bytes = a->size_bytes;
        out->op = a->op;
        out->gap_instructions = a->gap_instructions;
        if (gen->position == 0 && gen->spacing != 0) /* wrapped: the trailing instructions */
                out->gap_instructions += (uint32_t)trace->tail_instructions;
        gen->position++;
        if (gen->position == trace->count) {
                gen->position = 0;
                gen->spacing = 1;
        }
}

/*
 * ceil(2^64 / d) for 2 <= d < 2^32 (d = 1 is not representable; gen_one divides by 1 itself):
 * then n / d = floor(n * ceil(2^64 / d) / 2^64) exactly for every 32-bit n (Lemire, Kaser and
 * Kurz, "Faster remainder by direct computation", 2019, with F = 64 >= N + log2 d, N = 32),
 * which takes the division off the chain from one access's gap to the next.
 */
static uint64_t gen_apki_inverse(uint32_t d)
{
        return d > 1 ? UINT64_MAX / d + 1 : 0;
}

/* The generator's constants for a batch, read once into locals: stores into gen->batch could
 * otherwise alias the generator's own fields and force reloads. */
struct gen_params {
        uint64_t base;
        uint64_t granule;
        uint64_t granules;
        uint64_t granules_threshold; /* 2^64 mod granules: rng_range's rejection bound */
        uint64_t lcg_mask;
        uint64_t lcg_add;
        uint64_t apki_inverse;
        uint32_t apki;
        uint32_t writes_per_thousand;
        uint32_t size_bytes;
};

/* rng_range(rng, 0, n - 1) for 1 <= n, with threshold = 2^64 mod n computed by the caller:
 * the same draws and result (rng_range redraws while the low product word is below the
 * threshold, which is below n). */
static inline uint64_t gen_below(struct rng *rng, uint64_t n, uint64_t threshold)
{
        rng_u128 m = (rng_u128)rng_next(rng) * n;

        while (__builtin_expect((uint64_t)m < threshold, 0))
                m = (rng_u128)rng_next(rng) * n;
        return (uint64_t)(m >> 64);
}

#define GEN_WRITE_THRESHOLD 616 /* 2^64 mod 1000 */

/* One access of a profile that is not TRACE, of pattern `pattern` (a constant where this is
 * inlined), from the generator state passed by pointer (locals of the caller, so that they
 * stay in registers over a batch). */
__attribute__((always_inline)) static inline void gen_one(const struct gen_params *g,
                                                          enum mem_pattern pattern, struct rng *rng,
                                                          uint64_t *position, uint32_t *spacing,
                                                          struct mem_access *out)
{
        uint32_t apki = g->apki;
        uint64_t offset;

        /* the gap: see the comment above */
        if (*spacing >= 1000) {
                *spacing -= 1000;
                out->gap_instructions = 0;
        } else {
                uint32_t n = 1000 - *spacing + apki - 1;
                /* n / apki, by gen_apki_inverse */
                uint32_t gap = apki == 1 ? n : (uint32_t)(((rng_u128)g->apki_inverse * n) >> 64);

                *spacing = *spacing + gap * apki - 1000;
                out->gap_instructions = gap;
        }
        switch (pattern) {
        case MEM_PATTERN_SEQUENTIAL:
        case MEM_PATTERN_STRIDED:
                offset = *position * g->granule;
                *position = *position + 1 == g->granules ? 0 : *position + 1;
                break;
        case MEM_PATTERN_RANDOM:
                offset = gen_below(rng, g->granules, g->granules_threshold) * g->granule;
                break;
        default: {
                uint64_t x = *position;

                do
                        x = (x * MEM_GEN_LCG_MULT + g->lcg_add) & g->lcg_mask;
                while (x >= g->granules);
                *position = x;
                offset = x * g->granule;
                break;
        }
        }
        out->addr = g->base + offset;
        out->size_bytes = g->size_bytes;
        out->op = MEM_READ;
        if (g->writes_per_thousand != 0) /* a write with probability w / 1000 */
                out->op =
                    (uint8_t)(gen_below(rng, 1000, GEN_WRITE_THRESHOLD) < g->writes_per_thousand
                                  ? MEM_WRITE
                                  : MEM_READ);
}

/* A batch of `pattern` accesses (a constant where this is inlined). */
__attribute__((always_inline)) static inline void gen_batch(struct mem_gen *gen,
                                                            enum mem_pattern pattern)
{
        const struct mem_profile *profile = gen->profile;
        const struct gen_params g = {
                .base = gen->base,
                .granule = gen->granule,
                .granules = gen->granules,
                .granules_threshold = gen->granules_threshold,
                .lcg_mask = gen->lcg_mask,
                .lcg_add = gen->lcg_add,
                .apki_inverse = gen_apki_inverse(profile->accesses_per_kilo_instruction),
                .apki = profile->accesses_per_kilo_instruction,
                .writes_per_thousand = profile->writes_per_thousand,
                .size_bytes = gen->size_bytes,
        };
        struct rng rng = gen->rng;
        uint64_t position = gen->position;
        uint32_t spacing = gen->spacing;
        struct mem_access *batch = gen->batch;

        for (uint32_t i = 0; i < MEM_GEN_BATCH; i++)
                gen_one(&g, pattern, &rng, &position, &spacing, &batch[i]);
        gen->rng = rng;
        gen->position = position;
        gen->spacing = spacing;
}

/* Send the batch's accesses to the shared region with their probability (see the header). */
static void gen_shared(struct mem_gen *gen)
{
        const struct mem_profile *profile = gen->profile;
        /* a share of p per million: below p * 2^64 / 10^6 (p = 10^6: always) */
        uint64_t below = profile->shared_per_million >= 1000000
                             ? UINT64_MAX
                             : (uint64_t)(((rng_u128)profile->shared_per_million << 64) / 1000000);

        for (uint32_t i = 0; i < MEM_GEN_BATCH; i++) {
                struct mem_access *a = &gen->batch[i];

                if (rng_next(&gen->shared_rng) >= below && below != UINT64_MAX)
                        continue;
                a->addr = profile->shared_base +
                          gen_below(&gen->shared_rng, gen->shared_granules, gen->shared_threshold) *
                              gen->size_bytes;
                a->size_bytes = gen->size_bytes;
        }
}

void mem_gen_refill(struct mem_gen *gen)
{
        const struct mem_profile *profile = gen->profile;

        gen->batch_next = 0;
        gen->batch_count = MEM_GEN_BATCH;
        switch (profile->pattern) {
        case MEM_PATTERN_TRACE:
                for (uint32_t i = 0; i < MEM_GEN_BATCH; i++)
                        gen_trace_next(gen, &gen->batch[i]);
                break;
        case MEM_PATTERN_RANDOM:
                assert(profile->accesses_per_kilo_instruction > 0);
                gen_batch(gen, MEM_PATTERN_RANDOM);
                break;
        case MEM_PATTERN_POINTER_CHASE:
                assert(profile->accesses_per_kilo_instruction > 0);
                gen_batch(gen, MEM_PATTERN_POINTER_CHASE);
                break;
        default:
                assert(profile->accesses_per_kilo_instruction > 0);
                gen_batch(gen, MEM_PATTERN_SEQUENTIAL);
                break;
        }
        if (profile->shared_per_million > 0)
                gen_shared(gen);
}

/* ---- trace parsing ----------------------------------------------------------------------- */

struct trace_builder {
        struct mem_trace trace;
        size_t capacity;
        uint64_t pending_instructions;
};

static int builder_push(struct trace_builder *b, uint8_t op, uint64_t addr, uint64_t size)
{
        struct mem_trace_access *a;

        if (b->trace.count == b->capacity) {
                size_t capacity = b->capacity != 0 ? 2 * b->capacity : 256;
                void *grown = realloc(b->trace.accesses, capacity * sizeof(*a));

                if (grown == NULL)
                        return -ENOMEM;
                b->trace.accesses = grown;
                b->capacity = capacity;
        }
        a = &b->trace.accesses[b->trace.count++];
        *a = (struct mem_trace_access){ .addr = addr,
                                        .gap_instructions = (uint32_t)b->pending_instructions,
                                        .size_bytes = (uint32_t)size,
                                        .op = op };
        b->pending_instructions = 0;
        return 0;
}

static const char *skip_blanks(const char *p, const char *end)
{
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r'))
                p++;
        return p;
}

/* An unsigned number in `base`; NULL if there is none or it overflows. */
static const char *parse_number(const char *p, const char *end, unsigned base, uint64_t *out)
{
        uint64_t value = 0;
        const char *start;

        if (base == 16 && end - p > 2 && p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
                p += 2;
        start = p;
        for (; p < end; p++) {
                unsigned digit;

                if (*p >= '0' && *p <= '9')
                        digit = (unsigned)(*p - '0');
                else if (base == 16 && *p >= 'a' && *p <= 'f')
                        digit = (unsigned)(*p - 'a' + 10);
                else if (base == 16 && *p >= 'A' && *p <= 'F')
                        digit = (unsigned)(*p - 'A' + 10);
                else
                        break;
                if (value > (UINT64_MAX - digit) / base)
                        return NULL;
                value = value * base + digit;
        }
        if (p == start)
                return NULL;
        *out = value;
        return p;
}

/* Parse one line [p, end): 0, -EINVAL with the reason in *why, -ENOMEM. */
static int parse_line(struct trace_builder *b, const char *p, const char *end, const char **why)
{
        uint64_t addr, size;
        char kind;
        bool lackey;
        int rc;

        p = skip_blanks(p, end);
        if (p == end || *p == '#' || (end - p >= 2 && p[0] == '=' && p[1] == '='))
                return 0;
        kind = *p++;
        if (p == end || (*p != ' ' && *p != '\t')) {
                *why = "expected R, W, I, L, S or M and a blank";
                return -EINVAL;
        }
        p = skip_blanks(p, end);
        lackey = memchr(p, ',', (size_t)(end - p)) != NULL;
        p = parse_number(p, end, lackey || kind != 'I' ? 16 : 10, &addr);
        if (p == NULL) {
                *why = kind == 'I' && !lackey ? "bad instruction count" : "bad address";
                return -EINVAL;
        }
        if (kind == 'I' && !lackey) {
                size = 0;
        } else {
                p = lackey ? p + (p < end && *p == ',') : skip_blanks(p, end);
                p = parse_number(p, end, 10, &size);
                if (p == NULL || size == 0 || size > UINT32_MAX) {
                        *why = "bad size";
                        return -EINVAL;
                }
        }
        if (skip_blanks(p, end) != end) {
                *why = "trailing characters";
                return -EINVAL;
        }
        switch (kind) {
        case 'I':
                b->pending_instructions += lackey ? 1 : addr;
                b->trace.instructions += lackey ? 1 : addr;
                if (b->pending_instructions > UINT32_MAX) {
                        *why = "more than 2^32-1 instructions between two accesses";
                        return -EINVAL;
                }
                return 0;
        case 'R':
        case 'L':
                return builder_push(b, MEM_READ, addr, size);
        case 'W':
        case 'S':
                return builder_push(b, MEM_WRITE, addr, size);
        case 'M':
                rc = builder_push(b, MEM_READ, addr, size);
                return rc != 0 ? rc : builder_push(b, MEM_WRITE, addr, size);
        default:
                *why = "unknown record kind";
                return -EINVAL;
        }
}

int mem_trace_parse(const char *text, size_t len, struct mem_trace *out, char *err, size_t errlen)
{
        struct trace_builder b = { 0 };
        const char *p = text, *end = text + len;
        const char *why = NULL;
        unsigned long line = 0;
        int rc = 0;

        *out = (struct mem_trace){ 0 };
        while (p < end && rc == 0) {
                const char *eol = memchr(p, '\n', (size_t)(end - p));

                if (eol == NULL)
                        eol = end;
                line++;
                rc = parse_line(&b, p, eol, &why);
                p = eol + (eol < end);
        }
        if (rc == 0 && b.trace.count == 0) {
                rc = -EINVAL;
                why = "no accesses";
        }
        if (rc != 0) {
                if (err != NULL && errlen > 0)
                        snprintf(err, errlen, "line %lu: %s", rc == -ENOMEM ? 0UL : line,
                                 rc == -ENOMEM ? "out of memory" : why);
                free(b.trace.accesses);
                return rc;
        }
        b.trace.tail_instructions = b.pending_instructions;
        *out = b.trace;
        return 0;
}

void mem_trace_fini(struct mem_trace *trace)
{
        free(trace->accesses);
        *trace = (struct mem_trace){ 0 };
}
