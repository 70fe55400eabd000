/*
 * The ARM's float twin (arm_int.h) as training differentiates it: the
 * forward on rows of inputs keeping the activations, the backward into the
 * parameters (arm_param_count of them, packed as arm_int.h says), and the
 * rate of a symbol under the Laplace its outputs give, with the derivatives
 * the backward and the caller need. The lossless fit (lossless/ll_fit.c) and
 * the latent fit (latent/latent_fit.c) train through it.
 *
 * Outputs, as the lossless model reads them (lossless/ll_model.h): mu =
 * ref + out0 2^shift, log2 b = out1 + shift, clamped to laplace_int's range.
 */
#ifndef E2EC_ENT_ARM_FLOAT_H
#define E2EC_ENT_ARM_FLOAT_H

#include "nn/relu_mlp.h"
#include "rng.h"

/* The network (nn/relu_mlp.h, ctx -> hidden -> hidden -> 2) and its
 * activations for up to cap rows; m.out [n][2] after the forward. */
typedef struct {
    int ctx, hidden;
    relu_mlp_acts m;
} arm_float;

/* Nonzero on failure (arm_float_free frees what was allocated). */
int arm_float_alloc(arm_float *a, int cap, int ctx, int hidden);
void arm_float_free(arm_float *a);

/* PyTorch's default initialisation, the output layer scaled by 0.01: the
 * network starts near out = 0, i.e. at the reference with one scale. */
void arm_float_init(float *params, int ctx, int hidden, rng *r);

/* a->m.out [n][2] from in [n][ctx] (n <= cap). */
void arm_float_forward(arm_float *a, const float *params, const float *in, int n);

/* After the forward on the same in: grad += the parameters' gradient of
 * sum(out * dout). The inputs get none (the callers' contexts are fixed). */
void arm_float_backward(arm_float *a, const float *params, const float *in, const float *dout,
                        int n, float *grad);

/* The rate in bits of x (an integer in [lo, hi] when coded, any real while
 * training) under the Laplace that out gives for reference ref and shift;
 * dout gets the rate's derivatives in out0 and out1 (0 for out1 where log2 b
 * is clamped) and *dx its derivative in x. */
double arm_float_rate(const float out[2], double ref, int shift, double x, double lo, double hi,
                      double dout[2], double *dx);

#endif
