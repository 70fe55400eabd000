/*
 * gpu_fft_downsample against the CPU's fft_downsample, and both against the
 * definition in codec/fft_downsample.h evaluated directly in double: keeping
 * the box of frequencies |k_a| < m_a/2 and sampling the band-limited
 * interpolant at the cell centres t_a = (j + 0.5) n_a/m_a - 0.5 is, per axis,
 * the real kernel
 *   w_a(j, p) = (1/n_a) sum_{|k| < m_a/2} cos(2 pi k (t_j - p) / n_a),
 * (the identity for an axis with m_a = n_a, which keeps its Nyquist
 * frequency), and the 3D operator is the product of the three.
 * Sizes cover even and odd targets (Nyquist zeroed or not), axes of one
 * voxel (dropped before planning), and a target of one voxel on an axis.
 * Exits 77 (CTest: skipped) without a device.
 */
#include <math.h>
#include "check.h"
#include "e2ec_cuda.h"
#include "fft_downsample.h"
#include "gpu_nn.h"
#include "gradcheck.h"

#define TOL_FFT 1e-5 /* float FFTs against a double reference, relative to max|x| */

static const double PI = 3.14159265358979323846;

/* w[j][p] of one axis, n -> m. */
static double *axis_kernel(uint32_t n, uint32_t m) {
    double *w = malloc((size_t)m * n * sizeof *w);
    if (!w) return NULL;
    for (uint32_t j = 0; j < m; j++) {
        double t = (j + 0.5) * (double)n / m - 0.5;
        if (m == n) { /* left as it is */
            for (uint32_t p = 0; p < n; p++) w[(size_t)j * n + p] = p == j;
            continue;
        }
        for (uint32_t p = 0; p < n; p++) {
            double s = 1.0;
            for (uint32_t k = 1; 2 * k < m; k++) s += 2.0 * cos(2.0 * PI * k * (t - p) / n);
            w[(size_t)j * n + p] = s / n;
        }
    }
    return w;
}

/* out (mx,my,mz) = the separable operator applied to in (nx,ny,nz). */
static void reference(const float *in, uint32_t nx, uint32_t ny, uint32_t nz, double *out,
                      uint32_t mx, uint32_t my, uint32_t mz) {
    double *wx = axis_kernel(nx, mx), *wy = axis_kernel(ny, my), *wz = axis_kernel(nz, mz);
    for (uint32_t k = 0; k < mz; k++)
        for (uint32_t j = 0; j < my; j++)
            for (uint32_t i = 0; i < mx; i++) {
                double acc = 0.0;
                for (uint32_t z = 0; z < nz; z++)
                    for (uint32_t y = 0; y < ny; y++) {
                        double wzy = wz[(size_t)k * nz + z] * wy[(size_t)j * ny + y];
                        const float *row = in + ((size_t)z * ny + y) * nx;
                        for (uint32_t x = 0; x < nx; x++)
                            acc += wzy * wx[(size_t)i * nx + x] * row[x];
                    }
                out[((size_t)k * my + j) * mx + i] = acc;
            }
    free(wx), free(wy), free(wz);
}

