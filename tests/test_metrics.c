/* PSNR, SSIM (against a brute-force evaluation), e2ec_compare, e2ec_rate_of. */
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "e2ec.h"
#include "gradcheck.h"
#include "metrics.h"

/* SSIM straight from its definition: for each valid position, Gaussian-weighted
 * moments over the whole w^3 window (no separability), in double. Windows: 11
 * or the largest odd length that fits; wz = 1 gives the 2D mean. */
static double brute_ssim(const float *a, const float *b, const uint32_t n[3], double L, int use_z) {
    uint32_t w[3];
    double g[3][11];
    for (int ax = 0; ax < 3; ax++) {
        w[ax] = n[ax] >= 11 ? 11 : (n[ax] % 2 ? n[ax] : n[ax] - 1);
        if (ax == 2 && !use_z) w[ax] = 1;
        double s = 0.0, c = (w[ax] - 1) / 2.0;
        for (uint32_t t = 0; t < w[ax]; t++) s += g[ax][t] = exp(-(t - c) * (t - c) / 4.5);
        for (uint32_t t = 0; t < w[ax]; t++) g[ax][t] /= s;
    }
    double c1 = pow(0.01 * L, 2), c2 = pow(0.03 * L, 2), total = 0.0;
    size_t count = 0;
    for (uint32_t z = 0; z + w[2] <= n[2]; z++)
        for (uint32_t y = 0; y + w[1] <= n[1]; y++)
            for (uint32_t x = 0; x + w[0] <= n[0]; x++) {
                double ma = 0, mb = 0, aa = 0, bb = 0, ab = 0;
                for (uint32_t k = 0; k < w[2]; k++)
                    for (uint32_t j = 0; j < w[1]; j++)
                        for (uint32_t i = 0; i < w[0]; i++) {
                            size_t p = (x + i) + (size_t)n[0] * ((y + j) + (size_t)n[1] * (z + k));
                            double gw = g[0][i] * g[1][j] * g[2][k], va = a[p], vb = b[p];
                            ma += gw * va, mb += gw * vb;
                            aa += gw * va * va, bb += gw * vb * vb, ab += gw * va * vb;
                        }
                double sa = aa - ma * ma, sb = bb - mb * mb, sab = ab - ma * mb;
                total += (2 * ma * mb + c1) * (2 * sab + c2) /
                         ((ma * ma + mb * mb + c1) * (sa + sb + c2));
                count++;
            }
    return total / (double)count;
}

