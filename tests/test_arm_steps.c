/*
 * The ARM's step search (codec/latent/arm_steps.h) on a two-level pyramid of
 * structured latents, small enough that the search costs every latent: the
 * chosen steps never cost more bits (the latents as coded, plus the ARM's own)
 * than the finest; a network of whole sixteenths codes the latents in the same
 * bits at a step of 1/16 and is taken at least that far; the choice is the
 * same on 1 and 2 threads; the chosen ARM's streams decode every latent back;
 * a latent outside its alphabet is refused. The ARM refitted after the fit
 * (codec/latent/arm_refit.h): chosen over an untrained one, never costlier
 * than a fitted one, the same on 1 and 2 threads.
 */
#include <math.h>
#include <omp.h>
#include <string.h>

#include "check.h"
#include "latent/arm_refit.h"
#include "latent/arm_steps.h"
#include "latent/net_section.h"
#include "lossless/ll_code.h"
#include "lossless/ll_fit.h"
#include "lossless/ll_model.h"
#include "ent/arm_float.h"
#include "rng.h"

enum { HIDDEN = 12 };

typedef struct {
    grid_shape s;
    int32_t *q, lo[2], hi[2];
    int shift[2];
} pyramid;

/* Waves plus a little noise, in [-6, 6]. */
static void make(pyramid *p) {
    memset(p, 0, sizeof *p);
    p->s.levels = 2, p->s.feats = 1;
    const int res[2][3] = {{17, 15, 5}, {33, 29, 9}};
    memcpy(p->s.res, res, sizeof res);
    grid_shape_init(&p->s);
    p->q = malloc(p->s.off[2] * sizeof *p->q);
    unsigned r = 12345;
    for (int l = 0; l < 2; l++) {
        const int *n = p->s.res[l];
        int32_t *v = p->q + p->s.off[l];
        for (int z = 0; z < n[2]; z++)
            for (int y = 0; y < n[1]; y++)
                for (int x = 0; x < n[0]; x++) {
                    r = r * 1664525u + 1013904223u;
                    int noise = (int)(r >> 30) - 1; /* -1 .. 2 */
                    *v++ = (int32_t)lrint(4.0 * sin(x / 2.5 + z) * cos(y / 3.0)) + (noise > 1 ? 0 : noise);
                }
        p->lo[l] = -6, p->hi[l] = 6;
        ll_shape sh = {n[0], n[1], n[2], p->lo[l]};
        p->shift[l] = ll_pick_shift(&sh, p->q + p->s.off[l]);
    }
}

/* Every latent's bits as coded under m, plus the ARM's. */
static double exact_bits(const pyramid *p, const arm_int *m, double *latent) {
    double bits = 0.0;
    for (int l = 0; l < 2; l++) {
        const int *n = p->s.res[l];
        ll_shape sh = {n[0], n[1], n[2], p->lo[l]};
        ll_model mm = {p->lo[l], p->hi[l], p->shift[l], m, 0};
        size_t k = (size_t)n[0] * n[1] * n[2];
        rans_sym *syms = malloc(k * sizeof *syms);
        ll_symbols(&sh, p->q + p->s.off[l], &mm, syms, NULL);
        for (size_t i = 0; i < k; i++) bits += log2((double)RANS_TOTAL / syms[i].freq);
        free(syms);
    }
    *latent = bits;
    return bits + (double)net_section_arm_bits(m);
}

