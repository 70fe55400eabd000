#include "conv3d.h"

#include <cblas.h>
#include <string.h>

size_t conv3d_scratch_size(int cin, int k, int h, int w) {
    return (size_t)cin * k * k * k * h * w;
}

/* col[(i*k^3 + (dz*k + dy)*k + dx)][y*W + x] = in[i][z+dz-p][y+dy-p][x+dx-p] or 0. */
static void im2col_plane(float *col, const float *in, int cin, int k, int d, int h, int w,
                         int z) {
    int p = k / 2, kk = k * k * k;
    size_t hw = (size_t)h * w;
#pragma omp parallel for schedule(static)
    for (int r = 0; r < cin * kk; r++) {
        int i = r / kk, t = r % kk, dz = t / (k * k), dy = t / k % k, dx = t % k;
        float *c = col + (size_t)r * hw;
        int zz = z + dz - p;
        if (zz < 0 || zz >= d) {
            memset(c, 0, hw * sizeof *c);
            continue;
        }
        const float *src = in + ((size_t)i * d + zz) * hw;
        for (int y = 0; y < h; y++) {
            int yy = y + dy - p;
            for (int x = 0; x < w; x++) {
                int xx = x + dx - p;
                c[(size_t)y * w + x] =
                    (yy < 0 || yy >= h || xx < 0 || xx >= w) ? 0.0f : src[(size_t)yy * w + xx];
            }
        }
    }
}

/* The adjoint of im2col_plane: din += col scattered back. Each thread owns one
 * input channel, so no two threads write the same voxel. */
static void col2im_plane(float *din, const float *col, int cin, int k, int d, int h, int w,
                         int z) {
    int p = k / 2, kk = k * k * k;
    size_t hw = (size_t)h * w;
#pragma omp parallel for schedule(static)
    for (int i = 0; i < cin; i++) {
        for (int t = 0; t < kk; t++) {
            int dz = t / (k * k), dy = t / k % k, dx = t % k, zz = z + dz - p;
            if (zz < 0 || zz >= d) continue;
            const float *c = col + ((size_t)i * kk + t) * hw;
            float *dst = din + ((size_t)i * d + zz) * hw;
            for (int y = 0; y < h; y++) {
                int yy = y + dy - p;
                if (yy < 0 || yy >= h) continue;
                for (int x = 0; x < w; x++) {
                    int xx = x + dx - p;
                    if (xx >= 0 && xx < w) dst[(size_t)yy * w + xx] += c[(size_t)y * w + x];
                }
            }
        }
    }
}

void conv3d_forward(float *out, const float *in, const float *w, const float *b, int cin,
                    int cout, int k, int d, int h, int wd, float *scratch) {
    int kdim = cin * k * k * k;
    size_t hw = (size_t)h * wd, vol = (size_t)d * hw;
    for (int z = 0; z < d; z++) {
        for (int o = 0; o < cout; o++) {
            float *dst = out + o * vol + z * hw;
            float bo = b ? b[o] : 0.0f;
            for (size_t j = 0; j < hw; j++) dst[j] = bo;
        }
        im2col_plane(scratch, in, cin, k, d, h, wd, z);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, cout, (int)hw, kdim, 1.0f, w, kdim,
                    scratch, (int)hw, 1.0f, out + z * hw, (int)vol);
    }
}

void conv3d_backward(float *din, float *dw, float *db, const float *dout, const float *in,
                     const float *w, int cin, int cout, int k, int d, int h, int wd,
                     float *scratch) {
    int kdim = cin * k * k * k;
    size_t hw = (size_t)h * wd, vol = (size_t)d * hw;
    if (db)
        for (int o = 0; o < cout; o++) {
            double s = 0.0;
            for (size_t j = 0; j < vol; j++) s += dout[o * vol + j];
            db[o] += (float)s;
        }
    for (int z = 0; z < d; z++) {
        const float *dz = dout + z * hw;
        im2col_plane(scratch, in, cin, k, d, h, wd, z);
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, cout, kdim, (int)hw, 1.0f, dz,
                    (int)vol, scratch, (int)hw, 1.0f, dw, kdim);
        if (!din) continue;
        cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, kdim, (int)hw, cout, 1.0f, w, kdim,
                    dz, (int)vol, 0.0f, scratch, (int)hw);
        col2im_plane(din, scratch, cin, k, d, h, wd, z);
    }
}
