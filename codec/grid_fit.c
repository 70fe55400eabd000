/* Fitting and decoding the grid representation (see grid_fit.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "adam.h"
#include "caps.h"
#include "grid_fit.h"
#include "grid_mlp.h"
#include "nn/relu_mlp.h"
#include "half.h"
#include "rng.h"
#include "threads.h"

/* A stream's synthesis fits the fused MLP whatever its header says within
 * the caps (grid_stream.c and latent_section.c check those). */
_Static_assert(GRID_MAX_LEVELS * E2EC_MAX_GRID_FEATS <= RELU_MLP_MAX_WIDTH &&
                   E2EC_MAX_GRID_HIDDEN <= RELU_MLP_MAX_WIDTH,
               "the grid caps fit RELU_MLP_MAX_WIDTH");

void grid_fit_defaults(grid_fit_config *c) {
    memset(c, 0, sizeof *c);
    c->levels = 4, c->feats = 2;
    c->fine_step[0] = c->fine_step[1] = c->fine_step[2] = 2;
    c->hidden = 16;
    c->steps = 2000, c->batch = 1 << 16;
    c->lr_grid = 1e-2f, c->lr_mlp = 3e-3f;
    c->delta = 1.0f / 16, c->lambda = 0.0f;
    c->qat_from = 0.5f, c->freeze_from = 0.85f;
    c->seed = 1;
}

e2ec_status grid_shape_for(const grid_fit_config *c, uint32_t nx, uint32_t ny, uint32_t nz,
                           grid_shape *s) {
    uint32_t n[3] = {nx, ny, nz};
    if (c->levels < 1 || c->levels > GRID_MAX_LEVELS || c->feats < 1 || c->feats > E2EC_MAX_GRID_FEATS)
        return E2EC_ERR_ARG;
    memset(s, 0, sizeof *s);
    s->levels = c->levels, s->feats = c->feats;
    for (int a = 0; a < 3; a++) {
        if (n[a] < 2 || n[a] > (1u << 20) || c->fine_step[a] < 1) return E2EC_ERR_ARG;
        /* finest: a node every fine_step voxels; each coarser level halves the cells */
        int cells = (int)((n[a] - 1 + (uint32_t)c->fine_step[a] - 1) / (uint32_t)c->fine_step[a]);
        for (int l = c->levels - 1; l >= 0; l--) {
            s->res[l][a] = cells + 1;
            cells = cells > 1 ? (cells + 1) / 2 : 1;
        }
    }
    return grid_shape_init(s) ? E2EC_OK : E2EC_ERR_ARG;
}

static void quantise(int32_t *q, float *deq, const float *g, size_t n, float delta) {
    for (size_t i = 0; i < n; i++) {
        q[i] = (int32_t)lrintf(g[i] / delta);
        deq[i] = (float)q[i] * delta;
    }
}

int fit_progress(e2ec_progress_fn fn, void *user, int every, int step, int steps,
                 double *mse_acc, int *mse_steps, double t0) {
    if (!fn || every <= 0 || ((step + 1) % every != 0 && step + 1 != steps)) return 0;
    double mse = *mse_acc / *mse_steps;
    e2ec_progress pr = {step + 1, steps, mse, mse > 0 ? -10.0 * log10(mse) : INFINITY,
                        omp_get_wtime() - t0};
    *mse_acc = 0.0, *mse_steps = 0;
    return fn(&pr, user);
}

void grid_model_free(grid_model *m) {
    free(m->q), free(m->mlp);
    m->q = NULL, m->mlp = NULL;
}

