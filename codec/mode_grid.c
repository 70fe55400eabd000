/* E2EC_MODE_GRID: training into a stream and decoding it (mode_grid.h). */
#include <stdlib.h>
#include <string.h>
#include "nn/relu_mlp.h"
#include "caps.h"
#include "grid_decoder.h"
#include "grid_stream.h"
#include "memory_budget.h"
#include "mode_grid.h"
#include "mode_ops.h"
#include "volume_norm.h"

/* Output planes decoded per pass: bounds the float scratch whatever nz is. */
#define GRID_DECODE_SLAB 8

void grid_config_from_params(const e2ec_params *p, grid_fit_config *c) {
    /* bench/RESULTS.md's MR settings: 4 levels, F = 2, finest step 2, MLP
     * 8-16-16-1 (the defaults), delta 1/8, 32768 voxels a step */
    grid_fit_defaults(c);
    c->delta = 1.0f / 8;
    c->lambda = p->grid_lambda;
    c->steps = p->epochs;
    c->batch = p->batch > 0 ? p->batch : 1 << 15;
    c->threads = p->threads;
    c->seed = p->seed;
    c->progress = p->progress, c->progress_user = p->progress_user;
    c->progress_every = p->progress_every;
}

static size_t param_count(const e2ec_mode_ops *self, const e2ec_params *p) {
    (void)self; /* the MLP's weights; the grid's size depends on the volume */
    grid_fit_config c;
    grid_config_from_params(p, &c);
    return grid_mlp_size(c.levels * c.feats, c.hidden);
}

static e2ec_status check(const e2ec_mode_ops *self, const e2ec_volume *in,
                         const e2ec_params *p) {
    (void)self;
    if (!(p->grid_lambda >= 0.0f) || p->epochs < 1) return E2EC_ERR_ARG;
    if (in->nx < 2 || in->ny < 2 || in->nz < 2) return E2EC_ERR_UNSUPPORTED;
    grid_fit_config c;
    grid_config_from_params(p, &c);
    grid_shape gs;
    e2ec_status st = grid_shape_for(&c, in->nx, in->ny, in->nz, &gs);
    if (st) return st;
    return gs.off[gs.levels] > E2EC_MAX_GRID_VALUES ? E2EC_ERR_LIMIT : E2EC_OK;
}

static e2ec_status encode_memory(const e2ec_mode_ops *self, const e2ec_volume *in,
                                 const e2ec_params *p, int threads, uint64_t *bytes) {
    (void)self;
    grid_fit_config c;
    grid_config_from_params(p, &c);
    grid_shape gs;
    e2ec_status st = grid_shape_for(&c, in->nx, in->ny, in->nz, &gs);
    if (st) return st;
    /* grid_fit's buffers (grid, its quantisation, gradient, Adam's two
     * moments, integers; where the voxels fall in it; a batch's targets and
     * activations) and the normalised volume */
    uint64_t ng = gs.off[gs.levels], B = (uint64_t)c.batch, h = (uint64_t)c.hidden;
    uint64_t cin = (uint64_t)c.levels * c.feats, nw = grid_mlp_size((int)cin, c.hidden);
    /* per batch voxel: target, output, its gradient, index, features and
     * their gradient; the MLP's activations */
    *bytes = (uint64_t)in->nx * in->ny * in->nz * 4 + ng * 4 * 6 + nw * 4 * 5 +
             grid_axes_bytes(c.levels, in->nx, in->ny, in->nz) + B * 4 * (1 + 1 + 1 + 1 + 2 * cin) +
             relu_mlp_bytes((int)B, (int)cin, (int)h, 1, 1) +
             memory_budget_runtime(threads, 0);
    return E2EC_OK;
}

