/*
 * Linear layer on the device through cuBLAS (column-major). A row-major
 * [r][c] matrix is the column-major c x r matrix with leading dimension c,
 * so with in [n][cin], w [cout][cin], out [n][cout] cuBLAS sees in^T, w^T, out^T:
 *   forward   out^T (cout x n) = (w^T)^T * in^T (cin x n)               -> gemm(T, N)
 *   din       din^T (cin x n) += w^T (cin x cout) * dout^T (cout x n)   -> gemm(N, N)
 *   dw        dw^T (cin x cout) += in^T (cin x n) * dout (n x cout)     -> gemm(N, T)
 *   db        db (cout) += dout^T (cout x n) * ones (n)                 -> gemv(N)
 * cuBLAS keeps a fixed summation order (no atomics by default), so the
 * results are bitwise repeatable on one GPU, which a reproducible stream needs.
 */
#include "context.h"
#include "gpu_kernels.h"
#include "gpu_nn.h"

__global__ static void fill_kernel(float *p, float value, size_t n) {
    GRID_STRIDE(i, n) p[i] = value;
}

extern "C" e2ec_status gpu_ensure_ones(e2ec_cuda *g, size_t n) {
    if (g->n_ones >= n) return E2EC_OK;
    /* The old vector may still be read by queued work: free it in stream order. */
    e2ec_status s = gpu_cuda_check(g, cudaStreamSynchronize(g->stream), "cudaStreamSynchronize");
    if (s) return s;
    cudaFree(g->ones);
    g->ones = NULL;
    g->n_ones = 0;
    s = gpu_cuda_check(g, cudaMalloc((void **)&g->ones, n * sizeof(float)), "cudaMalloc");
    if (s) return s;
    fill_kernel<<<gpu_blocks(n), GPU_THREADS, 0, g->stream>>>(g->ones, 1.0f, n);
    s = gpu_launch_check(g, "fill_kernel");
    if (!s) g->n_ones = n;
    return s;
}

__global__ static void bias_rows_kernel(float *out, const float *b, size_t n, int cout) {
    GRID_STRIDE(i, n * (size_t)cout) out[i] = b[i % (size_t)cout];
}

extern "C" e2ec_status gpu_linear_gemm(e2ec_cuda *g, float *out, const float *in, const float *w,
                                       int n, int cin, int cout, float beta) {
    const float one = 1.0f;
    return gpu_blas_check(g, cublasSgemm(g->blas, CUBLAS_OP_T, CUBLAS_OP_N, cout, n, cin, &one, w,
                                         cin, in, cin, &beta, out, cout),
                          "linear forward gemm");
}

extern "C" e2ec_status gpu_linear_forward(e2ec_cuda *g, float *out, const float *in,
                                          const float *w, const float *b, int n, int cin,
                                          int cout) {
    if (!g || !out || !in || !w || n < 1 || cin < 1 || cout < 1) return E2EC_ERR_ARG;
    float beta = 0.0f;
    if (b) { /* start from the bias broadcast over rows and let the GEMM add to it */
        bias_rows_kernel<<<gpu_blocks((size_t)n * cout), GPU_THREADS, 0, g->stream>>>(
            out, b, (size_t)n, cout);
        e2ec_status s = gpu_launch_check(g, "bias_rows_kernel");
        if (s) return s;
        beta = 1.0f;
    }
    return gpu_linear_gemm(g, out, in, w, n, cin, cout, beta);
}

extern "C" e2ec_status gpu_linear_backward_beta(e2ec_cuda *g, float *din, float *dw, float *db,
                                                const float *dout, const float *in,
                                                const float *w, int n, int cin, int cout,
                                                float din_beta) {
    const float one = 1.0f;
    e2ec_status s = E2EC_OK;
    if (din)
        s = gpu_blas_check(g, cublasSgemm(g->blas, CUBLAS_OP_N, CUBLAS_OP_N, cin, n, cout, &one,
                                          w, cin, dout, cout, &din_beta, din, cin),
                           "linear backward din gemm");
    if (!s)
        s = gpu_blas_check(g, cublasSgemm(g->blas, CUBLAS_OP_N, CUBLAS_OP_T, cin, cout, n, &one,
                                          in, cin, dout, cout, &one, dw, cin),
                           "linear backward dw gemm");
    if (!s && db) {
        s = gpu_ensure_ones(g, (size_t)n);
        if (!s)
            s = gpu_blas_check(g, cublasSgemv(g->blas, CUBLAS_OP_N, cout, n, &one, dout, cout,
                                              g->ones, 1, &one, db, 1),
                               "linear backward db gemv");
    }
    return s;
}

extern "C" e2ec_status gpu_linear_backward(e2ec_cuda *g, float *din, float *dw, float *db,
                                           const float *dout, const float *in, const float *w,
                                           int n, int cin, int cout) {
    if (!g || !dw || !dout || !in || !w || n < 1 || cin < 1 || cout < 1) return E2EC_ERR_ARG;
    return gpu_linear_backward_beta(g, din, dw, db, dout, in, w, n, cin, cout, 1.0f);
}
