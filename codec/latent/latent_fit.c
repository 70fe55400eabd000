/* Fitting the latent mode's model (see latent_fit.h). */
#include "latent_fit.h"

#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "arm_refit.h"
#include "arm_steps.h"
#include "caps.h"
#include "ent/arm_float.h"
#include "ent/laplace_int.h"
#include "ent/laplace_rate.h"
#include "grid_mlp.h"
#include "latent_start.h"
#include "mlp_steps.h"
#include "nn/relu_mlp.h"
#include "lossless/ll_fit.h"
#include "lossless/ll_model.h"
#include "rng.h"
#include "soft_round.h"
#include "threads.h"

/* The latents' alphabet while training: any level's [lo, hi] then stays
 * within LAPLACE_MAX_SYMBOLS, as the coder needs. */
#define LATENT_MAX (LAPLACE_MAX_SYMBOLS / 2 - 1)

float latent_start_unit(float lambda, float k) {
    float l = lambda > 1e-6f ? lambda : 1e-6f, f = l / LATENT_START_FULL_LAMBDA;
    f = f > 1.0f ? 1.0f : f < 0.25f ? 0.25f : f;
    return k * f * sqrtf(l);
}

void latent_fit_defaults(latent_fit_config *c) {
    memset(c, 0, sizeof *c);
    c->levels = 7, c->hidden = 16, c->arm_hidden = 12;
    c->passes = LATENT_FIT_PASSES, c->batch = 1 << 14, c->strips = 32;
    c->lambda = LATENT_FIT_LAMBDA;
    c->lr_latent = 5e-2f, c->lr_mlp = 5e-3f, c->lr_arm = 2e-3f;
    c->upsample = LATENT_UPSAMPLE_CUBIC_XY, c->lr_keys = 1e-3f;
    c->soft_from = 0.1f, c->ste_from = 0.8f, c->freeze_from = 0.9f;
    c->t_start = 0.3f, c->t_end = 0.1f;
    c->start_step = LATENT_START_STEP;
    c->requantise = 1, c->arm_choice = LATENT_ARM_REFIT;
    c->seed = 1;
}

void latent_model_free(latent_model *m) { grid_model_free(&m->syn), value_map_free(&m->map); }

/* A uniform number in [-1/2, 1/2) for latent i at step t, whatever thread draws it. */
static float noise(uint64_t seed, int t, size_t i) {
    rng r = {seed ^ ((uint64_t)t << 40) ^ (uint64_t)i * 0x2545F4914F6CDD1Dull};
    return rng_uniform(&r) - 0.5f;
}

/* What one step trains on is a few strips drawn at random from the whole
 * volume: a strip is whole voxel rows y in [lo[0], hi[0]) of one plane
 * z = lo[1] (hi[1] = z + 1). Per level it reads the node rows its
 * interpolation reads (those latents are relaxed, get gradients and are
 * updated) and owns some (whose rate it counts: the strips cut the volume, and
 * every node row of a level is owned by one strip). Ranges are [first, last],
 * empty when first > last. */
typedef struct {
    uint32_t lo[2], hi[2];              /* rows y in [lo[0], hi[0]) of plane z = lo[1] = hi[1] - 1 */
    int read[GRID_MAX_LEVELS][2][2];    /* [level][y, z][first, last] */
    int own[GRID_MAX_LEVELS][2][2];
} strip;

/* A run of consecutive indices: latents of level l (node rows a step reads
 * that were last updated at the same step, or that a strip owns), or voxels
 * (a strip's). */
typedef struct {
    size_t first, n;
    int l;
} latent_run;

typedef struct {
    const latent_fit_config *c;
    int steps;          /* Adam steps: passes x steps a pass */
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
    size_t row_at[GRID_MAX_LEVELS + 1]; /* level l's first entry in last; [levels]: the rows */
    float *w, *dw;      /* synthesis MLP */
    float *p, *dp;      /* ARM (float twin) */
    relu_mlp_acts ma;
    arm_float aa;
    grid_axes ax;       /* where the voxels fall in each level */
    int learn_keys;     /* the cubic axes' parameters (s.keys) still learn */
    double dkeys[GRID_MAX_LEVELS][3]; /* d loss / d s.keys */
    float *feat, *dy, *dfeat, *in, *dout;
    int32_t *ref;
    uint32_t *idx;      /* a chunk's voxels or latents */
    int8_t *lev;        /* a chunk's latents' levels */
    int *stamp;         /* per row of every level, the step that last read it */
    size_t *ids;        /* the rows a step reads */
    latent_run *runs;
} fit_state;

