/* Loss and gradient of a SIREN fitted to a grid of values (train.h). */
#include <stdlib.h>
#include <string.h>
#include "loss.h"
#include "siren.h"
#include "train.h"

/* Samples per forward/backward chunk: bounds activation memory to about
 * 2 * layers * width * 64 Ki floats whatever the grid size. */
#define FIT_CHUNK 65536

e2ec_status siren_fit_init(siren_fit *f, const siren_config *siren, uint32_t gx, uint32_t gy,
                           uint32_t gz, const float *target, e2ec_loss loss, int batch) {
    const siren_config *c = siren;
    memset(f, 0, sizeof *f);
    f->siren = siren, f->gx = gx, f->gy = gy, f->gz = gz;
    f->target = target, f->loss = loss, f->batch = batch;
    size_t total = (size_t)gx * gy * gz;
    size_t per = batch > 0 ? (size_t)batch : total;
    f->chunk = (int)(per < FIT_CHUNK ? per : FIT_CHUNK);
    size_t n = (size_t)f->chunk;
    f->coords = malloc(n * SIREN_IN * sizeof(float));
    f->values = malloc(n * sizeof(float));
    f->pred = malloc(n * sizeof(float));
    f->dpred = malloc(n * sizeof(float));
    f->acts = malloc(siren_acts_size(c, n) * sizeof(float));
    f->scratch = malloc(2 * n * c->width * sizeof(float));
    if (!f->coords || !f->values || !f->pred || !f->dpred || !f->acts || !f->scratch) {
        siren_fit_free(f);
        return E2EC_ERR_NOMEM;
    }
    return E2EC_OK;
}

void siren_fit_free(siren_fit *f) {
    free(f->coords), free(f->values), free(f->pred), free(f->dpred), free(f->acts);
    free(f->scratch);
    memset(f, 0, sizeof *f);
}

static void gather(const siren_fit *f, size_t idx, int i) {
    uint32_t x = (uint32_t)(idx % f->gx), y = (uint32_t)(idx / f->gx % f->gy);
    uint32_t z = (uint32_t)(idx / ((size_t)f->gx * f->gy));
    f->coords[3 * i + 0] = grid_coord(x, f->gx);
    f->coords[3 * i + 1] = grid_coord(y, f->gy);
    f->coords[3 * i + 2] = grid_coord(z, f->gz);
    f->values[i] = f->target[idx];
}

e2ec_status siren_fit_grad(void *ctx, const float *params, float *grads, rng *r, double *loss,
                           double *mse) {
    siren_fit *f = ctx;
    const siren_config *c = f->siren;
    size_t total = (size_t)f->gx * f->gy * f->gz;
    size_t per = f->batch > 0 ? (size_t)f->batch : total;
    double lsum = 0.0, msum = 0.0;
    for (size_t first = 0; first < per; first += f->chunk) {
        int n = (int)(per - first < (size_t)f->chunk ? per - first : (size_t)f->chunk);
        for (int i = 0; i < n; i++)
            gather(f, f->batch > 0 ? (size_t)rng_below(r, (uint32_t)total) : first + i, i);
        siren_forward(c, params, f->coords, f->pred, f->acts, n);
        memset(f->dpred, 0, n * sizeof(float));
        double m;
        /* scale so the chunks add up to the mean over the whole batch */
        double l = loss_forward_backward(f->loss, f->pred, f->values, n,
                                         (float)((double)n / per), f->dpred, &m);
        lsum += l * n, msum += m * n;
        siren_backward(c, params, grads, f->acts, f->coords, f->dpred, f->scratch, n);
    }
    *loss = lsum / per, *mse = msum / per;
    return E2EC_OK;
}
