/* A small deterministic generator (splitmix64): the same seed gives the same
 * weights and batches on every machine, which a reproducible codec needs. */
#ifndef E2EC_RNG_H
#define E2EC_RNG_H

#include <stdint.h>

typedef struct { uint64_t s; } rng;

static inline uint64_t rng_next(rng *r) {
    uint64_t z = (r->s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}
/* Uniform in [0, 1). */
static inline float rng_uniform(rng *r) { return (float)(rng_next(r) >> 40) * (1.0f / 16777216.0f); }
/* Uniform in [lo, hi). */
static inline float rng_range(rng *r, float lo, float hi) { return lo + (hi - lo) * rng_uniform(r); }
/* Uniform integer in [0, n). */
static inline uint32_t rng_below(rng *r, uint32_t n) { return (uint32_t)((rng_next(r) >> 32) * n >> 32); }

#endif