/* The nodes along axis a (1: y, 2: z) of level l that volume row/plane v
 * reads with a nonzero weight, [*k0, *k1], from the taps grid_interp reads
 * (grid_axis_taps): the node below and the one above, or a cubic axis's
 * four, less any whose weight is exactly 0 (on a node: that node alone). A
 * node read with weight 0 gets no gradient, so its row need not be stepped. */
static void nodes_read(const fit_state *f, int l, int a, uint32_t v, int *k0, int *k1) {
    int32_t node[4];
    float w[4];
    int n = grid_axis_taps(&f->s, &f->ax, l, a, v, node, w, NULL);
    *k0 = INT32_MAX, *k1 = -1;
    for (int j = 0; j < n; j++)
        if (w[j] != 0.0f) *k0 = node[j] < *k0 ? node[j] : *k0, *k1 = node[j] > *k1 ? node[j] : *k1;
}

/* The strip of volume rows [y0, y1) of plane z: the level rows it reads
 * and owns. Along each axis, node k of a level is owned by the strip holding
 * volume row/plane floor(k (n - 1) / (r - 1)), one of those that read it:
 * the nodes with lo <= k (n - 1) / (r - 1) < hi. */
static strip strip_of(const fit_state *f, uint32_t y0, uint32_t y1, uint32_t z) {
    strip t = {.lo = {y0, z}, .hi = {y1, z + 1}};
    for (int l = 0; l < f->s.levels; l++)
        for (int a = 0; a < 2; a++) {
            uint64_t r1 = (uint64_t)f->s.res[l][a + 1] - 1, n1 = f->n[a + 1] - 1;
            int first = (int)((t.lo[a] * r1 + n1 - 1) / n1), last = (int)((t.hi[a] * r1 - 1) / n1);
            last = last > (int)r1 ? (int)r1 : last;
            int k0 = INT32_MAX, k1 = -1;
            for (uint32_t v = t.lo[a]; v < t.hi[a]; v++) {
                int i0, i1;
                nodes_read(f, l, a + 1, v, &i0, &i1);
                k0 = i0 < k0 ? i0 : k0, k1 = i1 > k1 ? i1 : k1;
            }
            t.own[l][a][0] = first, t.own[l][a][1] = last;
            if (first <= last) k0 = first < k0 ? first : k0, k1 = last > k1 ? last : k1;
            t.read[l][a][0] = k0, t.read[l][a][1] = k1;
        }
    return t;
}

static int cmp_size(const void *a, const void *b) {
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return (x > y) - (x < y);
}

/* The node rows step `step`'s strips read, each once, into f->runs (sorted:
 * the latents in memory order); returns their count. */
static int read_runs(fit_state *f, const strip *t, int ns, int step) {
    size_t nid = 0;
    for (int i = 0; i < ns; i++)
        for (int l = 0; l < f->s.levels; l++) {
            const int(*r)[2] = t[i].read[l];
            for (int kz = r[1][0]; kz <= r[1][1]; kz++)
                for (int ky = r[0][0]; ky <= r[0][1]; ky++) {
                    size_t id = f->row_at[l] + (size_t)kz * f->s.res[l][1] + (size_t)ky;
                    if (f->stamp[id] != step) f->stamp[id] = step, f->ids[nid++] = id;
                }
        }
    qsort(f->ids, nid, sizeof *f->ids, cmp_size);
    int nr = 0, l = 0;
    for (size_t i = 0; i < nid; i++) {
        size_t id = f->ids[i];
        while (id >= f->row_at[l + 1]) l++;
        size_t rx = (size_t)f->s.res[l][0];
        latent_run *p = nr ? &f->runs[nr - 1] : NULL;
        if (p && p->l == l && id == f->ids[i - 1] + 1 && f->last[id] == f->last[id - 1])
            p->n += rx;
        else
            f->runs[nr++] = (latent_run){f->s.off[l] + (id - f->row_at[l]) * rx, rx, l};
    }
    return nr;
}

/* The latents the strips own, as runs (a strip's owned rows of a level are
 * consecutive, in one plane), into runs; returns their count. */
