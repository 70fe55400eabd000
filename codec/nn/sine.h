/* SIREN activation: out = sin(omega0 * in). */
#ifndef E2EC_NN_SINE_H
#define E2EC_NN_SINE_H

#include <stddef.h>

void sine_forward(float *restrict out, const float *restrict in, float omega0, size_t n);
/* din += dout * omega0 * cos(omega0 * in) */
void sine_backward(float *restrict din, const float *restrict dout, const float *restrict in,
                   float omega0, size_t n);

#endif
