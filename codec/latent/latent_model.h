/*
 * The latent mode's model (issue 17): a pyramid of 3D latent grids, one
 * integer per node, finest at the volume's own resolution, read by the grid
 * representation's synthesis (every level upsampled to the voxel, trilinearly
 * or, along a coarse axis, with Keys' cubic kernel of a learned parameter
 * (shape.keys), then a small MLP: nn/grid_interp.h, grid_fit.h's grid_decode
 * with delta 1), and coded level by level by the lossless mode's coder
 * (lossless/ll_code.h: each level is an integer volume, coded in raster
 * order under the integer Laplace that one shared ARM predicts from its
 * causal 3D context), so the latents decode bit for bit on every machine.
 *
 * Levels run coarse to fine as in grid_shape; feats is 1. The ARM is shared by
 * every level (its weights are paid once); each level has its own input shift
 * and alphabet [lo, hi].
 */
#ifndef E2EC_LATENT_MODEL_H
#define E2EC_LATENT_MODEL_H

#include <stdint.h>
#include "ent/arm_int.h"
#include "grid_fit.h"
#include "grid_mlp.h"
#include "post_cnn.h"
#include "post_filter.h"
#include "value_map.h"

/* A cubic axis's kernel parameter as a stream holds it: a = -code /
 * LATENT_KEYS_UNIT, code 1..LATENT_KEYS_MAX_CODE (a in [-2, -1/64]); code 0
 * is a linear axis. */
#define LATENT_KEYS_UNIT 64
#define LATENT_KEYS_MAX_CODE 128
#define LATENT_KEYS_START (-0.5f) /* where the fit starts every cubic axis: Catmull-Rom */
/* The code of kernel parameter a (0 for a linear axis, a >= 0), the nearest
 * in range otherwise. */
int latent_keys_code(float a);
/* a of a code 1..LATENT_KEYS_MAX_CODE (latent_shape.c). */
float latent_keys_value(int code);

typedef struct {
    grid_model syn;   /* shape (feats 1), q (the latents, shape.off[levels] of them),
                         delta 1, hidden, mlp (the synthesis weights, whole numbers of
                         their tensors' steps mlp_q) */
    uint8_t mlp_q[GRID_MLP_TENSORS]; /* each MLP tensor's step 2^-q (mlp_steps.h) */
    arm_int arm;      /* the entropy model every level shares */
    int shift[GRID_MAX_LEVELS];        /* the ARM's input shift per level, 0..LL_MAX_SHIFT */
    int32_t lo[GRID_MAX_LEVELS], hi[GRID_MAX_LEVELS]; /* each level's latents lie in [lo, hi] */
    value_map map;    /* the decoded values' map (version 3; empty before) */
    post_filter filter; /* the post-filter after the map (version 4; off before) */
    post_cnn cnn;     /* or the post-network in its place (version 8; none before) */
} latent_model;

void latent_model_free(latent_model *m);

#endif
