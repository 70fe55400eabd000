/* The latent fit's start (see latent_start.h). */
#include "latent_start.h"

#include <stdlib.h>
#include <string.h>

#include "grid_mlp.h"

/* Voxels interpolated at a time. */
#define START_CHUNK 8192

/* Level l of s read alone: a one-level shape and axes (views of ax's arrays). */
static void level_view(const grid_shape *s, const grid_axes *ax, int l, grid_shape *s1, grid_axes *ax1) {
    memset(s1, 0, sizeof *s1), memset(ax1, 0, sizeof *ax1);
    s1->levels = 1, s1->feats = 1;
    memcpy(s1->res[0], s->res[l], sizeof s1->res[0]);
    grid_shape_init(s1);
    memcpy(ax1->n, ax->n, sizeof ax1->n);
    for (int a = 0; a < 3; a++) ax1->node[0][a] = ax->node[l][a], ax1->frac[0][a] = ax->frac[l][a];
}

size_t latent_start_bytes(void) { return 2 * START_CHUNK * sizeof(float); }

e2ec_status latent_start(float *y, float *w, int hidden, const float *target, const grid_shape *s,
                         const grid_axes *ax, float step, float *scratch) {
    const int L = s->levels;
    const size_t nv = (size_t)ax->n[0] * ax->n[1] * ax->n[2];
    if (s->feats != 1 || s->off[L] - s->off[L - 1] != nv || !(step > 0.0f)) return E2EC_ERR_ARG;
    float *buf = malloc(2 * START_CHUNK * sizeof *buf), *ones = buf + START_CHUNK;
    if (!buf) return E2EC_ERR_NOMEM;
    for (int k = 0; k < START_CHUNK; k++) ones[k] = 1.0f;
    /* the residual lives in the finest level, which keeps what is left of it */
    float *r = y + s->off[L - 1];
    double sum = 0.0;
    for (size_t i = 0; i < nv; i++) sum += target[i];
    const float mean = (float)(sum / (double)nv);
    for (size_t i = 0; i < nv; i++) r[i] = target[i] - mean;
    for (int l = 0; l < L - 1; l++) {
        grid_shape s1;
        grid_axes ax1;
        level_view(s, ax, l, &s1, &ax1);
        float *num = y + s->off[l], *den = scratch + s->off[l];
        const size_t nodes = s->off[l + 1] - s->off[l];
        memset(num, 0, nodes * sizeof *num), memset(den, 0, nodes * sizeof *den);
        for (size_t at = 0; at < nv; at += START_CHUNK) {
            int n = nv - at < START_CHUNK ? (int)(nv - at) : START_CHUNK;
            grid_interp_backward(num, r + at, &s1, &ax1, NULL, at, n);
            grid_interp_backward(den, ones, &s1, &ax1, NULL, at, n);
        }
        for (size_t i = 0; i < nodes; i++) num[i] = den[i] > 0.0f ? num[i] / den[i] : 0.0f;
        for (size_t at = 0; at < nv; at += START_CHUNK) {
            int n = nv - at < START_CHUNK ? (int)(nv - at) : START_CHUNK;
            grid_interp_forward(buf, num, &s1, &ax1, NULL, at, n);
            for (int k = 0; k < n; k++) r[at + (size_t)k] -= buf[k];
        }
    }
    free(buf);
    for (size_t i = 0; i < s->off[L]; i++) y[i] /= step;
    /* unit 0 on for any residual in [-1, 1] with room for the training's
     * noise; small, so that the binary16 output bias (mean - bias) keeps
     * 2^-10 of the range */
    const float bias = 1.5f;
    grid_mlp_as_sum(w, L, hidden, step, bias, mean - bias);
    return E2EC_OK;
}
