/*
 * The whole SRNO: backward against finite differences (a spread sample of the
 * parameters, and the low-res input) on tiny volumes, one with a single
 * attention window (4^3 -> 8^3) and a non-cubic one with uneven scales and
 * partial windows; then plane-range inference against the training forward
 * and against itself, bit for bit, reading only the planes srno_lr_planes names.
 */
#include <float.h>
#include <omp.h>
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "nn/conv3d.h"
#include "srno.h"

typedef struct {
    srno_config c;
    uint32_t lx, ly, lz, hx, hy, hz;
    float *params, *lr, *hr, *r, *acts;
    int wrt_lr;
} ctx;

static size_t nlr(const ctx *t) { return (size_t)t->lx * t->ly * t->lz; }
static size_t nhr(const ctx *t) { return (size_t)t->hx * t->hy * t->hz; }

static double loss(const float *x, void *p) {
    (void)x;
    ctx *t = p;
    srno_forward(&t->c, t->params, t->lr, t->lx, t->ly, t->lz, t->hr, t->hx, t->hy, t->hz,
                 t->acts);
    double s = 0.0;
    for (size_t i = 0; i < nhr(t); i++) s += (double)t->hr[i] * t->r[i];
    return s;
}

static void grad(float *dx, void *p) {
    ctx *t = p;
    size_t np = srno_param_count(&t->c);
    float *dp = calloc(np, sizeof *dp), *dlr = calloc(nlr(t), sizeof *dlr);
    srno_forward(&t->c, t->params, t->lr, t->lx, t->ly, t->lz, t->hr, t->hx, t->hy, t->hz,
                 t->acts);
    srno_backward(&t->c, t->params, dp, t->lr, t->lx, t->ly, t->lz, t->r, t->hx, t->hy, t->hz,
                  t->acts, dlr);
    if (t->wrt_lr) memcpy(dx, dlr, nlr(t) * sizeof *dx);
    else memcpy(dx, dp, np * sizeof *dx);
    free(dp);
    free(dlr);
}

static void setup(ctx *t, const srno_config *c, uint32_t lx, uint32_t ly, uint32_t lz,
                  uint32_t hx, uint32_t hy, uint32_t hz) {
    memset(t, 0, sizeof *t);
    t->c = *c;
    t->lx = lx, t->ly = ly, t->lz = lz, t->hx = hx, t->hy = hy, t->hz = hz;
    size_t np = srno_param_count(c);
    t->params = malloc(np * sizeof(float));
    rng g = {42};
    srno_init(c, t->params, &g);
    t->lr = malloc(nlr(t) * sizeof(float));
    t->hr = malloc(nhr(t) * sizeof(float));
    t->r = malloc(nhr(t) * sizeof(float));
    t->acts = malloc(srno_acts_size(c, lx, ly, lz, hx, hy, hz) * sizeof(float));
    gc_fill(t->lr, nlr(t), 3, 0, 1);
    gc_fill(t->r, nhr(t), 4, -1, 1);
}

static void teardown(ctx *t) {
    free(t->params);
    free(t->lr);
    free(t->hr);
    free(t->r);
    free(t->acts);
}

/* The signs of every ReLU input of the encoder, recomputed here from the
 * layer functions: a finite difference whose step flips one of them straddles
 * a kink, where the network is not differentiable. */
static void relu_signs(const ctx *t, unsigned char *sign) {
    srno_views v;
    srno_views_of(&v, &t->c, t->params);
    int nc = t->c.channels, d = (int)t->lz, h = (int)t->ly, w = (int)t->lx;
    size_t n = (size_t)nc * nlr(t);
    float *x = malloc(n * sizeof *x), *p = malloc(n * sizeof *p), *y = malloc(n * sizeof *y),
          *s = malloc(conv3d_scratch_size(nc, 3, h, w) * sizeof *s);
    conv3d_forward(x, t->lr, v.head_w, v.head_b, 1, nc, 3, d, h, w, s);
    for (int r = 0; r < t->c.resblocks; r++) {
        conv3d_forward(p, x, v.res_w[2 * r], v.res_b[2 * r], nc, nc, 3, d, h, w, s);
        for (size_t i = 0; i < n; i++) {
            sign[r * n + i] = p[i] > 0.0f;
            p[i] = p[i] > 0.0f ? p[i] : 0.0f;
        }
        conv3d_forward(y, p, v.res_w[2 * r + 1], v.res_b[2 * r + 1], nc, nc, 3, d, h, w, s);
        for (size_t i = 0; i < n; i++) x[i] += y[i];
    }
    free(x);
    free(p);
    free(y);
    free(s);
}

