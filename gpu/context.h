/* What a CUDA context holds, and the checks that turn CUDA, cuBLAS and
 * cuFFT failures into e2ec_status (internal to gpu/; C and CUDA both). */
#ifndef E2EC_GPU_CONTEXT_H
#define E2EC_GPU_CONTEXT_H

#include <cublas_v2.h>
#include <cuda_runtime_api.h>
#include <cufft.h>
#include "e2ec_cuda.h"

/* Blocks of the loss reduction: fixed, so the summation order is too. */
#define GPU_REDUCE_BLOCKS 256 /* a power of two, <= 1024 */
#define GPU_THREADS 256

struct e2ec_cuda {
    int device;
    cudaStream_t stream;
    cublasHandle_t blas;
    float *ones;     /* n_ones ones: bias gradients are a GEMV against them */
    size_t n_ones;
    double *partial; /* 2 GPU_REDUCE_BLOCKS + 2 doubles for the loss reduction */
    char error[200];
};

#ifdef __cplusplus
extern "C" {
#endif

/* Each returns E2EC_OK for success, else records `what` and the library's
 * message in g->error and returns the matching status. */
e2ec_status gpu_cuda_check(e2ec_cuda *g, cudaError_t e, const char *what);
e2ec_status gpu_blas_check(e2ec_cuda *g, cublasStatus_t s, const char *what);
e2ec_status gpu_fft_check(e2ec_cuda *g, cufftResult r, const char *what);
/* Checks the launch of the kernel just queued. */
e2ec_status gpu_launch_check(e2ec_cuda *g, const char *what);

/* Makes g->ones hold at least n ones (kernel in linear.cu). */
e2ec_status gpu_ensure_ones(e2ec_cuda *g, size_t n);

#ifdef __cplusplus
}
#endif

/* Grid size of a grid-stride loop over n elements. */
static inline unsigned gpu_blocks(size_t n) {
    size_t b = (n + GPU_THREADS - 1) / GPU_THREADS;
    return b == 0 ? 1u : b > 65535u * 16u ? 65535u * 16u : (unsigned)b;
}

#ifdef __CUDACC__
/* The loop of a kernel launched with gpu_blocks(n) blocks of GPU_THREADS. */
#define GRID_STRIDE(i, n)                                                          \
    for (size_t i = blockIdx.x * (size_t)blockDim.x + threadIdx.x; i < (n);       \
         i += (size_t)gridDim.x * blockDim.x)
#endif

#endif