e2ec_status grid_fit(const float *target, uint32_t nx, uint32_t ny, uint32_t nz,
                     const grid_fit_config *c, grid_model *m) {
    memset(m, 0, sizeof *m);
    grid_shape s;
    e2ec_status st = grid_shape_for(c, nx, ny, nz, &s);
    if (st) return st;
    if (c->hidden < 1 || c->hidden > E2EC_MAX_GRID_HIDDEN || c->steps < 1 || c->batch < 1 || !(c->delta > 0.0f) ||
        c->lambda < 0.0f || !(c->qat_from >= 0.0f && c->qat_from <= c->freeze_from &&
                              c->freeze_from <= 1.0f))
        return E2EC_ERR_ARG;
    size_t ng = s.off[s.levels], voxels = (size_t)nx * ny * nz;
    if (voxels > UINT32_MAX) return E2EC_ERR_LIMIT; /* batch indices are 32-bit */
    int saved = threads_enter(c->threads);
    int cin = s.levels * s.feats, h = c->hidden, B = c->batch;
    size_t nw = grid_mlp_size(cin, h);
    float *g = malloc(ng * sizeof *g), *gq = malloc(ng * sizeof *gq);
    float *dg = malloc(ng * sizeof *dg), *w = malloc(nw * sizeof *w), *dw = malloc(nw * sizeof *dw);
    float *t = malloc((size_t)B * sizeof *t);
    float *dy = malloc((size_t)B * sizeof *dy);
    float *feat = malloc((size_t)B * cin * sizeof *feat);
    float *dfeat = malloc((size_t)B * cin * sizeof *dfeat);
    uint32_t *idx = malloc((size_t)B * sizeof *idx);
    int32_t *q = malloc(ng * sizeof *q);
    relu_mlp_acts a;
    grid_axes ax;
    int ok = !grid_axes_init(&ax, &s, nx, ny, nz);
    ok = !relu_mlp_alloc(&a, B, cin, h, 1, 1) && ok;
    adam_state ag = {0}, aw = {0};
    if (!ok || !g || !gq || !dg || !w || !dw || !t || !dy || !feat || !dfeat || !idx ||
        !q || adam_init(&ag, ng, c->lr_grid) || adam_init(&aw, nw, c->lr_mlp)) {
        st = E2EC_ERR_NOMEM;
        goto done;
    }
    rng r = {c->seed};
    for (size_t i = 0; i < ng; i++) g[i] = rng_range(&r, -1e-3f, 1e-3f);
    grid_mlp_init(w, cin, h, &r);
    /* gradient magnitude of the rate proxy lambda * sum|g| / delta / voxels */
    float l1 = c->lambda / (c->delta * (float)voxels);
    int qat = (int)(c->qat_from * (float)c->steps), frz = (int)(c->freeze_from * (float)c->steps);
    double mse_acc = 0.0, t0 = omp_get_wtime();
    int mse_steps = 0;
    for (int step = 0; step < c->steps; step++) {
        int frozen = step >= frz;
        if (step >= qat && step <= frz) {
            quantise(q, gq, g, ng, c->delta);
            if (step == frz) memcpy(g, gq, ng * sizeof *g); /* fixed from here on */
        }
        const float *gf = step >= qat ? gq : g;
        for (int i = 0; i < B; i++) {
            idx[i] = (uint32_t)(rng_next(&r) % voxels);
            t[i] = target[idx[i]];
        }
        grid_interp_forward(feat, gf, &s, &ax, idx, 0, B);
        relu_mlp_forward(&a, w, feat, B);
        double se = 0.0;
        for (int i = 0; i < B; i++) {
            float e = a.out[i] - t[i];
            se += (double)e * e;
            dy[i] = 2.0f * e / (float)B;
        }
        mse_acc += se / B, mse_steps++;
        memset(dw, 0, nw * sizeof *dw);
        if (!frozen) {
            memset(dfeat, 0, (size_t)B * cin * sizeof *dfeat);
            relu_mlp_backward(&a, w, dw, feat, dy, dfeat, B);
            memset(dg, 0, ng * sizeof *dg);
            grid_interp_backward(dg, dfeat, &s, &ax, idx, 0, B);
            if (l1 > 0.0f)
                for (size_t i = 0; i < ng; i++) dg[i] += g[i] > 0.0f ? l1 : g[i] < 0.0f ? -l1 : 0.0f;
            adam_step(&ag, g, dg);
        } else {
            relu_mlp_backward(&a, w, dw, feat, dy, NULL, B);
        }
        adam_step(&aw, w, dw);
        if (fit_progress(c->progress, c->progress_user, c->progress_every, step, c->steps,
                         &mse_acc, &mse_steps, t0)) {
            st = E2EC_ERR_CANCELLED;
            goto done;
        }
    }
    quantise(q, gq, g, ng, c->delta);
    for (size_t i = 0; i < nw; i++) w[i] = half_to_float(half_from_float(w[i]));
    m->shape = s, m->delta = c->delta, m->hidden = h, m->q = q, m->mlp = w;
    q = NULL, w = NULL;
done:
    adam_free(&ag), adam_free(&aw), relu_mlp_free(&a), grid_axes_free(&ax);
    free(g), free(gq), free(dg), free(w), free(dw), free(t), free(dy), free(feat);
    free(dfeat);
    free(idx), free(q);
    threads_leave(saved);
    return st;
}