/* L(params + h d), restoring params. */
static double loss_at(ctx *t, size_t begin, size_t end, const float *d, double h,
                      unsigned char *sign) {
    float *keep = malloc((end - begin) * sizeof *keep);
    memcpy(keep, t->params + begin, (end - begin) * sizeof *keep);
    for (size_t i = begin; i < end; i++) t->params[i] = (float)(keep[i - begin] + h * d[i - begin]);
    double l = loss(NULL, t);
    if (sign) relu_signs(t, sign);
    memcpy(t->params + begin, keep, (end - begin) * sizeof *keep);
    free(keep);
    return l;
}

/* Moves every parameter by a few ulps (a fixed pseudo-random pattern per
 * `seed`; seed 0 restores `base`). The loss moves by ~1e-12 through the
 * gradient, far below its float rounding noise (~5e-7 on a loss of ~8), but
 * the rounding pattern of each sum in the network changes: repeated finite
 * differences at jittered points sample that noise independently. */
static void jitter(ctx *t, const float *base, unsigned seed) {
    size_t np = srno_param_count(&t->c);
    unsigned s = seed * 2654435761u + 1u;
    for (size_t i = 0; i < np; i++) {
        s = s * 1664525u + 1013904223u;
        int ulps = seed ? (int)(s >> 29) - 4 : 0; /* -4 .. 3 */
        t->params[i] = base[i] * (1.0f + (float)ulps * FLT_EPSILON / 2);
    }
}

/*
 * Parameters [begin, end) (one tensor group): directional derivatives, the
 * analytic g.d against a fourth-order central difference (step 1e-2) along d,
 * for d the unit vector along g itself and, when `random` is set, two random
 * unit sign vectors. Per-coordinate differences are not used for the whole
 * network: its gradients are ~1e-3 per weight while float rounding leaves
 * ~5e-7 of noise in the loss, and the layer norms make it too curved for
 * steps large enough to rise above that noise.
 *
 * Along a direction the difference quotient still carries that noise,
 * ~sqrt(130) / (12 h) * 5e-7 = 5e-5, which is the whole signal of a group
 * whose gradient is tiny (|g| ~ 6e-5 for some encoder convolutions). How that
 * noise falls depends on the BLAS kernels: OpenBLAS's AVX-512 (SkylakeX)
 * kernels round differently from its Haswell ones (forward outputs agree to
 * 4e-7, gradients to 1e-3 relative across the two), and a fixed tolerance
 * sitting on the noise floor failed on one and passed on the other. So the
 * quotient is taken NJ times, at points jittered by a few ulps (other rounding
 * patterns) and alternately at steps h and 2h (other truncation errors), and
 * its spread is measured; the check passes when
 *     |a - n| <= 1e-2 (|a| + |n|) + 3 sd(q),
 * n the mean quotient: 1 % of the gradient or three spreads of one quotient,
 * whichever is larger (the quotients' noise is partly correlated, so the
 * spread of the mean would be optimistic). A wrong gradient whose error
 * exceeds the measured noise still fails.
 * The aligned direction's signal |g| dwarfs the error of crossing a ReLU kink
 * of the encoder (where the network is not differentiable); a random
 * direction that flips a ReLU input is counted in *skipped instead.
 * Returns the worst |a - n| / (1e-2 (|a| + |n|) + 3 sd(q)): <= 1 passes.
 */
