/*
 * FFT low-pass downsampling (paper Eq. 1) with cuFFT, the device twin of
 * codec/fft_downsample.c: real-to-complex transform at the input size, keep
 * the centred block of frequencies |k| < m/2 per axis (the Nyquist plane of
 * an even target is zeroed: it cannot carry phase), multiply by the phase
 * exp(i pi k (1/m - 1/n)) that puts output sample j at the input position
 * (j + 0.5) n/m - 0.5 (the cell centre), and by 1/(nx ny nz) so the mean is
 * kept through cuFFT's unnormalised inverse; complex-to-real at the target.
 * Axes of one voxel are dropped before planning (their only frequency is 0),
 * so the transform has rank 0 to 3; the fastest remaining axis is the halved one.
 */
#include <limits.h>
#include "context.h"
#include "gpu_nn.h"

typedef struct {
    int rank;        /* axes with n > 1, slowest first */
    long long n[3];  /* input size */
    long long m[3];  /* output size */
} fft_axes;

/* Extent of axis a in a half-complex spectrum of the sizes s. */
__host__ __device__ static long long spectrum_extent(const long long *s, int a, int rank) {
    return a == rank - 1 ? s[a] / 2 + 1 : s[a];
}

__global__ static void crop_shift_kernel(cufftComplex *out, const cufftComplex *in, fft_axes ax,
                                         size_t total, double scale) {
    GRID_STRIDE(idx, total) {
        size_t rem = idx;
        long long src = 0, stride = 1;
        double turns = 0.0; /* phase / pi */
        bool keep = true;
        for (int a = ax.rank - 1; a >= 0; a--) {
            long long extent = spectrum_extent(ax.m, a, ax.rank);
            long long i = (long long)(rem % (size_t)extent);
            rem /= (size_t)extent;
            long long m = ax.m[a], n = ax.n[a];
            if (2 * i == m) keep = false;              /* Nyquist of an even target */
            long long k = 2 * i < m ? i : i - m;       /* signed frequency */
            src += (k >= 0 ? k : k + n) * stride;      /* the same frequency at size n */
            stride *= spectrum_extent(ax.n, a, ax.rank);
            turns += (double)k * (1.0 / (double)m - 1.0 / (double)n);
        }
        cufftComplex v = {0.0f, 0.0f};
        if (keep) {
            double s, c;
            sincospi(turns, &s, &c);
            double re = in[src].x, im = in[src].y;
            v.x = (float)((re * c - im * s) * scale);
            v.y = (float)((re * s + im * c) * scale);
        }
        out[idx] = v;
    }
}

/* The plan of one transform of `type` over sizes s[rank], 64-bit sizes. */
static e2ec_status make_plan(e2ec_cuda *g, cufftHandle *plan, const long long *s, int rank,
                             cufftType type) {
    size_t work = 0;
    e2ec_status st = gpu_fft_check(g, cufftCreate(plan), "cufftCreate");
    if (!st)
        st = gpu_fft_check(g, cufftMakePlanMany64(*plan, rank, (long long *)s, NULL, 1, 0, NULL,
                                                  1, 0, type, 1, &work),
                           "cufftMakePlanMany64");
    if (!st) st = gpu_fft_check(g, cufftSetStream(*plan, g->stream), "cufftSetStream");
    return st;
}

extern "C" e2ec_status gpu_fft_downsample(e2ec_cuda *g, const float *in, uint32_t nx,
                                          uint32_t ny, uint32_t nz, float *out, uint32_t mx,
                                          uint32_t my, uint32_t mz) {
    if (!g || !in || !out || !nx || !ny || !nz || !mx || !my || !mz || mx > nx || my > ny ||
        mz > nz)
        return E2EC_ERR_ARG;
    fft_axes ax = {0, {0, 0, 0}, {0, 0, 0}};
    const uint32_t n3[3] = {nz, ny, nx}, m3[3] = {mz, my, mx};
    for (int a = 0; a < 3; a++)
        if (n3[a] > 1) {
            ax.n[ax.rank] = n3[a];
            ax.m[ax.rank] = m3[a];
            ax.rank++;
        }
    if (ax.rank == 0) /* one voxel in, one out: the mean is the voxel */
        return gpu_cuda_check(g, cudaMemcpyAsync(out, in, sizeof(float), cudaMemcpyDeviceToDevice,
                                                 g->stream),
                              "fft_downsample copy");
    size_t n_spec = 1, m_spec = 1;
    double n_total = 1.0;
    for (int a = 0; a < ax.rank; a++) {
        n_spec *= (size_t)spectrum_extent(ax.n, a, ax.rank);
        m_spec *= (size_t)spectrum_extent(ax.m, a, ax.rank);
        n_total *= (double)ax.n[a];
    }
    cufftComplex *spec_n = NULL, *spec_m = NULL;
    cufftHandle fwd = 0, inv = 0;
    bool have_fwd = false, have_inv = false;
    e2ec_status s = gpu_cuda_check(g, cudaMalloc((void **)&spec_n, n_spec * sizeof *spec_n),
                                   "cudaMalloc");
    if (!s) s = gpu_cuda_check(g, cudaMalloc((void **)&spec_m, m_spec * sizeof *spec_m),
                               "cudaMalloc");
    if (!s) {
        s = make_plan(g, &fwd, ax.n, ax.rank, CUFFT_R2C);
        have_fwd = true;
    }
    if (!s) {
        s = make_plan(g, &inv, ax.m, ax.rank, CUFFT_C2R);
        have_inv = true;
    }
    /* An out-of-place R2C leaves its input as it was; the C2R may overwrite spec_m. */
    if (!s) s = gpu_fft_check(g, cufftExecR2C(fwd, (cufftReal *)in, spec_n), "cufftExecR2C");
    if (!s) {
        crop_shift_kernel<<<gpu_blocks(m_spec), GPU_THREADS, 0, g->stream>>>(
            spec_m, spec_n, ax, m_spec, 1.0 / n_total);
        s = gpu_launch_check(g, "crop_shift_kernel");
    }
    if (!s) s = gpu_fft_check(g, cufftExecC2R(inv, spec_m, out), "cufftExecC2R");
    if (!s) s = e2ec_cuda_sync(g);
    else cudaStreamSynchronize(g->stream); /* nothing queued may outlive the buffers */
    if (have_fwd) cufftDestroy(fwd);
    if (have_inv) cufftDestroy(inv);
    cudaFree(spec_n);
    cudaFree(spec_m);
    return s;
}
