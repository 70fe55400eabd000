/*
 * The training loop shared by every mode: Adam on one parameter buffer,
 * progress reports, cancellation, and the choice of the weights to keep.
 * A mode supplies a function computing the loss and its gradient.
 */
#ifndef E2EC_TRAIN_H
#define E2EC_TRAIN_H

#include <stddef.h>
#include "e2ec.h"
#include "rng.h"
#include "siren.h"

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

/* Gradient of the loss of a SIREN fitted to values on its own cell-centred
 * grid (SIREN and SIREN_DS modes); full batch = every grid point, computed in
 * chunks so memory stays bounded, or p->batch random points per step. */
typedef struct {
    const siren_config *siren;
    uint32_t gx, gy, gz;
    const float *target;    /* gx*gy*gz normalised values */
    e2ec_loss loss;
    int batch;              /* 0 = full batch */
    /* scratch, owned by siren_fit_init/free */
    float *coords, *values, *pred, *dpred, *acts, *scratch;
    int chunk;
} siren_fit;

e2ec_status siren_fit_init(siren_fit *f, const siren_config *siren, uint32_t gx, uint32_t gy,
                           uint32_t gz, const float *target, e2ec_loss loss, int batch);
void siren_fit_free(siren_fit *f);
e2ec_status siren_fit_grad(void *ctx, const float *params, float *grads, rng *r, double *loss,
                           double *mse);

#endif
