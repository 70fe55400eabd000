/* Finite-difference checks of the SIREN's two layers: linear and sine. */
#include <string.h>
#include "check.h"
#include "gradcheck.h"
#include "nn/linear.h"
#include "nn/sine.h"

enum { N = 7, CIN = 5, COUT = 4 };

typedef struct {
    float in[N * CIN], w[COUT * CIN], b[COUT], r[N * COUT];
    int wrt; /* 0 in, 1 w, 2 b */
} lin_ctx;

static double lin_loss(const float *x, void *vctx) {
    lin_ctx *c = vctx;
    (void)x; /* x aliases one of c's arrays */
    float out[N * COUT];
    linear_forward(out, c->in, c->w, c->b, N, CIN, COUT);
    double s = 0;
    for (int i = 0; i < N * COUT; i++) s += (double)out[i] * c->r[i];
    return s;
}

static void lin_grad(float *dx, void *vctx) {
    lin_ctx *c = vctx;
    float din[N * CIN] = {0}, dw[COUT * CIN] = {0}, db[COUT] = {0};
    linear_backward(din, dw, db, c->r, c->in, c->w, N, CIN, COUT);
    const float *src = c->wrt == 0 ? din : c->wrt == 1 ? dw : db;
    size_t n = c->wrt == 0 ? N * CIN : c->wrt == 1 ? COUT * CIN : COUT;
    memcpy(dx, src, n * sizeof *dx);
}

typedef struct {
    float in[64], r[64];
    float omega;
} sine_ctx;

static double sine_loss(const float *x, void *vctx) {
    sine_ctx *c = vctx;
    float out[64];
    sine_forward(out, x, c->omega, 64);
    double s = 0;
    for (int i = 0; i < 64; i++) s += (double)out[i] * c->r[i];
    return s;
}

static void sine_grad(float *dx, void *vctx) {
    sine_ctx *c = vctx;
    sine_backward(dx, c->r, c->in, c->omega, 64);
}

int main(void) {
    lin_ctx lc;
    gc_fill(lc.in, N * CIN, 1, -1, 1);
    gc_fill(lc.w, COUT * CIN, 2, -1, 1);
    gc_fill(lc.b, COUT, 3, -1, 1);
    gc_fill(lc.r, N * COUT, 4, -1, 1);
    const char *names[] = {"linear.din", "linear.dw", "linear.db"};
    float *xs[] = {lc.in, lc.w, lc.b};
    size_t ns[] = {N * CIN, COUT * CIN, COUT};
    for (int k = 0; k < 3; k++) {
        lc.wrt = k;
        double e = gradcheck(xs[k], ns[k], lin_loss, lin_grad, &lc, 1e-2, 1000, names[k]);
        CHECK(e < 1e-3, "%s worst relative error %.3g", names[k], e);
    }
    /* backward accumulates: a second call doubles the gradient */
    float dw1[COUT * CIN] = {0}, db1[COUT] = {0};
    linear_backward(NULL, dw1, db1, lc.r, lc.in, lc.w, N, CIN, COUT);
    float dw2[COUT * CIN], db2[COUT];
    memcpy(dw2, dw1, sizeof dw1), memcpy(db2, db1, sizeof db1);
    linear_backward(NULL, dw2, db2, lc.r, lc.in, lc.w, N, CIN, COUT);
    CHECK(fabsf(dw2[3] - 2 * dw1[3]) < 1e-5f && fabsf(db2[1] - 2 * db1[1]) < 1e-5f,
          "backward must accumulate");

    sine_ctx sc = {.omega = 30.0f};
    gc_fill(sc.in, 64, 5, -0.2f, 0.2f);
    gc_fill(sc.r, 64, 6, -1, 1);
    double e = gradcheck(sc.in, 64, sine_loss, sine_grad, &sc, 1e-4, 64, "sine.din");
    CHECK(e < 2e-3, "sine worst relative error %.3g", e);
    return check_summary();
}
