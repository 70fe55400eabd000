/* The synthesis MLP's weights in steps (see mlp_steps.h). */
#include "mlp_steps.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ent/int_code.h"

e2ec_status mlp_steps_ints(const float *w, int cin, int h, const uint8_t q[GRID_MLP_TENSORS], int32_t *k) {
    size_t count[GRID_MLP_TENSORS];
    grid_mlp_tensors(cin, h, count);
    for (int t = 0; t < GRID_MLP_TENSORS; t++) {
        if (q[t] > MLP_STEP_MAX_Q) return E2EC_ERR_ARG;
        for (size_t i = 0; i < count[t]; i++, w++, k++) {
            float v = ldexpf(*w, q[t]);
            if (!(fabsf(v) < (float)MLP_STEP_MAX_K) || v != truncf(v)) return E2EC_ERR_ARG;
            *k = (int32_t)v;
        }
    }
    return E2EC_OK;
}

void mlp_steps_floats(const int32_t *k, int cin, int h, const uint8_t q[GRID_MLP_TENSORS], float *w) {
    size_t count[GRID_MLP_TENSORS];
    grid_mlp_tensors(cin, h, count);
    for (int t = 0; t < GRID_MLP_TENSORS; t++)
        for (size_t i = 0; i < count[t]; i++) *w++ = ldexpf((float)*k++, -(int)q[t]);
}

/* A tensor's n weights rounded to step 2^-q (a weight that rounds to 0 is +0,
 * as the decoder reads it back). */
static void round_tensor(float *w, size_t n, int q) {
    const float cap = (float)(MLP_STEP_MAX_K - 1);
    for (size_t i = 0; i < n; i++) {
        float v = roundf(ldexpf(w[i], q)) + 0.0f;
        w[i] = ldexpf(v > cap ? cap : v < -cap ? -cap : v, -q);
    }
}

/* Bits of n weights, whole numbers of step 2^-q, at their best order (k: n ints of scratch). */
static uint64_t tensor_bits(const float *w, size_t n, int q, int32_t *k) {
    for (size_t i = 0; i < n; i++) k[i] = (int32_t)ldexpf(w[i], q);
    return int_code_bits(k, n, int_code_order(k, n));
}

/* The finest step at which the largest |w| takes 13 bits (0 for a tensor of zeros). */
static int finest_q(const float *w, size_t n) {
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) m = fmaxf(m, fabsf(w[i]));
    if (m == 0.0f) return 0;
    int e;
    frexpf(m, &e); /* m < 2^e */
    int q = 13 - e;
    return q < 0 ? 0 : q > MLP_STEP_MAX_Q ? MLP_STEP_MAX_Q : q;
}

e2ec_status mlp_steps_search(float *w, int cin, int h, double lambda, double n, double voxels,
                             mlp_steps_error_fn error, void *user, uint8_t q[GRID_MLP_TENSORS]) {
    size_t count[GRID_MLP_TENSORS], nw = grid_mlp_size(cin, h), off = 0;
    grid_mlp_tensors(cin, h, count);
    float *orig = malloc(nw * sizeof *orig), *keep = malloc(nw * sizeof *keep);
    int32_t *k = malloc(nw * sizeof *k);
    e2ec_status st = orig && keep && k ? E2EC_OK : E2EC_ERR_NOMEM;
    if (!st) {
        memcpy(orig, w, nw * sizeof *w);
        uint64_t bits[GRID_MLP_TENSORS], total = 0;
        for (int t = 0; t < GRID_MLP_TENSORS; off += count[t], t++) {
            q[t] = (uint8_t)finest_q(w + off, count[t]);
            round_tensor(w + off, count[t], q[t]);
            total += bits[t] = tensor_bits(w + off, count[t], q[t], k);
        }
        double best = error(w, user) / n + lambda * (double)total / voxels;
        off = 0;
        for (int t = 0; t < GRID_MLP_TENSORS; off += count[t], t++) {
            float *wt = w + off;
            memcpy(keep, wt, count[t] * sizeof *wt);
            for (int cq = (int)q[t] - 1; cq >= 0; cq--) {
                memcpy(wt, orig + off, count[t] * sizeof *wt);
                round_tensor(wt, count[t], cq);
                uint64_t b = tensor_bits(wt, count[t], cq, k);
                double cost = error(w, user) / n + lambda * (double)(total - bits[t] + b) / voxels;
                if (!(cost < best)) break;
                best = cost, total += b - bits[t], bits[t] = b, q[t] = (uint8_t)cq;
                memcpy(keep, wt, count[t] * sizeof *wt);
            }
            memcpy(wt, keep, count[t] * sizeof *wt);
        }
    }
    free(orig), free(keep), free(k);
    return st;
}
