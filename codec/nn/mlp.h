/*
 * Two-layer perceptron on rows: out = W2 gelu(W1 in + b1) + b2, with
 * in [n][cin], hidden [n][ch], out [n][cout]; W1 [ch][cin], W2 [cout][ch]
 * (PyTorch layout). It is both the conv(1x1)-GELU-conv(1x1) of a Galerkin
 * attention block and the SRNO's decoder (w -> hidden -> 1).
 * pre and post keep the hidden layer before and after GELU for the backward.
 */
#ifndef E2EC_NN_MLP_H
#define E2EC_NN_MLP_H

#include <stddef.h>

void mlp_forward(float *out, float *pre, float *post, const float *in, const float *w1,
                 const float *b1, const float *w2, const float *b2, int n, int cin, int ch,
                 int cout);
/* Floats of scratch the backward needs. */
size_t mlp_scratch_size(int n, int ch);
/* din (may be NULL), dw1, db1, dw2, db2 accumulate. */
void mlp_backward(float *din, float *dw1, float *db1, float *dw2, float *db2, const float *dout,
                  const float *in, const float *pre, const float *post, const float *w1,
                  const float *w2, int n, int cin, int ch, int cout, float *scratch);

#endif
