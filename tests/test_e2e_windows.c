/* E2E window mode (e2e_fit.h): with every window in the step its loss and
 * gradient equal the full batch's up to float rounding; sampled steps are
 * reproducible from the seed; a volume over the full-batch limit (lowered
 * through e2e_fit_init_batch's max_floats) trains in window mode. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "check.h"
#include "e2e_fit.h"
#include "train.h"

/* Anisotropic grids, windows of 8 with partial ones in x and y, and rows whose
 * low-res slabs are strictly inside the volume (one resblock: halo 4). */
enum { LX = 5, LY = 6, LZ = 24, HX = 10, HY = 11, HZ = 48 };

typedef struct {
    siren_config sc;
    srno_config rc;
    size_t n;
    float *params, *target, *lr_target;
} setup;

static void make_setup(setup *s) {
    s->sc = (siren_config){8, 2, 30.0f};
    srno_config_default(&s->rc);
    s->rc.resblocks = 1, s->rc.hidden = 16, s->rc.window = 8;
    s->n = siren_param_count(&s->sc) + srno_param_count(&s->rc);
    s->params = malloc(s->n * sizeof(float));
    s->target = malloc(sizeof(float) * HX * HY * HZ);
    s->lr_target = malloc(sizeof(float) * LX * LY * LZ);
    rng r = {7};
    siren_init(&s->sc, s->params, &r);
    srno_init(&s->rc, s->params + siren_param_count(&s->sc), &r);
    for (int i = 0; i < HX * HY * HZ; i++) s->target[i] = rng_uniform(&r);
    for (int i = 0; i < LX * LY * LZ; i++) s->lr_target[i] = rng_uniform(&r);
}

static void free_setup(setup *s) { free(s->params), free(s->target), free(s->lr_target); }

/* One step's gradient (zeroed first), loss and mse. */
static void step(e2e_fit *f, const setup *s, float *g, uint64_t seed, double *loss, double *mse) {
    memset(g, 0, s->n * sizeof *g);
    rng r = {seed};
    e2e_fit_grad(f, s->params, g, &r, loss, mse);
}

static float max_abs(const float *a, size_t n) {
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) m = fmaxf(m, fabsf(a[i]));
    return m;
}

static float max_diff(const float *a, const float *b, size_t n) {
    float m = 0.0f;
    for (size_t i = 0; i < n; i++) m = fmaxf(m, fabsf(a[i] - b[i]));
    return m;
}

static void test_all_windows_equal_full_batch(const setup *s, e2ec_loss loss, float lr_weight) {
    e2e_fit full, win;
    CHECK(e2e_fit_init(&full, &s->sc, &s->rc, LX, LY, LZ, HX, HY, HZ, s->target, s->lr_target,
                       lr_weight, loss) == E2EC_OK, "full-batch init");
    /* max_floats 1: the full batch does not fit, so every window a row at a time */
    CHECK(e2e_fit_init_batch(&win, &s->sc, &s->rc, LX, LY, LZ, HX, HY, HZ, s->target,
                             s->lr_target, lr_weight, loss, 0, 1) == E2EC_ERR_LIMIT,
          "a limit below one row is refused by name");
    /* the smallest limit the full batch misses: window mode with every window */
    size_t full_floats = srno_acts_size(&s->rc, LX, LY, LZ, HX, HY, HZ);
    CHECK(e2e_fit_init_batch(&win, &s->sc, &s->rc, LX, LY, LZ, HX, HY, HZ, s->target,
                             s->lr_target, lr_weight, loss, 0, full_floats) == E2EC_OK,
          "window-mode init under a lowered limit");
    CHECK(win.windows == 2 * 2 * 6 && win.n_windows == 24, "every window per step (%d of %d)",
          win.windows, win.n_windows);
    win.siren_chunk = 97; /* several chunks per slab, the last one partial */
    float *gf = malloc(s->n * sizeof(float)), *gw = malloc(s->n * sizeof(float));
    double lf, mf, lw, mw;
    step(&full, s, gf, 1, &lf, &mf);
    step(&win, s, gw, 1, &lw, &mw);
    float scale = max_abs(gf, s->n), d = max_diff(gf, gw, s->n);
    /* float sums in another order: 1e-4 of the largest gradient component */
    CHECK(d <= 1e-4f * scale, "loss %d lr_weight %g: gradient max |diff| %.3g vs max |g| %.3g",
          (int)loss, lr_weight, d, scale);
    CHECK(fabs(lw - lf) <= 1e-5 * fabs(lf), "loss %.9g vs full batch %.9g", lw, lf);
    CHECK(fabs(mw - mf) <= 1e-5 * fabs(mf), "mse %.9g vs full batch %.9g", mw, mf);
    /* batch >= windows means every window too */
    e2e_fit_free(&win);
    CHECK(e2e_fit_init_batch(&win, &s->sc, &s->rc, LX, LY, LZ, HX, HY, HZ, s->target,
                             s->lr_target, lr_weight, loss, 100, E2E_FIT_MAX_FLOATS) == E2EC_OK &&
              win.windows == 24,
          "batch over the window count takes every window");
    step(&win, s, gw, 1, &lw, &mw);
    CHECK(max_diff(gf, gw, s->n) <= 1e-4f * scale, "explicit batch: same gradient");
    e2e_fit_free(&full), e2e_fit_free(&win);
    free(gf), free(gw);
}

