/*
 * A discretised Laplace distribution over the integers [lo, hi], computed in
 * integers only, so that the encoder and every decoder derive the same rANS
 * frequencies from the same model outputs on any machine, compiler or ISA.
 *
 * The model (an ARM) gives the mean mu and log2 of the scale b in fixed point
 * (1/256 units). P(k) is the Laplace mass of [k - 1/2, k + 1/2), with the
 * tails beyond lo and hi folded into the end symbols, mapped onto
 * RANS_TOTAL - N frequency units, plus one unit per symbol so that every
 * symbol stays codable (N = hi - lo + 1 <= LAPLACE_MAX_SYMBOLS).
 * exp is a 257-entry table of 2^(-i/256) with linear interpolation (relative
 * error < 1e-6, monotone), so the CDF is monotone by construction.
 */
#ifndef E2EC_ENT_LAPLACE_INT_H
#define E2EC_ENT_LAPLACE_INT_H

#include <stdint.h>

#include "rans.h"

#define LAPLACE_FRAC_BITS 8
#define LAPLACE_FRAC (1 << LAPLACE_FRAC_BITS) /* mu and log2(b) are in 1/256 units */
#define LAPLACE_LOG2B_MIN (-8 * 256)  /* b >= 2^-8 */
#define LAPLACE_LOG2B_MAX (12 * 256)  /* b <= 2^12 */
#define LAPLACE_MAX_SYMBOLS (1 << 16) /* any 16-bit alphabet; 1/256 of the units */

typedef struct {
    int32_t lo, hi;     /* the alphabet, hi - lo < LAPLACE_MAX_SYMBOLS */
    int64_t mu;         /* mean, 1/256 units */
    uint64_t inv_b;     /* 2^24 / b */
} laplace_int;

/* mu (1/256 units) is clamped to [lo - LAPLACE_MAX_SYMBOLS, hi + LAPLACE_MAX_SYMBOLS]
 * (a mean beyond an end is how a model piles mass onto that end symbol) and log2b (1/256 units) to
 * [LAPLACE_LOG2B_MIN, LAPLACE_LOG2B_MAX]; the caller guarantees lo <= hi and
 * hi - lo < LAPLACE_MAX_SYMBOLS. */
void laplace_int_set(laplace_int *l, int32_t lo, int32_t hi, int64_t mu, int32_t log2b);

/* The cumulative frequency of the symbols below k, for k in [lo, hi + 1]:
 * 0 at lo, RANS_TOTAL at hi + 1, rising by at least 1 per symbol. */
uint32_t laplace_int_cdf(const laplace_int *l, int32_t k);

/* Symbol k's interval (k in [lo, hi]). */
rans_sym laplace_int_sym(const laplace_int *l, int32_t k);

/* The symbol whose interval holds slot (slot < RANS_TOTAL): a search on the
 * CDF outwards from mu, then a bisection; its result depends on the CDF alone. */
int32_t laplace_int_find(const laplace_int *l, uint32_t slot, rans_sym *sym);

/* log2(n) in 1/256 units, rounded down, for n >= 1 (a near-lossless step). */
int32_t log2_q8(uint32_t n);

/* 2^(-t) in 1/2^30 units for t >= 0 given in 1/2^16 units (0 from t >= 31). */
uint32_t exp2_neg_q30(uint64_t t);

#endif
