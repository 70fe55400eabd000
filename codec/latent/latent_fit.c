/* Fitting the latent mode's model (see latent_fit.h). */
#include "latent_fit.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "caps.h"
#include "ent/arm_float.h"
#include "ent/laplace_int.h"
#include "ent/laplace_rate.h"
#include "grid_mlp.h"
#include "half.h"
#include "nn/relu_mlp.h"
#include "lossless/ll_fit.h"
#include "lossless/ll_model.h"
#include "rng.h"
#include "soft_round.h"
#include "threads.h"

/* The latents' alphabet while training: any level's [lo, hi] then stays
 * within LAPLACE_MAX_SYMBOLS, as the coder needs. */
#define LATENT_MAX (LAPLACE_MAX_SYMBOLS / 2 - 1)
/* Points of the synthesis, latents of the ARM, per chunk of a step. */
#define CHUNK 8192

void latent_fit_defaults(latent_fit_config *c) {
    memset(c, 0, sizeof *c);
    c->levels = 7, c->hidden = 16, c->arm_hidden = 12;
    c->steps = 1000, c->batch = 1 << 16;
    c->lambda = 1e-3f;
    c->lr_latent = 5e-2f, c->lr_mlp = 5e-3f, c->lr_arm = 2e-3f;
    c->soft_from = 0.1f, c->ste_from = 0.8f, c->freeze_from = 0.9f;
    c->t_start = 0.3f, c->t_end = 0.1f;
    c->requantise = 1;
    c->seed = 1;
}

void latent_model_free(latent_model *m) { grid_model_free(&m->syn); }

/* A uniform number in [-1/2, 1/2) for latent i at step t, whatever thread draws it. */
static float noise(uint64_t seed, int t, size_t i) {
    rng r = {seed ^ ((uint64_t)t << 40) ^ (uint64_t)i * 0x2545F4914F6CDD1Dull};
    return rng_uniform(&r) - 0.5f;
}

typedef struct {
    const latent_fit_config *c;
    grid_shape s;
    uint32_t n[3];
    size_t ng, voxels;
    float *y;           /* the latents being trained, in steps of 1 */
    float *yh, *dyh;    /* what the step reads (relaxed or rounded) and its derivative in y */
    float *g;           /* d loss / d yh, then d loss / d y */
    int32_t *q;         /* round(y): the contexts, and finally what is coded */
    int32_t lo[GRID_MAX_LEVELS], hi[GRID_MAX_LEVELS];
    int shift[GRID_MAX_LEVELS];
    float *w, *dw;      /* synthesis MLP */
    float *p, *dp;      /* ARM (float twin) */
    relu_mlp_acts ma;
    arm_float aa;
    float *pos, *feat, *dy, *dfeat, *in, *dout;
    int32_t *ref;
    uint32_t *idx;
} fit_state;

/* Relaxes the latents for step t (phase and temperature from the config),
 * rounds them into q and each level's [lo, hi]. */
static void relax(fit_state *f, int t) {
    const latent_fit_config *c = f->c;
    float u = (float)t / (float)c->steps;
    int soft = u >= c->soft_from && u < c->ste_from, hard = u >= c->ste_from;
    float span = c->ste_from - c->soft_from;
    float temp = span > 0 ? c->t_start + (c->t_end - c->t_start) * (u - c->soft_from) / span : c->t_end;
    soft_round_temp k;
    soft_round_set(&k, temp);
    for (int l = 0; l < f->s.levels; l++) {
        int32_t lo = INT32_MAX, hi = INT32_MIN;
        ptrdiff_t a = (ptrdiff_t)f->s.off[l], b = (ptrdiff_t)f->s.off[l + 1];
        #pragma omp parallel for reduction(min : lo) reduction(max : hi) schedule(static)
        for (ptrdiff_t i = a; i < b; i++) {
            float v = f->y[i];
            v = v < -LATENT_MAX ? -LATENT_MAX : v > LATENT_MAX ? LATENT_MAX : v;
            int32_t q = (int32_t)lrintf(v);
            f->q[i] = q;
            lo = q < lo ? q : lo, hi = q > hi ? q : hi;
            if (hard) {
                f->yh[i] = (float)q, f->dyh[i] = 1.0f;
            } else if (soft) {
                float d1, d2, r = soft_round(v, &k, &d1) + noise(c->seed, t, (size_t)i);
                f->yh[i] = soft_round(r, &k, &d2), f->dyh[i] = d1 * d2;
            } else {
                f->yh[i] = v + noise(c->seed, t, (size_t)i), f->dyh[i] = 1.0f;
            }
        }
        f->lo[l] = lo, f->hi[l] = hi;
    }
}