#define NJ 8
static double group_check(ctx *t, const float *g, size_t begin, size_t end, int random,
                          int *skipped) {
    size_t n = end - begin, ns = (size_t)t->c.resblocks * t->c.channels * nlr(t);
    size_t np = srno_param_count(&t->c);
    float *d = malloc(n * sizeof *d), *base = malloc(np * sizeof *base);
    memcpy(base, t->params, np * sizeof *base);
    unsigned char *s0 = malloc(ns + 1), *s1 = malloc(ns + 1);
    relu_signs(t, s0);
    double worst = 0.0;
    for (int k = 0; k < (random ? 3 : 1); k++) {
        if (k == 0) memcpy(d, g + begin, n * sizeof *d);
        else gc_fill(d, n, 11 + k, -1, 1);
        double norm = 0.0, a = 0.0;
        for (size_t i = 0; i < n; i++) {
            if (k) d[i] = d[i] < 0 ? -1.0f : 1.0f;
            norm += (double)d[i] * d[i];
        }
        for (size_t i = 0; i < n; i++) {
            d[i] = (float)(d[i] / sqrt(norm));
            a += (double)g[begin + i] * d[i];
        }
        const double at[4] = {2, 1, -1, -2};
        double sum = 0.0, sum2 = 0.0;
        int kink = 0;
        for (int j = 0; j < NJ && !kink; j++) {
            jitter(t, base, (unsigned)j);
            double h = j % 2 ? 2e-2 : 1e-2, l[4];
            for (int m = 0; m < 4; m++) {
                l[m] = loss_at(t, begin, end, d, at[m] * h, s1);
                kink |= k > 0 && memcmp(s0, s1, ns) != 0;
            }
            double q = (-l[0] + 8 * l[1] - 8 * l[2] + l[3]) / (12 * h);
            sum += q;
            sum2 += q * q;
        }
        jitter(t, base, 0);
        if (kink) {
            ++*skipped;
            continue;
        }
        double num = sum / NJ, sd = sqrt(fmax(sum2 / NJ - num * num, 0.0) * NJ / (NJ - 1));
        double err = fabs(a - num) / (1e-2 * (fabs(a) + fabs(num)) + 3 * sd);
        if (err > 1)
            fprintf(stderr, "  params [%zu, %zu) direction %d: analytic %.6g numeric %.6g (sd %.2g)\n",
                    begin, end, k, a, num, sd);
        worst = fmax(worst, err);
    }
    free(d);
    free(base);
    free(s0);
    free(s1);
    return worst;
}

/* shift = 0: the default init, where some ReLU inputs of the encoder lie
 * within a step's reach of their kink, so only the gradient-aligned direction
 * (robust: its signal is |g|) is checked per group. shift > 0 adds it to the
 * biases of each resblock's first conv, which moves every ReLU input far from
 * its kink: the network is smooth there and random directions are checked too. */
static void gradients(const srno_config *c, uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx,
                      uint32_t hy, uint32_t hz, float shift) {
    ctx t;
    setup(&t, c, lx, ly, lz, hx, hy, hz);
    /* thousands of forwards of a few hundred voxels: threads would only wait */
    int threads = omp_get_max_threads();
    omp_set_num_threads(1);
    /* the tensor groups, in storage order */
    srno_views v;
    srno_views_of(&v, c, t.params);
    const float *starts[2 * SRNO_MAX_RESBLOCKS + 8];
    int ng = 0;
    starts[ng++] = v.head_w;
    for (int r = 0; r < 2 * c->resblocks; r++) starts[ng++] = v.res_w[r];
    starts[ng++] = v.body_w;
    starts[ng++] = v.lift_w;
    for (int b = 0; b < SRNO_BLOCKS; b++) starts[ng++] = v.attn[b];
    starts[ng++] = v.dec_w1;
    for (int r = 0; r < c->resblocks; r++)
        for (int i = 0; i < c->channels; i++) v.res_b[2 * r][i] += shift;
    size_t np = srno_param_count(c);
    float *g = calloc(np, sizeof *g);
    grad(g, &t);
    double ee = 0.0, ep = 0.0;
    int skipped = 0;
    for (int i = 0; i < ng; i++) {
        size_t b0 = (size_t)(starts[i] - t.params), b1 = i + 1 < ng ? (size_t)(starts[i + 1] - t.params) : np;
        double e = group_check(&t, g, b0, b1, shift > 0, &skipped);
        if (starts[i] < v.lift_w) ee = fmax(ee, e);
        else ep = fmax(ep, e);
    }
    free(g);
    t.wrt_lr = 1;
    double el = gradcheck(t.lr, nlr(&t), loss, grad, &t, 1e-2, 200, "dlr");
    printf("srno %ux%ux%u -> %ux%ux%u (NC %d w %d heads %d R %d hidden %d window %d, shift %g): "
           "directional grad error/tolerance encoder %.2f, rest %.2f (%d groups x %d directions), lr %.2e\n",
           lx, ly, lz, hx, hy, hz, c->channels, c->width, c->heads, c->resblocks, c->hidden,
           c->window, shift, ee, ep, ng, shift > 0 ? 3 : 1, el);
    CHECK(skipped == 0, "%d directions skipped at kinks", skipped);
    /* group_check's measure passes at <= 1; without the shift a step may
     * cross a kink of the encoder, a few per cent of the gradient: 5x there */
    CHECK(ee <= (shift > 0 ? 1 : 5), "encoder error %g of the tolerance", ee);
    CHECK(ep <= 1, "params error %g of the tolerance", ep);
    CHECK(el < 2e-2, "lr rel error %g", el);
    omp_set_num_threads(threads);
    teardown(&t);
}

