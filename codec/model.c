/* The network of a stream and its evaluation on the output grid (model.h). */
#include <stdlib.h>
#include "fft_downsample.h"
#include "caps.h"
#include "model.h"
#include "upsample.h"

e2ec_status model_from_info(model *m, const e2ec_info *info) {
    *m = (model){0};
    m->mode = info->mode;
    m->hx = info->nx, m->hy = info->ny, m->hz = info->nz;
    m->lx = info->lx, m->ly = info->ly, m->lz = info->lz;
    m->siren = (siren_config){info->siren_width, info->siren_layers, info->omega0};
    if (m->siren.width < 1 || m->siren.width > E2EC_MAX_SIREN_WIDTH || m->siren.layers < 1 ||
        m->siren.layers > E2EC_MAX_SIREN_LAYERS)
        return E2EC_ERR_HEADER;
    m->n_siren = siren_param_count(&m->siren);
    switch (info->mode) {
    case E2EC_MODE_SIREN:
        break;
    case E2EC_MODE_SIREN_DS:
        if (info->upsampler != E2EC_UP_TRILINEAR && info->upsampler != E2EC_UP_TRICUBIC)
            return E2EC_ERR_HEADER;
        m->upsampler = info->upsampler;
        break;
    case E2EC_MODE_E2E:
        /* the stream carries NC, w and heads; the other hyper-parameters
         * are fixed for this bitstream version (srno_config_default) */
        srno_config_default(&m->srno);
        m->srno.channels = info->srno_channels;
        m->srno.width = info->srno_width;
        m->srno.heads = info->srno_heads;
        if (srno_config_check(&m->srno)) return E2EC_ERR_HEADER;
        m->n_srno = srno_param_count(&m->srno);
        break;
    default:
        return E2EC_ERR_HEADER;
    }
    m->n_params = m->n_siren + m->n_srno;
    return E2EC_OK;
}

e2ec_status model_info_from_params(e2ec_info *info, const e2ec_params *p, uint32_t nx,
                                   uint32_t ny, uint32_t nz) {
    int scale = p->mode == E2EC_MODE_SIREN ? 1 : p->scale;
    if (scale != 1 && scale != 2 && scale != 4 && scale != 8) return E2EC_ERR_ARG;
    if (p->mode == E2EC_MODE_SIREN && p->scale != 1 && p->scale != 0) return E2EC_ERR_ARG;
    info->nx = nx, info->ny = ny, info->nz = nz;
    info->mode = p->mode;
    info->scale = scale;
    info->lx = lowres_size(nx, scale);
    info->ly = lowres_size(ny, scale);
    info->lz = lowres_size(nz, scale);
    info->siren_width = p->siren_width;
    info->siren_layers = p->siren_layers;
    info->omega0 = p->omega0;
    info->upsampler = p->mode == E2EC_MODE_SIREN_DS ? p->upsampler : 0;
    info->srno_channels = info->srno_width = info->srno_heads = 0;
    if (p->mode == E2EC_MODE_E2E) {
        info->srno_channels = p->srno_channels;
        info->srno_width = p->srno_width;
        info->srno_heads = p->srno_heads;
    }
    info->fp16 = p->fp16 != 0;
    model m;
    e2ec_status st = model_from_info(&m, info);
    if (st == E2EC_ERR_HEADER) return E2EC_ERR_ARG;
    if (st) return st;
    if (m.n_params > E2EC_MAX_WEIGHTS) return E2EC_ERR_LIMIT;
    info->n_weights = (uint32_t)m.n_params;
    return E2EC_OK;
}

/* Start offsets of the tensors, in network order; layer_first[k] says
 * whether tensor k begins a layer. Returns the number of tensors. */
static size_t tensor_starts(const model *m, const float *params, size_t *starts,
                            int *layer_first) {
    size_t k = 0;
#define TENSOR(ptr, first) (starts[k] = (size_t)((ptr) - params), layer_first[k++] = (first))
    siren_views sv;
    siren_views_of(&sv, &m->siren, (float *)params);
    for (int l = 0; l <= m->siren.layers; l++) TENSOR(sv.w[l], 1), TENSOR(sv.b[l], 0);
    if (m->mode == E2EC_MODE_E2E) {
        srno_views v;
        srno_views_of(&v, &m->srno, (float *)params + m->n_siren);
        TENSOR(v.head_w, 1), TENSOR(v.head_b, 0);
        for (int i = 0; i < 2 * m->srno.resblocks; i++)
            TENSOR(v.res_w[i], 1), TENSOR(v.res_b[i], 0);
        TENSOR(v.body_w, 1), TENSOR(v.body_b, 0);
        TENSOR(v.lift_w, 1), TENSOR(v.lift_b, 0);
        size_t w = (size_t)m->srno.width;
        for (int b = 0; b < SRNO_BLOCKS; b++) { /* galerkin.h packing */
            float *a = v.attn[b];
            TENSOR(a, 1), TENSOR(a + 3 * w * w, 0);           /* W_qkv, b_qkv */
            a += 3 * w * w + 3 * w;
            for (int t = 0; t < 4; t++) TENSOR(a + t * w, t == 0); /* norm gains, biases */
            a += 4 * w;
            TENSOR(a, 1), TENSOR(a + w * w, 0);               /* W1, b1 */
            a += w * w + w;
            TENSOR(a, 1), TENSOR(a + w * w, 0);               /* W2, b2 */
        }
        TENSOR(v.dec_w1, 1), TENSOR(v.dec_b1, 0), TENSOR(v.dec_w2, 1), TENSOR(v.dec_b2, 0);
    }
#undef TENSOR
    return k;
}

