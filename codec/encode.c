/* e2ec_encode: normalise, downsample, train, store (e2ec.h). */
#include <stdlib.h>
#include <string.h>
#include "bitstream.h"
#include "e2e_fit.h"
#include "fft_downsample.h"
#include "grid_codec.h"
#include "caps.h"
#include "memory_budget.h"
#include "model.h"
#include "quant.h"
#include "residual.h"
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
    p->max_error = -1;
    p->progress_every = 100;
    srno_config srno;
    srno_config_default(&srno); /* the SRNO's own defaults, written once */
    p->srno_channels = srno.channels;
    p->srno_width = srno.width;
    p->srno_heads = srno.heads;
    p->grid_lambda = 4e-3f;
}

size_t e2ec_param_count(const e2ec_params *p) {
    if (p->mode == E2EC_MODE_GRID) { /* the MLP's weights; the grid's size depends on the volume */
        grid_fit_config c;
        grid_config_from_params(p, &c);
        return grid_mlp_size(c.levels * c.feats, c.hidden);
    }
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
        (p->loss != E2EC_LOSS_L1 && p->loss != E2EC_LOSS_L2) || p->threads < 0 ||
        (p->quant_bits && (p->quant_bits < QUANT_MIN_BITS || p->quant_bits > QUANT_MAX_BITS ||
                           p->fp16)) ||
        p->max_error > (int)E2EC_MAX_ERROR)
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
                                    float *params, rng *r, const train_qat *qat) {
    siren_fit fit;
    e2ec_status st = siren_fit_init(&fit, &m->siren, m->lx, m->ly, m->lz, target, p->loss,
                                    p->batch);
    if (st) return st;
    train_options o = {.qat = qat};
    st = train_loop_opt(p, m->n_params, params, siren_fit_grad, &fit, r, &o);
    siren_fit_free(&fit);
    return st;
}

/* E2E mode: SIREN and SRNO trained together against the full-resolution
 * volume x (and, when p->lr_weight > 0, the SIREN's grid against y). Full
 * batch, or windows per step when p->batch > 0 or the full batch would not
 * fit (e2e_fit_init_batch). */
static e2ec_status train_e2e(const model *m, const e2ec_params *p, const float *x,
                             const float *y, float *params, rng *r, const train_qat *qat) {
    e2e_fit fit;
    e2ec_status st = e2e_fit_init_batch(&fit, &m->siren, &m->srno, m->lx, m->ly, m->lz, m->hx,
                                        m->hy, m->hz, x, y, p->lr_weight, p->loss, p->batch,
                                        E2E_FIT_MAX_FLOATS);
    if (st) return st;
    train_options o = {.ramp = e2e_ramp_epochs(p->epochs), .qat = qat};
    st = train_loop_opt(p, m->n_params, params, e2e_fit_grad, &fit, r, &o);
    e2e_fit_free(&fit);
    return st;
}

/* Quantisation groups: one per layer, which measured as good as one per
 * tensor for fewer bytes of offsets and scales (bench/RESULTS.md). */
#define ENCODE_GROUPING MODEL_GROUPS_LAYER
/* Quantisation-aware training over the last tenth of the epochs. */
#define QAT_FRACTION 10

/* Writes the trained weights (float, or quantised in their groups) and,
 * when res is not NULL, a residual. */
static e2ec_status write_weights(const e2ec_info *info, const float *params, size_t n,
                                 const uint32_t *counts, size_t n_groups,
                                 const bs_residual *res, uint8_t **stream, size_t *size) {
    bs_weights w = {.n = n, .values = params};
    if (!info->quant_bits) return bitstream_write(info, &w, res, stream, size);
    uint8_t *codes = malloc(n);
    float *offsets = malloc(sizeof(float) * n_groups), *scales = malloc(sizeof(float) * n_groups);
    e2ec_status st = E2EC_ERR_NOMEM;
    if (codes && offsets && scales) {
        quant_quantise(params, counts, n_groups, info->quant_bits, codes, offsets, scales);
        w = (bs_weights){.n = n, .n_groups = n_groups, .counts = counts, .offsets = offsets,
                         .scales = scales, .codes = codes};
        st = bitstream_write(info, &w, res, stream, size);
    }
    free(codes), free(offsets), free(scales);
    return st;
}

