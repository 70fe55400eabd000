/*
 * FFT low-pass downsampling (paper Eq. 1), see fft_downsample.h.
 *
 * The 3D operation "r2c, keep the block |k| < m/2, shift the phase, c2r at the
 * target size" is a tensor product of the same 1D operation along each axis:
 * the kept block is a box, the phase factor is a product of per-axis factors,
 * and the kept spectrum stays Hermitian, so the 3D inverse is real and equal
 * to the axis-by-axis result. We therefore run it one axis at a time on
 * batches of lines. The result is the 3D transform's (a test checks it
 * against a direct 3D DFT), but the full-size spectrum (as large as the input)
 * is never held: the peak extra memory is the two shrinking intermediates,
 * e.g. 3/8 of the input for scale 2.
 *
 * An axis with m == n is left as it is: its shift is zero and every
 * frequency fits, including the Nyquist one (zeroing it would not be the
 * identity that m == n must be).
 */
#include <math.h>
#include <omp.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <fftw3.h>
#include "fft_downsample.h"
#include "caps.h"

/* Lines transformed together: 16 floats of neighbouring lines are one cache
 * line, so gathering lines along y or z reads memory contiguously. */
#define LANES 16

uint32_t lowres_size(uint32_t n, int scale) {
    uint32_t m = scale > 0 ? n / (uint32_t)scale : n;
    return m ? m : 1;
}

/* FFTW's planner is not thread-safe; the library must allow concurrent
 * encodes, so its planner is made thread-safe once per process. */
static pthread_once_t planner_once = PTHREAD_ONCE_INIT;
static void make_planner_thread_safe(void) { fftwf_make_planner_thread_safe(); }

/* Scratch for one thread: gathered lines, their spectra, resampled lines.
 * Lane b of sample k is at [k * LANES + b]. */
typedef struct {
    float *in;
    fftwf_complex *spec;
    float *out;
} lane_buf;

static void free_bufs(lane_buf *bufs, int count) {
    for (int t = 0; t < count; t++) {
        fftwf_free(bufs[t].in);
        fftwf_free(bufs[t].spec);
        fftwf_free(bufs[t].out);
    }
    free(bufs);
}

/*
 * Resamples one axis. The volume is seen as (a, n, c): a = voxels of the
 * faster axes, c = lines of the slower ones; element (i, k, j) of src is at
 * i + a * (k + n * j), of dst at i + a * (k + m * j).
 */
static e2ec_status resample_axis(const float *src, float *dst, size_t a, uint32_t n,
                                 uint32_t m, size_t c) {
    const int lanes = a < LANES ? (int)a : LANES;
    const size_t blocks_per_c = (a + (size_t)lanes - 1) / (size_t)lanes;
    const uint32_t nspec = n / 2 + 1, mspec = m / 2 + 1;
    const uint32_t kept = (m + 1) / 2; /* frequencies 0 <= k < m/2 */
    const int nthreads = omp_get_max_threads();

    /* Phase shift e^{i 2 pi k d / n}, d = (n - m) / (2m), moving sample j to
     * input position (j + 0.5) n/m - 0.5; 1/n makes the pair of FFTW's
     * unnormalised transforms keep the mean. */
    fftwf_complex *phase = fftwf_malloc(sizeof *phase * kept);
    lane_buf *bufs = calloc((size_t)nthreads, sizeof *bufs);
    if (!phase || !bufs) {
        fftwf_free(phase);
        free(bufs);
        return E2EC_ERR_NOMEM;
    }
    for (uint32_t k = 0; k < kept; k++) {
        double ang = acos(-1.0) * (double)k * (double)(n - m) / ((double)m * (double)n);
        phase[k][0] = (float)(cos(ang) / n);
        phase[k][1] = (float)(sin(ang) / n);
    }
    for (int t = 0; t < nthreads; t++) {
        bufs[t].in = fftwf_malloc(sizeof(float) * n * (size_t)lanes);
        bufs[t].spec = fftwf_malloc(sizeof(fftwf_complex) * nspec * (size_t)lanes);
        bufs[t].out = fftwf_malloc(sizeof(float) * m * (size_t)lanes);
        if (!bufs[t].in || !bufs[t].spec || !bufs[t].out) {
            fftwf_free(phase);
            free_bufs(bufs, nthreads);
            return E2EC_ERR_NOMEM;
        }
    }

    /* Planned on thread 0's buffers and executed on every thread's (all come
     * from fftwf_malloc, so their alignment matches). ESTIMATE leaves the
     * arrays untouched. */
    pthread_once(&planner_once, make_planner_thread_safe);
    int ni = (int)n, mi = (int)m;
    fftwf_plan fwd = fftwf_plan_many_dft_r2c(1, &ni, lanes, bufs[0].in, NULL, lanes, 1,
                                             bufs[0].spec, NULL, lanes, 1, FFTW_ESTIMATE);
    fftwf_plan inv = fftwf_plan_many_dft_c2r(1, &mi, lanes, bufs[0].spec, NULL, lanes, 1,
                                             bufs[0].out, NULL, lanes, 1, FFTW_ESTIMATE);
    if (!fwd || !inv) {
        if (fwd) fftwf_destroy_plan(fwd);
        if (inv) fftwf_destroy_plan(inv);
        fftwf_free(phase);
        free_bufs(bufs, nthreads);
        return E2EC_ERR_NOMEM; /* FFTW fails to plan only when it runs out of memory */
    }

    const size_t nblocks = blocks_per_c * c;
#pragma omp parallel for schedule(static)
    for (size_t blk = 0; blk < nblocks; blk++) {
        lane_buf *bf = &bufs[omp_get_thread_num()];
        const size_t j = blk / blocks_per_c, i0 = (blk % blocks_per_c) * (size_t)lanes;
        const int used = a - i0 < (size_t)lanes ? (int)(a - i0) : lanes;
        const float *s = src + i0 + a * n * j;
        for (uint32_t k = 0; k < n; k++) {
            for (int b = 0; b < used; b++) bf->in[(size_t)k * lanes + b] = s[a * k + b];
            for (int b = used; b < lanes; b++) bf->in[(size_t)k * lanes + b] = 0.0f;
        }
        fftwf_execute_dft_r2c(fwd, bf->in, bf->spec);
        for (uint32_t k = 0; k < mspec; k++) {
            fftwf_complex *z = bf->spec + (size_t)k * lanes;
            float pr = k < kept ? phase[k][0] : 0.0f, pi = k < kept ? phase[k][1] : 0.0f;
            for (int b = 0; b < lanes; b++) {
                float re = z[b][0], im = z[b][1];
                z[b][0] = re * pr - im * pi;
                z[b][1] = re * pi + im * pr;
            }
        }
        fftwf_execute_dft_c2r(inv, bf->spec, bf->out);
        float *d = dst + i0 + a * m * j;
        for (uint32_t k = 0; k < m; k++)
            for (int b = 0; b < used; b++) d[a * k + b] = bf->out[(size_t)k * lanes + b];
    }

    fftwf_destroy_plan(fwd);
    fftwf_destroy_plan(inv);
    fftwf_free(phase);
    free_bufs(bufs, nthreads);
    return E2EC_OK;
}

