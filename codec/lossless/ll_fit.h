/*
 * Fitting the lossless mode's ARM to one volume: the float twin of the
 * integer network (ll_model.h) trained with Adam on random batches of voxels
 * to minimise their mean rate under the discretised Laplace it predicts
 * (laplace_rate), with a cosine learning-rate decay. The output layer starts
 * near zero, i.e. at the median edge detector's prediction with one scale.
 */
#ifndef E2EC_LOSSLESS_LL_FIT_H
#define E2EC_LOSSLESS_LL_FIT_H

#include <stdint.h>

#include "e2ec.h"
#include "ll_context.h"

typedef struct {
    int hidden;     /* ARM hidden width */
    int steps;      /* Adam steps */
    int batch;      /* voxels per step */
    float lr;       /* peak learning rate */
    uint64_t seed;
} ll_fit_opts;

/* Picks the input shift: log2 of the mean |voxel - reference|, in [0, LL_MAX_SHIFT]. */
int ll_pick_shift(const ll_shape *s, const int32_t *v);

/* Trains params (arm_param_count(LL_CTX, o->hidden) floats, packed as
 * arm_int.h says); *bits gets the mean rate of the last 10 % of the steps. */
e2ec_status ll_fit(const ll_shape *s, const int32_t *v, int32_t lo, int32_t hi, int shift,
                   const ll_fit_opts *o, float *params, double *bits);

/* One of several integer volumes one ARM is fitted to (the latent mode's
 * levels), each with its alphabet and input shift. */
typedef struct {
    ll_shape s;
    const int32_t *v;
    int32_t lo, hi;
    int shift;
} ll_fit_volume;

/* ll_fit on nv volumes at once, a batch's voxels drawn uniformly from all of
 * their voxels (ll_fit is the case of one). */
e2ec_status ll_fit_volumes(const ll_fit_volume *vol, int nv, const ll_fit_opts *o, float *params,
                           double *bits);

#endif
