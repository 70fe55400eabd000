/* The ARM's float twin (see arm_float.h). */
#include "arm_float.h"

#include <math.h>

#include "arm_int.h"
#include "laplace_int.h"
#include "laplace_rate.h"

int arm_float_alloc(arm_float *a, int cap, int ctx, int hidden) {
    a->ctx = ctx, a->hidden = hidden;
    return relu_mlp_alloc(&a->m, cap, ctx, hidden, 2, 1);
}

void arm_float_free(arm_float *a) { relu_mlp_free(&a->m); }

void arm_float_init(float *params, int ctx, int hidden, rng *r) {
    int fan[3] = {ctx, hidden, hidden}, size[3] = {hidden * ctx + hidden, hidden * hidden + hidden,
                                                   2 * hidden + 2};
    for (int l = 0; l < 3; l++) {
        float bound = 1.0f / sqrtf((float)fan[l]) * (l == 2 ? 0.01f : 1.0f);
        for (int i = 0; i < size[l]; i++) *params++ = rng_range(r, -bound, bound);
    }
}

void arm_float_forward(arm_float *a, const float *params, const float *in, int n) {
    relu_mlp_forward(&a->m, params, in, n);
}

void arm_float_backward(arm_float *a, const float *params, const float *in, const float *dout,
                        int n, float *grad) {
    relu_mlp_backward(&a->m, params, grad, in, dout, NULL, n);
}

double arm_float_rate(const float out[2], double ref, int shift, double x, double lo, double hi,
                      double dout[2], double *dx) {
    /* log2 b within the integer model's clamp */
    const double lb_lo = (double)LAPLACE_LOG2B_MIN / LAPLACE_FRAC,
                 lb_hi = (double)LAPLACE_LOG2B_MAX / LAPLACE_FRAC;
    double scale = ldexp(1.0, shift), mu = ref + out[0] * scale, lb = out[1] + shift, dmu, dlb;
    int clamped = lb < lb_lo || lb > lb_hi;
    lb = fmin(fmax(lb, lb_lo), lb_hi);
    double bits = laplace_rate(x, lo, hi, mu, lb, &dmu, &dlb);
    dout[0] = dmu * scale;
    dout[1] = clamped ? 0.0 : dlb;
    /* the rate reads x - mu (the folded ends aside, which move with neither) */
    *dx = -dmu;
    return bits;
}