size_t fft_downsample_bytes(uint32_t nx, uint32_t ny, uint32_t nz, uint32_t mx, uint32_t my,
                            uint32_t mz, int threads) {
    const uint32_t n[3] = {nx, ny, nz}, m[3] = {mx, my, mz};
    size_t cur[3] = {nx, ny, nz}, total = 0, prev = 0;
    for (int ax = 0; ax < 3; ax++) {
        if (m[ax] == n[ax]) continue;
        /* resample_axis's phases and per-thread lanes (LANES lanes at most) */
        size_t lanes = LANES * sizeof(float) *
                       ((size_t)n[ax] + 2 * ((size_t)n[ax] / 2 + 1) + (size_t)m[ax]);
        cur[ax] = m[ax];
        size_t inter = sizeof(float) * cur[0] * cur[1] * cur[2]; /* the next intermediate */
        size_t step = prev + inter + sizeof(float) * 2 * m[ax] + (size_t)threads * lanes;
        if (step > total) total = step;
        prev = inter;
    }
    return total;
}

e2ec_status fft_downsample(const float *in, uint32_t nx, uint32_t ny, uint32_t nz,
                           float *out, uint32_t mx, uint32_t my, uint32_t mz) {
    uint32_t cur[3] = {nx, ny, nz};
    const uint32_t target[3] = {mx, my, mz};
    if (!in || !out) return E2EC_ERR_ARG;
    int last = -1; /* the last axis that changes size writes straight to out */
    for (int ax = 0; ax < 3; ax++) {
        if (!target[ax] || target[ax] > cur[ax] || cur[ax] > E2EC_MAX_DIM) return E2EC_ERR_ARG;
        if (target[ax] != cur[ax]) last = ax;
    }
    if (last < 0) {
        memcpy(out, in, sizeof(float) * nx * ny * nz);
        return E2EC_OK;
    }

    const float *src = in;
    float *owned = NULL; /* the intermediate src points to, if any */
    for (int ax = 0; ax <= last; ax++) {
        if (target[ax] == cur[ax]) continue;
        size_t a = 1, c = 1;
        for (int i = 0; i < ax; i++) a *= cur[i];
        for (int i = ax + 1; i < 3; i++) c *= cur[i];
        float *dst = ax == last ? out : malloc(sizeof(float) * a * target[ax] * c);
        if (!dst) {
            free(owned);
            return E2EC_ERR_NOMEM;
        }
        e2ec_status st = resample_axis(src, dst, a, cur[ax], target[ax], c);
        free(owned);
        owned = ax == last ? NULL : dst;
        if (st != E2EC_OK) {
            free(owned);
            return st;
        }
        src = dst;
        cur[ax] = target[ax];
    }
    return E2EC_OK;
}
