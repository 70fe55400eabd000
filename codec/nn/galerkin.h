/*
 * Galerkin-type attention block of the SRNO (Cao 2021; Wei & Zhang 2023), on
 * rows x [n][w] with `heads` heads of hc = w / heads channels:
 *     [q_h k_h v_h] = (W_qkv x + b_qkv) per head   (row layout: head h's q, k, v
 *                                                    at h*3hc, h*3hc+hc, h*3hc+2hc)
 *     k_h, v_h     <- layer norm over the hc channels (gain, bias per head)
 *     M_h          = k_h^T v_h / n                  (hc x hc, over the n rows given)
 *     r            = q M + x                        (residual)
 *     y            = W2 gelu(W1 r + b1) + b2 + r    (1x1 conv - GELU - 1x1 conv, residual)
 * The n rows given are the set the attention normalises over: the caller
 * decides that set (the SRNO passes one window of the high-res grid).
 *
 * Parameters, packed in this order (galerkin_param_count = 5 w^2 + 9 w):
 * W_qkv [3w][w], b_qkv [3w], k gain [w], k bias [w], v gain [w], v bias [w],
 * W1 [w][w], b1 [w], W2 [w][w], b2 [w]  (gains/biases: head h at h*hc).
 */
#ifndef E2EC_NN_GALERKIN_H
#define E2EC_NN_GALERKIN_H

#include <stddef.h>

size_t galerkin_param_count(int w);
/* Sets layer-norm gains to 1 and biases to 0; the linear parts are the caller's. */
void galerkin_init_norms(float *params, int w);
/* Floats the forward keeps for the backward, and scratch the backward needs. */
size_t galerkin_acts_size(int n, int w, int heads);
size_t galerkin_scratch_size(int n, int w, int heads);

void galerkin_forward(float *y, float *acts, const float *x, const float *params, int n, int w,
                      int heads);
/* dx (may be NULL) and dparams accumulate. */
void galerkin_backward(float *dx, float *dparams, const float *dy, const float *acts,
                       const float *x, const float *params, int n, int w, int heads,
                       float *scratch);

#endif
