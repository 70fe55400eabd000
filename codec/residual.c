/* Near-lossless residual coding (residual.h). */
#include <stdlib.h>
#include <string.h>
#include "quant.h"
#include "residual.h"
#include "voxel_int.h"

/* Reconstructed residuals are kept within this bound, on both sides: an
 * encoder never reaches it (|residual| < 2^17 for 16-bit data), and a
 * decoder fed hostile codes cannot overflow its sums. */
#define REC_BOUND ((int64_t)1 << 20)

static uint32_t zigzag(int64_t q) { return (uint32_t)(q < 0 ? -2 * q - 1 : 2 * q); }
static int64_t unzigzag(uint32_t u) { return u & 1 ? -(int64_t)(u >> 1) - 1 : (int64_t)(u >> 1); }

/* JPEG-LS's median edge detector on the left, upper and upper-left values. */
static int64_t med(int64_t a, int64_t b, int64_t c) {
    int64_t hi = a > b ? a : b, lo = a < b ? a : b;
    return c >= hi ? lo : c <= lo ? hi : a + b - c;
}

/*
 * One slice's DPCM walk in raster order, shared by coder and decoder so that
 * both predict from the same reconstructed values: prediction p (0, or MED
 * of the reconstructed neighbours), q = the near-lossless quantisation of
 * e - p, reconstruction p + q (2E + 1). Coding (e not NULL) writes zz;
 * decoding reads it. rec gets the reconstructed residuals.
 */
static void walk(uint32_t nx, uint32_t ny, residual_predictor pred, int64_t E, const int64_t *e,
                 uint32_t *zz, int64_t *rec) {
    const int64_t step = 2 * E + 1;
    for (uint32_t y = 0; y < ny; y++)
        for (uint32_t x = 0; x < nx; x++) {
            size_t i = (size_t)y * nx + x;
            int64_t p = 0;
            if (pred == RESIDUAL_MED && (x || y)) {
                int64_t a = x ? rec[i - 1] : rec[i - nx], b = y ? rec[i - nx] : a,
                        c = x && y ? rec[i - nx - 1] : b;
                p = med(a, b, c);
            }
            int64_t q;
            if (e) {
                int64_t d = e[i] - p, m = ((d < 0 ? -d : d) + E) / step;
                q = d < 0 ? -m : m;
                zz[i] = zigzag(q);
            } else {
                q = unzigzag(zz[i]);
            }
            int64_t r = p + q * step;
            rec[i] = r < -REC_BOUND ? -REC_BOUND : r > REC_BOUND ? REC_BOUND : r;
        }
}

void residual_coded_free(residual_coded *r) {
    free(r->chunk_bytes), free(r->chunks);
    memset(r, 0, sizeof *r);
}

/* Appends n bytes to the growing buffer *b (used of cap). */
static e2ec_status append(uint8_t **b, size_t *used, size_t *cap, const uint8_t *p, size_t n) {
    if (*used + n > *cap) {
        size_t ncap = 2 * (*used + n);
        uint8_t *grown = realloc(*b, ncap);
        if (!grown) return E2EC_ERR_NOMEM;
        *b = grown, *cap = ncap;
    }
    memcpy(*b + *used, p, n);
    *used += n;
    return E2EC_OK;
}

/* zz as byte planes (every sample's low byte first, which zstd codes best). */
static void to_planes(const uint32_t *zz, size_t n, int sb, uint8_t *planes) {
    for (int byte = 0; byte < sb; byte++)
        for (size_t i = 0; i < n; i++) planes[byte * n + i] = (uint8_t)(zz[i] >> (8 * byte));
}

