/*
 * The integer ARM (codec/ent/arm_int.h): against its float twin computed in
 * double with the same dequantised weights, within the rounding the integer
 * network makes (half a unit of 1/256 per activation, carried through the
 * following layers' weights); saturation without overflow at extreme weights
 * and inputs (UBSan watches in CI); quantise o dequantise is the identity on
 * integer networks; quantising at coarser steps; refusals of sizes and
 * shifts beyond the caps.
 */
#include <math.h>
#include <string.h>

#include "check.h"
#include "ent/arm_int.h"
#include "gradcheck.h"

/* The float twin in double: out[0] = mu, out[1] = log2 b, in 1/256 units;
 * bound[o] = the worst rounding error the integer network can add there.
 * Returns 0 where an activation reaches the integer network's saturation. */
static int twin(const float *p, int ctx, int hidden, const int32_t *x, double out[2],
                double bound[2]) {
    int inside = 1;
    double a[ARM_MAX_HIDDEN > ARM_MAX_CTX ? ARM_MAX_HIDDEN : ARM_MAX_CTX], h[ARM_MAX_HIDDEN];
    double e[ARM_MAX_HIDDEN] = {0}, eh[ARM_MAX_HIDDEN];
    int in[3] = {ctx, hidden, hidden}, outs[3] = {hidden, hidden, 2};
    for (int i = 0; i < ctx; i++) a[i] = (double)x[i] / ARM_ACT_FRAC;
    for (int l = 0; l < 3; l++) {
        const float *w = p, *b = p + outs[l] * in[l];
        for (int o = 0; o < outs[l]; o++) {
            /* this layer's rounding: to 1/256 units, the outputs to 1/65536 */
            double s = b[o], err = 0.5 / (l < 2 ? ARM_ACT_FRAC : ARM_OUT_FRAC);
            for (int i = 0; i < in[l]; i++) {
                s += w[o * in[l] + i] * a[i];
                err += fabs(w[o * in[l] + i]) * (l ? e[i] : 0.0);
            }
            h[o] = l < 2 && s < 0 ? 0 : s;
            inside &= l == 2 || fabs(s) < (double)(ARM_ACT_MAX - 1) / ARM_ACT_FRAC;
            eh[o] = err;
        }
        for (int o = 0; o < outs[l]; o++) a[o] = h[o], e[o] = eh[o];
        p += (in[l] + 1) * outs[l];
    }
    for (int o = 0; o < 2; o++) out[o] = a[o] * ARM_OUT_FRAC, bound[o] = e[o] * ARM_OUT_FRAC;
    return inside;
}

/* A network with PyTorch's initial scale, U(-k, k) with k = gain / sqrt(fan_in). */
static void init(float *p, int ctx, int hidden, float gain) {
    int in[3] = {ctx, hidden, hidden}, out[3] = {hidden, hidden, 2};
    for (int l = 0; l < 3; l++) {
        int n = (in[l] + 1) * out[l];
        float k = gain / sqrtf((float)in[l]);
        gc_fill(p, n, (unsigned)(ctx * 31 + hidden + l), -k, k);
        p += n;
    }
}

static void against_twin(int ctx, int hidden, float gain) {
    int np = arm_param_count(ctx, hidden);
    float *p = malloc(np * sizeof *p), *dq = malloc(np * sizeof *dq);
    init(p, ctx, hidden, gain);
    arm_int m;
    CHECK(arm_int_quantise(&m, ctx, hidden, p) == E2EC_OK, "quantise");
    arm_int_dequantise(&m, dq);
    double worst = 0.0, worst_q = 0.0;
    unsigned s = 77;
    int checked = 0;
    for (int t = 0; t < 2000; t++) {
        int32_t x[ARM_MAX_CTX];
        for (int i = 0; i < ctx; i++) {
            s = s * 1664525u + 1013904223u;
            x[i] = (int32_t)(s >> 18) - 8192; /* +-32 in 1/256 units */
        }
        int32_t mu, lb;
        arm_int_forward(&m, x, &mu, &lb);
        double want[2], bound[2], wantp[2];
        if (!twin(dq, ctx, hidden, x, want, bound)) continue;
        checked++;
        worst = fmax(worst, fmax(fabs(mu - want[0]) / bound[0], fabs(lb - want[1]) / bound[1]));
        twin(p, ctx, hidden, x, wantp, bound);
        worst_q = fmax(worst_q, fabs(mu - wantp[0]) / ARM_OUT_FRAC);
    }
    printf("arm %d-%d-%d-2 (shifts %d %d %d): integer vs float twin %.3f of the rounding bound "
           "(%d of 2000 inputs unsaturated); mu vs unquantised weights %.4f\n", ctx, hidden,
           hidden, m.shift[0], m.shift[1], m.shift[2], worst, checked, worst_q);
    CHECK(worst <= 1.0, "integer ARM off its twin by %g of the bound", worst);
    CHECK(checked >= 1800, "only %d inputs stay below saturation", checked);
    /* quantise o dequantise = identity */
    arm_int m2;
    arm_int_quantise(&m2, ctx, hidden, dq);
    CHECK(memcmp(m.w0, m2.w0, sizeof m.w0) == 0 && memcmp(m.w1, m2.w1, sizeof m.w1) == 0 &&
              memcmp(m.w2, m2.w2, sizeof m.w2) == 0 && memcmp(m.b0, m2.b0, sizeof m.b0) == 0 &&
              memcmp(m.b1, m2.b1, sizeof m.b1) == 0 && memcmp(m.b2, m2.b2, sizeof m.b2) == 0,
          "quantise(dequantise(m)) == m");
    free(p);
    free(dq);
}

