/*
 * 3 x 3 convolution over planes, without padding ("valid"):
 *   out[o][y][x] = b[o] + sum over i, dy, dx of w[o][i][dy][dx] in[i][y + dy][x + dx]
 * in: cin planes of h x wd (row-major, x fastest); out: cout planes of
 * (h - 2) x (wd - 2); w is [cout][cin][3][3] (PyTorch's layout), b [cout].
 *
 * Two forwards. conv2d_forward adds each output's terms in one order (the
 * bias, then i, dy, dx ascending) and vectorises only across x, so an
 * output is the same float on every ISA path and thread count: the latent
 * mode's post-network decodes with it (latent/post_cnn.h); the file is
 * compiled with -ffp-contract=off. Serial: callers share planes among
 * threads. conv2d_forward_gemm and conv2d_backward are training's: im2col and
 * OpenBLAS's sgemm (several times faster; their sums in BLAS's order, which
 * varies with the machine), one patch a call (inside a parallel region BLAS
 * runs on the calling thread).
 */
#ifndef E2EC_NN_CONV2D_H
#define E2EC_NN_CONV2D_H

#include <stddef.h>

void conv2d_forward(float *out, const float *in, const float *w, const float *b, int cin, int cout, int h,
                    int wd);

/* The floats of the im2col scratch the two below take: cin * 9 * (h - 2) * (wd - 2). */
size_t conv2d_col_floats(int cin, int h, int wd);

/* The forward through col (conv2d_col_floats), which keeps the input's
 * columns for conv2d_backward. */
void conv2d_forward_gemm(float *out, const float *in, const float *w, const float *b, int cin, int cout, int h,
                         int wd, float *col);
/* dw, db accumulate the gradients of the loss given dout (cout planes of
 * (h - 2) x (wd - 2)); din (may be NULL) accumulates cin planes of h x wd.
 * col: the input's columns, as conv2d_forward_gemm left them (its din
 * overwrites them). */
void conv2d_backward(float *din, float *dw, float *db, const float *dout, float *col, const float *w, int cin,
                     int cout, int h, int wd);

#endif
