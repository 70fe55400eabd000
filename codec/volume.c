/* Volumes and the intensity mapping to and from [0,1]. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "e2ec.h"
#include "caps.h"
#include "volume_norm.h"

size_t e2ec_voxel_size(e2ec_voxel_type t) {
    switch (t) {
    case E2EC_U8: return 1;
    case E2EC_I16:
    case E2EC_U16: return 2;
    case E2EC_F32: return 4;
    }
    return 0;
}

size_t volume_voxels(const e2ec_volume *v) { return (size_t)v->nx * v->ny * v->nz; }

e2ec_status e2ec_volume_alloc(e2ec_volume *v, uint32_t nx, uint32_t ny, uint32_t nz,
                              e2ec_voxel_type type) {
    if (!v) return E2EC_ERR_ARG;
    memset(v, 0, sizeof *v);
    size_t vs = e2ec_voxel_size(type);
    if (!vs || !nx || !ny || !nz) return E2EC_ERR_ARG;
    if (nx > E2EC_MAX_DIM || ny > E2EC_MAX_DIM || nz > E2EC_MAX_DIM ||
        (uint64_t)nx * ny * nz > E2EC_MAX_VOXELS)
        return E2EC_ERR_LIMIT;
    v->data = calloc((size_t)nx * ny * nz, vs);
    if (!v->data) return E2EC_ERR_NOMEM;
    v->nx = nx, v->ny = ny, v->nz = nz;
    v->type = type;
    v->spacing[0] = v->spacing[1] = v->spacing[2] = 1.0f;
    return E2EC_OK;
}

void e2ec_volume_free(e2ec_volume *v) {
    if (!v) return;
    free(v->data);
    memset(v, 0, sizeof *v);
}

void e2ec_free(void *p) { free(p); }

double e2ec_voxel_value(const e2ec_volume *v, size_t i) {
    switch (v->type) {
    case E2EC_U8: return ((const uint8_t *)v->data)[i];
    case E2EC_I16: return ((const int16_t *)v->data)[i];
    case E2EC_U16: return ((const uint16_t *)v->data)[i];
    case E2EC_F32: return ((const float *)v->data)[i];
    }
    return 0.0;
}

void volume_minmax(const e2ec_volume *v, double *vmin, double *vmax) {
    size_t n = volume_voxels(v);
    double lo = n ? e2ec_voxel_value(v, 0) : 0.0, hi = lo;
    for (size_t i = 1; i < n; i++) {
        double x = e2ec_voxel_value(v, i);
        if (x < lo) lo = x;
        if (x > hi) hi = x;
    }
    *vmin = lo, *vmax = hi;
}

void volume_header(const e2ec_volume *v, e2ec_info *info) {
    info->nx = info->lx = v->nx, info->ny = info->ly = v->ny, info->nz = info->lz = v->nz;
    info->scale = 1;
    memcpy(info->spacing, v->spacing, sizeof info->spacing);
    info->type = v->type;
    info->bits_stored = v->bits_stored;
    volume_minmax(v, &info->vmin, &info->vmax);
}

void volume_to_normalised(const e2ec_volume *v, double vmin, double vmax, float *out) {
    size_t n = volume_voxels(v);
    double range = vmax - vmin;
    double inv = range > 0 ? 1.0 / range : 0.0;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = (float)((e2ec_voxel_value(v, i) - vmin) * inv);
}

void stored_range(e2ec_voxel_type type, int bits_stored, double *lo, double *hi) {
    switch (type) {
    case E2EC_U8:
    case E2EC_U16: {
        int bits = (int)e2ec_voxel_size(type) * 8;
        if (bits_stored > 0 && bits_stored < bits) bits = bits_stored;
        *lo = 0.0, *hi = ldexp(1.0, bits) - 1.0;
        return;
    }
    case E2EC_I16: {
        int bits = bits_stored > 0 && bits_stored < 16 ? bits_stored : 16;
        *lo = -ldexp(1.0, bits - 1), *hi = ldexp(1.0, bits - 1) - 1.0;
        return;
    }
    case E2EC_F32: *lo = -HUGE_VAL, *hi = HUGE_VAL; return;
    }
    *lo = *hi = 0.0;
}

void normalised_to_stored(const float *n, size_t count, double vmin, double vmax,
                          e2ec_voxel_type type, int bits_stored, void *dst) {
    double lo, hi;
    stored_range(type, bits_stored, &lo, &hi);
    double range = vmax - vmin;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < count; i++) {
        double x = n[i];
        /* the original lies in [vmin, vmax]; a NaN (finite weights can still
         * overflow the network) becomes vmin rather than an undefined cast */
        x = !(x >= 0.0) ? 0.0 : x > 1.0 ? 1.0 : x;
        double v = vmin + x * range;
        if (type != E2EC_F32) v = nearbyint(v);
        v = v < lo ? lo : v > hi ? hi : v;
        switch (type) {
        case E2EC_U8: ((uint8_t *)dst)[i] = (uint8_t)v; break;
        case E2EC_I16: ((int16_t *)dst)[i] = (int16_t)v; break;
        case E2EC_U16: ((uint16_t *)dst)[i] = (uint16_t)v; break;
        case E2EC_F32: ((float *)dst)[i] = (float)v; break;
        }
    }
}
