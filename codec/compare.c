/* e2ec_compare and e2ec_rate_of (e2ec.h): the figures docs/metrics.md defines. */
#include <math.h>
#include <omp.h>
#include <stdlib.h>
#include "e2ec.h"
#include "metrics.h"
#include "volume_norm.h"

e2ec_status e2ec_compare(const e2ec_volume *ref, const e2ec_volume *test, int threads,
                         e2ec_metrics *m) {
    if (!ref || !test || !m || !ref->data || !test->data) return E2EC_ERR_ARG;
    if (!e2ec_voxel_size(ref->type) || !e2ec_voxel_size(test->type)) return E2EC_ERR_ARG;
    if (ref->nx != test->nx || ref->ny != test->ny || ref->nz != test->nz) return E2EC_ERR_ARG;
    const size_t n = volume_voxels(ref);
    if (!n) return E2EC_ERR_ARG;

    /* Stored values as floats (the identity mapping vmin = 0, vmax = 1);
     * exact for every type: integers of up to 16 bits fit a float. */
    float *a = malloc(sizeof(float) * n), *b = malloc(sizeof(float) * n);
    if (!a || !b) {
        free(a);
        free(b);
        return E2EC_ERR_NOMEM;
    }
    /* The caller's thread count for this call only (OpenMP keeps it per thread). */
    const int saved_threads = omp_get_max_threads();
    if (threads > 0) omp_set_num_threads(threads);

    volume_to_normalised(ref, 0.0, 1.0, a);
    volume_to_normalised(test, 0.0, 1.0, b);
    double sq = 0.0, worst = 0.0;
#pragma omp parallel for reduction(+ : sq) reduction(max : worst) schedule(static)
    for (size_t i = 0; i < n; i++) {
        const double d = (double)b[i] - (double)a[i];
        sq += d * d;
        if (fabs(d) > worst) worst = fabs(d);
    }

    double vmin, vmax, lo, hi;
    volume_minmax(ref, &vmin, &vmax);
    stored_range(ref->type, ref->bits_stored, &lo, &hi); /* hi - lo = 2^bits - 1 */
    const double range = vmax - vmin;
    m->mse = sq / (double)n;
    m->max_abs_err = worst;
    m->psnr = psnr_from_mse(m->mse, range);
    m->psnr_bits = psnr_from_mse(m->mse, ref->type == E2EC_F32 ? range : hi - lo);
    /* SSIM needs L > 0; a constant reference falls back to L = 1. */
    const double L = range > 0.0 ? range : 1.0;
    m->ssim3d = ssim3d(a, b, ref->nx, ref->ny, ref->nz, L);
    m->ssim2d_mean = ssim2d_mean(a, b, ref->nx, ref->ny, ref->nz, L);

    omp_set_num_threads(saved_threads);
    free(a);
    free(b);
    /* Finite voxels give a finite SSIM: NaN then means its scratch failed. */
    if (isfinite(m->mse) && (isnan(m->ssim3d) || isnan(m->ssim2d_mean))) return E2EC_ERR_NOMEM;
    return E2EC_OK;
}

void e2ec_rate_of(const e2ec_volume *original, size_t n_weights, size_t stream_bytes,
                  e2ec_rate *r) {
    if (!original || !r) return;
    const double voxels = (double)volume_voxels(original);
    const double bytes = (double)stream_bytes, weights = (double)n_weights;
    /* Undefined figures (no voxels, empty stream) come out as NaN or inf. */
    r->paper_cr = voxels > 0 ? 1.0 - weights / voxels : NAN;
    r->paper_bpp = voxels > 0 ? 32.0 * weights / voxels : NAN;
    r->true_bpp = voxels > 0 ? 8.0 * bytes / voxels : NAN;
    r->true_ratio = voxels * (double)e2ec_voxel_size(original->type) / bytes;
}
