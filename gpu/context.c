/* Context, device query, memory and error mapping of the CUDA backend. */
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "context.h"
#ifdef E2EC_HAVE_CUDNN
#include <cudnn.h>
#endif

int e2ec_cuda_available(void) {
    int n = 0;
    /* No driver, no device, or a driver older than the runtime: all "none". */
    if (cudaGetDeviceCount(&n) != cudaSuccess) {
        (void)cudaGetLastError(); /* clear the sticky error for later callers */
        return 0;
    }
    return n;
}

static e2ec_status record(e2ec_cuda *g, e2ec_status s, const char *what, const char *msg) {
    if (g) snprintf(g->error, sizeof g->error, "%s: %s", what, msg);
    return s;
}

e2ec_status gpu_cuda_check(e2ec_cuda *g, cudaError_t e, const char *what) {
    if (e == cudaSuccess) return E2EC_OK;
    e2ec_status s = E2EC_ERR_INTERNAL;
    if (e == cudaErrorMemoryAllocation) s = E2EC_ERR_NOMEM;
    else if (e == cudaErrorNoDevice || e == cudaErrorInsufficientDriver ||
             e == cudaErrorInvalidDevice)
        s = E2EC_ERR_UNSUPPORTED;
    return record(g, s, what, cudaGetErrorString(e));
}

e2ec_status gpu_blas_check(e2ec_cuda *g, cublasStatus_t st, const char *what) {
    if (st == CUBLAS_STATUS_SUCCESS) return E2EC_OK;
    return record(g, st == CUBLAS_STATUS_ALLOC_FAILED ? E2EC_ERR_NOMEM : E2EC_ERR_INTERNAL,
                  what, cublasGetStatusString(st));
}

e2ec_status gpu_fft_check(e2ec_cuda *g, cufftResult r, const char *what) {
    if (r == CUFFT_SUCCESS) return E2EC_OK;
    char msg[32];
    snprintf(msg, sizeof msg, "cufftResult %d", (int)r);
    return record(g, r == CUFFT_ALLOC_FAILED ? E2EC_ERR_NOMEM : E2EC_ERR_INTERNAL, what, msg);
}

e2ec_status gpu_launch_check(e2ec_cuda *g, const char *what) {
    return gpu_cuda_check(g, cudaGetLastError(), what);
}

e2ec_status e2ec_cuda_create(e2ec_cuda **out, int device) {
    if (!out) return E2EC_ERR_ARG;
    *out = NULL;
    if (device < 0 || device >= e2ec_cuda_available()) return E2EC_ERR_UNSUPPORTED;
    e2ec_cuda *g = calloc(1, sizeof *g);
    if (!g) return E2EC_ERR_NOMEM;
    g->device = device;
    e2ec_status s = gpu_cuda_check(g, cudaSetDevice(device), "cudaSetDevice");
    if (!s) s = gpu_cuda_check(g, cudaStreamCreateWithFlags(&g->stream, cudaStreamNonBlocking),
                               "cudaStreamCreate");
    if (!s) s = gpu_blas_check(g, cublasCreate(&g->blas), "cublasCreate");
    if (!s) s = gpu_blas_check(g, cublasSetStream(g->blas, g->stream), "cublasSetStream");
    if (!s) s = gpu_blas_check(g, cublasSetMathMode(g->blas, CUBLAS_DEFAULT_MATH),
                               "cublasSetMathMode");
    if (!s) s = gpu_cuda_check(g, cudaMalloc((void **)&g->partial,
                                             (2 * GPU_REDUCE_BLOCKS + 2) * sizeof(double)),
                               "cudaMalloc");
    if (s) {
        e2ec_cuda_destroy(g);
        return s;
    }
    *out = g;
    return E2EC_OK;
}

void e2ec_cuda_destroy(e2ec_cuda *g) {
    if (!g) return;
    if (g->stream) cudaStreamSynchronize(g->stream);
    cudaFree(g->ones);
    cudaFree(g->partial);
    if (g->blas) cublasDestroy(g->blas);
    if (g->stream) cudaStreamDestroy(g->stream);
    free(g);
}

