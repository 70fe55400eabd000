/*
 * Separable trilinear / tricubic (Keys, a = -0.5) upsampling and its adjoint,
 * see upsample.h.
 *
 * An output row (y, z) is made in two steps: the z and y taps are combined
 * into one low-res row (T^2 row sums), which is then interpolated along x
 * (T taps per voxel). That costs T^2 lx/hx + T multiply-adds per output voxel
 * and needs only a row of scratch, held on the stack: these functions cannot
 * fail, so they do not allocate.
 */
#include <math.h>
#include "upsample.h"

#define MAX_TAPS 4

/* Keys cubic convolution (a = -0.5, exact for quadratics): the weights of
 * the taps at -1, 0, +1, +2 around a point at fraction f, i.e. the kernel
 * W(1+f), W(f), W(1-f), W(2-f) written out as polynomials in f. */
static void keys_weights(double f, float w[4]) {
    const double f2 = f * f, f3 = f2 * f;
    w[0] = (float)(-0.5 * f3 + f2 - 0.5 * f);
    w[1] = (float)(1.5 * f3 - 2.5 * f2 + 1.0);
    w[2] = (float)(-1.5 * f3 + 2.0 * f2 + 0.5 * f);
    w[3] = (float)(0.5 * f3 - 0.5 * f2);
}

/*
 * Taps of high-res index i of an axis of h voxels upsampled from l: low-res
 * indices (non-decreasing, clamped to [0, l-1]) and weights; returns their
 * number. The position u = (i + 0.5) l/h - 0.5 is clamped to [0, l-1] first,
 * so edge voxels copy the edge instead of extrapolating. Any kind other than
 * tricubic is trilinear.
 */
static int axis_taps(e2ec_upsampler kind, uint32_t l, uint32_t h, uint32_t i,
                     uint32_t idx[MAX_TAPS], float w[MAX_TAPS]) {
    double u = ((double)i + 0.5) * (double)l / (double)h - 0.5;
    double top = (double)l - 1.0;
    u = u < 0.0 ? 0.0 : u > top ? top : u;
    double base = floor(u), f = u - base;
    long i0 = (long)base;
    if (kind == E2EC_UP_TRICUBIC) {
        for (int t = 0; t < 4; t++) {
            long j = i0 - 1 + t;
            idx[t] = j < 0 ? 0 : j > (long)l - 1 ? l - 1 : (uint32_t)j;
        }
        keys_weights(f, w);
        return 4;
    }
    idx[0] = (uint32_t)i0;
    idx[1] = (uint32_t)i0 + 1 < l ? (uint32_t)i0 + 1 : l - 1;
    w[0] = (float)(1.0 - f);
    w[1] = (float)f;
    return 2;
}

void upsample_lr_planes(e2ec_upsampler kind, uint32_t lz, uint32_t hz, uint32_t z0,
                        uint32_t z1, uint32_t *lz0, uint32_t *lz1) {
    uint32_t idx[MAX_TAPS];
    float w[MAX_TAPS];
    if (z1 > hz) z1 = hz;
    if (!lz || z0 >= z1) {
        *lz0 = *lz1 = 0;
        return;
    }
    /* Taps are non-decreasing in i and within a tap list. */
    axis_taps(kind, lz, hz, z0, idx, w);
    *lz0 = idx[0];
    int n = axis_taps(kind, lz, hz, z1 - 1, idx, w);
    *lz1 = idx[n - 1] + 1;
}

void upsample_forward(e2ec_upsampler kind, const float *lr, uint32_t lx, uint32_t ly,
                      uint32_t lz, float *hr, uint32_t hx, uint32_t hy, uint32_t hz,
                      uint32_t z0, uint32_t z1) {
    if (z1 > hz) z1 = hz;
    if (!lx || !ly || !lz || !hx || !hy || z0 >= z1) return;
    const size_t lplane = (size_t)lx * ly, hplane = (size_t)hx * hy;
#pragma omp parallel
    {
        float row[lx]; /* lx <= E2EC_MAX_DIM: at most 64 KiB of stack */
#pragma omp for collapse(2) schedule(static)
        for (uint32_t z = z0; z < z1; z++) {
            for (uint32_t y = 0; y < hy; y++) {
                uint32_t iz[MAX_TAPS], iy[MAX_TAPS], ix[MAX_TAPS];
                float wz[MAX_TAPS], wy[MAX_TAPS], wx[MAX_TAPS];
                int tz = axis_taps(kind, lz, hz, z, iz, wz);
                int ty = axis_taps(kind, ly, hy, y, iy, wy);
                for (uint32_t x = 0; x < lx; x++) row[x] = 0.0f;
                for (int a = 0; a < tz; a++) {
                    for (int b = 0; b < ty; b++) {
                        const float w = wz[a] * wy[b];
                        const float *src = lr + iz[a] * lplane + (size_t)iy[b] * lx;
                        for (uint32_t x = 0; x < lx; x++) row[x] += w * src[x];
                    }
                }
                float *dst = hr + (size_t)(z - z0) * hplane + (size_t)y * hx;
                for (uint32_t x = 0; x < hx; x++) {
                    int tx = axis_taps(kind, lx, hx, x, ix, wx);
                    float s = 0.0f;
                    for (int c = 0; c < tx; c++) s += wx[c] * row[ix[c]];
                    dst[x] = s;
                }
            }
        }
    }
}

