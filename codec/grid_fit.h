/*
 * The "grid" representation (issue 7 item 5): a volume as a quantised
 * multi-resolution dense feature grid (nn/grid_interp.h) read by a tiny MLP,
 *     v(x) = W3 relu(W2 relu(W1 feats(x) + b1) + b2) + b3,
 * feats(x) the L*F features trilinearly interpolated from each level at x.
 * The grid's features are stored as integers q (feature = q * delta); the
 * MLP's weights as binary16. delta is the rate knob; lambda weights an L1
 * rate proxy (sum |feature| / delta per voxel) that pulls features to zero.
 *
 * Training (Adam, MSE on values normalised to [0,1], random voxel batches):
 *   steps [0, qat_from*steps): float features;
 *   [qat_from*steps, freeze_from*steps): the forward reads the quantised
 *     features, the gradient goes straight through to the float ones (STE);
 *   [freeze_from*steps, steps): features fixed at their quantised values,
 *     only the MLP trains (it adapts to the quantisation error).
 */
#ifndef E2EC_GRID_FIT_H
#define E2EC_GRID_FIT_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"
#include "grid_mlp.h"
#include "nn/grid_interp.h"
#include "nn/relu_mlp.h"

typedef struct {
    int levels;          /* 1..GRID_MAX_LEVELS, coarse to fine */
    int feats;           /* features per node */
    int fine_step[3];    /* voxels between the finest level's nodes along x, y, z (>= 1) */
    int hidden;          /* width of the MLP's two hidden layers */
    int steps, batch;    /* Adam steps, voxels per step */
    float lr_grid, lr_mlp;
    float delta, lambda;
    float qat_from, freeze_from; /* fractions of steps, 0 <= qat_from <= freeze_from <= 1 */
    int threads;         /* 0 = OpenMP's default */
    uint64_t seed;
    /* called every progress_every steps and after the last (0 or NULL: never),
     * with the mean batch MSE since the previous call; nonzero cancels */
    e2ec_progress_fn progress;
    void *progress_user;
    int progress_every;
} grid_fit_config;

/* Sensible defaults for everything but the rate knobs. */
void grid_fit_defaults(grid_fit_config *c);

typedef struct {
    grid_shape shape;
    float delta;
    int hidden;
    int32_t *q;          /* shape.off[levels] quantised features */
    float *mlp;          /* grid_mlp_size() weights, already rounded to binary16 */
} grid_model;

/* The level resolutions of config c for an nx*ny*nz volume (coarsest at least
 * 2 nodes per axis); E2EC_ERR_ARG when a field is out of range. */
e2ec_status grid_shape_for(const grid_fit_config *c, uint32_t nx, uint32_t ny, uint32_t nz,
                           grid_shape *s);
/* Fits target (nx*ny*nz values in [0,1], x fastest; every dimension >= 2). */
e2ec_status grid_fit(const float *target, uint32_t nx, uint32_t ny, uint32_t nz,
                     const grid_fit_config *c, grid_model *m);
/* The decoded volume, normalised values clamped to [0,1]. */
e2ec_status grid_decode(const grid_model *m, uint32_t nx, uint32_t ny, uint32_t nz, int threads,
                        float *out);
/* Points the decode evaluates at once (bounds its scratch). */
#define GRID_DECODE_CHUNK (1 << 15)
/* Planes [z0, z1) of it: nx*ny*(z1-z0) values, the same bits as grid_decode's. */
e2ec_status grid_decode_planes(const grid_model *m, uint32_t nx, uint32_t ny, uint32_t nz,
                               uint32_t z0, uint32_t z1, int threads, float *out);
/* What synthesising planes of m takes besides the output: the grid as floats,
 * where the volume's voxels fall in it, a chunk's features and the MLP's
 * activations. A decoder keeps
 * one for all its slabs: allocated and freed slab by slab, glibc kept the
 * freed megabytes resident beside the next slab's (tests/memory measured
 * about twice the heap). */
typedef struct {
    const grid_model *m;
    float *g, *feat;
    grid_axes ax;
    relu_mlp_acts a;
} grid_synth;
/* For an nx ny nz volume (each >= 2); E2EC_ERR_NOMEM when an allocation
 * fails; grid_synth_free either way. */
e2ec_status grid_synth_init(grid_synth *w, const grid_model *m, uint32_t nx, uint32_t ny, uint32_t nz);
void grid_synth_free(grid_synth *w);
/* grid_decode_planes with w's buffers. */
e2ec_status grid_synth_planes(grid_synth *w, uint32_t z0, uint32_t z1, int threads, float *out);
/* The progress call of a fit after step (0-based) of steps, every `every`
 * steps and after the last, with the mean of the *mse_steps batch MSEs summed
 * in *mse_acc (both reset); nonzero when fn cancels. */
int fit_progress(e2ec_progress_fn fn, void *user, int every, int step, int steps,
                 double *mse_acc, int *mse_steps, double t0);
void grid_model_free(grid_model *m);

#endif
