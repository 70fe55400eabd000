/* conv3d: forward against a direct sum, backward against finite differences
 * (input, weights, bias), for kernels 3 and 1 on a non-cubic volume. */
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "nn/conv3d.h"

typedef struct {
    int cin, cout, k, d, h, w;
    float *in, *wt, *b, *r, *out, *scratch;
    float *which; /* the tensor being checked: in, wt or b */
} ctx;

static double loss(const float *x, void *p) {
    (void)x;
    ctx *c = p;
    conv3d_forward(c->out, c->in, c->wt, c->b, c->cin, c->cout, c->k, c->d, c->h, c->w,
                   c->scratch);
    double s = 0.0;
    for (int i = 0; i < c->cout * c->d * c->h * c->w; i++) s += (double)c->out[i] * c->r[i];
    return s;
}

static void grad(float *dx, void *p) {
    ctx *c = p;
    size_t nin = (size_t)c->cin * c->d * c->h * c->w;
    size_t nw = (size_t)c->cout * c->cin * c->k * c->k * c->k;
    float *din = calloc(nin, sizeof *din), *dw = calloc(nw, sizeof *dw),
          *db = calloc(c->cout, sizeof *db);
    conv3d_backward(din, dw, db, c->r, c->in, c->wt, c->cin, c->cout, c->k, c->d, c->h, c->w,
                    c->scratch);
    if (c->which == c->in) memcpy(dx, din, nin * sizeof *dx);
    if (c->which == c->wt) memcpy(dx, dw, nw * sizeof *dx);
    if (c->which == c->b) memcpy(dx, db, c->cout * sizeof *dx);
    free(din);
    free(dw);
    free(db);
}

static void run(int cin, int cout, int k, int d, int h, int w) {
    ctx c = {cin, cout, k, d, h, w, 0, 0, 0, 0, 0, 0, 0};
    size_t nin = (size_t)cin * d * h * w, nout = (size_t)cout * d * h * w;
    size_t nw = (size_t)cout * cin * k * k * k;
    c.in = malloc(nin * sizeof(float));
    c.wt = malloc(nw * sizeof(float));
    c.b = malloc(cout * sizeof(float));
    c.r = malloc(nout * sizeof(float));
    c.out = malloc(nout * sizeof(float));
    c.scratch = malloc(conv3d_scratch_size(cin, k, h, w) * sizeof(float));
    gc_fill(c.in, nin, 1, -1, 1);
    gc_fill(c.wt, nw, 2, -0.5f, 0.5f);
    gc_fill(c.b, cout, 3, -0.5f, 0.5f);
    gc_fill(c.r, nout, 4, -1, 1);

    /* forward against the definition, zero padding */
    conv3d_forward(c.out, c.in, c.wt, c.b, cin, cout, k, d, h, w, c.scratch);
    double worst = 0.0;
    int p = k / 2;
    for (int o = 0; o < cout; o++)
        for (int z = 0; z < d; z++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) {
                    double s = c.b[o];
                    for (int i = 0; i < cin; i++)
                        for (int dz = 0; dz < k; dz++)
                            for (int dy = 0; dy < k; dy++)
                                for (int dx = 0; dx < k; dx++) {
                                    int zz = z + dz - p, yy = y + dy - p, xx = x + dx - p;
                                    if (zz < 0 || zz >= d || yy < 0 || yy >= h || xx < 0 || xx >= w)
                                        continue;
                                    s += (double)c.wt[(((size_t)o * cin + i) * k + dz) * k * k + dy * k + dx] *
                                         c.in[(((size_t)i * d + zz) * h + yy) * w + xx];
                                }
                    double e = fabs(s - c.out[(((size_t)o * d + z) * h + y) * w + x]);
                    if (e > worst) worst = e;
                }
    CHECK(worst < 1e-5, "k=%d forward differs from the direct sum by %g", k, worst);

    c.which = c.in;
    double ein = gradcheck(c.in, nin, loss, grad, &c, 1e-2, 200, "din");
    c.which = c.wt;
    double ew = gradcheck(c.wt, nw, loss, grad, &c, 1e-2, 200, "dw");
    c.which = c.b;
    double eb = gradcheck(c.b, cout, loss, grad, &c, 1e-2, 200, "db");
    printf("conv3d k=%d %dx%dx%d cin %d cout %d: forward %.2g, grad in %.2e w %.2e b %.2e\n", k,
           w, h, d, cin, cout, worst, ein, ew, eb);
    CHECK(ein < 1e-2, "k=%d din rel error %g", k, ein);
    CHECK(ew < 1e-2, "k=%d dw rel error %g", k, ew);
    CHECK(eb < 1e-2, "k=%d db rel error %g", k, eb);

    /* backward accumulates: twice the call gives twice the gradient */
    float *dw1 = calloc(nw, sizeof(float)), *dw2 = calloc(nw, sizeof(float));
    conv3d_backward(NULL, dw1, NULL, c.r, c.in, c.wt, cin, cout, k, d, h, w, c.scratch);
    conv3d_backward(NULL, dw2, NULL, c.r, c.in, c.wt, cin, cout, k, d, h, w, c.scratch);
    conv3d_backward(NULL, dw2, NULL, c.r, c.in, c.wt, cin, cout, k, d, h, w, c.scratch);
    double acc = 0.0;
    for (size_t i = 0; i < nw; i++) acc = fmax(acc, fabs(dw2[i] - 2.0f * dw1[i]));
    CHECK(acc < 1e-4, "k=%d backward does not accumulate (%g)", k, acc);
    free(dw1);
    free(dw2);
    free(c.in);
    free(c.wt);
    free(c.b);
    free(c.r);
    free(c.out);
    free(c.scratch);
}

int main(void) {
    run(2, 3, 3, 4, 5, 3);
    run(1, 4, 3, 3, 3, 3);
    run(3, 2, 1, 3, 4, 5);
    return check_summary();
}
