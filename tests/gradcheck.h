/*
 * Finite-difference gradient checks. A layer under test is wrapped as
 *     double loss(const float *x, void *ctx)
 * = sum(out(x) * r) for a fixed random r, and
 *     void grad(float *dx, void *ctx)
 * = its analytic gradient (the layer's backward with dout = r, accumulating
 * into a zeroed dx). gradcheck() compares them by central differences in x.
 */
#ifndef E2EC_TEST_GRADCHECK_H
#define E2EC_TEST_GRADCHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef double (*gc_loss_fn)(const float *x, void *ctx);
typedef void (*gc_grad_fn)(float *dx, void *ctx);

/*
 * Returns the worst relative error |a - n| / max(|a| + |n|, floor) over up to
 * max_checks coordinates of x (all when n <= max_checks, else evenly spread).
 * x is restored. eps is the step; float32 layers want ~1e-2 to 1e-3.
 */
static inline double gradcheck(float *x, size_t n, gc_loss_fn loss, gc_grad_fn grad, void *ctx,
                               double eps, size_t max_checks, const char *name) {
    float *dx = calloc(n, sizeof *dx);
    grad(dx, ctx);
    double worst = 0.0;
    size_t step = n <= max_checks ? 1 : n / max_checks;
    for (size_t i = 0; i < n; i += step) {
        float keep = x[i];
        x[i] = (float)(keep + eps);
        double lp = loss(x, ctx);
        x[i] = (float)(keep - eps);
        double lm = loss(x, ctx);
        x[i] = keep;
        double num = (lp - lm) / (2.0 * eps);
        double a = dx[i];
        double den = fabs(a) + fabs(num);
        if (den < 1e-3) den = 1e-3;
        double rel = fabs(a - num) / den;
        if (rel > worst) {
            worst = rel;
            if (rel > 1e-2)
                fprintf(stderr, "  %s[%zu]: analytic %.6g numeric %.6g\n", name, i, a, num);
        }
    }
    free(dx);
    return worst;
}

/* Fills x with uniform values in [lo, hi) from a fixed LCG (tests only). */
static inline void gc_fill(float *x, size_t n, unsigned seed, float lo, float hi) {
    unsigned s = seed * 2654435761u + 1u;
    for (size_t i = 0; i < n; i++) {
        s = s * 1664525u + 1013904223u;
        x[i] = lo + (hi - lo) * (float)(s >> 8) / 16777216.0f;
    }
}

#endif