/* The latents' input shift per level, from their rounded values (ll_pick_shift). */
static void pick_shifts(fit_state *f) {
    for (int l = 0; l < f->s.levels; l++) {
        const int *r = f->s.res[l];
        ll_shape sh = {r[0], r[1], r[2], f->lo[l]};
        f->shift[l] = ll_pick_shift(&sh, f->q + f->s.off[l]);
    }
}

/* The distortion of B random voxels (all of them, in order, when the batch
 * covers the volume): f->g += d MSE / d yh, f->dw += the MLP's gradient;
 * returns the mean squared error. */
static double distortion(fit_state *f, const float *target, rng *r, int B) {
    const int cin = f->s.levels, h = f->c->hidden;
    int all = (size_t)B >= f->voxels;
    size_t total = all ? f->voxels : (size_t)B;
    double se = 0.0;
    for (size_t first = 0; first < total; first += CHUNK) {
        int n = total - first < CHUNK ? (int)(total - first) : CHUNK;
        for (int i = 0; i < n; i++) f->idx[i] = all ? (uint32_t)(first + (size_t)i) : (uint32_t)(rng_next(r) % f->voxels);
        grid_positions(f->pos, f->idx, 0, n, f->n[0], f->n[1], f->n[2]);
        grid_interp_forward(f->feat, f->yh, &f->s, f->pos, n);
        relu_mlp_forward(&f->ma, f->w, f->feat, n, cin, h, 1);
        for (int i = 0; i < n; i++) {
            float e = f->ma.out[i] - target[f->idx[i]];
            se += (double)e * e;
            f->dy[i] = 2.0f * e / (float)total;
        }
        memset(f->dfeat, 0, (size_t)n * cin * sizeof *f->dfeat);
        relu_mlp_backward(&f->ma, f->w, f->dw, f->feat, f->dy, f->dfeat, n, cin, h, 1);
        grid_interp_backward(f->g, f->dfeat, &f->s, f->pos, n);
    }
    return se / (double)total;
}

/* The rate of a run of each level's latents, as long a fraction of the level
 * as B is of the volume (all when the batch covers it), starting at a random
 * latent: f->g += lambda / voxels d bits / d yh (scaled up to the whole),
 * f->dp += the ARM's gradient. The context is read from the rounded latents
 * q, as the coder reads it, and gets no gradient: only the coded value and
 * the ARM's weights learn from the rate. Returns the bits of all latents
 * (estimated from the runs). */