/* Near-lossless: decodes the network's stream, codes what it misses within
 * max_error, and rewrites the stream with that residual. */
static e2ec_status add_residual(const e2ec_volume *in, const e2ec_info *info,
                                const float *params, size_t n, const uint32_t *counts,
                                size_t n_groups, uint32_t max_error, int threads,
                                uint8_t **stream, size_t *size) {
    e2ec_volume dec;
    e2ec_status st = e2ec_decode(*stream, *size, threads, &dec);
    if (st) return st;
    residual_coded rc;
    st = residual_code(in, &dec, max_error, &rc);
    e2ec_volume_free(&dec);
    if (st) return st;
    bs_residual res = {rc.max_error, rc.sample_bytes, rc.chunk_bytes, rc.chunks};
    uint8_t *s2;
    size_t n2;
    st = write_weights(info, params, n, counts, n_groups, &res, &s2, &n2);
    residual_coded_free(&rc);
    if (st) return st;
    free(*stream);
    *stream = s2, *size = n2;
    return E2EC_OK;
}

e2ec_status e2ec_encode(const e2ec_volume *in, const e2ec_params *p, uint8_t **stream,
                        size_t *size) {
    if (!stream || !size) return E2EC_ERR_ARG;
    *stream = NULL, *size = 0;
    e2ec_status st = check_volume(in);
    if (st || (st = check_params(p))) return st;
    if (p->mode == E2EC_MODE_GRID) return grid_encode(in, p, stream, size);

    e2ec_info info = {0};
    if ((st = model_info_from_params(&info, p, in->nx, in->ny, in->nz))) return st;
    memcpy(info.spacing, in->spacing, sizeof info.spacing);
    info.type = in->type;
    info.bits_stored = in->bits_stored;
    info.quant_bits = p->quant_bits;
    if (p->max_error >= 0 && in->type == E2EC_F32) return E2EC_ERR_UNSUPPORTED;
    volume_minmax(in, &info.vmin, &info.vmax);
    model m;
    if ((st = model_from_info(&m, &info))) return st;

    int saved = threads_enter(p->threads);
    float *x = NULL, *params = NULL, *target = NULL;
    /* refused before any allocation when over the caller's limit (memory_budget.h) */
    st = memory_budget_check(memory_budget_encode(&info, &m, p, omp_get_max_threads()),
                             p->max_memory);
    if (st) goto done;
    x = malloc(sizeof(float) * volume_voxels(in));
    params = malloc(sizeof(float) * m.n_params);
    if (!x || !params) {
        st = E2EC_ERR_NOMEM;
        goto done;
    }
    volume_to_normalised(in, info.vmin, info.vmax, x);
    if ((st = siren_target(&info, x, &target))) goto done;
    uint32_t counts[MODEL_MAX_GROUPS];
    size_t n_groups = model_quant_groups(&m, params, ENCODE_GROUPING, counts);
    train_qat qat = {p->quant_bits, n_groups, counts, p->epochs - p->epochs / QAT_FRACTION + 1};
    const train_qat *q = p->quant_bits ? &qat : NULL;
    rng r = {p->seed};
    siren_init(&m.siren, params, &r);
    if (m.mode == E2EC_MODE_E2E) {
        srno_init(&m.srno, params + m.n_siren, &r);
        st = e2e_warm_start(&m.siren, &m.srno, m.lx, m.ly, m.lz, target, p, params, &r);
        if (!st) st = train_e2e(&m, p, x, target, params, &r, q);
    } else {
        st = train_siren_grid(&m, p, target, params, &r, q);
    }
    if (st) goto done;
    st = write_weights(&info, params, m.n_params, counts, n_groups, NULL, stream, size);
    if (!st && p->max_error >= 0)
        st = add_residual(in, &info, params, m.n_params, counts, n_groups,
                          (uint32_t)p->max_error, p->threads, stream, size);
    if (st) {
        free(*stream);
        *stream = NULL, *size = 0;
    }
done:
    if (target != x) free(target);
    free(x), free(params);
    threads_leave(saved);
    return st;
}
