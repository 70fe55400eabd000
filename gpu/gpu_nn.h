/*
 * The device mirror of codec/nn and codec/siren.h, function for function:
 * the same shapes ([N][C] row-major features, w [cout][cin]), the same
 * "backward ACCUMULATES (+=) into din and every dparam, din NULL = not
 * needed" convention, the same parameter layout (siren_views_of). Every
 * pointer is device memory from e2ec_cuda_alloc(); every call is queued on
 * the context's stream and returns without waiting unless it says otherwise.
 * Sizes: n, cin, cout >= 1 and each below 2^31 (cuBLAS takes int).
 */
#ifndef E2EC_GPU_NN_H
#define E2EC_GPU_NN_H

#include <stddef.h>
#include <stdint.h>
#include "adam.h"
#include "e2ec_cuda.h"
#include "siren.h"

#ifdef __cplusplus
extern "C" {
#endif

/* out[n][o] = sum_i in[n][i] w[o][i] + b[o]; b may be NULL. */
e2ec_status gpu_linear_forward(e2ec_cuda *g, float *out, const float *in, const float *w,
                               const float *b, int n, int cin, int cout);
/* din (may be NULL) += dout w; dw += dout^T in; db (may be NULL) += column sums of dout. */
e2ec_status gpu_linear_backward(e2ec_cuda *g, float *din, float *dw, float *db,
                                const float *dout, const float *in, const float *w, int n,
                                int cin, int cout);

/* out = sin(omega0 in) */
e2ec_status gpu_sine_forward(e2ec_cuda *g, float *out, const float *in, float omega0, size_t n);
/* din += dout omega0 cos(omega0 in) */
e2ec_status gpu_sine_backward(e2ec_cuda *g, float *din, const float *dout, const float *in,
                              float omega0, size_t n);

/*
 * Fused linear + sine, one SIREN layer: z = in w^T + b (kept: the sine's
 * backward needs it) and h = sin(omega0 z). For cin <= 8 (the 3-coordinate
 * first layer) it is one kernel with no GEMM; otherwise one cuBLAS GEMM and
 * one kernel adding the bias and applying the sine (instead of three passes).
 */
e2ec_status gpu_linear_sine_forward(e2ec_cuda *g, float *z, float *h, const float *in,
                                    const float *w, const float *b, float omega0, int n,
                                    int cin, int cout);

/*
 * loss_forward_backward (codec/loss.h) on the device: the mean of
 * |pred - target| (L1) or (pred - target)^2 (L2); dpred (may be NULL)
 * ACCUMULATES scale * dloss/dpred (L1's gradient at 0 is 0). loss and mse
 * (each may be NULL) get the values, which makes the host wait; the sums are
 * in double, in a fixed order (no atomics), so they repeat bit for bit.
 */
e2ec_status gpu_loss(e2ec_cuda *g, e2ec_loss kind, const float *pred, const float *target,
                     int n, float scale, float *dpred, double *loss, double *mse);

/* adam_state (codec/adam.h) with its moments m, v in device memory: the
 * same hyperparameters as adam_init() and the same step as adam_step(). */
e2ec_status gpu_adam_init(e2ec_cuda *g, adam_state *s, size_t n, float lr);
void gpu_adam_free(adam_state *s);
e2ec_status gpu_adam_step(e2ec_cuda *g, adam_state *s, float *params, const float *grads);

/* The SIREN with activations laid out as siren_forward's (siren_acts_size
 * floats: pre- and post-activation of every sine layer).
 * coords [n][3] -> out [n]; params in the layout of siren_views_of(). */
e2ec_status gpu_siren_forward(e2ec_cuda *g, const siren_config *c, const float *params,
                              const float *coords, float *out, float *acts, int n);
/* dparams accumulates; scratch holds 2 * n * width floats. */
e2ec_status gpu_siren_backward(e2ec_cuda *g, const siren_config *c, const float *params,
                               float *dparams, const float *acts, const float *coords,
                               const float *dout, float *scratch, int n);

/*
 * fft_downsample (codec/fft_downsample.h) with cuFFT: the same centred
 * low-frequency block, zeroed Nyquist plane of an even target (an axis with
 * m == n is left unchanged), cell-centred phase shift and mean-keeping scale. in (nx*ny*nz) is left unchanged. Plans
 * and the spectrum buffers are made per call; returns when out is written.
 */
e2ec_status gpu_fft_downsample(e2ec_cuda *g, const float *in, uint32_t nx, uint32_t ny,
                               uint32_t nz, float *out, uint32_t mx, uint32_t my, uint32_t mz);

#ifdef __cplusplus
}
#endif
#endif
