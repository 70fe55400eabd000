/*
 * Three fully connected layers with ReLU between them, cin -> h -> h -> cout,
 * on rows: the grid representation's synthesis (cout 1, grid_mlp.h) and the
 * ARM's float twin (cout 2, ent/arm_float.h). Parameters packed layer by
 * layer as W [out][in] (PyTorch layout) then b [out]. The forward keeps the
 * activations the backward reads. Finite-difference check:
 * tests/test_arm_float.c (through the ARM) and tests/test_grid_fit.c's fits.
 */
#ifndef E2EC_NN_RELU_MLP_H
#define E2EC_NN_RELU_MLP_H

#include <stddef.h>

/* Activations for up to cap rows; the d* scratch only with backward. */
typedef struct {
    float *a1, *h1, *a2, *h2, *out; /* out [n][cout] */
    float *dh2, *da2, *dh1, *da1;
} relu_mlp_acts;

size_t relu_mlp_size(int cin, int h, int cout);
/* Nonzero on failure (relu_mlp_free frees what was allocated). */
int relu_mlp_alloc(relu_mlp_acts *a, int cap, int h, int cout, int backward);
void relu_mlp_free(relu_mlp_acts *a);
/* a->out from in [n][cin]. */
void relu_mlp_forward(relu_mlp_acts *a, const float *w, const float *in, int n, int cin, int h,
                      int cout);
/* After the forward on the same in: dw += the parameters' gradient of
 * sum(out * dout), din [n][cin] (NULL: not wanted) += the inputs'. */
void relu_mlp_backward(relu_mlp_acts *a, const float *w, float *dw, const float *in,
                       const float *dout, float *din, int n, int cin, int h, int cout);

#endif