static void search(const pyramid *p, const float *params) {
    arm_int fine, m[2];
    double lat_fine, lat;
    arm_int_quantise(&fine, LL_CTX, HIDDEN, params);
    double cost_fine = exact_bits(p, &fine, &lat_fine);
    int threads = omp_get_max_threads();
    double said[2];
    int d[2][3];
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        CHECK(arm_steps_search(&m[t], LL_CTX, HIDDEN, params, &p->s, p->q, p->shift, p->lo, p->hi, d[t],
                               &said[t]) == E2EC_OK,
              "search on %d threads", t + 1);
    }
    omp_set_num_threads(threads);
    CHECK(memcmp(&m[0], &m[1], sizeof m[0]) == 0, "the same steps and weights on 1 and 2 threads");
    double cost = exact_bits(p, &m[0], &lat);
    printf("finest shifts %d %d %d: %.0f bits (latents %.0f); chosen %d %d %d: %.0f bits (latents %.0f)\n",
           fine.shift[0], fine.shift[1], fine.shift[2], cost_fine, lat_fine, m[0].shift[0], m[0].shift[1],
           m[0].shift[2], cost, lat);
    CHECK(cost <= cost_fine, "the chosen steps cost %.0f bits, the finest %.0f", cost, cost_fine);
    CHECK(fabs(said[0] - cost) < 1e-9 * cost && said[0] == said[1],
          "the search's cost %.3f bits, every latent's as coded %.3f", said[0], cost);
    arm_int at;
    double at_bits;
    CHECK(arm_steps_cost(&at, LL_CTX, HIDDEN, params, &p->s, p->q, p->shift, p->lo, p->hi, d[0], &at_bits) ==
                  E2EC_OK &&
              memcmp(&at, &m[0], sizeof at) == 0 && at_bits == said[0],
          "arm_steps_cost at the chosen steps: the same ARM and cost");
    for (int l = 0; l < 3; l++)
        CHECK(m[0].shift[l] <= fine.shift[l] && m[0].shift[l] >= fine.shift[l] - ARM_STEPS_MAX,
              "layer %d's shift %d within %d of the finest %d", l, m[0].shift[l], ARM_STEPS_MAX, fine.shift[l]);
    /* the chosen ARM's streams decode every latent back */
    int back = 1;
    for (int l = 0; l < 2; l++) {
        const int *n = p->s.res[l];
        ll_shape sh = {n[0], n[1], n[2], p->lo[l]};
        ll_model mm = {p->lo[l], p->hi[l], p->shift[l], &m[0], 0};
        size_t k = (size_t)n[0] * n[1] * n[2], len = 0;
        uint8_t *buf = NULL;
        uint32_t sizes[16];
        int32_t *d = malloc(k * sizeof *d);
        back &= ll_encode(&sh, p->q + p->s.off[l], &mm, &buf, &len, sizes, d) == E2EC_OK &&
                ll_decode(&sh, buf, len, sizes, 0, &mm, d) == E2EC_OK &&
                memcmp(d, p->q + p->s.off[l], k * sizeof *d) == 0;
        free(buf), free(d);
    }
    CHECK(back, "the chosen ARM codes both levels and decodes them back");
}

/* arm_refit (a short refit: REFIT_STEPS): from an untrained ARM (its output
 * layer near zero: one scale for every latent), a refitted one is coded, in
 * fewer bits than the untrained one's best steps, and the same one on 1 and
 * 2 threads; from a fitted ARM, never in more bits than its best steps. */
enum { REFIT_STEPS = 200 };
static void refit(const pyramid *p, const float *fitted) {
    const int np = arm_param_count(LL_CTX, HIDDEN);
    float *raw = malloc(np * sizeof *raw);
    rng r = {9};
    arm_float_init(raw, LL_CTX, HIDDEN, &r);
    arm_int base, m[2];
    double base_bits, lat;
    int d[3];
    arm_steps_search(&base, LL_CTX, HIDDEN, raw, &p->s, p->q, p->shift, p->lo, p->hi, d, &base_bits);
    int threads = omp_get_max_threads();
    for (int t = 0; t < 2; t++) {
        omp_set_num_threads(t + 1);
        CHECK(arm_refit(&m[t], raw, HIDDEN, &p->s, p->q, p->shift, p->lo, p->hi, REFIT_STEPS, 5) == E2EC_OK,
              "refit on %d threads", t + 1);
    }
    omp_set_num_threads(threads);
    CHECK(memcmp(&m[0], &m[1], sizeof m[0]) == 0, "the same ARM chosen on 1 and 2 threads");
    double bits = exact_bits(p, &m[0], &lat);
    printf("untrained ARM: %.0f bits at its best steps; the refit's choice, %d units: %.0f bits\n", base_bits,
           m[0].hidden, bits);
    CHECK(bits < base_bits && memcmp(&m[0], &base, sizeof base) != 0,
          "a refitted ARM chosen over the untrained one: %.0f bits against %.0f", bits, base_bits);
    arm_steps_search(&base, LL_CTX, HIDDEN, fitted, &p->s, p->q, p->shift, p->lo, p->hi, d, &base_bits);
    CHECK(arm_refit(&m[0], fitted, HIDDEN, &p->s, p->q, p->shift, p->lo, p->hi, REFIT_STEPS, 5) == E2EC_OK,
          "refit");
    bits = exact_bits(p, &m[0], &lat);
    printf("fitted ARM: %.0f bits at its best steps; the refit's choice, %d units: %.0f bits\n", base_bits,
           m[0].hidden, bits);
    CHECK(bits <= base_bits * (1 + 1e-9), "the choice costs %.0f bits, the fitted ARM %.0f", bits, base_bits);
    free(raw);
}

