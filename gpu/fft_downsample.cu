/*
 * FFT low-pass downsampling (paper Eq. 1) with cuFFT, the device twin of
 * codec/fft_downsample.c: real-to-complex transform at the input size, keep
 * the centred block of frequencies |k| < m/2 per axis (the Nyquist plane of
 * an even target is zeroed: it cannot carry phase; an axis with m == n is
 * left as it is, Nyquist included, as on the CPU), multiply by the phase
 * exp(i pi k (1/m - 1/n)) that puts output sample j at the input position
 * (j + 0.5) n/m - 0.5 (the cell centre), and by 1/(nx ny nz) so the mean is
 * kept through cuFFT's unnormalised inverse; complex-to-real at the target.
 * Axes of one voxel are dropped before planning (their only frequency is 0):
 * the forward transform runs over the axes with n > 1, the inverse over those
 * with m > 1 (an axis cut to one voxel keeps only k = 0, its mean), each with
 * its own fastest axis halved; a target of one voxel is just the mean, X[0].
 */
#include "context.h"
#include "gpu_nn.h"

typedef struct {
    int rank;        /* axes with n > 1, slowest first: the forward transform */
    long long n[3];  /* input size */
    long long m[3];  /* output size */
    int half_out;    /* the output spectrum's halved axis: the last with m > 1, or -1 */
} fft_axes;

__global__ static void crop_shift_kernel(cufftComplex *out, const cufftComplex *in, fft_axes ax,
                                         size_t total, double scale) {
    GRID_STRIDE(idx, total) {
        size_t rem = idx;
        long long src = 0, stride = 1;
        double turns = 0.0; /* phase / pi */
        bool keep = true;
        for (int a = ax.rank - 1; a >= 0; a--) {
            long long m = ax.m[a], n = ax.n[a], i = 0;
            if (m > 1) {
                long long extent = a == ax.half_out ? m / 2 + 1 : m;
                i = (long long)(rem % (size_t)extent);
                rem /= (size_t)extent;
            }
            if (2 * i == m && m != n) keep = false; /* Nyquist of an even, smaller target */
            long long k = 2 * i < m ? i : i - m;   /* signed frequency */
            /* k < 0 never meets the input's halved (last) axis: its m is 1 or it is halved too */
            src += (k >= 0 ? k : k + n) * stride;  /* the same frequency at size n */
            stride *= a == ax.rank - 1 ? n / 2 + 1 : n;
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

/* The plan of one transform of `type` over sizes s[rank], 64-bit sizes;
 * *made says whether *plan exists (to destroy), even when this fails. */
static e2ec_status make_plan(e2ec_cuda *g, cufftHandle *plan, bool *made, const long long *s,
                             int rank, cufftType type) {
    size_t work = 0;
    e2ec_status st = gpu_fft_check(g, cufftCreate(plan), "cufftCreate");
    *made = st == E2EC_OK;
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
    fft_axes ax = {0, {0, 0, 0}, {0, 0, 0}, -1};
    long long m_inv[3];
    int rank_inv = 0;
    const uint32_t n3[3] = {nz, ny, nx}, m3[3] = {mz, my, mx};
    for (int a = 0; a < 3; a++) {
        if (n3[a] == 1) continue;
        ax.n[ax.rank] = n3[a];
        ax.m[ax.rank] = m3[a];
        if (m3[a] > 1) {
            ax.half_out = ax.rank;
            m_inv[rank_inv++] = m3[a];
        }
        ax.rank++;
    }
    if (mx == nx && my == ny && mz == nz) { /* the identity, exactly, as on the CPU */
        e2ec_status s = gpu_cuda_check(g, cudaMemcpyAsync(out, in, sizeof(float) * nx * ny * nz,
                                                          cudaMemcpyDeviceToDevice, g->stream),
                                       "fft_downsample copy");
        return s ? s : e2ec_cuda_sync(g);
    }
    size_t n_spec = 1, m_spec = 1;
    double n_total = 1.0;
    for (int a = 0; a < ax.rank; a++) {
        n_spec *= (size_t)(a == ax.rank - 1 ? ax.n[a] / 2 + 1 : ax.n[a]);
        if (ax.m[a] > 1) m_spec *= (size_t)(a == ax.half_out ? ax.m[a] / 2 + 1 : ax.m[a]);
        n_total *= (double)ax.n[a];
    }
    cufftComplex *spec_n = NULL, *spec_m = NULL;
    cufftHandle fwd = 0, inv = 0;
    bool have_fwd = false, have_inv = false;
    e2ec_status s = gpu_cuda_check(g, cudaMalloc((void **)&spec_n, n_spec * sizeof *spec_n),
                                   "cudaMalloc");
    if (!s) s = gpu_cuda_check(g, cudaMalloc((void **)&spec_m, m_spec * sizeof *spec_m),
                               "cudaMalloc");
    if (!s) s = make_plan(g, &fwd, &have_fwd, ax.n, ax.rank, CUFFT_R2C);
    if (!s && rank_inv) s = make_plan(g, &inv, &have_inv, m_inv, rank_inv, CUFFT_C2R);
    /* cuFFT documents that an out-of-place C2R overwrites its input (spec_m,
     * ours); an out-of-place R2C reads its input only, so `in` stays const. */
    if (!s) s = gpu_fft_check(g, cufftExecR2C(fwd, (cufftReal *)in, spec_n), "cufftExecR2C");
    if (!s) {
        crop_shift_kernel<<<gpu_blocks(m_spec), GPU_THREADS, 0, g->stream>>>(
            spec_m, spec_n, ax, m_spec, 1.0 / n_total);
        s = gpu_launch_check(g, "crop_shift_kernel");
    }
    if (!s && rank_inv) s = gpu_fft_check(g, cufftExecC2R(inv, spec_m, out), "cufftExecC2R");
    else if (!s) /* a one-voxel target: the real part of the single coefficient */
        s = gpu_cuda_check(g, cudaMemcpyAsync(out, spec_m, sizeof(float),
                                              cudaMemcpyDeviceToDevice, g->stream),
                           "fft_downsample copy");
    if (!s) s = e2ec_cuda_sync(g);
    else cudaStreamSynchronize(g->stream); /* nothing queued may outlive the buffers */
    if (have_fwd) cufftDestroy(fwd);
    if (have_inv) cufftDestroy(inv);
    cudaFree(spec_n);
    cudaFree(spec_m);
    return s;
}
