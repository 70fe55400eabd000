/* E2EC_MODE_GRID: training into a stream and decoding it (grid_codec.h). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "bitstream.h"
#include "blas_pack.h"
#include "caps.h"
#include "grid_codec.h"
#include "memory_budget.h"
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
}

e2ec_status grid_encode_memory(const e2ec_volume *in, const e2ec_params *p, uint64_t *bytes) {
    grid_fit_config c;
    grid_config_from_params(p, &c);
    grid_shape gs;
    e2ec_status st = grid_shape_for(&c, in->nx, in->ny, in->nz, &gs);
    if (st) return st;
    /* grid_fit's buffers (grid, its quantisation, gradient, Adam's two
     * moments, integers; a batch's positions, targets and activations) and
     * the normalised volume */
    uint64_t ng = gs.off[gs.levels], B = (uint64_t)c.batch, h = (uint64_t)c.hidden;
    uint64_t cin = (uint64_t)c.levels * c.feats, nw = grid_mlp_size((int)cin, c.hidden);
    /* per batch voxel: positions (3), target, output, its gradient, index,
     * features and their gradient, 4 + 4 hidden activations and gradients */
    *bytes = (uint64_t)in->nx * in->ny * in->nz * 4 + ng * 4 * 6 + nw * 4 * 5 +
             B * 4 * (3 + 1 + 1 + 1 + 1 + 2 * cin + 8 * h) +
             memory_budget_runtime(c.threads > 0 ? c.threads : omp_get_max_threads(),
                                   blas_packed_floats(B, cin > h ? cin : h)); /* the MLP's rows */
    return E2EC_OK;
}

e2ec_status grid_encode(const e2ec_volume *in, const e2ec_params *p, uint8_t **stream,
                        size_t *size) {
    if (p->quant_bits || p->max_error >= 0) return E2EC_ERR_UNSUPPORTED;
    if (!(p->grid_lambda >= 0.0f) || p->epochs < 1) return E2EC_ERR_ARG;
    if (in->nx < 2 || in->ny < 2 || in->nz < 2) return E2EC_ERR_UNSUPPORTED;
    grid_fit_config c;
    grid_config_from_params(p, &c);
    e2ec_info info = {0};
    info.nx = in->nx, info.ny = in->ny, info.nz = in->nz;
    info.lx = in->nx, info.ly = in->ny, info.lz = in->nz;
    memcpy(info.spacing, in->spacing, sizeof info.spacing);
    info.type = in->type;
    info.bits_stored = in->bits_stored;
    info.mode = E2EC_MODE_GRID;
    info.scale = 1;
    info.fp16 = 1;
    info.grid_levels = c.levels, info.grid_feats = c.feats, info.grid_hidden = c.hidden;
    memcpy(info.grid_step, c.fine_step, sizeof info.grid_step);
    info.grid_delta = c.delta;
    grid_shape gs;
    e2ec_status st = grid_shape_for(&c, in->nx, in->ny, in->nz, &gs);
    if (st) return st;
    if (gs.off[gs.levels] > E2EC_MAX_GRID_VALUES) return E2EC_ERR_LIMIT;
    info.grid_values = gs.off[gs.levels];
    uint64_t need, nw = grid_mlp_size(c.levels * c.feats, c.hidden);
    if ((st = grid_encode_memory(in, p, &need)) || (st = memory_budget_check(need, p->max_memory)))
        return st;
    volume_minmax(in, &info.vmin, &info.vmax);
    float *x = malloc(sizeof(float) * volume_voxels(in));
    if (!x) return E2EC_ERR_NOMEM;
    volume_to_normalised(in, info.vmin, info.vmax, x);
    grid_model m;
    st = grid_fit(x, in->nx, in->ny, in->nz, &c, &m);
    free(x);
    if (st) return st;
    info.n_weights = (uint32_t)nw;
    bs_weights w = {.n = (size_t)nw, .values = m.mlp, .grid = m.q};
    st = bitstream_write(&info, &w, NULL, stream, size);
    grid_model_free(&m);
    return st;
}

uint64_t grid_decode_memory(const e2ec_info *info, uint32_t z0, uint32_t z1, int whole,
                            int threads) {
    uint64_t ng = info->grid_values, nw = info->n_weights, plane = (uint64_t)info->nx * info->ny;
    uint64_t slab = z1 - z0 < GRID_DECODE_SLAB ? z1 - z0 : GRID_DECODE_SLAB;
    uint64_t cin = (uint64_t)info->grid_levels * info->grid_feats, h = (uint64_t)info->grid_hidden;
    uint64_t bytes = ng * 4 + nw * 4                          /* the model: q, mlp */
                     + ng * (uint64_t)info->grid_feature_bytes + 2 * nw /* the unpacked section */
                     + ng * 4                                 /* grid_decode_planes' features */
                     + (uint64_t)GRID_DECODE_CHUNK * 4 * (3 + cin + 4 * h + 1) /* positions, activations */
                     + plane * slab * 4;                      /* a slab of floats */
    bytes += memory_budget_runtime(threads, /* the MLP's rows */
                                   blas_packed_floats(GRID_DECODE_CHUNK, cin > h ? cin : h));
    if (whole) bytes += plane * info->nz * e2ec_voxel_size(info->type);
    return bytes;
}

e2ec_status grid_decode_stream(const uint8_t *s, size_t size, const e2ec_info *info, uint32_t z0,
                               uint32_t z1, void *dst) {
    grid_fit_config c;
    grid_fit_defaults(&c);
    c.levels = info->grid_levels, c.feats = info->grid_feats;
    memcpy(c.fine_step, info->grid_step, sizeof c.fine_step);
    grid_model m = {.delta = info->grid_delta, .hidden = info->grid_hidden};
    e2ec_status st = grid_shape_for(&c, info->nx, info->ny, info->nz, &m.shape);
    if (st || m.shape.off[m.shape.levels] != info->grid_values || z0 >= z1 || z1 > info->nz)
        return E2EC_ERR_ARG;
    size_t plane = (size_t)info->nx * info->ny, vs = e2ec_voxel_size(info->type);
    uint32_t slab = z1 - z0 < GRID_DECODE_SLAB ? z1 - z0 : GRID_DECODE_SLAB;
    m.q = malloc(sizeof(int32_t) * info->grid_values);
    m.mlp = malloc(sizeof(float) * info->n_weights);
    float *buf = malloc(sizeof(float) * plane * slab);
    if (!m.q || !m.mlp || !buf) st = E2EC_ERR_NOMEM;
    else st = bitstream_read_grid(s, size, info, m.q, m.mlp);
    for (uint32_t z = z0; z < z1 && !st; z += slab) {
        uint32_t ze = z + slab < z1 ? z + slab : z1;
        st = grid_decode_planes(&m, info->nx, info->ny, info->nz, z, ze, 0, buf);
        if (!st)
            normalised_to_stored(buf, plane * (ze - z), info->vmin, info->vmax, info->type,
                                 info->bits_stored, (uint8_t *)dst + (z - z0) * plane * vs);
    }
    free(buf);
    grid_model_free(&m);
    return st;
}
