/*
 * SIREN activation on the device, and the fused linear + sine layer.
 * The SIREN is small (widths 30 to 230), so a training step is bound by
 * launches and memory passes, not FLOPs: fusing the bias add and the sine
 * into one pass after the GEMM (and the whole 3-input first layer into one
 * kernel) removes two of the three passes over each activation.
 * sinf/cosf are the accurate versions (no fast math): omega0 z reaches the
 * hundreds, where __sinf loses digits.
 */
#include "context.h"
#include "gpu_kernels.h"
#include "gpu_nn.h"

/* Largest input width the direct (GEMM-free) fused kernel takes. */
#define SMALL_CIN 8

__global__ static void sine_forward_kernel(float *out, const float *in, float omega0, size_t n) {
    GRID_STRIDE(i, n) out[i] = sinf(omega0 * in[i]);
}

__global__ static void sine_backward_kernel(float *din, const float *dout, const float *in,
                                            float omega0, size_t n, float beta) {
    /* beta 1: accumulate (din may not alias dout); beta 0: overwrite (may alias) */
    GRID_STRIDE(i, n) {
        float d = dout[i] * omega0 * cosf(omega0 * in[i]);
        din[i] = beta == 0.0f ? d : din[i] + d;
    }
}

extern "C" e2ec_status gpu_sine_forward(e2ec_cuda *g, float *out, const float *in, float omega0,
                                        size_t n) {
    if (!g || !out || !in) return E2EC_ERR_ARG;
    if (n == 0) return E2EC_OK;
    sine_forward_kernel<<<gpu_blocks(n), GPU_THREADS, 0, g->stream>>>(out, in, omega0, n);
    return gpu_launch_check(g, "sine_forward_kernel");
}

extern "C" e2ec_status gpu_sine_backward(e2ec_cuda *g, float *din, const float *dout,
                                         const float *in, float omega0, size_t n) {
    if (!g || !din || !dout || !in) return E2EC_ERR_ARG;
    if (n == 0) return E2EC_OK;
    sine_backward_kernel<<<gpu_blocks(n), GPU_THREADS, 0, g->stream>>>(din, dout, in, omega0, n,
                                                                        1.0f);
    return gpu_launch_check(g, "sine_backward_kernel");
}

extern "C" e2ec_status gpu_sine_backward_inplace(e2ec_cuda *g, float *d, const float *z,
                                                 float omega0, size_t n) {
    if (n == 0) return E2EC_OK;
    sine_backward_kernel<<<gpu_blocks(n), GPU_THREADS, 0, g->stream>>>(d, d, z, omega0, n, 0.0f);
    return gpu_launch_check(g, "sine_backward_kernel");
}

/* z = in w^T + b and h = sin(omega0 z) for a few inputs, one thread per output. */
__global__ static void linear_sine_small_kernel(float *z, float *h, const float *in,
                                                const float *w, const float *b, float omega0,
                                                size_t n, int cin, int cout) {
    GRID_STRIDE(i, n * (size_t)cout) {
        size_t r = i / (size_t)cout;
        int o = (int)(i % (size_t)cout);
        float acc = b ? b[o] : 0.0f;
        for (int k = 0; k < cin; k++) acc += in[r * cin + k] * w[o * cin + k];
        z[i] = acc;
        h[i] = sinf(omega0 * acc);
    }
}

/* The epilogue of the GEMM: z += b, h = sin(omega0 z), in one pass. */
__global__ static void bias_sine_kernel(float *z, float *h, const float *b, float omega0,
                                        size_t n, int cout) {
    GRID_STRIDE(i, n * (size_t)cout) {
        float v = z[i] + (b ? b[i % (size_t)cout] : 0.0f);
        z[i] = v;
        h[i] = sinf(omega0 * v);
    }
}

extern "C" e2ec_status gpu_linear_sine_forward(e2ec_cuda *g, float *z, float *h, const float *in,
                                               const float *w, const float *b, float omega0,
                                               int n, int cin, int cout) {
    if (!g || !z || !h || !in || !w || n < 1 || cin < 1 || cout < 1) return E2EC_ERR_ARG;
    size_t total = (size_t)n * (size_t)cout;
    if (cin <= SMALL_CIN) {
        linear_sine_small_kernel<<<gpu_blocks(total), GPU_THREADS, 0, g->stream>>>(
            z, h, in, w, b, omega0, (size_t)n, cin, cout);
        return gpu_launch_check(g, "linear_sine_small_kernel");
    }
    e2ec_status s = gpu_linear_gemm(g, z, in, w, n, cin, cout, 0.0f);
    if (s) return s;
    bias_sine_kernel<<<gpu_blocks(total), GPU_THREADS, 0, g->stream>>>(z, h, b, omega0,
                                                                       (size_t)n, cout);
    return gpu_launch_check(g, "bias_sine_kernel");
}
