/*
 * rng: xoshiro256** (Blackman and Vigna) seeded through splitmix64; stream seeds from 64-bit
 * FNV-1a of the component name. The exact definitions are in sim/rng.h.
 */
#include "sim/rng.h"

#include <assert.h>
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

static inline uint64_t rotl(uint64_t x, int k)
{
        return (x << k) | (x >> (64 - k));
}

uint64_t rng_next(struct rng *rng)
{
        uint64_t *s = rng->s;
        uint64_t result = rotl(s[1] * 5, 7) * 9;
        uint64_t t = s[1] << 17;

        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rotl(s[3], 45);
        return result;
}

double rng_uniform(struct rng *rng)
{
        return (double)(rng_next(rng) >> 11) * 0x1.0p-53;
}

__extension__ typedef unsigned __int128 rng_u128;

/* Lemire's multiply-shift with rejection: unbiased, one multiply in the common case. */
uint64_t rng_range(struct rng *rng, uint64_t lo, uint64_t hi)
{
        assert(lo <= hi);
        uint64_t span = hi - lo;
        if (span == UINT64_MAX)
                return rng_next(rng);
        uint64_t n = span + 1;
        rng_u128 m = (rng_u128)rng_next(rng) * n;
        uint64_t low = (uint64_t)m;
        if (low < n) {
                uint64_t threshold = (0 - n) % n; /* 2^64 mod n */
                while (low < threshold) {
                        m = (rng_u128)rng_next(rng) * n;
                        low = (uint64_t)m;
                }
        }
        return lo + (uint64_t)(m >> 64);
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
