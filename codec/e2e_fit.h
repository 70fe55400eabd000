/*
 * Loss and gradient of the end-to-end network (E2E mode) as a train_grad_fn:
 * the SIREN over every point of the low-res grid, the SRNO up to the output
 * grid, the loss against the full-resolution target, plus lr_weight times the
 * loss of the SIREN's grid against lr_target (the FFT-downsampled volume)
 * when lr_weight > 0. Always full batch: the attention normalises over whole
 * windows, and the whole grid's activations are kept (E2E_FIT_MAX_FLOATS).
 */
#ifndef E2EC_E2E_FIT_H
#define E2EC_E2E_FIT_H

#include <stddef.h>
#include <stdint.h>
#include "e2ec.h"
#include "rng.h"
#include "siren.h"
#include "srno.h"

typedef struct {
    const siren_config *siren;
    const srno_config *srno;
    size_t n_siren;
    uint32_t lx, ly, lz, hx, hy, hz;
    const float *target;    /* hx*hy*hz normalised values */
    const float *lr_target; /* lx*ly*lz, read only when lr_weight > 0 */
    float lr_weight;
    e2ec_loss loss;
    /* scratch, owned by e2e_fit_init/free */
    float *coords, *lr, *dlr, *siren_acts, *siren_scratch, *hr, *dhr, *srno_acts;
} e2e_fit;

/* E2EC_ERR_LIMIT when the activations would exceed this many floats (4 GiB). */
#define E2E_FIT_MAX_FLOATS (1ull << 30)
e2ec_status e2e_fit_init(e2e_fit *f, const siren_config *siren, const srno_config *srno,
                         uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy,
                         uint32_t hz, const float *target, const float *lr_target,
                         float lr_weight, e2ec_loss loss);
void e2e_fit_free(e2e_fit *f);
e2ec_status e2e_fit_grad(void *ctx, const float *params, float *grads, rng *r, double *loss,
                         double *mse);

#endif