int main(void) {
    /* psnr_from_mse. */
    CHECK(isinf(psnr_from_mse(0.0, 255.0)) && psnr_from_mse(0.0, 255.0) > 0, "mse 0 => +inf");
    CHECK(fabs(psnr_from_mse(1.0, 10.0) - 20.0) < 1e-12, "psnr 20 dB");

    /* SSIM against brute force, for full windows and for short axes (9, 6 -> 5, 1). */
    const uint32_t sizes[][3] = {{16, 14, 13}, {12, 9, 6}, {13, 12, 1}};
    for (size_t c = 0; c < sizeof sizes / sizeof sizes[0]; c++) {
        const uint32_t *n = sizes[c];
        size_t nn = (size_t)n[0] * n[1] * n[2];
        float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b);
        gc_fill(a, nn, 3u + (unsigned)c, 0.0f, 100.0f);
        gc_fill(b, nn, 4u + (unsigned)c, -20.0f, 20.0f);
        for (size_t i = 0; i < nn; i++) b[i] += 0.7f * a[i]; /* correlated, not equal */
        double s3 = ssim3d(a, b, n[0], n[1], n[2], 100.0);
        double s2 = ssim2d_mean(a, b, n[0], n[1], n[2], 100.0);
        double r3 = brute_ssim(a, b, n, 100.0, 1), r2 = brute_ssim(a, b, n, 100.0, 0);
        CHECK(fabs(s3 - r3) < 1e-9, "size %zu: ssim3d %.12f vs brute %.12f", c, s3, r3);
        CHECK(fabs(s2 - r2) < 1e-9, "size %zu: ssim2d %.12f vs brute %.12f", c, s2, r2);
        CHECK(s3 < 0.99 && s2 < 0.99, "size %zu: ssim of different volumes %.4f %.4f", c, s3, s2);
        free(a), free(b);
    }

    /* Identical volumes: SSIM 1; a scaled/shifted copy: below 1 and symmetric. */
    {
        const uint32_t nx = 24, ny = 20, nz = 15;
        size_t nn = (size_t)nx * ny * nz;
        float *a = malloc(nn * sizeof *a), *b = malloc(nn * sizeof *b);
        gc_fill(a, nn, 21u, 0.0f, 1.0f);
        CHECK(fabs(ssim3d(a, a, nx, ny, nz, 1.0) - 1.0) < 1e-12, "ssim3d(a, a)");
        CHECK(fabs(ssim2d_mean(a, a, nx, ny, nz, 1.0) - 1.0) < 1e-12, "ssim2d_mean(a, a)");
        for (size_t i = 0; i < nn; i++) b[i] = 0.8f * a[i] + 0.1f;
        double ab = ssim3d(a, b, nx, ny, nz, 1.0), ba = ssim3d(b, a, nx, ny, nz, 1.0);
        double ab2 = ssim2d_mean(a, b, nx, ny, nz, 1.0), ba2 = ssim2d_mean(b, a, nx, ny, nz, 1.0);
        CHECK(ab < 1.0 - 1e-4 && fabs(ab - ba) < 1e-12, "scaled copy 3D: %.9f / %.9f", ab, ba);
        CHECK(ab2 < 1.0 - 1e-4 && fabs(ab2 - ba2) < 1e-12, "scaled copy 2D: %.9f / %.9f", ab2, ba2);
        free(a), free(b);
    }

    /* e2ec_compare on u16 with known uniform noise: PSNR against 10 log10(R^2 / mse)
     * with R and mse computed here, both MAX columns. */
    {
        e2ec_volume ref, test;
        const uint32_t nx = 40, ny = 32, nz = 20;
        CHECK(e2ec_volume_alloc(&ref, nx, ny, nz, E2EC_U16) == E2EC_OK, "alloc");
        CHECK(e2ec_volume_alloc(&test, nx, ny, nz, E2EC_U16) == E2EC_OK, "alloc");
        ref.bits_stored = 12;
        size_t nn = (size_t)nx * ny * nz;
        float *r = malloc(nn * sizeof *r), *noise = malloc(nn * sizeof *noise);
        gc_fill(r, nn, 31u, 100.0f, 3900.0f);
        gc_fill(noise, nn, 32u, -20.5f, 20.5f); /* integers in [-20, 20], mse ~ 140 */
        uint16_t *pr = ref.data, *pt = test.data;
        double sq = 0.0, lo = 1e9, hi = -1e9, worst = 0.0;
        for (size_t i = 0; i < nn; i++) {
            pr[i] = (uint16_t)r[i];
            int d = (int)lround(noise[i]);
            pt[i] = (uint16_t)(pr[i] + d);
            sq += (double)d * d;
            lo = fmin(lo, pr[i]), hi = fmax(hi, pr[i]), worst = fmax(worst, abs(d));
        }
        double mse = sq / (double)nn;
        e2ec_metrics m;
        CHECK(e2ec_compare(&ref, &test, 2, &m) == E2EC_OK, "compare u16");
        CHECK(fabs(m.mse - mse) < 1e-9 * mse, "mse %.6f vs %.6f", m.mse, mse);
        CHECK(m.max_abs_err == worst, "max abs err %.1f vs %.1f", m.max_abs_err, worst);
        double want = 10.0 * log10((hi - lo) * (hi - lo) / mse);
        CHECK(fabs(m.psnr - want) < 0.01, "psnr %.4f vs %.4f", m.psnr, want);
        want = 10.0 * log10(4095.0 * 4095.0 / mse);
        CHECK(fabs(m.psnr_bits - want) < 0.01, "psnr_bits %.4f vs %.4f", m.psnr_bits, want);
        CHECK(m.ssim3d > 0.5 && m.ssim3d < 1.0 && m.ssim2d_mean > 0.5 && m.ssim2d_mean < 1.0,
              "noisy ssim %.4f %.4f", m.ssim3d, m.ssim2d_mean);

        /* Identical: +inf and SSIM 1. */
        CHECK(e2ec_compare(&ref, &ref, 0, &m) == E2EC_OK, "compare self");
        CHECK(isinf(m.psnr) && isinf(m.psnr_bits) && m.mse == 0.0 && m.max_abs_err == 0.0,
              "self psnr %.3f", m.psnr);
        CHECK(fabs(m.ssim3d - 1.0) < 1e-12 && fabs(m.ssim2d_mean - 1.0) < 1e-12,
              "self ssim %.15f %.15f", m.ssim3d, m.ssim2d_mean);

        /* Dimension mismatch. */
        e2ec_volume other;
        CHECK(e2ec_volume_alloc(&other, nx, ny, nz - 1, E2EC_U16) == E2EC_OK, "alloc");
        CHECK(e2ec_compare(&ref, &other, 0, &m) == E2EC_ERR_ARG, "dims mismatch");
        CHECK(e2ec_compare(&ref, NULL, 0, &m) == E2EC_ERR_ARG, "NULL test");
        e2ec_volume_free(&other);
        e2ec_volume_free(&ref), e2ec_volume_free(&test);
        free(r), free(noise);
    }

    /* Across types: u8 reference, f32 test off by exactly 0.5 everywhere. */
    {
        e2ec_volume ref, test;
        const uint32_t nx = 16, ny = 16, nz = 12;
        e2ec_volume_alloc(&ref, nx, ny, nz, E2EC_U8);
        e2ec_volume_alloc(&test, nx, ny, nz, E2EC_F32);
        uint8_t *pr = ref.data;
        float *pt = test.data;
        size_t nn = (size_t)nx * ny * nz;
        for (size_t i = 0; i < nn; i++) pr[i] = (uint8_t)(10 + (i * 37) % 200), pt[i] = pr[i] + 0.5f;
        e2ec_metrics m;
        CHECK(e2ec_compare(&ref, &test, 1, &m) == E2EC_OK, "compare u8/f32");
        CHECK(m.mse == 0.25 && m.max_abs_err == 0.5, "u8/f32 mse %.6f max %.6f", m.mse, m.max_abs_err);
        CHECK(fabs(m.psnr - 10.0 * log10(199.0 * 199.0 / 0.25)) < 1e-9, "u8/f32 psnr %.6f", m.psnr);
        CHECK(fabs(m.psnr_bits - 10.0 * log10(255.0 * 255.0 / 0.25)) < 1e-9, "u8/f32 psnr_bits %.6f",
              m.psnr_bits);
        /* The f32 volume as reference: psnr_bits uses its range. */
        CHECK(e2ec_compare(&test, &ref, 1, &m) == E2EC_OK && m.psnr_bits == m.psnr,
              "f32 reference: psnr_bits %.6f psnr %.6f", m.psnr_bits, m.psnr);
        e2ec_volume_free(&ref), e2ec_volume_free(&test);
    }

    /* e2ec_rate_of: the paper's trade-off point, 6,348 weights on a 64^3
     * patch (paper: CR 97.578 %, 0.775 bpp), stored as u16, 9,000-byte stream. */
    {
        e2ec_volume v;
        e2ec_volume_alloc(&v, 64, 64, 64, E2EC_U16);
        e2ec_rate rate;
        e2ec_rate_of(&v, 6348, 9000, &rate);
        const double voxels = 64.0 * 64.0 * 64.0;
        CHECK(fabs(rate.paper_cr - (1.0 - 6348.0 / voxels)) < 1e-15, "cr %.6f", rate.paper_cr);
        CHECK(fabs(rate.paper_cr * 100.0 - 97.578) < 5e-4, "cr vs paper %.4f %%", rate.paper_cr * 100);
        CHECK(fabs(rate.paper_bpp - 32.0 * 6348.0 / voxels) < 1e-15 &&
                  fabs(rate.paper_bpp - 0.775) < 5e-4,
              "paper bpp %.5f", rate.paper_bpp);
        CHECK(fabs(rate.true_bpp - 8.0 * 9000.0 / voxels) < 1e-15, "true bpp %.5f", rate.true_bpp);
        CHECK(fabs(rate.true_ratio - 2.0 * voxels / 9000.0) < 1e-12, "true ratio %.5f",
              rate.true_ratio);
        e2ec_volume_free(&v);
    }
    return check_summary();
}
