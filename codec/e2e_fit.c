/* Loss and gradient of the end-to-end network, SIREN -> SRNO (train.h). */
#include <stdlib.h>
#include <string.h>
#include "loss.h"
#include "e2e_fit.h"

e2ec_status e2e_fit_init(e2e_fit *f, const siren_config *siren, const srno_config *srno,
                         uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy,
                         uint32_t hz, const float *target, const float *lr_target,
                         float lr_weight, e2ec_loss loss) {
    memset(f, 0, sizeof *f);
    f->siren = siren, f->srno = srno, f->n_siren = siren_param_count(siren);
    f->lx = lx, f->ly = ly, f->lz = lz, f->hx = hx, f->hy = hy, f->hz = hz;
    f->target = target, f->lr_target = lr_target, f->lr_weight = lr_weight, f->loss = loss;
    size_t nl = (size_t)lx * ly * lz, nh = (size_t)hx * hy * hz;
    size_t ns = srno_acts_size(srno, lx, ly, lz, hx, hy, hz), nsa = siren_acts_size(siren, nl);
    if (ns + nsa + 2 * nh + (5 + 2 * (size_t)siren->width) * nl > E2E_FIT_MAX_FLOATS)
        return E2EC_ERR_LIMIT;
    f->coords = malloc(nl * SIREN_IN * sizeof(float));
    f->lr = malloc(nl * sizeof(float));
    f->dlr = malloc(nl * sizeof(float));
    f->siren_acts = malloc(nsa * sizeof(float));
    f->siren_scratch = malloc(2 * nl * siren->width * sizeof(float));
    f->hr = malloc(nh * sizeof(float));
    f->dhr = malloc(nh * sizeof(float));
    f->srno_acts = malloc(ns * sizeof(float));
    if (!f->coords || !f->lr || !f->dlr || !f->siren_acts || !f->siren_scratch || !f->hr ||
        !f->dhr || !f->srno_acts) {
        e2e_fit_free(f);
        return E2EC_ERR_NOMEM;
    }
    for (size_t i = 0; i < nl; i++) {
        f->coords[3 * i + 0] = grid_coord((uint32_t)(i % lx), lx);
        f->coords[3 * i + 1] = grid_coord((uint32_t)(i / lx % ly), ly);
        f->coords[3 * i + 2] = grid_coord((uint32_t)(i / ((size_t)lx * ly)), lz);
    }
    return E2EC_OK;
}

void e2e_fit_free(e2e_fit *f) {
    free(f->coords), free(f->lr), free(f->dlr), free(f->siren_acts), free(f->siren_scratch);
    free(f->hr), free(f->dhr), free(f->srno_acts);
    memset(f, 0, sizeof *f);
}

e2ec_status e2e_fit_grad(void *ctx, const float *params, float *grads, rng *r, double *loss,
                         double *mse) {
    (void)r;
    e2e_fit *f = ctx;
    size_t nl = (size_t)f->lx * f->ly * f->lz, nh = (size_t)f->hx * f->hy * f->hz;
    const float *srno_params = params + f->n_siren;
    siren_forward(f->siren, params, f->coords, f->lr, f->siren_acts, (int)nl);
    srno_forward(f->srno, srno_params, f->lr, f->lx, f->ly, f->lz, f->hr, f->hx, f->hy, f->hz,
                 f->srno_acts);
    memset(f->dhr, 0, nh * sizeof(float));
    memset(f->dlr, 0, nl * sizeof(float));
    *loss = loss_forward_backward(f->loss, f->hr, f->target, nh, 1.0f, f->dhr, mse);
    if (f->lr_weight > 0.0f)
        *loss += f->lr_weight * loss_forward_backward(f->loss, f->lr, f->lr_target, nl,
                                                      f->lr_weight, f->dlr, NULL);
    srno_backward(f->srno, srno_params, grads + f->n_siren, f->lr, f->lx, f->ly, f->lz, f->dhr,
                  f->hx, f->hy, f->hz, f->srno_acts, f->dlr);
    siren_backward(f->siren, params, grads, f->siren_acts, f->coords, f->dlr, f->siren_scratch,
                   (int)nl);
    return E2EC_OK;
}
