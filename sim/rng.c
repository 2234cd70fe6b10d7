/*
 * rng: xoshiro256** (Blackman and Vigna) seeded through splitmix64; stream seeds from 64-bit
 * FNV-1a of the component name. The exact definitions are in sim/rng.h.
 */
#include "sim/rng.h"

#include <math.h>

#define FNV1A64_OFFSET   0xcbf29ce484222325ULL
#define FNV1A64_PRIME    0x100000001b3ULL
#define SPLITMIX64_GAMMA 0x9e3779b97f4a7c15ULL
#define TWO_PI           6.283185307179586476925286766559

static uint64_t splitmix64_next(uint64_t *state)
{
        uint64_t z = (*state += SPLITMIX64_GAMMA);

        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
        return z ^ (z >> 31);
}

static uint64_t fnv1a64(const char *text)
{
        uint64_t hash = FNV1A64_OFFSET;

        for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
                hash ^= *p;
                hash *= FNV1A64_PRIME;
        }
        return hash;
}

uint64_t rng_stream_seed(uint64_t seed, const char *name)
{
        uint64_t state = seed;
        uint64_t mixed_seed = splitmix64_next(&state);

        state = mixed_seed ^ fnv1a64(name);
        return splitmix64_next(&state);
}

void rng_init(struct rng *rng, uint64_t stream_seed)
{
        uint64_t state = stream_seed;

        for (int i = 0; i < 4; i++)
                rng->s[i] = splitmix64_next(&state);
}

void rng_init_named(struct rng *rng, uint64_t seed, const char *name)
{
        rng_init(rng, rng_stream_seed(seed, name));
}

double rng_uniform(struct rng *rng)
{
        return (double)(rng_next(rng) >> 11) * 0x1.0p-53;
}

double rng_normal(struct rng *rng, double mean, double stddev)
{
        /* 1 - u is in (0, 1], so the logarithm is finite. */
        double radius = sqrt(-2.0 * log(1.0 - rng_uniform(rng)));
        double angle = TWO_PI * rng_uniform(rng);

        return mean + stddev * radius * cos(angle);
}

double rng_exponential(struct rng *rng, double mean)
{
        return -mean * log1p(-rng_uniform(rng));
}