static int own_runs(const fit_state *f, const strip *t, int ns, latent_run *runs) {
    int nr = 0;
    for (int i = 0; i < ns; i++)
        for (int l = 0; l < f->s.levels; l++) {
            const int(*r)[2] = t[i].own[l];
            size_t rx = (size_t)f->s.res[l][0], plane = rx * (size_t)f->s.res[l][1];
            for (int kz = r[1][0]; kz <= r[1][1] && r[0][0] <= r[0][1]; kz++)
                runs[nr++] = (latent_run){f->s.off[l] + plane * (size_t)kz + rx * (size_t)r[0][0],
                                          rx * (size_t)(r[0][1] - r[0][0] + 1), l};
        }
    return nr;
}

/* The next (at most LATENT_FIT_CHUNK) indices of runs[0..nr), from run *i's
 * item *at on, into idx, and their runs' levels into lev (when not NULL);
 * returns how many. */
static int gather(const latent_run *runs, int nr, int *i, size_t *at, uint32_t *idx, int8_t *lev) {
    int n = 0;
    while (*i < nr && n < LATENT_FIT_CHUNK) {
        const latent_run *p = &runs[*i];
        size_t k = p->n - *at < (size_t)(LATENT_FIT_CHUNK - n) ? p->n - *at : (size_t)(LATENT_FIT_CHUNK - n);
        for (size_t j = 0; j < k; j++) {
            idx[n + (int)j] = (uint32_t)(p->first + *at + j);
            if (lev) lev[n + (int)j] = (int8_t)p->l;
        }
        n += (int)k, *at += k;
        if (*at == p->n) ++*i, *at = 0;
    }
    return n;
}

/* The latents [a, a + n) relaxed for step t (phase and temperature from the
 * config) into yh and dyh, rounded into q; [*lo_, *hi_] widened to hold them.
 * Each latent's values depend on it and t alone, so the latents may be
 * relaxed in any order, on any thread. */
static void relax(fit_state *f, size_t a, size_t n, int t, int32_t *lo_, int32_t *hi_) {
    const latent_fit_config *c = f->c;
    float u = (float)t / (float)f->steps;
    int soft = u >= c->soft_from && u < c->ste_from, hard = u >= c->ste_from;
    float span = c->ste_from - c->soft_from;
    float temp = span > 0 ? c->t_start + (c->t_end - c->t_start) * (u - c->soft_from) / span : c->t_end;
    soft_round_temp sr;
    soft_round_set(&sr, temp);
    int32_t lo = *lo_, hi = *hi_;
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
    *lo_ = lo, *hi_ = hi;
}

/* Every latent relaxed for step t, each level's [lo, hi] exactly its range. */
static void relax_all(fit_state *f, int t) {
    for (int l = 0; l < f->s.levels; l++) {
        f->lo[l] = INT32_MAX, f->hi[l] = INT32_MIN;
        relax(f, f->s.off[l], f->s.off[l + 1] - f->s.off[l], t, &f->lo[l], &f->hi[l]);
    }
}

/* The step's runs f->runs[0..nr) relaxed for step t, their levels' [lo, hi]
 * widened, the runs shared among the threads (a run is a few rows: alone,
 * each would run on one). */
