/* Uniform per-group quantisation and zstd packing (quant.h). */
#include <math.h>
#include <stdlib.h>
#include <zstd.h>
#include "quant.h"

/* The level that measured smallest on our weights within a few ms
 * (bench/RESULTS.md, "Weight coding"). */
#define QUANT_ZSTD_LEVEL 19

static void group_range(const float *w, uint32_t n, int bits, float *offset, float *scale) {
    float lo = w[0], hi = w[0];
    for (uint32_t i = 1; i < n; i++) {
        lo = w[i] < lo ? w[i] : lo;
        hi = w[i] > hi ? w[i] : hi;
    }
    *offset = lo;
    *scale = (hi - lo) / (float)((1 << bits) - 1);
}

static uint8_t code_of(float w, float offset, float scale, int bits) {
    if (!(scale > 0.0f)) return 0; /* a constant group */
    float c = rintf((w - offset) / scale), top = (float)((1 << bits) - 1);
    return (uint8_t)(c < 0.0f ? 0.0f : c > top ? top : c);
}

static inline float value_of(uint8_t code, float offset, float scale) {
    return offset + (float)code * scale;
}

void quant_quantise(const float *w, const uint32_t *counts, size_t n_groups, int bits,
                    uint8_t *codes, float *offsets, float *scales) {
    for (size_t g = 0; g < n_groups; w += counts[g], codes += counts[g], g++) {
        group_range(w, counts[g], bits, &offsets[g], &scales[g]);
        for (uint32_t i = 0; i < counts[g]; i++)
            codes[i] = code_of(w[i], offsets[g], scales[g], bits);
    }
}

void quant_dequantise(const uint8_t *codes, const uint32_t *counts, size_t n_groups,
                      const float *offsets, const float *scales, float *w) {
    for (size_t g = 0; g < n_groups; w += counts[g], codes += counts[g], g++)
        for (uint32_t i = 0; i < counts[g]; i++) w[i] = value_of(codes[i], offsets[g], scales[g]);
}

void quant_round(float *w, const uint32_t *counts, size_t n_groups, int bits) {
    for (size_t g = 0; g < n_groups; w += counts[g], g++) {
        float offset, scale;
        group_range(w, counts[g], bits, &offset, &scale);
        for (uint32_t i = 0; i < counts[g]; i++)
            w[i] = value_of(code_of(w[i], offset, scale, bits), offset, scale);
    }
}

e2ec_status quant_zstd_pack(const uint8_t *in, size_t n, uint8_t **out, size_t *out_n) {
    *out = NULL, *out_n = 0;
    size_t cap = ZSTD_compressBound(n);
    uint8_t *p = malloc(cap ? cap : 1);
    if (!p) return E2EC_ERR_NOMEM;
    size_t r = ZSTD_compress(p, cap, in, n, QUANT_ZSTD_LEVEL);
    if (ZSTD_isError(r)) {
        free(p);
        return E2EC_ERR_INTERNAL;
    }
    *out = p, *out_n = r;
    return E2EC_OK;
}

e2ec_status quant_zstd_unpack(const uint8_t *in, size_t n, uint8_t *out, size_t want) {
    if (ZSTD_getFrameContentSize(in, n) != (unsigned long long)want ||
        ZSTD_findFrameCompressedSize(in, n) != n)
        return E2EC_ERR_PAYLOAD;
    size_t r = ZSTD_decompress(out, want, in, n);
    return !ZSTD_isError(r) && r == want ? E2EC_OK : E2EC_ERR_PAYLOAD;
}
