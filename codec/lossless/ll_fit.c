/* Fitting the lossless ARM (see ll_fit.h). */
#include "ll_fit.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "adam.h"
#include "ent/arm_int.h"
#include "ent/laplace_rate.h"
#include "ll_model.h"
#include "nn/linear.h"
#include "nn/relu.h"
#include "rng.h"

int ll_pick_shift(const ll_shape *s, const int32_t *v) {
    double sum = 0.0;
    size_t n = 0;
    int32_t nb[LL_CTX];
    for (int z = 0; z < s->nz; z++)
        for (int y = 0; y < s->ny; y += 3)
            for (int x = 0; x < s->nx; x += 3) {
                int32_t ref = ll_context(s, v, x, y, z, nb);
                sum += fabs((double)v[x + (size_t)s->nx * (y + (size_t)s->ny * z)] - ref);
                n++;
            }
    int k = (int)floor(log2(sum / (double)n + 1.0));
    return k < 0 ? 0 : k > LL_MAX_SHIFT ? LL_MAX_SHIFT : k;
}

e2ec_status ll_fit(const ll_shape *s, const int32_t *v, int32_t lo, int32_t hi, int shift,
                   const ll_fit_opts *o, float *params, double *bits) {
    const int C = LL_CTX, H = o->hidden, B = o->batch;
    int np = arm_param_count(C, H);
    /* views: W0 [H][C] b0 [H], W1 [H][H] b1 [H], W2 [2][H] b2 [2] */
    float *w0 = params, *b0 = w0 + H * C, *w1 = b0 + H, *b1 = w1 + H * H, *w2 = b1 + H,
          *b2 = w2 + 2 * H;
    float *grad = calloc((size_t)np, sizeof *grad);
    float *x = malloc((size_t)B * C * sizeof *x), *a1 = malloc((size_t)B * H * sizeof *a1),
          *h1 = malloc((size_t)B * H * sizeof *h1), *a2 = malloc((size_t)B * H * sizeof *a2),
          *h2 = malloc((size_t)B * H * sizeof *h2), *out = malloc((size_t)B * 2 * sizeof *out),
          *dout = malloc((size_t)B * 2 * sizeof *dout), *dh2 = malloc((size_t)B * H * sizeof *dh2),
          *da2 = malloc((size_t)B * H * sizeof *da2), *dh1 = malloc((size_t)B * H * sizeof *dh1),
          *da1 = malloc((size_t)B * H * sizeof *da1);
    int32_t *ref = malloc((size_t)B * sizeof *ref), *val = malloc((size_t)B * sizeof *val);
    adam_state opt = {0};
    e2ec_status st = E2EC_OK;
    if (!grad || !x || !a1 || !h1 || !a2 || !h2 || !out || !dout || !dh2 || !da2 || !dh1 || !da1 ||
        !ref || !val || adam_init(&opt, (size_t)np, o->lr)) {
        st = E2EC_ERR_NOMEM;
        goto done;
    }
    rng r = {o->seed};
    /* PyTorch's default init, then an output layer near zero: start at MED */
    int fan[3] = {C, H, H}, size[3] = {H * C + H, H * H + H, 2 * H + 2};
    float *p = params;
    for (int l = 0; l < 3; l++) {
        float bound = 1.0f / sqrtf((float)fan[l]) * (l == 2 ? 0.01f : 1.0f);
        for (int i = 0; i < size[l]; i++) *p++ = rng_range(&r, -bound, bound);
    }
    const size_t n = (size_t)s->nx * s->ny * s->nz;
    /* log2 b within the integer model's clamp */
    const double lb_lo = (double)LAPLACE_LOG2B_MIN / LAPLACE_FRAC,
                 lb_hi = (double)LAPLACE_LOG2B_MAX / LAPLACE_FRAC;
    /* the scale's start: the mean |voxel - reference| of a sample */
    double mad = 0.0;
    for (int i = 0; i < 4096; i++) {
        size_t k = (size_t)(rng_next(&r) % n);
        int x0 = (int)(k % s->nx), y0 = (int)(k / s->nx % s->ny), z0 = (int)(k / ((size_t)s->nx * s->ny));
        float in[LL_CTX];
        mad += fabs((double)v[k] - ll_inputs(s, v, x0, y0, z0, shift, in));
    }
    b2[1] = (float)(log2(mad / 4096 + 0.5) - shift);
    double tail = 0.0;
    int tail_from = o->steps - o->steps / 10;
    for (int step = 0; step < o->steps; step++) {
        for (int i = 0; i < B; i++) {
            size_t k = (size_t)(rng_next(&r) % n);
            int x0 = (int)(k % s->nx), y0 = (int)(k / s->nx % s->ny),
                z0 = (int)(k / ((size_t)s->nx * s->ny));
            ref[i] = ll_inputs(s, v, x0, y0, z0, shift, x + (size_t)i * C);
            val[i] = v[k];
        }
        linear_forward(a1, x, w0, b0, B, C, H);
        relu_forward(h1, a1, (size_t)B * H);
        linear_forward(a2, h1, w1, b1, B, H, H);
        relu_forward(h2, a2, (size_t)B * H);
        linear_forward(out, h2, w2, b2, B, H, 2);
        double sum = 0.0, scale = ldexp(1.0, shift);
        for (int i = 0; i < B; i++) {
            double mu = ref[i] + out[2 * i] * scale, lb = out[2 * i + 1] + shift, dmu, dlb;
            int clamped = lb < lb_lo || lb > lb_hi;
            lb = fmin(fmax(lb, lb_lo), lb_hi);
            sum += laplace_rate(val[i], lo, hi, mu, lb, &dmu, &dlb);
            dout[2 * i] = (float)(dmu * scale / B);
            dout[2 * i + 1] = clamped ? 0.0f : (float)(dlb / B);
        }
        if (step >= tail_from) tail += sum / B;
        memset(grad, 0, (size_t)np * sizeof *grad);
        memset(dh2, 0, (size_t)B * H * sizeof *dh2);
        memset(da2, 0, (size_t)B * H * sizeof *da2);
        memset(dh1, 0, (size_t)B * H * sizeof *dh1);
        memset(da1, 0, (size_t)B * H * sizeof *da1);
        float *gw0 = grad, *gb0 = gw0 + H * C, *gw1 = gb0 + H, *gb1 = gw1 + H * H, *gw2 = gb1 + H,
              *gb2 = gw2 + 2 * H;
        linear_backward(dh2, gw2, gb2, dout, h2, w2, B, H, 2);
        relu_backward(da2, dh2, a2, (size_t)B * H);
        linear_backward(dh1, gw1, gb1, da2, h1, w1, B, H, H);
        relu_backward(da1, dh1, a1, (size_t)B * H);
        linear_backward(NULL, gw0, gb0, da1, x, w0, B, C, H);
        opt.lr = o->lr * 0.5f * (1.0f + cosf((float)M_PI * (float)step / (float)o->steps));
        adam_step(&opt, params, grad);
    }
    *bits = tail / (o->steps - tail_from);
done:
    adam_free(&opt);
    free(grad), free(x), free(a1), free(h1), free(a2), free(h2), free(out), free(dout);
    free(dh2), free(da2), free(dh1), free(da1), free(ref), free(val);
    return st;
}
