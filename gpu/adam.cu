/* Adam on the device, one thread per weight, the CPU trainer's formula. */
#include <math.h>
#include "context.h"
#include "gpu_nn.h"

__global__ static void adam_kernel(float *p, const float *grad, float *m, float *v, size_t n,
                                   float lr, float beta1, float beta2, float eps, float bc1,
                                   float bc2) {
    GRID_STRIDE(i, n) {
        float gi = grad[i];
        float mi = beta1 * m[i] + (1.0f - beta1) * gi;
        float vi = beta2 * v[i] + (1.0f - beta2) * gi * gi;
        m[i] = mi;
        v[i] = vi;
        p[i] -= lr * (mi / bc1) / (sqrtf(vi / bc2) + eps);
    }
}

extern "C" e2ec_status gpu_adam_step(e2ec_cuda *g, float *params, const float *grads, float *m,
                                     float *v, size_t n, float lr, float beta1, float beta2,
                                     float eps, int t) {
    if (!g || !params || !grads || !m || !v || t < 1) return E2EC_ERR_ARG;
    if (n == 0) return E2EC_OK;
    /* Bias corrections in double on the host: beta2^t needs the precision. */
    float bc1 = (float)(1.0 - pow((double)beta1, (double)t));
    float bc2 = (float)(1.0 - pow((double)beta2, (double)t));
    adam_kernel<<<gpu_blocks(n), GPU_THREADS, 0, g->stream>>>(params, grads, m, v, n, lr, beta1,
                                                              beta2, eps, bc1, bc2);
    return gpu_launch_check(g, "adam_kernel");
}
