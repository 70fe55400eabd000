/* Quality metrics on float volumes; e2ec_compare (e2ec.h) wraps them. */
#ifndef E2EC_METRICS_H
#define E2EC_METRICS_H

#include <stddef.h>
#include <stdint.h>

/* 10 log10(max^2 / mse); +inf when mse == 0. */
double psnr_from_mse(double mse, double max);
/* 3D SSIM, separable Gaussian window (11, sigma 1.5), K1 = .01, K2 = .03,
 * dynamic range L. Statistics over the 'valid' region; an axis shorter than
 * 11 uses the largest odd window that fits, renormalised. */
double ssim3d(const float *a, const float *b, uint32_t nx, uint32_t ny, uint32_t nz, double L);
/* Mean over z of the 2D SSIM of each slice, same settings. */
double ssim2d_mean(const float *a, const float *b, uint32_t nx, uint32_t ny, uint32_t nz,
                   double L);

#endif
