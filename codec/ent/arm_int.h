/*
 * The auto-regressive entropy model (ARM) as the decoder runs it: an MLP
 * ctx -> hidden -> hidden -> 2 with ReLU, reading the causal neighbours of a
 * symbol and giving the Laplace mean and log2 scale that laplace_int codes it
 * with. Everything is integer, so the encoder and every decoder compute the
 * same (mu, log2 b) bit for bit:
 * - activations (and the inputs) are int16 in 1/256 units, saturated at
 *   +-ARM_ACT_MAX (+-128.0);
 * - weights are int16 in steps of 2^-shift with |w| <= ARM_W_MAX, one shift per
 *   layer (the finest step that holds the layer's largest weight), biases
 *   int32 in the units of the products, |b| <= ARM_B_MAX;
 * so a layer's sum of at most 32 products and a bias stays below 2^31 in
 * int32 (products of two int16: the compiler's pmaddwd), and is rounded by
 * one shift back to 1/256 units.
 *
 * The float twin that training differentiates is the same network with the
 * dequantised weights w_q 2^-shift (arm_int_dequantise); the two agree to
 * within the activations' rounding while no activation saturates
 * (tests/test_arm_int.c).
 */
#ifndef E2EC_ENT_ARM_INT_H
#define E2EC_ENT_ARM_INT_H

#include <stdint.h>

#include "e2ec.h"

#define ARM_MAX_CTX 32
#define ARM_MAX_HIDDEN 32
#define ARM_LAYERS 3
#define ARM_ACT_FRAC 256          /* activations in 1/256 units */
#define ARM_OUT_FRAC 65536        /* outputs in 1/65536 units */
#define ARM_ACT_MAX 32767         /* |activation| in 1/256 units */
#define ARM_W_MAX 1023            /* |weight| in 2^-shift units */
#define ARM_B_MAX (1 << 29)       /* |bias| in 2^-(shift + 8) units */
#define ARM_MAX_SHIFT 24          /* weight steps 2^0 .. 2^-24 */

typedef struct {
    int ctx, hidden;
    int shift[ARM_LAYERS];
    /* layer l: weights [out][in] row-major, biases [out] in 2^-(shift + 8) units */
    int16_t w0[ARM_MAX_HIDDEN * ARM_MAX_CTX], w1[ARM_MAX_HIDDEN * ARM_MAX_HIDDEN],
        w2[2 * ARM_MAX_HIDDEN];
    int32_t b0[ARM_MAX_HIDDEN], b1[ARM_MAX_HIDDEN], b2[2];
    /* the hidden layers' weights as the forward reads them: int32, [in][out]
     * with out padded to ARM_MAX_HIDDEN (zeros), so that each input updates
     * all outputs in one fixed-length vector loop (arm_int_prepare) */
    int32_t t0[ARM_MAX_CTX][ARM_MAX_HIDDEN], t1[ARM_MAX_HIDDEN][ARM_MAX_HIDDEN];
} arm_int;

/* The float parameter count of the twin: (ctx + 1) hidden + (hidden + 1) hidden + (hidden + 1) 2,
 * packed layer by layer as W [out][in] then b [out]. */
int arm_param_count(int ctx, int hidden);

/* E2EC_ERR_LIMIT unless 1 <= ctx <= ARM_MAX_CTX, 1 <= hidden <= ARM_MAX_HIDDEN
 * and every shift is within [0, ARM_MAX_SHIFT]. */
e2ec_status arm_int_check(int ctx, int hidden, const int shift[ARM_LAYERS]);

/* Rounds the float parameters (arm_param_count of them) to the integer
 * network, each layer with the finest step that holds its largest weight
 * within ARM_W_MAX; biases beyond ARM_B_MAX saturate. */
e2ec_status arm_int_quantise(arm_int *m, int ctx, int hidden, const float *params);

/* The same with layer l's step 2^coarser[l] times coarser than the finest
 * (the shift at least 0; a negative coarser counts as 0): fewer bits a weight
 * where the coded values do not need them (latent/arm_steps.h). */
e2ec_status arm_int_quantise_coarser(arm_int *m, int ctx, int hidden, const float *params,
                                     const int coarser[ARM_LAYERS]);

/* Fills the forward's transposed weights from w0, w1 (arm_int_quantise does
 * it; a reader that fills w0, w1 itself calls it). */
void arm_int_prepare(arm_int *m);

/* Writes the float parameters the integer network stands for. */
void arm_int_dequantise(const arm_int *m, float *params);

/* The two outputs (mu and log2 b in the caller's units), in 1/65536 units
 * and not saturated (|output| < 2^31 / 65536 x 2^shift), from the inputs
 * ctx[0..m->ctx) in 1/256 units (the caller's normalised causal neighbours,
 * saturated here): finer than the activations, because a caller that scales
 * mu up (lossless: by 2^shift) needs its fraction. */
void arm_int_forward(const arm_int *m, const int32_t *ctx, int32_t *mu, int32_t *log2b);

#endif