size_t model_quant_groups(const model *m, const float *params, model_grouping how,
                          uint32_t *counts) {
    size_t starts[MODEL_MAX_GROUPS];
    int first[MODEL_MAX_GROUPS];
    size_t nt = tensor_starts(m, params, starts, first), g = 0;
    for (size_t k = 0; k < nt; k++) {
        if (how == MODEL_GROUPS_LAYER && !first[k]) continue;
        size_t end = m->n_params;
        for (size_t j = k + 1; j < nt; j++)
            if (how == MODEL_GROUPS_TENSOR || first[j]) {
                end = starts[j];
                break;
            }
        if (counts) counts[g] = (uint32_t)(end - starts[k]);
        g++;
    }
    return g;
}

static e2ec_status eval_siren_ds(const model *m, const float *params, uint32_t z0, uint32_t z1,
                                 float *out) {
    uint32_t l0, l1;
    upsample_lr_planes(m->upsampler, m->lz, m->hz, z0, z1, &l0, &l1);
    float *lr = malloc(sizeof(float) * m->lx * m->ly * m->lz);
    if (!lr) return E2EC_ERR_NOMEM;
    size_t plane = (size_t)m->lx * m->ly;
    if (siren_eval_grid(&m->siren, params, m->lx, m->ly, m->lz, l0, l1, lr + plane * l0)) {
        free(lr);
        return E2EC_ERR_NOMEM;
    }
    upsample_forward(m->upsampler, lr, m->lx, m->ly, m->lz, out, m->hx, m->hy, m->hz, z0, z1);
    free(lr);
    return E2EC_OK;
}

/* SIREN on the low-res planes the SRNO reads, then the SRNO (srno.h). */
static e2ec_status eval_e2e(const model *m, const float *params, uint32_t z0, uint32_t z1,
                            float *out) {
    uint32_t l0, l1;
    srno_lr_planes(&m->srno, m->lz, m->hz, z0, z1, &l0, &l1);
    float *lr = malloc(sizeof(float) * m->lx * m->ly * m->lz);
    if (!lr) return E2EC_ERR_NOMEM;
    size_t plane = (size_t)m->lx * m->ly;
    e2ec_status st = E2EC_OK;
    if (siren_eval_grid(&m->siren, params, m->lx, m->ly, m->lz, l0, l1, lr + plane * l0))
        st = E2EC_ERR_NOMEM;
    else
        st = srno_eval_planes(&m->srno, params + m->n_siren, lr, m->lx, m->ly, m->lz, m->hx,
                              m->hy, m->hz, z0, z1, out);
    free(lr);
    return st;
}

e2ec_status model_eval_planes(const model *m, const float *params, uint32_t z0, uint32_t z1,
                              float *out) {
    if (z0 >= z1 || z1 > m->hz) return E2EC_ERR_ARG;
    switch (m->mode) {
    case E2EC_MODE_SIREN:
        return siren_eval_grid(&m->siren, params, m->hx, m->hy, m->hz, z0, z1, out)
                   ? E2EC_ERR_NOMEM
                   : E2EC_OK;
    case E2EC_MODE_SIREN_DS:
        return eval_siren_ds(m, params, z0, z1, out);
    case E2EC_MODE_E2E:
        return eval_e2e(m, params, z0, z1, out);
    default: /* not a model of this kind (model_from_info refuses it) */
        break;
    }
    return E2EC_ERR_UNSUPPORTED;
}

/* Output planes per pass outside E2E mode. */
#define MODEL_PASS_PLANES 8

uint32_t model_planes_per_pass(const model *m, uint32_t z0, uint32_t z1) {
    uint32_t per = m->mode == E2EC_MODE_E2E ? (uint32_t)m->srno.window : MODEL_PASS_PLANES;
    return z1 - z0 < per ? z1 - z0 : per;
}

uint64_t model_eval_bytes(const model *m, uint32_t z0, uint32_t z1, int threads) {
    uint64_t siren = (uint64_t)threads * siren_eval_thread_floats(&m->siren) * sizeof(float);
    uint64_t lr = (uint64_t)m->lx * m->ly * m->lz * sizeof(float);
    switch (m->mode) {
    case E2EC_MODE_SIREN: return siren;
    case E2EC_MODE_SIREN_DS: return lr + siren;
    case E2EC_MODE_E2E:
        return lr + siren +
               (uint64_t)srno_eval_floats(&m->srno, m->lx, m->ly, m->lz, m->hx, m->hy, m->hz, z0,
                                          z1) *
                   sizeof(float);
    default: /* not a model of this kind */
        break;
    }
    return 0;
}
