/* e2ec_get_info, e2ec_decode, e2ec_decode_slice, e2ec_decode_memory (e2ec.h):
 * the stream's header, its mode's decoder (mode.h), and the near-lossless
 * residual on top. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "bitstream.h"
#include "memory_budget.h"
#include "mode.h"
#include "residual.h"
#include "threads.h"
#include "volume_norm.h"

e2ec_status e2ec_get_info(const uint8_t *stream, size_t size, e2ec_info *info) {
    if (!stream || !info) return E2EC_ERR_ARG;
    e2ec_status st = bitstream_read_info(stream, size, info);
    if (st) return st;
    const e2ec_mode_ops *mode = e2ec_mode_ops_of(info->mode); /* known: the reader checked */
    return mode->check_info ? mode->check_info(mode, info) : E2EC_OK;
}

/* The mode's decoder of a stream, for planes [z0, z1) (z1 = 0: all), refused
 * before any allocation when it needs more than o's memory limit
 * (memory_budget.h). */
static e2ec_status open_stream(const uint8_t *stream, size_t size, uint32_t z0, uint32_t z1,
                               const e2ec_decode_options *o, e2ec_info *info,
                               const e2ec_mode_ops **mode, void **dec) {
    *dec = NULL;
    e2ec_status st = e2ec_get_info(stream, size, info);
    if (st) return st;
    int whole = z1 == 0;
    if (whole) z1 = info->nz;
    if (z0 >= z1 || z1 > info->nz) return E2EC_ERR_ARG;
    *mode = e2ec_mode_ops_of(info->mode);
    uint64_t need;
    if ((st = (*mode)->decode_memory(*mode, info, z0, z1, whole, omp_get_max_threads(), &need)) ||
        (st = memory_budget_check(need, o ? o->max_memory : 0)))
        return st;
    const uint8_t *payload;
    size_t n;
    if ((st = bitstream_payload(stream, size, info, &payload, &n))) return st;
    return (*mode)->decode_open(*mode, info, payload, n, dec);
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

/* Decodes planes [z0, z1) into dst (stored voxels): the mode's, then the residual. */
static e2ec_status decode_planes(const uint8_t *stream, size_t size, const e2ec_info *info,
                                 const e2ec_mode_ops *mode, void *dec, uint32_t z0, uint32_t z1,
                                 void *dst) {
    e2ec_status st = mode->decode_planes(dec, z0, z1, dst);
    if (!st && info->has_residual) st = add_residual(stream, size, info, z0, z1, dst);
    return st;
}

e2ec_status e2ec_decode_opt(const uint8_t *stream, size_t size, const e2ec_decode_options *o,
                            e2ec_volume *out) {
    if (!out) return E2EC_ERR_ARG;
    memset(out, 0, sizeof *out);
    e2ec_info info;
    const e2ec_mode_ops *mode = NULL;
    void *dec;
    int saved = threads_enter(o ? o->threads : 0);
    e2ec_status st = open_stream(stream, size, 0, 0, o, &info, &mode, &dec);
    if (!st && !(st = e2ec_volume_alloc(out, info.nx, info.ny, info.nz, info.type))) {
        memcpy(out->spacing, info.spacing, sizeof out->spacing);
        out->bits_stored = info.bits_stored;
        st = decode_planes(stream, size, &info, mode, dec, 0, info.nz, out->data);
        if (st) e2ec_volume_free(out);
    }
    if (dec) mode->decode_close(dec);
    threads_leave(saved);
    return st;
}

e2ec_status e2ec_decode_slice_opt(const uint8_t *stream, size_t size, uint32_t z,
                                  const e2ec_decode_options *o, void *out) {
    if (!out || z == UINT32_MAX) return E2EC_ERR_ARG;
    e2ec_info info;
    const e2ec_mode_ops *mode = NULL;
    void *dec;
    int saved = threads_enter(o ? o->threads : 0);
    e2ec_status st = open_stream(stream, size, z, z + 1, o, &info, &mode, &dec);
    if (!st) st = decode_planes(stream, size, &info, mode, dec, z, z + 1, out);
    if (dec) mode->decode_close(dec);
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

/* The thread count a call with `threads` runs with (threads.h). */
static int threads_of(int threads) { return threads > 0 ? threads : omp_get_max_threads(); }

e2ec_status e2ec_decode_memory(const uint8_t *stream, size_t size, int whole, int threads,
                               uint64_t *bytes) {
    if (!bytes || threads < 0) return E2EC_ERR_ARG;
    e2ec_info info;
    e2ec_status st = e2ec_get_info(stream, size, &info);
    if (st) return st;
    const e2ec_mode_ops *mode = e2ec_mode_ops_of(info.mode);
    return mode->decode_memory(mode, &info, 0, whole ? info.nz : 1, whole, threads_of(threads),
                               bytes);
}
