/* SIREN activation (see sine.h). */
#include <math.h>
#include "sine.h"

void sine_forward(float *out, const float *in, float omega0, size_t n) {
#pragma omp parallel for schedule(static) if (n > 16384)
    for (size_t i = 0; i < n; i++) out[i] = sinf(omega0 * in[i]);
}

void sine_backward(float *din, const float *dout, const float *in, float omega0, size_t n) {
#pragma omp parallel for schedule(static) if (n > 16384)
    for (size_t i = 0; i < n; i++) din[i] += dout[i] * omega0 * cosf(omega0 * in[i]);
}