/*
 * The adjoint, parallel over low-res planes so that each thread owns the
 * planes it accumulates into (no atomics): plane iz gathers from every
 * high-res plane whose z taps name it. A high-res row is thus folded along x
 * once per low-res plane it reaches (at most T times).
 */
void upsample_backward(e2ec_upsampler kind, float *dlr, uint32_t lx, uint32_t ly,
                       uint32_t lz, const float *dhr, uint32_t hx, uint32_t hy, uint32_t hz) {
    if (!lx || !ly || !lz || !hx || !hy || !hz) return;
    const size_t lplane = (size_t)lx * ly, hplane = (size_t)hx * hy;
#pragma omp parallel
    {
        float drow[lx];
#pragma omp for schedule(dynamic)
        for (uint32_t pz = 0; pz < lz; pz++) {
            float *plane = dlr + pz * lplane;
            for (uint32_t z = 0; z < hz; z++) {
                uint32_t iz[MAX_TAPS], iy[MAX_TAPS], ix[MAX_TAPS];
                float wz[MAX_TAPS], wy[MAX_TAPS], wx[MAX_TAPS];
                int tz = axis_taps(kind, lz, hz, z, iz, wz);
                float w_plane = 0.0f; /* clamped taps may name pz more than once */
                for (int a = 0; a < tz; a++)
                    if (iz[a] == pz) w_plane += wz[a];
                if (w_plane == 0.0f) continue;
                for (uint32_t y = 0; y < hy; y++) {
                    const float *src = dhr + z * hplane + (size_t)y * hx;
                    for (uint32_t x = 0; x < lx; x++) drow[x] = 0.0f;
                    for (uint32_t x = 0; x < hx; x++) {
                        int tx = axis_taps(kind, lx, hx, x, ix, wx);
                        for (int c = 0; c < tx; c++) drow[ix[c]] += wx[c] * src[x];
                    }
                    int ty = axis_taps(kind, ly, hy, y, iy, wy);
                    for (int b = 0; b < ty; b++) {
                        const float w = w_plane * wy[b];
                        float *dst = plane + (size_t)iy[b] * lx;
                        for (uint32_t x = 0; x < lx; x++) dst[x] += w * drow[x];
                    }
                }
            }
        }
    }
}

/* One box, point by point (windows of the SRNO's window-mode training):
 * serial, as the callers run one window at a time. */
static void box_pass(e2ec_upsampler kind, float *lr, uint32_t lz0, uint32_t lx, uint32_t ly,
                     uint32_t lz, uint32_t hx, uint32_t hy, uint32_t hz, const uint32_t box[6],
                     float *vals, int adjoint) {
    const size_t lplane = (size_t)lx * ly;
    size_t i = 0;
    for (uint32_t z = box[4]; z < box[5]; z++) {
        uint32_t iz[MAX_TAPS], iy[MAX_TAPS], ix[MAX_TAPS];
        float wz[MAX_TAPS], wy[MAX_TAPS], wx[MAX_TAPS];
        int tz = axis_taps(kind, lz, hz, z, iz, wz);
        for (uint32_t y = box[2]; y < box[3]; y++) {
            int ty = axis_taps(kind, ly, hy, y, iy, wy);
            for (uint32_t x = box[0]; x < box[1]; x++, i++) {
                int tx = axis_taps(kind, lx, hx, x, ix, wx);
                float s = 0.0f;
                for (int a = 0; a < tz; a++)
                    for (int b = 0; b < ty; b++) {
                        float *row = lr + (iz[a] - lz0) * lplane + (size_t)iy[b] * lx;
                        for (int c = 0; c < tx; c++) {
                            float w = wz[a] * wy[b] * wx[c];
                            if (adjoint)
                                row[ix[c]] += w * vals[i];
                            else
                                s += w * row[ix[c]];
                        }
                    }
                if (!adjoint) vals[i] = s;
            }
        }
    }
}

void upsample_box_forward(e2ec_upsampler kind, const float *lr, uint32_t lz0, uint32_t lx,
                          uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy, uint32_t hz,
                          const uint32_t box[6], float *out) {
    box_pass(kind, (float *)lr, lz0, lx, ly, lz, hx, hy, hz, box, out, 0);
}

void upsample_box_backward(e2ec_upsampler kind, float *dlr, uint32_t lz0, uint32_t lx,
                           uint32_t ly, uint32_t lz, uint32_t hx, uint32_t hy, uint32_t hz,
                           const uint32_t box[6], const float *dout) {
    box_pass(kind, dlr, lz0, lx, ly, lz, hx, hy, hz, box, (float *)dout, 1);
}
