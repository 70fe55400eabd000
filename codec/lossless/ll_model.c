/* The lossless model's inputs and outputs (see ll_model.h). */
#include "ll_model.h"

void ll_predict(const ll_shape *s, const int32_t *v, int x, int y, int z, int shift,
                const arm_int *m, int64_t *mu_out, int32_t *log2b_out) {
    int32_t nb[LL_CTX], in[LL_CTX], mu, log2b;
    int32_t ref = ll_context(s, v, x, y, z, nb);
    for (int i = 0; i < LL_CTX; i++) in[i] = (nb[i] - ref) * (1 << (LAPLACE_FRAC_BITS - shift));
    arm_int_forward(m, in, &mu, &log2b);
    /* outputs in 1/65536 units, times 2^shift for mu, to the 1/256 units of laplace_int */
    int64_t mu_q = ((int64_t)mu * (1 << shift)) / (ARM_OUT_FRAC / LAPLACE_FRAC);
    *mu_out = (int64_t)ref * LAPLACE_FRAC + mu_q;
    *log2b_out = log2b / (ARM_OUT_FRAC / LAPLACE_FRAC) + shift * LAPLACE_FRAC;
}

int32_t ll_inputs(const ll_shape *s, const int32_t *v, int x, int y, int z, int shift,
                  float in[LL_CTX]) {
    int32_t nb[LL_CTX];
    int32_t ref = ll_context(s, v, x, y, z, nb);
    const float lim = (float)ARM_ACT_MAX / ARM_ACT_FRAC; /* arm_int saturates its inputs */
    /* 2^-shift: the product is exact, as ldexpf's result (a libm call a neighbour) */
    const float scale = 1.0f / (float)(1u << shift);
    for (int i = 0; i < LL_CTX; i++) {
        float d = (float)(nb[i] - ref) * scale;
        in[i] = d < -lim ? -lim : d > lim ? lim : d;
    }
    return ref;
}
