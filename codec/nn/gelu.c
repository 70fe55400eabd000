#include "gelu.h"

#include <math.h>

void gelu_forward(float *out, const float *in, size_t n) {
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) out[i] = 0.5f * in[i] * (1.0f + erff(in[i] * 0.70710678118654752f));
}

void gelu_backward(float *din, const float *dout, const float *in, size_t n) {
    const float inv_sqrt_2pi = 0.3989422804014327f;
#pragma omp parallel for schedule(static)
    for (size_t i = 0; i < n; i++) {
        float x = in[i];
        float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
        din[i] += dout[i] * (cdf + x * inv_sqrt_2pi * expf(-0.5f * x * x));
    }
}
