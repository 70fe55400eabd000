/* Galerkin attention block: forward against a direct double-precision
 * evaluation of its definition, backward against finite differences for the
 * input and all parameters, with 1 and 2 heads. */
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "nn/galerkin.h"
#include "nn/layernorm.h"

typedef struct {
    int n, w, heads;
    float *x, *p, *r, *y, *acts, *scratch, *which;
} ctx;

static double loss(const float *xx, void *pp) {
    (void)xx;
    ctx *c = pp;
    galerkin_forward(c->y, c->acts, c->x, c->p, c->n, c->w, c->heads);
    double s = 0.0;
    for (int i = 0; i < c->n * c->w; i++) s += (double)c->y[i] * c->r[i];
    return s;
}

static void grad(float *dx, void *pp) {
    ctx *c = pp;
    size_t nx = (size_t)c->n * c->w, np = galerkin_param_count(c->w);
    float *gx = calloc(nx, sizeof *gx), *gp = calloc(np, sizeof *gp);
    galerkin_forward(c->y, c->acts, c->x, c->p, c->n, c->w, c->heads);
    galerkin_backward(gx, gp, c->r, c->acts, c->x, c->p, c->n, c->w, c->heads, c->scratch);
    if (c->which == c->x) memcpy(dx, gx, nx * sizeof *dx);
    else memcpy(dx, gp, np * sizeof *dx);
    free(gx);
    free(gp);
}

static double gelu_d(double a) { return 0.5 * a * (1.0 + erf(a / sqrt(2.0))); }

/* The block's definition, row by row, in double. */
static double reference_error(const ctx *c) {
    int n = c->n, w = c->w, hc = w / c->heads;
    const float *wqkv = c->p, *bqkv = wqkv + 3 * w * w, *kg = bqkv + 3 * w, *kb = kg + w,
                *vg = kb + w, *vb = vg + w, *w1 = vb + w, *b1 = w1 + w * w, *w2 = b1 + w,
                *b2 = w2 + w * w;
    double *qkv = calloc((size_t)n * 3 * w, sizeof *qkv), *r = calloc((size_t)n * w, sizeof *r);
    for (int i = 0; i < n; i++)
        for (int o = 0; o < 3 * w; o++) {
            double s = bqkv[o];
            for (int j = 0; j < w; j++) s += (double)wqkv[o * w + j] * c->x[i * w + j];
            qkv[i * 3 * w + o] = s;
        }
    for (int h = 0; h < c->heads; h++) {
        for (int i = 0; i < n; i++) /* layer norm of k and v, head h */
            for (int part = 1; part <= 2; part++) {
                double *t = qkv + i * 3 * w + h * 3 * hc + part * hc, m = 0.0, v = 0.0;
                const float *gg = part == 1 ? kg : vg, *bb = part == 1 ? kb : vb;
                for (int j = 0; j < hc; j++) m += t[j] / hc;
                for (int j = 0; j < hc; j++) v += (t[j] - m) * (t[j] - m) / hc;
                for (int j = 0; j < hc; j++)
                    t[j] = gg[h * hc + j] * (t[j] - m) / sqrt(v + LAYERNORM_EPS) + bb[h * hc + j];
            }
        for (int i = 0; i < n; i++)
            for (int b = 0; b < hc; b++) {
                double s = 0.0;
                for (int a = 0; a < hc; a++) {
                    double m = 0.0;
                    for (int t = 0; t < n; t++)
                        m += qkv[t * 3 * w + h * 3 * hc + hc + a] * qkv[t * 3 * w + h * 3 * hc + 2 * hc + b];
                    s += qkv[i * 3 * w + h * 3 * hc + a] * m / n;
                }
                r[i * w + h * hc + b] = s + c->x[i * w + h * hc + b];
            }
    }
    double worst = 0.0;
    for (int i = 0; i < n; i++)
        for (int o = 0; o < w; o++) {
            double s = b2[o] + r[i * w + o];
            for (int j = 0; j < w; j++) {
                double a = b1[j];
                for (int k = 0; k < w; k++) a += (double)w1[j * w + k] * r[i * w + k];
                s += w2[o * w + j] * gelu_d(a);
            }
            worst = fmax(worst, fabs(s - c->y[i * w + o]));
        }
    free(qkv);
    free(r);
    return worst;
}

static void run(int n, int w, int heads) {
    ctx c = {n, w, heads, 0, 0, 0, 0, 0, 0, 0};
    size_t nx = (size_t)n * w, np = galerkin_param_count(w);
    c.x = malloc(nx * sizeof(float));
    c.p = malloc(np * sizeof(float));
    c.r = malloc(nx * sizeof(float));
    c.y = malloc(nx * sizeof(float));
    c.acts = malloc(galerkin_acts_size(n, w, heads) * sizeof(float));
    c.scratch = malloc(galerkin_scratch_size(n, w, heads) * sizeof(float));
    gc_fill(c.x, nx, 1, -1, 1);
    gc_fill(c.p, np, 2, -0.6f, 0.6f);
    /* layer-norm gains near 1 (random, to check them): small gains make M, and
     * with it the q gradients, too small to measure in float */
    gc_fill(c.p + 3 * w * w + 3 * w, w, 5, 0.8f, 1.6f);
    gc_fill(c.p + 3 * w * w + 5 * w, w, 6, 0.8f, 1.6f);
    gc_fill(c.r, nx, 3, -1, 1);
    galerkin_forward(c.y, c.acts, c.x, c.p, n, w, heads);
    double fe = reference_error(&c);
    CHECK(fe < 1e-4, "forward off the definition by %g", fe);
    c.which = c.x;
    double ex = gradcheck(c.x, nx, loss, grad, &c, 1e-2, 300, "dx");
    c.which = c.p;
    double ep = gradcheck(c.p, np, loss, grad, &c, 1e-2, 400, "dparams");
    printf("galerkin n=%d w=%d heads=%d: forward %.2g, grad x %.2e params %.2e\n", n, w, heads,
           fe, ex, ep);
    CHECK(ex < 1e-2, "dx %g", ex);
    CHECK(ep < 1e-2, "dparams %g", ep);
    free(c.x);
    free(c.p);
    free(c.r);
    free(c.y);
    free(c.acts);
    free(c.scratch);
}

int main(void) {
    run(10, 6, 2);
    run(9, 4, 1);
    return check_summary();
}
