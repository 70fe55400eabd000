/* Adam on the device (codec/adam.c's step, one thread per weight). */
#include <math.h>
#include "context.h"
#include "gpu_nn.h"

e2ec_status gpu_adam_init(e2ec_cuda *g, adam_state *s, size_t n, float lr) {
    if (!g || !s) return E2EC_ERR_ARG;
    /* adam_init's hyperparameters (the parity test checks they agree) */
    *s = (adam_state){.lr = lr, .beta1 = 0.9f, .beta2 = 0.999f, .eps = 1e-8f, .t = 0,
                      .m = NULL, .v = NULL, .n = n};
    e2ec_status st = e2ec_cuda_alloc(g, &s->m, n);
    if (!st) st = e2ec_cuda_alloc(g, &s->v, n);
    if (st) gpu_adam_free(s);
    return st;
}

void gpu_adam_free(adam_state *s) {
    e2ec_cuda_free(s->m);
    e2ec_cuda_free(s->v);
    s->m = s->v = NULL;
}

__global__ static void adam_kernel(float *p, const float *grad, float *m, float *v, size_t n,
                                   float lr, float beta1, float beta2, float eps, float c1,
                                   float c2) {
    GRID_STRIDE(i, n) {
        float g = grad[i];
        float mi = beta1 * m[i] + (1.0f - beta1) * g;
        float vi = beta2 * v[i] + (1.0f - beta2) * g * g;
        m[i] = mi;
        v[i] = vi;
        float mhat = mi / c1, vhat = vi / c2;
        p[i] -= lr * mhat / (sqrtf(vhat) + eps);
    }
}

e2ec_status gpu_adam_step(e2ec_cuda *g, adam_state *s, float *params, const float *grads) {
    if (!g || !s || !params || !grads || !s->m || !s->v) return E2EC_ERR_ARG;
    s->t++;
    /* bias corrections exactly as adam_step computes them, on the host */
    float c1 = 1.0f - powf(s->beta1, (float)s->t);
    float c2 = 1.0f - powf(s->beta2, (float)s->t);
    if (s->n == 0) return E2EC_OK;
    adam_kernel<<<gpu_blocks(s->n), GPU_THREADS, 0, g->stream>>>(
        params, grads, s->m, s->v, s->n, s->lr, s->beta1, s->beta2, s->eps, c1, c2);
    return gpu_launch_check(g, "adam_kernel");
}
