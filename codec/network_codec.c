/* The paper's modes as codec modes (network_codec.h). */
#include <stdlib.h>
#include "fft_downsample.h"
#include "memory_budget.h"
#include "network_codec.h"
#include "quant.h"
#include "siren_fit.h"
#include "slab_decode.h"
#include "volume_norm.h"
#include "weights_section.h"

/* Quantisation groups: one per layer, which measured as good as one per
 * tensor for fewer bytes of offsets and scales (bench/RESULTS.md). */
#define ENCODE_GROUPING MODEL_GROUPS_LAYER
/* Quantisation-aware training over the last tenth of the epochs. */
#define QAT_FRACTION 10

e2ec_status network_check_info(const e2ec_mode_ops *self, const e2ec_info *info) {
    (void)self;
    model m;
    e2ec_status st = model_from_info(&m, info);
    if (st) return st;
    /* a header whose weight count disagrees with its own architecture lies */
    return m.n_params == info->n_weights ? E2EC_OK : E2EC_ERR_MISMATCH;
}

size_t network_param_count(const e2ec_mode_ops *self, const e2ec_params *p) {
    (void)self;
    e2ec_info info = {0};
    /* the count does not depend on the volume's size: use any valid one */
    if (model_info_from_params(&info, p, 64, 64, 64)) return 0;
    return info.n_weights;
}

e2ec_status network_check(const e2ec_mode_ops *self, const e2ec_volume *in,
                          const e2ec_params *p) {
    (void)self;
    e2ec_info info = {0};
    return model_info_from_params(&info, p, in->nx, in->ny, in->nz);
}

static uint64_t blas_floats(const network_variant *v, const model *m) {
    return v->blas_floats ? v->blas_floats(m) : 0;
}

e2ec_status network_encode_memory(const e2ec_mode_ops *self, const e2ec_volume *in,
                                  const e2ec_params *p, int threads, uint64_t *bytes) {
    const network_variant *v = self->impl;
    e2ec_info info = {0};
    e2ec_status st = model_info_from_params(&info, p, in->nx, in->ny, in->nz);
    if (st) return st;
    info.type = in->type;
    info.quant_bits = p->quant_bits; /* the near-lossless pass decodes the weights as coded */
    model m;
    if ((st = model_from_info(&m, &info))) return st;
    memory_terms t = {v->downsampled, v->fit_bytes(&m, p, threads), blas_floats(v, &m)};
    *bytes = memory_budget_encode(&info, &m, p, threads, &t);
    return E2EC_OK;
}

/* ------------------------------------------------------------ training */

e2ec_status network_train_siren(const model *m, const e2ec_params *p, const float *x,
                                const float *target, float *params, rng *r,
                                const train_qat *qat) {
    (void)x;
    siren_fit fit;
    e2ec_status st = siren_fit_init(&fit, &m->siren, m->lx, m->ly, m->lz, target, p->loss,
                                    p->batch);
    if (st) return st;
    train_options o = {.qat = qat};
    st = train_loop_opt(p, m->n_params, params, siren_fit_grad, &fit, r, &o);
    siren_fit_free(&fit);
    return st;
}

uint64_t network_siren_fit_bytes(const model *m, const e2ec_params *p, int threads) {
    return siren_fit_bytes(&m->siren, threads, p->batch);
}

/* The SIREN's training target on its own grid: the volume itself, or its
 * FFT downsampling (paper Eq. 1). */
static e2ec_status siren_target(const network_variant *v, const e2ec_info *info, float *x,
                                float **target) {
    if (!v->downsampled) {
        *target = x;
        return E2EC_OK;
    }
    *target = malloc(sizeof(float) * info->lx * info->ly * info->lz);
    if (!*target) return E2EC_ERR_NOMEM;
    return fft_downsample(x, info->nx, info->ny, info->nz, *target, info->lx, info->ly,
                          info->lz);
}

/* The weights section of the trained params (float, or quantised in their
 * groups) as out's payload. */
