/*
 * The training loop shared by every mode: Adam on one parameter buffer,
 * progress reports, cancellation, and the choice of the weights to keep.
 * A mode supplies a function computing the loss and its gradient.
 */
#ifndef E2EC_TRAIN_H
#define E2EC_TRAIN_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"
#include "rng.h"

/* Computes the loss of params and ACCUMULATES its gradient into grads
 * (zeroed by the loop). *mse is the fit's MSE in normalised units. */
typedef e2ec_status (*train_grad_fn)(void *ctx, const float *params, float *grads, rng *r,
                                     double *loss, double *mse);

/*
 * Runs p->epochs steps from the initial params. With a full batch the loss
 * of each epoch is exact, and the params with the lowest loss seen are
 * returned (the paper reports its best fit); with mini-batches the last.
 */
e2ec_status train_loop(const e2ec_params *p, size_t n_params, float *params, train_grad_fn fn,
                       void *ctx, rng *r);

/* Quantisation-aware training (quant.h): from epoch `start` on, the loss and
 * gradient are taken at quant_round(params) (straight-through estimator: Adam
 * still updates the float params), and only those quantised fits compete
 * for the best kept. With a full batch the QAT epochs start from the best
 * float params so far, so the result is never worse than quantising them. */
typedef struct {
    int bits;
    size_t n_groups;
    const uint32_t *counts;
    int start;
} train_qat;

/* What train_loop_opt adds to train_loop. */
typedef struct {
    /* The rate rises linearly over the first `ramp` epochs (lr e / ramp at
     * epoch e): after a warm start, Adam's first steps (about lr on every
     * weight whatever its gradient) would throw the fitted weights off. */
    int ramp;
    const train_qat *qat; /* quantisation-aware epochs (NULL: none) */
} train_options;

/* train_loop with a rate ramp and quantisation-aware epochs (o NULL: neither). */
e2ec_status train_loop_opt(const e2ec_params *p, size_t n_params, float *params,
                           train_grad_fn fn, void *ctx, rng *r, const train_options *o);

#endif
