/*
 * Full-batch SIREN training on the device: one step is zero the gradients,
 * forward, loss, backward, Adam, all queued on the context's stream; the
 * host waits only when it asks for the loss. Everything the run needs lives
 * in one device allocation per buffer, made once.
 */
#include <stdlib.h>
#include "gpu_kernels.h"
#include "gpu_nn.h"

/* Adam's constants, as the CPU trainer and the paper (PyTorch defaults). */
#define ADAM_BETA1 0.9f
#define ADAM_BETA2 0.999f
#define ADAM_EPS 1e-8f

enum { P, DP, M, V, COORDS, TARGET, OUT, DOUT, ACTS, SCRATCH, NBUF };

struct e2ec_cuda_siren_trainer {
    e2ec_cuda *g;
    siren_config c;
    int n, step;
    e2ec_loss loss;
    float lr;
    size_t n_params;
    float *buf[NBUF];
};

void e2ec_cuda_siren_trainer_destroy(e2ec_cuda_siren_trainer *t) {
    if (!t) return;
    e2ec_cuda_sync(t->g); /* queued steps may still use the buffers */
    for (int i = 0; i < NBUF; i++) e2ec_cuda_free(t->buf[i]);
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
    *t = (e2ec_cuda_siren_trainer){.g = g, .c = *c, .n = n, .loss = loss, .lr = lr,
                                   .n_params = siren_param_count(c)};
    size_t nn = (size_t)n, size[NBUF] = {
        [P] = t->n_params, [DP] = t->n_params, [M] = t->n_params, [V] = t->n_params,
        [COORDS] = SIREN_IN * nn, [TARGET] = nn, [OUT] = nn, [DOUT] = nn,
        [ACTS] = gpu_siren_acts_size(c, nn), [SCRATCH] = 2 * nn * (size_t)c->width};
    e2ec_status s = E2EC_OK;
    for (int i = 0; i < NBUF && !s; i++) s = e2ec_cuda_alloc(g, &t->buf[i], size[i]);
    if (!s) s = e2ec_cuda_upload(g, t->buf[P], params, t->n_params);
    if (!s) s = e2ec_cuda_upload(g, t->buf[COORDS], coords, SIREN_IN * nn);
    if (!s) s = e2ec_cuda_upload(g, t->buf[TARGET], target, nn);
    if (s) {
        e2ec_cuda_siren_trainer_destroy(t);
        return s;
    }
    *out = t;
    return E2EC_OK;
}

e2ec_status e2ec_cuda_siren_train_step(e2ec_cuda_siren_trainer *t, double *loss) {
    if (!t) return E2EC_ERR_ARG;
    e2ec_cuda *g = t->g;
    float **b = t->buf;
    e2ec_status s = e2ec_cuda_zero(g, b[DP], t->n_params);
    if (!s) s = e2ec_cuda_zero(g, b[DOUT], (size_t)t->n);
    if (!s) s = gpu_siren_forward(g, &t->c, b[P], b[COORDS], b[OUT], b[ACTS], t->n);
    if (!s) s = gpu_loss_queue(g, t->loss, b[DOUT], b[OUT], b[TARGET], t->n);
    if (!s)
        s = gpu_siren_backward(g, &t->c, b[P], b[DP], b[ACTS], b[COORDS], b[DOUT], b[SCRATCH],
                               t->n);
    if (!s)
        s = gpu_adam_step(g, b[P], b[DP], b[M], b[V], t->n_params, t->lr, ADAM_BETA1, ADAM_BETA2,
                          ADAM_EPS, t->step + 1);
    if (s) return s;
    t->step++;
    return loss ? gpu_loss_read(g, loss) : E2EC_OK;
}

e2ec_status e2ec_cuda_siren_trainer_params(e2ec_cuda_siren_trainer *t, float *params) {
    if (!t || !params) return E2EC_ERR_ARG;
    return e2ec_cuda_download(t->g, params, t->buf[P], t->n_params);
}
