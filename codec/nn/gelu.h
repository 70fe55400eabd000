/* GELU, the exact form (PyTorch's default, approximate='none'):
 * out = x * Phi(x) = 0.5 x (1 + erf(x / sqrt 2)). */
#ifndef E2EC_NN_GELU_H
#define E2EC_NN_GELU_H

#include <stddef.h>

void gelu_forward(float *out, const float *in, size_t n);
/* din += dout * (Phi(x) + x phi(x)) */
void gelu_backward(float *din, const float *dout, const float *in, size_t n);

#endif
