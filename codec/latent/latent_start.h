/*
 * Where the latent fit starts (latent_fit_config.start_step > 0, at lambda <=
 * LATENT_START_MAX_LAMBDA; latent_fit.h): the latents as a Laplacian pyramid
 * of the target, the synthesis MLP as their sum.
 *
 * Why: the fit is starved of updates. On the whole chest CT a pass visits each
 * voxel once, so in the default 50 passes a finest latent gets about 50 Adam
 * steps of at most lr (0.05) each: from zero it cannot travel far, and the
 * high-rate end of the curve was an optimisation limit, not a range limit
 * (docs/architecture.md). Started from the pyramid, the unquantised model
 * already decodes the target; training then trades those latents for rate
 * and shapes the synthesis, rather than first having to find the volume.
 *
 * The pyramid, coarse to fine: the residual starts as target - mean; each
 * coarser level takes the residual's average under its interpolation's
 * weights (node value = sum_v w(v) r(v) / sum_v w(v), the trilinear weights
 * with which the node is read at the voxels), and its interpolation is taken
 * off the residual; the finest level, one node on each voxel, keeps what is
 * left. Every latent is then divided by step, the size of one latent unit in
 * normalised intensity. The MLP's unit 0 carries bias + step * sum of its
 * inputs through both hidden layers (bias large enough to keep it on, its
 * ReLUs acting as the identity) and the output reads that unit alone (other
 * units' output weights 0), less the bias plus the mean: out = mean +
 * step * sum_l feat_l, the target itself before rounding. The other units keep
 * their random first weights and join in as their output weights grow.
 */
#ifndef E2EC_LATENT_START_H
#define E2EC_LATENT_START_H

#include <stddef.h>

#include "e2ec.h"
#include "nn/grid_interp.h"

/* y (s->off[levels] latents, s the pyramid of the nx ny nz volume ax was
 * made for, feats 1, the finest level at the volume's resolution) and w (the
 * synthesis MLP, grid_mlp layout with hidden units; its random first weights
 * kept but for unit 0 and the output layer) from target (nx ny nz values in
 * [0, 1]); step > 0. scratch holds s->off[levels - 1] floats (the coarse
 * levels' weight sums). The result depends on neither the thread count nor
 * the ISA path. */
e2ec_status latent_start(float *y, float *w, int hidden, const float *target, const grid_shape *s,
                         const grid_axes *ax, float step, float *scratch);

/* The bytes latent_start allocates itself (memory estimates). */
size_t latent_start_bytes(void);

#endif
