/* e2ec_get_info, e2ec_decode, e2ec_decode_slice (e2ec.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bitstream.h"
#include "grid_codec.h"
#include "memory_budget.h"
#include "model.h"
#include "residual.h"
#include "threads.h"
#include "volume_norm.h"

e2ec_status e2ec_get_info(const uint8_t *stream, size_t size, e2ec_info *info) {
    if (!stream || !info) return E2EC_ERR_ARG;
    e2ec_status st = bitstream_read_info(stream, size, info);
    /* a GRID header's MLP size was checked against n_weights as it was read */
    if (st || info->mode == E2EC_MODE_GRID) return st;
    model m;
    if ((st = model_from_info(&m, info))) return st;
    /* a header whose weight count disagrees with its own architecture lies */
    return m.n_params == info->n_weights ? E2EC_OK : E2EC_ERR_MISMATCH;
}

/* Parses and loads a stream's weights: the common first half of decoding of planes
 * [z0, z1) (z1 = 0: all), refused before any allocation when it needs more than
 * o's memory limit (memory_budget.h). */
static e2ec_status open_stream(const uint8_t *stream, size_t size, uint32_t z0, uint32_t z1,
                               const e2ec_decode_options *o, e2ec_info *info, model *m,
                               float **params) {
    *params = NULL;
    e2ec_status st = e2ec_get_info(stream, size, info);
    if (st) return st;
    int whole = z1 == 0;
    if (whole) z1 = info->nz;
    if (z0 >= z1 || z1 > info->nz) return E2EC_ERR_ARG;
    if (info->mode == E2EC_MODE_GRID) /* grid_decode_stream reads the stream itself */
        return memory_budget_check(
            grid_decode_memory(info, z0, z1, whole, omp_get_max_threads()), o ? o->max_memory : 0);
    if ((st = model_from_info(m, info))) return st;
    uint64_t need = memory_budget_decode(info, m, z0, z1, whole, omp_get_max_threads());
    if ((st = memory_budget_check(need, o ? o->max_memory : 0))) return st;
    *params = malloc(sizeof(float) * m->n_params);
    if (!*params) return E2EC_ERR_NOMEM;
    if ((st = bitstream_read_weights(stream, size, info, *params))) {
        free(*params);
        *params = NULL;
    }
    return st;
}

/* The range a residual's reconstruction is clamped to: the original's
 * [vmin, vmax] within what the type holds (so the clamp never moves a voxel
 * away from the original, even one beyond bits_stored). */
static void residual_range(const e2ec_info *info, double *lo, double *hi) {
    stored_range(info->type, 0, lo, hi);
    double a = ceil(info->vmin), b = floor(info->vmax);
    if (a > *lo && a <= *hi) *lo = a;
    if (b < *hi && b >= *lo) *hi = b;
}

/* Adds the stored residual to decoded planes [z0, z1) (a stream with one). */
static e2ec_status add_residual(const uint8_t *stream, size_t size, const e2ec_info *info,
                                uint32_t z0, uint32_t z1, uint8_t *dst) {
    size_t plane = (size_t)info->nx * info->ny, vs = e2ec_voxel_size(info->type);
    double lo, hi;
    residual_range(info, &lo, &hi);
    e2ec_status st = E2EC_OK;
    for (uint32_t z = z0; z < z1 && !st; z++) {
        const uint8_t *chunk;
        size_t n;
        st = bitstream_residual_chunk(stream, size, info, z, &chunk, &n);
        if (!st)
            st = residual_apply(chunk, n, info->residual_sample_bytes, info->max_error,
                                info->type, lo, hi, info->nx, info->ny,
                                dst + (z - z0) * plane * vs);
    }
    return st;
}

/* Decodes planes [z0, z1) into dst (stored voxels), slab by slab. */
static e2ec_status decode_planes(const uint8_t *stream, size_t size, const e2ec_info *info,
                                 const model *m, const float *params, uint32_t z0, uint32_t z1,
                                 void *dst) {
    if (info->mode == E2EC_MODE_GRID) return grid_decode_stream(stream, size, info, z0, z1, dst);
    size_t plane = (size_t)m->hx * m->hy, vs = e2ec_voxel_size(info->type);
    uint32_t slab = memory_budget_slab(m, z0, z1);
    float *buf = malloc(sizeof(float) * plane * slab);
    if (!buf) return E2EC_ERR_NOMEM;
    e2ec_status st = E2EC_OK;
    for (uint32_t z = z0; z < z1 && !st; z += slab) {
        uint32_t ze = z + slab < z1 ? z + slab : z1;
        st = model_eval_planes(m, params, z, ze, buf);
        if (!st)
            normalised_to_stored(buf, plane * (ze - z), info->vmin, info->vmax, info->type,
                                 info->bits_stored, (uint8_t *)dst + (z - z0) * plane * vs);
    }
    free(buf);
    if (!st && info->has_residual) st = add_residual(stream, size, info, z0, z1, dst);
    return st;
}

e2ec_status e2ec_decode_opt(const uint8_t *stream, size_t size, const e2ec_decode_options *o,
                            e2ec_volume *out) {
    if (!out) return E2EC_ERR_ARG;
    memset(out, 0, sizeof *out);
    e2ec_info info;
    model m;
    float *params;
    int saved = threads_enter(o ? o->threads : 0);
    e2ec_status st = open_stream(stream, size, 0, 0, o, &info, &m, &params);
    if (!st && !(st = e2ec_volume_alloc(out, info.nx, info.ny, info.nz, info.type))) {
        memcpy(out->spacing, info.spacing, sizeof out->spacing);
        out->bits_stored = info.bits_stored;
        st = decode_planes(stream, size, &info, &m, params, 0, info.nz, out->data);
        if (st) e2ec_volume_free(out);
    }
    free(params);
    threads_leave(saved);
    return st;
}

e2ec_status e2ec_decode_slice_opt(const uint8_t *stream, size_t size, uint32_t z,
                                  const e2ec_decode_options *o, void *out) {
    if (!out || z == UINT32_MAX) return E2EC_ERR_ARG;
    e2ec_info info;
    model m;
    float *params;
    int saved = threads_enter(o ? o->threads : 0);
    e2ec_status st = open_stream(stream, size, z, z + 1, o, &info, &m, &params);
    if (!st) st = decode_planes(stream, size, &info, &m, params, z, z + 1, out);
    free(params);
    threads_leave(saved);
    return st;
}

e2ec_status e2ec_decode(const uint8_t *stream, size_t size, int threads, e2ec_volume *out) {
    e2ec_decode_options o = {threads, 0};
    return e2ec_decode_opt(stream, size, &o, out);
}

e2ec_status e2ec_decode_slice(const uint8_t *stream, size_t size, uint32_t z, int threads,
                              void *out) {
    e2ec_decode_options o = {threads, 0};
    return e2ec_decode_slice_opt(stream, size, z, &o, out);
}