static void relax_runs(fit_state *f, int nr, int t) {
    #pragma omp parallel
    {
        int32_t lo[GRID_MAX_LEVELS], hi[GRID_MAX_LEVELS];
        memcpy(lo, f->lo, sizeof lo), memcpy(hi, f->hi, sizeof hi);
        #pragma omp for schedule(dynamic, 8)
        for (int i = 0; i < nr; i++) {
            const latent_run *r = &f->runs[i];
            relax(f, r->first, r->n, t, &lo[r->l], &hi[r->l]);
        }
        #pragma omp critical
        for (int l = 0; l < f->s.levels; l++) {
            f->lo[l] = lo[l] < f->lo[l] ? lo[l] : f->lo[l];
            f->hi[l] = hi[l] > f->hi[l] ? hi[l] : f->hi[l];
        }
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

/* The distortion of the voxels of runs vox[0..nv) (tv in all): f->g +=
 * d MSE / d yh, f->dw += the MLP's gradient (the MSE over them); returns the
 * sum of squared errors. */
static double distortion(fit_state *f, const float *target, const latent_run *vox, int nv, size_t tv) {
    const int cin = f->s.levels;
    double se = 0.0;
    int i = 0, n;
    size_t at = 0;
    while ((n = gather(vox, nv, &i, &at, f->idx, NULL)) > 0) {
        grid_interp_forward(f->feat, f->yh, &f->s, &f->ax, f->idx, 0, n);
        relu_mlp_forward(&f->ma, f->w, f->feat, n);
        /* the decoder clamps to [0, 1]: an output beyond the end of the
         * range its target sits at costs nothing (a scan's background is
         * free to lie anywhere below 0); any other is pulled to its target */
        for (int k = 0; k < n; k++) {
            float o = f->ma.out[k], y = target[f->idx[k]];
            float e = (o < 0.0f ? 0.0f : o > 1.0f ? 1.0f : o) - y;
            se += (double)e * e;
            f->dy[k] = e == 0.0f ? 0.0f : 2.0f * (o - y) / (float)tv;
        }
        memset(f->dfeat, 0, (size_t)n * cin * sizeof *f->dfeat);
        relu_mlp_backward(&f->ma, f->w, f->dw, f->feat, f->dy, f->dfeat, n);
        grid_interp_backward_keys(f->g, f->learn_keys ? f->dkeys : NULL, f->yh, f->dfeat, &f->s, &f->ax, f->idx,
                                  0, n);
    }
    return se;
}

/* The rate of the latents of runs own[0..no), weighted as their share of the
 * loss (wt = lambda / the step's voxels): f->g += its derivative in yh,
 * f->dp += the ARM's gradient. The context is read from the rounded latents
 * q, as the coder reads it, and gets no gradient: only the coded value and
 * the ARM's weights learn from the rate. */
static void rate(fit_state *f, const latent_run *own, int no, float wt) {
    int i = 0, n;
    size_t at = 0;
    while ((n = gather(own, no, &i, &at, f->idx, f->lev)) > 0) {
        #pragma omp parallel for schedule(static)
        for (int k = 0; k < n; k++) {
            const int l = f->lev[k], *res = f->s.res[l];
            ll_shape sh = {res[0], res[1], res[2], f->lo[l]};
            size_t j = f->idx[k] - f->s.off[l];
            int x = (int)(j % sh.nx), y = (int)(j / sh.nx % sh.ny), z = (int)(j / ((size_t)sh.nx * sh.ny));
            f->ref[k] = ll_inputs(&sh, f->q + f->s.off[l], x, y, z, f->shift[l], f->in + (size_t)k * LL_CTX);
        }
        arm_float_forward(&f->aa, f->p, f->in, n);
        #pragma omp parallel for schedule(static)
        for (int k = 0; k < n; k++) {
            const int l = f->lev[k];
            size_t j = f->idx[k];
            double d[2], dx;
            arm_float_rate(f->aa.m.out + 2 * k, f->ref[k], f->shift[l], f->yh[j], f->lo[l], f->hi[l], d, &dx);
            f->dout[2 * k] = (float)d[0] * wt, f->dout[2 * k + 1] = (float)d[1] * wt;
            f->g[j] += (float)dx * wt;
        }
        arm_float_backward(&f->aa, f->p, f->in, f->dout, n, f->dp);
    }
}

/* Adam for a run of latents the step reads (the state's step set by the
 * caller), catching up on the steps since its rows' last update
 * (adam_step_range; a run's rows were last updated together). Runs are
 * disjoint: they may be stepped on any thread. */
static void step_latents(fit_state *f, size_t first, size_t n, int l, adam_state *a) {
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
    const int L = f->s.levels - 1, cin = f->s.levels;
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
            grid_interp_forward(f->feat, f->yh, &f->s, &f->ax, NULL, first, n);
            for (int k = 0; k < RDQ_N; k++) {
                for (int i = 0; i < n; i++)
                    f->feat[(size_t)i * cin + L] = (float)(q[first + (size_t)i] + k - RDQ_SPAN);
                relu_mlp_forward(&f->ma, f->w, f->feat, n);
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

/* The sample the MLP's steps are chosen on: SAMPLE_CHUNKS chunks of
 * LATENT_FIT_CHUNK voxels spread evenly over the volume (all of a smaller one). */
#define SAMPLE_CHUNKS 8
static size_t sample_voxels(size_t nvox) {
    size_t all = (size_t)SAMPLE_CHUNKS * LATENT_FIT_CHUNK;
    return nvox < all ? nvox : all;
}

typedef struct {
    fit_state *f;
    const float *target;
} sample_ctx;

/* mlp_steps_error_fn: the squared error of the clamped decode (grid_decode's)
 * with MLP weights w over the sample, from the latents in f->yh. */
static double sample_error(const float *w, void *user) {
    sample_ctx *c = user;
    fit_state *f = c->f;
    size_t nvox = (size_t)f->n[0] * f->n[1] * f->n[2], whole = sample_voxels(nvox) == nvox;
    size_t chunks = whole ? (nvox + LATENT_FIT_CHUNK - 1) / LATENT_FIT_CHUNK : SAMPLE_CHUNKS;
    double se = 0.0;
    for (size_t k = 0; k < chunks; k++) {
        size_t first = whole ? k * LATENT_FIT_CHUNK : k * ((nvox - LATENT_FIT_CHUNK) / (SAMPLE_CHUNKS - 1));
        size_t n = nvox - first < LATENT_FIT_CHUNK ? nvox - first : LATENT_FIT_CHUNK;
        grid_interp_forward(f->feat, f->yh, &f->s, &f->ax, NULL, first, (int)n);
        relu_mlp_forward(&f->ma, w, f->feat, (int)n);
        for (size_t i = 0; i < n; i++) {
            float y = f->ma.out[i] < 0.0f ? 0.0f : f->ma.out[i] > 1.0f ? 1.0f : f->ma.out[i];
            double e = (double)y - c->target[first + i];
            se += e * e;
        }
    }
    return se;
}

/* The strips' rows (1 to a plane's) and how many strips a step takes (the
 * nearest whole number to batch voxels, at least one). */
static void strip_size(const uint32_t n[3], const latent_fit_config *c, uint32_t *rows, uint32_t *per_step) {
    size_t sv = (size_t)n[0] * (size_t)c->strips, r = ((size_t)c->batch + sv / 2) / sv;
    *rows = r < 1 ? 1 : r > n[1] ? n[1] : (uint32_t)r;
    sv = (size_t)n[0] * *rows;
    size_t k = ((size_t)c->batch + sv / 2) / sv;
    *per_step = k < 1 ? 1 : k > UINT32_MAX ? UINT32_MAX : (uint32_t)k;
}

uint64_t latent_fit_bytes(const grid_shape *s, uint32_t nx, uint32_t ny, uint32_t nz,
                          const latent_fit_config *c) {
    const uint32_t n[3] = {nx, ny, nz};
    uint32_t rows, per_step;
    strip_size(n, c, &rows, &per_step);
    uint64_t nstrips = (uint64_t)(ny + rows - 1) / rows * nz, taken = per_step < nstrips ? per_step : nstrips;
    uint64_t ng = s->off[s->levels], nrows = 0, cin = (uint64_t)s->levels, h = (uint64_t)c->hidden;
    uint64_t ah = (uint64_t)c->arm_hidden, chunk = LATENT_FIT_CHUNK;
    for (int l = 0; l < s->levels; l++) nrows += (uint64_t)s->res[l][1] * (uint64_t)s->res[l][2];
    uint64_t weights = grid_mlp_size((int)cin, c->hidden) + (uint64_t)arm_param_count(LL_CTX, c->arm_hidden);
    /* per latent: y, yh, dyh, g, q and Adam's two moments; per row of every
     * level: last, stamp, its id and run; where the voxels fall in each
     * level; the strips' order, a step's strips and their voxel and owned
     * runs; per point of a chunk its index, level, target, gradient,
     * features, ARM inputs and outputs; the MLP's and the ARM's activations;
     * the weights, their gradients and Adam's moments; the start's chunks
     * (its weight sums go where the gradient will); the MLP step search's
     * three copies of the MLP; the ARM's refits and step search */
    return ng * 4 * 7 + nrows * (2 * sizeof(int) + sizeof(size_t) + sizeof(latent_run)) +
           grid_axes_bytes(s->levels, nx, ny, nz) + nstrips * 4 +
           taken * (sizeof(strip) + (1 + GRID_MAX_LEVELS) * sizeof(latent_run)) +
           chunk * (5 + 4 * (3 + 2 * cin + 2 * 18 + 4 + 32)) +
           relu_mlp_bytes((int)chunk, (int)cin, (int)h, 1, 1) + relu_mlp_bytes((int)chunk, LL_CTX, (int)ah, 2, 1) +
           weights * 4 * 6 + latent_start_bytes() + grid_mlp_size((int)cin, c->hidden) * 4 * 3 +
           arm_steps_bytes(s, c->threads > 0 ? c->threads : omp_get_max_threads()) + arm_refit_bytes();
}

/* Whether level l is read with the cubic kernel along axis a: a coarse axis
 * (its nodes sparser than the voxels) that the configuration makes cubic. */
static int cubic_axis(const fit_state *f, int l, int a) {
    int up = f->c->upsample;
    return (up == LATENT_UPSAMPLE_CUBIC || (up == LATENT_UPSAMPLE_CUBIC_XY && a < 2)) &&
           (uint32_t)f->s.res[l][a] < f->n[a];
}

/* The cubic axes' parameters kept in the stream's range [-2, -1/64], and
 * with round, in its steps (latent_keys_code). */
static void keys_limit(fit_state *f, int round) {
    const float lo = latent_keys_value(LATENT_KEYS_MAX_CODE), hi = latent_keys_value(1);
    for (int l = 0; l < f->s.levels; l++)
        for (int a = 0; a < 3; a++) {
            float *k = &f->s.keys[l][a];
            if (!cubic_axis(f, l, a)) continue;
            *k = *k < lo ? lo : *k > hi ? hi : *k;
            if (round) *k = latent_keys_value(latent_keys_code(*k));
        }
}

static void state_free(fit_state *f) {
    free(f->y), free(f->yh), free(f->dyh), free(f->g), free(f->q), free(f->w), free(f->dw);
    free(f->p), free(f->dp), free(f->feat), free(f->dy), free(f->dfeat), free(f->in);
    free(f->dout), free(f->ref), free(f->last), free(f->idx), free(f->lev), free(f->stamp), free(f->ids), free(f->runs);
    relu_mlp_free(&f->ma), arm_float_free(&f->aa), grid_axes_free(&f->ax);
}

e2ec_status latent_fit(const float *target, uint32_t nx, uint32_t ny, uint32_t nz,
                       const float sp[3], const latent_fit_config *c, latent_model *m) {
    memset(m, 0, sizeof *m);
    fit_state f = {.c = c, .n = {nx, ny, nz}};
    e2ec_status st = latent_shape_for(c->levels, nx, ny, nz, sp, &f.s);
    if (st) return st;
    if (c->hidden < 1 || c->hidden > E2EC_MAX_GRID_HIDDEN || c->arm_hidden < 1 ||
        c->arm_hidden > ARM_MAX_HIDDEN || c->passes < 1 || c->batch < 1 || c->strips < 1 || !(c->lambda >= 0.0f) ||
        !(c->soft_from >= 0.0f && c->soft_from <= c->ste_from && c->ste_from <= c->freeze_from &&
          c->freeze_from <= 1.0f) ||
        !(c->t_start > 0.0f && c->t_end > 0.0f) || !(c->start_step >= 0.0f && c->start_step < 1e6f) ||
        c->upsample < LATENT_UPSAMPLE_LINEAR || c->upsample > LATENT_UPSAMPLE_CUBIC_XY || !(c->lr_keys >= 0.0f))
        return E2EC_ERR_ARG;
    f.ng = f.s.off[f.s.levels];
    uint32_t rows, per_step;
    strip_size(f.n, c, &rows, &per_step);
    uint32_t bands = (ny + rows - 1) / rows, nstrips = bands * nz;
    per_step = per_step < nstrips ? per_step : nstrips;
    uint32_t pass_steps = (nstrips + per_step - 1) / per_step;
    if ((uint64_t)c->passes * pass_steps > INT32_MAX / 2) return E2EC_ERR_LIMIT;
    const int steps = f.steps = c->passes * (int)pass_steps;
    size_t nrows = 0;
    for (int l = 0; l < f.s.levels; l++) f.row_at[l] = nrows, nrows += (size_t)f.s.res[l][1] * f.s.res[l][2];
    f.row_at[f.s.levels] = nrows;
    int saved = threads_enter(c->threads);
    const int cin = f.s.levels, h = c->hidden, np = arm_param_count(LL_CTX, c->arm_hidden);
    size_t nw = grid_mlp_size(cin, h), ng = f.ng;
    f.y = calloc(ng, sizeof *f.y), f.yh = malloc(ng * sizeof *f.yh), f.dyh = malloc(ng * sizeof *f.dyh);
    f.g = malloc(ng * sizeof *f.g), f.q = malloc(ng * sizeof *f.q);
    f.w = malloc(nw * sizeof *f.w), f.dw = malloc(nw * sizeof *f.dw);
    f.p = malloc((size_t)np * sizeof *f.p), f.dp = malloc((size_t)np * sizeof *f.dp);
    f.dy = malloc(LATENT_FIT_CHUNK * sizeof *f.dy);
    f.feat = malloc((size_t)LATENT_FIT_CHUNK * cin * sizeof *f.feat);
    f.dfeat = malloc((size_t)LATENT_FIT_CHUNK * cin * sizeof *f.dfeat);
    f.in = malloc((size_t)LATENT_FIT_CHUNK * LL_CTX * sizeof *f.in), f.dout = malloc(LATENT_FIT_CHUNK * 2 * sizeof *f.dout);
    f.ref = malloc(LATENT_FIT_CHUNK * sizeof *f.ref), f.idx = malloc(LATENT_FIT_CHUNK * sizeof *f.idx);
    f.lev = malloc(LATENT_FIT_CHUNK * sizeof *f.lev);
    f.last = malloc(nrows * sizeof *f.last), f.stamp = malloc(nrows * sizeof *f.stamp);
    f.ids = malloc(nrows * sizeof *f.ids), f.runs = malloc(nrows * sizeof *f.runs);
    uint32_t *order = malloc(nstrips * sizeof *order);
    strip *t = malloc(per_step * sizeof *t);
    latent_run *vox = malloc(per_step * sizeof *vox), *own = malloc(per_step * GRID_MAX_LEVELS * sizeof *own);
    adam_state ay = {0}, aw = {0}, ap = {0}, ak = {0};
    int bad = relu_mlp_alloc(&f.ma, LATENT_FIT_CHUNK, cin, h, 1, 1) |
              arm_float_alloc(&f.aa, LATENT_FIT_CHUNK, LL_CTX, c->arm_hidden) | grid_axes_init(&f.ax, &f.s, nx, ny, nz);
    if (bad || !f.y || !f.yh || !f.dyh || !f.g || !f.q || !f.w || !f.dw || !f.p || !f.dp ||
        !f.dy || !f.feat || !f.dfeat || !f.in || !f.dout || !f.ref || !f.idx || !f.lev || !f.last ||
        !f.stamp || !f.ids || !f.runs || !order || !t || !vox || !own || adam_init(&ay, ng, c->lr_latent) ||
        adam_init(&aw, nw, c->lr_mlp) || adam_init(&ap, (size_t)np, c->lr_arm) ||
        adam_init(&ak, 3 * GRID_MAX_LEVELS, c->lr_keys)) {
        st = E2EC_ERR_NOMEM;
        goto done;
    }
    rng r = {c->seed};
    grid_mlp_init(f.w, cin, h, &r);
    arm_float_init(f.p, LL_CTX, c->arm_hidden, &r);
    /* the pyramid start (latent_start.h), the coarse levels' weight sums in
     * g, unused till the first step */
    if (c->start_step > 0.0f && c->lambda <= LATENT_START_MAX_LAMBDA) {
        float step0 = latent_start_unit(c->lambda, c->start_step);
        st = latent_start(f.y, f.w, h, target, &f.s, &f.ax, step0, f.g);
        if (st) goto done;
    }
    /* the cubic axes: a coarse level's, where its nodes are sparser than the
     * voxels (the start above reads every level linearly) */
    for (int l = 0; l < f.s.levels; l++)
        for (int a = 0; a < 3; a++)
            if (cubic_axis(&f, l, a)) f.s.keys[l][a] = LATENT_KEYS_START, f.learn_keys = 1;
    int soft = (int)(c->soft_from * (float)steps), ste = (int)(c->ste_from * (float)steps),
        frz = (int)(c->freeze_from * (float)steps);
    double mse_acc = 0.0, t0 = omp_get_wtime();
    int mse_steps = 0;
    for (uint32_t i = 0; i < nstrips; i++) order[i] = i;
    for (size_t i = 0; i < nrows; i++) f.last[i] = -1, f.stamp[i] = -1;
    for (int step = 0; step < steps; step++) {
        /* each pass over the volume visits its strips in a new random order */
        uint32_t at = (uint32_t)step % pass_steps * per_step;
        if (at == 0)
            for (uint32_t i = nstrips - 1; i > 0; i--) {
                uint32_t j = (uint32_t)(rng_next(&r) % (i + 1)), k = order[i];
                order[i] = order[j], order[j] = k;
            }
        int ns = (int)(nstrips - at < per_step ? nstrips - at : per_step);
        size_t tv = 0;
        for (int i = 0; i < ns; i++) {
            uint32_t y0 = order[at + i] % bands * rows, z = order[at + i] / bands;
            t[i] = strip_of(&f, y0, y0 + rows < ny ? y0 + rows : ny, z);
            vox[i] = (latent_run){(size_t)nx * ((size_t)ny * z + y0), (size_t)nx * (t[i].hi[0] - y0), 0};
            tv += vox[i].n;
        }
        int nr = read_runs(&f, t, ns, step);
        int frozen = step >= frz;
        /* at each phase's start every latent is relaxed and the shifts chosen
         * again; frozen, q and yh stay as the first frozen step left them */
        if (step == 0 || step == soft || step == ste || step == frz) {
            relax_all(&f, step);
            pick_shifts(&f);
        } else if (!frozen) {
            relax_runs(&f, nr, step);
        }
        #pragma omp parallel for schedule(dynamic, 8)
        for (int i = 0; i < nr; i++) memset(f.g + f.runs[i].first, 0, f.runs[i].n * sizeof *f.g);
        memset(f.dw, 0, nw * sizeof *f.dw), memset(f.dp, 0, (size_t)np * sizeof *f.dp);
        memset(f.dkeys, 0, sizeof f.dkeys);
        mse_acc += distortion(&f, target, vox, ns, tv) / (double)tv, mse_steps++;
        rate(&f, own, own_runs(&f, t, ns, own), (float)(c->lambda / (double)tv));
        float decay = 0.5f * (1.0f + cosf((float)M_PI * (float)step / (float)steps));
        if (!frozen) {
            ay.lr = c->lr_latent * decay, ay.t = step + 1;
            #pragma omp parallel for schedule(dynamic, 8)
            for (int i = 0; i < nr; i++) step_latents(&f, f.runs[i].first, f.runs[i].n, f.runs[i].l, &ay);
        }
        aw.lr = c->lr_mlp * decay, ap.lr = c->lr_arm * decay;
        adam_step(&aw, f.w, f.dw);
        adam_step(&ap, f.p, f.dp);
        /* the kernels learn until the rounded phase, which reads them as the stream will */
        if (f.learn_keys && step + 1 < ste) {
            float dk[3 * GRID_MAX_LEVELS];
            for (int i = 0; i < 3 * GRID_MAX_LEVELS; i++) dk[i] = (float)f.dkeys[i / 3][i % 3];
            ak.lr = c->lr_keys * decay;
            adam_step(&ak, &f.s.keys[0][0], dk);
            keys_limit(&f, 0);
        } else if (f.learn_keys) {
            keys_limit(&f, 1);
            f.learn_keys = 0;
        }
        /* progress (and a chance to cancel) at the end of each pass */
        if ((step + 1) % (int)pass_steps == 0 &&
            fit_progress(c->progress, c->progress_user, c->progress_every, (step + 1) / (int)pass_steps - 1,
                         c->passes, &mse_acc, &mse_steps, t0)) {
            st = E2EC_ERR_CANCELLED;
            goto done;
        }
    }
    if (frz >= steps) { /* never frozen: what is coded is the last step's latents, rounded */
        relax_all(&f, steps);
        pick_shifts(&f);
    }
    st = c->arm_choice == LATENT_ARM_FIT ? arm_int_quantise(&m->arm, LL_CTX, c->arm_hidden, f.p)
                                         : arm_steps_search(&m->arm, LL_CTX, c->arm_hidden, f.p, &f.s, f.q, f.shift,
                                                            f.lo, f.hi, NULL, NULL);
    if (st) goto done;
    /* the MLP in steps chosen for rate + distortion (mlp_steps.h), on the
     * rounded latents; the finest level then re-chosen under it */
    for (size_t i = 0; i < f.s.off[f.s.levels]; i++) f.yh[i] = (float)f.q[i];
    sample_ctx smp = {&f, target};
    size_t nvox = (size_t)nx * ny * nz;
    st = mlp_steps_search(f.w, cin, h, c->lambda, (double)sample_voxels(nvox), (double)nvox, sample_error,
                          &smp, m->mlp_q);
    if (st) goto done;
    if (c->requantise) st = requantise_finest(&f, target, &m->arm);
    /* the latents are final: the ARM that codes them in the fewest bits */
    if (!st && c->arm_choice == LATENT_ARM_REFIT)
        st = arm_refit(&m->arm, f.p, c->arm_hidden, &f.s, f.q, f.shift, f.lo, f.hi, arm_refit_steps(f.ng), c->seed);
    if (st) goto done;
    for (int l = 0; l < f.s.levels; l++) m->shift[l] = f.shift[l], m->lo[l] = f.lo[l], m->hi[l] = f.hi[l];
    m->syn = (grid_model){.shape = f.s, .delta = 1.0f, .hidden = h, .q = f.q, .mlp = f.w};
    f.q = NULL, f.w = NULL;
done:
    free(order), free(t), free(vox), free(own);
    adam_free(&ay), adam_free(&aw), adam_free(&ap), adam_free(&ak);
    state_free(&f);
    threads_leave(saved);
    return st;
}
