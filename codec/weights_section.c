/* The weights section (weights_section.h, docs/bitstream.md). */
#define ZLIB_CONST
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "bytes_le.h"
#include "caps.h"
#include "half.h"
#include "quant.h"
#include "weights_section.h"

e2ec_status weights_float_bytes(const float *w, size_t n, int fp16, uint8_t *raw) {
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(w[i])) return E2EC_ERR_WEIGHTS;
        if (fp16) {
            uint16_t h = half_from_float(w[i]);
            if ((h & 0x7c00u) == 0x7c00u) return E2EC_ERR_WEIGHTS; /* beyond 65504: Inf */
            put_u16(raw + 2 * i, h);
        } else {
            put_f32(raw + 4 * i, w[i]);
        }
    }
    return E2EC_OK;
}

/* A quantisation's group table and codes, as a quantised section holds them
 * before zstd: counts, offsets, scales, codes. */
static e2ec_status quant_bytes(const bs_weights *w, int bits, uint8_t *raw) {
    size_t g = w->n_groups, sum = 0;
    uint8_t *counts = raw, *offsets = raw + 4 * g, *scales = raw + 8 * g;
    for (size_t i = 0; i < g; i++) {
        if (w->counts[i] == 0) return E2EC_ERR_ARG;
        if (!isfinite(w->offsets[i]) || !isfinite(w->scales[i]) || w->scales[i] < 0.0f)
            return E2EC_ERR_WEIGHTS;
        sum += w->counts[i];
        put_u32(counts + 4 * i, w->counts[i]);
        put_f32(offsets + 4 * i, w->offsets[i]);
        put_f32(scales + 4 * i, w->scales[i]);
    }
    if (sum != w->n) return E2EC_ERR_ARG;
    for (size_t i = 0; i < w->n; i++)
        if (w->codes[i] >> bits) return E2EC_ERR_ARG;
    memcpy(raw + BS_QUANT_GROUP_BYTES * g, w->codes, w->n);
    return E2EC_OK;
}

e2ec_status weights_section_pack(const e2ec_info *info, const bs_weights *w, uint8_t **sec,
                                 size_t *n) {
    int bits = info->quant_bits;
    size_t raw_bytes;
    if (bits == 0) {
        if (!w->values) return E2EC_ERR_ARG;
        raw_bytes = w->n * (info->fp16 ? 2 : 4);
    } else {
        if (bits < QUANT_MIN_BITS || bits > QUANT_MAX_BITS || info->fp16 || !w->counts ||
            !w->offsets || !w->scales || !w->codes || w->n_groups == 0 || w->n_groups > w->n)
            return E2EC_ERR_ARG;
        if (w->n_groups > E2EC_MAX_QUANT_GROUPS) return E2EC_ERR_LIMIT;
        raw_bytes = BS_QUANT_GROUP_BYTES * w->n_groups + w->n;
    }
    uint8_t *raw = malloc(raw_bytes);
    if (!raw) return E2EC_ERR_NOMEM;
    e2ec_status st =
        bits ? quant_bytes(w, bits, raw) : weights_float_bytes(w->values, w->n, info->fp16, raw);
    if (!st) st = quant_zstd_pack(raw, raw_bytes, sec, n);
    free(raw);
    return st;
}

/* Version 1: inflate straight into w's memory, exactly n * wsize bytes: one
 * byte more or less than that, or anything after the end of the zlib stream,
 * is a bad payload; output beyond the buffer is never produced (a zlib bomb
 * stops at the buffer's end). */
static e2ec_status inflate_exact(const uint8_t *in, size_t n, uint8_t *out, size_t want) {
    z_stream z;
    memset(&z, 0, sizeof z);
    int zr = inflateInit(&z);
    if (zr != Z_OK) return zr == Z_MEM_ERROR ? E2EC_ERR_NOMEM : E2EC_ERR_INTERNAL;
    z.next_in = in;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)want;
    zr = inflate(&z, Z_FINISH);
    int complete = zr == Z_STREAM_END && z.avail_out == 0 && z.avail_in == 0;
    inflateEnd(&z);
    if (zr == Z_MEM_ERROR) return E2EC_ERR_NOMEM;
    return complete ? E2EC_OK : E2EC_ERR_PAYLOAD;
}

/* Float weights, unpacked into w's own memory then decoded in place. Halves
 * are read from the top down: float i (bytes 4i..4i+3) only overwrites halves
 * 2i and 2i+1, which are >= i and so already decoded (or, for i = 0, read
 * just before). */
static e2ec_status read_floats(const uint8_t *sec, size_t sec_bytes, const e2ec_info *info,
                               float *w) {
    const size_t n = info->n_weights, wsize = info->fp16 ? 2 : 4;
    uint8_t *b = (uint8_t *)w;
    e2ec_status st = info->version == 1 ? inflate_exact(sec, sec_bytes, b, n * wsize)
                                        : quant_zstd_unpack(sec, sec_bytes, b, n * wsize);
    if (st) return st;
    if (info->fp16) {
        for (size_t i = n; i-- > 0;) w[i] = half_to_float((uint16_t)get_u16(b + 2 * i));
    } else {
        for (size_t i = 0; i < n; i++) w[i] = get_f32(b + 4 * i);
    }
    return E2EC_OK;
}

/* Quantised weights: the group table must cover exactly n_weights, codes
 * must fit quant_bits, offsets and scales be finite (scales >= 0). */
static e2ec_status read_quantised(const uint8_t *sec, size_t sec_bytes, const e2ec_info *info,
                                  float *w) {
    const size_t n = info->n_weights, g = info->quant_groups;
    const size_t raw_bytes = BS_QUANT_GROUP_BYTES * g + n;
    uint8_t *raw = malloc(raw_bytes);
    uint32_t *counts = malloc(sizeof(uint32_t) * g);
    float *offsets = malloc(sizeof(float) * g), *scales = malloc(sizeof(float) * g);
    e2ec_status st = !raw || !counts || !offsets || !scales
                         ? E2EC_ERR_NOMEM
                         : quant_zstd_unpack(sec, sec_bytes, raw, raw_bytes);
    uint64_t sum = 0;
    for (size_t i = 0; i < g && !st; i++) {
        counts[i] = get_u32(raw + 4 * i);
        offsets[i] = get_f32(raw + 4 * g + 4 * i);
        scales[i] = get_f32(raw + 8 * g + 4 * i);
        sum += counts[i];
        if (counts[i] == 0) st = E2EC_ERR_PAYLOAD;
        else if (!isfinite(offsets[i]) || !isfinite(scales[i]) || scales[i] < 0.0f)
            st = E2EC_ERR_WEIGHTS;
    }
    if (!st && sum != n) st = E2EC_ERR_PAYLOAD;
    const uint8_t *codes = raw + BS_QUANT_GROUP_BYTES * g;
    for (size_t i = 0; i < n && !st; i++)
        if (codes[i] >> info->quant_bits) st = E2EC_ERR_PAYLOAD;
    if (!st) quant_dequantise(codes, counts, g, offsets, scales, w);
    free(raw), free(counts), free(offsets), free(scales);
    return st;
}

e2ec_status weights_section_read(const uint8_t *sec, size_t n, const e2ec_info *info, float *w) {
    e2ec_status st = info->quant_bits ? read_quantised(sec, n, info, w)
                                      : read_floats(sec, n, info, w);
    if (st) return st;
    for (size_t i = 0; i < info->n_weights; i++)
        if (!isfinite(w[i])) return E2EC_ERR_WEIGHTS;
    return E2EC_OK;
}
