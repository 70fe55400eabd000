/*
 * Layer norm over the c channels of each row, with affine gain and bias:
 *     out[n][i] = g[i] (x[n][i] - mean_n) * rstd_n + b[i],  rstd_n = 1/sqrt(var_n + eps)
 * (biased variance, eps = 1e-5, as torch.nn.LayerNorm). Rows are strided
 * (row n at in + n*ld_in) so that one head's slice of a wider row, such as
 * the k of head h inside a qkv row, is normalised in place of a copy.
 * stats keeps [n][2] = (mean, rstd) for the backward.
 */
#ifndef E2EC_NN_LAYERNORM_H
#define E2EC_NN_LAYERNORM_H

#define LAYERNORM_EPS 1e-5f

void layernorm_forward(float *out, int ld_out, float *stats, const float *in, int ld_in,
                       const float *g, const float *b, int n, int c);
/* din (stride ld_in, may be NULL), dg and db accumulate; dout has stride ld_out. */
void layernorm_backward(float *din, int ld_in, float *dg, float *db, const float *dout,
                        int ld_out, const float *in, const float *stats, const float *g, int n,
                        int c);

#endif
