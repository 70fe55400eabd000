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

void latent_fit_defaults(latent_fit_config *c) {
    memset(c, 0, sizeof *c);
    c->levels = 7, c->hidden = 16, c->arm_hidden = 12;
    c->passes = 30, c->batch = 1 << 14;
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

/* What one step trains on: a tile of the volume, whole rows (y0..y1) of
 * whole or part planes (z0..z1), and per level the node rows its
 * interpolation reads (those latents are relaxed, get gradients and are
 * updated) and the rows it owns (whose rate it counts: every row of a level
 * is owned by one tile). Ranges are [first, last], empty when first > last. */
typedef struct {
    uint32_t lo[2], hi[2];              /* volume rows y in [lo[0], hi[0]), planes z in [lo[1], hi[1]) */
    int read[GRID_MAX_LEVELS][2][2];    /* [level][y, z][first, last] */
    int own[GRID_MAX_LEVELS][2][2];
} tile;

typedef struct {
    const latent_fit_config *c;
    int steps;          /* Adam steps: passes x tiles */
    grid_shape s;
    uint32_t n[3];
    size_t ng;
    float *y;           /* the latents being trained, in steps of 1 */
    float *yh, *dyh;    /* what the step reads (relaxed or rounded) and its derivative in y */
    float *g;           /* d loss / d yh, then d loss / d y */
    int32_t *q;         /* round(y): the contexts, and finally what is coded */
    int32_t lo[GRID_MAX_LEVELS], hi[GRID_MAX_LEVELS];
    int shift[GRID_MAX_LEVELS];
    int *last;          /* the step each row of each level was last updated at (-1: never) */
    size_t row_at[GRID_MAX_LEVELS]; /* level l's first entry in last */
    float *w, *dw;      /* synthesis MLP */
    float *p, *dp;      /* ARM (float twin) */
    relu_mlp_acts ma;
    arm_float aa;
    float *pos, *feat, *dy, *dfeat, *in, *dout;
    int32_t *ref;
} fit_state;

/* The node below volume row/plane v along axis a (1: y, 2: z) in level l, as
 * grid_interp's corners() finds it from grid_positions' coordinate (the same
 * float arithmetic). */
static int node_below(const fit_state *f, int l, int a, uint32_t v) {
    int r = f->s.res[l][a];
    float p = (float)v * (1.0f / (float)(f->n[a] - 1)), u = p * (float)(r - 1);
    int i = (int)u;
    return i > r - 2 ? r - 2 : i;
}

/* The tile of volume rows [y0, y1) of planes [z0, z1): the level rows it
 * reads and owns. Along each axis, node k of a level is owned by the tile
 * holding volume row/plane floor(k (n - 1) / (r - 1)), one of those that read it. */
static tile tile_of(const fit_state *f, uint32_t y0, uint32_t y1, uint32_t z0, uint32_t z1) {
    tile t = {.lo = {y0, z0}, .hi = {y1, z1}};
    for (int l = 0; l < f->s.levels; l++)
        for (int a = 0; a < 2; a++) {
            int r = f->s.res[l][a + 1], first = r, last = -1;
            for (int k = 0; k < r; k++) {
                uint64_t v = (uint64_t)k * (f->n[a + 1] - 1) / (uint64_t)(r - 1);
                if (v >= t.lo[a] && v < t.hi[a]) first = k < first ? k : first, last = k;
            }
            int r0 = node_below(f, l, a + 1, t.lo[a]), r1 = node_below(f, l, a + 1, t.hi[a] - 1) + 1;
            t.own[l][a][0] = first, t.own[l][a][1] = last;
            if (first <= last) r0 = first < r0 ? first : r0, r1 = last > r1 ? last : r1;
            t.read[l][a][0] = r0, t.read[l][a][1] = r1;
        }
    return t;
}

/* Level l's latents of rows r[0] (y) by planes r[1] (z), one contiguous run
 * of whole rows per plane: fn(f, run's first latent, its length, l, arg). */
typedef void run_fn(fit_state *f, size_t first, size_t n, int l, void *arg);
static void for_runs(fit_state *f, int l, const int r[2][2], run_fn *fn, void *arg) {
    if (r[0][0] > r[0][1]) return;
    size_t rx = (size_t)f->s.res[l][0], plane = rx * (size_t)f->s.res[l][1];
    for (int k = r[1][0]; k <= r[1][1]; k++)
        fn(f, f->s.off[l] + plane * (size_t)k + rx * (size_t)r[0][0],
           rx * (size_t)(r[0][1] - r[0][0] + 1), l, arg);
}

/* The latents [a, a + n) of level l relaxed for step *(int *)step (phase and
 * temperature from the config) into yh and dyh, rounded into q; the level's
 * [lo, hi] widened to hold them. */
static void relax(fit_state *f, size_t a, size_t n, int l, void *step) {
    const latent_fit_config *c = f->c;
    int t = *(const int *)step;
    float u = (float)t / (float)f->steps;
    int soft = u >= c->soft_from && u < c->ste_from, hard = u >= c->ste_from;
    float span = c->ste_from - c->soft_from;
    float temp = span > 0 ? c->t_start + (c->t_end - c->t_start) * (u - c->soft_from) / span : c->t_end;
    soft_round_temp sr;
    soft_round_set(&sr, temp);
    int32_t lo = f->lo[l], hi = f->hi[l];
    #pragma omp parallel for reduction(min : lo) reduction(max : hi) schedule(static) if (n >= 4096)
    for (ptrdiff_t i = (ptrdiff_t)a; i < (ptrdiff_t)(a + n); i++) {
        float v = f->y[i];
        v = v < -LATENT_MAX ? -LATENT_MAX : v > LATENT_MAX ? LATENT_MAX : v;
        int32_t q = (int32_t)lrintf(v);
        f->q[i] = q;
        lo = q < lo ? q : lo, hi = q > hi ? q : hi;
        if (hard) {
            f->yh[i] = (float)q, f->dyh[i] = 1.0f;
        } else if (soft) {
            float d1, d2, r = soft_round(v, &sr, &d1) + noise(c->seed, t, (size_t)i);
            f->yh[i] = soft_round(r, &sr, &d2), f->dyh[i] = d1 * d2;
        } else {
            f->yh[i] = v + noise(c->seed, t, (size_t)i), f->dyh[i] = 1.0f;
        }
    }
    f->lo[l] = lo, f->hi[l] = hi;
}

/* Every latent relaxed for step t, each level's [lo, hi] exactly its range. */
static void relax_all(fit_state *f, int t) {
    for (int l = 0; l < f->s.levels; l++) {
        f->lo[l] = INT32_MAX, f->hi[l] = INT32_MIN;
        relax(f, f->s.off[l], f->s.off[l + 1] - f->s.off[l], l, &t);
    }
}

static void zero_grad(fit_state *f, size_t a, size_t n, int l, void *arg) {
    (void)l, (void)arg;
    memset(f->g + a, 0, n * sizeof *f->g);
}

/* The latents' input shift per level, from their rounded values (ll_pick_shift). */
static void pick_shifts(fit_state *f) {
    for (int l = 0; l < f->s.levels; l++) {
        const int *r = f->s.res[l];
        ll_shape sh = {r[0], r[1], r[2], f->lo[l]};
        f->shift[l] = ll_pick_shift(&sh, f->q + f->s.off[l]);
    }
}

/* The distortion of the tile's voxels: f->g += d MSE / d yh, f->dw += the
 * MLP's gradient (the MSE over the tile); returns the sum of squared errors. */
static double distortion(fit_state *f, const float *target, const tile *t, size_t total) {
    const int cin = f->s.levels, h = f->c->hidden;
    size_t nx = f->n[0], run = nx * (t->hi[0] - t->lo[0]);
    double se = 0.0;
    for (uint32_t z = t->lo[1]; z < t->hi[1]; z++)
        for (size_t at = 0; at < run; at += LATENT_FIT_CHUNK) {
            int n = run - at < LATENT_FIT_CHUNK ? (int)(run - at) : LATENT_FIT_CHUNK;
            size_t first = nx * ((size_t)f->n[1] * z + t->lo[0]) + at;
            grid_positions(f->pos, NULL, first, n, f->n[0], f->n[1], f->n[2]);
            grid_interp_forward(f->feat, f->yh, &f->s, f->pos, n);
            relu_mlp_forward(&f->ma, f->w, f->feat, n, cin, h, 1);
            /* the decoder clamps to [0, 1]: an output beyond the end of the
             * range its target sits at costs nothing (a scan's background is
             * free to lie anywhere below 0); any other is pulled to its target */
            for (int i = 0; i < n; i++) {
                float o = f->ma.out[i], t = target[first + (size_t)i];
                float e = (o < 0.0f ? 0.0f : o > 1.0f ? 1.0f : o) - t;
                se += (double)e * e;
                f->dy[i] = e == 0.0f ? 0.0f : 2.0f * (o - t) / (float)total;
            }
            memset(f->dfeat, 0, (size_t)n * cin * sizeof *f->dfeat);
            relu_mlp_backward(&f->ma, f->w, f->dw, f->feat, f->dy, f->dfeat, n, cin, h, 1);
            grid_interp_backward(f->g, f->dfeat, &f->s, f->pos, n);
        }
    return se;
}

/* The rate of a run of latents the tile owns, weighted as its share of the
 * loss (*(float *)wt = lambda / the tile's voxels): f->g += its derivative
 * in yh, f->dp += the ARM's gradient. The context is read from the rounded
 * latents q, as the coder reads it, and gets no gradient: only the coded
 * value and the ARM's weights learn from the rate. */
static void rate(fit_state *f, size_t start, size_t run, int l, void *wt_) {
    const float wt = *(const float *)wt_;
    const int *res = f->s.res[l];
    ll_shape sh = {res[0], res[1], res[2], f->lo[l]};
    const int32_t *q = f->q + f->s.off[l];
    start -= f->s.off[l];
    for (size_t first = 0; first < run; first += LATENT_FIT_CHUNK) {
        int n = run - first < LATENT_FIT_CHUNK ? (int)(run - first) : LATENT_FIT_CHUNK;
        #pragma omp parallel for schedule(static)
        for (int i = 0; i < n; i++) {
            size_t j = start + first + (size_t)i;
            int x = (int)(j % sh.nx), y = (int)(j / sh.nx % sh.ny), z = (int)(j / ((size_t)sh.nx * sh.ny));
            f->ref[i] = ll_inputs(&sh, q, x, y, z, f->shift[l], f->in + (size_t)i * LL_CTX);
        }
        arm_float_forward(&f->aa, f->p, f->in, n);
        #pragma omp parallel for schedule(static)
        for (int i = 0; i < n; i++) {
            size_t j = f->s.off[l] + start + first + (size_t)i;
            double d[2], dx;
            arm_float_rate(f->aa.m.out + 2 * i, f->ref[i], f->shift[l], f->yh[j], f->lo[l], f->hi[l], d, &dx);
            f->dout[2 * i] = (float)d[0] * wt, f->dout[2 * i + 1] = (float)d[1] * wt;
            f->g[j] += (float)dx * wt;
        }
        arm_float_backward(&f->aa, f->p, f->in, f->dout, n, f->dp);
    }
}

/* Adam for a run of latents the tile reads (the state's step set by the
 * caller), catching up on the steps since its rows' last update
 * (adam_step_range; a tile's runs are whole rows, updated together). */
static void step_latents(fit_state *f, size_t first, size_t n, int l, void *a_) {
    adam_state *a = a_;
    size_t rx = (size_t)f->s.res[l][0];
    int *last = f->last + f->row_at[l] + (first - f->s.off[l]) / rx;
    int step = a->t - 1;
    #pragma omp parallel for schedule(static) if (n >= 4096)
    for (size_t i = first; i < first + n; i++) f->g[i] *= f->dyh[i];
    adam_step_range(a, f->y, f->g, first, n, *last < 0 ? 0 : step - *last - 1);
    for (size_t r = 0; r < n / rx; r++) last[r] = step;
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
        for (size_t at = 0; at < plane; at += LATENT_FIT_CHUNK) {
            int n = plane - at < LATENT_FIT_CHUNK ? (int)(plane - at) : LATENT_FIT_CHUNK;
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

/* A tile's rows and planes: batch voxels or the nearest whole number of
 * planes, or of rows of one plane when a plane holds more (at least one row). */
static void tile_size(const uint32_t n[3], size_t batch, uint32_t *rows, uint32_t *planes) {
    size_t plane = (size_t)n[0] * n[1];
    if (batch < plane) {
        size_t r = (batch + n[0] / 2) / n[0];
        *rows = r < 1 ? 1 : (uint32_t)r, *planes = 1;
    } else {
        size_t k = (batch + plane / 2) / plane;
        *rows = n[1], *planes = k > n[2] ? n[2] : (uint32_t)k;
    }
}

static void state_free(fit_state *f) {
    free(f->y), free(f->yh), free(f->dyh), free(f->g), free(f->q), free(f->w), free(f->dw);
    free(f->p), free(f->dp), free(f->pos), free(f->feat), free(f->dy), free(f->dfeat), free(f->in);
    free(f->dout), free(f->ref), free(f->last);
    relu_mlp_free(&f->ma), arm_float_free(&f->aa);
}

e2ec_status latent_fit(const float *target, uint32_t nx, uint32_t ny, uint32_t nz,
                       const float sp[3], const latent_fit_config *c, latent_model *m) {
    memset(m, 0, sizeof *m);
    fit_state f = {.c = c, .n = {nx, ny, nz}};
    e2ec_status st = latent_shape_for(c->levels, nx, ny, nz, sp, &f.s);
    if (st) return st;
    if (c->hidden < 1 || c->hidden > E2EC_MAX_GRID_HIDDEN || c->arm_hidden < 1 ||
        c->arm_hidden > ARM_MAX_HIDDEN || c->passes < 1 || c->batch < 1 || !(c->lambda >= 0.0f) ||
        !(c->soft_from >= 0.0f && c->soft_from <= c->ste_from && c->ste_from <= c->freeze_from &&
          c->freeze_from <= 1.0f) ||
        !(c->t_start > 0.0f && c->t_end > 0.0f))
        return E2EC_ERR_ARG;
    f.ng = f.s.off[f.s.levels];
    uint32_t rows, planes;
    tile_size(f.n, (size_t)c->batch, &rows, &planes);
    uint32_t bands = (ny + rows - 1) / rows, ntiles = bands * ((nz + planes - 1) / planes);
    if ((uint64_t)c->passes * ntiles > INT32_MAX / 2) return E2EC_ERR_LIMIT;
    const int steps = f.steps = c->passes * (int)ntiles;
    size_t nrows = 0;
    for (int l = 0; l < f.s.levels; l++) f.row_at[l] = nrows, nrows += (size_t)f.s.res[l][1] * f.s.res[l][2];
    int saved = threads_enter(c->threads);
    const int cin = f.s.levels, h = c->hidden, np = arm_param_count(LL_CTX, c->arm_hidden);
    size_t nw = grid_mlp_size(cin, h), ng = f.ng;
    f.y = calloc(ng, sizeof *f.y), f.yh = malloc(ng * sizeof *f.yh), f.dyh = malloc(ng * sizeof *f.dyh);
    f.g = malloc(ng * sizeof *f.g), f.q = malloc(ng * sizeof *f.q);
    f.w = malloc(nw * sizeof *f.w), f.dw = malloc(nw * sizeof *f.dw);
    f.p = malloc((size_t)np * sizeof *f.p), f.dp = malloc((size_t)np * sizeof *f.dp);
    f.pos = malloc(LATENT_FIT_CHUNK * 3 * sizeof *f.pos), f.dy = malloc(LATENT_FIT_CHUNK * sizeof *f.dy);
    f.feat = malloc((size_t)LATENT_FIT_CHUNK * cin * sizeof *f.feat);
    f.dfeat = malloc((size_t)LATENT_FIT_CHUNK * cin * sizeof *f.dfeat);
    f.in = malloc((size_t)LATENT_FIT_CHUNK * LL_CTX * sizeof *f.in), f.dout = malloc(LATENT_FIT_CHUNK * 2 * sizeof *f.dout);
    f.ref = malloc(LATENT_FIT_CHUNK * sizeof *f.ref);
    f.last = malloc(nrows * sizeof *f.last);
    uint32_t *order = malloc(ntiles * sizeof *order);
    adam_state ay = {0}, aw = {0}, ap = {0};
    int bad = relu_mlp_alloc(&f.ma, LATENT_FIT_CHUNK, h, 1, 1) |
              arm_float_alloc(&f.aa, LATENT_FIT_CHUNK, LL_CTX, c->arm_hidden);
    if (bad || !f.y || !f.yh || !f.dyh || !f.g || !f.q || !f.w || !f.dw || !f.p || !f.dp || !f.pos ||
        !f.dy || !f.feat || !f.dfeat || !f.in || !f.dout || !f.ref || !f.last || !order || adam_init(&ay, ng, c->lr_latent) ||
        adam_init(&aw, nw, c->lr_mlp) || adam_init(&ap, (size_t)np, c->lr_arm)) {
        st = E2EC_ERR_NOMEM;
        goto done;
    }
    rng r = {c->seed};
    grid_mlp_init(f.w, cin, h, &r);
    arm_float_init(f.p, LL_CTX, c->arm_hidden, &r);
    int soft = (int)(c->soft_from * (float)steps), ste = (int)(c->ste_from * (float)steps),
        frz = (int)(c->freeze_from * (float)steps);
    double mse_acc = 0.0, t0 = omp_get_wtime();
    int mse_steps = 0;
    for (uint32_t i = 0; i < ntiles; i++) order[i] = i;
    for (size_t i = 0; i < nrows; i++) f.last[i] = -1;
    for (int step = 0; step < steps; step++) {
        /* each pass over the volume visits its tiles in a new random order */
        uint32_t at = (uint32_t)step % ntiles;
        if (at == 0)
            for (uint32_t i = ntiles - 1; i > 0; i--) {
                uint32_t j = (uint32_t)(rng_next(&r) % (i + 1)), t = order[i];
                order[i] = order[j], order[j] = t;
            }
        uint32_t y0 = order[at] % bands * rows, z0 = order[at] / bands * planes;
        tile t = tile_of(&f, y0, y0 + rows < ny ? y0 + rows : ny, z0, z0 + planes < nz ? z0 + planes : nz);
        size_t tv = (size_t)nx * (t.hi[0] - t.lo[0]) * (t.hi[1] - t.lo[1]);
        int frozen = step >= frz;
        /* at each phase's start every latent is relaxed and the shifts chosen
         * again; frozen, q and yh stay as the first frozen step left them */
        if (step == 0 || step == soft || step == ste || step == frz) {
            relax_all(&f, step);
            pick_shifts(&f);
        } else if (!frozen) {
            for (int l = 0; l < f.s.levels; l++) for_runs(&f, l, t.read[l], relax, &step);
        }
        for (int l = 0; l < f.s.levels; l++) for_runs(&f, l, t.read[l], zero_grad, NULL);
        memset(f.dw, 0, nw * sizeof *f.dw), memset(f.dp, 0, (size_t)np * sizeof *f.dp);
        mse_acc += distortion(&f, target, &t, tv) / (double)tv, mse_steps++;
        float wt = (float)(c->lambda / (double)tv);
        for (int l = 0; l < f.s.levels; l++) for_runs(&f, l, t.own[l], rate, &wt);
        float decay = 0.5f * (1.0f + cosf((float)M_PI * (float)step / (float)steps));
        if (!frozen) {
            ay.lr = c->lr_latent * decay, ay.t = step + 1;
            for (int l = 0; l < f.s.levels; l++) for_runs(&f, l, t.read[l], step_latents, &ay);
        }
        aw.lr = c->lr_mlp * decay, ap.lr = c->lr_arm * decay;
        adam_step(&aw, f.w, f.dw);
        adam_step(&ap, f.p, f.dp);
        /* progress (and a chance to cancel) at the end of each pass */
        if ((step + 1) % (int)ntiles == 0 &&
            fit_progress(c->progress, c->progress_user, c->progress_every, (step + 1) / (int)ntiles - 1,
                         c->passes, &mse_acc, &mse_steps, t0)) {
            st = E2EC_ERR_CANCELLED;
            goto done;
        }
    }
    if (frz >= steps) { /* never frozen: what is coded is the last step's latents, rounded */
        relax_all(&f, steps);
        pick_shifts(&f);
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
    free(order);
    adam_free(&ay), adam_free(&aw), adam_free(&ap);
    state_free(&f);
    threads_leave(saved);
    return st;
}
