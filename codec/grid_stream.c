/* GRID mode's header section and payload (grid_stream.h, docs/bitstream.md). */
#include <math.h>
#include <stdlib.h>
#include "bytes_le.h"
#include "caps.h"
#include "grid_fit.h"
#include "grid_stream.h"
#include "half.h"
#include "quant.h"
#include "weights_section.h"

static uint32_t zigzag(int32_t q) {
    return q >= 0 ? (uint32_t)q * 2u : (uint32_t)(-(int64_t)q) * 2u - 1u;
}
static int32_t unzigzag(uint32_t z) {
    return z & 1u ? (int32_t)(-(int64_t)(z >> 1) - 1) : (int32_t)(z >> 1);
}

/* Bytes per zigzag-coded feature: the fewest of 1, 2, 4 that hold them all. */
static int feature_bytes(const int32_t *q, uint64_t n) {
    uint32_t m = 0;
    for (uint64_t i = 0; i < n; i++) m |= zigzag(q[i]);
    return m <= 0xffu ? 1 : m <= 0xffffu ? 2 : 4;
}

static int fits(int v, int max) { return v >= 0 && v <= max; }

/* The payload before zstd: the features in fb bytes each, then the MLP's
 * weights as binary16. */
static e2ec_status payload(const e2ec_info *info, const int32_t *q, const float *mlp, int fb,
                           uint8_t **sec, size_t *n) {
    size_t ng = (size_t)info->grid_values, nw = info->n_weights;
    size_t raw_bytes = ng * (size_t)fb + 2 * nw;
    uint8_t *raw = malloc(raw_bytes);
    if (!raw) return E2EC_ERR_NOMEM;
    for (size_t i = 0; i < ng; i++) {
        uint32_t z = zigzag(q[i]);
        for (int b = 0; b < fb; b++) raw[(size_t)fb * i + (size_t)b] = (uint8_t)(z >> (8 * b));
    }
    e2ec_status st = weights_float_bytes(mlp, nw, 1, raw + ng * (size_t)fb);
    if (!st) st = quant_zstd_pack(raw, raw_bytes, sec, n);
    free(raw);
    return st;
}

e2ec_status grid_stream_pack(const int32_t *q, const float *mlp, mode_stream *out) {
    const e2ec_info *info = &out->info;
    if (!q || !mlp || info->grid_values == 0 || info->grid_values > E2EC_MAX_GRID_VALUES ||
        !fits(info->grid_levels, 0xff) || !fits(info->grid_feats, 0xff) ||
        !fits(info->grid_hidden, 0xffff) || !fits(info->grid_step[0], 0xffff) ||
        !fits(info->grid_step[1], 0xffff) || !fits(info->grid_step[2], 0xffff))
        return E2EC_ERR_ARG;
    int fb = feature_bytes(q, info->grid_values);
    uint8_t *h = out->header;
    h[GRID_HDR_LEVELS] = (uint8_t)info->grid_levels;
    h[GRID_HDR_FEATS] = (uint8_t)info->grid_feats;
    put_u16(h + GRID_HDR_HIDDEN, (uint32_t)info->grid_hidden);
    for (int a = 0; a < 3; a++) put_u16(h + GRID_HDR_STEP + 2 * a, (uint32_t)info->grid_step[a]);
    h[GRID_HDR_FBYTES] = (uint8_t)fb;
    h[GRID_HDR_RESERVED] = 0;
    put_f32(h + GRID_HDR_DELTA, info->grid_delta);
    return payload(info, q, mlp, fb, &out->payload, &out->payload_bytes);
}

e2ec_status grid_stream_read_header(const uint8_t *sec, e2ec_info *in) {
    uint32_t levels = sec[GRID_HDR_LEVELS], feats = sec[GRID_HDR_FEATS];
    uint32_t hidden = get_u16(sec + GRID_HDR_HIDDEN), n[3] = {in->nx, in->ny, in->nz};
    e2ec_status st;
    if ((st = caps_check_count(levels, GRID_MAX_LEVELS)) ||
        (st = caps_check_count(feats, E2EC_MAX_GRID_FEATS)) ||
        (st = caps_check_count(hidden, E2EC_MAX_GRID_HIDDEN)))
        return st;
    grid_fit_config c;
    grid_fit_defaults(&c);
    c.levels = (int)levels, c.feats = (int)feats, c.hidden = (int)hidden;
    for (int a = 0; a < 3; a++) {
        uint32_t step = get_u16(sec + GRID_HDR_STEP + 2 * a);
        if (step == 0) return E2EC_ERR_HEADER;
        if (n[a] < 2 || step > n[a] - 1) return E2EC_ERR_MISMATCH; /* no cell to hold */
        c.fine_step[a] = in->grid_step[a] = (int)step;
    }
    uint32_t fb = sec[GRID_HDR_FBYTES];
    if ((fb != 1 && fb != 2 && fb != 4) || sec[GRID_HDR_RESERVED]) return E2EC_ERR_HEADER;
    in->grid_delta = get_f32(sec + GRID_HDR_DELTA);
    if (!isfinite(in->grid_delta) || !(in->grid_delta > 0)) return E2EC_ERR_HEADER;
    grid_shape gs;
    if (grid_shape_for(&c, in->nx, in->ny, in->nz, &gs)) return E2EC_ERR_HEADER;
    if (gs.off[gs.levels] > E2EC_MAX_GRID_VALUES) return E2EC_ERR_LIMIT;
    if (in->n_weights != grid_mlp_size((int)(levels * feats), (int)hidden))
        return E2EC_ERR_MISMATCH;
    in->grid_levels = (int)levels, in->grid_feats = (int)feats, in->grid_hidden = (int)hidden;
    in->grid_feature_bytes = (int)fb;
    in->grid_values = gs.off[gs.levels];
    return E2EC_OK;
}

e2ec_status grid_stream_read(const uint8_t *payload, size_t n, const e2ec_info *info, int32_t *q,
                             float *mlp) {
    size_t ng = (size_t)info->grid_values, fb = (size_t)info->grid_feature_bytes;
    size_t nw = info->n_weights, raw_bytes = ng * fb + 2 * nw;
    uint8_t *raw = malloc(raw_bytes);
    if (!raw) return E2EC_ERR_NOMEM;
    e2ec_status st = quant_zstd_unpack(payload, n, raw, raw_bytes);
    for (size_t i = 0; i < ng && !st; i++) {
        uint32_t z = 0;
        for (size_t b = 0; b < fb; b++) z |= (uint32_t)raw[fb * i + b] << (8 * b);
        q[i] = unzigzag(z);
    }
    for (size_t i = 0; i < nw && !st; i++) {
        mlp[i] = half_to_float((uint16_t)get_u16(raw + fb * ng + 2 * i));
        if (!isfinite(mlp[i])) st = E2EC_ERR_WEIGHTS;
    }
    free(raw);
    return st;
}
