/* The training loop (train.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "adam.h"
#include "quant.h"
#include "train.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

e2ec_status train_loop(const e2ec_params *p, size_t n_params, float *params, train_grad_fn fn,
                       void *ctx, rng *r) {
    return train_loop_opt(p, n_params, params, fn, ctx, r, NULL);
}

e2ec_status train_loop_opt(const e2ec_params *p, size_t n_params, float *params,
                           train_grad_fn fn, void *ctx, rng *r, const train_options *o) {
    const train_qat *qat = o ? o->qat : NULL;
    const int ramp = o ? o->ramp : 0;
    adam_state opt;
    float *grads = malloc(n_params * sizeof *grads);
    float *best = malloc(n_params * sizeof *best);
    float *rounded = qat ? malloc(n_params * sizeof *rounded) : NULL;
    if (!grads || !best || (qat && !rounded) || adam_init(&opt, n_params, p->lr)) {
        free(grads), free(best), free(rounded);
        return E2EC_ERR_NOMEM;
    }
    int keep_best = p->batch == 0;
    double best_loss = INFINITY, t0 = now_s();
    e2ec_status st = E2EC_OK;
    memcpy(best, params, n_params * sizeof *best);
    for (int e = 1; e <= p->epochs && st == E2EC_OK; e++) {
        double loss, mse;
        memset(grads, 0, n_params * sizeof *grads);
        const float *at = params;
        if (qat && e >= qat->start) {
            if (e == qat->start) { /* float fits no longer compete */
                /* start from the best float fit, so that its plain quantisation
                 * is the first candidate and QAT can only improve on it */
                if (keep_best) memcpy(params, best, n_params * sizeof *best);
                best_loss = INFINITY;
            }
            memcpy(rounded, params, n_params * sizeof *rounded);
            quant_round(rounded, qat->counts, qat->n_groups, qat->bits);
            at = rounded;
        }
        st = fn(ctx, at, grads, r, &loss, &mse);
        if (st) break;
        if (!isfinite(loss)) { /* diverged: keep the best so far */
            break;
        }
        if (keep_best && loss < best_loss) {
            best_loss = loss;
            memcpy(best, params, n_params * sizeof *best);
        }
        if (p->progress && p->progress_every > 0 && (e % p->progress_every == 0 || e == 1 ||
                                                      e == p->epochs)) {
            e2ec_progress pr = {e, p->epochs, loss, mse > 0 ? -10.0 * log10(mse) : INFINITY,
                                now_s() - t0};
            if (p->progress(&pr, p->progress_user)) st = E2EC_ERR_CANCELLED;
        }
        opt.lr = e < ramp ? p->lr * (float)e / (float)ramp : p->lr;
        adam_step(&opt, params, grads);
    }
    /* with a full batch the last step's result was never evaluated: keep the best seen */
    if (keep_best) memcpy(params, best, n_params * sizeof *best);
    adam_free(&opt);
    free(grads), free(best), free(rounded);
    return st;
}