static e2ec_status pack_weights(const float *params, size_t n, const uint32_t *counts,
                                size_t n_groups, mode_stream *out) {
    e2ec_info *info = &out->info;
    bs_weights w = {.n = n, .values = params};
    if (!info->quant_bits)
        return weights_section_pack(info, &w, &out->payload, &out->payload_bytes);
    uint8_t *codes = malloc(n);
    float *offsets = malloc(sizeof(float) * n_groups), *scales = malloc(sizeof(float) * n_groups);
    e2ec_status st = E2EC_ERR_NOMEM;
    if (codes && offsets && scales) {
        quant_quantise(params, counts, n_groups, info->quant_bits, codes, offsets, scales);
        w = (bs_weights){.n = n, .n_groups = n_groups, .counts = counts, .offsets = offsets,
                         .scales = scales, .codes = codes};
        info->quant_groups = (uint32_t)n_groups;
        st = weights_section_pack(info, &w, &out->payload, &out->payload_bytes);
    }
    free(codes), free(offsets), free(scales);
    return st;
}

e2ec_status network_encode(const e2ec_mode_ops *self, const e2ec_volume *in,
                           const e2ec_params *p, mode_stream *out) {
    const network_variant *v = self->impl;
    e2ec_info *info = &out->info;
    volume_header(in, info); /* then the network's grid and scale */
    e2ec_status st = model_info_from_params(info, p, in->nx, in->ny, in->nz);
    if (st) return st;
    info->quant_bits = p->quant_bits;
    model m;
    if ((st = model_from_info(&m, info))) return st;

    float *x = malloc(sizeof(float) * volume_voxels(in));
    float *params = malloc(sizeof(float) * m.n_params), *target = NULL;
    if (!x || !params) {
        st = E2EC_ERR_NOMEM;
        goto done;
    }
    volume_to_normalised(in, info->vmin, info->vmax, x);
    if ((st = siren_target(v, info, x, &target))) goto done;
    uint32_t counts[MODEL_MAX_GROUPS];
    size_t n_groups = model_quant_groups(&m, params, ENCODE_GROUPING, counts);
    train_qat qat = {p->quant_bits, n_groups, counts, p->epochs - p->epochs / QAT_FRACTION + 1};
    rng r = {p->seed};
    siren_init(&m.siren, params, &r);
    st = v->train(&m, p, x, target, params, &r, p->quant_bits ? &qat : NULL);
    if (!st) st = pack_weights(params, m.n_params, counts, n_groups, out);
done:
    if (target != x) free(target);
    free(x), free(params);
    return st;
}

/* ------------------------------------------------------------ decoding */

e2ec_status network_decode_memory(const e2ec_mode_ops *self, const e2ec_info *info, uint32_t z0,
                                  uint32_t z1, int whole, int threads, uint64_t *bytes) {
    model m;
    e2ec_status st = model_from_info(&m, info);
    if (st) return st;
    *bytes = memory_budget_decode(info, &m, z0, z1, whole, threads, blas_floats(self->impl, &m));
    return E2EC_OK;
}

typedef struct {
    e2ec_info info;
    model m;
    float *params;
} network_decoder;

e2ec_status network_decode_open(const e2ec_mode_ops *self, const e2ec_info *info,
                                const uint8_t *payload, size_t n, void **dec) {
    (void)self;
    network_decoder *d = calloc(1, sizeof *d);
    if (!d) return E2EC_ERR_NOMEM;
    d->info = *info;
    e2ec_status st = model_from_info(&d->m, info);
    if (!st && !(d->params = malloc(sizeof(float) * d->m.n_params))) st = E2EC_ERR_NOMEM;
    if (!st) st = weights_section_read(payload, n, info, d->params);
    if (st) {
        network_decode_close(d);
        return st;
    }
    *dec = d;
    return E2EC_OK;
}

static e2ec_status eval(void *state, uint32_t z0, uint32_t z1, float *out) {
    const network_decoder *d = state;
    return model_eval_planes(&d->m, d->params, z0, z1, out);
}

e2ec_status network_decode_planes(void *dec, uint32_t z0, uint32_t z1, void *dst) {
    network_decoder *d = dec;
    return slab_decode(&d->info, model_planes_per_pass(&d->m, z0, z1), eval, d, z0, z1, dst);
}

void network_decode_close(void *dec) {
    network_decoder *d = dec;
    if (!d) return;
    free(d->params);
    free(d);
}