static double rate(fit_state *f, rng *r, int B) {
    const latent_fit_config *c = f->c;
    double frac = (size_t)B >= f->voxels ? 1.0 : (double)B / (double)f->voxels, bits = 0.0;
    float wt = (float)(c->lambda / ((double)f->voxels * frac));
    for (int l = 0; l < f->s.levels; l++) {
        const int *res = f->s.res[l];
        ll_shape sh = {res[0], res[1], res[2], f->lo[l]};
        size_t nl = f->s.off[l + 1] - f->s.off[l], run = (size_t)ceil(frac * (double)nl);
        size_t start = run < nl ? (size_t)(rng_next(r) % nl) : 0;
        const int32_t *q = f->q + f->s.off[l];
        double lb = 0.0;
        for (size_t first = 0; first < run; first += CHUNK) {
            int n = run - first < CHUNK ? (int)(run - first) : CHUNK;
            #pragma omp parallel for schedule(static)
            for (int i = 0; i < n; i++) {
                size_t k = (start + first + (size_t)i) % nl;
                int x = (int)(k % sh.nx), y = (int)(k / sh.nx % sh.ny), z = (int)(k / ((size_t)sh.nx * sh.ny));
                f->idx[i] = (uint32_t)k;
                f->ref[i] = ll_inputs(&sh, q, x, y, z, f->shift[l], f->in + (size_t)i * LL_CTX);
            }
            arm_float_forward(&f->aa, f->p, f->in, n);
            double sum = 0.0;
            #pragma omp parallel for reduction(+ : sum) schedule(static)
            for (int i = 0; i < n; i++) {
                size_t k = f->s.off[l] + f->idx[i];
                double d[2], dx;
                sum += arm_float_rate(f->aa.m.out + 2 * i, f->ref[i], f->shift[l], f->yh[k], f->lo[l],
                                      f->hi[l], d, &dx);
                f->dout[2 * i] = (float)d[0] * wt, f->dout[2 * i + 1] = (float)d[1] * wt;
                f->g[k] += (float)dx * wt;
            }
            arm_float_backward(&f->aa, f->p, f->in, f->dout, n, f->dp);
            lb += sum;
        }
        bits += lb / frac;
    }
    return bits;
}

/* Candidates around each finest latent that the re-quantisation weighs. */
#define RDQ_SPAN 2
#define RDQ_N (2 * RDQ_SPAN + 1)

/* Rate-distortion re-quantisation of the finest level, with everything else
 * final (the binary16 MLP, the integer ARM m->arm): the finest level has a
 * node on every voxel, so its latent moves that voxel's value alone. For each
 * latent, in the coder's raster order, the value within RDQ_SPAN of it and
 * within the level's [lo, hi] that minimises
 *     (decoded - target)^2 + lambda bits,
 * the bits under the Laplace the integer ARM predicts from the latents before
 * it, as the coder will (their values already chosen). Greedy: a choice's
 * effect on the contexts of the latents after it is not weighed. */
static e2ec_status requantise_finest(fit_state *f, const float *target, const arm_int *arm) {
    const int L = f->s.levels - 1, cin = f->s.levels, h = f->c->hidden;
    const int *r = f->s.res[L];
    const size_t plane = (size_t)r[0] * r[1];
    int32_t *q = f->q + f->s.off[L];
    /* one plane's candidates at a time (the level is the volume's grid) */
    float *err = malloc(plane * RDQ_N * sizeof *err);
    if (!err) return E2EC_ERR_NOMEM;
    for (size_t i = 0; i < f->s.off[f->s.levels]; i++) f->yh[i] = (float)f->q[i];
    ll_shape sh = {r[0], r[1], r[2], f->lo[L]};
    const double lambda = f->c->lambda;
    for (int z = 0; z < r[2]; z++) {
        /* the squared error of each candidate, the decode clamped to [0, 1] as grid_decode does */
        for (size_t at = 0; at < plane; at += CHUNK) {
            int n = plane - at < CHUNK ? (int)(plane - at) : CHUNK;
            size_t first = plane * (size_t)z + at;
            grid_positions(f->pos, NULL, first, n, f->n[0], f->n[1], f->n[2]);
            grid_interp_forward(f->feat, f->yh, &f->s, f->pos, n);
            for (int k = 0; k < RDQ_N; k++) {
                for (int i = 0; i < n; i++)
                    f->feat[(size_t)i * cin + L] = (float)(q[first + (size_t)i] + k - RDQ_SPAN);
                relu_mlp_forward(&f->ma, f->w, f->feat, n, cin, h, 1);
                for (int i = 0; i < n; i++) {
                    float y = f->ma.out[i] < 0.0f ? 0.0f : f->ma.out[i] > 1.0f ? 1.0f : f->ma.out[i];
                    float e = y - target[first + (size_t)i];
                    err[(at + (size_t)i) * RDQ_N + (size_t)k] = e * e;
                }
            }
        }
        for (int y = 0; y < r[1]; y++)
            for (int x = 0; x < r[0]; x++) {
                size_t j = (size_t)x + (size_t)r[0] * y, i = plane * (size_t)z + j;
                int64_t mu;
                int32_t lb;
                ll_predict(&sh, q, x, y, z, f->shift[L], arm, &mu, &lb);
                double best = INFINITY, dmu, dlb;
                int32_t pick = q[i];
                for (int k = 0; k < RDQ_N; k++) {
                    int32_t v = q[i] + k - RDQ_SPAN;
                    if (v < f->lo[L] || v > f->hi[L]) continue;
                    double cost = err[j * RDQ_N + (size_t)k] +
                                  lambda * laplace_rate(v, f->lo[L], f->hi[L], (double)mu / LAPLACE_FRAC,
                                                        (double)lb / LAPLACE_FRAC, &dmu, &dlb);
                    if (cost < best) best = cost, pick = v;
                }
                q[i] = pick;
            }
    }
    free(err);
    return E2EC_OK;
}

