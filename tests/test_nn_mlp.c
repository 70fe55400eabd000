/* mlp (linear - GELU - linear, the SRNO decoder and the attention block's
 * feed-forward): forward against a direct evaluation, backward against finite
 * differences for the input and every parameter. */
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "nn/mlp.h"

enum { N = 6, CIN = 4, CH = 5, COUT = 2 };
static float in[N * CIN], w1[CH * CIN], b1[CH], w2[COUT * CH], b2[COUT], r[N * COUT];
static float out[N * COUT], pre[N * CH], post[N * CH];
static float *which;

static double loss(const float *x, void *p) {
    (void)x;
    (void)p;
    mlp_forward(out, pre, post, in, w1, b1, w2, b2, N, CIN, CH, COUT);
    double s = 0.0;
    for (int i = 0; i < N * COUT; i++) s += (double)out[i] * r[i];
    return s;
}

static void grad(float *dx, void *p) {
    (void)p;
    float din[N * CIN] = {0}, dw1[CH * CIN] = {0}, db1[CH] = {0}, dw2[COUT * CH] = {0},
          db2[COUT] = {0}, scratch[2 * N * CH];
    mlp_forward(out, pre, post, in, w1, b1, w2, b2, N, CIN, CH, COUT);
    mlp_backward(din, dw1, db1, dw2, db2, r, in, pre, post, w1, w2, N, CIN, CH, COUT, scratch);
    if (which == in) memcpy(dx, din, sizeof din);
    if (which == w1) memcpy(dx, dw1, sizeof dw1);
    if (which == b1) memcpy(dx, db1, sizeof db1);
    if (which == w2) memcpy(dx, dw2, sizeof dw2);
    if (which == b2) memcpy(dx, db2, sizeof db2);
}

int main(void) {
    gc_fill(in, N * CIN, 1, -1, 1);
    gc_fill(w1, CH * CIN, 2, -1, 1);
    gc_fill(b1, CH, 3, -0.5f, 0.5f);
    gc_fill(w2, COUT * CH, 4, -1, 1);
    gc_fill(b2, COUT, 5, -0.5f, 0.5f);
    gc_fill(r, N * COUT, 6, -1, 1);
    mlp_forward(out, pre, post, in, w1, b1, w2, b2, N, CIN, CH, COUT);
    double worst = 0.0;
    for (int n = 0; n < N; n++)
        for (int o = 0; o < COUT; o++) {
            double s = b2[o];
            for (int h = 0; h < CH; h++) {
                double a = b1[h];
                for (int i = 0; i < CIN; i++) a += (double)w1[h * CIN + i] * in[n * CIN + i];
                s += w2[o * CH + h] * 0.5 * a * (1.0 + erf(a / sqrt(2.0)));
            }
            worst = fmax(worst, fabs(s - out[n * COUT + o]));
        }
    CHECK(worst < 1e-5, "forward off by %g", worst);
    struct { float *p; int n; const char *name; } t[] = {
        {in, N * CIN, "din"}, {w1, CH * CIN, "dw1"}, {b1, CH, "db1"}, {w2, COUT * CH, "dw2"},
        {b2, COUT, "db2"}};
    for (int i = 0; i < 5; i++) {
        which = t[i].p;
        double e = gradcheck(t[i].p, t[i].n, loss, grad, NULL, 1e-2, 100, t[i].name);
        printf("mlp %s rel error %.2e\n", t[i].name, e);
        CHECK(e < 1e-2, "%s %g", t[i].name, e);
    }
    return check_summary();
}