e2ec_status grid_decode(const grid_model *m, uint32_t nx, uint32_t ny, uint32_t nz, int threads,
                        float *out) {
    return grid_decode_planes(m, nx, ny, nz, 0, nz, threads, out);
}

e2ec_status grid_synth_init(grid_synth *w, const grid_model *m, uint32_t nx, uint32_t ny, uint32_t nz) {
    const grid_shape *s = &m->shape;
    size_t ng = s->off[s->levels];
    int cin = s->levels * s->feats;
    memset(w, 0, sizeof *w);
    if (nx < 2 || ny < 2 || nz < 2) return E2EC_ERR_ARG;
    w->m = m;
    w->g = malloc(ng * sizeof *w->g);
    w->feat = malloc((size_t)GRID_DECODE_CHUNK * cin * sizeof *w->feat);
    if (relu_mlp_alloc(&w->a, GRID_DECODE_CHUNK, cin, m->hidden, 1, 0) || grid_axes_init(&w->ax, s, nx, ny, nz) ||
        !w->g || !w->feat)
        return E2EC_ERR_NOMEM;
    for (size_t i = 0; i < ng; i++) w->g[i] = (float)m->q[i] * m->delta;
    return E2EC_OK;
}

void grid_synth_free(grid_synth *w) {
    relu_mlp_free(&w->a), grid_axes_free(&w->ax);
    free(w->g), free(w->feat);
    memset(w, 0, sizeof *w);
}

e2ec_status grid_synth_planes(grid_synth *w, uint32_t z0, uint32_t z1, int threads, float *out) {
    const uint32_t *n = w->ax.n;
    if (z0 >= z1 || z1 > n[2]) return E2EC_ERR_ARG;
    int saved = threads_enter(threads);
    size_t plane = (size_t)n[0] * n[1], voxels = plane * (z1 - z0);
    for (size_t first = 0; first < voxels; first += GRID_DECODE_CHUNK) {
        int k = voxels - first < GRID_DECODE_CHUNK ? (int)(voxels - first) : GRID_DECODE_CHUNK;
        grid_interp_forward(w->feat, w->g, &w->m->shape, &w->ax, NULL, plane * z0 + first, k);
        relu_mlp_forward(&w->a, w->m->mlp, w->feat, k);
        for (int i = 0; i < k; i++)
            out[first + i] = w->a.out[i] < 0.0f ? 0.0f : w->a.out[i] > 1.0f ? 1.0f : w->a.out[i];
    }
    threads_leave(saved);
    return E2EC_OK;
}

e2ec_status grid_decode_planes(const grid_model *m, uint32_t nx, uint32_t ny, uint32_t nz,
                               uint32_t z0, uint32_t z1, int threads, float *out) {
    grid_synth w;
    e2ec_status st = grid_synth_init(&w, m, nx, ny, nz);
    if (!st) st = grid_synth_planes(&w, z0, z1, threads, out);
    grid_synth_free(&w);
    return st;
}
