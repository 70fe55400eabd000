/* Loss and gradient of a SIREN fitted to a grid of values (siren_fit.h). */
#include <omp.h>
#include <stdlib.h>
#include <string.h>
#include "loss.h"
#include "siren_fit.h"

/* Samples per chunk: small enough that a chunk's activations stay in cache
 * (2 * layers * width * 2048 floats = 1.4 MiB at width 30). */
#define FIT_CHUNK 2048

struct siren_fit_thread {
    float *coords, *values, *pred, *dpred, *acts, *scratch, *grads;
    double loss, mse;
};

static void free_thread(siren_fit_thread *t) {
    free(t->coords), free(t->values), free(t->pred), free(t->dpred), free(t->acts);
    free(t->scratch), free(t->grads);
}

/* Floats of one thread's scratch (alloc_thread). */
static size_t thread_floats(const siren_config *c) {
    size_t n = FIT_CHUNK;
    return n * (SIREN_IN + 3) + siren_acts_size(c, n) + 2 * n * c->width + siren_param_count(c);
}

size_t siren_fit_bytes(const siren_config *siren, int threads, int batch) {
    return (size_t)threads * (thread_floats(siren) * sizeof(float) + sizeof(siren_fit_thread)) +
           (batch > 0 ? (size_t)batch * sizeof(uint32_t) : 0);
}

static int alloc_thread(siren_fit_thread *t, const siren_config *c) {
    size_t n = FIT_CHUNK;
    t->coords = malloc(n * SIREN_IN * sizeof(float));
    t->values = malloc(n * sizeof(float));
    t->pred = malloc(n * sizeof(float));
    t->dpred = malloc(n * sizeof(float));
    t->acts = malloc(siren_acts_size(c, n) * sizeof(float));
    t->scratch = malloc(2 * n * c->width * sizeof(float));
    t->grads = malloc(siren_param_count(c) * sizeof(float));
    return t->coords && t->values && t->pred && t->dpred && t->acts && t->scratch && t->grads;
}

e2ec_status siren_fit_init(siren_fit *f, const siren_config *siren, uint32_t gx, uint32_t gy,
                           uint32_t gz, const float *target, e2ec_loss loss, int batch) {
    memset(f, 0, sizeof *f);
    f->siren = siren, f->gx = gx, f->gy = gy, f->gz = gz;
    f->target = target, f->loss = loss, f->batch = batch;
    f->threads = omp_get_max_threads();
    f->per_thread = calloc((size_t)f->threads, sizeof *f->per_thread);
    if (batch > 0) f->indices = malloc((size_t)batch * sizeof *f->indices);
    int ok = f->per_thread && (batch == 0 || f->indices);
    for (int t = 0; ok && t < f->threads; t++) ok = alloc_thread(&f->per_thread[t], siren);
    if (!ok) {
        siren_fit_free(f);
        return E2EC_ERR_NOMEM;
    }
    return E2EC_OK;
}

void siren_fit_free(siren_fit *f) {
    for (int t = 0; f->per_thread && t < f->threads; t++) free_thread(&f->per_thread[t]);
    free(f->per_thread), free(f->indices);
    memset(f, 0, sizeof *f);
}

static void gather(const siren_fit *f, siren_fit_thread *t, size_t idx, int i) {
    uint32_t x = (uint32_t)(idx % f->gx), y = (uint32_t)(idx / f->gx % f->gy);
    uint32_t z = (uint32_t)(idx / ((size_t)f->gx * f->gy));
    t->coords[3 * i + 0] = grid_coord(x, f->gx);
    t->coords[3 * i + 1] = grid_coord(y, f->gy);
    t->coords[3 * i + 2] = grid_coord(z, f->gz);
    t->values[i] = f->target[idx];
}

/* One chunk of samples [first, first + n) of this step, into t's gradient. */
static void run_chunk(const siren_fit *f, siren_fit_thread *t, const float *params,
                      size_t first, int n, size_t per) {
    for (int i = 0; i < n; i++)
        gather(f, t, f->batch > 0 ? f->indices[first + i] : first + i, i);
    siren_forward(f->siren, params, t->coords, t->pred, t->acts, n);
    memset(t->dpred, 0, n * sizeof(float));
    double m;
    /* scaled so that the chunks add up to the mean over the whole step */
    double l = loss_forward_backward(f->loss, t->pred, t->values, n, (float)((double)n / per),
                                     t->dpred, &m);
    t->loss += l * n, t->mse += m * n;
    siren_backward(f->siren, params, t->grads, t->acts, t->coords, t->dpred, t->scratch, n);
}

e2ec_status siren_fit_grad(void *ctx, const float *params, float *grads, rng *r, double *loss,
                           double *mse) {
    siren_fit *f = ctx;
    size_t total = (size_t)f->gx * f->gy * f->gz;
    size_t per = f->batch > 0 ? (size_t)f->batch : total;
    size_t n_params = siren_param_count(f->siren);
    if (f->batch > 0)
        for (size_t i = 0; i < per; i++) f->indices[i] = rng_below(r, (uint32_t)total);
    long chunks = (long)((per + FIT_CHUNK - 1) / FIT_CHUNK);
    /* zeroed here, not by each thread: OpenMP may grant fewer threads */
    for (int k = 0; k < f->threads; k++) {
        memset(f->per_thread[k].grads, 0, n_params * sizeof(float));
        f->per_thread[k].loss = f->per_thread[k].mse = 0.0;
    }
#pragma omp parallel num_threads(f->threads)
    {
        siren_fit_thread *t = &f->per_thread[omp_get_thread_num()];
#pragma omp for schedule(static)
        for (long k = 0; k < chunks; k++) {
            size_t first = (size_t)k * FIT_CHUNK;
            int n = (int)(per - first < FIT_CHUNK ? per - first : FIT_CHUNK);
            run_chunk(f, t, params, first, n, per);
        }
        /* per-parameter sums in thread order: deterministic for a thread count */
#pragma omp for schedule(static)
        for (size_t i = 0; i < n_params; i++) {
            float s = 0.0f;
            for (int k = 0; k < f->threads; k++) s += f->per_thread[k].grads[i];
            grads[i] += s;
        }
    }
    double lsum = 0.0, msum = 0.0;
    for (int k = 0; k < f->threads; k++) lsum += f->per_thread[k].loss, msum += f->per_thread[k].mse;
    *loss = lsum / per, *mse = msum / per;
    return E2EC_OK;
}
