/*
 * The auto-regressive entropy model (ARM) as the decoder runs it: an MLP
 * ctx -> hidden -> hidden -> 2 with ReLU, reading the causal neighbours of a
 * symbol and giving the Laplace mean and log2 scale that laplace_int codes it
 * with. Everything is integer: weights are int16 in steps of 2^-shift (one
 * shift per layer, chosen by the encoder), activations are 1/256 units, and a
 * layer's products are summed exactly in 64 bits and rounded by one shift, so
 * the encoder and every decoder compute the same (mu, log2 b) bit for bit.
 *
 * The float twin that training differentiates is the same network with the
 * dequantised weights w_q 2^-shift (arm_int_dequantise); the two agree to
 * within the activations' rounding (tests/test_arm_int.c).
 */
#ifndef E2EC_ENT_ARM_INT_H
#define E2EC_ENT_ARM_INT_H

#include <stdint.h>

#include "e2ec.h"

#define ARM_MAX_CTX 32
#define ARM_MAX_HIDDEN 32
#define ARM_LAYERS 3
#define ARM_ACT_FRAC 256          /* activations and outputs in 1/256 units */
#define ARM_MAX_SHIFT 16          /* weight steps 2^-0 .. 2^-16 */
#define ARM_INPUT_CLAMP (1 << 20) /* |input| is clamped to this, 1/256 units */
#define ARM_ACT_CLAMP (1 << 24)   /* |activation| in 1/256 units, after each layer */

typedef struct {
    int ctx, hidden;
    int shift[ARM_LAYERS];
    /* layer l: weights [out][in] row-major, biases [out] in 2^-(shift + 8) units */
    int16_t w0[ARM_MAX_HIDDEN * ARM_MAX_CTX], w1[ARM_MAX_HIDDEN * ARM_MAX_HIDDEN],
        w2[2 * ARM_MAX_HIDDEN];
    int32_t b0[ARM_MAX_HIDDEN], b1[ARM_MAX_HIDDEN], b2[2];
} arm_int;

/* The float parameter count of the twin: (ctx + 1) hidden + (hidden + 1) hidden + (hidden + 1) 2,
 * packed layer by layer as W [out][in] then b [out]. */
int arm_param_count(int ctx, int hidden);

/* E2EC_ERR_LIMIT unless 1 <= ctx <= ARM_MAX_CTX, 1 <= hidden <= ARM_MAX_HIDDEN
 * and every shift is within [0, ARM_MAX_SHIFT]. */
e2ec_status arm_int_check(int ctx, int hidden, const int shift[ARM_LAYERS]);

/* Rounds the float parameters (arm_param_count of them) to the integer
 * network with the given shifts; values beyond int16 / int32 saturate. */
e2ec_status arm_int_quantise(arm_int *m, int ctx, int hidden, const int shift[ARM_LAYERS],
                             const float *params);

/* Writes the float parameters the integer network stands for. */
void arm_int_dequantise(const arm_int *m, float *params);

/* mu and log2b (1/256 units) from the inputs ctx[0..m->ctx), in 1/256 units
 * as well (the caller's normalised causal neighbours). */
void arm_int_forward(const arm_int *m, const int32_t *ctx, int32_t *mu, int32_t *log2b);

#endif
