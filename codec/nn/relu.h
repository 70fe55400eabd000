/* ReLU: out = max(in, 0). */
#ifndef E2EC_NN_RELU_H
#define E2EC_NN_RELU_H

#include <stddef.h>

void relu_forward(float *out, const float *in, size_t n);
/* din += dout where in > 0 */
void relu_backward(float *din, const float *dout, const float *in, size_t n);

#endif
