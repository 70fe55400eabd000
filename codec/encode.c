/* e2ec_encode: the checks every mode shares, then the mode's own encoding
 * through its table (mode.h), the stream, and the near-lossless residual (e2ec.h). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "bitstream.h"
#include "caps.h"
#include "memory_budget.h"
#include "mode.h"
#include "quant.h"
#include "residual.h"
#include "srno.h"
#include "threads.h"
#include "volume_norm.h"

int e2ec_default_epochs(e2ec_mode mode) {
    const e2ec_mode_ops *m = e2ec_mode_ops_of(mode);
    return m ? m->default_epochs : 0;
}

int e2ec_encode_epochs(const e2ec_volume *in, const e2ec_params *p) {
    const e2ec_mode_ops *m = p ? e2ec_mode_ops_of(p->mode) : NULL;
    if (!m || !in || p->epochs < 1 || !in->nx || !in->ny || !in->nz) return 0;
    return m->epochs ? m->epochs(in, p) : p->epochs;
}

const char *e2ec_epoch_unit(e2ec_mode mode, int count) {
    const e2ec_mode_ops *m = e2ec_mode_ops_of(mode);
    return m ? m->epoch_unit[count != 1] : NULL;
}

float e2ec_default_lambda(e2ec_mode mode) {
    const e2ec_mode_ops *m = e2ec_mode_ops_of(mode);
    return m && m->knob == MODE_KNOB_LAMBDA ? m->default_lambda : 0.0f;
}

int e2ec_preset_epochs(e2ec_mode mode, e2ec_preset preset) {
    int e = e2ec_default_epochs(mode);
    switch (preset) {
    case E2EC_PRESET_FAST: return e / 3 > 0 ? e / 3 : 1;
    case E2EC_PRESET_MEDIUM: return e;
    case E2EC_PRESET_SLOW: return e > INT_MAX / 2 ? INT_MAX : 2 * e;
    }
    return 0;
}

/* The preset names, indexed by e2ec_preset. */
static const char *const preset_names[] = {NULL, "fast", "medium", "slow"};

const char *e2ec_preset_name(e2ec_preset preset) {
    return preset >= E2EC_PRESET_FAST && preset <= E2EC_PRESET_SLOW ? preset_names[preset] : NULL;
}

e2ec_preset e2ec_preset_from_name(const char *name) {
    for (int i = E2EC_PRESET_FAST; name && i <= E2EC_PRESET_SLOW; i++)
        if (!strcmp(preset_names[i], name)) return (e2ec_preset)i;
    return (e2ec_preset)0;
}

void e2ec_params_default(e2ec_params *p) {
    memset(p, 0, sizeof *p);
    p->mode = E2EC_MODE_LATENT; /* the best quality per byte measured within minutes */
    p->scale = 2;
    p->siren_width = 30;
    p->siren_layers = 3;
    p->omega0 = 10.0f; /* measured on the 32^3 low-res grid of DS = 1/2 (docs/architecture.md) */
    p->upsampler = E2EC_UP_TRICUBIC;
    p->epochs = e2ec_default_epochs(p->mode);
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
    p->grid_lambda = e2ec_default_lambda(p->mode);
}

size_t e2ec_param_count(const e2ec_params *p) {
    const e2ec_mode_ops *mode = p ? e2ec_mode_ops_of(p->mode) : NULL;
    return mode ? mode->param_count(mode, p) : 0;
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

/* What the mode's stream cannot hold (its layout), then the mode's own checks;
 * NULL mode: a mode this build does not know. */
static e2ec_status check_mode(const e2ec_mode_ops *mode, const e2ec_volume *in,
                              const e2ec_params *p) {
    if (!mode) return E2EC_ERR_ARG;
    if ((p->quant_bits && !mode->layout.quantised) ||
        (p->max_error >= 0 && !mode->layout.residual && !mode->layout.own_error))
        return E2EC_ERR_UNSUPPORTED;
    e2ec_status st = mode->check(mode, in, p);
    if (!st && p->max_error >= 0 && in->type == E2EC_F32) st = E2EC_ERR_UNSUPPORTED;
    return st;
}

/* Near-lossless: decodes the stream, codes what it misses within max_error,
 * and writes the stream again with that residual. */
static e2ec_status add_residual(const e2ec_volume *in, const mode_stream *ms, uint32_t max_error,
                                int threads, uint8_t **stream, size_t *size) {
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
    st = bitstream_write_stream(ms, &res, &s2, &n2);
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
    const e2ec_mode_ops *mode = e2ec_mode_ops_of(p->mode);
    if ((st = check_mode(mode, in, p))) return st;

    int saved = threads_enter(p->threads);
    /* refused before any allocation when over the caller's limit (memory_budget.h) */
    uint64_t need;
    st = mode->encode_memory(mode, in, p, omp_get_max_threads(), &need);
    if (!st) st = memory_budget_check(need, p->max_memory);
    mode_stream ms;
    memset(&ms, 0, sizeof ms);
    if (!st) st = mode->encode(mode, in, p, &ms);
    if (!st) st = bitstream_write_stream(&ms, NULL, stream, size);
    if (!st && p->max_error >= 0 && !mode->layout.own_error)
        st = add_residual(in, &ms, (uint32_t)p->max_error, p->threads, stream, size);
    if (st) {
        free(*stream);
        *stream = NULL, *size = 0;
    }
    free(ms.payload);
    threads_leave(saved);
    return st;
}

e2ec_status e2ec_encode_memory(const e2ec_volume *in, const e2ec_params *p, uint64_t *bytes) {
    if (!in || !p || !bytes || p->threads < 0 || !e2ec_voxel_size(in->type)) return E2EC_ERR_ARG;
    const e2ec_mode_ops *mode = e2ec_mode_ops_of(p->mode);
    if (!mode) return E2EC_ERR_ARG;
    int saved = threads_enter(p->threads);
    e2ec_status st = mode->encode_memory(mode, in, p, omp_get_max_threads(), bytes);
    threads_leave(saved);
    return st;
}
