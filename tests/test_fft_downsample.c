/* fft_downsample: exact on band-limited volumes, against a direct 3D DFT,
 * mean-preserving, identity at m == n, and its argument checks. */
#include <pthread.h>
#include <stdint.h>
#include <string.h>
#include "check.h"
#include "fft_downsample.h"
#include "gradcheck.h"

#define TERMS 4
#define TWO_PI 6.283185307179586

/* f = c0 + sum_t amp_t cos(2 pi (kx x/nx + ky y/ny + kz z/nz) + phi_t), with
 * integer frequencies |k| <= (m-1)/2 < m/2 on each axis: inside the kept band. */
typedef struct {
    double c0, amp[TERMS], phi[TERMS];
    int k[TERMS][3];
} wave;

static double wave_at(const wave *w, const uint32_t n[3], double x, double y, double z) {
    double v = w->c0;
    for (int t = 0; t < TERMS; t++)
        v += w->amp[t] * cos(TWO_PI * (w->k[t][0] * x / n[0] + w->k[t][1] * y / n[1] +
                                       w->k[t][2] * z / n[2]) + w->phi[t]);
    return v;
}

/* Worst error of the downsampled wave against the wave at the low-res cell
 * centres (j + 0.5) n/m - 0.5; -1 if the call fails. */
static double band_limited_error(const uint32_t n[3], const uint32_t m[3], unsigned seed) {
    wave w = {.c0 = 0.7};
    float r[TERMS * 5];
    gc_fill(r, TERMS * 5, seed, 0.0f, 1.0f);
    for (int t = 0; t < TERMS; t++) {
        w.amp[t] = 0.2 + r[5 * t];
        w.phi[t] = TWO_PI * r[5 * t + 1];
        for (int ax = 0; ax < 3; ax++) {
            int kmax = (int)(m[ax] - 1) / 2;
            w.k[t][ax] = (int)(r[5 * t + 2 + ax] * (2 * kmax + 1)) - kmax; /* in [-kmax, kmax] */
        }
        w.k[t][0] = (int)(m[0] - 1) / 2; /* the highest x frequency kept is exercised */
    }
    size_t nn = (size_t)n[0] * n[1] * n[2], mm = (size_t)m[0] * m[1] * m[2];
    float *in = malloc(nn * sizeof *in), *out = malloc(mm * sizeof *out);
    for (uint32_t z = 0, i = 0; z < n[2]; z++)
        for (uint32_t y = 0; y < n[1]; y++)
            for (uint32_t x = 0; x < n[0]; x++) in[i++] = (float)wave_at(&w, n, x, y, z);
    double worst = -1.0;
    if (fft_downsample(in, n[0], n[1], n[2], out, m[0], m[1], m[2]) == E2EC_OK) {
        worst = 0.0;
        for (uint32_t z = 0, i = 0; z < m[2]; z++)
            for (uint32_t y = 0; y < m[1]; y++)
                for (uint32_t x = 0; x < m[0]; x++, i++) {
                    double px = (x + 0.5) * n[0] / m[0] - 0.5, py = (y + 0.5) * n[1] / m[1] - 0.5,
                           pz = (z + 0.5) * n[2] / m[2] - 0.5;
                    double e = fabs(out[i] - wave_at(&w, n, px, py, pz));
                    if (e > worst) worst = e;
                }
    }
    free(in);
    free(out);
    return worst;
}

/* The kept frequencies of an axis in the 3D definition: |k| < m/2, or all n
 * of them (Nyquist included) when m == n. */
static int kept(int k, uint32_t n, uint32_t m) {
    if (m == n) return 1;
    return 2 * abs(k) < (int)m;
}

/* Direct evaluation of the 3D definition in double, for small sizes:
 * y(j) = 1/N sum_{k kept} X(k) e^{i 2 pi k.p_j / n}, p_j = (j + 0.5) n/m - 0.5. */
