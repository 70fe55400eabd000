/*
 * The ARM's float twin (codec/ent/arm_float.h) against finite differences:
 * the backward's parameter gradient of sum(out * r); the rate's derivatives
 * in out0, out1 and the coded value x, in the Laplace's body, in a tail, at
 * the alphabet's ends and with a shift; the clamped log2 b gives no gradient.
 * And the twin agrees with the integer network it is quantised to
 * (arm_int_forward) within the integer network's rounding.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "ent/arm_float.h"
#include "ent/arm_int.h"
#include "gradcheck.h"

enum { C = 18, H = 12, N = 9 };

typedef struct {
    arm_float a;
    float *in, *r;
    float *params;
} net_ctx;

static double net_loss(const float *p, void *v) {
    net_ctx *c = v;
    arm_float_forward(&c->a, p, c->in, N);
    double s = 0.0;
    for (int i = 0; i < 2 * N; i++) s += (double)c->a.m.out[i] * c->r[i];
    return s;
}

static void net_grad(float *dp, void *v) {
    net_ctx *c = v;
    arm_float_forward(&c->a, c->params, c->in, N);
    arm_float_backward(&c->a, c->params, c->in, c->r, N, dp);
}

static void backward_check(void) {
    int np = arm_param_count(C, H);
    net_ctx c;
    CHECK(!arm_float_alloc(&c.a, N, C, H), "alloc");
    c.in = malloc(N * C * sizeof *c.in), c.r = malloc(2 * N * sizeof *c.r);
    c.params = malloc((size_t)np * sizeof *c.params);
    gc_fill(c.in, N * C, 1, -2.0f, 2.0f);
    gc_fill(c.r, 2 * N, 2, -1.0f, 1.0f);
    rng r = {7};
    arm_float_init(c.params, C, H, &r);
    /* a larger output layer than the init's, so its gradient is not tiny */
    for (int i = np - 2 * H - 2; i < np; i++) c.params[i] *= 50.0f;
    double worst = gradcheck(c.params, (size_t)np, net_loss, net_grad, &c, 1e-3, 400, "arm params");
    printf("ARM backward: worst relative error %.2e\n", worst);
    CHECK(worst < 2e-2, "ARM backward off by %.3g", worst);
    /* the twin against the integer network it quantises to */
    arm_int q;
    CHECK(arm_int_quantise(&q, C, H, c.params) == E2EC_OK, "quantise");
    float *dq = malloc((size_t)np * sizeof *dq);
    arm_int_dequantise(&q, dq);
    /* the inputs as the integer network reads them, in 1/256 units */
    int32_t x[N][C];
    for (int i = 0; i < N * C; i++) {
        x[i / C][i % C] = (int32_t)lrintf(c.in[i] * ARM_ACT_FRAC);
        c.in[i] = (float)x[i / C][i % C] / ARM_ACT_FRAC;
    }
    arm_float_forward(&c.a, dq, c.in, N);
    double far = 0.0;
    for (int i = 0; i < N; i++) {
        int32_t mu, lb;
        arm_int_forward(&q, x[i], &mu, &lb);
        far = fmax(far, fabs(mu / (double)ARM_OUT_FRAC - c.a.m.out[2 * i]));
        far = fmax(far, fabs(lb / (double)ARM_OUT_FRAC - c.a.m.out[2 * i + 1]));
    }
    printf("ARM twin against the integer network: %.2e at most\n", far);
    CHECK(far < 0.05, "twin and integer network differ by %.3g", far);
    arm_float_free(&c.a);
    free(c.in), free(c.r), free(c.params), free(dq);
}

/* the rate as a function of v = (out0, out1, x) */
typedef struct {
    double ref, lo, hi;
    int shift;
} rate_ctx;

static double rate_loss(const float *v, void *p) {
    rate_ctx *c = p;
    double d[2], dx;
    return arm_float_rate(v, c->ref, c->shift, v[2], c->lo, c->hi, d, &dx);
}

static float *rate_at;
static void rate_grad(float *g, void *p) {
    rate_ctx *c = p;
    double d[2], dx;
    arm_float_rate(rate_at, c->ref, c->shift, rate_at[2], c->lo, c->hi, d, &dx);
    g[0] = (float)d[0], g[1] = (float)d[1], g[2] = (float)dx;
}

static void rate_check(const char *what, float out0, float out1, float x, double ref, int shift,
                       double lo, double hi) {
    float v[3] = {out0, out1, x};
    rate_ctx c = {ref, lo, hi, shift};
    rate_at = v;
    double worst = gradcheck(v, 3, rate_loss, rate_grad, &c, 1e-3, 3, what);
    printf("rate, %s: worst relative error %.2e\n", what, worst);
    CHECK(worst < 1e-2, "rate derivatives (%s) off by %.3g", what, worst);
}

int main(void) {
    backward_check();
    rate_check("body", 0.3f, 0.5f, 1.2f, 1.0, 0, -50, 50);
    rate_check("tail", -0.4f, -0.5f, 5.3f, 0.0, 0, -50, 50);
    rate_check("shift 2", 0.2f, -1.0f, -3.7f, -2.0, 2, -50, 50);
    rate_check("low end", 0.1f, 0.7f, -3.8f, -2.0, 0, -4, 10);
    rate_check("high end", 0.1f, 0.2f, 9.9f, 8.0, 0, -4, 10);
    /* log2 b clamped at the integer model's floor: no gradient into out1 */
    double d[2], dx;
    float out[2] = {0.0f, -20.0f};
    double bits = arm_float_rate(out, 0.0, 0, 0.0, -8, 8, d, &dx);
    CHECK(d[1] == 0.0 && bits < 0.01, "clamped scale: d out1 %g, %g bits", d[1], bits);
    return check_summary();
}