static e2ec_status encode(const e2ec_mode_ops *self, const e2ec_volume *in,
                          const e2ec_params *p, mode_stream *out) {
    (void)self;
    grid_fit_config c;
    grid_config_from_params(p, &c);
    e2ec_info *info = &out->info;
    volume_header(in, info);
    info->mode = E2EC_MODE_GRID;
    info->fp16 = 1;
    info->grid_levels = c.levels, info->grid_feats = c.feats, info->grid_hidden = c.hidden;
    memcpy(info->grid_step, c.fine_step, sizeof info->grid_step);
    info->grid_delta = c.delta;
    grid_shape gs;
    e2ec_status st = grid_shape_for(&c, in->nx, in->ny, in->nz, &gs);
    if (st) return st;
    info->grid_values = gs.off[gs.levels];
    info->n_weights = (uint32_t)grid_mlp_size(c.levels * c.feats, c.hidden);
    float *x = malloc(sizeof(float) * volume_voxels(in));
    if (!x) return E2EC_ERR_NOMEM;
    volume_to_normalised(in, info->vmin, info->vmax, x);
    grid_model m;
    st = grid_fit(x, in->nx, in->ny, in->nz, &c, &m);
    free(x);
    if (st) return st;
    st = grid_stream_pack(m.q, m.mlp, out);
    grid_model_free(&m);
    return st;
}

static e2ec_status decode_memory(const e2ec_mode_ops *self, const e2ec_info *info, uint32_t z0,
                                 uint32_t z1, int whole, int threads, uint64_t *bytes) {
    (void)self;
    uint64_t ng = info->grid_values, nw = info->n_weights;
    *bytes = grid_decoder_memory(info, ng, nw, GRID_DECODE_SLAB, z0, z1, whole, threads) +
             ng * (uint64_t)info->grid_feature_bytes + 2 * nw; /* the unpacked payload */
    return E2EC_OK;
}

/* The whole grid is unpacked (it is one zstd frame); the MLP runs only on the
 * planes asked for. */
static e2ec_status decode_open(const e2ec_mode_ops *self, const e2ec_info *info,
                               const uint8_t *payload, size_t n, void **dec) {
    (void)self;
    grid_fit_config c;
    grid_fit_defaults(&c);
    c.levels = info->grid_levels, c.feats = info->grid_feats;
    memcpy(c.fine_step, info->grid_step, sizeof c.fine_step);
    grid_model m = {.delta = info->grid_delta, .hidden = info->grid_hidden};
    e2ec_status st = grid_shape_for(&c, info->nx, info->ny, info->nz, &m.shape);
    if (st || m.shape.off[m.shape.levels] != info->grid_values) return E2EC_ERR_ARG;
    m.q = malloc(sizeof(int32_t) * info->grid_values);
    m.mlp = malloc(sizeof(float) * info->n_weights);
    st = m.q && m.mlp ? grid_stream_read(payload, n, info, m.q, m.mlp) : E2EC_ERR_NOMEM;
    if (st) {
        grid_model_free(&m);
        return st;
    }
    return grid_decoder_new(info, &m, GRID_DECODE_SLAB, dec);
}

const e2ec_mode_ops mode_grid = {
    .mode = E2EC_MODE_GRID,
    .name = "grid",
    /* binary16 MLP weights (the fp16 flag says so), no quantisation, no residual */
    .layout = {.min_version = 2, .header_bytes = GRID_HEADER_BYTES, .fp16_set = 1},
    .knob = MODE_KNOB_LAMBDA,
    .default_epochs = 2000, /* Adam steps: bench/results/defaults/ */
    .epoch_unit = {"step", "steps"},
    .default_lambda = 4e-3f, /* the MR at ~0.27 bpp, 31 dB (bench/RESULTS.md, grid mode) */
    /* MR sample: 1 dB per doubling at lambda 0.1..0.03, 0.5 dB at 0.01..0.004 */
    .lambda_psnr_slope = 0.7f,
    .read_header = grid_stream_read_header,
    .param_count = param_count,
    .check = check,
    .encode_memory = encode_memory,
    .encode = encode,
    .decode_memory = decode_memory,
    .decode_open = decode_open,
    .decode_planes = grid_decoder_planes,
    .decode_close = grid_decoder_close,
};