static void reference_downsample(const float *in, const uint32_t n[3], double *out,
                                 const uint32_t m[3]) {
    int lo[3], hi[3];
    for (int ax = 0; ax < 3; ax++) lo[ax] = -(int)(n[ax] - 1) / 2, hi[ax] = (int)n[ax] / 2;
    size_t mm = (size_t)m[0] * m[1] * m[2];
    for (size_t j = 0; j < mm; j++) out[j] = 0.0;
    for (int kz = lo[2]; kz <= hi[2]; kz++)
        for (int ky = lo[1]; ky <= hi[1]; ky++)
            for (int kx = lo[0]; kx <= hi[0]; kx++) {
                if (!kept(kx, n[0], m[0]) || !kept(ky, n[1], m[1]) || !kept(kz, n[2], m[2]))
                    continue;
                double re = 0.0, im = 0.0; /* X(k) */
                for (uint32_t z = 0, i = 0; z < n[2]; z++)
                    for (uint32_t y = 0; y < n[1]; y++)
                        for (uint32_t x = 0; x < n[0]; x++, i++) {
                            double a = -TWO_PI * ((double)kx * x / n[0] + (double)ky * y / n[1] +
                                                  (double)kz * z / n[2]);
                            re += in[i] * cos(a), im += in[i] * sin(a);
                        }
                for (uint32_t z = 0, j = 0; z < m[2]; z++)
                    for (uint32_t y = 0; y < m[1]; y++)
                        for (uint32_t x = 0; x < m[0]; x++, j++) {
                            double px = (x + 0.5) * n[0] / m[0] - 0.5;
                            double py = (y + 0.5) * n[1] / m[1] - 0.5;
                            double pz = (z + 0.5) * n[2] / m[2] - 0.5;
                            double a = TWO_PI * (kx * px / n[0] + ky * py / n[1] + kz * pz / n[2]);
                            out[j] += re * cos(a) - im * sin(a);
                        }
            }
    for (size_t j = 0; j < mm; j++) out[j] /= (double)n[0] * n[1] * n[2];
}

/* Concurrent callers (the library allows parallel encodes): each thread
 * plans and runs its own downsampling of the same input. */
typedef struct {
    const float *in;
    float *out;
    e2ec_status st;
} job;

static void *run_job(void *p) {
    job *j = p;
    j->st = fft_downsample(j->in, 20, 18, 16, j->out, 10, 9, 8);
    return NULL;
}

