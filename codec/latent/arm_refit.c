/* The ARM chosen after the fit (see arm_refit.h). */
#include "arm_refit.h"

#include <stdlib.h>
#include <string.h>

#include "arm_steps.h"
#include "lossless/ll_fit.h"
#include "nn/relu_mlp.h"

uint64_t arm_refit_bytes(void) {
    /* ll_fit_volumes: a batch's inputs, outputs, references, values and
     * volumes; the network's activations; its parameters, gradient and
     * Adam's two moments; the best refit's parameters */
    uint64_t b = ARM_REFIT_BATCH, np = (uint64_t)arm_param_count(LL_CTX, ARM_MAX_HIDDEN);
    return b * (LL_CTX + 2) * sizeof(float) + b * (2 * sizeof(int32_t) + sizeof(void *)) +
           relu_mlp_bytes(ARM_REFIT_BATCH, LL_CTX, ARM_MAX_HIDDEN, 2, 1) + np * 5 * sizeof(float);
}

e2ec_status arm_refit(arm_int *m, const float *own, int hidden, const grid_shape *s, const int32_t *q,
                      const int *shift, const int32_t *lo, const int32_t *hi, int steps, uint64_t seed) {
    ll_fit_volume vol[GRID_MAX_LEVELS];
    for (int l = 0; l < s->levels; l++)
        vol[l] = (ll_fit_volume){{s->res[l][0], s->res[l][1], s->res[l][2], lo[l]}, q + s->off[l], lo[l], hi[l],
                                 shift[l]};
    size_t np = (size_t)arm_param_count(LL_CTX, ARM_MAX_HIDDEN);
    float *p = malloc(np * sizeof *p), *win = malloc(np * sizeof *win);
    if (!p || !win) {
        free(p), free(win);
        return E2EC_ERR_NOMEM;
    }
    /* the fit's own ARM at its best steps; each refit at those steps (a step
     * search costs a dozen passes over the sample, a comparison one), and
     * the winner's steps searched if it is a refit */
    int d[ARM_LAYERS], win_hidden = 0;
    double best;
    e2ec_status st = arm_steps_search(m, LL_CTX, hidden, own, s, q, shift, lo, hi, d, &best);
    const int widths[2] = {hidden, ARM_MAX_HIDDEN};
    for (int k = 0; k < 2 && !st; k++) {
        ll_fit_opts o = {widths[k], steps, ARM_REFIT_BATCH, ARM_REFIT_LR, seed + (uint64_t)k};
        double est, bits;
        arm_int c;
        st = ll_fit_volumes(vol, s->levels, &o, p, &est);
        if (!st) st = arm_steps_cost(&c, LL_CTX, widths[k], p, s, q, shift, lo, hi, d, &bits);
        if (!st && bits < best) {
            best = bits, win_hidden = widths[k];
            memcpy(win, p, (size_t)arm_param_count(LL_CTX, widths[k]) * sizeof *p);
        }
    }
    if (!st && win_hidden) st = arm_steps_search(m, LL_CTX, win_hidden, win, s, q, shift, lo, hi, NULL, NULL);
    free(p), free(win);
    return st;
}