const char *e2ec_cuda_error(const e2ec_cuda *g) { return g ? g->error : ""; }

void e2ec_cuda_describe(const e2ec_cuda *g, char *buf, size_t size) {
    struct cudaDeviceProp p;
    if (!g || cudaGetDeviceProperties(&p, g->device) != cudaSuccess) {
        snprintf(buf, size, "no CUDA device");
        return;
    }
    int rt = 0;
    cudaRuntimeGetVersion(&rt);
    int n = snprintf(buf, size, "%s, sm_%d%d, %.1f GiB, %d SMs, CUDA runtime %d.%d", p.name,
                     p.major, p.minor, (double)p.totalGlobalMem / (1u << 30),
                     p.multiProcessorCount, rt / 1000, rt % 1000 / 10);
#ifdef E2EC_HAVE_CUDNN
    if (n > 0 && (size_t)n < size) {
        size_t v = cudnnGetVersion();
        snprintf(buf + n, size - (size_t)n, ", cuDNN %zu.%zu.%zu", v / 10000, v / 100 % 100,
                 v % 100);
    }
#else
    (void)n;
#endif
}

e2ec_status e2ec_cuda_set_tf32(e2ec_cuda *g, int on) {
    if (!g) return E2EC_ERR_ARG;
    return gpu_blas_check(g, cublasSetMathMode(g->blas, on ? CUBLAS_TF32_TENSOR_OP_MATH
                                                           : CUBLAS_DEFAULT_MATH),
                          "cublasSetMathMode");
}

e2ec_status e2ec_cuda_sync(e2ec_cuda *g) {
    if (!g) return E2EC_ERR_ARG;
    return gpu_cuda_check(g, cudaStreamSynchronize(g->stream), "cudaStreamSynchronize");
}

e2ec_status e2ec_cuda_alloc(e2ec_cuda *g, float **p, size_t n) {
    if (!g || !p) return E2EC_ERR_ARG;
    *p = NULL;
    if (n == 0) n = 1; /* a valid, freeable pointer for empty buffers */
    if (n > SIZE_MAX / sizeof(float)) return E2EC_ERR_NOMEM;
    e2ec_status s = gpu_cuda_check(g, cudaMalloc((void **)p, n * sizeof(float)), "cudaMalloc");
    if (!s) s = e2ec_cuda_zero(g, *p, n);
    if (s) {
        cudaFree(*p);
        *p = NULL;
    }
    return s;
}

void e2ec_cuda_free(float *p) { cudaFree(p); }

e2ec_status e2ec_cuda_upload(e2ec_cuda *g, float *dev, const float *host, size_t n) {
    if (!g || (n && (!dev || !host))) return E2EC_ERR_ARG;
    /* Synchronous with respect to the host buffer: the caller may reuse it at once. */
    e2ec_status s = gpu_cuda_check(g, cudaMemcpyAsync(dev, host, n * sizeof(float),
                                                      cudaMemcpyHostToDevice, g->stream),
                                   "upload");
    return s ? s : e2ec_cuda_sync(g);
}

e2ec_status e2ec_cuda_download(e2ec_cuda *g, float *host, const float *dev, size_t n) {
    if (!g || (n && (!dev || !host))) return E2EC_ERR_ARG;
    e2ec_status s = gpu_cuda_check(g, cudaMemcpyAsync(host, dev, n * sizeof(float),
                                                      cudaMemcpyDeviceToHost, g->stream),
                                   "download");
    return s ? s : e2ec_cuda_sync(g);
}

e2ec_status e2ec_cuda_zero(e2ec_cuda *g, float *dev, size_t n) {
    if (!g || (n && !dev)) return E2EC_ERR_ARG;
    return gpu_cuda_check(g, cudaMemsetAsync(dev, 0, n * sizeof(float), g->stream), "memset");
}
