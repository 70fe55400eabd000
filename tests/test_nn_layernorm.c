/* layernorm over the channels of strided rows: forward statistics and
 * backward against finite differences (input, gain, bias). */
#include <string.h>

#include "check.h"
#include "gradcheck.h"
#include "nn/layernorm.h"

enum { N = 7, C = 5, LDI = 9, LDO = 6 };
static float in[N * LDI], g[C], b[C], r[N * LDO], out[N * LDO], stats[2 * N];
static float *which;

static double loss(const float *x, void *p) {
    (void)x;
    (void)p;
    layernorm_forward(out, LDO, stats, in, LDI, g, b, N, C);
    double s = 0.0;
    for (int n = 0; n < N; n++)
        for (int i = 0; i < C; i++) s += (double)out[n * LDO + i] * r[n * LDO + i];
    return s;
}

static void grad(float *dx, void *p) {
    (void)p;
    float din[N * LDI] = {0}, dg[C] = {0}, db[C] = {0};
    layernorm_forward(out, LDO, stats, in, LDI, g, b, N, C);
    layernorm_backward(din, LDI, dg, db, r, LDO, in, stats, g, N, C);
    if (which == in) memcpy(dx, din, sizeof din);
    if (which == g) memcpy(dx, dg, sizeof dg);
    if (which == b) memcpy(dx, db, sizeof db);
}

int main(void) {
    gc_fill(in, N * LDI, 1, -2, 3);
    gc_fill(g, C, 2, 0.5f, 1.5f);
    gc_fill(b, C, 3, -0.5f, 0.5f);
    gc_fill(r, N * LDO, 4, -1, 1);
    /* unit gain, zero bias: each row has mean 0 and variance var/(var+eps) */
    float g1[C], b0[C] = {0};
    for (int i = 0; i < C; i++) g1[i] = 1.0f;
    layernorm_forward(out, LDO, stats, in, LDI, g1, b0, N, C);
    double worst = 0.0;
    for (int n = 0; n < N; n++) {
        double m = 0.0, v = 0.0, xm = 0.0, xv = 0.0;
        for (int i = 0; i < C; i++) m += out[n * LDO + i] / (double)C;
        for (int i = 0; i < C; i++) v += pow(out[n * LDO + i] - m, 2) / C;
        for (int i = 0; i < C; i++) xm += in[n * LDI + i] / (double)C;
        for (int i = 0; i < C; i++) xv += pow(in[n * LDI + i] - xm, 2) / C;
        worst = fmax(worst, fabs(m));
        worst = fmax(worst, fabs(v - xv / (xv + LAYERNORM_EPS)));
    }
    CHECK(worst < 1e-5, "normalised rows off by %g", worst);
    which = in;
    double ei = gradcheck(in, N * LDI, loss, grad, NULL, 1e-2, 100, "din");
    which = g;
    double eg = gradcheck(g, C, loss, grad, NULL, 1e-2, 100, "dg");
    which = b;
    double eb = gradcheck(b, C, loss, grad, NULL, 1e-2, 100, "db");
    printf("layernorm grad rel error: in %.2e gain %.2e bias %.2e\n", ei, eg, eb);
    CHECK(ei < 1e-2, "din %g", ei);
    CHECK(eg < 1e-2, "dg %g", eg);
    CHECK(eb < 1e-2, "db %g", eb);
    return check_summary();
}
