/* The training loop (train.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "adam.h"
#include "train.h"

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

e2ec_status train_loop(const e2ec_params *p, size_t n_params, float *params, train_grad_fn fn,
                       void *ctx, rng *r) {
    return train_loop_ramp(p, 0, n_params, params, fn, ctx, r);
}

e2ec_status train_loop_ramp(const e2ec_params *p, int ramp, size_t n_params, float *params,
                            train_grad_fn fn, void *ctx, rng *r) {
    adam_state opt;
    float *grads = malloc(n_params * sizeof *grads);
    float *best = malloc(n_params * sizeof *best);
    if (!grads || !best || adam_init(&opt, n_params, p->lr)) {
        free(grads), free(best);
        return E2EC_ERR_NOMEM;
    }
    int keep_best = p->batch == 0;
    double best_loss = INFINITY, t0 = now_s();
    e2ec_status st = E2EC_OK;
    memcpy(best, params, n_params * sizeof *best);
    for (int e = 1; e <= p->epochs && st == E2EC_OK; e++) {
        double loss, mse;
        memset(grads, 0, n_params * sizeof *grads);
        st = fn(ctx, params, grads, r, &loss, &mse);
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
    free(grads), free(best);
    return st;
}