/* Inference of planes [z0, z1) against the training forward, exactly; lr is
 * poisoned (NaN) outside the planes srno_lr_planes names. */
static void planes(const srno_config *c, uint32_t lx, uint32_t ly, uint32_t lz, uint32_t hx,
                   uint32_t hy, uint32_t hz) {
    ctx t;
    setup(&t, c, lx, ly, lz, hx, hy, hz);
    srno_forward(c, t.params, t.lr, lx, ly, lz, t.hr, hx, hy, hz, t.acts);
    size_t plane = (size_t)hx * hy, lplane = (size_t)lx * ly;
    float *out = malloc(nhr(&t) * sizeof(float)), *lr = malloc(nlr(&t) * sizeof(float));
    int exact = 1, bounded = 1;
    for (uint32_t z0 = 0; z0 < hz; z0 += 3)
        for (uint32_t z1 = z0 + 1; z1 <= hz; z1 += 4) {
            uint32_t a, b;
            srno_lr_planes(c, lz, hz, z0, z1, &a, &b);
            bounded &= a < b && b <= lz;
            for (size_t i = 0; i < nlr(&t); i++)
                lr[i] = (i >= a * lplane && i < b * lplane) ? t.lr[i] : NAN;
            CHECK(srno_eval_planes(c, t.params, lr, lx, ly, lz, hx, hy, hz, z0, z1, out) ==
                      E2EC_OK,
                  "eval planes [%u, %u)", z0, z1);
            if (memcmp(out, t.hr + z0 * plane, (z1 - z0) * plane * sizeof(float))) {
                double d = 0.0;
                for (size_t i = 0; i < (z1 - z0) * plane; i++)
                    d = fmax(d, fabs(out[i] - t.hr[z0 * plane + i]));
                fprintf(stderr, "  planes [%u, %u) differ by up to %g\n", z0, z1, d);
                exact = 0;
            }
        }
    CHECK(bounded, "srno_lr_planes out of the grid");
    CHECK(exact, "%ux%ux%u window %d: plane-range inference is not bit-identical to the forward",
          hx, hy, hz, c->window);
    /* a slice's low-res neighbourhood is smaller than the volume when the volume is deep */
    uint32_t a, b;
    srno_lr_planes(c, lz, hz, 0, 1, &a, &b);
    printf("srno planes %ux%ux%u window %d: slice 0 reads low-res planes [%u, %u) of %u\n", hx,
           hy, hz, c->window, a, b, lz);
    free(out);
    free(lr);
    teardown(&t);
}

int main(void) {
    srno_config d;
    srno_config_default(&d);
    srno_config small = {2, 4, 1, 1, 6, 4};
    srno_config one = {3, 6, 1, 2, 5, 64};
    for (int smooth = 0; smooth < 2; smooth++) {
        float shift = smooth ? 3.0f : 0.0f;
        gradients(&d, 4, 4, 4, 8, 8, 8, shift);
        gradients(&small, 3, 4, 5, 5, 7, 9, shift);
        gradients(&one, 2, 3, 2, 7, 5, 6, shift);
    }

    planes(&d, 4, 4, 4, 8, 8, 8);
    planes(&small, 3, 4, 5, 5, 7, 9);
    srno_config deep = {2, 8, 2, 1, 6, 4};
    planes(&deep, 6, 5, 14, 12, 10, 28);
    return check_summary();
}
