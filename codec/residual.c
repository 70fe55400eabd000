/* Near-lossless residual coding (residual.h). */
#include <stdlib.h>
#include <string.h>
#include "quant.h"
#include "residual.h"

static int64_t voxel_int(const void *data, e2ec_voxel_type t, size_t i) {
    switch (t) {
    case E2EC_U8: return ((const uint8_t *)data)[i];
    case E2EC_I16: return ((const int16_t *)data)[i];
    case E2EC_U16: return ((const uint16_t *)data)[i];
    default: return 0;
    }
}

static void set_voxel_int(void *data, e2ec_voxel_type t, size_t i, int64_t v) {
    switch (t) {
    case E2EC_U8: ((uint8_t *)data)[i] = (uint8_t)v; break;
    case E2EC_I16: ((int16_t *)data)[i] = (int16_t)v; break;
    case E2EC_U16: ((uint16_t *)data)[i] = (uint16_t)v; break;
    default: break;
    }
}

static int64_t quantise_residual(int64_t r, int64_t E) {
    int64_t q = (llabs(r) + E) / (2 * E + 1);
    return r < 0 ? -q : q;
}

static uint32_t zigzag(int64_t q) { return (uint32_t)(q < 0 ? -2 * q - 1 : 2 * q); }
static int64_t unzigzag(uint32_t u) { return u & 1 ? -(int64_t)(u >> 1) - 1 : (int64_t)(u >> 1); }

void residual_coded_free(residual_coded *r) {
    free(r->chunk_bytes), free(r->chunks);
    memset(r, 0, sizeof *r);
}

e2ec_status residual_code(const e2ec_volume *original, const e2ec_volume *decoded, uint32_t E,
                          residual_coded *out) {
    memset(out, 0, sizeof *out);
    const e2ec_volume *a = original, *b = decoded;
    if (a->nx != b->nx || a->ny != b->ny || a->nz != b->nz || a->type != b->type ||
        a->type == E2EC_F32)
        return E2EC_ERR_ARG;
    const size_t plane = (size_t)a->nx * a->ny, n = plane * a->nz;
    uint32_t *z = malloc(sizeof(uint32_t) * n);
    if (!z) return E2EC_ERR_NOMEM;
    uint32_t widest = 0;
    for (size_t i = 0; i < n; i++) {
        int64_t r = voxel_int(a->data, a->type, i) - voxel_int(b->data, b->type, i);
        z[i] = zigzag(quantise_residual(r, E));
        widest = z[i] > widest ? z[i] : widest;
    }
    const uint8_t sb = widest < 0x100u ? 1 : widest < 0x10000u ? 2 : 4;
    out->max_error = E, out->sample_bytes = sb, out->nz = a->nz;
    out->chunk_bytes = malloc(sizeof(uint32_t) * a->nz);
    uint8_t *planes = malloc(plane * sb);
    size_t used = 0, cap = 0;
    e2ec_status st = out->chunk_bytes && planes ? E2EC_OK : E2EC_ERR_NOMEM;
    for (uint32_t k = 0; k < a->nz && !st; k++) {
        const uint32_t *s = z + plane * k;
        /* byte planes: every sample's low byte first, which zstd codes best */
        for (int byte = 0; byte < sb; byte++)
            for (size_t i = 0; i < plane; i++) planes[byte * plane + i] = (uint8_t)(s[i] >> (8 * byte));
        uint8_t *chunk;
        size_t cn;
        if ((st = quant_zstd_pack(planes, plane * sb, &chunk, &cn))) break;
        if (used + cn > cap) {
            size_t ncap = 2 * (used + cn);
            uint8_t *grown = realloc(out->chunks, ncap);
            if (!grown) {
                free(chunk);
                st = E2EC_ERR_NOMEM;
                break;
            }
            out->chunks = grown, cap = ncap;
        }
        memcpy(out->chunks + used, chunk, cn);
        free(chunk);
        out->chunk_bytes[k] = (uint32_t)cn;
        used += cn;
    }
    free(planes), free(z);
    if (st) residual_coded_free(out);
    return st;
}

e2ec_status residual_apply(const uint8_t *chunk, size_t n, uint8_t sample_bytes, uint32_t E,
                           e2ec_voxel_type type, double lo, double hi, size_t plane,
                           void *slice) {
    if (sample_bytes != 1 && sample_bytes != 2 && sample_bytes != 4) return E2EC_ERR_ARG;
    uint8_t *planes = malloc(plane * sample_bytes);
    if (!planes) return E2EC_ERR_NOMEM;
    e2ec_status st = quant_zstd_unpack(chunk, n, planes, plane * sample_bytes);
    const int64_t step = 2 * (int64_t)E + 1, ilo = (int64_t)lo, ihi = (int64_t)hi;
    for (size_t i = 0; i < plane && !st; i++) {
        uint32_t u = 0;
        for (int byte = 0; byte < sample_bytes; byte++)
            u |= (uint32_t)planes[byte * plane + i] << (8 * byte);
        int64_t v = voxel_int(slice, type, i) + unzigzag(u) * step;
        set_voxel_int(slice, type, i, v < ilo ? ilo : v > ihi ? ihi : v);
    }
    free(planes);
    return st;
}
