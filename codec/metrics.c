/*
 * PSNR and SSIM on float volumes, see metrics.h and docs/metrics.md.
 *
 * SSIM's local statistics are Gaussian-weighted means of a, b, a^2, b^2 and
 * ab. They are filtered separably and in double (variances are differences
 * of nearly equal second moments), one output z-plane at a time: the z
 * filter folds the planes under the window into a plane of the five moments,
 * the y filter then makes one row of them, the x filter one voxel. Scratch
 * is one plane of moments per thread, whatever the depth.
 */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include "metrics.h"

#define SSIM_WIN 11
#define SSIM_SIGMA 1.5
#define SSIM_K1 0.01
#define SSIM_K2 0.03
#define MOMENTS 5 /* a, b, a^2, b^2, ab */

double psnr_from_mse(double mse, double max) {
    if (mse == 0.0) return INFINITY;
    return 10.0 * log10(max * max / mse);
}

/* The Gaussian window of an axis of n >= 1 voxels: 11 taps, or the largest
 * odd number that fits, renormalised to sum 1. Returns its length. */
static uint32_t gauss_window(uint32_t n, double g[SSIM_WIN]) {
    uint32_t w = n >= SSIM_WIN ? SSIM_WIN : (n % 2 ? n : n - 1);
    double sum = 0.0;
    for (uint32_t t = 0; t < w; t++) {
        double d = (double)t - (double)(w - 1) / 2.0;
        g[t] = exp(-d * d / (2.0 * SSIM_SIGMA * SSIM_SIGMA));
        sum += g[t];
    }
    for (uint32_t t = 0; t < w; t++) g[t] /= sum;
    return w;
}

/*
 * Mean SSIM over the valid region (every window wholly inside the volume).
 * With filter_z == 0 the z window is one plane: each slice is a 2D SSIM, and
 * since every slice has as many valid pixels, the mean of the map is the
 * mean over slices of their mean SSIM. NAN if scratch cannot be allocated.
 */
static double ssim_mean(const float *a, const float *b, uint32_t nx, uint32_t ny,
                        uint32_t nz, double L, int filter_z) {
    if (!a || !b || !nx || !ny || !nz) return NAN;
    double gx[SSIM_WIN], gy[SSIM_WIN], gz[SSIM_WIN] = {1.0};
    const uint32_t wx = gauss_window(nx, gx), wy = gauss_window(ny, gy);
    const uint32_t wz = filter_z ? gauss_window(nz, gz) : 1;
    const uint32_t vx = nx - wx + 1, vy = ny - wy + 1, vz = nz - wz + 1;
    const double c1 = (SSIM_K1 * L) * (SSIM_K1 * L), c2 = (SSIM_K2 * L) * (SSIM_K2 * L);
    const size_t plane = (size_t)nx * ny;
    const size_t per_thread = MOMENTS * (plane + nx);
    const int nthreads = omp_get_max_threads();

    double *scratch = malloc(sizeof(double) * per_thread * (size_t)nthreads);
    double *plane_sum = malloc(sizeof(double) * vz); /* summed in order: reproducible */
    if (!scratch || !plane_sum) {
        free(scratch);
        free(plane_sum);
        return NAN;
    }

#pragma omp parallel for schedule(dynamic)
    for (uint32_t oz = 0; oz < vz; oz++) {
        double *zm = scratch + per_thread * (size_t)omp_get_thread_num(); /* [q][plane] */
        double *ym = zm + MOMENTS * plane;                                 /* [q][nx] */
        for (size_t i = 0; i < MOMENTS * plane; i++) zm[i] = 0.0;
        for (uint32_t t = 0; t < wz; t++) {
            const float *pa = a + (oz + t) * plane, *pb = b + (oz + t) * plane;
            const double g = gz[t];
            for (size_t i = 0; i < plane; i++) {
                const double va = pa[i], vb = pb[i];
                zm[i] += g * va;
                zm[plane + i] += g * vb;
                zm[2 * plane + i] += g * va * va;
                zm[3 * plane + i] += g * vb * vb;
                zm[4 * plane + i] += g * va * vb;
            }
        }
        double sum = 0.0;
        for (uint32_t oy = 0; oy < vy; oy++) {
            for (int q = 0; q < MOMENTS; q++) {
                double *r = ym + (size_t)q * nx;
                const double *src = zm + (size_t)q * plane + (size_t)oy * nx;
                for (uint32_t x = 0; x < nx; x++) r[x] = 0.0;
                for (uint32_t t = 0; t < wy; t++)
                    for (uint32_t x = 0; x < nx; x++) r[x] += gy[t] * src[(size_t)t * nx + x];
            }
            for (uint32_t ox = 0; ox < vx; ox++) {
                double m[MOMENTS] = {0};
                for (int q = 0; q < MOMENTS; q++)
                    for (uint32_t t = 0; t < wx; t++) m[q] += gx[t] * ym[(size_t)q * nx + ox + t];
                const double var_a = m[2] - m[0] * m[0], var_b = m[3] - m[1] * m[1];
                const double cov = m[4] - m[0] * m[1];
                sum += ((2.0 * m[0] * m[1] + c1) * (2.0 * cov + c2)) /
                       ((m[0] * m[0] + m[1] * m[1] + c1) * (var_a + var_b + c2));
            }
        }
        plane_sum[oz] = sum;
    }

    double total = 0.0;
    for (uint32_t oz = 0; oz < vz; oz++) total += plane_sum[oz];
    free(scratch);
    free(plane_sum);
    return total / ((double)vx * vy * vz);
}

double ssim3d(const float *a, const float *b, uint32_t nx, uint32_t ny, uint32_t nz, double L) {
    return ssim_mean(a, b, nx, ny, nz, L, 1);
}

double ssim2d_mean(const float *a, const float *b, uint32_t nx, uint32_t ny, uint32_t nz,
                   double L) {
    return ssim_mean(a, b, nx, ny, nz, L, 0);
}
