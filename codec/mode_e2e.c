/* E2EC_MODE_E2E: the paper's end-to-end mode, a SIREN on the low-resolution grid
 * and the SRNO after it, trained together against the full-resolution volume
 * (docs/architecture.md, "E2E mode in the codec"); network_codec.h does the rest. */
#include "blas_pack.h"
#include "e2e_fit.h"
#include "network_codec.h"

/* The SRNO initialised after the SIREN from the same generator, then
 * e2e_warm_start (the SIREN fitted alone to the FFT-downsampled volume y, the
 * SRNO's output layer zeroed), then both trained against the volume x (and,
 * when p->lr_weight > 0, the SIREN's grid against y), the rate ramping up
 * first. Full batch, or windows per step when p->batch > 0 or the full batch
 * would not fit (e2e_fit_init_batch). */
static e2ec_status train(const model *m, const e2ec_params *p, const float *x, const float *y,
                         float *params, rng *r, const train_qat *qat) {
    srno_init(&m->srno, params + m->n_siren, r);
    e2ec_status st = e2e_warm_start(&m->siren, &m->srno, m->lx, m->ly, m->lz, y, p, params, r);
    if (st) return st;
    e2e_fit fit;
    st = e2e_fit_init_batch(&fit, &m->siren, &m->srno, m->lx, m->ly, m->lz, m->hx, m->hy, m->hz,
                            x, y, p->lr_weight, p->loss, p->batch, E2E_FIT_MAX_FLOATS);
    if (st) return st;
    train_options o = {.ramp = e2e_ramp_epochs(p->epochs), .qat = qat};
    st = train_loop_opt(p, m->n_params, params, e2e_fit_grad, &fit, r, &o);
    e2e_fit_free(&fit);
    return st;
}

static uint64_t fit_bytes(const model *m, const e2ec_params *p, int threads) {
    (void)threads;
    return e2e_fit_bytes(&m->siren, &m->srno, m->lx, m->ly, m->lz, m->hx, m->hy, m->hz, p->batch,
                         E2E_FIT_MAX_FLOATS);
}

/* The SIREN's activations over the whole low-res grid in training (e2e_fit.c),
 * or the SRNO's (srno_blas_floats). */
static uint64_t blas_floats(const model *m) {
    uint64_t siren = blas_packed_floats((uint64_t)m->lx * m->ly * m->lz, (uint64_t)m->siren.width);
    uint64_t srno = srno_blas_floats(&m->srno, m->lx, m->ly, m->hx, m->hy, m->hz);
    return siren > srno ? siren : srno;
}

static const network_variant e2e = {
    .downsampled = 1, .train = train, .fit_bytes = fit_bytes, .blas_floats = blas_floats};

const e2ec_mode_ops mode_e2e = NETWORK_MODE_OPS(E2EC_MODE_E2E, "e2e", 1, 0, 1, &e2e);