static void test_sampled_reproducible(const setup *s) {
    e2e_fit a, b;
    CHECK(e2e_fit_init_batch(&a, &s->sc, &s->rc, LX, LY, LZ, HX, HY, HZ, s->target, s->lr_target,
                             0.5f, E2EC_LOSS_L1, 5, E2E_FIT_MAX_FLOATS) == E2EC_OK &&
              a.windows == 5,
          "5 windows per step");
    CHECK(e2e_fit_init_batch(&b, &s->sc, &s->rc, LX, LY, LZ, HX, HY, HZ, s->target, s->lr_target,
                             0.5f, E2EC_LOSS_L1, 5, E2E_FIT_MAX_FLOATS) == E2EC_OK,
          "second fit");
    float *g1 = malloc(s->n * sizeof(float)), *g2 = malloc(s->n * sizeof(float));
    double l1, m1, l2, m2;
    step(&a, s, g1, 3, &l1, &m1);
    step(&b, s, g2, 3, &l2, &m2);
    CHECK(!memcmp(g1, g2, s->n * sizeof(float)) && l1 == l2, "same seed, same step");
    int distinct = 1;
    for (int i = 1; i < a.windows; i++) distinct &= a.chosen[i] > a.chosen[i - 1];
    CHECK(distinct, "windows distinct, in increasing order");
    step(&b, s, g2, 4, &l2, &m2);
    CHECK(memcmp(g1, g2, s->n * sizeof(float)) != 0, "another seed, other windows");
    CHECK(isfinite(l1) && l1 > 0.0 && max_abs(g1, s->n) > 0.0f, "a real loss and gradient");
    e2e_fit_free(&a), e2e_fit_free(&b);
    free(g1), free(g2);
}

typedef struct {
    double first, last;
} losses;

static int record(const e2ec_progress *pr, void *user) {
    losses *l = user;
    if (pr->epoch == 1) l->first = pr->loss;
    l->last = pr->loss;
    return 0;
}

/* Over the (lowered) full-batch limit: trains, in window mode, and learns. */
static void test_over_limit_trains(setup *s) {
    /* a smooth target the network can learn in a few steps */
    for (int z = 0; z < HZ; z++)
        for (int y = 0; y < HY; y++)
            for (int x = 0; x < HX; x++)
                s->target[(z * HY + y) * HX + x] = 0.5f + 0.3f * sinf(0.2f * (float)(x + y + z));
    e2e_fit f;
    size_t full_floats = srno_acts_size(&s->rc, LX, LY, LZ, HX, HY, HZ);
    CHECK(e2e_fit_init_batch(&f, &s->sc, &s->rc, LX, LY, LZ, HX, HY, HZ, s->target, NULL, 0.0f,
                             E2EC_LOSS_L1, 4, full_floats) == E2EC_OK,
          "over the limit: window mode");
    e2ec_params p;
    e2ec_params_default(&p);
    p.epochs = 40, p.batch = 4, p.progress_every = 1;
    losses l = {0, 0};
    p.progress = record, p.progress_user = &l;
    rng r = {11};
    CHECK(train_loop(&p, s->n, s->params, e2e_fit_grad, &f, &r) == E2EC_OK, "trains");
    CHECK(l.last < 0.7 * l.first, "the sampled loss falls: %.4g -> %.4g", l.first, l.last);
    e2e_fit_free(&f);
}

int main(void) {
    setup s;
    make_setup(&s);
    test_all_windows_equal_full_batch(&s, E2EC_LOSS_L1, 0.5f);
    test_all_windows_equal_full_batch(&s, E2EC_LOSS_L2, 0.0f);
    test_sampled_reproducible(&s);
    test_over_limit_trains(&s);
    free_setup(&s);
    return check_summary();
}