/* Coarser steps: layer l's shift is the finest's minus coarser[l], at least
 * 0 (a negative coarser as 0), its integers the float weights rounded there. */
static void coarser(void) {
    const int ctx = 18, hidden = 12, np = arm_param_count(ctx, hidden);
    float *p = malloc(np * sizeof *p);
    init(p, ctx, hidden, 1.0f);
    arm_int fine, c;
    arm_int_quantise(&fine, ctx, hidden, p);
    const int d[3] = {2, -1, 30};
    CHECK(arm_int_quantise_coarser(&c, ctx, hidden, p, d) == E2EC_OK, "quantise coarser");
    CHECK(c.shift[0] == fine.shift[0] - 2 && c.shift[1] == fine.shift[1] && c.shift[2] == 0,
          "shifts %d %d %d from the finest %d %d %d", c.shift[0], c.shift[1], c.shift[2], fine.shift[0],
          fine.shift[1], fine.shift[2]);
    int exact = memcmp(c.w1, fine.w1, sizeof c.w1) == 0 && memcmp(c.b1, fine.b1, sizeof c.b1) == 0;
    for (int i = 0; i < ctx * hidden; i++) exact &= c.w0[i] == (int16_t)nearbyint(ldexp(p[i], c.shift[0]));
    for (int o = 0; o < hidden; o++)
        exact &= c.b0[o] == (int32_t)nearbyint(ldexp(p[ctx * hidden + o], c.shift[0] + 8));
    CHECK(exact, "the weights and biases rounded at the coarser steps");
    free(p);
}

static void extremes(void) {
    int np = arm_param_count(ARM_MAX_CTX, ARM_MAX_HIDDEN);
    float *p = malloc(np * sizeof *p);
    for (int i = 0; i < np; i++) p[i] = i % 2 ? 1e9f : -1e9f; /* saturate int16 / int32 */
    arm_int m;
    CHECK(arm_int_quantise(&m, ARM_MAX_CTX, ARM_MAX_HIDDEN, p) == E2EC_OK, "saturating quantise");
    int32_t x[ARM_MAX_CTX];
    for (int c = 0; c < 2; c++) {
        for (int i = 0; i < ARM_MAX_CTX; i++) x[i] = c ? INT32_MIN : INT32_MAX;
        int32_t mu, lb;
        arm_int_forward(&m, x, &mu, &lb);
        (void)mu, (void)lb; /* any value: UBSan checks the arithmetic */
    }
    free(p);
    int bad[3] = {0, ARM_MAX_SHIFT + 1, 0}, ok[3] = {0, 0, 0};
    CHECK(arm_int_check(0, 8, ok) == E2EC_ERR_LIMIT && arm_int_check(8, ARM_MAX_HIDDEN + 1, ok) == E2EC_ERR_LIMIT &&
              arm_int_check(ARM_MAX_CTX + 1, 8, ok) == E2EC_ERR_LIMIT && arm_int_check(8, 8, bad) == E2EC_ERR_LIMIT &&
              arm_int_check(8, 8, ok) == E2EC_OK,
          "sizes and shifts beyond the caps are refused");
}

int main(void) {
    against_twin(8, 8, 1.0f);
    against_twin(16, 16, 1.0f);
    against_twin(ARM_MAX_CTX, ARM_MAX_HIDDEN, 1.0f);
    against_twin(3, 5, 3.0f);
    coarser();
    extremes();
    return check_summary();
}
