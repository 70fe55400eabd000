/*
 * The ARM's weights in coarser steps (encoder only; the stream's fields are
 * version 2's). arm_int_quantise gives each layer the finest step that holds
 * its largest weight within ARM_W_MAX, about 10 bits a weight, and its biases
 * 8 bits finer still; the coded networks are Exp-Golomb codes of those
 * integers (net_section.h), so each bit of a layer's step costs about a bit a
 * number. The latents seldom need them all: on the MR's stream at lambda
 * 1e-2 (16,953 bytes) steps 8 to 32 times coarser made the latents and the
 * ARM 308 bytes smaller (bench/results/latent/arm-probes.log). The ARM models the latents'
 * probabilities only, so the decoded voxels do not depend on it and rate alone
 * decides: each layer in turn (the others held at their choice) takes the
 * step 2^d times its finest, d in [0, ARM_STEPS_MAX], that gives the fewest
 * bits of the latents (under the integer ARM, exactly as coded, on a sample of
 * every level's rows) plus the ARM's own, trying coarser steps until two in a
 * row cost more than the best.
 */
#ifndef E2EC_LATENT_ARM_STEPS_H
#define E2EC_LATENT_ARM_STEPS_H

#include <stdint.h>

#include "e2ec.h"
#include "ent/arm_int.h"
#include "nn/grid_interp.h"

#define ARM_STEPS_MAX 8
/* A layer's search stops after this many coarser steps in a row that cost
 * more than the best so far. */
#define ARM_STEPS_MISSES 2
/* A level costs at most about this many of its latents (every k-th row). */
#define ARM_STEPS_SAMPLE (1 << 15)

/* m = params (arm_param_count(ctx, hidden) floats) quantised at the chosen
 * steps (d[l]: layer l's step 2^d[l] times its finest), for the latents q
 * (s->off[s->levels] of them, level l in [lo[l], hi[l]] with input shift
 * shift[l]); *bits the cost it chose by (the sample's bits scaled to the
 * levels, plus the ARM's). d and bits may be NULL. E2EC_ERR_ARG when a
 * latent lies outside its level's alphabet, arm_int_quantise's errors,
 * E2EC_ERR_NOMEM. */
e2ec_status arm_steps_search(arm_int *m, int ctx, int hidden, const float *params, const grid_shape *s,
                             const int32_t *q, const int *shift, const int32_t *lo, const int32_t *hi,
                             int d[ARM_LAYERS], double *bits);

/* m = params at the given steps d and *bits its cost, as the search counts
 * it (arm_refit compares its candidates so). */
e2ec_status arm_steps_cost(arm_int *m, int ctx, int hidden, const float *params, const grid_shape *s,
                           const int32_t *q, const int *shift, const int32_t *lo, const int32_t *hi,
                           const int d[ARM_LAYERS], double *bits);

/* The bytes arm_steps_search allocates for a pyramid of shape s and
 * `threads` threads (memory estimates). */
uint64_t arm_steps_bytes(const grid_shape *s, int threads);

#endif
