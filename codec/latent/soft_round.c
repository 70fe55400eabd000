/* Soft-rounding (see soft_round.h). */
#include "soft_round.h"

#include <math.h>

void soft_round_set(soft_round_temp *k, float t) {
    k->two_over_t = 2.0f / t;
    k->norm = 0.5f / tanhf(0.5f / t);
}

float soft_round(float x, const soft_round_temp *k, float *dx) {
    /* tanh(d / T) = 1 - 2 / (e^(2d/T) + 1), one exp; |2d/T| <= 1/T keeps it finite */
    float f = floorf(x), e = expf((x - f - 0.5f) * k->two_over_t), th = 1.0f - 2.0f / (e + 1.0f);
    *dx = k->norm * (1.0f - th * th) * 0.5f * k->two_over_t;
    return f + 0.5f + k->norm * th;
}
