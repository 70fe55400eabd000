/* Adam against a hand-computed case, and the losses' values and gradients. */
#include "adam.h"
#include "check.h"
#include "loss.h"

int main(void) {
    /* Two steps on one parameter, worked by hand from Kingma & Ba with bias
     * correction: step 1: m = 0.1 g1, v = 0.001 g1^2, mhat = g1, vhat = g1^2,
     * so p -= lr * g1 / (|g1| + eps) = lr * sign(g1) (to 1e-8).
     * step 2 with g2: m = 0.09 g1 + 0.1 g2, v = 0.000999 g1^2 + 0.001 g2^2,
     * mhat = m / 0.19, vhat = v / 0.001999. */
    adam_state s;
    CHECK(adam_init(&s, 1, 0.1f) == 0, "init");
    float p = 1.0f, g1 = 2.0f, g2 = -1.0f;
    adam_step(&s, &p, &g1);
    CHECK(fabsf(p - 0.9f) < 1e-6f, "step 1: %.8f", p);
    adam_step(&s, &p, &g2);
    double m = 0.09 * 2 + 0.1 * -1, v = 0.000999 * 4 + 0.001 * 1;
    double expect = 0.9 - 0.1 * (m / 0.19) / (sqrt(v / 0.001999) + 1e-8);
    CHECK(fabs(p - expect) < 1e-6, "step 2: %.8f expected %.8f", p, expect);
    adam_free(&s);

    float pred[4] = {0.5f, 0.2f, 0.9f, 0.4f}, tgt[4] = {0.4f, 0.2f, 1.0f, 0.0f};
    float d[4] = {0};
    double mse;
    double l1 = loss_forward_backward(E2EC_LOSS_L1, pred, tgt, 4, 1.0f, d, &mse);
    CHECK(fabs(l1 - (0.1 + 0 + 0.1 + 0.4) / 4) < 1e-6, "L1 %.8f", l1);
    CHECK(d[0] == 0.25f && d[1] == 0.0f && d[2] == -0.25f, "L1 grad %g %g %g", d[0], d[1], d[2]);
    CHECK(fabs(mse - (0.01 + 0 + 0.01 + 0.16) / 4) < 1e-6, "mse %.8f", mse);
    float d2[4] = {0};
    double l2 = loss_forward_backward(E2EC_LOSS_L2, pred, tgt, 4, 1.0f, d2, NULL);
    CHECK(fabs(l2 - mse) < 1e-7, "L2 %.8f", l2);
    CHECK(fabsf(d2[3] - 2 * 0.4f / 4) < 1e-6f, "L2 grad %g", d2[3]);
    return check_summary();
}
