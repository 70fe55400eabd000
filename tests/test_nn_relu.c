/* relu: forward values and backward against finite differences (away from 0). */
#include "check.h"
#include "gradcheck.h"
#include "nn/relu.h"

#define N 64
static float r[N], out[N];

static double loss(const float *x, void *p) {
    (void)p;
    relu_forward(out, x, N);
    double s = 0.0;
    for (int i = 0; i < N; i++) s += (double)out[i] * r[i];
    return s;
}

static void grad(float *dx, void *p) {
    relu_backward(dx, r, p, N);
}

int main(void) {
    float x[N];
    gc_fill(x, N, 1, -1, 1);
    gc_fill(r, N, 2, -1, 1);
    for (int i = 0; i < N; i++) /* keep finite differences off the kink */
        if (fabsf(x[i]) < 0.05f) x[i] = 0.1f;
    relu_forward(out, x, N);
    int ok = 1;
    for (int i = 0; i < N; i++) ok &= out[i] == (x[i] > 0 ? x[i] : 0.0f);
    CHECK(ok, "relu values");
    double e = gradcheck(x, N, loss, grad, x, 1e-2, N, "relu");
    printf("relu grad rel error %.2e\n", e);
    CHECK(e < 1e-3, "relu grad rel error %g", e);
    return check_summary();
}
