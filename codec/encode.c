/* e2ec_encode: normalise, downsample, train, store (e2ec.h). */
#include <stdlib.h>
#include <string.h>
#include "bitstream.h"
#include "e2e_fit.h"
#include "fft_downsample.h"
#include "half.h"
#include "caps.h"
#include "model.h"
#include "threads.h"
#include "siren_fit.h"
#include "train.h"
#include "volume_norm.h"

void e2ec_params_default(e2ec_params *p) {
    memset(p, 0, sizeof *p);
    p->mode = E2EC_MODE_E2E;
    p->scale = 2;
    p->siren_width = 30;
    p->siren_layers = 3;
    p->omega0 = 10.0f; /* measured on the 32^3 low-res grid of DS = 1/2 (docs/architecture.md) */
    p->upsampler = E2EC_UP_TRICUBIC;
    p->epochs = 5000;
    p->lr = 1.5e-3f;
    p->loss = E2EC_LOSS_L1;
    p->seed = 1;
    p->progress_every = 100;
    srno_config srno;
    srno_config_default(&srno); /* the SRNO's own defaults, written once */
    p->srno_channels = srno.channels;
    p->srno_width = srno.width;
    p->srno_heads = srno.heads;
}

size_t e2ec_param_count(const e2ec_params *p) {
    e2ec_info info = {0};
    /* the count does not depend on the volume's size: use any valid one */
    if (model_info_from_params(&info, p, 64, 64, 64)) return 0;
    return info.n_weights;
}

static e2ec_status check_volume(const e2ec_volume *v) {
    if (!v || !v->data || !e2ec_voxel_size(v->type) || !v->nx || !v->ny || !v->nz)
        return E2EC_ERR_ARG;
    if (v->nx > E2EC_MAX_DIM || v->ny > E2EC_MAX_DIM || v->nz > E2EC_MAX_DIM ||
        volume_voxels(v) > E2EC_MAX_VOXELS)
        return E2EC_ERR_LIMIT;
    if (v->bits_stored > 8 * e2ec_voxel_size(v->type) || (v->type == E2EC_F32 && v->bits_stored))
        return E2EC_ERR_ARG;
    for (int i = 0; i < 3; i++)
        if (!(v->spacing[i] > 0.0f) || v->spacing[i] > 1e6f) return E2EC_ERR_ARG;
    return E2EC_OK;
}

static e2ec_status check_params(const e2ec_params *p) {
    if (!p || p->epochs < 0 || !(p->lr > 0.0f) || !(p->omega0 > 0.0f) || p->batch < 0 ||
        (p->loss != E2EC_LOSS_L1 && p->loss != E2EC_LOSS_L2) || p->threads < 0)
        return E2EC_ERR_ARG;
    return E2EC_OK;
}

/* The SIREN's training target on its own grid: the volume itself, or its
 * FFT downsampling (paper Eq. 1). */
static e2ec_status siren_target(const e2ec_info *info, float *x, float **target) {
    if (info->mode == E2EC_MODE_SIREN) {
        *target = x;
        return E2EC_OK;
    }
    *target = malloc(sizeof(float) * info->lx * info->ly * info->lz);
    if (!*target) return E2EC_ERR_NOMEM;
    return fft_downsample(x, info->nx, info->ny, info->nz, *target, info->lx, info->ly,
                          info->lz);
}

static e2ec_status train_siren_grid(const model *m, const e2ec_params *p, const float *target,
                                    float *params, rng *r) {
    siren_fit fit;
    e2ec_status st = siren_fit_init(&fit, &m->siren, m->lx, m->ly, m->lz, target, p->loss,
                                    p->batch);
    if (st) return st;
    st = train_loop(p, m->n_params, params, siren_fit_grad, &fit, r);
    siren_fit_free(&fit);
    return st;
}

/* E2E mode: SIREN and SRNO trained together against the full-resolution
 * volume x (and, when p->lr_weight > 0, the SIREN's grid against y). Full
 * batch, or windows per step when p->batch > 0 or the full batch would not
 * fit (e2e_fit_init_batch). */
static e2ec_status train_e2e(const model *m, const e2ec_params *p, const float *x,
                             const float *y, float *params, rng *r) {
    e2e_fit fit;
    e2ec_status st = e2e_fit_init_batch(&fit, &m->siren, &m->srno, m->lx, m->ly, m->lz, m->hx,
                                        m->hy, m->hz, x, y, p->lr_weight, p->loss, p->batch,
                                        E2E_FIT_MAX_FLOATS);
    if (st) return st;
    st = train_loop_ramp(p, e2e_ramp_epochs(p->epochs), m->n_params, params, e2e_fit_grad, &fit,
                         r);
    e2e_fit_free(&fit);
    return st;
}

/* Stored weights are what decoders see: round through half floats if asked. */
static void round_to_storage(float *w, size_t n, int fp16) {
    if (!fp16) return;
    for (size_t i = 0; i < n; i++) w[i] = half_to_float(half_from_float(w[i]));
}

e2ec_status e2ec_encode(const e2ec_volume *in, const e2ec_params *p, uint8_t **stream,
                        size_t *size) {
    if (!stream || !size) return E2EC_ERR_ARG;
    *stream = NULL, *size = 0;
    e2ec_status st = check_volume(in);
    if (st || (st = check_params(p))) return st;

    e2ec_info info = {0};
    if ((st = model_info_from_params(&info, p, in->nx, in->ny, in->nz))) return st;
    memcpy(info.spacing, in->spacing, sizeof info.spacing);
    info.type = in->type;
    info.bits_stored = in->bits_stored;
    volume_minmax(in, &info.vmin, &info.vmax);
    model m;
    if ((st = model_from_info(&m, &info))) return st;

    int saved = threads_enter(p->threads);
    float *x = malloc(sizeof(float) * volume_voxels(in));
    float *params = malloc(sizeof(float) * m.n_params);
    float *target = NULL;
    if (!x || !params) {
        st = E2EC_ERR_NOMEM;
        goto done;
    }
    volume_to_normalised(in, info.vmin, info.vmax, x);
    if ((st = siren_target(&info, x, &target))) goto done;
    rng r = {p->seed};
    siren_init(&m.siren, params, &r);
    if (m.mode == E2EC_MODE_E2E) {
        srno_init(&m.srno, params + m.n_siren, &r);
        st = e2e_warm_start(&m.siren, &m.srno, m.lx, m.ly, m.lz, target, p, params, &r);
        if (!st) st = train_e2e(&m, p, x, target, params, &r);
    } else {
        st = train_siren_grid(&m, p, target, params, &r);
    }
    if (st) goto done;
    round_to_storage(params, m.n_params, info.fp16);
    st = bitstream_write(&info, params, m.n_params, stream, size);
done:
    if (target != x) free(target);
    free(x), free(params);
    threads_leave(saved);
    return st;
}