e2ec_status residual_code(const e2ec_volume *original, const e2ec_volume *decoded, uint32_t E,
                          residual_coded *out) {
    memset(out, 0, sizeof *out);
    const e2ec_volume *a = original, *b = decoded;
    if (a->nx != b->nx || a->ny != b->ny || a->nz != b->nz || a->type != b->type ||
        a->type == E2EC_F32)
        return E2EC_ERR_ARG;
    const size_t plane = (size_t)a->nx * a->ny, n = plane * a->nz;
    int64_t *e = malloc(sizeof(int64_t) * plane), *rec = malloc(sizeof(int64_t) * plane);
    uint32_t *zz = malloc(sizeof(uint32_t) * n);
    uint8_t *pick = malloc(a->nz), *planes = malloc(4 * plane);
    out->chunk_bytes = malloc(sizeof(uint32_t) * a->nz);
    e2ec_status st =
        e && rec && zz && pick && planes && out->chunk_bytes ? E2EC_OK : E2EC_ERR_NOMEM;
    /* Each slice both ways; the one whose codes zstd packs smaller is kept
     * (a residual of a good network is noise, which MED only amplifies). */
    uint32_t widest = 0;
    for (uint32_t k = 0; k < a->nz && !st; k++) {
        for (size_t i = 0; i < plane; i++)
            e[i] = voxel_int(a->data, a->type, plane * k + i) -
                   voxel_int(b->data, b->type, plane * k + i);
        size_t best = SIZE_MAX;
        for (int p = RESIDUAL_NONE; p <= RESIDUAL_MED && !st; p++) {
            uint32_t *t = zz + plane * k, *trial = malloc(sizeof(uint32_t) * plane);
            if (!trial) {
                st = E2EC_ERR_NOMEM;
                break;
            }
            walk(a->nx, a->ny, (residual_predictor)p, E, e, trial, rec);
            to_planes(trial, plane, 4, planes);
            uint8_t *c;
            size_t cn;
            if (!(st = quant_zstd_pack(planes, 4 * plane, &c, &cn))) {
                free(c);
                if (cn < best) best = cn, pick[k] = (uint8_t)p, memcpy(t, trial, 4 * plane);
            }
            free(trial);
        }
        for (size_t i = 0; i < plane && !st; i++)
            widest = zz[plane * k + i] > widest ? zz[plane * k + i] : widest;
    }
    const uint8_t sb = widest < 0x100u ? 1 : widest < 0x10000u ? 2 : 4;
    out->max_error = E, out->sample_bytes = sb, out->nz = a->nz;
    size_t used = 0, cap = 0;
    for (uint32_t k = 0; k < a->nz && !st; k++) {
        to_planes(zz + plane * k, plane, sb, planes);
        uint8_t *c;
        size_t cn, start = used;
        if ((st = quant_zstd_pack(planes, plane * sb, &c, &cn))) break;
        st = append(&out->chunks, &used, &cap, &pick[k], 1);
        if (!st) st = append(&out->chunks, &used, &cap, c, cn);
        free(c);
        out->chunk_bytes[k] = (uint32_t)(used - start);
    }
    free(e), free(rec), free(zz), free(pick), free(planes);
    if (st) residual_coded_free(out);
    return st;
}

e2ec_status residual_apply(const uint8_t *chunk, size_t n, uint8_t sample_bytes, uint32_t E,
                           e2ec_voxel_type type, double lo, double hi, uint32_t nx, uint32_t ny,
                           void *slice) {
    if (sample_bytes != 1 && sample_bytes != 2 && sample_bytes != 4) return E2EC_ERR_ARG;
    if (n < 1 || chunk[0] > RESIDUAL_MED) return E2EC_ERR_PAYLOAD;
    const size_t plane = (size_t)nx * ny;
    uint8_t *planes = malloc(plane * sample_bytes);
    uint32_t *zz = malloc(sizeof(uint32_t) * plane);
    int64_t *rec = malloc(sizeof(int64_t) * plane);
    e2ec_status st = planes && zz && rec ? quant_zstd_unpack(chunk + 1, n - 1, planes,
                                                             plane * sample_bytes)
                                         : E2EC_ERR_NOMEM;
    if (!st) {
        for (size_t i = 0; i < plane; i++) {
            zz[i] = 0;
            for (int byte = 0; byte < sample_bytes; byte++)
                zz[i] |= (uint32_t)planes[byte * plane + i] << (8 * byte);
        }
        walk(nx, ny, (residual_predictor)chunk[0], E, NULL, zz, rec);
        const int64_t ilo = (int64_t)lo, ihi = (int64_t)hi;
        for (size_t i = 0; i < plane; i++) {
            int64_t v = voxel_int(slice, type, i) + rec[i];
            set_voxel_int(slice, type, i, v < ilo ? ilo : v > ihi ? ihi : v);
        }
    }
    free(planes), free(zz), free(rec);
    return st;
}
