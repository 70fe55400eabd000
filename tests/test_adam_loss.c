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

    /* adam_step_range catching up on k steps without a gradient gives what k
     * dense zero-gradient steps and then one step give (the lr fixed): m and
     * v, and the parameter up to rounding and eps, which the catch-up takes
     * once for the skipped steps. */
    adam_state dense, lazy;
    CHECK(adam_init(&dense, 2, 0.05f) == 0 && adam_init(&lazy, 2, 0.05f) == 0, "init 2");
    float pd[2] = {0.3f, -0.2f}, pl[2] = {0.3f, -0.2f}, zero[2] = {0, 0};
    for (int i = 0; i < 200; i++) {
        float g[2] = {0.01f * (float)(i % 7) - 0.02f, 0.003f};
        adam_step(&dense, pd, g), adam_step(&lazy, pl, g);
    }
    const int k = 9;
    for (int i = 0; i < k; i++) adam_step(&dense, pd, zero);
    float g[2] = {-0.04f, 0.001f};
    adam_step(&dense, pd, g);
    lazy.t += k + 1;
    adam_step_range(&lazy, pl, g, 0, 2, k);
    for (int i = 0; i < 2; i++) {
        CHECK(fabsf(lazy.m[i] - dense.m[i]) <= 1e-6f * fabsf(dense.m[i]) &&
                  fabsf(lazy.v[i] - dense.v[i]) <= 1e-6f * dense.v[i],
              "moments %d: %g %g vs %g %g", i, lazy.m[i], lazy.v[i], dense.m[i], dense.v[i]);
        CHECK(fabsf(pl[i] - pd[i]) < 2e-5f, "param %d after catching up: %.7f dense %.7f", i, pl[i], pd[i]);
    }
    /* the catch-up moved the parameters: without it they would differ more */
    adam_state none;
    float pn[2] = {0.3f, -0.2f};
    CHECK(adam_init(&none, 2, 0.05f) == 0, "init 3");
    for (int i = 0; i < 200; i++) {
        float gg[2] = {0.01f * (float)(i % 7) - 0.02f, 0.003f};
        adam_step(&none, pn, gg);
    }
    none.t += k + 1;
    adam_step_range(&none, pn, g, 0, 2, 0);
    CHECK(fabsf(pn[1] - pd[1]) > 100 * fabsf(pl[1] - pd[1]), "skipping the catch-up: %.7f vs %.7f", pn[1], pd[1]);
    adam_free(&dense), adam_free(&lazy), adam_free(&none);

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