int main(void) {
    pyramid p;
    make(&p);
    /* an ARM fitted to the finer level */
    const int np = arm_param_count(LL_CTX, HIDDEN);
    float *params = malloc(np * sizeof *params);
    ll_shape sh = {p.s.res[1][0], p.s.res[1][1], p.s.res[1][2], p.lo[1]};
    ll_fit_opts o = {HIDDEN, 300, 512, 1e-2f, 3};
    double est;
    CHECK(ll_fit(&sh, p.q + p.s.off[1], p.lo[1], p.hi[1], p.shift[1], &o, params, &est) == E2EC_OK, "fit");
    search(&p, params);
    refit(&p, params);
    /* the same network in whole sixteenths, each layer's largest weight 15/16
     * (finest shift 10): at shift 4 and above its integers stand for the
     * same values, so the latents cost the same bits, and its own fewer */
    const int in[3] = {LL_CTX, HIDDEN, HIDDEN}, out[3] = {HIDDEN, HIDDEN, 2};
    float *w = params;
    for (int l = 0; l < 3; w += (in[l] + 1) * out[l], l++) {
        for (int i = 0; i < (in[l] + 1) * out[l]; i++) w[i] = fmaxf(-0.875f, fminf(0.875f, roundf(w[i] * 16) / 16));
        w[0] = 0.9375f;
    }
    arm_int fine, sixteenths;
    const int d[3] = {6, 6, 6};
    arm_int_quantise(&fine, LL_CTX, HIDDEN, params);
    arm_int_quantise_coarser(&sixteenths, LL_CTX, HIDDEN, params, d);
    double lf, ls;
    exact_bits(&p, &fine, &lf), exact_bits(&p, &sixteenths, &ls);
    CHECK(fine.shift[0] == 10 && fine.shift[1] == 10 && fine.shift[2] == 10 && lf == ls,
          "whole sixteenths at shifts %d %d %d and at 4: the latents' %.0f and %.0f bits", fine.shift[0],
          fine.shift[1], fine.shift[2], lf, ls);
    arm_int m;
    double bits;
    int dm[3];
    CHECK(arm_steps_search(&m, LL_CTX, HIDDEN, params, &p.s, p.q, p.shift, p.lo, p.hi, dm, &bits) == E2EC_OK &&
              m.shift[0] <= 4 && m.shift[1] <= 4 && m.shift[2] <= 4,
          "whole sixteenths taken to shifts %d %d %d, at most 4", m.shift[0], m.shift[1], m.shift[2]);
    arm_int same;
    CHECK(arm_steps_search(&same, LL_CTX, HIDDEN, params, &p.s, p.q, p.shift, p.lo, p.hi, NULL, NULL) == E2EC_OK &&
              !memcmp(same.shift, m.shift, sizeof m.shift) && !memcmp(same.w0, m.w0, sizeof m.w0),
          "without d and bits asked for, the same ARM");
    search(&p, params);
    p.q[p.s.off[1] + 7] = p.hi[1] + 1;
    CHECK(arm_steps_search(&m, LL_CTX, HIDDEN, params, &p.s, p.q, p.shift, p.lo, p.hi, dm, &bits) == E2EC_ERR_ARG,
          "a latent outside its alphabet refused");
    free(params), free(p.q);
    return check_summary();
}
