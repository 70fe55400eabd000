/* gelu (exact erf form): forward against reference values of x Phi(x), backward
 * against finite differences. */
#include "check.h"
#include "gradcheck.h"
#include "nn/gelu.h"

#define N 64
static float r[N], out[N];

static double loss(const float *x, void *p) {
    (void)p;
    gelu_forward(out, x, N);
    double s = 0.0;
    for (int i = 0; i < N; i++) s += (double)out[i] * r[i];
    return s;
}

static void grad(float *dx, void *p) { gelu_backward(dx, r, p, N); }

int main(void) {
    /* torch.nn.functional.gelu(torch.tensor([-2., -0.5, 1., 3.])) */
    const float xs[4] = {-2.0f, -0.5f, 1.0f, 3.0f};
    const double ref[4] = {-0.0455002639, -0.1542687714, 0.8413447461, 2.9959502220};
    float ys[4];
    gelu_forward(ys, xs, 4);
    for (int i = 0; i < 4; i++)
        CHECK(fabs(ys[i] - ref[i]) < 1e-6, "gelu(%g) = %.9g, want %.9g", xs[i], ys[i], ref[i]);
    float x[N];
    gc_fill(x, N, 1, -4, 4);
    gc_fill(r, N, 2, -1, 1);
    double e = gradcheck(x, N, loss, grad, x, 1e-2, N, "gelu");
    printf("gelu grad rel error %.2e\n", e);
    CHECK(e < 1e-2, "gelu grad rel error %g", e);
    return check_summary();
}