static void test_case(e2ec_cuda *g, uint32_t nx, uint32_t ny, uint32_t nz, uint32_t mx,
                      uint32_t my, uint32_t mz) {
    size_t n = (size_t)nx * ny * nz, m = (size_t)mx * my * mz;
    float *in = malloc(n * sizeof *in), *out = malloc(m * sizeof *out);
    float *cpu = malloc(m * sizeof *cpu);
    double *ref = malloc(m * sizeof *ref);
    gc_fill(in, n, nx * 131u + ny * 17u + nz, 0, 1);
    reference(in, nx, ny, nz, ref, mx, my, mz);
    CHECK(fft_downsample(in, nx, ny, nz, cpu, mx, my, mz) == E2EC_OK, "CPU fft_downsample");
    float *d_in = NULL, *d_out = NULL;
    e2ec_status s = e2ec_cuda_alloc(g, &d_in, n);
    if (!s) s = e2ec_cuda_alloc(g, &d_out, m);
    if (!s) s = e2ec_cuda_upload(g, d_in, in, n);
    if (!s) s = gpu_fft_downsample(g, d_in, nx, ny, nz, d_out, mx, my, mz);
    if (!s) s = e2ec_cuda_download(g, out, d_out, m);
    CHECK(s == E2EC_OK, "%ux%ux%u -> %ux%ux%u: %s (%s)", nx, ny, nz, mx, my, mz,
          e2ec_strerror(s), e2ec_cuda_error(g));
    /* inputs are in [0, 1): absolute errors are relative to the range */
    double worst = 0.0, worst_cpu = 0.0, cpu_ref = 0.0, mean_in = 0.0, mean_out = 0.0;
    for (size_t i = 0; i < n; i++) mean_in += in[i];
    for (size_t i = 0; i < m && !s; i++) {
        worst = fmax(worst, fabs(out[i] - ref[i]));
        worst_cpu = fmax(worst_cpu, fabs((double)out[i] - cpu[i]));
        cpu_ref = fmax(cpu_ref, fabs(cpu[i] - ref[i]));
        mean_out += out[i];
    }
    mean_in /= (double)n, mean_out /= (double)m;
    printf("%3ux%3ux%3u -> %3ux%3ux%3u: gpu-cpu %.3g, gpu-def %.3g, cpu-def %.3g (tol %.0e), "
           "mean %.7f -> %.7f\n", nx, ny, nz, mx, my, mz, worst_cpu, worst, cpu_ref, TOL_FFT,
           mean_in, mean_out);
    CHECK(!s && worst_cpu <= TOL_FFT, "%ux%ux%u -> %ux%ux%u: GPU vs CPU %.3g", nx, ny, nz, mx,
          my, mz, worst_cpu);
    CHECK(!s && worst <= TOL_FFT, "%ux%ux%u -> %ux%ux%u: GPU vs definition %.3g", nx, ny, nz,
          mx, my, mz, worst);
    CHECK(!s && fabs(mean_out - mean_in) <= TOL_FFT, "mean %.9f -> %.9f", mean_in, mean_out);
    /* the input is left as it was (cuFFT's R2C does not overwrite it) */
    float *back = malloc(n * sizeof *back);
    CHECK(back && !e2ec_cuda_download(g, back, d_in, n) && !memcmp(back, in, n * sizeof *in),
          "input changed");
    free(back), free(in), free(out), free(cpu), free(ref);
    e2ec_cuda_free(d_in), e2ec_cuda_free(d_out);
}

int main(void) {
    if (e2ec_cuda_available() == 0) {
        printf("SKIP: no CUDA device\n");
        return 77;
    }
    e2ec_cuda *g = NULL;
    e2ec_status s = e2ec_cuda_create(&g, 0);
    if (s) {
        fprintf(stderr, "e2ec_cuda_create: %s\n", e2ec_strerror(s));
        return 1;
    }
    test_case(g, 16, 16, 16, 8, 8, 8);   /* scale 2, even targets */
    test_case(g, 24, 20, 12, 6, 5, 3);   /* scale 4, odd targets on y and z */
    test_case(g, 13, 9, 7, 6, 4, 3);     /* odd sources: n/m not the scale */
    test_case(g, 12, 1, 10, 6, 1, 5);    /* a one-voxel axis (y) is dropped */
    test_case(g, 1, 8, 6, 1, 4, 3);      /* ... and the halved axis becomes y */
    test_case(g, 10, 8, 3, 5, 4, 1);     /* a target of one plane: the mean along z */
    test_case(g, 16, 12, 10, 8, 12, 5);  /* y unchanged (m = n), Nyquist kept there */
    test_case(g, 16, 16, 16, 16, 16, 16); /* m = n everywhere: a copy */
    test_case(g, 6, 4, 2, 1, 1, 1);      /* a one-voxel target: the mean */
    test_case(g, 1, 1, 1, 1, 1, 1);
    e2ec_cuda_destroy(g);
    return check_summary();
}
