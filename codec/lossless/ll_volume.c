/* The lossless mode between volume and section (see ll_volume.h). */
#include "ll_volume.h"

#include <stdlib.h>

#include "ent/laplace_int.h"
#include "ent/rans.h"
#include "ll_code.h"
#include "ll_model.h"
#include "ll_section.h"

void ll_fit_opts_default(ll_fit_opts *o) {
    *o = (ll_fit_opts){.hidden = 24, .steps = 1500, .batch = 4096, .lr = 3e-3f, .seed = 1};
}

/* The stored values' range of a type. */
static void type_range(const e2ec_volume *v, int64_t *lo, int64_t *hi) {
    int bits = v->bits_stored;
    switch (v->type) {
    case E2EC_U8: *lo = 0, *hi = 255; break;
    case E2EC_I16: *lo = -32768, *hi = 32767; break;
    default: *lo = 0, *hi = bits > 0 && bits < 16 ? (1 << bits) - 1 : 65535; break;
    }
}

static int32_t *to_int32(const e2ec_volume *v, size_t n) {
    int32_t *out = malloc(n * sizeof *out);
    if (!out) return NULL;
    for (size_t i = 0; i < n; i++) {
        switch (v->type) {
        case E2EC_U8: out[i] = ((const uint8_t *)v->data)[i]; break;
        case E2EC_I16: out[i] = ((const int16_t *)v->data)[i]; break;
        default: out[i] = ((const uint16_t *)v->data)[i]; break;
        }
    }
    return out;
}

uint64_t ll_compress_memory(uint64_t voxels, uint32_t nz) {
    /* int32 voxels and their reconstruction, one rANS symbol each, the
     * streams' bound, the slice table */
    return voxels * (2 * sizeof(int32_t) + sizeof(rans_sym)) + 4 * voxels + 16 * (uint64_t)nz +
           (1u << 20);
}

uint64_t ll_decompress_memory(uint64_t voxels, uint32_t nz) {
    return voxels * sizeof(int32_t) + 16 * (uint64_t)nz + (1u << 20);
}

e2ec_status ll_compress(const e2ec_volume *v, const ll_fit_opts *o, int32_t max_error,
                        uint8_t **section, size_t *n, double *fit_bits) {
    if (v->type == E2EC_F32) return E2EC_ERR_UNSUPPORTED;
    if (max_error < 0 || max_error > LL_MAX_ERROR) return E2EC_ERR_LIMIT;
    size_t nv = (size_t)v->nx * v->ny * v->nz;
    int32_t *x = to_int32(v, nv);
    if (!x) return E2EC_ERR_NOMEM;
    int32_t lo = INT32_MAX, hi = INT32_MIN;
    for (size_t i = 0; i < nv; i++) lo = x[i] < lo ? x[i] : lo, hi = x[i] > hi ? x[i] : hi;
    ll_shape sh = {(int)v->nx, (int)v->ny, (int)v->nz, lo};
    int shift = ll_pick_shift(&sh, x);
    float *p = malloc((size_t)arm_param_count(LL_CTX, o->hidden) * sizeof *p);
    uint32_t *zb = malloc((size_t)v->nz * sizeof *zb);
    uint8_t *slices = NULL;
    size_t len = 0;
    ll_section sec = {.lo = lo, .hi = hi, .shift = shift, .max_error = max_error, .nz = v->nz};
    int32_t *recon = malloc(nv * sizeof *recon);
    e2ec_status st = p && zb && recon ? E2EC_OK : E2EC_ERR_NOMEM;
    if (st == E2EC_OK) st = ll_fit(&sh, x, lo, hi, shift, o, p, fit_bits);
    if (st == E2EC_OK) st = arm_int_quantise(&sec.arm, LL_CTX, o->hidden, p);
    ll_model m = {lo, hi, shift, &sec.arm, max_error};
    if (st == E2EC_OK) st = ll_encode(&sh, x, &m, &slices, &len, zb, recon);
    if (st == E2EC_OK) {
        sec.slice_bytes = zb;
        sec.slices = slices;
        sec.slices_bytes = len;
        *n = ll_section_size(o->hidden, v->nz, len);
        *section = malloc(*n);
        if (*section) ll_section_write(*section, &sec);
        else st = E2EC_ERR_NOMEM;
    }
    free(x), free(p), free(zb), free(slices), free(recon);
    return st;
}

e2ec_status ll_decompress(const uint8_t *section, size_t n, e2ec_volume *out) {
    return ll_decompress_planes(section, n, out, out->nz);
}

e2ec_status ll_decompress_planes(const uint8_t *section, size_t n, e2ec_volume *out, uint32_t z1) {
    int64_t tlo, thi;
    type_range(out, &tlo, &thi);
    if (out->type == E2EC_F32) return E2EC_ERR_HEADER;
    ll_section sec;
    uint32_t *zb;
    e2ec_status st = ll_section_read(section, n, out->nz, tlo, thi, &sec, &zb);
    if (st != E2EC_OK) return st;
    if (z1 < 1 || z1 > out->nz) {
        free(zb);
        return E2EC_ERR_ARG;
    }
    size_t nv = (size_t)out->nx * out->ny * z1, len = 0;
    for (uint32_t z = 0; z < z1; z++) len += zb[z];
    int32_t *x = malloc(nv * sizeof *x);
    if (!x) {
        free(zb);
        return E2EC_ERR_NOMEM;
    }
    ll_shape sh = {(int)out->nx, (int)out->ny, (int)z1, sec.lo};
    ll_model m = {sec.lo, sec.hi, sec.shift, &sec.arm, sec.max_error};
    st = ll_decode(&sh, sec.slices, len, zb, 0, &m, x);
    for (size_t i = 0; st == E2EC_OK && i < nv; i++) {
        switch (out->type) {
        case E2EC_U8: ((uint8_t *)out->data)[i] = (uint8_t)x[i]; break;
        case E2EC_I16: ((int16_t *)out->data)[i] = (int16_t)x[i]; break;
        default: ((uint16_t *)out->data)[i] = (uint16_t)x[i]; break;
        }
    }
    free(x);
    free(zb);
    return st;
}
