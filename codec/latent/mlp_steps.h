/*
 * The synthesis MLP's weights in steps (bitstream version 5): each of
 * grid_mlp's six tensors holds integers k times its own step 2^-q, written
 * with int_code (ent/int_code.h). Version 4 stored every weight as binary16,
 * 834 bytes for the default 7-16-16-1 MLP: on the MR at 0.07 bpp a tenth of
 * the stream. The encoder searches the steps for rate + lambda distortion
 * (mlp_steps_search), so that each tensor keeps the precision the decode
 * needs and no more.
 */
#ifndef E2EC_LATENT_MLP_STEPS_H
#define E2EC_LATENT_MLP_STEPS_H

#include <stddef.h>
#include <stdint.h>

#include "e2ec.h"
#include "grid_mlp.h"

#define MLP_STEP_MAX_Q 24       /* steps 2^0 .. 2^-24 */
#define MLP_STEP_MAX_K (1 << 24) /* |k| < 2^24: k 2^-q is exact in float */

/* k[i] = w[i] 2^q of its tensor (nw = grid_mlp_size(cin, h) of them);
 * E2EC_ERR_ARG when a q exceeds MLP_STEP_MAX_Q or a weight is not a whole
 * number of its step below MLP_STEP_MAX_K. */
e2ec_status mlp_steps_ints(const float *w, int cin, int h, const uint8_t q[GRID_MLP_TENSORS], int32_t *k);

/* w[i] = k[i] 2^-q of its tensor. */
void mlp_steps_floats(const int32_t *k, int cin, int h, const uint8_t q[GRID_MLP_TENSORS], float *w);

/* The squared error of the decode with weights w, summed over the caller's
 * sample of voxels. */
typedef double (*mlp_steps_error_fn)(const float *w, void *user);

/* Chooses q and rounds w to it: each tensor in turn (the others held), from
 * the finest step that gives its largest weight 13 bits (finer than binary16)
 * coarser one power of 2 at a time while error(w) / n + lambda bits / voxels
 * falls (n: the sample's voxels, voxels the volume's), keeping the best.
 * E2EC_ERR_NOMEM. */
e2ec_status mlp_steps_search(float *w, int cin, int h, double lambda, double n, double voxels,
                             mlp_steps_error_fn error, void *user, uint8_t q[GRID_MLP_TENSORS]);

#endif
