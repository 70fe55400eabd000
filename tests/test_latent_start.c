/*
 * The latent fit's start (codec/latent/latent_start.h): before any rounding
 * the started model decodes the target itself (pyramid and MLP together);
 * the coarse levels carry a smooth volume, the finest only what they cannot;
 * the start is the same on 1 and 3 threads; bad arguments are refused.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "grid_mlp.h"
#include "latent/latent_fit.h"
#include "latent/latent_start.h"
#include "nn/relu_mlp.h"
#include "threads.h"

enum { NX = 23, NY = 17, NZ = 9, NV = NX * NY * NZ, HIDDEN = 16 };

/* smooth: a slow wave; else the wave plus a ball and a step. In [0, 1]. */
static void volume(float *t, int smooth) {
    for (int z = 0; z < NZ; z++)
        for (int y = 0; y < NY; y++)
            for (int x = 0; x < NX; x++) {
                double v = 0.4 + 0.2 * sin(0.2 * x) * cos(0.15 * y) + 0.02 * z;
                if (!smooth && (x - 9) * (x - 9) + (y - 8) * (y - 8) + 2 * (z - 4) * (z - 4) < 20) v += 0.3;
                if (!smooth && x > 17) v -= 0.25;
                t[x + NX * (y + NY * z)] = (float)v;
            }
}

typedef struct {
    grid_shape s;
    grid_axes ax;
    float *y, *w, *scratch;
} start;

static e2ec_status start_run(start *k, const float *t, float step, int threads) {
    const float sp[3] = {1.0f, 1.0f, 2.0f};
    memset(k, 0, sizeof *k);
    if (latent_shape_for(4, NX, NY, NZ, sp, &k->s) || grid_axes_init(&k->ax, &k->s, NX, NY, NZ)) return E2EC_ERR_ARG;
    k->y = malloc(k->s.off[4] * sizeof *k->y), k->scratch = malloc(k->s.off[3] * sizeof *k->scratch);
    k->w = malloc(grid_mlp_size(4, HIDDEN) * sizeof *k->w);
    rng r = {7};
    grid_mlp_init(k->w, 4, HIDDEN, &r);
    int saved = threads_enter(threads);
    e2ec_status st = latent_start(k->y, k->w, HIDDEN, t, &k->s, &k->ax, step, k->scratch);
    threads_leave(saved);
    return st;
}

static void start_free(start *k) {
    free(k->y), free(k->w), free(k->scratch);
    grid_axes_free(&k->ax);
}

/* The largest |decode - target| of the started model, unrounded. */
static double decode_error(const start *k, const float *t) {
    float *feat = malloc((size_t)NV * 4 * sizeof *feat);
    relu_mlp_acts a;
    relu_mlp_alloc(&a, NV, 4, HIDDEN, 1, 0);
    grid_interp_forward(feat, k->y, &k->s, &k->ax, NULL, 0, NV);
    relu_mlp_forward(&a, k->w, feat, NV);
    double worst = 0.0;
    for (int i = 0; i < NV; i++) worst = fmax(worst, fabs((double)a.out[i] - t[i]));
    relu_mlp_free(&a), free(feat);
    return worst;
}

/* The share of the target's energy about its mean that the finest level holds. */
static double finest_share(const start *k, const float *t, float step) {
    double mean = 0.0, all = 0.0, fine = 0.0;
    for (int i = 0; i < NV; i++) mean += t[i] / (double)NV;
    for (int i = 0; i < NV; i++) {
        double f = (double)k->y[k->s.off[3] + (size_t)i] * step;
        all += (t[i] - mean) * (t[i] - mean), fine += f * f;
    }
    return fine / all;
}

int main(void) {
    float *t = malloc(NV * sizeof *t);
    const float steps[2] = {0.05f, 0.6f};
    for (int smooth = 0; smooth < 2; smooth++) {
        volume(t, smooth);
        for (int i = 0; i < 2; i++) {
            start k;
            e2ec_status st = start_run(&k, t, steps[i], 2);
            CHECK(st == E2EC_OK, "start: %s", e2ec_error_name(st));
            /* exact but for float rounding: 3.0e-7 measured */
            double err = decode_error(&k, t), share = finest_share(&k, t, steps[i]);
            printf("%s volume, step %g: decode off by %.2e at most, finest level %.4f of the energy\n",
                   smooth ? "smooth" : "sharp", steps[i], err, share);
            CHECK(err < 1e-5, "the start decodes %.3g from the target", err);
            /* measured 0.0004 (smooth) and 0.049 (sharp): the coarse levels
             * take the smooth part; all of it in the finest would be 1 */
            if (smooth) CHECK(share < 0.0006, "the finest level holds %.4f of a smooth volume", share);
            else CHECK(share < 0.06, "the finest level holds %.4f of the sharp volume", share);
            start_free(&k);
        }
    }
    /* thread counts: the same latents and weights, bit for bit */
    start a, b;
    CHECK(start_run(&a, t, 0.1f, 1) == E2EC_OK && start_run(&b, t, 0.1f, 3) == E2EC_OK, "starts");
    CHECK(!memcmp(a.y, b.y, a.s.off[4] * sizeof *a.y), "latents differ between 1 and 3 threads");
    CHECK(!memcmp(a.w, b.w, grid_mlp_size(4, HIDDEN) * sizeof *a.w), "weights differ between 1 and 3 threads");
    /* refusals: no step; a shape with 2 features */
    CHECK(latent_start(a.y, a.w, HIDDEN, t, &a.s, &a.ax, 0.0f, a.scratch) == E2EC_ERR_ARG, "step 0 taken");
    grid_shape two = a.s;
    two.feats = 2;
    grid_shape_init(&two);
    CHECK(latent_start(a.y, a.w, HIDDEN, t, &two, &a.ax, 0.1f, a.scratch) == E2EC_ERR_ARG, "2 features taken");
    start_free(&a), start_free(&b);
    free(t);
    return check_summary();
}
