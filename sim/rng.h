/*
 * rng: deterministic random streams.
 *
 * Each component draws from its own stream, seeded from the scenario seed and the component's
 * name (rng_stream_seed), so adding or removing one component never changes another's draws.
 * The generator is xoshiro256**, seeded through splitmix64. Not for cryptography.
 */
#ifndef MOSAIC_SIM_RNG_H
#define MOSAIC_SIM_RNG_H

#include <assert.h>
#include <stdint.h>

struct rng {
        uint64_t s[4];
};

/*
 * The stream seed of component `name` under scenario seed `seed`. Exactly:
 *   sm(x)  = splitmix64's output for state x: z = x + 0x9e3779b97f4a7c15;
 *            z = (z ^ z >> 30) * 0xbf58476d1ce4e5b9; z = (z ^ z >> 27) * 0x94d049bb133111eb;
 *            return z ^ z >> 31
 *   fnv(n) = 64-bit FNV-1a of the bytes of n (offset 0xcbf29ce484222325, prime 0x100000001b3)
 *   rng_stream_seed(seed, n) = sm(sm(seed) ^ fnv(n))
 * rng_init(rng, x) sets s[i] to the i-th output of splitmix64 started at state x, i.e.
 * s[0] = sm(x), s[1] = sm(x + gamma), ... (gamma = 0x9e3779b97f4a7c15).
 */
uint64_t rng_stream_seed(uint64_t seed, const char *name);
void rng_init(struct rng *rng, uint64_t stream_seed);
/* Shorthand: rng_init(rng, rng_stream_seed(seed, name)). */
void rng_init_named(struct rng *rng, uint64_t seed, const char *name);

/* Inline: the memory models draw twice per simulated access. */
static inline uint64_t rng_rotl(uint64_t x, int k)
{
        return (x << k) | (x >> (64 - k));
}

static inline uint64_t rng_next(struct rng *rng)
{
        uint64_t *s = rng->s;
        uint64_t result = rng_rotl(s[1] * 5, 7) * 9;
        uint64_t t = s[1] << 17;

        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = rng_rotl(s[3], 45);
        return result;
}

/* Uniform in [0, 1) with 53 random bits. */
double rng_uniform(struct rng *rng);
/* Uniform integer in [lo, hi] inclusive (lo <= hi), without modulo bias. */
__extension__ typedef unsigned __int128 rng_u128;

/* Lemire's multiply-shift with rejection: unbiased, one multiply in the common case. */
static inline uint64_t rng_range(struct rng *rng, uint64_t lo, uint64_t hi)
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
/* Normal with the given mean and standard deviation (Box-Muller, one value per call). */
double rng_normal(struct rng *rng, double mean, double stddev);
/* Exponential with the given mean. */
double rng_exponential(struct rng *rng, double mean);

#endif