int main(void) {
    /* Float precision: values are O(3); FFTW single precision errors stay
     * below 1e-6 here (measured), so 5e-6 absolute, ~20 ulps, leaves no room
     * for a real bug (a phase off by one output cell errs by O(1)). */
    const double tol = 5e-6;

    const uint32_t cases[][6] = {
        {64, 64, 64, 32, 32, 32}, {64, 64, 64, 16, 16, 16}, {64, 64, 64, 8, 8, 8},
        {30, 22, 17, 15, 11, 8},  {33, 20, 9, 16, 10, 4},   {40, 24, 16, 5, 3, 2},
        {27, 27, 9, 9, 27, 3},    {12, 10, 7, 12, 5, 7},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const uint32_t *n = cases[c], *m = cases[c] + 3;
        double e = band_limited_error(n, m, 11u + (unsigned)c);
        CHECK(e >= 0.0 && e < tol, "%ux%ux%u -> %ux%ux%u: band-limited error %.3g", n[0], n[1],
              n[2], m[0], m[1], m[2], e);
    }

    /* Against the direct 3D DFT on random data (Nyquist planes matter here). */
    const uint32_t small[][6] = {{8, 6, 5, 4, 3, 2}, {9, 8, 6, 4, 4, 6}, {7, 10, 4, 3, 5, 4}};
    for (size_t c = 0; c < sizeof small / sizeof small[0]; c++) {
        const uint32_t *n = small[c], *m = small[c] + 3;
        size_t nn = (size_t)n[0] * n[1] * n[2], mm = (size_t)m[0] * m[1] * m[2];
        float *in = malloc(nn * sizeof *in), *out = malloc(mm * sizeof *out);
        double *ref = malloc(mm * sizeof *ref);
        gc_fill(in, nn, 100u + (unsigned)c, -1.0f, 1.0f);
        reference_downsample(in, n, ref, m);
        e2ec_status st = fft_downsample(in, n[0], n[1], n[2], out, m[0], m[1], m[2]);
        double worst = 0.0;
        for (size_t j = 0; j < mm; j++) worst = fmax(worst, fabs(out[j] - ref[j]));
        CHECK(st == E2EC_OK && worst < 1e-6, "%ux%ux%u -> %ux%ux%u: vs direct DFT %.3g", n[0],
              n[1], n[2], m[0], m[1], m[2], worst);
        free(in), free(out), free(ref);
    }

    /* Constant stays constant; random data keeps its mean; m == n is identity. */
    {
        const uint32_t nx = 31, ny = 18, nz = 12, mx = 7, my = 9, mz = 6;
        size_t nn = (size_t)nx * ny * nz, mm = (size_t)mx * my * mz;
        float *in = malloc(nn * sizeof *in), *out = malloc(nn * sizeof *out);
        for (size_t i = 0; i < nn; i++) in[i] = 0.625f;
        double worst = 0.0;
        CHECK(fft_downsample(in, nx, ny, nz, out, mx, my, mz) == E2EC_OK, "constant");
        for (size_t j = 0; j < mm; j++) worst = fmax(worst, fabs(out[j] - 0.625));
        CHECK(worst < 1e-6, "constant volume: worst deviation %.3g", worst);

        gc_fill(in, nn, 7u, 0.0f, 1.0f);
        CHECK(fft_downsample(in, nx, ny, nz, out, mx, my, mz) == E2EC_OK, "random");
        double mean_in = 0.0, mean_out = 0.0;
        for (size_t i = 0; i < nn; i++) mean_in += in[i];
        for (size_t j = 0; j < mm; j++) mean_out += out[j];
        mean_in /= (double)nn, mean_out /= (double)mm;
        CHECK(fabs(mean_in - mean_out) < 1e-6, "mean %.9f -> %.9f", mean_in, mean_out);

        /* Identity, including a single changed axis (the others keep Nyquist). */
        CHECK(fft_downsample(in, nx, ny, nz, out, nx, ny, nz) == E2EC_OK, "identity call");
        CHECK(memcmp(in, out, nn * sizeof *in) == 0, "m == n on every axis copies");
        const uint32_t even[3] = {16, 12, 10};
        CHECK(fft_downsample(in, even[0], even[1], even[2], out, even[0], even[1], even[2] - 1) ==
                  E2EC_OK, "one axis");
        /* x and y untouched: each (x, y) column is the 1D resample of its own column. */
        float *col_in = malloc(even[2] * sizeof *col_in), *col_out = malloc(even[2] * sizeof *col_out);
        worst = 0.0;
        for (uint32_t y = 0; y < even[1]; y++)
            for (uint32_t x = 0; x < even[0]; x++) {
                for (uint32_t z = 0; z < even[2]; z++)
                    col_in[z] = in[x + (size_t)even[0] * (y + (size_t)even[1] * z)];
                fft_downsample(col_in, 1, 1, even[2], col_out, 1, 1, even[2] - 1);
                for (uint32_t z = 0; z + 1 < even[2]; z++)
                    worst = fmax(worst, fabs(col_out[z] -
                                             out[x + (size_t)even[0] * (y + (size_t)even[1] * z)]));
            }
        CHECK(worst < 1e-6, "axes with m == n are untouched: %.3g", worst);
        free(col_in), free(col_out);

        /* Argument checks. */
        CHECK(fft_downsample(in, nx, ny, nz, out, nx + 1, ny, nz) == E2EC_ERR_ARG, "m > n");
        CHECK(fft_downsample(in, nx, ny, nz, out, 0, ny, nz) == E2EC_ERR_ARG, "m == 0");
        CHECK(fft_downsample(NULL, nx, ny, nz, out, mx, my, mz) == E2EC_ERR_ARG, "NULL in");
        free(in), free(out);
    }

    {
        enum { JOBS = 4 };
        float *in = malloc(20 * 18 * 16 * sizeof *in), *want = malloc(10 * 9 * 8 * sizeof *want);
        gc_fill(in, 20 * 18 * 16, 42u, 0.0f, 1.0f);
        fft_downsample(in, 20, 18, 16, want, 10, 9, 8);
        job jobs[JOBS];
        pthread_t th[JOBS];
        for (int t = 0; t < JOBS; t++) {
            jobs[t] = (job){in, malloc(10 * 9 * 8 * sizeof(float)), E2EC_ERR_INTERNAL};
            pthread_create(&th[t], NULL, run_job, &jobs[t]);
        }
        for (int t = 0; t < JOBS; t++) {
            pthread_join(th[t], NULL);
            CHECK(jobs[t].st == E2EC_OK && memcmp(jobs[t].out, want, 10 * 9 * 8 * sizeof(float)) == 0,
                  "concurrent call %d differs", t);
            free(jobs[t].out);
        }
        free(in), free(want);
    }

    CHECK(lowres_size(512, 2) == 256 && lowres_size(33, 2) == 16 && lowres_size(5, 8) == 1 &&
              lowres_size(9, 4) == 2,
          "lowres_size");
    return check_summary();
}
