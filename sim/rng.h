/*
 * rng: deterministic random streams.
 *
 * Each component draws from its own stream, seeded from the scenario seed and the component's
 * name (rng_stream_seed), so adding or removing one component never changes another's draws.
 * The generator is xoshiro256**, seeded through splitmix64. Not for cryptography.
 */
#ifndef MOSAIC_SIM_RNG_H
#define MOSAIC_SIM_RNG_H

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

uint64_t rng_next(struct rng *rng);
/* Uniform in [0, 1) with 53 random bits. */
double rng_uniform(struct rng *rng);
/* Uniform integer in [lo, hi] inclusive (lo <= hi), without modulo bias. */
uint64_t rng_range(struct rng *rng, uint64_t lo, uint64_t hi);
/* Normal with the given mean and standard deviation (Box-Muller, one value per call). */
double rng_normal(struct rng *rng, double mean, double stddev);
/* Exponential with the given mean. */
double rng_exponential(struct rng *rng, double mean);

#endif