static void state_free(fit_state *f) {
    free(f->y), free(f->yh), free(f->dyh), free(f->g), free(f->q), free(f->w), free(f->dw);
    free(f->p), free(f->dp), free(f->pos), free(f->feat), free(f->dy), free(f->dfeat), free(f->in);
    free(f->dout), free(f->ref), free(f->idx);
    relu_mlp_free(&f->ma), arm_float_free(&f->aa);
}

e2ec_status latent_fit(const float *target, uint32_t nx, uint32_t ny, uint32_t nz,
                       const float sp[3], const latent_fit_config *c, latent_model *m) {
    memset(m, 0, sizeof *m);
    fit_state f = {.c = c, .n = {nx, ny, nz}};
    e2ec_status st = latent_shape_for(c->levels, nx, ny, nz, sp, &f.s);
    if (st) return st;
    if (c->hidden < 1 || c->hidden > E2EC_MAX_GRID_HIDDEN || c->arm_hidden < 1 ||
        c->arm_hidden > ARM_MAX_HIDDEN || c->steps < 1 || c->batch < 1 || !(c->lambda >= 0.0f) ||
        !(c->soft_from >= 0.0f && c->soft_from <= c->ste_from && c->ste_from <= c->freeze_from &&
          c->freeze_from <= 1.0f) ||
        !(c->t_start > 0.0f && c->t_end > 0.0f))
        return E2EC_ERR_ARG;
    f.ng = f.s.off[f.s.levels], f.voxels = (size_t)nx * ny * nz;
    if (f.voxels > UINT32_MAX) return E2EC_ERR_LIMIT; /* batch indices are 32-bit */
    int saved = threads_enter(c->threads);
    const int cin = f.s.levels, h = c->hidden, np = arm_param_count(LL_CTX, c->arm_hidden);
    size_t nw = grid_mlp_size(cin, h), ng = f.ng;
    f.y = calloc(ng, sizeof *f.y), f.yh = malloc(ng * sizeof *f.yh), f.dyh = malloc(ng * sizeof *f.dyh);
    f.g = malloc(ng * sizeof *f.g), f.q = malloc(ng * sizeof *f.q);
    f.w = malloc(nw * sizeof *f.w), f.dw = malloc(nw * sizeof *f.dw);
    f.p = malloc((size_t)np * sizeof *f.p), f.dp = malloc((size_t)np * sizeof *f.dp);
    f.pos = malloc(CHUNK * 3 * sizeof *f.pos), f.dy = malloc(CHUNK * sizeof *f.dy);
    f.feat = malloc((size_t)CHUNK * cin * sizeof *f.feat);
    f.dfeat = malloc((size_t)CHUNK * cin * sizeof *f.dfeat);
    f.in = malloc((size_t)CHUNK * LL_CTX * sizeof *f.in), f.dout = malloc(CHUNK * 2 * sizeof *f.dout);
    f.ref = malloc(CHUNK * sizeof *f.ref), f.idx = malloc(CHUNK * sizeof *f.idx);
    adam_state ay = {0}, aw = {0}, ap = {0};
    int bad = relu_mlp_alloc(&f.ma, CHUNK, h, 1, 1) |
              arm_float_alloc(&f.aa, CHUNK, LL_CTX, c->arm_hidden);
    if (bad || !f.y || !f.yh || !f.dyh || !f.g || !f.q || !f.w || !f.dw || !f.p || !f.dp || !f.pos ||
        !f.dy || !f.feat || !f.dfeat || !f.in || !f.dout || !f.ref || !f.idx || adam_init(&ay, ng, c->lr_latent) ||
        adam_init(&aw, nw, c->lr_mlp) || adam_init(&ap, (size_t)np, c->lr_arm)) {
        st = E2EC_ERR_NOMEM;
        goto done;
    }
    rng r = {c->seed};
    grid_mlp_init(f.w, cin, h, &r);
    arm_float_init(f.p, LL_CTX, c->arm_hidden, &r);
    int soft = (int)(c->soft_from * (float)c->steps), ste = (int)(c->ste_from * (float)c->steps),
        frz = (int)(c->freeze_from * (float)c->steps);
    double mse_acc = 0.0, t0 = omp_get_wtime();
    int mse_steps = 0;
    for (int step = 0; step < c->steps; step++) {
        int frozen = step >= frz;
        if (step <= frz) relax(&f, step); /* frozen: q, yh as the first frozen step left them */
        if (step == 0 || step == soft || step == ste || step == frz) pick_shifts(&f);
        memset(f.g, 0, ng * sizeof *f.g), memset(f.dw, 0, nw * sizeof *f.dw);
        memset(f.dp, 0, (size_t)np * sizeof *f.dp);
        mse_acc += distortion(&f, target, &r, c->batch), mse_steps++;
        rate(&f, &r, c->batch);
        float decay = 0.5f * (1.0f + cosf((float)M_PI * (float)step / (float)c->steps));
        if (!frozen) {
            #pragma omp parallel for schedule(static)
            for (size_t i = 0; i < ng; i++) f.g[i] *= f.dyh[i];
            ay.lr = c->lr_latent * decay;
            adam_step(&ay, f.y, f.g);
        }
        aw.lr = c->lr_mlp * decay, ap.lr = c->lr_arm * decay;
        adam_step(&aw, f.w, f.dw);
        adam_step(&ap, f.p, f.dp);
        if (fit_progress(c->progress, c->progress_user, c->progress_every, step, c->steps,
                         &mse_acc, &mse_steps, t0)) {
            st = E2EC_ERR_CANCELLED;
            goto done;
        }
    }
    st = arm_int_quantise(&m->arm, LL_CTX, c->arm_hidden, f.p);
    if (st) goto done;
    for (size_t i = 0; i < nw; i++) f.w[i] = half_to_float(half_from_float(f.w[i]));
    if (c->requantise) st = requantise_finest(&f, target, &m->arm);
    if (st) goto done;
    for (int l = 0; l < f.s.levels; l++) m->shift[l] = f.shift[l], m->lo[l] = f.lo[l], m->hi[l] = f.hi[l];
    m->syn = (grid_model){.shape = f.s, .delta = 1.0f, .hidden = h, .q = f.q, .mlp = f.w};
    f.q = NULL, f.w = NULL;
done:
    adam_free(&ay), adam_free(&aw), adam_free(&ap);
    state_free(&f);
    threads_leave(saved);
    return st;
}
