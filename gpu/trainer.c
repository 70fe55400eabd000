/*
 * Full-batch SIREN training on the device: one step is zero the gradients,
 * forward, loss, backward, Adam, all queued on the context's stream; the
 * host waits only when it asks for the loss. The weights with the lowest loss
 * are kept on the device as train_loop keeps them. Everything the run needs
 * lives in one device allocation per buffer, made once.
 */
#include <math.h>
#include <stdlib.h>
#include "context.h"
#include "gpu_kernels.h"
#include "gpu_nn.h"

enum { P, DP, BEST, COORDS, TARGET, OUT, DOUT, ACTS, SCRATCH, NBUF };

struct e2ec_cuda_siren_trainer {
    e2ec_cuda *g;
    siren_config c;
    int n;
    e2ec_loss loss;
    adam_state opt;    /* moments on the device */
    double *best_loss; /* device */
    size_t n_params;
    float *buf[NBUF];
};

void e2ec_cuda_siren_trainer_destroy(e2ec_cuda_siren_trainer *t) {
    if (!t) return;
    e2ec_cuda_sync(t->g); /* queued steps may still use the buffers */
    for (int i = 0; i < NBUF; i++) e2ec_cuda_free(t->buf[i]);
    gpu_adam_free(&t->opt);
    cudaFree(t->best_loss);
    free(t);
}

e2ec_status e2ec_cuda_siren_trainer_create(e2ec_cuda_siren_trainer **out, e2ec_cuda *g,
                                           const siren_config *c, const float *params,
                                           const float *coords, const float *target, int n,
                                           e2ec_loss loss, float lr) {
    if (!out) return E2EC_ERR_ARG;
    *out = NULL;
    if (!g || !c || !params || !coords || !target || n < 1 || c->layers < 1 ||
        c->layers >= 32 || c->width < 1 || (loss != E2EC_LOSS_L1 && loss != E2EC_LOSS_L2))
        return E2EC_ERR_ARG;
    e2ec_cuda_siren_trainer *t = calloc(1, sizeof *t);
    if (!t) return E2EC_ERR_NOMEM;
    *t = (e2ec_cuda_siren_trainer){.g = g, .c = *c, .n = n, .loss = loss,
                                   .n_params = siren_param_count(c)};
    size_t nn = (size_t)n, size[NBUF] = {
        [P] = t->n_params, [DP] = t->n_params, [BEST] = t->n_params, [COORDS] = SIREN_IN * nn, [TARGET] = nn,
        [OUT] = nn, [DOUT] = nn, [ACTS] = siren_acts_size(c, nn),
        [SCRATCH] = 2 * nn * (size_t)c->width};
    e2ec_status s = gpu_adam_init(g, &t->opt, t->n_params, lr);
    for (int i = 0; i < NBUF && !s; i++) s = e2ec_cuda_alloc(g, &t->buf[i], size[i]);
    if (!s) s = gpu_cuda_check(g, cudaMalloc((void **)&t->best_loss, sizeof(double)), "cudaMalloc");
    if (!s) s = gpu_set_double(g, t->best_loss, INFINITY);
    if (!s) s = e2ec_cuda_upload(g, t->buf[P], params, t->n_params);
    if (!s) s = e2ec_cuda_upload(g, t->buf[BEST], params, t->n_params);
    if (!s) s = e2ec_cuda_upload(g, t->buf[COORDS], coords, SIREN_IN * nn);
    if (!s) s = e2ec_cuda_upload(g, t->buf[TARGET], target, nn);
    if (s) {
        e2ec_cuda_siren_trainer_destroy(t);
        return s;
    }
    *out = t;
    return E2EC_OK;
}

e2ec_status e2ec_cuda_siren_train_step(e2ec_cuda_siren_trainer *t, double *loss,
                                       double *mse) {
    if (!t) return E2EC_ERR_ARG;
    e2ec_cuda *g = t->g;
    float **b = t->buf;
    e2ec_status s = e2ec_cuda_zero(g, b[DP], t->n_params);
    if (!s) s = e2ec_cuda_zero(g, b[DOUT], (size_t)t->n);
    if (!s) s = gpu_siren_forward(g, &t->c, b[P], b[COORDS], b[OUT], b[ACTS], t->n);
    if (!s) s = gpu_loss_queue(g, t->loss, b[OUT], b[TARGET], t->n, 1.0f, b[DOUT]);
    if (!s) s = gpu_keep_best(g, b[BEST], b[P], t->n_params, t->best_loss);
    if (!s)
        s = gpu_siren_backward(g, &t->c, b[P], b[DP], b[ACTS], b[COORDS], b[DOUT], b[SCRATCH],
                               t->n);
    if (!s) s = gpu_adam_step(g, &t->opt, b[P], b[DP]);
    if (s || (!loss && !mse)) return s;
    return gpu_loss_read(g, loss, mse);
}

e2ec_status e2ec_cuda_siren_trainer_params(e2ec_cuda_siren_trainer *t, float *params) {
    if (!t || !params) return E2EC_ERR_ARG;
    return e2ec_cuda_download(t->g, params, t->buf[BEST], t->n_params);
}
